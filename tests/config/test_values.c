/* SPDX-License-Identifier: BSD-3-Clause */
/* Parsing of every value type, through shoal_cfg_set(). */
#include <arpa/inet.h>
#include <errno.h>
#include <stdint.h>
#include <string.h>

#include <criterion/criterion.h>

#include "helpers.h"
#include "config/value.h"

TestSuite(values, .init = cfg_setup, .fini = cfg_teardown);

#define OK(s) cr_assert_eq(set(s), 0, "%s rejected: %s", s, err)
#define BAD(s) cr_assert_eq(set(s), -EINVAL, "%s not refused as bad: %s", \
	s, err)
#define RANGE(s) cr_assert_eq(set(s), -ERANGE, "%s not out of range: %s", \
	s, err)

Test(values, bool_takes_every_spelling)
{
	static const char *const yes[] = { "true", "yes", "on", "1", "TRUE",
		"Yes" };
	static const char *const no[] = { "false", "no", "off", "0", "Off" };
	char a[64];
	size_t i;

	for (i = 0; i < sizeof(yes) / sizeof(yes[0]); i++) {
		cfg.verbose = false;
		snprintf(a, sizeof(a), "main.verbose=%s", yes[i]);
		OK(a);
		cr_assert(cfg.verbose, "%s", a);
	}
	for (i = 0; i < sizeof(no) / sizeof(no[0]); i++) {
		cfg.verbose = true;
		snprintf(a, sizeof(a), "main.verbose=%s", no[i]);
		OK(a);
		cr_assert(!cfg.verbose, "%s", a);
	}
}

Test(values, bool_refuses_garbage)
{
	BAD("main.verbose=maybe");
	BAD("main.verbose=2");
	BAD("main.verbose=");
	cr_assert(strstr(err, "true/false") != NULL, "%s", err);
}

Test(values, u16_boundaries)
{
	OK("client.port=0");
	cr_assert_eq(cfg.port, 0);
	OK("client.port=65535");
	cr_assert_eq(cfg.port, 65535);
	OK("client.port=0x1f90");
	cr_assert_eq(cfg.port, 8080);
}

Test(values, u16_overflow_is_out_of_range)
{
	RANGE("client.port=65536");
	cr_assert(strstr(err, "0..65535") != NULL, "%s", err);
	cr_assert_eq(cfg.port, 8080, "rejected value was stored");
}

Test(values, unsigned_refuses_negative)
{
	RANGE("client.port=-1");
	RANGE("client.count=-1");
	RANGE("main.workers=-3");
	cr_assert_eq(cfg.count, 0);
}

Test(values, u32_schema_bounds_apply)
{
	OK("main.workers=64");
	cr_assert_eq(cfg.workers, 64);
	OK("main.workers=1");
	RANGE("main.workers=0");
	RANGE("main.workers=65");
	cr_assert(strstr(err, "1..64") != NULL, "%s", err);
	RANGE("main.workers=4294967296");
}

Test(values, u64_full_range)
{
	OK("client.count=18446744073709551615");
	cr_assert_eq(cfg.count, UINT64_MAX);
	RANGE("client.count=18446744073709551616");
	cr_assert_eq(cfg.count, UINT64_MAX);
}

Test(values, integers_refuse_garbage)
{
	BAD("client.count=12abc");
	BAD("client.count=abc");
	BAD("client.count= 1");
	BAD("client.count=1.5");
	BAD("client.count=0x");
	BAD("client.count=");
	BAD("client.offset=--1");
	cr_assert(strstr(err, "an integer") != NULL, "%s", err);
}

Test(values, i64_signed_boundaries)
{
	OK("client.offset=-9223372036854775808");
	cr_assert_eq(cfg.offset, INT64_MIN);
	OK("client.offset=9223372036854775807");
	cr_assert_eq(cfg.offset, INT64_MAX);
	OK("client.offset=+7");
	cr_assert_eq(cfg.offset, 7);
	RANGE("client.offset=-9223372036854775809");
	RANGE("client.offset=9223372036854775808");
	cr_assert_eq(cfg.offset, 7);
}

