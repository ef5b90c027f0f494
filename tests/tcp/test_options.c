/* SPDX-License-Identifier: BSD-3-Clause */
/* Options: MSS (RFC 9293 3.7.1), window scaling and timestamps with PAWS
 * (RFC 7323), SACK-permitted and SACK blocks (RFC 2018). */
#include "wire.h"

#define D0 (W_ISS + 1)
#define P0 (P_ISS + 1)

static void
setup_all(void)
{
	wire_init();
	W->conf.sack = true;
	W->conf.wscale = true;
	W->conf.timestamps = true;
	wire_start();
}

TestSuite(mss, .init = setup_plain, .fini = teardown);
TestSuite(wscale, .init = setup_plain, .fini = teardown);
TestSuite(ts, .init = setup_all, .fini = teardown);
TestSuite(sack, .init = setup_plain, .fini = teardown);

static uint32_t
our_ts(void)
{
	return (uint32_t)(W->now / MS) + tcp_test_cb(W->conn)->ts_off;
}

/* ---------------------------------------------------------------- MSS */

Test(mss, peer_mss_clamps_our_segments)
{
	fx_listen();
	send(.flags = SYN, .seq = P_ISS, .mss = 1000);
	expect(.flags = SYN | ACK, .seq = W_ISS, .ack = P0, .mss = 1460);
	send(.flags = ACK, .seq = P0, .ack = D0);
	app_send(2500);
	flush();
	expect(.flags = ACK, .seq = D0, .ack = P0, .len = 1000);
	expect(.flags = ACK, .seq = D0 + 1000, .ack = P0, .len = 1000);
	expect(.flags = ACK | PSH, .seq = D0 + 2000, .ack = P0, .len = 500);
}

Test(mss, our_mss_clamps_when_peer_offers_more)
{
	wire_fini();
	wire_init();
	W->conf.mss = 1200;
	wire_start();
	fx_listen();
	send(.flags = SYN, .seq = P_ISS, .mss = 9000);
	expect(.flags = SYN | ACK, .seq = W_ISS, .ack = P0, .mss = 1200);
	send(.flags = ACK, .seq = P0, .ack = D0);
	app_send(2000);
	flush();
	expect(.flags = ACK, .seq = D0, .ack = P0, .len = 1200);
	expect(.flags = ACK | PSH, .seq = D0 + 1200, .ack = P0, .len = 800);
}

Test(mss, active_open_uses_syn_ack_mss)
{
	fx_syn_sent();
	send(.flags = SYN | ACK, .seq = P_ISS, .ack = D0, .mss = 700);
	expect(.flags = ACK, .seq = D0, .ack = P0);
	app_send(1000);
	flush();
	expect(.flags = ACK, .seq = D0, .ack = P0, .len = 700);
}

Test(mss, mss_option_outside_syn_is_ignored)
{
	struct shoal_conn_info ci;

	fx_established();
	send(.flags = ACK, .seq = P0, .ack = D0, .mss = 100);
	shoal_conn_info(W->conn, &ci);
	cr_assert_eq(ci.mss, 1460);
}

Test(mss, timestamps_take_their_room_from_the_mss)
{
	struct shoal_conn_info ci;

	wire_fini();
	setup_all();
	fx_listen();
	send(.flags = SYN, .seq = P_ISS, .mss = 1460, .ts = true, .tsval = 1);
	wire_drain();
	send(.flags = ACK, .seq = P0, .ack = D0, .ts = true, .tsval = 2);
	shoal_conn_info(W->conn, &ci);
	cr_assert_eq(ci.mss, 1448);
}

/* ------------------------------------------------------------- wscale */

