/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Software steering rings: order per sender, fairness across senders,
 * drops when a ring is full, and no mbuf ever lost.
 */
#include <errno.h>
#include <pthread.h>
#include <string.h>

#include <rte_errno.h>
#include <rte_mempool.h>

#include "eal.h"
#include "rss/steer.h"

#define POOL_SIZE 4095

static struct rte_mempool *pool;

static void
setup(void)
{
	test_eal_up();
	pool = rte_pktmbuf_pool_create("steer", POOL_SIZE, 0, 0,
				       RTE_MBUF_DEFAULT_BUF_SIZE,
				       SOCKET_ID_ANY);
	cr_assert_not_null(pool);
}

static void
teardown(void)
{
	rte_mempool_free(pool);
	test_eal_down();
}

TestSuite(steer, .init = setup, .fini = teardown);

/* A packet that says who sent it and its number in that sender's stream. */
struct stamp {
	uint32_t from;
	uint32_t seq;
};

static struct rte_mbuf *
stamped(uint32_t from, uint32_t seq)
{
	struct rte_mbuf *m = rte_pktmbuf_alloc(pool);
	struct stamp *s;

	if (m == NULL)
		return NULL;
	s = (struct stamp *)rte_pktmbuf_append(m, sizeof(*s));
	s->from = from;
	s->seq = seq;
	return m;
}

static struct stamp
stamp_of(const struct rte_mbuf *m)
{
	return *rte_pktmbuf_mtod(m, const struct stamp *);
}

static void
expect_pool_full(void)
{
	cr_expect_eq(rte_mempool_avail_count(pool), POOL_SIZE,
		     "%u mbufs missing",
		     POOL_SIZE - rte_mempool_avail_count(pool));
}

Test(steer, one_worker_needs_no_rings)
{
	struct steer_counters c = { 1, 1, 1 };
	struct rte_mbuf *pkts[4];

	rte_errno = EBUSY;
	cr_assert_null(steer_create(1, 64, SOCKET_ID_ANY, "one"));
	cr_expect_eq(rte_errno, 0);
	cr_expect_eq(steer_recv(NULL, 0, pkts, 4), 0);
	steer_counters(NULL, 0, &c);
	cr_expect(c.redirected == 0 && c.redirect_drops == 0 &&
		  c.received == 0);
	cr_expect_eq(steer_nb_workers(NULL), 0);
	steer_free(NULL);
}

Test(steer, bad_arguments_fail_cleanly)
{
	struct steer *s;

	cr_expect_null(steer_create(2, 0, SOCKET_ID_ANY, "zero"));
	cr_expect_eq(rte_errno, EINVAL);
	cr_expect_null(steer_create(2, 64, SOCKET_ID_ANY, NULL));
	cr_expect_eq(rte_errno, EINVAL);
	cr_expect_null(steer_create(2, 64, SOCKET_ID_ANY,
				    "a_prefix_far_too_long_for_a_ring"));
	cr_expect_eq(rte_errno, ENAMETOOLONG);
	s = steer_create(3, 64, SOCKET_ID_ANY, "dup");
	cr_assert_not_null(s);
	cr_expect_null(steer_create(3, 64, SOCKET_ID_ANY, "dup"));
	cr_expect_eq(rte_errno, EEXIST);
	steer_free(s);
	/* the names are free again */
	s = steer_create(3, 64, SOCKET_ID_ANY, "dup");
	cr_expect_not_null(s);
	steer_free(s);
}

Test(steer, receiver_sees_each_sender_in_order)
{
	struct steer *s = steer_create(4, 512, SOCKET_ID_ANY, "seq");
	uint32_t sent[4] = { 0 }, want[4] = { 0 };
	struct rte_mbuf *r[7];
	unsigned int got, recv_total = 0;

	cr_assert_not_null(s);
	for (uint32_t round = 0; round < 30; round++) {
		for (uint32_t from = 0; from < 4; from++) {
			struct rte_mbuf *b[5];
			unsigned int n = 1 + (round * 3 + from) % 5;

			if (from == 2)
				continue;	/* 2 is the receiver */
			for (unsigned int i = 0; i < n; i++)
				b[i] = stamped(from, sent[from]++);
			cr_assert_eq(steer_send_batch(s, from, 2, b, n), n);
		}
		/* odd-sized receives interleaved with the sends */
		got = steer_recv(s, 2, r, RTE_DIM(r));
		for (unsigned int i = 0; i < got; i++) {
			struct stamp st = stamp_of(r[i]);

			cr_assert_eq(st.seq, want[st.from], "from %u",
				     st.from);
			want[st.from]++;
		}
		recv_total += got;
		rte_pktmbuf_free_bulk(r, got);
	}
	while ((got = steer_recv(s, 2, r, RTE_DIM(r))) != 0) {
		for (unsigned int i = 0; i < got; i++) {
			struct stamp st = stamp_of(r[i]);

			cr_assert_eq(st.seq, want[st.from]);
			want[st.from]++;
		}
		recv_total += got;
		rte_pktmbuf_free_bulk(r, got);
	}
	for (unsigned int w = 0; w < 4; w++)
		cr_expect_eq(want[w], sent[w], "sender %u", w);

	struct steer_counters c;
	steer_counters(s, 2, &c);
	cr_expect_eq(c.received, recv_total);
	cr_expect_eq(c.redirected, 0);
	steer_counters(s, 1, &c);
	cr_expect_eq(c.redirected, sent[1]);
	cr_expect_eq(c.received, 0);
	steer_free(s);
	expect_pool_full();
}

