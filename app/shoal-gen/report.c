/* SPDX-License-Identifier: BSD-3-Clause */
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include <rte_common.h>
#include <rte_cycles.h>

#include "json.h"
#include "report.h"

static const double pcts[] = { 50, 90, 99, 99.9 };
static const char *const pct_names[] = { "p50", "p90", "p99", "p99.9" };
#define NB_PCTS (sizeof(pcts) / sizeof(pcts[0]))

void
report_snap(const struct gen *g, struct report_snap *s)
{
	s->t_ns = shoal_now_ns();
	gen_pub_sum(g, &s->g);
	shoal_stats_read(g->stack, &s->st);
	shoal_tcp_stats_read(g->stack, &s->tcp);
}

const char *
report_ns(char *buf, size_t len, uint64_t ns)
{
	if (ns < 1000)
		snprintf(buf, len, "%" PRIu64 "ns", ns);
	else if (ns < 1000000)
		snprintf(buf, len, "%.1fus", (double)ns / 1e3);
	else if (ns < 1000000000)
		snprintf(buf, len, "%.2fms", (double)ns / 1e6);
	else
		snprintf(buf, len, "%.2fs", (double)ns / 1e9);
	return buf;
}

static double
per_sec(uint64_t delta, uint64_t ns)
{
	return ns ? (double)delta * 1e9 / (double)ns : 0.0;
}

/* "connect  p50 12.3us p90 ... max ..." for one histogram, if it has data */
static void
print_hist_line(FILE *f, const char *indent, const char *name,
		const struct hist *h)
{
	char b[32];

	if (h->total == 0)
		return;
	fprintf(f, "%s%-8s", indent, name);
	for (size_t i = 0; i < NB_PCTS; i++)
		fprintf(f, " %s %-8s", pct_names[i],
			report_ns(b, sizeof(b), hist_percentile(h, pcts[i])));
	fprintf(f, " max %s", report_ns(b, sizeof(b), h->max));
	fprintf(f, "  (%" PRIu64 ")\n", h->total);
}

/* The biggest drop reasons, "no_route 3, tx_full 1" */
static void
print_drops(FILE *f, const struct shoal_stats *now,
	    const struct shoal_stats *prev)
{
	uint64_t total = shoal_stats_total_drops(now) -
		shoal_stats_total_drops(prev);
	int shown = 0;

	fprintf(f, "drops %" PRIu64, total);
	if (total == 0)
		return;
	fputs(" (", f);
	for (int i = 0; i < SHOAL_DROP_MAX && shown < 3; i++) {
		uint64_t d = now->drops[i] - prev->drops[i];

		if (d == 0)
			continue;
		fprintf(f, "%s%s %" PRIu64, shown ? ", " : "",
			shoal_drop_name(i), d);
		shown++;
	}
	fputc(')', f);
}

/* Memory pressure this interval, when there was any: what the engine
 * refused or let go to keep its receive reserve, and packets the ports
 * could not receive for want of an mbuf. */
static void
print_pressure(FILE *f, const struct report_snap *now,
	       const struct report_snap *prev)
{
	uint64_t mem = 0, nombuf = now->st.rx_nombuf - prev->st.rx_nombuf;

#define MEM_SUM(n) mem += now->tcp.n - prev->tcp.n;
	MEM_SUM(mem_send_refused) MEM_SUM(mem_tx_deferred)
	MEM_SUM(mem_syn_drops) MEM_SUM(mem_connect_refused)
	MEM_SUM(mem_ooo_drops)
#undef MEM_SUM
	if (mem != 0 || nombuf != 0)
		fprintf(f, "  mem pressure %" PRIu64 " rx_nombuf %" PRIu64,
			mem, nombuf);
}

