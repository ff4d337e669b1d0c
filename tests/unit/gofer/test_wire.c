/* The 9P2000.L codec: every message type round-tripped and checked against
 * its size from the protocol description, and malformed input (sizes that
 * lie, strings past the end, huge counts, unknown types, truncation at every
 * byte) refused without crashing. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "wire.h"

#define S(lit)                                   \
	{                                        \
		.s = lit, .len = sizeof(lit) - 1 \
	}

static const uint8_t payload[] = { 'a', 'b', 'c' };
static const uint8_t dirdata[10] = { 1, 2, 3, 4, 5, 6, 7, 8, 9, 10 };

/* Every message the codec knows, with its encoded size worked out by hand
 * from diod's protocol.md (header 7 bytes, qid 13, string 2 + len). */
static const struct {
	struct gf_fcall f;
	size_t size;
} messages[] = {
	{ { .type = GF_TVERSION, .msize = 8192, .version = S("9P2000.L") },
	  21 },
	{ { .type = GF_RVERSION, .msize = 8192, .version = S("9P2000.L") },
	  21 },
	{ { .type = GF_TATTACH,
	    .fid = 1,
	    .afid = GF_NOFID,
	    .uname = S("u"),
	    .aname = S("/"),
	    .n_uname = 1000 },
	  25 },
	{ { .type = GF_RATTACH, .qid = { GF_QTDIR, 7, 0x1122334455667788 } },
	  20 },
	{ { .type = GF_RLERROR, .ecode = ENOENT }, 11 },
	{ { .type = GF_TFLUSH, .oldtag = 3 }, 9 },
	{ { .type = GF_RFLUSH }, 7 },
	{ { .type = GF_TWALK,
	    .fid = 1,
	    .newfid = 2,
	    .nwname = 2,
	    .wnames = { S("a"), S("bc") } },
	  24 },
	{ { .type = GF_RWALK,
	    .nwqid = 2,
	    .wqids = { { GF_QTDIR, 1, 2 }, { GF_QTFILE, 3, 4 } } },
	  35 },
	{ { .type = GF_TGETATTR, .fid = 9, .request_mask = GF_GETATTR_ALL },
	  19 },
	{ { .type = GF_RGETATTR,
	    .attr = { .valid = GF_GETATTR_BASIC,
		      .qid = { GF_QTFILE, 0, 42 },
		      .mode = 0100644,
		      .uid = 1,
		      .gid = 2,
		      .nlink = 3,
		      .rdev = 4,
		      .size = 5,
		      .blksize = 6,
		      .blocks = 7,
		      .atime_sec = 8,
		      .atime_nsec = 9,
		      .mtime_sec = 10,
		      .mtime_nsec = 11,
		      .ctime_sec = 12,
		      .ctime_nsec = 13,
		      .btime_sec = 14,
		      .btime_nsec = 15,
		      .gen = 16,
		      .data_version = 17 } },
	  160 },
	{ { .type = GF_TSETATTR,
	    .fid = 3,
	    .setattr = { .valid = GF_SETATTR_MODE | GF_SETATTR_SIZE,
			 .mode = 0600,
			 .uid = 1,
			 .gid = 2,
			 .size = 1ull << 40,
			 .atime_sec = 5,
			 .atime_nsec = 6,
			 .mtime_sec = 7,
			 .mtime_nsec = 8 } },
	  67 },
	{ { .type = GF_RSETATTR }, 7 },
	{ { .type = GF_TLOPEN, .fid = 4, .flags = 2 }, 15 },
	{ { .type = GF_RLOPEN, .qid = { 0, 1, 2 }, .iounit = 8000 }, 24 },
	{ { .type = GF_TLCREATE,
	    .dfid = 4,
	    .name = S("f"),
	    .flags = 1,
	    .mode = 0644,
	    .gid = 5 },
	  26 },
	{ { .type = GF_RLCREATE, .qid = { 0, 1, 2 }, .iounit = 8000 }, 24 },
	{ { .type = GF_TREAD, .fid = 4, .offset = 1ull << 33, .count = 100 },
	  23 },
	{ { .type = GF_RREAD, .count = 3, .data = payload }, 14 },
	{ { .type = GF_TWRITE,
	    .fid = 4,
	    .offset = 10,
	    .count = 3,
	    .data = payload },
	  26 },
	{ { .type = GF_RWRITE, .count = 3 }, 11 },
	{ { .type = GF_TREADDIR, .fid = 4, .offset = 77, .count = 4096 }, 23 },
	{ { .type = GF_RREADDIR, .count = 10, .data = dirdata }, 21 },
	{ { .type = GF_TCLUNK, .fid = 4 }, 11 },
	{ { .type = GF_RCLUNK }, 7 },
	{ { .type = GF_TREMOVE, .fid = 4 }, 11 },
	{ { .type = GF_RREMOVE }, 7 },
	{ { .type = GF_TMKDIR,
	    .dfid = 1,
	    .name = S("d"),
	    .mode = 0755,
	    .gid = 3 },
	  22 },
	{ { .type = GF_RMKDIR, .qid = { GF_QTDIR, 0, 9 } }, 20 },
	{ { .type = GF_TSYMLINK,
	    .dfid = 1,
	    .name = S("l"),
	    .target = S("tgt"),
	    .gid = 3 },
	  23 },
	{ { .type = GF_RSYMLINK, .qid = { GF_QTSYMLINK, 0, 9 } }, 20 },
	{ { .type = GF_TMKNOD,
	    .dfid = 1,
	    .name = S("n"),
	    .mode = 010644,
	    .major = 1,
	    .minor = 2,
	    .gid = 3 },
	  30 },
	{ { .type = GF_RMKNOD, .qid = { 0, 0, 9 } }, 20 },
	{ { .type = GF_TLINK, .dfid = 1, .fid = 2, .name = S("h") }, 18 },
	{ { .type = GF_RLINK }, 7 },
	{ { .type = GF_TREADLINK, .fid = 2 }, 11 },
	{ { .type = GF_RREADLINK, .target = S("tgt") }, 12 },
	{ { .type = GF_TRENAMEAT,
	    .dfid = 1,
	    .name = S("a"),
	    .newdfid = 2,
	    .newname = S("b") },
	  21 },
	{ { .type = GF_RRENAMEAT }, 7 },
	{ { .type = GF_TUNLINKAT, .dfid = 1, .name = S("a"), .flags = 0x200 },
	  18 },
	{ { .type = GF_RUNLINKAT }, 7 },
	{ { .type = GF_TSTATFS, .fid = 1 }, 11 },
	{ { .type = GF_RSTATFS,
	    .statfs = { 0xef53, 4096, 100, 50, 40, 1000, 900, 0xabcdef, 255 } },
	  67 },
	{ { .type = GF_TFSYNC, .fid = 1, .datasync = 1 }, 15 },
	{ { .type = GF_RFSYNC }, 7 },
	{ { .type = GF_TXATTRWALK, .fid = 1, .newfid = 2, .name = S("x") },
	  18 },
	{ { .type = GF_RXATTRWALK, .xattr_size = 12 }, 15 },
	{ { .type = GF_TXATTRCREATE,
	    .fid = 1,
	    .name = S("x"),
	    .xattr_size = 12,
	    .flags = 1 },
	  26 },
	{ { .type = GF_RXATTRCREATE }, 7 },
};
#define NMESSAGES (sizeof(messages) / sizeof(messages[0]))

