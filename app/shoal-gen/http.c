/* SPDX-License-Identifier: BSD-3-Clause */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "http.h"

enum {
	ST_START,	/* status line or request line */
	ST_HEADER,	/* header lines up to the empty one */
	ST_BODY,	/* Content-Length body: remain bytes */
	ST_BODY_EOF,	/* body delimited by the connection's close */
	ST_CHUNK_SIZE,	/* "1a2b[;ext]" */
	ST_CHUNK_DATA,	/* remain bytes of chunk data */
	ST_CHUNK_END,	/* the CRLF after chunk data */
	ST_TRAILER,	/* trailer lines after the last chunk */
	ST_DONE,
};

void
http_parser_init(struct http_parser *p, bool response)
{
	memset(p, 0, offsetof(struct http_parser, line));
	p->response = response;
	p->state = ST_START;
}

void
http_parser_next(struct http_parser *p, bool head_only)
{
	http_parser_init(p, p->response);
	p->no_body = head_only;
}

/* RFC 9110 5.6.2 tchar; a switch, not strchr: every '-' of every header
 * name comes here. */
static bool
is_tchar(char c)
{
	if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	    (c >= '0' && c <= '9'))
		return true;
	switch (c) {
	case '!': case '#': case '$': case '%': case '&': case '\'':
	case '*': case '+': case '-': case '.': case '^': case '_':
	case '`': case '|': case '~':
		return true;
	default:
		return false;
	}
}

/* "HTTP/1.x SSS[ reason]" */
static int
parse_status_line(struct http_parser *p, const char *l, size_t n)
{
	if (n < 12 || memcmp(l, "HTTP/1.", 7) != 0 || l[7] < '0' ||
	    l[7] > '9' || l[8] != ' ')
		return HTTP_ERROR;
	for (int i = 9; i < 12; i++)
		if (l[i] < '0' || l[i] > '9')
			return HTTP_ERROR;
	if (n > 12 && l[12] != ' ')
		return HTTP_ERROR;
	p->version_minor = (uint8_t)(l[7] - '0');
	p->status = (uint16_t)((l[9] - '0') * 100 + (l[10] - '0') * 10 +
			       (l[11] - '0'));
	if (p->status < 100 || p->status > 599)
		return HTTP_ERROR;
	return HTTP_MORE;
}

/* "METHOD SP target SP HTTP/1.x" */
static int
parse_request_line(struct http_parser *p, const char *l, size_t n)
{
	size_t i = 0, t;

	while (i < n && is_tchar(l[i]))
		i++;
	if (i == 0 || i >= n || l[i] != ' ')
		return HTTP_ERROR;
	/* HEAD: the response to it has no body; a server need not know. */
	t = ++i;
	while (i < n && l[i] != ' ')
		i++;
	if (i == t || n - i != 9 || memcmp(l + i, " HTTP/1.", 8) != 0 ||
	    l[i + 8] < '0' || l[i + 8] > '9')
		return HTTP_ERROR;
	p->version_minor = (uint8_t)(l[i + 8] - '0');
	return HTTP_MORE;
}

/* Does the comma-separated list @p v contain token @p tok? */
static bool
list_has(const char *v, size_t n, const char *tok)
{
	size_t tl = strlen(tok), i = 0;

	while (i < n) {
		size_t s, e;

		while (i < n && (v[i] == ' ' || v[i] == '\t' || v[i] == ','))
			i++;
		s = i;
		while (i < n && v[i] != ',')
			i++;
		e = i;
		while (e > s && (v[e - 1] == ' ' || v[e - 1] == '\t'))
			e--;
		if (e - s == tl && strncasecmp(v + s, tok, tl) == 0)
			return true;
	}
	return false;
}

static int
parse_decimal(const char *v, size_t n, uint64_t *out)
{
	uint64_t x = 0;

	if (n == 0)
		return -1;
	for (size_t i = 0; i < n; i++) {
		if (v[i] < '0' || v[i] > '9')
			return -1;
		if (x > (UINT64_MAX - 9) / 10)
			return -1;
		x = x * 10 + (uint64_t)(v[i] - '0');
	}
	*out = x;
	return 0;
}

