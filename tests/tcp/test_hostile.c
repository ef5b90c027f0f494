/* SPDX-License-Identifier: BSD-3-Clause */
/* Hostile input: SYN cookies (RFC 4987), the RST rate limit, and the hard
 * limits that keep any input from growing memory without bound. */
#include "wire.h"

TestSuite(cookie, .init = setup_plain, .fini = teardown);
TestSuite(limits, .init = setup_plain, .fini = teardown);

#define D0 (W_ISS + 1)
#define P0 (P_ISS + 1)

static void
restart(void (*edit)(struct shoal_tcp_conf *c))
{
	wire_fini();
	wire_init();
	edit(&W->conf);
	wire_start();
	fx_listen();
}

static void
from_port(uint16_t port)
{
	W->peer.lport = W->ep.rport = rte_cpu_to_be_16(port);
}

/* Send a SYN, return the SYN-ACK parsed. */
static struct tcp_seg
syn_get_synack(uint32_t isn, int mss)
{
	struct tcp_seg s;

	send(.flags = SYN, .seq = isn, .mss = mss);
	cr_assert(wire_next(&s, NULL), "no SYN-ACK");
	cr_assert_eq(s.flags, SYN | ACK);
	cr_assert_eq(s.ack, isn + 1);
	return s;
}

static void
c_always(struct shoal_tcp_conf *c)
{
	c->syncookies = SHOAL_TCP_SYNCOOKIES_ALWAYS;
}

static void
c_backlog1(struct shoal_tcp_conf *c)
{
	c->backlog = 1;
}

/* The cookie connection from P_PORT carries data both ways. */
static void
works_both_ways(uint32_t cookie)
{
	send(.flags = ACK | PSH, .seq = P0, .ack = cookie + 1, .len = 100);
	cr_assert(rx_is(P0, 100));
	W->app_seq = cookie + 1;
	cr_assert_eq(app_send(10), 10);
	flush();
	expect(.flags = ACK | PSH, .seq = cookie + 1, .ack = P0 + 100,
	       .len = 10);
}

/* Backlog of one, filled from P_PORT + 1; the SYN from P_PORT then gets
 * a cookie, which is returned. */
static uint32_t
cookie_with_backlog_full(void)
{
	struct tcp_seg sa;

	restart(c_backlog1);
	from_port(P_PORT + 1);
	sa = syn_get_synack(P_ISS, 1460);
	cr_assert_eq(sa.seq, W_ISS, "first SYN gets a control block");
	from_port(P_PORT);
	sa = syn_get_synack(P_ISS, 1460);
	cr_assert_neq(sa.seq, W_ISS, "backlog full: a cookie");
	return sa.seq;
}

Test(cookie, sent_when_backlog_full_and_valid_ack_establishes)
{
	struct tcp_seg sa;
	uint32_t cookie;

	restart(c_backlog1);
	from_port(P_PORT);
	sa = syn_get_synack(P_ISS, 1460);
	cr_assert_eq(sa.seq, W_ISS, "first SYN gets a control block");
	from_port(P_PORT + 1);
	sa = syn_get_synack(P_ISS, 1460);
	cookie = sa.seq;
	cr_assert_neq(cookie, W_ISS, "backlog full: a cookie");
	cr_assert(sa.has_mss && sa.mss == 1460);
	expect_none();
	cr_assert_eq(stats().syncookies_sent, 1);
	cr_assert_eq(stats().conns_open, 1, "no state for the cookie SYN");

	send(.flags = ACK, .seq = P0, .ack = cookie + 1);
	expect_none();
	cr_assert_eq(stats().syncookies_ok, 1);
	cr_assert_eq(W->app.accepted, 1);
	cr_assert_eq(conn_state(), SHOAL_TCP_ESTABLISHED);
	cr_assert_eq(stats().established, 1);

	works_both_ways(cookie);
}

Test(cookie, off_again_when_backlog_drains)
{
	struct tcp_seg sa;

	restart(c_backlog1);
	from_port(P_PORT);
	syn_get_synack(P_ISS, 1460);
	from_port(P_PORT + 1);
	sa = syn_get_synack(P_ISS, 1460);
	cr_assert_neq(sa.seq, W_ISS);
	from_port(P_PORT);
	send(.flags = ACK, .seq = P0, .ack = W_ISS + 1);
	cr_assert_eq(W->app.accepted, 1);
	from_port(P_PORT + 2);
	sa = syn_get_synack(P_ISS, 1460);
	cr_assert_eq(sa.seq, W_ISS, "backlog has room: no cookie");
	cr_assert_eq(stats().syncookies_sent, 1);
}

