/* SPDX-License-Identifier: BSD-3-Clause */
#include <criterion/criterion.h>
#include <stdlib.h>

#include "hist.h"

static struct hist h, h2, m;

static int
cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

/* Log-uniform values from 1 ns to ~1 s: every bucket gets some. */
static uint64_t
rand_value(unsigned int *seed)
{
	int bits = rand_r(seed) % 30 + 1;

	return ((uint64_t)rand_r(seed) << 31 | (uint64_t)rand_r(seed)) %
		(UINT64_C(1) << bits) + 1;
}

/* The reference: the value of rank ceil(p/100 * n) in sorted order. */
static uint64_t
ref_percentile(const uint64_t *sorted, size_t n, double p)
{
	size_t rank = (size_t)(p / 100.0 * (double)n);

	if ((double)rank < p / 100.0 * (double)n)
		rank++;
	if (rank == 0)
		rank = 1;
	return sorted[rank - 1];
}

static void
check_against_reference(const struct hist *hh, uint64_t *vals, size_t n)
{
	static const double ps[] = { 1, 10, 50, 90, 99, 99.9, 99.99, 100 };

	qsort(vals, n, sizeof(*vals), cmp_u64);
	for (size_t i = 0; i < sizeof(ps) / sizeof(ps[0]); i++) {
		uint64_t ref = ref_percentile(vals, n, ps[i]);
		uint64_t got = hist_percentile(hh, ps[i]);

		/* Same counter as the reference value, reported as its
		 * highest equivalent: never below, at most 1/128 above. */
		cr_expect(got >= ref, "p%g: %lu < reference %lu", ps[i],
			  (unsigned long)got, (unsigned long)ref);
		cr_expect(got <= ref + ref / 128,
			  "p%g: %lu too far above reference %lu", ps[i],
			  (unsigned long)got, (unsigned long)ref);
	}
	cr_expect_eq(hh->max, vals[n - 1]);
	cr_expect_eq(hh->min, vals[0]);
	cr_expect_eq(hist_percentile(hh, 100), vals[n - 1]);
}

Test(gen_hist, percentiles_match_sorted_reference_on_random_data)
{
	enum { N = 200000 };
	uint64_t *vals = malloc(N * sizeof(*vals));
	unsigned int seed = 12345;

	hist_reset(&h);
	for (size_t i = 0; i < N; i++) {
		vals[i] = rand_value(&seed);
		hist_record(&h, vals[i]);
	}
	cr_assert_eq(h.total, N);
	check_against_reference(&h, vals, N);
	free(vals);
}

Test(gen_hist, merge_equals_recording_everything_in_one)
{
	enum { N = 50000 };
	uint64_t *vals = malloc(2 * N * sizeof(*vals));
	unsigned int seed = 777;

	hist_reset(&h);
	hist_reset(&h2);
	hist_reset(&m);
	for (size_t i = 0; i < 2 * N; i++) {
		vals[i] = rand_value(&seed);
		hist_record(i < N ? &h : &h2, vals[i]);
	}
	hist_merge(&m, &h);
	hist_merge(&m, &h2);
	cr_assert_eq(m.total, 2 * N);
	check_against_reference(&m, vals, 2 * N);
	/* merging an empty one changes nothing */
	hist_reset(&h2);
	hist_merge(&m, &h2);
	cr_expect_eq(m.total, 2 * N);
	cr_expect_eq(m.min, vals[0]);
	free(vals);
}

Test(gen_hist, small_values_are_exact_and_max_is_exact)
{
	hist_reset(&h);
	for (uint64_t v = 0; v < 256; v++)
		hist_record(&h, v);
	cr_expect_eq(hist_percentile(&h, 50), 127);
	cr_expect_eq(hist_percentile(&h, 100), 255);
	hist_record(&h, 1000003);
	cr_expect_eq(h.max, 1000003);
	cr_expect_eq(hist_percentile(&h, 100), 1000003);
	/* the top counter reports the recorded max, not its bucket's end */
	cr_expect_eq(hist_percentile(&h, 99.9999), 1000003);
}

Test(gen_hist, bounds_empty_zero_and_beyond_range)
{
	hist_reset(&h);
	cr_expect_eq(hist_percentile(&h, 50), 0);
	cr_expect_eq(hist_mean(&h), 0.0);
	hist_record(&h, 0);
	cr_expect_eq(hist_percentile(&h, 50), 0);
	cr_expect_eq(h.min, 0);
	/* an hour and a half: beyond the tracked range, counted at the
	 * top and flagged, max kept exact */
	hist_record(&h, UINT64_C(5400) * 1000000000);
	cr_expect_eq(h.clamped, 1);
	cr_expect_eq(h.max, UINT64_C(5400) * 1000000000);
	cr_expect_eq(hist_index(UINT64_MAX), HIST_COUNTERS - 1);
	cr_expect_eq(hist_index(HIST_MAX_NS), HIST_COUNTERS - 1);
	cr_expect_eq(hist_percentile(&h, 100), UINT64_C(5400) * 1000000000);
	cr_expect(hist_percentile(&h, 99) >= HIST_MAX_NS - HIST_MAX_NS / 128);
}

Test(gen_hist, every_counter_covers_a_contiguous_range)
{
	uint64_t next = 0;

	for (unsigned int i = 0; i < HIST_COUNTERS; i++) {
		uint64_t lo = hist_index_low(i), hi = hist_index_high(i);

		cr_assert_eq(lo, next, "counter %u starts at %lu, want %lu", i,
			     (unsigned long)lo, (unsigned long)next);
		cr_assert(hi >= lo);
		cr_assert_eq(hist_index(lo), i);
		cr_assert_eq(hist_index(hi), i);
		/* precision: the range is within 1/128 of its start */
		cr_assert(hi - lo <= lo / 128, "counter %u: %lu..%lu", i,
			  (unsigned long)lo, (unsigned long)hi);
		next = hi + 1;
	}
	cr_expect_eq(next, HIST_MAX_NS + 1);
}

Test(gen_hist, diff_gives_the_interval)
{
	hist_reset(&h);
	hist_reset(&h2);
	for (int i = 0; i < 100; i++)
		hist_record(&h, 1000);
	h2 = h;			/* snapshot */
	for (int i = 0; i < 100; i++)
		hist_record(&h, 50000);
	hist_diff(&m, &h, &h2);
	cr_expect_eq(m.total, 100);
	cr_expect(hist_percentile(&m, 1) >= 50000);
	cr_expect(hist_percentile(&m, 1) <= 50000 + 50000 / 128);
	cr_expect_eq(m.max, 50000);
	cr_expect(m.min >= 50000 - 50000 / 128 && m.min <= 50000);
	cr_expect_eq(hist_mean(&m), 50000.0);
}
