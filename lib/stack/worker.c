/* SPDX-License-Identifier: BSD-3-Clause */
#include <rte_ethdev.h>

#include "capture/capture.h"
#include "dev/impair.h"
#include "stack/worker.h"

static void
txq_flush(struct shoal_worker *w, struct shoal_iface *ifc, struct worker_txq *q)
{
	struct impair *imp = w->imp_tx[ifc - w->ifaces];
	uint16_t sent;

	/* An impaired link may hold packets back: poll it even when
	 * nothing new is queued. */
	if (unlikely(imp != NULL))
		q->n = impair_burst(imp, q->pkts, q->n, SHOAL_TX_BURST, w->now_ns);
	if (q->n == 0)
		return;
	if (w->tx_hook != NULL)
		sent = w->tx_hook(w->tx_ctx, w->id, q->pkts, q->n);
	else
		sent = rte_eth_tx_burst(ifc->port_id, w->queue, q->pkts, q->n);
	w->stats.tx_packets += sent;
	for (uint16_t i = sent; i < q->n; i++)
		worker_drop(w, q->pkts[i], SHOAL_DROP_TX_FULL);
	q->n = 0;
}

void
worker_tx(struct shoal_worker *w, struct shoal_iface *ifc, struct rte_mbuf *m)
{
	struct worker_txq *q = &w->txq[ifc - w->ifaces];

	if (unlikely(w->cap != NULL))
		shoal_capture_packet(w->cap, m);
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
