/* 9P2000.L encoding and decoding. Layouts follow diod's protocol.md and
 * Linux's net/9p/protocol.c (p9pdu_readf/p9pdu_writef format strings). */
#include "wire.h"

#include <errno.h>
#include <string.h>

uint8_t gf_get_u8(struct gf_rbuf *r)
{
	const uint8_t *p = gf_get_bytes(r, 1);
	return p ? p[0] : 0;
}

uint16_t gf_get_u16(struct gf_rbuf *r)
{
	const uint8_t *p = gf_get_bytes(r, 2);
	return p ? (uint16_t)(p[0] | p[1] << 8) : 0;
}

uint32_t gf_get_u32(struct gf_rbuf *r)
{
	const uint8_t *p = gf_get_bytes(r, 4);
	if (p == NULL)
		return 0;
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 |
	       (uint32_t)p[3] << 24;
}

uint64_t gf_get_u64(struct gf_rbuf *r)
{
	uint64_t lo = gf_get_u32(r);
	uint64_t hi = gf_get_u32(r);
	return lo | hi << 32;
}

struct gf_str gf_get_str(struct gf_rbuf *r)
{
	uint16_t len = gf_get_u16(r);
	const uint8_t *p = gf_get_bytes(r, len);
	if (p == NULL)
		return (struct gf_str){ .s = "", .len = 0 };
	return (struct gf_str){ .s = (const char *)p, .len = len };
}

void gf_get_qid(struct gf_rbuf *r, struct gf_qid *qid)
{
	qid->type = gf_get_u8(r);
	qid->version = gf_get_u32(r);
	qid->path = gf_get_u64(r);
}

const uint8_t *gf_get_bytes(struct gf_rbuf *r, size_t n)
{
	if (r->bad || n > r->len - r->off) {
		r->bad = true;
		return NULL;
	}
	const uint8_t *p = r->p + r->off;
	r->off += n;
	return p;
}

static uint8_t *put_space(struct gf_wbuf *w, size_t n)
{
	if (w->overflow || n > w->cap - w->len) {
		w->overflow = true;
		return NULL;
	}
	uint8_t *p = w->p + w->len;
	w->len += n;
	return p;
}

void gf_put_u8(struct gf_wbuf *w, uint8_t v)
{
	uint8_t *p = put_space(w, 1);
	if (p)
		p[0] = v;
}

void gf_put_u16(struct gf_wbuf *w, uint16_t v)
{
	uint8_t *p = put_space(w, 2);
	if (p) {
		p[0] = (uint8_t)v;
		p[1] = (uint8_t)(v >> 8);
	}
}

void gf_put_u32(struct gf_wbuf *w, uint32_t v)
{
	uint8_t *p = put_space(w, 4);
	if (p)
		for (int i = 0; i < 4; i++)
			p[i] = (uint8_t)(v >> (8 * i));
}

void gf_put_u64(struct gf_wbuf *w, uint64_t v)
{
	gf_put_u32(w, (uint32_t)v);
	gf_put_u32(w, (uint32_t)(v >> 32));
}

void gf_put_str(struct gf_wbuf *w, struct gf_str s)
{
	gf_put_u16(w, s.len);
	gf_put_bytes(w, s.s, s.len);
}

void gf_put_qid(struct gf_wbuf *w, const struct gf_qid *qid)
{
	gf_put_u8(w, qid->type);
	gf_put_u32(w, qid->version);
	gf_put_u64(w, qid->path);
}

void gf_put_bytes(struct gf_wbuf *w, const void *p, size_t n)
{
	uint8_t *dst = put_space(w, n);
	if (dst && n)
		memcpy(dst, p, n);
}

bool gf_str_is_clean(struct gf_str s)
{
	return s.len == 0 || memchr(s.s, '\0', s.len) == NULL;
}

/* One direction-agnostic walker: each message layout below is written once
 * as a sequence of field calls, and the codec either reads the field from
 * the reader or writes it to the writer. */
struct codec {
	bool decoding;
	struct gf_rbuf r;
	struct gf_wbuf w;
	bool invalid; /* a count past its limit */
};

static void c_u16(struct codec *c, uint16_t *v)
{
	if (c->decoding)
		*v = gf_get_u16(&c->r);
	else
		gf_put_u16(&c->w, *v);
}

static void c_u32(struct codec *c, uint32_t *v)
{
	if (c->decoding)
		*v = gf_get_u32(&c->r);
	else
		gf_put_u32(&c->w, *v);
}

static void c_u64(struct codec *c, uint64_t *v)
{
	if (c->decoding)
		*v = gf_get_u64(&c->r);
	else
		gf_put_u64(&c->w, *v);
}

