/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * shoal-gen: the stateful load generator and responder.
 *
 *   shoal-gen [EAL options] -- [--config FILE] [section.key=value ...]
 *
 * main() does the EAL, the configuration and the stack; the workers run
 * the profiles (gen.c, client.c, server.c); a control loop on the main
 * lcore (or on a thread of its own when the main lcore is a worker too)
 * prints the live figures, ends the run, drains it, and the summary
 * follows (report.c). Without a TCP profile to run (role server and no
 * client) it still answers ARP and ping, as it always did.
 */
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <rte_eal.h>
#include <rte_errno.h>
#include <rte_lcore.h>
#include <rte_malloc.h>

#include <shoal/shoal.h>
#include "gen.h"
#include "report.h"

/* How often the control loop wakes to look for the end of the run. */
#define TICK_NS (50ULL * 1000 * 1000)

static struct shoal_stack *stack;
static volatile sig_atomic_t signals;

static void
on_signal(int sig)
{
	(void)sig;
	/* The first asks for a graceful end; the second stops at once. */
	if (++signals > 1 && stack != NULL)
		shoal_stop(stack);
}

static void
usage(FILE *f, const char *prog)
{
	fprintf(f,
"usage: %s [EAL options] -- [--config FILE] [section.key=value | --key value]...\n"
"\n"
"Every key below can be set in an INI file (--config FILE, [section] key = value),\n"
"as section.key=value, or as --key value when the name is unique; later ones win.\n"
"\n"
"Examples (run inside a network namespace you created; see conf/):\n"
"  server: %s --no-pci --no-huge -m 1024 -l 0,1 --file-prefix srv \\\n"
"      --vdev net_vhost0,iface=/var/tmp/shoal/vhost.sock,queues=1 -- \\\n"
"      --config conf/http-cps-server.ini\n"
"  client: %s --no-pci --no-huge -m 1024 -l 2,3 --file-prefix cli \\\n"
"      --vdev net_virtio_user0,path=/var/tmp/shoal/vhost.sock,queues=1 -- \\\n"
"      --config conf/http-cps-client.ini --duration 10 --json run.json\n"
"\n", prog, prog, prog);
	shoal_cfg_help(f, gen_schema);
}

static uint64_t
now_ns(void)
{
	return shoal_now_ns();
}

static void
sleep_ns(uint64_t ns)
{
	struct timespec ts = { (time_t)(ns / 1000000000),
			       (long)(ns % 1000000000) };

	nanosleep(&ts, NULL);
}

struct control {
	struct gen *g;
	const struct gen_conf *conf;
	uint64_t start_ns;
	uint64_t run_ns;	/* from start to the drain */
	struct report_snap *prev, *cur;
	struct gen_leaks *leaks;	/* [nb_workers], at the end */
	bool init_failed;
};

/* Wait for every worker's init (listeners open) before saying "ready". */
static bool
wait_workers(struct control *ctl)
{
	/* Sized for millions of connections, a worker fills its pools and
	 * context array first: at 1M on a loaded 2-core machine that took
	 * longer than the 10 s this used to allow. */
	uint64_t deadline = now_ns() + 120ULL * 1000000000;

	while (now_ns() < deadline && !shoal_stopping(stack)) {
		unsigned int n = 0;

		for (unsigned int i = 0; i < ctl->g->nb_workers; i++)
			n += __atomic_load_n(&ctl->g->workers[i], __ATOMIC_ACQUIRE) != NULL;
		if (n == ctl->g->nb_workers)
			return true;
		sleep_ns(1000000);
	}
	return false;
}

static bool
run_over(struct control *ctl, uint64_t t)
{
	const struct gen_conf *c = ctl->conf;

	if (signals || shoal_stopping(stack))
		return true;
	if (c->duration && t - ctl->start_ns >= c->duration)
		return true;
	/* a client with a connection count is done when they all are */
	if (c->role == GEN_ROLE_CLIENT && c->connections) {
		static struct gen_pub sum;

		gen_pub_sum(ctl->g, &sum);
		return sum.client_done;
	}
	return false;
}

static void
tick_live(struct control *ctl, uint64_t t)
{
	struct report_snap *tmp;

	report_snap(ctl->g, ctl->cur);
	if (!ctl->conf->quiet)
		report_live(stdout, ctl->conf, ctl->cur, ctl->prev,
			    t - ctl->start_ns);
	tmp = ctl->prev;
	ctl->prev = ctl->cur;
	ctl->cur = tmp;
}

