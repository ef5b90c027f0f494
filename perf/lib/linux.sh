# Sourced by perf/run.sh: the Linux kernel's own TCP stack on the same
# machine in the same run, as the baseline every shoal figure is divided
# by. Everything runs on loopback inside a network namespace created here
# (the default namespace is never touched), server pinned to $cpu_a and
# client to $cpu_b, one core each like the shoal runs.

linux_ns=
linux_pids=()
linux_ip=198.18.0.1
linux_http_port=8080
linux_iperf_port=5201

linux_cleanup() {
	local p
	for p in "${linux_pids[@]}"; do
		kill "$p" 2>/dev/null && wait "$p" 2>/dev/null || true
	done
	linux_pids=()
	if [ -n "$linux_ns" ]; then
		ip netns del "$linux_ns" 2>/dev/null || true
		linux_ns=
	fi
	return 0
}

linux_in_ns() {
	ip netns exec "$linux_ns" "$@"
}

linux_setup_ns() {
	linux_ns=shoal-bench-$$
	ip netns add "$linux_ns"
	linux_in_ns ip link set lo up
	# A benchmark address on lo, from the range reserved for it.
	linux_in_ns ip addr add "$linux_ip/32" dev lo
	# These sysctls are per namespace: room for a CPS run's worth of
	# ephemeral ports, TIME_WAIT reuse on the client, a deep backlog.
	linux_in_ns sysctl -q -w net.ipv4.ip_local_port_range="1024 65535" \
		net.ipv4.tcp_tw_reuse=1 net.core.somaxconn=65535 \
		net.ipv4.tcp_max_syn_backlog=65535
}

# True once something listens on TCP port $1 in the namespace. It looks
# at the socket table instead of connecting: a probe connection would be
# the one test iperf3 -s -1 serves.
linux_port_open() {
	linux_in_ns ss -Hltn "sport = :$1" | grep -q .
}

