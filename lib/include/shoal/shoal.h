/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef SHOAL_H
#define SHOAL_H

/**
 * @file
 * shoal: a share-nothing TCP/IP stack on DPDK.
 *
 * Two ways in, one engine:
 *  - owned ports: call rte_eal_init(), then shoal_init() brings up every
 *    ethdev port the EAL created and shoal_launch() runs one poll loop per
 *    worker lcore;
 *  - embedded: the program keeps its own rx/tx loop, hands received bursts
 *    to shoal_input() and gets the stack's packets through a TX callback.
 */

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include <rte_byteorder.h>
#include <rte_mbuf.h>

#include <shoal/addr.h>
#include <shoal/tcp.h>

#ifdef __cplusplus
extern "C" {
#endif

struct shoal_stack;
struct shoal_worker;

/** How a worker polls when nothing arrives. */
enum shoal_poll_mode {
	/** Back off (sleep up to idle_max_us) after a run of empty polls,
	 *  so a kernel peer or a second process on the same core can run. */
	SHOAL_POLL_IDLE = 0,
	/** Spin without ever sleeping: lowest latency, one core per worker. */
	SHOAL_POLL_BUSY = 1,
};

/** Ports one stack drives at most. */
#define SHOAL_PORTS_MAX 4

/** Stack configuration; shoal_conf_init() fills the defaults. */
struct shoal_conf {
	rte_be32_t ip;		/**< first local IPv4 address */
	uint32_t ip_count;	/**< local addresses ip .. ip+ip_count-1 */
	uint8_t prefix_len;	/**< on-link prefix length */
	/** Addresses of ports 1, 2, 3 (port_ip[0] is port 1's), each with its
	 *  on-link prefix length; 0: the port has ip .. ip+ip_count-1, as
	 *  port 0 always does. Segments leave by the port that owns their
	 *  source address, so each port answers its own peers (two clients
	 *  on two ports of one server, a device between two subnets). */
	rte_be32_t port_ip[SHOAL_PORTS_MAX - 1];
	uint8_t port_prefix_len[SHOAL_PORTS_MAX - 1];
	rte_be32_t gw;		/**< default gateway, 0 for none */
	uint16_t mtu;		/**< 0: keep each port's */
	uint32_t nb_mbufs;	/**< mbufs per worker pool */
	uint16_t nb_rxd;	/**< RX descriptors per queue */
	uint16_t nb_txd;	/**< TX descriptors per queue */
	/** Mbufs of each worker's pool kept for refilling its RX queues
	 *  (shoal_tcp_conf.mbuf_reserve: below it the TCP engine holds no
	 *  new memory, so a dry pool can never stop the ACKs that would
	 *  free it). -1 (the default): nb_rxd per port + one RX burst (a
	 *  PMD may refill a drained ring in one bulk allocation); 0: no
	 *  reserve. At most half the pool. */
	int32_t mbuf_reserve;
	bool no_offload;	/**< ignore the ports' checksum offloads */
	/** Segmentation offload where every port offers it (and checksum
	 *  offload is on; not on TAP): the engines then send up to what one
	 *  IPv4 packet holds (shoal_tcp_conf.tso_max). A vhost-user port
	 *  counts once its guest has negotiated GUEST_TSO4, checked while
	 *  running. Virtio ports also ask for LRO (merged segments on
	 *  receive). Default on. */
	bool tso;
	bool main_is_worker;	/**< the main lcore runs a worker too */
	enum shoal_poll_mode poll;
	uint32_t idle_max_us;	/**< longest sleep in idle mode */
	/** Count the TSC cycles of each phase of the worker loop into the
	 *  cycles_* counters (stats/stats.h): a real-time profile, cache
	 *  misses included, which instruction counts do not show. Costs two
	 *  TSC reads a phase, ~12 a poll. */
	bool cycles;
	uint32_t neigh_entries;	/**< neighbour table size per worker */
	uint64_t neigh_reachable_ns; /**< how long a learnt MAC is trusted */
	const char *capture;	/**< pcap file to write, NULL for none */
	/** Link impairment on every port, e.g. "loss=1%,reorder=5%,seed=7"
	 *  (keys: loss reorder dup corrupt delay jitter rate seed dir limit
	 *  gap); NULL for none. Deterministic for a seed. */
	const char *impair;
	bool no_tcp;		/**< no TCP engine: TCP segments are dropped */
	/** Embedded mode: the MAC of the caller's port (all zero: random)
	 *  and whether it carries bare IP packets (TUN-like, no ARP). */
	uint8_t embedded_mac[6];
	bool embedded_l3;
	/** Template for every worker's TCP engine (shoal_tcp_conf_init()
	 *  defaults). The stack fills name, socket_id, pool, hdr_room,
	 *  output and port_ok itself and clamps mss to the port's MTU. */
	struct shoal_tcp_conf tcp;
};

/** Fill @p conf with the defaults (no address: the caller sets one). */
void shoal_conf_init(struct shoal_conf *conf);

/**
 * Create the stack on every ethdev port the EAL created, with one worker
 * per enabled lcore (the main lcore too when conf->main_is_worker, or when
 * it is the only one). Call after rte_eal_init().
 * @return the stack, or NULL with rte_errno set and the reason logged.
 */
struct shoal_stack *shoal_init(const struct shoal_conf *conf);

/**
 * Create a stack without ports, for embedding: the caller owns rx/tx,
 * feeds shoal_input() and receives the stack's packets through @p tx.
 * One worker per call of shoal_input's @p worker argument (nb_workers).
 */
typedef uint16_t (*shoal_tx_fn)(void *ctx, uint16_t worker,
				struct rte_mbuf **pkts, uint16_t n);
struct shoal_stack *shoal_init_embedded(const struct shoal_conf *conf,
					unsigned int nb_workers,
					shoal_tx_fn tx, void *tx_ctx);

/** Start the poll loops on the worker lcores; returns at once. */
int shoal_launch(struct shoal_stack *st);

/** Ask every worker to stop (safe from a signal handler). */
void shoal_stop(struct shoal_stack *st);

/** True once shoal_stop() was called. */
bool shoal_stopping(const struct shoal_stack *st);

/** Wait for the poll loops to return after shoal_stop(). */
void shoal_wait(struct shoal_stack *st);

/** Release ports, pools and workers. */
void shoal_free(struct shoal_stack *st);

/** Number of workers. */
unsigned int shoal_nb_workers(const struct shoal_stack *st);

/** Worker @p i, for embedded mode and per-worker APIs. */
struct shoal_worker *shoal_worker(struct shoal_stack *st, unsigned int i);

/**
 * Embedded mode: process a burst received by the caller on behalf of
 * @p w at time @p now_ns (any monotonic nanosecond clock). The stack
 * takes ownership of every mbuf. Returns @p n.
 */
uint16_t shoal_input(struct shoal_worker *w, struct rte_mbuf **pkts,
		     uint16_t n, uint64_t now_ns);

/** Embedded mode: run timers and flush output; call once per loop. */
void shoal_poll(struct shoal_worker *w, uint64_t now_ns);

/**
 * The application's per-worker hooks, for owned-ports mode: @p init runs
 * on each worker's lcore before its poll loop (open listeners, start
 * connections), @p poll once per loop iteration (return how much work it
 * did: non-zero keeps an idle-mode worker from sleeping), @p fini after
 * the loop ends. Every pointer may be NULL. Set before shoal_launch().
 */
struct shoal_app {
	int (*init)(struct shoal_worker *w, void *ctx);
	int (*poll)(struct shoal_worker *w, void *ctx, uint64_t now_ns);
	void (*fini)(struct shoal_worker *w, void *ctx);
	void *ctx;
};
void shoal_set_app(struct shoal_stack *st, const struct shoal_app *app);

/** The TCP engine of worker @p w (NULL when conf.no_tcp). */
struct shoal_tcp *shoal_worker_tcp(struct shoal_worker *w);

/** Index of worker @p w (0 .. shoal_nb_workers() - 1). */
unsigned int shoal_worker_id(const struct shoal_worker *w);

/** The stack worker @p w belongs to. */
struct shoal_stack *shoal_worker_stack(struct shoal_worker *w);

/** The worker's clock: the time of its current poll loop iteration. */
uint64_t shoal_worker_now(const struct shoal_worker *w);

/** Local address range of the first port: first address and count. */
void shoal_local_addrs(const struct shoal_stack *st, rte_be32_t *first,
		       uint32_t *count);

/**
 * Listen on @p port on every worker (connections are accepted by the
 * worker that receives the SYN). Call before shoal_launch(), or from
 * each worker's shoal_app init with shoal_tcp_listen() instead.
 */
int shoal_listen(struct shoal_stack *st, uint16_t port,
		 const struct shoal_tcp_ops *ops, void *ctx);

/** The counters, summed over workers (a consistent recent snapshot). */
struct shoal_stats;
void shoal_stats_read(const struct shoal_stack *st, struct shoal_stats *sum);

/** The TCP counters, summed over workers (a consistent recent snapshot). */
void shoal_tcp_stats_read(const struct shoal_stack *st,
			  struct shoal_tcp_stats *sum);

/** Counters of worker @p i alone (either pointer may be NULL). */
int shoal_worker_stats_read(const struct shoal_stack *st, unsigned int i,
			    struct shoal_stats *stats,
			    struct shoal_tcp_stats *tcp);

/** Print ports and counters. */
void shoal_dump(FILE *f, const struct shoal_stack *st);

/** Monotonic nanoseconds from the TSC: the clock the poll loops use. */
uint64_t shoal_now_ns(void);

#ifdef __cplusplus
}
#endif

#endif /* SHOAL_H */
