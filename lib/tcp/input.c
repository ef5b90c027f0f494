/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Arriving segments: parse and validate, bulk flow lookup, then RFC 9293
 * section 3.10.7 event processing: CLOSED (no connection), LISTEN,
 * SYN-SENT, and the checks in order for every other state (PAWS, sequence,
 * RST, SYN, ACK, data, FIN), with RFC 5961's challenge ACKs and RFC 6191's
 * TIME-WAIT reuse. Output is not sent from here: connections that owe a
 * segment go on the pending list, flushed once at the end of the burst, so
 * a burst yields at most one pure ACK per connection.
 */
#include <errno.h>
#include <stddef.h>
#include <string.h>

#include <rte_byteorder.h>

#include "mem.h"
#include "tcp_impl.h"

static inline uint32_t
get32(const uint8_t *p)
{
	uint32_t v;

	memcpy(&v, p, 4);
	return rte_be_to_cpu_32(v);
}

/* Options, RFC 9293 3.2: unknown kinds are skipped by their length, a
 * malformed list ends parsing (what was read stays valid). */
static void
parse_opts(const uint8_t *o, unsigned int olen, struct tcp_seg *s)
{
	unsigned int i = 0, l, k;

	while (i < olen) {
		uint8_t kind = o[i];

		if (kind == 0)
			break;
		if (kind == 1) {
			i++;
			continue;
		}
		if (i + 1 >= olen)
			break;
		l = o[i + 1];
		if (l < 2 || i + l > olen)
			break;
		switch (kind) {
		case 2:
			if (l == 4 && (s->flags & TH_SYN)) {
				s->has_mss = true;
				s->mss = (uint16_t)(o[i + 2] << 8 | o[i + 3]);
			}
			break;
		case 3:
			if (l == 3 && (s->flags & TH_SYN)) {
				s->has_ws = true;
				/* RFC 7323 2.3: larger shifts mean 14. */
				s->ws = RTE_MIN(o[i + 2], TCP_MAX_WSCALE);
			}
			break;
		case 4:
			if (l == 2 && (s->flags & TH_SYN))
				s->sack_ok = true;
			break;
		case 5:
			if (l >= 10 && (l - 2) % 8 == 0) {
				s->nsack = (uint8_t)RTE_MIN((l - 2) / 8, 4u);
				for (k = 0; k < s->nsack; k++) {
					s->sack[k].start =
						get32(o + i + 2 + 8 * k);
					s->sack[k].end =
						get32(o + i + 6 + 8 * k);
				}
			}
			break;
		case 8:
			if (l == 10) {
				s->has_ts = true;
				s->tsval = get32(o + i + 2);
				s->tsecr = get32(o + i + 6);
			}
			break;
		default:
			break;
		}
		i += l;
	}
}

int
tcp_parse(struct rte_mbuf *m, struct tcp_seg *s)
{
	const struct rte_tcp_hdr *th;
	unsigned int hlen;

	/* sack[] is read only below nsack: leave it (48 bytes a segment). */
	memset(s, 0, offsetof(struct tcp_seg, sack));
	/* The header must be in the first segment and whole. */
	if (m->data_len < TCP_HDR_LEN || m->pkt_len < TCP_HDR_LEN)
		return -EINVAL;
	th = rte_pktmbuf_mtod(m, const struct rte_tcp_hdr *);
	hlen = (th->data_off >> 4) * 4;
	if (hlen < TCP_HDR_LEN || hlen > m->data_len)
		return -EINVAL;
	s->seq = rte_be_to_cpu_32(th->sent_seq);
	s->ack = rte_be_to_cpu_32(th->recv_ack);
	s->win = rte_be_to_cpu_16(th->rx_win);
	s->flags = th->tcp_flags;
	s->hlen = (uint16_t)hlen;
	s->len = m->pkt_len - hlen;
	/* SYN+FIN and SYN+RST make no sense on any path: drop them. */
	if ((s->flags & TH_SYN) && (s->flags & (TH_FIN | TH_RST)))
		return -EINVAL;
	if (hlen == TCP_HDR_LEN + TCP_TS_OPT_LEN) {
		/* What every segment but a SYN carries, from us, Linux and
		 * BSD (RFC 7323 appendix A): NOP, NOP, timestamps. */
		const uint8_t *o = (const uint8_t *)(th + 1);

		if (o[0] == 1 && o[1] == 1 && o[2] == 8 && o[3] == 10) {
			s->has_ts = true;
			s->tsval = get32(o + 4);
			s->tsecr = get32(o + 8);
			return 0;
		}
	}
	parse_opts((const uint8_t *)(th + 1), hlen - TCP_HDR_LEN, s);
	return 0;
}

/* RFC 5961 section 7: challenge ACKs are rate limited per engine. */
bool
tcp_challenge_ack_ok(struct shoal_tcp *t)
{
	if (t->now - t->chal_start_ns >= 1000000000ULL) {
		t->chal_start_ns = t->now;
		t->chal_count = 0;
	}
	if (t->chal_count >= TCP_CHALLENGE_ACK_LIMIT)
		return false;
	t->chal_count++;
	t->st.challenge_acks++;
	return true;
}

/* RSTs for segments of no connection: a token bucket per engine, one
 * second's worth of burst, so a flood of strays (or of forged cookie ACKs)
 * cannot turn the engine into a reflector. Credit is kept in nanoseconds:
 * each RST costs 1 s / rst_rate. */
bool
tcp_rst_ok(struct shoal_tcp *t)
{
	uint64_t cost;

	if (t->conf.rst_rate == 0)
		return true;
	cost = 1000000000ULL / t->conf.rst_rate;
	t->rst_credit_ns += t->now - t->rst_last_ns;
	t->rst_last_ns = t->now;
	if (t->rst_credit_ns > 1000000000ULL)
		t->rst_credit_ns = 1000000000ULL;
	if (t->rst_credit_ns < cost) {
		t->st.rst_ratelimited++;
		return false;
	}
	t->rst_credit_ns -= cost;
	return true;
}

static void
challenge_ack(struct tcp_cb *cb)
{
	if (tcp_challenge_ack_ok(cb->t)) {
		cb->tf |= TF_ACKNOW;
		tcp_set_pending(cb);
	}
}

static void
ack_now(struct tcp_cb *cb)
{
	cb->tf |= TF_ACKNOW;
	tcp_set_pending(cb);
}

static inline bool
cb_gone(const struct tcp_cb *cb)
{
	return (cb->tf & TF_DEAD) != 0;
}

/* ---------------------------------------------------------------------- */
/* No connection: RFC 9293 3.10.7.1 (CLOSED) and 3.10.7.2 (LISTEN). */

static void
reply_rst(struct shoal_tcp *t, const struct shoal_endpoints *ep,
	  const struct tcp_seg *s)
{
	if (s->flags & TH_RST)
		return;
	if (!tcp_rst_ok(t))
		return;
	if (s->flags & TH_ACK)
		tcp_respond(t, ep, s->ack, 0, TH_RST);
	else
		tcp_respond(t, ep, 0, s->seq + s->len +
			    !!(s->flags & TH_SYN) + !!(s->flags & TH_FIN),
			    TH_RST | TH_ACK);
}

