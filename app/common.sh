# Sourced by shoal's scripts: EAL memory arguments and namespace helpers.

# "--no-huge -m MB" unless MB of hugepages are free, then "-m MB".
# Every DPDK process of ours also gets --no-pci: the machine's own NIC is
# never probed.
shoal_eal_mem() {
	local mb=${1:-512}
	local free_mb
	free_mb=$(awk '/HugePages_Free/ {f=$2} /Hugepagesize/ {s=$2} END {print int(f*s/1024)}' /proc/meminfo)
	if [ "${SHOAL_NO_HUGE:-0}" != 1 ] && [ "$free_mb" -ge "$mb" ] &&
	   mount | grep -q 'type hugetlbfs'; then
		echo "-m $mb"
	else
		echo "--no-huge -m $mb"
	fi
}

# Wait until interface $2 exists in namespace $1 (at most ~10 s).
shoal_wait_iface() {
	local ns=$1 ifc=$2
	for _ in $(seq 100); do
		ip netns exec "$ns" ip link show "$ifc" >/dev/null 2>&1 && return 0
		sleep 0.1
	done
	echo "interface $ifc never appeared in namespace $ns" >&2
	return 1
}
