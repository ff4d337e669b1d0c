/* The container state store: ids as runc accepts them, the on-disk
 * layout and modes, atomic replacement of state.json under concurrent
 * readers, the lock serialising commands of several processes (and a
 * waiter finding the container deleted), status derived from stale, dead,
 * zombie and reused pids, and the listing. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <sched.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <cmocka.h>

#include "json_out.h"
#include "oci_spec.h"
#include "runsc/log.h"
#include "state.h"

static char tmp[64];
static char root[96];

static int setup(void **state)
{
	(void)state;
	snprintf(tmp, sizeof(tmp), "/tmp/rs-state-XXXXXX");
	if (mkdtemp(tmp) == NULL)
		return -1;
	/* Two levels that do not exist yet: the store makes them. */
	snprintf(root, sizeof(root), "%s/run/runsc", tmp);
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

/* A state as `create` would make it, for id. */
static void fill(struct rs_state *st, const char *id)
{
	*st = (struct rs_state){ 0 };
	st->id = strdup(id);
	st->oci_version = strdup("1.1.0");
	st->bundle = strdup("/b/bundle");
	st->rootfs = strdup("/b/bundle/rootfs");
	st->owner = strdup("root");
	st->status = RS_STATUS_CREATED;
	st->created = (struct timespec){ 1796684386, 353277470 };
	st->annotations =
		json_pack("{s:s, s:s}", "z.last", "1", "a.first", "2");
	st->ext = json_pack("{s:i}", "counter", 0);
}

static struct rs_container *create(const char *id)
{
	struct rs_state st;
	fill(&st, id);
	struct rs_container *c = NULL;
	struct rs_error *err = NULL;
	int r = rs_container_create(root, &st, &c, &err);
	rs_state_clear(&st);
	if (r < 0)
		fail_msg("create %s: %s", id, err->msg);
	return c;
}

static void destroy(const char *id)
{
	struct rs_container *c = NULL;
	struct rs_error *err = NULL;
	if (rs_container_open(root, id, RS_OPEN_ANY, &c, &err) < 0)
		fail_msg("open %s: %s", id, err->msg);
	if (rs_container_destroy(c, &err) < 0)
		fail_msg("destroy %s: %s", id, err->msg);
}

static void test_ids(void **state)
{
	(void)state;
	char longest[NAME_MAX + 2];
	memset(longest, 'a', NAME_MAX);
	longest[NAME_MAX] = '\0';
	const char *good[] = { "c1", "a.b",    "a,b", "a+b",  "_",
			       "-x", "A-Z_09", "...", "a..b", longest };
	for (size_t i = 0; i < sizeof(good) / sizeof(good[0]); i++)
		assert_int_equal(rs_container_id_check(good[i], NULL), 0);
	longest[NAME_MAX] = 'a';
	longest[NAME_MAX + 1] = '\0';
	const char *bad[] = { "",    ".",	 "..",	"a/b", "../x",
			      "a b", "\xc3\xbc", "a\n", "a:b", longest };
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		struct rs_error *err = NULL;
		assert_int_equal(rs_container_id_check(bad[i], &err), -EINVAL);
		assert_string_equal(err->msg, "invalid container ID format");
		rs_error_free(err);
	}
}

