/* SPDX-License-Identifier: BSD-3-Clause */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <rte_eal.h>
#include <rte_errno.h>
#include <rte_mbuf.h>

#include "wire.h"
#include "../eal_lcores.h"

struct wire *W;
static struct rte_mempool *pool;
static bool eal_done;

/* EAL leaves its (empty, with --no-shconf) runtime directory behind; one
 * per test process adds up, so remove it when the process ends. */
static void
eal_rmdir(void)
{
	rmdir(rte_eal_get_runtime_dir());
}

void
wire_eal_init(void)
{
	char prefix[64], lcores[256];
	char *argv[] = { "tcp-test", "--no-huge", "-m", "256", "--no-pci",
		"--no-shconf", "--no-telemetry", lcores,
		"--log-level=lib.eal:error", "--log-level=lib.mbuf:error",
		prefix, NULL };

	if (eal_done)
		return;
	snprintf(prefix, sizeof(prefix), "--file-prefix=shoaltcp%d",
		 (int)getpid());
	test_eal_lcores(lcores, sizeof(lcores));
	cr_assert(rte_eal_init(RTE_DIM(argv) - 1, argv) >= 0,
		  "EAL init failed: %s", rte_strerror(rte_errno));
	eal_done = true;
	atexit(eal_rmdir);
}

struct rte_mempool *
wire_pool(void)
{
	if (pool == NULL) {
		/* No per-lcore cache: avail_count is exact for leak checks. */
		pool = rte_pktmbuf_pool_create("wire_pool", 1023, 0, 0,
				RTE_MBUF_DEFAULT_BUF_SIZE, SOCKET_ID_ANY);
		cr_assert(pool != NULL, "pool: %s", rte_strerror(rte_errno));
	}
	return pool;
}

static void
out_hook(void *ctx, struct rte_mbuf *m, const struct shoal_endpoints *ep)
{
	struct wire *w = ctx;

	cr_assert(ep->lport == w->ep.lport || w->conn == NULL ||
		  true, "endpoints");
	cr_assert(w->nout < RTE_DIM(w->out), "wire overflow");
	cr_assert(m->l4_len >= 20, "l4_len not set");
	cr_assert(rte_pktmbuf_headroom(m) >= w->conf.hdr_room,
		  "headroom %u < %u", rte_pktmbuf_headroom(m),
		  w->conf.hdr_room);
	w->out[w->nout++] = m;
}

/* ----------------------------------------------------------------- app */

static void
app_accepted(struct shoal_conn *c, void *ctx)
{
	struct wire *w = ctx;

	w->app.accepted++;
	w->conn = c;
	if (w->app.on_accept)
		w->app.on_accept(c);
}

static void
app_connected(struct shoal_conn *c, void *ctx)
{
	struct wire *w = ctx;

	w->app.connected++;
}

static void
app_recv(struct shoal_conn *c, void *ctx, struct rte_mbuf *m)
{
	struct wire *w = ctx;
	struct rte_mbuf *s;

	w->app.recv_calls++;
	if (w->app.rxlen + m->pkt_len > w->app.rxcap) {
		w->app.rxcap = (w->app.rxlen + m->pkt_len) * 2;
		w->app.rx = realloc(w->app.rx, w->app.rxcap);
	}
	for (s = m; s != NULL; s = s->next) {
		memcpy(w->app.rx + w->app.rxlen,
		       rte_pktmbuf_mtod(s, void *), s->data_len);
		w->app.rxlen += s->data_len;
	}
	rte_pktmbuf_free(m);
	if (w->app.on_recv)
		w->app.on_recv(c);
}

static void
app_sent(struct shoal_conn *c, void *ctx, uint32_t acked, uint32_t space)
{
	struct wire *w = ctx;

	w->app.sent_calls++;
	w->app.acked += acked;
	if (w->app.on_sent)
		w->app.on_sent(c);
}

static void
app_peer_closed(struct shoal_conn *c, void *ctx)
{
	struct wire *w = ctx;

	w->app.peer_closed++;
	if (w->app.on_peer_closed)
		w->app.on_peer_closed(c);
}

