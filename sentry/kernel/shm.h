/* Shared file mappings (kernel/shm.c). */
#ifndef SENTRY_KERNEL_SHM_H
#define SENTRY_KERNEL_SHM_H

#include "fs/fs.h"

/* The directory of backing files in every application's root (a tmpfs
 * mounted by the stub set-up). */
#define SN_SHM_DIR "/.sentry-shm"

/* Serves a trapped MAP_SHARED mmap (args in sc->a) of tmpfs file f:
 * completes the syscall itself and returns SN_GONE, or an error. */
enum sn_action sn_shm_mmap(struct sn_task *t, struct sn_sc *sc,
			   struct sn_file *f);

#endif
