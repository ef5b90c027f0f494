/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * rss_map_from_port(): the one part of lib/rss that talks to ethdev and
 * needs lib/dev's key, kept apart so the hashing core links alone.
 */
#include <errno.h>
#include <string.h>

#include <rte_ethdev.h>

#include "dev/port.h"
#include "rss/rss.h"

/* Read the port's RETA into @p reta (queue per bucket). */
static int
rss_query_reta(uint16_t port_id, uint16_t reta_size, uint16_t *reta)
{
	struct rte_eth_rss_reta_entry64 conf[RSS_RETA_MAX /
					     RTE_ETH_RETA_GROUP_SIZE];
	int ret;

	memset(conf, 0, sizeof(conf));
	for (unsigned int i = 0; i < reta_size; i++)
		conf[i / RTE_ETH_RETA_GROUP_SIZE].mask |=
			UINT64_C(1) << (i % RTE_ETH_RETA_GROUP_SIZE);
	ret = rte_eth_dev_rss_reta_query(port_id, conf, reta_size);
	if (ret != 0)
		return ret;
	for (unsigned int i = 0; i < reta_size; i++)
		reta[i] = conf[i / RTE_ETH_RETA_GROUP_SIZE]
			.reta[i % RTE_ETH_RETA_GROUP_SIZE];
	return 0;
}

int
rss_map_from_port(struct rss_map *map, uint16_t port_id,
		  unsigned int nb_workers)
{
	struct rte_eth_dev_info info;
	struct rte_eth_rss_conf rc;
	uint16_t reta[RSS_RETA_MAX];
	uint8_t key[64];
	int ret;

	ret = rte_eth_dev_info_get(port_id, &info);
	if (ret != 0)
		return ret;
	/*
	 * One RX queue, or a port without a RETA: the hardware spreads
	 * nothing, every packet arrives on queue 0 and software steering
	 * hashes it with the key lib/dev would have programmed.
	 */
	if (info.nb_rx_queues <= 1 || info.reta_size == 0 ||
	    (info.flow_type_rss_offloads & RTE_ETH_RSS_NONFRAG_IPV4_TCP) == 0)
		return rss_map_init(map, shoal_rss_key, sizeof(shoal_rss_key),
				    nb_workers);

	if (info.hash_key_size > sizeof(key))
		return -ENOTSUP;
	memset(&rc, 0, sizeof(rc));
	memset(key, 0, sizeof(key));
	rc.rss_key = key;
	/* Some drivers (net_null) report no key size: assume the usual 40. */
	rc.rss_key_len = info.hash_key_size != 0 ? info.hash_key_size :
		RSS_KEY_LEN;
	ret = rte_eth_dev_rss_hash_conf_get(port_id, &rc);
	if (ret == -ENOTSUP)
		return rss_map_init(map, shoal_rss_key, sizeof(shoal_rss_key),
				    nb_workers);
	if (ret != 0)
		return ret;
	/* Anything but a 4-tuple hash for TCP is a spread we cannot redo. */
	if ((rc.rss_hf & RTE_ETH_RSS_NONFRAG_IPV4_TCP) == 0 ||
	    rc.rss_key_len < 16 || info.reta_size > RSS_RETA_MAX ||
	    (info.reta_size & (info.reta_size - 1)) != 0)
		return -ENOTSUP;
	ret = rss_query_reta(port_id, info.reta_size, reta);
	if (ret != 0)
		return ret;
	return rss_map_init_reta(map, key, rc.rss_key_len, reta,
				 info.reta_size, nb_workers);
}
