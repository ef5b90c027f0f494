/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * impair_burst on real mbufs with a virtual clock: every packet carries its
 * sequence number in the first four payload bytes and a pattern derived
 * from it after, so what comes out can be checked byte for byte.
 */
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <criterion/criterion.h>

#include <rte_eal.h>
#include <rte_ether.h>
#include <rte_ip.h>
#include <rte_lcore.h>
#include <rte_mbuf.h>
#include <rte_mempool.h>
#include <rte_tcp.h>

#include "dev/impair.h"
#include "../eal_lcores.h"

#define POOL_SIZE 4095
#define PKT_LEN 100
#define BURST 32
#define T0 1000000000ull	/* virtual clock start, ns */

static struct rte_mempool *pool;

static void
eal_setup(void)
{
	char prefix[64], lcores[256];
	char *argv[] = { "test_impair_burst", "--no-huge", "-m", "256",
		"--no-pci", "--no-shconf", "--no-telemetry", prefix, lcores,
		"--log-level=lib.eal:error" };

	snprintf(prefix, sizeof(prefix), "--file-prefix=impair%d", getpid());
	test_eal_lcores(lcores, sizeof(lcores));
	cr_assert_geq(rte_eal_init(RTE_DIM(argv), argv), 0, "EAL init failed");
	pool = rte_pktmbuf_pool_create("impair_pool", POOL_SIZE, 64, 0,
				       RTE_MBUF_DEFAULT_BUF_SIZE, SOCKET_ID_ANY);
	cr_assert_not_null(pool);
}

static void
eal_teardown(void)
{
	rte_mempool_free(pool);
	rte_eal_cleanup();
}

TestSuite(impair_burst, .init = eal_setup, .fini = eal_teardown);

static uint8_t
pattern(uint32_t seq, uint32_t i)
{
	return (uint8_t)(seq * 31 + i * 7 + 1);
}

static struct rte_mbuf *
mk(uint32_t seq, uint16_t len)
{
	struct rte_mbuf *m = rte_pktmbuf_alloc(pool);
	uint8_t *p;

	cr_assert_not_null(m, "pool empty");
	p = (uint8_t *)rte_pktmbuf_append(m, len);
	cr_assert_not_null(p);
	for (uint32_t i = 4; i < len; i++)
		p[i] = pattern(seq, i);
	memcpy(p, &seq, 4);
	return m;
}

static uint32_t
seq_of(const struct rte_mbuf *m)
{
	uint32_t seq;

	memcpy(&seq, rte_pktmbuf_mtod(m, const void *), 4);
	return seq;
}

/* Bits of @p m that differ from what packet @p seq was built with. */
static unsigned int
bits_off(const struct rte_mbuf *m, uint32_t seq)
{
	uint8_t buf[2048];
	const uint8_t *p = rte_pktmbuf_read(m, 0, m->pkt_len, buf);
	unsigned int bits = 0;

	for (uint32_t i = 0; i < m->pkt_len; i++) {
		uint8_t want = i < 4 ? ((const uint8_t *)&seq)[i] :
				       pattern(seq, i);

		bits += __builtin_popcount(p[i] ^ want);
	}
	return bits;
}

static struct impair *
mk_impair(const char *spec, const char *name)
{
	struct impair_conf c;
	char err[256];
	struct impair *im;

	cr_assert_eq(impair_parse(spec, &c, err, sizeof(err)), 0, "%s", err);
	im = impair_create(&c, SOCKET_ID_ANY, name);
	cr_assert_not_null(im);
	return im;
}

/* What one run produced: the sequence numbers in output order. */
struct run {
	uint32_t *seq;
	uint32_t n;
	struct impair_counters c;
};

/*
 * Feed @p total packets in bursts of BURST, @p step ns apart, then poll
 * with empty bursts until nothing is held. @p check, when set, sees every
 * packet that comes out before it is freed.
 */
