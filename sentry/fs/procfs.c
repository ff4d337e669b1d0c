/* procfs, synthesized from the Sentry's own state: /proc/self, the pid
 * directories of sandbox processes (stat, status, cmdline, comm, exe, cwd,
 * fd/, task/, maps, mounts, limits, environ) and the system files
 * (meminfo, cpuinfo, uptime, loadavg, stat, version, a few /proc/sys
 * values). Pids are the sandbox's; the host's process table is never
 * listed. Memory figures of a process come from the host's view of that
 * process only. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/sysinfo.h>
#include <unistd.h>

#include "fs/fs.h"
#include "net/procnet.h"

enum pkind {
	PK_ROOT,
	PK_SELF,	/* symlink */
	PK_THREAD_SELF, /* symlink */
	PK_TOP_FILE,
	PK_SYS_DIR,
	PK_SYS_FILE,
	PK_PID_DIR,
	PK_PID_FILE,
	PK_PID_LINK,
	PK_FD_DIR,
	PK_FD_LINK,
	PK_TASK_DIR,
	PK_TID_DIR,
	PK_TID_FILE,
	PK_NET_LINK, /* /proc/net: symlink to self/net */
	PK_NET_DIR,  /* /proc/PID/net */
	PK_NET_FILE,
};

struct pnode {
	enum pkind kind;
	struct sn_proc *proc;
	struct sn_task *task;
	int fd;
	const char *name; /* file name within its directory */
	char sys[128];	  /* PK_SYS_*: path below sys/ */
};

static const char *const top_files[] = {
	"meminfo", "cpuinfo",	  "uptime", "loadavg", "stat",
	"version", "filesystems", "mounts", "swaps",   NULL,
};
static const char *const pid_files[] = {
	"stat",	  "status", "cmdline", "comm",	    "environ",	     "maps",
	"mounts", "limits", "statm",   "mountinfo", "oom_score_adj", NULL,
};
static const char *const pid_links[] = { "exe", "cwd", "root", NULL };
static const char *const tid_files[] = { "stat", "status", "comm", NULL };

/* /proc/sys: path below sys/ and content (NULL: computed). */
static const struct {
	const char *path, *value;
} sys_files[] = {
	{ "kernel/hostname", NULL },
	{ "kernel/domainname", NULL },
	{ "kernel/osrelease", "4.4.0\n" },
	{ "kernel/ostype", "Linux\n" },
	{ "kernel/ngroups_max", "65536\n" },
	{ "kernel/pid_max", "4194304\n" },
	{ "kernel/cap_last_cap", "40\n" },
	{ "kernel/random/boot_id", NULL },
	{ "kernel/random/uuid", NULL },
	{ "kernel/shmmax", "18446744073692774399\n" },
	{ "vm/overcommit_memory", "0\n" },
	{ "vm/max_map_count", "65530\n" },
	{ "fs/file-max", "9223372036854775807\n" },
	{ "fs/nr_open", "1048576\n" },
	{ "fs/pipe-max-size", "1048576\n" },
};
#define NSYS (sizeof(sys_files) / sizeof(sys_files[0]))

static int index_of(const char *const *list, const char *name)
{
	for (int i = 0; list[i]; i++)
		if (strcmp(list[i], name) == 0)
			return i;
	return -1;
}

static bool parse_num(const char *s, long *out)
{
	if (*s < '0' || *s > '9')
		return false;
	char *end;
	*out = strtol(s, &end, 10);
	return *end == 0;
}

static struct sn_task *find_thread(struct sn_proc *p, long vtid)
{
	struct rs_list *pos;
	rs_list_for_each(pos, &p->threads)
	{
		struct sn_task *t =
			rs_container_of(pos, struct sn_task, thread_link);
		if (t->vtid == vtid)
			return t;
	}
	return NULL;
}

/* Every file path below /proc/sys: the fixed ones, and the network's
 * (net/procnet.c), which depend on the sandbox's NICs. The strings are
 * allocated (free_sys_paths). */
struct sys_paths {
	char **v;
	size_t n;
};

static void add_path(struct sys_paths *p, const char *s)
{
	char **v = realloc(p->v, (p->n + 1) * sizeof(*v));
	if (v == NULL)
		return;
	p->v = v;
	if ((p->v[p->n] = strdup(s)) != NULL)
		p->n++;
}

static void ipv6_conf_path(void *arg, const char *dev)
{
	char path[128];
	snprintf(path, sizeof(path), "net/ipv6/conf/%s/disable_ipv6", dev);
	add_path(arg, path);
}

static void get_sys_paths(struct sn_kernel *k, struct sys_paths *p)
{
	p->v = NULL;
	p->n = 0;
	for (size_t i = 0; i < NSYS; i++)
		add_path(p, sys_files[i].path);
	bool w;
	if (!sn_sysctl_net_exists(k, "net/core/somaxconn", &w))
		return; /* no stack of the sandbox's own */
	for (int i = 0; sn_sysctl_net_files[i]; i++)
		add_path(p, sn_sysctl_net_files[i]);
	sn_sysctl_net_foreach_dev(k, ipv6_conf_path, p);
}

static void free_sys_paths(struct sys_paths *p)
{
	for (size_t i = 0; i < p->n; i++)
		free(p->v[i]);
	free(p->v);
}