static void
negotiate(struct tcp_cb *cb, const struct tcp_seg *s)
{
	const struct shoal_tcp_conf *c = &cb->t->conf;
	uint32_t mss;

	if ((cb->tf & TF_WSCALE) && s->has_ws) {
		cb->snd_wscale = s->ws;
	} else {
		/* RFC 7323 2.2: both must offer, else neither scales. */
		cb->tf &= ~TF_WSCALE;
		cb->snd_wscale = 0;
		cb->rcv_wscale = 0;
	}
	if (!s->sack_ok)
		cb->tf &= ~TF_SACK;
	if ((cb->tf & TF_TS) && s->has_ts) {
		cb->ts_recent = s->tsval;
		cb->tf |= TF_TS_RECENT;
	} else {
		cb->tf &= ~TF_TS;
	}
	mss = s->has_mss ? s->mss : TCP_DEFAULT_MSS;
	mss = RTE_MIN(mss, (uint32_t)c->mss);
	if (cb->tf & TF_TS)
		mss -= TCP_TS_OPT_LEN;
	cb->smss = (uint16_t)RTE_MAX(mss, 64u);
	cb->rcv_mss = cb->smss;
}

/* The SYN-ACK's window and our shift as tcp_cb_new computes them. */
static uint8_t
our_wscale(const struct shoal_tcp *t)
{
	uint8_t ws = 0;

	while (ws < TCP_MAX_WSCALE && (t->conf.rcvbuf >> ws) > 65535)
		ws++;
	return ws;
}

/* Answer a SYN with a cookie instead of a control block (RFC 4987). */
static void
cookie_synack(struct shoal_tcp *t, struct tcp_listener *l,
	      const struct shoal_endpoints *ep, const struct tcp_seg *s)
{
	uint16_t mss = s->has_mss ? s->mss : TCP_DEFAULT_MSS;
	bool ts = t->conf.timestamps && s->has_ts;
	bool sack = ts && t->conf.sack && s->sack_ok;
	int peer_ws = (ts && t->conf.wscale && s->has_ws) ? s->ws : -1;
	uint32_t iss, tsval = 0;

	mss = RTE_MIN(mss, t->conf.mss);
	iss = tcp_cookie_make(t, ep, s->seq, mss);
	if (ts)
		tsval = tcp_cookie_tsval(t, ep, peer_ws, sack);
	/* Without timestamps nothing can carry SACK-permitted or the
	 * peer's shift back to us: offer neither. */
	tcp_respond_synack(t, ep, iss, s->seq + 1, sack, ts, tsval, s->tsval,
			   peer_ws >= 0 ? our_wscale(t) : -1);
	t->st.syncookies_sent++;
	/* Cookie ACKs are only looked at while cookies may be out. */
	l->cookie_until_ns = t->now + (2ULL << 36);
}

static void segment_input(struct tcp_cb *cb, struct rte_mbuf *m,
			  struct tcp_seg *s);

/*
 * An ACK in LISTEN: a returning SYN cookie, or, if not, RFC 9293 3.10.7.2's
 * <SEQ=SEG.ACK><CTL=RST> (rate limited). A valid cookie makes the
 * connection directly in ESTABLISHED with what the cookie encoded; the
 * segment then goes through the normal path for any data it carries.
 * Returns true when it consumed @p m.
 */
static bool
cookie_ack(struct shoal_tcp *t, struct tcp_listener *l, struct rte_mbuf *m,
	   const struct shoal_endpoints *ep, struct tcp_seg *s)
{
	uint32_t iss = s->ack - 1, irs = s->seq - 1;
	bool ts = t->conf.timestamps && s->has_ts, sack = false;
	int peer_ws = -1;
	struct tcp_cb *cb;
	uint16_t mss;

	if (t->conf.syncookies == SHOAL_TCP_SYNCOOKIES_NEVER ||
	    (t->conf.syncookies == SHOAL_TCP_SYNCOOKIES_AUTO &&
	     t->now >= l->cookie_until_ns))
		return false;
	if (!tcp_cookie_check(t, ep, irs, iss, &mss) ||
	    (ts && !tcp_cookie_ts_decode(s->tsecr, &peer_ws, &sack))) {
		t->st.syncookies_failed++;
		if (s->len > 0 && !(s->flags & TH_SYN)) {
			/* The check takes the peer's ISN from SEG.SEQ - 1,
			 * true only of its first segment. When that one and
			 * the bare ACK before it were lost (a flood fills the
			 * link), a later segment fails here; a reset would
			 * kill a connection the peer holds as established,
			 * while silence makes it go back to its first
			 * segment, which passes. */
			t->st.syncookies_data_dropped++;
			rte_pktmbuf_free(m);
			return true;
		}
		return false;
	}
	cb = tcp_cb_new(t, ep);
	if (cb == NULL) {
		t->st.conn_limit_drops++;
		rte_pktmbuf_free(m);
		return true;
	}
	t->st.syncookies_ok++;
	tcp_cb_set_listener(cb, l);
	l->refs++;
	cb->ops = &l->ops;
	cb->ctx = l->ctx;
	cb->tf |= TF_PASSIVE | TF_APP_SEEN;
	if (ts) {
		cb->tf |= TF_TS | TF_TS_RECENT;
		cb->ts_recent = s->tsval;
		if (sack && t->conf.sack)
			cb->tf |= TF_SACK;
		if (peer_ws >= 0 && t->conf.wscale) {
			cb->tf |= TF_WSCALE;
			cb->snd_wscale = (uint8_t)peer_ws;
		}
	}
	if (!(cb->tf & TF_WSCALE))
		cb->rcv_wscale = 0;
	if (cb->tf & TF_TS)
		mss -= TCP_TS_OPT_LEN;
	cb->smss = (uint16_t)RTE_MAX(RTE_MIN(mss, t->conf.mss), 64);
	cb->rcv_mss = cb->smss;
	cb->iss = iss;
	cb->irs = irs;
	cb->snd_una = cb->snd_nxt = cb->snd_max = s->ack;
	cb->sb_seq = s->ack;
	cb->recover = s->ack;
	cb->rcv_nxt = s->seq;
	/* What the SYN-ACK offered, unscaled. */
	cb->rcv_adv = s->seq + RTE_MIN(t->conf.rcvbuf, 65535u);
	cb->last_ack_sent = s->seq;
	cb->snd_wnd = (uint32_t)s->win << cb->snd_wscale;
	cb->max_snd_wnd = cb->snd_wnd;
	cb->snd_wl1 = s->seq;
	cb->snd_wl2 = s->ack;
	tcp_cc(cb)->init(cb);
	tcp_set_state(cb, SHOAL_TCP_ESTABLISHED);
	t->st.passive_opens++;
	cb->last_rcv_ms = t->now_ms;
	if (cb->ops->accepted != NULL)
		cb->ops->accepted((struct shoal_conn *)cb, cb->ctx);
	if (cb->tf & TF_DEAD)
		rte_pktmbuf_free(m);
	else
		segment_input(cb, m, s);
	return true;
}

