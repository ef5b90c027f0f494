#!/usr/bin/env bash
# shoal's benchmark suite (`make bench`). Runs every benchmark in one go on
# this machine and writes perf/results/<date>-<host>.{json,md} plus PNG
# plots. See perf/README.md for what each figure means.
#
# Environment:
#   SHOAL_BENCH_SECONDS  measured seconds per run (default 10)
#   SHOAL_BENCH_CPS_SECONDS  measured seconds of shoal's CPS run (default
#                        60, the target's; smoke runs: SHOAL_BENCH_SECONDS)
#   SHOAL_BENCH_OUT      results folder (default perf/results)
#   SHOAL_BENCH_KIND     "full" or "smoke" (recorded in the JSON)
#   SHOAL_BENCH_ONLY     space-separated groups to run (default: all of
#                        io-ceiling linux shoal)
#   SHOAL_BENCH_MEM_MB   EAL memory per testpmd process (default 256)
#   SHOAL_BENCH_CONNS    wrk connections (default 100)
#   SHOAL_BUILD          shoal build folder (default build)
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/.." && pwd)
. "$root/app/common.sh"
. "$here/lib/common.sh"
. "$here/lib/facts.sh"
. "$here/lib/ceiling.sh"
. "$here/lib/linux.sh"
. "$here/lib/shoal.sh"
. "$here/lib/report.sh"

secs=${SHOAL_BENCH_SECONDS:-10}
out=${SHOAL_BENCH_OUT:-$here/results}
kind=${SHOAL_BENCH_KIND:-full}
only=${SHOAL_BENCH_ONLY:-io-ceiling linux shoal}
mem_mb=${SHOAL_BENCH_MEM_MB:-256}
conns=${SHOAL_BENCH_CONNS:-100}
build=${SHOAL_BUILD:-$root/build}
sockdir=/var/tmp/shoal
# One core per side: the two CPUs of this machine. Everything that is
# measured runs pinned, one side on each.
cpu_a=0
cpu_b=1

# The CPS target is a rate sustained over 60 s: that run alone is longer.
cps_secs=${SHOAL_BENCH_CPS_SECONDS:-60}
[ "$kind" = smoke ] && cps_secs=${SHOAL_BENCH_CPS_SECONDS:-$secs}

case "$secs" in
''|*[!0-9]*|0) echo "SHOAL_BENCH_SECONDS must be a positive integer" >&2; exit 2 ;;
esac
case "$cps_secs" in
''|*[!0-9]*|0) echo "SHOAL_BENCH_CPS_SECONDS must be a positive integer" >&2; exit 2 ;;
esac
if [ "$(id -u)" -ne 0 ]; then
	echo "perf/run.sh needs root (network namespaces, nginx on port 80xx)" >&2
	exit 2
fi
if [ "$(nproc)" -lt 2 ]; then
	echo "perf/run.sh needs 2 CPUs (one per side)" >&2
	exit 2
fi

# Tools the benchmarks drive, installed the way .ci/setup installs.
perf_install() {
	local pkgs=(dpdk nginx-light wrk iperf3 gnuplot-nox valgrind jq
		iproute2 util-linux procps) missing=() p
	for p in "${pkgs[@]}"; do
		dpkg-query -W -f='${Status}' "$p" 2>/dev/null |
			grep -q 'ok installed' || missing+=("$p")
	done
	[ ${#missing[@]} -eq 0 ] && return 0
	perf_log "installing ${missing[*]}"
	env DEBIAN_FRONTEND=noninteractive apt-get update -qq
	env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq \
		--no-install-recommends "${missing[@]}" >/dev/null
}

work=$(mktemp -d /tmp/shoal-bench.XXXXXX)
cleanup() {
	ceiling_cleanup
	linux_cleanup
	shoal_cleanup
	[ "${SHOAL_BENCH_KEEP:-0}" = 1 ] && perf_log "kept $work" || rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT TERM
mkdir -p "$work/bench" "$work/series" "$out" "$sockdir"

perf_install
# The host probe runs around every measurement (perf_probe); a tree that
# does not build still gets its baselines, with null host figures.
if { [ -f "$build/build.ninja" ] || meson setup "$build" >/dev/null 2>&1; } &&
   ninja -C "$build" perf/hostprobe >/dev/null 2>&1; then
	perf_log "host now: $(perf_probe)"
else
	perf_log "perf/hostprobe did not build: host figures will be null"
fi
stamp=$(date +%Y-%m-%d-%H%M%S)
host=$(hostname -s 2>/dev/null || hostname)
stem=$out/$stamp-$host
perf_log "$kind run, ${secs} s per measurement (shoal's CPS: ${cps_secs} s), results in $stem.*"
started=$(date -Is)
load_before=$(cut -d' ' -f1-3 /proc/loadavg)

for g in $only; do
	case "$g" in
	io-ceiling) bench_io_ceiling ;;
	linux) bench_linux ;;
	shoal) bench_shoal ;;
	*) echo "unknown benchmark group $g" >&2; exit 2 ;;
	esac
done

load_after=$(cut -d' ' -f1-3 /proc/loadavg)
perf_facts > "$work/facts.json"
# One document: the run, the machine, every benchmark in the order it ran;
# ratios.jq then fills each benchmark's ratios from its "compare" list.
jq -s --slurpfile facts "$work/facts.json" --arg kind "$kind" \
	--arg started "$started" --arg ended "$(date -Is)" \
	--arg lb "$load_before" --arg la "$load_after" --argjson secs "$secs" --argjson cps_secs "$cps_secs" \
	'{schema: 1,
	  run: {kind: $kind, smoke: ($kind == "smoke"), started: $started,
		ended: $ended, seconds_per_run: $secs,
		cps_seconds: $cps_secs,
		loadavg_before: $lb, loadavg_after: $la,
		shoal_commit: $facts[0].shoal_commit},
	  machine: ($facts[0] | del(.shoal_commit)),
	  benchmarks: .}' "$work"/bench/*.json |
	jq -f "$here/lib/ratios.jq" > "$stem.json"

perf_report_md "$stem.json" > "$stem.md"
perf_report_plots "$stem.json" "$stem"
perf_log "wrote $stem.json, $stem.md and $(ls "$stem"-*.png 2>/dev/null | wc -l) plots"
