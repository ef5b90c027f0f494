/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Timers: retransmission (RFC 6298), SYN retries, persist (RFC 9293
 * 3.8.6.1), delayed ACK (RFC 1122 4.2.3.2) and 2 MSL. One flow_wheel per
 * engine; a connection owns three embedded timers.
 */
#include <errno.h>

#include "tcp_impl.h"

#define TCP_CLOCK_G_NS	1000000ULL	/* RFC 6298's G: the 1 ms wheel tick */
#define TCP_MAX_SHIFT	16

uint64_t
tcp_cur_rto(const struct tcp_cb *cb)
{
	const struct shoal_tcp_conf *c = &cb->t->conf;
	uint64_t r = tcp_rto_ns(cb);
	unsigned int i;

	for (i = 0; i < cb->rxt_shift && r < c->rto_max_ns; i++)
		r <<= 1;
	return RTE_MIN(r, c->rto_max_ns);
}

void
tcp_arm_rxt(struct tcp_cb *cb)
{
	cb->tf &= ~(TF_PERSIST | TF_PTO);
	tcp_timer_arm(cb, TCP_T_RXT, cb->t->now + tcp_cur_rto(cb));
}

/* Whether the next timeout may be a loss probe: data in flight on a SACK
 * connection with an RTT sample, no RTO backoff, and fewer than
 * TCP_MAX_PROBES probes since SND.UNA last advanced (a probe or its
 * answer is lost as often as any segment; a dead peer still meets the RTO
 * and its backoff after them). */
static bool
probe_ok(const struct tcp_cb *cb)
{
	switch (cb->state) {
	case SHOAL_TCP_ESTABLISHED:
	case SHOAL_TCP_CLOSE_WAIT:
	case SHOAL_TCP_FIN_WAIT_1:
	case SHOAL_TCP_CLOSING:
	case SHOAL_TCP_LAST_ACK:
		break;
	default:
		return false;
	}
	return cb->t->conf.loss_probes &&
	       (cb->tf & (TF_SACK | TF_PERSIST)) == TF_SACK &&
	       cb->probes < TCP_MAX_PROBES &&
	       cb->srtt_ns != 0 && cb->rxt_shift == 0 &&
	       cb->snd_una != cb->snd_max;
}

/* RFC 8985 7.2's PTO: 2 SRTT, plus room for the peer's delayed ACK when a
 * lone segment is in flight with no hole (a hole's filling is ACKed at
 * once, RFC 5681 4.2), plus 2 ms as Linux adds, and at least 10 ms as
 * FreeBSD's RACK stack keeps: with microsecond RTTs, a peer descheduled
 * for a few ms (two busy processes per core here) drew a spurious probe
 * from 2 SRTT + 2 ms. Doubled for each probe already unanswered; never
 * beyond the RTO. */
#define TCP_PTO_MIN_NS	(10 * TCP_CLOCK_G_NS)

static uint64_t
probe_timeout(const struct tcp_cb *cb)
{
	uint64_t pto = 2ULL * cb->srtt_ns;

	if (tcp_nsack(cb) == 0 && !(cb->tf & TF_RECOVERY) &&
	    cb->snd_max - cb->snd_una <= cb->smss)
		pto += cb->t->conf.rto_min_ns;
	else
		pto += 2 * TCP_CLOCK_G_NS;
	pto = RTE_MAX(pto, TCP_PTO_MIN_NS);
	return RTE_MIN(pto << cb->probes, tcp_cur_rto(cb));
}

/* After a send or an ACK of new data: the probe timeout where one is
 * allowed, else the retransmission timeout (RFC 6298 5.1, 5.3). */
void
tcp_arm_rxt_or_probe(struct tcp_cb *cb)
{
	if (!probe_ok(cb)) {
		tcp_arm_rxt(cb);
		return;
	}
	cb->tf |= TF_PTO;
	tcp_timer_arm(cb, TCP_T_RXT, cb->t->now + probe_timeout(cb));
}

void
tcp_arm_persist(struct tcp_cb *cb)
{
	cb->tf &= ~TF_PTO;
	cb->tf |= TF_PERSIST;
	tcp_timer_arm(cb, TCP_T_RXT, cb->t->now + tcp_cur_rto(cb));
}