/*
 * A SYN answered with a cookie while the backlog was full, then sent again
 * once it had room, got a control block (and a second SYN-ACK with another
 * ISS). If the first SYN-ACK is the one the peer took, its ACK does not
 * fit the half-open block: RFC 9293 would reset a connection the peer
 * holds as established (seen under a SYN flood: a legitimate client reset).
 * The peer's view wins: the half-open block goes, quietly, and the ACK is
 * taken as the cookie it carries. Returns true when it consumed @p m.
 */
static bool
cookie_over_half_open(struct tcp_cb *cb, struct rte_mbuf *m, struct tcp_seg *s)
{
	struct tcp_listener *l = tcp_cb_listener(cb);
	struct shoal_tcp *t = cb->t;
	struct shoal_endpoints ep;
	uint16_t mss;

	if (l == NULL || !(cb->tf & TF_PASSIVE) || !l->in_use ||
	    (s->flags & (TH_SYN | TH_RST)) || s->seq != cb->irs + 1 ||
	    t->conf.syncookies == SHOAL_TCP_SYNCOOKIES_NEVER ||
	    t->now >= l->cookie_until_ns)
		return false;
	tcp_cb_ep(cb, &ep);
	if (!tcp_cookie_check(t, &ep, cb->irs, s->ack - 1, &mss))
		return false;
	t->st.syncookies_over_half_open++;
	tcp_drop(cb, 0);
	if (!cookie_ack(t, l, m, &ep, s))
		rte_pktmbuf_free(m);
	return true;
}

static void
listen_input(struct shoal_tcp *t, struct tcp_listener *l, struct rte_mbuf *m,
	     const struct shoal_endpoints *ep, struct tcp_seg *s)
{
	enum shoal_tcp_syncookies mode = t->conf.syncookies;
	struct tcp_cb *cb;
	bool full;

	if (s->flags & TH_RST) {
		rte_pktmbuf_free(m);
		return;
	}
	if (s->flags & TH_ACK) {
		if ((s->flags & TH_SYN) || !cookie_ack(t, l, m, ep, s)) {
			rte_pktmbuf_free(m);
			if (tcp_rst_ok(t))
				tcp_respond(t, ep, s->ack, 0, TH_RST);
		}
		return;
	}
	rte_pktmbuf_free(m);
	if (!(s->flags & TH_SYN)) {
		t->st.bad_segs++;
		return;
	}
	/* Deep under memory pressure (mem.h) no new connection, not even a
	 * cookie's: the peer retransmits. Above that a new connection is
	 * taken: what it would hold (its answers) is refused on its own,
	 * and a dropped SYN costs the peer a second or more of back-off. */
	if (tcp_mem_tight(t)) {
		t->st.mem_syn_drops++;
		return;
	}
	/* RFC 4987 3.6: no state for a SYN while the backlog is full or
	 * every control block is taken; a cookie stands in. */
	full = t->ft.count >= t->conf.max_conns;
	if (mode == SHOAL_TCP_SYNCOOKIES_ALWAYS ||
	    (mode == SHOAL_TCP_SYNCOOKIES_AUTO &&
	     (l->half_open >= t->conf.backlog || full))) {
		cookie_synack(t, l, ep, s);
		return;
	}
	if (l->half_open >= t->conf.backlog) {
		t->st.syn_backlog_drops++;
		return;
	}
	if (full) {
		t->st.conn_limit_drops++;
		return;
	}
	cb = tcp_cb_new(t, ep);
	if (cb == NULL) {
		t->st.conn_limit_drops++;
		return;
	}
	tcp_cb_set_listener(cb, l);
	l->refs++;
	l->half_open++;
	cb->ops = &l->ops;
	cb->ctx = l->ctx;
	cb->tf |= TF_PASSIVE;
	if (t->conf.wscale)
		cb->tf |= TF_WSCALE;
	if (t->conf.sack)
		cb->tf |= TF_SACK;
	if (t->conf.timestamps)
		cb->tf |= TF_TS;
	negotiate(cb, s);
	cb->irs = s->seq;
	cb->rcv_nxt = s->seq + 1;
	cb->rcv_adv = cb->rcv_nxt;
	cb->last_ack_sent = cb->rcv_nxt;
	/* RFC 7323 2.2: the window in a SYN is never scaled. */
	cb->snd_wnd = s->win;
	cb->max_snd_wnd = s->win;
	cb->snd_wl1 = s->seq;
	cb->snd_wl2 = cb->iss;
	cb->state = SHOAL_TCP_SYN_RECEIVED;
	t->st.passive_opens++;
	/* A SYN's payload is not queued: the SYN-ACK acknowledges only the
	 * SYN and the peer sends the data again. */
	tcp_set_pending(cb);
}

/* The listener for a SYN to @p addr:@p port (network order): the one on
 * that address, else the wildcard one, else NULL. */
struct tcp_listener *
tcp_listener_find(struct shoal_tcp *t, rte_be32_t addr, rte_be16_t port)
{
	struct tcp_listener *l;

	if (t->lcache != NULL && t->lcache_addr == addr &&
	    t->lcache_port == port)
		return t->lcache;
	l = listen_table_lookup(&t->lt, addr, port);
	if (l != NULL) {
		t->lcache = l;
		t->lcache_addr = addr;
		t->lcache_port = port;
	}
	return l;
}

static void
no_conn_input(struct shoal_tcp *t, struct rte_mbuf *m,
	      const struct shoal_endpoints *ep, struct tcp_seg *s)
{
	struct tcp_listener *l = NULL;

	if (ep->local.family == SHOAL_AF_INET)
		l = tcp_listener_find(t, ep->local.v4, ep->lport);
	if (l != NULL && l->in_use) {
		listen_input(t, l, m, ep, s);
		return;
	}
	rte_pktmbuf_free(m);
	if (!(s->flags & TH_RST))
		t->st.no_listener++;
	reply_rst(t, ep, s);
}

/* RFC 6191 / RFC 9293 3.10.7.4: a new SYN may end TIME-WAIT early when it
 * is provably newer than the old connection: its TSval above TS.Recent,
 * or, without timestamps, its sequence number above RCV.NXT. */
static bool
timewait_reusable(const struct tcp_cb *cb, const struct tcp_seg *s)
{
	if ((cb->tf & TF_TS) && s->has_ts)
		return SEQ_GT(s->tsval, cb->ts_recent);
	if (cb->tf & TF_TS)
		return false;
	return SEQ_GT(s->seq, cb->rcv_nxt);
}

/* ---------------------------------------------------------------------- */
/* SYN-SENT, RFC 9293 3.10.7.3. */

