/* SPDX-License-Identifier: BSD-3-Clause */

#include <rte_errno.h>
#include <rte_ethdev.h>

#include "capture/capture.h"
#include "dev/impair.h"
#include "rss/steer.h"
#include "stack/stack.h"

static uint16_t
port_send(struct shoal_worker *w, struct shoal_iface *ifc,
	  struct rte_mbuf **pkts, uint16_t n)
{
	uint16_t sent = w->tx_hook != NULL ?
		w->tx_hook(w->tx_ctx, w->id, pkts, n) :
		rte_eth_tx_burst(ifc->port_id, w->queue, pkts, n);

	w->stats.tx_packets += sent;
	return sent;
}

/* Send the backlog, oldest first: whether it is empty now. */
static bool
backlog_send(struct shoal_worker *w, struct shoal_iface *ifc,
	     struct worker_txq *q)
{
	while (q->bl_n > 0) {
		uint16_t run = RTE_MIN(q->bl_n,
				       (uint16_t)(SHOAL_TX_BACKLOG - q->bl_head));
		uint16_t sent = port_send(w, ifc, &q->bl[q->bl_head], run);

		q->bl_head = (uint16_t)((q->bl_head + sent) % SHOAL_TX_BACKLOG);
		q->bl_n -= sent;
		if (sent < run)
			return false;
	}
	q->bl_head = 0;
	return true;
}

static void
backlog_put(struct shoal_worker *w, struct worker_txq *q,
	    struct rte_mbuf **pkts, uint16_t n)
{
	for (uint16_t i = 0; i < n; i++) {
		if (unlikely(q->bl_n == SHOAL_TX_BACKLOG)) {
			worker_drop(w, pkts[i], SHOAL_DROP_TX_FULL);
			continue;
		}
		q->bl[(q->bl_head + q->bl_n) % SHOAL_TX_BACKLOG] = pkts[i];
		q->bl_n++;
	}
}

static void
txq_flush(struct shoal_worker *w, struct shoal_iface *ifc, struct worker_txq *q)
{
	struct impair *imp = w->imp_tx[ifc - w->ifaces];
	uint16_t sent;

	/* An impaired link may hold packets back: poll it even when
	 * nothing new is queued. */
	if (unlikely(imp != NULL))
		q->n = impair_burst(imp, q->pkts, q->n, SHOAL_TX_BURST, w->now_ns);
	if (q->n == 0 && q->bl_n == 0)
		return;
	/* No TX queue of our own on this port: the queue's owner sends
	 * for us (worker_tx_steered). */
	if (unlikely(w->queue >= ifc->nb_queues && w->tx_hook == NULL)) {
		for (uint16_t i = 0; i < q->n; i++)
			q->pkts[i]->port = ifc->port_id;
		sent = steer_send_batch(w->stack->steer_tx, w->id,
					w->id % ifc->nb_queues, q->pkts, q->n);
		w->stats.tx_packets += sent;
		w->stats.drops[SHOAL_DROP_TX_FULL] += q->n - sent;
		q->n = 0;
		return;
	}
	if (unlikely(imp != NULL)) {
		/* What the ring does not take is lost, like the impaired
		 * link's own drops: kept, it would be impaired twice. */
		sent = port_send(w, ifc, q->pkts, q->n);
		for (uint16_t i = sent; i < q->n; i++)
			worker_drop(w, q->pkts[i], SHOAL_DROP_TX_FULL);
		q->n = 0;
		return;
	}
	/* The ring is full: keep the rest in the backlog, in order, rather
	 * than drop what TCP would then have to retransmit. */
	if (q->bl_n > 0 && !backlog_send(w, ifc, q)) {
		backlog_put(w, q, q->pkts, q->n);
		q->n = 0;
		return;
	}
	if (q->n == 0)
		return;
	sent = port_send(w, ifc, q->pkts, q->n);
	if (unlikely(sent < q->n))
		backlog_put(w, q, q->pkts + sent, q->n - sent);
	q->n = 0;
}

void
worker_tx(struct shoal_worker *w, struct shoal_iface *ifc, struct rte_mbuf *m)
{
	struct worker_txq *q = &w->txq[ifc - w->ifaces];

	if (unlikely(w->cap != NULL))
		shoal_capture_packet(w->cap, m);
	if (unlikely(q->n == SHOAL_TX_BURST)) {	/* held back: retry once */
		txq_flush(w, ifc, q);
		if (q->n == SHOAL_TX_BURST) {
			worker_drop(w, m, SHOAL_DROP_TX_FULL);
			return;
		}
	}
	w->stats.tx_bytes += rte_pktmbuf_pkt_len(m);
	q->pkts[q->n++] = m;
	if (q->n == SHOAL_TX_BURST)
		txq_flush(w, ifc, q);
}

void
worker_tx_flush(struct shoal_worker *w)
{
	for (unsigned int i = 0; i < w->nb_ifaces; i++)
		txq_flush(w, &w->ifaces[i], &w->txq[i]);
}

uint16_t
worker_tx_steered(struct shoal_worker *w)
{
	struct rte_mbuf *pkts[SHOAL_TX_BURST];
	uint16_t n = steer_recv(w->stack->steer_tx, w->id, pkts, SHOAL_TX_BURST);

	/* Into this worker's own TX buffer (already captured and counted
	 * by the sender), so a full ring holds them back, not drops them. */
	for (uint16_t i = 0; i < n; i++) {
		struct shoal_iface *ifc = worker_iface(w, pkts[i]->port);
		struct worker_txq *q;

		if (unlikely(ifc == NULL)) {
			worker_drop(w, pkts[i], SHOAL_DROP_NO_ROUTE);
			continue;
		}
		q = &w->txq[ifc - w->ifaces];
		if (q->n == SHOAL_TX_BURST)
			txq_flush(w, ifc, q);
		if (q->n == SHOAL_TX_BURST) {
			worker_drop(w, pkts[i], SHOAL_DROP_TX_FULL);
			continue;
		}
		q->pkts[q->n++] = pkts[i];
	}
	return n;
}

struct rte_mempool *
worker_pool_create(const char *name, unsigned int n, int socket, bool *lifo)
{
	struct rte_mempool *mp;

	mp = rte_pktmbuf_pool_create_by_ops(name, n, WORKER_POOL_CACHE, 0,
					    RTE_MBUF_DEFAULT_BUF_SIZE, socket,
					    "stack");
	*lifo = mp != NULL;
	/* EINVAL: no driver of that name (a build without the plugin) */
	if (mp == NULL && rte_errno == EINVAL)
		mp = rte_pktmbuf_pool_create(name, n, WORKER_POOL_CACHE, 0,
					     RTE_MBUF_DEFAULT_BUF_SIZE, socket);
	return mp;
}
