/* SPDX-License-Identifier: BSD-3-Clause */
/* RST generation and acceptance (RFC 9293 3.10.7, RFC 5961). */
#include "wire.h"

TestSuite(rst, .init = setup_plain, .fini = teardown);

#define D0 (W_ISS + 1)
#define P0 (P_ISS + 1)

Test(rst, exact_rst_with_ack_flag_resets)
{
	fx_established();
	send(.flags = RST | ACK, .seq = P0, .ack = D0);
	cr_assert_eq(W->app.reset_err, ECONNRESET);
}

Test(rst, rst_at_window_edge_is_challenged)
{
	fx_established();
	send(.flags = RST, .seq = P0 + 65534);
	expect(.flags = ACK, .seq = D0, .ack = P0);
	cr_assert_eq(W->app.resets, 0);
}

Test(rst, rst_just_beyond_window_is_ignored)
{
	fx_established();
	send(.flags = RST, .seq = P0 + 65535);
	expect_none();
	cr_assert_eq(W->app.resets, 0);
}

Test(rst, challenge_acks_are_rate_limited)
{
	unsigned int i, n = 0;
	struct tcp_seg s;

	fx_established();
	for (i = 0; i < TCP_CHALLENGE_ACK_LIMIT + 50; i++) {
		send(.flags = RST, .seq = P0 + 1 + i);
		while (wire_next(&s, NULL))
			n++;
	}
	cr_assert_eq(n, TCP_CHALLENGE_ACK_LIMIT);
	advance(1000);
	send(.flags = RST, .seq = P0 + 5);
	expect(.flags = ACK, .seq = D0, .ack = P0);
}

Test(rst, data_after_close_gets_rst)
{
	fx_established();
	shoal_close(W->conn);
	flush();
	expect(.flags = FIN | ACK, .seq = D0, .ack = P0);
	send(.flags = ACK, .seq = P0, .ack = D0, .len = 10);
	expect(.flags = RST, .seq = D0 + 1);
	cr_assert_eq(W->app.closed, 1);
	cr_assert_eq(W->app.resets, 0);
	cr_assert_eq(stats().conns_open, 0);
}

Test(rst, close_callbacks_only_closed)
{
	fx_established();
	shoal_close(W->conn);
	flush();
	wire_drain();
	send(.flags = ACK | FIN, .seq = P0, .ack = D0 + 1);
	cr_assert_eq(W->app.peer_closed, 0, "closed by app: no more callbacks");
	cr_assert_eq(W->app.closed, 1);
}

Test(rst, abort_in_syn_received_sends_rst)
{
	struct shoal_conn *c;

	fx_syn_received();
	c = (struct shoal_conn *)flow_table_lookup(&W->eng->ft,
			&(struct flow_key4){ W->ep.local.v4, W->ep.remote.v4,
					     W->ep.lport, W->ep.rport });
	cr_assert_not_null(c);
	shoal_abort(c);
	expect(.flags = RST, .seq = D0);
}

Test(rst, abort_in_time_wait_is_silent)
{
	fx_time_wait();
	shoal_abort(W->conn);
	expect_none();
	cr_assert_eq(stats().conns_open, 0);
}

Test(rst, resets_counted_both_ways)
{
	fx_established();
	send(.flags = RST, .seq = P0);
	send(.flags = ACK, .seq = P0, .ack = D0);	/* now a stray */
	expect(.flags = RST, .seq = D0);
	cr_assert_eq(stats().resets_rx, 1);
	cr_assert_eq(stats().resets_tx, 1);
}

Test(rst, engine_free_drops_everything_silently)
{
	fx_established();
	app_send(5000);
	flush();
	wire_drain();
	shoal_tcp_free(W->eng);
	W->eng = NULL;
	expect_none();
	cr_assert_eq(W->app.closed, 0);
	W->eng = shoal_tcp_create(&W->conf, W->now);
}

Test(rst, ack_too_old_gets_challenge_ack)
{
	fx_established();
	/* RFC 5961 5.2: below SND.UNA - MAX.SND.WND */
	send(.flags = ACK, .seq = P0, .ack = D0 - 70000, .len = 10);
	expect(.flags = ACK, .seq = D0, .ack = P0);
	cr_assert_eq(W->app.rxlen, 0);
	cr_assert_eq(stats().challenge_acks, 1);
}

Test(rst, old_ack_within_max_window_is_accepted)
{
	fx_established();
	send(.flags = ACK, .seq = P0, .ack = D0 - 1000, .len = 10);
	cr_assert(rx_is(P0, 10));
}
