/* Binlog values to SQL literals, appended to one growing buffer (no
 * allocation per value). Each literal is exact: the server reads back the
 * bytes or the number the source stored. See docs/sync.md ("Literals"). */
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sync/apply_int.h"

/* ---- the buffer --------------------------------------------------------- */

void ap_text_init(struct ap_text *t, size_t cap)
{
	memset(t, 0, sizeof(*t));
	t->cap = cap;
}

void ap_text_free(struct ap_text *t)
{
	free(t->p);
	t->p = NULL;
	t->len = t->alloc = 0;
}

int ap_text_reserve(struct ap_text *t, size_t n)
{
	size_t need, a;
	char *p;

	if (t->alloc - t->len > n)
		return 0;
	if (n > t->cap || t->len > t->cap - n)
		return MS_ETOOLARGE;
	need = t->len + n + 1;
	for (a = t->alloc ? t->alloc : 4096; a < need; a *= 2)
		if (a > SIZE_MAX / 4)
			return MS_ENOMEM;
	if (a > t->cap + 1)
		a = t->cap + 1;
	p = realloc(t->p, a);
	if (!p)
		return MS_ENOMEM;
	t->p = p;
	t->alloc = a;
	return 0;
}

int ap_text_add(struct ap_text *t, const void *p, size_t n)
{
	int rc = ap_text_reserve(t, n);

	if (rc)
		return rc;
	if (n)
		memcpy(t->p + t->len, p, n);
	t->len += n;
	t->p[t->len] = '\0';
	return 0;
}

/* ---- strings ------------------------------------------------------------ */

static const char ap_hexd[] = "0123456789ABCDEF";

/* Bytes a quoted literal treats specially: 1 = the quote (doubled), 2 =
 * NUL and backslash, whose meaning depends on NO_BACKSLASH_ESCAPES (the
 * value is written in hex instead). */
static const uint8_t ap_special[256] = {[0] = 2, ['\''] = 1, ['\\'] = 2};

static char *put_hexbody(char *w, const uint8_t *p, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		*w++ = ap_hexd[p[i] >> 4];
		*w++ = ap_hexd[p[i] & 15];
	}
	return w;
}

/* X'<hex of p><00 up to pad>' */
static char *put_hex(char *w, const uint8_t *p, size_t n, size_t pad)
{
	*w++ = 'X';
	*w++ = '\'';
	w = put_hexbody(w, p, n);
	for (; n < pad; n++) {
		*w++ = '0';
		*w++ = '0';
	}
	*w++ = '\'';
	return w;
}

/* Copies <p> with quotes doubled after <w>; NULL when a byte needs hex. */
static char *put_quoted(char *w, const uint8_t *p, size_t n)
{
	size_t i = 0, j;

	*w++ = '\'';
	while (i < n) {
		for (j = i; j < n && !ap_special[p[j]]; j++)
			;
		memcpy(w, p + i, j - i);
		w += j - i;
		if (j == n)
			break;
		if (ap_special[p[j]] == 2)
			return NULL;
		*w++ = '\'';
		*w++ = '\'';
		i = j + 1;
	}
	*w++ = '\'';
	return w;
}

int ap_render_string(struct ap_text *out, const char *cs, bool wide,
		     const uint8_t *p, size_t n, size_t pad)
{
	size_t cslen = cs ? strlen(cs) : 0, body = n > pad ? n : pad;
	char *w, *lit;
	int rc;

	if (body > (SIZE_MAX - 16 - cslen) / 2)
		return MS_ETOOLARGE;
	rc = ap_text_reserve(out, 2 * body + cslen + 8);
	if (rc)
		return rc;
	w = out->p + out->len;
	if (cs) {
		*w++ = '_';
		memcpy(w, cs, cslen);
		w += cslen;
	}
	lit = w;
	w = cs && !wide && pad <= n ? put_quoted(lit, p, n) : NULL;
	if (!w) {
		/* "_cs X'..'": the introducer needs a space before X. */
		if (cs)
			*lit++ = ' ';
		w = put_hex(lit, p, n, pad);
	}
	out->len = (size_t)(w - out->p);
	out->p[out->len] = '\0';
	return 0;
}

/* ---- numbers ------------------------------------------------------------ */

