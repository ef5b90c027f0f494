/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef SHOAL_TCP_H
#define SHOAL_TCP_H

/**
 * @file
 * shoal's TCP engine (RFC 9293 with RFC 7323, 2018, 6675, 5681/6582, 9438,
 * 6298, 6528, 6056, 5961).
 *
 * One engine per worker; nothing in it is shared, nothing in it reads a
 * clock or takes a lock. It sees only TCP segments and endpoints: the IP
 * layer below hands it segments whose data starts at the TCP header (the
 * checksum already verified) and receives, through the output hook, the
 * segments it builds (TCP header first, checksum field left for the IP
 * layer, which computes it in software or asks the NIC to). That makes the
 * engine drivable on a virtual wire with a virtual clock, segment by
 * segment, and embeddable below any IP layer.
 *
 * Time: every entry point that can make the engine act takes the current
 * time in nanoseconds of any monotonic clock, or uses the time of the last
 * call that did (shoal_tcp_input_burst, shoal_tcp_advance).
 *
 * Callbacks run from inside shoal_tcp_input_burst / shoal_tcp_advance /
 * the API call that caused them, on the engine's worker.
 */

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include <rte_mbuf.h>
#include <rte_mempool.h>

#include <shoal/addr.h>

#ifdef __cplusplus
extern "C" {
#endif

struct shoal_tcp;	/**< one engine: a worker's connections */
struct shoal_conn;	/**< one connection (control block) */

/** Connection states of RFC 9293 section 3.3.2. */
enum shoal_tcp_state {
	SHOAL_TCP_CLOSED = 0,
	SHOAL_TCP_LISTEN,
	SHOAL_TCP_SYN_SENT,
	SHOAL_TCP_SYN_RECEIVED,
	SHOAL_TCP_ESTABLISHED,
	SHOAL_TCP_FIN_WAIT_1,
	SHOAL_TCP_FIN_WAIT_2,
	SHOAL_TCP_CLOSE_WAIT,
	SHOAL_TCP_CLOSING,
	SHOAL_TCP_LAST_ACK,
	SHOAL_TCP_TIME_WAIT,
};

/** "ESTABLISHED" etc. */
const char *shoal_tcp_state_name(enum shoal_tcp_state s);

/** Congestion control algorithms. */
enum shoal_tcp_cc {
	SHOAL_TCP_CC_CUBIC = 0,		/**< RFC 9438, the default */
	SHOAL_TCP_CC_NEWRENO,		/**< RFC 5681 + RFC 6582 */
};

/**
 * What the application hears about a connection. One table per listener
 * or per connect() call; every pointer may be NULL. @p ctx is the
 * connection's context (shoal_conn_set_ctx), initially the ctx given to
 * shoal_tcp_listen() or shoal_tcp_connect().
 */
struct shoal_tcp_ops {
	/** A passive open completed (3-way handshake done) on a listener. */
	void (*accepted)(struct shoal_conn *c, void *ctx);
	/** An active open completed. */
	void (*connected)(struct shoal_conn *c, void *ctx);
	/** In-order data arrived: @p data is an mbuf chain (pkt_len bytes,
	 *  data only, no headers) now owned by the application. */
	void (*recv)(struct shoal_conn *c, void *ctx, struct rte_mbuf *data);
	/** The peer acknowledged @p acked bytes; @p space bytes can now be
	 *  queued with shoal_send(). */
	void (*sent)(struct shoal_conn *c, void *ctx, uint32_t acked,
		     uint32_t space);
	/** The peer sent FIN: no more data will arrive. */
	void (*peer_closed)(struct shoal_conn *c, void *ctx);
	/** The connection was reset by the peer or timed out; @p err is
	 *  ECONNRESET, ECONNREFUSED or ETIMEDOUT. closed() follows. */
	void (*reset)(struct shoal_conn *c, void *ctx, int err);
	/** Last callback: the connection is gone from the application's
	 *  view (it may linger in TIME-WAIT inside the engine). @p c must
	 *  not be used after it returns: its memory goes to the next
	 *  connection opened or accepted, so a stale pointer then names
	 *  another connection. */
	void (*closed)(struct shoal_conn *c, void *ctx);
};

/**
 * The output hook: the engine emits segment @p seg (data starts at the TCP
 * header; the checksum field is zero; m->l4_len is the header length) for
 * @p ep (local = our side). The hook owns @p seg from then on.
 */
typedef void (*shoal_tcp_output_fn)(void *ctx, struct rte_mbuf *seg,
				    const struct shoal_endpoints *ep);

/**
 * May the engine use local port @p lport (network order) for an active open
 * towards @p ep? Lets the RSS layer keep a connection on one worker.
 */
typedef bool (*shoal_tcp_port_ok_fn)(void *ctx,
				     const struct shoal_endpoints *ep);

/** When the engine answers SYNs with SYN cookies (RFC 4987). */
enum shoal_tcp_syncookies {
	/** Only while a listener's SYN backlog (conf.backlog) is full or no
	 *  control block is free; the default. */
	SHOAL_TCP_SYNCOOKIES_AUTO = 0,
	/** Every SYN on a listener: no state before the handshake ends. */
	SHOAL_TCP_SYNCOOKIES_ALWAYS,
	/** Never: SYNs beyond the backlog are dropped (syn_backlog_drops). */
	SHOAL_TCP_SYNCOOKIES_NEVER,
};

/** shoal_tcp_conf.tw_free: as many as the table's size suggests. */
#define SHOAL_TCP_TW_FREE_AUTO	UINT32_MAX

/** Engine configuration; shoal_tcp_conf_init() fills the defaults. */
struct shoal_tcp_conf {
	const char *name;		/**< unique per process (tables are named) */
	int socket_id;
	struct rte_mempool *pool;	/**< mbufs for the segments it builds */
	uint16_t hdr_room;		/**< headroom kept for IP + link headers */
	uint16_t mss;			/**< our MSS (clamped to the route MTU) */
	uint32_t max_conns;		/**< control blocks, incl. TIME-WAIT */
	/** Control blocks kept free while TIME-WAIT holds the others: the
	 *  TIME-WAITs closest to their end are ended early to keep them
	 *  (counted as timewait_recycled). SHOAL_TCP_TW_FREE_AUTO (the
	 *  default): max_conns / 1024, at most 64; 0: never. */
	uint32_t tw_free;
	uint32_t max_listeners;
	uint32_t backlog;		/**< half-open connections per listener */
	uint32_t sndbuf;		/**< bytes queued unacknowledged per conn */
	uint32_t rcvbuf;		/**< receive window we offer */
	uint32_t reass_max;		/**< out-of-order bytes held per conn;
					 *   0 (default): rcvbuf */
	uint64_t msl_ns;		/**< TIME-WAIT lasts 2 * msl_ns */
	uint64_t rto_init_ns;		/**< RFC 6298: 1 s */
	uint64_t rto_min_ns;		/**< RFC 6298 says 1 s; Linux uses 200 ms */
	uint64_t rto_max_ns;		/**< at least 60 s */
	uint64_t delack_ns;		/**< delayed ACK bound (RFC 1122: < 500 ms) */
	uint32_t syn_retries;		/**< SYN retransmissions before ETIMEDOUT */
	uint32_t max_retries;		/**< data retransmissions before ETIMEDOUT */
	uint32_t init_cwnd;		/**< segments, RFC 6928: 10 */
	enum shoal_tcp_cc cc;
	bool nagle;			/**< default for new connections */
	bool sack;			/**< offer / accept SACK */
	bool wscale;			/**< offer / accept window scaling */
	bool timestamps;		/**< offer / accept timestamps */
	/** Loss probes (with SACK): a tail segment, or the first hole's
	 *  retransmission, unanswered for 2 SRTT + 2 ms (10 ms at least)
	 *  is sent again without waiting for the RTO (RFC 8985's TLP, and
	 *  its answer to lost retransmissions in its simplest form); up to
	 *  three per advance of SND.UNA, then the RTO. Default on. */
	bool loss_probes;
	uint16_t port_lo, port_hi;	/**< ephemeral range (host order) */
	uint8_t isn_key[16];		/**< RFC 6528 secret; zero: random */
	shoal_tcp_output_fn output;
	void *output_ctx;
	shoal_tcp_port_ok_fn port_ok;	/**< NULL: every port is fine */
	void *port_ok_ctx;
	/** SYN cookies (RFC 4987): a SYN that would find the listener's
	 *  backlog full, or no free control block, is answered with a SYN-ACK
	 *  whose ISS encodes the MSS (and, with timestamps, window scale and
	 *  SACK in the TSval), keyed by the engine's secret; the ACK that
	 *  returns it creates the connection directly in ESTABLISHED. */
	enum shoal_tcp_syncookies syncookies;
	/** RSTs sent per second in reply to segments for no connection (token
	 *  bucket, burst = one second's worth); 0: no limit. Default 1000. */
	uint32_t rst_rate;
	/** Out-of-order mbufs held per connection besides reass_max bytes, so
	 *  a flood of tiny segments cannot pin thousands of mbufs. 0 (the
	 *  default): reass_max / 1024, at least 64 (256 with the default
	 *  256 KB window, 4096 with 4 MB). */
	uint32_t reass_max_segs;
	/** Mbufs of @p pool kept free for receiving (RX ring refills): once
	 *  fewer are free, the engine is under memory pressure and takes no
	 *  new memory it would hold: shoal_send() takes no new buffer
	 *  (-ENOBUFS), shoal_tcp_connect() fails with ENOBUFS, out-of-order
	 *  data is dropped, and without SACK the connection's reassembly
	 *  queue let go (the peer resends it; SACKed data is kept, since a
	 *  SACK sender need not resend it after a timeout); below half of it, data segments wait for the
	 *  retransmission timer and SYNs to listeners are dropped (the peer
	 *  retransmits them). Pure ACKs, RSTs and SYN-ACKs of open
	 *  connections are always sent: they are what lets the peer free its
	 *  own memory. Without such a reserve a pool that runs dry can never
	 *  receive the ACKs that would free it. 0 (the default): no reserve. */
	uint32_t mbuf_reserve;
	/** TCP segmentation offload: the most payload bytes one segment
	 *  handed to output() may carry. New in-order data then goes out in
	 *  multiples of the MSS up to this (flagged RTE_MBUF_F_TX_TCP_SEG
	 *  with tso_segsz = MSS: the device cuts it, or a virtual link
	 *  passes it whole); retransmissions, loss probes and recovery stay
	 *  one MSS each. 0 (the default): off. Received segments the device
	 *  merged (RTE_MBUF_F_RX_LRO, tso_segsz) are taken either way. */
	uint32_t tso_max;
};

/** Fill @p conf with defaults; the caller sets name, pool and output. */
void shoal_tcp_conf_init(struct shoal_tcp_conf *conf);

/** Create an engine at time @p now_ns. NULL with rte_errno set on error. */
struct shoal_tcp *shoal_tcp_create(const struct shoal_tcp_conf *conf,
				   uint64_t now_ns);

/** Free the engine; every connection is dropped silently. */
void shoal_tcp_free(struct shoal_tcp *t);

/**
 * Process @p n received segments at time @p now_ns. segs[i] starts at the
 * TCP header and holds exactly the segment (header + payload), checksum
 * verified; eps[i] are its endpoints as seen from here (local = the
 * destination). The engine takes ownership of every mbuf. Output that the
 * burst causes (ACKs are coalesced: at most one pure ACK per connection per
 * burst) is emitted before the call returns.
 */
void shoal_tcp_input_burst(struct shoal_tcp *t, struct rte_mbuf **segs,
			   const struct shoal_endpoints *eps, uint16_t n,
			   uint64_t now_ns);

/** Run the timers due at @p now_ns (retransmission, delayed ACK, persist,
 *  keepalive, TIME-WAIT) and emit what they cause. */
void shoal_tcp_advance(struct shoal_tcp *t, uint64_t now_ns);

/** Emit everything queued by API calls since the last flush (data handed
 *  to shoal_send, FINs, pending ACKs). Called by the poll loop. */
void shoal_tcp_flush(struct shoal_tcp *t);

/** Change shoal_tcp_conf.tso_max while running: where the device learns
 *  late whether it can cut segments (a vhost-user port, once its guest
 *  has negotiated). Applies to segments built from now on. */
void shoal_tcp_set_tso_max(struct shoal_tcp *t, uint32_t tso_max);

/** Listen on @p port (host order) of @p local (NULL or family NONE: any
 *  local address). 0, or -EADDRINUSE / -ENOSPC. */
int shoal_tcp_listen(struct shoal_tcp *t, const struct shoal_addr *local,
		     uint16_t port, const struct shoal_tcp_ops *ops, void *ctx);

/** Stop listening; established connections stay. */
int shoal_tcp_unlisten(struct shoal_tcp *t, const struct shoal_addr *local,
		       uint16_t port);

/**
 * Active open towards ep->remote:ep->rport from ep->local; ep->lport 0 lets
 * the engine choose (RFC 6056, filtered by conf.port_ok). Sends the SYN at
 * the next flush. NULL with rte_errno (EADDRNOTAVAIL, ENOSPC, or ENOBUFS
 * under memory pressure: try again later) on failure.
 */
struct shoal_conn *shoal_tcp_connect(struct shoal_tcp *t,
				     const struct shoal_endpoints *ep,
				     const struct shoal_tcp_ops *ops, void *ctx);

/** Queue up to @p len bytes (copied); returns how many were taken (0 when
 *  the send buffer is full: sent() calls when it has room again), or
 *  -ENOTCONN / -EPIPE, or -ENOBUFS when nothing was taken for lack of
 *  mbufs (memory pressure, conf.mbuf_reserve): no callback follows, the
 *  application tries again later (from its poll). */
int shoal_send(struct shoal_conn *c, const void *buf, uint32_t len);

/** Queue mbuf chain @p m without copying; the engine takes it on success
 *  (returns pkt_len), else returns -ENOBUFS / -ENOTCONN / -EPIPE and the
 *  caller keeps it. */
int shoal_send_mbuf(struct shoal_conn *c, struct rte_mbuf *m);

/** Whether the engine is under memory pressure (conf.mbuf_reserve):
 *  shoal_send() then takes nothing, and an application that builds its
 *  own mbufs for shoal_send_mbuf() should not take them either. */
bool shoal_tcp_mem_pressure(const struct shoal_tcp *t);

/** Bytes shoal_send() would take now. */
uint32_t shoal_send_space(const struct shoal_conn *c);

/** Send FIN after the queued data (half-close); receiving continues. */
int shoal_shutdown(struct shoal_conn *c);

/** Shutdown and let go: no more callbacks but closed(); the engine
 *  finishes the close on its own. Data arriving afterwards gets a RST. */
int shoal_close(struct shoal_conn *c);

/** Send RST and drop the connection now; closed() is called. */
void shoal_abort(struct shoal_conn *c);

void shoal_conn_set_ctx(struct shoal_conn *c, void *ctx);
void *shoal_conn_ctx(const struct shoal_conn *c);
/** The connection's 4-tuple, local end first (a copy: the engine keeps
 *  the 12 bytes of IPv4's tuple, not the struct). */
struct shoal_endpoints shoal_conn_endpoints(const struct shoal_conn *c);
enum shoal_tcp_state shoal_conn_state(const struct shoal_conn *c);
/** Switch Nagle off (true) or on (false) for this connection. */
void shoal_conn_set_nodelay(struct shoal_conn *c, bool nodelay);

/**
 * Keepalive (RFC 9293 3.8.4, RFC 1122 4.2.3.6): after @p idle_ns without
 * a segment from the peer, probe every @p intvl_ns; after @p probes
 * unanswered probes the connection is reset with ETIMEDOUT. @p idle_ns 0
 * switches keepalive off (the default). Both times are rounded up to whole
 * milliseconds (at most 24 days), @p probes is capped at 255.
 */
void shoal_conn_set_keepalive(struct shoal_conn *c, uint64_t idle_ns,
			      uint64_t intvl_ns, uint32_t probes);

/**
 * Receive-window backpressure. Data is handed to recv() as it arrives (zero
 * copy); an application that cannot pass it on at once (a slow stdout, a
 * full downstream queue) reports the bytes it still holds with
 * shoal_conn_hold() and, as it lets them go, shoal_conn_consumed(). The
 * window the engine advertises is conf.rcvbuf minus the bytes held, so a
 * peer that outruns the application sees the window close (a zero window
 * once rcvbuf bytes are held) instead of the application buffering without
 * bound. The window's right edge never moves left (RFC 9293 3.8.6): what
 * was offered is still accepted. While data is held, the right edge only
 * moves right by at least min(rcvbuf / 2, MSS) (receiver SWS avoidance,
 * RFC 1122 4.2.3.3), and shoal_conn_consumed() sends a window update once
 * the window opened by at least 2 MSS or half of rcvbuf, whichever is less.
 * Calls are cheap (a counter); call them from any callback or between
 * polls on the connection's worker.
 */
void shoal_conn_hold(struct shoal_conn *c, uint32_t bytes);
/** The application let go of @p bytes it had reported with
 *  shoal_conn_hold(); may schedule a window update (sent at the next
 *  flush). */
void shoal_conn_consumed(struct shoal_conn *c, uint32_t bytes);
/** Bytes the application holds (shoal_conn_hold minus consumed). */
uint32_t shoal_conn_held(const struct shoal_conn *c);

/** Per-connection figures. */
struct shoal_conn_info {
	enum shoal_tcp_state state;
	uint32_t mss;			/**< effective send MSS */
	uint32_t cwnd, ssthresh;	/**< bytes */
	uint32_t snd_wnd;		/**< peer's window, bytes */
	uint32_t srtt_us, rttvar_us, rto_us;
	uint64_t bytes_sent, bytes_acked, bytes_received;
	uint32_t retransmits;
	bool sack, wscale, timestamps;	/**< negotiated */
};
void shoal_conn_info(const struct shoal_conn *c, struct shoal_conn_info *info);

/**
 * Engine counters, one X-macro list. Besides the obvious ones:
 * - syncookies_sent / _ok / _failed: SYN-ACKs carrying a cookie, ACKs whose
 *   cookie validated (a connection was made), ACKs in LISTEN whose cookie
 *   did not (answered with a rate-limited RST, RFC 9293 3.10.7.2);
 * - rst_ratelimited: RSTs for unknown segments suppressed by conf.rst_rate;
 * - conn_limit_drops: SYNs or cookie ACKs that found every control block
 *   (conf.max_conns) in use and no cookie could stand in;
 * - timewait_recycled: TIME-WAITs ended before 2 MSL to keep
 *   conf.tw_free control blocks free for new connections, those closest
 *   to their end first, as FreeBSD's tcp_tw_2msl_scan() reused them
 *   (Linux ends TIME-WAIT at once past tcp_max_tw_buckets);
 * - syn_backlog_drops: SYNs beyond conf.backlog with cookies off;
 * - ooo_bytes_dropped / ooo_segs_dropped: out-of-order data refused by
 *   conf.reass_max / conf.reass_max_segs;
 * - sndbuf_full: shoal_send / shoal_send_mbuf calls cut short or refused
 *   by conf.sndbuf;
 * - no_ext: a SACK scoreboard or reassembly queue was needed but the
 *   control blocks' extension pool (max_conns / 4) was empty: the SACK
 *   blocks were ignored, the out-of-order data dropped;
 * - rcv_window_updates: window updates sent because the application
 *   consumed held data (shoal_conn_consumed); zero_windows_sent: segments
 *   that advertised a zero window;
 * - loss_probes: probe timeouts that fired (conf.loss_probes), each
 *   sending one segment: new data, the last segment, or the first hole.
 * - mem_*: what memory pressure (conf.mbuf_reserve) refused or let go:
 *   mem_send_refused (shoal_send calls that took less or nothing),
 *   mem_tx_deferred (data segments left for the retransmission timer),
 *   mem_syn_drops (SYNs to listeners dropped), mem_connect_refused
 *   (active opens refused with ENOBUFS), mem_ooo_drops (out-of-order
 *   segments dropped, with the reassembly queue they would join).
 */
#define SHOAL_TCP_COUNTERS(X) \
	X(active_opens) X(passive_opens) X(established) X(closed) \
	X(attempt_fails) X(resets_rx) X(resets_tx) X(conn_timeouts) \
	X(segs_rx) X(segs_tx) X(bytes_rx) X(bytes_tx) X(acks_tx) \
	X(retransmits) X(fast_retransmits) X(rto_fires) X(sack_recoveries) \
	X(dup_acks_rx) X(ooo_segs) X(ooo_bytes_dropped) X(persist_probes) \
	X(challenge_acks) X(paws_drops) X(delayed_acks) \
	X(syn_backlog_drops) X(no_listener) X(bad_segs) X(out_of_window) \
	X(timewait_reuse) X(no_cb) X(no_mbuf) X(hdr_predicted) \
	X(keepalive_probes) X(keepalive_drops) X(no_ack_drops) X(data_after_fin) \
	X(syncookies_sent) X(syncookies_ok) X(syncookies_failed) \
	X(syncookies_over_half_open) X(syncookies_data_dropped) \
	X(rst_ratelimited) X(conn_limit_drops) X(ooo_segs_dropped) \
	X(sndbuf_full) X(rcv_window_updates) X(zero_windows_sent) X(no_ext) \
	X(loss_probes) X(mem_send_refused) X(mem_tx_deferred) X(mem_syn_drops) \
	X(mem_connect_refused) X(mem_ooo_drops) X(tso_segs_tx) X(lro_segs_rx) \
	X(timewait_recycled)

struct shoal_tcp_stats {
#define SHOAL_TCP_STAT_FIELD(n) uint64_t n;
	SHOAL_TCP_COUNTERS(SHOAL_TCP_STAT_FIELD)
#undef SHOAL_TCP_STAT_FIELD
	uint64_t conns_open;		/**< control blocks in use now */
	uint64_t conns_timewait;	/**< of which in TIME-WAIT */
};

/** Copy the engine's counters into @p s. */
void shoal_tcp_stats(const struct shoal_tcp *t, struct shoal_tcp_stats *s);

/** Add every counter of @p src into @p dst. */
void shoal_tcp_stats_add(struct shoal_tcp_stats *dst,
			 const struct shoal_tcp_stats *src);

/** What an engine holds now: for leak checks once its connections ended. */
struct shoal_tcp_usage {
	uint64_t cbs;		/**< control blocks out of the pool */
	uint64_t cbs_timewait;	/**< of which in TIME-WAIT (held by design) */
	uint64_t cbs_half_open;	/**< of which SYN-RECEIVED children of a
				     listener (bounded by its backlog, time
				     out on their own) */
	uint64_t exts;		/**< control-block extensions out of their pool */
	uint64_t snd_bytes;	/**< bytes in send buffers */
	uint64_t reass_bytes;	/**< out-of-order bytes held for reassembly */
};

/** Fill @p u; walks every connection (not for the fast path). */
void shoal_tcp_usage(const struct shoal_tcp *t, struct shoal_tcp_usage *u);

/** Print the non-zero counters, one per line, each prefixed by @p indent. */
void shoal_tcp_stats_dump(FILE *f, const struct shoal_tcp_stats *s,
			  const char *indent);

/** Print every connection (state, sequence numbers, windows). */
void shoal_tcp_dump(FILE *f, const struct shoal_tcp *t);

#ifdef __cplusplus
}
#endif

#endif /* SHOAL_TCP_H */
