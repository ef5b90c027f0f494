/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Out-of-order reassembly. Segments are held as they came (header
 * stripped, no copy) in a list sorted by sequence, linked through an mbuf
 * dynfield; overlaps are trimmed on insert so the list stays disjoint, and
 * the bytes held are bounded by conf.reass_max.
 */
#include <string.h>

#include "mem.h"
#include "tcp_impl.h"

struct rte_mbuf *
tcp_mbuf_trim_front(struct rte_mbuf *m, uint32_t n)
{
	struct rte_mbuf *next;

	while (n > 0) {
		if (n < m->data_len || m->next == NULL) {
			uint16_t d = (uint16_t)RTE_MIN(n, (uint32_t)m->data_len);

			m->data_off += d;
			m->data_len -= d;
			m->pkt_len -= d;
			break;
		}
		next = m->next;
		next->pkt_len = m->pkt_len - m->data_len;
		next->nb_segs = m->nb_segs - 1;
		n -= m->data_len;
		m->next = NULL;
		m->nb_segs = 1;
		rte_pktmbuf_free_seg(m);
		m = next;
	}
	return m;
}

void
tcp_mbuf_trim_tail(struct rte_mbuf *m, uint32_t n)
{
	uint32_t keep = m->pkt_len - n, acc = 0;
	struct rte_mbuf *s = m;
	uint16_t nseg = 0;

	for (;;) {
		nseg++;
		if (acc + s->data_len >= keep || s->next == NULL) {
			s->data_len = (uint16_t)(keep - acc);
			break;
		}
		acc += s->data_len;
		s = s->next;
	}
	if (s->next != NULL) {
		rte_pktmbuf_free(s->next);
		s->next = NULL;
	}
	m->nb_segs = nseg;
	m->pkt_len = keep;
}

static inline uint32_t
q_seq(const struct tcp_cb *cb, struct rte_mbuf *m)
{
	return tcp_reass_meta(cb->t, m)->seq;
}

static inline struct rte_mbuf *
q_next(const struct tcp_cb *cb, struct rte_mbuf *m)
{
	return tcp_reass_meta(cb->t, m)->next;
}

#ifdef SHOAL_DEBUG
#include <stdlib.h>

#include <rte_debug.h>

static int
ptr_cmp(const void *a, const void *b)
{
	uintptr_t x = (uintptr_t)*(void *const *)a;
	uintptr_t y = (uintptr_t)*(void *const *)b;

	return x < y ? -1 : x > y;
}

/*
 * Debug builds (tests, fuzzing): the queue's invariants after every
 * change. Sorted and disjoint above RCV.NXT, no empty entry, every chain
 * acyclic and its lengths right, no mbuf held twice, the counters equal
 * to what is held. The walks are bounded by reass_max_segs (the most
 * mbufs the queue may hold), so a cycle is reported, not followed.
 */
static void
reass_check(const struct tcp_cb *cb, const char *file, int line)
{
	const struct tcp_cb_ext *x = tcp_x(cb);
	uint32_t cap = cb->t->conf.reass_max_segs, bytes = 0, segs = 0;
	uint32_t end = cb->rcv_nxt, plen;
	struct rte_mbuf *m, *s, **seen;
	const char *why = NULL;
	uint16_t nseg;

	if (x == NULL)
		return;
	seen = malloc((cap + 1) * sizeof(*seen));
	if (seen == NULL)
		return;
	for (m = x->reass; m != NULL && why == NULL; m = q_next(cb, m)) {
		uint32_t seq = q_seq(cb, m);

		if (m->pkt_len == 0)
			why = "empty entry";
		else if (SEQ_LT(seq, end))
			why = "entry below RCV.NXT or overlapping the one before";
		end = seq + m->pkt_len;
		plen = 0;
		nseg = 0;
		for (s = m; s != NULL && why == NULL; s = s->next) {
			if (segs == cap) {
				why = "more mbufs than reass_max_segs (a cycle?)";
				break;
			}
			if (rte_mbuf_refcnt_read(s) < 1)
				why = "mbuf with refcnt 0";
			seen[segs++] = s;
			plen += s->data_len;
			nseg++;
		}
		if (why == NULL && (plen != m->pkt_len || nseg != m->nb_segs))
			why = "chain lengths disagree with pkt_len/nb_segs";
		if (why == NULL && rte_mbuf_check(m, 1, &why) != 0)
			break;
		bytes += m->pkt_len;
	}
	if (why == NULL && (bytes != x->reass_bytes || segs != x->reass_segs))
		why = "reass_bytes/reass_segs disagree with what is held";
	if (why == NULL) {
		qsort(seen, segs, sizeof(*seen), ptr_cmp);
		for (uint32_t i = 1; i < segs && why == NULL; i++)
			if (seen[i] == seen[i - 1])
				why = "an mbuf held twice";
	}
	free(seen);
	if (why != NULL)
		rte_panic("%s:%d: reassembly queue broken: %s (rcv_nxt %u, "
			  "bytes %u/%u, segs %u/%u)\n", file, line, why,
			  cb->rcv_nxt, bytes, x->reass_bytes, segs,
			  x->reass_segs);
}
#define TCP_REASS_CHECK(cb) reass_check((cb), __FILE__, __LINE__)
#else
#define TCP_REASS_CHECK(cb) do { } while (0)
#endif

