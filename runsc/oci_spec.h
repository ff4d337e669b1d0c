/* config.json, the OCI runtime spec's container configuration
 * (opencontainers/runtime-spec config.md and config-linux.md), read with
 * jansson and checked into a C model the rest of runsc uses.
 *
 * Errors are one line naming the file and the field, in the document's
 * own spelling: "config.json: process.args: must be a non-empty array of
 * strings", "config.json: mounts[2].destination: must be an absolute
 * path". Hostile input (wrong types anywhere, huge or deeply nested
 * documents, invalid UTF-8, NUL bytes, numbers out of range) is an error
 * of that kind, never a crash or a leak.
 *
 * What runc does is the reference where the spec leaves room:
 *   - ociVersion must be a string if given; any value is accepted (runc
 *     checks nothing more), see rs_oci_version_supported() for a check.
 *   - null for an optional field is the same as the field being absent
 *     (Go's encoding/json).
 *   - unknown fields are ignored.
 *   - unknown capability names are dropped with a warning (runc 1.1:
 *     "ignoring unknown or unavailable capabilities").
 *   - process.user.uid and gid default to 0 when absent.
 *   - keys given twice: the last one wins.
 * Stricter than runc where runc fails later anyway (at container start):
 * env entries without '=', relative mount destinations, relative hook
 * paths, unknown rlimits, namespaces or rootfsPropagation values.
 *
 * Numbers: runc reads uint64 fields up to 2^64-1 (podman writes
 * 18446744073709551615 for an unlimited rlimit) but jansson's integers
 * stop at 2^63-1. A document with such a number is parsed a second time
 * with jansson's JSON_DECODE_INT_AS_REAL: every number is then a double,
 * exact up to 2^53, and values at 2^63 or 2^64 saturate to INT64_MAX or
 * UINT64_MAX. Only that document loses precision, and only above 2^53.
 *
 * Ownership: a parsed struct rs_oci_spec holds a reference to the jansson
 * document; every `const char *` in it points into that document and every
 * array is allocated by the parser. All of it lives until
 * rs_oci_spec_free(). Nothing is borrowed from the caller.
 */
#ifndef RUNSC_OCI_SPEC_H
#define RUNSC_OCI_SPEC_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "runsc/error.h"

/* The spec version runsc implements (`runsc spec` writes it, `runsc
 * features` reports it as ociVersionMax) and the oldest it accepts in
 * rs_oci_version_supported(). */
#define RS_OCI_VERSION	   "1.1.0"
#define RS_OCI_VERSION_MIN "1.0.0"

/* Limits on hostile documents: the file's size and the entries of any one
 * array or object. jansson itself stops nesting at 2048 levels. */
#define RS_OCI_CONFIG_MAX (4u << 20)
#define RS_OCI_MAX_ITEMS  65536u

/* Optional scalars: set is false when the field is absent or null. */
struct rs_oci_opt_i64 {
	bool set;
	int64_t v;
};
struct rs_oci_opt_u64 {
	bool set;
	uint64_t v;
};
struct rs_oci_opt_bool {
	bool set;
	bool v;
};

/* An entry of a string-to-string map (annotations, sysctl, unified), in
 * the document's order. */
struct rs_oci_kv {
	const char *key;
	const char *value;
};

/* ---- process ------------------------------------------------------- */

enum rs_oci_cap_set {
	RS_OCI_CAP_BOUNDING,
	RS_OCI_CAP_EFFECTIVE,
	RS_OCI_CAP_INHERITABLE,
	RS_OCI_CAP_PERMITTED,
	RS_OCI_CAP_AMBIENT,
	RS_OCI_CAP_NSETS,
};

/* Capabilities are numbered as in linux/capability.h; bit N of a set is
 * capability N. CAP_CHECKPOINT_RESTORE (40) is the last one known. */
#define RS_OCI_CAP_LAST 40

struct rs_oci_user {
	uint32_t uid; /* 0 when absent, as runc */
	uint32_t gid;
	struct rs_oci_opt_u64 umask; /* 0..0777 */
	uint32_t *additional_gids;
	size_t n_additional_gids;
};

struct rs_oci_rlimit {
	int type;      /* RLIMIT_NOFILE, ... */
	uint64_t soft; /* RLIM_INFINITY is UINT64_MAX */
	uint64_t hard;
};

