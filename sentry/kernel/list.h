/* Intrusive doubly linked lists (the Linux kernel's list_head idea). */
#ifndef SENTRY_KERNEL_LIST_H
#define SENTRY_KERNEL_LIST_H

#include <stdbool.h>
#include <stddef.h>

struct sn_list {
	struct sn_list *prev, *next;
};

#define SN_LIST_INIT(name)       \
	{                        \
		&(name), &(name) \
	}
#define sn_container_of(ptr, type, member) \
	((type *)((char *)(ptr)-offsetof(type, member)))
#define sn_list_for_each(pos, head) \
	for ((pos) = (head)->next; (pos) != (head); (pos) = (pos)->next)
#define sn_list_for_each_safe(pos, tmp, head)                            \
	for ((pos) = (head)->next, (tmp) = (pos)->next; (pos) != (head); \
	     (pos) = (tmp), (tmp) = (pos)->next)

static inline void sn_list_init(struct sn_list *l)
{
	l->prev = l->next = l;
}

static inline bool sn_list_empty(const struct sn_list *l)
{
	return l->next == l;
}

static inline void sn_list_add_tail(struct sn_list *head, struct sn_list *n)
{
	n->prev = head->prev;
	n->next = head;
	head->prev->next = n;
	head->prev = n;
}

/* Unlinks n and leaves it self-linked, so a second del is harmless. */
static inline void sn_list_del(struct sn_list *n)
{
	n->prev->next = n->next;
	n->next->prev = n->prev;
	n->prev = n->next = n;
}

#endif
