#!/usr/bin/env bash
# shoal's own benchmarks, and the testpmd I/O ceiling beside them, run
# from a bundle (perf/bundle.sh) on a machine where nothing is installed
# and more cores are free than on the machine that builds: the figures
# perf/run.sh takes one core per side, plus connections/s with several
# workers per side. Needs bash, coreutils and python3 there; root for
# /var/run/dpdk. Only vdevs, always --no-pci: the machine's devices are
# never probed.
#
#   perf/portable.sh BUNDLE OUTDIR
#
# Environment:
#   SHOAL_PORTABLE_SECONDS  measured seconds per run (default 10)
#   SHOAL_PORTABLE_WORKERS  workers per side for the connections/s
#                           scaling runs (default "1 2 4"; each side
#                           takes that many cores, plus one shared core
#                           for the two main lcores)
#   SHOAL_PORTABLE_ONLY     runs to do (default: ceiling cps ka rr bulk;
#                           also: hold)
#   SHOAL_PORTABLE_HOLD     connections the hold run opens and keeps idle
#                           (default 1000000), with
#   SHOAL_PORTABLE_HOLD_WORKERS workers per side (default 1),
#   SHOAL_PORTABLE_HOLD_CPS     at this total opening rate (default 100k),
#   SHOAL_PORTABLE_HOLD_SECS    for at most this long (default 300 s);
#                           it samples the established count and both
#                           sides' VmRSS every second into hold.csv.
#   SHOAL_PORTABLE_CPU      first CPU of the measured ones (default 1:
#                           CPU 0 keeps the main lcores and the shell)
#
# Writes OUTDIR/*.log and *.json (every process's output and every
# client's --json summary), OUTDIR/commands.txt and OUTDIR/summary.md.
set -uo pipefail

b=$(cd "${1:?usage: perf/portable.sh BUNDLE OUTDIR}" && pwd)
out=${2:?usage: perf/portable.sh BUNDLE OUTDIR}
here=$(cd "$(dirname "$0")" && pwd)
conf=$(cd "$here/../conf" && pwd)
secs=${SHOAL_PORTABLE_SECONDS:-10}
only=${SHOAL_PORTABLE_ONLY:-ceiling cps ka rr bulk}
workers=${SHOAL_PORTABLE_WORKERS:-1 2 4}
warm=2
ncpu=$(nproc)
first=${SHOAL_PORTABLE_CPU:-1}
sock=/var/tmp/shoal/portable-$$.sock
mkdir -p "$out" /var/tmp/shoal
pids=()

log() { printf '[portable] %s\n' "$*" >&2; }
cleanup() {
	local p
	for p in "${pids[@]}"; do kill -INT "$p" 2>/dev/null; done
	sleep 1
	for p in "${pids[@]}"; do kill -KILL "$p" 2>/dev/null; wait "$p" 2>/dev/null; done
	pids=()
	rm -f "$sock"
}
trap cleanup EXIT

# Cores: 0 holds both main lcores when a side has several workers;
# the server's workers take the W from $first, the client's the next W.
lcores() {	# lcores FIRST W
	local first=$1 w=$2 i s
	if [ "$w" = 1 ]; then echo "-l $first"; return; fi
	s="0@0"
	for ((i = 0; i < w; i++)); do s+=",$((i + 1))@$((first + i))"; done
	echo "--lcores $s"
}

wait_ready() {	# wait_ready LOG: the server printed "ready" (30 s at most)
	local i
	for ((i = 0; i < 300; i++)); do
		grep -qs ready "$1" && return 0
		sleep 0.1
	done
	return 1
}

# pair TAG W "SERVER ARGS" "CLIENT ARGS": one measured run, W workers a
# side; the client runs warm + secs + 1 seconds.
pair() {
	local tag=$1 w=$2 sargs=$3 cargs=$4 s c
	# shellcheck disable=SC2206
	s=("$b/run" shoal-gen $(lcores "$first" "$w") --no-pci --no-huge -m 4096
		--file-prefix "portable-$$-s$tag" --vdev "net_vhost0,iface=$sock,queues=$w,tso=1"
		--log-level='*:warning' -- stack.poll=busy $sargs)
	# shellcheck disable=SC2206
	c=("$b/run" shoal-gen $(lcores $((first + w)) "$w") --no-pci --no-huge -m 4096
		--file-prefix "portable-$$-c$tag"
		--vdev "net_virtio_user0,path=$sock,queues=$w,queue_size=1024"
		--log-level='*:warning' -- stack.poll=busy run.drain=1s
		run.duration=$((secs + warm + 1))s report.json="$out/$tag-client.json" $cargs)
	printf '%s:\n  %s\n  %s\n' "$tag" "${s[*]}" "${c[*]}" >> "$out/commands.txt"
	rm -f "$sock"
	"${s[@]}" > "$out/$tag-server.log" 2>&1 &
	pids=($!)
	if ! wait_ready "$out/$tag-server.log"; then
		log "$tag: server did not start"
		cleanup
		return 1
	fi
	"${c[@]}" > "$out/$tag-client.log" 2>&1
	log "$tag: client exited $?"
	cleanup
}