static void test_time_and_status(void **state)
{
	(void)state;
	char buf[48];
	const struct {
		struct timespec ts;
		const char *text;
	} cases[] = {
		{ { 0, 0 }, "1970-01-01T00:00:00Z" },
		/* Go's RFC3339Nano trims trailing zeros. */
		{ { 1796684386, 353277470 }, "2026-12-07T22:59:46.35327747Z" },
		{ { 1796684386, 1 }, "2026-12-07T22:59:46.000000001Z" },
		{ { 1796684386, 500000000 }, "2026-12-07T22:59:46.5Z" },
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		rs_time_format(&cases[i].ts, buf, sizeof(buf));
		assert_string_equal(buf, cases[i].text);
		struct timespec back;
		assert_int_equal(rs_time_parse(buf, &back), 0);
		assert_int_equal(back.tv_sec, cases[i].ts.tv_sec);
		assert_int_equal(back.tv_nsec, cases[i].ts.tv_nsec);
	}
	struct timespec ts;
	assert_int_equal(rs_time_parse("2026-12-07T23:59:46.5+01:00", &ts), 0);
	assert_int_equal(ts.tv_sec, 1796684386);
	assert_int_equal(ts.tv_nsec, 500000000);
	const char *bad[] = { "",
			      "2026-12-07",
			      "2026-12-07T22:59:46",
			      "2026-12-07T22:59:46.Z",
			      "2026-12-07T22:59:46.1234567891Z",
			      "2026-13-07T22:59:46Z",
			      "2026-12-07T22:59:46Zjunk",
			      "2026-12-07 22:59:46Z" };
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		assert_int_equal(rs_time_parse(bad[i], &ts), -1);

	for (int s = RS_STATUS_CREATING; s <= RS_STATUS_STOPPED; s++) {
		enum rs_status back;
		assert_int_equal(
			rs_status_from_name(rs_status_name((enum rs_status)s),
					    &back),
			0);
		assert_int_equal(back, s);
	}
	enum rs_status back;
	assert_int_equal(rs_status_from_name("exited", &back), -1);
}

static mode_t mode_of(const char *path)
{
	struct stat st;
	if (stat(path, &st) < 0)
		fail_msg("stat %s: %s", path, strerror(errno));
	return st.st_mode & 07777;
}

static void test_create_open_save(void **state)
{
	(void)state;
	mode_t old = umask(077); /* the modes must not depend on it */
	struct rs_container *c = create("c1");
	umask(old);
	char path[256];
	assert_int_equal(mode_of(root), 0711);
	snprintf(path, sizeof(path), "%s/c1", root);
	assert_int_equal(mode_of(path), 0711);
	snprintf(path, sizeof(path), "%s/c1/state.json", root);
	assert_int_equal(mode_of(path), 0600);
	snprintf(path, sizeof(path), "%s/c1/lock", root);
	assert_int_equal(mode_of(path), 0600);
	assert_true(c->has_state);
	assert_string_equal(c->state.id, "c1");

	/* The file holds the state and the runtime's private fields. */
	snprintf(path, sizeof(path), "%s/c1/state.json", root);
	json_error_t je;
	json_t *doc = json_load_file(path, 0, &je);
	assert_non_null(doc);
	assert_string_equal(json_string_value(json_object_get(doc, "status")),
			    "created");
	assert_string_equal(json_string_value(json_object_get(doc, "created")),
			    "2026-12-07T22:59:46.35327747Z");
	assert_int_equal(json_integer_value(json_object_get(
				 json_object_get(doc, "runsc"), "counter")),
			 0);
	json_decref(doc);

	/* Create again: runc's error, the first is untouched. */
	struct rs_state st;
	fill(&st, "c1");
	struct rs_container *c2 = NULL;
	struct rs_error *err = NULL;
	assert_int_equal(rs_container_create(root, &st, &c2, &err), -EEXIST);
	assert_null(c2);
	assert_string_equal(err->msg, "container with given ID already exists");
	rs_error_clear(&err);
	free(st.id);
	st.id = strdup("bad/id");
	assert_int_equal(rs_container_create(root, &st, &c2, &err), -EINVAL);
	rs_error_clear(&err);
	rs_state_clear(&st);

	/* Change and save; another open sees it. */
	c->state.status = RS_STATUS_RUNNING;
	c->state.pid = 1234;
	c->state.pid_start = 99;
	c->state.gofer_pid = 1235;
	c->state.gofer_start = 100;
	json_object_set_new(c->state.ext, "console", json_string("/dev/pts/3"));
	assert_int_equal(rs_container_save(c, &err), 0);
	rs_container_close(c);

	assert_int_equal(rs_container_open(root, "c1", 0, &c, &err), 0);
	assert_int_equal(c->state.status, RS_STATUS_RUNNING);
	assert_int_equal(c->state.pid, 1234);
	assert_int_equal(c->state.pid_start, 99);
	assert_int_equal(c->state.gofer_pid, 1235);
	assert_int_equal(c->state.gofer_start, 100);
	assert_string_equal(c->state.bundle, "/b/bundle");
	assert_string_equal(c->state.rootfs, "/b/bundle/rootfs");
	assert_string_equal(c->state.owner, "root");
	assert_string_equal(c->state.oci_version, "1.1.0");
	assert_int_equal(c->state.created.tv_nsec, 353277470);
	assert_string_equal(
		json_string_value(json_object_get(c->state.ext, "console")),
		"/dev/pts/3");
	assert_string_equal(json_string_value(json_object_get(
				    c->state.annotations, "a.first")),
			    "2");
	rs_container_close(c);

	/* Open of what is not there. */
	assert_int_equal(rs_container_open(root, "nope", 0, &c, &err), -ENOENT);
	assert_string_equal(err->msg, "container does not exist");
	rs_error_clear(&err);
	assert_int_equal(rs_container_open(root, "..", 0, &c, &err), -EINVAL);
	rs_error_clear(&err);
	struct rs_state snap = { 0 };
	assert_int_equal(rs_state_read(root, "nope", &snap, &err), -ENOENT);
	assert_string_equal(err->msg, "container does not exist");
	rs_error_clear(&err);
	snprintf(path, sizeof(path), "%s/missing-root", tmp);
	assert_int_equal(rs_state_read(path, "c1", &snap, &err), -ENOENT);
	rs_error_clear(&err);

	destroy("c1");
	snprintf(path, sizeof(path), "%s/c1", root);
	assert_int_equal(access(path, F_OK), -1);
	assert_int_equal(rs_state_read(root, "c1", &snap, &err), -ENOENT);
	rs_error_clear(&err);
}