static struct run
run_stream(struct impair *im, uint32_t total, uint64_t step,
	   void (*check)(struct rte_mbuf *m, uint32_t pos))
{
	struct run r = { .seq = calloc(3 * total + 16, sizeof(uint32_t)) };
	struct rte_mbuf *pkts[2 * BURST];
	uint64_t now = T0;
	uint32_t sent = 0;
	int idle = 0;

	cr_assert_not_null(r.seq);
	for (;;) {
		uint16_t n = 0, k;

		while (n < BURST && sent < total)
			pkts[n++] = mk(sent++, PKT_LEN);
		k = impair_burst(im, pkts, n, RTE_DIM(pkts), now);
		for (uint16_t i = 0; i < k; i++) {
			cr_assert_lt(r.n, 3 * total + 16);
			if (check != NULL)
				check(pkts[i], r.n);
			r.seq[r.n++] = seq_of(pkts[i]);
			rte_pktmbuf_free(pkts[i]);
		}
		impair_counters(im, &r.c);
		if (sent == total && r.c.held == 0)
			break;
		now += step;
		if (sent == total)
			cr_assert_lt(idle++, 1000000, "packets never drained");
	}
	return r;
}

/* Every packet the pool gave out is back in it. */
static void
expect_no_leak(void)
{
	cr_expect_eq(rte_mempool_avail_count(pool), POOL_SIZE,
		     "%u mbufs leaked",
		     POOL_SIZE - rte_mempool_avail_count(pool));
}

/* in + duplicated = out + lost + overflow + held, always. */
static void
expect_balanced(const struct impair_counters *c)
{
	cr_expect_eq(c->in + c->duplicated,
		     c->out + c->lost + c->overflow + c->held,
		     "in %lu + dup %lu != out %lu + lost %lu + overflow %lu + held %lu",
		     c->in, c->duplicated, c->out, c->lost, c->overflow, c->held);
}

Test(impair_burst, zero_config_passes_everything_in_order)
{
	struct impair_conf c;
	struct impair *im;
	struct rte_mbuf *pkts[BURST], *orig[BURST];
	struct impair_counters cnt;

	impair_conf_init(&c);
	im = impair_create(&c, SOCKET_ID_ANY, "zero");
	cr_assert_not_null(im);
	for (int round = 0; round < 100; round++) {
		for (int i = 0; i < BURST; i++)
			orig[i] = pkts[i] = mk(round * BURST + i, PKT_LEN);
		cr_assert_eq(impair_burst(im, pkts, BURST, BURST, T0), BURST);
		cr_expect(memcmp(pkts, orig, sizeof(pkts)) == 0,
			  "same mbufs, same order");
		for (int i = 0; i < BURST; i++) {
			cr_expect_eq(bits_off(pkts[i], round * BURST + i), 0);
			rte_pktmbuf_free(pkts[i]);
		}
	}
	impair_counters(im, &cnt);
	cr_expect_eq(cnt.in, 100 * BURST);
	cr_expect_eq(cnt.out, 100 * BURST);
	cr_expect_eq(cnt.delayed + cnt.lost + cnt.held, 0);
	impair_free(im);
	expect_no_leak();
}

Test(impair_burst, zero_config_holds_what_exceeds_max)
{
	struct impair_conf c;
	struct impair *im;
	struct rte_mbuf *pkts[BURST];

	impair_conf_init(&c);
	im = impair_create(&c, SOCKET_ID_ANY, "zero-max");
	for (int i = 0; i < BURST; i++)
		pkts[i] = mk(i, PKT_LEN);
	cr_assert_eq(impair_burst(im, pkts, BURST, 10, T0), 10);
	for (int i = 0; i < 10; i++) {
		cr_expect_eq(seq_of(pkts[i]), (uint32_t)i);
		rte_pktmbuf_free(pkts[i]);
	}
	/* n == 0 calls drain the rest, in order, max at a time. */
	cr_assert_eq(impair_burst(im, pkts, 0, 10, T0), 10);
	for (int i = 0; i < 10; i++) {
		cr_expect_eq(seq_of(pkts[i]), (uint32_t)(10 + i));
		rte_pktmbuf_free(pkts[i]);
	}
	cr_assert_eq(impair_burst(im, pkts, 0, BURST, T0), 12);
	for (int i = 0; i < 12; i++) {
		cr_expect_eq(seq_of(pkts[i]), (uint32_t)(20 + i));
		rte_pktmbuf_free(pkts[i]);
	}
	cr_expect_eq(impair_burst(im, pkts, 0, BURST, T0), 0);
	impair_free(im);
	expect_no_leak();
}

