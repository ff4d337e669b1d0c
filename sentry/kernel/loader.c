/* The ELF loader and the stub image (see exec.h for the scheme). */
#include <errno.h>
#include <fcntl.h>
#include <linux/auxvec.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/random.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "fs/fs.h"
#include "kernel/exec.h"
#include "kernel/ptimer.h"
#include "runsc/log.h"

#define PAGE	     4096ull
#define PAGE_DOWN(x) ((x) & ~(PAGE - 1))
#define PAGE_UP(x)   (((x) + PAGE - 1) & ~(PAGE - 1))
#define MAX_PHNUM    64
#define MAX_SHEBANG  5 /* nested interpreters, as Linux's BINPRM_MAX_RECURSION */
/* Where PIE executables go, as Linux's ELF_ET_DYN_BASE on x86-64. */
#define ET_DYN_BASE 0x555555554000ull

static ssize_t pread_full(struct sn_task *t, struct sn_file *f, void *buf,
			  size_t len, uint64_t off)
{
	size_t got = 0;
	while (got < len) {
		int64_t o = (int64_t)(off + got);
		ssize_t n =
			f->ops->read(f, t, (char *)buf + got, len - got, &o);
		if (n < 0)
			return n;
		if (n == 0)
			break;
		got += (size_t)n;
	}
	return (ssize_t)got;
}

static void elf_clear(struct sn_elf *e)
{
	sn_file_put(e->file);
	free(e->ph);
	memset(e, 0, sizeof(*e));
}

static void strv_free(char **v)
{
	if (v == NULL)
		return;
	for (char **p = v; *p; p++)
		free(*p);
	free(v);
}

void sn_exec_image_free(struct sn_exec_image *img)
{
	if (img == NULL)
		return;
	elf_clear(&img->main);
	elf_clear(&img->interp);
	free(img->path);
	free(img->execfn);
	strv_free(img->argv);
	strv_free(img->envp);
	free(img);
}

static char **strv_dup(char *const *v, int *count)
{
	int n = 0;
	while (v && v[n])
		n++;
	char **out = calloc((size_t)n + 1, sizeof(char *));
	if (out == NULL)
		return NULL;
	for (int i = 0; i < n; i++) {
		if ((out[i] = strdup(v[i])) == NULL) {
			strv_free(out);
			return NULL;
		}
	}
	*count = n;
	return out;
}

/* Opens an executable for t: a regular file with an x bit the task may
 * use (execve(2) EACCES rules). */
static int open_exec(struct sn_task *t, const char *path, struct sn_file **f,
		     char **abs)
{
	struct sn_path p;
	int r = sn_path_lookup(t, AT_FDCWD, path, SN_LOOKUP_FOLLOW, &p);
	if (r < 0)
		return r;
	if (!S_ISREG(p.st.st_mode))
		r = -EACCES;
	if (r == 0)
		r = sn_vfs_permission(t, &p.st, X_OK);
	if (r == 0)
		r = sn_vfs_open(t, &p, O_RDONLY, 0, f);
	if (r == 0 && abs)
		*abs = sn_path_steal(&p);
	sn_path_free(&p);
	return r;
}

