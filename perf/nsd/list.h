/* A circular doubly-linked list with a sentinel (the kernel's list_head),
 * for nsd's connection and listener sets. */
#ifndef NSD_LIST_H
#define NSD_LIST_H

#include <stddef.h>

struct nsd_list {
	struct nsd_list *next, *prev;
};

static inline void nsd_list_init(struct nsd_list *l)
{
	l->next = l->prev = l;
}

static inline int nsd_list_empty(const struct nsd_list *l)
{
	return l->next == l;
}

static inline void nsd_list_add_tail(struct nsd_list *head, struct nsd_list *n)
{
	n->prev = head->prev;
	n->next = head;
	head->prev->next = n;
	head->prev = n;
}

static inline void nsd_list_del(struct nsd_list *n)
{
	n->prev->next = n->next;
	n->next->prev = n->prev;
	n->next = n->prev = n;
}

#define nsd_container_of(ptr, type, member) \
	((type *)((char *)(ptr)-offsetof(type, member)))

#endif