static void c_str(struct codec *c, struct gf_str *s)
{
	if (c->decoding)
		*s = gf_get_str(&c->r);
	else
		gf_put_str(&c->w, *s);
}

static void c_qid(struct codec *c, struct gf_qid *q)
{
	if (c->decoding)
		gf_get_qid(&c->r, q);
	else
		gf_put_qid(&c->w, q);
}

/* count[4] followed by count bytes. */
static void c_data(struct codec *c, uint32_t *count, const uint8_t **data)
{
	c_u32(c, count);
	if (c->decoding) {
		*data = gf_get_bytes(&c->r, *count);
		if (*data == NULL)
			*count = 0;
	} else {
		gf_put_bytes(&c->w, *data, *count);
	}
}

static void c_attr(struct codec *c, struct gf_attr *a)
{
	c_u64(c, &a->valid);
	c_qid(c, &a->qid);
	c_u32(c, &a->mode);
	c_u32(c, &a->uid);
	c_u32(c, &a->gid);
	c_u64(c, &a->nlink);
	c_u64(c, &a->rdev);
	c_u64(c, &a->size);
	c_u64(c, &a->blksize);
	c_u64(c, &a->blocks);
	c_u64(c, &a->atime_sec);
	c_u64(c, &a->atime_nsec);
	c_u64(c, &a->mtime_sec);
	c_u64(c, &a->mtime_nsec);
	c_u64(c, &a->ctime_sec);
	c_u64(c, &a->ctime_nsec);
	c_u64(c, &a->btime_sec);
	c_u64(c, &a->btime_nsec);
	c_u64(c, &a->gen);
	c_u64(c, &a->data_version);
}

static void c_setattr(struct codec *c, struct gf_setattr *a)
{
	c_u32(c, &a->valid);
	c_u32(c, &a->mode);
	c_u32(c, &a->uid);
	c_u32(c, &a->gid);
	c_u64(c, &a->size);
	c_u64(c, &a->atime_sec);
	c_u64(c, &a->atime_nsec);
	c_u64(c, &a->mtime_sec);
	c_u64(c, &a->mtime_nsec);
}

static void c_statfs(struct codec *c, struct gf_statfs *s)
{
	c_u32(c, &s->type);
	c_u32(c, &s->bsize);
	c_u64(c, &s->blocks);
	c_u64(c, &s->bfree);
	c_u64(c, &s->bavail);
	c_u64(c, &s->files);
	c_u64(c, &s->ffree);
	c_u64(c, &s->fsid);
	c_u32(c, &s->namelen);
}

static void c_walk(struct codec *c, struct gf_fcall *f)
{
	c_u32(c, &f->fid);
	c_u32(c, &f->newfid);
	c_u16(c, &f->nwname);
	if (f->nwname > GF_MAXWELEM) {
		c->invalid = true;
		return;
	}
	for (unsigned i = 0; i < f->nwname; i++)
		c_str(c, &f->wnames[i]);
}

static void c_rwalk(struct codec *c, struct gf_fcall *f)
{
	c_u16(c, &f->nwqid);
	if (f->nwqid > GF_MAXWELEM) {
		c->invalid = true;
		return;
	}
	for (unsigned i = 0; i < f->nwqid; i++)
		c_qid(c, &f->wqids[i]);
}

/* The body layout of every message type. Returns false for an unknown
 * type. */
