/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef SHOAL_TESTS_FUZZ_H
#define SHOAL_TESTS_FUZZ_H

/*
 * What the libFuzzer targets share: the EAL (once per process, no
 * hugepages, no PCI, a private file prefix), an mbuf pool without a
 * per-lcore cache so that rte_mempool_avail_count() is exact (and, under
 * ASan, whose pooled mbufs are poisoned so that a use after free stops at
 * once), the per-input reset that makes every input reproducible on its
 * own, and the leak check that turns a lost mbuf into a crash the fuzzer
 * reports.
 */

#include <stddef.h>
#include <stdint.h>

#include <rte_mempool.h>

/* Mbufs in every target's pool: enough for a full window of segments. */
#define FUZZ_POOL_SIZE 2047

/* Bring up the EAL once; abort() when it fails (nothing can run then). */
void fuzz_eal_init(const char *prog);

/* The process's mbuf pool (created on first use). */
struct rte_mempool *fuzz_pool(void);

/* abort() unless every mbuf of the pool is back; @p what names the step. */
void fuzz_check_pool(const char *what);

/*
 * Put the process's random and mbuf state back where it was at start, so
 * that an input runs the same whatever ran before it and a crash file
 * reproduces on its own: rte_rand() reseeded (the engine's port table
 * draws from it), every mbuf reinitialised with its dynfields poisoned
 * (a stale field, such as the reassembly link, reads the same garbage
 * every time) and handed out again in address order. Every mbuf must be
 * back in the pool; abort() otherwise.
 */
void fuzz_reset(void);

/* A small cursor over the fuzzer's bytes: reads past the end give 0. */
struct fuzz_in {
	const uint8_t *p;
	size_t n;
};

static inline uint8_t
fin_u8(struct fuzz_in *in)
{
	uint8_t v;

	if (in->n == 0)
		return 0;
	v = *in->p++;
	in->n--;
	return v;
}

static inline uint16_t
fin_u16(struct fuzz_in *in)
{
	uint16_t hi = fin_u8(in);

	return (uint16_t)(hi << 8 | fin_u8(in));
}

static inline uint32_t
fin_u32(struct fuzz_in *in)
{
	uint32_t hi = fin_u16(in);

	return hi << 16 | fin_u16(in);
}

#endif /* SHOAL_TESTS_FUZZ_H */
