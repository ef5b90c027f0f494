/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Parsing and formatting of single configuration values. Every parser
 * works into a local and copies to the member only when the whole text
 * was valid and in range, so a rejected value never leaves half a write.
 */

#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <math.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "value.h"

/* A unit suffix and how many stored units it is worth. */
struct unit {
	const char *suffix;
	uint64_t mult;
};

/* Binary multiples, as every tool that sizes buffers means them. */
static const struct unit size_units[] = {
	{ "T", 1ULL << 40 }, { "TiB", 1ULL << 40 },
	{ "G", 1ULL << 30 }, { "GiB", 1ULL << 30 },
	{ "M", 1ULL << 20 }, { "MiB", 1ULL << 20 },
	{ "k", 1ULL << 10 }, { "K", 1ULL << 10 }, { "KiB", 1ULL << 10 },
	{ "", 1 }, { "B", 1 }, { NULL, 0 },
};

/* Stored in nanoseconds; a bare number is seconds. */
static const struct unit duration_units[] = {
	{ "h", 3600000000000ULL }, { "m", 60000000000ULL },
	{ "s", 1000000000ULL }, { "ms", 1000000ULL }, { "us", 1000ULL },
	{ "ns", 1 }, { "", 1000000000ULL }, { NULL, 0 },
};

/* Decimal multiples, as rates are quoted. */
static const struct unit rate_units[] = {
	{ "G", 1000000000ULL }, { "M", 1000000ULL },
	{ "k", 1000ULL }, { "K", 1000ULL }, { "", 1 }, { NULL, 0 },
};

static const struct {
	const char *name;
	size_t size;
	bool json_scalar;
} types[] = {
	[SHOAL_CFG_BOOL] = { "bool", sizeof(bool), true },
	[SHOAL_CFG_U16] = { "u16", sizeof(uint16_t), true },
	[SHOAL_CFG_U32] = { "u32", sizeof(uint32_t), true },
	[SHOAL_CFG_U64] = { "u64", sizeof(uint64_t), true },
	[SHOAL_CFG_I64] = { "i64", sizeof(int64_t), true },
	[SHOAL_CFG_DOUBLE] = { "number", sizeof(double), true },
	[SHOAL_CFG_STRING] = { "string", 0, false },
	[SHOAL_CFG_SIZE] = { "size", sizeof(uint64_t), true },
	[SHOAL_CFG_DURATION] = { "duration", sizeof(uint64_t), true },
	[SHOAL_CFG_RATE] = { "rate", sizeof(double), true },
	[SHOAL_CFG_PERCENT] = { "percent", sizeof(double), true },
	[SHOAL_CFG_IPV4] = { "ipv4", sizeof(struct shoal_addr), false },
	[SHOAL_CFG_IPV4_PREFIX] = { "ipv4-prefix",
		sizeof(struct shoal_cfg_prefix), false },
	[SHOAL_CFG_IPV4_RANGE] = { "ipv4-range",
		sizeof(struct shoal_cfg_range), false },
	[SHOAL_CFG_MAC] = { "mac", sizeof(struct rte_ether_addr), false },
	[SHOAL_CFG_ENUM] = { "enum", sizeof(int), false },
	[SHOAL_CFG_PORTS] = { "ports", sizeof(struct shoal_cfg_ports), false },
	[SHOAL_CFG_IPV4_PREFIXES] = { "ipv4-prefixes",
		sizeof(struct shoal_cfg_prefixes), false },
};

const char *
cfg_type_name(enum shoal_cfg_type t)
{
	return (size_t)t < RTE_DIM(types) ? types[t].name : "?";
}

size_t
cfg_type_size(enum shoal_cfg_type t)
{
	return (size_t)t < RTE_DIM(types) ? types[t].size : SIZE_MAX;
}

bool
cfg_type_is_json_scalar(enum shoal_cfg_type t)
{
	return (size_t)t < RTE_DIM(types) && types[t].json_scalar;
}

