#include "runsc/fds.h"

#include <sys/syscall.h>
#include <unistd.h>

void rs_close_all_but(const int *keep, unsigned n)
{
	/* Close the gaps between kept fds, lowest first: at most n + 1
	 * close_range calls. */
	unsigned lo = 0;
	for (unsigned round = 0; round <= n; round++) {
		unsigned next = ~0u;
		for (unsigned i = 0; i < n; i++)
			if (keep[i] >= 0 && (unsigned)keep[i] >= lo &&
			    (unsigned)keep[i] < next)
				next = (unsigned)keep[i];
		if (next > lo)
			syscall(SYS_close_range, lo,
				next == ~0u ? ~0u : next - 1, 0);
		if (next == ~0u)
			return;
		lo = next + 1;
	}
}
