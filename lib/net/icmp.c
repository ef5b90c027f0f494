/* SPDX-License-Identifier: BSD-3-Clause */
#include <netinet/in.h>

#include "net/net.h"
#include "net/net_priv.h"
#include "wire/cksum.h"
#include "wire/icmp.h"
#include "wire/ipv4.h"

/*
 * Echo request -> echo reply (RFC 792, RFC 1122 section 3.2.2.6), reusing
 * the request's mbuf: the ICMP message stays where it is, only its type
 * and checksum change, and ipv4_output puts fresh headers into the space
 * the old ones leave. The reply is routed like any packet (it may go
 * through the gateway), from the address that was pinged.
 */
void
icmp_input(struct shoal_worker *w, struct shoal_iface *ifc,
	   struct rte_mbuf *m, struct rte_ipv4_hdr *ip)
{
	uint32_t hlen = ipv4_hdr_len(ip);
	uint32_t len = rte_pktmbuf_pkt_len(m) - hlen;
	struct rte_icmp_hdr *ic = icmp_hdr_view(m, hlen);
	rte_be32_t src = ip->dst_addr, dst = ip->src_addr;
	uint16_t old;

	if (unlikely(len < ICMP_ECHO_HDR_LEN || ic == NULL)) {
		worker_drop(w, m, SHOAL_DROP_ICMP_TRUNCATED);
		return;
	}
	if (unlikely(cksum_mbuf(m, hlen, len) != 0)) {
		worker_drop(w, m, SHOAL_DROP_ICMP_BAD_CSUM);
		return;
	}
	if (ic->icmp_type != RTE_IP_ICMP_ECHO_REQUEST) {
		worker_drop(w, m, SHOAL_DROP_ICMP_UNHANDLED_TYPE);
		return;
	}
	w->stats.icmp_echo_requests++;

	/* Type 8 -> 0 in the first 16-bit word: adjust, don't recompute. */
	memcpy(&old, ic, sizeof(old));
	ic->icmp_type = RTE_IP_ICMP_ECHO_REPLY;
	ic->icmp_code = 0;
	ic->icmp_cksum = cksum_adjust16(ic->icmp_cksum, old,
					*(const unaligned_uint16_t *)ic);
	rte_pktmbuf_adj(m, (uint16_t)hlen);
	m->ol_flags = 0;
	m->l4_len = 0;
	if (ipv4_output(w, m, src, dst, IPPROTO_ICMP) == 0)
		w->stats.icmp_echo_replies++;
}