static void
establish(struct tcp_cb *cb)
{
	struct shoal_tcp *t = cb->t;

	tcp_timer_stop(cb, TCP_T_RXT);
	cb->retries = 0;
	cb->rxt_shift = 0;
	if ((cb->tf & TF_RTT_TIMING) && !(cb->tf & TF_SYN_RXT))
		tcp_rtt_sample(cb, (uint32_t)t->now -
				   tcp_snd(cb)->rtt_start_ns);
	else if ((cb->tf & TF_SYN_RXT) && cb->srtt_ns == 0 &&
		 cb->rto_us < 3000000)
		cb->rto_us = 3000000;	/* RFC 6298 5.7 */
	cb->tf &= ~TF_RTT_TIMING;
	tcp_cc(cb)->init(cb);
	if (cb->listener != TCP_NO_LISTENER &&
	    cb->state == SHOAL_TCP_SYN_RECEIVED)
		tcp_cb_listener(cb)->half_open--;
	tcp_set_state(cb, SHOAL_TCP_ESTABLISHED);
	cb->last_rcv_ms = t->now_ms;
	tcp_arm_keepalive(cb);
}

static void
syn_sent_input(struct tcp_cb *cb, struct rte_mbuf *m, const struct tcp_seg *s)
{
	struct shoal_tcp *t = cb->t;

	rte_pktmbuf_free(m);
	if (s->flags & TH_ACK) {
		if (SEQ_LEQ(s->ack, cb->iss) || SEQ_GT(s->ack, cb->snd_max)) {
			t->st.out_of_window++;
			if (!(s->flags & TH_RST))
				tcp_respond_cb(cb, s->ack, 0, TH_RST);
			return;
		}
	}
	if (s->flags & TH_RST) {
		/* Only an RST that acknowledges our SYN is believed. */
		if (s->flags & TH_ACK) {
			t->st.resets_rx++;
			tcp_drop(cb, ECONNREFUSED);
		}
		return;
	}
	if (!(s->flags & TH_SYN)) {
		t->st.bad_segs++;
		return;
	}
	cb->irs = s->seq;
	cb->rcv_nxt = s->seq + 1;
	cb->rcv_adv = cb->rcv_nxt;
	negotiate(cb, s);
	cb->snd_wnd = s->win;
	cb->max_snd_wnd = s->win;
	cb->snd_wl1 = s->seq;
	if (s->flags & TH_ACK) {
		cb->snd_una = s->ack;
		cb->snd_wl2 = s->ack;
		establish(cb);
		cb->tf |= TF_ACKNOW;
		tcp_set_pending(cb);
		if (cb->ops->connected != NULL)
			cb->ops->connected((struct shoal_conn *)cb, cb->ctx);
		return;
	}
	/* Simultaneous open: SYN-ACK with the same ISS (3.5, figure 8). */
	cb->snd_wl2 = cb->iss;
	cb->state = SHOAL_TCP_SYN_RECEIVED;
	cb->snd_nxt = cb->iss;
	tcp_set_pending(cb);
}

/* ---------------------------------------------------------------------- */
/* ACK processing (3.10.7.4, fifth check) for synchronized states. */

void
tcp_retransmit_first(struct tcp_cb *cb)
{
	uint32_t end = tcp_sb_end(cb), len = 0;
	uint8_t flags = TH_ACK;

	if (SEQ_GT(end, cb->snd_una))
		len = RTE_MIN(end - cb->snd_una, (uint32_t)cb->smss);
	if (tcp_nsack(cb) > 0 &&
	    SEQ_LT(tcp_x(cb)->sack[0].start, cb->snd_una + len))
		len = tcp_x(cb)->sack[0].start - cb->snd_una;
	if ((cb->tf & TF_FIN_SENT) && cb->snd_una + len == end)
		flags |= TH_FIN;
	if (len == 0 && !(flags & TH_FIN))
		return;
	if (tcp_send_range(cb, cb->snd_una, len, flags) == 0) {
		cb->t->st.retransmits++;
		cb->retransmits++;
		if (SEQ_GT(cb->snd_una + len, tcp_high_rxt(cb)))
			tcp_snd(cb)->high_rxt = cb->snd_una + len;
	}
	cb->tf &= ~TF_RTT_TIMING;	/* Karn */
}

/* RFC 5681 3.2 / RFC 6582 / RFC 6675 5: enter loss recovery. */
static void
fast_retransmit(struct tcp_cb *cb)
{
	struct shoal_tcp *t = cb->t;

	t->st.fast_retransmits++;
	cb->tf |= TF_RECOVERY;
	cb->recover = cb->snd_max;
	tcp_snd(cb)->high_rxt = cb->snd_una;
	tcp_cc(cb)->cong_event(cb, t->now);
	if (cb->tf & TF_SACK)
		t->st.sack_recoveries++;
	else
		cb->cwnd = cb->ssthresh + TCP_DUPTHRESH * cb->smss;
	tcp_retransmit_first(cb);
	tcp_arm_rxt_or_probe(cb);
}

static void
new_ack(struct tcp_cb *cb, const struct tcp_seg *s)
{
	struct shoal_tcp *t = cb->t;
	uint32_t ack = s->ack, acked = ack - cb->snd_una, end, data = 0;

	end = tcp_sb_end(cb);
	if (SEQ_GT(ack, cb->sb_seq))
		data = SEQ_MIN(ack, end) - cb->sb_seq;
	if (data > 0)
		tcp_sb_drop(cb, data);
	/* Our FIN holds sequence number end, and an acceptable ACK never
	 * passes snd_max: an ACK beyond end acknowledges a FIN that went
	 * out, even when an RTO's go-back-N has cleared TF_FIN_SENT since
	 * (else the connection waited in FIN-WAIT-1 forever). */
	if ((cb->tf & (TF_FIN_SENT | TF_FIN_QUEUED)) && SEQ_GT(ack, end))
		cb->tf |= TF_FIN_ACKED;
	if ((cb->tf & TF_RTT_TIMING) && SEQ_GT(ack, tcp_snd(cb)->rtt_seq)) {
		tcp_rtt_sample(cb, (uint32_t)t->now -
				   tcp_snd_held(cb)->rtt_start_ns);
		cb->tf &= ~TF_RTT_TIMING;
	}
	cb->snd_una = ack;
	if (SEQ_LT(cb->snd_nxt, ack))
		cb->snd_nxt = ack;
	cb->retries = 0;
	cb->rxt_shift = 0;
	cb->tf &= ~TF_PTO_FIRED;
	cb->probes = 0;
	if (cb->x_ref != 0 && tcp_x(cb)->lost_marked &&
	    SEQ_GEQ(ack, tcp_x(cb)->lost_to))
		tcp_x(cb)->lost_marked = false;
	tcp_sack_update(cb, s);
	tcp_sack_trim(cb);
	if (cb->tf & TF_RECOVERY) {
		if (SEQ_GEQ(ack, cb->recover)) {
			cb->tf &= ~TF_RECOVERY;
			cb->dupacks = 0;
			tcp_cc(cb)->post_recovery(cb, t->now);
		} else if (!(cb->tf & TF_SACK)) {
			/* RFC 6582 3.2 (5): partial ACK: resend the next
			 * hole, deflate by what was acked, add one SMSS. */
			tcp_retransmit_first(cb);
			cb->cwnd = cb->cwnd > acked ? cb->cwnd - acked : 0;
			if (acked >= cb->smss)
				cb->cwnd += cb->smss;
			if (cb->cwnd < cb->smss)
				cb->cwnd = cb->smss;
		} else if (SEQ_LT(tcp_high_rxt(cb), ack)) {
			tcp_snd(cb)->high_rxt = ack;
		}
	} else {
		cb->dupacks = 0;
		tcp_cc(cb)->ack(cb, acked, t->now);
	}
	if (cb->snd_una == cb->snd_max) {
		if (!(cb->tf & TF_PERSIST))
			tcp_timer_stop(cb, TCP_T_RXT);
	} else {
		/* RFC 6298 5.3: restart on an ACK of new data (or
		 * the probe timeout, which goes first). */
		tcp_arm_rxt_or_probe(cb);
	}
	tcp_set_pending(cb);
	if (data > 0 && cb->ops->sent != NULL && !(cb->tf & TF_APP_CLOSED))
		cb->ops->sent((struct shoal_conn *)cb, cb->ctx, data,
			      shoal_send_space((struct shoal_conn *)cb));
}