static int read_elf(struct sn_task *t, struct sn_elf *e, const void *head,
		    size_t headlen)
{
	if (headlen < sizeof(Elf64_Ehdr))
		return -ENOEXEC;
	memcpy(&e->eh, head, sizeof(e->eh));
	const Elf64_Ehdr *h = &e->eh;
	if (memcmp(h->e_ident, ELFMAG, SELFMAG) != 0 ||
	    h->e_ident[EI_CLASS] != ELFCLASS64 ||
	    h->e_ident[EI_DATA] != ELFDATA2LSB || h->e_machine != EM_X86_64 ||
	    (h->e_type != ET_EXEC && h->e_type != ET_DYN))
		return -ENOEXEC;
	if (h->e_phentsize != sizeof(Elf64_Phdr) || h->e_phnum == 0 ||
	    h->e_phnum > MAX_PHNUM)
		return -ENOEXEC;
	size_t sz = (size_t)h->e_phnum * sizeof(Elf64_Phdr);
	e->ph = malloc(sz);
	if (e->ph == NULL)
		return -ENOMEM;
	ssize_t n = pread_full(t, e->file, e->ph, sz, h->e_phoff);
	if (n != (ssize_t)sz)
		return -ENOEXEC;
	bool any_load = false;
	for (int i = 0; i < h->e_phnum; i++) {
		const Elf64_Phdr *p = &e->ph[i];
		if (p->p_type != PT_LOAD)
			continue;
		any_load = true;
		if (p->p_filesz > p->p_memsz ||
		    (p->p_vaddr % PAGE) != (p->p_offset % PAGE) ||
		    p->p_vaddr + p->p_memsz < p->p_vaddr ||
		    p->p_vaddr + p->p_memsz > 0x7ff000000000ull)
			return -ENOEXEC;
	}
	return any_load ? 0 : -ENOEXEC;
}

/* Parses "#!interp [arg]\n" (binfmt_script: one optional argument, the
 * rest of the line). */
static int parse_shebang(char *head, size_t len, char **interp, char **arg)
{
	head[len < 255 ? len : 255] = 0;
	char *p = head + 2;
	char *nl = strchr(p, '\n');
	if (nl)
		*nl = 0;
	while (*p == ' ' || *p == '\t')
		p++;
	if (*p == 0)
		return -ENOEXEC;
	char *end = p;
	while (*end && *end != ' ' && *end != '\t')
		end++;
	char *rest = end;
	if (*rest)
		*rest++ = 0;
	while (*rest == ' ' || *rest == '\t')
		rest++;
	size_t rl = strlen(rest);
	while (rl > 0 && (rest[rl - 1] == ' ' || rest[rl - 1] == '\t'))
		rest[--rl] = 0;
	*interp = strdup(p);
	*arg = rl ? strdup(rest) : NULL;
	return *interp ? 0 : -ENOMEM;
}

static int args_size(char **v)
{
	size_t n = 0;
	for (; v && *v; v++)
		n += strlen(*v) + 1 + sizeof(char *);
	return n > SN_EXEC_ARGS_MAX ? -E2BIG : (int)n;
}

