/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The RSS map without the EAL: the Toeplitz hash against the published
 * verification vectors, the symmetric key, RETA lookup, and source port
 * selection for active opens.
 */
#include <errno.h>
#include <string.h>

#include <criterion/criterion.h>
#include <rte_ip.h>

#include <shoal/tcp.h>
#include "rss/rss.h"

/* RTE_IPV4 shifts an int: 198 << 24 overflows it. */
#define IP4(a, b, c, d) RTE_IPV4((uint32_t)(a), b, c, d)

/* The Microsoft RSS specification's key ("Verifying the RSS Hash
 * Calculation"), also the 82599 datasheet's 7.1.2.8.3. */
static const uint8_t ms_key[RSS_KEY_LEN] = {
	0x6d, 0x5a, 0x56, 0xda, 0x25, 0x5b, 0x0e, 0xc2,
	0x41, 0x67, 0x25, 0x3d, 0x43, 0xa3, 0x8f, 0xb0,
	0xd0, 0xca, 0x2b, 0xcb, 0xae, 0x7b, 0x30, 0xb4,
	0x77, 0xcb, 0x2d, 0xa3, 0x80, 0x30, 0xf2, 0x0c,
	0x6a, 0x42, 0xb7, 0x3b, 0xbe, 0xac, 0x01, 0xfa,
};

/* The symmetric key lib/dev programs (shoal_rss_key). */
static const uint8_t sym_key[RSS_KEY_LEN] = {
	0x6d, 0x5a, 0x6d, 0x5a, 0x6d, 0x5a, 0x6d, 0x5a,
	0x6d, 0x5a, 0x6d, 0x5a, 0x6d, 0x5a, 0x6d, 0x5a,
	0x6d, 0x5a, 0x6d, 0x5a, 0x6d, 0x5a, 0x6d, 0x5a,
	0x6d, 0x5a, 0x6d, 0x5a, 0x6d, 0x5a, 0x6d, 0x5a,
	0x6d, 0x5a, 0x6d, 0x5a, 0x6d, 0x5a, 0x6d, 0x5a,
};

/* Deterministic, so a failure reproduces. */
static uint64_t rng_state = 0x9e3779b97f4a7c15ULL;

static uint32_t
rng(void)
{
	rng_state ^= rng_state << 13;
	rng_state ^= rng_state >> 7;
	rng_state ^= rng_state << 17;
	return (uint32_t)(rng_state >> 16);
}

static struct shoal_endpoints
ep_v4(uint32_t remote, uint16_t rport, uint32_t local, uint16_t lport)
{
	struct shoal_endpoints ep = {
		.local = shoal_addr_v4(rte_cpu_to_be_32(local)),
		.remote = shoal_addr_v4(rte_cpu_to_be_32(remote)),
		.lport = rte_cpu_to_be_16(lport),
		.rport = rte_cpu_to_be_16(rport),
	};
	return ep;
}

static struct shoal_endpoints
ep_random(void)
{
	return ep_v4(rng(), rng() & 0xffff, rng(), rng() & 0xffff);
}

static struct shoal_endpoints
ep_reversed(const struct shoal_endpoints *ep)
{
	struct shoal_endpoints r = {
		.local = ep->remote, .remote = ep->local,
		.lport = ep->rport, .rport = ep->lport,
	};
	return r;
}

/* The IPv4-with-TCP rows of the verification suite: source -> dest. */
struct ms_vector {
	uint32_t src;
	uint16_t sport;
	uint32_t dst;
	uint16_t dport;
	uint32_t hash;
};

static const struct ms_vector ms_vectors[] = {
	{ IP4(66, 9, 149, 187), 2794, IP4(161, 142, 100, 80), 1766,
	  0x51ccc178 },
	{ IP4(199, 92, 111, 2), 14230, IP4(65, 69, 140, 83), 4739,
	  0xc626b0ea },
	{ IP4(24, 19, 198, 95), 12898, IP4(12, 22, 207, 184), 38024,
	  0x5c2b394a },
	{ IP4(38, 27, 205, 30), 48228, IP4(209, 142, 163, 6), 2217,
	  0xafc7327f },
	{ IP4(153, 39, 163, 191), 44251, IP4(202, 188, 127, 2), 1303,
	  0x10e828a2 },
};