/* The control loop: live figures, the end of the run, the drain. */
static void *
control_run(void *arg)
{
	struct control *ctl = arg;
	const struct gen_conf *c = ctl->conf;
	uint64_t next, t, drain_end;

	if (!wait_workers(ctl)) {
		ctl->init_failed = true;
		shoal_stop(stack);
		return NULL;
	}
	printf("shoal-gen: ready (%u worker%s)\n", ctl->g->nb_workers,
	       ctl->g->nb_workers > 1 ? "s" : "");
	fflush(stdout);
	ctl->start_ns = now_ns();
	report_snap(ctl->g, ctl->prev);
	next = ctl->start_ns + c->interval;
	for (;;) {
		t = now_ns();
		if (run_over(ctl, t))
			break;
		if (t >= next) {
			tick_live(ctl, t);
			next += c->interval;
			continue;
		}
		sleep_ns(RTE_MIN(next - t, TICK_NS));
	}
	ctl->run_ns = now_ns() - ctl->start_ns;

	/* Drain: no new connections, open ones close gracefully. */
	__atomic_store_n(&ctl->g->phase, GEN_DRAIN, __ATOMIC_RELAXED);
	drain_end = now_ns() + c->drain;
	while (!shoal_stopping(stack) && (t = now_ns()) < drain_end) {
		if (gen_drained(ctl->g))
			break;
		sleep_ns(10 * 1000 * 1000);
	}
	/* Our last ACK may have been lost: the peer's FIN retransmission
	 * needs a TIME-WAIT that still answers. */
	t = now_ns();
	if (c->linger && t < drain_end) {
		uint64_t end = t + RTE_MIN(c->linger, drain_end - t);

		/* A signal during the linger ends it: the TIME-WAITs are
		 * there to help the peer, not to hold the process. */
		while (!signals && !shoal_stopping(stack) && now_ns() < end)
			sleep_ns(10 * 1000 * 1000);
	}
	shoal_stop(stack);
	return NULL;
}

/* The stack's configuration from ours. */
static void
gen_conf_to_stack(const struct gen_conf *c, struct shoal_conf *sc)
{
	shoal_conf_init(sc);
	sc->ip = c->ip.addr.v4;
	sc->prefix_len = c->ip.len;
	sc->ip_count = c->ip_count;
	for (unsigned int i = 0; i < c->port_ips.n && i < SHOAL_PORTS_MAX - 1;
	     i++) {
		sc->port_ip[i] = c->port_ips.p[i].addr.v4;
		sc->port_prefix_len[i] = c->port_ips.p[i].len;
	}
	sc->neigh_entries = c->neigh_entries;
	if (c->gw.family == SHOAL_AF_INET)
		sc->gw = c->gw.v4;
	sc->mtu = c->mtu;
	sc->capture = c->capture[0] ? c->capture : NULL;
	sc->impair = c->impair[0] ? c->impair : NULL;
	sc->poll = c->poll == GEN_POLL_BUSY ? SHOAL_POLL_BUSY : SHOAL_POLL_IDLE;
	sc->no_offload = c->no_offload;
	sc->cycles = c->cycles;
	sc->tso = c->tso;
	sc->main_is_worker = c->main_is_worker;
	sc->nb_mbufs = c->mbufs;
	sc->nb_rxd = c->rxd;
	sc->nb_txd = c->txd;
	sc->mbuf_reserve = (int32_t)c->mbuf_reserve;
	if (c->tcp_max_conns)
		sc->tcp.max_conns = c->tcp_max_conns;
	if (c->tcp_tw_free >= 0)
		sc->tcp.tw_free = (uint32_t)c->tcp_tw_free;
	if (c->tcp_sndbuf)
		sc->tcp.sndbuf = (uint32_t)c->tcp_sndbuf;
	if (c->tcp_rcvbuf)
		sc->tcp.rcvbuf = (uint32_t)c->tcp_rcvbuf;
	if (c->tcp_mss)
		sc->tcp.mss = c->tcp_mss;
	if (c->tcp_msl)
		sc->tcp.msl_ns = c->tcp_msl;
	sc->tcp.loss_probes = c->tcp_loss_probes;
	sc->tcp.sack = c->tcp_sack;
	sc->tcp.timestamps = c->tcp_timestamps;
	sc->tcp.wscale = c->tcp_wscale;
	sc->tcp.cc = c->tcp_cc == GEN_CC_NEWRENO ? SHOAL_TCP_CC_NEWRENO :
		SHOAL_TCP_CC_CUBIC;
}

static int
parse_config(int argc, char **argv, struct gen_conf *conf)
{
	char err[512];
	int ret;

	ret = shoal_cfg_parse_args(gen_schema, conf, argc, argv, err,
				   sizeof(err));
	if (ret == SHOAL_CFG_HELP) {
		usage(stdout, argv[0]);
		return 1;
	}
	if (ret == 0)
		ret = gen_conf_check(conf, err, sizeof(err));
	if (ret < 0) {
		fprintf(stderr, "%s: %s\n(--help lists every key)\n", argv[0],
			err);
		return -1;
	}
	return 0;
}