static void test_every_message_round_trips(void **state)
{
	(void)state;
	for (size_t i = 0; i < NMESSAGES; i++) {
		struct gf_fcall f = messages[i].f;
		f.tag = (uint16_t)(i + 1);
		uint8_t buf[512], again[512];
		ssize_t n = gf_fcall_encode(&f, buf, sizeof(buf));
		if (n != (ssize_t)messages[i].size)
			fail_msg("%s: encoded %zd bytes, want %zu",
				 gf_msg_name(f.type), n, messages[i].size);
		struct gf_fcall d;
		assert_int_equal(gf_fcall_decode(buf, (size_t)n, &d), 0);
		assert_int_equal(d.type, f.type);
		assert_int_equal(d.tag, f.tag);
		/* Re-encoding the decoded form gives the same bytes: every
		 * field made it through. */
		assert_int_equal(gf_fcall_encode(&d, again, sizeof(again)), n);
		assert_memory_equal(buf, again, (size_t)n);
	}
}

static void test_fields_survive(void **state)
{
	(void)state;
	uint8_t buf[512];
	struct gf_fcall d;
	/* Spot checks of decoded values against what was encoded. */
	ssize_t n = gf_fcall_encode(&messages[7].f, buf, sizeof(buf));
	assert_int_equal(gf_fcall_decode(buf, (size_t)n, &d), 0);
	assert_int_equal(d.nwname, 2);
	assert_int_equal(d.wnames[1].len, 2);
	assert_memory_equal(d.wnames[1].s, "bc", 2);
	assert_int_equal(d.newfid, 2);

	n = gf_fcall_encode(&messages[10].f, buf, sizeof(buf));
	assert_int_equal(gf_fcall_decode(buf, (size_t)n, &d), 0);
	assert_int_equal(d.attr.qid.path, 42);
	assert_int_equal(d.attr.mode, 0100644);
	assert_int_equal(d.attr.data_version, 17);

	n = gf_fcall_encode(&messages[19].f, buf, sizeof(buf));
	assert_int_equal(gf_fcall_decode(buf, (size_t)n, &d), 0);
	assert_int_equal(d.offset, 10);
	assert_int_equal(d.count, 3);
	assert_memory_equal(d.data, "abc", 3);
}

