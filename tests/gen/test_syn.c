/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The SYN flood's frames: the incrementally finished checksums must equal
 * the ones computed over the whole headers, for any source, port,
 * sequence and id.
 */
#include <arpa/inet.h>
#include <criterion/criterion.h>
#include <stdlib.h>
#include <string.h>

#include <rte_ip.h>
#include <rte_tcp.h>

#include "syn.h"

static const struct rte_ether_addr a = { { 2, 0, 0, 0, 0, 1 } };
static const struct rte_ether_addr b = { { 2, 0, 0, 0, 0, 2 } };

/* Checksums recomputed from scratch over the frame. */
static void
check(const uint8_t *f)
{
	struct rte_ipv4_hdr ip;
	uint8_t tcp[20 + SYN_TCP_OPT_LEN];
	uint16_t want_ip, want_tcp, got_ip, got_tcp;

	memcpy(&ip, f + RTE_ETHER_HDR_LEN, sizeof(ip));
	memcpy(tcp, f + RTE_ETHER_HDR_LEN + 20, sizeof(tcp));
	got_ip = ip.hdr_checksum;
	got_tcp = ((struct rte_tcp_hdr *)tcp)->cksum;
	ip.hdr_checksum = 0;
	want_ip = rte_ipv4_cksum(&ip);
	((struct rte_tcp_hdr *)tcp)->cksum = 0;
	want_tcp = rte_ipv4_udptcp_cksum(&ip, tcp);
	cr_assert_eq(got_ip, want_ip, "ip %04x want %04x", got_ip, want_ip);
	/* 0 and 0xffff are the same ones' complement zero; the DPDK helper
	 * writes the UDP form */
	if (want_tcp == 0xffff && got_tcp == 0)
		got_tcp = 0xffff;
	cr_assert_eq(got_tcp, want_tcp, "tcp %04x want %04x", got_tcp,
		     want_tcp);
}

Test(gen_syn, frame_is_a_syn_to_the_target)
{
	struct syn_template t;
	uint8_t f[SYN_FRAME_LEN];
	const struct rte_ether_hdr *eth = (const void *)f;
	const struct rte_ipv4_hdr *ip = (const void *)(f + RTE_ETHER_HDR_LEN);
	const struct rte_tcp_hdr *tcp = (const void *)(f + RTE_ETHER_HDR_LEN + 20);

	syn_template_init(&t, &a, &b, htonl(0xc6120001), htons(80), 1460);
	syn_frame(&t, f, htonl(0xc6130102), htons(40000), 12345, 7);
	cr_assert(rte_is_same_ether_addr(&eth->dst_addr, &b));
	cr_assert(rte_is_same_ether_addr(&eth->src_addr, &a));
	cr_assert_eq(ip->dst_addr, htonl(0xc6120001));
	cr_assert_eq(ip->src_addr, htonl(0xc6130102));
	cr_assert_eq(ntohs(ip->total_length), 52);
	cr_assert_eq(ntohs(ip->packet_id), 7);
	cr_assert_eq(tcp->tcp_flags, RTE_TCP_SYN_FLAG);
	cr_assert_eq(ntohs(tcp->src_port), 40000);
	cr_assert_eq(ntohs(tcp->dst_port), 80);
	cr_assert_eq(ntohl(tcp->sent_seq), 12345);
	cr_assert_eq(tcp->data_off >> 4, 8);
	/* MSS option first */
	cr_assert_eq(f[RTE_ETHER_HDR_LEN + 40], 2);
	cr_assert_eq((f[RTE_ETHER_HDR_LEN + 42] << 8) | f[RTE_ETHER_HDR_LEN + 43],
		     1460);
	check(f);
}

Test(gen_syn, checksums_hold_for_random_fields)
{
	struct syn_template t;
	uint8_t f[SYN_FRAME_LEN];

	srand(42);
	syn_template_init(&t, &a, &b, htonl(0xc6120001), htons(8080), 1400);
	for (int i = 0; i < 100000; i++) {
		uint32_t src = ((uint32_t)rand() << 16) ^ (uint32_t)rand();
		uint32_t seq = ((uint32_t)rand() << 16) ^ (uint32_t)rand();

		syn_frame(&t, f, src, (uint16_t)rand(), seq, (uint16_t)rand());
		check(f);
	}
	/* the corners: all zero and all ones */
	syn_frame(&t, f, 0, 0, 0, 0);
	check(f);
	syn_frame(&t, f, 0xffffffff, 0xffff, 0xffffffff, 0xffff);
	check(f);
}
