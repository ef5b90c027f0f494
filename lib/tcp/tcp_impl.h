/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef SHOAL_TCP_IMPL_H
#define SHOAL_TCP_IMPL_H

/**
 * @file
 * The engine's insides, shared by input.c, output.c, timers.c, sack.c,
 * reass.c, cc/ and the white-box tests (tests/tcp). Not installed.
 */

#include <stdbool.h>
#include <stdint.h>

#include <rte_common.h>
#include <rte_mbuf.h>
#include <rte_mbuf_dyn.h>
#include <rte_tcp.h>

#include <shoal/tcp.h>

#include "flow/flow.h"
#include "flow/ports.h"
#include "flow/timer.h"

/* Sequence arithmetic modulo 2^32 (RFC 9293 section 3.4). */
#define SEQ_LT(a, b)	((int32_t)((uint32_t)(a) - (uint32_t)(b)) < 0)
#define SEQ_LEQ(a, b)	((int32_t)((uint32_t)(a) - (uint32_t)(b)) <= 0)
#define SEQ_GT(a, b)	((int32_t)((uint32_t)(a) - (uint32_t)(b)) > 0)
#define SEQ_GEQ(a, b)	((int32_t)((uint32_t)(a) - (uint32_t)(b)) >= 0)
#define SEQ_MAX(a, b)	(SEQ_GT(a, b) ? (a) : (b))
#define SEQ_MIN(a, b)	(SEQ_LT(a, b) ? (a) : (b))

/* TCP header flags. */
#define TH_FIN	RTE_TCP_FIN_FLAG
#define TH_SYN	RTE_TCP_SYN_FLAG
#define TH_RST	RTE_TCP_RST_FLAG
#define TH_PSH	RTE_TCP_PSH_FLAG
#define TH_ACK	RTE_TCP_ACK_FLAG
#define TH_URG	RTE_TCP_URG_FLAG

#define TCP_HDR_LEN		20
#define TCP_MAX_HDR		60
#define TCP_MAX_WSCALE		14	/* RFC 7323 section 2.3 */
#define TCP_DEFAULT_MSS		536	/* RFC 9293 MUST-15 */
#define TCP_TS_OPT_LEN		12	/* NOP NOP kind len tsval tsecr */
#define TCP_COPY_MAX		128	/* payloads up to this are copied */
#define TCP_DUPTHRESH		3
#define TCP_SACK_BLOCKS		8	/* scoreboard entries */
#define TCP_SACK_RECENT		4	/* arrivals remembered for the blocks we send */
#define TCP_CHALLENGE_ACK_LIMIT	1000	/* per engine per second (RFC 5961 7) */
/* What an idle ESTABLISHED connection may cost per side, in bytes, in a
 * table of 10M: control block (the 4-tuple table's node inside) and its
 * table chain head (two below FLOW_HEADS_WIDE_MAX, 4 bytes more); it
 * holds no sending state and no extension (tests/tcp/test_memory.c). A
 * ratchet: issue
 * 7 targets 320 with the application's share; lower it as the control
 * block shrinks, never raise it. */
#define TCP_CONN_BYTES_MAX	229

/* A connection's timers (tcp_cb.due). */
enum {
	TCP_T_RXT = 0,		/* retransmission, SYN retry, or persist */
	TCP_T_DELACK,
	TCP_T_2MSL,		/* TIME-WAIT, orphaned FIN-WAIT-2; keepalive
				 * while synchronized */
	TCP_T_MAX
};
#define TCP_T_OFF	UINT64_MAX	/* no deadline (tcp_timer_fire) */
/* The furthest a deadline may lie ahead in each unit: half the 32-bit
 * range, so that deadlines compare modulo 2^32. The engine clamps its
 * RTOs, delayed-ACK time, MSL and keepalive times to these. */
#define TCP_T_US_MAX_NS	(((1ULL << 31) - 1) * 1000)	/* 35 min */
#define TCP_T_MS_MAX_NS	(((1ULL << 31) - 1) * 1000000)	/* 24 days */
#define TCP_NO_LISTENER	UINT16_MAX	/* tcp_cb.listener: none */

