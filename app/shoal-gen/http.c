/* SPDX-License-Identifier: BSD-3-Clause */
#include <errno.h>
#include <stdio.h>
#include <string.h>

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

/* Where in a line (http_parser.sub); 0 at every line's start. */
enum {
	/* request line */
	RQ_METHOD = 0,
	RQ_TARGET0,	/* the SP after the method was seen */
	RQ_TARGET,
	RQ_VERSION,	/* " HTTP/1.x" after the target, mcol into it */
	/* header line */
	HD_NAME = 0,
	HD_SKIP,	/* a header we do not need, or an obs-fold line */
	HD_CLEN_LEAD,	/* Content-Length: blanks before the digits */
	HD_CLEN,	/* its digits */
	HD_CLEN_TRAIL,	/* blanks after them */
	HD_TE,		/* Transfer-Encoding: between codings */
	HD_TE_CODING,	/* in a coding */
	HD_CONN,	/* Connection: between options */
	HD_CONN_OPT,	/* in an option */
	HD_CONN_BLANK,	/* blanks after an option's bytes */
	/* chunk-size line */
	CK_SIZE = 0,
	CK_EXT,		/* ";ext", ignored */
};

#define NWORDS(a) (sizeof(a) / sizeof((a)[0]))

/* The words matched (lower case), by list; a mask bit per word. */
enum { H_CLEN, H_TE, H_CONN };
static const char *const hdr_names[] = {
	[H_CLEN] = "content-length",
	[H_TE] = "transfer-encoding",
	[H_CONN] = "connection",
};
enum { O_CLOSE, O_KEEP };
static const char *const conn_opts[] = {
	[O_CLOSE] = "close",
	[O_KEEP] = "keep-alive",
};
static const char *const te_codings[] = { "chunked" };

void
http_parser_init(struct http_parser *p, bool response)
{
	memset(p, 0, sizeof(*p));
	p->response = response;
	p->state = ST_START;
}

void
http_parser_next(struct http_parser *p, bool head_only)
{
	http_parser_init(p, p->response);
	p->no_body = head_only;
}

/* RFC 9110 5.6.2 tchar, as a table: every byte of every header name is
 * looked up. */
static const uint8_t tchar_tab[256] = {
	['!'] = 1, ['#'] = 1, ['$'] = 1, ['%'] = 1, ['&'] = 1, ['\''] = 1,
	['*'] = 1, ['+'] = 1, ['-'] = 1, ['.'] = 1, ['^'] = 1, ['_'] = 1,
	['`'] = 1, ['|'] = 1, ['~'] = 1,
	['0' ... '9'] = 1, ['A' ... 'Z'] = 1, ['a' ... 'z'] = 1,
};

static inline bool
is_tchar(char c)
{
	return tchar_tab[(uint8_t)c] != 0;
}

static bool
is_digit(char c)
{
	return c >= '0' && c <= '9';
}

static bool
is_blank(char c)
{
	return c == ' ' || c == '\t';
}

/* Start matching a word against the @p n words of a list. */
static void
match_begin(struct http_parser *p, unsigned int n)
{
	p->mcol = 0;
	p->mask = (uint8_t)((1u << n) - 1);
}

/* One more byte of the word: drop the candidates it does not spell. */
static void
match_step(struct http_parser *p, const char *const *words, char c)
{
	unsigned int m = p->mask;

	if (c >= 'A' && c <= 'Z')
		c = (char)(c - 'A' + 'a');
	while (m != 0) {
		unsigned int k = (unsigned int)__builtin_ctz(m);

		m &= m - 1;
		/* a word's NUL never equals a byte of a line's content
		 * here: NUL is no tchar, and values compare it too */
		if (c == '\0' || words[k][p->mcol] != c)
			p->mask &= (uint8_t)~(1u << k);
	}
	if (p->mask != 0)
		p->mcol++;
}

/* Which word the bytes matched completely: its index, or -1. */
static int
match_end(const struct http_parser *p, const char *const *words)
{
	unsigned int m = p->mask;

	while (m != 0) {
		unsigned int k = (unsigned int)__builtin_ctz(m);

		m &= m - 1;
		if (words[k][p->mcol] == '\0')
			return (int)k;
	}
	return -1;
}

