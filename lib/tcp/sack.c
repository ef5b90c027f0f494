/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The sender's SACK scoreboard (RFC 2018, RFC 6675): disjoint sorted
 * ranges above snd_una the peer reported holding, and the RFC 6675
 * functions over them: IsLost, pipe and NextSeg (rule 1).
 */
#include <string.h>

#include "tcp_impl.h"

static void
sack_insert(struct tcp_cb *cb, uint32_t start, uint32_t end)
{
	struct tcp_sack_blk out[TCP_SACK_BLOCKS + 1];
	unsigned int i, n = 0;
	bool placed = false;
	struct tcp_cb_ext *x = tcp_ext_get(cb);

	if (x == NULL)
		return;		/* no room: go on as if not told */

	for (i = 0; i < tcp_nsack(cb); i++) {
		struct tcp_sack_blk b = tcp_x(cb)->sack[i];

		if (SEQ_LT(b.end, start)) {
			out[n++] = b;
		} else if (SEQ_GT(b.start, end)) {
			if (!placed) {
				out[n++] = (struct tcp_sack_blk){ start, end };
				placed = true;
			}
			out[n++] = b;
		} else {
			/* Overlaps or touches: merge into the new one. */
			start = SEQ_MIN(start, b.start);
			end = SEQ_MAX(end, b.end);
		}
		if (n > TCP_SACK_BLOCKS)
			n = TCP_SACK_BLOCKS;	/* keep the lowest ranges */
	}
	if (!placed && n < TCP_SACK_BLOCKS + 1)
		out[n++] = (struct tcp_sack_blk){ start, end };
	if (n > TCP_SACK_BLOCKS)
		n = TCP_SACK_BLOCKS;
	memcpy(x->sack, out, n * sizeof(out[0]));
	x->nsack = n;
}

/* Take the SACK blocks of an arriving ACK (RFC 2018 section 4); blocks
 * outside (snd_una, snd_max] are bogus or stale and ignored. */
void
tcp_sack_update(struct tcp_cb *cb, const struct tcp_seg *s)
{
	unsigned int i;

	for (i = 0; i < s->nsack; i++) {
		uint32_t start = s->sack[i].start, end = s->sack[i].end;

		if (!SEQ_LT(start, end) || SEQ_LEQ(end, cb->snd_una) ||
		    SEQ_GT(end, cb->snd_max))
			continue;
		if (SEQ_LT(start, cb->snd_una))
			start = cb->snd_una;
		sack_insert(cb, start, end);
	}
}

/* Forget what the cumulative ACK now covers. */
void
tcp_sack_trim(struct tcp_cb *cb)
{
	unsigned int i, n = 0;

	if (cb->x_ref == 0)
		return;

	for (i = 0; i < tcp_nsack(cb); i++) {
		struct tcp_sack_blk b = tcp_x(cb)->sack[i];

		if (SEQ_LEQ(b.end, cb->snd_una))
			continue;
		if (SEQ_LT(b.start, cb->snd_una))
			b.start = cb->snd_una;
		tcp_x(cb)->sack[n++] = b;
	}
	tcp_x(cb)->nsack = n;
	tcp_ext_put_if_empty(cb);
}

uint32_t
tcp_sack_bytes_above(const struct tcp_cb *cb, uint32_t seq)
{
	uint32_t sum = 0;
	unsigned int i;

	for (i = 0; i < tcp_nsack(cb); i++) {
		const struct tcp_sack_blk *b = &tcp_x(cb)->sack[i];

		if (SEQ_LEQ(b->end, seq))
			continue;
		sum += b->end - SEQ_MAX(b->start, seq);
	}
	return sum;
}

/* RFC 6675 IsLost(SeqNum): DupThresh discontiguous SACKed ranges above, or
 * more than (DupThresh - 1) * SMSS bytes SACKed above. */
bool
tcp_sack_is_lost(const struct tcp_cb *cb, uint32_t seq)
{
	unsigned int i, ranges = 0;

	if (cb->x_ref != 0 && tcp_x(cb)->lost_marked && SEQ_LT(seq, tcp_x(cb)->lost_to))
		return true;
	for (i = 0; i < tcp_nsack(cb); i++)
		if (SEQ_GT(tcp_x(cb)->sack[i].start, seq))
			ranges++;
	if (ranges >= TCP_DUPTHRESH)
		return true;
	return tcp_sack_bytes_above(cb, seq) >
	       (uint32_t)(TCP_DUPTHRESH - 1) * cb->smss;
}

/* RFC 6675 SetPipe, hole by hole: a hole counts unless lost, and its
 * retransmitted part (below HighRxt) counts again. */
uint32_t
tcp_sack_pipe(const struct tcp_cb *cb)
{
	uint32_t pipe = 0, cur = cb->snd_una, hrx = tcp_high_rxt(cb), a, b;
	unsigned int i;

	for (i = 0; i <= tcp_nsack(cb); i++) {
		a = cur;
		b = i < tcp_nsack(cb) ? tcp_x(cb)->sack[i].start : cb->snd_max;
		if (SEQ_LT(a, b)) {
			if (i == tcp_nsack(cb) || !tcp_sack_is_lost(cb, a))
				pipe += b - a;
			if (SEQ_GT(hrx, a))
				pipe += SEQ_MIN(hrx, b) - a;
		}
		if (i < tcp_nsack(cb))
			cur = tcp_x(cb)->sack[i].end;
	}
	return pipe;
}

/* RFC 6675 NextSeg rule 1: the lowest lost, not yet retransmitted byte
 * below the highest SACKed one. */
bool
tcp_sack_next_hole(const struct tcp_cb *cb, uint32_t *seq, uint32_t *len)
{
	uint32_t cur = cb->snd_una, start;
	unsigned int i;

	for (i = 0; i < tcp_nsack(cb); i++) {
		start = SEQ_MAX(cur, tcp_high_rxt(cb));
		if (SEQ_LT(start, tcp_x(cb)->sack[i].start) &&
		    tcp_sack_is_lost(cb, start)) {
			*seq = start;
			*len = tcp_x(cb)->sack[i].start - start;
			return true;
		}
		cur = tcp_x(cb)->sack[i].end;
	}
	return false;
}

const struct tcp_sack_blk *
tcp_sack_find(const struct tcp_cb *cb, uint32_t seq)
{
	unsigned int i;

	for (i = 0; i < tcp_nsack(cb); i++)
		if (SEQ_LEQ(tcp_x(cb)->sack[i].start, seq) &&
		    SEQ_LT(seq, tcp_x(cb)->sack[i].end))
			return &tcp_x(cb)->sack[i];
	return NULL;
}

/* SACKed bytes below @p seq: data the peer holds that no longer counts as
 * in flight when resending after a timeout. */
uint32_t
tcp_sack_bytes_below(const struct tcp_cb *cb, uint32_t seq)
{
	uint32_t sum = 0;
	unsigned int i;

	for (i = 0; i < tcp_nsack(cb); i++) {
		const struct tcp_sack_blk *b = &tcp_x(cb)->sack[i];

		if (SEQ_GEQ(b->start, seq))
			break;
		sum += SEQ_MIN(b->end, seq) - b->start;
	}
	return sum;
}
