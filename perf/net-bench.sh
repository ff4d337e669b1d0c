#!/usr/bin/env bash
# net-bench: the netstack (perf/nsd) against the Linux kernel on the same
# veth topology, in one run (root; not part of `make test`).
#
#   perf/net-bench.sh [--runs N] [--seconds S] [--bytes SIZE]
#                     [--drivers afpacket,tap] [--rps] [--profile DIR]
#
# Topology: namespaces srv and cli joined by the veth pair vs -- vc
# (perf/nsd/nsd-lib.sh); the client side is the kernel at 10.0.0.1. The
# server side at 10.0.0.2 is, in turn:
#   nsd       the netstack over AF_PACKET on vs (and, with --drivers tap,
#             over a tap device whose kernel side is the client);
#   kernel    the kernel itself, vs given the address: iperf3 -s for bulk
#             (the baseline the issue names), nginx (one worker, sendfile,
#             unlimited keep-alive) for requests and a second bulk figure.
# Server on CPU 1, client on CPU 0, with the machine's own TCP settings.
#
# Measures, per run:
#   download   nsd: curl GET /zeros/SIZE; kernel: iperf3 -R (and curl from
#              nginx, the same client tool, as a second baseline)
#   upload     nsd: curl PUT /discard of SIZE bytes; kernel: iperf3
#   req/s      wrk -t 1 -c 50 for S seconds, GET /bytes/1024, against nsd
#              and against nginx serving the same 1024 bytes
# and prints each run's figures and nsd/kernel ratios, then the medians.
# The machine is shared: the ratios are taken within a run, where both
# sides see the same load, before the median over runs.
#
# On this 2-CPU VM a veth reorders a bulk flow: the kernel sender
# transmits both from its process (CPU 0) and from the softirq of the
# ACKs it receives (on the peer's CPU), and veth queues each to its CPU's
# backlog. Both receivers see it; the kernel's sender then retransmits
# spuriously, more so towards nsd. --rps steers each veth end's receive
# work to its consumer's CPU (rps_cpus), which removes the reordering and
# much of the parallelism: both sides slow down. The default is the
# machine's own configuration.
#
# --profile DIR also records nsd with `perf record -g` during each
# workload and writes perf reports (the top of each is printed).
set -uo pipefail

here=$(cd "$(dirname "$0")" && pwd)
BUILD=${BUILD:-$here/../build}
runs=3 seconds=3 bytes=$((4 << 30)) drivers=afpacket profile='' rps=0
while (($#)); do
	case $1 in
	--rps)
		rps=1
		shift
		continue
		;;
	-h | --help)
		sed -n '2,/^set -uo/p' "$0" | sed 's/^# \{0,1\}//; /^set -uo/d'
		exit 0
		;;
	--runs | --seconds | --bytes | --drivers | --profile)
		(($# >= 2)) || {
			echo "net-bench: flag \`$1\` needs a value" >&2
			exit 2
		}
		;;
	*)
		echo "net-bench: unknown flag \`$1\`" >&2
		exit 2
		;;
	esac
	case $1 in
	--runs) runs=$2 ;;
	--seconds) seconds=$2 ;;
	--bytes) bytes=$(numfmt --from=iec "$2") || exit 2 ;;
	--drivers) drivers=$2 ;;
	--profile) profile=$2 ;;
	esac
	shift 2
done
[[ $drivers =~ ^(afpacket|tap)(,(afpacket|tap))?$ ]] || {
	echo "net-bench: --drivers takes afpacket, tap or both" >&2
	exit 2
}
[[ $runs =~ ^[1-9][0-9]?$ && $seconds =~ ^[1-9][0-9]?$ ]] || {
	echo "net-bench: --runs and --seconds take 1 to 99" >&2
	exit 2
}

. "$here/../tests/integration/lib.sh"
. "$here/nsd/nsd-lib.sh"
((EUID == 0)) || {
	echo "net-bench: run as root" >&2
	exit 2
}
for c in curl wrk iperf3 nginx openssl python3 taskset; do
	command -v $c >/dev/null || {
		echo "net-bench: needs $c (make deps)" >&2
		exit 2
	}
done
# --profile records with perf(1), which make deps does not install.
[[ -z $profile ]] || command -v perf >/dev/null || {
	echo "net-bench: --profile needs perf (apt-get install linux-perf)" >&2
	exit 2
}
[[ -x $NSD ]] || {
	echo "net-bench: no $NSD (make all, or set BUILD)" >&2
	exit 2
}
[[ -n $profile ]] && { mkdir -p "$profile" || exit 2; }

