/* SPDX-License-Identifier: BSD-3-Clause */
/* ICMP echo: the reply byte for byte, odd lengths, chains, routing of the
 * reply, and the drops. */
#include <criterion/criterion.h>

#include "harness.h"
#include "net/neigh.h"
#include "net/net.h"

TestSuite(icmp, .init = h_setup, .fini = h_teardown);

#define IP 14
#define IC (14 + 20)

static uint8_t f[4096], got[4096];

static uint16_t
get16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

/* Check reply frame @p i (Ethernet) against request @p req (a frame of
 * @p n bytes, Ethernet header included), from @p src to @p dst. */
static void
check_reply(unsigned int i, const uint8_t *req, uint32_t n,
	    const struct rte_ether_addr *dmac, rte_be32_t src, rte_be32_t dst)
{
	uint32_t len, icmp_len = n - IC;

	cr_assert_lt(i, H.tx_n);
	len = h_flat(H.tx[i], got);
	cr_assert_eq(len, n, "reply is %u bytes, request %u", len, n);
	cr_assert_arr_eq(got, dmac, 6);
	cr_assert_arr_eq(got + 6, &h_mac, 6);
	cr_assert_eq(get16(got + 12), RTE_ETHER_TYPE_IPV4);
	/* IPv4 */
	cr_assert_eq(got[IP], 0x45);
	cr_assert_eq(get16(got + IP + 2), 20 + icmp_len);
	cr_assert_eq(got[IP + 8], 64);
	cr_assert_eq(got[IP + 9], IPPROTO_ICMP);
	cr_assert_eq(get16(got + IP + 6), 0, "no DF on ICMP");
	cr_assert_arr_eq(got + IP + 12, &src, 4);
	cr_assert_arr_eq(got + IP + 16, &dst, 4);
	cr_assert_eq(h_ref_cksum(got + IP, 20, 0), 0, "IP checksum");
	/* ICMP: type 0, same id, seq and data, valid checksum */
	cr_assert_eq(got[IC], 0);
	cr_assert_eq(got[IC + 1], 0);
	cr_assert_arr_eq(got + IC + 4, req + IC + 4, icmp_len - 4);
	cr_assert_eq(h_ref_cksum(got + IC, icmp_len, 0), 0, "ICMP checksum");
}

HTEST(icmp, echo_reply_exact)
{
	uint32_t n = h_frame_icmp(f, H_PEER, H_LOCAL, 56);

	h_neigh_learn(H_PEER, &h_peer_mac);
	h_input(h_mbuf(0, f, n));
	cr_assert_eq(H.tx_n, 1);
	check_reply(0, f, n, &h_peer_mac, H_LOCAL, H_PEER);
	cr_assert_eq(get16(got + IC + 4), 0xbeef);
	cr_assert_eq(get16(got + IC + 6), 7);
	cr_assert_eq(H.w->stats.icmp_echo_requests, 1);
	cr_assert_eq(H.w->stats.icmp_echo_replies, 1);
	cr_assert_eq(h_total_drops(), 0);
}

HTEST(icmp, odd_and_even_lengths)
{
	static const uint32_t lens[] = { 0, 1, 2, 3, 7, 63, 64, 65, 999, 1472 };

	h_neigh_learn(H_PEER, &h_peer_mac);
	for (unsigned int i = 0; i < RTE_DIM(lens); i++) {
		uint32_t n = h_frame_icmp(f, H_PEER, H_LOCAL, lens[i]);

		if (n < 60)		/* the link pads short frames */
			memset(f + n, 0x5a, 60 - n);
		h_input(h_mbuf(0, f, RTE_MAX(n, 60u)));
		check_reply(i, f, n, &h_peer_mac, H_LOCAL, H_PEER);
	}
}

HTEST(icmp, multi_segment_request)
{
	uint32_t n = h_frame_icmp(f, H_PEER, H_LOCAL, 1001);
	uint16_t segs[4] = { 43, 1, 300 };

	h_neigh_learn(H_PEER, &h_peer_mac);
	h_input(h_chain(0, f, n, segs, 4));
	check_reply(0, f, n, &h_peer_mac, H_LOCAL, H_PEER);
}

HTEST(icmp, reply_in_place_allocates_nothing)
{
	uint32_t n = h_frame_icmp(f, H_PEER, H_LOCAL, 100);
	struct rte_mbuf *m = h_mbuf(0, f, n);
	unsigned int avail;

	h_neigh_learn(H_PEER, &h_peer_mac);
	avail = rte_mempool_avail_count(H.pool);
	h_input(m);
	cr_assert_eq(H.tx[0], m, "reply is not the request's mbuf");
	cr_assert_eq(rte_mempool_avail_count(H.pool), avail);
}

HTEST(icmp, reply_comes_from_the_address_pinged)
{
	rte_be32_t a = H_IP(198, 18, 0, 4);
	uint32_t n = h_frame_icmp(f, H_PEER, a, 8);

	h_neigh_learn(H_PEER, &h_peer_mac);
	h_input(h_mbuf(0, f, n));
	check_reply(0, f, n, &h_peer_mac, a, H_PEER);
}

HTEST(icmp, ip_id_advances)
{
	uint32_t n = h_frame_icmp(f, H_PEER, H_LOCAL, 8);

	h_neigh_learn(H_PEER, &h_peer_mac);
	h_input(h_mbuf(0, f, n));
	h_input(h_mbuf(0, f, n));
	h_flat(H.tx[0], got);
	cr_assert_eq(get16(got + IP + 4), 0);
	h_flat(H.tx[1], got);
	cr_assert_eq(get16(got + IP + 4), 1);
}

