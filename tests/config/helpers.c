/* SPDX-License-Identifier: BSD-3-Clause */
#include <arpa/inet.h>
#include <ctype.h>
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <criterion/criterion.h>

#include "helpers.h"

static const char *const cc_names[] = { "reno", "cubic", "newreno", NULL };

const struct shoal_cfg_key test_schema[] = {
	{ "main", "verbose", SHOAL_CFG_BOOL, SHOAL_CFG_FIELD(struct tcfg,
		verbose), .def = "false", .help = "log every connection" },
	{ "main", "workers", SHOAL_CFG_U32, SHOAL_CFG_FIELD(struct tcfg,
		workers), .def = "1", .help = "worker lcores",
		.min = 1, .max = 64 },
	{ "main", "name", SHOAL_CFG_STRING, SHOAL_CFG_FIELD(struct tcfg, name),
		.def = "shoal", .help = "instance name" },
	{ "main", "mac", SHOAL_CFG_MAC, SHOAL_CFG_FIELD(struct tcfg, mac),
		.def = "02:00:00:00:00:01", .help = "port MAC" },
	{ "main", "cc", SHOAL_CFG_ENUM, SHOAL_CFG_FIELD(struct tcfg, cc),
		.def = "cubic", .help = "congestion control",
		.enum_names = cc_names },
	{ "client", "rate", SHOAL_CFG_RATE, SHOAL_CFG_FIELD(struct tcfg, rate),
		.def = "10k", .help = "connections opened per second" },
	{ "client", "timeout", SHOAL_CFG_DURATION, SHOAL_CFG_FIELD(struct tcfg,
		timeout), .def = "10s", .help = "give up after" },
	{ "client", "bufsize", SHOAL_CFG_SIZE, SHOAL_CFG_FIELD(struct tcfg,
		bufsize), .def = "64k", .help = "send buffer" },
	{ "client", "loss", SHOAL_CFG_PERCENT, SHOAL_CFG_FIELD(struct tcfg,
		loss), .def = "0%", .help = "injected loss" },
	{ "client", "src", SHOAL_CFG_IPV4_RANGE, SHOAL_CFG_FIELD(struct tcfg,
		src), .def = "198.18.1.1-198.18.1.200", .help = "sources" },
	{ "client", "ports", SHOAL_CFG_PORTS, SHOAL_CFG_FIELD(struct tcfg,
		ports), .def = "80", .help = "destination ports" },
	{ "client", "count", SHOAL_CFG_U64, SHOAL_CFG_FIELD(struct tcfg,
		count), .def = "0", .help = "stop after, 0 = never" },
	{ "client", "offset", SHOAL_CFG_I64, SHOAL_CFG_FIELD(struct tcfg,
		offset), .def = "-5", .help = "clock offset" },
	{ "client", "port", SHOAL_CFG_U16, SHOAL_CFG_FIELD(struct tcfg, port),
		.def = "8080", .help = "first source port" },
	{ "client", "ratio", SHOAL_CFG_DOUBLE, SHOAL_CFG_FIELD(struct tcfg,
		ratio), .def = "0.5", .help = "read/write mix",
		.min = 0, .max = 2 },
	{ "client", "local", SHOAL_CFG_IPV4_PREFIX, SHOAL_CFG_FIELD(struct tcfg,
		local), .def = "198.18.0.1/24", .help = "interface address" },
	{ "client", "more", SHOAL_CFG_IPV4_PREFIXES,
		SHOAL_CFG_FIELD(struct tcfg, more), .def = "",
		.help = "interface addresses of the other ports" },
	{ "server", "rate", SHOAL_CFG_RATE, SHOAL_CFG_FIELD(struct tcfg,
		server_rate), .def = "1M", .help = "accept rate limit" },
	{ "server", "ip", SHOAL_CFG_IPV4, SHOAL_CFG_FIELD(struct tcfg, ip),
		.def = "198.18.0.2", .help = "listen address" },
	{ "server", "listen_port", SHOAL_CFG_U16, SHOAL_CFG_FIELD(struct tcfg,
		listen_port), .def = "80", .help = "listen port" },
	SHOAL_CFG_END,
};

struct tcfg cfg;
char err[512];
static char dir[64];
static char path[128];
static FILE *out;
static char *out_buf;
static size_t out_len;

