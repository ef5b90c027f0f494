/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Every synchronized state against every kind of segment: SYN, SYN-ACK,
 * ACK, data, FIN, RST, out-of-window, old duplicate (RFC 9293 3.10.7.4,
 * RFC 5961). One fixture per state; PN/WN/RA are the peer's next sequence
 * number, ours (snd_nxt) and the ACK we send (rcv_nxt) in that state.
 */
#include "wire.h"

/* Segments every state treats alike. */
#define COMMON_STATE_TESTS(S, FX, PN, WN, RA, ST)			\
TestSuite(S, .init = setup_plain, .fini = teardown);			\
Test(S, syn_in_window_gets_challenge_ack)				\
{									\
	FX();								\
	send(.flags = SYN, .seq = RA, .mss = 1460);			\
	expect(.flags = ACK, .seq = WN, .ack = RA);			\
	expect_none();							\
	cr_assert_eq(conn_state(), ST);					\
	cr_assert_eq(stats().challenge_acks, 1);			\
}									\
Test(S, syn_ack_in_window_gets_challenge_ack)			\
{									\
	FX();								\
	send(.flags = SYN | ACK, .seq = RA, .ack = WN, .mss = 1460);	\
	expect(.flags = ACK, .seq = WN, .ack = RA);			\
	expect_none();							\
	cr_assert_eq(conn_state(), ST);					\
}									\
Test(S, out_of_window_segment_gets_ack_and_is_dropped)		\
{									\
	unsigned int rx = W->app.rxlen;					\
	FX();								\
	send(.flags = ACK, .seq = RA + 200000, .ack = WN, .len = 10);	\
	expect(.flags = ACK, .seq = WN, .ack = RA);			\
	expect_none();							\
	cr_assert_eq(W->app.rxlen, rx);					\
	cr_assert_eq(conn_state(), ST);					\
	cr_assert_eq(stats().out_of_window, 1);				\
}									\
Test(S, old_duplicate_gets_ack_and_is_dropped)			\
{									\
	FX();								\
	/* its ACK field is old too: nothing changes */		\
	send(.flags = ACK, .seq = RA - 20, .ack = WN - 1, .len = 10);	\
	expect(.flags = ACK, .seq = WN, .ack = RA);			\
	expect_none();							\
	cr_assert_eq(conn_state(), ST);					\
}									\
Test(S, rst_out_of_window_is_ignored)				\
{									\
	FX();								\
	send(.flags = RST, .seq = RA + 200000);				\
	expect_none();							\
	cr_assert_eq(conn_state(), ST);					\
	cr_assert_eq(W->app.resets, 0);					\
}									\
Test(S, rst_in_window_but_not_exact_gets_challenge_ack)		\
{									\
	FX();								\
	send(.flags = RST, .seq = RA + 1);				\
	expect(.flags = ACK, .seq = WN, .ack = RA);			\
	expect_none();							\
	cr_assert_eq(conn_state(), ST);					\
	cr_assert_eq(W->app.resets, 0);					\
}									\
Test(S, ack_of_unsent_data_gets_ack)					\
{									\
	FX();								\
	send(.flags = ACK, .seq = RA, .ack = WN + 1000);		\
	expect(.flags = ACK, .seq = WN, .ack = RA);			\
	expect_none();							\
	cr_assert_eq(conn_state(), ST);					\
}									\
Test(S, segment_without_ack_is_dropped)				\
{									\
	FX();								\
	send(.flags = PSH, .seq = RA, .len = 5);			\
	expect_none();							\
	cr_assert_eq(conn_state(), ST);					\
	cr_assert_eq(stats().no_ack_drops, 1);				\
}

COMMON_STATE_TESTS(established, fx_established, P_ISS + 1, W_ISS + 1,
		   P_ISS + 1, SHOAL_TCP_ESTABLISHED)
COMMON_STATE_TESTS(established_active, fx_established_active, P_ISS + 1,
		   W_ISS + 1, P_ISS + 1, SHOAL_TCP_ESTABLISHED)
COMMON_STATE_TESTS(fin_wait_1, fx_fin_wait_1, P_ISS + 1, W_ISS + 2, P_ISS + 1,
		   SHOAL_TCP_FIN_WAIT_1)
COMMON_STATE_TESTS(fin_wait_2, fx_fin_wait_2, P_ISS + 1, W_ISS + 2, P_ISS + 1,
		   SHOAL_TCP_FIN_WAIT_2)