static void
window_update(struct tcp_cb *cb, const struct tcp_seg *s, uint32_t win)
{
	uint32_t old = cb->snd_wnd;

	/* RFC 9293 3.10.7.4: only a newer segment may set the window. */
	if (!(SEQ_LT(cb->snd_wl1, s->seq) ||
	      (cb->snd_wl1 == s->seq && SEQ_LEQ(cb->snd_wl2, s->ack))))
		return;
	cb->snd_wnd = win;
	cb->snd_wl1 = s->seq;
	cb->snd_wl2 = s->ack;
	if (win > cb->max_snd_wnd)
		cb->max_snd_wnd = win;
	if (win > old)
		tcp_set_pending(cb);
	if (win > 0 && (cb->tf & TF_PERSIST)) {
		/* The window opened: leave persist, resume sending. */
		cb->tf &= ~TF_PERSIST;
		cb->rxt_shift = 0;
		tcp_timer_stop(cb, TCP_T_RXT);
		if (cb->snd_una != cb->snd_max)
			tcp_arm_rxt_or_probe(cb);
		tcp_set_pending(cb);
	}
}

/* After an ACK with SACK blocks: a tail loss probe the peer now holds
 * marks every byte still missing below it lost, since they all went out
 * a probe timeout before it (RFC 8985 6.2, where RFC 6675 would want
 * three segments SACKed above a hole); and loss recovery starts on any
 * ACK whose SACK blocks show SND.UNA lost (RFC 6675 5 (3)), not only on
 * one that keeps the window unchanged. */
static void
sack_loss_check(struct tcp_cb *cb, bool probed, uint32_t probe_seq)
{
	if (tcp_nsack(cb) == 0 || (cb->tf & TF_RECOVERY) ||
	    cb->snd_una == cb->snd_max)
		return;
	if (probed && SEQ_GT(probe_seq, cb->snd_una) &&
	    tcp_sack_find(cb, probe_seq) != NULL) {
		tcp_x(cb)->lost_marked = true;
		tcp_x(cb)->lost_to = probe_seq;
	}
	if (SEQ_GT(cb->snd_una, cb->recover) &&
	    tcp_sack_is_lost(cb, cb->snd_una))
		fast_retransmit(cb);
}

/* Returns false when the segment must go no further. */
static bool
ack_input(struct tcp_cb *cb, const struct tcp_seg *s)
{
	struct shoal_tcp *t = cb->t;
	uint32_t win = (uint32_t)s->win << cb->snd_wscale;
	/* A tail probe went out and is not yet known lost: high_rxt holds
	 * its sequence (tcp_send_probe). */
	bool probed = (cb->tf & (TF_PTO_FIRED | TF_RECOVERY)) == TF_PTO_FIRED;
	uint32_t probe_seq = tcp_high_rxt(cb);

	/* RFC 5961 5.2: ACKs outside [SND.UNA - MAX.SND.WND, SND.NXT]. */
	if (SEQ_GT(s->ack, cb->snd_max) ||
	    SEQ_LT(s->ack, cb->snd_una - cb->max_snd_wnd)) {
		t->st.out_of_window++;
		challenge_ack(cb);
		return false;
	}
	if (SEQ_GT(s->ack, cb->snd_una)) {
		new_ack(cb, s);
		if (cb_gone(cb))
			return false;
	} else if (s->ack == cb->snd_una) {
		uint32_t before = tcp_nsack(cb) ? tcp_sack_bytes_above(cb,
							cb->snd_una) : 0;

		if (cb->tf & TF_SACK)
			tcp_sack_update(cb, s);
		if (s->len == 0 && !(s->flags & (TH_SYN | TH_FIN)) &&
		    win == cb->snd_wnd && win != 0 &&
		    cb->snd_max != cb->snd_una) {
			t->st.dup_acks_rx++;
			cb->dupacks++;
			if (!(cb->tf & TF_RECOVERY)) {
				if ((cb->dupacks >= TCP_DUPTHRESH ||
				     ((cb->tf & TF_SACK) &&
				      tcp_sack_is_lost(cb, cb->snd_una))) &&
				    SEQ_GT(cb->snd_una, cb->recover))
					fast_retransmit(cb);
			} else if (!(cb->tf & TF_SACK)) {
				cb->cwnd += cb->smss;	/* inflate */
			}
			tcp_set_pending(cb);
		} else if (tcp_nsack(cb) && tcp_sack_bytes_above(cb, cb->snd_una) !=
			   before) {
			tcp_set_pending(cb);
		}
	}
	if (cb->tf & TF_SACK)
		sack_loss_check(cb, probed, probe_seq);
	window_update(cb, s, win);
	return true;
}

/* ---------------------------------------------------------------------- */
/* Data and FIN (sixth to eighth checks). */

static bool
fin_acked(const struct tcp_cb *cb)
{
	return (cb->tf & TF_FIN_ACKED) != 0;
}

static void
deliver(struct tcp_cb *cb, struct rte_mbuf *m)
{
	if (cb->ops->recv != NULL && !(cb->tf & (TF_APP_CLOSED | TF_APP_GONE)))
		cb->ops->recv((struct shoal_conn *)cb, cb->ctx, m);
	else
		rte_pktmbuf_free(m);
}

