/* Container state under --root (see state.h for the layout and the
 * locking rules). */
#include "state.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "json_out.h"
#include "runsc/cleanup.h"
#include "runsc/log.h"

/* state.json carries the config's annotations, so it may be about as
 * large as config.json may be. */
#define STATE_MAX (RS_OCI_CONFIG_MAX + (1u << 20))

/* Subdirectories a runtime may keep in a container's directory; deeper
 * is refused when removing it. */
#define REMOVE_DEPTH 16

static const char *const status_names[] = {
	[RS_STATUS_CREATING] = "creating", [RS_STATUS_CREATED] = "created",
	[RS_STATUS_RUNNING] = "running",   [RS_STATUS_PAUSED] = "paused",
	[RS_STATUS_STOPPED] = "stopped",
};

const char *rs_status_name(enum rs_status status)
{
	if ((unsigned)status >= sizeof(status_names) / sizeof(status_names[0]))
		return "unknown";
	return status_names[status];
}

int rs_status_from_name(const char *name, enum rs_status *out)
{
	for (unsigned i = 0; i < sizeof(status_names) / sizeof(status_names[0]);
	     i++)
		if (strcmp(name, status_names[i]) == 0) {
			*out = (enum rs_status)i;
			return 0;
		}
	return -1;
}

int rs_container_id_check(const char *id, struct rs_error **err)
{
	/* runc 1.1 validateID: idRegex ^[\w+-\.]+$ and the id must survive
	 * filepath.Clean("/" + id) unchanged, which only "." and ".." do
	 * not (there is no '/' to clean). The length bound is a file
	 * name's; runc fails later with ENAMETOOLONG. */
	size_t n = strlen(id);
	bool ok = n > 0 && n <= NAME_MAX && strcmp(id, ".") != 0 &&
		  strcmp(id, "..") != 0;
	for (size_t i = 0; ok && i < n; i++) {
		char ch = id[i];
		ok = (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') ||
		     (ch >= '0' && ch <= '9') || ch == '_' ||
		     (ch >= '+' && ch <= '.');
	}
	if (ok)
		return 0;
	rs_error_set(err, 0, "invalid container ID format");
	return -EINVAL;
}

/* ---- processes and time --------------------------------------------- */

int rs_proc_start_time(pid_t pid, uint64_t *start, char *state)
{
	if (pid <= 0)
		return -ESRCH;
	char path[64];
	snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
	cleanup_close int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return errno == ENOENT ? -ESRCH : -errno;
	char buf[1024];
	ssize_t n = read(fd, buf, sizeof(buf) - 1);
	if (n <= 0)
		return -ESRCH; /* gone between open and read */
	buf[n] = '\0';
	/* "PID (COMM) S ...": COMM may hold spaces and parentheses, so
	 * fields are counted from the last ')'. */
	char *p = strrchr(buf, ')');
	if (p == NULL || p[1] != ' ' || p[2] == '\0')
		return -EINVAL;
	p += 2; /* field 3, the state */
	if (state)
		*state = *p;
	for (int field = 3; field < 22; field++) {
		p = strchr(p, ' ');
		if (p == NULL)
			return -EINVAL;
		p++;
	}
	char *end;
	unsigned long long v = strtoull(p, &end, 10);
	if (end == p)
		return -EINVAL;
	*start = v;
	return 0;
}

bool rs_proc_alive(pid_t pid, uint64_t start)
{
	uint64_t now;
	char state;
	if (rs_proc_start_time(pid, &now, &state) < 0)
		return false;
	/* runc: a zombie or dead init is a stopped container. */
	if (state == 'Z' || state == 'X' || state == 'x')
		return false;
	return start == 0 || now == start;
}

void rs_time_format(const struct timespec *ts, char *buf, size_t len)
{
	struct tm tm;
	time_t t = ts->tv_sec;
	gmtime_r(&t, &tm);
	char frac[16] = "";
	if (ts->tv_nsec > 0 && ts->tv_nsec < 1000000000) {
		snprintf(frac, sizeof(frac), ".%09ld", ts->tv_nsec);
		size_t n = strlen(frac);
		while (frac[n - 1] == '0')
			frac[--n] = '\0';
	}
	snprintf(buf, len, "%04d-%02d-%02dT%02d:%02d:%02d%sZ",
		 tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour,
		 tm.tm_min, tm.tm_sec, frac);
}

/* n decimal digits at *s. */
static bool digits(const char **s, int n, int *out)
{
	int v = 0;
	for (int i = 0; i < n; i++) {
		char ch = (*s)[i];
		if (ch < '0' || ch > '9')
			return false;
		v = v * 10 + (ch - '0');
	}
	*s += n;
	*out = v;
	return true;
}

static bool expect(const char **s, char ch)
{
	if (**s != ch)
		return false;
	(*s)++;
	return true;
}

int rs_time_parse(const char *s, struct timespec *ts)
{
	struct tm tm = { 0 };
	int year, mon, day, hour, min, sec;
	if (!digits(&s, 4, &year) || !expect(&s, '-') || !digits(&s, 2, &mon) ||
	    !expect(&s, '-') || !digits(&s, 2, &day) || !expect(&s, 'T') ||
	    !digits(&s, 2, &hour) || !expect(&s, ':') || !digits(&s, 2, &min) ||
	    !expect(&s, ':') || !digits(&s, 2, &sec))
		return -1;
	if (mon < 1 || mon > 12 || day < 1 || day > 31 || hour > 23 ||
	    min > 59 || sec > 60)
		return -1;
	long nsec = 0;
	if (*s == '.') {
		s++;
		int n = 0;
		for (; *s >= '0' && *s <= '9'; s++, n++) {
			if (n == 9)
				return -1;
			nsec = nsec * 10 + (*s - '0');
		}
		if (n == 0)
			return -1;
		for (; n < 9; n++)
			nsec *= 10;
	}
	long offset = 0;
	if (*s == 'Z') {
		s++;
	} else if (*s == '+' || *s == '-') {
		int sign = *s++ == '-' ? -1 : 1, oh, om;
		if (!digits(&s, 2, &oh) || !expect(&s, ':') ||
		    !digits(&s, 2, &om) || oh > 23 || om > 59)
			return -1;
		offset = sign * (oh * 3600L + om * 60L);
	} else {
		return -1;
	}
	if (*s != '\0')
		return -1;
	tm.tm_year = year - 1900;
	tm.tm_mon = mon - 1;
	tm.tm_mday = day;
	tm.tm_hour = hour;
	tm.tm_min = min;
	tm.tm_sec = sec;
	time_t t = timegm(&tm) - offset;
	/* Only times rs_time_format writes back the same (years 0-9999). */
	struct tm utc;
	if (gmtime_r(&t, &utc) == NULL || utc.tm_year < -1900 ||
	    utc.tm_year > 9999 - 1900)
		return -1;
	ts->tv_sec = t;
	ts->tv_nsec = nsec;
	return 0;
}

/* ---- the state record ----------------------------------------------- */

void rs_state_clear(struct rs_state *st)
{
	free(st->oci_version);
	free(st->id);
	free(st->bundle);
	free(st->rootfs);
	free(st->owner);
	json_decref(st->annotations);
	json_decref(st->ext);
	*st = (struct rs_state){ 0 };
}

static char *dup_or_null(const char *s, bool *failed)
{
	if (s == NULL)
		return NULL;
	char *d = strdup(s);
	if (d == NULL)
		*failed = true;
	return d;
}

int rs_state_copy(struct rs_state *st, const struct rs_state *src,
		  struct rs_error **err)
{
	bool failed = false;
	rs_state_clear(st);
	*st = *src;
	st->oci_version = dup_or_null(src->oci_version, &failed);
	st->id = dup_or_null(src->id, &failed);
	st->bundle = dup_or_null(src->bundle, &failed);
	st->rootfs = dup_or_null(src->rootfs, &failed);
	st->owner = dup_or_null(src->owner, &failed);
	st->annotations =
		src->annotations ? json_deep_copy(src->annotations) : NULL;
	st->ext = src->ext ? json_deep_copy(src->ext) : NULL;
	if ((src->annotations && st->annotations == NULL) ||
	    (src->ext && st->ext == NULL))
		failed = true;
	if (failed) {
		rs_state_clear(st);
		return rs_error_set(err, ENOMEM, "copy the state of `%s`",
				    src->id ? src->id : "?");
	}
	return 0;
}

/* runc's list: the owner is the user name, or "#UID" when there is
 * none. */
static char *owner_name(uid_t uid)
{
	struct passwd pw, *res = NULL;
	char buf[4096];
	char *name = NULL;
	if (getpwuid_r(uid, &pw, buf, sizeof(buf), &res) == 0 && res)
		name = strdup(pw.pw_name);
	else if (asprintf(&name, "#%u", (unsigned)uid) < 0)
		name = NULL;
	return name;
}

int rs_state_from_spec(struct rs_state *st, const char *id,
		       const struct rs_oci_spec *spec, struct rs_error **err)
{
	rs_state_clear(st);
	bool failed = false;
	st->id = dup_or_null(id, &failed);
	st->oci_version = dup_or_null(spec->oci_version, &failed);
	st->bundle = dup_or_null(spec->bundle, &failed);
	st->rootfs = dup_or_null(spec->root.abs_path, &failed);
	st->owner = owner_name(geteuid());
	st->status = RS_STATUS_CREATING;
	clock_gettime(CLOCK_REALTIME, &st->created);
	st->annotations = json_object();
	st->ext = json_object();
	if (st->owner == NULL || st->annotations == NULL || st->ext == NULL)
		failed = true;
	for (size_t i = 0; !failed && i < spec->n_annotations; i++)
		if (json_object_set_new(
			    st->annotations, spec->annotations[i].key,
			    json_string(spec->annotations[i].value)) < 0)
			failed = true;
	if (failed) {
		rs_state_clear(st);
		return rs_error_set(err, ENOMEM, "state of `%s`", id);
	}
	return 0;
}

/* Adds key: value to obj, consuming value; false on failure. */
static bool put(json_t *obj, const char *key, json_t *value)
{
	return value != NULL && json_object_set_new(obj, key, value) == 0;
}

static json_t *str_or_empty(const char *s)
{
	return json_string(s ? s : "");
}

json_t *rs_state_to_json(const struct rs_state *st)
{
	json_t *o = json_object();
	char created[48];
	rs_time_format(&st->created, created, sizeof(created));
	if (o == NULL || !put(o, "ociVersion", str_or_empty(st->oci_version)) ||
	    !put(o, "id", str_or_empty(st->id)) ||
	    !put(o, "status", json_string(rs_status_name(st->status))) ||
	    !put(o, "pid", json_integer(st->pid)) ||
	    !put(o, "pidStartTime", json_integer((json_int_t)st->pid_start)) ||
	    !put(o, "goferPid", json_integer(st->gofer_pid)) ||
	    !put(o, "goferStartTime",
		 json_integer((json_int_t)st->gofer_start)) ||
	    !put(o, "bundle", str_or_empty(st->bundle)) ||
	    !put(o, "rootfs", str_or_empty(st->rootfs)) ||
	    !put(o, "created", json_string(created)) ||
	    !put(o, "owner", str_or_empty(st->owner)) ||
	    !put(o, "annotations",
		 st->annotations ? json_incref(st->annotations)
				 : json_object()) ||
	    !put(o, "runsc", st->ext ? json_incref(st->ext) : json_object())) {
		json_decref(o);
		return NULL;
	}
	return o;
}

json_t *rs_state_oci_json(const struct rs_state *st, enum rs_status status)
{
	json_t *o = json_object();
	char created[48];
	rs_time_format(&st->created, created, sizeof(created));
	pid_t pid = status == RS_STATUS_STOPPED ? 0 : st->pid;
	if (o == NULL || !put(o, "ociVersion", str_or_empty(st->oci_version)) ||
	    !put(o, "id", str_or_empty(st->id)) ||
	    !put(o, "pid", json_integer(pid)) ||
	    !put(o, "status", json_string(rs_status_name(status))) ||
	    !put(o, "bundle", str_or_empty(st->bundle)) ||
	    !put(o, "rootfs", str_or_empty(st->rootfs)) ||
	    !put(o, "created", json_string(created)) ||
	    (json_object_size(st->annotations) > 0 &&
	     !put(o, "annotations", rs_json_sorted(st->annotations))) ||
	    !put(o, "owner", str_or_empty(st->owner))) {
		json_decref(o);
		return NULL;
	}
	return o;
}

/* Field readers for state.json: what names the file in messages. */
static int bad_field(const char *what, const char *key, const char *problem,
		     struct rs_error **err)
{
	return rs_error_set(err, 0, "`%s`: %s: %s", what, key, problem);
}

static int read_str(json_t *doc, const char *key, bool required,
		    const char *what, char **out, struct rs_error **err)
{
	json_t *v = json_object_get(doc, key);
	if (v == NULL && !required)
		return 0;
	if (!json_is_string(v))
		return bad_field(what, key, "must be a string", err);
	*out = strdup(json_string_value(v));
	return *out ? 0 : rs_error_set(err, ENOMEM, "`%s`", what);
}

static int read_num(json_t *doc, const char *key, json_int_t max,
		    const char *what, json_int_t *out, struct rs_error **err)
{
	json_t *v = json_object_get(doc, key);
	*out = 0;
	if (v == NULL)
		return 0;
	if (!json_is_integer(v) || json_integer_value(v) < 0 ||
	    json_integer_value(v) > max)
		return bad_field(what, key, "must be a non-negative integer",
				 err);
	*out = json_integer_value(v);
	return 0;
}

int rs_state_from_json(json_t *doc, const char *what, struct rs_state *st,
		       struct rs_error **err)
{
	rs_state_clear(st);
	if (!json_is_object(doc))
		return rs_error_set(err, 0, "`%s`: must be a JSON object",
				    what);
	char *status = NULL, *created = NULL;
	json_int_t pid, pid_start, gofer, gofer_start;
	int r = 0;
	if (read_str(doc, "ociVersion", false, what, &st->oci_version, err) <
		    0 ||
	    read_str(doc, "id", true, what, &st->id, err) < 0 ||
	    read_str(doc, "status", true, what, &status, err) < 0 ||
	    read_num(doc, "pid", INT_MAX, what, &pid, err) < 0 ||
	    read_num(doc, "pidStartTime", INT64_MAX, what, &pid_start, err) <
		    0 ||
	    read_num(doc, "goferPid", INT_MAX, what, &gofer, err) < 0 ||
	    read_num(doc, "goferStartTime", INT64_MAX, what, &gofer_start,
		     err) < 0 ||
	    read_str(doc, "bundle", false, what, &st->bundle, err) < 0 ||
	    read_str(doc, "rootfs", false, what, &st->rootfs, err) < 0 ||
	    read_str(doc, "created", true, what, &created, err) < 0 ||
	    read_str(doc, "owner", false, what, &st->owner, err) < 0)
		r = -1;
	if (r == 0 && rs_status_from_name(status, &st->status) < 0)
		r = bad_field(what, "status", "unknown status", err);
	if (r == 0 && rs_time_parse(created, &st->created) < 0)
		r = bad_field(what, "created", "not an RFC 3339 time", err);
	free(status);
	free(created);
	json_t *ann = json_object_get(doc, "annotations");
	if (r == 0 && ann && !json_is_object(ann))
		r = bad_field(what, "annotations", "must be an object", err);
	const char *k;
	json_t *v;
	if (r == 0 && ann)
		json_object_foreach(ann, k, v)
		{
			if (!json_is_string(v)) {
				r = bad_field(what, "annotations",
					      "values must be strings", err);
				break;
			}
		}
	json_t *ext = json_object_get(doc, "runsc");
	if (r == 0 && ext && !json_is_object(ext))
		r = bad_field(what, "runsc", "must be an object", err);
	if (r < 0) {
		rs_state_clear(st);
		return r;
	}
	st->pid = (pid_t)pid;
	st->pid_start = (uint64_t)pid_start;
	st->gofer_pid = (pid_t)gofer;
	st->gofer_start = (uint64_t)gofer_start;
	st->annotations = ann ? json_incref(ann) : json_object();
	st->ext = ext ? json_incref(ext) : json_object();
	if (st->annotations == NULL || st->ext == NULL) {
		rs_state_clear(st);
		return rs_error_set(err, ENOMEM, "`%s`", what);
	}
	return 0;
}

enum rs_status rs_state_status(const struct rs_state *st)
{
	if (st->status == RS_STATUS_STOPPED || st->pid <= 0)
		return st->status;
	return rs_proc_alive(st->pid, st->pid_start) ? st->status
						     : RS_STATUS_STOPPED;
}

/* ---- files ----------------------------------------------------------- */

static int mkdir_p(char *path, mode_t mode)
{
	if (mkdir(path, mode) == 0)
		return chmod(path, mode) < 0 ? -errno : 0;
	if (errno == EEXIST)
		return 0;
	if (errno != ENOENT)
		return -errno;
	char *slash = strrchr(path, '/');
	if (slash == NULL || slash == path)
		return -ENOENT;
	*slash = '\0';
	int r = mkdir_p(path, mode);
	*slash = '/';
	if (r < 0)
		return r;
	if (mkdir(path, mode) < 0)
		return errno == EEXIST ? 0 : -errno;
	return chmod(path, mode) < 0 ? -errno : 0;
}

int rs_root_ensure(const char *root, struct rs_error **err)
{
	cleanup_free char *path = strdup(root);
	if (path == NULL)
		return rs_error_set(err, ENOMEM, "root `%s`", root);
	int r = mkdir_p(path, 0711);
	if (r < 0)
		return rs_error_set(err, -r, "create the root directory `%s`",
				    root);
	struct stat st;
	if (stat(root, &st) < 0)
		return rs_error_set(err, errno, "root `%s`", root);
	if (!S_ISDIR(st.st_mode))
		return rs_error_set(err, ENOTDIR, "root `%s`", root);
	return 0;
}

/* Reads a regular file at dir_fd/name of at most max bytes, NUL
 * terminated. Returns a negative errno (the caller words the error). */
static int read_at(int dir_fd, const char *name, size_t max, char **out,
		   size_t *len)
{
	cleanup_close int fd = openat(
		dir_fd, name, O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK);
	if (fd < 0)
		return -errno;
	struct stat st;
	if (fstat(fd, &st) < 0)
		return -errno;
	if (!S_ISREG(st.st_mode))
		return -EINVAL;
	if ((uint64_t)st.st_size > max)
		return -EFBIG;
	size_t cap = (size_t)st.st_size + 1;
	cleanup_free char *buf = malloc(cap + 1);
	if (buf == NULL)
		return -ENOMEM;
	size_t got = 0;
	for (;;) {
		if (got == cap)
			return -EFBIG; /* grew while we read: not ours */
		ssize_t n = read(fd, buf + got, cap - got);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -errno;
		if (n == 0)
			break;
		got += (size_t)n;
	}
	buf[got] = '\0';
	*out = steal_pointer(&buf);
	*len = got;
	return 0;
}

/* Reads and checks dir_fd/state.json of container id into st. */
static int read_state_at(int dir_fd, const char *dir, const char *id,
			 struct rs_state *st, struct rs_error **err)
{
	cleanup_free char *text = NULL;
	size_t len = 0;
	char what[PATH_MAX + 16];
	snprintf(what, sizeof(what), "%s/state.json", dir);
	int r = read_at(dir_fd, "state.json", STATE_MAX, &text, &len);
	if (r == -ENOENT) {
		rs_error_set(err, 0,
			     "container `%s` has no state: its creation did "
			     "not finish",
			     id);
		return -ENODATA;
	}
	if (r < 0)
		return rs_error_set(err, -r, "read `%s`", what);
	json_error_t je;
	json_t *doc = json_loadb(text, len, 0, &je);
	if (doc == NULL)
		return rs_error_set(err, 0, "`%s`: invalid JSON at line %d: %s",
				    what, je.line, je.text);
	r = rs_state_from_json(doc, what, st, err);
	json_decref(doc);
	if (r < 0)
		return r;
	if (strcmp(st->id, id) != 0) {
		rs_state_clear(st);
		return rs_error_set(err, 0, "`%s`: id: names another container",
				    what);
	}
	return 0;
}

/* Writes st as dir_fd/state.json through a temporary file and rename(2),
 * so that readers see the old state or the new one, whole. No fsync, as
 * runc: the state lives on a tmpfs (/run), and what matters is that
 * concurrent readers never see half a file. */
static int write_state_at(int dir_fd, const char *dir,
			  const struct rs_state *st, struct rs_error **err)
{
	json_t *doc = rs_state_to_json(st);
	cleanup_free char *text = doc ? json_dumps(doc, JSON_COMPACT) : NULL;
	json_decref(doc);
	if (text == NULL)
		return rs_error_set(err, ENOMEM, "write `%s/state.json`", dir);
	static unsigned counter;
	char tmp[64];
	cleanup_close int fd = -1;
	for (int tries = 0; fd < 0 && tries < 100; tries++) {
		struct timespec now;
		clock_gettime(CLOCK_MONOTONIC, &now);
		snprintf(tmp, sizeof(tmp), ".state.json.%d.%u.%ld",
			 (int)getpid(), counter++, now.tv_nsec);
		fd = openat(dir_fd, tmp,
			    O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC |
				    O_NOFOLLOW,
			    0600);
		if (fd < 0 && errno != EEXIST)
			return rs_error_set(err, errno, "create `%s/%s`", dir,
					    tmp);
	}
	if (fd < 0)
		return rs_error_set(err, EEXIST,
				    "create a temporary file in `%s`", dir);
	size_t len = strlen(text), done = 0;
	int e = 0;
	while (done < len && e == 0) {
		ssize_t n = write(fd, text + done, len - done);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			e = errno;
		else
			done += (size_t)n;
	}
	if (e == 0 && close(steal_fd(&fd)) < 0)
		e = errno;
	if (e == 0 && renameat(dir_fd, tmp, dir_fd, "state.json") < 0)
		e = errno;
	if (e) {
		unlinkat(dir_fd, tmp, 0);
		return rs_error_set(err, e, "write `%s/state.json`", dir);
	}
	return 0;
}

/* Removes everything under dir_fd except `keep` (a name at the top, or
 * NULL), not descending into another filesystem: a mount left in a state
 * directory is refused rather than emptied. */
static int remove_contents(int dir_fd, dev_t dev, int depth, const char *keep)
{
	if (depth > REMOVE_DEPTH)
		return -ELOOP;
	int fd = dup(dir_fd);
	if (fd < 0)
		return -errno;
	DIR *d = fdopendir(fd);
	if (d == NULL) {
		int e = errno;
		close(fd);
		return -e;
	}
	int r = 0;
	struct dirent *de;
	while ((de = readdir(d)) != NULL) {
		const char *name = de->d_name;
		if (strcmp(name, ".") == 0 || strcmp(name, "..") == 0 ||
		    (keep && strcmp(name, keep) == 0))
			continue;
		struct stat st;
		if (fstatat(dir_fd, name, &st, AT_SYMLINK_NOFOLLOW) < 0) {
			if (errno != ENOENT)
				r = -errno;
			continue;
		}
		if (S_ISDIR(st.st_mode)) {
			if (st.st_dev != dev) {
				r = -EBUSY;
				continue;
			}
			int sub = openat(dir_fd, name,
					 O_RDONLY | O_DIRECTORY | O_NOFOLLOW |
						 O_CLOEXEC);
			if (sub < 0) {
				r = -errno;
				continue;
			}
			int rr = remove_contents(sub, dev, depth + 1, NULL);
			close(sub);
			if (rr < 0) {
				r = rr;
				continue;
			}
			if (unlinkat(dir_fd, name, AT_REMOVEDIR) < 0 &&
			    errno != ENOENT)
				r = -errno;
		} else if (unlinkat(dir_fd, name, 0) < 0 && errno != ENOENT) {
			r = -errno;
		}
	}
	closedir(d);
	return r;
}

/* ---- containers ----------------------------------------------------- */

void rs_container_close(struct rs_container *c)
{
	if (c == NULL)
		return;
	/* Closing the last descriptor of the lock file releases the lock. */
	if (c->lock_fd >= 0)
		close(c->lock_fd);
	if (c->dir_fd >= 0)
		close(c->dir_fd);
	rs_state_clear(&c->state);
	free(c->root);
	free(c->dir);
	free(c);
}

static struct rs_container *container_new(const char *root, const char *id,
					  struct rs_error **err)
{
	struct rs_container *c = calloc(1, sizeof(*c));
	if (c == NULL) {
		rs_error_set(err, ENOMEM, "container `%s`", id);
		return NULL;
	}
	c->dir_fd = c->lock_fd = -1;
	c->root = strdup(root);
	if (c->root == NULL || asprintf(&c->dir, "%s/%s", root, id) < 0) {
		c->dir = NULL;
		rs_container_close(c);
		rs_error_set(err, ENOMEM, "container `%s`", id);
		return NULL;
	}
	return c;
}

static int not_exist(struct rs_error **err)
{
	rs_error_set(err, 0, "container does not exist");
	return -ENOENT;
}

/* Takes the lock on c->lock_fd and checks that the container was not
 * deleted while this command waited for it. */
static int take_lock(struct rs_container *c, const char *id, unsigned flags,
		     struct rs_error **err)
{
	int op = LOCK_EX | ((flags & RS_OPEN_NONBLOCK) ? LOCK_NB : 0);
	while (flock(c->lock_fd, op) < 0) {
		if (errno == EINTR)
			continue;
		if (errno == EWOULDBLOCK) {
			rs_error_set(err, 0,
				     "container `%s` is busy: another runsc "
				     "command holds its lock",
				     id);
			return -EWOULDBLOCK;
		}
		return rs_error_set(err, errno, "lock `%s/lock`", c->dir);
	}
	struct stat st;
	if (fstat(c->lock_fd, &st) < 0)
		return rs_error_set(err, errno, "stat `%s/lock`", c->dir);
	/* The holder deleted the container: our lock is on a file that is
	 * gone (a new container of the same id has another one). */
	if (st.st_nlink == 0)
		return not_exist(err);
	return 0;
}

int rs_container_create(const char *root, const struct rs_state *init,
			struct rs_container **out, struct rs_error **err)
{
	*out = NULL;
	if (init->id == NULL)
		return rs_error_set(err, EINVAL, "create a container: no id");
	const char *id = init->id;
	int r = rs_container_id_check(id, err);
	if (r < 0)
		return r;
	if (rs_root_ensure(root, err) < 0)
		return -1;
	cleanup_close int root_fd =
		open(root, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (root_fd < 0)
		return rs_error_set(err, errno, "open `%s`", root);
	struct rs_container *c = container_new(root, id, err);
	if (c == NULL)
		return -1;
	if (mkdirat(root_fd, id, 0711) < 0) {
		int e = errno;
		rs_container_close(c);
		if (e == EEXIST) {
			/* runc's ErrExist. */
			rs_error_set(err, 0,
				     "container with given ID already exists");
			return -EEXIST;
		}
		return rs_error_set(err, e, "mkdir `%s/%s`", root, id);
	}
	/* From here on a failure removes the directory again. */
	r = 0;
	if (fchmodat(root_fd, id, 0711, 0) < 0)
		r = rs_error_set(err, errno, "chmod `%s`", c->dir);
	if (r == 0) {
		c->dir_fd =
			openat(root_fd, id,
			       O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		if (c->dir_fd < 0)
			r = rs_error_set(err, errno, "open `%s`", c->dir);
	}
	/* The lock file is made and locked under a temporary name, then
	 * renamed into place: no other command can open "lock" before it
	 * is held. */
	if (r == 0) {
		c->lock_fd = openat(c->dir_fd, ".lock.new",
				    O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC |
					    O_NOFOLLOW,
				    0600);
		if (c->lock_fd < 0)
			r = rs_error_set(err, errno, "create `%s/lock`",
					 c->dir);
	}
	if (r == 0 && flock(c->lock_fd, LOCK_EX) < 0)
		r = rs_error_set(err, errno, "lock `%s/lock`", c->dir);
	if (r == 0 && renameat(c->dir_fd, ".lock.new", c->dir_fd, "lock") < 0)
		r = rs_error_set(err, errno, "create `%s/lock`", c->dir);
	if (r == 0)
		r = rs_state_copy(&c->state, init, err);
	if (r == 0) {
		c->has_state = true;
		r = write_state_at(c->dir_fd, c->dir, &c->state, err);
	}
	if (r < 0) {
		if (c->dir_fd >= 0) {
			struct stat st;
			if (fstat(c->dir_fd, &st) == 0)
				remove_contents(c->dir_fd, st.st_dev, 0, NULL);
		}
		unlinkat(root_fd, id, AT_REMOVEDIR);
		rs_container_close(c);
		return r;
	}
	*out = c;
	return 0;
}

int rs_container_open(const char *root, const char *id, unsigned flags,
		      struct rs_container **out, struct rs_error **err)
{
	*out = NULL;
	int r = rs_container_id_check(id, err);
	if (r < 0)
		return r;
	struct rs_container *c = container_new(root, id, err);
	if (c == NULL)
		return -1;
	cleanup_close int root_fd =
		open(root, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (root_fd >= 0)
		c->dir_fd =
			openat(root_fd, id,
			       O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (c->dir_fd < 0) {
		int e = errno;
		rs_container_close(c);
		if (e == ENOENT || e == ENOTDIR || e == ELOOP)
			return not_exist(err);
		return rs_error_set(err, e, "open `%s/%s`", root, id);
	}
	/* A directory without a lock file is a create that died at once;
	 * RS_OPEN_ANY adopts it (for delete --force). */
	int lflags = O_RDWR | O_CLOEXEC | O_NOFOLLOW;
	if (flags & RS_OPEN_ANY)
		lflags |= O_CREAT;
	c->lock_fd = openat(c->dir_fd, "lock", lflags, 0600);
	if (c->lock_fd < 0) {
		int e = errno;
		rs_container_close(c);
		if (e == ENOENT)
			return not_exist(err);
		return rs_error_set(err, e, "open `%s/%s/lock`", root, id);
	}
	r = take_lock(c, id, flags, err);
	if (r == 0) {
		r = read_state_at(c->dir_fd, c->dir, id, &c->state, err);
		c->has_state = r == 0;
		/* A lock on a container is what deleting it needs, whatever
		 * its state file says. */
		if (r < 0 && r != -ENOENT && (flags & RS_OPEN_ANY)) {
			if (err)
				rs_error_clear(err);
			r = 0;
		}
	}
	if (r < 0) {
		rs_container_close(c);
		return r;
	}
	*out = c;
	return 0;
}

int rs_container_save(struct rs_container *c, struct rs_error **err)
{
	int r = write_state_at(c->dir_fd, c->dir, &c->state, err);
	if (r == 0)
		c->has_state = true;
	return r;
}

int rs_container_destroy(struct rs_container *c, struct rs_error **err)
{
	int r = 0;
	struct stat st;
	/* state.json first: from then on readers see no container; the
	 * lock last, so waiters wake to find it unlinked. */
	if (unlinkat(c->dir_fd, "state.json", 0) < 0 && errno != ENOENT)
		r = rs_error_set(err, errno, "remove `%s/state.json`", c->dir);
	if (r == 0 && fstat(c->dir_fd, &st) < 0)
		r = rs_error_set(err, errno, "stat `%s`", c->dir);
	if (r == 0) {
		int rr = remove_contents(c->dir_fd, st.st_dev, 0, "lock");
		if (rr < 0)
			r = rs_error_set(err, -rr,
					 "remove the contents of `%s`", c->dir);
	}
	if (r == 0 && unlinkat(c->dir_fd, "lock", 0) < 0 && errno != ENOENT)
		r = rs_error_set(err, errno, "remove `%s/lock`", c->dir);
	if (r == 0 && rmdir(c->dir) < 0 && errno != ENOENT)
		r = rs_error_set(err, errno, "remove `%s`", c->dir);
	rs_container_close(c);
	return r;
}

int rs_state_read(const char *root, const char *id, struct rs_state *st,
		  struct rs_error **err)
{
	int r = rs_container_id_check(id, err);
	if (r < 0)
		return r;
	cleanup_close int root_fd =
		open(root, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (root_fd < 0) {
		if (errno == ENOENT)
			return not_exist(err);
		return rs_error_set(err, errno, "open `%s`", root);
	}
	cleanup_close int dir_fd = openat(
		root_fd, id, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (dir_fd < 0) {
		if (errno == ENOENT || errno == ENOTDIR || errno == ELOOP)
			return not_exist(err);
		return rs_error_set(err, errno, "open `%s/%s`", root, id);
	}
	cleanup_free char *dir = NULL;
	if (asprintf(&dir, "%s/%s", root, id) < 0) {
		dir = NULL;
		return rs_error_set(err, ENOMEM, "container `%s`", id);
	}
	return read_state_at(dir_fd, dir, id, st, err);
}

static int by_name(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

void rs_state_list_free(struct rs_state *v, size_t n)
{
	for (size_t i = 0; i < n; i++)
		rs_state_clear(&v[i]);
	free(v);
}

int rs_state_list(const char *root, struct rs_state **out, size_t *n,
		  struct rs_error **err)
{
	*out = NULL;
	*n = 0;
	DIR *d = opendir(root);
	if (d == NULL) {
		if (errno == ENOENT)
			return 0;
		return rs_error_set(err, errno, "open `%s`", root);
	}
	char **names = NULL;
	size_t count = 0, cap = 0;
	int r = 0;
	struct dirent *de;
	while ((de = readdir(d)) != NULL) {
		if (de->d_type != DT_DIR && de->d_type != DT_UNKNOWN)
			continue;
		if (rs_container_id_check(de->d_name, NULL) < 0)
			continue;
		if (count == cap) {
			size_t ncap = cap ? cap * 2 : 16;
			char **nn = realloc(names, ncap * sizeof(*nn));
			if (nn == NULL) {
				r = rs_error_set(err, ENOMEM, "list `%s`",
						 root);
				break;
			}
			names = nn;
			cap = ncap;
		}
		names[count] = strdup(de->d_name);
		if (names[count] == NULL) {
			r = rs_error_set(err, ENOMEM, "list `%s`", root);
			break;
		}
		count++;
	}
	closedir(d);
	struct rs_state *v = NULL;
	if (r == 0 && count) {
		qsort(names, count, sizeof(*names), by_name);
		v = calloc(count, sizeof(*v));
		if (v == NULL)
			r = rs_error_set(err, ENOMEM, "list `%s`", root);
	}
	size_t got = 0;
	for (size_t i = 0; r == 0 && i < count; i++) {
		struct rs_error *e = NULL;
		int rr = rs_state_read(root, names[i], &v[got], &e);
		if (rr == 0) {
			got++;
		} else if (rr != -ENOENT && rr != -ENODATA) {
			/* Not a container being made or removed: say so, as
			 * runc does, and list the others. */
			char buf[512];
			rs_warn("runsc", "load container %s: %s", names[i],
				rs_error_format(e, buf, sizeof(buf)));
		}
		rs_error_free(e);
	}
	for (size_t i = 0; i < count; i++)
		free(names[i]);
	free(names);
	if (r < 0) {
		rs_state_list_free(v, got);
		return r;
	}
	*out = v;
	*n = got;
	return 0;
}
