#include "runsc/log.h"

#include <stdio.h>
#include <string.h>
#include <sys/uio.h>
#include <unistd.h>

/* Process-wide logger state: the control plane runs one logger per process
 * (runsc, the Sentry and the Gofer are separate processes). */
static enum rs_log_level log_level = RS_LOG_WARN;
static rs_log_sink log_sink;
static void *log_sink_arg;
static int log_fd = STDERR_FILENO;

static const char *const level_names[] = {
	[RS_LOG_ERROR] = "error",
	[RS_LOG_WARN] = "warning",
	[RS_LOG_INFO] = "info",
	[RS_LOG_DEBUG] = "debug",
};

const char *rs_log_level_name(enum rs_log_level level)
{
	if ((unsigned)level >= sizeof(level_names) / sizeof(level_names[0]))
		return "unknown";
	return level_names[level];
}

void rs_log_set_level(enum rs_log_level level)
{
	log_level = level;
}

enum rs_log_level rs_log_get_level(void)
{
	return log_level;
}

void rs_log_set_sink(rs_log_sink sink, void *arg)
{
	log_sink = sink;
	log_sink_arg = arg;
}

void rs_log_set_fd(int fd)
{
	log_fd = fd;
}

int rs_log_fd(void)
{
	return log_fd;
}

/* One write per line so that lines of concurrent processes sharing the
 * descriptor do not interleave. */
static void default_sink(enum rs_log_level level, const char *component,
			 const char *msg)
{
	char line[4096];
	int n = snprintf(line, sizeof(line), "%s %s[%d]: %s\n",
			 rs_log_level_name(level), component, (int)getpid(),
			 msg);
	if (n < 0)
		return;
	if ((size_t)n >= sizeof(line)) {
		n = sizeof(line) - 1;
		line[n - 1] = '\n';
	}
	ssize_t w = write(log_fd, line, (size_t)n);
	(void)w; /* nowhere to report a failing log write */
}

void rs_vlog(enum rs_log_level level, const char *component, const char *fmt,
	     va_list ap)
{
	if (!rs_log_enabled(level))
		return;
	char msg[3072];
	vsnprintf(msg, sizeof(msg), fmt, ap);
	if (log_sink)
		log_sink(level, component, msg, log_sink_arg);
	else
		default_sink(level, component, msg);
}

void rs_log(enum rs_log_level level, const char *component, const char *fmt,
	    ...)
{
	va_list ap;
	va_start(ap, fmt);
	rs_vlog(level, component, fmt, ap);
	va_end(ap);
}
