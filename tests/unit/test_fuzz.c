/* SPDX-License-Identifier: BSD-3-Clause */
/* Random and mutated frames through net_input: no crash, every frame
 * accounted for exactly once, every mbuf back in the pool. */
#include <stdlib.h>

#include <criterion/criterion.h>

#include "harness.h"
#include "net/neigh.h"
#include "net/net.h"

TestSuite(fuzz, .init = h_setup, .fini = h_teardown);

static uint8_t f[2048];
static uint64_t seed = 88172645463325252ULL;

static uint32_t
rnd(void)
{
	/* xorshift64: reproducible everywhere */
	seed ^= seed << 13;
	seed ^= seed >> 7;
	seed ^= seed << 17;
	return (uint32_t)seed;
}

static rte_be32_t
some_addr(void)
{
	switch (rnd() % 5) {
	case 0: return H_PEER;
	case 1: return H_IP(198, 18, 0, rnd() % 256);
	case 2: return H_REMOTE;
	case 3: return H_TUN_PEER;
	default: return (rte_be32_t)rnd();
	}
}

/* A valid frame of some kind, then mutated. */
static uint32_t
make_frame(uint16_t *port)
{
	uint32_t n;

	*port = 0;
	switch (rnd() % 6) {
	case 0:
		n = h_frame_tcp(f, some_addr(), H_IP(198, 18, 0, 1 + rnd() % 5),
				rnd() % 1400);
		break;
	case 1:
		n = h_frame_icmp(f, some_addr(), H_IP(198, 18, 0, 1 + rnd() % 5),
				 rnd() % 1400);
		break;
	case 2: {
		static const struct rte_ether_addr bc = {{ 0xff, 0xff, 0xff,
							   0xff, 0xff, 0xff }};
		struct rte_ether_addr sha = h_peer_mac;

		sha.addr_bytes[5] = (uint8_t)rnd();
		n = h_frame_arp(f, rnd() % 2 ? &bc : &h_mac, 1 + rnd() % 2,
				&sha, some_addr(), NULL,
				H_IP(198, 18, 0, 1 + rnd() % 5));
		break;
	}
	case 3:
		n = h_frame_tcp(f, H_TUN_PEER, H_TUN_LOCAL, rnd() % 200);
		memmove(f, f + 14, n - 14);
		n -= 14;
		*port = 1;
		break;
	case 4:
		n = h_frame_icmp(f, H_TUN_PEER, H_TUN_LOCAL, rnd() % 200);
		memmove(f, f + 14, n - 14);
		n -= 14;
		*port = 1;
		break;
	default:
		n = 1 + rnd() % 200;
		for (uint32_t i = 0; i < n; i++)
			f[i] = (uint8_t)rnd();
		*port = rnd() % 3;
		return n;
	}
	/* Mutations: flip bytes, mostly in the headers; cut; pad. */
	switch (rnd() % 4) {
	case 0:
		break;
	case 1:
		for (uint32_t k = 1 + rnd() % 3; k > 0; k--)
			f[rnd() % RTE_MIN(n, 64u)] ^= (uint8_t)(1 + rnd() % 255);
		break;
	case 2:
		n = rnd() % (n + 1);
		break;
	default:
		for (uint32_t k = 0; k < 20; k++)
			f[n + k] = (uint8_t)rnd();
		n += rnd() % 21;
		break;
	}
	return n;
}

static struct rte_mbuf *
make_mbuf(uint16_t port, uint32_t n)
{
	uint16_t segs[4];
	unsigned int k = rnd() % 4;

	if (n == 0)
		n = 1;
	for (unsigned int i = 0; i < k; i++)
		segs[i] = (uint16_t)(1 + rnd() % 300);
	return h_chain(port, f, n, k ? segs : NULL, k ? k + 1 : 0);
}

HTEST(fuzz, random_frames_all_accounted_for, .timeout = 50)
{
	const struct shoal_stats *s = &H.w->stats;
	uint64_t handled;

	for (int i = 0; i < 10000; i++) {
		uint16_t port;
		uint32_t n = make_frame(&port);

		if (rnd() % 8 == 0) {
			H.ifaces[0].rx_ip_cksum = rnd() % 2;
			H.ifaces[0].rx_l4_cksum = rnd() % 2;
		}
		{
			struct rte_mbuf *m = make_mbuf(port, n);

			if (rnd() % 4 == 0)
				m->ol_flags = (uint64_t)rnd() & 0x1c0;
			h_input(m);
		}
		if (i % 50 == 0) {
			H.w->now_ns += 300ULL * 1000 * 1000;
			net_tick(H.w);
			worker_tx_flush(H.w);
		}
		h_tx_clear();
		h_tcp_clear();
	}
	/* Each frame was dropped for a reason, or consumed: answered (ARP,
	 * ping), learnt (ARP reply) or handed to TCP. A queued echo reply
	 * that later died unresolved was counted as answered too. */
	handled = s->arp_rx_requests + s->arp_rx_replies +
		  s->icmp_echo_replies + s->tcp_rx_segments;
	cr_assert_eq(s->rx_packets, 10000);
	cr_assert_eq(s->rx_packets, handled + shoal_stats_total_drops(s) -
		     s->drops[SHOAL_DROP_NEIGH_UNRESOLVED] -
		     s->drops[SHOAL_DROP_TX_FULL]);
	cr_assert_eq(H.tcp_total, s->tcp_rx_segments);
	/* Enough of each kind got through to mean something. */
	cr_assert_gt(s->tcp_rx_segments, 100);
	cr_assert_gt(s->icmp_echo_replies, 100);
	cr_assert_gt(s->arp_rx_requests, 100);
	cr_assert_gt(shoal_stats_total_drops(s), 1000);

	/* Let every neighbour entry give up or age out. */
	for (int i = 0; i < 400; i++) {
		H.w->now_ns += 1000ULL * 1000 * 1000;
		net_tick(H.w);
		worker_tx_flush(H.w);
		h_tx_clear();
	}
	cr_assert_eq(neigh_count(H.w->neigh), 0);
	cr_assert_eq(rte_mempool_avail_count(H.pool), H_POOL_SIZE);
}

HTEST(fuzz, every_truncation_of_valid_frames)
{
	/* Each prefix of each kind of frame, single segment: never reads
	 * past the data, always accounted for. */
	uint8_t full[256];
	uint32_t lens[3];

	h_neigh_learn(H_PEER, &h_peer_mac);
	lens[0] = h_frame_tcp(full, H_PEER, H_LOCAL, 40);
	for (uint32_t n = 1; n <= lens[0]; n++)
		h_input(h_mbuf(0, full, n));
	lens[1] = h_frame_icmp(full, H_PEER, H_LOCAL, 40);
	for (uint32_t n = 1; n <= lens[1]; n++)
		h_input(h_mbuf(0, full, n));
	lens[2] = h_frame_arp(full, &h_mac, 1, &h_peer_mac, H_PEER, NULL,
			      H_LOCAL);
	for (uint32_t n = 1; n <= lens[2]; n++)
		h_input(h_mbuf(0, full, n));
	/* Only the complete frames pass. */
	cr_assert_eq(H.w->stats.tcp_rx_segments, 1);
	cr_assert_eq(H.w->stats.icmp_echo_replies, 1);
	cr_assert_eq(H.w->stats.arp_rx_requests, 1);
	cr_assert_eq(shoal_stats_total_drops(&H.w->stats),
		     lens[0] + lens[1] + lens[2] - 3);
}
