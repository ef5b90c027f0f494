/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef SHOAL_GEN_JSON_H
#define SHOAL_GEN_JSON_H

/*
 * A streaming JSON writer for the run summary: it keeps the nesting and
 * the commas, escapes strings, and writes non-finite numbers as null, so
 * whatever the run produced the file parses.
 */

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#define JSON_MAX_DEPTH 16

struct json {
	FILE *f;
	int depth;
	bool first[JSON_MAX_DEPTH];	/* nothing written yet at this level */
	bool pretty;
	bool error;			/* nesting misused */
};

void json_init(struct json *j, FILE *f, bool pretty);

/* Containers; @p key is NULL inside arrays and at the top level. */
void json_object_begin(struct json *j, const char *key);
void json_object_end(struct json *j);
void json_array_begin(struct json *j, const char *key);
void json_array_end(struct json *j);

void json_str(struct json *j, const char *key, const char *v);
void json_u64(struct json *j, const char *key, uint64_t v);
void json_i64(struct json *j, const char *key, int64_t v);
void json_double(struct json *j, const char *key, double v);
void json_bool(struct json *j, const char *key, bool v);
void json_null(struct json *j, const char *key);
/* A value already in JSON (e.g. from shoal_cfg_dump_json). */
void json_raw(struct json *j, const char *key, const char *text);

/* Write @p s as a JSON string (quotes included). */
void json_write_string(FILE *f, const char *s);

/* 0 when every container was closed and nothing was misused. */
int json_finish(struct json *j);

#endif /* SHOAL_GEN_JSON_H */
