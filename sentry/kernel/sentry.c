/* sn_run: sets up the kernel (gofer client, mounts, stdio), starts the
 * first application process in fresh namespaces and runs the event loop
 * until the sandbox is empty. */
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <grp.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/signalfd.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "fs/fs.h"
#include "gofer/client.h"
#include "kernel/confine.h"
#include "kernel/exec.h"
#include "kernel/kernel.h"
#include "kernel/shm.h"
#include "net/net.h"
#include "net/procnet.h"
#include "platform/allowlist.h"
#include "runsc/log.h"

#define STUB_ROOT_TMP "/tmp"
/* The unprivileged identity of application processes on the host: every
 * privileged operation is emulated, so they need none. */
#define APP_HOST_ID SN_SANDBOX_HOST_ID

static void stub_fail(int pipe_fd, const char *what)
{
	char msg[128];
	int n = snprintf(msg, sizeof(msg), "%s: %s", what, strerror(errno));
	if (write(pipe_fd, msg, (size_t)n) < 0)
		_exit(126);
	_exit(126);
}

/* The last steps of every application process before the tracer takes
 * over (sandbox's first process, and those `runsc exec` adds through the
 * spawner): no way back to privileges, the unprivileged identity, no host
 * fd but err_fd (O_CLOEXEC), the app seccomp filter, then the stub image,
 * whose execve the Sentry lets through. Never returns. */