/* Make @p m follow @p prev (the queue's head when @p prev is NULL). */
static inline void
reass_link(struct tcp_cb *cb, struct rte_mbuf *prev, struct rte_mbuf *m)
{
	if (prev != NULL)
		tcp_reass_meta(cb->t, prev)->next = m;
	else
		tcp_x(cb)->reass = m;
}


/* Remember an out-of-order arrival for the SACK blocks we send. */
static void
ooo_arrived(struct tcp_cb_ext *x, uint32_t seq)
{
	memmove(&x->ooo_recent[1], &x->ooo_recent[0],
		sizeof(x->ooo_recent) - sizeof(x->ooo_recent[0]));
	x->ooo_recent[0] = seq;
}

/* Append @p m's bytes to @p prev's last mbuf when they fit its tailroom
 * (and that mbuf is ours alone): a run of small out-of-order segments then
 * pins one mbuf, not one each (Linux's tcp_try_coalesce). */
static bool
reass_coalesce(struct rte_mbuf *prev, struct rte_mbuf *m)
{
	struct rte_mbuf *last = rte_pktmbuf_lastseg(prev), *s;
	uint8_t *dst;

	if (m->pkt_len > rte_pktmbuf_tailroom(last) || !RTE_MBUF_DIRECT(last) ||
	    rte_mbuf_refcnt_read(last) != 1 || RTE_MBUF_HAS_EXTBUF(last))
		return false;
	dst = rte_pktmbuf_mtod_offset(last, uint8_t *, last->data_len);
	for (s = m; s != NULL; s = s->next) {
		memcpy(dst, rte_pktmbuf_mtod(s, const uint8_t *), s->data_len);
		dst += s->data_len;
	}
	last->data_len += m->pkt_len;
	prev->pkt_len += m->pkt_len;
	rte_pktmbuf_free(m);
	return true;
}

