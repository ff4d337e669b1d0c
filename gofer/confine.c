/* Confinement of the gofer process: mount namespace and pivot_root into the
 * rootfs, then capabilities and the seccomp filter (filter.c). */
#include "gofer/confine.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/capability.h>
#include <sched.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "filter.h"
#include "runsc/cleanup.h"

/* A detached copy of the mount at path, without what is mounted below it
 * (open_tree(2) without AT_RECURSIVE), with nodev and nosuid (and rdonly):
 * the host's /proc, /sys, /dev and other submounts are not in it, and a
 * device node in it cannot be opened even by mistake. */
static int clone_tree(const char *path, bool readonly, struct rs_error **err)
{
	cleanup_close int tree =
		open_tree(AT_FDCWD, path, OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC);
	if (tree < 0)
		return rs_error_set(err, errno, "open_tree `%s`", path);
	struct mount_attr attr = {
		.attr_set = MOUNT_ATTR_NODEV | MOUNT_ATTR_NOSUID |
			    (readonly ? MOUNT_ATTR_RDONLY : 0),
	};
	if (mount_setattr(tree, "", AT_EMPTY_PATH, &attr, sizeof(attr)) < 0)
		return rs_error_set(err, errno, "mount_setattr `%s`", path);
	return steal_fd(&tree);
}

/* Makes the detached tree the root of this mount namespace: attach it on
 * top of "/", step into it, pivot_root(".", ".") and drop the old root that
 * now sits on top (the runc idiom; pivot_root(2) NOTES). Every host mount
 * goes with the old root. */
static int pivot_into(int tree, const char *rootfs, struct rs_error **err)
{
	if (move_mount(tree, "", AT_FDCWD, "/", MOVE_MOUNT_F_EMPTY_PATH) < 0)
		return rs_error_set(err, errno, "move_mount `%s`", rootfs);
	if (fchdir(tree) < 0)
		return rs_error_set(err, errno, "chdir `%s`", rootfs);
	if (syscall(SYS_pivot_root, ".", ".") < 0)
		return rs_error_set(err, errno, "pivot_root `%s`", rootfs);
	if (umount2(".", MNT_DETACH) < 0)
		return rs_error_set(err, errno, "detach the old root");
	if (chdir("/") < 0)
		return rs_error_set(err, errno, "chdir /");
	return 0;
}

void gf_confined_release(struct gf_confined *c)
{
	for (size_t i = 0; i < c->nexports; i++)
		if (c->exports[i].root_fd >= 0)
			close(c->exports[i].root_fd);
	free(c->exports);
	if (c->proc_self_fd >= 0)
		close(c->proc_self_fd);
	memset(c, 0, sizeof(*c));
	c->proc_self_fd = -1;
}

int gf_confine_enter(const struct gf_confine_config *cfg,
		     struct gf_confined *out, struct rs_error **err)
{
	*out = (struct gf_confined){ .proc_self_fd = -1 };
	out->exports = calloc(cfg->nmounts + 1, sizeof(*out->exports));
	if (out->exports == NULL)
		return rs_error_set(err, ENOMEM, "gofer exports");
	for (size_t i = 0; i < cfg->nmounts + 1; i++)
		out->exports[i].root_fd = -1;
	int rc = 0;
	/* Opened while the host's /proc is still visible: the server reopens
	 * walked files through it (gofer/server.h). */
	out->proc_self_fd =
		open("/proc/self/fd", O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (out->proc_self_fd < 0)
		rc = rs_error_set(err, errno, "open `/proc/self/fd`");
	/* Private from here on: nothing mounted or unmounted below reaches
	 * the host's namespace. */
	if (rc == 0 && unshare(CLONE_NEWNS) < 0)
		rc = rs_error_set(err, errno, "unshare mount namespace");
	if (rc == 0 && mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0)
		rc = rs_error_set(err, errno, "make mounts private");
	cleanup_close int root_tree = -1;
	if (rc == 0) {
		rc = clone_tree(cfg->rootfs, cfg->readonly, err);
		root_tree = rc;
	}
	/* Bind mount sources are cloned while host paths still resolve, and
	 * stay detached: the server reaches them only through their fds. */
	for (size_t i = 0; rc >= 0 && i < cfg->nmounts; i++) {
		const struct gf_mount *m = &cfg->mounts[i];
		rc = clone_tree(m->source, m->readonly, err);
		if (rc >= 0) {
			struct gf_export *e = &out->exports[1 + i];
			e->name = m->dest;
			e->root_fd = rc;
			e->readonly = m->readonly;
			out->nexports = 2 + i;
		}
	}
	if (rc >= 0)
		rc = pivot_into(root_tree, cfg->rootfs, err);
	if (rc >= 0) {
		out->exports[0] = (struct gf_export){
			.name = "/",
			.root_fd = open("/", O_PATH | O_DIRECTORY | O_CLOEXEC),
			.readonly = cfg->readonly,
		};
		if (out->nexports == 0)
			out->nexports = 1;
		if (out->exports[0].root_fd < 0)
			rc = rs_error_set(err, errno, "open the new root");
	}
	if (rc < 0) {
		gf_confined_release(out);
		return rc;
	}
	return 0;
}

/* What the gofer keeps: enough to give files the owner the Sentry asks for
 * and to reach them whatever their modes (the Sentry checks permissions
 * against the attributes, as gVisor's does). */
static const int kept_caps[] = {
	CAP_CHOWN,  CAP_DAC_OVERRIDE, CAP_DAC_READ_SEARCH,
	CAP_FOWNER, CAP_FSETID,
};

static bool is_kept(int cap)
{
	for (size_t i = 0; i < sizeof(kept_caps) / sizeof(kept_caps[0]); i++)
		if (kept_caps[i] == cap)
			return true;
	return false;
}

static int drop_capabilities(struct rs_error **err)
{
	/* The bounding set first (PR_CAPBSET_DROP needs CAP_SETPCAP, which
	 * goes next), up to the last capability this kernel knows. */
	for (int cap = 0; prctl(PR_CAPBSET_READ, cap, 0, 0, 0) >= 0; cap++)
		if (!is_kept(cap) && prctl(PR_CAPBSET_DROP, cap, 0, 0, 0) < 0)
			return rs_error_set(err, errno,
					    "drop capability %d from the "
					    "bounding set",
					    cap);
	if (prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0) < 0 &&
	    errno != EINVAL)
		return rs_error_set(err, errno, "clear ambient capabilities");
	struct __user_cap_header_struct hdr = {
		.version = _LINUX_CAPABILITY_VERSION_3,
	};
	struct __user_cap_data_struct data[2];
	memset(data, 0, sizeof(data));
	for (size_t i = 0; i < sizeof(kept_caps) / sizeof(kept_caps[0]); i++) {
		int cap = kept_caps[i];
		data[cap / 32].effective |= 1u << (cap % 32);
		data[cap / 32].permitted |= 1u << (cap % 32);
	}
	if (syscall(SYS_capset, &hdr, data) < 0)
		return rs_error_set(err, errno, "capset");
	return 0;
}

int gf_confine_lock(struct rs_error **err)
{
	/* Nothing the gofer could exec would gain privileges (and seccomp
	 * without CAP_SYS_ADMIN needs it). */
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
		return rs_error_set(err, errno, "PR_SET_NO_NEW_PRIVS");
	int rc = drop_capabilities(err);
	if (rc < 0)
		return rc;
	return gf_filter_install(err);
}
