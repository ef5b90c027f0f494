/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * fuzz_tcp_engine: a live TCP engine driven by a script of operations on a
 * virtual wire with a virtual clock, so the fuzzer reaches the deep states
 * (ESTABLISHED with data in flight, recovery, zero windows, FIN-WAIT-2,
 * TIME-WAIT) that a single frame never does.
 *
 * The engine is 198.18.0.1, the peer 198.18.0.2. The peer side keeps, per
 * flow, what the engine last told it (its highest sequence sent, the ack
 * it expects), so a segment's seq and ack are written relative to that and
 * small deltas land in or near the window.
 *
 * Script: a sequence of operations, each an opcode byte and its operands
 * (reads past the end are zeros). See the OP_* list below.
 *
 * Checked after every operation, for every control block in the flow
 * table: SND.UNA <= SND.NXT <= SND.MAX, SND.UNA within the send buffer,
 * buffered bytes within sndbuf, reassembly bytes within reass_max, blocks
 * in use within max_conns. At the end every connection is aborted, the
 * clock runs on until every timer has fired, and then no control block
 * may remain and every mbuf must be back in the pool.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <rte_hash.h>
#include <rte_mbuf.h>

#include "fuzz.h"
#include "tcp/tcp_impl.h"

#define L_ADDR	RTE_BE32(0xc6120001u)	/* 198.18.0.1 */
#define P_ADDR	RTE_BE32(0xc6120002u)	/* 198.18.0.2 */
#define L_PORT	80
#define P_ISS	5000u
#define MS	1000000ULL
#define NFLOWS	4
#define NCONNS	8
#define BURST	16
#define OUT_MAX	4096

enum {
	OP_SEG,		/* flow, flags, dseq16, dack16, win16, opts, len */
	OP_ACK_ALL,	/* flow: ack everything the engine sent, in order */
	OP_ADVANCE,	/* ms8: the clock moves ms8^2 ms */
	OP_CONNECT,	/* port8: active open to 198.18.0.2:40000+port8%4 */
	OP_LISTEN,	/* listen on 80 (again) */
	OP_UNLISTEN,
	OP_SEND,	/* conn, len16 */
	OP_SHUTDOWN,	/* conn */
	OP_CLOSE,	/* conn */
	OP_ABORT,	/* conn */
	OP_NODELAY,	/* conn, on */
	OP_FLUSH,
	OP_MAX,
};

/* A peer-side flow: 198.18.0.2:rport <-> 198.18.0.1:lport. */
struct flow {
	uint16_t lport, rport;	/* host order */
	bool seen;		/* the engine has sent on it */
	uint32_t eng_max;	/* engine's highest seq + len (+SYN/FIN) */
	uint32_t eng_ack;	/* the ack the engine last sent */
	uint32_t peer_nxt;	/* the peer's next new sequence number */
	uint32_t eng_iss;
};

static struct shoal_tcp *eng;
static uint64_t now;
static struct flow flows[NFLOWS];
static struct shoal_conn *conns[NCONNS];
static struct rte_mbuf *burst[BURST];
static struct shoal_endpoints burst_ep[BURST];
static unsigned int nburst;
static uint8_t payload[4096];
static uint32_t peer_ts;	/* the peer's timestamp clock (RFC 7323) */
static bool trace;		/* FUZZ_TRACE=1: print the wire, to debug a find */

#define TRACE(...) do { if (trace) fprintf(stderr, __VA_ARGS__); } while (0)

static void
trace_seg(const char *dir, const struct shoal_endpoints *ep,
	  const struct tcp_seg *s)
{
	TRACE("%s %u>%u %s%s%s%s%s seq %u ack %u win %u len %u\n", dir,
	      rte_be_to_cpu_16(ep->lport), rte_be_to_cpu_16(ep->rport),
	      s->flags & TH_SYN ? "S" : "", s->flags & TH_FIN ? "F" : "",
	      s->flags & TH_RST ? "R" : "", s->flags & TH_ACK ? "." : "",
	      s->flags & TH_URG ? "U" : "", s->seq, s->ack, s->win, s->len);
}

static int
flow_find(uint16_t lport, uint16_t rport)
{
	for (int i = 0; i < NFLOWS; i++)
		if (flows[i].lport == lport && flows[i].rport == rport)
			return i;
	return -1;
}

