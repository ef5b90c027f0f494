/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef SHOAL_STEER_H
#define SHOAL_STEER_H

/**
 * @file
 * Software steering: hand received packets to the worker that owns them.
 *
 * When a port cannot spread TCP flows over the workers' queues (no RSS,
 * one queue) the worker that received a packet asks the rss_map who owns
 * it (rss_classify_burst()) and passes it on here. There is one
 * single-producer / single-consumer rte_ring per ordered worker pair
 * (from -> to), so neither side ever contends: ring (from, to) is only
 * enqueued by worker @c from and only dequeued by worker @c to.
 *
 * With one worker there is nothing to steer: steer_create() returns NULL
 * and every function here accepts NULL as "no steering".
 */

#include <stdint.h>
#include <stdio.h>

#include <rte_mbuf.h>

/** Per-worker steering counters. */
struct steer_counters {
	uint64_t redirected;		/**< sent to another worker's ring */
	uint64_t redirect_drops;	/**< ring full: freed instead */
	uint64_t received;		/**< taken from the rings addressed to it */
};

struct steer;

/**
 * Create the rings for @p nb_workers workers.
 *
 * @param ring_size
 *   Packets each ring holds (exactly; need not be a power of two).
 * @param socket
 *   NUMA socket for the rings and the state, or SOCKET_ID_ANY.
 * @param name_prefix
 *   Unique per process: the rings are named "<prefix>_<from>_<to>".
 * @return
 *   The steering state; NULL with rte_errno 0 when @p nb_workers < 2
 *   (nothing to steer), NULL with rte_errno set on failure (EINVAL,
 *   ENAMETOOLONG, ENOMEM, EEXIST).
 */
struct steer *steer_create(unsigned int nb_workers, unsigned int ring_size,
			   int socket, const char *name_prefix);

/** Free the rings and every packet still in them. NULL is a no-op. */
void steer_free(struct steer *s);

/**
 * Worker @p from hands @p n packets to worker @p to. Every packet is
 * consumed: what does not fit in the ring is freed and counted as
 * @c from's redirect_drops, the rest counted as its redirected.
 *
 * @return
 *   How many packets were enqueued.
 */
unsigned int steer_send_batch(struct steer *s, unsigned int from,
			      unsigned int to, struct rte_mbuf **pkts,
			      unsigned int n);

/**
 * Worker @p me takes up to @p max packets handed to it. Senders are
 * served round robin, starting one further each call, each first up to
 * an equal share of @p max, so one busy sender cannot starve another.
 * Packets from one sender come out in the order they were sent.
 *
 * @return
 *   How many packets were stored in @p pkts (0 when @p s is NULL).
 */
unsigned int steer_recv(struct steer *s, unsigned int me,
			struct rte_mbuf **pkts, unsigned int max);

/** Copy @p worker's counters (zeros when @p s is NULL). */
void steer_counters(const struct steer *s, unsigned int worker,
		    struct steer_counters *out);

/** Workers the state was made for (0 when @p s is NULL). */
unsigned int steer_nb_workers(const struct steer *s);

/** One line per worker: its counters and the packets waiting for it. */
void steer_dump(FILE *f, const struct steer *s);

#endif /* SHOAL_STEER_H */
