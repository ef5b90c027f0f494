/* SPDX-License-Identifier: BSD-3-Clause */
/* lib/wire views and builders, and lib/net's chain truncation. */
#include <criterion/criterion.h>

#include "harness.h"
#include "net/net_priv.h"
#include "wire/arp.h"
#include "wire/ether.h"
#include "wire/icmp.h"
#include "wire/ipv4.h"
#include "wire/tcp.h"

TestSuite(wire, .init = h_setup, .fini = h_teardown);

HTEST(wire, bad_sources)
{
	cr_assert(ipv4_bad_src(H_IP(0, 0, 0, 0)));
	cr_assert(ipv4_bad_src(H_IP(0, 1, 2, 3)));
	cr_assert(ipv4_bad_src(H_IP(127, 0, 0, 1)));
	cr_assert(ipv4_bad_src(H_IP(224, 0, 0, 1)));
	cr_assert(ipv4_bad_src(H_IP(239, 255, 255, 255)));
	cr_assert(ipv4_bad_src(H_IP(255, 255, 255, 255)));
	cr_assert(!ipv4_bad_src(H_IP(198, 18, 0, 1)));
	cr_assert(!ipv4_bad_src(H_IP(1, 0, 0, 0)));
	cr_assert(!ipv4_bad_src(H_IP(223, 255, 255, 255)));
}

HTEST(wire, address_range_in_host_order)
{
	/* 198.18.0.254 + 4 crosses a byte boundary in host order. */
	rte_be32_t first = H_IP(198, 18, 0, 254);

	cr_assert(ipv4_in_range(H_IP(198, 18, 0, 254), first, 4));
	cr_assert(ipv4_in_range(H_IP(198, 18, 1, 1), first, 4));
	cr_assert(!ipv4_in_range(H_IP(198, 18, 1, 2), first, 4));
	cr_assert(!ipv4_in_range(H_IP(198, 18, 0, 253), first, 4));
	cr_assert(!ipv4_in_range(first, first, 0));
}

HTEST(wire, fragment_bits)
{
	struct rte_ipv4_hdr ip = { 0 };

	ip.fragment_offset = RTE_BE16(RTE_IPV4_HDR_DF_FLAG);
	cr_assert(!ipv4_is_fragment(&ip));
	ip.fragment_offset = RTE_BE16(RTE_IPV4_HDR_MF_FLAG);
	cr_assert(ipv4_is_fragment(&ip));
	ip.fragment_offset = RTE_BE16(1);
	cr_assert(ipv4_is_fragment(&ip));
	ip.fragment_offset = RTE_BE16(RTE_IPV4_HDR_DF_FLAG | 0x1000);
	cr_assert(ipv4_is_fragment(&ip));
}

HTEST(wire, ipv4_fill_is_a_valid_header)
{
	struct rte_ipv4_hdr ip;

	ipv4_hdr_fill(&ip, H_LOCAL, H_PEER, IPPROTO_TCP, 1000, 0x1234, true);
	ip.hdr_checksum = rte_ipv4_cksum(&ip);
	cr_assert_eq(h_ref_cksum((uint8_t *)&ip, 20, 0), 0);
	cr_assert_eq(ipv4_version(&ip), 4);
	cr_assert_eq(ipv4_hdr_len(&ip), 20);
	cr_assert_eq(rte_be_to_cpu_16(ip.total_length), 1020);
	cr_assert_eq(rte_be_to_cpu_16(ip.packet_id), 0x1234);
	cr_assert_eq(ip.fragment_offset, RTE_BE16(RTE_IPV4_HDR_DF_FLAG));
	cr_assert_eq(ip.time_to_live, IPV4_DEFAULT_TTL);
}

HTEST(wire, views_refuse_short_data)
{
	uint8_t b[64] = { 0 };
	struct rte_mbuf *m = h_mbuf(0, b, 33);

	cr_assert_not_null(eth_hdr_view(m));
	cr_assert_not_null(ipv4_hdr_view(m, 13));
	cr_assert_null(ipv4_hdr_view(m, 14));
	cr_assert_not_null(tcp_hdr_view(m, 13));
	cr_assert_null(tcp_hdr_view(m, 14));
	cr_assert_not_null(icmp_hdr_view(m, 25));
	cr_assert_null(icmp_hdr_view(m, 26));
	cr_assert_not_null(arp_hdr_view(m, 5));
	cr_assert_null(arp_hdr_view(m, 6));
	rte_pktmbuf_trim(m, 20);
	cr_assert_null(eth_hdr_view(m));
	rte_pktmbuf_free(m);
}

HTEST(wire, tcp_header_length)
{
	struct rte_tcp_hdr th = { .data_off = 0xf0 };

	cr_assert_eq(tcp_hdr_len(&th), 60);
	th.data_off = 0x50;
	cr_assert_eq(tcp_hdr_len(&th), 20);
}

HTEST(wire, arp_fill_and_check)
{
	struct rte_arp_hdr ah;

	arp_hdr_fill(&ah, RTE_ARP_OP_REQUEST, &h_mac, H_LOCAL, NULL, H_PEER);
	cr_assert(arp_hdr_ok(&ah));
	cr_assert(rte_is_zero_ether_addr(&ah.arp_data.arp_tha));
	cr_assert_eq(ah.arp_data.arp_tip, H_PEER);
	ah.arp_opcode = RTE_BE16(4);
	cr_assert(!arp_hdr_ok(&ah));
}

HTEST(wire, eth_push_needs_headroom)
{
	struct rte_mbuf *m = rte_pktmbuf_alloc(H.pool);
	struct rte_ether_hdr *eh;

	m->data_off = 13;
	cr_assert_null(eth_hdr_push(m, &h_peer_mac, &h_mac, 0x0800));
	cr_assert_eq(m->data_off, 13);
	m->data_off = 14;
	eh = eth_hdr_push(m, &h_peer_mac, &h_mac, 0x0800);
	cr_assert_not_null(eh);
	cr_assert_eq(eh->ether_type, RTE_BE16(0x0800));
	cr_assert(rte_is_same_ether_addr(&eh->dst_addr, &h_peer_mac));
	rte_pktmbuf_free(m);
}

HTEST(wire, truncate_chain)
{
	uint8_t b[100];
	uint16_t segs[4] = { 10, 10, 10 };
	struct rte_mbuf *m;

	for (int i = 0; i < 100; i++)
		b[i] = i;
	m = h_chain(0, b, 100, segs, 4);
	pkt_truncate(m, 25);
	cr_assert_eq(m->pkt_len, 25);
	cr_assert_eq(m->nb_segs, 3);
	cr_assert_eq(m->next->next->data_len, 5);
	cr_assert_null(m->next->next->next);
	pkt_truncate(m, 20);
	cr_assert_eq(m->nb_segs, 2);
	cr_assert_eq(m->pkt_len, 20);
	pkt_truncate(m, 20);
	cr_assert_eq(m->nb_segs, 2);
	pkt_truncate(m, 3);
	cr_assert_eq(m->nb_segs, 1);
	cr_assert_eq(m->data_len, 3);
	rte_pktmbuf_free(m);
}
