/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef SHOAL_WIRE_TCP_H
#define SHOAL_WIRE_TCP_H

/**
 * @file
 * TCP header view over rte_tcp.h: the fixed header only. Options are
 * parsed by the TCP engine (lib/tcp), which owns their meaning.
 */

#include <rte_mbuf.h>
#include <rte_tcp.h>

/** Size of the TCP header without options. */
#define TCP_HDR_MIN_LEN sizeof(struct rte_tcp_hdr)

/**
 * The fixed TCP header at offset @p off of @p m, or NULL when the first
 * segment does not hold its 20 bytes.
 */
static inline struct rte_tcp_hdr *
tcp_hdr_view(struct rte_mbuf *m, uint32_t off)
{
	if (unlikely(rte_pktmbuf_data_len(m) < off + TCP_HDR_MIN_LEN))
		return NULL;
	return rte_pktmbuf_mtod_offset(m, struct rte_tcp_hdr *, off);
}

/** Header length in bytes from the data offset field, options included. */
static inline uint32_t
tcp_hdr_len(const struct rte_tcp_hdr *th)
{
	return (uint32_t)(th->data_off >> 4) * 4;
}

#endif /* SHOAL_WIRE_TCP_H */
