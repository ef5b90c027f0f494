/* SPDX-License-Identifier: BSD-3-Clause */
#include <dlfcn.h>
#include <errno.h>
#include <link.h>
#include <string.h>

#include <rte_ethdev.h>
#include <rte_log.h>
#include <rte_vhost.h>

#include "dev/port.h"

RTE_LOG_REGISTER(dev_logtype, shoal.dev, INFO);
#define DEV_LOG(level, ...) \
	rte_log(RTE_LOG_##level, dev_logtype, "shoal.dev: " __VA_ARGS__)

const uint8_t shoal_rss_key[40] = {
	0x6d, 0x5a, 0x6d, 0x5a, 0x6d, 0x5a, 0x6d, 0x5a,
	0x6d, 0x5a, 0x6d, 0x5a, 0x6d, 0x5a, 0x6d, 0x5a,
	0x6d, 0x5a, 0x6d, 0x5a, 0x6d, 0x5a, 0x6d, 0x5a,
	0x6d, 0x5a, 0x6d, 0x5a, 0x6d, 0x5a, 0x6d, 0x5a,
	0x6d, 0x5a, 0x6d, 0x5a, 0x6d, 0x5a, 0x6d, 0x5a,
};

/* DPDK's TAP driver makes TUN ports too ("net_tun0"): bare IP frames. */
static bool
port_is_l3(uint16_t port_id)
{
	char name[RTE_ETH_NAME_MAX_LEN];

	if (rte_eth_dev_get_name_by_port(port_id, name) != 0)
		return false;
	return strncmp(name, "net_tun", 7) == 0;
}

/* Spread the RETA over the queues round robin. */
static int
port_setup_reta(uint16_t port_id, uint16_t reta_size, uint16_t nb_queues)
{
	struct rte_eth_rss_reta_entry64 reta[RTE_ETH_RSS_RETA_SIZE_512 /
					     RTE_ETH_RETA_GROUP_SIZE];

	if (reta_size == 0 || reta_size > RTE_ETH_RSS_RETA_SIZE_512)
		return -ENOTSUP;
	memset(reta, 0, sizeof(reta));
	for (uint16_t i = 0; i < reta_size; i++) {
		struct rte_eth_rss_reta_entry64 *e =
			&reta[i / RTE_ETH_RETA_GROUP_SIZE];

		e->mask |= UINT64_C(1) << (i % RTE_ETH_RETA_GROUP_SIZE);
		e->reta[i % RTE_ETH_RETA_GROUP_SIZE] = i % nb_queues;
	}
	return rte_eth_dev_rss_reta_update(port_id, reta, reta_size);
}

/* virtio feature bits (virtio 1.1, 5.1.3): the guest takes segments of up
 * to 64 KB with a partial checksum. */
#define PORT_VIRTIO_NET_F_GUEST_CSUM	1
#define PORT_VIRTIO_NET_F_GUEST_TSO4	7

/* rte_eth_vhost_get_vid_from_port_id() lives in the vhost PMD, which the
 * EAL loads as a plugin (Debian's DPDK) or which is linked in: looked up
 * at run time, so shoal does not link a driver. */
typedef int (*vhost_vid_fn)(uint16_t port_id);
static vhost_vid_fn vhost_vid;

static int
find_vhost_pmd(struct dl_phdr_info *info, size_t size, void *data)
{
	const char **path = data;

	(void)size;
	if (info->dlpi_name != NULL &&
	    strstr(info->dlpi_name, "librte_net_vhost.so") != NULL) {
		*path = info->dlpi_name;
		return 1;
	}
	return 0;
}

static vhost_vid_fn
vhost_vid_lookup(void)
{
	const char *path = NULL;
	void *sym, *h;

	sym = dlsym(RTLD_DEFAULT, "rte_eth_vhost_get_vid_from_port_id");
	if (sym == NULL && dl_iterate_phdr(find_vhost_pmd, &path) != 0 &&
	    (h = dlopen(path, RTLD_NOW | RTLD_NOLOAD)) != NULL) {
		sym = dlsym(h, "rte_eth_vhost_get_vid_from_port_id");
		dlclose(h);	/* the EAL's reference keeps it loaded */
	}
	return (vhost_vid_fn)(uintptr_t)sym;
}

bool
port_guest_tso(uint16_t port_id)
{
	const uint64_t need = (1ULL << PORT_VIRTIO_NET_F_GUEST_CSUM) |
			      (1ULL << PORT_VIRTIO_NET_F_GUEST_TSO4);
	uint64_t features;
	int vid;

	if (vhost_vid == NULL)
		return false;
	vid = vhost_vid(port_id);
	if (vid < 0 || rte_vhost_get_negotiated_features(vid, &features) != 0)
		return false;
	return (features & need) == need;
}

int
port_setup(uint16_t port_id, const struct port_conf *conf,
	   struct shoal_iface *ifc)
{
	const uint64_t rx_want = RTE_ETH_RX_OFFLOAD_IPV4_CKSUM |
		RTE_ETH_RX_OFFLOAD_TCP_CKSUM;
	const uint64_t tx_want = RTE_ETH_TX_OFFLOAD_IPV4_CKSUM |
		RTE_ETH_TX_OFFLOAD_TCP_CKSUM | RTE_ETH_TX_OFFLOAD_MULTI_SEGS;
	struct rte_eth_conf ec = { 0 };
	struct rte_eth_dev_info info;
	uint16_t nb_rxd = conf->nb_rxd, nb_txd = conf->nb_txd;
	uint16_t nb_queues;
	bool rss = false, ifc_tso_guest = false;
	int ret;

	ret = rte_eth_dev_info_get(port_id, &info);
	if (ret != 0) {
		DEV_LOG(ERR, "port %u: no device info: %s\n", port_id,
			rte_strerror(-ret));
		return ret;
	}
	/* Fewer queues than workers (virtio-user with queues=1, most vdevs):
	 * the workers without one are fed by software steering and hand
	 * their output to a queue owner (lib/stack). */
	nb_queues = RTE_MIN(conf->nb_queues,
			    RTE_MIN(info.max_rx_queues, info.max_tx_queues));
	if (nb_queues == 0)
		nb_queues = 1;
	if (nb_queues < conf->nb_queues)
		DEV_LOG(INFO, "port %u (%s): %u queues for %u workers; the "
			"others are served through rings\n", port_id,
			info.driver_name, nb_queues, conf->nb_queues);

	memset(ifc, 0, sizeof(*ifc));
	ifc->port_id = port_id;
	ifc->l3 = port_is_l3(port_id);

	if (!conf->no_offload) {
		ec.rxmode.offloads = info.rx_offload_capa & rx_want;
		ec.txmode.offloads = info.tx_offload_capa & tx_want;
		/* TSO needs the TCP checksum offload it implies. Not on
		 * TAP: DPDK 22.11's TAP PMD refuses a TSO packet when
		 * tso_segsz plus the L2, L3 and L4 headers exceed the MTU,
		 * which counts the Ethernet header against an L3 MTU: every
		 * full-size segment (1460 + 54 > 1500) is refused, and the
		 * rest of its burst with it. */
		if (conf->tso && (ec.txmode.offloads &
				  RTE_ETH_TX_OFFLOAD_TCP_CKSUM) &&
		    strcmp(info.driver_name, "net_tap") != 0)
			ec.txmode.offloads |= info.tx_offload_capa &
				RTE_ETH_TX_OFFLOAD_TCP_TSO;
		/* Merged segments on receive, the other half of TSO: a
		 * virtio port offers it when its host end may send them
		 * (VIRTIO_NET_F_GUEST_TSO4), and asking for it is what makes
		 * the guest negotiate that; the engine takes them
		 * (RTE_MBUF_F_RX_LRO counts as tso_segsz segments). Only on
		 * virtio: a NIC's LRO has needs of its own (scatter, buffer
		 * sizes) not tried here. */
		if (conf->tso && strncmp(info.driver_name, "net_virtio", 10) == 0)
			ec.rxmode.offloads |= info.rx_offload_capa &
				RTE_ETH_RX_OFFLOAD_TCP_LRO;
		/* DPDK 22.11's vhost PMD does not offer TSO, but its vhost
		 * library passes a TSO mbuf to the guest whole, the segment
		 * size in the virtio header, when the guest negotiated
		 * GUEST_TSO4: known only once it connects (port_guest_tso). */
		if (conf->tso && strcmp(info.driver_name, "net_vhost") == 0 &&
		    (ec.txmode.offloads & RTE_ETH_TX_OFFLOAD_TCP_CKSUM) &&
		    !(ec.txmode.offloads & RTE_ETH_TX_OFFLOAD_TCP_TSO)) {
			if (vhost_vid == NULL)
				vhost_vid = vhost_vid_lookup();
			ifc_tso_guest = vhost_vid != NULL;
			if (!ifc_tso_guest)
				DEV_LOG(INFO, "port %u (net_vhost): no "
					"rte_eth_vhost_get_vid_from_port_id, "
					"so no TSO towards the guest\n",
					port_id);
		}
	}
	ec.txmode.offloads |= info.tx_offload_capa &
		RTE_ETH_TX_OFFLOAD_MULTI_SEGS;
	/* TAP advertises RSS, but it lives in an eBPF program on a multiq
	 * qdisc; without one (as here) the kernel's tun driver picks the
	 * queue by its own flow hash. Software steering follows that. */
	if (nb_queues > 1 && nb_queues == conf->nb_queues &&
	    (info.flow_type_rss_offloads & RTE_ETH_RSS_NONFRAG_IPV4_TCP) &&
	    strcmp(info.driver_name, "net_tap") != 0) {
		rss = true;
		ec.rxmode.mq_mode = RTE_ETH_MQ_RX_RSS;
		ec.rx_adv_conf.rss_conf.rss_hf = info.flow_type_rss_offloads &
			(RTE_ETH_RSS_NONFRAG_IPV4_TCP | RTE_ETH_RSS_IPV4);
		if (info.hash_key_size == sizeof(shoal_rss_key)) {
			ec.rx_adv_conf.rss_conf.rss_key =
				(uint8_t *)(uintptr_t)shoal_rss_key;
			ec.rx_adv_conf.rss_conf.rss_key_len =
				sizeof(shoal_rss_key);
		}
	}

	ret = rte_eth_dev_configure(port_id, nb_queues, nb_queues, &ec);
	if (ret != 0) {
		DEV_LOG(ERR, "port %u (%s): configure failed: %s\n", port_id,
			info.driver_name, rte_strerror(-ret));
		return ret;
	}
	ret = rte_eth_dev_adjust_nb_rx_tx_desc(port_id, &nb_rxd, &nb_txd);
	if (ret != 0)
		return ret;
	for (uint16_t q = 0; q < nb_queues; q++) {
		struct rte_eth_rxconf rxc = info.default_rxconf;
		struct rte_eth_txconf txc = info.default_txconf;

		rxc.offloads = ec.rxmode.offloads;
		txc.offloads = ec.txmode.offloads;
		ret = rte_eth_rx_queue_setup(port_id, q, nb_rxd,
					     rte_eth_dev_socket_id(port_id),
					     &rxc, conf->rx_pools[q]);
		if (ret == 0)
			ret = rte_eth_tx_queue_setup(port_id, q, nb_txd,
					rte_eth_dev_socket_id(port_id), &txc);
		if (ret != 0) {
			DEV_LOG(ERR, "port %u: queue %u setup failed: %s\n",
				port_id, q, rte_strerror(-ret));
			return ret;
		}
	}
	if (conf->mtu != 0) {
		ret = rte_eth_dev_set_mtu(port_id, conf->mtu);
		if (ret != 0 && ret != -ENOTSUP)
			DEV_LOG(WARNING, "port %u: cannot set MTU %u: %s\n",
				port_id, conf->mtu, rte_strerror(-ret));
	}
	ret = rte_eth_dev_start(port_id);
	if (ret != 0) {
		DEV_LOG(ERR, "port %u: start failed: %s\n", port_id,
			rte_strerror(-ret));
		return ret;
	}
	/* A spread we did not program is one software cannot follow:
	 * then every packet is checked and steered in software. */
	if (rss && port_setup_reta(port_id, info.reta_size, nb_queues) != 0) {
		DEV_LOG(WARNING, "port %u: RETA update failed: steering "
			"in software\n", port_id);
		rss = false;
	}

	if (ifc->l3)
		memset(&ifc->mac, 0, sizeof(ifc->mac));
	else
		rte_eth_macaddr_get(port_id, &ifc->mac);
	if (rte_eth_dev_get_mtu(port_id, &ifc->mtu) != 0 || ifc->mtu == 0)
		ifc->mtu = RTE_ETHER_MTU;
	ifc->rx_ip_cksum = ec.rxmode.offloads & RTE_ETH_RX_OFFLOAD_IPV4_CKSUM;
	ifc->rx_l4_cksum = ec.rxmode.offloads & RTE_ETH_RX_OFFLOAD_TCP_CKSUM;
	ifc->tx_ip_cksum = ec.txmode.offloads & RTE_ETH_TX_OFFLOAD_IPV4_CKSUM;
	ifc->tx_tcp_cksum = ec.txmode.offloads & RTE_ETH_TX_OFFLOAD_TCP_CKSUM;
	ifc->tx_tso = ec.txmode.offloads & RTE_ETH_TX_OFFLOAD_TCP_TSO;
	ifc->tso_guest = ifc_tso_guest;
	ifc->rx_lro = ec.rxmode.offloads & RTE_ETH_RX_OFFLOAD_TCP_LRO;
	ifc->rss = rss;
	ifc->nb_queues = nb_queues;
	return 0;
}

void
port_close(uint16_t port_id)
{
	/* An application may have closed it already (shoal-gen does, to
	 * count the mbufs left once the drivers let go of theirs). */
	if (!rte_eth_dev_is_valid_port(port_id))
		return;
	rte_eth_dev_stop(port_id);
	rte_eth_dev_close(port_id);
}

void
port_dump(FILE *f, const struct shoal_iface *ifc)
{
	char name[RTE_ETH_NAME_MAX_LEN] = "?";
	char mac[RTE_ETHER_ADDR_FMT_SIZE];

	rte_eth_dev_get_name_by_port(ifc->port_id, name);
	rte_ether_format_addr(mac, sizeof(mac), &ifc->mac);
	fprintf(f, "port %u %s: %s, mac %s, mtu %u, %u queue%s, %s, "
		"rx csum %s/%s%s, tx csum %s/%s%s\n", ifc->port_id, name,
		ifc->l3 ? "L3 (bare IP)" : "Ethernet", ifc->l3 ? "-" : mac,
		ifc->mtu, ifc->nb_queues, ifc->nb_queues > 1 ? "s" : "",
		ifc->rss ? "RSS (Toeplitz, symmetric key)" :
		ifc->nb_queues > 1 ? "no RSS: software steering" :
		"single queue",
		ifc->rx_ip_cksum ? "ip" : "-", ifc->rx_l4_cksum ? "tcp" : "-",
		ifc->rx_lro ? ", lro" : "",
		ifc->tx_ip_cksum ? "ip" : "-", ifc->tx_tcp_cksum ? "tcp" : "-",
		ifc->tx_tso ? ", tso" :
		ifc->tso_guest ? ", tso once the guest negotiates it" : "");
}