/* Is `prefix` a directory of /proc/sys (a prefix of some file's path)? */
static bool sys_dir(struct sn_kernel *k, const char *prefix)
{
	size_t n = strlen(prefix);
	if (n == 0)
		return true;
	struct sys_paths p;
	get_sys_paths(k, &p);
	bool found = false;
	for (size_t i = 0; i < p.n && !found; i++)
		found = strncmp(p.v[i], prefix, n) == 0 && p.v[i][n] == '/';
	free_sys_paths(&p);
	return found;
}

static int resolve(struct sn_kernel *k, const char *rel, struct pnode *n)
{
	memset(n, 0, sizeof(*n));
	char buf[256];
	if (strlen(rel) >= sizeof(buf))
		return -ENOENT;
	strcpy(buf, rel);
	char *parts[8] = { 0 };
	int np = 0;
	for (char *s, *tok = strtok_r(buf, "/", &s); tok;
	     tok = strtok_r(NULL, "/", &s)) {
		if (np == 8)
			return -ENOENT;
		parts[np++] = tok;
	}
	if (np == 0) {
		n->kind = PK_ROOT;
		return 0;
	}
	if (strcmp(parts[0], "sys") == 0) {
		const char *sub = rel + 3;
		while (*sub == '/')
			sub++;
		snprintf(n->sys, sizeof(n->sys), "%s", sub);
		for (size_t i = 0; i < NSYS; i++) {
			if (strcmp(sys_files[i].path, n->sys) == 0) {
				n->kind = PK_SYS_FILE;
				return 0;
			}
		}
		bool writable;
		if (sn_sysctl_net_exists(k, n->sys, &writable)) {
			n->kind = PK_SYS_FILE;
			return 0;
		}
		if (sys_dir(k, n->sys)) {
			n->kind = PK_SYS_DIR;
			return 0;
		}
		return -ENOENT;
	}
	if (np == 1 && strcmp(parts[0], "self") == 0) {
		n->kind = PK_SELF;
		return 0;
	}
	if (np == 1 && strcmp(parts[0], "thread-self") == 0) {
		n->kind = PK_THREAD_SELF;
		return 0;
	}
	if (np == 1 && strcmp(parts[0], "net") == 0) {
		n->kind = PK_NET_LINK;
		return 0;
	}
	if (np == 1 && index_of(top_files, parts[0]) >= 0) {
		n->kind = PK_TOP_FILE;
		n->name = top_files[index_of(top_files, parts[0])];
		return 0;
	}
	long pid;
	if (!parse_num(parts[0], &pid))
		return -ENOENT;
	n->proc = sn_proc_by_vpid(k, (pid_t)pid);
	if (n->proc == NULL)
		return -ENOENT;
	if (np == 1) {
		n->kind = PK_PID_DIR;
		return 0;
	}
	int i;
	if (np == 2 && (i = index_of(pid_files, parts[1])) >= 0) {
		n->kind = PK_PID_FILE;
		n->name = pid_files[i];
		return 0;
	}
	if (np == 2 && (i = index_of(pid_links, parts[1])) >= 0) {
		n->kind = PK_PID_LINK;
		n->name = pid_links[i];
		return 0;
	}
	if (strcmp(parts[1], "net") == 0) {
		if (np == 2) {
			n->kind = PK_NET_DIR;
			return 0;
		}
		if (np == 3 &&
		    (i = index_of(sn_procnet_files, parts[2])) >= 0) {
			n->kind = PK_NET_FILE;
			n->name = sn_procnet_files[i];
			return 0;
		}
		return -ENOENT;
	}
	if (strcmp(parts[1], "fd") == 0) {
		if (np == 2) {
			n->kind = PK_FD_DIR;
			return 0;
		}
		long fd;
		if (np != 3 || !parse_num(parts[2], &fd) ||
		    sn_fd_get(n->proc->fdt, (int)fd) == NULL)
			return -ENOENT;
		n->kind = PK_FD_LINK;
		n->fd = (int)fd;
		return 0;
	}
	if (strcmp(parts[1], "task") == 0) {
		if (np == 2) {
			n->kind = PK_TASK_DIR;
			return 0;
		}
		long tid;
		if (!parse_num(parts[2], &tid) ||
		    (n->task = find_thread(n->proc, tid)) == NULL)
			return -ENOENT;
		if (np == 3) {
			n->kind = PK_TID_DIR;
			return 0;
		}
		if (np == 4 && (i = index_of(tid_files, parts[3])) >= 0) {
			n->kind = PK_TID_FILE;
			n->name = tid_files[i];
			return 0;
		}
	}
	return -ENOENT;
}

static mode_t mode_of(const struct pnode *n)
{
	switch (n->kind) {
	case PK_SELF:
	case PK_THREAD_SELF:
	case PK_PID_LINK:
	case PK_FD_LINK:
	case PK_NET_LINK:
		return S_IFLNK | 0777;
	case PK_TOP_FILE:
	case PK_PID_FILE:
	case PK_TID_FILE:
	case PK_NET_FILE:
		return S_IFREG | 0444;
	case PK_SYS_FILE:
		return S_IFREG | 0644;
	default:
		return S_IFDIR | 0555;
	}
}

