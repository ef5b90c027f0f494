/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The server side: answer as fast as the engine takes it. Responses are
 * built once per worker and sent from static buffers (shoal_send copies
 * straight from them into the segments); the echo profile hands the
 * received mbuf chain back to the engine without copying.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "pattern.h"
#include "worker.h"

/*
 * The keep-alive and the close variant of the response head are padded to
 * the same length (trailing spaces of a header value are optional white
 * space, RFC 9110 5.5), so every response of a connection has the same
 * length and its stream offset alone says where a response starts.
 */
static int
build_responses(struct gen_worker *gw)
{
	const struct gen_conf *c = gw->conf;
	int ka, cl;

	ka = http_build_response_head(gw->resp_ka, sizeof(gw->resp_ka),
				      c->body, true);
	cl = http_build_response_head(gw->resp_close, sizeof(gw->resp_close),
				      c->body, false);
	if (ka < 0 || cl < 0 || ka < cl)
		return -ENOSPC;
	/* "close" is shorter than "keep-alive": pad before the CRLF CRLF */
	memmove(gw->resp_close + ka - 4, gw->resp_close + cl - 4, 4);
	memset(gw->resp_close + cl - 4, ' ', (size_t)(ka - cl));
	gw->resp_close[ka] = '\0';
	gw->resp_head_len = (uint32_t)ka;
	gw->resp_len = (uint64_t)ka + c->body;
	/* The body is fill[0, body): pump_source sends the same bytes. */
	if (gw->resp_len <= GEN_CHUNK) {
		uint8_t *r = malloc(2 * gw->resp_len);

		if (r == NULL)
			return -ENOMEM;
		memcpy(r, gw->resp_ka, ka);
		memcpy(r + ka, gw->fill, c->body);
		memcpy(r + gw->resp_len, gw->resp_close, ka);
		memcpy(r + gw->resp_len + ka, gw->fill, c->body);
		gw->resp_whole = r;
	}
	return 0;
}

int
server_init(struct gen_worker *gw)
{
	const struct gen_conf *c = gw->conf;
	int ret;

	if (c->profile == GEN_PROFILE_HTTP && (ret = build_responses(gw)) != 0)
		return ret;
	for (unsigned int i = 0; i < c->listen_port.n; i++) {
		for (uint32_t p = c->listen_port.range[i].first;
		     p <= c->listen_port.range[i].last; p++) {
			ret = shoal_tcp_listen(gw->tcp, NULL, (uint16_t)p,
					       &server_ops, gw);
			if (ret != 0)
				return ret;
		}
	}
	return 0;
}

static void
abort_conn(struct gen_conn *gc, uint64_t *counter)
{
	(*counter)++;
	gc->state = CS_CLOSING;	/* not counted again as a reset */
	shoal_abort(gc->c);
}

/*
 * Between requests a server keeps nothing of the last one: the record
 * goes back once the connection is as a new record would find it (see
 * gen_txn_start): every response queued, no mbuf waiting, not closing
 * (so no response closes it: close_at is unset), and no byte of the
 * next request read (http: the parser was not fed; rr: the next request
 * ends one request size on). A bulk stream keeps its record to the end.
 */
static void
server_txn_end(struct gen_worker *gw, struct gen_conn *gc)
{
	const struct gen_conf *c = gw->conf;
	const struct gen_txn *t = gen_txn_of(gw, gc);

	if (t == NULL || gc->state != CS_ACTIVE || gc->want_close ||
	    t->tx_goal != gc->tx_off || t->pending != NULL)
		return;
	switch (c->profile) {
	case GEN_PROFILE_HTTP:
		if (t->hp.begun)
			return;
		break;
	case GEN_PROFILE_RR:
		if (t->rx_goal - gc->rx_off != c->rr_request)
			return;
		break;
	case GEN_PROFILE_ECHO:
		break;
	default:
		return;
	}
	gen_txn_end(gw, gc);
}

/* --- callbacks --------------------------------------------------------- */