Test(rss_hash, matches_microsoft_verification_vectors)
{
	struct rss_map map;

	cr_assert_eq(rss_map_init(&map, ms_key, sizeof(ms_key), 1), 0);
	for (unsigned int i = 0; i < RTE_DIM(ms_vectors); i++) {
		const struct ms_vector *v = &ms_vectors[i];
		/* received packet: its source is our remote end */
		struct shoal_endpoints ep = ep_v4(v->src, v->sport, v->dst,
						  v->dport);

		cr_expect_eq(rss_hash_v4(&map, &ep), v->hash,
			     "vector %u: 0x%08x, want 0x%08x", i,
			     rss_hash_v4(&map, &ep), v->hash);
	}
}

Test(rss_hash, direction_matters_with_microsoft_key)
{
	struct rss_map map;
	const struct ms_vector *v = &ms_vectors[0];
	struct shoal_endpoints ep = ep_v4(v->src, v->sport, v->dst, v->dport);
	struct shoal_endpoints rev = ep_reversed(&ep);

	/* The Microsoft key is not symmetric: swapping ends must change the
	 * hash, which is why the symmetric test below can fail. */
	cr_assert_eq(rss_map_init(&map, ms_key, sizeof(ms_key), 1), 0);
	cr_expect_neq(rss_hash_v4(&map, &ep), rss_hash_v4(&map, &rev));
}

Test(rss_hash, symmetric_key_hashes_both_directions_alike)
{
	struct rss_map map;

	cr_assert_eq(rss_map_init(&map, sym_key, sizeof(sym_key), 8), 0);
	for (int i = 0; i < 20000; i++) {
		struct shoal_endpoints ep = ep_random();
		struct shoal_endpoints rev = ep_reversed(&ep);

		cr_assert_eq(rss_hash_v4(&map, &ep), rss_hash_v4(&map, &rev),
			     "tuple %d", i);
		cr_assert_eq(rss_worker_v4(&map, &ep),
			     rss_worker_v4(&map, &rev));
	}
}

Test(rss_hash, hash_depends_on_every_tuple_field)
{
	struct rss_map map;
	struct shoal_endpoints ep = ep_v4(IP4(198, 18, 0, 1), 40000,
					  IP4(198, 18, 0, 2), 80);
	struct shoal_endpoints e;
	uint32_t h;

	cr_assert_eq(rss_map_init(&map, sym_key, sizeof(sym_key), 4), 0);
	h = rss_hash_v4(&map, &ep);
	e = ep;
	e.remote.v4 ^= rte_cpu_to_be_32(1);
	cr_expect_neq(rss_hash_v4(&map, &e), h);
	e = ep;
	e.local.v4 ^= rte_cpu_to_be_32(0x100);
	cr_expect_neq(rss_hash_v4(&map, &e), h);
	e = ep;
	e.rport ^= rte_cpu_to_be_16(1);
	cr_expect_neq(rss_hash_v4(&map, &e), h);
	e = ep;
	e.lport ^= rte_cpu_to_be_16(0x80);
	cr_expect_neq(rss_hash_v4(&map, &e), h);
}

Test(rss_map, default_reta_is_round_robin_of_128)
{
	struct rss_map map;

	cr_assert_eq(rss_map_init(&map, sym_key, sizeof(sym_key), 3), 0);
	cr_expect_eq(map.reta_size, RSS_RETA_DEFAULT);
	cr_expect_eq(map.nb_workers, 3);
	for (unsigned int i = 0; i < RSS_RETA_DEFAULT; i++)
		cr_expect_eq(map.reta[i], i % 3, "bucket %u", i);
	cr_expect_arr_eq(map.key, sym_key, sizeof(sym_key));
}

