# Sourced by perf/run.sh: shoal's own benchmarks (issue 7, items 2-6).
#
# Two shoal-gen processes, one worker each, joined by virtio-user <->
# vhost-user like the I/O ceiling and `make demo`: the server owns the
# vhost socket on $cpu_a, the client connects on $cpu_b. Both busy-poll
# (stack.poll=busy) so that each costs exactly one core, as testpmd does.
# Only vdevs, always --no-pci. Each benchmark keeps the perf_compare list
# that turns its figure into a ratio against the Linux baseline or the
# I/O ceiling of the same run (lib/ratios.jq).
#
# Figures come from the client: its live lines (one a second) give the
# rates, of which the first 2 s are dropped as warm-up; its --json
# summary gives latency percentiles, byte counts and failures. The
# fast-path group counts instructions with callgrind on engine_bench
# (perf/callgrind/engine_bench.c), the TCP engine alone.

sg_pids=()
sg_sock=
sg_sock2=
# Seconds dropped from the start of every client run: 2 in a measurement
# (handshakes ramp, pools and caches warm up), none in a smoke run, which
# checks the harness, not the figures, and keeps `make test` short: its
# clients then run 2 s, and the 1 s sample includes the ramp.
sg_warm=2
[ "${SHOAL_BENCH_KIND:-full}" = smoke ] && sg_warm=0

shoal_cleanup() {
	local p
	for p in "${sg_pids[@]}"; do
		kill -INT "$p" 2>/dev/null && wait "$p" 2>/dev/null || true
	done
	sg_pids=()
	[ -n "$sg_sock" ] && rm -f "$sg_sock"
	[ -n "$sg_sock2" ] && rm -f "$sg_sock2"
	return 0
}

# Builds the two targets the shoal group runs; the baselines never need
# them, so a tree that does not build still gets its baselines.
shoal_build() {
	[ -f "$build/build.ninja" ] || meson setup "$build" >/dev/null
	ninja -C "$build" app/shoal-gen/shoal-gen perf/engine_bench >/dev/null
}

# sg_server TAG MEM_MB ARGS... : starts the server on $cpu_a and waits for
# "ready". Its exact command goes to sg_cmd_server. With sg_two_ports=1 it
# has a second vhost-user port, $sg_sock2, at 198.19.0.1/16
# (stack.port_ips), for a second client (sg_client with
# sg_client_sock=$sg_sock2) beside the first.
sg_server() {
	local tag=$1 mb=$2
	shift 2
	sg_sock=$sockdir/bench-sg-$$.sock
	sg_sock2=$sockdir/bench-sg-$$-2.sock
	rm -f "$sg_sock" "$sg_sock2"
	local second=()
	[ "${sg_two_ports:-0}" = 1 ] &&
		second=(--vdev "net_vhost1,iface=$sg_sock2,queues=1,tso=1")
	local cmd=("$build/app/shoal-gen/shoal-gen" -l "$cpu_a" --no-pci
		$(sg_mem "$mb") --file-prefix "shoal-bench-$$-s$tag"
		--vdev "net_vhost0,iface=$sg_sock,queues=1,tso=1" "${second[@]}"
		--log-level='*:warning'
		-- stack.poll=busy run.drain=1s "$@")
	[ "${sg_two_ports:-0}" = 1 ] && cmd+=(stack.port_ips=198.19.0.1/16)
	# run.drain=1s: the client is gone when the server is told to stop,
	# so the connections it left open will never finish; the default 10 s
	# drain only waited for them.
	sg_cmd_server=$(perf_json_cmd "${cmd[@]}")
	"${cmd[@]}" > "$work/sg-$tag-server.log" 2>&1 &
	sg_server_pid=$!
	sg_pids+=($!)
	perf_wait_for 60 grep -qs 'ready' "$work/sg-$tag-server.log"
}

# sg_client TAG MEM_MB ARGS... : starts the client on $cpu_b (background),
# on the server's port at $sg_client_sock (default: its first, $sg_sock);
# its JSON summary goes to $work/sg-TAG-client.json.
sg_client() {
	local tag=$1 mb=$2
	shift 2
	local cmd=("$build/app/shoal-gen/shoal-gen" -l "$cpu_b" --no-pci
		$(sg_mem "$mb") --file-prefix "shoal-bench-$$-c$tag"
		--vdev "net_virtio_user0,path=${sg_client_sock:-$sg_sock},queues=1,queue_size=1024"
		--log-level='*:warning' -- stack.poll=busy run.drain=1s
		report.json="$work/sg-$tag-client.json" "$@")
	sg_cmd_client=$(perf_json_cmd "${cmd[@]}")
	"${cmd[@]}" > "$work/sg-$tag-client.log" 2>&1 &
	sg_client_pid=$!
	sg_pids+=($!)
}

# The EAL memory of one shoal-gen: hugepages when enough are free,
# otherwise --no-huge (vhost-user then shares memfd-backed memory).
sg_mem() {
	case "$(shoal_eal_mem "$1")" in
	--no-huge*) echo "--no-huge -m $1" ;;
	*) echo "-m $1 --single-file-segments" ;;
	esac
}

sg_stop() {
	kill -INT "$sg_server_pid" 2>/dev/null || true
	wait "$sg_server_pid" 2>/dev/null || true
	shoal_cleanup
}

# sg_pair TAG MEM_MB "SERVER ARGS" "CLIENT ARGS" : one measured run: the
# server, then the client for its run.duration, then both gone. Returns
# non-zero (with sg_why set) when either side failed.
sg_pair() {
	local tag=$1 mb=$2 sargs=$3 cargs=$4
	sg_why=
	perf_probe_mark
	# shellcheck disable=SC2086
	if ! sg_server "$tag" "$mb" $sargs; then
		sg_why="server did not start: $(tail -3 "$work/sg-$tag-server.log" | tr '\n' ' ')"
		sg_stop
		return 1
	fi
	# shellcheck disable=SC2086
	sg_client "$tag" "$mb" $cargs
	local rc=0
	wait "$sg_client_pid" || rc=$?
	sg_stop
	if [ ! -s "$work/sg-$tag-client.json" ]; then
		sg_why="client exited $rc without a summary: $(grep -v '^\[\| ' "$work/sg-$tag-client.log" | tail -3 | tr '\n' ' ')"
		return 1
	fi
	return 0
}

