/* SPDX-License-Identifier: BSD-3-Clause */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <criterion/criterion.h>
#include <rte_eal.h>
#include <rte_malloc.h>
#include <rte_mempool.h>

#include "harness.h"
#include "net/neigh.h"
#include "net/net.h"
#include "../eal_lcores.h"

struct harness H;
const struct rte_ether_addr h_mac = {{ 0x02, 0x00, 0x5e, 0x00, 0x00, 0x01 }};
const struct rte_ether_addr h_peer_mac = {{ 0x02, 0x00, 0x5e, 0x00, 0x00, 0x20 }};
const struct rte_ether_addr h_gw_mac = {{ 0x02, 0x00, 0x5e, 0x00, 0x00, 0xfe }};

static bool eal_up;

static void
eal_init_once(void)
{
	char prefix[64], lcores[256];
	char *argv[] = {
		"unit", "--no-huge", "-m", "256", "--no-pci", "--no-shconf",
		"--no-telemetry", "--log-level=lib.eal:error", lcores,
		"--file-prefix", prefix, NULL,
	};

	if (eal_up)
		return;
	snprintf(prefix, sizeof(prefix), "shoal-unit-%d", (int)getpid());
	test_eal_lcores(lcores, sizeof(lcores));
	cr_assert(rte_eal_init(RTE_DIM(argv) - 1, argv) >= 0, "EAL init");
	eal_up = true;
}

static uint16_t
h_tx_hook(void *ctx, uint16_t worker, struct rte_mbuf **pkts, uint16_t n)
{
	for (uint16_t i = 0; i < n; i++) {
		H.tx_total++;
		/* Past the capture array a frame is counted and freed. */
		if (H.tx_n < H_TX_MAX)
			H.tx[H.tx_n++] = pkts[i];
		else
			rte_pktmbuf_free(pkts[i]);
	}
	return n;
}

void
net_tcp_input(struct shoal_worker *w, struct rte_mbuf *m,
	      const struct shoal_endpoints *ep)
{
	H.tcp_total++;
	if (H.tcp_n < H_TCP_MAX) {
		H.tcp[H.tcp_n] = m;
		H.tcp_ep[H.tcp_n++] = *ep;
	} else {
		rte_pktmbuf_free(m);
	}
}

void
h_setup(void)
{
	static unsigned int seq;
	char name[32];
	struct shoal_iface *e = &H.ifaces[0], *t = &H.ifaces[1];

	eal_init_once();
	memset(&H, 0, sizeof(H));
	snprintf(name, sizeof(name), "h_pool%u", seq++);
	H.pool = rte_pktmbuf_pool_create(name, H_POOL_SIZE, 0, 0,
					 RTE_MBUF_DEFAULT_BUF_SIZE, SOCKET_ID_ANY);
	cr_assert_not_null(H.pool);

	e->port_id = 0;
	e->mac = h_mac;
	e->ip = H_LOCAL;
	e->ip_count = H_LOCAL_COUNT;
	e->mask = H_IP(255, 255, 255, 0);
	e->gw = H_GW;
	e->mtu = 1500;
	t->port_id = 1;
	t->l3 = true;
	t->ip = H_TUN_LOCAL;
	t->ip_count = 1;
	t->mask = H_IP(255, 255, 255, 0);
	t->mtu = 1500;

	/* Cache-line aligned members (w->paths): calloc aligns to 16. */
	H.w = aligned_alloc(RTE_CACHE_LINE_SIZE,
			    RTE_ALIGN_CEIL(sizeof(*H.w), RTE_CACHE_LINE_SIZE));
	cr_assert_not_null(H.w);
	memset(H.w, 0, sizeof(*H.w));
	H.w->pool = H.pool;
	H.w->ifaces = H.ifaces;
	H.w->nb_ifaces = 2;
	H.w->tx_hook = h_tx_hook;
	H.w->now_ns = 1000ULL * 1000 * 1000;
	H.w->neigh = neigh_table_create(16, 30ULL * 1000 * 1000 * 1000,
					SOCKET_ID_ANY);
	cr_assert_not_null(H.w->neigh);
}

void
h_tx_clear(void)
{
	for (unsigned int i = 0; i < H.tx_n; i++)
		rte_pktmbuf_free(H.tx[i]);
	H.tx_n = 0;
}

