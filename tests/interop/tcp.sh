#!/usr/bin/env bash
# shoal's TCP against the Linux kernel's, over a TAP port inside this
# test's own namespace.
#   tcp.sh CASE BUILD_DIR
# CASE: curl-get       curl fetches a page that shoal-cat -l serves
#       cat-get        shoal-cat fetches a page from python3 http.server
#       bulk-in        256 MiB kernel nc -> shoal-cat, sha256 compared
#       bulk-out       256 MiB shoal-cat -> kernel nc, sha256 compared
#       close-shoal    shoal closes first; no connection left on either side
#       close-kernel   the kernel closes first; same check
#       pipeline-echo  the embedding example echoes 4 MiB back to the kernel
case_=$1
build=$2
name=tcp-$case_
. "$(dirname "$0")/lib.sh"

ifc=shoaltap
shoal_ip=198.18.0.2
kernel_ip=198.18.0.1
cat_bin=$build/app/shoal-cat/shoal-cat
MB=${SHOAL_BULK_MB:-256}

# start_shoal LOG PROG ARGS...: a shoal process with a TAP port in the
# namespace; returns once the kernel side of the TAP is configured.
start_shoal() {
	local log=$1 prog=$2
	shift 2
	# Not through nsx: $! must be the program itself, to signal it.
	ip netns exec "$ns" "$prog" -l 0 --no-pci $(shoal_eal_mem 512) --file-prefix "$ns" \
		--vdev "net_tap0,iface=$ifc" --log-level='*:warning' -- \
		"$@" <&0 >"$log" 2>"$log.err" &
	pids+=($!)
	shoal_wait_iface "$ns" "$ifc" || fail "no $ifc"
	nsx ip addr add "$kernel_ip/24" dev "$ifc"
	nsx ip link set "$ifc" up
}

# wait_pid PID SECONDS: wait for a process, failing after SECONDS.
wait_pid() {
	local pid=$1 t=$2 rc
	for _ in $(seq $((t * 10))); do
		kill -0 "$pid" 2>/dev/null || { wait "$pid"; return $?; }
		sleep 0.1
	done
	kill -9 "$pid" 2>/dev/null
	echo "timeout after ${t}s" >&2
	return 124
}

# gbps MIB T0 T1: throughput of MIB MiB moved between two `date +%s.%N`.
gbps() {
	awk -v mb="$1" -v t0="$2" -v t1="$3" \
		'BEGIN { printf "%.2f", mb * 8 * 1.048576 / 1000 / (t1 - t0) }'
}

# No connection of the kernel's in any state but TIME-WAIT / LISTEN.
kernel_conns_left() {
	nsx ss -Htan | awk '$1 != "TIME-WAIT" && $1 != "LISTEN"' | wc -l
}

case $case_ in
curl-get)
	body=$work/page.html
	head -c 20000 /dev/urandom | base64 >"$body"
	{ printf 'HTTP/1.0 200 OK\r\nContent-Length: %d\r\nContent-Type: text/plain\r\n\r\n' \
		"$(stat -c %s "$body")"; cat "$body"; } >"$work/response"
	start_shoal "$work/cat.log" "$cat_bin" --ip "$shoal_ip/24" -w 20 -v \
		-l 80 <"$work/response"
	sleep 0.5
	nsx curl -sS --max-time 20 -o "$work/got" "http://$shoal_ip/" \
		2>"$work/curl.log" || fail "curl failed"
	cmp -s "$body" "$work/got" || fail "curl got other bytes"
	wait_pid "${pids[0]}" 20 || fail "shoal-cat exited non-zero"
	pids=()
	pass "curl fetched $(stat -c %s "$body") bytes from shoal-cat -l 80"
	;;
cat-get)
	mkdir -p "$work/www"
	head -c 300000 /dev/urandom >"$work/www/blob"
	# The page server listens on every address of the namespace before
	# the TAP exists, so it is up when shoal-cat's SYN arrives.
	(cd "$work/www" && exec ip netns exec "$ns" python3 -m http.server \
		--bind 0.0.0.0 8080) >"$work/http.log" 2>&1 &
	pids+=($!)
	for _ in $(seq 50); do
		nsx ss -Hltn | grep -q ':8080' && break
		sleep 0.1
	done
	start_shoal "$work/cat.log" "$cat_bin" --ip "$shoal_ip/24" -w 20 \
		"$kernel_ip" 8080 < <(printf 'GET /blob HTTP/1.0\r\nHost: %s\r\n\r\n' "$kernel_ip")
	cat_pid=${pids[-1]}
	wait_pid "$cat_pid" 30 || fail "shoal-cat exited non-zero"
	# Strip the HTTP header and compare the body.
	python3 - "$work/cat.log" "$work/www/blob" <<'PY' || fail "body differs"
import sys
data = open(sys.argv[1], 'rb').read()
head, _, body = data.partition(b'\r\n\r\n')
assert head.startswith(b'HTTP/1.0 200'), head[:40]
assert body == open(sys.argv[2], 'rb').read(), (len(body))
PY
	pass "shoal-cat fetched 300000 bytes from a kernel http.server, identical"
	;;
