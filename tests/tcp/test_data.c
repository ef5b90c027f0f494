/* SPDX-License-Identifier: BSD-3-Clause */
/* Data transfer: segmentation, windows, Nagle, zero-copy send and
 * receive, sequence wrap-around, send buffer limits. */
#include <rte_errno.h>

#include "wire.h"

TestSuite(data, .init = setup_plain, .fini = teardown);

#define D0 (W_ISS + 1)
#define P0 (P_ISS + 1)

Test(data, small_write_goes_at_once)
{
	fx_established();
	cr_assert_eq(app_send(10), 10);
	flush();
	expect(.flags = ACK | PSH, .seq = D0, .ack = P0, .len = 10);
	expect_none();
}

Test(data, large_write_is_cut_to_mss)
{
	fx_established();
	app_send(5000);
	flush();
	expect(.flags = ACK, .seq = D0, .ack = P0, .len = 1460);
	expect(.flags = ACK, .seq = D0 + 1460, .ack = P0, .len = 1460);
	expect(.flags = ACK, .seq = D0 + 2920, .ack = P0, .len = 1460);
	expect(.flags = ACK | PSH, .seq = D0 + 4380, .ack = P0, .len = 620);
	expect_none();
}

Test(data, initial_window_is_ten_segments)
{
	unsigned int i;

	fx_established();
	app_send(20000);
	flush();
	for (i = 0; i < 10; i++)
		expect(.flags = ACK, .seq = D0 + i * 1460, .ack = P0, .len = 1460);
	expect_none();
}

Test(data, peer_window_limits_and_sws_holds_the_runt)
{
	fx_syn_received();
	send(.flags = ACK, .seq = P0, .ack = D0, .win = 3000);
	app_send(5000);
	flush();
	expect(.flags = ACK, .seq = D0, .ack = P0, .len = 1460);
	expect(.flags = ACK, .seq = D0 + 1460, .ack = P0, .len = 1460);
	expect_none();	/* 80 bytes of window: not worth a segment */
	send(.flags = ACK, .seq = P0, .ack = D0 + 2920, .win = 3000);
	expect(.flags = ACK, .seq = D0 + 2920, .ack = P0, .len = 1460);
	expect(.flags = ACK | PSH, .seq = D0 + 4380, .ack = P0, .len = 620);
}

Test(data, acks_release_more_data)
{
	unsigned int i;

	fx_established();
	app_send(30000);
	flush();
	for (i = 0; i < 10; i++)
		expect(.flags = ACK, .seq = D0 + i * 1460, .ack = P0, .len = 1460);
	send(.flags = ACK, .seq = P0, .ack = D0 + 2920);
	/* slow start: cwnd grew by one SMSS, two segments left the pipe */
	expect(.flags = ACK, .seq = D0 + 14600, .ack = P0, .len = 1460);
	expect(.flags = ACK, .seq = D0 + 16060, .ack = P0, .len = 1460);
	expect(.flags = ACK, .seq = D0 + 17520, .ack = P0, .len = 1460);
	expect_none();
}

Test(data, nagle_holds_second_small_segment)
{
	fx_established();
	app_send(10);
	flush();
	expect(.flags = ACK | PSH, .seq = D0, .ack = P0, .len = 10);
	app_send(10);
	app_send(10);
	flush();
	expect_none();
	send(.flags = ACK, .seq = P0, .ack = D0 + 10);
	expect(.flags = ACK | PSH, .seq = D0 + 10, .ack = P0, .len = 20);
}

Test(data, nodelay_sends_every_write)
{
	fx_established();
	shoal_conn_set_nodelay(W->conn, true);
	app_send(10);
	flush();
	app_send(10);
	flush();
	expect(.flags = ACK | PSH, .seq = D0, .ack = P0, .len = 10);
	expect(.flags = ACK | PSH, .seq = D0 + 10, .ack = P0, .len = 10);
}

