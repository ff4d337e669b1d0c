#!/usr/bin/env bash
# Differential tests of the Sentry: each program of tests/sentry runs
# natively and under `runsc do`, static and dynamic, and the outputs must
# be identical (the programs print no pids or times).
# timeout: 300
. "$(dirname "$0")/lib.sh"
require_root

BIN=$BUILD/tests/sentry
if [[ ! -x $BIN/t_files-static ]]; then
	skip "sentry differential tests" "programs not built ($BIN)"
	exit 0
fi

same_output() {
	local prog=$1 native sandboxed
	native=$("$prog" 2>&1)
	sandboxed=$(timeout 60 "$RUNSC" do -- "$prog" 2>&1)
	if [[ $native != "$sandboxed" ]]; then
		diff <(printf '%s\n' "$native") <(printf '%s\n' "$sandboxed") | head -20 >&2
		return 1
	fi
	[[ -n $native ]]
}

for p in t_files t_proc t_signal t_poll t_unix; do
	for kind in static dynamic; do
		check "$p ($kind) natively and sandboxed agree" same_output "$BIN/$p-$kind"
	done
done
