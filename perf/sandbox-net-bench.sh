#!/usr/bin/env bash
# sandbox-net-bench: servers in the sandbox (`runsc do --network=sandbox`:
# the application on the Sentry's netstack) against the same servers run
# natively, on the same veth topology, in one invocation (root; not part
# of `make test`).
#
#   perf/sandbox-net-bench.sh [--runs N] [--seconds S] [--driver afpacket|tap]
#                             [--profile DIR]
#
# Topology: the client namespace cli; a server behind a veth pair:
#   native   the namespace srv, veth vs (10.77.0.2) -- vc (10.77.0.1) in cli:
#            the servers on the kernel's stack;
#   sandbox  runsc do run in cli with --net-subnet 10.78.0.0/24: runsc's
#            own veth (or tap) into its own namespace, the servers on the
#            netstack inside the Sentry (10.78.0.2).
# Servers pinned to CPU 1 (the Sentry and the application with them),
# clients to CPU 0.
#
# Workloads, per run and side:
#   nginx 1k   wrk -t 1 -c 50 for S seconds, GET of a 1 KiB file, req/s
#              (nginx: one worker, sendfile, keep-alive)
#   nginx 1m   the same with a 1 MiB file
#   download   iperf3 -R for S seconds (server sends), Gbit/s
#   upload     iperf3 for S seconds (server receives), Gbit/s
#   redis SET, redis GET   redis-benchmark -c 50 -n 30000, req/s
# Each run prints both sides and sandbox/native ratios; the summary gives
# the medians of the per-run ratios (the machine is shared: both sides of
# a ratio see the same load).
#
# --profile DIR records the Sentry with `perf record -g` during the
# sandbox's nginx 1k workload of each run and prints the top of the report.
set -uo pipefail

here=$(cd "$(dirname "$0")" && pwd)
BUILD=${BUILD:-$here/../build}
RUNSC=${RUNSC:-$BUILD/runsc}
runs=3 seconds=3 driver=afpacket profile=''
while (($#)); do
	case $1 in
	-h | --help)
		sed -n '2,/^set -uo/p' "$0" | sed 's/^# \{0,1\}//; /^set -uo/d'
		exit 0
		;;
	--runs | --seconds | --driver | --profile)
		(($# >= 2)) || {
			echo "sandbox-net-bench: flag \`$1\` needs a value" >&2
			exit 2
		}
		;;
	*)
		echo "sandbox-net-bench: unknown flag \`$1\`" >&2
		exit 2
		;;
	esac
	case $1 in
	--runs) runs=$2 ;;
	--seconds) seconds=$2 ;;
	--driver) driver=$2 ;;
	--profile) profile=$2 ;;
	esac
	shift 2
done
[[ $driver == afpacket || $driver == tap ]] || {
	echo "sandbox-net-bench: --driver takes afpacket or tap" >&2
	exit 2
}
[[ $runs =~ ^[1-9][0-9]?$ && $seconds =~ ^[1-9][0-9]?$ ]] || {
	echo "sandbox-net-bench: --runs and --seconds take 1 to 99" >&2
	exit 2
}
((EUID == 0)) || {
	echo "sandbox-net-bench: run as root" >&2
	exit 2
}
for c in wrk iperf3 nginx redis-server redis-benchmark python3 taskset nsenter; do
	command -v $c >/dev/null || {
		echo "sandbox-net-bench: needs $c (make deps)" >&2
		exit 2
	}
done
[[ -z $profile ]] || command -v perf >/dev/null || {
	echo "sandbox-net-bench: --profile needs perf (apt-get install linux-perf)" >&2
	exit 2
}
[[ -x $RUNSC ]] || {
	echo "sandbox-net-bench: no $RUNSC (make, or set RUNSC)" >&2
	exit 2
}
[[ -n $profile ]] && { mkdir -p "$profile" || exit 2; }

. "$here/../tests/integration/lib.sh"

SRV_CPU=1 CLI_CPU=0
setup_ns cli srv || exit 1
veth_pair "$srv" vs "$cli" vc || exit 1
ip -n "$srv" addr add 10.77.0.2/24 dev vs
ip -n "$cli" addr add 10.77.0.1/24 dev vc
NATIVE=10.77.0.2 SANDBOX=10.78.0.2

www=$TEST_TMP/www
mkdir -p "$www"
# nginx's workers run as www-data natively: they must reach the files.
chmod 755 "$TEST_TMP" "$www"
head -c 1024 /dev/urandom >"$www/1k"
head -c $((1 << 20)) /dev/urandom >"$www/1m"
cat >"$TEST_TMP/nginx.conf" <<EOF
daemon off;
worker_processes 1;
error_log /dev/stderr error;
pid /tmp/bench-nginx.pid;
events { worker_connections 1024; }
http {
	access_log off;
	sendfile on;
	tcp_nopush on;
	keepalive_requests 1000000;
	# Both sides keep the open files (a common production setting), so
	# the figures measure the network path rather than an open and a
	# stat per request (the Sentry's file paths are measured apart).
	open_file_cache max=64;
	client_body_temp_path /tmp;
	proxy_temp_path /tmp;
	fastcgi_temp_path /tmp;
	uwsgi_temp_path /tmp;
	scgi_temp_path /tmp;
	server { listen 8080; root $www; }
}
EOF
cat >"$TEST_TMP/servers.sh" <<EOF
ulimit -n 4096
nginx -c $TEST_TMP/nginx.conf &
iperf3 -s -p 5201 >/dev/null &
redis-server --port 6379 --save '' --appendonly no --protected-mode no --loglevel warning >/dev/null &
trap 'kill \$(jobs -p) 2>/dev/null; wait; exit 0' TERM
wait
EOF

