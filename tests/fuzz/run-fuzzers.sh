#!/usr/bin/env bash
# Runs each libFuzzer binary for a bounded time and reports how many inputs
# it executed. A crash, leak or sanitizer report fails the run; the input
# that caused it is kept under BUILD_DIR/artifacts/.
#
#   run-fuzzers.sh BUILD_DIR SECONDS BINARY...
set -uo pipefail
out=$1 seconds=$2
shift 2
here=$(cd "$(dirname "$0")" && pwd)
status=0
for bin in "$@"; do
	name=$(basename "$bin")
	work=$out/corpus/$name
	artifacts=$out/artifacts/$name/
	mkdir -p "$work" "$artifacts"
	seeds=()
	[[ -d $here/corpus/$name ]] && seeds=("$here/corpus/$name")
	log=$out/$name.log
	"$bin" -max_total_time="$seconds" -print_final_stats=1 -timeout=60 \
		-rss_limit_mb=2048 -artifact_prefix="$artifacts" \
		"$work" "${seeds[@]}" >"$log" 2>&1
	rc=$?
	execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log")
	cov=$(grep -oE 'cov: [0-9]+' "$log" | tail -1)
	if ((rc == 0)); then
		echo "fuzz $name: ${execs:-?} executions in ${seconds}s, $cov, clean"
	else
		echo "fuzz $name: FAILED (status $rc) after ${execs:-?} executions; see $log"
		grep -m5 -E 'ERROR|SUMMARY' "$log"
		status=1
	fi
done
exit $status
