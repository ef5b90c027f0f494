/* SPDX-License-Identifier: BSD-3-Clause */
/* Retransmission (RFC 6298: RTO, Karn, backoff, bounds), give-up, and the
 * persist timer for zero windows (RFC 9293 3.8.6.1). */
#include "wire.h"

TestSuite(rexmt, .init = setup_plain, .fini = teardown);

#define D0 (W_ISS + 1)
#define P0 (P_ISS + 1)

static struct shoal_conn_info
info(void)
{
	struct shoal_conn_info ci;

	shoal_conn_info(W->conn, &ci);
	return ci;
}

Test(rexmt, rto_after_instant_handshake_is_rto_min)
{
	fx_established();
	/* the handshake took no time: RTT 0 -> RTO clamps to rto_min */
	cr_assert_eq(info().rto_us, 200000);
	app_send(100);
	flush();
	expect(.flags = ACK | PSH, .seq = D0, .ack = P0, .len = 100);
	advance(199);
	expect_none();
	advance(1);
	expect(.flags = ACK | PSH, .seq = D0, .ack = P0, .len = 100);
}

Test(rexmt, backoff_doubles_each_time)
{
	unsigned int i;
	uint64_t rto = 200;

	fx_established();
	app_send(100);
	flush();
	expect(.flags = ACK | PSH, .seq = D0, .ack = P0, .len = 100);
	for (i = 0; i < 5; i++) {
		advance(rto - 1);
		expect_none();
		advance(1);
		expect(.flags = ACK | PSH, .seq = D0, .ack = P0, .len = 100);
		rto *= 2;
	}
	cr_assert_eq(stats().rto_fires, 5);
	cr_assert_eq(info().retransmits, 5);
}

Test(rexmt, rto_is_bounded_by_rto_max)
{
	unsigned int i;

	wire_fini();
	wire_init();
	W->conf.rto_max_ns = 1000 * MS;
	wire_start();
	fx_established();
	app_send(100);
	flush();
	wire_drain();
	advance(200);
	advance(400);
	advance(800);
	wire_drain();
	for (i = 0; i < 3; i++) {
		advance(999);
		expect_none();
		advance(1);
		expect(.flags = ACK | PSH, .seq = D0, .ack = P0, .len = 100);
	}
}

Test(rexmt, rtt_sample_sets_rto)
{
	fx_syn_received();
	advance(100);
	send(.flags = ACK, .seq = P0, .ack = D0);
	/* RFC 6298 2.2: SRTT = R, RTTVAR = R/2, RTO = SRTT + 4 RTTVAR */
	cr_assert_eq(info().srtt_us, 100000);
	cr_assert_eq(info().rttvar_us, 50000);
	cr_assert_eq(info().rto_us, 300000);
	app_send(100);
	flush();
	wire_drain();
	advance(299);
	expect_none();
	advance(1);
	expect(.flags = ACK | PSH, .seq = D0, .ack = P0, .len = 100);
}

Test(rexmt, second_sample_smooths)
{
	fx_syn_received();
	advance(100);
	send(.flags = ACK, .seq = P0, .ack = D0);
	app_send(100);
	flush();
	wire_drain();
	advance(200);
	send(.flags = ACK, .seq = P0, .ack = D0 + 100);
	/* RTTVAR = 3/4 * 50 + 1/4 * |100 - 200| = 62.5; SRTT = 112.5 */
	cr_assert_eq(info().srtt_us, 112500);
	cr_assert_eq(info().rttvar_us, 62500);
	cr_assert_eq(info().rto_us, 362500);
}

Test(rexmt, karn_no_sample_from_retransmitted_segment)
{
	struct shoal_conn_info before;

	fx_syn_received();
	advance(100);
	send(.flags = ACK, .seq = P0, .ack = D0);
	before = info();
	app_send(100);
	flush();
	wire_drain();
	advance(300);
	expect(.flags = ACK | PSH, .seq = D0, .ack = P0, .len = 100);
	advance(50);
	send(.flags = ACK, .seq = P0, .ack = D0 + 100);
	cr_assert_eq(info().srtt_us, before.srtt_us);
}

