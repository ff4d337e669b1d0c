#!/usr/bin/env bash
# --network=host (gVisor's hostinet): the application's sockets are host
# sockets the Sentry holds in the host's network namespace. Real clients
# on the host's loopback both ways (curl, python's http.server, UDP echo),
# the host's interfaces through NETLINK_ROUTE (`ip addr`), a differential
# run of tests/sentry/t_hostnet (signals around blocking calls,
# timeouts ...), and the isolation that remains: no raw or packet
# sockets, no forbidden options, no changes to the host's interfaces, no
# host fd in an application process, which keeps its own empty network
# namespace.
# timeout: 300
. "$(dirname "$0")/lib.sh"
require_root
require_cmd python3 curl ip

BIN=$BUILD/tests/sentry
# The sandbox has its own /tmp; runsc do binds the working directory in,
# so the scripts below are run from it by relative name.
cd "$TEST_TMP" || exit 1

# How to ask for host networking: runsc's --network host once it reaches
# the Sentry, else the temporary RUNSC_TEST_NETWORK=host switch of the
# hostinet branch. Either way, a sandbox that sees the host's default
# route is using it.
defdev=$(ip route show default 2>/dev/null | awk '{print $5; exit}')
HN=("$RUNSC" --network host do)
if ! timeout 30 "${HN[@]}" -- ip -o link show 2>/dev/null |
	grep -q ": ${defdev:-lo}[:@]"; then
	HN=(env RUNSC_TEST_NETWORK=host "$RUNSC" do)
fi
echo "# host network with: ${HN[*]}"

free_port() {
	python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

www=$TEST_TMP/www
mkdir -p "$www"
echo "served from the sandbox" >"$www/sandbox.txt"
echo "served by the host" >"$www/host.txt"

# 1. A server in the sandbox, a client on the host.
port=$(free_port)
(cd "$www" && exec timeout 120 "${HN[@]}" -- python3 -m http.server "$port" \
	--bind 127.0.0.1 >"$TEST_TMP/srv.log" 2>&1) &
defer kill $!
check "a server in the sandbox answers curl on the host" wait_for 30 \
	bash -c "curl -sf http://127.0.0.1:$port/sandbox.txt | grep -qx 'served from the sandbox'"
check "the sandbox's listening socket is a host socket" \
	bash -c "ss -ltnH 'sport = :$port' | grep -q 127.0.0.1:$port"

# 2. A server on the host, a client in the sandbox.
hport=$(free_port)
(cd "$www" && exec timeout 120 python3 -m http.server "$hport" --bind 127.0.0.1 \
	>/dev/null 2>&1) &
defer kill $!
wait_for 20 curl -sf "http://127.0.0.1:$hport/host.txt"
check "curl in the sandbox reaches a server on the host's loopback" \
	bash -c '[[ $(timeout 60 "${@:2}" -- curl -sf "http://127.0.0.1:$1/host.txt") == "served by the host" ]]' \
	_ "$hport" "${HN[@]}"

# 3. UDP echo both ways.
cat >udp.py <<'EOF'
import socket, sys
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
if sys.argv[1] == "server":
    s.bind(("127.0.0.1", int(sys.argv[2])))
    while True:
        d, a = s.recvfrom(2048)
        s.sendto(d.upper(), a)
# client: retries until the server is up
s.settimeout(0.2)
for _ in range(100):
    s.sendto(b"udp-ping", ("127.0.0.1", int(sys.argv[2])))
    try:
        print(s.recvfrom(2048)[0].decode())
        break
    except socket.timeout:
        pass
EOF
uport=$(free_port)
timeout 120 python3 udp.py server "$uport" &
defer kill $!
check "UDP from the sandbox to the host and back" \
	bash -c '[[ $(timeout 60 "${@:3}" -- python3 "$1" client "$2") == UDP-PING ]]' \
	_ udp.py "$uport" "${HN[@]}"
uport2=$(free_port)
timeout 120 "${HN[@]}" -- python3 udp.py server "$uport2" &
defer kill $!
check "UDP from the host to the sandbox and back" \
	bash -c '[[ $(timeout 60 python3 "$1" client "$2") == UDP-PING ]]' \
	_ udp.py "$uport2"

# 4. The host's interfaces, read-only.
sandbox_ip=$(timeout 60 "${HN[@]}" -- ip -o addr 2>&1)
echo "$sandbox_ip" >"$TEST_TMP/ip.out"
check "ip addr in the sandbox shows the host's loopback" \
	grep -q "lo .*inet 127.0.0.1/8" "$TEST_TMP/ip.out"
if [[ -n $defdev ]]; then
	hostaddr=$(ip -o -4 addr show dev "$defdev" | awk '{print $4; exit}')
	check "ip addr in the sandbox shows the host's $defdev ($hostaddr)" \
		grep -q "$defdev .*inet ${hostaddr:-none}" "$TEST_TMP/ip.out"
fi
check "ip route in the sandbox shows the host's routes" bash -c '
	want=$(ip route show table main | grep -m1 "^default\|^127\|^[0-9]")
	echo "looking for: $want"
	timeout 60 "$@" -- ip route show table main | grep -qxF "$want"' \
	_ "${HN[@]}"
check "ip addr add is refused (EPERM) and the host is unchanged" bash -c '
	out=$(timeout 60 "$@" -- ip addr add 198.51.100.7/32 dev lo 2>&1)
	rc=$?
	echo "$out"
	((rc != 0)) && grep -q "Operation not permitted" <<<"$out" &&
		! ip addr show dev lo | grep -q 198.51.100.7' _ "${HN[@]}"
mtu=$(cat /sys/class/net/lo/mtu)
check "ip link set is refused and the host is unchanged" bash -c '
	! timeout 60 "${@:2}" -- ip link set dev lo mtu 1300 &&
		[[ $(cat /sys/class/net/lo/mtu) == "$1" ]]' _ "$mtu" "${HN[@]}"

# 5. Differential: the same socket semantics natively and sandboxed.
same_output() {
	local prog=$1 native sandboxed
	native=$(timeout 60 "$prog" 2>&1)
	sandboxed=$(timeout 60 "${HN[@]}" -- "$prog" 2>&1)
	if [[ $native != "$sandboxed" ]]; then
		diff <(printf '%s\n' "$native") <(printf '%s\n' "$sandboxed") | head -20
		return 1
	fi
	[[ -n $native ]]
}
if [[ -x $BIN/t_hostnet-static ]]; then
	for kind in static dynamic; do
		check "t_hostnet ($kind) natively and on host sockets agree" \
			same_output "$BIN/t_hostnet-$kind"
	done
else
	skip "t_hostnet differential" "programs not built ($BIN)"
fi

# 6. Isolation.
cat >forbidden.py <<'EOF'
import errno, socket
def t(name, f):
    try:
        f()
        print(name, "ALLOWED")
    except OSError as e:
        print(name, errno.errorcode[e.errno])
t("raw", lambda: socket.socket(socket.AF_INET, socket.SOCK_RAW, socket.IPPROTO_ICMP))
t("raw6", lambda: socket.socket(socket.AF_INET6, socket.SOCK_RAW, socket.IPPROTO_RAW))
t("packet", lambda: socket.socket(socket.AF_PACKET, socket.SOCK_RAW, 0))
t("netlink_audit", lambda: socket.socket(socket.AF_NETLINK, socket.SOCK_RAW, 9))
s = socket.socket()
t("so_mark", lambda: s.setsockopt(socket.SOL_SOCKET, socket.SO_MARK, 1))
t("ip_transparent", lambda: s.setsockopt(socket.SOL_IP, 19, 1))
t("so_reuseport", lambda: s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1))
t("so_rcvbufforce", lambda: s.setsockopt(socket.SOL_SOCKET, 33, 1 << 24))
t("so_priority_7", lambda: s.setsockopt(socket.SOL_SOCKET, socket.SO_PRIORITY, 7))
t("tcp_repair", lambda: s.setsockopt(socket.IPPROTO_TCP, 19, 1))
t("so_attach_filter", lambda: s.setsockopt(socket.SOL_SOCKET, 26, b"\0" * 16))
EOF
stats=$TEST_TMP/stats.json
timeout 60 "${HN[@]}" --stats "$stats" -- python3 forbidden.py \
	>"$TEST_TMP/forbidden.out" 2>&1
