/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef SHOAL_FLOW_SIPHASH_H
#define SHOAL_FLOW_SIPHASH_H

/**
 * @file
 * SipHash-2-4 (Aumasson, Bernstein): a keyed PRF, short-input fast. RFC
 * 6528 (ISNs), RFC 6056 (ephemeral ports) and the timestamp offsets need a
 * function an off-path attacker cannot predict without the secret; a CRC
 * keyed by XOR is not one.
 */

#include <stddef.h>
#include <stdint.h>

/** SipHash-2-4 of @p len bytes at @p in under the 128-bit @p key. */
uint64_t flow_siphash(const uint8_t key[16], const void *in, size_t len);

#endif /* SHOAL_FLOW_SIPHASH_H */
