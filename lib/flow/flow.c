/* SPDX-License-Identifier: BSD-3-Clause */
#include <errno.h>
#include <string.h>

#include <rte_errno.h>
#include <rte_hash_crc.h>
#include <rte_malloc.h>
#include <rte_prefetch.h>

#include "flow.h"

static int
hash_create(struct rte_hash **h, const char *name, uint32_t max,
	    uint32_t key_len, int socket)
{
	struct rte_hash_parameters p = {
		.name = name,
		/* rte_hash wants at least 8 entries and a bucket's worth. */
		.entries = max < 16 ? 16 : max,
		.key_len = key_len,
		.hash_func = rte_hash_crc,
		.hash_func_init_val = 0,
		.socket_id = socket,
		/* The extendable table guarantees every one of max keys
		 * fits, whatever their hashes. */
		.extra_flag = RTE_HASH_EXTRA_FLAGS_EXT_TABLE,
	};

	*h = rte_hash_create(&p);
	return *h == NULL ? -(rte_errno ? rte_errno : ENOMEM) : 0;
}

#define FLOW_BULK_MAX	32	/* keys whose misses overlap */

int
flow_table_init(struct flow_table *ft, const char *name,
		const struct flow_slab *s, uint32_t node_off, int socket)
{
	RTE_SET_USED(name);
	memset(ft, 0, sizeof(*ft));
	if (s->n == 0 || s->n >= FLOW_NONE ||
	    node_off + sizeof(struct flow_node) > s->size)
		return -EINVAL;
	ft->base = s->base;
	ft->node_off = node_off;
	ft->max = s->n;
	ft->nb_heads = flow_table_heads(s->n);
	ft->heads = rte_malloc_socket("flow_heads",
				      (size_t)ft->nb_heads * sizeof(uint32_t),
				      RTE_CACHE_LINE_SIZE, socket);
	if (ft->heads == NULL)
		return -ENOMEM;
	memset(ft->heads, 0xff, (size_t)ft->nb_heads * sizeof(uint32_t));
	return 0;
}

void
flow_table_free(struct flow_table *ft)
{
	rte_free(ft->heads);
	ft->heads = NULL;
}

/* Blocks by reference (struct flow_slab): base + ref * 8. */
static inline void *
flow_obj_at(const struct flow_table *ft, uint32_t ref)
{
	return ft->base + ((size_t)ref << 3);
}

static inline struct flow_node *
flow_node_at(const struct flow_table *ft, uint32_t ref)
{
	return (struct flow_node *)((uint8_t *)flow_obj_at(ft, ref) +
				    ft->node_off);
}

static inline uint32_t
flow_obj_ref(const struct flow_table *ft, const void *obj)
{
	return (uint32_t)(((const uint8_t *)obj - ft->base) >> 3);
}

static inline struct flow_node *
flow_obj_node(const struct flow_table *ft, void *obj)
{
	return (struct flow_node *)((uint8_t *)obj + ft->node_off);
}

/* CRC32-C of the 12 key bytes, mapped onto the heads by multiply-shift
 * (Lemire's fastrange), which needs no power-of-two table size. */
static inline uint32_t *
flow_head(const struct flow_table *ft, rte_be32_t laddr, rte_be32_t raddr,
	  rte_be16_t lport, rte_be16_t rport)
{
	uint32_t h;

	h = rte_hash_crc_8byte((uint64_t)laddr | (uint64_t)raddr << 32, 0);
	h = rte_hash_crc_4byte((uint32_t)lport | (uint32_t)rport << 16, h);
	return &ft->heads[((uint64_t)h * ft->nb_heads) >> 32];
}

static inline uint32_t *
flow_head_key(const struct flow_table *ft, const struct flow_key4 *k)
{
	return flow_head(ft, k->laddr, k->raddr, k->lport, k->rport);
}

static inline bool
flow_node_is(const struct flow_node *n, const struct flow_key4 *k)
{
	return n->laddr == k->laddr && n->raddr == k->raddr &&
	       n->lport == k->lport && n->rport == k->rport;
}

static inline bool
flow_node_same(const struct flow_node *a, const struct flow_node *b)
{
	return a->laddr == b->laddr && a->raddr == b->raddr &&
	       a->lport == b->lport && a->rport == b->rport;
}

int
flow_table_add(struct flow_table *ft, void *obj)
{
	struct flow_node *n = flow_obj_node(ft, obj);
	uint32_t *link = flow_head(ft, n->laddr, n->raddr, n->lport, n->rport);

	while (*link != FLOW_NONE) {
		if (flow_node_same(flow_node_at(ft, *link), n))
			return -EEXIST;
		link = &flow_node_at(ft, *link)->next;
	}
	/* At the chain's end: link points at its FLOW_NONE. */
	n->next = FLOW_NONE;
	*link = flow_obj_ref(ft, obj);
	ft->count++;
	return 0;
}

int
flow_table_del(struct flow_table *ft, void *obj)
{
	struct flow_node *n = flow_obj_node(ft, obj);
	uint32_t *link = flow_head(ft, n->laddr, n->raddr, n->lport, n->rport);
	uint32_t i = flow_obj_ref(ft, obj);

	while (*link != FLOW_NONE && *link != i)
		link = &flow_node_at(ft, *link)->next;
	if (*link == FLOW_NONE)
		return -ENOENT;
	*link = n->next;
	n->next = FLOW_NONE;
	ft->count--;
	return 0;
}