static void
app_reset(struct shoal_conn *c, void *ctx, int err)
{
	struct wire *w = ctx;

	w->app.resets++;
	w->app.reset_err = err;
}

static void
app_closed(struct shoal_conn *c, void *ctx)
{
	struct wire *w = ctx;

	w->app.closed++;
}

void
wire_init(void)
{
	wire_eal_init();
	W = calloc(1, sizeof(*W));
	shoal_tcp_conf_init(&W->conf);
	W->conf.name = "wire";
	W->conf.pool = wire_pool();
	W->conf.output = out_hook;
	W->conf.output_ctx = W;
	W->conf.max_conns = 64;
	W->conf.max_listeners = 8;
	W->conf.rcvbuf = 65535;
	W->conf.sndbuf = 256 * 1024;
	W->conf.sack = false;
	W->conf.wscale = false;
	W->conf.timestamps = false;
	W->conf.rto_min_ns = 200 * MS;
	W->conf.rto_init_ns = 1000 * MS;
	W->conf.delack_ns = 40 * MS;
	W->conf.msl_ns = 30000 * MS;
	W->now = 1000 * MS;
	W->ep.local = shoal_addr_v4(rte_cpu_to_be_32(W_ADDR));
	W->ep.remote = shoal_addr_v4(rte_cpu_to_be_32(P_ADDR));
	W->ep.lport = rte_cpu_to_be_16(W_PORT);
	W->ep.rport = rte_cpu_to_be_16(P_PORT);
	W->peer.local = W->ep.remote;
	W->peer.remote = W->ep.local;
	W->peer.lport = W->ep.rport;
	W->peer.rport = W->ep.lport;
	W->ops = (struct shoal_tcp_ops){
		.accepted = app_accepted, .connected = app_connected,
		.recv = app_recv, .sent = app_sent,
		.peer_closed = app_peer_closed, .reset = app_reset,
		.closed = app_closed,
	};
	W->app_seq = W_ISS + 1;
}

void
wire_start(void)
{
	W->eng = shoal_tcp_create(&W->conf, W->now);
	cr_assert(W->eng != NULL, "engine: %s", rte_strerror(rte_errno));
	tcp_test_fix_iss(W->eng, W_ISS);
	W->started = true;
}

void
wire_drain(void)
{
	while (W->head < W->nout)
		rte_pktmbuf_free(W->out[W->head++]);
	W->head = W->nout = 0;
}

void
wire_fini(void)
{
	if (W == NULL)
		return;
	wire_drain();
	shoal_tcp_free(W->eng);
	free(W->app.rx);
	free(W);
	W = NULL;
}

/* ------------------------------------------------------------- segments */

struct rte_mbuf *
seg_build(const struct seg *s, const struct shoal_endpoints *from)
{
	struct rte_mbuf *m = rte_pktmbuf_alloc(wire_pool());
	uint8_t o[40], *p = o;
	struct rte_tcp_hdr *th;
	unsigned int olen, i;
	uint8_t *d;

	cr_assert(m != NULL);
	if (s->mss >= 0) {
		*p++ = 2; *p++ = 4; *p++ = s->mss >> 8; *p++ = s->mss & 0xff;
	}
	if (s->ws >= 0) {
		*p++ = 1; *p++ = 3; *p++ = 3; *p++ = (uint8_t)s->ws;
	}
	if (s->sackok) {
		*p++ = 1; *p++ = 1; *p++ = 4; *p++ = 2;
	}
	if (s->ts) {
		uint32_t v;

		*p++ = 1; *p++ = 1; *p++ = 8; *p++ = 10;
		v = rte_cpu_to_be_32(s->tsval); memcpy(p, &v, 4); p += 4;
		v = rte_cpu_to_be_32(s->tsecr); memcpy(p, &v, 4); p += 4;
	}
	if (s->nsack) {
		*p++ = 1; *p++ = 1; *p++ = 5; *p++ = 2 + 8 * s->nsack;
		for (i = 0; i < s->nsack; i++) {
			uint32_t v = rte_cpu_to_be_32(s->sack[i][0]);

			memcpy(p, &v, 4); p += 4;
			v = rte_cpu_to_be_32(s->sack[i][1]);
			memcpy(p, &v, 4); p += 4;
		}
	}
	olen = p - o;
	cr_assert(olen <= 40 && olen % 4 == 0, "options %u", olen);
	th = (struct rte_tcp_hdr *)rte_pktmbuf_append(m, 20 + olen);
	th->src_port = from->lport;
	th->dst_port = from->rport;
	th->sent_seq = rte_cpu_to_be_32(s->seq);
	th->recv_ack = rte_cpu_to_be_32(s->ack);
	th->data_off = (uint8_t)(((20 + olen) / 4) << 4);
	th->tcp_flags = s->flags;
	th->rx_win = rte_cpu_to_be_16(s->win < 0 ? 65535 : (uint16_t)s->win);
	th->cksum = 0;
	th->tcp_urp = 0;
	memcpy(th + 1, o, olen);
	if (s->len > 0) {
		d = (uint8_t *)rte_pktmbuf_append(m, s->len);
		cr_assert(d != NULL, "payload %u too long", s->len);
		for (i = 0; i < s->len; i++)
			d[i] = s->data ? ((const uint8_t *)s->data)[i] :
					 pat(s->seq + i);
	}
	return m;
}

