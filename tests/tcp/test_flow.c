/* SPDX-License-Identifier: BSD-3-Clause */
/* lib/flow: tables, timer wheel, SipHash, ISNs, the port chooser. */
#include <stdlib.h>

#include <rte_errno.h>
#include <rte_random.h>

#include "wire.h"
#include "flow/flow.h"
#include "flow/ports.h"
#include "flow/siphash.h"
#include "flow/timer.h"

static void
eal(void)
{
	wire_eal_init();
}

TestSuite(flow, .init = eal);

Test(flow, siphash_reference_vectors)
{
	uint8_t key[16], in[64];
	unsigned int i;

	for (i = 0; i < 16; i++)
		key[i] = i;
	for (i = 0; i < 64; i++)
		in[i] = i;
	/* From the SipHash paper's vectors.h (SipHash-2-4, 64-bit). */
	cr_assert_eq(flow_siphash(key, in, 0), 0x726fdb47dd0e0e31ULL);
	cr_assert_eq(flow_siphash(key, in, 1), 0x74f839c593dc67fdULL);
	cr_assert_eq(flow_siphash(key, in, 15), 0xa129ca6149be45e5ULL);
	cr_assert_eq(flow_siphash(key, in, 8), 0x93f5f5799a932462ULL);
	/* The sizes the engine hashes (12: port pick, 16: ISN), and one
	 * with every tail path (7 whole words, a 4-byte and 3 single). */
	cr_assert_eq(flow_siphash(key, in, 12), 0x751e8fbc860ee5fbULL);
	cr_assert_eq(flow_siphash(key, in, 16), 0x3f2acc7f57c29bdbULL);
	cr_assert_eq(flow_siphash(key, in, 63), 0x958a324ceb064572ULL);
	/* Every length 0..64 from an odd address, folded (x = 31x + h),
	 * against the same fold of a reference implementation: every tail
	 * path, no alignment assumed. */
	{
		uint8_t odd[72];
		uint64_t x = 0;

		for (i = 0; i < 64; i++)
			odd[i + 1] = (uint8_t)i;
		for (i = 0; i <= 64; i++)
			x = x * 31 + flow_siphash(key, odd + 1, i);
		cr_assert_eq(x, 0x06129ab3e9441354ULL);
	}
}

static struct flow_key4
key4(uint32_t l, uint32_t r, uint16_t lp, uint16_t rp)
{
	return (struct flow_key4){ rte_cpu_to_be_32(l), rte_cpu_to_be_32(r),
		rte_cpu_to_be_16(lp), rte_cpu_to_be_16(rp) };
}

/* A table member as the engine's control block is one: a payload and the
 * embedded node, at a stride that is not a power of two. */
struct tobj {
	uint32_t val;
	struct flow_node fn;
	uint8_t pad[20];
};

struct tset {
	struct flow_slab s;
	struct flow_table ft;
};

static void
tset_init(struct tset *ts, uint32_t n)
{
	cr_assert_eq(flow_slab_init(&ts->s, "tset_s", n, sizeof(struct tobj),
				    offsetof(struct tobj, fn.next),
				    SOCKET_ID_ANY), 0);
	cr_assert_eq(flow_table_init(&ts->ft, "tset_t", &ts->s,
				     offsetof(struct tobj, fn), SOCKET_ID_ANY),
		     0);
}

static void
tset_free(struct tset *ts)
{
	flow_table_free(&ts->ft);
	flow_slab_free(&ts->s);
}

/* A block keyed @p k in the table, or NULL with the block given back. */
static struct tobj *
tset_add(struct tset *ts, const struct flow_key4 *k, uint32_t val, int *rc)
{
	struct tobj *o = flow_slab_get(&ts->s);

	cr_assert_not_null(o);
	o->val = val;
	flow_node_set(&o->fn, k);
	*rc = flow_table_add(&ts->ft, o);
	if (*rc != 0) {
		flow_slab_put(&ts->s, o);
		return NULL;
	}
	return o;
}

Test(flow, table_add_lookup_del)
{
	struct flow_key4 k = key4(1, 2, 3, 4), k2 = key4(1, 2, 3, 5), kk;
	struct tset ts;
	struct tobj *o;
	int rc;

	tset_init(&ts, 16);
	o = tset_add(&ts, &k, 7, &rc);
	cr_assert_eq(rc, 0);
	cr_assert_eq(flow_table_lookup(&ts.ft, &k), o);
	flow_node_key(&o->fn, &kk);
	cr_assert(kk.laddr == k.laddr && kk.raddr == k.raddr &&
		  kk.lport == k.lport && kk.rport == k.rport && kk.zero == 0);
	cr_assert_null(flow_table_lookup(&ts.ft, &k2));
	cr_assert_null(tset_add(&ts, &k, 8, &rc));
	cr_assert_eq(rc, -EEXIST);
	cr_assert_eq(ts.ft.count, 1);
	cr_assert_eq(flow_table_del(&ts.ft, o), 0);
	cr_assert_null(flow_table_lookup(&ts.ft, &k));
	cr_assert_eq(flow_table_del(&ts.ft, o), -ENOENT);
	cr_assert_eq(ts.ft.count, 0);
	tset_free(&ts);
}

/* Every key lands somewhere in a full table, chains included: members
 * that share a chain are found, deleted from its middle, and the rest
 * stay found. */
