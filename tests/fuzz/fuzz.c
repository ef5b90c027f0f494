/* SPDX-License-Identifier: BSD-3-Clause */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <rte_eal.h>
#include <rte_errno.h>
#include <rte_log.h>
#include <rte_mbuf.h>
#include <rte_random.h>
#include <rte_ring.h>

#include "fuzz.h"
#include "../eal_lcores.h"

#if defined(__has_feature)
#if __has_feature(address_sanitizer)
#define FUZZ_ASAN 1
#endif
#elif defined(__SANITIZE_ADDRESS__)
#define FUZZ_ASAN 1
#endif

#ifdef FUZZ_ASAN
#include <sanitizer/asan_interface.h>
#endif

static struct rte_mempool *pool;

#ifdef FUZZ_ASAN
/*
 * Mempool ops for the fuzz pool: a ring, like the default, but an mbuf
 * in the pool is poisoned for AddressSanitizer from the moment it is freed
 * until it is allocated again. A use after free (a freed mbuf still linked
 * in a send buffer or reassembly queue, a double free) then stops at the
 * first touch instead of corrupting whichever user gets the mbuf next,
 * which in a 2047-mbuf FIFO comes thousands of allocations later. ASan
 * intercepts memset even in DPDK's code, and rte_pktmbuf_pool_create()
 * initialises the mbufs once they are in the ring: poisoning starts with
 * the first fuzz_reset(), which takes every mbuf out and puts it back.
 */
static bool asan_armed;

static int
asan_pool_alloc(struct rte_mempool *mp)
{
	char name[RTE_RING_NAMESIZE];
	struct rte_ring *r;

	snprintf(name, sizeof(name), "fz_%.20s", mp->name);
	r = rte_ring_create(name, rte_align32pow2(mp->size + 1),
			    mp->socket_id, 0);
	if (r == NULL)
		return -rte_errno;
	mp->pool_data = r;
	return 0;
}

static void
asan_pool_free(struct rte_mempool *mp)
{
	rte_ring_free(mp->pool_data);
}

static int
asan_pool_enqueue(struct rte_mempool *mp, void * const *objs, unsigned int n)
{
	for (unsigned int i = 0; asan_armed && i < n; i++)
		ASAN_POISON_MEMORY_REGION(objs[i], mp->elt_size);
	if (rte_ring_enqueue_bulk(mp->pool_data, objs, n, NULL) == 0) {
		for (unsigned int i = 0; i < n; i++)
			ASAN_UNPOISON_MEMORY_REGION(objs[i], mp->elt_size);
		return -ENOBUFS;
	}
	return 0;
}

static int
asan_pool_dequeue(struct rte_mempool *mp, void **objs, unsigned int n)
{
	if (rte_ring_dequeue_bulk(mp->pool_data, objs, n, NULL) == 0)
		return -ENOENT;
	for (unsigned int i = 0; i < n; i++)
		ASAN_UNPOISON_MEMORY_REGION(objs[i], mp->elt_size);
	return 0;
}

static unsigned int
asan_pool_count(const struct rte_mempool *mp)
{
	return rte_ring_count(mp->pool_data);
}

static struct rte_mempool_ops asan_pool_ops = {
	.name = "shoal_fuzz_asan",
	.alloc = asan_pool_alloc,
	.free = asan_pool_free,
	.enqueue = asan_pool_enqueue,
	.dequeue = asan_pool_dequeue,
	.get_count = asan_pool_count,
};

RTE_MEMPOOL_REGISTER_OPS(asan_pool_ops);
#define FUZZ_POOL_OPS "shoal_fuzz_asan"
#else
#define FUZZ_POOL_OPS NULL	/* the default ring */
#endif

void
fuzz_eal_init(const char *prog)
{
	static int done;
	char prefix[64], lcores[256];
	char *argv[] = { (char *)prog, "--no-huge", "-m", "256", "--no-pci",
		"--no-shconf", "--no-telemetry", lcores,
		"--log-level=lib.eal:error", "--log-level=*:error", prefix,
		NULL };

	if (done)
		return;
	/* Several fuzzers may run side by side: a prefix each. */
	snprintf(prefix, sizeof(prefix), "--file-prefix=shoalfuzz%d",
		 (int)getpid());
	test_eal_lcores(lcores, sizeof(lcores));
	if (rte_eal_init(RTE_DIM(argv) - 1, argv) < 0) {
		fprintf(stderr, "%s: EAL init failed: %s\n", prog,
			rte_strerror(rte_errno));
		abort();
	}
	done = 1;
}

struct rte_mempool *
fuzz_pool(void)
{
	if (pool != NULL)
		return pool;
	/* No per-lcore cache: avail_count is then exact. */
	pool = rte_pktmbuf_pool_create_by_ops("fuzz_pool", FUZZ_POOL_SIZE, 0,
					      0, RTE_MBUF_DEFAULT_BUF_SIZE,
					      SOCKET_ID_ANY, FUZZ_POOL_OPS);
	if (pool == NULL) {
		fprintf(stderr, "fuzz pool: %s\n", rte_strerror(rte_errno));
		abort();
	}
	return pool;
}

void
fuzz_check_pool(const char *what)
{
	unsigned int avail = rte_mempool_avail_count(pool);

	if (avail != FUZZ_POOL_SIZE) {
		fprintf(stderr, "mbuf leak after %s: %u of %u back\n", what,
			avail, FUZZ_POOL_SIZE);
		abort();
	}
}

static int
ptr_cmp(const void *a, const void *b)
{
	uintptr_t x = (uintptr_t)*(void *const *)a;
	uintptr_t y = (uintptr_t)*(void *const *)b;

	return x < y ? -1 : x > y;
}

void
fuzz_reset(void)
{
	static void *objs[FUZZ_POOL_SIZE];
	struct rte_mempool *mp = fuzz_pool();

	rte_srand(0x5eed5eedULL);
	/* Without a cache the pool is a FIFO ring: take everything, sort,
	 * and put it back; the allocations then come in address order. */
	if (rte_mempool_get_bulk(mp, objs, FUZZ_POOL_SIZE) != 0) {
		fprintf(stderr, "fuzz_reset: %u of %u mbufs in the pool\n",
			rte_mempool_avail_count(mp), FUZZ_POOL_SIZE);
		abort();
	}
	qsort(objs, FUZZ_POOL_SIZE, sizeof(objs[0]), ptr_cmp);
	/* A double free that the leak check missed (the full ring refused
	 * one put, so the count came out right) leaves an mbuf in the ring
	 * twice: two users would share it from now on. */
	for (unsigned int i = 1; i < FUZZ_POOL_SIZE; i++) {
		if (objs[i] == objs[i - 1]) {
			fprintf(stderr, "mbuf %p is in the pool twice: a "
				"double free in this or an earlier input\n",
				objs[i]);
			abort();
		}
	}
	for (unsigned int i = 0; i < FUZZ_POOL_SIZE; i++) {
		struct rte_mbuf *m = objs[i];

		rte_pktmbuf_init(mp, NULL, m, 0);
		/* A driver leaves dynfields as the last user did: garbage,
		 * but the same garbage every run. */
		memset(m->dynfield1, 0xa5, sizeof(m->dynfield1));
	}
#ifdef FUZZ_ASAN
	asan_armed = true;
#endif
	rte_mempool_put_bulk(mp, objs, FUZZ_POOL_SIZE);
}