#define ALL "loss=5%,reorder=5%,dup=1%,corrupt=1%,delay=200us,jitter=50us"

Test(impair_burst, same_seed_same_output)
{
	struct impair *a = mk_impair(ALL ",seed=11", "det");
	struct impair *b = mk_impair(ALL ",seed=11", "det");
	struct run ra = run_stream(a, 20000, 10000, NULL);
	struct run rb = run_stream(b, 20000, 10000, NULL);

	cr_assert_eq(ra.n, rb.n);
	cr_expect(memcmp(ra.seq, rb.seq, ra.n * sizeof(uint32_t)) == 0);
	cr_expect(memcmp(&ra.c, &rb.c, sizeof(ra.c)) == 0);
	cr_expect_gt(ra.c.lost, 0);
	cr_expect_gt(ra.c.reordered, 0);
	expect_balanced(&ra.c);
	free(ra.seq);
	free(rb.seq);
	impair_free(a);
	impair_free(b);
	expect_no_leak();
}

Test(impair_burst, different_seed_or_name_differs)
{
	struct impair *a = mk_impair(ALL ",seed=11", "det");
	struct impair *b = mk_impair(ALL ",seed=12", "det");
	struct impair *c = mk_impair(ALL ",seed=11", "det-tx");
	struct run ra = run_stream(a, 5000, 10000, NULL);
	struct run rb = run_stream(b, 5000, 10000, NULL);
	struct run rc = run_stream(c, 5000, 10000, NULL);

	cr_expect(ra.n != rb.n ||
		  memcmp(ra.seq, rb.seq, ra.n * sizeof(uint32_t)) != 0,
		  "seed 11 and 12 gave the same output");
	cr_expect(ra.n != rc.n ||
		  memcmp(ra.seq, rc.seq, ra.n * sizeof(uint32_t)) != 0,
		  "two names with one seed gave the same output");
	free(ra.seq);
	free(rb.seq);
	free(rc.seq);
	impair_free(a);
	impair_free(b);
	impair_free(c);
	expect_no_leak();
}

/* 100k packets: sd of a 5% count is ~69, of a 1% count ~31. */
#define N_STAT 100000

Test(impair_burst, loss_rate_within_bounds)
{
	struct impair *im = mk_impair("loss=5%,seed=1", "loss");
	struct run r = run_stream(im, N_STAT, 1000, NULL);

	cr_expect_geq(r.c.lost, 4500);
	cr_expect_leq(r.c.lost, 5500);
	cr_expect_eq(r.n, N_STAT - r.c.lost);
	for (uint32_t i = 1; i < r.n; i++)
		cr_assert_lt(r.seq[i - 1], r.seq[i], "loss alone reordered");
	expect_balanced(&r.c);
	free(r.seq);
	impair_free(im);
	expect_no_leak();
}

/* Every duplicate must be an independent, intact copy. */
static void
check_intact(struct rte_mbuf *m, uint32_t pos)
{
	cr_assert_eq(rte_mbuf_refcnt_read(m), 1);
	cr_assert(RTE_MBUF_DIRECT(m));
	cr_assert_eq(m->pool, pool);
	cr_assert_eq(bits_off(m, seq_of(m)), 0);
}

Test(impair_burst, dup_rate_within_bounds)
{
	struct impair *im = mk_impair("dup=1%,seed=2", "dup");
	struct run r = run_stream(im, N_STAT, 1000, check_intact);
	uint32_t twice = 0;

	cr_expect_geq(r.c.duplicated, 850);
	cr_expect_leq(r.c.duplicated, 1150);
	cr_expect_eq(r.n, N_STAT + r.c.duplicated);
	for (uint32_t i = 1; i < r.n; i++) {
		cr_assert_leq(r.seq[i - 1], r.seq[i]);
		twice += r.seq[i - 1] == r.seq[i];
	}
	cr_expect_eq(twice, r.c.duplicated, "a copy follows its original");
	free(r.seq);
	impair_free(im);
	expect_no_leak();
}

