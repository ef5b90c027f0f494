/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Configuration files and command lines, driven by a schema table.
 *
 * Files are read by rte_cfgfile, which gives no line numbers and silently
 * skips lines it does not understand ("rate 10k" without '='). So before
 * handing a file to rte_cfgfile we scan it once ourselves with the same
 * rules, reject what it would skip or truncate, and later find the line of
 * the n-th section or entry again by the same scan when reporting an error.
 */

#include <errno.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <rte_cfgfile.h>

#include "config.h"
#include "value.h"

/* rte_cfgfile's own comment character and line buffer size. */
#define CFG_COMMENT ';'
#define CFG_LINE_MAX (CFG_NAME_LEN + CFG_VALUE_LEN + 4)

/* Where a value came from: a file line, or a command-line argument. */
struct origin {
	const char *file;
	int line;
	const char *arg;
};

/* "FILE:LINE: [section] key: message", or "argument 'ARG': ..." */
static int
fail(char *err, size_t errlen, int ret, const struct origin *o,
	const char *section, const char *key, const char *fmt, ...)
{
	size_t used = 0;
	va_list ap;

	if (err == NULL || errlen == 0)
		return ret;
	if (o->file != NULL && o->line > 0)
		used = snprintf(err, errlen, "%s:%d: ", o->file, o->line);
	else if (o->file != NULL)
		used = snprintf(err, errlen, "%s: ", o->file);
	else if (o->arg != NULL)
		used = snprintf(err, errlen, "argument '%s': ", o->arg);
	if (used < errlen && section != NULL)
		used += snprintf(err + used, errlen - used, "[%s]%s%s: ",
			section, key != NULL ? " " : "", key != NULL ? key : "");
	if (used < errlen) {
		va_start(ap, fmt);
		vsnprintf(err + used, errlen - used, fmt, ap);
		va_end(ap);
	}
	return ret;
}

static void *
member(const struct shoal_cfg_key *k, void *obj)
{
	return (char *)obj + k->offset;
}

/* On the command line '-' and '_' are the same in names. */
static bool
name_eq(const char *a, const char *b, size_t blen, bool loose)
{
	size_t i;

	for (i = 0; i < blen; i++) {
		if (a[i] == b[i])
			continue;
		if (!loose || a[i] == '\0' || (a[i] != '-' && a[i] != '_') ||
				(b[i] != '-' && b[i] != '_'))
			return false;
	}
	return a[blen] == '\0';
}

static const struct shoal_cfg_key *
find_key(const struct shoal_cfg_key *schema, const char *section,
	size_t slen, const char *name, size_t nlen, bool loose)
{
	const struct shoal_cfg_key *k;

	for (k = schema; k->name != NULL; k++)
		if (name_eq(k->section, section, slen, loose) &&
				name_eq(k->name, name, nlen, loose))
			return k;
	return NULL;
}

static bool
has_section(const struct shoal_cfg_key *schema, const char *section)
{
	const struct shoal_cfg_key *k;

	for (k = schema; k->name != NULL; k++)
		if (strcmp(k->section, section) == 0)
			return true;
	return false;
}

/* True for the first key of each section, so sections list once. */
static bool
first_of_section(const struct shoal_cfg_key *schema,
	const struct shoal_cfg_key *k)
{
	const struct shoal_cfg_key *p;

	for (p = schema; p != k; p++)
		if (strcmp(p->section, k->section) == 0)
			return false;
	return true;
}

/* "a, b, c": the sections, or the keys of one section, for errors. */
static void
list_names(const struct shoal_cfg_key *schema, const char *section,
	char *buf, size_t len)
{
	const struct shoal_cfg_key *k;
	size_t used = 0;

	buf[0] = '\0';
	for (k = schema; k->name != NULL && used < len; k++) {
		if (section == NULL && first_of_section(schema, k))
			used += snprintf(buf + used, len - used, "%s%s",
				used ? ", " : "", k->section);
		else if (section != NULL && strcmp(k->section, section) == 0)
			used += snprintf(buf + used, len - used, "%s%s",
				used ? ", " : "", k->name);
	}
}

/* Parse a value into its member; the error names the key and origin. */
static int
apply(const struct shoal_cfg_key *k, void *obj, const char *value,
	const struct origin *o, char *err, size_t errlen)
{
	char why[2 * CFG_VALUE_MAX];
	int ret;

	ret = cfg_parse(k, value, member(k, obj), why, sizeof(why));
	if (ret != 0)
		return fail(err, errlen, ret, o, k->section, k->name, "%s",
			why);
	return 0;
}

