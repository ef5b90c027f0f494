/* SPDX-License-Identifier: BSD-3-Clause */
#include <errno.h>

#include <rte_malloc.h>

#include "timer.h"

int
flow_wheel_init(struct flow_wheel *w, unsigned int order, unsigned int shift,
		uint64_t now_ns, int socket, const struct flow_timer_blocks *b,
		flow_timer_fn fn, void *ctx)
{
	uint32_t n, i;

	if (order >= 31 || b->stride == 0 || b->stride % 8 != 0 ||
	    b->off % 8 != 0 || b->off + sizeof(struct flow_timer) > b->stride ||
	    (uint64_t)b->n * b->stride / 8 > FLOW_TM_SLOT)
		return -EINVAL;
	n = 1u << order;
	w->slots = rte_malloc_socket("flow_wheel", n * sizeof(w->slots[0]),
				     0, socket);
	if (w->slots == NULL)
		return -ENOMEM;
	for (i = 0; i < n; i++)
		w->slots[i] = FLOW_TM_NONE;
	w->mask = n - 1;
	w->shift = shift;
	w->cur_tick = now_ns >> shift;
	w->now_ns = now_ns;
	w->armed = 0;
	w->due = FLOW_TM_NONE;
	w->walk = FLOW_TM_NONE;
	w->visited = 0;
	w->base = (uint8_t *)b->base + b->off;
	w->fn = fn;
	w->ctx = ctx;
	return 0;
}

void
flow_wheel_free(struct flow_wheel *w)
{
	rte_free(w->slots);
	w->slots = NULL;
}

/* Merge the sorted lists @p a and @p b (linked by next) into one, @p a's
 * timers before @p b's of the same expiry; prev links follow, the head's
 * prev is FLOW_TM_DUE. */
static uint32_t
wheel_merge(struct flow_wheel *w, uint32_t a, uint32_t b)
{
	uint32_t head = FLOW_TM_NONE, *tail = &head, last = FLOW_TM_DUE, x;
	struct flow_timer *ta, *tb, *tx;

	while (a != FLOW_TM_NONE && b != FLOW_TM_NONE) {
		ta = flow_wheel_timer(w, a);
		tb = flow_wheel_timer(w, b);
		if (ta->expire_ns <= tb->expire_ns) {
			x = a;
			tx = ta;
			a = ta->next;
		} else {
			x = b;
			tx = tb;
			b = tb->next;
		}
		*tail = x;
		tx->prev = last;
		last = x;
		tail = &tx->next;
	}
	x = a != FLOW_TM_NONE ? a : b;
	*tail = x;
	if (x != FLOW_TM_NONE)
		flow_wheel_timer(w, x)->prev = last;
	return head;
}

/* Sort @p list (linked by next) by expiry, stably: bottom-up merge sort,
 * part[k] holding a sorted run of 2^k timers (as Linux's list_sort). */
static uint32_t
wheel_sort(struct flow_wheel *w, uint32_t list)
{
	uint32_t part[32], x, res = FLOW_TM_NONE;
	unsigned int k, top = 0;

	while (list != FLOW_TM_NONE) {
		x = list;
		list = flow_wheel_timer(w, x)->next;
		flow_wheel_timer(w, x)->next = FLOW_TM_NONE;
		for (k = 0; k < top && part[k] != FLOW_TM_NONE; k++) {
			x = wheel_merge(w, part[k], x);
			part[k] = FLOW_TM_NONE;
		}
		if (k == top)
			top++;
		part[k] = x;
	}
	for (k = 0; k < top; k++)
		if (part[k] != FLOW_TM_NONE)
			res = wheel_merge(w, part[k], res);
	return res;
}

void
flow_wheel_due_insert(struct flow_wheel *w, struct flow_timer *tm)
{
	uint32_t prev = FLOW_TM_DUE, *link = &w->due, j, i = flow_wheel_ref(w, tm);

	while ((j = *link) != FLOW_TM_NONE &&
	       flow_wheel_timer(w, j)->expire_ns <= tm->expire_ns) {
		prev = j;
		link = &flow_wheel_timer(w, j)->next;
	}
	tm->next = j;
	tm->prev = prev;
	if (j != FLOW_TM_NONE)
		flow_wheel_timer(w, j)->prev = i;
	*link = i;
	w->armed++;
}

/* A list being built by appending: head and last timer. */
struct wheel_list {
	uint32_t head, last;
};

/* Take the timers of ticks up to w->cur_tick out of @p slot: those due
 * at w->now_ns onto the end of @p ready, in slot order (doubly linked,
 * its head's prev left for the caller), the rest of them onto @p batch
 * (linked by next only); those of later turns stay. */
