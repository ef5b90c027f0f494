# Sourced by perf/run.sh: the packet I/O ceiling. Two dpdk-testpmd
# processes, one core each, joined by vhost-user: side A owns the vhost
# socket (net_vhost0) on CPU $cpu_a, side B connects to it with
# virtio-user (net_virtio_user0) on CPU $cpu_b. Only vdevs, always
# --no-pci: nothing here touches a NIC or a kernel interface.
#
# Each testpmd runs interactively with its stdin on a fifo we hold open,
# so the script can say "start", then "show port stats all" once a
# second; testpmd computes each sample's rate from its own TSC between
# two shows, which keeps the script's sleep jitter out of the figures.

tp_pids=()
tp_sock=

ceiling_cleanup() {
	local p
	for p in "${tp_pids[@]}"; do
		kill "$p" 2>/dev/null && wait "$p" 2>/dev/null || true
	done
	tp_pids=()
	[ -n "$tp_sock" ] && rm -f "$tp_sock"
	return 0
}

# The EAL memory arguments for both sides, decided once for the pair so
# the two processes never differ (one on hugepages, one not).
ceiling_mem_args() {
	local mb=$1
	case "$(shoal_eal_mem $((2 * mb)))" in
	--no-huge*)
		echo "--no-huge -m $mb" ;;
	*)
		# vhost-user maps at most 8 memory regions: one file per
		# memseg list instead of one per 2 MB page.
		echo "-m $mb --single-file-segments" ;;
	esac
}

# tp_start TAG CPU VDEV TESTPMD_ARGS... : starts testpmd with stdin on the
# fifo $work/tp-TAG.in and output in $work/tp-TAG.log; opens the fifo
# as fd tp_fd_TAG and remembers the exact command in tp_cmd_TAG.
tp_start() {
	local tag=$1 cpu=$2 vdev=$3
	shift 3
	local fifo=$work/tp-$tag.in log=$work/tp-$tag.log
	# Main lcore (idle in the command line) and the forwarding lcore
	# share one CPU, so each side costs exactly one core.
	local cmd=(dpdk-testpmd --lcores "0@$cpu,1@$cpu" --no-pci $ceiling_mem
		--file-prefix "shoal-bench-$$-$tag" --vdev "$vdev"
		--log-level='*:notice' -- -i --nb-cores=1
		--total-num-mbufs=16384 --rxd=1024 --txd=1024 "$@")
	rm -f "$fifo" "$log"
	mkfifo "$fifo"
	"${cmd[@]}" < "$fifo" > "$log" 2>&1 &
	tp_pids+=($!)
	eval "exec {tp_fd_$tag}>\"\$fifo\""
	printf -v "tp_pid_$tag" '%s' "$!"
	printf -v "tp_cmd_$tag" '%s' "$(perf_json_cmd "${cmd[@]}")"
}

tp_say() {
	local fd_var=tp_fd_$1
	printf '%s\n' "$2" >&"${!fd_var}"
}

# True once testpmd printed its prompt, i.e. its port is configured.
tp_ready() {
	grep -q 'testpmd> ' "$work/tp-$1.log" 2>/dev/null
}

tp_alive() {
	local pid_var=tp_pid_$1
	kill -0 "${!pid_var}" 2>/dev/null
}

tp_quit() {
	local tag=$1 fd_var=tp_fd_$1 pid_var=tp_pid_$1
	tp_say "$tag" stop
	tp_say "$tag" quit
	eval "exec ${!fd_var}>&-"
	# A testpmd that ignores quit is killed by ceiling_cleanup.
	perf_wait_for 10 eval "! kill -0 ${!pid_var} 2>/dev/null" || true
}

# tp_samples TAG FIELD : one value per "show port stats all" after the
# first (the first only sets the start of the first interval). FIELD is
# Rx-pps, Tx-pps, Rx-bps or Tx-bps.
tp_samples() {
	awk -v f="$2:" '
		$1 == f { n++; if (n > 1) print $2 }
		$3 == f { m++; if (m > 1) print $4 }
	' "$work/tp-$1.log"
}