SRV_CPU=1 CLI_CPU=0
setup_ns srv cli || exit 1
nsd_veth "$srv" "$cli" || exit 1
if ((rps)); then
	ip netns exec "$srv" sh -c "echo $((1 << SRV_CPU)) >/sys/class/net/vs/queues/rx-0/rps_cpus" &&
		ip netns exec "$cli" sh -c "echo $((1 << CLI_CPU)) >/sys/class/net/vc/queues/rx-0/rps_cpus" ||
		exit 1
fi
if [[ $drivers == *tap* ]]; then
	setup_ns taphost || exit 1
fi

# The content both HTTP servers hand out.
www=$TEST_TMP/www
mkdir -p "$www/bytes" "$www/zeros"
chmod a+rx "$TEST_TMP" # nginx's workers run as nobody
head -c 1024 /dev/zero |
	openssl enc -aes-128-ctr -K "$NSD_BODY_KEY" -iv 00000000000000000000000000000000 \
		>"$www/bytes/1024"
truncate -s "$bytes" "$www/zeros/$bytes" "$TEST_TMP/upload" # sparse: zeros
cat >"$TEST_TMP/nginx.conf" <<EOF
daemon off;
worker_processes 1;
pid $TEST_TMP/nginx.pid;
error_log $TEST_TMP/nginx.err;
events { worker_connections 4096; }
http {
    access_log off;
    sendfile on;
    tcp_nopush on;
    keepalive_requests 1000000;
    default_type application/octet-stream;
    server { listen $NSD_V4:80; root $www; }
}
EOF

# Client commands, on the client's CPU, in namespace $1.
client() {
	local ns=$1
	shift
	ip netns exec "$ns" taskset -c $CLI_CPU "$@"
}

gbits() { # bytes per second -> Gbit/s
	awk -v b="$1" 'BEGIN { printf "%.2f", b * 8 / 1e9 }'
}

curl_down() {
	local bps
	bps=$(client "$1" curl -fsS --max-time 120 -o /dev/null -w '%{speed_download}' \
		"http://$NSD_V4/zeros/$bytes") || return 1
	gbits "$bps"
}

curl_up() {
	local bps
	bps=$(client "$1" curl -fsS --max-time 120 -o /dev/null -w '%{speed_upload}' \
		-T "$TEST_TMP/upload" "http://$NSD_V4/discard") || return 1
	gbits "$bps"
}

iperf() {
	client "$cli" iperf3 -c "$NSD_V4" -t "$seconds" -J "$@" |
		python3 -c 'import json, sys; print("%.2f" % (json.load(sys.stdin)["end"]["sum_received"]["bits_per_second"] / 1e9))'
}

rps() {
	client "$1" wrk -t 1 -c 50 -d "${seconds}s" "http://$NSD_V4:80/bytes/1024" |
		awk '/Socket errors|Non-2xx/ { bad = 1 } /^Requests\/sec/ { r = $2 } END { if (bad || r == "") exit 1; printf "%.0f", r }'
}

# serve_bg NS NAME CMD...: a server on the server CPU, $! its pid.
serve_bg() {
	local ns=$1 name=$2
	shift 2
	(exec ip netns exec "$ns" taskset -c $SRV_CPU "$@") >"$TEST_TMP/$name.log" 2>&1 &
	SERVER_PID=$!
	defer kill -9 "$SERVER_PID"
}

stop_bg() {
	kill -TERM "$SERVER_PID" 2>/dev/null
	wait "$SERVER_PID" 2>/dev/null
}

# nsd_up DRIVER: nsd on the server CPU; sets NSD_CLI_NS.
nsd_up() {
	local args=(--addr "$NSD_V4/24")
	if [[ $1 == afpacket ]]; then
		NSD_CLI_NS=$cli
		nsd_start "$srv" "nsd-$1" --driver afpacket --iface vs "${args[@]}" || return 1
	else
		NSD_CLI_NS=$taphost
		nsd_start "$taphost" "nsd-$1" --driver tap --iface nbtap0 "${args[@]}" &&
			nsd_tap_peer "$taphost" nbtap0 || return 1
	fi
	# nsd_start started it unpinned; move it (and nothing else) over.
	taskset -p -c $SRV_CPU "$NSD_PID" >/dev/null
	wait_for 10 ip netns exec "$NSD_CLI_NS" curl -s -o /dev/null "http://$NSD_V4/"
}

# profile_while NAME CMD...: perf record of nsd while CMD runs.
profile_while() {
	local name=$1
	shift
	perf record -q -g -F 999 -p "$NSD_PID" -o "$profile/$name.data" 2>/dev/null &
	local perf_pid=$!
	# perf needs a moment to attach; the workload lasts seconds, so
	# missing its first fifth of a second does not change the profile.
	sleep 0.2
	"$@" >/dev/null
	kill -INT $perf_pid
	wait $perf_pid
	perf report -i "$profile/$name.data" --stdio --no-children --percent-limit 1 \
		2>/dev/null >"$profile/$name.txt"
	echo "--- nsd during $name: top symbols (full report: $profile/$name.txt)"
	grep -E '^ +[0-9.]+%' "$profile/$name.txt" | head -15
}

