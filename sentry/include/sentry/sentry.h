/* The Sentry: the application kernel that runs an unmodified Linux program
 * sandboxed. runsc's `do` and `boot` commands fill a struct sn_config and
 * call sn_run, which owns the process from then on until the sandbox ends.
 */
#ifndef SENTRY_SENTRY_H
#define SENTRY_SENTRY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "drivers/nethost.h"
#include "runsc/error.h"

/* A file system mounted in the sandbox (runsc do's --mount, an OCI
 * config's mounts). */
enum sn_mount_kind {
	/* A directory tree, or a single file, the gofer serves under attach
	 * name `path` (a bind mount). */
	SN_MOUNT_GOFER,
	/* A new, empty tmpfs of the Sentry's own. */
	SN_MOUNT_TMPFS,
};

struct sn_mount_spec {
	const char *path; /* absolute destination in the sandbox */
	bool readonly;
	enum sn_mount_kind kind;
	uint64_t tmpfs_size; /* bytes; 0: half of physical memory, as Linux */
	mode_t tmpfs_mode;   /* its root's permissions; 0: 01777 */
};

/* One sysctl: "net.core.somaxconn" = "1024". */
struct sn_sysctl {
	const char *key;
	const char *value;
};

/* A resource limit the first process starts with (OCI process.rlimits);
 * the others are the Sentry's own. */
struct sn_rlimit {
	int resource; /* RLIMIT_* */
	uint64_t soft, hard;
};

/* How the sandbox reaches the network (runsc's --network). */
enum sn_net_mode {
	/* A netstack with loopback only (the default of the zero value). */
	SN_NET_NONE,
	/* The netstack on the links of `nethost` (the interfaces runsc took
	 * over): the application's packets never reach the host's stack. */
	SN_NET_SANDBOX,
	/* Socket calls go to host sockets the Sentry holds: the host's
	 * stack and namespace, weaker isolation. */
	SN_NET_HOST,
};

struct sn_net_config {
	enum sn_net_mode mode;
	/* SN_NET_SANDBOX: the NICs, addresses, routes and capture. With
	 * SN_NET_NONE it may carry a capture of the loopback (no NICs).
	 * NULL: loopback only, no capture. Borrowed for sn_run's set-up. */
	const struct drv_nethost_config *nethost;
};

/* The running Sentry, as the lifecycle callbacks and calls below see it
 * (the OCI runtime's control server drives it from inside the Sentry's
 * event loop). Opaque. */
struct sn_sandbox;

/* How the first process starts (runsc's OCI create/start split). */
struct sn_lifecycle {
	/* Hold the first process, loaded but not running, until
	 * sn_sandbox_start() (`runsc create`); false: run it at once. */
	bool wait_start;
	/* When the program cannot be executed (not found, not executable),
	 * fail sn_run with the error instead of exiting like a shell with
	 * 127 or 126 (a runtime's create reports it to the engine). */
	bool exec_error_fails;
	/* Allow sn_sandbox_exec (`runsc exec`): a helper that can start
	 * processes inside the sandbox's namespaces is kept. */
	bool allow_exec;
	/* Called once, after set-up and confinement, with the first process
	 * loaded (and held when wait_start): the sandbox is "created". The
	 * callback may watch fds (sn_sandbox_watch). NULL: none. */
	void (*on_created)(struct sn_sandbox *sb, void *arg);
	void *arg;
};

#define SN_MAX_EXTRA_FDS 1024

struct sn_config {
	char *const *argv; /* the program and its arguments (argv[0] is the
			      path looked up in PATH if it has no '/') */
	char *const *envp; /* its environment */
	const char *cwd;   /* initial working directory ("/" if NULL) */
	/* Connected AF_UNIX stream socket to a gofer serving the root file
	 * system at attach name "/" (and each of mounts[]). Consumed. */
	int gofer_fd;
	bool root_readonly;
	const struct sn_mount_spec *mounts;
	size_t nmounts;
	/* Host fds that become the application's fds 0, 1 and 2. Borrowed
	 * (duplicated). -1 gives /dev/null. */
	int stdio[3];
	bool strace;   /* log each syscall to strace_fd */
	int strace_fd; /* borrowed */
	const char *hostname;
	const char *domainname; /* NULL: "(none)" */
	/* Sysctls to set before the first process runs (an OCI config's
	 * linux.sysctl): those the sandbox has below /proc/sys; any other
	 * fails sn_run. Borrowed. */
	const struct sn_sysctl *sysctls;
	size_t nsysctls;
	uid_t uid; /* the application's virtual credentials */
	gid_t gid;
	const gid_t *groups; /* supplementary groups; borrowed */
	size_t ngroups;
	bool set_umask; /* false: 022 */
	mode_t umask;
	const struct sn_rlimit *rlimits; /* borrowed */
	size_t nrlimits;
	/* Host fds that become the application's fds 3, 4, ... after stdio
	 * (runc's --preserve-fds), at most SN_MAX_EXTRA_FDS. Borrowed
	 * (duplicated). */
	const int *extra_fds;
	size_t nextra_fds;
	struct sn_net_config net;
	struct sn_lifecycle life;
	/* Confine the Sentry after set-up (namespaces, seccomp). Tests that
	 * run the Sentry in-process switch it off. */
	bool confine;
};

