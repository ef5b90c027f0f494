/* SPDX-License-Identifier: BSD-3-Clause */
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <unistd.h>

#include <rte_errno.h>
#include <rte_hash.h>
#include <rte_hash_crc.h>
#include <rte_malloc.h>

#include "net/neigh.h"
#include "net/net_priv.h"
#include "wire/ether.h"

#define NEIGH_HINTS 64

struct neigh_table {
	struct rte_hash *h;		/* ip -> slot */
	struct neigh_entry *e;		/* [slots], indexed by hash position */
	uint32_t slots;
	uint32_t capacity;
	uint32_t count;
	uint64_t reachable_ns;
	uint64_t next_check_ns;		/* net_tick gate */
	uint64_t next_due_ns;		/* earliest deadline of any entry */
	/* Every packet sent looks its next hop up: a direct-mapped cache
	 * of slot + 1 by address answers before rte_hash does. A hint is
	 * checked against the entry, so a stale one only costs the lookup. */
	uint32_t hint[NEIGH_HINTS];
};

/* rte_hash wants at least one bucket's worth of entries. */
#define NEIGH_MIN_SLOTS 8

struct neigh_table *
neigh_table_create(uint32_t capacity, uint64_t reachable_ns, int socket)
{
	static uint32_t seq;
	char name[RTE_HASH_NAMESIZE];
	struct rte_hash_parameters hp = {
		.name = name,
		.key_len = sizeof(rte_be32_t),
		.hash_func = rte_hash_crc,
		.socket_id = socket,
		/* Extendable buckets: capacity entries always fit, whatever
		 * the addresses hash to. */
		.extra_flag = RTE_HASH_EXTRA_FLAGS_EXT_TABLE,
	};
	struct neigh_table *t;

	if (capacity == 0 || reachable_ns == 0) {
		rte_errno = EINVAL;
		return NULL;
	}
	t = rte_zmalloc_socket("neigh_table", sizeof(*t), 0, socket);
	if (t == NULL) {
		rte_errno = ENOMEM;
		return NULL;
	}
	t->capacity = capacity;
	t->slots = RTE_MAX(capacity, (uint32_t)NEIGH_MIN_SLOTS);
	t->reachable_ns = reachable_ns;
	t->next_due_ns = UINT64_MAX;
	snprintf(name, sizeof(name), "neigh_%u_%d",
		 __atomic_fetch_add(&seq, 1, __ATOMIC_RELAXED), (int)getpid());
	hp.entries = t->slots;
	t->h = rte_hash_create(&hp);
	t->e = rte_zmalloc_socket("neigh_entries", sizeof(*t->e) * t->slots,
				  RTE_CACHE_LINE_SIZE, socket);
	if (t->h == NULL || t->e == NULL) {
		neigh_table_free(t);
		rte_errno = ENOMEM;
		return NULL;
	}
	return t;
}

static void
entry_flush_queue(struct neigh_entry *e)
{
	for (uint8_t i = 0; i < e->nq; i++)
		rte_pktmbuf_free(e->q[i]);
	e->nq = 0;
}

void
neigh_table_free(struct neigh_table *t)
{
	if (t == NULL)
		return;
	if (t->e != NULL)
		for (uint32_t i = 0; i < t->slots; i++)
			if (t->e[i].in_use)
				entry_flush_queue(&t->e[i]);
	rte_hash_free(t->h);
	rte_free(t->e);
	rte_free(t);
}

static inline uint32_t *
entry_hint(const struct neigh_table *t, rte_be32_t ip)
{
	return (uint32_t *)&t->hint[(ip * 2654435761u) >> 26];
}

static struct neigh_entry *
entry_find(const struct neigh_table *t, rte_be32_t ip)
{
	uint32_t *hint = entry_hint(t, ip);
	int32_t pos;

	if (*hint != 0) {
		struct neigh_entry *e = &t->e[*hint - 1];

		if (e->in_use && e->ip == ip)
			return e;
	}
	pos = rte_hash_lookup(t->h, &ip);
	if (pos < 0 || (uint32_t)pos >= t->slots)
		return NULL;
	*hint = (uint32_t)pos + 1;
	return &t->e[pos];
}

