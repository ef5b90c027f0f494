/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The client side: open connections at the paced rate up to the target
 * concurrency, run the profile's exchange on each, time it.
 *
 * Times are measured from when an action was due, not from when the
 * worker got to it: a connection's connect time starts at its pacing
 * token's due time, a request's at the moment it was scheduled. A stalled
 * worker or server therefore shows up in the latencies (no coordinated
 * omission).
 */
#include <arpa/inet.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include <rte_errno.h>

#include "pattern.h"
#include "worker.h"

/* This worker's share of a total split over @p n workers. */
static uint64_t
share(uint64_t total, unsigned int n, unsigned int id)
{
	return total / n + (id < total % n ? 1 : 0);
}

static uint64_t
nb_ports(const struct shoal_cfg_ports *p)
{
	uint64_t n = 0;

	for (unsigned int i = 0; i < p->n; i++)
		n += (uint64_t)p->range[i].last - p->range[i].first + 1;
	return n;
}

static uint16_t
port_at(const struct shoal_cfg_ports *p, uint64_t k)
{
	for (unsigned int i = 0; i < p->n; i++) {
		uint64_t len = (uint64_t)p->range[i].last - p->range[i].first + 1;

		if (k < len)
			return (uint16_t)(p->range[i].first + k);
		k -= len;
	}
	return p->range[0].first;
}

static int
build_requests(struct gen_worker *gw)
{
	const struct gen_conf *c = gw->conf;
	char host[64];
	const char *h = c->host;
	int n;

	if (h[0] == '\0') {
		struct in_addr a = { .s_addr = c->server_ip.first.v4 };

		inet_ntop(AF_INET, &a, host, sizeof(host));
		if (c->server_port.range[0].first != 80) {
			size_t l = strlen(host);

			snprintf(host + l, sizeof(host) - l, ":%u",
				 c->server_port.range[0].first);
		}
		h = host;
	}
	n = http_build_request(gw->req_ka, sizeof(gw->req_ka), c->method,
			       c->path, h, c->headers, true);
	if (n < 0)
		return n;
	gw->req_ka_len = (uint32_t)n;
	n = http_build_request(gw->req_close, sizeof(gw->req_close), c->method,
			       c->path, h, c->headers, false);
	if (n < 0)
		return n;
	gw->req_close_len = (uint32_t)n;
	gw->req_head = strcmp(c->method, "HEAD") == 0;
	return 0;
}

int
client_init(struct gen_worker *gw)
{
	const struct gen_conf *c = gw->conf;
	struct gen *g = gw->g;
	/* Flooding workers, the last ones, take no share. */
	unsigned int n = gen_nb_profile_workers(g);
	uint64_t rate_milli = (uint64_t)llround(c->cps * 1000.0);
	uint64_t burst = c->burst;
	int ret;

	gw->concurrency = (uint32_t)share(c->concurrency, n, gw->id);
	gw->to_open = c->connections ? share(c->connections, n, gw->id) :
		UINT64_MAX;
	/* 10 ms worth, at least 16: an idle-mode worker sleeps up to 1 ms
	 * between polls and must catch up without skipping, yet a long
	 * stall must not be followed by a flood. */
	if (burst == 0)
		burst = RTE_MAX(UINT64_C(16), rate_milli / 1000 / n / 100);
	/* The rate in thousandths, split over the workers without rounding. */
	pace_init(&gw->pace, rate_milli, (uint64_t)n * 1000, c->ramp, burst,
		  g->start_ns);
	shoal_local_addrs(g->stack, &gw->src_first, &gw->src_count);
	if (gw->src_count == 0)
		gw->src_count = 1;
	/* Workers start their round-robin at different places. */
	gw->next_src = gw->id % gw->src_count;
	gw->nb_dst = c->server_ip.count * nb_ports(&c->server_port);
	gw->next_dst = 0;
	if (c->profile == GEN_PROFILE_HTTP && (ret = build_requests(gw)) != 0)
		return ret;
	return 0;
}