COMMON_STATE_TESTS(close_wait, fx_close_wait, P_ISS + 2, W_ISS + 1, P_ISS + 2,
		   SHOAL_TCP_CLOSE_WAIT)
COMMON_STATE_TESTS(closing, fx_closing, P_ISS + 2, W_ISS + 2, P_ISS + 2,
		   SHOAL_TCP_CLOSING)
COMMON_STATE_TESTS(last_ack, fx_last_ack, P_ISS + 2, W_ISS + 2, P_ISS + 2,
		   SHOAL_TCP_LAST_ACK)
COMMON_STATE_TESTS(time_wait, fx_time_wait, P_ISS + 2, W_ISS + 2, P_ISS + 2,
		   SHOAL_TCP_TIME_WAIT)

/* ---------------------------------------------------------- ESTABLISHED */

Test(established, data_is_delivered_and_ack_delayed)
{
	fx_established();
	send(.flags = ACK | PSH, .seq = P_ISS + 1, .ack = W_ISS + 1, .len = 100);
	expect_none();
	cr_assert(rx_is(P_ISS + 1, 100));
	advance(40);
	expect(.flags = ACK, .seq = W_ISS + 1, .ack = P_ISS + 101);
}

Test(established, fin_goes_to_close_wait)
{
	fx_close_wait();
}

Test(established, rst_resets)
{
	fx_established();
	send(.flags = RST, .seq = P_ISS + 1);
	expect_none();
	cr_assert_eq(W->app.resets, 1);
	cr_assert_eq(W->app.reset_err, ECONNRESET);
	cr_assert_eq(W->app.closed, 1);
	cr_assert_eq(stats().resets_rx, 1);
}

Test(established, ack_updates_window)
{
	struct shoal_conn_info ci;

	fx_established();
	send(.flags = ACK, .seq = P_ISS + 1, .ack = W_ISS + 1, .win = 1234);
	shoal_conn_info(W->conn, &ci);
	cr_assert_eq(ci.snd_wnd, 1234);
}

Test(established, old_ack_does_not_shrink_window)
{
	struct shoal_conn_info ci;

	fx_established();
	app_send(100);
	flush();
	expect(.flags = ACK | PSH, .seq = W_ISS + 1, .ack = P_ISS + 1, .len = 100);
	send(.flags = ACK, .seq = P_ISS + 1, .ack = W_ISS + 101, .win = 5000);
	/* reordered older ACK: SND.WL2 rule keeps the newer window */
	send(.flags = ACK, .seq = P_ISS + 1, .ack = W_ISS + 1, .win = 100);
	shoal_conn_info(W->conn, &ci);
	cr_assert_eq(ci.snd_wnd, 5000);
}

Test(established, abort_sends_rst)
{
	fx_established();
	shoal_abort(W->conn);
	expect(.flags = RST, .seq = W_ISS + 1);
	cr_assert_eq(W->app.closed, 1);
	cr_assert_eq(W->app.resets, 0);
}

/* ----------------------------------------------------------- FIN-WAIT-1 */

Test(fin_wait_1, ack_of_fin_goes_to_fin_wait_2)
{
	fx_fin_wait_2();
}

Test(fin_wait_1, partial_ack_stays)
{
	fx_fin_wait_1();
	send(.flags = ACK, .seq = P_ISS + 1, .ack = W_ISS + 1);
	expect_none();
	cr_assert_eq(conn_state(), SHOAL_TCP_FIN_WAIT_1);
}

Test(fin_wait_1, data_still_delivered)
{
	fx_fin_wait_1();
	send(.flags = ACK, .seq = P_ISS + 1, .ack = W_ISS + 2, .len = 10);
	cr_assert(rx_is(P_ISS + 1, 10));
	cr_assert_eq(conn_state(), SHOAL_TCP_FIN_WAIT_2);
}

/* The peer resends data and FIN it had sent (our ACK was lost) and
 * acknowledges our FIN on it: the segment is old, the ACK is taken. */
Test(fin_wait_1, old_segment_acking_our_fin_goes_to_fin_wait_2)
{
	fx_fin_wait_1();
	send(.flags = ACK, .seq = P_ISS + 1, .ack = W_ISS + 1, .len = 10);
	wire_drain();
	send(.flags = ACK, .seq = P_ISS + 1, .ack = W_ISS + 2, .len = 10);
	expect(.flags = ACK, .seq = W_ISS + 2, .ack = P_ISS + 11);
	expect_none();
	cr_assert_eq(conn_state(), SHOAL_TCP_FIN_WAIT_2);
	cr_assert_eq(W->app.rxlen, 10);
}