/* All the values a parser can produce, so dst is written in one copy. */
union value {
	bool b;
	uint16_t u16;
	uint32_t u32;
	uint64_t u64;
	int64_t i64;
	double d;
	int e;
	struct shoal_addr addr;
	struct shoal_cfg_prefix prefix;
	struct shoal_cfg_range range;
	struct rte_ether_addr mac;
	struct shoal_cfg_ports ports;
	struct shoal_cfg_prefixes prefixes;
};

static bool
has_range(const struct shoal_cfg_key *k)
{
	return k->min != 0 || k->max != 0;
}

static int
say(char *why, size_t len, int ret, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(why, len, fmt, ap);
	va_end(ap);
	return ret;
}

static int
bad(const struct shoal_cfg_key *k, const char *text, char *why, size_t len)
{
	char exp[CFG_VALUE_MAX];

	cfg_expect(k, exp, sizeof(exp));
	return say(why, len, -EINVAL, "bad value '%s' (expected %s)", text, exp);
}

static int
out_of_range(const struct shoal_cfg_key *k, const char *text, char *why,
	size_t len)
{
	char exp[CFG_VALUE_MAX];

	cfg_expect(k, exp, sizeof(exp));
	return say(why, len, -ERANGE, "'%s' out of range (expected %s)", text,
		exp);
}

/* Largest value an unsigned integer type holds. */
static uint64_t
type_umax(enum shoal_cfg_type t)
{
	switch (t) {
	case SHOAL_CFG_U16:
		return UINT16_MAX;
	case SHOAL_CFG_U32:
		return UINT32_MAX;
	default:
		return UINT64_MAX;
	}
}

/*
 * Decimal or 0x hex, without sign. strtoull() would accept "-1" and
 * wrap it, so the sign is refused before it gets the chance.
 */
static int
parse_uint(const char *s, uint64_t *v)
{
	char *end;
	int base = 10;

	if (!isdigit((unsigned char)*s))
		return -EINVAL;
	if (s[0] == '0' && (s[1] == 'x' || s[1] == 'X'))
		base = 16;
	errno = 0;
	*v = strtoull(s, &end, base);
	if (*end != '\0')
		return -EINVAL;
	return errno == ERANGE ? -ERANGE : 0;
}

static int
parse_int(const char *s, int64_t *v)
{
	const char *p = s + (*s == '-' || *s == '+');
	char *end;

	if (!isdigit((unsigned char)*p))
		return -EINVAL;
	errno = 0;
	*v = strtoll(s, &end, 10);
	if (*end != '\0')
		return -EINVAL;
	return errno == ERANGE ? -ERANGE : 0;
}

/*
 * Finite number without the forms strtod() also takes (leading blanks,
 * "inf", "nan", hex floats), which no configuration means.
 */
static int
parse_double(const char *s, double *v, char **end)
{
	const char *p = s + (*s == '-' || *s == '+');

	if (!isdigit((unsigned char)*p) &&
			!(*p == '.' && isdigit((unsigned char)p[1])))
		return -EINVAL;
	if (p[0] == '0' && (p[1] == 'x' || p[1] == 'X'))
		return -EINVAL;
	errno = 0;
	*v = strtod(s, end);
	if (errno == ERANGE || !isfinite(*v))
		return -ERANGE;
	return 0;
}

/*
 * "<number><suffix>" as a count of stored units. Whole numbers are
 * multiplied exactly; a fraction ("1.5M") goes through a double and must
 * come out whole when whole is set, else it is rounded.
 */
