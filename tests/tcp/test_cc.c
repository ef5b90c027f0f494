/* SPDX-License-Identifier: BSD-3-Clause */
/* Congestion control: NewReno (RFC 5681) and CUBIC (RFC 9438) window
 * growth in slow start and congestion avoidance, and their reductions. */
#include <math.h>

#include "wire.h"

TestSuite(cc, .init = setup_plain, .fini = teardown);

#define D0 (W_ISS + 1)
#define P0 (P_ISS + 1)

static struct tcp_cb cb;

static void
fake(const struct tcp_cc_ops *ops)
{
	memset(&cb, 0, sizeof(cb));
	cb.t = W->eng;
	cb.smss = 1000;
	cb.tf = ops == &tcp_cc_newreno ? TF_CC_NEWRENO : 0;
	ops->init(&cb);
}

Test(cc, initial_window_is_init_cwnd_segments)
{
	fake(&tcp_cc_newreno);
	cr_assert_eq(cb.cwnd, 10000);
	fake(&tcp_cc_cubic);
	cr_assert_eq(cb.cwnd, 10000);
	cr_assert_eq(cb.ssthresh, UINT32_MAX);
}

Test(cc, newreno_slow_start_adds_at_most_smss_per_ack)
{
	fake(&tcp_cc_newreno);
	tcp_cc(&cb)->ack(&cb, 1000, 0);
	cr_assert_eq(cb.cwnd, 11000);
	tcp_cc(&cb)->ack(&cb, 3000, 0);	/* one ACK for three segments */
	cr_assert_eq(cb.cwnd, 12000);
	tcp_cc(&cb)->ack(&cb, 300, 0);
	cr_assert_eq(cb.cwnd, 12300);
}

Test(cc, newreno_congestion_avoidance_one_smss_per_window)
{
	unsigned int i;

	fake(&tcp_cc_newreno);
	cb.ssthresh = 10000;
	for (i = 0; i < 10; i++)
		tcp_cc(&cb)->ack(&cb, 1000, 0);
	/* SMSS*SMSS/cwnd per ACK: about one SMSS over a window */
	cr_assert(cb.cwnd > 10900 && cb.cwnd <= 11000, "cwnd %u", cb.cwnd);
}

Test(cc, newreno_loss_halves_flight)
{
	fake(&tcp_cc_newreno);
	cb.snd_una = 0;
	cb.snd_max = 20000;
	tcp_cc(&cb)->cong_event(&cb, 0);
	cr_assert_eq(cb.ssthresh, 10000);
	cr_assert_eq(cb.cwnd, 10000);
	cb.snd_max = 3000;
	tcp_cc(&cb)->cong_event(&cb, 0);
	cr_assert_eq(cb.ssthresh, 2000, "never below 2 SMSS");
}

Test(cc, newreno_rto_sets_ssthresh_only)
{
	fake(&tcp_cc_newreno);
	cb.snd_max = 30000;
	tcp_cc(&cb)->rto(&cb, 0);
	cr_assert_eq(cb.ssthresh, 15000);
}

Test(cc, cubic_slow_start_like_reno)
{
	fake(&tcp_cc_cubic);
	tcp_cc(&cb)->ack(&cb, 1000, 0);
	tcp_cc(&cb)->ack(&cb, 5000, 0);
	cr_assert_eq(cb.cwnd, 12000);
}

Test(cc, cubic_loss_multiplies_by_beta)
{
	fake(&tcp_cc_cubic);
	cb.cwnd = 100000;
	tcp_cc(&cb)->cong_event(&cb, 1);
	cr_assert_eq(cb.ssthresh, 70000);
	cr_assert_eq(cb.cwnd, 70000);
	cr_assert(fabs(tcp_snd_held(&cb)->cubic.w_max - 100.0) < 1e-9);
}

Test(cc, cubic_fast_convergence_lowers_w_max)
{
	fake(&tcp_cc_cubic);
	cb.cwnd = 100000;
	tcp_cc(&cb)->cong_event(&cb, 1);
	cb.cwnd = 80000;	/* lost again below the last maximum */
	tcp_cc(&cb)->cong_event(&cb, 2);
	cr_assert(fabs(tcp_snd_held(&cb)->cubic.w_max - 80.0 * 1.7 / 2) < 1e-9,
		  "w_max %f", tcp_snd_held(&cb)->cubic.w_max);
}

