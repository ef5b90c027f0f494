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
#include "http_trace.h"

#define TRACE_MAX 4096

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
	http_trace(response, head_only, data, size, 0, whole, TRACE_MAX);
	http_trace(response, head_only, data, size, 0, warm, TRACE_MAX);
	http_trace(response, head_only, data, size, 1, bytes, TRACE_MAX);
	http_trace(response, head_only, data, size, step, pieces, TRACE_MAX);
	if (strcmp(whole, bytes) != 0 || strcmp(whole, pieces) != 0 ||
	    strcmp(whole, warm) != 0) {
		fprintf(stderr, "fuzz_http: whole %s\n  memo %s\n  bytes %s\n"
			"  pieces(%zu) %s\n", whole, warm, bytes, step, pieces);
		abort();
	}
	return 0;
}