Test(flow, table_full_with_chains)
{
	enum { N = 64 };
	struct tobj *o[N];
	struct flow_key4 k;
	struct tset ts;
	unsigned int i;
	int rc;

	tset_init(&ts, N);
	for (i = 0; i < N; i++) {
		k = key4(1, 2, 3, 1000 + i);
		o[i] = tset_add(&ts, &k, i, &rc);
		cr_assert_eq(rc, 0, "entry %u", i);
	}
	cr_assert_null(flow_slab_get(&ts.s), "the slab bounds the table");
	for (i = 0; i < N; i += 2)
		cr_assert_eq(flow_table_del(&ts.ft, o[i]), 0);
	for (i = 0; i < N; i++) {
		k = key4(1, 2, 3, 1000 + i);
		if (i % 2 == 0)
			cr_assert_null(flow_table_lookup(&ts.ft, &k));
		else
			cr_assert_eq(flow_table_lookup(&ts.ft, &k), o[i],
				     "entry %u", i);
	}
	cr_assert_eq(ts.ft.count, N / 2);
	tset_free(&ts);
}

/* Iteration visits every member once, and the member just returned may be
 * deleted (and its block freed) before the next call. */
Test(flow, table_iteration_survives_deleting_the_current_member)
{
	enum { N = 100 };
	struct flow_iter it = FLOW_ITER_INIT;
	uint8_t seen[N] = { 0 };
	struct flow_key4 k;
	struct tobj *o;
	struct tset ts;
	unsigned int i, n = 0;
	int rc;

	tset_init(&ts, N);
	for (i = 0; i < N; i++) {
		k = key4(5, 6, 7, i);
		cr_assert_not_null(tset_add(&ts, &k, i, &rc));
	}
	while ((o = flow_table_next(&ts.ft, &it)) != NULL) {
		cr_assert_lt(o->val, N);
		cr_assert_eq(seen[o->val]++, 0, "member %u twice", o->val);
		n++;
		cr_assert_eq(flow_table_del(&ts.ft, o), 0);
		flow_slab_put(&ts.s, o);
	}
	cr_assert_eq(n, N);
	cr_assert_eq(ts.ft.count, 0);
	cr_assert_eq(flow_slab_avail(&ts.s), N);
	tset_free(&ts);
}

/* Blocks never used come first, then freed ones, oldest first: a block
 * freed just now is the last to come back. */
Test(flow, slab_reuses_first_freed_first)
{
	struct flow_slab s;
	void *b[4];
	unsigned int i;

	cr_assert_eq(flow_slab_init(&s, "fifo", 4, sizeof(struct tobj),
				    offsetof(struct tobj, fn.next),
				    SOCKET_ID_ANY), 0);
	cr_assert_eq(flow_slab_init(&(struct flow_slab){ 0 }, "bad", 4, 8, 6,
				    SOCKET_ID_ANY), -EINVAL);
	for (i = 0; i < 4; i++) {
		b[i] = flow_slab_get(&s);
		cr_assert_not_null(b[i]);
		cr_assert_eq(b[i], (uint8_t *)s.base + i * s.size);
		cr_assert_eq(flow_slab_at(&s, flow_slab_ref(&s, b[i])), b[i]);
	}
	cr_assert_null(flow_slab_get(&s));
	cr_assert_eq(flow_slab_avail(&s), 0);
	flow_slab_put(&s, b[2]);
	flow_slab_put(&s, b[0]);
	flow_slab_put(&s, b[3]);
	cr_assert_eq(flow_slab_avail(&s), 3);
	cr_assert_eq(flow_slab_get(&s), b[2]);
	flow_slab_put(&s, b[2]);
	cr_assert_eq(flow_slab_get(&s), b[0]);
	cr_assert_eq(flow_slab_get(&s), b[3]);
	cr_assert_eq(flow_slab_get(&s), b[2]);
	cr_assert_null(flow_slab_get(&s));
	flow_slab_free(&s);
}

/* In lifo mode a freed block comes back before any fresh one, the last
 * freed first: a slab for short attachments touches only as many blocks
 * as were ever out at once. */
Test(flow, lifo_slab_reuses_last_freed_before_fresh)
{
	struct flow_slab s;
	void *a, *b, *c;

	cr_assert_eq(flow_slab_init(&s, "lifo", 8, 24, 16, SOCKET_ID_ANY), 0);
	s.lifo = true;
	a = flow_slab_get(&s);
	b = flow_slab_get(&s);
	cr_assert_eq(s.fresh, 2);
	flow_slab_put(&s, a);
	flow_slab_put(&s, b);
	cr_assert_eq(flow_slab_avail(&s), 8);
	cr_assert_eq(flow_slab_get(&s), b);
	cr_assert_eq(flow_slab_get(&s), a);
	c = flow_slab_get(&s);
	cr_assert_eq(c, (uint8_t *)s.base + 2 * s.size, "then fresh ones");
	cr_assert_eq(s.fresh, 3);
	for (int i = 0; i < 1000; i++) {
		flow_slab_put(&s, c);
		cr_assert_eq(flow_slab_get(&s), c);
	}
	cr_assert_eq(s.fresh, 3);
	cr_assert_eq(flow_slab_avail(&s), 5);
	flow_slab_free(&s);
}

