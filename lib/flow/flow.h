/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef SHOAL_FLOW_FLOW_H
#define SHOAL_FLOW_FLOW_H

/**
 * @file
 * Per-engine connection tables. Nothing here is shared between workers:
 * no locks, and the listen table's rte_hash has no concurrency flags.
 *
 * - flow_slab: fixed-size blocks (control blocks and their attachments)
 *   in one array, with no overhead per block.
 * - flow_table: the 4-tuple -> control block table over a slab, looked up
 *   in bulk once per received burst. Intrusive: the key and the chain link
 *   live in the block (struct flow_node, 16 bytes), and the table adds one
 *   4-byte chain head per block. IPv4 keeps its own 12-byte key (the tight
 *   path); IPv6 will get a table of its own.
 * - listen_table: (local address, port) -> listener, with the wildcard
 *   address as a second chance.
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

/**
 * A table member's key and chain link, embedded in the member (a control
 * block): 16 bytes. While the block is free, @c next links the slab's
 * free queue instead.
 */
struct flow_node {
	rte_be32_t laddr;
	rte_be32_t raddr;
	rte_be16_t lport;
	rte_be16_t rport;
	uint32_t next;		/**< next in chain (flow_slab_ref); FLOW_NONE */
};

#define FLOW_NONE	UINT32_MAX

static inline void
flow_node_set(struct flow_node *n, const struct flow_key4 *k)
{
	n->laddr = k->laddr;
	n->raddr = k->raddr;
	n->lport = k->lport;
	n->rport = k->rport;
}

static inline void
flow_node_key(const struct flow_node *n, struct flow_key4 *k)
{
	k->laddr = n->laddr;
	k->raddr = n->raddr;
	k->lport = n->lport;
	k->rport = n->rport;
	k->zero = 0;
}

/**
 * A slab of @p n fixed-size blocks in one array, with no overhead per
 * block: blocks never handed out are taken in order, freed ones queue
 * through a 32-bit link inside the block (at @c link_off). By default
 * first freed, first reused, as from a mempool; in lifo mode last freed,
 * first reused, and before any fresh block, which keeps the blocks in use
 * few and in cache (the engine's control blocks and their attachments).
 * One engine, one thread: no locks.
 *
 * Links between blocks (here, in flow_table, in the timer wheel, in the
 * engine's lists) hold a block's reference, flow_slab_ref(): its offset
 * from the base in 8-byte units. It turns into an address with a shift,
 * where a block index would need a multiplication one way and a division
 * the other (a control block's size is not a power of two); 31 bits of it
 * reach 16 GiB of blocks, the most a slab may hold.
 */
struct flow_slab {
	uint8_t *base;
	uint32_t size;		/**< bytes per block, a multiple of 8 */
	uint32_t n;
	uint32_t link_off;	/**< offset of the free link in a block */
	uint32_t fresh;		/**< blocks [fresh, n) were never handed out */
	/** Freed blocks, oldest first (newest first in lifo mode);
	 *  FLOW_NONE: none. */
	uint32_t free_head;
	uint32_t free_tail;	/**< unused in lifo mode */
	uint32_t avail;
	/** Last freed, first reused, before any fresh block (set after
	 *  flow_slab_init): the blocks in use stay few and cache-hot rather
	 *  than spread over the whole slab. */
	bool lifo;
};

/** The most bytes of blocks a slab holds (references fit in 31 bits). */
#define FLOW_SLAB_MAX_BYTES	(((uint64_t)1 << 31) * 8 - 64)

/** 0, -EINVAL (or more than FLOW_SLAB_MAX_BYTES) or -ENOMEM. The free
 *  link is the uint32_t at @p link_off in each block; the slab writes it
 *  only while the block is free. */
int flow_slab_init(struct flow_slab *s, const char *name, uint32_t n,
		   uint32_t size, uint32_t link_off, int socket);
void flow_slab_free(struct flow_slab *s);

/** The reference of block @p p (see struct flow_slab). */
static inline uint32_t
flow_slab_ref(const struct flow_slab *s, const void *p)
{
	return (uint32_t)(((const uint8_t *)p - s->base) >> 3);
}

/** The block referenced by @p ref. */
static inline void *
flow_slab_at(const struct flow_slab *s, uint32_t ref)
{
	return s->base + ((size_t)ref << 3);
}

