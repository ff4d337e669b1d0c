#!/usr/bin/env bash
# perf/nsd as a program: bad flags print one line naming the flag and exit
# 2; a link or control socket that cannot be set up is one line and exit
# 1; --max-conns pauses accepting and resumes; --idle-timeout closes
# silent connections; the link going down and up is survived; SIGUSR1 prints
# the stats; SIGTERM ends with status 0; a SYN flood from spoofed sources
# leaves real clients served (SYN cookies) and memory bounded.
# timeout: 120
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/../../perf/nsd/nsd-lib.sh"

require_root
require_cmd socat python3 ping
[[ -x $NSD ]] || {
	skip "$(basename "$0")" "no $NSD (make all)"
	exit 0
}

# refused WANT_STATUS WANT_TEXT ARGS...: nsd exits with WANT_STATUS and
# exactly one line on stderr that contains WANT_TEXT.
refused() {
	local status=$1 text=$2 rc=0
	shift 2
	ip netns exec "$srv" "$NSD" "$@" >"$TEST_TMP/out" 2>"$TEST_TMP/err" </dev/null || rc=$?
	if ((rc != status)) || [[ $(wc -l <"$TEST_TMP/err") != 1 ]] ||
		! grep -qF -- "$text" "$TEST_TMP/err"; then
		echo "# nsd $*: status $rc, stderr:" >&2
		sed 's/^/#   /' "$TEST_TMP/err" >&2
		return 1
	fi
}

setup_ns srv cli
nsd_veth "$srv" "$cli"
base=(--driver afpacket --iface vs --addr "$NSD_V4/24")

usage_ok() {
	"$NSD" --help | grep -q "^usage: nsd"
}
check "--help prints the usage and exits 0" usage_ok
check "no flags: --driver is required" refused 2 "--driver is required"
check "unknown flag" refused 2 "--bogus" "${base[@]}" --bogus
check "flag without its value" refused 2 "--addr" "${base[@]}" --addr
check "bad IPv4 address" refused 2 "--addr \`10.0.0.256/24\`" --driver afpacket --iface vs --addr 10.0.0.256/24
check "bad IPv6 prefix" refused 2 "--addr6 \`fd00::2/200\`" "${base[@]}" --addr6 fd00::2/200
check "bad gateway" refused 2 "--gw \`nope\`" "${base[@]}" --gw nope
check "--pcap-filter without --pcap" refused 2 "--pcap-filter" "${base[@]}" --pcap-filter tcp
check "--http-port on a taken port" refused 2 "--http-port 19" "${base[@]}" --http-port 19
check "--max-conns 0" refused 2 "--max-conns" "${base[@]}" --max-conns 0
check "--driver tap without --iface" refused 2 "--iface" --driver tap
check "a missing interface names it" refused 1 "nosuch0" --driver afpacket --iface nosuch0
check "a bad driver spec names the option" refused 1 "mode" --driver afpacket:iface=vs,mode=fast
check "a bad fault rate names it" refused 1 "drop" "${base[@]}" --fault drop=150%
check "a filter that does not compile names it" refused 1 "filter" "${base[@]}" --pcap "$TEST_TMP/x.pcap" --pcap-filter "tcp port"
check "a gateway off every prefix" refused 1 "--gw" "${base[@]}" --gw 192.0.2.1
touch "$TEST_TMP/plain"
check "a control path that is not a socket" refused 1 "not a socket" "${base[@]}" --control "$TEST_TMP/plain"

# Limits: three connections at most, idle ones reset after a second.
nsd_start "$srv" limits "${base[@]}" --max-conns 3 --idle-timeout 1 || exit 1
pids=()
for _ in 1 2 3 4 5; do
	# Silent clients: connected, sending nothing, for up to 20 s.
	(exec ip netns exec "$cli" socat -T 20 -u "TCP:$NSD_V4:7" /dev/null) 2>/dev/null &
	pids+=($!)
done
defer kill "${pids[@]}"
check "--max-conns: three served, accepting paused" \
	wait_for 10 nsd_true 'd["nsd"]["conns_open"] == 3 and d["nsd"]["accept_paused"] >= 1'
