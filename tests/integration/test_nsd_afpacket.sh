#!/usr/bin/env bash
# perf/nsd on the AF_PACKET driver, taking over one end of a veth pair,
# against the Linux kernel on the other end with real clients: ping and
# ping -6 (ARP and NDP answered), UDP and TCP echo, discard, chargen,
# 200 MiB downloads (IPv4, IPv6) and uploads (Content-Length, chunked)
# with their sha256 checked, 500 concurrent connections, peers that
# half-close, reset or give up, and a clean end (perf/nsd/nsd-live.sh).
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
