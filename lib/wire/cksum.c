/* SPDX-License-Identifier: BSD-3-Clause */
#include "wire/cksum.h"

uint16_t
cksum_mbuf_raw(const struct rte_mbuf *m, uint32_t off, uint32_t len)
{
	uint32_t sum = 0, done = 0;

	/* Skip whole segments before the offset. */
	while (m != NULL && off >= m->data_len) {
		off -= m->data_len;
		m = m->next;
	}
	for (; m != NULL && done < len; m = m->next, off = 0) {
		uint32_t n = RTE_MIN((uint32_t)m->data_len - off, len - done);
		uint16_t part;

		part = cksum_fold(__rte_raw_cksum(
			rte_pktmbuf_mtod_offset(m, const void *, off), n, 0));
		/* A piece that starts at an odd position of the summed range
		 * has its bytes in the other lanes of the 16-bit words. */
		if (done & 1)
			part = rte_bswap16(part);
		sum += part;
		done += n;
	}
	return cksum_fold(sum);
}
