/* SPDX-License-Identifier: BSD-3-Clause */
/* Ethernet demultiplexing and IPv4 input: every malformed case is dropped
 * with its own reason, the good ones reach the transport. */
#include <criterion/criterion.h>

#include "harness.h"
#include "net/net.h"

TestSuite(ipv4_in, .init = h_setup, .fini = h_teardown);

#define IP 14			/* offset of the IP header in a frame */

static uint8_t f[2048];

/* A valid TCP frame from the peer to us, 10 bytes of payload. */
static uint32_t
tcp_frame(void)
{
	return h_frame_tcp(f, H_PEER, H_LOCAL, 10);
}

static void
expect_drop(uint32_t n, enum shoal_drop reason)
{
	h_input(h_mbuf(0, f, n));
	cr_assert_eq(h_drops(reason), 1, "want one %s drop",
		     shoal_drop_name(reason));
	cr_assert_eq(h_total_drops(), 1, "dropped for another reason too");
	cr_assert_eq(H.tcp_total, 0);
	cr_assert_eq(H.tx_total, 0);
}

static void
expect_delivered(uint32_t n)
{
	h_input(h_mbuf(0, f, n));
	cr_assert_eq(h_total_drops(), 0, "dropped: ip_bad_csum %lu",
		     (unsigned long)h_drops(SHOAL_DROP_IP_BAD_CSUM));
	cr_assert_eq(H.tcp_total, 1);
}

HTEST(ipv4_in, valid_segment_is_delivered)
{
	expect_delivered(tcp_frame());
	cr_assert_eq(H.w->stats.ipv4_rx, 1);
}

HTEST(ipv4_in, eth_truncated)
{
	tcp_frame();
	expect_drop(13, SHOAL_DROP_ETH_TRUNCATED);
}

HTEST(ipv4_in, eth_other_unicast_mac)
{
	uint32_t n = tcp_frame();

	f[5] ^= 1;
	expect_drop(n, SHOAL_DROP_ETH_NOT_FOR_US);
}

HTEST(ipv4_in, eth_multicast_mac)
{
	uint32_t n = tcp_frame();
	static const uint8_t mc[6] = { 0x01, 0x00, 0x5e, 0, 0, 1 };

	memcpy(f, mc, 6);
	expect_drop(n, SHOAL_DROP_ETH_NOT_FOR_US);
}

HTEST(ipv4_in, eth_broadcast_accepted)
{
	uint32_t n = tcp_frame();

	memset(f, 0xff, 6);
	expect_delivered(n);
}

HTEST(ipv4_in, eth_unknown_type)
{
	uint32_t n = tcp_frame();

	f[12] = 0x86;
	f[13] = 0xdd;
	expect_drop(n, SHOAL_DROP_ETH_UNKNOWN_TYPE);
}

HTEST(ipv4_in, unknown_port_dropped)
{
	uint32_t n = tcp_frame();

	h_input(h_mbuf(3, f, n));
	cr_assert_eq(h_drops(SHOAL_DROP_ETH_NOT_FOR_US), 1);
}

HTEST(ipv4_in, ip_truncated)
{
	tcp_frame();
	expect_drop(IP + 19, SHOAL_DROP_IP_TRUNCATED);
}

HTEST(ipv4_in, bad_version)
{
	uint32_t n = tcp_frame();

	f[IP] = 0x65;
	h_ipv4_fix(f + IP);
	expect_drop(n, SHOAL_DROP_IP_BAD_VERSION);
}

HTEST(ipv4_in, ihl_below_five)
{
	uint32_t n = tcp_frame();

	f[IP] = 0x44;
	expect_drop(n, SHOAL_DROP_IP_BAD_IHL);
}

HTEST(ipv4_in, ihl_beyond_frame)
{
	/* IHL 15 (60 bytes) but the packet is 20 + 20 + 10 - 12 bytes */
	uint32_t n = tcp_frame();

	f[IP] = 0x4f;
	h_ipv4_fix(f + IP);
	expect_drop(IP + 38, SHOAL_DROP_IP_BAD_IHL);
	(void)n;
}