void
report_live(FILE *f, const struct gen_conf *c, const struct report_snap *now,
	    const struct report_snap *prev, uint64_t since_start)
{
	const struct gen_counters *a = &now->g.cnt, *b = &prev->g.cnt;
	uint64_t dt = now->t_ns - prev->t_ns;
	static struct hist iv;	/* one interval's latencies */
	const char *ind = "         ";

	fprintf(f, "[%6.1fs] new %.0f/s  active %" PRIu64 "  estab %" PRIu64
		"  closed %" PRIu64 "  failed %" PRIu64
		" (reset %" PRIu64 " refused %" PRIu64 " timeout %" PRIu64
		" other %" PRIu64 ")\n",
		(double)since_start / 1e9,
		per_sec(a->conn_established + a->conn_accepted -
			b->conn_established - b->conn_accepted, dt),
		now->g.active, now->g.established, a->conn_closed,
		gen_counters_failures(a), a->fail_reset, a->fail_refused,
		a->fail_timeout, a->fail_local + a->fail_protocol +
		a->fail_verify + a->server_no_ctx);
	if (gen_is_client(c))
		fprintf(f, "%sreq %.0f/s  resp %.0f/s  2xx %" PRIu64
			" 3xx %" PRIu64 " 4xx %" PRIu64 " 5xx %" PRIu64
			" other %" PRIu64 "\n", ind,
			per_sec(a->requests_tx - b->requests_tx, dt),
			per_sec(a->responses_rx - b->responses_rx, dt),
			a->resp_2xx, a->resp_3xx, a->resp_4xx, a->resp_5xx,
			a->resp_1xx + a->resp_other);
	if (gen_is_server(c))
		fprintf(f, "%sserved %.0f/s  requests %" PRIu64 "\n", ind,
			per_sec(a->requests_rx - b->requests_rx, dt),
			a->requests_rx);
	fprintf(f, "%srx %.3f Gbit/s %.3f Mpps  tx %.3f Gbit/s %.3f Mpps"
		"  retrans %" PRIu64 "  ", ind,
		per_sec(now->st.rx_bytes - prev->st.rx_bytes, dt) * 8 / 1e9,
		per_sec(now->st.rx_packets - prev->st.rx_packets, dt) / 1e6,
		per_sec(now->st.tx_bytes - prev->st.tx_bytes, dt) * 8 / 1e9,
		per_sec(now->st.tx_packets - prev->st.tx_packets, dt) / 1e6,
		now->tcp.retransmits - prev->tcp.retransmits);
	print_drops(f, &now->st, &prev->st);
	print_pressure(f, now, prev);
	fprintf(f, "  mbufs %" PRIu64 "/%" PRIu64 "  cbs %" PRIu64
		" (timewait %" PRIu64 ")\n", now->g.mbufs_in_use,
		now->g.mbufs_total, now->tcp.conns_open, now->tcp.conns_timewait);
	for (int k = 0; k < GEN_H_MAX; k++) {
		hist_diff(&iv, &now->g.h[k], &prev->g.h[k]);
		print_hist_line(f, ind, gen_hist_names[k], &iv);
	}
	fflush(f);
}

/* The latency the pass criterion looks at: requests when there were any. */
static const struct hist *
p99_hist(const struct report_snap *end, const char **name)
{
	if (end->g.h[GEN_H_RR].total) {
		*name = gen_hist_names[GEN_H_RR];
		return &end->g.h[GEN_H_RR];
	}
	*name = gen_hist_names[GEN_H_CONNECT];
	return &end->g.h[GEN_H_CONNECT];
}

static uint64_t
conns_ok(const struct gen_counters *c)
{
	return c->conn_established + c->conn_accepted;
}

