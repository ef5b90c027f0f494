/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef SHOAL_GEN_PATTERN_H
#define SHOAL_GEN_PATTERN_H

/*
 * The payload of bulk and echo streams: byte o of the stream of
 * connection id c is a pure function of (c, o), so a receiver checks any
 * chunk at any offset without keeping what was sent, and a byte that was
 * lost, duplicated, reordered or flipped shows up as a mismatch.
 *
 * The stream is a table of PATTERN_PERIOD pseudo-random bytes, repeated,
 * read from a start that the connection id picks. A sender hands out
 * pointers into the table (nothing is computed per byte) and a receiver
 * compares with memcmp. The period is prime, so no segment size divides
 * it: a loss or a duplicate goes unseen only when its length is a
 * multiple of 65,521 bytes and the data on both sides of it is whole.
 *
 * Both ends compute the same id from the connection's endpoints
 * (pattern_conn_id), so client and server agree without talking.
 */

#include <stddef.h>
#include <stdint.h>

#define PATTERN_PERIOD 65521u	/* the largest prime below 2^16 */
/* pattern_at() gives at most this many bytes in one piece. */
#define PATTERN_RUN 65536u

/* splitmix64 over (id, word): cheap and well mixed. */
static inline uint64_t
pattern_word(uint64_t id, uint64_t word)
{
	uint64_t z = id + word * UINT64_C(0x9e3779b97f4a7c15);

	z = (z ^ (z >> 30)) * UINT64_C(0xbf58476d1ce4e5b9);
	z = (z ^ (z >> 27)) * UINT64_C(0x94d049bb133111eb);
	return z ^ (z >> 31);
}

/* Stream id of the connection from client @p cip:cport to server
 * @p sip:sport (addresses and ports in network order). */
uint64_t pattern_conn_id(uint32_t cip, uint16_t cport, uint32_t sip,
			 uint16_t sport);

/* The bytes of stream @p id from offset @p off, in place: *len is
 * lowered to what lies in one piece (at least min(*len, PATTERN_RUN)). */
const uint8_t *pattern_at(uint64_t id, uint64_t off, size_t *len);

/* The table pattern_at() reads from, and its size: a copy of it placed
 * elsewhere (DPDK memory, for zero-copy sends) serves the same pointers
 * shifted by the same offset. */
const uint8_t *pattern_table(size_t *size);

/* Fill @p buf with @p len bytes of stream @p id from offset @p off. */
void pattern_fill(uint64_t id, uint64_t off, void *buf, size_t len);

/* Check @p len bytes at offset @p off of stream @p id: returns the index
 * in @p buf of the first wrong byte, or -1 when all match. */
long pattern_check(uint64_t id, uint64_t off, const void *buf, size_t len);

#endif /* SHOAL_GEN_PATTERN_H */