static void
server_accepted(struct shoal_conn *c, void *ctx)
{
	struct gen_worker *gw = ctx;
	const struct gen_conf *conf = gw->conf;
	struct gen_conn *gc = NULL;

	/* role both shares the contexts: keep the server to its own limit */
	if (gw->server_active < conf->server_max_conns)
		gc = gen_conn_alloc(gw, false);
	if (gc == NULL) {
		gw->cnt.server_no_ctx++;
		shoal_abort(c);
		return;
	}
	gw->server_active++;
	gc->c = c;
	gc->established = true;
	gw->established++;
	gw->cnt.conn_accepted++;
	gc->t_sched = gen_now(gw);
	shoal_conn_set_ctx(c, gc);
	if (conf->tcp_nodelay)
		shoal_conn_set_nodelay(c, true);
	/* No transaction yet: the first request's first byte starts one
	 * (a stream sent to the client starts one now, to its end). */
	switch (conf->profile) {
	case GEN_PROFILE_HTTP:
		gc->src = SRC_HTTP_RESP;
		break;
	case GEN_PROFILE_RR:
		gc->src = SRC_FILL;
		break;
	case GEN_PROFILE_BULK:
		if (conf->bulk_dir != GEN_BULK_UPLOAD) {
			gc->src = SRC_PATTERN;
			gen_txn(gw, gc)->tx_goal = conf->bulk_bytes ?
				conf->bulk_bytes : UINT64_MAX;
			gc->fin_when_done = true;
			gen_pump(gw, gc);
		}
		break;
	default:
		break;
	}
}

static void
http_recv(struct gen_worker *gw, struct gen_conn *gc, struct rte_mbuf *m)
{
	struct gen_txn *t = gen_txn(gw, gc);

	for (; m != NULL && !gc->want_close; m = m->next) {
		const char *p = rte_pktmbuf_mtod(m, const char *);
		size_t len = m->data_len;

		/* several (pipelined) requests may share a segment */
		while (len > 0 && !gc->want_close) {
			size_t used;
			int rc = http_parse(&t->hp, p, len, &used);

			p += used;
			len -= used;
			if (rc == HTTP_ERROR) {
				abort_conn(gc, &gw->cnt.fail_protocol);
				return;
			}
			if (rc != HTTP_DONE)
				continue;
			gw->cnt.requests_rx++;
			gw->cnt.responses_tx++;
			if (!t->hp.keep_alive) {
				t->close_at = t->tx_goal;
				gc->want_close = true;
			}
			t->tx_goal += gw->resp_len;
			http_parser_next(&t->hp, false);
		}
	}
	gen_pump(gw, gc);
	server_txn_end(gw, gc);
}

static void
rr_recv(struct gen_worker *gw, struct gen_conn *gc, struct rte_mbuf *m)
{
	const struct gen_conf *c = gw->conf;
	struct gen_txn *t = gen_txn(gw, gc);

	gc->rx_off += rte_pktmbuf_pkt_len(m);
	while (gc->rx_off >= t->rx_goal) {
		gw->cnt.requests_rx++;
		gw->cnt.responses_tx++;
		t->tx_goal += c->rr_response;
		t->rx_goal += c->rr_request;
	}
	gen_pump(gw, gc);
	server_txn_end(gw, gc);
}

/* Hand what was not yet taken back to the engine; true when all went. */
static bool
echo_flush(struct gen_worker *gw, struct gen_conn *gc, struct gen_txn *t)
{
	uint32_t len;
	int ret;

	if (t->pending == NULL)
		return true;
	len = rte_pktmbuf_pkt_len(t->pending);
	ret = shoal_send_mbuf(gc->c, t->pending);
	if (ret == -ENOBUFS) {
		gw->cnt.send_stalls++;
		return false;
	}
	if (ret < 0) {
		rte_pktmbuf_free(t->pending);
		t->pending = NULL;
		return true;
	}
	t->pending = NULL;
	gc->tx_off += len;
	t->tx_goal = gc->tx_off;
	gw->cnt.app_bytes_tx += len;
	return true;
}