/* SYN 1 gets a cookie (backlog full), the SYN-ACK is slow, the peer sends
 * the SYN again once the backlog has room and gets a control block; then
 * the cookie SYN-ACK is the one it answers. The half-open block gives way
 * to the cookie instead of resetting a connection the peer holds open. */
Test(cookie, ack_of_earlier_cookie_replaces_the_half_open_block)
{
	struct tcp_seg sa;
	uint32_t cookie = cookie_with_backlog_full();

	from_port(P_PORT + 1);
	send(.flags = ACK, .seq = P0, .ack = W_ISS + 1);	/* room again */
	cr_assert_eq(W->app.accepted, 1);
	from_port(P_PORT);
	sa = syn_get_synack(P_ISS, 1460);	/* the SYN again */
	cr_assert_eq(sa.seq, W_ISS, "backlog has room: a control block");
	cr_assert_eq(stats().conns_open, 2);

	send(.flags = ACK, .seq = P0, .ack = cookie + 1);
	expect_none();		/* no RST */
	cr_assert_eq(stats().syncookies_over_half_open, 1);
	cr_assert_eq(stats().syncookies_ok, 1);
	cr_assert_eq(stats().resets_tx, 0);
	cr_assert_eq(stats().conns_open, 2);
	cr_assert_eq(W->app.accepted, 2);
	cr_assert_eq(conn_state(), SHOAL_TCP_ESTABLISHED);
	works_both_ways(cookie);
}

/* The cookie ACK and the first data segment were lost: a later segment
 * cannot be checked (the check needs the peer's ISN, SEG.SEQ - 1 of the
 * first one). It is dropped quietly, not reset; the peer's go-back-N then
 * brings the first segment, which establishes. */
Test(cookie, later_segment_of_a_cookie_connection_is_dropped_not_reset)
{
	uint32_t cookie = cookie_with_backlog_full();

	send(.flags = ACK | PSH, .seq = P0 + 1000, .ack = cookie + 1,
	     .len = 100);
	expect_none();
	cr_assert_eq(stats().syncookies_data_dropped, 1);
	cr_assert_eq(stats().resets_tx, 0);
	send(.flags = ACK | PSH, .seq = P0, .ack = cookie + 1, .len = 100);
	cr_assert_eq(stats().syncookies_ok, 1);
	cr_assert_eq(W->app.accepted, 1);
	cr_assert(rx_is(P0, 100));
}

/* Any other ACK that does not fit a half-open block is still reset. */
Test(cookie, wrong_ack_in_syn_received_is_still_reset)
{
	struct tcp_seg sa;

	restart(c_backlog1);
	from_port(P_PORT);
	sa = syn_get_synack(P_ISS, 1460);
	cr_assert_eq(sa.seq, W_ISS);
	send(.flags = ACK, .seq = P0, .ack = W_ISS + 77);
	expect(.flags = RST, .seq = W_ISS + 77);
	cr_assert_eq(stats().syncookies_over_half_open, 0);
	cr_assert_eq(W->app.accepted, 0);
}

Test(cookie, forged_or_misdirected_ack_is_refused_with_rst)
{
	struct tcp_seg sa;

	restart(c_always);
	sa = syn_get_synack(P_ISS, 1460);
	/* Wrong cookie (the low bits only pick among the MSS entries, as
	 * in Linux: a guess must get the 24-bit hash right). */
	send(.flags = ACK, .seq = P0, .ack = sa.seq + 1 + 0x1000);
	expect(.flags = RST, .seq = sa.seq + 1 + 0x1000);
	/* Right cookie, other tuple. */
	from_port(P_PORT + 7);
	send(.flags = ACK, .seq = P0, .ack = sa.seq + 1);
	expect(.flags = RST, .seq = sa.seq + 1);
	/* Right cookie, other peer ISN. */
	from_port(P_PORT);
	send(.flags = ACK, .seq = P0 + 0x1000, .ack = sa.seq + 1);
	expect(.flags = RST, .seq = sa.seq + 1);
	expect_none();
	cr_assert_eq(stats().syncookies_failed, 3);
	cr_assert_eq(stats().syncookies_ok, 0);
	cr_assert_eq(W->app.accepted, 0);
	cr_assert_eq(stats().conns_open, 0);
	/* The real one still works. */
	send(.flags = ACK, .seq = P0, .ack = sa.seq + 1);
	cr_assert_eq(W->app.accepted, 1);
}