/* Control block flags (tcp_cb.tf). */
#define TF_ACKNOW	(1u << 0)	/* send an ACK at the next flush */
#define TF_DELACK	(1u << 1)	/* an ACK is owed, delack timer armed */
#define TF_NODELAY	(1u << 2)	/* Nagle off */
#define TF_SACK		(1u << 3)	/* SACK negotiated */
#define TF_WSCALE	(1u << 4)	/* window scaling negotiated */
#define TF_TS		(1u << 5)	/* timestamps negotiated */
#define TF_FIN_QUEUED	(1u << 6)	/* app shut down: FIN after the data */
#define TF_FIN_SENT	(1u << 7)
#define TF_FIN_ACKED	(1u << 8)
#define TF_APP_CLOSED	(1u << 9)	/* shoal_close(): only closed() left */
#define TF_PENDING	(1u << 10)	/* on the engine's pending list */
#define TF_DEAD		(1u << 11)	/* released, freed at the entry's end */
#define TF_RECOVERY	(1u << 12)	/* fast recovery */
#define TF_PERSIST	(1u << 13)	/* the RXT timer is the persist timer */
#define TF_RTT_TIMING	(1u << 14)
#define TF_PASSIVE	(1u << 15)	/* born on a listener */
#define TF_APP_SEEN	(1u << 16)	/* the application knows this conn */
#define TF_APP_GONE	(1u << 17)	/* closed() was called */
#define TF_PEER_FIN	(1u << 18)	/* FIN received */
#define TF_RCV_FIN_OOO	(1u << 19)	/* a FIN waits beyond a hole */
#define TF_TS_RECENT	(1u << 20)	/* ts_recent holds a value */
#define TF_SYN_RXT	(1u << 21)	/* the SYN was retransmitted */
#define TF_PTO		(1u << 22)	/* the RXT timer is the probe timeout */
#define TF_PTO_FIRED	(1u << 23)	/* probed since SND.UNA last moved */
#define TF_SB_TAIL_OURS	(1u << 24)	/* tail mbuf is ours: shoal_send may fill it */
#define TF_CC_NEWRENO	(1u << 25)	/* NewReno, else CUBIC (tcp_cc) */
#define TCP_MAX_PROBES	3	/* then the RTO */

struct tcp_cb;
struct shoal_tcp;

/** Congestion control: a small table per algorithm (FreeBSD's cc_algo). */
struct tcp_cc_ops {
	const char *name;
	void (*init)(struct tcp_cb *cb);
	/** New data acknowledged outside recovery. */
	void (*ack)(struct tcp_cb *cb, uint32_t acked, uint64_t now);
	/** Loss detected by dup ACKs / SACK: set ssthresh and cwnd. */
	void (*cong_event)(struct tcp_cb *cb, uint64_t now);
	/** Retransmission timeout. */
	void (*rto)(struct tcp_cb *cb, uint64_t now);
	/** Recovery ended with a full ACK. */
	void (*post_recovery)(struct tcp_cb *cb, uint64_t now);
};

extern const struct tcp_cc_ops tcp_cc_newreno;
extern const struct tcp_cc_ops tcp_cc_cubic;
/* The algorithms by enum shoal_tcp_cc: a control block keeps a flag
 * (TF_CC_NEWRENO), not a pointer. */
extern const struct tcp_cc_ops *const tcp_cc_algos[];

/* Floats where 24 bits of mantissa are plenty (window sizes in segments,
 * K in seconds); w_est stays a double: it grows by small increments.
 * Aligned to 4 only, so that it packs into the control block without a
 * hole (x86 reads a 4-aligned double at full speed). */
struct __attribute__((packed, aligned(4))) tcp_cubic {
	double w_est;		/* segments, Reno-friendly estimate */
	float w_max;		/* segments */
	float w_last_max;	/* segments, for fast convergence */
	float k;		/* seconds */
	float cwnd_epoch;	/* segments at the epoch start */
	/* ms of the clock modulo 2^32 (49 days), 0: no epoch. W_cubic
	 * needs no finer time than its RTT term. */
	uint32_t epoch_ms;
};

struct tcp_sack_blk {
	uint32_t start, end;
};

/** A listener. */
struct tcp_listener {
	struct shoal_tcp_ops ops;
	void *ctx;
	rte_be32_t addr;
	rte_be16_t port;
	bool in_use;		/* listening */
	uint32_t half_open;	/* SYN-RECEIVED children */
	uint64_t cookie_until_ns;	/* cookie ACKs are checked until then */
	uint32_t refs;		/* children that point here */
};

/**
 * The control block, 224 bytes, in the order a segment reads it: the
 * 4-tuple the lookup compares, then state, sequence space and windows;
 * then callbacks, RTT and recovery; timers are colder. The send buffer
 * and what goes with sending live in struct tcp_cb_snd, the SACK
 * scoreboard and the reassembly queue in struct tcp_cb_ext: an idle
 * connection holds neither. (Blocks sit back to back at 8-byte alignment, so
 * "line" below means about 64 bytes, not an aligned cache line.)
 */
