/* SPDX-License-Identifier: BSD-3-Clause */
/* What an idle ESTABLISHED connection costs on one side: its control
 * block as the slab stores it (the 4-tuple table's node is inside) and
 * its 4-tuple table chain head, measured on slabs and tables made as the
 * engine makes them. Its sending state and its extension are attached
 * only while it has something in them, from slabs that touch a block
 * only when they first hand it out and reuse the last freed first: an
 * idle connection holds neither (tested below), and they cost only the
 * blocks busy connections hold at once. Computed from sizes, not timed.
 * The breakdown is printed (run the test with --verbose) for
 * perf/README.md. */
#include <stdio.h>

#include <rte_malloc.h>
#include <rte_ring.h>

#include "wire.h"

TestSuite(memory, .init = setup_plain, .fini = teardown);

static size_t
heap_used(void)
{
	struct rte_malloc_socket_stats st;
	size_t sum = 0;
	int s;

	for (s = 0; s < RTE_MAX_NUMA_NODES; s++)
		if (rte_malloc_get_socket_stats(s, &st) == 0)
			sum += st.heap_allocsz_bytes;
	return sum;
}

struct conn_cost {
	double cb, pool_ring, table, total;
};

static struct conn_cost
measure(uint32_t max_conns)
{
	struct conn_cost k = { 0 };
	struct flow_table ft;
	struct flow_slab slab;
	size_t before;

	/* The control blocks' slab and the table over it, as the engine
	 * makes them: the block itself, and the rest (allocator headers,
	 * chain heads) on the heap. */
	before = heap_used();
	cr_assert_eq(flow_slab_init(&slab, "memcb", max_conns,
				    sizeof(struct tcp_cb),
				    offsetof(struct tcp_cb, fn.next),
				    SOCKET_ID_ANY), 0);
	k.cb = slab.size;
	k.pool_ring = (double)(heap_used() - before) / max_conns - k.cb;
	before = heap_used();
	cr_assert_eq(flow_table_init(&ft, "memft", &slab,
				     offsetof(struct tcp_cb, fn),
				     SOCKET_ID_ANY), 0);
	k.table = (double)(heap_used() - before) / max_conns;
	flow_table_free(&ft);
	flow_slab_free(&slab);
	k.total = k.cb + k.pool_ring + k.table;
	printf("max_conns %u: sizeof(tcp_cb) %zu, slab block %.0f + "
	       "heap overhead %.1f, table heads %.1f: %.1f B/conn; attached "
	       "while needed: sending state %zu B, extension %zu B\n",
	       max_conns, sizeof(struct tcp_cb), k.cb, k.pool_ring,
	       k.table, k.total, sizeof(struct tcp_cb_snd),
	       sizeof(struct tcp_cb_ext));
	return k;
}

Test(memory, idle_established_connection_cost)
{
	struct conn_cost k = measure(16384);
	double at_scale;

	/* 200000 (the EAL here has 256 MB): nothing may grow per
	 * connection with the count (power-of-two rounding, buckets). */
	cr_assert_leq(measure(200000).total, k.total + 1.0);

	cr_assert_geq(k.cb, sizeof(struct tcp_cb));
	/* The parts an idle connection does without are not in its block. */
	cr_assert_geq(sizeof(struct tcp_cb_snd), 64u);
	cr_assert_geq(sizeof(struct tcp_cb_ext), 96u);
	/* Up to FLOW_HEADS_WIDE_MAX blocks the table has two heads a block;
	 * at the scale the budget is for (10M), one. */
	cr_assert_eq(flow_table_heads(16384), 2 * 16384);
	cr_assert_eq(flow_table_heads(FLOW_HEADS_WIDE_MAX + 1),
		     FLOW_HEADS_WIDE_MAX + 1);
	cr_assert_leq(k.table, 2 * sizeof(uint32_t) + 0.5);
	cr_assert_leq(k.total, TCP_CONN_BYTES_MAX + sizeof(uint32_t),
		      "%.1f B per connection", k.total);
	at_scale = k.cb + k.pool_ring + sizeof(uint32_t) *
		   (double)flow_table_heads(10000000) / 10000000;
	cr_assert_leq(at_scale, TCP_CONN_BYTES_MAX,
		      "%.1f B per connection at 10M", at_scale);
}

