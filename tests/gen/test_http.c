/* SPDX-License-Identifier: BSD-3-Clause */
#include <criterion/criterion.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "http.h"
#include "http_trace.h"

struct msg {
	unsigned int status;
	uint64_t body;
	bool keep_alive;
};

struct run {
	struct msg m[16];
	int n;
	bool error;
};

/*
 * Feed @p s in pieces: cuts[] lists the split points (ascending). Every
 * complete message is recorded; an error stops the run.
 */
static struct run
feed(bool response, const char *s, const size_t *cuts, int ncuts, bool eof)
{
	struct http_parser p;
	struct run r = { .n = 0 };
	size_t len = strlen(s), from = 0;

	http_parser_init(&p, response);
	for (int c = 0; c <= ncuts; c++) {
		size_t to = c < ncuts ? cuts[c] : len;

		while (from < to) {
			size_t used;
			int rc = http_parse(&p, s + from, to - from, &used);

			from += used;
			if (rc == HTTP_ERROR) {
				r.error = true;
				return r;
			}
			if (rc == HTTP_DONE) {
				r.m[r.n++] = (struct msg){ p.status, p.body_len,
							   p.keep_alive };
				http_parser_next(&p, false);
			} else {
				cr_assert_eq(from, to,
					     "MORE must consume everything");
			}
		}
	}
	if (eof) {
		int rc = http_parse_eof(&p);

		if (rc == HTTP_ERROR)
			r.error = true;
		else if (rc == HTTP_DONE)
			r.m[r.n++] = (struct msg){ p.status, p.body_len,
						   p.keep_alive };
	}
	return r;
}

static void
expect_same(const struct run *a, const struct run *b, const char *what,
	    size_t cut)
{
	cr_assert_eq(a->error, b->error, "%s: error differs at cut %zu", what, cut);
	cr_assert_eq(a->n, b->n, "%s: %d vs %d messages at cut %zu", what,
		     a->n, b->n, cut);
	for (int i = 0; i < a->n; i++) {
		cr_assert_eq(a->m[i].status, b->m[i].status);
		cr_assert_eq(a->m[i].body, b->m[i].body, "%s msg %d at cut %zu",
			     what, i, cut);
		cr_assert_eq(a->m[i].keep_alive, b->m[i].keep_alive);
	}
}

/* Every single split point and every byte-by-byte feed give the same
 * messages as one whole buffer. */
static struct run
check_all_splits(bool response, const char *s, bool eof)
{
	struct run whole = feed(response, s, NULL, 0, eof);
	size_t len = strlen(s);
	size_t bytes[4096];

	for (size_t cut = 1; cut < len; cut++) {
		struct run r = feed(response, s, &cut, 1, eof);

		expect_same(&whole, &r, "one split", cut);
	}
	cr_assert(len < 4096);
	for (size_t i = 1; i < len; i++)
		bytes[i - 1] = i;
	{
		struct run r = feed(response, s, bytes, (int)len - 1, eof);

		expect_same(&whole, &r, "byte by byte", 0);
	}
	return whole;
}

static const char pipelined[] =
	"HTTP/1.1 200 OK\r\nContent-Length: 5\r\nServer: x\r\n\r\nhello"
	"HTTP/1.1 404 Not Found\r\ncontent-length:0\r\n\r\n"
	"HTTP/1.1 100 Continue\r\n\r\n"
	"HTTP/1.1 301 Moved\r\nTransfer-Encoding: chunked\r\n\r\n"
	"4;ext=1\r\nabcd\r\n10\r\n0123456789abcdef\r\n0\r\nX-T: 1\r\n\r\n"
	"HTTP/1.1 503 Busy\r\nConnection: close\r\nContent-Length: 3\r\n\r\nxyz";

