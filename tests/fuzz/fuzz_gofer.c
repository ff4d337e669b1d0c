/* libFuzzer harness for the gofer's message decoder and dispatcher.
 *
 * Each input is a stream of 9P messages, framed by their own size fields
 * (as the server reads a connection), played into a fresh session of a
 * server exporting a scratch tree; a Tversion and a Tattach of fid 0 come
 * first so that inputs reach the handlers. The tree is emptied every few
 * thousand inputs so that what inputs create does not pile up. */
#include <fcntl.h>
#include <ftw.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "gofer/server.h"

#define FUZZ_MSIZE 8192
#define WIPE_EVERY 4096

static char tree[64];
static struct gf_server *server;
static uint8_t reply[FUZZ_MSIZE + 64];
static unsigned runs;

static int remove_entry(const char *path, const struct stat *st, int flag,
			struct FTW *ftw)
{
	(void)st;
	(void)flag;
	if (ftw->level > 0)
		remove(path);
	return 0;
}

static void wipe_tree(void)
{
	/* Inputs may chmod the root or its directories to 0; root's
	 * DAC_OVERRIDE still removes them. */
	chmod(tree, 0755);
	nftw(tree, remove_entry, 16, FTW_DEPTH | FTW_PHYS);
	mkdir(tree, 0755);
	char path[128];
	snprintf(path, sizeof(path), "%s/file", tree);
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd >= 0) {
		if (write(fd, "content", 7) < 0)
			abort();
		close(fd);
	}
	snprintf(path, sizeof(path), "%s/dir", tree);
	mkdir(path, 0755);
	snprintf(path, sizeof(path), "%s/link", tree);
	symlink("/etc/passwd", path);
}

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	umask(0);
	strcpy(tree, "/tmp/fuzz-gofer.XXXXXX");
	if (mkdtemp(tree) == NULL)
		abort();
	wipe_tree();
	int fd = open(tree, O_PATH | O_DIRECTORY | O_CLOEXEC);
	struct gf_export exp = { .name = "/", .root_fd = fd };
	struct gf_server_config cfg = { .exports = &exp,
					.nexports = 1,
					.max_msize = FUZZ_MSIZE,
					.max_fids = 64,
					.proc_self_fd = -1 };
	struct rs_error *err = NULL;
	if (fd < 0 || gf_server_new(&cfg, &server, &err) < 0)
		abort();
	close(fd);
	return 0;
}

static void handle(struct gf_session *sess, const uint8_t *msg, size_t len)
{
	int donate;
	gf_session_handle(sess, msg, len, reply, sizeof(reply), &donate);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (++runs % WIPE_EVERY == 0)
		wipe_tree();
	struct gf_session *sess;
	if (gf_session_new(server, &sess) < 0)
		return 0;
	static const uint8_t preamble[][32] = {
		{ 21, 0, 0,   0,   100, 0xff, 0xff, 0x00, 0x20, 0,  0,
		  8,  0, '9', 'P', '2', '0',  '0',  '0',  '.',	'L' },
		{ 25,	0,    0, 0, 104, 1, 0, 0,   0, 0, 0, 0xff, 0xff,
		  0xff, 0xff, 1, 0, 'u', 1, 0, '/', 0, 0, 0, 0 },
	};
	handle(sess, preamble[0], 21);
	handle(sess, preamble[1], 25);
	size_t off = 0;
	while (size - off >= 4) {
		uint32_t len = (uint32_t)data[off] |
			       (uint32_t)data[off + 1] << 8 |
			       (uint32_t)data[off + 2] << 16 |
			       (uint32_t)data[off + 3] << 24;
		/* A size past the input is cut to what is there: the
		 * dispatcher must refuse the lie, not read past it. */
		if (len > size - off)
			len = (uint32_t)(size - off);
		/* The dispatcher gets its own copy of exactly len bytes so
		 * that ASan sees any read past a message. */
		uint8_t *msg = malloc(len ? len : 1);
		if (msg == NULL)
			break;
		memcpy(msg, data + off, len);
		int donate;
		ssize_t n = gf_session_handle(sess, msg, len, reply,
					      sizeof(reply), &donate);
		free(msg);
		if (n < 0)
			break; /* the connection would be dropped here */
		off += len;
	}
	gf_session_free(sess);
	return 0;
}
