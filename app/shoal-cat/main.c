/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * shoal-cat: netcat over shoal. One connection: stdin goes to it, what it
 * receives goes to stdout.
 *
 *   shoal-cat [EAL options] -- [options] HOST PORT    connect
 *   shoal-cat [EAL options] -- [options] -l PORT      accept one connection
 *
 * It sends FIN when stdin ends and exits 0 once both directions are closed
 * cleanly; 1 on reset, refusal or timeout; 2 on a usage error.
 *
 * Everything runs on one worker lcore, inside the stack's own poll loop:
 * the application hooks read stdin when the connection has send space and
 * the receive callback writes each mbuf chain to stdout.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <inttypes.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/uio.h>
#include <unistd.h>

#include <rte_eal.h>
#include <rte_errno.h>
#include <rte_ip.h>
#include <rte_mbuf.h>

#include <shoal/shoal.h>

#define STDIN_CHUNK (64 * 1024)

struct cat {
	struct shoal_stack *stack;
	struct shoal_conn *conn;
	bool listen;
	uint16_t port;			/* host order */
	struct shoal_endpoints ep;	/* connect mode */
	uint64_t timeout_ns;		/* connect / idle limit, 0: none */
	uint64_t last_activity;
	bool stdin_eof;
	bool fin_sent;
	bool peer_fin;
	bool done;
	int status;			/* exit status */
	bool verbose;
	uint64_t bytes_in, bytes_out;
	/* buf[pend_off, pend_off + pend_len): read from stdin, not yet
	 * taken by the connection (send buffer full, or no mbuf to put it
	 * in under memory pressure: shoal_send() said -ENOBUFS). */
	uint32_t pend_off, pend_len;
	uint8_t buf[STDIN_CHUNK];
};

static struct cat cat;

static void
cat_finish(struct cat *c, int status, const char *why)
{
	if (c->done)
		return;
	c->done = true;
	c->status = status;
	if (why != NULL && (status != 0 || c->verbose))
		fprintf(stderr, "shoal-cat: %s\n", why);
	shoal_stop(c->stack);
}

/* Write all of @p m to stdout, segment by segment, then free it. */
static int
write_chain(struct rte_mbuf *m)
{
	struct iovec iov[64];
	struct rte_mbuf *s = m;
	int ret = 0;

	while (s != NULL && ret == 0) {
		int n = 0;
		ssize_t left = 0;

		for (; s != NULL && n < 64; s = s->next) {
			if (s->data_len == 0)
				continue;
			iov[n].iov_base = rte_pktmbuf_mtod(s, void *);
			iov[n].iov_len = s->data_len;
			left += s->data_len;
			n++;
		}
		for (int i = 0; left > 0;) {
			ssize_t w = writev(STDOUT_FILENO, iov + i, n - i);

			if (w < 0) {
				if (errno == EINTR || errno == EAGAIN)
					continue;
				ret = -errno;
				break;
			}
			left -= w;
			while (i < n && (size_t)w >= iov[i].iov_len)
				w -= iov[i++].iov_len;
			if (i < n) {
				iov[i].iov_base = (char *)iov[i].iov_base + w;
				iov[i].iov_len -= w;
			}
		}
	}
	rte_pktmbuf_free(m);
	return ret;
}

static void
on_established(struct shoal_conn *conn, struct cat *c)
{
	const struct shoal_endpoints e = shoal_conn_endpoints(conn);
	const struct shoal_endpoints *ep = &e;
	char l[INET_ADDRSTRLEN], r[INET_ADDRSTRLEN];

	c->conn = conn;
	c->last_activity = shoal_worker_now(shoal_worker(c->stack, 0));
	if (c->verbose) {
		inet_ntop(AF_INET, &ep->local.v4, l, sizeof(l));
		inet_ntop(AF_INET, &ep->remote.v4, r, sizeof(r));
		fprintf(stderr, "shoal-cat: connected %s:%u <-> %s:%u\n", l,
			rte_be_to_cpu_16(ep->lport), r,
			rte_be_to_cpu_16(ep->rport));
	}
}

static void
cb_accepted(struct shoal_conn *conn, void *ctx)
{
	struct cat *c = ctx;

	if (c->conn != NULL) {		/* one connection only */
		shoal_abort(conn);
		return;
	}
	shoal_tcp_unlisten(shoal_worker_tcp(shoal_worker(c->stack, 0)), NULL,
			   c->port);
	on_established(conn, c);
}

