/* SPDX-License-Identifier: BSD-3-Clause */
/* ARP: replies byte for byte, learning (RFC 826 merge), validation,
 * gratuitous announcements. */
#include <criterion/criterion.h>

#include "harness.h"
#include "net/neigh.h"
#include "net/net.h"

TestSuite(arp, .init = h_setup, .fini = h_teardown);

static const struct rte_ether_addr bcast = {{ 0xff, 0xff, 0xff, 0xff, 0xff, 0xff }};
static const struct rte_ether_addr other_mac = {{ 0x02, 0, 0x5e, 0, 0, 0x77 }};

static void
send_arp(uint16_t op, const struct rte_ether_addr *sha, rte_be32_t sip,
	 rte_be32_t tip)
{
	uint8_t f[64];
	uint32_t n = h_frame_arp(f, op == 1 ? &bcast : &h_mac, op, sha, sip,
				 op == 1 ? NULL : &h_mac, tip);

	h_input(h_mbuf(0, f, n));
}

static void
expect_reply(unsigned int i, rte_be32_t sip, const struct rte_ether_addr *tha,
	     rte_be32_t tip)
{
	uint8_t want[64], got[128];
	uint32_t n = h_frame_arp(want, tha, 2, &h_mac, sip, tha, tip);

	cr_assert_lt(i, H.tx_n);
	cr_assert_eq(rte_pktmbuf_pkt_len(H.tx[i]), n);
	h_flat(H.tx[i], got);
	cr_assert_arr_eq(got, want, n);
}

HTEST(arp, request_for_us_gets_exact_reply)
{
	send_arp(1, &h_peer_mac, H_PEER, H_LOCAL);
	cr_assert_eq(H.tx_n, 1);
	expect_reply(0, H_LOCAL, &h_peer_mac, H_PEER);
	cr_assert_eq(H.w->stats.arp_rx_requests, 1);
	cr_assert_eq(H.w->stats.arp_tx_replies, 1);
	cr_assert_eq(h_total_drops(), 0);
}

HTEST(arp, every_local_address_is_answered)
{
	for (uint32_t i = 0; i < H_LOCAL_COUNT; i++) {
		rte_be32_t a = H_IP(198, 18, 0, 1 + i);

		send_arp(1, &h_peer_mac, H_PEER, a);
		expect_reply(i, a, &h_peer_mac, H_PEER);
	}
	send_arp(1, &h_peer_mac, H_PEER, H_IP(198, 18, 0, 1 + H_LOCAL_COUNT));
	cr_assert_eq(H.tx_n, H_LOCAL_COUNT);
	cr_assert_eq(h_drops(SHOAL_DROP_ARP_NOT_FOR_US), 1);
}

HTEST(arp, padded_request_gets_unpadded_reply)
{
	uint8_t f[60] = { 0 };

	h_frame_arp(f, &bcast, 1, &h_peer_mac, H_PEER, NULL, H_LOCAL);
	h_input(h_mbuf(0, f, sizeof(f)));
	expect_reply(0, H_LOCAL, &h_peer_mac, H_PEER);
}

HTEST(arp, request_for_another_host_is_ignored_and_counted)
{
	send_arp(1, &h_peer_mac, H_PEER, H_NEIGH);
	cr_assert_eq(H.tx_n, 0);
	cr_assert_eq(h_drops(SHOAL_DROP_ARP_NOT_FOR_US), 1);
	cr_assert_eq(neigh_count(H.w->neigh), 0, "sender learnt from a "
		     "request that was not for us");
	cr_assert_eq(H.w->stats.arp_rx_requests, 0);
}

HTEST(arp, request_for_us_teaches_the_sender)
{
	const struct neigh_entry *e;

	send_arp(1, &h_peer_mac, H_PEER, H_LOCAL);
	e = neigh_lookup(H.w->neigh, H_PEER);
	cr_assert_not_null(e);
	cr_assert_eq(e->state, NEIGH_REACHABLE);
	cr_assert(rte_is_same_ether_addr(&e->mac, &h_peer_mac));
	cr_assert_eq(H.w->stats.neigh_added, 1);
}

HTEST(arp, reply_for_us_is_learnt_and_consumed)
{
	const struct neigh_entry *e;

	send_arp(2, &h_peer_mac, H_PEER, H_LOCAL);
	cr_assert_eq(H.tx_n, 0);
	cr_assert_eq(H.w->stats.arp_rx_replies, 1);
	e = neigh_lookup(H.w->neigh, H_PEER);
	cr_assert_not_null(e);
	cr_assert(rte_is_same_ether_addr(&e->mac, &h_peer_mac));
}

HTEST(arp, known_sender_is_merged_even_when_not_for_us)
{
	const struct neigh_entry *e;

	h_neigh_learn(H_PEER, &h_peer_mac);
	/* The peer moved to another MAC and says so (gratuitous ARP). */
	send_arp(1, &other_mac, H_PEER, H_PEER);
	e = neigh_lookup(H.w->neigh, H_PEER);
	cr_assert(rte_is_same_ether_addr(&e->mac, &other_mac));
	cr_assert_eq(h_drops(SHOAL_DROP_ARP_NOT_FOR_US), 1);
	cr_assert_eq(H.tx_n, 0);
}

HTEST(arp, probe_with_zero_sender_is_answered_not_learnt)
{
	/* RFC 5227 probe: sender address 0.0.0.0 */
	send_arp(1, &h_peer_mac, 0, H_LOCAL);
	expect_reply(0, H_LOCAL, &h_peer_mac, 0);
	cr_assert_eq(neigh_count(H.w->neigh), 0);
}

