# Sourced by perf/run.sh: shoal's own benchmarks (issue 7, items 2-6).
#
# ======================================================================
#  PLUG-IN POINT FOR THE SHOAL WORKLOADS
#
#  Each function below is one benchmark of shoal. Until shoal-gen has its
#  client and server roles and the TCP engine can be driven by a scripted
#  workload, each one records itself as {"status": "pending"} with the
#  reason: no number is ever made up. To add a run, replace the
#  perf_pending call in its function with the run and a perf_record call
#  (see lib/ceiling.sh for the shape), keeping the perf_compare line
#  above it: the comparison list is what turns the figure into a ratio
#  against the Linux baseline or the I/O ceiling measured in the same run
#  (lib/ratios.jq), and the report prints those ratios next to the target.
#
#  Conventions for the runs: client on $cpu_b, server on $cpu_a, one
#  worker each; virtio-user <-> vhost-user under $sockdir like the I/O
#  ceiling; EAL memory from ceiling_mem_args; --no-pci always; $secs
#  measured seconds; shoal-gen from $build/app/shoal-gen/shoal-gen, built
#  here first (`ninja -C "$build" app/shoal-gen/shoal-gen`): make bench
#  does not build the whole tree, so the baselines run even when some
#  other part of it does not build.
# ======================================================================

shoal_gen_why="shoal-gen has no TCP client/server roles with the http, rr and bulk profiles yet"

# Item 2: connections per second, http profile, one GET per connection.
bench_shoal_cps() {
	perf_compare='[
	  {"figure": "cps", "against": "linux/http_close", "against_figure": "requests_per_s"},
	  {"figure": "mpps_per_core", "against": "io-ceiling/bothways_64", "against_figure": "mpps_per_core"}]'
	perf_pending http_close shoal "$shoal_gen_why" \
		">= 1.5M CPS over 60 s; >= 50x Linux; packets/s >= 70% of the I/O ceiling"
}

# Item 3: keep-alive requests per second, 100 requests per connection.
bench_shoal_keepalive() {
	perf_compare='[
	  {"figure": "requests_per_s", "against": "linux/http_keepalive", "against_figure": "requests_per_s"}]'
	perf_pending http_keepalive shoal "$shoal_gen_why" \
		">= 3M requests/s per core pair; >= 20x Linux"
}

# Item 3: request/response latency, 64 B each way.
bench_shoal_rr() {
	perf_pending rr_1conn shoal "$shoal_gen_why" "p99 < 10 us (p50, p99, p99.9 reported)"
	perf_pending rr_100conn shoal "$shoal_gen_why" "p50, p99, p99.9 reported"
}

# Item 4: bulk throughput, MSS 1460, each way; one and 100 connections.
bench_shoal_bulk() {
	local dir
	for dir in c2s s2c; do
		perf_compare='[
		  {"figure": "gbps", "against": "linux/iperf3_1", "against_figure": "gbps"}]'
		perf_pending "bulk_1_$dir" shoal "$shoal_gen_why" \
			">= 40 Gbit/s on one connection; >= 2x iperf3 on Linux"
	done
	perf_compare='[
	  {"figure": "gbps", "against": "linux/iperf3_100", "against_figure": "gbps"}]'
	perf_pending bulk_100 shoal "$shoal_gen_why" "reported beside iperf3 -P 100"
}

# Item 5: idle established connections held, memory per connection.
bench_shoal_concurrency() {
	perf_pending concurrency shoal "$shoal_gen_why" \
		"1M, then up to 10M idle connections; <= 320 B per connection per side; full rate while held"
}

# Item 6: instructions per in-order data segment and per connection
# lifecycle, counted by valgrind --tool=callgrind on a fixed scripted
# workload (instruction counts repeat on a noisy machine; times do not).
bench_shoal_callgrind() {
	local why="no scripted TCP engine workload to run under callgrind yet (needs lib/tcp and a driver in perf/)"
	perf_pending callgrind_segment fast-path "$why" "instructions per in-order data segment received"
	perf_pending callgrind_lifecycle fast-path "$why" "instructions per full connection lifecycle"
}

bench_shoal() {
	bench_shoal_cps
	bench_shoal_keepalive
	bench_shoal_rr
	bench_shoal_bulk
	bench_shoal_concurrency
	bench_shoal_callgrind
}
