/* The Sentry confines itself (see confine.h). */
#include <errno.h>
#include <grp.h>
#include <linux/capability.h>
#include <linux/netlink.h>
#include <netinet/in.h>
#include <sched.h>
#include <seccomp.h>
#include <stdlib.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <unistd.h>

#include "drivers/dpdk.h"
#include "kernel/confine.h"
#include "net/hostinet.h"

/* What the Sentry does on the host after set-up: ptrace and memory access
 * of its tracees, its event loop, I/O on fds it already holds (files the
 * gofer donated, the gofer socket, stdio, /proc of the tracees through an
 * fd kept open), signals to its tracees, and what libc's allocator and
 * clocks need. Nothing creates sockets (but hostinet's, below, with
 * --network=host), mounts, execs or forks. */
static const int sentry_syscalls[] = {
	SCMP_SYS(read),
	SCMP_SYS(write),
	SCMP_SYS(pread64),
	SCMP_SYS(pwrite64),
	SCMP_SYS(readv),
	SCMP_SYS(writev),
	SCMP_SYS(close),
	SCMP_SYS(fstat),
	SCMP_SYS(newfstatat),
	SCMP_SYS(lseek),
	SCMP_SYS(openat),
	SCMP_SYS(fcntl),
	SCMP_SYS(ioctl),
	SCMP_SYS(poll),
	SCMP_SYS(ppoll),
	SCMP_SYS(epoll_wait),
	SCMP_SYS(epoll_pwait),
	SCMP_SYS(epoll_ctl),
	SCMP_SYS(timerfd_settime),
	SCMP_SYS(wait4),
	SCMP_SYS(waitid),
	SCMP_SYS(ptrace),
	SCMP_SYS(process_vm_readv),
	SCMP_SYS(process_vm_writev),
	SCMP_SYS(kill),
	SCMP_SYS(rt_sigqueueinfo),
	SCMP_SYS(rt_tgsigqueueinfo),
	SCMP_SYS(tgkill),
	SCMP_SYS(clock_gettime),
	SCMP_SYS(gettimeofday),
	SCMP_SYS(getrandom),
	SCMP_SYS(sysinfo),
	SCMP_SYS(getpid),
	SCMP_SYS(gettid),
	SCMP_SYS(sendmsg),
	SCMP_SYS(recvmsg),
	SCMP_SYS(sendto),
	SCMP_SYS(recvfrom),
	/* The AF_PACKET link's batched I/O (drivers/afpacket_mmsg.c). */
	SCMP_SYS(sendmmsg),
	SCMP_SYS(recvmmsg),
	SCMP_SYS(mmap),
	SCMP_SYS(munmap),
	SCMP_SYS(mprotect),
	SCMP_SYS(mremap),
	SCMP_SYS(brk),
	SCMP_SYS(madvise),
	SCMP_SYS(rt_sigprocmask),
	SCMP_SYS(rt_sigreturn),
	/* Only the Sentry's own signal stack; AddressSanitizer builds query
	 * it on stack switches and abort when it is refused. */
	SCMP_SYS(sigaltstack),
	SCMP_SYS(futex),
	SCMP_SYS(sched_yield),
	SCMP_SYS(sched_getaffinity),
	SCMP_SYS(fsync),
	SCMP_SYS(fdatasync),
	SCMP_SYS(ftruncate),
	SCMP_SYS(restart_syscall),
	SCMP_SYS(exit),
	SCMP_SYS(exit_group),
};

/* --network=host only: the host sockets of net/hostinet*.c, created in
 * the host's network namespace and used only through the fds the Sentry
 * holds. socket() is limited to exactly the kinds hostinet makes (always
 * non-blocking and close-on-exec, the default protocol but for ping and
 * NETLINK_ROUTE): no raw or packet socket, no other netlink family even
 * if a bug asked for one. The option calls are limited to the (level, name) pairs of hostinet's
 * policy table, in the direction it allows. The rest works on a socket
 * fd the Sentry already holds. */
