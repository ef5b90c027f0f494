/* SPDX-License-Identifier: BSD-3-Clause */
#include <endian.h>
#include <string.h>

#include "pattern.h"

/* One period and a run beyond it, so that every read of up to
 * PATTERN_RUN bytes from a start below the period is contiguous. Filled
 * before main() runs: read-only afterwards, shared by every worker. */
static uint8_t tab[PATTERN_PERIOD + PATTERN_RUN] __attribute__((aligned(64)));

__attribute__((constructor)) static void
pattern_tab_init(void)
{
	for (size_t i = 0; i < sizeof(tab); i += 8) {
		uint64_t w = pattern_word(UINT64_C(0x5348414c2d706174),
					  (i % PATTERN_PERIOD) / 8);

		for (size_t k = 0; k < 8 && i + k < sizeof(tab); k++)
			tab[i + k] = (uint8_t)(w >> (8 * k));
	}
	/* The words above are cut at the period's end (65,521 is no
	 * multiple of 8): make the second copy follow the first byte for
	 * byte. */
	for (size_t i = PATTERN_PERIOD; i < sizeof(tab); i++)
		tab[i] = tab[i - PATTERN_PERIOD];
}

uint64_t
pattern_conn_id(uint32_t cip, uint16_t cport, uint32_t sip, uint16_t sport)
{
	uint64_t a = (uint64_t)be32toh(cip) << 16 | be16toh(cport);
	uint64_t b = (uint64_t)be32toh(sip) << 16 | be16toh(sport);

	return pattern_word(a, b ^ UINT64_C(0x5348414c));
}

const uint8_t *
pattern_at(uint64_t id, uint64_t off, size_t *len)
{
	uint64_t start = (id % PATTERN_PERIOD + off % PATTERN_PERIOD) %
		PATTERN_PERIOD;

	if (*len > PATTERN_RUN)
		*len = PATTERN_RUN;
	return tab + start;
}

const uint8_t *
pattern_table(size_t *size)
{
	*size = sizeof(tab);
	return tab;
}

void
pattern_fill(uint64_t id, uint64_t off, void *buf, size_t len)
{
	uint8_t *p = buf;

	while (len > 0) {
		size_t n = len;
		const uint8_t *src = pattern_at(id, off, &n);

		memcpy(p, src, n);
		p += n;
		off += n;
		len -= n;
	}
}

long
pattern_check(uint64_t id, uint64_t off, const void *buf, size_t len)
{
	const uint8_t *p = buf;
	size_t done = 0;

	while (done < len) {
		size_t n = len - done;
		const uint8_t *want = pattern_at(id, off + done, &n);

		if (memcmp(p + done, want, n) != 0) {
			for (size_t k = 0; k < n; k++)
				if (p[done + k] != want[k])
					return (long)(done + k);
		}
		done += n;
	}
	return -1;
}
