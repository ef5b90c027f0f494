/* SPDX-License-Identifier: BSD-3-Clause */
#include <errno.h>
#include <string.h>

#include <rte_ether.h>
#include <rte_ip.h>
#include <rte_tcp.h>

#include "rss/rss.h"

/* The IPv4/TCP tuple is 96 bits; Toeplitz slides a 32-bit window over
 * the key, so it reads 96 + 32 key bits. */
#define RSS_KEY_MIN 16

static bool
is_pow2(unsigned int v)
{
	return v != 0 && (v & (v - 1)) == 0;
}

static int
rss_map_set_key(struct rss_map *map, const uint8_t *key, unsigned int key_len)
{
	if (key == NULL || key_len < RSS_KEY_MIN)
		return -EINVAL;
	memset(map->key, 0, sizeof(map->key));
	memcpy(map->key, key, RTE_MIN(key_len, (unsigned int)RSS_KEY_LEN));
	rte_convert_rss_key((const uint32_t *)map->key, map->key_be,
			    RSS_KEY_LEN);
	return 0;
}

int
rss_map_init_reta(struct rss_map *map, const uint8_t *key,
		  unsigned int key_len, const uint16_t *reta,
		  unsigned int reta_size, unsigned int nb_workers)
{
	int ret;

	if (map == NULL || reta == NULL || nb_workers == 0 ||
	    nb_workers > RSS_MAX_WORKERS || !is_pow2(reta_size) ||
	    reta_size > RSS_RETA_MAX)
		return -EINVAL;
	for (unsigned int i = 0; i < reta_size; i++)
		if (reta[i] >= nb_workers)
			return -EINVAL;
	ret = rss_map_set_key(map, key, key_len);
	if (ret != 0)
		return ret;
	memset(map->reta, 0, sizeof(map->reta));
	memcpy(map->reta, reta, reta_size * sizeof(reta[0]));
	map->reta_size = reta_size;
	map->reta_mask = reta_size - 1;
	map->nb_workers = nb_workers;
	return 0;
}

int
rss_map_init(struct rss_map *map, const uint8_t *key, unsigned int key_len,
	     unsigned int nb_workers)
{
	uint16_t reta[RSS_RETA_DEFAULT];

	if (nb_workers == 0)
		return -EINVAL;
	for (unsigned int i = 0; i < RSS_RETA_DEFAULT; i++)
		reta[i] = i % nb_workers;
	return rss_map_init_reta(map, key, key_len, reta, RSS_RETA_DEFAULT,
				 nb_workers);
}

bool
rss_port_ok(const struct rss_map *map, const struct shoal_endpoints *ep,
	    unsigned int worker)
{
	return rss_worker_v4(map, ep) == worker;
}

bool
rss_port_ok_cb(void *ctx, const struct shoal_endpoints *ep)
{
	const struct rss_port_ctx *pc = ctx;

	return rss_port_ok(pc->map, ep, pc->worker);
}

/* Does any RETA bucket name @p worker? Without one the scan is futile. */
static bool
rss_worker_in_reta(const struct rss_map *map, unsigned int worker)
{
	for (unsigned int i = 0; i < map->reta_size; i++)
		if (map->reta[i] == worker)
			return true;
	return false;
}

rte_be16_t
rss_pick_port(const struct rss_map *map, const struct shoal_endpoints *ep,
	      unsigned int worker, uint16_t lo, uint16_t hi, uint32_t rnd)
{
	struct shoal_endpoints e = *ep;
	uint32_t span, start;

	if (lo == 0)
		lo = 1;		/* port 0 is "none" on the wire and here */
	if (lo > hi || worker >= map->nb_workers ||
	    !rss_worker_in_reta(map, worker))
		return 0;
	span = (uint32_t)hi - lo + 1;
	start = rnd % span;
	for (uint32_t i = 0; i < span; i++) {
		uint16_t port = lo + (start + i) % span;

		e.lport = rte_cpu_to_be_16(port);
		if (rss_worker_v4(map, &e) == worker)
			return e.lport;
	}
	return 0;
}

/*
 * Locate the IPv4 header: after the Ethernet header and up to two VLAN
 * tags (NICs hash the inner IP header of tagged frames too). Returns its
 * offset, or -1 when the frame does not carry IPv4.
 */
