/* The dispatcher fed raw messages, as a hostile client would send them:
 * every bad request gets Rlerror with the right errno (or ends the
 * connection for bad framing), is counted, and the session goes on. */
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>
#include <cmocka.h>

#include "gofer_test.h"
#include "wire.h"

struct dfx {
	struct gt_env env;
	struct gf_session *sess;
	uint8_t reply[70000];
	struct gf_fcall r; /* the last reply, decoded */
	int donated;
};

static int setup(void **state)
{
	struct dfx *fx = test_calloc(1, sizeof(*fx));
	gt_start(&fx->env, false, false, 8);
	assert_int_equal(gf_session_new(fx->env.server, &fx->sess), 0);
	*state = fx;
	return 0;
}

static int teardown(void **state)
{
	struct dfx *fx = *state;
	gf_session_free(fx->sess);
	gt_stop(&fx->env);
	test_free(fx);
	return 0;
}

/* Sends raw bytes; returns the handler's result and decodes the reply. */
static ssize_t raw(struct dfx *fx, const uint8_t *msg, size_t len)
{
	ssize_t n = gf_session_handle(fx->sess, msg, len, fx->reply,
				      sizeof(fx->reply), &fx->donated);
	if (n > 0)
		assert_int_equal(gf_fcall_decode(fx->reply, (size_t)n, &fx->r),
				 0);
	return n;
}

/* Encodes f and sends it; returns the errno of an Rlerror, or 0. */
static int send_f(struct dfx *fx, struct gf_fcall *f)
{
	uint8_t buf[4096];
	f->tag = 7;
	ssize_t len = gf_fcall_encode(f, buf, sizeof(buf));
	assert_true(len > 0);
	assert_true(raw(fx, buf, (size_t)len) > 0);
	assert_int_equal(fx->r.tag, 7);
	if (fx->r.type == GF_RLERROR)
		return -(int)fx->r.ecode;
	assert_int_equal(fx->r.type, f->type + 1);
	return 0;
}

static int version(struct dfx *fx, uint32_t msize, const char *v)
{
	struct gf_fcall f = { .type = GF_TVERSION,
			      .msize = msize,
			      .version = gf_str_of(v, strlen(v)) };
	return send_f(fx, &f);
}

static int attach(struct dfx *fx, uint32_t fid, const char *aname)
{
	struct gf_fcall f = { .type = GF_TATTACH,
			      .fid = fid,
			      .afid = GF_NOFID,
			      .aname = gf_str_of(aname, strlen(aname)) };
	return send_f(fx, &f);
}

static struct gf_server_stats stats(struct dfx *fx)
{
	struct gf_server_stats st;
	gf_server_get_stats(fx->env.server, &st);
	return st;
}

static void test_nothing_before_version(void **state)
{
	struct dfx *fx = *state;
	assert_int_equal(attach(fx, 1, "/"), -EPROTO);
	/* 9P: an unknown version is answered "unknown", not an error. */
	assert_int_equal(version(fx, 8192, "9P2000"), 0);
	assert_int_equal(fx->r.version.len, 7);
	assert_memory_equal(fx->r.version.s, "unknown", 7);
	assert_int_equal(attach(fx, 1, "/"), -EPROTO);
	/* msize is lowered to the server's limit, and too small is refused. */
	assert_int_equal(version(fx, 1000, "9P2000.L"), -EINVAL);
	assert_int_equal(version(fx, 0xffffffff, "9P2000.L"), 0);
	assert_int_equal(fx->r.msize, GF_SERVER_DEFAULT_MSIZE);
	assert_int_equal(gf_session_msize(fx->sess), GF_SERVER_DEFAULT_MSIZE);
	assert_int_equal(version(fx, 8192, "9P2000.L"), 0);
	assert_int_equal(fx->r.msize, 8192);
	assert_int_equal(attach(fx, 1, "/"), 0);
	/* A new Tversion drops every fid. */
	assert_int_equal(version(fx, 8192, "9P2000.L"), 0);
	struct gf_fcall f = { .type = GF_TCLUNK, .fid = 1 };
	assert_int_equal(send_f(fx, &f), -EBADF);
}