# ceiling_run NAME MODE SIZE
#   oneway:   B generates (txonly), A only receives (rxonly): one direction.
#   bothways: both sides generate and receive at once (flowgen; its rx
#             side drops what arrives), so each core sends one direction
#             and receives the other.
#   io:       both sides forward what they receive back out (io), seeded
#             by B with tx_first bursts: the classic testpmd io loop. Its
#             rate is bound by the packets in flight and the round trip,
#             so it is a latency-bound figure, below the other two.
ceiling_run() {
	local name=$1 mode=$2 size=$3
	local fwd_a fwd_b start_b=start
	case "$mode" in
	oneway) fwd_a=rxonly; fwd_b=txonly ;;
	bothways) fwd_a=flowgen; fwd_b=flowgen ;;
	io) fwd_a=io; fwd_b=io; start_b="start tx_first 16" ;;
	esac
	perf_probe_mark

	tp_sock=$sockdir/bench-vhost-$$.sock
	rm -f "$tp_sock"
	tp_start A "$cpu_a" "net_vhost0,iface=$tp_sock,queues=1" \
		--forward-mode="$fwd_a" --txpkts="$size"
	# The socket appears when the vhost vdev is probed, before testpmd
	# has built its mempool: B may start then, the two set up in parallel.
	if ! perf_wait_for 30 test -S "$tp_sock"; then
		perf_failed "$name" io-ceiling "vhost side never came up: $(tail -3 "$work/tp-A.log" | tr '\n' ' ')" "$tp_cmd_A"
		ceiling_cleanup
		return
	fi
	tp_start B "$cpu_b" "net_virtio_user0,path=$tp_sock,queues=1,queue_size=1024" \
		--forward-mode="$fwd_b" --txpkts="$size"
	if ! perf_wait_for 30 tp_ready A || ! perf_wait_for 30 tp_ready B || ! tp_alive B ||
	   grep -q 'No probed ethernet devices' "$work/tp-B.log"; then
		perf_failed "$name" io-ceiling "virtio-user side never came up: $(head -3 "$work/tp-B.log" | tr '\n' ' ')" "$tp_cmd_A" "$tp_cmd_B"
		ceiling_cleanup
		return
	fi

	# The vhost side sees its link come up once virtio-user has set up
	# its queues; packets sent before that are lost, and in the io loop
	# a lost packet never comes back.
	if ! perf_wait_for 10 grep -q 'link state change' "$work/tp-A.log"; then
		perf_failed "$name" io-ceiling "vhost link never came up" "$tp_cmd_A" "$tp_cmd_B"
		ceiling_cleanup
		return
	fi
	if [ "$mode" = io ]; then
		# Retry a full TX ring instead of dropping: the loop holds a
		# fixed number of packets (16 bursts of 32, less than one
		# ring), and every drop would shrink it for good.
		tp_say A 'set fwd io retry'
		tp_say B 'set fwd io retry'
	fi
	tp_say A start
	sleep 0.2
	tp_say B "$start_b"
	sleep 1		# warm-up: rings filled, caches hot
	local i
	tp_say A 'show port stats all'
	tp_say B 'show port stats all'
	for ((i = 0; i < secs; i++)); do
		sleep 1
		tp_say A 'show port stats all'
		tp_say B 'show port stats all'
	done
	sleep 0.3
	tp_quit B
	tp_quit A
	ceiling_cleanup

	ceiling_figures "$name" "$mode" "$size"
}

