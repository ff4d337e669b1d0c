/* `runsc syscalls` and --strace names: the table plus libseccomp's names
 * for the numbers the table does not handle. */
#include <seccomp.h>
#include <stdlib.h>

#include "platform/allowlist.h"
#include "sentry/sentry.h"
#include "syscalls/table.h"

long sn_syscall_count(void)
{
	return SN_NR_SYSCALLS;
}

const char *sn_support_name(enum sn_support s)
{
	switch (s) {
	case SN_SUPPORT_FULL:
		return "implemented";
	case SN_SUPPORT_PARTIAL:
		return "partial";
	case SN_SUPPORT_HOST:
		return "host";
	case SN_SUPPORT_NONE:
		return "unsupported";
	}
	return "?";
}

const char *sn_syscall_name(long nr)
{
	static char *names[SN_NR_SYSCALLS];
	const struct sn_syscall_entry *e = sn_syscall_entry(nr);
	if (e)
		return e->name;
	if (nr < 0 || nr >= SN_NR_SYSCALLS)
		return NULL;
	if (names[nr] == NULL)
		names[nr] = seccomp_syscall_resolve_num_arch(SCMP_ARCH_X86_64,
							     (int)nr);
	return names[nr];
}

bool sn_syscall_describe(long nr, struct sn_syscall_desc *out)
{
	const char *name = sn_syscall_name(nr);
	if (name == NULL)
		return false;
	const struct sn_syscall_entry *e = sn_syscall_entry(nr);
	out->nr = nr;
	out->name = name;
	if (sn_allowlist_contains(nr)) {
		out->support = SN_SUPPORT_HOST;
		out->note =
			"allowlisted: runs on the host unless its arguments fail the check";
	} else if (e) {
		out->support = e->support;
		out->note = e->note ? e->note : "";
	} else {
		out->support = SN_SUPPORT_NONE;
		out->note = "ENOSYS";
	}
	return true;
}