Test(memory, extension_only_while_out_of_order_data_is_held)
{
	struct tcp_cb *cb;
	unsigned int avail;

	avail = flow_slab_avail(&W->eng->exts);
	fx_established();
	cb = tcp_test_cb(W->conn);
	cr_assert_null(tcp_x(cb), "an idle connection has no extension");
	send(.flags = ACK, .seq = P_ISS + 1 + 100, .ack = W_ISS + 1, .len = 100);
	cr_assert_not_null(tcp_x(cb));
	cr_assert_eq(flow_slab_avail(&W->eng->exts), avail - 1);
	send(.flags = ACK, .seq = P_ISS + 1, .ack = W_ISS + 1, .len = 100);
	cr_assert(rx_is(P_ISS + 1, 200));
	cr_assert_null(tcp_x(cb), "given back once the hole filled");
	cr_assert_eq(flow_slab_avail(&W->eng->exts), avail);
}

Test(memory, ooo_data_dropped_and_counted_when_no_extension_is_free)
{
	struct tcp_cb *cb;
	void *objs[1024];
	unsigned int n, i;

	fx_established();
	cb = tcp_test_cb(W->conn);
	n = flow_slab_avail(&W->eng->exts);
	cr_assert_leq(n, RTE_DIM(objs));
	for (i = 0; i < n; i++)
		cr_assert_not_null(objs[i] = flow_slab_get(&W->eng->exts));
	send(.flags = ACK, .seq = P_ISS + 1 + 100, .ack = W_ISS + 1, .len = 100);
	cr_assert_null(tcp_x(cb));
	cr_assert_eq(stats().no_ext, 1);
	cr_assert_eq(stats().ooo_bytes_dropped, 100);
	for (i = 0; i < n; i++)
		flow_slab_put(&W->eng->exts, objs[i]);
}

/* The sending state is attached while something is unacknowledged and
 * given back once it all is, on both sides; blocks are reused last freed
 * first, so a connection that sends again and again touches one. */
Test(memory, sending_state_only_while_something_is_unacknowledged)
{
	struct flow_slab *snds = &W->eng->snds;
	struct tcp_cb *cb;
	unsigned int i;

	fx_established();
	cb = tcp_test_cb(W->conn);
	cr_assert_null(tcp_snd_held(cb), "an idle passive connection holds none");
	cr_assert_eq(flow_slab_avail(snds), snds->n);
	for (i = 0; i < 50; i++) {
		cr_assert_eq(app_send(100), 100);
		flush();
		cr_assert_not_null(tcp_snd_held(cb));
		cr_assert_eq(flow_slab_avail(snds), snds->n - 1);
		wire_drain();
		send(.flags = ACK, .seq = P_ISS + 1,
		     .ack = W_ISS + 1 + 100 * (i + 1));
		cr_assert_null(tcp_snd_held(cb), "given back once all was acked");
		cr_assert_eq(flow_slab_avail(snds), snds->n);
	}
	cr_assert_eq(stats().retransmits, 0);
	/* The SYN-ACK's RTT timing took the first one: that is all. */
	cr_assert_eq(snds->fresh, 1, "%u blocks touched", snds->fresh);
	/* Our FIN needs one until it is acked. */
	cr_assert_eq(shoal_shutdown(W->conn), 0);
	flush();
	cr_assert_not_null(tcp_snd_held(cb));
	wire_drain();
	send(.flags = ACK, .seq = P_ISS + 1, .ack = W_ISS + 1 + 5000 + 1);
	cr_assert_eq(conn_state(), SHOAL_TCP_FIN_WAIT_2);
	cr_assert_null(tcp_snd_held(cb));
}

Test(memory, active_opener_holds_no_sending_state_once_established)
{
	fx_established_active();
	cr_assert_null(tcp_snd_held(tcp_test_cb(W->conn)));
	cr_assert_eq(flow_slab_avail(&W->eng->snds), W->eng->snds.n);
}

/* CUBIC's state after a congestion event (W_max, its epoch) must outlive
 * an idle spell, so the sending state stays attached from then on. */
