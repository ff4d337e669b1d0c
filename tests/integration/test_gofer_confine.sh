#!/usr/bin/env bash
# The real `runsc gofer`: it serves a rootfs over 9P2000.L (spoken here by an
# independent client in Python), donates fds, refuses escapes, and is
# confined: its root is the rootfs, host mounts are gone, capabilities are
# cut down, and a seccomp filter is on.
# timeout: 120
. "$(dirname "$0")/lib.sh"

require_root
require_cmd python3

rootfs=$TEST_TMP/rootfs
data=$TEST_TMP/data
mkdir -p "$rootfs/dir" "$rootfs/proc" "$data"
echo "hello from the rootfs" >"$rootfs/hello.txt"
echo "host secret" >"$TEST_TMP/secret.txt"
echo "data file" >"$data/d.txt"
echo "sandbox-host" >"$TEST_TMP/hostname"
ln -s /etc/passwd "$rootfs/pw"
ln -s ../../../../.. "$rootfs/up"
ln -s "$TEST_TMP/secret.txt" "$rootfs/secret-link"
mknod "$rootfs/devnull" c 1 3
# A mount inside the rootfs that the gofer must not carry.
mount -t tmpfs none "$rootfs/proc" && defer umount -l "$rootfs/proc"
echo "on a submount" >"$rootfs/proc/submount.txt"

client=$TEST_TMP/p9client.py
cat >"$client" <<'EOF'
"""A small independent 9P2000.L client: starts `runsc gofer` on a socketpair
and runs one scenario, exiting 0 when every expectation holds."""
import errno, os, socket, struct, subprocess, sys

runsc, scenario, rootfs = sys.argv[1], sys.argv[2], sys.argv[3]
extra = sys.argv[4:]

TVERSION, TATTACH, TWALK, TLOPEN, TLCREATE, TREAD, TWRITE = 100, 104, 110, 12, 14, 116, 118
TCLUNK, TGETATTR, TREADDIR, TMKDIR, RLERROR = 120, 24, 40, 72, 7

def s(b):
    b = b.encode() if isinstance(b, str) else b
    return struct.pack("<H", len(b)) + b

