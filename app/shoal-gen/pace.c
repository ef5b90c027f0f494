/* SPDX-License-Identifier: BSD-3-Clause */
#include <math.h>

#include "pace.h"

#define NS_PER_SEC UINT64_C(1000000000)

typedef unsigned __int128 u128;

void
pace_init(struct pace *p, uint64_t rate_num, uint64_t rate_den,
	  uint64_t ramp_ns, uint64_t burst, uint64_t start_ns)
{
	p->start_ns = start_ns;
	p->ramp_ns = ramp_ns;
	p->rate_num = rate_num;
	p->rate_den = rate_num ? (rate_den ? rate_den : 1) : 0;
	p->burst = burst ? burst : 1;
	p->taken = 0;
	p->skipped = 0;
}

/*
 * Tokens by time t (ns since start), with r = num / (den * 1e9) per ns
 * and ramp T:  t < T: r t^2 / (2T);  t >= T: r (t - T/2) = r (2t - T) / 2.
 * 128-bit products: t^2 * num stays below 2^128 for t up to ~5 hours at
 * 10^9 tokens per second.
 */
uint64_t
pace_allowed(const struct pace *p, uint64_t now_ns)
{
	u128 t, tokens;

	if (p->rate_den == 0)
		return UINT64_MAX;
	if (now_ns <= p->start_ns)
		return 0;
	t = now_ns - p->start_ns;
	if (t < p->ramp_ns)
		tokens = t * t * p->rate_num /
			((u128)2 * p->ramp_ns * p->rate_den * NS_PER_SEC);
	else
		tokens = (2 * t - p->ramp_ns) * p->rate_num /
			((u128)2 * p->rate_den * NS_PER_SEC);
	return tokens > UINT64_MAX ? UINT64_MAX : (uint64_t)tokens;
}

uint64_t
pace_take(struct pace *p, uint64_t now_ns, uint64_t want)
{
	uint64_t allowed, avail;

	if (p->rate_den == 0)
		return want;
	allowed = pace_allowed(p, now_ns);
	if (allowed <= p->taken)
		return 0;
	avail = allowed - p->taken;
	if (avail > p->burst) {
		p->skipped += avail - p->burst;
		p->taken += avail - p->burst;
		avail = p->burst;
	}
	if (want > avail)
		want = avail;
	p->taken += want;
	return want;
}

/* Smallest t with pace_allowed(start + t) >= k, by inverting the closed
 * form and then correcting the floating-point guess on the exact one. */
uint64_t
pace_due_ns(const struct pace *p, uint64_t k)
{
	double r, tr, guess;
	uint64_t t;

	if (p->rate_den == 0 || k == 0)
		return p->start_ns;
	r = (double)p->rate_num / ((double)p->rate_den * 1e9);	/* per ns */
	tr = r * (double)p->ramp_ns / 2.0;	/* tokens during the ramp */
	if ((double)k < tr)
		guess = sqrt(2.0 * (double)k * (double)p->ramp_ns / r);
	else
		guess = (double)k / r + (double)p->ramp_ns / 2.0;
	t = guess > 1.8e19 ? UINT64_MAX - p->start_ns : (uint64_t)guess;
	/* The guess is within a few ns; walk to the exact boundary. */
	while (t > 0 && pace_allowed(p, p->start_ns + t - 1) >= k)
		t--;
	while (pace_allowed(p, p->start_ns + t) < k)
		t++;
	return p->start_ns + t;
}
