/* SPDX-License-Identifier: BSD-3-Clause */
#include <errno.h>

#include "net/net.h"
#include "net/neigh.h"
#include "net/net_priv.h"
#include "wire/arp.h"
#include "wire/ether.h"

static const struct rte_ether_addr eth_bcast = {
	.addr_bytes = { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff },
};

/* A new frame: Ethernet header and ARP packet, nothing else. */
static struct rte_mbuf *
arp_frame(struct shoal_worker *w, struct shoal_iface *ifc,
	  const struct rte_ether_addr *dst, uint16_t op,
	  rte_be32_t sip, const struct rte_ether_addr *tha, rte_be32_t tip)
{
	struct rte_mbuf *m = rte_pktmbuf_alloc(w->pool);
	struct rte_ether_hdr *eh;

	if (unlikely(m == NULL)) {
		w->stats.arp_tx_failed++;
		return NULL;
	}
	eh = (struct rte_ether_hdr *)rte_pktmbuf_append(m, ARP_FRAME_LEN);
	eth_hdr_fill(eh, dst, &ifc->mac, RTE_ETHER_TYPE_ARP);
	arp_hdr_fill((struct rte_arp_hdr *)(eh + 1), op, &ifc->mac, sip, tha,
		     tip);
	m->port = ifc->port_id;
	return m;
}

int
arp_request(struct shoal_worker *w, struct shoal_iface *ifc, rte_be32_t tip)
{
	struct rte_mbuf *m = arp_frame(w, ifc, &eth_bcast, RTE_ARP_OP_REQUEST,
				       ifc->ip, NULL, tip);

	if (m == NULL)
		return -ENOMEM;
	w->stats.arp_tx_requests++;
	worker_tx(w, ifc, m);
	return 0;
}

void
arp_announce(struct shoal_worker *w, struct shoal_iface *ifc)
{
	uint32_t n = RTE_MIN(ifc->ip_count, (uint32_t)NET_ANNOUNCE_MAX);

	if (ifc->l3)
		return;
	/* RFC 5227 section 2.3: an announcement is a request whose sender
	 * and target address are both the address announced. */
	for (uint32_t i = 0; i < n; i++) {
		rte_be32_t a = rte_cpu_to_be_32(rte_be_to_cpu_32(ifc->ip) + i);
		struct rte_mbuf *m = arp_frame(w, ifc, &eth_bcast,
					       RTE_ARP_OP_REQUEST, a, NULL, a);

		if (m == NULL)
			return;
		w->stats.arp_tx_gratuitous++;
		worker_tx(w, ifc, m);
	}
}

/* Turn request @p m (at the ARP header, Ethernet stripped) into the reply
 * in place and send it back to the asker. */
static void
arp_reply(struct shoal_worker *w, struct shoal_iface *ifc, struct rte_mbuf *m,
	  struct rte_arp_hdr *ah)
{
	struct rte_ether_addr asker = ah->arp_data.arp_sha;
	rte_be32_t tip = ah->arp_data.arp_tip;
	struct rte_ether_hdr *eh;

	ah->arp_opcode = RTE_BE16(RTE_ARP_OP_REPLY);
	ah->arp_data.arp_tha = asker;
	ah->arp_data.arp_tip = ah->arp_data.arp_sip;
	ah->arp_data.arp_sha = ifc->mac;
	ah->arp_data.arp_sip = tip;
	/* The request's link padding has no place in the reply. */
	pkt_truncate(m, sizeof(*ah));
	eh = (struct rte_ether_hdr *)rte_pktmbuf_prepend(m, sizeof(*eh));
	eth_hdr_fill(eh, &asker, &ifc->mac, RTE_ETHER_TYPE_ARP);
	m->ol_flags = 0;
	w->stats.arp_tx_replies++;
	worker_tx(w, ifc, m);
}

/*
 * End of an ARP frame that is not answered. With several workers, one owns
 * ARP (the others have w->arp_learn_only) and hands the others copies of what it receives so
 * that every neighbour table learns; a copy is neither answered nor
 * counted as a drop, or each drop would count once per worker.
 */
static void
arp_discard(struct shoal_worker *w, struct rte_mbuf *m, enum shoal_drop reason)
{
	if (likely(!w->arp_learn_only)) {
		worker_drop(w, m, reason);
		return;
	}
	w->stats.arp_rx_shared++;
	rte_pktmbuf_free(m);
}

void
arp_input(struct shoal_worker *w, struct shoal_iface *ifc, struct rte_mbuf *m)
{
	struct rte_arp_hdr *ah = arp_hdr_view(m, 0);
	rte_be32_t sip, tip;
	bool merged = false;

	if (unlikely(ah == NULL)) {
		arp_discard(w, m, SHOAL_DROP_ARP_TRUNCATED);
		return;
	}
	if (unlikely(!arp_hdr_ok(ah) ||
		     !rte_is_unicast_ether_addr(&ah->arp_data.arp_sha) ||
		     rte_is_zero_ether_addr(&ah->arp_data.arp_sha))) {
		arp_discard(w, m, SHOAL_DROP_ARP_BAD_FORMAT);
		return;
	}
	sip = ah->arp_data.arp_sip;
	tip = ah->arp_data.arp_tip;

	/* RFC 826 "packet reception": update the sender if known... An
	 * all-zero sender (an RFC 5227 probe) claims no address. */
	if (sip != 0 && !iface_is_local(ifc, sip))
		merged = neigh_update(w, ifc, sip, &ah->arp_data.arp_sha,
				      false);
	if (!iface_is_local(ifc, tip)) {
		arp_discard(w, m, SHOAL_DROP_ARP_NOT_FOR_US);
		return;
	}
	/* ...and, being the target, add it if it was not. */
	if (sip != 0 && !merged && !iface_is_local(ifc, sip))
		neigh_update(w, ifc, sip, &ah->arp_data.arp_sha, true);

	if (unlikely(w->arp_learn_only)) {
		w->stats.arp_rx_shared++;
		rte_pktmbuf_free(m);
		return;
	}
	if (ah->arp_opcode == RTE_BE16(RTE_ARP_OP_REQUEST)) {
		w->stats.arp_rx_requests++;
		arp_reply(w, ifc, m, ah);
		return;
	}
	w->stats.arp_rx_replies++;
	rte_pktmbuf_free(m);
}