/* --- one exchange ---------------------------------------------------------- */

/* Queue the next request, due at gc->t_sched: a transaction starts (or,
 * back to back, goes on in the same record). */
static void
send_request(struct gen_worker *gw, struct gen_conn *gc)
{
	const struct gen_conf *c = gw->conf;
	bool last = c->requests && gc->done + 1 >= c->requests;
	struct gen_txn *t = gen_txn(gw, gc);

	gc->state = CS_ACTIVE;
	gc->got_first = false;
	switch (c->profile) {
	case GEN_PROFILE_HTTP:
		gc->src = SRC_HTTP_REQ;
		gc->req_close = last;
		t->msg_start = gc->tx_off;
		t->tx_goal = gc->tx_off + (last ? gw->req_close_len :
					   gw->req_ka_len);
		http_parser_next(&t->hp, gw->req_head);
		break;
	case GEN_PROFILE_RR:
		gc->src = SRC_FILL;
		t->tx_goal += c->rr_request;
		t->rx_goal = gc->rx_off + c->rr_response;
		break;
	case GEN_PROFILE_ECHO:
		gc->src = SRC_PATTERN;
		t->tx_goal += c->echo_size;
		t->rx_goal = gc->rx_off + c->echo_size;
		break;
	default:
		return;
	}
	gw->cnt.requests_tx++;
	gen_pump(gw, gc);
}

/* Between requests a client keeps nothing of the last one: its record
 * goes back, unless bytes of that request are still to be queued (a
 * server that answered before it had all of it). */
static void
client_txn_end(struct gen_worker *gw, struct gen_conn *gc)
{
	const struct gen_txn *t = gen_txn_of(gw, gc);

	if (t != NULL && t->tx_goal == gc->tx_off)
		gen_txn_end(gw, gc);
}

/* A response completed: time it, then the next request, a pause, or the
 * end of the connection. */
static void
response_done(struct gen_worker *gw, struct gen_conn *gc, bool keep_alive)
{
	const struct gen_conf *c = gw->conf;

	gw->cnt.responses_rx++;
	hist_record(&gw->h[GEN_H_RR], gen_since(gw, gc->t_sched));
	gc->done++;
	if (!keep_alive && !gc->peer_done && !gw->draining) {
		/* The server closes first, as it said: the TIME-WAIT state
		 * stays with it, not with us (at thousands of connections
		 * per second our control blocks would run out). */
		gc->state = CS_LINGER;
		client_txn_end(gw, gc);
		return;
	}
	if (gw->draining || !keep_alive || gc->peer_done ||
	    (c->requests && gc->done >= c->requests)) {
		gen_conn_close(gw, gc);
		return;
	}
	if (c->think == 0) {
		gc->t_sched = gen_now(gw);
		send_request(gw, gc);
		return;
	}
	gc->t_sched = gen_now(gw) + c->think;
	if (gw->think_n == gw->think_size) {
		send_request(gw, gc);	/* cannot happen with 2 per context */
		return;
	}
	gc->state = CS_THINK;
	client_txn_end(gw, gc);
	gw->think[(gw->think_head + gw->think_n) % gw->think_size] =
		(struct gen_think){ gen_conn_idx(gw, gc), gc->gen };
	gw->think_n++;
}

static void
protocol_error(struct gen_conn *gc, uint64_t *counter)
{
	(*counter)++;
	gc->state = CS_CLOSING;	/* not counted again as a reset */
	shoal_abort(gc->c);
}

static void
count_status(struct gen_worker *gw, unsigned int status)
{
	uint64_t *cls[6] = { &gw->cnt.resp_other, &gw->cnt.resp_1xx,
		&gw->cnt.resp_2xx, &gw->cnt.resp_3xx, &gw->cnt.resp_4xx,
		&gw->cnt.resp_5xx };

	(*cls[http_status_class(status)])++;
}

