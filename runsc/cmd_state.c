/* `runsc state ID`: the container's OCI state (runtime-spec runtime.md)
 * as runc prints it: two-space indentation, no trailing newline, pid 0
 * once the container has stopped, annotations only when there are some.
 * A container that does not exist is runc's "container does not exist"
 * and exit status 1. */
#include <errno.h>
#include <jansson.h>
#include <stdio.h>
#include <string.h>

#include "json_out.h"
#include "runsc.h"
#include "runsc/cleanup.h"
#include "state.h"

int rs_cmd_state(struct rs_global *global, int argc, char **argv)
{
	if (argc == 2 &&
	    (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0)) {
		puts("usage: runsc state ID\n"
		     "prints the state of container ID as JSON");
		return 0;
	}
	/* runc takes no flags here: anything else is the id, and "-x" is
	 * an unknown flag. */
	if (argc == 2 && argv[1][0] == '-')
		return rs_usage_error("state", "unknown flag `%s`", argv[1]);
	if (argc != 2)
		return rs_usage_error(
			"state", "\"state\" requires exactly 1 argument(s)");
	cleanup_error struct rs_error *err = NULL;
	struct rs_state st = { 0 };
	if (rs_state_read(global->root, argv[1], &st, &err) < 0) {
		rs_error_print(err, "runsc state", stderr);
		return 1;
	}
	json_t *doc = rs_state_oci_json(&st, rs_state_status(&st));
	rs_state_clear(&st);
	int r = doc ? rs_json_go_print(stdout, doc, "  ", "") : -1;
	json_decref(doc);
	if (r < 0 || fflush(stdout) != 0) {
		rs_error_set(&err, errno ? errno : ENOMEM, "write the state");
		rs_error_print(err, "runsc state", stderr);
		return 1;
	}
	return 0;
}
