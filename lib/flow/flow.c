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

#define FLOW_NONE	UINT32_MAX
#define FLOW_BULK_MAX	32	/* keys whose misses overlap */

int
flow_table_init(struct flow_table *ft, const char *name, uint32_t max,
		int socket)
{
	uint32_t i;

	RTE_SET_USED(name);
	if (max == 0 || max >= FLOW_NONE)
		return -EINVAL;
	ft->max = max;
	ft->nb_heads = max;
	ft->count = 0;
	ft->heads = rte_malloc_socket("flow_heads",
				      (size_t)ft->nb_heads * sizeof(uint32_t),
				      RTE_CACHE_LINE_SIZE, socket);
	/* Zeroed: a free entry's data is NULL (flow_table_next). */
	ft->nodes = rte_zmalloc_socket("flow_nodes",
				      (size_t)max * sizeof(struct flow_node),
				      RTE_CACHE_LINE_SIZE, socket);
	if (ft->heads == NULL || ft->nodes == NULL) {
		flow_table_free(ft);
		return -ENOMEM;
	}
	memset(ft->heads, 0xff, (size_t)ft->nb_heads * sizeof(uint32_t));
	for (i = 0; i < max; i++)
		ft->nodes[i].next = i + 1 < max ? i + 1 : FLOW_NONE;
	ft->free_head = 0;
	return 0;
}

void
flow_table_free(struct flow_table *ft)
{
	rte_free(ft->heads);
	rte_free(ft->nodes);
	ft->heads = NULL;
	ft->nodes = NULL;
}

/* CRC32-C of the 12 key bytes, mapped onto the heads by multiply-shift
 * (Lemire's fastrange), which needs no power-of-two table size. */
static inline uint32_t *
flow_head(const struct flow_table *ft, const struct flow_key4 *k)
{
	uint64_t a;
	uint32_t h;

	memcpy(&a, k, sizeof(a));
	h = rte_hash_crc_8byte(a, 0);
	h = rte_hash_crc_4byte((uint32_t)k->lport | (uint32_t)k->rport << 16,
			       h);
	return &ft->heads[((uint64_t)h * ft->nb_heads) >> 32];
}

static inline bool
flow_node_is(const struct flow_node *n, const struct flow_key4 *k)
{
	return n->laddr == k->laddr && n->raddr == k->raddr &&
	       n->lport == k->lport && n->rport == k->rport;
}

/* The link that points at @p k's entry (or the chain's FLOW_NONE end). */
static inline uint32_t *
flow_find(const struct flow_table *ft, const struct flow_key4 *k)
{
	uint32_t *link = flow_head(ft, k);

	while (*link != FLOW_NONE && !flow_node_is(&ft->nodes[*link], k))
		link = &ft->nodes[*link].next;
	return link;
}

int
flow_table_add(struct flow_table *ft, const struct flow_key4 *k, void *data)
{
	uint32_t *link = flow_find(ft, k), i;
	struct flow_node *n;

	if (*link != FLOW_NONE)
		return -EEXIST;
	if (ft->free_head == FLOW_NONE)
		return -ENOSPC;
	i = ft->free_head;
	n = &ft->nodes[i];
	ft->free_head = n->next;
	n->laddr = k->laddr;
	n->raddr = k->raddr;
	n->lport = k->lport;
	n->rport = k->rport;
	n->data = data;
	/* At the chain's end: link points at its FLOW_NONE. */
	n->next = FLOW_NONE;
	*link = i;
	ft->count++;
	return 0;
}

int
flow_table_del(struct flow_table *ft, const struct flow_key4 *k)
{
	uint32_t *link = flow_find(ft, k), i = *link;

	if (i == FLOW_NONE)
		return -ENOENT;
	*link = ft->nodes[i].next;
	ft->nodes[i].next = ft->free_head;
	ft->nodes[i].data = NULL;
	ft->free_head = i;
	ft->count--;
	return 0;
}

void *
flow_table_lookup(const struct flow_table *ft, const struct flow_key4 *k)
{
	uint32_t i = *flow_find(ft, k);

	return i == FLOW_NONE ? NULL : ft->nodes[i].data;
}

void *
flow_table_next(const struct flow_table *ft, uint32_t *iter)
{
	void *data;

	for (; *iter < ft->max; (*iter)++) {
		data = ft->nodes[*iter].data;
		if (data != NULL) {
			(*iter)++;
			return data;
		}
	}
	return NULL;
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
		 * first entries' ones. */
		for (i = 0; i < chunk; i++) {
			heads[i] = flow_head(ft, keys[done + i]);
			rte_prefetch0(heads[i]);
		}
		for (i = 0; i < chunk; i++)
			if (*heads[i] != FLOW_NONE)
				rte_prefetch0(&ft->nodes[*heads[i]]);
		for (i = 0; i < chunk; i++) {
			j = *heads[i];
			while (j != FLOW_NONE &&
			       !flow_node_is(&ft->nodes[j], keys[done + i]))
				j = ft->nodes[j].next;
			if (j != FLOW_NONE) {
				out[done + i] = ft->nodes[j].data;
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
	       uint32_t size, int socket)
{
	uint32_t i;

	memset(s, 0, sizeof(*s));
	if (n == 0 || size == 0)
		return -EINVAL;
	s->size = RTE_ALIGN_CEIL(size, 8u);
	s->n = n;
	s->base = rte_malloc_socket(name, (size_t)n * s->size,
				    RTE_CACHE_LINE_SIZE, socket);
	s->ring = rte_malloc_socket(name, (size_t)n * sizeof(uint32_t), 0,
				    socket);
	if (s->base == NULL || s->ring == NULL) {
		flow_slab_free(s);
		return -ENOMEM;
	}
	for (i = 0; i < n; i++)
		s->ring[i] = i;
	s->head = 0;
	s->avail = n;
	return 0;
}

void
flow_slab_free(struct flow_slab *s)
{
	rte_free(s->base);
	rte_free(s->ring);
	s->base = NULL;
	s->ring = NULL;
	s->avail = 0;
}

struct rte_mempool *
flow_cb_pool_create(const char *name, uint32_t n, uint32_t size, int socket)
{
	/* One engine = one thread: no cache, no atomics. Packed: a
	 * cache-aligned object header costs 64 bytes per block and channel
	 * spreading pads the block by up to a line more; at a million
	 * blocks that is more than the block itself is worth aligning. */
	return rte_mempool_create(name, n, size, 0, 0, NULL, NULL, NULL, NULL,
				  socket,
				  RTE_MEMPOOL_F_SP_PUT | RTE_MEMPOOL_F_SC_GET |
				  RTE_MEMPOOL_F_NO_CACHE_ALIGN |
				  RTE_MEMPOOL_F_NO_SPREAD);
}