# nginx-light, one worker, access log off, a 64-byte static body. Each
# keep-alive connection serves 100 requests then closes, the same
# workload the shoal keep-alive run uses.
linux_start_nginx() {
	local d=$work/nginx
	mkdir -p "$d/www" "$d/tmp"
	# The worker runs as nginx's unprivileged user; mktemp made $work 0700.
	chmod a+x "$work"
	chmod a+rx "$d" "$d/www"
	head -c 63 /dev/zero | tr '\0' 'x' > "$d/www/index.html"
	echo >> "$d/www/index.html"
	cat > "$d/nginx.conf" <<NGINX
worker_processes 1;
daemon off;
pid $d/nginx.pid;
error_log $d/error.log warn;
events {
	worker_connections 16384;
}
http {
	access_log off;
	sendfile on;
	tcp_nodelay on;
	keepalive_timeout 65;
	keepalive_requests 100;
	open_file_cache max=16;
	client_body_temp_path $d/tmp;
	proxy_temp_path $d/tmp;
	fastcgi_temp_path $d/tmp;
	uwsgi_temp_path $d/tmp;
	scgi_temp_path $d/tmp;
	default_type text/plain;
	server {
		listen $linux_ip:$linux_http_port backlog=65535;
		root $d/www;
	}
}
NGINX
	linux_nginx_cmd=$(perf_json_cmd ip netns exec NS taskset -c "$cpu_a" \
		nginx -c "$d/nginx.conf" -p "$d")
	# The master and its one worker inherit the CPU mask.
	# Not through linux_in_ns: a function in the background is a subshell
	# and $! would name it, not nginx. ip netns exec execs its command.
	ip netns exec "$linux_ns" taskset -c "$cpu_a" \
		nginx -c "$d/nginx.conf" -p "$d" > "$d/stdout.log" 2>&1 &
	linux_pids+=($!)
	perf_wait_for 10 linux_port_open "$linux_http_port" || return 1
	# Exactly the body we wrote, or the figures would be for errors.
	[ "$(linux_in_ns curl -sf "http://$linux_ip:$linux_http_port/index.html" | wc -c)" = 64 ]
}

# linux_wrk NAME FIGURE UNIT NOTE [wrk header args...]
linux_wrk() {
	local name=$1 figure=$2 unit=$3 note=$4
	shift 4
	local log=$work/wrk-$name.log
	perf_probe_mark
	local cmd=(taskset -c "$cpu_b" wrk -t1 -c"$conns" -d"${secs}s"
		--latency "$@" "http://$linux_ip:$linux_http_port/index.html")
	local shown
	shown="ip netns exec NS $(perf_json_cmd "${cmd[@]}")"
	if ! linux_in_ns "${cmd[@]}" > "$log" 2>&1; then
		perf_failed "$name" linux "wrk failed: $(tail -2 "$log" | tr '\n' ' ')" "$linux_nginx_cmd" "$shown"
		return
	fi
	# wrk prints "Requests/sec: N", "Non-2xx or 3xx responses: N",
	# "Socket errors: connect A, read B, write C, timeout D" and the
	# latency distribution under --latency.
	local parsed
	parsed=$(awk '
		/^Requests\/sec:/ { rps = $2 }
		/Non-2xx/ { bad = $NF }
		/Socket errors/ { gsub(",", ""); errs = $4 + $6 + $8 + $10 }
		/requests in/ { reqs = $1 }
		$1 == "50%" { p50 = $2 } $1 == "99%" { p99 = $2 }
		END { printf "{\"rps\": %s, \"bad\": %d, \"errors\": %d, \"requests\": %d, \"p50\": \"%s\", \"p99\": \"%s\"}",
			rps + 0, bad, errs, reqs, p50, p99 }' "$log")
	if ! jq -e '.rps > 0' <<<"$parsed" >/dev/null; then
		perf_failed "$name" linux "wrk measured nothing: $(tail -2 "$log" | tr '\n' ' ')" "$linux_nginx_cmd" "$shown"
		return
	fi
	perf_record "$name" linux ok \
		"$(jq -n --argjson p "$parsed" --arg f "$figure" --arg u "$unit" \
			'{($f): {value: $p.rps, unit: $u}}')" \
		"$(jq -n --argjson p "$parsed" --argjson c "$conns" '{
			connections: $c, requests: $p.requests,
			non_2xx: $p.bad, socket_errors: $p.errors,
			latency_p50: $p.p50, latency_p99: $p.p99}')" \
		"$note" "$linux_nginx_cmd" "$shown"
	printf 'linux/%s: %s %s (%s connections, %s socket errors)\n' "$name" \
		"$(jq -r .rps <<<"$parsed")" "$unit" "$conns" "$(jq -r .errors <<<"$parsed")"
}

# linux_iperf NAME STREAMS : bulk TCP, client to server, MSS 1460.
linux_iperf() {
	local name=$1 streams=$2
	local log=$work/iperf-$name.json
	perf_probe_mark
	local srv=(taskset -c "$cpu_a" iperf3 -s -1 -B "$linux_ip" -p "$linux_iperf_port")
	local cli=(taskset -c "$cpu_b" iperf3 -c "$linux_ip" -p "$linux_iperf_port"
		-M 1460 -P "$streams" -t "$secs" -O 1 -J)
	local shown_srv shown_cli
	shown_srv="ip netns exec NS $(perf_json_cmd "${srv[@]}")"
	shown_cli="ip netns exec NS $(perf_json_cmd "${cli[@]}")"
	ip netns exec "$linux_ns" "${srv[@]}" > "$work/iperf-$name-server.log" 2>&1 &
	local spid=$!
	linux_pids+=($spid)
	if ! perf_wait_for 10 linux_port_open "$linux_iperf_port"; then
		perf_failed "$name" linux "iperf3 server never listened" "$shown_srv" "$shown_cli"
		return
	fi
	if ! linux_in_ns "${cli[@]}" > "$log" 2>&1 ||
	   ! jq -e '.end.sum_received.bits_per_second > 0' "$log" >/dev/null 2>&1; then
		perf_failed "$name" linux "iperf3 failed: $(jq -r '.error // empty' "$log" 2>/dev/null | head -1)" "$shown_srv" "$shown_cli"
		kill "$spid" 2>/dev/null || true
		return
	fi
	wait "$spid" 2>/dev/null || true
	local gbps
	gbps=$(jq '.end.sum_received.bits_per_second / 1e9 * 10000 | round / 10000' "$log")
	perf_record "$name" linux ok \
		"$(jq -n --argjson g "$gbps" '{gbps: {value: $g, unit: "Gbit/s"}}')" \
		"$(jq '{streams: .start.test_start.num_streams,
			mss: 1460,
			retransmits: .end.sum_sent.retransmits,
			sender_cpu_percent: .end.cpu_utilization_percent.host_total,
			receiver_cpu_percent: .end.cpu_utilization_percent.remote_total,
			series: {unit: "Gbit/s", per_second: [.intervals[]
				| select(.sum.omitted | not)
				| .sum.bits_per_second / 1e9 * 1000 | round / 1000]}}' "$log")" \
		"iperf3 over loopback, $streams stream(s), MSS 1460, first second omitted" \
		"$shown_srv" "$shown_cli"
	printf 'linux/%s: %s Gbit/s\n' "$name" "$gbps"
}

bench_linux() {
	linux_setup_ns
	if ! linux_start_nginx; then
		perf_failed http_close linux "nginx did not serve the test page: $(tail -2 "$work/nginx/error.log" 2>/dev/null | tr '\n' ' ')" "$linux_nginx_cmd"
		perf_failed http_keepalive linux "nginx did not serve the test page" "$linux_nginx_cmd"
	else
		linux_wrk http_close requests_per_s "connections/s" \
			"nginx + wrk, one GET per connection (Connection: close); each request is one connection" \
			-H 'Connection: close'
		linux_wrk http_keepalive requests_per_s "requests/s" \
			"nginx + wrk, keep-alive, 100 requests per connection (keepalive_requests 100)"
	fi
	linux_cleanup
	linux_setup_ns
	local n
	for n in ${SHOAL_BENCH_IPERF_STREAMS:-1 100}; do
		linux_iperf "iperf3_$n" "$n"
	done
	linux_cleanup
}
