/* Bump allocator for short-lived data: one arena per decoded event or per
 * transaction. Allocation is capped; ms_arena_reset frees everything at once
 * and keeps the first block for reuse. Not thread-safe. */
#ifndef MS_CORE_ARENA_H
#define MS_CORE_ARENA_H

#include <stddef.h>

#include "core/err.h"

struct ms_arena_block;

struct ms_arena {
	struct ms_arena_block *head; /* newest block first */
	size_t used;		     /* bytes handed out since the last reset */
	size_t cap;		     /* largest <used> allowed */
	size_t block_size;	     /* default block size */
};

/* Initialises an empty arena allowing up to <cap> bytes in all. */
void ms_arena_init(struct ms_arena *a, size_t cap);

/* Frees every block. The arena is empty and reusable afterwards. */
void ms_arena_free(struct ms_arena *a);

/* Forgets every allocation, keeping one block. */
void ms_arena_reset(struct ms_arena *a);

/* Returns <n> bytes aligned for any type, or NULL when the cap would be
 * exceeded or memory is short. ms_arena_zalloc zeroes them. */
void *ms_arena_alloc(struct ms_arena *a, size_t n);
void *ms_arena_zalloc(struct ms_arena *a, size_t n);

/* An array of <count> elements of <size> bytes, zeroed; NULL on overflow. */
void *ms_arena_calloc(struct ms_arena *a, size_t count, size_t size);

/* Copies <n> bytes and adds a NUL. */
char *ms_arena_strndup(struct ms_arena *a, const void *p, size_t n);

#endif
