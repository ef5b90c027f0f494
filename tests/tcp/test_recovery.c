/* SPDX-License-Identifier: BSD-3-Clause */
/* Loss recovery: fast retransmit on three duplicate ACKs, NewReno partial
 * ACKs (RFC 6582), SACK-based recovery (RFC 6675). */
#include "wire.h"

#define D0 (W_ISS + 1)
#define P0 (P_ISS + 1)
#define S(i) (D0 + (i) * 1460u)

static void
setup_newreno(void)
{
	wire_init();
	W->conf.cc = SHOAL_TCP_CC_NEWRENO;
	wire_start();
}

static void
setup_sack(void)
{
	wire_init();
	W->conf.cc = SHOAL_TCP_CC_NEWRENO;
	W->conf.sack = true;
	wire_start();
}

static void
setup_sack_no_probes(void)
{
	wire_init();
	W->conf.cc = SHOAL_TCP_CC_NEWRENO;
	W->conf.sack = true;
	W->conf.loss_probes = false;
	wire_start();
}

TestSuite(fastrexmt, .init = setup_newreno, .fini = teardown);
TestSuite(sackrec, .init = setup_sack, .fini = teardown);

static struct shoal_conn_info
info(void)
{
	struct shoal_conn_info ci;

	shoal_conn_info(W->conn, &ci);
	return ci;
}

static void
ten_in_flight(uint32_t extra)
{
	fx_established();
	app_send(10 * 1460 + extra);
	flush();
	wire_drain();
}

Test(fastrexmt, two_dup_acks_do_nothing)
{
	ten_in_flight(0);
	send(.flags = ACK, .seq = P0, .ack = D0);
	send(.flags = ACK, .seq = P0, .ack = D0);
	expect_none();
	cr_assert_eq(stats().dup_acks_rx, 2);
}

Test(fastrexmt, third_dup_ack_retransmits)
{
	ten_in_flight(0);
	send(.flags = ACK, .seq = P0, .ack = D0);
	send(.flags = ACK, .seq = P0, .ack = D0);
	send(.flags = ACK, .seq = P0, .ack = D0);
	expect(.flags = ACK, .seq = S(0), .ack = P0, .len = 1460);
	expect_none();
	cr_assert_eq(stats().fast_retransmits, 1);
	/* RFC 5681 (4) and 3.2 step 4 */
	cr_assert_eq(info().ssthresh, 7300);
	cr_assert_eq(info().cwnd, 7300 + 3 * 1460);
}

Test(fastrexmt, acks_with_data_or_new_window_are_not_dups)
{
	ten_in_flight(0);
	send(.flags = ACK, .seq = P0, .ack = D0, .len = 10);
	send(.flags = ACK, .seq = P0 + 10, .ack = D0, .win = 60000);
	send(.flags = ACK, .seq = P0 + 10, .ack = D0, .win = 60000);
	wire_drain();
	cr_assert_eq(stats().dup_acks_rx, 1);
	cr_assert_eq(stats().fast_retransmits, 0);
}

Test(fastrexmt, further_dup_acks_inflate_and_send_new_data)
{
	unsigned int i;

	ten_in_flight(5 * 1460);
	for (i = 0; i < 3; i++)
		send(.flags = ACK, .seq = P0, .ack = D0);
	expect(.flags = ACK, .seq = S(0), .ack = P0, .len = 1460);
	/* cwnd 11680 < flight 14600: three more dups bring it to 16060 */
	send(.flags = ACK, .seq = P0, .ack = D0);
	send(.flags = ACK, .seq = P0, .ack = D0);
	expect_none();
	send(.flags = ACK, .seq = P0, .ack = D0);
	expect(.flags = ACK, .seq = S(10), .ack = P0, .len = 1460);
	expect_none();
}

Test(fastrexmt, partial_ack_retransmits_next_hole)
{
	unsigned int i;

	ten_in_flight(0);
	for (i = 0; i < 3; i++)
		send(.flags = ACK, .seq = P0, .ack = D0);
	wire_drain();
	send(.flags = ACK, .seq = P0, .ack = S(3));
	expect(.flags = ACK, .seq = S(3), .ack = P0, .len = 1460);
	cr_assert_eq(stats().retransmits, 2);
}

