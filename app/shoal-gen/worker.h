/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef SHOAL_GEN_WORKER_H
#define SHOAL_GEN_WORKER_H

/*
 * One worker's load-generator state, private to its lcore (and found
 * through it, gen_self(): the engine's callbacks get only a context):
 * connection
 * contexts from a fixed array (no allocation while running, and only
 * the contexts ever used are touched),
 * pacing, counters, histograms, and the buffers every connection sends
 * from. client.c and server.c drive the profiles on top of it.
 */

#include <rte_per_lcore.h>

#include "gen.h"

/* Biggest piece handed to shoal_send at once. */
#define GEN_CHUNK 16384
/* Most connections a worker opens in one poll. */
#define GEN_OPEN_BATCH 64
/* Sends refused under memory pressure are retried this often. */
#define GEN_RETRY_NS (200ULL * 1000)
/* Counters and histograms are published this often. */
#define GEN_PUBLISH_NS (100ULL * 1000 * 1000)

enum gen_obj { GEN_OBJ_WORKER = 0x57, GEN_OBJ_CONN = 0x43 };

/* Where a connection is in its life, as the application sees it. */
enum gen_state {
	CS_FREE = 0,
	CS_CONNECTING,		/* client: SYN sent */
	CS_ACTIVE,		/* exchanging data */
	CS_THINK,		/* client: waiting to send the next request */
	CS_LINGER,		/* client: the server said it closes; await its FIN */
	CS_CLOSING,		/* we closed; waiting for closed() */
};

/* What a connection's outgoing bytes are made of. */
enum gen_src {
	SRC_NONE,
	SRC_HTTP_REQ,		/* the prebuilt request (keep-alive or close) */
	SRC_HTTP_RESP,		/* the prebuilt response head + body */
	SRC_FILL,		/* a constant fill buffer (rr) */
	SRC_PATTERN,		/* the connection's stream pattern (bulk, echo) */
};

struct flood;

/*
 * One connection's context. Every held connection pays for one (issue 7:
 * an idle connection's memory per side, engine and application together),
 * so it keeps only what lasts from one transaction to the next: flags are
 * bits, the worker (gen_self), the index in gw->conns and the payload
 * pattern's stream id (gen_conn_id) are computed, the request being sent
 * is named by a bit, and what only a transaction in progress needs is in
 * a struct gen_txn it holds meanwhile.
 */
struct gen_conn {
	uint8_t kind;		/* GEN_OBJ_CONN: tells a conn ctx from a listener's */
	uint8_t state;		/* enum gen_state */
	uint8_t src : 7;	/* enum gen_src */
	bool nomem : 1;		/* queued on gw->retry: send again from the poll */
	bool client : 1;
	bool established : 1;
	bool want_close : 1;	/* close once everything queued was sent */
	bool peer_done : 1;	/* peer sent FIN */
	bool got_first : 1;	/* first byte of the current response came */
	bool fin_when_done : 1;	/* half-close once tx_goal is reached */
	bool fin_sent : 1;
	bool req_close : 1;	/* SRC_HTTP_REQ: sending gw->req_close */
	uint32_t gen;		/* bumped on every reuse (think queue entries) */
	struct shoal_conn *c;
	union {
		uint32_t next_free;	/* while free */
		uint32_t done;		/* client: transactions completed */
	};
	uint32_t txn;		/* its record in gw->txns; GEN_TXN_NONE: none */
	/* When the current connect or request was due; while thinking,
	 * when the next request is. */
	uint64_t t_sched;
	/* Stream offsets: the payload pattern is a function of them, so
	 * they run on across transactions (and past 4 GiB in bulk). */
	uint64_t tx_off;	/* stream bytes queued */
	uint64_t rx_off;	/* stream bytes received */
};

/* A bound on sizeof(struct gen_conn) that tests/gen checks, a ratchet
 * (lower it as the context shrinks): issue 7 allows 320 B per idle
 * connection per side, engine and application together, and the engine
 * takes ~236 of them today (tests/tcp/test_memory.c). */
#define GEN_CONN_BYTES_MAX 48

#define GEN_TXN_NONE UINT32_MAX

