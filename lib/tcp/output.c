/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Building and sending segments: options, windows, the send loop (cwnd,
 * peer window, Nagle, sender SWS avoidance), RFC 6675 loss recovery
 * output, pure ACKs and RSTs. Payload up to TCP_COPY_MAX bytes is copied
 * behind the header; larger payload is attached as indirect mbufs onto the
 * send buffer (zero copy).
 */
#include <errno.h>
#include <string.h>

#include <rte_byteorder.h>

#include "mem.h"
#include "tcp_impl.h"

uint32_t
tcp_rcv_window(const struct tcp_cb *cb)
{
	/* Data is handed to the application as it arrives (zero copy): the
	 * buffer is whatever the application still holds of it
	 * (shoal_conn_hold). Out-of-order bytes are bounded separately by
	 * reass_max. */
	uint32_t buf = cb->t->conf.rcvbuf;

	return cb->rcv_held >= buf ? 0 : buf - cb->rcv_held;
}

/* The window field for a segment now, and the right edge it advertises.
 * RFC 7323 2.2: never scaled on SYNs; RFC 9293 3.8.6.2.2: never move the
 * right edge left. */
static uint16_t
win_field(struct tcp_cb *cb, bool syn)
{
	uint32_t w = tcp_rcv_window(cb), f, adv;
	uint8_t shift = (cb->tf & TF_WSCALE) ? cb->rcv_wscale : 0;

	if (syn) {
		f = RTE_MIN(w, 65535u);
		if (SEQ_GT(cb->rcv_nxt + f, cb->rcv_adv))
			cb->rcv_adv = cb->rcv_nxt + f;
		return (uint16_t)f;
	}
	adv = SEQ_GT(cb->rcv_adv, cb->rcv_nxt) ? cb->rcv_adv - cb->rcv_nxt : 0;
	if (adv > w) {
		w = adv;	/* never shrink the window */
	} else if (w < cb->t->conf.rcvbuf &&
		   w - adv < RTE_MIN(cb->t->conf.rcvbuf / 2,
				     (uint32_t)cb->rcv_mss)) {
		/* Receiver SWS avoidance (RFC 1122 4.2.3.3): while the
		 * application holds data, move the right edge only by a
		 * worthwhile amount. */
		w = adv;
	}
	f = w >> shift;
	if (f > 65535)
		f = 65535;
	if (SEQ_GT(cb->rcv_nxt + (f << shift), cb->rcv_adv))
		cb->rcv_adv = cb->rcv_nxt + (f << shift);
	return (uint16_t)f;
}

static inline uint8_t *
put32(uint8_t *p, uint32_t v)
{
	v = rte_cpu_to_be_32(v);
	memcpy(p, &v, 4);
	return p + 4;
}

/* SYN options, laid out like Linux so middleboxes see a familiar shape:
 * MSS, SACK-permitted + timestamps (or NOPs), window scale. @p wscale < 0:
 * none. */
unsigned int
tcp_build_syn_opts(uint8_t *o, uint16_t mss, bool sack, bool ts,
		   uint32_t tsval, uint32_t tsecr, int wscale)
{
	uint8_t *p = o;

	*p++ = 2;
	*p++ = 4;
	*p++ = mss >> 8;
	*p++ = mss & 0xff;
	if (sack && ts) {
		*p++ = 4;
		*p++ = 2;
	} else {
		*p++ = 1;
		*p++ = 1;
		if (sack) {
			*p++ = 4;
			*p++ = 2;
		}
	}
	if (ts) {
		*p++ = 8;
		*p++ = 10;
		p = put32(p, tsval);
		p = put32(p, tsecr);
	} else if (!sack) {
		p -= 2;		/* no NOP pair needed */
	}
	if (wscale >= 0) {
		*p++ = 1;
		*p++ = 3;
		*p++ = 3;
		*p++ = (uint8_t)wscale;
	}
	return p - o;
}

/* Options for a segment; @p room is how many option bytes fit next to
 * its payload without exceeding the path MTU (SACK blocks are what give
 * way: a full-sized data segment carries none, RFC 2018 permits it). */
