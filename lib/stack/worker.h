/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef SHOAL_WORKER_H
#define SHOAL_WORKER_H

/*
 * A worker is one poll-mode lcore and everything it owns: its RX/TX queue
 * on every port, its neighbour table, its counters, its capture writer.
 * Nothing here is touched by another lcore while the worker runs.
 */

#include <stdbool.h>
#include <stdint.h>

#include <rte_ether.h>
#include <rte_ip.h>
#include <rte_mbuf.h>

#include <shoal/addr.h>
#include <shoal/shoal.h>
#include "stats/stats.h"

#define SHOAL_MAX_PORTS SHOAL_PORTS_MAX
#define SHOAL_RX_BURST 32
#define SHOAL_TX_BURST 64

struct shoal_stack;
struct shoal_capture;
struct neigh_table;
struct shoal_tcp;
struct rss_batch;
struct impair;
struct rss_port_ctx;

/* One port as the stack sees it: its link type, addresses and offloads. */
struct shoal_iface {
	uint16_t port_id;
	bool l3;			/* bare IP (TUN): no Ethernet, no ARP */
	struct rte_ether_addr mac;
	rte_be32_t ip;			/* first local address */
	uint32_t ip_count;		/* ip .. ip + ip_count - 1 are local */
	rte_be32_t mask;		/* on-link prefix */
	rte_be32_t gw;			/* 0: no gateway */
	uint16_t mtu;
	/* Offloads the port offers and the stack switched on. */
	bool rx_ip_cksum;		/* RTE_MBUF_F_RX_IP_CKSUM_* are meaningful */
	bool rx_l4_cksum;		/* RTE_MBUF_F_RX_L4_CKSUM_* are meaningful */
	bool tx_ip_cksum;		/* RTE_ETH_TX_OFFLOAD_IPV4_CKSUM */
	bool tx_tcp_cksum;		/* RTE_ETH_TX_OFFLOAD_TCP_CKSUM */
	bool tx_tso;			/* RTE_ETH_TX_OFFLOAD_TCP_TSO */
	bool tso_guest;			/* vhost: TSO if the guest takes it */
	bool rx_lro;			/* RTE_ETH_RX_OFFLOAD_TCP_LRO */
	bool rss;			/* hardware RSS spreads over the queues */
	uint16_t nb_queues;
};

/* Packets a full TX ring did not take, oldest first, sent before any
 * newer one: TCP's windows bound what can pile up here, and a TSO
 * segment takes ~34 descriptors, so a 1024-slot ring holds only ~30 of
 * them. Dropping what did not fit turned bursts from 100 connections into
 * ~780k retransmissions in 10 s. Full, it drops (drop.tx_full). */
#define SHOAL_TX_BACKLOG 1024

struct worker_txq {
	uint16_t n;
	uint16_t bl_head, bl_n;		/* backlog ring */
	struct rte_mbuf *pkts[SHOAL_TX_BURST];
	struct rte_mbuf *bl[SHOAL_TX_BACKLOG];
};

/* A resolved path's Ethernet + IPv4 header, so that a TCP segment to a
 * destination sent to before skips routing and the neighbour lookup
 * (lib/net/ipv4.c). Valid while gen equals the worker's path_gen, which
 * every neighbour change bumps. */
#define WORKER_PATH_SLOTS 256
struct worker_path {
	rte_be32_t src, dst;		/* the key; dst 0: empty */
	uint32_t gen;
	uint16_t max_len;		/* largest IPv4 packet without TSO */
	uint8_t ifc;			/* index into the worker's ifaces */
	uint64_t ol_flags;		/* the checksum offloads to ask for */
	uint8_t hdr[RTE_ETHER_HDR_LEN + sizeof(struct rte_ipv4_hdr)];
} __rte_cache_aligned;

/* Phases of a turn of the worker loop (shoal_conf.cycles). */
enum worker_cyc {
	CYC_RX, CYC_INPUT, CYC_TIMERS, CYC_APP, CYC_FLUSH, CYC_TX, CYC_N
};

