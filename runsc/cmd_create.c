/* `runsc create [--bundle DIR] [--pid-file FILE] [--console-socket SOCK]
 *               [--preserve-fds N] ID`: sets container ID up from
 * DIR/config.json with its process held until `runsc start`, as runc
 * create does (lifecycle.h). --no-pivot and --no-new-keyring are accepted
 * and change nothing: the sandbox has no host root to pivot from and no
 * host keyring the application could reach. */
#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "lifecycle.h"
#include "runsc.h"
#include "runsc/cleanup.h"
#include "runsc/parse.h"

static const char create_usage[] =
	"usage: runsc create [flags] ID\n"
	"creates container ID from a bundle; `runsc start ID` runs it\n"
	"  -b, --bundle DIR          the bundle (default: the working "
	"directory)\n"
	"  --pid-file FILE           write the container's pid to FILE\n"
	"  --console-socket SOCK     send the terminal's master to SOCK\n"
	"  --preserve-fds N          pass fds 3..3+N-1 to the process\n";

enum {
	OPT_BUNDLE = 'b',
	OPT_PID_FILE = 256,
	OPT_CONSOLE_SOCKET,
	OPT_PRESERVE_FDS,
	OPT_NO_PIVOT,
	OPT_NO_NEW_KEYRING,
	OPT_HELP,
	/* run's */
	OPT_DETACH = 'd',
	OPT_KEEP,
	OPT_NO_SUBREAPER,
};

static const struct option create_options[] = {
	{ "bundle", required_argument, NULL, OPT_BUNDLE },
	{ "pid-file", required_argument, NULL, OPT_PID_FILE },
	{ "console-socket", required_argument, NULL, OPT_CONSOLE_SOCKET },
	{ "preserve-fds", required_argument, NULL, OPT_PRESERVE_FDS },
	{ "no-pivot", no_argument, NULL, OPT_NO_PIVOT },
	{ "no-new-keyring", no_argument, NULL, OPT_NO_NEW_KEYRING },
	{ "help", no_argument, NULL, OPT_HELP },
	{ "detach", no_argument, NULL, OPT_DETACH },
	{ "keep", no_argument, NULL, OPT_KEEP },
	{ "no-subreaper", no_argument, NULL, OPT_NO_SUBREAPER },
	{ NULL, 0, NULL, 0 },
};

int rs_parse_create_flags(const char *cmd, int argc, char **argv,
			  struct rs_create_opts *o, struct rs_run_opts *run,
			  bool *help)
{
	optind = 0;
	opterr = 0;
	*help = false;
	int c;
	while ((c = getopt_long_only(argc, argv, run ? "+:b:d" : "+:b:",
				     create_options, NULL)) != -1) {
		/* run's flags are unknown to create. */
		if (run == NULL &&
		    (c == OPT_DETACH || c == OPT_KEEP || c == OPT_NO_SUBREAPER))
			c = '?';
		switch (c) {
		case OPT_DETACH:
			run->detach = true;
			break;
		case OPT_KEEP:
			run->keep = true;
			break;
		case OPT_NO_SUBREAPER:
			break;
		case OPT_BUNDLE:
			o->bundle = optarg;
			break;
		case OPT_PID_FILE:
			o->pid_file = optarg;
			break;
		case OPT_CONSOLE_SOCKET:
			o->console_socket = optarg;
			break;
		case OPT_PRESERVE_FDS: {
			int n;
			if (rs_parse_fd(optarg, &n) < 0 || n > 1024)
				return rs_usage_error(
					cmd, "--preserve-fds `%s`: not a count",
					optarg);
			o->preserve_fds = (unsigned)n;
			break;
		}
		case OPT_NO_PIVOT:
		case OPT_NO_NEW_KEYRING:
			break;
		case OPT_HELP:
			*help = true;
			return 0;
		case ':':
			return rs_usage_error(cmd, "flag `%s` needs a value",
					      argv[optind - 1]);
		default:
			return rs_usage_error(cmd, "unknown flag `%s`",
					      argv[optind - 1]);
		}
	}
	if (argc - optind != 1)
		return rs_usage_error(
			cmd, "\"%s\" requires exactly 1 argument(s)", cmd);
	return 0;
}

int rs_cmd_create(struct rs_global *global, int argc, char **argv)
{
	struct rs_create_opts o = { 0 };
	bool help;
	if (rs_parse_create_flags("create", argc, argv, &o, NULL, &help) != 0)
		return 1;
	if (help) {
		fputs(create_usage, stdout);
		return 0;
	}
	cleanup_error struct rs_error *err = NULL;
	pid_t pid;
	if (rs_lifecycle_create(global, argv[optind], &o, &pid, &err) < 0) {
		rs_error_print(err, "runsc create", stderr);
		return 1;
	}
	return 0;
}