/* The engine's output: learn from it, then let it go. */
static void
out_hook(void *ctx, struct rte_mbuf *m, const struct shoal_endpoints *ep)
{
	struct tcp_seg s;
	struct flow *f;
	uint32_t end;
	int i;

	if (m->l4_len < TCP_HDR_LEN || tcp_parse(m, &s) != 0) {
		fprintf(stderr, "engine emitted a malformed segment\n");
		abort();
	}
	trace_seg("out", ep, &s);
	i = flow_find(rte_be_to_cpu_16(ep->lport), rte_be_to_cpu_16(ep->rport));
	if (i >= 0 && !(s.flags & TH_RST)) {
		f = &flows[i];
		end = s.seq + s.len + !!(s.flags & TH_SYN) +
			!!(s.flags & TH_FIN);
		if (!f->seen || SEQ_GT(end, f->eng_max))
			f->eng_max = end;
		if (s.flags & TH_SYN)
			f->eng_iss = s.seq;
		if (s.flags & TH_ACK)
			f->eng_ack = s.ack;
		f->seen = true;
	}
	rte_pktmbuf_free(m);
}

static void
conn_add(struct shoal_conn *c)
{
	for (int i = 0; i < NCONNS; i++) {
		if (conns[i] == c)
			return;
	}
	for (int i = 0; i < NCONNS; i++) {
		if (conns[i] == NULL) {
			conns[i] = c;
			return;
		}
	}
	/* No room to track it: the application lets it go. */
	shoal_close(c);
}

static void
app_accepted(struct shoal_conn *c, void *ctx)
{
	conn_add(c);
}

static void
app_recv(struct shoal_conn *c, void *ctx, struct rte_mbuf *data)
{
	rte_pktmbuf_free(data);
}

static void
app_closed(struct shoal_conn *c, void *ctx)
{
	/* Last callback: the handle is gone from here on. */
	for (int i = 0; i < NCONNS; i++)
		if (conns[i] == c)
			conns[i] = NULL;
}

static const struct shoal_tcp_ops ops = {
	.accepted = app_accepted,
	.recv = app_recv,
	.closed = app_closed,
};

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	fuzz_eal_init("fuzz_tcp_engine");
	fuzz_pool();
	trace = getenv("FUZZ_TRACE") != NULL;
	for (size_t i = 0; i < sizeof(payload); i++)
		payload[i] = (uint8_t)(i * 7 + 3);
	return 0;
}

static void
engine_up(void)
{
	struct shoal_tcp_conf c;

	/* Same rte_rand() draws (the port table) and same mbufs, in the
	 * same order, whatever inputs ran before this one. */
	fuzz_reset();
	shoal_tcp_conf_init(&c);
	c.name = "fzt";
	c.pool = fuzz_pool();
	c.hdr_room = 64;
	c.mss = 536;
	c.max_conns = 6;
	c.max_listeners = 2;
	c.backlog = 3;
	c.sndbuf = 16 * 1024;
	c.rcvbuf = 8 * 1024;
	c.reass_max = 8 * 1024;
	c.msl_ns = 2000 * MS;
	c.syn_retries = 2;
	c.max_retries = 4;
	c.sack = c.wscale = c.timestamps = true;
	c.output = out_hook;
	memset(c.isn_key, 0x5a, sizeof(c.isn_key));	/* reproducible */
	now = 1000 * MS;
	eng = shoal_tcp_create(&c, now);
	if (eng == NULL)
		abort();
	tcp_test_fix_iss(eng, 10000);
	memset(flows, 0, sizeof(flows));
	peer_ts = 1000;
	memset(conns, 0, sizeof(conns));
	nburst = 0;
	/* Flows 0 and 1 are passive (the peer's SYN to port 80); 2 and 3
	 * are taken by the engine's active opens. */
	for (int i = 0; i < 2; i++) {
		flows[i].lport = L_PORT;
		flows[i].rport = 40000 + i;
		flows[i].peer_nxt = P_ISS + 1000000u * i;
	}
}

