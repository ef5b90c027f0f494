/* SPDX-License-Identifier: BSD-3-Clause */
/* Out-of-order reassembly: held as mbufs (no copy), overlaps trimmed,
 * duplicates dropped, bounded by reass_max, FIN after a hole. */
#include <string.h>

#include "wire.h"

TestSuite(reass, .init = setup_plain, .fini = teardown);

#define D0 (W_ISS + 1)
#define P0 (P_ISS + 1)

Test(reass, out_of_order_then_fill_delivers_in_order)
{
	fx_established();
	send(.flags = ACK, .seq = P0 + 1000, .ack = D0, .len = 1000);
	send(.flags = ACK, .seq = P0 + 2000, .ack = D0, .len = 1000);
	cr_assert_eq(W->app.rxlen, 0);
	wire_drain();
	send(.flags = ACK, .seq = P0, .ack = D0, .len = 1000);
	expect(.flags = ACK, .seq = D0, .ack = P0 + 3000);
	cr_assert(rx_is(P0, 3000));
	cr_assert_eq(W->app.recv_calls, 1, "one chain for the whole run");
	cr_assert_eq(stats().ooo_segs, 2);
}

Test(reass, reverse_order_arrival)
{
	int i;

	fx_established();
	for (i = 4; i >= 0; i--)
		send(.flags = ACK, .seq = P0 + 500 * i, .ack = D0, .len = 500);
	cr_assert(rx_is(P0, 2500));
}

Test(reass, overlapping_segments_are_trimmed)
{
	fx_established();
	send(.flags = ACK, .seq = P0 + 100, .ack = D0, .len = 200);
	send(.flags = ACK, .seq = P0 + 200, .ack = D0, .len = 200);
	send(.flags = ACK, .seq = P0 + 50, .ack = D0, .len = 400);
	send(.flags = ACK, .seq = P0, .ack = D0, .len = 60);
	cr_assert(rx_is(P0, 450));
	cr_assert_eq(tcp_reass_bytes(tcp_test_cb(W->conn)), 0);
}

Test(reass, segment_covering_held_ones_replaces_them)
{
	fx_established();
	send(.flags = ACK, .seq = P0 + 200, .ack = D0, .len = 50);
	send(.flags = ACK, .seq = P0 + 300, .ack = D0, .len = 50);
	send(.flags = ACK, .seq = P0 + 100, .ack = D0, .len = 400);
	cr_assert_eq(tcp_reass_bytes(tcp_test_cb(W->conn)), 400);
	send(.flags = ACK, .seq = P0, .ack = D0, .len = 100);
	cr_assert(rx_is(P0, 500));
}

Test(reass, duplicate_out_of_order_segment_is_dropped)
{
	fx_established();
	send(.flags = ACK, .seq = P0 + 100, .ack = D0, .len = 100);
	send(.flags = ACK, .seq = P0 + 100, .ack = D0, .len = 100);
	send(.flags = ACK, .seq = P0 + 120, .ack = D0, .len = 50);
	cr_assert_eq(tcp_reass_bytes(tcp_test_cb(W->conn)), 100);
	send(.flags = ACK, .seq = P0, .ack = D0, .len = 100);
	cr_assert(rx_is(P0, 200));
}

Test(reass, in_order_segment_overlapping_rcv_nxt_is_trimmed)
{
	fx_established();
	send(.flags = ACK, .seq = P0, .ack = D0, .len = 100);
	send(.flags = ACK, .seq = P0 + 50, .ack = D0, .len = 100);
	cr_assert(rx_is(P0, 150));
}

Test(reass, fill_overlapping_held_data)
{
	fx_established();
	send(.flags = ACK, .seq = P0 + 100, .ack = D0, .len = 100);
	send(.flags = ACK, .seq = P0, .ack = D0, .len = 150);
	cr_assert(rx_is(P0, 200));
}

Test(reass, bound_drops_beyond_reass_max)
{
	wire_fini();
	wire_init();
	W->conf.reass_max = 3000;
	wire_start();
	fx_established();
	send(.flags = ACK, .seq = P0 + 1000, .ack = D0, .len = 1460);
	send(.flags = ACK, .seq = P0 + 2460, .ack = D0, .len = 1460);
	send(.flags = ACK, .seq = P0 + 3920, .ack = D0, .len = 1460);
	cr_assert_eq(tcp_reass_bytes(tcp_test_cb(W->conn)), 2920);
	cr_assert_eq(stats().ooo_bytes_dropped, 1460);
	send(.flags = ACK, .seq = P0, .ack = D0, .len = 1000);
	cr_assert(rx_is(P0, 3920));
}

Test(reass, beyond_window_tail_is_trimmed)
{
	fx_established();
	send(.flags = ACK, .seq = P0 + 65000, .ack = D0, .len = 1000);
	cr_assert_eq(tcp_reass_bytes(tcp_test_cb(W->conn)), 535);
}

