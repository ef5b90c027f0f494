/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef SHOAL_GEN_SYN_H
#define SHOAL_GEN_SYN_H

/*
 * Raw SYN frames for the SYN-flood profile: one template per worker with
 * everything that never changes (MACs, target, options), and a patch
 * that writes source address, source port, sequence number and IP id and
 * finishes both checksums incrementally from sums taken once over the
 * constant bytes (RFC 1071: the ones' complement sum is order-free, so
 * the variable 16-bit words are simply added). No state is kept for a
 * SYN sent: the flood creates no connection.
 */

#include <stdint.h>

#include <rte_byteorder.h>
#include <rte_ether.h>

/* Ethernet + IPv4 (20) + TCP (20 + 12 bytes of options). */
#define SYN_TCP_OPT_LEN 12
#define SYN_FRAME_LEN (RTE_ETHER_HDR_LEN + 20 + 20 + SYN_TCP_OPT_LEN)

struct syn_template {
	uint8_t frame[SYN_FRAME_LEN];
	uint32_t ip_sum;	/* IPv4 header, variable words zero */
	uint32_t tcp_sum;	/* pseudo header + TCP, variable words zero */
};

/*
 * Build the template: from @p src_mac to @p dst_mac (the target or the
 * gateway towards it), IPv4 to @p dst (network order) port @p dport
 * (network order), SYN with MSS @p mss, window scale 7 and SACK permitted.
 */
void syn_template_init(struct syn_template *t,
		       const struct rte_ether_addr *src_mac,
		       const struct rte_ether_addr *dst_mac,
		       rte_be32_t dst, rte_be16_t dport, uint16_t mss);

/*
 * Write one frame into @p out (SYN_FRAME_LEN bytes): the template with
 * source @p src, port @p sport (network order), sequence @p seq (host
 * order) and IP id @p ip_id (host order), both checksums correct.
 */
void syn_frame(const struct syn_template *t, void *out, rte_be32_t src,
	       rte_be16_t sport, uint32_t seq, uint16_t ip_id);

#endif /* SHOAL_GEN_SYN_H */