/* Options as the input asks: bit 7 set means raw bytes from the input. */
static unsigned int
build_opts(uint8_t *o, uint8_t sel, struct fuzz_in *in, const struct flow *f)
{
	unsigned int n = 0, k;

	if (sel & 0x80) {
		k = (sel & 0x0f) * 4 > 40 ? 40 : (sel & 0x0f) * 4;
		for (unsigned int i = 0; i < k; i++)
			o[i] = fin_u8(in);
		return k;
	}
	if (sel & 1) {		/* MSS */
		uint16_t mss = fin_u16(in);

		o[n++] = 2; o[n++] = 4;
		o[n++] = mss >> 8; o[n++] = mss & 0xff;
	}
	if (sel & 2) {		/* window scale */
		o[n++] = 1; o[n++] = 3; o[n++] = 3; o[n++] = fin_u8(in) & 0x1f;
	}
	if (sel & 4) {		/* SACK permitted */
		o[n++] = 1; o[n++] = 1; o[n++] = 4; o[n++] = 2;
	}
	if (sel & 8) {		/* timestamps: the peer's clock, +-127 */
		uint32_t tsval = peer_ts += (int8_t)fin_u8(in);
		uint32_t tsecr = fin_u8(in) ? fin_u32(in) : 0;

		o[n++] = 1; o[n++] = 1; o[n++] = 8; o[n++] = 10;
		memcpy(o + n, &(uint32_t){ rte_cpu_to_be_32(tsval) }, 4);
		memcpy(o + n + 4, &(uint32_t){ rte_cpu_to_be_32(tsecr) }, 4);
		n += 8;
	}
	if (sel & 0x70) {	/* SACK blocks relative to eng_ack / eng_max */
		unsigned int nb = RTE_MIN((sel >> 4) & 7, (40 - n - 2) / 8);

		if (nb > 0) {
			o[n++] = 1; o[n++] = 1; o[n++] = 5; o[n++] = 2 + 8 * nb;
			for (unsigned int b = 0; b < nb; b++) {
				uint32_t s = f->eng_ack + (int16_t)fin_u16(in);
				uint32_t e = s + fin_u16(in);

				s = f->eng_max - (s - f->eng_max) % 65536;
				memcpy(o + n, &(uint32_t){ rte_cpu_to_be_32(s) }, 4);
				memcpy(o + n + 4, &(uint32_t){ rte_cpu_to_be_32(e) }, 4);
				n += 8;
			}
			/* The kind/len pair took 2 of the 4 counted above. */
		}
	}
	while (n % 4)
		o[n++] = 0;
	return n > 40 ? 40 : n;
}

static void
burst_flush(void)
{
	if (nburst == 0)
		return;
	shoal_tcp_input_burst(eng, burst, burst_ep, (uint16_t)nburst, now);
	nburst = 0;
}

static void
seg_queue(const struct flow *f, uint8_t flags, uint32_t seq, uint32_t ack,
	  uint16_t win, const uint8_t *opts, unsigned int olen,
	  uint32_t plen)
{
	struct rte_mbuf *m = rte_pktmbuf_alloc(fuzz_pool());
	struct rte_tcp_hdr *th;
	struct shoal_endpoints *ep;
	uint32_t hlen = TCP_HDR_LEN + olen, first;

	if (m == NULL)
		abort();
	th = (struct rte_tcp_hdr *)rte_pktmbuf_append(m, hlen);
	memset(th, 0, TCP_HDR_LEN);
	th->src_port = rte_cpu_to_be_16(f->rport);
	th->dst_port = rte_cpu_to_be_16(f->lport);
	th->sent_seq = rte_cpu_to_be_32(seq);
	th->recv_ack = rte_cpu_to_be_32(ack);
	th->data_off = (uint8_t)((hlen / 4) << 4);
	th->tcp_flags = flags;
	th->rx_win = rte_cpu_to_be_16(win);
	memcpy(th + 1, opts, olen);
	/* Payload: the first part in the header's mbuf, the rest chained,
	 * as a NIC delivering jumbo or LRO'd frames would. */
	first = RTE_MIN(plen, (uint32_t)rte_pktmbuf_tailroom(m));
	first = RTE_MIN(first, 1024u);
	memcpy(rte_pktmbuf_append(m, first), payload, first);
	for (uint32_t off = first; off < plen; ) {
		struct rte_mbuf *t = rte_pktmbuf_alloc(fuzz_pool());
		uint32_t k = RTE_MIN(plen - off, 1024u);

		if (t == NULL)
			abort();
		memcpy(rte_pktmbuf_append(t, k), payload + off, k);
		if (rte_pktmbuf_chain(m, t) != 0)
			abort();
		off += k;
	}
	m->l4_len = hlen;
	if (trace) {
		struct tcp_seg ts;

		if (tcp_parse(m, &ts) == 0)
			trace_seg("in ", &(struct shoal_endpoints){
				.lport = rte_cpu_to_be_16(f->lport),
				.rport = rte_cpu_to_be_16(f->rport) }, &ts);
	}
	ep = &burst_ep[nburst];
	ep->local = shoal_addr_v4(L_ADDR);
	ep->remote = shoal_addr_v4(P_ADDR);
	ep->lport = rte_cpu_to_be_16(f->lport);
	ep->rport = rte_cpu_to_be_16(f->rport);
	burst[nburst++] = m;
	if (nburst == BURST)
		burst_flush();
}