static void test_oci_json(void **state)
{
	(void)state;
	struct rs_state st;
	fill(&st, "c1");
	st.pid = 42;
	json_t *j = rs_state_oci_json(&st, RS_STATUS_RUNNING);
	char *text = rs_json_go(j, NULL);
	/* runc's field order; annotations sorted as Go writes a map. */
	assert_string_equal(text, "{\"ociVersion\":\"1.1.0\",\"id\":\"c1\","
				  "\"pid\":42,\"status\":\"running\","
				  "\"bundle\":\"/b/bundle\",\"rootfs\":"
				  "\"/b/bundle/rootfs\",\"created\":"
				  "\"2026-12-07T22:59:46.35327747Z\","
				  "\"annotations\":{\"a.first\":\"2\","
				  "\"z.last\":\"1\"},\"owner\":\"root\"}");
	free(text);
	json_decref(j);
	/* Stopped: pid 0. No annotations: none printed. */
	json_object_clear(st.annotations);
	j = rs_state_oci_json(&st, RS_STATUS_STOPPED);
	assert_int_equal(json_integer_value(json_object_get(j, "pid")), 0);
	assert_string_equal(json_string_value(json_object_get(j, "status")),
			    "stopped");
	assert_null(json_object_get(j, "annotations"));
	json_decref(j);
	rs_state_clear(&st);
}

