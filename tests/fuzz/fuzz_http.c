/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * fuzz_http: shoal-gen's HTTP/1.x parser on untrusted bytes, two ways.
 *
 * Input: byte 0 picks the mode (bit 0: responses, else requests; bit 1:
 * the request was HEAD) and bits 2-7 a piece size; the rest is the byte
 * stream. It is parsed three times: from one buffer (every whole line
 * takes the fast path), one byte at a time (every line takes the byte
 * machine) and in pieces of the chosen size (a mix, lines split anywhere).
 * The three must see the same messages, with the same fields, consume the
 * same bytes for each, and agree on errors and on the end of the stream;
 * anything else aborts. The memo of whole heads (http.c) is cleared for
 * each input, so a crash file replays alone; one buffer is parsed cold
 * and again with the memo it left, and those two must agree too. ASan checks that no path reads outside the bytes
 * it was given: each run parses its own heap copy, cut to the size fed.
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "http.h"

#define TRACE_MAX 4096

static void
trace(bool response, bool head_only, const uint8_t *data, size_t n,
      size_t step, char *out)
{
	struct http_parser p;
	size_t from = 0, o = 0;

	http_parser_init(&p, response);
	http_parser_next(&p, head_only);
	out[0] = '\0';
	while (from < n) {
		size_t len = step == 0 || n - from < step ? n - from : step;
		/* exactly len bytes on the heap: a read past them is caught */
		char *piece = malloc(len);
		size_t used = 0;
		int rc;

		if (piece == NULL)
			abort();
		memcpy(piece, data + from, len);
		rc = http_parse(&p, piece, len, &used);
		free(piece);
		if (used > len)
			abort();
		if (rc != HTTP_DONE && rc != HTTP_ERROR && used != len)
			abort();	/* MORE must consume everything */
		from += used;
		if (rc == HTTP_ERROR) {
			snprintf(out + o, TRACE_MAX - o, "E");
			return;
		}
		if (rc == HTTP_DONE) {
			o += (size_t)snprintf(out + o, TRACE_MAX - o,
				"D%u/%llu/%d/%u/%d@%zu;", p.status,
				(unsigned long long)p.body_len, p.keep_alive,
				p.version_minor, p.head_done, from);
			http_parser_next(&p, head_only);
			if (o >= TRACE_MAX - 128) {
				snprintf(out + o, TRACE_MAX - o, "...");
				return;
			}
		}
	}
	snprintf(out + o, TRACE_MAX - o, "eof%d", http_parse_eof(&p));
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static char whole[TRACE_MAX], warm[TRACE_MAX], bytes[TRACE_MAX],
		pieces[TRACE_MAX];
	bool response, head_only;
	size_t step;

	if (size < 1)
		return 0;
	response = data[0] & 1;
	head_only = data[0] & 2;
	step = 2 + (data[0] >> 2);
	data++;
	size--;
	http_memo_clear();
	trace(response, head_only, data, size, 0, whole);
	trace(response, head_only, data, size, 0, warm);
	trace(response, head_only, data, size, 1, bytes);
	trace(response, head_only, data, size, step, pieces);
	if (strcmp(whole, bytes) != 0 || strcmp(whole, pieces) != 0 ||
	    strcmp(whole, warm) != 0) {
		fprintf(stderr, "fuzz_http: whole %s\n  memo %s\n  bytes %s\n"
			"  pieces(%zu) %s\n", whole, warm, bytes, step, pieces);
		abort();
	}
	return 0;
}