static bool c_body(struct codec *c, struct gf_fcall *f)
{
	switch (f->type) {
	case GF_TVERSION:
	case GF_RVERSION:
		c_u32(c, &f->msize);
		c_str(c, &f->version);
		break;
	case GF_TATTACH:
		c_u32(c, &f->fid);
		c_u32(c, &f->afid);
		c_str(c, &f->uname);
		c_str(c, &f->aname);
		c_u32(c, &f->n_uname);
		break;
	case GF_RATTACH:
	case GF_RMKDIR:
	case GF_RSYMLINK:
	case GF_RMKNOD:
		c_qid(c, &f->qid);
		break;
	case GF_RLERROR:
		c_u32(c, &f->ecode);
		break;
	case GF_TFLUSH:
		c_u16(c, &f->oldtag);
		break;
	case GF_TWALK:
		c_walk(c, f);
		break;
	case GF_RWALK:
		c_rwalk(c, f);
		break;
	case GF_TGETATTR:
		c_u32(c, &f->fid);
		c_u64(c, &f->request_mask);
		break;
	case GF_RGETATTR:
		c_attr(c, &f->attr);
		break;
	case GF_TSETATTR:
		c_u32(c, &f->fid);
		c_setattr(c, &f->setattr);
		break;
	case GF_TLOPEN:
		c_u32(c, &f->fid);
		c_u32(c, &f->flags);
		break;
	case GF_RLOPEN:
	case GF_RLCREATE:
		c_qid(c, &f->qid);
		c_u32(c, &f->iounit);
		break;
	case GF_TLCREATE:
		c_u32(c, &f->dfid);
		c_str(c, &f->name);
		c_u32(c, &f->flags);
		c_u32(c, &f->mode);
		c_u32(c, &f->gid);
		break;
	case GF_TREAD:
	case GF_TREADDIR:
		c_u32(c, &f->fid);
		c_u64(c, &f->offset);
		c_u32(c, &f->count);
		break;
	case GF_RREAD:
	case GF_RREADDIR:
		c_data(c, &f->count, &f->data);
		break;
	case GF_TWRITE:
		c_u32(c, &f->fid);
		c_u64(c, &f->offset);
		c_data(c, &f->count, &f->data);
		break;
	case GF_RWRITE:
		c_u32(c, &f->count);
		break;
	case GF_TCLUNK:
	case GF_TREMOVE:
	case GF_TREADLINK:
	case GF_TSTATFS:
		c_u32(c, &f->fid);
		break;
	case GF_TMKDIR:
		c_u32(c, &f->dfid);
		c_str(c, &f->name);
		c_u32(c, &f->mode);
		c_u32(c, &f->gid);
		break;
	case GF_TSYMLINK:
		c_u32(c, &f->dfid);
		c_str(c, &f->name);
		c_str(c, &f->target);
		c_u32(c, &f->gid);
		break;
	case GF_TMKNOD:
		c_u32(c, &f->dfid);
		c_str(c, &f->name);
		c_u32(c, &f->mode);
		c_u32(c, &f->major);
		c_u32(c, &f->minor);
		c_u32(c, &f->gid);
		break;
	case GF_TLINK:
		c_u32(c, &f->dfid);
		c_u32(c, &f->fid);
		c_str(c, &f->name);
		break;
	case GF_RREADLINK:
		c_str(c, &f->target);
		break;
	case GF_TRENAMEAT:
		c_u32(c, &f->dfid);
		c_str(c, &f->name);
		c_u32(c, &f->newdfid);
		c_str(c, &f->newname);
		break;
	case GF_TUNLINKAT:
		c_u32(c, &f->dfid);
		c_str(c, &f->name);
		c_u32(c, &f->flags);
		break;
	case GF_RSTATFS:
		c_statfs(c, &f->statfs);
		break;
	case GF_TFSYNC:
		c_u32(c, &f->fid);
		/* Linux sends datasync[4] since 2.6.38; older clients (and
		 * diod's documentation) end after fid. */
		if (!c->decoding || c->r.off < c->r.len)
			c_u32(c, &f->datasync);
		break;
	case GF_TXATTRWALK:
		c_u32(c, &f->fid);
		c_u32(c, &f->newfid);
		c_str(c, &f->name);
		break;
	case GF_RXATTRWALK:
		c_u64(c, &f->xattr_size);
		break;
	case GF_TXATTRCREATE:
		c_u32(c, &f->fid);
		c_str(c, &f->name);
		c_u64(c, &f->xattr_size);
		c_u32(c, &f->flags);
		break;
	case GF_RFLUSH:
	case GF_RCLUNK:
	case GF_RREMOVE:
	case GF_RSETATTR:
	case GF_RLINK:
	case GF_RRENAMEAT:
	case GF_RUNLINKAT:
	case GF_RFSYNC:
	case GF_RXATTRCREATE:
		break;
	default:
		return false;
	}
	return true;
}

int gf_hdr_decode(const uint8_t *msg, size_t len, uint8_t *type, uint16_t *tag)
{
	struct gf_rbuf r = { .p = msg, .len = len };
	uint32_t size = gf_get_u32(&r);
	*type = gf_get_u8(&r);
	*tag = gf_get_u16(&r);
	if (r.bad || size != len)
		return -EPROTO;
	return 0;
}

int gf_fcall_decode(const uint8_t *msg, size_t len, struct gf_fcall *f)
{
	memset(f, 0, sizeof(*f));
	int rc = gf_hdr_decode(msg, len, &f->type, &f->tag);
	if (rc < 0)
		return rc;
	struct codec c = {
		.decoding = true,
		.r = { .p = msg, .len = len, .off = GF_HDR_SIZE },
	};
	if (!c_body(&c, f))
		return -EOPNOTSUPP;
	/* Trailing bytes are as wrong as missing ones: the size field and the
	 * layout disagree. */
	if (c.invalid || c.r.bad || c.r.off != len)
		return -EINVAL;
	return 0;
}

