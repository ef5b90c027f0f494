/* SPDX-License-Identifier: BSD-3-Clause */
#include "net/net.h"
#include "net/neigh.h"
#include "net/net_priv.h"
#include "wire/ether.h"

/* Ethernet: ours or broadcast, ARP or IPv4; the rest is not for us. */
static void
eth_input(struct shoal_worker *w, struct shoal_iface *ifc, struct rte_mbuf *m)
{
	const struct rte_ether_hdr *eh = eth_hdr_view(m);
	uint16_t type;

	if (unlikely(eh == NULL)) {
		worker_drop(w, m, SHOAL_DROP_ETH_TRUNCATED);
		return;
	}
	if (unlikely(!rte_is_same_ether_addr(&eh->dst_addr, &ifc->mac) &&
		     !rte_is_broadcast_ether_addr(&eh->dst_addr))) {
		worker_drop(w, m, SHOAL_DROP_ETH_NOT_FOR_US);
		return;
	}
	type = eh->ether_type;
	rte_pktmbuf_adj(m, sizeof(*eh));
	m->l2_len = sizeof(*eh);
	if (likely(type == RTE_BE16(RTE_ETHER_TYPE_IPV4)))
		ipv4_input(w, ifc, m);
	else if (type == RTE_BE16(RTE_ETHER_TYPE_ARP))
		arp_input(w, ifc, m);
	else
		worker_drop(w, m, SHOAL_DROP_ETH_UNKNOWN_TYPE);
}

void
net_input(struct shoal_worker *w, struct rte_mbuf *m)
{
	struct shoal_iface *ifc = worker_iface(w, m->port);

	if (unlikely(ifc == NULL)) {
		/* A port the stack does not own: nothing can be for us. */
		worker_drop(w, m, SHOAL_DROP_ETH_NOT_FOR_US);
		return;
	}
	if (ifc->l3) {
		m->l2_len = 0;
		ipv4_input(w, ifc, m);
	} else {
		eth_input(w, ifc, m);
	}
}

void
net_tick(struct shoal_worker *w)
{
	neigh_timer(w);
}
