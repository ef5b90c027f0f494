/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef SHOAL_TEST_HARNESS_H
#define SHOAL_TEST_HARNESS_H

/*
 * A fake worker for lib/net unit tests: the EAL without hugepages or PCI,
 * one Ethernet interface (port 0) and one TUN interface (port 1), an mbuf
 * pool, a neighbour table, and a TX hook that keeps every frame the stack
 * sends so a test can read it byte by byte. net_tcp_input is defined here
 * and records what it is handed.
 */

#include <stdbool.h>
#include <stdint.h>

#include <rte_ether.h>
#include <rte_ip.h>
#include <rte_mbuf.h>

#include <shoal/addr.h>
#include "stack/worker.h"

#define H_TX_MAX 256
#define H_TCP_MAX 64
#define H_POOL_SIZE 1023

/* Addresses (198.18.0.0/15 only). */
/* RTE_IPV4 shifts a plain int into the sign bit: build it unsigned. */
#define H_IPH(a, b, c, d) ((uint32_t)(a) << 24 | (uint32_t)(b) << 16 | \
			   (uint32_t)(c) << 8 | (uint32_t)(d))
#define H_IP(a, b, c, d) RTE_BE32(H_IPH(a, b, c, d))
#define H_LOCAL H_IP(198, 18, 0, 1)	/* eth0: .1 .. .4 are ours, /24 */
#define H_LOCAL_COUNT 4
#define H_PEER H_IP(198, 18, 0, 20)	/* on-link sender, MAC h_peer_mac */
#define H_NEIGH H_IP(198, 18, 0, 9)	/* on-link, not yet resolved */
#define H_GW H_IP(198, 18, 0, 254)
#define H_REMOTE H_IP(198, 19, 7, 7)	/* off-link, via the gateway */
#define H_TUN_LOCAL H_IP(198, 19, 200, 1)	/* tun0, port 1 */
#define H_TUN_PEER H_IP(198, 19, 200, 2)

struct harness {
	struct shoal_worker *w;
	struct shoal_iface ifaces[2];
	struct rte_mempool *pool;
	/* frames the worker sent, in order */
	struct rte_mbuf *tx[H_TX_MAX];
	unsigned int tx_n;
	unsigned int tx_total;
	/* segments net_tcp_input received */
	struct rte_mbuf *tcp[H_TCP_MAX];
	struct shoal_endpoints tcp_ep[H_TCP_MAX];
	unsigned int tcp_n;
	unsigned int tcp_total;
};

extern struct harness H;
extern const struct rte_ether_addr h_mac;	/* eth0's MAC */
extern const struct rte_ether_addr h_peer_mac;	/* the neighbour's */
extern const struct rte_ether_addr h_gw_mac;

/* Criterion fixtures: EAL once per process, a fresh worker per test. */
void h_setup(void);
void h_teardown(void);

/* End of every test body: free what the test left (TX frames, TCP
 * segments, the neighbour table and its queues) and fail the test if any
 * mbuf did not come back. Criterion ignores assertions in .fini, hence
 * this in the body. */
void h_finish(void);

/* A Criterion Test whose body is followed by h_finish(). */
#define HTEST(suite, name, ...) \
	static void suite##_##name##_body(void); \
	Test(suite, name, ##__VA_ARGS__) \
	{ \
		suite##_##name##_body(); \
		h_finish(); \
	} \
	static void suite##_##name##_body(void)

/* Feed one frame as shoal_input would (counts rx_packets), then flush TX. */
void h_input(struct rte_mbuf *m);
/* Free every captured TX frame / TCP segment. */
void h_tx_clear(void);
void h_tcp_clear(void);

/* One-segment mbuf holding @p len bytes of @p data, arriving on @p port. */
struct rte_mbuf *h_mbuf(uint16_t port, const void *data, uint32_t len);
/* The same split into segments of @p seglens[0..n-1] bytes (the last one
 * takes the rest). */
struct rte_mbuf *h_chain(uint16_t port, const void *data, uint32_t len,
			 const uint16_t *seglens, unsigned int n);
/* Copy chain @p m into @p buf (at least pkt_len bytes); returns pkt_len. */
uint32_t h_flat(const struct rte_mbuf *m, uint8_t *buf);

/* Reference checksum: plain RFC 1071 over a byte array, big-endian words,
 * starting from @p init (host-order partial sum). Returns ~sum in host
 * order. */
uint16_t h_ref_cksum(const uint8_t *p, size_t n, uint32_t init);
uint32_t h_ref_sum(const uint8_t *p, size_t n, uint32_t init);

/* Frame builders: write into @p b, return the length. Checksums valid. */
uint32_t h_eth(uint8_t *b, const struct rte_ether_addr *dst,
	       const struct rte_ether_addr *src, uint16_t type);
/* IPv4 header (20 bytes + @p optlen of options, NOPs) + @p l4. */
uint32_t h_ipv4(uint8_t *b, rte_be32_t src, rte_be32_t dst, uint8_t proto,
		uint32_t optlen, const void *l4, uint32_t l4len);
/* Recompute the IPv4 header checksum at @p ip after a test edited it. */
void h_ipv4_fix(uint8_t *ip);
/* TCP segment with @p optlen option bytes (NOPs) and @p plen payload bytes
 * (pattern), checksum for @p src -> @p dst. */
uint32_t h_tcp(uint8_t *b, rte_be32_t src, rte_be32_t dst, uint16_t sport,
	       uint16_t dport, uint32_t optlen, uint32_t plen);
/* ICMP echo request: @p id, @p seq, @p plen payload bytes (pattern). */
uint32_t h_icmp_echo(uint8_t *b, uint16_t id, uint16_t seq, uint32_t plen);

/* Whole frames: Ethernet (to our MAC from the peer's) + IPv4 + L4. */
uint32_t h_frame_tcp(uint8_t *b, rte_be32_t src, rte_be32_t dst,
		     uint32_t plen);
uint32_t h_frame_icmp(uint8_t *b, rte_be32_t src, rte_be32_t dst,
		      uint32_t plen);
/* ARP frame: op, sender, target, to Ethernet @p edst. */
uint32_t h_frame_arp(uint8_t *b, const struct rte_ether_addr *edst,
		     uint16_t op, const struct rte_ether_addr *sha,
		     rte_be32_t sip, const struct rte_ether_addr *tha,
		     rte_be32_t tip);

/* Drops of @p reason so far, and the total. */
uint64_t h_drops(enum shoal_drop reason);
uint64_t h_total_drops(void);

/* Make @p ip on eth0 resolved to @p mac (as if an ARP reply arrived). */
void h_neigh_learn(rte_be32_t ip, const struct rte_ether_addr *mac);

/* An L4 payload mbuf from the pool with 128 B of headroom (TCP engine
 * style): @p len bytes of @p data. */
struct rte_mbuf *h_l4(const void *data, uint32_t len);

#endif /* SHOAL_TEST_HARNESS_H */
