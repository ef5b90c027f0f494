/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * rss_map_from_port(): the map says what the port does. net_null has a
 * RETA and a key (as a NIC would); a ring port has neither.
 */
#include <errno.h>
#include <string.h>

#include <rte_bus_vdev.h>
#include <rte_eth_ring.h>
#include <rte_ethdev.h>
#include <rte_ring.h>

#include "eal.h"
#include "dev/port.h"
#include "rss/rss.h"

#define NB_Q 4

static struct rte_mempool *pools[NB_Q];

static void
setup(void)
{
	test_eal_up();
	for (unsigned int q = 0; q < NB_Q; q++) {
		char name[32];

		snprintf(name, sizeof(name), "rx%u", q);
		pools[q] = rte_pktmbuf_pool_create(name, 1023, 0, 0,
				RTE_MBUF_DEFAULT_BUF_SIZE, SOCKET_ID_ANY);
		cr_assert_not_null(pools[q]);
	}
}

static void
teardown(void)
{
	for (unsigned int q = 0; q < NB_Q; q++)
		rte_mempool_free(pools[q]);
	test_eal_down();
}

TestSuite(rss_port, .init = setup, .fini = teardown);

static uint16_t
null_port(const char *name, uint16_t nb_queues)
{
	struct port_conf pc = {
		.nb_queues = nb_queues, .nb_rxd = 64, .nb_txd = 64,
		.rx_pools = pools,
	};
	struct shoal_iface ifc;
	uint16_t port;

	cr_assert_eq(rte_vdev_init(name, NULL), 0, "no %s (net_null PMD "
		     "not loaded?)", name);
	cr_assert_eq(rte_eth_dev_get_port_by_name(name, &port), 0);
	cr_assert_eq(port_setup(port, &pc, &ifc), 0);
	cr_assert_eq(ifc.rss, nb_queues > 1);
	return port;
}

/* What the port reports, read back independently of rss_map_from_port. */
static void
port_key(uint16_t port, uint8_t key[RSS_KEY_LEN])
{
	uint8_t buf[64];
	struct rte_eth_rss_conf rc = { .rss_key = buf, .rss_key_len = 64 };
	struct rte_eth_dev_info info;

	cr_assert_eq(rte_eth_dev_info_get(port, &info), 0);
	rc.rss_key_len = info.hash_key_size;
	cr_assert_eq(rte_eth_dev_rss_hash_conf_get(port, &rc), 0);
	memcpy(key, buf, RSS_KEY_LEN);
}

static void
set_reta(uint16_t port, uint16_t size, const uint16_t *reta)
{
	struct rte_eth_rss_reta_entry64 conf[RSS_RETA_MAX /
					     RTE_ETH_RETA_GROUP_SIZE];

	memset(conf, 0, sizeof(conf));
	for (unsigned int i = 0; i < size; i++) {
		conf[i / 64].mask |= UINT64_C(1) << (i % 64);
		conf[i / 64].reta[i % 64] = reta[i];
	}
	cr_assert_eq(rte_eth_dev_rss_reta_update(port, conf, size), 0);
}

Test(rss_port, rss_port_gives_its_key_and_round_robin_reta)
{
	uint16_t port = null_port("net_null0", NB_Q);
	struct rte_eth_dev_info info;
	struct rss_map map;
	uint8_t key[RSS_KEY_LEN];

	cr_assert_eq(rte_eth_dev_info_get(port, &info), 0);
	cr_assert_eq(rss_map_from_port(&map, port, NB_Q), 0);
	cr_expect_eq(map.reta_size, info.reta_size);
	cr_expect_eq(map.nb_workers, NB_Q);
	/* port_setup spreads the RETA round robin */
	for (unsigned int i = 0; i < map.reta_size; i++)
		cr_expect_eq(map.reta[i], i % NB_Q, "bucket %u", i);
	port_key(port, key);
	cr_expect_arr_eq(map.key, key, RSS_KEY_LEN);
	port_close(port);
}