static int
parse_header(struct http_parser *p, const char *l, size_t n, bool truncated)
{
	const char *colon = memchr(l, ':', n);
	const char *v;
	size_t nl, vl;

	/* obs-fold continuation lines (RFC 9112 5.2) carry nothing we need */
	if (n > 0 && (l[0] == ' ' || l[0] == '\t'))
		return HTTP_MORE;
	if (colon == NULL || colon == l)
		return HTTP_ERROR;
	nl = (size_t)(colon - l);
	for (size_t i = 0; i < nl; i++)
		if (!is_tchar(l[i]))
			return HTTP_ERROR;
	v = colon + 1;
	vl = n - nl - 1;
	while (vl > 0 && (*v == ' ' || *v == '\t')) {
		v++;
		vl--;
	}
	while (vl > 0 && (v[vl - 1] == ' ' || v[vl - 1] == '\t'))
		vl--;

	if (nl == 14 && strncasecmp(l, "content-length", 14) == 0) {
		uint64_t len;

		if (truncated || parse_decimal(v, vl, &len) != 0)
			return HTTP_ERROR;
		/* RFC 9112 6.3: differing duplicates make the message invalid */
		if (p->has_clen && p->remain != len)
			return HTTP_ERROR;
		p->has_clen = true;
		p->remain = len;
	} else if (nl == 17 && strncasecmp(l, "transfer-encoding", 17) == 0) {
		/* chunked must be the final coding to frame the body */
		size_t e = vl;

		while (e > 0 && v[e - 1] != ',' && v[e - 1] != ' ')
			e--;
		p->chunked = vl - e == 7 && strncasecmp(v + e, "chunked", 7) == 0;
		if (!p->chunked)
			p->conn_close = true; /* body runs to the close */
	} else if (nl == 10 && strncasecmp(l, "connection", 10) == 0) {
		if (list_has(v, vl, "close"))
			p->conn_close = true;
		if (list_has(v, vl, "keep-alive"))
			p->conn_keep = true;
	}
	return HTTP_MORE;
}

/* The empty line after the headers: decide how the body is framed. */
static int
end_of_head(struct http_parser *p)
{
	p->head_done = true;
	if (p->version_minor >= 1)
		p->keep_alive = !p->conn_close;
	else
		p->keep_alive = p->conn_keep && !p->conn_close;

	if (p->response) {
		/* 1xx interim responses precede the real one (RFC 9110 15.2) */
		if (p->status < 200 && p->status != 101) {
			bool head_only = p->no_body;
			uint64_t head_len = p->head_len;

			http_parser_next(p, head_only);
			p->head_len = head_len;
			return HTTP_MORE;
		}
		if (p->no_body || p->status == 204 || p->status == 304 ||
		    p->status == 101) {
			p->state = ST_DONE;
			return HTTP_DONE;
		}
	}
	if (p->chunked) {
		p->state = ST_CHUNK_SIZE;
		p->has_clen = false;
		return HTTP_MORE;
	}
	if (p->has_clen) {
		if (p->remain == 0) {
			p->state = ST_DONE;
			return HTTP_DONE;
		}
		p->state = ST_BODY;
		return HTTP_MORE;
	}
	if (p->response) {
		/* RFC 9112 6.3 rule 8: the body ends with the connection */
		p->keep_alive = false;
		p->state = ST_BODY_EOF;
		return HTTP_MORE;
	}
	p->state = ST_DONE;	/* a request without a body */
	return HTTP_DONE;
}

static int
parse_chunk_size(struct http_parser *p, const char *l, size_t n)
{
	uint64_t x = 0;
	size_t i = 0;

	for (; i < n; i++) {
		char c = l[i];
		unsigned int d;

		if (c >= '0' && c <= '9')
			d = (unsigned int)(c - '0');
		else if (c >= 'a' && c <= 'f')
			d = (unsigned int)(c - 'a' + 10);
		else if (c >= 'A' && c <= 'F')
			d = (unsigned int)(c - 'A' + 10);
		else
			break;
		if (x >> 60)
			return HTTP_ERROR;
		x = x << 4 | d;
	}
	if (i == 0 || (i < n && l[i] != ';' && l[i] != ' ' && l[i] != '\t'))
		return HTTP_ERROR;
	p->remain = x;
	p->state = x ? ST_CHUNK_DATA : ST_TRAILER;
	return HTTP_MORE;
}

/* One complete line (CR LF or bare LF stripped). */
static int
parse_line(struct http_parser *p, const char *l, size_t n, bool truncated)
{
	switch (p->state) {
	case ST_START:
		/* RFC 9112 2.2: ignore empty lines before a request line */
		if (n == 0 && !p->response)
			return HTTP_MORE;
		if (truncated)
			return HTTP_ERROR;
		p->state = ST_HEADER;
		return p->response ? parse_status_line(p, l, n) :
			parse_request_line(p, l, n);
	case ST_HEADER:
		if (n == 0)
			return end_of_head(p);
		return parse_header(p, l, n, truncated);
	case ST_CHUNK_SIZE:
		return truncated ? HTTP_ERROR : parse_chunk_size(p, l, n);
	case ST_CHUNK_END:
		if (n != 0)
			return HTTP_ERROR;
		p->state = ST_CHUNK_SIZE;
		return HTTP_MORE;
	case ST_TRAILER:
		if (n == 0) {
			p->state = ST_DONE;
			return HTTP_DONE;
		}
		return HTTP_MORE;
	default:
		return HTTP_ERROR;
	}
}

static bool
in_line_state(const struct http_parser *p)
{
	return p->state == ST_START || p->state == ST_HEADER ||
		p->state == ST_CHUNK_SIZE || p->state == ST_CHUNK_END ||
		p->state == ST_TRAILER;
}

