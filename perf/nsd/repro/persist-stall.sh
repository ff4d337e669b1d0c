#!/usr/bin/env bash
# TCP persist-timer bug: a window smaller than one MSS with nothing in
# flight arms no timer, so a lost window update stalls the connection for
# good. Linux (tcp_check_probe_timer) arms probe0 whenever data waits and
# nothing is in flight, whatever the window. Run as root from /work/main
# after `make all`; BUILD may point at another build directory.
set -u
BUILD=${BUILD:-build}
trap 'kill $NSD 2>/dev/null; ip netns del rp-s; ip netns del rp-c' EXIT
ip netns add rp-s && ip netns add rp-c
ip link add vs netns rp-s type veth peer name vc netns rp-c
ip netns exec rp-s sysctl -qw net.ipv6.conf.vs.disable_ipv6=1
ip -n rp-s link set vs up && ip -n rp-c link set vc up
ip -n rp-c addr add 10.0.0.1/24 dev vc
(exec ip netns exec rp-s "$BUILD/perf/nsd" --driver afpacket --iface vs --addr 10.0.0.2/24) >/dev/null &
NSD=$!
sleep 0.5
ip netns exec rp-c python3 - <<'PY'
import socket, subprocess, time
s = socket.create_connection(("10.0.0.2", 80))
s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 65536)   # a small window
s.sendall(b"GET /zeros/50000000 HTTP/1.1\r\nHost: x\r\n\r\n")
got = 0
while got < 1_000_000:
    got += len(s.recv(65536))
time.sleep(2)            # buffer full: Linux advertises "win 1" (128 bytes), not 0
subprocess.run(["ip", "link", "set", "vc", "down"])
time.sleep(0.5)
s.settimeout(0.2)
try:                     # reading sends the one window update: lost
    while True:
        got += len(s.recv(1 << 20))
except socket.timeout:
    pass
subprocess.run(["ip", "link", "set", "vc", "up"])
s.settimeout(15)
try:
    while got < 50_000_000:
        d = s.recv(1 << 20)
        if not d:
            break
        got += len(d)
    print("recovered: %d bytes" % got)
except socket.timeout:
    print("BUG: stalled at %d bytes, no segment from nsd in 15 s" % got)
PY
