/* The container's own user database, read the way runc reads it for the
 * process's HOME: /etc/passwd of the container's root, resolved inside
 * that root (a symlink in the image cannot point runsc at a host file). */
#ifndef RUNSC_PASSWD_H
#define RUNSC_PASSWD_H

#include <stddef.h>
#include <sys/types.h>

/* The home directory of uid in rootfs's /etc/passwd, or "/" when the file
 * or the user is missing (runc's default), copied into buf. */
void rs_passwd_home(const char *rootfs, uid_t uid, char *buf, size_t len);

/* env (NULL-terminated) with HOME=home appended when it has no HOME, as
 * runc sets it; a new malloc'd vector borrowing env's strings and *owned,
 * the one string it allocates (free both). NULL when out of memory. */
char **rs_env_with_home(char *const *env, const char *home, char **owned);

#endif
