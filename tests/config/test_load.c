/* SPDX-License-Identifier: BSD-3-Clause */
/* INI files: every error names file, line, section and key. */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <criterion/criterion.h>

#include "helpers.h"

TestSuite(load, .init = cfg_setup, .fini = cfg_teardown);

static int
load(const char *content)
{
	const char *p = write_ini("t.ini", content);

	err[0] = '\0';
	return shoal_cfg_load(test_schema, &cfg, p, err, sizeof(err));
}

/* The error must start "PATH:LINE: " and contain every other piece. */
static void
expect_error(int line, const char *section_key, const char *what)
{
	char prefix[256];

	snprintf(prefix, sizeof(prefix), "%s:%d: ", write_ini_path(), line);
	cr_assert(strncmp(err, prefix, strlen(prefix)) == 0,
		"'%s' does not start with '%s'", err, prefix);
	if (section_key != NULL)
		cr_assert(strstr(err, section_key) != NULL, "no '%s' in '%s'",
			section_key, err);
	cr_assert(strstr(err, what) != NULL, "no '%s' in '%s'", what, err);
}

Test(load, every_type_from_a_file)
{
	cr_assert_eq(load(
		"[main]\n"
		"verbose = yes\n"
		"workers = 4\n"
		"name = gen-1\n"
		"mac = 02:00:00:00:00:09\n"
		"cc = reno\n"
		"[client]\n"
		"rate = 1.5M\n"
		"timeout = 200ms\n"
		"bufsize = 1M\n"
		"loss = 5%\n"
		"src = 198.18.1.0/24\n"
		"ports = 80,1000-1010\n"
		"count = 12\n"
		"offset = -40\n"
		"port = 9000\n"
		"ratio = 1.5\n"
		"local = 198.18.0.5/16\n"
		"[server]\n"
		"rate = 20k\n"
		"ip = 198.18.0.7\n"
		"listen_port = 443\n"), 0, "%s", err);
	cr_assert(cfg.verbose);
	cr_assert_eq(cfg.workers, 4);
	cr_assert_str_eq(cfg.name, "gen-1");
	cr_assert_eq(cfg.mac.addr_bytes[5], 9);
	cr_assert_eq(cfg.cc, 0);
	cr_assert_eq(cfg.rate, 1500000.0);
	cr_assert_eq(cfg.timeout, 200000000ULL);
	cr_assert_eq(cfg.bufsize, 1048576);
	cr_assert_float_eq(cfg.loss, 0.05, 1e-15);
	cr_assert_eq(cfg.src.count, 256);
	cr_assert_eq(cfg.ports.n, 2);
	cr_assert_eq(cfg.count, 12);
	cr_assert_eq(cfg.offset, -40);
	cr_assert_eq(cfg.port, 9000);
	cr_assert_eq(cfg.ratio, 1.5);
	cr_assert_eq(cfg.local.len, 16);
	cr_assert_eq(cfg.server_rate, 20000.0);
	cr_assert_eq(host_ip(&cfg.ip), 0xc6120007);
	cr_assert_eq(cfg.listen_port, 443);
}

Test(load, absent_keys_keep_their_defaults)
{
	cr_assert_eq(load("[client]\nrate = 5\n"), 0, "%s", err);
	cr_assert_eq(cfg.rate, 5.0);
	cr_assert_eq(cfg.server_rate, 1e6);
	cr_assert_eq(cfg.bufsize, 65536);
	cr_assert_str_eq(cfg.name, "shoal");
}

Test(load, missing_file_is_named)
{
	const char *p = "/nonexistent/shoal.ini";

	cr_assert_eq(shoal_cfg_load(test_schema, &cfg, p, err, sizeof(err)),
		-ENOENT);
	cr_assert(strstr(err, p) != NULL, "%s", err);
	cr_assert(strstr(err, "cannot open") != NULL, "%s", err);
}

Test(load, unknown_section_names_its_line)
{
	cr_assert_eq(load("[main]\nworkers = 2\n\n[bogus]\nx = 1\n"), -ENOENT);
	expect_error(4, "[bogus]", "unknown section");
	cr_assert(strstr(err, "main, client, server") != NULL, "%s", err);
}

Test(load, unknown_key_names_its_line)
{
	cr_assert_eq(load("[client]\nrate = 1\ntimeout = 1s\nratee = 5\n"),
		-ENOENT);
	expect_error(4, "[client] ratee", "unknown key");
	cr_assert(strstr(err, "rate, timeout") != NULL, "%s", err);
}

Test(load, bad_value_names_file_line_section_key)
{
	cr_assert_eq(load("[main]\nworkers = 2\n[client]\nrate = 1k\n"
		"timeout = soon\n"), -EINVAL);
	expect_error(5, "[client] timeout", "bad value 'soon'");
	cr_assert(strstr(err, "(expected a duration") != NULL, "%s", err);
}

Test(load, out_of_range_names_its_line)
{
	cr_assert_eq(load("[main]\nworkers = 65\n"), -ERANGE);
	expect_error(2, "[main] workers", "out of range (expected an integer "
		"in 1..64)");
}

Test(load, line_numbers_count_comments_and_blanks)
{
	cr_assert_eq(load("; shoal-gen scenario\n"
		"\n"
		"[client]   ; the active side\n"
		"   ; indented comment\n"
		"rate = 10k\n"
		"\n"
		"port = 70000 ; too big\n"), -ERANGE);
	expect_error(7, "[client] port", "'70000' out of range");
}

