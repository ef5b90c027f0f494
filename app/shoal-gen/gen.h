/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef SHOAL_GEN_H
#define SHOAL_GEN_H

/*
 * shoal-gen's shape: one configuration (conf.c), one state per worker
 * (gen.c: connection contexts, pacing, counters, histograms), the client
 * and server sides of each profile (client.c, server.c), and what the
 * control plane reads (report.c).
 *
 * A worker's state is created in its shoal_app init, on its own lcore, and
 * only that lcore touches it. Every PUBLISH_NS the worker copies its
 * counters, gauges and histograms under a seqcount into its gen_pub; the
 * main lcore reads only those copies.
 */

#include <stdbool.h>
#include <stdint.h>

#include <rte_common.h>
#include <rte_mbuf.h>
#include <rte_seqcount.h>

#include <shoal/shoal.h>
#include "config/config.h"
#include "hist.h"
#include "http.h"
#include "leaks.h"
#include "pace.h"

/* --- configuration ---------------------------------------------------- */

enum gen_role { GEN_ROLE_CLIENT, GEN_ROLE_SERVER, GEN_ROLE_BOTH };
enum gen_profile { GEN_PROFILE_HTTP, GEN_PROFILE_RR, GEN_PROFILE_BULK,
		   GEN_PROFILE_ECHO, GEN_PROFILE_SYNFLOOD };
enum gen_bulk_dir { GEN_BULK_UPLOAD, GEN_BULK_DOWNLOAD, GEN_BULK_BOTH };
enum gen_poll { GEN_POLL_IDLE, GEN_POLL_BUSY };
enum gen_cc { GEN_CC_CUBIC, GEN_CC_NEWRENO };

#define GEN_STR 256

/* Everything shoal-gen can be told, filled from gen_schema. */
struct gen_conf {
	/* [stack] */
	struct shoal_cfg_prefix ip;
	uint32_t ip_count;
	struct shoal_cfg_prefixes port_ips;
	uint32_t neigh_entries;
	struct shoal_addr gw;
	uint16_t mtu;
	char capture[GEN_STR];
	char impair[GEN_STR];
	int poll;
	bool no_offload;
	bool cycles;
	bool tso;
	bool main_is_worker;
	uint32_t mbufs;
	uint16_t rxd, txd;
	int64_t mbuf_reserve;	/* -1: the stack's default */
	/* [tcp] */
	uint32_t tcp_max_conns;
	int64_t tcp_tw_free;
	uint64_t tcp_sndbuf, tcp_rcvbuf;
	uint16_t tcp_mss;
	int tcp_cc;
	bool tcp_nodelay;
	bool tcp_loss_probes;
	bool tcp_sack, tcp_timestamps, tcp_wscale;
	uint64_t tcp_msl;
	/* [run] */
	int role;
	int profile;
	uint64_t duration;	/* ns, 0: until done or signalled */
	uint64_t drain;		/* ns given to closing gracefully */
	uint64_t linger;	/* ns the stack keeps running after the drain */
	/* [client] */
	struct shoal_cfg_range server_ip;
	struct shoal_cfg_ports server_port;
	double cps;
	uint64_t ramp;
	uint32_t burst;
	uint32_t concurrency;
	uint64_t connections;
	uint32_t requests;
	uint64_t think;
	/* [server] */
	struct shoal_cfg_ports listen_port;
	uint32_t server_max_conns;
	/* [http] */
	char method[32];
	char path[GEN_STR];
	char host[GEN_STR];
	char headers[GEN_STR];
	uint64_t body;
	/* [rr] */
	uint64_t rr_request, rr_response;
	/* [bulk] */
	int bulk_dir;
	uint64_t bulk_bytes;
	bool bulk_verify;
	bool bulk_zerocopy;
	/* [echo] */
	uint64_t echo_size;
	/* [synflood] */
	uint32_t flood_workers;
	double flood_rate;		/* SYN/s over the flooding workers, 0: max */
	struct shoal_cfg_range flood_src;
	/* [report] */
	char json[GEN_STR];
	bool quiet;
	uint64_t interval;
	/* [pass] */
	double pass_min_cps;
	int64_t pass_max_failures;	/* -1: no limit */
	uint64_t pass_max_p99;		/* ns, 0: no limit */
};

extern const struct shoal_cfg_key gen_schema[];
extern const char *const gen_role_names[];	/* indexed by enum gen_role */
extern const char *const gen_profile_names[];	/* by enum gen_profile */

/* Cross-key checks after parsing; 0 or -EINVAL with a message in err. */
int gen_conf_check(const struct gen_conf *c, char *err, size_t errlen);

static inline bool
gen_is_client(const struct gen_conf *c)
{
	return c->role != GEN_ROLE_SERVER;
}

static inline bool
gen_is_server(const struct gen_conf *c)
{
	return c->role != GEN_ROLE_CLIENT;
}

/* --- counters --------------------------------------------------------- */