static void test_state_from_spec(void **state)
{
	(void)state;
	const char text[] =
		"{\"ociVersion\": \"1.0.2\", \"process\": {\"args\":"
		" [\"sh\"], \"cwd\": \"/\"}, \"root\": {\"path\":"
		" \"rootfs\"}, \"annotations\": {\"k\": \"v\"}}";
	struct rs_oci_spec *spec = NULL;
	struct rs_error *err = NULL;
	assert_int_equal(rs_oci_spec_parse(text, sizeof(text) - 1, "/srv/b",
					   &spec, &err),
			 0);
	struct rs_state st = { 0 };
	struct timespec before;
	clock_gettime(CLOCK_REALTIME, &before);
	assert_int_equal(rs_state_from_spec(&st, "web", spec, &err), 0);
	rs_oci_spec_free(spec);
	assert_string_equal(st.id, "web");
	assert_string_equal(st.oci_version, "1.0.2");
	assert_string_equal(st.bundle, "/srv/b");
	assert_string_equal(st.rootfs, "/srv/b/rootfs");
	assert_int_equal(st.status, RS_STATUS_CREATING);
	assert_int_equal(st.pid, 0);
	assert_true(st.created.tv_sec >= before.tv_sec);
	assert_non_null(st.owner);
	assert_string_equal(
		json_string_value(json_object_get(st.annotations, "k")), "v");
	assert_int_equal(json_object_size(st.ext), 0);
	/* No pid yet: the recorded status stands. */
	assert_int_equal(rs_state_status(&st), RS_STATUS_CREATING);
	rs_state_clear(&st);
}

static void test_from_json_refusals(void **state)
{
	(void)state;
	const struct {
		const char *text, *msg;
	} cases[] = {
		{ "[]", "`f`: must be a JSON object" },
		{ "{\"status\": \"created\", \"created\": \"1970-01-01T00:00:00Z\"}",
		  "`f`: id: must be a string" },
		{ "{\"id\": \"c\", \"status\": 1, \"created\": \"x\"}",
		  "`f`: status: must be a string" },
		{ "{\"id\": \"c\", \"status\": \"gone\", \"created\": "
		  "\"1970-01-01T00:00:00Z\"}",
		  "`f`: status: unknown status" },
		{ "{\"id\": \"c\", \"status\": \"created\", \"created\": \"x\"}",
		  "`f`: created: not an RFC 3339 time" },
		{ "{\"id\": \"c\", \"status\": \"created\", \"pid\": -1, "
		  "\"created\": \"1970-01-01T00:00:00Z\"}",
		  "`f`: pid: must be a non-negative integer" },
		{ "{\"id\": \"c\", \"status\": \"created\", \"pid\": 2147483648, "
		  "\"created\": \"1970-01-01T00:00:00Z\"}",
		  "`f`: pid: must be a non-negative integer" },
		{ "{\"id\": \"c\", \"status\": \"created\", \"created\": "
		  "\"1970-01-01T00:00:00Z\", \"annotations\": {\"a\": 1}}",
		  "`f`: annotations: values must be strings" },
		{ "{\"id\": \"c\", \"status\": \"created\", \"created\": "
		  "\"1970-01-01T00:00:00Z\", \"runsc\": []}",
		  "`f`: runsc: must be an object" },
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		json_t *doc = json_loads(cases[i].text, 0, NULL);
		assert_non_null(doc);
		struct rs_state st = { 0 };
		struct rs_error *err = NULL;
		assert_int_equal(rs_state_from_json(doc, "f", &st, &err), -1);
		assert_string_equal(err->msg, cases[i].msg);
		assert_null(st.id);
		rs_error_free(err);
		json_decref(doc);
	}
}

/* ---- processes ---------------------------------------------------------- */

static uint64_t start_of(pid_t pid)
{
	uint64_t start;
	assert_int_equal(rs_proc_start_time(pid, &start, NULL), 0);
	return start;
}

/* Polls until pid is a zombie (no sleep as synchronisation: a deadline). */
static void wait_zombie(pid_t pid)
{
	struct timespec deadline;
	clock_gettime(CLOCK_MONOTONIC, &deadline);
	deadline.tv_sec += 10;
	for (;;) {
		uint64_t start;
		char st = 0;
		if (rs_proc_start_time(pid, &start, &st) == 0 && st == 'Z')
			return;
		struct timespec now;
		clock_gettime(CLOCK_MONOTONIC, &now);
		if (now.tv_sec > deadline.tv_sec)
			fail_msg("pid %d never became a zombie", (int)pid);
		sched_yield();
	}
}

