/* The gofer's syscall allowlist. Every entry is a syscall the server, libc's
 * allocator or the logger makes; the server takes no signals and starts no
 * processes. Kill is the default: a gofer that tries anything else has
 * been subverted. */
#include "filter.h"

#include <errno.h>
#include <fcntl.h>
#include <seccomp.h>
#include <stddef.h>
#include <sys/mman.h>
#include <sys/stat.h>

static const int plain_syscalls[] = {
	/* the connection */
	SCMP_SYS(read),
	SCMP_SYS(write),
	SCMP_SYS(sendmsg),
	SCMP_SYS(close),
	/* walking and opening (the paths themselves are checked by the
	 * server: openat2 RESOLVE_BENEATH, one component at a time) */
	SCMP_SYS(openat),
	SCMP_SYS(openat2),
	SCMP_SYS(fstat),
	SCMP_SYS(newfstatat),
	SCMP_SYS(fstatfs),
	SCMP_SYS(lseek),
	SCMP_SYS(getdents64),
	SCMP_SYS(readlinkat),
	/* I/O on open fids */
	SCMP_SYS(pread64),
	SCMP_SYS(pwrite64),
	SCMP_SYS(ftruncate),
	SCMP_SYS(fsync),
	SCMP_SYS(fdatasync),
	/* attributes */
	SCMP_SYS(fchmodat),
	SCMP_SYS(fchownat),
	SCMP_SYS(utimensat),
	/* directory changes */
	SCMP_SYS(mkdirat),
	SCMP_SYS(symlinkat),
	SCMP_SYS(linkat),
	SCMP_SYS(renameat),
	SCMP_SYS(unlinkat),
	/* memory (glibc malloc) and process end */
	SCMP_SYS(brk),
	SCMP_SYS(munmap),
	SCMP_SYS(mremap),
	SCMP_SYS(madvise),
	SCMP_SYS(exit),
	SCMP_SYS(exit_group),
	SCMP_SYS(rt_sigreturn),
	SCMP_SYS(rt_sigprocmask),
	SCMP_SYS(restart_syscall),
	/* the logger's timestamps and pid; libc locks */
	SCMP_SYS(getpid),
	SCMP_SYS(gettid),
	SCMP_SYS(clock_gettime),
	SCMP_SYS(futex),
};

/* One argument comparison, every field named (libseccomp's SCMP_A1 leaves
 * datum_b implicit, which clang warns about). */
static struct scmp_arg_cmp arg_cmp(unsigned arg, enum scmp_compare op,
				   scmp_datum_t a, scmp_datum_t b)
{
	return (struct scmp_arg_cmp){
		.arg = arg, .op = op, .datum_a = a, .datum_b = b
	};
}

static int allow(scmp_filter_ctx ctx, int nr, unsigned nargs,
		 const struct scmp_arg_cmp *args)
{
	return seccomp_rule_add_array(ctx, SCMP_ACT_ALLOW, nr, nargs, args);
}

static int add_rules(scmp_filter_ctx ctx)
{
	int rc = 0;
	for (size_t i = 0;
	     rc == 0 && i < sizeof(plain_syscalls) / sizeof(plain_syscalls[0]);
	     i++)
		rc = allow(ctx, plain_syscalls[i], 0, NULL);
	/* Memory is never made executable. */
	const struct scmp_arg_cmp noexec[] = {
		arg_cmp(2, SCMP_CMP_MASKED_EQ, PROT_EXEC, 0),
	};
	if (rc == 0)
		rc = allow(ctx, SCMP_SYS(mmap), 1, noexec);
	if (rc == 0)
		rc = allow(ctx, SCMP_SYS(mprotect), 1, noexec);
	/* mknod makes regular files and FIFOs only (ops_dir.c), never
	 * devices. */
	const mode_t node_types[] = { S_IFREG, S_IFIFO };
	for (size_t i = 0; rc == 0 && i < 2; i++) {
		const struct scmp_arg_cmp type[] = {
			arg_cmp(2, SCMP_CMP_MASKED_EQ, S_IFMT, node_types[i]),
		};
		rc = allow(ctx, SCMP_SYS(mknodat), 1, type);
	}
	/* fcntl: only duplicating with close-on-exec (resolve.c, server.c,
	 * session.c); nothing changes fd flags after set-up. */
	const struct scmp_arg_cmp dupfd[] = {
		arg_cmp(1, SCMP_CMP_EQ, F_DUPFD_CLOEXEC, 0),
	};
	if (rc == 0)
		rc = allow(ctx, SCMP_SYS(fcntl), 1, dupfd);
	/* renameat2 without flags is renameat (what glibc calls where the
	 * kernel has no renameat); RENAME_EXCHANGE and friends are never
	 * asked for. */
	const struct scmp_arg_cmp no_flags[] = {
		arg_cmp(4, SCMP_CMP_EQ, 0, 0),
	};
	if (rc == 0)
		rc = allow(ctx, SCMP_SYS(renameat2), 1, no_flags);
	return rc;
}

int gf_filter_install(struct rs_error **err)
{
	scmp_filter_ctx ctx = seccomp_init(SCMP_ACT_KILL_PROCESS);
	if (ctx == NULL)
		return rs_error_set(err, ENOMEM, "seccomp_init");
	int rc = seccomp_attr_set(ctx, SCMP_FLTATR_CTL_TSYNC, 1);
	if (rc == 0)
		rc = add_rules(ctx);
	if (rc < 0) {
		seccomp_release(ctx);
		return rs_error_set(err, -rc, "gofer seccomp rules");
	}
	rc = seccomp_load(ctx);
	seccomp_release(ctx);
	if (rc < 0)
		return rs_error_set(err, -rc, "load the gofer seccomp filter");
	return 0;
}