# testpmd TAG SIZE MODE_A MODE_B: the I/O ceiling, one core per side,
# with testpmd's own per-second rates (--stats-period).
testpmd_pair() {
	local tag=$1 size=$2 ma=$3 mb=$4 a bb
	local common=(--no-pci --no-huge -m 512 --log-level='*:notice')
	local fwd=(--nb-cores=1 --total-num-mbufs=16384 --rxd=1024 --txd=1024
		--txpkts="$size" --stats-period=1)
	a=("$b/run" dpdk-testpmd --lcores "0@$first,1@$first" "${common[@]}" --file-prefix "portable-$$-A"
		--vdev "net_vhost0,iface=$sock,queues=1" -- "${fwd[@]}" --forward-mode="$ma")
	bb=("$b/run" dpdk-testpmd --lcores "0@$((first + 1)),1@$((first + 1))" "${common[@]}" --file-prefix "portable-$$-B"
		--vdev "net_virtio_user0,path=$sock,queues=1,queue_size=1024" -- "${fwd[@]}" --forward-mode="$mb")
	printf '%s:\n  %s\n  %s\n' "$tag" "${a[*]}" "${bb[*]}" >> "$out/commands.txt"
	rm -f "$sock"
	timeout -s INT $((secs + warm + 4)) "${a[@]}" > "$out/$tag-A.log" 2>&1 < /dev/null &
	pids=($!)
	sleep 2
	timeout -s INT $((secs + warm + 1)) "${bb[@]}" > "$out/$tag-B.log" 2>&1 < /dev/null
	wait "${pids[0]}" 2>/dev/null
	pids=()
	rm -f "$sock"
}

# hold N W: N idle established connections (one GET each, then an hour
# of think time) over W workers a side, both sized for them; one CSV row
# a second: seconds, established, server and client VmRSS (kB). Bytes
# per connection are the slope of VmRSS against the established count,
# which leaves out what does not grow with it (pools, rings, tables
# already touched). Both sides are killed at the end: an orderly close of
# millions of connections is not what is measured.
hold() {
	local n=$1 w=$2 cps=$3 lim=$4
	local per=$(( n / w + 4096 )) ips=$(( n / 8192 + 2 )) mb
	# 336 B of control block, 120 B of context and their tables per
	# connection, rounded up, plus the pools.
	mb=$(( 2048 + n / 1000 ))
	local s c spid cpid t0 est sr cr
	# shellcheck disable=SC2206
	s=("$b/run" shoal-gen $(lcores "$first" "$w") --no-pci --no-huge -m "$mb"
		--file-prefix "portable-$$-shold" --vdev "net_vhost0,iface=$sock,queues=$w,tso=1"
		--log-level='*:warning' -- stack.poll=busy run.drain=1s
		--config "$conf/http-cps-server.ini" stack.ip=198.18.0.1/16
		stack.neigh_entries=$(( ips + 64 )) http.body=64
		tcp.max_conns=$per server.max_conns=$per)
	# shellcheck disable=SC2206
	c=("$b/run" shoal-gen $(lcores $((first + w)) "$w") --no-pci --no-huge -m "$mb"
		--file-prefix "portable-$$-chold"
		--vdev "net_virtio_user0,path=$sock,queues=$w,queue_size=1024"
		--log-level='*:warning' -- stack.poll=busy run.drain=1s
		--config "$conf/http-cps-client.ini" stack.ip=198.18.0.10/16
		stack.ip_count=$ips run.duration=$(( lim + 30 ))s
		client.cps=$cps client.ramp=0 client.concurrency=$n
		client.requests=0 client.think=1h tcp.max_conns=$per http.body=64
		report.json="$out/hold-client.json")
	printf 'hold:
  %s
  %s
' "${s[*]}" "${c[*]}" >> "$out/commands.txt"
	rm -f "$sock"
	"${s[@]}" > "$out/hold-server.log" 2>&1 &
	spid=$!
	pids=($spid)
	wait_ready "$out/hold-server.log" || { log "hold: server did not start"; cleanup; return 1; }
	"${c[@]}" > "$out/hold-client.log" 2>&1 &
	cpid=$!
	pids+=($cpid)
	echo "seconds,established,server_rss_kb,client_rss_kb" > "$out/hold.csv"
	t0=$SECONDS
	local lines=0 l
	while [ $((SECONDS - t0)) -lt "$lim" ] && kill -0 "$cpid" 2>/dev/null; do
		# Sample as soon as the client printed its next live line, so
		# the count and the two VmRSS are taken together.
		sleep 0.05
		l=$(grep -c 'estab [0-9]*' "$out/hold-client.log")
		[ "$l" -gt "$lines" ] || continue
		lines=$l
		est=$(grep -so 'estab [0-9]*' "$out/hold-client.log" | tail -1 | cut -d' ' -f2)
		sr=$(awk '/^VmRSS:/ { print $2 }' "/proc/$spid/status" 2>/dev/null)
		cr=$(awk '/^VmRSS:/ { print $2 }' "/proc/$cpid/status" 2>/dev/null)
		echo "$((SECONDS - t0)),${est:-0},${sr:-0},${cr:-0}" >> "$out/hold.csv"
		if [ "${est:-0}" -ge "$n" ]; then
			sleep 5	# the last answers and ACKs settle: one more row
			sr=$(awk '/^VmRSS:/ { print $2 }' "/proc/$spid/status")
			cr=$(awk '/^VmRSS:/ { print $2 }' "/proc/$cpid/status")
			echo "$((SECONDS - t0)),$est,$sr,$cr" >> "$out/hold.csv"
			break
		fi
	done
	log "hold: $(tail -1 "$out/hold.csv") after $((SECONDS - t0)) s"
	kill -KILL "$cpid" "$spid" 2>/dev/null
	wait "$cpid" "$spid" 2>/dev/null
	pids=()
	rm -f "$sock"
}