static void test_derived_status(void **state)
{
	(void)state;
	struct rs_state st;
	fill(&st, "p");
	st.status = RS_STATUS_RUNNING;

	/* Alive, same start time. */
	st.pid = getpid();
	st.pid_start = start_of(getpid());
	assert_int_equal(rs_state_status(&st), RS_STATUS_RUNNING);
	st.status = RS_STATUS_PAUSED;
	assert_int_equal(rs_state_status(&st), RS_STATUS_PAUSED);
	st.status = RS_STATUS_RUNNING;
	/* Unknown start time: not compared. */
	st.pid_start = 0;
	assert_int_equal(rs_state_status(&st), RS_STATUS_RUNNING);

	/* The pid now names another process (reuse). */
	st.pid_start = start_of(getpid()) + 1;
	assert_int_equal(rs_state_status(&st), RS_STATUS_STOPPED);

	/* A child that exited: a zombie until reaped, then gone. */
	pid_t child = fork();
	if (child == 0)
		_exit(0);
	wait_zombie(child);
	st.pid = child;
	st.pid_start = 0;
	assert_int_equal(rs_state_status(&st), RS_STATUS_STOPPED);
	assert_int_equal(waitpid(child, NULL, 0), child);
	assert_false(rs_proc_alive(child, 0));
	assert_int_equal(rs_state_status(&st), RS_STATUS_STOPPED);
	uint64_t s;
	assert_int_equal(rs_proc_start_time(child, &s, NULL), -ESRCH);
	assert_int_equal(rs_proc_start_time(0, &s, NULL), -ESRCH);
	assert_int_equal(rs_proc_start_time(-5, &s, NULL), -ESRCH);

	/* Recorded stopped stays stopped. */
	st.pid = getpid();
	st.status = RS_STATUS_STOPPED;
	assert_int_equal(rs_state_status(&st), RS_STATUS_STOPPED);
	rs_state_clear(&st);
}

static void test_proc_stat_with_odd_name(void **state)
{
	(void)state;
	/* COMM may hold ") (" and spaces: fields count from the last ')'. */
	int ready[2], go[2];
	assert_int_equal(pipe2(ready, O_CLOEXEC), 0);
	assert_int_equal(pipe2(go, O_CLOEXEC), 0);
	pid_t child = fork();
	if (child == 0) {
		prctl(PR_SET_NAME, "a) (b 1 2 ) x", 0, 0, 0);
		char c = 1;
		if (write(ready[1], &c, 1) != 1 || read(go[0], &c, 1) < 0)
			_exit(1);
		_exit(0);
	}
	char c;
	assert_int_equal(read(ready[0], &c, 1), 1);
	uint64_t start, mine;
	char st;
	assert_int_equal(rs_proc_start_time(child, &start, &st), 0);
	assert_true(st == 'S' || st == 'R');
	assert_int_equal(rs_proc_start_time(getpid(), &mine, NULL), 0);
	/* Started after this process, in clock ticks since boot. */
	assert_true(start >= mine);
	assert_true(rs_proc_alive(child, start));
	assert_int_equal(write(go[1], &c, 1), 1);
	assert_int_equal(waitpid(child, NULL, 0), child);
	close(ready[0]);
	close(ready[1]);
	close(go[0]);
	close(go[1]);
}

/* ---- across processes ------------------------------------------------- */

