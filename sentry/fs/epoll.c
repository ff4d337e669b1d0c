/* epoll: an interest list over Sentry files. Each item keeps a waiter on
 * its file's wait queue, which marks an edge and wakes the epoll file's own
 * queue (where epoll_wait parks, and where an outer epoll or poll listens).
 * Items do not hold their file: when the file description goes, it takes
 * its items out (epoll(7): closing every fd of a description removes it). */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>

#include "fs/fs.h"

struct epitem {
	struct rs_list link;	  /* in the epoll's list */
	struct rs_list file_link; /* in the watched file's list */
	struct sn_waiter w;
	struct sn_file *ep;
	struct sn_file *file;
	int fd;
	uint32_t events;
	uint64_t data;
	bool edge;
	bool disabled; /* EPOLLONESHOT fired */
};

struct epoll {
	struct rs_list items;
};

static void item_fired(struct sn_waiter *w, uint32_t events)
{
	struct epitem *it = rs_container_of(w, struct epitem, w);
	(void)events;
	it->edge = true;
	sn_waitq_wake(&it->ep->wq, POLLIN);
}

static void item_free(struct epitem *it)
{
	sn_waiter_del(&it->w);
	rs_list_del(&it->link);
	rs_list_del(&it->file_link);
	free(it);
}

void sn_epoll_file_gone(struct sn_file *f)
{
	while (!rs_list_empty(&f->epitems))
		item_free(rs_container_of(f->epitems.next, struct epitem,
					  file_link));
}

static uint32_t ep_poll(struct sn_file *f)
{
	struct epoll *ep = f->priv;
	struct rs_list *pos;
	rs_list_for_each(pos, &ep->items)
	{
		struct epitem *it = rs_container_of(pos, struct epitem, link);
		if (it->disabled)
			continue;
		uint32_t m = it->file->ops->poll(it->file);
		if (m & (it->events | EPOLLERR | EPOLLHUP))
			return POLLIN | POLLRDNORM;
	}
	return 0;
}

static int ep_stat(struct sn_file *f, struct stat *st)
{
	return sn_file_generic_stat(f, st, 0600);
}

static void ep_release(struct sn_file *f)
{
	struct epoll *ep = f->priv;
	while (!rs_list_empty(&ep->items))
		item_free(rs_container_of(ep->items.next, struct epitem, link));
	free(ep);
}

static const struct sn_file_ops epoll_ops = {
	.kind = "epoll",
	.stream = true,
	.poll = ep_poll,
	.stat = ep_stat,
	.release = ep_release,
};

bool sn_file_is_epoll(const struct sn_file *f)
{
	return f->ops == &epoll_ops;
}

int sn_epoll_new(struct sn_kernel *k, int flags, struct sn_file **out)
{
	struct epoll *ep = calloc(1, sizeof(*ep));
	if (ep == NULL)
		return -ENOMEM;
	rs_list_init(&ep->items);
	*out = sn_file_new(k, &epoll_ops, O_RDWR | flags, ep);
	if (*out == NULL) {
		free(ep);
		return -ENOMEM;
	}
	sn_file_set_path(*out, "anon_inode:[eventpoll]");
	return 0;
}

static struct epitem *find(struct epoll *ep, struct sn_file *f, int fd)
{
	struct rs_list *pos;
	rs_list_for_each(pos, &ep->items)
	{
		struct epitem *it = rs_container_of(pos, struct epitem, link);
		if (it->file == f && it->fd == fd)
			return it;
	}
	return NULL;
}

/* Would adding f to ep create a loop (f is ep, or an epoll that watches
 * ep, directly or further down)? */
static bool creates_loop(struct sn_file *ep, struct sn_file *f, int depth)
{
	if (f == ep)
		return true;
	if (!sn_file_is_epoll(f) || depth > 5)
		return depth > 5;
	struct epoll *inner = f->priv;
	struct rs_list *pos;
	rs_list_for_each(pos, &inner->items)
	{
		struct epitem *it = rs_container_of(pos, struct epitem, link);
		if (creates_loop(ep, it->file, depth + 1))
			return true;
	}
	return false;
}

