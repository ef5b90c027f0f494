#!/usr/bin/env bash
# Instructions per connection and per request of the whole application:
# a shoal-gen HTTP server and client, one worker each, over virtio-user /
# vhost-user, both under callgrind (which counts instructions: repeatable
# on a noisy machine, unlike wall-clock rates).
#
#   perf/callgrind/app.sh [BUILD] [OUTDIR]
#
# Two workloads, each a fixed amount of work rather than a duration:
#   close      SHOAL_CG_APP_CONNS (8000) connections, one GET each
#   keepalive  SHOAL_CG_APP_KA_CONNS (192) connections x 100 GETs each
# (SHOAL_CG_APP_WORKLOADS="close" runs one of them; SHOAL_CG_APP_ARGS,
# say "tcp.timestamps=false", is added to both sides' key=value list.)
# Prints one line per workload and side, "WORKLOAD SIDE IR PER UNIT (N
# counted, P polls each)", and
# leaves OUTDIR/<workload>-<side>.{out,top} (the callgrind file and its 25
# most expensive functions, inclusive).
#
# What is counted: the worker loop (worker_main, --toggle-collect), less
# what does not scale with the work but with wall-clock time or happens
# once: counter publication for the control plane (gen_publish,
# worker_publish: on a timer, and a run under callgrind lasts ~50x longer),
# application init/fini/drain, and sleeping. The empty polls of the loop
# stay in (stack.poll=idle keeps them few, and the server's counters are
# zeroed once the client has started, so its wait for the client's start
# is not counted); they are part of what a worker costs. How many there
# are follows how the two processes are scheduled, which varies from run
# to run (the client polled 5 to 17 times per connection in otherwise
# equal runs): "polls each" says it, and only the median of several runs
# says much. Only vdevs and --no-pci: no NIC is probed.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
build=${1:-$root/build}
out=${2:-$(mktemp -d /tmp/shoal-cg-app.XXXXXX)}
conns=${SHOAL_CG_APP_CONNS:-8000}
# 192, not 64: 6,400 requests were often half done before the server's
# counters were zeroed (the zeroing takes ~1 s to arrive), and make bench
# at 200e64b gave up after three tries.
ka_conns=${SHOAL_CG_APP_KA_CONNS:-192}
ka_reqs=100
workloads=${SHOAL_CG_APP_WORKLOADS:-close keepalive}
gen=$build/app/shoal-gen/shoal-gen
conf=$root/conf
sockdir=/var/tmp/shoal
mkdir -p "$out" "$sockdir"
[ -x "$gen" ] || { echo "cg-app: no $gen" >&2; exit 2; }

spid=
sock=$sockdir/cg-app-$$.sock
cleanup() {
	[ -n "$spid" ] && kill -INT "$spid" 2>/dev/null && wait "$spid" 2>/dev/null
	rm -f "$sock"
	return 0
}
trap cleanup EXIT

# Not per-connection work: see the header.
excluded='gen_publish|worker_publish|gen_worker_init|gen_worker_fini|client_drain|server_drain|nanosleep'

