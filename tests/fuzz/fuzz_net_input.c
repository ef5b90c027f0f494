/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * fuzz_net_input: one received frame through net_input() of a worker with
 * an Ethernet interface (port 0, 198.18.0.1-4/24) and a TUN interface
 * (port 1, 198.19.200.1/24), and a live TCP engine behind net_tcp_input
 * listening on port 80 (its replies go back down through ipv4_output, so
 * SYN-ACKs, RSTs and ACKs travel the output path too).
 *
 * Input: a control byte, a split byte, then the frame.
 *   ctl bit 0     arrive on the TUN interface (a bare IPv4 packet)
 *   ctl bit 1     the "NIC" vouches for the IP and L4 checksums
 *                 (RX offload flags GOOD): lets the fuzzer past them
 *   ctl bit 2     the peer's MAC is already known (else ARP resolution)
 *   ctl bits 3-4  the frame arrives as a chain of 1..4 mbufs; the split
 *                 byte picks where the segments end
 *
 * After the frame, the clock moves on (timers fire), the engine and the
 * neighbour table are torn down, and every mbuf must be back in the pool:
 * a lost one is an abort() the fuzzer reports.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <rte_ether.h>
#include <rte_ip.h>
#include <rte_mbuf.h>

#include <shoal/tcp.h>
#include "fuzz.h"
#include "net/neigh.h"
#include "net/net.h"
#include "stack/worker.h"

#define IP4(a, b, c, d) RTE_BE32((uint32_t)(a) << 24 | (uint32_t)(b) << 16 | \
				 (uint32_t)(c) << 8 | (uint32_t)(d))
#define NS 1000000000ULL

static const struct rte_ether_addr our_mac = {{ 0x02, 0, 0x5e, 0, 0, 0x01 }};
static const struct rte_ether_addr peer_mac = {{ 0x02, 0, 0x5e, 0, 0, 0x20 }};

static struct shoal_iface ifaces[2];
static struct shoal_worker *w;
static uint64_t tx_frames;

static uint16_t
tx_hook(void *ctx, uint16_t worker, struct rte_mbuf **pkts, uint16_t n)
{
	tx_frames += n;
	rte_pktmbuf_free_bulk(pkts, n);
	return n;
}

/* The engine sits right behind the IP layer, as in lib/stack. */
void
net_tcp_input(struct shoal_worker *wk, struct rte_mbuf *m,
	      const struct shoal_endpoints *ep)
{
	shoal_tcp_input_burst(wk->tcp, &m, ep, 1, wk->now_ns);
}

static void
tcp_output(void *ctx, struct rte_mbuf *seg, const struct shoal_endpoints *ep)
{
	ipv4_output(ctx, seg, ep->local.v4, ep->remote.v4, IPPROTO_TCP);
}

/* An echo server: data goes back, a FIN is answered with ours. */
static void
app_recv(struct shoal_conn *c, void *ctx, struct rte_mbuf *data)
{
	if (shoal_send_mbuf(c, data) < 0)
		rte_pktmbuf_free(data);
}

static void
app_peer_closed(struct shoal_conn *c, void *ctx)
{
	shoal_close(c);
}

static const struct shoal_tcp_ops echo_ops = {
	.recv = app_recv,
	.peer_closed = app_peer_closed,
};

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	struct shoal_iface *e = &ifaces[0], *t = &ifaces[1];

	fuzz_eal_init("fuzz_net_input");
	fuzz_pool();
	e->port_id = 0;
	e->mac = our_mac;
	e->ip = IP4(198, 18, 0, 1);
	e->ip_count = 4;
	e->mask = IP4(255, 255, 255, 0);
	e->gw = IP4(198, 18, 0, 254);
	e->mtu = 1500;
	t->port_id = 1;
	t->l3 = true;
	t->ip = IP4(198, 19, 200, 1);
	t->ip_count = 1;
	t->mask = IP4(255, 255, 255, 0);
	t->mtu = 1500;
	w = calloc(1, sizeof(*w));
	if (w == NULL)
		abort();
	w->pool = fuzz_pool();
	w->ifaces = ifaces;
	w->nb_ifaces = 2;
	w->tx_hook = tx_hook;
	return 0;
}