HTEST(ipv4_in, total_length_beyond_frame)
{
	uint32_t n = tcp_frame();

	f[IP + 3] += 1;
	h_ipv4_fix(f + IP);
	expect_drop(n, SHOAL_DROP_IP_BAD_TOTAL_LEN);
}

HTEST(ipv4_in, total_length_below_ihl)
{
	uint32_t n = tcp_frame();

	f[IP + 2] = 0;
	f[IP + 3] = 19;
	h_ipv4_fix(f + IP);
	expect_drop(n, SHOAL_DROP_IP_BAD_TOTAL_LEN);
}

HTEST(ipv4_in, bad_header_checksum)
{
	uint32_t n = tcp_frame();

	f[IP + 10] ^= 0x01;
	expect_drop(n, SHOAL_DROP_IP_BAD_CSUM);
}

HTEST(ipv4_in, ttl_zero)
{
	uint32_t n = tcp_frame();

	f[IP + 8] = 0;
	h_ipv4_fix(f + IP);
	expect_drop(n, SHOAL_DROP_IP_TTL_ZERO);
}

HTEST(ipv4_in, more_fragments_dropped)
{
	uint32_t n = tcp_frame();

	f[IP + 6] = 0x20;
	h_ipv4_fix(f + IP);
	expect_drop(n, SHOAL_DROP_IP_FRAGMENT);
}

HTEST(ipv4_in, fragment_offset_dropped)
{
	uint32_t n = tcp_frame();

	f[IP + 7] = 0x01;
	h_ipv4_fix(f + IP);
	expect_drop(n, SHOAL_DROP_IP_FRAGMENT);
}

HTEST(ipv4_in, dont_fragment_alone_accepted)
{
	uint32_t n = tcp_frame();

	f[IP + 6] = 0x40;
	h_ipv4_fix(f + IP);
	expect_delivered(n);
}

HTEST(ipv4_in, bad_sources_dropped)
{
	static const rte_be32_t bad[] = {
		H_IP(0, 0, 0, 0), H_IP(224, 0, 0, 1), H_IP(239, 1, 2, 3),
		H_IP(255, 255, 255, 255), H_IP(127, 0, 0, 1),
		H_IP(240, 0, 0, 1),
	};

	for (unsigned int i = 0; i < RTE_DIM(bad); i++) {
		uint32_t n = h_frame_tcp(f, bad[i], H_LOCAL, 4);

		h_input(h_mbuf(0, f, n));
		cr_assert_eq(h_drops(SHOAL_DROP_IP_BAD_SRC), i + 1,
			     "source %u", i);
	}
	cr_assert_eq(H.tcp_total, 0);
}

HTEST(ipv4_in, not_for_us)
{
	uint32_t n = h_frame_tcp(f, H_PEER,
				 H_IP(198, 18, 0, 1 + H_LOCAL_COUNT), 4);

	expect_drop(n, SHOAL_DROP_IP_NOT_FOR_US);
}

HTEST(ipv4_in, every_local_address_accepted)
{
	for (uint32_t i = 0; i < H_LOCAL_COUNT; i++) {
		uint32_t n = h_frame_tcp(f, H_PEER, H_IP(198, 18, 0, 1 + i), 4);

		h_input(h_mbuf(0, f, n));
	}
	cr_assert_eq(H.tcp_total, H_LOCAL_COUNT);
}

HTEST(ipv4_in, unknown_protocol)
{
	uint32_t n = tcp_frame();

	f[IP + 9] = IPPROTO_UDP;
	h_ipv4_fix(f + IP);
	expect_drop(n, SHOAL_DROP_IP_UNKNOWN_PROTO);
}

HTEST(ipv4_in, ethernet_padding_trimmed)
{
	/* 20 + 20 + 2 bytes of IP: the link pads it to 60 with junk */
	uint32_t n = h_frame_tcp(f, H_PEER, H_LOCAL, 2);

	memset(f + n, 0xa5, 60 - n);
	h_input(h_mbuf(0, f, 60));
	cr_assert_eq(H.tcp_total, 1);
	cr_assert_eq(rte_pktmbuf_pkt_len(H.tcp[0]), 22);
	cr_assert_eq(rte_pktmbuf_data_len(H.tcp[0]), 22);
}

