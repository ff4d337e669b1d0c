/* devfs: a tmpfs holding the usual device nodes, whose opens are served by
 * the Sentry's own devices (null, zero, full, random, urandom, tty). */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/random.h>
#include <sys/sysmacros.h>

#include "fs/fs.h"
#include "fs/tmpfs.h"

enum dev_kind { DEV_NULL, DEV_ZERO, DEV_FULL, DEV_RANDOM };

static ssize_t dev_read(struct sn_file *f, struct sn_task *t, void *buf,
			size_t len, int64_t *off)
{
	(void)t;
	(void)off;
	switch ((enum dev_kind)(uintptr_t)f->priv) {
	case DEV_NULL:
		return 0;
	case DEV_ZERO:
	case DEV_FULL:
		memset(buf, 0, len);
		return (ssize_t)len;
	case DEV_RANDOM: {
		ssize_t n = getrandom(buf, len, GRND_NONBLOCK);
		return n < 0 ? -errno : n;
	}
	}
	return -EINVAL;
}

static ssize_t dev_write(struct sn_file *f, struct sn_task *t, const void *buf,
			 size_t len, int64_t *off)
{
	(void)t, (void)buf, (void)off;
	if ((enum dev_kind)(uintptr_t)f->priv == DEV_FULL)
		return -ENOSPC;
	return (ssize_t)len;
}

static uint32_t dev_poll(struct sn_file *f)
{
	(void)f;
	return POLLIN | POLLOUT | POLLRDNORM | POLLWRNORM;
}

static const dev_t dev_numbers[] = {
	[DEV_NULL] = 0x103,   /* makedev(1, 3) */
	[DEV_ZERO] = 0x105,   /* makedev(1, 5) */
	[DEV_FULL] = 0x107,   /* makedev(1, 7) */
	[DEV_RANDOM] = 0x109, /* makedev(1, 9) */
};

static int dev_stat(struct sn_file *f, struct stat *st)
{
	sn_file_generic_stat(f, st, S_IFCHR | 0666);
	st->st_rdev = dev_numbers[(enum dev_kind)(uintptr_t)f->priv];
	st->st_dev = 0x5;
	return 0;
}

static int64_t dev_seek(struct sn_file *f, int64_t off, int whence)
{
	(void)f, (void)off, (void)whence;
	return 0;
}

static const struct sn_file_ops dev_ops = {
	.kind = "device",
	.read = dev_read,
	.write = dev_write,
	.poll = dev_poll,
	.stat = dev_stat,
	.seek = dev_seek,
};

bool sn_file_is_zero_device(const struct sn_file *f)
{
	return f->ops == &dev_ops &&
	       (enum dev_kind)(uintptr_t)f->priv == DEV_ZERO;
}

int sn_device_open(struct sn_kernel *k, dev_t rdev, int flags,
		   struct sn_file **out)
{
	enum dev_kind kind;
	switch (rdev) {
	case 0x103:
		kind = DEV_NULL;
		break;
	case 0x105:
		kind = DEV_ZERO;
		break;
	case 0x107:
		kind = DEV_FULL;
		break;
	case 0x108:
	case 0x109:
		kind = DEV_RANDOM;
		break;
	default:
		/* /dev/tty and anything else: the sandbox has no
		 * controlling terminal of its own. */
		return -ENXIO;
	}
	*out = sn_file_new(k, &dev_ops, flags & ~(O_CREAT | O_TRUNC | O_EXCL),
			   (void *)(uintptr_t)kind);
	return *out ? 0 : -ENOMEM;
}

struct sn_fs *sn_devfs_new(struct sn_kernel *k)
{
	struct tmpfs *fs = sn_tmpfs_create(k, 0755);
	if (fs == NULL)
		return NULL;
	fs->fs.type = "devtmpfs";
	static const struct {
		const char *name;
		dev_t rdev;
	} devs[] = {
		{ "null", 0x103 },   { "zero", 0x105 },	   { "full", 0x107 },
		{ "random", 0x108 }, { "urandom", 0x109 }, { "tty", 0x500 },
	};
	static const struct {
		const char *name, *target;
	} links[] = {
		{ "fd", "/proc/self/fd" },
		{ "stdin", "/proc/self/fd/0" },
		{ "stdout", "/proc/self/fd/1" },
		{ "stderr", "/proc/self/fd/2" },
	};
	for (size_t i = 0; i < sizeof(devs) / sizeof(devs[0]); i++) {
		struct tnode *n = sn_tnode_new(fs, S_IFCHR | 0666, 0, 0);
		if (n == NULL)
			return NULL;
		n->rdev = devs[i].rdev;
		sn_tnode_link(fs->root, devs[i].name, n);
	}
	for (size_t i = 0; i < sizeof(links) / sizeof(links[0]); i++) {
		struct tnode *n = sn_tnode_new(fs, S_IFLNK | 0777, 0, 0);
		if (n == NULL || (n->link = strdup(links[i].target)) == NULL)
			return NULL;
		sn_tnode_link(fs->root, links[i].name, n);
	}
	static const char *const dirs[] = { "shm", "pts" };
	for (size_t i = 0; i < 2; i++) {
		struct tnode *n = sn_tnode_new(fs, S_IFDIR | 0755, 0, 0);
		if (n == NULL)
			return NULL;
		sn_tnode_link(fs->root, dirs[i], n);
		n->nlink++;
	}
	return &fs->fs;
}