static unsigned int
build_opts(struct tcp_cb *cb, uint8_t *o, bool syn, unsigned int room)
{
	uint8_t *p = o;
	uint32_t tf = cb->tf;

	if (syn)
		return tcp_build_syn_opts(o, cb->t->conf.mss, tf & TF_SACK,
				tf & TF_TS, (tf & TF_TS) ? tcp_ts_now(cb) : 0,
				(tf & TF_TS_RECENT) ? cb->ts_recent : 0,
				(tf & TF_WSCALE) ? cb->rcv_wscale : -1);
	if (tf & TF_TS) {
		*p++ = 1;
		*p++ = 1;
		*p++ = 8;
		*p++ = 10;
		p = put32(p, tcp_ts_now(cb));
		p = put32(p, cb->ts_recent);
	}
	if ((tf & TF_SACK) && tcp_reass_head(cb) != NULL) {
		struct tcp_sack_blk b[4];
		unsigned int n, i;

		unsigned int used = p - o, fit;

		fit = room >= used + 4 + 8 ? (room - used - 4) / 8 : 0;
		n = fit == 0 ? 0 : tcp_reass_sack_blocks(cb, b,
				RTE_MIN(fit, (tf & TF_TS) ? 3u : 4u));
		if (n > 0) {
			*p++ = 1;
			*p++ = 1;
			*p++ = 5;
			*p++ = 2 + 8 * n;
			for (i = 0; i < n; i++) {
				p = put32(p, b[i].start);
				p = put32(p, b[i].end);
			}
		}
	}
	return p - o;
}

/* Find stream offset @p off in the send buffer: the mbuf and the offset in
 * it. The cursor makes the in-order walk O(1) per segment. */
static struct rte_mbuf *
sb_locate(struct tcp_cb *cb, uint32_t off, uint32_t *moff)
{
	struct tcp_cb_snd *s = tcp_snd(cb);
	struct rte_mbuf *m;
	uint32_t base;

	if (s->sb_cur != NULL && off >= s->sb_cur_off) {
		m = s->sb_cur;
		base = s->sb_cur_off;
	} else {
		m = s->sb_head;
		base = 0;
	}
	while (m != NULL && off - base >= m->data_len) {
		base += m->data_len;
		m = m->next;
	}
	if (m != NULL) {
		s->sb_cur = m;
		s->sb_cur_off = base;
	}
	*moff = off - base;
	return m;
}

/* Put @p len bytes of the send buffer from stream offset @p off behind the
 * header in @p hdr: copied when short, else attached. */
static int
attach_payload(struct tcp_cb *cb, struct rte_mbuf *hdr, uint32_t off,
	       uint32_t len)
{
	struct rte_mbuf *s, *mi, *last = hdr;
	uint32_t moff, n;
	bool copy = len <= TCP_COPY_MAX &&
		    len <= rte_pktmbuf_tailroom(hdr);

	s = sb_locate(cb, off, &moff);
	while (len > 0 && s != NULL) {
		n = RTE_MIN(len, (uint32_t)s->data_len - moff);
		if (n == 0) {
			s = s->next;
			moff = 0;
			continue;
		}
		if (copy) {
			memcpy(rte_pktmbuf_append(hdr, n),
			       rte_pktmbuf_mtod_offset(s, uint8_t *, moff), n);
		} else {
			mi = rte_pktmbuf_alloc(cb->t->conf.pool);
			if (mi == NULL) {
				cb->t->st.no_mbuf++;
				return -ENOBUFS;
			}
			rte_pktmbuf_attach(mi, s);
			mi->data_off += moff;
			mi->data_len = n;
			mi->pkt_len = n;
			last->next = mi;
			last = mi;
			hdr->nb_segs++;
			hdr->pkt_len += n;
		}
		len -= n;
		s = s->next;
		moff = 0;
	}
	return len == 0 ? 0 : -EINVAL;
}

