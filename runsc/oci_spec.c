/* config.json: parsing and checking (see oci_spec.h for the contract).
 *
 * Every reader below takes a struct pctx that knows the file and the field
 * being read ("process.rlimits[1].type"), so that every refusal is one
 * line naming both. Readers return 0 or a negative value with the error
 * set; on failure the partly filled model is freed by the caller through
 * rs_oci_spec_free(), so every array is allocated zeroed with its count
 * set before it is filled. */
#include "oci_spec.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include "runsc/cleanup.h"
#include "runsc/log.h"

#ifndef MS_NOSYMFOLLOW
#define MS_NOSYMFOLLOW 256
#endif
#ifndef MOUNT_ATTR_RDONLY
#define MOUNT_ATTR_RDONLY      0x00000001
#define MOUNT_ATTR_NOSUID      0x00000002
#define MOUNT_ATTR_NODEV       0x00000004
#define MOUNT_ATTR_NOEXEC      0x00000008
#define MOUNT_ATTR__ATIME      0x00000070
#define MOUNT_ATTR_RELATIME    0x00000000
#define MOUNT_ATTR_NOATIME     0x00000010
#define MOUNT_ATTR_STRICTATIME 0x00000020
#define MOUNT_ATTR_NODIRATIME  0x00000080
#define MOUNT_ATTR_NOSYMFOLLOW 0x00200000
#endif

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

/* ---- name tables ---------------------------------------------------- */

static const char *const hook_names[RS_OCI_HOOK_KINDS] = {
	[RS_OCI_HOOK_PRESTART] = "prestart",
	[RS_OCI_HOOK_CREATE_RUNTIME] = "createRuntime",
	[RS_OCI_HOOK_CREATE_CONTAINER] = "createContainer",
	[RS_OCI_HOOK_START_CONTAINER] = "startContainer",
	[RS_OCI_HOOK_POSTSTART] = "poststart",
	[RS_OCI_HOOK_POSTSTOP] = "poststop",
};

static const char *const ns_names[RS_OCI_NS_TYPES] = {
	[RS_OCI_NS_PID] = "pid",       [RS_OCI_NS_NETWORK] = "network",
	[RS_OCI_NS_MOUNT] = "mount",   [RS_OCI_NS_IPC] = "ipc",
	[RS_OCI_NS_UTS] = "uts",       [RS_OCI_NS_USER] = "user",
	[RS_OCI_NS_CGROUP] = "cgroup", [RS_OCI_NS_TIME] = "time",
};

static const char *const cap_set_names[RS_OCI_CAP_NSETS] = {
	[RS_OCI_CAP_BOUNDING] = "bounding",
	[RS_OCI_CAP_EFFECTIVE] = "effective",
	[RS_OCI_CAP_INHERITABLE] = "inheritable",
	[RS_OCI_CAP_PERMITTED] = "permitted",
	[RS_OCI_CAP_AMBIENT] = "ambient",
};

/* linux/capability.h's numbering. */
static const char *const cap_names[RS_OCI_CAP_LAST + 1] = {
	"CAP_CHOWN",
	"CAP_DAC_OVERRIDE",
	"CAP_DAC_READ_SEARCH",
	"CAP_FOWNER",
	"CAP_FSETID",
	"CAP_KILL",
	"CAP_SETGID",
	"CAP_SETUID",
	"CAP_SETPCAP",
	"CAP_LINUX_IMMUTABLE",
	"CAP_NET_BIND_SERVICE",
	"CAP_NET_BROADCAST",
	"CAP_NET_ADMIN",
	"CAP_NET_RAW",
	"CAP_IPC_LOCK",
	"CAP_IPC_OWNER",
	"CAP_SYS_MODULE",
	"CAP_SYS_RAWIO",
	"CAP_SYS_CHROOT",
	"CAP_SYS_PTRACE",
	"CAP_SYS_PACCT",
	"CAP_SYS_ADMIN",
	"CAP_SYS_BOOT",
	"CAP_SYS_NICE",
	"CAP_SYS_RESOURCE",
	"CAP_SYS_TIME",
	"CAP_SYS_TTY_CONFIG",
	"CAP_MKNOD",
	"CAP_LEASE",
	"CAP_AUDIT_WRITE",
	"CAP_AUDIT_CONTROL",
	"CAP_SETFCAP",
	"CAP_MAC_OVERRIDE",
	"CAP_MAC_ADMIN",
	"CAP_SYSLOG",
	"CAP_WAKE_ALARM",
	"CAP_BLOCK_SUSPEND",
	"CAP_AUDIT_READ",
	"CAP_PERFMON",
	"CAP_BPF",
	"CAP_CHECKPOINT_RESTORE",
};

static const struct {
	const char *name;
	int resource;
} rlimits[] = {
	{ "RLIMIT_CPU", RLIMIT_CPU },
	{ "RLIMIT_FSIZE", RLIMIT_FSIZE },
	{ "RLIMIT_DATA", RLIMIT_DATA },
	{ "RLIMIT_STACK", RLIMIT_STACK },
	{ "RLIMIT_CORE", RLIMIT_CORE },
	{ "RLIMIT_RSS", RLIMIT_RSS },
	{ "RLIMIT_NPROC", RLIMIT_NPROC },
	{ "RLIMIT_NOFILE", RLIMIT_NOFILE },
	{ "RLIMIT_MEMLOCK", RLIMIT_MEMLOCK },
	{ "RLIMIT_AS", RLIMIT_AS },
	{ "RLIMIT_LOCKS", RLIMIT_LOCKS },
	{ "RLIMIT_SIGPENDING", RLIMIT_SIGPENDING },
	{ "RLIMIT_MSGQUEUE", RLIMIT_MSGQUEUE },
	{ "RLIMIT_NICE", RLIMIT_NICE },
	{ "RLIMIT_RTPRIO", RLIMIT_RTPRIO },
	{ "RLIMIT_RTTIME", RLIMIT_RTTIME },
};

/* runc's mount options (libcontainer/specconv: mountFlags,
 * mountPropagationMapping, recAttrFlags, extensionFlags), sorted by name
 * as `runsc features` lists them. */
enum opt_kind {
	OPT_FLAG,	 /* MS_* set (or cleared) in flags */
	OPT_PROPAGATION, /* MS_SHARED... in propagation */
	OPT_ATTR,	 /* MOUNT_ATTR_* set (or cleared), recursively */
	OPT_TMPCOPYUP,
};

static const struct mount_opt {
	const char *name;
	enum opt_kind kind;
	bool clear;
	unsigned long flag;
} mount_opts[] = {
	{ "acl", OPT_FLAG, false, MS_POSIXACL },
	{ "async", OPT_FLAG, true, MS_SYNCHRONOUS },
	{ "atime", OPT_FLAG, true, MS_NOATIME },
	{ "bind", OPT_FLAG, false, MS_BIND },
	{ "defaults", OPT_FLAG, false, 0 },
	{ "dev", OPT_FLAG, true, MS_NODEV },
	{ "diratime", OPT_FLAG, true, MS_NODIRATIME },
	{ "dirsync", OPT_FLAG, false, MS_DIRSYNC },
	{ "exec", OPT_FLAG, true, MS_NOEXEC },
	{ "iversion", OPT_FLAG, false, MS_I_VERSION },
	{ "lazytime", OPT_FLAG, false, MS_LAZYTIME },
	{ "loud", OPT_FLAG, true, MS_SILENT },
	{ "mand", OPT_FLAG, false, MS_MANDLOCK },
	{ "noacl", OPT_FLAG, true, MS_POSIXACL },
	{ "noatime", OPT_FLAG, false, MS_NOATIME },
	{ "nodev", OPT_FLAG, false, MS_NODEV },
	{ "nodiratime", OPT_FLAG, false, MS_NODIRATIME },
	{ "noexec", OPT_FLAG, false, MS_NOEXEC },
	{ "noiversion", OPT_FLAG, true, MS_I_VERSION },
	{ "nolazytime", OPT_FLAG, true, MS_LAZYTIME },
	{ "nomand", OPT_FLAG, true, MS_MANDLOCK },
	{ "norelatime", OPT_FLAG, true, MS_RELATIME },
	{ "nostrictatime", OPT_FLAG, true, MS_STRICTATIME },
	{ "nosuid", OPT_FLAG, false, MS_NOSUID },
	{ "nosymfollow", OPT_FLAG, false, MS_NOSYMFOLLOW },
	{ "private", OPT_PROPAGATION, false, MS_PRIVATE },
	{ "ratime", OPT_ATTR, true, MOUNT_ATTR_NOATIME },
	{ "rbind", OPT_FLAG, false, MS_BIND | MS_REC },
	{ "rdev", OPT_ATTR, true, MOUNT_ATTR_NODEV },
	{ "rdiratime", OPT_ATTR, true, MOUNT_ATTR_NODIRATIME },
	{ "relatime", OPT_FLAG, false, MS_RELATIME },
	{ "remount", OPT_FLAG, false, MS_REMOUNT },
	{ "rexec", OPT_ATTR, true, MOUNT_ATTR_NOEXEC },
	{ "rnoatime", OPT_ATTR, false, MOUNT_ATTR_NOATIME },
	{ "rnodev", OPT_ATTR, false, MOUNT_ATTR_NODEV },
	{ "rnodiratime", OPT_ATTR, false, MOUNT_ATTR_NODIRATIME },
	{ "rnoexec", OPT_ATTR, false, MOUNT_ATTR_NOEXEC },
	{ "rnorelatime", OPT_ATTR, true, MOUNT_ATTR__ATIME },
	{ "rnostrictatime", OPT_ATTR, true, MOUNT_ATTR_STRICTATIME },
	{ "rnosuid", OPT_ATTR, false, MOUNT_ATTR_NOSUID },
	{ "rnosymfollow", OPT_ATTR, false, MOUNT_ATTR_NOSYMFOLLOW },
	{ "ro", OPT_FLAG, false, MS_RDONLY },
	{ "rprivate", OPT_PROPAGATION, false, MS_PRIVATE | MS_REC },
	{ "rrelatime", OPT_ATTR, false, MOUNT_ATTR_RELATIME },
	{ "rro", OPT_ATTR, false, MOUNT_ATTR_RDONLY },
	{ "rrw", OPT_ATTR, true, MOUNT_ATTR_RDONLY },
	{ "rshared", OPT_PROPAGATION, false, MS_SHARED | MS_REC },
	{ "rslave", OPT_PROPAGATION, false, MS_SLAVE | MS_REC },
	{ "rstrictatime", OPT_ATTR, false, MOUNT_ATTR_STRICTATIME },
	{ "rsuid", OPT_ATTR, true, MOUNT_ATTR_NOSUID },
	{ "rsymfollow", OPT_ATTR, true, MOUNT_ATTR_NOSYMFOLLOW },
	{ "runbindable", OPT_PROPAGATION, false, MS_UNBINDABLE | MS_REC },
	{ "rw", OPT_FLAG, true, MS_RDONLY },
	{ "shared", OPT_PROPAGATION, false, MS_SHARED },
	{ "silent", OPT_FLAG, false, MS_SILENT },
	{ "slave", OPT_PROPAGATION, false, MS_SLAVE },
	{ "strictatime", OPT_FLAG, false, MS_STRICTATIME },
	{ "suid", OPT_FLAG, true, MS_NOSUID },
	{ "symfollow", OPT_FLAG, true, MS_NOSYMFOLLOW },
	{ "sync", OPT_FLAG, false, MS_SYNCHRONOUS },
	{ "tmpcopyup", OPT_TMPCOPYUP, false, 0 },
	{ "unbindable", OPT_PROPAGATION, false, MS_UNBINDABLE },
};