static int
parse_units(const char *s, const struct unit *units, bool whole,
	uint64_t *v)
{
	const struct unit *u;
	const char *p;
	char *end;
	uint64_t n = 0;
	double d = 0;
	int ret;

	if (*s == '-')
		return -ERANGE;
	for (p = s; isdigit((unsigned char)*p); p++)
		;
	if (p == s && *p != '.')
		return -EINVAL;
	if (*p == '.' || *p == 'e' || *p == 'E') {
		ret = parse_double(s, &d, &end);
		if (ret != 0)
			return ret;
	} else {
		errno = 0;
		n = strtoull(s, &end, 10);
		if (errno == ERANGE)
			return -ERANGE;
	}
	for (u = units; u->suffix != NULL; u++)
		if (strcmp(end, u->suffix) == 0)
			break;
	if (u->suffix == NULL)
		return -EINVAL;
	if (*p == '.' || *p == 'e' || *p == 'E') {
		d *= (double)u->mult;
		if (d >= 18446744073709551616.0)
			return -ERANGE;
		if (whole && d != floor(d))
			return -EINVAL;
		*v = (uint64_t)nearbyint(d);
		return 0;
	}
	if (n > UINT64_MAX / u->mult)
		return -ERANGE;
	*v = n * u->mult;
	return 0;
}

/* Same as parse_units() for rates, which are kept as doubles. */
static int
parse_rate(const char *s, double *v)
{
	const struct unit *u;
	char *end;
	int ret;

	if (*s == '-')
		return -ERANGE;
	ret = parse_double(s, v, &end);
	if (ret != 0)
		return ret;
	for (u = rate_units; u->suffix != NULL; u++)
		if (strcmp(end, u->suffix) == 0)
			break;
	if (u->suffix == NULL)
		return -EINVAL;
	*v *= (double)u->mult;
	return isfinite(*v) ? 0 : -ERANGE;
}

static int
parse_percent(const char *s, double *v)
{
	char *end;
	int ret;

	ret = parse_double(s, v, &end);
	if (ret != 0)
		return ret;
	if (strcmp(end, "%") == 0)
		*v /= 100;
	else if (*end != '\0')
		return -EINVAL;
	return 0;
}

static int
parse_bool(const char *s, bool *v)
{
	static const char *const yes[] = { "true", "yes", "on", "1" };
	static const char *const no[] = { "false", "no", "off", "0" };
	size_t i;

	for (i = 0; i < RTE_DIM(yes); i++) {
		if (strcasecmp(s, yes[i]) == 0) {
			*v = true;
			return 0;
		}
		if (strcasecmp(s, no[i]) == 0) {
			*v = false;
			return 0;
		}
	}
	return -EINVAL;
}

/* Strict dotted quad: inet_pton() refuses the old "1.2.3" shorthands. */
static int
parse_ipv4(const char *s, uint32_t *host)
{
	struct in_addr a;

	if (inet_pton(AF_INET, s, &a) != 1)
		return -EINVAL;
	*host = ntohl(a.s_addr);
	return 0;
}

/* "A.B.C.D/len": copies the address part out to parse it alone. */
static int
parse_prefix(const char *s, uint32_t *host, uint8_t *plen)
{
	const char *slash = strchr(s, '/');
	char a[INET_ADDRSTRLEN];
	uint64_t len;

	if (slash == NULL || (size_t)(slash - s) >= sizeof(a))
		return -EINVAL;
	memcpy(a, s, slash - s);
	a[slash - s] = '\0';
	if (parse_ipv4(a, host) != 0 || parse_uint(slash + 1, &len) != 0 ||
			strlen(slash + 1) > 2)
		return -EINVAL;
	if (len > 32)
		return -ERANGE;
	*plen = len;
	return 0;
}

/* Comma-separated lists: the next item of *@p s (blanks around it
 * trimmed) in @p item / @p len, and *@p s moved past its comma, or NULL
 * after the last item. false when the list is done. An empty item (",,",
 * a trailing comma) comes back with len 0 for the caller to refuse. */
static bool
list_item(const char **s, const char **item, size_t *len)
{
	const char *comma;

	if (*s == NULL)
		return false;
	comma = strchr(*s, ',');
	*item = *s;
	*len = comma != NULL ? (size_t)(comma - *s) : strlen(*s);
	*s = comma != NULL ? comma + 1 : NULL;
	while (*len > 0 && isblank((unsigned char)**item)) {
		(*item)++;
		(*len)--;
	}
	while (*len > 0 && isblank((unsigned char)(*item)[*len - 1]))
		(*len)--;
	return true;
}

