#!/usr/bin/env bash
# TCP PMTU bug: segments in flight when an ICMP "fragmentation needed" /
# "packet too big" arrives are retransmitted at their old size, which
# nsd's own IP layer then refuses (DF: Ip.FragFails); the connection
# hangs. New data and new connections use the new MSS. Linux re-segments
# at the current MSS on retransmission. Run as root from /work/main after
# `make all`; BUILD may point at another build directory.
#   nsd (10.0.0.2, vs) -- r1 [router, forwarding] r2 (MTU 1300) -- vc (10.9.0.2, MTU 1500)
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
ip -n pm-r link set r2 mtu 1300
ip netns exec pm-r sysctl -qw net.ipv4.ip_forward=1
ip -n pm-c addr add 10.9.0.2/24 dev vc
ip -n pm-c route add default via 10.9.0.1
(exec ip netns exec pm-s "$BUILD/perf/nsd" --driver afpacket --iface vs \
	--addr 10.0.0.2/24 --gw 10.0.0.1 --control /tmp/pm-repro.ctl) >/dev/null &
NSD=$!
sleep 1
got=$(ip netns exec pm-c curl -s --max-time 5 -o /dev/null -w '%{size_download}' http://10.0.0.2/zeros/5000000)
echo "first download through the 1300-byte hop: $got of 5000000 bytes"
socat - UNIX-CONNECT:/tmp/pm-repro.ctl | python3 -c '
import json, sys
s = json.load(sys.stdin)["stack"]
print({k: s[k] for k in ("Icmp.InDestUnreachs", "Ip.FragFails", "TcpExt.TCPTimeouts")})'
got=$(ip netns exec pm-c curl -s --max-time 5 -o /dev/null -w '%{size_download}' http://10.0.0.2/zeros/5000000)
echo "second download (path MTU now known): $got of 5000000 bytes"
