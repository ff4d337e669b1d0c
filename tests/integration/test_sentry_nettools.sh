#!/usr/bin/env bash
# The network tools under `runsc do` see the sandbox's netstack, answered
# by the Sentry (NETLINK_ROUTE, NETLINK_SOCK_DIAG, /proc/net, /proc/sys/net,
# interface ioctls), and what they print is what Linux prints for the same
# network: each comparison runs the same command natively in a fresh
# network namespace with only lo up, the sandbox's --network=none.
# timeout: 600
. "$(dirname "$0")/lib.sh"
require_root
require_cmd ip ss unshare python3

# --network=none explicitly: runsc do defaults to a sandbox network.
sbx() { timeout 120 "$RUNSC" do --network=none -- "$@"; }
native() { unshare -n sh -c 'ip link set lo up && "$@"' _ "$@"; }

# same CMD...: the sandbox and a fresh native namespace print the same.
same() {
	local want got
	want=$(native "$@" 2>&1)
	got=$(sbx "$@" 2>&1)
	if [[ $got != "$want" ]]; then
		diff <(echo "$want") <(echo "$got") | sed 's/^/native|sandbox /'
		return 1
	fi
	echo "$got"
}

# has PATTERN CMD...: the sandbox's output of CMD matches PATTERN (grep -E).
has() {
	local pat=$1
	shift
	matches "$pat" sbx "$@"
}

# matches PATTERN CMD...: CMD's output (run as given) matches PATTERN.
matches() {
	local pat=$1 out
	shift
	out=$("$@" 2>&1)
	echo "$out"
	grep -Eq -- "$pat" <<<"$out"
}

check "ip addr is Linux's for a loopback-only namespace" same ip addr
check "ip -6 addr" same ip -6 addr
check "ip link" same ip link
check "ip -d link show lo" has "link/loopback 00:00:00:00:00:00 brd 00:00:00:00:00:00" ip -d link show lo
check "ip -s link (statistics)" same ip -s link
check "ip route (main table: empty)" same ip route
check "ip route show table all" same ip route show table all
check "ip -6 route" same ip -6 route
check "ip -6 route show table all" same ip -6 route show table all
check "ip route get 127.0.0.1" same ip route get 127.0.0.1
check "ip route get 127.1.2.3" same ip route get 127.1.2.3
check "ip -6 route get ::1" same ip -6 route get ::1
check "ip route get to an unreachable destination fails as Linux" \
	same sh -c 'ip route get 192.0.2.1; echo "rc=$?"'
check "ip neigh (empty)" same ip neigh
check "ip rule" same ip rule
check "ip netconf" same ip netconf
check "ip -d addr" same ip -d addr
check "ip -br addr and ip -j addr" same sh -c 'ip -br addr; ip -j addr'
check "bridge link (no bridge ports)" same bridge link
check "ip monitor-style membership is accepted" \
	has "^ok$" sh -c 'timeout 2 ip monitor address >/dev/null 2>&1; [ $? -eq 124 ] && echo ok'

check "ip addr add 10.9.9.9/24 dev lo, then visible in ip addr and ip route" \
	has "inet 10.9.9.9/24 scope global lo.*local 10.9.9.9 dev lo proto kernel scope host src 10.9.9.9 +broadcast 10.9.9.255 dev lo proto kernel scope link" \
	sh -c 'ip addr add 10.9.9.9/24 dev lo && ip -4 addr show dev lo | tr "\n" " " && ip route show table local | tr "\n" " "'
check "ip addr add twice: File exists; ip addr del: gone" \
	has "^RTNETLINK answers: File exists gone$" \
	sh -c 'ip addr add 10.9.9.9/24 dev lo; ip addr add 10.9.9.9/24 dev lo 2>&1 | tr -d "\n"; ip addr del 10.9.9.9/24 dev lo; ip -4 addr | grep -q 10.9.9.9 || echo " gone"'
check "ip -6 addr add and del" \
	has "inet6 fd00::5/64 scope global.*ok" \
	sh -c 'ip -6 addr add fd00::5/64 dev lo nodad && ip -6 addr show dev lo | tr "\n" " " && ip -6 addr del fd00::5/64 dev lo && echo ok'
check "ip link set lo up is accepted, down is refused" \
	has "^up=0 down=2$" sh -c 'ip link set lo up; u=$?; ip link set lo down 2>/dev/null; echo "up=$u down=$?"'
check "ip link set lo mtu changes the stack's MTU" \
	has "mtu 1500 " sh -c 'ip link set lo mtu 1500 && ip link show lo'
check "an unprivileged user cannot change addresses (EPERM)" \
	has "Operation not permitted" \
	sh -c 'exec setpriv --reuid=1000 --regid=1000 --clear-groups ip addr add 10.8.8.8/24 dev lo'