Test(rss_port, map_follows_a_changed_key_and_reta)
{
	uint16_t port = null_port("net_null1", NB_Q);
	struct rte_eth_dev_info info;
	uint8_t key[RSS_KEY_LEN];
	struct rte_eth_rss_conf rc = {
		.rss_key = key, .rss_key_len = RSS_KEY_LEN,
		.rss_hf = RTE_ETH_RSS_NONFRAG_IPV4_TCP | RTE_ETH_RSS_IPV4,
	};
	uint16_t reta[RSS_RETA_MAX];
	struct rss_map map;

	cr_assert_eq(rte_eth_dev_info_get(port, &info), 0);
	cr_assert_leq(info.reta_size, RSS_RETA_MAX);
	for (unsigned int i = 0; i < RSS_KEY_LEN; i++)
		key[i] = 0x11 * (i % 7) + i;
	cr_assert_eq(rte_eth_dev_rss_hash_update(port, &rc), 0);
	/* everything on queues 3 and 1, none on 0 and 2 */
	for (unsigned int i = 0; i < info.reta_size; i++)
		reta[i] = (i * 5) % 3 == 0 ? 3 : 1;
	set_reta(port, info.reta_size, reta);

	cr_assert_eq(rss_map_from_port(&map, port, NB_Q), 0);
	cr_expect_arr_eq(map.key, key, RSS_KEY_LEN);
	cr_expect_arr_eq(map.reta, reta, info.reta_size * sizeof(reta[0]));
	/* a map built by hand from the same key and RETA hashes alike */
	struct rss_map hand;
	cr_assert_eq(rss_map_init_reta(&hand, key, RSS_KEY_LEN, reta,
				       info.reta_size, NB_Q), 0);
	for (uint16_t p = 1; p < 2000; p++) {
		struct shoal_endpoints ep = {
			.local = shoal_addr_v4(RTE_BE32(0xc6120001)),
			.remote = shoal_addr_v4(RTE_BE32(0xc6120102)),
			.lport = rte_cpu_to_be_16(p), .rport = RTE_BE16(80),
		};

		cr_assert_eq(rss_worker_v4(&map, &ep),
			     rss_worker_v4(&hand, &ep));
		cr_assert(rss_worker_v4(&map, &ep) % 2 == 1);
	}
	/* a RETA naming a queue beyond the workers is refused */
	cr_expect_eq(rss_map_from_port(&map, port, 3), -EINVAL);
	port_close(port);
}

Test(rss_port, single_queue_port_falls_back_to_shoal_key)
{
	uint16_t port = null_port("net_null2", 1);
	struct rss_map map, want;

	cr_assert_eq(rss_map_from_port(&map, port, 4), 0);
	cr_assert_eq(rss_map_init(&want, shoal_rss_key,
				  sizeof(shoal_rss_key), 4), 0);
	cr_expect_arr_eq(map.key, shoal_rss_key, RSS_KEY_LEN);
	cr_expect_eq(map.reta_size, RSS_RETA_DEFAULT);
	cr_expect_arr_eq(map.reta, want.reta, sizeof(want.reta));
	port_close(port);
}

Test(rss_port, ring_port_without_rss_falls_back_to_shoal_key)
{
	struct rte_ring *r = rte_ring_create("ringport", 256, SOCKET_ID_ANY,
					     RING_F_SP_ENQ | RING_F_SC_DEQ);
	struct rss_map map;
	int port;

	cr_assert_not_null(r);
	port = rte_eth_from_ring(r);
	cr_assert_geq(port, 0);
	cr_assert_eq(rss_map_from_port(&map, port, 3), 0);
	cr_expect_arr_eq(map.key, shoal_rss_key, RSS_KEY_LEN);
	cr_expect_eq(map.nb_workers, 3);
	for (unsigned int i = 0; i < map.reta_size; i++)
		cr_expect_eq(map.reta[i], i % 3);
	cr_expect_neq(rss_map_from_port(&map, RTE_MAX_ETHPORTS - 1, 3), 0);
}

Test(rss_port, shoal_key_is_the_symmetric_pattern)
{
	/* the property lib/dev relies on: both directions, one queue */
	struct rss_map map;

	cr_assert_eq(rss_map_init(&map, shoal_rss_key, sizeof(shoal_rss_key),
				  16), 0);
	for (uint32_t i = 1; i < 3000; i++) {
		struct shoal_endpoints ep = {
			.local = shoal_addr_v4(rte_cpu_to_be_32(0xc6120000 + i)),
			.remote = shoal_addr_v4(rte_cpu_to_be_32(0xc6130000 +
								 i * 7)),
			.lport = rte_cpu_to_be_16(i * 13),
			.rport = rte_cpu_to_be_16(65535 - i),
		};
		struct shoal_endpoints rev = {
			.local = ep.remote, .remote = ep.local,
			.lport = ep.rport, .rport = ep.lport,
		};

		cr_assert_eq(rss_hash_v4(&map, &ep), rss_hash_v4(&map, &rev));
	}
}