/* rootfsPropagation: runc's mountPropagationMapping. */
static const struct {
	const char *name;
	unsigned long flags;
} propagations[] = {
	{ "private", MS_PRIVATE },
	{ "rprivate", MS_PRIVATE | MS_REC },
	{ "shared", MS_SHARED },
	{ "rshared", MS_SHARED | MS_REC },
	{ "slave", MS_SLAVE },
	{ "rslave", MS_SLAVE | MS_REC },
	{ "unbindable", MS_UNBINDABLE },
	{ "runbindable", MS_UNBINDABLE | MS_REC },
};

/* libseccomp 2.5's names, as runc's features lists them. */
static const char *const seccomp_actions[] = {
	"SCMP_ACT_ALLOW",	 "SCMP_ACT_ERRNO",	 "SCMP_ACT_KILL",
	"SCMP_ACT_KILL_PROCESS", "SCMP_ACT_KILL_THREAD", "SCMP_ACT_LOG",
	"SCMP_ACT_NOTIFY",	 "SCMP_ACT_TRACE",	 "SCMP_ACT_TRAP",
};
static const char *const seccomp_operators[] = {
	"SCMP_CMP_EQ", "SCMP_CMP_GE",	     "SCMP_CMP_GT", "SCMP_CMP_LE",
	"SCMP_CMP_LT", "SCMP_CMP_MASKED_EQ", "SCMP_CMP_NE",
};
static const char *const seccomp_archs[] = {
	"SCMP_ARCH_AARCH64",  "SCMP_ARCH_ARM",	       "SCMP_ARCH_MIPS",
	"SCMP_ARCH_MIPS64",   "SCMP_ARCH_MIPS64N32",   "SCMP_ARCH_MIPSEL",
	"SCMP_ARCH_MIPSEL64", "SCMP_ARCH_MIPSEL64N32", "SCMP_ARCH_PARISC",
	"SCMP_ARCH_PARISC64", "SCMP_ARCH_PPC",	       "SCMP_ARCH_PPC64",
	"SCMP_ARCH_PPC64LE",  "SCMP_ARCH_RISCV64",     "SCMP_ARCH_S390",
	"SCMP_ARCH_S390X",    "SCMP_ARCH_X32",	       "SCMP_ARCH_X86",
	"SCMP_ARCH_X86_64",
};
static const char *const seccomp_flags[] = {
	"SECCOMP_FILTER_FLAG_LOG",
	"SECCOMP_FILTER_FLAG_SPEC_ALLOW",
	"SECCOMP_FILTER_FLAG_TSYNC",
	"SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV",
};

const char *rs_oci_hook_name(enum rs_oci_hook_kind kind)
{
	return (unsigned)kind < RS_OCI_HOOK_KINDS ? hook_names[kind] : NULL;
}

const char *rs_oci_ns_name(enum rs_oci_ns_type type)
{
	return (unsigned)type < RS_OCI_NS_TYPES ? ns_names[type] : NULL;
}

const char *rs_oci_cap_name(unsigned cap)
{
	return cap <= RS_OCI_CAP_LAST ? cap_names[cap] : NULL;
}

const char *rs_oci_cap_set_name(enum rs_oci_cap_set set)
{
	return (unsigned)set < RS_OCI_CAP_NSETS ? cap_set_names[set] : NULL;
}

const char *rs_oci_mount_option_name(unsigned i)
{
	return i < ARRAY_SIZE(mount_opts) ? mount_opts[i].name : NULL;
}

const char *rs_oci_seccomp_action_name(unsigned i)
{
	return i < ARRAY_SIZE(seccomp_actions) ? seccomp_actions[i] : NULL;
}

const char *rs_oci_seccomp_operator_name(unsigned i)
{
	return i < ARRAY_SIZE(seccomp_operators) ? seccomp_operators[i] : NULL;
}

const char *rs_oci_seccomp_arch_name(unsigned i)
{
	return i < ARRAY_SIZE(seccomp_archs) ? seccomp_archs[i] : NULL;
}

const char *rs_oci_seccomp_flag_name(unsigned i)
{
	return i < ARRAY_SIZE(seccomp_flags) ? seccomp_flags[i] : NULL;
}

const char *rs_oci_rlimit_name(unsigned i)
{
	return i < ARRAY_SIZE(rlimits) ? rlimits[i].name : NULL;
}

int rs_oci_cap_from_name(const char *name)
{
	for (unsigned i = 0; i <= RS_OCI_CAP_LAST; i++)
		if (strcmp(cap_names[i], name) == 0)
			return (int)i;
	return -1;
}

int rs_oci_rlimit_from_name(const char *name)
{
	for (size_t i = 0; i < ARRAY_SIZE(rlimits); i++)
		if (strcmp(rlimits[i].name, name) == 0)
			return rlimits[i].resource;
	return -1;
}

static bool in_list(const char *const *list, size_t n, const char *s)
{
	for (size_t i = 0; i < n; i++)
		if (strcmp(list[i], s) == 0)
			return true;
	return false;
}

/* ---- the reading context -------------------------------------------- */

struct pctx {
	const char *file; /* "config.json", or a process file's name */
	char path[256];	  /* the field being read, "" at the top */
	size_t len;
	bool as_real; /* the document was parsed with INT_AS_REAL */
	struct rs_error **err;
};

/* Copies s for a one-line message: control bytes as \xNN, at most 64
 * bytes, cut on a UTF-8 character boundary (jansson has checked that s
 * is valid UTF-8). */
static const char *shown(const char *s, char *buf, size_t len)
{
	size_t o = 0, i = 0;
	const size_t max_in = 64;
	for (; i < max_in && s[i] && o + 5 < len; i++) {
		unsigned char ch = (unsigned char)s[i];
		if (ch < 0x20 || ch == 0x7f || ch == '`') {
			o += (size_t)snprintf(buf + o, len - o, "\\x%02x", ch);
			continue;
		}
		buf[o++] = (char)ch;
	}
	if (s[i]) {
		/* Cut: drop a partial UTF-8 sequence at the end. */
		while (o > 0 && ((unsigned char)buf[o - 1] & 0xc0) == 0x80)
			o--;
		if (o > 0 && ((unsigned char)buf[o - 1] & 0xc0) == 0xc0)
			o--;
		if (o + 4 > len)
			o = len - 4;
		memcpy(buf + o, "...", 3);
		o += 3;
	}
	buf[o] = '\0';
	return buf;
}

static void path_append(struct pctx *c, const char *text)
{
	size_t n = strlen(text);
	if (c->len + n + 4 >= sizeof(c->path)) {
		/* Deeper than any real field: mark the cut, keep going. */
		if (c->len + 4 < sizeof(c->path))
			memcpy(c->path + c->len, "...", 4);
		c->len = strlen(c->path);
		return;
	}
	memcpy(c->path + c->len, text, n + 1);
	c->len += n;
}

static size_t push_key(struct pctx *c, const char *key)
{
	size_t mark = c->len;
	if (c->len)
		path_append(c, ".");
	path_append(c, key);
	return mark;
}

/* A key chosen by the document's author (annotations, sysctl): quoted. */
static size_t push_mapkey(struct pctx *c, const char *key)
{
	size_t mark = c->len;
	char buf[160], item[180];
	snprintf(item, sizeof(item), "[\"%s\"]", shown(key, buf, sizeof(buf)));
	path_append(c, item);
	return mark;
}

static size_t push_index(struct pctx *c, size_t i)
{
	size_t mark = c->len;
	char item[32];
	snprintf(item, sizeof(item), "[%zu]", i);
	path_append(c, item);
	return mark;
}

static void pop(struct pctx *c, size_t mark)
{
	c->len = mark;
	c->path[mark] = '\0';
}

