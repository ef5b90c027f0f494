/* SPDX-License-Identifier: BSD-3-Clause */
#include <inttypes.h>
#include <stdio.h>

#include "leaks.h"

static uint64_t
excess(uint64_t have, uint64_t allowed)
{
	return have > allowed ? have - allowed : 0;
}

void
gen_leaks_add_sample(struct gen_leaks *l, const struct gen_leak_sample *s)
{
	l->mbufs += excess(s->mbufs_in_use, s->mbufs_queued);
	/* TIME-WAIT keeps its control block 2 MSL by design, and a
	 * half-open one (a SYN flood's, never seen by the application)
	 * lives until its SYN-ACKs time out, within the listener's backlog;
	 * anything else after every connection reported closed() is left
	 * behind. */
	l->conns += excess(s->cbs, s->cbs_timewait + s->cbs_half_open);
	l->exts += s->exts;
	l->snd_bytes += s->snd_bytes;
	l->reass_bytes += s->reass_bytes;
	l->contexts += s->contexts;
	l->txns += s->txns;
}

bool
gen_leaks_any(const struct gen_leaks *l)
{
#define GEN_LEAK_ANY(n) if (l->n != 0) return true;
	GEN_LEAKS(GEN_LEAK_ANY)
#undef GEN_LEAK_ANY
	return false;
}

int
gen_leaks_format(const struct gen_leaks *l, char *buf, size_t len)
{
	size_t off = 0;
	int n;

	if (len > 0)
		buf[0] = '\0';
#define GEN_LEAK_FMT(f) \
	if (l->f != 0) { \
		n = snprintf(off < len ? buf + off : NULL, \
			     off < len ? len - off : 0, \
			     "%s%s %" PRIu64, off ? ", " : "", #f, l->f); \
		if (n > 0) \
			off += (size_t)n; \
	}
	GEN_LEAKS(GEN_LEAK_FMT)
#undef GEN_LEAK_FMT
	if (off == 0)
		return snprintf(buf, len, "none");
	return (int)off;
}
