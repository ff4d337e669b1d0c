#!/usr/bin/env bash
# runsc's OCI data commands next to runc's: `spec`, `features`, `list` and
# `state` must have runc's output shapes (same keys in the same order, same
# types, same indentation and table layout, same error texts and exit
# statuses, same JSON log lines for engines). runc runs a real container
# for the comparison; runsc's containers are state files written the way
# its store writes them (the lifecycle commands that create them are not
# part of this layer).
# timeout: 180
. "$(dirname "$0")/lib.sh"

require_root
require_cmd runc python3 busybox

RUNC_ROOT=$TEST_TMP/runc-root
RS_ROOT=$TEST_TMP/runsc-root
runc() { command runc --root "$RUNC_ROOT" "$@"; }
runsc() { "$RUNSC" --root "$RS_ROOT" "$@"; }

# ---- spec --------------------------------------------------------------

# same_spec FLAGS...: runsc spec and runc spec write the same file but for
# ociVersion and hostname, byte for byte (tabs, no final newline).
same_spec() {
	local a=$TEST_TMP/spec-runc b=$TEST_TMP/spec-runsc
	rm -rf "$a" "$b" && mkdir -p "$a" "$b"
	(cd "$a" && command runc spec "$@") || return 1
	runsc spec --bundle "$b" "$@" || return 1
	diff <(sed -e 's/^\t"ociVersion": ".*",$/VERSION/' -e 's/^\t"hostname": ".*",$/HOST/' "$a/config.json") \
		<(sed -e 's/^\t"ociVersion": ".*",$/VERSION/' -e 's/^\t"hostname": ".*",$/HOST/' "$b/config.json") &&
		[[ $(tail -c1 "$b/config.json") == "}" ]] &&
		grep -q '^	"ociVersion": "1.1.0",$' "$b/config.json"
}
check "spec: runc's default config" same_spec
check "spec --rootless: runc's rootless config" same_spec --rootless

spec_refuses_overwrite() {
	local b=$TEST_TMP/spec-runsc sum err
	sum=$(md5sum <"$b/config.json")
	err=$(runsc spec -b "$b" 2>&1) && return 1
	echo "$err"
	[[ $err == *"config.json\` exists. Remove it first" ]] &&
		[[ $(md5sum <"$b/config.json") == "$sum" ]] &&
		! (cd "$b" && command runc spec 2>/dev/null)
}
check "spec refuses to overwrite config.json, as runc" spec_refuses_overwrite
check "spec names a missing bundle" bash -c \
	'err=$("$1" spec -b /nonexistent/b 2>&1); [[ $? == 1 && $err == *"/nonexistent/b/config.json"* ]]' _ "$RUNSC"

# ---- features ------------------------------------------------------------

# Every key of runc's features is in runsc's with the same JSON type, and
# the name lists runc recognises are recognised by runsc too.
features_shape() {
	command runc features >"$TEST_TMP/f-runc.json" || return 1
	runsc features >"$TEST_TMP/f-runsc.json" || return 1
	[[ $(tail -c1 "$TEST_TMP/f-runsc.json" | od -An -c | tr -d ' ') == '\n' ]] || return 1
	grep -q '^    "ociVersionMin": "1.0.0",$' "$TEST_TMP/f-runsc.json" || return 1
	python3 - "$TEST_TMP/f-runc.json" "$TEST_TMP/f-runsc.json" <<'EOF'
import json, sys
runc, ours = (json.load(open(p)) for p in sys.argv[1:3])
def same_shape(a, b, path):
    if type(a) != type(b):
        sys.exit(f"{path}: {type(a).__name__} in runc, {type(b).__name__} in runsc")
    if isinstance(a, dict):
        for k in a:
            if path == "annotations":
                continue  # each runtime's own
            if k not in b:
                sys.exit(f"{path}.{k}: missing")
            same_shape(a[k], b[k], f"{path}.{k}" if path else k)
same_shape(runc, ours, "")
for key in ("mountOptions",):
    missing = set(runc[key]) - set(ours[key])
    if missing: sys.exit(f"{key}: runsc does not recognise {sorted(missing)}")
for key in ("namespaces", "capabilities"):
    missing = set(runc["linux"][key]) - set(ours["linux"][key])
    if missing: sys.exit(f"linux.{key}: runsc does not recognise {sorted(missing)}")
for key in ("actions", "operators"):
    missing = set(runc["linux"]["seccomp"][key]) - set(ours["linux"]["seccomp"][key])
    if missing: sys.exit(f"linux.seccomp.{key}: missing {sorted(missing)}")
assert ours["ociVersionMax"] == "1.1.0", ours["ociVersionMax"]
assert ours["hooks"] == runc["hooks"], ours["hooks"]
assert ours["mountOptions"] == sorted(ours["mountOptions"])
print("runsc adds:", sorted(set(ours["linux"]) - set(runc["linux"])))
EOF
}
check "features: runc's JSON shape and names" features_shape

