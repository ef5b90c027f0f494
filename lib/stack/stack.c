/* SPDX-License-Identifier: BSD-3-Clause */
#define ALLOW_EXPERIMENTAL_API	/* rte_seqcount */
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <rte_cycles.h>
#include <rte_errno.h>
#include <rte_ethdev.h>
#include <rte_launch.h>
#include <rte_log.h>
#include <rte_malloc.h>
#include <rte_mbuf.h>
#include <rte_telemetry.h>
#include <rte_ip.h>

#include "capture/capture.h"
#include "dev/impair.h"
#include "dev/port.h"
#include "net/net.h"
#include "net/neigh.h"
#include "stack/stack.h"

RTE_LOG_REGISTER(stack_logtype, shoal.stack, INFO);
#define STACK_LOG(level, ...) \
	rte_log(RTE_LOG_##level, stack_logtype, "shoal: " __VA_ARGS__)

/* Counters are republished for the control plane this often. */
#define PUBLISH_INTERVAL_NS (10 * 1000 * 1000)
/* Empty polls in a row before an idle worker starts to sleep. */
#define IDLE_SPIN_POLLS 256

/* --- clock ---------------------------------------------------------- */

/* ns = tsc * clock_mult >> 32; set once, before any worker runs. */
static uint64_t clock_mult;

static void
clock_init(void)
{
	if (clock_mult == 0)
		clock_mult = (uint64_t)(((unsigned __int128)NS_PER_S << 32) /
					rte_get_tsc_hz());
}

uint64_t
shoal_now_ns(void)
{
	return (uint64_t)(((unsigned __int128)rte_get_tsc_cycles() *
			   clock_mult) >> 32);
}

/* --- telemetry ------------------------------------------------------ */

#define MAX_STACKS 8
static struct shoal_stack *stacks[MAX_STACKS];

static int
telemetry_stats(const char *cmd, const char *params, struct rte_tel_data *d)
{
	struct shoal_stats sum;
	int id = params != NULL && *params ? atoi(params) : 0;

	if (id < 0 || id >= MAX_STACKS || stacks[id] == NULL)
		return -EINVAL;
	shoal_stats_read(stacks[id], &sum);
	rte_tel_data_start_dict(d);
#define TEL_COUNTER(name) rte_tel_data_add_dict_u64(d, #name, sum.name);
	SHOAL_COUNTERS(TEL_COUNTER)
#undef TEL_COUNTER
	for (int i = 0; i < SHOAL_DROP_MAX; i++) {
		char key[64];

		snprintf(key, sizeof(key), "drop.%s", shoal_drop_name(i));
		rte_tel_data_add_dict_u64(d, key, sum.drops[i]);
	}
	if (!stacks[id]->conf.no_tcp) {
		struct shoal_tcp_stats ts;

		shoal_tcp_stats_read(stacks[id], &ts);
#define TEL_TCP(name) rte_tel_data_add_dict_u64(d, "tcp." #name, ts.name);
		SHOAL_TCP_COUNTERS(TEL_TCP)
#undef TEL_TCP
		rte_tel_data_add_dict_u64(d, "tcp.conns_open", ts.conns_open);
	}
	return 0;
}

static void
stack_register(struct shoal_stack *st)
{
	static bool registered;

	for (int i = 0; i < MAX_STACKS; i++) {
		if (stacks[i] == NULL) {
			stacks[i] = st;
			break;
		}
	}
	if (!registered) {
		registered = true;
		rte_telemetry_register_cmd("/shoal/stats", telemetry_stats,
			"Counters and drop reasons, summed over workers. "
			"Parameters: int stack index (default 0)");
	}
}

static void
stack_unregister(struct shoal_stack *st)
{
	for (int i = 0; i < MAX_STACKS; i++)
		if (stacks[i] == st)
			stacks[i] = NULL;
}

/* --- set-up --------------------------------------------------------- */

void
shoal_conf_init(struct shoal_conf *conf)
{
	memset(conf, 0, sizeof(*conf));
	conf->ip_count = 1;
	conf->prefix_len = 24;
	conf->nb_mbufs = 16384;
	conf->nb_rxd = 1024;
	conf->nb_txd = 1024;
	conf->mbuf_reserve = -1;
	conf->tso = true;
	conf->poll = SHOAL_POLL_IDLE;
	conf->idle_max_us = 1000;
	conf->neigh_entries = 1024;
	conf->neigh_reachable_ns = 30ULL * NS_PER_S;
	shoal_tcp_conf_init(&conf->tcp);
}

/* --- TCP: the engine below, the IP layer above ------------------------ */

/* The engine's output hook: a segment for @p ep goes down to IPv4, which
 * fills in the checksum (or has the NIC do it) and routes it. */
static void
stack_tcp_output(void *ctx, struct rte_mbuf *seg, const struct shoal_endpoints *ep)
{
	struct shoal_worker *w = ctx;

	ipv4_output_tcp(w, seg, ep->local.v4, ep->remote.v4);
}

/* Hand the TCP segments gathered from one RX burst to the engine at once:
 * it looks their flows up in bulk and coalesces ACKs per flow. */
static void
worker_tcp_flush_rx(struct shoal_worker *w)
{
	if (w->tcp_n == 0)
		return;
	shoal_tcp_input_burst(w->tcp, w->tcp_segs, w->tcp_eps, w->tcp_n,
			      w->now_ns);
	w->tcp_n = 0;
}

/* Called by net_input for every valid TCP segment (data at the TCP
 * header, checksum verified). */
void
net_tcp_input(struct shoal_worker *w, struct rte_mbuf *m,
	      const struct shoal_endpoints *ep)
{
	if (unlikely(w->tcp == NULL)) {
		worker_drop(w, m, SHOAL_DROP_TCP_NOT_ENABLED);
		return;
	}
	w->tcp_segs[w->tcp_n] = m;
	w->tcp_eps[w->tcp_n] = *ep;
	if (++w->tcp_n == SHOAL_RX_BURST)
		worker_tcp_flush_rx(w);
}

/* The receive reserve of each worker's pool (shoal_conf.mbuf_reserve):
 * enough to refill every RX ring the worker polls from empty, plus a
 * burst in flight. Not less: a PMD may refill its ring in one bulk
 * allocation of every empty slot (virtio does), which fails as a whole
 * while fewer mbufs are free, so a ring once drained only recovers with
 * a ring's worth free. More than half the pool leaves the stack too
 * little to work with: such a pool is too small for its rings. */
static uint32_t
stack_mbuf_reserve(const struct shoal_stack *st)
{
	const struct shoal_conf *c = &st->conf;
	uint32_t r = (uint32_t)c->mbuf_reserve;

	if (c->mbuf_reserve < 0)
		r = (uint32_t)c->nb_rxd * RTE_MAX(st->nb_ifaces, 1u) +
			SHOAL_RX_BURST;
	if (r > c->nb_mbufs / 2) {
		STACK_LOG(WARNING, "a receive reserve of %u mbufs is over half "
			  "the pool of %u: keeping %u (a pool this small for "
			  "its RX rings can run dry)\n", r, c->nb_mbufs,
			  c->nb_mbufs / 2);
		r = c->nb_mbufs / 2;
	}
	return r;
}

/* TSO only where every port can cut what the engine hands it: the engine
 * does not know which port a segment leaves by. The largest payload is
 * what one IPv4 packet holds after a full TCP header. A vhost-user port
 * can once its guest has negotiated it, which may change while running. */
static uint32_t
worker_tso_max(const struct shoal_worker *w)
{
	const struct shoal_stack *st = w->stack;

	if (!st->conf.tso || w->nb_ifaces == 0)
		return 0;
	for (unsigned int i = 0; i < w->nb_ifaces; i++) {
		const struct shoal_iface *ifc = &w->ifaces[i];

		if (!ifc->tx_tso &&
		    !(ifc->tso_guest && port_guest_tso(ifc->port_id)))
			return 0;
	}
	return UINT16_MAX - sizeof(struct rte_ipv4_hdr) - 60; /* TCP max */
}

/* On the publication timer: a guest that came, went or came back with
 * other features turns TSO on or off for this worker's engine. */
static void
worker_tso_refresh(struct shoal_worker *w)
{
	uint32_t m;

	if (!w->tso_dynamic || w->tcp == NULL)
		return;
	m = worker_tso_max(w);
	if (m == w->tso_max)
		return;
	STACK_LOG(INFO, "worker %u: segmentation offload %s (the vhost-user "
		  "guest %s it)\n", w->id, m != 0 ? "on" : "off",
		  m != 0 ? "negotiated" : "does not take");
	w->tso_max = m;
	shoal_tcp_set_tso_max(w->tcp, m);
}

/* Created once the ports are up: the MSS follows the port's MTU. */
static int
worker_tcp_create(struct shoal_stack *st, struct shoal_worker *w)
{
	static unsigned int tcp_seq;
	struct shoal_tcp_conf tc = st->conf.tcp;
	char name[32];
	uint16_t mtu = st->ifaces[0].mtu ? st->ifaces[0].mtu : RTE_ETHER_MTU;
	uint16_t mss_max = mtu - sizeof(struct rte_ipv4_hdr) -
		sizeof(struct rte_tcp_hdr);

	if (st->conf.no_tcp)
		return 0;
	snprintf(name, sizeof(name), "shoal_tcp%u",
		 __atomic_fetch_add(&tcp_seq, 1, __ATOMIC_RELAXED));
	tc.name = name;
	tc.socket_id = rte_lcore_to_socket_id(w->lcore);
	tc.pool = w->pool;
	tc.hdr_room = RTE_ETHER_HDR_LEN + sizeof(struct rte_ipv4_hdr);
	if (tc.mss == 0 || tc.mss > mss_max)
		tc.mss = mss_max;
	tc.output = stack_tcp_output;
	tc.output_ctx = w;
	tc.mbuf_reserve = stack_mbuf_reserve(st);
	w->tso_max = worker_tso_max(w);
	tc.tso_max = w->tso_max;
	for (unsigned int i = 0; i < w->nb_ifaces; i++)
		w->tso_dynamic = w->tso_dynamic || w->ifaces[i].tso_guest;
	if (st->steer != NULL || st->nb_workers > 1) {
		/* Active opens pick ports whose replies hash back here. */
		tc.port_ok = rss_port_ok_cb;
		tc.port_ok_ctx = w->port_ctx;
	}
	w->tcp = shoal_tcp_create(&tc, shoal_now_ns());
	if (w->tcp == NULL) {
		STACK_LOG(ERR, "worker %u: no TCP engine: %s\n", w->id,
			  rte_strerror(rte_errno));
		return -rte_errno;
	}
	return 0;
}

/* Several workers: learn how the first port spreads flows (its RSS key
 * and RETA, or the software equivalent) and create the rings that carry
 * a packet to its owner when a port cannot steer it there itself. */
static int
stack_setup_sharding(struct shoal_stack *st)
{
	char prefix[32];
	static unsigned int seq;
	int ret;

	st->ifaces[0].nb_queues = st->ifaces[0].nb_queues ?
		st->ifaces[0].nb_queues : 1;
	if (st->nb_workers < 2)
		return rss_map_init(&st->rss, shoal_rss_key,
				    sizeof(shoal_rss_key), 1);
	ret = rss_map_from_port(&st->rss, st->ifaces[0].port_id,
				st->nb_workers);
	if (ret != 0) {
		STACK_LOG(WARNING, "port %u: its RSS cannot be followed in "
			  "software (%s): steering every flow in software\n",
			  st->ifaces[0].port_id, strerror(-ret));
		for (unsigned int i = 0; i < st->nb_ifaces; i++)
			st->ifaces[i].rss = false;
		ret = rss_map_init(&st->rss, shoal_rss_key,
				   sizeof(shoal_rss_key), st->nb_workers);
		if (ret != 0)
			return ret;
	}
	snprintf(prefix, sizeof(prefix), "shoal_st%u",
		 __atomic_fetch_add(&seq, 1, __ATOMIC_RELAXED));
	st->steer = steer_create(st->nb_workers, 1024, SOCKET_ID_ANY, prefix);
	if (st->steer == NULL) {
		STACK_LOG(ERR, "steering rings: %s\n", rte_strerror(rte_errno));
		return -ENOMEM;
	}
	for (unsigned int i = 0; i < st->nb_ifaces; i++) {
		if (st->ifaces[i].nb_queues >= st->nb_workers)
			continue;
		strcat(prefix, "t");
		st->steer_tx = steer_create(st->nb_workers, 2048,
					    SOCKET_ID_ANY, prefix);
		if (st->steer_tx == NULL) {
			STACK_LOG(ERR, "TX rings: %s\n",
				  rte_strerror(rte_errno));
			return -ENOMEM;
		}
		break;
	}
	for (unsigned int i = 0; i < st->nb_ifaces; i++)
		STACK_LOG(INFO, "port %u: %s\n", st->ifaces[i].port_id,
			  st->ifaces[i].rss ?
			  "hardware RSS steers flows to their workers" :
			  "software steering: packets hashed and handed to "
			  "their owner through rings");
	return 0;
}

/* --impair: one instance per worker, port and direction, each named so
 * that a seed gives the same run again. */
static int
stack_setup_impair(struct shoal_stack *st)
{
	struct impair_conf ic;
	char err[256], name[64];

	if (st->conf.impair == NULL || st->conf.impair[0] == '\0')
		return 0;
	if (impair_parse(st->conf.impair, &ic, err, sizeof(err)) != 0) {
		STACK_LOG(ERR, "--impair %s: %s\n", st->conf.impair, err);
		return -EINVAL;
	}
	if (!impair_conf_active(&ic))
		return 0;
	for (unsigned int i = 0; i < st->nb_workers; i++) {
		struct shoal_worker *w = st->workers[i];
		int socket = rte_lcore_to_socket_id(w->lcore);

		for (unsigned int p = 0; p < st->nb_ifaces; p++) {
			if (impair_applies(&ic, IMPAIR_DIR_RX)) {
				snprintf(name, sizeof(name), "p%u-rx-w%u", p, i);
				w->imp_rx[p] = impair_create(&ic, socket, name);
				if (w->imp_rx[p] == NULL)
					return -ENOMEM;
			}
			if (impair_applies(&ic, IMPAIR_DIR_TX)) {
				snprintf(name, sizeof(name), "p%u-tx-w%u", p, i);
				w->imp_tx[p] = impair_create(&ic, socket, name);
				if (w->imp_tx[p] == NULL)
					return -ENOMEM;
			}
		}
	}
	STACK_LOG(INFO, "impairing every port: %s\n", st->conf.impair);
	return 0;
}

static int
stack_create_tcp(struct shoal_stack *st)
{
	if (!st->conf.no_tcp)
		STACK_LOG(INFO, "each worker keeps %u of its %u mbufs for "
			  "receiving\n", stack_mbuf_reserve(st),
			  st->conf.nb_mbufs);
	for (unsigned int i = 0; i < st->nb_workers; i++) {
		int ret = worker_tcp_create(st, st->workers[i]);

		if (ret != 0)
			return ret;
	}
	return 0;
}

static struct shoal_worker *
worker_create(struct shoal_stack *st, unsigned int id, unsigned int lcore)
{
	static unsigned int pool_seq;
	char name[RTE_MEMPOOL_NAMESIZE];
	int socket = rte_lcore_to_socket_id(lcore);
	struct shoal_worker *w;
	bool lifo;

	w = rte_zmalloc_socket("shoal_worker", sizeof(*w), RTE_CACHE_LINE_SIZE,
			       socket);
	if (w == NULL)
		return NULL;
	w->stack = st;
	w->id = id;
	w->lcore = lcore;
	w->cycles = st->conf.cycles;
	w->queue = id;
	w->ifaces = st->ifaces;
	w->nb_ifaces = st->nb_ifaces;
	w->path_gen = 1;		/* the zeroed slots are of gen 0 */
	snprintf(name, sizeof(name), "shoal_mb%u", pool_seq++);
	w->pool = worker_pool_create(name, st->conf.nb_mbufs, socket, &lifo);
	if (w->pool == NULL) {
		STACK_LOG(ERR, "worker %u: no mbuf pool of %u: %s\n", id,
			  st->conf.nb_mbufs, rte_strerror(rte_errno));
		goto fail;
	}
	if (!lifo && id == 0)
		STACK_LOG(WARNING, "no \"stack\" mempool driver (librte_mempool_stack): "
			  "mbuf pools hand their mbufs out in turn, and bursts "
			  "larger than the per-lcore cache run cold\n");
	w->arp_learn_only = id != 0;
	w->steer_to = rte_zmalloc_socket("shoal_steer_to",
			sizeof(*w->steer_to) * st->nb_workers, 0, socket);
	w->port_ctx = rte_zmalloc_socket("shoal_port_ctx",
			sizeof(*w->port_ctx), 0, socket);
	if (w->steer_to == NULL || w->port_ctx == NULL)
		goto fail;
	w->port_ctx->map = &st->rss;
	w->port_ctx->worker = id;
	w->neigh = neigh_table_create(st->conf.neigh_entries,
				      st->conf.neigh_reachable_ns, socket);
	if (w->neigh == NULL)
		goto fail;
	return w;
fail:
	neigh_table_free(w->neigh);
	rte_mempool_free(w->pool);
	rte_free(w->steer_to);
	rte_free(w->port_ctx);
	rte_free(w);
	return NULL;
}

/* One file per worker keeps capture lock-free; worker 0 writes the
 * name the user gave, worker N "<name>.wN". Opened once the ports are
 * up, since the link type (Ethernet or bare IP) decides the format. */
static int
stack_open_captures(struct shoal_stack *st)
{
	bool l3 = st->nb_ifaces > 0 && st->ifaces[0].l3;

	if (st->conf.capture == NULL)
		return 0;
	for (unsigned int i = 0; i < st->nb_workers; i++) {
		char path[sizeof(st->capture_path) + 16];

		if (i == 0)
			snprintf(path, sizeof(path), "%s", st->conf.capture);
		else
			snprintf(path, sizeof(path), "%s.w%u",
				 st->conf.capture, i);
		st->workers[i]->cap = shoal_capture_open(path, l3);
		if (st->workers[i]->cap == NULL)
			return -EIO;
	}
	return 0;
}

static void
worker_free(struct shoal_worker *w)
{
	if (w == NULL)
		return;
	for (unsigned int i = 0; i < w->nb_ifaces; i++) {
		struct worker_txq *q = &w->txq[i];

		rte_pktmbuf_free_bulk(q->pkts, q->n);
		for (uint16_t k = 0; k < q->bl_n; k++)
			rte_pktmbuf_free(q->bl[(q->bl_head + k) %
					       SHOAL_TX_BACKLOG]);
		impair_free(w->imp_rx[i]);
		impair_free(w->imp_tx[i]);
	}
	/* The engine holds mbufs of the pool: free it first. */
	shoal_tcp_free(w->tcp);
	shoal_capture_close(w->cap);
	neigh_table_free(w->neigh);
	rte_mempool_free(w->pool);
	rte_free(w->steer_to);
	rte_free(w->port_ctx);
	rte_free(w);
}

static void
iface_set_addresses(struct shoal_iface *ifc, const struct shoal_conf *conf,
		    unsigned int port)
{
	uint8_t plen = conf->prefix_len;

	ifc->ip = conf->ip;
	ifc->ip_count = conf->ip_count ? conf->ip_count : 1;
	if (port > 0 && port < SHOAL_PORTS_MAX && conf->port_ip[port - 1]) {
		ifc->ip = conf->port_ip[port - 1];
		ifc->ip_count = 1;
		plen = RTE_MIN(conf->port_prefix_len[port - 1], 32);
	}
	ifc->mask = plen == 0 ? 0 : rte_cpu_to_be_32(~0u << (32 - plen));
	ifc->gw = conf->gw;
	if (conf->mtu != 0)
		ifc->mtu = conf->mtu;
}

static struct shoal_stack *
stack_alloc(const struct shoal_conf *conf)
{
	struct shoal_stack *st;

	clock_init();
	st = rte_zmalloc("shoal_stack", sizeof(*st), RTE_CACHE_LINE_SIZE);
	if (st == NULL) {
		rte_errno = ENOMEM;
		return NULL;
	}
	st->conf = *conf;
	if (conf->impair != NULL) {
		snprintf(st->impair_spec, sizeof(st->impair_spec), "%s",
			 conf->impair);
		st->conf.impair = st->impair_spec;
	}
	if (conf->capture != NULL) {
		snprintf(st->capture_path, sizeof(st->capture_path), "%s",
			 conf->capture);
		st->conf.capture = st->capture_path;
	}
	return st;
}

static int
stack_create_workers(struct shoal_stack *st, const unsigned int *lcores)
{
	st->pub = rte_zmalloc("shoal_pub", sizeof(*st->pub) * st->nb_workers,
			      RTE_CACHE_LINE_SIZE);
	if (st->pub == NULL)
		return -ENOMEM;
	for (unsigned int i = 0; i < st->nb_workers; i++) {
		rte_seqcount_init(&st->pub[i].sc);
		st->workers[i] = worker_create(st, i, lcores[i]);
		if (st->workers[i] == NULL)
			return -ENOMEM;
	}
	return 0;
}

struct shoal_stack *
shoal_init(const struct shoal_conf *conf)
{
	unsigned int lcores[RTE_MAX_LCORE], lcore;
	struct rte_mempool *pools[RTE_MAX_LCORE];
	struct shoal_stack *st;
	uint16_t port;

	if (conf->ip == 0) {
		STACK_LOG(ERR, "no local address configured\n");
		rte_errno = EINVAL;
		return NULL;
	}
	st = stack_alloc(conf);
	if (st == NULL)
		return NULL;

	/* Workers: every worker lcore, plus the main one when asked or
	 * when it is the only lcore. */
	if (conf->main_is_worker || rte_lcore_count() == 1)
		lcores[st->nb_workers++] = rte_get_main_lcore();
	RTE_LCORE_FOREACH_WORKER(lcore)
		lcores[st->nb_workers++] = lcore;

	if (rte_eth_dev_count_avail() == 0) {
		STACK_LOG(ERR, "no ports: give the EAL a --vdev (e.g. "
			  "net_tap0,iface=shoal0) or a PCI device with -a\n");
		rte_errno = ENODEV;
		goto fail;
	}
	if (rte_eth_dev_count_avail() > SHOAL_MAX_PORTS) {
		STACK_LOG(ERR, "%u ports, at most %u supported\n",
			  rte_eth_dev_count_avail(), SHOAL_MAX_PORTS);
		rte_errno = E2BIG;
		goto fail;
	}
	RTE_ETH_FOREACH_DEV(port) {
		st->ifaces[st->nb_ifaces].port_id = port;
		st->nb_ifaces++;
	}
	if (stack_create_workers(st, lcores) != 0) {
		rte_errno = ENOMEM;
		goto fail;
	}
	for (unsigned int i = 0; i < st->nb_workers; i++)
		pools[i] = st->workers[i]->pool;
	for (unsigned int i = 0; i < st->nb_ifaces; i++) {
		/* RX queue q fills from worker q's pool: received mbufs
		 * stay with the worker that polls them. */
		struct port_conf pc = {
			.nb_queues = st->nb_workers,
			.nb_rxd = conf->nb_rxd,
			.nb_txd = conf->nb_txd,
			.mtu = conf->mtu,
			.no_offload = conf->no_offload,
			.tso = conf->tso,
			.rx_pools = pools,
		};
		int ret = port_setup(st->ifaces[i].port_id, &pc, &st->ifaces[i]);

		if (ret != 0) {
			rte_errno = -ret;
			goto fail;
		}
		iface_set_addresses(&st->ifaces[i], conf, i);
	}
	if (stack_setup_sharding(st) != 0)
		goto fail;
	if (stack_setup_impair(st) != 0) {
		rte_errno = EINVAL;
		goto fail;
	}
	if (stack_create_tcp(st) != 0)
		goto fail;
	if (stack_open_captures(st) != 0) {
		rte_errno = EIO;
		goto fail;
	}
	stack_register(st);
	return st;
fail:
	shoal_free(st);
	return NULL;
}

struct shoal_stack *
shoal_init_embedded(const struct shoal_conf *conf, unsigned int nb_workers,
		    shoal_tx_fn tx, void *tx_ctx)
{
	unsigned int lcores[RTE_MAX_LCORE];
	struct shoal_stack *st;

	if (nb_workers == 0 || nb_workers > RTE_MAX_LCORE || tx == NULL) {
		rte_errno = EINVAL;
		return NULL;
	}
	st = stack_alloc(conf);
	if (st == NULL)
		return NULL;
	st->embedded = true;
	st->nb_workers = nb_workers;
	/* One interface stands for the caller's port. */
	st->nb_ifaces = 1;
	st->ifaces[0].mtu = conf->mtu ? conf->mtu : RTE_ETHER_MTU;
	memcpy(st->ifaces[0].mac.addr_bytes, conf->embedded_mac,
	       RTE_ETHER_ADDR_LEN);
	if (rte_is_zero_ether_addr(&st->ifaces[0].mac))
		rte_eth_random_addr(st->ifaces[0].mac.addr_bytes);
	st->ifaces[0].l3 = conf->embedded_l3;
	iface_set_addresses(&st->ifaces[0], conf, 0);
	for (unsigned int i = 0; i < nb_workers; i++)
		lcores[i] = rte_get_main_lcore();
	if (stack_create_workers(st, lcores) != 0) {
		shoal_free(st);
		rte_errno = ENOMEM;
		return NULL;
	}
	if (stack_create_tcp(st) != 0) {
		int err = rte_errno;

		shoal_free(st);
		rte_errno = err;
		return NULL;
	}
	if (stack_open_captures(st) != 0) {
		shoal_free(st);
		rte_errno = EIO;
		return NULL;
	}
	for (unsigned int i = 0; i < nb_workers; i++) {
		st->workers[i]->tx_hook = tx;
		st->workers[i]->tx_ctx = tx_ctx;
	}
	stack_register(st);
	return st;
}

/* --- the poll loop -------------------------------------------------- */

static void
worker_publish(struct shoal_worker *w)
{
	struct worker_pub *p = &w->stack->pub[w->id];

	rte_seqcount_write_begin(&p->sc);
	p->stats = w->stats;
	if (w->tcp != NULL)
		shoal_tcp_stats(w->tcp, &p->tcp);
	rte_seqcount_write_end(&p->sc);
}

uint16_t
shoal_input(struct shoal_worker *w, struct rte_mbuf **pkts, uint16_t n,
	    uint64_t now_ns)
{
	w->now_ns = now_ns;
	for (uint16_t i = 0; i < n; i++) {
		/* Embedded: whatever port the caller read it from, it is the
		 * one interface that stands for that port. */
		if (unlikely(w->stack->embedded))
			pkts[i]->port = w->ifaces[0].port_id;
		w->stats.rx_bytes += rte_pktmbuf_pkt_len(pkts[i]);
		if (unlikely(w->cap != NULL))
			shoal_capture_packet(w->cap, pkts[i]);
	}
	w->stats.rx_packets += n;
	for (uint16_t i = 0; i < n; i++) {
		if (i + 1 < n) {
			const struct rte_mbuf *nx = pkts[i + 1];
			const uint8_t *d = rte_pktmbuf_mtod(nx, const uint8_t *);
			uint32_t len = RTE_MIN(nx->data_len, 320u);

			for (uint32_t o = 0; o < len; o += RTE_CACHE_LINE_SIZE)
				rte_prefetch0(d + o);
		}
		net_input(w, pkts[i]);
	}
	worker_tcp_flush_rx(w);
	return n;
}

/* With shoal_conf.cycles, a phase of the loop starts at cyc_start() and
 * ends at cyc_mark(), which adds its cycles to the turn's phase @p k and
 * starts the next phase; without, both cost a predicted branch. */
static inline uint64_t
cyc_start(const struct shoal_worker *w)
{
	return unlikely(w->cycles) ? rte_rdtsc() : 0;
}

static inline void
cyc_mark(struct shoal_worker *w, enum worker_cyc k, uint64_t *t0)
{
	if (unlikely(w->cycles)) {
		uint64_t t = rte_rdtsc();

		w->cyc_turn[k] += t - *t0;
		*t0 = t;
	}
}

/* The end of a turn of the loop (its sleep included), which began at
 * *@p lt: a turn that found work adds its phases to the counters, one
 * that did not counts whole as idle. */
static inline void
cyc_turn_end(struct shoal_worker *w, bool busy, uint64_t *lt)
{
	struct shoal_stats *s = &w->stats;
	uint64_t t, *c = w->cyc_turn;

	if (likely(!w->cycles))
		return;
	t = rte_rdtsc();
	s->cycles_loop += t - *lt;
	if (busy) {
		s->cycles_rx += c[CYC_RX];
		s->cycles_input += c[CYC_INPUT];
		s->cycles_timers += c[CYC_TIMERS];
		s->cycles_app += c[CYC_APP];
		s->cycles_flush += c[CYC_FLUSH];
		s->cycles_tx += c[CYC_TX];
	} else {
		s->cycles_idle += t - *lt;
	}
	memset(c, 0, sizeof(w->cyc_turn));
	*lt = t;
}

/* Timers, the application, then everything they queued goes out. Returns
 * the work the application reported. */
static int
worker_poll(struct shoal_worker *w, uint64_t now_ns)
{
	const struct shoal_app *app = &w->stack->app;
	uint64_t t0 = cyc_start(w);
	int work = 0;

	w->now_ns = now_ns;
	if (w->tcp != NULL)
		shoal_tcp_advance(w->tcp, now_ns);
	cyc_mark(w, CYC_TIMERS, &t0);
	if (app->poll != NULL)
		work = app->poll(w, app->ctx, now_ns);
	cyc_mark(w, CYC_APP, &t0);
	if (w->tcp != NULL)
		shoal_tcp_flush(w->tcp);
	net_tick(w);
	cyc_mark(w, CYC_FLUSH, &t0);
	worker_tx_flush(w);
	cyc_mark(w, CYC_TX, &t0);
	if (now_ns >= w->next_publish) {
		worker_publish(w);
		worker_tso_refresh(w);
		w->next_publish = now_ns + PUBLISH_INTERVAL_NS;
	}
	return work;
}

void
shoal_poll(struct shoal_worker *w, uint64_t now_ns)
{
	worker_poll(w, now_ns);
}

/* ARP teaches every worker: the owner (worker 0) answers, and hands a
 * copy of each ARP frame to the others so their neighbour tables learn
 * the same MACs without sharing a table. */
static void
worker_fan_out_arp(struct shoal_worker *w, struct rte_mbuf **pkts, uint16_t n)
{
	struct shoal_stack *st = w->stack;

	for (uint16_t i = 0; i < n; i++) {
		const struct rte_ether_hdr *eth;

		if (w->ifaces[0].l3 || rte_pktmbuf_data_len(pkts[i]) < sizeof(*eth))
			continue;
		eth = rte_pktmbuf_mtod(pkts[i], const struct rte_ether_hdr *);
		if (eth->ether_type != rte_cpu_to_be_16(RTE_ETHER_TYPE_ARP))
			continue;
		for (unsigned int j = 0; j < st->nb_workers; j++) {
			struct rte_mbuf *c;

			if (j == w->id)
				continue;
			c = rte_pktmbuf_copy(pkts[i], w->pool, 0, UINT32_MAX);
			if (c == NULL) {
				w->stats.drops[SHOAL_DROP_NO_MBUF]++;
				continue;
			}
			steer_send_batch(st->steer, w->id, j, &c, 1);
		}
	}
}

/* One RX burst from @p ifc. When the port cannot steer flows to their
 * owners (no RSS, or the peer chose the queue), the burst is split by
 * owner and the others' packets go through the rings. */
static uint16_t
worker_rx(struct shoal_worker *w, struct shoal_iface *ifc,
	  struct rte_mbuf **pkts)
{
	struct shoal_stack *st = w->stack;
	struct rte_mbuf *kept[SHOAL_RX_BURST];
	uint64_t t0;
	uint16_t n;
	int k;

	/* Fewer queues than workers: this worker is fed through rings. */
	if (unlikely(w->queue >= ifc->nb_queues))
		return 0;
	t0 = cyc_start(w);
	n = rte_eth_rx_burst(ifc->port_id, w->queue, pkts, SHOAL_RX_BURST);
	cyc_mark(w, CYC_RX, &t0);

	if (unlikely(w->imp_rx[ifc - w->ifaces] != NULL))
		n = impair_burst(w->imp_rx[ifc - w->ifaces], pkts, n,
				 SHOAL_RX_BURST, w->now_ns);
	if (n == 0)
		return 0;
	if (st->steer == NULL) {
		shoal_input(w, pkts, n, w->now_ns);
		cyc_mark(w, CYC_INPUT, &t0);
		return n;
	}
	if (ifc->rss) {
		k = n;
		memcpy(kept, pkts, n * sizeof(*pkts));
	} else {
		k = rss_classify_burst(&st->rss, w->id, pkts, n, ifc->l3,
				       kept, w->steer_to);
		for (unsigned int j = 0; j < st->nb_workers; j++)
			if (w->steer_to[j].n != 0)
				steer_send_batch(st->steer, w->id, j,
						 w->steer_to[j].pkts,
						 w->steer_to[j].n);
	}
	if (k > 0) {
		if (!w->arp_learn_only)
			worker_fan_out_arp(w, kept, k);
		shoal_input(w, kept, k, w->now_ns);
	}
	cyc_mark(w, CYC_INPUT, &t0);
	return n;
}

/* Packets other workers handed to this one. */
static uint16_t
worker_rx_steered(struct shoal_worker *w, struct rte_mbuf **pkts)
{
	uint64_t t0 = cyc_start(w);
	uint16_t n = steer_recv(w->stack->steer, w->id, pkts, SHOAL_RX_BURST);

	cyc_mark(w, CYC_RX, &t0);
	if (n == 0)
		return 0;
	if (!w->arp_learn_only)
		worker_fan_out_arp(w, pkts, n);
	shoal_input(w, pkts, n, w->now_ns);
	cyc_mark(w, CYC_INPUT, &t0);
	return n;
}

static int
worker_main(void *arg)
{
	struct shoal_worker *w = arg;
	struct shoal_stack *st = w->stack;
	struct rte_mbuf *pkts[SHOAL_RX_BURST];
	uint32_t empty = 0, sleep_us = 1;
	bool busy = false;
	uint64_t lt;

	w->now_ns = shoal_now_ns();
	for (unsigned int i = 0; i < w->nb_ifaces; i++)
		if (!w->ifaces[i].l3 && w->id == 0)
			arp_announce(w, &w->ifaces[i]);
	if (st->app.init != NULL && st->app.init(w, st->app.ctx) != 0) {
		STACK_LOG(ERR, "worker %u: application init failed\n", w->id);
		shoal_stop(st);
	}

	lt = cyc_start(w);
	while (!__atomic_load_n(&st->quit, __ATOMIC_RELAXED)) {
		uint16_t total = 0;

		cyc_turn_end(w, busy, &lt);
		w->now_ns = shoal_now_ns();
		for (unsigned int i = 0; i < w->nb_ifaces; i++)
			total += worker_rx(w, &w->ifaces[i], pkts);
		if (st->steer != NULL)
			total += worker_rx_steered(w, pkts);
		if (st->steer_tx != NULL)
			total += worker_tx_steered(w);
		total += worker_poll(w, w->now_ns);

		busy = total != 0;
		if (busy) {
			w->stats.polls_busy++;
			empty = 0;
			sleep_us = 1;
			continue;
		}
		w->stats.polls_idle++;
		/* Idle mode: after a run of empty polls, sleep with an
		 * exponential back-off so a peer on the same core runs. */
		if (st->conf.poll == SHOAL_POLL_IDLE &&
		    ++empty > IDLE_SPIN_POLLS) {
			struct timespec ts = { 0, sleep_us * 1000L };

			nanosleep(&ts, NULL);
			if (sleep_us < st->conf.idle_max_us)
				sleep_us = RTE_MIN(sleep_us * 2,
						   st->conf.idle_max_us);
		}
	}
	if (st->app.fini != NULL)
		st->app.fini(w, st->app.ctx);
	worker_poll(w, shoal_now_ns());
	worker_publish(w);
	return 0;
}

int
shoal_launch(struct shoal_stack *st)
{
	if (st->embedded || st->launched)
		return -EINVAL;
	st->launched = true;
	for (unsigned int i = 0; i < st->nb_workers; i++) {
		struct shoal_worker *w = st->workers[i];

		if (w->lcore == rte_get_main_lcore())
			continue;
		if (rte_eal_remote_launch(worker_main, w, w->lcore) != 0)
			return -EBUSY;
	}
	return 0;
}

void
shoal_stop(struct shoal_stack *st)
{
	__atomic_store_n(&st->quit, true, __ATOMIC_RELAXED);
}

bool
shoal_stopping(const struct shoal_stack *st)
{
	return __atomic_load_n(&st->quit, __ATOMIC_RELAXED);
}

void
shoal_wait(struct shoal_stack *st)
{
	if (!st->launched)
		return;
	/* A main-lcore worker runs here, in the caller's thread. */
	for (unsigned int i = 0; i < st->nb_workers; i++)
		if (st->workers[i]->lcore == rte_get_main_lcore())
			worker_main(st->workers[i]);
	for (unsigned int i = 0; i < st->nb_workers; i++)
		if (st->workers[i]->lcore != rte_get_main_lcore())
			rte_eal_wait_lcore(st->workers[i]->lcore);
	st->launched = false;
}

void
shoal_free(struct shoal_stack *st)
{
	if (st == NULL)
		return;
	stack_unregister(st);
	for (unsigned int i = 0; i < st->nb_workers; i++)
		worker_free(st->workers[i]);
	if (!st->embedded)
		for (unsigned int i = 0; i < st->nb_ifaces; i++)
			port_close(st->ifaces[i].port_id);
	steer_free(st->steer);
	steer_free(st->steer_tx);
	rte_free(st->pub);
	rte_free(st);
}

unsigned int
shoal_nb_workers(const struct shoal_stack *st)
{
	return st->nb_workers;
}

struct shoal_worker *
shoal_worker(struct shoal_stack *st, unsigned int i)
{
	return i < st->nb_workers ? st->workers[i] : NULL;
}

void
shoal_set_app(struct shoal_stack *st, const struct shoal_app *app)
{
	st->app = *app;
}

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

struct shoal_stack *
shoal_worker_stack(struct shoal_worker *w)
{
	return w->stack;
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
	*first = st->ifaces[0].ip;
	*count = st->ifaces[0].ip_count;
}

int
shoal_listen(struct shoal_stack *st, uint16_t port,
	     const struct shoal_tcp_ops *ops, void *ctx)
{
	for (unsigned int i = 0; i < st->nb_workers; i++) {
		int ret;

		if (st->workers[i]->tcp == NULL)
			return -ENOTSUP;
		ret = shoal_tcp_listen(st->workers[i]->tcp, NULL, port, ops, ctx);
		if (ret != 0)
			return ret;
	}
	return 0;
}

void
shoal_tcp_stats_read(const struct shoal_stack *st, struct shoal_tcp_stats *sum)
{
	memset(sum, 0, sizeof(*sum));
	for (unsigned int i = 0; i < st->nb_workers; i++) {
		const struct worker_pub *p = &st->pub[i];
		struct shoal_tcp_stats s;
		uint32_t sn;

		do {
			sn = rte_seqcount_read_begin(&p->sc);
			s = p->tcp;
		} while (rte_seqcount_read_retry(&p->sc, sn));
		shoal_tcp_stats_add(sum, &s);
	}
}

static void
pub_read(const struct worker_pub *p, struct shoal_stats *stats,
	 struct shoal_tcp_stats *tcp)
{
	uint32_t sn;

	do {
		sn = rte_seqcount_read_begin(&p->sc);
		if (stats != NULL)
			*stats = p->stats;
		if (tcp != NULL)
			*tcp = p->tcp;
	} while (rte_seqcount_read_retry(&p->sc, sn));
}

int
shoal_worker_stats_read(const struct shoal_stack *st, unsigned int i,
			struct shoal_stats *stats, struct shoal_tcp_stats *tcp)
{
	if (i >= st->nb_workers)
		return -EINVAL;
	pub_read(&st->pub[i], stats, tcp);
	return 0;
}

void
shoal_stats_read(const struct shoal_stack *st, struct shoal_stats *sum)
{
	memset(sum, 0, sizeof(*sum));
	for (unsigned int i = 0; i < st->nb_workers; i++) {
		const struct worker_pub *p = &st->pub[i];
		struct shoal_stats s;
		uint32_t sn;

		do {
			sn = rte_seqcount_read_begin(&p->sc);
			s = p->stats;
		} while (rte_seqcount_read_retry(&p->sc, sn));
		shoal_stats_add(sum, &s);
	}
	/* RX refill failures are counted by the ports, not the workers. */
	for (unsigned int i = 0; i < st->nb_ifaces && !st->embedded; i++) {
		struct rte_eth_stats es;

		if (rte_eth_stats_get(st->ifaces[i].port_id, &es) == 0)
			sum->rx_nombuf += es.rx_nombuf;
	}
}

void
shoal_dump(FILE *f, const struct shoal_stack *st)
{
	struct shoal_stats sum;

	for (unsigned int i = 0; i < st->nb_ifaces; i++)
		if (!st->embedded)
			port_dump(f, &st->ifaces[i]);
	shoal_stats_read(st, &sum);
	fprintf(f, "counters (%u worker%s):\n", st->nb_workers,
		st->nb_workers > 1 ? "s" : "");
	shoal_stats_dump(f, &sum, "  ");
	if (!st->conf.no_tcp) {
		struct shoal_tcp_stats ts;

		shoal_tcp_stats_read(st, &ts);
		fprintf(f, "tcp:\n");
		shoal_tcp_stats_dump(f, &ts, "  ");
	}
	for (unsigned int i = 0; i < st->nb_workers; i++)
		for (unsigned int p = 0; p < st->nb_ifaces; p++) {
			if (st->workers[i]->imp_rx[p] != NULL)
				impair_dump(f, st->workers[i]->imp_rx[p]);
			if (st->workers[i]->imp_tx[p] != NULL)
				impair_dump(f, st->workers[i]->imp_tx[p]);
		}
	if (st->nb_workers < 2)
		return;
	/* Per worker: who owned what, and what crossed between workers. */
	fprintf(f, "workers:\n");
	for (unsigned int i = 0; i < st->nb_workers; i++) {
		struct shoal_stats ws;
		struct shoal_tcp_stats wt = { 0 };
		struct steer_counters sc;

		pub_read(&st->pub[i], &ws, &wt);
		steer_counters(st->steer, i, &sc);
		fprintf(f, "  worker %u lcore %u: rx %" PRIu64 " tx %" PRIu64
			" tcp_segs_rx %" PRIu64 " passive_opens %" PRIu64
			" active_opens %" PRIu64 " redirected %" PRIu64
			" redirect_drops %" PRIu64 " steered_in %" PRIu64 "\n",
			i, st->workers[i]->lcore, ws.rx_packets, ws.tx_packets,
			wt.segs_rx, wt.passive_opens, wt.active_opens,
			sc.redirected, sc.redirect_drops, sc.received);
	}
}
