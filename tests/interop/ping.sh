#!/usr/bin/env bash
# The kernel pings shoal over a TAP (Ethernet + ARP) or TUN (bare IP)
# port inside this test's own namespace: every echo answered, the kernel
# learns shoal's MAC, the pcap capture holds requests and replies.
#   ping.sh tap|tun SHOAL_GEN
kind=$1
gen=$2
name=ping-$kind
. "$(dirname "$0")/lib.sh"

count=10
ifc=shoal$kind
shoal_ip=198.18.0.2
kernel_ip=198.18.0.1
cap=$work/capture.pcap

if [ "$kind" = tap ]; then
	vdev="net_tap0,iface=$ifc"
else
	vdev="net_tun0,iface=$ifc"
fi

# Not through nsx: $! must be shoal-gen itself, to signal it.
ip netns exec "$ns" "$gen" -l 0,1 --no-pci --no-huge -m 256 --file-prefix "$ns" \
	--vdev "$vdev" --log-level='*:warning' -- \
	--ip "$shoal_ip/24" --capture "$cap" --quiet >"$work/shoal.log" 2>&1 &
pids+=($!)
shoal_wait_iface "$ns" "$ifc" || fail "no $ifc"
if [ "$kind" = tap ]; then
	nsx ip addr add "$kernel_ip/24" dev "$ifc"
else
	nsx ip addr add "$kernel_ip" peer "$shoal_ip" dev "$ifc"
fi
nsx ip link set "$ifc" up
grep -q 'ready' <(timeout 10 tail -F "$work/shoal.log") || fail "shoal-gen did not start"

nsx ping -c "$count" -i 0.05 -W 2 "$shoal_ip" >"$work/ping.log" 2>&1 ||
	fail "ping failed"
grep -q "$count packets transmitted, $count received" "$work/ping.log" ||
	fail "not every echo was answered"
pass "$count/$count echo replies"

if [ "$kind" = tap ]; then
	mac=$(sed -n 's/.*, mac \([0-9A-Fa-f:]*\),.*/\1/p' "$work/shoal.log" | head -1)
	[ -n "$mac" ] || fail "shoal-gen did not print its MAC"
	nsx ip neigh show "$shoal_ip" dev "$ifc" | grep -qi "lladdr $mac" ||
		fail "kernel neighbour entry is not $mac: $(nsx ip neigh show dev "$ifc")"
	pass "kernel neighbour table has shoal's MAC $mac"
	nsx arping -c 2 -w 3 -I "$ifc" "$shoal_ip" >"$work/arping.log" 2>&1 ||
		fail "arping got no answer"
	grep -qi "$mac" "$work/arping.log" || fail "arping answered with another MAC"
	pass "arping answered by $mac"
fi

kill -INT "${pids[0]}"
wait "${pids[0]}" || fail "shoal-gen exited non-zero"
pids=()
grep -q "icmp_echo_replies *$count" "$work/shoal.log" ||
	fail "shoal counted another number of echo replies"
pass "shoal counted $count echo replies"

reqs=$(tcpdump -nn -r "$cap" "icmp[icmptype] = icmp-echo" 2>/dev/null | wc -l)
reps=$(tcpdump -nn -r "$cap" "icmp[icmptype] = icmp-echoreply" 2>/dev/null | wc -l)
[ "$reqs" -eq "$count" ] && [ "$reps" -eq "$count" ] ||
	fail "capture has $reqs requests and $reps replies, expected $count each"
tcpdump -nn --nano -r "$cap" 2>/dev/null | head -2
pass "tcpdump reads $reqs requests and $reps replies from the capture"