Test(reass, fin_after_hole_waits_for_the_data)
{
	fx_established();
	send(.flags = ACK | FIN, .seq = P0 + 100, .ack = D0, .len = 100);
	expect(.flags = ACK, .seq = D0, .ack = P0);
	cr_assert_eq(conn_state(), SHOAL_TCP_ESTABLISHED);
	send(.flags = ACK, .seq = P0, .ack = D0, .len = 100);
	expect(.flags = ACK, .seq = D0, .ack = P0 + 201);
	cr_assert_eq(conn_state(), SHOAL_TCP_CLOSE_WAIT);
	cr_assert(rx_is(P0, 200));
	cr_assert_eq(W->app.peer_closed, 1);
}

Test(reass, bare_fin_after_hole)
{
	fx_established();
	send(.flags = ACK | FIN, .seq = P0 + 100, .ack = D0);
	expect(.flags = ACK, .seq = D0, .ack = P0);
	send(.flags = ACK, .seq = P0, .ack = D0, .len = 100);
	expect(.flags = ACK, .seq = D0, .ack = P0 + 101);
	cr_assert_eq(conn_state(), SHOAL_TCP_CLOSE_WAIT);
}

Test(reass, held_mbufs_return_on_abort)
{
	unsigned int avail;

	fx_established();
	avail = rte_mempool_avail_count(wire_pool());
	send(.flags = ACK, .seq = P0 + 100, .ack = D0, .len = 100);
	send(.flags = ACK, .seq = P0 + 300, .ack = D0, .len = 100);
	wire_drain();
	cr_assert_eq(rte_mempool_avail_count(wire_pool()), avail - 2);
	shoal_abort(W->conn);
	wire_drain();
	cr_assert_eq(rte_mempool_avail_count(wire_pool()), avail);
}

/* A segment that covers held ones and then coalesces into the one in front
 * of them: the covered entries must leave the queue with their mbufs. The
 * fuzzer found the link from the coalesced entry left on the freed one;
 * filling the hole then freed that mbuf a second time. */
Test(reass, coalescing_segment_unlinks_the_ones_it_covers)
{
	struct tcp_cb *cb;
	struct rte_mbuf *h;
	unsigned int avail;

	fx_established();
	cb = tcp_test_cb(W->conn);
	avail = rte_mempool_avail_count(wire_pool());
	send(.flags = ACK, .seq = P0 + 100, .ack = D0, .len = 100);
	send(.flags = ACK, .seq = P0 + 300, .ack = D0, .len = 50);
	send(.flags = ACK, .seq = P0 + 200, .ack = D0, .len = 200);
	wire_drain();
	h = tcp_reass_head(cb);
	cr_assert_not_null(h);
	cr_assert_eq(h->pkt_len, 300, "one entry, P0+100 to P0+400");
	cr_assert_null(tcp_reass_meta(W->eng, h)->next,
		       "the covered entry is still linked behind it");
	cr_assert_eq(tcp_reass_bytes(cb), 300);
	cr_assert_eq(tcp_reass_segs(cb), 1);
	cr_assert_eq(rte_mempool_avail_count(wire_pool()), avail - 1);
	send(.flags = ACK, .seq = P0, .ack = D0, .len = 100);
	expect(.flags = ACK, .seq = D0, .ack = P0 + 400);
	cr_assert(rx_is(P0, 400));
	wire_drain();
	cr_assert_eq(rte_mempool_avail_count(wire_pool()), avail,
		     "every mbuf back exactly once");
}

/* The same with the segment dropped (reass_max_segs) after it covered every
 * held entry: the queue's head must not stay on a freed mbuf. */
