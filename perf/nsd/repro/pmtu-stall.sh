#!/usr/bin/env bash
# TCP PMTU bug: segments in flight when an ICMP "fragmentation needed" /
# "packet too big" arrives are retransmitted at their old size, which
# nsd's own IP layer then refuses (DF: Ip.FragFails); the connection
# hangs. New data and new connections use the new MSS. Linux re-segments
# at the current MSS on retransmission. Run as root from /work/main after
# `make all`; BUILD may point at another build directory.
# The second download of each family works: the path MTU is known when it
# starts, so its segments are small from the SYN-ACK on.
#   nsd (10.0.0.2, fd00::2) -- r1 [router] r2 (MTU 1300) -- vc (10.9.0.2, fd09::2, MTU 1500)
set -u
BUILD=${BUILD:-build}
trap 'kill $NSD 2>/dev/null; for n in pm-s pm-r pm-c; do ip netns del $n; done' EXIT
for n in pm-s pm-r pm-c; do ip netns add $n; ip -n $n link set lo up; done
ip link add vs netns pm-s type veth peer name r1 netns pm-r
ip link add r2 netns pm-r type veth peer name vc netns pm-c
ip netns exec pm-s sysctl -qw net.ipv6.conf.vs.disable_ipv6=1
ip -n pm-s link set vs up
ip -n pm-r link set r1 up
ip -n pm-r link set r2 up
ip -n pm-c link set vc up
ip -n pm-r addr add 10.0.0.1/24 dev r1
ip -n pm-r addr add 10.9.0.1/24 dev r2
ip -n pm-r addr add fd00::1/64 dev r1 nodad
ip -n pm-r addr add fd09::1/64 dev r2 nodad
ip -n pm-r link set r2 mtu 1300
ip netns exec pm-r sysctl -qw net.ipv4.ip_forward=1 net.ipv6.conf.all.forwarding=1
ip -n pm-c addr add 10.9.0.2/24 dev vc
ip -n pm-c addr add fd09::2/64 dev vc nodad
ip -n pm-c route add default via 10.9.0.1
ip -n pm-c -6 route add default via fd09::1
(exec ip netns exec pm-s "$BUILD/perf/nsd" --driver afpacket --iface vs \
	--addr 10.0.0.2/24 --addr6 fd00::2/64 --gw 10.0.0.1 --gw6 fd00::1 \
	--nodad --control /tmp/pm-repro.ctl) >/dev/null &
NSD=$!
sleep 1
for url in http://10.0.0.2 "http://[fd00::2]"; do
	for try in first second; do
		got=$(ip netns exec pm-c curl -s -g --max-time 5 -o /dev/null \
			-w '%{size_download}' "$url/zeros/5000000")
		echo "$url, $try download through the 1300-byte hop: $got of 5000000 bytes"
	done
done
socat -t 5 - UNIX-CONNECT:/tmp/pm-repro.ctl </dev/null | python3 -c '
import json, sys
s = json.load(sys.stdin)["stack"]
print({k: s[k] for k in ("Icmp.InDestUnreachs", "Icmp6.InPktTooBigs",
                         "Ip.FragFails", "Ip6.FragFails", "TcpExt.TCPTimeouts")})'