static inline uint32_t *
flow_slab_link(const struct flow_slab *s, uint32_t ref)
{
	return (uint32_t *)((uint8_t *)flow_slab_at(s, ref) + s->link_off);
}

/** A free block, or NULL. */
static inline void *
flow_slab_get(struct flow_slab *s)
{
	void *p;

	if (s->lifo && s->free_head != FLOW_NONE) {
		p = flow_slab_at(s, s->free_head);
		s->free_head = *flow_slab_link(s, s->free_head);
	} else if (s->fresh < s->n) {
		p = s->base + (size_t)s->fresh++ * s->size;
	} else if (s->free_head != FLOW_NONE) {
		p = flow_slab_at(s, s->free_head);
		s->free_head = *flow_slab_link(s, s->free_head);
		if (s->free_head == FLOW_NONE)
			s->free_tail = FLOW_NONE;
	} else {
		return NULL;
	}
	s->avail--;
	return p;
}

/** Give back @p p, which flow_slab_get() returned. */
static inline void
flow_slab_put(struct flow_slab *s, void *p)
{
	uint32_t r = flow_slab_ref(s, p);

	if (s->lifo) {
		*flow_slab_link(s, r) = s->free_head;
		s->free_head = r;
		s->avail++;
		return;
	}
	*flow_slab_link(s, r) = FLOW_NONE;
	if (s->free_tail == FLOW_NONE)
		s->free_head = r;
	else
		*flow_slab_link(s, s->free_tail) = r;
	s->free_tail = r;
	s->avail++;
}

static inline uint32_t
flow_slab_avail(const struct flow_slab *s)
{
	return s->avail;
}

/**
 * The 4-tuple table over the blocks of a slab, each holding a struct
 * flow_node at @c node_off: separate chaining through block references, one
 * 4-byte chain head per block (no rounding to a power of two), so a member
 * costs 20 bytes in all, 16 of them in its own block, where rte_hash spent
 * 57 to 80 and a table of separate entries 28 plus the key in the block.
 * One chain head per block keeps chains at about 1.5 entries on a hit when
 * full, and a lookup that hits reads the block it returns.
 *
 * Tables of up to FLOW_HEADS_WIDE_MAX blocks get two heads per block
 * (flow_table_heads): a full table's chains halve, and a lookup that
 * misses (every SYN and cookie ACK of a server whose table TIME-WAIT
 * fills) reads half as many cold blocks. A CPS server's input took 230-430
 * TSC cycles less a connection. Larger tables, where the 4 bytes count
 * more than idle connections' chains, keep one.
 */
#define FLOW_HEADS_WIDE_MAX	(1u << 20)

/** The chain heads of a table over @p n blocks. */
static inline uint32_t
flow_table_heads(uint32_t n)
{
	return n <= FLOW_HEADS_WIDE_MAX ? 2 * n : n;
}

struct flow_table {
	uint32_t *heads;	/**< nb_heads chain heads */
	uint8_t *base;		/**< the slab's blocks */
	uint32_t node_off;	/**< offset of struct flow_node in a block */
	uint32_t nb_heads;
	uint32_t max;
	uint32_t count;
};

/** Create a table over the blocks of @p s, whose struct flow_node is at
 *  @p node_off. 0 or a negative errno. */
int flow_table_init(struct flow_table *ft, const char *name,
		    const struct flow_slab *s, uint32_t node_off, int socket);
void flow_table_free(struct flow_table *ft);

/** Insert block @p obj, whose flow_node holds its key (flow_node_set);
 *  -EEXIST when the tuple is taken. */
int flow_table_add(struct flow_table *ft, void *obj);
/** Remove block @p obj; 0 or -ENOENT. */
int flow_table_del(struct flow_table *ft, void *obj);
/** The block for @p k, or NULL. */
void *flow_table_lookup(const struct flow_table *ft, const struct flow_key4 *k);

/** Iteration state (flow_table_next); start from FLOW_ITER_INIT. */
struct flow_iter {
	uint32_t head;		/**< next chain head to start */
	uint32_t next;		/**< next block in the current chain */
};
#define FLOW_ITER_INIT ((struct flow_iter){ 0, FLOW_NONE })

/** Iterate: the next block from @p it, or NULL at the end. Deleting the
 *  block returned meanwhile is safe (its successor is already known). */
void *flow_table_next(const struct flow_table *ft, struct flow_iter *it);
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

#endif /* SHOAL_FLOW_FLOW_H */
