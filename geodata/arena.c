/* arena.c: one region of memory for everything an events model points into, freed at once. */
#include <stdalign.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "private.h"

#define CHUNK_BYTES (64u << 10)
/* Bigger requests get a chunk of their own instead of wasting the rest of the current one. */
#define OWN_CHUNK_BYTES (CHUNK_BYTES / 4)

struct arena_chunk {
	struct arena_chunk *next;
	size_t used, cap;
	alignas(max_align_t) unsigned char data[];
};

static arena_chunk *chunk_new(size_t cap)
{
	arena_chunk *c = calloc(1, sizeof(*c) + cap);
	if (c)
		c->cap = cap;
	return c;
}

void *arena_alloc(arena *a, size_t n)
{
	const size_t align = alignof(max_align_t);
	if (n == 0)
		n = 1;
	if (n > SIZE_MAX - align)
		return NULL;
	n = (n + align - 1) & ~(align - 1);
	if (n >= OWN_CHUNK_BYTES) {
		arena_chunk *c = chunk_new(n);
		if (!c)
			return NULL;
		/* Behind the head, so that small requests keep filling the current chunk. */
		if (a->head) {
			c->next = a->head->next;
			a->head->next = c;
		} else {
			a->head = c;
		}
		c->used = n;
		a->bytes += n;
		return c->data;
	}
	if (!a->head || a->head->cap - a->head->used < n) {
		arena_chunk *c = chunk_new(CHUNK_BYTES);
		if (!c)
			return NULL;
		c->next = a->head;
		a->head = c;
		a->bytes += CHUNK_BYTES;
	}
	void *p = a->head->data + a->head->used;
	a->head->used += n;
	return p;
}

void arena_finish(arena *a)
{
	if (!a)
		return;
	for (arena_chunk *c = a->head, *next; c; c = next) {
		next = c->next;
		free(c);
	}
	a->head = NULL;
	a->bytes = 0;
}
