/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The SYN-flood profile: a worker that sends raw SYNs from random sources
 * of [synflood] src to the first [client] server address and port, as
 * fast as its TX queue drains or at [synflood] rate, and keeps no state
 * for any of them.
 *
 * The answers (SYN-ACKs, cookies or not) go to addresses that are not
 * ours: the target reaches [synflood] src through its gateway, which is
 * this process's address, so they arrive here and the IP layer drops
 * them as not local (drops: not_local), silently, with no RST. Sources
 * off the target's subnet keep the target from ARPing for each of them.
 */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <rte_ethdev.h>
#include <rte_ip.h>
#include <rte_random.h>

#include "net/neigh.h"
#include "stack/worker.h"
#include "syn.h"
#include "worker.h"

/* Most SYNs built in one poll: one TX burst. */
#define FLOOD_BURST SHOAL_TX_BURST
/* An unresolved target is asked for again this often. */
#define FLOOD_ARP_NS (200ULL * 1000 * 1000)

struct flood {
	struct syn_template tpl;
	bool resolved;
	struct shoal_iface *ifc;
	rte_be32_t target, nexthop;
	rte_be16_t dport;
	uint32_t src_first;	/* host order */
	uint64_t src_count;
	uint16_t ip_id;
	uint64_t next_arp;
	struct pace pace;
	bool paced;
};

/* The worker's own flood index and the number of flooding workers. */
static void
flood_share(const struct gen_worker *gw, unsigned int *idx, unsigned int *n)
{
	unsigned int first = gen_nb_profile_workers(gw->g);

	*n = gw->g->nb_workers - first;
	*idx = gw->id - first;
}

int
flood_init(struct gen_worker *gw)
{
	const struct gen_conf *c = gw->conf;
	struct shoal_worker *w = gw->w;
	struct flood *f;
	uint32_t mask;
	unsigned int idx, n;

	if (w->nb_ifaces == 0 || w->ifaces[0].l3)
		return -ENOTSUP;	/* frames need Ethernet */
	f = calloc(1, sizeof(*f));
	if (f == NULL)
		return -ENOMEM;
	f->ifc = &w->ifaces[0];
	f->target = c->server_ip.first.v4;
	f->dport = rte_cpu_to_be_16(c->server_port.range[0].first);
	f->src_first = rte_be_to_cpu_32(c->flood_src.first.v4);
	f->src_count = c->flood_src.count;
	mask = f->ifc->mask;
	if ((f->target & mask) == (f->ifc->ip & mask)) {
		f->nexthop = f->target;
	} else if (f->ifc->gw != 0) {
		f->nexthop = f->ifc->gw;
	} else {
		free(f);
		return -ENETUNREACH;
	}
	flood_share(gw, &idx, &n);
	f->ip_id = (uint16_t)(idx << 12);
	f->paced = c->flood_rate > 0;
	if (f->paced)
		pace_init(&f->pace, (uint64_t)llround(c->flood_rate * 1000.0),
			  (uint64_t)n * 1000, 0, FLOOD_BURST, gw->g->start_ns);
	gw->flood = f;
	return 0;
}

/* One SYN as an IPv4 packet through the neighbour layer: it waits in
 * the neighbour's queue while ARP resolves the next hop. */
static void
flood_resolve(struct gen_worker *gw, struct flood *f)
{
	struct shoal_worker *w = gw->w;
	const struct neigh_entry *e = neigh_lookup(w->neigh, f->nexthop);
	struct syn_template tpl;
	struct rte_ether_addr none = { { 0 } };
	struct rte_mbuf *m;

	if (e != NULL && e->state != NEIGH_INCOMPLETE) {
		syn_template_init(&f->tpl, &f->ifc->mac, &e->mac, f->target,
				  f->dport, (uint16_t)RTE_MIN(1460,
					f->ifc->mtu - 40));
		f->resolved = true;
		return;
	}
	if (gen_now(gw) < f->next_arp)
		return;
	f->next_arp = gen_now(gw) + FLOOD_ARP_NS;
	m = rte_pktmbuf_alloc(w->pool);
	if (m == NULL)
		return;
	syn_template_init(&tpl, &f->ifc->mac, &none, f->target, f->dport, 1460);
	syn_frame(&tpl, rte_pktmbuf_append(m, SYN_FRAME_LEN),
		  rte_cpu_to_be_32(f->src_first), rte_cpu_to_be_16(1024),
		  (uint32_t)rte_rand(), f->ip_id++);
	rte_pktmbuf_adj(m, RTE_ETHER_HDR_LEN);
	m->port = f->ifc->port_id;
	if (neigh_output(w, f->ifc, f->nexthop, m) == 0)
		gw->cnt.flood_syns++;
}

int
flood_poll(struct gen_worker *gw)
{
	struct flood *f = gw->flood;
	struct shoal_worker *w = gw->w;
	struct worker_txq *q = &w->txq[f->ifc - w->ifaces];
	struct rte_mbuf *m[FLOOD_BURST];
	uint64_t want;
	uint64_t tx0 = w->stats.tx_packets;
	unsigned int n;

	if (gw->draining)
		return 0;
	if (!f->resolved) {
		flood_resolve(gw, f);
		return 0;
	}
	/* As much as the TX buffer has room for: a full ring holds the
	 * buffer back, and the flood waits for it instead of dropping. */
	want = FLOOD_BURST - q->n;
	if (f->paced)
		want = pace_take(&f->pace, gen_now(gw), want);
	if (want == 0 || rte_pktmbuf_alloc_bulk(w->pool, m, (unsigned int)want))
		return 0;
	n = (unsigned int)want;
	for (unsigned int i = 0; i < n; i++) {
		uint64_t r = rte_rand();
		uint32_t src = f->src_first + (uint32_t)(rte_rand() % f->src_count);
		/* ports 1024..65535, as a host's ephemeral ones would be */
		uint16_t sport = (uint16_t)(1024 + (r >> 48) % 64512);

		syn_frame(&f->tpl, rte_pktmbuf_append(m[i], SYN_FRAME_LEN),
			  rte_cpu_to_be_32(src), rte_cpu_to_be_16(sport),
			  (uint32_t)r, f->ip_id++);
		m[i]->port = f->ifc->port_id;
		m[i]->l2_len = RTE_ETHER_HDR_LEN;
		m[i]->l3_len = 20;
		worker_tx(w, f->ifc, m[i]);
	}
	worker_tx_flush(w);
	/* What the port (or the queue owner's steering ring) took: a full
	 * ring drops the rest (drop.tx_full), and those were not sent. */
	gw->cnt.flood_syns += w->stats.tx_packets - tx0;
	return (int)n;
}