Test(fastrexmt, full_ack_ends_recovery_without_burst)
{
	unsigned int i;

	ten_in_flight(0);
	for (i = 0; i < 3; i++)
		send(.flags = ACK, .seq = P0, .ack = D0);
	wire_drain();
	send(.flags = ACK, .seq = P0, .ack = S(10));
	cr_assert_not(tcp_test_cb(W->conn)->tf & TF_RECOVERY);
	/* RFC 6582 3.2 (3): min(ssthresh, max(FlightSize, SMSS) + SMSS) */
	cr_assert_eq(info().cwnd, 2920);
}

Test(fastrexmt, one_reduction_per_window)
{
	unsigned int i;

	ten_in_flight(0);
	for (i = 0; i < 3; i++)
		send(.flags = ACK, .seq = P0, .ack = D0);
	wire_drain();
	send(.flags = ACK, .seq = P0, .ack = S(10));
	cr_assert_eq(stats().fast_retransmits, 1);
	cr_assert_eq(info().ssthresh, 7300);
}

Test(fastrexmt, no_fast_retransmit_below_recover_after_rto)
{
	unsigned int i;

	ten_in_flight(0);
	advance(200);
	expect(.flags = ACK, .seq = S(0), .ack = P0, .len = 1460);
	send(.flags = ACK, .seq = P0, .ack = S(1));
	wire_drain();
	for (i = 0; i < 3; i++)
		send(.flags = ACK, .seq = P0, .ack = S(1));
	cr_assert_eq(stats().fast_retransmits, 0,
		     "RFC 6582 4: dups below recover after a timeout");
	wire_drain();
}

Test(fastrexmt, retransmit_timer_restarts_on_fast_retransmit)
{
	unsigned int i;

	ten_in_flight(0);
	advance(100);
	for (i = 0; i < 3; i++)
		send(.flags = ACK, .seq = P0, .ack = D0);
	wire_drain();
	advance(199);
	expect_none();
	advance(1);
	expect(.flags = ACK, .seq = S(0), .ack = P0, .len = 1460);
}

/* ---------------------------------------------------------------- SACK */

static void
sack_ten_in_flight(uint32_t extra)
{
	fx_listen();
	send(.flags = SYN, .seq = P_ISS, .mss = 1460, .sackok = true);
	expect(.flags = SYN | ACK, .seq = W_ISS, .ack = P0, .mss = 1460,
	       .sackok = true);
	send(.flags = ACK, .seq = P0, .ack = D0);
	app_send(10 * 1460 + extra);
	flush();
	wire_drain();
}

#define DUP(...) send(.flags = ACK, .seq = P0, .ack = D0, __VA_ARGS__)

Test(sackrec, holes_are_retransmitted_sacked_data_is_not)
{
	/* S0 and S3 lost */
	sack_ten_in_flight(0);
	DUP(.nsack = 1, .sack = { { S(1), S(2) } });
	DUP(.nsack = 1, .sack = { { S(1), S(3) } });
	expect_none();
	DUP(.nsack = 2, .sack = { { S(4), S(5) }, { S(1), S(3) } });
	expect(.flags = ACK, .seq = S(0), .ack = P0, .len = 1460);
	expect_none();
	cr_assert_eq(stats().sack_recoveries, 1);
	DUP(.nsack = 2, .sack = { { S(4), S(6) }, { S(1), S(3) } });
	expect_none();
	/* now more than 2 SMSS are SACKed above S3: it is lost */
	DUP(.nsack = 2, .sack = { { S(4), S(7) }, { S(1), S(3) } });
	expect(.flags = ACK, .seq = S(3), .ack = P0, .len = 1460);
	expect_none();
	DUP(.nsack = 2, .sack = { { S(4), S(8) }, { S(1), S(3) } });
	DUP(.nsack = 2, .sack = { { S(4), S(10) }, { S(1), S(3) } });
	expect_none();
	send(.flags = ACK, .seq = P0, .ack = S(3),
	     .nsack = 1, .sack = { { S(4), S(10) } });
	expect_none();
	send(.flags = ACK, .seq = P0, .ack = S(10));
	expect_none();
	cr_assert_not(tcp_test_cb(W->conn)->tf & TF_RECOVERY);
	cr_assert_eq(stats().retransmits, 2);
}

Test(sackrec, sack_alone_can_start_recovery)
{
	sack_ten_in_flight(0);
	/* one dup ACK SACKing three segments: IsLost(S0) */
	DUP(.nsack = 1, .sack = { { S(1), S(4) } });
	expect(.flags = ACK, .seq = S(0), .ack = P0, .len = 1460);
	cr_assert_eq(stats().sack_recoveries, 1);
}

