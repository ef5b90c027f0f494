/* SPDX-License-Identifier: BSD-3-Clause */
/* NewReno: RFC 5681 slow start and congestion avoidance, RFC 6582 exit. */
#include "../tcp_impl.h"

static void
newreno_init(struct tcp_cb *cb)
{
	cb->cwnd = cb->t->conf.init_cwnd * cb->smss;
	cb->ssthresh = UINT32_MAX;
}

static void
newreno_ack(struct tcp_cb *cb, uint32_t acked, uint64_t now)
{
	uint32_t inc;

	RTE_SET_USED(now);
	if (cb->cwnd < cb->ssthresh) {
		/* RFC 5681 (2): at most one SMSS per ACK. */
		cb->cwnd += RTE_MIN(acked, (uint32_t)cb->smss);
		return;
	}
	/* RFC 5681 (3): about one SMSS per RTT. */
	inc = (uint32_t)((uint64_t)cb->smss * cb->smss / cb->cwnd);
	cb->cwnd += RTE_MAX(inc, 1u);
}

static uint32_t
half_flight(const struct tcp_cb *cb)
{
	/* RFC 5681 (4): max(FlightSize / 2, 2 * SMSS). */
	return RTE_MAX((cb->snd_max - cb->snd_una) / 2, 2u * cb->smss);
}

static void
newreno_cong_event(struct tcp_cb *cb, uint64_t now)
{
	RTE_SET_USED(now);
	cb->ssthresh = half_flight(cb);
	cb->cwnd = cb->ssthresh;
}

static void
newreno_rto(struct tcp_cb *cb, uint64_t now)
{
	RTE_SET_USED(now);
	cb->ssthresh = half_flight(cb);
}

static void
newreno_post_recovery(struct tcp_cb *cb, uint64_t now)
{
	uint32_t flight = cb->snd_max - cb->snd_una;

	RTE_SET_USED(now);
	/* RFC 6582 3.2 (3), option 1: no burst on leaving recovery. */
	cb->cwnd = RTE_MIN(cb->ssthresh, RTE_MAX(flight, (uint32_t)cb->smss) +
			   cb->smss);
}

const struct tcp_cc_ops tcp_cc_newreno = {
	.name = "newreno",
	.init = newreno_init,
	.ack = newreno_ack,
	.cong_event = newreno_cong_event,
	.rto = newreno_rto,
	.post_recovery = newreno_post_recovery,
};