declare -A fig # fig[run,what] = value
echo "net-bench: $runs runs, bulk $(numfmt --to=iec "$bytes")B, ${seconds}s per timed test," \
	"server CPU $SRV_CPU, client CPU $CLI_CPU, drivers: $drivers$( ((rps)) && echo ", veth RPS steering")"
for ((r = 1; r <= runs; r++)); do
	for d in ${drivers//,/ }; do
		nsd_up "$d" || exit 1
		fig[$r,$d.down]=$(curl_down "$NSD_CLI_NS") || exit 1
		fig[$r,$d.up]=$(curl_up "$NSD_CLI_NS") || exit 1
		fig[$r,$d.rps]=$(rps "$NSD_CLI_NS") || exit 1
		nsd_stop || echo "net-bench: nsd ($d) did not exit cleanly" >&2
	done

	ip -n "$srv" addr add "$NSD_V4/24" dev vs
	serve_bg "$srv" iperf3 iperf3 -s
	wait_for 10 ip netns exec "$cli" iperf3 -c "$NSD_V4" -t 1 -n 1 >/dev/null
	fig[$r,k.down]=$(iperf -R) || exit 1
	fig[$r,k.up]=$(iperf) || exit 1
	stop_bg
	serve_bg "$srv" nginx nginx -c "$TEST_TMP/nginx.conf"
	wait_for 10 ip netns exec "$cli" curl -sf -o /dev/null "http://$NSD_V4/bytes/1024"
	fig[$r,nginx.down]=$(curl_down "$cli") || exit 1
	fig[$r,k.rps]=$(rps "$cli") || exit 1
	stop_bg
	ip -n "$srv" addr flush dev vs

	printf 'run %d: kernel: down %s up %s Gbit/s (iperf3), down %s (nginx), %s req/s (nginx)\n' \
		"$r" "${fig[$r,k.down]}" "${fig[$r,k.up]}" "${fig[$r,nginx.down]}" "${fig[$r,k.rps]}"
	for d in ${drivers//,/ }; do
		printf 'run %d: nsd/%s: down %s up %s Gbit/s, %s req/s\n' "$r" "$d" \
			"${fig[$r,$d.down]}" "${fig[$r,$d.up]}" "${fig[$r,$d.rps]}"
	done
done

median() {
	printf '%s\n' "$@" | sort -g | awk '{ v[NR] = $1 } END { m = int((NR + 1) / 2); if (NR % 2) print v[m]; else printf "%.3f\n", (v[m] + v[m + 1]) / 2 }'
}
ratios() { # what_nsd what_kernel -> the median of per-run ratios
	local a=$1 b=$2 rs=()
	for ((r = 1; r <= runs; r++)); do
		rs+=("$(awk -v x="${fig[$r,$a]}" -v y="${fig[$r,$b]}" 'BEGIN { printf "%.3f", x / y }')")
	done
	median "${rs[@]}"
}
values() {
	local what=$1 vs=()
	for ((r = 1; r <= runs; r++)); do
		vs+=("${fig[$r,$what]}")
	done
	median "${vs[@]}"
}

echo
echo "medians over $runs runs (ratio = nsd / kernel, taken per run; targets: >= 0.5, goal 0.8):"
printf '  %-22s %10s %10s %8s\n' "" nsd kernel ratio
for d in ${drivers//,/ }; do
	printf '  %-22s %10s %10s %8s\n' "$d download Gbit/s" "$(values "$d.down")" "$(values k.down)" "$(ratios "$d.down" k.down)"
	printf '  %-22s %10s %10s %8s\n' "$d download vs nginx" "$(values "$d.down")" "$(values nginx.down)" "$(ratios "$d.down" nginx.down)"
	printf '  %-22s %10s %10s %8s\n' "$d upload Gbit/s" "$(values "$d.up")" "$(values k.up)" "$(ratios "$d.up" k.up)"
	printf '  %-22s %10s %10s %8s\n' "$d req/s (1 KiB)" "$(values "$d.rps")" "$(values k.rps)" "$(ratios "$d.rps" k.rps)"
done

if [[ -n $profile ]]; then
	echo
	for d in ${drivers//,/ }; do
		nsd_up "$d" || exit 1
		profile_while "$d-download" curl_down "$NSD_CLI_NS"
		profile_while "$d-upload" curl_up "$NSD_CLI_NS"
		profile_while "$d-requests" rps "$NSD_CLI_NS"
		nsd_stop
	done
fi
