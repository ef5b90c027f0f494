/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef SHOAL_WIRE_IPV4_H
#define SHOAL_WIRE_IPV4_H

/**
 * @file
 * IPv4 header view, classification and builder over rte_ip.h.
 */

#include <stdbool.h>
#include <rte_byteorder.h>
#include <rte_ip.h>
#include <rte_mbuf.h>

/** Default TTL of packets shoal sends (RFC 1700's recommendation). */
#define IPV4_DEFAULT_TTL 64

/**
 * The fixed 20-byte IPv4 header at offset @p off of @p m, or NULL when the
 * first segment does not hold it. Options are checked separately
 * (ipv4_hdr_len against the data length).
 */
static inline struct rte_ipv4_hdr *
ipv4_hdr_view(struct rte_mbuf *m, uint32_t off)
{
	if (unlikely(rte_pktmbuf_data_len(m) < off + sizeof(struct rte_ipv4_hdr)))
		return NULL;
	return rte_pktmbuf_mtod_offset(m, struct rte_ipv4_hdr *, off);
}

/** The version field (4 for IPv4). */
static inline uint8_t
ipv4_version(const struct rte_ipv4_hdr *ip)
{
	return ip->version_ihl >> 4;
}

/** Header length in bytes, options included (IHL * 4). */
static inline uint32_t
ipv4_hdr_len(const struct rte_ipv4_hdr *ip)
{
	return (uint32_t)(ip->version_ihl & RTE_IPV4_HDR_IHL_MASK) *
	       RTE_IPV4_IHL_MULTIPLIER;
}

/** True for any fragment: more-fragments set or a non-zero offset. */
static inline bool
ipv4_is_fragment(const struct rte_ipv4_hdr *ip)
{
	return (ip->fragment_offset &
		RTE_BE16(RTE_IPV4_HDR_MF_FLAG | RTE_IPV4_HDR_OFFSET_MASK)) != 0;
}

/**
 * True when @p a (network order) can never be a packet's source
 * (RFC 1122 section 3.2.1.3, RFC 5735): 0.0.0.0/8, loopback 127/8,
 * multicast 224/4 and the reserved 240/4 with the limited broadcast.
 */
static inline bool
ipv4_bad_src(rte_be32_t a)
{
	uint32_t h = rte_be_to_cpu_32(a);

	return (h >> 24) == 0 || (h >> 24) == 127 || (h >> 28) >= 0xe;
}

/** Local address test: is @p a within @p first .. @p first + @p count - 1? */
static inline bool
ipv4_in_range(rte_be32_t a, rte_be32_t first, uint32_t count)
{
	return rte_be_to_cpu_32(a) - rte_be_to_cpu_32(first) < count;
}

/**
 * Fill a 20-byte header (no options) for @p l4_len bytes of @p proto;
 * checksum left zero. @p df sets don't-fragment.
 */
static inline void
ipv4_hdr_fill(struct rte_ipv4_hdr *ip, rte_be32_t src, rte_be32_t dst,
	      uint8_t proto, uint32_t l4_len, uint16_t id, bool df)
{
	ip->version_ihl = RTE_IPV4_VHL_DEF;
	ip->type_of_service = 0;
	ip->total_length = rte_cpu_to_be_16((uint16_t)(sizeof(*ip) + l4_len));
	ip->packet_id = rte_cpu_to_be_16(id);
	ip->fragment_offset = df ? RTE_BE16(RTE_IPV4_HDR_DF_FLAG) : 0;
	ip->time_to_live = IPV4_DEFAULT_TTL;
	ip->next_proto_id = proto;
	ip->hdr_checksum = 0;
	ip->src_addr = src;
	ip->dst_addr = dst;
}

#endif /* SHOAL_WIRE_IPV4_H */
