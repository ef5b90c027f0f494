/* SPDX-License-Identifier: BSD-3-Clause */
#include <criterion/criterion.h>
#include <stdlib.h>
#include <endian.h>
#include <string.h>

#include "pattern.h"

#define LEN 20000

static uint8_t whole[LEN], pieces[LEN];

Test(gen_pattern, arbitrary_chunks_continue_the_same_stream)
{
	unsigned int seed = 42;
	uint64_t id = pattern_conn_id(htobe32(0xc6120001),
				      htobe16(40000),
				      htobe32(0xc6120101),
				      htobe16(80));
	size_t off = 0;

	pattern_fill(id, 1000, whole, LEN);
	while (off < LEN) {
		size_t n = (size_t)(rand_r(&seed) % 37);

		if (n > LEN - off)
			n = LEN - off;
		pattern_fill(id, 1000 + off, pieces + off, n);
		/* each chunk checks on its own at its offset */
		cr_assert_eq(pattern_check(id, 1000 + off, pieces + off, n), -1);
		off += n;
	}
	cr_expect_eq(memcmp(whole, pieces, LEN), 0);
	cr_expect_eq(pattern_check(id, 1000, whole, LEN), -1);
}

Test(gen_pattern, a_flipped_byte_is_found_where_it_is)
{
	uint64_t id = 99;

	pattern_fill(id, 3, whole, LEN);
	for (size_t pos = 0; pos < 64; pos++) {
		whole[pos] ^= 0x01;
		cr_assert_eq(pattern_check(id, 3, whole, LEN), (long)pos);
		/* also when checked from an unaligned offset inside */
		if (pos >= 5)
			cr_assert_eq(pattern_check(id, 3 + 5, whole + 5, LEN - 5),
				     (long)pos - 5);
		whole[pos] ^= 0x01;
	}
	whole[LEN - 1] ^= 0x80;
	cr_expect_eq(pattern_check(id, 3, whole, LEN), LEN - 1);
}

Test(gen_pattern, streams_differ_by_connection_and_offset)
{
	uint64_t a = pattern_conn_id(1, 2, 3, 4);
	uint64_t b = pattern_conn_id(1, 3, 3, 4);

	cr_expect_neq(a, b);
	pattern_fill(a, 0, whole, 64);
	cr_expect_neq(pattern_check(b, 0, whole, 64), -1);
	/* a shifted stream (lost or duplicated bytes) does not pass */
	cr_expect_neq(pattern_check(a, 1, whole, 64), -1);
	cr_expect_eq(pattern_check(a, 0, whole, 0), -1);
}

/* The stream is one table read around: across the period's end it goes
 * on byte for byte, and pattern_at hands out whole runs in place. A
 * 1-byte read always starts inside the first period, so byte-by-byte
 * reads are the reference for runs that cross into the table's copy. */
Test(gen_pattern, the_stream_wraps_around_the_period_seamlessly)
{
	static uint8_t big[3 * PATTERN_RUN], ref[PATTERN_RUN];
	uint64_t id = 7;
	size_t n;

	for (uint64_t off = PATTERN_PERIOD - 3000; off < PATTERN_PERIOD + 10;
	     off += 997) {
		size_t len = PATTERN_RUN;
		const uint8_t *p = pattern_at(id, off, &len);

		cr_assert_eq(len, PATTERN_RUN);
		for (size_t k = 0; k < len; k++)
			pattern_fill(id, off + k, ref + k, 1);
		cr_assert_eq(memcmp(p, ref, len), 0, "offset %llu",
			     (unsigned long long)off);
	}
	n = sizeof(big);
	(void)pattern_at(id, 0, &n);
	cr_expect_eq(n, PATTERN_RUN, "longer asks are cut to one run");
	/* a fill longer than a run, and its check */
	pattern_fill(id, 12345, big, sizeof(big));
	for (size_t k = 0; k < sizeof(big); k += 4093) {
		uint8_t b;

		pattern_fill(id, 12345 + k, &b, 1);
		cr_assert_eq(big[k], b);
	}
	cr_expect_eq(pattern_check(id, 12345, big, sizeof(big)), -1);
}

/* What a receiver sees when a segment is lost: the next one's bytes at
 * the lost one's offset. At every phase of the period, for the sizes a
 * stream is cut into, that is a mismatch at its first byte or close to
 * it; only a loss of a whole period would pass (documented). */
Test(gen_pattern, a_lost_segment_is_found_at_every_phase)
{
	static const size_t sizes[] = { 1, 7, 536, 1448, 1460, 8948, 16384 };
	uint64_t id = pattern_conn_id(htobe32(0xc6120001), htobe16(1234),
				      htobe32(0xc6120101), htobe16(5201));

	for (size_t s = 0; s < sizeof(sizes) / sizeof(sizes[0]); s++) {
		for (uint64_t off = 0; off < 3 * (uint64_t)PATTERN_PERIOD;
		     off += 4099) {
			long at;

			pattern_fill(id, off + sizes[s], whole, 64);
			at = pattern_check(id, off, whole, 64);
			cr_assert(at >= 0 && at < 8, "size %zu at %llu: %ld",
				  sizes[s], (unsigned long long)off, at);
		}
	}
	pattern_fill(id, 100 + PATTERN_PERIOD, whole, 64);
	cr_expect_eq(pattern_check(id, 100, whole, 64), -1,
		     "a whole period lost is the one blind spot");
}