static const int hostinet_syscalls[] = {
	SCMP_SYS(bind),	    SCMP_SYS(connect),	   SCMP_SYS(listen),
	SCMP_SYS(shutdown), SCMP_SYS(getsockname), SCMP_SYS(getpeername),
};

static const struct {
	int domain, type, protocol;
} hostinet_sockets[] = {
	{ AF_INET, SOCK_STREAM, 0 },
	{ AF_INET6, SOCK_STREAM, 0 },
	{ AF_INET, SOCK_DGRAM, 0 },
	{ AF_INET6, SOCK_DGRAM, 0 },
	{ AF_INET, SOCK_DGRAM, IPPROTO_ICMP },
	{ AF_INET6, SOCK_DGRAM, IPPROTO_ICMPV6 },
	{ AF_NETLINK, SOCK_RAW, NETLINK_ROUTE },
};

static int add_hostinet_rules(scmp_filter_ctx ctx)
{
	const int flags = SOCK_NONBLOCK | SOCK_CLOEXEC;
	int r = 0;
	for (size_t i = 0;
	     r == 0 &&
	     i < sizeof(hostinet_syscalls) / sizeof(hostinet_syscalls[0]);
	     i++)
		r = seccomp_rule_add(ctx, SCMP_ACT_ALLOW, hostinet_syscalls[i],
				     0);
	for (size_t i = 0;
	     r == 0 &&
	     i < sizeof(hostinet_sockets) / sizeof(hostinet_sockets[0]);
	     i++)
		r = seccomp_rule_add(
			ctx, SCMP_ACT_ALLOW, SCMP_SYS(socket), 3,
			SCMP_A0_32(SCMP_CMP_EQ,
				   (uint32_t)hostinet_sockets[i].domain),
			SCMP_A1_32(
				SCMP_CMP_EQ,
				(uint32_t)(hostinet_sockets[i].type | flags)),
			SCMP_A2_32(SCMP_CMP_EQ,
				   (uint32_t)hostinet_sockets[i].protocol));
	for (size_t i = 0; r == 0 && i < sn_hi_nopts; i++) {
		const struct sn_hi_opt *o = &sn_hi_opts[i];
		if (o->dirs & SN_HI_SET)
			r = seccomp_rule_add(
				ctx, SCMP_ACT_ALLOW, SCMP_SYS(setsockopt), 2,
				SCMP_A1_32(SCMP_CMP_EQ, (uint32_t)o->level),
				SCMP_A2_32(SCMP_CMP_EQ, (uint32_t)o->name));
		/* Every option set is read back by the timeouts' rounding
		 * and by the application. */
		if (r == 0)
			r = seccomp_rule_add(
				ctx, SCMP_ACT_ALLOW, SCMP_SYS(getsockopt), 2,
				SCMP_A1_32(SCMP_CMP_EQ, (uint32_t)o->level),
				SCMP_A2_32(SCMP_CMP_EQ, (uint32_t)o->name));
	}
	return r;
}