# ---- list and state: empty ------------------------------------------------

check "list: the same header on an empty root" bash -c \
	'diff <(runc --root "$1" list) <("$2" --root "$3" list)' _ "$RUNC_ROOT" "$RUNSC" "$RS_ROOT"
check "list --format json: null on an empty root" bash -c \
	'[[ $(runc --root "$1" list --format json) == null && $("$2" --root "$3" list --format json) == null ]]' \
	_ "$RUNC_ROOT" "$RUNSC" "$RS_ROOT"

# same_failure ARGS...: runc and runsc both fail with status 1, and the
# JSON line each writes to --log has the same keys and message.
same_failure() {
	local rl=$TEST_TMP/runc.log rsl=$TEST_TMP/runsc.log
	rm -f "$rl" "$rsl"
	command runc --root "$RUNC_ROOT" --log "$rl" --log-format json "$@" >/dev/null 2>&1
	local rc1=$?
	"$RUNSC" --root "$RS_ROOT" --log "$rsl" --log-format json "$@" >/dev/null 2>"$TEST_TMP/stderr"
	local rc2=$?
	echo "runc: $rc1 $(cat "$rl")"
	echo "runsc: $rc2 $(cat "$rsl") / stderr: $(cat "$TEST_TMP/stderr")"
	((rc1 == 1 && rc2 == 1)) || return 1
	[[ $(wc -l <"$TEST_TMP/stderr") == 1 ]] || return 1
	python3 - "$rl" "$rsl" <<'EOF'
import json, sys
a, b = (json.loads(open(p).read().splitlines()[-1]) for p in sys.argv[1:3])
assert sorted(a) == sorted(b) == ["level", "msg", "time"], (a, b)
assert a["level"] == b["level"] == "error"
assert a["msg"] == b["msg"], (a["msg"], b["msg"])
EOF
}
check "state of a missing container: runc's error, status and JSON log line" \
	same_failure state nosuch
check "state of an invalid id: runc's error" same_failure state ../x
check "list with a bad format: runc's error" same_failure list --format xml

check "state without an id fails" bash -c '! "$1" --root "$2" state 2>/dev/null' _ "$RUNSC" "$RS_ROOT"
check "--log-format json without --log: the JSON line on stderr" bash -c \
	'err=$("$1" --root "$2" --log-format json state nosuch 2>&1 >/dev/null);
	 python3 -c "import json,sys; d=json.loads(sys.argv[1]); assert d[\"msg\"]==\"container does not exist\"" "$err"' \
	_ "$RUNSC" "$RS_ROOT"

# ---- a real runc container and runsc state files ---------------------------

# A busybox rootfs and a bundle whose process sleeps.
BUNDLE=$TEST_TMP/bundle
mkdir -p "$BUNDLE/rootfs/bin"
cp "$(command -v busybox)" "$BUNDLE/rootfs/bin/busybox"
ln -s busybox "$BUNDLE/rootfs/bin/sh"
ln -s busybox "$BUNDLE/rootfs/bin/sleep"
(cd "$BUNDLE" && command runc spec)
python3 - "$BUNDLE/config.json" <<'EOF'
import json, sys
c = json.load(open(sys.argv[1]))
c["process"]["terminal"] = False
c["process"]["args"] = ["sleep", "1000"]
c["annotations"] = {"org.example.b": "2", "org.example.a": "1"}
json.dump(c, open(sys.argv[1], "w"))
EOF
RUNC_ID=cmp-$RANDOM
defer command runc --root "$RUNC_ROOT" delete --force "$RUNC_ID"
command runc --root "$RUNC_ROOT" create --bundle "$BUNDLE" "$RUNC_ID" </dev/null >/dev/null 2>&1 &&
	command runc --root "$RUNC_ROOT" start "$RUNC_ID"