/* RFC 6298 section 2. */
void
tcp_rtt_sample(struct tcp_cb *cb, uint64_t rtt_ns)
{
	const struct shoal_tcp_conf *c = &cb->t->conf;
	uint64_t r = RTE_MIN(rtt_ns, (uint64_t)UINT32_MAX / 2), rto, d;

	if (cb->srtt_ns == 0) {
		cb->srtt_ns = RTE_MAX(r, 1ULL);
		cb->rttvar_ns = r / 2;
	} else {
		d = cb->srtt_ns > r ? cb->srtt_ns - r : r - cb->srtt_ns;
		cb->rttvar_ns = (3 * (uint64_t)cb->rttvar_ns + d) / 4;
		cb->srtt_ns = (7 * (uint64_t)cb->srtt_ns + r) / 8;
	}
	rto = cb->srtt_ns + RTE_MAX(TCP_CLOCK_G_NS, 4ULL * cb->rttvar_ns);
	tcp_set_rto_ns(cb, RTE_MIN(RTE_MAX(rto, c->rto_min_ns), c->rto_max_ns));
}

static void
persist_timeout(struct tcp_cb *cb)
{
	struct shoal_tcp *t = cb->t;

	cb->tf &= ~TF_PERSIST;
	if (cb->snd_wnd != 0 || cb->sb_len == 0 ||
	    SEQ_GEQ(cb->snd_una, tcp_sb_end(cb))) {
		tcp_output(cb);
		return;
	}
	/* RFC 1122 4.2.2.17: probe for as long as the peer answers. A peer
	 * that went silent behind a zero window must not hold the
	 * connection and its send buffer forever (an orphan never timed
	 * out at all): unanswered probes count like retransmissions, as
	 * Linux counts them against tcp_retries2. */
	if ((int32_t)(cb->last_rcv_ms - cb->probe_ms) >= 0) {
		cb->retries = 0;	/* it answered the last probe */
	} else if (cb->retries >= t->conf.max_retries) {
		tcp_drop(cb, ETIMEDOUT);
		return;
	}
	cb->retries++;
	cb->probe_ms = t->now_ms;
	/* The probe: one byte beyond the closed window. If the window
	 * opened, the peer takes it; if not, its ACK tells us again. */
	if (tcp_send_range(cb, cb->snd_una, 1, TH_ACK) == 0) {
		if (SEQ_LEQ(cb->snd_nxt, cb->snd_una)) {
			cb->snd_nxt = cb->snd_una + 1;
			if (SEQ_GT(cb->snd_nxt, cb->snd_max))
				cb->snd_max = cb->snd_nxt;
		}
		t->st.persist_probes++;
	}
	if (tcp_cur_rto(cb) < t->conf.rto_max_ns && cb->rxt_shift < TCP_MAX_SHIFT)
		cb->rxt_shift++;
	tcp_arm_persist(cb);
}

static void
rxt_timeout(struct tcp_cb *cb)
{
	struct shoal_tcp *t = cb->t;

	if (cb->tf & TF_PERSIST) {
		persist_timeout(cb);
		return;
	}
	if (cb->tf & TF_PTO) {
		cb->tf &= ~TF_PTO;
		if (cb->snd_una == cb->snd_max)
			return;
		cb->tf |= TF_PTO_FIRED;
		cb->probes++;
		t->st.loss_probes++;
		tcp_send_probe(cb);
		/* The next probe, or the RTO counted from this one. */
		tcp_arm_rxt_or_probe(cb);
		return;
	}
	t->st.rto_fires++;
	if (cb->state == SHOAL_TCP_SYN_SENT ||
	    cb->state == SHOAL_TCP_SYN_RECEIVED) {
		if (cb->retries >= t->conf.syn_retries) {
			tcp_drop(cb, ETIMEDOUT);
			return;
		}
		cb->retries++;
		if (cb->rxt_shift < TCP_MAX_SHIFT)
			cb->rxt_shift++;
		cb->tf |= TF_SYN_RXT;
		cb->tf &= ~TF_RTT_TIMING;
		cb->snd_nxt = cb->iss;
		t->st.retransmits++;
		cb->retransmits++;
		tcp_output(cb);
		return;
	}
	if (cb->snd_una == cb->snd_max) {
		/* Everything acknowledged meanwhile; or nothing went out
		 * because memory pressure held the data back (output.c):
		 * try again now (not a loss: nothing backs off). */
		tcp_output(cb);
		return;
	}
	if (cb->retries >= t->conf.max_retries) {
		tcp_drop(cb, ETIMEDOUT);
		return;
	}
	cb->retries++;
	if (tcp_cur_rto(cb) < t->conf.rto_max_ns && cb->rxt_shift < TCP_MAX_SHIFT)
		cb->rxt_shift++;
	/* RFC 5681 (4): ssthresh once per loss episode, cwnd to one segment. */
	if (cb->retries == 1)
		tcp_cc(cb)->rto(cb, t->now);
	cb->cwnd = cb->smss;
	cb->tf &= ~(TF_RECOVERY | TF_RTT_TIMING);
	cb->dupacks = 0;
	cb->recover = cb->snd_max;	/* RFC 6582 section 4 */
	tcp_snd(cb)->high_rxt = cb->snd_una;
	if (cb->x_ref != 0)
		tcp_x(cb)->lost_marked = false;
	/* Go back N from the first unacknowledged byte. */
	cb->snd_nxt = cb->snd_una;
	if (cb->tf & TF_FIN_SENT)
		cb->tf &= ~TF_FIN_SENT;
	tcp_output(cb);
	if (!tcp_timer_armed(cb, TCP_T_RXT))
		tcp_arm_rxt(cb);
}

