/* SPDX-License-Identifier: BSD-3-Clause */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <rte_errno.h>
#include <rte_mbuf.h>

#include "fake_tcp.h"
#include "stack/worker.h"

struct shoal_conn {
	struct shoal_conn *peer;
	const struct shoal_tcp_ops *ops;
	void *ctx;
	struct shoal_endpoints ep;
	enum shoal_tcp_state st;
	uint32_t inflight;
	bool fin_sent, fin_rcvd, app_closed, dead;
	bool active;		/* opened by shoal_tcp_connect */
};

struct shoal_tcp {
	struct {
		uint16_t port;
		const struct shoal_tcp_ops *ops;
		void *ctx;
	} l[16];
	int nl;
};

enum ev_type { EV_SYN, EV_SYNACK, EV_DATA, EV_ACK, EV_FIN, EV_RST, EV_CHECK };

struct ev {
	enum ev_type type;
	struct shoal_conn *c;	/* who it is for */
	struct shoal_conn *from;
	struct rte_mbuf *m;
	uint32_t len;
};

static struct shoal_tcp engine;
static struct rte_mempool *pool;
static struct ev *q;
static size_t q_head, q_tail, q_cap;
static uint16_t next_port = 10000;
static uint64_t corrupt_at, sent_bytes;
static rte_be32_t local_first;
static uint32_t local_count = 1;
struct fake_stats fake_stats;

static void
push(enum ev_type type, struct shoal_conn *c, struct shoal_conn *from,
     struct rte_mbuf *m, uint32_t len)
{
	if (q_tail == q_cap) {
		/* compact, then grow */
		memmove(q, q + q_head, (q_tail - q_head) * sizeof(*q));
		q_tail -= q_head;
		q_head = 0;
		if (q_tail == q_cap) {
			q_cap = q_cap ? 2 * q_cap : 4096;
			q = realloc(q, q_cap * sizeof(*q));
		}
	}
	q[q_tail++] = (struct ev){ type, c, from, m, len };
}

struct shoal_tcp *
fake_tcp_init(struct rte_mempool *p)
{
	pool = p;
	memset(&engine, 0, sizeof(engine));
	return &engine;
}

void
fake_corrupt_byte(uint64_t n)
{
	corrupt_at = n ? sent_bytes + n : 0;
}

void
fake_set_local(rte_be32_t first, uint32_t count)
{
	local_first = first;
	local_count = count;
}

static void
do_closed(struct shoal_conn *c)
{
	if (c->dead)
		return;
	c->dead = true;
	c->st = SHOAL_TCP_CLOSED;
	if (c->ops->closed)
		c->ops->closed(c, c->ctx);
}

static void
maybe_finish(struct shoal_conn *c)
{
	if (!c->dead && c->app_closed && c->fin_sent &&
	    (c->fin_rcvd || c->peer == NULL || c->peer->dead))
		do_closed(c);
}

static struct shoal_conn *
conn_new(void)
{
	struct shoal_conn *c = calloc(1, sizeof(*c));

	fake_stats.conns++;
	return c;	/* never freed: a late call on it stays harmless */
}

static void
ev_syn(struct shoal_conn *c)
{
	uint16_t port = rte_be_to_cpu_16(c->ep.rport);
	struct shoal_conn *s;

	for (int i = 0; i < engine.nl; i++) {
		if (engine.l[i].port != port)
			continue;
		s = conn_new();
		s->ep.local = c->ep.remote;
		s->ep.remote = c->ep.local;
		s->ep.lport = c->ep.rport;
		s->ep.rport = c->ep.lport;
		s->ops = engine.l[i].ops;
		s->ctx = engine.l[i].ctx;
		s->st = SHOAL_TCP_ESTABLISHED;
		s->peer = c;
		c->peer = s;
		/* the client learns first (SYN-ACK), the server on the ACK:
		 * what the server sends on accept comes after */
		push(EV_SYNACK, c, s, NULL, 0);
		if (s->ops->accepted)
			s->ops->accepted(s, s->ctx);
		return;
	}
	if (c->ops->reset)
		c->ops->reset(c, c->ctx, ECONNREFUSED);
	do_closed(c);
}

