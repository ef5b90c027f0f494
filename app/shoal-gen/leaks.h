/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef SHOAL_GEN_LEAKS_H
#define SHOAL_GEN_LEAKS_H

/*
 * Resource accounting at the end of a run: what a worker still holds
 * once every connection ended and the stack stopped. Pure arithmetic on
 * a sample the caller takes (gen.c reads the mbuf pool and the engine),
 * so the rules are unit-tested without a network.
 *
 * mbufs: the pool's in-use count once the ports were closed, so the
 * drivers gave back what their RX rings keep posted and what their TX
 * rings had not reclaimed (virtio reclaims lazily, up to a ring's worth:
 * a count taken with the port open is not exact). What remains is held
 * by the stack's own queues (the worker's TX buffer, passed in as
 * mbufs_queued), a connection, or a leak; after a clean drain no
 * connection holds any.
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* What the caller measured for one worker. */
struct gen_leak_sample {
	uint64_t mbufs_in_use;		/* pool in use, ports closed */
	uint64_t mbufs_queued;		/* in the worker's TX buffer */
	uint64_t cbs;			/* control blocks out of the pool */
	uint64_t cbs_timewait;		/* of which in TIME-WAIT */
	uint64_t cbs_half_open;		/* of which SYN-RECEIVED (a flood's) */
	uint64_t exts;			/* control-block extensions in use */
	uint64_t snd_bytes;		/* send-buffer bytes held */
	uint64_t reass_bytes;		/* reassembly bytes held */
	uint64_t contexts;		/* shoal-gen connection contexts in use */
	uint64_t txns;			/* shoal-gen transaction records held */
};

/* The leak counters; one list for the struct, the summary and JSON. */
#define GEN_LEAKS(X) \
	X(mbufs)	/* mbufs in use, not queued for TX */ \
	X(conns)	/* control blocks neither TIME-WAIT nor half-open */ \
	X(exts)		/* control-block extensions */ \
	X(snd_bytes)	/* send-buffer bytes */ \
	X(reass_bytes)	/* reassembly bytes */ \
	X(contexts)	/* shoal-gen connection contexts */ \
	X(txns)		/* shoal-gen transaction records */

struct gen_leaks {
#define GEN_LEAK_FIELD(n) uint64_t n;
	GEN_LEAKS(GEN_LEAK_FIELD)
#undef GEN_LEAK_FIELD
};

/* The leaks @p s shows, added to @p l (summing workers). */
void gen_leaks_add_sample(struct gen_leaks *l, const struct gen_leak_sample *s);

/* True when any counter of @p l is non-zero. */
bool gen_leaks_any(const struct gen_leaks *l);

/* "mbufs 3, conns 1" for the non-zero counters ("none" without any);
 * returns what snprintf returns. */
int gen_leaks_format(const struct gen_leaks *l, char *buf, size_t len);

#endif /* SHOAL_GEN_LEAKS_H */