Test(reass, dropped_segment_leaves_no_link_to_the_ones_it_covered)
{
	struct seg s = SEG(.flags = ACK, .seq = P0 + 250, .ack = D0, .len = 50);
	struct rte_mbuf *m, *t;
	struct tcp_cb *cb;
	unsigned int avail;
	uint8_t *d;

	wire_fini();
	wire_init();
	W->conf.reass_max_segs = 2;
	wire_start();
	fx_established();
	cb = tcp_test_cb(W->conn);
	avail = rte_mempool_avail_count(wire_pool());
	send(.flags = ACK, .seq = P0 + 300, .ack = D0, .len = 50);
	send(.flags = ACK, .seq = P0 + 400, .ack = D0, .len = 50);
	wire_drain();
	cr_assert_eq(tcp_reass_segs(cb), 2);
	/* [250,500) in three mbufs: it covers both, then exceeds the
	 * bound on its own. */
	m = seg_build(&s, &W->peer);
	for (uint32_t off = 300; off < 500; off += 100) {
		t = rte_pktmbuf_alloc(wire_pool());
		cr_assert_not_null(t);
		d = (uint8_t *)rte_pktmbuf_append(t, 100);
		for (unsigned int i = 0; i < 100; i++)
			d[i] = pat(P0 + off + i);
		cr_assert_eq(rte_pktmbuf_chain(m, t), 0);
	}
	shoal_tcp_input_burst(W->eng, &m, &W->ep, 1, W->now);
	wire_drain();
	cr_assert_eq(stats().ooo_segs_dropped, 1);
	cr_assert_null(tcp_reass_head(cb),
		       "the queue still starts at a freed entry");
	cr_assert_eq(tcp_reass_bytes(cb), 0);
	cr_assert_eq(tcp_reass_segs(cb), 0);
	cr_assert_eq(rte_mempool_avail_count(wire_pool()), avail);
	/* The peer sends it again, in order this time. */
	send(.flags = ACK, .seq = P0, .ack = D0, .len = 500);
	cr_assert(rx_is(P0, 500));
	wire_drain();
	cr_assert_eq(rte_mempool_avail_count(wire_pool()), avail);
}

Test(reass, data_without_recv_callback_is_freed)
{
	struct seg s = SEG(.flags = ACK, .seq = P0, .ack = D0, .len = 100);
	struct rte_mbuf *m;
	static struct rte_mbuf *seen;
	unsigned int avail;

	W->ops.recv = NULL;	/* no recv callback: the engine frees it */
	fx_established();
	seen = NULL;
	avail = rte_mempool_avail_count(wire_pool());
	m = seg_build(&s, &W->peer);
	shoal_tcp_input_burst(W->eng, &m, &W->ep, 1, W->now);
	(void)seen;
	cr_assert_eq(W->app.rxlen, 0);
	cr_assert_eq(rte_mempool_avail_count(wire_pool()), avail);
}

static struct rte_mbuf *got;

static void
keep_recv(struct shoal_conn *c, void *ctx, struct rte_mbuf *m)
{
	got = m;
}

Test(reass, delivered_mbuf_is_the_arrived_one_adjusted)
{
	struct seg s = SEG(.flags = ACK, .seq = P0, .ack = D0, .len = 100);
	struct rte_mbuf *m;

	W->ops.recv = keep_recv;
	fx_established();
	got = NULL;
	m = seg_build(&s, &W->peer);
	shoal_tcp_input_burst(W->eng, &m, &W->ep, 1, W->now);
	cr_assert_eq(got, m, "zero copy: the same mbuf, header stripped");
	cr_assert_eq(got->pkt_len, 100);
	cr_assert_eq(*rte_pktmbuf_mtod(got, uint8_t *), pat(P0));
	rte_pktmbuf_free(got);
}

/* The queue's entries in order, by walking the links (at most max). */
static unsigned int
queue_walk(struct rte_mbuf **out, unsigned int max)
{
	struct tcp_cb *cb = tcp_test_cb(W->conn);
	struct rte_mbuf *m;
	unsigned int n = 0;

	for (m = tcp_reass_head(cb); m != NULL && n < max;
	     m = tcp_reass_meta(cb->t, m)->next)
		out[n++] = m;
	return n;
}

/*
 * A segment that covers a held one and ends up appended to the entry in
 * front of it (coalesced): the covered entry is freed, and the link to it
 * must go too. Left in place, it made the freed mbuf part of the queue
 * again when the pool handed it out, and tcp_reass_pull chained an mbuf
 * onto itself (the loss grid's worker hang), or freed it twice.
 */
Test(reass, coalesced_segment_unlinks_the_entries_it_covers)
{
	struct rte_mbuf *q[4];
	unsigned int avail;

	fx_established();
	avail = rte_mempool_avail_count(wire_pool());
	send(.flags = ACK, .seq = P0 + 100, .ack = D0, .len = 100);
	send(.flags = ACK, .seq = P0 + 250, .ack = D0, .len = 50);
	cr_assert_eq(queue_walk(q, 4), 2);
	/* [200, 300) follows the first entry and covers the second. */
	send(.flags = ACK, .seq = P0 + 200, .ack = D0, .len = 100);
	cr_assert_eq(queue_walk(q, 4), 1, "one entry, nothing linked after");
	cr_assert_eq(q[0]->pkt_len, 200);
	cr_assert_eq(tcp_reass_bytes(tcp_test_cb(W->conn)), 200);
	cr_assert_eq(tcp_reass_segs(tcp_test_cb(W->conn)), 1);
	wire_drain();
	cr_assert_eq(rte_mempool_avail_count(wire_pool()), avail - 1);
	send(.flags = ACK, .seq = P0, .ack = D0, .len = 100);
	cr_assert(rx_is(P0, 300));
	cr_assert_eq(tcp_reass_bytes(tcp_test_cb(W->conn)), 0);
	wire_drain();
	cr_assert_eq(rte_mempool_avail_count(wire_pool()), avail,
		     "every mbuf back once: %u of %u",
		     rte_mempool_avail_count(wire_pool()), avail);
}

