/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef SHOAL_NET_NEIGH_H
#define SHOAL_NET_NEIGH_H

/**
 * @file
 * The neighbour (ARP) table: one per worker, so no locks. Maps an on-link
 * IPv4 address to its MAC through three states:
 *
 *  - INCOMPLETE: an ARP request is out; up to NEIGH_QUEUE_LEN packets wait.
 *    The request is retried NEIGH_MAX_RETRIES times, NEIGH_RETRY_NS apart;
 *    when the last retry goes unanswered too the waiting packets are
 *    dropped (NEIGH_UNRESOLVED) and the entry removed.
 *  - REACHABLE: the MAC was confirmed by ARP within reachable_ns.
 *  - STALE: older than that. Still used to send, but the first use sends a
 *    fresh request (at most one per NEIGH_RETRY_NS) so a live neighbour
 *    confirms itself; unconfirmed for another reachable_ns, it is removed.
 *
 * Time only advances through the worker's now_ns (net_tick): nothing here
 * reads a clock.
 */

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include <rte_byteorder.h>
#include <rte_ether.h>
#include <rte_mbuf.h>

#include "stack/worker.h"

/** Packets held per unresolved neighbour. A server meets a new client
 *  address with a burst: shoal-gen's CPS client opens 256 connections at
 *  once from 16 addresses, and with 4 held the SYN-ACKs beyond them were
 *  dropped (180 of 2000 connections paid a 1 s SYN retransmission). Linux
 *  holds about a hundred (unres_qlen); 64 takes such a burst for 512
 *  bytes an entry. */
#define NEIGH_QUEUE_LEN 64
/** ARP request retries for an unresolved neighbour before giving up. */
#define NEIGH_MAX_RETRIES 3
/** Interval between those requests. */
#define NEIGH_RETRY_NS (1000ULL * 1000 * 1000)
/** net_tick looks at the table at most this often. */
#define NEIGH_TICK_NS (10ULL * 1000 * 1000)

/** Neighbour states (see the file comment). */
enum neigh_state {
	NEIGH_INCOMPLETE = 0,
	NEIGH_REACHABLE,
	NEIGH_STALE,
};

/** One neighbour. Read-only outside neigh.c. */
struct neigh_entry {
	rte_be32_t ip;			/**< the key, network order */
	struct rte_ether_addr mac;	/**< valid unless INCOMPLETE */
	uint8_t state;			/**< enum neigh_state */
	uint8_t in_use;
	uint8_t ifc;			/**< index into the worker's ifaces */
	uint8_t retries;		/**< ARP requests resent while INCOMPLETE */
	uint8_t nq;			/**< packets queued */
	uint64_t deadline_ns;		/**< next state change */
	uint64_t probe_ns;		/**< STALE: next refresh request allowed */
	struct rte_mbuf *q[NEIGH_QUEUE_LEN]; /**< IPv4 packets, no Ethernet */
};

struct neigh_table;

/**
 * Create a table of at most @p capacity entries whose confirmed MACs stay
 * REACHABLE for @p reachable_ns, in memory of NUMA @p socket.
 * Returns NULL (rte_errno set) on failure.
 */
struct neigh_table *neigh_table_create(uint32_t capacity,
				       uint64_t reachable_ns, int socket);

/** Free @p t and every packet still queued in it; NULL is accepted. */
void neigh_table_free(struct neigh_table *t);

/** The entry for @p ip, or NULL. */
const struct neigh_entry *neigh_lookup(const struct neigh_table *t,
				       rte_be32_t ip);

/** Entries in use. */
uint32_t neigh_count(const struct neigh_table *t);

/** One line per entry: address, MAC, state, queued packets. */
void neigh_dump(FILE *f, const struct neigh_table *t);

/*
 * For lib/net.
 */

/**
 * Learn @p mac for @p ip on @p ifc (RFC 826 merge). With @p create false
 * only an existing entry is updated. An INCOMPLETE entry that resolves
 * sends its queued packets. Returns true when an entry exists afterwards.
 */
bool neigh_update(struct shoal_worker *w, struct shoal_iface *ifc,
		  rte_be32_t ip, const struct rte_ether_addr *mac, bool create);

/**
 * Send IPv4 packet @p m (no Ethernet header yet, 14 bytes of headroom) to
 * on-link @p nexthop through @p ifc, resolving it first if needed.
 * Returns 0 (sent or queued) or a negative errno after counting the drop.
 */
int neigh_output(struct shoal_worker *w, struct shoal_iface *ifc,
		 rte_be32_t nexthop, struct rte_mbuf *m);

/** Run the table's timers at w->now_ns (retries, ageing, removal). */
void neigh_timer(struct shoal_worker *w);

/*
 * The MAC of @p ip while its entry is REACHABLE, else NULL. Any change of
 * an entry (learnt, moved, gone stale or away) bumps w->path_gen, which
 * voids what was built from an earlier answer (w->paths).
 */
const struct rte_ether_addr *neigh_reachable(const struct neigh_table *t,
					     rte_be32_t ip);

#endif /* SHOAL_NET_NEIGH_H */