Test(wscale, both_offer_windows_are_scaled)
{
	struct shoal_conn_info ci;

	wire_fini();
	wire_init();
	W->conf.wscale = true;
	W->conf.rcvbuf = 1 << 20;
	wire_start();
	fx_listen();
	send(.flags = SYN, .seq = P_ISS, .mss = 1460, .ws = 3);
	expect(.flags = SYN | ACK, .seq = W_ISS, .ack = P0, .mss = 1460,
	       .ws = 5, .win = 65535);
	send(.flags = ACK, .seq = P0, .ack = D0, .win = 1000);
	shoal_conn_info(W->conn, &ci);
	cr_assert(ci.wscale);
	cr_assert_eq(ci.snd_wnd, 8000);
	send(.flags = ACK, .seq = P0, .ack = D0, .len = 10);
	advance(40);
	expect(.flags = ACK, .seq = D0, .ack = P0 + 10, .win = 32768);
}

Test(wscale, shift_14_is_the_maximum_we_offer)
{
	wire_fini();
	wire_init();
	W->conf.wscale = true;
	W->conf.rcvbuf = 1u << 30;
	wire_start();
	fx_listen();
	send(.flags = SYN, .seq = P_ISS, .mss = 1460, .ws = 14);
	expect(.flags = SYN | ACK, .seq = W_ISS, .ack = P0, .mss = 1460,
	       .ws = 14);
}

Test(wscale, peer_shift_above_14_means_14)
{
	struct shoal_conn_info ci;

	wire_fini();
	wire_init();
	W->conf.wscale = true;
	wire_start();
	fx_listen();
	send(.flags = SYN, .seq = P_ISS, .mss = 1460, .ws = 15, .raw_ws = true);
	wire_drain();
	send(.flags = ACK, .seq = P0, .ack = D0, .win = 2);
	shoal_conn_info(W->conn, &ci);
	cr_assert_eq(ci.snd_wnd, 2u << 14);
}

Test(wscale, peer_shift_14_max_window)
{
	struct shoal_conn_info ci;

	wire_fini();
	wire_init();
	W->conf.wscale = true;
	wire_start();
	fx_listen();
	send(.flags = SYN, .seq = P_ISS, .mss = 1460, .ws = 14);
	wire_drain();
	send(.flags = ACK, .seq = P0, .ack = D0, .win = 65535);
	shoal_conn_info(W->conn, &ci);
	cr_assert_eq(ci.snd_wnd, 65535u << 14);
}

Test(wscale, only_peer_offers_no_scaling)
{
	struct shoal_conn_info ci;

	fx_listen();	/* conf.wscale is off */
	send(.flags = SYN, .seq = P_ISS, .mss = 1460, .ws = 7);
	expect(.flags = SYN | ACK, .seq = W_ISS, .ack = P0, .mss = 1460);
	send(.flags = ACK, .seq = P0, .ack = D0, .win = 1000);
	shoal_conn_info(W->conn, &ci);
	cr_assert_not(ci.wscale);
	cr_assert_eq(ci.snd_wnd, 1000);
}

Test(wscale, only_we_offer_no_scaling)
{
	struct shoal_conn_info ci;

	wire_fini();
	wire_init();
	W->conf.wscale = true;
	W->conf.rcvbuf = 1 << 20;
	wire_start();

	W->conn = shoal_tcp_connect(W->eng, &W->ep, &W->ops, W);
	flush();
	expect(.flags = SYN, .seq = W_ISS, .mss = 1460, .ws = 5, .win = 65535);
	send(.flags = SYN | ACK, .seq = P_ISS, .ack = D0, .mss = 1460,
	     .win = 1000);
	expect(.flags = ACK, .seq = D0, .ack = P0, .win = 65535);
	shoal_conn_info(W->conn, &ci);
	cr_assert_not(ci.wscale);
	send(.flags = ACK, .seq = P0, .ack = D0, .win = 1000);
	shoal_conn_info(W->conn, &ci);
	cr_assert_eq(ci.snd_wnd, 1000);
}

