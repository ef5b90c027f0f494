/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef SHOAL_WIRE_ARP_H
#define SHOAL_WIRE_ARP_H

/**
 * @file
 * ARP (RFC 826) for IPv4 over Ethernet: view, validation and builder over
 * rte_arp.h.
 */

#include <stdbool.h>
#include <rte_arp.h>
#include <rte_ether.h>
#include <rte_mbuf.h>

/** Size of an Ethernet frame carrying ARP, before the link's padding. */
#define ARP_FRAME_LEN (sizeof(struct rte_ether_hdr) + sizeof(struct rte_arp_hdr))

/**
 * The ARP header at offset @p off of @p m, or NULL when the first segment
 * does not hold all 28 bytes of it.
 */
static inline struct rte_arp_hdr *
arp_hdr_view(struct rte_mbuf *m, uint32_t off)
{
	if (unlikely(rte_pktmbuf_data_len(m) < off + sizeof(struct rte_arp_hdr)))
		return NULL;
	return rte_pktmbuf_mtod_offset(m, struct rte_arp_hdr *, off);
}

/**
 * True when @p ah is IPv4 over Ethernet (the only pairing shoal speaks)
 * with a request or reply opcode.
 */
static inline bool
arp_hdr_ok(const struct rte_arp_hdr *ah)
{
	return ah->arp_hardware == RTE_BE16(RTE_ARP_HRD_ETHER) &&
	       ah->arp_protocol == RTE_BE16(RTE_ETHER_TYPE_IPV4) &&
	       ah->arp_hlen == RTE_ETHER_ADDR_LEN &&
	       ah->arp_plen == sizeof(rte_be32_t) &&
	       (ah->arp_opcode == RTE_BE16(RTE_ARP_OP_REQUEST) ||
		ah->arp_opcode == RTE_BE16(RTE_ARP_OP_REPLY));
}

/**
 * Fill @p ah as an IPv4-over-Ethernet ARP packet: operation @p op (host
 * order), sender @p sha / @p sip, target @p tha / @p tip. A NULL @p tha
 * writes the zero address, as requests carry.
 */
static inline void
arp_hdr_fill(struct rte_arp_hdr *ah, uint16_t op,
	     const struct rte_ether_addr *sha, rte_be32_t sip,
	     const struct rte_ether_addr *tha, rte_be32_t tip)
{
	ah->arp_hardware = RTE_BE16(RTE_ARP_HRD_ETHER);
	ah->arp_protocol = RTE_BE16(RTE_ETHER_TYPE_IPV4);
	ah->arp_hlen = RTE_ETHER_ADDR_LEN;
	ah->arp_plen = sizeof(rte_be32_t);
	ah->arp_opcode = rte_cpu_to_be_16(op);
	rte_ether_addr_copy(sha, &ah->arp_data.arp_sha);
	ah->arp_data.arp_sip = sip;
	if (tha != NULL)
		rte_ether_addr_copy(tha, &ah->arp_data.arp_tha);
	else
		memset(&ah->arp_data.arp_tha, 0, RTE_ETHER_ADDR_LEN);
	ah->arp_data.arp_tip = tip;
}

#endif /* SHOAL_WIRE_ARP_H */
