/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * rss_classify_burst(): a received burst split by owner. TCP/IPv4 goes
 * where its 4-tuple hashes; everything else to worker 0.
 */
#include <errno.h>
#include <string.h>

#include <rte_arp.h>
#include <rte_ether.h>
#include <rte_ip.h>
#include <rte_mempool.h>
#include <rte_tcp.h>

#include "eal.h"
#include "rss/rss.h"

/* RTE_IPV4 shifts an int: 198 << 24 overflows it. */
#define IP4(a, b, c, d) RTE_IPV4((uint32_t)(a), b, c, d)

static struct rte_mempool *pool;
static struct rss_map map;

static const uint8_t sym_key[RSS_KEY_LEN] = {
	0x6d, 0x5a, 0x6d, 0x5a, 0x6d, 0x5a, 0x6d, 0x5a,
	0x6d, 0x5a, 0x6d, 0x5a, 0x6d, 0x5a, 0x6d, 0x5a,
	0x6d, 0x5a, 0x6d, 0x5a, 0x6d, 0x5a, 0x6d, 0x5a,
	0x6d, 0x5a, 0x6d, 0x5a, 0x6d, 0x5a, 0x6d, 0x5a,
	0x6d, 0x5a, 0x6d, 0x5a, 0x6d, 0x5a, 0x6d, 0x5a,
};

#define NB_WORKERS 4

static void
setup(void)
{
	test_eal_up();
	pool = rte_pktmbuf_pool_create("classify", 511, 0, 0,
				       RTE_MBUF_DEFAULT_BUF_SIZE,
				       SOCKET_ID_ANY);
	cr_assert_not_null(pool);
	cr_assert_eq(rss_map_init(&map, sym_key, sizeof(sym_key),
				  NB_WORKERS), 0);
}

static void
teardown(void)
{
	/* every test frees what it built */
	cr_expect_eq(rte_mempool_avail_count(pool), 511);
	rte_mempool_free(pool);
	test_eal_down();
}

TestSuite(rss_classify, .init = setup, .fini = teardown);

/* Options on the frames the builders make. */
struct frame_opt {
	bool l3;		/* bare IPv4, no Ethernet */
	unsigned int vlans;	/* 802.1Q tags before IPv4 */
	uint8_t proto;		/* IPPROTO_TCP unless set */
	uint16_t frag;		/* host-order fragment_offset field */
	unsigned int ip_opt;	/* bytes of IPv4 options (multiple of 4) */
};

static void *
append(struct rte_mbuf *m, size_t len)
{
	void *p = rte_pktmbuf_append(m, len);

	cr_assert_not_null(p);
	memset(p, 0, len);
	return p;
}

static struct rte_mbuf *
frame_ip(const struct frame_opt *o, uint32_t src, uint16_t sport,
	 uint32_t dst, uint16_t dport)
{
	struct rte_mbuf *m = rte_pktmbuf_alloc(pool);
	struct rte_ipv4_hdr *ih;
	struct rte_tcp_hdr *th;
	uint8_t proto = o->proto ? o->proto : IPPROTO_TCP;
	rte_be16_t *type = NULL;

	cr_assert_not_null(m);
	if (!o->l3) {
		struct rte_ether_hdr *eh = append(m, sizeof(*eh));

		eh->dst_addr.addr_bytes[0] = 0x02;
		eh->src_addr.addr_bytes[0] = 0x02;
		type = &eh->ether_type;
		for (unsigned int v = 0; v < o->vlans; v++) {
			struct rte_vlan_hdr *vh = append(m, sizeof(*vh));

			*type = rte_cpu_to_be_16(v == 0 && o->vlans > 1 ?
				RTE_ETHER_TYPE_QINQ : RTE_ETHER_TYPE_VLAN);
			vh->vlan_tci = rte_cpu_to_be_16(100 + v);
			type = &vh->eth_proto;
		}
		*type = rte_cpu_to_be_16(RTE_ETHER_TYPE_IPV4);
	}
	ih = append(m, sizeof(*ih) + o->ip_opt);
	ih->version_ihl = 0x40 | ((sizeof(*ih) + o->ip_opt) / 4);
	ih->total_length = rte_cpu_to_be_16(sizeof(*ih) + o->ip_opt +
					    sizeof(*th));
	ih->time_to_live = 64;
	ih->next_proto_id = proto;
	ih->fragment_offset = rte_cpu_to_be_16(o->frag);
	ih->src_addr = rte_cpu_to_be_32(src);
	ih->dst_addr = rte_cpu_to_be_32(dst);
	th = append(m, sizeof(*th));
	th->src_port = rte_cpu_to_be_16(sport);
	th->dst_port = rte_cpu_to_be_16(dport);
	th->data_off = 5 << 4;
	return m;
}

