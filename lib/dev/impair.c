/* SPDX-License-Identifier: BSD-3-Clause */
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <string.h>

#include <rte_byteorder.h>
#include <rte_common.h>
#include <rte_errno.h>
#include <rte_ip.h>
#include <rte_malloc.h>
#include <rte_mbuf.h>
#include <rte_string_fns.h>
#include <rte_tcp.h>
#include <rte_udp.h>

#include "dev/impair.h"

/* One packet waiting in the hold queue for its due time. */
struct impair_slot {
	struct rte_mbuf *m;
	uint64_t due;
};

/* One packet held back to leave after later ones. */
struct impair_stash {
	struct rte_mbuf *m;
	uint64_t release_at;	/* value of 'passed' at which it leaves */
	uint64_t since;		/* when it was held back */
};

struct impair {
	/* hot: read for every packet */
	uint64_t rng[4];		/* xoshiro256** state */
	uint64_t thr_loss;		/* an event happens when rand >> 1 < thr */
	uint64_t thr_dup;
	uint64_t thr_corrupt;
	uint64_t thr_reorder;
	bool passthrough;		/* nothing to do: hand bursts straight back */
	uint32_t head;			/* hold queue: free-running indices */
	uint32_t tail;
	uint32_t mask;
	uint32_t limit;
	uint64_t last_due;		/* due times never go backwards */
	uint64_t link_free;		/* rate limit: when the link is idle again */
	uint64_t passed;		/* packets past the reorder stage, in order */
	uint32_t st_head;		/* reorder stash: free-running indices */
	uint32_t st_tail;
	struct impair_counters cnt;

	/* cold */
	struct impair_conf conf;
	char name[32];
	struct impair_stash stash[IMPAIR_REORDER_SLOTS];
	struct impair_slot q[];
};

/*
 * PRNG: xoshiro256** (Blackman and Vigna), state filled by splitmix64 as
 * its authors recommend. Fast, 256 bits of state, and the same sequence on
 * every platform, which is what makes a seed reproduce a run.
 */
static inline uint64_t
rotl(uint64_t x, int k)
{
	return (x << k) | (x >> (64 - k));
}

static inline uint64_t
impair_rand(struct impair *im)
{
	uint64_t *s = im->rng;
	uint64_t r = rotl(s[1] * 5, 7) * 9;
	uint64_t t = s[1] << 17;

	s[2] ^= s[0];
	s[3] ^= s[1];
	s[1] ^= s[2];
	s[0] ^= s[3];
	s[2] ^= t;
	s[3] = rotl(s[3], 45);
	return r;
}