HTEST(ipv4_in, options_are_skipped)
{
	uint8_t l4[64];
	uint32_t n = h_tcp(l4, H_PEER, H_LOCAL, 5555, 80, 0, 6);
	uint32_t e = h_eth(f, &h_mac, &h_peer_mac, RTE_ETHER_TYPE_IPV4);

	n = e + h_ipv4(f + e, H_PEER, H_LOCAL, IPPROTO_TCP, 8, l4, n);
	cr_assert_eq(f[IP], 0x47);
	expect_delivered(n);
	cr_assert_eq(rte_pktmbuf_pkt_len(H.tcp[0]), 26);
	cr_assert_arr_eq(rte_pktmbuf_mtod(H.tcp[0], uint8_t *), l4, 26);
}

HTEST(ipv4_in, nic_good_ip_checksum_is_trusted)
{
	uint32_t n = tcp_frame();
	struct rte_mbuf *m;

	H.ifaces[0].rx_ip_cksum = true;
	f[IP + 10] ^= 0x01;		/* would fail in software */
	m = h_mbuf(0, f, n);
	m->ol_flags |= RTE_MBUF_F_RX_IP_CKSUM_GOOD;
	h_input(m);
	cr_assert_eq(H.tcp_total, 1);
	cr_assert_eq(H.w->stats.rx_cksum_offloaded, 1);
}

HTEST(ipv4_in, nic_bad_ip_checksum_is_dropped)
{
	uint32_t n = tcp_frame();
	struct rte_mbuf *m;

	H.ifaces[0].rx_ip_cksum = true;
	m = h_mbuf(0, f, n);
	m->ol_flags |= RTE_MBUF_F_RX_IP_CKSUM_BAD;
	h_input(m);
	cr_assert_eq(h_drops(SHOAL_DROP_IP_BAD_CSUM), 1);
}

HTEST(ipv4_in, nic_unknown_ip_checksum_checked_in_software)
{
	uint32_t n = tcp_frame();
	struct rte_mbuf *m;

	H.ifaces[0].rx_ip_cksum = true;
	f[IP + 10] ^= 0x01;
	m = h_mbuf(0, f, n);
	m->ol_flags |= RTE_MBUF_F_RX_IP_CKSUM_UNKNOWN;
	h_input(m);
	cr_assert_eq(h_drops(SHOAL_DROP_IP_BAD_CSUM), 1);
}

HTEST(ipv4_in, checksum_flags_ignored_without_offload)
{
	uint32_t n = tcp_frame();
	struct rte_mbuf *m;

	f[IP + 10] ^= 0x01;
	m = h_mbuf(0, f, n);
	m->ol_flags |= RTE_MBUF_F_RX_IP_CKSUM_GOOD;
	h_input(m);
	cr_assert_eq(h_drops(SHOAL_DROP_IP_BAD_CSUM), 1);
}

HTEST(ipv4_in, tun_takes_bare_ip)
{
	uint32_t n = h_frame_tcp(f, H_TUN_PEER, H_TUN_LOCAL, 3);

	h_input(h_mbuf(1, f + IP, n - IP));
	cr_assert_eq(h_total_drops(), 0);
	cr_assert_eq(H.tcp_total, 1);
	cr_assert_eq(H.tcp_ep[0].local.v4, H_TUN_LOCAL);
}

HTEST(ipv4_in, tun_rejects_ethernet_frames)
{
	uint32_t n = h_frame_tcp(f, H_TUN_PEER, H_TUN_LOCAL, 3);

	/* 02:00:5e... read as an IP header: version 0 */
	h_input(h_mbuf(1, f, n));
	cr_assert_eq(h_drops(SHOAL_DROP_IP_BAD_VERSION), 1);
}