static struct rte_mbuf *
frame_tcp(uint32_t src, uint16_t sport, uint32_t dst, uint16_t dport)
{
	struct frame_opt o = { 0 };

	return frame_ip(&o, src, sport, dst, dport);
}

static struct rte_mbuf *
frame_arp(void)
{
	struct rte_mbuf *m = rte_pktmbuf_alloc(pool);
	struct rte_ether_hdr *eh;
	struct rte_arp_hdr *ah;

	cr_assert_not_null(m);
	eh = append(m, sizeof(*eh));
	memset(&eh->dst_addr, 0xff, sizeof(eh->dst_addr));
	eh->ether_type = rte_cpu_to_be_16(RTE_ETHER_TYPE_ARP);
	ah = append(m, sizeof(*ah));
	ah->arp_opcode = rte_cpu_to_be_16(RTE_ARP_OP_REQUEST);
	return m;
}

/* The worker a frame from src:sport to dst:dport belongs to. */
static unsigned int
owner(uint32_t src, uint16_t sport, uint32_t dst, uint16_t dport)
{
	struct shoal_endpoints ep = {
		.remote = shoal_addr_v4(rte_cpu_to_be_32(src)),
		.local = shoal_addr_v4(rte_cpu_to_be_32(dst)),
		.rport = rte_cpu_to_be_16(sport),
		.lport = rte_cpu_to_be_16(dport),
	};
	return rss_worker_v4(&map, &ep);
}

static void
free_all(struct rte_mbuf **pkts, unsigned int n)
{
	rte_pktmbuf_free_bulk(pkts, n);
}

/*
 * Classify @p pkts on every worker and check the split against
 * @p want (the owner of each frame): kept and batches in arrival order.
 */
static void
check_split(struct rte_mbuf **pkts, uint16_t n, bool l3,
	    const unsigned int *want)
{
	for (unsigned int me = 0; me < NB_WORKERS; me++) {
		struct rte_mbuf *kept[RSS_BURST_MAX];
		struct rss_batch to[NB_WORKERS];
		unsigned int k = 0, seen[NB_WORKERS] = { 0 };
		int nk;

		for (unsigned int w = 0; w < NB_WORKERS; w++)
			to[w].n = 99;	/* must be reset */
		nk = rss_classify_burst(&map, me, pkts, n, l3, kept, to);
		cr_assert_geq(nk, 0);
		cr_assert_eq(to[me].n, 0);
		for (uint16_t i = 0; i < n; i++) {
			if (want[i] == me) {
				cr_assert_lt(k, (unsigned int)nk);
				cr_assert_eq(kept[k], pkts[i],
					     "me %u frame %u", me, i);
				k++;
			} else {
				unsigned int w = want[i];

				cr_assert_lt(seen[w], to[w].n);
				cr_assert_eq(to[w].pkts[seen[w]], pkts[i],
					     "me %u frame %u -> %u", me, i, w);
				seen[w]++;
			}
		}
		cr_assert_eq(k, (unsigned int)nk);
		for (unsigned int w = 0; w < NB_WORKERS; w++)
			if (w != me)
				cr_assert_eq(seen[w], to[w].n);
	}
}