static int
parse_prefixes(const char *s, struct shoal_cfg_prefixes *l)
{
	char buf[INET_ADDRSTRLEN + 4];
	const char *item;
	uint32_t host;
	size_t len;
	int ret;

	l->n = 0;
	if (*s == '\0')
		return 0;
	while (list_item(&s, &item, &len)) {
		if (l->n == SHOAL_CFG_PREFIXES_MAX)
			return -ERANGE;
		if (len == 0 || len >= sizeof(buf))
			return -EINVAL;
		memcpy(buf, item, len);
		buf[len] = '\0';
		ret = parse_prefix(buf, &host, &l->p[l->n].len);
		if (ret != 0)
			return ret;
		l->p[l->n].addr = shoal_addr_v4(htonl(host));
		l->n++;
	}
	return 0;
}

static int
parse_range(const char *s, struct shoal_cfg_range *r)
{
	const char *dash = strchr(s, '-');
	char a[INET_ADDRSTRLEN];
	uint32_t first, last;
	uint8_t plen;
	uint64_t mask;

	if (strchr(s, '/') != NULL) {
		if (parse_prefix(s, &first, &plen) != 0)
			return -EINVAL;
		/* A range names a network; host bits set is a typo. */
		mask = plen == 0 ? 0 : (uint32_t)(~0U << (32 - plen));
		if ((first & ~mask & 0xffffffffu) != 0)
			return -EINVAL;
		r->first = shoal_addr_v4(htonl(first));
		r->count = 1ULL << (32 - plen);
		return 0;
	}
	if (dash == NULL) {
		if (parse_ipv4(s, &first) != 0)
			return -EINVAL;
		r->first = shoal_addr_v4(htonl(first));
		r->count = 1;
		return 0;
	}
	if ((size_t)(dash - s) >= sizeof(a))
		return -EINVAL;
	memcpy(a, s, dash - s);
	a[dash - s] = '\0';
	if (parse_ipv4(a, &first) != 0 || parse_ipv4(dash + 1, &last) != 0)
		return -EINVAL;
	if (last < first)
		return -ERANGE;
	r->first = shoal_addr_v4(htonl(first));
	r->count = (uint64_t)last - first + 1;
	return 0;
}

/* One port, 1..65535: port 0 means "any" to sockets, never a config. */
static int
parse_port(const char *s, size_t len, uint16_t *port)
{
	char buf[8];
	uint64_t v;

	while (len > 0 && isblank((unsigned char)*s)) {
		s++;
		len--;
	}
	while (len > 0 && isblank((unsigned char)s[len - 1]))
		len--;
	if (len == 0 || len >= sizeof(buf))
		return -EINVAL;
	memcpy(buf, s, len);
	buf[len] = '\0';
	if (parse_uint(buf, &v) != 0)
		return -EINVAL;
	if (v < 1 || v > UINT16_MAX)
		return -ERANGE;
	*port = v;
	return 0;
}

static int
parse_ports(const char *s, struct shoal_cfg_ports *p)
{
	const char *item, *dash;
	size_t len;
	int ret;

	p->n = 0;
	if (*s == '\0')
		return 0;
	while (list_item(&s, &item, &len)) {
		if (p->n == SHOAL_CFG_PORTS_MAX)
			return -ERANGE;
		dash = memchr(item, '-', len);
		if (dash == NULL) {
			ret = parse_port(item, len, &p->range[p->n].first);
			p->range[p->n].last = p->range[p->n].first;
		} else {
			ret = parse_port(item, dash - item,
				&p->range[p->n].first);
			if (ret == 0)
				ret = parse_port(dash + 1,
					len - (dash + 1 - item),
					&p->range[p->n].last);
			if (ret == 0 &&
					p->range[p->n].last < p->range[p->n].first)
				ret = -ERANGE;
		}
		if (ret != 0)
			return ret;
		p->n++;
	}
	return 0;
}

