/* `runsc kill [--all] ID [SIGNAL]`: sends SIGNAL (default SIGTERM; a
 * name, with or without SIG, or a number) to the container's first
 * process, or with --all to every process in it (runc kill). */
#include <getopt.h>
#include <signal.h>
#include <stdio.h>

#include "lifecycle.h"
#include "runsc.h"
#include "runsc/cleanup.h"

static const char kill_usage[] =
	"usage: runsc kill [--all] ID [SIGNAL]\n"
	"sends SIGNAL (default SIGTERM) to the container's process\n"
	"  -a, --all   to every process of the container\n";

int rs_cmd_kill(struct rs_global *global, int argc, char **argv)
{
	enum { OPT_ALL = 'a', OPT_HELP = 256 };
	static const struct option options[] = {
		{ "all", no_argument, NULL, OPT_ALL },
		{ "help", no_argument, NULL, OPT_HELP },
		{ NULL, 0, NULL, 0 },
	};
	bool all = false;
	optind = 0;
	opterr = 0;
	int c;
	while ((c = getopt_long_only(argc, argv, "+:a", options, NULL)) != -1) {
		switch (c) {
		case OPT_ALL:
			all = true;
			break;
		case OPT_HELP:
			fputs(kill_usage, stdout);
			return 0;
		default:
			return rs_usage_error("kill", "unknown flag `%s`",
					      argv[optind - 1]);
		}
	}
	int nargs = argc - optind;
	if (nargs < 1 || nargs > 2)
		return rs_usage_error("kill", "\"kill\" requires a minimum of "
					      "1 and a maximum of 2 "
					      "arguments");
	cleanup_error struct rs_error *err = NULL;
	int sig = SIGTERM;
	if (nargs == 2 && rs_parse_signal(argv[optind + 1], &sig, &err) < 0) {
		rs_error_print(err, "runsc kill", stderr);
		return 1;
	}
	if (rs_lifecycle_kill(global, argv[optind], sig, all, &err) < 0) {
		rs_error_print(err, "runsc kill", stderr);
		return 1;
	}
	return 0;
}
