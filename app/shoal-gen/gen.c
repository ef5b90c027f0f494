/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * A worker's load-generator state: created on the worker's lcore by the
 * shoal_app init hook, touched by nothing else, published for the main
 * lcore under a seqcount.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include <rte_ethdev.h>
#include <rte_malloc.h>
#include <rte_mempool.h>

#include "pattern.h"
#include "stack/worker.h"	/* the worker's mbuf pool, for its usage */
#include "worker.h"

RTE_DEFINE_PER_LCORE(struct gen_worker *, gen_worker);

const char *const gen_hist_names[GEN_H_MAX] = {
	[GEN_H_CONNECT] = "connect",
	[GEN_H_TTFB] = "ttfb",
	[GEN_H_RR] = "request",
};

uint64_t
gen_counters_failures(const struct gen_counters *c)
{
	return c->fail_reset + c->fail_refused + c->fail_timeout +
		c->fail_local + c->fail_protocol + c->fail_verify +
		c->server_no_ctx;
}

void
gen_counters_add(struct gen_counters *dst, const struct gen_counters *src)
{
#define GEN_COUNTER_ADD(n) dst->n += src->n;
	GEN_COUNTERS(GEN_COUNTER_ADD)
#undef GEN_COUNTER_ADD
}

bool
gen_is_flood_worker(const struct gen *g, unsigned int id)
{
	const struct gen_conf *c = g->conf;

	if (c->profile == GEN_PROFILE_SYNFLOOD)
		return true;
	return c->flood_workers > 0 && id + c->flood_workers >= g->nb_workers;
}

unsigned int
gen_nb_profile_workers(const struct gen *g)
{
	const struct gen_conf *c = g->conf;

	if (c->profile == GEN_PROFILE_SYNFLOOD)
		return 0;
	return g->nb_workers - RTE_MIN(c->flood_workers, g->nb_workers);
}

/* --- connection contexts ------------------------------------------------ */

uint64_t
gen_conn_id(const struct gen_conn *gc)
{
	const struct shoal_endpoints e = shoal_conn_endpoints(gc->c);
	const struct shoal_endpoints *ep = &e;

	/* the client's view: the client is the local end there */
	if (gc->client)
		return pattern_conn_id(ep->local.v4, ep->lport, ep->remote.v4,
				       ep->rport);
	return pattern_conn_id(ep->remote.v4, ep->rport, ep->local.v4,
			       ep->lport);
}

struct gen_conn *
gen_conn_alloc(struct gen_worker *gw, bool client)
{
	struct gen_conn *gc;
	uint32_t gen;

	if (gw->free_head != UINT32_MAX) {
		gc = &gw->conns[gw->free_head];
		gw->free_head = gc->next_free;
	} else if (gw->conns_used < gw->nb_conns) {
		/* never used: still zero, and first touched now */
		gc = &gw->conns[gw->conns_used++];
	} else {
		return NULL;
	}
	gen = gc->gen + 1;
	*gc = (struct gen_conn){
		.kind = GEN_OBJ_CONN,
		.state = CS_ACTIVE,
		.client = client,
		.gen = gen,
		.txn = GEN_TXN_NONE,
	};
	gw->active++;
	return gc;
}

void
gen_conn_free(struct gen_worker *gw, struct gen_conn *gc)
{
	if (gc->txn != GEN_TXN_NONE)
		gen_txn_end(gw, gc);
	if (gc->established)
		gw->established--;
	if (gc->client)
		gw->client_active--;
	else
		gw->server_active--;
	gc->state = CS_FREE;
	gc->c = NULL;
	gc->next_free = gw->free_head;
	gw->free_head = gen_conn_idx(gw, gc);
	gw->active--;
}

void
gen_conn_close(struct gen_worker *gw, struct gen_conn *gc)
{
	if (gc->state == CS_CLOSING || gc->state == CS_FREE)
		return;
	gc->state = CS_CLOSING;
	/* Nothing is queued after this (gen_pump stops at CS_CLOSING) and
	 * nothing received is looked at: the transaction is over. */
	if (gc->txn != GEN_TXN_NONE)
		gen_txn_end(gw, gc);
	/* FIN goes after everything queued; only closed() follows. */
	shoal_close(gc->c);
}