Test(impair_burst, duplicate_is_independent)
{
	struct impair *im = mk_impair("dup=100%", "dup-all");
	struct rte_mbuf *pkts[4] = { mk(7, PKT_LEN) };

	cr_assert_eq(impair_burst(im, pkts, 1, 4, T0), 2);
	cr_assert_neq(pkts[0], pkts[1]);
	cr_expect_eq(rte_mbuf_refcnt_read(pkts[0]), 1);
	cr_expect_eq(rte_mbuf_refcnt_read(pkts[1]), 1);
	rte_pktmbuf_free(pkts[0]);
	cr_expect_eq(bits_off(pkts[1], 7), 0, "freeing one kept the other");
	rte_pktmbuf_free(pkts[1]);
	impair_free(im);
	expect_no_leak();
}

static uint32_t bad_pkts;

/* A corrupted packet differs from its pattern in exactly one bit. With no
 * reordering the output position is the sequence number. */
static void
check_corrupt(struct rte_mbuf *m, uint32_t pos)
{
	unsigned int bits = bits_off(m, pos);

	cr_assert_leq(bits, 1, "packet %u: %u bits flipped", pos, bits);
	bad_pkts += bits;
}

Test(impair_burst, corrupt_rate_and_one_bit_each)
{
	struct impair *im = mk_impair("corrupt=1%,seed=3", "corrupt");
	struct run r;

	bad_pkts = 0;
	r = run_stream(im, N_STAT, 1000, check_corrupt);
	cr_expect_eq(r.n, N_STAT);
	cr_expect_eq(bad_pkts, r.c.corrupted);
	cr_expect_geq(r.c.corrupted, 850);
	cr_expect_leq(r.c.corrupted, 1150);
	free(r.seq);
	impair_free(im);
	expect_no_leak();
}

Test(impair_burst, corrupt_flips_exactly_one_bit_anywhere)
{
	struct impair *im = mk_impair("corrupt=100%,seed=4", "corrupt-all");
	uint32_t hit[PKT_LEN] = { 0 }, bit[8] = { 0 };
	uint32_t spread = 0;

	for (uint32_t i = 0; i < 4000; i++) {
		struct rte_mbuf *m = mk(i, PKT_LEN);
		uint8_t *p = rte_pktmbuf_mtod(m, uint8_t *);

		cr_assert_eq(impair_burst(im, &m, 1, 1, T0), 1);
		cr_assert_eq(bits_off(m, i), 1);
		for (uint32_t j = 0; j < PKT_LEN; j++) {
			uint8_t want = j < 4 ? ((uint8_t *)&i)[j] : pattern(i, j);

			hit[j] += p[j] != want;
			if (p[j] != want)
				bit[__builtin_ctz(p[j] ^ want)]++;
		}
		rte_pktmbuf_free(m);
	}
	for (uint32_t j = 0; j < PKT_LEN; j++)
		spread += hit[j] != 0;
	cr_expect_eq(spread, PKT_LEN, "only %u of %u offsets ever hit",
		     spread, PKT_LEN);
	for (int b = 0; b < 8; b++)
		cr_expect_gt(bit[b], 350, "bit %d flipped %u times in 4000", b,
			     bit[b]);
	impair_free(im);
	expect_no_leak();
}

Test(impair_burst, corrupt_reaches_every_segment_of_a_chain)
{
	struct impair *im = mk_impair("corrupt=100%,seed=5", "corrupt-chain");
	uint32_t in_tail = 0;

	for (uint32_t i = 0; i < 400; i++) {
		struct rte_mbuf *m = mk(i, 51), *t = rte_pktmbuf_alloc(pool);
		uint8_t *p = (uint8_t *)rte_pktmbuf_append(t, 49);
		uint8_t before[49];

		for (uint32_t j = 0; j < 49; j++)
			p[j] = pattern(i, 51 + j);
		memcpy(before, p, sizeof(before));
		cr_assert_eq(rte_pktmbuf_chain(m, t), 0);
		cr_assert_eq(impair_burst(im, &m, 1, 1, T0), 1);
		cr_assert_eq(bits_off(m, i), 1);
		in_tail += memcmp(before, p, sizeof(before)) != 0;
		rte_pktmbuf_free(m);
	}
	cr_expect_gt(in_tail, 100, "tail segment hit %u times", in_tail);
	cr_expect_lt(in_tail, 300, "tail segment hit %u times", in_tail);
	impair_free(im);
	expect_no_leak();
}

