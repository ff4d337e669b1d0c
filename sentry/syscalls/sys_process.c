/* Processes: clone/fork/vfork (run by the host, then adopted), execve (the
 * Sentry's loader), credentials (virtual), limits, identity. */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/capability.h>
#include <sched.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/random.h>
#include <sys/resource.h>
#include <sys/sysinfo.h>
#include <sys/syscall.h>
#include <sys/utsname.h>

#include "kernel/exec.h"
#include "syscalls/syscalls.h"

enum sn_action sn_pass(struct sn_task *t, struct sn_sc *sc)
{
	(void)t;
	(void)sc;
	return SN_PASS;
}

enum sn_action sn_deny(struct sn_task *t, struct sn_sc *sc)
{
	t->k->stats.denied++;
	return sn_ret(sc, -EPERM);
}

/* Namespaces belong to the Sentry; a pidfd would be a host fd. */
#define CLONE_FORBIDDEN                                                \
	(CLONE_NEWNS | CLONE_NEWUTS | CLONE_NEWIPC | CLONE_NEWUSER |   \
	 CLONE_NEWPID | CLONE_NEWNET | CLONE_NEWCGROUP | CLONE_PIDFD | \
	 0x80ull /* CLONE_NEWTIME */)

SYSCALL(clone)
{
	uint64_t flags = sc->a[0];
	if (flags & CLONE_FORBIDDEN) {
		if (!(flags & CLONE_PIDFD))
			t->k->stats.denied++;
		return sn_ret(sc, (flags & CLONE_PIDFD) ? -EINVAL : -EPERM);
	}
	/* Every thread stays traced: CLONE_UNTRACED is dropped. */
	if (flags & CLONE_UNTRACED) {
		t->regs.rdi = flags & ~(uint64_t)CLONE_UNTRACED;
		sc->regs_dirty = true;
	}
	t->clone_flags = flags;
	return SN_PASS;
}

/* clone3's arguments live in application memory, where another thread
 * could change them between the check and the host's read: refuse, and
 * the C library falls back to clone (as glibc does on ENOSYS). */
SYSCALL(clone3)
{
	(void)t;
	return sn_ret(sc, -ENOSYS);
}

SYSCALL(fork)
{
	(void)sc;
	t->clone_flags = SIGCHLD;
	return SN_PASS;
}

SYSCALL(vfork)
{
	(void)sc;
	t->clone_flags = CLONE_VM | CLONE_VFORK | SIGCHLD;
	return SN_PASS;
}

/* Copies a NULL-terminated array of strings (argv/envp). */
static int get_strv(struct sn_task *t, uint64_t addr, char ***out,
		    size_t *budget)
{
	size_t cap = 16, n = 0;
	char **v = calloc(cap + 1, sizeof(char *));
	if (v == NULL)
		return -ENOMEM;
	int r = 0;
	for (; addr; n++) {
		uint64_t p;
		if ((r = sn_copy_in(t, addr + n * 8, &p, sizeof(p))) < 0)
			break;
		if (p == 0)
			break;
		if (n == cap) {
			char **nv = realloc(v, (cap * 2 + 1) * sizeof(char *));
			if (nv == NULL) {
				r = -ENOMEM;
				break;
			}
			v = nv;
			cap *= 2;
		}
		char *s = malloc(*budget + 1 > 4096 ? 4096 : *budget + 1);
		size_t scap = *budget + 1 > 4096 ? 4096 : *budget + 1;
		if (s == NULL) {
			r = -ENOMEM;
			break;
		}
		int len = sn_copy_in_str(t, p, s, scap);
		while (len == -ENAMETOOLONG && scap <= *budget) {
			scap = scap * 4 > *budget + 1 ? *budget + 1 : scap * 4;
			char *ns = realloc(s, scap);
			if (ns == NULL)
				break;
			s = ns;
			len = sn_copy_in_str(t, p, s, scap);
			if (scap == *budget + 1)
				break;
		}
		if (len < 0) {
			free(s);
			r = len == -ENAMETOOLONG ? -E2BIG : len;
			break;
		}
		*budget -= (size_t)len + 1;
		v[n] = s;
		v[n + 1] = NULL;
	}
	v[n] = NULL;
	if (r < 0) {
		for (size_t i = 0; i < n; i++)
			free(v[i]);
		free(v);
		return r;
	}
	*out = v;
	return 0;
}

static void strv_free(char **v)
{
	for (char **p = v; p && *p; p++)
		free(*p);
	free(v);
}