static void
echo_recv(struct gen_worker *gw, struct gen_conn *gc, struct rte_mbuf *m)
{
	struct gen_txn *t = gen_txn(gw, gc);

	gc->rx_off += rte_pktmbuf_pkt_len(m);
	if (t->pending == NULL) {
		t->pending = m;
	} else if (rte_pktmbuf_chain(t->pending, m) != 0) {
		/* over RTE_MBUF_MAX_NB_SEGS segments waiting: a peer that
		 * sends and never reads */
		rte_pktmbuf_free(m);
		abort_conn(gc, &gw->cnt.fail_protocol);
		return;
	}
	echo_flush(gw, gc, t);
	server_txn_end(gw, gc);
}

static void
server_recv(struct shoal_conn *c, void *ctx, struct rte_mbuf *m)
{
	struct gen_conn *gc = ctx;
	struct gen_worker *gw = gen_self();
	const struct gen_conf *conf = gw->conf;

	if (gc->kind != GEN_OBJ_CONN || gc->state != CS_ACTIVE) {
		rte_pktmbuf_free(m);
		return;
	}
	gw->cnt.app_bytes_rx += rte_pktmbuf_pkt_len(m);
	switch (conf->profile) {
	case GEN_PROFILE_HTTP:
		http_recv(gw, gc, m);
		break;
	case GEN_PROFILE_RR:
		rr_recv(gw, gc, m);
		break;
	case GEN_PROFILE_ECHO:
		echo_recv(gw, gc, m);
		return;		/* the engine or pending owns m */
	case GEN_PROFILE_BULK:
		if (conf->bulk_verify) {
			uint64_t id = gen_conn_id(gc);

			for (struct rte_mbuf *s = m; s != NULL; s = s->next) {
				if (pattern_check(id, gc->rx_off,
						  rte_pktmbuf_mtod(s, void *),
						  s->data_len) >= 0) {
					abort_conn(gc, &gw->cnt.fail_verify);
					break;
				}
				gc->rx_off += s->data_len;
			}
		} else {
			gc->rx_off += rte_pktmbuf_pkt_len(m);
		}
		break;
	}
	rte_pktmbuf_free(m);
}

static void
server_sent(struct shoal_conn *c, void *ctx, uint32_t acked, uint32_t space)
{
	struct gen_conn *gc = ctx;
	struct gen_worker *gw = gen_self();

	struct gen_txn *t;

	if (gc->kind != GEN_OBJ_CONN || gc->state != CS_ACTIVE)
		return;
	t = gen_txn_of(gw, gc);
	if (t == NULL) {
		/* most ACKs: the answer was all queued when it was made */
		gen_pump(gw, gc);
		return;
	}
	if (t->pending != NULL && !echo_flush(gw, gc, t))
		return;
	gen_pump(gw, gc);
	server_txn_end(gw, gc);
}

static void
server_peer_closed(struct shoal_conn *c, void *ctx)
{
	struct gen_conn *gc = ctx;
	struct gen_worker *gw = gen_self();
	struct gen_txn *t;

	if (gc->kind != GEN_OBJ_CONN || gc->state != CS_ACTIVE)
		return;
	gc->peer_done = true;
	/* A stream with no end stops; answers still owed go out first. */
	t = gen_txn_of(gw, gc);
	if (t != NULL && t->tx_goal == UINT64_MAX)
		t->tx_goal = gc->tx_off;
	gc->want_close = true;
	gen_pump(gw, gc);
}

const struct shoal_tcp_ops server_ops = {
	.accepted = server_accepted,
	.recv = server_recv,
	.sent = server_sent,
	.peer_closed = server_peer_closed,
	.reset = gen_on_reset,
	.closed = gen_on_closed,
};

void
server_drain(struct gen_worker *gw)
{
	/* Idle connections close; one with answers owed closes after them. */
	for (uint32_t i = 0; i < gw->conns_used; i++) {
		struct gen_conn *gc = &gw->conns[i];
		struct gen_txn *t;

		if (gc->client || gc->state != CS_ACTIVE)
			continue;
		t = gen_txn_of(gw, gc);
		if (t != NULL && t->tx_goal == UINT64_MAX)
			t->tx_goal = gc->tx_off;
		gc->want_close = true;
		gen_pump(gw, gc);
	}
}