Test(wscale, syn_window_is_never_scaled)
{
	struct shoal_conn_info ci;

	wire_fini();
	wire_init();
	W->conf.wscale = true;
	wire_start();
	W->conn = shoal_tcp_connect(W->eng, &W->ep, &W->ops, W);
	flush();
	wire_drain();
	send(.flags = SYN | ACK, .seq = P_ISS, .ack = D0, .mss = 1460,
	     .ws = 4, .win = 1000);
	shoal_conn_info(W->conn, &ci);
	cr_assert_eq(ci.snd_wnd, 1000);
}

/* ----------------------------------------------------------------- TS */

Test(ts, negotiated_syn_ack_echoes_tsval)
{
	fx_listen();
	send(.flags = SYN, .seq = P_ISS, .mss = 1460, .ts = true, .tsval = 777);
	expect(.flags = SYN | ACK, .seq = W_ISS, .ack = P0, .mss = 1460,
	       .ts = true, .tsecr = 777, .sackok = false, .any_opts = true);
}

Test(ts, data_carries_timestamps_and_echo)
{
	fx_listen();
	send(.flags = SYN, .seq = P_ISS, .mss = 1460, .ts = true, .tsval = 777);
	wire_drain();
	send(.flags = ACK, .seq = P0, .ack = D0, .ts = true, .tsval = 778,
	     .tsecr = 1);
	advance(5);
	app_send(10);
	flush();
	expect(.flags = ACK | PSH, .seq = D0, .ack = P0, .len = 10, .ts = true,
	       .tsecr = 778, .tsval = our_ts(), .any_tsval = false);
}

Test(ts, tsval_follows_the_clock_in_ms)
{
	uint32_t t0;

	fx_listen();
	send(.flags = SYN, .seq = P_ISS, .mss = 1460, .ts = true, .tsval = 1);
	wire_drain();
	send(.flags = ACK, .seq = P0, .ack = D0, .ts = true, .tsval = 1);
	t0 = our_ts();
	advance(250);
	app_send(10);
	flush();
	expect(.flags = ACK | PSH, .seq = D0, .ack = P0, .len = 10, .ts = true,
	       .tsecr = 1, .tsval = t0 + 250, .any_tsval = false);
}

static void
ts_established(void)
{
	fx_listen();
	send(.flags = SYN, .seq = P_ISS, .mss = 1460, .ts = true, .tsval = 1000);
	wire_drain();
	send(.flags = ACK, .seq = P0, .ack = D0, .ts = true, .tsval = 1001);
	cr_assert_eq(conn_state(), SHOAL_TCP_ESTABLISHED);
}

Test(ts, paws_drops_old_timestamp_and_acks)
{
	ts_established();
	send(.flags = ACK, .seq = P0, .ack = D0, .len = 100, .ts = true,
	     .tsval = 900);
	expect(.flags = ACK, .seq = D0, .ack = P0, .ts = true, .tsecr = 1001);
	cr_assert_eq(W->app.rxlen, 0);
	cr_assert_eq(stats().paws_drops, 1);
}

/* RFC 7323 4.3: with delayed ACKs TS.Recent keeps the value of the
 * earliest segment the ACK covers, so the peer's RTT includes the delay. */
Test(ts, paws_accepts_equal_and_newer_echoing_the_earliest)
{
	ts_established();
	send(.flags = ACK, .seq = P0, .ack = D0, .len = 100, .ts = true,
	     .tsval = 1001);
	send(.flags = ACK, .seq = P0 + 100, .ack = D0, .len = 100, .ts = true,
	     .tsval = 1500);
	cr_assert_eq(W->app.rxlen, 200);
	advance(40);
	expect(.flags = ACK, .seq = D0, .ack = P0 + 200, .ts = true,
	       .tsecr = 1001);
	send(.flags = ACK, .seq = P0 + 200, .ack = D0, .len = 100, .ts = true,
	     .tsval = 1600);
	advance(40);
	expect(.flags = ACK, .seq = D0, .ack = P0 + 300, .ts = true,
	       .tsecr = 1600);
}

/* The peer resends data we acknowledged: our ACK was lost. The dup ACK
 * echoes the resent segment's timestamp, so the peer's RTT sample is
 * this round trip and not its retransmission timeout (FreeBSD's rule). */
