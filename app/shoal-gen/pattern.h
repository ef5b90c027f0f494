/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef SHOAL_GEN_PATTERN_H
#define SHOAL_GEN_PATTERN_H

/*
 * The payload of bulk and echo streams: byte o of the stream of
 * connection id c is a pure function of (c, o), so a receiver checks any
 * chunk at any offset without keeping what was sent, and a byte that was
 * lost, duplicated, reordered or flipped shows up as a mismatch.
 *
 * Both ends compute the same id from the connection's endpoints
 * (pattern_conn_id), so client and server agree without talking.
 */

#include <stddef.h>
#include <stdint.h>


/* Stream id of the connection from client @p cip:cport to server
 * @p sip:sport (addresses and ports in network order). */
uint64_t pattern_conn_id(uint32_t cip, uint16_t cport, uint32_t sip,
			 uint16_t sport);

/* The 8 bytes of stream @p id starting at offset 8 * @p word. */
static inline uint64_t
pattern_word(uint64_t id, uint64_t word)
{
	/* splitmix64 over (id, word): cheap and well mixed */
	uint64_t z = id + word * UINT64_C(0x9e3779b97f4a7c15);

	z = (z ^ (z >> 30)) * UINT64_C(0xbf58476d1ce4e5b9);
	z = (z ^ (z >> 27)) * UINT64_C(0x94d049bb133111eb);
	return z ^ (z >> 31);
}

/* Fill @p buf with @p len bytes of stream @p id from offset @p off. */
void pattern_fill(uint64_t id, uint64_t off, void *buf, size_t len);

/* Check @p len bytes at offset @p off of stream @p id: returns the index
 * in @p buf of the first wrong byte, or -1 when all match. */
long pattern_check(uint64_t id, uint64_t off, const void *buf, size_t len);

#endif /* SHOAL_GEN_PATTERN_H */
