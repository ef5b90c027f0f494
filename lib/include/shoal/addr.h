/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef SHOAL_ADDR_H
#define SHOAL_ADDR_H

/**
 * @file
 * Family-tagged addresses. The TCP engine sees only these, never a bare
 * 32-bit IPv4 address, so IPv6 can follow without changing its interface.
 */

#include <stdbool.h>
#include <stdint.h>
#include <string.h>
#include <rte_byteorder.h>

/** Address family of a struct shoal_addr. */
enum shoal_af {
	SHOAL_AF_NONE = 0,
	SHOAL_AF_INET = 4,	/**< IPv4 */
	SHOAL_AF_INET6 = 6,	/**< IPv6 (reserved, not yet implemented) */
};

/** An IP address tagged with its family; bytes in network order. */
struct shoal_addr {
	uint8_t family;		/**< enum shoal_af */
	uint8_t pad[3];
	union {
		rte_be32_t v4;	/**< IPv4, network byte order */
		uint8_t v6[16];	/**< IPv6, network byte order */
	};
};

/**
 * Both ends of a transport connection as seen from this host: local and
 * remote address, local and remote port. Ports in network byte order, as
 * on the wire, so the tuple hashes and compares without conversions.
 */
struct shoal_endpoints {
	struct shoal_addr local;
	struct shoal_addr remote;
	rte_be16_t lport;
	rte_be16_t rport;
};

/** Make an IPv4 struct shoal_addr from a network-order address. */
static inline struct shoal_addr
shoal_addr_v4(rte_be32_t a)
{
	struct shoal_addr r = { .family = SHOAL_AF_INET, .v4 = a };
	return r;
}

/** True when two addresses are the same family and value. */
static inline bool
shoal_addr_eq(const struct shoal_addr *a, const struct shoal_addr *b)
{
	if (a->family != b->family)
		return false;
	if (a->family == SHOAL_AF_INET)
		return a->v4 == b->v4;
	return memcmp(a->v6, b->v6, 16) == 0;
}

#endif /* SHOAL_ADDR_H */
