#!/usr/bin/env bash
# The benchmark suite's smoke test (meson suite perf-smoke): runs
# perf/run.sh with one-second measurements into OUTDIR and checks that its
# JSON is valid, that every benchmark that ran produced figures > 0, that
# none failed, that shoal's own runs and the callgrind counts all ran and
# carry their ratios, and that anything that cannot run yet says so
# instead of carrying a number.
#   perf/smoke.sh [OUTDIR]
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)

if [ "$(id -u)" -ne 0 ]; then
	echo "bench-smoke: needs root (network namespaces); skipped"
	exit 77
fi
out=${1:-$(mktemp -d /tmp/shoal-bench-smoke.XXXXXX)}
mkdir -p "$out"
rm -f "$out"/*.json "$out"/*.md "$out"/*.png

# Issue 7 asks ~30 s. Every benchmark kind runs once, so a broken one
# still fails the smoke test, but only in the variant the ratios need:
# one I/O ceiling mode and size (bothways at 64 B, the one shoal's
# packet ratio uses) instead of six; rr with one connection, bulk with
# one each way and iperf3 with one stream (their 100-connection twins
# run the same code with a bigger count); and no concurrency run (two
# runs of thousands of held connections each). `make bench-smoke` runs
# them all.
ceiling_modes=${SHOAL_BENCH_CEILING_MODES:-bothways}
ceiling_sizes=${SHOAL_BENCH_CEILING_SIZES:-64}
iperf_streams=${SHOAL_BENCH_IPERF_STREAMS:-1}
rr_conns=${SHOAL_BENCH_RR_CONNS:-1}
bulk=${SHOAL_BENCH_BULK:-1:upload:bulk_1_c2s 1:download:bulk_1_s2c}
shoal_benches=${SHOAL_BENCH_SHOAL:-cps keepalive rr bulk cycles callgrind}
SHOAL_BENCH_SECONDS=${SHOAL_BENCH_SECONDS:-1} SHOAL_BENCH_KIND=smoke \
	SHOAL_BENCH_CEILING_MODES=$ceiling_modes \
	SHOAL_BENCH_CEILING_SIZES=$ceiling_sizes \
	SHOAL_BENCH_IPERF_STREAMS=$iperf_streams \
	SHOAL_BENCH_RR_CONNS=$rr_conns SHOAL_BENCH_BULK=$bulk \
	SHOAL_BENCH_SHOAL=$shoal_benches \
	SHOAL_BENCH_OUT="$out" bash "$here/run.sh"

json=$(ls "$out"/*.json)
[ "$(echo "$json" | wc -l)" = 1 ] || { echo "expected one results file in $out"; exit 1; }
jq empty "$json" || { echo "$json is not valid JSON"; exit 1; }

# Each check prints what broke; jq -e fails the script on false.
check() {
	local what=$1 filter=$2
	if ! jq -e "$filter" "$json" >/dev/null; then
		echo "bench-smoke: FAILED: $what"
		jq -r "$3" "$json" 2>/dev/null | sed 's/^/  /'
		exit 1
	fi
	echo "bench-smoke: ok: $what"
}
check "the run is marked as a smoke run" '.run.smoke == true' '.run'
check "the machine facts are there" \
	'.machine | (.cpu_model | length > 0) and .cores > 0 and (.kernel | length > 0) and (.dpdk_version | length > 0) and (.hugepages | has("total"))' \
	'.machine'
check "no benchmark failed" \
	'[.benchmarks[] | select(.status == "failed")] | length == 0' \
	'.benchmarks[] | select(.status == "failed") | "\(.group)/\(.name): \(.note)"'
check "every status is ok or pending" \
	'all(.benchmarks[]; .status == "ok" or .status == "pending")' \
	'.benchmarks[] | "\(.group)/\(.name): \(.status)"'
check "every measured benchmark has figures, all numbers > 0, and its commands" \
	'all(.benchmarks[] | select(.status == "ok");
		(.figures | length > 0) and (.commands | length > 0) and
		all(.figures[]; (.value | type == "number") and .value > 0 and (.unit | length > 0)))' \
	'.benchmarks[] | select(.status == "ok") | "\(.group)/\(.name): \(.figures)"'
check "every pending benchmark says why and carries no number" \
	'all(.benchmarks[] | select(.status == "pending");
		(.figures | length == 0) and (.note | startswith("not yet available: ")))' \
	'.benchmarks[] | select(.status == "pending") | "\(.group)/\(.name): \(.figures) \(.note)"'
# The benchmarks this smoke run was asked for, each as group/name.
expected=()
for m in $ceiling_modes; do
	for z in $ceiling_sizes; do
		expected+=("io-ceiling/${m}_$z")
	done
done
expected+=(linux/http_close linux/http_keepalive)
for n in $iperf_streams; do
	expected+=("linux/iperf3_$n")
done
nbulk=0
for b in $shoal_benches; do
	case "$b" in
	cps) expected+=(shoal/http_close) ;;
	keepalive) expected+=(shoal/http_keepalive) ;;
	rr) for n in $rr_conns; do expected+=("shoal/rr_${n}conn"); done ;;
	bulk) for spec in $bulk; do
			expected+=("shoal/${spec##*:}")
			nbulk=$((nbulk + 1))
		done ;;
	concurrency) expected+=(shoal/concurrency) ;;
	hold_max) expected+=(shoal/hold_max) ;;
	cycles) expected+=(shoal/cycles) ;;
	callgrind) expected+=(fast-path/callgrind_segment fast-path/callgrind_lifecycle) ;;
	*) echo "bench-smoke: unknown shoal benchmark $b"; exit 2 ;;
	esac
done
check "every benchmark asked for ran, with every figure > 0: ${expected[*]}" \
	"[.benchmarks[] | select(.status == \"ok\") | \"\\(.group)/\\(.name)\"] as \$ok
	 | all($(printf '"%s", ' "${expected[@]}" | sed 's/, $//'); IN(\$ok[]))" \
	'[.benchmarks[] | "\(.group)/\(.name): \(.status) \(.note)"][]'
check "shoal's ratios against the baselines of the same run were computed" \
	'[.benchmarks[] | select(.group == "shoal" and (.name == "http_close" or .name == "http_keepalive" or (.name | startswith("bulk_"))))
	  | (.ratios | length > 0) and all(.ratios[]; .value > 0)] | length == '"$((2 + nbulk))"' and all' \
	'.benchmarks[] | select(.group == "shoal") | "\(.name): \(.ratios)"'
check "every record says how fast the host ran just after it (perf/hostprobe), and each measured one just before" \
	'all(.benchmarks[]; .host.after.core_ns_per_kiter > 0 and .host.after.pingpong_ns > 0)
	 and all(.benchmarks[] | select(.status == "ok" and .group != "fast-path"); .host.before.core_ns_per_kiter > 0)' \
	'.benchmarks[] | "\(.group)/\(.name): \(.host)"'
stem=${json%.json}
[ -s "$stem.md" ] || { echo "bench-smoke: FAILED: no markdown table"; exit 1; }
ls "$stem"-*.png >/dev/null 2>&1 || { echo "bench-smoke: FAILED: no plots"; exit 1; }
echo "bench-smoke: ok: $stem.md and $(ls "$stem"-*.png | wc -l) plots"