HTEST(icmp, unresolved_sender_gets_reply_after_arp)
{
	uint32_t n = h_frame_icmp(f, H_PEER, H_LOCAL, 20);
	uint8_t arp[64];
	uint32_t an;

	h_input(h_mbuf(0, f, n));
	cr_assert_eq(H.tx_n, 1, "want the ARP request only");
	cr_assert_eq(get16(rte_pktmbuf_mtod(H.tx[0], uint8_t *) + 12),
		     RTE_ETHER_TYPE_ARP);
	h_tx_clear();
	an = h_frame_arp(arp, &h_mac, 2, &h_peer_mac, H_PEER, &h_mac, H_LOCAL);
	h_input(h_mbuf(0, arp, an));
	cr_assert_eq(H.tx_n, 1);
	check_reply(0, f, n, &h_peer_mac, H_LOCAL, H_PEER);
}

HTEST(icmp, off_link_sender_answered_through_gateway)
{
	uint32_t n = h_frame_icmp(f, H_REMOTE, H_LOCAL, 30);

	h_neigh_learn(H_GW, &h_gw_mac);
	h_input(h_mbuf(0, f, n));
	check_reply(0, f, n, &h_gw_mac, H_LOCAL, H_REMOTE);
}

HTEST(icmp, over_tun_reply_is_bare_ip)
{
	uint32_t n = h_frame_icmp(f, H_TUN_PEER, H_TUN_LOCAL, 33);
	uint32_t len;

	h_input(h_mbuf(1, f + IP, n - IP));
	cr_assert_eq(H.tx_n, 1);
	cr_assert_eq(H.w->stats.arp_tx_requests, 0);
	len = h_flat(H.tx[0], got);
	cr_assert_eq(len, n - IP);
	cr_assert_eq(got[0], 0x45);
	cr_assert_arr_eq(got + 12, &(rte_be32_t){ H_TUN_LOCAL }, 4);
	cr_assert_arr_eq(got + 16, &(rte_be32_t){ H_TUN_PEER }, 4);
	cr_assert_eq(got[20], 0);
	cr_assert_eq(h_ref_cksum(got + 20, len - 20, 0), 0);
	cr_assert_eq(h_ref_cksum(got, 20, 0), 0);
}

HTEST(icmp, bad_checksum_dropped)
{
	uint32_t n = h_frame_icmp(f, H_PEER, H_LOCAL, 9);

	f[n - 1] ^= 0x80;
	h_input(h_mbuf(0, f, n));
	cr_assert_eq(h_drops(SHOAL_DROP_ICMP_BAD_CSUM), 1);
	cr_assert_eq(H.tx_total, 0);
}

HTEST(icmp, bad_checksum_in_a_later_segment_dropped)
{
	uint32_t n = h_frame_icmp(f, H_PEER, H_LOCAL, 500);
	uint16_t segs[3] = { 51, 77 };

	f[n - 3] ^= 0x01;
	h_input(h_chain(0, f, n, segs, 3));
	cr_assert_eq(h_drops(SHOAL_DROP_ICMP_BAD_CSUM), 1);
}

HTEST(icmp, other_types_dropped)
{
	static const uint8_t types[] = { 0, 3, 13, 17 };

	for (unsigned int i = 0; i < RTE_DIM(types); i++) {
		uint32_t n = h_frame_icmp(f, H_PEER, H_LOCAL, 8);
		uint16_t c;

		f[IC] = types[i];
		f[IC + 2] = f[IC + 3] = 0;
		c = h_ref_cksum(f + IC, n - IC, 0);
		f[IC + 2] = c >> 8;
		f[IC + 3] = c & 0xff;
		h_input(h_mbuf(0, f, n));
		cr_assert_eq(h_drops(SHOAL_DROP_ICMP_UNHANDLED_TYPE), i + 1);
	}
	cr_assert_eq(H.tx_total, 0);
	cr_assert_eq(H.w->stats.icmp_echo_requests, 0);
}

HTEST(icmp, truncated_dropped)
{
	uint8_t l4[8] = { 8, 0, 0xf7, 0xff };
	uint32_t e = h_eth(f, &h_mac, &h_peer_mac, RTE_ETHER_TYPE_IPV4);
	uint32_t n = e + h_ipv4(f + e, H_PEER, H_LOCAL, IPPROTO_ICMP, 0, l4, 4);

	memset(f + n, 0, 60 - n);	/* padding must not count as ICMP */
	h_input(h_mbuf(0, f, 60));
	cr_assert_eq(h_drops(SHOAL_DROP_ICMP_TRUNCATED), 1);
}

HTEST(icmp, reply_that_cannot_route_is_counted_not_sent)
{
	uint32_t n = h_frame_icmp(f, H_REMOTE, H_LOCAL, 8);

	H.ifaces[0].gw = 0;
	h_input(h_mbuf(0, f, n));
	cr_assert_eq(H.w->stats.icmp_echo_requests, 1);
	cr_assert_eq(H.w->stats.icmp_echo_replies, 0);
	cr_assert_eq(h_drops(SHOAL_DROP_NO_ROUTE), 1);
	cr_assert_eq(H.tx_total, 0);
}