int
shoal_cfg_check(const struct shoal_cfg_key *schema, char *err,
	size_t errlen)
{
	union {
		max_align_t align;
		char bytes[1024];
	} scratch;
	const struct origin o = { .file = "schema" };
	const struct shoal_cfg_key *k;
	char why[2 * CFG_VALUE_MAX];
	size_t want;

	for (k = schema; k->name != NULL; k++) {
		if (k->section == NULL)
			return fail(err, errlen, -EINVAL, &o, "?", k->name,
				"no section");
		want = cfg_type_size(k->type);
		if (want == SIZE_MAX || (want != 0 && k->size != want) ||
				(want == 0 && k->size < 2))
			return fail(err, errlen, -EINVAL, &o, k->section,
				k->name, "member of %zu bytes does not fit "
				"type %s", k->size, cfg_type_name(k->type));
		if (k->type == SHOAL_CFG_ENUM && (k->enum_names == NULL ||
				k->enum_names[0] == NULL))
			return fail(err, errlen, -EINVAL, &o, k->section,
				k->name, "enum without names");
		if (find_key(schema, k->section, strlen(k->section), k->name,
				strlen(k->name), false) != k)
			return fail(err, errlen, -EINVAL, &o, k->section,
				k->name, "key listed twice");
		if (k->def == NULL)
			continue;
		if (k->size > sizeof(scratch)) {
			if (strlen(k->def) < k->size)
				continue;
			return fail(err, errlen, -EINVAL, &o, k->section,
				k->name, "default too long");
		}
		if (cfg_parse(k, k->def, &scratch, why, sizeof(why)) != 0)
			return fail(err, errlen, -EINVAL, &o, k->section,
				k->name, "default: %s", why);
	}
	return 0;
}

int
shoal_cfg_defaults(const struct shoal_cfg_key *schema, void *obj)
{
	const struct shoal_cfg_key *k;
	char why[2 * CFG_VALUE_MAX];

	for (k = schema; k->name != NULL; k++) {
		if (k->def == NULL)
			memset(member(k, obj), 0, k->size);
		else if (cfg_parse(k, k->def, member(k, obj), why,
				sizeof(why)) != 0)
			return -EINVAL;
	}
	return 0;
}

/* Kinds of line, as rte_cfgfile_load() tells them apart. */
enum line_kind {
	LINE_BLANK,
	LINE_SECTION,
	LINE_ENTRY,
};

static char *
strip(char *s)
{
	char *end;

	while (*s == ' ' || *s == '\t' || *s == '\r' || *s == '\n' ||
			*s == '\v' || *s == '\f')
		s++;
	end = s + strlen(s);
	while (end > s && (end[-1] == ' ' || end[-1] == '\t' ||
			end[-1] == '\r' || end[-1] == '\n' ||
			end[-1] == '\v' || end[-1] == '\f'))
		end--;
	*end = '\0';
	return s;
}

static int
bad_line(char *why, size_t whylen, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(why, whylen, fmt, ap);
	va_end(ap);
	return -EINVAL;
}

/*
 * Classify one line the way rte_cfgfile_load() does: cut at the first
 * comment character unless it is escaped, strip blanks, then '[' opens a
 * section and a line with '=' is an entry. On return *name is the section
 * or key name and *value the raw value; why says what is wrong with a
 * line rte_cfgfile would skip, refuse or truncate.
 */
static int
classify(char *line, char **name, char **value, char *why, size_t whylen)
{
	char *c = strchr(line, CFG_COMMENT), *s, *close, *eq;

	if (c != NULL && (c == line || c[-1] != '\\'))
		*c = '\0';
	s = strip(line);
	*name = s;
	*value = NULL;
	if (*s == '[') {
		close = strchr(s, ']');
		if (close == NULL)
			return bad_line(why, whylen, "no closing ']'");
		if (*strip(close + 1) != '\0')
			return bad_line(why, whylen, "text after ']'");
		*close = '\0';
		*name = strip(s + 1);
		if (strlen(*name) >= CFG_NAME_LEN)
			return bad_line(why, whylen, "section name longer "
				"than %d characters", CFG_NAME_LEN - 1);
		return LINE_SECTION;
	}
	/* Other INI dialects comment with '#'; rte_cfgfile does not. */
	if (*s == '#')
		return bad_line(why, whylen, "'#' does not start a comment "
			"(expected '%c')", CFG_COMMENT);
	eq = strchr(s, '=');
	if (eq == NULL) {
		if (*s == '\0')
			return LINE_BLANK;
		return bad_line(why, whylen, "'%s' is not a '[section]' or "
			"'key = value' line", s);
	}
	*eq = '\0';
	*name = strip(s);
	*value = strip(eq + 1);
	if (**name == '\0')
		return bad_line(why, whylen, "no key before '='");
	if (strlen(*name) >= CFG_NAME_LEN)
		return bad_line(why, whylen, "key name longer than %d "
			"characters", CFG_NAME_LEN - 1);
	if (strlen(*value) >= CFG_VALUE_LEN)
		return bad_line(why, whylen, "value longer than %d characters",
			CFG_VALUE_LEN - 1);
	return LINE_ENTRY;
}