Test(rss_classify, tcp_frames_go_to_the_owner_of_their_tuple)
{
	struct rte_mbuf *pkts[32];
	unsigned int want[32], per[NB_WORKERS] = { 0 };

	for (unsigned int i = 0; i < RTE_DIM(pkts); i++) {
		uint32_t src = IP4(198, 18, 1, i + 1);
		uint32_t dst = IP4(198, 19, 0, 1);
		uint16_t sport = 40000 + i * 37, dport = 80;

		pkts[i] = frame_tcp(src, sport, dst, dport);
		want[i] = owner(src, sport, dst, dport);
		per[want[i]]++;
	}
	/* the burst must exercise more than one owner */
	unsigned int owners = 0;
	for (unsigned int w = 0; w < NB_WORKERS; w++)
		owners += per[w] != 0;
	cr_assert_geq(owners, 3);
	check_split(pkts, RTE_DIM(pkts), false, want);
	free_all(pkts, RTE_DIM(pkts));
}

Test(rss_classify, both_directions_of_a_flow_have_one_owner)
{
	struct rte_mbuf *pkts[2 * 16];
	unsigned int want[2 * 16];

	for (unsigned int i = 0; i < 16; i++) {
		uint32_t a = IP4(198, 18, 2, i), b = IP4(198, 18, 3, 9);
		uint16_t pa = 1000 + i * 101, pb = 443;

		pkts[2 * i] = frame_tcp(a, pa, b, pb);
		pkts[2 * i + 1] = frame_tcp(b, pb, a, pa);
		want[2 * i] = want[2 * i + 1] = owner(a, pa, b, pb);
		cr_assert_eq(rss_pkt_worker(&map, pkts[2 * i + 1], false),
			     want[2 * i]);
	}
	check_split(pkts, RTE_DIM(pkts), false, want);
	free_all(pkts, RTE_DIM(pkts));
}

Test(rss_classify, arp_and_icmp_belong_to_worker_0)
{
	struct frame_opt icmp = { .proto = IPPROTO_ICMP };
	struct frame_opt udp = { .proto = IPPROTO_UDP };
	struct rte_mbuf *pkts[6];
	unsigned int want[6];
	uint32_t a = IP4(198, 18, 0, 7), b = IP4(198, 18, 0, 1);
	unsigned int tcp_owner;
	uint16_t port;

	/* a TCP frame owned by someone other than 0, between the others */
	for (port = 1000; owner(a, port, b, 80) == 0; port++)
		;
	tcp_owner = owner(a, port, b, 80);
	pkts[0] = frame_arp();
	pkts[1] = frame_ip(&icmp, a, 0, b, 0);
	pkts[2] = frame_tcp(a, port, b, 80);
	pkts[3] = frame_ip(&udp, a, port, b, 80);
	pkts[4] = frame_arp();
	pkts[5] = frame_ip(&icmp, b, 0, a, 0);
	for (unsigned int i = 0; i < 6; i++)
		want[i] = i == 2 ? tcp_owner : 0;
	check_split(pkts, 6, false, want);
	free_all(pkts, 6);
}

Test(rss_classify, l3_port_frames_are_bare_ipv4)
{
	struct frame_opt l3 = { .l3 = true };
	struct frame_opt l3_icmp = { .l3 = true, .proto = IPPROTO_ICMP };
	struct rte_mbuf *pkts[17];
	unsigned int want[17], nonzero = 0;

	for (unsigned int i = 0; i < 16; i++) {
		uint32_t src = IP4(198, 18, 4, i), dst = IP4(198, 18, 0, 1);

		pkts[i] = frame_ip(&l3, src, 5000 + i, dst, 22);
		want[i] = owner(src, 5000 + i, dst, 22);
		nonzero += want[i] != 0;
	}
	pkts[16] = frame_ip(&l3_icmp, IP4(198, 18, 4, 1), 0,
			    IP4(198, 18, 0, 1), 0);
	want[16] = 0;
	cr_assert_gt(nonzero, 0);
	check_split(pkts, 17, true, want);
	/* read as Ethernet, the same frames are not IPv4: all to worker 0 */
	for (unsigned int i = 0; i < 17; i++)
		cr_expect_eq(rss_pkt_worker(&map, pkts[i], false), 0);
	free_all(pkts, 17);
}