static void
wheel_take_slot(struct flow_wheel *w, uint32_t slot, struct wheel_list *ready,
		uint32_t *batch)
{
	uint32_t i = w->slots[slot], keep = FLOW_TM_NONE, j;
	struct flow_timer *tm;

	while (i != FLOW_TM_NONE) {
		tm = flow_wheel_timer(w, i);
		w->visited++;
		j = tm->next;
		if (tm->expire_ns <= w->now_ns) {
			tm->next = FLOW_TM_NONE;
			tm->prev = ready->last;
			if (ready->last != FLOW_TM_NONE)
				flow_wheel_timer(w, ready->last)->next = i;
			else
				ready->head = i;
			ready->last = i;
		} else if ((tm->expire_ns >> w->shift) <= w->cur_tick) {
			tm->next = *batch;
			*batch = i;
		} else {
			tm->next = keep;
			if (keep != FLOW_TM_NONE)
				flow_wheel_timer(w, keep)->prev = i;
			keep = i;
			tm->prev = FLOW_TM_SLOT | slot;
		}
		i = j;
	}
	if (keep != FLOW_TM_NONE)
		flow_wheel_timer(w, keep)->prev = FLOW_TM_SLOT | slot;
	w->slots[slot] = keep;
}

/* Fire the timers of list @p head (doubly linked, all due). The list
 * becomes w->walk first, so callbacks may arm timers (due at once too:
 * they wait in the due list) and cancel any timer, one still waiting in
 * w->walk included: every timer's prev link stays true, and each is taken
 * off w->walk before it fires. */
static unsigned int
wheel_fire_list(struct flow_wheel *w, uint32_t head)
{
	struct flow_timer *tm;
	unsigned int fired = 0;
	uint32_t i;

	if (head == FLOW_TM_NONE)
		return 0;
	w->walk = head;
	flow_wheel_timer(w, head)->prev = FLOW_TM_WALK;
	while ((i = w->walk) != FLOW_TM_NONE) {
		tm = flow_wheel_timer(w, i);
		w->visited++;
		w->walk = tm->next;
		if (tm->next != FLOW_TM_NONE)
			flow_wheel_timer(w, tm->next)->prev = FLOW_TM_WALK;
		tm->next = FLOW_TM_NONE;
		tm->prev = FLOW_TM_NONE;
		w->armed--;
		fired++;
		w->fn(w, tm, w->ctx);
	}
	return fired;
}

/* Fire the due list's prefix of timers due at @p now_ns. */
static unsigned int
wheel_fire_due(struct flow_wheel *w, uint64_t now_ns)
{
	uint32_t i = w->due, last = FLOW_TM_NONE, head = w->due;
	struct flow_timer *tm;

	while (i != FLOW_TM_NONE) {
		tm = flow_wheel_timer(w, i);
		if (tm->expire_ns > now_ns)
			break;
		last = i;
		i = tm->next;
	}
	if (last == FLOW_TM_NONE)
		return 0;
	flow_wheel_timer(w, last)->next = FLOW_TM_NONE;
	w->due = i;
	if (i != FLOW_TM_NONE)
		flow_wheel_timer(w, i)->prev = FLOW_TM_DUE;
	return wheel_fire_list(w, head);
}

unsigned int
flow_wheel_advance(struct flow_wheel *w, uint64_t now_ns)
{
	uint64_t now_tick = now_ns >> w->shift, tick, from;
	struct wheel_list ready = { FLOW_TM_NONE, FLOW_TM_NONE };
	uint32_t batch = FLOW_TM_NONE;
	unsigned int fired;

	if (now_ns < w->now_ns)
		return 0;
	w->now_ns = now_ns;
	if (now_tick != w->cur_tick) {
		/* Enter the ticks up to now_tick: every slot once when more
		 * than a turn passed, else the slots of the ticks between.
		 * What is due already fires as taken, unsorted: after a long
		 * stall that may be every timer there is. */
		from = w->cur_tick + 1;
		w->cur_tick = now_tick;
		if (now_tick - from >= w->mask) {
			for (uint32_t i = 0; i <= w->mask; i++)
				wheel_take_slot(w, i, &ready, &batch);
		} else {
			for (tick = from; tick <= now_tick; tick++)
				wheel_take_slot(w, (uint32_t)(tick & w->mask),
						&ready, &batch);
		}
		if (batch != FLOW_TM_NONE) {
			w->due = wheel_merge(w, w->due,
					     wheel_sort(w, batch));
			flow_wheel_timer(w, w->due)->prev = FLOW_TM_DUE;
		}
	}
	fired = wheel_fire_list(w, ready.head);
	return fired + wheel_fire_due(w, now_ns);
}

unsigned int
flow_wheel_scan(const struct flow_wheel *w, unsigned int max,
		flow_timer_scan_fn fn, void *ctx)
{
	unsigned int n = 0;
	uint32_t i = w->due;

	for (uint64_t k = 0; k <= w->mask; k++) {
		if (k > 0)
			i = w->slots[(w->cur_tick + k) & w->mask];
		while (i != FLOW_TM_NONE) {
			struct flow_timer *tm = flow_wheel_timer(w, i);

			if (n == max)
				return n;
			n++;
			if (!fn(tm, ctx))
				return n;
			i = tm->next;
		}
	}
	return n;
}
