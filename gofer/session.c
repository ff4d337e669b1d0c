/* One connection's state and the request dispatcher: decode, check the
 * session state, run the handler, encode the reply (or Rlerror). Also the
 * session-level requests: Tversion, Tattach, Twalk, Tclunk, Tflush. */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "runsc/log.h"
#include "session.h"

int session_fid(struct gf_session *s, uint32_t num, struct fid **out)
{
	*out = fid_lookup(&s->fids, num);
	return *out ? 0 : -EBADF;
}

int session_dir_fid(struct gf_session *s, uint32_t num, struct fid **out)
{
	int rc = session_fid(s, num, out);
	if (rc < 0)
		return rc;
	if (!S_ISDIR((*out)->type))
		return -ENOTDIR;
	/* 9P: an open fid is an I/O handle, not a place to walk from. */
	if ((*out)->open_fd >= 0)
		return -EBUSY;
	return 0;
}

int check_writable(const struct fid *f)
{
	return f->exp->readonly ? -EROFS : 0;
}

int session_name(struct gf_session *s, struct gf_str name, bool dots_ok,
		 char *buf)
{
	int rc = name_check(name, dots_ok, buf);
	if (rc < 0)
		s->server->stats.bad_names++;
	return rc;
}

int finish_create(const struct fid *dir, const char *name, uint32_t gid,
		  int unlink_flags, struct gf_qid *qid)
{
	int fd = open_component(dir->path_fd, name);
	struct stat st;
	int rc = fd < 0 ? fd : 0;
	/* The owner is the attach's user, the group the one asked for; the
	 * gofer itself is root, and files it creates would otherwise be its. */
	if (rc == 0 && (fchownat(fd, "", dir->uid, gid, AT_EMPTY_PATH) < 0 ||
			fstat(fd, &st) < 0))
		rc = -errno;
	if (fd >= 0)
		close(fd);
	if (rc < 0) {
		unlinkat(dir->path_fd, name, unlink_flags);
		return rc;
	}
	qid_from_stat(&st, qid);
	return 0;
}

/* Rebuilds the session for a new msize: a Tversion starts over, so every
 * fid of the previous one is released (9P: version "aborts all I/O"). */
static int op_version(struct gf_session *s, const struct gf_fcall *in,
		      struct gf_fcall *out, int *donate_fd)
{
	(void)donate_fd;
	fid_release_all(&s->fids);
	uint32_t msize = in->msize < s->server->max_msize
				 ? in->msize
				 : s->server->max_msize;
	if (msize < GF_SERVER_MIN_MSIZE)
		return -EINVAL;
	out->msize = msize;
	bool ours =
		in->version.len == strlen(GF_VERSION_9P2000L) &&
		memcmp(in->version.s, GF_VERSION_9P2000L, in->version.len) == 0;
	/* 9P: a version the server does not speak is answered "unknown". */
	out->version =
		ours ? gf_str_of(GF_VERSION_9P2000L, strlen(GF_VERSION_9P2000L))
		     : gf_str_of("unknown", 7);
	s->versioned = ours;
	if (ours)
		s->msize = msize;
	return 0;
}

static const struct export *find_export(const struct gf_server *srv,
					struct gf_str aname)
{
	if (aname.len == 0)
		aname = gf_str_of("/", 1);
	for (size_t i = 0; i < srv->nexports; i++) {
		const struct export *e = &srv->exports[i];
		if (strlen(e->name) == aname.len &&
		    memcmp(e->name, aname.s, aname.len) == 0)
			return e;
	}
	return NULL;
}

static int op_attach(struct gf_session *s, const struct gf_fcall *in,
		     struct gf_fcall *out, int *donate_fd)
{
	(void)donate_fd;
	if (in->afid != GF_NOFID)
		return -EINVAL; /* no Tauth is ever granted */
	const struct export *exp = find_export(s->server, in->aname);
	if (exp == NULL)
		return -ENOENT;
	struct stat st;
	if (fstat(exp->root_fd, &st) < 0)
		return -errno;
	struct fid *f;
	int rc = fid_new(&s->fids, in->fid, &f);
	if (rc == -EMFILE)
		s->server->stats.fid_limit++;
	if (rc < 0)
		return rc;
	f->path_fd = fcntl(exp->root_fd, F_DUPFD_CLOEXEC, 0);
	f->rel = strdup("");
	if (f->path_fd < 0 || f->rel == NULL) {
		rc = f->path_fd < 0 ? -errno : -ENOMEM;
		fid_release(&s->fids, f);
		return rc;
	}
	f->exp = exp;
	f->type = st.st_mode & S_IFMT;
	f->uid = in->n_uname;
	qid_from_stat(&st, &out->qid);
	return 0;
}