Test(sackrec, pipe_drains_then_new_data_flows)
{
	unsigned int i, newsegs = 0;
	struct tcp_seg s;

	sack_ten_in_flight(10 * 1460);
	for (i = 1; i <= 9; i++)
		DUP(.nsack = 1, .sack = { { S(1), S(i + 1) } });
	while (wire_next(&s, NULL)) {
		if (s.seq == S(0))
			continue;
		cr_assert_geq(s.seq, S(10), "only new data besides the hole");
		newsegs++;
	}
	/* Before recovery, each SACKed segment has left the network and
	 * lets a new one go (limited transmit, RFC 3042): S10, S11. In
	 * recovery, pipe (RFC 6675) must first fall below the halved cwnd,
	 * then one new segment per segment that leaves: S12, S13, S14. */
	cr_assert_eq(newsegs, 5);
}

Test(sackrec, bogus_sack_blocks_are_ignored)
{
	sack_ten_in_flight(0);
	DUP(.nsack = 1, .sack = { { S(20), S(30) } });
	DUP(.nsack = 1, .sack = { { D0 - 5000, D0 - 10 } });
	expect_none();
	cr_assert_eq(tcp_nsack(tcp_test_cb(W->conn)), 0);
}

Test(sackrec, scoreboard_trims_on_cumulative_ack)
{
	sack_ten_in_flight(0);
	DUP(.nsack = 2, .sack = { { S(1), S(2) }, { S(5), S(6) } });
	cr_assert_eq(tcp_nsack(tcp_test_cb(W->conn)), 2);
	send(.flags = ACK, .seq = P0, .ack = S(3));
	cr_assert_eq(tcp_nsack(tcp_test_cb(W->conn)), 1);
	cr_assert_eq(tcp_x(tcp_test_cb(W->conn))->sack[0].start, S(5));
	wire_drain();
}

/* The RTO's go-back-N, so without the loss probe that comes first. */
Test(sackrec, rto_retransmission_skips_sacked_ranges)
{
	wire_fini();
	setup_sack_no_probes();
	sack_ten_in_flight(0);
	DUP(.nsack = 1, .sack = { { S(1), S(2) } });
	wire_drain();
	advance(200);
	expect(.flags = ACK, .seq = S(0), .ack = P0, .len = 1460);
	send(.flags = ACK, .seq = P0, .ack = S(1), .nsack = 1,
	     .sack = { { S(1), S(2) } });
	/* cwnd 2 SMSS after the ACK: S1 is held by the peer, so S2, S3 */
	expect(.flags = ACK, .seq = S(2), .ack = P0, .len = 1460);
	expect(.flags = ACK, .seq = S(3), .ack = P0, .len = 1460);
	expect_none();
}

/* --- loss probes (RFC 8985 7, and its lost retransmissions) ------------- */

TestSuite(probe, .init = setup_sack, .fini = teardown);

/* The next segment out: its sequence, -1 when none. */
static int64_t
next_seq(void)
{
	struct tcp_seg t;

	return wire_next(&t, NULL) ? (int64_t)t.seq : -1;
}

/* Ten segments in flight on a SACK connection whose handshake measured
 * 10 ms: SRTT 10 ms, so the probe timeout is 2 SRTT + 2 ms = 22 ms and
 * the RTO its 200 ms floor. */
static void
probe_ten_in_flight(uint32_t extra)
{
	fx_listen();
	send(.flags = SYN, .seq = P_ISS, .mss = 1460, .sackok = true);
	expect(.flags = SYN | ACK, .seq = W_ISS, .ack = P0, .mss = 1460,
	       .sackok = true);
	advance(10);
	send(.flags = ACK, .seq = P0, .ack = D0);
	app_send(10 * 1460 + extra);
	flush();
	wire_drain();
}