/*
 * What only a transaction in progress needs: on the client from a
 * request's start to its response's end, on the server from a request's
 * first byte until its response is queued; a bulk stream holds one from
 * its start to its close. A connection between transactions (a client
 * thinking, a server awaiting the next request) holds none: it behaves
 * as if it held one in the state gen_txn_start() gives a new one, which
 * is why a record goes back to the pool only in that state.
 *
 * Records come from a per-worker array sized like gw->conns (a context
 * holds at most one, so it never runs dry), never-used ones in order and
 * freed ones last freed first: only the peak of concurrent transactions
 * is ever touched, and a worker reuses the few that are warm in cache.
 */
struct gen_txn {
	union {
		uint64_t tx_goal;	/* stream offset to queue up to */
		uint32_t next_free;	/* while free */
	};
	uint64_t rx_goal;	/* end of the current response / request */
	union {
		uint64_t msg_start;	/* client http: the request's offset */
		uint64_t close_at;	/* server http: responses from here close */
	};
	struct rte_mbuf *pending;	/* server echo: not yet taken */
	struct http_parser hp;
};

/* A bound on sizeof(struct gen_txn) that tests/gen checks: one cache
 * line (the array is aligned to them). */
#define GEN_TXN_BYTES_MAX 64

/* A think-queue entry: constant think time keeps the FIFO in due order. */
struct gen_think {
	uint32_t idx;
	uint32_t gen;
};

struct gen_worker {
	uint8_t kind;		/* GEN_OBJ_WORKER */
	struct gen *g;
	const struct gen_conf *conf;
	struct shoal_worker *w;
	struct shoal_tcp *tcp;
	unsigned int id;

	struct gen_counters cnt;
	struct hist h[GEN_H_MAX];
	uint64_t active;	/* contexts in use */
	uint64_t established;

	/* connection contexts: [0, conns_used) were handed out at least
	 * once, freed ones wait on free_head (last freed, first reused) */
	struct gen_conn *conns;
	uint32_t nb_conns;
	uint32_t conns_used;
	uint32_t free_head;	/* UINT32_MAX: none */
	/* transaction records, [nb_conns]: the same, through txn_free */
	struct gen_txn *txns;
	uint32_t txns_used;
	uint32_t txn_free;	/* GEN_TXN_NONE: none */
	uint64_t txns_active;	/* records held by a context */
	/* A new record's parser, for requests [0] and responses [1]:
	 * copied, not initialised, at every transaction's start. */
	struct http_parser hp_start[2];

	/* server */
	uint64_t server_active;	/* contexts of accepted connections */

	/* client */
	struct pace pace;
	uint32_t concurrency;	/* this worker's share */
	uint64_t to_open;	/* connections left to open; UINT64_MAX: no limit */
	uint64_t client_active;
	bool warm;		/* a first connection completed (ARP resolved) */
	uint32_t next_src;	/* round-robin over local addresses */
	uint32_t next_dst;	/* round-robin over server address x port */
	uint64_t nb_dst;
	rte_be32_t src_first;
	uint32_t src_count;
	struct gen_think *think;	/* ring of think_size entries */
	uint32_t think_size;
	uint32_t think_head, think_n;
	/* Connections whose shoal_send found the stack under memory
	 * pressure: no sent() follows, the poll retries them (FIFO, one
	 * entry per connection: nomem). */
	struct gen_think *retry;	/* ring of retry_size entries */
	uint32_t retry_size;		/* 2 per context, as think */
	uint32_t retry_head, retry_n;
	uint64_t next_retry;		/* not before: see GEN_RETRY_NS */
	bool draining;

	/* what connections send */
	char req_ka[1024], req_close[1024];
	uint32_t req_ka_len, req_close_len;
	bool req_head;			/* HEAD: responses carry no body */
	char resp_ka[256], resp_close[256];	/* same length, see server.c */
	uint32_t resp_head_len;
	uint64_t resp_len;
	/* Whole responses, head and body in one piece (keep-alive, then
	 * close), when one fits GEN_CHUNK: one shoal_send each. Else NULL. */
	uint8_t *resp_whole;
	uint8_t *fill;		/* GEN_CHUNK constant bytes */