int sn_exec_prepare(struct sn_task *t, const char *path, char *const *argv,
		    char *const *envp, struct sn_exec_image **out)
{
	struct sn_exec_image *img = calloc(1, sizeof(*img));
	if (img == NULL)
		return -ENOMEM;
	int r = -ENOMEM;
	img->execfn = strdup(path);
	img->argv = strv_dup(argv, &img->argc);
	img->envp = strv_dup(envp, &img->envc);
	char *cur = strdup(path);
	if (!img->execfn || !img->argv || !img->envp || !cur)
		goto fail;
	for (int depth = 0;; depth++) {
		char head[256];
		struct sn_file *f = NULL;
		char *abs = NULL;
		if ((r = open_exec(t, cur, &f, &abs)) < 0)
			goto fail;
		ssize_t n = pread_full(t, f, head, sizeof(head) - 1, 0);
		if (n < 0) {
			r = (int)n;
			sn_file_put(f);
			free(abs);
			goto fail;
		}
		if (n >= 2 && head[0] == '#' && head[1] == '!') {
			sn_file_put(f);
			free(abs);
			char *interp, *arg;
			if (depth >= MAX_SHEBANG) {
				r = -ELOOP;
				goto fail;
			}
			if ((r = parse_shebang(head, (size_t)n, &interp,
					       &arg)) < 0)
				goto fail;
			/* argv becomes interp [arg] script argv[1..]. */
			int extra = arg ? 2 : 1;
			int argc = img->argc > 0 ? img->argc - 1 : 0;
			char **nv = calloc((size_t)(argc + extra + 2),
					   sizeof(char *));
			if (nv == NULL) {
				free(interp);
				free(arg);
				r = -ENOMEM;
				goto fail;
			}
			int k = 0;
			nv[k++] = strdup(interp);
			if (arg)
				nv[k++] = arg;
			nv[k++] = cur;
			for (int i = 1; i < img->argc; i++)
				nv[k++] = img->argv[i];
			if (img->argc > 0)
				free(img->argv[0]);
			free(img->argv);
			img->argv = nv;
			img->argc = k;
			cur = interp;
			continue;
		}
		img->main.file = f;
		img->path = abs;
		if ((r = read_elf(t, &img->main, head, (size_t)n)) < 0)
			goto fail;
		break;
	}
	for (int i = 0; i < img->main.eh.e_phnum; i++) {
		const Elf64_Phdr *p = &img->main.ph[i];
		if (p->p_type != PT_INTERP)
			continue;
		char ipath[4096];
		if (p->p_filesz < 2 || p->p_filesz > sizeof(ipath)) {
			r = -ENOEXEC;
			goto fail;
		}
		if (pread_full(t, img->main.file, ipath, p->p_filesz,
			       p->p_offset) != (ssize_t)p->p_filesz ||
		    ipath[p->p_filesz - 1] != 0) {
			r = -ENOEXEC;
			goto fail;
		}
		if ((r = open_exec(t, ipath, &img->interp.file, NULL)) < 0) {
			r = r == -EACCES ? -EACCES : -ENOENT;
			goto fail;
		}
		char head[sizeof(Elf64_Ehdr)];
		if (pread_full(t, img->interp.file, head, sizeof(head), 0) !=
		    (ssize_t)sizeof(head)) {
			r = -ELIBBAD;
			goto fail;
		}
		if ((r = read_elf(t, &img->interp, head, sizeof(head))) < 0) {
			r = -ELIBBAD;
			goto fail;
		}
		img->has_interp = true;
		break;
	}
	int a = args_size(img->argv), e = args_size(img->envp);
	if (a < 0 || e < 0 || a + e > SN_EXEC_ARGS_MAX) {
		r = -E2BIG;
		goto fail;
	}
	free(cur);
	*out = img;
	return 0;
fail:
	free(cur);
	sn_exec_image_free(img);
	return r;
}

enum sn_action sn_exec_start(struct sn_task *t, struct sn_exec_image *img)
{
	/* Below the red zone of the current stack: the stub's path and an
	 * argv/envp of one and zero entries. */
	uint64_t at = (t->regs.rsp - 128 - 64) & ~15ull;
	char block[16 + sizeof(SN_STUB_PATH)];
	uint64_t ptrs[2] = { at + 16, 0 };
	memcpy(block, ptrs, 16);
	memcpy(block + 16, SN_STUB_PATH, sizeof(SN_STUB_PATH));
	int r = sn_copy_out(t, at, block, sizeof(block));
	if (r < 0) {
		sn_exec_image_free(img);
		t->sc.ret = r;
		return SN_DONE;
	}
	t->regs.orig_rax = SYS_execve;
	t->regs.rdi = at + 16;
	t->regs.rsi = at;
	t->regs.rdx = at + 8;
	t->sc.regs_dirty = true;
	sn_exec_image_free(t->exec);
	t->exec = img;
	return SN_PASS;
}

/* ---- loading at the exec stop ------------------------------------------- */

static bool is_err(long v)
{
	return (unsigned long)v > -4096ul;
}

static int prot_of(uint32_t flags)
{
	return ((flags & PF_R) ? PROT_READ : 0) |
	       ((flags & PF_W) ? PROT_WRITE : 0) |
	       ((flags & PF_X) ? PROT_EXEC : 0);
}