Test(ts, duplicate_after_a_lost_ack_echoes_its_own_timestamp)
{
	ts_established();
	send(.flags = ACK, .seq = P0, .ack = D0, .len = 100, .ts = true,
	     .tsval = 1100);
	advance(40);
	expect(.flags = ACK, .seq = D0, .ack = P0 + 100, .ts = true,
	       .tsecr = 1100);
	send(.flags = ACK, .seq = P0, .ack = D0, .len = 100, .ts = true,
	     .tsval = 2300);
	expect(.flags = ACK, .seq = D0, .ack = P0 + 100, .ts = true,
	       .tsecr = 2300);
	cr_assert_eq(W->app.rxlen, 100);
}

/* With an ACK still owed, RFC 7323's earliest-segment rule stands: a
 * duplicate of older data does not move TS.Recent. */
Test(ts, duplicate_while_an_ack_is_owed_keeps_the_earliest)
{
	ts_established();
	send(.flags = ACK, .seq = P0, .ack = D0, .len = 100, .ts = true,
	     .tsval = 1100);
	advance(40);
	expect(.flags = ACK, .seq = D0, .ack = P0 + 100, .ts = true,
	       .tsecr = 1100);
	send(.flags = ACK, .seq = P0 + 100, .ack = D0, .len = 100, .ts = true,
	     .tsval = 1200);
	/* delayed: nothing yet; then an old duplicate */
	send(.flags = ACK, .seq = P0, .ack = D0, .len = 100, .ts = true,
	     .tsval = 2300);
	expect(.flags = ACK, .seq = D0, .ack = P0 + 200, .ts = true,
	       .tsecr = 1200);
}

Test(ts, paws_handles_tsval_wrap)
{
	fx_listen();
	send(.flags = SYN, .seq = P_ISS, .mss = 1460, .ts = true,
	     .tsval = 0xfffffff0u);
	wire_drain();
	send(.flags = ACK, .seq = P0, .ack = D0, .ts = true, .tsval = 0xfffffff0u);
	send(.flags = ACK, .seq = P0, .ack = D0, .len = 10, .ts = true,
	     .tsval = 5);
	cr_assert_eq(W->app.rxlen, 10, "5 is newer than 0xfffffff0 mod 2^32");
}

Test(ts, rst_is_not_subject_to_paws)
{
	ts_established();
	send(.flags = RST, .seq = P0, .ts = true, .tsval = 1);
	cr_assert_eq(W->app.reset_err, ECONNRESET);
}

Test(ts, out_of_order_segment_does_not_update_ts_recent)
{
	ts_established();
	send(.flags = ACK, .seq = P0 + 1000, .ack = D0, .len = 100, .ts = true,
	     .tsval = 5000);
	expect(.flags = ACK, .seq = D0, .ack = P0, .ts = true, .tsecr = 1001,
	       .any_opts = true);
}

Test(ts, peer_without_timestamps_gets_none)
{
	struct shoal_conn_info ci;

	fx_listen();
	send(.flags = SYN, .seq = P_ISS, .mss = 1460);
	expect(.flags = SYN | ACK, .seq = W_ISS, .ack = P0, .mss = 1460);
	send(.flags = ACK, .seq = P0, .ack = D0);
	shoal_conn_info(W->conn, &ci);
	cr_assert_not(ci.timestamps);
	cr_assert_not(ci.sack);
	app_send(10);
	flush();
	expect(.flags = ACK | PSH, .seq = D0, .ack = P0, .len = 10);
}

Test(ts, time_wait_reused_by_newer_tsval)
{
	ts_established();
	shoal_shutdown(W->conn);
	flush();
	wire_drain();
	send(.flags = ACK | FIN, .seq = P0, .ack = D0 + 1, .ts = true,
	     .tsval = 1002);
	wire_drain();
	cr_assert_eq(conn_state(), SHOAL_TCP_TIME_WAIT);
	/* an older ISN, but a newer timestamp: RFC 6191 accepts it */
	send(.flags = SYN, .seq = P_ISS - 1000, .mss = 1460, .ts = true,
	     .tsval = 1003);
	expect(.flags = SYN | ACK, .seq = W_ISS, .ack = P_ISS - 999,
	       .mss = 1460, .any_opts = true);
	cr_assert_eq(stats().timewait_reuse, 1);
}

