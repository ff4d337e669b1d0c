/* Test helpers for the gofer: a temporary directory tree and a server
 * thread serving it over a socketpair. */
#ifndef GOFER_TEST_H
#define GOFER_TEST_H

#include <pthread.h>
#include <stdbool.h>

#include "gofer/client.h"
#include "gofer/server.h"

struct gt_env {
	char root[64];	/* the exported tree, "/tmp/gofer-test.XXXXXX" */
	char extra[64]; /* a second tree, exported as "/data" */
	char file[64];	/* a file, exported read-only as "/etc/hostname" */
	int client_fd;	/* the client's end (before gf_client_new) */
	int server_fd;	/* the server thread's end */
	struct gf_server *server;
	pthread_t thread;
	int serve_result; /* gf_server_serve's return */
	bool running;
};

/* Creates the trees and a server (root read-only if root_ro, "/data"
 * read-only if extra_ro) with max_fids (0: default), and starts serving
 * on a socketpair. */
void gt_start(struct gt_env *env, bool root_ro, bool extra_ro,
	      uint32_t max_fids);
/* A client over env's socket (the fd is taken over). */
struct gf_client *gt_client(struct gt_env *env);
/* Waits for the server thread (the client must be gone) and removes the
 * trees. */
void gt_stop(struct gt_env *env);

/* Writes a file below dir with the given contents (test set-up). */
void gt_write_file(const char *dir, const char *rel, const char *contents);

#endif