static void
fill_hdr(struct rte_tcp_hdr *th, rte_be16_t lport, rte_be16_t rport,
	 uint32_t seq, uint32_t ack, uint8_t flags, uint16_t win,
	 unsigned int hlen)
{
	th->src_port = lport;
	th->dst_port = rport;
	th->sent_seq = rte_cpu_to_be_32(seq);
	th->recv_ack = rte_cpu_to_be_32((flags & TH_ACK) ? ack : 0);
	th->data_off = (uint8_t)((hlen / 4) << 4);
	th->tcp_flags = flags;
	th->rx_win = rte_cpu_to_be_16(win);
	th->cksum = 0;
	th->tcp_urp = 0;
}

static struct rte_mbuf *
seg_alloc(struct shoal_tcp *t)
{
	struct rte_mbuf *m = rte_pktmbuf_alloc(t->conf.pool);

	if (m == NULL) {
		t->st.no_mbuf++;
		return NULL;
	}
	m->data_off = t->conf.hdr_room;
	return m;
}

/* Send one segment of this connection: sequence @p seq, @p len bytes of
 * the send buffer from there, @p flags. Touches no send sequence variable;
 * the caller does. */
int
tcp_send_range(struct tcp_cb *cb, uint32_t seq, uint32_t len, uint8_t flags)
{
	struct shoal_tcp *t = cb->t;
	struct rte_tcp_hdr *th;
	struct rte_mbuf *m;
	unsigned int olen, hlen, room;
	bool syn = flags & TH_SYN;
	uint16_t win;

	/* Deep under memory pressure (mem.h) data waits: its header and
	 * indirect mbufs would come out of the receive reserve. The timer
	 * tries again when nothing in flight would bring an ACK. */
	if (len > 0 && tcp_mem_tight(t)) {
		t->st.mem_tx_deferred++;
		if (!tcp_timer_armed(cb, TCP_T_RXT))
			tcp_arm_rxt(cb);
		return -ENOBUFS;
	}
	m = seg_alloc(t);
	if (m == NULL)
		return -ENOBUFS;
	/* smss already left room for timestamps: what the payload does not
	 * use of smss + that is all the options may take. */
	room = 40;
	if (len > 0 && !syn) {
		unsigned int full = cb->smss +
			((cb->tf & TF_TS) ? TCP_TS_OPT_LEN : 0);

		room = len >= full ? 0 : RTE_MIN(40u, full - len);
		if (room < ((cb->tf & TF_TS) ? TCP_TS_OPT_LEN : 0))
			room = (cb->tf & TF_TS) ? TCP_TS_OPT_LEN : 0;
	}
	/* Options straight into place: a fresh mbuf has room for the
	 * largest header (checked at engine creation). */
	th = rte_pktmbuf_mtod(m, struct rte_tcp_hdr *);
	olen = build_opts(cb, (uint8_t *)(th + 1), syn, room);
	hlen = TCP_HDR_LEN + olen;
	rte_pktmbuf_append(m, hlen);
	win = win_field(cb, syn);
	if (win == 0 && !(flags & TH_RST))
		t->st.zero_windows_sent++;
	fill_hdr(th, cb->fn.lport, cb->fn.rport, seq, cb->rcv_nxt, flags, win, hlen);
	m->l4_len = hlen;
	if (len > 0 && attach_payload(cb, m, seq - cb->sb_seq, len) != 0) {
		rte_pktmbuf_free(m);
		return -ENOBUFS;
	}
	if (len > cb->smss) {
		/* the device cuts it into segments of smss payload bytes,
		 * each with this header (options included) */
		m->ol_flags |= RTE_MBUF_F_TX_TCP_SEG;
		m->tso_segsz = cb->smss;
		t->st.tso_segs_tx++;
	}
	if (flags & TH_ACK) {
		/* Every ACK-bearing segment pays the ACK we owed. */
		cb->last_ack_sent = cb->rcv_nxt;
		cb->rcv_unacked = 0;
		cb->tf &= ~(TF_ACKNOW | TF_DELACK);
		tcp_timer_stop(cb, TCP_T_DELACK);
		if (len == 0 && !(flags & (TH_SYN | TH_FIN | TH_RST)))
			t->st.acks_tx++;
	}
	if (flags & TH_RST)
		t->st.resets_tx++;
	t->st.segs_tx++;
	t->st.bytes_tx += len;
	t->conf.output(t->conf.output_ctx, m, tcp_cb_out_ep(t, cb));
	return 0;
}