static struct shoal_tcp *
engine_create(void)
{
	struct shoal_tcp_conf c;
	struct shoal_tcp *t;

	shoal_tcp_conf_init(&c);
	c.name = "fz";
	c.pool = fuzz_pool();
	c.hdr_room = RTE_ETHER_HDR_LEN + sizeof(struct rte_ipv4_hdr);
	c.mss = 1460;
	c.max_conns = 8;
	c.max_listeners = 2;
	c.output = tcp_output;
	c.output_ctx = w;
	memset(c.isn_key, 0x5a, sizeof(c.isn_key));	/* reproducible */
	t = shoal_tcp_create(&c, w->now_ns);
	if (t == NULL || shoal_tcp_listen(t, NULL, 80, &echo_ops, NULL) != 0)
		abort();
	return t;
}

/* @p data as a chain of @p nseg mbufs, cut where @p split says. */
static struct rte_mbuf *
frame_mbuf(const uint8_t *data, size_t len, unsigned int nseg, uint8_t split)
{
	struct rte_mbuf *head = NULL, *s;
	size_t done = 0;
	unsigned int i;

	for (i = 0; i < nseg && (done < len || head == NULL); i++) {
		size_t k = len - done;

		/* Every cut but the last at 1..64 bytes, varied by split. */
		if (i + 1 < nseg)
			k = RTE_MIN(k, (size_t)((split >> (2 * i)) & 3) * 16 +
					1 + i);
		s = rte_pktmbuf_alloc(fuzz_pool());
		if (s == NULL || k > rte_pktmbuf_tailroom(s))
			abort();
		memcpy(rte_pktmbuf_append(s, k), data + done, k);
		done += k;
		if (head == NULL)
			head = s;
		else if (rte_pktmbuf_chain(head, s) != 0)
			abort();
	}
	if (done < len) {
		/* The rest goes into one more segment. */
		s = rte_pktmbuf_alloc(fuzz_pool());
		if (s == NULL || len - done > rte_pktmbuf_tailroom(s))
			abort();
		memcpy(rte_pktmbuf_append(s, len - done), data + done,
		       len - done);
		if (rte_pktmbuf_chain(head, s) != 0)
			abort();
	}
	return head;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	uint8_t ctl, split;
	struct rte_mbuf *m;
	bool tun, offload;

	/* Frames longer than two mbufs' room are not what a port delivers. */
	if (size < 2 || size - 2 > 2 * (RTE_MBUF_DEFAULT_DATAROOM - 64))
		return 0;
	ctl = data[0];
	split = data[1];
	data += 2;
	size -= 2;
	tun = ctl & 1;
	offload = ctl & 2;

	fuzz_reset();		/* the same state whatever ran before */
	w->now_ns = 1000 * NS;
	memset(&w->stats, 0, sizeof(w->stats));
	for (unsigned int i = 0; i < 2; i++)
		ifaces[i].rx_ip_cksum = ifaces[i].rx_l4_cksum = offload;
	w->neigh = neigh_table_create(16, 30 * NS, SOCKET_ID_ANY);
	if (w->neigh == NULL)
		abort();
	w->tcp = engine_create();
	if (ctl & 4)
		neigh_update(w, &ifaces[0], IP4(198, 18, 0, 20), &peer_mac,
			     true);

	m = frame_mbuf(data, size, 1 + ((ctl >> 3) & 3), split);
	m->port = tun ? 1 : 0;
	if (offload)
		m->ol_flags |= RTE_MBUF_F_RX_IP_CKSUM_GOOD |
			RTE_MBUF_F_RX_L4_CKSUM_GOOD;
	w->stats.rx_packets++;
	net_input(w, m);
	worker_tx_flush(w);

	/* Let the timers run: retransmissions, ARP retries, delayed ACKs. */
	for (unsigned int i = 0; i < 4; i++) {
		w->now_ns += NS;
		shoal_tcp_advance(w->tcp, w->now_ns);
		net_tick(w);
		worker_tx_flush(w);
	}

	shoal_tcp_free(w->tcp);
	w->tcp = NULL;
	worker_tx_flush(w);
	neigh_table_free(w->neigh);
	w->neigh = NULL;
	fuzz_check_pool("one frame");
	return 0;
}
