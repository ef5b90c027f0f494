/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef SHOAL_FLOW_TIMER_H
#define SHOAL_FLOW_TIMER_H

/**
 * @file
 * A hashed timer wheel (Varghese & Lauck, scheme 6), one per engine. Timers
 * are embedded in their owners, blocks of one array (the engine's control
 * block slab), and linked by 32-bit references (the block's offset in
 * 8-byte units, as struct flow_slab's), so a timer costs 16 bytes; arm
 * and cancel are O(1) (doubly linked lists), except arming into a tick
 * the wheel has entered already, a sorted insert into the due list.
 *
 * A slot holds the timers of ticks still to come. When the wheel enters a
 * tick, it takes that tick's timers out of their slot, fires those due
 * already, and sorts the others by expiry into the due list, which
 * therefore holds every timer of the ticks entered, earliest first; an
 * advance fires its prefix that is due and looks at nothing else. (The
 * wheel used to walk the whole slot of the current tick on every advance,
 * putting back what was not due yet: a server at 390k connections/s,
 * whose TIME-WAIT timers put ~400 in each 1 ms slot, looked at 33 timers
 * per connection that way.)
 *
 * A timer fires when the time given to flow_wheel_advance() reaches its
 * expiry exactly: the tick only picks the slot, so virtual-clock tests
 * see nanosecond-exact timing. Timers armed for a tick the wheel has
 * entered fire in order of expiry; an advance over several ticks fires
 * what fell due in them first, slot by slot, without sorting (after a
 * long stall that may be every timer). Timers further out than one turn
 * of the wheel stay in their slot and are skipped until their turn comes.
 */

#include <stdbool.h>
#include <stdint.h>

/** What a timer's links hold besides a reference. */
#define FLOW_TM_NONE	UINT32_MAX	/**< next: end; prev: not armed */
#define FLOW_TM_WALK	(UINT32_MAX - 1)	/**< first on the walk list */
#define FLOW_TM_DUE	(UINT32_MAX - 2)	/**< first on the due list */
#define FLOW_TM_SLOT	(1u << 31)	/**< | slot: first in that slot */

/** 16 bytes: an owner that needs several deadlines keeps one timer at the
 *  earliest of them (lib/tcp does), not one timer per deadline. */
struct flow_timer {
	uint32_t next;		/**< reference, FLOW_TM_NONE */
	uint32_t prev;		/**< reference, FLOW_TM_SLOT | slot,
				 *   FLOW_TM_WALK, FLOW_TM_DUE, or
				 *   FLOW_TM_NONE: not armed */
	uint64_t expire_ns;
};

struct flow_wheel;

/** Called for each expired timer; the timer is already disarmed. */
typedef void (*flow_timer_fn)(struct flow_wheel *w, struct flow_timer *tm,
			      void *ctx);

/** Where the timers are: one at @c off in each of @c n blocks of
 *  @c stride bytes from @c base (both multiples of 8, and n * stride
 *  below 16 GiB). */
struct flow_timer_blocks {
	void *base;
	uint32_t stride;
	uint32_t off;
	uint32_t n;
};

struct flow_wheel {
	uint32_t *slots;		/**< first timer of each, FLOW_TM_NONE */
	uint32_t mask;			/**< slots - 1 */
	uint8_t shift;			/**< tick = 1 << shift ns */
	uint64_t cur_tick;		/**< the tick entered last: slots
					 *   hold only later ones */
	uint64_t now_ns;
	uint32_t armed;
	uint32_t due;			/**< timers of the ticks entered,
					 *   earliest expiry first */
	uint32_t walk;			/**< the due timers being fired */
	uint64_t visited;		/**< timers advances looked at (tests) */
	uint8_t *base;			/**< the first block's timer */
	flow_timer_fn fn;
	void *ctx;
};

/** Set up @p w with 2^order slots of 2^shift ns each (order < 31),
 *  starting at @p now_ns, for the timers in @p b. Returns 0, -EINVAL or
 *  -ENOMEM. */
int flow_wheel_init(struct flow_wheel *w, unsigned int order,
		    unsigned int shift, uint64_t now_ns, int socket,
		    const struct flow_timer_blocks *b, flow_timer_fn fn,
		    void *ctx);