Test(data, nagle_conf_off_by_default_engine_wide)
{
	wire_fini();
	wire_init();
	W->conf.nagle = false;
	wire_start();
	fx_established();
	app_send(10);
	flush();
	app_send(10);
	flush();
	expect(.flags = ACK | PSH, .seq = D0, .ack = P0, .len = 10);
	expect(.flags = ACK | PSH, .seq = D0 + 10, .ack = P0, .len = 10);
}

Test(data, nagle_lets_full_segments_through)
{
	fx_established();
	app_send(10);
	flush();
	expect(.flags = ACK | PSH, .seq = D0, .ack = P0, .len = 10);
	app_send(1460 + 5);
	flush();
	expect(.flags = ACK, .seq = D0 + 10, .ack = P0, .len = 1460);
	expect_none();	/* the 5-byte tail waits */
}

Test(data, switching_nodelay_on_releases_held_data)
{
	fx_established();
	app_send(10);
	flush();
	expect(.flags = ACK | PSH, .seq = D0, .ack = P0, .len = 10);
	app_send(7);
	flush();
	expect_none();
	shoal_conn_set_nodelay(W->conn, true);
	flush();
	expect(.flags = ACK | PSH, .seq = D0 + 10, .ack = P0, .len = 7);
}

Test(data, sent_callback_reports_acked_and_space)
{
	fx_established();
	app_send(3000);
	flush();
	wire_drain();
	send(.flags = ACK, .seq = P0, .ack = D0 + 1460);
	cr_assert_eq(W->app.sent_calls, 1);
	cr_assert_eq(W->app.acked, 1460);
	cr_assert_eq(shoal_send_space(W->conn), W->conf.sndbuf - 1540);
}

Test(data, send_buffer_bounds_writes)
{
	wire_fini();
	wire_init();
	W->conf.sndbuf = 4096;
	wire_start();
	fx_established();
	cr_assert_eq(app_send(10000), 4096);
	cr_assert_eq(app_send(1), 0);
	cr_assert_eq(shoal_send_space(W->conn), 0);
}

Test(data, send_mbuf_chain_zero_copy_and_returned_on_ack)
{
	struct rte_mbuf *a, *b;
	unsigned int avail, i;

	fx_established();
	avail = rte_mempool_avail_count(wire_pool());
	a = rte_pktmbuf_alloc(wire_pool());
	b = rte_pktmbuf_alloc(wire_pool());
	for (i = 0; i < 1500; i++)
		*(uint8_t *)rte_pktmbuf_append(a, 1) = pat(D0 + i);
	for (i = 0; i < 1500; i++)
		*(uint8_t *)rte_pktmbuf_append(b, 1) = pat(D0 + 1500 + i);
	cr_assert_eq(rte_pktmbuf_chain(a, b), 0);
	cr_assert_eq(shoal_send_mbuf(W->conn, a), 3000);
	flush();
	expect(.flags = ACK, .seq = D0, .ack = P0, .len = 1460);
	expect(.flags = ACK, .seq = D0 + 1460, .ack = P0, .len = 1460);
	expect(.flags = ACK | PSH, .seq = D0 + 2920, .ack = P0, .len = 80);
	send(.flags = ACK, .seq = P0, .ack = D0 + 3000);
	cr_assert_eq(rte_mempool_avail_count(wire_pool()), avail);
}

Test(data, send_mbuf_too_big_is_refused_and_kept)
{
	struct rte_mbuf *a;

	wire_fini();
	wire_init();
	W->conf.sndbuf = 1000;
	wire_start();
	fx_established();
	a = rte_pktmbuf_alloc(wire_pool());
	rte_pktmbuf_append(a, 1500);
	cr_assert_eq(shoal_send_mbuf(W->conn, a), -ENOBUFS);
	rte_pktmbuf_free(a);
}

