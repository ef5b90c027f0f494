/* SPDX-License-Identifier: BSD-3-Clause */
/* --help, the INI dump (which must load back) and the JSON dump. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <criterion/criterion.h>

#include "helpers.h"

TestSuite(dump, .init = cfg_setup, .fini = cfg_teardown);

static const char *
help_text(void)
{
	shoal_cfg_help(out_open(), test_schema);
	return out_text();
}

static const char *
ini_text(const struct tcfg *c)
{
	shoal_cfg_dump_ini(out_open(), test_schema, c);
	return out_text();
}

static const char *
json_text(const struct tcfg *c)
{
	shoal_cfg_dump_json(out_open(), test_schema, c);
	return out_text();
}

/* Dump c as INI, load it into a zeroed object, compare every byte. */
static void
round_trip(const struct tcfg *c)
{
	struct tcfg back;
	char *before = strdup(ini_text(c));
	const char *p = write_ini("dump.ini", before);

	memset(&back, 0, sizeof(back));
	cr_assert_eq(shoal_cfg_load(test_schema, &back, p, err, sizeof(err)),
		0, "%s\n%s", err, before);
	cr_assert_eq(memcmp(&back, c, sizeof(back)), 0,
		"round trip changed the object:\n%s\nreloaded:\n%s",
		before, ini_text(&back));
	free(before);
}

Test(dump, help_lists_every_key_with_its_default)
{
	const struct shoal_cfg_key *k;
	const char *text = help_text();
	char want[256];

	for (k = test_schema; k->name != NULL; k++) {
		/* an empty default is shown quoted, as it is written */
		snprintf(want, sizeof(want), "  %s = %s  (", k->name,
			 k->def[0] ? k->def : "\"\"");
		cr_assert(strstr(text, want) != NULL, "no '%s' in:\n%s", want,
			text);
		cr_assert(strstr(text, k->help) != NULL, "no help for %s",
			k->name);
	}
}

Test(dump, help_groups_keys_under_their_section)
{
	const char *text = help_text();
	const char *main_s = strstr(text, "[main]\n");
	const char *client_s = strstr(text, "[client]\n");
	const char *server_s = strstr(text, "[server]\n");
	const char *rate = strstr(text, "accept rate limit");

	cr_assert(main_s != NULL && client_s != NULL && server_s != NULL,
		"%s", text);
	cr_assert(main_s < strstr(text, "  workers = ") &&
		strstr(text, "  workers = ") < client_s, "%s", text);
	cr_assert(rate != NULL && rate > server_s, "%s", text);
	cr_assert_eq(strstr(server_s + 1, "[server]"), NULL,
		"section listed twice");
}

Test(dump, help_shows_type_and_range)
{
	const char *text = help_text();

	cr_assert(strstr(text, "(u32)") != NULL, "%s", text);
	cr_assert(strstr(text, "in 1..64") != NULL, "%s", text);
	cr_assert(strstr(text, "one of reno, cubic, newreno") != NULL, "%s",
		text);
	cr_assert(strstr(text, "(ipv4-range)") != NULL, "%s", text);
}

Test(dump, ini_has_every_key)
{
	const struct shoal_cfg_key *k;
	const char *text = ini_text(&cfg);
	char want[128];

	for (k = test_schema; k->name != NULL; k++) {
		snprintf(want, sizeof(want), "\n%s = ", k->name);
		cr_assert(strstr(text, want) != NULL, "no %s in:\n%s", k->name,
			text);
	}
	cr_assert(strstr(text, "bufsize = 64k\n") != NULL, "%s", text);
	cr_assert(strstr(text, "timeout = 10s\n") != NULL, "%s", text);
}

Test(dump, ini_round_trip_of_defaults)
{
	round_trip(&cfg);
}

Test(dump, ini_round_trip_of_awkward_values)
{
	cr_assert_eq(set("main.name=\" a;b\\;\""), 0, "%s", err);
	cr_assert_str_eq(cfg.name, " a;b\\;");
	cr_assert_eq(set("client.ratio=0.1"), 0, "%s", err);
	cr_assert_eq(set("client.rate=1.25e-3"), 0, "%s", err);
	cr_assert_eq(set("client.loss=33.3%"), 0, "%s", err);
	cr_assert_eq(set("client.timeout=1.5s"), 0, "%s", err);
	cr_assert_eq(set("client.bufsize=1.5k"), 0, "%s", err);
	cr_assert_eq(set("client.src=0.0.0.0/0"), 0, "%s", err);
	cr_assert_eq(set("client.ports=1,2,3,4,5,6,7,8,9,10,11,12,13,14,"
		"15,60000-65535"), 0, "%s", err);
	cr_assert_eq(set("client.offset=-9223372036854775808"), 0, "%s", err);
	cr_assert_eq(set("client.count=18446744073709551615"), 0, "%s", err);
	cr_assert_eq(set("main.verbose=on"), 0, "%s", err);
	round_trip(&cfg);
}

Test(dump, ini_round_trip_of_quoted_and_empty_strings)
{
	cr_assert_eq(set("main.name=\"\"q\"\""), 0, "%s", err);
	cr_assert_str_eq(cfg.name, "\"q\"");
	round_trip(&cfg);
	cr_assert_eq(set("main.name="), 0, "%s", err);
	cr_assert_eq(set("client.ports="), 0, "%s", err);
	round_trip(&cfg);
}

