/* SPDX-License-Identifier: BSD-3-Clause */
#include <string.h>

#include <rte_ip.h>
#include <rte_tcp.h>

#include "syn.h"

#define IP_OFF RTE_ETHER_HDR_LEN
#define TCP_OFF (IP_OFF + 20)
#define TCP_LEN (20 + SYN_TCP_OPT_LEN)

/* Ones' complement sum of @p len bytes (even) as 16-bit memory words.
 * The bytes were written through header structs: the words are read
 * with memcpy, which may alias them (a plain uint16_t load may not, and
 * -O3 did hoist it above the stores). */
static uint32_t
sum16(const void *p, size_t len)
{
	const uint8_t *b = p;
	uint32_t s = 0;

	for (size_t i = 0; i + 1 < len; i += 2) {
		uint16_t w;

		memcpy(&w, b + i, sizeof(w));
		s += w;
	}
	return s;
}

static uint16_t
fold(uint64_t s)
{
	while (s >> 16)
		s = (s & 0xffff) + (s >> 16);
	return (uint16_t)s;
}

void
syn_template_init(struct syn_template *t, const struct rte_ether_addr *src_mac,
		  const struct rte_ether_addr *dst_mac, rte_be32_t dst,
		  rte_be16_t dport, uint16_t mss)
{
	struct rte_ether_hdr *eth = (struct rte_ether_hdr *)t->frame;
	struct rte_ipv4_hdr *ip = (struct rte_ipv4_hdr *)(t->frame + IP_OFF);
	struct rte_tcp_hdr *tcp = (struct rte_tcp_hdr *)(t->frame + TCP_OFF);
	uint8_t *opt = (uint8_t *)(tcp + 1);
	struct {
		rte_be32_t src, dst;
		uint8_t zero, proto;
		rte_be16_t len;
	} __rte_packed ph;

	memset(t, 0, sizeof(*t));
	eth->dst_addr = *dst_mac;
	eth->src_addr = *src_mac;
	eth->ether_type = rte_cpu_to_be_16(RTE_ETHER_TYPE_IPV4);
	ip->version_ihl = RTE_IPV4_VHL_DEF;
	ip->total_length = rte_cpu_to_be_16(20 + TCP_LEN);
	ip->fragment_offset = rte_cpu_to_be_16(RTE_IPV4_HDR_DF_FLAG);
	ip->time_to_live = 64;
	ip->next_proto_id = IPPROTO_TCP;
	ip->dst_addr = dst;
	tcp->dst_port = dport;
	tcp->data_off = (uint8_t)((TCP_LEN / 4) << 4);
	tcp->tcp_flags = RTE_TCP_SYN_FLAG;
	tcp->rx_win = rte_cpu_to_be_16(64240);
	/* MSS; NOP, window scale 7; NOP, NOP, SACK permitted */
	opt[0] = 2; opt[1] = 4; opt[2] = (uint8_t)(mss >> 8); opt[3] = (uint8_t)mss;
	opt[4] = 1; opt[5] = 3; opt[6] = 3; opt[7] = 7;
	opt[8] = 1; opt[9] = 1; opt[10] = 4; opt[11] = 2;

	/* Source, id, port, sequence and checksums are zero here. */
	t->ip_sum = sum16(ip, 20);
	memset(&ph, 0, sizeof(ph));
	ph.dst = dst;
	ph.proto = IPPROTO_TCP;
	ph.len = rte_cpu_to_be_16(TCP_LEN);
	t->tcp_sum = sum16(&ph, sizeof(ph)) + sum16(tcp, TCP_LEN);
}

void
syn_frame(const struct syn_template *t, void *out, rte_be32_t src,
	  rte_be16_t sport, uint32_t seq, uint16_t ip_id)
{
	uint8_t *f = out;
	struct rte_ipv4_hdr *ip = (struct rte_ipv4_hdr *)(f + IP_OFF);
	struct rte_tcp_hdr *tcp = (struct rte_tcp_hdr *)(f + TCP_OFF);
	rte_be32_t bseq = rte_cpu_to_be_32(seq);
	rte_be16_t bid = rte_cpu_to_be_16(ip_id);
	uint64_t s;

	memcpy(f, t->frame, SYN_FRAME_LEN);
	ip->src_addr = src;
	ip->packet_id = bid;
	tcp->src_port = sport;
	tcp->sent_seq = bseq;
	/* The same 16-bit memory words the full sums would read. */
	s = (uint64_t)t->ip_sum + (src & 0xffff) + (src >> 16) + bid;
	ip->hdr_checksum = (uint16_t)~fold(s);
	s = (uint64_t)t->tcp_sum + (src & 0xffff) + (src >> 16) + sport +
		(bseq & 0xffff) + (bseq >> 16);
	tcp->cksum = (uint16_t)~fold(s);
}