/* Grow in congestion avoidance for @p secs with one ACK of a segment per
 * ms, RTT 10 ms. */
static void
grow(double from_s, double secs)
{
	uint64_t t;

	for (t = (uint64_t)(from_s * 1000); t < (uint64_t)((from_s + secs) * 1000);
	     t++)
		tcp_cc(&cb)->ack(&cb, 1000, 1000000000ULL + t * 1000000ULL);
}

Test(cc, cubic_concave_then_plateau_at_w_max)
{
	double k;

	fake(&tcp_cc_cubic);
	cb.srtt_ns = 10000000;
	cb.cwnd = 100000;
	tcp_cc(&cb)->cong_event(&cb, 1);
	k = cbrt((100.0 - 70.0) / 0.4);	/* 4.217 s */
	grow(0, 1);
	cr_assert_gt(cb.cwnd, 70000);
	cr_assert_lt(cb.cwnd, 100000);
	grow(1, k - 1.2);
	/* concave: approaching W_max, still under it */
	cr_assert_lt(cb.cwnd, 100000);
	cr_assert_gt(cb.cwnd, 95000, "cwnd %u", cb.cwnd);
	grow(k - 0.2, 0.4);
	cr_assert(cb.cwnd >= 99000 && cb.cwnd <= 101000, "cwnd %u near w_max",
		  cb.cwnd);
}

Test(cc, cubic_convex_beyond_w_max)
{
	double k = cbrt((100.0 - 70.0) / 0.4);
	uint32_t at_k, later;

	fake(&tcp_cc_cubic);
	cb.srtt_ns = 10000000;
	cb.cwnd = 100000;
	tcp_cc(&cb)->cong_event(&cb, 1);
	grow(0, k);
	at_k = cb.cwnd;
	grow(k, 2);
	later = cb.cwnd;
	/* C (t-K)^3 segments above W_max two seconds past K: 3.2 */
	cr_assert_gt(later, at_k + 2000, "%u -> %u", at_k, later);
}

Test(cc, cubic_reno_friendly_region_for_small_windows)
{
	fake(&tcp_cc_cubic);
	cb.srtt_ns = 100000000;	/* 100 ms */
	cb.cwnd = 4000;
	tcp_cc(&cb)->cong_event(&cb, 1);	/* w_max 4, cwnd 2.8 -> ssthresh 2 SMSS */
	cr_assert_eq(cb.cwnd, 2800);
	grow(0, 0.2);
	cr_assert_gt(cb.cwnd, 2800);
}

Test(cc, default_is_cubic)
{
	fx_established();
	cr_assert_eq(tcp_cc(tcp_test_cb(W->conn)), &tcp_cc_cubic);
}

Test(cc, newreno_is_selectable)
{
	wire_fini();
	wire_init();
	W->conf.cc = SHOAL_TCP_CC_NEWRENO;
	wire_start();
	fx_established();
	cr_assert_eq(tcp_cc(tcp_test_cb(W->conn)), &tcp_cc_newreno);
}

Test(cc, slow_start_over_the_wire)
{
	struct shoal_conn_info ci;
	unsigned int i;

	fx_established();
	app_send(100 * 1460);
	flush();
	wire_drain();
	for (i = 1; i <= 10; i++)
		send(.flags = ACK, .seq = P0, .ack = D0 + i * 1460);
	shoal_conn_info(W->conn, &ci);
	cr_assert_eq(ci.cwnd, 20 * 1460);
	wire_drain();
}

Test(cc, rto_collapses_cwnd_to_one_segment)
{
	struct shoal_conn_info ci;

	fx_established();
	app_send(10 * 1460);
	flush();
	wire_drain();
	advance(200);
	shoal_conn_info(W->conn, &ci);
	cr_assert_eq(ci.cwnd, 1460);
	cr_assert_eq(ci.ssthresh, (uint32_t)(14600 * 0.7));
	wire_drain();
}
