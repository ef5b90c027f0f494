/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef SHOAL_RSS_H
#define SHOAL_RSS_H

/**
 * @file
 * The RSS map: which worker owns a TCP/IPv4 flow.
 *
 * A port with RSS hashes every received packet with Toeplitz over
 * (src addr, dst addr, src port, dst port) and looks the low bits of the
 * hash up in its redirection table (RETA) to pick a queue; queue q is
 * worker q. struct rss_map holds the same key and RETA so software can
 * answer the same question: for an active open, which source ports bring
 * the return traffic back to the opening worker; for a port without RSS,
 * which worker a received packet must be handed to (see steer.h).
 *
 * The hash itself is DPDK's rte_softrss_be() over a pre-converted key.
 */

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include <rte_byteorder.h>
#include <rte_common.h>
#include <rte_mbuf.h>
#include <rte_thash.h>

#include <shoal/addr.h>

/** Toeplitz key length (bytes) shoal hashes with; what NICs use for IPv4. */
#define RSS_KEY_LEN 40
/** Largest RETA a port may report (RTE_ETH_RSS_RETA_SIZE_512). */
#define RSS_RETA_MAX 512
/** RETA size used when the map is not taken from a port. */
#define RSS_RETA_DEFAULT 128
/** Most packets rss_classify_burst() takes at once. */
#define RSS_BURST_MAX 64
/** Most workers a map can spread over. */
#define RSS_MAX_WORKERS 128

/** A Toeplitz key and the RETA that maps hash buckets to workers. */
struct rss_map {
	/* hot: read for every hash */
	uint32_t key_be[RSS_KEY_LEN / 4];	/**< key as rte_softrss_be wants it */
	uint32_t reta_mask;			/**< reta_size - 1 */
	uint16_t nb_workers;
	uint16_t reta_size;			/**< a power of two, <= 512 */
	uint16_t reta[RSS_RETA_MAX];		/**< bucket -> worker */
	/* cold */
	uint8_t key[RSS_KEY_LEN] __rte_aligned(4);	/**< as programmed */
};

/**
 * Build a map with a round-robin RETA of RSS_RETA_DEFAULT buckets
 * (bucket i -> worker i % nb_workers), the spread lib/dev programs.
 *
 * @param key
 *   Toeplitz key, @p key_len bytes.
 * @param key_len
 *   At least 16 (the IPv4/TCP tuple needs 96 + 32 key bits); only the
 *   first RSS_KEY_LEN bytes are used, shorter keys are zero padded.
 * @return
 *   0, or -EINVAL on a bad argument (nb_workers 0 or > RSS_MAX_WORKERS).
 */
int rss_map_init(struct rss_map *map, const uint8_t *key, unsigned int key_len,
		 unsigned int nb_workers);

/**
 * Build a map from an explicit RETA.
 *
 * @param reta
 *   @p reta_size entries, each a worker index below @p nb_workers.
 * @param reta_size
 *   A power of two from 1 to RSS_RETA_MAX: NICs index the RETA with the
 *   hash's low bits.
 * @return
 *   0, or -EINVAL (bad size, key, worker count or entry).
 */
int rss_map_init_reta(struct rss_map *map, const uint8_t *key,
		      unsigned int key_len, const uint16_t *reta,
		      unsigned int reta_size, unsigned int nb_workers);

/**
 * Build a map that says what @p port_id does: when the port runs RSS
 * over IPv4/TCP, its key and RETA as the driver reports them (queue q is
 * worker q); otherwise a round-robin map over shoal_rss_key, which is
 * what software steering then hashes with.
 *
 * Call after the port was configured and started (port_setup()).
 *
 * @return
 *   0; -ENOTSUP when the port runs RSS in a way software cannot follow
 *   (no 4-tuple hash for TCP, key shorter than 16 bytes, RETA larger than
 *   RSS_RETA_MAX or not a power of two); -EINVAL when its RETA names a
 *   queue >= @p nb_workers; another negative errno from ethdev.
 */
int rss_map_from_port(struct rss_map *map, uint16_t port_id,
		      unsigned int nb_workers);

/**
 * Toeplitz hash of a TCP/IPv4 packet travelling on the connection @p ep
 * towards this host, i.e. as RECEIVED: source = ep->remote:ep->rport,
 * destination = ep->local:ep->lport, the order NICs hash in.
 */
