/* A kernel without a platform for unit tests: tmpfs at /, devfs at /dev,
 * procfs at /proc, and one task (host tid 0) of a root process. */
#ifndef TESTS_UNIT_SENTRY_FAKE_H
#define TESTS_UNIT_SENTRY_FAKE_H

#include "fs/fs.h"
#include "kernel/kernel.h"

struct fake {
	struct sn_kernel *k;
	struct sn_proc *proc;
	struct sn_task *task;
};

void fake_init(struct fake *f);
void fake_free(struct fake *f);
/* Gives the fake kernel a network: the loopback-only netstack runsc's
 * --network=none has (sn_net_open). fake_free closes it. */
void fake_net(struct fake *f);
/* Adds an Ethernet NIC named name to the fake's stack over one end of an
 * in-memory pipe (the other end is dropped frames' sink); returns its
 * ifindex. The links are closed by fake_free. */
int fake_add_eth(struct fake *f, const char *name, const uint8_t mac[6]);
/* Runs the task as root (euid 0) or as an unprivileged uid. */
void fake_set_uid(struct fake *f, uid_t uid);
/* Creates a file in the fake root with content (mode as given). */
void fake_write_file(struct fake *f, const char *path, const void *data,
		     size_t len, mode_t mode);

/* Runs the handler sys_<name> as task fx->task with up to six arguments,
 * expects it to complete (SN_DONE), drops the file the call held (as the
 * engine does when a syscall ends) and gives sc.ret. */
#define CALL(fx, name, ...)                                                 \
	({                                                                  \
		struct sn_sc sc_ = { .first = true, .a = { __VA_ARGS__ } }; \
		assert_int_equal(sys_##name((fx)->task, &sc_), SN_DONE);    \
		sn_file_put(sc_.held);                                      \
		sc_.ret;                                                    \
	})

#endif