class Gofer:
    def __init__(self, args):
        self.sock, theirs = socket.socketpair()
        # GOFER_LOG: a --debug-log file for the gofer (global flags go first).
        log = ["--debug", "--debug-log", os.environ["GOFER_LOG"]] if "GOFER_LOG" in os.environ else []
        self.proc = subprocess.Popen([runsc] + log + ["gofer", "--sock-fd", str(theirs.fileno())] + args,
                                     pass_fds=[theirs.fileno()])
        theirs.close()
        self.tag = 0
        self.fid = 0

    def rpc(self, mtype, body):
        self.tag += 1
        self.sock.sendall(struct.pack("<IBH", 7 + len(body), mtype, self.tag) + body)
        fds = []
        hdr = b""
        while len(hdr) < 4:
            data, got, _, _ = socket.recv_fds(self.sock, 4 - len(hdr), 4)
            if not data:
                raise EOFError
            hdr += data
            fds += got
        size = struct.unpack("<I", hdr)[0]
        rest = b""
        while len(rest) < size - 4:
            data = self.sock.recv(size - 4 - len(rest))
            if not data:
                raise EOFError
            rest += data
        rtype, tag = struct.unpack("<BH", rest[:3])
        assert tag == self.tag, "tag mismatch"
        body = rest[3:]
        if rtype == RLERROR:
            return -struct.unpack("<I", body)[0], fds
        assert rtype == mtype + 1, "reply type %d to %d" % (rtype, mtype)
        return body, fds

    def version(self):
        body, _ = self.rpc(TVERSION, struct.pack("<I", 65536) + s("9P2000.L"))
        assert body[6:] == b"9P2000.L", body

    def newfid(self):
        self.fid += 1
        return self.fid

    def attach(self, aname="/"):
        fid = self.newfid()
        r, _ = self.rpc(TATTACH, struct.pack("<II", fid, 0xffffffff) + s("") + s(aname) + struct.pack("<I", 0))
        return r if isinstance(r, int) else fid

    def walk(self, fid, names):
        nf = self.newfid()
        r, _ = self.rpc(TWALK, struct.pack("<IIH", fid, nf, len(names)) + b"".join(s(n) for n in names))
        if isinstance(r, int):
            return r
        nwqid = struct.unpack("<H", r[:2])[0]
        return nf if nwqid == len(names) else -errno.ENOENT

    def lopen(self, fid, flags):
        r, fds = self.rpc(TLOPEN, struct.pack("<II", fid, flags))
        return (r, fds) if isinstance(r, int) else (0, fds)

    def lcreate(self, fid, name, flags, mode):
        r, fds = self.rpc(TLCREATE, struct.pack("<I", fid) + s(name) + struct.pack("<III", flags, mode, 0))
        return (r, fds) if isinstance(r, int) else (0, fds)

    def read(self, fid, count):
        r, _ = self.rpc(TREAD, struct.pack("<IQI", fid, 0, count))
        return r if isinstance(r, int) else r[4:4 + struct.unpack("<I", r[:4])[0]]

    def write(self, fid, data):
        r, _ = self.rpc(TWRITE, struct.pack("<IQI", fid, 0, len(data)) + data)
        return r if isinstance(r, int) else struct.unpack("<I", r)[0]

    def readdir_names(self, fid):
        r, _ = self.rpc(TREADDIR, struct.pack("<IQI", fid, 0, 8192))
        data = r[4:]
        names, off = [], 0
        while off < len(data):
            n = struct.unpack("<H", data[off + 22:off + 24])[0]
            names.append(data[off + 24:off + 24 + n].decode())
            off += 24 + n
        return sorted(names)

    def mkdir(self, fid, name):
        r, _ = self.rpc(TMKDIR, struct.pack("<I", fid) + s(name) + struct.pack("<II", 0o755, 0))
        return r if isinstance(r, int) else 0

    def close(self):
        self.sock.close()
        return self.proc.wait(timeout=30)

def expect(cond, what):
    if not cond:
        print("# failed: " + what)
        sys.exit(1)

def read_file_via_fd(fds):
    expect(len(fds) == 1, "one donated fd")
    data = os.pread(fds[0], 4096, 0)
    os.close(fds[0])
    return data

g = Gofer(["--rootfs", rootfs] + extra)
g.version()
root = g.attach()
expect(root > 0, "attach /")

if scenario == "serve":
    f = g.walk(root, ["hello.txt"])
    expect(f > 0, "walk hello.txt")
    rc, fds = g.lopen(f, os.O_RDONLY)
    expect(rc == 0, "lopen")
    expect(read_file_via_fd(fds) == b"hello from the rootfs\n", "donated fd reads the file")
    expect(g.read(f, 100) == b"hello from the rootfs\n", "Tread reads the file")
    d = g.walk(root, [])
    rc, fds = g.lcreate(d, "created.txt", os.O_RDWR, 0o640)
    expect(rc == 0 and len(fds) == 1, "lcreate donates")
    expect(os.write(fds[0], b"via fd\n") == 7, "write through the donated fd")
    expect(g.write(d, b"VIA") == 3, "Twrite")
    os.close(fds[0])
    expect(g.mkdir(root, "newdir") == 0, "mkdir")
    expect(g.close() == 0, "exit 0 at EOF")
