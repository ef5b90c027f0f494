#!/usr/bin/env bash
# The loss grid: loss 0/1/5/10/20% x reorder 0/5% x dup 0/1% (seeded), on
# shoal's own impaired link.
#   lossgrid.sh virtio|tap BUILD_DIR
# virtio: shoal-gen bulk client and server over virtio-user/vhost-user,
#         GRID_CONNS connections each moving GRID_MB MiB both ways, every
#         byte verified at both ends.
# tap:    shoal-gen echo client against a kernel echo server over TAP,
#         GRID_CONNS connections each echoing GRID_MB MiB (so GRID_MB each
#         way), every byte verified.
# The impairment sits on the client's port, both directions (so each
# packet crosses one bad link). GRID_SECONDS caps each cell's run (default
# 600). Every cell must complete with no failure,
# at both ends, and no leak (mbufs, control blocks, buffers: shoal-gen's
# leak counters); the
# completion time of each cell goes to perf/results/lossgrid-<kind>.json.
kind=$1
build=$2
name=lossgrid-$kind
. "$(dirname "$0")/lib.sh"

gen=$build/app/shoal-gen/shoal-gen
conf=$(cd "$here/../../conf" && pwd)
results=${GRID_RESULTS:-$(cd "$here/../.." && pwd)/perf/results}
CONNS=${GRID_CONNS:-100}
MB=${GRID_MB:-4}
LOSSES=${GRID_LOSSES:-0 1 5 10 20}
REORDERS=${GRID_REORDERS:-0 5}
DUPS=${GRID_DUPS:-0 1}
cells=$work/cells.txt
: >"$cells"

check_json() {
	python3 - "$1" "$2" <<'PY'
import json, sys
d = json.load(open(sys.argv[1])); want = int(sys.argv[2])
c = d["counters"]
assert c["failures"] == 0, {k: v for k, v in c.items() if k.startswith("fail")}
opened = c["conn_established"] or c["conn_accepted"]
assert opened == want and c["conn_closed"] == want, c
leaks = {k: v for k, v in d["leaks"].items() if k != "workers" and v}
assert not leaks, leaks
print(f'{d["duration_s"]:.2f} {d["tcp"]["retransmits"]}')
PY
}

run_virtio_cell() {
	local spec=$1 sock=/var/tmp/shoal/$ns.sock cpid last
	mkdir -p /var/tmp/shoal
	"$gen" -l 1 --no-pci $(shoal_eal_mem 1024) --file-prefix "$ns-s" \
		--vdev "net_vhost0,iface=$sock" --log-level='*:warning' -- \
		--config "$conf/bulk-server.ini" bulk.direction=both \
		report.interval=200ms --json "$work/server.json" >"$work/server.log" 2>&1 &
	pids+=($!)
	grep -q 'ready' <(timeout 30 tail -F "$work/server.log" 2>/dev/null) ||
		fail "server did not start"
	# The client lingers after its last connection closed: the link
	# may have lost its last ACKs, and the server's retransmitted FINs
	# need a TIME-WAIT that answers. Both are stopped once the server has
	# closed every connection.
	"$gen" -l 0 --no-pci $(shoal_eal_mem 1024) --file-prefix "$ns-c" \
		--vdev "net_virtio_user0,path=$sock" --log-level='*:warning' -- \
		--config "$conf/bulk-client.ini" bulk.direction=both \
		bulk.bytes=$((MB << 20)) client.connections="$CONNS" \
		client.concurrency="$CONNS" run.duration=${GRID_SECONDS:-600}s --quiet \
		run.drain=120s run.linger=120s \
		stack.impair="$spec" --json "$work/cell.json" \
		>"$work/client.log" 2>&1 &
	cpid=$!
	pids+=($cpid)
	for _ in $(seq 7200); do
		last=$(grep -Eo 'active [0-9]+ +estab [0-9]+ +closed [0-9]+' \
			"$work/server.log" | tail -n 1) || true
		[ "$last" = "active 0  estab 0  closed $CONNS" ] && break
		kill -0 "$cpid" 2>/dev/null || break
		sleep 0.25
	done
	# The client first: a virtio-user port whose vhost end went away
	# does not close cleanly.
	kill -INT "$cpid" 2>/dev/null
	wait "$cpid" || fail "cell $spec: client failed"
	kill -INT "${pids[0]}"
	wait "${pids[0]}" || fail "cell $spec: server failed"
	pids=()
	rm -f "$sock"
}

run_tap_cell() {
	local spec=$1 ifc=shoalgrid
	ip netns exec "$ns" "$gen" -l 0 --no-pci $(shoal_eal_mem 512) \
		--file-prefix "$ns" --vdev "net_tap0,iface=$ifc" \
		--log-level='*:warning' -- --config "$conf/echo-client.ini" \
		stack.ip=198.18.0.2/24 client.server=198.18.0.1 \
		client.server_port=7 echo.size=64k \
		client.requests=$((MB * 16)) client.connections="$CONNS" \
		client.concurrency="$CONNS" run.duration=${GRID_SECONDS:-600}s --quiet \
		stack.impair="$spec" --json "$work/cell.json" \
		>"$work/client.log" 2>&1 &
	local gpid=$!
	shoal_wait_iface "$ns" "$ifc" || fail "no $ifc"
	nsx ip addr add 198.18.0.1/24 dev "$ifc"
	nsx ip link set "$ifc" up
	wait "$gpid" || fail "cell $spec: client failed"
}

