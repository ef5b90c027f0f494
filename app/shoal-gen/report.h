/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef SHOAL_GEN_REPORT_H
#define SHOAL_GEN_REPORT_H

/*
 * What the control plane shows: a compact block of live figures every
 * interval, the summary at the end (screen and JSON), and the verdict of
 * the pass criteria.
 */

#include <stdbool.h>
#include <stdio.h>

#include "gen.h"
#include "stats/stats.h"

/* Everything read at one instant. */
struct report_snap {
	uint64_t t_ns;
	struct gen_pub g;		/* summed over workers */
	struct shoal_stats st;		/* the stack's counters */
	struct shoal_tcp_stats tcp;	/* the engine's counters */
	/* End of the run only (after shoal_wait): what was left behind. */
	bool final;
	struct gen_leaks leaks;		/* summed over workers */
	const struct gen_leaks *worker_leaks;	/* [nb_workers] */
};

void report_snap(const struct gen *g, struct report_snap *s);

/* Print the block for the interval prev -> now; @p since_start in ns. */
void report_live(FILE *f, const struct gen_conf *c,
		 const struct report_snap *now, const struct report_snap *prev,
		 uint64_t since_start);

/* The pass criteria: true when every configured one is met; each failed
 * one is described in @p why (one line each). */
bool report_pass(const struct gen_conf *c, const struct report_snap *end,
		 uint64_t run_ns, char *why, size_t whylen);

/* The summary: gen counters, rates, latency percentiles, verdict. */
void report_summary(FILE *f, const struct gen_conf *c,
		    const struct report_snap *end, uint64_t run_ns,
		    bool pass, const char *why);

/* The summary as JSON, configuration included; 0 or -errno. */
int report_json(const char *path, const struct gen_conf *c,
		const struct report_snap *end, uint64_t run_ns,
		unsigned int nb_workers, bool pass, const char *why);

/* "850ns", "12.3us", "4.56ms", "1.23s" into @p buf. */
const char *report_ns(char *buf, size_t len, uint64_t ns);

#endif /* SHOAL_GEN_REPORT_H */
