/* SPDX-License-Identifier: BSD-3-Clause */
#include <string.h>

#include "hist.h"

#define SUB_MASK ((uint64_t)HIST_SUB_COUNT - 1)

void
hist_reset(struct hist *h)
{
	memset(h, 0, sizeof(*h));
	h->min = UINT64_MAX;
}

/* The power-of-two bucket of @p v: 0 for v < 256, then one per doubling. */
static inline unsigned int
bucket_of(uint64_t v)
{
	return 64 - __builtin_clzll(v | SUB_MASK) - HIST_SUB_BITS;
}

unsigned int
hist_index(uint64_t v)
{
	unsigned int b;

	if (v > HIST_MAX_NS)
		v = HIST_MAX_NS;
	b = bucket_of(v);
	/* Bucket b > 0 only uses its upper half (sub-bucket 128 .. 255):
	 * the lower half is covered by bucket b - 1 at twice the precision. */
	return (b + 1) * HIST_SUB_HALF + (unsigned int)(v >> b) - HIST_SUB_HALF;
}

uint64_t
hist_index_low(unsigned int idx)
{
	unsigned int b = idx / HIST_SUB_HALF;
	unsigned int sub = idx % HIST_SUB_HALF + HIST_SUB_HALF;

	if (b == 0)
		return idx;	/* bucket 0, lower half: exact values */
	b -= 1;
	return (uint64_t)sub << b;
}

uint64_t
hist_index_high(unsigned int idx)
{
	unsigned int b = idx / HIST_SUB_HALF;

	if (b <= 1)
		return hist_index_low(idx);
	return hist_index_low(idx) + (UINT64_C(1) << (b - 1)) - 1;
}

void
hist_record_n(struct hist *h, uint64_t v, uint64_t n)
{
	if (n == 0)
		return;
	if (v > HIST_MAX_NS)
		h->clamped += n;
	h->counts[hist_index(v)] += n;
	h->total += n;
	if (v < h->min)
		h->min = v;
	if (v > h->max)
		h->max = v;
	if (__builtin_add_overflow(h->sum, v * n, &h->sum))
		h->sum = UINT64_MAX;
}

void
hist_record(struct hist *h, uint64_t v)
{
	hist_record_n(h, v, 1);
}

void
hist_merge(struct hist *dst, const struct hist *src)
{
	if (src->total == 0)
		return;
	for (unsigned int i = 0; i < HIST_COUNTERS; i++)
		dst->counts[i] += src->counts[i];
	dst->total += src->total;
	dst->clamped += src->clamped;
	if (src->min < dst->min)
		dst->min = src->min;
	if (src->max > dst->max)
		dst->max = src->max;
	if (__builtin_add_overflow(dst->sum, src->sum, &dst->sum))
		dst->sum = UINT64_MAX;
}

void
hist_diff(struct hist *dst, const struct hist *now, const struct hist *before)
{
	int lo = -1, hi = -1;

	hist_reset(dst);
	for (unsigned int i = 0; i < HIST_COUNTERS; i++) {
		uint64_t c = now->counts[i] - before->counts[i];

		dst->counts[i] = c;
		if (c != 0) {
			if (lo < 0)
				lo = (int)i;
			hi = (int)i;
		}
	}
	dst->total = now->total - before->total;
	dst->clamped = now->clamped - before->clamped;
	dst->sum = now->sum - before->sum;
	if (dst->total == 0)
		return;
	dst->min = hist_index_low((unsigned int)lo);
	if (dst->min < now->min)
		dst->min = now->min;
	dst->max = hist_index_high((unsigned int)hi);
	if (dst->max > now->max)
		dst->max = now->max;
}

uint64_t
hist_percentile(const struct hist *h, double p)
{
	uint64_t want, seen = 0;

	if (h->total == 0)
		return 0;
	if (p >= 100.0)
		return h->max;
	if (p < 0.0)
		p = 0.0;
	/* Rank of the value: ceil(p/100 * total), at least the first. */
	want = (uint64_t)(p / 100.0 * (double)h->total);
	if ((double)want < p / 100.0 * (double)h->total)
		want++;
	if (want == 0)
		want = 1;
	for (unsigned int i = 0; i < HIST_COUNTERS; i++) {
		seen += h->counts[i];
		if (seen >= want) {
			uint64_t v = hist_index_high(i);

			return v < h->max ? v : h->max;
		}
	}
	return h->max;
}

double
hist_mean(const struct hist *h)
{
	return h->total ? (double)h->sum / (double)h->total : 0.0;
}