void flow_wheel_free(struct flow_wheel *w);

/** The timer of the block whose reference is @p ref. */
static inline struct flow_timer *
flow_wheel_timer(const struct flow_wheel *w, uint32_t ref)
{
	return (struct flow_timer *)(w->base + ((uint64_t)ref << 3));
}

/** The reference of @p tm's block. */
static inline uint32_t
flow_wheel_ref(const struct flow_wheel *w, const struct flow_timer *tm)
{
	return (uint32_t)(((const uint8_t *)tm - w->base) >> 3);
}

static inline void
flow_timer_init(struct flow_timer *tm)
{
	tm->next = FLOW_TM_NONE;
	tm->prev = FLOW_TM_NONE;
	tm->expire_ns = 0;
}

static inline bool
flow_timer_armed(const struct flow_timer *tm)
{
	return tm->prev != FLOW_TM_NONE;
}

/* The link that holds @p prev's successor: a slot head, the walk or due
 * list's head or a timer's next. */
static inline uint32_t *
flow_wheel_link(struct flow_wheel *w, uint32_t prev)
{
	if (prev == FLOW_TM_WALK)
		return &w->walk;
	if (prev == FLOW_TM_DUE)
		return &w->due;
	if (prev & FLOW_TM_SLOT)
		return &w->slots[prev & ~FLOW_TM_SLOT];
	return &flow_wheel_timer(w, prev)->next;
}

static inline void
flow_timer_cancel(struct flow_wheel *w, struct flow_timer *tm)
{
	if (tm->prev == FLOW_TM_NONE)
		return;
	*flow_wheel_link(w, tm->prev) = tm->next;
	if (tm->next != FLOW_TM_NONE)
		flow_wheel_timer(w, tm->next)->prev = tm->prev;
	tm->next = FLOW_TM_NONE;
	tm->prev = FLOW_TM_NONE;
	w->armed--;
}

/* Put @p tm into the due list, behind those due no later. */
void flow_wheel_due_insert(struct flow_wheel *w, struct flow_timer *tm);

static inline void
flow_timer_link(struct flow_wheel *w, struct flow_timer *tm)
{
	uint64_t tick = tm->expire_ns >> w->shift;
	uint32_t slot, i = flow_wheel_ref(w, tm);

	/* A tick already entered has left its slot: into the due list.
	 * (Rare: tick 1 ms, and no TCP timer is due sooner than 40 ms.) */
	if (tick <= w->cur_tick) {
		flow_wheel_due_insert(w, tm);
		return;
	}
	slot = (uint32_t)(tick & w->mask);
	tm->next = w->slots[slot];
	if (tm->next != FLOW_TM_NONE)
		flow_wheel_timer(w, tm->next)->prev = i;
	w->slots[slot] = i;
	tm->prev = FLOW_TM_SLOT | slot;
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

/** Whether flow_wheel_advance(@p w, @p now_ns) would have anything to
 *  do: a tick to enter, or a due timer. Every poll asks, mostly to hear
 *  no; the answer costs a load or two. */
static inline bool
flow_wheel_pending(const struct flow_wheel *w, uint64_t now_ns)
{
	return (now_ns >> w->shift) != w->cur_tick ||
	       (w->due != FLOW_TM_NONE &&
		flow_wheel_timer(w, w->due)->expire_ns <= now_ns);
}

/** Called by flow_wheel_scan() for each timer; returns false to stop. */
typedef bool (*flow_timer_scan_fn)(struct flow_timer *tm, void *ctx);

/** Show @p fn up to @p max armed timers, those due soonest first as far
 *  as the wheel knows: the due list in order, then the slots of the
 *  ticks ahead, one turn at most (a slot's timers in no order, timers of
 *  later turns among them). @p fn must not arm or cancel timers. Returns
 *  how many it was shown. */
unsigned int flow_wheel_scan(const struct flow_wheel *w, unsigned int max,
			     flow_timer_scan_fn fn, void *ctx);

/** Fire every timer with expire_ns <= @p now_ns. Returns how many fired. */
unsigned int flow_wheel_advance(struct flow_wheel *w, uint64_t now_ns);

#endif /* SHOAL_FLOW_TIMER_H */