int
http_parse(struct http_parser *p, const char *buf, size_t len, size_t *used)
{
	size_t i = 0;
	int rc = HTTP_MORE;

	while (i < len && rc == HTTP_MORE) {
		if (p->state == ST_BODY || p->state == ST_CHUNK_DATA) {
			uint64_t take = len - i;

			if (take > p->remain)
				take = p->remain;
			i += take;
			p->remain -= take;
			p->body_len += take;
			if (p->remain == 0) {
				if (p->state == ST_BODY) {
					p->state = ST_DONE;
					rc = HTTP_DONE;
				} else {
					p->state = ST_CHUNK_END;
				}
			}
			continue;
		}
		if (p->state == ST_BODY_EOF) {
			p->body_len += len - i;
			i = len;
			continue;
		}
		if (!in_line_state(p)) {
			rc = HTTP_ERROR;
			break;
		}
		/* A line: gather it, up to its LF, into p->line. */
		{
			const char *lf = memchr(buf + i, '\n', len - i);
			size_t n = lf ? (size_t)(lf - (buf + i)) : len - i;
			size_t room = sizeof(p->line) - 1 - p->line_len;
			size_t copy = n < room ? n : room;

			/* Whole in this buffer, and short enough not to be
			 * truncated: parse it where it lies (the usual case,
			 * a head in one segment), without the copy. */
			if (lf != NULL && p->line_len == 0 && n < room) {
				const char *l = buf + i;

				if (!p->head_done)
					p->head_len += n + 1;
				i += n + 1;
				if (n > 0 && l[n - 1] == '\r')
					n--;
				rc = parse_line(p, l, n, false);
				continue;
			}
			memcpy(p->line + p->line_len, buf + i, copy);
			p->line_len += (uint16_t)copy;
			if (copy < n)
				p->line_long = true;
			if (!p->head_done)
				p->head_len += n + (lf != NULL);
			i += n;
			if (lf == NULL)
				break;
			i++;	/* the LF */
			n = p->line_len;
			if (n > 0 && p->line[n - 1] == '\r' && !p->line_long)
				n--;
			p->line[n] = '\0';
			rc = parse_line(p, p->line, n, p->line_long);
			p->line_len = 0;
			p->line_long = false;
		}
	}
	*used = i;
	if (rc == HTTP_ERROR)
		p->state = ST_DONE;
	return rc;
}

int
http_parse_eof(struct http_parser *p)
{
	if (p->state == ST_BODY_EOF) {
		p->state = ST_DONE;
		return HTTP_DONE;
	}
	if (p->state == ST_START && p->line_len == 0 && p->head_len == 0)
		return HTTP_MORE;
	return HTTP_ERROR;
}

/* Append "text" to buf, failing when it does not fit. */
static int
put(char *buf, size_t size, size_t *off, const char *fmt, const char *a,
    const char *b)
{
	int n = snprintf(buf + *off, size - *off, fmt, a, b);

	if (n < 0 || (size_t)n >= size - *off)
		return -ENOSPC;
	*off += (size_t)n;
	return 0;
}

static bool
has_crlf(const char *s)
{
	return s != NULL && strpbrk(s, "\r\n") != NULL;
}

int
http_build_request(char *buf, size_t size, const char *method,
		   const char *path, const char *host, const char *headers,
		   bool keep_alive)
{
	size_t off = 0;

	if (size == 0)
		return -ENOSPC;
	if (method == NULL || *method == '\0' || path == NULL ||
	    *path == '\0' || strchr(method, ' ') || strchr(path, ' ') ||
	    has_crlf(method) || has_crlf(path) || has_crlf(host) ||
	    has_crlf(headers))
		return -EINVAL;
	if (put(buf, size, &off, "%s %s HTTP/1.1\r\n", method, path) ||
	    (host && *host && put(buf, size, &off, "Host: %s%s\r\n", host, "")) ||
	    put(buf, size, &off, "User-Agent: shoal-gen%s%s\r\n", "", "") ||
	    put(buf, size, &off, "Connection: %s%s\r\n",
		keep_alive ? "keep-alive" : "close", ""))
		return -ENOSPC;
	while (headers && *headers) {
		const char *bar = strchr(headers, '|');
		size_t n = bar ? (size_t)(bar - headers) : strlen(headers);

		if (n > 0) {
			if (memchr(headers, ':', n) == NULL)
				return -EINVAL;
			if (off + n + 2 >= size)
				return -ENOSPC;
			memcpy(buf + off, headers, n);
			off += n;
			buf[off++] = '\r';
			buf[off++] = '\n';
		}
		headers = bar ? bar + 1 : NULL;
	}
	if (off + 3 > size)
		return -ENOSPC;
	buf[off++] = '\r';
	buf[off++] = '\n';
	buf[off] = '\0';
	return (int)off;
}

int
http_build_response_head(char *buf, size_t size, uint64_t body_len,
			 bool keep_alive)
{
	int n = snprintf(buf, size,
			 "HTTP/1.1 200 OK\r\n"
			 "Server: shoal-gen\r\n"
			 "Content-Type: application/octet-stream\r\n"
			 "Content-Length: %llu\r\n"
			 "Connection: %s\r\n"
			 "\r\n",
			 (unsigned long long)body_len,
			 keep_alive ? "keep-alive" : "close");

	if (n < 0 || (size_t)n >= size)
		return -ENOSPC;
	return n;
}