void
wire_send_at(const struct seg *s, const char *file, int line)
{
	struct rte_mbuf *m = seg_build(s, &W->peer);

	shoal_tcp_input_burst(W->eng, &m, &W->ep, 1, W->now);
}

void
wire_send_burst(const struct seg *s, unsigned int n)
{
	struct rte_mbuf *m[256];
	struct shoal_endpoints ep[256];
	unsigned int i;

	cr_assert(n <= 256);
	for (i = 0; i < n; i++) {
		m[i] = seg_build(&s[i], &W->peer);
		ep[i] = W->ep;
	}
	shoal_tcp_input_burst(W->eng, m, ep, n, W->now);
}

bool
wire_next(struct tcp_seg *s, struct rte_mbuf **mp)
{
	struct rte_mbuf *m;

	if (W->head == W->nout)
		return false;
	m = W->out[W->head++];
	cr_assert(tcp_parse(m, s) == 0, "engine emitted an unparsable segment");
	if (mp != NULL)
		*mp = m;
	else
		rte_pktmbuf_free(m);
	if (W->head == W->nout)
		W->head = W->nout = 0;
	return true;
}

unsigned int
wire_pending(void)
{
	return W->nout - W->head;
}

static void
fmt_seg(char *buf, size_t n, const struct tcp_seg *s)
{
	snprintf(buf, n, "flags %s%s%s%s%s seq %u ack %u win %u len %u%s%d%s%s "
		 "ts %d/%u/%u sack %u",
		 (s->flags & SYN) ? "S" : "", (s->flags & ACK) ? "A" : "",
		 (s->flags & FIN) ? "F" : "", (s->flags & RST) ? "R" : "",
		 (s->flags & PSH) ? "P" : "", s->seq, s->ack, s->win, s->len,
		 s->has_mss ? " mss " : "", s->has_mss ? s->mss : 0,
		 s->has_ws ? " ws" : "", s->sack_ok ? " sackok" : "",
		 s->has_ts, s->tsval, s->tsecr, s->nsack);
}

