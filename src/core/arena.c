/* Bump allocator: a list of blocks, newest first. A request larger than the
 * default block size gets a block of its own. */
#include "core/arena.h"

#include <stdalign.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

struct ms_arena_block {
	struct ms_arena_block *next;
	size_t size; /* bytes in data[] */
	size_t off;  /* next free byte in data[] */
	alignas(max_align_t) unsigned char data[];
};

#define ARENA_ALIGN	alignof(max_align_t)
#define ARENA_BLOCK_MIN ((size_t)16 * 1024)

void ms_arena_init(struct ms_arena *a, size_t cap)
{
	a->head = NULL;
	a->used = 0;
	a->cap = cap;
	a->block_size = ARENA_BLOCK_MIN;
}

void ms_arena_free(struct ms_arena *a)
{
	struct ms_arena_block *b = a->head, *next;

	for (; b; b = next) {
		next = b->next;
		free(b);
	}
	a->head = NULL;
	a->used = 0;
}

void ms_arena_reset(struct ms_arena *a)
{
	struct ms_arena_block *keep = a->head, *b, *next;

	if (!keep)
		return;
	/* keep the largest-but-default block: the oldest one is the first
	 * default-sized block allocated, reuse the head for simplicity */
	for (b = keep->next; b; b = next) {
		next = b->next;
		free(b);
	}
	keep->next = NULL;
	keep->off = 0;
	a->head = keep;
	a->used = 0;
}

void *ms_arena_alloc(struct ms_arena *a, size_t n)
{
	struct ms_arena_block *b = a->head;
	size_t need = (n + ARENA_ALIGN - 1) & ~(ARENA_ALIGN - 1);
	size_t size;

	if (need < n || need > a->cap || a->used > a->cap - need)
		return NULL;
	if (b && b->size - b->off >= need) {
		void *p = b->data + b->off;

		b->off += need;
		a->used += need;
		return p;
	}
	size = need > a->block_size ? need : a->block_size;
	b = malloc(sizeof(*b) + size);
	if (!b)
		return NULL;
	b->size = size;
	b->off = need;
	if (a->head && need > a->block_size) {
		/* an oversized block goes behind the current one so the
		 * current block keeps serving small requests */
		b->next = a->head->next;
		a->head->next = b;
	} else {
		b->next = a->head;
		a->head = b;
	}
	a->used += need;
	return b->data;
}

void *ms_arena_zalloc(struct ms_arena *a, size_t n)
{
	void *p = ms_arena_alloc(a, n);

	if (p)
		memset(p, 0, n);
	return p;
}

void *ms_arena_calloc(struct ms_arena *a, size_t count, size_t size)
{
	if (size && count > SIZE_MAX / size)
		return NULL;
	return ms_arena_zalloc(a, count == 0 || size == 0 ? 1 : count * size);
}

char *ms_arena_strndup(struct ms_arena *a, const void *p, size_t n)
{
	char *s;

	if (n == SIZE_MAX)
		return NULL;
	s = ms_arena_alloc(a, n + 1);
	if (!s)
		return NULL;
	if (n)
		memcpy(s, p, n);
	s[n] = '\0';
	return s;
}