static int copy_file(struct sn_task *t, struct sn_file *f, uint64_t off,
		     uint64_t len, uint64_t dest)
{
	size_t cap = 256 * 1024;
	char *buf = malloc(cap);
	if (buf == NULL)
		return -ENOMEM;
	int r = 0;
	while (len > 0) {
		size_t n = len > cap ? cap : (size_t)len;
		ssize_t got = pread_full(t, f, buf, n, off);
		if (got < 0) {
			r = (int)got;
			break;
		}
		if (got == 0)
			break; /* a file shorter than p_filesz: rest stays 0 */
		if ((r = sn_mem_poke(t->proc, dest, buf, (size_t)got)) < 0)
			break;
		off += (uint64_t)got;
		dest += (uint64_t)got;
		len -= (uint64_t)got;
	}
	free(buf);
	return r;
}

static int map_elf(struct sn_task *t, struct sn_elf *e, bool interp,
		   uint64_t *bias_out)
{
	uint64_t lo = UINT64_MAX, hi = 0;
	for (int i = 0; i < e->eh.e_phnum; i++) {
		const Elf64_Phdr *p = &e->ph[i];
		if (p->p_type != PT_LOAD)
			continue;
		if (PAGE_DOWN(p->p_vaddr) < lo)
			lo = PAGE_DOWN(p->p_vaddr);
		if (PAGE_UP(p->p_vaddr + p->p_memsz) > hi)
			hi = PAGE_UP(p->p_vaddr + p->p_memsz);
	}
	uint64_t bias = 0;
	if (e->eh.e_type == ET_DYN) {
		uint64_t hint = 0;
		if (!interp) {
			uint32_t rnd = 0;
			getrandom(&rnd, sizeof(rnd), 0);
			hint = ET_DYN_BASE + (uint64_t)(rnd & 0xffff) * PAGE;
		}
		long base =
			sn_inject(t, SYS_mmap, hint, hi - lo, PROT_NONE,
				  MAP_PRIVATE | MAP_ANONYMOUS, (uint64_t)-1, 0);
		if (is_err(base))
			return (int)base;
		bias = (uint64_t)base - lo;
	}
	for (int i = 0; i < e->eh.e_phnum; i++) {
		const Elf64_Phdr *p = &e->ph[i];
		if (p->p_type != PT_LOAD || p->p_memsz == 0)
			continue;
		uint64_t start = bias + PAGE_DOWN(p->p_vaddr);
		uint64_t end = PAGE_UP(bias + p->p_vaddr + p->p_memsz);
		long m = sn_inject(t, SYS_mmap, start, end - start,
				   (uint64_t)prot_of(p->p_flags),
				   MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED,
				   (uint64_t)-1, 0);
		if (is_err(m))
			return (int)m;
		if ((uint64_t)m != start)
			return -ENOMEM;
		/* Like Linux, the whole first page comes from the file, so
		 * the ELF and program headers are visible (AT_PHDR). */
		uint64_t head = p->p_vaddr % PAGE;
		int r = copy_file(t, e->file, p->p_offset - head,
				  p->p_filesz + head, start);
		if (r < 0)
			return r;
	}
	*bias_out = bias;
	return 0;
}

static uint64_t phdr_addr(const struct sn_elf *e, uint64_t bias)
{
	for (int i = 0; i < e->eh.e_phnum; i++)
		if (e->ph[i].p_type == PT_PHDR)
			return bias + e->ph[i].p_vaddr;
	for (int i = 0; i < e->eh.e_phnum; i++) {
		const Elf64_Phdr *p = &e->ph[i];
		if (p->p_type == PT_LOAD && p->p_offset <= e->eh.e_phoff &&
		    e->eh.e_phoff < p->p_offset + p->p_filesz)
			return bias + p->p_vaddr +
			       (e->eh.e_phoff - p->p_offset);
	}
	return 0;
}

/* The stub's own auxv, for what the host kernel knows best (vDSO,
 * hardware capabilities, signal stack size). */
static void host_auxv(struct sn_kernel *k, pid_t pid, uint64_t vals[64])
{
	int fd = sn_host_proc_open(k, pid, "auxv", O_RDONLY);
	if (fd < 0)
		return;
	uint64_t av[128];
	ssize_t n = read(fd, av, sizeof(av));
	close(fd);
	for (ssize_t i = 0; i + 1 < n / 8; i += 2)
		if (av[i] < 64)
			vals[av[i]] = av[i + 1];
}