static void
op_seg(struct fuzz_in *in)
{
	struct flow *f = &flows[fin_u8(in) % NFLOWS];
	uint8_t flags = fin_u8(in);
	int16_t dseq = (int16_t)fin_u16(in);
	int16_t dack = (int16_t)fin_u16(in);
	uint16_t win = fin_u16(in);
	uint8_t osel = fin_u8(in);
	uint8_t lsel = fin_u8(in);
	uint8_t opts[40];
	unsigned int olen;
	uint32_t plen, seq, ack;
	bool more = flags & 0x80;	/* CWR bit: keep it in this burst */

	if (f->lport == 0)
		return;			/* no active open yet */
	olen = build_opts(opts, osel, in, f);
	/* Small payloads mostly; 0xf0.. ask for full and jumbo ones. */
	plen = lsel < 0xf0 ? lsel : (lsel - 0xef) * 256u;
	seq = f->peer_nxt + dseq;
	if ((flags & TH_SYN) && dseq == 0)
		seq = f->peer_nxt - 1;	/* a SYN (or SYN-ACK) at the peer's ISS */
	ack = f->eng_max + dack;
	flags &= 0x7f;
	seg_queue(f, flags, seq, ack, win, opts, olen, plen);
	/* The peer moves on when it sent new in-order data or a FIN. */
	if (dseq == 0 && !(flags & (TH_SYN | TH_RST)))
		f->peer_nxt += plen + !!(flags & TH_FIN);
	if (!more)
		burst_flush();
}

/* A well-formed in-order ACK for everything the engine sent. */
static void
op_ack_all(struct fuzz_in *in)
{
	struct flow *f = &flows[fin_u8(in) % NFLOWS];
	uint8_t opts[12];
	unsigned int olen = 0;

	if (f->lport == 0 || !f->seen)
		return;
	if (eng->conf.timestamps) {
		uint32_t tsval = rte_cpu_to_be_32(++peer_ts);

		opts[0] = 1; opts[1] = 1; opts[2] = 8; opts[3] = 10;
		memcpy(opts + 4, &tsval, 4);
		memset(opts + 8, 0, 4);
		olen = 12;
	}
	/* A SYN-ACK answered by the active side: it was SYN_SENT. */
	seg_queue(f, TH_ACK, f->peer_nxt, f->eng_max, 65535, opts, olen, 0);
	burst_flush();
}

static struct shoal_conn *
conn_pick(struct fuzz_in *in)
{
	return conns[fin_u8(in) % NCONNS];
}

static void
op_connect(struct fuzz_in *in)
{
	uint16_t rport = 40000 + fin_u8(in) % 4;
	struct shoal_endpoints ep = {
		.local = shoal_addr_v4(L_ADDR),
		.remote = shoal_addr_v4(P_ADDR),
		.rport = rte_cpu_to_be_16(rport),
	};
	struct shoal_conn *c;
	int slot = -1;

	for (int i = 2; i < NFLOWS; i++)
		if (flows[i].lport == 0 && slot < 0)
			slot = i;
	c = shoal_tcp_connect(eng, &ep, &ops, NULL);
	if (c == NULL)
		return;
	conn_add(c);
	if (slot >= 0) {
		struct shoal_endpoints e = shoal_conn_endpoints(c);

		flows[slot].lport = rte_be_to_cpu_16(e.lport);
		flows[slot].rport = rport;
		flows[slot].peer_nxt = P_ISS + 77777u * slot;
	}
}

/* The invariants every control block keeps between entry points. */
static void
check_cb(const struct tcp_cb *cb)
{
	const struct shoal_tcp_conf *c = &eng->conf;
	const char *why = NULL;

	if (cb->state == SHOAL_TCP_LISTEN || cb->state == SHOAL_TCP_CLOSED)
		return;
	if (SEQ_GT(cb->snd_una, cb->snd_nxt))
		why = "snd_una > snd_nxt";
	else if (SEQ_GT(cb->snd_nxt, cb->snd_max))
		why = "snd_nxt > snd_max";
	else if (cb->sb_len > 0 && SEQ_LT(cb->snd_una, cb->sb_seq) &&
		 cb->state >= SHOAL_TCP_ESTABLISHED)
		why = "unacknowledged data missing from the send buffer";
	else if (cb->sb_len > c->sndbuf + 65536)
		why = "send buffer beyond sndbuf";
	else if (tcp_reass_bytes(cb) > c->reass_max)
		why = "reassembly queue beyond reass_max";
	else if (tcp_nsack(cb) > TCP_SACK_BLOCKS)
		why = "scoreboard overflow";
	else if (cb->cwnd == 0 && cb->state == SHOAL_TCP_ESTABLISHED)
		why = "cwnd is zero";
	if (why != NULL) {
		fprintf(stderr, "invariant broken: %s (state %s)\n", why,
			shoal_tcp_state_name(cb->state));
		shoal_tcp_dump(stderr, eng);
		abort();
	}
}

