/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The engine: creation, the tables, control blocks' life cycle and the
 * application-facing calls. Segments are handled in input.c, built in
 * output.c; timers live in timers.c.
 */
#include <errno.h>
#include <inttypes.h>
#include <string.h>

#include <rte_errno.h>
#include <rte_log.h>
#include <rte_malloc.h>
#include <rte_mbuf_dyn.h>
#include <rte_random.h>

#include "mem.h"
#include "tcp_impl.h"
#include "flow/siphash.h"

RTE_LOG_REGISTER(tcp_logtype, shoal.tcp, NOTICE);

const struct tcp_cc_ops *const tcp_cc_algos[] = {
	[SHOAL_TCP_CC_CUBIC] = &tcp_cc_cubic,
	[SHOAL_TCP_CC_NEWRENO] = &tcp_cc_newreno,
};

static inline struct tcp_cb *
C(const struct shoal_conn *c)
{
	return (struct tcp_cb *)(uintptr_t)c;
}

static const char *const state_names[] = {
	[SHOAL_TCP_CLOSED] = "CLOSED",
	[SHOAL_TCP_LISTEN] = "LISTEN",
	[SHOAL_TCP_SYN_SENT] = "SYN-SENT",
	[SHOAL_TCP_SYN_RECEIVED] = "SYN-RECEIVED",
	[SHOAL_TCP_ESTABLISHED] = "ESTABLISHED",
	[SHOAL_TCP_FIN_WAIT_1] = "FIN-WAIT-1",
	[SHOAL_TCP_FIN_WAIT_2] = "FIN-WAIT-2",
	[SHOAL_TCP_CLOSE_WAIT] = "CLOSE-WAIT",
	[SHOAL_TCP_CLOSING] = "CLOSING",
	[SHOAL_TCP_LAST_ACK] = "LAST-ACK",
	[SHOAL_TCP_TIME_WAIT] = "TIME-WAIT",
};

const char *
shoal_tcp_state_name(enum shoal_tcp_state s)
{
	if ((unsigned int)s >= RTE_DIM(state_names))
		return "?";
	return state_names[s];
}

void
shoal_tcp_conf_init(struct shoal_tcp_conf *conf)
{
	memset(conf, 0, sizeof(*conf));
	conf->name = "tcp";
	conf->socket_id = SOCKET_ID_ANY;
	conf->hdr_room = RTE_PKTMBUF_HEADROOM;
	conf->mss = 1460;
	conf->max_conns = 16384;
	conf->tw_free = SHOAL_TCP_TW_FREE_AUTO;
	conf->max_listeners = 64;
	conf->backlog = 1024;
	conf->sndbuf = 256 * 1024;
	conf->rcvbuf = 256 * 1024;
	conf->reass_max = 0;		/* rcvbuf */
	conf->msl_ns = 30ULL * 1000000000;
	conf->rto_init_ns = 1000000000ULL;
	conf->rto_min_ns = 200000000ULL;
	conf->rto_max_ns = 120ULL * 1000000000;
	conf->delack_ns = 40000000ULL;
	conf->syn_retries = 6;
	conf->max_retries = 15;
	conf->init_cwnd = 10;
	conf->cc = SHOAL_TCP_CC_CUBIC;
	conf->nagle = true;
	conf->sack = true;
	conf->wscale = true;
	conf->timestamps = true;
	conf->loss_probes = true;
	conf->port_lo = 49152;
	conf->port_hi = 65535;
	conf->syncookies = SHOAL_TCP_SYNCOOKIES_AUTO;
	conf->rst_rate = 1000;
	conf->reass_max_segs = 0;	/* from reass_max */
}

/* ---------------------------------------------------------------------- */
/* Entry points nest (a callback may call the API); control blocks released
 * inside go on the dead list and return to the pool when the outermost
 * entry point leaves, so no caller up the stack holds a dangling pointer. */

/* Move the blocks dropped while pending to the dead list (rare: a drop
 * between a tcp_set_pending and the next flush, from an application
 * call that does not flush). */
static void
tcp_pending_reap(struct shoal_tcp *t)
{
	struct tcp_cb_list keep;
	struct tcp_cb *cb;

	tcp_list_init(&keep);
	while ((cb = tcp_list_pop(t, &t->pending)) != NULL) {
		if (cb->tf & TF_DEAD) {
			cb->tf &= ~TF_PENDING;
			tcp_list_push(t, &t->dead, cb);
		} else {
			tcp_list_push(t, &keep, cb);
		}
	}
	t->pending = keep;
	t->dead_pending = 0;
}

void
tcp_enter(struct shoal_tcp *t)
{
	t->depth++;
}

void
tcp_leave(struct shoal_tcp *t)
{
	struct tcp_cb *cb;

	if (--t->depth > 0)
		return;
	if (t->dead_pending > 0)
		tcp_pending_reap(t);
	while ((cb = tcp_list_pop(t, &t->dead)) != NULL) {
		/* tcp_drop cancelled them, but the application's closed()
		 * callback runs after that and may have poked the
		 * connection: no freed block may stay on the wheel, nor
		 * keep a sending state (its slab has one per block). */
		tcp_timer_stop_all(cb);
		if (unlikely(cb->snd_ref != 0)) {
			flow_slab_put(&t->snds, tcp_snd_held(cb));
			cb->snd_ref = 0;
		}
		flow_slab_put(&t->cbs, cb);
	}
}

void
tcp_set_pending(struct tcp_cb *cb)
{
	if (cb->tf & (TF_PENDING | TF_DEAD))
		return;
	cb->tf |= TF_PENDING;
	tcp_list_push(cb->t, &cb->t->pending, cb);
}

void
tcp_set_state(struct tcp_cb *cb, enum shoal_tcp_state s)
{
	struct shoal_tcp *t = cb->t;

	if (s == SHOAL_TCP_ESTABLISHED && cb->state != s)
		t->st.established++;
	if (s == SHOAL_TCP_TIME_WAIT)
		t->st.conns_timewait++;
	if (cb->state == SHOAL_TCP_TIME_WAIT)
		t->st.conns_timewait--;
	cb->state = s;
}

/* Tell the application its connection is gone (once). */
void
tcp_notify_closed(struct tcp_cb *cb, int err)
{
	if (!(cb->tf & TF_APP_SEEN) || (cb->tf & TF_APP_GONE))
		return;
	cb->tf |= TF_APP_GONE;
	if (err != 0 && !(cb->tf & TF_APP_CLOSED) && cb->ops->reset != NULL)
		cb->ops->reset((struct shoal_conn *)cb, cb->ctx, err);
	if (cb->ops->closed != NULL)
		cb->ops->closed((struct shoal_conn *)cb, cb->ctx);
}