static int
parse_enum(const struct shoal_cfg_key *k, const char *s, int *v)
{
	int i;

	for (i = 0; k->enum_names != NULL && k->enum_names[i] != NULL; i++) {
		if (strcasecmp(s, k->enum_names[i]) == 0) {
			*v = i;
			return 0;
		}
	}
	return -EINVAL;
}

/* Strings may be written in double quotes to keep edge blanks. */
static int
parse_string(const struct shoal_cfg_key *k, const char *s, char *why,
	size_t whylen, void *dst)
{
	size_t len = strlen(s);

	if (len >= 2 && s[0] == '"' && s[len - 1] == '"') {
		s++;
		len -= 2;
	}
	if (len >= k->size)
		return say(why, whylen, -ERANGE,
			"too long, %zu characters (expected at most %zu)",
			len, k->size - 1);
	/* Zero the tail too: no stale bytes of an older value linger. */
	memset(dst, 0, k->size);
	memcpy(dst, s, len);
	return 0;
}

/* Schema bounds, compared in long double so no uint64 rounds. */
static bool
in_bounds(const struct shoal_cfg_key *k, long double v)
{
	if (!has_range(k))
		return true;
	return v >= (long double)k->min && v <= (long double)k->max;
}

static int
parse_number(const struct shoal_cfg_key *k, const char *s, union value *v)
{
	int ret;

	switch (k->type) {
	case SHOAL_CFG_U16:
	case SHOAL_CFG_U32:
	case SHOAL_CFG_U64:
		if (*s == '-' && isdigit((unsigned char)s[1]))
			return -ERANGE;
		ret = parse_uint(s, &v->u64);
		if (ret == 0 && v->u64 > type_umax(k->type))
			ret = -ERANGE;
		if (ret == 0 && !in_bounds(k, v->u64))
			ret = -ERANGE;
		if (k->type == SHOAL_CFG_U16)
			v->u16 = v->u64;
		else if (k->type == SHOAL_CFG_U32)
			v->u32 = v->u64;
		return ret;
	case SHOAL_CFG_I64:
		ret = parse_int(s, &v->i64);
		return ret == 0 && !in_bounds(k, v->i64) ? -ERANGE : ret;
	case SHOAL_CFG_SIZE:
	case SHOAL_CFG_DURATION:
		ret = parse_units(s, k->type == SHOAL_CFG_SIZE ? size_units :
			duration_units, k->type == SHOAL_CFG_SIZE, &v->u64);
		return ret == 0 && !in_bounds(k, v->u64) ? -ERANGE : ret;
	case SHOAL_CFG_DOUBLE: {
		char *end;

		ret = parse_double(s, &v->d, &end);
		if (ret == 0 && *end != '\0')
			ret = -EINVAL;
		return ret == 0 && !in_bounds(k, v->d) ? -ERANGE : ret;
	}
	case SHOAL_CFG_RATE:
		ret = parse_rate(s, &v->d);
		return ret == 0 && !in_bounds(k, v->d) ? -ERANGE : ret;
	case SHOAL_CFG_PERCENT:
		ret = parse_percent(s, &v->d);
		if (ret != 0)
			return ret;
		if (has_range(k))
			return in_bounds(k, v->d) ? 0 : -ERANGE;
		return v->d >= 0 && v->d <= 1 ? 0 : -ERANGE;
	default:
		return -EINVAL;
	}
}

static bool
is_address(enum shoal_cfg_type t)
{
	return t == SHOAL_CFG_IPV4 || t == SHOAL_CFG_IPV4_PREFIX ||
		t == SHOAL_CFG_IPV4_RANGE;
}

