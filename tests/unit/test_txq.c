/* SPDX-License-Identifier: BSD-3-Clause */
/* The worker's TX queue against a ring that takes only some of what it
 * is offered: what it refuses waits in the backlog and leaves first, in
 * order; only a full backlog drops (drop.tx_full). */
#include <criterion/criterion.h>

#include "harness.h"

TestSuite(txq, .init = h_setup, .fini = h_teardown);

#define N_MAX 4096

static struct rte_mempool *pool;
static uint16_t budget;		/* packets the ring takes per call */
static uint32_t got[N_MAX], ngot;

static uint16_t
ring_hook(void *ctx, uint16_t worker, struct rte_mbuf **pkts, uint16_t n)
{
	uint16_t take = RTE_MIN(n, budget);

	(void)ctx;
	(void)worker;
	for (uint16_t i = 0; i < take; i++) {
		got[ngot++] = *rte_pktmbuf_mtod(pkts[i], uint32_t *);
		rte_pktmbuf_free(pkts[i]);
	}
	return take;
}

static void
setup_ring(void)
{
	static unsigned int seq;
	char name[32];

	snprintf(name, sizeof(name), "txq%u", seq++);
	pool = rte_pktmbuf_pool_create(name, N_MAX, 0, 0,
				       RTE_MBUF_DEFAULT_BUF_SIZE, SOCKET_ID_ANY);
	cr_assert_not_null(pool);
	H.w->tx_hook = ring_hook;
	ngot = 0;
}

static void
tx(uint32_t first, uint32_t n)
{
	for (uint32_t i = first; i < first + n; i++) {
		struct rte_mbuf *m = rte_pktmbuf_alloc(pool);

		cr_assert_not_null(m);
		*(uint32_t *)rte_pktmbuf_append(m, 4) = i;
		worker_tx(H.w, &H.ifaces[0], m);
	}
}

static void
finish_ring(void)
{
	budget = UINT16_MAX;
	worker_tx_flush(H.w);
	cr_assert_eq(rte_mempool_avail_count(pool), N_MAX, "mbufs held");
	rte_mempool_free(pool);
	H.w->tx_hook = NULL;
}

HTEST(txq, a_ring_that_takes_little_delays_nothing_reorders_nothing)
{
	setup_ring();
	budget = 10;
	tx(0, 1000);		/* refused ones pile up in the backlog */
	for (int i = 0; i < 200; i++) {
		tx(1000 + (uint32_t)i, 1);	/* newer ones wait behind */
		worker_tx_flush(H.w);
	}
	budget = UINT16_MAX;
	worker_tx_flush(H.w);
	cr_assert_eq(ngot, 1200, "got %u, drops %lu, tx %lu", ngot, (unsigned long)H.w->stats.drops[SHOAL_DROP_TX_FULL], (unsigned long)H.w->stats.tx_packets);
	for (uint32_t i = 0; i < ngot; i++)
		cr_assert_eq(got[i], i, "position %u: %u", i, got[i]);
	cr_assert_eq(H.w->stats.drops[SHOAL_DROP_TX_FULL], 0);
	cr_assert_eq(H.w->stats.tx_packets, 1200);
	finish_ring();
}

HTEST(txq, only_a_full_backlog_drops)
{
	setup_ring();
	budget = 0;		/* the ring takes nothing */
	tx(0, SHOAL_TX_BACKLOG);	/* 16 bursts: all held */
	cr_assert_eq(H.w->stats.drops[SHOAL_DROP_TX_FULL], 0);
	/* the burst buffer empties into the backlog when it fills: with
	 * the backlog full, the whole newest burst is lost */
	tx(SHOAL_TX_BACKLOG, 2 * SHOAL_TX_BURST);
	cr_assert_eq(H.w->stats.drops[SHOAL_DROP_TX_FULL],
		     2 * SHOAL_TX_BURST);
	budget = UINT16_MAX;
	worker_tx_flush(H.w);
	cr_assert_eq(ngot, SHOAL_TX_BACKLOG);
	for (uint32_t i = 0; i < ngot; i++)
		cr_assert_eq(got[i], i);
	finish_ring();
}