elif scenario == "escapes":
    expect(g.walk(root, ["..", "..", "etc", "passwd"]) < 0, ".. stays in the rootfs")
    pw = g.walk(root, ["pw"])
    expect(pw > 0, "walk to the symlink itself")
    expect(g.lopen(pw, os.O_RDONLY)[0] == -errno.ELOOP, "symlink to /etc/passwd not followed")
    sl = g.walk(root, ["secret-link"])
    expect(g.lopen(sl, os.O_RDONLY)[0] == -errno.ELOOP, "symlink to a host file not followed")
    # A short Rwalk (stopped after "up"): this client reports it as ENOENT.
    expect(g.walk(root, ["up", "etc"]) == -errno.ENOENT, "no walk through a symlink")
    u = g.walk(root, ["up"])
    expect(g.walk(u, ["etc"]) == -errno.ENOTDIR, "a symlink is not a directory")
    expect(g.mkdir(root, "../x") == -errno.EINVAL, "name with a slash")
    expect(g.mkdir(root, "..") == -errno.EINVAL, "name ..")
    dn = g.walk(root, ["devnull"])
    expect(g.lopen(dn, os.O_RDWR)[0] == -errno.EPERM, "device node not opened")
    # The tmpfs mounted on rootfs/proc is not carried: an empty directory.
    p = g.walk(root, ["proc"])
    expect(p > 0 and g.lopen(p, os.O_RDONLY | os.O_DIRECTORY)[0] == 0, "open proc")
    expect(g.readdir_names(p) == [".", ".."], "submount not served")
    expect(g.close() == 0, "exit 0 at EOF")
elif scenario == "confined":
    pid = g.proc.pid
    status = dict(l.split(":", 1) for l in open("/proc/%d/status" % pid).read().splitlines())
    expect(status["Seccomp"].strip() == "2", "seccomp filter on")
    expect(status["NoNewPrivs"].strip() == "1", "no_new_privs")
    # CHOWN, DAC_OVERRIDE, DAC_READ_SEARCH, FOWNER, FSETID
    want = (1 << 0) | (1 << 1) | (1 << 2) | (1 << 3) | (1 << 4)
    expect(int(status["CapEff"], 16) == want, "effective caps " + status["CapEff"])
    expect(int(status["CapBnd"], 16) == want, "bounding set " + status["CapBnd"])
    expect(int(status["CapPrm"], 16) == want, "permitted caps")
    # Its root is the rootfs: host paths outside it do not exist there.
    groot = "/proc/%d/root" % pid
    expect(os.path.exists(groot + "/hello.txt"), "rootfs is its root")
    expect(not os.path.exists(groot + os.environ["SECRET"]), "host file outside the rootfs unreachable")
    expect(not os.path.exists(groot + "/proc/submount.txt"), "submount gone")
    mounts = open("/proc/%d/mountinfo" % pid).read().splitlines()
    expect(len(mounts) == 1, "one mount in its namespace: %d" % len(mounts))
    expect("nodev" in mounts[0] and "nosuid" in mounts[0], "nodev,nosuid")
    expect(g.close() == 0, "exit 0 at EOF")
elif scenario == "host-root":
    # `runsc do` without --rootfs serves / read-only: only /'s own file system.
    p = g.walk(root, ["proc"])
    expect(p > 0 and g.lopen(p, os.O_RDONLY | os.O_DIRECTORY)[0] == 0, "open /proc")
    expect(g.readdir_names(p) == [".", ".."], "host /proc not served")
    expect(g.walk(root, ["proc", "self"]) == -errno.ENOENT, "no /proc/self")
    expect(g.walk(root, ["sys", "kernel"]) == -errno.ENOENT, "no /sys")
    e = g.walk(root, ["etc", "passwd"])
    rc, fds = g.lopen(e, os.O_RDONLY)
    expect(rc == 0 and b"root:" in read_file_via_fd(fds), "reads /etc/passwd of the served root")
    e2 = g.walk(root, ["etc", "passwd"])
    expect(g.lopen(e2, os.O_RDWR)[0] == -errno.EROFS, "read-only")
    t = g.walk(root, ["tmp"])
    expect(g.mkdir(t, "x") == -errno.EROFS, "no mkdir on a read-only root")
    expect(g.close() == 0, "exit 0 at EOF")