void
tcp_send_ack(struct tcp_cb *cb)
{
	/* After a go-back-N, SND.NXT lies below what the peer may hold
	 * already, and a bare ACK at SND.NXT would then be an old segment
	 * the peer drops unread (RFC 9293's first check). If both sides
	 * rewound at once, each dropped the other's ACKs forever: a
	 * deadlock the loss grid found. A bare ACK carries SND.MAX, as in
	 * BSD (tcp_output: "we want the sequence number of the next unsent
	 * octet"); a persist episode keeps SND.NXT, the closed window's
	 * edge, which is all a zero window accepts. */
	tcp_send_range(cb, (cb->tf & TF_PERSIST) ? cb->snd_nxt : cb->snd_max,
		       0, TH_ACK);
}

void
tcp_send_rst(struct tcp_cb *cb)
{
	/* RFC 9293 3.10.5 (ABORT): <SEQ=SND.NXT><CTL=RST>. */
	tcp_send_range(cb, cb->snd_max, 0, TH_RST);
}

/* A segment for no connection (RSTs to strays), RFC 9293 3.10.7.1. */
void
tcp_respond(struct shoal_tcp *t, const struct shoal_endpoints *ep,
	    uint32_t seq, uint32_t ack, uint8_t flags)
{
	struct rte_tcp_hdr *th;
	struct rte_mbuf *m;

	m = seg_alloc(t);
	if (m == NULL)
		return;
	th = (struct rte_tcp_hdr *)rte_pktmbuf_append(m, TCP_HDR_LEN);
	fill_hdr(th, ep->lport, ep->rport, seq, ack, flags, 0, TCP_HDR_LEN);
	m->l4_len = TCP_HDR_LEN;
	if (flags & TH_RST)
		t->st.resets_tx++;
	t->st.segs_tx++;
	t->conf.output(t->conf.output_ctx, m, ep);
}

/* A SYN-ACK that carries a SYN cookie (RFC 4987): built from the
 * listener's view alone, no control block behind it. */
void
tcp_respond_synack(struct shoal_tcp *t, const struct shoal_endpoints *ep,
		   uint32_t iss, uint32_t ack, bool sack, bool ts,
		   uint32_t tsval, uint32_t tsecr, int wscale)
{
	struct rte_tcp_hdr *th;
	struct rte_mbuf *m;
	uint8_t opts[40];
	unsigned int olen, hlen;

	m = seg_alloc(t);
	if (m == NULL)
		return;
	olen = tcp_build_syn_opts(opts, t->conf.mss, sack, ts, tsval, tsecr,
				  wscale);
	hlen = TCP_HDR_LEN + olen;
	th = (struct rte_tcp_hdr *)rte_pktmbuf_append(m, hlen);
	/* RFC 7323 2.2: the window of a SYN is never scaled. */
	fill_hdr(th, ep->lport, ep->rport, iss, ack, TH_SYN | TH_ACK,
		 (uint16_t)RTE_MIN(t->conf.rcvbuf, 65535u), hlen);
	memcpy(th + 1, opts, olen);
	m->l4_len = hlen;
	t->st.segs_tx++;
	t->conf.output(t->conf.output_ctx, m, ep);
}