Test(fin_wait_1, fin_without_ack_of_ours_goes_to_closing)
{
	fx_closing();
}

Test(fin_wait_1, fin_with_ack_of_ours_goes_to_time_wait)
{
	fx_fin_wait_1();
	send(.flags = FIN | ACK, .seq = P_ISS + 1, .ack = W_ISS + 2);
	expect(.flags = ACK, .seq = W_ISS + 2, .ack = P_ISS + 2);
	cr_assert_eq(conn_state(), SHOAL_TCP_TIME_WAIT);
	cr_assert_eq(W->app.peer_closed, 1);
	cr_assert_eq(W->app.closed, 1);
}

Test(fin_wait_1, rst_resets)
{
	fx_fin_wait_1();
	send(.flags = RST, .seq = P_ISS + 1);
	cr_assert_eq(W->app.reset_err, ECONNRESET);
	cr_assert_eq(W->app.closed, 1);
}

Test(fin_wait_1, fin_is_retransmitted)
{
	fx_fin_wait_1();
	advance(1000);
	expect(.flags = FIN | ACK, .seq = W_ISS + 1, .ack = P_ISS + 1);
}

/* ----------------------------------------------------------- FIN-WAIT-2 */

Test(fin_wait_2, data_delivered_half_close)
{
	fx_fin_wait_2();
	send(.flags = ACK | PSH, .seq = P_ISS + 1, .ack = W_ISS + 2, .len = 50);
	cr_assert(rx_is(P_ISS + 1, 50));
	advance(40);
	expect(.flags = ACK, .seq = W_ISS + 2, .ack = P_ISS + 51);
}

Test(fin_wait_2, fin_goes_to_time_wait)
{
	fx_time_wait();
	cr_assert_eq(W->app.peer_closed, 1);
}

Test(fin_wait_2, rst_resets)
{
	fx_fin_wait_2();
	send(.flags = RST, .seq = P_ISS + 1);
	cr_assert_eq(W->app.reset_err, ECONNRESET);
}

Test(fin_wait_2, ack_changes_nothing)
{
	fx_fin_wait_2();
	send(.flags = ACK, .seq = P_ISS + 1, .ack = W_ISS + 2);
	expect_none();
	cr_assert_eq(conn_state(), SHOAL_TCP_FIN_WAIT_2);
}

Test(fin_wait_2, orphan_times_out)
{
	unsigned int avail;

	fx_fin_wait_2();
	cr_assert_eq(shoal_close(W->conn), 0);
	avail = flow_slab_avail(&W->eng->cbs);
	advance(2 * 30000);
	cr_assert_eq(flow_slab_avail(&W->eng->cbs), avail + 1);
	cr_assert_eq(W->app.closed, 1);
}

Test(fin_wait_2, data_after_close_gets_rst)
{
	fx_fin_wait_2();
	shoal_close(W->conn);
	send(.flags = ACK, .seq = P_ISS + 1, .ack = W_ISS + 2, .len = 10);
	expect(.flags = RST, .seq = W_ISS + 2);
	cr_assert_eq(W->app.rxlen, 0);
	cr_assert_eq(W->app.closed, 1);
}

/* ----------------------------------------------------------- CLOSE-WAIT */

Test(close_wait, data_after_fin_is_ignored)
{
	fx_close_wait();
	send(.flags = ACK, .seq = P_ISS + 2, .ack = W_ISS + 1, .len = 10);
	expect_none();
	cr_assert_eq(W->app.rxlen, 0);
	cr_assert_eq(stats().data_after_fin, 1);
}

Test(close_wait, retransmitted_fin_gets_ack)
{
	fx_close_wait();
	send(.flags = FIN | ACK, .seq = P_ISS + 1, .ack = W_ISS + 1);
	expect(.flags = ACK, .seq = W_ISS + 1, .ack = P_ISS + 2);
	cr_assert_eq(W->app.peer_closed, 1);
}

Test(close_wait, we_can_still_send)
{
	fx_close_wait();
	cr_assert_eq(app_send(20), 20);
	flush();
	expect(.flags = ACK | PSH, .seq = W_ISS + 1, .ack = P_ISS + 2, .len = 20);
}