# sg_series TAG : the client's live lines as one row per second of the
# $secs measured after the warm-up: t new/s resp/s rx_mpps tx_mpps rx_gbps tx_gbps.
sg_series() {
	awk -v warm="$sg_warm" -v secs="$secs" '
		/^\[ *[0-9.]+s\] new / {
			t = substr($1, 2) + 0; if (t == 0) t = $2 + 0
			match($0, /new [0-9.]+\/s/); nw = substr($0, RSTART + 4, RLENGTH - 6)
			resp = 0; next
		}
		/^ +req .* resp / { match($0, /resp [0-9.]+\/s/); resp = substr($0, RSTART + 5, RLENGTH - 7); next }
		/^ +rx .* Gbit\/s .* Mpps +tx / {
			if (t > warm && t <= warm + secs + 0.5) printf "%g %s %s %s %s %s %s\n", t, nw, resp, $4, $9, $2, $7
		}' "$work/sg-$1-client.log"
}

# sg_mean FILE COL : mean, min, max and coefficient of variation of a column.
sg_stats() {
	awk -v c="$2" '{ n++; v = $c; s += v; ss += v * v
			if (n == 1 || v < lo) lo = v; if (v > hi) hi = v }
		END { if (n == 0) { print "{\"n\": 0, \"mean\": 0}"; exit }
			m = s / n; d = ss / n - m * m; if (d < 0) d = 0
			printf "{\"n\": %d, \"mean\": %.6g, \"min\": %.6g, \"max\": %.6g, \"cv\": %.4f}",
				n, m, lo, hi, (m > 0 ? sqrt(d) / m : 0) }' "$1"
}

# A client run: the warm-up, the measured seconds, and one more so that
# the last measured second's live line is printed before the run ends.
sg_secs() {
	echo "$((secs + sg_warm + 1))s"
}

# The HTTP server used by the CPS and keep-alive runs: a 64-byte body,
# like nginx's index.html in the Linux baseline.
sg_http_server="--config $root/conf/http-cps-server.ini http.body=64"

# The clients of the CPS and keep-alive runs (the cycles run repeats
# them): unpaced, one GET per connection, or 100 back to back.
sg_cps_client() {
	echo "--config $root/conf/http-cps-client.ini run.duration=$(sg_secs) client.cps=0 client.ramp=0 client.concurrency=${SHOAL_BENCH_CPS_CONC:-512}"
}
sg_ka_client() {
	echo "--config $root/conf/http-cps-client.ini run.duration=$(sg_secs) client.cps=0 client.ramp=0 client.concurrency=${SHOAL_BENCH_KA_CONC:-256} client.requests=100 client.think=0"
}

# Item 2: connections per second, http profile, one GET per connection.
bench_shoal_cps() {
	local tag=cps target=">= 1.5M CPS over 60 s; >= 50x Linux; packets/s >= 70% of the I/O ceiling"
	# sg_secs and sg_series read $secs: this run measures cps_secs.
	local secs=${cps_secs:-$secs}
	perf_compare='[
	  {"figure": "cps", "against": "linux/http_close", "against_figure": "requests_per_s"},
	  {"figure": "mpps_per_core", "against": "io-ceiling/bothways_64", "against_figure": "mpps_per_core"}]'
	if ! sg_pair $tag 1024 "$sg_http_server" \
		"$(sg_cps_client)"; then
		perf_failed http_close shoal "$sg_why" "$sg_cmd_server" "$sg_cmd_client"
		return
	fi
	local ser=$work/series/shoal-cps.dat
	sg_series $tag > "$ser"
	local cps mpps json=$work/sg-$tag-client.json
	cps=$(sg_stats "$ser" 2)
	# Packets per core: what the client core receives and sends, per
	# direction, the same count as the bothways ceiling's per-core rate
	# (each core there sends one way and receives the other).
	mpps=$(awk '{ print ($4 + $5) / 2 }' "$ser" | sg_stats /dev/stdin 1)
	sg_record_rates http_close "$cps" "$mpps" "$json" "$target" \
		"$(awk '{ print $2 }' "$ser" | jq -s -c .)" \
		"one GET per connection, 64 B body, client.concurrency ${SHOAL_BENCH_CPS_CONC:-512}, unpaced; mean of the per-second rates over ${secs} s after ${sg_warm} s (rate_min: the slowest of those seconds)"
}

# sg_record_rates NAME RATE_STATS MPPS_STATS JSON TARGET PER_SECOND NOTE
# (PER_SECOND: the measured seconds' rates, a JSON array)
sg_record_rates() {
	local name=$1 rate=$2 mpps=$3 json=$4 target=$5 per_s=$6 note=$7
	local fig unit
	case "$name" in
	http_close) fig=cps; unit=connections/s ;;
	*) fig=requests_per_s; unit=requests/s ;;
	esac
	if [ "$(jq -r .n <<<"$rate")" = 0 ] || ! jq -e '.mean > 0' <<<"$rate" >/dev/null; then
		# A core taken away for the whole measured window (a loaded
		# machine) leaves no live line with traffic: fall back to the
		# whole run's summary, and say so in the note.
		local k=responses_per_sec
		[ "$name" = http_close ] && k=conn_per_sec
		rate=$(jq --arg k "$k" '{n: 0, mean: .rates[$k], min: null, max: null, cv: null}' "$json")
		mpps=$(jq '{n: 0, mean: ((.rates.rx_mpps + .rates.tx_mpps) / 2), cv: null}' "$json")
		note="$note; NO per-second sample after the warm-up had traffic, so the figures are the whole run's summary (warm-up included)"
		if ! jq -e '.mean > 0' <<<"$rate" >/dev/null; then
			perf_failed "$name" shoal "no rate measured" "$sg_cmd_server" "$sg_cmd_client"
			return
		fi
	fi
	perf_record "$name" shoal ok \
		"$(jq -n --arg f "$fig" --arg u "$unit" --argjson r "$rate" --argjson p "$mpps" \
			'{($f): {value: $r.mean, unit: $u}, mpps_per_core: {value: $p.mean, unit: "Mpps"}}')" \
		"$(jq -n --argjson r "$rate" --argjson p "$mpps" --arg t "$target" \
			--slurpfile j "$json" --argjson per_s "${per_s:-[]}" --arg u "$unit" '
			{target: $t, samples: $r.n, rate_min: $r.min, rate_max: $r.max,
			 rate_cv: $r.cv, mpps_cv: $p.cv,
			 failures: $j[0].counters.failures, retransmits: $j[0].tcp.retransmits,
			 tx_full_drops: $j[0].stack.drops.tx_full,
			 latency_request_ns: $j[0].latency.request,
			 summary_rates: $j[0].rates,
			 series: {unit: $u, per_second: $per_s}}')" \
		"$note; target: $target" "$sg_cmd_server" "$sg_cmd_client"
	printf 'shoal/%s: %.0f %s over %s s (slowest second %s), %.3f Mpps per core (cv %s)\n' "$name" \
		"$(jq -r .mean <<<"$rate")" "$unit" "$(jq -r .n <<<"$rate")" "$(jq -r .min <<<"$rate")" \
		"$(jq -r .mean <<<"$mpps")" "$(jq -r .cv <<<"$rate")"
}