struct rs_oci_process {
	bool terminal;
	bool has_console_size;
	uint32_t console_height;
	uint32_t console_width;
	struct rs_oci_user user;
	/* args: at least one, NULL-terminated (n_args excludes the NULL), so
	 * it can be handed to execve as it is. env likewise; every entry is
	 * NAME=VALUE with a non-empty NAME. */
	const char **args;
	size_t n_args;
	const char **env;
	size_t n_env;
	const char *cwd; /* absolute */
	bool has_capabilities;
	uint64_t caps[RS_OCI_CAP_NSETS];
	unsigned unknown_caps; /* names dropped with a warning */
	struct rs_oci_rlimit *rlimits;
	size_t n_rlimits;
	bool no_new_privileges;
	struct rs_oci_opt_i64 oom_score_adj; /* -1000..1000 */
	/* Accepted and kept; the sandbox applies neither. NULL if absent. */
	const char *apparmor_profile;
	const char *selinux_label;
	json_t *json; /* the process object (a reference) */
};

/* ---- root, mounts, hooks ------------------------------------------- */

struct rs_oci_root {
	const char *path; /* as written */
	char *abs_path;	  /* resolved against the bundle and cleaned */
	bool readonly;
};

struct rs_oci_mount {
	const char *destination; /* absolute */
	const char *type;	 /* NULL when absent (often so for binds) */
	const char *source;	 /* NULL when absent; as written */
	const char **options;	 /* as written, NULL-terminated */
	size_t n_options;
	/* The options runc recognises, applied in order as mount(8) does
	 * ("ro,rw" is rw): MS_* flags to pass to mount(2) (rbind is
	 * MS_BIND|MS_REC), the propagation to set afterwards (the last one
	 * given: MS_SHARED, MS_SLAVE, MS_PRIVATE or MS_UNBINDABLE, with
	 * MS_REC for the r* forms; 0 for none), the recursive attributes
	 * (rro, rnosuid, ...) for mount_setattr(2), and runc's tmpcopyup. */
	unsigned long flags;
	unsigned long propagation;
	uint64_t attr_set;
	uint64_t attr_clr;
	bool tmpcopyup;
	/* Every other option, comma-joined in order for the filesystem
	 * ("mode=755,size=65536k"); NULL when there is none. Owned. */
	char *data;
};

enum rs_oci_hook_kind {
	RS_OCI_HOOK_PRESTART,
	RS_OCI_HOOK_CREATE_RUNTIME,
	RS_OCI_HOOK_CREATE_CONTAINER,
	RS_OCI_HOOK_START_CONTAINER,
	RS_OCI_HOOK_POSTSTART,
	RS_OCI_HOOK_POSTSTOP,
	RS_OCI_HOOK_KINDS,
};

struct rs_oci_hook {
	const char *path;  /* absolute */
	const char **args; /* NULL-terminated; may be empty */
	size_t n_args;
	const char **env; /* NULL-terminated; NAME=VALUE */
	size_t n_env;
	struct rs_oci_opt_i64 timeout; /* seconds, > 0 */
};

struct rs_oci_hook_list {
	struct rs_oci_hook *v;
	size_t n;
};

/* ---- linux --------------------------------------------------------- */

enum rs_oci_ns_type {
	RS_OCI_NS_PID,
	RS_OCI_NS_NETWORK,
	RS_OCI_NS_MOUNT,
	RS_OCI_NS_IPC,
	RS_OCI_NS_UTS,
	RS_OCI_NS_USER,
	RS_OCI_NS_CGROUP,
	RS_OCI_NS_TIME,
	RS_OCI_NS_TYPES,
};

struct rs_oci_namespace {
	enum rs_oci_ns_type type;
	const char *path; /* absolute; NULL: a new namespace */
};

struct rs_oci_id_map {
	uint32_t container_id;
	uint32_t host_id;
	uint32_t size;
};

/* linux.devices: a device node the container must have. */
struct rs_oci_device {
	const char *path; /* absolute */
	char type;	  /* 'c', 'b', 'u' or 'p' */
	int64_t major;	  /* required unless type is 'p' (then 0) */
	int64_t minor;
	struct rs_oci_opt_u64 file_mode;
	struct rs_oci_opt_u64 uid;
	struct rs_oci_opt_u64 gid;
};

/* linux.resources.devices: the cgroup's device allow/deny list. */
struct rs_oci_device_rule {
	bool allow;
	char type;     /* 'a' (also when absent), 'c' or 'b' */
	int64_t major; /* -1: all */
	int64_t minor;
	char access[4]; /* letters of "rwm" as given; "" when absent */
};

