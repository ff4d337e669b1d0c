/* An OCI config's mounts as the sandbox provides them (oci_mounts.h). */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>

#include "oci_mounts.h"
#include "runsc/log.h"

#define LOG_COMPONENT "runsc"

static bool is_type(const struct rs_oci_mount *m, const char *type)
{
	return m->type && strcmp(m->type, type) == 0;
}

static bool path_under(const char *path, const char *dir)
{
	size_t n = strlen(dir);
	return strncmp(path, dir, n) == 0 && (path[n] == '/' || path[n] == 0);
}

static int mount_error(struct rs_error **err, int errnum, size_t i,
		       const struct rs_oci_mount *m, const char *what)
{
	return rs_error_set(err, errnum, "config.json: mounts[%zu] (%s): %s", i,
			    m->destination, what);
}

/* tmpfs's size= and mode= (other options, uid= gid= nr_inodes=, are the
 * defaults the Sentry's tmpfs has anyway or do not apply). */
static int tmpfs_options(size_t i, const struct rs_oci_mount *m,
			 struct sn_mount_spec *s, struct rs_error **err)
{
	char buf[64];
	const char *size =
		rs_oci_mount_data_option(m, "size", buf, sizeof(buf));
	if (size && rs_oci_parse_size(size, &s->tmpfs_size) < 0)
		return mount_error(err, EINVAL, i, m, "bad tmpfs size=");
	const char *mode =
		rs_oci_mount_data_option(m, "mode", buf, sizeof(buf));
	if (mode) {
		char *end;
		errno = 0;
		unsigned long v = strtoul(mode, &end, 8);
		if (errno || *end || end == mode || v > 07777)
			return mount_error(err, EINVAL, i, m,
					   "bad tmpfs mode=");
		s->tmpfs_mode = (mode_t)v;
	}
	return 0;
}

/* A bind: the source resolved (relative to the bundle) and checked. Adds
 * the gofer export, or returns 1 for a device node the Sentry's /dev
 * provides. */
static int plan_bind(const struct rs_oci_spec *spec, size_t i,
		     const struct rs_oci_mount *m, struct rs_mount_plan *plan,
		     struct rs_error **err)
{
	if (m->source == NULL || m->source[0] == 0)
		return mount_error(err, EINVAL, i, m, "a bind needs a source");
	if (strchr(m->destination, '='))
		return mount_error(err, EINVAL, i, m,
				   "destination cannot contain '='");
	char joined[PATH_MAX];
	const char *src = m->source;
	if (src[0] != '/') {
		if ((size_t)snprintf(joined, sizeof(joined), "%s/%s",
				     spec->bundle, src) >= sizeof(joined))
			return mount_error(err, ENAMETOOLONG, i, m, "source");
		src = joined;
	}
	char *resolved = realpath(src, NULL);
	struct stat st;
	if (resolved == NULL || stat(resolved, &st) < 0) {
		int e = errno;
		free(resolved);
		char what[PATH_MAX + 64];
		snprintf(what, sizeof(what), "source `%s`: %s", m->source,
			 strerror(e));
		return mount_error(err, e, i, m, what);
	}
	if (!S_ISDIR(st.st_mode) && !S_ISREG(st.st_mode)) {
		free(resolved);
		if (path_under(m->destination, "/dev")) {
			rs_log(RS_LOG_WARN, LOG_COMPONENT,
			       "mounts[%zu] (%s): a device node; the "
			       "sandbox's /dev provides its own",
			       i, m->destination);
			return 1;
		}
		return mount_error(err, EINVAL, i, m,
				   "source is neither a directory nor a "
				   "regular file");
	}
	/* One export per destination: a later bind at the same path
	 * replaces the earlier one, which it covers anyway. */
	for (size_t j = 0; j < plan->ngofer; j++) {
		if (strcmp(plan->gofer[j].dest, m->destination) == 0) {
			free((char *)plan->gofer[j].source);
			plan->gofer[j].source = resolved;
			plan->gofer[j].readonly = m->flags & MS_RDONLY;
			return 0;
		}
	}
	if (plan->ngofer == RS_GOFER_MAX_MOUNTS) {
		free(resolved);
		return mount_error(err, E2BIG, i, m, "too many bind mounts");
	}
	plan->gofer[plan->ngofer++] = (struct rs_gofer_mount){
		.dest = m->destination,
		.source = resolved,
		.readonly = m->flags & MS_RDONLY,
	};
	return 0;
}

/* What one mount becomes: 0 with *s filled, 1 when the Sentry already
 * provides it, or an error. */