# A live process for runsc's "running" container, and its start time.
sleep 1000 &
LIVE=$!
defer kill "$LIVE"
start_time() { python3 -c 'import sys; s=open(f"/proc/{sys.argv[1]}/stat").read(); print(s[s.rindex(")")+2:].split()[19])' "$1"; }
LIVE_START=$(start_time "$LIVE")

# rs_state ID STATUS PID START: a state directory as runsc's store writes
# it (state.h: <root>/<id>/{lock,state.json}).
rs_state() {
	mkdir -p "$RS_ROOT/$1" && chmod 0711 "$RS_ROOT" "$RS_ROOT/$1" && : >"$RS_ROOT/$1/lock"
	python3 - "$RS_ROOT/$1/state.json" "$@" "$BUNDLE" <<'EOF'
import json, sys
path, cid, status, pid, start, bundle = sys.argv[1:7]
json.dump({"ociVersion": "1.0.2-dev", "id": cid, "status": status, "pid": int(pid),
           "pidStartTime": int(start), "goferPid": 0, "goferStartTime": 0,
           "bundle": bundle, "rootfs": bundle + "/rootfs",
           "created": "2026-12-07T22:53:06.353277478Z", "owner": "root",
           "annotations": {"org.example.b": "2", "org.example.a": "1"}, "runsc": {}},
          open(path, "w"))
EOF
}
rs_state web running "$LIVE" "$LIVE_START"
rs_state gone running 999999999 0
rs_state reused running "$LIVE" $((LIVE_START + 1))
rs_state made created 0 0

# Keys in the same order, values of the same types, two-space indentation,
# no final newline.
same_state() {
	command runc --root "$RUNC_ROOT" state "$RUNC_ID" >"$TEST_TMP/s-runc.json" || return 1
	runsc state web >"$TEST_TMP/s-runsc.json" || return 1
	cat "$TEST_TMP/s-runsc.json"
	echo
	[[ $(tail -c1 "$TEST_TMP/s-runsc.json") == "}" ]] || return 1
	python3 - "$TEST_TMP/s-runc.json" "$TEST_TMP/s-runsc.json" "$LIVE" <<'EOF'
import json, sys
a, b = (json.load(open(p)) for p in sys.argv[1:3])
assert list(a) == list(b), (list(a), list(b))
for k in a:
    assert type(a[k]) == type(b[k]), k
assert b["status"] == "running" and b["pid"] == int(sys.argv[3]), b
assert list(b["annotations"]) == sorted(b["annotations"]), "Go writes a map sorted"
assert list(a["annotations"]) == list(b["annotations"])
raw_a, raw_b = (open(p).read() for p in sys.argv[1:3])
assert raw_a.splitlines()[1].startswith('  "ociVersion"'), raw_a
assert raw_b.splitlines()[1].startswith('  "ociVersion"'), raw_b
EOF
}
check "state: runc's keys, order, types and layout" same_state

state_field() { runsc state "$1" | python3 -c "import json,sys; print(json.load(sys.stdin)[sys.argv[1]])" "$2"; }
check "state: a pid that is gone is stopped, with pid 0" bash -c \
	'[[ $(s=$("$1" --root "$2" state gone); echo "$s" | python3 -c "import json,sys; d=json.load(sys.stdin); print(d[\"status\"], d[\"pid\"])") == "stopped 0" ]]' \
	_ "$RUNSC" "$RS_ROOT"
check "state: a reused pid (another start time) is stopped" bash -c \
	'[[ $("$1" --root "$2" state reused | python3 -c "import json,sys; print(json.load(sys.stdin)[\"status\"])") == stopped ]]' \
	_ "$RUNSC" "$RS_ROOT"
check "state: no pid yet keeps the recorded status" bash -c \
	'[[ $("$1" --root "$2" state made | python3 -c "import json,sys; print(json.load(sys.stdin)[\"status\"])") == created ]]' \
	_ "$RUNSC" "$RS_ROOT"