static int fail(struct pctx *c, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static int fail(struct pctx *c, const char *fmt, ...)
{
	char msg[512];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (c->len)
		return rs_error_set(c->err, 0, "%s: %s: %s", c->file, c->path,
				    msg);
	return rs_error_set(c->err, 0, "%s: %s", c->file, msg);
}

static int fail_nomem(struct pctx *c)
{
	return rs_error_set(c->err, ENOMEM, "%s: %s", c->file,
			    c->len ? c->path : "reading");
}

/* A member of obj; NULL when absent or null (Go reads null as absent). */
static json_t *member(json_t *obj, const char *key)
{
	json_t *v = json_object_get(obj, key);
	return json_is_null(v) ? NULL : v;
}

/* ---- typed readers: each names the field it refuses ----------------- */

static int as_object(struct pctx *c, json_t *v)
{
	return json_is_object(v) ? 0 : fail(c, "must be an object");
}

/* obj[key] as an object, or NULL when absent. */
static int get_object(struct pctx *c, json_t *obj, const char *key,
		      json_t **out)
{
	json_t *v = member(obj, key);
	*out = NULL;
	if (v == NULL)
		return 0;
	size_t m = push_key(c, key);
	int r = as_object(c, v);
	if (r == 0 && json_object_size(v) > RS_OCI_MAX_ITEMS)
		r = fail(c, "has more than %u entries", RS_OCI_MAX_ITEMS);
	pop(c, m);
	if (r == 0)
		*out = v;
	return r;
}

static int check_array(struct pctx *c, json_t *v)
{
	if (!json_is_array(v))
		return fail(c, "must be an array");
	if (json_array_size(v) > RS_OCI_MAX_ITEMS)
		return fail(c, "has more than %u entries", RS_OCI_MAX_ITEMS);
	return 0;
}

/* obj[key] as an array, or NULL when absent. */
static int get_array(struct pctx *c, json_t *obj, const char *key, json_t **out)
{
	json_t *v = member(obj, key);
	*out = NULL;
	if (v == NULL)
		return 0;
	size_t m = push_key(c, key);
	int r = check_array(c, v);
	pop(c, m);
	if (r == 0)
		*out = v;
	return r;
}

static int get_string(struct pctx *c, json_t *obj, const char *key,
		      bool required, const char **out)
{
	json_t *v = member(obj, key);
	*out = NULL;
	size_t m = push_key(c, key);
	int r = 0;
	if (v == NULL) {
		if (required)
			r = fail(c, "is required");
	} else if (!json_is_string(v)) {
		r = fail(c, "must be a string");
	} else {
		*out = json_string_value(v);
	}
	pop(c, m);
	return r;
}

static bool is_abs(const char *p)
{
	return p != NULL && p[0] == '/';
}

/* A string that must be an absolute path. */
static int get_abs_path(struct pctx *c, json_t *obj, const char *key,
			bool required, const char **out)
{
	if (get_string(c, obj, key, required, out) < 0)
		return -1;
	if (*out == NULL || is_abs(*out))
		return 0;
	size_t m = push_key(c, key);
	char buf[96];
	int r = fail(c, "`%s` must be an absolute path",
		     shown(*out, buf, sizeof(buf)));
	pop(c, m);
	return r;
}

static int get_bool(struct pctx *c, json_t *obj, const char *key,
		    struct rs_oci_opt_bool *out)
{
	json_t *v = member(obj, key);
	*out = (struct rs_oci_opt_bool){ 0 };
	if (v == NULL)
		return 0;
	if (!json_is_boolean(v)) {
		size_t m = push_key(c, key);
		int r = fail(c, "must be true or false");
		pop(c, m);
		return r;
	}
	*out = (struct rs_oci_opt_bool){ true, json_is_true(v) };
	return 0;
}

static bool get_flag(struct pctx *c, json_t *obj, const char *key, int *r)
{
	struct rs_oci_opt_bool b;
	if (get_bool(c, obj, key, &b) < 0)
		*r = -1;
	return b.v;
}

/* The number v as a signed or unsigned integer. In the INT_AS_REAL
 * fallback every number is a double: an integral one is accepted, and
 * 2^63 and 2^64 (where INT64_MAX and UINT64_MAX round to) saturate.
 * Returns 0 and sets *neg and *mag (the magnitude), or -1 when v is not
 * an integer at all, or -2 when it is one but out of any int64/uint64. */
static int number(const struct pctx *c, json_t *v, bool *neg, uint64_t *mag)
{
	if (json_is_integer(v)) {
		json_int_t i = json_integer_value(v);
		*neg = i < 0;
		*mag = i < 0 ? (uint64_t)0 - (uint64_t)i : (uint64_t)i;
		return 0;
	}
	if (!c->as_real || !json_is_real(v))
		return -1;
	double d = json_real_value(v);
	if (!isfinite(d) || d != floor(d))
		return -1;
	*neg = d < 0;
	double a = fabs(d);
	if (a > 18446744073709551616.0)
		return -2;
	*mag = a >= 18446744073709551616.0 ? UINT64_MAX : (uint64_t)a;
	return 0;
}

static int to_u64(struct pctx *c, json_t *v, uint64_t max, uint64_t *out)
{
	bool neg;
	uint64_t mag;
	int r = number(c, v, &neg, &mag);
	if (r == -1)
		return fail(c, "must be an integer");
	if (r < 0 || (neg && mag != 0) || mag > max)
		return fail(c, "must be between 0 and %llu",
			    (unsigned long long)max);
	*out = mag;
	return 0;
}

static int to_i64(struct pctx *c, json_t *v, int64_t min, int64_t max,
		  int64_t *out)
{
	bool neg;
	uint64_t mag;
	int r = number(c, v, &neg, &mag);
	if (r == -1)
		return fail(c, "must be an integer");
	int64_t val = 0;
	bool ok = r == 0;
	if (ok && neg) {
		/* Down to INT64_MIN, whose magnitude is 2^63. */
		ok = mag <= (uint64_t)INT64_MAX + 1;
		val = mag == (uint64_t)INT64_MAX + 1 ? INT64_MIN
						     : -(int64_t)mag;
	} else if (ok) {
		/* A saturated double (2^63) stands for INT64_MAX. */
		if (c->as_real && json_is_real(v) &&
		    mag == (uint64_t)INT64_MAX + 1)
			mag = INT64_MAX;
		ok = mag <= (uint64_t)INT64_MAX;
		val = (int64_t)mag;
	}
	if (!ok || val < min || val > max)
		return fail(c, "must be between %lld and %lld", (long long)min,
			    (long long)max);
	*out = val;
	return 0;
}

static int get_u64(struct pctx *c, json_t *obj, const char *key, bool required,
		   uint64_t max, struct rs_oci_opt_u64 *out)
{
	json_t *v = member(obj, key);
	*out = (struct rs_oci_opt_u64){ 0 };
	size_t m = push_key(c, key);
	int r = 0;
	if (v == NULL) {
		if (required)
			r = fail(c, "is required");
	} else {
		r = to_u64(c, v, max, &out->v);
		out->set = r == 0;
	}
	pop(c, m);
	return r;
}

static int get_i64(struct pctx *c, json_t *obj, const char *key, bool required,
		   int64_t min, int64_t max, struct rs_oci_opt_i64 *out)
{
	json_t *v = member(obj, key);
	*out = (struct rs_oci_opt_i64){ 0 };
	size_t m = push_key(c, key);
	int r = 0;
	if (v == NULL) {
		if (required)
			r = fail(c, "is required");
	} else {
		r = to_i64(c, v, min, max, &out->v);
		out->set = r == 0;
	}
	pop(c, m);
	return r;
}

/* A required uint32. */
static int get_u32(struct pctx *c, json_t *obj, const char *key, uint32_t *out)
{
	struct rs_oci_opt_u64 v;
	if (get_u64(c, obj, key, true, UINT32_MAX, &v) < 0)
		return -1;
	*out = (uint32_t)v.v;
	return 0;
}

/* Allocates n (+1 for a NULL terminator) zeroed elements. */
static void *alloc_items(struct pctx *c, size_t n, size_t size)
{
	void *p = calloc(n + 1, size);
	if (p == NULL)
		fail_nomem(c);
	return p;
}

/* An array of strings (NULL-terminated copy of the pointers). With
 * check_env, each must be NAME=VALUE with a non-empty NAME; with
 * check_abs, an absolute path. */
enum strs_check { STRS_ANY, STRS_ENV, STRS_ABS };

static int string_array(struct pctx *c, json_t *arr, enum strs_check check,
			const char ***out, size_t *n)
{
	size_t count = json_array_size(arr);
	const char **v = alloc_items(c, count, sizeof(*v));
	if (v == NULL)
		return -1;
	*out = v;
	*n = count;
	for (size_t i = 0; i < count; i++) {
		json_t *e = json_array_get(arr, i);
		size_t m = push_index(c, i);
		char buf[96];
		int r = 0;
		if (!json_is_string(e)) {
			r = fail(c, "must be a string");
		} else {
			v[i] = json_string_value(e);
			const char *eq = strchr(v[i], '=');
			if (check == STRS_ENV && (eq == NULL || eq == v[i]))
				r = fail(c, "`%s` is not NAME=VALUE",
					 shown(v[i], buf, sizeof(buf)));
			if (check == STRS_ABS && !is_abs(v[i]))
				r = fail(c, "`%s` must be an absolute path",
					 shown(v[i], buf, sizeof(buf)));
		}
		pop(c, m);
		if (r < 0)
			return r;
	}
	return 0;
}

static int get_strings(struct pctx *c, json_t *obj, const char *key,
		       enum strs_check check, const char ***out, size_t *n)
{
	json_t *arr;
	*out = NULL;
	*n = 0;
	if (get_array(c, obj, key, &arr) < 0)
		return -1;
	if (arr == NULL)
		return 0;
	size_t m = push_key(c, key);
	int r = string_array(c, arr, check, out, n);
	pop(c, m);
	return r;
}

/* An object of strings (annotations, sysctl, unified). */
static int string_map(struct pctx *c, json_t *obj, const char *key,
		      struct rs_oci_kv **out, size_t *n)
{
	json_t *map;
	*out = NULL;
	*n = 0;
	if (get_object(c, obj, key, &map) < 0)
		return -1;
	if (map == NULL)
		return 0;
	size_t m = push_key(c, key);
	struct rs_oci_kv *v = alloc_items(c, json_object_size(map), sizeof(*v));
	int r = v ? 0 : -1;
	size_t i = 0;
	const char *k;
	json_t *val;
	json_object_foreach(map, k, val)
	{
		if (r < 0)
			break;
		if (k[0] == '\0') {
			r = fail(c, "a key is empty");
			break;
		}
		size_t mk = push_mapkey(c, k);
		if (!json_is_string(val))
			r = fail(c, "must be a string");
		else
			v[i++] =
				(struct rs_oci_kv){ k, json_string_value(val) };
		pop(c, mk);
	}
	pop(c, m);
	*out = v;
	*n = i;
	return r;
}

/* Runs fn on each object of the array obj[key] after allocating *out
 * (count items of size bytes), with the path at key[i]. */
typedef int (*item_fn)(struct pctx *c, json_t *item, void *out, void *arg);

static int object_array(struct pctx *c, json_t *obj, const char *key,
			size_t size, void **out, size_t *n, item_fn fn,
			void *arg)
{
	json_t *arr;
	*out = NULL;
	*n = 0;
	if (get_array(c, obj, key, &arr) < 0)
		return -1;
	if (arr == NULL)
		return 0;
	size_t count = json_array_size(arr);
	size_t m = push_key(c, key);
	char *v = alloc_items(c, count, size);
	int r = v ? 0 : -1;
	if (v) {
		*out = v;
		*n = count;
	}
	for (size_t i = 0; r == 0 && i < count; i++) {
		size_t mi = push_index(c, i);
		json_t *item = json_array_get(arr, i);
		r = as_object(c, item);
		if (r == 0)
			r = fn(c, item, v + i * size, arg);
		pop(c, mi);
	}
	pop(c, m);
	return r;
}

/* ---- paths ---------------------------------------------------------- */

/* Lexical clean-up of an absolute path, as Go's filepath.Clean: no
 * empty, "." or ".." elements ("/.." is "/"). Returns a new string. */
static char *clean_path(const char *p)
{
	size_t len = strlen(p);
	char *out = malloc(len + 2);
	if (out == NULL)
		return NULL;
	size_t o = 0;
	out[o++] = '/';
	const char *s = p;
	while (*s) {
		while (*s == '/')
			s++;
		const char *e = s;
		while (*e && *e != '/')
			e++;
		size_t n = (size_t)(e - s);
		if (n == 0 || (n == 1 && s[0] == '.')) {
			/* nothing */
		} else if (n == 2 && s[0] == '.' && s[1] == '.') {
			while (o > 1 && out[o - 1] != '/')
				o--;
			if (o > 1)
				o--;
		} else {
			if (o > 1)
				out[o++] = '/';
			memcpy(out + o, s, n);
			o += n;
		}
		s = e;
	}
	out[o] = '\0';
	return out;
}

/* path against dir (absolute) when relative, cleaned. */
static char *resolve_path(const char *dir, const char *path)
{
	if (is_abs(path))
		return clean_path(path);
	char *joined;
	if (asprintf(&joined, "%s/%s", dir, path) < 0)
		return NULL;
	char *clean = clean_path(joined);
	free(joined);
	return clean;
}

/* ---- process -------------------------------------------------------- */

static int parse_capabilities(struct pctx *c, json_t *obj,
			      struct rs_oci_process *p)
{
	json_t *caps;
	if (get_object(c, obj, "capabilities", &caps) < 0)
		return -1;
	if (caps == NULL)
		return 0;
	p->has_capabilities = true;
	size_t m = push_key(c, "capabilities");
	int r = 0;
	char unknown[256] = "";
	size_t ulen = 0;
	for (int set = 0; r == 0 && set < RS_OCI_CAP_NSETS; set++) {
		const char **names;
		size_t n;
		r = get_strings(c, caps, cap_set_names[set], STRS_ANY, &names,
				&n);
		for (size_t i = 0; r == 0 && i < n; i++) {
			int cap = rs_oci_cap_from_name(names[i]);
			if (cap >= 0) {
				p->caps[set] |= 1ull << cap;
				continue;
			}
			/* runc 1.1: unknown names are dropped, with one
			 * warning listing them. */
			p->unknown_caps++;
			char buf[96];
			int w = snprintf(unknown + ulen, sizeof(unknown) - ulen,
					 "%s%s", ulen ? " " : "",
					 shown(names[i], buf, sizeof(buf)));
			if (w > 0 && (size_t)w < sizeof(unknown) - ulen)
				ulen += (size_t)w;
		}
		free(names);
	}
	pop(c, m);
	if (r == 0 && p->unknown_caps)
		rs_warn("runsc",
			"%s: ignoring unknown or unavailable capabilities: [%s]",
			c->file, unknown);
	return r;
}

static int parse_rlimit(struct pctx *c, json_t *item, void *out, void *arg)
{
	struct rs_oci_rlimit *rl = out;
	uint64_t *seen = arg; /* bit per resource, for duplicates */
	const char *type;
	struct rs_oci_opt_u64 soft, hard;
	if (get_string(c, item, "type", true, &type) < 0)
		return -1;
	rl->type = rs_oci_rlimit_from_name(type);
	size_t m = push_key(c, "type");
	char buf[96];
	int r = 0;
	if (rl->type < 0)
		r = fail(c, "unknown rlimit `%s`",
			 shown(type, buf, sizeof(buf)));
	else if (*seen & (1ull << rl->type))
		r = fail(c, "%s given twice", type);
	pop(c, m);
	if (r < 0)
		return r;
	*seen |= 1ull << rl->type;
	if (get_u64(c, item, "soft", true, UINT64_MAX, &soft) < 0 ||
	    get_u64(c, item, "hard", true, UINT64_MAX, &hard) < 0)
		return -1;
	rl->soft = soft.v;
	rl->hard = hard.v;
	if (rl->soft > rl->hard)
		return fail(c, "soft limit %llu is above the hard limit %llu",
			    (unsigned long long)rl->soft,
			    (unsigned long long)rl->hard);
	return 0;
}

static int parse_user(struct pctx *c, json_t *obj, struct rs_oci_user *u)
{
	json_t *user;
	if (get_object(c, obj, "user", &user) < 0)
		return -1;
	if (user == NULL)
		return 0;
	size_t m = push_key(c, "user");
	struct rs_oci_opt_u64 uid, gid;
	int r = get_u64(c, user, "uid", false, UINT32_MAX, &uid);
	if (r == 0)
		r = get_u64(c, user, "gid", false, UINT32_MAX, &gid);
	if (r == 0) {
		u->uid = (uint32_t)uid.v;
		u->gid = (uint32_t)gid.v;
		json_t *v = member(user, "umask");
		if (v) {
			size_t mu = push_key(c, "umask");
			r = to_u64(c, v, UINT32_MAX, &u->umask.v);
			if (r == 0 && u->umask.v > 0777)
				r = fail(c, "must be between 0 and 0777");
			u->umask.set = r == 0;
			pop(c, mu);
		}
	}
	json_t *gids = NULL;
	if (r == 0)
		r = get_array(c, user, "additionalGids", &gids);
	if (r == 0 && gids) {
		size_t mg = push_key(c, "additionalGids");
		size_t n = json_array_size(gids);
		u->additional_gids = alloc_items(c, n, sizeof(uint32_t));
		r = u->additional_gids ? 0 : -1;
		if (r == 0)
			u->n_additional_gids = n;
		for (size_t i = 0; r == 0 && i < n; i++) {
			size_t mi = push_index(c, i);
			uint64_t g;
			r = to_u64(c, json_array_get(gids, i), UINT32_MAX, &g);
			u->additional_gids[i] = (uint32_t)g;
			pop(c, mi);
		}
		pop(c, mg);
	}
	pop(c, m);
	return r;
}

static int parse_process_fields(struct pctx *c, json_t *obj,
				struct rs_oci_process *p)
{
	int r = 0;
	p->terminal = get_flag(c, obj, "terminal", &r);
	if (r < 0)
		return r;

	json_t *size;
	if (get_object(c, obj, "consoleSize", &size) < 0)
		return -1;
	if (size) {
		size_t m = push_key(c, "consoleSize");
		r = get_u32(c, size, "height", &p->console_height);
		if (r == 0)
			r = get_u32(c, size, "width", &p->console_width);
		pop(c, m);
		if (r < 0)
			return r;
		p->has_console_size = true;
	}
	if (parse_user(c, obj, &p->user) < 0)
		return -1;

	/* runc: "args must not be empty". */
	json_t *args = member(obj, "args");
	size_t m = push_key(c, "args");
	if (!json_is_array(args) || json_array_size(args) == 0)
		r = fail(c, "must be a non-empty array of strings");
	else if (json_array_size(args) > RS_OCI_MAX_ITEMS)
		r = fail(c, "has more than %u entries", RS_OCI_MAX_ITEMS);
	else
		r = string_array(c, args, STRS_ANY, &p->args, &p->n_args);
	pop(c, m);
	if (r < 0)
		return r;

	if (get_strings(c, obj, "env", STRS_ENV, &p->env, &p->n_env) < 0)
		return -1;
	if (p->env == NULL) {
		/* Always an array, for execve. */
		p->env = alloc_items(c, 0, sizeof(*p->env));
		if (p->env == NULL)
			return -1;
	}
	/* runc: "Cwd property must not be empty", "Cwd must be an absolute
	 * path". */
	if (get_abs_path(c, obj, "cwd", true, &p->cwd) < 0)
		return -1;
	if (parse_capabilities(c, obj, p) < 0)
		return -1;
	uint64_t seen = 0;
	if (object_array(c, obj, "rlimits", sizeof(*p->rlimits),
			 (void **)&p->rlimits, &p->n_rlimits, parse_rlimit,
			 &seen) < 0)
		return -1;
	p->no_new_privileges = get_flag(c, obj, "noNewPrivileges", &r);
	if (r < 0)
		return r;
	if (get_i64(c, obj, "oomScoreAdj", false, -1000, 1000,
		    &p->oom_score_adj) < 0)
		return -1;
	if (get_string(c, obj, "apparmorProfile", false, &p->apparmor_profile) <
		    0 ||
	    get_string(c, obj, "selinuxLabel", false, &p->selinux_label) < 0)
		return -1;
	p->json = json_incref(obj);
	return 0;
}

void rs_oci_process_free(struct rs_oci_process *p)
{
	if (p == NULL)
		return;
	free(p->user.additional_gids);
	free(p->args);
	free(p->env);
	free(p->rlimits);
	json_decref(p->json);
	free(p);
}

static int parse_process(struct pctx *c, json_t *obj,
			 struct rs_oci_process **out)
{
	struct rs_oci_process *p = calloc(1, sizeof(*p));
	if (p == NULL)
		return fail_nomem(c);
	int r = as_object(c, obj);
	if (r == 0)
		r = parse_process_fields(c, obj, p);
	if (r < 0) {
		rs_oci_process_free(p);
		return r;
	}
	*out = p;
	return 0;
}

/* ---- mounts --------------------------------------------------------- */

static const struct mount_opt *find_mount_opt(const char *name)
{
	size_t lo = 0, hi = ARRAY_SIZE(mount_opts);
	while (lo < hi) {
		size_t mid = (lo + hi) / 2;
		int d = strcmp(name, mount_opts[mid].name);
		if (d == 0)
			return &mount_opts[mid];
		if (d < 0)
			hi = mid;
		else
			lo = mid + 1;
	}
	return NULL;
}

static int apply_mount_options(struct pctx *c, struct rs_oci_mount *mnt)
{
	size_t data_len = 0;
	for (size_t i = 0; i < mnt->n_options; i++)
		data_len += strlen(mnt->options[i]) + 1;
	char *data = malloc(data_len + 1);
	if (data == NULL)
		return fail_nomem(c);
	size_t o = 0;
	for (size_t i = 0; i < mnt->n_options; i++) {
		const char *opt = mnt->options[i];
		const struct mount_opt *mo = find_mount_opt(opt);
		if (mo == NULL) {
			if (opt[0] == '\0')
				continue;
			size_t n = strlen(opt);
			if (o)
				data[o++] = ',';
			memcpy(data + o, opt, n);
			o += n;
			continue;
		}
		switch (mo->kind) {
		case OPT_FLAG:
			if (mo->clear)
				mnt->flags &= ~mo->flag;
			else
				mnt->flags |= mo->flag;
			break;
		case OPT_PROPAGATION:
			mnt->propagation = mo->flag;
			break;
		case OPT_ATTR:
			if (mo->clear) {
				mnt->attr_clr |= mo->flag;
				mnt->attr_set &= ~(uint64_t)mo->flag;
			} else {
				/* The atime modes exclude each other: setting
				 * one clears the field first. */
				if (mo->flag == MOUNT_ATTR_RELATIME ||
				    mo->flag == MOUNT_ATTR_NOATIME ||
				    mo->flag == MOUNT_ATTR_STRICTATIME) {
					mnt->attr_clr |= MOUNT_ATTR__ATIME;
					mnt->attr_set &=
						~(uint64_t)MOUNT_ATTR__ATIME;
				}
				mnt->attr_set |= mo->flag;
			}
			break;
		case OPT_TMPCOPYUP:
			mnt->tmpcopyup = true;
			break;
		}
	}
	data[o] = '\0';
	if (o == 0)
		free(data);
	else
		mnt->data = data;
	return 0;
}

static int parse_mount(struct pctx *c, json_t *item, void *out, void *arg)
{
	(void)arg;
	struct rs_oci_mount *mnt = out;
	if (get_abs_path(c, item, "destination", true, &mnt->destination) < 0 ||
	    get_string(c, item, "type", false, &mnt->type) < 0 ||
	    get_string(c, item, "source", false, &mnt->source) < 0 ||
	    get_strings(c, item, "options", STRS_ANY, &mnt->options,
			&mnt->n_options) < 0)
		return -1;
	return apply_mount_options(c, mnt);
}

/* ---- hooks ---------------------------------------------------------- */

static int parse_hook(struct pctx *c, json_t *item, void *out, void *arg)
{
	(void)arg;
	struct rs_oci_hook *h = out;
	/* runtime-spec config.md: "path ... MUST be absolute"; "If set,
	 * timeout MUST be greater than zero." */
	if (get_abs_path(c, item, "path", true, &h->path) < 0 ||
	    get_strings(c, item, "args", STRS_ANY, &h->args, &h->n_args) < 0 ||
	    get_strings(c, item, "env", STRS_ENV, &h->env, &h->n_env) < 0 ||
	    get_i64(c, item, "timeout", false, 1, INT_MAX, &h->timeout) < 0)
		return -1;
	return 0;
}

static int parse_hooks(struct pctx *c, json_t *root, struct rs_oci_spec *s)
{
	json_t *hooks;
	if (get_object(c, root, "hooks", &hooks) < 0)
		return -1;
	if (hooks == NULL)
		return 0;
	size_t m = push_key(c, "hooks");
	int r = 0;
	for (int k = 0; r == 0 && k < RS_OCI_HOOK_KINDS; k++)
		r = object_array(c, hooks, hook_names[k],
				 sizeof(struct rs_oci_hook),
				 (void **)&s->hooks[k].v, &s->hooks[k].n,
				 parse_hook, NULL);
	pop(c, m);
	return r;
}

/* ---- linux ---------------------------------------------------------- */

static int parse_namespace(struct pctx *c, json_t *item, void *out, void *arg)
{
	struct rs_oci_namespace *ns = out;
	unsigned *seen = arg;
	const char *type;
	if (get_string(c, item, "type", true, &type) < 0)
		return -1;
	int t = -1;
	for (int i = 0; i < RS_OCI_NS_TYPES; i++)
		if (strcmp(type, ns_names[i]) == 0)
			t = i;
	size_t m = push_key(c, "type");
	char buf[96];
	int r = 0;
	if (t < 0)
		r = fail(c, "unknown namespace type `%s`",
			 shown(type, buf, sizeof(buf)));
	else if (*seen & (1u << t))
		/* runtime-spec: duplicated types MUST be an error. */
		r = fail(c, "`%s` given twice", type);
	pop(c, m);
	if (r < 0)
		return r;
	*seen |= 1u << t;
	ns->type = (enum rs_oci_ns_type)t;
	return get_abs_path(c, item, "path", false, &ns->path);
}

static int parse_id_map(struct pctx *c, json_t *item, void *out, void *arg)
{
	(void)arg;
	struct rs_oci_id_map *map = out;
	if (get_u32(c, item, "containerID", &map->container_id) < 0 ||
	    get_u32(c, item, "hostID", &map->host_id) < 0 ||
	    get_u32(c, item, "size", &map->size) < 0)
		return -1;
	return 0;
}

static int parse_device(struct pctx *c, json_t *item, void *out, void *arg)
{
	(void)arg;
	struct rs_oci_device *d = out;
	const char *type;
	if (get_abs_path(c, item, "path", true, &d->path) < 0 ||
	    get_string(c, item, "type", true, &type) < 0)
		return -1;
	if (strlen(type) != 1 || strchr("cbup", type[0]) == NULL) {
		size_t m = push_key(c, "type");
		char buf[96];
		int r = fail(c, "`%s` must be c, b, u or p",
			     shown(type, buf, sizeof(buf)));
		pop(c, m);
		return r;
	}
	d->type = type[0];
	bool needs_numbers = d->type != 'p';
	struct rs_oci_opt_i64 major, minor;
	if (get_i64(c, item, "major", needs_numbers, INT64_MIN, INT64_MAX,
		    &major) < 0 ||
	    get_i64(c, item, "minor", needs_numbers, INT64_MIN, INT64_MAX,
		    &minor) < 0 ||
	    get_u64(c, item, "fileMode", false, UINT32_MAX, &d->file_mode) <
		    0 ||
	    get_u64(c, item, "uid", false, UINT32_MAX, &d->uid) < 0 ||
	    get_u64(c, item, "gid", false, UINT32_MAX, &d->gid) < 0)
		return -1;
	d->major = major.v;
	d->minor = minor.v;
	return 0;
}

static int parse_device_rule(struct pctx *c, json_t *item, void *out, void *arg)
{
	(void)arg;
	struct rs_oci_device_rule *d = out;
	struct rs_oci_opt_bool allow;
	if (get_bool(c, item, "allow", &allow) < 0)
		return -1;
	if (!allow.set) {
		size_t m = push_key(c, "allow");
		int r = fail(c, "is required");
		pop(c, m);
		return r;
	}
	d->allow = allow.v;
	const char *type, *access;
	if (get_string(c, item, "type", false, &type) < 0 ||
	    get_string(c, item, "access", false, &access) < 0)
		return -1;
	char buf[96];
	d->type = 'a';
	if (type && type[0]) {
		if (strlen(type) != 1 || strchr("acb", type[0]) == NULL) {
			size_t m = push_key(c, "type");
			int r = fail(c, "`%s` must be a, c or b",
				     shown(type, buf, sizeof(buf)));
			pop(c, m);
			return r;
		}
		d->type = type[0];
	}
	if (access) {
		size_t n = strlen(access);
		bool ok = n <= 3;
		for (size_t i = 0; ok && i < n; i++)
			ok = strchr("rwm", access[i]) != NULL &&
			     memchr(access, access[i], i) == NULL;
		if (!ok) {
			size_t m = push_key(c, "access");
			int r = fail(c, "`%s` must be letters of rwm",
				     shown(access, buf, sizeof(buf)));
			pop(c, m);
			return r;
		}
		memcpy(d->access, access, n + 1);
	}
	struct rs_oci_opt_i64 major, minor;
	if (get_i64(c, item, "major", false, -1, INT64_MAX, &major) < 0 ||
	    get_i64(c, item, "minor", false, -1, INT64_MAX, &minor) < 0)
		return -1;
	d->major = major.set ? major.v : -1;
	d->minor = minor.set ? minor.v : -1;
	return 0;
}

static int parse_blkio_device(struct pctx *c, json_t *item, void *out,
			      void *arg)
{
	struct rs_oci_blkio_device *d = out;
	bool weights = arg != NULL;
	struct rs_oci_opt_i64 major, minor;
	if (get_i64(c, item, "major", true, INT64_MIN, INT64_MAX, &major) < 0 ||
	    get_i64(c, item, "minor", true, INT64_MIN, INT64_MAX, &minor) < 0)
		return -1;
	d->major = major.v;
	d->minor = minor.v;
	if (!weights) {
		struct rs_oci_opt_u64 rate;
		if (get_u64(c, item, "rate", true, UINT64_MAX, &rate) < 0)
			return -1;
		d->rate = rate.v;
		return 0;
	}
	if (get_u64(c, item, "weight", false, UINT16_MAX, &d->weight) < 0 ||
	    get_u64(c, item, "leafWeight", false, UINT16_MAX, &d->leaf_weight) <
		    0)
		return -1;
	/* runtime-spec: "You MUST specify at least one of weight or
	 * leafWeight in a given entry". */
	if (!d->weight.set && !d->leaf_weight.set)
		return fail(c, "needs weight or leafWeight");
	return 0;
}

static const char *const blkio_lists[RS_OCI_BLKIO_LISTS] = {
	[RS_OCI_BLKIO_WEIGHT_DEVICE] = "weightDevice",
	[RS_OCI_BLKIO_THROTTLE_READ_BPS] = "throttleReadBpsDevice",
	[RS_OCI_BLKIO_THROTTLE_WRITE_BPS] = "throttleWriteBpsDevice",
	[RS_OCI_BLKIO_THROTTLE_READ_IOPS] = "throttleReadIOPSDevice",
	[RS_OCI_BLKIO_THROTTLE_WRITE_IOPS] = "throttleWriteIOPSDevice",
};

static int parse_blkio(struct pctx *c, json_t *res, struct rs_oci_blkio *b)
{
	json_t *obj;
	if (get_object(c, res, "blockIO", &obj) < 0)
		return -1;
	if (obj == NULL)
		return 0;
	b->present = true;
	size_t m = push_key(c, "blockIO");
	int r = get_u64(c, obj, "weight", false, UINT16_MAX, &b->weight);
	if (r == 0)
		r = get_u64(c, obj, "leafWeight", false, UINT16_MAX,
			    &b->leaf_weight);
	static char weights_marker;
	for (int l = 0; r == 0 && l < RS_OCI_BLKIO_LISTS; l++)
		r = object_array(c, obj, blkio_lists[l],
				 sizeof(struct rs_oci_blkio_device),
				 (void **)&b->devices[l], &b->n_devices[l],
				 parse_blkio_device,
				 l == RS_OCI_BLKIO_WEIGHT_DEVICE
					 ? &weights_marker
					 : NULL);
	pop(c, m);
	return r;
}

static int parse_hugepage(struct pctx *c, json_t *item, void *out, void *arg)
{
	(void)arg;
	struct rs_oci_hugepage_limit *h = out;
	struct rs_oci_opt_u64 limit;
	if (get_string(c, item, "pageSize", true, &h->page_size) < 0 ||
	    get_u64(c, item, "limit", true, UINT64_MAX, &limit) < 0)
		return -1;
	h->limit = limit.v;
	return 0;
}

static int parse_net_priority(struct pctx *c, json_t *item, void *out,
			      void *arg)
{
	(void)arg;
	struct rs_oci_net_priority *p = out;
	if (get_string(c, item, "name", true, &p->name) < 0 ||
	    get_u32(c, item, "priority", &p->priority) < 0)
		return -1;
	return 0;
}

static int parse_memory(struct pctx *c, json_t *res, struct rs_oci_memory *mm)
{
	json_t *obj;
	if (get_object(c, res, "memory", &obj) < 0)
		return -1;
	if (obj == NULL)
		return 0;
	mm->present = true;
	size_t m = push_key(c, "memory");
	int r = 0;
	const struct {
		const char *key;
		struct rs_oci_opt_i64 *out;
	} ints[] = {
		{ "limit", &mm->limit },
		{ "reservation", &mm->reservation },
		{ "swap", &mm->swap },
		{ "kernel", &mm->kernel },
		{ "kernelTCP", &mm->kernel_tcp },
	};
	for (size_t i = 0; r == 0 && i < ARRAY_SIZE(ints); i++)
		r = get_i64(c, obj, ints[i].key, false, INT64_MIN, INT64_MAX,
			    ints[i].out);
	/* runc: "valid memory swappiness range is 0-100". */
	if (r == 0)
		r = get_u64(c, obj, "swappiness", false, 100, &mm->swappiness);
	if (r == 0)
		r = get_bool(c, obj, "disableOOMKiller",
			     &mm->disable_oom_killer);
	if (r == 0)
		r = get_bool(c, obj, "useHierarchy", &mm->use_hierarchy);
	if (r == 0)
		r = get_bool(c, obj, "checkBeforeUpdate",
			     &mm->check_before_update);
	pop(c, m);
	return r;
}

static int parse_cpu(struct pctx *c, json_t *res, struct rs_oci_cpu *cpu)
{
	json_t *obj;
	if (get_object(c, res, "cpu", &obj) < 0)
		return -1;
	if (obj == NULL)
		return 0;
	cpu->present = true;
	size_t m = push_key(c, "cpu");
	int r = 0;
	if (get_u64(c, obj, "shares", false, UINT64_MAX, &cpu->shares) < 0 ||
	    get_i64(c, obj, "quota", false, INT64_MIN, INT64_MAX, &cpu->quota) <
		    0 ||
	    get_u64(c, obj, "burst", false, UINT64_MAX, &cpu->burst) < 0 ||
	    get_u64(c, obj, "period", false, UINT64_MAX, &cpu->period) < 0 ||
	    get_i64(c, obj, "realtimeRuntime", false, INT64_MIN, INT64_MAX,
		    &cpu->realtime_runtime) < 0 ||
	    get_u64(c, obj, "realtimePeriod", false, UINT64_MAX,
		    &cpu->realtime_period) < 0 ||
	    get_string(c, obj, "cpus", false, &cpu->cpus) < 0 ||
	    get_string(c, obj, "mems", false, &cpu->mems) < 0 ||
	    get_i64(c, obj, "idle", false, INT64_MIN, INT64_MAX, &cpu->idle) <
		    0)
		r = -1;
	pop(c, m);
	return r;
}

static int parse_rdma(struct pctx *c, json_t *res, bool *present)
{
	json_t *obj;
	if (get_object(c, res, "rdma", &obj) < 0)
		return -1;
	if (obj == NULL)
		return 0;
	*present = true;
	size_t m = push_key(c, "rdma");
	int r = 0;
	const char *k;
	json_t *v;
	json_object_foreach(obj, k, v)
	{
		size_t mk = push_mapkey(c, k);
		struct rs_oci_opt_u64 n;
		r = as_object(c, v);
		if (r == 0)
			r = get_u64(c, v, "hcaHandles", false, UINT32_MAX, &n);
		if (r == 0)
			r = get_u64(c, v, "hcaObjects", false, UINT32_MAX, &n);
		pop(c, mk);
		if (r < 0)
			break;
	}
	pop(c, m);
	return r;
}

static int parse_resources(struct pctx *c, json_t *lx,
			   struct rs_oci_resources *res)
{
	json_t *obj;
	if (get_object(c, lx, "resources", &obj) < 0)
		return -1;
	if (obj == NULL)
		return 0;
	res->present = true;
	res->json = obj;
	size_t m = push_key(c, "resources");
	int r = object_array(c, obj, "devices", sizeof(*res->devices),
			     (void **)&res->devices, &res->n_devices,
			     parse_device_rule, NULL);
	if (r == 0)
		r = parse_memory(c, obj, &res->memory);
	if (r == 0)
		r = parse_cpu(c, obj, &res->cpu);
	json_t *pids = NULL;
	if (r == 0)
		r = get_object(c, obj, "pids", &pids);
	if (r == 0 && pids) {
		size_t mp = push_key(c, "pids");
		struct rs_oci_opt_i64 limit;
		r = get_i64(c, pids, "limit", true, INT64_MIN, INT64_MAX,
			    &limit);
		res->pids.present = r == 0;
		res->pids.limit = limit.v;
		pop(c, mp);
	}
	if (r == 0)
		r = parse_blkio(c, obj, &res->block_io);
	if (r == 0)
		r = object_array(c, obj, "hugepageLimits",
				 sizeof(*res->hugepage_limits),
				 (void **)&res->hugepage_limits,
				 &res->n_hugepage_limits, parse_hugepage, NULL);
	json_t *net = NULL;
	if (r == 0)
		r = get_object(c, obj, "network", &net);
	if (r == 0 && net) {
		res->network.present = true;
		size_t mn = push_key(c, "network");
		r = get_u64(c, net, "classID", false, UINT32_MAX,
			    &res->network.class_id);
		if (r == 0)
			r = object_array(c, net, "priorities",
					 sizeof(*res->network.priorities),
					 (void **)&res->network.priorities,
					 &res->network.n_priorities,
					 parse_net_priority, NULL);
		pop(c, mn);
	}
	if (r == 0)
		r = parse_rdma(c, obj, &res->rdma_present);
	if (r == 0)
		r = string_map(c, obj, "unified", &res->unified,
			       &res->n_unified);
	pop(c, m);
	return r;
}

/* A string that must be one of list's names. */
static int check_name(struct pctx *c, const char *what, const char *s,
		      const char *const *list, size_t n)
{
	if (in_list(list, n, s))
		return 0;
	char buf[96];
	return fail(c, "unknown %s `%s`", what, shown(s, buf, sizeof(buf)));
}

static int get_name(struct pctx *c, json_t *obj, const char *key, bool required,
		    const char *what, const char *const *list, size_t n,
		    const char **out)
{
	if (get_string(c, obj, key, required, out) < 0)
		return -1;
	if (*out == NULL)
		return 0;
	size_t m = push_key(c, key);
	int r = check_name(c, what, *out, list, n);
	pop(c, m);
	return r;
}

static int get_names(struct pctx *c, json_t *obj, const char *key,
		     const char *what, const char *const *list, size_t n)
{
	const char **v;
	size_t count;
	int r = get_strings(c, obj, key, STRS_ANY, &v, &count);
	size_t m = push_key(c, key);
	for (size_t i = 0; r == 0 && i < count; i++) {
		size_t mi = push_index(c, i);
		r = check_name(c, what, v[i], list, n);
		pop(c, mi);
	}
	pop(c, m);
	free(v);
	return r;
}

static int parse_seccomp_arg(struct pctx *c, json_t *item, void *out, void *arg)
{
	(void)out;
	(void)arg;
	struct rs_oci_opt_u64 v;
	const char *op;
	/* Six arguments to a system call: index 0..5. */
	if (get_u64(c, item, "index", true, 5, &v) < 0 ||
	    get_u64(c, item, "value", true, UINT64_MAX, &v) < 0 ||
	    get_u64(c, item, "valueTwo", false, UINT64_MAX, &v) < 0 ||
	    get_name(c, item, "op", true, "operator", seccomp_operators,
		     ARRAY_SIZE(seccomp_operators), &op) < 0)
		return -1;
	return 0;
}

static int parse_seccomp_syscall(struct pctx *c, json_t *item, void *out,
				 void *arg)
{
	(void)out;
	(void)arg;
	json_t *names = member(item, "names");
	size_t m = push_key(c, "names");
	int r = 0;
	if (!json_is_array(names) || json_array_size(names) == 0) {
		r = fail(c, "must be a non-empty array of strings");
	} else {
		const char **v = NULL;
		size_t n;
		r = check_array(c, names);
		if (r == 0)
			r = string_array(c, names, STRS_ANY, &v, &n);
		free(v);
	}
	pop(c, m);
	const char *action;
	struct rs_oci_opt_u64 ret;
	/* A dummy destination: the entries themselves stay in the JSON. */
	char *args = NULL;
	size_t n_args;
	if (r == 0)
		r = get_name(c, item, "action", true, "action", seccomp_actions,
			     ARRAY_SIZE(seccomp_actions), &action);
	if (r == 0)
		r = get_u64(c, item, "errnoRet", false, UINT32_MAX, &ret);
	if (r == 0)
		r = object_array(c, item, "args", 1, (void **)&args, &n_args,
				 parse_seccomp_arg, NULL);
	free(args);
	return r;
}

static int parse_seccomp(struct pctx *c, json_t *lx, struct rs_oci_seccomp *sc)
{
	json_t *obj;
	if (get_object(c, lx, "seccomp", &obj) < 0)
		return -1;
	if (obj == NULL)
		return 0;
	sc->present = true;
	sc->json = obj;
	size_t m = push_key(c, "seccomp");
	struct rs_oci_opt_u64 ret;
	const char *s;
	char *items = NULL;
	int r = get_name(c, obj, "defaultAction", true, "action",
			 seccomp_actions, ARRAY_SIZE(seccomp_actions),
			 &sc->default_action);
	if (r == 0)
		r = get_u64(c, obj, "defaultErrnoRet", false, UINT32_MAX, &ret);
	if (r == 0)
		r = get_names(c, obj, "architectures", "architecture",
			      seccomp_archs, ARRAY_SIZE(seccomp_archs));
	if (r == 0)
		r = get_names(c, obj, "flags", "flag", seccomp_flags,
			      ARRAY_SIZE(seccomp_flags));
	if (r == 0)
		r = get_string(c, obj, "listenerPath", false, &s);
	if (r == 0)
		r = get_string(c, obj, "listenerMetadata", false, &s);
	if (r == 0)
		r = object_array(c, obj, "syscalls", 1, (void **)&items,
				 &sc->n_syscalls, parse_seccomp_syscall, NULL);
	free(items);
	pop(c, m);
	return r;
}

static int parse_linux(struct pctx *c, json_t *root, struct rs_oci_linux *lx)
{
	json_t *obj;
	if (get_object(c, root, "linux", &obj) < 0)
		return -1;
	if (obj == NULL)
		return 0;
	lx->present = true;
	size_t m = push_key(c, "linux");
	unsigned seen = 0;
	int r = object_array(c, obj, "namespaces", sizeof(*lx->namespaces),
			     (void **)&lx->namespaces, &lx->n_namespaces,
			     parse_namespace, &seen);
	if (r == 0)
		r = object_array(c, obj, "uidMappings",
				 sizeof(*lx->uid_mappings),
				 (void **)&lx->uid_mappings,
				 &lx->n_uid_mappings, parse_id_map, NULL);
	if (r == 0)
		r = object_array(c, obj, "gidMappings",
				 sizeof(*lx->gid_mappings),
				 (void **)&lx->gid_mappings,
				 &lx->n_gid_mappings, parse_id_map, NULL);
	if (r == 0)
		r = object_array(c, obj, "devices", sizeof(*lx->devices),
				 (void **)&lx->devices, &lx->n_devices,
				 parse_device, NULL);
	if (r == 0)
		r = get_string(c, obj, "cgroupsPath", false, &lx->cgroups_path);
	if (r == 0)
		r = parse_resources(c, obj, &lx->resources);
	if (r == 0)
		r = string_map(c, obj, "sysctl", &lx->sysctl, &lx->n_sysctl);
	if (r == 0)
		r = get_strings(c, obj, "maskedPaths", STRS_ABS,
				&lx->masked_paths, &lx->n_masked_paths);
	if (r == 0)
		r = get_strings(c, obj, "readonlyPaths", STRS_ABS,
				&lx->readonly_paths, &lx->n_readonly_paths);
	if (r == 0)
		r = parse_seccomp(c, obj, &lx->seccomp);
	const char *prop = NULL;
	if (r == 0)
		r = get_string(c, obj, "rootfsPropagation", false, &prop);
	if (r == 0 && prop && prop[0]) {
		size_t i = 0;
		while (i < ARRAY_SIZE(propagations) &&
		       strcmp(prop, propagations[i].name) != 0)
			i++;
		if (i < ARRAY_SIZE(propagations)) {
			lx->rootfs_propagation = propagations[i].flags;
		} else {
			size_t mp = push_key(c, "rootfsPropagation");
			char buf[96];
			r = fail(c,
				 "`%s` must be shared, slave, private or "
				 "unbindable (or rshared, rslave, rprivate, "
				 "runbindable)",
				 shown(prop, buf, sizeof(buf)));
			pop(c, mp);
		}
	}
	if (r == 0)
		r = get_string(c, obj, "mountLabel", false, &lx->mount_label);
	json_t *rdt = NULL;
	if (r == 0)
		r = get_object(c, obj, "intelRdt", &rdt);
	if (r == 0 && rdt) {
		lx->intel_rdt.present = true;
		size_t mr = push_key(c, "intelRdt");
		r = get_string(c, rdt, "closID", false, &lx->intel_rdt.clos_id);
		pop(c, mr);
	}
	json_t *pers = NULL;
	if (r == 0)
		r = get_object(c, obj, "personality", &pers);
	if (r == 0 && pers) {
		static const char *const domains[] = { "LINUX", "LINUX32" };
		const char *domain;
		size_t mp = push_key(c, "personality");
		const char **flags = NULL;
		size_t nflags;
		r = get_name(c, pers, "domain", true, "domain", domains, 2,
			     &domain);
		if (r == 0)
			r = get_strings(c, pers, "flags", STRS_ANY, &flags,
					&nflags);
		free(flags);
		pop(c, mp);
		lx->personality.present = r == 0;
		lx->personality.linux32 =
			r == 0 && strcmp(domain, "LINUX32") == 0;
	}
	json_t *offsets = NULL;
	if (r == 0)
		r = get_object(c, obj, "timeOffsets", &offsets);
	lx->time_offsets_present = offsets != NULL;
	pop(c, m);
	return r;
}

/* ---- the document --------------------------------------------------- */

static int parse_root(struct pctx *c, json_t *doc, const char *bundle,
		      struct rs_oci_root *root)
{
	json_t *obj = member(doc, "root");
	size_t m = push_key(c, "root");
	/* runc: "root must be specified". */
	int r = obj == NULL ? fail(c, "is required") : as_object(c, obj);
	pop(c, m);
	if (r < 0)
		return r;
	m = push_key(c, "root");
	r = get_string(c, obj, "path", true, &root->path);
	if (r == 0 && root->path[0] == '\0') {
		size_t mp = push_key(c, "path");
		r = fail(c, "must not be empty");
		pop(c, mp);
	}
	if (r == 0)
		root->readonly = get_flag(c, obj, "readonly", &r);
	pop(c, m);
	if (r < 0)
		return r;
	root->abs_path = resolve_path(bundle, root->path);
	return root->abs_path ? 0 : fail_nomem(c);
}

static int parse_document(struct pctx *c, json_t *doc, const char *bundle,
			  struct rs_oci_spec *s)
{
	if (!json_is_object(doc))
		return fail(c, "must be a JSON object");
	if (get_string(c, doc, "ociVersion", false, &s->oci_version) < 0)
		return -1;
	if (s->oci_version == NULL)
		s->oci_version = "";
	json_t *proc = member(doc, "process");
	if (proc == NULL)
		/* runc: "process property must not be empty". */
		return fail(c, "process: is required");
	size_t m = push_key(c, "process");
	int r = parse_process(c, proc, &s->process);
	pop(c, m);
	if (r < 0)
		return r;
	if (parse_root(c, doc, bundle, &s->root) < 0 ||
	    get_string(c, doc, "hostname", false, &s->hostname) < 0 ||
	    get_string(c, doc, "domainname", false, &s->domainname) < 0 ||
	    object_array(c, doc, "mounts", sizeof(*s->mounts),
			 (void **)&s->mounts, &s->n_mounts, parse_mount,
			 NULL) < 0 ||
	    parse_hooks(c, doc, s) < 0 ||
	    string_map(c, doc, "annotations", &s->annotations,
		       &s->n_annotations) < 0 ||
	    parse_linux(c, doc, &s->linux_cfg) < 0)
		return -1;
	return 0;
}

/* Parses JSON text into a document. A number beyond int64 (a uint64
 * limit) makes a second pass with every number read as a double; see
 * oci_spec.h. */
static json_t *load_text(struct pctx *c, const char *buf, size_t len)
{
	json_error_t je;
	json_t *doc = json_loadb(buf, len, 0, &je);
	if (doc == NULL &&
	    json_error_code(&je) == json_error_numeric_overflow) {
		doc = json_loadb(buf, len, JSON_DECODE_INT_AS_REAL, &je);
		c->as_real = doc != NULL;
	}
	if (doc == NULL) {
		char text[160];
		if (json_error_code(&je) == json_error_out_of_memory)
			fail_nomem(c);
		else
			fail(c, "invalid JSON at line %d, column %d: %s",
			     je.line, je.column,
			     shown(je.text, text, sizeof(text)));
	}
	return doc;
}

static void free_linux(struct rs_oci_linux *lx)
{
	free(lx->namespaces);
	free(lx->uid_mappings);
	free(lx->gid_mappings);
	free(lx->devices);
	struct rs_oci_resources *res = &lx->resources;
	free(res->devices);
	for (int l = 0; l < RS_OCI_BLKIO_LISTS; l++)
		free(res->block_io.devices[l]);
	free(res->hugepage_limits);
	free(res->network.priorities);
	free(res->unified);
	free(lx->sysctl);
	free(lx->masked_paths);
	free(lx->readonly_paths);
}

void rs_oci_spec_free(struct rs_oci_spec *s)
{
	if (s == NULL)
		return;
	rs_oci_process_free(s->process);
	free(s->root.abs_path);
	for (size_t i = 0; i < s->n_mounts; i++) {
		free(s->mounts[i].options);
		free(s->mounts[i].data);
	}
	free(s->mounts);
	for (int k = 0; k < RS_OCI_HOOK_KINDS; k++) {
		for (size_t i = 0; i < s->hooks[k].n; i++) {
			free(s->hooks[k].v[i].args);
			free(s->hooks[k].v[i].env);
		}
		free(s->hooks[k].v);
	}
	free(s->annotations);
	free_linux(&s->linux_cfg);
	free(s->bundle);
	json_decref(s->json);
	free(s);
}

int rs_oci_spec_parse(const char *buf, size_t len, const char *bundle,
		      struct rs_oci_spec **out, struct rs_error **err)
{
	struct pctx c = { .file = "config.json", .err = err };
	*out = NULL;
	struct rs_oci_spec *s = calloc(1, sizeof(*s));
	if (s == NULL)
		return fail_nomem(&c);
	s->bundle = is_abs(bundle) ? clean_path(bundle) : NULL;
	if (s->bundle == NULL) {
		rs_oci_spec_free(s);
		if (!is_abs(bundle))
			return rs_error_set(err, EINVAL,
					    "config.json: the bundle path must "
					    "be absolute");
		return fail_nomem(&c);
	}
	s->json = load_text(&c, buf, len);
	if (s->json == NULL || parse_document(&c, s->json, s->bundle, s) < 0) {
		rs_oci_spec_free(s);
		return -1;
	}
	*out = s;
	return 0;
}

/* Reads a regular file of at most RS_OCI_CONFIG_MAX bytes. The name in
 * messages is label. */
static int read_small_file(const char *path, const char *label, char **buf,
			   size_t *len, struct rs_error **err)
{
	/* O_NONBLOCK: a FIFO planted as config.json must not hang runsc;
	 * fstat refuses it below. */
	cleanup_close int fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK);
	if (fd < 0)
		return rs_error_set(err, errno, "open `%s`", path);
	struct stat st;
	if (fstat(fd, &st) < 0)
		return rs_error_set(err, errno, "stat `%s`", path);
	if (!S_ISREG(st.st_mode))
		return rs_error_set(err, 0, "%s: `%s` is not a regular file",
				    label, path);
	if (st.st_size > RS_OCI_CONFIG_MAX)
		return rs_error_set(err, 0, "%s: larger than %u MiB", label,
				    RS_OCI_CONFIG_MAX >> 20);
	/* One byte more than allowed, to notice a file that grows. */
	cleanup_free char *data = malloc(RS_OCI_CONFIG_MAX + 1);
	if (data == NULL)
		return rs_error_set(err, ENOMEM, "read `%s`", path);
	size_t got = 0;
	while (got <= RS_OCI_CONFIG_MAX) {
		ssize_t n = read(fd, data + got, RS_OCI_CONFIG_MAX + 1 - got);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return rs_error_set(err, errno, "read `%s`", path);
		if (n == 0)
			break;
		got += (size_t)n;
	}
	if (got > RS_OCI_CONFIG_MAX)
		return rs_error_set(err, 0, "%s: larger than %u MiB", label,
				    RS_OCI_CONFIG_MAX >> 20);
	*buf = steal_pointer(&data);
	*len = got;
	return 0;
}

