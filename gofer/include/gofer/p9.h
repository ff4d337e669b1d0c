/* 9P2000.L protocol values and the plain types the client and the server
 * exchange with their callers.
 *
 * 9P2000.L is the Linux dialect of 9P as served by diod and QEMU's virtfs
 * (the message layouts are in diod's protocol.md and in Linux's
 * net/9p/protocol.c). Numbers on the wire are little-endian; this header
 * only names them. Open flags, file modes and errno values on the wire are
 * the x86-64 Linux ones, which is what the dialect defines (its L_O_* flags
 * are the x86 O_* values), so callers pass <fcntl.h> and <sys/stat.h>
 * constants unchanged.
 */
#ifndef GOFER_P9_H
#define GOFER_P9_H

#include <stdint.h>

#define GF_VERSION_9P2000L "9P2000.L"

/* No fid (Tattach's afid when there is no authentication) and no tag. */
#define GF_NOFID 0xffffffffu
#define GF_NOTAG 0xffffu

/* Twalk carries at most this many names (Plan 9's MAXWELEM). */
#define GF_MAXWELEM 16

/* Size of the message header: size[4] type[1] tag[2]. */
#define GF_HDR_SIZE 7

/* Header bytes in front of the payload of Rread (and Rreaddir) and of
 * Twrite: what a message of msize bytes leaves for data. */
#define GF_IOHDR_READ  (GF_HDR_SIZE + 4)
#define GF_IOHDR_WRITE (GF_HDR_SIZE + 4 + 8 + 4)

/* Message types (T = request, R = its reply, always T + 1). */
enum gf_msg_type {
	GF_TLERROR = 6, /* never sent; Rlerror answers any failed request */
	GF_RLERROR = 7,
	GF_TSTATFS = 8,
	GF_RSTATFS = 9,
	GF_TLOPEN = 12,
	GF_RLOPEN = 13,
	GF_TLCREATE = 14,
	GF_RLCREATE = 15,
	GF_TSYMLINK = 16,
	GF_RSYMLINK = 17,
	GF_TMKNOD = 18,
	GF_RMKNOD = 19,
	GF_TRENAME = 20,
	GF_RRENAME = 21,
	GF_TREADLINK = 22,
	GF_RREADLINK = 23,
	GF_TGETATTR = 24,
	GF_RGETATTR = 25,
	GF_TSETATTR = 26,
	GF_RSETATTR = 27,
	GF_TXATTRWALK = 30,
	GF_RXATTRWALK = 31,
	GF_TXATTRCREATE = 32,
	GF_RXATTRCREATE = 33,
	GF_TREADDIR = 40,
	GF_RREADDIR = 41,
	GF_TFSYNC = 50,
	GF_RFSYNC = 51,
	GF_TLOCK = 52,
	GF_RLOCK = 53,
	GF_TGETLOCK = 54,
	GF_RGETLOCK = 55,
	GF_TLINK = 70,
	GF_RLINK = 71,
	GF_TMKDIR = 72,
	GF_RMKDIR = 73,
	GF_TRENAMEAT = 74,
	GF_RRENAMEAT = 75,
	GF_TUNLINKAT = 76,
	GF_RUNLINKAT = 77,
	GF_TVERSION = 100,
	GF_RVERSION = 101,
	GF_TAUTH = 102,
	GF_RAUTH = 103,
	GF_TATTACH = 104,
	GF_RATTACH = 105,
	GF_TFLUSH = 108,
	GF_RFLUSH = 109,
	GF_TWALK = 110,
	GF_RWALK = 111,
	GF_TREAD = 116,
	GF_RREAD = 117,
	GF_TWRITE = 118,
	GF_RWRITE = 119,
	GF_TCLUNK = 120,
	GF_RCLUNK = 121,
	GF_TREMOVE = 122,
	GF_RREMOVE = 123,
};

