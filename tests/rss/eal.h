/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef SHOAL_TESTS_RSS_EAL_H
#define SHOAL_TESTS_RSS_EAL_H

/*
 * EAL for one Criterion test process: no hugepages, no PCI, no shared
 * config, a file prefix of its own so parallel tests never meet.
 */

#include <stdio.h>
#include <unistd.h>

#include <criterion/criterion.h>
#include <rte_eal.h>
#include <rte_mbuf.h>

#include "../eal_lcores.h"

static inline void
test_eal_up(void)
{
	char prefix[64], lcores[256];
	char *argv[] = {
		"test_rss", "--no-huge", "-m", "256", "--no-pci",
		"--no-shconf", "--no-telemetry", "--log-level=lib.eal:error",
		lcores,
		"--file-prefix", prefix, NULL,
	};

	snprintf(prefix, sizeof(prefix), "shoal_rss_%d", (int)getpid());
	test_eal_lcores(lcores, sizeof(lcores));
	cr_assert_geq(rte_eal_init(RTE_DIM(argv) - 1, argv), 0,
		      "rte_eal_init failed");
}

static inline void
test_eal_down(void)
{
	rte_eal_cleanup();
}

#endif /* SHOAL_TESTS_RSS_EAL_H */
