/* Container state under --root: one directory per container holding
 * state.json and a lock file, as runc keeps /run/runc/<id>/state.json.
 *
 *   <root>/                 0711, created on first use
 *   <root>/<id>/            0711
 *   <root>/<id>/lock        flock(2)ed by every command that changes the
 *                           container, for as long as it works on it
 *   <root>/<id>/state.json  0600, replaced atomically (temporary file +
 *                           rename), so a reader without the lock always
 *                           sees a whole state
 *
 * Writers (create, start, kill, delete...) hold the lock: commands on one
 * container serialise, commands on different containers do not. Readers
 * (state, list) read state.json without it. A command that waited for the
 * lock while another deleted the container finds the lock file unlinked
 * and reports that the container does not exist.
 *
 * The status a command reports is derived as runc derives it: a recorded
 * pid that is gone, a zombie, or reused by another process (its start time
 * in /proc/PID/stat differs from the one stored at creation) means the
 * container has stopped.
 *
 * Errors follow runc's texts where engines see them: "container does not
 * exist" (-ENOENT), "container with given ID already exists" (-EEXIST),
 * "invalid container ID format" (-EINVAL).
 */
#ifndef RUNSC_STATE_H
#define RUNSC_STATE_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>
#include <time.h>

#include "oci_spec.h"
#include "runsc/error.h"

#define RS_STATE_ROOT_DEFAULT "/var/run/runsc"

/* runtime-spec runtime.md's statuses. */
enum rs_status {
	RS_STATUS_CREATING,
	RS_STATUS_CREATED,
	RS_STATUS_RUNNING,
	RS_STATUS_PAUSED,
	RS_STATUS_STOPPED,
};

const char *rs_status_name(enum rs_status status);
/* Returns 0 and sets *out, or -1 for an unknown name. */
int rs_status_from_name(const char *name, enum rs_status *out);

/* A container id as runc accepts it: ^[\w+-\.]+$ (the range +-. includes
 * ','), not "." or "..", at most 255 bytes (a file name). Error:
 * "invalid container ID format" (-EINVAL). */
int rs_container_id_check(const char *id, struct rs_error **err);

/* One container's state. Strings are owned (freed by rs_state_clear);
 * the json_t fields hold one reference each and may be NULL (= empty). */
struct rs_state {
	char *oci_version; /* the config's ociVersion */
	char *id;
	enum rs_status status; /* as last recorded by a writer */
	pid_t pid;	       /* the process the engine monitors; 0: none */
	uint64_t pid_start;    /* its start time (rs_proc_start_time), 0:
				* unknown, not compared */
	pid_t gofer_pid;       /* 0: none */
	uint64_t gofer_start;
	char *bundle;		 /* absolute */
	char *rootfs;		 /* absolute */
	struct timespec created; /* CLOCK_REALTIME */
	char *owner;		 /* user name of the creator, or "#UID" */
	json_t *annotations;	 /* object of strings */
	/* The runtime's private fields: an object written and read back as
	 * it is (stored under "runsc"), for what the lifecycle adds (the
	 * Sentry's pid, its control socket, the console, cgroup paths...). */
	json_t *ext;
};

/* Fills st for a new container from its config: status creating, created
 * now, owner the effective user, ociVersion, bundle, rootfs and
 * annotations from spec. st is cleared first. */
int rs_state_from_spec(struct rs_state *st, const char *id,
		       const struct rs_oci_spec *spec, struct rs_error **err);

/* Deep copy (st is overwritten; src is borrowed). */
int rs_state_copy(struct rs_state *st, const struct rs_state *src,
		  struct rs_error **err);

/* Frees what st holds and zeroes it. */
void rs_state_clear(struct rs_state *st);

/* The on-disk form, and back. from_json names `what` (a path) in errors
 * and clears st first; it checks every field's type. */
json_t *rs_state_to_json(const struct rs_state *st);
int rs_state_from_json(json_t *doc, const char *what, struct rs_state *st,
		       struct rs_error **err);