void
h_tcp_clear(void)
{
	for (unsigned int i = 0; i < H.tcp_n; i++)
		rte_pktmbuf_free(H.tcp[i]);
	H.tcp_n = 0;
}

void
h_teardown(void)
{
	if (H.w == NULL)
		return;
	worker_tx_flush(H.w);
	h_tx_clear();
	h_tcp_clear();
	neigh_table_free(H.w->neigh);
	rte_mempool_free(H.pool);
	free(H.w);
	H.w = NULL;
}

void
h_finish(void)
{
	worker_tx_flush(H.w);
	h_tx_clear();
	h_tcp_clear();
	neigh_table_free(H.w->neigh);
	H.w->neigh = NULL;
	cr_assert_eq(rte_mempool_avail_count(H.pool), H_POOL_SIZE,
		     "mbufs leaked: %u of %u back",
		     rte_mempool_avail_count(H.pool), H_POOL_SIZE);
}

void
h_input(struct rte_mbuf *m)
{
	H.w->stats.rx_packets++;
	net_input(H.w, m);
	worker_tx_flush(H.w);
}

struct rte_mbuf *
h_mbuf(uint16_t port, const void *data, uint32_t len)
{
	return h_chain(port, data, len, NULL, 0);
}

struct rte_mbuf *
h_chain(uint16_t port, const void *data, uint32_t len,
	const uint16_t *seglens, unsigned int n)
{
	struct rte_mbuf *head = NULL;
	const uint8_t *p = data;
	uint32_t done = 0;
	unsigned int i = 0;

	do {
		struct rte_mbuf *s = rte_pktmbuf_alloc(H.pool);
		uint32_t k = len - done;

		cr_assert_not_null(s);
		if (i + 1 < n)
			k = RTE_MIN(k, (uint32_t)seglens[i]);
		cr_assert(k <= rte_pktmbuf_tailroom(s));
		memcpy(rte_pktmbuf_append(s, k), p + done, k);
		done += k;
		if (head == NULL)
			head = s;
		else
			cr_assert_eq(rte_pktmbuf_chain(head, s), 0);
		i++;
	} while (done < len);
	head->port = port;
	return head;
}

uint32_t
h_flat(const struct rte_mbuf *m, uint8_t *buf)
{
	uint32_t off = 0;

	for (; m != NULL; m = m->next) {
		memcpy(buf + off, rte_pktmbuf_mtod(m, const void *), m->data_len);
		off += m->data_len;
	}
	return off;
}

uint32_t
h_ref_sum(const uint8_t *p, size_t n, uint32_t sum)
{
	for (size_t i = 0; i < n; i++)
		sum += (i & 1) ? p[i] : (uint32_t)p[i] << 8;
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return sum;
}

uint16_t
h_ref_cksum(const uint8_t *p, size_t n, uint32_t init)
{
	return (uint16_t)~h_ref_sum(p, n, init);
}

static void
put16(uint8_t *p, uint16_t v)
{
	p[0] = v >> 8;
	p[1] = v & 0xff;
}

uint32_t
h_eth(uint8_t *b, const struct rte_ether_addr *dst,
      const struct rte_ether_addr *src, uint16_t type)
{
	memcpy(b, dst, 6);
	memcpy(b + 6, src, 6);
	put16(b + 12, type);
	return 14;
}

void
h_ipv4_fix(uint8_t *ip)
{
	uint32_t hlen = (ip[0] & 0xf) * 4;

	ip[10] = ip[11] = 0;
	put16(ip + 10, h_ref_cksum(ip, hlen, 0));
}

uint32_t
h_ipv4(uint8_t *b, rte_be32_t src, rte_be32_t dst, uint8_t proto,
       uint32_t optlen, const void *l4, uint32_t l4len)
{
	uint32_t hlen = 20 + optlen;

	memset(b, 0, hlen);
	b[0] = 0x40 | (hlen / 4);
	put16(b + 2, hlen + l4len);
	put16(b + 4, 0x1234);
	b[8] = 64;
	b[9] = proto;
	memcpy(b + 12, &src, 4);
	memcpy(b + 16, &dst, 4);
	memset(b + 20, 1, optlen);	/* NOP options */
	memmove(b + hlen, l4, l4len);
	h_ipv4_fix(b);
	return hlen + l4len;
}