Test(gen_http, responses_parse_the_same_at_every_split_point)
{
	struct run r = check_all_splits(true, pipelined, false);

	cr_assert_eq(r.n, 4);
	cr_expect_eq(r.m[0].status, 200);
	cr_expect_eq(r.m[0].body, 5);
	cr_expect(r.m[0].keep_alive);
	cr_expect_eq(r.m[1].status, 404);
	cr_expect_eq(r.m[1].body, 0);
	cr_expect_eq(r.m[2].status, 301);
	cr_expect_eq(r.m[2].body, 20);
	cr_expect_eq(r.m[3].status, 503);
	cr_expect_eq(r.m[3].body, 3);
	cr_expect_not(r.m[3].keep_alive);
}

Test(gen_http, keep_alive_follows_version_and_connection_header)
{
	struct run r;

	r = check_all_splits(true, "HTTP/1.0 200 OK\r\nContent-Length: 1\r\n\r\na", false);
	cr_assert_eq(r.n, 1);
	cr_expect_not(r.m[0].keep_alive, "HTTP/1.0 closes by default");
	r = check_all_splits(true, "HTTP/1.0 200 OK\r\nConnection: Keep-Alive\r\n"
			     "Content-Length: 1\r\n\r\na", false);
	cr_expect(r.m[0].keep_alive);
	r = check_all_splits(true, "HTTP/1.1 200 OK\r\nConnection: foo, CLOSE\r\n"
			     "Content-Length: 1\r\n\r\na", false);
	cr_expect_not(r.m[0].keep_alive);
	r = check_all_splits(true, "HTTP/1.1 204 No Content\r\n\r\n", false);
	cr_expect_eq(r.n, 1);
	cr_expect(r.m[0].keep_alive);
}

Test(gen_http, body_without_length_runs_to_the_close)
{
	struct run r = check_all_splits(true,
		"HTTP/1.0 200 OK\nServer: SimpleHTTP\n\n0123456789", true);

	cr_assert_eq(r.n, 1);
	cr_expect_eq(r.m[0].body, 10);
	cr_expect_not(r.m[0].keep_alive);
	/* a close in the middle of a Content-Length body is an error */
	r = feed(true, "HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\n0123", NULL,
		 0, true);
	cr_expect(r.error);
	/* a close between messages is not */
	r = feed(true, "HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n", NULL, 0,
		 true);
	cr_expect_not(r.error);
	cr_expect_eq(r.n, 1);
}

Test(gen_http, head_response_has_no_body)
{
	struct http_parser p;
	const char *s = "HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\n";
	size_t used;

	http_parser_init(&p, true);
	http_parser_next(&p, true);
	cr_expect_eq(http_parse(&p, s, strlen(s), &used), HTTP_DONE);
	cr_expect_eq(used, strlen(s));
	cr_expect_eq(p.body_len, 0);
}

Test(gen_http, status_classes)
{
	cr_expect_eq(http_status_class(200), 2);
	cr_expect_eq(http_status_class(101), 1);
	cr_expect_eq(http_status_class(399), 3);
	cr_expect_eq(http_status_class(404), 4);
	cr_expect_eq(http_status_class(599), 5);
	cr_expect_eq(http_status_class(600), 0);
	cr_expect_eq(http_status_class(99), 0);
}

Test(gen_http, malformed_input_is_an_error)
{
	static const char *const bad[] = {
		"HTTP/2 200 OK\r\n\r\n",
		"HTTP/1.1 20 OK\r\n\r\n",
		"HTTP/1.1 2000 OK\r\n\r\n",
		"HTTP/1.1 099 Low\r\n\r\n",
		"HTTP/1.1 200 OK\r\nno colon here\r\n\r\n",
		"HTTP/1.1 200 OK\r\n: empty name\r\n\r\n",
		"HTTP/1.1 200 OK\r\nContent-Length: 12a\r\n\r\n",
		"HTTP/1.1 200 OK\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\n",
		"HTTP/1.1 200 OK\r\nContent-Length: 99999999999999999999999\r\n\r\n",
		"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n",
		"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nabX\r\n",
		"garbage\r\n\r\n",
	};

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		struct run r = check_all_splits(true, bad[i], false);

		cr_expect(r.error, "accepted: %s", bad[i]);
	}
	/* an over-long status line */
	{
		char s[600];

		memcpy(s, "HTTP/1.1 200 ", 13);
		memset(s + 13, 'x', 400);
		strcpy(s + 413, "\r\n\r\n");
		cr_expect(feed(true, s, NULL, 0, false).error);
	}
}