Test(data, big_payload_is_attached_small_is_copied)
{
	struct tcp_seg s;
	struct rte_mbuf *m;

	fx_established();
	app_send(1460);
	flush();
	cr_assert(wire_next(&s, &m));
	cr_assert_gt(m->nb_segs, 1, "payload should be attached, not copied");
	cr_assert(RTE_MBUF_CLONED(m->next));
	rte_pktmbuf_free(m);
	send(.flags = ACK, .seq = P0, .ack = D0 + 1460);
	app_send(100);
	flush();
	cr_assert(wire_next(&s, &m));
	cr_assert_eq(m->nb_segs, 1);
	cr_assert_eq(s.len, 100);
	rte_pktmbuf_free(m);
}

Test(data, output_keeps_header_room)
{
	struct tcp_seg s;
	struct rte_mbuf *m;

	wire_fini();
	wire_init();
	W->conf.hdr_room = 200;
	wire_start();
	fx_established();
	app_send(50);
	flush();
	cr_assert(wire_next(&s, &m));
	cr_assert_geq(rte_pktmbuf_headroom(m), 200);
	cr_assert_eq(m->l4_len, 20);
	cr_assert_eq(rte_pktmbuf_mtod(m, struct rte_tcp_hdr *)->cksum, 0);
	rte_pktmbuf_free(m);
}

Test(data, receive_in_order_delivers_stripped_data)
{
	fx_established();
	send(.flags = ACK, .seq = P0, .ack = D0, .len = 300);
	send(.flags = ACK, .seq = P0 + 300, .ack = D0, .len = 200);
	cr_assert(rx_is(P0, 500));
	cr_assert_eq(W->app.recv_calls, 2);
}

Test(data, receive_chained_segment)
{
	struct seg s = SEG(.flags = ACK, .seq = P0, .ack = D0, .len = 1000);
	struct rte_mbuf *m = seg_build(&s, &W->peer), *tail;
	uint32_t i;

	fx_established();
	/* Move the last 600 bytes into a second mbuf. */
	tail = rte_pktmbuf_alloc(wire_pool());
	for (i = 0; i < 600; i++)
		*(uint8_t *)rte_pktmbuf_append(tail, 1) = pat(P0 + 400 + i);
	rte_pktmbuf_trim(m, 600);
	cr_assert_eq(rte_pktmbuf_chain(m, tail), 0);
	shoal_tcp_input_burst(W->eng, &m, &W->ep, 1, W->now);
	cr_assert(rx_is(P0, 1000));
}

Test(data, response_from_recv_piggybacks_the_ack)
{
	static bool once;

	fx_established();
	W->app.on_recv = NULL;
	once = false;
	send(.flags = ACK | PSH, .seq = P0, .ack = D0, .len = 10);
	app_send(20);
	flush();
	expect(.flags = ACK | PSH, .seq = D0, .ack = P0 + 10, .len = 20);
	advance(100);
	expect_none();	/* the delayed ACK was paid by the data */
	(void)once;
}

Test(data, fin_rides_on_the_last_data_segment)
{
	fx_established();
	app_send(100);
	shoal_shutdown(W->conn);
	flush();
	expect(.flags = ACK | PSH | FIN, .seq = D0, .ack = P0, .len = 100);
	expect_none();
}

Test(data, send_after_shutdown_is_epipe)
{
	fx_fin_wait_1();
	cr_assert_eq(shoal_send(W->conn, "x", 1), -EPIPE);
}

Test(data, send_after_reset_is_enotconn_via_state)
{
	fx_time_wait();
	cr_assert_eq(shoal_send(W->conn, "x", 1), -ENOTCONN);
}

Test(data, conn_info_counts_bytes)
{
	struct shoal_conn_info ci;

	fx_established();
	app_send(1000);
	flush();
	send(.flags = ACK, .seq = P0, .ack = D0 + 1000, .len = 50);
	shoal_conn_info(W->conn, &ci);
	cr_assert_eq(ci.bytes_sent, 1000);
	cr_assert_eq(ci.bytes_acked, 1000);
	cr_assert_eq(ci.bytes_received, 50);
	cr_assert_eq(ci.state, SHOAL_TCP_ESTABLISHED);
}