struct tcp_cb {
	/* The 4-tuple and the flow table's chain link (flow_table); the
	 * lookup of every received segment reads it. */
	struct flow_node fn;
	/* --- line 0: input hot path --- */
	uint8_t state;
	uint8_t snd_wscale;	/* peer's shift, applied to its windows */
	uint8_t rcv_wscale;	/* ours, applied to the windows we send */
	uint8_t rxt_shift;	/* backoff exponent */
	uint32_t tf;		/* TF_* */
	uint32_t snd_una;
	uint32_t snd_nxt;
	uint32_t snd_max;	/* highest sequence sent + 1 */
	uint32_t snd_wnd;	/* bytes */
	uint32_t snd_wl1, snd_wl2;
	uint32_t rcv_nxt;
	uint32_t rcv_adv;	/* right edge of the window we advertised */
	uint32_t last_ack_sent;
	uint32_t ts_recent;
	uint32_t cwnd, ssthresh;
	uint16_t smss;		/* payload bytes per full segment */
	uint16_t rcv_mss;	/* a full segment from the peer */
	uint32_t sb_seq;	/* sequence of the send buffer's first byte */
	uint32_t sb_len;	/* bytes in the send buffer */
	uint16_t dupacks;
	uint8_t retries;	/* conf's syn/max_retries are capped at 255 */
	uint8_t keep_sent;
	uint32_t rcv_unacked;	/* bytes received since the last ACK */
	uint32_t ts_off;
	uint16_t listener;	/* index in t->listeners, TCP_NO_LISTENER */
	uint8_t keep_probes;
	uint8_t probes : 3;	/* loss probes since SND.UNA last moved (<= 3) */
	uint8_t t_armed : TCP_T_MAX;	/* bit k: due[k] holds a deadline */
	/* In ms of the engine's clock (shoal_tcp.now_ms), modulo 2^32 (49
	 * days, more than any keepalive time): keepalive and zero-window
	 * probes need no finer time, and differences are what is used. */
	uint32_t last_rcv_ms;		/* keepalive: peer last heard */
	struct shoal_tcp *t;

	/* --- line 1: callbacks, output, RTT --- */
	/* Attachments by slab reference + 1, 0: none (tcp_snd_held, tcp_x):
	 * four bytes each where a pointer takes eight. */
	uint32_t snd_ref;	/* sending state, only while needed */
	uint32_t x_ref;		/* cold state, only while needed */
	const struct shoal_tcp_ops *ops;
	void *ctx;
	uint32_t iss, irs;
	uint32_t max_snd_wnd;
	uint32_t recover;	/* RFC 6582 / 6675 RecoveryPoint */
	uint32_t rto_us;		/* before backoff; us: 71 min at most */
	uint32_t srtt_ns, rttvar_ns;	/* 0: no sample yet */
	uint32_t rcv_held;	/* bytes the application holds */
	uint32_t retransmits;

	/* --- colder --- */
	/* Data acknowledged is sb_seq - (iss + 1) plus 2^32 per wrap, and
	 * data sent is that plus what went out beyond sb_seq (shoal_conn_info):
	 * only the wraps are counted, in tcp_sb_drop. 16 bits of them reach
	 * 256 TiB each way, beyond which the byte counters start over. */
	uint16_t snd_wraps;
	/* Data received is rcv_nxt - (irs + 1), less the peer's FIN, plus
	 * 2^32 per wrap (counted in data_input and tcp_reass_pull). */
	uint16_t rcv_wraps;
	/* One wheel node per connection, armed at or before the earliest
	 * deadline in due[]; stopping a timer only clears its deadline, and
	 * a node that fires with nothing due re-arms itself (timers.c). */
	struct flow_timer tm;
	uint32_t due[TCP_T_MAX];	/* tcp_t_unit_ns() units, mod 2^32 */
	uint32_t probe_ms;		/* last zero-window probe sent (ms) */
	/* The pending or the dead list. A block dropped while pending stays
	 * on the pending list (TF_DEAD and TF_PENDING): a singly linked
	 * list has no O(1) removal, and the flush or tcp_leave moves it. */
	uint32_t link;		/* next on that list (flow_slab_ref) */
	uint32_t keep_idle_ms, keep_intvl_ms;	/* 0: keepalive off */
};