Test(gen_http, long_unrelated_headers_are_skipped)
{
	char s[2000];
	size_t head;
	struct run r;

	strcpy(s, "HTTP/1.1 200 OK\r\nX-Long: ");
	head = strlen(s);
	memset(s + head, 'y', 1000);
	s[head + 1000] = '\0';
	strcat(s, "\r\nContent-Length: 2\r\n\r\nok");
	r = feed(true, s, NULL, 0, false);
	cr_expect_not(r.error);
	cr_assert_eq(r.n, 1);
	cr_expect_eq(r.m[0].body, 2);
}

Test(gen_http, requests_parse_with_bodies_and_pipelining)
{
	static const char reqs[] =
		"\r\nGET /index.html HTTP/1.1\r\nHost: a\r\n\r\n"
		"POST /x HTTP/1.1\r\nContent-Length: 4\r\n\r\nbody"
		"GET / HTTP/1.0\r\n\r\n";
	struct run r = check_all_splits(false, reqs, false);

	cr_assert_eq(r.n, 3);
	cr_expect(r.m[0].keep_alive);
	cr_expect_eq(r.m[1].body, 4);
	cr_expect_not(r.m[2].keep_alive);
	cr_expect(feed(false, "GET /a b HTTP/1.1\r\n\r\n", NULL, 0, false).error);
	cr_expect(feed(false, "GET  HTTP/1.1\r\n\r\n", NULL, 0, false).error);
	cr_expect(feed(false, "G(T / HTTP/1.1\r\n\r\n", NULL, 0, false).error);
}

Test(gen_http, built_request_parses_back)
{
	char buf[512];
	struct run r;
	int n = http_build_request(buf, sizeof(buf), "GET", "/a?b=1",
				   "198.18.0.1", "Accept: */*|X-Test: 1", true);

	cr_assert_gt(n, 0);
	cr_expect_eq((size_t)n, strlen(buf));
	cr_expect_not_null(strstr(buf, "GET /a?b=1 HTTP/1.1\r\nHost: 198.18.0.1\r\n"));
	cr_expect_not_null(strstr(buf, "\r\nAccept: */*\r\nX-Test: 1\r\n\r\n"));
	cr_expect_not_null(strstr(buf, "Connection: keep-alive\r\n"));
	r = feed(false, buf, NULL, 0, false);
	cr_assert_eq(r.n, 1);
	cr_expect(r.m[0].keep_alive);

	n = http_build_request(buf, sizeof(buf), "HEAD", "/", NULL, NULL, false);
	cr_assert_gt(n, 0);
	r = feed(false, buf, NULL, 0, false);
	cr_assert_eq(r.n, 1);
	cr_expect_not(r.m[0].keep_alive);

	cr_expect_eq(http_build_request(buf, 20, "GET", "/", "h", NULL, true),
		     -ENOSPC);
	cr_expect_eq(http_build_request(buf, sizeof(buf), "GET", "/a b", "h",
					NULL, true), -EINVAL);
	cr_expect_eq(http_build_request(buf, sizeof(buf), "GET", "/", "h",
					"X: 1\r\nEvil: 1", true), -EINVAL);
	cr_expect_eq(http_build_request(buf, sizeof(buf), "GET", "/", "h",
					"no-colon", true), -EINVAL);
}

