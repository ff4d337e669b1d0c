#!/usr/bin/env bash
# The main job: a sandboxed workload on runsc's embedded defaults (the host's
# / served read-only through the gofer, a private /tmp, no network), timed
# against the same workload run natively.
#
# The workload is an ordinary mix: a coreutils pipeline over /usr/include, a
# C program compiled with gcc into /tmp and run, and python3 with threads and
# a subprocess. Each step's output must be the same in both runs.
set -euo pipefail
cd "$(dirname "$0")/.."
RUNSC=${RUNSC:-build/runsc}

workload=$(
	cat <<'SH'
set -e
echo "== coreutils: the largest header under /usr/include/linux"
find /usr/include/linux -name '*.h' | xargs wc -l | sort -n | tail -2 | head -1
echo "== gcc: compile into /tmp and run"
printf '#include <stdio.h>\nint main(void){long s=0;for(long i=1;i<=1000000;i++)s+=i%%7;printf("sum %%ld\\n",s);return 0;}\n' >/tmp/demo.c
gcc -O2 -o /tmp/demo /tmp/demo.c && /tmp/demo
echo "== python3: threads and a subprocess"
python3 - <<'PY'
import subprocess, threading
primes = []
lock = threading.Lock()
def count(lo, hi):
    found = [n for n in range(lo, hi) if n > 1 and all(n % d for d in range(2, int(n ** 0.5) + 1))]
    with lock:
        primes.extend(found)
threads = [threading.Thread(target=count, args=(i * 5000, (i + 1) * 5000)) for i in range(4)]
for t in threads: t.start()
for t in threads: t.join()
print("primes below 20000:", len(primes))
print("uname from a child:", subprocess.check_output(["uname", "-s"]).decode().strip())
PY
SH
)

run() {
	local label=$1 out
	shift
	local start=$(date +%s.%N)
	out=$("$@" /bin/sh -c "$workload" 2>&1) || {
		echo "$label run failed:" >&2
		echo "$out" >&2
		exit 1
	}
	local end=$(date +%s.%N)
	printf '%s\n' "$out" >"$TMPDIR_DEMO/$label"
	echo "$(echo "$end - $start" | bc)" >"$TMPDIR_DEMO/$label.time"
}

TMPDIR_DEMO=$(mktemp -d)
trap 'rm -rf "$TMPDIR_DEMO"' EXIT
run native env
run sandbox "$RUNSC" do --
cat "$TMPDIR_DEMO/sandbox"
if ! diff -u "$TMPDIR_DEMO/native" "$TMPDIR_DEMO/sandbox" >/dev/null; then
	echo "the sandboxed output differs from the native one:" >&2
	diff -u "$TMPDIR_DEMO/native" "$TMPDIR_DEMO/sandbox" >&2
	exit 1
fi
printf '== same output as native; wall time: sandbox %.2f s, native %.2f s\n' \
	"$(cat "$TMPDIR_DEMO/sandbox.time")" "$(cat "$TMPDIR_DEMO/native.time")"
