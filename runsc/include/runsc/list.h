/* Intrusive circular doubly linked lists with a sentinel (the Linux
 * kernel's list_head), for the Sentry and the host programs. */
#ifndef RUNSC_LIST_H
#define RUNSC_LIST_H

#include <stdbool.h>
#include <stddef.h>

struct rs_list {
	struct rs_list *prev, *next;
};

#define RS_LIST_INIT(name)       \
	{                        \
		&(name), &(name) \
	}
#define rs_container_of(ptr, type, member) \
	((type *)(void *)((char *)(ptr)-offsetof(type, member)))
#define rs_list_for_each(pos, head) \
	for ((pos) = (head)->next; (pos) != (head); (pos) = (pos)->next)
#define rs_list_for_each_safe(pos, tmp, head)                            \
	for ((pos) = (head)->next, (tmp) = (pos)->next; (pos) != (head); \
	     (pos) = (tmp), (tmp) = (pos)->next)

static inline void rs_list_init(struct rs_list *l)
{
	l->prev = l->next = l;
}

static inline bool rs_list_empty(const struct rs_list *l)
{
	return l->next == l;
}

static inline void rs_list_add_tail(struct rs_list *head, struct rs_list *n)
{
	n->prev = head->prev;
	n->next = head;
	head->prev->next = n;
	head->prev = n;
}

/* Unlinks n and leaves it self-linked, so a second del is harmless. */
static inline void rs_list_del(struct rs_list *n)
{
	n->prev->next = n->next;
	n->next->prev = n->prev;
	n->prev = n->next = n;
}

#endif