Test(values, double_parses_and_bounds)
{
	OK("client.ratio=1.25");
	cr_assert_float_eq(cfg.ratio, 1.25, 1e-12);
	OK("client.ratio=.5");
	cr_assert_float_eq(cfg.ratio, 0.5, 1e-12);
	OK("client.ratio=2");
	RANGE("client.ratio=2.5");
	cr_assert(strstr(err, "0..2") != NULL, "%s", err);
	RANGE("client.ratio=-0.1");
}

Test(values, double_refuses_nan_inf_and_junk)
{
	BAD("client.ratio=nan");
	BAD("client.ratio=inf");
	BAD("client.ratio=1.0x");
	BAD("client.ratio=0x1p1");
	RANGE("client.ratio=1e999");
}

Test(values, string_fits_its_buffer)
{
	OK("main.name=abcdefghijklmno");
	cr_assert_str_eq(cfg.name, "abcdefghijklmno");
	RANGE("main.name=abcdefghijklmnop");
	cr_assert(strstr(err, "at most 15") != NULL, "%s", err);
	cr_assert_str_eq(cfg.name, "abcdefghijklmno");
}

Test(values, string_quotes_keep_blanks)
{
	OK("main.name=\"  a b \"");
	cr_assert_str_eq(cfg.name, "  a b ");
	OK("main.name=");
	cr_assert_str_eq(cfg.name, "");
}

Test(values, size_suffixes_are_binary)
{
	static const struct { const char *in; uint64_t out; } t[] = {
		{ "4096", 4096 }, { "64k", 65536 }, { "64K", 65536 },
		{ "64KiB", 65536 }, { "1M", 1048576 }, { "2G", 2147483648ULL },
		{ "1T", 1ULL << 40 }, { "1.5k", 1536 }, { "100B", 100 },
		{ "0", 0 },
	};
	char a[64];
	size_t i;

	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		snprintf(a, sizeof(a), "client.bufsize=%s", t[i].in);
		OK(a);
		cr_assert_eq(cfg.bufsize, t[i].out, "%s -> %lu", t[i].in,
			(unsigned long)cfg.bufsize);
	}
}

Test(values, size_refuses_garbage_and_overflow)
{
	BAD("client.bufsize=64x");
	BAD("client.bufsize=k");
	BAD("client.bufsize=0.1k");	/* 102.4 bytes */
	RANGE("client.bufsize=-1k");
	RANGE("client.bufsize=16777216T");	/* 2^64 */
	OK("client.bufsize=16777215T");
	cr_assert_eq(cfg.bufsize, 16777215ULL << 40);
}

Test(values, duration_units_to_nanoseconds)
{
	static const struct { const char *in; uint64_t ns; } t[] = {
		{ "10s", 10000000000ULL }, { "200ms", 200000000ULL },
		{ "50us", 50000ULL }, { "100ns", 100 },
		{ "2m", 120000000000ULL }, { "1h", 3600000000000ULL },
		{ "3", 3000000000ULL }, { "1.5s", 1500000000ULL },
		{ "0.25", 250000000ULL }, { "0", 0 },
	};
	char a[64];
	size_t i;

	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		snprintf(a, sizeof(a), "client.timeout=%s", t[i].in);
		OK(a);
		cr_assert_eq(cfg.timeout, t[i].ns, "%s -> %lu", t[i].in,
			(unsigned long)cfg.timeout);
	}
}

Test(values, duration_refuses_garbage)
{
	BAD("client.timeout=10parsecs");
	BAD("client.timeout=10S");
	BAD("client.timeout=s");
	RANGE("client.timeout=-1s");
	RANGE("client.timeout=18446744074s");
	cr_assert(strstr(err, "200ms") != NULL, "%s", err);
	cr_assert_eq(cfg.timeout, 10000000000ULL);
}

Test(values, rate_suffixes_are_decimal)
{
	OK("client.rate=1.5M");
	cr_assert_eq(cfg.rate, 1500000.0);
	OK("client.rate=10k");
	cr_assert_eq(cfg.rate, 10000.0);
	OK("client.rate=500");
	cr_assert_eq(cfg.rate, 500.0);
	OK("client.rate=2G");
	cr_assert_eq(cfg.rate, 2e9);
	OK("client.rate=0.5");
	cr_assert_eq(cfg.rate, 0.5);
}