void
tcp_cb_release_bufs(struct tcp_cb *cb)
{
	struct rte_mbuf *m, *next;

	if (cb->snd_ref != 0) {
		for (m = tcp_snd_held(cb)->sb_head; m != NULL; m = next) {
			next = m->next;
			m->next = NULL;
			m->nb_segs = 1;
			rte_pktmbuf_free_seg(m);
		}
		flow_slab_put(&cb->t->snds, tcp_snd_held(cb));
		cb->snd_ref = 0;
	}
	cb->sb_len = 0;
	tcp_reass_free(cb);
	/* Nothing out of order or SACKed matters any more. */
	cb->tf &= ~TF_RCV_FIN_OOO;
	if (cb->x_ref != 0) {
		flow_slab_put(&cb->t->exts, tcp_x(cb));
		cb->x_ref = 0;
	}
}

/* The cold extension, attached on first use. */
struct tcp_cb_ext *
tcp_ext_get(struct tcp_cb *cb)
{
	struct tcp_cb_ext *x;

	if (cb->x_ref != 0)
		return tcp_x(cb);
	x = flow_slab_get(&cb->t->exts);
	if (x == NULL) {
		cb->t->st.no_ext++;
		return NULL;
	}
	memset(x, 0, sizeof(*x));
	cb->x_ref = tcp_attach_ref(&cb->t->exts, x);
	return x;
}

struct tcp_cb_snd *
tcp_snd_attach(struct tcp_cb *cb)
{
	struct tcp_cb_snd *s = flow_slab_get(&cb->t->snds);

	/* One per control block: the slab cannot run dry. */
	RTE_ASSERT(s != NULL);
	memset(s, 0, sizeof(*s));
	s->high_rxt = cb->snd_una;
	s->snd_sml = cb->snd_una;
	cb->snd_ref = tcp_attach_ref(&cb->t->snds, s);
	return s;
}

/* Give the sending state back once it holds nothing but neutral values
 * (struct tcp_cb_snd): nothing buffered or in flight, no RTT being timed,
 * no recovery, and CUBIC never reduced (its state is all zero until
 * then, and after that must persist). Only at the engine's outermost
 * level, where no frame holds a pointer into it. */
void
tcp_snd_put_if_idle(struct tcp_cb *cb)
{
	struct tcp_cb_snd *s = tcp_snd_held(cb);

	if (s == NULL || cb->snd_una != cb->snd_max || s->sb_head != NULL ||
	    (cb->tf & (TF_RTT_TIMING | TF_RECOVERY | TF_PTO_FIRED)) ||
	    s->cubic.epoch_ms != 0 || s->cubic.w_max != 0 ||
	    s->cubic.w_last_max != 0 || cb->t->depth > 1)
		return;
	flow_slab_put(&cb->t->snds, s);
	cb->snd_ref = 0;
}

/* Give the extension back once it holds nothing. */
void
tcp_ext_put_if_empty(struct tcp_cb *cb)
{
	struct tcp_cb_ext *x = tcp_x(cb);

	if (x == NULL || x->nsack != 0 || x->reass != NULL ||
	    (cb->tf & TF_RCV_FIN_OOO))
		return;
	flow_slab_put(&cb->t->exts, x);
	cb->x_ref = 0;
}

/* Release the control block: out of the table, timers off, buffers freed,
 * the application told (reset with @p err, then closed). */
void
tcp_drop(struct tcp_cb *cb, int err)
{
	struct shoal_tcp *t = cb->t;

	if (cb->tf & TF_DEAD)
		return;
	if (err == ETIMEDOUT)
		t->st.conn_timeouts++;
	if (cb->state == SHOAL_TCP_SYN_SENT ||
	    cb->state == SHOAL_TCP_SYN_RECEIVED)
		t->st.attempt_fails++;
	tcp_timer_stop_all(cb);
	flow_table_del(&t->ft, cb);
	if (cb->listener != TCP_NO_LISTENER) {
		struct tcp_listener *l = tcp_cb_listener(cb);

		if (cb->state == SHOAL_TCP_SYN_RECEIVED)
			l->half_open--;
		l->refs--;
		cb->listener = TCP_NO_LISTENER;
	}
	tcp_cb_release_bufs(cb);
	tcp_set_state(cb, SHOAL_TCP_CLOSED);
	t->st.closed++;
	t->st.conns_open--;
	tcp_notify_closed(cb, err);
	cb->tf |= TF_DEAD;
	if (cb->tf & TF_PENDING)
		t->dead_pending++;	/* the flush or tcp_leave moves it */
	else
		tcp_list_push(t, &t->dead, cb);
}

/* RFC 9293 3.10.7.4: TIME-WAIT holds the tuple 2 MSL so old duplicates die;
 * the application's view of the connection ends here. */
void
tcp_enter_timewait(struct tcp_cb *cb)
{
	struct shoal_tcp *t = cb->t;

	tcp_timer_stop(cb, TCP_T_RXT);
	tcp_timer_stop(cb, TCP_T_DELACK);
	cb->tf &= ~(TF_DELACK | TF_PERSIST | TF_RECOVERY);
	cb->keep_idle_ms = 0;
	tcp_cb_release_bufs(cb);
	tcp_set_state(cb, SHOAL_TCP_TIME_WAIT);
	tcp_timer_arm(cb, TCP_T_2MSL, t->now + 2 * t->conf.msl_ns);
	tcp_notify_closed(cb, 0);
}

struct isn_in {
	struct shoal_endpoints ep;
	uint32_t label;
};

/* An IPv4 tuple packed into two SipHash blocks: the general form above
 * (44 bytes of family-tagged addresses) costs six, and both hashes run
 * for every connection opened on either side. */
struct isn_in4 {
	rte_be32_t local, remote;
	rte_be16_t lport, rport;
	uint32_t label;
};

static uint64_t
tuple_hash(const uint8_t key[16], const struct shoal_endpoints *ep,
	   rte_be16_t lport, rte_be16_t rport, uint32_t label)
{
	struct isn_in in;

	if (ep->local.family == SHOAL_AF_INET &&
	    ep->remote.family == SHOAL_AF_INET) {
		struct isn_in4 in4 = {
			.local = ep->local.v4, .remote = ep->remote.v4,
			.lport = lport, .rport = rport, .label = label,
		};

		return flow_siphash(key, &in4, sizeof(in4));
	}
	memset(&in, 0, sizeof(in));
	in.ep = *ep;
	in.ep.lport = lport;
	in.ep.rport = rport;
	in.label = label;
	return flow_siphash(key, &in, sizeof(in));
}

/* RFC 6528: ISN = M + F(localip, localport, remoteip, remoteport, secret),
 * M a 4 us clock; F is SipHash-2-4. */