static inline uint32_t
rss_hash_v4(const struct rss_map *map, const struct shoal_endpoints *ep)
{
	/* rte_softrss wants host-order words: src, dst, (sport << 16 | dport) */
	uint32_t tuple[3] = {
		rte_be_to_cpu_32(ep->remote.v4),
		rte_be_to_cpu_32(ep->local.v4),
		(uint32_t)rte_be_to_cpu_16(ep->rport) << 16 |
			rte_be_to_cpu_16(ep->lport),
	};

	return rte_softrss_be(tuple, RTE_DIM(tuple),
			      (const uint8_t *)map->key_be);
}

/** The RETA entry for @p hash: the worker whose queue the NIC picks. */
static inline unsigned int
rss_hash_worker(const struct rss_map *map, uint32_t hash)
{
	return map->reta[hash & map->reta_mask];
}

/** Owner of the TCP/IPv4 connection @p ep (see rss_hash_v4()). */
static inline unsigned int
rss_worker_v4(const struct rss_map *map, const struct shoal_endpoints *ep)
{
	return rss_hash_worker(map, rss_hash_v4(map, ep));
}

/** True when the connection @p ep, with its ep->lport, is owned by
 *  @p worker: the test an active open's source port must pass. */
bool rss_port_ok(const struct rss_map *map, const struct shoal_endpoints *ep,
		 unsigned int worker);

/** Context of rss_port_ok_cb(): one per worker, living as long as it. */
struct rss_port_ctx {
	const struct rss_map *map;
	unsigned int worker;
};

/**
 * rss_port_ok() in the shape of the TCP engine's shoal_tcp_port_ok_fn:
 * pass it as conf.port_ok with a struct rss_port_ctx as conf.port_ok_ctx.
 */
bool rss_port_ok_cb(void *ctx, const struct shoal_endpoints *ep);

/**
 * Pick a local port in [@p lo, @p hi] (host order) for the connection
 * @p ep (ep->lport is ignored) whose return traffic @p worker owns.
 * The scan starts at a point chosen by @p rnd (a random number from the
 * caller, RFC 6056 style) and wraps, so every suitable port is found.
 * The caller still checks the port is free.
 *
 * @return
 *   The port in network order, or 0 when no port in the range maps to
 *   @p worker (or the arguments are bad: lo > hi, worker out of range).
 */
rte_be16_t rss_pick_port(const struct rss_map *map,
			 const struct shoal_endpoints *ep, unsigned int worker,
			 uint16_t lo, uint16_t hi, uint32_t rnd);

/** Packets for one other worker, filled by rss_classify_burst(). */
struct rss_batch {
	uint16_t n;
	struct rte_mbuf *pkts[RSS_BURST_MAX];
};

/**
 * Owner of one received frame: for a TCP/IPv4 packet that is not a
 * fragment, rss_hash_worker() of its 4-tuple; for anything else (ARP,
 * ICMP, fragments, IPv6, runts) worker 0, which runs the neighbour table
 * and drops and counts what is malformed.
 *
 * @param l3
 *   The frame starts with the IPv4 header (TUN port), not Ethernet.
 */
unsigned int rss_pkt_worker(const struct rss_map *map,
			    const struct rte_mbuf *m, bool l3);

/**
 * Split a received burst by owner (rss_pkt_worker()).
 *
 * @param me
 *   The worker that received the burst.
 * @param pkts
 *   @p n frames, at most RSS_BURST_MAX.
 * @param kept
 *   Receives the frames @p me owns, in arrival order.
 * @param to
 *   Array of map->nb_workers batches; every to[w].n is reset first, then
 *   to[w] receives, in arrival order, the frames worker w owns (to[me]
 *   stays empty). Hand them over with steer_send_batch().
 * @return
 *   How many frames were kept, or -EINVAL when @p n > RSS_BURST_MAX or
 *   @p me is not a worker of the map (then nothing is touched).
 */
int rss_classify_burst(const struct rss_map *map, unsigned int me,
		       struct rte_mbuf **pkts, uint16_t n, bool l3,
		       struct rte_mbuf **kept, struct rss_batch *to);

/** The map in a few lines: key, RETA size, buckets per worker. */
void rss_map_dump(FILE *f, const struct rss_map *map);

#endif /* SHOAL_RSS_H */
