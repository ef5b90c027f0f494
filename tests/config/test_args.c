/* SPDX-License-Identifier: BSD-3-Clause */
/* Command lines: defaults < --config files < arguments, in order. */
#include <errno.h>
#include <string.h>

#include <criterion/criterion.h>

#include "helpers.h"

TestSuite(args, .init = cfg_setup, .fini = cfg_teardown);

/* Parse a NULL-terminated list of arguments after a program name. */
#define PARSE(...) parse((char *[]){ "prog", __VA_ARGS__, NULL })

static int
parse(char **argv)
{
	int argc = 0;

	while (argv[argc] != NULL)
		argc++;
	memset(&cfg, 0xa5, sizeof(cfg));	/* defaults must overwrite */
	err[0] = '\0';
	return shoal_cfg_parse_args(test_schema, &cfg, argc, argv, err,
		sizeof(err));
}

static const char *
ini(void)
{
	return write_ini("a.ini", "[client]\nrate = 1k\nport = 1111\n"
		"[main]\nworkers = 2\n");
}

Test(args, no_arguments_gives_defaults)
{
	char *argv[] = { "prog", NULL };

	cr_assert_eq(parse(argv), 0, "%s", err);
	cr_assert_eq(cfg.rate, 10000.0);
	cr_assert_eq(cfg.workers, 1);
	cr_assert_str_eq(cfg.name, "shoal");
	cr_assert_eq(cfg.ports.n, 1);
	cr_assert_eq(cfg.offset, -5);
}

Test(args, config_file_is_loaded)
{
	cr_assert_eq(PARSE("--config", (char *)ini()), 0, "%s", err);
	cr_assert_eq(cfg.rate, 1000.0);
	cr_assert_eq(cfg.port, 1111);
	cr_assert_eq(cfg.workers, 2);
	cr_assert_eq(cfg.server_rate, 1e6, "default lost");
}

Test(args, short_and_equals_config_forms)
{
	char opt[200];

	cr_assert_eq(PARSE("-c", (char *)ini()), 0, "%s", err);
	cr_assert_eq(cfg.port, 1111);
	snprintf(opt, sizeof(opt), "--config=%s", ini());
	cr_assert_eq(PARSE(opt), 0, "%s", err);
	cr_assert_eq(cfg.port, 1111);
}

Test(args, command_line_overrides_file_wherever_it_stands)
{
	cr_assert_eq(PARSE("client.rate=5k", "--config", (char *)ini(),
		"--port", "2222"), 0, "%s", err);
	cr_assert_eq(cfg.rate, 5000.0, "file overrode the command line");
	cr_assert_eq(cfg.port, 2222);
	cr_assert_eq(cfg.workers, 2);
}

Test(args, later_arguments_win)
{
	cr_assert_eq(PARSE("client.rate=1k", "--client.rate", "2k"), 0, "%s",
		err);
	cr_assert_eq(cfg.rate, 2000.0);
}

Test(args, later_config_files_win)
{
	const char *a = ini();
	char first[200];

	snprintf(first, sizeof(first), "%s", a);
	write_ini("b.ini", "[client]\nrate = 3k\n");
	cr_assert_eq(PARSE("-c", first, "-c", (char *)write_ini_path()), 0,
		"%s", err);
	cr_assert_eq(cfg.rate, 3000.0);
	cr_assert_eq(cfg.port, 1111);
}

Test(args, section_dot_key_assignment)
{
	cr_assert_eq(PARSE("server.rate=7", "client.src=198.18.2.0/23"), 0,
		"%s", err);
	cr_assert_eq(cfg.server_rate, 7.0);
	cr_assert_eq(cfg.rate, 10000.0);
	cr_assert_eq(cfg.src.count, 512);
}

Test(args, unique_key_assignment)
{
	cr_assert_eq(PARSE("workers=8", "timeout=2m"), 0, "%s", err);
	cr_assert_eq(cfg.workers, 8);
	cr_assert_eq(cfg.timeout, 120000000000ULL);
}