uint32_t
tcp_iss(struct shoal_tcp *t, const struct shoal_endpoints *ep)
{
	if (t->fixed_iss)
		return t->iss_value;
	return (uint32_t)tuple_hash(t->isn_key, ep, ep->lport, ep->rport, 0) +
	       (uint32_t)(t->now / 4000);
}

/* RFC 7323 section 5.4: a per-connection random offset keeps TSval from
 * leaking uptime; hashing the tuple keeps it monotonic across incarnations
 * of one tuple, which the TIME-WAIT reuse rule (RFC 6191) relies on. The
 * offset depends on the address pair only, and a load generator talks to
 * few pairs: a small direct-mapped cache answers for IPv4 without hashing. */
uint32_t
tcp_ts_offset(struct shoal_tcp *t, const struct shoal_endpoints *ep)
{
	struct tcp_tsoff_slot *s;
	uint32_t off;

	if (ep->local.family != SHOAL_AF_INET ||
	    ep->remote.family != SHOAL_AF_INET)
		return (uint32_t)tuple_hash(t->ts_key, ep, 0, 0, 0x7473);
	s = &t->tsoff_cache[((ep->local.v4 ^ ep->remote.v4) * 2654435761u) >>
			    (32 - TCP_TSOFF_CACHE_BITS)];
	/* 0.0.0.0 is never a connection's address: it marks a free slot. */
	if (s->local == ep->local.v4 && s->remote == ep->remote.v4 &&
	    s->local != 0)
		return s->off;
	off = (uint32_t)tuple_hash(t->ts_key, ep, 0, 0, 0x7473);
	s->local = ep->local.v4;
	s->remote = ep->remote.v4;
	s->off = off;
	return off;
}

struct tcp_cb *
tcp_cb_new(struct shoal_tcp *t, const struct shoal_endpoints *ep)
{
	struct flow_key4 key;
	struct tcp_cb *cb;

	cb = flow_slab_get(&t->cbs);
	if (cb == NULL) {
		t->st.no_cb++;
		return NULL;
	}
	memset(cb, 0, sizeof(*cb));
	cb->t = t;
	cb->listener = TCP_NO_LISTENER;
	/* Before any probe, the peer counts as having answered the last
	 * one (persist_timeout compares the two ms times modulo 2^32). */
	cb->probe_ms = t->now_ms;
	if (flow_key4_from_ep(&key, ep) != 0) {
		flow_slab_put(&t->cbs, cb);
		return NULL;
	}
	flow_node_set(&cb->fn, &key);
	if (flow_table_add(&t->ft, cb) != 0) {
		flow_slab_put(&t->cbs, cb);
		t->st.no_cb++;
		return NULL;
	}
	flow_timer_init(&cb->tm);
	cb->smss = TCP_DEFAULT_MSS;
	cb->rcv_mss = TCP_DEFAULT_MSS;
	tcp_set_rto_ns(cb, t->conf.rto_init_ns);
	cb->ssthresh = UINT32_MAX;
	cb->ts_off = tcp_ts_offset(t, ep);
	tcp_cb_set_iss(cb, tcp_iss(t, ep));
	if (t->conf.cc == SHOAL_TCP_CC_NEWRENO)
		cb->tf |= TF_CC_NEWRENO;
	if (!t->conf.nagle)
		cb->tf |= TF_NODELAY;
	/* The window scale we would offer: smallest shift that fits rcvbuf
	 * in 16 bits (RFC 7323 2.2). */
	while (cb->rcv_wscale < TCP_MAX_WSCALE &&
	       (t->conf.rcvbuf >> cb->rcv_wscale) > 65535)
		cb->rcv_wscale++;
	t->st.conns_open++;
	return cb;
}

/* Drop @p n acknowledged bytes from the head of the send buffer. */
static void
sb_free_head(struct tcp_cb_snd *s, bool *cur_gone)
{
	struct rte_mbuf *m = s->sb_head;

	s->sb_head = m->next;
	if (m == s->sb_cur)
		*cur_gone = true;
	if (m == s->sb_tail)
		s->sb_tail = NULL;
	m->next = NULL;
	m->nb_segs = 1;
	rte_pktmbuf_free_seg(m);
}

void
tcp_sb_drop(struct tcp_cb *cb, uint32_t n)
{
	struct tcp_cb_snd *s = tcp_snd(cb);
	struct rte_mbuf *m;
	bool cur_gone = false;

	cb->sb_seq += n;
	/* bytes_acked's 2^32 wraps (shoal_conn_info) */
	if (cb->sb_seq - cb->iss - 1 < n)
		cb->snd_wraps++;
	cb->sb_len -= n;
	if (s->sb_cur_off >= n)
		s->sb_cur_off -= n;
	else
		cur_gone = true;
	while ((m = s->sb_head) != NULL && n > 0) {
		if (m->data_len > n) {
			/* In-flight clones keep their own offsets. */
			m->data_off += n;
			m->data_len -= n;
			m->pkt_len = m->data_len;
			break;
		}
		n -= m->data_len;
		sb_free_head(s, &cur_gone);
	}
	/* Empty leading segments go too, but not the tail shoal_send fills. */
	while ((m = s->sb_head) != NULL && m->data_len == 0 &&
	       m != s->sb_tail)
		sb_free_head(s, &cur_gone);
	if (cur_gone || s->sb_cur == NULL) {
		s->sb_cur = s->sb_head;
		s->sb_cur_off = 0;
	}
}

/* ---------------------------------------------------------------------- */

static int
dynfield_register(void)
{
	static const struct rte_mbuf_dynfield desc = {
		.name = "shoal_tcp_reass",
		.size = sizeof(struct tcp_reass_meta),
		.align = __alignof__(struct tcp_reass_meta),
	};

	return rte_mbuf_dynfield_register(&desc);
}

static uint32_t engine_seq;

/* One of the engine's slabs ("<tag><id>_<name>"), in lifo mode: a block
 * is taken back as soon as it is freed, so the blocks in use stay few and
 * in cache (for control blocks: a new connection takes the one closed
 * last, where first freed, first reused walks every block of max_conns
 * in turn once it has wrapped, each a miss and on 4 KB pages a TLB miss),
 * and only the peak of blocks in use at once is ever touched. */
static int
engine_slab(struct shoal_tcp *t, struct flow_slab *s, const char *tag,
	    uint32_t id, uint32_t n, uint32_t size, uint32_t link_off)
{
	char name[RTE_MEMZONE_NAMESIZE];
	int rc;

	snprintf(name, sizeof(name), "%s%u_%.12s", tag, id, t->tname);
	rc = flow_slab_init(s, name, n, size, link_off, t->conf.socket_id);
	if (rc == 0)
		s->lifo = true;
	return rc;
}

