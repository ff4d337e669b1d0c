#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include "fake.h"

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

void fake_free(struct fake *f)
{
	sn_task_free(f->task);
	sn_proc_free(f->proc);
	sn_vfs_unmount_all(f->k);
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