int rs_oci_spec_load(const char *bundle, struct rs_oci_spec **out,
		     struct rs_error **err)
{
	*out = NULL;
	cleanup_free char *dir = realpath(bundle ? bundle : ".", NULL);
	if (dir == NULL)
		return rs_error_set(err, errno, "bundle `%s`",
				    bundle ? bundle : ".");
	cleanup_free char *path = NULL;
	if (asprintf(&path, "%s/config.json", dir) < 0) {
		path = NULL;
		return rs_error_set(err, ENOMEM, "bundle `%s`", dir);
	}
	cleanup_free char *buf = NULL;
	size_t len = 0;
	int r = read_small_file(path, "config.json", &buf, &len, err);
	if (r < 0)
		return r;
	struct rs_oci_spec *s;
	if (rs_oci_spec_parse(buf, len, dir, &s, err) < 0)
		return -1;
	/* runc: "invalid rootfs: stat ...". */
	struct stat st;
	int e = stat(s->root.abs_path, &st) < 0 ? errno
		: !S_ISDIR(st.st_mode)		? ENOTDIR
						: 0;
	if (e) {
		r = rs_error_set(err, e, "config.json: root.path `%s`",
				 s->root.abs_path);
		rs_oci_spec_free(s);
		return r;
	}
	*out = s;
	return 0;
}