struct shoal_tcp *
shoal_tcp_create(const struct shoal_tcp_conf *conf, uint64_t now_ns)
{
	struct shoal_tcp *t;
	char name[RTE_MEMZONE_NAMESIZE];
	uint32_t id = __atomic_fetch_add(&engine_seq, 1, __ATOMIC_RELAXED);
	uint8_t zero[16] = { 0 };
	unsigned int i;
	int rc;

	if (conf == NULL || conf->pool == NULL || conf->output == NULL ||
	    conf->max_conns == 0 || conf->mss < 64 ||
	    conf->init_cwnd == 0 || conf->max_listeners == 0 ||
	    conf->max_listeners >= TCP_NO_LISTENER) {	/* a u16 index */
		rte_errno = EINVAL;
		return NULL;
	}
	/* Header room + the largest header + a copied payload must fit. */
	if (rte_pktmbuf_data_room_size(conf->pool) <
	    (uint32_t)conf->hdr_room + TCP_MAX_HDR + TCP_COPY_MAX) {
		rte_errno = EINVAL;
		return NULL;
	}
	t = rte_zmalloc_socket("shoal_tcp", sizeof(*t), RTE_CACHE_LINE_SIZE,
			       conf->socket_id);
	if (t == NULL) {
		rte_errno = ENOMEM;
		return NULL;
	}
	t->conf = *conf;
	/* Out-of-order data lies inside the window we offer: hold up to a
	 * window of it, in mbufs of 1 KB on average or more. A fixed 64
	 * mbufs threw away all but 64 of the ~2,900 segments a 4 MB window
	 * has in flight after one loss, and the transfer stalled. */
	if (t->conf.reass_max == 0)
		t->conf.reass_max = t->conf.rcvbuf;
	if (t->conf.reass_max_segs == 0)
		t->conf.reass_max_segs = RTE_MAX(64u, t->conf.reass_max / 1024);
	/* Timer deadlines are 32-bit (tcp_timer_arm): the times that arm
	 * them stay within range. */
	t->conf.rto_max_ns = RTE_MIN(t->conf.rto_max_ns, TCP_T_US_MAX_NS);
	t->conf.delack_ns = RTE_MIN(t->conf.delack_ns, TCP_T_US_MAX_NS);
	t->conf.msl_ns = RTE_MIN(t->conf.msl_ns, TCP_T_MS_MAX_NS / 2);
	/* tcp_cb.retries is a byte */
	t->conf.syn_retries = RTE_MIN(t->conf.syn_retries, (uint32_t)UINT8_MAX);
	t->conf.max_retries = RTE_MIN(t->conf.max_retries, (uint32_t)UINT8_MAX);
	t->tw_headroom = t->conf.tw_free == SHOAL_TCP_TW_FREE_AUTO ?
		RTE_MIN(t->conf.max_conns / 1024, TCP_TW_HEADROOM) :
		RTE_MIN(t->conf.tw_free, TCP_TW_HEADROOM);
	tcp_set_now(t, now_ns);
	t->rst_credit_ns = 1000000000ULL;	/* a full second's burst */
	t->rst_last_ns = now_ns;
	t->out_ep.local = shoal_addr_v4(0);
	t->out_ep.remote = shoal_addr_v4(0);
	snprintf(t->tname, 13, "%.12s", conf->name ? conf->name :
		 "tcp");
	tcp_list_init(&t->pending);
	tcp_list_init(&t->dead);
	rc = dynfield_register();
	if (rc < 0)
		goto fail;
	t->reass_off = rc;

	snprintf(name, sizeof(name), "tl%u_%.12s", id, t->tname);
	rc = listen_table_init(&t->lt, name, conf->max_listeners,
			       conf->socket_id);
	if (rc < 0)
		goto fail;
	rc = engine_slab(t, &t->cbs, "tc", id, conf->max_conns,
			 sizeof(struct tcp_cb), offsetof(struct tcp_cb, fn.next));
	if (rc < 0)
		goto fail;
	snprintf(name, sizeof(name), "tf%u_%.12s", id, t->tname);
	rc = flow_table_init(&t->ft, name, &t->cbs,
			     offsetof(struct tcp_cb, fn), conf->socket_id);
	if (rc < 0)
		goto fail;
	/* Sending states, one per control block (attaching never fails),
	 * held only while sending. */
	rc = engine_slab(t, &t->snds, "ts", id, conf->max_conns,
			 sizeof(struct tcp_cb_snd),
			 offsetof(struct tcp_cb_snd, high_rxt));
	if (rc < 0)
		goto fail;
	/* Extensions are for connections in trouble (loss, reordering):
	 * tcp_ext_pool_size() says how many. */
	rc = engine_slab(t, &t->exts, "tx", id, tcp_ext_pool_size(conf),
			 sizeof(struct tcp_cb_ext),
			 offsetof(struct tcp_cb_ext, reass_bytes));
	if (rc < 0)
		goto fail;
	t->listeners = rte_zmalloc_socket("shoal_tcp_lst",
			conf->max_listeners * sizeof(t->listeners[0]), 0,
			conf->socket_id);
	if (t->listeners == NULL) {
		rc = -ENOMEM;
		goto fail;
	}
	/* 2^20 ns (~1 ms) ticks, 4096 slots: a 4 s turn covers delayed ACKs
	 * and most RTOs without a second lap. */
	rc = flow_wheel_init(&t->wheel, 12, 20, now_ns, conf->socket_id,
			     &(struct flow_timer_blocks){
				     .base = t->cbs.base,
				     .stride = t->cbs.size,
				     .off = offsetof(struct tcp_cb, tm),
				     .n = t->cbs.n },
			     tcp_timer_fire, t);
	if (rc < 0)
		goto fail;
	if (memcmp(conf->isn_key, zero, 16) == 0) {
		for (i = 0; i < 16; i += 8) {
			uint64_t r = rte_rand();

			memcpy(t->isn_key + i, &r, 8);
		}
	} else {
		memcpy(t->isn_key, conf->isn_key, 16);
	}
	for (i = 0; i < 16; i += 8) {
		uint64_t v = flow_siphash(t->isn_key, &i, sizeof(i));

		memcpy(t->ts_key + i, &v, 8);
	}
	flow_ports_init(&t->ports, conf->port_lo, conf->port_hi, t->isn_key);
	rte_log(RTE_LOG_DEBUG, tcp_logtype, "tcp engine %s: %u conns, mss %u, "
		"cc %s\n", t->tname, conf->max_conns, conf->mss,
		conf->cc == SHOAL_TCP_CC_NEWRENO ? "newreno" : "cubic");
	return t;
fail:
	shoal_tcp_free(t);
	rte_errno = -rc;
	return NULL;
}

