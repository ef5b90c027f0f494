/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef SHOAL_FLOW_TIMER_H
#define SHOAL_FLOW_TIMER_H

/**
 * @file
 * A hashed timer wheel (Varghese & Lauck, scheme 6), one per engine. Timers
 * are embedded in their owner (no allocation), arm and cancel are O(1)
 * (doubly linked slot lists), and advancing walks only the slots whose tick
 * passed. A timer fires when the time given to flow_wheel_advance() reaches
 * its expiry exactly: the wheel's tick only picks the slot, so virtual-clock
 * tests see nanosecond-exact timing. Timers further out than one turn of
 * the wheel stay in their slot and are skipped until their turn comes.
 */

#include <stdbool.h>
#include <stdint.h>

/** 24 bytes: an owner that needs several deadlines keeps one timer at the
 *  earliest of them (lib/tcp does), not one timer per deadline. */
struct flow_timer {
	struct flow_timer *next;
	struct flow_timer **pprev;	/**< NULL: not armed */
	uint64_t expire_ns;
};

struct flow_wheel;

/** Called for each expired timer; the timer is already disarmed. */
typedef void (*flow_timer_fn)(struct flow_wheel *w, struct flow_timer *tm,
			      void *ctx);

struct flow_wheel {
	struct flow_timer **slots;
	uint32_t mask;			/**< slots - 1 */
	uint8_t shift;			/**< tick = 1 << shift ns */
	uint64_t cur_tick;		/**< every tick before it was walked */
	uint64_t now_ns;
	uint32_t armed;
	struct flow_timer *walk;	/**< the slot being walked */
	flow_timer_fn fn;
	void *ctx;
};

/** Set up @p w with 2^order slots of 2^shift ns each, starting at @p now_ns.
 *  Returns 0 or -ENOMEM. */
int flow_wheel_init(struct flow_wheel *w, unsigned int order,
		    unsigned int shift, uint64_t now_ns, int socket,
		    flow_timer_fn fn, void *ctx);
void flow_wheel_free(struct flow_wheel *w);

static inline void
flow_timer_init(struct flow_timer *tm)
{
	tm->next = NULL;
	tm->pprev = NULL;
	tm->expire_ns = 0;
}

static inline bool
flow_timer_armed(const struct flow_timer *tm)
{
	return tm->pprev != NULL;
}

static inline void
flow_timer_cancel(struct flow_wheel *w, struct flow_timer *tm)
{
	if (tm->pprev == NULL)
		return;
	*tm->pprev = tm->next;
	if (tm->next != NULL)
		tm->next->pprev = tm->pprev;
	tm->next = NULL;
	tm->pprev = NULL;
	w->armed--;
}

static inline void
flow_timer_link(struct flow_wheel *w, struct flow_timer *tm)
{
	uint64_t tick = tm->expire_ns >> w->shift;
	struct flow_timer **head;

	/* A slot already walked this turn would only be seen a turn later. */
	if (tick < w->cur_tick)
		tick = w->cur_tick;
	head = &w->slots[tick & w->mask];
	tm->next = *head;
	if (tm->next != NULL)
		tm->next->pprev = &tm->next;
	*head = tm;
	tm->pprev = head;
	w->armed++;
}

/** (Re)arm @p tm to fire at @p expire_ns. */
static inline void
flow_timer_arm(struct flow_wheel *w, struct flow_timer *tm, uint64_t expire_ns)
{
	flow_timer_cancel(w, tm);
	tm->expire_ns = expire_ns;
	flow_timer_link(w, tm);
}

/** Fire every timer with expire_ns <= @p now_ns. Returns how many fired. */
unsigned int flow_wheel_advance(struct flow_wheel *w, uint64_t now_ns);

#endif /* SHOAL_FLOW_TIMER_H */
