#!/usr/bin/env bash
# runsc do's network, host side: the flags and their one-line errors; the
# topology while a sandbox runs (veth host end with the subnet's first
# address, the sandbox's namespace taken over: eth0 up without any
# address, route or IPv6; a tap with --net-driver tap); concurrent
# sandboxes on distinct subnets; nothing left after a normal exit or a
# SIGKILL (namespace, veth, tap, forwarder, guard); name resolution in
# the sandbox; and the -p forwarder on its own (runsc port-forward)
# against servers in a namespace: TCP with half-close both ways, resets
# both ways, a refused upstream, a bulk transfer, UDP flows and their
# idle timeout, confinement.
# timeout: 300
. "$(dirname "$0")/lib.sh"
require_root
require_cmd python3 ip nsenter ss socat

# expect_user_error WORD ARGS...: runsc ARGS fails with exactly one stderr
# line that mentions WORD, and prints nothing on stdout.
expect_user_error() {
	local word=$1 out err
	shift
	out=$(timeout 30 "$RUNSC" "$@" 2>"$TEST_TMP/err") && return 1
	err=$(cat "$TEST_TMP/err")
	printf '# stderr: %s\n' "$err"
	[[ -z $out && $(printf '%s\n' "$err" | wc -l) -eq 1 && $err == *"$word"* ]]
}

# A free TCP port on the loopback.
free_port() {
	python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'
}

alive() { # alive PID: running (a zombie counts as gone)
	local st
	st=$(ps -o stat= -p "$1" 2>/dev/null) || return 1
	[[ $st != Z* ]]
}
gone() { ! alive "$1"; }
no_link() { ! ip link show "$1" >/dev/null 2>&1; }

