/* config.json: every field into the model, every refusal with its exact
 * message, and hostile documents (wrong types, huge and deep ones,
 * invalid UTF-8, NUL bytes, numbers out of range) refused without a crash
 * or a leak (LeakSanitizer checks the latter under `make asan`). */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>
#include <cmocka.h>

#include "oci_spec.h"
#include "runsc/log.h"

/* runc 1.1's `runc spec`, the usual starting point. */
static const char base_config[] =
	"{\"ociVersion\": \"1.0.2-dev\","
	" \"process\": {\"terminal\": true, \"user\": {\"uid\": 0, \"gid\": 0},"
	"  \"args\": [\"sh\"],"
	"  \"env\": [\"PATH=/usr/bin:/bin\", \"TERM=xterm\"],"
	"  \"cwd\": \"/\","
	"  \"capabilities\": {\"bounding\": [\"CAP_AUDIT_WRITE\", \"CAP_KILL\"],"
	"   \"effective\": [\"CAP_KILL\"]},"
	"  \"rlimits\": [{\"type\": \"RLIMIT_NOFILE\", \"hard\": 1024,"
	"   \"soft\": 1024}],"
	"  \"noNewPrivileges\": true},"
	" \"root\": {\"path\": \"rootfs\", \"readonly\": true},"
	" \"hostname\": \"runc\","
	" \"mounts\": [{\"destination\": \"/proc\", \"type\": \"proc\","
	"   \"source\": \"proc\"},"
	"  {\"destination\": \"/dev\", \"type\": \"tmpfs\", \"source\": \"tmpfs\","
	"   \"options\": [\"nosuid\", \"strictatime\", \"mode=755\","
	"    \"size=65536k\"]}],"
	" \"linux\": {\"resources\": {\"devices\": [{\"allow\": false,"
	"   \"access\": \"rwm\"}]},"
	"  \"namespaces\": [{\"type\": \"pid\"}, {\"type\": \"network\"},"
	"   {\"type\": \"ipc\"}, {\"type\": \"uts\"}, {\"type\": \"mount\"}],"
	"  \"maskedPaths\": [\"/proc/kcore\"],"
	"  \"readonlyPaths\": [\"/proc/sys\"]}}";

static json_t *base(void)
{
	json_error_t je;
	json_t *doc = json_loads(base_config, 0, &je);
	if (doc == NULL)
		fail_msg("base config: %s", je.text);
	return doc;
}

/* Sets (or with value NULL removes) the member at a dotted path such as
 * "process.rlimits[0].type", creating objects on the way. value is JSON
 * text. */
static void set(json_t *doc, const char *path, const char *value)
{
	char buf[256];
	snprintf(buf, sizeof(buf), "%s", path);
	json_t *cur = doc;
	char *save = NULL;
	char *tok = strtok_r(buf, ".", &save);
	while (tok) {
		char *next = strtok_r(NULL, ".", &save);
		char *br = strchr(tok, '[');
		size_t idx = 0;
		if (br) {
			idx = strtoul(br + 1, NULL, 10);
			*br = '\0';
		}
		if (next == NULL && !br) {
			if (value == NULL) {
				json_object_del(cur, tok);
			} else {
				json_error_t je;
				json_t *v =
					json_loads(value, JSON_DECODE_ANY, &je);
				if (v == NULL)
					fail_msg("value %s: %s", value,
						 je.text);
				json_object_set_new(cur, tok, v);
			}
			return;
		}
		json_t *child = json_object_get(cur, tok);
		if (child == NULL) {
			child = json_object();
			json_object_set_new(cur, tok, child);
		}
		if (br) {
			if (next == NULL) {
				json_error_t je;
				json_t *v =
					json_loads(value, JSON_DECODE_ANY, &je);
				json_array_set_new(child, idx, v);
				return;
			}
			child = json_array_get(child, idx);
		}
		cur = child;
		tok = next;
	}
}

/* Parses doc (consumed) for the bundle /bundle. */
static int parse(json_t *doc, struct rs_oci_spec **spec, char *msg, size_t len)
{
	char *text = json_dumps(doc, 0);
	json_decref(doc);
	struct rs_error *err = NULL;
	int r = rs_oci_spec_parse(text, strlen(text), "/bundle", spec, &err);
	free(text);
	msg[0] = '\0';
	if (r < 0)
		rs_error_format(err, msg, len);
	rs_error_free(err);
	return r;
}

static struct rs_oci_spec *parse_ok(json_t *doc)
{
	struct rs_oci_spec *spec = NULL;
	char msg[1024];
	if (parse(doc, &spec, msg, sizeof(msg)) < 0)
		fail_msg("parse: %s", msg);
	return spec;
}

/* The document with one change must be refused with exactly want. */
static void refused(const char *path, const char *value, const char *want)
{
	json_t *doc = base();
	set(doc, path, value);
	struct rs_oci_spec *spec = NULL;
	char msg[1024];
	int r = parse(doc, &spec, msg, sizeof(msg));
	if (r == 0) {
		rs_oci_spec_free(spec);
		fail_msg("%s = %s was accepted", path,
			 value ? value : "(none)");
	}
	assert_null(spec);
	if (strcmp(msg, want) != 0)
		fail_msg("%s = %s:\n  got  %s\n  want %s", path,
			 value ? value : "(none)", msg, want);
}

static void refused_text(const char *text, size_t len, const char *want_prefix)
{
	struct rs_oci_spec *spec = NULL;
	struct rs_error *err = NULL;
	assert_int_equal(rs_oci_spec_parse(text, len, "/bundle", &spec, &err),
			 -1);
	assert_null(spec);
	char msg[1024];
	rs_error_format(err, msg, sizeof(msg));
	rs_error_free(err);
	if (strncmp(msg, want_prefix, strlen(want_prefix)) != 0)
		fail_msg("got %s\nwant %s...", msg, want_prefix);
	assert_null(strchr(msg, '\n'));
}

/* ---- the model ------------------------------------------------------- */

static void test_runc_default_config(void **state)
{
	(void)state;
	struct rs_oci_spec *s = parse_ok(base());
	assert_string_equal(s->oci_version, "1.0.2-dev");
	assert_string_equal(s->bundle, "/bundle");
	struct rs_oci_process *p = s->process;
	assert_true(p->terminal);
	assert_false(p->has_console_size);
	assert_int_equal(p->n_args, 1);
	assert_string_equal(p->args[0], "sh");
	assert_null(p->args[1]);
	assert_int_equal(p->n_env, 2);
	assert_string_equal(p->env[1], "TERM=xterm");
	assert_null(p->env[2]);
	assert_string_equal(p->cwd, "/");
	assert_true(p->has_capabilities);
	assert_int_equal(p->caps[RS_OCI_CAP_BOUNDING],
			 (1ull << 29) | (1ull << 5)); /* AUDIT_WRITE, KILL */
	assert_int_equal(p->caps[RS_OCI_CAP_EFFECTIVE], 1ull << 5);
	assert_int_equal(p->caps[RS_OCI_CAP_AMBIENT], 0);
	assert_int_equal(p->n_rlimits, 1);
	assert_int_equal(p->rlimits[0].type, RLIMIT_NOFILE);
	assert_int_equal(p->rlimits[0].soft, 1024);
	assert_true(p->no_new_privileges);
	assert_false(p->oom_score_adj.set);
	assert_string_equal(s->root.path, "rootfs");
	assert_string_equal(s->root.abs_path, "/bundle/rootfs");
	assert_true(s->root.readonly);
	assert_string_equal(s->hostname, "runc");
	assert_null(s->domainname);
	assert_int_equal(s->n_mounts, 2);
	assert_string_equal(s->mounts[0].destination, "/proc");
	assert_null(s->mounts[0].data);
	assert_int_equal(s->mounts[1].flags, MS_NOSUID | MS_STRICTATIME);
	assert_string_equal(s->mounts[1].data, "mode=755,size=65536k");
	assert_true(s->linux_cfg.present);
	assert_int_equal(s->linux_cfg.n_namespaces, 5);
	assert_non_null(rs_oci_spec_namespace(s, RS_OCI_NS_NETWORK));
	assert_null(rs_oci_spec_namespace(s, RS_OCI_NS_USER));
	assert_null(rs_oci_spec_namespace(s, RS_OCI_NS_PID)->path);
	assert_true(s->linux_cfg.resources.present);
	assert_int_equal(s->linux_cfg.resources.n_devices, 1);
	assert_false(s->linux_cfg.resources.devices[0].allow);
	assert_int_equal(s->linux_cfg.resources.devices[0].type, 'a');
	assert_int_equal(s->linux_cfg.resources.devices[0].major, -1);
	assert_string_equal(s->linux_cfg.resources.devices[0].access, "rwm");
	assert_string_equal(s->linux_cfg.masked_paths[0], "/proc/kcore");
	assert_null(s->linux_cfg.masked_paths[1]);
	assert_string_equal(s->linux_cfg.readonly_paths[0], "/proc/sys");
	rs_oci_spec_free(s);
}