void
shoal_tcp_free(struct shoal_tcp *t)
{
	struct tcp_cb *cb;
	struct flow_iter iter = FLOW_ITER_INIT;

	if (t == NULL)
		return;
	if (t->ft.heads != NULL) {
		tcp_enter(t);
		while ((cb = flow_table_next(&t->ft, &iter)) != NULL) {
			/* Silently: no callbacks, no RST. */
			cb->tf |= TF_APP_GONE;
			tcp_drop(cb, 0);
		}
		tcp_leave(t);
		flow_table_free(&t->ft);
	}
	if (t->lt.h != NULL)
		listen_table_free(&t->lt);
	flow_slab_free(&t->cbs);
	flow_slab_free(&t->snds);
	flow_slab_free(&t->exts);
	flow_wheel_free(&t->wheel);
	rte_free(t->listeners);
	rte_free(t);
}

/* Whether a poll finds nothing to do: no connection waits to send, none
 * to be freed. The poll loop asks on every turn, mostly to hear no. */
static inline bool
engine_quiet(const struct shoal_tcp *t)
{
	return tcp_list_empty(&t->pending) && tcp_list_empty(&t->dead);
}

/* Whether the wheel has nothing to fire at t->now: still in the tick it
 * entered last, and the earliest due timer is later. */
static inline bool
wheel_quiet(const struct shoal_tcp *t)
{
	return !flow_wheel_pending(&t->wheel, t->now);
}

/* TIME-WAIT recycling. At a CPS server's rate TIME-WAIT can hold every
 * control block (390k connections/s with a 1 s TIME-WAIT need 390k of
 * them), and then SYNs, or the ACKs of cookies, find none: the peer
 * waits out a retransmission timeout. So an engine keeps tw_headroom
 * blocks free while TIME-WAITs hold the rest, ending those the wheel
 * would end soonest, as FreeBSD's tcp_tw_2msl_scan() reused the oldest
 * when its TIME-WAIT zone ran out (Linux, past tcp_max_tw_buckets,
 * skips TIME-WAIT altogether). Blocks are freed only at the outermost
 * entry, so this runs from the poll, ahead of the next burst. */
#define TCP_TW_SCAN_MAX	4096	/* timers looked at per poll, at most */

struct tw_pick {
	struct tcp_cb *cb[TCP_TW_HEADROOM];
	unsigned int n, want;
};

static bool
tw_pick(struct flow_timer *tm, void *ctx)
{
	struct tw_pick *p = ctx;
	struct tcp_cb *cb = container_of(tm, struct tcp_cb, tm);

	if (cb->state == SHOAL_TCP_TIME_WAIT && !(cb->tf & TF_DEAD))
		p->cb[p->n++] = cb;
	return p->n < p->want;
}

static void
tw_recycle(struct shoal_tcp *t)
{
	uint32_t avail = flow_slab_avail(&t->cbs);
	struct tw_pick p = { .n = 0 };

	if (t->st.conns_timewait == 0 || t->now < t->tw_scan_after)
		return;
	p.want = (unsigned int)RTE_MIN((uint64_t)(t->tw_headroom - avail),
				       t->st.conns_timewait);
	flow_wheel_scan(&t->wheel, TCP_TW_SCAN_MAX, tw_pick, &p);
	if (p.n == 0) {
		/* TIME-WAIT is far down the wheel: not on every poll */
		t->tw_scan_after = t->now + 1000000;
		return;
	}
	tcp_enter(t);
	for (unsigned int i = 0; i < p.n; i++) {
		t->st.timewait_recycled++;
		tcp_drop(p.cb[i], 0);
	}
	tcp_leave(t);
}

void
shoal_tcp_advance(struct shoal_tcp *t, uint64_t now_ns)
{
	if (now_ns > t->now)
		tcp_set_now(t, now_ns);
	if (unlikely(flow_slab_avail(&t->cbs) < t->tw_headroom))
		tw_recycle(t);
	/* Most polls of a busy worker fall inside one 1 ms tick: skip the
	 * entry, the walk and the flush (about 80 instructions a poll). */
	if (wheel_quiet(t) && engine_quiet(t))
		return;
	tcp_enter(t);
	flow_wheel_advance(&t->wheel, t->now);
	tcp_flush_pending(t);
	tcp_leave(t);
}

bool
shoal_tcp_mem_pressure(const struct shoal_tcp *t)
{
	return tcp_mem_pressure(t);
}

void
shoal_tcp_set_tso_max(struct shoal_tcp *t, uint32_t tso_max)
{
	t->conf.tso_max = tso_max;
}

void
shoal_tcp_flush(struct shoal_tcp *t)
{
	if (engine_quiet(t))
		return;
	tcp_enter(t);
	tcp_flush_pending(t);
	tcp_leave(t);
}

/* ---------------------------------------------------------------------- */
/* Listeners */

static int
listen_addr(const struct shoal_addr *local, rte_be32_t *a)
{
	if (local == NULL || local->family == SHOAL_AF_NONE) {
		*a = 0;
		return 0;
	}
	if (local->family != SHOAL_AF_INET)
		return -EAFNOSUPPORT;
	*a = local->v4;
	return 0;
}

int
shoal_tcp_listen(struct shoal_tcp *t, const struct shoal_addr *local,
		 uint16_t port, const struct shoal_tcp_ops *ops, void *ctx)
{
	struct tcp_listener *l = NULL;
	rte_be32_t a;
	uint32_t i;
	int rc;

	rc = listen_addr(local, &a);
	if (rc < 0)
		return rc;
	/* A slot no listener and no half-open child uses. */
	for (i = 0; i < t->conf.max_listeners; i++) {
		if (!t->listeners[i].in_use && t->listeners[i].refs == 0) {
			l = &t->listeners[i];
			break;
		}
	}
	if (l == NULL)
		return -ENOSPC;
	rc = listen_table_add(&t->lt, a, rte_cpu_to_be_16(port), l);
	if (rc < 0)
		return rc;
	t->lcache = NULL;	/* it may shadow a wildcard one */
	memset(l, 0, sizeof(*l));
	if (ops != NULL)
		l->ops = *ops;
	l->ctx = ctx;
	l->addr = a;
	l->port = rte_cpu_to_be_16(port);
	l->in_use = true;
	return 0;
}

int
shoal_tcp_unlisten(struct shoal_tcp *t, const struct shoal_addr *local,
		   uint16_t port)
{
	struct flow_listen_key k;
	struct tcp_listener *l;
	void *data;
	rte_be32_t a;
	int rc;

	rc = listen_addr(local, &a);
	if (rc < 0)
		return rc;
	memset(&k, 0, sizeof(k));
	k.addr = a;
	k.port = rte_cpu_to_be_16(port);
	if (rte_hash_lookup_data(t->lt.h, &k, &data) < 0)
		return -ENOENT;
	l = data;
	listen_table_del(&t->lt, a, k.port);
	t->lcache = NULL;
	/* Half-open children keep the slot (refs) until they finish. */
	l->in_use = false;
	return 0;
}