# Item 3: keep-alive requests per second, 100 requests per connection.
bench_shoal_keepalive() {
	local tag=ka target=">= 3M requests/s per core pair; >= 20x Linux"
	perf_compare='[
	  {"figure": "requests_per_s", "against": "linux/http_keepalive", "against_figure": "requests_per_s"}]'
	if ! sg_pair $tag 1024 "$sg_http_server" \
		"$(sg_ka_client)"; then
		perf_failed http_keepalive shoal "$sg_why" "$sg_cmd_server" "$sg_cmd_client"
		return
	fi
	local ser=$work/series/shoal-ka.dat
	sg_series $tag > "$ser"
	sg_record_rates http_keepalive "$(sg_stats "$ser" 3)" \
		"$(awk '{ print ($4 + $5) / 2 }' "$ser" | sg_stats /dev/stdin 1)" \
		"$work/sg-$tag-client.json" "$target" \
		"$(awk '{ print $3 }' "$ser" | jq -s -c .)" \
		"100 GETs per connection, 64 B body, client.concurrency ${SHOAL_BENCH_KA_CONC:-256}; mean of the per-second response rates after ${sg_warm} s"
}

# Item 3: request/response latency, 64 B each way, back to back.
bench_shoal_rr() {
	local n tag name target
	for n in ${SHOAL_BENCH_RR_CONNS:-1 100}; do
		tag=rr$n name=rr_${n}conn
		target="p50, p99, p99.9 reported"
		[ "$n" = 1 ] && target="p99 < 10 us (p50, p99, p99.9 reported)"
		if ! sg_pair $tag 1024 "--config $root/conf/rr-server.ini rr.request=64 rr.response=64" \
			"--config $root/conf/rr-client.ini run.duration=$(sg_secs) client.concurrency=$n client.requests=0 rr.request=64 rr.response=64"; then
			perf_failed "$name" shoal "$sg_why" "$sg_cmd_server" "$sg_cmd_client"
			continue
		fi
		local json=$work/sg-$tag-client.json
		if ! jq -e '.latency.request.count > 0 and .counters.failures == 0' "$json" >/dev/null; then
			perf_failed "$name" shoal "no transactions measured, or failures: $(jq -c .counters "$json")" "$sg_cmd_server" "$sg_cmd_client"
			continue
		fi
		perf_record "$name" shoal ok \
			"$(jq '.latency.request as $l | {
				p50_us: {value: ($l.p50_ns / 1000), unit: "us"},
				p99_us: {value: ($l.p99_ns / 1000), unit: "us"},
				p99_9_us: {value: ($l["p99.9_ns"] / 1000), unit: "us"},
				transactions_per_s: {value: .rates.responses_per_sec, unit: "transactions/s"}}' "$json")" \
			"$(jq --arg t "$target" '{target: $t, latency_request_ns: .latency.request,
				failures: .counters.failures, retransmits: .tcp.retransmits}' "$json")" \
			"$n connection(s), 64 B request and response back to back (no think time); latency from the client's request send to the last response byte, over the whole run; target: $target" \
			"$sg_cmd_server" "$sg_cmd_client"
		jq -r --arg n "$name" '"shoal/\($n): p50 \(.latency.request.p50_ns / 1000) us, p99 \(.latency.request.p99_ns / 1000) us, p99.9 \(.latency.request["p99.9_ns"] / 1000) us, \(.rates.responses_per_sec | round) transactions/s"' "$json"
	done
}

# Item 4: bulk throughput, MSS 1460, each way; one and 100 connections.
bench_shoal_bulk() {
	local spec name n dir tag
	for spec in ${SHOAL_BENCH_BULK:-1:upload:bulk_1_c2s 1:download:bulk_1_s2c 100:upload:bulk_100}; do
		IFS=: read -r n dir name <<<"$spec"
		tag=$name
		if [ "$n" = 1 ]; then
			perf_compare='[{"figure": "gbps", "against": "linux/iperf3_1", "against_figure": "gbps"}]'
		else
			perf_compare='[{"figure": "gbps", "against": "linux/iperf3_100", "against_figure": "gbps"}]'
		fi
		if ! sg_pair "$tag" 1024 "--config $root/conf/bulk-server.ini bulk.direction=$dir bulk.verify=false tcp.mss=1460" \
			"--config $root/conf/bulk-client.ini run.duration=$(sg_secs) client.concurrency=$n client.connections=$n bulk.direction=$dir bulk.verify=false tcp.mss=1460"; then
			perf_failed "$name" shoal "$sg_why" "$sg_cmd_server" "$sg_cmd_client"
			continue
		fi
		local ser=$work/series/shoal-$name.dat json=$work/sg-$tag-client.json col
		sg_series "$tag" > "$ser"
		# Wire Gbit/s in the data direction, seen by the client: what
		# it sends when uploading, what it receives when downloading.
		col=7
		[ "$dir" = download ] && col=6
		local wire goodput
		wire=$(sg_stats "$ser" $col)
		# Goodput (application bytes, as iperf3 counts) over the whole
		# client run, warm-up included.
		goodput=$(jq --arg d "$dir" '(if $d == "upload" then .counters.app_bytes_tx else .counters.app_bytes_rx end) * 8 / .duration_s / 1e9' "$json")
		if ! jq -e -n --argjson g "$goodput" '$g > 0' >/dev/null; then
			perf_failed "$name" shoal "no data moved: $(jq -c .counters "$json")" "$sg_cmd_server" "$sg_cmd_client"
			continue
		fi
		local target=">= 40 Gbit/s on one connection; >= 2x iperf3 on Linux"
		[ "$n" = 100 ] && target="reported beside iperf3 -P 100"
		perf_record "$name" shoal ok \
			"$(jq -n --argjson g "$goodput" --argjson w "$wire" '{gbps: {value: $g, unit: "Gbit/s"}, wire_gbps: {value: $w.mean, unit: "Gbit/s"}}')" \
			"$(jq --arg t "$target" --argjson w "$wire" --argjson per_s "$(awk -v c=$col '{print $c}' "$ser" | jq -s -c .)" '
				{target: $t, direction: .config.bulk.direction, wire_gbps_cv: $w.cv,
				 retransmits: .tcp.retransmits, failures: .counters.failures,
				 tso_segments_sent_by_client: .tcp.tso_segs_tx,
				 merged_segments_received_by_client: .tcp.lro_segs_rx,
				 app_bytes_tx: .counters.app_bytes_tx, app_bytes_rx: .counters.app_bytes_rx,
				 duration_s: .duration_s,
				 series: {unit: "Gbit/s", per_second: $per_s}}' "$json")" \
			"$n connection(s), $dir, MSS 1460, TSO where the port offers it (uploads: the client's virtio-user, as the vhost end runs with tso=1; downloads: the server's vhost port, once the client's guest asked for LRO and negotiated GUEST_TSO4); gbps = application bytes over the client's run (like iperf3), wire_gbps = frames after ${sg_warm} s; target: $target" \
			"$sg_cmd_server" "$sg_cmd_client"
		printf 'shoal/%s: %.3f Gbit/s goodput, %.3f Gbit/s on the wire\n' "$name" "$goodput" "$(jq -r .mean <<<"$wire")"
	done
}

