#include "runsc/log.h"

#include <stdio.h>
#include <string.h>
#include <sys/uio.h>
#include <time.h>
#include <unistd.h>

#include "runsc/jsonstr.h"

/* Process-wide logger state: the control plane runs one logger per process
 * (runsc, the Sentry and the Gofer are separate processes). */
static enum rs_log_level log_level = RS_LOG_WARN;
static rs_log_sink log_sink;
static void *log_sink_arg;
static int log_fd = STDERR_FILENO;
static enum rs_log_format log_format = RS_LOG_FORMAT_TEXT;

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

void rs_log_set_format(enum rs_log_format format)
{
	log_format = format;
}

enum rs_log_format rs_log_get_format(void)
{
	return log_format;
}

/* logrus's default timestamp: time.RFC3339 in the local zone ("Z" for
 * UTC, else +hh:mm). */
static void log_time(char *buf, size_t len)
{
	time_t now = time(NULL);
	struct tm tm;
	localtime_r(&now, &tm);
	long off = tm.tm_gmtoff;
	char zone[8] = "Z";
	if (off != 0) {
		char sign = off < 0 ? '-' : '+';
		if (off < 0)
			off = -off;
		snprintf(zone, sizeof(zone), "%c%02ld:%02ld", sign,
			 (off / 3600) % 100, (off / 60) % 60);
	}
	snprintf(buf, len, "%04d-%02d-%02dT%02d:%02d:%02d%s", tm.tm_year + 1900,
		 tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec,
		 zone);
}

size_t rs_log_format_line(char *buf, size_t len, enum rs_log_format format,
			  enum rs_log_level level, const char *component,
			  const char *msg)
{
	if (len < 2) {
		if (len)
			buf[0] = '\0';
		return 0;
	}
	int n;
	if (format == RS_LOG_FORMAT_JSON) {
		char text[3200], when[40];
		if (component)
			snprintf(text, sizeof(text), "%s: %s", component, msg);
		else
			snprintf(text, sizeof(text), "%s", msg);
		log_time(when, sizeof(when));
		/* The tail after msg is fixed: keep room for it so that a
		 * long message is cut inside its string, never the line. */
		int head = snprintf(buf, len, "{\"level\":\"%s\",\"msg\":",
				    rs_log_level_name(level));
		char tail[64];
		int tlen = snprintf(tail, sizeof(tail), ",\"time\":\"%s\"}\n",
				    when);
		if (head < 0 || tlen < 0 ||
		    (size_t)head + (size_t)tlen + 3 > len)
			return (size_t)snprintf(buf, len, "{}\n");
		size_t room = len - (size_t)head - (size_t)tlen;
		/* One byte kept back for the closing quote of a cut string
		 * (the escaper cuts between escapes, never inside one). */
		size_t need = rs_json_escape(buf + head, room - 1, text,
					     strlen(text));
		if (need >= room - 1) {
			size_t got = strlen(buf + head);
			buf[head + got] = '"';
			need = got + 1;
		}
		memcpy(buf + head + need, tail, (size_t)tlen + 1);
		return (size_t)head + need + (size_t)tlen;
	}
	n = snprintf(buf, len, "%s %s[%d]: %s\n", rs_log_level_name(level),
		     component ? component : "runsc", (int)getpid(), msg);
	if (n < 0) {
		buf[0] = '\0';
		return 0;
	}
	if ((size_t)n >= len) {
		n = (int)len - 1;
		buf[n - 1] = '\n';
	}
	return (size_t)n;
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
	size_t n = rs_log_format_line(line, sizeof(line), log_format, level,
				      component, msg);
	if (n == 0)
		return;
	ssize_t w = write(log_fd, line, n);
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