Test(flow, bulk_lookup_more_than_one_chunk)
{
	struct flow_key4 keys[150];
	const struct flow_key4 *kp[150];
	void *out[150], *obj[150] = { 0 };
	struct tset ts;
	unsigned int i;
	int rc;

	tset_init(&ts, 200);
	for (i = 0; i < 150; i++) {
		keys[i] = key4(10, 20, 30, i);
		kp[i] = &keys[i];
		if (i % 3 != 0) {
			obj[i] = tset_add(&ts, &keys[i], i, &rc);
			cr_assert_eq(rc, 0);
		}
	}
	cr_assert_eq(flow_table_lookup_bulk(&ts.ft, kp, 150, out), 100);
	for (i = 0; i < 150; i++) {
		if (i % 3 == 0)
			cr_assert_null(out[i], "key %u", i);
		else
			cr_assert_eq(out[i], obj[i], "key %u", i);
	}
	tset_free(&ts);
}

Test(flow, listen_exact_before_wildcard)
{
	struct listen_table lt;
	int any, exact;

	cr_assert_eq(listen_table_init(&lt, "lt_a", 8, SOCKET_ID_ANY), 0);
	cr_assert_null(listen_table_lookup(&lt, 7, rte_cpu_to_be_16(80)));
	cr_assert_eq(listen_table_add(&lt, 0, rte_cpu_to_be_16(80), &any), 0);
	cr_assert_eq(listen_table_lookup(&lt, 7, rte_cpu_to_be_16(80)), &any);
	cr_assert_eq(listen_table_add(&lt, 7, rte_cpu_to_be_16(80), &exact), 0);
	cr_assert_eq(listen_table_lookup(&lt, 7, rte_cpu_to_be_16(80)), &exact);
	cr_assert_eq(listen_table_lookup(&lt, 8, rte_cpu_to_be_16(80)), &any);
	cr_assert_null(listen_table_lookup(&lt, 7, rte_cpu_to_be_16(81)));
	cr_assert_eq(listen_table_add(&lt, 7, rte_cpu_to_be_16(80), &exact),
		     -EADDRINUSE);
	cr_assert_eq(listen_table_del(&lt, 0, rte_cpu_to_be_16(80)), 0);
	cr_assert_null(listen_table_lookup(&lt, 8, rte_cpu_to_be_16(80)));
	listen_table_free(&lt);
}

/* --------------------------------------------------------------- wheel */

/* The wheel's timers live in blocks of one array, as in the engine's
 * control block slab: at an offset, at a stride that is not theirs. */
struct tblk {
	uint64_t owner;
	struct flow_timer tm;
	uint8_t pad[16];
};
static struct tblk tb[16];
#define TB(i) (&tb[i].tm)
#define BLOCKS (&(struct flow_timer_blocks){ .base = tb, \
	.stride = sizeof(tb[0]), .off = offsetof(struct tblk, tm), \
	.n = RTE_DIM(tb) })

static unsigned int fired_n;
static struct flow_timer *fired[64];
static uint64_t fired_at[64];

static void
on_fire(struct flow_wheel *w, struct flow_timer *tm, void *ctx)
{
	fired_at[fired_n] = w->now_ns;
	fired[fired_n++] = tm;
}

Test(flow, wheel_fires_at_exact_time)
{
	struct flow_wheel w;
	struct flow_timer *a = TB(0);

	fired_n = 0;
	cr_assert_eq(flow_wheel_init(&w, 8, 20, 5000, SOCKET_ID_ANY, BLOCKS,
				     on_fire, NULL), 0);
	flow_timer_init(a);
	flow_timer_arm(&w, a, 5000 + 3 * MS + 17);
	flow_wheel_advance(&w, 5000 + 3 * MS + 16);
	cr_assert_eq(fired_n, 0);
	cr_assert(flow_timer_armed(a));
	flow_wheel_advance(&w, 5000 + 3 * MS + 17);
	cr_assert_eq(fired_n, 1);
	cr_assert_eq(fired[0], a);
	cr_assert_not(flow_timer_armed(a));
	flow_wheel_free(&w);
}

/* Links are 31-bit references (offsets in 8-byte units): the wheel takes
 * blocks of 8-byte multiples up to 16 GiB, the slab too, and refuses the
 * rest. Nothing is allocated for the blocks. */
Test(flow, wheel_and_slab_refuse_what_references_cannot_reach)
{
	struct flow_timer_blocks b = {
		.base = (void *)(uintptr_t)0x100000000ULL,
		.stride = 296, .off = 8, .n = 0 };
	struct flow_slab s;
	struct flow_wheel w;

	b.n = (uint32_t)(((uint64_t)1 << 34) / 296);
	cr_assert_eq(flow_wheel_init(&w, 4, 20, 0, SOCKET_ID_ANY, &b,
				     on_fire, NULL), 0);
	cr_assert_eq(flow_wheel_ref(&w, flow_wheel_timer(&w, 1234567)),
		     1234567u);
	flow_wheel_free(&w);
	b.n++;
	cr_assert_eq(flow_wheel_init(&w, 4, 20, 0, SOCKET_ID_ANY, &b,
				     on_fire, NULL), -EINVAL);
	b.n = 16;
	b.stride = 300;
	cr_assert_eq(flow_wheel_init(&w, 4, 20, 0, SOCKET_ID_ANY, &b,
				     on_fire, NULL), -EINVAL);
	b.stride = 296;
	b.off = 4;
	cr_assert_eq(flow_wheel_init(&w, 4, 20, 0, SOCKET_ID_ANY, &b,
				     on_fire, NULL), -EINVAL);
	cr_assert_eq(flow_wheel_init(&w, 31, 20, 0, SOCKET_ID_ANY, BLOCKS,
				     on_fire, NULL), -EINVAL);
	cr_assert_eq(flow_slab_init(&s, "big", 60000000, 296, 0,
				    SOCKET_ID_ANY), -EINVAL);
}

