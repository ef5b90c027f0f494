/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * shoal-pipeline: how to put shoal inside a DPDK program that already owns
 * its port and its rx/tx loop. Copy this file.
 *
 * The program sets up the port, polls it, and classifies every packet
 * itself. Only what is shoal's business (ARP, and TCP to our address) goes
 * to shoal_input(); everything else stays in the pipeline (here: counted
 * and dropped). What shoal sends comes back through a TX callback into the
 * pipeline's own TX buffer, flushed with the rest of its traffic.
 *
 * The TCP application is an echo server: what arrives on --port goes back.
 *
 *   shoal-pipeline [EAL options] -- [--ip ADDR/LEN] [--port N]
 */
#include <arpa/inet.h>
#include <errno.h>
#include <inttypes.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/queue.h>
#include <time.h>

#include <rte_eal.h>
#include <rte_errno.h>
#include <rte_ethdev.h>
#include <rte_ip.h>
#include <rte_mbuf.h>

#include <shoal/shoal.h>

#define BURST 32

static volatile bool quit;

/* The pipeline's own TX side: one buffer, flushed once per loop. */
struct pipeline_tx {
	uint16_t port;
	uint16_t n;
	struct rte_mbuf *pkts[BURST * 4];
	uint64_t dropped;
};

static void
tx_flush(struct pipeline_tx *tx)
{
	uint16_t sent = rte_eth_tx_burst(tx->port, 0, tx->pkts, tx->n);

	if (sent < tx->n) {
		tx->dropped += tx->n - sent;
		rte_pktmbuf_free_bulk(tx->pkts + sent, tx->n - sent);
	}
	tx->n = 0;
}

/* shoal's output hook: its packets join the pipeline's TX buffer. */
static uint16_t
shoal_tx(void *ctx, uint16_t worker, struct rte_mbuf **pkts, uint16_t n)
{
	struct pipeline_tx *tx = ctx;

	for (uint16_t i = 0; i < n; i++) {
		if (tx->n == RTE_DIM(tx->pkts))
			tx_flush(tx);
		tx->pkts[tx->n++] = pkts[i];
	}
	return n;
}

/* Is this frame shoal's? ARP, and TCP to our address. */
static bool
for_shoal(struct rte_mbuf *m, rte_be32_t ip)
{
	const struct rte_ether_hdr *eth;
	const struct rte_ipv4_hdr *iph;

	if (m->data_len < sizeof(*eth) + sizeof(*iph))
		return m->data_len >= sizeof(*eth) &&
		       rte_pktmbuf_mtod(m, struct rte_ether_hdr *)->ether_type ==
		       rte_cpu_to_be_16(RTE_ETHER_TYPE_ARP);
	eth = rte_pktmbuf_mtod(m, const struct rte_ether_hdr *);
	if (eth->ether_type == rte_cpu_to_be_16(RTE_ETHER_TYPE_ARP))
		return true;
	if (eth->ether_type != rte_cpu_to_be_16(RTE_ETHER_TYPE_IPV4))
		return false;
	iph = (const struct rte_ipv4_hdr *)(eth + 1);
	return iph->next_proto_id == IPPROTO_TCP && iph->dst_addr == ip;
}

/* --- the echo application: data that arrives goes back ----------------- */

/* Per connection: what could not be queued yet (one chain), and whether
 * the peer is done sending. Taken from a mempool: nothing is malloc'ed on
 * the data path. */
struct echo_conn {
	struct rte_mbuf *pending;
	struct shoal_conn *c;
	/* On retry_q: shoal_send() found no mbuf to copy into (memory
	 * pressure, -ENOBUFS), and no sent() callback will follow. */
	TAILQ_ENTRY(echo_conn) retry;
	bool on_retry;
	bool peer_done;
};

static struct rte_mempool *echo_pool;
static TAILQ_HEAD(, echo_conn) retry_q = TAILQ_HEAD_INITIALIZER(retry_q);
static unsigned int retry_len;

/* Queue what waits: whole chains without a copy when they fit, else copy
 * what fits segment by segment and keep the rest for the next sent(). */