struct shoal_worker {
	/* hot: touched for every packet */
	uint64_t now_ns;		/* the worker's clock, set once per loop */
	struct shoal_stats stats;
	struct shoal_stack *stack;
	struct rte_mempool *pool;	/* mbufs for packets the stack builds */
	struct neigh_table *neigh;
	uint16_t ip_id;			/* next IPv4 identification */
	uint32_t path_gen;		/* paths[] of another gen are void */
	struct shoal_tcp *tcp;		/* NULL until TCP is switched on */
	struct shoal_capture *cap;	/* NULL when not capturing */
	struct worker_txq txq[SHOAL_MAX_PORTS];	/* indexed like ifaces */
	/* link impairment per port and direction; NULL (no cost) when off */
	struct impair *imp_rx[SHOAL_MAX_PORTS];
	struct impair *imp_tx[SHOAL_MAX_PORTS];
	struct shoal_iface *ifaces;	/* the stack's, read-only while running */
	unsigned int nb_ifaces;
	/* the engine's tso_max; a port with tso_guest may change it */
	uint32_t tso_max;
	bool tso_dynamic;		/* some port has tso_guest */
	/* embedded mode: the caller's TX instead of rte_eth_tx_burst */
	uint16_t (*tx_hook)(void *ctx, uint16_t worker,
			    struct rte_mbuf **pkts, uint16_t n);
	void *tx_ctx;
	/* TCP segments of the current RX burst, handed to the engine at once */
	uint16_t tcp_n;
	struct rte_mbuf *tcp_segs[SHOAL_RX_BURST];
	struct shoal_endpoints tcp_eps[SHOAL_RX_BURST];

	/* sharding (several workers only) */
	bool arp_learn_only;		/* not the ARP owner: learn, never answer */
	struct rss_batch *steer_to;	/* [nb_workers] per-burst batches */
	struct rss_port_ctx *port_ctx;	/* the TCP engine's port_ok context */

	/* cold */
	unsigned int id;		/* 0 .. nb_workers - 1 */
	unsigned int lcore;
	uint16_t queue;			/* RX and TX queue index on every port */
	uint64_t next_publish;		/* when to publish counters next */
	bool cycles;			/* shoal_conf.cycles */
	uint64_t cyc_turn[CYC_N];	/* this turn's phases, in cycles */

	/* direct-mapped by address pair; only the slots in use are touched */
	struct worker_path paths[WORKER_PATH_SLOTS];
};

/* The interface of @p port_id, or NULL (at most SHOAL_MAX_PORTS to scan). */
static inline struct shoal_iface *
worker_iface(struct shoal_worker *w, uint16_t port_id)
{
	for (unsigned int i = 0; i < w->nb_ifaces; i++)
		if (w->ifaces[i].port_id == port_id)
			return &w->ifaces[i];
	return NULL;
}

/* Queue @p m for transmission on interface @p ifc; flushed at the end of the poll
 * loop iteration or when the buffer fills. Captures it when capturing. */
void worker_tx(struct shoal_worker *w, struct shoal_iface *ifc, struct rte_mbuf *m);

/* Hand every buffered packet to the ports. */
void worker_tx_flush(struct shoal_worker *w);

/* Send what workers without a TX queue of their own handed to this one. */
uint16_t worker_tx_steered(struct shoal_worker *w);

/* The per-lcore cache of a worker's mbuf pool. */
#define WORKER_POOL_CACHE 256

/*
 * A worker's mbuf pool of @p n: last freed, first reused (DPDK's "stack"
 * mempool driver), so the mbufs in use stay the ones in cache; the
 * default driver's ring hands them out in turn and streams the whole pool
 * through the cache once a burst outgrows the per-lcore cache (a 64 KB
 * TSO segment is 33 mbufs). Falls back to the default driver when the
 * "stack" one is not there (@p *lifo says which). NULL: rte_errno.
 */
struct rte_mempool *worker_pool_create(const char *name, unsigned int n,
				       int socket, bool *lifo);

/* Free @p m and count it under @p reason. */
static inline void
worker_drop(struct shoal_worker *w, struct rte_mbuf *m, enum shoal_drop reason)
{
	w->stats.drops[reason]++;
	rte_pktmbuf_free(m);
}

#endif /* SHOAL_WORKER_H */