Test(flow, wheel_cancel_is_o1_and_final)
{
	struct flow_wheel w;
	struct flow_timer *t[3];
	unsigned int i;

	fired_n = 0;
	flow_wheel_init(&w, 8, 20, 0, SOCKET_ID_ANY, BLOCKS, on_fire, NULL);
	for (i = 0; i < 3; i++) {
		t[i] = TB(i);
		flow_timer_init(t[i]);
		flow_timer_arm(&w, t[i], 10 * MS);	/* same slot */
	}
	cr_assert_eq(w.armed, 3);
	flow_timer_cancel(&w, t[1]);
	flow_timer_cancel(&w, t[1]);	/* twice is harmless */
	cr_assert_eq(w.armed, 2);
	flow_wheel_advance(&w, 20 * MS);
	cr_assert_eq(fired_n, 2);
	cr_assert(fired[0] != t[1] && fired[1] != t[1]);
	flow_wheel_free(&w);
}

Test(flow, wheel_timers_beyond_one_turn_wait_their_turn)
{
	struct flow_wheel w;
	struct flow_timer *a = TB(0);
	uint64_t turn = (1ULL << 20) * 256;

	fired_n = 0;
	flow_wheel_init(&w, 8, 20, 0, SOCKET_ID_ANY, BLOCKS, on_fire, NULL);
	flow_timer_init(a);
	flow_timer_arm(&w, a, 3 * turn + 5);
	for (uint64_t now = 0; now < 3 * turn; now += MS)
		flow_wheel_advance(&w, now);
	cr_assert_eq(fired_n, 0);
	flow_wheel_advance(&w, 3 * turn + 5);
	cr_assert_eq(fired_n, 1);
	flow_wheel_free(&w);
}

Test(flow, wheel_big_jump_fires_everything_due)
{
	struct flow_wheel w;
	struct flow_timer *t[10];
	unsigned int i;

	fired_n = 0;
	flow_wheel_init(&w, 6, 20, 0, SOCKET_ID_ANY, BLOCKS, on_fire, NULL);
	for (i = 0; i < 10; i++) {
		t[i] = TB(i);
		flow_timer_init(t[i]);
		flow_timer_arm(&w, t[i], (uint64_t)(i + 1) * 37 * MS);
	}
	flow_wheel_advance(&w, 10ULL * 1000 * MS);
	cr_assert_eq(fired_n, 10);
	cr_assert_eq(w.armed, 0);
	flow_wheel_free(&w);
}

Test(flow, wheel_rearm_moves_the_timer)
{
	struct flow_wheel w;
	struct flow_timer *a = TB(0);

	fired_n = 0;
	flow_wheel_init(&w, 8, 20, 0, SOCKET_ID_ANY, BLOCKS, on_fire, NULL);
	flow_timer_init(a);
	flow_timer_arm(&w, a, 5 * MS);
	flow_timer_arm(&w, a, 50 * MS);
	cr_assert_eq(w.armed, 1);
	flow_wheel_advance(&w, 49 * MS);
	cr_assert_eq(fired_n, 0);
	flow_wheel_advance(&w, 50 * MS);
	cr_assert_eq(fired_n, 1);
	flow_wheel_free(&w);
}

/* A callback that cancels or re-arms other timers of the slot being
 * walked (an RTO whose output cancels the delayed-ACK timer of the same
 * connection, a drop that cancels all three): they must not fire, and the
 * count of armed timers must stay exact. */
#define WALK_T(i) TB(i)

static void
on_fire_cancel_others(struct flow_wheel *w, struct flow_timer *tm, void *ctx)
{
	fired[fired_n++] = tm;
	if (tm == WALK_T(0)) {
		flow_timer_cancel(w, WALK_T(1));
		flow_timer_arm(w, WALK_T(2), 100 * MS);
	}
}

Test(flow, wheel_callback_may_cancel_timers_of_the_same_slot)
{
	struct flow_wheel w;
	int i;

	fired_n = 0;
	flow_wheel_init(&w, 8, 20, 0, SOCKET_ID_ANY, BLOCKS, on_fire_cancel_others,
			NULL);
	/* Slots are LIFO: armed 2, 1, 0, walked 0, 1, 2. */
	for (i = 2; i >= 0; i--) {
		flow_timer_init(WALK_T(i));
		flow_timer_arm(&w, WALK_T(i), 10 * MS + (uint64_t)i);
	}
	flow_wheel_advance(&w, 20 * MS);
	cr_assert_eq(fired_n, 1, "%u fired", fired_n);
	cr_assert_eq(fired[0], WALK_T(0));
	cr_assert_not(flow_timer_armed(WALK_T(1)));
	cr_assert(flow_timer_armed(WALK_T(2)));
	cr_assert_eq(w.armed, 1);
	flow_wheel_advance(&w, 100 * MS);
	cr_assert_eq(fired_n, 2);
	cr_assert_eq(fired[1], WALK_T(2));
	cr_assert_eq(w.armed, 0);
	flow_wheel_free(&w);
}