bool
report_pass(const struct gen_conf *c, const struct report_snap *end,
	    uint64_t run_ns, char *why, size_t whylen)
{
	size_t off = 0;
	bool ok = true;

	why[0] = '\0';
	if (c->pass_min_cps > 0) {
		double cps = per_sec(conns_ok(&end->g.cnt), run_ns);

		if (cps < c->pass_min_cps) {
			ok = false;
			off += (size_t)snprintf(why + off, whylen - off,
				"connection rate %.1f/s below min_cps %.1f/s\n",
				cps, c->pass_min_cps);
		}
	}
	if (c->pass_max_failures >= 0 && off < whylen) {
		uint64_t fails = gen_counters_failures(&end->g.cnt);

		if (fails > (uint64_t)c->pass_max_failures) {
			ok = false;
			off += (size_t)snprintf(why + off, whylen - off,
				"%" PRIu64 " failures above max_failures %" PRId64
				"\n", fails, c->pass_max_failures);
		}
	}
	if (end->final && off < whylen) {
		const struct gen_counters *a = &end->g.cnt;
		char l[256];

		/* A connection that never finished is a failed run, whatever
		 * max_failures allows: the drain had to abort it, or it was
		 * established and never reported closed. */
		if (a->drain_aborted > 0) {
			ok = false;
			off += (size_t)snprintf(why + off, whylen - off,
				"%" PRIu64 " connections aborted at the end "
				"of the drain\n", a->drain_aborted);
		}
		if (off < whylen && a->conn_closed < conns_ok(a)) {
			ok = false;
			off += (size_t)snprintf(why + off, whylen - off,
				"%" PRIu64 " established connections never "
				"closed\n", conns_ok(a) - a->conn_closed);
		}
		if (off < whylen && gen_leaks_any(&end->leaks)) {
			ok = false;
			gen_leaks_format(&end->leaks, l, sizeof(l));
			off += (size_t)snprintf(why + off, whylen - off,
				"leaks %s\n", l);
		}
	}
	if (c->pass_max_p99 > 0 && off < whylen) {
		const char *name;
		const struct hist *h = p99_hist(end, &name);
		uint64_t p99 = hist_percentile(h, 99);
		char b1[32], b2[32];

		if (h->total == 0 || p99 > c->pass_max_p99) {
			ok = false;
			snprintf(why + off, whylen - off,
				 "%s p99 %s above max_p99 %s%s\n", name,
				 report_ns(b1, sizeof(b1), p99),
				 report_ns(b2, sizeof(b2), c->pass_max_p99),
				 h->total ? "" : " (nothing measured)");
		}
	}
	return ok;
}

/* With stack.cycles: the loop's TSC cycles by phase, per connection and
 * per request (the server's requests, the client's responses). The
 * phases are those of turns that found work; "rest" is what else those
 * turns took (the loop itself, counter publication); "idle" is the turns
 * that found none, whole. */
static void
print_cycles(FILE *f, const struct gen_conf *c, const struct report_snap *end)
{
	const struct shoal_stats *s = &end->st;
	uint64_t conns = conns_ok(&end->g.cnt);
	uint64_t reqs = gen_is_server(c) ? end->g.cnt.requests_rx :
					   end->g.cnt.responses_rx;
	uint64_t named = s->cycles_rx + s->cycles_input + s->cycles_timers +
			 s->cycles_app + s->cycles_flush + s->cycles_tx +
			 s->cycles_idle;
	const struct { const char *name; uint64_t v; } row[] = {
		{ "loop", s->cycles_loop },
		{ "busy", s->cycles_loop - s->cycles_idle },
		{ "rx", s->cycles_rx },
		{ "input", s->cycles_input },
		{ "timers", s->cycles_timers },
		{ "app", s->cycles_app },
		{ "flush", s->cycles_flush },
		{ "tx", s->cycles_tx },
		{ "rest", s->cycles_loop > named ? s->cycles_loop - named : 0 },
		{ "idle", s->cycles_idle },
	};

	if (s->cycles_loop == 0)
		return;
	fprintf(f, "cycles: TSC %.3f GHz, %" PRIu64 " busy / %" PRIu64
		" idle polls\n", (double)rte_get_tsc_hz() / 1e9,
		s->polls_busy, s->polls_idle);
	fprintf(f, "  %-8s %14s %6s %12s %12s\n", "phase", "cycles", "%",
		"per conn", "per request");
	for (unsigned int i = 0; i < RTE_DIM(row); i++) {
		fprintf(f, "  %-8s %14" PRIu64 " %6.1f", row[i].name, row[i].v,
			100.0 * (double)row[i].v / (double)s->cycles_loop);
		if (conns)
			fprintf(f, " %12.0f", (double)row[i].v / (double)conns);
		else
			fprintf(f, " %12s", "-");
		if (reqs)
			fprintf(f, " %12.0f", (double)row[i].v / (double)reqs);
		fprintf(f, "\n");
	}
}

