/* SPDX-License-Identifier: BSD-3-Clause */
#include <endian.h>
#include <string.h>

#include "pattern.h"

uint64_t
pattern_conn_id(uint32_t cip, uint16_t cport, uint32_t sip, uint16_t sport)
{
	uint64_t a = (uint64_t)be32toh(cip) << 16 | be16toh(cport);
	uint64_t b = (uint64_t)be32toh(sip) << 16 | be16toh(sport);

	return pattern_word(a, b ^ UINT64_C(0x5348414c));
}

/* Little-endian bytes of each word, whatever the host order. */
static inline void
word_bytes(uint64_t w, uint8_t out[8])
{
	for (int i = 0; i < 8; i++)
		out[i] = (uint8_t)(w >> (8 * i));
}

void
pattern_fill(uint64_t id, uint64_t off, void *buf, size_t len)
{
	uint8_t *p = buf, b[8];
	uint64_t word = off / 8;
	unsigned int skip = off % 8;

	if (len == 0)
		return;
	if (skip != 0) {
		size_t n = 8 - skip < len ? 8 - skip : len;

		word_bytes(pattern_word(id, word++), b);
		memcpy(p, b + skip, n);
		p += n;
		len -= n;
	}
	for (; len >= 8; len -= 8, p += 8) {
		uint64_t w = htole64(pattern_word(id, word++));

		memcpy(p, &w, 8);
	}
	if (len != 0) {
		word_bytes(pattern_word(id, word), b);
		memcpy(p, b, len);
	}
}

long
pattern_check(uint64_t id, uint64_t off, const void *buf, size_t len)
{
	const uint8_t *p = buf;
	size_t i = 0;

	/* Compare whole words where aligned to the stream, bytes elsewhere;
	 * on a word mismatch find the byte. */
	while (i < len) {
		uint64_t o = off + i;
		uint64_t word = o / 8;
		unsigned int skip = o % 8;
		size_t n = 8 - skip;
		uint8_t b[8];

		if (n > len - i)
			n = len - i;
		if (n == 8) {
			uint64_t want = htole64(pattern_word(id, word));
			uint64_t got;

			memcpy(&got, p + i, 8);
			if (got == want) {
				i += 8;
				continue;
			}
		}
		word_bytes(pattern_word(id, word), b);
		for (size_t k = 0; k < n; k++)
			if (p[i + k] != b[skip + k])
				return (long)(i + k);
		i += n;
	}
	return -1;
}