/* rte_cfgfile refuses a line that fills its buffer without a newline. */
static bool
line_too_long(const char *line)
{
	size_t len = strlen(line);

	return len >= CFG_LINE_MAX - 1 && line[len - 1] != '\n';
}

/* First pass: every line is one rte_cfgfile reads the way we think. */
static int
check_syntax(FILE *f, const char *path, char *err, size_t errlen)
{
	char line[CFG_LINE_MAX], section[CFG_LINE_MAX] = "";
	struct origin o = { .file = path };
	char why[CFG_LINE_MAX + 64], *name, *value;
	bool in_section = false;
	int kind;

	while (fgets(line, sizeof(line), f) != NULL) {
		o.line++;
		if (line_too_long(line))
			return fail(err, errlen, -EINVAL, &o, NULL, NULL,
				"line longer than %d characters",
				CFG_LINE_MAX - 2);
		kind = classify(line, &name, &value, why, sizeof(why));
		if (kind < 0)
			return fail(err, errlen, kind, &o,
				in_section ? section : NULL, NULL, "%s", why);
		if (kind == LINE_SECTION) {
			snprintf(section, sizeof(section), "%s", name);
			in_section = true;
		} else if (kind == LINE_ENTRY && !in_section) {
			return fail(err, errlen, -EINVAL, &o, NULL, NULL,
				"key '%s' before any [section]", name);
		}
	}
	return 0;
}

/*
 * Line of the sec-th section header (ent < 0) or of its ent-th entry,
 * counted as rte_cfgfile counts them. 0 when the file changed under us.
 */
static int
line_of(const char *path, int sec, int ent)
{
	char line[CFG_LINE_MAX], why[CFG_LINE_MAX + 64], *name, *value;
	int lineno = 0, s = -1, e = -1, kind;
	FILE *f = fopen(path, "r");

	if (f == NULL)
		return 0;
	while (fgets(line, sizeof(line), f) != NULL) {
		lineno++;
		kind = classify(line, &name, &value, why, sizeof(why));
		if (kind == LINE_SECTION) {
			s++;
			e = -1;
		} else if (kind == LINE_ENTRY) {
			e++;
		} else {
			continue;
		}
		if (s == sec && e == ent) {
			fclose(f);
			return lineno;
		}
	}
	fclose(f);
	return 0;
}

/* A section may appear once; its keys once each. */
static int
check_unique(struct rte_cfgfile *cfg, int sec, const char *section,
	const struct rte_cfgfile_entry *ent, int n, struct origin *o,
	char *err, size_t errlen)
{
	char other[CFG_NAME_LEN];
	int i, j;

	for (i = 0; i < sec; i++) {
		rte_cfgfile_section_num_entries_by_index(cfg, other, i);
		if (strcmp(other, section) == 0) {
			o->line = line_of(o->file, sec, -1);
			return fail(err, errlen, -EINVAL, o, section, NULL,
				"section repeated, first on line %d",
				line_of(o->file, i, -1));
		}
	}
	for (j = 0; j < n; j++) {
		for (i = 0; i < j; i++) {
			if (strcmp(ent[i].name, ent[j].name) != 0)
				continue;
			o->line = line_of(o->file, sec, j);
			return fail(err, errlen, -EINVAL, o, section,
				ent[j].name, "duplicate key, first set on "
				"line %d", line_of(o->file, sec, i));
		}
	}
	return 0;
}