struct gen_txn *
gen_txn_start(struct gen_worker *gw, struct gen_conn *gc)
{
	const struct gen_conf *c = gw->conf;
	struct gen_txn *t;
	uint32_t i;

	if (gw->txn_free != GEN_TXN_NONE) {
		i = gw->txn_free;
		gw->txn_free = gw->txns[i].next_free;
	} else {
		/* never used; there is one per context */
		RTE_ASSERT(gw->txns_used < gw->nb_conns);
		i = gw->txns_used++;
	}
	t = &gw->txns[i];
	gc->txn = i;
	gw->txns_active++;
	/* Between transactions nothing is owed, no mbuf waits, a server's
	 * parser awaits a request's first byte, its responses keep the
	 * connection open, and an rr server's next request ends one
	 * request size on. */
	t->tx_goal = gc->tx_off;
	t->rx_goal = gc->rx_off;
	if (gc->client) {
		t->msg_start = gc->tx_off;
	} else {
		t->close_at = UINT64_MAX;
		if (c->profile == GEN_PROFILE_RR)
			t->rx_goal += c->rr_request;
	}
	t->pending = NULL;
	t->hp = gw->hp_start[gc->client];
	return t;
}

void
gen_count_reset(struct gen_worker *gw, struct gen_conn *gc, int err)
{
	struct gen_counters *cnt = &gw->cnt;

	if (gw->draining || gc->state == CS_CLOSING) {
		cnt->drain_resets++;
		return;
	}
	/* an answer, even a refusal, means the neighbour was resolved */
	gw->warm = true;
	switch (err) {
	case ECONNREFUSED:
		cnt->fail_refused++;
		break;
	case ETIMEDOUT:
		cnt->fail_timeout++;
		break;
	default:
		cnt->fail_reset++;
	}
}

void
gen_on_reset(struct shoal_conn *c, void *ctx, int err)
{
	struct gen_conn *gc = ctx;

	/* A listener's context (never accepted) or a forgotten one. */
	if (gc == NULL || gc->kind != GEN_OBJ_CONN || gc->state == CS_FREE)
		return;
	gen_count_reset(gen_self(), gc, err);
}

void
gen_on_closed(struct shoal_conn *c, void *ctx)
{
	struct gen_conn *gc = ctx;
	struct gen_worker *gw = gen_self();

	if (gc == NULL || gc->kind != GEN_OBJ_CONN || gc->state == CS_FREE)
		return;
	if (gc->established)
		gw->cnt.conn_closed++;
	gen_conn_free(gw, gc);
}

/* Where the next bytes of @p gc's stream come from; at most *n of them. */
static const void *
pump_source(const struct gen_worker *gw, const struct gen_conn *gc,
	    const struct gen_txn *t, uint32_t *n)
{
	uint64_t within;

	switch (gc->src) {
	case SRC_HTTP_REQ:
		return (gc->req_close ? gw->req_close : gw->req_ka) +
			(gc->tx_off - t->msg_start);
	case SRC_HTTP_RESP:
		/* Every response has the same length (the close and the
		 * keep-alive heads are padded to match), so the position in
		 * the stream says which response and where in it. */
		within = gc->tx_off % gw->resp_len;
		if (gw->resp_whole != NULL) {
			const uint8_t *r = gw->resp_whole +
				(gc->tx_off >= t->close_at ? gw->resp_len : 0);

			*n = (uint32_t)RTE_MIN((uint64_t)*n,
					       gw->resp_len - within);
			return r + within;
		}
		if (within < gw->resp_head_len) {
			const char *head = gc->tx_off >= t->close_at ?
				gw->resp_close : gw->resp_ka;

			*n = RTE_MIN(*n, gw->resp_head_len - (uint32_t)within);
			return head + within;
		}
		*n = (uint32_t)RTE_MIN((uint64_t)*n, gw->resp_len - within);
		return gw->fill;
	case SRC_FILL:
		return gw->fill;
	case SRC_PATTERN: {
		/* in place: shoal_send copies it into mbufs (or gen_pump
		 * attaches the DPDK-memory copy, bulk.zerocopy) */
		size_t len = *n;
		const uint8_t *p = pattern_at(gen_conn_id(gc), gc->tx_off,
					      &len);

		*n = (uint32_t)len;
		return p;
	}
	default:
		return NULL;
	}
}

/* The stack took nothing for lack of mbufs (memory pressure): no sent()
 * will call back, so the poll tries again (gen_retry_poll). */
