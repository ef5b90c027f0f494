/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef SHOAL_FLOW_FLOW_H
#define SHOAL_FLOW_FLOW_H

/**
 * @file
 * Per-engine connection tables. Nothing here is shared between workers:
 * no locks, and the listen table's rte_hash has no concurrency flags.
 *
 * - flow_table: the 4-tuple -> control block table, looked up in bulk once
 *   per received burst; chaining through 32-bit indices, 28 bytes per
 *   entry. IPv4 keeps its own 12-byte key (the tight path); IPv6 will get
 *   a table of its own.
 * - listen_table: (local address, port) -> listener, with the wildcard
 *   address as a second chance.
 * - flow_slab: the control blocks (4 bytes of overhead each).
 * - flow_cb_pool_create: a packed mempool (the control-block extensions).
 */

#include <errno.h>
#include <stdbool.h>
#include <stdint.h>

#include <rte_common.h>
#include <rte_hash.h>
#include <rte_hash_crc.h>
#include <rte_mempool.h>

#include <shoal/addr.h>

/** The IPv4 4-tuple as on the wire (network order), seen from here.
 *  16 bytes, 8-aligned: rte_hash_crc reads keys 8 bytes at a time. */
struct flow_key4 {
	rte_be32_t laddr;
	rte_be32_t raddr;
	rte_be16_t lport;
	rte_be16_t rport;
	uint32_t zero;		/* hashed and compared: always 0 */
} __rte_aligned(8);

/** Fill @p k from @p ep; -EAFNOSUPPORT unless both ends are IPv4. */
static inline int
flow_key4_from_ep(struct flow_key4 *k, const struct shoal_endpoints *ep)
{
	if (ep->local.family != SHOAL_AF_INET ||
	    ep->remote.family != SHOAL_AF_INET)
		return -EAFNOSUPPORT;
	k->laddr = ep->local.v4;
	k->raddr = ep->remote.v4;
	k->lport = ep->lport;
	k->rport = ep->rport;
	k->zero = 0;
	return 0;
}

/** One entry of the 4-tuple table: the key without its padding, the
 *  chain link and the data, 24 bytes. */
struct flow_node {
	rte_be32_t laddr;
	rte_be32_t raddr;
	rte_be16_t lport;
	rte_be16_t rport;
	uint32_t next;		/**< next in chain or free list; UINT32_MAX: none */
	void *data;
};

/**
 * The 4-tuple table: separate chaining through 32-bit indices, with the
 * entries in one array sized exactly for @c max (no rounding to a power
 * of two, no extendable buckets, no free-slot rings): 24 bytes per entry
 * plus a 4-byte chain head per entry, 28 bytes in all, where rte_hash
 * spent 57 to 80. One chain head per entry keeps chains at about 1.5
 * entries on a hit when full.
 */
struct flow_table {
	uint32_t *heads;	/**< nb_heads chain heads */
	struct flow_node *nodes;	/**< max entries */
	uint32_t nb_heads;
	uint32_t max;
	uint32_t count;
	uint32_t free_head;	/**< free entries, linked by next */
};

/** Create a table for @p max entries. 0 or a negative errno. */
int flow_table_init(struct flow_table *ft, const char *name, uint32_t max,
		    int socket);
void flow_table_free(struct flow_table *ft);

/** Insert (@p data not NULL); -EEXIST when the tuple is taken, -ENOSPC
 *  when full. */
int flow_table_add(struct flow_table *ft, const struct flow_key4 *k,
		   void *data);
/** Remove; 0 or -ENOENT. */
int flow_table_del(struct flow_table *ft, const struct flow_key4 *k);
/** The entry for @p k, or NULL. */
void *flow_table_lookup(const struct flow_table *ft, const struct flow_key4 *k);
/** Iterate: the data of the next entry from *@p iter (start at 0), or
 *  NULL at the end. Deleting entries meanwhile is safe: none move. */
void *flow_table_next(const struct flow_table *ft, uint32_t *iter);
/** Look @p n keys up at once (any n); out[i] is NULL on a miss. Returns the
 *  number of hits. */
unsigned int flow_table_lookup_bulk(const struct flow_table *ft,
				    const struct flow_key4 **keys,
				    unsigned int n, void **out);

/** The listen table's key: local address (0 = any) and port, network order. */
struct flow_listen_key {
	rte_be32_t addr;
	rte_be16_t port;
	uint16_t zero;
} __rte_aligned(8);

struct listen_table {
	struct rte_hash *h;
	uint32_t max;
	uint32_t count;
};

int listen_table_init(struct listen_table *lt, const char *name,
		      uint32_t max, int socket);
void listen_table_free(struct listen_table *lt);
/** Insert; -EADDRINUSE when taken, -ENOSPC when full. */
int listen_table_add(struct listen_table *lt, rte_be32_t addr,
		     rte_be16_t port, void *data);
int listen_table_del(struct listen_table *lt, rte_be32_t addr,
		     rte_be16_t port);
/** Exact (addr, port) first, then (any, port); NULL when neither. */
void *listen_table_lookup(const struct listen_table *lt, rte_be32_t addr,
			  rte_be16_t port);

/**
 * A slab of @p n fixed-size blocks in one array with a ring of free
 * indices: 4 bytes of overhead per block (a mempool's object header and
 * ring slot cost 32 to 40). First freed, first reused, as from a mempool:
 * a block freed just now is the last to be handed out again, so a stale
 * pointer to a closed connection does not land on a new one at once.
 * One engine, one thread: no locks.
 */
struct flow_slab {
	uint8_t *base;
	uint32_t *ring;		/**< free block indices from head, avail of them */
	uint32_t size;		/**< bytes per block, a multiple of 8 */
	uint32_t n;
	uint32_t head;
	uint32_t avail;
};

/** 0, -EINVAL or -ENOMEM. */
int flow_slab_init(struct flow_slab *s, const char *name, uint32_t n,
		   uint32_t size, int socket);
void flow_slab_free(struct flow_slab *s);

/** A free block, or NULL. */
static inline void *
flow_slab_get(struct flow_slab *s)
{
	uint32_t i;

	if (s->avail == 0)
		return NULL;
	i = s->ring[s->head];
	s->head = s->head + 1 == s->n ? 0 : s->head + 1;
	s->avail--;
	return s->base + (size_t)i * s->size;
}

/** Give back @p p, which flow_slab_get() returned. */
static inline void
flow_slab_put(struct flow_slab *s, void *p)
{
	uint32_t tail = s->head + s->avail;

	if (tail >= s->n)
		tail -= s->n;
	s->ring[tail] = (uint32_t)(((uint8_t *)p - s->base) / s->size);
	s->avail++;
}

static inline uint32_t
flow_slab_avail(const struct flow_slab *s)
{
	return s->avail;
}

/** A single-producer single-consumer pool of @p n blocks of @p size bytes,
 *  packed (8-byte aligned); NULL with rte_errno set on failure. */
struct rte_mempool *flow_cb_pool_create(const char *name, uint32_t n,
					uint32_t size, int socket);

#endif /* SHOAL_FLOW_FLOW_H */
