/* `runsc list [--format table|json] [--quiet]`: the containers under
 * --root, as runc lists them (list.go):
 *   - table: ID PID STATUS BUNDLE CREATED OWNER through Go's tabwriter
 *     (minimum width 12, padding 3, spaces), pid 0 once stopped;
 *   - json: one compact array of OCI states ("null" when there are none)
 *     and a newline;
 *   - -q: the ids alone, one a line, whatever the format;
 *   - a bad format is "invalid format option", checked after the listing
 *     as runc does (so -q never fails on it). */
#include <errno.h>
#include <getopt.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "json_out.h"
#include "runsc.h"
#include "runsc/cleanup.h"
#include "state.h"

static const char list_usage[] =
	"usage: runsc list [--format table|json] [--quiet]\n"
	"lists the containers under --root\n"
	"  -f, --format FORMAT   table (default) or json\n"
	"  -q, --quiet           the container ids only\n";

#define COLUMNS 6

/* Go's text/tabwriter as runc sets it up: NewWriter(w, 12, 1, 3, ' ', 0).
 * Every column but the last is as wide as its widest cell plus 3, and at
 * least 12; widths count UTF-8 characters. */
enum { TAB_MINWIDTH = 12, TAB_PADDING = 3 };

static size_t text_width(const char *s)
{
	size_t n = 0;
	for (; *s; s++)
		if (((unsigned char)*s & 0xc0) != 0x80)
			n++;
	return n;
}

static void print_table(FILE *f, const char *(*rows)[COLUMNS], size_t nrows)
{
	size_t width[COLUMNS - 1];
	for (int c = 0; c < COLUMNS - 1; c++) {
		width[c] = TAB_MINWIDTH;
		for (size_t r = 0; r < nrows; r++) {
			size_t w = text_width(rows[r][c]) + TAB_PADDING;
			if (w > width[c])
				width[c] = w;
		}
	}
	for (size_t r = 0; r < nrows; r++) {
		for (int c = 0; c < COLUMNS - 1; c++)
			fprintf(f, "%s%*s", rows[r][c],
				(int)(width[c] - text_width(rows[r][c])), "");
		fprintf(f, "%s\n", rows[r][COLUMNS - 1]);
	}
}

static int list_table(struct rs_state *v, size_t n)
{
	const char *(*rows)[COLUMNS] = calloc(n + 1, sizeof(*rows));
	if (rows == NULL)
		return -1;
	static const char *const header[COLUMNS] = { "ID",	"PID",
						     "STATUS",	"BUNDLE",
						     "CREATED", "OWNER" };
	memcpy(rows[0], header, sizeof(header));
	char(*pids)[16] = calloc(n + 1, sizeof(*pids));
	char(*created)[48] = calloc(n + 1, sizeof(*created));
	int r = pids && created ? 0 : -1;
	for (size_t i = 0; r == 0 && i < n; i++) {
		enum rs_status status = rs_state_status(&v[i]);
		snprintf(pids[i], sizeof(pids[i]), "%d",
			 status == RS_STATUS_STOPPED ? 0 : (int)v[i].pid);
		rs_time_format(&v[i].created, created[i], sizeof(created[i]));
		const char **row = rows[i + 1];
		row[0] = v[i].id;
		row[1] = pids[i];
		row[2] = rs_status_name(status);
		row[3] = v[i].bundle ? v[i].bundle : "";
		row[4] = created[i];
		row[5] = v[i].owner ? v[i].owner : "";
	}
	if (r == 0)
		print_table(stdout, rows, n + 1);
	free(pids);
	free(created);
	free(rows);
	return r;
}

static int list_json(struct rs_state *v, size_t n)
{
	if (n == 0)
		/* runc encodes a nil slice. */
		return fputs("null\n", stdout) < 0 ? -1 : 0;
	json_t *a = json_array();
	for (size_t i = 0; a && i < n; i++)
		if (json_array_append_new(
			    a, rs_state_oci_json(&v[i],
						 rs_state_status(&v[i]))) < 0) {
			json_decref(a);
			a = NULL;
		}
	int r = a ? rs_json_go_print(stdout, a, NULL, "\n") : -1;
	json_decref(a);
	return r;
}

int rs_cmd_list(struct rs_global *global, int argc, char **argv)
{
	enum { OPT_FORMAT = 256, OPT_QUIET, OPT_HELP };
	static const struct option options[] = {
		{ "format", required_argument, NULL, OPT_FORMAT },
		{ "quiet", no_argument, NULL, OPT_QUIET },
		{ "help", no_argument, NULL, OPT_HELP },
		{ NULL, 0, NULL, 0 },
	};
	const char *format = "table";
	bool quiet = false;
	optind = 0;
	opterr = 0;
	for (;;) {
		int c = getopt_long_only(argc, argv, "+:f:qh", options, NULL);
		if (c == -1)
			break;
		switch (c) {
		case 'f':
		case OPT_FORMAT:
			format = optarg;
			break;
		case 'q':
		case OPT_QUIET:
			quiet = true;
			break;
		case 'h':
		case OPT_HELP:
			fputs(list_usage, stdout);
			return 0;
		case ':':
			return rs_usage_error("list", "flag `%s` needs a value",
					      argv[optind - 1]);
		default:
			return rs_usage_error("list", "unknown flag `%s`",
					      argv[optind - 1]);
		}
	}
	if (optind != argc)
		return rs_usage_error(
			"list", "\"list\" requires exactly 0 argument(s)");
	cleanup_error struct rs_error *err = NULL;
	struct rs_state *v;
	size_t n;
	if (rs_state_list(global->root, &v, &n, &err) < 0) {
		rs_error_print(err, "runsc list", stderr);
		return 1;
	}
	int r = 0;
	if (quiet) {
		for (size_t i = 0; i < n && r == 0; i++)
			r = printf("%s\n", v[i].id) < 0 ? -1 : 0;
	} else if (strcmp(format, "table") == 0) {
		r = list_table(v, n);
	} else if (strcmp(format, "json") == 0) {
		r = list_json(v, n);
	} else {
		rs_state_list_free(v, n);
		return rs_usage_error("list", "invalid format option");
	}
	rs_state_list_free(v, n);
	if (r < 0 || fflush(stdout) != 0) {
		rs_error_set(&err, errno, "write the list");
		rs_error_print(err, "runsc list", stderr);
		return 1;
	}
	return 0;
}
