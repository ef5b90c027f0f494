/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * fuzz_config: untrusted text through lib/config.
 *
 * Input: byte 0 picks the mode.
 *  - even: the rest is an INI file for shoal_cfg_load(). When it loads, the
 *    effective configuration is dumped as INI, loaded again into a fresh
 *    object and dumped again: the two dumps must be identical (the
 *    header's promise that a dump reads back identically).
 *  - odd: the rest is "ARGS\n===\nINI": ARGS split at NUL bytes into an
 *    argument vector for shoal_cfg_parse_args(); every --config / -c file
 *    it opens reads INI instead (fopen and rte_cfgfile_load_with_params
 *    are wrapped at link time, so a fuzzer-written path can never open
 *    /dev/zero or the like).
 */
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include <rte_cfgfile.h>

#include "config/config.h"
#include "fuzz.h"

/* One key of every type, bounds on some, two sections sharing a name. */
struct fcfg {
	bool verbose;
	uint32_t workers;
	char name[16];
	struct rte_ether_addr mac;
	int cc;
	double rate;
	uint64_t timeout;
	uint64_t bufsize;
	double loss;
	struct shoal_cfg_range src;
	struct shoal_cfg_ports ports;
	uint64_t count;
	int64_t offset;
	uint16_t port;
	double ratio;
	struct shoal_cfg_prefix local;
	double server_rate;
	struct shoal_addr ip;
	uint16_t listen_port;
	double jitter;
};

static const char *const cc_names[] = { "reno", "cubic", "newreno", NULL };

#define F(m) SHOAL_CFG_FIELD(struct fcfg, m)
static const struct shoal_cfg_key schema[] = {
	{ "main", "verbose", SHOAL_CFG_BOOL, F(verbose), .def = "false",
		.help = "log" },
	{ "main", "workers", SHOAL_CFG_U32, F(workers), .def = "1",
		.help = "lcores", .min = 1, .max = 64 },
	{ "main", "name", SHOAL_CFG_STRING, F(name), .def = "shoal",
		.help = "name" },
	{ "main", "mac", SHOAL_CFG_MAC, F(mac), .def = "02:00:00:00:00:01",
		.help = "MAC" },
	{ "main", "cc", SHOAL_CFG_ENUM, F(cc), .def = "cubic", .help = "cc",
		.enum_names = cc_names },
	{ "client", "rate", SHOAL_CFG_RATE, F(rate), .def = "10k",
		.help = "cps" },
	{ "client", "timeout", SHOAL_CFG_DURATION, F(timeout), .def = "10s",
		.help = "timeout" },
	{ "client", "bufsize", SHOAL_CFG_SIZE, F(bufsize), .def = "64k",
		.help = "buffer", .min = 1024, .max = 1073741824.0 },
	{ "client", "loss", SHOAL_CFG_PERCENT, F(loss), .def = "0%",
		.help = "loss" },
	{ "client", "src", SHOAL_CFG_IPV4_RANGE, F(src),
		.def = "198.18.1.1-198.18.1.200", .help = "sources" },
	{ "client", "ports", SHOAL_CFG_PORTS, F(ports), .def = "80",
		.help = "ports" },
	{ "client", "count", SHOAL_CFG_U64, F(count), .def = "0",
		.help = "count" },
	{ "client", "offset", SHOAL_CFG_I64, F(offset), .def = "-5",
		.help = "offset" },
	{ "client", "port", SHOAL_CFG_U16, F(port), .def = "8080",
		.help = "port", .min = 1024, .max = 65535 },
	{ "client", "ratio", SHOAL_CFG_DOUBLE, F(ratio), .def = "0.5",
		.help = "mix", .min = 0, .max = 2 },
	{ "client", "local", SHOAL_CFG_IPV4_PREFIX, F(local),
		.def = "198.18.0.1/24", .help = "address" },
	{ "client", "jitter", SHOAL_CFG_PERCENT, F(jitter), .def = "150%",
		.help = "jitter", .min = 0, .max = 10 },
	{ "server", "rate", SHOAL_CFG_RATE, F(server_rate), .def = "1M",
		.help = "accept rate" },
	{ "server", "ip", SHOAL_CFG_IPV4, F(ip), .def = "198.18.0.2",
		.help = "address" },
	{ "server", "listen_port", SHOAL_CFG_U16, F(listen_port), .def = "80",
		.help = "port" },
	SHOAL_CFG_END,
};
#undef F

#define MAX_ARGS 64

static int memfd = -1;
static char memfd_path[64];
static const uint8_t *ini_text;
static size_t ini_len;

static bool redirect;		/* inside a lib/config call */

FILE *__real_fopen(const char *path, const char *mode);
FILE *__wrap_fopen(const char *path, const char *mode);
struct rte_cfgfile *__real_rte_cfgfile_load_with_params(const char *path,
	int flags, const struct rte_cfgfile_parameters *params);
struct rte_cfgfile *__wrap_rte_cfgfile_load_with_params(const char *path,
	int flags, const struct rte_cfgfile_parameters *params);

/* lib/config opens a file twice (its own scan, then rte_cfgfile): both
 * read the fuzzer's INI text, whatever path the input named. */
static const char *
ini_path(void)
{
	if (ftruncate(memfd, 0) != 0 ||
	    pwrite(memfd, ini_text, ini_len, 0) != (ssize_t)ini_len)
		abort();
	return memfd_path;
}

FILE *
__wrap_fopen(const char *path, const char *mode)
{
	if (redirect)
		path = ini_path();
	return __real_fopen(path, mode);
}

struct rte_cfgfile *
__wrap_rte_cfgfile_load_with_params(const char *path, int flags,
	const struct rte_cfgfile_parameters *params)
{
	if (redirect)
		path = ini_path();
	return __real_rte_cfgfile_load_with_params(path, flags, params);
}

static int
load(struct fcfg *obj, const char *name, char *err, size_t errlen)
{
	int ret;

	redirect = true;
	ret = shoal_cfg_load(schema, obj, name, err, errlen);
	redirect = false;
	return ret;
}

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	char err[512];

	memfd = memfd_create("fuzz_config", 0);
	if (memfd < 0)
		abort();
	snprintf(memfd_path, sizeof(memfd_path), "/proc/self/fd/%d", memfd);
	if (shoal_cfg_check(schema, err, sizeof(err)) != 0) {
		fprintf(stderr, "schema: %s\n", err);
		abort();
	}
	return 0;
}

