/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * shoal-gen: the load generator and responder. Today it brings up the
 * stack on the ports the EAL created and answers ARP and ping, printing
 * live counters once a second and a summary on exit; the TCP profiles
 * (http, rr, bulk, echo) build on this loop.
 *
 *   shoal-gen [EAL options] -- --ip 198.18.0.2/24 [options]
 */
#include <arpa/inet.h>
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <rte_eal.h>
#include <rte_errno.h>

#include <shoal/shoal.h>
#include "stats/stats.h"

static struct shoal_stack *stack;

static void
on_signal(int sig)
{
	(void)sig;
	if (stack != NULL)
		shoal_stop(stack);
}

static void
usage(FILE *f, const char *prog)
{
	fprintf(f,
"usage: %s [EAL options] -- [options]\n"
"\n"
"  --ip ADDR/LEN        local IPv4 address and on-link prefix (required)\n"
"  --ip-count N         answer for N consecutive addresses from ADDR (1)\n"
"  --gw ADDR            default gateway (none)\n"
"  --mtu N              port MTU (the port's own)\n"
"  --capture FILE       write every received and sent packet to FILE (pcap,\n"
"                       ns timestamps); worker N>0 writes FILE.wN\n"
"  --duration SECONDS   stop after this long (0: until SIGINT/SIGTERM) (0)\n"
"  --poll idle|busy     idle backs off when nothing arrives; busy spins (idle)\n"
"  --no-offload         ignore the ports' checksum offloads\n"
"  --quiet              no live figures, only the summary\n"
"  --help               this text\n"
"\n"
"Example (TAP port; run inside a network namespace you created):\n"
"  %s --no-pci --no-huge -m 512 --vdev=net_tap0,iface=shoal0 -- \\\n"
"      --ip 198.18.0.2/24\n", prog, prog);
}

static int
parse_prefix(const char *s, rte_be32_t *ip, uint8_t *len)
{
	char buf[64], *slash;
	struct in_addr a;

	snprintf(buf, sizeof(buf), "%s", s);
	slash = strchr(buf, '/');
	*len = 32;
	if (slash != NULL) {
		char *end;
		long l = strtol(slash + 1, &end, 10);

		if (*end != '\0' || l < 0 || l > 32)
			return -EINVAL;
		*len = (uint8_t)l;
		*slash = '\0';
	}
	if (inet_pton(AF_INET, buf, &a) != 1)
		return -EINVAL;
	*ip = a.s_addr;
	return 0;
}

static void
print_live(const struct shoal_stats *now, const struct shoal_stats *prev,
	   unsigned int sec)
{
	if (sec % 20 == 0)
		printf("%6s %10s %10s %8s %8s %8s %8s %8s\n", "sec",
		       "rx pkts/s", "tx pkts/s", "arp rx", "arp tx",
		       "echo", "drops", "");
	printf("%6u %10" PRIu64 " %10" PRIu64 " %8" PRIu64 " %8" PRIu64
	       " %8" PRIu64 " %8" PRIu64 "\n", sec,
	       now->rx_packets - prev->rx_packets,
	       now->tx_packets - prev->tx_packets,
	       now->arp_rx_requests + now->arp_rx_replies,
	       now->arp_tx_requests + now->arp_tx_replies +
	       now->arp_tx_gratuitous,
	       now->icmp_echo_replies, shoal_stats_total_drops(now));
	fflush(stdout);
}

int
main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "ip", required_argument, NULL, 'i' },
		{ "ip-count", required_argument, NULL, 'n' },
		{ "gw", required_argument, NULL, 'g' },
		{ "mtu", required_argument, NULL, 'm' },
		{ "capture", required_argument, NULL, 'c' },
		{ "duration", required_argument, NULL, 'd' },
		{ "poll", required_argument, NULL, 'p' },
		{ "no-offload", no_argument, NULL, 'O' },
		{ "quiet", no_argument, NULL, 'q' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct shoal_stats prev = { 0 }, cur;
	struct shoal_conf conf;
	const char *prog = argv[0];
	unsigned long duration = 0;
	bool quiet = false;
	struct in_addr a;
	int ret, opt;

	for (int i = 1; i < argc; i++)
		if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
			usage(stdout, prog);
			return 0;
		}
	ret = rte_eal_init(argc, argv);
	if (ret < 0) {
		fprintf(stderr, "%s: EAL init failed: %s\n", prog,
			rte_strerror(rte_errno));
		return 1;
	}
	argc -= ret;
	argv += ret;

	shoal_conf_init(&conf);
	optind = 1;
	while ((opt = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (opt) {
		case 'i':
			if (parse_prefix(optarg, &conf.ip, &conf.prefix_len)) {
				fprintf(stderr, "%s: --ip %s: expected ADDR/LEN, "
					"e.g. 198.18.0.2/24\n", prog, optarg);
				return 2;
			}
			break;
		case 'n':
			conf.ip_count = strtoul(optarg, NULL, 0);
			break;
		case 'g':
			if (inet_pton(AF_INET, optarg, &a) != 1) {
				fprintf(stderr, "%s: --gw %s: not an IPv4 "
					"address\n", prog, optarg);
				return 2;
			}
			conf.gw = a.s_addr;
			break;
		case 'm':
			conf.mtu = strtoul(optarg, NULL, 0);
			break;
		case 'c':
			conf.capture = optarg;
			break;
		case 'd':
			duration = strtoul(optarg, NULL, 0);
			break;
		case 'p':
			if (strcmp(optarg, "idle") == 0)
				conf.poll = SHOAL_POLL_IDLE;
			else if (strcmp(optarg, "busy") == 0)
				conf.poll = SHOAL_POLL_BUSY;
			else {
				fprintf(stderr, "%s: --poll %s: expected idle "
					"or busy\n", prog, optarg);
				return 2;
			}
			break;
		case 'O':
			conf.no_offload = true;
			break;
		case 'q':
			quiet = true;
			break;
		default:
			usage(stderr, prog);
			return 2;
		}
	}
	if (conf.ip == 0) {
		fprintf(stderr, "%s: --ip ADDR/LEN is required\n", prog);
		usage(stderr, prog);
		return 2;
	}

	stack = shoal_init(&conf);
	if (stack == NULL) {
		fprintf(stderr, "%s: cannot start the stack: %s\n", prog,
			rte_strerror(rte_errno));
		rte_eal_cleanup();
		return 1;
	}
	shoal_dump(stdout, stack);
	signal(SIGINT, on_signal);
	signal(SIGTERM, on_signal);
	printf("shoal-gen: ready (%u worker%s)\n", shoal_nb_workers(stack),
	       shoal_nb_workers(stack) > 1 ? "s" : "");
	fflush(stdout);

	/* The main lcore either runs worker 0 (one lcore) or watches. */
	if (shoal_nb_workers(stack) == 1 && rte_lcore_count() == 1) {
		/* Only one lcore: a timer thread would need a core we do not
		 * have, so let SIGALRM end the run. */
		signal(SIGALRM, on_signal);
		if (duration)
			alarm(duration);
		shoal_launch(stack);
		shoal_wait(stack);
	} else {
		shoal_launch(stack);
		for (unsigned int sec = 1; !shoal_stopping(stack); sec++) {
			sleep(1);
			shoal_stats_read(stack, &cur);
			if (!quiet)
				print_live(&cur, &prev, sec);
			prev = cur;
			if (duration && sec >= duration)
				shoal_stop(stack);
		}
		shoal_wait(stack);
	}

	printf("shoal-gen: summary\n");
	shoal_dump(stdout, stack);
	shoal_free(stack);
	rte_eal_cleanup();
	return 0;
}
