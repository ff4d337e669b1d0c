/* runsc: the OCI runtime CLI. Parses the global flags, sets up logging and
 * dispatches to the subcommand from the table in commands.c. */
#include <stdio.h>
#include <string.h>

#include "runsc.h"
#include "runsc/log.h"

int main(int argc, char **argv)
{
	struct rs_global global;
	struct rs_error *err = NULL;
	int cmd = rs_parse_global(&global, argc, argv, &err);
	if (cmd < 0) {
		rs_error_print(err, "runsc", stderr);
		rs_error_free(err);
		return 1;
	}
	if (global.want_version)
		return rs_cmd_version(&global, 0, NULL);
	if (global.want_help || cmd == argc)
		return rs_cmd_help(&global, 0, NULL);
	const struct rs_command *c = rs_find_command(argv[cmd]);
	if (c == NULL) {
		fprintf(stderr,
			"runsc: unknown command `%s` (see `runsc help`)\n",
			argv[cmd]);
		return 1;
	}
	if (rs_setup_logging(&global, &err) < 0) {
		rs_error_print(err, "runsc", stderr);
		rs_error_free(err);
		return 1;
	}
	return c->run(&global, argc - cmd, argv + cmd);
}
