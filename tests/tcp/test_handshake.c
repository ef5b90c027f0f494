/* SPDX-License-Identifier: BSD-3-Clause */
/* Opening: passive, active, simultaneous; SYN retries; LISTEN and
 * SYN-SENT / SYN-RECEIVED segment by segment (RFC 9293 3.5, 3.10.7.2-3). */
#include "wire.h"

TestSuite(handshake, .init = setup_plain, .fini = teardown);

Test(handshake, listen_syn_gets_syn_ack)
{
	fx_syn_received();
	cr_assert_eq(stats().passive_opens, 1);
}

Test(handshake, passive_open_completes_on_ack)
{
	fx_established();
	cr_assert_eq(stats().established, 1);
	cr_assert_eq(W->app.connected, 0);
}

Test(handshake, active_open_completes_on_syn_ack)
{
	fx_established_active();
	cr_assert_eq(stats().active_opens, 1);
}

Test(handshake, listen_ack_gets_rst)
{
	fx_listen();
	send(.flags = ACK, .seq = 1, .ack = 777);
	expect(.flags = RST, .seq = 777, .win = 0);
	expect_none();
}

Test(handshake, listen_rst_is_ignored)
{
	fx_listen();
	send(.flags = RST, .seq = 1);
	expect_none();
}

Test(handshake, listen_data_without_syn_is_dropped)
{
	fx_listen();
	send(.flags = PSH, .seq = 1, .len = 10);
	expect_none();
	cr_assert_eq(stats().bad_segs, 1);
}

Test(handshake, listen_fin_is_dropped)
{
	fx_listen();
	send(.flags = FIN, .seq = 1);
	expect_none();
}

Test(handshake, closed_port_syn_gets_rst_ack)
{
	send(.flags = SYN, .seq = P_ISS);
	expect(.flags = RST | ACK, .seq = 0, .ack = P_ISS + 1);
	expect_none();
	cr_assert_eq(stats().no_listener, 1);
}

Test(handshake, closed_port_data_rst_covers_data_and_fin)
{
	send(.flags = FIN | PSH, .seq = 100, .len = 10);
	expect(.flags = RST | ACK, .seq = 0, .ack = 111);
}

Test(handshake, closed_port_ack_gets_rst_at_ack)
{
	send(.flags = ACK, .seq = 100, .ack = 4242);
	expect(.flags = RST, .seq = 4242);
}

Test(handshake, closed_port_rst_is_ignored)
{
	send(.flags = RST | ACK, .seq = 100, .ack = 4242);
	expect_none();
	cr_assert_eq(stats().no_listener, 0);
}

Test(handshake, syn_with_data_acks_only_the_syn)
{
	fx_listen();
	send(.flags = SYN, .seq = P_ISS, .mss = 1460, .len = 20);
	expect(.flags = SYN | ACK, .seq = W_ISS, .ack = P_ISS + 1, .mss = 1460);
}

Test(handshake, syn_without_mss_means_536)
{
	struct shoal_conn_info ci;

	fx_listen();
	send(.flags = SYN, .seq = P_ISS);
	expect(.flags = SYN | ACK, .seq = W_ISS, .ack = P_ISS + 1, .mss = 1460);
	send(.flags = ACK, .seq = P_ISS + 1, .ack = W_ISS + 1);
	shoal_conn_info(W->conn, &ci);
	cr_assert_eq(ci.mss, 536);
}

Test(handshake, backlog_bounds_half_open)
{
	unsigned int i;

	wire_fini();
	wire_init();
	W->conf.backlog = 3;
	W->conf.syncookies = SHOAL_TCP_SYNCOOKIES_NEVER;
	wire_start();
	fx_listen();
	for (i = 0; i < 4; i++) {
		W->peer.lport = W->ep.rport = rte_cpu_to_be_16(P_PORT + i);
		send(.flags = SYN, .seq = P_ISS);
	}
	for (i = 0; i < 3; i++)
		expect(.flags = SYN | ACK, .seq = W_ISS, .ack = P_ISS + 1,
		       .mss = 1460);
	expect_none();
	cr_assert_eq(stats().syn_backlog_drops, 1);
}

Test(handshake, syn_received_retransmits_syn_ack_and_gives_up)
{
	unsigned int i, avail;

	fx_syn_received();
	avail = flow_slab_avail(&W->eng->cbs);
	for (i = 0; i < W->conf.syn_retries; i++) {
		advance((1000ULL << i) - 1);
		expect_none();
		advance(1);
		expect(.flags = SYN | ACK, .seq = W_ISS, .ack = P_ISS + 1,
		       .mss = 1460);
	}
	advance(1000ULL << W->conf.syn_retries);
	expect_none();
	cr_assert_eq(flow_slab_avail(&W->eng->cbs), avail + 1);
	cr_assert_eq(W->app.closed, 0, "never accepted: no callbacks");
}