int sn_confine_filter_build(bool host_net, void **out)
{
	/* Anything else fails with EPERM rather than killing the Sentry:
	 * a missed syscall then shows up as an error, never as a lost
	 * sandbox. */
	scmp_filter_ctx ctx = seccomp_init(SCMP_ACT_ERRNO(EPERM));
	if (ctx == NULL)
		return -ENOMEM;
	int r = 0;
	for (size_t i = 0;
	     r == 0 && i < sizeof(sentry_syscalls) / sizeof(sentry_syscalls[0]);
	     i++)
		r = seccomp_rule_add(ctx, SCMP_ACT_ALLOW, sentry_syscalls[i],
				     0);
	/* accept4 on a socket already listening before confinement (runsc's
	 * control socket; host sockets with --network=host), and only into
	 * non-blocking, close-on-exec fds. */
	if (r == 0)
		r = seccomp_rule_add(
			ctx, SCMP_ACT_ALLOW, SCMP_SYS(accept4), 1,
			SCMP_A3_32(SCMP_CMP_EQ,
				   (uint32_t)(SOCK_NONBLOCK | SOCK_CLOEXEC)));
	if (r == 0 && host_net)
		r = add_hostinet_rules(ctx);
	/* DPDK's interrupt thread and its PMDs' data paths (the list and
	 * how it was found: drivers/dpdk_eal.c). Rules already present are
	 * added again without harm. */
	unsigned ndpdk;
	const int *dpdk = drv_dpdk_confine_syscalls(&ndpdk);
	for (unsigned i = 0; r == 0 && i < ndpdk; i++)
		r = seccomp_rule_add(ctx, SCMP_ACT_ALLOW, dpdk[i], 0);
	/* Every thread, not just the caller's. */
	if (r == 0 && ndpdk > 0)
		r = seccomp_attr_set(ctx, SCMP_FLTATR_CTL_TSYNC, 1);
	if (r < 0) {
		seccomp_release(ctx);
		return r;
	}
	*out = ctx;
	return 0;
}

static bool early_done;

int sn_confine_early(struct rs_error **err)
{
	if (unshare(CLONE_NEWNS | CLONE_NEWIPC | CLONE_NEWUTS) < 0)
		return rs_error_set(err, errno, "confine: unshare");
	if (mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0)
		return rs_error_set(err, errno, "confine: private mounts");
	early_done = true;
	return 0;
}

int sn_confine(bool host_net, struct rs_error **err)
{
	/* With --network=host the Sentry's sockets must stay in the host's
	 * network namespace; the application's processes have their own
	 * empty one either way (sentry.c clones them with CLONE_NEWNET).
	 * The new network namespace is the caller's thread's alone when
	 * DPDK's threads exist: they keep the port's, which they need, and
	 * the filter lets them make no socket. */
	int ns = early_done ? 0 : CLONE_NEWNS | CLONE_NEWIPC | CLONE_NEWUTS;
	if (!host_net)
		ns |= CLONE_NEWNET;
	if (ns && unshare(ns) < 0)
		return rs_error_set(err, errno, "confine: unshare");
	/* An empty read-only root: a fresh tmpfs over /tmp, then chroot. */
	if (mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0 ||
	    mount("sentry-root", "/tmp", "tmpfs",
		  MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC, "size=4k") < 0)
		return rs_error_set(err, errno, "confine: empty root");
	if (chroot("/tmp") < 0 || chdir("/") < 0)
		return rs_error_set(err, errno, "confine: chroot");
	for (int cap = 0; cap <= CAP_LAST_CAP; cap++)
		if (prctl(PR_CAPBSET_DROP, cap, 0, 0, 0) < 0 && errno != EINVAL)
			return rs_error_set(err, errno, "confine: drop cap %d",
					    cap);
	gid_t none[1];
	if (setgroups(0, none) < 0 ||
	    setresgid(SN_SANDBOX_HOST_ID, SN_SANDBOX_HOST_ID,
		      SN_SANDBOX_HOST_ID) < 0 ||
	    setresuid(SN_SANDBOX_HOST_ID, SN_SANDBOX_HOST_ID,
		      SN_SANDBOX_HOST_ID) < 0)
		return rs_error_set(err, errno, "confine: drop privileges");
	/* Not dumpable: processes of the same uid (the application's) may
	 * not ptrace it or open its /proc files. */
	if (prctl(PR_SET_DUMPABLE, 0, 0, 0, 0) < 0 ||
	    prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
		return rs_error_set(err, errno, "confine: prctl");
	void *ctx;
	int r = sn_confine_filter_build(host_net, &ctx);
	if (r == 0) {
		r = seccomp_load(ctx);
		seccomp_release(ctx);
	}
	if (r < 0)
		return rs_error_set(err, -r, "confine: seccomp");
	return 0;
}