void sn_become_app(int err_fd)
{
	if (prctl(PR_SET_PDEATHSIG, SIGKILL) < 0 ||
	    prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
		stub_fail(err_fd, "prctl");
	/* The spawner's children come without groups or privileges
	 * already, and setgroups would need CAP_SETGID even to change
	 * nothing. */
	gid_t none[1];
	if ((getgroups(0, NULL) != 0 && setgroups(0, none) < 0) ||
	    setresgid(APP_HOST_ID, APP_HOST_ID, APP_HOST_ID) < 0 ||
	    setresuid(APP_HOST_ID, APP_HOST_ID, APP_HOST_ID) < 0)
		stub_fail(err_fd, "drop privileges");
	if (err_fd > 0)
		syscall(SYS_close_range, 0, (unsigned)err_fd - 1, 0);
	syscall(SYS_close_range, (unsigned)err_fd + 1, ~0u, 0);
	/* From here on every syscall but the allowlist traps to the Sentry,
	 * which lets exactly this execve through. */
	if (sn_allowlist_load() < 0)
		stub_fail(err_fd, "seccomp");
	static char stub_name[] = "stub";
	char *const argv[] = { stub_name, NULL };
	char *const envp[] = { NULL };
	execve(SN_STUB_PATH, argv, envp);
	stub_fail(err_fd, "exec stub");
	_exit(126);
}

/* The first application process, inside its new namespaces: an empty
 * read-only root holding only the stub image, then sn_become_app. */
static int stub_main(int go_fd, int err_fd, const char *hostname,
		     const char *domainname)
{
	char c;
	if (read(go_fd, &c, 1) != 1)
		_exit(126);
	/* The Sentry blocks SIGCHLD for its signalfd; the app starts with
	 * an empty mask, as after a normal exec from a shell. */
	sigset_t none_blocked;
	sigemptyset(&none_blocked);
	sigprocmask(SIG_SETMASK, &none_blocked, NULL);
	if (mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0)
		stub_fail(err_fd, "make / private");
	if (mount("sentry-stub", STUB_ROOT_TMP, "tmpfs", MS_NOSUID | MS_NODEV,
		  "size=64k,mode=0755") < 0)
		stub_fail(err_fd, "mount stub root");
	if (sn_stub_write(STUB_ROOT_TMP SN_STUB_PATH) < 0 ||
	    mkdir(STUB_ROOT_TMP "/.old", 0700) < 0)
		stub_fail(err_fd, "write stub");
	/* Where shared file mappings get their host files (kernel/shm.c),
	 * owned by the identity the Sentry keeps after confinement. */
	if (mkdir(STUB_ROOT_TMP SN_SHM_DIR, 0700) < 0 ||
	    mount("sentry-shm", STUB_ROOT_TMP SN_SHM_DIR, "tmpfs",
		  MS_NOSUID | MS_NODEV | MS_NOEXEC,
		  "mode=0700,uid=65534,gid=65534") < 0)
		stub_fail(err_fd, "mount shared-memory directory");
	if (syscall(SYS_pivot_root, STUB_ROOT_TMP, STUB_ROOT_TMP "/.old") < 0)
		stub_fail(err_fd, "pivot_root");
	if (chdir("/") < 0 || umount2("/.old", MNT_DETACH) < 0 ||
	    rmdir("/.old") < 0)
		stub_fail(err_fd, "detach old root");
	if (mount(NULL, "/", NULL,
		  MS_REMOUNT | MS_RDONLY | MS_NOSUID | MS_NODEV, NULL) < 0)
		stub_fail(err_fd, "remount stub root read-only");
	if (sethostname(hostname, strlen(hostname)) < 0 ||
	    setdomainname(domainname, strlen(domainname)) < 0)
		stub_fail(err_fd, "sethostname");
	sn_become_app(err_fd);
	return 126;
}

/* The synthetic file systems first, then the configured mounts: on equal
 * paths the later mount wins (vfs.c), so a bind mount at /tmp replaces the
 * sandbox's own tmpfs as an OCI mount does. */
static int mount_all(struct sn_kernel *k, const struct sn_config *cfg,
		     struct rs_error **err)
{
	struct sn_fs *root;
	int r = sn_goferfs_new(k, "/", cfg->root_readonly, &root);
	if (r < 0)
		return rs_error_set(err, -r, "attach the gofer's root");
	sn_vfs_mount(k, "/", root, cfg->root_readonly);
	struct sn_fs *proc = sn_procfs_new(k), *dev = sn_devfs_new(k);
	struct sn_fs *tmp = sn_tmpfs_new(k), *shm = sn_tmpfs_new(k);
	if (!proc || !dev || !tmp || !shm)
		return rs_error_set(err, ENOMEM, "create file systems");
	sn_vfs_mount(k, "/proc", proc, false);
	sn_vfs_mount(k, "/dev", dev, false);
	sn_vfs_mount(k, "/dev/shm", shm, false);
	sn_vfs_mount(k, "/tmp", tmp, false);
	for (size_t i = 0; i < cfg->nmounts; i++) {
		const struct sn_mount_spec *m = &cfg->mounts[i];
		struct sn_fs *fs = NULL;
		if (m->kind == SN_MOUNT_TMPFS) {
			fs = sn_tmpfs_new_sized(k, m->tmpfs_mode,
						m->tmpfs_size);
			r = fs ? 0 : -ENOMEM;
		} else {
			r = sn_goferfs_new(k, m->path, m->readonly, &fs);
		}
		if (r < 0)
			return rs_error_set(err, -r, "mount `%s`", m->path);
		sn_vfs_mount(k, m->path, fs, m->readonly);
	}
	return 0;
}

/* The configuration's sysctls, as runc writes them below the container's
 * /proc/sys ("net.ipv4.ip_forward" is net/ipv4/ip_forward): the
 * sandbox's network settings; a key the sandbox does not have is an
 * error, as a missing /proc/sys file is for runc. */
static int apply_sysctls(struct sn_kernel *k, const struct sn_config *cfg,
			 struct rs_error **err)
{
	for (size_t i = 0; i < cfg->nsysctls; i++) {
		const struct sn_sysctl *c = &cfg->sysctls[i];
		char rel[256];
		if (snprintf(rel, sizeof(rel), "%s", c->key) >=
		    (int)sizeof(rel))
			return rs_error_set(err, EINVAL, "sysctl `%s`", c->key);
		for (char *p = rel; *p; p++)
			if (*p == '.')
				*p = '/';
		bool writable = false;
		if (strncmp(rel, "net/", 4) != 0 ||
		    !sn_sysctl_net_exists(k, rel, &writable))
			return rs_error_set(err, 0,
					    "linux.sysctl: `%s`: not supported "
					    "in the sandbox",
					    c->key);
		ssize_t r =
			sn_sysctl_net_set(k, rel, c->value, strlen(c->value));
		if (r < 0)
			return rs_error_set(err, (int)-r,
					    "linux.sysctl: `%s` = `%s`", c->key,
					    c->value);
	}
	return 0;
}

/* A program that cannot be executed, in runc's words: engines read them
 * (Docker exits 127 for "executable file not found" and "no such file or
 * directory", 126 for "permission denied"). */
static int exec_error(const char *prog, int r, struct rs_error **err)
{
	if (r == -ENOENT && strchr(prog, '/') == NULL)
		return rs_error_set(err, 0,
				    "exec: \"%s\": executable file not found "
				    "in $PATH",
				    prog);
	char text[128];
	snprintf(text, sizeof(text), "%s", strerror(-r));
	text[0] = (char)tolower((unsigned char)text[0]);
	rs_error_set(err, 0, "exec: \"%s\": %s", prog, text);
	return r;
}

/* The first process's credentials, limits and fds beyond the defaults
 * (an OCI config's process). */
static int setup_init(struct sn_kernel *k, struct sn_proc *init,
		      const struct sn_config *cfg, struct rs_error **err)
{
	if (sn_proc_set_groups(init, cfg->groups, cfg->ngroups) < 0)
		return rs_error_set(err, EINVAL,
				    "more than %d supplementary groups",
				    SN_NGROUPS_MAX);
	if (cfg->set_umask)
		init->fs->umask = cfg->umask & 0777;
	for (size_t i = 0; i < cfg->nrlimits; i++) {
		const struct sn_rlimit *l = &cfg->rlimits[i];
		if (l->resource < 0 || l->resource >= RLIM_NLIMITS ||
		    l->soft > l->hard)
			return rs_error_set(
				err, EINVAL, "rlimit %d: %llu > %llu",
				l->resource, (unsigned long long)l->soft,
				(unsigned long long)l->hard);
		init->rlim[l->resource] =
			(struct rlimit){ .rlim_cur = l->soft,
					 .rlim_max = l->hard };
	}
	int fds[3 + SN_MAX_EXTRA_FDS];
	if (cfg->nextra_fds > SN_MAX_EXTRA_FDS)
		return rs_error_set(err, EINVAL, "more than %d preserved fds",
				    SN_MAX_EXTRA_FDS);
	memcpy(fds, cfg->stdio, sizeof(cfg->stdio));
	for (size_t i = 0; i < cfg->nextra_fds; i++)
		fds[3 + i] = cfg->extra_fds[i];
	return sn_proc_install_fds(k, init, fds, 3 + (int)cfg->nextra_fds, err);
}

/* Reads a small host file (a few KiB) whole; NULL when unreadable. */
static char *slurp(const char *path)
{
	FILE *f = fopen(path, "re");
	if (f == NULL)
		return NULL;
	char *buf = NULL;
	size_t len = 0;
	FILE *mem = open_memstream(&buf, &len);
	if (mem) {
		char chunk[4096];
		size_t n;
		while ((n = fread(chunk, 1, sizeof(chunk), f)) > 0)
			fwrite(chunk, 1, n, mem);
		fclose(mem);
	}
	fclose(f);
	return buf;
}

/* Signals sent to runsc are meant for the program it runs: they are
 * forwarded to the sandbox's init, as gVisor's `runsc do` does. A pid
 * namespace's init only receives the signals it handles (pid_namespaces(7)),
 * but the sender meant the program to end as it would outside a sandbox;
 * an init without a handler is ended as if the signal had killed it. A
 * signal from the terminal (^C: si_code SI_KERNEL) reached the program's
 * processes directly, in runsc's process group, and is not sent twice. */
static const int forwarded_signals[] = { SIGINT,  SIGTERM, SIGHUP,
					 SIGQUIT, SIGUSR1, SIGUSR2 };

static void forward_signal(struct sn_kernel *k, int sig, bool from_tty)
{
	struct sn_proc *init = k->init;
	if (init == NULL || init->exited || rs_list_empty(&init->threads))
		return;
	struct sn_task *t = rs_container_of(init->threads.next, struct sn_task,
					    thread_link);
	if (sn_signal_has_handler(t, sig)) {
		if (!from_tty)
			sn_signal_proc(init, sig);
		return;
	}
	k->forced_status = sig;
	kill(init->pid, SIGKILL); /* and with it its pid namespace */
}

static void on_host_signal(void *arg, uint32_t events)
{
	(void)events;
	struct sn_kernel *k = arg;
	struct signalfd_siginfo si;
	while (read(k->host_sigfd, &si, sizeof(si)) == (ssize_t)sizeof(si))
		forward_signal(k, (int)si.ssi_signo, si.ssi_code == SI_KERNEL);
}

/* Blocks the forwarded signals and watches them with a signalfd. */
static int watch_host_signals(struct sn_kernel *k, struct rs_error **err)
{
	sigset_t set;
	sigemptyset(&set);
	for (size_t i = 0;
	     i < sizeof(forwarded_signals) / sizeof(forwarded_signals[0]); i++)
		sigaddset(&set, forwarded_signals[i]);
	if (sigprocmask(SIG_BLOCK, &set, NULL) < 0)
		return rs_error_set(err, errno, "block signals");
	k->host_sigfd = signalfd(-1, &set, SFD_NONBLOCK | SFD_CLOEXEC);
	if (k->host_sigfd < 0)
		return rs_error_set(err, errno, "signalfd");
	int r = sn_loop_add_fd(k->loop, k->host_sigfd, 0x1, on_host_signal, k);
	return r < 0 ? rs_error_set(err, -r, "watch signals") : 0;
}

static void on_platform_event(void *arg, uint32_t events)
{
	(void)arg;
	(void)events;
}

static struct sn_kernel *kernel_new(const struct sn_config *cfg)
{
	struct sn_kernel *k = calloc(1, sizeof(*k));
	if (k == NULL)
		return NULL;
	for (int i = 0; i < 256; i++)
		rs_list_init(&k->tasks[i]);
	rs_list_init(&k->procs);
	rs_list_init(&k->runq);
	rs_list_init(&k->mounts);
	sn_waitq_init(&k->sig_wq);
	k->strace = cfg->strace;
	k->strace_fd = cfg->strace_fd;
	snprintf(k->hostname, sizeof(k->hostname), "%s",
		 cfg->hostname ? cfg->hostname : "sandbox");
	snprintf(k->domainname, sizeof(k->domainname), "%s",
		 cfg->domainname ? cfg->domainname : "(none)");
	k->uid = cfg->uid;
	k->gid = cfg->gid;
	k->boot_ns = sn_now();
	k->boot_realtime_ns = sn_realtime_now();
	k->next_dev = 0x30;
	k->cpuinfo = slurp("/proc/cpuinfo");
	k->shm_dir = -1;
	k->host_sigfd = -1;
	k->start_fd = -1;
	k->spawner_fd = -1;
	rs_list_init(&k->watches);
	k->host_proc = open("/proc", O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (k->host_proc < 0) {
		free(k->cpuinfo);
		free(k);
		return NULL;
	}
	return k;
}

static void kernel_free(struct sn_kernel *k)
{
	for (int i = 0; i < 256; i++)
		while (!rs_list_empty(&k->tasks[i]))
			sn_task_free(rs_container_of(
				k->tasks[i].next, struct sn_task, hash_link));
	while (!rs_list_empty(&k->procs))
		sn_proc_free(
			rs_container_of(k->procs.next, struct sn_proc, link));
	sn_file_put(k->devnull);
	sn_vfs_unmount_all(k);
	sn_net_close(k);
	if (k->loop)
		sn_sandbox_unwatch_all(k);
	gf_client_free(k->gofer);
	if (k->plat)
		k->plat->ops->destroy(k->plat);
	sn_loop_free(k->loop);
	free(k->cpuinfo);
	free(k->scratch);
	if (k->shm_dir >= 0)
		close(k->shm_dir);
	if (k->host_sigfd >= 0)
		close(k->host_sigfd);
	if (k->start_fd >= 0)
		close(k->start_fd);
	sn_spawner_stop(k);
	close(k->host_proc);
	free(k);
}

static void report_exec_error(const char *name, int r, int *status)
{
	fprintf(stderr, "runsc: %s: %s\n", name, strerror(-r));
	/* A shell's conventions: 127 not found, 126 found but not
	 * executable. */
	int code = (r == -ENOENT || r == -ENOTDIR) ? 127 : 126;
	*status = code << 8;
}

/* Stops handled before the event loop's fds are looked at again: busy
 * tasks trapping back to back must not starve received frames, timers and
 * bridged fds (a program polling a socket with MSG_DONTWAIT waits for
 * exactly those). */
#define STOP_BATCH 32

static struct sn_sandbox *sb_of(struct sn_kernel *k)
{
	return (struct sn_sandbox *)k;
}

/* Runs the loop until init is gone and no task remains. */
static void run_loop(struct sn_kernel *k)
{
	for (;;) {
		sn_run_queue(k);
		struct sn_stop stop;
		int r = 0, handled = 0;
		while (handled < STOP_BATCH &&
		       (r = k->plat->ops->next_stop(k->plat, &stop)) == 1) {
			sn_handle_stop(k, &stop);
			sn_run_queue(k);
			handled++;
		}
		if (k->init_exited && k->ntasks == 0)
			return;
		if (r == -ECHILD && k->ntasks == 0)
			return;
		/* Frames the syscalls queued leave now, and timers they
		 * armed are waited for. */
		sn_net_idle(k);
		bool busy = !rs_list_empty(&k->runq) || handled == STOP_BATCH;
		sn_loop_run_once(k->loop, busy ? 0 : -1);
	}
}

/* Whether a NIC of the configuration is a DPDK port. */
static bool uses_dpdk(const struct sn_net_config *net)
{
	if (net->mode != SN_NET_SANDBOX || net->nethost == NULL)
		return false;
	for (unsigned i = 0; i < net->nethost->nnics; i++) {
		const char *spec = net->nethost->nics[i].spec;
		if (spec && strncmp(spec, "dpdk", 4) == 0 &&
		    (spec[4] == 0 || spec[4] == ':' || spec[4] == '+'))
			return true;
	}
	return false;
}

int sn_run(const struct sn_config *cfg, int *wait_status,
	   struct sn_run_stats *stats, struct rs_error **err)
{
	int r;
	struct sn_kernel *k = kernel_new(cfg);
	if (k == NULL) {
		close(cfg->gofer_fd);
		return rs_error_set(err, ENOMEM, "allocate the Sentry");
	}
	if ((r = gf_client_new(cfg->gofer_fd, NULL, &k->gofer)) < 0) {
		rs_error_set(err, -r, "connect to the gofer");
		goto out;
	}
	if ((r = sn_loop_new(&k->loop)) < 0 ||
	    (r = sn_ptrace_create(&k->plat)) < 0) {
		rs_error_set(err, -r, "create the event loop");
		goto out;
	}
	sn_loop_add_fd(k->loop, k->plat->ops->event_fd(k->plat), 0x1,
		       on_platform_event, k);
	/* DPDK starts threads: the namespaces they must share with the
	 * Sentry come first (kernel/confine.h). */
	if (cfg->confine && uses_dpdk(&cfg->net) &&
	    (r = sn_confine_early(err)) < 0)
		goto out;
	/* Before confinement: links need the host's namespace and
	 * privileges to open. */
	if ((r = sn_net_open(k, &cfg->net, err)) < 0 ||
	    (r = watch_host_signals(k, err)) < 0)
		goto out;
	if ((r = mount_all(k, cfg, err)) < 0 ||
	    (r = apply_sysctls(k, cfg, err)) < 0)
		goto out;
	struct sn_path devnull;
	struct sn_proc *init =
		sn_proc_create(k, 1, cfg->cwd, cfg->uid, cfg->gid, NULL);
	if (init == NULL) {
		r = rs_error_set(err, ENOMEM, "create init");
		goto out;
	}
	k->init = init;
	/* A task without a host thread yet, to resolve paths as init. */
	struct sn_task *t = sn_task_new(k, 0, init);
	if (t == NULL) {
		r = rs_error_set(err, ENOMEM, "create init");
		goto out;
	}
	if ((r = sn_path_lookup_at(t, "/", "/dev/null", SN_LOOKUP_FOLLOW,
				   &devnull)) == 0) {
		r = sn_vfs_open(t, &devnull, O_RDWR, 0, &k->devnull);
		sn_path_free(&devnull);
	}
	if (r < 0) {
		rs_error_set(err, -r, "open /dev/null");
		goto out;
	}
	if ((r = setup_init(k, init, cfg, err)) < 0)
		goto out;
	struct sn_exec_image *img = NULL;
	if ((r = sn_exec_lookup(t, cfg->argv, cfg->envp, &img)) < 0) {
		if (cfg->life.exec_error_fails) {
			r = exec_error(cfg->argv[0], r, err);
			goto out;
		}
		report_exec_error(cfg->argv[0], r, wait_status);
		r = 0;
		goto out;
	}
	img->stub_exec_pending = true;
	t->exec = img;

	int go[2], errp[2];
	if (pipe2(go, O_CLOEXEC) < 0 || pipe2(errp, O_CLOEXEC) < 0) {
		r = rs_error_set(err, errno, "pipe");
		goto out;
	}
	fflush(NULL);
	pid_t pid =
		(pid_t)syscall(SYS_clone,
			       CLONE_NEWPID | CLONE_NEWNS | CLONE_NEWIPC |
				       CLONE_NEWUTS | CLONE_NEWNET | SIGCHLD,
			       NULL, NULL, NULL, NULL);
	if (pid == 0) {
		close(go[1]);
		close(errp[0]);
		_exit(stub_main(go[0], errp[1], k->hostname, k->domainname));
	}
	close(go[0]);
	close(errp[1]);
	if (pid < 0) {
		r = rs_error_set(err, errno,
				 "clone the sandbox's first process");
		close(go[1]);
		close(errp[0]);
		goto out;
	}
	init->pid = pid;
	sn_task_rekey(t, pid);
	t->vtid = 1;
	if ((r = sn_ptrace_seize(k->plat, pid)) < 0) {
		kill(pid, SIGKILL);
		waitpid(pid, NULL, 0);
		rs_error_set(err, -r, "ptrace the sandbox");
		close(go[1]);
		close(errp[0]);
		goto out;
	}
	if (cfg->life.allow_exec && (r = sn_spawner_start(k, pid, err)) < 0) {
		kill(pid, SIGKILL);
		close(go[1]);
		close(errp[0]);
		run_loop(k);
		goto out;
	}
	/* Held: sn_sandbox_start() writes the byte the first process waits
	 * for (`runsc start`). */
	k->start_fd = go[1];
	if (!cfg->life.wait_start && (r = sn_sandbox_start(sb_of(k))) < 0) {
		r = rs_error_set(err, -r, "start the sandbox");
		close(errp[0]);
		goto out;
	}
	if (cfg->confine &&
	    (r = sn_confine(cfg->net.mode == SN_NET_HOST, err)) < 0) {
		kill(pid, SIGKILL);
		run_loop(k);
		close(errp[0]);
		goto out;
	}
	if (cfg->life.on_created)
		cfg->life.on_created(sb_of(k), cfg->life.arg);
	run_loop(k);
	char msg[256];
	ssize_t n = read(errp[0], msg, sizeof(msg) - 1);
	close(errp[0]);
	if (n > 0) {
		msg[n] = 0;
		r = rs_error_set(err, 0, "sandbox set-up: %s", msg);
		goto out;
	}
	*wait_status = k->exit_status;
	r = 0;
out:
	if (stats)
		*stats = k->stats;
	kernel_free(k);
	return r;
}
