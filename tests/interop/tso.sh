#!/usr/bin/env bash
# TCP segmentation offload between two shoal-gen processes over
# virtio-user / vhost-user. The vhost end is started with tso=1, so the
# virtio-user end (the client) is offered TSO and sends segments of up to
# 64 KB; vhost hands them to the server whole, marked as merged (LRO).
# The other way, the client asks for merged segments (LRO), so its guest
# negotiates GUEST_TSO4 and the server's vhost port sends it TSO segments
# whole. Bulk transfers, every byte checked by the receiver:
#   plain      upload, TSO_MB (256) MiB: TSO segments sent, merged
#              segments received
#   loss       upload, 64 MiB with 0.5% of the client's packets lost (each
#              a whole TSO segment): recovered, retransmissions one MSS
#   off        upload, stack.tso=false: no TSO segment
#   down       download, TSO_MB MiB: the server's TSO segments reach the
#              client merged
#   down-nolro download, the client with stack.tso=false (no LRO, so its
#              guest does not take TSO): the server sends none
#   tso.sh BUILD_DIR
build=$1
name=tso-virtio
. "$(dirname "$0")/lib.sh"

gen=$build/app/shoal-gen/shoal-gen
conf=$(cd "$here/../../conf" && pwd)
sock=/var/tmp/shoal/$ns.sock
mkdir -p /var/tmp/shoal
mb=${TSO_MB:-256}

# xfer TAG DIRECTION MIB CLIENT-ARGS...: one verified transfer; leaves
# $work/TAG-{server,client}.json
xfer() {
	local tag=$1 dir=$2 mib=$3 spid
	shift 3
	rm -f "$sock"
	"$gen" -l 1 --no-pci $(shoal_eal_mem 1024) --file-prefix "$ns-s" \
		--vdev "net_vhost0,iface=$sock,tso=1" --log-level='*:warning' -- \
		--config "$conf/bulk-server.ini" bulk.verify=true tcp.mss=1460 \
		bulk.direction="$dir" bulk.bytes=${mib}M \
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
		bulk.direction="$dir" bulk.verify=true tcp.mss=1460 "$@" \
		--json "$work/$tag-client.json" >"$work/$tag-client.log" 2>&1 ||
		fail "$tag: client failed: $(tail -3 "$work/$tag-client.log")"
	kill -INT "$spid"
	wait "$spid" || fail "$tag: server exited non-zero"
	pids=()
	case $tag in
	off|down-nolro) ;;
	*)	grep -q ', lro, tx csum .*, tso$' "$work/$tag-client.log" ||
			fail "$tag: the client's port took no TSO or LRO"
		grep -q ', tso once the guest negotiates it$' \
			"$work/$tag-server.log" ||
			fail "$tag: the server's vhost port offers no TSO" ;;
	esac
}

xfer plain upload "$mb"
xfer loss upload 64 stack.impair=loss=0.5%,dir=tx,seed=7
xfer off upload 64 stack.tso=false
xfer down download "$mb"
xfer down-nolro download 64 stack.tso=false
rm -f "$sock"

python3 - "$work" "$mb" <<'PY' || fail "figures wrong"
import json, sys
work, mb = sys.argv[1], int(sys.argv[2])
def load(tag):
    return (json.load(open(f"{work}/{tag}-server.json")),
            json.load(open(f"{work}/{tag}-client.json")))
for tag, mib in (("plain", mb), ("loss", 64), ("off", 64), ("down", mb),
                 ("down-nolro", 64)):
    s, c = load(tag)
    sc, cc = s["counters"], c["counters"]
    assert cc["failures"] == 0, (tag, cc)
    assert sc["fail_verify"] == 0 and cc["fail_verify"] == 0, (tag, sc, cc)
    tx, rx = (s, c) if tag.startswith("down") else (c, s)
    assert rx["counters"]["app_bytes_rx"] == mib << 20, \
        (tag, rx["counters"]["app_bytes_rx"])
    assert tx["counters"]["app_bytes_tx"] == mib << 20, \
        (tag, tx["counters"]["app_bytes_tx"])
    tso, lro = tx["tcp"]["tso_segs_tx"], rx["tcp"]["lro_segs_rx"]
    print(f"{tag}: {mib} MiB, TSO segments sent {tso}, merged received "
          f"{lro}, retransmits {tx['tcp']['retransmits']}")
    if tag in ("off", "down-nolro"):
        assert tso == 0 and lro == 0, (tag, tso, lro)
    else:
        assert tso > 0 and lro > 0, (tag, tso, lro)
        # every TSO segment arrives merged, less those the loss took
        assert lro <= tso, (tag, tso, lro)
    if tag == "loss":
        assert c["tcp"]["retransmits"] > 0, c["tcp"]
    if tag == "down":
        assert s["tcp"]["retransmits"] == 0, s["tcp"]
PY
pass "TSO over virtio-user: verified uploads with TSO, under loss and with it off; downloads with the vhost end's TSO, and without when the guest takes none"