Test(cookie, accepted_for_two_counts_then_expires)
{
	struct tcp_seg sa;
	const uint64_t count = 1ULL << 36;

	restart(c_always);
	/* Start at a count boundary so "one count later" is exact. */
	W->now = (W->now / count + 1) * count;
	advance(0);
	sa = syn_get_synack(P_ISS, 1460);
	W->now += count;	/* the previous count: still good */
	advance(0);
	send(.flags = ACK, .seq = P0, .ack = sa.seq + 1);
	cr_assert_eq(W->app.accepted, 1);
	wire_drain();

	from_port(P_PORT + 1);
	sa = syn_get_synack(P_ISS, 1460);
	W->now += 2 * count;
	advance(0);
	wire_drain();
	send(.flags = ACK, .seq = P0, .ack = sa.seq + 1);
	expect(.flags = RST, .seq = sa.seq + 1);
	cr_assert_eq(W->app.accepted, 1);
	cr_assert_eq(stats().syncookies_failed, 1);
}

Test(cookie, encodes_mss_as_a_table_entry_at_or_below_the_peers)
{
	struct shoal_conn_info ci;
	struct tcp_seg sa;

	restart(c_always);
	sa = syn_get_synack(P_ISS, 1000);
	send(.flags = ACK, .seq = P0, .ack = sa.seq + 1);
	shoal_conn_info(W->conn, &ci);
	cr_assert_eq(ci.mss, 536);
	from_port(P_PORT + 1);
	sa = syn_get_synack(P_ISS, 100);
	send(.flags = ACK, .seq = P0, .ack = sa.seq + 1);
	shoal_conn_info(W->conn, &ci);
	cr_assert_eq(ci.mss, 64);
}

static void
c_always_opts(struct shoal_tcp_conf *c)
{
	c->syncookies = SHOAL_TCP_SYNCOOKIES_ALWAYS;
	c->timestamps = true;
	c->sack = true;
	c->wscale = true;
	c->rcvbuf = 1 << 20;	/* our shift: 5 */
}

Test(cookie, timestamps_carry_wscale_and_sack)
{
	struct shoal_conn_info ci;
	struct tcp_seg sa;
	struct tcp_cb *cb;

	restart(c_always_opts);
	send(.flags = SYN, .seq = P_ISS, .mss = 1460, .ws = 7, .sackok = true,
	     .ts = true, .tsval = 777, .tsecr = 0);
	cr_assert(wire_next(&sa, NULL));
	cr_assert(sa.has_ts && sa.tsecr == 777);
	cr_assert_eq(sa.tsval & 0x3f, 7u | 0x10u, "ws 7 + SACK in TSval");
	cr_assert(sa.has_ws && sa.ws == 5);
	cr_assert(sa.sack_ok);
	send(.flags = ACK, .seq = P0, .ack = sa.seq + 1, .win = 100, .ts = true,
	     .tsval = 778, .tsecr = sa.tsval);
	cr_assert_eq(W->app.accepted, 1);
	shoal_conn_info(W->conn, &ci);
	cr_assert(ci.sack && ci.wscale && ci.timestamps);
	cr_assert_eq(ci.mss, 1448);
	cr_assert_eq(ci.snd_wnd, 100u << 7);
	cb = tcp_test_cb(W->conn);
	cr_assert_eq(cb->rcv_wscale, 5);
	cr_assert_eq(cb->ts_recent, 778);
	/* Later TSvals do not run behind the SYN-ACK's. */
	cr_assert(SEQ_GEQ(tcp_ts_now(cb), sa.tsval));
	/* The window we advertise is scaled by 5 from now on. */
	send(.flags = ACK | PSH, .seq = P0, .ack = sa.seq + 1, .win = 100,
	     .ts = true, .tsval = 779, .tsecr = sa.tsval, .len = 10);
	advance(40);
	expect(.flags = ACK, .seq = sa.seq + 1, .ack = P0 + 10,
	       .win = (1 << 20) >> 5, .ts = true, .tsecr = 779);
}

Test(cookie, peer_without_ws_in_tsecr_gets_none)
{
	struct shoal_conn_info ci;
	struct tcp_seg sa;

	restart(c_always_opts);
	send(.flags = SYN, .seq = P_ISS, .mss = 1460, .ts = true, .tsval = 5);
	cr_assert(wire_next(&sa, NULL));
	cr_assert_eq(sa.tsval & 0x3f, 0xfu);
	cr_assert(!sa.has_ws && !sa.sack_ok);
	send(.flags = ACK, .seq = P0, .ack = sa.seq + 1, .ts = true,
	     .tsval = 6, .tsecr = sa.tsval);
	shoal_conn_info(W->conn, &ci);
	cr_assert(!ci.sack && !ci.wscale && ci.timestamps);
	cr_assert_eq(tcp_test_cb(W->conn)->rcv_wscale, 0);
}