Test(args, ambiguous_key_is_refused)
{
	cr_assert_eq(PARSE("rate=10"), -EINVAL);
	cr_assert(strstr(err, "'rate=10'") != NULL, "%s", err);
	cr_assert(strstr(err, "[client] and [server]") != NULL, "%s", err);
	cr_assert(strstr(err, "client.rate") != NULL, "%s", err);
	cr_assert_eq(PARSE("--rate", "10"), -EINVAL);
	cr_assert(strstr(err, "ambiguous") != NULL, "%s", err);
}

Test(args, long_option_with_separate_value)
{
	cr_assert_eq(PARSE("--workers", "6", "--name", "x y"), 0, "%s", err);
	cr_assert_eq(cfg.workers, 6);
	cr_assert_str_eq(cfg.name, "x y");
}

Test(args, long_option_with_equals)
{
	cr_assert_eq(PARSE("--workers=5", "--server.ip=198.18.0.3"), 0, "%s",
		err);
	cr_assert_eq(cfg.workers, 5);
	cr_assert_eq(host_ip(&cfg.ip), 0xc6120003);
}

Test(args, long_option_value_may_look_like_an_option)
{
	cr_assert_eq(PARSE("--offset", "-7", "--name", "-c"), 0, "%s", err);
	cr_assert_eq(cfg.offset, -7);
	cr_assert_str_eq(cfg.name, "-c");
}

Test(args, dash_and_underscore_are_the_same)
{
	cr_assert_eq(PARSE("--listen-port", "81"), 0, "%s", err);
	cr_assert_eq(cfg.listen_port, 81);
	cr_assert_eq(PARSE("--server.listen_port=82"), 0, "%s", err);
	cr_assert_eq(cfg.listen_port, 82);
	cr_assert_eq(PARSE("listen-port=83"), 0, "%s", err);
	cr_assert_eq(cfg.listen_port, 83);
}

Test(args, bool_flag_alone_means_true)
{
	cr_assert_eq(PARSE("--verbose", "--workers", "3"), 0, "%s", err);
	cr_assert(cfg.verbose);
	cr_assert_eq(cfg.workers, 3);
	cr_assert_eq(PARSE("--verbose"), 0, "%s", err);
	cr_assert(cfg.verbose);
	cr_assert_eq(PARSE("--verbose", "off"), 0, "%s", err);
	cr_assert(!cfg.verbose);
	cr_assert_eq(PARSE("--verbose=no"), 0, "%s", err);
	cr_assert(!cfg.verbose);
}

Test(args, help_returns_its_own_code)
{
	cr_assert_eq(PARSE("--workers", "3", "--help"), SHOAL_CFG_HELP);
	cr_assert_eq(cfg.workers, 1, "defaults not applied before help");
	cr_assert_eq(PARSE("-h"), SHOAL_CFG_HELP);
	cr_assert_eq(PARSE("--name", "--help"), 0, "%s", err);
	cr_assert_str_eq(cfg.name, "--help");
}

Test(args, unknown_argument_is_named)
{
	cr_assert_eq(PARSE("--workers", "2", "frobnicate"), -EINVAL);
	cr_assert(strstr(err, "'frobnicate'") != NULL, "%s", err);
	cr_assert(strstr(err, "unknown argument") != NULL, "%s", err);
	cr_assert_eq(PARSE("-x"), -EINVAL);
	cr_assert(strstr(err, "'-x'") != NULL, "%s", err);
}

Test(args, unknown_long_option_is_named)
{
	cr_assert_eq(PARSE("--nope", "1"), -ENOENT);
	cr_assert(strstr(err, "'--nope'") != NULL, "%s", err);
	cr_assert(strstr(err, "unknown key 'nope'") != NULL, "%s", err);
	cr_assert_eq(PARSE("--client.nope=1"), -ENOENT);
	cr_assert(strstr(err, "client.nope") != NULL, "%s", err);
	cr_assert_eq(PARSE("nosuch.rate=1"), -ENOENT);
	cr_assert(strstr(err, "nosuch.rate") != NULL, "%s", err);
}

