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

/* A bind mount served by the gofer under attach name `path`. */
struct sn_mount_spec {
	const char *path; /* absolute destination in the sandbox */
	bool readonly;
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
	uid_t uid; /* the application's virtual credentials */
	gid_t gid;
	struct sn_net_config net;
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
