/* `runsc ps [--format table|json] ID`: the container's processes.
 *
 *   table  the sandbox's view, as gVisor's runsc prints it: UID PID PPID C
 *          STIME TIME CMD with the pids of the container's pid namespace
 *          (C is the CPU share over the process's life, TIME its CPU
 *          time, both from the host process that runs it)
 *   json   the host pids, one array, as runc prints them: engines take
 *          these as the container's processes (containerd's ListPids)
 */
#include <errno.h>
#include <getopt.h>
#include <jansson.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "lifecycle.h"
#include "runsc.h"
#include "runsc/cleanup.h"

static const char ps_usage[] =
	"usage: runsc ps [--format table|json] ID\n"
	"lists the processes of container ID\n"
	"  -f, --format FORMAT   table (default: the sandbox's pids) or json "
	"(host pids)\n";

/* utime + stime of a host process, in clock ticks. */
static unsigned long long cpu_ticks(pid_t pid)
{
	char path[64], buf[1024];
	snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
	FILE *f = fopen(path, "re");
	if (f == NULL)
		return 0;
	size_t n = fread(buf, 1, sizeof(buf) - 1, f);
	fclose(f);
	buf[n] = 0;
	/* Fields after the command name, which may hold spaces and ')'. */
	char *p = strrchr(buf, ')');
	unsigned long long ut = 0, st = 0;
	if (p == NULL ||
	    sscanf(p + 2,
		   "%*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %llu %llu", &ut,
		   &st) != 2)
		return 0;
	return ut + st;
}

static void print_row(json_t *p, double now_mono, time_t now_wall, long hz)
{
	pid_t host = (pid_t)json_integer_value(json_object_get(p, "host_pid"));
	double start =
		(double)json_integer_value(json_object_get(p, "start_ns")) /
		1e9;
	unsigned long long ticks = cpu_ticks(host);
	double cpu_s = (double)ticks / (double)hz;
	double age = now_mono - start;
	int c = age > 0 ? (int)(100.0 * cpu_s / age) : 0;
	time_t started = now_wall - (time_t)age;
	struct tm tm;
	localtime_r(&started, &tm);
	char stime[16];
	strftime(stime, sizeof(stime), "%H:%M", &tm);
	unsigned long long secs = (unsigned long long)cpu_s;
	char cputime[32];
	snprintf(cputime, sizeof(cputime), "%llus", secs);
	json_t *args = json_object_get(p, "args");
	char cmd[256] = "";
	size_t off = 0;
	for (size_t i = 0; i < json_array_size(args) && off < sizeof(cmd); i++)
		off += (size_t)snprintf(
			cmd + off, sizeof(cmd) - off, "%s%s", i ? " " : "",
			json_string_value(json_array_get(args, i)));
	if (cmd[0] == 0)
		snprintf(cmd, sizeof(cmd), "%s",
			 json_string_value(json_object_get(p, "comm")));
	printf("%-10lld%-10lld%-10lld%-10d%-10s%-10s%s\n",
	       (long long)json_integer_value(json_object_get(p, "uid")),
	       (long long)json_integer_value(json_object_get(p, "pid")),
	       (long long)json_integer_value(json_object_get(p, "ppid")), c,
	       stime, cputime, cmd);
}

static int print_processes(json_t *procs, bool as_json)
{
	if (as_json) {
		json_t *pids = json_array();
		for (size_t i = 0; pids && i < json_array_size(procs); i++)
			json_array_append_new(
				pids,
				json_integer(json_integer_value(json_object_get(
					json_array_get(procs, i),
					"host_pid"))));
		int r = pids ? json_dumpf(pids, stdout, JSON_COMPACT) : -1;
		json_decref(pids);
		putchar('\n');
		return r;
	}
	struct timespec mono;
	clock_gettime(CLOCK_MONOTONIC, &mono);
	double now_mono = (double)mono.tv_sec + (double)mono.tv_nsec / 1e9;
	time_t now_wall = time(NULL);
	long hz = sysconf(_SC_CLK_TCK);
	printf("%-10s%-10s%-10s%-10s%-10s%-10s%s\n", "UID", "PID", "PPID", "C",
	       "STIME", "TIME", "CMD");
	for (size_t i = 0; i < json_array_size(procs); i++)
		print_row(json_array_get(procs, i), now_mono, now_wall,
			  hz > 0 ? hz : 100);
	return 0;
}

int rs_cmd_ps(struct rs_global *global, int argc, char **argv)
{
	enum { OPT_FORMAT = 'f', OPT_HELP = 256 };
	static const struct option options[] = {
		{ "format", required_argument, NULL, OPT_FORMAT },
		{ "help", no_argument, NULL, OPT_HELP },
		{ NULL, 0, NULL, 0 },
	};
	const char *format = "table";
	optind = 0;
	opterr = 0;
	int c;
	while ((c = getopt_long_only(argc, argv, "+:f:", options, NULL)) !=
	       -1) {
		switch (c) {
		case OPT_FORMAT:
			format = optarg;
			break;
		case OPT_HELP:
			fputs(ps_usage, stdout);
			return 0;
		case ':':
			return rs_usage_error("ps", "flag `%s` needs a value",
					      argv[optind - 1]);
		default:
			return rs_usage_error("ps", "unknown flag `%s`",
					      argv[optind - 1]);
		}
	}
	if (strcmp(format, "table") != 0 && strcmp(format, "json") != 0)
		return rs_usage_error("ps", "invalid format option");
	if (argc - optind < 1)
		return rs_usage_error(
			"ps", "\"ps\" requires a minimum of 1 argument(s)");
	cleanup_error struct rs_error *err = NULL;
	struct rs_state st = { 0 };
	if (rs_state_read(global->root, argv[optind], &st, &err) < 0) {
		rs_error_print(err, "runsc ps", stderr);
		return 1;
	}
	enum rs_status status = rs_state_status(&st);
	rs_state_clear(&st);
	if (status == RS_STATUS_STOPPED || status == RS_STATUS_PAUSED) {
		/* runc lists a stopped container's (no) processes; a paused
		 * Sentry cannot answer, and its processes are frozen. */
		if (status == RS_STATUS_STOPPED)
			return print_processes(NULL,
					       strcmp(format, "json") == 0) < 0;
		rs_error_set(&err, EAGAIN, "container `%s` is paused",
			     argv[optind]);
		rs_error_print(err, "runsc ps", stderr);
		return 1;
	}
	json_t *req = json_pack("{s:s}", "cmd", "ps");
	json_t *reply = NULL;
	int r = rs_lifecycle_call(global, argv[optind], req, NULL, 0, 10000,
				  &reply, &err);
	json_decref(req);
	if (r < 0) {
		rs_error_print(err, "runsc ps", stderr);
		return 1;
	}
	r = print_processes(json_object_get(reply, "processes"),
			    strcmp(format, "json") == 0);
	json_decref(reply);
	return r < 0;
}