/* obj printed as INI, NUL-terminated, malloc'd. */
static char *
dump_ini(const struct fcfg *obj, size_t *len)
{
	char *buf = NULL;
	FILE *f = open_memstream(&buf, len);

	if (f == NULL)
		abort();
	shoal_cfg_dump_ini(f, schema, obj);
	fclose(f);
	return buf;
}

/* The output functions must cope with whatever was loaded. */
static void
dump_all(const struct fcfg *obj)
{
	FILE *f = fopen("/dev/null", "w");

	if (f == NULL)
		abort();
	shoal_cfg_dump_json(f, schema, obj);
	shoal_cfg_help(f, schema);
	fclose(f);
}

static void
fuzz_ini(const uint8_t *data, size_t size)
{
	struct fcfg a, b;
	char err[512];
	char *d1, *d2;
	size_t l1, l2;

	memset(&a, 0, sizeof(a));
	shoal_cfg_defaults(schema, &a);
	ini_text = data;
	ini_len = size;
	if (load(&a, "fuzz.ini", err, sizeof(err)) != 0)
		return;
	dump_all(&a);
	d1 = dump_ini(&a, &l1);
	memset(&b, 0, sizeof(b));
	shoal_cfg_defaults(schema, &b);
	ini_text = (const uint8_t *)d1;
	ini_len = l1;
	if (load(&b, "dump.ini", err, sizeof(err)) != 0) {
		fprintf(stderr, "dump does not load back: %s\n--- dump:\n%s",
			err, d1);
		abort();
	}
	d2 = dump_ini(&b, &l2);
	if (l1 != l2 || memcmp(d1, d2, l1) != 0) {
		fprintf(stderr, "dump changed on reload\n--- first:\n%s"
			"--- second:\n%s", d1, d2);
		abort();
	}
	free(d1);
	free(d2);
}

static void
fuzz_args(const uint8_t *data, size_t size)
{
	static const char sep[] = "\n===\n";
	char *argv[MAX_ARGS + 1];
	char *text, *p, *end;
	const uint8_t *ini;
	struct fcfg a;
	char err[512];
	int argc = 0, ret;
	size_t alen = size;

	ini = memmem(data, size, sep, sizeof(sep) - 1);
	if (ini != NULL) {
		alen = ini - data;
		ini += sizeof(sep) - 1;
		ini_text = ini;
		ini_len = size - (ini - data);
	} else {
		ini_text = (const uint8_t *)"";
		ini_len = 0;
	}
	/* NUL-separated arguments, the last one terminated here. */
	text = malloc(alen + 1);
	if (text == NULL)
		abort();
	memcpy(text, data, alen);
	text[alen] = '\0';
	argv[argc++] = "fuzz_config";
	for (p = text, end = text + alen; p <= end && argc < MAX_ARGS;
	     p += strlen(p) + 1)
		argv[argc++] = p;
	argv[argc] = NULL;
	memset(&a, 0, sizeof(a));
	redirect = true;
	ret = shoal_cfg_parse_args(schema, &a, argc, argv, err, sizeof(err));
	redirect = false;
	if (ret == 0)
		dump_all(&a);
	free(text);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size == 0)
		return 0;
	if (data[0] & 1)
		fuzz_args(data + 1, size - 1);
	else
		fuzz_ini(data + 1, size - 1);
	return 0;
}
