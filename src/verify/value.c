/* Values of the row-level diff and repair: see value.h. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "db/quote.h"
#include "verify/value.h"

/* ---- comparison ---------------------------------------------------------- */

/* A FLOAT/DOUBLE read as x+0e0: the double, or false when the text is not
 * one number (then the bytes are compared). */
static bool as_double(const char *v, size_t len, double *out)
{
	char tmp[128], *end;

	if (!len || len >= sizeof(tmp))
		return false;
	memcpy(tmp, v, len);
	tmp[len] = '\0';
	*out = strtod(tmp, &end);
	if (*end || isnan(*out))
		return false;
	if (*out == 0)
		*out = 0; /* -0 equals 0 */
	return true;
}

int vf_value_canon(enum vf_cmp cmp, const char *v, size_t len,
		   struct ms_buf *out)
{
	size_t mark = out->len;
	double d;
	int rc;

	switch (cmp) {
	case VF_CMP_BYTES:
		return ms_buf_add(out, v, len);
	case VF_CMP_FLOAT:
		if (!as_double(v, len, &d))
			break;
		rc = ms_buf_addc(out, 'F');
		return rc ? rc : ms_buf_add(out, &d, sizeof(d));
	case VF_CMP_JSON:
		rc = ms_buf_addc(out, 'J');
		rc = rc ? rc : vf_json_canon(v, len, out, NULL);
		if (rc == MS_ENOMEM)
			return rc;
		if (!rc)
			return 0;
		out->len = mark; /* not JSON: compare the bytes */
		if (out->ptr)
			out->ptr[mark] = '\0';
		break;
	}
	rc = ms_buf_addc(out, 'B');
	return rc ? rc : ms_buf_add(out, v, len);
}

bool vf_value_equal(enum vf_cmp cmp, const char *a, size_t alen, const char *b,
		    size_t blen)
{
	struct ms_buf x, y;
	bool eq;

	if (!a || !b)
		return !a && !b;
	if (alen == blen && !memcmp(a, b, alen))
		return true; /* equal bytes: equal canonical forms */
	if (cmp == VF_CMP_BYTES)
		return false;
	ms_buf_init(&x, (size_t)1 << 31);
	ms_buf_init(&y, (size_t)1 << 31);
	if (vf_value_canon(cmp, a, alen, &x) ||
	    vf_value_canon(cmp, b, blen, &y))
		eq = false; /* no memory: the bytes differ, say so */
	else
		eq = x.len == y.len && !memcmp(x.ptr, y.ptr, x.len);
	ms_buf_free(&x);
	ms_buf_free(&y);
	return eq;
}

/* ---- digest ---------------------------------------------------------------
 */

#define P1 0x9e3779b185ebca87ull
#define P2 0xc2b2ae3d27d4eb4full
#define P3 0x165667b19e3779f9ull

static uint64_t rotl(uint64_t x, unsigned int r)
{
	return x << r | x >> (64 - r);
}

static uint64_t fmix(uint64_t h)
{
	h ^= h >> 33;
	h *= 0xff51afd7ed558ccdull;
	h ^= h >> 33;
	h *= 0xc4ceb9fe1a85ec53ull;
	return h ^ h >> 33;
}

void vf_digest_init(struct vf_digest *d, uint64_t seed)
{
	d->a = seed ^ P1;
	d->b = fmix(seed + P3);
}

/* Two lanes over each 64-bit word (xxh64's round and a murmur-like
 * one), the length folded in and both avalanched after every call, so
 * successive fields cannot run into each other. */
void vf_digest_add(struct vf_digest *d, const void *p, size_t len)
{
	const unsigned char *s = p;
	uint64_t w;
	size_t i;

	for (i = 0; i < len; i += 8) {
		size_t k = len - i < 8 ? len - i : 8;

		w = 0;
		memcpy(&w, s + i, k);
		d->a = rotl(d->a + w * P2, 31) * P1;
		d->b = (rotl(d->b ^ (w * P3), 27) + d->a) * 5 + 0x52dce729;
	}
	d->a = fmix(d->a ^ len);
	d->b = fmix(d->b + len * P1);
}