Test(close_wait, rst_resets)
{
	fx_close_wait();
	send(.flags = RST, .seq = P_ISS + 2);
	cr_assert_eq(W->app.reset_err, ECONNRESET);
}

Test(close_wait, close_sends_fin_to_last_ack)
{
	fx_last_ack();
}

/* -------------------------------------------------------------- CLOSING */

Test(closing, ack_of_fin_goes_to_time_wait)
{
	fx_closing();
	send(.flags = ACK, .seq = P_ISS + 2, .ack = W_ISS + 2);
	expect_none();
	cr_assert_eq(conn_state(), SHOAL_TCP_TIME_WAIT);
	cr_assert_eq(W->app.closed, 1);
}

Test(closing, retransmitted_fin_gets_ack)
{
	fx_closing();
	send(.flags = FIN | ACK, .seq = P_ISS + 1, .ack = W_ISS + 1);
	expect(.flags = ACK, .seq = W_ISS + 2, .ack = P_ISS + 2);
}

Test(closing, rst_closes_quietly)
{
	fx_closing();
	send(.flags = RST, .seq = P_ISS + 2);
	cr_assert_eq(W->app.resets, 0);
	cr_assert_eq(W->app.closed, 1);
}

Test(closing, data_is_ignored)
{
	fx_closing();
	send(.flags = ACK, .seq = P_ISS + 2, .ack = W_ISS + 1, .len = 10);
	expect_none();
	cr_assert_eq(W->app.rxlen, 0);
}

/* ------------------------------------------------------------- LAST-ACK */

Test(last_ack, ack_of_fin_closes)
{
	unsigned int avail;

	fx_last_ack();
	avail = flow_slab_avail(&W->eng->cbs);
	send(.flags = ACK, .seq = P_ISS + 2, .ack = W_ISS + 2);
	expect_none();
	cr_assert_eq(W->app.closed, 1);
	cr_assert_eq(flow_slab_avail(&W->eng->cbs), avail + 1);
}

/* Its FIN resent (our ACK of it was lost) with the ACK of ours: we say
 * we hold it, then close. */
Test(last_ack, old_fin_acking_ours_is_answered_then_closes)
{
	fx_last_ack();
	send(.flags = FIN | ACK, .seq = P_ISS + 1, .ack = W_ISS + 2);
	expect(.flags = ACK, .seq = W_ISS + 2, .ack = P_ISS + 2);
	expect_none();
	cr_assert_eq(W->app.closed, 1);
}

Test(last_ack, fin_is_retransmitted)
{
	fx_last_ack();
	advance(1000);
	expect(.flags = FIN | ACK, .seq = W_ISS + 1, .ack = P_ISS + 2);
}

Test(last_ack, rst_closes_quietly)
{
	fx_last_ack();
	send(.flags = RST, .seq = P_ISS + 2);
	cr_assert_eq(W->app.resets, 0);
	cr_assert_eq(W->app.closed, 1);
}

Test(last_ack, data_is_ignored)
{
	fx_last_ack();
	send(.flags = ACK, .seq = P_ISS + 2, .ack = W_ISS + 1, .len = 10);
	expect_none();
}

Test(last_ack, retransmitted_fin_gets_ack)
{
	fx_last_ack();
	send(.flags = FIN | ACK, .seq = P_ISS + 1, .ack = W_ISS + 1);
	expect(.flags = ACK, .seq = W_ISS + 2, .ack = P_ISS + 2);
}

/* ------------------------------------------------------------ TIME-WAIT */

Test(time_wait, expires_after_2msl)
{
	unsigned int avail;

	fx_time_wait();
	avail = flow_slab_avail(&W->eng->cbs);
	cr_assert_eq(stats().conns_timewait, 1);
	advance(2 * 30000 - 1);
	cr_assert_eq(flow_slab_avail(&W->eng->cbs), avail);
	advance(1);
	cr_assert_eq(flow_slab_avail(&W->eng->cbs), avail + 1);
	cr_assert_eq(stats().conns_timewait, 0);
	cr_assert_eq(stats().conns_open, 0);
}