struct rs_oci_memory {
	bool present;
	struct rs_oci_opt_i64 limit; /* bytes; -1 unlimited */
	struct rs_oci_opt_i64 reservation;
	struct rs_oci_opt_i64 swap;
	struct rs_oci_opt_i64 kernel;
	struct rs_oci_opt_i64 kernel_tcp;
	struct rs_oci_opt_u64 swappiness; /* 0..100 */
	struct rs_oci_opt_bool disable_oom_killer;
	struct rs_oci_opt_bool use_hierarchy;
	struct rs_oci_opt_bool check_before_update;
};

struct rs_oci_cpu {
	bool present;
	struct rs_oci_opt_u64 shares;
	struct rs_oci_opt_i64 quota; /* microseconds per period */
	struct rs_oci_opt_u64 burst;
	struct rs_oci_opt_u64 period;
	struct rs_oci_opt_i64 realtime_runtime;
	struct rs_oci_opt_u64 realtime_period;
	const char *cpus; /* "0-3,5"; NULL when absent */
	const char *mems;
	struct rs_oci_opt_i64 idle;
};

struct rs_oci_blkio_device {
	int64_t major;
	int64_t minor;
	struct rs_oci_opt_u64 weight; /* weightDevice only */
	struct rs_oci_opt_u64 leaf_weight;
	uint64_t rate; /* throttle* only */
};

enum rs_oci_blkio_list {
	RS_OCI_BLKIO_WEIGHT_DEVICE,
	RS_OCI_BLKIO_THROTTLE_READ_BPS,
	RS_OCI_BLKIO_THROTTLE_WRITE_BPS,
	RS_OCI_BLKIO_THROTTLE_READ_IOPS,
	RS_OCI_BLKIO_THROTTLE_WRITE_IOPS,
	RS_OCI_BLKIO_LISTS,
};

struct rs_oci_blkio {
	bool present;
	struct rs_oci_opt_u64 weight; /* uint16 */
	struct rs_oci_opt_u64 leaf_weight;
	struct rs_oci_blkio_device *devices[RS_OCI_BLKIO_LISTS];
	size_t n_devices[RS_OCI_BLKIO_LISTS];
};

struct rs_oci_hugepage_limit {
	const char *page_size; /* "2MB" */
	uint64_t limit;
};

struct rs_oci_net_priority {
	const char *name;
	uint32_t priority;
};

struct rs_oci_resources {
	bool present;
	struct rs_oci_device_rule *devices;
	size_t n_devices;
	struct rs_oci_memory memory;
	struct rs_oci_cpu cpu;
	struct {
		bool present;
		int64_t limit; /* required in the object; <= 0: unlimited */
	} pids;
	struct rs_oci_blkio block_io;
	struct rs_oci_hugepage_limit *hugepage_limits;
	size_t n_hugepage_limits;
	struct {
		bool present;
		struct rs_oci_opt_u64 class_id;
		struct rs_oci_net_priority *priorities;
		size_t n_priorities;
	} network;
	bool rdma_present; /* checked for shape; json keeps it */
	struct rs_oci_kv *unified;
	size_t n_unified;
	json_t *json; /* the resources object (borrowed from the spec) */
};

/* linux.seccomp: checked for shape and names (actions, operators,
 * architectures, flags), kept as JSON. The sandbox filters the
 * application's system calls itself, whatever the profile says, as gVisor
 * does by default. */
struct rs_oci_seccomp {
	bool present;
	const char *default_action;
	size_t n_syscalls;
	json_t *json; /* borrowed from the spec */
};

struct rs_oci_linux {
	bool present;
	struct rs_oci_namespace *namespaces; /* no type twice */
	size_t n_namespaces;
	struct rs_oci_id_map *uid_mappings;
	size_t n_uid_mappings;
	struct rs_oci_id_map *gid_mappings;
	size_t n_gid_mappings;
	struct rs_oci_device *devices;
	size_t n_devices;
	const char *cgroups_path; /* NULL when absent */
	struct rs_oci_resources resources;
	struct rs_oci_kv *sysctl;
	size_t n_sysctl;
	const char **masked_paths; /* absolute, NULL-terminated */
	size_t n_masked_paths;
	const char **readonly_paths;
	size_t n_readonly_paths;
	struct rs_oci_seccomp seccomp;
	/* MS_SHARED, MS_SLAVE, MS_PRIVATE or MS_UNBINDABLE (MS_REC added for
	 * runc's r* spellings); 0 when absent. */
	unsigned long rootfs_propagation;
	const char *mount_label;
	struct {
		bool present;
		const char *clos_id;
	} intel_rdt;
	struct {
		bool present;
		bool linux32; /* domain LINUX32 (else LINUX) */
	} personality;
	bool time_offsets_present;
};

