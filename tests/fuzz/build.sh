#!/usr/bin/env bash
# Builds the libFuzzer targets with clang (ASan + UBSan + libFuzzer) in a
# build directory of their own, build-fuzz at the top of the tree unless
# SHOAL_FUZZ_BUILD says otherwise. The main build uses gcc; this one is
# configured once and then only rebuilt. Several callers at once (the
# fuzz-smoke tests run in parallel) take turns on a lock.
set -euo pipefail
src=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
bdir=${SHOAL_FUZZ_BUILD:-$src/build-fuzz}
targets=(fuzz_net_input fuzz_tcp_engine fuzz_config fuzz_http)

if ! command -v clang >/dev/null; then
	echo "fuzz/build.sh: clang not found; install it (bash .ci/setup)" >&2
	exit 1
fi
mkdir -p "$bdir"
exec 9>"$bdir/.lock"
flock 9
if [ ! -f "$bdir/build.ninja" ]; then
	# Asserts on (b_ndebug=false): they are invariants the fuzzer
	# should be able to trip.
	CC=clang meson setup "$bdir" "$src" -Dfuzz=true -Dsanitize=true \
		-Dtests=true -Dbuildtype=debugoptimized -Db_ndebug=false \
		>"$bdir/.setup.log" 2>&1 ||
		{ cat "$bdir/.setup.log" >&2; exit 1; }
fi
ninja -C "$bdir" "${targets[@]/#/tests/fuzz/}" >"$bdir/.ninja.log" 2>&1 ||
	{ cat "$bdir/.ninja.log" >&2; exit 1; }
