/* The global flags this layer adds (--root, --log-format, --systemd-cgroup),
 * the error routing to --log, Go-shaped JSON output, and the spec,
 * features, list and state commands run in-process against a temporary
 * root, their output compared byte for byte with runc's shapes. */
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>
#include <cmocka.h>

#include "json_out.h"
#include "oci_spec.h"
#include "runsc.h"
#include "state.h"

static char tmp[64];
static char root[96];

static int setup(void **state)
{
	(void)state;
	snprintf(tmp, sizeof(tmp), "/tmp/rs-cmd-XXXXXX");
	if (mkdtemp(tmp) == NULL)
		return -1;
	snprintf(root, sizeof(root), "%s/root", tmp);
	rs_log_set_level(RS_LOG_ERROR);
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	char cmd[128];
	snprintf(cmd, sizeof(cmd), "rm -rf %s", tmp);
	return system(cmd) == 0 ? 0 : -1;
}

/* What a command wrote on stdout and stderr, and its status. */
struct run {
	int status;
	char out[16384];
	char err[4096];
};

static void slurp(int fd, char *buf, size_t len)
{
	lseek(fd, 0, SEEK_SET);
	ssize_t n = read(fd, buf, len - 1);
	buf[n > 0 ? n : 0] = '\0';
}

/* Runs cmd with the words of line as its argv (no word has a space). */
static void run_cmd(struct run *r, struct rs_global *g,
		    int (*cmd)(struct rs_global *, int, char **),
		    const char *line)
{
	char buf[512];
	char *argv[16];
	int argc = 0;
	snprintf(buf, sizeof(buf), "%s", line);
	for (char *save, *w = strtok_r(buf, " ", &save); w && argc < 15;
	     w = strtok_r(NULL, " ", &save))
		argv[argc++] = w;
	argv[argc] = NULL;
	char out_path[128], err_path[128];
	snprintf(out_path, sizeof(out_path), "%s/out", tmp);
	snprintf(err_path, sizeof(err_path), "%s/err", tmp);
	int out = open(out_path, O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	int err = open(err_path, O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	assert_true(out >= 0 && err >= 0);
	fflush(stdout);
	fflush(stderr);
	int save_out = dup(1), save_err = dup(2);
	dup2(out, 1);
	dup2(err, 2);
	r->status = cmd(g, argc, argv);
	fflush(stdout);
	fflush(stderr);
	dup2(save_out, 1);
	dup2(save_err, 2);
	close(save_out);
	close(save_err);
	slurp(out, r->out, sizeof(r->out));
	slurp(err, r->err, sizeof(r->err));
	close(out);
	close(err);
}

static struct rs_global global_for(const char *dir)
{
	struct rs_global g;
	char *argv[] = { (char *)"runsc", (char *)"--root", (char *)dir, NULL };
	assert_int_equal(rs_parse_global(&g, 3, argv, NULL), 3);
	return g;
}

/* rs_parse_global on a command line given as one string of words. */
static int parse_words(struct rs_global *g, const char *line,
		       struct rs_error **err)
{
	static char buf[256];
	static char *argv[16];
	snprintf(buf, sizeof(buf), "%s", line);
	int argc = 0;
	for (char *save, *w = strtok_r(buf, " ", &save); w && argc < 15;
	     w = strtok_r(NULL, " ", &save))
		argv[argc++] = w;
	argv[argc] = NULL;
	return rs_parse_global(g, argc, argv, err);
}

static void test_global_flags(void **state)
{
	(void)state;
	struct rs_global g;
	struct rs_error *err = NULL;
	assert_int_equal(parse_words(&g, "runsc list", &err), 1);
	assert_string_equal(g.root, "/var/run/runsc");
	assert_int_equal(g.log_format, RS_LOG_FORMAT_TEXT);
	assert_false(g.systemd_cgroup);
	/* As containerd passes them: single dashes, = forms. */
	assert_int_equal(
		parse_words(&g,
			    "runsc -root /run/x --log=/tmp/l "
			    "-log-format json --systemd-cgroup state c1",
			    &err),
		7);
	assert_string_equal(g.root, "/run/x");
	assert_string_equal(g.log, "/tmp/l");
	assert_int_equal(g.log_format, RS_LOG_FORMAT_JSON);
	assert_true(g.systemd_cgroup);
	/* A relative root is taken from the working directory, as runc's
	 * filepath.Abs. */
	char cwd[256], want[300];
	assert_non_null(getcwd(cwd, sizeof(cwd)));
	assert_int_equal(parse_words(&g, "runsc --root rel/r list", &err), 3);
	snprintf(want, sizeof(want), "%s/rel/r", strcmp(cwd, "/") ? cwd : "");
	assert_string_equal(g.root, want);
	assert_true(parse_words(&g, "runsc --log-format xml list", &err) < 0);
	assert_string_equal(err->msg,
			    "--log-format `xml`: must be text or json");
	rs_error_clear(&err);
	assert_true(parse_words(&g, "runsc --root= list", &err) < 0);
	assert_string_equal(err->msg, "--root: needs a directory");
	rs_error_clear(&err);
}

static void test_errors_reach_the_log(void **state)
{
	(void)state;
	char log_path[128];
	snprintf(log_path, sizeof(log_path), "%s/log.json", tmp);
	struct rs_global g = global_for(root);
	g.log = log_path;
	g.log_format = RS_LOG_FORMAT_JSON;
	struct rs_error *err = NULL;
	assert_int_equal(rs_setup_logging(&g, &err), 0);
	struct run r;
	run_cmd(&r, &g, rs_cmd_state, "state missing");
	assert_int_equal(r.status, 1);
	/* stderr keeps its one line, the log gets runc's JSON line. */
	assert_string_equal(r.err, "runsc state: container does not exist\n");
	FILE *f = fopen(log_path, "r");
	assert_non_null(f);
	char line[512];
	assert_non_null(fgets(line, sizeof(line), f));
	fclose(f);
	json_error_t je;
	json_t *doc = json_loads(line, 0, &je);
	assert_non_null(doc);
	assert_string_equal(json_string_value(json_object_get(doc, "level")),
			    "error");
	assert_string_equal(json_string_value(json_object_get(doc, "msg")),
			    "container does not exist");
	assert_true(json_is_string(json_object_get(doc, "time")));
	assert_int_equal(json_object_size(doc), 3);
	json_decref(doc);

	/* A usage error goes the same way. */
	run_cmd(&r, &g, rs_cmd_list, "list extra");
	assert_int_equal(r.status, 1);
	assert_string_equal(r.err, "runsc list: \"list\" requires exactly 0 "
				   "argument(s)\n");

	/* json without --log: the JSON line on stderr, as runc. */
	g.log = NULL;
	assert_int_equal(rs_setup_logging(&g, &err), 0);
	run_cmd(&r, &g, rs_cmd_state, "state a/b");
	assert_int_equal(r.status, 1);
	doc = json_loads(r.err, 0, &je);
	assert_non_null(doc);
	assert_string_equal(json_string_value(json_object_get(doc, "msg")),
			    "invalid container ID format");
	json_decref(doc);
	rs_error_set_printer(NULL, NULL);
	rs_log_set_format(RS_LOG_FORMAT_TEXT);
	rs_log_set_fd(2);
}

static void test_json_out_shapes(void **state)
{
	(void)state;
	json_t *v = json_pack("{s:[i,i], s:{}, s:[], s:s, s:b, s:n, s:{s:s}}",
			      "a", 1, -2, "b", "c", "d", "<&>\n\"", "e", 1, "f",
			      "g", "h", "i");
	char *text = rs_json_go(v, NULL);
	assert_string_equal(text, "{\"a\":[1,-2],\"b\":{},\"c\":[],\"d\":"
				  "\"\\u003c\\u0026\\u003e\\n\\\"\",\"e\":true,"
				  "\"f\":null,\"g\":{\"h\":\"i\"}}");
	free(text);
	text = rs_json_go(v, "  ");
	assert_string_equal(text, "{\n"
				  "  \"a\": [\n"
				  "    1,\n"
				  "    -2\n"
				  "  ],\n"
				  "  \"b\": {},\n"
				  "  \"c\": [],\n"
				  "  \"d\": \"\\u003c\\u0026\\u003e\\n\\\"\",\n"
				  "  \"e\": true,\n"
				  "  \"f\": null,\n"
				  "  \"g\": {\n"
				  "    \"h\": \"i\"\n"
				  "  }\n"
				  "}");
	free(text);
	json_decref(v);
	v = json_pack("{s:i, s:i, s:i}", "b", 2, "c", 3, "a", 1);
	json_t *sorted = rs_json_sorted(v);
	text = rs_json_go(sorted, NULL);
	assert_string_equal(text, "{\"a\":1,\"b\":2,\"c\":3}");
	free(text);
	json_decref(sorted);
	json_decref(v);
}

static void test_spec_command(void **state)
{
	(void)state;
	struct rs_global g = global_for(root);
	char bundle[128], path[160];
	snprintf(bundle, sizeof(bundle), "%s/bundle", tmp);
	assert_int_equal(mkdir(bundle, 0755), 0);
	struct run r;
	char line[256];
	snprintf(line, sizeof(line), "spec --bundle %s", bundle);
	run_cmd(&r, &g, rs_cmd_spec, line);
	assert_int_equal(r.status, 0);
	snprintf(path, sizeof(path), "%s/config.json", bundle);
	/* Our own parser takes what we write (with a rootfs). */
	snprintf(path, sizeof(path), "%s/rootfs", bundle);
	assert_int_equal(mkdir(path, 0755), 0);
	struct rs_oci_spec *spec = NULL;
	struct rs_error *err = NULL;
	assert_int_equal(rs_oci_spec_load(bundle, &spec, &err), 0);
	assert_string_equal(spec->oci_version, RS_OCI_VERSION);
	assert_string_equal(spec->process->args[0], "sh");
	assert_true(spec->process->terminal);
	assert_string_equal(spec->hostname, "runsc");
	assert_int_equal(spec->n_mounts, 7);
	assert_non_null(rs_oci_spec_namespace(spec, RS_OCI_NS_NETWORK));
	rs_oci_spec_free(spec);
	/* Never overwritten. */
	snprintf(line, sizeof(line), "spec -b %s", bundle);
	run_cmd(&r, &g, rs_cmd_spec, line);
	assert_int_equal(r.status, 1);
	char want[256];
	snprintf(want, sizeof(want),
		 "runsc spec: File `%s/config.json` exists. Remove it first\n",
		 bundle);
	assert_string_equal(r.err, want);
	/* Rootless: a user namespace with this user mapped, no network
	 * namespace, no resources. */
	snprintf(path, sizeof(path), "%s/config.json", bundle);
	unlink(path);
	snprintf(line, sizeof(line), "spec -b %s --rootless", bundle);
	run_cmd(&r, &g, rs_cmd_spec, line);
	assert_int_equal(r.status, 0);
	assert_int_equal(rs_oci_spec_load(bundle, &spec, &err), 0);
	assert_non_null(rs_oci_spec_namespace(spec, RS_OCI_NS_USER));
	assert_null(rs_oci_spec_namespace(spec, RS_OCI_NS_NETWORK));
	assert_int_equal(spec->linux_cfg.uid_mappings[0].host_id, geteuid());
	assert_false(spec->linux_cfg.resources.present);
	rs_oci_spec_free(spec);
	run_cmd(&r, &g, rs_cmd_spec, "spec --bogus");
	assert_int_equal(r.status, 1);
	assert_string_equal(r.err, "runsc spec: unknown flag `--bogus`\n");
}

static void test_features_command(void **state)
{
	(void)state;
	struct rs_global g = global_for(root);
	struct run r;
	run_cmd(&r, &g, rs_cmd_features, "features");
	assert_int_equal(r.status, 0);
	/* Four-space indentation and a final newline, as runc's. */
	const char *head = "{\n    \"ociVersionMin\": \"1.0.0\",\n";
	assert_int_equal(strncmp(r.out, head, strlen(head)), 0);
	assert_int_equal(r.out[strlen(r.out) - 1], '\n');
	json_error_t je;
	json_t *f = json_loads(r.out, 0, &je);
	assert_non_null(f);
	assert_string_equal(
		json_string_value(json_object_get(f, "ociVersionMax")),
		RS_OCI_VERSION);
	assert_int_equal(json_array_size(json_object_get(f, "hooks")),
			 RS_OCI_HOOK_KINDS);
	json_t *lx = json_object_get(f, "linux");
	assert_int_equal(json_array_size(json_object_get(lx, "capabilities")),
			 RS_OCI_CAP_LAST + 1);
	assert_int_equal(json_array_size(json_object_get(lx, "namespaces")),
			 RS_OCI_NS_TYPES);
	assert_true(json_is_false(
		json_object_get(json_object_get(lx, "seccomp"), "enabled")));
	/* Every mount option it lists is one the parser takes as a flag
	 * (never passed on as filesystem data). */
	json_t *opts = json_object_get(f, "mountOptions");
	size_t i;
	json_t *o;
	json_array_foreach(opts, i, o)
	{
		char text[256];
		snprintf(text, sizeof(text),
			 "{\"process\": {\"args\": [\"a\"], \"cwd\": \"/\"},"
			 " \"root\": {\"path\": \"r\"}, \"mounts\": [{"
			 "\"destination\": \"/m\", \"options\": [\"%s\"]}]}",
			 json_string_value(o));
		struct rs_oci_spec *s = NULL;
		assert_int_equal(
			rs_oci_spec_parse(text, strlen(text), "/b", &s, NULL),
			0);
		assert_null(s->mounts[0].data);
		rs_oci_spec_free(s);
	}
	json_decref(f);
}

/* A container in the store with the given pid (0: none). */
static void add(const char *id, const char *bundle, enum rs_status status,
		pid_t pid, uint64_t start, bool annotated)
{
	struct rs_state st = { 0 };
	st.id = strdup(id);
	st.oci_version = strdup("1.0.2-dev");
	st.bundle = strdup(bundle);
	char rootfs[256];
	snprintf(rootfs, sizeof(rootfs), "%s/rootfs", bundle);
	st.rootfs = strdup(rootfs);
	st.owner = strdup("root");
	st.status = status;
	st.pid = pid;
	st.pid_start = start;
	st.created = (struct timespec){ 1796684386, 353277470 };
	st.annotations =
		annotated ? json_pack("{s:s}", "a.b", "c") : json_object();
	st.ext = json_object();
	struct rs_container *c = NULL;
	struct rs_error *err = NULL;
	if (rs_container_create(root, &st, &c, &err) < 0)
		fail_msg("create %s: %s", id, err->msg);
	rs_container_close(c);
	rs_state_clear(&st);
}

static void test_list_and_state_commands(void **state)
{
	(void)state;
	struct rs_global g = global_for(root);
	struct run r;
	/* Nothing yet (and no root): the header alone, "null" in JSON. */
	run_cmd(&r, &g, rs_cmd_list, "list");
	assert_int_equal(r.status, 0);
	assert_string_equal(r.out, "ID          PID         STATUS      BUNDLE "
				   "     CREATED     OWNER\n");
	run_cmd(&r, &g, rs_cmd_list, "list --format json");
	assert_string_equal(r.out, "null\n");

	uint64_t start;
	assert_int_equal(rs_proc_start_time(getpid(), &start, NULL), 0);
	pid_t dead = fork();
	if (dead == 0)
		_exit(0);
	assert_int_equal(waitpid(dead, NULL, 0), dead);
	add("web", "/srv/bundles/web", RS_STATUS_RUNNING, getpid(), start,
	    true);
	add("a-very-long-container-id", "/b", RS_STATUS_RUNNING, dead, 0,
	    false);

	run_cmd(&r, &g, rs_cmd_list, "list");
	assert_int_equal(r.status, 0);
	char want[1024];
	/* Go's tabwriter: each column as wide as its widest cell plus 3,
	 * at least 12; the dead pid shows as 0, stopped. */
	char pid[16];
	snprintf(pid, sizeof(pid), "%d", (int)getpid());
#define ROW "%-27s%-12s%-12s%-19s%-32s%s\n"
	int n = snprintf(want, sizeof(want), ROW, "ID", "PID", "STATUS",
			 "BUNDLE", "CREATED", "OWNER");
	n += snprintf(want + n, sizeof(want) - (size_t)n, ROW,
		      "a-very-long-container-id", "0", "stopped", "/b",
		      "2026-12-07T22:59:46.35327747Z", "root");
	snprintf(want + n, sizeof(want) - (size_t)n, ROW, "web", pid, "running",
		 "/srv/bundles/web", "2026-12-07T22:59:46.35327747Z", "root");
	assert_string_equal(r.out, want);

	run_cmd(&r, &g, rs_cmd_list, "list -q");
	assert_string_equal(r.out, "a-very-long-container-id\nweb\n");
	/* -q wins over a bad format, as in runc. */
	run_cmd(&r, &g, rs_cmd_list, "list -q -f xml");
	assert_int_equal(r.status, 0);
	run_cmd(&r, &g, rs_cmd_list, "list -f xml");
	assert_int_equal(r.status, 1);
	assert_string_equal(r.err, "runsc list: invalid format option\n");

	run_cmd(&r, &g, rs_cmd_list, "list --format=json");
	assert_int_equal(r.status, 0);
	snprintf(
		want, sizeof(want),
		"[{\"ociVersion\":\"1.0.2-dev\",\"id\":\"a-very-long-container-"
		"id\",\"pid\":0,\"status\":\"stopped\",\"bundle\":\"/b\","
		"\"rootfs\":\"/b/rootfs\",\"created\":\"2026-12-07T22:59:46."
		"35327747Z\",\"owner\":\"root\"},{\"ociVersion\":\"1.0.2-dev\","
		"\"id\":\"web\",\"pid\":%d,\"status\":\"running\",\"bundle\":"
		"\"/srv/bundles/web\",\"rootfs\":\"/srv/bundles/web/rootfs\","
		"\"created\":\"2026-12-07T22:59:46.35327747Z\",\"annotations\":"
		"{\"a.b\":\"c\"},\"owner\":\"root\"}]\n",
		(int)getpid());
	assert_string_equal(r.out, want);

	run_cmd(&r, &g, rs_cmd_state, "state web");
	assert_int_equal(r.status, 0);
	snprintf(want, sizeof(want),
		 "{\n  \"ociVersion\": \"1.0.2-dev\",\n  \"id\": \"web\",\n"
		 "  \"pid\": %d,\n  \"status\": \"running\",\n"
		 "  \"bundle\": \"/srv/bundles/web\",\n"
		 "  \"rootfs\": \"/srv/bundles/web/rootfs\",\n"
		 "  \"created\": \"2026-12-07T22:59:46.35327747Z\",\n"
		 "  \"annotations\": {\n    \"a.b\": \"c\"\n  },\n"
		 "  \"owner\": \"root\"\n}",
		 (int)getpid());
	assert_string_equal(r.out, want);
	run_cmd(&r, &g, rs_cmd_state, "state a-very-long-container-id");
	assert_non_null(
		strstr(r.out, "\"pid\": 0,\n  \"status\": \"stopped\""));

	run_cmd(&r, &g, rs_cmd_state, "state");
	assert_int_equal(r.status, 1);
	assert_string_equal(r.err, "runsc state: \"state\" requires exactly 1 "
				   "argument(s)\n");
	run_cmd(&r, &g, rs_cmd_state, "state nope");
	assert_int_equal(r.status, 1);
	assert_string_equal(r.err, "runsc state: container does not exist\n");
	run_cmd(&r, &g, rs_cmd_state, "state ..");
	assert_string_equal(r.err,
			    "runsc state: invalid container ID format\n");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_global_flags),
		cmocka_unit_test(test_errors_reach_the_log),
		cmocka_unit_test(test_json_out_shapes),
		cmocka_unit_test(test_spec_command),
		cmocka_unit_test(test_features_command),
		cmocka_unit_test(test_list_and_state_commands),
	};
	return cmocka_run_group_tests_name("runsc/commands", tests, setup,
					   teardown);
}
