/* SPDX-License-Identifier: BSD-3-Clause */
#include <inttypes.h>

#include "stats/stats.h"

static const char *const drop_names[SHOAL_DROP_MAX] = {
#define SHOAL_DROP_NAME(id, name) [SHOAL_DROP_##id] = name,
	SHOAL_DROP_REASONS(SHOAL_DROP_NAME)
#undef SHOAL_DROP_NAME
};

const char *
shoal_drop_name(enum shoal_drop reason)
{
	return (unsigned int)reason < SHOAL_DROP_MAX ? drop_names[reason] : "?";
}

void
shoal_stats_add(struct shoal_stats *dst, const struct shoal_stats *src)
{
#define SHOAL_COUNTER_ADD(name) dst->name += src->name;
	SHOAL_COUNTERS(SHOAL_COUNTER_ADD)
#undef SHOAL_COUNTER_ADD
	for (int i = 0; i < SHOAL_DROP_MAX; i++)
		dst->drops[i] += src->drops[i];
}

uint64_t
shoal_stats_total_drops(const struct shoal_stats *s)
{
	uint64_t t = 0;

	for (int i = 0; i < SHOAL_DROP_MAX; i++)
		t += s->drops[i];
	return t;
}

void
shoal_stats_dump(FILE *f, const struct shoal_stats *s, const char *indent)
{
#define SHOAL_COUNTER_PRINT(name) \
	if (s->name) \
		fprintf(f, "%s%-22s %" PRIu64 "\n", indent, #name, s->name);
	SHOAL_COUNTERS(SHOAL_COUNTER_PRINT)
#undef SHOAL_COUNTER_PRINT
	for (int i = 0; i < SHOAL_DROP_MAX; i++)
		if (s->drops[i])
			fprintf(f, "%sdrop.%-17s %" PRIu64 "\n", indent,
				drop_names[i], s->drops[i]);
}