/* What a worker counts; one list for the struct, the dumps and JSON. */
#define GEN_COUNTERS(X) \
	X(conn_attempts)	/* client: connect() calls that got a conn */ \
	X(conn_established)	/* client: handshakes completed */ \
	X(conn_accepted)	/* server: handshakes completed */ \
	X(conn_closed)		/* either side: closed() after success */ \
	X(fail_reset)		/* reset by the peer before the work was done */ \
	X(fail_refused)		/* client: RST to our SYN */ \
	X(fail_timeout)		/* retransmissions gave up */ \
	X(fail_local)		/* client: no port / control block for connect */ \
	X(fail_protocol)	/* unparsable or unexpected data from the peer */ \
	X(fail_verify)		/* payload pattern mismatch */ \
	X(server_no_ctx)	/* server: no context left, connection aborted */ \
	X(drain_aborted)	/* still open when the drain time ran out */ \
	X(drain_resets)		/* resets while draining (expected) */ \
	X(requests_tx)		/* client: requests / messages sent */ \
	X(responses_rx)		/* client: complete responses */ \
	X(resp_1xx) X(resp_2xx) X(resp_3xx) X(resp_4xx) X(resp_5xx) \
	X(resp_other) \
	X(requests_rx)		/* server: complete requests */ \
	X(responses_tx)		/* server: responses queued */ \
	X(app_bytes_tx)		/* payload handed to the engine */ \
	X(app_bytes_rx)		/* payload received from the engine */ \
	X(pace_skipped)		/* connection slots lost to the burst cap */ \
	X(send_stalls)		/* send buffer full: wait for sent() */ \
	X(send_nomem)		/* stack under memory pressure: send retried */ \
	X(open_nomem)		/* client: connect deferred, memory pressure */ \
	X(flood_syns)		/* synflood: raw SYNs sent */

struct gen_counters {
#define GEN_COUNTER_FIELD(n) uint64_t n;
	GEN_COUNTERS(GEN_COUNTER_FIELD)
#undef GEN_COUNTER_FIELD
};

/* Sum of the failure counters (the "failures" of the pass criteria). */
uint64_t gen_counters_failures(const struct gen_counters *c);

void gen_counters_add(struct gen_counters *dst, const struct gen_counters *src);

enum gen_hist_id { GEN_H_CONNECT, GEN_H_TTFB, GEN_H_RR, GEN_H_MAX };
extern const char *const gen_hist_names[GEN_H_MAX];

/* What a worker publishes for the control plane. */
struct gen_pub {
	rte_seqcount_t sc;
	struct gen_counters cnt;
	uint64_t active;	/* connection contexts in use */
	uint64_t established;	/* of which established */
	uint64_t mbufs_in_use;
	uint64_t mbufs_total;
	bool client_done;	/* every connection it was to open is over */
	bool draining;		/* published after the worker saw GEN_DRAIN */
	struct hist h[GEN_H_MAX];
} __rte_cache_aligned;

/* --- per-worker state -------------------------------------------------- */

/* Phases the control plane moves the workers through. */
enum gen_phase { GEN_RUN = 0, GEN_DRAIN = 1 };

struct gen_conn;
struct gen_worker;

/* State shared read-only by every worker, and the phase they obey. */
struct gen {
	const struct gen_conf *conf;
	struct shoal_stack *stack;
	unsigned int nb_workers;
	int phase;			/* enum gen_phase, atomic */
	uint64_t start_ns;		/* run start, for pacing */
	struct gen_pub *pub;		/* [nb_workers] */
	struct gen_worker **workers;	/* [nb_workers], set by each init */
	/* bulk.zerocopy: the pattern table in DPDK memory (a port can reach
	 * it: IOVA, vhost-user's shared regions), sent from in place; one
	 * shared-info block per worker, so its reference count is never
	 * touched by two cores. Kept until the process ends: mbufs in a TX
	 * ring may still point into it after the workers stopped. */
	const uint8_t *zc_tab;
	rte_iova_t zc_iova;
	struct rte_mbuf_ext_shared_info *zc_shinfo;	/* [nb_workers] */
};

/* Set up bulk.zerocopy before the workers start (main lcore): 0, or
 * -ENOMEM (the copying path is used then). */
int gen_zerocopy_init(struct gen *g);

/* Does worker @p id flood SYNs (profile synflood, or one of the last
 * [synflood] workers) instead of running the profile? */
bool gen_is_flood_worker(const struct gen *g, unsigned int id);

/* Workers that run the profile (the others flood). */
unsigned int gen_nb_profile_workers(const struct gen *g);

/* shoal_app hooks; ctx is the struct gen. */
int gen_worker_init(struct shoal_worker *w, void *ctx);
int gen_worker_poll(struct shoal_worker *w, void *ctx, uint64_t now_ns);
void gen_worker_fini(struct shoal_worker *w, void *ctx);

/* Control plane: copy worker @p i's published state. */
void gen_pub_read(const struct gen *g, unsigned int i, struct gen_pub *out);

/* Control plane: sum of every worker's published state. */
void gen_pub_sum(const struct gen *g, struct gen_pub *sum);

/* Control plane, in the drain: every worker has published since it saw
 * GEN_DRAIN, with no connection left. */
bool gen_drained(const struct gen *g);

/*
 * Control plane, once every worker's loop returned (shoal_wait): what
 * each worker still holds, into @p per[nb_workers] (may be NULL) and
 * summed into @p sum. See leaks.h for what counts.
 */
void gen_leaks_collect(const struct gen *g, struct gen_leaks *per,
		       struct gen_leaks *sum);

#endif /* SHOAL_GEN_H */
