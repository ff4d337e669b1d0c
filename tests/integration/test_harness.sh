#!/usr/bin/env bash
# The integration harness itself: namespaces and veth pairs come up with
# unique names, and the EXIT trap removes them even when a test fails midway.
# timeout: 60
. "$(dirname "$0")/lib.sh"
require_root
require_cmd ip ping

setup_ns left right
veth_pair "$left" vl "$right" vr
ip -n "$left" addr add 192.0.2.1/24 dev vl
ip -n "$right" addr add 192.0.2.2/24 dev vr
check "namespaces have random-suffixed names" \
	bash -c '[[ $1 =~ ^left-.{8}$ && $2 =~ ^right-.{8}$ ]]' _ "$left" "$right"
check "veth pair carries traffic between namespaces" \
	wait_for 10 ip netns exec "$left" ping -c1 -W1 192.0.2.2

# A child script that creates a namespace and a deferred file, then fails:
# its trap must remove both.
marker=$TEST_TMP/deferred-ran
child_out=$(bash -c '
	. "$1"
	setup_ns doomed
	echo "$doomed"
	defer touch "$2"
	false
	exit 3' _ "$(dirname "$0")/lib.sh" "$marker")
child_rc=$?
check "a failing test's exit status is kept" test "$child_rc" -eq 3
check "cleanup removes the failing test's namespace" \
	bash -c '! ip netns list | grep -qw "$1"' _ "$child_out"
check "deferred commands run at exit" test -e "$marker"