static void
http_recv(struct gen_worker *gw, struct gen_conn *gc, struct rte_mbuf *m)
{
	for (; m != NULL; m = m->next) {
		const char *p = rte_pktmbuf_mtod(m, const char *);
		size_t len = m->data_len, used;
		struct gen_txn *t;
		int rc;

		if (len == 0)
			continue;
		/* no response is awaited outside CS_ACTIVE */
		t = gc->state == CS_ACTIVE ? gen_txn(gw, gc) : NULL;
		if (t == NULL || gc->tx_off < t->tx_goal) {
			/* bytes before the request was even sent */
			protocol_error(gc, &gw->cnt.fail_protocol);
			return;
		}
		rc = http_parse(&t->hp, p, len, &used);
		if (rc == HTTP_ERROR || (rc == HTTP_DONE &&
					 (used < len || m->next != NULL))) {
			protocol_error(gc, &gw->cnt.fail_protocol);
			return;
		}
		if (rc == HTTP_DONE) {
			count_status(gw, t->hp.status);
			response_done(gw, gc, t->hp.keep_alive);
			return;
		}
	}
}

/* rr and echo: the response is rx_goal - rx_off more bytes. */
static void
stream_recv(struct gen_worker *gw, struct gen_conn *gc, struct rte_mbuf *m,
	    bool check)
{
	uint64_t len = rte_pktmbuf_pkt_len(m);
	const struct gen_txn *t;

	if (check) {
		uint64_t id = gen_conn_id(gc);

		for (struct rte_mbuf *s = m; s != NULL; s = s->next) {
			if (pattern_check(id, gc->rx_off,
					  rte_pktmbuf_mtod(s, void *),
					  s->data_len) >= 0) {
				protocol_error(gc, &gw->cnt.fail_verify);
				return;
			}
			gc->rx_off += s->data_len;
		}
	} else {
		gc->rx_off += len;
	}
	if (gw->conf->profile == GEN_PROFILE_BULK)
		return;
	/* no response is awaited outside CS_ACTIVE */
	t = gc->state == CS_ACTIVE ? gen_txn(gw, gc) : NULL;
	if (t == NULL || gc->rx_off > t->rx_goal) {
		protocol_error(gc, &gw->cnt.fail_protocol);
		return;
	}
	if (gc->rx_off == t->rx_goal)
		response_done(gw, gc, true);
}

/* --- callbacks --------------------------------------------------------------- */

static void
client_connected(struct shoal_conn *c, void *ctx)
{
	struct gen_conn *gc = ctx;
	struct gen_worker *gw = gen_self();
	const struct gen_conf *conf = gw->conf;

	gc->established = true;
	gw->warm = true;
	gw->established++;
	gw->cnt.conn_established++;
	hist_record(&gw->h[GEN_H_CONNECT], gen_since(gw, gc->t_sched));
	if (conf->tcp_nodelay)
		shoal_conn_set_nodelay(c, true);
	if (gw->draining) {
		gen_conn_close(gw, gc);
		return;
	}
	if (conf->profile != GEN_PROFILE_BULK) {
		/* the first request is due now: the connect time was the
		 * connection's, not the request's */
		gc->t_sched = gen_now(gw);
		send_request(gw, gc);
		return;
	}
	gc->state = CS_ACTIVE;
	gc->t_sched = gen_now(gw);
	/* A stream is one transaction, to the end; one only received
	 * needs no record (nothing is owed to the server). */
	if (conf->bulk_dir != GEN_BULK_DOWNLOAD) {
		gc->src = SRC_PATTERN;
		gen_txn(gw, gc)->tx_goal = conf->bulk_bytes ? conf->bulk_bytes :
			UINT64_MAX;
		gc->fin_when_done = true;
		gen_pump(gw, gc);
	}
}