static void
deliver(const struct ev *e)
{
	struct shoal_conn *c = e->c;

	switch (e->type) {
	case EV_SYN:
		ev_syn(c);
		break;
	case EV_SYNACK:
		if (c->dead)
			break;
		c->st = SHOAL_TCP_ESTABLISHED;
		if (c->ops->connected)
			c->ops->connected(c, c->ctx);
		break;
	case EV_DATA:
		if (c->dead || c->app_closed) {
			rte_pktmbuf_free(e->m);
			push(EV_RST, e->from, NULL, NULL, 0);
			break;
		}
		if (c->ops->recv)
			c->ops->recv(c, c->ctx, e->m);
		else
			rte_pktmbuf_free(e->m);
		push(EV_ACK, e->from, NULL, NULL, e->len);
		break;
	case EV_ACK:
		c->inflight -= e->len;
		if (!c->dead && !c->app_closed && c->ops->sent)
			c->ops->sent(c, c->ctx, e->len, shoal_send_space(c));
		break;
	case EV_FIN:
		if (c->dead)
			break;
		c->fin_rcvd = true;
		if (!c->app_closed && c->ops->peer_closed)
			c->ops->peer_closed(c, c->ctx);
		maybe_finish(c);
		break;
	case EV_RST:
		if (c->dead)
			break;
		fake_stats.resets++;
		if (!c->app_closed && c->ops->reset)
			c->ops->reset(c, c->ctx, ECONNRESET);
		do_closed(c);
		break;
	case EV_CHECK:
		maybe_finish(c);
		break;
	}
}

unsigned int
fake_step(unsigned int max)
{
	unsigned int n = 0;

	while (q_head < q_tail && n < max) {
		struct ev e = q[q_head++];

		deliver(&e);
		n++;
	}
	return n;
}

/* --- tcp.h ------------------------------------------------------------- */

int
shoal_tcp_listen(struct shoal_tcp *t, const struct shoal_addr *local,
		 uint16_t port, const struct shoal_tcp_ops *ops, void *ctx)
{
	if (t->nl == 16)
		return -ENOSPC;
	t->l[t->nl].port = port;
	t->l[t->nl].ops = ops;
	t->l[t->nl].ctx = ctx;
	t->nl++;
	return 0;
}

struct shoal_conn *
shoal_tcp_connect(struct shoal_tcp *t, const struct shoal_endpoints *ep,
		  const struct shoal_tcp_ops *ops, void *ctx)
{
	struct shoal_conn *c = conn_new();

	c->ep = *ep;
	if (c->ep.lport == 0)
		c->ep.lport = rte_cpu_to_be_16(next_port++);
	c->ops = ops;
	c->ctx = ctx;
	c->st = SHOAL_TCP_SYN_SENT;
	c->active = true;
	push(EV_SYN, c, NULL, NULL, 0);
	return c;
}

bool
shoal_tcp_mem_pressure(const struct shoal_tcp *t)
{
	(void)t;
	return false;
}

uint32_t
shoal_send_space(const struct shoal_conn *c)
{
	return FAKE_SNDBUF - c->inflight;
}

static int
can_send(const struct shoal_conn *c)
{
	if (c->dead || c->fin_sent || c->app_closed)
		return -EPIPE;
	if (c->st != SHOAL_TCP_ESTABLISHED || c->peer == NULL)
		return -ENOTCONN;
	return 0;
}

int
shoal_send(struct shoal_conn *c, const void *buf, uint32_t len)
{
	struct rte_mbuf *head = NULL, *last = NULL;
	uint32_t n, off = 0;
	int ret = can_send(c);

	if (ret != 0)
		return ret;
	n = RTE_MIN(len, shoal_send_space(c));
	if (n == 0)
		return 0;
	while (off < n) {
		struct rte_mbuf *m = rte_pktmbuf_alloc(pool);
		uint32_t k = RTE_MIN(n - off, (uint32_t)rte_pktmbuf_tailroom(m));
		uint8_t *d = (uint8_t *)rte_pktmbuf_append(m, (uint16_t)k);

		memcpy(d, (const uint8_t *)buf + off, k);
		if (corrupt_at > sent_bytes && corrupt_at <= sent_bytes + k) {
			d[corrupt_at - sent_bytes - 1] ^= 0x10;
			corrupt_at = 0;
		}
		sent_bytes += k;
		if (head == NULL)
			head = m;
		else if (rte_pktmbuf_chain(head, m) != 0)
			abort();
		last = m;
		off += k;
	}
	(void)last;
	c->inflight += n;
	fake_stats.bytes += n;
	push(EV_DATA, c->peer, c, head, n);
	return (int)n;
}