# Turns the two logs into figures, a per-second series for the plots, and
# the benchmark record. Mpps and Gbit/s are testpmd's Rx-pps and Rx-bps
# (frame bytes without FCS, times 8) averaged over the samples.
ceiling_figures() {
	local name=$1 mode=$2 size=$3
	local series=$work/series/ceiling-$name.dat
	paste <(tp_samples A Rx-pps) <(tp_samples B Rx-pps) \
	      <(tp_samples A Rx-bps) <(tp_samples B Rx-bps) \
	      <(tp_samples B Tx-pps) |
		awk -v mode="$mode" 'NF == 5 {
			# per-core figure: oneway counts what A receives; the
			# two-way modes average what each core receives.
			pps = mode == "oneway" ? $1 : ($1 + $2) / 2
			bps = mode == "oneway" ? $3 : ($3 + $4) / 2
			printf "%d %.4f %.4f %.4f %.4f %.4f\n", NR, pps / 1e6,
				bps / 1e9, $1 / 1e6, $2 / 1e6, $5 / 1e6
		}' > "$series"

	local nsamp
	nsamp=$(wc -l < "$series")
	if [ "$nsamp" -lt 1 ] || ! awk '$2 > 0 { ok = 1 } END { exit !ok }' "$series"; then
		perf_failed "$name" io-ceiling "no traffic measured (A: $(grep -m1 -i 'error' "$work/tp-A.log"))" "$tp_cmd_A" "$tp_cmd_B"
		return
	fi
	local stats
	stats=$(awk '{ n++; s += $2; ss += $2 * $2; g += $3; a += $4; b += $5; o += $6
			if (n == 1 || $2 < lo) lo = $2; if ($2 > hi) hi = $2 }
		END { m = s / n; v = ss / n - m * m; if (v < 0) v = 0
			printf "{\"mpps\": %.4f, \"gbps\": %.4f, \"min\": %.4f, \"max\": %.4f, \"cv\": %.4f, \"a_rx\": %.4f, \"b_rx\": %.4f, \"b_tx\": %.4f, \"n\": %d}",
				m, g / n, lo, hi, (m > 0 ? sqrt(v) / m : 0), a / n, b / n, o / n, n }' "$series")

	local label figures details
	case "$mode" in
	oneway) label="virtio-user txonly -> vhost rxonly" ;;
	bothways) label="flowgen both sides, each core sends one way and receives the other" ;;
	io) label="io forwarding (with TX retry) both sides, seeded with 16 tx_first bursts of 32 packets" ;;
	esac
	figures=$(jq -n --argjson s "$stats" '{
		mpps_per_core: {value: $s.mpps, unit: "Mpps"},
		gbps_per_core: {value: $s.gbps, unit: "Gbit/s"}}')
	details=$(jq -n --argjson s "$stats" --arg mode "$mode" \
		--argjson size "$size" --arg mem "$ceiling_mem" \
		--argjson per_s "$(awk '{print $2}' "$series" | jq -s -c .)" '{
		mode: $mode, frame_bytes: $size, eal_memory: $mem,
		samples: $s.n, mpps_min: $s.min, mpps_max: $s.max,
		mpps_cv: $s.cv, a_rx_mpps: $s.a_rx, b_rx_mpps: $s.b_rx,
		b_tx_mpps: $s.b_tx,
		series: {unit: "Mpps", per_second: $per_s}}')
	perf_record "$name" io-ceiling ok "$figures" "$details" \
		"$label; ${size} B frames; per-second samples of testpmd's port stats" \
		"$tp_cmd_A" "$tp_cmd_B" "A: start; B: $start_b; both: show port stats all, every second"
	printf 'io-ceiling/%s: %s Mpps per core, %s Gbit/s (%s B, cv %s)\n' "$name" \
		"$(jq -r .mpps <<<"$stats")" "$(jq -r .gbps <<<"$stats")" "$size" \
		"$(jq -r .cv <<<"$stats")"
}

bench_io_ceiling() {
	ceiling_mem=$(ceiling_mem_args "$mem_mb")
	local size mode
	for size in ${SHOAL_BENCH_CEILING_SIZES:-64 1514}; do
		for mode in ${SHOAL_BENCH_CEILING_MODES:-oneway bothways io}; do
			ceiling_run "${mode}_$size" "$mode" "$size"
		done
	done
}
