/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * hostprobe: how fast this host lets two CPUs run right now.
 *
 *   hostprobe CPU_A CPU_B
 *
 * Prints one JSON object:
 *   core_ns_per_kiter  ns for 1000 iterations of a fixed dependent chain
 *                      of integer operations on CPU_A (a few per ns on an
 *                      idle modern core): the core's speed as the host
 *                      gives it, frequency and time taken by other guests
 *                      included;
 *   mem_ns             ns per load of a chase through 32 MB in a random
 *                      order on CPU_A: memory latency past the caches,
 *                      which other guests' traffic on the shared cache
 *                      and memory raises;
 *   pingpong_ns        ns for one round trip of a cache line between a
 *                      thread on CPU_A and one on CPU_B, each writing it
 *                      when it sees the other's value: what every packet
 *                      that one core writes and the other reads pays;
 *   tsc_per_ns         TSC ticks per ns (to turn the cycle counts of the
 *                      `cycles` benchmark into time).
 * Each figure is the median of several short samples, ~0.3 s in all.
 *
 * A virtual machine's figures move with its neighbours: on the 2-vCPU VM
 * these benchmarks run on, the same shoal-gen pair ran 1.2M and 3.3M
 * keep-alive requests a second minutes apart. perf/run.sh runs this probe
 * before and after each benchmark so that a figure says what the host was
 * doing while it was measured.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <pthread.h>
#include <sched.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <x86intrin.h>

#define SAMPLES 7
#define CHAIN_ITERS 2000000u	/* ~1 ms at a few ops per ns */
#define PING_ROUNDS 20000u
#define CHASE_BYTES (32u << 20)
#define CHASE_LOADS 100000u

static uint64_t
now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static int
pin(int cpu)
{
	cpu_set_t set;

	CPU_ZERO(&set);
	CPU_SET(cpu, &set);
	return pthread_setaffinity_np(pthread_self(), sizeof(set), &set);
}

static int
cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

static double
median(double *v, int n)
{
	qsort(v, (size_t)n, sizeof(*v), cmp_double);
	return v[n / 2];
}

/* A chain each step of which needs the one before: the time is latency
 * bound, the same on any x86 core of one clock, and the compiler can
 * neither vectorise nor fold it. */
static uint64_t
chain(uint64_t x, uint32_t n)
{
	for (uint32_t i = 0; i < n; i++) {
		x = x * 0x9e3779b97f4a7c15ull + i;
		x ^= x >> 29;
	}
	return x;
}

/* A random cyclic permutation of the slots of @p n: each load depends on
 * the one before and lands on an unpredictable line. */
static uint32_t *
chase_build(uint32_t n)
{
	uint32_t *next = malloc((size_t)n * sizeof(*next));
	uint32_t *order = malloc((size_t)n * sizeof(*order));
	uint64_t r = 0x2545f4914f6cdd1dull;

	if (next == NULL || order == NULL) {
		free(next);
		free(order);
		return NULL;
	}
	for (uint32_t i = 0; i < n; i++)
		order[i] = i;
	for (uint32_t i = n - 1; i > 0; i--) {
		uint32_t j, t;

		r ^= r << 13;
		r ^= r >> 7;
		r ^= r << 17;
		j = (uint32_t)(r % (i + 1));
		t = order[i];
		order[i] = order[j];
		order[j] = t;
	}
	for (uint32_t i = 0; i < n; i++)
		next[order[i]] = order[(i + 1) % n];
	free(order);
	return next;
}

static volatile uint64_t line[8] __attribute__((aligned(64)));
static volatile int pong_ready;

static void *
pong(void *arg)
{
	int cpu = *(int *)arg;

	if (pin(cpu) != 0)
		return (void *)1;
	pong_ready = 1;
	for (uint64_t v = 1; v < 2ull * PING_ROUNDS * SAMPLES; v += 2) {
		while (line[0] != v)
			_mm_pause();
		line[0] = v + 1;
	}
	return NULL;
}

int
main(int argc, char **argv)
{
	double core[SAMPLES], ping[SAMPLES], tsc[SAMPLES], mem[SAMPLES];
	/* one slot per cache line: every load misses the line before */
	const uint32_t stride = 64 / sizeof(uint32_t);
	uint32_t *next, k = 0;
	int a, b;
	pthread_t t;
	uint64_t sink = 1, v = 1;

	if (argc != 3) {
		fprintf(stderr, "usage: hostprobe CPU_A CPU_B\n");
		return 2;
	}
	a = atoi(argv[1]);
	b = atoi(argv[2]);
	if (pin(a) != 0) {
		fprintf(stderr, "hostprobe: cannot run on CPU %d\n", a);
		return 1;
	}
	for (int s = 0; s < SAMPLES; s++) {
		uint64_t t0 = now_ns(), c0 = __rdtsc();

		sink = chain(sink, CHAIN_ITERS);
		tsc[s] = (double)(__rdtsc() - c0) / (double)(now_ns() - t0);
		core[s] = (double)(now_ns() - t0) * 1000.0 / CHAIN_ITERS;
	}
	next = chase_build(CHASE_BYTES / sizeof(uint32_t) / stride);
	if (next == NULL) {
		fprintf(stderr, "hostprobe: no memory\n");
		return 1;
	}
	/* Spread over the buffer: slot i at line i. */
	{
		uint32_t n = CHASE_BYTES / sizeof(uint32_t) / stride;
		uint32_t *lines = calloc((size_t)n * stride, sizeof(*lines));

		if (lines == NULL) {
			fprintf(stderr, "hostprobe: no memory\n");
			return 1;
		}
		for (uint32_t i = 0; i < n; i++)
			lines[(size_t)i * stride] = next[i] * stride;
		free(next);
		for (uint32_t i = 0; i < CHASE_LOADS; i++)	/* warm the TLB */
			k = lines[k];
		for (int s = 0; s < SAMPLES; s++) {
			uint64_t t0 = now_ns();

			for (uint32_t i = 0; i < CHASE_LOADS; i++)
				k = lines[k];
			mem[s] = (double)(now_ns() - t0) / CHASE_LOADS;
		}
		sink ^= k;
		free(lines);
	}
	if (pthread_create(&t, NULL, pong, &b) != 0) {
		fprintf(stderr, "hostprobe: no thread\n");
		return 1;
	}
	while (!pong_ready)
		_mm_pause();
	for (int s = 0; s < SAMPLES; s++) {
		uint64_t t0 = now_ns();

		for (uint32_t r = 0; r < PING_ROUNDS; r++) {
			line[0] = v;
			while (line[0] != v + 1)
				_mm_pause();
			v += 2;
		}
		ping[s] = (double)(now_ns() - t0) / PING_ROUNDS;
	}
	if (pthread_join(t, NULL) != 0)
		return 1;
	printf("{\"cpu_a\": %d, \"cpu_b\": %d, \"core_ns_per_kiter\": %.1f, "
	       "\"mem_ns\": %.1f, \"pingpong_ns\": %.1f, \"tsc_per_ns\": %.3f, "
	       "\"sink\": %llu}\n",
	       a, b, median(core, SAMPLES), median(mem, SAMPLES),
	       median(ping, SAMPLES), median(tsc, SAMPLES),
	       (unsigned long long)(sink & 1));
	return 0;
}