/* Counters of one run; tests assert on them. */
struct sn_run_stats {
	uint64_t syscalls;    /* syscall traps handled */
	uint64_t emulated;    /* completed in the Sentry */
	uint64_t passed;      /* argument-checked and run by the host */
	uint64_t parked;      /* times a task waited in the Sentry */
	uint64_t enosys;      /* unknown or unsupported syscalls */
	uint64_t denied;      /* refused to protect the host (escape tries) */
	uint64_t efault;      /* bad application pointers */
	uint64_t interrupted; /* parked syscalls interrupted by signals */
	uint64_t app_crashes; /* processes killed by a signal */
	uint64_t tasks;	      /* threads that existed during the run */
};

/* Runs cfg->argv[0] in a fresh sandbox and returns when its first process
 * (the sandbox's init) has exited and every other process is gone.
 * *wait_status gets init's wait(2) status; *stats (may be NULL) the
 * counters. Returns 0, or a negative errno with *err when the sandbox
 * could not be set up (the program not found is reported as status 127
 * like a shell, not as an error). Blocks. Must be called from a
 * single-threaded process: it forks and uses ptrace. */
int sn_run(const struct sn_config *cfg, int *wait_status,
	   struct sn_run_stats *stats, struct rs_error **err);

/* ---- Driving a running sandbox (from lifecycle callbacks and the fds
 * they watch, on the Sentry's event-loop thread) ---------------------- */

/* Watches fd for readability: cb runs from the event loop whenever it is
 * readable (level-triggered), until sn_sandbox_unwatch(). The fd stays
 * the caller's. Returns 0 or a negative errno. */
int sn_sandbox_watch(struct sn_sandbox *sb, int fd,
		     void (*cb)(struct sn_sandbox *sb, int fd, void *arg),
		     void *arg);
void sn_sandbox_unwatch(struct sn_sandbox *sb, int fd);

/* Releases the first process of a sandbox created with wait_start.
 * Returns 0, or -EALREADY when it runs already. */
int sn_sandbox_start(struct sn_sandbox *sb);
bool sn_sandbox_started(const struct sn_sandbox *sb);

/* Sends sig to the first process (all false) or to every process of the
 * sandbox (all true), as kill(2) from outside it. sig 0 checks that the
 * target lives. Returns 0, -ESRCH when nothing is left to signal, or
 * -EINVAL for a bad signal. */
int sn_sandbox_kill(struct sn_sandbox *sb, int sig, bool all);
/* Sends sig to the process pid (in the sandbox's pid namespace): 0,
 * -ESRCH or -EINVAL. */
int sn_sandbox_kill_pid(struct sn_sandbox *sb, pid_t pid, int sig);

/* A process to start inside the running sandbox (`runsc exec`). */
struct sn_exec_spec {
	char *const *argv; /* argv[0] looked up in envp's PATH as execvp */
	char *const *envp;
	const char *cwd; /* NULL: "/" */
	uid_t uid;
	gid_t gid;
	const gid_t *groups; /* supplementary groups; borrowed */
	size_t ngroups;
	int stdio[3]; /* host fds, borrowed (duplicated); -1: /dev/null */
	/* Told the process's wait(2) status when it ends (not when the
	 * whole sandbox ends first). */
	void (*on_exit)(void *arg, pid_t pid, int status);
	void *arg;
};

/* Starts spec's program as a new process of the sandbox, sharing its
 * namespaces, files and network; *pid gets its pid in the sandbox.
 * Returns 0, or a negative errno: -ENOENT / -EACCES / -ENOEXEC for the
 * program, -ENOSYS without allow_exec, -EAGAIN before the first process
 * runs. */
int sn_sandbox_exec(struct sn_sandbox *sb, const struct sn_exec_spec *spec,
		    pid_t *pid);

/* One process of the sandbox, for `runsc ps`. */
struct sn_proc_info {
	pid_t pid;  /* in the sandbox's pid namespace */
	pid_t ppid; /* 0 for the first process */
	pid_t host_pid;
	uid_t uid;	   /* effective, the sandbox's view */
	uint64_t start_ns; /* CLOCK_MONOTONIC */
	uint64_t threads;
	char comm[16];
	const char *cmdline; /* NUL-separated argv, cmdline_len bytes */
	size_t cmdline_len;
};

/* Calls fn for each live process in pid order; stops when fn returns
 * non-zero and returns that. */
int sn_sandbox_foreach_proc(struct sn_sandbox *sb,
			    int (*fn)(void *arg, const struct sn_proc_info *p),
			    void *arg);

/* The counters so far (sn_run gives the final ones). */
void sn_sandbox_stats(const struct sn_sandbox *sb, struct sn_run_stats *out);

/* The syscall table, for `runsc syscalls`. */
enum sn_support {
	SN_SUPPORT_FULL,    /* implemented */
	SN_SUPPORT_PARTIAL, /* implemented with limits (see note) */
	SN_SUPPORT_HOST,    /* runs on the host: argument-checked allowlist */
	SN_SUPPORT_NONE,    /* returns ENOSYS or a fixed error */
};

struct sn_syscall_desc {
	long nr;
	const char *name;
	enum sn_support support;
	const char *note; /* "" when none */
};

/* Number of x86-64 syscall numbers the table covers (0..N-1). */
long sn_syscall_count(void);
/* Describes syscall nr; false for numbers without a name. */
bool sn_syscall_describe(long nr, struct sn_syscall_desc *out);
const char *sn_support_name(enum sn_support s);

#endif