static void
bad_format(unsigned int byte, uint8_t value)
{
	uint8_t f[64];
	uint32_t n = h_frame_arp(f, &bcast, 1, &h_peer_mac, H_PEER, NULL,
				 H_LOCAL);

	f[14 + byte] = value;
	h_input(h_mbuf(0, f, n));
	cr_assert_eq(h_drops(SHOAL_DROP_ARP_BAD_FORMAT), 1);
	cr_assert_eq(H.tx_n, 0);
	cr_assert_eq(neigh_count(H.w->neigh), 0);
}

HTEST(arp, bad_hardware_type_dropped) { bad_format(1, 6); }
HTEST(arp, bad_protocol_type_dropped) { bad_format(2, 0x86); }
HTEST(arp, bad_hardware_length_dropped) { bad_format(4, 8); }
HTEST(arp, bad_protocol_length_dropped) { bad_format(5, 16); }
HTEST(arp, bad_opcode_dropped) { bad_format(7, 3); }

HTEST(arp, multicast_sender_mac_dropped)
{
	static const struct rte_ether_addr mc = {{ 0x01, 0, 0x5e, 0, 0, 1 }};

	send_arp(1, &mc, H_PEER, H_LOCAL);
	cr_assert_eq(h_drops(SHOAL_DROP_ARP_BAD_FORMAT), 1);
	cr_assert_eq(H.tx_n, 0);
}

HTEST(arp, truncated_dropped)
{
	uint8_t f[64];

	h_frame_arp(f, &bcast, 1, &h_peer_mac, H_PEER, NULL, H_LOCAL);
	h_input(h_mbuf(0, f, 14 + 27));
	cr_assert_eq(h_drops(SHOAL_DROP_ARP_TRUNCATED), 1);
	cr_assert_eq(H.tx_n, 0);
}

HTEST(arp, frame_to_another_mac_dropped)
{
	uint8_t f[64];
	uint32_t n = h_frame_arp(f, &other_mac, 1, &h_peer_mac, H_PEER, NULL,
				 H_LOCAL);

	h_input(h_mbuf(0, f, n));
	cr_assert_eq(h_drops(SHOAL_DROP_ETH_NOT_FOR_US), 1);
	cr_assert_eq(H.tx_n, 0);
}

HTEST(arp, announce_every_local_address)
{
	arp_announce(H.w, &H.ifaces[0]);
	worker_tx_flush(H.w);
	cr_assert_eq(H.tx_n, H_LOCAL_COUNT);
	cr_assert_eq(H.w->stats.arp_tx_gratuitous, H_LOCAL_COUNT);
	for (unsigned int i = 0; i < H_LOCAL_COUNT; i++) {
		uint8_t want[64], got[128];
		rte_be32_t a = H_IP(198, 18, 0, 1 + i);
		uint32_t n = h_frame_arp(want, &bcast, 1, &h_mac, a, NULL, a);

		cr_assert_eq(rte_pktmbuf_pkt_len(H.tx[i]), n);
		h_flat(H.tx[i], got);
		cr_assert_arr_eq(got, want, n, "announcement %u", i);
	}
}

HTEST(arp, announce_is_capped)
{
	H.ifaces[0].ip_count = 1000;
	arp_announce(H.w, &H.ifaces[0]);
	worker_tx_flush(H.w);
	cr_assert_eq(H.tx_total, NET_ANNOUNCE_MAX);
}

HTEST(arp, announce_on_tun_sends_nothing)
{
	arp_announce(H.w, &H.ifaces[1]);
	worker_tx_flush(H.w);
	cr_assert_eq(H.tx_total, 0);
}

HTEST(arp, other_workers_learn_but_do_not_answer)
{
	const struct neigh_entry *e;

	H.w->arp_learn_only = true;
	send_arp(1, &h_peer_mac, H_PEER, H_LOCAL);
	cr_assert_eq(H.tx_total, 0, "a copy was answered");
	e = neigh_lookup(H.w->neigh, H_PEER);
	cr_assert_not_null(e);
	cr_assert(rte_is_same_ether_addr(&e->mac, &h_peer_mac));
	cr_assert_eq(H.w->stats.arp_rx_requests, 0);
	cr_assert_eq(H.w->stats.arp_rx_shared, 1);
}

HTEST(arp, other_workers_count_no_drops_for_copies)
{
	uint8_t f[64];
	uint32_t n = h_frame_arp(f, &bcast, 1, &h_peer_mac, H_PEER, NULL,
				 H_LOCAL);

	H.w->arp_learn_only = true;
	f[14 + 1] = 6;				/* bad format */
	h_input(h_mbuf(0, f, n));
	send_arp(1, &h_peer_mac, H_PEER, H_NEIGH);	/* not for us */
	h_input(h_mbuf(0, f, 14 + 10));		/* truncated */
	cr_assert_eq(h_total_drops(), 0);
	cr_assert_eq(H.w->stats.arp_rx_shared, 3);
}

HTEST(arp, other_workers_resolve_their_own_queue)
{
	uint8_t payload[8] = { 0 };

	/* This worker asked; the owner's copy of the reply reaches it. */
	H.w->arp_learn_only = true;
	cr_assert_eq(ipv4_output(H.w, h_l4(payload, 8), 0, H_NEIGH,
				 IPPROTO_UDP), 0);
	worker_tx_flush(H.w);
	h_tx_clear();
	{
		uint8_t f[64];
		uint32_t n = h_frame_arp(f, &h_mac, 2, &h_peer_mac, H_NEIGH,
					 &h_mac, H_LOCAL);

		h_input(h_mbuf(0, f, n));
	}
	cr_assert_eq(H.tx_n, 1);
	cr_assert_eq(rte_pktmbuf_pkt_len(H.tx[0]), 14 + 20 + 8);
}