void
wire_expect_at(const struct seg *e, const char *file, int line)
{
	struct tcp_seg s;
	struct rte_mbuf *m;
	char got[256];
	uint32_t i, off;
	uint8_t b;

	cr_assert(wire_next(&s, &m), "%s:%d: expected a segment, got none",
		  file, line);
	fmt_seg(got, sizeof(got), &s);
	cr_assert_eq(s.flags, e->flags, "%s:%d: flags %#x != %#x (%s)", file,
		     line, s.flags, e->flags, got);
	cr_assert_eq(s.seq, e->seq, "%s:%d: seq %u != %u (%s)", file, line,
		     s.seq, e->seq, got);
	if (e->flags & ACK)
		cr_assert_eq(s.ack, e->ack, "%s:%d: ack %u != %u (%s)", file,
			     line, s.ack, e->ack, got);
	if (e->win >= 0)
		cr_assert_eq(s.win, (uint32_t)e->win, "%s:%d: win %u != %d (%s)",
			     file, line, s.win, e->win, got);
	if (!e->any_opts) {
		cr_assert_eq(s.has_mss, e->mss >= 0, "%s:%d: mss presence (%s)",
			     file, line, got);
		if (e->mss >= 0)
			cr_assert_eq(s.mss, (uint32_t)e->mss,
				     "%s:%d: mss %u != %d", file, line, s.mss,
				     e->mss);
		cr_assert_eq(s.has_ws, e->ws >= 0, "%s:%d: ws presence (%s)",
			     file, line, got);
		if (e->ws >= 0)
			cr_assert_eq(s.ws, (uint32_t)e->ws, "%s:%d: ws %u != %d",
				     file, line, s.ws, e->ws);
		cr_assert_eq(s.sack_ok, e->sackok, "%s:%d: sackok (%s)", file,
			     line, got);
		cr_assert_eq(s.has_ts, e->ts, "%s:%d: ts presence (%s)", file,
			     line, got);
		if (e->ts) {
			cr_assert_eq(s.tsecr, e->tsecr, "%s:%d: tsecr %u != %u",
				     file, line, s.tsecr, e->tsecr);
			if (!e->any_tsval)
				cr_assert_eq(s.tsval, e->tsval,
					     "%s:%d: tsval %u != %u", file,
					     line, s.tsval, e->tsval);
		}
		cr_assert_eq(s.nsack, e->nsack, "%s:%d: %u SACK blocks != %u "
			     "(%s)", file, line, s.nsack, e->nsack, got);
		for (i = 0; i < e->nsack; i++) {
			cr_assert(s.sack[i].start == e->sack[i][0] &&
				  s.sack[i].end == e->sack[i][1],
				  "%s:%d: SACK block %u [%u,%u) != [%u,%u)",
				  file, line, i, s.sack[i].start,
				  s.sack[i].end, e->sack[i][0], e->sack[i][1]);
		}
	}
	cr_assert_eq(s.len, e->len, "%s:%d: payload %u != %u (%s)", file, line,
		     s.len, e->len, got);
	for (i = 0; i < s.len; i++) {
		off = s.hlen + i;
		b = *(const uint8_t *)rte_pktmbuf_read(m, off, 1, &b);
		cr_assert_eq(b, e->data ? ((const uint8_t *)e->data)[i] :
				 pat(e->seq + i),
			     "%s:%d: payload byte %u differs", file, line, i);
	}
	rte_pktmbuf_free(m);
}

void
wire_expect_none_at(const char *file, int line)
{
	struct tcp_seg s;
	char got[256];

	if (wire_pending() == 0)
		return;
	wire_next(&s, NULL);
	fmt_seg(got, sizeof(got), &s);
	cr_assert_fail("%s:%d: expected nothing, got %s", file, line, got);
}

void
advance_ns(uint64_t ns)
{
	W->now += ns;
	shoal_tcp_advance(W->eng, W->now);
}

void
flush(void)
{
	shoal_tcp_flush(W->eng);
}

int
app_send(uint32_t n)
{
	uint8_t *buf = malloc(n ? n : 1);
	uint32_t i;
	int rc;

	for (i = 0; i < n; i++)
		buf[i] = pat(W->app_seq + i);
	rc = shoal_send(W->conn, buf, n);
	if (rc > 0)
		W->app_seq += rc;
	free(buf);
	return rc;
}

bool
rx_is(uint32_t start, uint32_t n)
{
	uint32_t i;

	if (W->app.rxlen != n)
		return false;
	for (i = 0; i < n; i++)
		if (W->app.rx[i] != pat(start + i))
			return false;
	return true;
}

/* ------------------------------------------------------------- fixtures */

void
fx_listen(void)
{
	cr_assert_eq(shoal_tcp_listen(W->eng, NULL, W_PORT, &W->ops, W), 0);
}

/* ESTABLISHED (passive) with SACK negotiated: a fresh engine with
 * conf.sack on, and the peer's SYN offering it. */