void
tcp_reass_insert(struct tcp_cb *cb, struct rte_mbuf *m, uint32_t seq,
		 bool fin)
{
	struct shoal_tcp *t = cb->t;
	struct rte_mbuf *prev = NULL, *cur, *next;
	uint32_t len = m->pkt_len, pend;
	struct tcp_cb_ext *x;

	/* Hard bounds (bytes and mbufs held): what does not fit is dropped
	 * and comes again; the peer's retransmission will find room once the
	 * hole fills. */
	if (tcp_reass_bytes(cb) + len > t->conf.reass_max) {
		t->st.ooo_bytes_dropped += len;
		rte_pktmbuf_free(m);
		return;
	}
	/* Under memory pressure (mem.h), out-of-order data is what can go
	 * at no loss: the peer resends it. What is held goes too, as
	 * FreeBSD's tcp_drain lets it go under mbuf shortage, unless SACK
	 * reported it: a SACK sender (shoal's own, RFC 6675 5.1) skips on a
	 * timeout what it was told we hold, so reneging stalls the stream
	 * (seen: one answer of 10000 never completed). */
	if (tcp_mem_pressure(t)) {
		t->st.mem_ooo_drops++;
		rte_pktmbuf_free(m);
		if (!(cb->tf & TF_SACK))
			tcp_reass_drain(cb);
		return;
	}
	x = tcp_ext_get(cb);
	if (x == NULL) {
		t->st.ooo_bytes_dropped += len;
		rte_pktmbuf_free(m);
		return;
	}
	if (fin) {
		cb->tf |= TF_RCV_FIN_OOO;
		x->rcv_fin_seq = seq + len;
	}
	t->st.ooo_segs++;
	ooo_arrived(x, seq);
	if (len == 0) {
		rte_pktmbuf_free(m);
		return;
	}
	for (cur = x->reass; cur != NULL && SEQ_LEQ(q_seq(cb, cur), seq);
	     cur = q_next(cb, cur))
		prev = cur;
	if (prev != NULL) {
		pend = q_seq(cb, prev) + prev->pkt_len;
		if (SEQ_GEQ(pend, seq + len)) {
			rte_pktmbuf_free(m);	/* all held already */
			return;
		}
		if (SEQ_GT(pend, seq)) {
			m = tcp_mbuf_trim_front(m, pend - seq);
			len -= pend - seq;
			seq = pend;
		}
	}
	while (cur != NULL && SEQ_GT(seq + len, q_seq(cb, cur))) {
		uint32_t cseq = q_seq(cb, cur), cend = cseq + cur->pkt_len;

		if (SEQ_LT(seq + len, cend)) {
			/* Keep the held copy of the overlap. */
			tcp_mbuf_trim_tail(m, seq + len - cseq);
			len = cseq - seq;
			break;
		}
		next = q_next(cb, cur);
		x->reass_bytes -= cur->pkt_len;
		x->reass_segs -= cur->nb_segs;
		rte_pktmbuf_free(cur);
		cur = next;
	}
	/* Unlink what was just freed before anything else can return: a
	 * link left to a freed mbuf makes it part of the queue again once
	 * the pool hands it out (the loss grid's hang: a cycle in the
	 * chain tcp_reass_pull builds, after a coalesce or a segs-limit
	 * drop here). */
	reass_link(cb, prev, cur);
	if (len == 0) {
		rte_pktmbuf_free(m);	/* the rest was held already */
		goto out;
	}
	if (prev != NULL && q_seq(cb, prev) + prev->pkt_len == seq &&
	    reass_coalesce(prev, m)) {
		x->reass_bytes += len;
		goto out;
	}
	if (x->reass_segs + m->nb_segs > t->conf.reass_max_segs) {
		t->st.ooo_segs_dropped++;
		rte_pktmbuf_free(m);
		goto out;
	}
	x->reass_segs += m->nb_segs;
	tcp_reass_meta(t, m)->seq = seq;
	tcp_reass_meta(t, m)->next = cur;
	reass_link(cb, prev, m);
	x->reass_bytes += len;
out:
	TCP_REASS_CHECK(cb);
}

/* Take what the hole's filling made contiguous: the chain of data from
 * rcv_nxt on (rcv_nxt advanced), or NULL. *fin: a held FIN became due. */
