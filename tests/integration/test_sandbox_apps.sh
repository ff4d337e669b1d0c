#!/usr/bin/env bash
# Real servers and clients on the sandbox's netstack: `runsc do
# --network=sandbox` in a namespace of the test's own ("the host side"),
# with each driver (afpacket, tap). Inside one sandbox: nginx (a 100 MiB
# file and small ones), python's http.server, redis-server, iperf3 -s;
# from the host side: curl (sha256 checked), wrk -c 200, redis-benchmark,
# iperf3 both ways, and curl through -p on the host side's loopback. In a
# second sandbox, clients: curl and ping to a server on the host side,
# ip addr/route, ss -tln, getaddrinfo, an asyncio echo server with 1,000
# concurrent clients; and the isolation checks. Every run writes a capture
# (--pcap-log) that tcpdump and tshark read back, with a filter, and one
# streams live through a fifo.
# timeout: 900
. "$(dirname "$0")/lib.sh"
require_root
require_cmd nginx curl wrk iperf3 redis-server redis-benchmark python3 \
	tcpdump tshark ping ss nsenter sha256sum

APPS=$(cd "$(dirname "$0")/apps" && pwd)
setup_ns hst || exit 1
# The host side: runsc runs here, so the veth's (or tap's) host end, the
# -p forwarder and every client are in this namespace, and all traffic
# stays inside namespaces the test made.
on_host() { nsenter --net="/run/netns/$hst" "$@"; }

www=$TEST_TMP/www
mkdir -p "$www"
head -c $((100 << 20)) /dev/urandom >"$www/big"
big_sha=$(sha256sum <"$www/big" | cut -d' ' -f1)
printf 'small file\n' >"$www/small.txt"
head -c 1024 /dev/urandom >"$www/1k"
cat >"$TEST_TMP/nginx.conf" <<EOF
daemon off;
worker_processes 1;
error_log /dev/stderr warn;
pid /tmp/nginx.pid;
events { worker_connections 4096; }
http {
	access_log off;
	sendfile on;
	keepalive_requests 100000;
	client_body_temp_path /tmp;
	proxy_temp_path /tmp;
	fastcgi_temp_path /tmp;
	uwsgi_temp_path /tmp;
	scgi_temp_path /tmp;
	server { listen 8080; listen [::]:8080; root $www; }
}
EOF
# The servers of the first sandbox; it ends when runsc gets SIGTERM.
cat >"$TEST_TMP/servers.sh" <<EOF
ulimit -n 8192
nginx -c $TEST_TMP/nginx.conf &
(cd $www && exec python3 -m http.server 8000 >/dev/null 2>&1) &
redis-server --port 6379 --save '' --appendonly no --protected-mode no >/dev/null &
iperf3 -s -p 5201 >/dev/null &
trap 'kill \$(jobs -p) 2>/dev/null; wait; exit 0' TERM
wait
EOF

# sandbox_start VAR DRIVER SUBNET PCAP ARGS...: starts runsc on the host
# side in the background (its pid in VAR).
sandbox_start() {
	local var=$1 driver=$2 subnet=$3 pcap=$4
	shift 4
	# nsenter (no fork for a network namespace) execs runsc: $! is
	# runsc's pid, which stop() signals.
	nsenter --net="/run/netns/$hst" "$RUNSC" --net-driver="$driver" \
		--pcap-log "$pcap" do --net-subnet "$subnet.0/24" \
		--mount "$TEST_TMP=$TEST_TMP:ro" "$@" >"$TEST_TMP/$var.out" 2>&1 &
	printf -v "$var" '%s' "$!"
	defer kill -9 "$!"
}

# stop PID: SIGTERM reaches the sandbox's init; runsc exits and completes
# its capture.
stop() {
	kill -TERM "$1" 2>/dev/null
	local i
	for ((i = 0; i < 100; i++)); do
		kill -0 "$1" 2>/dev/null || {
			wait "$1" 2>/dev/null
			return 0
		}
		sleep 0.1
	done
	return 1
}

download_big() {
	local got
	got=$(on_host curl -sS -m 120 "http://$1:8080/big" | sha256sum | cut -d' ' -f1)
	[[ $got == "$big_sha" ]] || {
		echo "sha256 $got, want $big_sha"
		return 1
	}
}

