#!/usr/bin/env bash
# Differential tests of the Sentry's inet sockets, netlink and /proc/net:
# each tests/sentry/t_inet_* program, static and dynamic, runs natively and
# under `runsc do --network=none` (the loopback-only sandbox network), and
# the outputs must be identical. The programs print no ports, pids or
# times, and bound every blocking call, so a Sentry that fails or hangs a
# socket call makes them finish with different output, never stall.
#
# Both sides run in a namespace of their own with only lo, as the sandbox
# has: the native run then sees no host interface, route or socket, and
# ping sockets are allowed there (net.ipv4.ping_group_range is per
# namespace; Linux's default "1 0" refuses them even to root).
# timeout: 600
. "$(dirname "$0")/lib.sh"
require_root
require_cmd ip timeout

BIN=$BUILD/tests/sentry
PROGS=(t_inet_socket t_inet_tcp t_inet_udp t_inet_opts t_inet_poll
	t_inet_ping t_inet_netlink t_inet_procnet t_inet_hostile)
if [[ ! -x $BIN/t_inet_socket-static ]]; then
	skip "sentry inet differential tests" "programs not built ($BIN)"
	exit 0
fi

setup_ns net || exit 1
ip netns exec "$net" sysctl -qw net.ipv4.ping_group_range="0 2147483647"

# How to ask for the loopback-only network. `runsc do --network=none` is
# the form this test wants; until `do` takes the flag, the global
# `runsc --network=none do` (none is the only network runsc accepts so
# far), and failing that plain `runsc do`, which has no network either.
if "$RUNSC" do --network=none -- /bin/true >/dev/null 2>&1; then
	SANDBOX=("$RUNSC" do --network=none --)
elif "$RUNSC" --network=none do -- /bin/true >/dev/null 2>&1; then
	SANDBOX=("$RUNSC" --network=none do --)
	echo "# note: runsc do refuses --network=none; using the global flag"
else
	SANDBOX=("$RUNSC" do --)
	echo "# note: runsc refuses --network=none; running plain runsc do"
fi

in_ns() {
	ip netns exec "$net" timeout 60 "$@" 2>&1
}

# Natively, twice: a program whose output changes from run to run would
# make the comparison below meaningless.
native_stable() {
	local prog=$1 a b
	a=$(in_ns "$prog")
	b=$(in_ns "$prog")
	if [[ $a != "$b" ]]; then
		diff <(printf '%s\n' "$a") <(printf '%s\n' "$b") | head -20
		return 1
	fi
	echo "$(printf '%s\n' "$a" | wc -l) lines"
}

same_output() {
	local prog=$1 native sandboxed start
	native=$(in_ns "$prog")
	start=$SECONDS
	sandboxed=$(in_ns "${SANDBOX[@]}" "$prog")
	echo "sandboxed run: $((SECONDS - start)) s"
	if [[ $native != "$sandboxed" ]]; then
		diff <(printf '%s\n' "$native") <(printf '%s\n' "$sandboxed") |
			head -20
		return 1
	fi
	[[ -n $native ]]
}

for p in "${PROGS[@]}"; do
	check "$p natively stable" native_stable "$BIN/$p-static"
	for kind in static dynamic; do
		check "$p ($kind) natively and sandboxed agree" same_output \
			"$BIN/$p-$kind"
	done
done
