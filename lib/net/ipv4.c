/* SPDX-License-Identifier: BSD-3-Clause */
#include <errno.h>
#include <netinet/in.h>

#include "net/net.h"
#include "net/neigh.h"
#include "net/net_priv.h"
#include "wire/cksum.h"
#include "wire/ether.h"
#include "wire/ipv4.h"
#include "wire/tcp.h"

/* --- input ---------------------------------------------------------- */

/* Is the header checksum of @p ip right? The NIC's verdict when it gave
 * one, else computed here. */
static bool
ipv4_cksum_ok(struct shoal_worker *w, const struct shoal_iface *ifc,
	      const struct rte_mbuf *m, const struct rte_ipv4_hdr *ip,
	      uint32_t hlen)
{
	if (ifc->rx_ip_cksum) {
		uint64_t f = m->ol_flags & RTE_MBUF_F_RX_IP_CKSUM_MASK;

		if (f == RTE_MBUF_F_RX_IP_CKSUM_GOOD) {
			w->stats.rx_cksum_offloaded++;
			return true;
		}
		if (f == RTE_MBUF_F_RX_IP_CKSUM_BAD)
			return false;
	}
	if (likely(hlen == sizeof(*ip)))
		return cksum_ipv4_hdr20(ip) == 0;
	return rte_raw_cksum(ip, hlen) == 0xffff;
}

/* Same for the TCP checksum; @p m is trimmed to the IP packet. */
static bool
tcp_cksum_ok(struct shoal_worker *w, const struct shoal_iface *ifc,
	     const struct rte_mbuf *m, const struct rte_ipv4_hdr *ip,
	     uint32_t hlen)
{
	uint64_t f = m->ol_flags & RTE_MBUF_F_RX_L4_CKSUM_MASK;

	/* NONE: the sender left the checksum to offload on a virtual link
	 * (virtio-user -> vhost-user): the field is partial, the data is
	 * intact. Only a driver that knows sets it, offload on or not. */
	if (f == RTE_MBUF_F_RX_L4_CKSUM_NONE) {
		w->stats.rx_cksum_offloaded++;
		return true;
	}
	if (ifc->rx_l4_cksum) {
		if (f == RTE_MBUF_F_RX_L4_CKSUM_GOOD) {
			w->stats.rx_cksum_offloaded++;
			return true;
		}
		if (f == RTE_MBUF_F_RX_L4_CKSUM_BAD)
			return false;
	}
	return cksum_ipv4_l4(ip, m, hlen) == 0;
}

/*
 * A TCP segment in valid IPv4 packet @p m: check what the engine relies on
 * (a whole header, a sane data offset, the checksum), then hand it over
 * starting at the TCP header.
 */
static void
tcp_deliver(struct shoal_worker *w, struct shoal_iface *ifc,
	    struct rte_mbuf *m, const struct rte_ipv4_hdr *ip, uint32_t hlen)
{
	uint32_t l4_len = rte_pktmbuf_pkt_len(m) - hlen;
	struct shoal_endpoints ep;
	const struct rte_tcp_hdr *th = tcp_hdr_view(m, hlen);
	uint32_t thlen;

	if (unlikely(l4_len < TCP_HDR_MIN_LEN || th == NULL)) {
		worker_drop(w, m, SHOAL_DROP_TCP_TRUNCATED);
		return;
	}
	thlen = tcp_hdr_len(th);
	if (unlikely(thlen < TCP_HDR_MIN_LEN || thlen > l4_len)) {
		worker_drop(w, m, SHOAL_DROP_TCP_BAD_OFFSET);
		return;
	}
	/* The engine reads options straight from the first segment. */
	if (unlikely(hlen + thlen > rte_pktmbuf_data_len(m))) {
		worker_drop(w, m, SHOAL_DROP_TCP_TRUNCATED);
		return;
	}
	if (unlikely(!tcp_cksum_ok(w, ifc, m, ip, hlen))) {
		worker_drop(w, m, SHOAL_DROP_TCP_BAD_CSUM);
		return;
	}
	ep.local = shoal_addr_v4(ip->dst_addr);
	ep.remote = shoal_addr_v4(ip->src_addr);
	ep.lport = th->dst_port;
	ep.rport = th->src_port;
	rte_pktmbuf_adj(m, (uint16_t)hlen);
	m->l3_len = hlen;
	m->l4_len = thlen;
	w->stats.tcp_rx_segments++;
	net_tcp_input(w, m, &ep);
}