/* ---------------------------------------------------------------------- */
/* Active open */

/* A TIME-WAIT block whose tuple an active open may take over (Linux's
 * tcp_tw_reuse; RFC 6191 allows the same to a passive open, input.c):
 * timestamps were on, so the new connection's TSvals (the same offset for
 * the address pair, a later clock) exceed every one the peer saw on the
 * tuple, and the peer was last heard more than TCP_TW_REUSE_MS ago. A
 * client that closes first otherwise runs out of ports or control blocks
 * after 2 MSL's worth of connections. */
static struct tcp_cb *
tw_takeover(struct shoal_tcp *t, struct tcp_cb *cb)
{
	if (cb == NULL || cb->state != SHOAL_TCP_TIME_WAIT ||
	    !(cb->tf & TF_TS) || (cb->tf & TF_DEAD) ||
	    (uint32_t)(t->now_ms - cb->last_rcv_ms) < TCP_TW_REUSE_MS)
		return NULL;
	return cb;
}

static struct tcp_cb *
tuple_cb(struct shoal_tcp *t, const struct shoal_endpoints *ep)
{
	struct flow_key4 k;

	flow_key4_from_ep(&k, ep);
	return flow_table_lookup(&t->ft, &k);
}

/* Free, or held by a TIME-WAIT block we may take over. */
static bool
tuple_free(void *ctx, const struct shoal_endpoints *ep)
{
	struct shoal_tcp *t = ctx;
	struct tcp_cb *cb = tuple_cb(t, ep);

	return cb == NULL || tw_takeover(t, cb) != NULL;
}

/* With no control block left, only a takeover frees one. */
static bool
tuple_takeover(void *ctx, const struct shoal_endpoints *ep)
{
	struct shoal_tcp *t = ctx;

	return tw_takeover(t, tuple_cb(t, ep)) != NULL;
}

struct shoal_conn *
shoal_tcp_connect(struct shoal_tcp *t, const struct shoal_endpoints *ep,
		  const struct shoal_tcp_ops *ops, void *ctx)
{
	static const struct shoal_tcp_ops no_ops;
	struct shoal_endpoints e = *ep;
	struct tcp_cb *cb, *old;
	uint32_t iss = 0;
	int rc;

	if (e.local.family != SHOAL_AF_INET ||
	    e.remote.family != SHOAL_AF_INET || e.rport == 0) {
		rte_errno = EADDRNOTAVAIL;
		return NULL;
	}
	/* A new connection soon holds memory (its SYN, then its data):
	 * none while the receive reserve is touched (mem.h). */
	if (tcp_mem_pressure(t)) {
		t->st.mem_connect_refused++;
		rte_errno = ENOBUFS;
		return NULL;
	}
	if (e.lport == 0) {
		rc = flow_ports_pick(&t->ports, &e, t->conf.port_ok,
				     t->conf.port_ok_ctx,
				     t->cbs.avail == 0 ? tuple_takeover :
				     tuple_free, t);
		if (rc < 0) {
			rte_errno = EADDRNOTAVAIL;
			return NULL;
		}
	} else if (!tuple_free(t, &e)) {
		rte_errno = EADDRINUSE;
		return NULL;
	}
	old = tw_takeover(t, tuple_cb(t, &e));
	if (old != NULL) {
		/* As Linux: past anything the old connection sent, so a
		 * peer that still holds it takes the SYN as new. */
		iss = old->snd_nxt + 65535 + 2;
		t->st.timewait_reuse++;
		tcp_drop(old, 0);
		if (t->depth == 0) {	/* its block is free again now */
			tcp_enter(t);
			tcp_leave(t);
		}
	}
	cb = tcp_cb_new(t, &e);
	if (cb == NULL) {
		rte_errno = ENOSPC;
		return NULL;
	}
	if (old != NULL)
		tcp_cb_set_iss(cb, iss);
	cb->ops = ops != NULL ? ops : &no_ops;
	cb->ctx = ctx;
	cb->tf |= TF_APP_SEEN;
	if (t->conf.wscale)
		cb->tf |= TF_WSCALE;	/* offered; kept if the peer agrees */
	if (t->conf.sack)
		cb->tf |= TF_SACK;
	if (t->conf.timestamps)
		cb->tf |= TF_TS;
	cb->state = SHOAL_TCP_SYN_SENT;
	t->st.active_opens++;
	tcp_set_pending(cb);
	return (struct shoal_conn *)cb;
}

/* ---------------------------------------------------------------------- */
/* Sending */

static int
send_check(const struct tcp_cb *cb)
{
	if (cb->tf & (TF_DEAD | TF_APP_GONE))
		return -ENOTCONN;
	if (cb->tf & (TF_FIN_QUEUED | TF_APP_CLOSED))
		return -EPIPE;
	switch (cb->state) {
	case SHOAL_TCP_SYN_SENT:
	case SHOAL_TCP_SYN_RECEIVED:
	case SHOAL_TCP_ESTABLISHED:
	case SHOAL_TCP_CLOSE_WAIT:
		return 0;
	default:
		return -ENOTCONN;
	}
}

uint32_t
shoal_send_space(const struct shoal_conn *c)
{
	const struct tcp_cb *cb = C(c);
	uint32_t sndbuf = cb->t->conf.sndbuf;

	if (send_check(cb) != 0)
		return 0;
	return cb->sb_len >= sndbuf ? 0 : sndbuf - cb->sb_len;
}

static void
sb_append_seg(struct tcp_cb_snd *s, struct rte_mbuf *m)
{
	if (s->sb_tail == NULL) {
		s->sb_head = m;
		s->sb_cur = m;
		s->sb_cur_off = 0;
	} else {
		s->sb_tail->next = m;
	}
	s->sb_tail = m;
}

int
shoal_send(struct shoal_conn *c, const void *buf, uint32_t len)
{
	struct tcp_cb *cb = C(c);
	const uint8_t *p = buf;
	uint32_t space, done = 0, n;
	struct rte_mbuf *m;
	int rc;

	rc = send_check(cb);
	if (rc < 0)
		return rc;
	space = shoal_send_space(c);
	if (len > space) {
		len = space;
		cb->t->st.sndbuf_full++;
	}
	while (done < len) {
		m = cb->snd_ref != 0 ? tcp_snd_held(cb)->sb_tail : NULL;
		if (m == NULL || !(cb->tf & TF_SB_TAIL_OURS) ||
		    rte_pktmbuf_tailroom(m) == 0) {
			/* A new buffer would be held until ACKed: not out
			 * of the receive reserve (mem.h). */
			if (tcp_mem_pressure(cb->t)) {
				cb->t->st.mem_send_refused++;
				break;
			}
			m = rte_pktmbuf_alloc(cb->t->conf.pool);
			if (m == NULL) {
				cb->t->st.no_mbuf++;
				break;
			}
			/* Payload mbufs need no headroom: headers go in
			 * their own mbuf in front. */
			m->data_off = 0;
			sb_append_seg(tcp_snd(cb), m);
			cb->tf |= TF_SB_TAIL_OURS;
		}
		n = RTE_MIN(len - done, (uint32_t)rte_pktmbuf_tailroom(m));
		memcpy(rte_pktmbuf_mtod_offset(m, uint8_t *, m->data_len),
		       p + done, n);
		m->data_len += n;
		m->pkt_len += n;
		done += n;
	}
	cb->sb_len += done;
	if (done > 0)
		tcp_set_pending(cb);
	else if (len > 0)
		return -ENOBUFS;	/* no memory: no sent() will follow */
	return (int)done;
}