static void test_process_fields(void **state)
{
	(void)state;
	json_t *doc = base();
	set(doc, "process.consoleSize", "{\"height\": 24, \"width\": 80}");
	set(doc, "process.user",
	    "{\"uid\": 1000, \"gid\": 100, \"umask\": 18,"
	    " \"additionalGids\": [5, 4294967295]}");
	set(doc, "process.args", "[\"/bin/echo\", \"a b\", \"\"]");
	set(doc, "process.env", "[\"A==\", \"B=\"]");
	set(doc, "process.cwd", "\"/work\"");
	set(doc, "process.capabilities",
	    "{\"bounding\": [\"CAP_CHOWN\", \"CAP_CHECKPOINT_RESTORE\"],"
	    " \"inheritable\": [\"CAP_SYS_ADMIN\"],"
	    " \"permitted\": [\"CAP_NET_RAW\"],"
	    " \"ambient\": [\"CAP_BPF\", \"CAP_BOGUS\"]}");
	set(doc, "process.rlimits",
	    "[{\"type\": \"RLIMIT_CORE\", \"soft\": 0, \"hard\": 0},"
	    " {\"type\": \"RLIMIT_NPROC\", \"soft\": 10, \"hard\": 20}]");
	set(doc, "process.noNewPrivileges", "false");
	set(doc, "process.oomScoreAdj", "-1000");
	set(doc, "process.apparmorProfile", "\"docker-default\"");
	set(doc, "process.selinuxLabel", "\"system_u:system_r:container_t\"");
	struct rs_oci_spec *s = parse_ok(doc);
	struct rs_oci_process *p = s->process;
	assert_true(p->has_console_size);
	assert_int_equal(p->console_height, 24);
	assert_int_equal(p->console_width, 80);
	assert_int_equal(p->user.uid, 1000);
	assert_int_equal(p->user.gid, 100);
	assert_true(p->user.umask.set);
	assert_int_equal(p->user.umask.v, 022);
	assert_int_equal(p->user.n_additional_gids, 2);
	assert_int_equal(p->user.additional_gids[1], UINT32_MAX);
	assert_int_equal(p->n_args, 3);
	assert_string_equal(p->args[2], "");
	assert_string_equal(p->env[0], "A==");
	assert_string_equal(p->cwd, "/work");
	assert_int_equal(p->caps[RS_OCI_CAP_BOUNDING],
			 (1ull << 0) | (1ull << 40));
	assert_int_equal(p->caps[RS_OCI_CAP_INHERITABLE], 1ull << 21);
	assert_int_equal(p->caps[RS_OCI_CAP_PERMITTED], 1ull << 13);
	assert_int_equal(p->caps[RS_OCI_CAP_AMBIENT], 1ull << 39);
	assert_int_equal(p->caps[RS_OCI_CAP_EFFECTIVE], 0);
	/* runc 1.1 drops unknown names with a warning. */
	assert_int_equal(p->unknown_caps, 1);
	assert_int_equal(p->n_rlimits, 2);
	assert_int_equal(p->rlimits[1].type, RLIMIT_NPROC);
	assert_int_equal(p->rlimits[1].hard, 20);
	assert_false(p->no_new_privileges);
	assert_true(p->oom_score_adj.set);
	assert_int_equal(p->oom_score_adj.v, -1000);
	assert_string_equal(p->apparmor_profile, "docker-default");
	assert_string_equal(p->selinux_label, "system_u:system_r:container_t");
	assert_true(json_is_object(p->json));
	rs_oci_spec_free(s);
}

static void test_null_absent_unknown(void **state)
{
	(void)state;
	json_t *doc = base();
	/* Go reads null as absent; unknown fields are ignored. */
	set(doc, "hostname", "null");
	set(doc, "process.env", "null");
	set(doc, "process.user", "null");
	set(doc, "mounts", "null");
	set(doc, "linux.seccomp", "null");
	set(doc, "process.ioPriority", "{\"class\": \"IOPRIO_CLASS_IDLE\"}");
	set(doc, "vm", "{\"hypervisor\": {\"path\": 1}}");
	set(doc, "linux.netDevices", "{\"eth0\": {}}");
	set(doc, "ociVersion", NULL);
	struct rs_oci_spec *s = parse_ok(doc);
	assert_null(s->hostname);
	assert_string_equal(s->oci_version, "");
	assert_int_equal(s->process->n_env, 0);
	assert_non_null(s->process->env); /* always an array for execve */
	assert_null(s->process->env[0]);
	assert_int_equal(s->process->user.uid, 0);
	assert_int_equal(s->n_mounts, 0);
	assert_false(s->linux_cfg.seccomp.present);
	rs_oci_spec_free(s);

	/* No linux section at all. */
	doc = base();
	set(doc, "linux", NULL);
	s = parse_ok(doc);
	assert_false(s->linux_cfg.present);
	assert_null(rs_oci_spec_namespace(s, RS_OCI_NS_PID));
	rs_oci_spec_free(s);
}

static void test_root_paths(void **state)
{
	(void)state;
	const struct {
		const char *path, *abs;
	} cases[] = {
		{ "rootfs", "/bundle/rootfs" }, { "./a//b/", "/bundle/a/b" },
		{ "../x/./y", "/x/y" },		{ "../../..", "/" },
		{ "/abs/root/..", "/abs" },	{ "/", "/" },
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		json_t *doc = base();
		char v[64];
		snprintf(v, sizeof(v), "\"%s\"", cases[i].path);
		set(doc, "root.path", v);
		set(doc, "root.readonly", NULL);
		struct rs_oci_spec *s = parse_ok(doc);
		assert_string_equal(s->root.abs_path, cases[i].abs);
		assert_false(s->root.readonly);
		rs_oci_spec_free(s);
	}
}

static void test_mount_options(void **state)
{
	(void)state;
	json_t *doc = base();
	set(doc, "mounts",
	    "[{\"destination\": \"/a\", \"type\": \"bind\", \"source\": \"/s\","
	    "  \"options\": [\"rbind\", \"ro\", \"nosuid\", \"nodev\","
	    "   \"noexec\", \"relatime\", \"rprivate\"]},"
	    " {\"destination\": \"/b\", \"options\": [\"ro\", \"rw\", \"bind\","
	    "   \"suid\", \"\", \"defaults\", \"shared\", \"slave\"]},"
	    " {\"destination\": \"/c\", \"type\": \"tmpfs\", \"options\":"
	    "   [\"size=1g\", \"mode=1777\", \"uid=0\", \"tmpcopyup\", \"rro\","
	    "    \"rnosuid\", \"rnoatime\", \"rrelatime\", \"rsuid\"]},"
	    " {\"destination\": \"/d\", \"options\": [\"remount\", \"sync\","
	    "   \"async\", \"nosymfollow\", \"noacl\", \"mand\"]}]");
	struct rs_oci_spec *s = parse_ok(doc);
	assert_int_equal(s->n_mounts, 4);
	struct rs_oci_mount *m = s->mounts;
	assert_string_equal(m[0].type, "bind");
	assert_string_equal(m[0].source, "/s");
	assert_int_equal(m[0].n_options, 7);
	assert_int_equal(m[0].flags, MS_BIND | MS_REC | MS_RDONLY | MS_NOSUID |
					     MS_NODEV | MS_NOEXEC |
					     MS_RELATIME);
	assert_int_equal(m[0].propagation, MS_PRIVATE | MS_REC);
	assert_null(m[0].data);
	/* Later options override earlier ones, as mount(8) reads them; the
	 * last propagation wins. */
	assert_null(m[1].type);
	assert_null(m[1].source);
	assert_int_equal(m[1].flags, MS_BIND);
	assert_int_equal(m[1].propagation, MS_SLAVE);
	assert_string_equal(m[2].data, "size=1g,mode=1777,uid=0");
	assert_true(m[2].tmpcopyup);
	/* rro, rnosuid, rnoatime, rrelatime, rsuid: read-only stays, the
	 * later rsuid undoes rnosuid, rrelatime replaces rnoatime. */
	assert_int_equal(m[2].attr_set, 0x1);
	assert_int_equal(m[2].attr_clr, 0x2 | 0x70);
	char buf[32];
	assert_string_equal(
		rs_oci_mount_data_option(&m[2], "size", buf, sizeof(buf)),
		"1g");
	assert_string_equal(
		rs_oci_mount_data_option(&m[2], "mode", buf, sizeof(buf)),
		"1777");
	assert_null(rs_oci_mount_data_option(&m[2], "siz", buf, sizeof(buf)));
	assert_null(rs_oci_mount_data_option(&m[0], "size", buf, sizeof(buf)));
	uint64_t bytes;
	assert_int_equal(
		rs_oci_parse_size(rs_oci_mount_data_option(&m[2], "size", buf,
							   sizeof(buf)),
				  &bytes),
		0);
	assert_int_equal(bytes, 1ull << 30);
	assert_int_equal(m[3].flags,
			 MS_REMOUNT | 256 /* MS_NOSYMFOLLOW */ | MS_MANDLOCK);
	rs_oci_spec_free(s);
}

