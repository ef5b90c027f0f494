/* SPDX-License-Identifier: BSD-3-Clause */
#include <errno.h>
#include <string.h>

#include <rte_errno.h>
#include <rte_hash_crc.h>

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

int
flow_table_init(struct flow_table *ft, const char *name, uint32_t max,
		int socket)
{
	ft->max = max;
	ft->count = 0;
	return hash_create(&ft->h, name, max, sizeof(struct flow_key4), socket);
}

void
flow_table_free(struct flow_table *ft)
{
	rte_hash_free(ft->h);
	ft->h = NULL;
}

int
flow_table_add(struct flow_table *ft, const struct flow_key4 *k, void *data)
{
	int rc;

	if (rte_hash_lookup(ft->h, k) >= 0)
		return -EEXIST;
	if (ft->count >= ft->max)
		return -ENOSPC;
	rc = rte_hash_add_key_data(ft->h, k, data);
	if (rc < 0)
		return rc;
	ft->count++;
	return 0;
}

int
flow_table_del(struct flow_table *ft, const struct flow_key4 *k)
{
	if (rte_hash_del_key(ft->h, k) < 0)
		return -ENOENT;
	ft->count--;
	return 0;
}

void *
flow_table_lookup(const struct flow_table *ft, const struct flow_key4 *k)
{
	void *data;

	if (rte_hash_lookup_data(ft->h, k, &data) < 0)
		return NULL;
	return data;
}

unsigned int
flow_table_lookup_bulk(const struct flow_table *ft,
		       const struct flow_key4 **keys, unsigned int n,
		       void **out)
{
	unsigned int done = 0, hits = 0, i, chunk;
	uint64_t mask;

	while (done < n) {
		chunk = n - done;
		if (chunk > RTE_HASH_LOOKUP_BULK_MAX)
			chunk = RTE_HASH_LOOKUP_BULK_MAX;
		mask = 0;
		if (rte_hash_lookup_bulk_data(ft->h,
				(const void **)(keys + done), chunk, &mask,
				out + done) < 0)
			mask = 0;
		for (i = 0; i < chunk; i++) {
			if (mask & (1ULL << i))
				hits++;
			else
				out[done + i] = NULL;
		}
		done += chunk;
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
