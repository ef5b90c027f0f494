/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef SHOAL_TESTS_TCP_WIRE_H
#define SHOAL_TESTS_TCP_WIRE_H

/*
 * The virtual wire: one engine under test, a virtual clock, an output hook
 * that captures every emitted segment, and a recording application. Tests
 * read like packet traces (smoltcp style): send(SEG(...)) a segment from
 * the peer, expect(SEG(...)) exactly the next emitted segment,
 * expect_none(), advance(ms).
 *
 * The engine is at 198.18.0.1:80, the peer at 198.18.0.2:40000. ISNs are
 * fixed: ours W_ISS, the peer's P_ISS (tests may change both).
 */

#include <stdbool.h>
#include <stdint.h>
#include <sys/socket.h>	/* before the send() macro below */

#include <criterion/criterion.h>

#include <shoal/tcp.h>
#include "tcp/tcp_impl.h"

#define W_ISS	10000u
#define P_ISS	5000u
#define W_PORT	80
#define P_PORT	40000
#define W_ADDR	0xc6120001u	/* 198.18.0.1 */
#define P_ADDR	0xc6120002u	/* 198.18.0.2 */

#define FIN	TH_FIN
#define SYN	TH_SYN
#define RST	TH_RST
#define PSH	TH_PSH
#define ACK	TH_ACK

#define MS	1000000ULL

/* A segment, to send or to expect. For expect, win -1 means any, and
 * options are compared unless any_opts; tsval unless any_tsval. Payload
 * NULL means the sequence-derived pattern (pat()). */
struct seg {
	uint8_t flags;
	uint32_t seq, ack;
	int32_t win;
	int32_t mss;		/* -1: absent */
	int32_t ws;		/* -1: absent */
	bool sackok;
	bool ts;
	uint32_t tsval, tsecr;
	bool any_tsval;
	bool any_opts;
	uint8_t nsack;
	uint32_t sack[4][2];
	uint32_t len;
	const void *data;
	bool raw_ws;		/* send: put ws as given, even above 14 */
};

#define SEG(...) ((struct seg){ .win = -1, .mss = -1, .ws = -1, \
				.any_tsval = true, __VA_ARGS__ })

struct wire_app {
	unsigned int accepted, connected, peer_closed, closed, resets;
	int reset_err;
	unsigned int recv_calls, sent_calls;
	uint64_t acked;
	uint8_t *rx;
	uint32_t rxlen, rxcap;
	/* Hooks a test may set to act from inside callbacks. */
	void (*on_recv)(struct shoal_conn *c);
	void (*on_accept)(struct shoal_conn *c);
	void (*on_peer_closed)(struct shoal_conn *c);
	void (*on_sent)(struct shoal_conn *c);
};

struct wire {
	struct shoal_tcp *eng;
	struct shoal_tcp_conf conf;
	struct rte_mempool *pool;
	uint64_t now;
	struct shoal_endpoints ep;	/* engine's view */
	struct shoal_endpoints peer;	/* peer's view */
	struct rte_mbuf *out[4096];
	unsigned int nout, head;
	struct shoal_conn *conn;
	struct shoal_tcp_ops ops;
	struct wire_app app;
	uint32_t app_seq;		/* next stream byte the app writes */
	bool started;
};

extern struct wire *W;

/* Process-wide EAL (once per test process: Criterion forks per test). */
void wire_eal_init(void);
struct rte_mempool *wire_pool(void);

/* Engine configuration before wire_start(): tests edit W->conf. */
void wire_init(void);
void wire_start(void);
void wire_fini(void);

/* The pattern byte at sequence number s. */
static inline uint8_t
pat(uint32_t s)
{
	return (uint8_t)((s * 2654435761u) >> 24);
}

struct rte_mbuf *seg_build(const struct seg *s, const struct shoal_endpoints *from);
void wire_send_at(const struct seg *s, const char *file, int line);
void wire_send_burst(const struct seg *s, unsigned int n);
void wire_expect_at(const struct seg *s, const char *file, int line);
void wire_expect_none_at(const char *file, int line);
/* Pop the next emitted segment parsed (NULL when none). */
bool wire_next(struct tcp_seg *s, struct rte_mbuf **m);
void wire_drain(void);
unsigned int wire_pending(void);
void advance_ns(uint64_t ns);
void flush(void);
/* The app writes n pattern bytes (by our sequence space). */
int app_send(uint32_t n);
/* The app received exactly the peer's bytes from seq start, n long. */
bool rx_is(uint32_t start, uint32_t n);

#define send(...) do { struct seg s__ = SEG(__VA_ARGS__); \
	wire_send_at(&s__, __FILE__, __LINE__); } while (0)
#define expect(...) do { struct seg s__ = SEG(__VA_ARGS__); \
	wire_expect_at(&s__, __FILE__, __LINE__); } while (0)
#define expect_none() wire_expect_none_at(__FILE__, __LINE__)
#define advance(ms) advance_ns((uint64_t)(ms) * MS)

/* State fixtures: after each, W->conn is the connection (if any) and
 * nothing is left on the wire. Peer sequence next: P_ISS + 1, ours
 * W_ISS + 1 (plus one for each FIN sent). */
void fx_listen(void);
void fx_syn_received(void);
void fx_established(void);
void fx_sack_established(void);
void fx_syn_sent(void);
void fx_established_active(void);
void fx_fin_wait_1(void);
void fx_fin_wait_2(void);
void fx_close_wait(void);
void fx_last_ack(void);
void fx_closing(void);
void fx_time_wait(void);

/* Criterion .init helpers: default conf + start + fixture. */
void setup_plain(void);
void teardown(void);

static inline enum shoal_tcp_state
conn_state(void)
{
	return shoal_conn_state(W->conn);
}

static inline struct shoal_tcp_stats
stats(void)
{
	struct shoal_tcp_stats s;

	shoal_tcp_stats(W->eng, &s);
	return s;
}

#endif