Test(rss_map, worker_is_reta_entry_of_hash_low_bits)
{
	struct rss_map map;
	uint16_t reta[64];

	/* A RETA no round robin would give: bucket b -> (b * 7 + 3) % 5 */
	for (unsigned int b = 0; b < RTE_DIM(reta); b++)
		reta[b] = (b * 7 + 3) % 5;
	cr_assert_eq(rss_map_init_reta(&map, ms_key, sizeof(ms_key), reta,
				       RTE_DIM(reta), 5), 0);
	for (int i = 0; i < 2000; i++) {
		struct shoal_endpoints ep = ep_random();
		uint32_t h = rss_hash_v4(&map, &ep);

		cr_assert_eq(rss_worker_v4(&map, &ep), reta[h % 64]);
	}
	/* The first verification vector: 0x51ccc178 & 63 = 56 -> 2 */
	struct shoal_endpoints ep = ep_v4(ms_vectors[0].src,
		ms_vectors[0].sport, ms_vectors[0].dst, ms_vectors[0].dport);
	cr_expect_eq(rss_worker_v4(&map, &ep), (56 * 7 + 3) % 5);
}

Test(rss_map, rejects_bad_arguments)
{
	struct rss_map map;
	uint16_t reta[RSS_RETA_MAX] = { 0 };

	cr_expect_eq(rss_map_init(&map, sym_key, sizeof(sym_key), 0), -EINVAL);
	cr_expect_eq(rss_map_init(&map, sym_key, 12, 2), -EINVAL);
	cr_expect_eq(rss_map_init(&map, NULL, 40, 2), -EINVAL);
	cr_expect_eq(rss_map_init(&map, sym_key, sizeof(sym_key),
				  RSS_MAX_WORKERS + 1), -EINVAL);
	/* not a power of two, too large, zero */
	cr_expect_eq(rss_map_init_reta(&map, sym_key, 40, reta, 100, 2),
		     -EINVAL);
	cr_expect_eq(rss_map_init_reta(&map, sym_key, 40, reta, 1024, 2),
		     -EINVAL);
	cr_expect_eq(rss_map_init_reta(&map, sym_key, 40, reta, 0, 2),
		     -EINVAL);
	/* an entry naming a worker that does not exist */
	reta[17] = 2;
	cr_expect_eq(rss_map_init_reta(&map, sym_key, 40, reta, 512, 2),
		     -EINVAL);
	reta[17] = 1;
	cr_expect_eq(rss_map_init_reta(&map, sym_key, 40, reta, 512, 2), 0);
	cr_expect_eq(map.reta_mask, 511);
}

Test(rss_map, short_key_is_zero_padded)
{
	struct rss_map a, b;
	uint8_t padded[RSS_KEY_LEN] = { 0 };

	memcpy(padded, ms_key, 16);
	cr_assert_eq(rss_map_init(&a, ms_key, 16, 4), 0);
	cr_assert_eq(rss_map_init(&b, padded, sizeof(padded), 4), 0);
	for (int i = 0; i < 500; i++) {
		struct shoal_endpoints ep = ep_random();

		cr_assert_eq(rss_hash_v4(&a, &ep), rss_hash_v4(&b, &ep));
	}
	/* 16 bytes are all the 12-byte tuple reads: same hash as the
	 * full key */
	cr_assert_eq(rss_map_init(&b, ms_key, sizeof(ms_key), 4), 0);
	for (unsigned int i = 0; i < RTE_DIM(ms_vectors); i++) {
		struct shoal_endpoints ep = ep_v4(ms_vectors[i].src,
			ms_vectors[i].sport, ms_vectors[i].dst,
			ms_vectors[i].dport);

		cr_expect_eq(rss_hash_v4(&a, &ep), ms_vectors[i].hash);
	}
}

