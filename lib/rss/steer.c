/* SPDX-License-Identifier: BSD-3-Clause */
#include <errno.h>
#include <stdio.h>

#include <rte_errno.h>
#include <rte_malloc.h>
#include <rte_ring.h>

#include "rss/steer.h"

/* What one worker writes: only that worker's lcore touches it. */
struct steer_worker {
	struct steer_counters cnt;
	unsigned int next_sender;	/* where steer_recv() starts next */
} __rte_cache_aligned;

struct steer {
	unsigned int nb_workers;
	struct steer_worker *workers;		/* [nb_workers] */
	struct rte_ring **rings;		/* [from * nb_workers + to] */
};

static inline struct rte_ring *
steer_ring(const struct steer *s, unsigned int from, unsigned int to)
{
	return s->rings[from * s->nb_workers + to];
}

void
steer_free(struct steer *s)
{
	struct rte_mbuf *m;

	if (s == NULL)
		return;
	if (s->rings != NULL) {
		for (unsigned int i = 0; i < s->nb_workers * s->nb_workers;
		     i++) {
			if (s->rings[i] == NULL)
				continue;
			while (rte_ring_sc_dequeue(s->rings[i],
						   (void **)&m) == 0)
				rte_pktmbuf_free(m);
			rte_ring_free(s->rings[i]);
		}
	}
	rte_free(s->rings);
	rte_free(s->workers);
	rte_free(s);
}

struct steer *
steer_create(unsigned int nb_workers, unsigned int ring_size, int socket,
	     const char *name_prefix)
{
	struct steer *s;

	if (nb_workers < 2) {
		rte_errno = 0;
		return NULL;
	}
	if (ring_size == 0 || ring_size > RTE_RING_SZ_MASK ||
	    name_prefix == NULL) {
		rte_errno = EINVAL;
		return NULL;
	}
	s = rte_zmalloc_socket("steer", sizeof(*s), 0, socket);
	if (s == NULL)
		goto nomem;
	s->nb_workers = nb_workers;
	s->workers = rte_zmalloc_socket("steer_workers",
			nb_workers * sizeof(*s->workers), RTE_CACHE_LINE_SIZE,
			socket);
	s->rings = rte_zmalloc_socket("steer_rings",
			nb_workers * nb_workers * sizeof(*s->rings), 0, socket);
	if (s->workers == NULL || s->rings == NULL)
		goto nomem;
	for (unsigned int from = 0; from < nb_workers; from++) {
		for (unsigned int to = 0; to < nb_workers; to++) {
			char name[RTE_RING_NAMESIZE];
			int len;

			if (from == to)
				continue;
			len = snprintf(name, sizeof(name), "%s_%u_%u",
				       name_prefix, from, to);
			if (len < 0 || (size_t)len >= sizeof(name)) {
				steer_free(s);
				rte_errno = ENAMETOOLONG;
				return NULL;
			}
			/* EXACT_SZ: ring_size packets fit, not one fewer. */
			s->rings[from * nb_workers + to] = rte_ring_create(name,
				ring_size, socket, RING_F_SP_ENQ |
				RING_F_SC_DEQ | RING_F_EXACT_SZ);
			if (s->rings[from * nb_workers + to] == NULL) {
				int err = rte_errno;

				steer_free(s);
				rte_errno = err;
				return NULL;
			}
		}
	}
	return s;
nomem:
	steer_free(s);
	rte_errno = ENOMEM;
	return NULL;
}

unsigned int
steer_send_batch(struct steer *s, unsigned int from, unsigned int to,
		 struct rte_mbuf **pkts, unsigned int n)
{
	struct steer_worker *w;
	unsigned int sent;

	if (n == 0)
		return 0;
	if (unlikely(s == NULL || from >= s->nb_workers ||
		     to >= s->nb_workers || from == to)) {
		/* No ring to put them in: still consume them, as promised. */
		rte_pktmbuf_free_bulk(pkts, n);
		if (s != NULL && from < s->nb_workers)
			s->workers[from].cnt.redirect_drops += n;
		return 0;
	}
	w = &s->workers[from];
	sent = rte_ring_sp_enqueue_burst(steer_ring(s, from, to),
					 (void **)pkts, n, NULL);
	if (sent < n) {
		rte_pktmbuf_free_bulk(pkts + sent, n - sent);
		w->cnt.redirect_drops += n - sent;
	}
	w->cnt.redirected += sent;
	return sent;
}

/* Take up to @p quota from each sender once, starting at @p first. */
static unsigned int
steer_recv_pass(struct steer *s, unsigned int me, unsigned int first,
		struct rte_mbuf **pkts, unsigned int max, unsigned int quota)
{
	unsigned int got = 0;

	for (unsigned int i = 0; i < s->nb_workers && got < max; i++) {
		unsigned int from = (first + i) % s->nb_workers;

		if (from == me)
			continue;
		got += rte_ring_sc_dequeue_burst(steer_ring(s, from, me),
				(void **)pkts + got,
				RTE_MIN(quota, max - got), NULL);
	}
	return got;
}

unsigned int
steer_recv(struct steer *s, unsigned int me, struct rte_mbuf **pkts,
	   unsigned int max)
{
	struct steer_worker *w;
	unsigned int first, got, share;

	if (s == NULL || me >= s->nb_workers || max == 0)
		return 0;
	w = &s->workers[me];
	first = w->next_sender;
	w->next_sender = (first + 1) % s->nb_workers;
	/* A fair share each first, then whatever room is left. */
	share = RTE_MAX(max / (s->nb_workers - 1), 1u);
	got = steer_recv_pass(s, me, first, pkts, max, share);
	if (got < max)
		got += steer_recv_pass(s, me, first, pkts + got, max - got,
				       max - got);
	w->cnt.received += got;
	return got;
}

void
steer_counters(const struct steer *s, unsigned int worker,
	       struct steer_counters *out)
{
	if (s == NULL || worker >= s->nb_workers) {
		*out = (struct steer_counters){ 0 };
		return;
	}
	*out = s->workers[worker].cnt;
}

unsigned int
steer_nb_workers(const struct steer *s)
{
	return s == NULL ? 0 : s->nb_workers;
}

void
steer_dump(FILE *f, const struct steer *s)
{
	if (s == NULL) {
		fprintf(f, "steer: off\n");
		return;
	}
	for (unsigned int me = 0; me < s->nb_workers; me++) {
		const struct steer_counters *c = &s->workers[me].cnt;
		unsigned int waiting = 0;

		for (unsigned int from = 0; from < s->nb_workers; from++)
			if (from != me)
				waiting += rte_ring_count(
					steer_ring(s, from, me));
		fprintf(f, "steer worker %u: redirected %" PRIu64
			", redirect_drops %" PRIu64 ", received %" PRIu64
			", waiting %u\n", me, c->redirected,
			c->redirect_drops, c->received, waiting);
	}
}