static void test_hooks_and_annotations(void **state)
{
	(void)state;
	json_t *doc = base();
	set(doc, "hooks",
	    "{\"prestart\": [{\"path\": \"/bin/a\"}],"
	    " \"createRuntime\": [{\"path\": \"/bin/b\", \"args\": [\"b\","
	    "   \"-x\"], \"env\": [\"K=V\"], \"timeout\": 5},"
	    "  {\"path\": \"/bin/c\"}],"
	    " \"createContainer\": [], \"startContainer\": [{\"path\": \"/s\"}],"
	    " \"poststart\": [{\"path\": \"/p\"}], \"poststop\": [{\"path\":"
	    "   \"/q\", \"timeout\": 1}], \"future\": [{\"x\": 1}]}");
	set(doc, "annotations",
	    "{\"org.b\": \"2\", \"org.a\": \"1\", \"x\": \"\"}");
	struct rs_oci_spec *s = parse_ok(doc);
	assert_int_equal(s->hooks[RS_OCI_HOOK_PRESTART].n, 1);
	assert_int_equal(s->hooks[RS_OCI_HOOK_PRESTART].v[0].n_args, 0);
	assert_null(s->hooks[RS_OCI_HOOK_PRESTART].v[0].args);
	assert_false(s->hooks[RS_OCI_HOOK_PRESTART].v[0].timeout.set);
	struct rs_oci_hook_list *cr = &s->hooks[RS_OCI_HOOK_CREATE_RUNTIME];
	assert_int_equal(cr->n, 2);
	assert_string_equal(cr->v[0].path, "/bin/b");
	assert_int_equal(cr->v[0].n_args, 2);
	assert_string_equal(cr->v[0].args[1], "-x");
	assert_null(cr->v[0].args[2]);
	assert_string_equal(cr->v[0].env[0], "K=V");
	assert_int_equal(cr->v[0].timeout.v, 5);
	assert_int_equal(s->hooks[RS_OCI_HOOK_CREATE_CONTAINER].n, 0);
	assert_int_equal(s->hooks[RS_OCI_HOOK_START_CONTAINER].n, 1);
	assert_int_equal(s->hooks[RS_OCI_HOOK_POSTSTART].n, 1);
	assert_int_equal(s->hooks[RS_OCI_HOOK_POSTSTOP].v[0].timeout.v, 1);
	assert_int_equal(s->n_annotations, 3);
	assert_string_equal(s->annotations[0].key,
			    "org.b"); /* document order */
	assert_string_equal(rs_oci_spec_annotation(s, "org.a"), "1");
	assert_string_equal(rs_oci_spec_annotation(s, "x"), "");
	assert_null(rs_oci_spec_annotation(s, "y"));
	for (int k = 0; k < RS_OCI_HOOK_KINDS; k++)
		assert_non_null(rs_oci_hook_name((enum rs_oci_hook_kind)k));
	assert_null(rs_oci_hook_name(RS_OCI_HOOK_KINDS));
	rs_oci_spec_free(s);
}

static void test_linux_fields(void **state)
{
	(void)state;
	json_t *doc = base();
	set(doc, "linux.namespaces",
	    "[{\"type\": \"network\", \"path\": \"/var/run/netns/n1\"},"
	    " {\"type\": \"user\"}, {\"type\": \"cgroup\"}, {\"type\": \"time\"}]");
	set(doc, "linux.uidMappings",
	    "[{\"containerID\": 0, \"hostID\": 100000, \"size\": 65536}]");
	set(doc, "linux.gidMappings",
	    "[{\"containerID\": 0, \"hostID\": 200000, \"size\": 1},"
	    " {\"containerID\": 1, \"hostID\": 1, \"size\": 4294967295}]");
	set(doc, "linux.devices",
	    "[{\"path\": \"/dev/fuse\", \"type\": \"c\", \"major\": 10,"
	    "  \"minor\": 229, \"fileMode\": 438, \"uid\": 0, \"gid\": 0},"
	    " {\"path\": \"/dev/p\", \"type\": \"p\"}]");
	set(doc, "linux.cgroupsPath", "\"system.slice:docker:abc\"");
	set(doc, "linux.sysctl",
	    "{\"net.ipv4.ip_forward\": \"1\", \"net.core.somaxconn\": \"256\"}");
	set(doc, "linux.rootfsPropagation", "\"rslave\"");
	set(doc, "linux.mountLabel", "\"system_u:object_r:c\"");
	set(doc, "linux.intelRdt", "{\"closID\": \"guaranteed_group\"}");
	set(doc, "linux.personality",
	    "{\"domain\": \"LINUX32\", \"flags\": []}");
	set(doc, "linux.timeOffsets", "{\"monotonic\": {\"secs\": 1}}");
	set(doc, "linux.seccomp",
	    "{\"defaultAction\": \"SCMP_ACT_ERRNO\", \"defaultErrnoRet\": 1,"
	    " \"architectures\": [\"SCMP_ARCH_X86_64\", \"SCMP_ARCH_X86\"],"
	    " \"flags\": [\"SECCOMP_FILTER_FLAG_LOG\"],"
	    " \"syscalls\": [{\"names\": [\"read\", \"write\"], \"action\":"
	    "   \"SCMP_ACT_ALLOW\"}, {\"names\": [\"personality\"], \"action\":"
	    "   \"SCMP_ACT_ALLOW\", \"args\": [{\"index\": 0, \"value\": 8,"
	    "   \"valueTwo\": 0, \"op\": \"SCMP_CMP_EQ\"}]}]}");
	struct rs_oci_spec *s = parse_ok(doc);
	struct rs_oci_linux *lx = &s->linux_cfg;
	assert_int_equal(lx->n_namespaces, 4);
	assert_string_equal(rs_oci_spec_namespace(s, RS_OCI_NS_NETWORK)->path,
			    "/var/run/netns/n1");
	assert_non_null(rs_oci_spec_namespace(s, RS_OCI_NS_TIME));
	assert_null(rs_oci_spec_namespace(s, RS_OCI_NS_PID));
	assert_int_equal(lx->n_uid_mappings, 1);
	assert_int_equal(lx->uid_mappings[0].host_id, 100000);
	assert_int_equal(lx->uid_mappings[0].size, 65536);
	assert_int_equal(lx->gid_mappings[1].size, UINT32_MAX);
	assert_int_equal(lx->n_devices, 2);
	assert_int_equal(lx->devices[0].type, 'c');
	assert_int_equal(lx->devices[0].major, 10);
	assert_int_equal(lx->devices[0].minor, 229);
	assert_int_equal(lx->devices[0].file_mode.v, 0666);
	assert_true(lx->devices[0].uid.set);
	assert_int_equal(lx->devices[1].type, 'p');
	assert_false(lx->devices[1].file_mode.set);
	assert_string_equal(lx->cgroups_path, "system.slice:docker:abc");
	assert_int_equal(lx->n_sysctl, 2);
	assert_string_equal(lx->sysctl[1].key, "net.core.somaxconn");
	assert_string_equal(lx->sysctl[1].value, "256");
	assert_int_equal(lx->rootfs_propagation, MS_SLAVE | MS_REC);
	assert_string_equal(lx->mount_label, "system_u:object_r:c");
	assert_true(lx->intel_rdt.present);
	assert_string_equal(lx->intel_rdt.clos_id, "guaranteed_group");
	assert_true(lx->personality.present);
	assert_true(lx->personality.linux32);
	assert_true(lx->time_offsets_present);
	assert_true(lx->seccomp.present);
	assert_string_equal(lx->seccomp.default_action, "SCMP_ACT_ERRNO");
	assert_int_equal(lx->seccomp.n_syscalls, 2);
	assert_true(json_is_object(lx->seccomp.json));
	assert_true(lx->resources.present);
	assert_false(lx->resources.memory.present);
	rs_oci_spec_free(s);
}