elif scenario == "mount":
    d = g.attach("/data")
    expect(d > 0, "attach /data")
    f = g.walk(d, ["d.txt"])
    rc, fds = g.lopen(f, os.O_RDONLY)
    expect(rc == 0 and read_file_via_fd(fds) == b"data file\n", "reads the bind mount")
    f2 = g.walk(d, ["d.txt"])
    expect(g.lopen(f2, os.O_WRONLY)[0] == -errno.EROFS, "read-only bind mount")
    expect(g.mkdir(d, "x") == -errno.EROFS, "no mkdir in it")
    expect(g.attach("/nope") == -errno.ENOENT, "unknown attach name")
    h = g.attach("/etc/hostname")
    rc, fds = g.lopen(h, os.O_RDONLY)
    expect(rc == 0 and read_file_via_fd(fds) == b"sandbox-host\n", "a file bind mount")
    expect(g.mkdir(root, "rootdir") == 0, "the root stays writable")
    expect(g.close() == 0, "exit 0 at EOF")
elif scenario == "all-ops":
    # Every request kind once, so a syscall missing from the seccomp
    # allowlist kills the gofer and fails this.
    def ok(mtype, body, what):
        r, fds = g.rpc(mtype, body)
        for fd in fds:
            os.close(fd)
        expect(not isinstance(r, int), what + ": " + str(r))
        return r
    d = g.walk(root, [])
    rc, fds = g.lcreate(d, "f", os.O_RDWR, 0o600)
    expect(rc == 0, "lcreate")
    os.close(fds[0])
    expect(g.write(d, b"0123456789") == 10, "write")
    ok(50, struct.pack("<II", d, 1), "fsync")
    f = g.walk(root, ["f"])
    ok(26, struct.pack("<IIIII", f, 0x1 | 0x2 | 0x4 | 0x8 | 0x10 | 0x20 | 0x80 | 0x100, 0o604, 12, 34)
       + struct.pack("<QQQQQ", 3, 1000, 0, 2000, 0), "setattr mode, owner, size, times")
    a = ok(24, struct.pack("<IQ", f, 0x7ff), "getattr")
    mode, uid, gid = struct.unpack("<III", a[21:33])
    size = struct.unpack("<Q", a[49:57])[0]
    expect((mode & 0o7777, uid, gid, size) == (0o604, 12, 34, 3), "attributes set")
    ok(8, struct.pack("<I", f), "statfs")
    ok(16, struct.pack("<I", root) + s("sl") + s("f") + struct.pack("<I", 0), "symlink")
    sl = g.walk(root, ["sl"])
    r = ok(22, struct.pack("<I", sl), "readlink")
    expect(r[2:] == b"f", "readlink target")
    ok(70, struct.pack("<II", root, f) + s("hard"), "link")
    ok(18, struct.pack("<I", root) + s("fifo") + struct.pack("<IIII", 0o10600, 0, 0, 0), "mknod fifo")
    ok(74, struct.pack("<I", root) + s("hard") + struct.pack("<I", root) + s("hard2"), "renameat")
    ok(76, struct.pack("<I", root) + s("hard2") + struct.pack("<I", 0), "unlinkat")
    expect(g.mkdir(root, "sub") == 0, "mkdir")
    ok(76, struct.pack("<I", root) + s("sub") + struct.pack("<I", 0x200), "rmdir")
    ok(122, struct.pack("<I", sl), "remove")
    ok(120, struct.pack("<I", f), "clunk")
    expect(g.close() == 0, "exit 0 at EOF")