Test(values, rate_refuses_negative_and_junk)
{
	RANGE("client.rate=-5");
	BAD("client.rate=fast");
	BAD("client.rate=10kk");
	BAD("client.rate=10/s");
	cr_assert_eq(cfg.rate, 10000.0);
}

Test(values, percent_as_percent_or_fraction)
{
	OK("client.loss=5%");
	cr_assert_float_eq(cfg.loss, 0.05, 1e-15);
	OK("client.loss=0.05");
	cr_assert_float_eq(cfg.loss, 0.05, 1e-15);
	OK("client.loss=100%");
	cr_assert_eq(cfg.loss, 1.0);
	OK("client.loss=0.5%");
	cr_assert_float_eq(cfg.loss, 0.005, 1e-15);
}

Test(values, percent_out_of_range)
{
	RANGE("client.loss=101%");
	RANGE("client.loss=1.5");
	RANGE("client.loss=-1%");
	BAD("client.loss=5%%");
	BAD("client.loss=five");
}

Test(values, ipv4_address)
{
	OK("server.ip=198.18.0.9");
	cr_assert_eq(cfg.ip.family, SHOAL_AF_INET);
	cr_assert_eq(host_ip(&cfg.ip), 0xc6120009);
	BAD("server.ip=198.18.0");
	BAD("server.ip=256.18.0.1");
	BAD("server.ip=198.18.0.1.2");
	BAD("server.ip=198.18.0.1 ");
	cr_assert(strstr(err, "IPv4 address") != NULL, "%s", err);
	cr_assert_eq(host_ip(&cfg.ip), 0xc6120009);
}

Test(values, ipv4_prefix)
{
	OK("client.local=198.18.3.7/16");
	cr_assert_eq(host_ip(&cfg.local.addr), 0xc6120307);
	cr_assert_eq(cfg.local.len, 16);
	OK("client.local=198.18.3.7/32");
	cr_assert_eq(cfg.local.len, 32);
	RANGE("client.local=198.18.0.1/33");
	BAD("client.local=198.18.0.1/x");
	BAD("client.local=198.18.0.1");
	BAD("client.local=198.18.0.1/");
}

Test(values, ipv4_range_first_last)
{
	OK("client.src=198.18.1.1-198.18.1.200");
	cr_assert_eq(host_ip(&cfg.src.first), 0xc6120101);
	cr_assert_eq(cfg.src.count, 200);
	OK("client.src=198.18.1.255-198.18.2.0");
	cr_assert_eq(cfg.src.count, 2);
	RANGE("client.src=198.18.1.200-198.18.1.1");
	BAD("client.src=198.18.1.1-");
}

Test(values, ipv4_range_prefix_and_single)
{
	OK("client.src=198.18.1.0/24");
	cr_assert_eq(host_ip(&cfg.src.first), 0xc6120100);
	cr_assert_eq(cfg.src.count, 256);
	OK("client.src=0.0.0.0/0");
	cr_assert_eq(cfg.src.count, 1ULL << 32);
	OK("client.src=198.18.5.5");
	cr_assert_eq(host_ip(&cfg.src.first), 0xc6120505);
	cr_assert_eq(cfg.src.count, 1);
	BAD("client.src=198.18.1.5/24");	/* host bits set */
	cr_assert_eq(cfg.src.count, 1);
}

Test(values, mac_address)
{
	static const uint8_t want[6] = { 0x02, 0xab, 0, 0, 0, 0x10 };

	OK("main.mac=02:ab:00:00:00:10");
	cr_assert_arr_eq(cfg.mac.addr_bytes, want, 6);
	BAD("main.mac=02:ab:00:00:00");
	BAD("main.mac=02:ab:00:00:00:10:11");
	BAD("main.mac=zz:ab:00:00:00:10");
	cr_assert_arr_eq(cfg.mac.addr_bytes, want, 6);
}

Test(values, enum_by_name)
{
	OK("main.cc=reno");
	cr_assert_eq(cfg.cc, 0);
	OK("main.cc=NewReno");
	cr_assert_eq(cfg.cc, 2);
	BAD("main.cc=bbr");
	cr_assert(strstr(err, "reno, cubic, newreno") != NULL, "%s", err);
	BAD("main.cc=1");
	cr_assert_eq(cfg.cc, 2);
}