static void test_resources(void **state)
{
	(void)state;
	json_t *doc = base();
	set(doc, "linux.resources",
	    "{\"devices\": [{\"allow\": false, \"access\": \"rwm\"},"
	    "  {\"allow\": true, \"type\": \"c\", \"major\": 10, \"minor\": 229,"
	    "   \"access\": \"rw\"}, {\"allow\": true, \"type\": \"b\","
	    "   \"major\": 8}],"
	    " \"memory\": {\"limit\": 536870912, \"reservation\": 1,"
	    "  \"swap\": -1, \"kernel\": -1, \"kernelTCP\": 2, \"swappiness\": 0,"
	    "  \"disableOOMKiller\": true, \"useHierarchy\": false,"
	    "  \"checkBeforeUpdate\": true},"
	    " \"cpu\": {\"shares\": 1024, \"quota\": 100000, \"burst\": 5,"
	    "  \"period\": 100000, \"realtimeRuntime\": 950000,"
	    "  \"realtimePeriod\": 1000000, \"cpus\": \"0-1\", \"mems\": \"0\","
	    "  \"idle\": 1},"
	    " \"pids\": {\"limit\": 32771},"
	    " \"blockIO\": {\"weight\": 10, \"leafWeight\": 10,"
	    "  \"weightDevice\": [{\"major\": 8, \"minor\": 0, \"weight\": 500,"
	    "   \"leafWeight\": 300}, {\"major\": 8, \"minor\": 16,"
	    "   \"weight\": 500}],"
	    "  \"throttleReadBpsDevice\": [{\"major\": 8, \"minor\": 0,"
	    "   \"rate\": 600}],"
	    "  \"throttleWriteIOPSDevice\": [{\"major\": 8, \"minor\": 16,"
	    "   \"rate\": 300}]},"
	    " \"hugepageLimits\": [{\"pageSize\": \"2MB\", \"limit\": 209715200}],"
	    " \"network\": {\"classID\": 1048577, \"priorities\": [{\"name\":"
	    "  \"eth0\", \"priority\": 500}]},"
	    " \"rdma\": {\"mlx5_1\": {\"hcaHandles\": 3, \"hcaObjects\": 10000}},"
	    " \"unified\": {\"io.max\": \"259:0 rbps=2097152\"},"
	    " \"someFutureController\": {\"x\": 1}}");
	struct rs_oci_spec *s = parse_ok(doc);
	struct rs_oci_resources *r = &s->linux_cfg.resources;
	assert_true(r->present);
	assert_int_equal(r->n_devices, 3);
	assert_int_equal(r->devices[1].type, 'c');
	assert_int_equal(r->devices[1].minor, 229);
	assert_string_equal(r->devices[1].access, "rw");
	assert_int_equal(r->devices[2].minor, -1);
	assert_string_equal(r->devices[2].access, "");
	assert_true(r->memory.present);
	assert_int_equal(r->memory.limit.v, 536870912);
	assert_int_equal(r->memory.swap.v, -1);
	assert_true(r->memory.swappiness.set);
	assert_int_equal(r->memory.swappiness.v, 0);
	assert_true(r->memory.disable_oom_killer.v);
	assert_true(r->memory.use_hierarchy.set);
	assert_false(r->memory.use_hierarchy.v);
	assert_true(r->cpu.present);
	assert_int_equal(r->cpu.shares.v, 1024);
	assert_int_equal(r->cpu.quota.v, 100000);
	assert_int_equal(r->cpu.burst.v, 5);
	assert_string_equal(r->cpu.cpus, "0-1");
	assert_int_equal(r->cpu.idle.v, 1);
	assert_true(r->pids.present);
	assert_int_equal(r->pids.limit, 32771);
	assert_true(r->block_io.present);
	assert_int_equal(r->block_io.weight.v, 10);
	assert_int_equal(r->block_io.n_devices[RS_OCI_BLKIO_WEIGHT_DEVICE], 2);
	assert_int_equal(r->block_io.devices[RS_OCI_BLKIO_WEIGHT_DEVICE][0]
				 .leaf_weight.v,
			 300);
	assert_false(r->block_io.devices[RS_OCI_BLKIO_WEIGHT_DEVICE][1]
			     .leaf_weight.set);
	assert_int_equal(
		r->block_io.devices[RS_OCI_BLKIO_THROTTLE_READ_BPS][0].rate,
		600);
	assert_int_equal(r->block_io.n_devices[RS_OCI_BLKIO_THROTTLE_WRITE_BPS],
			 0);
	assert_int_equal(
		r->block_io.devices[RS_OCI_BLKIO_THROTTLE_WRITE_IOPS][0].minor,
		16);
	assert_int_equal(r->n_hugepage_limits, 1);
	assert_string_equal(r->hugepage_limits[0].page_size, "2MB");
	assert_true(r->network.present);
	assert_int_equal(r->network.class_id.v, 1048577);
	assert_string_equal(r->network.priorities[0].name, "eth0");
	assert_true(r->rdma_present);
	assert_int_equal(r->n_unified, 1);
	assert_string_equal(r->unified[0].key, "io.max");
	/* What is kept "present" stays reachable as JSON. */
	assert_non_null(json_object_get(r->json, "someFutureController"));
	rs_oci_spec_free(s);
}

