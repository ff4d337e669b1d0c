/* --log, --log-format and --debug-log for every command.
 *
 * Engines run runc with --log FILE --log-format json and, when a command
 * fails, read the last error line from FILE ({"level":"error","msg":...}).
 * runc's fatal() writes the error through logrus (to --log when given,
 * else stderr) and, when the log is a file, prints the bare message on
 * stderr as well. runsc does the same for every error printed with
 * rs_error_print: the line goes to the --log file in --log-format, and
 * stderr keeps its one-line "runsc CMD: message"; with json and no --log,
 * the JSON line itself goes to stderr. */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "runsc.h"
#include "runsc/log.h"

/* The --log file, kept open for the life of the process. */
static int error_log_fd = -1;
static enum rs_log_format error_log_format;

static void write_all(int fd, const char *buf, size_t len)
{
	while (len > 0) {
		ssize_t n = write(fd, buf, len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return; /* nowhere to report it */
		buf += n;
		len -= (size_t)n;
	}
}

static void print_error(const struct rs_error *err, const char *prog, FILE *f,
			void *arg)
{
	(void)arg;
	char msg[1024], line[2048];
	rs_error_format(err, msg, sizeof(msg));
	if (error_log_fd >= 0) {
		size_t n =
			rs_log_format_line(line, sizeof(line), error_log_format,
					   RS_LOG_ERROR, NULL, msg);
		write_all(error_log_fd, line, n);
	} else if (error_log_format == RS_LOG_FORMAT_JSON && f == stderr) {
		size_t n = rs_log_format_line(line, sizeof(line),
					      RS_LOG_FORMAT_JSON, RS_LOG_ERROR,
					      NULL, msg);
		fflush(f);
		write_all(fileno(f), line, n);
		return;
	}
	fprintf(f, "%s: %s\n", prog, msg);
}

static int open_log(const char *path, struct rs_error **err)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
	if (fd < 0)
		return rs_error_set(err, errno, "open log `%s`", path);
	return fd;
}

int rs_setup_logging(const struct rs_global *g, struct rs_error **err)
{
	/* Once per process in runsc; a second call (tests) starts over. */
	if (error_log_fd >= 0) {
		if (rs_log_fd() == error_log_fd)
			rs_log_set_fd(STDERR_FILENO);
		close(error_log_fd);
		error_log_fd = -1;
	}
	if (g->debug)
		rs_log_set_level(RS_LOG_DEBUG);
	rs_log_set_format(g->log_format);
	error_log_format = g->log_format;
	if (g->log) {
		error_log_fd = open_log(g->log, err);
		if (error_log_fd < 0)
			return -1;
	}
	/* Debug lines go to --debug-log when given, else to --log. */
	if (g->debug_log) {
		int fd = open_log(g->debug_log, err);
		if (fd < 0)
			return -1;
		rs_log_set_fd(fd);
	} else if (error_log_fd >= 0) {
		rs_log_set_fd(error_log_fd);
	}
	rs_error_set_printer(print_error, NULL);
	return 0;
}

int rs_usage_error(const char *cmd, const char *fmt, ...)
{
	struct rs_error *e = NULL;
	char msg[512];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	char prog[64];
	snprintf(prog, sizeof(prog), "runsc %s", cmd);
	rs_error_set(&e, 0, "%s", msg);
	rs_error_print(e, prog, stderr);
	rs_error_free(e);
	return 1;
}