static int
rss_l3_offset(const struct rte_mbuf *m, bool l3)
{
	struct rte_ether_hdr eh_buf;
	const struct rte_ether_hdr *eh;
	uint32_t off = sizeof(*eh);
	uint16_t type;

	if (l3)
		return 0;
	eh = rte_pktmbuf_read(m, 0, sizeof(*eh), &eh_buf);
	if (eh == NULL)
		return -1;
	type = eh->ether_type;
	for (int tags = 0; tags < 2; tags++) {
		struct rte_vlan_hdr vh_buf;
		const struct rte_vlan_hdr *vh;

		if (type != RTE_BE16(RTE_ETHER_TYPE_VLAN) &&
		    type != RTE_BE16(RTE_ETHER_TYPE_QINQ))
			break;
		vh = rte_pktmbuf_read(m, off, sizeof(*vh), &vh_buf);
		if (vh == NULL)
			return -1;
		type = vh->eth_proto;
		off += sizeof(*vh);
	}
	return type == RTE_BE16(RTE_ETHER_TYPE_IPV4) ? (int)off : -1;
}

/*
 * Fill @p ep from a TCP/IPv4 frame as this host sees it (remote = source).
 * False for anything that is not a whole, unfragmented TCP/IPv4 packet
 * with at least its ports present: hardware falls back to other hash
 * types for those, and the stack sends them through worker 0.
 */
static bool
rss_parse_v4_tcp(const struct rte_mbuf *m, bool l3, struct shoal_endpoints *ep)
{
	struct rte_ipv4_hdr ih_buf;
	const struct rte_ipv4_hdr *ih;
	rte_be16_t ports_buf[2];
	const rte_be16_t *ports;
	int off = rss_l3_offset(m, l3);
	unsigned int ihl;

	if (off < 0)
		return false;
	ih = rte_pktmbuf_read(m, off, sizeof(*ih), &ih_buf);
	if (ih == NULL || (ih->version_ihl >> 4) != 4 ||
	    ih->next_proto_id != IPPROTO_TCP)
		return false;
	ihl = (ih->version_ihl & RTE_IPV4_HDR_IHL_MASK) * RTE_IPV4_IHL_MULTIPLIER;
	if (ihl < sizeof(*ih))
		return false;
	if (ih->fragment_offset & RTE_BE16(RTE_IPV4_HDR_MF_FLAG |
					   RTE_IPV4_HDR_OFFSET_MASK))
		return false;
	ports = rte_pktmbuf_read(m, off + ihl, sizeof(ports_buf), ports_buf);
	if (ports == NULL)
		return false;
	ep->remote = shoal_addr_v4(ih->src_addr);
	ep->local = shoal_addr_v4(ih->dst_addr);
	ep->rport = ports[0];
	ep->lport = ports[1];
	return true;
}

unsigned int
rss_pkt_worker(const struct rss_map *map, const struct rte_mbuf *m, bool l3)
{
	struct shoal_endpoints ep;

	if (!rss_parse_v4_tcp(m, l3, &ep))
		return 0;
	return rss_worker_v4(map, &ep);
}

int
rss_classify_burst(const struct rss_map *map, unsigned int me,
		   struct rte_mbuf **pkts, uint16_t n, bool l3,
		   struct rte_mbuf **kept, struct rss_batch *to)
{
	uint16_t nb_kept = 0;

	if (n > RSS_BURST_MAX || me >= map->nb_workers)
		return -EINVAL;
	for (unsigned int w = 0; w < map->nb_workers; w++)
		to[w].n = 0;
	for (uint16_t i = 0; i < n; i++) {
		unsigned int w = rss_pkt_worker(map, pkts[i], l3);

		if (w == me)
			kept[nb_kept++] = pkts[i];
		else
			to[w].pkts[to[w].n++] = pkts[i];
	}
	return nb_kept;
}

void
rss_map_dump(FILE *f, const struct rss_map *map)
{
	unsigned int per[RSS_MAX_WORKERS] = { 0 };

	fprintf(f, "rss map: %u workers, RETA %u buckets, key ",
		map->nb_workers, map->reta_size);
	for (unsigned int i = 0; i < RSS_KEY_LEN; i++)
		fprintf(f, "%02x", map->key[i]);
	fprintf(f, "\n  buckets per worker:");
	for (unsigned int i = 0; i < map->reta_size; i++)
		per[map->reta[i]]++;
	for (unsigned int w = 0; w < map->nb_workers; w++)
		fprintf(f, " %u", per[w]);
	fprintf(f, "\n");
}