static int
apply_section(const struct shoal_cfg_key *schema, void *obj,
	struct rte_cfgfile *cfg, int sec, struct origin *o, char *err,
	size_t errlen)
{
	const struct shoal_cfg_key *k;
	struct rte_cfgfile_entry *ent = NULL;
	char section[CFG_NAME_LEN], names[CFG_VALUE_MAX];
	int n, j, ret = 0;

	n = rte_cfgfile_section_num_entries_by_index(cfg, section, sec);
	if (!has_section(schema, section)) {
		list_names(schema, NULL, names, sizeof(names));
		o->line = line_of(o->file, sec, -1);
		return fail(err, errlen, -ENOENT, o, section, NULL,
			"unknown section (expected one of %s)", names);
	}
	if (n > 0) {
		ent = calloc(n, sizeof(*ent));
		if (ent == NULL)
			return fail(err, errlen, -ENOMEM, o, section, NULL,
				"out of memory");
		n = rte_cfgfile_section_entries_by_index(cfg, sec, section,
			ent, n);
	}
	ret = check_unique(cfg, sec, section, ent, n, o, err, errlen);
	for (j = 0; ret == 0 && j < n; j++) {
		o->line = line_of(o->file, sec, j);
		k = find_key(schema, section, strlen(section), ent[j].name,
			strlen(ent[j].name), false);
		if (k == NULL) {
			list_names(schema, section, names, sizeof(names));
			ret = fail(err, errlen, -ENOENT, o, section,
				ent[j].name, "unknown key (expected one of %s)",
				names);
		} else {
			ret = apply(k, obj, ent[j].value, o, err, errlen);
		}
	}
	free(ent);
	return ret;
}

int
shoal_cfg_load(const struct shoal_cfg_key *schema, void *obj,
	const char *path, char *err, size_t errlen)
{
	const struct rte_cfgfile_parameters params = {
		.comment_character = CFG_COMMENT,
	};
	struct origin o = { .file = path };
	struct rte_cfgfile *cfg;
	int ret, sec, nsec;
	FILE *f;

	f = fopen(path, "r");
	if (f == NULL) {
		ret = -errno;
		return fail(err, errlen, ret, &o, NULL, NULL,
			"cannot open: %s", strerror(-ret));
	}
	ret = check_syntax(f, path, err, errlen);
	fclose(f);
	if (ret != 0)
		return ret;

	/* Empty values are allowed: "iface =" clears a string. */
	cfg = rte_cfgfile_load_with_params(path, CFG_FLAG_EMPTY_VALUES,
		&params);
	if (cfg == NULL)
		return fail(err, errlen, -EINVAL, &o, NULL, NULL,
			"rte_cfgfile_load failed");
	nsec = rte_cfgfile_num_sections(cfg, "", 0);
	for (sec = 0, ret = 0; ret == 0 && sec < nsec; sec++)
		ret = apply_section(schema, obj, cfg, sec, &o, err, errlen);
	rte_cfgfile_close(cfg);
	return ret;
}

/*
 * The key a command-line name means: "section.key", or a bare "key" that
 * only one section has.
 */
static int
resolve(const struct shoal_cfg_key *schema, const char *name, size_t len,
	const struct origin *o, const struct shoal_cfg_key **out, char *err,
	size_t errlen)
{
	const struct shoal_cfg_key *k, *found = NULL;
	const char *dot = memchr(name, '.', len);
	char where[CFG_VALUE_MAX];
	size_t used = 0;
	int n = 0;

	if (dot != NULL) {
		*out = find_key(schema, name, dot - name, dot + 1,
			len - (dot + 1 - name), true);
		if (*out != NULL)
			return 0;
		return fail(err, errlen, -ENOENT, o, NULL, NULL,
			"unknown key '%.*s'", (int)len, name);
	}
	for (k = schema; k->name != NULL; k++) {
		if (!name_eq(k->name, name, len, true))
			continue;
		if (found == NULL)
			found = k;
		n++;
		if (used < sizeof(where))
			used += snprintf(where + used, sizeof(where) - used,
				"%s[%s]", used ? " and " : "", k->section);
	}
	if (n == 1) {
		*out = found;
		return 0;
	}
	if (n == 0)
		return fail(err, errlen, -ENOENT, o, NULL, NULL,
			"unknown key '%.*s'", (int)len, name);
	return fail(err, errlen, -EINVAL, o, NULL, NULL,
		"key '%.*s' is ambiguous, it is in %s (expected section.key, "
		"e.g. %s.%s)", (int)len, name, where, found->section,
		found->name);
}