static void
gen_retry_later(struct gen_worker *gw, struct gen_conn *gc)
{
	gw->cnt.send_nomem++;
	/* A context reused while its stale entry waits may queue again:
	 * two entries per context always fit. */
	if (gc->nomem || gw->retry_n == gw->retry_size)
		return;
	gc->nomem = true;
	gw->retry[(gw->retry_head + gw->retry_n++) % gw->retry_size] =
		(struct gen_think){ .idx = gen_conn_idx(gw, gc),
				    .gen = gc->gen };
}

/* Retry a bounded number of the sends memory pressure refused, oldest
 * first, every GEN_RETRY_NS (the ACKs that end the pressure take a round
 * trip; retrying every poll only spins); each that is refused again goes
 * back to the end. */
static int
gen_retry_poll(struct gen_worker *gw)
{
	uint32_t n = RTE_MIN(gw->retry_n, 256u);
	int work = 0;

	if (gen_now(gw) < gw->next_retry)
		return 0;
	gw->next_retry = gen_now(gw) + GEN_RETRY_NS;

	for (uint32_t i = 0; i < n; i++) {
		struct gen_think t = gw->retry[gw->retry_head];
		struct gen_conn *gc = &gw->conns[t.idx];

		gw->retry_head = (gw->retry_head + 1) % gw->retry_size;
		gw->retry_n--;
		if (gc->gen != t.gen || !gc->nomem)
			continue;	/* reused or freed meanwhile */
		gc->nomem = false;
		if (gc->state == CS_FREE || gc->state == CS_CLOSING)
			continue;
		gen_pump(gw, gc);
		work++;
	}
	return work;
}

/* No-op: the table outlives every mbuf attached to it. */
static void
zc_free(void *addr, void *opaque)
{
	RTE_SET_USED(addr);
	RTE_SET_USED(opaque);
}

int
gen_zerocopy_init(struct gen *g)
{
	size_t size;
	const uint8_t *src = pattern_table(&size);
	uint8_t *tab;

	if (!g->conf->bulk_zerocopy)
		return 0;
	tab = rte_malloc("gen_pattern", size, RTE_CACHE_LINE_SIZE);
	g->zc_shinfo = rte_zmalloc("gen_zc_shinfo",
				   sizeof(*g->zc_shinfo) * g->nb_workers,
				   RTE_CACHE_LINE_SIZE);
	if (tab == NULL || g->zc_shinfo == NULL) {
		rte_free(tab);
		rte_free(g->zc_shinfo);
		g->zc_shinfo = NULL;
		return -ENOMEM;
	}
	memcpy(tab, src, size);
	g->zc_tab = tab;
	g->zc_iova = rte_malloc_virt2iova(tab);
	for (unsigned int i = 0; i < g->nb_workers; i++) {
		g->zc_shinfo[i].free_cb = zc_free;
		/* Ours, never dropped: the count rises and falls with the
		 * mbufs attached and their clones, and never reaches 0 (a
		 * wrap past 65535 of them would only call the no-op). */
		rte_mbuf_ext_refcnt_set(&g->zc_shinfo[i], 1);
	}
	return 0;
}

/* @p n bytes at @p p (a pointer into the pattern table) as one mbuf
 * attached to the DPDK-memory copy, without copying; NULL when no mbuf
 * is left. */
static struct rte_mbuf *
zc_mbuf(struct gen_worker *gw, const void *p, uint32_t n)
{
	const struct gen *g = gw->g;
	size_t size;
	size_t off = (const uint8_t *)p - pattern_table(&size);
	struct rte_mbuf *m = rte_pktmbuf_alloc(gw->pool);

	if (m == NULL)
		return NULL;
	/* attach_extbuf leaves the count to the caller; the free of each
	 * attached mbuf (or clone) takes one off. */
	rte_mbuf_ext_refcnt_update(&g->zc_shinfo[gw->id], 1);
	rte_pktmbuf_attach_extbuf(m, (void *)(uintptr_t)(g->zc_tab + off),
				  g->zc_iova + off, (uint16_t)n,
				  &g->zc_shinfo[gw->id]);
	m->data_off = 0;
	m->data_len = (uint16_t)n;
	m->pkt_len = n;
	return m;
}

/* Queue what @p t still owes; true once all of it went and no mbuf
 * waits, false when the engine took less (sent() or the retry poll
 * calls again). */