Test(rexmt, ack_restarts_timer)
{
	fx_established();
	app_send(2000);
	flush();
	wire_drain();
	advance(150);
	send(.flags = ACK, .seq = P0, .ack = D0 + 1460);
	advance(199);
	expect_none();
	advance(1);
	expect(.flags = ACK | PSH, .seq = D0 + 1460, .ack = P0, .len = 540);
}

Test(rexmt, full_ack_stops_timer)
{
	fx_established();
	app_send(100);
	flush();
	wire_drain();
	send(.flags = ACK, .seq = P0, .ack = D0 + 100);
	advance(10000);
	expect_none();
}

Test(rexmt, timeout_resends_one_segment_then_slow_starts)
{
	unsigned int i;

	fx_established();
	app_send(5 * 1460);
	flush();
	for (i = 0; i < 5; i++)
		expect(.flags = ACK | ((i == 4) ? PSH : 0), .seq = D0 + i * 1460,
		       .ack = P0, .len = 1460);
	advance(200);
	expect(.flags = ACK, .seq = D0, .ack = P0, .len = 1460);
	expect_none();
	cr_assert_eq(info().cwnd, 1460);
	send(.flags = ACK, .seq = P0, .ack = D0 + 1460);
	expect(.flags = ACK, .seq = D0 + 1460, .ack = P0, .len = 1460);
	expect(.flags = ACK, .seq = D0 + 2920, .ack = P0, .len = 1460);
	expect_none();
}

Test(rexmt, ack_beyond_rewound_snd_nxt_is_accepted)
{
	fx_established();
	app_send(3 * 1460);
	flush();
	wire_drain();
	advance(200);
	expect(.flags = ACK, .seq = D0, .ack = P0, .len = 1460);
	/* the originals arrived after all */
	send(.flags = ACK, .seq = P0, .ack = D0 + 3 * 1460);
	expect_none();
	cr_assert_eq(W->app.acked, 3 * 1460);
}

Test(rexmt, gives_up_after_max_retries)
{
	unsigned int i;

	wire_fini();
	wire_init();
	W->conf.max_retries = 3;
	wire_start();
	fx_established();
	app_send(100);
	flush();
	wire_drain();
	for (i = 0; i < 3; i++) {
		advance(200 << i);
		expect(.flags = ACK | PSH, .seq = D0, .ack = P0, .len = 100);
	}
	advance((200 << 3) - 1);
	cr_assert_eq(W->app.resets, 0);
	advance(1);
	cr_assert_eq(W->app.resets, 1);
	cr_assert_eq(W->app.reset_err, ETIMEDOUT);
	cr_assert_eq(W->app.closed, 1);
	cr_assert_eq(stats().conn_timeouts, 1);
}

Test(rexmt, fin_is_retransmitted_with_backoff)
{
	fx_fin_wait_1();
	advance(1000);
	expect(.flags = FIN | ACK, .seq = D0, .ack = P0);
	advance(2000);
	expect(.flags = FIN | ACK, .seq = D0, .ack = P0);
}

/* ------------------------------------------------------------ persist */

Test(rexmt, zero_window_holds_data_and_probes)
{
	fx_syn_received();
	send(.flags = ACK, .seq = P0, .ack = D0, .win = 0);
	app_send(100);
	flush();
	expect_none();
	advance(200);
	expect(.flags = ACK, .seq = D0, .ack = P0, .len = 1);
	cr_assert_eq(stats().persist_probes, 1);
}

Test(rexmt, persist_probes_back_off_and_never_give_up)
{
	unsigned int i;

	wire_fini();
	wire_init();
	W->conf.max_retries = 2;
	wire_start();
	fx_syn_received();
	send(.flags = ACK, .seq = P0, .ack = D0, .win = 0);
	app_send(100);
	flush();
	for (i = 0; i < 6; i++) {
		advance((200 << i) - 1);
		expect_none();
		advance(1);
		expect(.flags = ACK, .seq = D0, .ack = P0, .len = 1);
		send(.flags = ACK, .seq = P0, .ack = D0, .win = 0);
		expect_none();
	}
	cr_assert_eq(W->app.resets, 0);
	cr_assert_eq(stats().dup_acks_rx, 0, "zero-window ACKs are not dups");
}