int
shoal_send_mbuf(struct shoal_conn *c, struct rte_mbuf *m)
{
	int ret = can_send(c);

	if (ret != 0)
		return ret;
	if (rte_pktmbuf_pkt_len(m) > shoal_send_space(c))
		return -ENOBUFS;
	for (struct rte_mbuf *s = m; s != NULL; s = s->next)
		fake_stats.extbuf_segs += RTE_MBUF_HAS_EXTBUF(s) != 0;
	c->inflight += rte_pktmbuf_pkt_len(m);
	fake_stats.bytes += rte_pktmbuf_pkt_len(m);
	push(EV_DATA, c->peer, c, m, rte_pktmbuf_pkt_len(m));
	return (int)rte_pktmbuf_pkt_len(m);
}

int
shoal_shutdown(struct shoal_conn *c)
{
	if (c->dead)
		return -ENOTCONN;
	if (!c->fin_sent) {
		c->fin_sent = true;
		/* a FIN sent before the peer's arrived is an active close:
		 * that end keeps TIME-WAIT in a real engine */
		if (!c->fin_rcvd) {
			if (c->active)
				fake_stats.first_fin_client++;
			else
				fake_stats.first_fin_server++;
		}
		if (c->peer != NULL)
			push(EV_FIN, c->peer, c, NULL, 0);
	}
	return 0;
}

int
shoal_close(struct shoal_conn *c)
{
	if (c->dead)
		return -ENOTCONN;
	c->app_closed = true;
	shoal_shutdown(c);
	push(EV_CHECK, c, NULL, NULL, 0);
	return 0;
}

void
shoal_abort(struct shoal_conn *c)
{
	if (c->dead)
		return;
	if (c->peer != NULL)
		push(EV_RST, c->peer, NULL, NULL, 0);
	c->app_closed = true;
	do_closed(c);
}

void
shoal_conn_set_ctx(struct shoal_conn *c, void *ctx)
{
	c->ctx = ctx;
}

void *
shoal_conn_ctx(const struct shoal_conn *c)
{
	return c->ctx;
}

struct shoal_endpoints
shoal_conn_endpoints(const struct shoal_conn *c)
{
	return c->ep;
}

enum shoal_tcp_state
shoal_conn_state(const struct shoal_conn *c)
{
	return c->st;
}

void
shoal_conn_set_nodelay(struct shoal_conn *c, bool nodelay)
{
	(void)c;
	(void)nodelay;
}

/* --- the stack's worker accessors ---------------------------------------- */

struct shoal_tcp *
shoal_worker_tcp(struct shoal_worker *w)
{
	return w->tcp;
}

unsigned int
shoal_worker_id(const struct shoal_worker *w)
{
	return w->id;
}

uint64_t
shoal_worker_now(const struct shoal_worker *w)
{
	return w->now_ns;
}

void
shoal_local_addrs(const struct shoal_stack *st, rte_be32_t *first,
		  uint32_t *count)
{
	(void)st;
	*first = local_first;
	*count = local_count;
}

/* The fake keeps no pools: nothing it holds counts as a leak. */
void
shoal_tcp_usage(const struct shoal_tcp *t, struct shoal_tcp_usage *u)
{
	(void)t;
	memset(u, 0, sizeof(*u));
}

struct gen_worker;

/* The profiles test runs no flooding worker (that needs the IP layer). */
int
flood_init(struct gen_worker *gw)
{
	(void)gw;
	return -ENOTSUP;
}

int
flood_poll(struct gen_worker *gw)
{
	(void)gw;
	return 0;
}
