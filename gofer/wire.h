/* 9P2000.L wire format: bounds-checked little-endian readers and writers and
 * the encoder/decoder of whole messages, shared by the server and the
 * client.
 *
 * A message is size[4] type[1] tag[2] body; strings are len[2] bytes (no
 * NUL on the wire); a qid is type[1] version[4] path[8]. Every layout is
 * written once, in wire.c's message table, and the same code walks it to
 * encode and to decode, so the two cannot disagree.
 */
#ifndef GOFER_WIRE_H
#define GOFER_WIRE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "gofer/p9.h"

/* A counted string. When decoded it points into the message (borrowed, not
 * NUL-terminated, may contain NUL bytes: check with gf_str_is_clean). */
struct gf_str {
	const char *s;
	uint16_t len;
};

/* Reader over untrusted bytes: every get past the end sets bad and returns
 * zeroes, so a decoder checks once at the end. */
struct gf_rbuf {
	const uint8_t *p;
	size_t len;
	size_t off;
	bool bad;
};

/* Writer into a fixed buffer: a put that does not fit sets overflow and
 * writes nothing more. */
struct gf_wbuf {
	uint8_t *p;
	size_t cap;
	size_t len;
	bool overflow;
};

uint8_t gf_get_u8(struct gf_rbuf *r);
uint16_t gf_get_u16(struct gf_rbuf *r);
uint32_t gf_get_u32(struct gf_rbuf *r);
uint64_t gf_get_u64(struct gf_rbuf *r);
struct gf_str gf_get_str(struct gf_rbuf *r);
void gf_get_qid(struct gf_rbuf *r, struct gf_qid *qid);
/* Borrows n bytes from the message; NULL (and bad) if they are not there. */
const uint8_t *gf_get_bytes(struct gf_rbuf *r, size_t n);

void gf_put_u8(struct gf_wbuf *w, uint8_t v);
void gf_put_u16(struct gf_wbuf *w, uint16_t v);
void gf_put_u32(struct gf_wbuf *w, uint32_t v);
void gf_put_u64(struct gf_wbuf *w, uint64_t v);
void gf_put_str(struct gf_wbuf *w, struct gf_str s);
void gf_put_qid(struct gf_wbuf *w, const struct gf_qid *qid);
void gf_put_bytes(struct gf_wbuf *w, const void *p, size_t n);

static inline struct gf_str gf_str_of(const char *s, size_t len)
{
	return (struct gf_str){ .s = s, .len = (uint16_t)len };
}

/* True if s has no NUL byte (a C string built from it means the same). */
bool gf_str_is_clean(struct gf_str s);

/* One decoded message, Plan 9's Fcall: the fields a type uses are set, the
 * others are zero. Pointers (strings, data) borrow from the message buffer
 * when decoded and from the caller when encoding. */
struct gf_fcall {
	uint8_t type;
	uint16_t tag;

	uint32_t fid;	  /* most T-messages; Tlink's target fid */
	uint32_t newfid;  /* Twalk, Txattrwalk */
	uint32_t afid;	  /* Tattach */
	uint32_t dfid;	  /* Tlcreate/Tmkdir/...: directory; Trenameat old */
	uint32_t newdfid; /* Trenameat new directory */
	uint32_t msize;	  /* Tversion, Rversion */
	struct gf_str version;
	struct gf_str uname, aname;
	uint32_t n_uname;
	struct gf_str name;    /* Tlcreate, Tmkdir, ..., Trenameat old name */
	struct gf_str newname; /* Trenameat */
	struct gf_str target;  /* Tsymlink, Rreadlink */
	uint16_t nwname;
	struct gf_str wnames[GF_MAXWELEM];
	uint16_t nwqid;
	struct gf_qid wqids[GF_MAXWELEM];
	struct gf_qid qid;
	uint32_t iounit;
	uint32_t flags; /* Tlopen, Tlcreate, Tunlinkat, Txattrcreate */
	uint32_t mode;
	uint32_t gid;
	uint32_t major, minor;
	uint64_t offset;     /* Tread, Twrite, Treaddir */
	uint32_t count;	     /* Tread, Rread, Twrite, Rwrite, Treaddir... */
	const uint8_t *data; /* Rread, Twrite, Rreaddir: count bytes */
	uint64_t request_mask;
	struct gf_attr attr;
	struct gf_setattr setattr;
	struct gf_statfs statfs;
	uint32_t ecode;	   /* Rlerror */
	uint16_t oldtag;   /* Tflush */
	uint32_t datasync; /* Tfsync */
	uint64_t xattr_size;
};

/* Reads the header of msg. Returns 0, or -EPROTO if len is below the header
 * size or the size field is not len: framing errors end a connection. */
int gf_hdr_decode(const uint8_t *msg, size_t len, uint8_t *type, uint16_t *tag);

/* Decodes a whole message (header and body, len bytes). Returns 0; -EPROTO
 * for bad framing (as gf_hdr_decode); -EOPNOTSUPP for a type this module
 * does not know; -EINVAL for a body that is short, too long, or has counts
 * past their limits (nwname > 16, Rread count past the end). f->type and
 * f->tag are set whenever the header was readable. */
int gf_fcall_decode(const uint8_t *msg, size_t len, struct gf_fcall *f);

/* Encodes f into buf. Returns the message length, -ENOBUFS if it does not
 * fit in cap, -EOPNOTSUPP for an unknown type, -EINVAL for counts past
 * their limits. */
ssize_t gf_fcall_encode(const struct gf_fcall *f, uint8_t *buf, size_t cap);

/* Rreaddir payload entries: qid[13] offset[8] type[1] name[s]. */
void gf_dirent_put(struct gf_wbuf *w, const struct gf_dirent *d);
/* Returns false (and leaves r bad) when the entry is cut short. */
bool gf_dirent_get(struct gf_rbuf *r, struct gf_dirent *d);
/* Encoded size of an entry with a name of name_len bytes. */
static inline size_t gf_dirent_size(size_t name_len)
{
	return 13 + 8 + 1 + 2 + name_len;
}

/* The name of a message type ("Twalk"), or NULL. For logs and tests. */
const char *gf_msg_name(uint8_t type);

#endif