#define CHAIN_B TB(5)

static void
on_fire_arm(struct flow_wheel *w, struct flow_timer *tm, void *ctx)
{
	fired[fired_n++] = tm;
	if (tm != CHAIN_B) {
		flow_timer_init(CHAIN_B);
		flow_timer_arm(w, CHAIN_B, w->now_ns + 2 * MS);
	}
}

Test(flow, wheel_callback_may_arm_timers)
{
	struct flow_wheel w;
	struct flow_timer *a = TB(0);

	fired_n = 0;
	flow_wheel_init(&w, 8, 20, 0, SOCKET_ID_ANY, BLOCKS, on_fire_arm, NULL);
	flow_timer_init(a);
	flow_timer_arm(&w, a, 1 * MS);
	flow_wheel_advance(&w, 1 * MS);
	cr_assert_eq(fired_n, 1);
	flow_wheel_advance(&w, 3 * MS - 1);
	cr_assert_eq(fired_n, 1);
	flow_wheel_advance(&w, 3 * MS);
	cr_assert_eq(fired_n, 2);
	cr_assert_eq(fired[1], CHAIN_B);
	flow_wheel_free(&w);
}

/* A busy server's 1 ms slot holds hundreds of timers (TIME-WAIT ends at
 * 390k connections/s put ~400 in each), and it polls many times a tick.
 * Every timer must still fire at its exact nanosecond, in order of
 * expiry, and an advance must look at the due timers only: each timer is
 * looked at twice (taken from its slot, fired), not once per poll. */
#define MANY 1000
static struct tblk many[MANY];
static uint64_t many_last;
static unsigned int many_n, many_bad;

static void
on_fire_many(struct flow_wheel *w, struct flow_timer *tm, void *ctx)
{
	if (tm->expire_ns != w->now_ns || tm->expire_ns < many_last)
		many_bad++;
	many_last = tm->expire_ns;
	many_n++;
}

Test(flow, wheel_advance_looks_only_at_due_timers)
{
	const struct flow_timer_blocks b = { .base = many,
		.stride = sizeof(many[0]),
		.off = offsetof(struct tblk, tm), .n = MANY };
	uint64_t tick0 = 7ULL << 20, at[MANY];
	struct flow_wheel w;
	unsigned int i, polls = 0;

	many_last = 0;
	many_n = many_bad = 0;
	cr_assert_eq(flow_wheel_init(&w, 8, 20, 0, SOCKET_ID_ANY, &b,
				     on_fire_many, NULL), 0);
	/* Distinct expiries across tick 7, armed in scrambled order: the
	 * first half before the tick is entered, the rest into it after. */
	for (i = 0; i < MANY; i++)
		at[i] = tick0 + 250 * (1 + 4 * ((uint64_t)i * 7919 % MANY));
	for (i = 0; i < MANY / 2; i++) {
		flow_timer_init(&many[i].tm);
		flow_timer_arm(&w, &many[i].tm, at[i]);
	}
	flow_wheel_advance(&w, tick0);
	cr_assert_eq(many_n, 0);
	for (i = MANY / 2; i < MANY; i++) {
		flow_timer_init(&many[i].tm);
		flow_timer_arm(&w, &many[i].tm, at[i]);
	}
	cr_assert_eq(w.armed, MANY);
	w.visited = 0;
	for (uint64_t now = tick0; now < tick0 + (1 << 20); now += 250) {
		flow_wheel_advance(&w, now);
		polls++;
	}
	cr_assert_eq(many_n, MANY, "%u fired", many_n);
	cr_assert_eq(many_bad, 0, "%u fired late or out of order", many_bad);
	cr_assert_eq(w.armed, 0);
	cr_assert(polls > 4000);
	cr_assert_leq(w.visited, MANY, "%lu looked at for %u timers",
		      (unsigned long)w.visited, MANY);
	flow_wheel_free(&w);
}

/* Timers due before the tick entered (armed for the past, or re-armed by
 * a late callback) go to the due list in order, and may be cancelled
 * there, first or not. */
Test(flow, wheel_due_list_takes_past_timers_and_cancels)
{
	struct flow_wheel w;

	fired_n = 0;
	flow_wheel_init(&w, 8, 20, 0, SOCKET_ID_ANY, BLOCKS, on_fire, NULL);
	flow_wheel_advance(&w, 10 * MS);
	for (int i = 0; i < 4; i++)
		flow_timer_init(TB(i));
	flow_timer_arm(&w, TB(0), 9 * MS);
	flow_timer_arm(&w, TB(1), 5 * MS);
	flow_timer_arm(&w, TB(2), 10 * MS + 3);
	flow_timer_arm(&w, TB(3), 7 * MS);
	cr_assert_eq(w.armed, 4);
	flow_timer_cancel(&w, TB(1));	/* the due list's first */
	flow_timer_cancel(&w, TB(0));	/* one in its middle */
	cr_assert_eq(w.armed, 2);
	flow_wheel_advance(&w, 10 * MS + 2);
	cr_assert_eq(fired_n, 1);
	cr_assert_eq(fired[0], TB(3));
	flow_wheel_advance(&w, 10 * MS + 3);
	cr_assert_eq(fired_n, 2);
	cr_assert_eq(fired[1], TB(2));
	cr_assert_eq(w.armed, 0);
	flow_wheel_free(&w);
}