Test(data, advertised_window_is_rcvbuf)
{
	fx_established();
	send(.flags = ACK | PSH, .seq = P0, .ack = D0, .len = 10);
	advance(40);
	expect(.flags = ACK, .seq = D0, .ack = P0 + 10, .win = 65535);
}

/* ------------------------------------------------------ wrap-around */

Test(data, peer_sequence_wraps_at_2_32)
{
	uint32_t p = 0xffffff00u;

	fx_listen();
	send(.flags = SYN, .seq = p, .mss = 1460);
	expect(.flags = SYN | ACK, .seq = W_ISS, .ack = p + 1, .mss = 1460);
	send(.flags = ACK, .seq = p + 1, .ack = D0);
	send(.flags = ACK, .seq = p + 1, .ack = D0, .len = 1460);
	send(.flags = ACK, .seq = p + 1 + 1460, .ack = D0, .len = 1460);
	expect(.flags = ACK, .seq = D0, .ack = p + 1 + 2920);
	cr_assert(rx_is(p + 1, 2920));
	cr_assert_lt(p + 1 + 2920, 0x1000u, "the test must cross the wrap");
}

Test(data, our_sequence_wraps_at_2_32)
{
	uint32_t w = 0xfffffc00u, i;

	tcp_test_fix_iss(W->eng, w);
	fx_listen();
	send(.flags = SYN, .seq = P_ISS, .mss = 1460);
	expect(.flags = SYN | ACK, .seq = w, .ack = P0, .mss = 1460);
	send(.flags = ACK, .seq = P0, .ack = w + 1);
	W->app_seq = w + 1;
	app_send(4000);
	flush();
	for (i = 0; i < 2; i++)
		expect(.flags = ACK, .seq = w + 1 + i * 1460, .ack = P0, .len = 1460);
	expect(.flags = ACK | PSH, .seq = w + 1 + 2920, .ack = P0, .len = 1080);
	send(.flags = ACK, .seq = P0, .ack = w + 1 + 2920);
	cr_assert_eq(W->app.acked, 2920);
	send(.flags = ACK, .seq = P0, .ack = w + 4001);
	cr_assert_eq(W->app.acked, 4000);
	advance(5000);
	expect_none();	/* everything acknowledged across the wrap */
}

Test(data, out_of_order_across_the_wrap)
{
	uint32_t p = 0xfffffa00u;

	fx_listen();
	send(.flags = SYN, .seq = p, .mss = 1460);
	expect(.flags = SYN | ACK, .seq = W_ISS, .ack = p + 1, .mss = 1460);
	send(.flags = ACK, .seq = p + 1, .ack = D0);
	send(.flags = ACK, .seq = p + 1 + 1460, .ack = D0, .len = 1460);
	expect(.flags = ACK, .seq = D0, .ack = p + 1);
	send(.flags = ACK, .seq = p + 1, .ack = D0, .len = 1460);
	expect(.flags = ACK, .seq = D0, .ack = p + 1 + 2920);
	cr_assert(rx_is(p + 1, 2920));
}

/* ------------------------------------------------- header prediction */

/* ESTABLISHED with 100 bytes of ours sent and not yet acknowledged. */
static void
fx_100_in_flight(void)
{
	fx_established();
	app_send(100);
	flush();
	wire_drain();
}

Test(data, in_order_data_takes_the_fast_path)
{
	fx_established();
	send(.flags = ACK | PSH, .seq = P0, .ack = D0, .len = 100);
	cr_assert_eq(stats().hdr_predicted, 1);
	cr_assert(rx_is(P0, 100));
}

Test(data, pure_ack_of_new_data_takes_the_fast_path)
{
	fx_100_in_flight();
	send(.flags = ACK, .seq = P0, .ack = D0 + 100);
	cr_assert_eq(stats().hdr_predicted, 1);
	cr_assert_eq(W->app.acked, 100);
}

