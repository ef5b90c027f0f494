# Shared by the interop tests: a namespace per test, removed on exit,
# and loud failures. Sourced after setting $name.
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
. "$here/../../app/common.sh"

if [ "$(id -u)" -ne 0 ]; then
	echo "FAIL: interop tests need root to create network namespaces" >&2
	exit 1
fi

ns=shoal-t-$name-$$
work=$(mktemp -d /tmp/shoal-$name.XXXXXX)
pids=()

interop_cleanup() {
	for p in "${pids[@]}"; do
		kill "$p" 2>/dev/null || true
	done
	for p in "${pids[@]}"; do
		wait "$p" 2>/dev/null || true
	done
	# What still runs in the namespace: a peer started through nsx in
	# the background is the child of the subshell in pids, which the
	# kill above ended without it. Deleting the name would leave it
	# running, with its namespace.
	local left
	left=$(ip netns pids "$ns" 2>/dev/null || true)
	if [ -n "$left" ]; then
		kill $left 2>/dev/null || true
		sleep 0.5
		kill -KILL $(ip netns pids "$ns" 2>/dev/null) 2>/dev/null || true
	fi
	ip netns del "$ns" 2>/dev/null || true
	[ -n "${SHOAL_KEEP:-}" ] && echo "kept $work" >&2 || rm -rf "$work"
}
trap interop_cleanup EXIT

ip netns add "$ns" || { echo "FAIL: cannot create namespace $ns" >&2; exit 1; }
ip netns exec "$ns" ip link set lo up

fail() {
	echo "FAIL: $*" >&2
	for f in "$work"/*.log; do
		[ -f "$f" ] && { echo "--- $f"; tail -n 40 "$f"; } >&2
	done
	exit 1
}

pass() { echo "ok: $*"; }

# Run a command inside the test's namespace.
nsx() { ip netns exec "$ns" "$@"; }