const struct neigh_entry *
neigh_lookup(const struct neigh_table *t, rte_be32_t ip)
{
	return entry_find(t, ip);
}

uint32_t
neigh_count(const struct neigh_table *t)
{
	return t->count;
}

static const char *const state_names[] = {
	[NEIGH_INCOMPLETE] = "incomplete",
	[NEIGH_REACHABLE] = "reachable",
	[NEIGH_STALE] = "stale",
};

void
neigh_dump(FILE *f, const struct neigh_table *t)
{
	fprintf(f, "neighbours: %u of %u\n", t->count, t->capacity);
	for (uint32_t i = 0; i < t->slots; i++) {
		const struct neigh_entry *e = &t->e[i];
		char ip[16], mac[RTE_ETHER_ADDR_FMT_SIZE];
		uint32_t h;

		if (!e->in_use)
			continue;
		h = rte_be_to_cpu_32(e->ip);
		snprintf(ip, sizeof(ip), "%u.%u.%u.%u", h >> 24,
			 (h >> 16) & 0xff, (h >> 8) & 0xff, h & 0xff);
		if (e->state == NEIGH_INCOMPLETE)
			snprintf(mac, sizeof(mac), "-");
		else
			rte_ether_format_addr(mac, sizeof(mac), &e->mac);
		fprintf(f, "  %-15s %-17s %-10s iface %u queued %u\n", ip, mac,
			state_names[e->state], e->ifc, e->nq);
	}
}

static void
table_due(struct neigh_table *t, uint64_t deadline)
{
	if (deadline < t->next_due_ns)
		t->next_due_ns = deadline;
}

static struct neigh_entry *
entry_add(struct neigh_table *t, rte_be32_t ip)
{
	struct neigh_entry *e;
	int32_t pos;

	if (t->count >= t->capacity)
		return NULL;
	pos = rte_hash_add_key(t->h, &ip);
	if (pos < 0 || (uint32_t)pos >= t->slots) {
		if (pos >= 0)
			rte_hash_del_key(t->h, &ip);
		return NULL;
	}
	e = &t->e[pos];
	memset(e, 0, sizeof(*e));
	e->ip = ip;
	e->in_use = 1;
	t->count++;
	return e;
}

static void
entry_del(struct neigh_table *t, struct neigh_entry *e)
{
	rte_hash_del_key(t->h, &e->ip);
	e->in_use = 0;
	t->count--;
}

/* Put the Ethernet header on IPv4 packet @p m and queue it on @p ifc. */
static int
neigh_send(struct shoal_worker *w, struct shoal_iface *ifc,
	   const struct neigh_entry *e, struct rte_mbuf *m)
{
	if (unlikely(eth_hdr_push(m, &e->mac, &ifc->mac,
				  RTE_ETHER_TYPE_IPV4) == NULL)) {
		worker_drop(w, m, SHOAL_DROP_NO_HEADROOM);
		return -ENOBUFS;
	}
	m->l2_len = sizeof(struct rte_ether_hdr);
	worker_tx(w, ifc, m);
	return 0;
}

static void
entry_confirm(struct shoal_worker *w, struct neigh_entry *e,
	      const struct rte_ether_addr *mac)
{
	struct neigh_table *t = w->neigh;

	if (e->state != NEIGH_REACHABLE || !rte_is_same_ether_addr(mac, &e->mac))
		w->path_gen++;
	rte_ether_addr_copy(mac, &e->mac);
	e->state = NEIGH_REACHABLE;
	e->retries = 0;
	e->deadline_ns = w->now_ns + t->reachable_ns;
	table_due(t, e->deadline_ns);
}

bool
neigh_update(struct shoal_worker *w, struct shoal_iface *ifc, rte_be32_t ip,
	     const struct rte_ether_addr *mac, bool create)
{
	struct neigh_table *t = w->neigh;
	struct neigh_entry *e = entry_find(t, ip);

	if (e == NULL) {
		if (!create || (e = entry_add(t, ip)) == NULL)
			return false;
		w->stats.neigh_added++;
	}
	e->ifc = (uint8_t)(ifc - w->ifaces);
	entry_confirm(w, e, mac);
	/* Resolved: what waited goes out in the order it came. */
	for (uint8_t i = 0; i < e->nq; i++)
		neigh_send(w, ifc, e, e->q[i]);
	e->nq = 0;
	return true;
}