# sg_rss PID : resident kB of a process.
sg_rss() {
	awk '/^VmRSS:/ { print $2 }' "/proc/$1/status" 2>/dev/null || echo 0
}

# sg_hold TAG N LIMIT MEM_MB : holds N idle established connections (each
# sends one request, gets its answer, then thinks for an hour) with both
# sides sized for N; sets sg_held to "server_kB client_kB established
# seconds" once all are established, or once LIMIT seconds passed or the
# client died, and leaves one "seconds established server_kB client_kB"
# line per new count the client prints (once a second) in
# $work/sg-TAG-hold.dat. Opening is paced at
# $sg_hold_cps a second (set by the caller; SHOAL_BENCH_HOLD_CPS).
# At 25k/s on the loaded 2-core machine the server's answers once outran
# the client's ACKs until its mbuf pool ran dry and the opening stopped
# for good (212k of 1M); the pool's receive reserve (stack.mbuf_reserve)
# now keeps that from wedging. A full TX ring can still drop SYNs, whose
# retries back off to 31 s: LIMIT leaves room for them. With
# sg_hold_kill=1 both sides are killed once measured (an orderly close of
# millions of connections is not what is measured, and takes minutes).
# The client takes N / 16384 + 2 source addresses (16384 ephemeral ports
# each), so 10M connections need 612 of them: a /16 on both sides (the
# inis' /24 ends at 246), and as many neighbour entries on the server.
# Each side has $sg_hold_mbufs mbufs (16384 unless the caller says:
# SHOAL_BENCH_HOLD_MBUFS): a pool hands them out in turn, so the opening
# traffic makes every mbuf's data room resident, a fixed part that the
# one-connection run does not have. It was 65536 until the receive
# reserve (before it, 16384 stalled the opening at 723k of 1M at 25k/s);
# with 65536 the server's figure read 547 B at 1M against 348 B with
# 16384 (client 289 B both), in runs minutes apart.
sg_hold() {
	local tag=$1 n=$2 lim=$3 mb=$4 serve=${5:-0}
	# With a second port (sg_two_ports=1, the serving-while-held run)
	# the server also has room for what a CPS run keeps in TIME-WAIT
	# (its ini's tcp.max_conns).
	local extra=0
	[ "${sg_two_ports:-0}" = 1 ] && extra=262144
	local cap=$((n + 4096)) ips=$((n / 16384 + 2)) hold_pid
	local dat=$work/sg-$tag-hold.dat
	perf_probe_mark
	sg_server "$tag" "$mb" --config "$root/conf/http-cps-server.ini" http.body=64 \
		tcp.max_conns=$((cap + extra)) server.max_conns=$((cap + extra)) \
		stack.ip=198.18.0.1/16 stack.neigh_entries=$((ips + 1024)) \
		stack.mbufs=${sg_hold_mbufs:-16384} || return 1
	# CPS on the second port before anything is held.
	sg_serve_before= sg_serve_held= sg_serve_free=
	if [ "${sg_two_ports:-0}" = 1 ]; then
		sg_serve "$tag-serve-before" && [ "$serve" = 1 ] &&
			sg_serve_before=$sg_serve_stats
		sleep 2		# its TIME-WAITs end (msl 500 ms)
	fi
	# stack.poll=idle: once all are open it sleeps, leaving its core to
	# the CPS client of sg_serve.
	sg_client "$tag" "$mb" --config "$root/conf/http-cps-client.ini" \
		run.duration=$((lim + 10 + 4 * secs))s client.cps=${sg_hold_cps:-10k} \
		client.ramp=0 client.concurrency=$n \
		client.requests=0 client.think=1h tcp.max_conns=$cap \
		stack.ip=198.18.0.10/16 stack.ip_count=$ips \
		stack.mbufs=${sg_hold_mbufs:-16384} http.body=64 stack.poll=idle
	hold_pid=$sg_client_pid
	local t0=$SECONDS est=0 last=-1
	: > "$dat"
	while [ $((SECONDS - t0)) -lt "$lim" ] && kill -0 "$hold_pid" 2>/dev/null; do
		sleep 0.2
		est=$(grep -so 'estab [0-9]*' "$work/sg-$tag-client.log" | tail -1 | cut -d' ' -f2)
		# The client prints its count once a second: sample as it
		# does, so the count and the two VmRSS go together.
		[ "${est:-0}" != "$last" ] &&
			echo "$((SECONDS - t0)) ${est:-0} $(sg_rss "$sg_server_pid") $(sg_rss "$hold_pid")" >> "$dat"
		last=${est:-0}
		[ "${est:-0}" -ge "$n" ] && break
	done
	local took=$((SECONDS - t0))
	sleep 1		# let the last answers and ACKs settle
	sg_held="$(sg_rss "$sg_server_pid") $(sg_rss "$hold_pid") ${est:-0} $took"
	if [ -n "$sg_serve_before" ] && [ "${est:-0}" -ge "$n" ]; then
		sg_serve "$tag-serve-held" && sg_serve_held=$sg_serve_stats
	fi
	if [ "${sg_hold_kill:-0}" = 1 ]; then
		kill -KILL "$hold_pid" "$sg_server_pid" 2>/dev/null || true
		wait "$hold_pid" "$sg_server_pid" 2>/dev/null || true
		sg_stop
		return 0
	fi
	# Measured: the rest of the hour-long think time is of no use.
	kill -INT "$hold_pid" 2>/dev/null || true
	wait "$hold_pid" || true
	if [ -n "$sg_serve_held" ]; then
		# The held connections' resets reach the server and are
		# processed (a million take seconds): not during the run.
		local t1=$SECONDS act
		while [ $((SECONDS - t1)) -lt 120 ]; do
			sleep 1
			act=$(grep -so 'active [0-9]*' "$work/sg-$tag-server.log" | tail -1 | cut -d' ' -f2)
			[ "${act:-0}" -lt 1000 ] && break
		done
		sleep 1
		sg_serve "$tag-serve-free" && sg_serve_free=$sg_serve_stats
	fi
	sg_stop
}

