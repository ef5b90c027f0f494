/* SPDX-License-Identifier: BSD-3-Clause */
#include <criterion/criterion.h>
#include <stdlib.h>

#include "pace.h"

#define MS UINT64_C(1000000)
#define SEC UINT64_C(1000000000)

/* Take greedily at uneven virtual times up to @p end; return how many. */
static uint64_t
drain_until(struct pace *p, uint64_t from, uint64_t end, unsigned int *seed)
{
	uint64_t got = 0;

	for (uint64_t t = from; t <= end; t += (uint64_t)(rand_r(seed) % 700) * 1000 + 1)
		got += pace_take(p, t, UINT64_MAX);
	got += pace_take(p, end, UINT64_MAX);
	return got;
}

Test(gen_pace, exact_count_over_virtual_time_without_drift)
{
	struct pace p;
	unsigned int seed = 1;
	uint64_t start = 5 * SEC;

	pace_init(&p, 1000, 1, 0, 1000000, start);
	cr_expect_eq(drain_until(&p, start, start + SEC, &seed), 1000);
	cr_expect_eq(drain_until(&p, start + SEC, start + 10 * SEC, &seed), 9000);
	cr_expect_eq(p.skipped, 0);
	/* not one token early */
	cr_expect_eq(pace_take(&p, start + 10 * SEC + MS - 1, 5), 0);
	cr_expect_eq(pace_take(&p, start + 10 * SEC + MS, 5), 1);
}

Test(gen_pace, rate_split_over_workers_adds_up)
{
	struct pace p[3];
	uint64_t sum = 0;
	unsigned int seed = 2;

	for (int i = 0; i < 3; i++)
		pace_init(&p[i], 1000, 3, 0, 1000000, 0);
	for (int i = 0; i < 3; i++)
		sum += drain_until(&p[i], 0, 3 * SEC, &seed);
	cr_expect_eq(sum, 3000);
	/* each worker on its own: floor(1000/3 * 1.5) = 500 at 1.5 s */
	cr_expect_eq(pace_allowed(&p[0], 1500 * MS), 500);
	cr_expect_eq(pace_allowed(&p[0], 1 * SEC), 333);
}

Test(gen_pace, ramp_up_is_linear_then_flat)
{
	struct pace p;
	unsigned int seed = 3;

	/* 1000/s reached after 2 s: r t^2 / 2T tokens during the ramp */
	pace_init(&p, 1000, 1, 2 * SEC, 1000000, 0);
	cr_expect_eq(pace_allowed(&p, 1 * SEC), 250);
	cr_expect_eq(pace_allowed(&p, 2 * SEC), 1000);
	cr_expect_eq(pace_allowed(&p, 3 * SEC), 2000);
	cr_expect_eq(drain_until(&p, 0, 1 * SEC, &seed), 250);
	cr_expect_eq(drain_until(&p, 1 * SEC, 2 * SEC, &seed), 750);
	cr_expect_eq(drain_until(&p, 2 * SEC, 4 * SEC, &seed), 2000);
	/* the rate in the ramp's first half is a quarter of the second's */
	cr_expect_lt(pace_allowed(&p, 500 * MS) * 3,
		     pace_allowed(&p, 1 * SEC));
}

Test(gen_pace, unused_tokens_are_capped_at_burst_and_counted)
{
	struct pace p;

	pace_init(&p, 1000, 1, 0, 10, 0);
	cr_expect_eq(pace_take(&p, 1 * SEC, 1000), 10);
	cr_expect_eq(p.skipped, 990);
	cr_expect_eq(pace_take(&p, 1 * SEC, 1000), 0);
	/* and the schedule carries on from there */
	cr_expect_eq(pace_take(&p, 1 * SEC + 5 * MS, 1000), 5);
	cr_expect_eq(p.taken, 1005);
}

Test(gen_pace, due_time_is_when_the_token_appears)
{
	struct pace p, q;

	pace_init(&p, 1000, 1, 0, 1, 7);
	for (uint64_t k = 1; k < 5000; k += 7)
		cr_assert_eq(pace_due_ns(&p, k), 7 + k * MS);
	pace_init(&q, 12345, 7, 3 * SEC, 1, 0);
	for (uint64_t k = 1; k < 20000; k += 13) {
		uint64_t t = pace_due_ns(&q, k);

		cr_assert(pace_allowed(&q, t) >= k);
		cr_assert(pace_allowed(&q, t - 1) < k, "token %lu due at %lu",
			  (unsigned long)k, (unsigned long)t);
	}
	cr_expect_eq(pace_next_ns(&p), 7 + MS);
}

Test(gen_pace, unlimited_grants_everything_and_huge_runs_do_not_overflow)
{
	struct pace p;

	pace_init(&p, 0, 0, 0, 1, 0);
	cr_expect_eq(pace_take(&p, 0, 12345), 12345);
	cr_expect_eq(pace_due_ns(&p, 99), 0);
	/* 10 M/s for an hour after a 10 minute ramp */
	pace_init(&p, 10000000, 1, 600 * SEC, 1, 0);
	cr_expect_eq(pace_allowed(&p, 3600 * SEC),
		     UINT64_C(10000000) * 3300);
	cr_expect_eq(pace_allowed(&p, 300 * SEC),
		     UINT64_C(10000000) * 300 / 4);
}
