#include "runsc/error.h"

#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

static int error_result(int errnum)
{
	return errnum > 0 ? -errnum : -1;
}

int rs_error_set(struct rs_error **err, int errnum, const char *fmt, ...)
{
	if (errnum < 0)
		errnum = -errnum;
	if (err == NULL || *err != NULL)
		return error_result(errnum);
	struct rs_error *e = calloc(1, sizeof(*e));
	if (e == NULL)
		return error_result(errnum);
	va_list ap;
	va_start(ap, fmt);
	if (vasprintf(&e->msg, fmt, ap) < 0)
		e->msg = NULL;
	va_end(ap);
	e->errnum = errnum;
	*err = e;
	return error_result(errnum);
}

int rs_error_wrap(struct rs_error **err, const char *fmt, ...)
{
	if (err == NULL || *err == NULL)
		return -1;
	struct rs_error *e = *err;
	char *prefix = NULL, *joined = NULL;
	va_list ap;
	va_start(ap, fmt);
	int n = vasprintf(&prefix, fmt, ap);
	va_end(ap);
	if (n >= 0 && asprintf(&joined, "%s: %s", prefix,
			       e->msg ? e->msg : "(no message)") >= 0) {
		free(e->msg);
		e->msg = joined;
	}
	if (n >= 0)
		free(prefix);
	return error_result(e->errnum);
}

const char *rs_error_format(const struct rs_error *err, char *buf, size_t len)
{
	if (len == 0)
		return buf;
	if (err == NULL) {
		snprintf(buf, len, "(no error)");
		return buf;
	}
	const char *msg =
		err->msg ? err->msg : "out of memory formatting error";
	if (err->errnum > 0)
		snprintf(buf, len, "%s: %s", msg, strerror(err->errnum));
	else
		snprintf(buf, len, "%s", msg);
	return buf;
}

static rs_error_printer error_printer;
static void *error_printer_arg;

void rs_error_set_printer(rs_error_printer printer, void *arg)
{
	error_printer = printer;
	error_printer_arg = arg;
}

void rs_error_print(const struct rs_error *err, const char *prog, FILE *f)
{
	if (error_printer) {
		error_printer(err, prog, f, error_printer_arg);
		return;
	}
	char buf[1024];
	fprintf(f, "%s: %s\n", prog, rs_error_format(err, buf, sizeof(buf)));
}

void rs_error_free(struct rs_error *err)
{
	if (err == NULL)
		return;
	free(err->msg);
	free(err);
}

void rs_error_clear(struct rs_error **err)
{
	rs_error_free(*err);
	*err = NULL;
}