void
cfg_setup(void)
{
	memset(&cfg, 0, sizeof(cfg));
	err[0] = '\0';
	cr_assert_eq(shoal_cfg_check(test_schema, err, sizeof(err)), 0,
		"%s", err);
	cr_assert_eq(shoal_cfg_defaults(test_schema, &cfg), 0);
	snprintf(dir, sizeof(dir), "/tmp/shoal-cfg-XXXXXX");
	cr_assert_not_null(mkdtemp(dir));
}

void
cfg_teardown(void)
{
	struct dirent *d;
	DIR *dp = opendir(dir);
	char p[512];

	if (dp == NULL)
		return;
	while ((d = readdir(dp)) != NULL) {
		if (d->d_name[0] == '.')
			continue;
		snprintf(p, sizeof(p), "%s/%s", dir, d->d_name);
		unlink(p);
	}
	closedir(dp);
	rmdir(dir);
	free(out_buf);
	out_buf = NULL;
}

const char *
write_ini(const char *name, const char *content)
{
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	f = fopen(path, "w");
	cr_assert_not_null(f);
	fputs(content, f);
	fclose(f);
	return path;
}

const char *
write_ini_path(void)
{
	return path;
}

int
set(const char *assignment)
{
	err[0] = '\0';
	return shoal_cfg_set(test_schema, &cfg, assignment, err, sizeof(err));
}

FILE *
out_open(void)
{
	free(out_buf);
	out_buf = NULL;
	out = open_memstream(&out_buf, &out_len);
	cr_assert_not_null(out);
	return out;
}

const char *
out_text(void)
{
	fclose(out);
	return out_buf;
}

uint32_t
host_ip(const struct shoal_addr *a)
{
	return ntohl(a->v4);
}

/* A small RFC 8259 recogniser: enough to tell valid JSON from not. */
static const char *json_value(const char *p, int depth);

static const char *
json_ws(const char *p)
{
	while (*p == ' ' || *p == '\t' || *p == '\n' || *p == '\r')
		p++;
	return p;
}

static const char *
json_string(const char *p)
{
	int i;

	if (*p++ != '"')
		return NULL;
	while (*p != '"') {
		if ((unsigned char)*p < 0x20)
			return NULL;
		if (*p == '\\') {
			p++;
			if (*p == 'u') {
				for (i = 1; i <= 4; i++)
					if (!isxdigit((unsigned char)p[i]))
						return NULL;
				p += 4;
			} else if (strchr("\"\\/bfnrt", *p) == NULL ||
					*p == '\0') {
				return NULL;
			}
		}
		p++;
	}
	return p + 1;
}

static const char *
json_number(const char *p)
{
	const char *start;

	if (*p == '-')
		p++;
	if (*p == '0')
		p++;
	else if (isdigit((unsigned char)*p))
		while (isdigit((unsigned char)*p))
			p++;
	else
		return NULL;
	if (*p == '.') {
		start = ++p;
		while (isdigit((unsigned char)*p))
			p++;
		if (p == start)
			return NULL;
	}
	if (*p == 'e' || *p == 'E') {
		p++;
		if (*p == '+' || *p == '-')
			p++;
		start = p;
		while (isdigit((unsigned char)*p))
			p++;
		if (p == start)
			return NULL;
	}
	return p;
}

static const char *
json_container(const char *p, int depth, char close, bool object)
{
	p = json_ws(p + 1);
	if (*p == close)
		return p + 1;
	for (;;) {
		if (object) {
			p = json_string(json_ws(p));
			if (p == NULL)
				return NULL;
			p = json_ws(p);
			if (*p++ != ':')
				return NULL;
		}
		p = json_value(p, depth + 1);
		if (p == NULL)
			return NULL;
		p = json_ws(p);
		if (*p == close)
			return p + 1;
		if (*p++ != ',')
			return NULL;
	}
}

static const char *
json_value(const char *p, int depth)
{
	if (depth > 32)
		return NULL;
	p = json_ws(p);
	switch (*p) {
	case '{':
		return json_container(p, depth, '}', true);
	case '[':
		return json_container(p, depth, ']', false);
	case '"':
		return json_string(p);
	case 't':
		return strncmp(p, "true", 4) == 0 ? p + 4 : NULL;
	case 'f':
		return strncmp(p, "false", 5) == 0 ? p + 5 : NULL;
	case 'n':
		return strncmp(p, "null", 4) == 0 ? p + 4 : NULL;
	default:
		return json_number(p);
	}
}

bool
json_valid(const char *text)
{
	const char *end = json_value(text, 0);

	return end != NULL && *json_ws(end) == '\0';
}