Test(steer, busy_sender_does_not_starve_the_others)
{
	struct steer *s = steer_create(3, 1024, SOCKET_ID_ANY, "fair");
	struct rte_mbuf *b[64], *r[8];
	unsigned int from_busy = 0, from_quiet = 0, got;

	cr_assert_not_null(s);
	/* worker 1 floods worker 0, worker 2 sends a trickle */
	for (unsigned int k = 0; k < 8; k++) {
		for (unsigned int i = 0; i < 64; i++)
			b[i] = stamped(1, k * 64 + i);
		cr_assert_eq(steer_send_batch(s, 1, 0, b, 64), 64);
	}
	for (unsigned int i = 0; i < 4; i++)
		b[i] = stamped(2, i);
	cr_assert_eq(steer_send_batch(s, 2, 0, b, 4), 4);
	/* two receives of 8 must reach the quiet sender's 4 whichever
	 * sender the rotation starts with */
	for (int call = 0; call < 2; call++) {
		got = steer_recv(s, 0, r, RTE_DIM(r));
		cr_assert_eq(got, 8);
		for (unsigned int i = 0; i < got; i++) {
			if (stamp_of(r[i]).from == 1)
				from_busy++;
			else
				from_quiet++;
		}
		rte_pktmbuf_free_bulk(r, got);
	}
	cr_expect_eq(from_quiet, 4);
	cr_expect_eq(from_busy, 12);
	steer_free(s);
	expect_pool_full();
}

Test(steer, full_ring_drops_are_counted_and_freed)
{
	struct steer *s = steer_create(2, 16, SOCKET_ID_ANY, "full");
	struct rte_mbuf *b[40], *r[64];
	struct steer_counters c;
	unsigned int got;

	cr_assert_not_null(s);
	for (unsigned int i = 0; i < 40; i++)
		b[i] = stamped(0, i);
	cr_expect_eq(steer_send_batch(s, 0, 1, b, 40), 16);
	steer_counters(s, 0, &c);
	cr_expect_eq(c.redirected, 16);
	cr_expect_eq(c.redirect_drops, 24);
	/* the 24 that did not fit went back to the pool already */
	cr_expect_eq(rte_mempool_avail_count(pool), POOL_SIZE - 16);
	/* still full: the next batch is all dropped */
	for (unsigned int i = 0; i < 3; i++)
		b[i] = stamped(0, 100 + i);
	cr_expect_eq(steer_send_batch(s, 0, 1, b, 3), 0);
	steer_counters(s, 0, &c);
	cr_expect_eq(c.redirect_drops, 27);

	got = steer_recv(s, 1, r, RTE_DIM(r));
	cr_expect_eq(got, 16);
	for (unsigned int i = 0; i < got; i++)
		cr_expect_eq(stamp_of(r[i]).seq, i);	/* the first 16 */
	rte_pktmbuf_free_bulk(r, got);
	steer_counters(s, 1, &c);
	cr_expect_eq(c.received, 16);
	cr_expect_eq(c.redirect_drops, 0);
	steer_free(s);
	expect_pool_full();
}

Test(steer, wrong_addresses_consume_and_count)
{
	struct steer *s = steer_create(2, 16, SOCKET_ID_ANY, "bad");
	struct rte_mbuf *b[2];
	struct steer_counters c;

	cr_assert_not_null(s);
	b[0] = stamped(0, 0);
	b[1] = stamped(0, 1);
	cr_expect_eq(steer_send_batch(s, 0, 0, b, 2), 0);	/* to itself */
	b[0] = stamped(0, 2);
	cr_expect_eq(steer_send_batch(s, 0, 2, b, 1), 0);	/* no worker 2 */
	steer_counters(s, 0, &c);
	cr_expect_eq(c.redirect_drops, 3);
	cr_expect_eq(c.redirected, 0);
	cr_expect_eq(steer_recv(s, 2, b, 2), 0);
	steer_free(s);
	expect_pool_full();
}