static void test_fid_reuse(void **state)
{
	struct dfx *fx = *state;
	assert_int_equal(version(fx, 8192, "9P2000.L"), 0);
	assert_int_equal(attach(fx, 1, "/"), 0);
	assert_int_equal(attach(fx, 1, "/"), -EBADF);
	assert_int_equal(attach(fx, GF_NOFID, "/"), -EBADF);
	assert_int_equal(attach(fx, 2, "/data"), 0);
	/* Walking to a fid in use. */
	struct gf_fcall w = { .type = GF_TWALK, .fid = 1, .newfid = 2 };
	assert_int_equal(send_f(fx, &w), -EBADF);
	/* Walking in place replaces the fid (9P allows newfid == fid). */
	w = (struct gf_fcall){ .type = GF_TWALK, .fid = 2, .newfid = 2 };
	assert_int_equal(send_f(fx, &w), 0);
	/* Authentication is not offered. */
	struct gf_fcall a = { .type = GF_TATTACH, .fid = 3, .afid = 9 };
	assert_int_equal(send_f(fx, &a), -EINVAL);
	/* Unknown fids. */
	struct gf_fcall g = { .type = GF_TGETATTR, .fid = 77 };
	assert_int_equal(send_f(fx, &g), -EBADF);
	struct gf_fcall r = { .type = GF_TREAD, .fid = 1, .count = 10 };
	assert_int_equal(send_f(fx, &r), -EBADF); /* not open */
}

static void test_fid_limit_counted(void **state)
{
	struct dfx *fx = *state; /* the session allows 8 fids */
	assert_int_equal(version(fx, 8192, "9P2000.L"), 0);
	for (uint32_t fid = 0; fid < 8; fid++)
		assert_int_equal(attach(fx, fid, "/"), 0);
	assert_int_equal(attach(fx, 8, "/"), -EMFILE);
	struct gf_fcall w = { .type = GF_TWALK, .fid = 0, .newfid = 9 };
	assert_int_equal(send_f(fx, &w), -EMFILE);
	assert_int_equal(stats(fx).fid_limit, 2);
}

static void test_bad_names(void **state)
{
	struct dfx *fx = *state;
	assert_int_equal(version(fx, 8192, "9P2000.L"), 0);
	assert_int_equal(attach(fx, 1, "/"), 0);
	const struct gf_str bad[] = {
		gf_str_of("a/b", 3), gf_str_of("/", 1),	 gf_str_of("a\0b", 3),
		gf_str_of("", 0),    gf_str_of("\0", 1),
	};
	uint64_t before = stats(fx).bad_names;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		struct gf_fcall w = { .type = GF_TWALK,
				      .fid = 1,
				      .newfid = 2,
				      .nwname = 1,
				      .wnames = { bad[i] } };
		assert_int_equal(send_f(fx, &w), -EINVAL);
		struct gf_fcall m = { .type = GF_TMKDIR,
				      .dfid = 1,
				      .name = bad[i],
				      .mode = 0755 };
		assert_int_equal(send_f(fx, &m), -EINVAL);
	}
	/* Dots: fine in a walk, never as a created name. */
	struct gf_fcall m = { .type = GF_TMKDIR,
			      .dfid = 1,
			      .name = gf_str_of("..", 2) };
	assert_int_equal(send_f(fx, &m), -EINVAL);
	struct gf_fcall s = { .type = GF_TSYMLINK,
			      .dfid = 1,
			      .name = gf_str_of("l", 1),
			      .target = gf_str_of("a\0b", 3) };
	assert_int_equal(send_f(fx, &s), -EINVAL);
	char longname[256];
	memset(longname, 'n', sizeof(longname));
	m.name = gf_str_of(longname, sizeof(longname));
	assert_int_equal(send_f(fx, &m), -ENAMETOOLONG);
	assert_int_equal(stats(fx).bad_names, before + 12);
	/* Nothing was created on the way. */
	assert_int_equal(access(fx->env.root, F_OK), 0);
	char path[128];
	snprintf(path, sizeof(path), "%s/a", fx->env.root);
	assert_int_equal(access(path, F_OK), -1);
}

