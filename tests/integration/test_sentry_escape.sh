#!/usr/bin/env bash
# Escape attempts from inside the sandbox: each fails, the refusals are
# counted, and the Sentry keeps running and reports the program's status.
# timeout: 120
. "$(dirname "$0")/lib.sh"
require_root

BIN=$BUILD/tests/sentry
if [[ ! -x $BIN/t_escape-static ]]; then
	skip "sentry escape tests" "programs not built ($BIN)"
	exit 0
fi

stats=$TEST_TMP/stats.json
out=$TEST_TMP/escape.out
timeout 60 "$RUNSC" do --stats "$stats" -- "$BIN/t_escape-static" "$$" >"$out" 2>&1
rc=$?
cat "$out" | sed 's/^/# /'
check "every escape attempt is blocked" test "$rc" -eq 0
check "no line reports an escape" bash -c '! grep -q ^ESCAPED "$1" && grep -q "^escapes 0" "$1"' _ "$out"
check "refusals are counted" python3 -c '
import json, sys
s = json.load(open(sys.argv[1]))
sys.exit(0 if s["denied"] >= 15 and s["app_crashes"] >= 1 else 1)' "$stats"

# Every syscall with random arguments, each batch in a child that may
# crash: the Sentry survives and the program completes.
check "random syscalls do not take the Sentry down" bash -c \
	'[[ $(timeout 120 "$1" do -- "$2" | tail -1) =~ ^survived\ [0-9]+$ ]]' \
	_ "$RUNSC" "$BIN/t_hostile-static"

# A root file system of our own: symlinks and ".." cannot leave it.
root=$BUILD/escape-root.$$
defer rm -rf "$root"
mkdir -p "$root/bin" "$root/etc" "$root/data"
cp /bin/busybox "$root/bin/busybox"
echo sandboxed-hostname >"$root/etc/hostname"
ln -s /etc "$root/data/abs-link"
ln -s ../../../../../../etc "$root/data/rel-link"
in_root() { timeout 30 "$RUNSC" do --rootfs "$root" -- /bin/busybox "$@"; }
export -f in_root
export RUNSC root
check "an absolute symlink resolves inside the rootfs" \
	bash -c '[[ $("$@" cat /data/abs-link/hostname) == sandboxed-hostname ]]' _ in_root
check "a ../ symlink stays inside the rootfs" \
	bash -c '[[ $("$@" cat /data/rel-link/hostname) == sandboxed-hostname ]]' _ in_root
check "../ paths stay inside the rootfs" \
	bash -c '[[ $("$@" cat /../../../etc/hostname) == sandboxed-hostname ]]' _ in_root
check "the host's files outside the rootfs are not there" \
	bash -c '! "$@" cat /etc/passwd 2>/dev/null' _ in_root

# A crashing application does not take the Sentry down: status 139.
timeout 30 "$RUNSC" do -- "$BIN/t_proc-static" segv
check "a program killed by SIGSEGV reports 139" test $? -eq 139
timeout 30 "$RUNSC" do -- /bin/sh -c '/bin/sh -c "kill -SEGV \$\$"'
check "a child killed by SIGSEGV is 139 to its shell" test $? -eq 139
timeout 30 "$RUNSC" do -- /bin/sh -c 'exit 42'
check "exit codes propagate" test $? -eq 42