Test(dump, ini_round_trip_of_every_enum_value)
{
	static const char *const names[] = { "reno", "cubic", "newreno" };
	char a[32];
	int i;

	for (i = 0; i < 3; i++) {
		snprintf(a, sizeof(a), "main.cc=%s", names[i]);
		cr_assert_eq(set(a), 0, "%s", err);
		round_trip(&cfg);
	}
}

Test(dump, json_is_valid)
{
	const char *text = json_text(&cfg);

	cr_assert(json_valid(text), "invalid JSON:\n%s", text);
	cr_assert(strstr(text, "\"client\": {") != NULL, "%s", text);
}

Test(dump, json_validator_rejects_broken_json)
{
	/* The checker the other tests rely on must be able to say no. */
	cr_assert(json_valid("{\"a\": {\"b\": [1, -2.5e3, true, null, \"x\"]}}"));
	cr_assert(!json_valid("{\"a\": 1,}"));
	cr_assert(!json_valid("{\"a\": \"x\ny\"}"));
	cr_assert(!json_valid("{\"a\": 01}"));
	cr_assert(!json_valid("{\"a\": 1} x"));
	cr_assert(!json_valid("{\"a\": \"\\q\"}"));
}

Test(dump, json_numbers_in_stored_units)
{
	const char *text;

	cr_assert_eq(set("client.loss=5%"), 0, "%s", err);
	text = json_text(&cfg);
	cr_assert(strstr(text, "\"bufsize\": 65536") != NULL, "%s", text);
	cr_assert(strstr(text, "\"timeout\": 10000000000") != NULL, "%s",
		text);
	cr_assert(strstr(text, "\"rate\": 10000") != NULL, "%s", text);
	cr_assert(strstr(text, "\"loss\": 0.05") != NULL, "%s", text);
	cr_assert(strstr(text, "\"verbose\": false") != NULL, "%s", text);
	cr_assert(strstr(text, "\"src\": \"198.18.1.1-198.18.1.200\"") != NULL,
		"%s", text);
	cr_assert(strstr(text, "\"cc\": \"cubic\"") != NULL, "%s", text);
}

Test(dump, json_escapes_strings)
{
	const char *text;

	cr_assert_eq(set("main.name=a\"b\\c\td"), 0, "%s", err);
	text = json_text(&cfg);
	cr_assert(json_valid(text), "invalid JSON:\n%s", text);
	cr_assert(strstr(text, "\"name\": \"a\\\"b\\\\c\\u0009d\"") != NULL,
		"%s", text);
}

Test(dump, json_reads_back_in_python)
{
	const char *p;
	char cmd[512], line[256] = "";
	FILE *f;

	if (system("python3 -c pass >/dev/null 2>&1") != 0)
		cr_skip_test("no python3");
	cr_assert_eq(set("main.name=q\"uote"), 0, "%s", err);
	p = write_ini("dump.json", json_text(&cfg));
	snprintf(cmd, sizeof(cmd), "python3 -c 'import json,sys; "
		"d = json.load(open(sys.argv[1])); "
		"print(d[\"main\"][\"name\"], d[\"client\"][\"bufsize\"], "
		"d[\"server\"][\"rate\"], len(d))' %s", p);
	f = popen(cmd, "r");
	cr_assert_not_null(f);
	cr_assert_not_null(fgets(line, sizeof(line), f));
	cr_assert_eq(pclose(f), 0, "python3 could not read:\n%s", line);
	cr_assert_str_eq(line, "q\"uote 65536 1000000 3\n");
}

struct nodef {
	uint32_t n;
	char s[8];
	struct shoal_addr a;
};

Test(dump, help_shows_zero_for_keys_without_default)
{
	const struct shoal_cfg_key schema[] = {
		{ "x", "n", SHOAL_CFG_U32, SHOAL_CFG_FIELD(struct nodef, n) },
		{ "x", "s", SHOAL_CFG_STRING, SHOAL_CFG_FIELD(struct nodef, s) },
		{ "x", "a", SHOAL_CFG_IPV4, SHOAL_CFG_FIELD(struct nodef, a) },
		SHOAL_CFG_END,
	};
	const char *text;

	shoal_cfg_help(out_open(), schema);
	text = out_text();
	cr_assert(strstr(text, "  n = 0  (u32)") != NULL, "%s", text);
	cr_assert(strstr(text, "  s = \"\"  (string)") != NULL, "%s", text);
	cr_assert(strstr(text, "  a = \"\"  (ipv4)") != NULL, "%s", text);
}

Test(dump, unset_addresses_round_trip)
{
	cr_assert_eq(set("server.ip="), 0, "%s", err);
	cr_assert_eq(cfg.ip.family, SHOAL_AF_NONE);
	cr_assert_eq(set("client.src="), 0, "%s", err);
	cr_assert_eq(cfg.src.count, 0);
	cr_assert_eq(set("client.local="), 0, "%s", err);
	round_trip(&cfg);
	cr_assert_eq(set("server.ip=0.0.0.0"), 0, "%s", err);
	cr_assert_eq(cfg.ip.family, SHOAL_AF_INET, "0.0.0.0 is an address");
	round_trip(&cfg);
}
