/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * engine_bench: a fixed, scripted workload for the TCP engine alone, to be
 * counted by valgrind --tool=callgrind (perf/lib/shoal.sh, benchmark group
 * fast-path). Two engines, a client at 198.18.0.2 and a server at
 * 198.18.0.1, are joined back to back through their output hooks; a
 * virtual clock moves 1 us per delivery round, so nothing depends on the
 * machine's speed or load and the instruction counts repeat run to run.
 *
 *   engine_bench segments N    one connection; the client streams N full
 *                              segments to the server
 *   engine_bench lifecycle N   N connections, 32 at a time: SYN, 64 B
 *                              request, 64 B response, FIN both ways,
 *                              TIME-WAIT expiry
 *
 * The workload runs inside bench_run(), so `--toggle-collect=bench_run`
 * counts it without EAL start-up. Everything the server engine is handed
 * goes through bench_rx_server(),
 * so `--toggle-collect=bench_rx_server` counts the receive path only
 * (input, ACK generation, delivery to the application, freeing the data).
 * Running the same workload with N = 0 gives the setup cost (EAL, pools,
 * engines, the handshake and close of segments' one connection), which
 * the harness subtracts. The program checks its own outcome (bytes and
 * connections seen by both sides) and exits 1 when the workload did not
 * happen as scripted, so a count is never taken from a broken run.
 */

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <rte_eal.h>
#include <rte_errno.h>
#include <rte_mbuf.h>
#include <rte_mempool.h>

#include <shoal/tcp.h>

#define BENCH_PORT	5001
#define BENCH_MSS	1460	/* as on an Ethernet path, 1500 B MTU */
#define BENCH_RR_BYTES	64
/* The MSS less the timestamp option (12 bytes with padding). */
#define BENCH_SEG_PAYLOAD	(BENCH_MSS - 12)
#define BENCH_BATCH	32	/* connections open at once (lifecycle) */
#define BENCH_BURST	32	/* segments per input burst, like an rx burst */
#define BENCH_Q		8192	/* segments in flight one way, at most */
#define BENCH_TICK_NS	1000ULL
#define BENCH_MSL_NS	1000000ULL

/* One direction of the wire: segments emitted by one engine, waiting to
 * be handed to the other, with the endpoints as the receiver sees them. */
struct pipe {
	struct rte_mbuf *m[BENCH_Q];
	struct shoal_endpoints ep[BENCH_Q];
	unsigned int n;
};

struct side {
	struct shoal_tcp *eng;
	struct pipe *to_peer;
	uint64_t data_segs;	/* segments with payload emitted */
	uint64_t rx_bytes;	/* application bytes received */
	uint64_t opened, closed, resets;
};

static struct pipe to_client, to_server;
static struct side client = { .to_peer = &to_server };
static struct side server = { .to_peer = &to_client };
static uint64_t now_ns;
static uint8_t payload[64 * 1024];

static void
bench_output(void *ctx, struct rte_mbuf *m, const struct shoal_endpoints *ep)
{
	struct side *s = ctx;
	struct pipe *p = s->to_peer;

	if (p->n == BENCH_Q) {
		fprintf(stderr, "engine_bench: wire overflow\n");
		exit(1);
	}
	if (m->pkt_len > m->l4_len)
		s->data_segs++;
	p->m[p->n] = m;
	/* The receiver's local end is the sender's remote one. */
	p->ep[p->n].local = ep->remote;
	p->ep[p->n].remote = ep->local;
	p->ep[p->n].lport = ep->rport;
	p->ep[p->n].rport = ep->lport;
	p->n++;
}

/* Kept out of line so callgrind can collect inside it alone. */
static __attribute__((noinline)) void
bench_rx_server(struct rte_mbuf **m, const struct shoal_endpoints *ep,
		uint16_t n)
{
	shoal_tcp_input_burst(server.eng, m, ep, n, now_ns);
}

static __attribute__((noinline)) void
bench_rx_client(struct rte_mbuf **m, const struct shoal_endpoints *ep,
		uint16_t n)
{
	shoal_tcp_input_burst(client.eng, m, ep, n, now_ns);
}

/* Hands everything in flight one way to the receiver, in rx-sized
 * bursts. The pipe is emptied first: what the receiver answers goes to
 * the other pipe, what its application queues meanwhile to this one. */
static unsigned int
bench_drain(struct pipe *p, bool to_srv)
{
	static struct rte_mbuf *m[BENCH_Q];
	static struct shoal_endpoints ep[BENCH_Q];
	unsigned int n = p->n, i, k;

	memcpy(m, p->m, n * sizeof(m[0]));
	memcpy(ep, p->ep, n * sizeof(ep[0]));
	p->n = 0;
	for (i = 0; i < n; i += k) {
		k = RTE_MIN(n - i, (unsigned int)BENCH_BURST);
		if (to_srv)
			bench_rx_server(m + i, ep + i, k);
		else
			bench_rx_client(m + i, ep + i, k);
	}
	return n;
}

/* One round of the wire: time moves a tick, timers run, queued output is
 * flushed, and both directions are delivered once. */
static unsigned int
bench_round(void)
{
	unsigned int moved;

	now_ns += BENCH_TICK_NS;
	shoal_tcp_advance(client.eng, now_ns);
	shoal_tcp_advance(server.eng, now_ns);
	shoal_tcp_flush(client.eng);
	shoal_tcp_flush(server.eng);
	moved = bench_drain(&to_server, true);
	moved += bench_drain(&to_client, false);
	return moved;
}

static void
bench_settle(void)
{
	while (bench_round() > 0 || to_server.n > 0 || to_client.n > 0)
		;
}

static void
app_recv(struct shoal_conn *c, void *ctx, struct rte_mbuf *data)
{
	struct side *s = ctx;

	RTE_SET_USED(c);
	s->rx_bytes += data->pkt_len;
	rte_pktmbuf_free(data);
}

static void
app_closed(struct shoal_conn *c, void *ctx)
{
	struct side *s = ctx;

	RTE_SET_USED(c);
	s->closed++;
}

static void
app_reset(struct shoal_conn *c, void *ctx, int err)
{
	struct side *s = ctx;

	RTE_SET_USED(c);
	RTE_SET_USED(err);
	s->resets++;
}

static void
app_peer_closed(struct shoal_conn *c, void *ctx)
{
	RTE_SET_USED(ctx);
	shoal_close(c);
}

static void
srv_accepted(struct shoal_conn *c, void *ctx)
{
	struct side *s = ctx;

	RTE_SET_USED(c);
	s->opened++;
}

/* Lifecycle server: answers each 64 B request with 64 B. */
static void
rr_srv_recv(struct shoal_conn *c, void *ctx, struct rte_mbuf *data)
{
	app_recv(c, ctx, data);
	if (shoal_send(c, payload, BENCH_RR_BYTES) != BENCH_RR_BYTES) {
		fprintf(stderr, "engine_bench: response not queued\n");
		exit(1);
	}
}

/* Lifecycle client: the request on connect, close on the response. */
static void
rr_cli_connected(struct shoal_conn *c, void *ctx)
{
	struct side *s = ctx;

	s->opened++;
	if (shoal_send(c, payload, BENCH_RR_BYTES) != BENCH_RR_BYTES) {
		fprintf(stderr, "engine_bench: request not queued\n");
		exit(1);
	}
}

static void
rr_cli_recv(struct shoal_conn *c, void *ctx, struct rte_mbuf *data)
{
	app_recv(c, ctx, data);
	shoal_close(c);
}

static const struct shoal_tcp_ops seg_srv_ops = {
	.accepted = srv_accepted, .recv = app_recv,
	.peer_closed = app_peer_closed, .reset = app_reset,
	.closed = app_closed,
};
static const struct shoal_tcp_ops seg_cli_ops = {
	.recv = app_recv, .reset = app_reset, .closed = app_closed,
};
static const struct shoal_tcp_ops rr_srv_ops = {
	.accepted = srv_accepted, .recv = rr_srv_recv,
	.peer_closed = app_peer_closed, .reset = app_reset,
	.closed = app_closed,
};
static const struct shoal_tcp_ops rr_cli_ops = {
	.connected = rr_cli_connected, .recv = rr_cli_recv,
	.reset = app_reset, .closed = app_closed,
};

static struct shoal_endpoints
client_endpoints(void)
{
	struct shoal_endpoints ep = {
		.local = shoal_addr_v4(rte_cpu_to_be_32(0xc6120002)),
		.remote = shoal_addr_v4(rte_cpu_to_be_32(0xc6120001)),
		.lport = 0,
		.rport = rte_cpu_to_be_16(BENCH_PORT),
	};
	return ep;
}

static struct shoal_tcp *
engine(const char *name, struct rte_mempool *pool, struct side *s)
{
	struct shoal_tcp_conf conf;
	struct shoal_tcp *t;

	shoal_tcp_conf_init(&conf);
	conf.name = name;
	conf.pool = pool;
	conf.mss = BENCH_MSS;
	conf.max_conns = 4096;
	conf.msl_ns = BENCH_MSL_NS;
	conf.output = bench_output;
	conf.output_ctx = s;
	t = shoal_tcp_create(&conf, now_ns);
	if (t == NULL) {
		fprintf(stderr, "engine_bench: engine %s: %s\n", name,
			rte_strerror(rte_errno));
		exit(1);
	}
	return t;
}

/* One connection; the client streams nsegs full segments. */
static int
run_segments(uint64_t nsegs)
{
	struct shoal_endpoints ep = client_endpoints();
	struct shoal_conn *c;
	uint64_t total, sent = 0, segs0;
	uint32_t space;
	int k;

	if (shoal_tcp_listen(server.eng, NULL, BENCH_PORT, &seg_srv_ops,
			     &server) != 0)
		return -1;
	c = shoal_tcp_connect(client.eng, &ep, &seg_cli_ops, &client);
	if (c == NULL)
		return -1;
	bench_settle();
	if (shoal_conn_state(c) != SHOAL_TCP_ESTABLISHED)
		return -1;

	/* nsegs full segments' worth of bytes; the printed count of data
	 * segments that left is what the harness divides by. */
	segs0 = client.data_segs;
	total = nsegs * BENCH_SEG_PAYLOAD;
	while (sent < total) {
		space = shoal_send_space(c);
		if (space > 0) {
			k = shoal_send(c, payload, (uint32_t)RTE_MIN(
				(uint64_t)RTE_MIN(space, sizeof(payload)),
				total - sent));
			if (k < 0)
				return -1;
			sent += (uint64_t)k;
		}
		bench_round();
	}
	shoal_close(c);
	bench_settle();
	/* Let the client's TIME-WAIT expire. */
	now_ns += 4 * BENCH_MSL_NS;
	bench_settle();
	printf("segments %" PRIu64 " data_segs %" PRIu64 " bytes_rx %" PRIu64
	       " bytes_queued %" PRIu64 "\n", nsegs,
	       client.data_segs - segs0, server.rx_bytes, sent);
	if (server.rx_bytes != sent || client.closed != 1 ||
	    server.closed != 1 || client.resets + server.resets != 0)
		return -1;
	return 0;
}

/* nconn full connection lifecycles, BENCH_BATCH at a time. */
static int
run_lifecycle(uint64_t nconn)
{
	struct shoal_endpoints ep = client_endpoints();
	uint64_t started = 0;
	unsigned int i;

	if (shoal_tcp_listen(server.eng, NULL, BENCH_PORT, &rr_srv_ops,
			     &server) != 0)
		return -1;
	while (started < nconn) {
		for (i = 0; i < BENCH_BATCH && started < nconn; i++) {
			if (shoal_tcp_connect(client.eng, &ep, &rr_cli_ops,
					      &client) == NULL)
				return -1;
			started++;
		}
		bench_settle();
		/* TIME-WAIT ends before the next batch reuses ports. */
		now_ns += 4 * BENCH_MSL_NS;
		bench_settle();
	}
	printf("connections %" PRIu64 " client_closed %" PRIu64
	       " server_closed %" PRIu64 " bytes_rx %" PRIu64 "/%" PRIu64
	       " segments %" PRIu64 "/%" PRIu64 "\n", nconn, client.closed,
	       server.closed, client.rx_bytes, server.rx_bytes,
	       client.data_segs, server.data_segs);
	if (client.opened != nconn || server.opened != nconn ||
	    client.closed != nconn || server.closed != nconn ||
	    client.rx_bytes != nconn * BENCH_RR_BYTES ||
	    server.rx_bytes != nconn * BENCH_RR_BYTES ||
	    client.resets + server.resets != 0)
		return -1;
	return 0;
}

/* The workload alone, out of line so that `--toggle-collect=bench_run`
 * leaves EAL start-up and dynamic linking out of the count. */
static __attribute__((noinline)) int
bench_run(const char *what, uint64_t n)
{
	if (strcmp(what, "segments") == 0)
		return run_segments(n);
	if (strcmp(what, "lifecycle") == 0)
		return run_lifecycle(n);
	return -EINVAL;
}

int
main(int argc, char **argv)
{
	char prefix[64];
	char *eal[] = { "engine_bench", "--no-huge", "-m", "128", "--no-pci",
		"--no-shconf", "--no-telemetry", "-l", "0",
		"--log-level=lib.eal:error", prefix, NULL };
	struct rte_mempool *pool;
	uint64_t n;
	char *end;
	int rc;

	if (argc != 3) {
		fprintf(stderr, "usage: %s segments|lifecycle N\n", argv[0]);
		return 2;
	}
	n = strtoull(argv[2], &end, 10);
	if (*end != '\0') {
		fprintf(stderr, "engine_bench: bad count %s\n", argv[2]);
		return 2;
	}
	snprintf(prefix, sizeof(prefix), "--file-prefix=shoal-eb-%d",
		 (int)getpid());
	if (rte_eal_init(RTE_DIM(eal) - 1, eal) < 0) {
		fprintf(stderr, "engine_bench: EAL: %s\n",
			rte_strerror(rte_errno));
		return 1;
	}
	pool = rte_pktmbuf_pool_create("eb_pool", 16383, 256, 0,
			RTE_MBUF_DEFAULT_BUF_SIZE, SOCKET_ID_ANY);
	if (pool == NULL) {
		fprintf(stderr, "engine_bench: pool: %s\n",
			rte_strerror(rte_errno));
		return 1;
	}
	memset(payload, 'x', sizeof(payload));
	client.eng = engine("eb_client", pool, &client);
	server.eng = engine("eb_server", pool, &server);

	rc = bench_run(argv[1], n);
	if (rc == -EINVAL) {
		fprintf(stderr, "engine_bench: unknown workload %s\n", argv[1]);
		return 2;
	}
	if (rc != 0) {
		fprintf(stderr, "engine_bench: the %s workload went wrong\n",
			argv[1]);
		return 1;
	}
	shoal_tcp_free(client.eng);
	shoal_tcp_free(server.eng);
	rte_eal_cleanup();
	return 0;
}