static enum sn_action do_execve(struct sn_task *t, struct sn_sc *sc,
				const char *path, uint64_t argv_addr,
				uint64_t envp_addr)
{
	char **argv = NULL, **envp = NULL;
	size_t budget = SN_EXEC_ARGS_MAX;
	int r = get_strv(t, argv_addr, &argv, &budget);
	if (r == 0)
		r = get_strv(t, envp_addr, &envp, &budget);
	struct sn_exec_image *img = NULL;
	if (r == 0)
		r = sn_exec_prepare(t, path, argv, envp, &img);
	strv_free(argv);
	strv_free(envp);
	if (r < 0)
		return sn_ret(sc, r);
	return sn_exec_start(t, img);
}

SYSCALL(execve)
{
	char path[PATH_MAX];
	int r = sn_get_path(t, sc->a[0], path);
	if (r < 0)
		return sn_ret(sc, r);
	if (path[0] == 0)
		return sn_ret(sc, -ENOENT);
	return do_execve(t, sc, path, sc->a[1], sc->a[2]);
}

SYSCALL(execveat)
{
	char path[PATH_MAX];
	int r = sn_get_path(t, sc->a[1], path);
	if (r < 0)
		return sn_ret(sc, r);
	int flags = (int)sc->a[4];
	if (flags & ~(AT_EMPTY_PATH | AT_SYMLINK_NOFOLLOW))
		return sn_ret(sc, -EINVAL);
	struct sn_path p;
	r = sn_path_lookup(
		t, (int)sc->a[0], path,
		((flags & AT_SYMLINK_NOFOLLOW) ? 0 : SN_LOOKUP_FOLLOW) |
			((flags & AT_EMPTY_PATH) ? SN_LOOKUP_EMPTY_PATH : 0),
		&p);
	if (r < 0)
		return sn_ret(sc, r);
	if (S_ISLNK(p.st.st_mode)) {
		sn_path_free(&p);
		return sn_ret(sc, -ELOOP);
	}
	enum sn_action a = do_execve(t, sc, p.abs, sc->a[2], sc->a[3]);
	sn_path_free(&p);
	return a;
}

SYSCALL(getppid)
{
	struct sn_proc *p = t->proc;
	if (p == t->k->init)
		return sn_ret(sc, 0);
	return sn_ret(sc,
		      p->parent && !p->parent->exited ? p->parent->vpid : 1);
}

/* ---- credentials (virtual; the host identity is always nobody) --------- */

SYSCALL(getuid)
{
	return sn_ret(sc, t->proc->creds.ruid);
}

SYSCALL(geteuid)
{
	return sn_ret(sc, t->proc->creds.euid);
}

SYSCALL(getgid)
{
	return sn_ret(sc, t->proc->creds.rgid);
}

SYSCALL(getegid)
{
	return sn_ret(sc, t->proc->creds.egid);
}

static enum sn_action put3(struct sn_task *t, struct sn_sc *sc, uint32_t a,
			   uint32_t b, uint32_t c)
{
	if (sn_copy_out(t, sc->a[0], &a, 4) < 0 ||
	    sn_copy_out(t, sc->a[1], &b, 4) < 0 ||
	    sn_copy_out(t, sc->a[2], &c, 4) < 0)
		return sn_ret(sc, -EFAULT);
	return sn_ret(sc, 0);
}

SYSCALL(getresuid)
{
	const struct sn_creds *c = &t->proc->creds;
	return put3(t, sc, c->ruid, c->euid, c->suid);
}

SYSCALL(getresgid)
{
	const struct sn_creds *c = &t->proc->creds;
	return put3(t, sc, c->rgid, c->egid, c->sgid);
}

SYSCALL(getgroups)
{
	const struct sn_creds *c = &t->proc->creds;
	int size = (int)sc->a[0];
	if (size < 0)
		return sn_ret(sc, -EINVAL);
	if (size == 0)
		return sn_ret(sc, c->ngroups);
	if (size < c->ngroups)
		return sn_ret(sc, -EINVAL);
	if (sn_copy_out(t, sc->a[1], c->groups,
			(size_t)c->ngroups * sizeof(gid_t)) < 0)
		return sn_ret(sc, -EFAULT);
	return sn_ret(sc, c->ngroups);
}

