#!/usr/bin/env bash
# The OCI lifecycle as an engine drives it, with runc's command line:
# create/start/state/kill/delete, run, exec, ps, hooks, the config's
# process, mounts and namespaces, errors. Bundles hold a busybox-static
# root; the network cases run inside namespaces this test makes.
# timeout: 600
. "$(dirname "$0")/lib.sh"
require_root
require_cmd busybox python3 curl

ROOT=$TEST_TMP/state
R() { "$RUNSC" --root "$ROOT" "$@"; }
defer bash -c 'for c in $("$1" --root "$2" list -q 2>/dev/null); do "$1" --root "$2" delete -f "$c"; done' _ "$RUNSC" "$ROOT"

ROOTFS=$TEST_TMP/rootfs
mkdir -p "$ROOTFS/bin" "$ROOTFS/etc" "$ROOTFS/tmp"
cp "$(command -v busybox)" "$ROOTFS/bin/busybox"
for t in $("$ROOTFS/bin/busybox" --list); do
	[[ -e $ROOTFS/bin/$t ]] || ln -s busybox "$ROOTFS/bin/$t"
done
echo "root:x:0:0:root:/root:/bin/sh" >"$ROOTFS/etc/passwd"

# bundle NAME PYTHON: a bundle whose config.json is `runsc spec`'s, with
# terminal off, edited by the Python statements PYTHON (c is the config).
bundle() {
	local dir=$TEST_TMP/$1
	mkdir -p "$dir"
	ln -sfn "$ROOTFS" "$dir/rootfs"
	(cd "$dir" && rm -f config.json && R spec) || return 1
	python3 - "$dir/config.json" "$2" <<'EOF'
import json, sys
path, edit = sys.argv[1], sys.argv[2]
c = json.load(open(path))
c["process"]["terminal"] = False
exec(edit)
json.dump(c, open(path, "w"), indent=1)
EOF
	echo "$dir"
}

# gone PID: no such process, or a zombie nobody reaped (this test's
# containers outlive the create that forked them).
gone() { [[ ! -e /proc/$1 ]] || grep -q '^[0-9]* (.*) Z' "/proc/$1/stat"; }
status_of() { R state "$1" | python3 -c 'import json,sys; print(json.load(sys.stdin)["status"])'; }
pid_of() { R state "$1" | python3 -c 'import json,sys; print(json.load(sys.stdin)["pid"])'; }

# ---- create / start / state / kill / delete ---------------------------

B=$(bundle life 'c["process"]["args"] = ["sh", "-c", "echo started; trap \"echo term; exit 7\" TERM; while :; do sleep 0.1; done"]')
lifecycle() {
	R create --bundle "$B" --pid-file "$TEST_TMP/life.pid" life >"$TEST_TMP/life.out" 2>&1 &
	local create=$!
	wait $create || return 1
	[[ $(status_of life) == created ]] || return 1
	[[ $(cat "$TEST_TMP/life.pid") == "$(pid_of life)" ]] || return 1
	kill -0 "$(pid_of life)" || return 1
	R start life || return 1
	[[ $(status_of life) == running ]] || return 1
	wait_for 5 grep -q started "$TEST_TMP/life.out" || return 1
	R kill life TERM || return 1
	wait_for 10 bash -c '[[ $("$1" --root "$2" state life | grep -c stopped) == 1 ]]' _ "$RUNSC" "$ROOT" || return 1
	grep -q term "$TEST_TMP/life.out" || return 1
	[[ $(pid_of life) == 0 ]] || return 1
	R delete life || return 1
	! R state life 2>/dev/null
}
check "create, start, kill TERM, delete; pid-file is the state's pid" lifecycle