sed 's/^/# /' "$TEST_TMP/forbidden.out"
check "no raw or packet socket, no other netlink family" bash -c '
	grep -qx "raw EPERM" "$1" && grep -qx "raw6 EPERM" "$1" &&
	grep -Eqx "packet (EPERM|EAFNOSUPPORT)" "$1" &&
	grep -qx "netlink_audit EPROTONOSUPPORT" "$1"' _ "$TEST_TMP/forbidden.out"
check "forbidden options are refused as for an unprivileged caller" bash -c '
	grep -qx "so_mark EPERM" "$1" && grep -qx "ip_transparent EPERM" "$1" &&
	grep -qx "so_reuseport ENOPROTOOPT" "$1" &&
	grep -qx "so_rcvbufforce EPERM" "$1" &&
	grep -qx "so_priority_7 EPERM" "$1" && grep -qx "tcp_repair EPERM" "$1" &&
	grep -qx "so_attach_filter EPERM" "$1" && ! grep -q ALLOWED "$1"' \
	_ "$TEST_TMP/forbidden.out"
check "the refusals are counted" python3 -c '
import json, sys
sys.exit(0 if json.load(open(sys.argv[1]))["denied"] >= 9 else 1)' "$stats"

# A sandboxed listener: the socket is the Sentry's; the application's
# processes hold no socket and live in their own network namespace.
lport=$(free_port)
timeout 120 "${HN[@]}" -- python3 -c '
import socket, sys, time
s = socket.socket()
s.bind(("127.0.0.1", int(sys.argv[1])))
s.listen()
print("up", flush=True)
time.sleep(60)' "$lport" >"$TEST_TMP/listen.out" 2>&1 &
lpid=$!
defer kill $lpid
wait_for 30 grep -q up "$TEST_TMP/listen.out"
sentry=$(pgrep -f -P "$lpid" runsc | head -1)
descendants() {
	local p
	for p in $(pgrep -P "$1"); do
		echo "$p"
		descendants "$p"
	done
}
apps=$(descendants "$sentry" | while read -r p; do
	[[ $(readlink "/proc/$p/exe" 2>/dev/null) == *runsc* ]] || echo "$p"
done)
echo "# sentry $sentry apps: $apps"
check "the listening socket is on the host" \
	bash -c "ss -ltnH 'sport = :$lport' | grep -q 127.0.0.1:$lport"
hostns=$(readlink /proc/self/ns/net)
check "the Sentry holds the socket in the host's network namespace" bash -c '
	[[ $(readlink "/proc/$1/ns/net") == "$2" ]] &&
		find "/proc/$1/fd" -lname "socket:*" | grep -q .' _ "$sentry" "$hostns"
check "application processes hold no host socket and have their own netns" bash -c '
	[[ -n $1 ]] || exit 1
	for p in $1; do
		ns=$(readlink "/proc/$p/ns/net")
		echo "app $p: $ns"
		[[ -n $ns && $ns != "$2" ]] || exit 1
		! find "/proc/$p/fd" -lname "socket:*" | grep -q . || exit 1
	done' _ "$apps" "$hostns"