client() { nsenter --net="/run/netns/$cli" taskset -c $CLI_CPU "$@"; }

# start_servers native|sandbox: sets server_pid (the process to stop).
start_servers() {
	if [[ $1 == native ]]; then
		nsenter --net="/run/netns/$srv" taskset -c $SRV_CPU \
			bash "$TEST_TMP/servers.sh" >"$TEST_TMP/native.log" 2>&1 &
	else
		nsenter --net="/run/netns/$cli" taskset -c $SRV_CPU "$RUNSC" \
			--net-driver="$driver" do --net-subnet 10.78.0.0/24 \
			--mount "$TEST_TMP=$TEST_TMP:ro" -- \
			bash "$TEST_TMP/servers.sh" >"$TEST_TMP/sandbox.log" 2>&1 &
	fi
	server_pid=$!
	defer kill -9 "$server_pid"
	local addr=$NATIVE
	[[ $1 == sandbox ]] && addr=$SANDBOX
	wait_for 30 client bash -c "echo >/dev/tcp/$addr/8080 && echo >/dev/tcp/$addr/5201 && echo >/dev/tcp/$addr/6379" || {
		echo "sandbox-net-bench: the $1 servers did not start:" >&2
		cat "$TEST_TMP/$1.log" >&2
		exit 1
	}
}

stop_servers() {
	kill -TERM "$server_pid" 2>/dev/null
	wait "$server_pid" 2>/dev/null
	# The kernel removes runsc's veth with its namespace a moment later.
	wait_for 10 bash -c "! nsenter --net=/run/netns/$cli ip -4 addr | grep -q ' 10.78.0.1/'"
}

# Requests per second; nothing when a response was not 200 (a figure for
# errors would be meaningless).
wrk_rps() { # wrk_rps ADDR FILE
	client wrk -t 1 -c 50 -d "${seconds}s" "http://$1:8080/$2" 2>/dev/null |
		awk '/Non-2xx|Socket errors/ { bad = 1 } /^Requests\/sec/ { rps = $2 }
		     END { if (!bad) print rps }'
}

iperf_gbps() { # iperf_gbps ADDR [-R]
	client iperf3 -c "$1" -p 5201 -t "$seconds" -J "${@:2}" 2>/dev/null |
		python3 -c 'import json,sys; print("%.2f" % (json.load(sys.stdin)["end"]["sum_received"]["bits_per_second"] / 1e9))' 2>/dev/null
}

redis_rps() { # redis_rps ADDR set|get
	client redis-benchmark -h "$1" -p 6379 -c 50 -n 30000 -t "$2" -q 2>/dev/null |
		tr '\r' '\n' | awk '/requests per second/ { print $2 }' | tail -1
}

metrics=(nginx_1k nginx_1m download upload redis_set redis_get)
units=(req/s req/s Gbit/s Gbit/s req/s req/s)

# measure SIDE ADDR: one value per metric into the array side_SIDE.
measure() {
	local side=$1 addr=$2 perf_pid=''
	if [[ -n $profile && $side == sandbox ]]; then
		perf record -g -F 999 -p "$server_pid" -o "$profile/sentry-run$run.data" \
			-- sleep "$seconds" >/dev/null 2>&1 &
		perf_pid=$!
	fi
	local v=()
	v+=("$(wrk_rps "$addr" 1k)")
	[[ -n $perf_pid ]] && wait "$perf_pid"
	v+=("$(wrk_rps "$addr" 1m)")
	v+=("$(iperf_gbps "$addr" -R)")
	v+=("$(iperf_gbps "$addr")")
	v+=("$(redis_rps "$addr" set)")
	v+=("$(redis_rps "$addr" get)")
	eval "side_$side=(\"\${v[@]}\")"
}

ratio() { python3 -c "import sys; a, b = sys.argv[1:]; print('%.2f' % (float(a) / float(b)) if a and b and float(b) else 'n/a')" "$1" "$2"; }

declare -A ratios
echo "sandbox-net-bench: $runs runs of ${seconds}s, --net-driver=$driver, server on CPU $SRV_CPU, client on CPU $CLI_CPU"
for ((run = 1; run <= runs; run++)); do
	start_servers native
	measure native "$NATIVE"
	stop_servers
	start_servers sandbox
	measure sandbox "$SANDBOX"
	stop_servers
	echo "run $run:"
	printf '  %-10s %12s %12s %7s\n' metric native sandbox ratio
	for i in "${!metrics[@]}"; do
		r=$(ratio "${side_sandbox[i]}" "${side_native[i]}")
		ratios[${metrics[i]}]+="$r "
		printf '  %-10s %12s %12s %7s  %s\n' "${metrics[i]}" "${side_native[i]:-?}" \
			"${side_sandbox[i]:-?}" "$r" "${units[i]}"
	done
	if [[ -n $profile && -f $profile/sentry-run$run.data ]]; then
		perf report -i "$profile/sentry-run$run.data" --no-children --stdio 2>/dev/null |
			grep -E '^ +[0-9]' | head -15 >"$profile/sentry-run$run.txt"
		echo "  where the Sentry's time goes (nginx 1k, perf report):"
		sed 's/^/    /' "$profile/sentry-run$run.txt"
	fi
done
echo "medians of the sandbox/native ratios ($runs runs):"
for m in "${metrics[@]}"; do
	med=$(python3 -c 'import statistics,sys; v=[float(x) for x in sys.argv[1:] if x != "n/a"]; print("%.2f" % statistics.median(v) if v else "n/a")' ${ratios[$m]})
	printf '  %-10s %s\n' "$m" "$med"
done
