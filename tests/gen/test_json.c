/* SPDX-License-Identifier: BSD-3-Clause */
#include <criterion/criterion.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "json.h"

static char path[64];

static FILE *
tmp_open(void)
{
	int fd;

	snprintf(path, sizeof(path), "/tmp/shoal-gen-json-XXXXXX");
	fd = mkstemp(path);
	cr_assert_geq(fd, 0);
	return fdopen(fd, "w");
}

/* python3 -m json.tool accepts the file (exit status 0). */
static int
json_tool(void)
{
	char cmd[256];

	snprintf(cmd, sizeof(cmd), "python3 -m json.tool %s >/dev/null 2>&1",
		 path);
	return system(cmd);
}

static int
python_check(const char *expr)
{
	char cmd[1024];

	snprintf(cmd, sizeof(cmd),
		 "python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); "
		 "sys.exit(0 if (%s) else 1)' %s", expr, path);
	return system(cmd);
}

static void
write_doc(bool pretty)
{
	FILE *f = tmp_open();
	struct json j;

	json_init(&j, f, pretty);
	json_object_begin(&j, NULL);
	json_str(&j, "s", "quote\" back\\ nl\n tab\t ctl\x01 utf8 \xc3\xa9");
	json_u64(&j, "big", UINT64_MAX);
	json_i64(&j, "neg", -5);
	json_double(&j, "pi", 3.25);
	json_double(&j, "inf", INFINITY);
	json_double(&j, "nan", NAN);
	json_bool(&j, "yes", true);
	json_null(&j, "nothing");
	json_str(&j, "nullstr", NULL);
	json_object_begin(&j, "empty");
	json_object_end(&j);
	json_array_begin(&j, "list");
	for (int i = 0; i < 3; i++) {
		json_object_begin(&j, NULL);
		json_u64(&j, "i", (uint64_t)i);
		json_array_begin(&j, "inner");
		json_array_end(&j);
		json_object_end(&j);
	}
	json_u64(&j, NULL, 7);
	json_array_end(&j);
	json_raw(&j, "config", "{\"stack\": {\"ip\": \"198.18.0.2/24\"}}");
	json_raw(&j, "rawnull", NULL);
	json_object_end(&j);
	cr_expect_eq(json_finish(&j), 0);
	fclose(f);
}

Test(gen_json, output_is_valid_json_pretty_and_compact)
{
	for (int pretty = 0; pretty < 2; pretty++) {
		write_doc(pretty);
		/* python starts slowly here: json.tool once, the value
		 * check (which parses too) for both */
		if (pretty)
			cr_expect_eq(json_tool(), 0, "json.tool rejects it");
		cr_expect_eq(python_check(
			"d[\"s\"] == \"quote\\\" back\\\\ nl\\n tab\\t ctl\\x01 utf8 \\xe9\" and "
			"d[\"big\"] == 2**64-1 and d[\"neg\"] == -5 and "
			"d[\"pi\"] == 3.25 and d[\"inf\"] is None and "
			"d[\"nan\"] is None and d[\"yes\"] is True and "
			"d[\"list\"][2][\"i\"] == 2 and d[\"list\"][3] == 7 and "
			"d[\"config\"][\"stack\"][\"ip\"] == \"198.18.0.2/24\" and "
			"d[\"empty\"] == {}"), 0, "values differ (pretty=%d)", pretty);
		unlink(path);
	}
}

Test(gen_json, the_checker_rejects_broken_json_and_misuse_is_reported)
{
	FILE *f = tmp_open();
	struct json j;

	json_init(&j, f, false);
	json_object_begin(&j, NULL);
	json_u64(&j, "a", 1);
	/* not closed */
	cr_expect_neq(json_finish(&j), 0);
	fclose(f);
	cr_expect_neq(json_tool(), 0);
	unlink(path);

	f = tmp_open();
	json_init(&j, f, false);
	json_object_end(&j);
	cr_expect_neq(json_finish(&j), 0);
	fclose(f);
	unlink(path);
}
