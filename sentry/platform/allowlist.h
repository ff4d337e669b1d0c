/* The application's seccomp filter: RET_TRACE for every syscall except an
 * argument-checked allowlist (allowlist.c is the one place it lives). */
#ifndef SENTRY_PLATFORM_ALLOWLIST_H
#define SENTRY_PLATFORM_ALLOWLIST_H

#include <seccomp.h>
#include <stdbool.h>

/* Builds the filter; the caller owns *out (seccomp_release). */
int sn_allowlist_build(scmp_filter_ctx *out);
/* Builds and loads the filter into the calling thread (which must have
 * set no_new_privs). Returns 0 or a negative errno. */
int sn_allowlist_load(void);
/* True when syscall `nr` may run on the host without a trap under some
 * arguments (used by `runsc syscalls` and --strace). */
bool sn_allowlist_contains(long nr);

#endif