static void
client_recv(struct shoal_conn *c, void *ctx, struct rte_mbuf *m)
{
	struct gen_conn *gc = ctx;
	struct gen_worker *gw = gen_self();
	const struct gen_conf *conf = gw->conf;

	gw->cnt.app_bytes_rx += rte_pktmbuf_pkt_len(m);
	if (gc->state == CS_CLOSING || gc->state == CS_FREE) {
		rte_pktmbuf_free(m);
		return;
	}
	if (!gc->got_first) {
		gc->got_first = true;
		hist_record(&gw->h[GEN_H_TTFB], gen_since(gw, gc->t_sched));
	}
	switch (conf->profile) {
	case GEN_PROFILE_HTTP:
		http_recv(gw, gc, m);
		break;
	case GEN_PROFILE_RR:
		stream_recv(gw, gc, m, false);
		break;
	case GEN_PROFILE_ECHO:
		stream_recv(gw, gc, m, true);
		break;
	case GEN_PROFILE_BULK:
		stream_recv(gw, gc, m, conf->bulk_verify);
		break;
	}
	rte_pktmbuf_free(m);
}

static void
client_sent(struct shoal_conn *c, void *ctx, uint32_t acked, uint32_t space)
{
	struct gen_conn *gc = ctx;

	if (gc->state == CS_ACTIVE)
		gen_pump(gen_self(), gc);
}

static void
client_peer_closed(struct shoal_conn *c, void *ctx)
{
	struct gen_conn *gc = ctx;
	struct gen_worker *gw = gen_self();
	const struct gen_conf *conf = gw->conf;

	gc->peer_done = true;
	if (gc->state == CS_CLOSING || gc->state == CS_FREE)
		return;
	if (gc->state == CS_LINGER) {
		gen_conn_close(gw, gc);
		return;
	}
	if (conf->profile == GEN_PROFILE_HTTP && gc->state == CS_ACTIVE) {
		struct gen_txn *t = gen_txn(gw, gc);
		int rc = http_parse_eof(&t->hp);

		if (rc == HTTP_DONE) {
			count_status(gw, t->hp.status);
			response_done(gw, gc, false);
			return;
		}
		if (rc == HTTP_ERROR || gc->tx_off > t->msg_start) {
			/* closed with a request unanswered */
			gw->cnt.fail_protocol++;
		}
	} else if (conf->profile != GEN_PROFILE_BULK &&
		   gc->state == CS_ACTIVE && !gw->draining) {
		gw->cnt.fail_protocol++;
	}
	if (conf->profile == GEN_PROFILE_BULK) {
		/* The server is done sending; what we still owe it goes out
		 * first, unless ours is an endless stream. */
		struct gen_txn *t = gen_txn_of(gw, gc);

		if (t != NULL && t->tx_goal == UINT64_MAX)
			t->tx_goal = gc->tx_off;
		gc->want_close = true;
		gen_pump(gw, gc);
		return;
	}
	gen_conn_close(gw, gc);
}

const struct shoal_tcp_ops client_ops = {
	.connected = client_connected,
	.recv = client_recv,
	.sent = client_sent,
	.peer_closed = client_peer_closed,
	.reset = gen_on_reset,
	.closed = gen_on_closed,
};

/* --- opening connections ------------------------------------------------------ */

