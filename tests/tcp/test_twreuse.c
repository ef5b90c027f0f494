/* SPDX-License-Identifier: BSD-3-Clause */
/* An active open taking over a TIME-WAIT tuple (Linux's tcp_tw_reuse):
 * only with timestamps, only once the peer has been quiet a second, with
 * an ISS past the old connection's; and through the port pick when no
 * control block is left. */
#include <rte_errno.h>

#include "wire.h"

static void
setup_ts(void)
{
	wire_init();
	W->conf.timestamps = true;
	wire_start();
}

TestSuite(twreuse, .init = setup_ts, .fini = teardown);

static struct tcp_seg
next_seg(void)
{
	struct tcp_seg s;
	struct rte_mbuf *m;

	cr_assert(wire_next(&s, &m), "no segment");
	rte_pktmbuf_free(m);
	return s;
}

/* An active open from W->ep that we close first: TIME-WAIT here, after
 * SYN and FIN (our SND.NXT ends at ISS + 2). Returns the ISS. */
static uint32_t
timewait_exchange(bool ts)
{
	struct shoal_endpoints ep = W->ep;
	struct tcp_seg s;
	uint32_t iss;

	W->conn = shoal_tcp_connect(W->eng, &ep, &W->ops, W);
	cr_assert_not_null(W->conn);
	flush();
	s = next_seg();
	cr_assert_eq(s.flags, SYN);
	iss = s.seq;
	send(.flags = SYN | ACK, .seq = P_ISS, .ack = iss + 1, .mss = 1460,
	     .ts = ts, .tsval = 100, .tsecr = s.tsval);
	wire_drain();
	shoal_close(W->conn);
	flush();
	s = next_seg();
	cr_assert(s.flags & FIN);
	send(.flags = FIN | ACK, .seq = P_ISS + 1, .ack = iss + 2,
	     .ts = ts, .tsval = 101, .tsecr = s.tsval);
	wire_drain();
	cr_assert_eq(shoal_conn_state(W->conn), SHOAL_TCP_TIME_WAIT);
	return iss;
}

/* The one connection of the engine, into TIME-WAIT. */
static void
to_timewait(bool ts)
{
	cr_assert_eq(timewait_exchange(ts), W_ISS);
	cr_assert_eq(stats().conns_timewait, 1);
}

static struct shoal_conn *
reconnect(void)
{
	struct shoal_endpoints ep = W->ep;

	return shoal_tcp_connect(W->eng, &ep, &W->ops, W);
}

Test(twreuse, an_active_open_takes_over_a_timewait_tuple_a_second_later)
{
	struct tcp_seg s;

	to_timewait(true);
	advance(1000);
	cr_assert_not_null(reconnect());
	cr_assert_eq(stats().timewait_reuse, 1);
	cr_assert_eq(stats().conns_timewait, 0);
	cr_assert_eq(stats().conns_open, 1);
	flush();
	s = next_seg();
	cr_assert_eq(s.flags, SYN);
	/* past the old connection's sequence space, as Linux does */
	cr_assert_eq(s.seq, W_ISS + 2 + 65535 + 2, "ISS %u", s.seq);
	cr_assert(s.has_ts);
}

Test(twreuse, not_while_the_peer_was_heard_within_a_second)
{
	to_timewait(true);
	advance(999);
	cr_assert_null(reconnect());
	cr_assert_eq(rte_errno, EADDRINUSE);
	cr_assert_eq(stats().timewait_reuse, 0);
	cr_assert_eq(stats().conns_timewait, 1);
}

Test(twreuse, not_without_timestamps)
{
	to_timewait(false);	/* the peer did not take them up */
	advance(5000);
	cr_assert_null(reconnect());
	cr_assert_eq(rte_errno, EADDRINUSE);
	cr_assert_eq(stats().conns_timewait, 1);
}

/* One control block, 16 ephemeral ports: the block sits in TIME-WAIT on
 * the first, and the port pick must look for a tuple to take over, not a
 * free one (which would leave no block for it: 15 in 16 picks). */
Test(twreuse, with_no_block_left_the_port_pick_takes_one_over)
{
	wire_fini();
	wire_init();
	W->conf.timestamps = true;
	W->conf.max_conns = 1;
	W->conf.port_lo = 50000;
	W->conf.port_hi = 50015;
	wire_start();
	W->ep.lport = W->peer.rport = rte_cpu_to_be_16(50000);
	to_timewait(true);
	W->ep.lport = 0;	/* the engine picks */
	cr_assert_null(reconnect(), "within the second: nothing to take");
	cr_assert_eq(rte_errno, EADDRNOTAVAIL);
	advance(1000);
	cr_assert_not_null(reconnect());
	cr_assert_eq(stats().timewait_reuse, 1);
	flush();
	cr_assert_eq(next_seg().flags, SYN);
}

/* A table full of TIME-WAIT keeps conf.tw_free blocks free: the poll ends
 * the TIME-WAITs closest to their end (here the oldest), so the next
 * connection finds a block instead of a full table. */
static void
timewait_on_port(uint16_t port)
{
	W->ep.lport = W->peer.rport = rte_cpu_to_be_16(port);
	W->conn = NULL;
	timewait_exchange(true);
}

/* A fresh engine of 4 control blocks, @p tw_free kept free, filled with
 * 4 TIME-WAITs on ports 50000.. (@p first), each ending 1 ms after the one
 * before. */
static void
fill_with_timewait(uint32_t tw_free, struct shoal_conn *first[4])
{
	wire_fini();
	wire_init();
	W->conf.timestamps = true;
	W->conf.max_conns = 4;
	W->conf.tw_free = tw_free;
	wire_start();
	for (int i = 0; i < 4; i++) {
		timewait_on_port((uint16_t)(50000 + i));
		first[i] = W->conn;
		advance(1);
	}
}

Test(twreuse, a_table_full_of_timewait_keeps_blocks_free)
{
	struct shoal_conn *first[4];

	fill_with_timewait(1, first);
	/* advance() polled: the oldest went, one block is free */
	cr_assert_eq(stats().timewait_recycled, 1);
	cr_assert_eq(stats().conns_timewait, 3);
	cr_assert_eq(flow_slab_avail(&W->eng->cbs), 1);
	cr_assert_eq(shoal_conn_state(first[1]), SHOAL_TCP_TIME_WAIT);
	cr_assert_eq(shoal_conn_state(first[3]), SHOAL_TCP_TIME_WAIT);
	/* a new tuple connects; the next poll frees one more */
	W->ep.lport = W->peer.rport = rte_cpu_to_be_16(50010);
	cr_assert_not_null(reconnect());
	advance(1);
	cr_assert_eq(stats().timewait_recycled, 2);
	cr_assert_eq(stats().conns_timewait, 2);
	cr_assert_eq(shoal_conn_state(first[3]), SHOAL_TCP_TIME_WAIT);
}

Test(twreuse, tw_free_0_never_ends_timewait_early)
{
	struct shoal_conn *first[4];

	fill_with_timewait(0, first);
	cr_assert_eq(stats().timewait_recycled, 0);
	cr_assert_eq(stats().conns_timewait, 4);
	W->ep.lport = W->peer.rport = rte_cpu_to_be_16(50010);
	cr_assert_null(reconnect());
}
