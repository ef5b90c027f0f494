/* SPDX-License-Identifier: BSD-3-Clause */
/* impair_parse / impair_format: every key, every unit, every error. */
#include <errno.h>
#include <string.h>

#include <criterion/criterion.h>

#include "dev/impair.h"

static struct impair_conf
parse_ok(const char *spec)
{
	struct impair_conf c;
	char err[256] = "";
	int ret = impair_parse(spec, &c, err, sizeof(err));

	cr_assert_eq(ret, 0, "'%s' rejected: %s", spec, err);
	return c;
}

Test(impair_parse, full_spec_sets_every_field)
{
	struct impair_conf c = parse_ok("loss=5%,reorder=5%,dup=1%,"
		"corrupt=0.1%,delay=200us,jitter=50us,seed=42");

	cr_expect_eq(c.loss, 50000000);
	cr_expect_eq(c.reorder, 50000000);
	cr_expect_eq(c.dup, 10000000);
	cr_expect_eq(c.corrupt, 1000000);
	cr_expect_eq(c.delay_ns, 200000);
	cr_expect_eq(c.jitter_ns, 50000);
	cr_expect_eq(c.seed, 42);
	cr_expect_eq(c.dir, IMPAIR_DIR_BOTH);
	cr_expect_eq(c.limit, IMPAIR_LIMIT_DEFAULT);
	cr_expect_eq(c.gap, 1);
	cr_expect_eq(c.rate_bps, 0);
	cr_expect(impair_conf_active(&c));
	cr_expect(impair_applies(&c, IMPAIR_DIR_RX));
	cr_expect(impair_applies(&c, IMPAIR_DIR_TX));
}

Test(impair_parse, fraction_equals_percentage)
{
	cr_expect_eq(parse_ok("loss=0.05").loss, parse_ok("loss=5%").loss);
	cr_expect_eq(parse_ok("dup=0.001").dup, parse_ok("dup=0.1%").dup);
	cr_expect_eq(parse_ok("loss=1").loss, IMPAIR_PPB);
	cr_expect_eq(parse_ok("loss=100%").loss, IMPAIR_PPB);
	cr_expect_eq(parse_ok("loss=0").loss, 0);
	cr_expect_eq(parse_ok("loss=0.0000001%").loss, 1);
	cr_expect_eq(parse_ok("loss=0.000000001").loss, 1);
	cr_expect_eq(parse_ok("loss=5.000000000000%").loss, 50000000);
}

Test(impair_parse, durations_take_every_unit)
{
	cr_expect_eq(parse_ok("delay=10ns").delay_ns, 10);
	cr_expect_eq(parse_ok("delay=200us").delay_ns, 200000);
	cr_expect_eq(parse_ok("delay=1.5ms").delay_ns, 1500000);
	cr_expect_eq(parse_ok("delay=2s").delay_ns, 2000000000ull);
	cr_expect_eq(parse_ok("delay=60s").delay_ns, 60000000000ull);
	cr_expect_eq(parse_ok("delay=0").delay_ns, 0);
	cr_expect_eq(parse_ok("jitter=0.5us").jitter_ns, 500);
}

Test(impair_parse, rate_seed_dir_limit_gap)
{
	cr_expect_eq(parse_ok("rate=1G").rate_bps, 1000000000ull);
	cr_expect_eq(parse_ok("rate=2.5M").rate_bps, 2500000);
	cr_expect_eq(parse_ok("rate=10k").rate_bps, 10000);
	cr_expect_eq(parse_ok("rate=10K").rate_bps, 10000);
	cr_expect_eq(parse_ok("rate=1T").rate_bps, 1000000000000ull);
	cr_expect_eq(parse_ok("rate=1200").rate_bps, 1200);
	cr_expect_eq(parse_ok("seed=0x10").seed, 16);
	cr_expect_eq(parse_ok("seed=18446744073709551615").seed, UINT64_MAX);
	cr_expect_eq(parse_ok("dir=rx").dir, IMPAIR_DIR_RX);
	cr_expect_eq(parse_ok("dir=tx").dir, IMPAIR_DIR_TX);
	cr_expect_eq(parse_ok("dir=both").dir, IMPAIR_DIR_BOTH);
	cr_expect_eq(parse_ok("limit=128").limit, 128);
	cr_expect_eq(parse_ok("gap=3").gap, 3);
}

Test(impair_parse, direction_decides_where_it_applies)
{
	struct impair_conf c = parse_ok("loss=1%,dir=rx");

	cr_expect(impair_applies(&c, IMPAIR_DIR_RX));
	cr_expect_not(impair_applies(&c, IMPAIR_DIR_TX));
	c = parse_ok("dir=tx,seed=3");
	cr_expect_not(impair_conf_active(&c), "a seed alone impairs nothing");
	cr_expect_not(impair_applies(&c, IMPAIR_DIR_TX));
}

Test(impair_parse, defaults_are_a_no_op)
{
	struct impair_conf c;

	impair_conf_init(&c);
	cr_expect_not(impair_conf_active(&c));
	cr_expect_eq(c.dir, IMPAIR_DIR_BOTH);
	cr_expect_eq(c.limit, IMPAIR_LIMIT_DEFAULT);
	cr_expect_eq(c.gap, 1);
}

