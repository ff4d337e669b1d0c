# shellcheck shell=bash disable=SC2034 # the variables serve the sourcing scripts
# Helpers to run perf/nsd against the Linux kernel in network namespaces,
# shared by tests/integration/test_nsd*.sh and perf/net-bench.sh. Source
# tests/integration/lib.sh first (setup_ns, veth_pair, defer, wait_for).
#
# Topologies (the kernel peer is always 10.0.0.1/24 and fd00::1/64, nsd
# is 10.0.0.2/24 and fd00::2/64):
#   nsd_veth SRV CLI     veth "vs" in SRV for nsd's AF_PACKET driver, "vc"
#                        in CLI for the kernel; SRV's kernel has no IPv6 on
#                        vs, so NDP for nsd's link-local address is nsd's
#   nsd_tap_peer NS IF   the kernel side of nsd's tap device IF in NS
#
#   nsd_start NS NAME ARGS...   runs nsd in NS (output in $TEST_TMP/NAME.log,
#                        control socket $TEST_TMP/NAME.ctl), waits for it
#                        to serve, sets NSD_PID and NSD_CTL
#   nsd_stop             SIGTERM, then nsd's exit status
#   nsd_json [EXPR]      the stats JSON, or a Python expression over it as d
#   nsd_true EXPR        success when the Python expression holds
#   nsd_clean            no connection open and every TCP socket LISTEN
#   nsd_body_sha N       sha256 of GET /bytes/N, computed by openssl

NSD=${NSD:-$BUILD/perf/nsd}
NSD_BODY_KEY=6e73642d62797465732d6b65792d7631
NSD_V4=10.0.0.2
NSD_V6=fd00::2
PEER_V4=10.0.0.1
PEER_V6=fd00::1

nsd_veth() {
	local srv=$1 cli=$2
	ip link add vs netns "$srv" type veth peer name vc netns "$cli" || return 1
	ip netns exec "$srv" sysctl -qw net.ipv6.conf.vs.disable_ipv6=1
	ip -n "$srv" link set vs up
	ip -n "$cli" link set vc up
	ip -n "$cli" addr add "$PEER_V4/24" dev vc
	ip -n "$cli" addr add "$PEER_V6/64" dev vc nodad
}

nsd_tap_peer() {
	local ns=$1 ifname=$2
	wait_for 5 ip -n "$ns" link show "$ifname" || return 1
	ip -n "$ns" link set "$ifname" up
	ip -n "$ns" addr add "$PEER_V4/24" dev "$ifname"
	ip -n "$ns" addr add "$PEER_V6/64" dev "$ifname" nodad
}

nsd_start() {
	local ns=$1 name=$2
	shift 2
	NSD_CTL=$TEST_TMP/$name.ctl
	NSD_LOG=$TEST_TMP/$name.log
	# The subshell's exec makes $! nsd itself (ip netns exec execs too).
	(exec ip netns exec "$ns" "$NSD" --control "$NSD_CTL" "$@") \
		>"$NSD_LOG" 2>&1 &
	NSD_PID=$!
	defer kill -9 "$NSD_PID"
	if ! wait_for 10 grep -q '^nsd: serving' "$NSD_LOG"; then
		echo "# nsd did not start:" >&2
		sed 's/^/# /' "$NSD_LOG" >&2
		return 1
	fi
}

nsd_stop() {
	kill -TERM "$NSD_PID" 2>/dev/null
	local rc=0
	wait "$NSD_PID" || rc=$?
	return $rc
}

nsd_json() {
	local expr=${1:-d}
	socat -t 5 - "UNIX-CONNECT:$NSD_CTL" </dev/null |
		python3 -c "import json, sys; d = json.load(sys.stdin); print($expr)"
}

# nsd_true EXPR: success when the Python expression over the JSON holds.
nsd_true() {
	[[ $(nsd_json "bool($1)") == True ]]
}

nsd_clean() {
	nsd_true 'd["nsd"]["conns_open"] == 0 and set(d["socket_states"].get("tcp", {})) <= {"LISTEN"}'
}

nsd_body_sha() {
	head -c "$1" /dev/zero |
		openssl enc -aes-128-ctr -K "$NSD_BODY_KEY" -iv 00000000000000000000000000000000 |
		sha256sum | cut -d' ' -f1
}