/* Account a data segment just sent from snd_nxt. */
static void
sent_advance(struct tcp_cb *cb, uint32_t len, bool fin)
{
	struct shoal_tcp *t = cb->t;
	struct tcp_cb_snd *s = tcp_snd(cb);

	if (SEQ_LT(cb->snd_nxt, cb->snd_max)) {
		t->st.retransmits++;
		cb->retransmits++;
	} else {
		/* Time one segment per RTT (RFC 6298 3; Karn: never a
		 * retransmitted one). */
		if (!(cb->tf & TF_RTT_TIMING) && len > 0) {
			cb->tf |= TF_RTT_TIMING;
			s->rtt_seq = cb->snd_nxt;
			s->rtt_start_ns = (uint32_t)t->now;
		}
	}
	if (len < cb->smss)
		s->snd_sml = cb->snd_nxt + len;
	cb->snd_nxt += len + (fin ? 1 : 0);
	if (fin)
		cb->tf |= TF_FIN_SENT;
	if (SEQ_GT(cb->snd_nxt, cb->snd_max))
		cb->snd_max = cb->snd_nxt;
	/* The probe timeout counts from the latest send (RFC 8985 7.2). */
	if (!tcp_timer_armed(cb, TCP_T_RXT) ||
	    (cb->tf & (TF_PERSIST | TF_PTO))) {
		cb->tf &= ~TF_PERSIST;
		tcp_arm_rxt_or_probe(cb);
	}
}

/*
 * The probe timeout fired (timers.c): send one segment that makes the
 * peer answer with what it holds.
 * - A hole is known (SACK blocks, recovery, or an RTO's go-back-N under
 *   way): the first hole again. Its retransmission went out at least a
 *   probe timeout ago with nothing acknowledged since, so it was lost,
 *   as RACK (RFC 8985 6.2) would conclude; in recovery the hole pass
 *   starts over from SND.UNA, since the later holes' retransmissions
 *   are no younger.
 * - Else RFC 8985 7.3's tail loss probe: a new segment if the peer's
 *   window takes one, else the last segment (with our FIN if that went
 *   last), so a lost tail is repaired by SACK recovery, not the RTO.
 */
void
tcp_send_probe(struct tcp_cb *cb)
{
	uint32_t end = tcp_sb_end(cb), hi = cb->snd_max, len, flight;
	uint8_t flags = TH_ACK;

	if (tcp_nsack(cb) > 0 || (cb->tf & TF_RECOVERY) ||
	    SEQ_LT(cb->snd_nxt, cb->snd_max)) {
		if (cb->tf & TF_RECOVERY)
			tcp_snd(cb)->high_rxt = cb->snd_una;
		tcp_retransmit_first(cb);
		/* Not a tail probe: nothing above it for input.c to mark
		 * lost when it is SACKed (out of recovery, high_rxt holds
		 * the tail probe's sequence). */
		if (!(cb->tf & TF_RECOVERY))
			tcp_snd(cb)->high_rxt = cb->snd_una;
		return;
	}
	flight = cb->snd_nxt - cb->snd_una;
	if (SEQ_LT(cb->snd_nxt, end) && !(cb->tf & TF_FIN_SENT) &&
	    cb->snd_wnd > flight) {
		len = RTE_MIN(RTE_MIN(end - cb->snd_nxt, cb->snd_wnd - flight),
			      (uint32_t)cb->smss);
		if (cb->snd_nxt + len == end)
			flags |= TH_PSH;
		/* the probe, for input.c */
		tcp_snd(cb)->high_rxt = cb->snd_nxt;
		if (tcp_send_range(cb, cb->snd_nxt, len, flags) == 0)
			sent_advance(cb, len, false);
		return;
	}
	if ((cb->tf & TF_FIN_SENT) && hi == end + 1) {
		flags |= TH_FIN;
		hi = end;
	}
	len = RTE_MIN(hi - cb->snd_una, (uint32_t)cb->smss);
	if (len > 0 && hi == end)
		flags |= TH_PSH;	/* as it went the first time */
	tcp_snd(cb)->high_rxt = hi - len;	/* the probe, for input.c */
	if (tcp_send_range(cb, hi - len, len, flags) == 0) {
		cb->t->st.retransmits++;
		cb->retransmits++;
	}
	cb->tf &= ~TF_RTT_TIMING;	/* Karn */
}

