#!/usr/bin/env bash
# The main job: a sandboxed workload on runsc's embedded defaults (the host's
# / served read-only through the gofer, a private /tmp, no network), timed
# against the same workload run natively.
#
# Then the network: nginx serving curl and wrk on the host, natively and
# in the sandbox on its own netstack, with the capture read by tcpdump.
#
# The workload is an ordinary mix: a coreutils pipeline over /usr/include, a
# C program compiled with gcc into /tmp and run, and python3 with threads and
# a subprocess. Each step's output must be the same in both runs.
set -euo pipefail
cd "$(dirname "$0")/.."
RUNSC=${RUNSC:-build/runsc}

workload=$(
	cat <<'SH'
set -e
echo "== coreutils: the largest header under /usr/include/linux"
find /usr/include/linux -name '*.h' | xargs wc -l | sort -n | tail -2 | head -1
echo "== gcc: compile into /tmp and run"
printf '#include <stdio.h>\nint main(void){long s=0;for(long i=1;i<=1000000;i++)s+=i%%7;printf("sum %%ld\\n",s);return 0;}\n' >/tmp/demo.c
gcc -O2 -o /tmp/demo /tmp/demo.c && /tmp/demo
echo "== python3: threads and a subprocess"
python3 - <<'PY'
import subprocess, threading
primes = []
lock = threading.Lock()
def count(lo, hi):
    found = [n for n in range(lo, hi) if n > 1 and all(n % d for d in range(2, int(n ** 0.5) + 1))]
    with lock:
        primes.extend(found)
threads = [threading.Thread(target=count, args=(i * 5000, (i + 1) * 5000)) for i in range(4)]
for t in threads: t.start()
for t in threads: t.join()
print("primes below 20000:", len(primes))
print("uname from a child:", subprocess.check_output(["uname", "-s"]).decode().strip())
PY
SH
)

run() {
	local label=$1 out
	shift
	local start=$(date +%s.%N)
	out=$("$@" /bin/sh -c "$workload" 2>&1) || {
		echo "$label run failed:" >&2
		echo "$out" >&2
		exit 1
	}
	local end=$(date +%s.%N)
	printf '%s\n' "$out" >"$TMPDIR_DEMO/$label"
	echo "$(echo "$end - $start" | bc)" >"$TMPDIR_DEMO/$label.time"
}

TMPDIR_DEMO=$(mktemp -d)
trap 'rm -rf "$TMPDIR_DEMO"' EXIT
run native env
run sandbox "$RUNSC" do --
cat "$TMPDIR_DEMO/sandbox"
if ! diff -u "$TMPDIR_DEMO/native" "$TMPDIR_DEMO/sandbox" >/dev/null; then
	echo "the sandboxed output differs from the native one:" >&2
	diff -u "$TMPDIR_DEMO/native" "$TMPDIR_DEMO/sandbox" >&2
	exit 1
fi
printf '== same output as native; wall time: sandbox %.2f s, native %.2f s\n' \
	"$(cat "$TMPDIR_DEMO/sandbox.time")" "$(cat "$TMPDIR_DEMO/native.time")"

# ---- The network: a web server in the sandbox on the netstack ----------
# nginx serves the same files twice: natively on the host's loopback, and
# inside a sandbox (`runsc do --network=sandbox`, the default: its own veth,
# taken over by the Sentry's netstack) published on the host's loopback
# with -p. curl and wrk on the host are the clients; the sandbox's capture
# is read back with tcpdump.
echo
echo "== network: nginx natively and in the sandbox, curl and wrk from the host"
WWW=$TMPDIR_DEMO/www
mkdir -p "$WWW"
chmod 755 "$TMPDIR_DEMO" "$WWW"
head -c $((64 << 20)) /dev/urandom >"$WWW/64m"
echo "hello from nginx" >"$WWW/index.html"
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
NATIVE_PORT=$(free_port) SANDBOX_PORT=$(free_port)
nginx_conf() { # nginx_conf LISTEN PIDFILE: one worker, the files above
	cat <<CONF
daemon off;
worker_processes 1;
error_log /dev/stderr error;
pid $2;
events { worker_connections 1024; }
http {
	access_log off;
	sendfile on;
	keepalive_requests 100000;
	open_file_cache max=64;
	client_body_temp_path /tmp;
	proxy_temp_path /tmp;
	fastcgi_temp_path /tmp;
	uwsgi_temp_path /tmp;
	scgi_temp_path /tmp;
	server { listen $1; root $WWW; }
}
CONF
}
nginx_conf "127.0.0.1:$NATIVE_PORT" "$TMPDIR_DEMO/nginx.pid" >"$TMPDIR_DEMO/native.conf"
nginx_conf 80 /tmp/nginx.pid >"$TMPDIR_DEMO/sandbox.conf" # the sandbox's own /tmp
nginx -c "$TMPDIR_DEMO/native.conf" &
native_nginx=$!
"$RUNSC" --pcap-log "$TMPDIR_DEMO/sandbox.pcap" do -p "$SANDBOX_PORT:80" \
	--mount "$TMPDIR_DEMO=$TMPDIR_DEMO:ro" -- nginx -c "$TMPDIR_DEMO/sandbox.conf" &
sandbox=$!
cleanup() {
	set +e
	kill "$native_nginx" "$sandbox" 2>/dev/null
	wait
	rm -rf "$TMPDIR_DEMO"
}
trap cleanup EXIT
for port in "$NATIVE_PORT" "$SANDBOX_PORT"; do
	for ((i = 0; i < 100; i++)); do
		curl -sf -o /dev/null "http://127.0.0.1:$port/" && break
		sleep 0.1
	done
done
echo "GET / from the sandbox: $(curl -sS "http://127.0.0.1:$SANDBOX_PORT/")"
want=$(sha256sum <"$WWW/64m" | cut -c1-16)
for side in native sandbox; do
	port=$NATIVE_PORT
	[[ $side == sandbox ]] && port=$SANDBOX_PORT
	out=$(curl -sS -w '%{speed_download}' -o "$TMPDIR_DEMO/got" "http://127.0.0.1:$port/64m")
	got=$(sha256sum <"$TMPDIR_DEMO/got" | cut -c1-16)
	rps=$(wrk -t 1 -c 20 -d 2s "http://127.0.0.1:$port/index.html" 2>/dev/null | awk '/^Requests\/sec/ { print $2 }')
	printf '%-8s 64 MiB download %6.0f MB/s (sha256 %s, %s), wrk %8.0f req/s\n' \
		"$side" "$(echo "$out / 1000000" | bc -l)" "$got" \
		"$([[ $got == "$want" ]] && echo matches || echo DIFFERS)" "$rps"
done
# SIGTERM reaches nginx in the sandbox; runsc exits with the capture
# complete.
kill -TERM "$sandbox"
wait "$sandbox" || true
pcap=$TMPDIR_DEMO/sandbox.pcap
show() { tcpdump -nr "$pcap" "$@" 2>/dev/null | head -1 | sed 's/^/  /' || true; }
echo "the sandbox's capture, read by tcpdump: $(tcpdump -nr "$pcap" 2>/dev/null | wc -l) packets; the first SYN-ACK and GET:"
show 'tcp src port 80 and tcp[tcpflags] & tcp-syn != 0 and tcp[tcpflags] & tcp-ack != 0'
show -A 'tcp dst port 80 and tcp[((tcp[12:1] & 0xf0) >> 2):4] = 0x47455420'