Test(impair_burst, corrupt_copies_shared_data)
{
	struct impair *im = mk_impair("corrupt=100%", "corrupt-shared");
	struct rte_mbuf *m = mk(9, PKT_LEN), *c = rte_pktmbuf_clone(m, pool);
	struct rte_mbuf *out = c;

	/* c is what a TCP stack sends; m is its retransmit queue's copy. */
	cr_assert_not_null(c);
	cr_assert_eq(impair_burst(im, &out, 1, 1, T0), 1);
	cr_expect_neq(out, c);
	cr_expect_eq(bits_off(out, 9), 1);
	cr_expect_eq(bits_off(m, 9), 0, "the retransmit copy was corrupted");
	cr_expect_eq(rte_mbuf_refcnt_read(m), 1, "the clone was freed");
	rte_pktmbuf_free(out);
	rte_pktmbuf_free(m);
	impair_free(im);
	expect_no_leak();
}

Test(impair_burst, corrupt_clears_rx_checksum_verdicts)
{
	struct impair *im = mk_impair("corrupt=100%", "corrupt-rx");
	struct rte_mbuf *m = mk(1, PKT_LEN);

	m->ol_flags |= RTE_MBUF_F_RX_IP_CKSUM_GOOD | RTE_MBUF_F_RX_L4_CKSUM_GOOD;
	cr_assert_eq(impair_burst(im, &m, 1, 1, T0), 1);
	cr_expect_eq(m->ol_flags & RTE_MBUF_F_RX_IP_CKSUM_MASK,
		     RTE_MBUF_F_RX_IP_CKSUM_UNKNOWN);
	cr_expect_eq(m->ol_flags & RTE_MBUF_F_RX_L4_CKSUM_MASK,
		     RTE_MBUF_F_RX_L4_CKSUM_UNKNOWN);
	rte_pktmbuf_free(m);
	impair_free(im);
	expect_no_leak();
}

#define HDRS (RTE_ETHER_HDR_LEN + sizeof(struct rte_ipv4_hdr) + \
	      sizeof(struct rte_tcp_hdr))

/* Ethernet + IPv4 + TCP + @p plen payload bytes, flat, headers zeroed
 * but for what the checksums need. */
static void
build_tcp(uint8_t *buf, uint16_t plen, uint32_t salt)
{
	struct rte_ipv4_hdr *ip = (void *)(buf + RTE_ETHER_HDR_LEN);
	struct rte_tcp_hdr *th = (void *)(ip + 1);

	memset(buf, 0, HDRS);
	((struct rte_ether_hdr *)buf)->ether_type =
		rte_cpu_to_be_16(RTE_ETHER_TYPE_IPV4);
	ip->version_ihl = RTE_IPV4_VHL_DEF;
	ip->total_length = rte_cpu_to_be_16(sizeof(*ip) + sizeof(*th) + plen);
	ip->time_to_live = 64;
	ip->next_proto_id = IPPROTO_TCP;
	ip->src_addr = rte_cpu_to_be_32(0xc6120001);	/* 198.18.0.1 */
	ip->dst_addr = rte_cpu_to_be_32(0xc6120002);
	th->src_port = rte_cpu_to_be_16(1000 + salt);
	th->dst_port = rte_cpu_to_be_16(80);
	th->data_off = 5 << 4;
	for (uint16_t i = 0; i < plen; i++)
		buf[HDRS + i] = pattern(salt, i);
}

/*
 * A TX packet asking for checksum offload: impair must compute the
 * checksums itself before the flip (the NIC would checksum the damage),
 * also over a chain whose first segment has an odd length, and drop the
 * offload request. The result is a correctly checksummed packet with
 * exactly one bit flipped.
 */
