/* A kernel without a platform for unit tests: tmpfs at /, devfs at /dev,
 * procfs at /proc, and one task (host tid 0) of a root process. */
#ifndef TESTS_UNIT_SENTRY_FAKE_H
#define TESTS_UNIT_SENTRY_FAKE_H

#include "fs/fs.h"
#include "kernel/kernel.h"

struct fake {
	struct sn_kernel *k;
	struct sn_proc *proc;
	struct sn_task *task;
};

void fake_init(struct fake *f);
void fake_free(struct fake *f);
/* Creates a file in the fake root with content (mode as given). */
void fake_write_file(struct fake *f, const char *path, const void *data,
		     size_t len, mode_t mode);

#endif