void
fx_sack_established(void)
{
	wire_fini();
	wire_init();
	W->conf.sack = true;
	wire_start();
	fx_listen();
	send(.flags = SYN, .seq = P_ISS, .mss = 1460, .sackok = true);
	expect(.flags = SYN | ACK, .seq = W_ISS, .ack = P_ISS + 1, .mss = 1460,
	       .sackok = true);
	send(.flags = ACK, .seq = P_ISS + 1, .ack = W_ISS + 1);
}

void
fx_syn_received(void)
{
	fx_listen();
	send(.flags = SYN, .seq = P_ISS, .mss = 1460);
	expect(.flags = SYN | ACK, .seq = W_ISS, .ack = P_ISS + 1,
	       .win = 65535, .mss = 1460);
	expect_none();
}

void
fx_established(void)
{
	fx_syn_received();
	send(.flags = ACK, .seq = P_ISS + 1, .ack = W_ISS + 1);
	expect_none();
	cr_assert_eq(W->app.accepted, 1);
	cr_assert_eq(conn_state(), SHOAL_TCP_ESTABLISHED);
}

void
fx_syn_sent(void)
{
	struct shoal_endpoints ep = W->ep;

	W->conn = shoal_tcp_connect(W->eng, &ep, &W->ops, W);
	cr_assert(W->conn != NULL);
	flush();
	expect(.flags = SYN, .seq = W_ISS, .win = 65535, .mss = 1460);
	expect_none();
	cr_assert_eq(conn_state(), SHOAL_TCP_SYN_SENT);
}

void
fx_established_active(void)
{
	fx_syn_sent();
	send(.flags = SYN | ACK, .seq = P_ISS, .ack = W_ISS + 1, .mss = 1460);
	expect(.flags = ACK, .seq = W_ISS + 1, .ack = P_ISS + 1);
	expect_none();
	cr_assert_eq(W->app.connected, 1);
	cr_assert_eq(conn_state(), SHOAL_TCP_ESTABLISHED);
}

void
fx_fin_wait_1(void)
{
	fx_established();
	cr_assert_eq(shoal_shutdown(W->conn), 0);
	flush();
	expect(.flags = FIN | ACK, .seq = W_ISS + 1, .ack = P_ISS + 1);
	expect_none();
	cr_assert_eq(conn_state(), SHOAL_TCP_FIN_WAIT_1);
}

void
fx_fin_wait_2(void)
{
	fx_fin_wait_1();
	send(.flags = ACK, .seq = P_ISS + 1, .ack = W_ISS + 2);
	expect_none();
	cr_assert_eq(conn_state(), SHOAL_TCP_FIN_WAIT_2);
}

void
fx_close_wait(void)
{
	fx_established();
	send(.flags = FIN | ACK, .seq = P_ISS + 1, .ack = W_ISS + 1);
	expect(.flags = ACK, .seq = W_ISS + 1, .ack = P_ISS + 2);
	expect_none();
	cr_assert_eq(W->app.peer_closed, 1);
	cr_assert_eq(conn_state(), SHOAL_TCP_CLOSE_WAIT);
}

void
fx_last_ack(void)
{
	fx_close_wait();
	cr_assert_eq(shoal_shutdown(W->conn), 0);
	flush();
	expect(.flags = FIN | ACK, .seq = W_ISS + 1, .ack = P_ISS + 2);
	expect_none();
	cr_assert_eq(conn_state(), SHOAL_TCP_LAST_ACK);
}

void
fx_closing(void)
{
	fx_fin_wait_1();
	send(.flags = FIN | ACK, .seq = P_ISS + 1, .ack = W_ISS + 1);
	expect(.flags = ACK, .seq = W_ISS + 2, .ack = P_ISS + 2);
	expect_none();
	cr_assert_eq(conn_state(), SHOAL_TCP_CLOSING);
}

void
fx_time_wait(void)
{
	fx_fin_wait_2();
	send(.flags = FIN | ACK, .seq = P_ISS + 1, .ack = W_ISS + 2);
	expect(.flags = ACK, .seq = W_ISS + 2, .ack = P_ISS + 2);
	expect_none();
	cr_assert_eq(conn_state(), SHOAL_TCP_TIME_WAIT);
	cr_assert_eq(W->app.closed, 1);
}

void
setup_plain(void)
{
	wire_init();
	wire_start();
}

void
teardown(void)
{
	wire_fini();
}
