# Shared helpers for integration tests; source it from a test_*.sh script.
# Model: the Linux kernel's tools/testing/selftests/net/lib.sh.
#
# Results are TAP lines ("ok N - name", "not ok N - name") that
# tests/run-tests.sh counts. Every namespace, process and file a test creates
# is registered with `defer` and torn down by an EXIT trap, so a failing or
# interrupted test leaves nothing behind.
#
#   setup_ns a b            creates namespaces "a-XXXXXXXX", "b-XXXXXXXX" and
#                           sets $a and $b to their names (loopback up)
#   veth_pair NS1 IF1 NS2 IF2   veth between two namespaces (links up)
#   defer CMD ARGS...       runs CMD at exit, last registered first
#   wait_for SECS CMD...    polls CMD until it succeeds or SECS pass
#   check NAME CMD...       runs CMD, prints a TAP result for NAME and CMD's
#                           output as comments
#   skip NAME REASON        prints a TAP skip
#   require_root, require_cmd CMD...   skip the whole script when unmet

set -u

RUNSC=${RUNSC:-$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)/build/runsc}
BUILD=${BUILD:-$(dirname "$RUNSC")}
TEST_TMP=$(mktemp -d /tmp/rstest.XXXXXX)

__tap_n=0
__tap_failed=0
__deferred=()
__all_ns=()

defer() {
	local cmd
	printf -v cmd '%q ' "$@"
	__deferred+=("$cmd")
}

__run_deferred() {
	local i
	for ((i = ${#__deferred[@]} - 1; i >= 0; i--)); do
		eval "${__deferred[i]}" >/dev/null 2>&1 || true
	done
	__deferred=()
}

cleanup_all_ns() {
	local ns
	for ns in "${__all_ns[@]}"; do
		# Kill anything still running inside before deleting the namespace.
		ip netns pids "$ns" 2>/dev/null | xargs -r kill -9 2>/dev/null
		ip netns del "$ns" >/dev/null 2>&1
	done
	__all_ns=()
}

__exit_handler() {
	local rc=$?
	__run_deferred
	cleanup_all_ns
	rm -rf "$TEST_TMP"
	if ((rc == 0 && __tap_failed > 0)); then
		rc=1
	fi
	exit $rc
}
trap __exit_handler EXIT
trap 'exit 130' INT TERM

# setup_ns VAR...: a namespace per VAR, named VAR-<random>, loopback up.
setup_ns() {
	local var ns
	for var in "$@"; do
		ns="$var-$(mktemp -u XXXXXXXX)"
		ip netns add "$ns" || {
			echo "# setup_ns: cannot create $ns" >&2
			return 1
		}
		__all_ns+=("$ns")
		ip -n "$ns" link set lo up
		# Namespaces start with forwarding off and DAD on; tests that need
		# otherwise say so themselves.
		printf -v "$var" '%s' "$ns"
	done
}

# veth_pair NS1 IF1 NS2 IF2: a veth pair with one end in each namespace.
veth_pair() {
	local ns1=$1 if1=$2 ns2=$3 if2=$4
	ip link add "$if1" netns "$ns1" type veth peer name "$if2" netns "$ns2" || return 1
	ip -n "$ns1" link set "$if1" up
	ip -n "$ns2" link set "$if2" up
}

# wait_for SECS CMD...: polls CMD every 50 ms until it succeeds (0) or the
# deadline passes (1). The condition, not a sleep, is the synchronisation.
wait_for() {
	local deadline=$((SECONDS + $1))
	shift
	while ! "$@" >/dev/null 2>&1; do
		((SECONDS >= deadline)) && return 1
		sleep 0.05
	done
}

# check NAME CMD...: runs CMD in this shell (variables it sets stay set)
# with its output in a file, then prints the TAP result. Whatever CMD
# printed follows as "# " comment lines, so a failing check always shows
# what it saw (a passing one may print measurements the same way).
check() {
	local name=$1 log=$TEST_TMP/check.log rc
	shift
	__tap_n=$((__tap_n + 1))
	"$@" >"$log" 2>&1
	rc=$?
	if ((rc == 0)); then
		echo "ok $__tap_n - $name"
	else
		__tap_failed=$((__tap_failed + 1))
		echo "not ok $__tap_n - $name (exit $rc)"
	fi
	sed 's/^/# /' "$log"
}

skip() {
	__tap_n=$((__tap_n + 1))
	echo "ok $__tap_n - $1 # SKIP $2"
}

require_root() {
	if ((EUID != 0)); then
		skip "$(basename "$0")" "needs root"
		exit 0
	fi
}

require_cmd() {
	local c
	for c in "$@"; do
		if ! command -v "$c" >/dev/null; then
			skip "$(basename "$0")" "needs $c"
			exit 0
		fi
	done
}