static void test_known_bytes(void **state)
{
	(void)state;
	/* Tversion tag NOTAG msize 8192 "9P2000.L", little-endian. */
	const uint8_t want[] = { 21,   0,    0,	  0,   100, 0xff, 0xff,
				 0x00, 0x20, 0,	  0,   8,   0,	  '9',
				 'P',  '2',  '0', '0', '0', '.',  'L' };
	struct gf_fcall f = { .type = GF_TVERSION,
			      .tag = GF_NOTAG,
			      .msize = 8192,
			      .version = S("9P2000.L") };
	uint8_t buf[64];
	assert_int_equal(gf_fcall_encode(&f, buf, sizeof(buf)), sizeof(want));
	assert_memory_equal(buf, want, sizeof(want));
	/* A qid: type, version, path. */
	struct gf_wbuf w = { .p = buf, .cap = sizeof(buf) };
	struct gf_qid q = { 0x80, 0x01020304, 0x0102030405060708ull };
	gf_put_qid(&w, &q);
	const uint8_t qwant[] = { 0x80, 4, 3, 2, 1, 8, 7, 6, 5, 4, 3, 2, 1 };
	assert_int_equal(w.len, 13);
	assert_memory_equal(buf, qwant, 13);
}

static void set_size(uint8_t *buf, uint32_t size)
{
	struct gf_wbuf w = { .p = buf, .cap = 4 };
	gf_put_u32(&w, size);
}

static void test_size_that_lies(void **state)
{
	(void)state;
	uint8_t buf[64];
	ssize_t n = gf_fcall_encode(&messages[0].f, buf, sizeof(buf));
	struct gf_fcall d;
	set_size(buf, (uint32_t)n + 1);
	assert_int_equal(gf_fcall_decode(buf, (size_t)n, &d), -EPROTO);
	set_size(buf, (uint32_t)n - 1);
	assert_int_equal(gf_fcall_decode(buf, (size_t)n, &d), -EPROTO);
	set_size(buf, 0xffffffff);
	assert_int_equal(gf_fcall_decode(buf, (size_t)n, &d), -EPROTO);
	assert_int_equal(gf_fcall_decode(buf, 3, &d), -EPROTO);
	assert_int_equal(gf_fcall_decode(buf, 0, &d), -EPROTO);
}