/* Found by fuzz_tcp_engine: data and FIN out, an RTO goes back to
 * SND.UNA (clearing TF_FIN_SENT), then one ACK covers data and FIN: the
 * FIN counts as acknowledged, FIN-WAIT-1 moves on. */
Test(rexmt, ack_of_fin_after_go_back_n_ends_fin_wait_1)
{
	fx_established();
	app_send(3000);		/* several segments: the RTO resends one */
	flush();
	cr_assert_eq(shoal_shutdown(W->conn), 0);
	flush();
	wire_drain();
	cr_assert_eq(conn_state(), SHOAL_TCP_FIN_WAIT_1);
	advance(1000);
	wire_drain();
	send(.flags = ACK, .seq = P0, .ack = D0 + 3001);
	cr_assert_eq(conn_state(), SHOAL_TCP_FIN_WAIT_2);
}

/* Found by fuzz_tcp_engine: a peer that closes its window and then goes
 * silent held the connection (an orphan too) forever. Unanswered probes
 * now count against max_retries. */
Test(rexmt, persist_gives_up_when_the_peer_goes_silent)
{
	unsigned int i;

	wire_fini();
	wire_init();
	W->conf.max_retries = 2;
	wire_start();
	fx_syn_received();
	send(.flags = ACK, .seq = P0, .ack = D0, .win = 0);
	app_send(100);
	flush();
	for (i = 0; i < 2; i++) {
		advance(200 << i);
		expect(.flags = ACK, .seq = D0, .ack = P0, .len = 1);
	}
	cr_assert_eq(W->app.resets, 0);
	advance(800);
	cr_assert_eq(W->app.resets, 1);
	cr_assert_eq(W->app.reset_err, ETIMEDOUT);
	cr_assert_eq(stats().conns_open, 0);
}

Test(rexmt, window_update_ends_persist)
{
	fx_syn_received();
	send(.flags = ACK, .seq = P0, .ack = D0, .win = 0);
	app_send(100);
	flush();
	advance(200);
	expect(.flags = ACK, .seq = D0, .ack = P0, .len = 1);
	send(.flags = ACK, .seq = P0, .ack = D0, .win = 1000);
	expect(.flags = ACK | PSH, .seq = D0 + 1, .ack = P0, .len = 99);
	send(.flags = ACK, .seq = P0, .ack = D0 + 1, .win = 1000);
	expect_none();
	advance(200);
	expect(.flags = ACK | PSH, .seq = D0 + 1, .ack = P0, .len = 99);
}

Test(rexmt, window_opening_before_probe_sends_data)
{
	fx_syn_received();
	send(.flags = ACK, .seq = P0, .ack = D0, .win = 0);
	app_send(100);
	flush();
	advance(100);
	send(.flags = ACK, .seq = P0, .ack = D0, .win = 5000);
	expect(.flags = ACK | PSH, .seq = D0, .ack = P0, .len = 100);
	advance(150);
	expect_none();	/* no stale probe */
}

Test(rexmt, accepted_probe_byte_is_acked)
{
	fx_syn_received();
	send(.flags = ACK, .seq = P0, .ack = D0, .win = 0);
	app_send(100);
	flush();
	advance(200);
	expect(.flags = ACK, .seq = D0, .ack = P0, .len = 1);
	send(.flags = ACK, .seq = P0, .ack = D0 + 1, .win = 2000);
	expect(.flags = ACK | PSH, .seq = D0 + 1, .ack = P0, .len = 99);
	cr_assert_eq(W->app.acked, 1);
}

Test(rexmt, window_closing_with_data_in_flight_then_persist)
{
	fx_established();
	app_send(3000);
	flush();
	wire_drain();
	send(.flags = ACK, .seq = P0, .ack = D0 + 3000, .win = 0);
	app_send(10);
	flush();
	expect_none();
	advance(200);
	expect(.flags = ACK, .seq = D0 + 3000, .ack = P0, .len = 1);
}

/* ---------------------------------------------------------- keepalive */

