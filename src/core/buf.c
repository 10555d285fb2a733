#include "core/buf.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void ms_buf_init(struct ms_buf *b, size_t cap)
{
	b->ptr = NULL;
	b->len = 0;
	b->alloc = 0;
	b->cap = cap;
}

void ms_buf_free(struct ms_buf *b)
{
	free(b->ptr);
	b->ptr = NULL;
	b->len = 0;
	b->alloc = 0;
}

void ms_buf_reset(struct ms_buf *b)
{
	b->len = 0;
	if (b->ptr)
		b->ptr[0] = '\0';
}

static int buf_reserve(struct ms_buf *b, size_t extra)
{
	size_t need, nalloc;
	char *p;

	if (extra > b->cap || b->len > b->cap - extra)
		return MS_ETOOLARGE;
	need = b->len + extra + 1;
	if (need <= b->alloc)
		return 0;
	nalloc = b->alloc ? b->alloc : 64;
	while (nalloc < need)
		nalloc = nalloc > ((size_t)-1) / 2 ? need : nalloc * 2;
	if (nalloc > b->cap + 1)
		nalloc = b->cap + 1;
	p = realloc(b->ptr, nalloc);
	if (!p)
		return MS_ENOMEM;
	b->ptr = p;
	b->alloc = nalloc;
	return 0;
}

int ms_buf_add(struct ms_buf *b, const void *p, size_t n)
{
	int rc = buf_reserve(b, n);

	if (rc)
		return rc;
	if (n)
		memcpy(b->ptr + b->len, p, n);
	b->len += n;
	b->ptr[b->len] = '\0';
	return 0;
}

int ms_buf_addstr(struct ms_buf *b, const char *s)
{
	return ms_buf_add(b, s, strlen(s));
}

int ms_buf_addc(struct ms_buf *b, char c)
{
	return ms_buf_add(b, &c, 1);
}

int ms_buf_vaddf(struct ms_buf *b, const char *fmt, va_list ap)
{
	va_list ap2;
	int n;
	int rc;

	va_copy(ap2, ap);
	n = vsnprintf(NULL, 0, fmt, ap2);
	va_end(ap2);
	if (n < 0)
		return MS_EINVAL;
	rc = buf_reserve(b, (size_t)n);
	if (rc)
		return rc;
	vsnprintf(b->ptr + b->len, (size_t)n + 1, fmt, ap);
	b->len += (size_t)n;
	return 0;
}

int ms_buf_addf(struct ms_buf *b, const char *fmt, ...)
{
	va_list ap;
	int rc;

	va_start(ap, fmt);
	rc = ms_buf_vaddf(b, fmt, ap);
	va_end(ap);
	return rc;
}

const char *ms_buf_str(const struct ms_buf *b)
{
	return b->ptr ? b->ptr : "";
}

char *ms_buf_take(struct ms_buf *b)
{
	char *p = b->ptr;

	if (!p)
		p = calloc(1, 1);
	b->ptr = NULL;
	b->len = 0;
	b->alloc = 0;
	return p;
}

int ms_buf_addhex(struct ms_buf *b, const void *p, size_t n)
{
	static const char hex[] = "0123456789ABCDEF";
	const unsigned char *s = p;
	char chunk[256];
	size_t i, k = 0;
	int rc = 0;

	for (i = 0; rc == 0 && i < n; i++) {
		chunk[k++] = hex[s[i] >> 4];
		chunk[k++] = hex[s[i] & 15];
		if (k == sizeof(chunk)) {
			rc = ms_buf_add(b, chunk, k);
			k = 0;
		}
	}
	return rc ? rc : ms_buf_add(b, chunk, k);
}

int ms_hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}