/* "name=value" from o->arg (minus a leading "--"): resolve, then parse. */
static int
assign(const struct shoal_cfg_key *schema, void *obj, const char *text,
	const struct origin *o, bool apply_it, char *err, size_t errlen)
{
	const char *eq = strchr(text, '=');
	const struct shoal_cfg_key *k;
	int ret;

	if (eq == NULL || eq == text)
		return fail(err, errlen, -EINVAL, o, NULL, NULL,
			"expected section.key=value or key=value");
	ret = resolve(schema, text, eq - text, o, &k, err, errlen);
	if (ret != 0 || !apply_it)
		return ret;
	return apply(k, obj, eq + 1, o, err, errlen);
}

int
shoal_cfg_set(const struct shoal_cfg_key *schema, void *obj,
	const char *assignment, char *err, size_t errlen)
{
	const struct origin o = { .arg = assignment };

	return assign(schema, obj, assignment, &o, true, err, errlen);
}

static bool
is_bool_word(const char *s)
{
	const struct shoal_cfg_key k = { .type = SHOAL_CFG_BOOL,
		.size = sizeof(bool) };
	char why[CFG_VALUE_MAX];
	bool b;

	return s != NULL && cfg_parse(&k, s, &b, why, sizeof(why)) == 0;
}

/*
 * One walk over argv. Pass 0 loads the --config files and notices
 * --help; pass 1 applies everything else. Both passes split the
 * arguments the same way, so a value that looks like an option
 * ("--name -c") is never mistaken for one.
 */
static int
walk_args(const struct shoal_cfg_key *schema, void *obj, int argc,
	char **argv, int pass, char *err, size_t errlen)
{
	const struct shoal_cfg_key *k;
	struct origin o = { 0 };
	const char *a, *value, *next;
	int i, ret;

	for (i = 1; i < argc; i++) {
		a = argv[i];
		o.arg = a;
		if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0) {
			if (pass == 0)
				return SHOAL_CFG_HELP;
			continue;
		}
		if (strcmp(a, "--config") == 0 || strcmp(a, "-c") == 0 ||
				strncmp(a, "--config=", 9) == 0) {
			if (a[1] == 'c' || a[8] == '\0')
				value = ++i < argc ? argv[i] : NULL;
			else
				value = a + 9;
			if (value == NULL || *value == '\0')
				return fail(err, errlen, -EINVAL, &o, NULL,
					NULL, "missing file name");
			ret = pass == 0 ? shoal_cfg_load(schema, obj, value,
				err, errlen) : 0;
			if (ret != 0)
				return ret;
			continue;
		}
		if (strncmp(a, "--", 2) != 0) {
			if (a[0] == '-' || strchr(a, '=') == NULL)
				return fail(err, errlen, -EINVAL, &o, NULL,
					NULL, "unknown argument");
			ret = assign(schema, obj, a, &o, pass == 1, err,
				errlen);
			if (ret != 0)
				return ret;
			continue;
		}
		if (strchr(a, '=') != NULL) {
			ret = assign(schema, obj, a + 2, &o, pass == 1, err,
				errlen);
			if (ret != 0)
				return ret;
			continue;
		}
		ret = resolve(schema, a + 2, strlen(a + 2), &o, &k, err,
			errlen);
		if (ret != 0)
			return ret;
		next = i + 1 < argc ? argv[i + 1] : NULL;
		if (k->type == SHOAL_CFG_BOOL && !is_bool_word(next)) {
			/* "--verbose" alone switches a bool on. */
			value = "true";
		} else {
			value = next;
			i++;
			if (value == NULL)
				return fail(err, errlen, -EINVAL, &o, k->section,
					k->name, "missing value");
		}
		if (pass == 1) {
			ret = apply(k, obj, value, &o, err, errlen);
			if (ret != 0)
				return ret;
		}
	}
	return 0;
}

int
shoal_cfg_parse_args(const struct shoal_cfg_key *schema, void *obj,
	int argc, char **argv, char *err, size_t errlen)
{
	int ret;

	ret = shoal_cfg_check(schema, err, errlen);
	if (ret != 0)
		return ret;
	shoal_cfg_defaults(schema, obj);
	ret = walk_args(schema, obj, argc, argv, 0, err, errlen);
	if (ret != 0)
		return ret;
	return walk_args(schema, obj, argc, argv, 1, err, errlen);
}

