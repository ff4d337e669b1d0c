/* `runsc features`: what this runtime supports, in runc's JSON shape
 * (runtime-spec features.md and features-linux.md; runc prints it with
 * four-space indentation and a trailing newline).
 *
 * The name lists come from the tables the config.json parser checks
 * against (oci_spec.c), so that what is reported as recognised is exactly
 * what is accepted. The booleans are this project's truth, not runc's:
 *   - seccomp: the profile in linux.seccomp is checked and not applied;
 *     the sandbox filters the application's system calls itself (every
 *     call traps to the Sentry), as gVisor does by default. So "enabled"
 *     is false while the names it recognises are listed.
 *   - AppArmor, SELinux, Intel RDT, idmapped mounts: accepted in the
 *     config, not applied.
 *   - cgroups: linux.resources are applied to the sandbox's cgroup as a
 *     whole, v1 or v2, through cgroupfs; --systemd-cgroup is accepted and
 *     recorded, without a systemd cgroup manager behind it.
 */
#include <errno.h>
#include <jansson.h>
#include <seccomp.h>
#include <stdio.h>
#include <string.h>

#include "json_out.h"
#include "oci_spec.h"
#include "runsc.h"

enum {
	CGROUP_V1 = 1,
	CGROUP_V2 = 1,
	CGROUP_SYSTEMD = 0,
	CGROUP_SYSTEMD_USER = 0,
	CGROUP_RDMA = 0,
	SECCOMP_ENABLED = 0,
	APPARMOR_ENABLED = 0,
	SELINUX_ENABLED = 0,
	INTEL_RDT_ENABLED = 0,
	IDMAP_ENABLED = 0,
};

/* An array of the names fn gives for 0, 1, ... until NULL. */
static json_t *names(const char *(*fn)(unsigned))
{
	json_t *a = json_array();
	const char *n;
	for (unsigned i = 0; a && (n = fn(i)) != NULL; i++)
		if (json_array_append_new(a, json_string(n)) < 0) {
			json_decref(a);
			return NULL;
		}
	return a;
}

static const char *hook(unsigned i)
{
	return rs_oci_hook_name((enum rs_oci_hook_kind)i);
}

/* runc lists namespaces sorted by name. */
static const char *namespace(unsigned i)
{
	static const enum rs_oci_ns_type sorted[] = {
		RS_OCI_NS_CGROUP,  RS_OCI_NS_IPC, RS_OCI_NS_MOUNT,
		RS_OCI_NS_NETWORK, RS_OCI_NS_PID, RS_OCI_NS_TIME,
		RS_OCI_NS_USER,	   RS_OCI_NS_UTS,
	};
	_Static_assert(sizeof(sorted) / sizeof(sorted[0]) == RS_OCI_NS_TYPES,
		       "every namespace type is listed");
	return i < RS_OCI_NS_TYPES ? rs_oci_ns_name(sorted[i]) : NULL;
}

static json_t *features(void)
{
	const struct scmp_version *v = seccomp_version();
	char libseccomp[32] = "unknown";
	if (v)
		snprintf(libseccomp, sizeof(libseccomp), "%u.%u.%u", v->major,
			 v->minor, v->micro);
	return json_pack(
		"{s:s, s:s, s:o, s:o, "
		"s:{s:o, s:o, s:{s:b, s:b, s:b, s:b, s:b}, "
		"s:{s:b, s:o, s:o, s:o, s:o}, s:{s:b}, s:{s:b}, s:{s:b}, "
		"s:{s:{s:b}}}, "
		"s:{s:s, s:s, s:s, s:s}}",
		"ociVersionMin", RS_OCI_VERSION_MIN, "ociVersionMax",
		RS_OCI_VERSION, "hooks", names(hook), "mountOptions",
		names(rs_oci_mount_option_name), "linux", "namespaces",
		names(namespace), "capabilities", names(rs_oci_cap_name),
		"cgroup", "v1", CGROUP_V1, "v2", CGROUP_V2, "systemd",
		CGROUP_SYSTEMD, "systemdUser", CGROUP_SYSTEMD_USER, "rdma",
		CGROUP_RDMA, "seccomp", "enabled", SECCOMP_ENABLED, "actions",
		names(rs_oci_seccomp_action_name), "operators",
		names(rs_oci_seccomp_operator_name), "archs",
		names(rs_oci_seccomp_arch_name), "knownFlags",
		names(rs_oci_seccomp_flag_name), "apparmor", "enabled",
		APPARMOR_ENABLED, "selinux", "enabled", SELINUX_ENABLED,
		"intelRdt", "enabled", INTEL_RDT_ENABLED, "mountExtensions",
		"idmap", "enabled", IDMAP_ENABLED, "annotations",
		/* Sorted by key, as Go writes a map. */
		"dev.runsc-c.network", "sandbox,host,none",
		"dev.runsc-c.platform", "ptrace", "dev.runsc-c.version",
		RS_VERSION, "io.github.seccomp.libseccomp.version", libseccomp);
}

int rs_cmd_features(struct rs_global *global, int argc, char **argv)
{
	(void)global;
	if (argc == 2 &&
	    (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0)) {
		puts("usage: runsc features\n"
		     "prints what this runtime supports as JSON (runtime-spec "
		     "features.md)");
		return 0;
	}
	if (argc > 1)
		return rs_usage_error(
			"features",
			"\"features\" requires exactly 0 argument(s)");
	json_t *f = features();
	int r = f ? rs_json_go_print(stdout, f, "    ", "\n") : -1;
	json_decref(f);
	if (r < 0 || fflush(stdout) != 0) {
		struct rs_error *err = NULL;
		rs_error_set(&err, errno, "write the features");
		rs_error_print(err, "runsc features", stderr);
		rs_error_free(err);
		return 1;
	}
	return 0;
}
