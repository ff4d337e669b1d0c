#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include "drivers/memlink.h"
#include "fake.h"
#include "net/net.h"
#include "netstack/stack.h"

/* The links of fake_add_eth, closed after the stack. */
static struct drv_link *links[16];
static int nlinks;

void fake_init(struct fake *f)
{
	struct sn_kernel *k = calloc(1, sizeof(*k));
	assert_non_null(k);
	for (int i = 0; i < 256; i++)
		rs_list_init(&k->tasks[i]);
	rs_list_init(&k->procs);
	rs_list_init(&k->runq);
	rs_list_init(&k->mounts);
	k->host_proc = open("/proc", O_PATH | O_DIRECTORY | O_CLOEXEC);
	k->shm_dir = -1;
	strcpy(k->hostname, "unit");
	assert_int_equal(sn_loop_new(&k->loop), 0);
	sn_vfs_mount(k, "/", sn_tmpfs_new(k), false);
	sn_vfs_mount(k, "/dev", sn_devfs_new(k), false);
	sn_vfs_mount(k, "/proc", sn_procfs_new(k), false);
	struct sn_proc *p = calloc(1, sizeof(*p));
	assert_non_null(p);
	p->k = k;
	p->vpid = 1;
	p->memfd = -1;
	rs_list_init(&p->threads);
	rs_list_init(&p->ptimers);
	p->fdt = sn_fdtable_new();
	p->fs = calloc(1, sizeof(*p->fs));
	p->fs->refs = 1;
	p->fs->cwd = strdup("/");
	p->fs->umask = 022;
	p->rlim[RLIMIT_NOFILE].rlim_cur = 64;
	p->rlim[RLIMIT_NOFILE].rlim_max = 64;
	rs_list_add_tail(&k->procs, &p->link);
	k->init = p;
	f->k = k;
	f->proc = p;
	f->task = sn_task_new(k, 0, p);
	f->task->vtid = 1;
}

void fake_net(struct fake *f)
{
	static const struct sn_net_config cfg = { .mode = SN_NET_NONE };
	struct rs_error *err = NULL;
	assert_int_equal(sn_net_open(f->k, &cfg, &err), 0);
}

int fake_add_eth(struct fake *f, const char *name, const uint8_t mac[6])
{
	assert_true(nlinks + 2 <= 16);
	struct drv_pipe_config pc = { .mtu = 1500 };
	memcpy(pc.mac_a, mac, 6);
	struct drv_link *a, *b;
	struct rs_error *err = NULL;
	assert_int_equal(drv_pipe_pair(&pc, &a, &b, &err), 0);
	links[nlinks++] = a;
	links[nlinks++] = b;
	struct ns_nic_config nc = { .ops = &drv_ns_link_ops,
				    .ctx = a,
				    .info = *drv_info(a),
				    .flags = NS_NIC_F_NO_AUTOCONF };
	nc.info.name = name;
	int ifindex;
	assert_int_equal(ns_stack_add_nic(sn_net_stack(f->k), &nc, &ifindex),
			 0);
	return ifindex;
}

void fake_set_uid(struct fake *f, uid_t uid)
{
	struct sn_creds *c = &f->proc->creds;
	c->ruid = c->euid = c->suid = c->fsuid = uid;
	c->rgid = c->egid = c->sgid = c->fsgid = uid;
}

void fake_free(struct fake *f)
{
	sn_task_free(f->task);
	sn_proc_free(f->proc);
	sn_vfs_unmount_all(f->k);
	sn_net_close(f->k);
	while (nlinks > 0)
		drv_close(links[--nlinks]);
	sn_loop_free(f->k->loop);
	close(f->k->host_proc);
	free(f->k->scratch);
	free(f->k);
}

void fake_write_file(struct fake *f, const char *path, const void *data,
		     size_t len, mode_t mode)
{
	struct sn_path p;
	assert_int_equal(
		sn_path_lookup_at(f->task, "/", path, SN_LOOKUP_MAY_MISS, &p),
		0);
	struct sn_file *file;
	assert_int_equal(sn_vfs_open(f->task, &p, O_CREAT | O_WRONLY | O_TRUNC,
				     mode, &file),
			 0);
	int64_t off = 0;
	assert_int_equal(file->ops->write(file, f->task, data, len, &off),
			 (ssize_t)len);
	sn_file_put(file);
	/* open() applied the umask; tests want the exact mode. */
	p.mnt->fs->ops->chmod(p.mnt->fs, f->task, p.rel, mode);
	sn_path_free(&p);
}