static int p_lstat(struct sn_fs *fs, struct sn_task *t, const char *rel,
		   struct stat *st)
{
	struct pnode n;
	int r = resolve(t->k, rel, &n);
	if (r < 0)
		return r;
	memset(st, 0, sizeof(*st));
	st->st_dev = fs->dev;
	st->st_mode = mode_of(&n);
	st->st_nlink = S_ISDIR(st->st_mode) ? 2 : 1;
	unsigned h = 5381;
	for (const char *c = rel; *c; c++)
		h = h * 33 + (unsigned char)*c;
	st->st_ino = h | 1;
	if (n.proc) {
		st->st_uid = n.proc->creds.euid;
		st->st_gid = n.proc->creds.egid;
	}
	st->st_blksize = 4096;
	uint64_t boot = t->k->boot_realtime_ns;
	st->st_atim.tv_sec = st->st_mtim.tv_sec = st->st_ctim.tv_sec =
		(time_t)(boot / 1000000000ull);
	return 0;
}

static const char *file_path(struct sn_file *f)
{
	return f->path ? f->path : "anon_inode:[unknown]";
}

static int p_readlink(struct sn_fs *fs, struct sn_task *t, const char *rel,
		      char *buf, size_t len)
{
	(void)fs;
	struct pnode n;
	int r = resolve(t->k, rel, &n);
	if (r < 0)
		return r;
	char tmp[4096];
	switch (n.kind) {
	case PK_SELF:
		snprintf(tmp, sizeof(tmp), "%d", (int)t->proc->vpid);
		break;
	case PK_THREAD_SELF:
		snprintf(tmp, sizeof(tmp), "%d/task/%d", (int)t->proc->vpid,
			 (int)t->vtid);
		break;
	case PK_NET_LINK:
		strcpy(tmp, "self/net");
		break;
	case PK_PID_LINK:
		if (strcmp(n.name, "exe") == 0)
			snprintf(tmp, sizeof(tmp), "%s",
				 n.proc->exe ? n.proc->exe : "/");
		else if (strcmp(n.name, "cwd") == 0)
			snprintf(tmp, sizeof(tmp), "%s",
				 n.proc->fs ? n.proc->fs->cwd : "/");
		else
			strcpy(tmp, "/");
		break;
	case PK_FD_LINK:
		snprintf(tmp, sizeof(tmp), "%s",
			 file_path(sn_fd_get(n.proc->fdt, n.fd)));
		break;
	default:
		return -EINVAL;
	}
	size_t l = strlen(tmp);
	if (l > len)
		l = len;
	memcpy(buf, tmp, l);
	return (int)l;
}

/* ---- content ------------------------------------------------------------ */

struct strbuf {
	char *s;
	size_t len, cap;
};

