#!/usr/bin/env bash
# perf/nsd's capture and fault injection, over AF_PACKET and over tap:
# - the pcap file of a run stopped with SIGTERM is complete: tcpdump -r
#   and tshark -r read it without error, it shows both directions and the
#   TCP handshake, and a --pcap-filter expression keeps only the frames it
#   matches;
# - with the fault injector dropping and reordering 2% of the frames each
#   way, a download and an upload of 32 MiB still arrive byte-identical,
#   and the counters show the faults happened and TCP repaired them.
# timeout: 300
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/../../perf/nsd/nsd-lib.sh"

require_root
require_cmd curl tcpdump tshark openssl python3 ping socat
[[ -x $NSD ]] || {
	skip "$(basename "$0")" "no $NSD (make all)"
	exit 0
}

setup_ns srv cli host
nsd_veth "$srv" "$cli"

# start_on DRIVER NAME ARGS...: nsd on the veth (afpacket) or on a tap
# device (tap, whose kernel side is configured anew each time); sets CLI.
start_on() {
	local driver=$1 name=$2
	shift 2
	if [[ $driver == afpacket ]]; then
		CLI=$cli
		nsd_start "$srv" "$name" --driver afpacket --iface vs \
			--addr "$NSD_V4/24" --addr6 "$NSD_V6/64" "$@"
	else
		CLI=$host
		nsd_start "$host" "$name" --driver tap --iface nsdcap0 \
			--addr "$NSD_V4/24" --addr6 "$NSD_V6/64" "$@" &&
			nsd_tap_peer "$host" nsdcap0
	fi
}

cli() {
	ip netns exec "$CLI" "$@"
}

quiet() {
	"$@" >/dev/null
}

# tshark's count of frames in FILE matching the display filter.
frames() {
	tshark -r "$1" -Y "$2" 2>/dev/null | wc -l
}

reads_cleanly() {
	local file=$1 n
	n=$(tcpdump -r "$file" -nn 2>/dev/null | wc -l) || return 1
	tcpdump -r "$file" -nn >/dev/null 2>&1 || return 1
	tshark -r "$file" >/dev/null 2>"$TEST_TMP/tshark.err" || {
		sed 's/^/# /' "$TEST_TMP/tshark.err" >&2
		return 1
	}
	# tshark complains on stderr about a cut-off last record.
	! grep -qi 'cut short\|appears to be damaged' "$TEST_TMP/tshark.err" &&
		((n > 10))
}

shows_handshake() {
	local file=$1
	(($(frames "$file" "tcp.flags.syn==1 && tcp.flags.ack==0 && ip.dst==$NSD_V4 && tcp.dstport==80") >= 1)) &&
		(($(frames "$file" "tcp.flags.syn==1 && tcp.flags.ack==1 && ip.src==$NSD_V4 && tcp.srcport==80") >= 1)) &&
		(($(frames "$file" "tcp.flags.fin==1 && ip.src==$NSD_V4") >= 1)) &&
		(($(frames "$file" "ip.src==$PEER_V4 && tcp.len > 0") >= 1)) &&
		(($(frames "$file" "ip.src==$NSD_V4 && tcp.len > 0") >= 1))
}

only_filtered() {
	local file=$1
	(($(frames "$file" "!icmp") == 0)) &&
		(($(frames "$file" "icmp.type==8") == 3)) &&
		(($(frames "$file" "icmp.type==0") == 3))
}

body_ok() {
	local bytes=$1 got
	got=$(cli timeout 60 curl -sS --max-time 60 "http://$NSD_V4/bytes/$bytes" | sha256sum | cut -d' ' -f1)
	[[ $got == "$(nsd_body_sha "$bytes")" ]]
}

upload_ok() {
	local file=$1 reply
	reply=$(cli timeout 60 curl -sS --max-time 60 -T "$file" "http://$NSD_V4/upload") || return 1
	[[ $reply == "{\"bytes\":$(stat -c %s "$file"),\"sha256\":\"$(sha256sum "$file" | cut -d' ' -f1)\"}" ]] || {
		echo "# upload reply: $reply" >&2
		return 1
	}
}

faults_happened() {
	nsd_true 'd["link"]["fault_tx_dropped"] > 0 and d["link"]["fault_rx_dropped"] > 0 and d["link"]["fault_tx_reordered"] > 0 and d["link"]["fault_rx_reordered"] > 0 and d["stack"]["Tcp.RetransSegs"] > 0'
}

head -c $((32 << 20)) /dev/urandom >"$TEST_TMP/up.bin"
for driver in afpacket tap; do
	pcap=$TEST_TMP/$driver.pcap
	start_on $driver cap-$driver --pcap "$pcap" || exit 1
	check "$driver: traffic while capturing" body_ok 100000
	check "$driver: nsd exits 0 on SIGTERM" nsd_stop
	check "$driver: tcpdump and tshark read the capture" reads_cleanly "$pcap"
	check "$driver: the capture shows the handshake and both directions" shows_handshake "$pcap"

	pcap=$TEST_TMP/$driver-icmp.pcap
	start_on $driver filt-$driver --pcap "$pcap" --pcap-filter icmp || exit 1
	check "$driver: ping while capturing ICMP only" quiet cli ping -c 3 -i 0.2 -W 2 "$NSD_V4"
	check "$driver: HTTP while capturing ICMP only" body_ok 100000
	check "$driver: nsd exits 0 on SIGTERM" nsd_stop
	check "$driver: the filter kept exactly the echo requests and replies" only_filtered "$pcap"

	start_on $driver fault-$driver --fault drop=2%,reorder=2%,seed=7 || exit 1
	check "$driver: 32 MiB download byte-identical at 2% loss and reordering" body_ok $((32 << 20))
	check "$driver: 32 MiB upload byte-identical at 2% loss and reordering" upload_ok "$TEST_TMP/up.bin"
	check "$driver: frames were dropped and reordered, TCP retransmitted" faults_happened
	check "$driver: nsd exits 0 on SIGTERM" nsd_stop
done