void
tcp_arm_keepalive(struct tcp_cb *cb)
{
	if (cb->keep_idle_ms == 0)
		return;
	tcp_timer_arm(cb, TCP_T_2MSL,
		       tcp_last_rcv_ns(cb) + tcp_keep_idle_ns(cb));
}

/* RFC 1122 4.2.3.6: a probe is an ACK one below SND.UNA, which the peer
 * must answer with an ACK; traffic from the peer resets the count. */
static void
keepalive_timeout(struct tcp_cb *cb)
{
	struct shoal_tcp *t = cb->t;

	if (cb->keep_idle_ms == 0)
		return;
	if (cb->keep_sent == 0 &&
	    t->now - tcp_last_rcv_ns(cb) < tcp_keep_idle_ns(cb)) {
		tcp_arm_keepalive(cb);	/* heard from the peer meanwhile */
		return;
	}
	if (cb->snd_una != cb->snd_max) {
		/* Data in flight: the retransmission timer watches. */
		cb->keep_sent = 0;
		tcp_timer_arm(cb, TCP_T_2MSL, t->now + tcp_keep_idle_ns(cb));
		return;
	}
	if (cb->keep_sent >= cb->keep_probes) {
		t->st.keepalive_drops++;
		tcp_drop(cb, ETIMEDOUT);
		return;
	}
	cb->keep_sent++;
	t->st.keepalive_probes++;
	tcp_send_range(cb, cb->snd_una - 1, 0, TH_ACK);
	tcp_timer_arm(cb, TCP_T_2MSL, t->now + tcp_keep_intvl_ns(cb));
}

static void
timer_run(struct tcp_cb *cb, unsigned int k)
{
	switch (k) {
	case TCP_T_RXT:
		rxt_timeout(cb);
		break;
	case TCP_T_DELACK:
		if (cb->tf & TF_DELACK) {
			cb->t->st.delayed_acks++;
			cb->tf |= TF_ACKNOW;
			tcp_output(cb);
		}
		break;
	case TCP_T_2MSL:
		/* TIME-WAIT over, or an orphan gave up in FIN-WAIT-2. */
		if (cb->state == SHOAL_TCP_TIME_WAIT ||
		    (cb->state == SHOAL_TCP_FIN_WAIT_2 &&
		     (cb->tf & TF_APP_CLOSED)))
			tcp_drop(cb, 0);
		else
			keepalive_timeout(cb);
		break;
	}
}

/* The connection's node fired: run every timer that is due, in kind
 * order, each disarmed before it runs (so it may re-arm itself), then put
 * the node back at the earliest deadline left, unless a handler already
 * did. A node that fires with nothing due (its timers were stopped or
 * pushed later since) only re-arms. */
void
tcp_timer_fire(struct flow_wheel *w, struct flow_timer *tm, void *ctx)
{
	struct tcp_cb *cb = container_of(tm, struct tcp_cb, tm);
	uint64_t now_us = w->now_ns / 1000, now_ms = now_us / 1000;
	uint64_t next = TCP_T_OFF, now_u;
	unsigned int k;

	RTE_SET_USED(ctx);
	for (k = 0; k < TCP_T_MAX; k++) {
		now_u = k == TCP_T_2MSL ? now_ms : now_us;
		if (!tcp_timer_armed(cb, k) || tcp_timer_ahead(cb, k, now_u) > 0)
			continue;
		tcp_timer_stop(cb, k);
		timer_run(cb, k);
		if (cb->tf & TF_DEAD)
			return;
	}
	for (k = 0; k < TCP_T_MAX; k++) {
		now_u = k == TCP_T_2MSL ? now_ms : now_us;
		if (tcp_timer_armed(cb, k))
			next = RTE_MIN(next, (now_u + tcp_timer_ahead(cb, k, now_u)) *
				       tcp_t_unit_ns(k));
	}
	if (next != TCP_T_OFF &&
	    (!flow_timer_armed(tm) || next < tm->expire_ns))
		flow_timer_arm(w, tm, next);
}
