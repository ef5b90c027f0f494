/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef SHOAL_TESTS_GEN_HTTP_TRACE_H
#define SHOAL_TESTS_GEN_HTTP_TRACE_H

/*
 * What the HTTP parser makes of a byte stream, as text, for comparing
 * ways of feeding it (tests/gen/test_http.c, tests/fuzz/fuzz_http.c):
 * each message's fields and where it ended, an error, or the outcome at
 * the end. The stream is fed in pieces of @p step bytes (0: all at once),
 * each a heap copy of exactly its size, so ASan sees a read past it; the
 * parser's promises about *used are checked on the way (abort()).
 */

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "http.h"

static inline void
http_trace(bool response, bool head_only, const void *data, size_t n,
	   size_t step, char *out, size_t size)
{
	const uint8_t *d = data;
	struct http_parser p;
	size_t from = 0, o = 0;

	http_parser_init(&p, response);
	http_parser_next(&p, head_only);
	out[0] = '\0';
	while (from < n) {
		size_t len = step == 0 || n - from < step ? n - from : step;
		char *piece = malloc(len);
		size_t used = 0;
		int rc;

		if (piece == NULL)
			abort();
		memcpy(piece, d + from, len);
		rc = http_parse(&p, piece, len, &used);
		free(piece);
		if (used > len)
			abort();
		if (rc != HTTP_DONE && rc != HTTP_ERROR && used != len)
			abort();	/* MORE must consume everything */
		from += used;
		if (rc == HTTP_ERROR) {
			snprintf(out + o, size - o, "E");
			return;
		}
		if (rc == HTTP_DONE) {
			o += (size_t)snprintf(out + o, size - o,
				"D%u/%llu/%d/%u/%d@%zu;", p.status,
				(unsigned long long)p.body_len, p.keep_alive,
				p.version_minor, p.head_done, from);
			http_parser_next(&p, head_only);
			if (o >= size - 128) {
				snprintf(out + o, size - o, "...");
				return;
			}
		}
	}
	snprintf(out + o, size - o, "eof%d", http_parse_eof(&p));
}

#endif
