/* SPDX-License-Identifier: BSD-3-Clause */
/* The neighbour table: resolution, queueing, retries, ageing, limits. */
#include <stdio.h>
#include <stdlib.h>

#include <criterion/criterion.h>

#include "harness.h"
#include "net/neigh.h"
#include "net/net.h"

TestSuite(neigh, .init = h_setup, .fini = h_teardown);

#define SEC (1000ULL * 1000 * 1000)
#define MS (1000ULL * 1000)
#define REACHABLE (30 * SEC)

static int
send_udp(rte_be32_t dst, uint8_t tag)
{
	uint8_t payload[16];
	int ret;

	memset(payload, tag, sizeof(payload));
	ret = ipv4_output(H.w, h_l4(payload, sizeof(payload)), 0, dst,
			  IPPROTO_UDP);
	worker_tx_flush(H.w);
	return ret;
}

static void
tick_at(uint64_t t)
{
	H.w->now_ns = t;
	net_tick(H.w);
	worker_tx_flush(H.w);
}

static bool
is_arp_request_for(const struct rte_mbuf *m, rte_be32_t tip)
{
	const uint8_t *p = rte_pktmbuf_mtod(m, const uint8_t *);
	rte_be32_t t, s;

	memcpy(&t, p + 38, 4);
	memcpy(&s, p + 28, 4);
	return m->pkt_len == 42 && p[12] == 0x08 && p[13] == 0x06 &&
	       p[21] == 1 && t == tip && s == H_LOCAL &&
	       rte_is_broadcast_ether_addr((const struct rte_ether_addr *)p);
}

static unsigned int
count_requests(rte_be32_t tip)
{
	unsigned int n = 0;

	for (unsigned int i = 0; i < H.tx_n; i++)
		n += is_arp_request_for(H.tx[i], tip);
	return n;
}

static void
arp_reply_from(rte_be32_t ip, const struct rte_ether_addr *mac)
{
	uint8_t f[64];
	uint32_t n = h_frame_arp(f, &h_mac, 2, mac, ip, &h_mac, H_LOCAL);

	h_input(h_mbuf(0, f, n));
}

HTEST(neigh, create_rejects_zero_capacity)
{
	cr_assert_null(neigh_table_create(0, SEC, SOCKET_ID_ANY));
	cr_assert_null(neigh_table_create(8, 0, SOCKET_ID_ANY));
}

HTEST(neigh, empty_table)
{
	cr_assert_eq(neigh_count(H.w->neigh), 0);
	cr_assert_null(neigh_lookup(H.w->neigh, H_PEER));
}

HTEST(neigh, unresolved_next_hop_queues_and_asks)
{
	const struct neigh_entry *e;

	cr_assert_eq(send_udp(H_NEIGH, 1), 0);
	cr_assert_eq(H.tx_n, 1);
	cr_assert(is_arp_request_for(H.tx[0], H_NEIGH));
	e = neigh_lookup(H.w->neigh, H_NEIGH);
	cr_assert_not_null(e);
	cr_assert_eq(e->state, NEIGH_INCOMPLETE);
	cr_assert_eq(e->nq, 1);
	cr_assert_eq(H.w->stats.neigh_queued, 1);
	cr_assert_eq(H.w->stats.arp_tx_requests, 1);
	/* A second packet waits without a second request. */
	cr_assert_eq(send_udp(H_NEIGH, 2), 0);
	cr_assert_eq(H.tx_n, 1);
	cr_assert_eq(e->nq, 2);
}

HTEST(neigh, reply_flushes_queue_in_order)
{
	for (uint8_t i = 0; i < 3; i++)
		cr_assert_eq(send_udp(H_NEIGH, 10 + i), 0);
	h_tx_clear();
	arp_reply_from(H_NEIGH, &h_peer_mac);
	cr_assert_eq(H.tx_n, 3);
	for (uint8_t i = 0; i < 3; i++) {
		const uint8_t *p = rte_pktmbuf_mtod(H.tx[i], const uint8_t *);

		cr_assert(rte_is_same_ether_addr(
			(const struct rte_ether_addr *)p, &h_peer_mac));
		cr_assert(rte_is_same_ether_addr(
			(const struct rte_ether_addr *)(p + 6), &h_mac));
		cr_assert_eq(p[12], 0x08);
		cr_assert_eq(p[13], 0x00);
		cr_assert_eq(p[14 + 20], 10 + i, "packet %u out of order", i);
	}
	cr_assert_eq(neigh_lookup(H.w->neigh, H_NEIGH)->state, NEIGH_REACHABLE);
	cr_assert_eq(neigh_lookup(H.w->neigh, H_NEIGH)->nq, 0);
}

