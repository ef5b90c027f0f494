/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef GEN_FAKE_TCP_H
#define GEN_FAKE_TCP_H

/*
 * A stand-in for the TCP engine and the stack's worker accessors, so the
 * load generator's profiles run client against server inside one test
 * process: connections pair up at once, data, ACKs, FINs and RSTs are
 * events delivered in order by fake_step(). It keeps tcp.h's contract
 * (callbacks from the engine's own calls, closed() last, data to a closed
 * socket answered with RST) and nothing else: no loss, no timing.
 */

#include <stdbool.h>
#include <stdint.h>

#include <shoal/shoal.h>

/* Send buffer per connection, bytes. */
#define FAKE_SNDBUF 65536

struct fake_stats {
	uint64_t conns, resets, bytes;
	uint64_t first_fin_client;	/* active closes by the opener */
	uint64_t first_fin_server;	/* active closes by the acceptor */
	uint64_t extbuf_segs;		/* shoal_send_mbuf: attached, not copied */
};

/* Set up: mbuf pool (EAL must be up) and an empty engine. */
struct shoal_tcp *fake_tcp_init(struct rte_mempool *pool);

/* Deliver queued events, at most @p max; returns how many. */
unsigned int fake_step(unsigned int max);

/* Flip one bit of the @p n-th payload byte sent from now (1-based), 0: off. */
void fake_corrupt_byte(uint64_t n);

/* Local addresses shoal_local_addrs() reports. */
void fake_set_local(rte_be32_t first, uint32_t count);

extern struct fake_stats fake_stats;

#endif /* GEN_FAKE_TCP_H */