static int plan_one(const struct rs_oci_spec *spec, size_t i,
		    struct rs_mount_plan *plan, struct sn_mount_spec *s,
		    struct rs_error **err)
{
	const struct rs_oci_mount *m = &spec->mounts[i];
	*s = (struct sn_mount_spec){
		.path = m->destination,
		.readonly = m->flags & MS_RDONLY,
	};
	if (strcmp(m->destination, "/") == 0)
		return mount_error(err, EINVAL, i, m,
				   "the root is root.path's");
	if (is_type(m, "bind") || (m->flags & MS_BIND)) {
		s->kind = SN_MOUNT_GOFER;
		return plan_bind(spec, i, m, plan, err);
	}
	if (is_type(m, "tmpfs")) {
		if (strcmp(m->destination, "/dev") == 0)
			return 1;
		s->kind = SN_MOUNT_TMPFS;
		return tmpfs_options(i, m, s, err);
	}
	if (is_type(m, "proc") && strcmp(m->destination, "/proc") == 0)
		return 1;
	if ((is_type(m, "devpts") || is_type(m, "mqueue")) &&
	    path_under(m->destination, "/dev"))
		return 1;
	if (is_type(m, "sysfs") || is_type(m, "cgroup") ||
	    is_type(m, "cgroup2")) {
		s->kind = SN_MOUNT_TMPFS;
		s->readonly = true;
		s->tmpfs_mode = 0755;
		return 0;
	}
	char what[128];
	snprintf(what, sizeof(what), "type `%s` is not supported in a sandbox",
		 m->type ? m->type : "(none)");
	return mount_error(err, EINVAL, i, m, what);
}

int rs_mount_plan_build(const struct rs_oci_spec *spec,
			struct rs_mount_plan *plan, struct rs_error **err)
{
	*plan = (struct rs_mount_plan){ 0 };
	size_t n = spec->n_mounts;
	plan->sentry = calloc(n ? n : 1, sizeof(*plan->sentry));
	plan->gofer = calloc(RS_GOFER_MAX_MOUNTS, sizeof(*plan->gofer));
	if (plan->sentry == NULL || plan->gofer == NULL) {
		rs_mount_plan_free(plan);
		return rs_error_set(err, ENOMEM, "mounts");
	}
	for (size_t i = 0; i < n; i++) {
		struct sn_mount_spec s;
		int r = plan_one(spec, i, plan, &s, err);
		if (r < 0) {
			rs_mount_plan_free(plan);
			return r;
		}
		if (r == 0)
			plan->sentry[plan->nsentry++] = s;
	}
	return 0;
}

void rs_mount_plan_free(struct rs_mount_plan *plan)
{
	for (size_t i = 0; i < plan->ngofer; i++)
		free((char *)plan->gofer[i].source);
	free(plan->gofer);
	free(plan->sentry);
	*plan = (struct rs_mount_plan){ 0 };
}

/* One mount point below root_fd, component by component without
 * following links. */
static void make_point(int root_fd, const char *dest, bool is_file)
{
	char path[PATH_MAX];
	if ((size_t)snprintf(path, sizeof(path), "%s", dest) >= sizeof(path))
		return;
	int dir = dup(root_fd);
	char *save = NULL;
	char *name = strtok_r(path, "/", &save);
	while (dir >= 0 && name) {
		char *next = strtok_r(NULL, "/", &save);
		if (next == NULL && is_file) {
			int fd = openat(dir, name,
					O_WRONLY | O_CREAT | O_EXCL |
						O_NOFOLLOW | O_CLOEXEC,
					0644);
			if (fd >= 0)
				close(fd);
			break;
		}
		if (mkdirat(dir, name, 0755) < 0 && errno != EEXIST)
			break;
		int sub =
			openat(dir, name,
			       O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		close(dir);
		dir = sub;
		name = next;
	}
	if (dir >= 0)
		close(dir);
}

void rs_mount_plan_make_points(const struct rs_mount_plan *plan,
			       const char *rootfs)
{
	int root_fd = open(rootfs, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (root_fd < 0)
		return;
	make_point(root_fd, "/proc", false);
	make_point(root_fd, "/dev", false);
	for (size_t i = 0; i < plan->nsentry; i++) {
		const struct sn_mount_spec *m = &plan->sentry[i];
		bool is_file = false;
		for (size_t j = 0;
		     j < plan->ngofer && m->kind == SN_MOUNT_GOFER; j++) {
			struct stat st;
			if (strcmp(plan->gofer[j].dest, m->path) == 0 &&
			    stat(plan->gofer[j].source, &st) == 0)
				is_file = !S_ISDIR(st.st_mode);
		}
		make_point(root_fd, m->path, is_file);
	}
	close(root_fd);
}