Test(steer, free_releases_packets_still_queued)
{
	struct steer *s = steer_create(3, 64, SOCKET_ID_ANY, "left");
	struct rte_mbuf *b[10];

	cr_assert_not_null(s);
	for (unsigned int from = 0; from < 3; from++) {
		unsigned int to = (from + 1) % 3;

		for (unsigned int i = 0; i < 10; i++)
			b[i] = stamped(from, i);
		cr_assert_eq(steer_send_batch(s, from, to, b, 10), 10);
	}
	cr_expect_eq(rte_mempool_avail_count(pool), POOL_SIZE - 30);
	steer_free(s);
	expect_pool_full();
}

/* Two producer threads, one per ring into worker 0; the test's own thread
 * consumes. SPSC holds: each ring has exactly one producer and one
 * consumer. */
struct producer {
	struct steer *s;
	uint32_t from;
	uint32_t count;
	uint64_t accepted;
};

static unsigned int producers_done;

#define PRODUCED 20000

static void *
produce(void *arg)
{
	struct producer *p = arg;
	uint32_t seq = 0;

	while (seq < p->count) {
		struct rte_mbuf *b[16];
		unsigned int n = 0;

		while (n < RTE_DIM(b) && seq < p->count) {
			b[n] = stamped(p->from, seq);
			if (b[n] == NULL)
				break;	/* pool momentarily empty: send what we have */
			n++;
			seq++;
		}
		p->accepted += steer_send_batch(p->s, p->from, 0, b, n);
	}
	__atomic_fetch_add(&producers_done, 1, __ATOMIC_RELEASE);
	return NULL;
}

Test(steer, thread_pair_keeps_order_and_loses_nothing, .timeout = 30)
{
	struct steer *s = steer_create(3, 128, SOCKET_ID_ANY, "thr");
	struct producer p[2] = {
		{ .s = s, .from = 1, .count = PRODUCED },
		{ .s = s, .from = 2, .count = PRODUCED },
	};
	pthread_t tid[2];
	int64_t last[3] = { -1, -1, -1 };
	uint64_t got_total = 0;
	struct rte_mbuf *r[32];

	cr_assert_not_null(s);
	for (int i = 0; i < 2; i++)
		cr_assert_eq(pthread_create(&tid[i], NULL, produce, &p[i]), 0);
	for (;;) {
		/* seen done before the pass: that pass drains everything */
		bool done = __atomic_load_n(&producers_done,
					    __ATOMIC_ACQUIRE) == 2;
		unsigned int got = steer_recv(s, 0, r, RTE_DIM(r));

		for (unsigned int i = 0; i < got; i++) {
			struct stamp st = stamp_of(r[i]);

			cr_assert(st.from == 1 || st.from == 2);
			cr_assert_gt((int64_t)st.seq, last[st.from],
				     "from %u: %u after %ld", st.from,
				     st.seq, (long)last[st.from]);
			last[st.from] = st.seq;
		}
		rte_pktmbuf_free_bulk(r, got);
		got_total += got;
		if (done && got == 0)
			break;
	}
	for (int i = 0; i < 2; i++)
		pthread_join(tid[i], NULL);

	/* both streams got through, not just one */
	cr_expect_geq(last[1], 0);
	cr_expect_geq(last[2], 0);

	struct steer_counters c0, c1, c2;
	steer_counters(s, 0, &c0);
	steer_counters(s, 1, &c1);
	steer_counters(s, 2, &c2);
	cr_expect_eq(c0.received, got_total);
	cr_expect_eq(c1.redirected + c2.redirected, got_total);
	cr_expect_eq(c1.redirected, p[0].accepted);
	cr_expect_eq(c2.redirected, p[1].accepted);
	cr_expect_eq(c1.redirected + c1.redirect_drops, PRODUCED);
	cr_expect_eq(c2.redirected + c2.redirect_drops, PRODUCED);
	steer_free(s);
	expect_pool_full();
}

Test(steer, dump_names_every_worker)
{
	struct steer *s = steer_create(3, 16, SOCKET_ID_ANY, "dump");
	struct rte_mbuf *b[1];
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	cr_assert_not_null(s);
	b[0] = stamped(1, 0);
	steer_send_batch(s, 1, 2, b, 1);
	steer_dump(f, s);
	fclose(f);
	cr_expect_not_null(strstr(buf, "steer worker 0:"));
	cr_expect_not_null(strstr(buf, "steer worker 1: redirected 1,"));
	cr_expect_not_null(strstr(buf, "steer worker 2: redirected 0, "
				  "redirect_drops 0, received 0, waiting 1"));
	free(buf);
	steer_free(s);
	expect_pool_full();
}