static void
check_all(void)
{
	void *data;
	struct flow_iter iter = FLOW_ITER_INIT;
	uint32_t n = 0;
	struct shoal_tcp_stats s;

	while ((data = flow_table_next(&eng->ft, &iter)) != NULL) {
		check_cb(data);
		n++;
	}
	shoal_tcp_stats(eng, &s);
	if (n > eng->conf.max_conns || s.conns_open > eng->conf.max_conns) {
		fprintf(stderr, "invariant broken: %u blocks in the table, "
			"%" PRIu64 " open, max %u\n", n, s.conns_open,
			eng->conf.max_conns);
		abort();
	}
}

/* Everything aborted, then time runs until every timer is done. */
static void
teardown(void)
{
	struct shoal_tcp_stats s;

	burst_flush();
	for (int i = 0; i < NCONNS; i++)
		if (conns[i] != NULL)
			shoal_abort(conns[i]);
	shoal_tcp_unlisten(eng, NULL, L_PORT);
	shoal_tcp_flush(eng);
	TRACE("teardown\n");
	/* Orphans (closed by the app) finish on their own: retries back
	 * off to rto_max; 20 virtual minutes is far beyond the last one. */
	for (int i = 0; i < 2400 && eng->wheel.armed > 0; i++) {
		now += 500 * MS;
		shoal_tcp_advance(eng, now);
	}
	shoal_tcp_stats(eng, &s);
	if (s.conns_open != 0) {
		fprintf(stderr, "control block leak: %" PRIu64 " still open "
			"20 minutes after every connection was aborted\n",
			s.conns_open);
		shoal_tcp_dump(stderr, eng);
		abort();
	}
	fuzz_check_pool("teardown (engine still up)");
	shoal_tcp_free(eng);
	eng = NULL;
	fuzz_check_pool("engine freed");
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fuzz_in in = { data, size };
	unsigned int ops_done = 0;
	struct shoal_conn *c;
	uint8_t v;

	engine_up();
	shoal_tcp_listen(eng, NULL, L_PORT, &ops, NULL);
	while (in.n > 0 && ops_done++ < 256) {
		uint8_t op = fin_u8(&in) % OP_MAX;

		TRACE("op %u at %" PRIu64 " ms\n", op, now / MS);

		if (op != OP_SEG)
			burst_flush();
		switch (op) {
		case OP_SEG:
			op_seg(&in);
			break;
		case OP_ACK_ALL:
			op_ack_all(&in);
			break;
		case OP_ADVANCE:
			v = fin_u8(&in);
			now += (uint64_t)v * v * MS;
			shoal_tcp_advance(eng, now);
			break;
		case OP_CONNECT:
			op_connect(&in);
			break;
		case OP_LISTEN:
			shoal_tcp_listen(eng, NULL, L_PORT, &ops, NULL);
			break;
		case OP_UNLISTEN:
			shoal_tcp_unlisten(eng, NULL, L_PORT);
			break;
		case OP_SEND: {
			uint16_t len;

			c = conn_pick(&in);
			len = fin_u16(&in) % sizeof(payload);
			if (c != NULL)
				shoal_send(c, payload, len);
			break;
		}
		case OP_SHUTDOWN:
			if ((c = conn_pick(&in)) != NULL)
				shoal_shutdown(c);
			break;
		case OP_CLOSE:
			if ((c = conn_pick(&in)) != NULL) {
				shoal_close(c);
				/* No callbacks but closed(): forget it. */
				for (int i = 0; i < NCONNS; i++)
					if (conns[i] == c)
						conns[i] = NULL;
			}
			break;
		case OP_ABORT:
			if ((c = conn_pick(&in)) != NULL)
				shoal_abort(c);
			break;
		case OP_NODELAY:
			c = conn_pick(&in);
			v = fin_u8(&in);
			if (c != NULL)
				shoal_conn_set_nodelay(c, v & 1);
			break;
		case OP_FLUSH:
			shoal_tcp_flush(eng);
			break;
		}
		if (op != OP_SEG || nburst == 0)
			check_all();
	}
	teardown();
	return 0;
}
