#!/usr/bin/env bash
# perf/nsd on the tap driver (with virtio-net offloads), against the Linux
# kernel on the other side of the tap device with real clients: the same
# suite as test_nsd_afpacket.sh (perf/nsd/nsd-live.sh).
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
[[ -c /dev/net/tun ]] || {
	skip "$(basename "$0")" "no /dev/net/tun"
	exit 0
}

# nsd creates the tap device in the namespace; the kernel there is its
# peer, and the clients run there too.
setup_ns host
nsd_start "$host" nsd --driver tap --iface nsdtap0 \
	--addr "$NSD_V4/24" --addr6 "$NSD_V6/64" || exit 1
nsd_tap_peer "$host" nsdtap0 || exit 1
nsd_live_suite "$host"
