/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef SHOAL_STACK_INTERNAL_H
#define SHOAL_STACK_INTERNAL_H

#include <rte_common.h>
#include <rte_lcore.h>
#include <rte_seqcount.h>

#include <shoal/shoal.h>
#include "rss/rss.h"
#include "rss/steer.h"
#include "stack/worker.h"

/* What a worker publishes for the control plane every few milliseconds:
 * readers copy it under the seqcount, so the main lcore never reads a
 * worker's live state. */
struct worker_pub {
	rte_seqcount_t sc;
	struct shoal_stats stats;
	struct shoal_tcp_stats tcp;
} __rte_cache_aligned;

struct shoal_stack {
	struct shoal_conf conf;
	char capture_path[4096];
	char impair_spec[256];
	struct shoal_iface ifaces[SHOAL_MAX_PORTS];
	unsigned int nb_ifaces;
	unsigned int nb_workers;
	struct shoal_worker *workers[RTE_MAX_LCORE];
	struct worker_pub *pub;		/* [nb_workers] */
	struct shoal_app app;
	/* Sharding: who owns a flow (the ports' RSS, or the same hash in
	 * software) and the rings that carry a packet to its owner when the
	 * port delivered it elsewhere. steer is NULL with one worker. */
	struct rss_map rss;
	struct steer *steer;
	struct steer *steer_tx;		/* to queue owners, when queues < workers */
	bool quit;			/* atomic: set by shoal_stop */
	bool launched;
	bool embedded;
};

#endif /* SHOAL_STACK_INTERNAL_H */
