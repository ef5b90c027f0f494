/* SPDX-License-Identifier: BSD-3-Clause */
/* lib/wire/cksum.h against a byte-array reference, on chains whose
 * segments have odd lengths (where DPDK 22.11's mbuf checksum goes wrong). */
#include <stdlib.h>

#include <criterion/criterion.h>

#include "harness.h"
#include "wire/cksum.h"

TestSuite(cksum, .init = h_setup, .fini = h_teardown);

/* Split @p len into 1..8 random segments, odd lengths likely. */
static struct rte_mbuf *
random_chain(const uint8_t *buf, uint32_t len)
{
	uint16_t segs[8];
	unsigned int n = 1 + rand() % 8;

	for (unsigned int i = 0; i < n; i++)
		segs[i] = (uint16_t)(rand() % 2 ? rand() % 64 * 2 + 1 :
				     rand() % 700);
	return h_chain(0, buf, len, segs, n);
}

static void
fill_random(uint8_t *buf, uint32_t len)
{
	for (uint32_t i = 0; i < len; i++)
		buf[i] = (uint8_t)rand();
}

HTEST(cksum, rfc1071_example)
{
	/* RFC 1071 section 3: the sum of these words is ddf2. */
	static const uint8_t b[] = { 0x00, 0x01, 0xf2, 0x03,
				     0xf4, 0xf5, 0xf6, 0xf7 };
	struct rte_mbuf *m = h_mbuf(0, b, sizeof(b));

	cr_assert_eq(rte_be_to_cpu_16(cksum_mbuf_raw(m, 0, sizeof(b))), 0xddf2);
	cr_assert_eq(rte_be_to_cpu_16(cksum_mbuf(m, 0, sizeof(b))), 0x220d);
	rte_pktmbuf_free(m);
}

HTEST(cksum, random_chains_match_reference)
{
	static uint8_t buf[4096];

	srand(1);
	for (int it = 0; it < 400; it++) {
		uint32_t len = 1 + rand() % 2000;
		struct rte_mbuf *m;
		uint32_t off, n;

		fill_random(buf, len);
		m = random_chain(buf, len);
		off = rand() % len;
		n = rand() % (len - off + 1);
		cr_assert_eq(rte_be_to_cpu_16(cksum_mbuf(m, off, n)),
			     h_ref_cksum(buf + off, n, 0),
			     "len %u off %u n %u segs %u", len, off, n,
			     m->nb_segs);
		rte_pktmbuf_free(m);
	}
}

HTEST(cksum, one_byte_segments)
{
	uint8_t buf[33];
	uint16_t segs[8] = { 1, 1, 1, 3, 1, 5, 1, 1 };
	struct rte_mbuf *m;

	memset(buf, 0xff, sizeof(buf));
	buf[5] = 0x12;
	m = h_chain(0, buf, sizeof(buf), segs, 8);
	for (uint32_t off = 0; off < sizeof(buf); off++)
		cr_assert_eq(rte_be_to_cpu_16(cksum_mbuf(m, off,
						sizeof(buf) - off)),
			     h_ref_cksum(buf + off, sizeof(buf) - off, 0),
			     "off %u", off);
	rte_pktmbuf_free(m);
}

HTEST(cksum, carries_across_segments)
{
	/* All-ones data makes every partial sum carry: the case a 16-bit
	 * truncation before the byte swap gets wrong. */
	static uint8_t buf[3001];
	uint16_t segs[4] = { 999, 1001, 1 };
	struct rte_mbuf *m;

	memset(buf, 0xff, sizeof(buf));
	buf[0] = 0x01;
	m = h_chain(0, buf, sizeof(buf), segs, 4);
	cr_assert_eq(m->nb_segs, 4);
	cr_assert_eq(rte_be_to_cpu_16(cksum_mbuf(m, 0, sizeof(buf))),
		     h_ref_cksum(buf, sizeof(buf), 0));
	rte_pktmbuf_free(m);
}