/* A jump over many ticks fires what fell due, each once and at the time
 * of the jump, and leaves the rest for their time; the sorted due list
 * keeps its order through it. */
Test(flow, wheel_jump_fires_what_fell_due_and_keeps_the_rest)
{
	static const unsigned int ms[] = { 30, 3, 250, 3, 17, 900, 1 };
	struct flow_wheel w;
	bool seen[RTE_DIM(ms)] = { false };
	unsigned int i, k;

	fired_n = 0;
	flow_wheel_init(&w, 8, 20, 0, SOCKET_ID_ANY, BLOCKS, on_fire, NULL);
	for (i = 0; i < RTE_DIM(ms); i++) {
		flow_timer_init(TB(i));
		flow_timer_arm(&w, TB(i), ms[i] * MS + (i == 3));
	}
	/* into tick 260 ms's: 250 ms and the five before it fall due, and
	 * two timers armed for later in that tick wait in the due list */
	flow_timer_init(TB(8));
	flow_timer_init(TB(9));
	flow_timer_arm(&w, TB(8), 260 * MS + 7);
	flow_timer_arm(&w, TB(9), 260 * MS + 5);
	flow_wheel_advance(&w, 260 * MS + 1);
	cr_assert_eq(fired_n, 6);
	for (k = 0; k < 6; k++) {
		i = (unsigned int)(((char *)fired[k] - (char *)TB(0)) /
				   sizeof(tb[0]));
		cr_assert(i < RTE_DIM(ms) && ms[i] <= 250 && !seen[i]);
		seen[i] = true;
		cr_assert_eq(fired_at[k], 260 * MS + 1);
	}
	flow_wheel_advance(&w, 260 * MS + 7);
	cr_assert_eq(fired_n, 8);
	cr_assert_eq(fired[6], TB(9));
	cr_assert_eq(fired[7], TB(8));
	flow_wheel_advance(&w, 5000 * MS);	/* over a turn */
	cr_assert_eq(fired_n, 9);
	cr_assert_eq(fired[8], TB(5));
	cr_assert_eq(w.armed, 0);
	flow_wheel_free(&w);
}

/* --------------------------------------------------------------- ports */

static bool
always_free(void *ctx, const struct shoal_endpoints *ep)
{
	return true;
}

static bool
even_only(void *ctx, const struct shoal_endpoints *ep)
{
	return (rte_be_to_cpu_16(ep->lport) & 1) == 0;
}

static struct shoal_endpoints
dest(uint32_t raddr, uint16_t rport)
{
	struct shoal_endpoints ep = { 0 };

	ep.local = shoal_addr_v4(rte_cpu_to_be_32(W_ADDR));
	ep.remote = shoal_addr_v4(rte_cpu_to_be_32(raddr));
	ep.rport = rte_cpu_to_be_16(rport);
	return ep;
}

Test(flow, ports_stay_in_range_and_honour_filter)
{
	struct flow_ports p;
	uint8_t secret[16] = { 1, 2, 3 };
	unsigned int i;

	flow_ports_init(&p, 50000, 50099, secret);
	for (i = 0; i < 200; i++) {
		struct shoal_endpoints ep = dest(P_ADDR, 80);
		uint16_t port;

		cr_assert_eq(flow_ports_pick(&p, &ep, even_only, NULL,
					     always_free, NULL), 0);
		port = rte_be_to_cpu_16(ep.lport);
		cr_assert(port >= 50000 && port <= 50099, "port %u", port);
		cr_assert_eq(port % 2, 0, "port %u", port);
	}
}

static uint16_t used[65536];

static bool
not_used(void *ctx, const struct shoal_endpoints *ep)
{
	return !used[rte_be_to_cpu_16(ep->lport)];
}

Test(flow, ports_exhaust_then_eaddrnotavail)
{
	struct flow_ports p;
	uint8_t secret[16] = { 9 };
	unsigned int i;

	memset(used, 0, sizeof(used));
	flow_ports_init(&p, 60000, 60009, secret);
	for (i = 0; i < 10; i++) {
		struct shoal_endpoints ep = dest(P_ADDR, 80);

		cr_assert_eq(flow_ports_pick(&p, &ep, NULL, NULL, not_used,
					     NULL), 0);
		cr_assert_not(used[rte_be_to_cpu_16(ep.lport)]);
		used[rte_be_to_cpu_16(ep.lport)] = 1;
	}
	{
		struct shoal_endpoints ep = dest(P_ADDR, 80);

		cr_assert_eq(flow_ports_pick(&p, &ep, NULL, NULL, not_used,
					     NULL), -EADDRNOTAVAIL);
	}
}

