# Sourced by perf/run.sh and perf/report.sh: the markdown table and the
# gnuplot PNGs, made from the results JSON alone so that any committed
# results file can be re-rendered.

# perf_report_md JSON : the markdown report on stdout.
perf_report_md() {
	jq -r '
	def num: if . == null then "" elif . >= 100 then (. | round | tostring)
		else (. * 1000 | round / 1000 | tostring) end;
	def figs: [.figures | to_entries[] | "\(.value.value | num) \(.value.unit)"] | join(", ");
	def ratios: [(.ratios // [])[] | "\(.value * 100 | round / 100)x \(.against)"] | join(", ");
	def probe: if . == null then "-" else "\(.core_ns_per_kiter | round) / \(.pingpong_ns | round)" end;
	def host: if .host == null then "" else "\(.host.before | probe), \(.host.after | probe)" end;
	"# shoal benchmark results: \(.machine.hostname), \(.run.started)",
	"",
	(if .run.smoke then "**Smoke run** (\(.run.seconds_per_run) s per measurement): the figures show the format, not the machine.\n" else "" end),
	"| | |", "| --- | --- |",
	"| run | \(.run.kind), \(.run.seconds_per_run) s per measurement\(if .run.cps_seconds then " (the CPS run: \(.run.cps_seconds) s)" else "" end), \(.run.started) .. \(.run.ended) |",
	"| CPU | \(.machine.cpu_model), \(.machine.cores) cores (online \(.machine.cpus_online)) |",
	"| memory | \(.machine.memory_mib) MiB; hugepages \(.machine.hugepages.total) x \(.machine.hugepages.page_kib) KiB (\(.machine.hugepages.free_at_end) free at the end) |",
	"| kernel | \(.machine.kernel), \(.machine.os) |",
	"| DPDK | \(.machine.dpdk_version) |",
	"| load average | \(.run.loadavg_before) before, \(.run.loadavg_after) after |",
	"| shoal | \(.run.shoal_commit) |",
	"",
	"The host column is perf/hostprobe run just before and just after the measurement: ns a core takes for 1000 steps of a fixed chain, then ns for the round trip of a cache line between the two CPUs. Lower is faster; on a shared VM both move with the neighbours, and the figures with them.",
	"",
	"| group | benchmark | status | figures | ratios | host (before, after) | target / note |",
	"| --- | --- | --- | --- | --- | --- | --- |",
	(.benchmarks[] |
		"| \(.group) | \(.name) | \(.status) | \(figs) | \(ratios) | \(host) | \(if .status == "ok" then .note else ((.details.target // "") + (if .details.target then "; " else "" end) + .note) end | gsub("\\|"; "/")) |"),
	"",
	"## Commands",
	"",
	(.benchmarks[] | select(.commands | length > 0) |
		"- `\(.group)/\(.name)`:", (.commands[] | "  - `\(.)`"))
	' "$1"
}

# perf_plot_bars JSON PNG TITLE UNIT : one bar per measured figure with
# that unit; shoal's bars appear beside Linux's once they are measured.
perf_plot_bars() {
	local json=$1 png=$2 title=$3 unit=$4
	local dat=${png%.png}.dat
	jq -r --arg u "$unit" '.benchmarks[] | select(.status == "ok")
		| . as $b | .figures | to_entries[] | select(.value.unit == $u)
		| "\"\($b.group)/\($b.name)\" \(.value.value)"' "$json" > "$dat"
	if [ ! -s "$dat" ]; then
		rm -f "$dat"
		return 0
	fi
	gnuplot <<GP
set terminal pngcairo size 900,500 noenhanced font ",10"
set output "$png"
set title "$title"
set ylabel "$unit"
set style fill solid 0.6 border -1
set boxwidth 0.6
set yrange [0:*]
set grid ytics
set xtics rotate by -30 left
unset key
plot "$dat" using 0:2:xtic(1) with boxes lc rgb "#3b75af", \
     "" using 0:2:(sprintf("%.3g", \$2)) with labels offset 0,0.7
GP
	rm -f "$dat"
}

# perf_plot_series JSON PNG TITLE UNIT : the per-second samples of every
# benchmark that kept them, to show how noisy each run was.
perf_plot_series() {
	local json=$1 png=$2 title=$3 unit=$4
	local dir
	dir=$(mktemp -d)
	jq -r --arg u "$unit" '.benchmarks[] | select(.status == "ok")
		| select(.details.series.unit == $u) | "\(.group)/\(.name)"' "$json" |
	while read -r b; do
		jq -r --arg b "$b" '.benchmarks[] | select("\(.group)/\(.name)" == $b)
			| .details.series.per_second | to_entries[]
			| "\(.key + 1) \(.value)"' "$json" > "$dir/${b//\//_}.dat"
	done
	if ls "$dir"/*.dat >/dev/null 2>&1; then
		local plot= f
		for f in "$dir"/*.dat; do
			plot+="${plot:+, }\"$f\" using 1:2 with linespoints title \"$(basename "$f" .dat)\""
		done
		gnuplot <<GP
set terminal pngcairo size 900,500 noenhanced font ",10"
set output "$png"
set title "$title"
set xlabel "second of the run"
set ylabel "$unit"
set yrange [0:*]
set grid
set key outside right
plot $plot
GP
	fi
	rm -rf "$dir"
}

# perf_report_plots JSON STEM : STEM-*.png
perf_report_plots() {
	local json=$1 stem=$2 host
	host=$(jq -r '"\(.machine.hostname), \(.run.started)\(if .run.smoke then ", smoke run" else "" end)"' "$json")
	perf_plot_bars "$json" "$stem-mpps.png" "Packets per second per core ($host)" Mpps
	perf_plot_bars "$json" "$stem-gbps.png" "Throughput ($host)" Gbit/s
	perf_plot_bars "$json" "$stem-cps.png" "Connections per second ($host)" connections/s
	perf_plot_bars "$json" "$stem-rps.png" "Keep-alive requests per second ($host)" requests/s
	perf_plot_series "$json" "$stem-series-mpps.png" "I/O ceiling, per second ($host)" Mpps
	perf_plot_series "$json" "$stem-series-gbps.png" "Bulk TCP, per second ($host)" Gbit/s
	perf_plot_series "$json" "$stem-series-cps.png" "Connections per second, each second ($host)" connections/s
	perf_plot_series "$json" "$stem-series-rps.png" "Keep-alive requests per second, each second ($host)" requests/s
}