errors() {
	R create --bundle "$B" err1 >/dev/null 2>&1 || return 1
	R create --bundle "$B" err1 2>&1 | grep -q "already exists" || return 1
	R delete err1 || return 1
	R create --bundle "$B" "bad/id" 2>&1 | grep -q "invalid container ID" || return 1
	R start nosuch 2>&1 | grep -q "does not exist" || return 1
	R create --bundle "$TEST_TMP/nobundle" x 2>&1 | grep -q "nobundle" || return 1
	R delete -f nosuch || return 1
	echo '{"ociVersion": "1.0.0", "process": {' >"$TEST_TMP/broken.json"
	mkdir -p "$TEST_TMP/broken" && cp "$TEST_TMP/broken.json" "$TEST_TMP/broken/config.json"
	R create --bundle "$TEST_TMP/broken" br 2>&1 | grep -q "config.json" || return 1
	[[ -z $(R list -q) ]]
}
check "errors: duplicate id, bad id, missing container or bundle, broken config.json" errors

start_twice() {
	R create --bundle "$B" twice >/dev/null 2>&1 || return 1
	R start twice || return 1
	R start twice 2>&1 | grep -q "already running" || return 1
	R delete twice 2>&1 | grep -q "not stopped" || return 1
	R kill twice KILL || return 1
	wait_for 10 bash -c '"$1" --root "$2" state twice | grep -q stopped' _ "$RUNSC" "$ROOT" || return 1
	R kill twice TERM 2>&1 | grep -q "not running" || return 1
	R start twice 2>&1 | grep -q "stopped" || return 1
	R delete twice
}
check "start twice, delete while running, kill and start once stopped are errors" start_twice

delete_created() {
	R create --bundle "$B" dc >/dev/null 2>&1 || return 1
	local pid
	pid=$(pid_of dc)
	R delete dc || return 1
	gone "$pid"
}
check "delete of a created container kills its sandbox" delete_created

delete_force() {
	R create --bundle "$B" df >/dev/null 2>&1 && R start df || return 1
	local pid
	pid=$(pid_of df)
	R delete --force df || return 1
	gone "$pid" && ! R state df 2>/dev/null
}
check "delete --force of a running container" delete_force

# ---- run: exit status, the process's config --------------------------

B2=$(bundle run 'c["process"]["args"] = ["sh", "-c", "exit 42"]')
check "run exits with the process's code" bash -c '"$1" --root "$2" run --bundle "$3" r1; [[ $? == 42 ]]' _ "$RUNSC" "$ROOT" "$B2"
# A pid namespace's init ignores signals it has no handler for, even
# from outside but for SIGKILL (pid_namespaces(7)), as under runc.
B3=$(bundle sig 'c["process"]["args"] = ["sleep", "30"]')
run_signalled() {
	R run --bundle "$B3" r2 &
	local run=$!
	wait_for 10 bash -c '"$1" --root "$2" state r2 | grep -q running' _ "$RUNSC" "$ROOT" || return 1
	R kill r2 USR1 || return 1
	sleep 0.3
	[[ $(status_of r2) == running ]] || return 1
	R kill r2 KILL || return 1
	wait $run
	[[ $? == 137 ]]
}
check "run exits with 128+N for a process killed by signal N; init ignores unhandled ones" run_signalled
check "run deletes the container once it exits" bash -c '! "$1" --root "$2" state r1 2>/dev/null' _ "$RUNSC" "$ROOT"

