/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef SHOAL_TESTS_EAL_LCORES_H
#define SHOAL_TESTS_EAL_LCORES_H

/*
 * The EAL argument for a test process: one lcore, free to run on every CPU
 * the process may use ("--lcores=0@(0,1)"). "-l 0", or no core option at
 * all, pins the main thread to CPU 0, and tests run side by side (Criterion's
 * workers, meson's parallel tests, the fuzz-smoke targets): all of them
 * would then share one CPU while the others idle, and a test whose threads
 * spin on each other (tests/rss) could wait out a time slice per hand-off.
 */

#include <sched.h>
#include <stdio.h>
#include <string.h>

static inline const char *
test_eal_lcores(char *buf, size_t size)
{
	cpu_set_t set;
	size_t n;
	int first = 1;

	n = (size_t)snprintf(buf, size, "--lcores=0@(");
	if (sched_getaffinity(0, sizeof(set), &set) == 0) {
		for (int c = 0; c < CPU_SETSIZE && n + 8 < size; c++) {
			if (!CPU_ISSET(c, &set))
				continue;
			n += (size_t)snprintf(buf + n, size - n, "%s%d",
					      first ? "" : ",", c);
			first = 0;
		}
	}
	if (first)	/* no mask: CPU 0, as "-l 0" */
		n += (size_t)snprintf(buf + n, size - n, "0");
	snprintf(buf + n, size - n, ")");
	return buf;
}

#endif /* SHOAL_TESTS_EAL_LCORES_H */