static void test_truncated_at_every_byte(void **state)
{
	(void)state;
	for (size_t i = 0; i < NMESSAGES; i++) {
		uint8_t buf[512];
		ssize_t n = gf_fcall_encode(&messages[i].f, buf, sizeof(buf));
		for (size_t len = GF_HDR_SIZE; len < (size_t)n; len++) {
			/* A copy of exactly len bytes, so ASan sees any read
			 * past the end. */
			uint8_t *cut = test_malloc(len);
			memcpy(cut, buf, len);
			set_size(cut, (uint32_t)len);
			struct gf_fcall d;
			int rc = gf_fcall_decode(cut, len, &d);
			/* Tfsync's datasync is optional (older clients). */
			bool ok = messages[i].f.type == GF_TFSYNC && len == 11;
			if (ok)
				assert_int_equal(rc, 0);
			else if (rc != -EINVAL)
				fail_msg("%s cut to %zu: %d",
					 gf_msg_name(messages[i].f.type), len,
					 rc);
			test_free(cut);
		}
	}
}

static void test_trailing_bytes_refused(void **state)
{
	(void)state;
	uint8_t buf[64];
	ssize_t n = gf_fcall_encode(&messages[5].f, buf, sizeof(buf));
	buf[n] = 0;
	set_size(buf, (uint32_t)n + 1);
	struct gf_fcall d;
	assert_int_equal(gf_fcall_decode(buf, (size_t)n + 1, &d), -EINVAL);
}

static void test_string_past_end(void **state)
{
	(void)state;
	/* Tclunk's fid is fine, but a Tmkdir whose name claims 1000 bytes. */
	uint8_t buf[64] = { 0 };
	struct gf_wbuf w = { .p = buf, .cap = sizeof(buf) };
	gf_put_u32(&w, 0);
	gf_put_u8(&w, GF_TMKDIR);
	gf_put_u16(&w, 1);
	gf_put_u32(&w, 1);    /* dfid */
	gf_put_u16(&w, 1000); /* name length */
	gf_put_bytes(&w, "abc", 3);
	gf_put_u32(&w, 0755);
	gf_put_u32(&w, 0);
	set_size(buf, (uint32_t)w.len);
	struct gf_fcall d;
	assert_int_equal(gf_fcall_decode(buf, w.len, &d), -EINVAL);
	/* The tag is still known, for the Rlerror. */
	assert_int_equal(d.tag, 1);
}

static void test_huge_counts(void **state)
{
	(void)state;
	uint8_t buf[64];
	struct gf_wbuf w = { .p = buf, .cap = sizeof(buf) };
	gf_put_u32(&w, 0);
	gf_put_u8(&w, GF_TWRITE);
	gf_put_u16(&w, 1);
	gf_put_u32(&w, 1);
	gf_put_u64(&w, 0);
	gf_put_u32(&w, 0xffffffff); /* count far past the message */
	gf_put_bytes(&w, "xy", 2);
	set_size(buf, (uint32_t)w.len);
	struct gf_fcall d;
	assert_int_equal(gf_fcall_decode(buf, w.len, &d), -EINVAL);

	/* Rread likewise. */
	w.len = 0;
	gf_put_u32(&w, 0);
	gf_put_u8(&w, GF_RREAD);
	gf_put_u16(&w, 1);
	gf_put_u32(&w, 0x7fffffff);
	set_size(buf, (uint32_t)w.len);
	assert_int_equal(gf_fcall_decode(buf, w.len, &d), -EINVAL);
}

static void test_walk_of_more_than_16_names(void **state)
{
	(void)state;
	uint8_t buf[256];
	struct gf_wbuf w = { .p = buf, .cap = sizeof(buf) };
	gf_put_u32(&w, 0);
	gf_put_u8(&w, GF_TWALK);
	gf_put_u16(&w, 1);
	gf_put_u32(&w, 1);
	gf_put_u32(&w, 2);
	gf_put_u16(&w, 17);
	for (int i = 0; i < 17; i++)
		gf_put_str(&w, gf_str_of("a", 1));
	set_size(buf, (uint32_t)w.len);
	struct gf_fcall d;
	assert_int_equal(gf_fcall_decode(buf, w.len, &d), -EINVAL);
	/* And the encoder refuses to produce one. */
	struct gf_fcall f = { .type = GF_TWALK, .nwname = 17 };
	assert_int_equal(gf_fcall_encode(&f, buf, sizeof(buf)), -EINVAL);
	/* Rwalk with 17 qids too. */
	w.len = 0;
	gf_put_u32(&w, 0);
	gf_put_u8(&w, GF_RWALK);
	gf_put_u16(&w, 1);
	gf_put_u16(&w, 17);
	set_size(buf, (uint32_t)w.len);
	assert_int_equal(gf_fcall_decode(buf, w.len, &d), -EINVAL);
}

