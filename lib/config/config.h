/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef SHOAL_CONFIG_H
#define SHOAL_CONFIG_H

/**
 * @file
 * Table-driven configuration: INI files (read with DPDK's rte_cfgfile)
 * plus command-line overrides, written into a plain C struct.
 *
 * A tool describes its options once, as an array of struct shoal_cfg_key
 * ending with SHOAL_CFG_END; the same table drives defaults, file loading,
 * command-line parsing, --help and the INI/JSON dumps of the effective
 * configuration. Errors name where the bad value came from:
 * "FILE:LINE: [section] key: what is wrong (expected ...)".
 *
 * Nothing here keeps global state; every function works on the schema
 * and the object it is given.
 */

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include <rte_ether.h>

#include <shoal/addr.h>

/** Value types; the comment says what the struct member must be. */
enum shoal_cfg_type {
	SHOAL_CFG_BOOL,		/**< bool: true/false yes/no on/off 1/0 */
	SHOAL_CFG_U16,		/**< uint16_t, decimal or 0x hex */
	SHOAL_CFG_U32,		/**< uint32_t */
	SHOAL_CFG_U64,		/**< uint64_t */
	SHOAL_CFG_I64,		/**< int64_t */
	SHOAL_CFG_DOUBLE,	/**< double, finite */
	SHOAL_CFG_STRING,	/**< char[N], NUL-terminated; "quotes" keep spaces */
	SHOAL_CFG_SIZE,		/**< uint64_t bytes; k/M/G/T suffix = 2^10/20/30/40 */
	SHOAL_CFG_DURATION,	/**< uint64_t ns; ns/us/ms/s/m/h suffix, bare = s */
	SHOAL_CFG_RATE,		/**< double per second; k/M/G suffix = 10^3/6/9 */
	SHOAL_CFG_PERCENT,	/**< double fraction: "5%" or "0.05"; 0..1 unless min/max */
	SHOAL_CFG_IPV4,		/**< struct shoal_addr; "" = unset (AF_NONE) */
	SHOAL_CFG_IPV4_PREFIX,	/**< struct shoal_cfg_prefix: "198.18.0.1/24" */
	SHOAL_CFG_IPV4_RANGE,	/**< struct shoal_cfg_range: "a-b", "net/len", "a"; "" unset */
	SHOAL_CFG_MAC,		/**< struct rte_ether_addr */
	SHOAL_CFG_ENUM,		/**< int: index into enum_names */
	SHOAL_CFG_PORTS,	/**< struct shoal_cfg_ports: "80,8080,1000-1010" */
	SHOAL_CFG_IPV4_PREFIXES,	/**< struct shoal_cfg_prefixes:
					 *   "198.18.0.1/16,198.19.0.1/16" */
};

/** An IPv4 address with a prefix length (an interface address). */
struct shoal_cfg_prefix {
	struct shoal_addr addr;	/**< host bits kept as written */
	uint8_t len;		/**< 0..32 */
};

/** Most entries a SHOAL_CFG_IPV4_PREFIXES value holds. */
#define SHOAL_CFG_PREFIXES_MAX 8

/** A list of interface addresses, in the order written; "" is empty. */
struct shoal_cfg_prefixes {
	uint16_t n;			/**< entries used */
	struct shoal_cfg_prefix p[SHOAL_CFG_PREFIXES_MAX];
};

/** A run of consecutive IPv4 addresses. */
struct shoal_cfg_range {
	struct shoal_addr first;	/**< lowest address */
	uint64_t count;			/**< 1..2^32 addresses */
};

/** Most entries a SHOAL_CFG_PORTS value holds. */
#define SHOAL_CFG_PORTS_MAX 16

/** A list of ports and port ranges, in the order written. */
struct shoal_cfg_ports {
	uint16_t n;			/**< entries used */
	struct {
		uint16_t first;		/**< host byte order */
		uint16_t last;		/**< == first for a single port */
	} range[SHOAL_CFG_PORTS_MAX];
};

