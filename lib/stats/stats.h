/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef SHOAL_STATS_H
#define SHOAL_STATS_H

/*
 * Per-worker counters. One X-macro list generates the enum, the names and
 * the counter array, as Linux does for its drop reasons: adding a reason
 * is one line here and it shows up in dumps, telemetry and JSON.
 */

#include <stdint.h>
#include <stdio.h>

/* Plain event counters. rx_nombuf: packets the ports could not receive
 * for want of an mbuf to refill their RX rings with (the ports' own
 * count, added when the stack's counters are read). polls_busy and
 * polls_idle: turns of the worker loop that found work and that did not.
 * cycles_*: TSC cycles of the worker loop and of its phases, counted only
 * with shoal_conf.cycles (two TSC reads a phase): receive calls, input
 * (the stack, the TCP engine and the application's callbacks, and any TX
 * burst a full batch forces), timers, the application's poll, the engine's
 * flush of what the poll queued, and transmit calls, each over the turns
 * that found work; cycles_idle, the whole of the turns that found none;
 * cycles_loop, every cycle of the loop, sleeps and counter publication
 * included. */
#define SHOAL_COUNTERS(X) \
	X(rx_packets) \
	X(rx_bytes) \
	X(tx_packets) \
	X(tx_bytes) \
	X(arp_rx_requests) \
	X(arp_rx_replies) \
	X(arp_tx_requests) \
	X(arp_tx_replies) \
	X(arp_tx_gratuitous) \
	X(neigh_added) \
	X(neigh_expired) \
	X(neigh_queued) \
	X(ipv4_rx) \
	X(ipv4_tx) \
	X(icmp_echo_requests) \
	X(icmp_echo_replies) \
	X(rx_cksum_offloaded) \
	X(tx_cksum_offloaded) \
	X(arp_tx_failed) \
	X(tcp_rx_segments) \
	X(arp_rx_shared) \
	X(rx_nombuf) \
	X(polls_busy) \
	X(polls_idle) \
	X(cycles_loop) \
	X(cycles_idle) \
	X(cycles_rx) \
	X(cycles_input) \
	X(cycles_timers) \
	X(cycles_app) \
	X(cycles_flush) \
	X(cycles_tx)

/* Why a packet was dropped. Every drop in the stack names one of these. */
#define SHOAL_DROP_REASONS(X) \
	X(ETH_TRUNCATED, "eth_truncated") \
	X(ETH_NOT_FOR_US, "eth_not_for_us") \
	X(ETH_UNKNOWN_TYPE, "eth_unknown_type") \
	X(ARP_TRUNCATED, "arp_truncated") \
	X(ARP_BAD_FORMAT, "arp_bad_format") \
	X(ARP_NOT_FOR_US, "arp_not_for_us") \
	X(IP_TRUNCATED, "ip_truncated") \
	X(IP_BAD_VERSION, "ip_bad_version") \
	X(IP_BAD_IHL, "ip_bad_ihl") \
	X(IP_BAD_TOTAL_LEN, "ip_bad_total_len") \
	X(IP_BAD_CSUM, "ip_bad_csum") \
	X(IP_TTL_ZERO, "ip_ttl_zero") \
	X(IP_BAD_SRC, "ip_bad_src") \
	X(IP_FRAGMENT, "ip_fragment") \
	X(IP_NOT_FOR_US, "ip_not_for_us") \
	X(IP_UNKNOWN_PROTO, "ip_unknown_proto") \
	X(ICMP_TRUNCATED, "icmp_truncated") \
	X(ICMP_BAD_CSUM, "icmp_bad_csum") \
	X(ICMP_UNHANDLED_TYPE, "icmp_unhandled_type") \
	X(TCP_NOT_ENABLED, "tcp_not_enabled") \
	X(NO_ROUTE, "no_route") \
	X(NEIGH_QUEUE_FULL, "neigh_queue_full") \
	X(NEIGH_UNRESOLVED, "neigh_unresolved") \
	X(NO_MBUF, "no_mbuf") \
	X(TX_FULL, "tx_full") \
	X(NEIGH_TABLE_FULL, "neigh_table_full") \
	X(TCP_TRUNCATED, "tcp_truncated") \
	X(TCP_BAD_OFFSET, "tcp_bad_offset") \
	X(TCP_BAD_CSUM, "tcp_bad_csum") \
	X(NO_HEADROOM, "no_headroom") \
	X(IP_TOO_BIG, "ip_too_big")

enum shoal_drop {
#define SHOAL_DROP_ENUM(id, name) SHOAL_DROP_##id,
	SHOAL_DROP_REASONS(SHOAL_DROP_ENUM)
#undef SHOAL_DROP_ENUM
	SHOAL_DROP_MAX
};

struct shoal_stats {
#define SHOAL_COUNTER_FIELD(name) uint64_t name;
	SHOAL_COUNTERS(SHOAL_COUNTER_FIELD)
#undef SHOAL_COUNTER_FIELD
	uint64_t drops[SHOAL_DROP_MAX];
};

/** Name of a drop reason, as printed and exported ("ip_bad_csum"). */
const char *shoal_drop_name(enum shoal_drop reason);

/** Add every counter of @p src into @p dst. */
void shoal_stats_add(struct shoal_stats *dst, const struct shoal_stats *src);

/** Total of all drop counters. */
uint64_t shoal_stats_total_drops(const struct shoal_stats *s);

/** Print the non-zero counters, one per line, each prefixed by @p indent. */
void shoal_stats_dump(FILE *f, const struct shoal_stats *s, const char *indent);

#endif /* SHOAL_STATS_H */