int
shoal_send_mbuf(struct shoal_conn *c, struct rte_mbuf *m)
{
	struct tcp_cb *cb = C(c);
	struct rte_mbuf *s, *next;
	struct tcp_cb_snd *snd;
	uint32_t len = m->pkt_len;
	int rc;

	rc = send_check(cb);
	if (rc < 0)
		return rc;
	if (cb->sb_len + len > cb->t->conf.sndbuf) {
		cb->t->st.sndbuf_full++;
		return -ENOBUFS;
	}
	snd = tcp_snd(cb);
	for (s = m; s != NULL; s = next) {
		next = s->next;
		s->next = NULL;
		s->nb_segs = 1;
		s->pkt_len = s->data_len;
		sb_append_seg(snd, s);
	}
	cb->tf &= ~TF_SB_TAIL_OURS;
	cb->sb_len += len;
	if (len > 0)
		tcp_set_pending(cb);
	return (int)len;
}

int
shoal_shutdown(struct shoal_conn *c)
{
	struct tcp_cb *cb = C(c);

	if (cb->tf & (TF_DEAD | TF_APP_GONE))
		return -ENOTCONN;
	if (cb->tf & TF_FIN_QUEUED)
		return 0;
	switch (cb->state) {
	case SHOAL_TCP_SYN_SENT:
		/* Nothing sent yet that needs a FIN: RFC 9293 3.10.4. */
		tcp_enter(cb->t);
		tcp_drop(cb, 0);
		tcp_leave(cb->t);
		return 0;
	case SHOAL_TCP_SYN_RECEIVED:
		/* FIN goes out once established (RFC 9293 3.10.4). */
		cb->tf |= TF_FIN_QUEUED;
		return 0;
	case SHOAL_TCP_ESTABLISHED:
		cb->tf |= TF_FIN_QUEUED;
		tcp_set_state(cb, SHOAL_TCP_FIN_WAIT_1);
		break;
	case SHOAL_TCP_CLOSE_WAIT:
		cb->tf |= TF_FIN_QUEUED;
		tcp_set_state(cb, SHOAL_TCP_LAST_ACK);
		break;
	default:
		return -ENOTCONN;
	}
	tcp_set_pending(cb);
	return 0;
}

int
shoal_close(struct shoal_conn *c)
{
	struct tcp_cb *cb = C(c);
	int rc = 0;

	if (cb->tf & (TF_DEAD | TF_APP_GONE | TF_APP_CLOSED))
		return -ENOTCONN;
	tcp_enter(cb->t);
	switch (cb->state) {
	case SHOAL_TCP_SYN_SENT:
		tcp_drop(cb, 0);
		break;
	case SHOAL_TCP_SYN_RECEIVED:
	case SHOAL_TCP_ESTABLISHED:
	case SHOAL_TCP_CLOSE_WAIT:
		rc = shoal_shutdown(c);
		cb->tf |= TF_APP_CLOSED;
		break;
	case SHOAL_TCP_FIN_WAIT_2:
		cb->keep_idle_ms = 0;
		/* An orphan in FIN-WAIT-2 would wait for the peer forever;
		 * bound it like Linux's tcp_fin_timeout. */
		tcp_timer_arm(cb, TCP_T_2MSL,
			       cb->t->now + 2 * cb->t->conf.msl_ns);
		/* fall through */
	default:
		cb->tf |= TF_APP_CLOSED;
		break;
	}
	tcp_leave(cb->t);
	return rc;
}

void
shoal_abort(struct shoal_conn *c)
{
	struct tcp_cb *cb = C(c);
	struct shoal_tcp *t = cb->t;

	if (cb->tf & TF_DEAD)
		return;
	tcp_enter(t);
	/* RFC 9293 3.10.5: RST in every synchronized state. */
	if (cb->state >= SHOAL_TCP_SYN_RECEIVED &&
	    cb->state != SHOAL_TCP_TIME_WAIT)
		tcp_send_rst(cb);
	cb->tf |= TF_APP_CLOSED;	/* closed() but no reset() */
	tcp_drop(cb, 0);
	tcp_leave(t);
}

void
shoal_conn_set_ctx(struct shoal_conn *c, void *ctx)
{
	C(c)->ctx = ctx;
}

void *
shoal_conn_ctx(const struct shoal_conn *c)
{
	return C(c)->ctx;
}

struct shoal_endpoints
shoal_conn_endpoints(const struct shoal_conn *c)
{
	struct shoal_endpoints ep;

	tcp_cb_ep(C(c), &ep);
	return ep;
}

enum shoal_tcp_state
shoal_conn_state(const struct shoal_conn *c)
{
	return (enum shoal_tcp_state)C(c)->state;
}

void
shoal_conn_set_nodelay(struct shoal_conn *c, bool nodelay)
{
	struct tcp_cb *cb = C(c);

	if (nodelay) {
		cb->tf |= TF_NODELAY;
		/* Held-back small segments may go now. */
		tcp_set_pending(cb);
	} else {
		cb->tf &= ~TF_NODELAY;
	}
}

void
shoal_conn_set_keepalive(struct shoal_conn *c, uint64_t idle_ns,
			 uint64_t intvl_ns, uint32_t probes)
{
	struct tcp_cb *cb = C(c);

	cb->keep_idle_ms = tcp_ns_to_ms_up(idle_ns);
	cb->keep_intvl_ms = tcp_ns_to_ms_up(intvl_ns ? intvl_ns : idle_ns);
	cb->keep_probes = RTE_MIN(probes, (uint32_t)UINT8_MAX);
	cb->keep_sent = 0;
	if (cb->state != SHOAL_TCP_ESTABLISHED &&
	    cb->state != SHOAL_TCP_CLOSE_WAIT)
		return;		/* armed when the connection establishes */
	if (idle_ns == 0) {
		tcp_timer_stop(cb, TCP_T_2MSL);
		return;
	}
	cb->last_rcv_ms = cb->t->now_ms;
	tcp_arm_keepalive(cb);
}