static bool
pump_txn(struct gen_worker *gw, struct gen_conn *gc, struct gen_txn *t)
{
	while (gc->tx_off < t->tx_goal && gc->state != CS_CLOSING) {
		uint32_t space = shoal_send_space(gc->c);
		uint32_t n = (uint32_t)RTE_MIN(t->tx_goal - gc->tx_off,
					       (uint64_t)GEN_CHUNK);
		const void *p;
		int ret;

		if (space == 0) {
			gw->cnt.send_stalls++;
			return false;	/* sent() calls again */
		}
		n = RTE_MIN(n, space);
		p = pump_source(gw, gc, t, &n);
		if (p == NULL)
			return false;
		if (gc->src == SRC_PATTERN && gw->g->zc_tab != NULL) {
			/* as shoal_send: no new mbuf under memory pressure */
			struct rte_mbuf *m = shoal_tcp_mem_pressure(gw->tcp) ?
				NULL : zc_mbuf(gw, p, n);

			ret = m == NULL ? -ENOBUFS : shoal_send_mbuf(gc->c, m);
			if (ret < 0 && m != NULL)
				rte_pktmbuf_free(m);
		} else {
			ret = shoal_send(gc->c, p, n);
		}
		if (ret == -ENOBUFS) {
			gen_retry_later(gw, gc);
			return false;
		}
		if (ret <= 0) {
			if (ret == 0)
				gw->cnt.send_stalls++;
			return false;
		}
		gc->tx_off += (uint32_t)ret;
		gw->cnt.app_bytes_tx += (uint32_t)ret;
	}
	return gc->tx_off >= t->tx_goal && t->pending == NULL;
}

void
gen_pump(struct gen_worker *gw, struct gen_conn *gc)
{
	struct gen_txn *t = gen_txn_of(gw, gc);

	/* Between transactions nothing is owed. */
	if (t != NULL && !pump_txn(gw, gc, t))
		return;
	if (gc->want_close) {
		gen_conn_close(gw, gc);
	} else if (gc->fin_when_done && !gc->fin_sent) {
		gc->fin_sent = true;
		shoal_shutdown(gc->c);
	}
}

/* --- publishing ----------------------------------------------------------- */

static void
gen_publish(struct gen_worker *gw)
{
	struct gen_pub *p = &gw->g->pub[gw->id];

	rte_seqcount_write_begin(&p->sc);
	p->cnt = gw->cnt;
	p->active = gw->active;
	p->established = gw->established;
	if (gw->pool != NULL) {
		p->mbufs_in_use = rte_mempool_in_use_count(gw->pool);
		p->mbufs_total = gw->pool->size;
	}
	p->client_done = !gen_is_client(gw->conf) || gw->flood != NULL ||
		(gw->to_open == 0 && gw->client_active == 0);
	p->draining = gw->draining;
	memcpy(p->h, gw->h, sizeof(p->h));
	rte_seqcount_write_end(&p->sc);
}

void
gen_pub_read(const struct gen *g, unsigned int i, struct gen_pub *out)
{
	const struct gen_pub *p = &g->pub[i];
	uint32_t sn;

	do {
		sn = rte_seqcount_read_begin(&p->sc);
		memcpy(out, p, sizeof(*out));
	} while (rte_seqcount_read_retry(&p->sc, sn));
}

void
gen_pub_sum(const struct gen *g, struct gen_pub *sum)
{
	static struct gen_pub one;	/* too big for the stack of a thread */

	memset(sum, 0, sizeof(*sum));
	for (int k = 0; k < GEN_H_MAX; k++)
		hist_reset(&sum->h[k]);
	sum->client_done = true;
	sum->draining = true;
	for (unsigned int i = 0; i < g->nb_workers; i++) {
		gen_pub_read(g, i, &one);
		gen_counters_add(&sum->cnt, &one.cnt);
		sum->active += one.active;
		sum->established += one.established;
		sum->mbufs_in_use += one.mbufs_in_use;
		sum->mbufs_total += one.mbufs_total;
		sum->client_done &= one.client_done;
		sum->draining &= one.draining;
		for (int k = 0; k < GEN_H_MAX; k++)
			hist_merge(&sum->h[k], &one.h[k]);
	}
}

bool
gen_drained(const struct gen *g)
{
	static struct gen_pub sum;	/* too big for the stack of a thread */

	gen_pub_sum(g, &sum);
	/* Only a count published in the drain is final: until then a
	 * worker may still be opening connections. */
	return sum.draining && sum.active == 0;
}