void
ipv4_input(struct shoal_worker *w, struct shoal_iface *ifc, struct rte_mbuf *m)
{
	struct rte_ipv4_hdr *ip = ipv4_hdr_view(m, 0);
	uint32_t hlen, tlen;

	if (unlikely(ip == NULL)) {
		worker_drop(w, m, SHOAL_DROP_IP_TRUNCATED);
		return;
	}
	if (unlikely(ipv4_version(ip) != IPVERSION)) {
		worker_drop(w, m, SHOAL_DROP_IP_BAD_VERSION);
		return;
	}
	hlen = ipv4_hdr_len(ip);
	if (unlikely(hlen < sizeof(*ip) || hlen > rte_pktmbuf_pkt_len(m))) {
		worker_drop(w, m, SHOAL_DROP_IP_BAD_IHL);
		return;
	}
	if (unlikely(hlen > rte_pktmbuf_data_len(m))) {
		/* Options split across segments: no PMD delivers that. */
		worker_drop(w, m, SHOAL_DROP_IP_TRUNCATED);
		return;
	}
	tlen = rte_be_to_cpu_16(ip->total_length);
	if (unlikely(tlen < hlen || tlen > rte_pktmbuf_pkt_len(m))) {
		worker_drop(w, m, SHOAL_DROP_IP_BAD_TOTAL_LEN);
		return;
	}
	if (unlikely(!ipv4_cksum_ok(w, ifc, m, ip, hlen))) {
		worker_drop(w, m, SHOAL_DROP_IP_BAD_CSUM);
		return;
	}
	if (unlikely(ip->time_to_live == 0)) {
		worker_drop(w, m, SHOAL_DROP_IP_TTL_ZERO);
		return;
	}
	/* No reassembly: TCP segments to MSS and sets DF, ping fits. */
	if (unlikely(ipv4_is_fragment(ip))) {
		worker_drop(w, m, SHOAL_DROP_IP_FRAGMENT);
		return;
	}
	if (unlikely(ipv4_bad_src(ip->src_addr))) {
		worker_drop(w, m, SHOAL_DROP_IP_BAD_SRC);
		return;
	}
	if (unlikely(!iface_is_local(ifc, ip->dst_addr))) {
		worker_drop(w, m, SHOAL_DROP_IP_NOT_FOR_US);
		return;
	}
	/* Ethernet pads short frames to 60 bytes: only tlen is the packet. */
	pkt_truncate(m, tlen);
	m->l3_len = hlen;
	w->stats.ipv4_rx++;

	switch (ip->next_proto_id) {
	case IPPROTO_TCP:
		tcp_deliver(w, ifc, m, ip, hlen);
		break;
	case IPPROTO_ICMP:
		icmp_input(w, ifc, m, ip);
		break;
	default:
		worker_drop(w, m, SHOAL_DROP_IP_UNKNOWN_PROTO);
		break;
	}
}

/* --- output --------------------------------------------------------- */

/* Route: TUN is point to point; Ethernet reaches its prefix directly and
 * everything else through the gateway. 0 for an off-link @p dst: no route. */
static inline rte_be32_t
route_nexthop(const struct shoal_iface *ifc, rte_be32_t dst)
{
	if (ifc->l3 || ((dst ^ ifc->ip) & ifc->mask) == 0)
		return dst;
	return ifc->gw;
}

/* The interface that owns @p src, else the first. */
static struct shoal_iface *
iface_for_src(struct shoal_worker *w, rte_be32_t src)
{
	for (unsigned int i = 0; i < w->nb_ifaces; i++)
		if (iface_is_local(&w->ifaces[i], src))
			return &w->ifaces[i];
	return &w->ifaces[0];
}

/*
 * Make room for @p len bytes of headers in front of @p m. The TCP engine
 * reserves headroom in the segments it builds; anything else gets a header
 * mbuf chained in front. Returns the new head, or NULL (m untouched).
 */