static void test_uint64_beyond_int64(void **state)
{
	(void)state;
	/* podman writes 2^64-1 for an unlimited rlimit; jansson's integers
	 * stop at 2^63-1, so the document is read with doubles. */
	json_t *doc = base();
	set(doc, "process.rlimits", "[]");
	set(doc, "linux.resources.memory.limit", "9223372036854775807");
	set(doc, "linux.resources.pids", "{\"limit\": -1}");
	char *text = json_dumps(doc, 0);
	json_decref(doc);
	const char *big = "[{\"type\": \"RLIMIT_NOFILE\", \"soft\": 1048576, "
			  "\"hard\": 18446744073709551615}]";
	char *at = strstr(text, "\"rlimits\": []");
	assert_non_null(at);
	char buf[8192];
	snprintf(buf, sizeof(buf), "%.*s\"rlimits\": %s%s", (int)(at - text),
		 text, big, at + strlen("\"rlimits\": []"));
	free(text);
	struct rs_oci_spec *s = NULL;
	struct rs_error *err = NULL;
	assert_int_equal(rs_oci_spec_parse(buf, strlen(buf), "/b", &s, &err),
			 0);
	assert_int_equal(s->process->rlimits[0].hard, UINT64_MAX);
	assert_int_equal(s->process->rlimits[0].soft, 1048576);
	assert_int_equal(s->linux_cfg.resources.memory.limit.v, INT64_MAX);
	assert_int_equal(s->linux_cfg.resources.pids.limit, -1);
	assert_int_equal(s->process->user.uid, 0);
	rs_oci_spec_free(s);

	/* In that reading, a fraction is still not an integer, and 2^64 is
	 * as far as it goes. */
	const char *frac = "{\"process\": {\"args\": [\"a\"], \"cwd\": \"/\","
			   " \"user\": {\"uid\": 1.5}, \"rlimits\": [{\"type\":"
			   " \"RLIMIT_AS\", \"soft\": 1, \"hard\":"
			   " 18446744073709551615}]}, \"root\": {\"path\": "
			   "\"r\"}}";
	assert_int_equal(rs_oci_spec_parse(frac, strlen(frac), "/b", &s, &err),
			 -1);
	assert_string_equal(err->msg, "config.json: process.user.uid: must be "
				      "an integer");
	rs_error_clear(&err);
	const char *huge = "{\"process\": {\"args\": [\"a\"], \"cwd\": \"/\","
			   " \"rlimits\": [{\"type\": \"RLIMIT_AS\", \"soft\":"
			   " 1, \"hard\": 99999999999999999999999}]}, \"root\":"
			   " {\"path\": \"r\"}}";
	assert_int_equal(rs_oci_spec_parse(huge, strlen(huge), "/b", &s, &err),
			 -1);
	assert_string_equal(err->msg,
			    "config.json: process.rlimits[0].hard: must be "
			    "between 0 and 18446744073709551615");
	rs_error_clear(&err);
	const char *neg = "{\"process\": {\"args\": [\"a\"], \"cwd\": \"/\","
			  " \"oomScoreAdj\": -99999999999999999999999,"
			  " \"rlimits\": []}, \"root\": {\"path\": \"r\"}}";
	assert_int_equal(rs_oci_spec_parse(neg, strlen(neg), "/b", &s, &err),
			 -1);
	assert_string_equal(err->msg, "config.json: process.oomScoreAdj: must "
				      "be between -1000 and 1000");
	rs_error_clear(&err);
	/* Without a big number, a whole real is not an integer (Go: cannot
	 * unmarshal number 1.0 into uint32). */
	refused("process.user.uid", "1.0",
		"config.json: process.user.uid: must be an integer");
}

/* ---- every refusal ---------------------------------------------------- */

static void test_refusals_process(void **state)
{
	(void)state;
	refused("ociVersion", "5", "config.json: ociVersion: must be a string");
	refused("process", NULL, "config.json: process: is required");
	refused("process", "\"sh\"", "config.json: process: must be an object");
	refused("process.args", NULL,
		"config.json: process.args: must be a non-empty array of "
		"strings");
	refused("process.args", "\"sh\"",
		"config.json: process.args: must be a non-empty array of "
		"strings");
	refused("process.args", "[]",
		"config.json: process.args: must be a non-empty array of "
		"strings");
	refused("process.args", "[\"sh\", 1]",
		"config.json: process.args[1]: must be a string");
	refused("process.env", "\"A=B\"",
		"config.json: process.env: must be an array");
	refused("process.env", "[\"A=B\", \"NOEQUALS\"]",
		"config.json: process.env[1]: `NOEQUALS` is not NAME=VALUE");
	refused("process.env", "[\"=x\"]",
		"config.json: process.env[0]: `=x` is not NAME=VALUE");
	refused("process.cwd", NULL, "config.json: process.cwd: is required");
	refused("process.cwd", "\"\"",
		"config.json: process.cwd: `` must be an absolute path");
	refused("process.cwd", "\"rel/dir\"",
		"config.json: process.cwd: `rel/dir` must be an absolute path");
	refused("process.cwd", "[]",
		"config.json: process.cwd: must be a string");
	refused("process.terminal", "\"yes\"",
		"config.json: process.terminal: must be true or false");
	refused("process.consoleSize", "[]",
		"config.json: process.consoleSize: must be an object");
	refused("process.consoleSize", "{\"height\": 1}",
		"config.json: process.consoleSize.width: is required");
	refused("process.user", "7",
		"config.json: process.user: must be an object");
	refused("process.user.uid", "-1",
		"config.json: process.user.uid: must be between 0 and "
		"4294967295");
	refused("process.user.gid", "4294967296",
		"config.json: process.user.gid: must be between 0 and "
		"4294967295");
	refused("process.user.uid", "\"0\"",
		"config.json: process.user.uid: must be an integer");
	refused("process.user.uid", "1.5",
		"config.json: process.user.uid: must be an integer");
	refused("process.user.umask", "512",
		"config.json: process.user.umask: must be between 0 and 0777");
	refused("process.user.additionalGids", "[1, -2]",
		"config.json: process.user.additionalGids[1]: must be between "
		"0 and 4294967295");
	refused("process.capabilities", "[]",
		"config.json: process.capabilities: must be an object");
	refused("process.capabilities.bounding", "\"CAP_KILL\"",
		"config.json: process.capabilities.bounding: must be an array");
	refused("process.capabilities.ambient", "[1]",
		"config.json: process.capabilities.ambient[0]: must be a "
		"string");
	refused("process.rlimits", "{}",
		"config.json: process.rlimits: must be an array");
	refused("process.rlimits[0]", "\"RLIMIT_NOFILE\"",
		"config.json: process.rlimits[0]: must be an object");
	refused("process.rlimits[0].type", "\"RLIMIT_BOGUS\"",
		"config.json: process.rlimits[0].type: unknown rlimit "
		"`RLIMIT_BOGUS`");
	refused("process.rlimits[0].type", NULL,
		"config.json: process.rlimits[0].type: is required");
	refused("process.rlimits[0].soft", NULL,
		"config.json: process.rlimits[0].soft: is required");
	refused("process.rlimits[0].soft", "2048",
		"config.json: process.rlimits[0]: soft limit 2048 is above the "
		"hard limit 1024");
	refused("process.rlimits",
		"[{\"type\": \"RLIMIT_NOFILE\", \"soft\": 1, \"hard\": 1},"
		" {\"type\": \"RLIMIT_NOFILE\", \"soft\": 1, \"hard\": 1}]",
		"config.json: process.rlimits[1].type: RLIMIT_NOFILE given "
		"twice");
	refused("process.noNewPrivileges", "1",
		"config.json: process.noNewPrivileges: must be true or false");
	refused("process.oomScoreAdj", "1001",
		"config.json: process.oomScoreAdj: must be between -1000 and "
		"1000");
	refused("process.apparmorProfile", "{}",
		"config.json: process.apparmorProfile: must be a string");
	refused("process.selinuxLabel", "false",
		"config.json: process.selinuxLabel: must be a string");
}

static void test_refusals_root_mounts_hooks(void **state)
{
	(void)state;
	refused("root", NULL, "config.json: root: is required");
	refused("root", "\"rootfs\"", "config.json: root: must be an object");
	refused("root.path", NULL, "config.json: root.path: is required");
	refused("root.path", "\"\"",
		"config.json: root.path: must not be empty");
	refused("root.readonly", "\"true\"",
		"config.json: root.readonly: must be true or false");
	refused("hostname", "5", "config.json: hostname: must be a string");
	refused("domainname", "[]",
		"config.json: domainname: must be a string");
	refused("mounts", "{}", "config.json: mounts: must be an array");
	refused("mounts[0]", "\"/proc\"",
		"config.json: mounts[0]: must be an object");
	refused("mounts[0].destination", NULL,
		"config.json: mounts[0].destination: is required");
	refused("mounts[1].destination", "\"dev\"",
		"config.json: mounts[1].destination: `dev` must be an absolute "
		"path");
	refused("mounts[0].type", "1",
		"config.json: mounts[0].type: must be a string");
	refused("mounts[0].source", "true",
		"config.json: mounts[0].source: must be a string");
	refused("mounts[1].options", "\"ro\"",
		"config.json: mounts[1].options: must be an array");
	refused("mounts[1].options", "[\"ro\", null]",
		"config.json: mounts[1].options[1]: must be a string");
	refused("hooks", "[]", "config.json: hooks: must be an object");
	refused("hooks.prestart", "{}",
		"config.json: hooks.prestart: must be an array");
	refused("hooks.poststop", "[{}]",
		"config.json: hooks.poststop[0].path: is required");
	refused("hooks.createRuntime", "[{\"path\": \"hook.sh\"}]",
		"config.json: hooks.createRuntime[0].path: `hook.sh` must be "
		"an absolute path");
	refused("hooks.poststart", "[{\"path\": \"/h\", \"timeout\": 0}]",
		"config.json: hooks.poststart[0].timeout: must be between 1 "
		"and 2147483647");
	refused("hooks.startContainer", "[{\"path\": \"/h\", \"args\": [1]}]",
		"config.json: hooks.startContainer[0].args[0]: must be a string");
	refused("hooks.createContainer",
		"[{\"path\": \"/h\", \"env\": [\"X\"]}]",
		"config.json: hooks.createContainer[0].env[0]: `X` is not "
		"NAME=VALUE");
	refused("annotations", "[]",
		"config.json: annotations: must be an object");
	refused("annotations", "{\"a\": 1}",
		"config.json: annotations[\"a\"]: must be a string");
	refused("annotations", "{\"\": \"x\"}",
		"config.json: annotations: a key is empty");
	/* An author's key is shown on one line, control bytes escaped. */
	refused("annotations", "{\"a\\nb`\": null}",
		"config.json: annotations[\"a\\x0ab\\x60\"]: must be a string");
}