/* --- leaks ---------------------------------------------------------------- */

/* Close every port of the stack: the drivers free the buffers their RX
 * rings keep posted and their TX rings have not reclaimed yet (virtio
 * reclaims lazily, up to a ring's worth), so what stays in use after
 * this is held by the stack, the engines or shoal-gen. Workers are
 * stopped: the main lcore owns the ports now. */
static void
close_ports(const struct gen *g)
{
	const struct shoal_worker *w = g->workers[0] ? g->workers[0]->w : NULL;

	for (unsigned int i = 0; w != NULL && i < w->nb_ifaces; i++) {
		uint16_t port = w->ifaces[i].port_id;

		if (w->tx_hook != NULL || !rte_eth_dev_is_valid_port(port))
			continue;
		rte_eth_dev_stop(port);
		rte_eth_dev_close(port);
	}
}

void
gen_leaks_collect(const struct gen *g, struct gen_leaks *per,
		  struct gen_leaks *sum)
{
	memset(sum, 0, sizeof(*sum));
	close_ports(g);
	for (unsigned int i = 0; i < g->nb_workers; i++) {
		const struct gen_worker *gw = g->workers[i];
		struct gen_leak_sample s = { 0 };
		struct shoal_tcp_usage u;
		struct gen_leaks one = { 0 };

		if (gw == NULL)
			continue;
		s.mbufs_in_use = rte_mempool_in_use_count(gw->pool);
		for (unsigned int k = 0; k < gw->w->nb_ifaces; k++)
			s.mbufs_queued += gw->w->txq[k].n;
		shoal_tcp_usage(gw->tcp, &u);
		s.cbs = u.cbs;
		s.cbs_timewait = u.cbs_timewait;
		s.cbs_half_open = u.cbs_half_open;
		s.exts = u.exts;
		s.snd_bytes = u.snd_bytes;
		s.reass_bytes = u.reass_bytes;
		s.contexts = gw->active;
		s.txns = gw->txns_active;
		gen_leaks_add_sample(&one, &s);
		if (per != NULL)
			per[i] = one;
		gen_leaks_add_sample(sum, &s);
	}
}

/* --- shoal_app hooks ------------------------------------------------------- */

/* Zeroed room for an array sized for the most a worker may hold, mapped
 * but not touched: a page becomes resident when the worker first writes
 * it, on its lcore's socket. (calloc would do the same for a large
 * block, but writes all of it under MALLOC_PERTURB_, which meson test
 * sets.) NULL when refused. */
static void *
reserve(size_t size)
{
	void *p = mmap(NULL, RTE_MAX(size, (size_t)1), PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);

	return p == MAP_FAILED ? NULL : p;
}

static void
unreserve(void *p, size_t size)
{
	if (p != NULL)
		munmap(p, RTE_MAX(size, (size_t)1));
}

