/* Log lines: the text form, runc's JSON form (valid JSON even when cut),
 * the logger writing them, and the error printer hook. */
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include "runsc/error.h"
#include "runsc/log.h"

/* Checks that line is {"level":LEVEL,"msg":"...","time":"..."}\n with a
 * well-formed time, and returns the msg part (still escaped). */
static const char *json_msg(const char *line, const char *level, char *msg,
			    size_t len)
{
	char head[64];
	snprintf(head, sizeof(head), "{\"level\":\"%s\",\"msg\":\"", level);
	assert_int_equal(strncmp(line, head, strlen(head)), 0);
	const char *tail = strstr(line, "\",\"time\":\"");
	assert_non_null(tail);
	size_t n = (size_t)(tail - line) - strlen(head);
	assert_true(n < len);
	memcpy(msg, line + strlen(head), n);
	msg[n] = '\0';
	const char *when = tail + strlen("\",\"time\":\"");
	/* 2026-12-07T22:52:47Z or with an offset. */
	assert_true(when[4] == '-' && when[7] == '-' && when[10] == 'T' &&
		    when[13] == ':' && when[16] == ':');
	size_t total = strlen(line);
	assert_true(total >= 3);
	assert_string_equal(line + total - 3, "\"}\n");
	return msg;
}

static void test_json_line(void **state)
{
	(void)state;
	char line[512], msg[512];
	size_t n = rs_log_format_line(line, sizeof(line), RS_LOG_FORMAT_JSON,
				      RS_LOG_ERROR, NULL,
				      "container does not exist");
	assert_int_equal(n, strlen(line));
	assert_string_equal(json_msg(line, "error", msg, sizeof(msg)),
			    "container does not exist");
	rs_log_format_line(line, sizeof(line), RS_LOG_FORMAT_JSON, RS_LOG_WARN,
			   "gofer", "a \"quoted\"\nline");
	assert_string_equal(json_msg(line, "warning", msg, sizeof(msg)),
			    "gofer: a \\\"quoted\\\"\\nline");
	assert_ptr_equal(strchr(line, '\n'), line + strlen(line) - 1);
}

static void test_json_line_cut(void **state)
{
	(void)state;
	char big[4000];
	memset(big, '<', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	for (size_t len = 60; len < 200; len += 7) {
		char line[256], msg[256];
		size_t n = rs_log_format_line(line, len, RS_LOG_FORMAT_JSON,
					      RS_LOG_DEBUG, NULL, big);
		assert_true(n < len);
		assert_int_equal(n, strlen(line));
		json_msg(line, "debug", msg, sizeof(msg));
		/* Whole escapes only. */
		assert_int_equal(strlen(msg) % 6, 0);
	}
}

static void test_text_line(void **state)
{
	(void)state;
	char line[64], want[64];
	rs_log_format_line(line, sizeof(line), RS_LOG_FORMAT_TEXT, RS_LOG_INFO,
			   "sentry", "hello");
	snprintf(want, sizeof(want), "info sentry[%d]: hello\n", (int)getpid());
	assert_string_equal(line, want);
	char small[16];
	size_t n = rs_log_format_line(small, sizeof(small), RS_LOG_FORMAT_TEXT,
				      RS_LOG_INFO, "sentry", "hello world");
	assert_int_equal(n, sizeof(small) - 1);
	assert_int_equal(small[n - 1], '\n');
}

static void test_logger_writes_json(void **state)
{
	(void)state;
	int p[2];
	assert_int_equal(pipe2(p, O_CLOEXEC), 0);
	rs_log_set_fd(p[1]);
	rs_log_set_format(RS_LOG_FORMAT_JSON);
	rs_err("runsc", "boom %d", 7);
	rs_log_set_format(RS_LOG_FORMAT_TEXT);
	rs_log_set_fd(2);
	char buf[512], msg[256];
	ssize_t n = read(p[0], buf, sizeof(buf) - 1);
	assert_true(n > 0);
	buf[n] = '\0';
	assert_string_equal(json_msg(buf, "error", msg, sizeof(msg)),
			    "runsc: boom 7");
	close(p[0]);
	close(p[1]);
}

static const char *seen_prog;
static int seen_calls;

static void printer(const struct rs_error *err, const char *prog, FILE *f,
		    void *arg)
{
	(void)err;
	(void)f;
	seen_prog = prog;
	seen_calls += *(int *)arg;
}

static void test_error_printer_hook(void **state)
{
	(void)state;
	int one = 1;
	struct rs_error *err = NULL;
	rs_error_set(&err, 0, "x");
	rs_error_set_printer(printer, &one);
	rs_error_print(err, "runsc state", stderr);
	rs_error_set_printer(NULL, NULL);
	assert_int_equal(seen_calls, 1);
	assert_string_equal(seen_prog, "runsc state");
	FILE *f = tmpfile();
	rs_error_print(err, "runsc state", f);
	rewind(f);
	char line[64];
	assert_non_null(fgets(line, sizeof(line), f));
	assert_string_equal(line, "runsc state: x\n");
	fclose(f);
	assert_int_equal(seen_calls, 1);
	rs_error_free(err);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_json_line),
		cmocka_unit_test(test_json_line_cut),
		cmocka_unit_test(test_text_line),
		cmocka_unit_test(test_logger_writes_json),
		cmocka_unit_test(test_error_printer_hook),
	};
	return cmocka_run_group_tests_name("rsutil/log", tests, NULL, NULL);
}