static void test_unknown_types(void **state)
{
	(void)state;
	const uint8_t types[] = { 0,	    1,	 5,   GF_TLOCK, GF_TGETLOCK,
				  GF_TAUTH, 106, 200, 255 };
	for (size_t i = 0; i < sizeof(types); i++) {
		uint8_t buf[16] = { 11, 0, 0, 0, types[i], 1, 0, 1, 2, 3, 4 };
		struct gf_fcall d;
		assert_int_equal(gf_fcall_decode(buf, 11, &d), -EOPNOTSUPP);
		assert_int_equal(d.type, types[i]);
		struct gf_fcall f = { .type = types[i] };
		assert_int_equal(gf_fcall_encode(&f, buf, sizeof(buf)),
				 -EOPNOTSUPP);
	}
}

static void test_encoder_never_overflows(void **state)
{
	(void)state;
	for (size_t i = 0; i < NMESSAGES; i++) {
		size_t size = messages[i].size;
		for (size_t cap = 0; cap < size; cap++) {
			uint8_t *buf = test_malloc(cap ? cap : 1);
			assert_int_equal(
				gf_fcall_encode(&messages[i].f, buf, cap),
				-ENOBUFS);
			test_free(buf);
		}
	}
}

static void test_readers_past_end(void **state)
{
	(void)state;
	const uint8_t b[3] = { 1, 2, 3 };
	struct gf_rbuf r = { .p = b, .len = sizeof(b) };
	assert_int_equal(gf_get_u16(&r), 0x0201);
	assert_false(r.bad);
	assert_int_equal(gf_get_u32(&r), 0);
	assert_true(r.bad);
	/* Sticky: even a read that would fit now fails. */
	assert_int_equal(gf_get_u8(&r), 0);
	struct gf_str s = gf_get_str(&r);
	assert_int_equal(s.len, 0);
	assert_null(gf_get_bytes(&r, 0));
}

static void test_dirents(void **state)
{
	(void)state;
	uint8_t buf[128];
	struct gf_wbuf w = { .p = buf, .cap = sizeof(buf) };
	struct gf_dirent in = { .qid = { GF_QTDIR, 0, 5 },
				.offset = 99,
				.type = 4,
				.name = "dir",
				.name_len = 3 };
	gf_dirent_put(&w, &in);
	assert_int_equal(w.len, gf_dirent_size(3));
	struct gf_rbuf r = { .p = buf, .len = w.len };
	struct gf_dirent out;
	assert_true(gf_dirent_get(&r, &out));
	assert_int_equal(out.offset, 99);
	assert_int_equal(out.name_len, 3);
	assert_memory_equal(out.name, "dir", 3);
	/* Cut short: refused. */
	struct gf_rbuf cut = { .p = buf, .len = w.len - 1 };
	assert_false(gf_dirent_get(&cut, &out));
}

static void test_clean_strings(void **state)
{
	(void)state;
	assert_true(gf_str_is_clean(gf_str_of("abc", 3)));
	assert_false(gf_str_is_clean(gf_str_of("a\0b", 3)));
	assert_true(gf_str_is_clean(gf_str_of(NULL, 0)));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_every_message_round_trips),
		cmocka_unit_test(test_fields_survive),
		cmocka_unit_test(test_known_bytes),
		cmocka_unit_test(test_size_that_lies),
		cmocka_unit_test(test_truncated_at_every_byte),
		cmocka_unit_test(test_trailing_bytes_refused),
		cmocka_unit_test(test_string_past_end),
		cmocka_unit_test(test_huge_counts),
		cmocka_unit_test(test_walk_of_more_than_16_names),
		cmocka_unit_test(test_unknown_types),
		cmocka_unit_test(test_encoder_never_overflows),
		cmocka_unit_test(test_readers_past_end),
		cmocka_unit_test(test_dirents),
		cmocka_unit_test(test_clean_strings),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