elif scenario == "log":
    # Failing requests log debug lines while a donated file is open: the
    # lines go to the log file, never into a container file that reuses
    # the log's fd number.
    f = g.walk(root, ["victim.txt"])
    rc, fds = g.lopen(f, os.O_RDWR)
    expect(rc == 0, "lopen victim.txt")
    for fd in fds:
        os.close(fd)
    for bad in range(1000, 1004):
        r, _ = g.rpc(TCLUNK, struct.pack("<I", bad))
        expect(r == -errno.EBADF, "clunk of an unknown fid: " + str(r))
    expect(g.close() == 0, "exit 0 at EOF")
elif scenario == "garbage":
    # A lying size field costs the connection: exit status 2, no crash.
    g.sock.sendall(struct.pack("<IBH", 0x7fffffff, TREAD, 1) + b"junk")
    try:
        closed = g.sock.recv(100) == b""
    except ConnectionResetError:  # it closed with our junk unread
        closed = True
    expect(closed, "connection closed")
    expect(g.proc.wait(timeout=30) == 2, "exit 2 on a protocol violation")
else:
    expect(False, "unknown scenario " + scenario)
EOF

run_scenario() {
	python3 "$client" "$RUNSC" "$@"
}

check "serves files and donates fds" run_scenario serve "$rootfs"
check "created files reach the rootfs" \
	bash -c '[[ $(cat "$1/created.txt") == "VIA fd" && -d "$1/newdir" ]]' _ "$rootfs"
check "created file has the asked mode" \
	bash -c '[[ $(stat -c %a "$1/created.txt") == 640 ]]' _ "$rootfs"
check "refuses escapes" run_scenario escapes "$rootfs"
check "every request works under the seccomp filter" \
	run_scenario all-ops "$rootfs"
check "the requests reached the rootfs" \
	bash -c '[[ -p "$1/fifo" && ! -e "$1/sl" && ! -e "$1/hard2" && $(stat -c %s:%u "$1/f") == 3:12 ]]' _ "$rootfs"
check "is confined (root, mounts, caps, seccomp)" \
	env SECRET="$TEST_TMP/secret.txt" python3 "$client" "$RUNSC" confined "$rootfs"
check "serves / read-only without host submounts" run_scenario host-root / --ro
check "serves bind mounts (a directory, a file) read-only" \
	run_scenario mount "$rootfs" --mount "/data=$data:ro" \
	--mount "/etc/hostname=$TEST_TMP/hostname:ro"
echo "victim" >"$rootfs/victim.txt"
check "debug log lines go to --debug-log, not into served files" \
	env GOFER_LOG="$TEST_TMP/gofer.log" python3 "$client" "$RUNSC" log "$rootfs"
check "served file untouched by the log" \
	bash -c '[[ $(cat "$1/victim.txt") == victim ]]' _ "$rootfs"
check "the log file got the debug lines" \
	grep -q "Tclunk" "$TEST_TMP/gofer.log"
check "a garbage client costs only its connection" run_scenario garbage "$rootfs"

expect_user_error() {
	local word=$1 err
	shift
	err=$("$RUNSC" gofer "$@" 2>&1 >/dev/null) && return 1
	[[ $(printf '%s\n' "$err" | wc -l) -eq 1 && $err == *"$word"* ]]
}
check "gofer without --rootfs" expect_user_error "--rootfs" --sock-fd 0
check "gofer with a bad --sock-fd" expect_user_error "--sock-fd" --rootfs / --sock-fd x
check "gofer with a bad --mount" expect_user_error "--mount" --rootfs / --sock-fd 0 --mount data
check "gofer with a missing rootfs" \
	bash -c 'exec 3<>/dev/null; python3 -c "
import socket, subprocess, sys
a, b = socket.socketpair()
p = subprocess.run([sys.argv[1], \"gofer\", \"--rootfs\", \"/nonexistent-rootfs\", \"--sock-fd\", str(b.fileno())], pass_fds=[b.fileno()], capture_output=True, text=True)
sys.exit(0 if p.returncode == 1 and \"/nonexistent-rootfs\" in p.stderr else 1)
" "$1"' _ "$RUNSC"
