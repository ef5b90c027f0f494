/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef SHOAL_FLOW_PORTS_H
#define SHOAL_FLOW_PORTS_H

/**
 * @file
 * Ephemeral port selection, RFC 6056 section 3.3.4 (algorithm 4, "double
 * hash"): the starting point in the range is a keyed hash of the
 * destination (so one peer cannot learn the ports used towards another),
 * and a per-bucket counter, itself randomly seeded, moves it on for every
 * pick so consecutive connections to one destination do not collide. Two
 * filters decide whether a candidate is usable: the caller's port_ok (the
 * RSS layer keeps return traffic on this worker) and "tuple not in use".
 */

#include <stdbool.h>
#include <stdint.h>

#include <rte_byteorder.h>

#include <shoal/addr.h>

#define FLOW_PORTS_TABLE 256
#define FLOW_PORTS_CACHE_BITS 4
_Static_assert(FLOW_PORTS_TABLE <= 256, "memo slot is 8 bits");

/* F and G of one IPv4 destination, as hashed last (ports.c). */
struct flow_ports_memo {
	rte_be32_t local, remote;	/* 0.0.0.0 local: a free slot */
	rte_be16_t rport;
	uint8_t slot;			/* G % FLOW_PORTS_TABLE */
	uint32_t offset;		/* F */
};

typedef bool (*flow_port_filter_fn)(void *ctx,
				    const struct shoal_endpoints *ep);

struct flow_ports {
	uint16_t lo, hi;			/**< host order, inclusive */
	uint8_t key_f[16];			/**< offset secret */
	uint8_t key_g[16];			/**< bucket secret */
	uint16_t table[FLOW_PORTS_TABLE];	/**< per-bucket counters */
	/** F and G are functions of the destination and the secrets only,
	 * and a client opens many connections to few destinations: a small
	 * direct-mapped memo spares the two SipHashes per connect. */
	struct flow_ports_memo memo[1u << FLOW_PORTS_CACHE_BITS];
};

/** Set the range and derive the secrets from @p secret (16 bytes). */
void flow_ports_init(struct flow_ports *p, uint16_t lo, uint16_t hi,
		     const uint8_t secret[16]);

/**
 * Choose ep->lport (network order) for @p ep. Every candidate must pass
 * @p ok (may be NULL) and @p is_free. 0, or -EADDRNOTAVAIL when the range
 * is exhausted for this destination.
 */
int flow_ports_pick(struct flow_ports *p, struct shoal_endpoints *ep,
		    flow_port_filter_fn ok, void *ok_ctx,
		    flow_port_filter_fn is_free, void *free_ctx);

#endif /* SHOAL_FLOW_PORTS_H */