	uint64_t next_publish;
	struct rte_mempool *pool;
	struct flood *flood;		/* a flooding worker's state */
};

/* The worker running on this lcore: set by gen_worker_init, on the
 * lcore that runs it (one worker per lcore), and the only one whose
 * contexts the engine's callbacks on this lcore ever get. */
RTE_DECLARE_PER_LCORE(struct gen_worker *, gen_worker);

static inline struct gen_worker *
gen_self(void)
{
	return RTE_PER_LCORE(gen_worker);
}

/* The context's index in gw->conns. */
static inline uint32_t
gen_conn_idx(const struct gen_worker *gw, const struct gen_conn *gc)
{
	return (uint32_t)(gc - gw->conns);
}

/* The worker's clock: the time its current poll-loop iteration began,
 * also inside callbacks run from the RX burst. */
static inline uint64_t
gen_now(const struct gen_worker *gw)
{
	return shoal_worker_now(gw->w);
}

/* Time since @p t by the worker's clock (0 if @p t is ahead of it). */
static inline uint64_t
gen_since(const struct gen_worker *gw, uint64_t t)
{
	uint64_t now = gen_now(gw);

	return now > t ? now - t : 0;
}

/* The payload pattern's stream id of a connected context: both sides
 * derive the same one from the 4-tuple (pattern_conn_id). */
uint64_t gen_conn_id(const struct gen_conn *gc);

/* Context allocation; NULL when none is left. */
struct gen_conn *gen_conn_alloc(struct gen_worker *gw, bool client);
void gen_conn_free(struct gen_worker *gw, struct gen_conn *gc);

/* A transaction starts: @p gc takes a record from the pool, in the state
 * its connection has between transactions (see struct gen_txn). */
struct gen_txn *gen_txn_start(struct gen_worker *gw, struct gen_conn *gc);

/* The transaction is over: the record goes back (a pending mbuf with it). */
static inline void
gen_txn_end(struct gen_worker *gw, struct gen_conn *gc)
{
	uint32_t i = gc->txn;
	struct rte_mbuf *m = gw->txns[i].pending;

	gw->txns[i].next_free = gw->txn_free;
	gw->txn_free = i;
	gc->txn = GEN_TXN_NONE;
	gw->txns_active--;
	/* rarely one: only an echo server's, when its connection ends */
	if (m != NULL)
		rte_pktmbuf_free(m);
}

/* The context's record; NULL between transactions. */
static inline struct gen_txn *
gen_txn_of(const struct gen_worker *gw, const struct gen_conn *gc)
{
	return gc->txn == GEN_TXN_NONE ? NULL : &gw->txns[gc->txn];
}

/* The record of the transaction in progress, started if there is none. */
static inline struct gen_txn *
gen_txn(struct gen_worker *gw, struct gen_conn *gc)
{
	if (gc->txn != GEN_TXN_NONE)
		return &gw->txns[gc->txn];
	return gen_txn_start(gw, gc);
}

/* Queue as much of [tx_off, tx_goal) as the engine takes now. */
void gen_pump(struct gen_worker *gw, struct gen_conn *gc);

/* Close gracefully (FIN after what is queued); ends the transaction. */
void gen_conn_close(struct gen_worker *gw, struct gen_conn *gc);

/* Count a reset/timeout from the engine. */
void gen_count_reset(struct gen_worker *gw, struct gen_conn *gc, int err);

/* The reset() and closed() callbacks both sides share. */
void gen_on_reset(struct shoal_conn *c, void *ctx, int err);
void gen_on_closed(struct shoal_conn *c, void *ctx);

/* Profiles. */
int client_init(struct gen_worker *gw);
int client_poll(struct gen_worker *gw);
void client_drain(struct gen_worker *gw);
extern const struct shoal_tcp_ops client_ops;

int flood_init(struct gen_worker *gw);
int flood_poll(struct gen_worker *gw);

int server_init(struct gen_worker *gw);
void server_drain(struct gen_worker *gw);
extern const struct shoal_tcp_ops server_ops;

#endif /* SHOAL_GEN_WORKER_H */
