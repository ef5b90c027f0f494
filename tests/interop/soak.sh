#!/usr/bin/env bash
# Soak: HTTP connection churn, shoal-gen client to shoal-gen server over
# virtio-user/vhost-user, 1% loss on the client's link, for SOAK_SECONDS
# (default 1800). Every 10 s both processes' VmRSS and their live
# counters (active connections, mbufs in use, control blocks) go to
# perf/results/soak-<date>.csv. At the end: zero failures, zero leaks at
# both ends, and flat resident memory (the last sample within 4 MiB of
# the one at 60 s). Control-block pools are sized so churn has touched
# every page of them by 60 s (a pool cycles through all its objects, so a
# huge one grows RSS for minutes without leaking).
#   soak.sh BUILD_DIR       (make soak)
build=${1:-build}
name=soak
. "$(dirname "$0")/lib.sh"

gen=$build/app/shoal-gen/shoal-gen
conf=$(cd "$here/../../conf" && pwd)
secs=${SOAK_SECONDS:-1800}
cps=${SOAK_CPS:-2000}
results=$(cd "$here/../.." && pwd)/perf/results
csv=$results/soak-$(date +%Y%m%d-%H%M%S).csv
sock=/var/tmp/shoal/$ns.sock
mkdir -p /var/tmp/shoal "$results"
trap 'interop_cleanup; rm -f "$sock"' EXIT

"$gen" -l 1 --no-pci $(shoal_eal_mem 1024) --file-prefix "$ns-s" \
	--vdev "net_vhost0,iface=$sock" --log-level='*:warning' -- \
	--config "$conf/http-cps-server.ini" --json "$work/server.json" \
	tcp.max_conns=16384 report.interval=10s >"$work/server.log" 2>&1 &
spid=$!
pids+=($spid)
grep -q 'ready' <(timeout 30 tail -F "$work/server.log" 2>/dev/null) ||
	fail "server did not start"
"$gen" -l 0 --no-pci $(shoal_eal_mem 1024) --file-prefix "$ns-c" \
	--vdev "net_virtio_user0,path=$sock" --log-level='*:warning' -- \
	--config "$conf/http-cps-client.ini" run.duration="${secs}s" \
	client.cps="$cps" client.concurrency=200 stack.impair='loss=1%,seed=7' \
	run.drain=20s run.linger=3s report.interval=10s tcp.max_conns=16384 \
	--json "$work/client.json" >"$work/client.log" 2>&1 &
cpid=$!
pids+=($cpid)

# last_live LOG FIELD: the latest live figure "FIELD N" of a log
last_live() { grep -o "$2 [0-9]*" "$1" | tail -n 1 | awk '{ print $2 }'; }
rss() { awk '/^VmRSS/ { print $2 }' "/proc/$1/status" 2>/dev/null || echo 0; }

echo "t_s,server_rss_kib,client_rss_kib,server_active,client_active,server_mbufs,client_mbufs,server_cbs,client_cbs,client_closed,client_failed" >"$csv"
t0=$(date +%s)
while kill -0 "$cpid" 2>/dev/null; do
	sleep 10
	kill -0 "$cpid" 2>/dev/null || break
	echo "$(($(date +%s) - t0)),$(rss "$spid"),$(rss "$cpid"),$(last_live "$work/server.log" active),$(last_live "$work/client.log" active),$(last_live "$work/server.log" mbufs),$(last_live "$work/client.log" mbufs),$(last_live "$work/server.log" cbs),$(last_live "$work/client.log" cbs),$(last_live "$work/client.log" closed),$(last_live "$work/client.log" failed)" >>"$csv"
done
wait "$cpid" || fail "client failed its pass criteria (failures, leaks or unfinished connections)"
pids=("$spid")
for _ in $(seq 30); do
	[ "$(last_live "$work/server.log" active)" = 0 ] && break
	sleep 1
done
kill -INT "$spid"
wait "$spid" || fail "server failed its pass criteria"
pids=()

python3 - "$work/client.json" "$work/server.json" "$csv" <<'PY' || fail "figures"
import csv, json, sys
cl = json.load(open(sys.argv[1])); sv = json.load(open(sys.argv[2]))
rows = list(csv.DictReader(open(sys.argv[3])))
c, s = cl["counters"], sv["counters"]
assert c["failures"] == 0 and s["failures"] == 0, (c["failures"], s["failures"])
assert c["responses_rx"] > 0 and c["resp_2xx"] == c["responses_rx"], c
for side in (cl, sv):
    assert all(v == 0 for k, v in side["leaks"].items() if k != "workers"), side["leaks"]
assert len(rows) >= 2, "fewer than two samples"
# flat: the last sample against the first one at or after 60 s
ref = next((r for r in rows if int(r["t_s"]) >= 60), rows[0])
last = rows[-1]
for k in ("server_rss_kib", "client_rss_kib"):
    grow = int(last[k]) - int(ref[k])
    assert grow < 4096, f"{k} grew {ref[k]} -> {last[k]} KiB"
print(f'{cl["duration_s"]:.0f} s, {c["conn_established"]} connections '
      f'({c["conn_established"] / cl["duration_s"]:.0f}/s), 0 failures, 0 leaks, '
      f'{cl["tcp"]["retransmits"]} retransmits; RSS server {ref["server_rss_kib"]} -> '
      f'{last["server_rss_kib"]} KiB, client {ref["client_rss_kib"]} -> {last["client_rss_kib"]} KiB')
PY
pass "soak: $csv"
