/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef SHOAL_GEN_HIST_H
#define SHOAL_GEN_HIST_H

/*
 * A log-linear latency histogram in the manner of HdrHistogram: values
 * below 256 ns are counted exactly, above that every power of two is cut
 * into 128 linear sub-buckets, so every value is kept to within 1/128
 * (better than two significant digits) from 1 ns to HIST_MAX_NS (~73 min).
 * Fixed size, no allocation: a worker records into its own histogram and
 * the control plane merges copies of them.
 */

#include <stdbool.h>
#include <stdint.h>

/* 2^HIST_SUB_BITS sub-buckets per power of two; 8 bits give 1/128. */
#define HIST_SUB_BITS 8
#define HIST_SUB_COUNT (1u << HIST_SUB_BITS)		/* 256 */
#define HIST_SUB_HALF (HIST_SUB_COUNT / 2)		/* 128 */
/* Largest value tracked exactly enough: 2^42 ns, about 73 minutes. */
#define HIST_MAX_BITS 42
#define HIST_MAX_NS ((UINT64_C(1) << HIST_MAX_BITS) - 1)
/* Buckets 0 .. HIST_MAX_BITS - HIST_SUB_BITS, 128 counters each plus the
 * lower half of bucket 0. */
#define HIST_BUCKETS (HIST_MAX_BITS - HIST_SUB_BITS + 1)
#define HIST_COUNTERS ((HIST_BUCKETS + 1) * HIST_SUB_HALF)

struct hist {
	uint64_t total;		/* values recorded */
	uint64_t min;		/* exact; UINT64_MAX when empty */
	uint64_t max;		/* exact (before clamping) */
	uint64_t sum;		/* for the mean; saturates */
	uint64_t clamped;	/* values above HIST_MAX_NS, counted at the top */
	uint64_t counts[HIST_COUNTERS];
};

/* Empty @p h. */
void hist_reset(struct hist *h);

/* Count one value. */
void hist_record(struct hist *h, uint64_t v);

/* Count @p n occurrences of @p v. */
void hist_record_n(struct hist *h, uint64_t v, uint64_t n);

/* Add every count of @p src into @p dst. */
void hist_merge(struct hist *dst, const struct hist *src);

/*
 * dst = now - before, for the figures of one interval from two snapshots
 * of the same cumulative histogram. min and max of the interval are only
 * known to the histogram's precision (they come from the buckets), and
 * max never exceeds now->max.
 */
void hist_diff(struct hist *dst, const struct hist *now,
	       const struct hist *before);

/*
 * The value at percentile @p p (0 < p <= 100): the smallest recorded
 * value v such that at least p% of the values are <= v, reported as the
 * highest value equivalent to v at the histogram's precision and never
 * above the recorded max. 0 when empty.
 */
uint64_t hist_percentile(const struct hist *h, double p);

/* Mean of the recorded values, 0 when empty. */
double hist_mean(const struct hist *h);

/* Index of @p v's counter, and the range of values it counts. */
unsigned int hist_index(uint64_t v);
uint64_t hist_index_low(unsigned int idx);
uint64_t hist_index_high(unsigned int idx);

#endif /* SHOAL_GEN_HIST_H */