static void
cb_connected(struct shoal_conn *conn, void *ctx)
{
	on_established(conn, ctx);
}

static void
cb_recv(struct shoal_conn *conn, void *ctx, struct rte_mbuf *data)
{
	struct cat *c = ctx;

	c->bytes_in += rte_pktmbuf_pkt_len(data);
	c->last_activity = shoal_worker_now(shoal_worker(c->stack, 0));
	if (write_chain(data) != 0) {
		shoal_abort(conn);
		cat_finish(c, 1, "stdout closed");
	}
}

static void
cb_peer_closed(struct shoal_conn *conn, void *ctx)
{
	struct cat *c = ctx;

	c->peer_fin = true;
}

static void
cb_reset(struct shoal_conn *conn, void *ctx, int err)
{
	struct cat *c = ctx;
	char why[64];

	snprintf(why, sizeof(why), "connection %s",
		 err == ECONNREFUSED ? "refused" :
		 err == ETIMEDOUT ? "timed out" : "reset by peer");
	cat_finish(c, 1, why);
}

static void
cb_closed(struct shoal_conn *conn, void *ctx)
{
	struct cat *c = ctx;

	c->conn = NULL;
	if (c->fin_sent && c->peer_fin)
		cat_finish(c, 0, "closed");
	else
		cat_finish(c, 1, "connection closed before both sides "
			   "finished");
}

static const struct shoal_tcp_ops cat_ops = {
	.accepted = cb_accepted,
	.connected = cb_connected,
	.recv = cb_recv,
	.peer_closed = cb_peer_closed,
	.reset = cb_reset,
	.closed = cb_closed,
};

static int
app_init(struct shoal_worker *w, void *ctx)
{
	struct cat *c = ctx;
	struct shoal_tcp *t = shoal_worker_tcp(w);

	if (shoal_worker_id(w) != 0)	/* one connection: worker 0 has it */
		return 0;
	c->last_activity = shoal_worker_now(w);
	if (c->listen)
		return shoal_tcp_listen(t, NULL, c->port, &cat_ops, c);
	c->conn = shoal_tcp_connect(t, &c->ep, &cat_ops, c);
	if (c->conn == NULL) {
		fprintf(stderr, "shoal-cat: connect: %s\n",
			rte_strerror(rte_errno));
		c->status = 1;
		return -1;
	}
	c->conn = NULL;		/* set again once established */
	return 0;
}

/* Move stdin into the connection while it has send space. Bytes read
 * are never dropped: what the connection does not take now stays in
 * buf and goes first next time. */
static int
pump_stdin(struct cat *c)
{
	uint32_t space;
	ssize_t n;
	int sent;

	if (c->conn == NULL)
		return 0;
	if (c->pend_len == 0) {
		if (c->stdin_eof)
			return 0;
		space = shoal_send_space(c->conn);
		if (space == 0)
			return 0;
		n = read(STDIN_FILENO, c->buf, RTE_MIN(space, sizeof(c->buf)));
		if (n < 0)
			return errno == EAGAIN || errno == EINTR ? 0 :
				(c->stdin_eof = true);
		if (n == 0) {
			c->stdin_eof = true;
			return 1;
		}
		c->pend_off = 0;
		c->pend_len = n;
	}
	sent = shoal_send(c->conn, c->buf + c->pend_off, c->pend_len);
	if (sent == -ENOBUFS || sent == 0)	/* no mbuf or no room: later */
		return 0;
	if (sent < 0) {
		cat_finish(c, 1, "send failed");
		return 0;
	}
	c->pend_off += sent;
	c->pend_len -= sent;
	c->bytes_out += sent;
	c->last_activity = shoal_worker_now(shoal_worker(c->stack, 0));
	return 1;
}

static int
app_poll(struct shoal_worker *w, void *ctx, uint64_t now)
{
	struct cat *c = ctx;
	int work = 0;

	if (c->done || shoal_worker_id(w) != 0)
		return 0;
	for (int i = 0; i < 16 && pump_stdin(c) > 0; i++)
		work++;
	if (c->conn != NULL && c->stdin_eof && c->pend_len == 0 &&
	    !c->fin_sent) {
		shoal_shutdown(c->conn);
		c->fin_sent = true;
		work++;
	}
	/* Both FINs exchanged: let the engine finish the close; closed()
	 * ends the run. */
	if (c->conn != NULL && c->fin_sent && c->peer_fin) {
		struct shoal_conn *conn = c->conn;

		c->conn = NULL;
		shoal_close(conn);
	}
	if (c->timeout_ns != 0 && now - c->last_activity > c->timeout_ns &&
	    (c->conn != NULL || !c->listen)) {
		if (c->conn != NULL)
			shoal_abort(c->conn);
		cat_finish(c, 1, "timed out");
	}
	return work;
}