/* False when the engine is under memory pressure: open no more now. */
static bool
open_one(struct gen_worker *gw, uint64_t due)
{
	const struct gen_conf *c = gw->conf;
	struct shoal_endpoints ep;
	struct gen_conn *gc;
	uint64_t k = gw->next_dst;

	gw->to_open--;
	gc = gen_conn_alloc(gw, true);
	if (gc == NULL) {
		gw->cnt.fail_local++;
		return true;
	}
	gw->client_active++;
	memset(&ep, 0, sizeof(ep));
	/* Source addresses round-robin, the engine picks the port: with
	 * ip_count addresses a server takes ip_count * ~64K connections. */
	ep.local = shoal_addr_v4(rte_cpu_to_be_32(
		rte_be_to_cpu_32(gw->src_first) + gw->next_src));
	if (++gw->next_src == gw->src_count)
		gw->next_src = 0;
	ep.remote = shoal_addr_v4(rte_cpu_to_be_32(
		rte_be_to_cpu_32(c->server_ip.first.v4) +
		(uint32_t)(k % c->server_ip.count)));
	ep.rport = rte_cpu_to_be_16(port_at(&c->server_port,
					    k / c->server_ip.count));
	if (++gw->next_dst == gw->nb_dst)
		gw->next_dst = 0;
	gc->state = CS_CONNECTING;
	gc->t_sched = due;
	gc->c = shoal_tcp_connect(gw->tcp, &ep, &client_ops, gc);
	if (gc->c == NULL && rte_errno == ENOBUFS) {
		/* Memory pressure: not a failure, the connection is
		 * opened once the stack has mbufs to spare again. */
		gw->cnt.open_nomem++;
		gw->to_open++;
		gen_conn_free(gw, gc);
		return false;
	}
	if (gc->c == NULL) {
		gw->cnt.fail_local++;
		gen_conn_free(gw, gc);
		return true;
	}
	gw->cnt.conn_attempts++;
	return true;
}

static __rte_noinline int
client_poll_work(struct gen_worker *gw)
{
	const struct gen_conf *c = gw->conf;
	uint64_t want, n;
	int work = 0;

	/* Connections whose think time is over send their next request. */
	while (gw->think_n != 0) {
		struct gen_think t = gw->think[gw->think_head];
		struct gen_conn *gc = &gw->conns[t.idx];

		if (gc->gen == t.gen && gc->state == CS_THINK &&
		    gc->t_sched > gen_now(gw))
			break;
		gw->think_head = (gw->think_head + 1) % gw->think_size;
		gw->think_n--;
		if (gc->gen != t.gen || gc->state != CS_THINK)
			continue;	/* closed meanwhile */
		send_request(gw, gc);
		work++;
	}
	if (gw->draining || gw->to_open == 0 ||
	    gw->client_active >= gw->concurrency)
		return work;
	/* Until a first connection is through, the server's (or gateway's)
	 * MAC may be unknown: a burst of SYNs would overflow the neighbour
	 * queue and each lost one would cost a 1 s SYN timeout. */
	if (!gw->warm && gw->client_active > 0)
		return work;
	want = RTE_MIN(gw->concurrency - gw->client_active, gw->to_open);
	want = RTE_MIN(want, gw->warm ? (uint64_t)GEN_OPEN_BATCH : 1);
	n = pace_take(&gw->pace, gen_now(gw), want);
	gw->cnt.pace_skipped = gw->pace.skipped;
	for (uint64_t i = 0; i < n; i++) {
		uint64_t due = c->cps > 0 ?
			pace_due_ns(&gw->pace, gw->pace.taken - n + 1 + i) :
			gen_now(gw);

		if (!open_one(gw, due))
			break;
	}
	return work + (int)n;
}

/* Called on every poll, and at full concurrency nothing is to do: decide
 * that before paying for the work's register saves. */
int
client_poll(struct gen_worker *gw)
{
	if (gw->think_n == 0 && (gw->draining || gw->to_open == 0 ||
				 gw->client_active >= gw->concurrency))
		return 0;
	return client_poll_work(gw);
}

void
client_drain(struct gen_worker *gw)
{
	/* Idle connections close now; one waiting for a response closes
	 * when it comes (response_done sees draining); a stream stops
	 * (closing ends its transaction: nothing more is queued). */
	for (uint32_t i = 0; i < gw->conns_used; i++) {
		struct gen_conn *gc = &gw->conns[i];

		if (!gc->client || gc->state == CS_FREE ||
		    gc->state == CS_CONNECTING || gc->state == CS_CLOSING)
			continue;
		if (gc->state == CS_THINK || gc->state == CS_LINGER ||
		    gw->conf->profile == GEN_PROFILE_BULK) {
			gen_conn_close(gw, gc);
		}
	}
}
