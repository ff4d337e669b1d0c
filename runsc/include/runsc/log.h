/* The one logger of the control plane: levels and a component tag.
 *
 * Off below RS_LOG_WARN by default; runsc's --debug / --debug-log turn on
 * debug output. Lines go to a sink, by default "LEVEL component[pid]:
 * message" on stderr, or on the --log / --debug-log file runsc opens; with
 * --log-format json each line is a JSON object as runc's logrus writes it:
 * {"level":"error","msg":"...","time":"2026-12-07T22:52:47Z"}.
 * Not for the data plane: the netstack and the syscall path count events in
 * counters instead of logging them.
 */
#ifndef RUNSC_LOG_H
#define RUNSC_LOG_H

#include <stdarg.h>
#include <stddef.h>

enum rs_log_level {
	RS_LOG_ERROR,
	RS_LOG_WARN,
	RS_LOG_INFO,
	RS_LOG_DEBUG,
};

enum rs_log_format {
	RS_LOG_FORMAT_TEXT, /* "LEVEL component[pid]: message" */
	RS_LOG_FORMAT_JSON, /* runc's --log-format json lines */
};

/* Receives one formatted message (no trailing newline). */
typedef void (*rs_log_sink)(enum rs_log_level level, const char *component,
			    const char *msg, void *arg);

void rs_log_set_level(enum rs_log_level level);
enum rs_log_level rs_log_get_level(void);
/* Installs a sink; NULL restores the default stderr sink. */
void rs_log_set_sink(rs_log_sink sink, void *arg);
/* Default sink writing to fd instead of stderr (for --debug-log FILE). The
 * logger borrows fd: the caller keeps it open for as long as it logs. */
void rs_log_set_fd(int fd);
/* The fd the default sink writes to (STDERR_FILENO unless rs_log_set_fd
 * changed it). Code that closes descriptors wholesale keeps this one open,
 * or later log lines land in whatever file reuses its number. */
int rs_log_fd(void);
const char *rs_log_level_name(enum rs_log_level level);
/* The default sink's line format (text unless set). */
void rs_log_set_format(enum rs_log_format format);
enum rs_log_format rs_log_get_format(void);

/* Formats one log line, newline included, into buf (len bytes, always
 * NUL-terminated; a line too long is cut and still ends in a newline, and
 * a JSON line stays valid JSON). Text: "LEVEL component[pid]: msg"; JSON:
 * level, msg ("component: msg" when component is not NULL) and time (RFC
 * 3339 in local time, seconds, as logrus). Returns the line's length. */
size_t rs_log_format_line(char *buf, size_t len, enum rs_log_format format,
			  enum rs_log_level level, const char *component,
			  const char *msg);

void rs_log(enum rs_log_level level, const char *component, const char *fmt,
	    ...) __attribute__((format(printf, 3, 4)));
void rs_vlog(enum rs_log_level level, const char *component, const char *fmt,
	     va_list ap) __attribute__((format(printf, 3, 0)));

static inline int rs_log_enabled(enum rs_log_level level)
{
	return level <= rs_log_get_level();
}

#define rs_err(comp, ...)  rs_log(RS_LOG_ERROR, comp, __VA_ARGS__)
#define rs_warn(comp, ...) rs_log(RS_LOG_WARN, comp, __VA_ARGS__)
#define rs_info(comp, ...) rs_log(RS_LOG_INFO, comp, __VA_ARGS__)
/* Arguments are not evaluated unless debug logging is on. */
#define rs_debug(comp, ...)                                      \
	do {                                                     \
		if (rs_log_enabled(RS_LOG_DEBUG))                \
			rs_log(RS_LOG_DEBUG, comp, __VA_ARGS__); \
	} while (0)

#endif