ssize_t gf_fcall_encode(const struct gf_fcall *f, uint8_t *buf, size_t cap)
{
	struct codec c = { .decoding = false, .w = { .p = buf, .cap = cap } };
	/* The codec takes non-const pointers because the same walk decodes;
	 * when encoding it only reads, so a copy keeps f const. */
	struct gf_fcall copy = *f;
	gf_put_u32(&c.w, 0); /* size, filled in below */
	gf_put_u8(&c.w, copy.type);
	gf_put_u16(&c.w, copy.tag);
	if (!c_body(&c, &copy))
		return -EOPNOTSUPP;
	if (c.invalid)
		return -EINVAL;
	if (c.w.overflow || c.w.len > UINT32_MAX)
		return -ENOBUFS;
	struct gf_wbuf size = { .p = buf, .cap = 4 };
	gf_put_u32(&size, (uint32_t)c.w.len);
	return (ssize_t)c.w.len;
}

void gf_dirent_put(struct gf_wbuf *w, const struct gf_dirent *d)
{
	gf_put_qid(w, &d->qid);
	gf_put_u64(w, d->offset);
	gf_put_u8(w, d->type);
	gf_put_str(w, gf_str_of(d->name, d->name_len));
}

bool gf_dirent_get(struct gf_rbuf *r, struct gf_dirent *d)
{
	gf_get_qid(r, &d->qid);
	d->offset = gf_get_u64(r);
	d->type = gf_get_u8(r);
	struct gf_str name = gf_get_str(r);
	d->name = name.s;
	d->name_len = name.len;
	return !r->bad;
}

const char *gf_msg_name(uint8_t type)
{
	static const char *const names[] = {
		[GF_RLERROR] = "Rlerror",
		[GF_TSTATFS] = "Tstatfs",
		[GF_RSTATFS] = "Rstatfs",
		[GF_TLOPEN] = "Tlopen",
		[GF_RLOPEN] = "Rlopen",
		[GF_TLCREATE] = "Tlcreate",
		[GF_RLCREATE] = "Rlcreate",
		[GF_TSYMLINK] = "Tsymlink",
		[GF_RSYMLINK] = "Rsymlink",
		[GF_TMKNOD] = "Tmknod",
		[GF_RMKNOD] = "Rmknod",
		[GF_TREADLINK] = "Treadlink",
		[GF_RREADLINK] = "Rreadlink",
		[GF_TGETATTR] = "Tgetattr",
		[GF_RGETATTR] = "Rgetattr",
		[GF_TSETATTR] = "Tsetattr",
		[GF_RSETATTR] = "Rsetattr",
		[GF_TXATTRWALK] = "Txattrwalk",
		[GF_RXATTRWALK] = "Rxattrwalk",
		[GF_TXATTRCREATE] = "Txattrcreate",
		[GF_RXATTRCREATE] = "Rxattrcreate",
		[GF_TREADDIR] = "Treaddir",
		[GF_RREADDIR] = "Rreaddir",
		[GF_TFSYNC] = "Tfsync",
		[GF_RFSYNC] = "Rfsync",
		[GF_TLINK] = "Tlink",
		[GF_RLINK] = "Rlink",
		[GF_TMKDIR] = "Tmkdir",
		[GF_RMKDIR] = "Rmkdir",
		[GF_TRENAMEAT] = "Trenameat",
		[GF_RRENAMEAT] = "Rrenameat",
		[GF_TUNLINKAT] = "Tunlinkat",
		[GF_RUNLINKAT] = "Runlinkat",
		[GF_TVERSION] = "Tversion",
		[GF_RVERSION] = "Rversion",
		[GF_TATTACH] = "Tattach",
		[GF_RATTACH] = "Rattach",
		[GF_TFLUSH] = "Tflush",
		[GF_RFLUSH] = "Rflush",
		[GF_TWALK] = "Twalk",
		[GF_RWALK] = "Rwalk",
		[GF_TREAD] = "Tread",
		[GF_RREAD] = "Rread",
		[GF_TWRITE] = "Twrite",
		[GF_RWRITE] = "Rwrite",
		[GF_TCLUNK] = "Tclunk",
		[GF_RCLUNK] = "Rclunk",
		[GF_TREMOVE] = "Tremove",
		[GF_RREMOVE] = "Rremove",
	};
	if (type >= sizeof(names) / sizeof(names[0]))
		return NULL;
	return names[type];
}