/* qid.type bits. */
#define GF_QTDIR     0x80
#define GF_QTSYMLINK 0x02
#define GF_QTFILE    0x00

/* The server's identity of a file: path is unique per file within one
 * server (inode number mixed with the device), type is GF_QT*. */
struct gf_qid {
	uint8_t type;
	uint32_t version;
	uint64_t path;
};

/* Tgetattr request_mask / Rgetattr valid bits (Linux's P9_STATS_*). */
#define GF_GETATTR_MODE	       0x00000001ull
#define GF_GETATTR_NLINK       0x00000002ull
#define GF_GETATTR_UID	       0x00000004ull
#define GF_GETATTR_GID	       0x00000008ull
#define GF_GETATTR_RDEV	       0x00000010ull
#define GF_GETATTR_ATIME       0x00000020ull
#define GF_GETATTR_MTIME       0x00000040ull
#define GF_GETATTR_CTIME       0x00000080ull
#define GF_GETATTR_INO	       0x00000100ull
#define GF_GETATTR_SIZE	       0x00000200ull
#define GF_GETATTR_BLOCKS      0x00000400ull
#define GF_GETATTR_BASIC       0x000007ffull
#define GF_GETATTR_BTIME       0x00000800ull
#define GF_GETATTR_GEN	       0x00001000ull
#define GF_GETATTR_DATAVERSION 0x00002000ull
#define GF_GETATTR_ALL	       0x00003fffull

/* Rgetattr: a stat(2) of the file. mode holds the file type bits (S_IF*)
 * as well as the permissions. */
struct gf_attr {
	uint64_t valid; /* GF_GETATTR_* fields the server filled */
	struct gf_qid qid;
	uint32_t mode;
	uint32_t uid;
	uint32_t gid;
	uint64_t nlink;
	uint64_t rdev;
	uint64_t size;
	uint64_t blksize;
	uint64_t blocks;
	uint64_t atime_sec, atime_nsec;
	uint64_t mtime_sec, mtime_nsec;
	uint64_t ctime_sec, ctime_nsec;
	uint64_t btime_sec, btime_nsec;
	uint64_t gen;
	uint64_t data_version;
};

/* Tsetattr valid bits (Linux's P9_ATTR_*). ATIME/MTIME without the
 * matching *_SET bit mean "now"; with it, the given time. */
#define GF_SETATTR_MODE	     0x00000001u
#define GF_SETATTR_UID	     0x00000002u
#define GF_SETATTR_GID	     0x00000004u
#define GF_SETATTR_SIZE	     0x00000008u
#define GF_SETATTR_ATIME     0x00000010u
#define GF_SETATTR_MTIME     0x00000020u
#define GF_SETATTR_CTIME     0x00000040u
#define GF_SETATTR_ATIME_SET 0x00000080u
#define GF_SETATTR_MTIME_SET 0x00000100u

struct gf_setattr {
	uint32_t valid; /* GF_SETATTR_* */
	uint32_t mode;	/* permission bits only (07777) */
	uint32_t uid;
	uint32_t gid;
	uint64_t size;
	uint64_t atime_sec, atime_nsec;
	uint64_t mtime_sec, mtime_nsec;
};

/* Rstatfs: a statfs(2) of the file system holding the file. */
struct gf_statfs {
	uint32_t type;
	uint32_t bsize;
	uint64_t blocks;
	uint64_t bfree;
	uint64_t bavail;
	uint64_t files;
	uint64_t ffree;
	uint64_t fsid;
	uint32_t namelen;
};

/* One entry of Rreaddir. name is borrowed from the reply buffer and is not
 * NUL-terminated; offset is the cookie to pass to the next Treaddir to
 * continue after this entry; type is a DT_* value from <dirent.h>. */
struct gf_dirent {
	struct gf_qid qid;
	uint64_t offset;
	uint8_t type;
	const char *name;
	uint16_t name_len;
};

#endif
