#!/usr/bin/env bash
# TCP segmentation offload between two shoal-gen processes over
# virtio-user / vhost-user. The vhost end is started with tso=1, so the
# virtio-user end (the client) is offered TSO and sends segments of up to
# 64 KB; vhost hands them to the server whole, marked as merged (LRO).
# Three bulk uploads, every byte checked by the server:
#   plain   TSO_MB (256) MiB: TSO segments sent, merged segments received
#   loss    64 MiB with 0.5% of the client's packets lost (each a whole
#           TSO segment): recovered, retransmissions one MSS each
#   off     stack.tso=false: the same upload without a TSO segment
#   tso.sh BUILD_DIR
build=$1
name=tso-virtio
. "$(dirname "$0")/lib.sh"

gen=$build/app/shoal-gen/shoal-gen
conf=$(cd "$here/../../conf" && pwd)
sock=/var/tmp/shoal/$ns.sock
mkdir -p /var/tmp/shoal
mb=${TSO_MB:-256}

# upload TAG MIB CLIENT-ARGS...: one verified upload; leaves
# $work/TAG-{server,client}.json
upload() {
	local tag=$1 mib=$2 spid
	shift 2
	rm -f "$sock"
	"$gen" -l 1 --no-pci $(shoal_eal_mem 1024) --file-prefix "$ns-s" \
		--vdev "net_vhost0,iface=$sock,tso=1" --log-level='*:warning' -- \
		--config "$conf/bulk-server.ini" bulk.verify=true tcp.mss=1460 \
		run.drain=1s --json "$work/$tag-server.json" \
		>"$work/$tag-server.log" 2>&1 &
	spid=$!
	pids+=($spid)
	grep -q 'ready' <(timeout 30 tail -F "$work/$tag-server.log" 2>/dev/null) ||
		fail "$tag: server did not start"
	"$gen" -l 0 --no-pci $(shoal_eal_mem 1024) --file-prefix "$ns-c" \
		--vdev "net_virtio_user0,path=$sock" --log-level='*:warning' -- \
		--config "$conf/bulk-client.ini" run.duration=90s \
		client.concurrency=1 client.connections=1 bulk.bytes=${mib}M \
		bulk.verify=true tcp.mss=1460 "$@" \
		--json "$work/$tag-client.json" >"$work/$tag-client.log" 2>&1 ||
		fail "$tag: client failed: $(tail -3 "$work/$tag-client.log")"
	kill -INT "$spid"
	wait "$spid" || fail "$tag: server exited non-zero"
	pids=()
	grep -q ', tso$' "$work/$tag-client.log" ||
		[ "$tag" = off ] || fail "$tag: the client's port did not take TSO"
}

upload plain "$mb"
upload loss 64 stack.impair=loss=0.5%,dir=tx,seed=7
upload off 64 stack.tso=false
rm -f "$sock"

python3 - "$work" "$mb" <<'PY' || fail "figures wrong"
import json, sys
work, mb = sys.argv[1], int(sys.argv[2])
def load(tag):
    return (json.load(open(f"{work}/{tag}-server.json")),
            json.load(open(f"{work}/{tag}-client.json")))
for tag, mib in (("plain", mb), ("loss", 64), ("off", 64)):
    s, c = load(tag)
    sc, cc = s["counters"], c["counters"]
    assert cc["failures"] == 0 and sc["fail_verify"] == 0, (tag, sc, cc)
    assert sc["app_bytes_rx"] == cc["app_bytes_tx"] == mib << 20, \
        (tag, sc["app_bytes_rx"], cc["app_bytes_tx"])
    tso, lro = c["tcp"]["tso_segs_tx"], s["tcp"]["lro_segs_rx"]
    print(f"{tag}: {mib} MiB, client TSO segments {tso}, server merged "
          f"{lro}, retransmits {c['tcp']['retransmits']}")
    if tag == "off":
        assert tso == 0 and lro == 0, (tag, tso, lro)
    else:
        assert tso > 0 and lro > 0, (tag, tso, lro)
        # every TSO segment arrives merged, less those the loss took
        assert lro <= tso, (tag, tso, lro)
    if tag == "loss":
        assert c["tcp"]["retransmits"] > 0, c["tcp"]
PY
pass "TSO over virtio-user: verified uploads with TSO, under loss, and with it off"