/* Where one walk step lands: its O_PATH fd, rel path and stat. */
struct walk_pos {
	int fd;
	char *rel;
	struct stat st;
};

static void walk_pos_clear(struct walk_pos *p)
{
	if (p->fd >= 0)
		close(p->fd);
	free(p->rel);
	p->fd = -1;
	p->rel = NULL;
}

/* One walk step from cur to name. "." stays, ".." goes to the parent by
 * re-walking the remembered path from the export root (at the root it stays,
 * as 9P specifies), anything else is one beneath-only component. */
static int walk_step(struct gf_session *s, const struct export *exp,
		     const struct walk_pos *cur, const char *name,
		     struct walk_pos *next)
{
	size_t curlen = strlen(cur->rel);
	if (strcmp(name, ".") == 0 || strcmp(name, "..") == 0) {
		next->rel = strdup(cur->rel);
		if (next->rel == NULL)
			return -ENOMEM;
		if (!S_ISDIR(cur->st.st_mode))
			return -ENOTDIR;
		if (name[1] == '.') {
			char *slash = strrchr(next->rel, '/');
			*(slash ? slash : next->rel) = '\0';
		}
		next->fd = open_rel(exp, next->rel);
	} else {
		if (curlen + 1 + strlen(name) >= PATH_MAX)
			return -ENAMETOOLONG;
		next->rel = malloc(curlen + 1 + strlen(name) + 1);
		if (next->rel == NULL)
			return -ENOMEM;
		strcpy(next->rel, cur->rel);
		if (curlen)
			strcat(next->rel, "/");
		strcat(next->rel, name);
		next->fd = open_component(cur->fd, name);
	}
	if (next->fd < 0) {
		int rc = next->fd;
		if (errno_is_escape(rc))
			s->server->stats.escapes_refused++;
		return rc;
	}
	if (fstat(next->fd, &next->st) < 0)
		return -errno;
	return 0;
}

static int op_walk(struct gf_session *s, const struct gf_fcall *in,
		   struct gf_fcall *out, int *donate_fd)
{
	(void)donate_fd;
	struct fid *f;
	int rc = session_fid(s, in->fid, &f);
	if (rc < 0)
		return rc;
	if (f->open_fd >= 0)
		return -EBUSY;
	if (in->newfid != in->fid && fid_lookup(&s->fids, in->newfid))
		return -EBADF;
	char names[GF_MAXWELEM][NAME_MAX + 1];
	for (unsigned i = 0; i < in->nwname; i++) {
		rc = session_name(s, in->wnames[i], true, names[i]);
		if (rc < 0)
			return rc;
	}
	/* The start's type is the fid's (set when it was walked to); the
	 * names walked get their own fstat in walk_step. */
	struct walk_pos cur = { .fd = fcntl(f->path_fd, F_DUPFD_CLOEXEC, 0),
				.st.st_mode = f->type };
	if (cur.fd < 0)
		return -errno;
	cur.rel = strdup(f->rel);
	if (cur.rel == NULL) {
		walk_pos_clear(&cur);
		return -ENOMEM;
	}
	unsigned walked = 0;
	for (; walked < in->nwname; walked++) {
		struct walk_pos next = { .fd = -1 };
		rc = walk_step(s, f->exp, &cur, names[walked], &next);
		if (rc < 0) {
			walk_pos_clear(&next);
			break;
		}
		walk_pos_clear(&cur);
		cur = next;
		qid_from_stat(&cur.st, &out->wqids[walked]);
	}
	/* 9P: failing on the first name is an error; failing later is a short
	 * Rwalk, and newfid is not created. */
	if (walked < in->nwname) {
		walk_pos_clear(&cur);
		if (walked == 0)
			return rc;
		out->nwqid = (uint16_t)walked;
		return 0;
	}
	struct fid *nf = f;
	if (in->newfid != in->fid) {
		rc = fid_new(&s->fids, in->newfid, &nf);
		if (rc < 0) {
			if (rc == -EMFILE)
				s->server->stats.fid_limit++;
			walk_pos_clear(&cur);
			return rc;
		}
		nf->exp = f->exp;
		nf->uid = f->uid;
	} else {
		close(nf->path_fd);
		free(nf->rel);
	}
	nf->path_fd = cur.fd;
	nf->rel = cur.rel;
	nf->type = cur.st.st_mode & S_IFMT;
	out->nwqid = (uint16_t)walked;
	return 0;
}