/**
 * What only a connection with something to send, in flight or to time
 * needs: the send buffer, RTT timing, the retransmission and Nagle marks,
 * and CUBIC's state once it has seen a congestion event. Attached by
 * tcp_snd() on first use and given back by tcp_snd_put_if_idle() once
 * everything sent was acknowledged, so an idle connection holds none.
 * Its pool has one per control block: attaching never fails.
 *
 * Detached, every field holds its neutral value, which tcp_snd() writes
 * back when it attaches again: the buffer empty, no RTT timing, and
 * high_rxt and snd_sml at SND.UNA, where every reader treats them as it
 * treats any value at or below SND.UNA.
 */
struct tcp_cb_snd {
	struct rte_mbuf *sb_cur;	/* cursor into the send buffer */
	struct rte_mbuf *sb_head, *sb_tail;
	uint32_t sb_cur_off;	/* stream offset of sb_cur */
	uint32_t high_rxt;	/* RFC 6675 HighRxt; the slab's link while free */
	uint32_t snd_sml;	/* end of the last small segment (Minshall) */
	uint32_t rtt_seq;
	/* When rtt_seq went out: the clock's low 32 bits (ns). A sample is
	 * the difference modulo 2^32: exact for every RTT a sample may
	 * report, as samples are clamped to 2^31 ns (tcp_rtt_sample). */
	uint32_t rtt_start_ns;
	struct tcp_cubic cubic;
};

struct tcp_cb_snd *tcp_snd_attach(struct tcp_cb *cb);
void tcp_snd_put_if_idle(struct tcp_cb *cb);

/* The pending and the dead lists: singly linked through tcp_cb.link by
 * slab reference (flow_slab_ref), 4 bytes a block where a pointer took 8. */
struct tcp_cb_list {
	uint32_t head, tail;	/* FLOW_NONE: empty */
};

/**
 * The control block's cold extension, from a second pool, attached only
 * while there is something in it: the SACK scoreboard (while the peer
 * reports blocks above SND.UNA) and the reassembly queue (while
 * out-of-order data or a FIN beyond a hole is held). An idle connection
 * has none. When the pool is empty the connection goes on without: SACK
 * blocks are not recorded, out-of-order data is dropped (no_ext).
 */
struct tcp_cb_ext {
	struct rte_mbuf *reass;		/* by sequence, linked via dynfield */
	uint32_t reass_bytes;		/* the slab's link while free */
	uint32_t reass_segs;		/* mbufs held */
	uint32_t rcv_fin_seq;		/* with TF_RCV_FIN_OOO */
	/* Starts of the latest out-of-order arrivals, newest first: the
	 * SACK blocks we send repeat the most recent ones (RFC 2018 4). */
	uint32_t ooo_recent[TCP_SACK_RECENT];
	uint8_t nsack;
	bool lost_marked;		/* lost_to is set */
	/* Below it every byte not SACKed is lost: the peer SACKed a loss
	 * probe that went out after all of them (RFC 8985 6.2). */
	uint32_t lost_to;
	struct tcp_sack_blk sack[TCP_SACK_BLOCKS];	/* sorted, disjoint */
};

struct tcp_cb_ext *tcp_ext_get(struct tcp_cb *cb);

/* One extension per 16 connections: only connections with a hole in
 * their receive sequence or SACK blocks from the peer hold one, and an
 * idle million must not pay 32 B each for a quarter of them. Without a
 * free one a connection still works, without SACK and reassembly. The
 * slab reuses the last freed first: only as many as were ever in use at
 * once are touched. */
static inline uint32_t
tcp_ext_pool_size(const struct shoal_tcp_conf *c)
{
	return RTE_MAX(c->max_conns / 16, 64u);
}

/* An active open may take over a TIME-WAIT tuple whose peer was last
 * heard this long ago (engine.c, tw_takeover). */
#define TCP_TW_REUSE_MS 1000u

static inline void
tcp_cb_set_iss(struct tcp_cb *cb, uint32_t iss)
{
	cb->iss = iss;
	cb->snd_una = cb->snd_nxt = cb->snd_max = iss;
	cb->sb_seq = iss + 1;
	cb->recover = iss;
}

static inline void
tcp_cb_key(const struct tcp_cb *cb, struct flow_key4 *k)
{
	flow_node_key(&cb->fn, k);
}

/* The 4-tuple as the public type (the block keeps only IPv4's 12 bytes). */
static inline void
tcp_cb_ep(const struct tcp_cb *cb, struct shoal_endpoints *ep)
{
	ep->local = shoal_addr_v4(cb->fn.laddr);
	ep->remote = shoal_addr_v4(cb->fn.raddr);
	ep->lport = cb->fn.lport;
	ep->rport = cb->fn.rport;
}

void tcp_ext_put_if_empty(struct tcp_cb *cb);