HTEST(cksum, offset_past_whole_segments)
{
	uint8_t buf[300];
	uint16_t segs[4] = { 7, 9, 11 };
	struct rte_mbuf *m;

	fill_random(buf, sizeof(buf));
	m = h_chain(0, buf, sizeof(buf), segs, 4);
	cr_assert_eq(rte_be_to_cpu_16(cksum_mbuf(m, 27, 100)),
		     h_ref_cksum(buf + 27, 100, 0));
	cr_assert_eq(rte_be_to_cpu_16(cksum_mbuf(m, 16, 11)),
		     h_ref_cksum(buf + 16, 11, 0));
	rte_pktmbuf_free(m);
}

HTEST(cksum, empty_range_is_all_ones)
{
	uint8_t b[4] = { 1, 2, 3, 4 };
	struct rte_mbuf *m = h_mbuf(0, b, 4);

	cr_assert_eq(cksum_mbuf(m, 2, 0), 0xffff);
	cr_assert_eq(cksum_mbuf_raw(m, 4, 0), 0);
	rte_pktmbuf_free(m);
}

HTEST(cksum, range_holding_its_checksum_verifies_to_zero)
{
	uint8_t buf[101];
	uint16_t segs[3] = { 3, 50 };
	uint16_t c;
	struct rte_mbuf *m;

	fill_random(buf, sizeof(buf));
	buf[10] = buf[11] = 0;
	c = h_ref_cksum(buf, sizeof(buf), 0);
	buf[10] = c >> 8;
	buf[11] = c & 0xff;
	m = h_chain(0, buf, sizeof(buf), segs, 3);
	cr_assert_eq(cksum_mbuf(m, 0, sizeof(buf)), 0);
	buf[50] ^= 0x40;
	rte_pktmbuf_free(m);
	m = h_chain(0, buf, sizeof(buf), segs, 3);
	cr_assert_neq(cksum_mbuf(m, 0, sizeof(buf)), 0);
	rte_pktmbuf_free(m);
}

HTEST(cksum, tcp_pseudo_header_on_random_chains)
{
	static uint8_t pkt[2100];

	srand(2);
	for (int it = 0; it < 200; it++) {
		uint32_t plen = rand() % 1400, len;
		struct rte_mbuf *m;
		const struct rte_ipv4_hdr *ip;
		uint16_t segs[8];
		unsigned int n = 1 + rand() % 6;
		uint8_t l4[2048];

		/* IP + TCP header stay in the first segment, as from a NIC */
		segs[0] = 40 + rand() % 40;
		for (unsigned int i = 1; i < n; i++)
			segs[i] = 1 + rand() % 301;
		len = h_tcp(l4, H_PEER, H_LOCAL, 1234, 80, 0, plen);
		len = h_ipv4(pkt, H_PEER, H_LOCAL, IPPROTO_TCP, 0, l4, len);
		m = h_chain(0, pkt, len, segs, n);
		ip = rte_pktmbuf_mtod(m, const struct rte_ipv4_hdr *);
		/* A correct segment sums to zero... */
		cr_assert_eq(cksum_ipv4_l4(ip, m, 20), 0, "it %d", it);
		/* ...and with the field zeroed gives what h_tcp stored. */
		rte_pktmbuf_mtod_offset(m, uint8_t *, 36)[0] = 0;
		rte_pktmbuf_mtod_offset(m, uint8_t *, 37)[0] = 0;
		cr_assert_eq(rte_be_to_cpu_16(cksum_ipv4_l4(ip, m, 20)),
			     (uint16_t)(pkt[36] << 8 | pkt[37]));
		rte_pktmbuf_free(m);
	}
}

HTEST(cksum, icmp_has_no_pseudo_header)
{
	uint8_t l4[300], pkt[400];
	uint32_t n = h_icmp_echo(l4, 1, 2, 77);
	uint16_t segs[2] = { 31 };
	struct rte_mbuf *m;

	n = h_ipv4(pkt, H_PEER, H_LOCAL, IPPROTO_ICMP, 0, l4, n);
	m = h_chain(0, pkt, n, segs, 2);
	cr_assert_eq(cksum_ipv4_l4(rte_pktmbuf_mtod(m, struct rte_ipv4_hdr *),
				   m, 20), 0);
	rte_pktmbuf_free(m);
}

