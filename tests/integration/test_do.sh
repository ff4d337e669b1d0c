#!/usr/bin/env bash
# `runsc do` with real programs: shells with pipes, redirects, subshells
# and job control basics, coreutils, python3 with threads and subprocess,
# gcc compiling into /tmp; --strace and `runsc syscalls`.
# timeout: 400
. "$(dirname "$0")/lib.sh"
require_root

sbx() { timeout 120 "$RUNSC" do -- "$@"; }
expect() { # expect WANT CMD...: the command's stdout is exactly WANT
	local want=$1 got
	shift
	got=$("$@" 2>&1)
	[[ $got == "$want" ]] || { printf '# want %q\n# got  %q\n' "$want" "$got"; return 1; }
}

check "runsc do runs /bin/true" sbx /bin/true
check "a missing program is 127" bash -c '"$1" do -- /no/such/program 2>/dev/null; [[ $? -eq 127 ]]' _ "$RUNSC"
check "stdin is bridged" expect "piped in" bash -c 'echo piped in | "$1" do -- /bin/cat' _ "$RUNSC"
check "busybox sh: pipes, redirects, subshells" expect "3 2 1 sub 5" \
	sbx /bin/busybox sh -c 'x=$(printf "1\n2\n3\n" | sort -r | tr "\n" " "); (echo sub) > /tmp/f; read y < /tmp/f; echo "$x$y $(( 2 + 3 ))"'
check "busybox sh: background job and wait" expect "bg done 0" \
	sbx /bin/busybox sh -c 'sleep 0.1 & wait $!; echo bg done $?'
check "bash: functions, arrays, here-docs" expect "a-b-c 3 heredoc" \
	sbx /bin/bash -c 'f() { local IFS=-; echo "$*"; }; a=(a b c); x=$(f "${a[@]}"); cat <<E