Test(ts, time_wait_not_reused_by_older_tsval)
{
	ts_established();
	shoal_shutdown(W->conn);
	flush();
	wire_drain();
	send(.flags = ACK | FIN, .seq = P0, .ack = D0 + 1, .ts = true,
	     .tsval = 1002);
	wire_drain();
	send(.flags = SYN, .seq = P_ISS + 100000, .mss = 1460, .ts = true,
	     .tsval = 500);
	cr_assert_eq(stats().timewait_reuse, 0);
	cr_assert_eq(conn_state(), SHOAL_TCP_TIME_WAIT);
	wire_drain();
}

/* --------------------------------------------------------------- SACK */

Test(sack, permitted_only_when_both_offer)
{
	struct shoal_conn_info ci;

	wire_fini();
	wire_init();
	W->conf.sack = true;
	wire_start();
	fx_listen();
	send(.flags = SYN, .seq = P_ISS, .mss = 1460);
	expect(.flags = SYN | ACK, .seq = W_ISS, .ack = P0, .mss = 1460);
	send(.flags = ACK, .seq = P0, .ack = D0);
	shoal_conn_info(W->conn, &ci);
	cr_assert_not(ci.sack);
	send(.flags = ACK, .seq = P0 + 100, .ack = D0, .len = 100);
	expect(.flags = ACK, .seq = D0, .ack = P0);	/* no blocks */
}

Test(sack, out_of_order_gets_a_block)
{
	fx_sack_established();
	send(.flags = ACK, .seq = P0 + 1000, .ack = D0, .len = 500);
	expect(.flags = ACK, .seq = D0, .ack = P0, .nsack = 1,
	       .sack = { { P0 + 1000, P0 + 1500 } });
}

Test(sack, latest_block_first)
{
	fx_sack_established();
	send(.flags = ACK, .seq = P0 + 1000, .ack = D0, .len = 500);
	wire_drain();
	send(.flags = ACK, .seq = P0 + 3000, .ack = D0, .len = 500);
	expect(.flags = ACK, .seq = D0, .ack = P0, .nsack = 2,
	       .sack = { { P0 + 3000, P0 + 3500 }, { P0 + 1000, P0 + 1500 } });
	send(.flags = ACK, .seq = P0 + 1500, .ack = D0, .len = 100);
	expect(.flags = ACK, .seq = D0, .ack = P0, .nsack = 2,
	       .sack = { { P0 + 1000, P0 + 1600 }, { P0 + 3000, P0 + 3500 } });
}

Test(sack, four_blocks_without_timestamps)
{
	unsigned int i;

	fx_sack_established();
	for (i = 0; i < 5; i++)
		send(.flags = ACK, .seq = P0 + 1000 * (i + 1), .ack = D0,
		     .len = 100);
	wire_drain();
	send(.flags = ACK, .seq = P0 + 10000, .ack = D0, .len = 100);
	/* RFC 2018 4: the triggering block, then the latest reported */
	expect(.flags = ACK, .seq = D0, .ack = P0, .nsack = 4,
	       .sack = { { P0 + 10000, P0 + 10100 }, { P0 + 5000, P0 + 5100 },
			 { P0 + 4000, P0 + 4100 }, { P0 + 3000, P0 + 3100 } });
}

/* A block above many others is repeated in the next ACKs, not only in
 * the one its segment triggered (which the link may lose): before RFC
 * 2018's rule the lowest blocks took every place after the first. */