static void test_malformed_gets_rlerror_and_session_goes_on(void **state)
{
	struct dfx *fx = *state;
	assert_int_equal(version(fx, 8192, "9P2000.L"), 0);
	/* A Tmkdir whose name runs past the end. */
	uint8_t msg[] = { 15, 0, 0, 0,	 GF_TMKDIR, 3,	 0,  1,
			  0,  0, 0, 200, 0,	    'a', 'b' };
	assert_true(raw(fx, msg, sizeof(msg)) > 0);
	assert_int_equal(fx->r.type, GF_RLERROR);
	assert_int_equal(fx->r.tag, 3);
	assert_int_equal(fx->r.ecode, EINVAL);
	assert_int_equal(stats(fx).malformed, 1);
	/* Unknown and unserved types. */
	uint8_t unknown[] = { 7, 0, 0, 0, 250, 4, 0 };
	assert_true(raw(fx, unknown, sizeof(unknown)) > 0);
	assert_int_equal(fx->r.ecode, EOPNOTSUPP);
	assert_int_equal(fx->r.tag, 4);
	struct gf_fcall x = { .type = GF_TXATTRWALK,
			      .fid = 1,
			      .newfid = 2,
			      .name = gf_str_of("user.x", 6) };
	assert_int_equal(send_f(fx, &x), -EOPNOTSUPP);
	x = (struct gf_fcall){ .type = GF_TXATTRCREATE, .fid = 1 };
	assert_int_equal(send_f(fx, &x), -EOPNOTSUPP);
	/* A reply type sent as a request. */
	struct gf_fcall rr = { .type = GF_RCLUNK };
	assert_int_equal(send_f(fx, &rr), -EOPNOTSUPP);
	assert_int_equal(stats(fx).unknown_type, 4);
	/* Walk of 17 names. */
	uint8_t walk[64];
	struct gf_wbuf w = { .p = walk, .cap = sizeof(walk) };
	gf_put_u32(&w, 0);
	gf_put_u8(&w, GF_TWALK);
	gf_put_u16(&w, 5);
	gf_put_u32(&w, 1);
	gf_put_u32(&w, 2);
	gf_put_u16(&w, 17);
	for (int i = 0; i < 17; i++)
		gf_put_str(&w, gf_str_of("a", 1));
	struct gf_wbuf size = { .p = walk, .cap = 4 };
	gf_put_u32(&size, (uint32_t)w.len);
	assert_true(raw(fx, walk, w.len) > 0);
	assert_int_equal(fx->r.ecode, EINVAL);
	/* Tflush is answered at once. */
	struct gf_fcall fl = { .type = GF_TFLUSH, .oldtag = 5 };
	assert_int_equal(send_f(fx, &fl), 0);
	/* And the session still works. */
	assert_int_equal(attach(fx, 1, "/"), 0);
	assert_int_equal(stats(fx).errors, 6);
}