SYSCALL(setgroups)
{
	struct sn_creds *c = &t->proc->creds;
	int n = (int)sc->a[0];
	if (c->euid != 0)
		return sn_ret(sc, -EPERM);
	if (n < 0 || n > SN_NGROUPS_MAX)
		return sn_ret(sc, -EINVAL);
	gid_t g[SN_NGROUPS_MAX];
	if (sn_copy_in(t, sc->a[1], g, (size_t)n * sizeof(gid_t)) < 0)
		return sn_ret(sc, -EFAULT);
	memcpy(c->groups, g, (size_t)n * sizeof(gid_t));
	c->ngroups = n;
	return sn_ret(sc, 0);
}

/* setresuid(2) rules: an unprivileged process may set each id to one of
 * its current real, effective or saved ids; -1 keeps a value. */
static bool may_set(const struct sn_creds *c, uint32_t v, bool gid)
{
	if (v == (uint32_t)-1 || c->euid == 0)
		return true;
	if (gid)
		return v == c->rgid || v == c->egid || v == c->sgid;
	return v == c->ruid || v == c->euid || v == c->suid;
}

static long set_res(struct sn_task *t, uint32_t r, uint32_t e, uint32_t s,
		    bool gid)
{
	struct sn_creds *c = &t->proc->creds;
	if (!may_set(c, r, gid) || !may_set(c, e, gid) || !may_set(c, s, gid))
		return -EPERM;
	uint32_t *ids[3] = { gid ? &c->rgid : &c->ruid,
			     gid ? &c->egid : &c->euid,
			     gid ? &c->sgid : &c->suid };
	uint32_t v[3] = { r, e, s };
	for (int i = 0; i < 3; i++)
		if (v[i] != (uint32_t)-1)
			*ids[i] = v[i];
	if (gid)
		c->fsgid = c->egid;
	else
		c->fsuid = c->euid;
	return 0;
}

SYSCALL(setresuid)
{
	return sn_ret(sc, set_res(t, (uint32_t)sc->a[0], (uint32_t)sc->a[1],
				  (uint32_t)sc->a[2], false));
}

SYSCALL(setresgid)
{
	return sn_ret(sc, set_res(t, (uint32_t)sc->a[0], (uint32_t)sc->a[1],
				  (uint32_t)sc->a[2], true));
}

SYSCALL(setreuid)
{
	uint32_t r = (uint32_t)sc->a[0], e = (uint32_t)sc->a[1];
	const struct sn_creds *c = &t->proc->creds;
	/* The saved id follows the new effective id when the real id is
	 * set or the effective id differs from the old real id. */
	uint32_t s = (r != (uint32_t)-1 || (e != (uint32_t)-1 && e != c->ruid))
			     ? (e != (uint32_t)-1 ? e : c->euid)
			     : (uint32_t)-1;
	return sn_ret(sc, set_res(t, r, e, s, false));
}

SYSCALL(setregid)
{
	uint32_t r = (uint32_t)sc->a[0], e = (uint32_t)sc->a[1];
	const struct sn_creds *c = &t->proc->creds;
	uint32_t s = (r != (uint32_t)-1 || (e != (uint32_t)-1 && e != c->rgid))
			     ? (e != (uint32_t)-1 ? e : c->egid)
			     : (uint32_t)-1;
	return sn_ret(sc, set_res(t, r, e, s, true));
}

SYSCALL(setuid)
{
	uint32_t v = (uint32_t)sc->a[0];
	if (t->proc->creds.euid == 0)
		return sn_ret(sc, set_res(t, v, v, v, false));
	return sn_ret(sc, set_res(t, (uint32_t)-1, v, (uint32_t)-1, false));
}

SYSCALL(setgid)
{
	uint32_t v = (uint32_t)sc->a[0];
	if (t->proc->creds.euid == 0)
		return sn_ret(sc, set_res(t, v, v, v, true));
	return sn_ret(sc, set_res(t, (uint32_t)-1, v, (uint32_t)-1, true));
}

SYSCALL(setfsuid)
{
	struct sn_creds *c = &t->proc->creds;
	uid_t old = c->fsuid;
	if (may_set(c, (uint32_t)sc->a[0], false) && sc->a[0] != (uint64_t)-1)
		c->fsuid = (uid_t)sc->a[0];
	return sn_ret(sc, old);
}

SYSCALL(setfsgid)
{
	struct sn_creds *c = &t->proc->creds;
	gid_t old = c->fsgid;
	if (may_set(c, (uint32_t)sc->a[0], true) && sc->a[0] != (uint64_t)-1)
		c->fsgid = (gid_t)sc->a[0];
	return sn_ret(sc, old);
}

