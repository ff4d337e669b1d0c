#!/usr/bin/env bash
# The DPDK driver live (drivers/dpdk.h), in namespaces of its own:
# - nsd on a net_af_packet port over a veth against the kernel: ping,
#   200 MiB download and 100 MiB upload sha256-checked, wrk;
# - nsd on net_af_xdp over a veth (where the kernel lets XDP attach);
# - two nsd over net_memif: a 200 MiB transfer between the two netstacks,
#   checked; the client going away is a link down for the server, which
#   serves the next client;
# - runsc do --network=sandbox --net-driver=dpdk serving curl, every
#   thread of the Sentry under its seccomp filter;
# - bad EAL arguments, a missing vdev: one-line errors, no crash;
# and nothing left behind: no EAL runtime directory, no memif socket file,
# no veth.
# timeout: 300
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/../../perf/nsd/nsd-lib.sh"
. "$(dirname "$0")/../../perf/nsd/nsd-live.sh"

require_root
require_cmd curl wrk openssl python3 ping ethtool
[[ -x $NSD ]] || {
	skip "$(basename "$0")" "no $NSD (make all)"
	exit 0
}
if ! pkg-config --exists libdpdk; then
	skip "$(basename "$0")" "no libdpdk: the DPDK driver is not built"
	exit 0
fi

eal_dirs() { ls -d /var/run/dpdk/rs* 2>/dev/null | wc -l; }
eal_before=$(eal_dirs)

# ---- net_af_packet on a veth ------------------------------------------
setup_ns srv cli
nsd_veth "$srv" "$cli"
# net_af_packet reads frames without a virtio header: the kernel peer
# completes its checksums (and so sends no super-segments).
ip netns exec "$cli" ethtool -K vc tx off >/dev/null
nsd_start "$srv" nsd-dpdk --driver dpdk --iface vs --addr "$NSD_V4/24" || exit 1
NSD_CLI=$cli
check "af_packet: the port is a dpdk link" nsd_true 'd["link"]["kind"] == "dpdk"'
check "af_packet: ping" live_ping 4 "$NSD_V4"
check "af_packet: curl downloads 200 MiB, sha256 matches" live_download "http://$NSD_V4" $((200 << 20))
nsd_random_file "$TEST_TMP/up100.bin" $((100 << 20))
check "af_packet: curl uploads 100 MiB, nsd's sha256 matches" live_upload "http://$NSD_V4" "$TEST_TMP/up100.bin" length
wrk_ok() {
	local out
	out=$(cli timeout 20 wrk -t 1 -c 20 -d 2s "http://$NSD_V4:80/bytes/1000" 2>&1) || return 1
	echo "$out" | grep -E 'Requests/sec' | sed 's/^/# /'
	! grep -qE 'Socket errors|Non-2xx' <<<"$out" && grep -q 'Requests/sec' <<<"$out"
}
check "af_packet: wrk from the kernel side, no errors" wrk_ok
check "af_packet: received data lent without a copy, nothing dropped" \
	nsd_true 'd["link"]["rx_zerocopy"] > 1000 and d["link"]["rx_nombuf"] == 0 and d["link"]["imissed"] == 0 and d["link"]["tx_dropped"] == 0'
check "af_packet: idle, nsd sleeps between polls" \
	nsd_true 'd["link"]["polls_idle"] > 0'
check "nsd exits 0 on SIGTERM" nsd_stop

# ---- net_af_xdp on a veth -------------------------------------------------
setup_ns srv2 cli2
nsd_veth "$srv2" "$cli2"
ip netns exec "$cli2" ethtool -K vc tx off >/dev/null
NSD_CLI=$cli2
if nsd_start "$srv2" nsd-xdp --driver "dpdk:iface=vs,pmd=af_xdp" --addr "$NSD_V4/24" 2>/dev/null; then
	check "af_xdp: ping" live_ping 4 "$NSD_V4"
	check "af_xdp: curl downloads 64 MiB, sha256 matches" live_download "http://$NSD_V4" $((64 << 20))
	check "nsd exits 0 on SIGTERM" nsd_stop
else
	skip "af_xdp" "XDP does not attach here: $(tail -1 "$NSD_LOG")"
fi

# ---- two nsd over net_memif ---------------------------------------------
setup_ns mem
sock=/rs-test-$$.sock
nsd_start "$mem" nsd-memif --driver dpdk \
	--dpdk-args "--vdev=net_memif0,role=server,socket=$sock" --addr 10.9.0.2/24 || exit 1
