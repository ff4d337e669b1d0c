#!/usr/bin/env bash
# Runs unit test binaries (cmocka, TAP output) and integration scripts (TAP
# lines from tests/integration/lib.sh), and ends with the one summary line
# "N passed, N failed". Exit status is non-zero on any failure.
#
#   run-tests.sh [--unit BIN...] [--integration SCRIPT...]
#
# A runner that exits non-zero without reporting a failing case (a crash, a
# sanitizer report, a timeout) counts as one failure of its own. Full output
# of every runner is kept under $LOGDIR (default: build/test-logs).
set -uo pipefail

UNIT_TIMEOUT=${UNIT_TIMEOUT:-600}
INTEGRATION_TIMEOUT=${INTEGRATION_TIMEOUT:-900}
LOGDIR=${LOGDIR:-${BUILD:-build}/test-logs}
mkdir -p "$LOGDIR"

passed=0 failed=0 skipped=0
failures=()

# run_one KIND NAME TIMEOUT CMD...: runs CMD, counts its TAP results.
run_one() {
	local kind=$1 name=$2 limit=$3
	shift 3
	local log="$LOGDIR/${name//\//_}.log"
	local start=$SECONDS rc
	CMOCKA_MESSAGE_OUTPUT=TAP timeout --kill-after=10 "$limit" "$@" >"$log" 2>&1
	rc=$?
	# TAP skips: "ok N - name # SKIP why" from lib.sh; cmocka 1.1.5 prints
	# "not ok N # SKIP name" for skip(), which is a skip all the same.
	local ok notok skip
	ok=$(grep -E '^ok [0-9]+' "$log" | grep -cvE '# *SKIP')
	skip=$(grep -cE '^(not )?ok [0-9]+.*# *SKIP' "$log")
	notok=$(grep -E '^not ok [0-9]+' "$log" | grep -cvE '# *SKIP')
	passed=$((passed + ok)) failed=$((failed + notok)) skipped=$((skipped + skip))
	local status=PASS
	if ((notok > 0)); then
		status=FAIL
		while IFS= read -r line; do
			failures+=("$name: ${line#not ok }")
		done < <(grep -E '^not ok [0-9]+' "$log" | grep -vE '# *SKIP')
	fi
	if ((rc != 0 && notok == 0)); then
		status=FAIL
		failed=$((failed + 1))
		local why="exited with status $rc"
		((rc == 124 || rc == 137)) && why="timed out after ${limit}s"
		failures+=("$name: $why")
	fi
	printf '%-5s %-11s %-44s %4d ok %3d failed %3d skipped %4ds\n' \
		"$status" "$kind" "$name" "$ok" "$notok" "$skip" $((SECONDS - start))
	if [[ $status == FAIL ]]; then
		echo "----- last lines of $log"
		tail -n 25 "$log"
		echo "-----"
	fi
}

mode=
for arg in "$@"; do
	case $arg in
	--unit | --integration) mode=${arg#--} ;;
	*)
		if [[ $mode == unit ]]; then
			name=${arg#*tests/unit/}
			run_one unit "$name" "$UNIT_TIMEOUT" "$arg"
		elif [[ $mode == integration ]]; then
			name=integration/$(basename "$arg" .sh)
			# A script may declare its own limit: a line "# timeout: SECONDS".
			limit=$(sed -n 's/^# timeout: *\([0-9]\+\).*/\1/p' "$arg" | head -1)
			run_one integration "$name" "${limit:-$INTEGRATION_TIMEOUT}" bash "$arg"
		else
			echo "run-tests.sh: give --unit or --integration before $arg" >&2
			exit 2
		fi
		;;
	esac
done

if ((${#failures[@]})); then
	echo
	echo "Failures:"
	printf '  %s\n' "${failures[@]}"
fi
((skipped > 0)) && echo "($skipped skipped: see the logs in $LOGDIR)"
echo "$passed passed, $failed failed"
((failed == 0))
