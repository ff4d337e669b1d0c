/* execve: the Sentry's own ELF loader (DESIGN.md "Memory").
 *
 * An execve is done in two halves. sn_exec_prepare resolves the file
 * (following shebang lines), validates the ELF headers of the program and
 * of its PT_INTERP, and fails without touching the process. Then the task
 * execs the stub image on the host (a tiny static ELF that exists only in
 * the sandbox's empty root): that gives it a fresh address space, the
 * host's reset of signal handlers and a vDSO. At the PTRACE_EVENT_EXEC stop
 * sn_exec_finish maps the segments with injected anonymous mmaps, copies
 * the file contents in through /proc/<pid>/mem, builds the stack (argv,
 * envp, auxv as Linux lays them out) and points the registers at the
 * entry. The application never holds a host fd to its executable.
 */
#ifndef SENTRY_KERNEL_EXEC_H
#define SENTRY_KERNEL_EXEC_H

#include <elf.h>
#include <stdbool.h>

#include "kernel/kernel.h"

/* Where the stub image lives in every application process: far above
 * where non-PIE executables (0x400000), PIE executables and the mmap area
 * go. Its code is the injection trampoline. */
#define SN_STUB_ADDR  0x200000000000ull
#define SN_STUB_ENTRY (SN_STUB_ADDR + sizeof(Elf64_Ehdr) + sizeof(Elf64_Phdr))
#define SN_STUB_PATH  "/.sentry-stub"

/* Limit of argv + envp strings: the stub's stack VMA has at least 128 KiB
 * below its initial stack pointer (fs/exec.c setup_arg_pages). */
#define SN_EXEC_ARGS_MAX (120 * 1024)

struct sn_elf {
	struct sn_file *file;
	Elf64_Ehdr eh;
	Elf64_Phdr *ph;
};

struct sn_exec_image {
	bool stub_exec_pending; /* the next execve stop is the stub's own */
	char *path;		/* canonical path of the executable */
	char *execfn;		/* the name as given (AT_EXECFN) */
	char **argv;
	int argc;
	char **envp;
	int envc;
	struct sn_elf main;
	struct sn_elf interp;
	bool has_interp;
};

/* Prepares the image of path for task t (its cwd and credentials).
 * argv and envp are NULL-terminated and copied. */
int sn_exec_prepare(struct sn_task *t, const char *path, char *const *argv,
		    char *const *envp, struct sn_exec_image **out);
/* Rewrites t's trapped execve into the host execve of the stub and takes
 * ownership of img. Returns the action for the engine. */
enum sn_action sn_exec_start(struct sn_task *t, struct sn_exec_image *img);
/* The PTRACE_EVENT_EXEC stop of host thread tid (formerly former). */
void sn_exec_finish(struct sn_kernel *k, pid_t tid, pid_t former);
/* Writes the stub ELF image to path (mode 0555). */
int sn_stub_write(const char *path);

#endif