# cg_work FILE: worker_main's inclusive instructions less the excluded.
cg_work() {
	callgrind_annotate --inclusive=yes --threshold=100 "$1" 2>/dev/null |
		awk -v ex="^($excluded)\$" '
		/^ *[0-9,]+ .*:[^ ]+ \[/ {
			ir = $1; gsub(",", "", ir)
			fn = $0; sub(/ \[.*/, "", fn); sub(/.*:/, "", fn)
			if (fn == "worker_main") total = ir
			else if (fn ~ ex && !(fn in seen)) { seen[fn] = 1; minus += ir }
		}
		END { printf "%d\n", total - minus }'
}

# cg_calls FILE FUNCTION: how often FUNCTION was called while counting.
cg_calls() {
	awk -v want="$2" '
	/^c?fn=\(/ {
		id = $0; sub(/^c?fn=/, "", id)
		nm = id; sub(/^\([0-9]+\) ?/, "", nm); sub(/ .*/, "", id)
		if (nm != "") names[id] = nm
		if ($0 ~ /^cfn=/) cur = names[id]
	}
	/^calls=/ { n = $0; sub(/^calls=/, "", n); sub(/ .*/, "", n); if (cur == want) total += n }
	END { print total + 0 }' "$1"
}

cg_top() {
	callgrind_annotate --inclusive=yes "$1" 2>/dev/null |
		sed -n '/file:function/,$p' | sed -n '3,27p' |
		sed 's/ ([ 0-9.]*%) */ /; s/ \[.*//; s/???://'
}

# run WORKLOAD "SERVER ARGS" "CLIENT ARGS"
run() {
	local w=$1 sargs=$2 cargs=$3 cg=(valgrind --tool=callgrind
		--toggle-collect=worker_main)
	rm -f "$sock"
	# shellcheck disable=SC2086
	"${cg[@]}" --callgrind-out-file="$out/$w-server.out" \
		"$gen" -l 0 --no-pci --no-huge -m 256 --file-prefix "cg-app-s$$" \
		--vdev "net_vhost0,iface=$sock,queues=1" --log-level='*:warning' \
		-- stack.poll=idle --quiet $sargs ${SHOAL_CG_APP_ARGS:-} \
		> "$out/$w-server.log" 2>&1 &
	spid=$!
	local i
	for ((i = 0; i < 300; i++)); do
		grep -qs ready "$out/$w-server.log" && break
		kill -0 "$spid" 2>/dev/null || break
		sleep 0.5
	done
	grep -qs ready "$out/$w-server.log" ||
		{ echo "cg-app: $w: server did not start" >&2; tail -5 "$out/$w-server.log" >&2; return 1; }
	# shellcheck disable=SC2086
	"${cg[@]}" --callgrind-out-file="$out/$w-client.out" \
		"$gen" -l 1 --no-pci --no-huge -m 256 --file-prefix "cg-app-c$$" \
		--vdev "net_virtio_user0,path=$sock,queues=1,queue_size=1024" \
		--log-level='*:warning' -- stack.poll=idle run.duration=0 \
		report.json="$out/$w-client.json" $cargs ${SHOAL_CG_APP_ARGS:-} \
		> "$out/$w-client.log" 2>&1 &
	cpid=$!
	# The client takes as long to start under callgrind as the server:
	# what the server counted while it waited is not the workload's.
	for ((i = 0; i < 300; i++)); do
		grep -qs ready "$out/$w-client.log" && break
		kill -0 "$cpid" 2>/dev/null || break
		sleep 0.2
	done
	callgrind_control -z "$spid" >/dev/null 2>&1
	if ! wait "$cpid"; then
		echo "cg-app: $w: client failed" >&2
		grep -v '^==' "$out/$w-client.log" | tail -5 >&2
		return 1
	fi
	kill -INT "$spid"
	wait "$spid" || { spid=; echo "cg-app: $w: server failed" >&2; return 1; }
	spid=
	jq -e '.counters.failures == 0' "$out/$w-client.json" >/dev/null ||
		{ echo "cg-app: $w: failures: $(jq -c .counters "$out/$w-client.json")" >&2; return 1; }
}

# report WORKLOAD UNIT COUNT: COUNT units of work on the client, which
# counts from its start. The server's counters are zeroed once the client
# is up, and the client's first connections may come before that: the
# server's units are the requests it received while counting (calls of
# server_recv: every GET arrives in one segment), not the client's count.
report() {
	local w=$1 unit=$2 n=$3 side ir k polls
	for side in server client; do
		ir=$(cg_work "$out/$w-$side.out")
		k=$n
		[ "$side" = server ] && k=$(cg_calls "$out/$w-server.out" server_recv)
		polls=$(cg_calls "$out/$w-$side.out" shoal_tcp_advance)
		cg_top "$out/$w-$side.out" > "$out/$w-$side.top"
		echo "$w $side $ir $(awk -v a="$ir" -v n="$k" 'BEGIN { printf "%.0f", a / n }') $unit ($k counted, $(awk -v p="$polls" -v n="$k" 'BEGIN { printf "%.1f", p / n }') polls each)"
	done
}

# measure WORKLOAD UNIT JQ SERVER-ARGS CLIENT-ARGS: run and report, again
# (up to 3 times) when the server's zeroing came so late that it counted
# under half of the units: its figure would then lean on idle polls. The
# instructions and the units are counted over the same window, so the
# units before the zeroing do not bias the figure. (The zeroing takes
# ~1 s to arrive: ~2,600 connections of the close workload at f5deef1.)
measure() {
	local w=$1 unit=$2 q=$3 sargs=$4 cargs=$5 n k try
	for try in 1 2 3; do
		run "$w" "$sargs" "$cargs"
		n=$(jq "$q" "$out/$w-client.json")
		k=$(cg_calls "$out/$w-server.out" server_recv)
		[ $((k * 2)) -ge "$n" ] && break
		echo "cg-app: $w: the server counted $k of $n, again" >&2
	done
	# Three late zeroings in a row: no server figure rather than one
	# divided by next to nothing (2000 connections once all ran before
	# the zeroing, and the figure came out infinite).
	if [ $((k * 2)) -lt "$n" ]; then
		echo "cg-app: $w: the server counted $k of $n in three tries; raise SHOAL_CG_APP_CONNS (close) or SHOAL_CG_APP_KA_CONNS (keepalive)" >&2
		return 1
	fi
	report "$w" "$unit" "$n"
}

for w in $workloads; do
	case $w in
	close)
		measure close connection .counters.conn_closed \
			"--config $conf/http-cps-server.ini http.body=64" \
			"--config $conf/http-cps-client.ini client.connections=$conns client.cps=0 client.ramp=0 client.concurrency=256"
		;;
	keepalive)
		measure keepalive request .counters.responses_rx \
			"--config $conf/http-cps-server.ini http.body=64" \
			"--config $conf/http-cps-client.ini client.connections=$ka_conns client.cps=0 client.ramp=0 client.concurrency=$ka_conns client.requests=$ka_reqs client.think=0"
		;;
	*)
		echo "cg-app: unknown workload $w" >&2
		exit 2
		;;
	esac
done
