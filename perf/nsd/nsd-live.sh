# shellcheck shell=bash
# The live suite of tests/integration/test_nsd_{afpacket,tap}.sh: real
# clients in the kernel's namespace against a running nsd (nsd-lib.sh),
# whatever the driver. Every client call is bounded by a timeout.
#
#   nsd_live_suite CLI      CLI: the namespace of the kernel peer

# In the client's namespace.
cli() {
	ip netns exec "$NSD_CLI" "$@"
}

# host:port as socat spells it, brackets around an IPv6 address.
sockaddr() {
	if [[ $1 == *:* ]]; then
		echo "[$1]:$2"
	else
		echo "$1:$2"
	fi
}

# A file of random bytes and its sha256, made once per run.
nsd_random_file() {
	local path=$1 bytes=$2
	[[ -f $path ]] || head -c "$bytes" /dev/urandom >"$path"
}

sha_of() {
	sha256sum "$1" | cut -d' ' -f1
}

# ping answered, and the kernel learnt nsd's MAC by ARP or NDP.
live_ping() {
	local family=$1 addr=$2 mac
	wait_for 10 cli ping "-$family" -c 1 -W 1 "$addr" || return 1
	cli ping "-$family" -c 3 -i 0.2 -W 2 "$addr" >/dev/null || return 1
	mac=$(nsd_json 'd["nic"]["mac"]') || return 1
	cli ip "-$family" neigh show "$addr" | grep -q "lladdr $mac" || {
		echo "# neighbour $addr: $(cli ip "-$family" neigh show "$addr"), nsd's MAC $mac" >&2
		return 1
	}
}

live_arp_ndp_counted() {
	nsd_true 'd["stack"]["Arp.OutReplies"] > 0 and d["stack"]["Icmp6.OutNeighborAdvertisements"] > 0'
}

# UDP echo of a small datagram, and of one that IP must fragment.
live_udp_echo() {
	local addr=$1 small big got
	small="hello over UDP $addr"
	got=$(printf '%s' "$small" | cli timeout 10 socat -t 2 - "UDP:$(sockaddr "$addr" 7)") || return 1
	[[ $got == "$small" ]] || {
		echo "# UDP echo: got '$got'" >&2
		return 1
	}
	head -c 6000 /dev/urandom | base64 -w0 >"$TEST_TMP/dgram"
	cli timeout 10 socat -t 2 -b 65536 - "UDP:$(sockaddr "$addr" 7)" <"$TEST_TMP/dgram" >"$TEST_TMP/dgram.back" || return 1
	cmp -s "$TEST_TMP/dgram" "$TEST_TMP/dgram.back"
}

# TCP echo of 4 MiB: socat sends, half-closes, reads the echo to EOF.
live_tcp_echo() {
	local addr=$1
	nsd_random_file "$TEST_TMP/echo.in" $((4 << 20))
	cli timeout 30 socat -t 30 - "TCP:$(sockaddr "$addr" 7)" <"$TEST_TMP/echo.in" >"$TEST_TMP/echo.out" || return 1
	cmp -s "$TEST_TMP/echo.in" "$TEST_TMP/echo.out" || {
		echo "# echo returned $(stat -c %s "$TEST_TMP/echo.out") bytes" >&2
		return 1
	}
}

# The same with netcat (OpenBSD's): -N shuts the socket down at the end of
# its input, then nc reads until the server closes.
live_nc_echo() {
	local addr=$1 udp
	cli timeout 30 nc -N "$addr" 7 <"$TEST_TMP/echo.in" >"$TEST_TMP/nc.out" || return 1
	cmp -s "$TEST_TMP/echo.in" "$TEST_TMP/nc.out" || return 1
	udp=$(printf 'netcat datagram' | cli timeout 10 nc -u -w 1 "$addr" 7) || return 1
	[[ $udp == "netcat datagram" ]]
}

live_discard() {
	local before after
	before=$(nsd_json 'd["nsd"]["bytes_received"]') || return 1
	head -c $((8 << 20)) /dev/zero | cli timeout 30 socat -t 30 -u - "TCP:$NSD_V4:9" || return 1
	after=$(nsd_json 'd["nsd"]["bytes_received"]') || return 1
	((after - before == 8 << 20))
}