Test(memory, sending_state_kept_once_cubic_has_seen_a_loss)
{
	struct tcp_cb *cb;
	float w_max;
	int i;

	fx_established();
	cb = tcp_test_cb(W->conn);
	cr_assert_eq(app_send(10 * 1460), 10 * 1460);
	flush();
	wire_drain();
	for (i = 0; i < 3; i++)
		send(.flags = ACK, .seq = P_ISS + 1, .ack = W_ISS + 1);
	cr_assert_eq(stats().fast_retransmits, 1);
	wire_drain();
	send(.flags = ACK, .seq = P_ISS + 1, .ack = W_ISS + 1 + 10 * 1460);
	cr_assert(!(cb->tf & TF_RECOVERY));
	cr_assert_eq(cb->snd_una, cb->snd_max);
	cr_assert_not_null(tcp_snd_held(cb), "CUBIC's W_max would be lost");
	w_max = tcp_snd_held(cb)->cubic.w_max;
	cr_assert(w_max > 0);
	advance(10000);
	flush();
	cr_assert_not_null(tcp_snd_held(cb));
	cr_assert_eq(tcp_snd_held(cb)->cubic.w_max, w_max);
}

/* The byte counters are derived from the sequence space and a wrap count
 * (no 64-bit counters in the control block): placed 10 bytes before the
 * 4 GiB mark, they must pass it. */
Test(memory, byte_counters_pass_the_32_bit_wrap)
{
	struct shoal_conn_info ci;
	struct tcp_cb *cb;

	fx_established();
	cb = tcp_test_cb(W->conn);
	/* As if 2^32 - 10 bytes had gone each way already. */
	cb->irs = cb->rcv_nxt + 9;
	cb->iss = cb->sb_seq + 9;
	shoal_conn_info(W->conn, &ci);
	cr_assert_eq(ci.bytes_received, (1ULL << 32) - 10);
	cr_assert_eq(ci.bytes_acked, (1ULL << 32) - 10);

	send(.flags = ACK, .seq = P_ISS + 1, .ack = W_ISS + 1, .len = 100);
	app_send(300);
	flush();
	send(.flags = ACK, .seq = P_ISS + 1 + 100, .ack = W_ISS + 1 + 100);
	shoal_conn_info(W->conn, &ci);
	cr_assert_eq(ci.bytes_received, (1ULL << 32) + 90);
	cr_assert_eq(ci.bytes_acked, (1ULL << 32) + 90);
	cr_assert_eq(ci.bytes_sent, (1ULL << 32) + 290);

	/* the peer's FIN is not data */
	send(.flags = ACK | FIN, .seq = P_ISS + 1 + 100, .ack = W_ISS + 1 + 100);
	shoal_conn_info(W->conn, &ci);
	cr_assert_eq(ci.bytes_received, (1ULL << 32) + 90);
}

/* The zero-window probe's time is 32-bit ms, compared with the last time
 * the peer was heard modulo 2^32: with the clock past 2^31 ms (24.9 days)
 * the first probe must still go out as it does at any other time, even
 * with no retry allowed. */
Test(memory, first_persist_probe_with_the_clock_past_2_pow_31_ms)
{
	wire_fini();
	wire_init();
	W->now = 25ULL * 24 * 3600 * 1000 * MS;
	W->conf.max_retries = 0;
	wire_start();
	fx_syn_received();
	send(.flags = ACK, .seq = P_ISS + 1, .ack = W_ISS + 1, .win = 0);
	app_send(100);
	flush();
	advance(200);
	expect(.flags = ACK, .seq = W_ISS + 1, .ack = P_ISS + 1, .len = 1);
	cr_assert_eq(W->app.resets, 0);
}

/* The pending list is singly linked: a block dropped while on it (here
 * by shoal_abort right after shoal_send, no flush between) stays there
 * flagged until the entry ends, and must then be freed, not flushed. */
Test(memory, block_dropped_while_pending_is_freed_at_the_entry_end)
{
	fx_established();
	cr_assert_eq(app_send(100), 100);
	cr_assert(!tcp_list_empty(&W->eng->pending), "shoal_send left it pending");
	wire_drain();
	shoal_abort(W->conn);
	cr_assert(tcp_list_empty(&W->eng->pending));
	cr_assert_eq(W->eng->dead_pending, 0);
	cr_assert_eq(W->eng->cbs.avail, W->eng->cbs.n, "the block is free");
	expect(.flags = RST, .seq = W_ISS + 1);	/* the data never went */
	flush();
	expect_none();
}
