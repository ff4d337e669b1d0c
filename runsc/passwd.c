/* The container's user database (passwd.h). */
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <linux/openat2.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "passwd.h"

/* rootfs/etc/passwd opened with every path component, symlinks
 * included, resolved inside rootfs. */
static FILE *open_passwd(const char *rootfs)
{
	int root = open(rootfs, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (root < 0)
		return NULL;
	struct open_how how = { .flags = O_RDONLY | O_CLOEXEC,
				.resolve = RESOLVE_IN_ROOT |
					   RESOLVE_NO_MAGICLINKS };
	int fd = (int)syscall(SYS_openat2, root, "etc/passwd", &how,
			      sizeof(how));
	close(root);
	if (fd < 0)
		return NULL;
	FILE *f = fdopen(fd, "re");
	if (f == NULL)
		close(fd);
	return f;
}

void rs_passwd_home(const char *rootfs, uid_t uid, char *buf, size_t len)
{
	snprintf(buf, len, "/");
	FILE *f = open_passwd(rootfs);
	if (f == NULL)
		return;
	char line[1024];
	while (fgets(line, sizeof(line), f)) {
		/* name:password:uid:gid:gecos:home:shell */
		char *fields[7] = { 0 }, *p = line;
		int n = 0;
		line[strcspn(line, "\n")] = 0;
		for (char *tok; n < 7 && (tok = strsep(&p, ":")) != NULL;)
			fields[n++] = tok;
		if (n < 6)
			continue;
		char *end;
		errno = 0;
		unsigned long v = strtoul(fields[2], &end, 10);
		if (errno || *end || end == fields[2] || v != uid)
			continue;
		if (fields[5][0])
			snprintf(buf, len, "%s", fields[5]);
		break;
	}
	fclose(f);
}

char **rs_env_with_home(char *const *env, const char *home, char **owned)
{
	size_t n = 0;
	bool has_home = false;
	for (; env && env[n]; n++)
		has_home |= strncmp(env[n], "HOME=", 5) == 0;
	char **v = calloc(n + 2, sizeof(*v));
	if (v == NULL)
		return NULL;
	memcpy(v, env, n * sizeof(*v));
	*owned = NULL;
	if (!has_home) {
		size_t len = strlen(home) + 6;
		*owned = malloc(len);
		if (*owned == NULL) {
			free(v);
			return NULL;
		}
		snprintf(*owned, len, "HOME=%s", home);
		v[n] = *owned;
	}
	return v;
}