/* Request/response: each request acknowledges the last response. */
Test(data, data_acknowledging_ours_takes_the_fast_path)
{
	fx_100_in_flight();
	send(.flags = ACK | PSH, .seq = P0, .ack = D0 + 100, .len = 50);
	cr_assert_eq(stats().hdr_predicted, 1);
	cr_assert_eq(W->app.acked, 100);
	cr_assert(rx_is(P0, 50));
	advance(1000);
	expect(.flags = ACK, .seq = D0 + 100, .ack = P0 + 50);
	expect_none();
}

Test(data, data_acknowledging_beyond_snd_max_takes_the_slow_path)
{
	fx_100_in_flight();
	send(.flags = ACK | PSH, .seq = P0, .ack = D0 + 200, .len = 50);
	cr_assert_eq(stats().hdr_predicted, 0);
	cr_assert_eq(W->app.acked, 0);
	cr_assert_eq(W->app.rxlen, 0);
	expect(.flags = ACK, .seq = D0 + 100, .ack = P0);	/* challenge */
}

static void
close_on_sent(struct shoal_conn *c)
{
	shoal_close(c);
}

/* The ACK's callback closes the connection: the data behind it then meets
 * a closed application, as on the slow path (RST, nothing delivered). */
Test(data, data_after_a_close_in_the_ack_callback_gets_rst)
{
	fx_100_in_flight();
	W->app.on_sent = close_on_sent;
	send(.flags = ACK | PSH, .seq = P0, .ack = D0 + 100, .len = 50);
	cr_assert_eq(W->app.acked, 100);
	cr_assert_eq(W->app.rxlen, 0);
	expect(.flags = RST, .seq = D0 + 100);
	cr_assert_eq(W->app.closed, 1);
}

Test(data, window_change_takes_the_slow_path)
{
	fx_100_in_flight();
	send(.flags = ACK, .seq = P0, .ack = D0 + 100, .win = 1000);
	cr_assert_eq(stats().hdr_predicted, 0);
	cr_assert_eq(W->app.acked, 100);
}

Test(data, out_of_order_and_dup_ack_take_the_slow_path)
{
	fx_established();
	send(.flags = ACK, .seq = P0 + 10, .ack = D0, .len = 100);
	send(.flags = ACK, .seq = P0, .ack = D0);
	cr_assert_eq(stats().hdr_predicted, 0);
	wire_drain();
}

/* The peer resends data we hold (our ACK of it was lost) with an ACK of
 * our data: the segment is old, its ACK field is news. It is taken (as
 * FreeBSD does) and the duplicate is answered. Dropped whole, with the
 * peer's other segments lost, our data stayed unacknowledged until we
 * timed the connection out. */
Test(data, an_old_segment_still_acknowledges_our_data)
{
	fx_established();
	send(.flags = ACK, .seq = P0, .ack = D0, .len = 300);
	app_send(1000);
	flush();
	wire_drain();
	send(.flags = ACK, .seq = P0, .ack = D0 + 1000, .len = 300);
	expect(.flags = ACK, .seq = D0 + 1000, .ack = P0 + 300);
	cr_assert_eq(W->app.acked, 1000);
	cr_assert(rx_is(P0, 300));
	cr_assert_eq(W->app.recv_calls, 1);
	/* and a bare ACK below RCV.NXT, as Linux sends when our window
	 * looks closed to it */
	app_send(500);
	flush();
	wire_drain();
	send(.flags = ACK, .seq = P0 + 100, .ack = D0 + 1500);
	cr_assert_eq(W->app.acked, 1500);
}

/* An old segment acknowledging what we never sent is still challenged
 * (RFC 5961 5.2), not taken. */
Test(data, an_old_segment_acking_beyond_what_we_sent_is_not_taken)
{
	fx_established();
	send(.flags = ACK, .seq = P0, .ack = D0, .len = 300);
	app_send(1000);
	flush();
	wire_drain();
	send(.flags = ACK, .seq = P0, .ack = D0 + 5000, .len = 300);
	cr_assert_eq(W->app.acked, 0);
	cr_assert_eq(stats().challenge_acks, 1);
}