/* tcp_ts_offset's cache: one offset per IPv4 address pair. */
#define TCP_TSOFF_CACHE_BITS 6
struct tcp_tsoff_slot {
	rte_be32_t local, remote;
	uint32_t off;
};

/* Control blocks an engine keeps free from TIME-WAIT at most
 * (shoal_tcp_conf.tw_free; engine.c, tw_recycle). */
#define TCP_TW_HEADROOM	64u

/** Engine. */
struct shoal_tcp {
	struct shoal_tcp_conf conf;
	uint64_t now;
	uint32_t now_ms;		/* now / 1 ms, modulo 2^32 (tcp_set_now) */
	struct flow_table ft;
	struct listen_table lt;
	struct flow_slab cbs;		/* the control blocks */
	struct flow_slab snds;		/* struct tcp_cb_snd, as many */
	struct flow_slab exts;		/* struct tcp_cb_ext */
	struct flow_wheel wheel;
	struct flow_ports ports;
	struct tcp_listener *listeners;
	/* tcp_listener_find's last answer: a server's SYNs come to one
	 * address and port, and the table costs two hash lookups for a
	 * wildcard listener. Cleared when a listener opens or closes. */
	struct tcp_listener *lcache;
	rte_be32_t lcache_addr;
	rte_be16_t lcache_port;
	struct tcp_cb_list pending;
	struct tcp_cb_list dead;
	uint32_t dead_pending;		/* dropped, still on pending */
	uint32_t depth;			/* nesting of entry points */
	uint32_t tw_headroom;		/* blocks kept free (tw_recycle) */
	uint64_t tw_scan_after;		/* no TIME-WAIT found: not before */
	uint8_t isn_key[16];
	uint8_t ts_key[16];
	struct tcp_tsoff_slot tsoff_cache[1 << TCP_TSOFF_CACHE_BITS];
	uint64_t chal_start_ns;
	uint32_t chal_count;
	uint64_t rst_credit_ns;		/* RST token bucket (conf.rst_rate) */
	uint64_t rst_last_ns;
	bool fixed_iss;			/* tests: next ISS is iss_value */
	uint32_t iss_value;
	int reass_off;			/* mbuf dynfield offset */
	struct shoal_tcp_stats st;
	char tname[32];
	/* The output hook's endpoints: both addresses IPv4 and zeroed past
	 * v4 once (engine init), so a segment out writes only the tuple. */
	struct shoal_endpoints out_ep;
};

/* The block an attachment reference (slab reference + 1) names; NULL
 * for 0. */
static inline void *
tcp_attached(const struct flow_slab *s, uint32_t ref)
{
	return ref != 0 ? flow_slab_at(s, ref - 1) : NULL;
}

static inline uint32_t
tcp_attach_ref(const struct flow_slab *s, const void *p)
{
	return flow_slab_ref(s, p) + 1;
}

/* @p cb's sending state; NULL when it holds none. */
static inline struct tcp_cb_snd *
tcp_snd_held(const struct tcp_cb *cb)
{
	return tcp_attached(&cb->t->snds, cb->snd_ref);
}

/* HighRxt and Minshall's mark, read: detached, they are at SND.UNA. */
static inline uint32_t
tcp_high_rxt(const struct tcp_cb *cb)
{
	return cb->snd_ref != 0 ? tcp_snd_held(cb)->high_rxt : cb->snd_una;
}

static inline uint32_t
tcp_snd_sml(const struct tcp_cb *cb)
{
	return cb->snd_ref != 0 ? tcp_snd_held(cb)->snd_sml : cb->snd_una;
}

/* @p cb's sending state, attached if it was not. */
static inline struct tcp_cb_snd *
tcp_snd(struct tcp_cb *cb)
{
	return likely(cb->snd_ref != 0) ? tcp_snd_held(cb) :
					  tcp_snd_attach(cb);
}

/* @p cb's extension; NULL when it holds none. */
static inline struct tcp_cb_ext *
tcp_x(const struct tcp_cb *cb)
{
	return tcp_attached(&cb->t->exts, cb->x_ref);
}

static inline unsigned int
tcp_nsack(const struct tcp_cb *cb)
{
	return cb->x_ref != 0 ? tcp_x(cb)->nsack : 0;
}

static inline struct rte_mbuf *
tcp_reass_head(const struct tcp_cb *cb)
{
	return cb->x_ref != 0 ? tcp_x(cb)->reass : NULL;
}

static inline uint32_t
tcp_reass_bytes(const struct tcp_cb *cb)
{
	return cb->x_ref != 0 ? tcp_x(cb)->reass_bytes : 0;
}

