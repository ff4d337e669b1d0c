/* `runsc start ID`: runs the process of a created container (runc
 * start). */
#include <stdio.h>
#include <string.h>

#include "lifecycle.h"
#include "runsc.h"
#include "runsc/cleanup.h"

int rs_cmd_start(struct rs_global *global, int argc, char **argv)
{
	if (argc == 2 &&
	    (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0)) {
		puts("usage: runsc start ID\n"
		     "runs the process of created container ID");
		return 0;
	}
	if (argc == 2 && argv[1][0] == '-')
		return rs_usage_error("start", "unknown flag `%s`", argv[1]);
	if (argc != 2)
		return rs_usage_error(
			"start", "\"start\" requires exactly 1 argument(s)");
	cleanup_error struct rs_error *err = NULL;
	if (rs_lifecycle_start(global, argv[1], &err) < 0) {
		rs_error_print(err, "runsc start", stderr);
		return 1;
	}
	return 0;
}