static void
c_always_nots(struct shoal_tcp_conf *c)
{
	c->syncookies = SHOAL_TCP_SYNCOOKIES_ALWAYS;
	c->sack = true;
	c->wscale = true;
}

Test(cookie, without_timestamps_no_wscale_nor_sack_is_offered)
{
	struct shoal_conn_info ci;
	struct tcp_seg sa;

	restart(c_always_nots);
	send(.flags = SYN, .seq = P_ISS, .mss = 1460, .ws = 7, .sackok = true);
	cr_assert(wire_next(&sa, NULL));
	cr_assert(sa.has_mss && !sa.has_ws && !sa.sack_ok && !sa.has_ts);
	send(.flags = ACK, .seq = P0, .ack = sa.seq + 1);
	shoal_conn_info(W->conn, &ci);
	cr_assert(!ci.sack && !ci.wscale && !ci.timestamps);
	cr_assert_eq(ci.mss, 1460);
}

Test(cookie, ack_carrying_data_delivers_it)
{
	struct tcp_seg sa;

	restart(c_always);
	sa = syn_get_synack(P_ISS, 1460);
	send(.flags = ACK | PSH, .seq = P0, .ack = sa.seq + 1, .len = 300);
	cr_assert_eq(W->app.accepted, 1);
	cr_assert(rx_is(P0, 300));
	advance(40);
	expect(.flags = ACK, .seq = sa.seq + 1, .ack = P0 + 300);
}

static void
c_never(struct shoal_tcp_conf *c)
{
	c->syncookies = SHOAL_TCP_SYNCOOKIES_NEVER;
}

Test(cookie, never_means_plain_rst_for_acks_in_listen)
{
	struct tcp_seg sa;

	restart(c_always);
	sa = syn_get_synack(P_ISS, 1460);
	restart(c_never);
	send(.flags = ACK, .seq = P0, .ack = sa.seq + 1);
	expect(.flags = RST, .seq = sa.seq + 1);
	cr_assert_eq(stats().syncookies_failed, 0);
	cr_assert_eq(W->app.accepted, 0);
}

Test(cookie, auto_ignores_cookie_acks_when_none_were_sent)
{
	/* A listener that never overflowed gives a guessed cookie no
	 * chance at all: the ACK gets its RST without a check. */
	send(.flags = ACK, .seq = P0, .ack = 12345);
	cr_assert_eq(stats().no_listener, 1);
	expect(.flags = RST, .seq = 12345);
	fx_listen();
	send(.flags = ACK, .seq = P0, .ack = 12345);
	expect(.flags = RST, .seq = 12345);
	cr_assert_eq(stats().syncookies_failed, 0);
}

/* ---------------------------------------------------------- limits */

static void
c_max2_never(struct shoal_tcp_conf *c)
{
	c->max_conns = 2;
	c->syncookies = SHOAL_TCP_SYNCOOKIES_NEVER;
}

static void
c_max2_auto(struct shoal_tcp_conf *c)
{
	c->max_conns = 2;
}

Test(limits, max_conns_drops_syns_without_cookies)
{
	unsigned int i;

	restart(c_max2_never);
	for (i = 0; i < 5; i++) {
		from_port(P_PORT + i);
		send(.flags = SYN, .seq = P_ISS, .mss = 1460);
	}
	cr_assert_eq(wire_pending(), 2);
	wire_drain();
	cr_assert_eq(stats().conns_open, 2);
	cr_assert_eq(stats().conn_limit_drops, 3);
}

Test(limits, max_conns_falls_back_to_cookies)
{
	struct tcp_seg sa;
	unsigned int i;

	restart(c_max2_auto);
	for (i = 0; i < 2; i++) {
		from_port(P_PORT + i);
		syn_get_synack(P_ISS, 1460);
	}
	from_port(P_PORT + 2);
	sa = syn_get_synack(P_ISS, 1460);
	cr_assert_neq(sa.seq, W_ISS);
	cr_assert_eq(stats().syncookies_sent, 1);
	/* Still full when the ACK comes: counted, no connection. */
	send(.flags = ACK, .seq = P0, .ack = sa.seq + 1);
	cr_assert_eq(stats().conn_limit_drops, 1);
	cr_assert_eq(W->app.accepted, 0);
	/* One control block frees up; the same ACK, again, now fits. */
	from_port(P_PORT);
	send(.flags = ACK, .seq = P0, .ack = W_ISS + 1);
	cr_assert_eq(W->app.accepted, 1);
	shoal_abort(W->conn);
	wire_drain();
	cr_assert_eq(stats().conns_open, 1);
	from_port(P_PORT + 2);
	send(.flags = ACK, .seq = P0, .ack = sa.seq + 1);
	cr_assert_eq(W->app.accepted, 2);
	cr_assert_eq(stats().syncookies_ok, 1);
}

