/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef SHOAL_NET_PRIV_H
#define SHOAL_NET_PRIV_H

/* Internal entry points between lib/net's files. */

#include <rte_ether.h>
#include <rte_ip.h>
#include <rte_mbuf.h>

#include "stack/worker.h"

/* ARP packet @p m, Ethernet header already stripped. */
void arp_input(struct shoal_worker *w, struct shoal_iface *ifc,
	       struct rte_mbuf *m);

/* Broadcast an ARP request for @p tip on @p ifc. Returns 0 or -ENOMEM. */
int arp_request(struct shoal_worker *w, struct shoal_iface *ifc,
		rte_be32_t tip);

/* IPv4 packet @p m, link header stripped. */
void ipv4_input(struct shoal_worker *w, struct shoal_iface *ifc,
		struct rte_mbuf *m);

/* ICMP in valid, trimmed IPv4 packet @p m (still at the IP header). */
void icmp_input(struct shoal_worker *w, struct shoal_iface *ifc,
		struct rte_mbuf *m, struct rte_ipv4_hdr *ip);

/* True when @p a is one of @p ifc's local addresses. */
static inline bool
iface_is_local(const struct shoal_iface *ifc, rte_be32_t a)
{
	return rte_be_to_cpu_32(a) - rte_be_to_cpu_32(ifc->ip) < ifc->ip_count;
}

/*
 * Cut chain @p m down to @p len bytes (len <= pkt_len), freeing segments
 * that fall entirely beyond it. rte_pktmbuf_trim only trims the last
 * segment; link padding may cover more than that in a chain.
 */
static inline void
pkt_truncate(struct rte_mbuf *m, uint32_t len)
{
	struct rte_mbuf *seg = m, *rest;
	uint32_t left = len;

	if (likely(rte_pktmbuf_pkt_len(m) == len))
		return;
	while (seg->data_len < left) {
		left -= seg->data_len;
		seg = seg->next;
	}
	seg->data_len = (uint16_t)left;
	rest = seg->next;
	seg->next = NULL;
	if (rest != NULL) {
		uint16_t n = 0;

		for (struct rte_mbuf *s = m; s != NULL; s = s->next)
			n++;
		m->nb_segs = n;
		rte_pktmbuf_free(rest);
	}
	m->pkt_len = len;
}

#endif /* SHOAL_NET_PRIV_H */