/* The status now (see the top of this file). */
enum rs_status rs_state_status(const struct rs_state *st);

/* The OCI state as runc prints it for `state` and `list --format json`:
 * ociVersion, id, pid (0 once stopped), status, bundle, rootfs, created,
 * annotations (only when there are some), owner. */
json_t *rs_state_oci_json(const struct rs_state *st, enum rs_status status);

/* The start time of pid (clock ticks after boot, field 22 of
 * /proc/PID/stat) and its state letter (may be NULL). Returns 0, or
 * -ESRCH when there is no such process, or another negative errno. */
int rs_proc_start_time(pid_t pid, uint64_t *start, char *state);

/* Whether pid exists, is not a zombie, and (when start is not 0) has that
 * start time. */
bool rs_proc_alive(pid_t pid, uint64_t start);

/* RFC 3339 in UTC with the nanoseconds Go's time.RFC3339Nano keeps
 * (trailing zeros trimmed, none when zero): "2026-12-07T22:53:06.35327747Z".
 * buf needs 40 bytes. */
void rs_time_format(const struct timespec *ts, char *buf, size_t len);
/* Parses that form (also with a +hh:mm or -hh:mm offset). Returns 0 or
 * -1. */
int rs_time_parse(const char *s, struct timespec *ts);

/* Creates root (and missing parents) with mode 0711 when it does not
 * exist. */
int rs_root_ensure(const char *root, struct rs_error **err);

/* A container directory held under its lock. The lock belongs to the
 * open file behind lock_fd (O_CLOEXEC): a child forked while it is held
 * shares it until the child execs or closes lock_fd. */
struct rs_container {
	char *root;
	char *dir; /* <root>/<id> */
	int dir_fd;
	int lock_fd; /* flock(LOCK_EX) held until close or destroy */
	bool has_state;
	struct rs_state state; /* what state.json holds (has_state) */
};

/* Creates <root>/<id> for init->id, takes its lock and writes init as
 * state.json; init is copied, not consumed. root is created if needed.
 * Fails with runc's "container with given ID already exists" (-EEXIST)
 * when the directory exists, and leaves nothing behind on any failure. */
int rs_container_create(const char *root, const struct rs_state *init,
			struct rs_container **out, struct rs_error **err);

enum {
	/* Fail with -EWOULDBLOCK instead of waiting for another command. */
	RS_OPEN_NONBLOCK = 1,
	/* Return a directory without state.json (a create that died before
	 * writing it) or with one that cannot be read, with has_state false,
	 * for delete --force; otherwise the first is an error returning
	 * -ENODATA and the second the reading's error. */
	RS_OPEN_ANY = 2,
};

/* Locks an existing container (waiting for the command that holds it
 * unless RS_OPEN_NONBLOCK) and reads its state. */
int rs_container_open(const char *root, const char *id, unsigned flags,
		      struct rs_container **out, struct rs_error **err);

/* Writes c->state as state.json, atomically. */
int rs_container_save(struct rs_container *c, struct rs_error **err);

/* Removes the container's directory and everything in it (not crossing
 * into other filesystems mounted there), then closes c. c is freed
 * whatever the result. */
int rs_container_destroy(struct rs_container *c, struct rs_error **err);

/* Releases the lock and frees c (NULL is fine). */
void rs_container_close(struct rs_container *c);

/* Reads a container's state without its lock (a consistent snapshot).
 * -ENOENT: "container does not exist"; -ENODATA: no state.json yet. */
int rs_state_read(const char *root, const char *id, struct rs_state *st,
		  struct rs_error **err);

/* Every container under root, sorted by id (as runc's directory read
 * is). A missing root is an empty list. Directories that are not
 * containers, or whose state cannot be read, are left out with a warning
 * on the log (runc prints "load container ID: ..."). */
int rs_state_list(const char *root, struct rs_state **out, size_t *n,
		  struct rs_error **err);
void rs_state_list_free(struct rs_state *v, size_t n);

#endif