void *
flow_table_lookup(const struct flow_table *ft, const struct flow_key4 *k)
{
	uint32_t i = *flow_head_key(ft, k);

	while (i != FLOW_NONE && !flow_node_is(flow_node_at(ft, i), k))
		i = flow_node_at(ft, i)->next;
	return i == FLOW_NONE ? NULL : flow_obj_at(ft, i);
}

void *
flow_table_next(const struct flow_table *ft, struct flow_iter *it)
{
	uint32_t i;

	while (it->next == FLOW_NONE) {
		if (it->head >= ft->nb_heads)
			return NULL;
		it->next = ft->heads[it->head++];
	}
	i = it->next;
	it->next = flow_node_at(ft, i)->next;
	return flow_obj_at(ft, i);
}

unsigned int
flow_table_lookup_bulk(const struct flow_table *ft,
		       const struct flow_key4 **keys, unsigned int n,
		       void **out)
{
	uint32_t *heads[FLOW_BULK_MAX];
	unsigned int done, hits = 0, i, chunk;
	uint32_t j;

	for (done = 0; done < n; done += chunk) {
		chunk = RTE_MIN(n - done, (unsigned int)FLOW_BULK_MAX);
		/* Two passes, so the heads' cache misses overlap, then the
		 * first members' ones (the blocks the caller reads next). */
		for (i = 0; i < chunk; i++) {
			heads[i] = flow_head_key(ft, keys[done + i]);
			rte_prefetch0(heads[i]);
		}
		for (i = 0; i < chunk; i++)
			if (*heads[i] != FLOW_NONE)
				rte_prefetch0(flow_node_at(ft, *heads[i]));
		for (i = 0; i < chunk; i++) {
			j = *heads[i];
			while (j != FLOW_NONE &&
			       !flow_node_is(flow_node_at(ft, j),
					     keys[done + i]))
				j = flow_node_at(ft, j)->next;
			if (j != FLOW_NONE) {
				out[done + i] = flow_obj_at(ft, j);
				hits++;
			} else {
				out[done + i] = NULL;
			}
		}
	}
	return hits;
}

int
listen_table_init(struct listen_table *lt, const char *name, uint32_t max,
		  int socket)
{
	lt->max = max;
	lt->count = 0;
	return hash_create(&lt->h, name, max, sizeof(struct flow_listen_key),
			   socket);
}

void
listen_table_free(struct listen_table *lt)
{
	rte_hash_free(lt->h);
	lt->h = NULL;
}

int
listen_table_add(struct listen_table *lt, rte_be32_t addr, rte_be16_t port,
		 void *data)
{
	struct flow_listen_key k = { .addr = addr, .port = port };
	int rc;

	if (rte_hash_lookup(lt->h, &k) >= 0)
		return -EADDRINUSE;
	if (lt->count >= lt->max)
		return -ENOSPC;
	rc = rte_hash_add_key_data(lt->h, &k, data);
	if (rc < 0)
		return rc;
	lt->count++;
	return 0;
}

int
listen_table_del(struct listen_table *lt, rte_be32_t addr, rte_be16_t port)
{
	struct flow_listen_key k = { .addr = addr, .port = port };

	if (rte_hash_del_key(lt->h, &k) < 0)
		return -ENOENT;
	lt->count--;
	return 0;
}

void *
listen_table_lookup(const struct listen_table *lt, rte_be32_t addr,
		    rte_be16_t port)
{
	struct flow_listen_key k = { .addr = addr, .port = port };
	void *data;

	if (lt->count == 0)
		return NULL;
	if (rte_hash_lookup_data(lt->h, &k, &data) >= 0)
		return data;
	k.addr = 0;
	if (rte_hash_lookup_data(lt->h, &k, &data) >= 0)
		return data;
	return NULL;
}

int
flow_slab_init(struct flow_slab *s, const char *name, uint32_t n,
	       uint32_t size, uint32_t link_off, int socket)
{
	memset(s, 0, sizeof(*s));
	if (n == 0 || n >= FLOW_NONE || size == 0 ||
	    link_off + sizeof(uint32_t) > size || link_off % 4 != 0)
		return -EINVAL;
	s->size = RTE_ALIGN_CEIL(size, 8u);
	s->n = n;
	s->link_off = link_off;
	if ((uint64_t)n * s->size > FLOW_SLAB_MAX_BYTES)
		return -EINVAL;
	/* Not touched here: a block's memory is first written when it is
	 * handed out (fresh, in order), so a slab sized for millions costs
	 * only what is used where the heap is not pinned up front. */
	s->base = rte_malloc_socket(name, (size_t)n * s->size,
				    RTE_CACHE_LINE_SIZE, socket);
	if (s->base == NULL)
		return -ENOMEM;
	s->fresh = 0;
	s->free_head = s->free_tail = FLOW_NONE;
	s->avail = n;
	return 0;
}

void
flow_slab_free(struct flow_slab *s)
{
	rte_free(s->base);
	s->base = NULL;
	s->avail = 0;
}