Test(handshake, syn_received_duplicate_syn_resends_syn_ack)
{
	fx_syn_received();
	send(.flags = SYN, .seq = P_ISS, .mss = 1460);
	expect(.flags = SYN | ACK, .seq = W_ISS, .ack = P_ISS + 1, .mss = 1460);
	expect_none();
}

Test(handshake, syn_received_bad_ack_gets_rst)
{
	fx_syn_received();
	send(.flags = ACK, .seq = P_ISS + 1, .ack = W_ISS + 50);
	expect(.flags = RST, .seq = W_ISS + 50);
	expect_none();
	cr_assert_eq(W->app.accepted, 0);
}

Test(handshake, syn_received_rst_returns_to_listen)
{
	unsigned int avail;

	fx_syn_received();
	avail = flow_slab_avail(&W->eng->cbs);
	send(.flags = RST, .seq = P_ISS + 1);
	expect_none();
	cr_assert_eq(flow_slab_avail(&W->eng->cbs), avail + 1);
	/* still listening */
	send(.flags = SYN, .seq = P_ISS + 1000, .mss = 1460);
	expect(.flags = SYN | ACK, .seq = W_ISS, .ack = P_ISS + 1001,
	       .mss = 1460);
}

Test(handshake, syn_received_data_with_ack_establishes_and_delivers)
{
	fx_syn_received();
	send(.flags = ACK | PSH, .seq = P_ISS + 1, .ack = W_ISS + 1, .len = 5);
	cr_assert_eq(W->app.accepted, 1);
	cr_assert(rx_is(P_ISS + 1, 5));
}

Test(handshake, syn_received_fin_goes_to_close_wait)
{
	fx_syn_received();
	send(.flags = ACK | FIN, .seq = P_ISS + 1, .ack = W_ISS + 1);
	expect(.flags = ACK, .seq = W_ISS + 1, .ack = P_ISS + 2);
	cr_assert_eq(conn_state(), SHOAL_TCP_CLOSE_WAIT);
	cr_assert_eq(W->app.peer_closed, 1);
}

Test(handshake, syn_received_out_of_window_gets_ack)
{
	fx_syn_received();
	send(.flags = ACK, .seq = P_ISS + 100000, .ack = W_ISS + 1);
	/* In SYN-RECEIVED the "ACK" is our SYN-ACK again. */
	expect(.flags = SYN | ACK, .seq = W_ISS, .ack = P_ISS + 1, .mss = 1460);
	cr_assert_eq(W->app.accepted, 0);
}

Test(handshake, unlisten_then_ack_gets_rst)
{
	fx_syn_received();
	cr_assert_eq(shoal_tcp_unlisten(W->eng, NULL, W_PORT), 0);
	send(.flags = ACK, .seq = P_ISS + 1, .ack = W_ISS + 1);
	expect(.flags = RST, .seq = W_ISS + 1);
	cr_assert_eq(W->app.accepted, 0);
}

/* ----------------------------------------------------------- SYN-SENT */

Test(handshake, syn_sent_retransmits_with_backoff_then_times_out)
{
	unsigned int i;

	fx_syn_sent();
	for (i = 0; i < W->conf.syn_retries; i++) {
		advance((1000ULL << i) - 1);
		expect_none();
		advance(1);
		expect(.flags = SYN, .seq = W_ISS, .mss = 1460);
	}
	advance((1000ULL << W->conf.syn_retries) - 1);
	cr_assert_eq(W->app.resets, 0);
	advance(1);
	expect_none();
	cr_assert_eq(W->app.resets, 1);
	cr_assert_eq(W->app.reset_err, ETIMEDOUT);
	cr_assert_eq(W->app.closed, 1);
	cr_assert_eq(stats().conn_timeouts, 1);
}

Test(handshake, syn_sent_rst_ack_refuses)
{
	fx_syn_sent();
	send(.flags = RST | ACK, .seq = 0, .ack = W_ISS + 1);
	expect_none();
	cr_assert_eq(W->app.reset_err, ECONNREFUSED);
	cr_assert_eq(W->app.closed, 1);
}

Test(handshake, syn_sent_rst_without_ack_is_ignored)
{
	fx_syn_sent();
	send(.flags = RST, .seq = P_ISS);
	expect_none();
	cr_assert_eq(conn_state(), SHOAL_TCP_SYN_SENT);
}

Test(handshake, syn_sent_rst_with_bad_ack_is_ignored)
{
	fx_syn_sent();
	send(.flags = RST | ACK, .seq = 0, .ack = W_ISS + 5);
	expect_none();
	cr_assert_eq(conn_state(), SHOAL_TCP_SYN_SENT);
}

