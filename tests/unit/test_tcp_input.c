/* SPDX-License-Identifier: BSD-3-Clause */
/* TCP hand-off: header checks, checksums (software and NIC), and what
 * net_tcp_input receives: exact endpoints, an mbuf holding exactly the
 * segment. */
#include <criterion/criterion.h>

#include "harness.h"
#include "net/net.h"

TestSuite(tcp_in, .init = h_setup, .fini = h_teardown);

#define IP 14
#define TH (14 + 20)

static uint8_t f[4096];

static void
expect_drop(struct rte_mbuf *m, enum shoal_drop reason)
{
	h_input(m);
	cr_assert_eq(h_drops(reason), 1, "want a %s drop",
		     shoal_drop_name(reason));
	cr_assert_eq(h_total_drops(), 1);
	cr_assert_eq(H.tcp_total, 0);
}

HTEST(tcp_in, delivered_with_exact_endpoints)
{
	uint32_t n = h_frame_tcp(f, H_PEER, H_LOCAL, 100);
	const struct shoal_endpoints *ep = &H.tcp_ep[0];

	h_input(h_mbuf(0, f, n));
	cr_assert_eq(H.tcp_total, 1);
	cr_assert_eq(ep->local.family, SHOAL_AF_INET);
	cr_assert_eq(ep->remote.family, SHOAL_AF_INET);
	cr_assert_eq(ep->local.v4, H_LOCAL);
	cr_assert_eq(ep->remote.v4, H_PEER);
	cr_assert_eq(ep->lport, RTE_BE16(80));
	cr_assert_eq(ep->rport, RTE_BE16(40000));
	cr_assert_eq(H.w->stats.tcp_rx_segments, 1);
}

HTEST(tcp_in, mbuf_starts_at_tcp_header)
{
	uint32_t n = h_frame_tcp(f, H_PEER, H_LOCAL, 100);
	struct rte_mbuf *m;

	h_input(h_mbuf(0, f, n));
	m = H.tcp[0];
	cr_assert_eq(rte_pktmbuf_pkt_len(m), 120);
	cr_assert_eq(m->l4_len, 20);
	cr_assert_arr_eq(rte_pktmbuf_mtod(m, uint8_t *), f + TH, 120);
}

HTEST(tcp_in, second_local_address_is_the_local_end)
{
	uint32_t n = h_frame_tcp(f, H_PEER, H_IP(198, 18, 0, 3), 1);

	h_input(h_mbuf(0, f, n));
	cr_assert_eq(H.tcp_ep[0].local.v4, H_IP(198, 18, 0, 3));
}

HTEST(tcp_in, options_stay_in_the_header)
{
	uint8_t l4[128];
	uint32_t n = h_tcp(l4, H_PEER, H_LOCAL, 7, 8, 12, 5);
	uint32_t e = h_eth(f, &h_mac, &h_peer_mac, RTE_ETHER_TYPE_IPV4);

	n = e + h_ipv4(f + e, H_PEER, H_LOCAL, IPPROTO_TCP, 0, l4, n);
	h_input(h_mbuf(0, f, n));
	cr_assert_eq(H.tcp_total, 1);
	cr_assert_eq(H.tcp[0]->l4_len, 32);
	cr_assert_eq(rte_pktmbuf_pkt_len(H.tcp[0]), 37);
	cr_assert_eq(H.tcp_ep[0].lport, RTE_BE16(8));
	cr_assert_eq(H.tcp_ep[0].rport, RTE_BE16(7));
}

HTEST(tcp_in, truncated_header)
{
	uint8_t l4[64];
	uint32_t n = h_tcp(l4, H_PEER, H_LOCAL, 7, 8, 0, 0);
	uint32_t e = h_eth(f, &h_mac, &h_peer_mac, RTE_ETHER_TYPE_IPV4);

	/* The IP packet carries only 19 bytes of TCP. */
	n = e + h_ipv4(f + e, H_PEER, H_LOCAL, IPPROTO_TCP, 0, l4, 19);
	expect_drop(h_mbuf(0, f, n), SHOAL_DROP_TCP_TRUNCATED);
}

HTEST(tcp_in, data_offset_below_five)
{
	uint32_t n = h_frame_tcp(f, H_PEER, H_LOCAL, 10);

	f[TH + 12] = 4 << 4;
	expect_drop(h_mbuf(0, f, n), SHOAL_DROP_TCP_BAD_OFFSET);
}

HTEST(tcp_in, data_offset_beyond_segment)
{
	uint32_t n = h_frame_tcp(f, H_PEER, H_LOCAL, 10);

	f[TH + 12] = 8 << 4;	/* 32 > 30 bytes of segment */
	expect_drop(h_mbuf(0, f, n), SHOAL_DROP_TCP_BAD_OFFSET);
}

HTEST(tcp_in, data_offset_reaching_into_padding)
{
	/* 22-byte segment padded to 60: a 24-byte header would read padding */
	uint32_t n = h_frame_tcp(f, H_PEER, H_LOCAL, 2);

	f[TH + 12] = 6 << 4;
	memset(f + n, 0, 60 - n);
	expect_drop(h_mbuf(0, f, 60), SHOAL_DROP_TCP_BAD_OFFSET);
}