bool vf_digest_eq(const struct vf_digest *x, const struct vf_digest *y)
{
	return x->a == y->a && x->b == y->b;
}

int vf_digest_row(struct vf_digest *d, const struct vf_col *cols, size_t n,
		  const char *const *vals, const size_t *lens,
		  struct ms_buf *scratch)
{
	static const char null_tag = 'N', val_tag = 'V';
	size_t i;
	int rc;

	for (i = 0; i < n; i++) {
		if (!vals[i]) {
			vf_digest_add(d, &null_tag, 1);
			continue;
		}
		vf_digest_add(d, &val_tag, 1);
		if (cols[i].cmp == VF_CMP_BYTES) { /* its own canonical form */
			vf_digest_add(d, vals[i], lens[i]);
			continue;
		}
		ms_buf_reset(scratch);
		rc = vf_value_canon(cols[i].cmp, vals[i], lens[i], scratch);
		if (rc)
			return rc;
		vf_digest_add(d, ms_buf_str(scratch), scratch->len);
	}
	return 0;
}

/* ---- text for people ------------------------------------------------------
 */

static int show_str(const char *v, size_t len, struct ms_buf *out)
{
	const unsigned char *s = (const unsigned char *)v;
	size_t i = 0, run = 0, k;
	int rc = ms_buf_addc(out, '\'');

	while (!rc && i < len) {
		unsigned char c = s[i];

		k = c >= 0x20 && c != 0x7f && c != '\'' && c != '\\'
			? vf_utf8_len(s + i, len - i)
			: 0;
		if (k) {
			i += k;
			continue;
		}
		rc = ms_buf_add(out, v + run, i - run);
		if (!rc && (c == '\'' || c == '\\'))
			rc = ms_buf_addf(out, "\\%c", c);
		else if (!rc)
			rc = ms_buf_addf(out, "\\x%02X", c);
		run = ++i;
	}
	rc = rc ? rc : ms_buf_add(out, v + run, len - run);
	return rc ? rc : ms_buf_addc(out, '\'');
}

int vf_show_value(enum vf_show how, const char *v, size_t len,
		  struct ms_buf *out)
{
	int rc;

	if (!v)
		return ms_buf_addstr(out, "NULL");
	switch (how) {
	case VF_SHOW_NUM:
		return ms_buf_add(out, v, len);
	case VF_SHOW_BIN:
		rc = ms_buf_addstr(out, "0x");
		return rc ? rc : ms_buf_addhex(out, v, len);
	case VF_SHOW_STR:
		break;
	}
	return show_str(v, len, out);
}

enum vf_show vf_show_of(const struct ms_column *c)
{
	static const char *const text[] = {"date",	"time", "datetime",
					   "timestamp", "json", "inet4",
					   "inet6",	"uuid", NULL};
	size_t i;

	if (ms_type_is_num(c->data_type))
		return VF_SHOW_NUM;
	if (c->charset && strcmp(c->charset, "binary"))
		return VF_SHOW_STR;
	for (i = 0; text[i]; i++)
		if (!strcmp(c->data_type, text[i]))
			return VF_SHOW_STR;
	return VF_SHOW_BIN; /* binary strings, blobs, BIT, spatial */
}

static enum vf_show show_of_part(const struct ms_key_part *p)
{
	switch (p->lit) {
	case MS_KEY_LIT_NUM:
		return VF_SHOW_NUM;
	case MS_KEY_LIT_BIN:
		return VF_SHOW_BIN;
	case MS_KEY_LIT_STR:
	case MS_KEY_LIT_QUOTED:
		break;
	}
	return VF_SHOW_STR;
}

