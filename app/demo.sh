#!/usr/bin/env bash
# The main job (`make demo`): a shoal-gen HTTP server and a shoal-gen HTTP
# client, two processes joined by a virtio-user / vhost-user pair (no
# kernel interface is involved), one worker each. The client opens a new
# connection per request for DEMO_SECONDS (10) and prints live figures
# once a second, then both print their summaries. Nothing is left behind.
set -euo pipefail
build=${1:-build}
here=$(cd "$(dirname "$0")" && pwd)
. "$here/common.sh"
conf=$(cd "$here/../conf" && pwd)
gen=$build/app/shoal-gen/shoal-gen
secs=${DEMO_SECONDS:-10}

run=/var/tmp/shoal
mkdir -p "$run"
sock=$run/demo-$$.sock
log=$(mktemp /tmp/shoal-demo-server.XXXXXX)
spid=

cleanup() {
	[ -n "$spid" ] && kill -INT "$spid" 2>/dev/null && wait "$spid" 2>/dev/null
	rm -f "$sock" "$log"
}
trap cleanup EXIT

# Core 1: the server (vhost-user side, it creates the socket).
"$gen" -l 1 --no-pci $(shoal_eal_mem 1024) --file-prefix "demo-s-$$" \
	--vdev "net_vhost0,iface=$sock,tso=1" --log-level='*:warning' -- \
	--config "$conf/http-cps-server.ini" --quiet >"$log" 2>&1 &
spid=$!
if ! grep -q 'ready' <(timeout 30 tail -F "$log" 2>/dev/null); then
	cat "$log"
	echo "demo: the server did not start" >&2
	exit 1
fi

echo "== shoal-gen client -> shoal-gen server, http, one GET per connection, ${secs}s =="
# Core 0: the client (virtio-user side).
set +e
"$gen" -l 0 --no-pci $(shoal_eal_mem 1024) --file-prefix "demo-c-$$" \
	--vdev "net_virtio_user0,path=$sock" --log-level='*:warning' -- \
	--config "$conf/http-cps-client.ini" run.duration="${secs}s" \
	client.cps=0 client.concurrency=256
rc=$?
set -e

kill -INT "$spid"
wait "$spid" || rc=1
spid=
echo "== server summary =="
sed -n '/^gen: role server/,$p' "$log"
exit $rc