int
cfg_parse(const struct shoal_cfg_key *k, const char *text, void *dst,
	char *why, size_t whylen)
{
	union value v;
	uint32_t host = 0;
	int ret;

	memset(&v, 0, sizeof(v));
	if (*text == '\0' && is_address(k->type)) {
		/* An empty address is "not set": family SHOAL_AF_NONE. */
		memcpy(dst, &v, k->size);
		return 0;
	}
	switch (k->type) {
	case SHOAL_CFG_STRING:
		return parse_string(k, text, why, whylen, dst);
	case SHOAL_CFG_BOOL:
		ret = parse_bool(text, &v.b);
		break;
	case SHOAL_CFG_IPV4:
		ret = parse_ipv4(text, &host);
		v.addr = shoal_addr_v4(htonl(host));
		break;
	case SHOAL_CFG_IPV4_PREFIX:
		ret = parse_prefix(text, &host, &v.prefix.len);
		v.prefix.addr = shoal_addr_v4(htonl(host));
		break;
	case SHOAL_CFG_IPV4_RANGE:
		ret = parse_range(text, &v.range);
		break;
	case SHOAL_CFG_MAC:
		ret = rte_ether_unformat_addr(text, &v.mac) == 0 ? 0 : -EINVAL;
		break;
	case SHOAL_CFG_ENUM:
		ret = parse_enum(k, text, &v.e);
		break;
	case SHOAL_CFG_PORTS:
		ret = parse_ports(text, &v.ports);
		break;
	case SHOAL_CFG_IPV4_PREFIXES:
		ret = parse_prefixes(text, &v.prefixes);
		break;
	default:
		ret = parse_number(k, text, &v);
		break;
	}
	if (ret == -ERANGE)
		return out_of_range(k, text, why, whylen);
	if (ret != 0)
		return bad(k, text, why, whylen);
	memcpy(dst, &v, k->size);
	return 0;
}

/* Shortest text that strtod() turns back into exactly d. */
static void
fmt_double(double d, char *buf, size_t len)
{
	snprintf(buf, len, "%.15g", d);
	if (strtod(buf, NULL) != d)
		snprintf(buf, len, "%.17g", d);
}

/* The largest unit that divides v, so 65536 prints as 64k. */
static void
fmt_units(uint64_t v, const struct unit *units, char *buf, size_t len)
{
	const struct unit *u;

	for (u = units; u->suffix != NULL; u++) {
		if (v == 0 || v % u->mult != 0)
			continue;
		/* Bare numbers mean seconds for durations; say the unit. */
		if (u->suffix[0] == '\0' && u->mult != 1)
			continue;
		snprintf(buf, len, "%" PRIu64 "%s", v / u->mult, u->suffix);
		return;
	}
	snprintf(buf, len, "0");
}

static void
fmt_ipv4(const struct shoal_addr *a, char *buf, size_t len)
{
	struct in_addr in = { .s_addr = a->v4 };

	if (inet_ntop(AF_INET, &in, buf, len) == NULL)
		snprintf(buf, len, "?");
}

static void
fmt_range(const struct shoal_cfg_range *r, char *buf, size_t len)
{
	struct shoal_addr last;
	char a[INET_ADDRSTRLEN], b[INET_ADDRSTRLEN];

	fmt_ipv4(&r->first, a, sizeof(a));
	if (r->count <= 1) {
		snprintf(buf, len, "%s", a);
		return;
	}
	last = shoal_addr_v4(htonl(ntohl(r->first.v4) + (r->count - 1)));
	fmt_ipv4(&last, b, sizeof(b));
	snprintf(buf, len, "%s-%s", a, b);
}

static void
fmt_ports(const struct shoal_cfg_ports *p, char *buf, size_t len)
{
	size_t used = 0;
	uint16_t i;

	buf[0] = '\0';
	for (i = 0; i < p->n && i < SHOAL_CFG_PORTS_MAX && used < len; i++) {
		if (p->range[i].first == p->range[i].last)
			used += snprintf(buf + used, len - used, "%s%u",
				i ? "," : "", p->range[i].first);
		else
			used += snprintf(buf + used, len - used, "%s%u-%u",
				i ? "," : "", p->range[i].first,
				p->range[i].last);
	}
}

