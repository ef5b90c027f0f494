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

#include <shoal/addr.h>

#define FLOW_PORTS_TABLE 256

typedef bool (*flow_port_filter_fn)(void *ctx,
				    const struct shoal_endpoints *ep);

struct flow_ports {
	uint16_t lo, hi;			/**< host order, inclusive */
	uint8_t key_f[16];			/**< offset secret */
	uint8_t key_g[16];			/**< bucket secret */
	uint16_t table[FLOW_PORTS_TABLE];	/**< per-bucket counters */
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