static void
on_signal(int sig)
{
	(void)sig;
	cat.status = 1;
	cat.done = true;
	if (cat.stack != NULL)
		shoal_stop(cat.stack);
}

static void
usage(FILE *f, const char *prog)
{
	fprintf(f,
"usage: %s [EAL options] -- [options] HOST PORT\n"
"       %s [EAL options] -- [options] -l PORT\n"
"\n"
"  -l, --listen PORT    accept one connection on PORT instead of connecting\n"
"  --ip ADDR/LEN        local IPv4 address and on-link prefix (198.18.0.2/24)\n"
"  --gw ADDR            default gateway (none)\n"
"  --mtu N              port MTU (the port's own)\n"
"  --capture FILE       write every packet to FILE (pcap, ns timestamps)\n"
"  --lport PORT         local port when connecting (ephemeral)\n"
"  -w, --timeout SEC    give up after SEC seconds without progress (0: never)\n"
"  --poll idle|busy     back off when idle (default) or spin\n"
"  --no-offload         ignore the port's checksum offloads\n"
"  -v, --verbose        report the connection and byte counts on stderr\n"
"\n"
"stdin goes to the connection and what arrives goes to stdout; FIN is sent\n"
"when stdin ends. Exit status: 0 after a clean close in both directions,\n"
"1 on reset, refusal or timeout, 2 on a usage error.\n"
"\n"
"Fetch a page (TAP port, inside a network namespace you created):\n"
"  printf 'GET / HTTP/1.0\\r\\n\\r\\n' | %s --no-pci --no-huge -m 512 \\\n"
"      --vdev=net_tap0,iface=shoal0 -- --ip 198.18.0.2/24 198.18.0.1 80\n",
		prog, prog, prog);
}

static int
parse_prefix(const char *s, rte_be32_t *ip, uint8_t *len)
{
	char buf[64], *slash, *end;
	struct in_addr a;

	snprintf(buf, sizeof(buf), "%s", s);
	slash = strchr(buf, '/');
	*len = 24;
	if (slash != NULL) {
		long l = strtol(slash + 1, &end, 10);

		if (*end != '\0' || l < 0 || l > 32)
			return -EINVAL;
		*len = (uint8_t)l;
		*slash = '\0';
	}
	if (inet_pton(AF_INET, buf, &a) != 1)
		return -EINVAL;
	*ip = a.s_addr;
	return 0;
}

static int
parse_port(const char *s, uint16_t *port)
{
	char *end;
	long p = strtol(s, &end, 10);

	if (*s == '\0' || *end != '\0' || p < 1 || p > 65535)
		return -EINVAL;
	*port = (uint16_t)p;
	return 0;
}