/* A Connection option ended: note close and keep-alive. */
static void
conn_option_end(struct http_parser *p)
{
	switch (match_end(p, conn_opts)) {
	case O_CLOSE:
		p->conn_close = true;
		break;
	case O_KEEP:
		p->conn_keep = true;
		break;
	}
	p->sub = HD_CONN;
}

/* "HTTP/1.x SSS[ reason]", one byte at column p->col. */
static int
status_byte(struct http_parser *p, char c)
{
	unsigned int i = p->col;

	if (i < 7) {
		if (c != "HTTP/1."[i])
			return HTTP_ERROR;
	} else if (i == 7) {
		if (!is_digit(c))
			return HTTP_ERROR;
		p->version_minor = (uint8_t)(c - '0');
	} else if (i == 8 || i == 12) {
		if (c != ' ')
			return HTTP_ERROR;
	} else if (i < 12) {
		if (!is_digit(c))
			return HTTP_ERROR;
		p->status = (uint16_t)(p->status * 10 + (c - '0'));
	}
	return HTTP_MORE;	/* the reason phrase is anything */
}

/* "METHOD SP target SP HTTP/1.x", one byte. */
static int
request_byte(struct http_parser *p, char c)
{
	switch (p->sub) {
	case RQ_METHOD:
		if (c == ' ' && p->col > 0)
			p->sub = RQ_TARGET0;
		else if (!is_tchar(c))
			return HTTP_ERROR;
		return HTTP_MORE;
	case RQ_TARGET0:
		if (c == ' ')
			return HTTP_ERROR;	/* empty target */
		p->sub = RQ_TARGET;
		return HTTP_MORE;
	case RQ_TARGET:
		if (c == ' ') {
			p->sub = RQ_VERSION;
			p->mcol = 0;
		}
		return HTTP_MORE;
	default:
		/* "HTTP/1." then one digit, then the line must end */
		if (p->mcol < 7 && c == "HTTP/1."[p->mcol]) {
			p->mcol++;
			return HTTP_MORE;
		}
		if (p->mcol == 7 && is_digit(c)) {
			p->version_minor = (uint8_t)(c - '0');
			p->mcol++;
			return HTTP_MORE;
		}
		return HTTP_ERROR;
	}
}