HTEST(tcp_in, bad_checksum)
{
	uint32_t n = h_frame_tcp(f, H_PEER, H_LOCAL, 10);

	f[n - 1] ^= 0x10;
	expect_drop(h_mbuf(0, f, n), SHOAL_DROP_TCP_BAD_CSUM);
}

HTEST(tcp_in, checksum_covers_the_pseudo_header)
{
	/* Same segment, but the IP source differs from what was summed. */
	uint8_t l4[64];
	uint32_t n = h_tcp(l4, H_PEER, H_LOCAL, 7, 8, 0, 4);
	uint32_t e = h_eth(f, &h_mac, &h_peer_mac, RTE_ETHER_TYPE_IPV4);

	n = e + h_ipv4(f + e, H_IP(198, 18, 0, 21), H_LOCAL, IPPROTO_TCP, 0,
		       l4, n);
	expect_drop(h_mbuf(0, f, n), SHOAL_DROP_TCP_BAD_CSUM);
}

HTEST(tcp_in, nic_good_checksum_is_trusted)
{
	uint32_t n = h_frame_tcp(f, H_PEER, H_LOCAL, 10);
	struct rte_mbuf *m;

	H.ifaces[0].rx_l4_cksum = true;
	f[n - 1] ^= 0x10;
	m = h_mbuf(0, f, n);
	m->ol_flags |= RTE_MBUF_F_RX_L4_CKSUM_GOOD;
	h_input(m);
	cr_assert_eq(H.tcp_total, 1);
	cr_assert_eq(H.w->stats.rx_cksum_offloaded, 1);
}

HTEST(tcp_in, nic_bad_checksum_is_dropped)
{
	uint32_t n = h_frame_tcp(f, H_PEER, H_LOCAL, 10);
	struct rte_mbuf *m;

	H.ifaces[0].rx_l4_cksum = true;
	m = h_mbuf(0, f, n);
	m->ol_flags |= RTE_MBUF_F_RX_L4_CKSUM_BAD;
	expect_drop(m, SHOAL_DROP_TCP_BAD_CSUM);
}

HTEST(tcp_in, l4_flags_ignored_without_offload)
{
	uint32_t n = h_frame_tcp(f, H_PEER, H_LOCAL, 10);
	struct rte_mbuf *m;

	f[n - 1] ^= 0x10;
	m = h_mbuf(0, f, n);
	m->ol_flags |= RTE_MBUF_F_RX_L4_CKSUM_GOOD;
	expect_drop(m, SHOAL_DROP_TCP_BAD_CSUM);
}

HTEST(tcp_in, multi_segment_checked_in_software)
{
	uint32_t n = h_frame_tcp(f, H_PEER, H_LOCAL, 1401);
	uint16_t segs[5] = { 61, 333, 1, 555 };
	uint8_t got[2048];

	h_input(h_chain(0, f, n, segs, 5));
	cr_assert_eq(H.tcp_total, 1);
	cr_assert_eq(rte_pktmbuf_pkt_len(H.tcp[0]), 1421);
	cr_assert_eq(h_flat(H.tcp[0], got), 1421);
	cr_assert_arr_eq(got, f + TH, 1421);

	/* One flipped byte deep in the chain is caught. */
	f[n - 700] ^= 1;
	h_input(h_chain(0, f, n, segs, 5));
	cr_assert_eq(h_drops(SHOAL_DROP_TCP_BAD_CSUM), 1);
}

HTEST(tcp_in, header_split_across_segments_dropped)
{
	uint32_t n = h_frame_tcp(f, H_PEER, H_LOCAL, 50);
	uint16_t segs[2] = { TH + 10 };

	expect_drop(h_chain(0, f, n, segs, 2), SHOAL_DROP_TCP_TRUNCATED);
}

HTEST(tcp_in, padding_spanning_segments_trimmed)
{
	uint32_t n = h_frame_tcp(f, H_PEER, H_LOCAL, 5);
	uint16_t segs[3] = { n - 2, 3 };	/* then the rest: padding */
	struct rte_mbuf *m;

	memset(f + n, 0xee, 40);
	m = h_chain(0, f, n + 40, segs, 3);
	cr_assert_eq(m->nb_segs, 3);
	h_input(m);
	cr_assert_eq(H.tcp_total, 1);
	m = H.tcp[0];
	cr_assert_eq(rte_pktmbuf_pkt_len(m), 25);
	cr_assert_eq(m->nb_segs, 2);
	cr_assert_eq(m->next->data_len, 2);
	cr_assert_null(m->next->next);
}

HTEST(tcp_in, over_tun)
{
	uint32_t n = h_frame_tcp(f, H_TUN_PEER, H_TUN_LOCAL, 9);

	h_input(h_mbuf(1, f + IP, n - IP));
	cr_assert_eq(H.tcp_total, 1);
	cr_assert_eq(H.tcp_ep[0].remote.v4, H_TUN_PEER);
	cr_assert_eq(rte_pktmbuf_pkt_len(H.tcp[0]), 29);
}
