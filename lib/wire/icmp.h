/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef SHOAL_WIRE_ICMP_H
#define SHOAL_WIRE_ICMP_H

/**
 * @file
 * ICMP (RFC 792) header view over rte_icmp.h.
 */

#include <rte_icmp.h>
#include <rte_mbuf.h>

/** Size of the echo header: type, code, checksum, identifier, sequence. */
#define ICMP_ECHO_HDR_LEN sizeof(struct rte_icmp_hdr)

/**
 * The ICMP echo-sized header at offset @p off of @p m, or NULL when the
 * first segment does not hold its 8 bytes.
 */
static inline struct rte_icmp_hdr *
icmp_hdr_view(struct rte_mbuf *m, uint32_t off)
{
	if (unlikely(rte_pktmbuf_data_len(m) < off + ICMP_ECHO_HDR_LEN))
		return NULL;
	return rte_pktmbuf_mtod_offset(m, struct rte_icmp_hdr *, off);
}

#endif /* SHOAL_WIRE_ICMP_H */