static void test_refusals_linux(void **state)
{
	(void)state;
	refused("linux", "[]", "config.json: linux: must be an object");
	refused("linux.namespaces", "[{\"type\": \"bogus\"}]",
		"config.json: linux.namespaces[0].type: unknown namespace type "
		"`bogus`");
	refused("linux.namespaces",
		"[{\"type\": \"pid\"}, {\"type\": \"pid\"}]",
		"config.json: linux.namespaces[1].type: `pid` given twice");
	refused("linux.namespaces", "[{}]",
		"config.json: linux.namespaces[0].type: is required");
	refused("linux.namespaces",
		"[{\"type\": \"network\", \"path\": \"netns/x\"}]",
		"config.json: linux.namespaces[0].path: `netns/x` must be an "
		"absolute path");
	refused("linux.uidMappings", "[{\"containerID\": 0, \"hostID\": 0}]",
		"config.json: linux.uidMappings[0].size: is required");
	refused("linux.gidMappings",
		"[{\"containerID\": -1, \"hostID\": 0, "
		"\"size\": 1}]",
		"config.json: linux.gidMappings[0].containerID: must be between "
		"0 and 4294967295");
	refused("linux.devices", "[{\"path\": \"/dev/x\", \"type\": \"x\"}]",
		"config.json: linux.devices[0].type: `x` must be c, b, u or p");
	refused("linux.devices", "[{\"path\": \"/dev/x\", \"type\": \"c\"}]",
		"config.json: linux.devices[0].major: is required");
	refused("linux.devices", "[{\"path\": \"dev/x\", \"type\": \"p\"}]",
		"config.json: linux.devices[0].path: `dev/x` must be an absolute "
		"path");
	refused("linux.devices",
		"[{\"path\": \"/d\", \"type\": \"p\", "
		"\"fileMode\": -1}]",
		"config.json: linux.devices[0].fileMode: must be between 0 and "
		"4294967295");
	refused("linux.cgroupsPath", "1",
		"config.json: linux.cgroupsPath: must be a string");
	refused("linux.resources", "1",
		"config.json: linux.resources: must be an object");
	refused("linux.resources.devices", "[{\"access\": \"rwm\"}]",
		"config.json: linux.resources.devices[0].allow: is required");
	refused("linux.resources.devices",
		"[{\"allow\": true, \"access\": \"rwx\"}]",
		"config.json: linux.resources.devices[0].access: `rwx` must be "
		"letters of rwm");
	refused("linux.resources.devices",
		"[{\"allow\": true, \"access\": \"rr\"}]",
		"config.json: linux.resources.devices[0].access: `rr` must be "
		"letters of rwm");
	refused("linux.resources.devices",
		"[{\"allow\": true, \"type\": \"u\"}]",
		"config.json: linux.resources.devices[0].type: `u` must be a, c "
		"or b");
	refused("linux.resources.devices", "[{\"allow\": true, \"major\": -2}]",
		"config.json: linux.resources.devices[0].major: must be between "
		"-1 and 9223372036854775807");
	refused("linux.resources.memory", "{\"limit\": \"1g\"}",
		"config.json: linux.resources.memory.limit: must be an integer");
	refused("linux.resources.memory", "{\"swappiness\": 101}",
		"config.json: linux.resources.memory.swappiness: must be between "
		"0 and 100");
	refused("linux.resources.memory", "{\"disableOOMKiller\": 0}",
		"config.json: linux.resources.memory.disableOOMKiller: must be "
		"true or false");
	refused("linux.resources.cpu", "{\"cpus\": 3}",
		"config.json: linux.resources.cpu.cpus: must be a string");
	refused("linux.resources.cpu", "{\"shares\": -1}",
		"config.json: linux.resources.cpu.shares: must be between 0 and "
		"18446744073709551615");
	refused("linux.resources.pids", "{}",
		"config.json: linux.resources.pids.limit: is required");
	refused("linux.resources.blockIO", "{\"weight\": 70000}",
		"config.json: linux.resources.blockIO.weight: must be between 0 "
		"and 65535");
	refused("linux.resources.blockIO",
		"{\"weightDevice\": [{\"major\": 8, \"minor\": 0}]}",
		"config.json: linux.resources.blockIO.weightDevice[0]: needs "
		"weight or leafWeight");
	refused("linux.resources.blockIO",
		"{\"throttleReadBpsDevice\": [{\"major\": 8, \"minor\": 0}]}",
		"config.json: linux.resources.blockIO.throttleReadBpsDevice[0]."
		"rate: is required");
	refused("linux.resources.blockIO",
		"{\"throttleWriteIOPSDevice\": [{\"minor\": 0, \"rate\": 1}]}",
		"config.json: linux.resources.blockIO.throttleWriteIOPSDevice[0]"
		".major: is required");
	refused("linux.resources.hugepageLimits", "[{\"limit\": 1}]",
		"config.json: linux.resources.hugepageLimits[0].pageSize: is "
		"required");
	refused("linux.resources.network",
		"{\"priorities\": [{\"name\": \"e\"}]}",
		"config.json: linux.resources.network.priorities[0].priority: is "
		"required");
	refused("linux.resources.network", "{\"classID\": 4294967296}",
		"config.json: linux.resources.network.classID: must be between 0 "
		"and 4294967295");
	refused("linux.resources.rdma", "{\"mlx\": 3}",
		"config.json: linux.resources.rdma[\"mlx\"]: must be an object");
	refused("linux.resources.unified", "{\"a\": 1}",
		"config.json: linux.resources.unified[\"a\"]: must be a string");
	refused("linux.sysctl", "{\"net.x\": 1}",
		"config.json: linux.sysctl[\"net.x\"]: must be a string");
	refused("linux.maskedPaths", "[\"proc/kcore\"]",
		"config.json: linux.maskedPaths[0]: `proc/kcore` must be an "
		"absolute path");
	refused("linux.readonlyPaths", "\"/proc\"",
		"config.json: linux.readonlyPaths: must be an array");
	refused("linux.seccomp", "{}",
		"config.json: linux.seccomp.defaultAction: is required");
	refused("linux.seccomp", "{\"defaultAction\": \"SCMP_ACT_MAYBE\"}",
		"config.json: linux.seccomp.defaultAction: unknown action "
		"`SCMP_ACT_MAYBE`");
	refused("linux.seccomp",
		"{\"defaultAction\": \"SCMP_ACT_ALLOW\","
		" \"architectures\": [\"SCMP_ARCH_Z80\"]}",
		"config.json: linux.seccomp.architectures[0]: unknown "
		"architecture `SCMP_ARCH_Z80`");
	refused("linux.seccomp",
		"{\"defaultAction\": \"SCMP_ACT_ALLOW\","
		" \"flags\": [\"SECCOMP_FILTER_FLAG_X\"]}",
		"config.json: linux.seccomp.flags[0]: unknown flag "
		"`SECCOMP_FILTER_FLAG_X`");
	refused("linux.seccomp",
		"{\"defaultAction\": \"SCMP_ACT_ALLOW\","
		" \"syscalls\": [{\"names\": [], \"action\":"
		" \"SCMP_ACT_ERRNO\"}]}",
		"config.json: linux.seccomp.syscalls[0].names: must be a "
		"non-empty array of strings");
	refused("linux.seccomp",
		"{\"defaultAction\": \"SCMP_ACT_ALLOW\","
		" \"syscalls\": [{\"names\": [\"read\"]}]}",
		"config.json: linux.seccomp.syscalls[0].action: is required");
	refused("linux.seccomp",
		"{\"defaultAction\": \"SCMP_ACT_ALLOW\", \"syscalls\":"
		" [{\"names\": [\"read\"], \"action\": \"SCMP_ACT_ERRNO\","
		" \"args\": [{\"index\": 6, \"value\": 1, \"op\":"
		" \"SCMP_CMP_EQ\"}]}]}",
		"config.json: linux.seccomp.syscalls[0].args[0].index: must be "
		"between 0 and 5");
	refused("linux.seccomp",
		"{\"defaultAction\": \"SCMP_ACT_ALLOW\", \"syscalls\":"
		" [{\"names\": [\"read\"], \"action\": \"SCMP_ACT_ERRNO\","
		" \"args\": [{\"index\": 0, \"value\": 1, \"op\":"
		" \"SCMP_CMP_ABOUT\"}]}]}",
		"config.json: linux.seccomp.syscalls[0].args[0].op: unknown "
		"operator `SCMP_CMP_ABOUT`");
	refused("linux.rootfsPropagation", "\"bogus\"",
		"config.json: linux.rootfsPropagation: `bogus` must be shared, "
		"slave, private or unbindable (or rshared, rslave, rprivate, "
		"runbindable)");
	refused("linux.mountLabel", "1",
		"config.json: linux.mountLabel: must be a string");
	refused("linux.intelRdt", "\"x\"",
		"config.json: linux.intelRdt: must be an object");
	refused("linux.personality", "{\"domain\": \"LINUX64\"}",
		"config.json: linux.personality.domain: unknown domain "
		"`LINUX64`");
	refused("linux.personality", "{}",
		"config.json: linux.personality.domain: is required");
	refused("linux.timeOffsets", "[]",
		"config.json: linux.timeOffsets: must be an object");
}

