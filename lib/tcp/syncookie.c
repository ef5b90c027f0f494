/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * SYN cookies (RFC 4987 section 3.6), encoded like Linux's
 * net/ipv4/syncookies.c so the behaviour seen on the wire is familiar:
 *
 *   ISS = H1(tuple) + ISN_peer + (count << 24)
 *         + ((H2(tuple, count) + mss_index) mod 2^24)
 *
 * H1 and H2 are SipHash-2-4 under the engine's secret (the RFC 6528 key),
 * count a coarse clock of 2^36 ns (~69 s) ticks. A cookie is accepted for
 * the current and the previous count, so it lives 69 to 137 s. The ISS
 * carries only the MSS (an index into a table of common values); window
 * scale and SACK-permitted travel, when timestamps are on, in the low six
 * bits of our TSval (4 bits shift, 0xf for none; 1 bit SACK), which the
 * peer echoes in TSecr (Linux's and FreeBSD's scheme). Without timestamps
 * the connection runs without window scaling and SACK, as the SYN-ACK
 * offered neither.
 */
#include <string.h>

#include "tcp_impl.h"
#include "flow/siphash.h"

#define COOKIE_COUNT_SHIFT	36	/* ~68.7 s per count */
#define COOKIE_BITS		24
#define COOKIE_MASK		((1u << COOKIE_BITS) - 1)
#define COOKIE_MAX_AGE		1	/* counts back still accepted */

#define TS_OPT_BITS		6
#define TS_OPT_MASK		((1u << TS_OPT_BITS) - 1)
#define TS_OPT_WS_NONE		0xfu
#define TS_OPT_SACK		(1u << 4)

/* Linux's table, plus a small and a jumbo entry, so the MSS we keep is
 * never above the one the peer asked for (a table entry at or below it). */
static const uint16_t cookie_msstab[] = {
	64, 256, 536, 1220, 1300, 1440, 1460, 8960,
};

struct cookie_in {
	rte_be32_t laddr, raddr;
	rte_be16_t lport, rport;
	uint32_t count;
	uint32_t label;
};

static uint32_t
cookie_hash(struct shoal_tcp *t, const struct shoal_endpoints *ep,
	    uint32_t count, uint32_t label)
{
	struct cookie_in in;

	memset(&in, 0, sizeof(in));
	in.laddr = ep->local.v4;
	in.raddr = ep->remote.v4;
	in.lport = ep->lport;
	in.rport = ep->rport;
	in.count = count;
	in.label = label;
	return (uint32_t)flow_siphash(t->isn_key, &in, sizeof(in));
}

static inline uint32_t
cookie_count(const struct shoal_tcp *t)
{
	return (uint32_t)(t->now >> COOKIE_COUNT_SHIFT);
}

/* The cookie for a SYN from @p ep with ISN @p peer_isn asking for MSS
 * @p mss (already clamped to ours). */
uint32_t
tcp_cookie_make(struct shoal_tcp *t, const struct shoal_endpoints *ep,
		uint32_t peer_isn, uint16_t mss)
{
	uint32_t count = cookie_count(t), idx;

	for (idx = RTE_DIM(cookie_msstab) - 1; idx > 0; idx--)
		if (mss >= cookie_msstab[idx])
			break;
	return cookie_hash(t, ep, 0, 0xc00c1e01u) + peer_isn +
	       (count << COOKIE_BITS) +
	       ((cookie_hash(t, ep, count, 0xc00c1e02u) + idx) & COOKIE_MASK);
}

/* Is @p cookie (the ACK's SEG.ACK - 1) one we made for this tuple and
 * @p peer_isn (SEG.SEQ - 1) no more than COOKIE_MAX_AGE counts ago? */
bool
tcp_cookie_check(struct shoal_tcp *t, const struct shoal_endpoints *ep,
		 uint32_t peer_isn, uint32_t cookie, uint16_t *mss)
{
	uint32_t now = cookie_count(t), c, diff, count, idx;

	c = cookie - cookie_hash(t, ep, 0, 0xc00c1e01u) - peer_isn;
	diff = (now - (c >> COOKIE_BITS)) & ((1u << (32 - COOKIE_BITS)) - 1);
	if (diff > COOKIE_MAX_AGE)
		return false;
	count = now - diff;
	idx = (c - (count << COOKIE_BITS) -
	       cookie_hash(t, ep, count, 0xc00c1e02u)) & COOKIE_MASK;
	if (idx >= RTE_DIM(cookie_msstab))
		return false;
	*mss = cookie_msstab[idx];
	return true;
}

/* Our TSval for a cookie SYN-ACK: the connection's clock with the options
 * in its low bits, rounded down so it never runs ahead of the TSvals the
 * connection sends later (RFC 7323: monotonic). */
uint32_t
tcp_cookie_tsval(struct shoal_tcp *t, const struct shoal_endpoints *ep,
		 int wscale, bool sack)
{
	uint32_t now = (uint32_t)(t->now / 1000000) + tcp_ts_offset(t, ep);
	uint32_t opts, ts;

	opts = (wscale < 0 ? TS_OPT_WS_NONE : (uint32_t)wscale) |
	       (sack ? TS_OPT_SACK : 0);
	ts = (now & ~TS_OPT_MASK) | opts;
	if (SEQ_GT(ts, now))
		ts -= 1u << TS_OPT_BITS;
	return ts;
}

/* The options a cookie ACK's TSecr carries; false when they make no
 * sense (a shift above 14). */
bool
tcp_cookie_ts_decode(uint32_t tsecr, int *wscale, bool *sack)
{
	uint32_t ws = tsecr & 0xf;

	if (ws != TS_OPT_WS_NONE && ws > TCP_MAX_WSCALE)
		return false;
	*wscale = ws == TS_OPT_WS_NONE ? -1 : (int)ws;
	*sack = (tsecr & TS_OPT_SACK) != 0;
	return true;
}
