/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef SHOAL_NET_NET_H
#define SHOAL_NET_NET_H

/**
 * @file
 * The network layer below TCP: Ethernet demultiplexing, ARP, IPv4 input
 * and output, ICMP echo. Everything runs on one worker, with that worker's
 * clock (w->now_ns) and counters; every packet is either passed on or
 * dropped with a reason (worker_drop).
 */

#include <stdint.h>

#include <rte_byteorder.h>
#include <rte_mbuf.h>

#include <shoal/addr.h>
#include "stack/worker.h"

/**
 * Handle one received frame. m->port names the ethdev port and so the
 * interface; on an L3 (TUN) interface the frame is a bare IPv4 packet.
 * Consumes @p m in every case.
 */
void net_input(struct shoal_worker *w, struct rte_mbuf *m);

/** Periodic work at w->now_ns (neighbour timers); cheap when nothing is due. */
void net_tick(struct shoal_worker *w);

/**
 * Send a gratuitous ARP (RFC 5227 announcement) for every local address of
 * @p ifc, at most NET_ANNOUNCE_MAX of them. No-op on an L3 interface.
 */
void arp_announce(struct shoal_worker *w, struct shoal_iface *ifc);

/** Most addresses one arp_announce() call announces. */
#define NET_ANNOUNCE_MAX 64

/**
 * Send transport packet @p m (data starts at the L4 header; may be a
 * chain) from @p src to @p dst as protocol @p proto.
 *
 * @p src 0 means the first interface's first address. The interface is
 * the one owning @p src (else the first); the next hop is @p dst when
 * on-link, else the interface's gateway. For IPPROTO_TCP the checksum
 * field must be zero: it is filled in software or left to the NIC with the
 * pseudo-header sum, as the interface's offloads allow.
 *
 * @return 0 when the packet was queued for transmission (or for neighbour
 * resolution), else a negative errno (-ENETUNREACH, -ENOBUFS, -ENOSPC,
 * -EMSGSIZE, -EINVAL) after the drop was counted. @p m is consumed either
 * way.
 */
int ipv4_output(struct shoal_worker *w, struct rte_mbuf *m, rte_be32_t src,
		rte_be32_t dst, uint8_t proto);

/**
 * ipv4_output() for a TCP segment (@p src not 0): the same packet, faster
 * on a path used before (a per-worker cache of header templates, voided
 * by any neighbour change).
 */
int ipv4_output_tcp(struct shoal_worker *w, struct rte_mbuf *m,
		    rte_be32_t src, rte_be32_t dst);

/**
 * Deliver a valid TCP segment: @p m starts at the TCP header and holds
 * exactly the segment (header and payload, checksum verified); @p ep is
 * local = destination, remote = source. Defined by the layer above
 * (lib/stack), not here; it owns @p m.
 */
void net_tcp_input(struct shoal_worker *w, struct rte_mbuf *m,
		   const struct shoal_endpoints *ep);

#endif /* SHOAL_NET_NET_H */