/* One byte of a header line. */
static int
header_byte(struct http_parser *p, char c)
{
	switch (p->sub) {
	case HD_NAME:
		if (p->col == 0) {
			/* obs-fold continuation lines (RFC 9112 5.2) carry
			 * nothing we need */
			if (is_blank(c)) {
				p->sub = HD_SKIP;
				return HTTP_MORE;
			}
			match_begin(p, NWORDS(hdr_names));
		}
		if (c == ':') {
			if (p->col == 0)
				return HTTP_ERROR;	/* empty name */
			switch (match_end(p, hdr_names)) {
			case H_CLEN:
				/* an earlier value waits in body_len */
				p->sub = HD_CLEN_LEAD;
				p->body_len = p->remain;
				p->remain = 0;
				break;
			case H_TE:
				p->sub = HD_TE;
				p->mask = 0;	/* no coding yet */
				break;
			case H_CONN:
				p->sub = HD_CONN;
				break;
			default:
				p->sub = HD_SKIP;
			}
			return HTTP_MORE;
		}
		if (!is_tchar(c))
			return HTTP_ERROR;
		match_step(p, hdr_names, c);
		return HTTP_MORE;
	case HD_CLEN_LEAD:
		if (is_blank(c))
			return HTTP_MORE;
		p->sub = HD_CLEN;
		/* fall through */
	case HD_CLEN:
		if (is_digit(c)) {
			if (p->remain > (UINT64_MAX - 9) / 10)
				return HTTP_ERROR;
			p->remain = p->remain * 10 + (uint64_t)(c - '0');
			return HTTP_MORE;
		}
		if (!is_blank(c))
			return HTTP_ERROR;
		p->sub = HD_CLEN_TRAIL;
		return HTTP_MORE;
	case HD_CLEN_TRAIL:
		return is_blank(c) ? HTTP_MORE : HTTP_ERROR;
	case HD_TE:
		/* The codings, separated by commas and blanks: only the
		 * last one counts (chunked must be final to frame a body). */
		if (is_blank(c) || c == ',')
			return HTTP_MORE;
		match_begin(p, NWORDS(te_codings));
		p->sub = HD_TE_CODING;
		/* fall through */
	case HD_TE_CODING:
		if (is_blank(c) || c == ',')
			p->sub = HD_TE;
		else
			match_step(p, te_codings, c);
		return HTTP_MORE;
	case HD_CONN:
		/* A comma-separated list of options, blanks around each. */
		if (is_blank(c) || c == ',')
			return HTTP_MORE;
		match_begin(p, NWORDS(conn_opts));
		p->sub = HD_CONN_OPT;
		/* fall through */
	case HD_CONN_OPT:
		if (c == ',')
			conn_option_end(p);
		else if (is_blank(c))
			p->sub = HD_CONN_BLANK;
		else
			match_step(p, conn_opts, c);
		return HTTP_MORE;
	case HD_CONN_BLANK:
		if (c == ',') {
			conn_option_end(p);
		} else if (!is_blank(c)) {
			p->mask = 0;	/* a blank inside the option */
			p->sub = HD_CONN_OPT;
		}
		return HTTP_MORE;
	default:	/* HD_SKIP */
		return HTTP_MORE;
	}
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
			http_parser_next(p, p->no_body);
			p->begun = true;
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
		p->remain = 0;
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

/* The end of a header line. */
static int
header_end(struct http_parser *p)
{
	switch (p->sub) {
	case HD_NAME:
		/* the empty line, or a line without a colon */
		return p->col == 0 ? end_of_head(p) : HTTP_ERROR;
	case HD_CLEN_LEAD:
		return HTTP_ERROR;	/* no digits */
	case HD_CLEN:
	case HD_CLEN_TRAIL:
		/* RFC 9112 6.3: differing duplicates make the message
		 * invalid */
		if (p->has_clen && p->remain != p->body_len)
			return HTTP_ERROR;
		p->has_clen = true;
		p->body_len = 0;
		return HTTP_MORE;
	case HD_TE:
	case HD_TE_CODING:
		p->chunked = match_end(p, te_codings) == 0;
		if (!p->chunked)
			p->conn_close = true;	/* body runs to the close */
		return HTTP_MORE;
	case HD_CONN_OPT:
	case HD_CONN_BLANK:
		conn_option_end(p);
		return HTTP_MORE;
	default:
		return HTTP_MORE;
	}
}

/* One byte of a chunk-size line: hex digits, then maybe ";ext". */
static int
chunk_size_byte(struct http_parser *p, char c)
{
	unsigned int d;

	if (p->sub == CK_EXT)
		return HTTP_MORE;
	if (c >= '0' && c <= '9')
		d = (unsigned int)(c - '0');
	else if (c >= 'a' && c <= 'f')
		d = (unsigned int)(c - 'a' + 10);
	else if (c >= 'A' && c <= 'F')
		d = (unsigned int)(c - 'A' + 10);
	else if (p->col > 0 && (c == ';' || is_blank(c))) {
		p->sub = CK_EXT;
		return HTTP_MORE;
	} else
		return HTTP_ERROR;
	if (p->remain >> 60)
		return HTTP_ERROR;
	p->remain = p->remain << 4 | d;
	return HTTP_MORE;
}

/* One byte of a line's content (CR LF not included). */
static int
line_byte(struct http_parser *p, char c)
{
	int rc;

	switch (p->state) {
	case ST_START:
		rc = p->response ? status_byte(p, c) : request_byte(p, c);
		break;
	case ST_HEADER:
		rc = header_byte(p, c);
		break;
	case ST_CHUNK_SIZE:
		rc = chunk_size_byte(p, c);
		break;
	case ST_CHUNK_END:
		rc = HTTP_ERROR;	/* data beyond the chunk's size */
		break;
	default:	/* ST_TRAILER: trailer fields are not needed */
		rc = HTTP_MORE;
	}
	if (p->col < UINT16_MAX)
		p->col++;
	/* Start and chunk-size lines have a bound; header lines need none,
	 * nothing of them is stored. */
	if (p->col > HTTP_LINE_MAX &&
	    (p->state == ST_START || p->state == ST_CHUNK_SIZE))
		return HTTP_ERROR;
	return rc;
}

/* The LF that ends a line (its CR, if any, is not content). */
static int
line_end(struct http_parser *p)
{
	unsigned int col = p->col;
	int rc = HTTP_MORE;

	switch (p->state) {
	case ST_START:
		if (p->response) {
			if (col < 12 || p->status < 100 || p->status > 599)
				return HTTP_ERROR;
		} else if (col == 0) {
			/* RFC 9112 2.2: empty lines before a request line are
			 * ignored */
			return HTTP_MORE;
		} else if (p->sub != RQ_VERSION || p->mcol != 8) {
			return HTTP_ERROR;
		}
		p->state = ST_HEADER;
		break;
	case ST_HEADER:
		rc = header_end(p);
		break;
	case ST_CHUNK_SIZE:
		if (col == 0)
			return HTTP_ERROR;
		p->state = p->remain ? ST_CHUNK_DATA : ST_TRAILER;
		break;
	case ST_CHUNK_END:
		p->state = ST_CHUNK_SIZE;	/* content was refused */
		break;
	default:	/* ST_TRAILER */
		if (col == 0) {
			p->state = ST_DONE;
			rc = HTTP_DONE;
		}
	}
	p->col = 0;
	p->sub = 0;
	return rc;
}

static bool
in_line_state(const struct http_parser *p)
{
	return p->state == ST_START || p->state == ST_HEADER ||
		p->state == ST_CHUNK_SIZE || p->state == ST_CHUNK_END ||
		p->state == ST_TRAILER;
}

/*
 * The fast path: a start or header line that lies whole in the buffer is
 * parsed where it lies, @p n content bytes at @p s (CR LF not included),
 * instead of byte by byte. It must agree with the byte machine on every
 * input (tests/gen/test_http.c and the fuzz_http target feed the same
 * bytes both ways); the byte machine stays for lines split across
 * segments, chunk-size lines and trailers.
 */

static bool
is_blank_or_comma(char c)
{
	return c == ' ' || c == '\t' || c == ',';
}

/* Whether @p n bytes at @p s spell @p word (lower case), any case. */
static bool
word_is(const char *s, size_t n, const char *word)
{
	for (size_t i = 0; i < n; i++) {
		char c = s[i];

		if (c >= 'A' && c <= 'Z')
			c = (char)(c - 'A' + 'a');
		/* stops at the word's NUL: content NULs match nothing */
		if (word[i] == '\0' || word[i] != c)
			return false;
	}
	return word[n] == '\0';
}

/* "HTTP/1.x SSS[ reason]" */
static int
status_line(struct http_parser *p, const char *s, size_t n)
{
	unsigned int st = 0;

	if (n < 12 || memcmp(s, "HTTP/1.", 7) != 0 || !is_digit(s[7]) ||
	    s[8] != ' ' || (n > 12 && s[12] != ' '))
		return HTTP_ERROR;
	for (size_t i = 9; i < 12; i++) {
		if (!is_digit(s[i]))
			return HTTP_ERROR;
		st = st * 10 + (unsigned int)(s[i] - '0');
	}
	if (st < 100 || st > 599)
		return HTTP_ERROR;
	p->version_minor = (uint8_t)(s[7] - '0');
	p->status = (uint16_t)st;
	return HTTP_MORE;
}

/* "METHOD SP target SP HTTP/1.x" */
static int
request_line(struct http_parser *p, const char *s, size_t n)
{
	size_t i = 0;
	const char *sp;

	while (i < n && is_tchar(s[i]))
		i++;
	if (i == 0 || i == n || s[i] != ' ')
		return HTTP_ERROR;
	i++;
	if (i == n || s[i] == ' ')
		return HTTP_ERROR;	/* empty target */
	sp = memchr(s + i, ' ', n - i);
	if (sp == NULL)
		return HTTP_ERROR;
	i = (size_t)(sp - s) + 1;
	if (n - i != 8 || memcmp(s + i, "HTTP/1.", 7) != 0 ||
	    !is_digit(s[i + 7]))
		return HTTP_ERROR;
	p->version_minor = (uint8_t)(s[i + 7] - '0');
	return HTTP_MORE;
}

static int
clen_value(struct http_parser *p, const char *s, size_t n)
{
	size_t i = 0;
	uint64_t v = 0;

	while (i < n && is_blank(s[i]))
		i++;
	if (i == n || !is_digit(s[i]))
		return HTTP_ERROR;
	for (; i < n && is_digit(s[i]); i++) {
		if (v > (UINT64_MAX - 9) / 10)
			return HTTP_ERROR;
		v = v * 10 + (uint64_t)(s[i] - '0');
	}
	for (; i < n; i++)
		if (!is_blank(s[i]))
			return HTTP_ERROR;
	/* RFC 9112 6.3: differing duplicates make the message invalid;
	 * during the head, remain holds the value seen before */
	if (p->has_clen && v != p->remain)
		return HTTP_ERROR;
	p->remain = v;
	p->has_clen = true;
	return HTTP_MORE;
}

/* Transfer-Encoding: only the last coding counts. */
static void
te_value(struct http_parser *p, const char *s, size_t n)
{
	size_t end = n, start;

	while (end > 0 && is_blank_or_comma(s[end - 1]))
		end--;
	start = end;
	while (start > 0 && !is_blank_or_comma(s[start - 1]))
		start--;
	p->chunked = end > start && word_is(s + start, end - start,
					    te_codings[0]);
	if (!p->chunked)
		p->conn_close = true;	/* body runs to the close */
}

/* Connection: options separated by commas, blanks around each. */
static void
conn_value(struct http_parser *p, const char *s, size_t n)
{
	size_t i = 0;

	while (i < n) {
		size_t a, b;

		while (i < n && is_blank_or_comma(s[i]))
			i++;
		a = i;
		while (i < n && s[i] != ',')
			i++;
		b = i;
		while (b > a && is_blank(s[b - 1]))
			b--;
		if (b == a)
			continue;
		if (word_is(s + a, b - a, conn_opts[O_CLOSE]))
			p->conn_close = true;
		else if (word_is(s + a, b - a, conn_opts[O_KEEP]))
			p->conn_keep = true;
	}
}

static int
header_line(struct http_parser *p, const char *s, size_t n)
{
	size_t i = 0;

	if (n == 0)
		return end_of_head(p);
	if (is_blank(s[0]))
		return HTTP_MORE;	/* obs-fold: nothing we need */
	while (i < n && is_tchar(s[i]))
		i++;
	if (i == 0 || i == n || s[i] != ':')
		return HTTP_ERROR;
	/* the three names we need differ in length */
	switch (i) {
	case 14:
		if (word_is(s, i, hdr_names[H_CLEN]))
			return clen_value(p, s + i + 1, n - i - 1);
		break;
	case 17:
		if (word_is(s, i, hdr_names[H_TE]))
			te_value(p, s + i + 1, n - i - 1);
		break;
	case 10:
		if (word_is(s, i, hdr_names[H_CONN]))
			conn_value(p, s + i + 1, n - i - 1);
		break;
	}
	return HTTP_MORE;
}

/* A whole line of ST_START or ST_HEADER, with what line_end does. */
static int
whole_line(struct http_parser *p, const char *s, size_t n)
{
	int rc;

	if (p->state == ST_HEADER)
		return header_line(p, s, n);
	if (n > HTTP_LINE_MAX)
		return HTTP_ERROR;
	if (p->response) {
		rc = status_line(p, s, n);
	} else {
		if (n == 0)
			return HTTP_MORE;	/* RFC 9112 2.2 */
		rc = request_line(p, s, n);
	}
	if (rc == HTTP_MORE)
		p->state = ST_HEADER;
	return rc;
}

/* Line bytes from @p buf until a line ends the message or an error;
 * returns how many were consumed through *i. */
static int
parse_lines(struct http_parser *p, const char *buf, size_t len, size_t *i)
{
	int rc = HTTP_MORE;

	while (*i < len && rc == HTTP_MORE && in_line_state(p)) {
		char c;

		if (p->col == 0 && !p->cr &&
		    (p->state == ST_START || p->state == ST_HEADER)) {
			const char *nl = memchr(buf + *i, '\n', len - *i);

			if (nl != NULL) {
				const char *s = buf + *i;
				size_t n = (size_t)(nl - s);

				if (!p->head_done)
					p->begun = true;
				*i += n + 1;
				if (n > 0 && s[n - 1] == '\r')
					n--;
				rc = whole_line(p, s, n);
				continue;
			}
		}
		c = buf[(*i)++];

		if (!p->head_done)
			p->begun = true;
		if (c == '\n') {
			p->cr = false;
			rc = line_end(p);
			continue;
		}
		/* A CR is content unless an LF follows it. */
		if (p->cr) {
			p->cr = false;
			rc = line_byte(p, '\r');
			if (rc != HTTP_MORE)
				break;
		}
		if (c == '\r')
			p->cr = true;
		else
			rc = line_byte(p, c);
	}
	return rc;
}

/*
 * Heads seen before. A load generator parses the same head over and over
 * (a server answers every request alike, a client asks alike), and a
 * parse is a function of the parser's state at a message's start (fresh
 * but for response and no_body) and of the bytes it consumed: a head
 * parsed whole from one buffer is kept with the parser's state after it,
 * and the same bytes at the start of a later message take that state in
 * one memcmp. Per thread: every worker has its own, nothing is shared.
 */
#define MEMO_N		4
#define MEMO_MAX	256	/* longest head kept */

struct memo {
	uint16_t len;		/* 0: empty */
	uint8_t key;		/* response | no_body << 1 */
	int8_t rc;		/* HTTP_MORE (a body follows) or HTTP_DONE */
	struct http_parser after;
	char head[MEMO_MAX];
};

static __thread struct memo memo[MEMO_N];
static __thread unsigned int memo_next;

static inline uint8_t
memo_key(const struct http_parser *p)
{
	return (uint8_t)(p->response | p->no_body << 1);
}

static const struct memo *
memo_find(const struct http_parser *p, const char *buf, size_t len)
{
	uint8_t key = memo_key(p);

	for (unsigned int k = 0; k < MEMO_N; k++) {
		const struct memo *m = &memo[k];

		if (m->len != 0 && m->key == key && m->len <= len &&
		    memcmp(buf, m->head, m->len) == 0)
			return m;
	}
	return NULL;
}

static void
memo_put(uint8_t key, const char *buf, size_t n, const struct http_parser *p,
	 int rc)
{
	struct memo *m = &memo[memo_next++ % MEMO_N];

	m->len = (uint16_t)n;
	m->key = key;
	m->rc = (int8_t)rc;
	m->after = *p;
	memcpy(m->head, buf, n);
}

void
http_memo_clear(void)
{
	memset(memo, 0, sizeof(memo));
	memo_next = 0;
}

int
http_parse(struct http_parser *p, const char *buf, size_t len, size_t *used)
{
	size_t i = 0;
	int rc = HTTP_MORE;
	/* at a message's start: the memo applies, and may learn this head */
	bool fresh = p->state == ST_START && !p->begun;
	uint8_t key = memo_key(p);

	if (fresh) {
		const struct memo *m = memo_find(p, buf, len);

		if (m != NULL) {
			*p = m->after;
			i = m->len;
			rc = m->rc;
			fresh = false;
		}
	}
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
		rc = parse_lines(p, buf, len, &i);
		if (fresh && p->head_done && rc != HTTP_ERROR && i <= MEMO_MAX)
			memo_put(key, buf, i, p, rc);
		fresh = false;
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
	if (p->state == ST_START && !p->begun)
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