# RFC 864's lines, rotating through the 95 printable characters.
live_chargen() {
	local want got
	want=$(python3 -c '
import sys
for line in range(200):
    sys.stdout.write("".join(chr(32 + (line + i) % 95) for i in range(72)) + "\r\n")' | sha256sum)
	got=$(cli timeout 10 socat -u "TCP:$NSD_V4:19" - 2>/dev/null | head -c $((200 * 74)) | sha256sum)
	[[ $got == "$want" ]]
}

# GET /bytes/N through curl, hash compared with openssl's.
live_download() {
	local url=$1 bytes=$2 want got
	want=$(nsd_body_sha "$bytes")
	got=$(cli timeout 60 curl -sS -g --max-time 60 "$url/bytes/$bytes" | sha256sum | cut -d' ' -f1)
	[[ $got == "$want" ]] || {
		echo "# $url/bytes/$bytes: sha256 $got, want $want" >&2
		return 1
	}
}

# PUT /upload through curl (streamed from the file); nsd's reported size and hash must match.
live_upload() {
	local url=$1 file=$2 chunked=$3 reply want
	local args=(-sS -g --max-time 60 -T "$file")
	[[ $chunked == chunked ]] && args+=(-H 'Transfer-Encoding: chunked')
	reply=$(cli timeout 60 curl "${args[@]}" "$url/upload") || return 1
	want="{\"bytes\":$(stat -c %s "$file"),\"sha256\":\"$(sha_of "$file")\"}"
	[[ $reply == "$want" ]] || {
		echo "# upload: got $reply, want $want" >&2
		return 1
	}
}

# 500 connections at once: wrk holds 500 keep-alive connections; then
# curl makes 500 transfers of distinct sizes, each checked, 300 at a time
# (curl's largest --parallel-max). wrk gets the port in the URL: without
# it, wrk asks getaddrinfo for the "http" service, which needs
# /etc/services (Debian's netbase, absent from a minimal root).
live_500_wrk() {
	local out rc=0
	out=$(cli timeout 30 wrk -t 2 -c 500 -d 2s --timeout 10s "http://$NSD_V4:80/bytes/1000" 2>&1) || rc=$?
	if ((rc != 0)) || grep -qE 'Socket errors|Non-2xx' <<<"$out" || ! grep -q 'Requests/sec' <<<"$out"; then
		echo "wrk exited $rc (limit on open files: $(ulimit -n)):"
		echo "$out"
		return 1
	fi
	local peak
	peak=$(nsd_json 'd["nsd"]["conns_open_max"]') || return 1
	((peak >= 500)) || {
		echo "# at most $peak connections open at once" >&2
		return 1
	}
}

live_500_curl() {
	local urls=() i
	for ((i = 1; i <= 500; i++)); do
		urls+=(-o /dev/null "http://$NSD_V4/bytes/$((i * 37))")
	done
	cli timeout 60 curl -sS --no-progress-meter --max-time 50 --parallel --parallel-immediate --parallel-max 500 \
		-w '%{http_code} %{size_download} %{url}\n' "${urls[@]}" >"$TEST_TMP/par.out" || return 1
	local ok
	ok=$(awk '{ n = $3; sub(".*/", "", n) } $1 == 200 && $2 == n { c++ } END { print c + 0 }' "$TEST_TMP/par.out")
	((ok == 500)) || {
		echo "# $ok of 500 transfers complete and correct" >&2
		return 1
	}
}

# A client that half-closes after its request still gets the whole
# response (socat shuts its side down at stdin's end).
live_half_close() {
	local want got
	want=$(nsd_body_sha 1000000)
	got=$(printf 'GET /bytes/1000000 HTTP/1.1\r\nHost: nsd\r\n\r\n' |
		cli timeout 20 socat -t 20 - "TCP:$NSD_V4:80" | tail -c 1000000 | sha256sum | cut -d' ' -f1)
	[[ $got == "$want" ]]
}

# A download whose client is killed: its kernel resets the connection,
# and nsd counts it and closes its side.
live_peer_reset() {
	local before pid
	before=$(nsd_json 'd["nsd"]["conns_reset"]') || return 1
	# exec: $! must be curl itself, the process the kill takes down.
	(exec ip netns exec "$NSD_CLI" curl -sS -o /dev/null --max-time 60 \
		--limit-rate 2M "http://$NSD_V4/bytes/100000000000") &
	pid=$!
	# The close must be a reset: wait until curl, reading at 2 MB/s, has
	# let its receive buffer fill, which nsd sees as unacknowledged data.
	wait_for 10 nsd_true 'any(s["tx_queue"] > 0 for s in d["sockets"] if s["local"].endswith(":80") and s["state"] == "ESTABLISHED")' ||
		return 1
	kill -9 "$pid"
	wait "$pid" 2>/dev/null
	wait_for 10 nsd_true "d['nsd']['conns_reset'] > $before"
}

# An upload cut short by the client's FIN: counted as incomplete.
live_upload_cut() {
	local before
	before=$(nsd_json 'd["nsd"]["http_incomplete"]') || return 1
	{
		printf 'POST /upload HTTP/1.1\r\nHost: nsd\r\nContent-Length: 10000000\r\n\r\n'
		head -c 5000000 /dev/zero
	} | cli timeout 20 socat -t 5 - "TCP:$NSD_V4:80" >/dev/null
	wait_for 10 nsd_true "d['nsd']['http_incomplete'] > $before"
}

live_bad_request() {
	local got
	got=$(printf 'GARBAGE\r\n\r\n' | cli timeout 10 socat -t 5 - "TCP:$NSD_V4:80" | head -1)
	[[ $got == $'HTTP/1.1 400 Bad Request\r' ]]
}

nsd_live_suite() {
	NSD_CLI=$1
	local big=$((200 << 20))
	check "ping answered, kernel learnt nsd's MAC by ARP" live_ping 4 "$NSD_V4"
	check "ping -6 answered, kernel learnt nsd's MAC by NDP" live_ping 6 "$NSD_V6"
	check "ARP and NDP replies counted by the stack" live_arp_ndp_counted
	check "UDP echo over IPv4 (small, and fragmented)" live_udp_echo "$NSD_V4"
	check "UDP echo over IPv6 (small, and fragmented)" live_udp_echo "$NSD_V6"
	check "TCP echo of 4 MiB over IPv4" live_tcp_echo "$NSD_V4"
	check "TCP echo of 4 MiB over IPv6" live_tcp_echo "$NSD_V6"
	check "netcat: TCP and UDP echo over IPv4" live_nc_echo "$NSD_V4"
	check "netcat: TCP and UDP echo over IPv6" live_nc_echo "$NSD_V6"
	check "discard takes 8 MiB" live_discard
	check "chargen sends RFC 864 lines" live_chargen
	check "curl downloads 200 MiB over IPv4, sha256 matches" live_download "http://$NSD_V4" $big
	check "curl downloads 200 MiB over IPv6, sha256 matches" live_download "http://[$NSD_V6]" $big
	nsd_random_file "$TEST_TMP/up.bin" $big
	check "curl uploads 200 MiB over IPv4, nsd's sha256 matches" live_upload "http://$NSD_V4" "$TEST_TMP/up.bin" length
	check "curl uploads 200 MiB chunked over IPv6, nsd's sha256 matches" live_upload "http://[$NSD_V6]" "$TEST_TMP/up.bin" chunked
	check "wrk holds 500 concurrent connections without an error" live_500_wrk
	check "500 curl transfers, 300 in parallel, all complete and correct" live_500_curl
	check "a half-closed client gets the whole response" live_half_close
	check "a client killed mid-download: reset counted" live_peer_reset
	check "an upload cut short: counted as incomplete" live_upload_cut
	check "a malformed request gets 400" live_bad_request
	check "afterwards no connection is open and every TCP socket listens" wait_for 20 nsd_clean
	check "nothing failed inside nsd" nsd_true 'd["nsd"]["alloc_failures"] + d["nsd"]["conns_failed"] == 0'
	check "nsd exits 0 on SIGTERM" nsd_stop
}