static void test_lock_excludes(void **state)
{
	(void)state;
	rs_container_close(create("locked"));
	int ready[2], go[2];
	assert_int_equal(pipe2(ready, O_CLOEXEC), 0);
	assert_int_equal(pipe2(go, O_CLOEXEC), 0);
	pid_t child = fork();
	if (child == 0) {
		struct rs_container *c = NULL;
		if (rs_container_open(root, "locked", 0, &c, NULL) < 0)
			_exit(1);
		char b = 1;
		if (write(ready[1], &b, 1) != 1 || read(go[0], &b, 1) < 0)
			_exit(2);
		rs_container_close(c);
		_exit(0);
	}
	char b;
	assert_int_equal(read(ready[0], &b, 1), 1);
	struct rs_container *c = NULL;
	struct rs_error *err = NULL;
	assert_int_equal(
		rs_container_open(root, "locked", RS_OPEN_NONBLOCK, &c, &err),
		-EWOULDBLOCK);
	assert_string_equal(err->msg, "container `locked` is busy: another "
				      "runsc command holds its lock");
	rs_error_clear(&err);
	/* Readers do not need the lock. */
	struct rs_state snap = { 0 };
	assert_int_equal(rs_state_read(root, "locked", &snap, &err), 0);
	rs_state_clear(&snap);
	assert_int_equal(write(go[1], &b, 1), 1);
	int status;
	assert_int_equal(waitpid(child, &status, 0), child);
	assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	assert_int_equal(
		rs_container_open(root, "locked", RS_OPEN_NONBLOCK, &c, &err),
		0);
	rs_container_close(c);
	close(ready[0]);
	close(ready[1]);
	close(go[0]);
	close(go[1]);
	destroy("locked");
}

static void test_lock_serialises(void **state)
{
	(void)state;
	/* Read-modify-write of a counter by several processes at once: with
	 * the lock, no increment is lost. */
	struct rs_container *c = create("counter");
	rs_container_close(c);
	enum { WORKERS = 4, ROUNDS = 50 };
	pid_t pids[WORKERS];
	for (int w = 0; w < WORKERS; w++) {
		pids[w] = fork();
		if (pids[w] == 0) {
			for (int i = 0; i < ROUNDS; i++) {
				struct rs_container *h = NULL;
				if (rs_container_open(root, "counter", 0, &h,
						      NULL) < 0)
					_exit(1);
				json_t *n = json_object_get(h->state.ext,
							    "counter");
				json_int_t v = json_integer_value(n);
				json_object_set_new(h->state.ext, "counter",
						    json_integer(v + 1));
				if (rs_container_save(h, NULL) < 0)
					_exit(2);
				rs_container_close(h);
			}
			_exit(0);
		}
	}
	for (int w = 0; w < WORKERS; w++) {
		int status;
		assert_int_equal(waitpid(pids[w], &status, 0), pids[w]);
		assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	}
	struct rs_state st = { 0 };
	assert_int_equal(rs_state_read(root, "counter", &st, NULL), 0);
	assert_int_equal(json_integer_value(json_object_get(st.ext, "counter")),
			 WORKERS * ROUNDS);
	rs_state_clear(&st);
	destroy("counter");
}

/* Whether /proc/locks shows a process blocked on a lock ("->" lines). */
static bool someone_waits(void)
{
	FILE *f = fopen("/proc/locks", "re");
	if (f == NULL)
		return false;
	char line[256];
	bool found = false;
	while (!found && fgets(line, sizeof(line), f))
		found = strstr(line, "-> FLOCK") != NULL;
	fclose(f);
	return found;
}

static void test_waiter_sees_deletion(void **state)
{
	(void)state;
	struct rs_container *holder = create("doomed");
	/* A second process waits for the lock... */
	pid_t waiter = fork();
	if (waiter == 0) {
		/* The lock belongs to the open file, which fork shares: a
		 * child that does not exec must drop the copy. */
		close(holder->lock_fd);
		struct rs_container *c = NULL;
		struct rs_error *err = NULL;
		int r = rs_container_open(root, "doomed", 0, &c, &err);
		_exit(r == -ENOENT && strcmp(err->msg,
					     "container does not exist") == 0
			      ? 0
			      : 1);
	}
	struct timespec deadline;
	clock_gettime(CLOCK_MONOTONIC, &deadline);
	deadline.tv_sec += 10;
	while (!someone_waits()) {
		struct timespec now;
		clock_gettime(CLOCK_MONOTONIC, &now);
		if (now.tv_sec > deadline.tv_sec)
			fail_msg("the waiter never blocked on the lock");
		sched_yield();
	}
	/* ...while the holder deletes the container, and then a new one of
	 * the same id appears: the waiter must not take that one for its
	 * own. */
	struct rs_error *err = NULL;
	assert_int_equal(rs_container_destroy(holder, &err), 0);
	struct rs_container *again = create("doomed");
	int status;
	assert_int_equal(waitpid(waiter, &status, 0), waiter);
	assert_true(WIFEXITED(status));
	assert_int_equal(WEXITSTATUS(status), 0);
	rs_container_close(again);
	destroy("doomed");
}