static void
fmt_prefixes(const struct shoal_cfg_prefixes *l, char *buf, size_t len)
{
	char a[INET_ADDRSTRLEN];
	size_t used = 0;
	uint16_t i;

	buf[0] = '\0';
	for (i = 0; i < l->n && i < SHOAL_CFG_PREFIXES_MAX && used < len; i++) {
		fmt_ipv4(&l->p[i].addr, a, sizeof(a));
		used += snprintf(buf + used, len - used, "%s%s/%u",
			i ? "," : "", a, l->p[i].len);
	}
}

static const char *
enum_name(const struct shoal_cfg_key *k, int v)
{
	int i;

	for (i = 0; k->enum_names != NULL && k->enum_names[i] != NULL; i++)
		if (i == v)
			return k->enum_names[i];
	return "?";
}

void
cfg_format(const struct shoal_cfg_key *k, const void *src, char *buf,
	size_t len)
{
	union value v;

	memset(&v, 0, sizeof(v));
	memcpy(&v, src, k->type == SHOAL_CFG_STRING ? 0 :
		RTE_MIN(k->size, sizeof(v)));
	/* Unset addresses print empty, which parses back to unset. */
	if (is_address(k->type) && v.addr.family != SHOAL_AF_INET) {
		snprintf(buf, len, "%s", "");
		return;
	}
	switch (k->type) {
	case SHOAL_CFG_BOOL:
		snprintf(buf, len, "%s", v.b ? "true" : "false");
		break;
	case SHOAL_CFG_U16:
		snprintf(buf, len, "%u", v.u16);
		break;
	case SHOAL_CFG_U32:
		snprintf(buf, len, "%" PRIu32, v.u32);
		break;
	case SHOAL_CFG_U64:
		snprintf(buf, len, "%" PRIu64, v.u64);
		break;
	case SHOAL_CFG_I64:
		snprintf(buf, len, "%" PRId64, v.i64);
		break;
	case SHOAL_CFG_DOUBLE:
	case SHOAL_CFG_RATE:
	case SHOAL_CFG_PERCENT:
		fmt_double(v.d, buf, len);
		break;
	case SHOAL_CFG_STRING:
		snprintf(buf, len, "%.*s", (int)k->size, (const char *)src);
		break;
	case SHOAL_CFG_SIZE:
		fmt_units(v.u64, size_units, buf, len);
		break;
	case SHOAL_CFG_DURATION:
		fmt_units(v.u64, duration_units, buf, len);
		break;
	case SHOAL_CFG_IPV4:
		fmt_ipv4(&v.addr, buf, len);
		break;
	case SHOAL_CFG_IPV4_PREFIX:
		fmt_ipv4(&v.prefix.addr, buf, len);
		snprintf(buf + strlen(buf), len - strlen(buf), "/%u",
			v.prefix.len);
		break;
	case SHOAL_CFG_IPV4_RANGE:
		fmt_range(&v.range, buf, len);
		break;
	case SHOAL_CFG_MAC:
		rte_ether_format_addr(buf, len, &v.mac);
		break;
	case SHOAL_CFG_ENUM:
		snprintf(buf, len, "%s", enum_name(k, v.e));
		break;
	case SHOAL_CFG_PORTS:
		fmt_ports(&v.ports, buf, len);
		break;
	case SHOAL_CFG_IPV4_PREFIXES:
		fmt_prefixes(&v.prefixes, buf, len);
		break;
	default:
		snprintf(buf, len, "?");
	}
}

void
cfg_format_json(const struct shoal_cfg_key *k, const void *src, char *buf,
	size_t len)
{
	uint64_t v;

	/* JSON readers want plain numbers in stored units, not "64k". */
	if (k->type == SHOAL_CFG_SIZE || k->type == SHOAL_CFG_DURATION) {
		memcpy(&v, src, sizeof(v));
		snprintf(buf, len, "%" PRIu64, v);
		return;
	}
	cfg_format(k, src, buf, len);
}