# sg_serve TAG : a CPS client on the server's second port (sg_hold with
# sg_two_ports=1), as in bench_shoal_cps, from 198.19.0.10/16; sets
# sg_serve_stats (sg_stats of its connections/s) and sg_serve_cmd.
sg_serve() {
	local tag=$1 ser=$work/series/shoal-$1.dat
	sg_client_sock=$sg_sock2 sg_client "$tag" 1024 \
		--config "$root/conf/http-cps-client.ini" stack.ip=198.19.0.10/16 \
		client.server=198.19.0.1 run.duration="$(sg_secs)" client.cps=0 \
		client.ramp=0 client.concurrency=${SHOAL_BENCH_CPS_CONC:-512}
	sg_serve_cmd=$sg_cmd_client
	wait "$sg_client_pid" || true
	mkdir -p "$work/series"
	sg_series "$tag" > "$ser"
	sg_serve_stats=$(sg_stats "$ser" 2)
	jq -e '.n > 0 and .mean > 0' <<<"$sg_serve_stats" >/dev/null
}

# Item 5: idle established connections held, memory per connection.
# Two runs: one sized for and holding N, one sized for and holding one;
# the difference in resident memory per side, over N - 1, is what a
# connection costs (control block, flow table entry, application context,
# pool slack) with nothing else changed.
bench_shoal_concurrency() {
	local n=${SHOAL_BENCH_HOLD:-1000000} target="1M, then up to 10M idle connections; <= 320 B per connection per side; full rate while held"
	[ "$kind" = smoke ] && n=${SHOAL_BENCH_HOLD:-5000}
	local sg_hold_cps=${SHOAL_BENCH_HOLD_CPS:-50k}
	local sg_hold_mbufs=${SHOAL_BENCH_HOLD_MBUFS:-16384}
	# Time: the opening rate (50k/s; ~45k/s is what this VM's server
	# core manages) with room for a loaded machine and SYN retries.
	# Memory: the control-block pool, table and mbufs need ~0.6 KB per
	# connection; --no-huge memory only becomes resident where touched.
	local lim=${SHOAL_BENCH_HOLD_SECS:-$(( n / 6000 + 60 ))}
	local mb=${SHOAL_BENCH_HOLD_MB:-$(( 1024 + n / 1000 ))}
	local big small held before free
	# Memory: a run holding N and one holding one, nothing else in
	# either. (A CPS phase before the hold would leave blocks resident
	# that the held connections then reuse, last freed first, and the
	# difference would undercount them.)
	local sg_two_ports=0
	sg_hold hold "$n" "$lim" "$mb" || { sg_stop; perf_failed concurrency shoal "server did not start" "$sg_cmd_server"; return; }
	big=$sg_held
	local cmds=("$sg_cmd_server" "$sg_cmd_client")
	sg_hold hold1 1 30 "$mb" || { sg_stop; perf_failed concurrency shoal "server did not start (1 connection run)" "$sg_cmd_server"; return; }
	small=$sg_held
	cmds+=("$sg_cmd_server" "$sg_cmd_client")
	# Serving while held, a third run: the server has a second port
	# where a CPS client runs as in the cps benchmark, before the N are
	# opened, once all are held, and after they are gone. Held over the
	# mean of before and after (which brackets the host's drift) says
	# whether it still serves at full rate while they are held.
	sg_two_ports=1
	if sg_hold serve "$n" "$lim" "$mb" 1; then
		held=$sg_serve_held before=$sg_serve_before free=$sg_serve_free
		[ -n "$held" ] && cmds+=("$sg_cmd_server" "$sg_cmd_client" "$sg_serve_cmd")
	else
		sg_stop
	fi
	local s_kb c_kb est took s1 c1 e1 took1
	read -r s_kb c_kb est took <<<"$big"
	read -r s1 c1 e1 took1 <<<"$small"
	if [ "$est" -lt "$n" ] || [ "$e1" -lt 1 ]; then
		perf_failed concurrency shoal "only $est of $n connections (and $e1 of 1) established within $lim s (server $s_kb kB, client $c_kb kB resident; one-connection run $s1 kB, $c1 kB)" "${cmds[@]}"
		return
	fi
	local figs
	figs=$(jq -n --argjson n "$n" --argjson s "$s_kb" --argjson c "$c_kb" \
		--argjson s1 "$s1" --argjson c1 "$c1" '{
		connections: {value: $n, unit: "connections"},
		server_bytes_per_conn: {value: (($s - $s1) * 1024 / ($n - 1)), unit: "B"},
		client_bytes_per_conn: {value: (($c - $c1) * 1024 / ($n - 1)), unit: "B"}}')
	if ! jq -e 'all(.[]; .value > 0)' <<<"$figs" >/dev/null; then
		perf_failed concurrency shoal "resident memory did not grow with the connections: $figs" "${cmds[@]}"
		return
	fi
	local serves='"not measured: a CPS client on the second port failed (see the sg-serve-* logs)"'
	if [ -n "$held" ] && [ -n "$before" ] && [ -n "$free" ]; then
		figs=$(jq --argjson h "$held" --argjson b "$before" --argjson f "$free" \
			'. + {cps_before_hold: {value: $b.mean, unit: "connections/s"},
			      cps_while_held: {value: $h.mean, unit: "connections/s"},
			      cps_after_release: {value: $f.mean, unit: "connections/s"},
			      serve_ratio_held_to_free: {value: ($h.mean / (($b.mean + $f.mean) / 2)), unit: "ratio"}}' <<<"$figs")
		serves=$(jq -n --argjson h "$held" --argjson b "$before" --argjson f "$free" --argjson n "$n" \
			'{before_hold: $b, while_held: $h, after_release: $f, held: $n,
			  how: "a CPS client (http, one GET per connection, as the cps benchmark) on the server'"'"'s second vhost-user port: before the held connections were opened, once all were established, and after the holding client was gone; same server process and cores; the holding client polls in idle mode; ratio = while held / mean of before and after"}')
	fi
	perf_record concurrency shoal ok "$figs" \
		"$(jq -n --arg t "$target" --argjson n "$n" --argjson s "$s_kb" --argjson c "$c_kb" \
			--argjson s1 "$s1" --argjson c1 "$c1" --argjson took "$took" \
			--argjson sv "$serves" '{target: $t,
			held: $n, establish_s: $took, vmrss_kib: {server: $s, client: $c},
			vmrss_kib_one_conn: {server: $s1, client: $c1},
			serves_while_held: $sv}')" \
		"$n idle established connections (one request each, then think = 1 h), both sides sized for them (tcp.max_conns, server.max_conns); bytes per connection = VmRSS difference against a run sized for and holding one connection, over N - 1, taken once all were established (both runs hold and nothing else; serving while held is a third run); target: $target" \
		"${cmds[@]}" "per side: awk '/^VmRSS:/' /proc/PID/status once the client reports estab N"
	jq -r --argjson took "$took" '"shoal/concurrency: \(.connections.value) held (all established after \($took) s), \(.server_bytes_per_conn.value | round) B per connection (server), \(.client_bytes_per_conn.value | round) B (client)" + (if .cps_while_held then "; CPS on a second port \(.cps_before_hold.value | round) before, \(.cps_while_held.value | round) while held, \(.cps_after_release.value | round) after, ratio \(.serve_ratio_held_to_free.value * 1000 | round / 1000)" else "; serving while held not measured" end)' <<<"$figs"
}