int
main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "listen", required_argument, NULL, 'l' },
		{ "ip", required_argument, NULL, 'i' },
		{ "gw", required_argument, NULL, 'g' },
		{ "mtu", required_argument, NULL, 'm' },
		{ "capture", required_argument, NULL, 'c' },
		{ "lport", required_argument, NULL, 'L' },
		{ "timeout", required_argument, NULL, 'w' },
		{ "poll", required_argument, NULL, 'p' },
		{ "no-offload", no_argument, NULL, 'O' },
		{ "verbose", no_argument, NULL, 'v' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct cat *c = &cat;
	struct shoal_conf conf;
	const char *prog = argv[0];
	struct shoal_app app = {
		.init = app_init, .poll = app_poll, .ctx = c,
	};
	uint16_t lport = 0;
	int stdin_flags;
	struct in_addr a;
	int ret, opt;

	for (int i = 1; i < argc; i++)
		if (strcmp(argv[i], "--help") == 0) {
			usage(stdout, prog);
			return 0;
		}
	ret = rte_eal_init(argc, argv);
	if (ret < 0) {
		fprintf(stderr, "%s: EAL init failed: %s\n", prog,
			rte_strerror(rte_errno));
		return 2;
	}
	argc -= ret;
	argv += ret;

	shoal_conf_init(&conf);
	conf.ip = rte_cpu_to_be_32(RTE_IPV4(198, 18, 0, 2));
	conf.main_is_worker = true;
	optind = 1;
	while ((opt = getopt_long(argc, argv, "l:w:vh", opts, NULL)) != -1) {
		switch (opt) {
		case 'l':
			c->listen = true;
			if (parse_port(optarg, &c->port) != 0) {
				fprintf(stderr, "%s: -l %s: not a port\n", prog,
					optarg);
				return 2;
			}
			break;
		case 'i':
			if (parse_prefix(optarg, &conf.ip, &conf.prefix_len)) {
				fprintf(stderr, "%s: --ip %s: expected ADDR/LEN\n",
					prog, optarg);
				return 2;
			}
			break;
		case 'g':
			if (inet_pton(AF_INET, optarg, &a) != 1) {
				fprintf(stderr, "%s: --gw %s: not an IPv4 "
					"address\n", prog, optarg);
				return 2;
			}
			conf.gw = a.s_addr;
			break;
		case 'm':
			conf.mtu = strtoul(optarg, NULL, 0);
			break;
		case 'c':
			conf.capture = optarg;
			break;
		case 'L':
			if (parse_port(optarg, &lport) != 0) {
				fprintf(stderr, "%s: --lport %s: not a port\n",
					prog, optarg);
				return 2;
			}
			break;
		case 'w':
			c->timeout_ns = strtoull(optarg, NULL, 10) * 1000000000ULL;
			break;
		case 'p':
			if (strcmp(optarg, "busy") == 0)
				conf.poll = SHOAL_POLL_BUSY;
			else if (strcmp(optarg, "idle") == 0)
				conf.poll = SHOAL_POLL_IDLE;
			else {
				fprintf(stderr, "%s: --poll %s: expected idle "
					"or busy\n", prog, optarg);
				return 2;
			}
			break;
		case 'O':
			conf.no_offload = true;
			break;
		case 'v':
			c->verbose = true;
			break;
		case 'h':
			usage(stdout, prog);
			return 0;
		default:
			usage(stderr, prog);
			return 2;
		}
	}
	if (c->listen ? optind != argc : optind + 2 != argc) {
		usage(stderr, prog);
		return 2;
	}
	if (!c->listen) {
		uint16_t rport;

		if (inet_pton(AF_INET, argv[optind], &a) != 1) {
			fprintf(stderr, "%s: %s: not an IPv4 address\n", prog,
				argv[optind]);
			return 2;
		}
		if (parse_port(argv[optind + 1], &rport) != 0) {
			fprintf(stderr, "%s: %s: not a port\n", prog,
				argv[optind + 1]);
			return 2;
		}
		c->ep.local = shoal_addr_v4(conf.ip);
		c->ep.remote = shoal_addr_v4(a.s_addr);
		c->ep.lport = rte_cpu_to_be_16(lport);
		c->ep.rport = rte_cpu_to_be_16(rport);
	}

	c->stack = shoal_init(&conf);
	if (c->stack == NULL) {
		fprintf(stderr, "%s: cannot start the stack: %s\n", prog,
			rte_strerror(rte_errno));
		rte_eal_cleanup();
		return 1;
	}
	if (shoal_nb_workers(c->stack) != 1)
		fprintf(stderr, "%s: %u workers; shoal-cat uses worker 0 only: "
			"give the EAL one lcore (-l N)\n", prog,
			shoal_nb_workers(c->stack));
	shoal_set_app(c->stack, &app);
	stdin_flags = fcntl(STDIN_FILENO, F_GETFL);
	fcntl(STDIN_FILENO, F_SETFL, stdin_flags | O_NONBLOCK);
	signal(SIGINT, on_signal);
	signal(SIGTERM, on_signal);
	signal(SIGPIPE, SIG_IGN);
	if (c->verbose)
		fprintf(stderr, "shoal-cat: ready\n");

	shoal_launch(c->stack);
	shoal_wait(c->stack);

	fcntl(STDIN_FILENO, F_SETFL, stdin_flags);
	if (c->verbose) {
		fprintf(stderr, "shoal-cat: %" PRIu64 " bytes in, %" PRIu64
			" bytes out\n", c->bytes_in, c->bytes_out);
		shoal_dump(stderr, c->stack);
	}
	shoal_free(c->stack);
	rte_eal_cleanup();
	return c->status;
}
