#!/usr/bin/env bash
# The runsc command line: user errors print one line naming the flag or the
# command and exit non-zero; help and version succeed.
# timeout: 60
. "$(dirname "$0")/lib.sh"

# expect_user_error WORD ARGS...: runsc ARGS fails with exactly one stderr
# line that mentions WORD.
expect_user_error() {
	local word=$1 err
	shift
	err=$("$RUNSC" "$@" 2>&1 >/dev/null) && return 1
	[[ $(printf '%s\n' "$err" | wc -l) -eq 1 && $err == *"$word"* ]]
}

check "help lists the commands" bash -c '"$1" help | grep -q "^  version"' _ "$RUNSC"
check "--version prints the version" bash -c '"$1" --version | grep -q "^runsc version"' _ "$RUNSC"
check "unknown command" expect_user_error "nosuch" nosuch
check "unknown flag" expect_user_error "--bogus" --bogus help
check "flag without its value" expect_user_error "--root" --root
check "bad --network" expect_user_error "--network" --network=bogus help
check "bad --net-driver" expect_user_error "--net-driver" --net-driver bogus help
check "bad --log-format" expect_user_error "--log-format" --log-format xml help
check "single-dash long flags as containerd passes them" \
	"$RUNSC" -root "$TEST_TMP/root" -log-format text version
check "unwritable --log names the file" \
	expect_user_error "/nonexistent/dir/log" --log /nonexistent/dir/log version
check "runsc boot --gofer-fd \"\" is not fd 0" expect_user_error "--gofer-fd" boot --gofer-fd "" -- /bin/true
check "runsc boot --gofer-fd overflowing is refused" \
	expect_user_error "--gofer-fd" boot --gofer-fd 4294967296 -- /bin/true
check "runsc boot --mount without an absolute DEST" \
	expect_user_error "--mount" boot --gofer-fd 0 --mount data:rw -- /bin/true
# Listed flags whose behaviour is not built yet are refused, never ignored.
check "--network none, sandbox and host are accepted" bash -c \
	'"$1" --network none version && "$1" --network sandbox version && "$1" -network=host version' _ "$RUNSC"
check "--log-format json is accepted" "$RUNSC" --log-format json version
check "--net-driver afpacket, tap and dpdk are accepted" bash -c \
	'"$1" --net-driver afpacket version && "$1" --net-driver=tap version && "$1" --net-driver=dpdk --dpdk-args="-m 64" version' _ "$RUNSC"
check "--net-driver bogus is refused" \
	expect_user_error "--net-driver" --net-driver bogus version
check "--pcap-log needs a destination" expect_user_error "--pcap-log" --pcap-log "" version
check "--pcap-filter needs --pcap-log" expect_user_error "--pcap-filter" --pcap-filter tcp version
check "a --pcap-filter that does not compile" \
	expect_user_error "--pcap-filter" --pcap-log "$TEST_TMP/p.pcap" --pcap-filter "port 99999999" version
check "--dpdk-args needs --net-driver dpdk" \
	expect_user_error "--dpdk-args" --dpdk-args -l0 version