# Item 5's second half: as many idle established connections as fit, up
# to SHOAL_BENCH_HOLD_MAX (10M), in one run with both sides sized for
# them. Per side: resident memory over N with everything included (pools,
# rings, tables: the issue's "resident memory per connection"), and the
# slope of VmRSS over the established count once a tenth were open (what
# each connection adds). What fits: each side ~0.5 GB fixed plus 400 B a
# connection (307-308 B measured at 10M), the two within 80% of
# MemAvailable. Both sides are killed once measured.
bench_shoal_hold_max() {
	local want=${SHOAL_BENCH_HOLD_MAX:-10000000} target="as many idle connections as fit, up to 10M; <= 320 B per connection per side"
	local cps=${SHOAL_BENCH_HOLD_MAX_CPS:-50k}
	# smoke: 5 s of opening, a sample a second for the slope
	[ "$kind" = smoke ] && want=${SHOAL_BENCH_HOLD_MAX:-50000} cps=${SHOAL_BENCH_HOLD_MAX_CPS:-10k}
	local avail_kb fit n
	avail_kb=$(awk '/^MemAvailable:/ { print $2 }' /proc/meminfo)
	fit=$(( (avail_kb * 1024 * 8 / 10 / 2 - 512 * 1048576) / 400 ))
	n=$want
	[ "$fit" -lt "$n" ] && n=$fit
	if [ "$n" -lt 1000 ]; then
		perf_failed hold_max shoal "only $fit connections fit in $avail_kb kB of MemAvailable"
		return
	fi
	# The default pool (16384 mbufs): with 65536, 10M read 347 / 329 B
	# instead of 307 / 308 (each mbuf's header is written when the pool
	# is made, and the opening traffic touches their data rooms).
	local sg_hold_cps=$cps sg_two_ports=0 sg_hold_kill=1
	local sg_hold_mbufs=${SHOAL_BENCH_HOLD_MAX_MBUFS:-16384}
	local lim=${SHOAL_BENCH_HOLD_MAX_SECS:-$(( n / 25000 + 120 ))}
	local mb=$(( 2048 + n / 1000 ))
	if ! sg_hold max "$n" "$lim" "$mb"; then
		sg_stop
		perf_failed hold_max shoal "server did not start" "$sg_cmd_server"
		return
	fi
	local cmds=("$sg_cmd_server" "$sg_cmd_client") s_kb c_kb est took
	read -r s_kb c_kb est took <<<"$sg_held"
	if [ "$est" -lt "$n" ]; then
		perf_failed hold_max shoal "only $est of $n connections established within $lim s (server $s_kb kB, client $c_kb kB resident)" "${cmds[@]}"
		return
	fi
	# Least squares of VmRSS (kB) over the count, from a tenth of N on.
	local slopes
	slopes=$(awk -v from=$((n / 10)) '$2 >= from && $3 > 0 && $4 > 0 {
			k++; x += $2; xx += $2 * $2; ys += $3; xys += $2 * $3
			yc += $4; xyc += $2 * $4 }
		END { d = k * xx - x * x
			if (k < 3 || d <= 0) { print "0 0 " k; exit }
			printf "%.1f %.1f %d\n", (k * xys - x * ys) / d * 1024,
				(k * xyc - x * yc) / d * 1024, k }' "$work/sg-max-hold.dat")
	local s_slope c_slope samples
	read -r s_slope c_slope samples <<<"$slopes"
	local figs
	figs=$(jq -n --argjson n "$n" --argjson s "$s_kb" --argjson c "$c_kb" \
		--argjson ss "$s_slope" --argjson cs "$c_slope" '{
		connections: {value: $n, unit: "connections"},
		server_bytes_per_conn: {value: ($s * 1024 / $n), unit: "B, VmRSS / N"},
		client_bytes_per_conn: {value: ($c * 1024 / $n), unit: "B, VmRSS / N"},
		server_bytes_per_conn_slope: {value: $ss, unit: "B, slope"},
		client_bytes_per_conn_slope: {value: $cs, unit: "B, slope"}}')
	if ! jq -e 'all(.[]; .value > 0)' <<<"$figs" >/dev/null; then
		perf_failed hold_max shoal "resident memory did not grow with the connections ($samples samples): $figs" "${cmds[@]}"
		return
	fi
	perf_record hold_max shoal ok "$figs" \
		"$(jq -n --arg t "$target" --argjson n "$n" --argjson want "$want" \
			--argjson fit "$fit" --argjson avail "$avail_kb" \
			--argjson s "$s_kb" --argjson c "$c_kb" --argjson took "$took" \
			--argjson k "$samples" '{target: $t, held: $n, asked: $want,
			fit_by_memory: $fit, mem_available_kib: $avail,
			establish_s: $took, vmrss_kib: {server: $s, client: $c},
			slope_samples: $k}')" \
		"$n idle established connections (one request each, then think = 1 h) in one run, both sides sized for them (up to SHOAL_BENCH_HOLD_MAX, as many as fit in 80% of MemAvailable at ~0.5 GB + 400 B a connection a side); bytes per connection: VmRSS / N once all were established (everything resident included), and the least-squares slope of VmRSS over the established count from N / 10 on; target: $target" \
		"${cmds[@]}" "per side, each time the client printed its established count (once a second): awk '/^VmRSS:/' /proc/PID/status with the client's estab count"
	jq -r --argjson took "$took" --argjson want "$want" '"shoal/hold_max: \(.connections.value) held of \($want) asked (all established after \($took) s), \(.server_bytes_per_conn.value | round) B per connection server, \(.client_bytes_per_conn.value | round) B client, everything resident; slope \(.server_bytes_per_conn_slope.value | round) / \(.client_bytes_per_conn_slope.value | round) B"' <<<"$figs"
}