if [ "$kind" = tap ]; then
	# The kernel peer's RTO is capped at GRID_LINUX_RTO_MAX_MS (default
	# 5000; 0 keeps Linux's 120 s) in this namespace only. At 20% loss
	# Linux's SRTT climbs to 6-11 s: it takes RTT samples from segments
	# SACKed late (their first report was in an ACK the link lost) and
	# from TSecr after its own RTOs, and its RTO then sits at the 120 s
	# cap, so a cell's last connections wait minutes per loss. The cap
	# keeps the cell about shoal. Needs net.ipv4.tcp_rto_max_ms (6.15+).
	rto_max=${GRID_LINUX_RTO_MAX_MS:-5000}
	if [ "$rto_max" != 0 ]; then
		if [ -e /proc/sys/net/ipv4/tcp_rto_max_ms ]; then
			# Linux's patience (tcp_retries2) is a time modelled
			# on the RTO's backoff: at a 5 s cap, 15 retries give
			# up in about a minute (it did, 3 cells in 4 at 20%).
			# 60 keep it at about five.
			nsx sysctl -qw net.ipv4.tcp_rto_max_ms="$rto_max" \
				net.ipv4.tcp_retries2=60 ||
				fail "cannot set tcp_rto_max_ms in $ns"
			echo "kernel peer: tcp_rto_max_ms=$rto_max tcp_retries2=60"
		else
			echo "kernel peer: no tcp_rto_max_ms here, RTO up to 120 s"
		fi
	fi
	# The kernel peer runs Linux's default congestion control, CUBIC
	# (GRID_LINUX_CC), whatever the host's default: this VM's is BBR, whose
	# bandwidth filter at 20% loss fell to 688 bit/s on a connection
	# and paced it at one segment per RTO, minutes from the end of its
	# echoes while shoal waited on them.
	# Set on the listening socket (accepted ones inherit it): a namespace
	# may only pick from tcp_allowed_congestion_control, a socket of
	# root's from any module loaded.
	echo "kernel peer: congestion control ${GRID_LINUX_CC:-cubic}"
	# The kernel's echo server: one thread per connection.
	nsx python3 -c '
import socket, sys, threading
s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.setsockopt(socket.IPPROTO_TCP, socket.TCP_CONGESTION, sys.argv[1].encode())
s.bind(("0.0.0.0", 7)); s.listen(512)
def echo(c):
    with c:
        while True:
            d = c.recv(1 << 16)
            if not d:
                return
            c.sendall(d)
while True:
    c, _ = s.accept()
    threading.Thread(target=echo, args=(c,), daemon=True).start()
' "${GRID_LINUX_CC:-cubic}" >"$work/echo.log" 2>&1 &
	pids+=($!)
fi

for loss in $LOSSES; do
for reorder in $REORDERS; do
for dup in $DUPS; do
	spec="loss=$loss%,reorder=$reorder%,dup=$dup%,seed=42"
	t0=$(date +%s.%N)
	if [ "$kind" = virtio ]; then run_virtio_cell "$spec"; else run_tap_cell "$spec"; fi
	t1=$(date +%s.%N)
	out=$(check_json "$work/cell.json" "$CONNS") || fail "cell $spec: $out"
	if [ "$kind" = virtio ]; then
		check_json "$work/server.json" "$CONNS" >/dev/null ||
			fail "cell $spec: server's counters"
	fi
	secs=$(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.2f", b - a }')
	echo "$loss $reorder $dup $secs $out" >>"$cells"
	echo "cell loss=$loss% reorder=$reorder% dup=$dup%: ${secs}s wall, run ${out% *}s, ${out#* } retransmits"
done
done
done

mkdir -p "$results"
python3 - "$cells" "$results/lossgrid-$kind.json" "$kind" "$CONNS" "$MB" \
	"${rto_max:-}" "${GRID_LINUX_CC:-cubic}" <<'PY'
import json, sys, time, platform
rows = [l.split() for l in open(sys.argv[1])]
extra = {"linux_tcp_rto_max_ms": int(sys.argv[6]),
         "linux_congestion_control": sys.argv[7]} if sys.argv[6] else {}
json.dump({**extra,
    "benchmark": "lossgrid", "kind": sys.argv[3], "host": platform.node(),
    "date": time.strftime("%Y-%m-%dT%H:%M:%S"),
    "connections": int(sys.argv[4]), "mib_per_connection_each_way": int(sys.argv[5]),
    "impair_seed": 42,
    "cells": [{"loss_pct": float(r[0]), "reorder_pct": float(r[1]),
               "dup_pct": float(r[2]), "wall_s": float(r[3]),
               "run_s": float(r[4]), "retransmits": int(r[5])} for r in rows],
}, open(sys.argv[2], "w"), indent=1)
PY
pass "$(wc -l <"$cells") cells, every transfer complete and verified ($CONNS x $MB MiB each way per cell)"