Test(values, ports_lists_and_ranges)
{
	OK("client.ports=443");
	cr_assert_eq(cfg.ports.n, 1);
	cr_assert_eq(cfg.ports.range[0].first, 443);
	cr_assert_eq(cfg.ports.range[0].last, 443);
	OK("client.ports=80,8080, 1000-1010");
	cr_assert_eq(cfg.ports.n, 3);
	cr_assert_eq(cfg.ports.range[1].first, 8080);
	cr_assert_eq(cfg.ports.range[2].first, 1000);
	cr_assert_eq(cfg.ports.range[2].last, 1010);
	OK("client.ports=");
	cr_assert_eq(cfg.ports.n, 0);
}

Test(values, ports_limits)
{
	OK("client.ports=1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16");
	cr_assert_eq(cfg.ports.n, 16);
	RANGE("client.ports=1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16,17");
	RANGE("client.ports=0");
	RANGE("client.ports=65536");
	RANGE("client.ports=1010-1000");
	BAD("client.ports=80,,81");
	BAD("client.ports=80,");
	BAD("client.ports=http");
	cr_assert_eq(cfg.ports.n, 16, "rejected list was stored");
}

Test(values, prefix_lists)
{
	const struct shoal_cfg_key *k;
	char buf[256];

	cr_assert_eq(cfg.more.n, 0, "empty by default");
	OK("client.more=198.19.0.1/16");
	cr_assert_eq(cfg.more.n, 1);
	cr_assert_eq(cfg.more.p[0].addr.family, SHOAL_AF_INET);
	cr_assert_eq(cfg.more.p[0].addr.v4, htonl(0xc6130001));
	cr_assert_eq(cfg.more.p[0].len, 16);
	OK("client.more=198.19.0.1/16, 10.0.0.9/32 ,192.0.2.1/0");
	cr_assert_eq(cfg.more.n, 3);
	cr_assert_eq(cfg.more.p[1].addr.v4, htonl(0x0a000009));
	cr_assert_eq(cfg.more.p[1].len, 32);
	cr_assert_eq(cfg.more.p[2].len, 0);
	for (k = test_schema; k->name != NULL; k++)
		if (strcmp(k->section, "client") == 0 &&
		    strcmp(k->name, "more") == 0)
			break;
	cr_assert_not_null(k->name);
	cfg_format(k, &cfg.more, buf, sizeof(buf));
	cr_assert_str_eq(buf, "198.19.0.1/16,10.0.0.9/32,192.0.2.1/0");
	OK("client.more=1.1.1.1/8,2.2.2.2/8,3.3.3.3/8,4.4.4.4/8,5.5.5.5/8,"
	   "6.6.6.6/8,7.7.7.7/8,8.8.8.8/8");
	cr_assert_eq(cfg.more.n, 8);
	RANGE("client.more=1.1.1.1/8,2.2.2.2/8,3.3.3.3/8,4.4.4.4/8,5.5.5.5/8,"
	      "6.6.6.6/8,7.7.7.7/8,8.8.8.8/8,9.9.9.9/8");
	RANGE("client.more=198.19.0.1/33");
	BAD("client.more=198.19.0.1");
	BAD("client.more=198.19.0.1/16,,10.0.0.1/8");
	BAD("client.more=198.19.0.1/16,");
	BAD("client.more=198.19.0.256/16");
	cr_assert(strstr(err, "[client] more") != NULL, "%s", err);
	cr_assert(strstr(err, "198.19.0.1/16,198.19.0.1/16") != NULL ||
		  strstr(err, "IPv4 address/prefix") != NULL, "%s", err);
	cr_assert_eq(cfg.more.n, 8, "rejected list was stored");
	OK("client.more=");
	cr_assert_eq(cfg.more.n, 0);
}

Test(values, error_names_section_key_and_value)
{
	cr_assert_lt(set("client.rate=lots"), 0);
	cr_assert(strstr(err, "[client] rate") != NULL, "%s", err);
	cr_assert(strstr(err, "'lots'") != NULL, "%s", err);
	cr_assert(strstr(err, "expected") != NULL, "%s", err);
}