int vf_key_text(const struct ms_key *k, const char *const *vals,
		const size_t *lens, struct ms_buf *out)
{
	size_t i;
	int rc = 0;

	for (i = 0; !rc && i < k->n; i++) {
		rc = i ? ms_buf_addstr(out, ", ") : 0;
		rc = rc ? rc : ms_buf_addf(out, "%s=", k->parts[i].col->name);
		rc = rc ? rc
			: vf_show_value(show_of_part(&k->parts[i]), vals[i],
					lens[i], out);
	}
	return rc;
}

int vf_row_text(const struct vf_col *cols, size_t n, const char *const *vals,
		const size_t *lens, struct ms_buf *out)
{
	size_t i;
	int rc = 0;

	for (i = 0; !rc && i < n; i++) {
		rc = i ? ms_buf_addstr(out, ", ") : 0;
		rc = rc ? rc : ms_buf_addf(out, "%s=", cols[i].src->name);
		rc = rc ? rc
			: vf_show_value(vf_show_of(cols[i].src), vals[i],
					lens[i], out);
	}
	return rc;
}

/* ---- the key as bytes and SQL ----------------------------------------------
 */

int vf_key_select(const struct ms_key *k, struct ms_buf *out)
{
	size_t i;
	int rc = 0;

	for (i = 0; !rc && i < k->n; i++) {
		const struct ms_key_part *p = &k->parts[i];
		const char *dt = p->col->data_type;

		rc = i ? ms_buf_addstr(out, ", ") : 0;
		if (rc)
			break;
		if (p->lit == MS_KEY_LIT_STR && p->in_charset)
			rc = ms_buf_addf(out,
					 "CAST(CONVERT(%s USING %s) AS BINARY)",
					 p->quoted, p->in_charset);
		else if (p->lit == MS_KEY_LIT_STR)
			rc = ms_buf_addf(out, "CAST(%s AS BINARY)", p->quoted);
		else if (ms_type_is_float(dt))
			rc = ms_buf_addf(out, "%s+0e0", p->quoted);
		else if (!strcmp(dt, "enum") || !strcmp(dt, "set") ||
			 !strcmp(dt, "bit"))
			rc = ms_buf_addf(out, "%s+0", p->quoted);
		else
			rc = ms_buf_addstr(out, p->quoted);
	}
	return rc;
}

int vf_key_encode(const char *const *vals, const size_t *lens, size_t n,
		  struct ms_buf *out)
{
	size_t i;
	int rc = 0;

	for (i = 0; !rc && i < n; i++) {
		uint32_t l = vals[i] ? (uint32_t)lens[i] : UINT32_MAX;
		unsigned char b[4] = {(unsigned char)l, (unsigned char)(l >> 8),
				      (unsigned char)(l >> 16),
				      (unsigned char)(l >> 24)};

		if (vals[i] && lens[i] >= UINT32_MAX)
			return MS_ETOOLARGE;
		rc = ms_buf_add(out, b, 4);
		if (!rc && vals[i])
			rc = ms_buf_add(out, vals[i], lens[i]);
	}
	return rc;
}

int vf_key_decode(const char *enc, size_t len, size_t n, const char **vals,
		  size_t *lens)
{
	const unsigned char *s = (const unsigned char *)enc;
	size_t i, off = 0;

	for (i = 0; i < n; i++) {
		uint32_t l;

		if (len - off < 4)
			return MS_ECORRUPT;
		l = (uint32_t)s[off] | (uint32_t)s[off + 1] << 8 |
		    (uint32_t)s[off + 2] << 16 | (uint32_t)s[off + 3] << 24;
		off += 4;
		if (l == UINT32_MAX) {
			vals[i] = NULL;
			lens[i] = 0;
			continue;
		}
		if (len - off < l)
			return MS_ECORRUPT;
		vals[i] = enc + off;
		lens[i] = l;
		off += l;
	}
	return off == len ? 0 : MS_ECORRUPT;
}