Test(gen_http, built_response_parses_back)
{
	char buf[256];
	struct run r;
	int n = http_build_response_head(buf, sizeof(buf), 3, false);

	cr_assert_gt(n, 0);
	strcat(buf, "abc");
	r = feed(true, buf, NULL, 0, false);
	cr_assert_eq(r.n, 1);
	cr_expect_eq(r.m[0].status, 200);
	cr_expect_eq(r.m[0].body, 3);
	cr_expect_not(r.m[0].keep_alive);
	cr_expect_eq(http_build_response_head(buf, 10, 3, true), -ENOSPC);
}

/* The parser keeps no line: names and values are matched as they stream
 * past, case-insensitively, and a near miss is no match. */
Test(gen_http, header_names_and_values_match_byte_by_byte)
{
	struct run r;

	r = check_all_splits(true, "HTTP/1.1 200 OK\r\nCONTENT-length: 3\r\n"
			     "Connection:  Keep-Alive ,\tClose \r\n\r\nabc", false);
	cr_assert_eq(r.n, 1);
	cr_expect_eq(r.m[0].body, 3);
	cr_expect_not(r.m[0].keep_alive);
	r = check_all_splits(true, "HTTP/1.0 200 OK\r\nConnection: keep alive, "
			     "x-close, closed\r\nContent-Length: 0\r\n\r\n", false);
	cr_assert_eq(r.n, 1);
	cr_expect_not(r.m[0].keep_alive, "no option was keep-alive");
	r = check_all_splits(true, "HTTP/1.0 200 OK\r\nConnection: x,keep-alive"
			     "\r\nContent-Length: 0\r\n\r\n", false);
	cr_assert_eq(r.n, 1);
	cr_expect(r.m[0].keep_alive);
	r = check_all_splits(true, "HTTP/1.1 200 OK\r\nContent-Lengthx: 5\r\n"
			     "Content-Lengt: 6\r\nContent-Length: 1\r\n\r\na", false);
	cr_assert_eq(r.n, 1);
	cr_expect_eq(r.m[0].body, 1);
	r = check_all_splits(true, "HTTP/1.1 200 OK\r\nContent-Length:\t 2 \r\n"
			     "Content-Length: 2\r\nX: a\rb\r\n\r\nab", false);
	cr_assert_eq(r.n, 1);
	cr_expect_eq(r.m[0].body, 2);
	cr_expect(r.m[0].keep_alive);
	cr_expect(check_all_splits(true, "HTTP/1.1 200 OK\r\nContent-Length: "
				   "1 2\r\n\r\n", false).error);
	cr_expect(check_all_splits(true, "HTTP/1.1 200 OK\r\nContent-Length: "
				   " \r\n\r\n", false).error);
	cr_expect(check_all_splits(true, "HTTP/1.1 200 OK\r\nContent-Length: "
				   "1\r2\r\n\r\n", false).error);
}

Test(gen_http, only_a_final_chunked_coding_frames_the_body)
{
	struct run r;

	r = check_all_splits(true, "HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip,"
			     " Chunked\r\n\r\n3\r\nabc\r\n0\r\n\r\n", false);
	cr_assert_eq(r.n, 1);
	cr_expect_eq(r.m[0].body, 3);
	cr_expect(r.m[0].keep_alive);
	r = check_all_splits(true, "HTTP/1.1 200 OK\r\nTransfer-Encoding: "
			     "chunked, gzip\r\n\r\n3\r\nabc", true);
	cr_assert_eq(r.n, 1);
	cr_expect_eq(r.m[0].body, 6, "the body ran to the close");
	cr_expect_not(r.m[0].keep_alive);
}

/* Header lines of any length are matched whole (nothing is stored);
 * start and chunk-size lines longer than HTTP_LINE_MAX are refused. */