static void test_atomic_replace(void **state)
{
	(void)state;
	/* A writer alternates a small and a large state; readers never see a
	 * torn file. */
	struct rs_container *c = create("atomic");
	rs_container_close(c);
	pid_t writer = fork();
	if (writer == 0) {
		struct rs_container *h = NULL;
		if (rs_container_open(root, "atomic", 0, &h, NULL) < 0)
			_exit(1);
		char big[65536];
		memset(big, 'x', sizeof(big) - 1);
		big[sizeof(big) - 1] = '\0';
		for (int i = 0; i < 300; i++) {
			json_object_set_new(h->state.annotations, "big",
					    json_string(i % 2 ? big : "s"));
			if (rs_container_save(h, NULL) < 0)
				_exit(2);
		}
		rs_container_close(h);
		_exit(0);
	}
	unsigned reads = 0;
	int status;
	for (;;) {
		pid_t done = waitpid(writer, &status, WNOHANG);
		struct rs_state st = { 0 };
		struct rs_error *err = NULL;
		if (rs_state_read(root, "atomic", &st, &err) < 0)
			fail_msg("read %u: %s", reads, err->msg);
		rs_state_clear(&st);
		reads++;
		if (done == writer)
			break;
	}
	assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	assert_true(reads > 0);
	/* No temporary file is left behind. */
	char dir[256];
	snprintf(dir, sizeof(dir), "%s/atomic", root);
	DIR *d = opendir(dir);
	assert_non_null(d);
	struct dirent *de;
	unsigned entries = 0;
	while ((de = readdir(d)) != NULL)
		if (de->d_name[0] != '.')
			entries++;
		else
			assert_true(strcmp(de->d_name, ".") == 0 ||
				    strcmp(de->d_name, "..") == 0);
	closedir(d);
	assert_int_equal(entries, 2); /* lock, state.json */
	destroy("atomic");
}

/* ---- the listing and removal -------------------------------------------- */

static void write_at(const char *rel, const char *text)
{
	char path[256];
	snprintf(path, sizeof(path), "%s/%s", root, rel);
	FILE *f = fopen(path, "w");
	assert_non_null(f);
	fputs(text, f);
	fclose(f);
}