static bool
fin_state(const struct tcp_cb *cb)
{
	return (cb->tf & TF_FIN_QUEUED) &&
	       (cb->state == SHOAL_TCP_FIN_WAIT_1 ||
		cb->state == SHOAL_TCP_CLOSING ||
		cb->state == SHOAL_TCP_LAST_ACK);
}

/* RFC 6675 section 5, step (C): send while cwnd - pipe >= 1 SMSS, holes
 * first (NextSeg rule 1), then new data (rule 2). */
static bool
sack_output(struct tcp_cb *cb)
{
	uint32_t pipe, seq, len, end = tcp_sb_end(cb), avail, wnd, flight;
	bool sent = false;

	for (;;) {
		pipe = tcp_sack_pipe(cb);
		if (cb->cwnd <= pipe || cb->cwnd - pipe < cb->smss)
			break;
		if (tcp_sack_next_hole(cb, &seq, &len)) {
			len = RTE_MIN(len, (uint32_t)cb->smss);
			if (tcp_send_range(cb, seq, len, TH_ACK) != 0)
				break;
			tcp_snd(cb)->high_rxt = seq + len;
			cb->t->st.retransmits++;
			cb->retransmits++;
			sent = true;
			continue;
		}
		avail = SEQ_GT(end, cb->snd_nxt) ? end - cb->snd_nxt : 0;
		flight = cb->snd_nxt - cb->snd_una;
		wnd = cb->snd_wnd > flight ? cb->snd_wnd - flight : 0;
		len = RTE_MIN(RTE_MIN(avail, wnd), (uint32_t)cb->smss);
		if (len == 0)
			break;
		if (tcp_send_range(cb, cb->snd_nxt, len, TH_ACK) != 0)
			break;
		sent_advance(cb, len, false);
		sent = true;
	}
	return sent;
}

static void
syn_output(struct tcp_cb *cb)
{
	uint8_t flags = TH_SYN;

	if (cb->state == SHOAL_TCP_SYN_RECEIVED)
		flags |= TH_ACK;
	if (cb->snd_nxt == cb->iss || (cb->tf & TF_ACKNOW)) {
		if (tcp_send_range(cb, cb->iss, 0, flags) != 0)
			return;
		cb->tf &= ~TF_ACKNOW;
		if (cb->snd_nxt == cb->iss) {
			if (!(cb->tf & TF_SYN_RXT) &&
			    !(cb->tf & TF_RTT_TIMING)) {
				struct tcp_cb_snd *s = tcp_snd(cb);

				cb->tf |= TF_RTT_TIMING;
				s->rtt_seq = cb->iss;
				s->rtt_start_ns = (uint32_t)cb->t->now;
			}
			cb->snd_nxt = cb->iss + 1;
			cb->snd_max = cb->iss + 1;
		}
		if (!tcp_timer_armed(cb, TCP_T_RXT))
			tcp_arm_rxt(cb);
	}
}