HTEST(neigh, queue_overflow_dropped)
{
	for (uint8_t i = 0; i < NEIGH_QUEUE_LEN; i++)
		cr_assert_eq(send_udp(H_NEIGH, i), 0);
	cr_assert_eq(send_udp(H_NEIGH, 9), -ENOBUFS);
	cr_assert_eq(h_drops(SHOAL_DROP_NEIGH_QUEUE_FULL), 1);
	cr_assert_eq(neigh_lookup(H.w->neigh, H_NEIGH)->nq, NEIGH_QUEUE_LEN);
}

HTEST(neigh, retries_then_gives_up)
{
	uint64_t t0 = H.w->now_ns;

	send_udp(H_NEIGH, 1);
	send_udp(H_NEIGH, 2);
	cr_assert_eq(count_requests(H_NEIGH), 1);
	tick_at(t0 + SEC / 2);
	cr_assert_eq(count_requests(H_NEIGH), 1, "retried too early");
	tick_at(t0 + SEC);
	cr_assert_eq(count_requests(H_NEIGH), 2);
	tick_at(t0 + 2 * SEC);
	cr_assert_eq(count_requests(H_NEIGH), 3);
	cr_assert_eq(neigh_lookup(H.w->neigh, H_NEIGH)->nq, 2);
	tick_at(t0 + 3 * SEC);
	cr_assert_eq(count_requests(H_NEIGH), 1 + NEIGH_MAX_RETRIES);
	cr_assert_eq(h_drops(SHOAL_DROP_NEIGH_UNRESOLVED), 0);
	cr_assert_not_null(neigh_lookup(H.w->neigh, H_NEIGH));
	tick_at(t0 + 4 * SEC);
	cr_assert_eq(count_requests(H_NEIGH), 1 + NEIGH_MAX_RETRIES);
	cr_assert_eq(h_drops(SHOAL_DROP_NEIGH_UNRESOLVED), 2);
	cr_assert_null(neigh_lookup(H.w->neigh, H_NEIGH));
	cr_assert_eq(neigh_count(H.w->neigh), 0);
	tick_at(t0 + 10 * SEC);
	cr_assert_eq(count_requests(H_NEIGH), 1 + NEIGH_MAX_RETRIES);
}

HTEST(neigh, table_full_dropped)
{
	neigh_table_free(H.w->neigh);
	H.w->neigh = neigh_table_create(2, REACHABLE, SOCKET_ID_ANY);
	cr_assert_not_null(H.w->neigh);
	cr_assert_eq(send_udp(H_IP(198, 18, 0, 30), 1), 0);
	cr_assert_eq(send_udp(H_IP(198, 18, 0, 31), 1), 0);
	cr_assert_eq(send_udp(H_IP(198, 18, 0, 32), 1), -ENOSPC);
	cr_assert_eq(h_drops(SHOAL_DROP_NEIGH_TABLE_FULL), 1);
	cr_assert_eq(neigh_count(H.w->neigh), 2);
	/* Learning from ARP is refused too, without harm. */
	arp_reply_from(H_IP(198, 18, 0, 33), &h_peer_mac);
	cr_assert_eq(neigh_count(H.w->neigh), 2);
	cr_assert_null(neigh_lookup(H.w->neigh, H_IP(198, 18, 0, 33)));
}

HTEST(neigh, capacity_is_exact_for_many_entries)
{
	neigh_table_free(H.w->neigh);
	H.w->neigh = neigh_table_create(300, REACHABLE, SOCKET_ID_ANY);
	for (uint32_t i = 0; i < 300; i++)
		h_neigh_learn(rte_cpu_to_be_32(H_IPH(198, 18, 1, 0) + i),
			      &h_peer_mac);
	cr_assert_eq(neigh_count(H.w->neigh), 300);
	for (uint32_t i = 0; i < 300; i++)
		cr_assert_not_null(neigh_lookup(H.w->neigh,
			rte_cpu_to_be_32(H_IPH(198, 18, 1, 0) + i)));
	cr_assert(!neigh_update(H.w, &H.ifaces[0], H_PEER, &h_peer_mac, true));
}

