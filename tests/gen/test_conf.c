/* SPDX-License-Identifier: BSD-3-Clause */
#include <arpa/inet.h>
#include <criterion/criterion.h>
#include <dirent.h>
#include <string.h>

#include "gen.h"

static struct gen_conf conf;
static char err[512];

Test(gen_conf, schema_is_consistent)
{
	cr_assert_eq(shoal_cfg_check(gen_schema, err, sizeof(err)), 0, "%s", err);
}

/* Every shipped scenario loads, passes the cross-key checks, and keeps to
 * the benchmarking range 198.18.0.0/15. */
Test(gen_conf, every_conf_file_loads)
{
	DIR *d = opendir(CONF_DIR);
	struct dirent *e;
	int n = 0;

	cr_assert_not_null(d, "cannot open %s", CONF_DIR);
	while ((e = readdir(d)) != NULL) {
		char path[1024];
		size_t l = strlen(e->d_name);

		if (l < 5 || strcmp(e->d_name + l - 4, ".ini") != 0)
			continue;
		snprintf(path, sizeof(path), "%s/%s", CONF_DIR, e->d_name);
		cr_assert_eq(shoal_cfg_defaults(gen_schema, &conf), 0);
		cr_assert_eq(shoal_cfg_load(gen_schema, &conf, path, err,
					    sizeof(err)), 0, "%s", err);
		cr_assert_eq(gen_conf_check(&conf, err, sizeof(err)), 0,
			     "%s: %s", path, err);
		cr_expect_eq(ntohl(conf.ip.addr.v4) >> 17, 0xc612 >> 1,
			     "%s: stack ip outside 198.18.0.0/15", path);
		if (gen_is_client(&conf))
			cr_expect_eq(ntohl(conf.server_ip.first.v4) >> 17,
				     0xc612 >> 1, "%s: server outside "
				     "198.18.0.0/15", path);
		n++;
	}
	closedir(d);
	cr_expect_geq(n, 11, "only %d conf files", n);
}

Test(gen_conf, old_long_options_still_work)
{
	char *argv[] = { "shoal-gen", "--ip", "198.18.0.2/24", "--ip-count",
		"4", "--gw", "198.18.0.254", "--mtu", "1400", "--capture",
		"/tmp/x.pcap", "--duration", "5", "--poll", "busy",
		"--no-offload", "--quiet", "--json", "/tmp/r.json",
		"client.cps=2.5k", NULL };
	int argc = sizeof(argv) / sizeof(argv[0]) - 1;

	cr_assert_eq(shoal_cfg_parse_args(gen_schema, &conf, argc, argv, err,
					  sizeof(err)), 0, "%s", err);
	cr_expect_eq(conf.ip.addr.v4, htonl(0xc6120002));
	cr_expect_eq(conf.ip.len, 24);
	cr_expect_eq(conf.ip_count, 4);
	cr_expect_eq(conf.gw.v4, htonl(0xc61200fe));
	cr_expect_eq(conf.mtu, 1400);
	cr_expect_str_eq(conf.capture, "/tmp/x.pcap");
	cr_expect_eq(conf.duration, 5000000000ULL);
	cr_expect_eq(conf.poll, GEN_POLL_BUSY);
	cr_expect(conf.no_offload);
	cr_expect(conf.quiet);
	cr_expect_str_eq(conf.json, "/tmp/r.json");
	cr_expect_eq(conf.cps, 2500.0);
	/* defaults elsewhere */
	cr_expect_eq(conf.role, GEN_ROLE_SERVER);
	cr_expect_eq(conf.concurrency, 100);
	cr_expect_eq(conf.pass_max_failures, -1);
}

Test(gen_conf, missing_address_is_refused)
{
	char *argv[] = { "shoal-gen", "--duration", "5", NULL };

	cr_assert_eq(shoal_cfg_parse_args(gen_schema, &conf, 3, argv, err,
					  sizeof(err)), 0, "%s", err);
	cr_expect_neq(gen_conf_check(&conf, err, sizeof(err)), 0);
	cr_expect_not_null(strstr(err, "ip"));
}

Test(gen_conf, help_lists_every_key_with_its_default)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	shoal_cfg_help(f, gen_schema);
	fclose(f);
	for (const struct shoal_cfg_key *k = gen_schema; k->name; k++)
		cr_expect_not_null(strstr(buf, k->name), "--help lacks %s",
				   k->name);
	cr_expect_not_null(strstr(buf, "16384"));
	free(buf);
}