Test(impair_burst, corrupt_finalises_tx_checksum_offload)
{
	struct impair *im = mk_impair("corrupt=100%,seed=6", "corrupt-tx");

	for (uint32_t i = 0; i < 300; i++) {
		uint16_t plen = 40 + i % 17, head = 13 + (i % 3);
		uint8_t ref[HDRS + 64], got[HDRS + 64];
		struct rte_ipv4_hdr *rip = (void *)(ref + RTE_ETHER_HDR_LEN);
		struct rte_mbuf *m = rte_pktmbuf_alloc(pool);
		struct rte_mbuf *t = rte_pktmbuf_alloc(pool);
		struct rte_ipv4_hdr *ip;
		struct rte_tcp_hdr *th;
		const uint8_t *p;
		unsigned int bits = 0;

		/* The reference: checksums done right, in one flat buffer. */
		build_tcp(ref, plen, i);
		rip->hdr_checksum = rte_ipv4_cksum(rip);
		((struct rte_tcp_hdr *)(rip + 1))->cksum =
			rte_ipv4_udptcp_cksum(rip, rip + 1);

		/* The packet: same bytes, split at an odd offset, offload asked. */
		memcpy(rte_pktmbuf_append(m, HDRS + head), ref, HDRS + head);
		memcpy(rte_pktmbuf_append(t, plen - head), ref + HDRS + head,
		       plen - head);
		cr_assert_eq(rte_pktmbuf_chain(m, t), 0);
		m->l2_len = RTE_ETHER_HDR_LEN;
		m->l3_len = sizeof(struct rte_ipv4_hdr);
		m->ol_flags |= RTE_MBUF_F_TX_IPV4 | RTE_MBUF_F_TX_IP_CKSUM |
			       RTE_MBUF_F_TX_TCP_CKSUM;
		ip = rte_pktmbuf_mtod_offset(m, void *, RTE_ETHER_HDR_LEN);
		th = (void *)(ip + 1);
		ip->hdr_checksum = 0;
		th->cksum = rte_ipv4_phdr_cksum(ip, m->ol_flags);

		cr_assert_eq(impair_burst(im, &m, 1, 1, T0), 1);
		cr_expect_eq(m->ol_flags & (RTE_MBUF_F_TX_IP_CKSUM |
					    RTE_MBUF_F_TX_L4_MASK), 0);
		cr_assert_eq(m->pkt_len, HDRS + plen);
		p = rte_pktmbuf_read(m, 0, m->pkt_len, got);
		for (uint32_t j = 0; j < m->pkt_len; j++)
			bits += __builtin_popcount(p[j] ^ ref[j]);
		cr_expect_eq(bits, 1, "packet %u: %u bits off the reference",
			     i, bits);
		rte_pktmbuf_free(m);
	}
	impair_free(im);
	expect_no_leak();
}

/* Reordering: a held-back packet leaves exactly after 'gap' later ones,
 * and no other packet moves forward. */
static void
check_reorder(uint16_t gap, const char *spec)
{
	struct impair *im = mk_impair(spec, "reorder");
	struct run r = run_stream(im, N_STAT, 1000, NULL);
	uint8_t *seen = calloc(N_STAT, 1);
	uint32_t at_gap = 0, descents = 0;

	cr_assert_eq(r.n, N_STAT, "reorder lost or added packets");
	for (uint32_t pos = 0; pos < r.n; pos++) {
		int64_t disp = (int64_t)pos - r.seq[pos];

		cr_assert_lt(r.seq[pos], N_STAT);
		cr_assert_not(seen[r.seq[pos]], "seq %u twice", r.seq[pos]);
		seen[r.seq[pos]] = 1;
		cr_assert_leq(disp, gap, "seq %u moved back %ld", r.seq[pos],
			      disp);
		at_gap += disp == gap;
		descents += pos > 0 && r.seq[pos] < r.seq[pos - 1];
	}
	cr_expect_geq(r.c.reordered, 4500);
	cr_expect_leq(r.c.reordered, 5500);
	/* Only packets held at the very end leave by timeout instead. */
	cr_expect_leq(r.c.reordered - at_gap, gap, "%lu held, %u at gap %u",
		      r.c.reordered, at_gap, gap);
	cr_expect_geq(descents, r.c.reordered * 9 / 10 / gap);
	free(seen);
	free(r.seq);
	impair_free(im);
	expect_no_leak();
}

Test(impair_burst, reorder_rate_and_gap_one)
{
	check_reorder(1, "reorder=5%,seed=7");
}

Test(impair_burst, reorder_gap_three)
{
	check_reorder(3, "reorder=5%,gap=3,seed=8");
}

