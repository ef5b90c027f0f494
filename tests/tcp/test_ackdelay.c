/* SPDX-License-Identifier: BSD-3-Clause */
/* Delayed ACKs (RFC 1122 4.2.3.2, RFC 5681 4.2) and ACK coalescing per
 * received burst. */
#include "wire.h"

TestSuite(ackdelay, .init = setup_plain, .fini = teardown);

#define D0 (W_ISS + 1)
#define P0 (P_ISS + 1)

Test(ackdelay, single_segment_acked_when_timer_fires)
{
	fx_established();
	send(.flags = ACK, .seq = P0, .ack = D0, .len = 1460);
	expect_none();
	advance(39);
	expect_none();
	advance(1);
	expect(.flags = ACK, .seq = D0, .ack = P0 + 1460);
	cr_assert_eq(stats().delayed_acks, 1);
}

Test(ackdelay, second_full_segment_acked_at_once)
{
	fx_established();
	send(.flags = ACK, .seq = P0, .ack = D0, .len = 1460);
	expect_none();
	send(.flags = ACK, .seq = P0 + 1460, .ack = D0, .len = 1460);
	expect(.flags = ACK, .seq = D0, .ack = P0 + 2920);
	advance(100);
	expect_none();	/* the timer went with the ACK */
}

Test(ackdelay, small_segments_wait_for_the_timer)
{
	fx_established();
	send(.flags = ACK, .seq = P0, .ack = D0, .len = 100);
	send(.flags = ACK, .seq = P0 + 100, .ack = D0, .len = 100);
	expect_none();
	advance(40);
	expect(.flags = ACK, .seq = D0, .ack = P0 + 200);
}

Test(ackdelay, timer_runs_from_first_unacked_segment)
{
	fx_established();
	send(.flags = ACK, .seq = P0, .ack = D0, .len = 100);
	advance(30);
	send(.flags = ACK, .seq = P0 + 100, .ack = D0, .len = 100);
	advance(10);
	expect(.flags = ACK, .seq = D0, .ack = P0 + 200);
}

Test(ackdelay, burst_of_many_segments_gets_one_ack)
{
	struct seg s[6];
	unsigned int i;

	fx_established();
	for (i = 0; i < 6; i++)
		s[i] = SEG(.flags = ACK, .seq = P0 + i * 1460, .ack = D0,
			   .len = 1460);
	wire_send_burst(s, 6);
	expect(.flags = ACK, .seq = D0, .ack = P0 + 6 * 1460);
	expect_none();
	cr_assert(rx_is(P0, 6 * 1460));
}

Test(ackdelay, burst_of_out_of_order_segments_gets_one_dup_ack)
{
	struct seg s[4];
	unsigned int i;

	fx_established();
	for (i = 0; i < 4; i++)
		s[i] = SEG(.flags = ACK, .seq = P0 + (i + 1) * 1000, .ack = D0,
			   .len = 1000);
	wire_send_burst(s, 4);
	expect(.flags = ACK, .seq = D0, .ack = P0);
	expect_none();
}

Test(ackdelay, burst_for_two_connections_gets_one_ack_each)
{
	struct rte_mbuf *m[4];
	struct shoal_endpoints ep[4], peer2 = W->peer;
	struct seg s;
	unsigned int i;
	struct tcp_seg t1, t2;

	fx_established();
	/* a second connection from port P_PORT+1 */
	W->peer.lport = W->ep.rport = rte_cpu_to_be_16(P_PORT + 1);
	send(.flags = SYN, .seq = P_ISS, .mss = 1460);
	expect(.flags = SYN | ACK, .seq = W_ISS, .ack = P0, .mss = 1460);
	send(.flags = ACK, .seq = P0, .ack = D0);
	peer2 = W->peer;
	for (i = 0; i < 4; i++) {
		s = SEG(.flags = ACK, .seq = P0 + (i / 2) * 1460, .ack = D0,
			.len = 1460);
		if (i % 2 == 0) {
			W->peer.lport = rte_cpu_to_be_16(P_PORT);
			ep[i] = W->ep;
			ep[i].rport = rte_cpu_to_be_16(P_PORT);
		} else {
			W->peer = peer2;
			ep[i] = W->ep;
			ep[i].rport = rte_cpu_to_be_16(P_PORT + 1);
		}
		m[i] = seg_build(&s, &W->peer);
	}
	shoal_tcp_input_burst(W->eng, m, ep, 4, W->now);
	cr_assert(wire_next(&t1, NULL));
	cr_assert(wire_next(&t2, NULL));
	expect_none();
	cr_assert_eq(t1.ack, P0 + 2920);
	cr_assert_eq(t2.ack, P0 + 2920);
}

Test(ackdelay, out_of_order_segment_acked_at_once)
{
	fx_established();
	send(.flags = ACK, .seq = P0 + 1000, .ack = D0, .len = 100);
	expect(.flags = ACK, .seq = D0, .ack = P0);
}

Test(ackdelay, filling_a_hole_acked_at_once)
{
	fx_established();
	send(.flags = ACK, .seq = P0 + 100, .ack = D0, .len = 100);
	expect(.flags = ACK, .seq = D0, .ack = P0);
	send(.flags = ACK, .seq = P0, .ack = D0, .len = 100);
	expect(.flags = ACK, .seq = D0, .ack = P0 + 200);
}

Test(ackdelay, delack_bound_is_configurable)
{
	wire_fini();
	wire_init();
	W->conf.delack_ns = 200 * MS;
	wire_start();
	fx_established();
	send(.flags = ACK, .seq = P0, .ack = D0, .len = 10);
	advance(199);
	expect_none();
	advance(1);
	expect(.flags = ACK, .seq = D0, .ack = P0 + 10);
}

Test(ackdelay, fin_is_acked_at_once)
{
	fx_established();
	send(.flags = ACK | FIN, .seq = P0, .ack = D0, .len = 10);
	expect(.flags = ACK, .seq = D0, .ack = P0 + 11);
}

Test(ackdelay, pure_acks_are_not_acked)
{
	fx_established();
	app_send(100);
	flush();
	expect(.flags = ACK | PSH, .seq = D0, .ack = P0, .len = 100);
	send(.flags = ACK, .seq = P0, .ack = D0 + 100);
	advance(1000);
	expect_none();
}