$x ${#a[@]} heredoc
E'
check "bash: process substitution and exit status" expect "2 st=7" \
	sbx /bin/bash -c 'n=$(wc -l < <(printf "x\ny\n")); (exit 7); echo "$n st=$?"'
check "coreutils: ls -la of /" bash -c 'timeout 60 "$1" do -- /bin/ls -la / | grep -q " usr"' _ "$RUNSC"
check "coreutils: cp -r, find, sort" expect "/tmp/b/d/f2 /tmp/b/f1" \
	sbx /bin/bash -c 'mkdir -p /tmp/a/d && echo 1 > /tmp/a/f1 && echo 2 > /tmp/a/d/f2 && cp -r /tmp/a /tmp/b && find /tmp/b -type f | sort | tr "\n" " " | sed "s/ $//"'
check "coreutils: sort of a large input" expect "20000 1 9999" \
	sbx /bin/bash -c 'seq 1 10000 > /tmp/s; seq 1 10000 >> /tmp/s; sort -n /tmp/s > /tmp/o; echo $(wc -l < /tmp/o) $(head -1 /tmp/o) $(sort -n /tmp/s | uniq | sed -n 9999p)'
# Every path operation on /proc answers with an errno (ops the procfs
# lacked were once called through NULL); the Sentry stays up.
check "coreutils on /proc: touch, chmod, chown, mv, ln, truncate answer, the Sentry stays up" \
	expect "0 1 1 1 1 1 alive" sbx /bin/sh -c 'r=; for c in "touch /proc/cpuinfo" "chmod 600 /proc/cpuinfo" "chown 1 /proc/cpuinfo" "mv /proc/cpuinfo /proc/x" "ln -s a /proc/y" "truncate -s 0 /proc/cpuinfo"; do $c 2>/dev/null; r="$r$? "; done; echo "${r}alive"'
# The sandbox's UTS namespace: the host's name by default (so that the
# host's /etc/hosts resolves it), --hostname's when given.
check "uname and hostname are the sandbox's" expect "Linux $(uname -n)" sbx /bin/uname -sn
check "--hostname names the sandbox" expect "sandbox" timeout 120 "$RUNSC" do --hostname sandbox -- /bin/hostname
check "the sandbox's pids start at 1" expect "1" sbx /bin/sh -c 'echo $$'
if command -v python3 >/dev/null; then
	check "python3: threads and subprocess" expect "b'sub\\n' 8" \
		sbx python3 -c '
import subprocess, threading
out = subprocess.run(["echo", "sub"], capture_output=True).stdout
res = []
ts = [threading.Thread(target=lambda i=i: res.append(i)) for i in range(8)]
[t.start() for t in ts]; [t.join() for t in ts]
print(out, len(res))'
	check "python3: multiprocessing pool and shared memory" expect "[0, 1, 4] 42 43" \
		sbx python3 -c '
import multiprocessing as mp
from multiprocessing import shared_memory
def sq(x): return x * x
def inc(name):
    t = shared_memory.SharedMemory(name=name); t.buf[1] = t.buf[0] + 1; t.close()
if __name__ == "__main__":
    with mp.Pool(2) as p: r = p.map(sq, range(3))
    s = shared_memory.SharedMemory(create=True, size=16); s.buf[0] = 42
    pr = mp.Process(target=inc, args=(s.name,)); pr.start(); pr.join()
    print(r, s.buf[0], s.buf[1]); s.close(); s.unlink()'
else
	skip "python3: threads and subprocess" "no python3"
fi
if command -v gcc >/dev/null; then
	check "gcc compiles into /tmp and the program runs" expect "compiled 42" \
		sbx /bin/sh -c 'printf "#include <stdio.h>\nint main(void){printf(\"compiled %%d\\\\n\", 42);return 0;}\n" > /tmp/c.c && gcc -o /tmp/c /tmp/c.c && /tmp/c'
else
	skip "gcc compiles into /tmp" "no gcc"
fi
check "--strace logs syscalls with decoded arguments" bash -c \
	'"$1" do --strace -- /bin/true 2>&1 >/dev/null | grep -q "execve\|openat(.*\"/\|exit_group("' _ "$RUNSC"
check "runsc syscalls lists the table" bash -c \
	'"$1" syscalls | grep -qE "^  0 read +implemented" && "$1" syscalls | tail -1 | grep -q "implemented"' _ "$RUNSC"
check "the host / is read-only" bash -c '! "$1" do -- /bin/sh -c "echo x > /etc/runsc-do-test" 2>/dev/null' _ "$RUNSC"
check "a writable --rootfs takes writes" bash -c '
	d=$(mktemp -d "$2/wr.XXXX"); mkdir -p "$d/bin"; cp /bin/busybox "$d/bin/"
	"$1" do --rootfs "$d" -- /bin/busybox sh -c "echo w > /out" && [[ $(cat "$d/out") == w ]]; r=$?; rm -rf "$d"; exit $r' _ "$RUNSC" "$BUILD"
check "runsc boot runs the Sentry on an inherited gofer socket" python3 -c '
import socket, subprocess, sys
runsc = sys.argv[1]
a, b = socket.socketpair()
g = subprocess.Popen([runsc, "gofer", "--rootfs", "/", "--sock-fd", str(a.fileno()), "--ro"], pass_fds=[a.fileno()])
a.close()
r = subprocess.run([runsc, "boot", "--gofer-fd", str(b.fileno()), "--ro", "--", "/bin/sh", "-c", "echo booted; exit 4"],
                   pass_fds=[b.fileno()], capture_output=True, timeout=60)
b.close()
g.wait(timeout=60)
sys.exit(0 if r.returncode == 4 and r.stdout == b"booted\n" else 1)' "$RUNSC"
check "runsc boot without a gofer fd is a usage error" bash -c '! "$1" boot -- /bin/true 2>/dev/null' _ "$RUNSC"
check "bind mounts: read-only and read-write" bash -c '
	d=$(mktemp -d "$2/mnt.XXXX"); echo inside > "$d/f"
	out=$("$1" do --mount "/data=$d:ro" --mount "/rw=$d" -- /bin/sh -c \
		"cat /data/f; echo x > /data/g 2>/dev/null || echo refused; echo y > /rw/g; cat /rw/g")
	r=1; [[ $out == $'"'"'inside\nrefused\ny'"'"' && $(cat "$d/g") == y ]] && r=0
	rm -rf "$d"; exit $r' _ "$RUNSC" "$BUILD"
check "a working directory under /tmp stays visible, /tmp itself is the sandbox's" bash -c '
	d=$(mktemp -d /tmp/runsc-do.XXXX); w=$d/a/b; mkdir -p "$w"
	printf "#!/bin/sh\necho here\n" > "$w/prog"; chmod +x "$w/prog"
	out=$(cd "$w" && "$1" do -- /bin/sh -c "./prog; cd / && cd $w && echo t > /tmp/t; cat /tmp/t")
	r=1; [[ $out == $'"'"'here\nt'"'"' && ! -e /tmp/t ]] && r=0
	rm -rf "$d"; exit $r' _ "$RUNSC"
check "runsc do --help prints the flags" bash -c '"$1" do --help | grep -q -- "--mount DEST=SRC"' _ "$RUNSC"
check "a relative --mount source is the caller's" bash -c '
	d=$(mktemp -d); mkdir "$d/src"; echo rel > "$d/src/f"
	out=$(cd "$d" && "$1" do --mount /data=src:ro -- /bin/cat /data/f)
	r=1; [[ $out == rel ]] && r=0; rm -rf "$d"; exit $r' _ "$RUNSC"
check "a missing --mount source is one line naming it, status 1" bash -c '
	err=$("$1" do --mount /data=/no/such/dir -- /bin/true 2>&1); r=$?
	[[ $r -eq 1 && $(wc -l <<<"$err") -eq 1 && $err == *"/no/such/dir"* ]]' _ "$RUNSC"
check "a working directory with '=' under /tmp: one warning, the program starts in /" bash -c '
	d=$(mktemp -d /tmp/runsc-do.XXXX); w=$d/a=b; mkdir -p "$w"
	out=$(cd "$w" && "$1" do -- /bin/pwd 2>"$d/err"); r=$?
	err=$(cat "$d/err"); rm -rf "$d"
	[[ $r -eq 0 && $out == / && $(wc -l <<<"$err") -eq 1 && $err == *"a=b"* ]]' _ "$RUNSC"