Test(impair_burst, reorder_hold_times_out)
{
	struct impair *im = mk_impair("reorder=100%", "reorder-timeout");
	struct rte_mbuf *m = mk(1, PKT_LEN);

	cr_assert_eq(impair_burst(im, &m, 1, 1, T0), 0, "held back");
	cr_assert_eq(impair_burst(im, &m, 0, 1,
				  T0 + IMPAIR_REORDER_HOLD_NS - 1), 0);
	cr_assert_eq(impair_burst(im, &m, 0, 1, T0 + IMPAIR_REORDER_HOLD_NS), 1,
		     "never came back without later traffic");
	cr_expect_eq(seq_of(m), 1);
	rte_pktmbuf_free(m);
	impair_free(im);
	expect_no_leak();
}

Test(impair_burst, delay_holds_until_due_and_n0_drains)
{
	struct impair *im = mk_impair("delay=200us", "delay");
	struct rte_mbuf *pkts[BURST];
	struct impair_counters c;

	for (int i = 0; i < BURST; i++)
		pkts[i] = mk(i, PKT_LEN);
	cr_assert_eq(impair_burst(im, pkts, BURST, BURST, T0), 0);
	cr_assert_eq(impair_burst(im, pkts, 0, BURST, T0 + 199999), 0,
		     "released before its due time");
	cr_assert_eq(impair_burst(im, pkts, 0, 8, T0 + 200000), 8);
	for (int i = 0; i < 8; i++) {
		cr_expect_eq(seq_of(pkts[i]), (uint32_t)i);
		rte_pktmbuf_free(pkts[i]);
	}
	cr_assert_eq(impair_burst(im, pkts, 0, BURST, T0 + 200001), BURST - 8);
	for (int i = 0; i < BURST - 8; i++) {
		cr_expect_eq(seq_of(pkts[i]), (uint32_t)(8 + i));
		rte_pktmbuf_free(pkts[i]);
	}
	impair_counters(im, &c);
	cr_expect_eq(c.delayed, BURST);
	cr_expect_eq(c.held, 0);
	impair_free(im);
	expect_no_leak();
}

/* One packet every 7 us, polled every microsecond: each leaves within
 * [delay - jitter, delay + jitter] of its arrival, and never overtakes. */
Test(impair_burst, jitter_stays_in_bounds_and_keeps_order)
{
	enum { N = 3000, D = 100000, J = 80000, POLL = 1000, GAP = 7000 };
	struct impair *im = mk_impair("delay=100us,jitter=80us,seed=9", "jit");
	uint32_t next_out = 0, sent = 0, distinct = 0;
	uint64_t last_lat = 0;

	for (uint64_t now = 0; next_out < N; now += POLL) {
		struct rte_mbuf *pkts[4];
		uint16_t n = 0, k;

		if (sent < N && now == (uint64_t)sent * GAP)
			pkts[n++] = mk(sent++, PKT_LEN);
		k = impair_burst(im, pkts, n, RTE_DIM(pkts), T0 + now);
		for (uint16_t i = 0; i < k; i++) {
			uint32_t s = seq_of(pkts[i]);
			uint64_t lat = now - (uint64_t)s * GAP;

			cr_assert_eq(s, next_out, "jitter reordered");
			next_out++;
			cr_assert_geq(lat, D - J, "seq %u left after %lu ns", s,
				      lat);
			cr_assert_lt(lat, D + J + POLL, "seq %u left after %lu ns",
				     s, lat);
			distinct += lat != last_lat;
			last_lat = lat;
			rte_pktmbuf_free(pkts[i]);
		}
	}
	cr_expect_gt(distinct, N / 4, "latency hardly varies: no jitter?");
	impair_free(im);
	expect_no_leak();
}

Test(impair_burst, rate_serialises_packets)
{
	/* 1000-byte packets at 1 Gbit/s: one every 8 us. */
	struct impair *im = mk_impair("rate=1G,delay=1us", "rate");
	struct rte_mbuf *pkts[10];

	for (int i = 0; i < 10; i++)
		pkts[i] = mk(i, 1000);
	cr_assert_eq(impair_burst(im, pkts, 10, 10, T0), 0);
	for (uint32_t i = 0; i < 10; i++) {
		uint64_t due = T0 + 8000 * (i + 1) + 1000;

		cr_assert_eq(impair_burst(im, pkts, 0, 10, due - 1), 0,
			     "packet %u early", i);
		cr_assert_eq(impair_burst(im, pkts, 0, 10, due), 1,
			     "packet %u late", i);
		cr_expect_eq(seq_of(pkts[0]), i);
		rte_pktmbuf_free(pkts[0]);
	}
	impair_free(im);
	expect_no_leak();
}

