/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef SHOAL_WIRE_CKSUM_H
#define SHOAL_WIRE_CKSUM_H

/**
 * @file
 * Internet checksum (RFC 1071) over mbuf chains.
 *
 * DPDK 22.11's rte_raw_cksum_mbuf() truncates each segment's 32-bit
 * partial sum to 16 bits before byte-swapping the ones that start at an odd
 * offset, losing carries: chains with odd-length segments get a wrong sum.
 * These helpers fold every partial sum to 16 bits first, then swap.
 *
 * All sums are in the machine's byte order over network-order data, like
 * rte_raw_cksum(): the 16-bit result is stored into a header as is.
 */

#include <stdint.h>
#include <string.h>

#include <rte_byteorder.h>
#include <rte_ip.h>
#include <rte_mbuf.h>

/** Fold a 32-bit one's complement accumulator to 16 bits. */
static inline uint16_t
cksum_fold(uint32_t sum)
{
	sum = (sum >> 16) + (sum & 0xffff);
	sum = (sum >> 16) + (sum & 0xffff);
	return (uint16_t)sum;
}

/**
 * One's complement sum (not inverted) of @p len bytes of chain @p m,
 * starting @p off bytes into the packet. Bytes past the chain's end are
 * not read; the caller checks @p off + @p len against pkt_len.
 */
uint16_t cksum_mbuf_raw(const struct rte_mbuf *m, uint32_t off, uint32_t len);

/**
 * Internet checksum of @p len bytes of @p m from @p off: the value to
 * store in a zeroed checksum field, or 0 when the range already holds a
 * correct checksum.
 */
static inline uint16_t
cksum_mbuf(const struct rte_mbuf *m, uint32_t off, uint32_t len)
{
	return (uint16_t)~cksum_mbuf_raw(m, off, len);
}

/**
 * One's complement sum of the IPv4 pseudo-header (RFC 9293 section 3.1,
 * RFC 768) for @p proto carrying @p l4_len bytes from @p src to @p dst.
 */
static inline uint16_t
cksum_ipv4_pseudo(rte_be32_t src, rte_be32_t dst, uint8_t proto,
		  uint32_t l4_len)
{
	uint32_t sum = 0;

	sum += (src & 0xffff) + (src >> 16);
	sum += (dst & 0xffff) + (dst >> 16);
	sum += rte_cpu_to_be_16((uint16_t)proto);
	sum += rte_cpu_to_be_16((uint16_t)l4_len);
	return cksum_fold(sum);
}

/**
 * Header checksum of option-less IPv4 header @p ip, its hdr_checksum
 * zeroed: the value to store there; over a received header as it came,
 * 0 when its checksum is right. Five 32-bit adds, where DPDK 22.11's
 * rte_ipv4_cksum() and rte_raw_cksum() loop over ten 16-bit words (~45
 * instructions a packet more, on every packet a port without IPv4
 * checksum offload sends or receives: virtio-user, vhost).
 */
static inline uint16_t
cksum_ipv4_hdr20(const struct rte_ipv4_hdr *ip)
{
	const uint8_t *p = (const uint8_t *)ip;
	uint64_t sum = 0;
	uint32_t v;

	for (unsigned int i = 0; i < sizeof(*ip); i += 4) {
		memcpy(&v, p + i, 4);
		sum += v;
	}
	sum = (sum & 0xffffffff) + (sum >> 32);
	sum = (sum & 0xffffffff) + (sum >> 32);
	return (uint16_t)~cksum_fold((uint32_t)sum);
}

/**
 * Checksum of the transport payload of @p ip: the bytes of @p m from
 * @p l4_off to the end of the chain (the caller trimmed any link padding).
 * TCP and UDP include the pseudo-header built from @p ip's addresses and
 * protocol; ICMP (which has none) does not. Returns the value to store in
 * a zeroed checksum field, or 0 when the segment's checksum is correct.
 * (UDP senders map a computed 0 to 0xffff themselves.)
 */
static inline uint16_t
cksum_ipv4_l4(const struct rte_ipv4_hdr *ip, const struct rte_mbuf *m,
	      uint32_t l4_off)
{
	uint32_t len = rte_pktmbuf_pkt_len(m) - l4_off;
	uint32_t sum = cksum_mbuf_raw(m, l4_off, len);

	if (ip->next_proto_id != IPPROTO_ICMP)
		sum += cksum_ipv4_pseudo(ip->src_addr, ip->dst_addr,
					 ip->next_proto_id, len);
	return (uint16_t)~cksum_fold(sum);
}

/**
 * Update checksum @p cksum for one 16-bit word of the covered data
 * changing from @p old to @p new (RFC 1624 eqn. 3, which never yields
 * -0 from a correct sum).
 */
static inline uint16_t
cksum_adjust16(uint16_t cksum, uint16_t old, uint16_t new)
{
	uint32_t sum = (uint16_t)~cksum;

	sum += (uint16_t)~old;
	sum += new;
	return (uint16_t)~cksum_fold(sum);
}

#endif /* SHOAL_WIRE_CKSUM_H */
