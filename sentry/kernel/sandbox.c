/* Driving a running sandbox from outside its programs: the calls of
 * sentry.h that runsc's OCI control server makes (start, kill, ps, fds to
 * watch) on the Sentry's event-loop thread. */
#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "kernel/exec.h"
#include "kernel/kernel.h"

struct watch {
	struct rs_list link; /* in sn_kernel.watches */
	struct sn_kernel *k;
	int fd;
	void (*cb)(struct sn_sandbox *sb, int fd, void *arg);
	void *arg;
};

static struct sn_kernel *kernel_of(struct sn_sandbox *sb)
{
	return (struct sn_kernel *)sb;
}

static void watch_fired(void *arg, uint32_t events)
{
	(void)events;
	struct watch *w = arg;
	w->cb((struct sn_sandbox *)w->k, w->fd, w->arg);
}

int sn_sandbox_watch(struct sn_sandbox *sb, int fd,
		     void (*cb)(struct sn_sandbox *sb, int fd, void *arg),
		     void *arg)
{
	struct sn_kernel *k = kernel_of(sb);
	struct watch *w = calloc(1, sizeof(*w));
	if (w == NULL)
		return -ENOMEM;
	*w = (struct watch){ .k = k, .fd = fd, .cb = cb, .arg = arg };
	int r = sn_loop_add_fd(k->loop, fd, 0x1 /* EPOLLIN */, watch_fired, w);
	if (r < 0) {
		free(w);
		return r;
	}
	rs_list_add_tail(&k->watches, &w->link);
	return 0;
}

void sn_sandbox_unwatch(struct sn_sandbox *sb, int fd)
{
	struct sn_kernel *k = kernel_of(sb);
	struct rs_list *pos, *tmp;
	rs_list_for_each_safe(pos, tmp, &k->watches)
	{
		struct watch *w = rs_container_of(pos, struct watch, link);
		if (w->fd != fd)
			continue;
		sn_loop_del_fd(k->loop, fd);
		rs_list_del(&w->link);
		free(w);
	}
}

void sn_sandbox_unwatch_all(struct sn_kernel *k)
{
	while (!rs_list_empty(&k->watches)) {
		struct watch *w =
			rs_container_of(k->watches.next, struct watch, link);
		sn_loop_del_fd(k->loop, w->fd);
		rs_list_del(&w->link);
		free(w);
	}
}

int sn_sandbox_start(struct sn_sandbox *sb)
{
	struct sn_kernel *k = kernel_of(sb);
	if (k->start_fd < 0)
		return -EALREADY;
	/* The first process waits on the other end (kernel/sentry.c). */
	ssize_t n = write(k->start_fd, "g", 1);
	close(k->start_fd);
	k->start_fd = -1;
	return n == 1 ? 0 : -EPIPE;
}

bool sn_sandbox_started(const struct sn_sandbox *sb)
{
	return ((const struct sn_kernel *)sb)->start_fd < 0;
}

int sn_sandbox_kill(struct sn_sandbox *sb, int sig, bool all)
{
	struct sn_kernel *k = kernel_of(sb);
	if (sig < 0 || sig >= NSIG)
		return -EINVAL;
	int sent = 0, r = 0;
	struct rs_list *pos, *tmp;
	rs_list_for_each_safe(pos, tmp, &k->procs)
	{
		struct sn_proc *p = rs_container_of(pos, struct sn_proc, link);
		if (p->exited || p->pid <= 0 || (!all && p != k->init))
			continue;
		if (sig == 0) {
			sent++;
			continue;
		}
		int e = sn_signal_proc(p, sig);
		if (e == 0)
			sent++;
		else if (r == 0)
			r = e;
	}
	return sent ? 0 : r ? r : -ESRCH;
}

int sn_sandbox_kill_pid(struct sn_sandbox *sb, pid_t pid, int sig)
{
	struct sn_kernel *k = kernel_of(sb);
	if (sig < 0 || sig >= NSIG)
		return -EINVAL;
	struct rs_list *pos;
	rs_list_for_each(pos, &k->procs)
	{
		struct sn_proc *p = rs_container_of(pos, struct sn_proc, link);
		if (p->vpid != pid || p->exited || p->pid <= 0)
			continue;
		return sig ? sn_signal_proc(p, sig) : 0;
	}
	return -ESRCH;
}