Test(flow, ports_differ_by_destination)
{
	struct flow_ports p;
	uint8_t secret[16] = { 5 };
	unsigned int i, same = 0;

	flow_ports_init(&p, 1024, 65535, secret);
	/* RFC 6056: the offset is a keyed hash of the destination, so
	 * first picks towards different peers rarely coincide. */
	for (i = 0; i < 50; i++) {
		struct shoal_endpoints a = dest(P_ADDR + i, 80);
		struct shoal_endpoints b = dest(P_ADDR + 100 + i, 80);

		flow_ports_pick(&p, &a, NULL, NULL, always_free, NULL);
		flow_ports_pick(&p, &b, NULL, NULL, always_free, NULL);
		same += a.lport == b.lport;
	}
	cr_assert_lt(same, 3);
}

static bool
near(rte_be16_t a, rte_be16_t b)
{
	uint16_t x = rte_be_to_cpu_16(a), y = rte_be_to_cpu_16(b);

	return y == x || y == x + 1 || (x == 65535 && y == 1024);
}

Test(flow, ports_differ_by_local_address_and_remote_port)
{
	struct flow_ports p;
	uint8_t secret[16] = { 6 };
	unsigned int i, same_local = 0, same_rport = 0;

	flow_ports_init(&p, 1024, 65535, secret);
	/* Every field of F(local, remote, rport) counts, in the packed
	 * IPv4 form too: another source address of a client's range, or
	 * another port of the same server, starts elsewhere. */
	for (i = 0; i < 50; i++) {
		struct shoal_endpoints a = dest(P_ADDR, 80 + i);
		struct shoal_endpoints b = dest(P_ADDR, 80 + i);
		struct shoal_endpoints c = dest(P_ADDR, 1080 + i);

		b.local = shoal_addr_v4(rte_cpu_to_be_32(W_ADDR + 1));
		flow_ports_pick(&p, &a, NULL, NULL, always_free, NULL);
		flow_ports_pick(&p, &b, NULL, NULL, always_free, NULL);
		flow_ports_pick(&p, &c, NULL, NULL, always_free, NULL);
		/* Were a field left out, the next pick would share a's offset
		 * and counter: a's port + 1. */
		same_local += near(a.lport, b.lport);
		same_rport += near(a.lport, c.lport);
	}
	cr_assert_lt(same_local, 3);
	cr_assert_lt(same_rport, 3);
}

Test(flow, ports_memo_picks_as_fresh_hashes_do)
{
	struct flow_ports warm, cold;
	uint8_t secret[16] = { 7, 7 };
	unsigned int i, hits = 0;

	flow_ports_init(&warm, 1024, 65535, secret);
	cold = warm;	/* same counters */
	/* Three families of 20 destinations, each varying one field (the
	 * local address, the remote address, the remote port): 20 into 16
	 * memo slots puts two of a family, differing in that field only, in
	 * one slot. Visited in turn, then in an order that mixes hits,
	 * misses and evictions; the cold copy forgets its memo before every
	 * pick, so it always hashes. Every pick must agree. */
	for (i = 0; i < 6000; i++) {
		unsigned int d = i < 3000 ? i % 60 : (i * 7 + i / 13) % 60;
		unsigned int v = d % 20;
		struct shoal_endpoints a = dest(P_ADDR + (d / 20 == 1 ? v : 0),
						80 + (d / 20 == 2 ? v : 0));
		struct shoal_endpoints b;

		a.local = shoal_addr_v4(rte_cpu_to_be_32(W_ADDR +
							 (d / 20 == 0 ? v : 0)));
		b = a;
		memset(cold.memo, 0, sizeof(cold.memo));
		for (unsigned int k = 0; k < RTE_DIM(warm.memo); k++)
			hits += warm.memo[k].local == a.local.v4 &&
				warm.memo[k].remote == a.remote.v4 &&
				warm.memo[k].rport == a.rport;
		cr_assert_eq(flow_ports_pick(&warm, &a, NULL, NULL,
					     always_free, NULL), 0);
		cr_assert_eq(flow_ports_pick(&cold, &b, NULL, NULL,
					     always_free, NULL), 0);
		cr_assert_eq(a.lport, b.lport, "pick %u, destination %u", i, d);
	}
	cr_assert_gt(hits, 500, "%u picks found their destination in the memo",
		     hits);
}

/* ------------------------------------------------------- engine-level */

TestSuite(engine, .init = setup_plain, .fini = teardown);

Test(engine, isn_is_keyed_and_clock_driven)
{
	struct shoal_endpoints a = W->ep, b = W->ep;
	uint32_t i1, i2, i3;

	W->eng->fixed_iss = false;
	b.rport = rte_cpu_to_be_16(P_PORT + 1);
	i1 = tcp_iss(W->eng, &a);
	i2 = tcp_iss(W->eng, &b);
	cr_assert_neq(i1, i2);
	/* RFC 6528: M advances every 4 us. */
	W->eng->now += 4000 * 1000;
	i3 = tcp_iss(W->eng, &a);
	cr_assert_eq(i3 - i1, 1000);
}

Test(engine, connect_picks_port_through_port_ok)
{
	struct shoal_endpoints ep = W->ep;
	struct shoal_conn *c;

	wire_fini();
	wire_init();
	W->conf.port_ok = even_only;
	W->conf.port_lo = 40000;
	W->conf.port_hi = 40100;
	wire_start();
	for (int i = 0; i < 20; i++) {
		uint16_t p;

		ep.lport = 0;
		c = shoal_tcp_connect(W->eng, &ep, &W->ops, W);
		cr_assert_not_null(c);
		p = rte_be_to_cpu_16(shoal_conn_endpoints(c).lport);
		cr_assert(p >= 40000 && p <= 40100 && p % 2 == 0, "port %u", p);
	}
	flush();
	wire_drain();
}

