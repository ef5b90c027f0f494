# Sourced by perf/run.sh: logging, the per-benchmark JSON records, and
# the waits every driver needs. Expects $work (the run's scratch folder)
# and $secs (seconds per measured run) to be set.

perf_log() {
	printf '[bench] %s\n' "$*" >&2
}

# perf_json_cmd CMD... : the exact command line as one shell-quoted
# string, so it can be pasted back into a shell.
perf_json_cmd() {
	local out= a
	for a in "$@"; do
		out+="${out:+ }$(printf '%q' "$a")"
	done
	printf '%s' "$out"
}

# perf_record NAME GROUP STATUS FIGURES DETAILS NOTE CMD...
# Writes one benchmark's object to $work/bench/. FIGURES is a JSON object
# {"figure": {"value": N, "unit": "U"}}; DETAILS any JSON object; CMD the
# exact commands that produced the figures (one string each). The files
# sort by creation order, which is the order the report shows.
# If perf_compare holds a JSON array of {figure, against, against_figure}
# it is recorded as the benchmark's "compare" list (see ratios.jq) and
# cleared.
perf_compare='[]'
perf_record() {
	local name=$1 group=$2 status=$3 figures=$4 details=$5 note=$6
	shift 6
	local n after
	n=$(find "$work/bench" -name '*.json' | wc -l)
	after=$(perf_probe)
	jq -n --arg name "$name" --arg group "$group" --arg status "$status" \
		--argjson figures "$figures" --argjson details "$details" \
		--arg note "$note" --argjson secs "$secs" \
		--argjson compare "$perf_compare" \
		--argjson before "${perf_host_before:-null}" --argjson after "$after" \
		'{name: $name, group: $group, status: $status,
		  seconds: $secs, figures: $figures, details: $details,
		  compare: $compare, note: $note,
		  host: {before: $before, after: $after},
		  commands: $ARGS.positional}' \
		--args "$@" > "$work/bench/$(printf '%02d' "$n")-$group-$name.json"
	perf_compare='[]'
	perf_host_before=
}

# perf_probe : how fast the host lets the two benchmark CPUs run right now
# (perf/hostprobe.c: a core's ns per 1000 steps of a fixed chain, ns per
# load past the caches, a cache line's round trip between the two CPUs),
# as JSON, or null without the probe. ~0.3 s, with both CPUs otherwise
# idle: run it between measurements, never during one.
perf_probe() {
	local p=$build/perf/hostprobe
	if [ -x "$p" ] && timeout 10 "$p" "$cpu_a" "$cpu_b" 2>/dev/null |
		jq -c 'del(.sink, .cpu_a, .cpu_b)' 2>/dev/null; then
		return 0
	fi
	echo null
}

# perf_probe_mark : the host before the measurement that starts now; the
# next perf_record keeps it beside its own probe after.
perf_probe_mark() {
	perf_host_before=$(perf_probe)
}

# perf_pending NAME GROUP WHY TARGET : a benchmark that cannot run yet.
# It is recorded as pending with its reason, never with a number.
perf_pending() {
	local name=$1 group=$2 why=$3 target=${4:-}
	echo "$group/$name: not yet available: $why"
	perf_record "$name" "$group" pending '{}' \
		"$(jq -n --arg t "$target" '{target: $t}')" \
		"not yet available: $why"
}

# perf_failed NAME GROUP WHY CMD... : a benchmark that should have run and
# did not; recorded so the smoke test and the reader see it.
perf_failed() {
	local name=$1 group=$2 why=$3
	shift 3
	echo "$group/$name: FAILED: $why" >&2
	perf_record "$name" "$group" failed '{}' '{}' "$why" "$@"
}

# perf_wait_for TIMEOUT_S CMD... : polls CMD every 0.1 s until it succeeds.
perf_wait_for() {
	local limit=$(( $1 * 10 ))
	shift
	local i
	for ((i = 0; i < limit; i++)); do
		"$@" && return 0
		sleep 0.1
	done
	return 1
}
