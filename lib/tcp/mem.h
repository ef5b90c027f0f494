/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef SHOAL_TCP_MEM_H
#define SHOAL_TCP_MEM_H

/*
 * Memory pressure: the engine's mbufs come from the pool its worker's RX
 * queues refill from. If what the engine holds (send buffers, reassembly
 * queues, segments on their way out) takes the last free mbuf, the RX
 * ring cannot be refilled, the ACKs that would free the send buffers are
 * never received, and the worker is stuck for good. So, like Linux's
 * tcp_mem and FreeBSD's sbspace under mbuf shortage, the engine keeps
 * conf.mbuf_reserve mbufs for receiving:
 * - below the reserve, it takes no memory it would hold (no new send
 *   buffer mbuf, no active open, no out-of-order data) and lets go of
 *   reassembly queues that SACK did not report;
 * - below half of it, no data segment goes out either (headers and
 *   indirect mbufs wait in TX rings; the retransmission timer retries),
 *   and SYNs to listeners are dropped (their peers retransmit).
 * Pure ACKs, RSTs and SYN(-ACK)s of existing connections always go: they
 * free memory at the peer, and cost one transient mbuf each.
 */

#include <rte_lcore.h>
#include <rte_mempool.h>

#include "tcp_impl.h"

/* Free mbufs of @p mp as this lcore sees them: the common store plus
 * this lcore's cache. Other lcores' caches are not counted (walking
 * RTE_MAX_LCORE caches per allocation costs too much): the estimate errs
 * low, on the side of the reserve. */
static inline unsigned int
tcp_pool_free(struct rte_mempool *mp)
{
	/* rte_mempool_ops_get_count() is internal to the library; its
	 * inline half (the ops table) is public. */
	unsigned int n = rte_mempool_get_ops(mp->ops_index)->get_count(mp);
	unsigned int lcore = rte_lcore_id();

	if (mp->cache_size != 0 && lcore < RTE_MAX_LCORE)
		n += rte_mempool_default_cache(mp, lcore)->len;
	return n;
}

/* Under pressure: hold no new memory. */
static inline bool
tcp_mem_pressure(const struct shoal_tcp *t)
{
	return t->conf.mbuf_reserve != 0 &&
	       tcp_pool_free(t->conf.pool) < t->conf.mbuf_reserve;
}

/* Deep under pressure: send no data segment either. */
static inline bool
tcp_mem_tight(const struct shoal_tcp *t)
{
	return t->conf.mbuf_reserve != 0 &&
	       tcp_pool_free(t->conf.pool) < t->conf.mbuf_reserve / 2;
}

#endif /* SHOAL_TCP_MEM_H */
