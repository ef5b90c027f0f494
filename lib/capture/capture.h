/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef SHOAL_CAPTURE_H
#define SHOAL_CAPTURE_H

/*
 * pcap capture of what a worker receives and sends, through libpcap's
 * pcap_dump with nanosecond timestamps, so tcpdump and Wireshark read it.
 * One file per worker: writing is then lock-free by construction.
 */

#include <stdbool.h>
#include <rte_mbuf.h>

struct shoal_capture;

/* Open @p path for writing. @p l3: the link carries bare IP (DLT_RAW)
 * rather than Ethernet. Returns NULL and logs why on failure. */
struct shoal_capture *shoal_capture_open(const char *path, bool l3);

/* Append @p m (every segment of the chain) with the wall-clock time. */
void shoal_capture_packet(struct shoal_capture *cap, const struct rte_mbuf *m);

/* Packets written so far. */
uint64_t shoal_capture_count(const struct shoal_capture *cap);

/* Flush and close; NULL is accepted. */
void shoal_capture_close(struct shoal_capture *cap);

#endif /* SHOAL_CAPTURE_H */