void
tcp_output(struct tcp_cb *cb)
{
	uint32_t end, avail, wnd, flight, usable, len, nxt_blk;
	const struct tcp_sack_blk *b;
	bool sent = false, fin, idle;
	uint8_t flags;

	switch (cb->state) {
	case SHOAL_TCP_CLOSED:
	case SHOAL_TCP_LISTEN:
		return;
	case SHOAL_TCP_SYN_SENT:
	case SHOAL_TCP_SYN_RECEIVED:
		syn_output(cb);
		return;
	case SHOAL_TCP_TIME_WAIT:
		if (cb->tf & TF_ACKNOW)
			tcp_send_ack(cb);
		return;
	default:
		break;
	}
	if ((cb->tf & TF_RECOVERY) && (cb->tf & TF_SACK))
		sent = sack_output(cb);
	end = tcp_sb_end(cb);
	for (;;) {
		if ((cb->tf & TF_RECOVERY) && (cb->tf & TF_SACK) &&
		    SEQ_LT(cb->snd_nxt, end))
			break;	/* new data goes out through sack_output */
		nxt_blk = 0;
		if (SEQ_LT(cb->snd_nxt, cb->snd_max) && tcp_nsack(cb) > 0) {
			/* Resending after a timeout: skip what the peer
			 * holds already (RFC 6675 section 5.1). */
			b = tcp_sack_find(cb, cb->snd_nxt);
			if (b != NULL) {
				cb->snd_nxt = SEQ_MIN(b->end, end);
				continue;
			}
			for (unsigned int i = 0; i < tcp_nsack(cb); i++) {
				if (SEQ_GT(tcp_x(cb)->sack[i].start, cb->snd_nxt)) {
					nxt_blk = tcp_x(cb)->sack[i].start -
						  cb->snd_nxt;
					break;
				}
			}
		}
		avail = SEQ_GT(end, cb->snd_nxt) ? end - cb->snd_nxt : 0;
		wnd = RTE_MIN(cb->snd_wnd, cb->cwnd);
		flight = cb->snd_nxt - cb->snd_una;
		if (tcp_nsack(cb) > 0)
			flight -= tcp_sack_bytes_below(cb, cb->snd_nxt);
		usable = wnd > flight ? wnd - flight : 0;
		len = RTE_MIN(RTE_MIN(avail, usable), (uint32_t)cb->smss);
		if (nxt_blk != 0 && len > nxt_blk)
			len = nxt_blk;
		/* TSO: new data in whole segments, as many as fit; a tail
		 * shorter than a segment goes on its own, under Nagle. */
		if (cb->t->conf.tso_max > cb->smss && len == cb->smss &&
		    !SEQ_LT(cb->snd_nxt, cb->snd_max) &&
		    !(cb->tf & TF_RECOVERY)) {
			uint32_t big = RTE_MIN(RTE_MIN(avail, usable),
					       cb->t->conf.tso_max);

			len = big - big % cb->smss;
		}
		fin = fin_state(cb) && !(cb->tf & TF_FIN_ACKED) &&
		      cb->snd_nxt + len == end && len <= cb->smss;
		if (len == 0 && !fin)
			break;
		idle = cb->snd_nxt == cb->snd_una;
		/* Retransmissions go as they went the first time. */
		if (len < cb->smss && !fin && !SEQ_LT(cb->snd_nxt, cb->snd_max)) {
			if (len == avail) {
				/* Nagle (RFC 9293 3.7.4) in Minshall's form:
				 * at most one small segment in flight, so the
				 * tail of a large write is not held back. */
				if (SEQ_GT(tcp_snd_sml(cb), cb->snd_una) &&
				    !(cb->tf & TF_NODELAY))
					break;
			} else if (!idle && len < cb->max_snd_wnd / 2) {
				/* Sender SWS avoidance (3.8.6.2.1). */
				break;
			}
		}
		flags = TH_ACK;
		if (fin)
			flags |= TH_FIN;
		if (len > 0 && cb->snd_nxt + len == end)
			flags |= TH_PSH;
		if (tcp_send_range(cb, cb->snd_nxt, len, flags) != 0)
			break;
		sent_advance(cb, len, fin);
		sent = true;
	}
	if (!sent && (cb->tf & TF_ACKNOW))
		tcp_send_ack(cb);
	/* Zero window with data waiting and nothing in flight: only the
	 * persist timer will find out when it opens (3.8.6.1). */
	if (cb->snd_wnd == 0 && cb->snd_una == cb->snd_max &&
	    SEQ_GT(end, cb->snd_nxt) && !tcp_timer_armed(cb, TCP_T_RXT))
		tcp_arm_persist(cb);
}

void
tcp_flush_pending(struct shoal_tcp *t)
{
	struct tcp_cb *cb;

	while ((cb = tcp_list_pop(t, &t->pending)) != NULL) {
		cb->tf &= ~TF_PENDING;
		if (unlikely(cb->tf & TF_DEAD)) {
			/* dropped while pending (tcp_drop) */
			t->dead_pending--;
			tcp_list_push(t, &t->dead, cb);
			continue;
		}
		tcp_output(cb);
		if (cb->snd_ref != 0 && cb->snd_una == cb->snd_max)
			tcp_snd_put_if_idle(cb);
	}
}