# cg_count WORKLOAD N TOGGLE : callgrind's instruction total for one
# engine_bench run, counting inside function TOGGLE only; prints
# "Ir data_segs" (data_segs: segments with payload the client sent).
cg_count() {
	local what=$1 n=$2 toggle=$3 out=$work/cg-$1-$2.out log=$work/cg-$1-$2.log
	valgrind --tool=callgrind --callgrind-out-file="$out" \
		--toggle-collect="$toggle" "$build/perf/engine_bench" "$what" "$n" \
		> "$log" 2>&1 || return 1
	echo "$(awk '/^summary:/ { print $2 }' "$out") $(grep -o 'data_segs [0-9]*\|connections [0-9]*' "$log" | head -1 | cut -d' ' -f2)"
}

# cg_pair WORKLOAD N TOGGLE : cg_count for 0 and for N side by side
# (callgrind counts instructions, so two runs sharing the CPUs change
# nothing but the wall time); sets cg0 and cg1, fails if either failed.
cg_pair() {
	local p0 p1 rc=0
	cg_count "$1" 0 "$3" > "$work/cg-$1.c0" &
	p0=$!
	cg_count "$1" "$2" "$3" > "$work/cg-$1.c1" &
	p1=$!
	wait "$p0" || rc=1
	wait "$p1" || rc=1
	cg0=$(cat "$work/cg-$1.c0")
	cg1=$(cat "$work/cg-$1.c1")
	return $rc
}

# Item 6: instructions per in-order data segment received and per full
# connection lifecycle (both engines), from callgrind on engine_bench.
# A run with N = 0 is subtracted, so setup cost is not in the figures.
bench_shoal_callgrind() {
	local nseg=${SHOAL_BENCH_CG_SEGS:-20000} nconn=${SHOAL_BENCH_CG_CONNS:-2000}
	[ "$kind" = smoke ] && nseg=2000 nconn=200
	local eb=$build/perf/engine_bench c0 c1 ir0 ir1 s0 s1
	local cmd_seg="valgrind --tool=callgrind --toggle-collect=bench_rx_server $eb segments"
	local cmd_life="valgrind --tool=callgrind --toggle-collect=bench_run $eb lifecycle"
	if cg_pair segments "$nseg" bench_rx_server; then
		c0=$cg0 c1=$cg1
		read -r ir0 s0 <<<"$c0"
		read -r ir1 s1 <<<"$c1"
		perf_record callgrind_segment fast-path ok \
			"$(jq -n --argjson a "$ir0" --argjson b "$ir1" --argjson s "$s1" \
				'{instructions_per_segment: {value: (($b - $a) / $s), unit: "instructions"}}')" \
			"$(jq -n --argjson a "$ir0" --argjson b "$ir1" --argjson s "$s1" --argjson n "$nseg" \
				'{target: "instructions per in-order data segment received", ir_baseline: $a, ir: $b, data_segments: $s, requested_segments: $n}')" \
			"receive path only (bench_rx_server: input burst of 32, coalesced ACK out, data to the application, freed), one connection, 1448 B per segment, minus the same workload with 0 segments" \
			"$cmd_seg 0" "$cmd_seg $nseg"
		printf 'fast-path/callgrind_segment: %.0f instructions per in-order segment received\n' \
			"$(jq -n "($ir1 - $ir0) / $s1")"
	else
		perf_failed callgrind_segment fast-path "engine_bench segments failed: $(tail -2 "$work"/cg-segments-*.log | tr '\n' ' ')" "$cmd_seg $nseg"
	fi
	if cg_pair lifecycle "$nconn" bench_run; then
		c0=$cg0 c1=$cg1
		read -r ir0 s0 <<<"$c0"
		read -r ir1 s1 <<<"$c1"
		perf_record callgrind_lifecycle fast-path ok \
			"$(jq -n --argjson a "$ir0" --argjson b "$ir1" --argjson n "$nconn" \
				'{instructions_per_connection: {value: (($b - $a) / $n), unit: "instructions"}}')" \
			"$(jq -n --argjson a "$ir0" --argjson b "$ir1" --argjson n "$nconn" \
				'{target: "instructions per full connection lifecycle", ir_baseline: $a, ir: $b, connections: $n}')" \
			"both engines, whole workload (bench_run): connect, 64 B request, 64 B response, FIN both ways, TIME-WAIT expiry, timers every 1 us of virtual time; 32 connections at a time; minus the same workload with 0 connections" \
			"$cmd_life 0" "$cmd_life $nconn"
		printf 'fast-path/callgrind_lifecycle: %.0f instructions per connection lifecycle (both sides)\n' \
			"$(jq -n "($ir1 - $ir0) / $nconn")"
	else
		perf_failed callgrind_lifecycle fast-path "engine_bench lifecycle failed: $(tail -2 "$work"/cg-lifecycle-*.log | tr '\n' ' ')" "$cmd_life $nconn"
	fi
}