HTEST(neigh, reachable_goes_stale_then_expires)
{
	uint64_t t0 = H.w->now_ns;

	h_neigh_learn(H_PEER, &h_peer_mac);
	tick_at(t0 + REACHABLE - MS);
	cr_assert_eq(neigh_lookup(H.w->neigh, H_PEER)->state, NEIGH_REACHABLE);
	tick_at(t0 + REACHABLE + NEIGH_TICK_NS);
	cr_assert_eq(neigh_lookup(H.w->neigh, H_PEER)->state, NEIGH_STALE);
	tick_at(t0 + 2 * REACHABLE);
	cr_assert_not_null(neigh_lookup(H.w->neigh, H_PEER));
	tick_at(t0 + 2 * REACHABLE + 2 * NEIGH_TICK_NS);
	cr_assert_null(neigh_lookup(H.w->neigh, H_PEER));
	cr_assert_eq(H.w->stats.neigh_expired, 1);
}

HTEST(neigh, stale_entry_used_and_refreshed_once)
{
	uint64_t t0 = H.w->now_ns;

	h_neigh_learn(H_PEER, &h_peer_mac);
	tick_at(t0 + REACHABLE);
	cr_assert_eq(send_udp(H_PEER, 1), 0);
	cr_assert_eq(H.tx_n, 2, "want one refresh request and the packet");
	cr_assert_eq(count_requests(H_PEER), 1);
	cr_assert_eq(send_udp(H_PEER, 2), 0);
	cr_assert_eq(H.tx_n, 3);
	cr_assert_eq(count_requests(H_PEER), 1);
	/* The neighbour answers: reachable again. */
	arp_reply_from(H_PEER, &h_peer_mac);
	cr_assert_eq(neigh_lookup(H.w->neigh, H_PEER)->state, NEIGH_REACHABLE);
}

HTEST(neigh, confirmation_restarts_reachable_time)
{
	uint64_t t0 = H.w->now_ns;

	h_neigh_learn(H_PEER, &h_peer_mac);
	H.w->now_ns = t0 + REACHABLE / 2;
	arp_reply_from(H_PEER, &h_peer_mac);
	tick_at(t0 + REACHABLE + MS);
	cr_assert_eq(neigh_lookup(H.w->neigh, H_PEER)->state, NEIGH_REACHABLE);
	tick_at(t0 + REACHABLE / 2 + REACHABLE + 20 * MS);
	cr_assert_eq(neigh_lookup(H.w->neigh, H_PEER)->state, NEIGH_STALE);
}

HTEST(neigh, tick_looks_at_most_every_10ms)
{
	uint64_t t0 = H.w->now_ns;

	send_udp(H_NEIGH, 1);
	tick_at(t0 + SEC - MS);		/* nothing due yet */
	tick_at(t0 + SEC + MS);		/* due, but within 10 ms: skipped */
	cr_assert_eq(count_requests(H_NEIGH), 1);
	tick_at(t0 + SEC - MS + NEIGH_TICK_NS);
	cr_assert_eq(count_requests(H_NEIGH), 2);
}

HTEST(neigh, dump_lists_entries)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	h_neigh_learn(H_PEER, &h_peer_mac);
	send_udp(H_NEIGH, 1);
	neigh_dump(f, H.w->neigh);
	fclose(f);
	cr_assert(strstr(buf, "neighbours: 2 of 16") != NULL, "%s", buf);
	cr_assert(strstr(buf, "198.18.0.20") != NULL, "%s", buf);
	cr_assert(strstr(buf, "02:00:5E:00:00:20") != NULL, "%s", buf);
	cr_assert(strstr(buf, "reachable") != NULL);
	cr_assert(strstr(buf, "198.18.0.9") != NULL);
	cr_assert(strstr(buf, "incomplete") != NULL);
	free(buf);
}

HTEST(neigh, free_returns_queued_packets)
{
	send_udp(H_NEIGH, 1);
	send_udp(H_IP(198, 18, 0, 10), 1);
	h_tx_clear();
	neigh_table_free(H.w->neigh);
	H.w->neigh = NULL;
	cr_assert_eq(rte_mempool_avail_count(H.pool), H_POOL_SIZE);
	H.w->neigh = neigh_table_create(4, REACHABLE, SOCKET_ID_ANY);
}

HTEST(neigh, neighbours_are_independent)
{
	static const struct rte_ether_addr m2 = {{ 2, 0, 0x5e, 0, 0, 0x55 }};

	send_udp(H_NEIGH, 1);
	send_udp(H_IP(198, 18, 0, 10), 2);
	h_tx_clear();
	arp_reply_from(H_IP(198, 18, 0, 10), &m2);
	cr_assert_eq(H.tx_n, 1);
	cr_assert(rte_is_same_ether_addr(
		rte_pktmbuf_mtod(H.tx[0], struct rte_ether_addr *), &m2));
	cr_assert_eq(neigh_lookup(H.w->neigh, H_NEIGH)->state,
		     NEIGH_INCOMPLETE);
}
