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
	w->walk = FLOW_TM_NONE;
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

/* Walk one slot: fire what is due, put the rest back. The slot's list
 * moves to w->walk first, so callbacks may arm timers (into this slot too)
 * and cancel any timer, one still waiting in w->walk included: every
 * timer's prev link stays true, and each is taken off w->walk before it is
 * looked at. (Walking a detached list by saved next links fired, or put
 * back, timers a callback had just cancelled.) */
static unsigned int
wheel_walk_slot(struct flow_wheel *w, uint32_t slot, uint64_t now_ns)
{
	struct flow_timer *tm;
	unsigned int fired = 0;
	uint32_t i = w->slots[slot];

	if (i == FLOW_TM_NONE)
		return 0;
	w->slots[slot] = FLOW_TM_NONE;
	w->walk = i;
	flow_wheel_timer(w, i)->prev = FLOW_TM_WALK;
	while ((i = w->walk) != FLOW_TM_NONE) {
		tm = flow_wheel_timer(w, i);
		w->walk = tm->next;
		if (tm->next != FLOW_TM_NONE)
			flow_wheel_timer(w, tm->next)->prev = FLOW_TM_WALK;
		tm->next = FLOW_TM_NONE;
		tm->prev = FLOW_TM_NONE;
		w->armed--;
		if (tm->expire_ns <= now_ns) {
			fired++;
			w->fn(w, tm, w->ctx);
		} else {
			flow_timer_link(w, tm);
		}
	}
	return fired;
}

unsigned int
flow_wheel_advance(struct flow_wheel *w, uint64_t now_ns)
{
	uint64_t now_tick = now_ns >> w->shift, tick;
	unsigned int fired = 0;
	uint32_t i;

	if (now_ns < w->now_ns)
		return 0;
	w->now_ns = now_ns;
	if (now_tick - w->cur_tick > w->mask) {
		/* More than a turn passed: every slot is due once. */
		w->cur_tick = now_tick;
		for (i = 0; i <= w->mask; i++)
			fired += wheel_walk_slot(w, i, now_ns);
		return fired;
	}
	for (tick = w->cur_tick; tick <= now_tick; tick++) {
		/* Timers armed by callbacks for earlier ticks land in the
		 * slot being walked or a later one, never a walked one. */
		w->cur_tick = tick;
		fired += wheel_walk_slot(w, tick & w->mask, now_ns);
	}
	return fired;
}