# Item 6, whole application: instructions per connection (one GET each)
# and per keep-alive request of shoal-gen server and client under
# callgrind, each side (perf/callgrind/app.sh), beside the engine-only
# counts above.
bench_shoal_callgrind_app() {
	local cmd="perf/callgrind/app.sh $build $work/cg-app" res
	perf_compare="[]"
	if ! res=$(bash "$root/perf/callgrind/app.sh" "$build" "$work/cg-app" 2> "$work/cg-app.err"); then
		perf_failed callgrind_app fast-path "perf/callgrind/app.sh failed: $(tail -3 "$work/cg-app.err" | tr '\n' ' ')" "$cmd"
		return
	fi
	# Lines: WORKLOAD SIDE IR PER UNIT
	perf_record callgrind_app fast-path ok \
		"$(awk '{ printf "{\"%s_%s_per_%s\": {\"value\": %s, \"unit\": \"instructions\"}}\n", $1, $2, $5, $4 }' <<<"$res" | jq -s 'add')" \
		"$(awk '{ printf "{\"workload\": \"%s\", \"side\": \"%s\", \"ir\": %s}\n", $1, $2, $3 }' <<<"$res" | jq -s '{runs: .}')" \
		"shoal-gen server and client, one worker each, virtio-user/vhost-user, both under callgrind: close = ${SHOAL_CG_APP_CONNS:-8000} connections with one GET each (concurrency 256), keepalive = ${SHOAL_CG_APP_KA_CONNS:-192} connections x 100 GETs; worker loop instructions (empty polls included) less timer-driven counter publication and application init/fini/drain, per connection / per request" \
		"$cmd"
	sed 's/^/fast-path\/callgrind_app: /' <<<"$res"
}

# Where a worker's time goes in real time: the CPS and keep-alive pairs
# again, with stack.cycles=true on both sides (the TSC read around each
# phase of the poll loop). callgrind counts instructions at ~1/50 of the
# rate; these include cache misses and whatever grows with the rate. Not a
# rate to compare: counting costs ~12 TSC reads a turn.
bench_shoal_cycles() {
	local w tag unit sargs cargs figs='{}' det='{}' cmds=() line
	for w in cps ka; do
		tag=cyc_$w
		sargs="$sg_http_server stack.cycles=true report.json=$work/sg-$tag-server.json"
		if [ $w = cps ]; then
			unit=conn
			cargs="$(sg_cps_client) stack.cycles=true"
		else
			unit=request
			cargs="$(sg_ka_client) stack.cycles=true"
		fi
		if ! sg_pair $tag 1024 "$sargs" "$cargs" ||
		   [ ! -s "$work/sg-$tag-server.json" ]; then
			perf_failed cycles shoal "${sg_why:-the server wrote no summary}" "$sg_cmd_server" "$sg_cmd_client"
			return
		fi
		cmds+=("$sg_cmd_server" "$sg_cmd_client")
		# Per side: cycles per unit in busy turns, by phase, and the
		# idle share of the loop.
		line=$(jq -n --arg w "$w" --arg u "$unit" \
			--slurpfile s "$work/sg-$tag-server.json" \
			--slurpfile c "$work/sg-$tag-client.json" '
			def side($j; $n):
			  $j.stack as $x
			  | (if $n > 0 then $n else 1 end) as $d
			  | {units: $n, tsc_hz: $x.tsc_hz,
			     busy: (($x.cycles_loop - $x.cycles_idle) / $d),
			     rx: ($x.cycles_rx / $d), input: ($x.cycles_input / $d),
			     timers: ($x.cycles_timers / $d), app: ($x.cycles_app / $d),
			     flush: ($x.cycles_flush / $d), tx: ($x.cycles_tx / $d),
			     idle_share: (if $x.cycles_loop > 0 then $x.cycles_idle / $x.cycles_loop else 0 end)};
			{($w): {unit: $u,
			  server: side($s[0]; if $w == "cps" then $s[0].counters.conn_accepted else $s[0].counters.requests_rx end),
			  client: side($c[0]; if $w == "cps" then $c[0].counters.conn_established else $c[0].counters.responses_rx end)}}')
		det=$(jq -c --argjson a "$line" '. + $a' <<<"$det")
		figs=$(jq -c --argjson a "$line" --arg w "$w" --arg u "$unit" '. +
			{("\($w)_server_busy_per_\($u)"): {value: ($a[$w].server.busy | round), unit: "TSC cycles per \($u), \($w) server"},
			 ("\($w)_client_busy_per_\($u)"): {value: ($a[$w].client.busy | round), unit: "TSC cycles per \($u), \($w) client"}}' <<<"$figs")
	done
	perf_compare='[]'
	perf_record cycles shoal ok "$figs" "$det" \
		"the cps and keep-alive pairs again with stack.cycles=true on both sides: TSC cycles per connection (cps) or per request (ka) in the poll loop's turns that found work, by phase (details: rx, input, timers, app, flush, tx) and the idle turns' share of the loop; a real-time profile, cache misses included, not a rate to compare (counting costs ~12 TSC reads a turn)" \
		"${cmds[@]}"
	jq -r 'to_entries[] | .key as $w | .value as $v | ("server", "client") as $side | $v[$side] |
		"shoal/cycles: \($w) \($side) \(.busy | round) TSC cycles per \($v.unit) in busy turns (rx \(.rx | round), input \(.input | round), timers \(.timers | round), app \(.app | round), flush \(.flush | round), tx \(.tx | round)); idle turns \(.idle_share * 1000 | round / 10)% of the loop"' <<<"$det"
}

bench_shoal() {
	if ! shoal_build; then
		local b
		for b in http_close http_keepalive rr_1conn rr_100conn bulk_1_c2s bulk_1_s2c bulk_100 concurrency; do
			perf_failed "$b" shoal "shoal-gen does not build in $build"
		done
		return
	fi
	# SHOAL_BENCH_SHOAL lists the shoal benchmarks to run (default all).
	local b
	for b in ${SHOAL_BENCH_SHOAL:-cps keepalive rr bulk concurrency hold_max cycles callgrind callgrind_app}; do
		"bench_shoal_$b"
	done
}