check "--idle-timeout: all five closed in turn, none left" \
	wait_for 20 nsd_true 'd["nsd"]["conns_accepted"] == 5 and d["nsd"]["conns_idle_closed"] == 5 and d["nsd"]["conns_open"] == 0'
check "the stack holds no connection afterwards" wait_for 10 nsd_clean

# A client that stops reading chargen: its data is stuck, so the idle
# timeout resets the connection and the stack lets it go at once.
rsts=$(nsd_json 'd["stack"]["Tcp.OutRsts"]')
# (sleep reads nothing: the pipe fills, then socat, then the window.)
ip netns exec "$cli" sh -c "socat -u TCP:$NSD_V4:19 - | sleep 20" 2>/dev/null &
check "a peer that stops reading is reset by the idle timeout" \
	wait_for 20 nsd_true "d['nsd']['conns_idle_closed'] == 6 and d['stack']['Tcp.OutRsts'] > $rsts"
check "... and the stack holds no connection afterwards" wait_for 10 nsd_clean

# The link goes down and comes back.
ip -n "$srv" link set vs down
check "the link going down is counted, nsd runs on" \
	wait_for 10 nsd_true 'd["nsd"]["link_down"] >= 1'
ip -n "$srv" link set vs up
check "ping answered again once the link is up" \
	wait_for 10 ip netns exec "$cli" ping -c 1 -W 1 "$NSD_V4"

kill -USR1 "$NSD_PID"
check "SIGUSR1 prints the stats as JSON on stderr" \
	wait_for 10 grep -q '^{"nsd":{' "$NSD_LOG"
check "nsd exits 0 on SIGTERM" nsd_stop
check "the control socket is removed at exit" test ! -e "$NSD_CTL"

# A flood of SYNs from addresses that never answer ARP, by a raw socket.
cat >"$TEST_TMP/synflood.py" <<'PY'
import random, socket, struct, sys

def csum(b):
    s = sum(struct.unpack("!%dH" % (len(b) // 2), b))
    s = (s >> 16) + (s & 0xFFFF)
    return ~(s + (s >> 16)) & 0xFFFF

raw = socket.socket(socket.AF_INET, socket.SOCK_RAW, socket.IPPROTO_RAW)
dst = socket.inet_aton(sys.argv[1])
for i in range(int(sys.argv[2])):
    src = socket.inet_aton("10.0.0.%d" % random.randint(100, 250))
    tcp = struct.pack("!HHIIBBHHH", random.randint(1024, 65535), 80,
                      random.getrandbits(32), 0, 5 << 4, 0x02, 64240, 0, 0)
    pseudo = src + dst + struct.pack("!BBH", 0, 6, len(tcp))
    tcp = tcp[:16] + struct.pack("!H", csum(pseudo + tcp)) + tcp[18:]
    ip = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 40, i & 0xFFFF, 0, 64, 6, 0,
                     src, dst)
    raw.sendto(ip + tcp, (sys.argv[1], 0))
PY

# Three requests in a row, each answered.
served() {
	local _
	for _ in 1 2 3; do
		ip netns exec "$cli" curl -fsS --max-time 5 -o /dev/null \
			"http://$NSD_V4/bytes/1000" || return 1
	done
}

rss_below_mib() {
	local kib
	kib=$(awk '/^VmRSS:/ { print $2 }' "/proc/$NSD_PID/status") || return 1
	((kib < $1 * 1024)) || {
		echo "# nsd's RSS is $kib KiB" >&2
		return 1
	}
}

nsd_start "$srv" flood "${base[@]}" || exit 1
check "20000 spoofed SYNs sent" \
	ip netns exec "$cli" timeout 60 python3 "$TEST_TMP/synflood.py" "$NSD_V4" 20000
check "real clients are served during the flood" served
check "the SYN queue is full and SYN cookies were used" \
	nsd_true 'd["socket_states"]["tcp"].get("SYN-RECV", 0) > 0 and d["stack"]["TcpExt.SyncookiesSent"] > 0 and d["stack"]["TcpExt.SyncookiesRecv"] > 0'
check "nsd's memory stays bounded (under 100 MiB)" rss_below_mib 100
check "nsd exits 0 on SIGTERM after the flood" nsd_stop
