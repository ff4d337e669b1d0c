#!/usr/bin/env bash
# perf/nsd on the AF_PACKET driver, taking over one end of a veth pair,
# against the Linux kernel on the other end with real clients: ping and
# ping -6 (ARP and NDP answered), UDP and TCP echo, discard, chargen,
# 200 MiB downloads (IPv4, IPv6) and uploads (Content-Length, chunked)
# with their sha256 checked, 500 concurrent connections, peers that
# half-close, reset or give up, and a clean end (perf/nsd/nsd-live.sh).
# Then on veths whose offloads are off: from the start (nsd is not offered
# TSO or checksum offload), and switched off in the middle of a download
# (the driver splits what the device no longer takes); either way the
# transfers are byte-exact with nothing dropped at the link and no
# retransmission timeout.
# timeout: 300
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/../../perf/nsd/nsd-lib.sh"
. "$(dirname "$0")/../../perf/nsd/nsd-live.sh"

require_root
require_cmd curl socat nc wrk openssl python3 ping
[[ -x $NSD ]] || {
	skip "$(basename "$0")" "no $NSD (make all)"
	exit 0
}

setup_ns srv cli
nsd_veth "$srv" "$cli"
nsd_start "$srv" nsd --driver afpacket --iface vs \
	--addr "$NSD_V4/24" --addr6 "$NSD_V6/64" || exit 1
nsd_live_suite "$cli"

# Offloads off. A download throttled by its client, long enough for TSO to
# go away under it.
download_while_switching() {
	local srv=$1 bytes=$((100 << 20)) want pid
	want=$(nsd_body_sha $bytes)
	(cli timeout 60 curl -sS --max-time 60 --limit-rate 50M \
		"http://$NSD_V4/bytes/$bytes" | sha256sum | cut -d' ' -f1 >"$TEST_TMP/switch.sha") &
	pid=$!
	wait_for 10 nsd_true 'd["link"]["tx_bytes"] > 20000000' || return 1
	ip netns exec "$srv" ethtool -K vs tso off gso off >/dev/null || return 1
	wait "$pid" || return 1
	[[ $(cat "$TEST_TMP/switch.sha") == "$want" ]]
}

nothing_lost_at_the_link() {
	nsd_true "$1"' and d["link"]["tx_dropped"] == 0 and d["stack"]["TcpExt.TCPTimeouts"] == 0'
}

if ! command -v ethtool >/dev/null; then
	skip "offloads off" "no ethtool"
	exit 0
fi
setup_ns srv2 cli2
nsd_veth "$srv2" "$cli2"
ip netns exec "$srv2" ethtool -K vs tso off gso off tx off >/dev/null
ip netns exec "$cli2" ethtool -K vc tso off gso off tx off >/dev/null
nsd_start "$srv2" nsd-nooffload --driver afpacket --iface vs \
	--addr "$NSD_V4/24" --addr6 "$NSD_V6/64" || exit 1
NSD_CLI=$cli2
nsd_random_file "$TEST_TMP/up32.bin" $((32 << 20))
check "offloads off: curl downloads 32 MiB over IPv4, sha256 matches" live_download "http://$NSD_V4" $((32 << 20))
check "offloads off: curl downloads 32 MiB over IPv6, sha256 matches" live_download "http://[$NSD_V6]" $((32 << 20))
check "offloads off: curl uploads 32 MiB, nsd's sha256 matches" live_upload "http://$NSD_V4" "$TEST_TMP/up32.bin" length
check "offloads off: the stack segmented itself, nothing lost at the link" \
	nothing_lost_at_the_link 'd["link"]["tx_sw_gso"] == 0'
check "nsd exits 0 on SIGTERM" nsd_stop

setup_ns srv3 cli3
nsd_veth "$srv3" "$cli3"
nsd_start "$srv3" nsd-switch --driver afpacket --iface vs \
	--addr "$NSD_V4/24" --addr6 "$NSD_V6/64" || exit 1
NSD_CLI=$cli3
check "TSO switched off mid-download: 100 MiB arrive, sha256 matches" download_while_switching "$srv3"
check "... split by the driver, nothing lost at the link" \
	nothing_lost_at_the_link 'd["link"]["tx_sw_gso"] > 0 and d["link"]["tx_offload_changes"] >= 1'
check "nsd exits 0 on SIGTERM" nsd_stop