int rs_oci_process_parse(const char *buf, size_t len, const char *name,
			 struct rs_oci_process **out, struct rs_error **err)
{
	struct pctx c = { .file = name, .err = err };
	*out = NULL;
	json_t *doc = load_text(&c, buf, len);
	if (doc == NULL)
		return -1;
	int r = json_is_object(doc) ? parse_process(&c, doc, out)
				    : fail(&c, "must be a JSON object");
	json_decref(doc);
	return r;
}

int rs_oci_process_load(const char *path, struct rs_oci_process **out,
			struct rs_error **err)
{
	cleanup_free char *buf = NULL;
	size_t len = 0;
	*out = NULL;
	int r = read_small_file(path, path, &buf, &len, err);
	if (r < 0)
		return r;
	return rs_oci_process_parse(buf, len, path, out, err);
}

/* ---- queries -------------------------------------------------------- */

const struct rs_oci_namespace *
rs_oci_spec_namespace(const struct rs_oci_spec *spec, enum rs_oci_ns_type t)
{
	for (size_t i = 0; i < spec->linux_cfg.n_namespaces; i++)
		if (spec->linux_cfg.namespaces[i].type == t)
			return &spec->linux_cfg.namespaces[i];
	return NULL;
}

const char *rs_oci_spec_annotation(const struct rs_oci_spec *spec,
				   const char *key)
{
	/* The document's last duplicate already won in jansson. */
	for (size_t i = 0; i < spec->n_annotations; i++)
		if (strcmp(spec->annotations[i].key, key) == 0)
			return spec->annotations[i].value;
	return NULL;
}

