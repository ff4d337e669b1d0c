/* --strace: one line per syscall with its name, decoded arguments and
 * result, written with one write(2) so lines of tasks do not mix. */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "kernel/kernel.h"
#include "syscalls/table.h"

/* A string argument: NUL-terminated (len < 0), or a buffer of len bytes
 * such as write's. At most 48 bytes are shown. */
static int fmt_string(struct sn_task *t, uint64_t addr, long len, char *out,
		      size_t cap)
{
	char s[64];
	int n;
	bool more;
	if (addr == 0)
		return snprintf(out, cap, "NULL");
	if (len >= 0) {
		n = len > 48 ? 48 : (int)len;
		more = len > 48;
		if (sn_copy_in(t, addr, s, (size_t)n) < 0)
			return snprintf(out, cap, "0x%llx",
					(unsigned long long)addr);
	} else {
		n = sn_copy_in_str(t, addr, s, 49);
		if (n == -EFAULT)
			return snprintf(out, cap, "0x%llx",
					(unsigned long long)addr);
		more = n < 0;
		if (n < 0)
			n = 48;
	}
	char esc[160];
	size_t k = 0;
	for (int i = 0; i < n && k + 5 < sizeof(esc); i++) {
		unsigned char c = (unsigned char)s[i];
		if (c == '\n') {
			esc[k++] = '\\';
			esc[k++] = 'n';
		} else if (c == '"' || c == '\\') {
			esc[k++] = '\\';
			esc[k++] = (char)c;
		} else if (c < 32 || c >= 127) {
			k += (size_t)snprintf(esc + k, sizeof(esc) - k,
					      "\\x%02x", c);
		} else {
			esc[k++] = (char)c;
		}
	}
	esc[k] = 0;
	return snprintf(out, cap, "\"%s\"%s", esc, more ? "..." : "");
}

static int fmt_arg(struct sn_task *t, char kind, uint64_t v, uint64_t next,
		   char *out, size_t cap)
{
	switch (kind) {
	case 'b':
		return fmt_string(t, v, next > 4096 ? 4096 : (long)next, out,
				  cap);
	case 'd':
		return snprintf(out, cap, "%lld", (long long)(int64_t)v);
	case 'u':
		return snprintf(out, cap, "%llu", (unsigned long long)v);
	case 'o':
		return snprintf(out, cap, "0%llo", (unsigned long long)v);
	case 's':
		return fmt_string(t, v, -1, out, cap);
	case 'f':
		return snprintf(out, cap, "0x%llx", (unsigned long long)v);
	case 'p':
		return v ? snprintf(out, cap, "0x%llx", (unsigned long long)v)
			 : snprintf(out, cap, "NULL");
	default:
		return snprintf(out, cap, "0x%llx", (unsigned long long)v);
	}
}

void sn_strace_syscall(struct sn_task *t, const struct sn_sc *sc, long ret)
{
	char line[1024];
	size_t n = 0;
	const struct sn_syscall_entry *e = sn_syscall_entry(sc->nr);
	const char *name = sn_syscall_name(sc->nr);
	n += (size_t)snprintf(line, sizeof(line), "[%5d] ", (int)t->vtid);
	if (name)
		n += (size_t)snprintf(line + n, sizeof(line) - n, "%s(", name);
	else
		n += (size_t)snprintf(line + n, sizeof(line) - n,
				      "syscall_%ld(", sc->nr);
	const char *args = e ? e->args : "xxxxxx";
	for (int i = 0; i < 6 && args[i] && n < sizeof(line) - 200; i++) {
		if (i)
			n += (size_t)snprintf(line + n, sizeof(line) - n, ", ");
		n += (size_t)fmt_arg(t, args[i], sc->a[i],
				     i < 5 ? sc->a[i + 1] : 0, line + n,
				     sizeof(line) - n);
	}
	if (ret < 0 && ret > -4096)
		n += (size_t)snprintf(
			line + n, sizeof(line) - n, ") = -1 %s (%s)\n",
			strerrorname_np((int)-ret) ? strerrorname_np((int)-ret)
						   : "E?",
			strerror((int)-ret));
	else if (ret > 0xffff || ret < -0xffff)
		n += (size_t)snprintf(line + n, sizeof(line) - n, ") = 0x%lx\n",
				      ret);
	else
		n += (size_t)snprintf(line + n, sizeof(line) - n, ") = %ld\n",
				      ret);
	if (n > sizeof(line))
		n = sizeof(line);
	ssize_t w = write(t->k->strace_fd, line, n);
	(void)w;
}

void sn_strace_signal(struct sn_task *t, int sig)
{
	char line[128];
	int n = snprintf(line, sizeof(line), "[%5d] --- %s ---\n", (int)t->vtid,
			 sigabbrev_np(sig) ? sigabbrev_np(sig) : "SIG?");
	ssize_t w = write(t->k->strace_fd, line, (size_t)n);
	(void)w;
}

void sn_strace_exec(struct sn_task *t, const char *path, int argc)
{
	char line[512];
	int n = snprintf(line, sizeof(line),
			 "[%5d] execve(\"%s\", [%d args]) = 0\n", (int)t->vtid,
			 path ? path : "?", argc);
	if (n > (int)sizeof(line))
		n = (int)sizeof(line);
	ssize_t w = write(t->k->strace_fd, line, (size_t)n);
	(void)w;
}