static void test_list(void **state)
{
	(void)state;
	struct rs_state *v;
	size_t n;
	struct rs_error *err = NULL;
	char path[256];
	snprintf(path, sizeof(path), "%s/no-root-here", tmp);
	assert_int_equal(rs_state_list(path, &v, &n, &err), 0);
	assert_int_equal(n, 0);
	assert_null(v);

	rs_container_close(create("zeta"));
	rs_container_close(create("alpha"));
	rs_container_close(create("Mid"));
	/* Not containers: a file, a name runc would refuse, a directory
	 * without state (a create that died), a broken state.json. */
	write_at("plain-file", "x");
	snprintf(path, sizeof(path), "%s/not an id", root);
	assert_int_equal(mkdir(path, 0700), 0);
	snprintf(path, sizeof(path), "%s/halfmade", root);
	assert_int_equal(mkdir(path, 0700), 0);
	snprintf(path, sizeof(path), "%s/broken", root);
	assert_int_equal(mkdir(path, 0700), 0);
	write_at("broken/state.json", "{\"id\": \"broken\", \"status\": ");

	assert_int_equal(rs_state_list(root, &v, &n, &err), 0);
	assert_int_equal(n, 3);
	/* Sorted bytewise, as Go's ReadDir. */
	assert_string_equal(v[0].id, "Mid");
	assert_string_equal(v[1].id, "alpha");
	assert_string_equal(v[2].id, "zeta");
	assert_int_equal(v[2].status, RS_STATUS_CREATED);
	rs_state_list_free(v, n);

	/* A state.json that names another id is not trusted. */
	write_at("broken/state.json",
		 "{\"id\": \"zeta\", \"status\": \"created\", \"created\": "
		 "\"1970-01-01T00:00:00Z\"}");
	struct rs_state st = { 0 };
	assert_int_equal(rs_state_read(root, "broken", &st, &err), -1);
	assert_non_null(strstr(err->msg, "id: names another container"));
	rs_error_clear(&err);

	/* The half-made one: an error without RS_OPEN_ANY, adoptable with
	 * it (delete --force), and then gone. */
	struct rs_container *c = NULL;
	assert_int_equal(rs_container_open(root, "halfmade", 0, &c, &err),
			 -ENOENT);
	rs_error_clear(&err);
	assert_int_equal(
		rs_container_open(root, "halfmade", RS_OPEN_ANY, &c, &err), 0);
	assert_false(c->has_state);
	assert_int_equal(rs_container_destroy(c, &err), 0);
	snprintf(path, sizeof(path), "%s/lock", root);
	/* With a lock file but no state: -ENODATA. */
	snprintf(path, sizeof(path), "%s/halfmade", root);
	assert_int_equal(mkdir(path, 0700), 0);
	write_at("halfmade/lock", "");
	assert_int_equal(rs_container_open(root, "halfmade", 0, &c, &err),
			 -ENODATA);
	assert_string_equal(err->msg, "container `halfmade` has no state: its "
				      "creation did not finish");
	rs_error_clear(&err);
	destroy("halfmade");
	destroy("broken");
	destroy("zeta");
	destroy("alpha");
	destroy("Mid");
	snprintf(path, sizeof(path), "%s/not an id", root);
	rmdir(path);
	snprintf(path, sizeof(path), "%s/plain-file", root);
	unlink(path);
}

static void test_destroy_removes_everything(void **state)
{
	(void)state;
	struct rs_container *c = create("full");
	/* What a lifecycle may keep beside the state: a socket path, a
	 * FIFO, a subdirectory with files, a symlink out of the tree (not
	 * followed). */
	char path[256], outside[128];
	snprintf(outside, sizeof(outside), "%s/outside", tmp);
	assert_int_equal(mkdir(outside, 0700), 0);
	snprintf(path, sizeof(path), "%s/keep", outside);
	FILE *f = fopen(path, "w");
	assert_non_null(f);
	fclose(f);
	snprintf(path, sizeof(path), "%s/full/exec.fifo", root);
	assert_int_equal(mkfifo(path, 0600), 0);
	snprintf(path, sizeof(path), "%s/full/sub", root);
	assert_int_equal(mkdir(path, 0700), 0);
	write_at("full/sub/file", "x");
	snprintf(path, sizeof(path), "%s/full/sub/link", root);
	assert_int_equal(symlink(outside, path), 0);
	struct rs_error *err = NULL;
	assert_int_equal(rs_container_destroy(c, &err), 0);
	snprintf(path, sizeof(path), "%s/full", root);
	assert_int_equal(access(path, F_OK), -1);
	snprintf(path, sizeof(path), "%s/keep", outside);
	assert_int_equal(access(path, F_OK), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_ids),
		cmocka_unit_test(test_time_and_status),
		cmocka_unit_test(test_create_open_save),
		cmocka_unit_test(test_oci_json),
		cmocka_unit_test(test_state_from_spec),
		cmocka_unit_test(test_from_json_refusals),
		cmocka_unit_test(test_derived_status),
		cmocka_unit_test(test_proc_stat_with_odd_name),
		cmocka_unit_test(test_lock_excludes),
		cmocka_unit_test(test_lock_serialises),
		cmocka_unit_test(test_waiter_sees_deletion),
		cmocka_unit_test(test_atomic_replace),
		cmocka_unit_test(test_list),
		cmocka_unit_test(test_destroy_removes_everything),
	};
	return cmocka_run_group_tests_name("runsc/state", tests, setup,
					   teardown);
}