Test(gen_http, long_lines)
{
	char s[4000];
	size_t n;
	struct run r;

	strcpy(s, "HTTP/1.1 200 OK\r\nConnection: ");
	n = strlen(s);
	for (int i = 0; i < 1000; i++, n += 2)
		memcpy(s + n, "x,", 2);
	strcpy(s + n, "close\r\nContent-Length: 1\r\n\r\na");
	r = feed(true, s, NULL, 0, false);
	cr_assert_eq(r.n, 1);
	cr_expect_not(r.m[0].keep_alive, "close after 2000 bytes was seen");

	strcpy(s, "GET /");
	n = strlen(s);
	memset(s + n, 'a', HTTP_LINE_MAX - 14);
	strcpy(s + n + HTTP_LINE_MAX - 14, " HTTP/1.1\r\n\r\n");
	cr_assert_eq(strlen(s), HTTP_LINE_MAX + 4);
	r = feed(false, s, NULL, 0, false);
	cr_expect_not(r.error, "a request line of HTTP_LINE_MAX bytes");
	cr_expect_eq(r.n, 1);
	memmove(s + 1, s, strlen(s) + 1);
	r = feed(false, s, NULL, 0, false);
	cr_expect(r.error, "a request line of HTTP_LINE_MAX + 1 bytes");

	strcpy(s, "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n1;");
	n = strlen(s);
	memset(s + n, 'e', 300);
	strcpy(s + n + 300, "\r\na\r\n0\r\n\r\n");
	cr_expect(feed(true, s, NULL, 0, false).error);
}

/* A head parsed once is replayed from the memo when it starts a later
 * message whole: the same fields, the body after it framed anew. */
Test(gen_http, a_memoised_head_frames_each_body)
{
	static const char head[] =
		"HTTP/1.1 200 OK\r\nContent-Length: 5\r\nConnection: close\r\n\r\n";
	char s[256];
	struct run r;

	for (int k = 0; k < 3; k++) {
		snprintf(s, sizeof(s), "%s%s", head, k == 2 ? "ab" : "hello");
		r = feed(true, s, NULL, 0, true);
		if (k == 2) {	/* cut short: the same head, a short body */
			cr_assert(r.error);
			continue;
		}
		cr_assert_not(r.error);
		cr_assert_eq(r.n, 1);
		cr_expect_eq(r.m[0].status, 200);
		cr_expect_eq(r.m[0].body, 5);
		cr_expect_not(r.m[0].keep_alive);
	}
	/* the same bytes as a request (another key) are no response */
	cr_assert(feed(false, head, NULL, 0, false).error);
	/* a HEAD's response: no body, whatever Content-Length says */
	{
		struct http_parser p;
		size_t used;

		http_parser_init(&p, true);
		http_parser_next(&p, true);
		cr_assert_eq(http_parse(&p, head, strlen(head), &used), HTTP_DONE);
		cr_assert_eq(p.body_len, 0);
	}
}

/*
 * The whole-line fast path against the byte machine: random messages,
 * valid and mutated, are parsed from one buffer (every complete line goes
 * the fast way), byte by byte (every line goes the byte way) and in
 * 7-byte pieces (a mix); the three traces must be identical.
 */
static uint64_t rng_state = 0x9e3779b97f4a7c15ull;

static uint32_t
rng(uint32_t n)
{
	rng_state ^= rng_state << 13;
	rng_state ^= rng_state >> 7;
	rng_state ^= rng_state << 17;
	return (uint32_t)(rng_state % n);
}

#define PICK(a) ((a)[rng(sizeof(a) / sizeof((a)[0]))])

