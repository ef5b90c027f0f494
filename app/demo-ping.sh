#!/usr/bin/env bash
# `make demo-ping`: a shoal instance on a TAP port inside a
# network namespace this script creates, pinged 5 times by the kernel,
# then its counters. Everything it creates is removed on exit.
set -euo pipefail
build=${1:-build}
here=$(cd "$(dirname "$0")" && pwd)
. "$here/common.sh"

ns=shoal-demo-$$
ifc=shoal0
shoal_ip=198.18.0.2
kernel_ip=198.18.0.1
pid=

cleanup() {
	[ -n "$pid" ] && kill "$pid" 2>/dev/null && wait "$pid" 2>/dev/null
	ip netns del "$ns" 2>/dev/null || true
}
trap cleanup EXIT

ip netns add "$ns"
ip netns exec "$ns" ip link set lo up

# The TAP device is created by the DPDK process, so it runs inside the
# namespace and the interface appears there, never in the default one.
ip netns exec "$ns" "$build/app/shoal-gen/shoal-gen" \
	-l 0,1 --no-pci $(shoal_eal_mem 512) --file-prefix "$ns" \
	--vdev "net_tap0,iface=$ifc" --log-level='*:warning' -- \
	--ip "$shoal_ip/24" --quiet &
pid=$!

shoal_wait_iface "$ns" "$ifc"
ip netns exec "$ns" ip addr add "$kernel_ip/24" dev "$ifc"
ip netns exec "$ns" ip link set "$ifc" up
sleep 0.5

echo "== kernel ($kernel_ip) pings shoal ($shoal_ip) 5 times =="
set +e
ip netns exec "$ns" ping -c 5 -i 0.2 -W 2 "$shoal_ip"
ping_rc=$?
set -e
echo "== the kernel's neighbour entry for shoal =="
ip netns exec "$ns" ip neigh show "$shoal_ip" dev "$ifc"

kill -INT "$pid"
wait "$pid"
pid=
exit $ping_rc