static void sb_printf(struct strbuf *b, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static void sb_printf(struct strbuf *b, const char *fmt, ...)
{
	for (;;) {
		va_list ap;
		va_start(ap, fmt);
		int n = vsnprintf(b->s ? b->s + b->len : NULL,
				  b->s ? b->cap - b->len : 0, fmt, ap);
		va_end(ap);
		if (n < 0)
			return;
		if (b->s && b->len + (size_t)n < b->cap) {
			b->len += (size_t)n;
			return;
		}
		size_t cap = b->cap ? b->cap * 2 : 4096;
		while (cap < b->len + (size_t)n + 1)
			cap *= 2;
		char *s = realloc(b->s, cap);
		if (s == NULL)
			return;
		b->s = s;
		b->cap = cap;
	}
}

/* Reads a host /proc file of one of the sandbox's own processes. */
static char *host_proc(struct sn_kernel *k, pid_t pid, const char *name)
{
	int fd = sn_host_proc_open(k, pid, name, O_RDONLY);
	if (fd < 0)
		return NULL;
	struct strbuf b = { 0 };
	char chunk[4096];
	ssize_t n;
	while ((n = read(fd, chunk, sizeof(chunk))) > 0)
		sb_printf(&b, "%.*s", (int)n, chunk);
	close(fd);
	return b.s;
}

/* The state letter the application sees for a thread whose host state
 * is host_state. Host threads of the sandbox are ptrace-stopped ('t')
 * while the Sentry holds them: a task parked in an emulated call is
 * asleep for the application, as a Linux thread sleeping in that call
 * ('S'); one the Sentry is servicing right now is running ('R'), as the
 * Linux thread executing the syscall (a thread reading its own stat is
 * one); a job-control stop is 'T'. Any other host state (running in the
 * application, sleeping in a host futex) is already the Linux one. */
static char task_state(struct sn_kernel *k, pid_t tid, char host_state)
{
	if (host_state != 't' && host_state != 'T')
		return host_state;
	const struct sn_task *t = sn_task_find(k, tid);
	if (t == NULL)
		return host_state;
	switch (t->state) {
	case TS_PARKED:
		return 'S';
	case TS_GROUP_STOP:
		return 'T';
	default:
		return 'R';
	}
}

static const char *state_name(char c)
{
	switch (c) {
	case 'R':
		return "R (running)";
	case 'S':
		return "S (sleeping)";
	case 'D':
		return "D (disk sleep)";
	case 'T':
		return "T (stopped)";
	case 't':
		return "t (tracing stop)";
	case 'X':
		return "X (dead)";
	case 'Z':
		return "Z (zombie)";
	case 'P':
		return "P (parked)";
	case 'I':
		return "I (idle)";
	default:
		return NULL;
	}
}

static void gen_stat(struct strbuf *b, struct sn_proc *p, struct sn_task *t)
{
	pid_t host = t ? t->tid : p->pid;
	char *s = host_proc(p->k, host, "stat");
	char *close_paren = s ? strrchr(s, ')') : NULL;
	char *open_paren = s ? strchr(s, '(') : NULL;
	if (!close_paren || !open_paren) {
		free(s);
		return;
	}
	*close_paren = 0;
	/* Fields after comm: state ppid pgrp session tty tpgid rest... */
	char state;
	long host_ppid, pgrp, session;
	int consumed = 0;
	if (sscanf(close_paren + 2, "%c %ld %ld %ld %n", &state, &host_ppid,
		   &pgrp, &session, &consumed) < 4) {
		free(s);
		return;
	}
	(void)host_ppid;
	state = task_state(p->k, host, state);
	pid_t vpgrp = sn_host_to_vpid(p->k, (pid_t)pgrp);
	pid_t vsid = sn_host_to_vpid(p->k, (pid_t)session);
	sb_printf(b, "%d (%s) %c %d %d %d %s", t ? (int)t->vtid : (int)p->vpid,
		  open_paren + 1, state, (int)p->vppid, vpgrp > 0 ? vpgrp : 0,
		  vsid > 0 ? vsid : 0, close_paren + 2 + consumed);
	free(s);
}

static void gen_status(struct strbuf *b, struct sn_proc *p, struct sn_task *t)
{
	pid_t host = t ? t->tid : p->pid;
	char *s = host_proc(p->k, host, "status");
	if (s == NULL)
		return;
	const struct sn_creds *c = &p->creds;
	for (char *save, *line = strtok_r(s, "\n", &save); line;
	     line = strtok_r(NULL, "\n", &save)) {
		if (strncmp(line, "State:\t", 7) == 0 && line[7] &&
		    state_name(task_state(p->k, host, line[7])))
			sb_printf(b, "State:\t%s\n",
				  state_name(task_state(p->k, host, line[7])));
		else if (strncmp(line, "Tgid:", 5) == 0)
			sb_printf(b, "Tgid:\t%d\n", (int)p->vpid);
		else if (strncmp(line, "Pid:", 4) == 0)
			sb_printf(b, "Pid:\t%d\n",
				  t ? (int)t->vtid : (int)p->vpid);
		else if (strncmp(line, "PPid:", 5) == 0)
			sb_printf(b, "PPid:\t%d\n", (int)p->vppid);
		else if (strncmp(line, "TracerPid:", 10) == 0)
			sb_printf(b, "TracerPid:\t0\n");
		else if (strncmp(line, "Uid:", 4) == 0)
			sb_printf(b, "Uid:\t%u\t%u\t%u\t%u\n", c->ruid, c->euid,
				  c->suid, c->fsuid);
		else if (strncmp(line, "Gid:", 4) == 0)
			sb_printf(b, "Gid:\t%u\t%u\t%u\t%u\n", c->rgid, c->egid,
				  c->sgid, c->fsgid);
		else if (strncmp(line, "NStgid:", 7) == 0)
			sb_printf(b, "NStgid:\t%d\n", (int)p->vpid);
		else if (strncmp(line, "NSpid:", 6) == 0)
			sb_printf(b, "NSpid:\t%d\n",
				  t ? (int)t->vtid : (int)p->vpid);
		else if (strncmp(line, "NSpgid:", 7) == 0 ||
			 strncmp(line, "NSsid:", 6) == 0 ||
			 strncmp(line, "Seccomp", 7) == 0 ||
			 strncmp(line, "Cap", 3) == 0 ||
			 strncmp(line, "NoNewPrivs", 10) == 0)
			continue;
		else
			sb_printf(b, "%s\n", line);
	}
	free(s);
	const char *caps =
		c->euid == 0 ? "000001ffffffffff" : "0000000000000000";
	sb_printf(b,
		  "CapInh:\t0000000000000000\nCapPrm:\t%s\nCapEff:\t%s\n"
		  "CapBnd:\t000001ffffffffff\nCapAmb:\t0000000000000000\n",
		  caps, caps);
}

static void gen_mounts(struct strbuf *b, struct sn_kernel *k)
{
	struct rs_list *pos;
	rs_list_for_each(pos, &k->mounts)
	{
		struct sn_mount *m =
			rs_container_of(pos, struct sn_mount, link);
		sb_printf(b, "none %s %s %s 0 0\n", m->path, m->fs->type,
			  m->readonly ? "ro" : "rw");
	}
}

static void gen_top(struct strbuf *b, struct sn_kernel *k, const char *name)
{
	struct sysinfo si;
	if (sysinfo(&si) < 0)
		memset(&si, 0, sizeof(si));
	uint64_t up = sn_now() - k->boot_ns;
	if (strcmp(name, "meminfo") == 0) {
		unsigned long unit = si.mem_unit ? si.mem_unit : 1;
		sb_printf(
			b,
			"MemTotal:       %8lu kB\nMemFree:        %8lu kB\n"
			"MemAvailable:   %8lu kB\nBuffers:        %8lu kB\n"
			"Cached:                0 kB\nSwapTotal:      %8lu kB\n"
			"SwapFree:       %8lu kB\nShmem:          %8lu kB\n",
			si.totalram * unit / 1024, si.freeram * unit / 1024,
			si.freeram * unit / 1024, si.bufferram * unit / 1024,
			si.totalswap * unit / 1024, si.freeswap * unit / 1024,
			si.sharedram * unit / 1024);
	} else if (strcmp(name, "cpuinfo") == 0) {
		sb_printf(b, "%s", k->cpuinfo ? k->cpuinfo : "");
	} else if (strcmp(name, "uptime") == 0) {
		sb_printf(b, "%llu.%02llu 0.00\n",
			  (unsigned long long)(up / 1000000000ull),
			  (unsigned long long)(up / 10000000ull % 100));
	} else if (strcmp(name, "loadavg") == 0) {
		sb_printf(b, "%.2f %.2f %.2f 1/%u %d\n", si.loads[0] / 65536.0,
			  si.loads[1] / 65536.0, si.loads[2] / 65536.0,
			  k->ntasks, 1);
	} else if (strcmp(name, "stat") == 0) {
		long n = sysconf(_SC_NPROCESSORS_ONLN);
		sb_printf(b, "cpu  0 0 0 0 0 0 0 0 0 0\n");
		for (long i = 0; i < n; i++)
			sb_printf(b, "cpu%ld 0 0 0 0 0 0 0 0 0 0\n", i);
		sb_printf(b, "btime %llu\nprocesses %llu\nprocs_running 1\n",
			  (unsigned long long)(k->boot_realtime_ns /
					       1000000000ull),
			  (unsigned long long)k->stats.tasks);
	} else if (strcmp(name, "version") == 0) {
		sb_printf(b, "Linux version 4.4.0 #1 SMP Sun Jan 10 15:06:54 "
			     "PST 2016\n");
	} else if (strcmp(name, "filesystems") == 0) {
		sb_printf(b, "nodev\tproc\nnodev\ttmpfs\nnodev\tdevtmpfs\n"
			     "nodev\t9p\n");
	} else if (strcmp(name, "mounts") == 0) {
		gen_mounts(b, k);
	} else if (strcmp(name, "swaps") == 0) {
		sb_printf(b, "Filename\t\t\t\tType\t\tSize\t\tUsed\t\t"
			     "Priority\n");
	}
}

static void gen_uuid(struct strbuf *b)
{
	unsigned char u[16];
	if (getentropy(u, sizeof(u)) < 0)
		memset(u, 0, sizeof(u));
	u[6] = (u[6] & 0x0f) | 0x40;
	u[8] = (u[8] & 0x3f) | 0x80;
	sb_printf(b,
		  "%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-"
		  "%02x%02x%02x%02x%02x%02x\n",
		  u[0], u[1], u[2], u[3], u[4], u[5], u[6], u[7], u[8], u[9],
		  u[10], u[11], u[12], u[13], u[14], u[15]);
}

static void gen_pid_file(struct strbuf *b, struct sn_kernel *k,
			 struct sn_proc *p, struct sn_task *t, const char *name)
{
	if (strcmp(name, "stat") == 0) {
		gen_stat(b, p, t);
	} else if (strcmp(name, "status") == 0) {
		gen_status(b, p, t);
	} else if (strcmp(name, "cmdline") == 0) {
		if (p->cmdline)
			for (size_t i = 0; i < p->cmdline_len; i++)
				sb_printf(b, "%c", p->cmdline[i]);
		if (b->s == NULL)
			sb_printf(b, "%s", "");
	} else if (strcmp(name, "comm") == 0 || strcmp(name, "statm") == 0 ||
		   strcmp(name, "maps") == 0 || strcmp(name, "limits") == 0) {
		char *s = host_proc(k, t ? t->tid : p->pid, name);
		sb_printf(b, "%s", s ? s : "");
		free(s);
	} else if (strcmp(name, "mounts") == 0) {
		gen_mounts(b, k);
	} else if (strcmp(name, "mountinfo") == 0) {
		int id = 1;
		struct rs_list *pos;
		rs_list_for_each(pos, &k->mounts)
		{
			struct sn_mount *m =
				rs_container_of(pos, struct sn_mount, link);
			sb_printf(b, "%d 1 0:%d / %s %s - %s none %s\n", id++,
				  (int)m->fs->dev, m->path,
				  m->readonly ? "ro" : "rw", m->fs->type,
				  m->readonly ? "ro" : "rw");
		}
	} else if (strcmp(name, "oom_score_adj") == 0) {
		sb_printf(b, "0\n");
	} else {
		sb_printf(b, "%s", ""); /* environ: not exposed */
	}
}

/* The Sentry's /proc has a fixed set of names: Linux's proc lookup answers
 * ENOENT for a name it does not know, so creating one (mkdir, mknod,
 * symlink, link, O_CREAT, a rename target) fails with ENOENT there
 * (fs/proc/root.c proc_root_lookup). */
static int p_no_such_name(void)
{
	return -ENOENT;
}

static int p_open(struct sn_fs *fs, struct sn_task *t, const char *rel,
		  int flags, mode_t mode, struct sn_file **out);
static int open_fd_link(struct sn_task *t, const struct pnode *n, int flags,
			struct sn_file **out);

static int p_open_file(struct sn_task *t, const struct pnode *n,
		       struct sn_file **out)
{
	struct strbuf b = { 0 };
	switch (n->kind) {
	case PK_TOP_FILE:
		gen_top(&b, t->k, n->name);
		break;
	case PK_PID_FILE:
		gen_pid_file(&b, t->k, n->proc, NULL, n->name);
		break;
	case PK_TID_FILE:
		gen_pid_file(&b, t->k, n->proc, n->task, n->name);
		break;
	case PK_NET_FILE: {
		char *data;
		size_t len;
		int r = sn_procnet_read(t->k, n->name, &data, &len);
		if (r < 0)
			return r;
		*out = sn_memfile_new(t->k, data, len, NULL);
		return *out ? 0 : -ENOMEM;
	}
	case PK_SYS_FILE:
		if (strncmp(n->sys, "net/", 4) == 0) {
			char *data;
			size_t len;
			int r = sn_sysctl_net_read(t->k, n->sys, &data, &len);
			if (r < 0)
				return r;
			b.s = data;
			b.len = len;
		} else if (strcmp(n->sys, "kernel/hostname") == 0) {
			sb_printf(&b, "%s\n", t->k->hostname);
		} else if (strcmp(n->sys, "kernel/domainname") == 0) {
			sb_printf(&b, "%s\n", t->k->domainname);
		} else if (strncmp(n->sys, "kernel/random/", 14) == 0) {
			gen_uuid(&b);
		} else {
			for (size_t i = 0; i < NSYS; i++)
				if (strcmp(sys_files[i].path, n->sys) == 0)
					sb_printf(&b, "%s", sys_files[i].value);
		}
		break;
	default:
		return -EINVAL;
	}
	if (b.s == NULL)
		sb_printf(&b, "%s", "");
	*out = sn_memfile_new(t->k, b.s, b.len, NULL);
	return *out ? 0 : -ENOMEM;
}

/* ---- writable /proc/sys/net files ------------------------------------------ */

/* A sysctl the sandbox's stack keeps, opened for writing: reads show the
 * value when it was opened, each write is parsed as a whole (Linux's
 * proc_dointvec family) and changes the stack at once. */
struct sysfile {
	char *rel;
	char *data;
	size_t len;
};

static ssize_t sysfile_read(struct sn_file *f, struct sn_task *t, void *buf,
			    size_t len, int64_t *off)
{
	(void)t;
	struct sysfile *s = f->priv;
	if (*off < 0 || (uint64_t)*off >= s->len)
		return 0;
	size_t n = s->len - (size_t)*off;
	if (n > len)
		n = len;
	memcpy(buf, s->data + *off, n);
	*off += (int64_t)n;
	return (ssize_t)n;
}

static ssize_t sysfile_write(struct sn_file *f, struct sn_task *t,
			     const void *buf, size_t len, int64_t *off)
{
	struct sysfile *s = f->priv;
	ssize_t r = sn_sysctl_net_write(t, s->rel, buf, len);
	if (r > 0)
		*off += r;
	return r;
}

static uint32_t sysfile_poll(struct sn_file *f)
{
	(void)f;
	return 0x1 | 0x4; /* POLLIN | POLLOUT */
}

static int sysfile_stat(struct sn_file *f, struct stat *st)
{
	sn_file_generic_stat(f, st, S_IFREG | 0644);
	st->st_dev = 0x4;
	return 0;
}

static void sysfile_release(struct sn_file *f)
{
	struct sysfile *s = f->priv;
	free(s->rel);
	free(s->data);
	free(s);
}

static const struct sn_file_ops sysfile_ops = {
	.kind = "procfs-sysctl",
	.read = sysfile_read,
	.write = sysfile_write,
	.poll = sysfile_poll,
	.stat = sysfile_stat,
	.release = sysfile_release,
};

/* Opens a /proc/sys/net file for writing: only a setting the stack can
 * change, and only for a task with CAP_NET_ADMIN (the files are root's,
 * mode 0644, as on Linux). */
static int open_sysctl_write(struct sn_task *t, const struct pnode *n,
			     int flags, struct sn_file **out)
{
	bool writable = false;
	if (n->kind != PK_SYS_FILE ||
	    !sn_sysctl_net_exists(t->k, n->sys, &writable) || !writable ||
	    !sn_task_capable(t, 12 /* CAP_NET_ADMIN */))
		return -EACCES;
	struct sysfile *s = calloc(1, sizeof(*s));
	if (s == NULL || (s->rel = strdup(n->sys)) == NULL) {
		free(s);
		return -ENOMEM;
	}
	if (sn_sysctl_net_read(t->k, n->sys, &s->data, &s->len) < 0) {
		s->data = NULL;
		s->len = 0;
	}
	*out = sn_file_new(t->k, &sysfile_ops, flags & ~(O_CREAT | O_TRUNC), s);
	if (*out == NULL) {
		sysfile_release(&(struct sn_file){ .priv = s });
		return -ENOMEM;
	}
	return 0;
}

/* ---- directories -------------------------------------------------------- */

struct pdir {
	char *rel;
	struct stat st; /* as lstat reports it, so fstat agrees */
};

struct dirents {
	char *buf;
	size_t len, used;
	int64_t idx;
	int64_t start;
	bool full;
};

static void emit(struct dirents *d, const char *name, unsigned char type)
{
	int64_t idx = d->idx++;
	if (idx < d->start || d->full)
		return;
	size_t nl = strlen(name);
	size_t reclen = (19 + nl + 1 + 7) & ~(size_t)7;
	if (d->used + reclen > d->len) {
		d->full = true;
		d->idx = idx;
		return;
	}
	char *p = d->buf + d->used;
	memset(p, 0, reclen);
	uint64_t ino = (uint64_t)idx + 2;
	int64_t next = idx + 1;
	uint16_t rl = (uint16_t)reclen;
	memcpy(p, &ino, 8);
	memcpy(p + 8, &next, 8);
	memcpy(p + 16, &rl, 2);
	p[18] = (char)type;
	memcpy(p + 19, name, nl);
	d->used += reclen;
}

static ssize_t pdir_getdents(struct sn_file *f, struct sn_task *t, void *buf,
			     size_t len)
{
	struct pdir *pd = f->priv;
	struct pnode n;
	if (resolve(t->k, pd->rel, &n) < 0)
		return -ENOENT;
	struct dirents d = { .buf = buf, .len = len, .start = f->pos };
	emit(&d, ".", DT_DIR);
	emit(&d, "..", DT_DIR);
	char name[64];
	struct rs_list *pos;
	switch (n.kind) {
	case PK_ROOT:
		emit(&d, "self", DT_LNK);
		emit(&d, "thread-self", DT_LNK);
		emit(&d, "net", DT_LNK);
		emit(&d, "sys", DT_DIR);
		for (int i = 0; top_files[i]; i++)
			emit(&d, top_files[i], DT_REG);
		rs_list_for_each(pos, &t->k->procs)
		{
			struct sn_proc *p =
				rs_container_of(pos, struct sn_proc, link);
			if (p->exited)
				continue;
			snprintf(name, sizeof(name), "%d", (int)p->vpid);
			emit(&d, name, DT_DIR);
		}
		break;
	case PK_PID_DIR:
		for (int i = 0; pid_files[i]; i++)
			emit(&d, pid_files[i], DT_REG);
		for (int i = 0; pid_links[i]; i++)
			emit(&d, pid_links[i], DT_LNK);
		emit(&d, "fd", DT_DIR);
		emit(&d, "task", DT_DIR);
		emit(&d, "net", DT_DIR);
		break;
	case PK_NET_DIR:
		for (int i = 0; sn_procnet_files[i]; i++)
			emit(&d, sn_procnet_files[i], DT_REG);
		break;
	case PK_FD_DIR:
		for (int i = 0; n.proc->fdt && i < n.proc->fdt->cap; i++) {
			if (n.proc->fdt->fds[i].file == NULL)
				continue;
			snprintf(name, sizeof(name), "%d", i);
			emit(&d, name, DT_LNK);
		}
		break;
	case PK_TASK_DIR:
		rs_list_for_each(pos, &n.proc->threads)
		{
			struct sn_task *th = rs_container_of(
				pos, struct sn_task, thread_link);
			snprintf(name, sizeof(name), "%d", (int)th->vtid);
			emit(&d, name, DT_DIR);
		}
		break;
	case PK_TID_DIR:
		for (int i = 0; tid_files[i]; i++)
			emit(&d, tid_files[i], DT_REG);
		break;
	case PK_SYS_DIR: {
		/* Children of this /proc/sys directory, each once. */
		size_t pl = strlen(n.sys);
		struct sys_paths sp;
		get_sys_paths(t->k, &sp);
		for (size_t i = 0; i < sp.n; i++) {
			const char *p = sp.v[i];
			if (pl && (strncmp(p, n.sys, pl) || p[pl] != '/'))
				continue;
			const char *child = p + (pl ? pl + 1 : 0);
			const char *slash = strchr(child, '/');
			size_t cl =
				slash ? (size_t)(slash - child) : strlen(child);
			bool seen = false;
			for (size_t j = 0; j < i && !seen; j++) {
				const char *q = sp.v[j];
				if (pl &&
				    (strncmp(q, n.sys, pl) || q[pl] != '/'))
					continue;
				const char *qc = q + (pl ? pl + 1 : 0);
				seen = strncmp(qc, child, cl) == 0 &&
				       (qc[cl] == '/' || qc[cl] == 0);
			}
			if (seen)
				continue;
			snprintf(name, sizeof(name), "%.*s", (int)cl, child);
			emit(&d, name, slash ? DT_DIR : DT_REG);
		}
		free_sys_paths(&sp);
		break;
	}
	default:
		return -ENOTDIR;
	}
	if (d.used == 0 && d.full)
		return -EINVAL;
	f->pos = d.full ? d.idx : d.idx;
	return (ssize_t)d.used;
}

static ssize_t pdir_read(struct sn_file *f, struct sn_task *t, void *buf,
			 size_t len, int64_t *off)
{
	(void)f, (void)t, (void)buf, (void)len, (void)off;
	return -EISDIR;
}

static uint32_t pdir_poll(struct sn_file *f)
{
	(void)f;
	return 0x1;
}

static int pdir_stat(struct sn_file *f, struct stat *st)
{
	*st = ((struct pdir *)f->priv)->st;
	return 0;
}

static void pdir_release(struct sn_file *f)
{
	struct pdir *pd = f->priv;
	free(pd->rel);
	free(pd);
}

static const struct sn_file_ops pdir_ops = {
	.kind = "procfs-dir",
	.read = pdir_read,
	.poll = pdir_poll,
	.stat = pdir_stat,
	.getdents = pdir_getdents,
	.release = pdir_release,
};

static int p_open(struct sn_fs *fs, struct sn_task *t, const char *rel,
		  int flags, mode_t mode, struct sn_file **out)
{
	(void)mode;
	struct pnode n;
	int r = resolve(t->k, rel, &n);
	if (r < 0)
		return (flags & O_CREAT) ? p_no_such_name() : r;
	if (n.kind == PK_FD_LINK)
		return open_fd_link(t, &n, flags, out);
	if ((flags & O_ACCMODE) != O_RDONLY)
		return open_sysctl_write(t, &n, flags, out);
	if (S_ISDIR(mode_of(&n))) {
		struct pdir *pd = calloc(1, sizeof(*pd));
		if (pd == NULL || (pd->rel = strdup(rel)) == NULL) {
			free(pd);
			return -ENOMEM;
		}
		p_lstat(fs, t, rel, &pd->st);
		*out = sn_file_new(t->k, &pdir_ops, flags & ~O_CREAT, pd);
		if (*out == NULL) {
			free(pd->rel);
			free(pd);
			return -ENOMEM;
		}
		return 0;
	}
	return p_open_file(t, &n, out);
}

/* Opening /proc/<pid>/fd/N reopens that file: a file with a path is
 * opened again by it (with the new flags), as Linux's magic links do;
 * anything else (a pipe, a socket, the bridged stdio) gives its file
 * description again when it was opened for the access asked for (Linux
 * opens a new description of the same object; only the access mode can
 * tell them apart here). /dev/stdout and /dev/stderr lead here. */
static int open_fd_link(struct sn_task *t, const struct pnode *n, int flags,
			struct sn_file **out)
{
	struct sn_file *f = sn_fd_get(n->proc->fdt, n->fd);
	if (f == NULL)
		return -ENOENT;
	if (f->path && f->path[0] == '/') {
		struct sn_path p;
		int r = sn_path_lookup_at(t, "/", f->path, SN_LOOKUP_FOLLOW,
					  &p);
		if (r == 0) {
			r = sn_vfs_open(t, &p, flags, 0, out);
			sn_path_free(&p);
		}
		return r;
	}
	int want = flags & O_ACCMODE, have = f->flags & O_ACCMODE;
	if ((want != O_WRONLY && have == O_WRONLY) ||
	    (want != O_RDONLY && have == O_RDONLY))
		return -EACCES;
	*out = sn_file_get(f);
	return 0;
}

static int p_statfs(struct sn_fs *fs, struct sn_task *t, const char *rel,
		    struct statfs *st)
{
	(void)fs, (void)t, (void)rel;
	memset(st, 0, sizeof(*st));
	st->f_type = 0x9fa0; /* PROC_SUPER_MAGIC */
	st->f_bsize = 4096;
	st->f_namelen = 255;
	return 0;
}

static int p_mkdir(struct sn_fs *fs, struct sn_task *t, const char *rel,
		   mode_t mode)
{
	(void)fs, (void)t, (void)rel, (void)mode;
	return p_no_such_name();
}

static int p_mknod(struct sn_fs *fs, struct sn_task *t, const char *rel,
		   mode_t mode, dev_t dev)
{
	(void)fs, (void)t, (void)rel, (void)mode, (void)dev;
	return p_no_such_name();
}

static int p_symlink(struct sn_fs *fs, struct sn_task *t, const char *target,
		     const char *rel)
{
	(void)fs, (void)t, (void)target, (void)rel;
	return p_no_such_name();
}

static int p_link(struct sn_fs *fs, struct sn_task *t, const char *from,
		  const char *to)
{
	(void)fs, (void)t, (void)from, (void)to;
	return p_no_such_name();
}

/* Proc directories have no rename operation: EPERM (vfs_rename) once
 * both names resolve. */
static int p_rename(struct sn_fs *fs, struct sn_task *t, const char *from,
		    const char *to)
{
	(void)fs, (void)from;
	struct pnode n;
	return resolve(t->k, to, &n) < 0 ? p_no_such_name() : -EPERM;
}

/* Removing a proc entry is refused (proc_pid_unlink-less directories). */
static int p_path_op(struct sn_fs *fs, struct sn_task *t, const char *rel)
{
	(void)fs, (void)t, (void)rel;
	return -EPERM;
}

/* Modes and owners of proc entries are computed, not stored: a change is
 * refused as proc_setattr refuses ATTR_MODE. */
static int p_chmod(struct sn_fs *fs, struct sn_task *t, const char *rel,
		   mode_t mode)
{
	(void)fs, (void)t, (void)rel, (void)mode;
	return -EPERM;
}

static int p_chown(struct sn_fs *fs, struct sn_task *t, const char *rel,
		   uid_t uid, gid_t gid)
{
	(void)fs, (void)t, (void)rel, (void)uid, (void)gid;
	return -EPERM;
}

/* Truncating or touching a proc file has no lasting effect on Linux (the
 * content is generated on read; the inode's times are not kept): the
 * caller has passed the permission checks, so both succeed. */
static int p_truncate(struct sn_fs *fs, struct sn_task *t, const char *rel,
		      uint64_t len)
{
	(void)fs, (void)len;
	struct pnode n;
	return resolve(t->k, rel, &n);
}

static int p_utimens(struct sn_fs *fs, struct sn_task *t, const char *rel,
		     const struct timespec ts[2])
{
	(void)fs, (void)ts;
	struct pnode n;
	return resolve(t->k, rel, &n);
}

static void p_destroy(struct sn_fs *fs)
{
	free(fs);
}

static const struct sn_fs_ops procfs_ops = {
	.lstat = p_lstat,
	.readlink = p_readlink,
	.open = p_open,
	.mkdir = p_mkdir,
	.mknod = p_mknod,
	.unlink = p_path_op,
	.rmdir = p_path_op,
	.rename = p_rename,
	.link = p_link,
	.symlink = p_symlink,
	.chmod = p_chmod,
	.chown = p_chown,
	.truncate = p_truncate,
	.utimens = p_utimens,
	.statfs = p_statfs,
	.destroy = p_destroy,
};

struct sn_fs *sn_procfs_new(struct sn_kernel *k)
{
	struct sn_fs *fs = calloc(1, sizeof(*fs));
	if (fs == NULL)
		return NULL;
	*fs = (struct sn_fs){ .ops = &procfs_ops,
			      .type = "proc",
			      .dev = k->next_dev++ };
	return fs;
}