Test(time_wait, retransmitted_fin_gets_ack_and_restarts_2msl)
{
	unsigned int avail;

	fx_time_wait();
	avail = flow_slab_avail(&W->eng->cbs);
	advance(50000);
	send(.flags = FIN | ACK, .seq = P_ISS + 1, .ack = W_ISS + 2);
	expect(.flags = ACK, .seq = W_ISS + 2, .ack = P_ISS + 2);
	advance(59999);
	cr_assert_eq(flow_slab_avail(&W->eng->cbs), avail);
	advance(1);
	cr_assert_eq(flow_slab_avail(&W->eng->cbs), avail + 1);
}

Test(time_wait, rst_frees_quietly)
{
	unsigned int avail;

	fx_time_wait();
	avail = flow_slab_avail(&W->eng->cbs);
	send(.flags = RST, .seq = P_ISS + 2);
	expect_none();
	cr_assert_eq(flow_slab_avail(&W->eng->cbs), avail + 1);
	cr_assert_eq(W->app.closed, 1);
}

Test(time_wait, data_is_ignored)
{
	fx_time_wait();
	send(.flags = ACK, .seq = P_ISS + 2, .ack = W_ISS + 2, .len = 10);
	expect_none();
}

Test(time_wait, ack_changes_nothing)
{
	fx_time_wait();
	send(.flags = ACK, .seq = P_ISS + 2, .ack = W_ISS + 2);
	expect_none();
	cr_assert_eq(conn_state(), SHOAL_TCP_TIME_WAIT);
}

Test(time_wait, new_syn_above_rcv_nxt_reuses_tuple)
{
	fx_time_wait();
	send(.flags = SYN, .seq = P_ISS + 100000, .mss = 1460);
	expect(.flags = SYN | ACK, .seq = W_ISS, .ack = P_ISS + 100001,
	       .mss = 1460);
	cr_assert_eq(stats().timewait_reuse, 1);
}

Test(time_wait, old_syn_below_rcv_nxt_does_not_reuse)
{
	fx_time_wait();
	send(.flags = SYN, .seq = P_ISS - 100, .mss = 1460);
	expect(.flags = ACK, .seq = W_ISS + 2, .ack = P_ISS + 2);
	cr_assert_eq(stats().timewait_reuse, 0);
	cr_assert_eq(conn_state(), SHOAL_TCP_TIME_WAIT);
}

/* --------------------------------------------------------- simultaneous */

TestSuite(simultaneous, .init = setup_plain, .fini = teardown);

Test(simultaneous, close_both_sides_at_once)
{
	fx_established();
	shoal_shutdown(W->conn);
	flush();
	expect(.flags = FIN | ACK, .seq = W_ISS + 1, .ack = P_ISS + 1);
	/* the peer's FIN crossed ours */
	send(.flags = FIN | ACK, .seq = P_ISS + 1, .ack = W_ISS + 1);
	expect(.flags = ACK, .seq = W_ISS + 2, .ack = P_ISS + 2);
	cr_assert_eq(conn_state(), SHOAL_TCP_CLOSING);
	send(.flags = ACK, .seq = P_ISS + 2, .ack = W_ISS + 2);
	cr_assert_eq(conn_state(), SHOAL_TCP_TIME_WAIT);
	expect_none();
}

Test(simultaneous, half_close_keeps_receiving)
{
	fx_fin_wait_2();
	send(.flags = ACK, .seq = P_ISS + 1, .ack = W_ISS + 2, .len = 1460);
	send(.flags = ACK, .seq = P_ISS + 1461, .ack = W_ISS + 2, .len = 1460);
	expect(.flags = ACK, .seq = W_ISS + 2, .ack = P_ISS + 2921);
	cr_assert(rx_is(P_ISS + 1, 2920));
	cr_assert_eq(shoal_send(W->conn, "x", 1), -EPIPE);
}

Test(simultaneous, peer_half_close_we_keep_sending)
{
	fx_close_wait();
	app_send(1000);
	flush();
	expect(.flags = ACK | PSH, .seq = W_ISS + 1, .ack = P_ISS + 2, .len = 1000);
	send(.flags = ACK, .seq = P_ISS + 2, .ack = W_ISS + 1001);
	cr_assert_eq(W->app.acked, 1000);
	shoal_close(W->conn);
	flush();
	expect(.flags = FIN | ACK, .seq = W_ISS + 1001, .ack = P_ISS + 2);
	send(.flags = ACK, .seq = P_ISS + 2, .ack = W_ISS + 1002);
	cr_assert_eq(W->app.closed, 1);
	cr_assert_eq(stats().conns_open, 0);
}
