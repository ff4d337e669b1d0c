/* `runsc syscalls`: the Sentry's syscall table, generated from the table
 * itself: number, name, support level and note. */
#include <stdio.h>
#include <string.h>

#include "runsc.h"
#include "sentry/sentry.h"

int rs_cmd_syscalls(struct rs_global *global, int argc, char **argv)
{
	(void)global;
	bool summary = argc > 1 && strcmp(argv[1], "--summary") == 0;
	unsigned counts[4] = { 0 };
	for (long nr = 0; nr < sn_syscall_count(); nr++) {
		struct sn_syscall_desc d;
		if (!sn_syscall_describe(nr, &d))
			continue;
		counts[d.support]++;
		if (!summary)
			printf("%3ld %-24s %-12s %s\n", d.nr, d.name,
			       sn_support_name(d.support), d.note);
	}
	printf("# %u implemented, %u partial, %u host (allowlist), "
	       "%u unsupported\n",
	       counts[SN_SUPPORT_FULL], counts[SN_SUPPORT_PARTIAL],
	       counts[SN_SUPPORT_HOST], counts[SN_SUPPORT_NONE]);
	return 0;
}
