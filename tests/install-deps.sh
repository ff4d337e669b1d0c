#!/usr/bin/env bash
# Installs every Debian package the build and the tests need. Idempotent, and
# fast when everything is present: it asks dpkg first and only calls apt-get
# for what is missing.
set -euo pipefail

packages=(
	# build
	gcc make pkg-config libc6-dev
	libseccomp-dev libjansson-dev libpcap-dev libcmocka-dev libdpdk-dev libmnl-dev
	dpdk dpdk-dev # the DPDK driver's PMDs at run time, and dpdk-testpmd
	# sanitizers, fuzzing, lint
	clang libclang-rt-14-dev clang-format cppcheck
	# integration tests and benchmarks: real peers and clients
	iproute2 iputils-ping procps kmod curl socat netcat-openbsd tcpdump tshark
	ethtool # offload switches of veth ends (tests of offload negotiation)
	iperf3 wrk nginx-light busybox-static python3
	redis-server redis-tools # sandboxed servers and their benchmark
	net-tools # netstat and ifconfig against the Sentry's /proc/net and ioctls
	libssl-dev openssl # perf/nsd: libcrypto (SHA-256, AES-CTR bodies); tests check bodies with `openssl enc`
	bash coreutils gcc bc time # the Sentry's real-program tests and benchmark
	runc # the reference runsc's OCI commands are compared with
)

missing=()
for p in "${packages[@]}"; do
	status=$(dpkg-query -W -f='${Status}' "$p" 2>/dev/null || true)
	[[ $status == "install ok installed" ]] || missing+=("$p")
done
if ((${#missing[@]} == 0)); then
	exit 0
fi
if ((EUID != 0)); then
	echo "deps: missing packages: ${missing[*]}; run 'make deps' as root" >&2
	exit 1
fi
echo "deps: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
# A fresh machine has no package lists yet; a failed install retries after
# refreshing them in case the lists are stale.
if ! apt-get install -y -q --no-install-recommends "${missing[@]}" >/tmp/deps-apt.log 2>&1; then
	apt-get update -q >>/tmp/deps-apt.log 2>&1
	apt-get install -y -q --no-install-recommends "${missing[@]}" >>/tmp/deps-apt.log 2>&1 || {
		tail -20 /tmp/deps-apt.log >&2
		echo "deps: apt-get install failed (log: /tmp/deps-apt.log)" >&2
		exit 1
	}
fi
