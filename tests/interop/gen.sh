#!/usr/bin/env bash
# shoal-gen against the Linux kernel over a TAP port in this test's own
# namespace.
#   gen.sh CASE BUILD_DIR
# CASE: client-linux  shoal-gen http client -> python3 http.server: every
#                     request answered 200, and the server's log agrees
#       curl-server   curl -> shoal-gen http server, keep-alive and close
#       wrk-server    wrk -> shoal-gen http server: no socket error, no
#                     non-2xx answer
#       options       curl -> shoal-gen http server with TCP options off:
#                     its SYN-ACK offers none of them (and all, left on)
case_=$1
build=$2
name=gen-$case_
. "$(dirname "$0")/lib.sh"

gen=$build/app/shoal-gen/shoal-gen
conf=$(cd "$here/../../conf" && pwd)
ifc=shoalg
shoal_ip=198.18.0.2
kernel_ip=198.18.0.1

# start_gen LOG ARGS...: shoal-gen on a TAP port in the namespace, one
# worker; returns once it is ready and the kernel side is configured.
start_gen() {
	local log=$1
	shift
	ip netns exec "$ns" "$gen" -l 0 --no-pci $(shoal_eal_mem 512) \
		--file-prefix "$ns" --vdev "net_tap0,iface=$ifc" \
		--log-level='*:warning' -- "$@" >"$log" 2>&1 &
	pids+=($!)
	shoal_wait_iface "$ns" "$ifc" || fail "no $ifc"
	nsx ip addr add "$kernel_ip/24" dev "$ifc"
	nsx ip link set "$ifc" up
}

stop_gen() {
	kill -INT "${pids[0]}"
	wait "${pids[0]}" || fail "shoal-gen exited non-zero"
	pids=()
}

case $case_ in
client-linux)
	mkdir -p "$work/www"
	head -c 4096 /dev/urandom | base64 >"$work/www/index.html"
	(cd "$work/www" && exec ip netns exec "$ns" python3 -m http.server \
		--bind 0.0.0.0 8080) 2>"$work/access.log" >/dev/null &
	pids+=($!)
	for _ in $(seq 50); do
		nsx ss -Hltn | grep -q ':8080' && break
		sleep 0.1
	done
	ip netns exec "$ns" "$gen" -l 0 --no-pci $(shoal_eal_mem 512) \
		--file-prefix "$ns" --vdev "net_tap0,iface=$ifc" \
		--log-level='*:warning' -- --config "$conf/linux-server-tap.ini" \
		--quiet run.duration=4s --json "$work/client.json" \
		>"$work/client.log" 2>&1 &
	gpid=$!
	shoal_wait_iface "$ns" "$ifc" || fail "no $ifc"
	nsx ip addr add "$kernel_ip/24" dev "$ifc"
	nsx ip link set "$ifc" up
	wait "$gpid" || fail "shoal-gen client failed its pass criteria"
	logged=$(grep -c '"GET / HTTP/1.1" 200' "$work/access.log" || true)
	python3 - "$work/client.json" "$logged" <<'PY' || fail "figures disagree"
import json, sys
d = json.load(open(sys.argv[1])); logged = int(sys.argv[2])
c = d["counters"]
assert c["failures"] == 0, c
assert c["responses_rx"] > 0 and c["resp_2xx"] == c["responses_rx"], c
assert c["responses_rx"] == logged, (c["responses_rx"], logged)
print(f'{c["responses_rx"]} responses, all 200, server logged {logged}')
PY
	pass "shoal-gen client against python http.server: counts agree"
	;;