static void
echo_push(struct shoal_conn *c, struct echo_conn *e)
{
	struct rte_mbuf *m = e->pending;
	int n = 0;

	if (m != NULL && shoal_send_mbuf(c, m) > 0)
		m = NULL;
	while (m != NULL) {
		n = shoal_send(c, rte_pktmbuf_mtod(m, void *), m->data_len);

		if (n <= 0)
			break;
		if (n < m->data_len) {		/* keep the tail of the segment */
			rte_pktmbuf_adj(m, n);
			break;
		}
		struct rte_mbuf *next = m->next;	/* drop the head segment */

		if (next != NULL) {
			next->pkt_len = m->pkt_len - m->data_len;
			next->nb_segs = m->nb_segs - 1;
		}
		m->next = NULL;
		m->nb_segs = 1;
		rte_pktmbuf_free_seg(m);
		m = next;
	}
	e->pending = m;
	if (m != NULL && n == -ENOBUFS && !e->on_retry) {
		TAILQ_INSERT_TAIL(&retry_q, e, retry);
		e->on_retry = true;
		retry_len++;
	}
	if (m == NULL && e->peer_done)
		shoal_close(c);		/* our FIN follows the last byte */
}

/* Once per loop: try again what memory pressure refused. Only the
 * connections queued before this pass; one refused again goes back to
 * the tail for the next loop. */
static void
echo_retry(void)
{
	unsigned int n = retry_len;
	struct echo_conn *e;

	while (n-- > 0 && (e = TAILQ_FIRST(&retry_q)) != NULL) {
		TAILQ_REMOVE(&retry_q, e, retry);
		e->on_retry = false;
		retry_len--;
		echo_push(e->c, e);
	}
}

static void
echo_accepted(struct shoal_conn *c, void *ctx)
{
	struct echo_conn *e;

	if (rte_mempool_get(echo_pool, (void **)&e) != 0) {
		shoal_abort(c);
		return;
	}
	e->pending = NULL;
	e->c = c;
	e->on_retry = false;
	e->peer_done = false;
	shoal_conn_set_ctx(c, e);
	shoal_conn_set_nodelay(c, true);
}

static void
echo_recv(struct shoal_conn *c, void *ctx, struct rte_mbuf *data)
{
	struct echo_conn *e = ctx;

	if (e->pending == NULL)
		e->pending = data;
	else if (rte_pktmbuf_chain(e->pending, data) != 0) {
		rte_pktmbuf_free(data);		/* too many segments queued */
		shoal_abort(c);
		return;
	}
	echo_push(c, e);
}

static void
echo_sent(struct shoal_conn *c, void *ctx, uint32_t acked, uint32_t space)
{
	echo_push(c, ctx);
}

static void
echo_peer_closed(struct shoal_conn *c, void *ctx)
{
	struct echo_conn *e = ctx;

	e->peer_done = true;
	echo_push(c, e);
}

static void
echo_closed(struct shoal_conn *c, void *ctx)
{
	struct echo_conn *e = ctx;

	if (e == NULL)
		return;
	rte_pktmbuf_free(e->pending);	/* data the peer will never get */
	if (e->on_retry) {
		TAILQ_REMOVE(&retry_q, e, retry);
		retry_len--;
	}
	rte_mempool_put(echo_pool, e);
}

static const struct shoal_tcp_ops echo_ops = {
	.accepted = echo_accepted,
	.recv = echo_recv,
	.sent = echo_sent,
	.peer_closed = echo_peer_closed,
	.closed = echo_closed,
};

/* --- set-up and the loop ---------------------------------------------- */

static int
port_init(uint16_t port, struct rte_mempool *pool)
{
	struct rte_eth_conf pc = { 0 };
	int ret;

	ret = rte_eth_dev_configure(port, 1, 1, &pc);
	if (ret == 0)
		ret = rte_eth_rx_queue_setup(port, 0, 1024,
				rte_eth_dev_socket_id(port), NULL, pool);
	if (ret == 0)
		ret = rte_eth_tx_queue_setup(port, 0, 1024,
				rte_eth_dev_socket_id(port), NULL);
	if (ret == 0)
		ret = rte_eth_dev_start(port);
	return ret;
}

static void
on_signal(int sig)
{
	quit = true;
}

