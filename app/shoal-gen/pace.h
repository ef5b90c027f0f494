/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef SHOAL_GEN_PACE_H
#define SHOAL_GEN_PACE_H

/*
 * Token-bucket pacing on a virtual clock, exact over any run length.
 *
 * Rather than adding rate * dt to a balance every call (which drifts with
 * rounding), the bucket computes how many tokens the schedule allows in
 * total since the start, a closed form of the rate curve, and compares it
 * with how many were taken. The rate ramps linearly from 0 to its target
 * over ramp_ns, then stays. Tokens left unused pile up to `burst`; beyond
 * that they are skipped and counted, so a stalled sender does not fire a
 * flood afterwards.
 *
 * Every token has a due time (pace_due_ns): latency measured from it,
 * rather than from when the sender got around to it, is free of
 * coordinated omission (the wrk2 argument).
 */

#include <stdint.h>

struct pace {
	uint64_t start_ns;
	uint64_t ramp_ns;	/* 0: full rate at once */
	uint64_t rate_num;	/* tokens per second = rate_num / rate_den */
	uint64_t rate_den;	/* 0: no pacing, every request granted */
	uint64_t burst;		/* most tokens held unused (>= 1) */
	uint64_t taken;		/* tokens granted or skipped since start */
	uint64_t skipped;	/* tokens lost to the burst cap */
};

/*
 * Pace at rate_num / rate_den tokens per second from @p start_ns, reaching
 * that rate after @p ramp_ns. rate_num == 0 means unlimited. A worker's
 * share of a total rate R over N workers is (R, N): no rounding.
 */
void pace_init(struct pace *p, uint64_t rate_num, uint64_t rate_den,
	       uint64_t ramp_ns, uint64_t burst, uint64_t start_ns);

/* Tokens the schedule allows from the start up to @p now_ns. */
uint64_t pace_allowed(const struct pace *p, uint64_t now_ns);

/*
 * Take up to @p want tokens at @p now_ns; returns how many were granted.
 * The k-th token ever granted or skipped has index k (1-based), so the
 * granted ones are taken - n + 1 .. taken after the call.
 */
uint64_t pace_take(struct pace *p, uint64_t now_ns, uint64_t want);

/* When token @p k (1-based) became due. Unlimited pacing: start_ns. */
uint64_t pace_due_ns(const struct pace *p, uint64_t k);

/* Time of the next token after those taken (for sleeping until then). */
static inline uint64_t
pace_next_ns(const struct pace *p)
{
	return pace_due_ns(p, p->taken + 1);
}

#endif /* SHOAL_GEN_PACE_H */