static inline uint32_t
tcp_reass_segs(const struct tcp_cb *cb)
{
	return cb->x_ref != 0 ? tcp_x(cb)->reass_segs : 0;
}

/* @p cb's 4-tuple in the engine's output endpoints (valid until the next
 * segment out). */
static inline const struct shoal_endpoints *
tcp_cb_out_ep(struct shoal_tcp *t, const struct tcp_cb *cb)
{
	t->out_ep.local.v4 = cb->fn.laddr;
	t->out_ep.remote.v4 = cb->fn.raddr;
	t->out_ep.lport = cb->fn.lport;
	t->out_ep.rport = cb->fn.rport;
	return &t->out_ep;
}

static inline void
tcp_list_init(struct tcp_cb_list *l)
{
	l->head = l->tail = FLOW_NONE;
}

static inline bool
tcp_list_empty(const struct tcp_cb_list *l)
{
	return l->head == FLOW_NONE;
}

/* Append @p cb, which is on no list. */
static inline void
tcp_list_push(struct shoal_tcp *t, struct tcp_cb_list *l, struct tcp_cb *cb)
{
	uint32_t r = flow_slab_ref(&t->cbs, cb);

	cb->link = FLOW_NONE;
	if (l->tail == FLOW_NONE)
		l->head = r;
	else
		((struct tcp_cb *)flow_slab_at(&t->cbs, l->tail))->link = r;
	l->tail = r;
}

/* Take the first block off @p l; NULL when empty. */
static inline struct tcp_cb *
tcp_list_pop(struct shoal_tcp *t, struct tcp_cb_list *l)
{
	struct tcp_cb *cb;

	if (l->head == FLOW_NONE)
		return NULL;
	cb = flow_slab_at(&t->cbs, l->head);
	l->head = cb->link;
	if (l->head == FLOW_NONE)
		l->tail = FLOW_NONE;
	return cb;
}

/** A parsed segment. */
struct tcp_seg {
	uint32_t seq, ack;
	uint32_t len;		/* payload bytes */
	uint16_t win;		/* raw window field */
	uint16_t hlen;
	uint8_t flags;
	bool has_mss, has_ws, sack_ok, has_ts;
	uint16_t mss;
	uint8_t ws;
	uint8_t nsack;
	uint32_t tsval, tsecr;
	struct tcp_sack_blk sack[4];
};

/* The reassembly queue's per-mbuf link (a registered dynfield). */
struct tcp_reass_meta {
	struct rte_mbuf *next;
	uint32_t seq;
	uint32_t fin;
};

static inline struct tcp_reass_meta *
tcp_reass_meta(const struct shoal_tcp *t, struct rte_mbuf *m)
{
	return RTE_MBUF_DYNFIELD(m, t->reass_off, struct tcp_reass_meta *);
}

/* engine.c */
void tcp_enter(struct shoal_tcp *t);
void tcp_leave(struct shoal_tcp *t);
void tcp_set_pending(struct tcp_cb *cb);
void tcp_set_state(struct tcp_cb *cb, enum shoal_tcp_state s);
void tcp_drop(struct tcp_cb *cb, int err);
void tcp_enter_timewait(struct tcp_cb *cb);
void tcp_notify_closed(struct tcp_cb *cb, int err);
struct tcp_cb *tcp_cb_new(struct shoal_tcp *t, const struct shoal_endpoints *ep);
uint32_t tcp_iss(struct shoal_tcp *t, const struct shoal_endpoints *ep);
uint32_t tcp_ts_offset(struct shoal_tcp *t, const struct shoal_endpoints *ep);
void tcp_sb_drop(struct tcp_cb *cb, uint32_t n);
void tcp_cb_release_bufs(struct tcp_cb *cb);

static inline const struct tcp_cc_ops *
tcp_cc(const struct tcp_cb *cb)
{
	return tcp_cc_algos[(cb->tf & TF_CC_NEWRENO) ? SHOAL_TCP_CC_NEWRENO :
			    SHOAL_TCP_CC_CUBIC];
}

/* The listener that @p cb was born on, while it still points there. */
static inline struct tcp_listener *
tcp_cb_listener(const struct tcp_cb *cb)
{
	return cb->listener == TCP_NO_LISTENER ? NULL :
		&cb->t->listeners[cb->listener];
}

static inline void
tcp_cb_set_listener(struct tcp_cb *cb, const struct tcp_listener *l)
{
	cb->listener = l == NULL ? TCP_NO_LISTENER :
		(uint16_t)(l - cb->t->listeners);
}