Test(sack, recent_blocks_are_repeated_in_the_next_acks)
{
	unsigned int i;

	fx_sack_established();
	for (i = 0; i < 6; i++)
		send(.flags = ACK, .seq = P0 + 1000 * (i + 1), .ack = D0,
		     .len = 100);
	send(.flags = ACK, .seq = P0 + 20000, .ack = D0, .len = 100);
	wire_drain();
	/* a segment that extends the lowest block: 20000 is still there */
	send(.flags = ACK, .seq = P0 + 1100, .ack = D0, .len = 100);
	expect(.flags = ACK, .seq = D0, .ack = P0, .nsack = 4,
	       .sack = { { P0 + 1000, P0 + 1200 }, { P0 + 20000, P0 + 20100 },
			 { P0 + 6000, P0 + 6100 }, { P0 + 5000, P0 + 5100 } });
	send(.flags = ACK, .seq = P0 + 2100, .ack = D0, .len = 100);
	expect(.flags = ACK, .seq = D0, .ack = P0, .nsack = 4,
	       .sack = { { P0 + 2000, P0 + 2200 }, { P0 + 1000, P0 + 1200 },
			 { P0 + 20000, P0 + 20100 }, { P0 + 6000, P0 + 6100 } });
}

Test(sack, three_blocks_with_timestamps)
{
	struct tcp_seg s;
	unsigned int i;

	wire_fini();
	setup_all();
	fx_listen();
	send(.flags = SYN, .seq = P_ISS, .mss = 1460, .sackok = true, .ts = true,
	     .tsval = 1);
	wire_drain();
	send(.flags = ACK, .seq = P0, .ack = D0, .ts = true, .tsval = 1);
	for (i = 0; i < 5; i++)
		send(.flags = ACK, .seq = P0 + 1000 * (i + 1), .ack = D0,
		     .len = 100, .ts = true, .tsval = 1);
	while (wire_pending() > 1)
		wire_next(&s, NULL);
	cr_assert(wire_next(&s, NULL));
	cr_assert_eq(s.nsack, 3);
	cr_assert(s.has_ts);
	cr_assert_eq(s.sack[0].start, P0 + 5000);
}

Test(sack, no_blocks_once_the_hole_is_filled)
{
	fx_sack_established();
	send(.flags = ACK, .seq = P0 + 100, .ack = D0, .len = 100);
	wire_drain();
	send(.flags = ACK, .seq = P0, .ack = D0, .len = 100);
	expect(.flags = ACK, .seq = D0, .ack = P0 + 200);
}

/*
 * SACK blocks share the option space with the payload: a full-sized data
 * segment sent while we hold out-of-order data must still fit the MSS
 * (it once carried 1448 bytes + timestamps + SACK, 1500 + 20 > MTU, and
 * the IP layer dropped every retransmission of it).
 */
Test(ts, sack_blocks_never_push_a_segment_past_the_mss)
{
	struct tcp_seg s;
	struct rte_mbuf *m;
	unsigned int full = 0;

	fx_listen();
	send(.flags = SYN, .seq = P_ISS, .mss = 1460, .sackok = true,
	     .ts = true, .tsval = 1, .win = 65535);
	wire_drain();
	send(.flags = ACK, .seq = P0, .ack = D0, .ts = true, .tsval = 2,
	     .win = 65535);
	/* A hole at P0: we hold 100 bytes beyond it and SACK them. */
	send(.flags = ACK, .seq = P0 + 1000, .ack = D0, .len = 100,
	     .ts = true, .tsval = 3, .win = 65535);
	wire_drain();
	app_send(8 * 1448);
	flush();
	while (wire_next(&s, &m)) {
		uint32_t tcp_len = rte_pktmbuf_pkt_len(m);

		cr_assert_leq(tcp_len, 20u + 1460u,
			      "a %u-byte TCP segment does not fit a 1500 MTU",
			      tcp_len);
		if (tcp_len - m->l4_len == 1448)
			full++;
		rte_pktmbuf_free(m);
	}
	cr_assert_gt(full, 0, "no full-sized segment was sent");
}