/* ---- hostile documents ------------------------------------------------ */

static void test_hostile_text(void **state)
{
	(void)state;
	/* Quiet the capability warnings the fuzz-like inputs provoke. */
	rs_log_set_level(RS_LOG_ERROR);
	refused_text("", 0, "config.json: invalid JSON at line 1, column 0: ");
	refused_text("{", 1, "config.json: invalid JSON at line 1");
	refused_text("[]", 2, "config.json: must be a JSON object");
	refused_text("\"x\"", 3, "config.json: invalid JSON");
	refused_text("{} {}", 5, "config.json: invalid JSON");
	const char bad_utf8[] = "{\"process\": \"\xff\"}";
	refused_text(
		bad_utf8, sizeof(bad_utf8) - 1,
		"config.json: invalid JSON at line 1, column 13: unable to "
		"decode byte 0xff");
	const char nul[] = "{\"hostname\": \"a\\u0000b\"}";
	refused_text(nul, sizeof(nul) - 1, "config.json: invalid JSON");
	const char raw_nul[] = "{\"a\": 1}\0{";
	refused_text(raw_nul, sizeof(raw_nul) - 1, "config.json: invalid JSON");
	const char surrogate[] = "{\"a\": \"\\ud800\"}";
	refused_text(surrogate, sizeof(surrogate) - 1,
		     "config.json: invalid JSON");
	const char real[] = "{\"a\": 1e999}";
	refused_text(real, sizeof(real) - 1, "config.json: invalid JSON");

	/* Deep nesting stops in jansson (2048 levels), not in our stack. */
	size_t depth = 100000;
	char *deep = malloc(2 * depth + 16);
	size_t o = 0;
	o += (size_t)sprintf(deep, "{\"x\": ");
	for (size_t i = 0; i < depth; i++)
		deep[o++] = '[';
	for (size_t i = 0; i < depth; i++)
		deep[o++] = ']';
	deep[o++] = '}';
	refused_text(deep, o, "config.json: invalid JSON");
	free(deep);
}

static void test_hostile_sizes(void **state)
{
	(void)state;
	/* An array of more entries than any config has. */
	size_t n = RS_OCI_MAX_ITEMS + 1;
	char *text = malloc(n * 4 + 256);
	size_t o = (size_t)sprintf(text, "{\"process\": {\"cwd\": \"/\", "
					 "\"args\": [");
	for (size_t i = 0; i < n; i++)
		o += (size_t)sprintf(text + o, "%s\"a\"", i ? "," : "");
	o += (size_t)sprintf(text + o, "]}, \"root\": {\"path\": \"r\"}}");
	struct rs_oci_spec *s = NULL;
	struct rs_error *err = NULL;
	assert_int_equal(rs_oci_spec_parse(text, o, "/b", &s, &err), -1);
	assert_string_equal(err->msg,
			    "config.json: process.args: has more than 65536 "
			    "entries");
	rs_error_clear(&err);
	free(text);

	/* A long value is cut in the message, which stays one line. */
	size_t len = 20000;
	char *env = malloc(len + 64);
	memset(env, 'x', len);
	env[len / 2] = '\n';
	env[len] = '\0';
	json_t *doc = base();
	json_object_set_new(json_object_get(doc, "process"), "env",
			    json_pack("[s]", env));
	free(env);
	char msg[1024];
	assert_int_equal(parse(doc, &s, msg, sizeof(msg)), -1);
	assert_null(strchr(msg, '\n'));
	assert_true(strlen(msg) < 200);
	assert_non_null(strstr(msg, "...` is not NAME=VALUE"));

	/* Wrong types everywhere: each member replaced by each kind of
	 * value, at every level of the base document. Nothing may crash
	 * or leak; most are refused. */
	const char *values[] = { "null", "true", "0",	       "-1",
				 "1.5",	 "\"\"", "\"x\"",      "[]",
				 "[1]",	 "{}",	 "{\"a\": []}" };
	const char *paths[] = {
		"ociVersion",
		"process",
		"process.terminal",
		"process.user",
		"process.user.uid",
		"process.args",
		"process.env",
		"process.cwd",
		"process.capabilities",
		"process.capabilities.bounding",
		"process.rlimits",
		"process.rlimits[0]",
		"process.rlimits[0].hard",
		"process.noNewPrivileges",
		"root",
		"root.path",
		"root.readonly",
		"hostname",
		"mounts",
		"mounts[0]",
		"mounts[1].options",
		"linux",
		"linux.resources",
		"linux.resources.devices",
		"linux.resources.devices[0]",
		"linux.namespaces",
		"linux.namespaces[0]",
		"linux.maskedPaths",
		"linux.sysctl",
		"linux.seccomp",
		"linux.personality",
		"hooks",
		"annotations",
	};
	unsigned accepted = 0, refusals = 0;
	for (size_t p = 0; p < sizeof(paths) / sizeof(paths[0]); p++)
		for (size_t v = 0; v < sizeof(values) / sizeof(values[0]);
		     v++) {
			doc = base();
			set(doc, paths[p], values[v]);
			int r = parse(doc, &s, msg, sizeof(msg));
			if (r == 0) {
				accepted++;
				rs_oci_spec_free(s);
			} else {
				refusals++;
				assert_int_equal(
					strncmp(msg, "config.json: ", 13), 0);
				assert_null(strchr(msg, '\n'));
			}
		}
	assert_true(refusals > accepted);
}

/* ---- files -------------------------------------------------------------- */

static char bundle[64];

static int make_bundle(void **state)
{
	(void)state;
	snprintf(bundle, sizeof(bundle), "/tmp/rs-oci-XXXXXX");
	if (mkdtemp(bundle) == NULL)
		return -1;
	return 0;
}

static int remove_bundle(void **state)
{
	(void)state;
	char cmd[128];
	snprintf(cmd, sizeof(cmd), "rm -rf %s", bundle);
	return system(cmd) == 0 ? 0 : -1;
}

static void write_file(const char *name, const char *text)
{
	char path[128];
	snprintf(path, sizeof(path), "%s/%s", bundle, name);
	FILE *f = fopen(path, "w");
	assert_non_null(f);
	fputs(text, f);
	fclose(f);
}

