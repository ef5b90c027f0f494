#!/usr/bin/env bash
# Runs libFuzzer targets, one after the other, for a bounded time each.
#
#   run.sh [--smoke] [TARGET...]     (default: every target)
#
# FUZZ_SECONDS per target (default 300); with --smoke (the fuzz-smoke
# meson suite) FUZZ_SMOKE_SECONDS (default 60). Each target starts from
# the committed seeds in tests/fuzz/corpus/TARGET plus what earlier runs
# found (build-fuzz/corpus/TARGET, not committed); crash, leak and timeout
# inputs go to build-fuzz/artifacts/. One process per target (the machine
# is shared): no -jobs/-workers fan-out. Exits non-zero on any finding.
set -uo pipefail
src=${SHOAL_SRC:-$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)}
bdir=${SHOAL_FUZZ_BUILD:-$src/build-fuzz}
fdir=$src/tests/fuzz
secs=${FUZZ_SECONDS:-300}
if [ "${1:-}" = --smoke ]; then
	shift
	secs=${FUZZ_SMOKE_SECONDS:-60}
fi
targets=("$@")
[ ${#targets[@]} -gt 0 ] || targets=(fuzz_net_input fuzz_tcp_engine fuzz_config fuzz_http)

SHOAL_FUZZ_BUILD=$bdir bash "$fdir/build.sh" || exit 1

rc=0
for t in "${targets[@]}"; do
	bin=$bdir/tests/fuzz/$t
	work=$bdir/corpus/$t
	art=$bdir/artifacts
	log=$bdir/$t.log
	mkdir -p "$work" "$art"
	opts=(-max_total_time="$secs" -timeout=30 -rss_limit_mb=4096
	      -max_len=4096 -print_final_stats=1 -artifact_prefix="$art/$t-")
	[ -f "$fdir/$t.dict" ] && opts+=(-dict="$fdir/$t.dict")
	echo "== $t: ${secs}s from $(ls "$fdir/corpus/$t" | wc -l) seeds" \
		"+ $(ls "$work" | wc -l) earlier finds"
	# New inputs land in the first directory only: the seeds stay as
	# committed.
	"$bin" "${opts[@]}" "$work" "$fdir/corpus/$t" >"$log" 2>&1
	r=$?
	# libFuzzer's last status line carries cov: (edges) and ft: (features).
	grep -E '^#[0-9]+' "$log" | tail -n 1
	grep -E '^stat::(number_of_executed_units|average_exec_per_sec|peak_rss_mb)' "$log"
	if [ $r -ne 0 ]; then
		rc=1
		echo "!! $t failed (exit $r); the end of $log:"
		tail -n 60 "$log"
		grep -Eo "(Test unit written to|artifact_prefix.*; Test unit written to) [^ ]+" "$log" |
			sed 's/^/!! crash file: /'
		# The input itself, on one line, for a reproduction elsewhere
		# (CI keeps only the output): base64 -d >f; $bin f.
		for f in $(grep -Eo "Test unit written to [^ ]+" "$log" |
			   awk '{print $NF}'); do
			[ -f "$f" ] && [ "$(stat -c %s "$f")" -le 3072 ] &&
				echo "!! $t input (base64): $(base64 -w0 "$f")"
		done
		grep -E "^(==[0-9]+==ERROR|SUMMARY|invariant broken|control block leak|.*Assertion)" \
			"$log" | head -n 3 | sed "s/^/!! $t: /"
	else
		echo "== $t: no crash, no leak"
	fi
done
exit $rc