static struct rte_mbuf *
headroom_ensure(struct shoal_worker *w, struct rte_mbuf *m, uint16_t len)
{
	struct rte_mbuf *h;

	if (likely(rte_pktmbuf_headroom(m) >= len))
		return m;
	h = rte_pktmbuf_alloc(w->pool);
	if (h == NULL)
		return NULL;
	if (rte_pktmbuf_headroom(h) < len ||
	    rte_pktmbuf_chain(h, m) != 0) {
		rte_pktmbuf_free(h);
		return NULL;
	}
	h->ol_flags = m->ol_flags;
	h->tx_offload = m->tx_offload;	/* l4_len, tso_segsz */
	h->port = m->port;
	return h;
}

/* Whether a segment of @p m other than the last holds an odd number of
 * bytes: the next one then starts on an odd byte of the sum. DPDK 22.11's
 * TAP PMD sent such chains with a wrong TCP checksum (tcpdump: "incorrect";
 * the kernel counted them in TcpInCsumErrors and dropped them), the way
 * its rte_raw_cksum_mbuf() goes wrong (lib/wire/cksum.h). A retransmission
 * is cut the same way each time, so in the TAP loss grid at 20% such
 * connections sat in RTO backoff until the give-up. */
static bool
odd_split(const struct rte_mbuf *m)
{
	for (; m->next != NULL; m = m->next)
		if (m->data_len & 1)
			return true;
	return false;
}

/* The TCP checksum for segment @p m under header @p ip: the pseudo-header
 * sum for the NIC to finish, or the whole sum in software (also for a
 * chain split at an odd byte, which not every PMD sums right). */
static bool
tcp_cksum_out(struct shoal_worker *w, const struct shoal_iface *ifc,
	      struct rte_mbuf *m, const struct rte_ipv4_hdr *ip)
{
	struct rte_tcp_hdr *th = tcp_hdr_view(m, 0);

	if (unlikely(th == NULL))
		return false;
	th->cksum = 0;
	if (m->ol_flags & RTE_MBUF_F_TX_TCP_SEG) {
		/* TSO: the device sums each segment it cuts; the field
		 * holds the pseudo-header without the length (DPDK's
		 * convention). The engine only builds these when every
		 * port has TSO (lib/stack); one built before a vhost-user
		 * guest that took them went away goes no further. */
		if (unlikely(w->tso_max == 0 || !(ifc->tx_tso ||
						  ifc->tso_guest)))
			return false;
		m->ol_flags |= RTE_MBUF_F_TX_IPV4 | RTE_MBUF_F_TX_TCP_CKSUM;
		if (m->l4_len == 0)
			m->l4_len = tcp_hdr_len(th);
		th->cksum = cksum_ipv4_pseudo(ip->src_addr, ip->dst_addr,
					      IPPROTO_TCP, 0);
		return true;
	}
	if (ifc->tx_tcp_cksum && likely(m->next == NULL || !odd_split(m))) {
		m->ol_flags |= RTE_MBUF_F_TX_IPV4 | RTE_MBUF_F_TX_TCP_CKSUM;
		if (m->l4_len == 0)
			m->l4_len = tcp_hdr_len(th);
		th->cksum = cksum_ipv4_pseudo(ip->src_addr, ip->dst_addr,
					      IPPROTO_TCP,
					      rte_pktmbuf_pkt_len(m));
		return true;
	}
	th->cksum = cksum_ipv4_l4(ip, m, 0);
	return true;
}

