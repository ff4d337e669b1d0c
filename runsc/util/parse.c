#include "runsc/parse.h"

#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>

int rs_parse_fd(const char *s, int *fd)
{
	/* strtol alone takes "", " 3", "+3" and saturates on overflow. */
	if (*s < '0' || *s > '9')
		return -1;
	char *end;
	errno = 0;
	long v = strtol(s, &end, 10);
	if (errno || *end != '\0' || v > INT_MAX)
		return -1;
	*fd = (int)v;
	return 0;
}

/* Cuts a trailing ":ro" or ":rw" off s and returns whether it was ":ro". */
static bool cut_mode(char *s)
{
	size_t len = strlen(s);
	if (len < 3 || s[len - 3] != ':' || s[len - 2] != 'r')
		return false;
	if (s[len - 1] != 'o' && s[len - 1] != 'w')
		return false;
	bool ro = s[len - 1] == 'o';
	s[len - 3] = '\0';
	return ro;
}

int rs_parse_mount(char *arg, bool want_source, struct rs_mount_arg *m,
		   struct rs_error **err)
{
	const char *form = want_source ? "DEST=SRC[:ro|:rw]" : "DEST[:ro|:rw]";
	char *eq = strchr(arg, '=');
	if (want_source && eq == NULL)
		return rs_error_set(err, 0, "--mount `%s`: want %s", arg, form);
	if (!want_source && eq != NULL)
		return rs_error_set(err, 0,
				    "--mount `%s`: want %s (DEST cannot "
				    "contain '=')",
				    arg, form);
	*m = (struct rs_mount_arg){ .dest = arg };
	if (eq) {
		*eq = '\0';
		m->source = eq + 1;
		m->readonly = cut_mode(eq + 1);
		if (m->source[0] == '\0')
			return rs_error_set(err, 0, "--mount `%s=`: no SRC",
					    arg);
	} else {
		m->readonly = cut_mode(arg);
	}
	if (m->dest[0] != '/' || m->dest[1] == '\0')
		return rs_error_set(err, 0,
				    "--mount: DEST `%s` must be an absolute "
				    "path other than /",
				    m->dest);
	return 0;
}
