/* The syscall table: one entry per x86-64 syscall number with the handler,
 * the name and the argument formats --strace uses (syscalls/table.c). */
#ifndef SENTRY_SYSCALLS_TABLE_H
#define SENTRY_SYSCALLS_TABLE_H

#include "kernel/kernel.h"
#include "sentry/sentry.h"

typedef enum sn_action (*sn_syscall_fn)(struct sn_task *t, struct sn_sc *sc);

struct sn_syscall_entry {
	const char *name;
	sn_syscall_fn fn;
	/* One letter per argument for --strace: d int, u unsigned, x hex,
	 * o octal, s string, b buffer whose length is the next argument,
	 * p pointer, f open flags. */
	const char *args;
	enum sn_support support;
	const char *note;
	enum sn_restart restart;
};

#define SN_NR_SYSCALLS 462

/* NULL when nr is out of range or has no handler. */
const struct sn_syscall_entry *sn_syscall_entry(long nr);
/* The name of any x86-64 syscall number, or NULL. */
const char *sn_syscall_name(long nr);

#endif