/* ---- the whole configuration --------------------------------------- */

struct rs_oci_spec {
	json_t *json;		 /* the document (a reference) */
	const char *oci_version; /* "" when absent */
	char *bundle;		 /* the bundle directory, absolute (owned) */
	struct rs_oci_process *process; /* never NULL */
	struct rs_oci_root root;
	const char *hostname; /* NULL when absent */
	const char *domainname;
	struct rs_oci_mount *mounts;
	size_t n_mounts;
	struct rs_oci_hook_list hooks[RS_OCI_HOOK_KINDS];
	struct rs_oci_kv *annotations;
	size_t n_annotations;
	struct rs_oci_linux linux_cfg; /* (`linux` is a macro in GNU C) */
};

/* Reads BUNDLE/config.json (bundle NULL means the working directory) and
 * checks that root.path names a directory. Fails on a file that is not
 * regular or is larger than RS_OCI_CONFIG_MAX. */
int rs_oci_spec_load(const char *bundle, struct rs_oci_spec **out,
		     struct rs_error **err);

/* Parses len bytes of config.json text (no NUL needed) for the bundle at
 * bundle (absolute; root.path is resolved against it, nothing is read
 * from it). Touches no file: the fuzzer's entry point. */
int rs_oci_spec_parse(const char *buf, size_t len, const char *bundle,
		      struct rs_oci_spec **out, struct rs_error **err);

void rs_oci_spec_free(struct rs_oci_spec *spec);

/* A process object alone, as `runc exec --process FILE` reads it: the same
 * checks as config.json's process, with errors naming name (a file name)
 * instead of "config.json: process". */
int rs_oci_process_load(const char *path, struct rs_oci_process **out,
			struct rs_error **err);
int rs_oci_process_parse(const char *buf, size_t len, const char *name,
			 struct rs_oci_process **out, struct rs_error **err);
void rs_oci_process_free(struct rs_oci_process *process);

/* The namespace entry of a type, or NULL when the config lists none (the
 * container then shares the runtime's namespace of that type). */
const struct rs_oci_namespace *
rs_oci_spec_namespace(const struct rs_oci_spec *spec, enum rs_oci_ns_type t);

/* The value of an annotation, or NULL. */
const char *rs_oci_spec_annotation(const struct rs_oci_spec *spec,
				   const char *key);

/* The value of KEY=VALUE in a mount's data options ("size" -> "65536k"),
 * copied into buf (truncated to len - 1 bytes), or NULL when absent. A
 * bare KEY gives "". */
const char *rs_oci_mount_data_option(const struct rs_oci_mount *m,
				     const char *key, char *buf, size_t len);

/* A tmpfs size= value in bytes: digits with an optional k, m, g or t
 * suffix (either case, powers of 1024) as tmpfs reads it. Returns 0, or
 * -1 for anything else (a percentage, overflow, junk). */
int rs_oci_parse_size(const char *s, uint64_t *bytes);

/* Whether version is a SemVer 1.x release or pre-release at least
 * RS_OCI_VERSION_MIN ("1.0.2-dev", "1.1.0", "1.2.0"). runc itself does not
 * check; this is for a caller that wants to. */
bool rs_oci_version_supported(const char *version);

/* Name tables, shared with `runsc features` so that what it reports is
 * what the parser accepts. Each returns NULL past the end. */
const char *rs_oci_hook_name(enum rs_oci_hook_kind kind);
const char *rs_oci_ns_name(enum rs_oci_ns_type type);
const char *rs_oci_cap_name(unsigned cap); /* 0..RS_OCI_CAP_LAST */
const char *rs_oci_cap_set_name(enum rs_oci_cap_set set);
const char *rs_oci_mount_option_name(unsigned i); /* sorted */
const char *rs_oci_seccomp_action_name(unsigned i);
const char *rs_oci_seccomp_operator_name(unsigned i);
const char *rs_oci_seccomp_arch_name(unsigned i);
const char *rs_oci_seccomp_flag_name(unsigned i);
const char *rs_oci_rlimit_name(unsigned i);

/* Capability number of a name ("CAP_NET_ADMIN"), or -1. */
int rs_oci_cap_from_name(const char *name);
/* RLIMIT_* number of a name ("RLIMIT_NOFILE"), or -1. */
int rs_oci_rlimit_from_name(const char *name);

#endif