/* Keys to pick ports with: symmetric, Microsoft, and random ones. */
static void
key_nr(unsigned int k, uint8_t key[RSS_KEY_LEN])
{
	if (k == 0) {
		memcpy(key, sym_key, RSS_KEY_LEN);
	} else if (k == 1) {
		memcpy(key, ms_key, RSS_KEY_LEN);
	} else {
		uint64_t s = 0x1234567ULL * k;

		for (unsigned int i = 0; i < RSS_KEY_LEN; i++) {
			s = s * 6364136223846793005ULL + 1442695040888963407ULL;
			key[i] = s >> 56;
		}
	}
}

#define NB_KEYS 5

Test(rss_pick, port_maps_to_worker_for_1_to_16_workers_and_many_keys)
{
	for (unsigned int k = 0; k < NB_KEYS; k++) {
		uint8_t key[RSS_KEY_LEN];

		key_nr(k, key);
		for (unsigned int nw = 1; nw <= 16; nw++) {
			struct rss_map map;

			cr_assert_eq(rss_map_init(&map, key, sizeof(key), nw),
				     0);
			for (unsigned int w = 0; w < nw; w++) {
				for (int t = 0; t < 8; t++) {
					struct shoal_endpoints ep = ep_random();
					uint16_t lo = 32768, hi = 60999;
					rte_be16_t p;
					uint16_t hp;

					p = rss_pick_port(&map, &ep, w, lo, hi,
							  rng());
					hp = rte_be_to_cpu_16(p);
					cr_assert(hp >= lo && hp <= hi,
						  "key %u nw %u w %u: port %u",
						  k, nw, w, hp);
					ep.lport = p;
					cr_assert_eq(rss_worker_v4(&map, &ep), w);
					cr_assert(rss_port_ok(&map, &ep, w));
					for (unsigned int o = 0; o < nw; o++)
						if (o != w)
							cr_assert(!rss_port_ok(
								&map, &ep, o));
				}
			}
		}
	}
}

Test(rss_pick, port_ok_agrees_with_worker_for_every_port)
{
	struct rss_map map;
	struct shoal_endpoints ep = ep_v4(IP4(198, 18, 1, 1), 443,
					  IP4(198, 18, 0, 1), 0);
	unsigned int per[16] = { 0 };

	cr_assert_eq(rss_map_init(&map, sym_key, sizeof(sym_key), 16), 0);
	for (uint32_t p = 1; p <= 65535; p++) {
		unsigned int w;

		ep.lport = rte_cpu_to_be_16(p);
		w = rss_worker_v4(&map, &ep);
		cr_assert_lt(w, 16);
		per[w]++;
		for (unsigned int o = 0; o < 16; o++)
			cr_assert_eq(rss_port_ok(&map, &ep, o), o == w);
	}
	/* Every worker must be reachable, or active opens on it fail. */
	for (unsigned int w = 0; w < 16; w++)
		cr_expect_gt(per[w], 1000, "worker %u owns %u ports", w,
			     per[w]);
}

Test(rss_pick, start_is_randomised)
{
	struct rss_map map;
	struct shoal_endpoints ep = ep_v4(IP4(198, 18, 1, 1), 80,
					  IP4(198, 18, 0, 1), 0);
	rte_be16_t seen[64];
	unsigned int distinct = 0;

	cr_assert_eq(rss_map_init(&map, sym_key, sizeof(sym_key), 4), 0);
	for (unsigned int i = 0; i < RTE_DIM(seen); i++) {
		rte_be16_t p = rss_pick_port(&map, &ep, 2, 1024, 65535, rng());
		bool dup = false;

		cr_assert_neq(p, 0);
		for (unsigned int j = 0; j < distinct; j++)
			dup |= seen[j] == p;
		if (!dup)
			seen[distinct++] = p;
	}
	cr_expect_gt(distinct, 48, "only %u distinct ports of 64 picks",
		     distinct);
}