/* Capabilities follow the virtual euid: root in the sandbox has all of
 * them there (they only ever reach the Sentry's emulation). */
SYSCALL(capget)
{
	struct __user_cap_header_struct h;
	if (sn_copy_in(t, sc->a[0], &h, sizeof(h)) < 0)
		return sn_ret(sc, -EFAULT);
	if (h.version != _LINUX_CAPABILITY_VERSION_3 &&
	    h.version != _LINUX_CAPABILITY_VERSION_2) {
		h.version = _LINUX_CAPABILITY_VERSION_3;
		sn_copy_out(t, sc->a[0], &h, sizeof(h));
		return sn_ret(sc, sc->a[1] ? -EINVAL : 0);
	}
	if (sc->a[1] == 0)
		return sn_ret(sc, 0);
	struct __user_cap_data_struct d[2];
	uint32_t all = t->proc->creds.euid == 0 ? 0xffffffffu : 0;
	for (int i = 0; i < 2; i++)
		d[i] = (struct __user_cap_data_struct){ all, all, 0 };
	d[1].effective = d[1].permitted = all & 0x1ff; /* caps 32..40 */
	return sn_ret(sc, sn_copy_out(t, sc->a[1], d, sizeof(d)));
}

SYSCALL(capset)
{
	return sn_ret(sc, t->proc->creds.euid == 0 ? 0 : -EPERM);
}

/* ---- limits -------------------------------------------------------------- */

static struct sn_proc *proc_for_pid(struct sn_task *t, pid_t pid)
{
	if (pid == 0 || pid == t->proc->vpid)
		return t->proc;
	return sn_proc_by_vpid(t->k, pid);
}

static long do_prlimit(struct sn_task *t, pid_t pid, unsigned res,
		       uint64_t new_addr, uint64_t old_addr)
{
	struct sn_proc *p = proc_for_pid(t, pid);
	if (p == NULL)
		return -ESRCH;
	if (res >= RLIM_NLIMITS)
		return -EINVAL;
	struct rlimit old = p->rlim[res];
	if (new_addr) {
		struct rlimit n;
		if (sn_copy_in(t, new_addr, &n, sizeof(n)) < 0)
			return -EFAULT;
		if (n.rlim_cur > n.rlim_max)
			return -EINVAL;
		if (n.rlim_max > old.rlim_max && t->proc->creds.euid != 0)
			return -EPERM;
		if (res == RLIMIT_NOFILE && n.rlim_max > 1048576)
			return -EPERM;
		p->rlim[res] = n;
	}
	if (old_addr && sn_copy_out(t, old_addr, &old, sizeof(old)) < 0)
		return -EFAULT;
	return 0;
}

SYSCALL(getrlimit)
{
	return sn_ret(sc, do_prlimit(t, 0, (unsigned)sc->a[0], 0, sc->a[1]));
}

SYSCALL(setrlimit)
{
	return sn_ret(sc, do_prlimit(t, 0, (unsigned)sc->a[0], sc->a[1], 0));
}

SYSCALL(prlimit64)
{
	return sn_ret(sc, do_prlimit(t, (pid_t)sc->a[0], (unsigned)sc->a[1],
				     sc->a[2], sc->a[3]));
}

/* ---- identity ------------------------------------------------------------ */

SYSCALL(uname)
{
	struct utsname u;
	memset(&u, 0, sizeof(u));
	strcpy(u.sysname, "Linux");
	snprintf(u.nodename, sizeof(u.nodename), "%s", t->k->hostname);
	/* Like gVisor, the sandbox reports its own kernel, not the host's. */
	strcpy(u.release, "4.4.0");
	strcpy(u.version, "#1 SMP Sun Jan 10 15:06:54 PST 2016");
	strcpy(u.machine, "x86_64");
	snprintf(u.domainname, sizeof(u.domainname), "%s", t->k->domainname);
	return sn_ret(sc, sn_copy_out(t, sc->a[0], &u, sizeof(u)));
}

/* sethostname and setdomainname: a name of at most 64 bytes, not
 * NUL-terminated in the caller's memory (kernel/sys.c). */
static long set_uts_name(struct sn_task *t, struct sn_sc *sc, char *dst)
{
	if (t->proc->creds.euid != 0)
		return -EPERM;
	size_t len = sc->a[1];
	if (len > 64)
		return -EINVAL;
	char name[65] = { 0 };
	if (sn_copy_in(t, sc->a[0], name, len) < 0)
		return -EFAULT;
	memcpy(dst, name, len + 1);
	return 0;
}