Test(probe, a_silent_tail_is_probed_with_the_last_segment)
{
	probe_ten_in_flight(0);
	advance(21);
	expect_none();
	advance(1);
	expect(.flags = ACK | PSH, .seq = S(9), .ack = P0, .len = 1460);
	expect_none();
	cr_assert_eq(stats().loss_probes, 1);
	cr_assert_eq(stats().retransmits, 1);
	/* unanswered: again after twice the timeout, and four times */
	advance(43);
	expect_none();
	advance(1);
	expect(.flags = ACK | PSH, .seq = S(9), .ack = P0, .len = 1460);
	advance(87);
	expect_none();
	advance(1);
	expect(.flags = ACK | PSH, .seq = S(9), .ack = P0, .len = 1460);
	cr_assert_eq(stats().loss_probes, TCP_MAX_PROBES);
	/* then the RTO, from the last probe, and its go-back-N */
	advance(199);
	expect_none();
	advance(1);
	expect(.flags = ACK, .seq = S(0), .ack = P0, .len = 1460);
	cr_assert_eq(stats().rto_fires, 1);
	cr_assert_eq(stats().loss_probes, TCP_MAX_PROBES);
}

/* The last five segments lost: the probe of S9 comes back SACKed, and
 * S5-S8, all sent before it, are lost though only one segment is SACKed
 * above them (RFC 6675 alone would wait for the RTO). */
Test(probe, a_sacked_probe_marks_the_tail_below_it_lost)
{
	probe_ten_in_flight(0);
	send(.flags = ACK, .seq = P0, .ack = S(5));
	advance(22);
	expect(.flags = ACK | PSH, .seq = S(9), .ack = P0, .len = 1460);
	expect_none();
	send(.flags = ACK, .seq = P0, .ack = S(5), .nsack = 1,
	     .sack = { { S(9), S(10) } });
	expect(.flags = ACK, .seq = S(5), .ack = P0, .len = 1460);
	cr_assert_eq(stats().sack_recoveries, 1);
	cr_assert(tcp_test_cb(W->conn)->tf & TF_RECOVERY);
	/* cwnd 2.5 SMSS, and S5-S8 no longer count in the pipe */
	cr_assert_eq(next_seq(), S(6));
	expect_none();
	send(.flags = ACK, .seq = P0, .ack = S(6), .nsack = 1,
	     .sack = { { S(9), S(10) } });
	cr_assert_eq(next_seq(), S(7));
	expect_none();
	send(.flags = ACK, .seq = P0, .ack = S(9));
	send(.flags = ACK, .seq = P0, .ack = S(10));
	cr_assert_not(tcp_test_cb(W->conn)->tf & TF_RECOVERY);
	cr_assert_eq(stats().rto_fires, 0);
}

/* In recovery the retransmission of the first hole is lost too: a probe
 * timeout later it goes again, not an RTO later. */
Test(probe, a_lost_retransmission_goes_again_after_the_probe_timeout)
{
	probe_ten_in_flight(0);
	DUP(.nsack = 1, .sack = { { S(1), S(4) } });
	expect(.flags = ACK, .seq = S(0), .ack = P0, .len = 1460);
	wire_drain();
	cr_assert(tcp_test_cb(W->conn)->tf & TF_RECOVERY);
	advance(21);
	expect_none();
	advance(1);
	expect(.flags = ACK, .seq = S(0), .ack = P0, .len = 1460);
	cr_assert_eq(stats().loss_probes, 1);
	advance(43);
	expect_none();
	advance(1);
	expect(.flags = ACK, .seq = S(0), .ack = P0, .len = 1460);
	/* progress: the count and the timeout start over */
	send(.flags = ACK, .seq = P0, .ack = S(4));
	wire_drain();
	advance(22);
	cr_assert_eq(next_seq(), S(4));
	cr_assert_eq(stats().loss_probes, 3);
}

/* Data waiting that cwnd holds back but the peer's window takes: the
 * probe is a new segment (RFC 8985 7.3). */
Test(probe, the_probe_is_new_data_when_the_window_takes_it)
{
	probe_ten_in_flight(2 * 1460);
	advance(22);
	expect(.flags = ACK, .seq = S(10), .ack = P0, .len = 1460);
	expect_none();
	cr_assert_eq(stats().retransmits, 0);
}

/* An answered probe was no loss: it does not start recovery. */
Test(probe, a_probe_answered_in_full_ends_the_episode)
{
	probe_ten_in_flight(0);
	advance(22);
	expect(.flags = ACK | PSH, .seq = S(9), .ack = P0, .len = 1460);
	send(.flags = ACK, .seq = P0, .ack = S(10));
	expect_none();
	cr_assert_not(tcp_test_cb(W->conn)->tf & TF_RECOVERY);
	cr_assert_eq(stats().sack_recoveries, 0);
}