static int put_u64(struct ap_text *out, uint64_t u, bool neg)
{
	char tmp[24], *e = tmp + sizeof(tmp), *s = e;

	do {
		*--s = (char)('0' + u % 10);
		u /= 10;
	} while (u);
	if (neg)
		*--s = '-';
	return ap_text_add(out, s, (size_t)(e - s));
}

static int put_i64(struct ap_text *out, int64_t i)
{
	return i < 0 ? put_u64(out, (uint64_t)0 - (uint64_t)i, true)
		     : put_u64(out, (uint64_t)i, false);
}

/* An integer as the target column holds it. The binlog carries no sign
 * without optional metadata: a negative value then is the column's bits
 * read as signed, and an UNSIGNED column wants them back unsigned. */
static int put_int(struct ap_text *out, const struct ap_col *c,
		   const struct ms_bl_column *bc, const struct ms_bl_value *v)
{
	bool sign_known = bc && bc->is_unsigned >= 0;
	uint64_t mask;

	if (v->is_unsigned)
		return put_u64(out, v->n.u, false);
	if (v->n.i >= 0 || sign_known || c->type != AP_C_INT || !c->is_unsigned)
		return put_i64(out, v->n.i);
	mask =
	    c->int_bits >= 64 ? UINT64_MAX : (((uint64_t)1 << c->int_bits) - 1);
	return put_u64(out, (uint64_t)v->n.i & mask, false);
}

/* 17 significant digits read back to the same double; a FLOAT widened to
 * double is exact, so this also gives the float back without the double
 * rounding (and the out-of-range FLT_MAX) 9 digits can cause. */
static int put_double(struct ap_text *out, double d)
{
	char tmp[40];
	int n;

	if (!isfinite(d))
		return MS_EUNSUPPORTED;
	n = snprintf(tmp, sizeof(tmp), "%.17g", d);
	if (n <= 0 || (size_t)n >= sizeof(tmp))
		return MS_EINTERNAL;
	return ap_text_add(out, tmp, (size_t)n);
}

static int put_quoted_text(struct ap_text *out, const struct ms_bl_value *v)
{
	int rc = ap_text_reserve(out, v->len + 2);

	if (rc)
		return rc;
	out->p[out->len++] = '\'';
	if (v->len)
		memcpy(out->p + out->len, v->p, v->len);
	out->len += v->len;
	out->p[out->len++] = '\'';
	out->p[out->len] = '\0';
	return 0;
}

/* GEOMETRY: the column's storage form, 4-byte little-endian SRID then the
 * WKB, as a binary string (both servers take it as is; mysqldump
 * --hex-blob writes geometry the same way). */
static int put_geometry(struct ap_text *out, const struct ms_bl_value *v)
{
	uint8_t srid[4];
	char *w;
	size_t i;
	int rc;

	if (v->len > (SIZE_MAX - 32) / 2)
		return MS_ETOOLARGE;
	rc = ap_text_reserve(out, 2 * v->len + 16);
	if (rc)
		return rc;
	for (i = 0; i < 4; i++)
		srid[i] = (uint8_t)(v->n.u >> (8 * i));
	w = out->p + out->len;
	*w++ = 'X';
	*w++ = '\'';
	w = put_hexbody(w, srid, 4);
	w = put_hexbody(w, v->p, v->len);
	*w++ = '\'';
	out->len = (size_t)(w - out->p);
	out->p[out->len] = '\0';
	return 0;
}

/* ---- one value ---------------------------------------------------------- */

static int bad_value(const struct ms_ap_table *t, size_t c, struct ms_err *err,
		     const char *what)
{
	const struct ap_meta *m = t->priv;

	return MS_ERR(err, MS_EUNSUPPORTED,
		      "sync: table %s column %s: %s (schemas diverged?)",
		      m->qname, m->cols[c].name, what);
}