fetch() { # fetch BYTES: a second nsd, memif client, GETs BYTES from the first
	local out want
	want=$(nsd_body_sha "$1")
	out=$(timeout 60 ip netns exec "$mem" "$NSD" --driver dpdk \
		--dpdk-args "--vdev=net_memif1,role=client,socket=$sock" \
		--addr 10.9.0.3/24 --http-port 8080 --fetch "http://10.9.0.2/bytes/$1" 2>&1) || {
		echo "$out" | sed 's/^/# /'
		return 1
	}
	echo "$out" | grep fetched | sed 's/^/# /'
	grep -q "fetched $1 bytes .* sha256 $want" <<<"$out"
}
check "memif: nsd to nsd, 200 MiB, sha256 matches" fetch $((200 << 20))
check "memif: the client's exit is a link down for the server" \
	wait_for 5 nsd_true 'd["link"]["link_changes"] >= 2'
check "memif: the server serves the next client" fetch $((16 << 20))
check "memif: the server is alive and exits 0" nsd_stop
no_memif_file() { ! ls /run/memif.sock "$sock" >/dev/null 2>&1; }
check "memif: no socket file (abstract socket)" no_memif_file

# ---- errors ---------------------------------------------------------------
one_line_error() { # one_line_error WORD CMD...: fails with one stderr line naming WORD
	local word=$1 out err rc=0
	shift
	out=$(timeout 30 "$@" 2>"$TEST_TMP/err") || rc=$?
	err=$(cat "$TEST_TMP/err")
	printf '# exit %d, stderr: %s\n' "$rc" "$err"
	((rc != 0 && rc < 128)) && [[ $(printf '%s\n' "$err" | wc -l) -eq 1 && $err == *"$word"* ]] &&
		[[ $out != *Usage* && $out != *EAL:* ]]
}
setup_ns err
check "nsd: bad EAL arguments are one error" \
	one_line_error "unrecognized option" ip netns exec "$err" "$NSD" --driver dpdk --dpdk-args "--bogus --vdev=net_null0" --addr 10.0.0.2/24
check "nsd: a missing vdev is one error" \
	one_line_error "net_nosuch0" ip netns exec "$err" "$NSD" --driver dpdk --dpdk-args "--vdev=net_nosuch0" --addr 10.0.0.2/24
check "nsd: an interface that does not exist is one error" \
	one_line_error "nosuch0" ip netns exec "$err" "$NSD" --driver dpdk --iface nosuch0 --addr 10.0.0.2/24
check "runsc do: bad EAL arguments are one error" \
	one_line_error "unrecognized option" "$RUNSC" --net-driver=dpdk --dpdk-args "--bogus" do -- /bin/true

# ---- runsc do on DPDK ------------------------------------------------------
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
www=$(mktemp -d /var/tmp/rs-dpdk-www.XXXXXX)
defer rm -rf "$www"
chmod 755 "$www"
head -c $((32 << 20)) /dev/urandom >"$www/blob"
chmod 644 "$www/blob"
("$RUNSC" --net-driver=dpdk do -p "$port:8000" -- \
	python3 -m http.server -d "$www" 8000 >"$TEST_TMP/do.log" 2>&1) &
do_pid=$!
defer kill -9 "$do_pid"
served() { curl -s -o /dev/null --max-time 2 "http://127.0.0.1:$port/"; }
do_curl() {
	local got
	got=$(curl -sS --max-time 60 "http://127.0.0.1:$port/blob" | sha256sum | cut -d' ' -f1)
	[[ $got == $(sha256sum <"$www/blob" | cut -d' ' -f1) ]]
}
# The Sentry is runsc itself (do runs it in-process); every thread,
# EAL's included, is under the seccomp filter with no new privileges
# and has the empty root.
confined() {
	local t n=0
	for t in /proc/"$do_pid"/task/*; do
		grep -q '^Seccomp:[[:space:]]*2' "$t/status" || return 1
		grep -q '^NoNewPrivs:[[:space:]]*1' "$t/status" || return 1
		n=$((n + 1))
	done
	echo "# $n threads confined"
	((n >= 2))
}
if wait_for 20 served; then
	check "runsc do --net-driver=dpdk serves curl, 32 MiB sha256 matches" do_curl
	check "runsc do --net-driver=dpdk: every Sentry thread is confined" confined
else
	check "runsc do --net-driver=dpdk serves curl" false
	sed 's/^/# /' "$TEST_TMP/do.log" >&2
fi
kill -TERM "$do_pid" 2>/dev/null
wait "$do_pid" 2>/dev/null

no_eal_left() { (($(eal_dirs) == eal_before)); }
check "nothing left behind: no EAL runtime directory" no_eal_left
check "nothing left behind: no hugepage files" bash -c '! ls /dev/hugepages/rs* >/dev/null 2>&1'