/** One configuration key: where it lives in the INI file and in the struct. */
struct shoal_cfg_key {
	const char *section;	/**< INI section, also the option prefix */
	const char *name;	/**< key name; NULL ends the schema */
	enum shoal_cfg_type type;
	size_t offset;		/**< of the member, see SHOAL_CFG_FIELD() */
	size_t size;		/**< of the member; checked against the type */
	const char *def;	/**< default, in the file's syntax; NULL = zero */
	const char *help;	/**< one line for --help */
	const char *const *enum_names; /**< SHOAL_CFG_ENUM: NULL-terminated */
	/**
	 * Inclusive bounds for numeric types, in stored units (bytes, ns,
	 * per second, fraction). min == max == 0 means only the type's own
	 * limits apply.
	 */
	double min;
	double max;
};

/** Offset and size of a struct member, for a struct shoal_cfg_key. */
#define SHOAL_CFG_FIELD(type, member) \
	.offset = offsetof(type, member), \
	.size = sizeof(((type *)0)->member)

/** Ends a schema array. */
#define SHOAL_CFG_END { .name = NULL }

/** shoal_cfg_parse_args() return value when --help or -h was given. */
#define SHOAL_CFG_HELP 1

/**
 * Check a schema: member sizes match the types, (section, name) pairs are
 * unique, enum keys have names, every default parses and is in range.
 * Call it once at startup (shoal_cfg_parse_args() does).
 *
 * @return 0, or -EINVAL with the first problem written to err.
 */
int shoal_cfg_check(const struct shoal_cfg_key *schema, char *err,
	size_t errlen);

/**
 * Write every key's default into obj. Members not in the schema are left
 * alone.
 *
 * @return 0, or -EINVAL if a default does not parse (see shoal_cfg_check()).
 */
int shoal_cfg_defaults(const struct shoal_cfg_key *schema, void *obj);

/**
 * Load an INI file on top of what obj holds. Every section and key must
 * be in the schema and a key may appear only once per section.
 * On error obj may hold some of the file's values.
 *
 * @return 0, or a negative errno with a message naming file, line,
 *   section and key written to err.
 */
int shoal_cfg_load(const struct shoal_cfg_key *schema, void *obj,
	const char *path, char *err, size_t errlen);

/**
 * Set one key from "section.key=value", or "key=value" when no other
 * section has a key of that name.
 *
 * @return 0, or a negative errno with a message written to err.
 */
int shoal_cfg_set(const struct shoal_cfg_key *schema, void *obj,
	const char *assignment, char *err, size_t errlen);

/**
 * Build obj from a command line: defaults first, then every --config FILE
 * (-c FILE, --config=FILE) in order, then the remaining arguments in
 * order, so the command line overrides the file. Arguments are
 * "section.key=value", "key=value", "--key value", "--key=value" and
 * "--section.key value"; in option names '-' and '_' are the same.
 * A bool option given alone ("--verbose") means true. argv[0] is the
 * program name and is skipped, as getopt does.
 *
 * @return 0, SHOAL_CFG_HELP when --help/-h was given (defaults applied,
 *   nothing else), or a negative errno with a message naming the argument.
 */
int shoal_cfg_parse_args(const struct shoal_cfg_key *schema, void *obj,
	int argc, char **argv, char *err, size_t errlen);

/** Print every key grouped by section: type, default, range, help. */
void shoal_cfg_help(FILE *f, const struct shoal_cfg_key *schema);

/** Print obj as an INI file that shoal_cfg_load() reads back identically. */
void shoal_cfg_dump_ini(FILE *f, const struct shoal_cfg_key *schema,
	const void *obj);

/**
 * Print obj as one JSON object with an object per section. Numbers are in
 * stored units (bytes, ns, per second, fraction); addresses, ranges, port
 * lists and enum values are strings in the INI syntax.
 */
void shoal_cfg_dump_json(FILE *f, const struct shoal_cfg_key *schema,
	const void *obj);

#endif /* SHOAL_CONFIG_H */
