/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef SHOAL_DEV_IMPAIR_H
#define SHOAL_DEV_IMPAIR_H

/**
 * @file
 * Link impairment: loss, duplication, corruption, reordering, delay with
 * jitter and a rate limit, applied to bursts of mbufs between a port and
 * the stack.
 *
 * The kernel shoal runs on has no netem, and a load generator has to be
 * tested on bad links anyway, so the impairment lives in the dev layer:
 * one instance per port, direction and worker queue, called on RX right
 * after rte_eth_rx_burst() and on TX right before rte_eth_tx_burst().
 * Callers keep a NULL pointer where no impairment is configured, so it
 * costs nothing when off.
 *
 * Every decision comes from a xoshiro256** generator seeded from the
 * configured seed and the instance's name: the same seed, name and input
 * sequence (packets and timestamps) give the same output sequence.
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

struct rte_mbuf;

/** Probabilities are kept in parts per billion: exact to parse and print. */
#define IMPAIR_PPB 1000000000u
/** Default bound of the hold queue (packets waiting for their due time). */
#define IMPAIR_LIMIT_DEFAULT 4096
/** Largest hold queue one instance may have. */
#define IMPAIR_LIMIT_MAX 65536
/** Largest reorder gap: packets a held-back packet waits for. */
#define IMPAIR_GAP_MAX 64
/** Packets held back for reordering at once; more simply pass in order. */
#define IMPAIR_REORDER_SLOTS 64
/**
 * Longest a held-back packet waits for its gap to fill. Without it the
 * last packet of a burst would wait for traffic that may never come (a
 * TCP flow's last segment before an idle period).
 */
#define IMPAIR_REORDER_HOLD_NS 1000000ull
/** Longest delay or jitter accepted, so due times never overflow. */
#define IMPAIR_DURATION_MAX_NS (60ull * 1000000000ull)

/** Which direction of a port a configuration applies to (a bit mask). */
enum impair_dir {
	IMPAIR_DIR_RX = 1,
	IMPAIR_DIR_TX = 2,
	IMPAIR_DIR_BOTH = 3,
};

/** What to do to the packets; impair_conf_init() gives the no-op one. */
struct impair_conf {
	uint32_t loss;		/**< drop probability, parts per billion */
	uint32_t reorder;	/**< hold-back probability, parts per billion */
	uint32_t dup;		/**< duplication probability, parts per billion */
	uint32_t corrupt;	/**< one-bit-flip probability, parts per billion */
	uint64_t delay_ns;	/**< added to every packet's departure */
	uint64_t jitter_ns;	/**< uniform in [-jitter, +jitter] on top of delay */
	uint64_t rate_bps;	/**< link rate in bits/s; 0: unlimited */
	uint64_t seed;		/**< PRNG seed */
	uint32_t limit;		/**< hold queue bound in packets; overflow drops */
	uint16_t gap;		/**< a held-back packet leaves after this many others */
	uint8_t dir;		/**< enum impair_dir */
};

/** Counters of one instance; in + duplicated = out + lost + overflow + held. */
struct impair_counters {
	uint64_t in;		/**< packets handed to impair_burst() */
	uint64_t out;		/**< packets handed back */
	uint64_t lost;		/**< dropped on purpose (loss) */
	uint64_t duplicated;	/**< extra copies made */
	uint64_t corrupted;	/**< packets with one bit flipped */
	uint64_t reordered;	/**< packets held back to leave after later ones */
	uint64_t delayed;	/**< packets that had to wait for their due time */
	uint64_t overflow;	/**< dropped because the hold queue was full */
	uint64_t nomem;		/**< copies (dup, corrupt of shared data) that failed */
	uint64_t held;		/**< packets inside the instance right now */
};

struct impair;

/** Fill @p conf with the no-op configuration (direction both, limit 4096). */
void impair_conf_init(struct impair_conf *conf);

/**
 * Parse a spec such as
 * "loss=5%,reorder=5%,dup=1%,corrupt=0.1%,delay=200us,jitter=50us,seed=7".
 *
 * Keys: loss, reorder, dup, corrupt (a percentage "5%" or a fraction
 * "0.05"); delay, jitter (a duration with a unit: ns, us, ms, s);
 * rate (bits/s, optional suffix k, M, G, T: "1G"); seed (unsigned 64-bit,
 * decimal or 0x hex); dir (rx, tx, both); limit (hold queue, packets);
 * gap (reorder distance, packets). Keys left out keep impair_conf_init()'s
 * values.
 *
 * @param spec    the comma-separated key=value list
 * @param conf    filled on success, left untouched on error
 * @param err     on error, a message naming the key and value (may be NULL)
 * @param errlen  size of @p err
 * @return 0, or -EINVAL
 */
int impair_parse(const char *spec, struct impair_conf *conf,
		 char *err, size_t errlen);

/**
 * Print @p conf as a spec impair_parse() reads back to the same conf
 * (keys at their default values are left out; seed is always printed).
 * @return the length of the full spec, as snprintf() does
 */
int impair_format(const struct impair_conf *conf, char *buf, size_t len);

/** Whether @p conf changes anything at all (else keep a NULL instance). */
bool impair_conf_active(const struct impair_conf *conf);

/** Whether an instance is needed for direction @p dir under @p conf. */
static inline bool
impair_applies(const struct impair_conf *conf, enum impair_dir dir)
{
	return (conf->dir & dir) != 0 && impair_conf_active(conf);
}

/**
 * Create an instance on NUMA socket @p socket_id.
 *
 * The PRNG stream is derived from conf->seed and @p name together, so the
 * RX and TX instances of a port, or the queues of two workers, given one
 * seed, do not drop the same packets in lockstep. Name them stably
 * (e.g. "p0-rx-q1") to keep runs reproducible.
 *
 * @return the instance, or NULL with rte_errno set (EINVAL, ENOMEM)
 */
struct impair *impair_create(const struct impair_conf *conf, int socket_id,
			     const char *name);

/** Free @p im and every mbuf it still holds. NULL is a no-op. */
void impair_free(struct impair *im);

/**
 * Impair a burst.
 *
 * Takes @p n packets from @p pkts (ownership passes to the instance),
 * applies loss, duplication, corruption, reordering and delay, and writes
 * back into @p pkts the packets due at @p now_ns, oldest first, at most
 * @p max of them (@p pkts must have room for @p max). Packets not yet due,
 * or beyond @p max, stay held and leave on a later call; call it on every
 * poll, with n == 0 when nothing arrived, so held packets drain.
 *
 * @p now_ns must not go backwards between calls on one instance.
 * O(1) per packet; allocates only for duplicates and for corrupting a
 * packet whose data is shared (a clone the TCP retransmit queue holds).
 *
 * @return the number of packets written to @p pkts
 */
uint16_t impair_burst(struct impair *im, struct rte_mbuf **pkts, uint16_t n,
		      uint16_t max, uint64_t now_ns);

/** Copy the counters of @p im into @p c. */
void impair_counters(const struct impair *im, struct impair_counters *c);

/** One line: name, spec and counters. */
void impair_dump(FILE *f, const struct impair *im);

#endif /* SHOAL_DEV_IMPAIR_H */