const char *rs_oci_mount_data_option(const struct rs_oci_mount *m,
				     const char *key, char *buf, size_t len)
{
	if (m->data == NULL || len == 0)
		return NULL;
	size_t klen = strlen(key);
	const char *found = NULL;
	size_t vlen = 0;
	for (const char *s = m->data; *s;) {
		const char *e = strchr(s, ',');
		size_t n = e ? (size_t)(e - s) : strlen(s);
		/* The last occurrence wins, as in mount(8). */
		if (n >= klen && strncmp(s, key, klen) == 0 &&
		    (n == klen || s[klen] == '=')) {
			found = n == klen ? s + n : s + klen + 1;
			vlen = n == klen ? 0 : n - klen - 1;
		}
		s += n;
		if (*s == ',')
			s++;
	}
	if (found == NULL)
		return NULL;
	if (vlen >= len)
		vlen = len - 1;
	memcpy(buf, found, vlen);
	buf[vlen] = '\0';
	return buf;
}

int rs_oci_parse_size(const char *s, uint64_t *bytes)
{
	if (*s < '0' || *s > '9')
		return -1;
	uint64_t v = 0;
	for (; *s >= '0' && *s <= '9'; s++) {
		if (v > (UINT64_MAX - 9) / 10)
			return -1;
		v = v * 10 + (uint64_t)(*s - '0');
	}
	unsigned shift = 0;
	switch (*s) {
	case '\0':
		break;
	case 'k':
	case 'K':
		shift = 10;
		break;
	case 'm':
	case 'M':
		shift = 20;
		break;
	case 'g':
	case 'G':
		shift = 30;
		break;
	case 't':
	case 'T':
		shift = 40;
		break;
	default:
		return -1;
	}
	if (*s && s[1] != '\0')
		return -1;
	if (shift && v > (UINT64_MAX >> shift))
		return -1;
	*bytes = v << shift;
	return 0;
}

/* Reads a decimal SemVer component with no leading zero. */
static bool semver_number(const char **s, unsigned long *out)
{
	const char *p = *s;
	if (*p < '0' || *p > '9' || (p[0] == '0' && p[1] >= '0' && p[1] <= '9'))
		return false;
	unsigned long v = 0;
	for (; *p >= '0' && *p <= '9'; p++) {
		if (v > 100000000)
			return false;
		v = v * 10 + (unsigned long)(*p - '0');
	}
	*s = p;
	*out = v;
	return true;
}

bool rs_oci_version_supported(const char *version)
{
	unsigned long major, minor, patch;
	const char *s = version;
	if (!semver_number(&s, &major) || *s++ != '.' ||
	    !semver_number(&s, &minor) || *s++ != '.' ||
	    !semver_number(&s, &patch))
		return false;
	if (*s != '\0' && *s != '-' && *s != '+')
		return false;
	/* RS_OCI_VERSION_MIN is 1.0.0: any 1.x. */
	return major == 1;
}
