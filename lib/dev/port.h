/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef SHOAL_DEV_PORT_H
#define SHOAL_DEV_PORT_H

/*
 * Port bring-up for any ethdev port the EAL created (TAP, TUN,
 * virtio-user, vhost-user, ring, pcap, a PCI NIC): one RX and one TX queue
 * per worker, the checksum offloads the port offers, RSS when it has it.
 */

#include <stdint.h>
#include <rte_mempool.h>

#include "stack/worker.h"

struct port_conf {
	uint16_t nb_queues;		/* one RX + one TX queue per worker */
	uint16_t nb_rxd;
	uint16_t nb_txd;
	uint16_t mtu;			/* 0: leave the port's */
	bool no_offload;		/* force the software checksum paths */
	bool tso;			/* use TCP segmentation offload if offered */
	struct rte_mempool **rx_pools;	/* [nb_queues]: queue q fills from pool q */
};

/* The 40-byte Toeplitz key shoal programs into every RSS-capable port (and
 * hashes with in software): the symmetric pattern of Woo and Park, so
 * both directions of a flow land on the same queue even where the NIC has
 * no symmetric mode. */
extern const uint8_t shoal_rss_key[40];

/*
 * Configure and start @p port_id and describe it in @p ifc (l3, MAC,
 * MTU, offloads). Addresses in @p ifc are left to the caller.
 * Returns 0 or a negative errno, logging why.
 */
int port_setup(uint16_t port_id, const struct port_conf *conf,
	       struct shoal_iface *ifc);

/* Whether the vhost-user guest of @p port_id (an iface with tso_guest)
 * negotiated TSO and checksum offload: it may then be sent segments of
 * up to 64 KB. False while no guest is connected. */
bool port_guest_tso(uint16_t port_id);

/* Stop and close the port. */
void port_close(uint16_t port_id);

/* One line on the port: driver, MAC, MTU, queues, offloads, RSS mode. */
void port_dump(FILE *f, const struct shoal_iface *ifc);

#endif /* SHOAL_DEV_PORT_H */