SYSCALL(sethostname)
{
	return sn_ret(sc, set_uts_name(t, sc, t->k->hostname));
}

SYSCALL(setdomainname)
{
	return sn_ret(sc, set_uts_name(t, sc, t->k->domainname));
}

SYSCALL(sysinfo)
{
	struct sysinfo host, si;
	if (sysinfo(&host) < 0)
		memset(&host, 0, sizeof(host));
	memset(&si, 0, sizeof(si));
	si.uptime = (long)((sn_now() - t->k->boot_ns) / 1000000000ull);
	si.totalram = host.totalram;
	si.freeram = host.freeram;
	si.sharedram = host.sharedram;
	si.bufferram = host.bufferram;
	si.mem_unit = host.mem_unit;
	unsigned procs = 0;
	struct rs_list *pos;
	rs_list_for_each(pos, &t->k->procs)
	{
		if (!rs_container_of(pos, struct sn_proc, link)->exited)
			procs++;
	}
	si.procs = (unsigned short)procs;
	return sn_ret(sc, sn_copy_out(t, sc->a[0], &si, sizeof(si)));
}

SYSCALL(getrandom)
{
	size_t len = sc->a[1] > (1u << 20) ? (1u << 20) : sc->a[1];
	if (sc->a[2] & ~(uint64_t)(GRND_NONBLOCK | GRND_RANDOM | 0x4))
		return sn_ret(sc, -EINVAL);
	char *buf = sn_scratch(t->k, len ? len : 1);
	if (buf == NULL)
		return sn_ret(sc, -ENOMEM);
	ssize_t n = getrandom(buf, len, GRND_NONBLOCK);
	if (n < 0)
		return sn_ret(sc, -errno);
	if (sn_copy_out(t, sc->a[0], buf, (size_t)n) < 0)
		return sn_ret(sc, -EFAULT);
	return sn_ret(sc, n);
}

SYSCALL(prctl)
{
	switch ((int)sc->a[0]) {
	case PR_SET_NAME:
	case PR_GET_NAME:
	case PR_SET_PDEATHSIG:
	case PR_GET_PDEATHSIG:
	case PR_SET_NO_NEW_PRIVS:
	case PR_GET_NO_NEW_PRIVS:
	case PR_SET_CHILD_SUBREAPER:
	case PR_GET_CHILD_SUBREAPER:
	case PR_SET_KEEPCAPS:
	case PR_GET_KEEPCAPS:
	case PR_SET_TIMERSLACK:
	case PR_GET_TIMERSLACK:
	case PR_SET_PTRACER:
	case PR_GET_SECCOMP:
	case PR_SET_SECCOMP:
	case PR_SET_VMA:
	case PR_GET_TID_ADDRESS:
	case PR_SET_THP_DISABLE:
	case PR_GET_THP_DISABLE:
		return SN_PASS;
	case PR_SET_DUMPABLE: /* SUID_DUMP_DISABLE or SUID_DUMP_USER */
		if (sc->a[1] > 1)
			return sn_ret(sc, -EINVAL);
		t->proc->nondumpable = sc->a[1] == 0;
		return sn_ret(sc, 0);
	case PR_GET_DUMPABLE:
		return sn_ret(sc, t->proc->nondumpable ? 0 : 1);
	case PR_CAPBSET_READ:
		return sn_ret(sc, sc->a[1] <= 40 ? 1 : -EINVAL);
	case PR_CAPBSET_DROP:
		return sn_ret(sc, t->proc->creds.euid == 0 ? 0 : -EPERM);
	case PR_CAP_AMBIENT:
		return sn_ret(sc,
			      sc->a[1] == PR_CAP_AMBIENT_IS_SET ? 0 : -EPERM);
	case PR_SET_MM:
		return sn_deny(t, sc);
	default:
		return sn_ret(sc, -EINVAL);
	}
}

SYSCALL(personality)
{
	/* Only PER_LINUX flavours: others change the syscall ABI. */
	(void)t;
	uint64_t p = sc->a[0];
	if (p != 0xffffffffull && (p & 0xff) != 0)
		return sn_ret(sc, -EINVAL);
	return SN_PASS;
}

/* Filters are additive and the most restrictive action wins, so a filter
 * the application adds cannot loosen the Sentry's. */
SYSCALL(seccomp)
{
	(void)t;
	(void)sc;
	return SN_PASS;
}