static void
c_rst10(struct shoal_tcp_conf *c)
{
	c->rst_rate = 10;
}

Test(limits, rsts_to_strays_are_rate_limited)
{
	unsigned int i;

	restart(c_rst10);
	shoal_tcp_unlisten(W->eng, NULL, W_PORT);
	for (i = 0; i < 25; i++)
		send(.flags = ACK, .seq = P0, .ack = 100 + i);
	cr_assert_eq(wire_pending(), 10, "one second's burst");
	wire_drain();
	cr_assert_eq(stats().rst_ratelimited, 15);
	advance(100);		/* one token */
	send(.flags = ACK, .seq = P0, .ack = 1);
	send(.flags = ACK, .seq = P0, .ack = 2);
	expect(.flags = RST, .seq = 1);
	expect_none();
	advance(5000);		/* never more than the burst */
	for (i = 0; i < 25; i++)
		send(.flags = ACK, .seq = P0, .ack = 100 + i);
	cr_assert_eq(wire_pending(), 10);
}

static void
c_reass(struct shoal_tcp_conf *c)
{
	c->reass_max_segs = 64;
}

Test(limits, tiny_out_of_order_flood_pins_bounded_mbufs)
{
	unsigned int avail, i;
	struct tcp_cb *cb;
	uint8_t b = 0x5a;

	restart(c_reass);
	W->app.accepted = 0;
	send(.flags = SYN, .seq = P_ISS, .mss = 1460);
	send(.flags = ACK, .seq = P0, .ack = D0);
	wire_drain();
	cb = tcp_test_cb(W->conn);
	avail = rte_mempool_avail_count(wire_pool());
	/* 10k one-byte segments, each beyond its own hole. */
	for (i = 0; i < 10000; i++) {
		send(.flags = ACK, .seq = P0 + 2 + 2 * i, .ack = D0, .len = 1,
		     .data = &b);
		wire_drain();
	}
	cr_assert_eq(tcp_reass_segs(cb), 64);
	cr_assert_leq(avail - rte_mempool_avail_count(wire_pool()), 64u);
	cr_assert_eq(stats().ooo_segs_dropped, 10000 - 64);
	cr_assert_eq(tcp_reass_bytes(cb), 64);
	/* Filling the first hole delivers what is contiguous. */
	send(.flags = ACK, .seq = P0, .ack = D0, .len = 1, .data = &b);
	cr_assert_eq(W->app.rxlen, 1, "the next hole still waits");
	tcp_reass_free(cb);
	wire_drain();
	cr_assert_eq(rte_mempool_avail_count(wire_pool()), avail);
}

Test(limits, adjacent_tiny_segments_share_an_mbuf)
{
	struct tcp_cb *cb;
	unsigned int i;

	fx_established();
	cb = tcp_test_cb(W->conn);
	for (i = 0; i < 1000; i++) {
		send(.flags = ACK, .seq = P0 + 10 + i, .ack = D0, .len = 1);
		wire_drain();
	}
	cr_assert_eq(tcp_reass_bytes(cb), 1000);
	cr_assert_eq(tcp_reass_segs(cb), 1);
	cr_assert_eq(stats().ooo_segs_dropped, 0);
	send(.flags = ACK, .seq = P0, .ack = D0, .len = 10);
	cr_assert(rx_is(P0, 1010));
	cr_assert_eq(tcp_reass_segs(cb), 0);
}

Test(limits, send_buffer_is_bounded)
{
	struct rte_mbuf *m;

	wire_fini();
	wire_init();
	W->conf.sndbuf = 4000;
	wire_start();
	fx_established();
	cr_assert_eq(app_send(3000), 3000);
	cr_assert_eq(app_send(3000), 1000);
	cr_assert_eq(app_send(10), 0);
	cr_assert_eq(stats().sndbuf_full, 2);
	m = rte_pktmbuf_alloc(wire_pool());
	rte_pktmbuf_append(m, 10);
	cr_assert_eq(shoal_send_mbuf(W->conn, m), -ENOBUFS);
	rte_pktmbuf_free(m);
	cr_assert_eq(stats().sndbuf_full, 3);
	cr_assert_eq(tcp_test_cb(W->conn)->sb_len, 4000);
}
