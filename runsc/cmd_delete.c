/* `runsc delete [--force] ID`: removes a stopped (or created) container;
 * --force kills a running one first and ignores one that does not exist
 * (runc delete). */
#include <getopt.h>
#include <stdio.h>

#include "lifecycle.h"
#include "runsc.h"
#include "runsc/cleanup.h"

static const char delete_usage[] =
	"usage: runsc delete [--force] ID\n"
	"removes container ID\n"
	"  -f, --force   kill a running container first\n";

int rs_cmd_delete(struct rs_global *global, int argc, char **argv)
{
	enum { OPT_FORCE = 'f', OPT_HELP = 256 };
	static const struct option options[] = {
		{ "force", no_argument, NULL, OPT_FORCE },
		{ "help", no_argument, NULL, OPT_HELP },
		{ NULL, 0, NULL, 0 },
	};
	bool force = false;
	optind = 0;
	opterr = 0;
	int c;
	while ((c = getopt_long_only(argc, argv, "+:f", options, NULL)) != -1) {
		switch (c) {
		case OPT_FORCE:
			force = true;
			break;
		case OPT_HELP:
			fputs(delete_usage, stdout);
			return 0;
		default:
			return rs_usage_error("delete", "unknown flag `%s`",
					      argv[optind - 1]);
		}
	}
	if (argc - optind != 1)
		return rs_usage_error(
			"delete", "\"delete\" requires exactly 1 argument(s)");
	cleanup_error struct rs_error *err = NULL;
	if (rs_lifecycle_delete(global, argv[optind], force, &err) < 0) {
		rs_error_print(err, "runsc delete", stderr);
		return 1;
	}
	return 0;
}
