#!/usr/bin/env bash
# The Sentry's benchmark: per-syscall overhead sandboxed vs native, both
# measured in this run, as ratios; `runsc do /bin/true` wall time; the
# Sentry's peak RSS. gVisor publishes ~150 ms to boot and ~15 MB.
#
#   perf/sentry_bench.sh [RUNSC] [BENCH_BINARY] [ITERATIONS]
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
RUNSC=${1:-$here/build/runsc}
BENCH=${2:-$here/build/perf/sentry_bench}
N=${3:-20000}
FILE=$BENCH # a file on the gofer-backed root, in the page cache

native=$("$BENCH" "$N" "$FILE")
sandboxed=$("$RUNSC" do -- "$BENCH" "$N" "$FILE")
printf '%-10s %12s %12s %8s\n' op native_ns sandbox_ns ratio
while read -r name ns; do
	sb=$(awk -v n="$name" '$1 == n { print $2 }' <<<"$sandboxed")
	awk -v n="$name" -v a="$ns" -v b="$sb" \
		'BEGIN { printf "%-10s %12d %12d %8.1f\n", n, a, b, b / (a > 0 ? a : 1) }'
done <<<"$native"

# Wall time of a whole throw-away sandbox, best and median of 10.
times=()
for _ in $(seq 10); do
	s=$(date +%s%N)
	"$RUNSC" do -- /bin/true
	e=$(date +%s%N)
	times+=($(((e - s) / 1000)))
done
sorted=($(printf '%s\n' "${times[@]}" | sort -n))
native_true=$( { s=$(date +%s%N); /bin/true; e=$(date +%s%N); echo $(((e - s) / 1000)); } )
printf 'runsc do /bin/true: best %.1f ms, median %.1f ms (native %.1f ms)\n' \
	"$(bc -l <<<"${sorted[0]} / 1000")" "$(bc -l <<<"${sorted[5]} / 1000")" \
	"$(bc -l <<<"$native_true / 1000")"
# Peak RSS of the Sentry (runsc do is the Sentry; the gofer is apart).
rss=$( { /usr/bin/time -f '%M' "$RUNSC" do -- /bin/true; } 2>&1 | tail -1)
printf 'Sentry peak RSS: %.1f MB\n' "$(bc -l <<<"$rss / 1024")"