static int unhex(const char *h, size_t n, struct ms_buf *raw)
{
	size_t i;
	int rc = 0;

	if (n % 2)
		return MS_EPARSE;
	for (i = 0; !rc && i < n; i += 2) {
		int v[2], j;

		for (j = 0; j < 2; j++) {
			char c = h[i + (size_t)j];

			v[j] = c >= '0' && c <= '9'   ? c - '0'
			       : c >= 'A' && c <= 'F' ? c - 'A' + 10
			       : c >= 'a' && c <= 'f' ? c - 'a' + 10
						      : -1;
			if (v[j] < 0)
				return MS_EPARSE;
		}
		rc = ms_buf_addc(raw, (char)(v[0] << 4 | v[1]));
	}
	return rc;
}

/* ms_key_literals writes a number as is and every other value as X'hex'
 * inside an introducer, CONVERT or COLLATE; commas occur only between
 * literals. */
int vf_lits_decode(const struct ms_key *k, const char *lits, struct ms_buf *raw,
		   const char **vals, size_t *lens)
{
	size_t offs[MS_KEY_MAX_PARTS], i;
	const char *p = lits;
	int rc = 0;

	if (k->n > MS_KEY_MAX_PARTS || !lits)
		return MS_EINVAL;
	ms_buf_reset(raw);
	for (i = 0; !rc && i < k->n; i++) {
		size_t n = strcspn(p, ",");
		const char *x = NULL, *q, *e;

		if ((p[n] == ',') != (i + 1 < k->n))
			return MS_EPARSE;
		offs[i] = raw->len;
		for (q = p; q + 1 < p + n; q++)
			if (q[0] == 'X' && q[1] == '\'') {
				x = q + 2;
				break;
			}
		if (k->parts[i].lit == MS_KEY_LIT_NUM || !x) {
			if (k->parts[i].lit != MS_KEY_LIT_NUM || !n)
				return MS_EPARSE;
			rc = ms_buf_add(raw, p, n);
		} else {
			e = memchr(x, '\'', (size_t)(p + n - x));
			if (!e)
				return MS_EPARSE;
			rc = unhex(x, (size_t)(e - x), raw);
		}
		lens[i] = raw->len - offs[i];
		p += n + (p[n] == ',');
	}
	for (i = 0; !rc && i < k->n; i++)
		vals[i] = ms_buf_str(raw) + offs[i];
	return rc;
}

int vf_key_in(const struct ms_key *k, const char *const *keys,
	      const size_t *klens, size_t nkeys, struct ms_buf *out)
{
	const char *vals[MS_KEY_MAX_PARTS];
	size_t lens[MS_KEY_MAX_PARTS], i, j;
	struct ms_buf lits;
	int rc = 0;

	if (!k->n || k->n > MS_KEY_MAX_PARTS)
		return MS_EINVAL;
	ms_buf_init(&lits, (size_t)1 << 30);
	if (k->n == 1)
		rc = ms_buf_addf(out, "%s IN (", k->parts[0].quoted);
	for (i = 0; !rc && i < nkeys; i++) {
		char *part;

		rc = vf_key_decode(keys[i], klens[i], k->n, vals, lens);
		ms_buf_reset(&lits);
		rc = rc ? rc : ms_key_literals(k, vals, lens, &lits);
		if (rc)
			break;
		if (k->n == 1) {
			rc = ms_buf_addf(out, "%s%s", i ? ", " : "",
					 ms_buf_str(&lits));
			continue;
		}
		rc = ms_buf_addstr(out, i ? " OR (" : "(");
		part = lits.ptr;
		for (j = 0; !rc && j < k->n; j++) {
			char *comma = strchr(part, ',');

			if (comma)
				*comma = '\0';
			rc = ms_buf_addf(out, "%s%s = %s", j ? " AND " : "",
					 k->parts[j].quoted, part);
			part = comma ? comma + 1 : part + strlen(part);
		}
		rc = rc ? rc : ms_buf_addc(out, ')');
	}
	if (!rc && k->n == 1)
		rc = ms_buf_addc(out, ')');
	ms_buf_free(&lits);
	return rc;
}