static uint32_t
pseudo_sum(rte_be32_t src, rte_be32_t dst, uint8_t proto, uint32_t len)
{
	uint8_t ph[12];

	memcpy(ph, &src, 4);
	memcpy(ph + 4, &dst, 4);
	ph[8] = 0;
	ph[9] = proto;
	put16(ph + 10, len);
	return h_ref_sum(ph, 12, 0);
}

uint32_t
h_tcp(uint8_t *b, rte_be32_t src, rte_be32_t dst, uint16_t sport,
      uint16_t dport, uint32_t optlen, uint32_t plen)
{
	uint32_t hlen = 20 + optlen, len = hlen + plen;

	memset(b, 0, hlen);
	put16(b, sport);
	put16(b + 2, dport);
	b[4] = 0x11; b[5] = 0x22; b[6] = 0x33; b[7] = 0x44;	/* seq */
	b[12] = (hlen / 4) << 4;
	b[13] = 0x18;			/* PSH|ACK */
	put16(b + 14, 65535);
	memset(b + 20, 1, optlen);
	for (uint32_t i = 0; i < plen; i++)
		b[hlen + i] = (uint8_t)(i * 7 + 3);
	put16(b + 16, h_ref_cksum(b, len, pseudo_sum(src, dst, 6, len)));
	return len;
}

uint32_t
h_icmp_echo(uint8_t *b, uint16_t id, uint16_t seq, uint32_t plen)
{
	b[0] = 8;
	b[1] = 0;
	b[2] = b[3] = 0;
	put16(b + 4, id);
	put16(b + 6, seq);
	for (uint32_t i = 0; i < plen; i++)
		b[8 + i] = (uint8_t)(i * 13 + 5);
	put16(b + 2, h_ref_cksum(b, 8 + plen, 0));
	return 8 + plen;
}

uint32_t
h_frame_tcp(uint8_t *b, rte_be32_t src, rte_be32_t dst, uint32_t plen)
{
	uint8_t l4[2048];
	uint32_t n = h_tcp(l4, src, dst, 40000, 80, 0, plen);
	uint32_t e = h_eth(b, &h_mac, &h_peer_mac, RTE_ETHER_TYPE_IPV4);

	return e + h_ipv4(b + e, src, dst, IPPROTO_TCP, 0, l4, n);
}

uint32_t
h_frame_icmp(uint8_t *b, rte_be32_t src, rte_be32_t dst, uint32_t plen)
{
	uint8_t l4[2048];
	uint32_t n = h_icmp_echo(l4, 0xbeef, 7, plen);
	uint32_t e = h_eth(b, &h_mac, &h_peer_mac, RTE_ETHER_TYPE_IPV4);

	return e + h_ipv4(b + e, src, dst, IPPROTO_ICMP, 0, l4, n);
}

uint32_t
h_frame_arp(uint8_t *b, const struct rte_ether_addr *edst, uint16_t op,
	    const struct rte_ether_addr *sha, rte_be32_t sip,
	    const struct rte_ether_addr *tha, rte_be32_t tip)
{
	static const uint8_t zero[6];
	uint8_t *a = b + h_eth(b, edst, sha, RTE_ETHER_TYPE_ARP);

	put16(a, 1);
	put16(a + 2, 0x0800);
	a[4] = 6;
	a[5] = 4;
	put16(a + 6, op);
	memcpy(a + 8, sha, 6);
	memcpy(a + 14, &sip, 4);
	memcpy(a + 18, tha != NULL ? (const void *)tha : zero, 6);
	memcpy(a + 24, &tip, 4);
	return 42;
}

uint64_t
h_drops(enum shoal_drop reason)
{
	return H.w->stats.drops[reason];
}

uint64_t
h_total_drops(void)
{
	return shoal_stats_total_drops(&H.w->stats);
}

void
h_neigh_learn(rte_be32_t ip, const struct rte_ether_addr *mac)
{
	cr_assert(neigh_update(H.w, &H.ifaces[0], ip, mac, true));
}

struct rte_mbuf *
h_l4(const void *data, uint32_t len)
{
	struct rte_mbuf *m = rte_pktmbuf_alloc(H.pool);

	cr_assert_not_null(m);
	cr_assert(len <= rte_pktmbuf_tailroom(m));
	memcpy(rte_pktmbuf_append(m, len), data, len);
	return m;
}