void
report_summary(FILE *f, const struct gen_conf *c, const struct report_snap *end,
	       uint64_t run_ns, bool pass, const char *why)
{
	const struct gen_counters *a = &end->g.cnt;

	fprintf(f, "gen: role %s, profile %s, %.2f s\n",
		gen_role_names[c->role], gen_profile_names[c->profile],
		(double)run_ns / 1e9);
#define GEN_COUNTER_PRINT(n) \
	if (a->n) \
		fprintf(f, "  %-22s %" PRIu64 "\n", #n, a->n);
	GEN_COUNTERS(GEN_COUNTER_PRINT)
#undef GEN_COUNTER_PRINT
	fprintf(f, "  %-22s %" PRIu64 "\n", "failures",
		gen_counters_failures(a));
	fprintf(f, "  %-22s %.1f\n", "conn_per_sec",
		per_sec(conns_ok(a), run_ns));
	if (gen_is_client(c))
		fprintf(f, "  %-22s %.1f\n", "responses_per_sec",
			per_sec(a->responses_rx, run_ns));
	if (gen_is_server(c))
		fprintf(f, "  %-22s %.1f\n", "requests_per_sec",
			per_sec(a->requests_rx, run_ns));
	fprintf(f, "  %-22s %.3f / %.3f\n", "gbit_per_sec_rx_tx",
		per_sec(end->st.rx_bytes, run_ns) * 8 / 1e9,
		per_sec(end->st.tx_bytes, run_ns) * 8 / 1e9);
	fprintf(f, "latency:\n");
	for (int k = 0; k < GEN_H_MAX; k++) {
		char b1[32], b2[32];

		print_hist_line(f, "  ", gen_hist_names[k], &end->g.h[k]);
		if (end->g.h[k].total)
			fprintf(f, "  %-8s min %s mean %s\n", "",
				report_ns(b1, sizeof(b1), end->g.h[k].min),
				report_ns(b2, sizeof(b2),
					  (uint64_t)hist_mean(&end->g.h[k])));
	}
	print_cycles(f, c, end);
	if (end->final) {
		fprintf(f, "leaks:\n");
#define GEN_LEAK_PRINT(n) \
		fprintf(f, "  %-22s %" PRIu64 "\n", #n, end->leaks.n);
		GEN_LEAKS(GEN_LEAK_PRINT)
#undef GEN_LEAK_PRINT
	}
	if (pass)
		fprintf(f, "pass: ok\n");
	else
		fprintf(f, "pass: FAILED\n%s", why);
	fflush(f);
}

static void
json_hist(struct json *j, const char *key, const struct hist *h)
{
	json_object_begin(j, key);
	json_u64(j, "count", h->total);
	json_u64(j, "min_ns", h->total ? h->min : 0);
	json_double(j, "mean_ns", hist_mean(h));
	for (size_t i = 0; i < NB_PCTS; i++) {
		char k[32];

		snprintf(k, sizeof(k), "%s_ns", pct_names[i]);
		json_u64(j, k, hist_percentile(h, pcts[i]));
	}
	json_u64(j, "max_ns", h->max);
	json_u64(j, "beyond_range", h->clamped);
	json_object_end(j);
}

int
report_json(const char *path, const struct gen_conf *c,
	    const struct report_snap *end, uint64_t run_ns,
	    unsigned int nb_workers, bool pass, const char *why)
{
	const struct gen_counters *a = &end->g.cnt;
	char *cfg = NULL;
	size_t cfg_len = 0;
	FILE *mf, *f;
	struct json j;
	int ret;

	/* the effective configuration, as lib/config writes it */
	mf = open_memstream(&cfg, &cfg_len);
	if (mf == NULL)
		return -errno;
	shoal_cfg_dump_json(mf, gen_schema, c);
	fclose(mf);

	f = fopen(path, "w");
	if (f == NULL) {
		ret = -errno;
		free(cfg);
		return ret;
	}
	json_init(&j, f, true);
	json_object_begin(&j, NULL);
	json_str(&j, "tool", "shoal-gen");
	json_str(&j, "role", gen_role_names[c->role]);
	json_str(&j, "profile", gen_profile_names[c->profile]);
	json_u64(&j, "workers", nb_workers);
	json_double(&j, "duration_s", (double)run_ns / 1e9);
	json_bool(&j, "pass", pass);
	json_array_begin(&j, "pass_failures");
	for (const char *p = why; p && *p;) {
		const char *nl = strchr(p, '\n');
		char line[256];
		size_t n = nl ? (size_t)(nl - p) : strlen(p);

		snprintf(line, sizeof(line), "%.*s", (int)n, p);
		json_str(&j, NULL, line);
		p = nl ? nl + 1 : p + n;
	}
	json_array_end(&j);

	json_object_begin(&j, "rates");
	json_double(&j, "conn_per_sec", per_sec(conns_ok(a), run_ns));
	json_double(&j, "responses_per_sec", per_sec(a->responses_rx, run_ns));
	json_double(&j, "requests_served_per_sec", per_sec(a->requests_rx, run_ns));
	json_double(&j, "rx_gbit_per_sec", per_sec(end->st.rx_bytes, run_ns) * 8 / 1e9);
	json_double(&j, "tx_gbit_per_sec", per_sec(end->st.tx_bytes, run_ns) * 8 / 1e9);
	json_double(&j, "rx_mpps", per_sec(end->st.rx_packets, run_ns) / 1e6);
	json_double(&j, "tx_mpps", per_sec(end->st.tx_packets, run_ns) / 1e6);
	json_object_end(&j);

	json_object_begin(&j, "counters");
#define GEN_COUNTER_JSON(n) json_u64(&j, #n, a->n);
	GEN_COUNTERS(GEN_COUNTER_JSON)
#undef GEN_COUNTER_JSON
	json_u64(&j, "failures", gen_counters_failures(a));
	json_u64(&j, "active_at_end", end->g.active);
	json_u64(&j, "mbufs_in_use", end->g.mbufs_in_use);
	json_u64(&j, "mbufs_total", end->g.mbufs_total);
	json_object_end(&j);

	if (end->final) {
		json_object_begin(&j, "leaks");
#define GEN_LEAK_JSON(n) json_u64(&j, #n, end->leaks.n);
		GEN_LEAKS(GEN_LEAK_JSON)
		json_array_begin(&j, "workers");
		for (unsigned int i = 0; end->worker_leaks && i < nb_workers; i++) {
			json_object_begin(&j, NULL);
#define GEN_LEAK_WJSON(n) json_u64(&j, #n, end->worker_leaks[i].n);
			GEN_LEAKS(GEN_LEAK_WJSON)
#undef GEN_LEAK_WJSON
			json_object_end(&j);
		}
		json_array_end(&j);
#undef GEN_LEAK_JSON
		json_object_end(&j);
	}

	json_object_begin(&j, "latency");
	for (int k = 0; k < GEN_H_MAX; k++)
		json_hist(&j, gen_hist_names[k], &end->g.h[k]);
	json_object_end(&j);

	json_object_begin(&j, "stack");
#define STACK_JSON(n) json_u64(&j, #n, end->st.n);
	SHOAL_COUNTERS(STACK_JSON)
#undef STACK_JSON
	if (end->st.cycles_loop != 0)
		json_u64(&j, "tsc_hz", rte_get_tsc_hz());
	json_object_begin(&j, "drops");
	for (int i = 0; i < SHOAL_DROP_MAX; i++)
		json_u64(&j, shoal_drop_name(i), end->st.drops[i]);
	json_object_end(&j);
	json_object_end(&j);

	json_object_begin(&j, "tcp");
#define TCP_JSON(n) json_u64(&j, #n, end->tcp.n);
	SHOAL_TCP_COUNTERS(TCP_JSON)
#undef TCP_JSON
	json_u64(&j, "conns_open", end->tcp.conns_open);
	json_u64(&j, "conns_timewait", end->tcp.conns_timewait);
	json_object_end(&j);

	json_raw(&j, "config", cfg);
	json_object_end(&j);
	ret = json_finish(&j);
	if (fclose(f) != 0 && ret == 0)
		ret = -errno;
	free(cfg);
	return ret;
}