/* A schema bound shown the way the type is written ("64k", "10ms"). */
static void
fmt_bound(const struct shoal_cfg_key *k, double b, char *buf, size_t len)
{
	union value v;

	memset(&v, 0, sizeof(v));
	switch (k->type) {
	case SHOAL_CFG_U16:
		v.u16 = b;
		break;
	case SHOAL_CFG_U32:
		v.u32 = b;
		break;
	case SHOAL_CFG_I64:
		v.i64 = b;
		break;
	case SHOAL_CFG_DOUBLE:
	case SHOAL_CFG_RATE:
	case SHOAL_CFG_PERCENT:
		v.d = b;
		break;
	default:
		v.u64 = b;
	}
	cfg_format(k, &v, buf, len);
}

void
cfg_expect(const struct shoal_cfg_key *k, char *buf, size_t len)
{
	static const char *const what[] = {
		[SHOAL_CFG_BOOL] = "true/false, yes/no, on/off or 1/0",
		[SHOAL_CFG_U16] = "an integer",
		[SHOAL_CFG_U32] = "an integer",
		[SHOAL_CFG_U64] = "an integer",
		[SHOAL_CFG_I64] = "an integer",
		[SHOAL_CFG_DOUBLE] = "a number",
		[SHOAL_CFG_STRING] = "a string",
		[SHOAL_CFG_SIZE] = "a size such as 4096, 64k, 1M or 2G",
		[SHOAL_CFG_DURATION] =
			"a duration such as 10s, 200ms, 50us, 100ns or 2m",
		[SHOAL_CFG_RATE] = "a rate per second such as 500, 10k or 1.5M",
		[SHOAL_CFG_PERCENT] = "a percentage such as 5% or 0.05",
		[SHOAL_CFG_IPV4] = "an IPv4 address such as 198.18.0.1",
		[SHOAL_CFG_IPV4_PREFIX] =
			"an IPv4 address/prefix length such as 198.18.0.1/24",
		[SHOAL_CFG_IPV4_RANGE] = "an IPv4 range such as "
			"198.18.1.1-198.18.1.200, 198.18.1.0/24 or one address",
		[SHOAL_CFG_MAC] = "a MAC address such as 02:00:00:00:00:01",
		[SHOAL_CFG_ENUM] = "one of",
		[SHOAL_CFG_PORTS] = "up to 16 ports 1..65535 or ranges, "
			"such as 80,8080,1000-1010",
		[SHOAL_CFG_IPV4_PREFIXES] = "up to 8 IPv4 address/prefix "
			"lengths, such as 198.18.0.1/16,198.19.0.1/16",
	};
	char lo[64], hi[64];
	size_t used;
	int i;

	used = snprintf(buf, len, "%s", (size_t)k->type < RTE_DIM(what) ?
		what[k->type] : "?");
	if (used >= len)
		return;
	switch (k->type) {
	case SHOAL_CFG_ENUM:
		for (i = 0; k->enum_names != NULL && k->enum_names[i] != NULL &&
				used < len; i++)
			used += snprintf(buf + used, len - used, "%s%s",
				i ? ", " : " ", k->enum_names[i]);
		return;
	case SHOAL_CFG_STRING:
		snprintf(buf + used, len - used, " of at most %zu characters",
			k->size - 1);
		return;
	case SHOAL_CFG_U16:
	case SHOAL_CFG_U32:
	case SHOAL_CFG_U64:
		if (!has_range(k)) {
			snprintf(buf + used, len - used, " in 0..%" PRIu64,
				type_umax(k->type));
			return;
		}
		break;
	case SHOAL_CFG_I64:
		if (!has_range(k)) {
			snprintf(buf + used, len - used, " in %" PRId64 "..%"
				PRId64, INT64_MIN, INT64_MAX);
			return;
		}
		break;
	case SHOAL_CFG_PERCENT:
		if (!has_range(k)) {
			snprintf(buf + used, len - used, " in 0..1");
			return;
		}
		break;
	default:
		break;
	}
	if (!has_range(k) || cfg_type_size(k->type) == 0)
		return;
	fmt_bound(k, k->min, lo, sizeof(lo));
	fmt_bound(k, k->max, hi, sizeof(hi));
	snprintf(buf + used, len - used, " in %s..%s", lo, hi);
}
