/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef SHOAL_WIRE_ETHER_H
#define SHOAL_WIRE_ETHER_H

/**
 * @file
 * Ethernet header view and builder over rte_ether.h.
 */

#include <stdbool.h>
#include <rte_ether.h>
#include <rte_mbuf.h>

/**
 * The Ethernet header of @p m, or NULL when the first segment is shorter
 * than one (a header view is only handed out once its length was checked).
 */
static inline struct rte_ether_hdr *
eth_hdr_view(struct rte_mbuf *m)
{
	if (unlikely(rte_pktmbuf_data_len(m) < sizeof(struct rte_ether_hdr)))
		return NULL;
	return rte_pktmbuf_mtod(m, struct rte_ether_hdr *);
}

/** Fill @p eh: to @p dst from @p src, carrying @p type (host order). */
static inline void
eth_hdr_fill(struct rte_ether_hdr *eh, const struct rte_ether_addr *dst,
	     const struct rte_ether_addr *src, uint16_t type)
{
	rte_ether_addr_copy(dst, &eh->dst_addr);
	rte_ether_addr_copy(src, &eh->src_addr);
	eh->ether_type = rte_cpu_to_be_16(type);
}

/**
 * Prepend an Ethernet header to @p m. Returns the header, or NULL when the
 * first segment has no room for it (m is then unchanged).
 */
static inline struct rte_ether_hdr *
eth_hdr_push(struct rte_mbuf *m, const struct rte_ether_addr *dst,
	     const struct rte_ether_addr *src, uint16_t type)
{
	struct rte_ether_hdr *eh = (struct rte_ether_hdr *)
		rte_pktmbuf_prepend(m, sizeof(*eh));

	if (unlikely(eh == NULL))
		return NULL;
	eth_hdr_fill(eh, dst, src, type);
	return eh;
}

#endif /* SHOAL_WIRE_ETHER_H */