Test(handshake, syn_sent_bad_ack_gets_rst)
{
	fx_syn_sent();
	send(.flags = SYN | ACK, .seq = P_ISS, .ack = W_ISS + 7);
	expect(.flags = RST, .seq = W_ISS + 7);
	cr_assert_eq(conn_state(), SHOAL_TCP_SYN_SENT);
}

Test(handshake, syn_sent_old_ack_gets_rst)
{
	fx_syn_sent();
	send(.flags = ACK, .seq = P_ISS, .ack = W_ISS);
	expect(.flags = RST, .seq = W_ISS);
}

Test(handshake, syn_sent_plain_ack_data_is_dropped)
{
	fx_syn_sent();
	send(.flags = PSH, .seq = P_ISS, .len = 4);
	expect_none();
	cr_assert_eq(conn_state(), SHOAL_TCP_SYN_SENT);
}

Test(handshake, syn_sent_fin_is_dropped)
{
	fx_syn_sent();
	send(.flags = FIN, .seq = P_ISS);
	expect_none();
	cr_assert_eq(conn_state(), SHOAL_TCP_SYN_SENT);
}

Test(handshake, syn_ack_after_retransmission_takes_no_rtt_sample)
{
	struct shoal_conn_info ci;

	fx_syn_sent();
	advance(1000);
	expect(.flags = SYN, .seq = W_ISS, .mss = 1460);
	advance(10);
	send(.flags = SYN | ACK, .seq = P_ISS, .ack = W_ISS + 1, .mss = 1460);
	expect(.flags = ACK, .seq = W_ISS + 1, .ack = P_ISS + 1);
	shoal_conn_info(W->conn, &ci);
	cr_assert_eq(ci.srtt_us, 0, "Karn: no sample from a retransmitted SYN");
}

Test(handshake, syn_ack_rtt_sample_sets_rto)
{
	struct shoal_conn_info ci;

	fx_syn_sent();
	advance(100);
	send(.flags = SYN | ACK, .seq = P_ISS, .ack = W_ISS + 1, .mss = 1460);
	expect(.flags = ACK, .seq = W_ISS + 1, .ack = P_ISS + 1);
	shoal_conn_info(W->conn, &ci);
	cr_assert_eq(ci.srtt_us, 100000);
	cr_assert_eq(ci.rttvar_us, 50000);
	cr_assert_eq(ci.rto_us, 300000);
}

Test(handshake, simultaneous_open)
{
	fx_syn_sent();
	send(.flags = SYN, .seq = P_ISS, .mss = 1460);
	expect(.flags = SYN | ACK, .seq = W_ISS, .ack = P_ISS + 1, .mss = 1460);
	cr_assert_eq(conn_state(), SHOAL_TCP_SYN_RECEIVED);
	send(.flags = SYN | ACK, .seq = P_ISS, .ack = W_ISS + 1, .mss = 1460);
	cr_assert_eq(conn_state(), SHOAL_TCP_ESTABLISHED);
	cr_assert_eq(W->app.connected, 1);
	cr_assert_eq(W->app.accepted, 0);
	expect_none();
}

/* The peer's SYN and its ACK of our SYN in one burst: our SYN-ACK has not
 * gone out when the ACK arrives, so SND.NXT is still ISS (set back for
 * it) while SND.UNA moves to ISS + 1. Found by fuzz_tcp_engine: SND.NXT
 * stayed behind SND.UNA, and the next segment would have gone out at
 * ISS. */
Test(handshake, simultaneous_open_syn_and_ack_in_one_burst)
{
	struct seg s[2] = {
		SEG(.flags = SYN, .seq = P_ISS, .mss = 1460),
		SEG(.flags = ACK, .seq = P_ISS + 1, .ack = W_ISS + 1),
	};
	struct tcp_cb *cb;

	fx_syn_sent();
	wire_send_burst(s, 2);
	cr_assert_eq(conn_state(), SHOAL_TCP_ESTABLISHED);
	cb = (struct tcp_cb *)W->conn;
	cr_assert_eq(cb->snd_una, W_ISS + 1);
	cr_assert_eq(cb->snd_nxt, W_ISS + 1, "SND.NXT %u behind SND.UNA",
		     cb->snd_nxt);
	cr_assert_eq(W->app.connected, 1);
	/* Data starts after our SYN, and acknowledges the peer's. */
	cr_assert_eq(app_send(10), 10);
	flush();
	expect(.flags = ACK | PSH, .seq = W_ISS + 1, .ack = P_ISS + 1, .len = 10);
	expect_none();
}