small_files() {
	local i
	for ((i = 0; i < 20; i++)); do
		[[ $(on_host curl -sS -m 10 "http://$1:8080/small.txt") == "small file" ]] || return 1
	done
}

wrk_200() {
	local out rc=0
	out=$(on_host timeout 30 wrk -t 2 -c 200 -d 2s --timeout 10s "http://$1:8080/1k" 2>&1) || rc=$?
	echo "$out"
	((rc == 0)) && grep -q 'Requests/sec' <<<"$out" && ! grep -qE 'Socket errors|Non-2xx' <<<"$out"
}

http_server() {
	on_host curl -sS -m 10 "http://$1:8000/" | grep -q 'small.txt'
}

forwarded() {
	[[ $(on_host curl -sS -m 10 "http://127.0.0.1:$1/small.txt") == "small file" ]]
}

redis_bench() {
	local out
	out=$(on_host timeout 60 redis-benchmark -h "$1" -p 6379 -n 20000 -c 50 -t set,get -q 2>&1 |
		tr '\r' '\n' | grep -v 'rps=') || {
		echo "$out"
		return 1
	}
	echo "$out"
	grep -qE '^SET: [0-9.]+ requests per second' <<<"$out" &&
		grep -qE '^GET: [0-9.]+ requests per second' <<<"$out"
}

iperf() { # iperf HOST [-R]
	local out
	out=$(on_host timeout 30 iperf3 -c "$1" -p 5201 -t 2 -f m "${@:2}" 2>&1) || {
		echo "$out"
		return 1
	}
	grep -E 'sender|receiver' <<<"$out"
	grep -qE 'receiver$' <<<"$out"
}

# The capture: tcpdump and tshark read it, the handshake towards nginx is
# in it both ways, and a filter keeps only what it names.
capture_readable() {
	local pcap=$1 s=$2 n
	n=$(tcpdump -nr "$pcap" 2>/dev/null | wc -l)
	echo "tcpdump: $n packets"
	((n > 100)) || return 1
	tshark -r "$pcap" -c 10 >/dev/null 2>&1 || return 1
	tcpdump -nr "$pcap" "tcp[tcpflags] & tcp-syn != 0 and src $s and port 8080" 2>/dev/null | grep -q . &&
		tcpdump -nr "$pcap" "tcp[tcpflags] & tcp-syn != 0 and dst $s and port 8080" 2>/dev/null | grep -q .
}

filtered_capture() {
	local pcap=$1 other
	[[ $(tcpdump -nr "$pcap" 2>/dev/null | wc -l) -gt 0 ]] || return 1
	other=$(tcpdump -nr "$pcap" 'not icmp' 2>/dev/null | wc -l)
	echo "packets that are not ICMP: $other"
	((other == 0))
}

