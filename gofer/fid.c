/* The fid table of a session: a chained hash keyed by fid number. Clients
 * pick fid numbers freely (Linux's v9fs counts up from 0, others use any
 * u32), so the table does not assume density. */
#include <errno.h>
#include <stdlib.h>
#include <unistd.h>

#include "session.h"

#define FID_BUCKETS 1024

static uint32_t bucket_of(const struct fid_table *t, uint32_t num)
{
	/* Fibonacci hashing spreads sequential fids over the buckets. */
	return (uint32_t)(num * 2654435761u) & (t->nbuckets - 1);
}

int fid_table_init(struct fid_table *t, uint32_t max)
{
	t->nbuckets = FID_BUCKETS;
	t->buckets = calloc(t->nbuckets, sizeof(*t->buckets));
	t->count = 0;
	t->max = max;
	return t->buckets ? 0 : -ENOMEM;
}

void fid_table_destroy(struct fid_table *t)
{
	fid_release_all(t);
	free(t->buckets);
	t->buckets = NULL;
}

struct fid *fid_lookup(const struct fid_table *t, uint32_t num)
{
	for (struct fid *f = t->buckets[bucket_of(t, num)]; f; f = f->next)
		if (f->num == num)
			return f;
	return NULL;
}

int fid_new(struct fid_table *t, uint32_t num, struct fid **out)
{
	if (num == GF_NOFID || fid_lookup(t, num))
		return -EBADF;
	if (t->count >= t->max)
		return -EMFILE;
	struct fid *f = calloc(1, sizeof(*f));
	if (f == NULL)
		return -ENOMEM;
	f->num = num;
	f->path_fd = -1;
	f->open_fd = -1;
	uint32_t b = bucket_of(t, num);
	f->next = t->buckets[b];
	t->buckets[b] = f;
	t->count++;
	*out = f;
	return 0;
}

void fid_release(struct fid_table *t, struct fid *f)
{
	for (struct fid **pp = &t->buckets[bucket_of(t, f->num)]; *pp;
	     pp = &(*pp)->next) {
		if (*pp == f) {
			*pp = f->next;
			t->count--;
			break;
		}
	}
	if (f->path_fd >= 0)
		close(f->path_fd);
	if (f->open_fd >= 0)
		close(f->open_fd);
	free(f->rel);
	free(f);
}

void fid_release_all(struct fid_table *t)
{
	for (uint32_t b = 0; b < t->nbuckets; b++)
		while (t->buckets[b])
			fid_release(t, t->buckets[b]);
}
