/* SPDX-License-Identifier: BSD-3-Clause */
/* Receive-window backpressure: data the application holds
 * (shoal_conn_hold) closes the window, consumption reopens it with a
 * window update past the SWS threshold, the right edge never moves left,
 * and persist probes into a zero window are answered, not taken. */
#include "wire.h"

TestSuite(rwnd, .init = setup_plain, .fini = teardown);

#define D0 (W_ISS + 1)
#define P0 (P_ISS + 1)
#define RCVBUF 65535u

static uint32_t seen;

/* A slow application: it holds everything it is given. */
static void
hold_all(struct shoal_conn *c)
{
	shoal_conn_hold(c, W->app.rxlen - seen);
	seen = W->app.rxlen;
}

/* Fill the window exactly: RCVBUF bytes, all held. */
static void
fill_window(void)
{
	uint32_t off = 0, n;

	seen = 0;
	W->app.on_recv = hold_all;
	while (off < RCVBUF) {
		n = RTE_MIN(1460u, RCVBUF - off);
		send(.flags = ACK, .seq = P0 + off, .ack = D0, .len = n);
		off += n;
		if (off < RCVBUF)
			wire_drain();
	}
	cr_assert_eq(shoal_conn_held(W->conn), RCVBUF);
}

Test(rwnd, zero_window_when_the_app_holds_rcvbuf)
{
	fx_established();
	fill_window();
	advance(40);
	expect(.flags = ACK, .seq = D0, .ack = P0 + RCVBUF, .win = 0);
	expect_none();
	cr_assert_geq(stats().zero_windows_sent, 1);
	cr_assert(rx_is(P0, RCVBUF));
}

Test(rwnd, window_shrinks_as_held_data_grows)
{
	fx_established();
	seen = 0;
	W->app.on_recv = hold_all;
	send(.flags = ACK, .seq = P0, .ack = D0, .len = 1460);
	send(.flags = ACK, .seq = P0 + 1460, .ack = D0, .len = 1460);
	/* Every second segment is ACKed; the right edge stays put. */
	expect(.flags = ACK, .seq = D0, .ack = P0 + 2920,
	       .win = RCVBUF - 2920);
	shoal_conn_consumed(W->conn, 2920);
	flush();
	/* Opened by 2920 = 2 MSS: a window update. */
	expect(.flags = ACK, .seq = D0, .ack = P0 + 2920, .win = RCVBUF);
	cr_assert_eq(stats().rcv_window_updates, 1);
}

Test(rwnd, persist_probe_into_zero_window_is_answered_not_taken)
{
	fx_established();
	fill_window();
	advance(40);
	wire_drain();
	/* The peer's probe: one byte beyond the closed window. */
	send(.flags = ACK, .seq = P0 + RCVBUF, .ack = D0, .len = 1);
	expect(.flags = ACK, .seq = D0, .ack = P0 + RCVBUF, .win = 0);
	expect_none();
	cr_assert_eq(W->app.rxlen, RCVBUF, "probe byte not delivered");
	/* A pure ACK at RCV.NXT is still acceptable (window update). */
	send(.flags = ACK, .seq = P0 + RCVBUF, .ack = D0, .win = 1000);
	expect_none();
	cr_assert_eq(tcp_test_cb(W->conn)->snd_wnd, 1000);
	/* Again after a backoff: same answer. */
	advance(400);
	send(.flags = ACK, .seq = P0 + RCVBUF, .ack = D0, .len = 1);
	expect(.flags = ACK, .seq = D0, .ack = P0 + RCVBUF, .win = 0);
}

Test(rwnd, consumption_reopens_with_one_update_past_the_threshold)
{
	fx_established();
	fill_window();
	advance(40);
	wire_drain();
	/* Below min(2 MSS, rcvbuf / 2) = 2920: silence (SWS avoidance). */
	shoal_conn_consumed(W->conn, 1000);
	flush();
	expect_none();
	shoal_conn_consumed(W->conn, 1000);
	flush();
	expect_none();
	shoal_conn_consumed(W->conn, 1000);
	flush();
	expect(.flags = ACK, .seq = D0, .ack = P0 + RCVBUF, .win = 3000);
	expect_none();
	cr_assert_eq(stats().rcv_window_updates, 1);
	/* The peer fills the reopened window; it is all taken. */
	send(.flags = ACK, .seq = P0 + RCVBUF, .ack = D0, .len = 1460);
	send(.flags = ACK, .seq = P0 + RCVBUF + 1460, .ack = D0, .len = 1460);
	send(.flags = ACK, .seq = P0 + RCVBUF + 2920, .ack = D0, .len = 80);
	cr_assert(rx_is(P0, RCVBUF + 3000));
	wire_drain();
	/* Beyond it: out of window. */
	send(.flags = ACK, .seq = P0 + RCVBUF + 3000, .ack = D0, .len = 10);
	expect(.flags = ACK, .seq = D0, .ack = P0 + RCVBUF + 3000, .win = 0);
	cr_assert_eq(W->app.rxlen, RCVBUF + 3000);
}

Test(rwnd, right_edge_never_moves_left)
{
	fx_established();
	/* The app suddenly holds a whole buffer's worth from elsewhere. */
	shoal_conn_hold(W->conn, RCVBUF);
	send(.flags = ACK | PSH, .seq = P0, .ack = D0, .len = 100);
	advance(40);
	/* 65535 was offered from P0: the edge stays at P0 + 65535. */
	expect(.flags = ACK, .seq = D0, .ack = P0 + 100, .win = RCVBUF - 100);
	/* And data up to it is accepted. */
	send(.flags = ACK, .seq = P0 + 100, .ack = D0, .len = 1000);
	cr_assert_eq(W->app.rxlen, 1100);
}

Test(rwnd, small_consumption_does_not_move_the_edge)
{
	fx_established();
	fill_window();
	advance(40);
	wire_drain();
	shoal_conn_consumed(W->conn, 500);
	/* A keepalive-like ACK from us now must still offer 0, not 500. */
	send(.flags = ACK, .seq = P0 + RCVBUF - 1, .ack = D0);
	expect(.flags = ACK, .seq = D0, .ack = P0 + RCVBUF, .win = 0);
	shoal_conn_consumed(W->conn, RCVBUF);
	cr_assert_eq(shoal_conn_held(W->conn), 0);
	flush();
	expect(.flags = ACK, .seq = D0, .ack = P0 + RCVBUF, .win = RCVBUF);
}
