/* Intrusive doubly linked lists (the Linux list_head idiom): a struct
 * ns_list node is embedded in the element, and ns_container_of() gets the
 * element back. A list head is a node pointing at itself when empty. */
#ifndef NETSTACK_LIST_H
#define NETSTACK_LIST_H

#include <stdbool.h>
#include <stddef.h>

struct ns_list {
	struct ns_list *next, *prev;
};

#define ns_container_of(ptr, type, member) \
	((type *)(void *)((char *)(ptr)-offsetof(type, member)))

static inline void ns_list_init(struct ns_list *head)
{
	head->next = head->prev = head;
}

static inline bool ns_list_empty(const struct ns_list *head)
{
	return head->next == head;
}

static inline void ns_list_insert_between_(struct ns_list *node,
					   struct ns_list *prev,
					   struct ns_list *next)
{
	node->prev = prev;
	node->next = next;
	prev->next = node;
	next->prev = node;
}

/* Inserts node at the front of the list. */
static inline void ns_list_add(struct ns_list *head, struct ns_list *node)
{
	ns_list_insert_between_(node, head, head->next);
}

/* Inserts node at the end of the list. */
static inline void ns_list_add_tail(struct ns_list *head, struct ns_list *node)
{
	ns_list_insert_between_(node, head->prev, head);
}

/* Unlinks node and leaves it pointing at itself, so that unlinking it
 * again is harmless. */
static inline void ns_list_del(struct ns_list *node)
{
	node->prev->next = node->next;
	node->next->prev = node->prev;
	node->next = node->prev = node;
}

/* for (node over the list) */
#define ns_list_for_each(pos, head) \
	for ((pos) = (head)->next; (pos) != (head); (pos) = (pos)->next)

/* Same, but pos may be unlinked (and freed) in the body. */
#define ns_list_for_each_safe(pos, tmp, head)                            \
	for ((pos) = (head)->next, (tmp) = (pos)->next; (pos) != (head); \
	     (pos) = (tmp), (tmp) = (pos)->next)

#endif