/* The peer's FIN is in sequence: RFC 9293 3.10.7.4, eighth. */
static void
fin_input(struct tcp_cb *cb)
{
	struct shoal_tcp *t = cb->t;
	bool tell = !(cb->tf & (TF_APP_CLOSED | TF_PEER_FIN));

	cb->rcv_nxt++;
	cb->tf |= TF_PEER_FIN;
	ack_now(cb);
	switch (cb->state) {
	case SHOAL_TCP_SYN_RECEIVED:
	case SHOAL_TCP_ESTABLISHED:
		tcp_set_state(cb, SHOAL_TCP_CLOSE_WAIT);
		break;
	case SHOAL_TCP_FIN_WAIT_1:
		if (!fin_acked(cb)) {
			tcp_set_state(cb, SHOAL_TCP_CLOSING);
			break;
		}
		/* fall through */
	case SHOAL_TCP_FIN_WAIT_2:
		if (tell && cb->ops->peer_closed != NULL)
			cb->ops->peer_closed((struct shoal_conn *)cb, cb->ctx);
		if (!cb_gone(cb))
			tcp_enter_timewait(cb);
		return;
	case SHOAL_TCP_TIME_WAIT:
		tcp_timer_arm(cb, TCP_T_2MSL, t->now + 2 * t->conf.msl_ns);
		return;
	default:
		return;
	}
	if (tell && cb->ops->peer_closed != NULL)
		cb->ops->peer_closed((struct shoal_conn *)cb, cb->ctx);
}

static void
data_input(struct tcp_cb *cb, struct rte_mbuf *m, uint32_t seq, uint32_t len,
	   bool *fin)
{
	struct shoal_tcp *t = cb->t;
	struct rte_mbuf *more;
	bool rfin = false;
	uint32_t fin_seq = seq + len;

	if (seq != cb->rcv_nxt) {
		tcp_reass_insert(cb, m, seq, *fin);
		*fin = false;
		/* RFC 5681 4.2: out-of-order data gets an immediate
		 * (duplicate, SACK-carrying) ACK. */
		ack_now(cb);
		return;
	}
	cb->rcv_nxt += len;
	if (unlikely(cb->rcv_nxt - cb->irs - 1 < len))
		cb->rcv_wraps++;	/* bytes_received, shoal_conn_info */
	/* A segment the device merged (LRO) counts as the segments it was:
	 * its size is theirs, and it is ACKed at once below (RFC 5681 4.2
	 * asks for an ACK every second full segment). */
	if (m->ol_flags & RTE_MBUF_F_RX_LRO) {
		t->st.lro_segs_rx++;
		if (m->tso_segsz != 0 && m->tso_segsz < len &&
		    m->tso_segsz > cb->rcv_mss)
			cb->rcv_mss = m->tso_segsz;
	} else if (len > cb->rcv_mss) {
		cb->rcv_mss = (uint16_t)RTE_MIN(len, 65535u);
	}
	if (tcp_reass_head(cb) != NULL || (cb->tf & TF_RCV_FIN_OOO)) {
		more = tcp_reass_pull(cb, &rfin);
		if (more != NULL && rte_pktmbuf_chain(m, more) != 0) {
			deliver(cb, m);
			m = more;
			if (cb_gone(cb)) {
				rte_pktmbuf_free(m);
				return;
			}
		}
		/* RFC 5681 4.2: ACK at once when a hole fills. */
		ack_now(cb);
	} else {
		cb->rcv_unacked += len;
		if (cb->rcv_unacked >= 2u * cb->rcv_mss) {
			ack_now(cb);	/* every second full segment */
		} else if (!(cb->tf & TF_DELACK)) {
			cb->tf |= TF_DELACK;
			tcp_timer_arm(cb, TCP_T_DELACK,
				       t->now + t->conf.delack_ns);
		}
	}
	*fin = (*fin && fin_seq == cb->rcv_nxt) || rfin;
	deliver(cb, m);
}

/*
 * Header prediction (Van Jacobson; FreeBSD's tcp_input): in ESTABLISHED most
 * segments are either a pure ACK of new data or the next in-order data
 * with nothing else changed. Those skip the RFC 9293 check sequence; every
 * other segment goes to segment_input. The slow path is taken when:
 *  - the state is not ESTABLISHED, or any flag but ACK/PSH is set;
 *  - SEG.SEQ != RCV.NXT;
 *  - timestamps are on and the option is missing or older than TS.Recent;
 *  - the window changes, or the segment carries SACK blocks;
 *  - a retransmission, recovery or persist episode is running;
 *  - the ACK field is neither SND.UNA (data only) nor an advance within
 *    SND.MAX, or a segment without data does not advance it (dup, old,
 *    bogus);
 *  - data comes beyond the window, or while out-of-order data waits, or
 *    after shoal_close().
 * Data that also acknowledges ours is the request/response case (each
 * request acknowledges the last response): like Linux's fast path, the ACK
 * is taken first, then the data, unless the ACK's callback closed or
 * changed the connection, when segment_input takes the rest (the ACK is
 * old news to it by then).
 */
static bool
fast_path(struct tcp_cb *cb, struct rte_mbuf *m, const struct tcp_seg *s)
{
	uint32_t win = (uint32_t)s->win << cb->snd_wscale;
	bool fin = false, acks;

	if (cb->state != SHOAL_TCP_ESTABLISHED ||
	    (s->flags & ~TH_PSH) != TH_ACK || s->seq != cb->rcv_nxt ||
	    win != cb->snd_wnd || s->nsack != 0 ||
	    cb->snd_nxt != cb->snd_max ||
	    (cb->tf & (TF_RECOVERY | TF_PERSIST | TF_APP_CLOSED)))
		return false;
	if (cb->tf & TF_TS) {
		if (!s->has_ts || SEQ_LT(s->tsval, cb->ts_recent))
			return false;
	}
	acks = s->ack != cb->snd_una;
	if (acks && (!SEQ_GT(s->ack, cb->snd_una) ||
		     SEQ_GT(s->ack, cb->snd_max)))
		return false;
	if (s->len == 0) {
		if (!acks)
			return false;
	} else if (tcp_reass_head(cb) != NULL ||
		   (cb->tf & TF_RCV_FIN_OOO) ||
		   SEQ_GT(s->seq + s->len, cb->rcv_adv)) {
		return false;
	}
	cb->t->st.hdr_predicted++;
	if ((cb->tf & TF_TS) && SEQ_LEQ(s->seq, cb->last_ack_sent)) {
		cb->ts_recent = s->tsval;
		cb->tf |= TF_TS_RECENT;
	}
	cb->snd_wl1 = s->seq;
	if (acks) {
		cb->snd_wl2 = s->ack;
		new_ack(cb, s);
		if (s->len == 0 || cb_gone(cb)) {
			rte_pktmbuf_free(m);
			return true;
		}
		if (cb->state != SHOAL_TCP_ESTABLISHED ||
		    (cb->tf & TF_APP_CLOSED))
			return false;
	}
	rte_pktmbuf_adj(m, s->hlen);
	data_input(cb, m, s->seq, s->len, &fin);
	return true;
}

/* RFC 9293 3.10.7.4, first check, the four cases of the acceptability
 * table. With a zero window only a segment at RCV.NXT without data is
 * acceptable (an ACK, or, like Linux, a bare FIN); a persist probe is not,
 * and gets the ACK that repeats the zero window. */
