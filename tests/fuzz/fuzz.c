/* SPDX-License-Identifier: BSD-3-Clause */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <rte_eal.h>
#include <rte_errno.h>
#include <rte_log.h>
#include <rte_mbuf.h>
#include <rte_random.h>

#include "fuzz.h"

static struct rte_mempool *pool;

void
fuzz_eal_init(const char *prog)
{
	static int done;
	char prefix[64];
	char *argv[] = { (char *)prog, "--no-huge", "-m", "256", "--no-pci",
		"--no-shconf", "--no-telemetry", "-l", "0",
		"--log-level=lib.eal:error", "--log-level=*:error", prefix,
		NULL };

	if (done)
		return;
	/* Several fuzzers may run side by side: a prefix each. */
	snprintf(prefix, sizeof(prefix), "--file-prefix=shoalfuzz%d",
		 (int)getpid());
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
	pool = rte_pktmbuf_pool_create("fuzz_pool", FUZZ_POOL_SIZE, 0, 0,
				       RTE_MBUF_DEFAULT_BUF_SIZE,
				       SOCKET_ID_ANY);
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
	for (unsigned int i = 0; i < FUZZ_POOL_SIZE; i++) {
		struct rte_mbuf *m = objs[i];

		rte_pktmbuf_init(mp, NULL, m, 0);
		/* A driver leaves dynfields as the last user did: garbage,
		 * but the same garbage every run. */
		memset(m->dynfield1, 0xa5, sizeof(m->dynfield1));
	}
	rte_mempool_put_bulk(mp, objs, FUZZ_POOL_SIZE);
}