static int op_clunk(struct gf_session *s, const struct gf_fcall *in,
		    struct gf_fcall *out, int *donate_fd)
{
	(void)out;
	(void)donate_fd;
	struct fid *f;
	int rc = session_fid(s, in->fid, &f);
	if (rc < 0)
		return rc;
	fid_release(&s->fids, f);
	return 0;
}

/* Requests are answered in order, one at a time, so the request a Tflush
 * names has always been answered already: Rflush at once is correct. */
static int op_flush(struct gf_session *s, const struct gf_fcall *in,
		    struct gf_fcall *out, int *donate_fd)
{
	(void)s;
	(void)in;
	(void)out;
	(void)donate_fd;
	return 0;
}

static const op_fn ops[] = {
	[GF_TVERSION] = op_version,   [GF_TATTACH] = op_attach,
	[GF_TWALK] = op_walk,	      [GF_TCLUNK] = op_clunk,
	[GF_TFLUSH] = op_flush,	      [GF_TGETATTR] = op_getattr,
	[GF_TSETATTR] = op_setattr,   [GF_TLOPEN] = op_lopen,
	[GF_TREAD] = op_read,	      [GF_TWRITE] = op_write,
	[GF_TREADDIR] = op_readdir,   [GF_TSTATFS] = op_statfs,
	[GF_TFSYNC] = op_fsync,	      [GF_TREADLINK] = op_readlink,
	[GF_TLCREATE] = op_lcreate,   [GF_TMKDIR] = op_mkdir,
	[GF_TSYMLINK] = op_symlink,   [GF_TMKNOD] = op_mknod,
	[GF_TLINK] = op_link,	      [GF_TRENAMEAT] = op_renameat,
	[GF_TUNLINKAT] = op_unlinkat, [GF_TREMOVE] = op_remove,
};

int gf_session_new(struct gf_server *srv, struct gf_session **out)
{
	struct gf_session *s = calloc(1, sizeof(*s));
	if (s == NULL)
		return -ENOMEM;
	s->server = srv;
	s->msize = srv->max_msize;
	s->iobuf = malloc(srv->max_msize + srv->max_msize / 2);
	if (s->iobuf == NULL || fid_table_init(&s->fids, srv->max_fids) < 0) {
		free(s->iobuf);
		free(s);
		return -ENOMEM;
	}
	*out = s;
	return 0;
}

void gf_session_free(struct gf_session *s)
{
	if (s == NULL)
		return;
	fid_table_destroy(&s->fids);
	free(s->iobuf);
	free(s);
}

uint32_t gf_session_msize(const struct gf_session *s)
{
	return s->msize;
}

static int dispatch(struct gf_session *s, const uint8_t *req, size_t len,
		    struct gf_fcall *in, struct gf_fcall *out, int *donate_fd)
{
	int rc = gf_fcall_decode(req, len, in);
	if (rc == -EINVAL)
		s->server->stats.malformed++;
	if (rc == -EOPNOTSUPP)
		s->server->stats.unknown_type++;
	if (rc < 0)
		return rc;
	op_fn op =
		in->type < sizeof(ops) / sizeof(ops[0]) ? ops[in->type] : NULL;
	if (op == NULL) {
		/* Txattrwalk/Txattrcreate, Tlock, Tauth, R-messages...:
		 * Linux's v9fs takes EOPNOTSUPP as "not supported here". */
		s->server->stats.unknown_type++;
		return -EOPNOTSUPP;
	}
	/* 9P: Tversion opens a session; nothing else is valid before it. */
	if (!s->versioned && in->type != GF_TVERSION)
		return -EPROTO;
	return op(s, in, out, donate_fd);
}

ssize_t gf_session_handle(struct gf_session *s, const uint8_t *req, size_t len,
			  uint8_t *reply, size_t cap, int *donate_fd)
{
	*donate_fd = -1;
	uint8_t type;
	uint16_t tag;
	if (len > s->msize || gf_hdr_decode(req, len, &type, &tag) < 0)
		return -EPROTO;
	s->server->stats.requests++;
	struct gf_fcall *in = &s->in, *out = &s->out;
	memset(out, 0, sizeof(*out));
	int rc = dispatch(s, req, len, in, out, donate_fd);
	if (rc < 0) {
		*donate_fd = -1;
		s->server->stats.errors++;
		memset(out, 0, sizeof(*out));
		out->type = GF_RLERROR;
		out->ecode = (uint32_t)-rc;
		rs_debug("gofer", "%s tag %u: error %d",
			 gf_msg_name(type) ? gf_msg_name(type) : "?", tag, -rc);
	} else {
		out->type = (uint8_t)(type + 1);
	}
	out->tag = tag;
	ssize_t n = gf_fcall_encode(out, reply, cap);
	if (n < 0)
		*donate_fd = -1;
	return n;
}
