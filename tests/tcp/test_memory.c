/* SPDX-License-Identifier: BSD-3-Clause */
/* What an idle ESTABLISHED connection costs on one side: its control
 * block as the slab stores it (the 4-tuple table's node is inside), its
 * 4-tuple table chain head and its share of the extension pool (one per
 * 16 connections),
 * measured on pools and tables made as the engine makes them. Computed
 * from sizes, not timed. The breakdown is printed (run the test with
 * --verbose) for perf/README.md. */
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
	double cb, pool_hdr, pool_ring, table, ext, total;
};

static struct conn_cost
measure(uint32_t max_conns)
{
	struct conn_cost k = { 0 };
	struct flow_table ft;
	struct flow_slab slab;
	struct rte_mempool *mp;
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
	/* The extension pool, as the engine sizes it, shared out. */
	{
		struct shoal_tcp_conf c = { .max_conns = max_conns };
		uint32_t n = tcp_ext_pool_size(&c);

		mp = flow_cb_pool_create("memext", n,
					 sizeof(struct tcp_cb_ext),
					 SOCKET_ID_ANY);
		cr_assert(mp != NULL);
		k.ext = ((double)mp->elt_size + mp->header_size +
			 mp->trailer_size) * n / max_conns +
			(double)rte_ring_get_memsize(rte_align32pow2(n + 1)) /
			max_conns;
		rte_mempool_free(mp);
	}
	k.total = k.cb + k.pool_hdr + k.pool_ring + k.table + k.ext;
	printf("max_conns %u: sizeof(tcp_cb) %zu, slab block %.0f + "
	       "heap overhead %.1f, table heads %.1f, extension pool %.1f "
	       "(sizeof %zu): %.1f B/conn\n",
	       max_conns, sizeof(struct tcp_cb), k.cb, k.pool_ring,
	       k.table, k.ext, sizeof(struct tcp_cb_ext), k.total);
	return k;
}

Test(memory, idle_established_connection_cost)
{
	struct conn_cost k = measure(16384);

	/* 200000 (the EAL here has 256 MB): nothing may grow per
	 * connection with the count (power-of-two rounding, buckets). */
	cr_assert_leq(measure(200000).total, k.total + 1.0);

	cr_assert_geq(k.cb, sizeof(struct tcp_cb));
	/* The cold parts are not in the control block. */
	cr_assert_leq(sizeof(struct tcp_cb) + sizeof(struct tcp_cb_ext) / 2,
		      584u, "the extension must carry real weight");
	cr_assert_leq(k.total, TCP_CONN_BYTES_MAX, "%.1f B per connection",
		      k.total);
}

Test(memory, extension_only_while_out_of_order_data_is_held)
{
	struct tcp_cb *cb;
	unsigned int avail;

	avail = rte_mempool_avail_count(W->eng->extpool);
	fx_established();
	cb = tcp_test_cb(W->conn);
	cr_assert_null(cb->x, "an idle connection has no extension");
	send(.flags = ACK, .seq = P_ISS + 1 + 100, .ack = W_ISS + 1, .len = 100);
	cr_assert_not_null(cb->x);
	cr_assert_eq(rte_mempool_avail_count(W->eng->extpool), avail - 1);
	send(.flags = ACK, .seq = P_ISS + 1, .ack = W_ISS + 1, .len = 100);
	cr_assert(rx_is(P_ISS + 1, 200));
	cr_assert_null(cb->x, "given back once the hole filled");
	cr_assert_eq(rte_mempool_avail_count(W->eng->extpool), avail);
}

Test(memory, ooo_data_dropped_and_counted_when_no_extension_is_free)
{
	struct tcp_cb *cb;
	void *objs[1024];
	unsigned int n;

	fx_established();
	cb = tcp_test_cb(W->conn);
	n = rte_mempool_avail_count(W->eng->extpool);
	cr_assert_leq(n, RTE_DIM(objs));
	cr_assert_eq(rte_mempool_get_bulk(W->eng->extpool, objs, n), 0);
	send(.flags = ACK, .seq = P_ISS + 1 + 100, .ack = W_ISS + 1, .len = 100);
	cr_assert_null(cb->x);
	cr_assert_eq(stats().no_ext, 1);
	cr_assert_eq(stats().ooo_bytes_dropped, 100);
	rte_mempool_put_bulk(W->eng->extpool, objs, n);
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
