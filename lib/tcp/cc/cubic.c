/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * CUBIC, RFC 9438: window growth as a cubic function of the time since the
 * last congestion event, with a Reno-friendly floor (section 4.3) and fast
 * convergence (4.7). Windows are computed in segments (doubles: this runs
 * once per ACK in congestion avoidance, not per byte), stored in bytes.
 */
#include <math.h>

#include "../tcp_impl.h"

#define CUBIC_C		0.4
#define CUBIC_BETA	0.7

static void
cubic_init(struct tcp_cb *cb)
{
	cb->cwnd = cb->t->conf.init_cwnd * cb->smss;
	cb->ssthresh = UINT32_MAX;
	if (cb->snd_ref != 0)
		tcp_snd_held(cb)->cubic = (struct tcp_cubic){ 0 };
}

static void
cubic_ack(struct tcp_cb *cb, uint32_t acked, uint64_t now)
{
	double smss, cwnd, t, target, alpha;
	uint32_t now_ms;
	struct tcp_cubic *c;
	uint32_t grown;

	if (cb->cwnd < cb->ssthresh) {
		cb->cwnd += RTE_MIN(acked, (uint32_t)cb->smss);
		return;
	}
	c = &tcp_snd(cb)->cubic;
	smss = cb->smss;
	cwnd = cb->cwnd / smss;
	now_ms = (uint32_t)(now / 1000000);
	if (c->epoch_ms == 0) {
		/* 4.2: a new congestion avoidance epoch. */
		c->epoch_ms = now_ms ? now_ms : 1;
		c->cwnd_epoch = cwnd;
		if (c->w_max <= cwnd) {
			c->k = 0;
			c->w_max = cwnd;
		} else {
			c->k = cbrt((c->w_max - cwnd) / CUBIC_C);
		}
		c->w_est = cwnd;
	}
	/* W_cubic(t + RTT): where the window should be one RTT from now. */
	t = (double)(uint32_t)(now_ms - c->epoch_ms) / 1e3 +
		(double)cb->srtt_ns / 1e9;
	target = CUBIC_C * (t - c->k) * (t - c->k) * (t - c->k) + c->w_max;
	if (target < cwnd)
		target = cwnd;
	if (target > 1.5 * cwnd)
		target = 1.5 * cwnd;
	/* 4.3: the Reno-friendly estimate grows by alpha per RTT. */
	alpha = c->w_est >= c->w_max ? 1.0 :
		3.0 * (1.0 - CUBIC_BETA) / (1.0 + CUBIC_BETA);
	c->w_est += alpha * ((double)acked / smss) / cwnd;
	if (c->w_est > target) {
		grown = (uint32_t)(c->w_est * smss);
	} else {
		/* 4.4/4.5: (target - cwnd) / cwnd segments per segment. */
		grown = cb->cwnd + (uint32_t)((target - cwnd) / cwnd * acked);
	}
	if (grown > cb->cwnd)
		cb->cwnd = grown;
}

static void
cubic_reduce(struct tcp_cb *cb)
{
	struct tcp_cubic *c = &tcp_snd(cb)->cubic;
	double cwnd = (double)cb->cwnd / cb->smss;

	c->epoch_ms = 0;
	/* 4.7 fast convergence: release bandwidth to newer flows. */
	if (cwnd < c->w_last_max)
		c->w_max = cwnd * (1.0 + CUBIC_BETA) / 2.0;
	else
		c->w_max = cwnd;
	c->w_last_max = cwnd;
	cb->ssthresh = RTE_MAX((uint32_t)(cb->cwnd * CUBIC_BETA),
			       2u * cb->smss);
}

static void
cubic_cong_event(struct tcp_cb *cb, uint64_t now)
{
	RTE_SET_USED(now);
	cubic_reduce(cb);
	cb->cwnd = cb->ssthresh;
}

static void
cubic_rto(struct tcp_cb *cb, uint64_t now)
{
	RTE_SET_USED(now);
	/* 4.8: ssthresh as on loss; the caller sets cwnd to one segment. */
	cubic_reduce(cb);
}

static void
cubic_post_recovery(struct tcp_cb *cb, uint64_t now)
{
	RTE_SET_USED(now);
	cb->cwnd = cb->ssthresh;
}

const struct tcp_cc_ops tcp_cc_cubic = {
	.name = "cubic",
	.init = cubic_init,
	.ack = cubic_ack,
	.cong_event = cubic_cong_event,
	.rto = cubic_rto,
	.post_recovery = cubic_post_recovery,
};