# The table: runc's header, columns starting where the header's do, rows
# sorted by id.
same_table() {
	command runc --root "$RUNC_ROOT" list >"$TEST_TMP/l-runc.txt" || return 1
	runsc list >"$TEST_TMP/l-runsc.txt" || return 1
	cat "$TEST_TMP/l-runc.txt" "$TEST_TMP/l-runsc.txt"
	python3 - "$TEST_TMP/l-runc.txt" "$TEST_TMP/l-runsc.txt" "$LIVE" <<'EOF'
import re, sys
def parse(path):
    lines = open(path).read().split("\n")
    assert lines[-1] == "", "ends with a newline"
    lines = lines[:-1]
    header = lines[0]
    names = header.split()
    starts = [m.start() for m in re.finditer(r"\S+", header)]
    rows = []
    for line in lines[1:]:
        cells = [m for m in re.finditer(r"\S+", line)]
        assert [c.start() for c in cells] == starts, (line, starts)
        rows.append([c.group() for c in cells])
    # Go's tabwriter: width = max(12, widest cell + 3), the last column
    # unpadded.
    for i in range(len(names) - 1):
        width = max(12, max(len(r[i]) for r in [names] + rows) + 3)
        assert starts[i + 1] - starts[i] == width, (names[i], width)
    assert not header.endswith(" ")
    return names, rows
n1, r1 = parse(sys.argv[1])
n2, r2 = parse(sys.argv[2])
assert n1 == n2 == ["ID", "PID", "STATUS", "BUNDLE", "CREATED", "OWNER"], (n1, n2)
assert [r[0] for r in r2] == ["gone", "made", "reused", "web"], r2
by = {r[0]: r for r in r2}
assert by["web"][1:3] == [sys.argv[3], "running"], by["web"]
assert by["gone"][1:3] == ["0", "stopped"] and by["reused"][1:3] == ["0", "stopped"]
assert by["made"][1:3] == ["0", "created"]
assert r1[0][2] == "running" and r1[0][5] == r2[0][5] == "root"
EOF
}
check "list: runc's table" same_table

same_list_json() {
	command runc --root "$RUNC_ROOT" list --format json >"$TEST_TMP/j-runc.json" || return 1
	runsc list --format json >"$TEST_TMP/j-runsc.json" || return 1
	python3 - "$TEST_TMP/j-runc.json" "$TEST_TMP/j-runsc.json" <<'EOF'
import json, sys
raw = open(sys.argv[2]).read()
assert raw.endswith("]\n") and "\n" not in raw[:-1] and ": " not in raw, "compact, one line"
a, b = (json.load(open(p)) for p in sys.argv[1:3])
assert list(a[0]) == list(b[0]), (list(a[0]), list(b[0]))
assert [c["id"] for c in b] == ["gone", "made", "reused", "web"]
assert [c["pid"] for c in b][:3] == [0, 0, 0]
EOF
}
check "list --format json: runc's keys, compact" same_list_json
check "list -q: the ids, sorted" bash -c \
	'[[ $("$1" --root "$2" list -q | tr "\n" " ") == "gone made reused web " ]]' _ "$RUNSC" "$RS_ROOT"
check "list -q ignores --format, as runc" bash -c \
	'"$1" --root "$2" list -q --format xml >/dev/null' _ "$RUNSC" "$RS_ROOT"

# A state file that is not one: listed around, with a warning.
mkdir -p "$RS_ROOT/broken" && echo '{"id": "broken", "status": ' >"$RS_ROOT/broken/state.json"
check "list skips a broken state with a warning" bash -c \
	'out=$("$1" --root "$2" list -q 2>"$3/warn"); [[ $out == *web* && $out != *broken* ]] && grep -q "load container broken" "$3/warn"' \
	_ "$RUNSC" "$RS_ROOT" "$TEST_TMP"
check "list and state read a missing root without creating it" bash -c \
	'"$1" --root "$2/none" list -q && ! "$1" --root "$2/none" state x 2>/dev/null && [[ ! -e $2/none ]]' \
	_ "$RUNSC" "$TEST_TMP"