HTEST(cksum, pseudo_header_matches_dpdk)
{
	struct rte_ipv4_hdr ip = {
		.version_ihl = RTE_IPV4_VHL_DEF,
		.total_length = RTE_BE16(20 + 1011),
		.next_proto_id = IPPROTO_TCP,
		.src_addr = H_LOCAL,
		.dst_addr = H_REMOTE,
	};

	cr_assert_eq(cksum_ipv4_pseudo(ip.src_addr, ip.dst_addr, IPPROTO_TCP,
				       1011),
		     rte_ipv4_phdr_cksum(&ip, 0));
}

HTEST(cksum, adjust16_matches_recompute)
{
	uint8_t buf[64];

	srand(3);
	for (int it = 0; it < 2000; it++) {
		uint16_t c, old, new, w = (uint16_t)(rand() % 31) * 2;

		fill_random(buf, sizeof(buf));
		buf[2] = buf[3] = 0;
		if (it % 2 == 0)
			memset(buf, 0, sizeof(buf));	/* edge: -0 / +0 */
		c = ~cksum_fold(__rte_raw_cksum(buf, sizeof(buf), 0));
		memcpy(buf + 2, &c, 2);
		memcpy(&old, buf + 2 + w, 2);
		new = (uint16_t)rand();
		if (w == 0)
			continue;	/* the checksum word itself */
		memcpy(buf + 2 + w, &new, 2);
		c = cksum_adjust16(c, old, new);
		memcpy(buf + 2, &c, 2);
		cr_assert_eq(cksum_fold(__rte_raw_cksum(buf, sizeof(buf), 0)),
			     0xffff, "it %d", it);
	}
}

HTEST(cksum, fold_handles_double_carry)
{
	cr_assert_eq(cksum_fold(0xffffffff), 0xffff);
	cr_assert_eq(cksum_fold(0x0001ffff), 0x0001);
	cr_assert_eq(cksum_fold(0), 0);
}

/* Over a received header (checksum in place), hdr20 says 0 exactly when
 * DPDK's generic sum says the header is right, bit flips included. */
HTEST(cksum, ipv4_header_check_matches_dpdk)
{
	unsigned int good = 0;

	srand(5);
	for (int i = 0; i < 20000; i++) {
		struct rte_ipv4_hdr ip;

		fill_random((uint8_t *)&ip, sizeof(ip));
		ip.version_ihl = RTE_IPV4_VHL_DEF;
		ip.hdr_checksum = 0;
		ip.hdr_checksum = rte_ipv4_cksum(&ip);
		if (i % 2 == 1)		/* one flipped bit, anywhere */
			((uint8_t *)&ip)[rand() % sizeof(ip)] ^=
				(uint8_t)(1u << (rand() % 8));
		cr_assert_eq(cksum_ipv4_hdr20(&ip) == 0,
			     rte_raw_cksum(&ip, sizeof(ip)) == 0xffff,
			     "header %d", i);
		good += cksum_ipv4_hdr20(&ip) == 0;
	}
	cr_assert_eq(good, 10000u, "every intact header passes, no flip does");
}

HTEST(cksum, ipv4_header_and_pseudo_header_match_dpdk)
{
	srand(4);
	for (int i = 0; i < 10000; i++) {
		struct rte_ipv4_hdr ip;
		uint16_t l4_len = (uint16_t)(rand() % 1480);

		fill_random((uint8_t *)&ip, sizeof(ip));
		ip.version_ihl = RTE_IPV4_VHL_DEF;
		ip.total_length = rte_cpu_to_be_16(sizeof(ip) + l4_len);
		ip.hdr_checksum = 0;
		cr_assert_eq(cksum_ipv4_hdr20(&ip), rte_ipv4_cksum(&ip),
			     "header %d", i);
		cr_assert_eq(cksum_ipv4_pseudo(ip.src_addr, ip.dst_addr,
					       ip.next_proto_id, l4_len),
			     rte_ipv4_phdr_cksum(&ip, 0), "pseudo-header %d", i);
	}
}