Test(rexmt, keepalive_off_by_default)
{
	fx_established();
	advance(3600 * 1000);
	expect_none();
}

Test(rexmt, keepalive_probes_after_idle)
{
	fx_established();
	shoal_conn_set_keepalive(W->conn, 10000 * MS, 1000 * MS, 3);
	advance(9999);
	expect_none();
	advance(1);
	expect(.flags = ACK, .seq = D0 - 1, .ack = P0);
	advance(1000);
	expect(.flags = ACK, .seq = D0 - 1, .ack = P0);
	cr_assert_eq(stats().keepalive_probes, 2);
}

Test(rexmt, keepalive_answer_resets_the_count)
{
	unsigned int i;

	fx_established();
	shoal_conn_set_keepalive(W->conn, 10000 * MS, 1000 * MS, 2);
	for (i = 0; i < 5; i++) {
		advance(10000);
		expect(.flags = ACK, .seq = D0 - 1, .ack = P0);
		send(.flags = ACK, .seq = P0, .ack = D0);
	}
	cr_assert_eq(W->app.resets, 0);
}

Test(rexmt, keepalive_gives_up_with_etimedout)
{
	fx_established();
	shoal_conn_set_keepalive(W->conn, 10000 * MS, 1000 * MS, 2);
	advance(10000);
	advance(1000);
	wire_drain();
	advance(999);
	cr_assert_eq(W->app.resets, 0);
	advance(1);
	cr_assert_eq(W->app.reset_err, ETIMEDOUT);
	cr_assert_eq(stats().keepalive_drops, 1);
}

Test(rexmt, keepalive_idle_counts_from_last_segment)
{
	fx_established();
	shoal_conn_set_keepalive(W->conn, 10000 * MS, 1000 * MS, 2);
	advance(6000);
	send(.flags = ACK | PSH, .seq = P0, .ack = D0, .len = 1);
	advance(40);
	expect(.flags = ACK, .seq = D0, .ack = P0 + 1);
	advance(3960);
	expect_none();
	advance(6000);
	expect(.flags = ACK, .seq = D0 - 1, .ack = P0 + 1);
}

Test(rexmt, keepalive_set_before_handshake_arms_on_establish)
{
	fx_syn_sent();
	shoal_conn_set_keepalive(W->conn, 5000 * MS, 1000 * MS, 2);
	send(.flags = SYN | ACK, .seq = P_ISS, .ack = D0, .mss = 1460);
	expect(.flags = ACK, .seq = D0, .ack = P0);
	advance(5000);
	expect(.flags = ACK, .seq = D0 - 1, .ack = P0);
}

Test(rexmt, half_closed_fin_wait_2_survives_keepalive_answers)
{
	fx_established();
	shoal_conn_set_keepalive(W->conn, 10000 * MS, 1000 * MS, 2);
	shoal_shutdown(W->conn);
	flush();
	wire_drain();
	send(.flags = ACK, .seq = P0, .ack = D0 + 1);
	cr_assert_eq(conn_state(), SHOAL_TCP_FIN_WAIT_2);
	advance(10000);
	expect(.flags = ACK, .seq = D0, .ack = P0);
	send(.flags = ACK, .seq = P0, .ack = D0 + 1);
	cr_assert_eq(conn_state(), SHOAL_TCP_FIN_WAIT_2);
	cr_assert_eq(W->app.closed, 0);
}

Test(rexmt, rto_is_three_seconds_after_a_lost_syn)
{
	fx_syn_sent();
	advance(1000);
	expect(.flags = SYN, .seq = W_ISS, .mss = 1460);
	send(.flags = SYN | ACK, .seq = P_ISS, .ack = D0, .mss = 1460);
	expect(.flags = ACK, .seq = D0, .ack = P0);
	/* RFC 6298 5.7: no sample from the SYN, and it was lost once */
	app_send(10);
	flush();
	expect(.flags = ACK | PSH, .seq = D0, .ack = P0, .len = 10);
	advance(2999);
	expect_none();
	advance(1);
	expect(.flags = ACK | PSH, .seq = D0, .ack = P0, .len = 10);
}
