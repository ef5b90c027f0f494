# Sourced by perf/run.sh: the machine a run was measured on, as JSON.
# A figure without these facts cannot be compared with anything.

perf_tool_version() {
	# First line of a tool's version output, or null when it is missing.
	local v
	v=$("$@" 2>&1 | head -1) || true
	printf '%s' "${v:-unknown}"
}

perf_facts() {
	local hp_total hp_free hp_size
	hp_total=$(awk '/^HugePages_Total/ {print $2}' /proc/meminfo)
	hp_free=$(awk '/^HugePages_Free/ {print $2}' /proc/meminfo)
	hp_size=$(awk '/^Hugepagesize/ {print $2}' /proc/meminfo)
	jq -n \
		--arg host "$(hostname)" \
		--arg cpu "$(awk -F': ' '/^model name/ {print $2; exit}' /proc/cpuinfo)" \
		--argjson cores "$(nproc)" \
		--arg online "$(cat /sys/devices/system/cpu/online)" \
		--arg kernel "$(uname -r)" \
		--arg os "$(. /etc/os-release && echo "$PRETTY_NAME")" \
		--argjson mem_kib "$(awk '/^MemTotal/ {print $2}' /proc/meminfo)" \
		--arg dpdk "$(pkg-config --modversion libdpdk 2>/dev/null || dpkg-query -W -f='${Version}' dpdk 2>/dev/null || echo unknown)" \
		--arg testpmd_pkg "$(dpkg-query -W -f='${Version}' dpdk 2>/dev/null || echo unknown)" \
		--argjson hp_total "${hp_total:-0}" --argjson hp_free "${hp_free:-0}" \
		--argjson hp_kib "${hp_size:-0}" \
		--arg hugetlbfs "$(mount | grep -q 'type hugetlbfs' && echo yes || echo no)" \
		--arg nginx "$(perf_tool_version nginx -v)" \
		--arg wrk "$(perf_tool_version wrk -v)" \
		--arg iperf3 "$(perf_tool_version iperf3 --version)" \
		--arg gnuplot "$(perf_tool_version gnuplot --version)" \
		--arg valgrind "$(perf_tool_version valgrind --version)" \
		--arg commit "$(git -C "$root" describe --always --dirty 2>/dev/null || echo unknown)" \
		'{hostname: $host, cpu_model: $cpu, cores: $cores,
		  cpus_online: $online, kernel: $kernel, os: $os,
		  memory_mib: ($mem_kib / 1024 | floor),
		  dpdk_version: $dpdk, dpdk_package: $testpmd_pkg,
		  hugepages: {total: $hp_total, free_at_end: $hp_free,
			page_kib: $hp_kib, hugetlbfs_mounted: ($hugetlbfs == "yes")},
		  tools: {nginx: $nginx, wrk: $wrk, iperf3: $iperf3,
			gnuplot: $gnuplot, valgrind: $valgrind},
		  shoal_commit: $commit}'
}
