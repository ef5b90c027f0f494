/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Out-of-order reassembly. Segments are held as they came (header
 * stripped, no copy) in a list sorted by sequence, linked through an mbuf
 * dynfield; overlaps are trimmed on insert so the list stays disjoint, and
 * the bytes held are bounded by conf.reass_max.
 */
#include <string.h>

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
	x->last_ooo_seq = seq;
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
		/* Unlink it now: @p m may yet coalesce into prev or be
		 * dropped, and neither path links prev (or the head) again;
		 * a stale link would reach the freed mbuf and free it twice. */
		if (prev != NULL)
			tcp_reass_meta(t, prev)->next = cur;
		else
			x->reass = cur;
	}
	if (prev != NULL && q_seq(cb, prev) + prev->pkt_len == seq &&
	    reass_coalesce(prev, m)) {
		x->reass_bytes += len;
		x->last_ooo_seq = seq;
		return;
	}
	if (x->reass_segs + m->nb_segs > t->conf.reass_max_segs) {
		t->st.ooo_segs_dropped++;
		rte_pktmbuf_free(m);
		return;
	}
	x->reass_segs += m->nb_segs;
	tcp_reass_meta(t, m)->seq = seq;
	tcp_reass_meta(t, m)->next = cur;
	if (prev != NULL)
		tcp_reass_meta(t, prev)->next = m;
	else
		x->reass = m;
	x->reass_bytes += len;
	x->last_ooo_seq = seq;
}

/* Take what the hole's filling made contiguous: the chain of data from
 * rcv_nxt on (rcv_nxt advanced), or NULL. *fin: a held FIN became due. */
struct rte_mbuf *
tcp_reass_pull(struct tcp_cb *cb, bool *fin)
{
	struct rte_mbuf *m, *head = NULL, *tail = NULL;
	struct tcp_cb_ext *x = cb->x;
	uint32_t seq, len;

	*fin = false;
	if (x == NULL)
		return NULL;
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
	if ((cb->tf & TF_RCV_FIN_OOO) && cb->rcv_nxt == x->rcv_fin_seq) {
		cb->tf &= ~TF_RCV_FIN_OOO;
		*fin = true;
	}
	tcp_ext_put_if_empty(cb);
	return head;
}

void
tcp_reass_free(struct tcp_cb *cb)
{
	struct rte_mbuf *m, *next;

	if (cb->x == NULL)
		return;
	for (m = cb->x->reass; m != NULL; m = next) {
		next = q_next(cb, m);
		rte_pktmbuf_free(m);
	}
	cb->x->reass = NULL;
	cb->x->reass_bytes = 0;
	cb->x->reass_segs = 0;
	tcp_ext_put_if_empty(cb);
}

/* SACK blocks for the peer (RFC 2018 section 4): the block holding the
 * latest arrival first, then the rest in sequence order. */
unsigned int
tcp_reass_sack_blocks(const struct tcp_cb *cb, struct tcp_sack_blk *b,
		      unsigned int max)
{
	struct tcp_sack_blk all[16];
	unsigned int n = 0, i, k = 0, first = 0;
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
	for (i = 0; i < n; i++)
		if (SEQ_LEQ(all[i].start, cb->x->last_ooo_seq) &&
		    SEQ_LT(cb->x->last_ooo_seq, all[i].end))
			first = i;
	if (n == 0 || max == 0)
		return 0;
	b[k++] = all[first];
	for (i = 0; i < n && k < max; i++)
		if (i != first)
			b[k++] = all[i];
	return k;
}