Test(gen_http, whole_lines_parse_as_bytes_do)
{
	static const char *const status[] = {
		"HTTP/1.1 200 OK", "HTTP/1.0 200 OK", "HTTP/1.1 204 No Content",
		"HTTP/1.1 100 Continue", "HTTP/1.1 304 x", "HTTP/1.1 101 Up",
		"HTTP/1.1 599", "HTTP/1.1 600 X", "HTTP/1.1 2000 X",
		"HTTP/1.x 200 OK", "HTTP/1.1 200OK", "HTTP/1.1 099 Low", "",
	};
	static const char *const request[] = {
		"GET / HTTP/1.1", "POST /x HTTP/1.0", "HEAD /a?b HTTP/1.1",
		"GET  HTTP/1.1", "G(T / HTTP/1.1", "GET /a b HTTP/1.1",
		"GET / HTTP/1.12", "GET /", " GET / HTTP/1.1", "", "GET",
	};
	static const char *const header[] = {
		"Content-Length: 5", "content-length:0", "Content-Length:  12  ",
		"CONTENT-LENGTH: 3", "Content-Length: 1a", "Content-Length: ",
		"Content-Length: 99999999999999999999999", "Content-Length:\t2",
		"Transfer-Encoding: chunked", "transfer-encoding: gzip, chunked",
		"Transfer-Encoding: chunked, gzip", "Transfer-Encoding: ,",
		"Transfer-Encoding:", "Transfer-Encoding: chunkedx",
		"Connection: close", "Connection: keep-alive",
		"connection: Keep-Alive, close", "Connection: foo,  CLOSE ",
		"Connection: keep alive", "Connection: ,,close,,",
		"Connection:close\t", "Server: x", " folded line", "\tfolded",
		"X-Long: yyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyy", "no colon",
		": empty", "Bad Name: x", "Host: a", "Content-Lengthx: 1",
		"Connectio: close",
	};
	static const char *const body[] = {
		"", "hello", "0123456789ab", "4\r\nabcd\r\n0\r\n\r\n",
		"2;x=y\r\nab\r\n0\r\nT: 1\r\n\r\n", "zz\r\n",
	};
	static const char mut[] = " \t,:\r\n0A-a;";
	char s[2048], a[1024], b[1024], c[1024], a2[1024];

	for (int iter = 0; iter < 20000; iter++) {
		bool response = rng(2), head_only = rng(8) == 0;
		size_t n = 0;
		int msgs = 1 + (int)rng(3);

		for (int m = 0; m < msgs; m++) {
			const char *eol = rng(6) ? "\r\n" : "\n";
			int hdrs = (int)rng(5);

			n += (size_t)snprintf(s + n, sizeof(s) - n, "%s%s",
				response ? PICK(status) : PICK(request), eol);
			for (int h = 0; h < hdrs; h++)
				n += (size_t)snprintf(s + n, sizeof(s) - n,
					"%s%s", PICK(header),
					rng(6) ? "\r\n" : "\n");
			n += (size_t)snprintf(s + n, sizeof(s) - n, "%s%s",
					      eol, PICK(body));
		}
		for (int k = (int)rng(4); k > 0 && n > 1; k--) {
			size_t at = rng((uint32_t)n);

			switch (rng(4)) {
			case 0:	/* a byte of any value, NUL included */
				s[at] = (char)rng(256);
				break;
			case 1:	/* delete */
				memmove(s + at, s + at + 1, n - at - 1);
				n--;
				break;
			default:
				s[at] = mut[rng(sizeof(mut) - 1)];
			}
		}
		http_trace(response, head_only, s, n, 0, a, sizeof(a));
		http_trace(response, head_only, s, n, 1, b, sizeof(b));
		http_trace(response, head_only, s, n, 7, c, sizeof(c));
		/* again whole: its heads are in the memo now */
		http_trace(response, head_only, s, n, 0, a2, sizeof(a2));
		cr_assert_str_eq(a, a2, "iteration %d: whole %s, memo %s",
				 iter, a, a2);
		cr_assert_str_eq(a, b, "iteration %d (%s): whole %s, bytes %s\n%.*s",
				 iter, response ? "response" : "request", a, b,
				 (int)n, s);
		cr_assert_str_eq(a, c, "iteration %d: whole %s, 7-byte %s",
				 iter, a, c);
	}
}