curl-server)
	start_gen "$work/server.log" --config "$conf/http-keepalive-server.ini" \
		stack.ip="$shoal_ip/24" --quiet
	grep -q 'ready' <(timeout 20 tail -F "$work/server.log" 2>/dev/null) ||
		fail "server did not start"
	# keep-alive: several URLs over one connection
	nsx curl -sS --max-time 10 -o /dev/null -o /dev/null -o /dev/null \
		-w '%{http_code} %{num_connects}\n' \
		"http://$shoal_ip/a" "http://$shoal_ip/b" "http://$shoal_ip/c" \
		>"$work/codes" 2>"$work/curl.log" || fail "curl keep-alive failed"
	[ "$(grep -c '^200' "$work/codes")" -eq 3 ] || fail "not 3 x 200"
	# one request per connection, in parallel
	seq 200 | nsx xargs -P 8 -I{} curl -sS --max-time 10 -H 'Connection: close' \
		-o /dev/null -w '%{http_code}\n' "http://$shoal_ip/{}" \
		>"$work/codes2" 2>>"$work/curl.log" || fail "a curl failed"
	[ "$(grep -c '^200$' "$work/codes2")" -eq 200 ] || fail "not 200 x 200"
	# the body is the fill pattern, whichever head (close, keep-alive)
	awk 'BEGIN { for (i = 0; i < 1024; i++)
		printf "%s", substr("shoal-gen\n", i % 10 + 1, 1) }' >"$work/want"
	nsx curl -sS --max-time 10 "http://$shoal_ip/" >"$work/body"
	cmp -s "$work/body" "$work/want" ||
		fail "keep-alive body: $(wc -c <"$work/body") bytes, not 1 KiB of the pattern"
	nsx curl -sS --max-time 10 -H 'Connection: close' "http://$shoal_ip/" >"$work/body"
	cmp -s "$work/body" "$work/want" ||
		fail "close body: $(wc -c <"$work/body") bytes, not 1 KiB of the pattern"
	stop_gen
	pass "curl: 3 keep-alive + 200 one-shot requests answered 200, 1 KiB bodies"
	;;
wrk-server)
	command -v wrk >/dev/null || fail "wrk is not installed (.ci/setup installs it)"
	start_gen "$work/server.log" --config "$conf/http-keepalive-server.ini" \
		stack.ip="$shoal_ip/24" --quiet
	grep -q 'ready' <(timeout 20 tail -F "$work/server.log" 2>/dev/null) ||
		fail "server did not start"
	nsx wrk -t 1 -c 32 -d 3s --latency "http://$shoal_ip/" >"$work/wrk.log" 2>&1 ||
		fail "wrk failed"
	grep -q 'Socket errors' "$work/wrk.log" && fail "wrk saw socket errors"
	grep -q 'Non-2xx' "$work/wrk.log" && fail "wrk saw non-2xx answers"
	reqs=$(sed -n 's/^ *\([0-9]*\) requests in.*/\1/p' "$work/wrk.log")
	[ "${reqs:-0}" -gt 100 ] || fail "wrk completed only ${reqs:-0} requests"
	stop_gen
	pass "wrk: $reqs requests, all 2xx, no socket error" \
		"($(sed -n 's/^Requests\/sec: *//p' "$work/wrk.log") req/s through TAP)"
	;;
options)
	# tcp.timestamps / tcp.sack / tcp.wscale reach the engine: Linux's
	# SYN offers all three, and shoal's SYN-ACK answers with what it was
	# told to accept, read back from shoal's own capture.
	command -v tcpdump >/dev/null || fail "tcpdump is not installed (.ci/setup installs it)"
	for opts in on off; do
		args=()
		[ "$opts" = off ] &&
			args=(tcp.timestamps=false tcp.sack=false tcp.wscale=false)
		cap=$work/syn-$opts.pcap
		start_gen "$work/server-$opts.log" \
			--config "$conf/http-keepalive-server.ini" \
			stack.ip="$shoal_ip/24" stack.capture="$cap" --quiet "${args[@]}"
		grep -q 'ready' <(timeout 20 tail -F "$work/server-$opts.log" 2>/dev/null) ||
			fail "server ($opts) did not start"
		nsx curl -sS --max-time 10 -o /dev/null "http://$shoal_ip/" ||
			fail "curl ($opts) failed"
		stop_gen
		tcpdump -nr "$cap" 'tcp[tcpflags] & (tcp-syn|tcp-ack) == (tcp-syn|tcp-ack)' \
			2>/dev/null >"$work/synack-$opts"
		[ -s "$work/synack-$opts" ] || fail "no SYN-ACK in the $opts capture"
		for o in TS sackOK wscale; do
			if grep -q "$o" "$work/synack-$opts"; then
				[ "$opts" = on ] || fail "SYN-ACK carries $o with it off: $(cat "$work/synack-$opts")"
			else
				[ "$opts" = off ] || fail "SYN-ACK lacks $o: $(cat "$work/synack-$opts")"
			fi
		done
		grep -q 'mss' "$work/synack-$opts" || fail "SYN-ACK ($opts) without MSS"
	done
	pass "SYN-ACK options follow tcp.timestamps, tcp.sack, tcp.wscale (on and off)"
	;;
*)
	fail "unknown case $case_"
	;;
esac