check "hostname -I" same hostname -I
check "python3 socket.if_nameindex()" same python3 -c 'import socket; print(socket.if_nameindex())'
check "getifaddrs (python3 psutil-free: the names and families)" \
	has "^lo 2 lo 10 lo 17$|^lo 17 lo 2 lo 10$" python3 -c '
import ctypes, ctypes.util, socket
class SA(ctypes.Structure): _fields_ = [("family", ctypes.c_ushort)]
class IFA(ctypes.Structure): pass
IFA._fields_ = [("next", ctypes.POINTER(IFA)), ("name", ctypes.c_char_p), ("flags", ctypes.c_uint), ("addr", ctypes.POINTER(SA))]
libc = ctypes.CDLL(ctypes.util.find_library("c"))
p = ctypes.POINTER(IFA)()
assert libc.getifaddrs(ctypes.byref(p)) == 0
out, i = [], p
while i:
    if i.contents.addr: out.append("%s %d" % (i.contents.name.decode(), i.contents.addr.contents.family))
    i = i.contents.next
print(" ".join(out))'
if command -v ifconfig >/dev/null; then
	check "ifconfig (interface ioctls and /proc/net/dev)" same ifconfig
	check "ifconfig lo up is accepted" has "^rc=0$" sh -c 'ifconfig lo up; echo "rc=$?"'
fi

for f in tcp tcp6 udp udp6 raw raw6 dev if_inet6 route arp unix sockstat6; do
	check "cat /proc/net/$f" same cat /proc/net/$f
done
check "/proc/net/snmp and netstat: Linux's fields" \
	same sh -c 'cut -d" " -f1-5 /proc/net/snmp /proc/net/netstat | head -12; awk "{print \$1}" /proc/net/snmp6 | head -40'
check "/proc/net is a link to self/net" same readlink /proc/net

# A listener started inside the same sandbox; the tools wait for it.
listen_and() {
	sbx sh -c "python3 -m http.server 8000 --bind 127.0.0.1 >/dev/null 2>&1 &
python3 -c 'import socket,time; s=socket.socket(socket.AF_INET6, socket.SOCK_DGRAM); s.bind((\"::\", 5354)); time.sleep(30)' &
i=0; while ! grep -q ':1F40 00000000:0000 0A' /proc/net/tcp; do i=\$((i+1)); [ \$i -gt 300 ] && exit 9; sleep 0.1; done
i=0; while ! grep -q ':14EA ' /proc/net/udp6; do i=\$((i+1)); [ \$i -gt 300 ] && exit 9; sleep 0.1; done
$1; kill %1 %2"
}
check "ss -tln shows the sandbox's listener (from sock_diag, backlog 5)" \
	matches "^LISTEN 0 +5 +127.0.0.1:8000 +0.0.0.0:\*" listen_and "ss -tln"
check "ss -tlnp names the process" matches 'users:\(\("python3[^"]*",pid=[0-9]+,fd=[0-9]+\)\)' listen_and "ss -tlnp"
check "ss -uan shows the UDP socket" matches '^UNCONN 0 +0 +\*:5354 +\*:\*' listen_and "ss -uan"
check "cat /proc/net/tcp shows the listener with its inode" \
	matches "0: 0100007F:1F40 00000000:0000 0A 00000000:00000000 00:00000000 00000000 +0 +0 [1-9][0-9]* 1 0000000000000000 100 0 0 10 0" \
	listen_and "cat /proc/net/tcp"
if command -v netstat >/dev/null; then
	check "netstat -tln" matches "^tcp +0 +0 127.0.0.1:8000 +0.0.0.0:\* +LISTEN" listen_and "netstat -tln"
fi

check "/proc/sys/net/ipv4/ip_local_port_range is read and written, and binds follow it" \
	has "^32768	60999 40000	40000 40000$" python3 -c '
import socket
p = "/proc/sys/net/ipv4/ip_local_port_range"
a = open(p).read().strip()
open(p, "w").write("40000 40000\n")
b = open(p).read().strip()
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); s.bind(("127.0.0.1", 0))
print(a, b, s.getsockname()[1])'
check "bad sysctl values fail with EINVAL as Linux" \
	same python3 -c '
import os
for v in ("100 200", "2000 1500", "x"):
    try:
        fd = os.open("/proc/sys/net/ipv4/ip_local_port_range", os.O_WRONLY); os.write(fd, v.encode())
    except OSError as e: print(v, e.strerror)'
check "tcp_congestion_control is cubic and takes reno" \
	has "^cubic reno$" sh -c 'a=$(cat /proc/sys/net/ipv4/tcp_congestion_control); echo reno > /proc/sys/net/ipv4/tcp_congestion_control; echo "$a $(cat /proc/sys/net/ipv4/tcp_congestion_control)"'