suite() {
	local driver=$1 subnet=$2 s=$2.2 h=$2.1 port sb
	port=$((18000 + RANDOM % 1000))
	sandbox_start sb "$driver" "$subnet" "$TEST_TMP/$driver.pcap" \
		-p "$port:8080" -- bash "$TEST_TMP/servers.sh"
	if ! wait_for 30 on_host curl -sf -o /dev/null "http://$s:8080/small.txt" ||
		! wait_for 10 on_host bash -c "echo > /dev/tcp/$s/6379" ||
		! wait_for 10 on_host bash -c "echo > /dev/tcp/$s/5201" ||
		! wait_for 30 on_host bash -c "echo > /dev/tcp/$s/8000"; then
		cat "$TEST_TMP/sb.out" >&2
	fi
	check "$driver: nginx serves 100 MiB, sha256 matches" download_big "$s"
	check "$driver: nginx serves small files" small_files "$s"
	check "$driver: wrk -c 200 without an error" wrk_200 "$s"
	check "$driver: python3 -m http.server lists its directory" http_server "$s"
	check "$driver: -p $port:8080 forwards the host side's loopback" forwarded "$port"
	check "$driver: redis-benchmark SET and GET" redis_bench "$s"
	check "$driver: iperf3 to the sandbox" iperf "$s"
	check "$driver: iperf3 from the sandbox (-R)" iperf "$s" -R
	check "$driver: runsc ends on SIGTERM" stop "$sb"
	# The kernel removes the host end with the sandbox's namespace, a
	# moment after runsc exits; the next sandbox takes the same subnet.
	wait_for 10 bash -c "! nsenter --net=/run/netns/$hst ip -4 addr | grep -q ' $h/'"
	check "$driver: the capture reads back with tcpdump and tshark" \
		capture_readable "$TEST_TMP/$driver.pcap" "$s"

	# Clients inside, against a server on the host side (on every
	# address: the host end of the link exists only while a sandbox runs).
	on_host python3 -m http.server 9000 --directory "$www" >/dev/null 2>&1 &
	defer kill "$!"
	# Something on the host side's own loopback the sandbox must not
	# reach: its 127.0.0.1 is the netstack's.
	on_host python3 -m http.server 9001 --bind 127.0.0.1 --directory "$www" >/dev/null 2>&1 &
	defer kill "$!"
	wait_for 10 on_host curl -sf -o /dev/null "http://127.0.0.1:9000/small.txt"
	wait_for 10 on_host curl -sf -o /dev/null "http://127.0.0.1:9001/small.txt"
	local out
	out=$(on_host timeout 120 "$RUNSC" --net-driver="$driver" \
		--pcap-log "$TEST_TMP/$driver-icmp.pcap" --pcap-filter icmp do \
		--net-subnet "$subnet.0/24" --mount "$APPS=$APPS:ro" -- bash -c "
		echo curl: \$(curl -sS -m 10 http://$h:9000/small.txt)
		ping -c 2 -i 0.2 -W 2 $h >/dev/null && echo ping: ok
		echo addr: \$(ip -4 -br addr show eth0)
		echo route: \$(ip route show default)
		python3 -m http.server 9002 >/dev/null 2>&1 &
		for i in \$(seq 50); do ss -tln | grep -q ':9002 ' && break; sleep 0.1; done
		ss -tln | grep -q ':9002 ' && echo ss: listening
		kill %1
		python3 -c 'import socket; print(\"getaddrinfo:\", sorted({a[4][0] for a in socket.getaddrinfo(\"localhost\", 80)}))'
		curl -s -m 3 -o /dev/null http://127.0.0.1:9001/ && echo isolation: reached the host loopback
		python3 $APPS/echo_load.py 127.0.0.1 1000 3 | sed 's/^/asyncio: /'
		" 2>&1)
	echo "$out" | sed 's/^/# /'
	check "$driver: curl inside reaches a server on the host side" grep -q "^curl: small file" <<<"$out"
	check "$driver: ping inside reaches the host side" grep -q "^ping: ok" <<<"$out"
	check "$driver: ip addr shows the sandbox's address on eth0" grep -qE "^addr: eth0 +UP +$s/24" <<<"$out"
	check "$driver: ip route shows the default route via the host side" grep -q "^route: default via $h dev eth0" <<<"$out"
	check "$driver: ss -tln shows a listener inside" grep -q "^ss: listening" <<<"$out"
	check "$driver: getaddrinfo resolves localhost" grep -q "^getaddrinfo: \['127.0.0.1'" <<<"$out"
	check "$driver: the host side's loopback is out of reach" bash -c '! grep -q isolation: <<<"$1"' _ "$out"
	check "$driver: asyncio echo with 1,000 concurrent clients" grep -q "^asyncio: clients 1000 complete 1000 errors 0" <<<"$out"
	check "$driver: --pcap-filter icmp keeps only ICMP" filtered_capture "$TEST_TMP/$driver-icmp.pcap"
}

suite afpacket 10.241.1
suite tap 10.241.2

# A live capture through a fifo, read by tcpdump while the sandbox runs.
mkfifo "$TEST_TMP/live.fifo"
tcpdump -nr "$TEST_TMP/live.fifo" >"$TEST_TMP/live.txt" 2>&1 &
reader=$!
defer kill "$reader"
on_host timeout 60 "$RUNSC" --pcap-log "$TEST_TMP/live.fifo" do --network=none -- \
	bash -c 'python3 -m http.server 9003 --bind 127.0.0.1 >/dev/null 2>&1 & for i in $(seq 50); do curl -s -o /dev/null http://127.0.0.1:9003/ && break; sleep 0.1; done; kill %1' \
	>/dev/null 2>&1
wait_for 10 bash -c "! kill -0 $reader 2>/dev/null"
check "--pcap-log to a fifo: tcpdump reads the loopback's packets live" \
	grep -q '127.0.0.1.9003' "$TEST_TMP/live.txt"