static int cmp_vpid(const void *a, const void *b)
{
	const struct sn_proc *x = *(struct sn_proc *const *)a;
	const struct sn_proc *y = *(struct sn_proc *const *)b;
	return (x->vpid > y->vpid) - (x->vpid < y->vpid);
}

int sn_sandbox_foreach_proc(struct sn_sandbox *sb,
			    int (*fn)(void *arg, const struct sn_proc_info *p),
			    void *arg)
{
	struct sn_kernel *k = kernel_of(sb);
	size_t n = 0, cap = 16;
	struct sn_proc **v = malloc(cap * sizeof(*v));
	if (v == NULL)
		return -ENOMEM;
	struct rs_list *pos;
	rs_list_for_each(pos, &k->procs)
	{
		struct sn_proc *p = rs_container_of(pos, struct sn_proc, link);
		if (p->exited || p->pid <= 0)
			continue;
		if (n == cap) {
			struct sn_proc **nv = realloc(v, 2 * cap * sizeof(*v));
			if (nv == NULL) {
				free(v);
				return -ENOMEM;
			}
			v = nv;
			cap *= 2;
		}
		v[n++] = p;
	}
	qsort(v, n, sizeof(*v), cmp_vpid);
	int r = 0;
	for (size_t i = 0; i < n && r == 0; i++) {
		struct sn_proc *p = v[i];
		struct sn_proc_info info = {
			.pid = p->vpid,
			.ppid = p->vppid,
			.host_pid = p->pid,
			.uid = p->creds.euid,
			.start_ns = p->start_ns,
			.threads = p->nthreads,
			.cmdline = p->cmdline,
			.cmdline_len = p->cmdline_len,
		};
		const char *exe = p->exe ? strrchr(p->exe, '/') : NULL;
		strncpy(info.comm,
			exe	 ? exe + 1
			: p->exe ? p->exe
				 : "",
			sizeof(info.comm) - 1);
		r = fn(arg, &info);
	}
	free(v);
	return r;
}

void sn_sandbox_stats(const struct sn_sandbox *sb, struct sn_run_stats *out)
{
	*out = ((const struct sn_kernel *)sb)->stats;
}

int sn_sandbox_exec(struct sn_sandbox *sb, const struct sn_exec_spec *spec,
		    pid_t *vpid)
{
	struct sn_kernel *k = kernel_of(sb);
	if (k->init == NULL || k->init_exited)
		return -ESRCH;
	pid_t pid;
	int go;
	int r = sn_spawner_spawn(k, &pid, &go);
	if (r < 0)
		return r;
	/* From here a failure closes go: the held child exits. */
	pid_t v = sn_host_to_vpid(k, pid);
	struct sn_proc *p = v > 0 ? sn_proc_create(k, v, spec->cwd, spec->uid,
						   spec->gid, k->init)
				  : NULL;
	struct sn_task *t = p ? sn_task_new(k, pid, p) : NULL;
	if (t == NULL) {
		if (p)
			sn_proc_free(p);
		close(go);
		return -ENOMEM;
	}
	p->pid = pid;
	t->vtid = v;
	struct rs_error *err = NULL;
	struct sn_exec_image *img = NULL;
	if ((r = sn_proc_set_groups(p, spec->groups, spec->ngroups)) < 0 ||
	    (r = sn_proc_install_fds(k, p, spec->stdio, 3, &err)) < 0 ||
	    (r = sn_exec_lookup(t, spec->argv, spec->envp, &img)) < 0 ||
	    (r = sn_ptrace_seize(k->plat, pid)) < 0) {
		rs_error_free(err);
		sn_exec_image_free(img);
		sn_task_free(t);
		sn_proc_free(p);
		close(go);
		return r;
	}
	img->stub_exec_pending = true;
	t->exec = img;
	p->on_exit = spec->on_exit;
	p->on_exit_arg = spec->arg;
	r = write(go, "g", 1) == 1 ? 0 : -EPIPE;
	close(go);
	if (r == 0)
		*vpid = v;
	return r;
}
