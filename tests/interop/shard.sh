#!/usr/bin/env bash
# Share-nothing sharding with two workers per side.
#   shard.sh CASE BUILD_DIR
# CASE: virtio-2q  shoal-gen client and server over virtio-user/vhost-user
#                  with 2 queues: thousands of echo connections, every byte
#                  checked, both workers busy, nothing redirected
#       virtio-1q  the same with 1 queue: flows redirected in software,
#                  nothing lost
#       tap-2q     shoal-gen http server on a 2-queue TAP, many curls from
#                  the kernel in parallel: all succeed, both workers own
#                  connections
case_=$1
build=$2
name=shard-$case_
. "$(dirname "$0")/lib.sh"

gen=$build/app/shoal-gen/shoal-gen
conf=$(cd "$here/../../conf" && pwd)
CONNS=${SHOAL_SHARD_CONNS:-3000}

# worker_field LOG WORKER FIELD: a per-worker figure from shoal's dump.
worker_field() {
	sed -n "s/^ *worker $2 lcore [0-9]*:.* $3 \([0-9]*\).*/\1/p" "$1" | tail -1
}

# Two workers on two lcores plus the main lcore, on our 2 cores.
lcores() { echo "--lcores 0@$1,1@0,2@1"; }

virtio_pair() {
	local q=$1
	local sock=/var/tmp/shoal/$ns.sock
	mkdir -p /var/tmp/shoal
	"$gen" $(lcores 1) --no-pci $(shoal_eal_mem 1024) --file-prefix "$ns-s" \
		--vdev "net_vhost0,iface=$sock,queues=$q" --log-level='*:warning' -- \
		--config "$conf/echo-server.ini" --quiet >"$work/server.log" 2>&1 &
	pids+=($!)
	grep -q 'ready' <(timeout 30 tail -F "$work/server.log") ||
		fail "server did not start"
	"$gen" $(lcores 0) --no-pci $(shoal_eal_mem 1024) --file-prefix "$ns-c" \
		--vdev "net_virtio_user0,path=$sock,queues=$q" --log-level='*:warning' -- \
		--config "$conf/echo-client.ini" --quiet run.duration=60s \
		client.connections="$CONNS" client.concurrency=200 \
		client.requests=10 echo.size=1k --json "$work/client.json" \
		stack.cycles=true \
		>"$work/client.log" 2>&1 || fail "client failed (pass criteria)"
	kill -INT "${pids[0]}"
	wait "${pids[0]}" || fail "server exited non-zero"
	pids=()
	rm -f "$sock"

	python3 - "$work/client.json" "$CONNS" <<'PY' || fail "client figures wrong"
import json, sys
d = json.load(open(sys.argv[1])); n = int(sys.argv[2])
c, t = d["counters"], d["tcp"]
assert c["conn_established"] == n, c["conn_established"]
assert c["conn_closed"] == n, c["conn_closed"]
assert c["failures"] == 0 and c["fail_verify"] == 0, c
assert c["responses_rx"] == c["requests_tx"] == 10 * n, c
assert c["app_bytes_rx"] == c["app_bytes_tx"] == 10 * n * 1024, c
assert t["resets_rx"] == 0 and t["resets_tx"] == 0 and t["no_cb"] == 0, t
# stack.cycles=true: the loop's cycles, split into phases of busy turns
# and idle turns, add up within the loop's total
s = d["stack"]
phases = sum(s["cycles_" + k] for k in
             ("rx", "input", "timers", "app", "flush", "tx"))
assert s["tsc_hz"] > 0 and s["polls_busy"] > 0, s
assert s["cycles_input"] > 0 and s["cycles_rx"] > 0 and s["cycles_tx"] > 0, s
assert 0 < phases + s["cycles_idle"] <= s["cycles_loop"], s
PY
	for side in client server; do
		for w in 0 1; do
			opens=$(worker_field "$work/$side.log" $w \
				"$([ $side = client ] && echo active_opens || echo passive_opens)")
			[ "${opens:-0}" -gt 0 ] ||
				fail "$side worker $w owns no connection"
		done
		# A segment on the wrong worker finds no connection and is
		# answered with a RST: none may be sent.
		if grep -Eq "resets_tx:? +[1-9]|no_cb:? +[1-9]" "$work/$side.log"; then
			fail "$side sent resets: a segment reached a worker not owning it"
		fi
	done
}

case $case_ in
virtio-2q)
	virtio_pair 2
	for side in client server; do
		for w in 0 1; do
			red=$(worker_field "$work/$side.log" $w redirected)
			# ARP is owned by worker 0: at most a few frames move.
			[ "${red:-0}" -le 4 ] ||
				fail "$side worker $w redirected $red packets with 2 queues"
		done
	done
	pass "2 queues: $CONNS connections, 10 verified echoes each, both workers" \
		"busy on each side, no TCP segment redirected"
	;;
virtio-1q)
	virtio_pair 1
	red=$(worker_field "$work/client.log" 0 redirected)
	[ "${red:-0}" -gt 1000 ] || fail "client redirected only ${red:-0} packets"
	red=$(worker_field "$work/server.log" 0 redirected)
	[ "${red:-0}" -gt 1000 ] || fail "server redirected only ${red:-0} packets"
	pass "1 queue: $CONNS connections verified, $red packets redirected" \
		"by the server's worker 0, nothing lost"
	;;
tap-2q)
	ifc=shoalq
	ip netns exec "$ns" "$gen" $(lcores 1) --no-pci $(shoal_eal_mem 1024) \
		--file-prefix "$ns" --vdev "net_tap0,iface=$ifc" \
		--log-level='*:warning' -- --config "$conf/http-cps-server.ini" \
		stack.ip=198.18.0.2/24 --quiet >"$work/server.log" 2>&1 &
	pids+=($!)
	grep -q 'ready' <(timeout 30 tail -F "$work/server.log") ||
		fail "server did not start"
	nsx ip addr add 198.18.0.1/24 dev "$ifc"
	nsx ip link set "$ifc" up
	seq 400 | nsx xargs -P 16 -I{} curl -sS --max-time 10 -o /dev/null \
		-w '%{http_code}\n' "http://198.18.0.2/?{}" >"$work/codes" 2>"$work/curl.log" ||
		fail "some curl failed"
	ok=$(grep -c '^200$' "$work/codes")
	[ "$ok" -eq 400 ] || fail "$ok of 400 requests got 200"
	kill -INT "${pids[0]}"
	wait "${pids[0]}" || fail "server exited non-zero"
	pids=()
	for w in 0 1; do
		opens=$(worker_field "$work/server.log" $w passive_opens)
		[ "${opens:-0}" -gt 0 ] || fail "worker $w owns no connection"
	done
	pass "400 parallel curls over a 2-queue TAP all got 200;" \
		"passive opens per worker: $(worker_field "$work/server.log" 0 passive_opens)" \
		"and $(worker_field "$work/server.log" 1 passive_opens)"
	;;
*)
	fail "unknown case $case_"
	;;
esac