int
gen_worker_init(struct shoal_worker *w, void *ctx)
{
	struct gen *g = ctx;
	const struct gen_conf *conf = g->conf;
	unsigned int id = shoal_worker_id(w);
	struct gen_worker *gw;
	uint32_t nb = 0;
	int ret;

	gw = rte_zmalloc_socket("gen_worker", sizeof(*gw), RTE_CACHE_LINE_SIZE,
				rte_socket_id());
	if (gw == NULL)
		return -ENOMEM;
	gw->kind = GEN_OBJ_WORKER;
	gw->g = g;
	gw->conf = conf;
	gw->w = w;
	gw->tcp = shoal_worker_tcp(w);
	gw->id = id;
	gw->pool = w->pool;
	for (int k = 0; k < GEN_H_MAX; k++)
		hist_reset(&gw->h[k]);
	if (gw->tcp == NULL) {
		rte_free(gw);
		return -ENOTSUP;
	}
	if (gen_is_flood_worker(g, id))
		nb = 0;
	else if (gen_is_client(conf))
		nb += conf->concurrency / gen_nb_profile_workers(g) + 1;
	if (gen_is_server(conf) && !gen_is_flood_worker(g, id))
		nb += conf->server_max_conns;
	/* Only the contexts handed out are touched: gen_conn_alloc takes
	 * never-used ones in order, so the peak of concurrent connections
	 * becomes resident, not the most a worker may hold. */
	gw->nb_conns = nb;
	gw->conns = reserve((size_t)nb * sizeof(*gw->conns));
	/* The same for transaction records (page-aligned, so each is
	 * one cache line; gen_txn_start fills one in). */
	gw->txns = reserve((size_t)nb * sizeof(*gw->txns));
	/* A context can be queued again after a reuse while its stale
	 * entry still waits: room for two entries each. */
	gw->think_size = 2 * nb;
	gw->think = reserve((size_t)gw->think_size * sizeof(*gw->think));
	gw->retry_size = 2 * nb;
	gw->retry = reserve((size_t)gw->retry_size * sizeof(*gw->retry));
	gw->fill = malloc(GEN_CHUNK);
	if (gw->conns == NULL || gw->txns == NULL || gw->think == NULL ||
	    gw->retry == NULL || gw->fill == NULL) {
		ret = -ENOMEM;
		goto fail;
	}
	gw->free_head = UINT32_MAX;
	gw->txn_free = GEN_TXN_NONE;
	http_parser_init(&gw->hp_start[0], false);
	http_parser_init(&gw->hp_start[1], true);
	for (uint32_t i = 0; i < GEN_CHUNK; i++)
		gw->fill[i] = "shoal-gen\n"[i % 10];

	if (gen_is_flood_worker(g, id)) {
		if ((ret = flood_init(gw)) != 0)
			goto fail;
	} else {
		if (gen_is_server(conf) && (ret = server_init(gw)) != 0)
			goto fail;
		if (gen_is_client(conf) && (ret = client_init(gw)) != 0)
			goto fail;
	}
	RTE_PER_LCORE(gen_worker) = gw;
	__atomic_store_n(&g->workers[id], gw, __ATOMIC_RELEASE);
	gen_publish(gw);
	gw->next_publish = gen_now(gw) + GEN_PUBLISH_NS;
	return 0;
fail:
	unreserve(gw->conns, (size_t)nb * sizeof(*gw->conns));
	unreserve(gw->txns, (size_t)nb * sizeof(*gw->txns));
	unreserve(gw->think, (size_t)gw->think_size * sizeof(*gw->think));
	unreserve(gw->retry, (size_t)gw->retry_size * sizeof(*gw->retry));
	free(gw->fill);
	free(gw->resp_whole);
	rte_free(gw);
	return ret;
}

int
gen_worker_poll(struct shoal_worker *w, void *ctx, uint64_t now_ns)
{
	struct gen *g = ctx;
	struct gen_worker *gw = g->workers[shoal_worker_id(w)];
	int work = 0;

	if (unlikely(gw == NULL))
		return 0;
	if (unlikely(!gw->draining &&
		     __atomic_load_n(&g->phase, __ATOMIC_RELAXED) == GEN_DRAIN)) {
		gw->draining = true;
		if (gw->flood == NULL && gen_is_client(gw->conf))
			client_drain(gw);
		if (gw->flood == NULL && gen_is_server(gw->conf))
			server_drain(gw);
		/* The control plane waits for this publish: one made
		 * before the drain may count a connection opened since. */
		gen_publish(gw);
		gw->next_publish = now_ns + GEN_PUBLISH_NS;
		work++;
	}
	if (gw->retry_n != 0)
		work += gen_retry_poll(gw);
	if (gw->flood != NULL)
		work += flood_poll(gw);
	else if (gen_is_client(gw->conf))
		work += client_poll(gw);
	if (now_ns >= gw->next_publish) {
		gen_publish(gw);
		gw->next_publish = now_ns + GEN_PUBLISH_NS;
	}
	return work;
}

void
gen_worker_fini(struct shoal_worker *w, void *ctx)
{
	struct gen *g = ctx;
	struct gen_worker *gw = g->workers[shoal_worker_id(w)];

	if (gw == NULL)
		return;
	gw->draining = true;
	/* What the drain did not close is reset now, and said so. */
	for (uint32_t i = 0; i < gw->conns_used; i++) {
		struct gen_conn *gc = &gw->conns[i];

		if (gc->state == CS_FREE || gc->c == NULL)
			continue;
		gw->cnt.drain_aborted++;
		/* After shoal_close() the handle is the engine's: only
		 * forget it (a late closed() finds the context free). */
		if (gc->state != CS_CLOSING)
			shoal_abort(gc->c);
		if (gc->state != CS_FREE)
			gen_conn_free(gw, gc);
	}
	gen_publish(gw);
	/* The engine may still hold our contexts' pointers until it is
	 * freed with the stack, so the state lives until the process ends. */
}
