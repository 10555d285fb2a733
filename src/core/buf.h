/* Size-capped growable byte buffer (after curl's dynbuf). Every buffer grown
 * from input has a cap; going past it fails with MS_ETOOLARGE and leaves the
 * buffer as it was. The content is always NUL-terminated. */
#ifndef MS_CORE_BUF_H
#define MS_CORE_BUF_H

#include <stdarg.h>
#include <stddef.h>

#include "core/err.h"

struct ms_buf {
	char *ptr;    /* owned; NULL until the first append */
	size_t len;   /* bytes in use, not counting the terminating NUL */
	size_t alloc; /* bytes allocated */
	size_t cap;   /* largest <len> allowed */
};

/* Initialises an empty buffer that may hold up to <cap> bytes. */
void ms_buf_init(struct ms_buf *b, size_t cap);

/* Releases the memory; the buffer is empty and reusable afterwards. */
void ms_buf_free(struct ms_buf *b);

/* Empties the buffer, keeping its allocation. */
void ms_buf_reset(struct ms_buf *b);

/* Appends <n> bytes from <p> (borrowed). Returns 0, MS_ETOOLARGE or MS_ENOMEM.
 */
int ms_buf_add(struct ms_buf *b, const void *p, size_t n) MS_WUR;
int ms_buf_addstr(struct ms_buf *b, const char *s) MS_WUR;
int ms_buf_addc(struct ms_buf *b, char c) MS_WUR;
int ms_buf_addf(struct ms_buf *b, const char *fmt, ...) MS_PRINTF(2, 3) MS_WUR;
int ms_buf_vaddf(struct ms_buf *b, const char *fmt, va_list ap)
    MS_PRINTF(2, 0) MS_WUR;

/* Appends the <n> bytes at <p> (borrowed) as upper-case hex digits, two
 * per byte. Returns 0, MS_ETOOLARGE or MS_ENOMEM. */
int ms_buf_addhex(struct ms_buf *b, const void *p, size_t n) MS_WUR;

/* The value of hex digit <c> (either case), or -1. */
int ms_hexval(char c);

/* The content as a C string (borrowed; "" when empty). */
const char *ms_buf_str(const struct ms_buf *b);

/* Hands the content to the caller (caller frees; never NULL unless out of
 * memory) and leaves <b> empty. */
char *ms_buf_take(struct ms_buf *b);

#endif
