/* Escape attempts, run only inside the sandbox: every attempt must fail.
 * Prints one line per attempt and exits 0 only if all were blocked.
 * argv[1] (optional) is the host pid of a process outside the sandbox
 * (the test script's). */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <linux/bpf.h>
#include <linux/netlink.h>
#include <linux/perf_event.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/mman.h>
#include <sys/ptrace.h>
#include <sys/sysmacros.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <sys/wait.h>
#include <unistd.h>

static int escaped;

static void report(const char *what, long r)
{
	if (r < 0) {
		printf("blocked %-34s %s\n", what, strerrorname_np(errno));
	} else {
		printf("ESCAPED %-34s %ld\n", what, r);
		escaped++;
	}
}

int main(int argc, char **argv)
{
	setvbuf(stdout, NULL, _IONBF, 0);
	report("mount tmpfs", mount("x", "/mnt", "tmpfs", 0, NULL));
	report("umount /proc", umount2("/proc", MNT_DETACH));
	report("unshare user+mount", unshare(CLONE_NEWUSER | CLONE_NEWNS));
	report("unshare net", unshare(CLONE_NEWNET));
	report("setns", setns(0, 0));
	report("chroot", chroot("/tmp"));
	report("pivot_root", syscall(SYS_pivot_root, "/tmp", "/tmp"));
	report("ptrace attach 1", ptrace(PTRACE_ATTACH, 1, 0, 0));
	report("ptrace traceme", ptrace(PTRACE_TRACEME, 0, 0, 0));
	union bpf_attr attr;
	memset(&attr, 0, sizeof(attr));
	report("bpf map create",
	       syscall(SYS_bpf, BPF_MAP_CREATE, &attr, sizeof(attr)));
	char params[120] = { 0 };
	report("io_uring_setup", syscall(SYS_io_uring_setup, 4, params));
	report("keyctl", syscall(SYS_keyctl, 0, 0, 0, 0, 0));
	report("add_key", syscall(SYS_add_key, "user", "k", "v", 1, -1));
	struct perf_event_attr pe;
	memset(&pe, 0, sizeof(pe));
	pe.size = sizeof(pe);
	report("perf_event_open",
	       syscall(SYS_perf_event_open, &pe, 0, -1, -1, 0));
	report("init_module", syscall(SYS_init_module, NULL, 0, ""));
	report("reboot",
	       syscall(SYS_reboot, 0xfee1dead, 0x28121969, 0x01234567, NULL));
	report("iopl", syscall(SYS_iopl, 3));
	report("clone newns",
	       syscall(SYS_clone, CLONE_NEWNS | SIGCHLD, 0, 0, 0, 0));
	report("mknod block device",
	       mknod("/tmp/sda", S_IFBLK | 0600, makedev(8, 0)));
	report("process_vm_readv", process_vm_readv(1, NULL, 0, NULL, 0, 0));
	report("open_by_handle_at",
	       syscall(SYS_open_by_handle_at, -1, NULL, 0));
	report("socket AF_INET raw", socket(AF_INET, SOCK_RAW, 1));
	/* NETLINK_ROUTE and NETLINK_SOCK_DIAG are the Sentry's own,
	 * answered from the sandbox's netstack; the host kernel's other
	 * netlink families stay out of reach. */
	report("socket AF_NETLINK audit",
	       socket(AF_NETLINK, SOCK_RAW, NETLINK_AUDIT));
	report("socket AF_NETLINK uevent",
	       socket(AF_NETLINK, SOCK_RAW, NETLINK_KOBJECT_UEVENT));
	report("socket AF_NETLINK netfilter",
	       socket(AF_NETLINK, SOCK_RAW, NETLINK_NETFILTER));
	report("socket AF_PACKET", socket(AF_PACKET, SOCK_RAW, 0));
	if (argc > 1) {
		char p[64];
		snprintf(p, sizeof(p), "/proc/%s/mem", argv[1]);
		report("open a host process's /proc/pid/mem",
		       open(p, O_RDONLY));
		report("signal a host process", kill(atoi(argv[1]), 0));
	}
	/* Host fds: the application holds none beyond its own virtual ones. */
	int found = 0;
	for (int fd = 3; fd < 4096; fd++)
		if (fcntl(fd, F_GETFD) >= 0)
			found++;
	report("find a host fd by number", found ? found : -1);
	report("fd 1000 write", write(1000, "x", 1));
	/* A file mapping of a host fd number that is not ours. */
	report("mmap fd 200",
	       (long)mmap(NULL, 4096, PROT_READ, MAP_PRIVATE, 200, 0) == -1
		       ? -1
		       : 0);
	/* Privileges: drop to an unprivileged id, then try to get back. */
	if (setresuid(1000, 1000, 1000) == 0) {
		report("setuid(0) after drop", setuid(0));
		report("open /etc/shadow after drop",
		       open("/etc/shadow", O_RDONLY));
		report("write to read-only root",
		       open("/etc/escape-test", O_CREAT | O_WRONLY, 0644));
	}
	/* The 32-bit syscall ABI is not decoded by the Sentry: the filter
	 * kills a process that tries it. */
	pid_t c = fork();
	if (c == 0) {
		long r;
		__asm__ volatile("int $0x80" : "=a"(r) : "a"(20) : "memory");
		_exit(r > 0 ? 0 : 1);
	}
	int st;
	waitpid(c, &st, 0);
	report("int 0x80 (i386 ABI)", WIFSIGNALED(st) ? -1 : 0);
	printf("escapes %d\n", escaped);
	return escaped ? 1 : 0;
}