int
ipv4_output(struct shoal_worker *w, struct rte_mbuf *m, rte_be32_t src,
	    rte_be32_t dst, uint8_t proto)
{
	struct shoal_iface *ifc;
	struct rte_ipv4_hdr iph, *ip;
	uint32_t l4_len = rte_pktmbuf_pkt_len(m);
	uint16_t hdrs;
	rte_be32_t nexthop;
	bool offloaded = false;

	if (unlikely(w->nb_ifaces == 0)) {
		worker_drop(w, m, SHOAL_DROP_NO_ROUTE);
		return -ENETUNREACH;
	}
	ifc = src == 0 ? &w->ifaces[0] : iface_for_src(w, src);
	if (src == 0)
		src = ifc->ip;
	nexthop = route_nexthop(ifc, dst);
	if (nexthop == 0 && dst != 0) {	/* off-link, no gateway */
		worker_drop(w, m, SHOAL_DROP_NO_ROUTE);
		return -ENETUNREACH;
	}
	if (unlikely(sizeof(iph) + l4_len > UINT16_MAX ||
		     (ifc->mtu != 0 && sizeof(iph) + l4_len > ifc->mtu &&
		      !(m->ol_flags & RTE_MBUF_F_TX_TCP_SEG)))) {
		worker_drop(w, m, SHOAL_DROP_IP_TOO_BIG);
		return -EMSGSIZE;
	}

	ipv4_hdr_fill(&iph, src, dst, proto, l4_len, w->ip_id++,
		      proto == IPPROTO_TCP);
	m->ol_flags &= ~(RTE_MBUF_F_TX_IP_CKSUM | RTE_MBUF_F_TX_L4_MASK |
			 RTE_MBUF_F_TX_IPV4 | RTE_MBUF_F_TX_IPV6);
	if (proto == IPPROTO_TCP) {
		if (unlikely(!tcp_cksum_out(w, ifc, m, &iph))) {
			worker_drop(w, m, SHOAL_DROP_TCP_TRUNCATED);
			return -EINVAL;
		}
		offloaded = (m->ol_flags & RTE_MBUF_F_TX_L4_MASK) ==
			    RTE_MBUF_F_TX_TCP_CKSUM;
	}

	hdrs = sizeof(iph) + (ifc->l3 ? 0 : sizeof(struct rte_ether_hdr));
	{
		struct rte_mbuf *h = headroom_ensure(w, m, hdrs);

		if (unlikely(h == NULL)) {
			worker_drop(w, m, SHOAL_DROP_NO_HEADROOM);
			return -ENOBUFS;
		}
		m = h;
	}
	ip = (struct rte_ipv4_hdr *)rte_pktmbuf_prepend(m, sizeof(iph));
	*ip = iph;
	m->l2_len = ifc->l3 ? 0 : sizeof(struct rte_ether_hdr);
	m->l3_len = sizeof(iph);
	if (ifc->tx_ip_cksum) {
		m->ol_flags |= RTE_MBUF_F_TX_IPV4 | RTE_MBUF_F_TX_IP_CKSUM;
		offloaded = true;
	} else {
		ip->hdr_checksum = cksum_ipv4_hdr20(ip);
	}
	if (offloaded)
		w->stats.tx_cksum_offloaded++;
	w->stats.ipv4_tx++;

	if (ifc->l3) {
		worker_tx(w, ifc, m);
		return 0;
	}
	return neigh_output(w, ifc, nexthop, m);
}

/* --- TCP's fast path ---------------------------------------------------- */

static inline struct worker_path *
path_slot(struct shoal_worker *w, rte_be32_t src, rte_be32_t dst)
{
	/* Addresses in network order differ in their high bits: a product's
	 * top bits depend on all of its factor's. */
	uint32_t h = (src * 0x9e3779b1u + dst) * 0x85ebca77u;

	RTE_BUILD_BUG_ON(WORKER_PATH_SLOTS != 256);
	return &w->paths[h >> 24];
}

/* Remember how a TCP segment from @p src to @p dst just went out, if the
 * next hop is resolved and the port sums TCP in hardware (the fast path
 * does no software checksum over the payload). */
static void
path_learn(struct shoal_worker *w, struct shoal_iface *ifc, rte_be32_t src,
	   rte_be32_t dst, rte_be32_t nexthop)
{
	const struct rte_ether_addr *mac;
	struct worker_path *p;

	if (ifc->l3 || !ifc->tx_tcp_cksum || src == 0 ||
	    (mac = neigh_reachable(w->neigh, nexthop)) == NULL)
		return;
	p = path_slot(w, src, dst);
	p->src = src;
	p->dst = dst;
	p->gen = w->path_gen;
	p->ifc = (uint8_t)(ifc - w->ifaces);
	p->max_len = ifc->mtu != 0 ? ifc->mtu : UINT16_MAX;
	p->ol_flags = RTE_MBUF_F_TX_IPV4 | RTE_MBUF_F_TX_TCP_CKSUM |
		      (ifc->tx_ip_cksum ? RTE_MBUF_F_TX_IP_CKSUM : 0);
	eth_hdr_fill((struct rte_ether_hdr *)p->hdr, mac, &ifc->mac,
		     RTE_ETHER_TYPE_IPV4);
	ipv4_hdr_fill((struct rte_ipv4_hdr *)(p->hdr + RTE_ETHER_HDR_LEN),
		      src, dst, IPPROTO_TCP, 0, 0, true);
}