struct stackbuf {
	char *buf;
	uint64_t top; /* application address of buf's end */
	size_t used;  /* bytes used, growing down from the end */
	size_t cap;
};

static uint64_t push_bytes(struct stackbuf *s, const void *p, size_t n)
{
	s->used += n;
	memcpy(s->buf + s->cap - s->used, p, n);
	return s->top - s->used;
}

/* Writes argc, argv, envp and the strings below top and returns the
 * index (in words from *sp_out) where the caller writes auxv, which has
 * room for nauxv pairs. */
static int build_stack(struct sn_task *t, struct sn_exec_image *img,
		       uint64_t top, int nauxv, uint64_t *sp_out,
		       uint64_t *random_at, uint64_t *execfn_at,
		       uint64_t *platform_at, uint64_t *argv_at,
		       uint64_t *envp_at)
{
	struct stackbuf s = { .top = top, .cap = SN_EXEC_ARGS_MAX + 16384 };
	s.buf = calloc(1, s.cap);
	if (s.buf == NULL)
		return -ENOMEM;
	for (int i = img->envc - 1; i >= 0; i--)
		envp_at[i] =
			push_bytes(&s, img->envp[i], strlen(img->envp[i]) + 1);
	for (int i = img->argc - 1; i >= 0; i--)
		argv_at[i] =
			push_bytes(&s, img->argv[i], strlen(img->argv[i]) + 1);
	*execfn_at = push_bytes(&s, img->execfn, strlen(img->execfn) + 1);
	*platform_at = push_bytes(&s, "x86_64", 7);
	uint8_t rnd[16];
	getrandom(rnd, sizeof(rnd), 0);
	*random_at = push_bytes(&s, rnd, sizeof(rnd));
	/* Pointers: argc, argv[], NULL, envp[], NULL, auxv pairs. */
	size_t words = 1 + (size_t)img->argc + 1 + (size_t)img->envc + 1 +
		       (size_t)nauxv * 2;
	s.used += 8 * words;
	s.used += (s.top - s.used) & 15; /* 16-byte aligned sp (ABI 3.4.1) */
	if (s.used > s.cap) {
		free(s.buf);
		return -E2BIG;
	}
	uint64_t sp = s.top - s.used;
	uint64_t *w = (uint64_t *)(void *)(s.buf + s.cap - s.used);
	size_t k = 0;
	w[k++] = (uint64_t)img->argc;
	for (int i = 0; i < img->argc; i++)
		w[k++] = argv_at[i];
	w[k++] = 0;
	for (int i = 0; i < img->envc; i++)
		w[k++] = envp_at[i];
	w[k++] = 0;
	*sp_out = sp;
	int r = sn_mem_poke(t->proc, sp, s.buf + s.cap - s.used, s.used);
	free(s.buf);
	return r < 0 ? r : (int)k;
}

