/* `runsc spec [--bundle DIR] [--rootless]`: writes a default config.json,
 * runc's (libcontainer/specconv/example.go: Example and ToRootless) with
 * runsc's spec version and hostname. As runc: the file is written in the
 * bundle directory (default: the working directory) with tab indentation
 * and no trailing newline, and an existing config.json is never
 * overwritten. */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "json_out.h"
#include "oci_spec.h"
#include "runsc.h"
#include "runsc/cleanup.h"

static const char spec_usage[] =
	"usage: runsc spec [--bundle DIR] [--rootless]\n"
	"writes a default config.json in DIR (default: the working "
	"directory)\n"
	"  -b, --bundle DIR   the bundle directory\n"
	"  --rootless         a config for a container run by a non-root "
	"user\n";

static json_t *strings(const char *const *v)
{
	json_t *a = json_array();
	for (size_t i = 0; a && v[i]; i++)
		if (json_array_append_new(a, json_string(v[i])) < 0) {
			json_decref(a);
			return NULL;
		}
	return a;
}

/* A mount; options NULL-terminated, or NULL for none (the key is then
 * left out, as Go's omitempty does). */
static json_t *mount(const char *dest, const char *type, const char *source,
		     const char *const *options)
{
	json_t *m = json_pack("{s:s, s:s, s:s}", "destination", dest, "type",
			      type, "source", source);
	if (m && options &&
	    json_object_set_new(m, "options", strings(options)) < 0) {
		json_decref(m);
		return NULL;
	}
	return m;
}

static json_t *default_spec(bool rootless)
{
	static const char *const caps[] = { "CAP_AUDIT_WRITE", "CAP_KILL",
					    "CAP_NET_BIND_SERVICE", NULL };
	static const char *const env[] = {
		"PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:"
		"/bin",
		"TERM=xterm", NULL
	};
	static const char *const args[] = { "sh", NULL };
	/* ToRootless drops gid= and uid= options: none but devpts's here. */
	static const char *const devpts[] = { "nosuid",	     "noexec",
					      "newinstance", "ptmxmode=0666",
					      "mode=0620",   "gid=5",
					      NULL };
	static const char *const devpts_rootless[] = {
		"nosuid",	 "noexec",    "newinstance",
		"ptmxmode=0666", "mode=0620", NULL
	};
	static const char *const dev[] = { "nosuid", "strictatime", "mode=755",
					   "size=65536k", NULL };
	static const char *const shm[] = { "nosuid",	"noexec",      "nodev",
					   "mode=1777", "size=65536k", NULL };
	static const char *const nne[] = { "nosuid", "noexec", "nodev", NULL };
	static const char *const sys[] = { "nosuid", "noexec", "nodev", "ro",
					   NULL };
	static const char *const sys_rootless[] = { "rbind", "nosuid", "noexec",
						    "nodev", "ro",     NULL };
	static const char *const cgroup[] = { "nosuid",	  "noexec", "nodev",
					      "relatime", "ro",	    NULL };
	static const char *const masked[] = { "/proc/acpi",
					      "/proc/asound",
					      "/proc/kcore",
					      "/proc/keys",
					      "/proc/latency_stats",
					      "/proc/timer_list",
					      "/proc/timer_stats",
					      "/proc/sched_debug",
					      "/sys/firmware",
					      "/proc/scsi",
					      NULL };
	static const char *const readonly[] = {
		"/proc/bus",	       "/proc/fs", "/proc/irq", "/proc/sys",
		"/proc/sysrq-trigger", NULL
	};

	json_t *process = json_pack(
		"{s:b, s:{s:i, s:i}, s:o, s:o, s:s, s:{s:o, s:o, s:o, s:o}, "
		"s:[{s:s, s:i, s:i}], s:b}",
		"terminal", 1, "user", "uid", 0, "gid", 0, "args",
		strings(args), "env", strings(env), "cwd", "/", "capabilities",
		"bounding", strings(caps), "effective", strings(caps),
		"permitted", strings(caps), "ambient", strings(caps), "rlimits",
		"type", "RLIMIT_NOFILE", "hard", 1024, "soft", 1024,
		"noNewPrivileges", 1);
	json_t *mounts =
		json_pack("[o, o, o, o, o, o, o]",
			  json_pack("{s:s, s:s, s:s}", "destination", "/proc",
				    "type", "proc", "source", "proc"),
			  mount("/dev", "tmpfs", "tmpfs", dev),
			  mount("/dev/pts", "devpts", "devpts",
				rootless ? devpts_rootless : devpts),
			  mount("/dev/shm", "tmpfs", "shm", shm),
			  mount("/dev/mqueue", "mqueue", "mqueue", nne),
			  rootless ? mount("/sys", "none", "/sys", sys_rootless)
				   : mount("/sys", "sysfs", "sysfs", sys),
			  mount("/sys/fs/cgroup", "cgroup", "cgroup", cgroup));
	json_t *linux_obj;
	if (rootless)
		linux_obj = json_pack(
			"{s:[{s:i, s:I, s:i}], s:[{s:i, s:I, s:i}], "
			"s:[{s:s}, {s:s}, {s:s}, {s:s}, {s:s}], s:o, s:o}",
			"uidMappings", "containerID", 0, "hostID",
			(json_int_t)geteuid(), "size", 1, "gidMappings",
			"containerID", 0, "hostID", (json_int_t)getegid(),
			"size", 1, "namespaces", "type", "pid", "type", "ipc",
			"type", "uts", "type", "mount", "type", "user",
			"maskedPaths", strings(masked), "readonlyPaths",
			strings(readonly));
	else
		linux_obj = json_pack(
			"{s:{s:[{s:b, s:s}]}, "
			"s:[{s:s}, {s:s}, {s:s}, {s:s}, {s:s}], s:o, s:o}",
			"resources", "devices", "allow", 0, "access", "rwm",
			"namespaces", "type", "pid", "type", "network", "type",
			"ipc", "type", "uts", "type", "mount", "maskedPaths",
			strings(masked), "readonlyPaths", strings(readonly));
	/* json_pack's "o" consumes its argument even when packing fails,
	 * and fails on a NULL one: a NULL anywhere below means ENOMEM. */
	return json_pack("{s:s, s:o, s:{s:s, s:b}, s:s, s:o, s:o}",
			 "ociVersion", RS_OCI_VERSION, "process", process,
			 "root", "path", "rootfs", "readonly", 1, "hostname",
			 "runsc", "mounts", mounts, "linux", linux_obj);
}