static uint64_t
splitmix64(uint64_t *x)
{
	uint64_t z = (*x += 0x9e3779b97f4a7c15ull);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

/* A number in [0, n): Lemire's multiply-shift; the bias is below 2^-32. */
static inline uint64_t
impair_rand_below(struct impair *im, uint64_t n)
{
	return (uint64_t)(((unsigned __int128)impair_rand(im) * n) >> 64);
}

/* Compare 63 random bits so that 100% (thr = 2^63) is always true. */
static inline bool
impair_chance(struct impair *im, uint64_t thr)
{
	return thr != 0 && (impair_rand(im) >> 1) < thr;
}

static uint64_t
ppb_threshold(uint32_t ppb)
{
	return (uint64_t)(((unsigned __int128)ppb << 63) / IMPAIR_PPB);
}

/*
 * Checksums. A flipped bit has to be caught by the receiver's checksum
 * check, as on a real link; two things would hide it.
 */

/* Ones' complement sum of @p len bytes from @p off over a chain. Segments
 * of odd length shift the byte lanes of the next one, which
 * rte_raw_cksum_mbuf gets wrong in 22.11; swap the partial sum instead. */
static uint32_t
impair_chain_sum(const struct rte_mbuf *m, uint32_t off, uint32_t len)
{
	uint32_t sum = 0;
	bool odd = false;

	for (; m != NULL && len > 0; m = m->next) {
		uint32_t n;
		uint16_t s;

		if (off >= m->data_len) {
			off -= m->data_len;
			continue;
		}
		n = RTE_MIN((uint32_t)m->data_len - off, len);
		s = rte_raw_cksum(rte_pktmbuf_mtod_offset(m, const void *, off), n);
		if (odd)
			s = (uint16_t)((s << 8) | (s >> 8));
		sum += s;
		odd ^= n & 1;
		len -= n;
		off = 0;
	}
	sum = (sum & 0xffff) + (sum >> 16);
	sum = (sum & 0xffff) + (sum >> 16);
	return sum;
}

/* Length of the L4 segment by the IP header, so that Ethernet padding is
 * never summed; the headers are in the first segment (checked by caller). */
static uint32_t
impair_l4_len(const struct rte_mbuf *m)
{
	uint32_t hl = m->l2_len + m->l3_len;
	uint32_t len = m->pkt_len - hl;
	uint32_t ip_len;

	if (m->ol_flags & RTE_MBUF_F_TX_IPV4) {
		const struct rte_ipv4_hdr *ip =
			rte_pktmbuf_mtod_offset(m, const void *, m->l2_len);

		ip_len = rte_be_to_cpu_16(ip->total_length);
		if (ip_len >= m->l3_len && ip_len - m->l3_len < len)
			len = ip_len - m->l3_len;
	} else if (m->ol_flags & RTE_MBUF_F_TX_IPV6) {
		const struct rte_ipv6_hdr *ip6 =
			rte_pktmbuf_mtod_offset(m, const void *, m->l2_len);

		ip_len = rte_be_to_cpu_16(ip6->payload_len) +
			 sizeof(struct rte_ipv6_hdr);
		if (ip_len >= m->l3_len && ip_len - m->l3_len < len)
			len = ip_len - m->l3_len;
	}
	return len;
}

/*
 * A TX packet that asks the NIC for its checksums would have them
 * computed over the corrupted bytes, and the corruption would go unseen:
 * compute them here instead, on the data as it is, and drop the request.
 * DPDK's offload convention leaves the pseudo-header sum in the L4
 * checksum field, so summing the L4 segment as it stands gives the full sum.
 */
static void
impair_tx_cksum_sw(struct rte_mbuf *m)
{
	uint64_t l4 = m->ol_flags & RTE_MBUF_F_TX_L4_MASK;
	uint32_t hl = m->l2_len + m->l3_len;
	bool tcp = l4 == RTE_MBUF_F_TX_TCP_CKSUM;
	bool udp = l4 == RTE_MBUF_F_TX_UDP_CKSUM;
	uint32_t need = hl + (tcp ? sizeof(struct rte_tcp_hdr) :
			      udp ? sizeof(struct rte_udp_hdr) : 0);

	if (!(m->ol_flags & RTE_MBUF_F_TX_IP_CKSUM) && !tcp && !udp)
		return;
	if (m->data_len < need || m->pkt_len < need)
		return;		/* headers split over segments: not ours to fix */

	if (m->ol_flags & RTE_MBUF_F_TX_IP_CKSUM) {
		struct rte_ipv4_hdr *ip =
			rte_pktmbuf_mtod_offset(m, void *, m->l2_len);

		ip->hdr_checksum = 0;
		ip->hdr_checksum = rte_ipv4_cksum(ip);
	}
	if (tcp || udp) {
		uint16_t *field = rte_pktmbuf_mtod_offset(m, uint16_t *, hl +
			(tcp ? offsetof(struct rte_tcp_hdr, cksum) :
			       offsetof(struct rte_udp_hdr, dgram_cksum)));
		uint16_t ck = (uint16_t)~impair_chain_sum(m, hl, impair_l4_len(m));

		if (udp && ck == 0)
			ck = 0xffff;	/* RFC 768: zero means "no checksum" */
		*field = ck;
	}
	m->ol_flags &= ~(RTE_MBUF_F_TX_IP_CKSUM | RTE_MBUF_F_TX_L4_MASK);
}

/* Whether every byte of @p m belongs to @p m alone. */
static bool
impair_writable(const struct rte_mbuf *m)
{
	for (; m != NULL; m = m->next)
		if (!RTE_MBUF_DIRECT(m) || rte_mbuf_refcnt_read(m) != 1)
			return false;
	return true;
}

/* Flip one random bit of one random byte. Returns the packet to send on,
 * which is a private copy when the data was shared. */
static struct rte_mbuf *
impair_corrupt(struct impair *im, struct rte_mbuf *m)
{
	struct rte_mbuf *seg;
	uint64_t r;
	uint32_t off;

	/* With segmentation offload the NIC recomputes every segment's
	 * checksum over the flipped bit: the damage could not be detected. */
	if (m->pkt_len == 0 ||
	    (m->ol_flags & (RTE_MBUF_F_TX_TCP_SEG | RTE_MBUF_F_TX_UDP_SEG)))
		return m;
	/* A TX packet is often a clone of data the TCP retransmit queue
	 * keeps: flipping it in place would corrupt every retransmission too. */
	if (!impair_writable(m)) {
		struct rte_mbuf *c = rte_pktmbuf_copy(m, m->pool, 0, UINT32_MAX);

		if (c == NULL) {
			im->cnt.nomem++;
			return m;
		}
		rte_pktmbuf_free(m);
		m = c;
	}
	impair_tx_cksum_sw(m);
	/* A NIC's "checksum good" verdict was about the bytes before the
	 * flip; make the receiver check them again. */
	m->ol_flags &= ~(RTE_MBUF_F_RX_IP_CKSUM_MASK | RTE_MBUF_F_RX_L4_CKSUM_MASK);

	r = impair_rand(im);
	off = (uint32_t)(((unsigned __int128)(r >> 3) * m->pkt_len) >> 61);
	for (seg = m; off >= seg->data_len; seg = seg->next)
		off -= seg->data_len;
	*rte_pktmbuf_mtod_offset(seg, uint8_t *, off) ^= (uint8_t)(1u << (r & 7));
	im->cnt.corrupted++;
	return m;
}

/* Put @p m in the hold queue with its due time, or drop it if full. */
static void
impair_enqueue(struct impair *im, struct rte_mbuf *m, uint64_t now)
{
	const struct impair_conf *c = &im->conf;
	uint64_t due = now;

	if (im->tail - im->head >= im->limit) {
		im->cnt.overflow++;
		rte_pktmbuf_free(m);
		return;
	}
	if (c->rate_bps != 0) {
		/* Serialise on a link of rate_bps: the packet starts when the
		 * link is idle and is gone when its last bit is. */
		uint64_t start = RTE_MAX(now, im->link_free);

		im->link_free = start + (uint64_t)m->pkt_len * 8 *
			1000000000ull / c->rate_bps;
		due = im->link_free;
	}
	due += c->delay_ns;
	if (c->jitter_ns != 0) {
		uint64_t j = impair_rand_below(im, 2 * c->jitter_ns + 1);

		due = due + j >= now + c->jitter_ns ? due + j - c->jitter_ns : now;
	}
	/* Jitter must not reorder: a packet never leaves before the one in
	 * front of it (reordering is the stash's job, and it is counted). */
	if (due < im->last_due)
		due = im->last_due;
	im->last_due = due;
	if (due > now)
		im->cnt.delayed++;
	im->q[im->tail & im->mask] = (struct impair_slot){ .m = m, .due = due };
	im->tail++;
}

static inline uint32_t
impair_stash_count(const struct impair *im)
{
	return im->st_tail - im->st_head;
}

/* Move the oldest held-back packet on to the hold queue. */
static void
impair_stash_release(struct impair *im, uint64_t now)
{
	struct impair_stash *s = &im->stash[im->st_head % IMPAIR_REORDER_SLOTS];

	im->st_head++;
	impair_enqueue(im, s->m, now);
}

/* Release held-back packets that waited too long for their gap to fill. */
static void
impair_stash_expire(struct impair *im, uint64_t now)
{
	while (impair_stash_count(im) != 0 &&
	       im->stash[im->st_head % IMPAIR_REORDER_SLOTS].since +
	       IMPAIR_REORDER_HOLD_NS <= now)
		impair_stash_release(im, now);
}

/* Corrupt, maybe hold back, then queue one packet. */
static void
impair_pass(struct impair *im, struct rte_mbuf *m, uint64_t now)
{
	if (impair_chance(im, im->thr_corrupt))
		m = impair_corrupt(im, m);
	if (impair_stash_count(im) < IMPAIR_REORDER_SLOTS &&
	    impair_chance(im, im->thr_reorder)) {
		struct impair_stash *s =
			&im->stash[im->st_tail % IMPAIR_REORDER_SLOTS];

		s->m = m;
		s->release_at = im->passed + im->conf.gap;
		s->since = now;
		im->st_tail++;
		im->cnt.reordered++;
		return;
	}
	impair_enqueue(im, m, now);
	im->passed++;
	/* release_at grows in stash order (a constant gap), so the head is
	 * always the first one due. */
	while (impair_stash_count(im) != 0 &&
	       im->stash[im->st_head % IMPAIR_REORDER_SLOTS].release_at <=
	       im->passed)
		impair_stash_release(im, now);
}

/* Loss, then duplication, then the rest for the packet and its copy. */
static void
impair_one(struct impair *im, struct rte_mbuf *m, uint64_t now)
{
	struct rte_mbuf *d = NULL;

	if (impair_chance(im, im->thr_loss)) {
		im->cnt.lost++;
		rte_pktmbuf_free(m);
		return;
	}
	if (impair_chance(im, im->thr_dup)) {
		/* A full copy from the packet's own pool, not a clone: the TX
		 * path frees each one on its own, and corrupting one must not
		 * touch the other. */
		d = rte_pktmbuf_copy(m, m->pool, 0, UINT32_MAX);
		if (d == NULL)
			im->cnt.nomem++;
		else
			im->cnt.duplicated++;
	}
	impair_pass(im, m, now);
	if (d != NULL)
		impair_pass(im, d, now);
}

uint16_t
impair_burst(struct impair *im, struct rte_mbuf **pkts, uint16_t n,
	     uint16_t max, uint64_t now_ns)
{
	uint16_t k = 0;

	im->cnt.in += n;
	if (im->passthrough && n <= max && im->head == im->tail) {
		im->cnt.out += n;
		return n;
	}
	if (impair_stash_count(im) != 0)
		impair_stash_expire(im, now_ns);
	for (uint16_t i = 0; i < n; i++)
		impair_one(im, pkts[i], now_ns);
	while (k < max && im->head != im->tail &&
	       im->q[im->head & im->mask].due <= now_ns) {
		pkts[k++] = im->q[im->head & im->mask].m;
		im->head++;
	}
	im->cnt.out += k;
	return k;
}

void
impair_conf_init(struct impair_conf *conf)
{
	memset(conf, 0, sizeof(*conf));
	conf->limit = IMPAIR_LIMIT_DEFAULT;
	conf->gap = 1;
	conf->dir = IMPAIR_DIR_BOTH;
}

bool
impair_conf_active(const struct impair_conf *conf)
{
	return conf->loss != 0 || conf->reorder != 0 || conf->dup != 0 ||
	       conf->corrupt != 0 || conf->delay_ns != 0 ||
	       conf->jitter_ns != 0 || conf->rate_bps != 0;
}

static bool
impair_conf_valid(const struct impair_conf *c)
{
	return c->loss <= IMPAIR_PPB && c->reorder <= IMPAIR_PPB &&
	       c->dup <= IMPAIR_PPB && c->corrupt <= IMPAIR_PPB &&
	       c->delay_ns <= IMPAIR_DURATION_MAX_NS &&
	       c->jitter_ns <= IMPAIR_DURATION_MAX_NS &&
	       c->limit >= 1 && c->limit <= IMPAIR_LIMIT_MAX &&
	       c->gap >= 1 && c->gap <= IMPAIR_GAP_MAX &&
	       c->dir >= IMPAIR_DIR_RX && c->dir <= IMPAIR_DIR_BOTH;
}

struct impair *
impair_create(const struct impair_conf *conf, int socket_id, const char *name)
{
	struct impair *im;
	uint32_t size;
	uint64_t x;

	if (conf == NULL || !impair_conf_valid(conf)) {
		rte_errno = EINVAL;
		return NULL;
	}
	size = rte_align32pow2(conf->limit);
	im = rte_zmalloc_socket(name, sizeof(*im) + size * sizeof(im->q[0]),
				RTE_CACHE_LINE_SIZE, socket_id);
	if (im == NULL) {
		rte_errno = ENOMEM;
		return NULL;
	}
	im->conf = *conf;
	im->mask = size - 1;
	im->limit = conf->limit;
	im->thr_loss = ppb_threshold(conf->loss);
	im->thr_dup = ppb_threshold(conf->dup);
	im->thr_corrupt = ppb_threshold(conf->corrupt);
	im->thr_reorder = ppb_threshold(conf->reorder);
	im->passthrough = !impair_conf_active(conf);
	if (name != NULL)
		strlcpy(im->name, name, sizeof(im->name));

	/* FNV-1a of the name, mixed into the seed: one seed, many streams. */
	x = 0xcbf29ce484222325ull;
	for (const char *p = im->name; *p != '\0'; p++)
		x = (x ^ (uint8_t)*p) * 0x100000001b3ull;
	x ^= conf->seed;
	for (int i = 0; i < 4; i++)
		im->rng[i] = splitmix64(&x);
	return im;
}

void
impair_free(struct impair *im)
{
	if (im == NULL)
		return;
	for (; im->head != im->tail; im->head++)
		rte_pktmbuf_free(im->q[im->head & im->mask].m);
	for (; im->st_head != im->st_tail; im->st_head++)
		rte_pktmbuf_free(im->stash[im->st_head % IMPAIR_REORDER_SLOTS].m);
	rte_free(im);
}

void
impair_counters(const struct impair *im, struct impair_counters *c)
{
	*c = im->cnt;
	c->held = (im->tail - im->head) + impair_stash_count(im);
}

void
impair_dump(FILE *f, const struct impair *im)
{
	struct impair_counters c;
	char spec[256];

	impair_counters(im, &c);
	impair_format(&im->conf, spec, sizeof(spec));
	fprintf(f, "impair %s: %s in=%" PRIu64 " out=%" PRIu64
		" lost=%" PRIu64 " duplicated=%" PRIu64 " corrupted=%" PRIu64
		" reordered=%" PRIu64 " delayed=%" PRIu64 " overflow=%" PRIu64
		" nomem=%" PRIu64 " held=%" PRIu64 "\n",
		im->name[0] != '\0' ? im->name : "-", spec, c.in, c.out,
		c.lost, c.duplicated, c.corrupted, c.reordered, c.delayed,
		c.overflow, c.nomem, c.held);
}

/*
 * The spec parser. Numbers are read as fixed point (9 decimals) so that
 * "0.1%" is exactly 1000000 ppb and a printed spec reads back unchanged.
 */

static void
impair_err(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;

	if (err == NULL || errlen == 0)
		return;
	va_start(ap, fmt);
	vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
}

/* Read "123" or "1.5" as value * 1e9; *end is left after the number.
 * Returns -1 on no digits, more than 9 significant decimals, overflow. */
static int
parse_fixed9(const char *s, uint64_t *out, const char **end)
{
	unsigned __int128 v = 0;
	uint64_t frac = 0;
	int digits = 0, fd = 0;

	for (; *s >= '0' && *s <= '9'; s++, digits++) {
		v = v * 10 + (unsigned)(*s - '0');
		if (v > UINT64_MAX)
			return -1;
	}
	if (*s == '.') {
		for (s++; *s >= '0' && *s <= '9'; s++, digits++) {
			if (fd == 9) {
				if (*s != '0')
					return -1;	/* finer than 1e-9 */
				continue;
			}
			frac = frac * 10 + (unsigned)(*s - '0');
			fd++;
		}
	}
	if (digits == 0)
		return -1;
	for (; fd < 9; fd++)
		frac *= 10;
	v = v * IMPAIR_PPB + frac;
	if (v > UINT64_MAX)
		return -1;
	*out = (uint64_t)v;
	*end = s;
	return 0;
}

/* "5%" or "0.05" -> parts per billion. */
static int
parse_prob(const char *key, const char *v, uint32_t *out, char *err, size_t el)
{
	const char *end;
	uint64_t x;

	if (parse_fixed9(v, &x, &end) != 0 ||
	    (*end != '\0' && strcmp(end, "%") != 0)) {
		impair_err(err, el, "%s=%s: not a percentage ('5%%') or a "
			   "fraction ('0.05')", key, v);
		return -EINVAL;
	}
	if (*end == '%') {
		if (x % 100 != 0) {
			impair_err(err, el, "%s=%s: finer than 1e-9", key, v);
			return -EINVAL;
		}
		x /= 100;
	}
	if (x > IMPAIR_PPB) {
		impair_err(err, el, "%s=%s: above 100%%", key, v);
		return -EINVAL;
	}
	*out = (uint32_t)x;
	return 0;
}

/* Multiply a fixed9 value by @p unit: -1 if not a whole number, -2 if
 * beyond 64 bits. */
static int
scale_fixed9(uint64_t x, uint64_t unit, uint64_t *out)
{
	unsigned __int128 v = (unsigned __int128)x * unit;

	if (v % IMPAIR_PPB != 0)
		return -1;
	if (v / IMPAIR_PPB > UINT64_MAX)
		return -2;
	*out = (uint64_t)(v / IMPAIR_PPB);
	return 0;
}

/* "200us" -> 200000. */
static int
parse_duration(const char *key, const char *v, uint64_t *out, char *err,
	       size_t el)
{
	static const struct { const char *sfx; uint64_t ns; } units[] = {
		{ "ns", 1 }, { "us", 1000 }, { "ms", 1000000 },
		{ "s", 1000000000 },
	};
	const char *end;
	uint64_t x, ns;
	unsigned int i;
	int ret;

	if (parse_fixed9(v, &x, &end) != 0) {
		impair_err(err, el, "%s=%s: not a duration ('200us')", key, v);
		return -EINVAL;
	}
	if (*end == '\0' && x == 0) {
		*out = 0;
		return 0;
	}
	if (*end == '\0') {
		impair_err(err, el, "%s=%s: missing unit (ns, us, ms, s)", key, v);
		return -EINVAL;
	}
	for (i = 0; i < RTE_DIM(units); i++)
		if (strcmp(end, units[i].sfx) == 0)
			break;
	if (i == RTE_DIM(units)) {
		impair_err(err, el, "%s=%s: unknown unit '%s' (ns, us, ms, s)",
			   key, v, end);
		return -EINVAL;
	}
	ret = scale_fixed9(x, units[i].ns, &ns);
	if (ret == -1) {
		impair_err(err, el, "%s=%s: not a whole number of ns", key, v);
		return -EINVAL;
	}
	if (ret != 0 || ns > IMPAIR_DURATION_MAX_NS) {
		impair_err(err, el, "%s=%s: above 60s", key, v);
		return -EINVAL;
	}
	*out = ns;
	return 0;
}

/* "1G" -> 1000000000 bits/s. */
static int
parse_rate(const char *key, const char *v, uint64_t *out, char *err, size_t el)
{
	static const struct { const char *sfx; uint64_t mult; } units[] = {
		{ "", 1 }, { "k", 1000 }, { "K", 1000 }, { "M", 1000000 },
		{ "G", 1000000000 }, { "T", 1000000000000ull },
	};
	const char *end;
	uint64_t x;
	unsigned int i;

	if (parse_fixed9(v, &x, &end) != 0) {
		impair_err(err, el, "%s=%s: not a rate in bits/s ('1G')", key, v);
		return -EINVAL;
	}
	for (i = 0; i < RTE_DIM(units); i++)
		if (strcmp(end, units[i].sfx) == 0)
			break;
	if (i == RTE_DIM(units)) {
		impair_err(err, el, "%s=%s: unknown suffix '%s' (k, M, G, T)",
			   key, v, end);
		return -EINVAL;
	}
	switch (scale_fixed9(x, units[i].mult, out)) {
	case 0:
		return 0;
	case -1:
		impair_err(err, el, "%s=%s: not a whole number of bits/s", key, v);
		return -EINVAL;
	default:
		impair_err(err, el, "%s=%s: too large", key, v);
		return -EINVAL;
	}
}

/* A plain unsigned integer in [lo, hi]; base 0 takes 0x hex. */
static int
parse_uint(const char *key, const char *v, uint64_t lo, uint64_t hi,
	   uint64_t *out, char *err, size_t el)
{
	unsigned long long x;
	char *end;

	errno = 0;
	if (*v < '0' || *v > '9') {
		impair_err(err, el, "%s=%s: not an unsigned number", key, v);
		return -EINVAL;
	}
	x = strtoull(v, &end, 0);
	if (errno != 0 || *end != '\0') {
		impair_err(err, el, "%s=%s: not an unsigned number", key, v);
		return -EINVAL;
	}
	if (x < lo || x > hi) {
		impair_err(err, el, "%s=%s: out of range %" PRIu64 "..%" PRIu64,
			   key, v, lo, hi);
		return -EINVAL;
	}
	*out = x;
	return 0;
}

static int
parse_dir(const char *key, const char *v, uint8_t *out, char *err, size_t el)
{
	if (strcmp(v, "rx") == 0)
		*out = IMPAIR_DIR_RX;
	else if (strcmp(v, "tx") == 0)
		*out = IMPAIR_DIR_TX;
	else if (strcmp(v, "both") == 0)
		*out = IMPAIR_DIR_BOTH;
	else {
		impair_err(err, el, "%s=%s: not rx, tx or both", key, v);
		return -EINVAL;
	}
	return 0;
}

/* Apply one key=value to @p c. */
static int
parse_item(struct impair_conf *c, const char *key, const char *v,
	   char *err, size_t el)
{
	uint64_t x;
	int ret;

	if (strcmp(key, "loss") == 0)
		return parse_prob(key, v, &c->loss, err, el);
	if (strcmp(key, "reorder") == 0)
		return parse_prob(key, v, &c->reorder, err, el);
	if (strcmp(key, "dup") == 0)
		return parse_prob(key, v, &c->dup, err, el);
	if (strcmp(key, "corrupt") == 0)
		return parse_prob(key, v, &c->corrupt, err, el);
	if (strcmp(key, "delay") == 0)
		return parse_duration(key, v, &c->delay_ns, err, el);
	if (strcmp(key, "jitter") == 0)
		return parse_duration(key, v, &c->jitter_ns, err, el);
	if (strcmp(key, "rate") == 0)
		return parse_rate(key, v, &c->rate_bps, err, el);
	if (strcmp(key, "seed") == 0)
		return parse_uint(key, v, 0, UINT64_MAX, &c->seed, err, el);
	if (strcmp(key, "dir") == 0)
		return parse_dir(key, v, &c->dir, err, el);
	if (strcmp(key, "limit") == 0) {
		ret = parse_uint(key, v, 1, IMPAIR_LIMIT_MAX, &x, err, el);
		if (ret == 0)
			c->limit = (uint32_t)x;
		return ret;
	}
	if (strcmp(key, "gap") == 0) {
		ret = parse_uint(key, v, 1, IMPAIR_GAP_MAX, &x, err, el);
		if (ret == 0)
			c->gap = (uint16_t)x;
		return ret;
	}
	impair_err(err, el, "%s=%s: unknown key '%s' (loss, reorder, dup, "
		   "corrupt, delay, jitter, rate, seed, dir, limit, gap)",
		   key, v, key);
	return -EINVAL;
}

int
impair_parse(const char *spec, struct impair_conf *conf, char *err,
	     size_t errlen)
{
	static const char *const keys[] = { "loss", "reorder", "dup",
		"corrupt", "delay", "jitter", "rate", "seed", "dir", "limit",
		"gap" };
	char buf[512];
	char *save = NULL, *item;
	uint32_t seen = 0;
	struct impair_conf c;

	if (spec == NULL || *spec == '\0') {
		impair_err(err, errlen, "empty impairment spec");
		return -EINVAL;
	}
	if (strlen(spec) >= sizeof(buf)) {
		impair_err(err, errlen, "impairment spec longer than %zu bytes",
			   sizeof(buf) - 1);
		return -EINVAL;
	}
	/* strtok_r would skip empty items; a stray comma is a typo to report. */
	if (spec[0] == ',' || spec[strlen(spec) - 1] == ',' ||
	    strstr(spec, ",,") != NULL) {
		impair_err(err, errlen, "%s: empty item", spec);
		return -EINVAL;
	}
	strlcpy(buf, spec, sizeof(buf));
	impair_conf_init(&c);
	for (item = strtok_r(buf, ",", &save); item != NULL;
	     item = strtok_r(NULL, ",", &save)) {
		char *v = strchr(item, '=');
		unsigned int i;

		if (v == NULL || v == item) {
			impair_err(err, errlen, "%s: not key=value", item);
			return -EINVAL;
		}
		*v++ = '\0';
		for (i = 0; i < RTE_DIM(keys); i++)
			if (strcmp(item, keys[i]) == 0)
				break;
		if (i < RTE_DIM(keys) && (seen & (1u << i))) {
			impair_err(err, errlen, "%s=%s: %s given twice",
				   item, v, item);
			return -EINVAL;
		}
		if (i < RTE_DIM(keys))
			seen |= 1u << i;
		if (parse_item(&c, item, v, err, errlen) != 0)
			return -EINVAL;
	}
	*conf = c;
	return 0;
}

/* Append to buf at *pos, snprintf-style: *pos keeps the full length. */
static void
fmt_append(char *buf, size_t len, size_t *pos, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(*pos < len ? buf + *pos : NULL,
		      *pos < len ? len - *pos : 0, fmt, ap);
	va_end(ap);
	if (n > 0)
		*pos += (size_t)n;
}

/* Parts per billion as an exact percentage, trailing zeros trimmed. */
static void
fmt_prob(char *buf, size_t len, size_t *pos, const char *key, uint32_t ppb)
{
	char frac[8];
	int i;

	if (ppb == 0)
		return;
	snprintf(frac, sizeof(frac), "%07u", ppb % 10000000u);
	for (i = 6; i >= 0 && frac[i] == '0'; i--)
		frac[i] = '\0';
	fmt_append(buf, len, pos, "%s%s=%u%s%s%%", *pos ? "," : "", key,
		   ppb / 10000000u, frac[0] ? "." : "", frac);
}

/* A value in the largest unit that divides it exactly. */
static void
fmt_scaled(char *buf, size_t len, size_t *pos, const char *key, uint64_t v,
	   const uint64_t *mult, const char *const *sfx, unsigned int n)
{
	unsigned int i;

	if (v == 0)
		return;
	for (i = 0; i < n - 1 && v % mult[i] != 0; i++)
		;
	fmt_append(buf, len, pos, "%s%s=%" PRIu64 "%s", *pos ? "," : "", key,
		   v / mult[i], sfx[i]);
}

int
impair_format(const struct impair_conf *c, char *buf, size_t len)
{
	static const uint64_t tmult[] = { 1000000000, 1000000, 1000, 1 };
	static const char *const tsfx[] = { "s", "ms", "us", "ns" };
	static const uint64_t rmult[] = { 1000000000000ull, 1000000000,
					  1000000, 1000, 1 };
	static const char *const rsfx[] = { "T", "G", "M", "k", "" };
	static const char *const dirs[] = { "", "rx", "tx", "both" };
	size_t pos = 0;

	if (len > 0)
		buf[0] = '\0';
	fmt_prob(buf, len, &pos, "loss", c->loss);
	fmt_prob(buf, len, &pos, "reorder", c->reorder);
	if (c->gap != 1)
		fmt_append(buf, len, &pos, "%sgap=%u", pos ? "," : "", c->gap);
	fmt_prob(buf, len, &pos, "dup", c->dup);
	fmt_prob(buf, len, &pos, "corrupt", c->corrupt);
	fmt_scaled(buf, len, &pos, "delay", c->delay_ns, tmult, tsfx, 4);
	fmt_scaled(buf, len, &pos, "jitter", c->jitter_ns, tmult, tsfx, 4);
	fmt_scaled(buf, len, &pos, "rate", c->rate_bps, rmult, rsfx, 5);
	if (c->limit != IMPAIR_LIMIT_DEFAULT)
		fmt_append(buf, len, &pos, "%slimit=%u", pos ? "," : "",
			   c->limit);
	fmt_append(buf, len, &pos, "%sseed=%" PRIu64, pos ? "," : "", c->seed);
	if (c->dir != IMPAIR_DIR_BOTH && c->dir < RTE_DIM(dirs))
		fmt_append(buf, len, &pos, ",dir=%s", dirs[c->dir]);
	return (int)pos;
}