int
main(int argc, char **argv)
{
	struct pipeline_tx tx = { .port = 0 };
	struct rte_mbuf *pkts[BURST], *mine[BURST];
	struct shoal_conf conf;
	struct rte_mempool *pool;
	struct shoal_stack *st;
	struct shoal_worker *w;
	struct rte_ether_addr mac;
	uint64_t others = 0;
	uint16_t echo_port = 7;
	uint8_t plen = 24;
	int ret;

	ret = rte_eal_init(argc, argv);
	if (ret < 0) {
		fprintf(stderr, "EAL init failed: %s\n", rte_strerror(rte_errno));
		return 1;
	}
	shoal_conf_init(&conf);
	conf.ip = rte_cpu_to_be_32(RTE_IPV4(198, 18, 0, 2));
	for (int i = ret + 1; i < argc; i++) {
		if (strcmp(argv[i], "--ip") == 0 && i + 1 < argc) {
			char *slash = strchr(argv[++i], '/');

			if (slash != NULL) {
				*slash = '\0';
				plen = atoi(slash + 1);
			}
			if (inet_pton(AF_INET, argv[i], &conf.ip) != 1)
				rte_exit(2, "--ip %s: not an address\n", argv[i]);
		} else if (strcmp(argv[i], "--port") == 0 && i + 1 < argc) {
			echo_port = atoi(argv[++i]);
		} else {
			rte_exit(2, "usage: %s [EAL] -- [--ip A/LEN] [--port N]\n",
				 argv[0]);
		}
	}
	conf.prefix_len = plen;

	/* The pipeline's port, set up the way the pipeline wants it. */
	if (rte_eth_dev_count_avail() == 0)
		rte_exit(1, "no port: give the EAL a --vdev\n");
	pool = rte_pktmbuf_pool_create("pipeline", 8191, 256, 0,
				       RTE_MBUF_DEFAULT_BUF_SIZE, rte_socket_id());
	echo_pool = rte_mempool_create("echo_conns", 4095,
				       sizeof(struct echo_conn), 64, 0, NULL,
				       NULL, NULL, NULL, rte_socket_id(), 0);
	if (pool == NULL || echo_pool == NULL || port_init(tx.port, pool) != 0)
		rte_exit(1, "port %u: set-up failed\n", tx.port);
	rte_eth_macaddr_get(tx.port, &mac);

	/* shoal, one worker, with the port's MAC and our TX as its output. */
	memcpy(conf.embedded_mac, mac.addr_bytes, sizeof(conf.embedded_mac));
	st = shoal_init_embedded(&conf, 1, shoal_tx, &tx);
	if (st == NULL)
		rte_exit(1, "shoal: %s\n", rte_strerror(rte_errno));
	if (shoal_listen(st, echo_port, &echo_ops, NULL) != 0)
		rte_exit(1, "cannot listen on %u\n", echo_port);
	w = shoal_worker(st, 0);

	signal(SIGINT, on_signal);
	signal(SIGTERM, on_signal);
	printf("shoal-pipeline: echo on port %u, ready\n", echo_port);
	fflush(stdout);

	while (!quit) {
		uint16_t n = rte_eth_rx_burst(tx.port, 0, pkts, BURST);
		uint64_t now = shoal_now_ns();
		uint16_t k = 0;

		/* The pipeline classifies; shoal sees only its own traffic. */
		for (uint16_t i = 0; i < n; i++) {
			if (for_shoal(pkts[i], conf.ip)) {
				mine[k++] = pkts[i];
			} else {
				others++;
				rte_pktmbuf_free(pkts[i]);
			}
		}
		if (k != 0)
			shoal_input(w, mine, k, now);
		echo_retry();
		shoal_poll(w, now);	/* timers; output lands in tx */
		if (tx.n != 0)
			tx_flush(&tx);
		if (n == 0) {		/* be gentle on a shared core */
			struct timespec ts = { 0, 20000 };

			nanosleep(&ts, NULL);
		}
	}

	printf("shoal-pipeline: %" PRIu64 " packets not for shoal, %" PRIu64
	       " tx drops\n", others, tx.dropped);
	shoal_dump(stdout, st);
	shoal_free(st);		/* connections still open are dropped */
	rte_eth_dev_stop(tx.port);
	rte_eth_dev_close(tx.port);
	rte_eal_cleanup();
	return 0;
}