static bool
seq_acceptable(const struct tcp_cb *cb, uint32_t seq, uint32_t seglen,
	       uint32_t len, uint32_t rwnd)
{
	uint32_t nxt = cb->rcv_nxt;

	if (rwnd == 0)
		return seq == nxt && len == 0;
	if (seglen == 0)
		return SEQ_LEQ(nxt, seq) && SEQ_LT(seq, nxt + rwnd);
	return (SEQ_LEQ(nxt, seq) && SEQ_LT(seq, nxt + rwnd)) ||
	       (SEQ_LEQ(nxt, seq + seglen - 1) &&
		SEQ_LT(seq + seglen - 1, nxt + rwnd));
}

/* States in which a wholly old segment's ACK field is still taken. */
static bool
old_ack_state(uint8_t state)
{
	switch (state) {
	case SHOAL_TCP_ESTABLISHED:
	case SHOAL_TCP_FIN_WAIT_1:
	case SHOAL_TCP_FIN_WAIT_2:
	case SHOAL_TCP_CLOSE_WAIT:
	case SHOAL_TCP_CLOSING:
	case SHOAL_TCP_LAST_ACK:
		return true;
	default:
		return false;
	}
}

static void
segment_input(struct tcp_cb *cb, struct rte_mbuf *m, struct tcp_seg *s)
{
	struct shoal_tcp *t = cb->t;
	uint32_t seq = s->seq, len = s->len, rwnd, seglen, d, fin_seq;
	bool syn = s->flags & TH_SYN, fin = s->flags & TH_FIN;
	bool rst = s->flags & TH_RST, old = false;

	/* Simultaneous open: the peer's SYN-ACK repeats the SYN we already
	 * took; trim it and keep the ACK (RFC 9293 figure 8). */
	if (cb->state == SHOAL_TCP_SYN_RECEIVED && syn &&
	    (s->flags & TH_ACK) && seq == cb->irs && !(cb->tf & TF_PASSIVE)) {
		syn = false;
		seq++;
		s->flags &= ~TH_SYN;
		s->seq = seq;
	}
	fin_seq = seq + len;
	/* PAWS, RFC 7323 5.3: before the sequence check. */
	if ((cb->tf & TF_TS) && s->has_ts && (cb->tf & TF_TS_RECENT) && !rst &&
	    SEQ_LT(s->tsval, cb->ts_recent)) {
		t->st.paws_drops++;
		ack_now(cb);
		goto drop;
	}
	/* First: sequence number (3.10.7.4). */
	seglen = len + syn + fin;
	rwnd = SEQ_GT(cb->rcv_adv, cb->rcv_nxt) ? cb->rcv_adv - cb->rcv_nxt : 0;
	if (rwnd == 0)
		rwnd = tcp_rcv_window(cb);
	if (!seq_acceptable(cb, seq, seglen, len, rwnd)) {
		t->st.out_of_window++;
		/* An old duplicate while we owe no ACK: the peer resent
		 * what we acknowledged, so that ACK was lost. Echo this
		 * segment's timestamp, as FreeBSD does (it trims the
		 * segment to nothing at RCV.NXT first): else the peer's
		 * RTT sample for it is its whole retransmission timeout,
		 * its RTO grows with each lost ACK, and on a lossy link
		 * it ends up in the minutes (Linux over the loss grid). */
		if (!rst && (cb->tf & TF_TS) && s->has_ts &&
		    SEQ_LEQ(seq + seglen, cb->rcv_nxt) &&
		    cb->last_ack_sent == cb->rcv_nxt &&
		    SEQ_GEQ(s->tsval, cb->ts_recent)) {
			cb->ts_recent = s->tsval;
			cb->tf |= TF_TS_RECENT;
		}
		if (!rst) {
			ack_now(cb);
			/* A retransmitted FIN restarts TIME-WAIT. */
			if (cb->state == SHOAL_TCP_TIME_WAIT && fin &&
			    seq + len + 1 == cb->rcv_nxt)
				tcp_timer_arm(cb, TCP_T_2MSL,
					       t->now + 2 * t->conf.msl_ns);
		}
		/* Wholly old, but its ACK field may be news: the peer
		 * resends data whose ACK we lost with an acknowledgment of
		 * ours, or sends a bare ACK at a sequence we are past (Linux
		 * does when our window looks closed to it). Take the ACK,
		 * drop the rest, as FreeBSD does (it trims such a segment to
		 * nothing at RCV.NXT and goes on for the ACK). Dropped
		 * whole, on a lossy link it may be the only carrier of that
		 * ACK: we retransmit what the peer holds, up to a timeout
		 * (the TAP grid at 20% loss timed two connections out). */
		if (!rst && !syn && (s->flags & TH_ACK) &&
		    SEQ_LEQ(seq + seglen, cb->rcv_nxt) &&
		    old_ack_state(cb->state)) {
			/* Our answer first: the ACK may end the
			 * connection (LAST-ACK), and the peer still
			 * needs to hear that we hold its data. */
			tcp_send_ack(cb);
			len = 0;
			fin = false;
			old = true;
			goto ack;
		}
		goto drop;
	}
	/* Second: RST, RFC 5961 3.2: exact match resets, else challenge. */
	if (rst) {
		if (seq != cb->rcv_nxt) {
			challenge_ack(cb);
			goto drop;
		}
		t->st.resets_rx++;
		rte_pktmbuf_free(m);
		switch (cb->state) {
		case SHOAL_TCP_SYN_RECEIVED:
			tcp_drop(cb, (cb->tf & TF_PASSIVE) ? 0 : ECONNREFUSED);
			return;
		case SHOAL_TCP_ESTABLISHED:
		case SHOAL_TCP_FIN_WAIT_1:
		case SHOAL_TCP_FIN_WAIT_2:
		case SHOAL_TCP_CLOSE_WAIT:
			tcp_drop(cb, ECONNRESET);
			return;
		default:
			tcp_drop(cb, 0);
			return;
		}
	}
	/* Fourth: SYN in a synchronized state, RFC 5961 4.2. */
	if (syn) {
		challenge_ack(cb);
		goto drop;
	}
	/* Fifth: ACK. */
ack:
	if (!(s->flags & TH_ACK)) {
		t->st.no_ack_drops++;
		goto drop;
	}
	if (cb->state == SHOAL_TCP_SYN_RECEIVED) {
		if (!(SEQ_LT(cb->snd_una, s->ack) &&
		      SEQ_LEQ(s->ack, cb->snd_max))) {
			if (cookie_over_half_open(cb, m, s))
				return;
			tcp_respond_cb(cb, s->ack, 0, TH_RST);
			goto drop;
		}
		cb->snd_una = s->ack;
		/* After a simultaneous open SND.NXT is ISS until the SYN-ACK
		 * goes out; an ACK of our SYN in the same burst gets there
		 * first. */
		if (SEQ_LT(cb->snd_nxt, s->ack))
			cb->snd_nxt = s->ack;
		cb->snd_wnd = (uint32_t)s->win << cb->snd_wscale;
		cb->max_snd_wnd = RTE_MAX(cb->max_snd_wnd, cb->snd_wnd);
		cb->snd_wl1 = seq;
		cb->snd_wl2 = s->ack;
		establish(cb);
		if ((cb->tf & TF_PASSIVE) &&
		    (cb->listener == TCP_NO_LISTENER ||
		     !tcp_cb_listener(cb)->in_use)) {
			/* Nobody listens any more. */
			tcp_send_rst(cb);
			tcp_drop(cb, 0);
			goto drop;
		}
		cb->tf |= TF_APP_SEEN;
		if (cb->tf & TF_FIN_QUEUED)
			tcp_set_state(cb, SHOAL_TCP_FIN_WAIT_1);
		tcp_set_pending(cb);
		if (cb->tf & TF_PASSIVE) {
			if (cb->ops->accepted != NULL)
				cb->ops->accepted((struct shoal_conn *)cb,
						  cb->ctx);
		} else if (cb->ops->connected != NULL) {
			cb->ops->connected((struct shoal_conn *)cb, cb->ctx);
		}
		if (cb_gone(cb))
			goto drop;
	} else if (!ack_input(cb, s) || cb_gone(cb)) {
		goto drop;
	}
	switch (cb->state) {
	case SHOAL_TCP_FIN_WAIT_1:
		if (fin_acked(cb)) {
			tcp_set_state(cb, SHOAL_TCP_FIN_WAIT_2);
			if (cb->tf & TF_APP_CLOSED)
				tcp_timer_arm(cb, TCP_T_2MSL,
					       t->now + 2 * t->conf.msl_ns);
		}
		break;
	case SHOAL_TCP_CLOSING:
		if (fin_acked(cb)) {
			tcp_enter_timewait(cb);
			goto drop;
		}
		break;
	case SHOAL_TCP_LAST_ACK:
		if (fin_acked(cb)) {
			tcp_drop(cb, 0);
			goto drop;
		}
		break;
	default:
		break;
	}
	/* TS.Recent, RFC 7323 4.3: from segments covering Last.ACK.sent (an
	 * old one has had its say above). */
	if (!old && (cb->tf & TF_TS) && s->has_ts &&
	    SEQ_LEQ(seq, cb->last_ack_sent) &&
	    SEQ_GEQ(s->tsval, cb->ts_recent)) {
		cb->ts_recent = s->tsval;
		cb->tf |= TF_TS_RECENT;
	}
	/* Seventh: data. */
	if (len > 0) {
		if (cb->state != SHOAL_TCP_ESTABLISHED &&
		    cb->state != SHOAL_TCP_FIN_WAIT_1 &&
		    cb->state != SHOAL_TCP_FIN_WAIT_2) {
			/* After the peer's FIN: nothing more can be data. */
			t->st.data_after_fin++;
			goto drop;
		}
		if (cb->tf & TF_APP_CLOSED) {
			/* RFC 9293 3.10.7.4 / RFC 1122 4.2.2.13: nobody
			 * will read it; tell the peer. */
			tcp_send_rst(cb);
			tcp_drop(cb, 0);
			goto drop;
		}
		rte_pktmbuf_adj(m, s->hlen);
		if (SEQ_LT(seq, cb->rcv_nxt)) {
			d = cb->rcv_nxt - seq;
			if (d >= len) {
				/* Old data only (a FIN may follow it). */
				len = 0;
			} else {
				m = tcp_mbuf_trim_front(m, d);
				seq += d;
				len -= d;
			}
		}
		if (len > 0 && SEQ_GT(seq + len, cb->rcv_nxt + rwnd)) {
			d = seq + len - (cb->rcv_nxt + rwnd);
			tcp_mbuf_trim_tail(m, d);
			len -= d;
			fin = false;	/* the FIN lies beyond the window */
		}
		if (len > 0) {
			data_input(cb, m, seq, len, &fin);
			m = NULL;
			if (cb_gone(cb))
				return;
		} else {
			ack_now(cb);
			fin = fin && fin_seq == cb->rcv_nxt;
		}
	} else if (fin && fin_seq != cb->rcv_nxt) {
		/* A FIN ahead of a hole waits with the data. */
		if (SEQ_GT(fin_seq, cb->rcv_nxt)) {
			rte_pktmbuf_adj(m, s->hlen);
			tcp_reass_insert(cb, m, seq, true);
			m = NULL;
			ack_now(cb);
		}
		fin = false;
	}
	/* Eighth: FIN, once in sequence. */
	if (fin && !(cb->tf & TF_PEER_FIN))
		fin_input(cb);
drop:
	if (m != NULL)
		rte_pktmbuf_free(m);
}

