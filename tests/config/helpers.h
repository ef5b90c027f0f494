/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef SHOAL_TESTS_CONFIG_HELPERS_H
#define SHOAL_TESTS_CONFIG_HELPERS_H

/*
 * A schema with one key of every type, the struct it fills, and the
 * fixture every config test uses: a fresh object with defaults and a
 * private mkdtemp directory for INI files.
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include <config/config.h>

struct tcfg {
	/* [main] */
	bool verbose;
	uint32_t workers;
	char name[16];
	struct rte_ether_addr mac;
	int cc;
	/* [client] */
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
	struct shoal_cfg_prefixes more;
	/* [server] */
	double server_rate;
	struct shoal_addr ip;
	uint16_t listen_port;
};

extern const struct shoal_cfg_key test_schema[];

/* The fixture's object (defaults applied) and error buffer. */
extern struct tcfg cfg;
extern char err[512];

void cfg_setup(void);
void cfg_teardown(void);

/* Write content to NAME in the test's directory; returns its path. */
const char *write_ini(const char *name, const char *content);

/* Path write_ini() last returned. */
const char *write_ini_path(void);

/* shoal_cfg_set() on the fixture's object. */
int set(const char *assignment);

/* A memory stream to print into; out_text() closes it, returns the text. */
FILE *out_open(void);
const char *out_text(void);

/* True when text is one valid JSON value (RFC 8259), nothing after it. */
bool json_valid(const char *text);

/* IPv4 in host order, for comparing against struct shoal_addr. */
uint32_t host_ip(const struct shoal_addr *a);

#endif
