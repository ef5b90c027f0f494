/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The end-of-run leak accounting: what counts as left behind, and that
 * a single mbuf or control block is enough to fail the run.
 */
#include <criterion/criterion.h>
#include <string.h>

#include "leaks.h"

static struct gen_leak_sample
clean(void)
{
	/* 3 frames held back in the worker's TX buffer, 40 connections
	 * in TIME-WAIT */
	return (struct gen_leak_sample){
		.mbufs_in_use = 3, .mbufs_queued = 3,
		.cbs = 40, .cbs_timewait = 40,
	};
}

Test(gen_leaks, clean_run_has_none)
{
	struct gen_leak_sample s = clean();
	struct gen_leaks l = { 0 };
	char buf[128];

	gen_leaks_add_sample(&l, &s);
	cr_assert_not(gen_leaks_any(&l));
	gen_leaks_format(&l, buf, sizeof(buf));
	cr_assert_str_eq(buf, "none");
}

Test(gen_leaks, one_kept_mbuf_is_a_leak)
{
	struct gen_leak_sample s = clean();
	struct gen_leaks l = { 0 };
	char buf[128];

	s.mbufs_in_use++;
	gen_leaks_add_sample(&l, &s);
	cr_assert(gen_leaks_any(&l));
	cr_assert_eq(l.mbufs, 1);
	gen_leaks_format(&l, buf, sizeof(buf));
	cr_assert_str_eq(buf, "mbufs 1");
}

Test(gen_leaks, fewer_mbufs_than_queued_are_no_leak)
{
	struct gen_leak_sample s = clean();
	struct gen_leaks l = { 0 };

	s.mbufs_in_use = 0;
	gen_leaks_add_sample(&l, &s);
	cr_assert_not(gen_leaks_any(&l));
}

Test(gen_leaks, control_block_outside_time_wait_is_a_leak)
{
	struct gen_leak_sample s = clean();
	struct gen_leaks l = { 0 };

	s.cbs = 41;
	gen_leaks_add_sample(&l, &s);
	cr_assert_eq(l.conns, 1);
	cr_assert(gen_leaks_any(&l));
}

Test(gen_leaks, buffers_extensions_and_contexts_count)
{
	struct gen_leak_sample s = clean();
	struct gen_leaks l = { 0 };
	char buf[128];

	s.exts = 1;
	s.snd_bytes = 100;
	s.reass_bytes = 7;
	s.contexts = 2;
	gen_leaks_add_sample(&l, &s);
	gen_leaks_format(&l, buf, sizeof(buf));
	cr_assert_str_eq(buf, "exts 1, snd_bytes 100, reass_bytes 7, "
			 "contexts 2");
}

/* A transaction record is held only by a live context: one held after
 * every connection ended was not given back. */
Test(gen_leaks, a_transaction_record_still_held_is_a_leak)
{
	struct gen_leak_sample s = clean();
	struct gen_leaks l = { 0 };
	char buf[128];

	s.txns = 1;
	gen_leaks_add_sample(&l, &s);
	cr_assert(gen_leaks_any(&l));
	gen_leaks_format(&l, buf, sizeof(buf));
	cr_assert_str_eq(buf, "txns 1");
}

Test(gen_leaks, half_open_control_blocks_are_no_leak)
{
	struct gen_leak_sample s = clean();
	struct gen_leaks l = { 0 };

	s.cbs += 1024;
	s.cbs_half_open = 1024;
	gen_leaks_add_sample(&l, &s);
	cr_assert_not(gen_leaks_any(&l));
	s.cbs++;
	gen_leaks_add_sample(&l, &s);
	cr_assert_eq(l.conns, 1);
}

Test(gen_leaks, workers_sum)
{
	struct gen_leak_sample a = clean(), b = clean();
	struct gen_leaks l = { 0 };

	a.mbufs_in_use += 2;
	b.cbs += 3;
	gen_leaks_add_sample(&l, &a);
	gen_leaks_add_sample(&l, &b);
	cr_assert_eq(l.mbufs, 2);
	cr_assert_eq(l.conns, 3);
}

Test(gen_leaks, format_truncates_safely)
{
	struct gen_leak_sample s = clean();
	struct gen_leaks l = { 0 };
	char buf[8];

	s.mbufs_in_use += 123456;
	s.cbs += 99;
	gen_leaks_add_sample(&l, &s);
	gen_leaks_format(&l, buf, sizeof(buf));
	cr_assert_eq(strlen(buf), sizeof(buf) - 1);
}