Test(impair_burst, hold_queue_overflow_counted_and_dropped)
{
	struct impair *im = mk_impair("delay=1ms,limit=64", "overflow");
	struct rte_mbuf *pkts[BURST];
	struct impair_counters c;
	uint32_t seq = 0, out = 0;

	for (int b = 0; b < 3; b++) {
		for (int i = 0; i < BURST; i++)
			pkts[i] = mk(seq++, PKT_LEN);
		cr_assert_eq(impair_burst(im, pkts, BURST, BURST, T0), 0);
	}
	impair_counters(im, &c);
	cr_expect_eq(c.overflow, BURST);
	cr_expect_eq(c.held, 64);
	expect_balanced(&c);
	for (uint16_t k; (k = impair_burst(im, pkts, 0, BURST, T0 + 1000000)) != 0;)
		for (uint16_t i = 0; i < k; i++, out++) {
			cr_expect_eq(seq_of(pkts[i]), out, "the first 64 stay");
			rte_pktmbuf_free(pkts[i]);
		}
	cr_expect_eq(out, 64);
	impair_free(im);
	expect_no_leak();
}

Test(impair_burst, free_returns_held_mbufs)
{
	struct impair *im = mk_impair(ALL ",seed=10", "leak");
	struct rte_mbuf *pkts[2 * BURST];
	struct impair_counters c;
	uint64_t now = T0;

	for (uint32_t seq = 0; seq < 5000;) {
		uint16_t k;

		for (int i = 0; i < BURST; i++)
			pkts[i] = mk(seq++, PKT_LEN);
		k = impair_burst(im, pkts, BURST, RTE_DIM(pkts), now);
		for (uint16_t i = 0; i < k; i++)
			rte_pktmbuf_free(pkts[i]);
		now += 5000;
	}
	impair_counters(im, &c);
	cr_assert_gt(c.held, 0, "nothing held: the test proves nothing");
	expect_balanced(&c);
	impair_free(im);
	expect_no_leak();
}

Test(impair_burst, free_returns_held_back_mbufs)
{
	/* Every packet is held back for reordering: 64 fill the stash, the
	 * 65th passes and lets them go into the delay queue, the last 63 are
	 * still held back at the end. */
	struct impair *im = mk_impair("reorder=100%,delay=1ms", "leak-stash");
	struct rte_mbuf *pkts[BURST];
	struct impair_counters c;

	for (uint32_t seq = 0; seq < 4 * BURST;) {
		for (int i = 0; i < BURST; i++)
			pkts[i] = mk(seq++, PKT_LEN);
		cr_assert_eq(impair_burst(im, pkts, BURST, BURST, T0), 0);
	}
	impair_counters(im, &c);
	cr_assert_eq(c.reordered, 4 * BURST - 1);
	cr_assert_eq(c.held, 4 * BURST);
	impair_free(im);
	expect_no_leak();
}

Test(impair_burst, dump_names_the_instance)
{
	struct impair *im = mk_impair("loss=5%,seed=3", "p0-rx-q0");
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	impair_dump(f, im);
	fclose(f);
	cr_expect(strstr(buf, "impair p0-rx-q0: loss=5%,seed=3 in=0 out=0") != NULL,
		  "%s", buf);
	free(buf);
	impair_free(im);
}

Test(impair_burst, create_refuses_bad_conf)
{
	struct impair_conf c;

	impair_conf_init(&c);
	c.loss = IMPAIR_PPB + 1;
	cr_expect_null(impair_create(&c, SOCKET_ID_ANY, "bad"));
	impair_conf_init(&c);
	c.limit = 0;
	cr_expect_null(impair_create(&c, SOCKET_ID_ANY, "bad"));
	impair_conf_init(&c);
	c.dir = 0;
	cr_expect_null(impair_create(&c, SOCKET_ID_ANY, "bad"));
	cr_expect_null(impair_create(NULL, SOCKET_ID_ANY, "bad"));
	impair_free(NULL);
}
