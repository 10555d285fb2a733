/* Rows by key for the row-level diff and repair: see value.h. */
#include <stdlib.h>
#include <string.h>

#include "verify/value.h"

#define ROWSET_KEYS_CAP ((size_t)1 << 32) /* key bytes of one read */

void vf_rowset_init(struct vf_rowset *s, bool keep, size_t val_cap)
{
	memset(s, 0, sizeof(*s));
	s->keep = keep;
	ms_buf_init(&s->keys, ROWSET_KEYS_CAP);
	ms_buf_init(&s->vals, val_cap);
}

void vf_rowset_free(struct vf_rowset *s)
{
	free(s->rows);
	free(s->heads);
	free(s->tails);
	ms_buf_free(&s->keys);
	ms_buf_free(&s->vals);
	memset(s, 0, sizeof(*s));
}

static uint64_t key_hash(const char *key, size_t klen)
{
	struct vf_digest d;

	vf_digest_init(&d, 0x6b6579);
	vf_digest_add(&d, key, klen);
	return d.a;
}

/* Doubles the chains (load factor at most 1) and relinks every row,
 * keeping read order within each chain. */
static int grow_heads(struct vf_rowset *s)
{
	size_t n = s->nheads ? s->nheads * 2 : 1024, i;
	size_t *heads = malloc(n * sizeof(*heads));
	size_t *tails = malloc(n * sizeof(*tails));

	if (!heads || !tails) {
		free(heads);
		free(tails);
		return MS_ENOMEM;
	}
	for (i = 0; i < n; i++)
		heads[i] = tails[i] = SIZE_MAX;
	for (i = 0; i < s->n; i++) {
		size_t b = (size_t)(s->rows[i].kh & (n - 1));

		s->rows[i].next = SIZE_MAX;
		if (tails[b] == SIZE_MAX)
			heads[b] = i;
		else
			s->rows[tails[b]].next = i;
		tails[b] = i;
	}
	free(s->heads);
	free(s->tails);
	s->heads = heads;
	s->tails = tails;
	s->nheads = n;
	return 0;
}

/* Walks the chain of <key>: the first row with that key that <ok>
 * accepts and, with <unused>, has an occurrence left. */
static size_t walk(const struct vf_rowset *s, const char *key, size_t klen,
		   uint64_t kh, bool unused, vf_rowset_ok_fn ok, void *ctx)
{
	size_t c;

	if (!s->n)
		return SIZE_MAX;
	for (c = s->heads[kh & (s->nheads - 1)]; c != SIZE_MAX;
	     c = s->rows[c].next) {
		const struct vf_rowrec *r = &s->rows[c];

		if ((unused && r->used >= r->count) || r->kh != kh ||
		    r->klen != klen || memcmp(s->keys.ptr + r->koff, key, klen))
			continue;
		if (!ok || ok(ctx, s, c))
			return c;
	}
	return SIZE_MAX;
}

static int grow_rows(struct vf_rowset *s)
{
	size_t cap = s->cap ? s->cap * 2 : 256;
	struct vf_rowrec *v;

	if (s->n < s->cap)
		return 0;
	v = realloc(s->rows, cap * sizeof(*v));
	if (!v)
		return MS_ENOMEM;
	s->rows = v;
	s->cap = cap;
	return 0;
}

int vf_rowset_add(struct vf_rowset *s, const char *key, size_t klen,
		  const struct vf_digest *d, const char *const *vals,
		  const size_t *lens, size_t nvals, vf_rowset_ok_fn merge,
		  void *ctx, size_t *idx)
{
	uint64_t kh = key_hash(key, klen);
	struct vf_rowrec *r;
	size_t b;
	int rc;

	b = merge ? walk(s, key, klen, kh, false, merge, ctx) : SIZE_MAX;
	if (b != SIZE_MAX) {
		s->rows[b].count++;
		if (idx)
			*idx = b;
		return 0;
	}
	rc = grow_rows(s);
	if (!rc && s->n >= s->nheads)
		rc = grow_heads(s);
	if (rc)
		return rc;
	r = &s->rows[s->n];
	memset(r, 0, sizeof(*r));
	r->koff = s->keys.len;
	r->klen = klen;
	rc = ms_buf_add(&s->keys, key, klen);
	if (!rc && s->keep) {
		r->voff = s->vals.len;
		rc = vf_key_encode(vals, lens, nvals, &s->vals);
		r->vlen = s->vals.len - r->voff;
	}
	if (rc)
		return rc;
	r->kh = kh;
	r->d = *d;
	r->count = 1;
	r->next = SIZE_MAX;
	b = (size_t)(kh & (s->nheads - 1));
	if (s->tails[b] == SIZE_MAX)
		s->heads[b] = s->n;
	else
		s->rows[s->tails[b]].next = s->n;
	s->tails[b] = s->n;
	if (idx)
		*idx = s->n;
	s->n++;
	return 0;
}

size_t vf_rowset_find(const struct vf_rowset *s, const char *key, size_t klen,
		      vf_rowset_ok_fn ok, void *ctx)
{
	return walk(s, key, klen, key_hash(key, klen), true, ok, ctx);
}

const char *vf_rowset_key(const struct vf_rowset *s, size_t idx, size_t *klen)
{
	*klen = s->rows[idx].klen;
	return ms_buf_str(&s->keys) + s->rows[idx].koff;
}

int vf_rowset_values(const struct vf_rowset *s, size_t idx, size_t n,
		     const char **vals, size_t *lens)
{
	const struct vf_rowrec *r = &s->rows[idx];

	if (!s->keep)
		return MS_EINVAL;
	return vf_key_decode(ms_buf_str(&s->vals) + r->voff, r->vlen, n, vals,
			     lens);
}