srv_http="--config $conf/http-cps-server.ini http.body=64"
cli_http="--config $conf/http-cps-client.ini client.cps=0 client.ramp=0 tcp.max_conns=262144"
[ $((first + 2)) -le "$ncpu" ] || { echo "perf/portable.sh needs CPUs $first and $((first + 1))" >&2; exit 2; }
log "$(cat "$b/VERSION" 2>/dev/null), $ncpu CPUs, ${secs} s per run, results in $out"
{
	echo "machine: $(uname -srm), $ncpu CPUs: $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2-)"
	echo "load before: $(cut -d' ' -f1-3 /proc/loadavg)"
	echo "bundle: $(cat "$b/VERSION" 2>/dev/null)"
} > "$out/machine.txt"

for run in $only; do
	case $run in
	ceiling)
		testpmd_pair oneway_64 64 rxonly txonly
		testpmd_pair bothways_64 64 flowgen flowgen
		testpmd_pair bothways_1514 1514 flowgen flowgen
		;;
	cps)
		for w in $workers; do
			[ $((first + 2 * w)) -le "$ncpu" ] || { log "cps w$w: not enough CPUs"; continue; }
			pair "cps-w$w" "$w" "$srv_http" \
				"$cli_http client.concurrency=$((512 * w))"
		done
		;;
	ka)
		pair ka-w1 1 "$srv_http" "$cli_http client.concurrency=256 client.requests=100 client.think=0"
		;;
	rr)
		for n in 1 100; do
			pair "rr$n" 1 "--config $conf/rr-server.ini rr.request=64 rr.response=64" \
				"--config $conf/rr-client.ini client.concurrency=$n client.requests=0 rr.request=64 rr.response=64"
		done
		;;
	bulk)
		for d in upload download; do
			pair "bulk-$d" 1 "--config $conf/bulk-server.ini bulk.direction=$d bulk.verify=false tcp.mss=1460" \
				"--config $conf/bulk-client.ini client.concurrency=1 client.connections=1 bulk.direction=$d bulk.verify=false tcp.mss=1460"
		done
		;;
	hold)
		hold "${SHOAL_PORTABLE_HOLD:-1000000}" "${SHOAL_PORTABLE_HOLD_WORKERS:-1}" \
			"${SHOAL_PORTABLE_HOLD_CPS:-100k}" "${SHOAL_PORTABLE_HOLD_SECS:-300}"
		;;
	*) echo "unknown run $run" >&2; exit 2 ;;
	esac
done
echo "load after: $(cut -d' ' -f1-3 /proc/loadavg)" >> "$out/machine.txt"
python3 "$here/portable_summary.py" "$out" "$warm" "$secs" > "$out/summary.md"
cat "$out/summary.md"