# sandbox_ns PID: the network namespace runsc PID made for its sandbox,
# as a path nsenter takes (runsc keeps an fd on it while it runs).
sandbox_ns() {
	local pid=$1 mine f l
	mine=$(readlink /proc/self/ns/net)
	for f in /proc/"$pid"/fd/*; do
		l=$(readlink "$f" 2>/dev/null) || continue
		if [[ $l == net:* && $l != "$mine" ]]; then
			echo "$f"
			return 0
		fi
	done
	return 1
}

# ---- flags -------------------------------------------------------------
check "--dpdk-args without --net-driver dpdk is refused clearly" \
	expect_user_error "--dpdk-args" --dpdk-args "-m 64" do -- /bin/true
check "--network bogus" expect_user_error "--network" --network bogus do -- /bin/true
check "do --network bogus" expect_user_error "--network" do --network bogus -- /bin/true
check "do --network host with a global --pcap-log" \
	expect_user_error "--network host" --pcap-log "$TEST_TMP/h.pcap" do --network host -- /bin/true
check "a bad --pcap-filter is one line before anything starts" \
	expect_user_error "--pcap-filter" --pcap-log "$TEST_TMP/x.pcap" --pcap-filter "tcp port" do -- /bin/echo ran
check "--pcap-filter without --pcap-log" \
	expect_user_error "needs --pcap-log" --pcap-filter tcp do -- /bin/true
check "--pcap-log with --network host" \
	expect_user_error "--network host" --network host --pcap-log "$TEST_TMP/h.pcap" do -- /bin/true
check "an unwritable --pcap-log names the file" \
	expect_user_error "/nonexistent/dir/c.pcap" --pcap-log /nonexistent/dir/c.pcap do -- /bin/echo ran
check "-p without SANDBOXPORT" expect_user_error "-p \`80\`" do -p 80 -- /bin/true
check "-p with a bad protocol" expect_user_error "tcp or udp" do -p 80:80/sctp -- /bin/true
check "-p with --network none" expect_user_error "needs --network sandbox" --network none do -p 8080:80 -- /bin/true
check "--net-subnet with host bits" expect_user_error "10.231.7.0/30" do --net-subnet 10.231.7.1/30 -- /bin/true
check "--net-subnet overlapping the host's addresses" \
	expect_user_error "overlaps" do --net-subnet 127.0.0.0/30 -- /bin/echo ran
check "--net-subnet too small" expect_user_error "too small" do --net-subnet 10.231.7.0/31 -- /bin/true

busy=$(free_port)
python3 -c 'import socket,sys,time
s=socket.socket(); s.bind(("127.0.0.1",int(sys.argv[1]))); s.listen(); time.sleep(60)' "$busy" &
holder=$!
defer kill "$holder"
wait_for 5 bash -c "ss -ltn | grep -q '127.0.0.1:$busy '"
check "a port in use is a one-line error before the sandbox starts" \
	expect_user_error "127.0.0.1:$busy" do -p "$busy:80" -- /bin/echo ran
check "... and leaves no veth behind" bash -c '! ip -br link | grep -q "^rsd"'" && ! pgrep -x runsc-portfwd -P $$"
check "a HOSTIP the host lacks is an error" expect_user_error "192.0.2.77" do -p 192.0.2.77:8080:80 -- /bin/true

# ---- the topology while a sandbox runs ---------------------------------
# start_sandbox VAR ARGS...: runs `runsc ARGS` in the background, sets VAR
# to its pid.
start_sandbox() {
	local var=$1
	shift
	"$RUNSC" "$@" >"$TEST_TMP/out.$var" 2>&1 &
	printf -v "$var" '%s' "$!"
	defer kill -9 "$!"
}

has_v6=0
[[ $(cat /proc/sys/net/ipv6/conf/default/disable_ipv6 2>/dev/null) == 0 ]] && has_v6=1

port=$(free_port)
start_sandbox s1 do -p "$port:80" -p "$port:53/udp" -- /bin/sleep 6
wait_for 5 bash -c "ip -br addr show rsd$s1 | grep -q '/30'"
check "the veth's host end has the subnet's first address" bash -c \
	"ip -br addr show rsd$s1 | tee /dev/stderr | grep -qE ' (10\.200|172\.29|192\.168\.200)\.[0-9]+\.[0-9]+/30'"
if ((has_v6)); then
	check "... and the first of a ULA /64" bash -c \
		"ip -br addr show rsd$s1 | grep -qE ' fd72:756e:7363:(:|[0-9a-f]+::)1/64'"
fi
check "its peer is in another namespace" bash -c "ip -d link show rsd$s1 | grep -q link-netnsid"
ns1=$(sandbox_ns "$s1")
check "the sandbox's namespace: eth0 up, no address at all" bash -c "
	nsenter --net=$ns1 ip addr | tee /dev/stderr | grep -q 'eth0@.*UP' &&
	! nsenter --net=$ns1 ip addr | grep -qE 'inet6? '"
check "... no route" bash -c "[[ -z \$(nsenter --net=$ns1 ip route; nsenter --net=$ns1 ip -6 route) ]]"
check "... and IPv6 disabled on eth0" bash -c \
	"[[ \$(nsenter --net=$ns1 cat /proc/sys/net/ipv6/conf/eth0/disable_ipv6) == 1 ]]"
fwd=$(pgrep -P "$s1" -x runsc-portfwd)
check "the forwarder listens on 127.0.0.1 (and ::1), TCP and UDP" bash -c "
	ss -ltnp | grep -q '127.0.0.1:$port .*runsc-portfwd' &&
	ss -lunp | grep -q '127.0.0.1:$port .*runsc-portfwd' &&
	{ ! ip -6 addr show lo | grep -q '::1/128' || ss -ltnp | grep -q '\[::1\]:$port .*runsc-portfwd'; }"
check "the forwarder is confined: nobody, no capabilities, seccomp" bash -c "
	[[ \$(ps -o user= -p $fwd) == nobody ]] &&
	grep -q '^CapEff:.*0000000000000000' /proc/$fwd/status &&
	grep -q '^Seccomp:.*2' /proc/$fwd/status"

start_sandbox s2 do --net-subnet 10.231.7.0/30 -- /bin/sleep 6
wait_for 5 bash -c "ip -br addr show rsd$s2 | grep -q '10.231.7.1/30'"
check "--net-subnet: the host end has its first address" bash -c \
	"ip -br addr show rsd$s2 | grep -q ' 10.231.7.1/30'"
check "two sandboxes at once have distinct subnets" bash -c "
	a=\$(ip -br -4 addr show rsd$s1 | awk '{print \$3}'); b=\$(ip -br -4 addr show rsd$s2 | awk '{print \$3}')
	[[ -n \$a && -n \$b && \$a != \$b ]]"
kids1=$(ps -o pid= --ppid "$s1" | tr '\n' ' ')
check "runsc do exits with the program's status" wait "$s1"
check "after exit: no veth, namespace, forwarder or helper left" bash -c "
	$(declare -f alive gone no_link wait_for)
	wait_for 5 no_link rsd$s1 && for p in $kids1; do wait_for 5 gone \$p || exit 1; done &&
	! ss -ltn | grep -q '127.0.0.1:$port '"
wait "$s2"

# ---- SIGKILL ---------------------------------------------------------
port=$(free_port)
start_sandbox k1 do -p "$port:80" -- /bin/sleep 60
wait_for 5 bash -c "ss -ltn | grep -q '127.0.0.1:$port '"
kids=$(ps -o pid= --ppid "$k1" | tr '\n' ' ')
kill -9 "$k1"
wait "$k1" 2>/dev/null
check "after SIGKILL: no veth, namespace, forwarder or helper left" bash -c "
	$(declare -f alive gone no_link wait_for)
	wait_for 5 no_link rsd$k1 && for p in $kids; do wait_for 5 gone \$p || exit 1; done &&
	! ss -ltn | grep -q '127.0.0.1:$port '"

# ---- tap -------------------------------------------------------------
start_sandbox t1 do --net-driver tap -- /bin/sleep 4
wait_for 5 bash -c "ip -br addr show rst$t1 | grep -q '/30'"
check "--net-driver tap: a tap in the caller's namespace with the host address" bash -c \
	"ip -d link show rst$t1 | grep -q 'tun type tap' && ip -br addr show rst$t1 | grep -q '\.1/30'"
check "... and no veth" no_link "rsd$t1"
kids=$(ps -o pid= --ppid "$t1" | tr '\n' ' ')
wait "$t1"
check "... gone after exit" bash -c "$(declare -f alive gone no_link wait_for)
	wait_for 5 no_link rst$t1 && for p in $kids; do wait_for 5 gone \$p || exit 1; done"
start_sandbox t2 --net-driver tap do -- /bin/sleep 60
wait_for 5 bash -c "ip -br addr show rst$t2 | grep -q '/30'"
kids=$(ps -o pid= --ppid "$t2" | tr '\n' ' ')
kill -9 "$t2"
wait "$t2" 2>/dev/null
check "... gone after SIGKILL" bash -c "$(declare -f alive gone no_link wait_for)
	wait_for 5 no_link rst$t2 && for p in $kids; do wait_for 5 gone \$p || exit 1; done"

# ---- none, host, capture ---------------------------------------------
start_sandbox n1 --network none do -- /bin/sleep 2
start_sandbox n2 do --network=none -- /bin/sleep 2
sleep 0.5 # the set-up of the network would be done by now: nothing to poll for
check "--network none: no topology" bash -c "no_link() { ! ip link show \"\$1\" >/dev/null 2>&1; }; no_link rsd$n1 && no_link rst$n1"
check "do --network=none: the same" bash -c "no_link() { ! ip link show \"\$1\" >/dev/null 2>&1; }; no_link rsd$n2 && no_link rst$n2"
wait "$n1"
wait "$n2"
check "--network host runs" timeout 60 "$RUNSC" --network host do -- /bin/true
check "--pcap-log FILE with --network none is created" bash -c \
	"rm -f $TEST_TMP/none.pcap; timeout 60 '$RUNSC' --network none --pcap-log $TEST_TMP/none.pcap --pcap-filter 'icmp or tcp' do -- /bin/true && [[ -f $TEST_TMP/none.pcap ]]"
mkfifo "$TEST_TMP/fifo"
check "--pcap-log FIFO waits for its reader and streams" bash -c "
	cat $TEST_TMP/fifo > $TEST_TMP/fifo.out & r=\$!
	timeout 60 '$RUNSC' --network none --pcap-log $TEST_TMP/fifo do -- /bin/true; s=\$?
	wait \$r; exit \$s"
check "--pcap-log SOCKET connects to a listening unix socket" bash -c "
	socat -u UNIX-LISTEN:$TEST_TMP/cap.sock OPEN:$TEST_TMP/sock.out,creat & r=\$!
	$(declare -f wait_for); wait_for 5 test -S $TEST_TMP/cap.sock || exit 1
	timeout 60 '$RUNSC' --network none --pcap-log $TEST_TMP/cap.sock do -- /bin/true; s=\$?
	wait \$r && exit \$s"
check "--pcap-log - (stdout)" timeout 60 "$RUNSC" --network none --pcap-log - do -- /bin/true

# ---- name resolution -------------------------------------------------
check "the sandbox's hostname is the host's" bash -c \
	"[[ \$(timeout 60 '$RUNSC' do -- /bin/hostname) == \$(hostname) ]]"
check "getent hosts localhost" timeout 60 "$RUNSC" do -- getent hosts localhost
if getent hosts "$(hostname)" >/dev/null; then
	check "getent hosts \$(hostname) answers as on the host" bash -c \
		"[[ \$(timeout 60 '$RUNSC' do -- /bin/sh -c 'getent hosts \$(hostname)') == \$(getent hosts \$(hostname)) ]]"
else
	skip "getent hosts \$(hostname)" "the host cannot resolve its own name either"
fi
check "--hostname overrides it" bash -c "[[ \$(timeout 60 '$RUNSC' do --hostname box1 -- /bin/hostname) == box1 ]]"

# ---- end to end, once the Sentry serves inet sockets -----------------
# A server in the sandbox answers N connections (dual-stack on port 8000)
# and exits, so that the capture is complete when runsc returns.
SERVER='import socket, sys
s = socket.socket(socket.AF_INET6)
s.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 0)
s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("::", 8000)); s.listen(8)
for _ in range(int(sys.argv[1])):
    c, a = s.accept(); c.recv(4096)
    c.sendall(b"HTTP/1.0 200 OK\r\nContent-Length: 5\r\n\r\nhello"); c.close()'
get() { [[ $(curl -sS -m 5 "$1") == hello ]]; }

# e2e DRIVER IF_PREFIX: the program in the sandbox is reached through -p
# on 127.0.0.1 (and ::1) and directly at its IPv4 (and IPv6) address, and
# the capture holds those connections and nothing the filter refuses.
e2e() {
	local drv=$1 pfx=$2 port pid n=2 v6=0 lo6=0 sbx4
	port=$(free_port)
	((has_v6)) && v6=1 && n=$((n + 1))
	ip -6 addr show lo | grep -q '::1/128' && lo6=1 && n=$((n + 1))
	"$RUNSC" --net-driver "$drv" --pcap-log "$TEST_TMP/$drv.pcap" --pcap-filter "tcp port 8000" \
		do -p "$port:8000" -- python3 -c "$SERVER" "$n" >"$TEST_TMP/$drv.out" 2>&1 &
	pid=$!
	defer kill -9 "$pid"
	check "$drv: -p reaches the program in the sandbox (127.0.0.1)" \
		wait_for 30 get "http://127.0.0.1:$port/"
	((lo6)) && check "$drv: ... and on ::1" get "http://[::1]:$port/"
	sbx4=$(ip -br -4 addr show "$pfx$pid" | awk '{print $3}' | cut -d/ -f1)
	sbx4=${sbx4%.*}.$((${sbx4##*.} + 1))
	check "$drv: the sandbox's IPv4 address answers ($sbx4)" get "http://$sbx4:8000/"
	if ((v6)); then
		local a6
		a6=$(ip -br -6 addr show "$pfx$pid" | grep -oE 'fd72:[0-9a-f:]+::1/64' | cut -d/ -f1)
		check "$drv: ... and its IPv6 address" get "http://[${a6%1}2]:8000/"
	fi
	check "$drv: runsc do returns when the program is done" wait "$pid"
	check "$drv: the capture holds the connections, filtered" bash -c "
		tcpdump -nr $TEST_TMP/$drv.pcap 2>/dev/null > $TEST_TMP/$drv.txt
		grep -q '\.8000: Flags \[S\]' $TEST_TMP/$drv.txt && ! grep -vq '\.8000[: ]' $TEST_TMP/$drv.txt"
	check "$drv: nothing is left" bash -c "$(declare -f no_link wait_for); wait_for 5 no_link $pfx$pid"
}
if timeout 60 "$RUNSC" --network none do -- python3 -c \
	'import socket; socket.socket(socket.AF_INET6).close()' >/dev/null 2>&1; then
	require_cmd curl tcpdump
	e2e afpacket rsd
	e2e tap rst
else
	skip "end to end through the sandbox's netstack" "the Sentry has no inet sockets yet"
fi

# ---- the forwarder on its own ----------------------------------------
setup_ns srv cli
veth_pair "$srv" vs "$cli" vc
ip -n "$srv" addr add 10.232.0.2/24 dev vs
ip -n "$cli" addr add 10.232.0.1/24 dev vc

# Servers in srv: 80 reads to EOF and answers; 81 sends a banner,
# half-closes, then records what it reads; 82 resets at once; 83 records
# whether the client reset; 84 sends 8 MiB; UDP 53 echoes.
cat >"$TEST_TMP/srv.py" <<'EOF'
import hashlib, os, socket, struct, sys, threading
out = sys.argv[1]
def serve(port, fn):
    s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.bind(("10.232.0.2", port)); s.listen(16)
    def loop():
        while True:
            c, _ = s.accept()
            threading.Thread(target=fn, args=(c,), daemon=True).start()
    threading.Thread(target=loop, daemon=True).start()
def readall(c):
    d = b""
    while True:
        x = c.recv(65536)
        if not x: return d
        d += x
def echo_after_eof(c):
    d = readall(c); c.sendall(b"got:" + d); c.close()
def banner_then_read(c):
    c.sendall(b"banner"); c.shutdown(socket.SHUT_WR)
    d = readall(c); open(out + "/81", "wb").write(d); c.close()
def reset(c):
    c.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0)); c.close()
def note_reset(c):
    try:
        readall(c); r = b"eof"
    except ConnectionResetError:
        r = b"reset"
    open(out + "/83", "wb").write(r); c.close()
blob = os.urandom(8 << 20)
open(out + "/blob.sha", "w").write(hashlib.sha256(blob).hexdigest())
def bulk(c):
    c.sendall(blob); c.close()
serve(80, echo_after_eof); serve(81, banner_then_read); serve(82, reset)
serve(83, note_reset); serve(84, bulk)
u = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); u.bind(("10.232.0.2", 53))
open(out + "/ready", "w").close()
while True:
    d, a = u.recvfrom(65536); u.sendto(b"echo:" + d, a)
EOF
ip netns exec "$srv" python3 "$TEST_TMP/srv.py" "$TEST_TMP" &
defer kill $!
wait_for 10 test -f "$TEST_TMP/ready"
ip netns exec "$cli" "$RUNSC" port-forward --to 10.232.0.2 --udp-timeout 1500 \
	-p 8080:80 -p 8081:81 -p 8082:82 -p 8083:83 -p 8084:84 -p 8085:85 -p 5353:53/udp &
pf=$!
defer kill -9 "$pf"
wait_for 5 bash -c "ip netns exec $cli ss -ltn | grep -q '127.0.0.1:8085 '"

cli_py() { ip netns exec "$cli" timeout 20 python3 -c "$@"; }
check "TCP: the client's half-close reaches the server, the answer comes back" \
	cli_py 'import socket
c = socket.create_connection(("127.0.0.1", 8080)); c.sendall(b"hello"); c.shutdown(socket.SHUT_WR)
d = b""
while True:
    x = c.recv(100)
    if not x: break
    d += x
assert d == b"got:hello", d'
check "TCP: the server's half-close reaches the client, which goes on sending" bash -c '
	cli_py() { ip netns exec '"$cli"' timeout 20 python3 -c "$@"; }
	cli_py "import socket
c = socket.create_connection((\"127.0.0.1\", 8081))
d = b\"\"
while True:
    x = c.recv(100)
    if not x: break
    d += x
assert d == b\"banner\", d
c.sendall(b\"after-fin\"); c.shutdown(socket.SHUT_WR); c.recv(1)" &&
	'"$(declare -f wait_for)"'; wait_for 5 test -s '"$TEST_TMP"'/81 && [[ $(cat '"$TEST_TMP"'/81) == after-fin ]]'
check "TCP: a server's reset reaches the client" cli_py 'import socket
c = socket.create_connection(("127.0.0.1", 8082))
try:
    c.recv(100); raise SystemExit("no reset")
except ConnectionResetError:
    pass'
check "TCP: a client's reset reaches the server" bash -c '
	ip netns exec '"$cli"' timeout 20 python3 -c "import socket, struct, time
c = socket.create_connection((\"127.0.0.1\", 8083)); c.sendall(b\"x\"); time.sleep(0.2)
c.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack(\"ii\", 1, 0)); c.close()" &&
	'"$(declare -f wait_for)"'; wait_for 5 test -s '"$TEST_TMP"'/83 && [[ $(cat '"$TEST_TMP"'/83) == reset ]]'
check "TCP: a refused upstream resets the client" cli_py 'import socket
c = socket.create_connection(("127.0.0.1", 8085))
try:
    d = c.recv(100); raise SystemExit("got %r" % d)
except ConnectionResetError:
    pass'
check "TCP: 8 MiB arrive whole through the bounded buffers" bash -c "
	[[ \$(ip netns exec $cli timeout 30 socat -u TCP:127.0.0.1:8084 - | sha256sum | cut -d' ' -f1) == \$(cat $TEST_TMP/blob.sha) ]]"
check "UDP: datagrams of two clients each come back to their sender" cli_py 'import socket
a = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); b = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
a.settimeout(5); b.settimeout(5)
a.sendto(b"a1", ("127.0.0.1", 5353)); b.sendto(b"b1", ("127.0.0.1", 5353))
assert a.recv(100) == b"echo:a1"; assert b.recv(100) == b"echo:b1"
a.sendto(b"a2", ("127.0.0.1", 5353)); assert a.recv(100) == b"echo:a2"'
flows() { ip netns exec "$cli" ss -uanp | grep -c '10.232.0.2:53 .*runsc'; }
no_flows() { [[ $(flows) == 0 ]]; }
check "UDP: a flow lives while used and closes after its idle timeout" bash -c "
	$(declare -f wait_for flows no_flows); cli=$cli
	wait_for 5 no_flows || exit 1
	ip netns exec $cli timeout 5 python3 -c 'import socket
a = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); a.settimeout(4)
a.sendto(b\"x\", (\"127.0.0.1\", 5353)); assert a.recv(9) == b\"echo:x\"' || exit 1
	[[ \$(flows) == 1 ]] && wait_for 5 no_flows"
if ip netns exec "$cli" ip -6 addr show lo | grep -q '::1/128'; then
	check "the ::1 listener forwards too" cli_py 'import socket
c = socket.create_connection(("::1", 8080)); c.sendall(b"six"); c.shutdown(socket.SHUT_WR)
assert c.recv(100) == b"got:six"'
fi
check "the forwarder is nobody under seccomp" bash -c "
	[[ \$(ps -o user= -p $pf) == nobody ]] && grep -q '^Seccomp:.*2' /proc/$pf/status"
kill "$pf"
check "it stops cleanly on SIGTERM" wait "$pf"

# Under a small fd limit the forwarder takes what fits and lets the rest
# wait in the listen backlog until connections end.
ip netns exec "$cli" bash -c 'ulimit -n 40 && exec "$1" port-forward --to 10.232.0.2 -p 8095:80' _ "$RUNSC" &
pf3=$!
defer kill -9 "$pf3"
wait_for 5 bash -c "ip netns exec $cli ss -ltn | grep -q '127.0.0.1:8095 '"
check "30 connections through a forwarder with 40 fds all complete" cli_py 'import socket
cs = [socket.create_connection(("127.0.0.1", 8095)) for _ in range(30)]
for i, c in enumerate(cs):
    c.sendall(b"n%d" % i); c.shutdown(socket.SHUT_WR)
for i, c in enumerate(cs):
    c.settimeout(10); d = b""
    while True:
        x = c.recv(100)
        if not x: break
        d += x
    assert d == b"got:n%d" % i, (i, d)'
kill -9 "$pf3"

# An upstream that never answers (no such neighbour): the client's bytes
# wait in the kernel, and the forwarder sleeps instead of spinning.
ip netns exec "$cli" "$RUNSC" port-forward --to 10.232.0.99 -p 8090:80 &
pf2=$!
defer kill -9 "$pf2"
wait_for 5 bash -c "ip netns exec $cli ss -ltn | grep -q '127.0.0.1:8090 '"
ip netns exec "$cli" timeout 10 python3 -c 'import socket, time
c = socket.create_connection(("127.0.0.1", 8090)); c.sendall(b"x" * 1000); time.sleep(3)' &
cpu_ticks() { awk '{print $14 + $15}' "/proc/$1/stat"; }
check "a pending upstream connection costs no CPU" bash -c "
	$(declare -f cpu_ticks); sleep 0.3; a=\$(cpu_ticks $pf2); sleep 1; b=\$(cpu_ticks $pf2)
	echo \"ticks in 1 s: \$((b - a))\"; ((b - a < 10))"