/* ---------------------------------------------------------------------- */

static void
input_one(struct shoal_tcp *t, struct rte_mbuf *m,
	  const struct shoal_endpoints *ep, const struct flow_key4 *k,
	  struct tcp_cb *cb)
{
	struct tcp_seg s;

	t->st.segs_rx++;
	if (tcp_parse(m, &s) < 0 || k == NULL) {
		t->st.bad_segs++;
		rte_pktmbuf_free(m);
		return;
	}
	t->st.bytes_rx += s.len;
	/* Earlier segments of this burst may have made or freed it. */
	if (cb == NULL || (cb->tf & TF_DEAD))
		cb = flow_table_lookup(&t->ft, k);
	if (cb != NULL && cb->state == SHOAL_TCP_TIME_WAIT &&
	    (s.flags & (TH_SYN | TH_ACK | TH_RST)) == TH_SYN &&
	    timewait_reusable(cb, &s) &&
	    tcp_listener_find(t, ep->local.v4, ep->lport) != NULL) {
		t->st.timewait_reuse++;
		tcp_drop(cb, 0);
		cb = NULL;
	}
	if (cb == NULL) {
		no_conn_input(t, m, ep, &s);
		return;
	}
	cb->last_rcv_ms = t->now_ms;
	cb->keep_sent = 0;
	if (cb->state == SHOAL_TCP_SYN_SENT)
		syn_sent_input(cb, m, &s);
	else if (!fast_path(cb, m, &s))
		segment_input(cb, m, &s);
}

#define INPUT_CHUNK 64

void
shoal_tcp_input_burst(struct shoal_tcp *t, struct rte_mbuf **segs,
		      const struct shoal_endpoints *eps, uint16_t n,
		      uint64_t now_ns)
{
	struct flow_key4 keys[INPUT_CHUNK];
	const struct flow_key4 *kp[INPUT_CHUNK];
	void *cbs[INPUT_CHUNK];
	uint16_t done, i, c;

	tcp_enter(t);
	if (now_ns > t->now)
		tcp_set_now(t, now_ns);
	for (done = 0; done < n; done += c) {
		c = RTE_MIN(n - done, INPUT_CHUNK);
		for (i = 0; i < c; i++) {
			if (flow_key4_from_ep(&keys[i], &eps[done + i]) != 0)
				memset(&keys[i], 0, sizeof(keys[i]));
			kp[i] = &keys[i];
		}
		flow_table_lookup_bulk(&t->ft, kp, c, cbs);
		for (i = 0; i < c; i++)
			input_one(t, segs[done + i], &eps[done + i],
				  eps[done + i].local.family == SHOAL_AF_INET ?
				  &keys[i] : NULL, cbs[i]);
	}
	tcp_flush_pending(t);
	tcp_leave(t);
}