static int put_members(struct ap_text *out, const struct ms_ap_table *t,
		       size_t c, const struct ms_bl_value *v,
		       uint32_t *enum_zero, struct ms_err *err)
{
	const struct ap_col *col = &((const struct ap_meta *)t->priv)->cols[c];

	if (v->kind == MS_BL_V_ENUM) {
		if (col->type == AP_C_ENUM && col->members &&
		    v->n.u > col->members)
			return bad_value(t, c, err,
					 "ENUM index beyond the target's "
					 "members");
		if (v->n.u == 0)
			(*enum_zero)++;
	} else if (v->kind == MS_BL_V_SET && col->type == AP_C_SET &&
		   col->members && col->members < 64 &&
		   (v->n.u >> col->members) != 0) {
		return bad_value(t, c, err, "SET member beyond the target's");
	} else if (v->kind == MS_BL_V_BIT && col->type == AP_C_BIT &&
		   col->bits && col->bits < 64 && (v->n.u >> col->bits) != 0) {
		return bad_value(t, c, err,
				 "BIT value wider than the target's");
	}
	return put_u64(out, v->n.u, false);
}

static int put_string(struct ap_text *out, const struct ap_col *col,
		      const struct ms_bl_value *v)
{
	if (col->type == AP_C_CHAR)
		return ap_render_string(out, col->charset, col->wide, v->p,
					v->len, 0);
	return ap_render_string(out, NULL, false, v->p, v->len, col->pad);
}

int ap_render_value(struct ap_text *out, const struct ms_ap_table *t, size_t c,
		    const struct ms_bl_column *bc, const struct ms_bl_value *v,
		    const struct ms_bl_value *before, uint32_t *enum_zero,
		    struct ms_err *err)
{
	const struct ap_col *col = &((const struct ap_meta *)t->priv)->cols[c];
	int rc;

	switch (v->kind) {
	case MS_BL_V_NULL:
		rc = ap_text_add(out, "NULL", 4);
		break;
	case MS_BL_V_INT:
		rc = put_int(out, col, bc, v);
		break;
	case MS_BL_V_YEAR:
		rc = put_i64(out, v->n.i);
		break;
	case MS_BL_V_FLOAT:
		rc = put_double(out, (double)v->n.f);
		break;
	case MS_BL_V_DOUBLE:
		rc = put_double(out, v->n.d);
		break;
	case MS_BL_V_DECIMAL:
		rc = ap_text_add(out, v->p, v->len);
		break;
	case MS_BL_V_DATE:
	case MS_BL_V_TIME:
	case MS_BL_V_DATETIME:
	case MS_BL_V_TIMESTAMP:
		rc = put_quoted_text(out, v);
		break;
	case MS_BL_V_STRING:
	case MS_BL_V_BLOB:
		rc = put_string(out, col, v);
		break;
	case MS_BL_V_ENUM:
	case MS_BL_V_SET:
	case MS_BL_V_BIT:
		return put_members(out, t, c, v, enum_zero, err);
	case MS_BL_V_JSON:
		rc = ap_render_string(out, "utf8mb4", false, v->p, v->len, 0);
		break;
	case MS_BL_V_JSON_DIFF:
		/* An empty diff list: unchanged, the before image has it. */
		if (v->ndiffs == 0 && before &&
		    before->kind != MS_BL_V_JSON_DIFF &&
		    before->kind != MS_BL_V_ABSENT)
			return ap_render_value(out, t, c, bc, before, NULL,
					       enum_zero, err);
		return MS_ERR(
		    err, MS_EUNSUPPORTED,
		    "sync: table %s column %s: a partial JSON update "
		    "(binlog_row_value_options=PARTIAL_JSON) cannot be "
		    "applied idempotently: set "
		    "binlog_row_value_options='' on the source",
		    ((const struct ap_meta *)t->priv)->qname, col->name);
	case MS_BL_V_GEOMETRY:
		rc = put_geometry(out, v);
		break;
	case MS_BL_V_VECTOR:
		rc = ap_render_string(out, NULL, false, v->p, v->len, 0);
		break;
	default:
		return bad_value(t, c, err, "a value of an unknown kind");
	}
	if (rc == MS_EUNSUPPORTED)
		return bad_value(t, c, err, "NaN or infinite floating point");
	if (rc)
		return MS_ERR(
		    err, rc, "sync: table %s column %s: %s",
		    ((const struct ap_meta *)t->priv)->qname, col->name,
		    rc == MS_ETOOLARGE ? "the batch's text is past its limit"
				       : "out of memory");
	return 0;
}