Test(handshake, simultaneous_open_rst_refuses)
{
	fx_syn_sent();
	send(.flags = SYN, .seq = P_ISS, .mss = 1460);
	expect(.flags = SYN | ACK, .seq = W_ISS, .ack = P_ISS + 1, .mss = 1460);
	send(.flags = RST, .seq = P_ISS + 1);
	cr_assert_eq(W->app.reset_err, ECONNREFUSED);
}

Test(handshake, close_in_syn_sent_just_goes)
{
	fx_syn_sent();
	cr_assert_eq(shoal_close(W->conn), 0);
	flush();
	expect_none();
	cr_assert_eq(W->app.closed, 1);
	cr_assert_eq(W->app.resets, 0);
}

Test(handshake, send_before_established_goes_after_handshake)
{
	fx_syn_sent();
	cr_assert_eq(app_send(10), 10);
	flush();
	expect_none();
	send(.flags = SYN | ACK, .seq = P_ISS, .ack = W_ISS + 1, .mss = 1460);
	expect(.flags = ACK | PSH, .seq = W_ISS + 1, .ack = P_ISS + 1, .len = 10);
	expect_none();
}

Test(handshake, syn_with_rst_is_malformed)
{
	fx_listen();
	send(.flags = SYN | RST, .seq = P_ISS);
	expect_none();
	cr_assert_eq(stats().bad_segs, 1);
}

Test(handshake, truncated_header_is_dropped_and_counted)
{
	struct rte_mbuf *m = rte_pktmbuf_alloc(wire_pool());

	rte_pktmbuf_append(m, 12);
	memset(rte_pktmbuf_mtod(m, void *), 0, 12);
	shoal_tcp_input_burst(W->eng, &m, &W->ep, 1, W->now);
	expect_none();
	cr_assert_eq(stats().bad_segs, 1);
}

Test(handshake, data_offset_beyond_segment_is_dropped)
{
	struct seg s = SEG(.flags = SYN, .seq = 1);
	struct rte_mbuf *m = seg_build(&s, &W->peer);

	fx_listen();
	rte_pktmbuf_mtod(m, struct rte_tcp_hdr *)->data_off = 15 << 4;
	shoal_tcp_input_burst(W->eng, &m, &W->ep, 1, W->now);
	expect_none();
	cr_assert_eq(stats().bad_segs, 1);
}

Test(handshake, listener_on_a_specific_address)
{
	struct shoal_addr other = shoal_addr_v4(rte_cpu_to_be_32(W_ADDR + 1));

	cr_assert_eq(shoal_tcp_listen(W->eng, &other, W_PORT, &W->ops, W), 0);
	send(.flags = SYN, .seq = P_ISS, .mss = 1460);
	expect(.flags = RST | ACK, .seq = 0, .ack = P_ISS + 1);
	cr_assert_eq(shoal_tcp_listen(W->eng, &W->ep.local, W_PORT, &W->ops,
				      W), 0);
	send(.flags = SYN, .seq = P_ISS, .mss = 1460);
	expect(.flags = SYN | ACK, .seq = W_ISS, .ack = P_ISS + 1, .mss = 1460);
}

Test(handshake, ipv6_endpoints_are_refused)
{
	struct shoal_endpoints ep = W->ep;
	struct seg s = SEG(.flags = SYN, .seq = P_ISS);
	struct rte_mbuf *m = seg_build(&s, &W->peer);

	ep.local.family = SHOAL_AF_INET6;
	ep.remote.family = SHOAL_AF_INET6;
	cr_assert_null(shoal_tcp_connect(W->eng, &ep, &W->ops, W));
	shoal_tcp_input_burst(W->eng, &m, &ep, 1, W->now);
	expect_none();
	cr_assert_eq(stats().bad_segs, 1);
}

Test(handshake, rst_in_same_burst_as_syn)
{
	struct seg s[2] = {
		SEG(.flags = SYN, .seq = P_ISS, .mss = 1460),
		SEG(.flags = RST, .seq = P_ISS + 1),
	};

	fx_listen();
	wire_send_burst(s, 2);
	/* the SYN made a control block the RST then removed: no SYN-ACK */
	expect_none();
	cr_assert_eq(stats().conns_open, 0);
	cr_assert_eq(stats().resets_rx, 1);
}

Test(handshake, syn_and_ack_in_same_burst_establish)
{
	struct seg s[2] = {
		SEG(.flags = SYN, .seq = P_ISS, .mss = 1460),
		SEG(.flags = ACK, .seq = P_ISS + 1, .ack = W_ISS + 1),
	};

	fx_listen();
	wire_send_burst(s, 2);
	/* the ACK arrives before the SYN-ACK left: SND.NXT is still ISS */
	cr_assert_eq(W->app.accepted, 0);
	expect(.flags = RST, .seq = W_ISS + 1);
	expect(.flags = SYN | ACK, .seq = W_ISS, .ack = P_ISS + 1, .mss = 1460);
}
