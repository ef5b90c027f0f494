/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef SHOAL_GEN_HTTP_H
#define SHOAL_GEN_HTTP_H

/*
 * HTTP/1.x for the load generator: build a request or a response head once
 * (they are sent many times over), and parse the peer's messages
 * incrementally, since they arrive as mbuf segments split anywhere.
 *
 * The parser reads one message at a time: a response (client side) or a
 * request (server side). It stops right after a complete message, so
 * pipelined messages in the same buffer are parsed by the next call. It
 * understands Content-Length, chunked transfer coding, bodies delimited by
 * the connection's close, and the Connection header, which is all a load
 * generator needs to know where a message ends and whether the connection
 * stays open; other headers are skipped.
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Longest status, request or chunk-size line accepted (CR LF not
 * counted): a longer one is an error. Header lines may be of any length:
 * they are matched as they stream past, nothing of them is stored. */
#define HTTP_LINE_MAX 254

enum http_rc {
	HTTP_MORE = 0,		/* consumed everything, message not complete */
	HTTP_DONE = 1,		/* a complete message ends at *used */
	HTTP_ERROR = -1,	/* malformed: the connection should be dropped */
};

/*
 * A streaming state machine: every byte is looked at once, as it arrives,
 * and nothing of a line is kept (an idle connection's parser is part of
 * shoal-gen's per-connection memory, see worker.h). The few header names
 * and values the parser cares about are matched byte by byte against
 * their spelling (case-insensitive) through a small column counter and a
 * bit mask of the candidates still in the race.
 */
struct http_parser {
	/* Body or chunk bytes still expected; while a Content-Length value
	 * is read, the value read so far. */
	uint64_t remain;
	/* Results, valid once the head was parsed (head_done). While a
	 * Content-Length value is read, body_len holds the one before it
	 * (duplicates must agree); else it is 0 until the body. */
	uint64_t body_len;	/* body bytes seen so far */
	uint16_t status;	/* responses: 100 .. 599 */
	uint8_t version_minor;	/* HTTP/1.<minor> */
	bool keep_alive : 1;	/* the connection stays open after this one */
	bool head_done : 1;	/* status/request line and headers parsed */

	/* parsing state */
	bool response : 1;	/* parsing responses (else requests) */
	bool no_body : 1;	/* response to HEAD: never a body */
	bool chunked : 1;
	bool has_clen : 1;
	bool conn_close : 1;
	bool conn_keep : 1;
	bool begun : 1;		/* a byte of this message was consumed */
	bool cr : 1;		/* the last byte was a CR, not yet taken */
	uint8_t state;		/* what is being read (http.c) */
	uint8_t sub;		/* where in the current line */
	uint8_t mcol;		/* bytes of the current word matched */
	uint8_t mask;		/* candidates the current word still matches */
	uint16_t col;		/* bytes of the current line, CR LF not counted */
};

/* Parse responses (@p response) or requests. @p head_only: the request
 * was HEAD, so the response has no body whatever its headers say. */
void http_parser_init(struct http_parser *p, bool response);

/* Get ready for the next message on the same connection. */
void http_parser_next(struct http_parser *p, bool head_only);

/* Feed @p len bytes; *used is how many were consumed. Once HTTP_DONE or
 * HTTP_ERROR was returned, call http_parser_next() before feeding more. */
int http_parse(struct http_parser *p, const char *buf, size_t len,
	       size_t *used);

/* Forget the heads this thread memoised (http.c): the parse results do
 * not depend on them, only the work does; for tests that want a cold
 * start. */
void http_memo_clear(void);

/* The peer closed: completes a body delimited by the close (HTTP_DONE),
 * else the message was cut short (HTTP_ERROR), or none had begun
 * (HTTP_MORE). */
int http_parse_eof(struct http_parser *p);

/* 1 .. 5 for 1xx .. 5xx, 0 for anything else. */
static inline unsigned int
http_status_class(unsigned int status)
{
	return status >= 100 && status <= 599 ? status / 100 : 0;
}

/*
 * Build a request head into @p buf (at most @p size bytes, NUL added):
 * "METHOD PATH HTTP/1.1", Host, User-Agent, Connection: keep-alive or
 * close, and @p headers: extra header lines separated by '|' (e.g.
 * "Accept: * / *|X-Test: 1"; empty or NULL for none). Returns the length,
 * or -ENOSPC / -EINVAL (a field with CR or LF in it).
 */
int http_build_request(char *buf, size_t size, const char *method,
		       const char *path, const char *host,
		       const char *headers, bool keep_alive);

/*
 * Build a "200 OK" response head for a body of @p body_len bytes (sent
 * after it). Returns the length or -ENOSPC.
 */
int http_build_response_head(char *buf, size_t size, uint64_t body_len,
			     bool keep_alive);

#endif /* SHOAL_GEN_HTTP_H */
