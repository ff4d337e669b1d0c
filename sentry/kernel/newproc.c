/* Making the Sentry's side of a new application process: the sandbox's
 * first one (kernel/sentry.c) and those `runsc exec` adds
 * (kernel/sandbox.c). */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "fs/fs.h"
#include "kernel/exec.h"
#include "kernel/kernel.h"

static const char *env_get(char *const *envp, const char *name)
{
	size_t n = strlen(name);
	for (; envp && *envp; envp++)
		if (strncmp(*envp, name, n) == 0 && (*envp)[n] == '=')
			return *envp + n + 1;
	return NULL;
}

int sn_exec_lookup(struct sn_task *t, char *const *argv, char *const *envp,
		   struct sn_exec_image **img)
{
	const char *name = argv[0];
	if (strchr(name, '/'))
		return sn_exec_prepare(t, name, argv, envp, img);
	/* Like execvp: a name without '/' is searched in the PATH of the
	 * program's own environment. */
	const char *path = env_get(envp, "PATH");
	if (path == NULL)
		path = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";
	int first_err = -ENOENT;
	while (*path) {
		const char *end = strchr(path, ':');
		size_t n = end ? (size_t)(end - path) : strlen(path);
		char full[4096];
		snprintf(full, sizeof(full), "%.*s/%s", (int)n, path, name);
		int r = sn_exec_prepare(t, full, argv, envp, img);
		if (r == 0)
			return 0;
		if (r != -ENOENT && r != -ENOTDIR && first_err == -ENOENT)
			first_err = r;
		path += n;
		if (*path == ':')
			path++;
	}
	return first_err;
}

int sn_proc_install_fds(struct sn_kernel *k, struct sn_proc *p, const int *fds,
			int n, struct rs_error **err)
{
	for (int i = 0; i < n; i++) {
		struct sn_file *f;
		if (fds[i] < 0) {
			f = sn_file_get(k->devnull);
		} else {
			int fd = fcntl(fds[i], F_DUPFD_CLOEXEC, 3);
			if (fd < 0)
				return rs_error_set(err, errno, "dup fd %d", i);
			int fl = fcntl(fd, F_GETFL);
			f = sn_hostfile_new_shared(k, fd, fl & ~O_NONBLOCK,
						   NULL);
			if (f == NULL) {
				close(fd);
				return rs_error_set(err, ENOMEM, "fd %d", i);
			}
			char name[32];
			snprintf(name, sizeof(name), "host:[%d]", i);
			sn_file_set_path(f, name);
		}
		int r = sn_fd_install_at(p->fdt, i, f, false,
					 p->rlim[RLIMIT_NOFILE].rlim_cur);
		sn_file_put(f);
		if (r < 0)
			return rs_error_set(err, -r, "install fd %d", i);
	}
	return 0;
}

int sn_proc_set_groups(struct sn_proc *p, const gid_t *groups, size_t n)
{
	if (n > SN_NGROUPS_MAX)
		return -EINVAL;
	memcpy(p->creds.groups, groups, n * sizeof(*groups));
	p->creds.ngroups = (int)n;
	return 0;
}

struct sn_proc *sn_proc_create(struct sn_kernel *k, pid_t vpid, const char *cwd,
			       uid_t uid, gid_t gid,
			       const struct sn_proc *limits_of)
{
	struct sn_proc *p = calloc(1, sizeof(*p));
	if (p == NULL)
		return NULL;
	p->k = k;
	p->vpid = vpid;
	rs_list_init(&p->threads);
	rs_list_init(&p->ptimers);
	p->memfd = -1;
	p->fdt = sn_fdtable_new();
	p->fs = calloc(1, sizeof(*p->fs));
	if (p->fs) {
		p->fs->refs = 1;
		p->fs->umask = 022;
		p->fs->cwd = strdup(cwd ? cwd : "/");
	}
	struct sn_creds *c = &p->creds;
	c->ruid = c->euid = c->suid = c->fsuid = uid;
	c->rgid = c->egid = c->sgid = c->fsgid = gid;
	if (limits_of) {
		memcpy(p->rlim, limits_of->rlim, sizeof(p->rlim));
	} else {
		for (int i = 0; i < RLIM_NLIMITS; i++)
			getrlimit(i, &p->rlim[i]);
		p->rlim[RLIMIT_NOFILE].rlim_cur = 1024;
		p->rlim[RLIMIT_NOFILE].rlim_max = 1048576;
	}
	p->start_ns = sn_now();
	rs_list_add_tail(&k->procs, &p->link);
	if (p->fdt == NULL || p->fs == NULL || p->fs->cwd == NULL) {
		sn_proc_free(p);
		return NULL;
	}
	return p;
}
