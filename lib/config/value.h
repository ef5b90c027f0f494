/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef SHOAL_CONFIG_VALUE_H
#define SHOAL_CONFIG_VALUE_H

/*
 * One value of one type: parse its text, format it back, describe what is
 * expected. Internal to lib/config; config.c does the files and arguments.
 */

#include <stdbool.h>
#include <stddef.h>

#include "config.h"

/* Longest formatted value (a full port list is the longest). */
#define CFG_VALUE_MAX 256

/* Name of a type for --help ("size", "ipv4-range", ...). */
const char *cfg_type_name(enum shoal_cfg_type t);

/* Size the struct member of a type must have; 0 for strings (any >= 2). */
size_t cfg_type_size(enum shoal_cfg_type t);

/* True when the JSON dump writes the value as a bare number or bool. */
bool cfg_type_is_json_scalar(enum shoal_cfg_type t);

/*
 * Parse text for key k into dst (the member, k->size bytes). dst is
 * written only on success. On failure returns -EINVAL or -ERANGE and puts
 * "what is wrong (expected ...)" in why.
 */
int cfg_parse(const struct shoal_cfg_key *k, const char *text, void *dst,
	char *why, size_t whylen);

/* Format the member at src in the syntax cfg_parse() reads back exactly. */
void cfg_format(const struct shoal_cfg_key *k, const void *src, char *buf,
	size_t len);

/*
 * Same for the JSON dump: sizes and durations as plain numbers of bytes
 * and nanoseconds; the caller quotes what cfg_type_is_json_scalar() says.
 */
void cfg_format_json(const struct shoal_cfg_key *k, const void *src,
	char *buf, size_t len);

/* What a value of k must look like, range included ("an integer in 1..10"). */
void cfg_expect(const struct shoal_cfg_key *k, char *buf, size_t len);

#endif /* SHOAL_CONFIG_VALUE_H */