Test(engine, connect_skips_tuples_in_use)
{
	struct shoal_endpoints ep = W->ep;
	struct shoal_conn *c[11];
	unsigned int i, j;

	wire_fini();
	wire_init();
	W->conf.port_lo = 41000;
	W->conf.port_hi = 41010;
	wire_start();
	for (i = 0; i < 11; i++) {
		ep.lport = 0;
		c[i] = shoal_tcp_connect(W->eng, &ep, &W->ops, W);
		cr_assert_not_null(c[i], "conn %u", i);
		for (j = 0; j < i; j++)
			cr_assert_neq(shoal_conn_endpoints(c[i]).lport,
				      shoal_conn_endpoints(c[j]).lport);
	}
	ep.lport = 0;
	cr_assert_null(shoal_tcp_connect(W->eng, &ep, &W->ops, W));
	cr_assert_eq(rte_errno, EADDRNOTAVAIL);
	flush();
	wire_drain();
}

Test(engine, control_blocks_come_from_the_pool_and_go_back)
{
	struct shoal_endpoints ep = W->ep;
	struct shoal_conn *c;
	unsigned int avail = flow_slab_avail(&W->eng->cbs);

	ep.lport = 0;
	c = shoal_tcp_connect(W->eng, &ep, &W->ops, W);
	cr_assert_not_null(c);
	cr_assert_eq(flow_slab_avail(&W->eng->cbs), avail - 1);
	shoal_abort(c);
	cr_assert_eq(flow_slab_avail(&W->eng->cbs), avail);
	cr_assert_eq(W->app.closed, 1);
}

Test(engine, max_conns_bounds_connections)
{
	struct shoal_endpoints ep = W->ep;
	unsigned int i;

	for (i = 0; i < W->conf.max_conns; i++) {
		ep.lport = 0;
		cr_assert_not_null(shoal_tcp_connect(W->eng, &ep, &W->ops, W));
	}
	ep.lport = 0;
	cr_assert_null(shoal_tcp_connect(W->eng, &ep, &W->ops, W));
	flush();
	wire_drain();
}

Test(engine, listen_twice_is_eaddrinuse)
{
	cr_assert_eq(shoal_tcp_listen(W->eng, NULL, 80, &W->ops, W), 0);
	cr_assert_eq(shoal_tcp_listen(W->eng, NULL, 80, &W->ops, W),
		     -EADDRINUSE);
	cr_assert_eq(shoal_tcp_unlisten(W->eng, NULL, 80), 0);
	cr_assert_eq(shoal_tcp_listen(W->eng, NULL, 80, &W->ops, W), 0);
}

Test(engine, state_names)
{
	cr_assert_str_eq(shoal_tcp_state_name(SHOAL_TCP_TIME_WAIT), "TIME-WAIT");
	cr_assert_str_eq(shoal_tcp_state_name(SHOAL_TCP_ESTABLISHED),
			 "ESTABLISHED");
	cr_assert_str_eq(shoal_tcp_state_name(99), "?");
}

Test(engine, control_block_hot_fields_fit_two_cache_lines)
{
	/* The 4-tuple the lookup compares first, sequence space and windows
	 * in the 64 bytes after it, the rest of what every segment touches
	 * in the next 64 (and a half), then the colder parts. */
	cr_assert_eq(offsetof(struct tcp_cb, fn), 0u);
	cr_assert_leq(offsetof(struct tcp_cb, sb_seq) + 4,
		      sizeof(struct flow_node) + 64u);
	cr_assert_leq(offsetof(struct tcp_cb, ctx) + 8,
		      sizeof(struct flow_node) + 128u + 32u);
	printf("sizeof(struct tcp_cb) = %zu\n", sizeof(struct tcp_cb));
}

Test(engine, listener_find_follows_listen_and_unlisten)
{
	struct shoal_addr a7 = shoal_addr_v4(7);
	rte_be16_t p80 = rte_cpu_to_be_16(80);
	struct tcp_listener *any, *exact;

	cr_assert_eq(shoal_tcp_listen(W->eng, NULL, 80, &W->ops, W), 0);
	any = tcp_listener_find(W->eng, 7, p80);
	cr_assert_not_null(any);
	cr_assert_eq(tcp_listener_find(W->eng, 7, p80), any);
	/* The answer for 7:80 is cached: a listener on 7 must replace it. */
	cr_assert_eq(shoal_tcp_listen(W->eng, &a7, 80, &W->ops, W), 0);
	exact = tcp_listener_find(W->eng, 7, p80);
	cr_assert_not_null(exact);
	cr_assert_neq(exact, any);
	cr_assert_eq(exact->addr, 7);
	cr_assert_eq(tcp_listener_find(W->eng, 8, p80), any);
	cr_assert_eq(shoal_tcp_unlisten(W->eng, &a7, 80), 0);
	cr_assert_eq(tcp_listener_find(W->eng, 7, p80), any);
	cr_assert_eq(shoal_tcp_unlisten(W->eng, NULL, 80), 0);
	cr_assert_null(tcp_listener_find(W->eng, 7, p80));
	cr_assert_null(tcp_listener_find(W->eng, 8, p80));
}