/* The RTO before backoff, in ns. */
static inline uint64_t
tcp_rto_ns(const struct tcp_cb *cb)
{
	return (uint64_t)cb->rto_us * 1000;
}

/* Store an RTO given in ns (rounded up to the next us). */
static inline void
tcp_set_rto_ns(struct tcp_cb *cb, uint64_t ns)
{
	uint64_t us = (ns + 999) / 1000;

	cb->rto_us = us > UINT32_MAX ? UINT32_MAX : (uint32_t)us;
}

/* The engine's clock moves (never backwards): ns, and ms once per call
 * rather than once per segment. */
static inline void
tcp_set_now(struct shoal_tcp *t, uint64_t now_ns)
{
	t->now = now_ns;
	t->now_ms = (uint32_t)(now_ns / 1000000);
}

static inline uint32_t
tcp_ts_now(const struct tcp_cb *cb)
{
	return cb->t->now_ms + cb->ts_off;
}

/* When the peer was last heard from, in ns (the start of that ms). */
static inline uint64_t
tcp_last_rcv_ns(const struct tcp_cb *cb)
{
	const struct shoal_tcp *t = cb->t;

	return (t->now / 1000000 - (uint32_t)(t->now_ms - cb->last_rcv_ms)) *
		1000000;
}

/* Keepalive times are kept in ms (4 bytes each), 24 days at most: they
 * arm the TIME-WAIT/keepalive timer (TCP_T_MS_MAX_NS). */
static inline uint32_t
tcp_ns_to_ms_up(uint64_t ns)
{
	uint64_t ms = (RTE_MIN(ns, TCP_T_MS_MAX_NS) + 999999) / 1000000;

	return (uint32_t)ms;
}

static inline uint64_t
tcp_keep_idle_ns(const struct tcp_cb *cb)
{
	return (uint64_t)cb->keep_idle_ms * 1000000;
}

static inline uint64_t
tcp_keep_intvl_ns(const struct tcp_cb *cb)
{
	return (uint64_t)cb->keep_intvl_ms * 1000000;
}

static inline uint32_t
tcp_sb_end(const struct tcp_cb *cb)
{
	return cb->sb_seq + cb->sb_len;
}

/*
 * A deadline is kept in 32 bits: the retransmission and delayed-ACK
 * timers in us (35 minutes ahead at most), TIME-WAIT and keepalive in ms
 * (24 days). It is rounded up to its unit and the wheel node is armed at
 * that rounded time, so a timer never fires early and at most one unit
 * late (RFC 6298's clock granularity is the wheel's 1 ms tick anyway);
 * virtual clocks that move in whole units see exact times.
 */
static inline uint64_t
tcp_t_unit_ns(unsigned int k)
{
	return k == TCP_T_2MSL ? 1000000 : 1000;
}

static inline bool
tcp_timer_armed(const struct tcp_cb *cb, unsigned int k)
{
	return (cb->t_armed & (1u << k)) != 0;
}

/** Arm timer @p k of @p cb to fire at @p at_ns (replacing its deadline).
 *  The node moves only when the new deadline is the earliest. */
static inline void
tcp_timer_arm(struct tcp_cb *cb, unsigned int k, uint64_t at_ns)
{
	uint64_t u = tcp_t_unit_ns(k), units = (at_ns + u - 1) / u;

	cb->due[k] = (uint32_t)units;
	cb->t_armed |= 1u << k;
	at_ns = units * u;
	if (!flow_timer_armed(&cb->tm) || at_ns < cb->tm.expire_ns)
		flow_timer_arm(&cb->t->wheel, &cb->tm, at_ns);
}

/** How far armed timer @p k's deadline lies ahead of @p now_u, the
 *  time in its unit (negative or 0: due). */
static inline int32_t
tcp_timer_ahead(const struct tcp_cb *cb, unsigned int k, uint64_t now_u)
{
	return (int32_t)(cb->due[k] - (uint32_t)now_u);
}

/** Stop timer @p k; the node, if it has nothing else due, fires once
 *  for nothing, which costs less than unlinking it every time. */
static inline void
tcp_timer_stop(struct tcp_cb *cb, unsigned int k)
{
	cb->t_armed &= ~(1u << k);
}

/** Stop every timer and unlink the node (the connection is going). */
static inline void
tcp_timer_stop_all(struct tcp_cb *cb)
{
	cb->t_armed = 0;
	flow_timer_cancel(&cb->t->wheel, &cb->tm);
}

/* input.c */
int tcp_parse(struct rte_mbuf *m, struct tcp_seg *s);
struct tcp_listener *tcp_listener_find(struct shoal_tcp *t, rte_be32_t addr,
				       rte_be16_t port);