bulk-in)
	head -c $((MB << 20)) /dev/urandom >"$work/data"
	want=$(sha256sum <"$work/data" | cut -d' ' -f1)
	start_shoal "$work/received" "$cat_bin" --ip "$shoal_ip/24" -w 30 \
		-l 5001 </dev/null
	sleep 0.5
	t0=$(date +%s.%N)
	nsx nc -N -w 30 "$shoal_ip" 5001 <"$work/data" >/dev/null ||
		fail "nc failed"
	wait_pid "${pids[0]}" 60 || fail "shoal-cat exited non-zero"
	t1=$(date +%s.%N)
	pids=()
	got=$(sha256sum <"$work/received" | cut -d' ' -f1)
	rm -f "$work/received"
	[ "$got" = "$want" ] || fail "sha256 differs: $got vs $want"
	pass "$MB MiB kernel -> shoal, sha256 identical," \
		"$(gbps "$MB" "$t0" "$t1") Gbit/s"
	;;
bulk-out)
	head -c $((MB << 20)) /dev/urandom >"$work/data"
	want=$(sha256sum <"$work/data" | cut -d' ' -f1)
	start_shoal "$work/cat.log" "$cat_bin" --ip "$shoal_ip/24" -w 30 \
		"$kernel_ip" 5001 <"$work/data"
	cat_pid=${pids[0]}
	t0=$(date +%s.%N)
	nsx sh -c "nc -l -N -w 30 $kernel_ip 5001 </dev/null | sha256sum" \
		>"$work/nc.out" 2>"$work/nc.log" &
	pids+=($!)
	wait_pid "$cat_pid" 90 || fail "shoal-cat exited non-zero"
	wait_pid "${pids[1]}" 30 || fail "nc exited non-zero"
	t1=$(date +%s.%N)
	pids=()
	got=$(cut -d' ' -f1 "$work/nc.out")
	[ "$got" = "$want" ] || fail "sha256 differs: $got vs $want"
	pass "$MB MiB shoal -> kernel, sha256 identical," \
		"$(gbps "$MB" "$t0" "$t1") Gbit/s"
	;;
close-shoal | close-kernel)
	# close-shoal: shoal-cat's stdin ends first, so shoal sends FIN
	# first; close-kernel: the kernel peer closes first.
	if [ "$case_" = close-shoal ]; then
		start_shoal "$work/cat.log" "$cat_bin" --ip "$shoal_ip/24" \
			-w 20 -v -l 5002 < <(echo hello-from-shoal)
		sleep 0.5
		nsx python3 - "$shoal_ip" <<'PY' >"$work/py.log" 2>&1 || fail "peer failed"
import socket, sys, time
s = socket.create_connection((sys.argv[1], 5002), timeout=10)
data = b''
while True:
    d = s.recv(4096)
    if not d:
        break
    data += d
assert data == b'hello-from-shoal\n', data
time.sleep(0.2)
s.close()
PY
	else
		start_shoal "$work/cat.log" "$cat_bin" --ip "$shoal_ip/24" \
			-w 20 -v -l 5002 < <(sleep 2; echo hello-from-shoal)
		sleep 0.5
		nsx python3 - "$shoal_ip" <<'PY' >"$work/py.log" 2>&1 || fail "peer failed"
import socket, sys
s = socket.create_connection((sys.argv[1], 5002), timeout=10)
s.sendall(b'hello-from-linux\n')
s.shutdown(socket.SHUT_WR)
data = b''
while True:
    d = s.recv(4096)
    if not d:
        break
    data += d
assert data == b'hello-from-shoal\n', data
s.close()
PY
	fi
	wait_pid "${pids[0]}" 20 || fail "shoal-cat exited non-zero"
	pids=()
	sleep 0.2
	left=$(kernel_conns_left)
	[ "$left" -eq 0 ] || fail "kernel still has $left connection(s): $(nsx ss -tan)"
	! grep -Eq "resets_(rx|tx):? +[1-9]" "$work/cat.log.err" ||
		fail "a reset was sent or received"
	# shoal's side: one connection established, none left open except
	# in TIME-WAIT (the side that closed first keeps it for 2 MSL).
	counter() { sed -n "s/^ *$1:\{0,1\} \{1,\}\([0-9]*\)$/\1/p" "$work/cat.log.err" | tail -1; }
	[ "$(counter established)" = 1 ] ||
		fail "shoal did not count one established connection"
	[ "${counter_open:=$(counter conns_open)}" = "$(counter conns_timewait)" ] ||
		fail "shoal still holds a connection outside TIME-WAIT"
	pass "$case_: both sides closed, nothing left in ss, shoal counted the close"
	;;
pipeline-echo)
	start_shoal "$work/pipe.log" "$build/app/shoal-pipeline/shoal-pipeline" \
		--ip "$shoal_ip/24" --port 7
	grep -q 'ready' <(timeout 10 tail -F "$work/pipe.log") ||
		fail "shoal-pipeline did not start"
	nsx python3 - "$shoal_ip" <<'PY' >"$work/py.log" 2>&1 || fail "echo differs"
import os, socket, sys, threading
data = os.urandom(4 << 20)
s = socket.create_connection((sys.argv[1], 7), timeout=20)
def send():
    s.sendall(data)
    s.shutdown(socket.SHUT_WR)
t = threading.Thread(target=send); t.start()
got = bytearray()
while True:
    d = s.recv(65536)
    if not d:
        break
    got += d
t.join()
assert bytes(got) == data, (len(got), len(data))
PY
	kill -INT "${pids[0]}"
	wait_pid "${pids[0]}" 10 || fail "shoal-pipeline exited non-zero"
	pids=()
	grep -Eq "passive_opens:? +1$" "$work/pipe.log" ||
		fail "the pipeline's shoal did not count the connection"
	pass "shoal-pipeline echoed 4 MiB to the kernel, identical"
	;;
*)
	fail "unknown case $case_"
	;;
esac