/* The long way, then the template for the next segment of this path. */
static __rte_noinline int
path_miss(struct shoal_worker *w, struct rte_mbuf *m, rte_be32_t src,
	  rte_be32_t dst)
{
	struct shoal_iface *ifc;
	rte_be32_t nexthop;
	int rc;

	if (src == 0 || w->nb_ifaces == 0)
		return ipv4_output(w, m, src, dst, IPPROTO_TCP);
	ifc = iface_for_src(w, src);
	nexthop = route_nexthop(ifc, dst);
	rc = ipv4_output(w, m, src, dst, IPPROTO_TCP);
	if (rc == 0 && nexthop != 0)
		path_learn(w, ifc, src, dst, nexthop);
	return rc;
}

/*
 * ipv4_output() for a TCP segment. A segment to where the last one went
 * (same addresses, the neighbour unchanged since) takes that one's
 * Ethernet and IPv4 headers as a template and patches the length and the
 * identification: the same bytes and offload flags ipv4_output() would
 * give, for ~a fifth of its instructions. What the template cannot carry
 * (TSO, a chain split at an odd byte, a short headroom, a packet over the
 * MTU) goes the long way.
 */
int
ipv4_output_tcp(struct shoal_worker *w, struct rte_mbuf *m, rte_be32_t src,
		rte_be32_t dst)
{
	struct worker_path *p = path_slot(w, src, dst);
	uint32_t l4_len = rte_pktmbuf_pkt_len(m);
	const uint16_t hdrs = sizeof(p->hdr);
	struct rte_ipv4_hdr *ip;
	struct rte_tcp_hdr *th;
	uint8_t *h;

	if (unlikely(p->dst != dst || p->src != src || p->gen != w->path_gen))
		return path_miss(w, m, src, dst);
	if (unlikely(rte_pktmbuf_headroom(m) < hdrs ||
		     (m->ol_flags & RTE_MBUF_F_TX_TCP_SEG) ||
		     l4_len + sizeof(*ip) > p->max_len ||
		     m->data_len < sizeof(*th) ||
		     (m->next != NULL && odd_split(m))))
		return ipv4_output(w, m, src, dst, IPPROTO_TCP);
	th = rte_pktmbuf_mtod(m, struct rte_tcp_hdr *);
	th->cksum = cksum_ipv4_pseudo(src, dst, IPPROTO_TCP, l4_len);
	if (m->l4_len == 0)
		m->l4_len = tcp_hdr_len(th);
	m->data_off -= hdrs;
	m->data_len += hdrs;
	m->pkt_len += hdrs;
	h = rte_pktmbuf_mtod(m, uint8_t *);
	memcpy(h, p->hdr, sizeof(p->hdr));
	ip = (struct rte_ipv4_hdr *)(h + RTE_ETHER_HDR_LEN);
	ip->total_length = rte_cpu_to_be_16((uint16_t)(sizeof(*ip) + l4_len));
	ip->packet_id = rte_cpu_to_be_16(w->ip_id++);
	if (!(p->ol_flags & RTE_MBUF_F_TX_IP_CKSUM))
		ip->hdr_checksum = cksum_ipv4_hdr20(ip);
	m->ol_flags = (m->ol_flags & ~(RTE_MBUF_F_TX_IP_CKSUM |
				       RTE_MBUF_F_TX_L4_MASK |
				       RTE_MBUF_F_TX_IPV4 |
				       RTE_MBUF_F_TX_IPV6)) | p->ol_flags;
	m->l2_len = RTE_ETHER_HDR_LEN;
	m->l3_len = sizeof(*ip);
	w->stats.tx_cksum_offloaded++;
	w->stats.ipv4_tx++;
	worker_tx(w, &w->ifaces[p->ifc], m);
	return 0;
}
