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
