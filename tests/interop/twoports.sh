#!/usr/bin/env bash
# One shoal-gen server, two ports, two clients: the server has two
# vhost-user ports, port 0 at 198.18.0.1/16 and port 1 at 198.19.0.1/16
# (stack.port_ips), and a virtio-user client on each, in its own subnet.
# A segment leaves by the port that owns its source address, so each
# client must get every answer (with one address for both ports, all of
# them would leave by port 0 and client B would get none). Both clients
# must pass their runs (answers, no failures), and the server must have
# accepted exactly the connections the two established.
#   twoports.sh BUILD_DIR
build=$1
name=twoports
. "$(dirname "$0")/lib.sh"

gen=$build/app/shoal-gen/shoal-gen
conf=$(cd "$here/../../conf" && pwd)
secs=${TWOPORTS_SECS:-4}
sa=/var/tmp/shoal/$ns-a.sock
sb=/var/tmp/shoal/$ns-b.sock
mkdir -p /var/tmp/shoal

"$gen" -l 1 --no-pci $(shoal_eal_mem 1024) --file-prefix "$ns-s" \
	--vdev "net_vhost0,iface=$sa" --vdev "net_vhost1,iface=$sb" \
	--log-level='*:warning' -- \
	--config "$conf/http-cps-server.ini" stack.ip=198.18.0.1/16 \
	stack.port_ips=198.19.0.1/16 run.drain=1s run.linger=1s \
	--json "$work/server.json" >"$work/server.log" 2>&1 &
spid=$!
pids+=($spid)
grep -q 'ready' <(timeout 30 tail -F "$work/server.log" 2>/dev/null) ||
	fail "server did not start"
client() {	# client SOCK IP/LEN SERVER TAG
	"$gen" -l 0 --no-pci $(shoal_eal_mem 1024) --file-prefix "$ns-$4" \
		--vdev "net_virtio_user0,path=$1" --log-level='*:warning' -- \
		--config "$conf/http-cps-client.ini" stack.ip="$2" \
		stack.ip_count=4 client.server="$3" client.cps=2k \
		client.concurrency=200 run.duration="${secs}s" run.drain=2s \
		--json "$work/client-$4.json" >"$work/client-$4.log" 2>&1
}
client "$sa" 198.18.0.10/16 198.18.0.1 a &
ca=$!
client "$sb" 198.19.0.10/16 198.19.0.1 b &
cb=$!
pids+=($ca $cb)
rca=0 rcb=0
wait "$ca" || rca=$?
wait "$cb" || rcb=$?
kill -INT "$spid"
wait "$spid" || true
pids=()
rm -f "$sa" "$sb"
[ "$rca" -eq 0 ] || { tail -5 "$work/client-a.log" >&2; fail "client a (port 0) failed: rc $rca"; }
[ "$rcb" -eq 0 ] || { tail -5 "$work/client-b.log" >&2; fail "client b (port 1) failed: rc $rcb"; }
python3 - "$work/server.json" "$work/client-a.json" "$work/client-b.json" <<'PY' || fail "figures disagree"
import json, sys
s = json.load(open(sys.argv[1]))["counters"]
est = 0
for path, tag in ((sys.argv[2], "a"), (sys.argv[3], "b")):
    c = json.load(open(path))["counters"]
    assert c["conn_established"] > 0 and c["resp_2xx"] > 0, (tag, c)
    bad = {x: c[x] for x in c if x.startswith("fail_") and c[x]}
    assert not bad, (tag, bad)
    est += c["conn_established"]
    print(f"client {tag}: {c['conn_established']} connections, "
          f"{c['resp_2xx']} answers")
assert s["conn_accepted"] == est, ("server accepted", s["conn_accepted"], est)
PY
pass "one server, two ports in two subnets, a client on each: both served"