/* The default as written in the schema; no default is a zeroed member. */
static void
default_text(const struct shoal_cfg_key *k, char *buf, size_t len)
{
	static const union {
		max_align_t align;
		char bytes[256];
	} zero;

	if (k->def != NULL && k->def[0] != '\0')
		snprintf(buf, len, "%s", k->def);
	else if (k->type == SHOAL_CFG_STRING || k->size > sizeof(zero))
		snprintf(buf, len, "\"\"");
	else
		cfg_format(k, &zero, buf, len);
	if (buf[0] == '\0')
		snprintf(buf, len, "\"\"");
}

void
shoal_cfg_help(FILE *f, const struct shoal_cfg_key *schema)
{
	const struct shoal_cfg_key *k, *s;
	char exp[CFG_VALUE_MAX], def[CFG_VALUE_MAX];

	for (s = schema; s->name != NULL; s++) {
		if (!first_of_section(schema, s))
			continue;
		fprintf(f, "[%s]\n", s->section);
		for (k = s; k->name != NULL; k++) {
			if (strcmp(k->section, s->section) != 0)
				continue;
			cfg_expect(k, exp, sizeof(exp));
			default_text(k, def, sizeof(def));
			fprintf(f, "  %s = %s  (%s)\n      %s%s%s\n", k->name,
				def, cfg_type_name(k->type),
				k->help != NULL ? k->help : "",
				k->help != NULL ? "; " : "", exp);
		}
	}
}

/*
 * A string as an INI value that rte_cfgfile reads back unchanged: quotes
 * keep edge blanks, and every comment character is escaped.
 */
static void
put_ini_string(FILE *f, const char *s)
{
	size_t len = strlen(s);
	bool quote = len > 0 && (s[0] == ' ' || s[0] == '\t' ||
		s[len - 1] == ' ' || s[len - 1] == '\t' ||
		(len >= 2 && s[0] == '"' && s[len - 1] == '"'));

	if (quote)
		fputc('"', f);
	for (; *s != '\0'; s++) {
		if (*s == CFG_COMMENT)
			fputc('\\', f);
		fputc(*s, f);
	}
	if (quote)
		fputc('"', f);
}

void
shoal_cfg_dump_ini(FILE *f, const struct shoal_cfg_key *schema,
	const void *obj)
{
	const struct shoal_cfg_key *k, *s;
	char buf[CFG_VALUE_MAX];

	for (s = schema; s->name != NULL; s++) {
		if (!first_of_section(schema, s))
			continue;
		fprintf(f, "%s[%s]\n", s == schema ? "" : "\n", s->section);
		for (k = s; k->name != NULL; k++) {
			if (strcmp(k->section, s->section) != 0)
				continue;
			fprintf(f, "%s = ", k->name);
			if (k->type == SHOAL_CFG_STRING) {
				put_ini_string(f, (const char *)obj + k->offset);
			} else {
				cfg_format(k, (const char *)obj + k->offset,
					buf, sizeof(buf));
				fputs(buf, f);
			}
			fputc('\n', f);
		}
	}
}

static void
put_json_string(FILE *f, const char *s)
{
	fputc('"', f);
	for (; *s != '\0'; s++) {
		if (*s == '"' || *s == '\\')
			fprintf(f, "\\%c", *s);
		else if ((unsigned char)*s < 0x20)
			fprintf(f, "\\u%04x", (unsigned char)*s);
		else
			fputc(*s, f);
	}
	fputc('"', f);
}

void
shoal_cfg_dump_json(FILE *f, const struct shoal_cfg_key *schema,
	const void *obj)
{
	const struct shoal_cfg_key *k, *s;
	const char *src;
	char buf[CFG_VALUE_MAX];
	bool first_sec = true, first_key;

	fputc('{', f);
	for (s = schema; s->name != NULL; s++) {
		if (!first_of_section(schema, s))
			continue;
		fputs(first_sec ? "\n  " : ",\n  ", f);
		first_sec = false;
		put_json_string(f, s->section);
		fputs(": {", f);
		first_key = true;
		for (k = s; k->name != NULL; k++) {
			if (strcmp(k->section, s->section) != 0)
				continue;
			fputs(first_key ? "\n    " : ",\n    ", f);
			first_key = false;
			put_json_string(f, k->name);
			fputs(": ", f);
			src = (const char *)obj + k->offset;
			if (k->type == SHOAL_CFG_STRING) {
				put_json_string(f, src);
				continue;
			}
			cfg_format_json(k, src, buf, sizeof(buf));
			if (cfg_type_is_json_scalar(k->type))
				fputs(buf, f);
			else
				put_json_string(f, buf);
		}
		fputs("\n  }", f);
	}
	fputs("\n}\n", f);
}