int sn_epoll_ctl(struct sn_file *epf, int op, int fd, struct sn_file *f,
		 uint32_t events, uint64_t data)
{
	struct epoll *ep = epf->priv;
	/* Linux do_epoll_ctl: wake-ups are registered at EPOLL_CTL_ADD only,
	 * so EPOLLEXCLUSIVE cannot be set by EPOLL_CTL_MOD, nor given with
	 * bits other than EPOLLEXCLUSIVE_OK_BITS (EPOLLONESHOT, EPOLLPRI,
	 * EPOLLRDHUP...), nor for a nested epoll file; an exclusive item
	 * cannot be modified at all (its EPOLL_CTL_MOD fails with EINVAL). */
	const uint32_t exclusive_ok = EPOLLIN | EPOLLOUT | EPOLLERR | EPOLLHUP |
				      EPOLLWAKEUP | EPOLLET | EPOLLEXCLUSIVE;
	if ((op == EPOLL_CTL_ADD || op == EPOLL_CTL_MOD) &&
	    (events & EPOLLEXCLUSIVE) &&
	    (op == EPOLL_CTL_MOD || sn_file_is_epoll(f) ||
	     (events & ~exclusive_ok)))
		return -EINVAL;
	struct epitem *it = find(ep, f, fd);
	switch (op) {
	case EPOLL_CTL_ADD:
		if (it)
			return -EEXIST;
		if (creates_loop(epf, f, 0))
			return -ELOOP;
		it = calloc(1, sizeof(*it));
		if (it == NULL)
			return -ENOMEM;
		it->ep = epf;
		it->file = f;
		it->fd = fd;
		it->events = events;
		it->data = data;
		it->edge = true;
		it->w = (struct sn_waiter){ .fn = item_fired, .arg = it };
		rs_list_init(&it->w.link);
		sn_waitq_add(sn_file_waitq(f), &it->w);
		rs_list_add_tail(&ep->items, &it->link);
		rs_list_add_tail(&f->epitems, &it->file_link);
		sn_waitq_wake(&epf->wq, POLLIN);
		return 0;
	case EPOLL_CTL_MOD:
		if (it == NULL)
			return -ENOENT;
		if (it->events & EPOLLEXCLUSIVE)
			return -EINVAL;
		it->events = events;
		it->data = data;
		it->edge = true;
		it->disabled = false;
		sn_waitq_wake(&epf->wq, POLLIN);
		return 0;
	case EPOLL_CTL_DEL:
		if (it == NULL)
			return -ENOENT;
		item_free(it);
		return 0;
	default:
		return -EINVAL;
	}
}

struct packed_event {
	uint32_t events;
	uint64_t data;
} __attribute__((packed)); /* x86-64's struct epoll_event */

int sn_epoll_collect(struct sn_file *epf, void *evs, int max)
{
	struct epoll *ep = epf->priv;
	struct packed_event *out = evs;
	int n = 0;
	/* Items reported this time, moved behind the others afterwards (for
	 * fairness); moving them during the walk would meet them again. */
	struct rs_list reported;
	rs_list_init(&reported);
	struct rs_list *pos, *tmp;
	rs_list_for_each_safe(pos, tmp, &ep->items)
	{
		if (n == max)
			break;
		struct epitem *it = rs_container_of(pos, struct epitem, link);
		if (it->disabled)
			continue;
		if ((it->events & EPOLLET) && !it->edge)
			continue;
		uint32_t m = it->file->ops->poll(it->file) &
			     (it->events | EPOLLERR | EPOLLHUP);
		if (m == 0)
			continue;
		it->edge = false;
		out[n].events = m;
		out[n].data = it->data;
		n++;
		if (it->events & EPOLLONESHOT)
			it->disabled = true;
		rs_list_del(&it->link);
		rs_list_add_tail(&reported, &it->link);
	}
	while (!rs_list_empty(&reported)) {
		struct rs_list *first = reported.next;
		rs_list_del(first);
		rs_list_add_tail(&ep->items, first);
	}
	return n;
}