static int
summarize(struct control *ctl)
{
	const struct gen_conf *c = ctl->conf;
	char why[1024];
	bool pass;
	int ret = 0;

	report_snap(ctl->g, ctl->cur);
	printf("shoal-gen: summary\n");
	shoal_dump(stdout, stack);
	/* Every loop returned: what the workers still hold is left over
	 * (this closes the ports, so it comes after the dump). */
	ctl->cur->final = true;
	ctl->cur->worker_leaks = ctl->leaks;
	gen_leaks_collect(ctl->g, ctl->leaks, &ctl->cur->leaks);
	pass = report_pass(c, ctl->cur, ctl->run_ns, why, sizeof(why));
	report_summary(stdout, c, ctl->cur, ctl->run_ns, pass, why);
	if (c->json[0] != '\0') {
		int jr = report_json(c->json, c, ctl->cur, ctl->run_ns,
				     ctl->g->nb_workers, pass, why);

		if (jr != 0) {
			fprintf(stderr, "shoal-gen: cannot write %s: %s\n",
				c->json, strerror(-jr));
			ret = 1;
		}
	}
	return pass ? ret : 1;
}

int
main(int argc, char **argv)
{
	static struct gen_conf conf;
	struct shoal_conf sc;
	struct shoal_app app;
	struct control ctl;
	struct gen g;
	pthread_t ctl_thread;
	bool ctl_threaded;
	int ret;

	/* --help needs no EAL (and the EAL would want hugepages for it) */
	for (int i = 1; i < argc; i++)
		if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
			usage(stdout, argv[0]);
			return 0;
		}
	ret = rte_eal_init(argc, argv);
	if (ret < 0) {
		fprintf(stderr, "%s: EAL init failed: %s\n", argv[0],
			rte_strerror(rte_errno));
		return 1;
	}
	argc -= ret;
	argv += ret;
	ret = parse_config(argc, argv, &conf);
	if (ret != 0) {
		rte_eal_cleanup();
		return ret > 0 ? 0 : 2;
	}

	gen_conf_to_stack(&conf, &sc);
	stack = shoal_init(&sc);
	if (stack == NULL) {
		fprintf(stderr, "%s: cannot start the stack: %s\n", argv[0],
			rte_strerror(rte_errno));
		rte_eal_cleanup();
		return 1;
	}

	memset(&g, 0, sizeof(g));
	g.conf = &conf;
	g.stack = stack;
	g.nb_workers = shoal_nb_workers(stack);
	g.pub = rte_zmalloc("gen_pub", sizeof(*g.pub) * g.nb_workers,
			    RTE_CACHE_LINE_SIZE);
	g.workers = calloc(g.nb_workers, sizeof(*g.workers));
	memset(&ctl, 0, sizeof(ctl));
	ctl.g = &g;
	ctl.conf = &conf;
	/* cache-aligned (struct gen_pub): calloc's 16 bytes are not enough
	 * for the vector moves the compiler may use on it */
	ctl.prev = rte_zmalloc("gen_snap", sizeof(*ctl.prev), RTE_CACHE_LINE_SIZE);
	ctl.cur = rte_zmalloc("gen_snap", sizeof(*ctl.cur), RTE_CACHE_LINE_SIZE);
	ctl.leaks = calloc(g.nb_workers, sizeof(*ctl.leaks));
	if (g.pub == NULL || g.workers == NULL || ctl.prev == NULL ||
	    ctl.cur == NULL || ctl.leaks == NULL) {
		fprintf(stderr, "%s: out of memory\n", argv[0]);
		return 1;
	}
	for (unsigned int i = 0; i < g.nb_workers; i++)
		rte_seqcount_init(&g.pub[i].sc);
	if (gen_zerocopy_init(&g) != 0)
		fprintf(stderr, "%s: no DPDK memory for bulk.zerocopy: the "
			"pattern is copied\n", argv[0]);
	app = (struct shoal_app){
		.init = gen_worker_init,
		.poll = gen_worker_poll,
		.fini = gen_worker_fini,
		.ctx = &g,
	};
	shoal_set_app(stack, &app);

	shoal_dump(stdout, stack);
	signal(SIGINT, on_signal);
	signal(SIGTERM, on_signal);
	g.start_ns = shoal_now_ns();
	if (shoal_launch(stack) != 0) {
		fprintf(stderr, "%s: cannot launch the workers\n", argv[0]);
		return 1;
	}
	/* A main lcore that runs a worker itself cannot also watch. */
	ctl_threaded = conf.main_is_worker || rte_lcore_count() == 1;
	if (ctl_threaded) {
		if (pthread_create(&ctl_thread, NULL, control_run, &ctl) != 0) {
			fprintf(stderr, "%s: no control thread\n", argv[0]);
			shoal_stop(stack);
			ctl_threaded = false;
		}
		shoal_wait(stack);
		if (ctl_threaded)
			pthread_join(ctl_thread, NULL);
	} else {
		control_run(&ctl);
		shoal_wait(stack);
	}
	if (ctl.init_failed) {
		fprintf(stderr, "%s: a worker failed to start its profile\n",
			argv[0]);
		ret = 1;
	} else {
		ret = summarize(&ctl);
	}
	shoal_free(stack);
	rte_eal_cleanup();
	return ret;
}