static int load(struct sn_task *t, struct sn_exec_image *img)
{
	uint64_t host[64] = { 0 };
	host_auxv(t->k, t->proc->pid, host);
	uint64_t bias = 0, ibias = 0;
	int r = map_elf(t, &img->main, false, &bias);
	if (r == 0 && img->has_interp)
		r = map_elf(t, &img->interp, true, &ibias);
	if (r < 0)
		return r;
	uint64_t entry = img->has_interp ? img->interp.eh.e_entry + ibias
					 : img->main.eh.e_entry + bias;
	const struct sn_creds *c = &t->proc->creds;
	uint64_t *argv_at = calloc((size_t)img->argc + 1, 8);
	uint64_t *envp_at = calloc((size_t)img->envc + 1, 8);
	if (!argv_at || !envp_at) {
		free(argv_at);
		free(envp_at);
		return -ENOMEM;
	}
	enum { NAUX = 22 };
	uint64_t sp, rnd, execfn, platform;
	int k = build_stack(t, img, PAGE_DOWN(t->regs.rsp), NAUX, &sp, &rnd,
			    &execfn, &platform, argv_at, envp_at);
	free(argv_at);
	free(envp_at);
	if (k < 0)
		return k;
	uint64_t aux[NAUX * 2];
	int n = 0;
#define AUX(type, val)                      \
	do {                                \
		aux[n++] = (type);          \
		aux[n++] = (uint64_t)(val); \
	} while (0)
	if (host[AT_SYSINFO_EHDR])
		AUX(AT_SYSINFO_EHDR, host[AT_SYSINFO_EHDR]);
	if (host[AT_MINSIGSTKSZ])
		AUX(AT_MINSIGSTKSZ, host[AT_MINSIGSTKSZ]);
	AUX(AT_HWCAP, host[AT_HWCAP]);
	AUX(AT_PAGESZ, PAGE);
	AUX(AT_CLKTCK, host[AT_CLKTCK] ? host[AT_CLKTCK] : 100);
	AUX(AT_PHDR, phdr_addr(&img->main, bias));
	AUX(AT_PHENT, sizeof(Elf64_Phdr));
	AUX(AT_PHNUM, img->main.eh.e_phnum);
	AUX(AT_BASE, img->has_interp ? ibias : 0);
	AUX(AT_FLAGS, 0);
	AUX(AT_ENTRY, img->main.eh.e_entry + bias);
	AUX(AT_UID, c->ruid);
	AUX(AT_EUID, c->euid);
	AUX(AT_GID, c->rgid);
	AUX(AT_EGID, c->egid);
	AUX(AT_SECURE, 0);
	AUX(AT_RANDOM, rnd);
	if (host[AT_HWCAP2])
		AUX(AT_HWCAP2, host[AT_HWCAP2]);
	AUX(AT_EXECFN, execfn);
	AUX(AT_PLATFORM, platform);
	AUX(AT_NULL, 0);
#undef AUX
	r = sn_mem_poke(t->proc, sp + 8 * (uint64_t)k, aux,
			(size_t)n * sizeof(uint64_t));
	if (r < 0)
		return r;
	/* The thread's name is the file's (execve(2)), not the stub's. */
	const char *base = strrchr(img->path, '/');
	char comm[16] = { 0 };
	snprintf(comm, sizeof(comm), "%s", base ? base + 1 : img->path);
	if (sn_mem_poke(t->proc, sp - 64, comm, sizeof(comm)) == 0)
		sn_inject(t, SYS_prctl, PR_SET_NAME, sp - 64, 0, 0, 0, 0);
	t->regs.rip = entry;
	t->regs.rsp = sp;
	t->regs.rax = 0;
	t->regs.rdx = 0; /* no rtld_fini for the program (ABI 3.4.1) */
	return t->k->plat->ops->set_regs(t->k->plat, t->tid, &t->regs);
}

static void set_cmdline(struct sn_proc *p, struct sn_exec_image *img)
{
	size_t len = 0;
	for (int i = 0; i < img->argc; i++)
		len += strlen(img->argv[i]) + 1;
	char *c = malloc(len ? len : 1);
	if (c == NULL)
		return;
	size_t off = 0;
	for (int i = 0; i < img->argc; i++) {
		size_t n = strlen(img->argv[i]) + 1;
		memcpy(c + off, img->argv[i], n);
		off += n;
	}
	free(p->cmdline);
	p->cmdline = c;
	p->cmdline_len = len;
	free(p->exe);
	p->exe = img->path;
	img->path = NULL;
}