Test(load, error_in_a_later_section_has_its_own_line)
{
	cr_assert_eq(load("[main]\nworkers = 3\n[client]\nrate = 5\n"
		"[server]\nrate = 7\nip = 10.0.0.256\n"), -EINVAL);
	expect_error(7, "[server] ip", "bad value");
}

Test(load, duplicate_key_names_both_lines)
{
	cr_assert_eq(load("[client]\nrate = 1k\nport = 1\nrate = 2k\n"),
		-EINVAL);
	expect_error(4, "[client] rate", "duplicate key, first set on line 2");
}

Test(load, repeated_section_is_refused)
{
	cr_assert_eq(load("[client]\nrate = 1k\n[main]\nworkers = 2\n"
		"[client]\nport = 9\n"), -EINVAL);
	expect_error(5, "[client]", "section repeated, first on line 1");
}

Test(load, comments_and_whitespace)
{
	cr_assert_eq(load("  [ client ]  \n"
		"\t rate\t=\t 2k \t; two thousand\n"
		"; rate = 9k\n"
		"bufsize=1M;no spaces\n"), 0, "%s", err);
	cr_assert_eq(cfg.rate, 2000.0);
	cr_assert_eq(cfg.bufsize, 1048576);
}

Test(load, crlf_line_endings)
{
	cr_assert_eq(load("[client]\r\nrate = 3k\r\nport = 81\r\n"), 0, "%s",
		err);
	cr_assert_eq(cfg.rate, 3000.0);
	cr_assert_eq(cfg.port, 81);
}

Test(load, escaped_comment_character_in_string)
{
	cr_assert_eq(load("[main]\nname = a\\;b\n"), 0, "%s", err);
	cr_assert_str_eq(cfg.name, "a;b");
}

Test(load, line_without_equals_is_an_error)
{
	/* rte_cfgfile would skip this line silently. */
	cr_assert_eq(load("[client]\nrate = 1k\ntimeout 5s\n"), -EINVAL);
	expect_error(3, "[client]", "'timeout 5s' is not");
	cr_assert_eq(cfg.rate, 10000.0, "file half applied");
}

Test(load, key_before_any_section)
{
	cr_assert_eq(load("; header\nrate = 1k\n[client]\n"), -EINVAL);
	expect_error(2, NULL, "before any [section]");
}

Test(load, unclosed_section_header)
{
	cr_assert_eq(load("[main]\nworkers = 2\n[client\nrate = 1\n"),
		-EINVAL);
	expect_error(3, NULL, "no closing ']'");
}

Test(load, text_after_section_header)
{
	cr_assert_eq(load("[main] extra\nworkers = 2\n"), -EINVAL);
	expect_error(1, NULL, "text after ']'");
}

Test(load, empty_key_name)
{
	cr_assert_eq(load("[main]\n = 2\n"), -EINVAL);
	expect_error(2, "[main]", "no key before '='");
}

Test(load, empty_value_clears_a_string_but_not_a_number)
{
	cr_assert_eq(load("[main]\nname =\n"), 0, "%s", err);
	cr_assert_str_eq(cfg.name, "");
	cr_assert_eq(load("[main]\nworkers =\n"), -EINVAL);
	expect_error(2, "[main] workers", "bad value ''");
}

Test(load, overlong_value_is_refused_not_truncated)
{
	char text[400];

	snprintf(text, sizeof(text), "[main]\nname = %0300d\n", 7);
	cr_assert_eq(load(text), -EINVAL);
	expect_error(2, "[main]", "value longer than 255");
}

Test(load, overlong_line_is_refused)
{
	char text[800];

	snprintf(text, sizeof(text), "[main]\n;%0600d\n", 7);
	cr_assert_eq(load(text), -EINVAL);
	expect_error(2, NULL, "line longer than");
}

Test(load, empty_file_changes_nothing)
{
	struct tcfg before = cfg;

	cr_assert_eq(load(""), 0, "%s", err);
	cr_assert_eq(memcmp(&before, &cfg, sizeof(cfg)), 0);
	cr_assert_eq(load("; only a comment\n\n"), 0, "%s", err);
	cr_assert_eq(memcmp(&before, &cfg, sizeof(cfg)), 0);
}

Test(load, empty_section_is_fine_unknown_is_not)
{
	cr_assert_eq(load("[server]\n[client]\nrate = 4\n"), 0, "%s", err);
	cr_assert_eq(cfg.rate, 4.0);
	cr_assert_eq(load("[client]\nrate = 4\n[]\n"), -ENOENT);
	expect_error(3, "[]", "unknown section");
}

Test(load, names_are_case_sensitive_in_files)
{
	cr_assert_eq(load("[client]\nRate = 4\n"), -ENOENT);
	expect_error(2, "[client] Rate", "unknown key");
	cr_assert_eq(load("[Client]\nrate = 4\n"), -ENOENT);
	expect_error(1, "[Client]", "unknown section");
}

Test(load, hash_is_not_a_comment_and_says_so)
{
	/* rte_cfgfile would read "# rate" as a key named "# rate". */
	cr_assert_eq(load("[client]\n# rate = 5\n"), -EINVAL);
	expect_error(2, "[client]", "'#' does not start a comment "
		"(expected ';')");
	cr_assert_eq(cfg.rate, 10000.0);
}

Test(load, overlong_section_name)
{
	char text[200];

	snprintf(text, sizeof(text), "[main]\nworkers = 2\n[%070d]\n", 1);
	cr_assert_eq(load(text), -EINVAL);
	expect_error(3, NULL, "section name longer than 63");
}