static const struct {
	const char *spec;
	const char *msg;	/* must appear in the error */
} bad[] = {
	{ "", "empty" },
	{ "loss", "loss: not key=value" },
	{ "=5%", "=5%: not key=value" },
	{ "loss=", "loss=: not a percentage" },
	{ "loss=abc", "loss=abc: not a percentage" },
	{ "loss=5%%", "loss=5%%: not a percentage" },
	{ "loss=-1%", "loss=-1%: not a percentage" },
	{ "loss=.%", "loss=.%: not a percentage" },
	{ "loss=150%", "loss=150%: above 100%" },
	{ "dup=1.5", "dup=1.5: above 100%" },
	{ "corrupt=0.00000001%", "corrupt=0.00000001%: finer than 1e-9" },
	{ "reorder=0.0000000001", "reorder=0.0000000001: not a percentage" },
	{ "delay=5", "delay=5: missing unit" },
	{ "delay=5xs", "delay=5xs: unknown unit 'xs'" },
	{ "delay=us", "delay=us: not a duration" },
	{ "delay=1.5ns", "delay=1.5ns: not a whole number of ns" },
	{ "delay=61s", "delay=61s: above 60s" },
	{ "jitter=-1us", "jitter=-1us: not a duration" },
	{ "jitter=99999999999999999999s", "jitter=99999999999999999999s: not a duration" },
	{ "rate=1X", "rate=1X: unknown suffix 'X'" },
	{ "rate=0.5", "rate=0.5: not a whole number" },
	{ "rate=fast", "rate=fast: not a rate" },
	{ "rate=99999999T", "rate=99999999T: too large" },
	{ "seed=abc", "seed=abc: not an unsigned number" },
	{ "seed=-1", "seed=-1: not an unsigned number" },
	{ "seed=12x", "seed=12x: not an unsigned number" },
	{ "seed=18446744073709551616", "seed=18446744073709551616: not an unsigned" },
	{ "dir=up", "dir=up: not rx, tx or both" },
	{ "limit=0", "limit=0: out of range 1..65536" },
	{ "limit=65537", "limit=65537: out of range" },
	{ "gap=0", "gap=0: out of range 1..64" },
	{ "gap=65", "gap=65: out of range" },
	{ "foo=1", "foo=1: unknown key 'foo'" },
	{ "loss=1%,loss=2%", "loss=2%: loss given twice" },
	{ "loss=1%,,dup=1%", "empty item" },
	{ ",loss=1%", "empty item" },
	{ "loss=1%,", "empty item" },
	{ "loss=1%,delay=1us,Loss=2%", "Loss=2%: unknown key" },
};

Test(impair_parse, every_error_names_key_and_value)
{
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		struct impair_conf c;
		char err[256] = "";
		int ret;

		memset(&c, 0xa5, sizeof(c));
		ret = impair_parse(bad[i].spec, &c, err, sizeof(err));
		cr_expect_eq(ret, -EINVAL, "'%s' accepted", bad[i].spec);
		cr_expect(strstr(err, bad[i].msg) != NULL,
			  "'%s': error '%s' lacks '%s'", bad[i].spec, err,
			  bad[i].msg);
		cr_expect_eq(c.loss, 0xa5a5a5a5, "'%s' touched conf",
			     bad[i].spec);
	}
}

Test(impair_parse, errors_without_a_buffer)
{
	struct impair_conf c;
	char err[4] = "xyz";

	cr_expect_eq(impair_parse("foo=1", &c, NULL, 0), -EINVAL);
	cr_expect_eq(impair_parse(NULL, &c, NULL, 0), -EINVAL);
	cr_expect_eq(impair_parse("foo=1", &c, err, sizeof(err)), -EINVAL);
	cr_expect_str_eq(err, "foo", "truncated, still terminated");
}

Test(impair_parse, too_long_spec_is_refused)
{
	char spec[600];
	char err[128] = "";
	struct impair_conf c;

	memset(spec, 'a', sizeof(spec) - 1);
	spec[sizeof(spec) - 1] = '\0';
	cr_expect_eq(impair_parse(spec, &c, err, sizeof(err)), -EINVAL);
	cr_expect(strstr(err, "longer than") != NULL, "%s", err);
}

Test(impair_format, prints_the_canonical_spec)
{
	struct impair_conf c = parse_ok("seed=7,jitter=50us,delay=0.2ms,"
		"corrupt=0.001,dup=1%,reorder=0.05,loss=5%");
	char buf[256];
	int n = impair_format(&c, buf, sizeof(buf));

	cr_expect_str_eq(buf, "loss=5%,reorder=5%,dup=1%,corrupt=0.1%,"
			 "delay=200us,jitter=50us,seed=7");
	cr_expect_eq(n, (int)strlen(buf));
}

Test(impair_format, round_trips)
{
	static const char *const specs[] = {
		"loss=5%,reorder=5%,dup=1%,corrupt=0.1%,delay=200us,jitter=50us,seed=1",
		"loss=0.0000001%,delay=1ns,seed=0",
		"loss=100%,reorder=33.3333333%,gap=7,dup=99.9999999%,"
			"corrupt=12.5%,delay=1500us,jitter=3s,rate=2500k,"
			"limit=100,seed=18446744073709551615,dir=rx",
		"rate=1G,delay=1.000001s,dir=tx,seed=9",
		"seed=0",
	};

	for (size_t i = 0; i < sizeof(specs) / sizeof(specs[0]); i++) {
		struct impair_conf a = parse_ok(specs[i]), b;
		char buf[256];

		impair_format(&a, buf, sizeof(buf));
		b = parse_ok(buf);
		cr_expect(memcmp(&a, &b, sizeof(a)) == 0, "'%s' -> '%s'",
			  specs[i], buf);
	}
}

Test(impair_format, truncates_like_snprintf)
{
	struct impair_conf c = parse_ok("loss=5%,delay=200us,seed=7");
	char buf[8];
	int n = impair_format(&c, buf, sizeof(buf));

	cr_expect_eq(n, (int)strlen("loss=5%,delay=200us,seed=7"));
	cr_expect_str_eq(buf, "loss=5%");
	cr_expect_eq(impair_format(&c, NULL, 0), n);
}