int
neigh_output(struct shoal_worker *w, struct shoal_iface *ifc,
	     rte_be32_t nexthop, struct rte_mbuf *m)
{
	struct neigh_table *t = w->neigh;
	struct neigh_entry *e = entry_find(t, nexthop);

	if (likely(e != NULL && e->state == NEIGH_REACHABLE))
		return neigh_send(w, ifc, e, m);
	if (e != NULL && e->state == NEIGH_STALE) {
		/* Keep using the old MAC, but ask whether it still holds. */
		if (w->now_ns >= e->probe_ns) {
			e->probe_ns = w->now_ns + NEIGH_RETRY_NS;
			arp_request(w, ifc, nexthop);
		}
		return neigh_send(w, ifc, e, m);
	}
	if (e == NULL) {
		e = entry_add(t, nexthop);
		if (e == NULL) {
			worker_drop(w, m, SHOAL_DROP_NEIGH_TABLE_FULL);
			return -ENOSPC;
		}
		w->stats.neigh_added++;
		e->state = NEIGH_INCOMPLETE;
		e->ifc = (uint8_t)(ifc - w->ifaces);
		e->deadline_ns = w->now_ns + NEIGH_RETRY_NS;
		table_due(t, e->deadline_ns);
		arp_request(w, ifc, nexthop);
	}
	if (e->nq == NEIGH_QUEUE_LEN) {
		worker_drop(w, m, SHOAL_DROP_NEIGH_QUEUE_FULL);
		return -ENOBUFS;
	}
	e->q[e->nq++] = m;
	w->stats.neigh_queued++;
	return 0;
}

const struct rte_ether_addr *
neigh_reachable(const struct neigh_table *t, rte_be32_t ip)
{
	const struct neigh_entry *e = entry_find(t, ip);

	return e != NULL && e->state == NEIGH_REACHABLE ? &e->mac : NULL;
}

/* Advance one entry whose deadline passed. */
static void
entry_expire(struct shoal_worker *w, struct neigh_entry *e)
{
	struct neigh_table *t = w->neigh;

	/* A path that used it must go through neigh_output again: STALE
	 * sends ARP probes from there. */
	w->path_gen++;
	switch (e->state) {
	case NEIGH_INCOMPLETE:
		if (e->retries < NEIGH_MAX_RETRIES) {
			e->retries++;
			e->deadline_ns = w->now_ns + NEIGH_RETRY_NS;
			arp_request(w, &w->ifaces[e->ifc], e->ip);
			return;
		}
		for (uint8_t i = 0; i < e->nq; i++)
			worker_drop(w, e->q[i], SHOAL_DROP_NEIGH_UNRESOLVED);
		e->nq = 0;
		entry_del(t, e);
		return;
	case NEIGH_REACHABLE:
		e->state = NEIGH_STALE;
		e->probe_ns = 0;
		e->deadline_ns = w->now_ns + t->reachable_ns;
		return;
	default:
		w->stats.neigh_expired++;
		entry_del(t, e);
		return;
	}
}

static __rte_noinline void
neigh_timer_run(struct shoal_worker *w)
{
	struct neigh_table *t = w->neigh;
	uint64_t now = w->now_ns, next = UINT64_MAX;

	t->next_check_ns = now + NEIGH_TICK_NS;
	if (likely(now < t->next_due_ns))
		return;
	for (uint32_t i = 0; i < t->slots; i++) {
		struct neigh_entry *e = &t->e[i];

		if (!e->in_use)
			continue;
		if (e->deadline_ns <= now)
			entry_expire(w, e);
		if (e->in_use && e->deadline_ns < next)
			next = e->deadline_ns;
	}
	t->next_due_ns = next;
}

/* Called on every poll: the gate alone, so that the usual answer costs no
 * register saves (the walk above needs many). */
void
neigh_timer(struct shoal_worker *w)
{
	if (unlikely(w->now_ns >= w->neigh->next_check_ns))
		neigh_timer_run(w);
}
