/* SPDX-License-Identifier: BSD-3-Clause */
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <pcap/pcap.h>
#include <rte_log.h>
#include <rte_malloc.h>

#include "capture/capture.h"

RTE_LOG_REGISTER(capture_logtype, shoal.capture, INFO);
#define CAP_LOG(level, ...) \
	rte_log(RTE_LOG_##level, capture_logtype, "shoal.capture: " __VA_ARGS__)

#define CAPTURE_SNAPLEN 65535

struct shoal_capture {
	pcap_t *pcap;			/* a "dead" handle: only describes the link */
	pcap_dumper_t *dumper;
	uint64_t count;
	uint8_t buf[CAPTURE_SNAPLEN];	/* linearises mbuf chains */
};

struct shoal_capture *
shoal_capture_open(const char *path, bool l3)
{
	struct shoal_capture *cap = calloc(1, sizeof(*cap));

	if (cap == NULL)
		return NULL;
	cap->pcap = pcap_open_dead_with_tstamp_precision(
		l3 ? DLT_RAW : DLT_EN10MB, CAPTURE_SNAPLEN,
		PCAP_TSTAMP_PRECISION_NANO);
	if (cap->pcap == NULL) {
		free(cap);
		return NULL;
	}
	cap->dumper = pcap_dump_open(cap->pcap, path);
	if (cap->dumper == NULL) {
		CAP_LOG(ERR, "cannot open %s: %s\n", path, pcap_geterr(cap->pcap));
		pcap_close(cap->pcap);
		free(cap);
		return NULL;
	}
	return cap;
}

void
shoal_capture_packet(struct shoal_capture *cap, const struct rte_mbuf *m)
{
	struct pcap_pkthdr h;
	struct timespec ts;
	const uint8_t *data;

	clock_gettime(CLOCK_REALTIME, &ts);
	h.ts.tv_sec = ts.tv_sec;
	h.ts.tv_usec = ts.tv_nsec;	/* nanoseconds: the file says so */
	h.len = rte_pktmbuf_pkt_len(m);
	h.caplen = RTE_MIN(h.len, (uint32_t)CAPTURE_SNAPLEN);
	data = rte_pktmbuf_read(m, 0, h.caplen, cap->buf);
	if (data == NULL)
		return;
	pcap_dump((u_char *)cap->dumper, &h, data);
	cap->count++;
}

uint64_t
shoal_capture_count(const struct shoal_capture *cap)
{
	return cap->count;
}

void
shoal_capture_close(struct shoal_capture *cap)
{
	if (cap == NULL)
		return;
	pcap_dump_close(cap->dumper);
	pcap_close(cap->pcap);
	free(cap);
}