void
shoal_conn_hold(struct shoal_conn *c, uint32_t bytes)
{
	struct tcp_cb *cb = C(c);

	cb->rcv_held = bytes > UINT32_MAX - cb->rcv_held ? UINT32_MAX :
		       cb->rcv_held + bytes;
}

void
shoal_conn_consumed(struct shoal_conn *c, uint32_t bytes)
{
	struct tcp_cb *cb = C(c);
	uint32_t adv, now, thresh;

	cb->rcv_held = bytes > cb->rcv_held ? 0 : cb->rcv_held - bytes;
	if (cb->tf & TF_DEAD)
		return;
	switch (cb->state) {
	case SHOAL_TCP_ESTABLISHED:
	case SHOAL_TCP_FIN_WAIT_1:
	case SHOAL_TCP_FIN_WAIT_2:
		break;
	default:
		return;		/* no more data will come: nothing to open */
	}
	/* RFC 1122 4.2.3.3 / RFC 9293 3.8.6.2.2: tell the peer only when
	 * the window opened by a worthwhile amount (2 MSS, or half the
	 * buffer when that is smaller), not byte by byte. */
	adv = SEQ_GT(cb->rcv_adv, cb->rcv_nxt) ? cb->rcv_adv - cb->rcv_nxt : 0;
	now = tcp_rcv_window(cb);
	thresh = RTE_MIN(2u * cb->rcv_mss, cb->t->conf.rcvbuf / 2);
	if (now > adv && now - adv >= thresh) {
		cb->t->st.rcv_window_updates++;
		cb->tf |= TF_ACKNOW;
		tcp_set_pending(cb);
	}
}

uint32_t
shoal_conn_held(const struct shoal_conn *c)
{
	return C(c)->rcv_held;
}

void
shoal_conn_info(const struct shoal_conn *c, struct shoal_conn_info *info)
{
	const struct tcp_cb *cb = C(c);

	memset(info, 0, sizeof(*info));
	info->state = (enum shoal_tcp_state)cb->state;
	info->mss = cb->smss;
	info->cwnd = cb->cwnd;
	info->ssthresh = cb->ssthresh;
	info->snd_wnd = cb->snd_wnd;
	info->srtt_us = cb->srtt_ns / 1000;
	info->rttvar_us = cb->rttvar_ns / 1000;
	info->rto_us = cb->rto_us;
	/* Acknowledged: the send buffer's start from the first data byte,
	 * with its wraps; sent: that plus the new data beyond it that went
	 * out (retransmissions are not counted). */
	info->bytes_acked = (uint64_t)cb->snd_wraps << 32 |
		(uint32_t)(cb->sb_seq - cb->iss - 1);
	info->bytes_sent = info->bytes_acked;
	if (SEQ_GT(SEQ_MIN(cb->snd_max, tcp_sb_end(cb)), cb->sb_seq))
		info->bytes_sent += SEQ_MIN(cb->snd_max, tcp_sb_end(cb)) -
			cb->sb_seq;
	/* Received: RCV.NXT from the first data byte, less the FIN, with
	 * its wraps (in SYN-SENT nothing is known of the peer yet). */
	if (cb->state != SHOAL_TCP_SYN_SENT)
		info->bytes_received = (uint64_t)cb->rcv_wraps << 32 |
			(uint32_t)(cb->rcv_nxt - cb->irs - 1 -
				   ((cb->tf & TF_PEER_FIN) ? 1 : 0));
	info->retransmits = cb->retransmits;
	info->sack = !!(cb->tf & TF_SACK);
	info->wscale = !!(cb->tf & TF_WSCALE);
	info->timestamps = !!(cb->tf & TF_TS);
}

/* ---------------------------------------------------------------------- */
/* Counters */

void
shoal_tcp_stats(const struct shoal_tcp *t, struct shoal_tcp_stats *s)
{
	*s = t->st;
}

void
shoal_tcp_stats_add(struct shoal_tcp_stats *dst,
		    const struct shoal_tcp_stats *src)
{
#define ADD(n) dst->n += src->n;
	SHOAL_TCP_COUNTERS(ADD)
#undef ADD
	dst->conns_open += src->conns_open;
	dst->conns_timewait += src->conns_timewait;
}

void
shoal_tcp_stats_dump(FILE *f, const struct shoal_tcp_stats *s,
		     const char *indent)
{
#define DUMP(n) if (s->n != 0) \
	fprintf(f, "%s%s: %" PRIu64 "\n", indent, #n, s->n);
	SHOAL_TCP_COUNTERS(DUMP)
	DUMP(conns_open)
	DUMP(conns_timewait)
#undef DUMP
}

void
shoal_tcp_dump(FILE *f, const struct shoal_tcp *t)
{
	const struct tcp_cb *cb;
	struct flow_iter iter = FLOW_ITER_INIT;

	fprintf(f, "tcp engine %s: %u connections\n", t->tname, t->ft.count);
	while ((cb = flow_table_next(&t->ft, &iter)) != NULL) {
		fprintf(f, "  %08x:%u -> %08x:%u %s una %u nxt %u max %u "
			"wnd %u cwnd %u ssthresh %u rcv_nxt %u sb %u\n",
			rte_be_to_cpu_32(cb->fn.laddr),
			rte_be_to_cpu_16(cb->fn.lport),
			rte_be_to_cpu_32(cb->fn.raddr),
			rte_be_to_cpu_16(cb->fn.rport),
			shoal_tcp_state_name(cb->state), cb->snd_una,
			cb->snd_nxt, cb->snd_max, cb->snd_wnd, cb->cwnd,
			cb->ssthresh, cb->rcv_nxt, cb->sb_len);
	}
}

void
shoal_tcp_usage(const struct shoal_tcp *t, struct shoal_tcp_usage *u)
{
	const struct tcp_cb *cb;
	struct flow_iter iter = FLOW_ITER_INIT;

	memset(u, 0, sizeof(*u));
	u->cbs = t->cbs.n - flow_slab_avail(&t->cbs);
	u->exts = t->exts.n - flow_slab_avail(&t->exts);
	u->cbs_timewait = t->st.conns_timewait;
	for (uint32_t i = 0; i < t->conf.max_listeners; i++)
		u->cbs_half_open += t->listeners[i].half_open;
	while ((cb = flow_table_next(&t->ft, &iter)) != NULL) {
		u->snd_bytes += cb->sb_len;
		u->reass_bytes += tcp_reass_bytes(cb);
	}
}

void
tcp_test_fix_iss(struct shoal_tcp *t, uint32_t iss)
{
	t->fixed_iss = true;
	t->iss_value = iss;
}

struct tcp_cb *
tcp_test_cb(struct shoal_conn *c)
{
	return C(c);
}