Test(args, missing_value_at_the_end)
{
	cr_assert_eq(PARSE("--workers"), -EINVAL);
	cr_assert(strstr(err, "'--workers'") != NULL, "%s", err);
	cr_assert(strstr(err, "missing value") != NULL, "%s", err);
	cr_assert_eq(PARSE("--config"), -EINVAL);
	cr_assert(strstr(err, "missing file name") != NULL, "%s", err);
}

Test(args, bad_value_names_argument_and_key)
{
	cr_assert_eq(PARSE("--bufsize", "lots"), -EINVAL);
	cr_assert(strstr(err, "argument '--bufsize'") != NULL, "%s", err);
	cr_assert(strstr(err, "[client] bufsize") != NULL, "%s", err);
	cr_assert(strstr(err, "bad value 'lots'") != NULL, "%s", err);
	cr_assert_eq(PARSE("main.workers=0"), -ERANGE);
	cr_assert(strstr(err, "argument 'main.workers=0'") != NULL, "%s", err);
}

Test(args, error_in_config_file_is_reported_with_its_line)
{
	const char *p = write_ini("bad.ini", "[client]\nrate = 1k\nport = x\n");
	char want[200];

	cr_assert_eq(PARSE("--config", (char *)p), -EINVAL);
	snprintf(want, sizeof(want), "%s:3: [client] port: bad value", p);
	cr_assert(strstr(err, want) != NULL, "%s", err);
	cr_assert_eq(PARSE("--config", "/nonexistent/x.ini"), -ENOENT);
	cr_assert(strstr(err, "/nonexistent/x.ini") != NULL, "%s", err);
}

Test(args, set_refuses_text_without_equals)
{
	cr_assert_eq(set("client.rate"), -EINVAL);
	cr_assert(strstr(err, "expected section.key=value") != NULL, "%s",
		err);
	cr_assert_eq(set("=5"), -EINVAL);
	cr_assert_eq(cfg.rate, 10000.0);
}

Test(args, set_value_may_contain_equals)
{
	cr_assert_eq(set("main.name=a=b"), 0, "%s", err);
	cr_assert_str_eq(cfg.name, "a=b");
}

/* A struct whose member does not match the declared type. */
struct wrong {
	uint16_t small;
	char s[8];
};

Test(args, schema_check_catches_mistakes)
{
	const struct shoal_cfg_key size_mismatch[] = {
		{ "a", "x", SHOAL_CFG_U32, SHOAL_CFG_FIELD(struct wrong, small) },
		SHOAL_CFG_END,
	};
	const struct shoal_cfg_key bad_default[] = {
		{ "a", "x", SHOAL_CFG_U16, SHOAL_CFG_FIELD(struct wrong, small),
			.def = "70000" },
		SHOAL_CFG_END,
	};
	const struct shoal_cfg_key twice[] = {
		{ "a", "x", SHOAL_CFG_U16, SHOAL_CFG_FIELD(struct wrong, small) },
		{ "a", "x", SHOAL_CFG_STRING, SHOAL_CFG_FIELD(struct wrong, s) },
		SHOAL_CFG_END,
	};
	const struct shoal_cfg_key no_names[] = {
		{ "a", "x", SHOAL_CFG_ENUM, .size = sizeof(int) },
		SHOAL_CFG_END,
	};
	struct wrong w;
	char *argv[] = { "prog", NULL };

	cr_assert_eq(shoal_cfg_check(size_mismatch, err, sizeof(err)),
		-EINVAL);
	cr_assert(strstr(err, "[a] x") != NULL, "%s", err);
	cr_assert(strstr(err, "u32") != NULL, "%s", err);
	cr_assert_eq(shoal_cfg_parse_args(size_mismatch, &w, 1, argv, err,
		sizeof(err)), -EINVAL);
	cr_assert_eq(shoal_cfg_check(bad_default, err, sizeof(err)), -EINVAL);
	cr_assert(strstr(err, "default") != NULL, "%s", err);
	cr_assert_eq(shoal_cfg_defaults(bad_default, &w), -EINVAL);
	cr_assert_eq(shoal_cfg_check(twice, err, sizeof(err)), -EINVAL);
	cr_assert(strstr(err, "twice") != NULL, "%s", err);
	cr_assert_eq(shoal_cfg_check(no_names, err, sizeof(err)), -EINVAL);
}