Test(rss_pick, finds_the_only_suitable_port_in_a_range)
{
	struct rss_map map;
	struct shoal_endpoints ep = ep_v4(IP4(198, 18, 7, 7), 8080,
					  IP4(198, 18, 0, 1), 0);
	uint16_t lo = 40000, hi, only = 0;
	unsigned int w = 5;

	cr_assert_eq(rss_map_init(&map, ms_key, sizeof(ms_key), 8), 0);
	/* Grow the range from lo until it holds exactly one port for w. */
	for (hi = lo; hi < 41000; hi++) {
		ep.lport = rte_cpu_to_be_16(hi);
		if (rss_worker_v4(&map, &ep) == w) {
			only = hi;
			break;
		}
	}
	cr_assert_neq(only, 0);
	/* Whatever the random start, the scan wraps round to it. */
	for (uint32_t r = 0; r < 200; r++)
		cr_assert_eq(rss_pick_port(&map, &ep, w, lo, hi, r * 7919),
			     rte_cpu_to_be_16(only));
}

Test(rss_pick, range_without_a_port_for_the_worker_fails_cleanly)
{
	struct rss_map map;
	struct shoal_endpoints ep = ep_v4(IP4(198, 18, 7, 7), 8080,
					  IP4(198, 18, 0, 1), 0);
	uint16_t lo = 50000, hi;
	unsigned int w = 3;

	cr_assert_eq(rss_map_init(&map, sym_key, sizeof(sym_key), 16), 0);
	/* A run of ports [lo, hi] none of which maps to w. */
	for (;; lo++) {
		ep.lport = rte_cpu_to_be_16(lo);
		if (rss_worker_v4(&map, &ep) != w)
			break;
	}
	for (hi = lo;; hi++) {
		ep.lport = rte_cpu_to_be_16(hi + 1);
		if (rss_worker_v4(&map, &ep) == w)
			break;
	}
	ep.lport = 0;
	for (uint32_t r = 0; r < 50; r++)
		cr_assert_eq(rss_pick_port(&map, &ep, w, lo, hi, r), 0);
	/* and bad ranges / workers */
	cr_expect_eq(rss_pick_port(&map, &ep, w, 60000, 59999, 1), 0);
	cr_expect_eq(rss_pick_port(&map, &ep, 16, 1024, 65535, 1), 0);
	cr_expect_eq(rss_pick_port(&map, &ep, w, 0, 0, 1), 0);
}

Test(rss_pick, worker_missing_from_reta_gets_no_port)
{
	struct rss_map map;
	uint16_t reta[128];
	struct shoal_endpoints ep = ep_v4(IP4(198, 18, 7, 7), 8080,
					  IP4(198, 18, 0, 1), 0);

	/* Three workers, but the port only spreads over 0 and 2. */
	for (unsigned int b = 0; b < 128; b++)
		reta[b] = (b & 1) ? 2 : 0;
	cr_assert_eq(rss_map_init_reta(&map, sym_key, 40, reta, 128, 3), 0);
	cr_expect_eq(rss_pick_port(&map, &ep, 1, 1, 65535, 12345), 0);
	cr_expect_neq(rss_pick_port(&map, &ep, 2, 1, 65535, 12345), 0);
}

Test(rss_pick, callback_fits_the_tcp_engine)
{
	struct rss_map map;
	struct rss_port_ctx ctx = { .map = &map, .worker = 1 };
	shoal_tcp_port_ok_fn fn = rss_port_ok_cb;
	struct shoal_endpoints ep = ep_v4(IP4(198, 18, 3, 3), 5001,
					  IP4(198, 18, 0, 1), 0);
	unsigned int ok = 0;

	cr_assert_eq(rss_map_init(&map, sym_key, 40, 2), 0);
	for (uint32_t p = 1024; p < 3072; p++) {
		ep.lport = rte_cpu_to_be_16(p);
		cr_assert_eq(fn(&ctx, &ep), rss_worker_v4(&map, &ep) == 1);
		ok += fn(&ctx, &ep);
	}
	/* two workers: about half the ports each */
	cr_expect(ok > 700 && ok < 1350, "%u of 2048", ok);
}