void sn_exec_finish(struct sn_kernel *k, pid_t tid, pid_t former)
{
	struct sn_task *t = sn_task_find(k, former);
	if (t == NULL)
		t = sn_task_find(k, tid);
	if (t == NULL) {
		k->plat->ops->kill(k->plat, tid);
		return;
	}
	if (former != tid) {
		/* A non-leader thread exec'd: it takes over the leader's tid
		 * and the old leader disappears without an exit report. */
		struct sn_task *leader = sn_task_find(k, tid);
		if (leader && leader != t)
			sn_task_free(leader);
		sn_task_rekey(t, tid);
	}
	struct sn_proc *p = t->proc;
	struct sn_exec_image *img = t->exec;
	t->exec = NULL;
	t->state = TS_RUNNING;
	if (img == NULL) {
		k->plat->ops->kill(k->plat, tid);
		return;
	}
	/* execve unshares a file table shared by CLONE_FILES. */
	if (p->fdt->refs > 1) {
		struct sn_fdtable *n = sn_fdtable_copy(p->fdt);
		if (n) {
			sn_fdtable_put(p->fdt);
			p->fdt = n;
		}
	}
	sn_fdtable_close_on_exec(p->fdt);
	sn_ptimer_delete_all(p);
	p->stub_insn = SN_STUB_ENTRY;
	p->execed = true;
	p->nondumpable = false;
	int r = sn_mem_open(p);
	if (r == 0)
		r = k->plat->ops->get_regs(k->plat, t->tid, &t->regs);
	if (r == 0)
		r = load(t, img);
	if (r < 0) {
		/* Past the point of no return, as Linux: the process dies. */
		rs_debug("sentry", "exec of %s failed while loading: %s",
			 img->path, strerror(-r));
		k->plat->ops->kill(k->plat, tid);
		sn_exec_image_free(img);
		return;
	}
	/* The trapped execve ends in this exec stop, not at a syscall
	 * exit, and its arguments are gone with the old image. */
	if (k->strace)
		sn_strace_exec(t, img->path, img->argc);
	set_cmdline(p, img);
	sn_exec_image_free(img);
	int sig = t->pending_sig;
	t->pending_sig = 0;
	k->plat->ops->resume(k->plat, t->tid, SN_RESUME_CONT, sig);
}

int sn_stub_write(const char *path)
{
	struct {
		Elf64_Ehdr eh;
		Elf64_Phdr ph;
		uint8_t code[6];
	} __attribute__((packed)) img;
	memset(&img, 0, sizeof(img));
	memcpy(img.eh.e_ident, ELFMAG, SELFMAG);
	img.eh.e_ident[EI_CLASS] = ELFCLASS64;
	img.eh.e_ident[EI_DATA] = ELFDATA2LSB;
	img.eh.e_ident[EI_VERSION] = EV_CURRENT;
	img.eh.e_type = ET_EXEC;
	img.eh.e_machine = EM_X86_64;
	img.eh.e_version = EV_CURRENT;
	img.eh.e_entry = SN_STUB_ENTRY;
	img.eh.e_phoff = sizeof(Elf64_Ehdr);
	img.eh.e_ehsize = sizeof(Elf64_Ehdr);
	img.eh.e_phentsize = sizeof(Elf64_Phdr);
	img.eh.e_phnum = 1;
	img.ph.p_type = PT_LOAD;
	img.ph.p_flags = PF_R | PF_X;
	img.ph.p_vaddr = SN_STUB_ADDR;
	img.ph.p_paddr = SN_STUB_ADDR;
	img.ph.p_filesz = sizeof(img);
	img.ph.p_memsz = PAGE;
	img.ph.p_align = PAGE;
	/* mov %r12,%rax; syscall; int3: the injection trampoline. The number
	 * travels in r12 because an exec stop is inside execve, whose return
	 * value still overwrites rax when the thread resumes. */
	static const uint8_t tramp[6] = { 0x4c, 0x89, 0xe0, 0x0f, 0x05, 0xcc };
	memcpy(img.code, tramp, sizeof(tramp));
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0555);
	if (fd < 0)
		return -errno;
	ssize_t n = write(fd, &img, sizeof(img));
	int e = n == (ssize_t)sizeof(img) ? 0 : -EIO;
	close(fd);
	return e;
}