struct rte_mbuf *
tcp_reass_pull(struct tcp_cb *cb, bool *fin)
{
	struct rte_mbuf *m, *head = NULL, *tail = NULL;
	struct tcp_cb_ext *x = tcp_x(cb);
	uint32_t seq, len, rcvd;

	*fin = false;
	if (x == NULL)
		return NULL;
	rcvd = cb->rcv_nxt - cb->irs - 1;
	while ((m = x->reass) != NULL && SEQ_LEQ(q_seq(cb, m), cb->rcv_nxt)) {
		seq = q_seq(cb, m);
		len = m->pkt_len;
		x->reass = q_next(cb, m);
		x->reass_bytes -= len;
		x->reass_segs -= m->nb_segs;
		if (SEQ_LEQ(seq + len, cb->rcv_nxt)) {
			rte_pktmbuf_free(m);
			continue;
		}
		if (SEQ_LT(seq, cb->rcv_nxt)) {
			m = tcp_mbuf_trim_front(m, cb->rcv_nxt - seq);
			len = m->pkt_len;
		}
		cb->rcv_nxt += len;
		if (head == NULL) {
			head = m;
		} else if (rte_pktmbuf_chain(head, m) != 0) {
			/* Too many segments for one chain: link by hand is
			 * not possible either; deliver what we have. */
			tail = m;
			break;
		}
	}
	if (tail != NULL) {
		/* Put it back at the front; the next pull takes it. */
		tcp_reass_meta(cb->t, tail)->seq = cb->rcv_nxt - tail->pkt_len;
		tcp_reass_meta(cb->t, tail)->next = x->reass;
		x->reass = tail;
		x->reass_bytes += tail->pkt_len;
		x->reass_segs += tail->nb_segs;
		cb->rcv_nxt -= tail->pkt_len;
	}
	if (cb->rcv_nxt - cb->irs - 1 < rcvd)
		cb->rcv_wraps++;	/* bytes_received, shoal_conn_info */
	TCP_REASS_CHECK(cb);
	if ((cb->tf & TF_RCV_FIN_OOO) && cb->rcv_nxt == x->rcv_fin_seq) {
		cb->tf &= ~TF_RCV_FIN_OOO;
		*fin = true;
	}
	tcp_ext_put_if_empty(cb);
	return head;
}

/* Let go of the reassembly queue of a live connection without SACK: what
 * it held is no longer held (an out-of-order FIN included) and the peer,
 * which only knows our cumulative ACK, retransmits it. */
void
tcp_reass_drain(struct tcp_cb *cb)
{
	if (cb->x_ref == 0 || tcp_x(cb)->reass == NULL)
		return;
	cb->tf &= ~TF_RCV_FIN_OOO;
	tcp_reass_free(cb);
}

void
tcp_reass_free(struct tcp_cb *cb)
{
	struct rte_mbuf *m, *next;

	if (cb->x_ref == 0)
		return;
	for (m = tcp_x(cb)->reass; m != NULL; m = next) {
		next = q_next(cb, m);
		rte_pktmbuf_free(m);
	}
	tcp_x(cb)->reass = NULL;
	tcp_x(cb)->reass_bytes = 0;
	tcp_x(cb)->reass_segs = 0;
	tcp_ext_put_if_empty(cb);
}

/* SACK blocks for the peer (RFC 2018 section 4): the block holding the
 * latest arrival first, then the rest in sequence order. */
unsigned int
tcp_reass_sack_blocks(const struct tcp_cb *cb, struct tcp_sack_blk *b,
		      unsigned int max)
{
	struct tcp_sack_blk all[16];
	bool used[RTE_DIM(all)] = { false };
	unsigned int n = 0, i, k = 0, r;
	struct rte_mbuf *m;

	for (m = tcp_reass_head(cb); m != NULL; m = q_next(cb, m)) {
		uint32_t s = q_seq(cb, m), e = s + m->pkt_len;

		if (n > 0 && all[n - 1].end == s) {
			all[n - 1].end = e;
			continue;
		}
		if (n == RTE_DIM(all))
			break;
		all[n].start = s;
		all[n].end = e;
		n++;
	}
	if (n == 0 || max == 0)
		return 0;
	/* RFC 2018 4: the block of the segment that triggered this ACK
	 * first, then the most recently reported ones, so each block goes
	 * out in several ACKs and a lost ACK or two does not hide it;
	 * then the lowest. */
	for (r = 0; r < TCP_SACK_RECENT && k < max; r++) {
		uint32_t seq = tcp_x(cb)->ooo_recent[r];

		for (i = 0; i < n; i++) {
			if (!used[i] && SEQ_LEQ(all[i].start, seq) &&
			    SEQ_LT(seq, all[i].end)) {
				used[i] = true;
				b[k++] = all[i];
				break;
			}
		}
	}
	for (i = 0; i < n && k < max; i++)
		if (!used[i])
			b[k++] = all[i];
	return k;
}