/* Move the last n bytes of @p m into a segment of their own. */
static void
split_tail(struct rte_mbuf *m, uint16_t n)
{
	struct rte_mbuf *last = rte_pktmbuf_lastseg(m);
	struct rte_mbuf *t = rte_pktmbuf_alloc(wire_pool());
	char *dst;

	cr_assert_not_null(t);
	dst = rte_pktmbuf_append(t, n);
	cr_assert_not_null(dst);
	memcpy(dst, rte_pktmbuf_mtod_offset(last, char *, last->data_len - n),
	       n);
	last->data_len -= n;
	m->pkt_len -= n;
	cr_assert_eq(rte_pktmbuf_chain(m, t), 0);
}

/* The same for a segment dropped on reass_max_segs after it freed the
 * held entries it covers: the queue must not keep a link to them. */
Test(reass, segs_limit_drop_unlinks_the_entries_it_covers)
{
	struct seg s = SEG(.flags = ACK, .seq = P0 + 250, .ack = D0,
			   .len = 150);
	struct rte_mbuf *q[4], *m;
	unsigned int avail;

	wire_fini();
	wire_init();
	W->conf.reass_max_segs = 2;
	wire_start();
	fx_established();
	avail = rte_mempool_avail_count(wire_pool());
	send(.flags = ACK, .seq = P0 + 100, .ack = D0, .len = 100);
	send(.flags = ACK, .seq = P0 + 300, .ack = D0, .len = 50);
	wire_drain();
	cr_assert_eq(queue_walk(q, 4), 2);
	/* [250, 400) in three mbufs covers [300, 350) but is one too many. */
	m = seg_build(&s, &W->peer);
	split_tail(m, 50);
	split_tail(m, 50);
	cr_assert_eq(m->nb_segs, 3);
	shoal_tcp_input_burst(W->eng, &m, &W->ep, 1, W->now);
	cr_assert_eq(stats().ooo_segs_dropped, 1);
	cr_assert_eq(queue_walk(q, 4), 1, "only [100, 200) left");
	cr_assert_eq(tcp_reass_bytes(tcp_test_cb(W->conn)), 100);
	cr_assert_eq(tcp_reass_segs(tcp_test_cb(W->conn)), 1);
	send(.flags = ACK, .seq = P0, .ack = D0, .len = 100);
	cr_assert(rx_is(P0, 200));
	cr_assert_null(tcp_reass_head(tcp_test_cb(W->conn)));
	wire_drain();
	cr_assert_eq(rte_mempool_avail_count(wire_pool()), avail);
}

/* The bounds follow the window we offer (reass_max 0 = rcvbuf, segments
 * rcvbuf / 1024, at least 64): after one loss, a 1 MB window's worth of
 * full segments behind the hole is held. A fixed 64 kept only 64 of the
 * ~2,900 a 4 MB window had in flight, and that transfer stalled. */
Test(reass, a_whole_window_behind_one_hole_is_held)
{
	const uint32_t n = 400, mss = 1460;

	wire_fini();
	wire_init();
	W->conf.wscale = true;
	W->conf.rcvbuf = 1 << 20;
	wire_start();
	cr_assert_eq(W->eng->conf.reass_max, 1u << 20);
	cr_assert_eq(W->eng->conf.reass_max_segs, 1024);
	fx_listen();
	send(.flags = SYN, .seq = P_ISS, .mss = 1460, .ws = 7);
	wire_drain();
	send(.flags = ACK, .seq = P0, .ack = D0, .win = 65535);
	cr_assert_eq(conn_state(), SHOAL_TCP_ESTABLISHED);
	for (uint32_t i = 1; i <= n; i++) {
		send(.flags = ACK, .seq = P0 + i * mss, .ack = D0, .len = mss);
		wire_drain();
	}
	cr_assert_eq(stats().ooo_segs_dropped, 0);
	cr_assert_eq(stats().ooo_bytes_dropped, 0);
	cr_assert_eq(tcp_reass_bytes(tcp_test_cb(W->conn)), n * mss);
	send(.flags = ACK, .seq = P0, .ack = D0, .len = mss);
	cr_assert(rx_is(P0, (n + 1) * mss));
}

Test(reass, explicit_bounds_are_kept)
{
	wire_fini();
	wire_init();
	W->conf.rcvbuf = 1 << 20;
	W->conf.reass_max = 5000;
	W->conf.reass_max_segs = 3;
	wire_start();
	cr_assert_eq(W->eng->conf.reass_max, 5000);
	cr_assert_eq(W->eng->conf.reass_max_segs, 3);
}