Test(rss_classify, vlan_tags_and_ip_options_are_skipped)
{
	struct frame_opt one = { .vlans = 1 }, two = { .vlans = 2 };
	struct frame_opt opts = { .ip_opt = 8 };
	uint32_t dst = IP4(198, 18, 0, 1);

	for (unsigned int i = 0; i < 24; i++) {
		uint32_t src = IP4(198, 18, 5, i);
		uint16_t sport = 20000 + 13 * i;
		unsigned int w = owner(src, sport, dst, 8080);
		struct rte_mbuf *m[3] = {
			frame_ip(&one, src, sport, dst, 8080),
			frame_ip(&two, src, sport, dst, 8080),
			frame_ip(&opts, src, sport, dst, 8080),
		};

		for (unsigned int j = 0; j < 3; j++)
			cr_expect_eq(rss_pkt_worker(&map, m[j], false), w,
				     "frame %u kind %u", i, j);
		free_all(m, 3);
	}
}

Test(rss_classify, fragments_and_truncated_frames_go_to_worker_0)
{
	struct frame_opt mf = { .frag = RTE_IPV4_HDR_MF_FLAG };
	struct frame_opt off = { .frag = 185 };
	struct frame_opt df = { .frag = RTE_IPV4_HDR_DF_FLAG };
	uint32_t src = IP4(198, 18, 6, 6), dst = IP4(198, 18, 0, 1);
	uint16_t sport;
	struct rte_mbuf *m;

	for (sport = 3000; owner(src, sport, dst, 80) == 0; sport++)
		;
	/* DF is no fragment: hashed by its ports */
	m = frame_ip(&df, src, sport, dst, 80);
	cr_expect_eq(rss_pkt_worker(&map, m, false), owner(src, sport, dst, 80));
	rte_pktmbuf_free(m);
	m = frame_ip(&mf, src, sport, dst, 80);
	cr_expect_eq(rss_pkt_worker(&map, m, false), 0);
	rte_pktmbuf_free(m);
	m = frame_ip(&off, src, sport, dst, 80);
	cr_expect_eq(rss_pkt_worker(&map, m, false), 0);
	rte_pktmbuf_free(m);

	/* cut inside the TCP ports, the IPv4 header, the Ethernet header */
	const unsigned int cut[] = { 14 + 20 + 3, 14 + 19, 13, 0 };
	for (unsigned int i = 0; i < RTE_DIM(cut); i++) {
		m = frame_tcp(src, sport, dst, 80);
		cr_assert_eq(rte_pktmbuf_trim(m, m->pkt_len - cut[i]), 0);
		cr_expect_eq(rss_pkt_worker(&map, m, false), 0, "cut %u",
			     cut[i]);
		rte_pktmbuf_free(m);
	}
	/* a header length below 20 is garbage */
	m = frame_tcp(src, sport, dst, 80);
	rte_pktmbuf_mtod_offset(m, struct rte_ipv4_hdr *, 14)->version_ihl =
		0x44;
	cr_expect_eq(rss_pkt_worker(&map, m, false), 0);
	rte_pktmbuf_free(m);
}

Test(rss_classify, headers_split_across_segments)
{
	uint32_t src = IP4(198, 18, 8, 8), dst = IP4(198, 18, 0, 1);
	unsigned int hits = 0;

	for (uint16_t sport = 7000; sport < 7016; sport++) {
		struct rte_mbuf *whole = frame_tcp(src, sport, dst, 25);
		/* split after Ethernet + 12 bytes of IPv4 and after the
		 * source port */
		const unsigned int cuts[] = { 26, 36 };

		for (unsigned int c = 0; c < RTE_DIM(cuts); c++) {
			struct rte_mbuf *h = rte_pktmbuf_alloc(pool);
			struct rte_mbuf *t = rte_pktmbuf_alloc(pool);
			const uint8_t *b = rte_pktmbuf_mtod(whole,
							    const uint8_t *);

			cr_assert(h != NULL && t != NULL);
			memcpy(rte_pktmbuf_append(h, cuts[c]), b, cuts[c]);
			memcpy(rte_pktmbuf_append(t, whole->pkt_len - cuts[c]),
			       b + cuts[c], whole->pkt_len - cuts[c]);
			cr_assert_eq(rte_pktmbuf_chain(h, t), 0);
			cr_expect_eq(rss_pkt_worker(&map, h, false),
				     owner(src, sport, dst, 25));
			hits += owner(src, sport, dst, 25) != 0;
			rte_pktmbuf_free(h);
		}
		rte_pktmbuf_free(whole);
	}
	cr_assert_gt(hits, 0);
}

