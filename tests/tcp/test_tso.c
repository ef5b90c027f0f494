/* SPDX-License-Identifier: BSD-3-Clause */
/* TCP segmentation offload (conf.tso_max) and segments the device merged
 * on receive (RTE_MBUF_F_RX_LRO). The peer's MSS is 1460, no timestamps:
 * smss 1460, the initial window 10 segments. */
#include "wire.h"

#define D0 (W_ISS + 1)
#define P0 (P_ISS + 1)
#define SMSS 1460u

static void
setup_tso(void)
{
	wire_init();
	W->conf.tso_max = 4 * SMSS + 100;	/* not a multiple: cut down */
	wire_start();
}

TestSuite(tso, .init = setup_tso, .fini = teardown);

/* The next emitted segment: its sequence, length and TSO marking, and its
 * payload byte for byte (the app writes pat() of our sequence numbers). */
static void
expect_tso(uint32_t seq, uint32_t len, bool tso)
{
	struct tcp_seg s;
	struct rte_mbuf *m;
	uint8_t b;

	cr_assert(wire_next(&s, &m), "no segment at %u", seq);
	cr_assert_eq(s.seq, seq);
	cr_assert_eq(s.len, len, "seq %u: len %u, want %u", seq, s.len, len);
	cr_assert_eq((m->ol_flags & RTE_MBUF_F_TX_TCP_SEG) != 0, tso,
		     "seq %u: TSO flag", seq);
	if (tso)
		cr_assert_eq(m->tso_segsz, SMSS);
	cr_assert_eq(rte_pktmbuf_pkt_len(m), s.hlen + len);
	for (uint32_t i = 0; i < len; i++) {
		const uint8_t *p = rte_pktmbuf_read(m, s.hlen + i, 1, &b);

		cr_assert(p != NULL);
		cr_assert_eq(*p, pat(seq + i), "seq %u byte %u", seq, i);
	}
	rte_pktmbuf_free(m);
}

Test(tso, new_data_leaves_in_whole_segments_up_to_tso_max)
{
	fx_established();
	cr_assert_eq(app_send(10 * SMSS + 500), (int)(10 * SMSS + 500));
	flush();
	/* cwnd 10 segments: 4 + 4 + 2 of them, the tail waits for it */
	expect_tso(D0, 4 * SMSS, true);
	expect_tso(D0 + 4 * SMSS, 4 * SMSS, true);
	expect_tso(D0 + 8 * SMSS, 2 * SMSS, true);
	expect_none();
	cr_assert_eq(stats().tso_segs_tx, 3);
}

Test(tso, the_short_tail_goes_as_one_plain_segment)
{
	fx_established();
	app_send(5 * SMSS + 300);
	flush();
	expect_tso(D0, 4 * SMSS, true);
	expect_tso(D0 + 4 * SMSS, SMSS, false);	/* one segment: no TSO */
	expect_tso(D0 + 5 * SMSS, 300, false);
	expect_none();
}

Test(tso, retransmissions_go_one_mss_at_a_time)
{
	fx_established();
	app_send(4 * SMSS);
	flush();
	expect_tso(D0, 4 * SMSS, true);
	expect_none();
	advance(1000);	/* the RTO: go back to SND.UNA, cwnd one segment */
	expect_tso(D0, SMSS, false);
	expect_none();
	cr_assert_eq(stats().retransmits, 1);
	/* slow start opens two segments of the range being resent: they
	 * go as they went the first time, one MSS each */
	send(.flags = ACK, .seq = P0, .ack = D0 + SMSS);
	expect_tso(D0 + SMSS, SMSS, false);
	expect_tso(D0 + 2 * SMSS, SMSS, false);
	expect_none();
	cr_assert_eq(stats().tso_segs_tx, 1);
}

Test(tso, a_fin_never_rides_on_a_tso_segment)
{
	fx_established();
	app_send(3 * SMSS);
	shoal_close(W->conn);
	flush();
	expect_tso(D0, 3 * SMSS, true);
	expect(.flags = FIN | ACK, .seq = D0 + 3 * SMSS, .ack = P0);
	expect_none();
}

Test(tso, off_by_default)
{
	wire_fini();
	setup_plain();
	cr_assert_eq(W->conf.tso_max, 0);
	fx_established();
	app_send(3 * SMSS);
	flush();
	for (uint32_t i = 0; i < 3; i++)
		expect_tso(D0 + i * SMSS, SMSS, false);
	expect_none();
}

/* A merged segment of @p n full segments from the peer at @p seq, as the
 * device hands it over: a chain of one mbuf per segment's payload. */
static struct rte_mbuf *
build_long(uint32_t seq, uint32_t n)
{
	struct seg s = SEG(.flags = ACK, .seq = seq, .ack = D0);
	struct rte_mbuf *m = seg_build(&s, &W->peer);

	for (uint32_t k = 0; k < n; k++) {
		struct rte_mbuf *d = rte_pktmbuf_alloc(wire_pool());
		uint8_t *p;

		cr_assert(d != NULL);
		p = (uint8_t *)rte_pktmbuf_append(d, SMSS);
		for (uint32_t i = 0; i < SMSS; i++)
			p[i] = pat(seq + k * SMSS + i);
		cr_assert_eq(rte_pktmbuf_chain(m, d), 0);
	}
	return m;
}

static void
send_long(uint32_t seq, uint32_t n, bool lro)
{
	struct rte_mbuf *m = build_long(seq, n);

	if (lro) {
		m->ol_flags |= RTE_MBUF_F_RX_LRO;
		m->tso_segsz = SMSS;
	}
	shoal_tcp_input_burst(W->eng, &m, &W->ep, 1, W->now);
}

/* RFC 5681 4.2 ACKs every second full segment: a merged one is several,
 * so it is ACKed at once; and it must not raise the segment size the
 * rule counts in, or the next plain segments would wait for the timer. */
Test(tso, a_merged_segment_is_acked_at_once_and_counts_as_its_parts)
{
	fx_established();
	send_long(P0, 4, true);
	expect(.flags = ACK, .seq = D0, .ack = P0 + 4 * SMSS);
	cr_assert_eq(stats().lro_segs_rx, 1);
	cr_assert(rx_is(P0, 4 * SMSS));
	send(.flags = ACK, .seq = P0 + 4 * SMSS, .ack = D0, .len = SMSS);
	expect_none();	/* one full segment: delayed */
	send(.flags = ACK, .seq = P0 + 5 * SMSS, .ack = D0, .len = SMSS);
	expect(.flags = ACK, .seq = D0, .ack = P0 + 6 * SMSS);
}

/* Without the LRO mark, a long segment is taken as the peer's segment
 * size (a peer with a larger MSS than it announced, as before). */
Test(tso, an_unmarked_long_segment_still_raises_rcv_mss)
{
	fx_established();
	send_long(P0, 4, false);
	expect_none();	/* one segment of the peer's size: delayed */
	advance(40);
	expect(.flags = ACK, .seq = D0, .ack = P0 + 4 * SMSS);
	cr_assert_eq(stats().lro_segs_rx, 0);
}