B4=$(bundle proc '
c["process"]["args"] = ["sh", "-c", "echo cwd=$(pwd) foo=$FOO; id; ulimit -n; umask; hostname"]
c["process"]["env"].append("FOO=bar baz")
c["process"]["cwd"] = "/tmp"
c["process"]["user"] = {"uid": 1000, "gid": 1001, "additionalGids": [5, 6], "umask": 63}
c["process"]["rlimits"] = [{"type": "RLIMIT_NOFILE", "soft": 321, "hard": 654}]
c["hostname"] = "oci-test-host"
')
process_config() {
	local out
	out=$(R run --bundle "$B4" p1) || return 1
	echo "$out"
	grep -q "cwd=/tmp foo=bar baz" <<<"$out" &&
		grep -q "uid=1000 gid=1001 groups=5,6" <<<"$out" &&
		grep -qx 321 <<<"$out" && grep -qx 0077 <<<"$out" &&
		grep -qx oci-test-host <<<"$out"
}
check "the process's env, cwd, user, groups, rlimits, umask; the hostname" process_config

preserve_fds() {
	local b out
	b=$(bundle pfd 'c["process"]["args"] = ["sh", "-c", "cat <&3; cat <&4"]')
	echo three >"$TEST_TMP/f3"
	echo four >"$TEST_TMP/f4"
	out=$(R run --bundle "$b" --preserve-fds 2 pfd 3<"$TEST_TMP/f3" 4<"$TEST_TMP/f4") || return 1
	echo "$out"
	[[ $out == $'three\nfour' ]]
}
check "--preserve-fds passes fds 3.. to the process" preserve_fds

# ---- mounts ----------------------------------------------------------

mkdir -p "$TEST_TMP/data" "$TEST_TMP/rodata"
echo hello >"$TEST_TMP/rodata/file"
echo "10.9.8.7 oci-bound" >"$TEST_TMP/hosts"
B5=$(bundle mnt "
c['mounts'] += [
 {'destination': '/data', 'type': 'bind', 'source': '$TEST_TMP/data', 'options': ['rbind', 'rw']},
 {'destination': '/ro', 'type': 'bind', 'source': '$TEST_TMP/rodata', 'options': ['bind', 'ro']},
 {'destination': '/etc/hosts', 'type': 'bind', 'source': '$TEST_TMP/hosts', 'options': ['rbind', 'ro']},
 {'destination': '/scratch', 'type': 'tmpfs', 'source': 'tmpfs', 'options': ['size=1m', 'mode=700']},
]
c['process']['args'] = ['sh', '-c', 'echo written >/data/out; cat /ro/file; echo x >/ro/nope || echo ro-refused; cat /etc/hosts; stat -c %a /scratch; dd if=/dev/zero of=/scratch/big bs=1k count=2048 2>&1 | head -1; ls /']
")
mounts() {
	local out
	out=$(R run --bundle "$B5" m1 2>&1)
	echo "$out"
	[[ $(cat "$TEST_TMP/data/out") == written ]] &&
		grep -qx hello <<<"$out" && grep -q ro-refused <<<"$out" &&
		grep -q "10.9.8.7 oci-bound" <<<"$out" && grep -qx 700 <<<"$out" &&
		grep -q "No space left" <<<"$out" &&
		grep -qx proc <<<"$out" && grep -qx dev <<<"$out" &&
		[[ ! -e $TEST_TMP/rodata/nope ]]
}
check "bind mounts rw, ro and of a single file; a sized tmpfs; mount points listed" mounts

bad_mount() {
	local b
	b=$(bundle badmnt "c['mounts'].append({'destination': '/x', 'type': 'ext4', 'source': '/dev/sda1'})")
	R create --bundle "$b" bm 2>&1 | grep -q "mounts\[.*(/x).*ext4" || return 1
	b=$(bundle badsrc "c['mounts'].append({'destination': '/x', 'type': 'bind', 'source': '/nonexistent', 'options': ['bind']})")
	R create --bundle "$b" bm 2>&1 | grep -q "/nonexistent" || return 1
	[[ -z $(R list -q) ]]
}
check "an unsupported mount type or a missing bind source fails create, naming the mount" bad_mount

# ---- hooks -------------------------------------------------------------

HOOKLOG=$TEST_TMP/hooks.log
cat >"$TEST_TMP/hook.sh" <<EOF
#!/bin/sh
read -r state
echo "\$1 \$HOOK_ENV \$state" >>$HOOKLOG
EOF
chmod +x "$TEST_TMP/hook.sh"
hook() { echo "{'path': '$TEST_TMP/hook.sh', 'args': ['hook.sh', '$1'], 'env': ['HOOK_ENV=e-$1']}"; }
B6=$(bundle hooks "
c['hooks'] = {
 'prestart': [$(hook prestart)],
 'createRuntime': [$(hook createRuntime)],
 'createContainer': [$(hook createContainer)],
 'startContainer': [$(hook startContainer)],
 'poststart': [$(hook poststart)],
 'poststop': [$(hook poststop)],
}
c['process']['args'] = ['true']
")
hooks() {
	: >"$HOOKLOG"
	R run --bundle "$B6" hk || return 1
	cat "$HOOKLOG"
	[[ $(cut -d' ' -f1 "$HOOKLOG" | tr '\n' ' ') == "prestart createRuntime createContainer startContainer poststart poststop " ]] || return 1
	grep -q '^prestart e-prestart .*"id": *"hk"' "$HOOKLOG" &&
		grep -q '^prestart .*"status": *"creating"' "$HOOKLOG" &&
		grep -q '^poststart .*"status": *"running"' "$HOOKLOG" &&
		grep -q '^poststop .*"status": *"stopped"' "$HOOKLOG" &&
		grep -q '"pid": *[1-9]' <(head -1 "$HOOKLOG")
}
check "hooks run in order with the state on stdin, their args and env" hooks

failing_hook() {
	local b
	b=$(bundle badhook "c['hooks'] = {'prestart': [{'path': '/bin/sh', 'args': ['sh', '-c', 'echo boom >&2; exit 3']}]}")
	R create --bundle "$b" fh 2>&1 | tee /dev/stderr | grep -q "prestart hook #0: exit status 3.*boom" || return 1
	[[ -z $(R list -q) ]] && ! pgrep -f "runsc.*--root $ROOT .*boot" >/dev/null
}
check "a failing prestart hook fails create and leaves nothing behind" failing_hook

# ---- exec and ps ---------------------------------------------------------

B7=$(bundle execd 'c["process"]["args"] = ["sleep", "60"]; c["process"]["env"].append("BASE=from-config"); c["process"]["cwd"] = "/tmp"')
exec_cases() {
	R create --bundle "$B7" ex >/dev/null 2>&1 && R start ex || return 1
	local out
	out=$(R exec ex sh -c 'echo $BASE $EXTRA $(pwd); id -u') || return 1
	echo "$out"
	[[ $out == $'from-config /tmp\n0' ]] || return 1
	out=$(R exec --env EXTRA=x --cwd / --user 7:8 ex sh -c 'echo $BASE $EXTRA $(pwd); id -u; id -g') || return 1
	[[ $out == $'from-config x /\n7\n8' ]] || return 1
	R exec ex sh -c 'exit 9'
	[[ $? == 9 ]] || return 1
	R exec ex nosuchprogram 2>&1 | grep -qi "no such file" || return 1
	cat >"$TEST_TMP/process.json" <<EOF
{"args": ["sh", "-c", "echo from process.json \$P"], "env": ["P=p1", "PATH=/bin"], "cwd": "/", "user": {"uid": 0, "gid": 0}}
EOF
	out=$(R exec --process "$TEST_TMP/process.json" ex) || return 1
	[[ $out == "from process.json p1" ]]
}
check "exec: the config's env and cwd, --env/--cwd/--user, exit status, a missing program, --process" exec_cases

exec_detach() {
	R exec --detach --pid-file "$TEST_TMP/ex.pid" ex sleep 30 || return 1
	local waiter
	waiter=$(cat "$TEST_TMP/ex.pid")
	kill -0 "$waiter" || return 1
	R ps ex | grep -q "sleep 30" || return 1
	kill -KILL "$waiter"
	wait_for 5 bash -c '! "$1" --root "$2" ps ex | grep -q "sleep 30"' _ "$RUNSC" "$ROOT"
}
check "exec --detach: the waiter's pid in --pid-file; killing it kills the process" exec_detach

ps_json() {
	local pids
	pids=$(R ps --format json ex) || return 1
	echo "$pids"
	python3 -c 'import json,sys,os; p=json.loads(sys.argv[1]); assert p and all(os.path.exists("/proc/%d" % x) for x in p)' "$pids"
}
check "ps --format json lists live host pids" ps_json

kill_all() {
	R exec --detach ex sleep 40 || return 1
	R kill --all ex KILL || return 1
	wait_for 10 bash -c '"$1" --root "$2" state ex | grep -q stopped' _ "$RUNSC" "$ROOT" &&
		R delete ex
}
check "kill --all ends every process" kill_all

# ---- network -------------------------------------------------------------

# A container in a network namespace the "engine" (this test) made and gave
# a veth: the sandbox takes the veth over; a server inside is reachable
# from the other end, and nothing of it is in the host's stack.
net_sandbox() {
	setup_ns cns hns || return 1
	veth_pair "$cns" ceth "$hns" heth || return 1
	ip -n "$cns" addr add 10.77.0.2/24 dev ceth
	ip -n "$hns" addr add 10.77.0.1/24 dev heth
	local b
	b=$(bundle netsb "
for n in c['linux']['namespaces']:
    if n['type'] == 'network':
        n['path'] = '/run/netns/$cns'
c['process']['args'] = ['sh', '-c', 'mkdir -p /tmp/www && echo served-from-sandbox >/tmp/www/index.html && httpd -f -p 8080 -h /tmp/www']
") || return 1
	R --pcap-log "$TEST_TMP/net.pcap" create --bundle "$b" net1 && R start net1 || return 1
	echo created
	wait_for 10 nsenter --net="/run/netns/$hns" curl -sf -m 2 -o "$TEST_TMP/got" http://10.77.0.2:8080/ || return 1
	echo fetched; grep -q served-from-sandbox "$TEST_TMP/got" || return 1
	# The kernel's side of the namespace holds no address any more.
	! ip -n "$cns" addr show dev ceth | grep -q 10.77.0.2 || return 1
	R delete -f net1 || return 1
	tcpdump -nr "$TEST_TMP/net.pcap" 2>/dev/null | grep -q "10.77.0.2.8080"
}
if command -v tcpdump >/dev/null; then
	check "a container on the namespace's veth, taken over: served over our netstack, captured" net_sandbox
else
	skip "netstack container" "tcpdump missing"
fi

net_host() {
	local b out port=$((20000 + RANDOM % 20000))
	b=$(bundle nethost "
c['linux']['namespaces'] = [n for n in c['linux']['namespaces'] if n['type'] != 'network']
c['process']['args'] = ['sh', '-c', 'echo via-host | nc 127.0.0.1 $port']
") || return 1
	busybox nc -l -p $port >"$TEST_TMP/nc.out" &
	local nc=$!
	sleep 0.2
	R run --bundle "$b" nh || return 1
	wait_for 5 grep -q via-host "$TEST_TMP/nc.out"
	local rc=$?
	kill $nc 2>/dev/null
	return $rc
}
check "without a network namespace in the config the container uses the host's network" net_host

loopback_only() {
	local b
	b=$(bundle netlo "c['process']['args'] = ['sh', '-c', '(echo lo-ok | nc -l -p 7000 &) ; sleep 0.3; nc 127.0.0.1 7000 </dev/null; ip link | grep -c \"^[0-9]\"']")
	local out
	out=$(R run --bundle "$b" lo1) || return 1
	echo "$out"
	[[ $out == $'lo-ok\n1' ]]
}
check "a new network namespace gives a loopback-only stack" loopback_only

# ---- sysctls and names -----------------------------------------------------

sysctls() {
	local b out
	b=$(bundle sysctl "
c['linux']['sysctl'] = {'net.ipv4.ip_unprivileged_port_start': '0', 'net.core.somaxconn': '777', 'net.ipv4.ping_group_range': '0 0'}
c['domainname'] = 'example.org'
c['process']['user'] = {'uid': 1000, 'gid': 1000}
c['process']['args'] = ['sh', '-c', 'cat /proc/sys/net/core/somaxconn /proc/sys/net/ipv4/ip_unprivileged_port_start /proc/sys/kernel/domainname; nc -l -p 80 & sleep 0.3; netstat -ltn | grep -c :80; ping -c1 -W1 127.0.0.1 >/dev/null 2>&1 || echo no-ping']
") || return 1
	out=$(R run --bundle "$b" sc1) || return 1
	echo "$out"
	[[ $out == $'777\n0\nexample.org\n1\nno-ping' ]] || return 1
	b=$(bundle badsysctl "c['linux']['sysctl'] = {'kernel.shmmax': '1'}") || return 1
	R run --bundle "$b" sc2 2>&1 | grep -q 'linux.sysctl: `kernel.shmmax`: not supported'
}
check "linux.sysctl: net keys applied (unprivileged ports, somaxconn, ping groups), others refused; domainname" sysctls
