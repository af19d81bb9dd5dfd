/* list.h: an intrusive doubly-linked list, the core's one container for objects. */
#ifndef SG_LIST_H
#define SG_LIST_H

#include <stddef.h>

struct sg_list_node {
	struct sg_list_node *prev, *next;
};

struct sg_list {
	struct sg_list_node head;
	size_t count;
};

#define sg_container_of(ptr, type, member) ((type *)(void *)((char *)(ptr) - offsetof(type, member)))

static inline void sg_list_init(struct sg_list *l)
{
	l->head.prev = l->head.next = &l->head;
	l->count = 0;
}

static inline void sg_list_append(struct sg_list *l, struct sg_list_node *n)
{
	n->prev = l->head.prev;
	n->next = &l->head;
	l->head.prev->next = n;
	l->head.prev = n;
	l->count++;
}

/* Unlinks a node from whichever list holds it; the node must know its list's count,
 * so removal goes through the list. */
static inline void sg_list_remove_from(struct sg_list *l, struct sg_list_node *n)
{
	n->prev->next = n->next;
	n->next->prev = n->prev;
	n->prev = n->next = n;
	l->count--;
}

static inline int sg_list_linked(const struct sg_list_node *n)
{
	return n->next != NULL && n->next != n;
}

#define sg_list_foreach(l, it) for ((it) = (l)->head.next; (it) != &(l)->head; (it) = (it)->next)
#define sg_list_foreach_safe(l, it, nx) \
	for ((it) = (l)->head.next, (nx) = (it)->next; (it) != &(l)->head; (it) = (nx), (nx) = (it)->next)

#endif