/* Writes the spec to DIR/config.json, refusing to replace one. */
static int write_spec(const char *bundle, bool rootless, struct rs_error **err)
{
	cleanup_free char *path = NULL;
	if (asprintf(&path, "%s/config.json", bundle) < 0) {
		path = NULL;
		return rs_error_set(err, ENOMEM, "bundle `%s`", bundle);
	}
	json_t *spec = default_spec(rootless);
	cleanup_free char *text = spec ? rs_json_go(spec, "\t") : NULL;
	json_decref(spec);
	if (text == NULL)
		return rs_error_set(err, ENOMEM, "write `%s`", path);
	/* O_EXCL: runc checks first and writes after; this also holds when
	 * two run at once. */
	cleanup_close int fd =
		open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW,
		     0666);
	if (fd < 0 && errno == EEXIST)
		/* runc: "File config.json exists. Remove it first". */
		return rs_error_set(err, 0, "File `%s` exists. Remove it first",
				    path);
	if (fd < 0)
		return rs_error_set(err, errno, "create `%s`", path);
	size_t len = strlen(text), done = 0;
	while (done < len) {
		ssize_t n = write(fd, text + done, len - done);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			int e = errno;
			unlink(path);
			return rs_error_set(err, e, "write `%s`", path);
		}
		done += (size_t)n;
	}
	if (close(steal_fd(&fd)) < 0) {
		int e = errno;
		unlink(path);
		return rs_error_set(err, e, "write `%s`", path);
	}
	return 0;
}

int rs_cmd_spec(struct rs_global *global, int argc, char **argv)
{
	(void)global;
	enum { OPT_BUNDLE = 256, OPT_ROOTLESS, OPT_HELP };
	static const struct option options[] = {
		{ "bundle", required_argument, NULL, OPT_BUNDLE },
		{ "rootless", no_argument, NULL, OPT_ROOTLESS },
		{ "help", no_argument, NULL, OPT_HELP },
		{ NULL, 0, NULL, 0 },
	};
	const char *bundle = ".";
	bool rootless = false;
	optind = 0;
	opterr = 0;
	for (;;) {
		int c = getopt_long_only(argc, argv, "+:b:h", options, NULL);
		if (c == -1)
			break;
		switch (c) {
		case 'b':
		case OPT_BUNDLE:
			bundle = optarg;
			break;
		case OPT_ROOTLESS:
			rootless = true;
			break;
		case 'h':
		case OPT_HELP:
			fputs(spec_usage, stdout);
			return 0;
		case ':':
			return rs_usage_error("spec", "flag `%s` needs a value",
					      argv[optind - 1]);
		default:
			return rs_usage_error("spec", "unknown flag `%s`",
					      argv[optind - 1]);
		}
	}
	if (optind != argc)
		return rs_usage_error(
			"spec", "\"spec\" requires exactly 0 argument(s)");
	cleanup_error struct rs_error *err = NULL;
	if (write_spec(bundle, rootless, &err) < 0) {
		rs_error_print(err, "runsc spec", stderr);
		return 1;
	}
	return 0;
}