static void test_bad_framing_ends_the_connection(void **state)
{
	struct dfx *fx = *state;
	uint8_t msg[16] = { 16, 0, 0, 0, GF_TVERSION, 0xff, 0xff };
	/* Size field and length disagree. */
	assert_int_equal(raw(fx, msg, 15), -EPROTO);
	assert_int_equal(raw(fx, msg, 3), -EPROTO);
	/* Larger than msize. */
	assert_int_equal(version(fx, 8192, "9P2000.L"), 0);
	uint8_t *big = test_calloc(1, 9000);
	struct gf_wbuf w = { .p = big, .cap = 4 };
	gf_put_u32(&w, 9000);
	assert_int_equal(raw(fx, big, 9000), -EPROTO);
	test_free(big);
	/* Over a real socket: the server drops it, counts it, and serves
	 * the next connection. */
	gf_session_free(fx->sess);
	fx->sess = NULL;
	int sv[2];
	assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv),
			 0);
	uint8_t lie[] = { 0xff, 0xff, 0xff, 0x7f, GF_TREAD, 1, 0 };
	assert_int_equal(write(sv[0], lie, sizeof(lie)), sizeof(lie));
	assert_int_equal(gf_server_serve(fx->env.server, sv[1]), -EPROTO);
	assert_int_equal(stats(fx).conns_dropped, 1);
	close(sv[0]);
	close(sv[1]);
	/* A client that disappears mid-message. */
	assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv),
			 0);
	uint8_t half[] = { 100, 0, 0, 0, GF_TVERSION };
	assert_int_equal(write(sv[0], half, sizeof(half)), sizeof(half));
	close(sv[0]);
	assert_int_equal(gf_server_serve(fx->env.server, sv[1]), -EPROTO);
	close(sv[1]);
	assert_int_equal(gf_session_new(fx->env.server, &fx->sess), 0);
}

static void test_reply_buffer_too_small(void **state)
{
	struct dfx *fx = *state;
	uint8_t msg[64];
	struct gf_fcall f = { .type = GF_TVERSION,
			      .msize = 8192,
			      .version = gf_str_of("9P2000.L", 8) };
	ssize_t len = gf_fcall_encode(&f, msg, sizeof(msg));
	uint8_t reply[8];
	int fd;
	assert_int_equal(gf_session_handle(fx->sess, msg, (size_t)len, reply,
					   sizeof(reply), &fd),
			 -ENOBUFS);
	assert_int_equal(fd, -1);
}

/* Twalk of names from fid to newfid; returns the errno or 0. */
static int walk(struct dfx *fx, uint32_t fid, uint32_t newfid,
		const char *const *names, uint16_t n)
{
	struct gf_fcall w = {
		.type = GF_TWALK, .fid = fid, .newfid = newfid, .nwname = n
	};
	for (uint16_t i = 0; i < n; i++)
		w.wnames[i] = gf_str_of(names[i], strlen(names[i]));
	return send_f(fx, &w);
}

/* A walk starts from the fid's own type: a clone of a file is still a
 * file (no ".." from it), a clone of a directory still walks. */
static void test_walk_clone_keeps_the_type(void **state)
{
	struct dfx *fx = *state;
	gt_write_file(fx->env.root, "f", "F");
	assert_int_equal(version(fx, 8192, "9P2000.L"), 0);
	assert_int_equal(attach(fx, 1, "/"), 0);
	const char *f[] = { "f" }, *up[] = { ".." }, *dot[] = { "." };
	assert_int_equal(walk(fx, 1, 2, f, 1), 0);
	assert_int_equal(walk(fx, 2, 3, NULL, 0), 0);
	assert_int_equal(walk(fx, 3, 4, up, 1), -ENOTDIR);
	assert_int_equal(walk(fx, 3, 4, dot, 1), -ENOTDIR);
	struct gf_fcall o = { .type = GF_TLOPEN, .fid = 3, .flags = O_RDONLY };
	assert_int_equal(send_f(fx, &o), 0);
	if (fx->donated >= 0)
		close(fx->donated);
	assert_int_equal(walk(fx, 1, 5, NULL, 0), 0);
	assert_int_equal(walk(fx, 5, 6, f, 1), 0);
	assert_int_equal(walk(fx, 5, 7, up, 1), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_nothing_before_version,
						setup, teardown),
		cmocka_unit_test_setup_teardown(test_fid_reuse, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_fid_limit_counted, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_bad_names, setup,
						teardown),
		cmocka_unit_test_setup_teardown(
			test_malformed_gets_rlerror_and_session_goes_on, setup,
			teardown),
		cmocka_unit_test_setup_teardown(
			test_bad_framing_ends_the_connection, setup, teardown),
		cmocka_unit_test_setup_teardown(test_reply_buffer_too_small,
						setup, teardown),
		cmocka_unit_test_setup_teardown(test_walk_clone_keeps_the_type,
						setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