Test(rss_classify, rejects_oversized_burst_and_unknown_worker)
{
	struct rte_mbuf *pkts[RSS_BURST_MAX + 1] = { NULL };
	struct rte_mbuf *kept[RSS_BURST_MAX + 1];
	struct rss_batch to[NB_WORKERS];

	cr_expect_eq(rss_classify_burst(&map, 0, pkts, RSS_BURST_MAX + 1,
					false, kept, to), -EINVAL);
	cr_expect_eq(rss_classify_burst(&map, NB_WORKERS, pkts, 1, false,
					kept, to), -EINVAL);
	cr_expect_eq(rss_classify_burst(&map, 1, pkts, 0, false, kept, to),
		     0);
}

Test(rss_classify, full_burst_of_64)
{
	struct rte_mbuf *pkts[RSS_BURST_MAX];
	unsigned int want[RSS_BURST_MAX];

	for (unsigned int i = 0; i < RSS_BURST_MAX; i++) {
		uint32_t src = IP4(198, 18, 9, i), dst = IP4(198, 18, 0, 1);

		if (i % 9 == 4) {
			pkts[i] = frame_arp();
			want[i] = 0;
			continue;
		}
		pkts[i] = frame_tcp(src, 33333, dst, 80);
		want[i] = owner(src, 33333, dst, 80);
	}
	check_split(pkts, RSS_BURST_MAX, false, want);
	free_all(pkts, RSS_BURST_MAX);
}

Test(rss_classify, frame_fields_are_hashed_in_nic_order)
{
	/* The first Microsoft vector as a frame: 66.9.149.187:2794 ->
	 * 161.142.100.80:1766 hashes to 0x51ccc178 with the Microsoft key.
	 * The symmetric key cannot tell source from destination; this can. */
	static const uint8_t ms_key[RSS_KEY_LEN] = {
		0x6d, 0x5a, 0x56, 0xda, 0x25, 0x5b, 0x0e, 0xc2,
		0x41, 0x67, 0x25, 0x3d, 0x43, 0xa3, 0x8f, 0xb0,
		0xd0, 0xca, 0x2b, 0xcb, 0xae, 0x7b, 0x30, 0xb4,
		0x77, 0xcb, 0x2d, 0xa3, 0x80, 0x30, 0xf2, 0x0c,
		0x6a, 0x42, 0xb7, 0x3b, 0xbe, 0xac, 0x01, 0xfa,
	};
	struct frame_opt l3 = { .l3 = true };
	struct rss_map ms;
	uint16_t reta[128];
	struct rte_mbuf *m[3];

	/* one worker per bucket, so the worker is the hash's low 7 bits:
	 * 0x51ccc178 & 127 = 120 */
	for (unsigned int b = 0; b < 128; b++)
		reta[b] = b;
	cr_assert_eq(rss_map_init_reta(&ms, ms_key, sizeof(ms_key), reta,
				       128, 128), 0);
	m[0] = frame_tcp(IP4(66, 9, 149, 187), 2794,
			 IP4(161, 142, 100, 80), 1766);
	m[1] = frame_ip(&l3, IP4(66, 9, 149, 187), 2794,
			IP4(161, 142, 100, 80), 1766);
	/* the reply direction lands elsewhere with this key */
	m[2] = frame_tcp(IP4(161, 142, 100, 80), 1766,
			 IP4(66, 9, 149, 187), 2794);
	cr_expect_eq(rss_pkt_worker(&ms, m[0], false), 120);
	cr_expect_eq(rss_pkt_worker(&ms, m[1], true), 120);
	cr_expect_neq(rss_pkt_worker(&ms, m[2], false), 120);
	free_all(m, 3);
}