bool tcp_challenge_ack_ok(struct shoal_tcp *t);
bool tcp_rst_ok(struct shoal_tcp *t);

/* output.c */
void tcp_output(struct tcp_cb *cb);
void tcp_flush_pending(struct shoal_tcp *t);
int tcp_send_range(struct tcp_cb *cb, uint32_t seq, uint32_t len,
		   uint8_t flags);
void tcp_send_ack(struct tcp_cb *cb);
void tcp_send_rst(struct tcp_cb *cb);
void tcp_respond(struct shoal_tcp *t, const struct shoal_endpoints *ep,
		 uint32_t seq, uint32_t ack, uint8_t flags);

/* tcp_respond on @p cb's 4-tuple (a reset outside its sequence space). */
static inline void
tcp_respond_cb(struct tcp_cb *cb, uint32_t seq, uint32_t ack, uint8_t flags)
{
	struct shoal_endpoints ep;

	tcp_cb_ep(cb, &ep);
	tcp_respond(cb->t, &ep, seq, ack, flags);
}

uint32_t tcp_rcv_window(const struct tcp_cb *cb);
unsigned int tcp_build_syn_opts(uint8_t *o, uint16_t mss, bool sack, bool ts,
				uint32_t tsval, uint32_t tsecr, int wscale);
void tcp_respond_synack(struct shoal_tcp *t, const struct shoal_endpoints *ep,
			uint32_t iss, uint32_t ack, bool sack, bool ts,
			uint32_t tsval, uint32_t tsecr, int wscale);

/* syncookie.c */
uint32_t tcp_cookie_make(struct shoal_tcp *t, const struct shoal_endpoints *ep,
			 uint32_t peer_isn, uint16_t mss);
bool tcp_cookie_check(struct shoal_tcp *t, const struct shoal_endpoints *ep,
		      uint32_t peer_isn, uint32_t cookie, uint16_t *mss);
uint32_t tcp_cookie_tsval(struct shoal_tcp *t, const struct shoal_endpoints *ep,
			  int wscale, bool sack);
bool tcp_cookie_ts_decode(uint32_t tsecr, int *wscale, bool *sack);

/* timers.c */
void tcp_timer_fire(struct flow_wheel *w, struct flow_timer *tm, void *ctx);
void tcp_rtt_sample(struct tcp_cb *cb, uint64_t rtt_ns);
void tcp_arm_rxt(struct tcp_cb *cb);
void tcp_arm_rxt_or_probe(struct tcp_cb *cb);
void tcp_send_probe(struct tcp_cb *cb);
void tcp_retransmit_first(struct tcp_cb *cb);
void tcp_arm_persist(struct tcp_cb *cb);
void tcp_arm_keepalive(struct tcp_cb *cb);
uint64_t tcp_cur_rto(const struct tcp_cb *cb);

/* sack.c */
void tcp_sack_update(struct tcp_cb *cb, const struct tcp_seg *s);
void tcp_sack_trim(struct tcp_cb *cb);
uint32_t tcp_sack_bytes_above(const struct tcp_cb *cb, uint32_t seq);
uint32_t tcp_sack_bytes_below(const struct tcp_cb *cb, uint32_t seq);
uint32_t tcp_sack_pipe(const struct tcp_cb *cb);
bool tcp_sack_is_lost(const struct tcp_cb *cb, uint32_t seq);
bool tcp_sack_next_hole(const struct tcp_cb *cb, uint32_t *seq,
			uint32_t *len);
const struct tcp_sack_blk *tcp_sack_find(const struct tcp_cb *cb,
					 uint32_t seq);

/* reass.c */
void tcp_reass_insert(struct tcp_cb *cb, struct rte_mbuf *m, uint32_t seq,
		      bool fin);
struct rte_mbuf *tcp_reass_pull(struct tcp_cb *cb, bool *fin);
void tcp_reass_free(struct tcp_cb *cb);
void tcp_reass_drain(struct tcp_cb *cb);
unsigned int tcp_reass_sack_blocks(const struct tcp_cb *cb,
				   struct tcp_sack_blk *b, unsigned int max);
struct rte_mbuf *tcp_mbuf_trim_front(struct rte_mbuf *m, uint32_t n);
void tcp_mbuf_trim_tail(struct rte_mbuf *m, uint32_t n);

/* Test hooks (white-box tests only). */
void tcp_test_fix_iss(struct shoal_tcp *t, uint32_t iss);
struct tcp_cb *tcp_test_cb(struct shoal_conn *c);

#endif /* SHOAL_TCP_IMPL_H */