static const char *load_error(const char *dir)
{
	static char msg[1024];
	struct rs_oci_spec *s = NULL;
	struct rs_error *err = NULL;
	if (rs_oci_spec_load(dir, &s, &err) == 0) {
		rs_oci_spec_free(s);
		return NULL;
	}
	assert_null(s);
	rs_error_format(err, msg, sizeof(msg));
	rs_error_free(err);
	return msg;
}

static void test_load_from_bundle(void **state)
{
	(void)state;
	char want[256], path[128];
	snprintf(want, sizeof(want),
		 "open `%s/config.json`: No such file or directory", bundle);
	assert_string_equal(load_error(bundle), want);
	write_file("config.json", base_config);
	snprintf(
		want, sizeof(want),
		"config.json: root.path `%s/rootfs`: No such file or directory",
		bundle);
	assert_string_equal(load_error(bundle), want);
	write_file("rootfs", "not a directory");
	snprintf(want, sizeof(want),
		 "config.json: root.path `%s/rootfs`: Not a directory", bundle);
	assert_string_equal(load_error(bundle), want);
	snprintf(path, sizeof(path), "%s/rootfs", bundle);
	unlink(path);
	assert_int_equal(mkdir(path, 0755), 0);

	/* A relative bundle is made absolute; so is root.path. */
	char cwd[256];
	assert_non_null(getcwd(cwd, sizeof(cwd)));
	assert_int_equal(chdir(bundle), 0);
	struct rs_oci_spec *s = NULL;
	struct rs_error *err = NULL;
	assert_int_equal(rs_oci_spec_load(NULL, &s, &err), 0);
	char real[128];
	assert_non_null(realpath(bundle, real));
	assert_string_equal(s->bundle, real);
	snprintf(want, sizeof(want), "%s/rootfs", real);
	assert_string_equal(s->root.abs_path, want);
	rs_oci_spec_free(s);
	assert_int_equal(chdir(cwd), 0);

	snprintf(want, sizeof(want),
		 "bundle `%s/nope`: No such file or directory", bundle);
	snprintf(path, sizeof(path), "%s/nope", bundle);
	assert_string_equal(load_error(path), want);

	/* A FIFO planted as config.json is refused, not waited on. */
	snprintf(path, sizeof(path), "%s/config.json", bundle);
	unlink(path);
	assert_int_equal(mkfifo(path, 0644), 0);
	snprintf(want, sizeof(want), "config.json: `%s` is not a regular file",
		 path);
	assert_string_equal(load_error(bundle), want);
	unlink(path);

	/* Too large. */
	FILE *f = fopen(path, "w");
	assert_non_null(f);
	fputs("{\"a\": \"", f);
	for (unsigned i = 0; i < RS_OCI_CONFIG_MAX / 64 + 1; i++)
		fputs("xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"
		      "xxxxxxxx",
		      f);
	fputs("\"}", f);
	fclose(f);
	assert_string_equal(load_error(bundle),
			    "config.json: larger than 4 MiB");
	unlink(path);
}

static void test_process_file(void **state)
{
	(void)state;
	/* runc exec --process FILE. */
	const char ok[] = "{\"args\": [\"ps\", \"aux\"], \"cwd\": \"/tmp\","
			  " \"env\": [\"A=1\"], \"terminal\": true}";
	struct rs_oci_process *p = NULL;
	struct rs_error *err = NULL;
	assert_int_equal(rs_oci_process_parse(ok, sizeof(ok) - 1,
					      "process.json", &p, &err),
			 0);
	assert_int_equal(p->n_args, 2);
	assert_string_equal(p->cwd, "/tmp");
	assert_true(p->terminal);
	rs_oci_process_free(p);
	const char bad[] = "{\"args\": [], \"cwd\": \"/\"}";
	assert_int_equal(
		rs_oci_process_parse(bad, sizeof(bad) - 1, "p.json", &p, &err),
		-1);
	assert_null(p);
	assert_string_equal(err->msg, "p.json: args: must be a non-empty array "
				      "of strings");
	rs_error_clear(&err);
	assert_int_equal(rs_oci_process_parse("[1]", 3, "p.json", &p, &err),
			 -1);
	assert_string_equal(err->msg, "p.json: must be a JSON object");
	rs_error_clear(&err);

	char path[128];
	snprintf(path, sizeof(path), "%s/process.json", bundle);
	FILE *f = fopen(path, "w");
	assert_non_null(f);
	fputs(ok, f);
	fclose(f);
	assert_int_equal(rs_oci_process_load(path, &p, &err), 0);
	assert_string_equal(p->args[1], "aux");
	rs_oci_process_free(p);
	unlink(path);
	assert_int_equal(rs_oci_process_load(path, &p, &err), -ENOENT);
	rs_error_clear(&err);
}

static void test_helpers(void **state)
{
	(void)state;
	uint64_t v;
	assert_int_equal(rs_oci_parse_size("65536k", &v), 0);
	assert_int_equal(v, 65536ull << 10);
	assert_int_equal(rs_oci_parse_size("2M", &v), 0);
	assert_int_equal(v, 2ull << 20);
	assert_int_equal(rs_oci_parse_size("3", &v), 0);
	assert_int_equal(v, 3);
	assert_int_equal(rs_oci_parse_size("1t", &v), 0);
	assert_int_equal(v, 1ull << 40);
	const char *bad[] = { "",
			      "k",
			      "-1",
			      "1kb",
			      "50%",
			      "1.5g",
			      "99999999999999999999",
			      "16777216t",
			      " 1" };
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		assert_int_equal(rs_oci_parse_size(bad[i], &v), -1);

	assert_true(rs_oci_version_supported("1.0.0"));
	assert_true(rs_oci_version_supported("1.0.2-dev"));
	assert_true(rs_oci_version_supported("1.1.0"));
	assert_true(rs_oci_version_supported("1.2.0+build"));
	assert_false(rs_oci_version_supported("2.0.0"));
	assert_false(rs_oci_version_supported("0.5.0"));
	assert_false(rs_oci_version_supported("1.0"));
	assert_false(rs_oci_version_supported("01.0.0"));
	assert_false(rs_oci_version_supported("banana"));
	assert_false(rs_oci_version_supported(""));

	assert_int_equal(rs_oci_cap_from_name("CAP_CHOWN"), 0);
	assert_int_equal(rs_oci_cap_from_name("CAP_CHECKPOINT_RESTORE"), 40);
	assert_int_equal(rs_oci_cap_from_name("cap_chown"), -1);
	assert_string_equal(rs_oci_cap_name(21), "CAP_SYS_ADMIN");
	assert_null(rs_oci_cap_name(41));
	assert_int_equal(rs_oci_rlimit_from_name("RLIMIT_RTTIME"),
			 RLIMIT_RTTIME);
	assert_int_equal(rs_oci_rlimit_from_name("NOFILE"), -1);
	assert_string_equal(rs_oci_ns_name(RS_OCI_NS_NETWORK), "network");
	assert_string_equal(rs_oci_cap_set_name(RS_OCI_CAP_AMBIENT), "ambient");
	/* The mount option table is sorted (features lists it, the parser
	 * searches it). */
	const char *prev = NULL, *name;
	for (unsigned i = 0; (name = rs_oci_mount_option_name(i)); i++) {
		if (prev)
			assert_true(strcmp(prev, name) < 0);
		prev = name;
	}
	assert_string_equal(prev, "unbindable");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_runc_default_config),
		cmocka_unit_test(test_process_fields),
		cmocka_unit_test(test_null_absent_unknown),
		cmocka_unit_test(test_root_paths),
		cmocka_unit_test(test_mount_options),
		cmocka_unit_test(test_hooks_and_annotations),
		cmocka_unit_test(test_linux_fields),
		cmocka_unit_test(test_resources),
		cmocka_unit_test(test_uint64_beyond_int64),
		cmocka_unit_test(test_refusals_process),
		cmocka_unit_test(test_refusals_root_mounts_hooks),
		cmocka_unit_test(test_refusals_linux),
		cmocka_unit_test(test_hostile_text),
		cmocka_unit_test(test_hostile_sizes),
		cmocka_unit_test(test_load_from_bundle),
		cmocka_unit_test(test_process_file),
		cmocka_unit_test(test_helpers),
	};
	return cmocka_run_group_tests_name("runsc/oci_spec", tests, make_bundle,
					   remove_bundle);
}
