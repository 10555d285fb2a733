/* The canonical form of a JSON document (value.h): a strict parser into a
 * tree of nodes held in one array, then one writer that sorts object
 * members. Input comes from the network: every byte is checked, depth,
 * number length and memory are bounded, and nothing is recursive beyond
 * VF_JSON_MAX_DEPTH. */
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "verify/value.h"

enum jtype { J_NULL, J_FALSE, J_TRUE, J_NUM, J_STR, J_ARR, J_OBJ };

#define J_NONE SIZE_MAX

struct jnode {
	enum jtype type;
	size_t off, len;	 /* J_NUM, J_STR: bytes in jp.text */
	size_t key_off, key_len; /* member of an object: its key in jp.text */
	size_t child, next;	 /* first child, next sibling, or J_NONE */
	size_t count;		 /* children */
};

struct jp {
	const unsigned char *s;
	size_t n, i;
	struct jnode *v;
	size_t nv, cap;
	struct ms_buf text; /* unescaped strings, canonical numbers */
	struct ms_buf num;  /* one number, NUL-terminated for strtod */
	struct ms_err *err;
};

static int jerr(struct jp *p, int code, const char *what)
{
	return MS_ERR(p->err, code, "JSON: %s at byte %zu", what, p->i);
}

static void skip_ws(struct jp *p)
{
	while (p->i < p->n && (p->s[p->i] == ' ' || p->s[p->i] == '\t' ||
			       p->s[p->i] == '\n' || p->s[p->i] == '\r'))
		p->i++;
}

static int new_node(struct jp *p, enum jtype type, size_t *out)
{
	if (p->nv == p->cap) {
		size_t cap = p->cap ? p->cap * 2 : 64;
		struct jnode *v;

		if (cap > (VF_JSON_MAX_MEM - p->text.len) / sizeof(*v))
			return jerr(p, MS_ETOOLARGE, "document too large");
		v = realloc(p->v, cap * sizeof(*v));
		if (!v)
			return jerr(p, MS_ENOMEM, "out of memory");
		p->v = v;
		p->cap = cap;
	}
	p->v[p->nv] = (struct jnode){.type = type,
				     .child = J_NONE,
				     .next = J_NONE,
				     .key_off = 0,
				     .key_len = 0};
	*out = p->nv++;
	return 0;
}

static int text_add(struct jp *p, const void *b, size_t n)
{
	int rc = ms_buf_add(&p->text, b, n);

	if (rc)
		return jerr(p, rc,
			    rc == MS_ENOMEM ? "out of memory"
					    : "document too large");
	return 0;
}

size_t vf_utf8_len(const unsigned char *s, size_t n)
{
	unsigned char c = s[0], lo = 0x80, hi = 0xbf;
	size_t len, i;

	if (c < 0x80)
		return 1;
	if (c >= 0xc2 && c <= 0xdf)
		len = 2;
	else if (c >= 0xe0 && c <= 0xef)
		len = 3;
	else if (c >= 0xf0 && c <= 0xf4)
		len = 4;
	else
		return 0;
	if (n < len)
		return 0;
	if (c == 0xe0)
		lo = 0xa0; /* no overlong forms */
	else if (c == 0xed)
		hi = 0x9f; /* no surrogates */
	else if (c == 0xf0)
		lo = 0x90;
	else if (c == 0xf4)
		hi = 0x8f; /* nothing above U+10FFFF */
	if (s[1] < lo || s[1] > hi)
		return 0;
	for (i = 2; i < len; i++)
		if (s[i] < 0x80 || s[i] > 0xbf)
			return 0;
	return len;
}

static int hex4(struct jp *p, unsigned int *out)
{
	unsigned int v = 0;
	size_t k;

	if (p->n - p->i < 4)
		return jerr(p, MS_EPARSE, "truncated \\u escape");
	for (k = 0; k < 4; k++) {
		unsigned char c = p->s[p->i + k];

		v <<= 4;
		if (c >= '0' && c <= '9')
			v |= (unsigned int)(c - '0');
		else if (c >= 'a' && c <= 'f')
			v |= (unsigned int)(c - 'a' + 10);
		else if (c >= 'A' && c <= 'F')
			v |= (unsigned int)(c - 'A' + 10);
		else
			return jerr(p, MS_EPARSE, "bad \\u escape");
	}
	p->i += 4;
	*out = v;
	return 0;
}

static int put_utf8(struct jp *p, unsigned int cp)
{
	unsigned char b[4];
	size_t n;

	if (cp < 0x80) {
		b[0] = (unsigned char)cp;
		n = 1;
	} else if (cp < 0x800) {
		b[0] = (unsigned char)(0xc0 | cp >> 6);
		b[1] = (unsigned char)(0x80 | (cp & 0x3f));
		n = 2;
	} else if (cp < 0x10000) {
		b[0] = (unsigned char)(0xe0 | cp >> 12);
		b[1] = (unsigned char)(0x80 | (cp >> 6 & 0x3f));
		b[2] = (unsigned char)(0x80 | (cp & 0x3f));
		n = 3;
	} else {
		b[0] = (unsigned char)(0xf0 | cp >> 18);
		b[1] = (unsigned char)(0x80 | (cp >> 12 & 0x3f));
		b[2] = (unsigned char)(0x80 | (cp >> 6 & 0x3f));
		b[3] = (unsigned char)(0x80 | (cp & 0x3f));
		n = 4;
	}
	return text_add(p, b, n);
}

/* After "\u": one code point, a surrogate pair taken whole. */
static int unicode_escape(struct jp *p)
{
	unsigned int cp, lo;
	int rc = hex4(p, &cp);

	if (rc)
		return rc;
	if (cp >= 0xdc00 && cp <= 0xdfff)
		return jerr(p, MS_EPARSE, "lone low surrogate");
	if (cp >= 0xd800 && cp <= 0xdbff) {
		if (p->n - p->i < 2 || p->s[p->i] != '\\' ||
		    p->s[p->i + 1] != 'u')
			return jerr(p, MS_EPARSE, "lone high surrogate");
		p->i += 2;
		rc = hex4(p, &lo);
		if (rc)
			return rc;
		if (lo < 0xdc00 || lo > 0xdfff)
			return jerr(p, MS_EPARSE, "lone high surrogate");
		cp = 0x10000 + ((cp - 0xd800) << 10) + (lo - 0xdc00);
	}
	return put_utf8(p, cp);
}

static int escape(struct jp *p)
{
	static const char from[] = "\"\\/bfnrt", to[] = "\"\\/\b\f\n\r\t";
	const char *hit;
	unsigned char c;

	if (p->i >= p->n)
		return jerr(p, MS_EPARSE, "unterminated string");
	c = p->s[p->i++];
	if (c == 'u')
		return unicode_escape(p);
	hit = c ? strchr(from, c) : NULL;
	if (!hit)
		return jerr(p, MS_EPARSE, "bad escape");
	return text_add(p, &to[hit - from], 1);
}

/* At the opening quote: the unescaped bytes go to p->text at *off. */
static int string(struct jp *p, size_t *off, size_t *len)
{
	size_t run;
	int rc = 0;

	p->i++;
	*off = p->text.len;
	run = p->i;
	for (;;) {
		unsigned char c;
		size_t k;

		if (p->i >= p->n)
			return jerr(p, MS_EPARSE, "unterminated string");
		c = p->s[p->i];
		if (c == '"' || c == '\\') {
			rc = text_add(p, p->s + run, p->i - run);
			p->i++;
			if (rc || c == '"')
				break;
			rc = escape(p);
			if (rc)
				return rc;
			run = p->i;
			continue;
		}
		if (c < 0x20)
			return jerr(p, MS_EPARSE,
				    "control character in string");
		k = vf_utf8_len(p->s + p->i, p->n - p->i);
		if (!k)
			return jerr(p, MS_EPARSE, "invalid UTF-8");
		p->i += k;
	}
	*len = p->text.len - *off;
	return rc;
}

static size_t digits(struct jp *p)
{
	size_t start = p->i;

	while (p->i < p->n && p->s[p->i] >= '0' && p->s[p->i] <= '9')
		p->i++;
	return p->i - start;
}

/* An integer literal (optional '-', digits) that fits int64 or uint64, as
 * canonical decimal text in <out>. False when it does not fit. */
static bool exact_int(const unsigned char *s, size_t n, char *out, size_t size)
{
	bool neg = s[0] == '-';
	uint64_t v = 0;
	size_t k;

	for (k = neg; k < n; k++) {
		unsigned int d = (unsigned int)(s[k] - '0');

		if (v > (UINT64_MAX - d) / 10)
			return false;
		v = v * 10 + d;
	}
	if (!neg || v == 0)
		snprintf(out, size, "%" PRIu64, v);
	else if (v <= (uint64_t)INT64_MAX + 1)
		snprintf(out, size, "-%" PRIu64, v);
	else
		return false;
	return true;
}

static int number(struct jp *p, size_t *off, size_t *len)
{
	size_t start = p->i;
	bool is_int = true;
	char canon[64];
	double d;
	int rc;

	if (p->s[p->i] == '-')
		p->i++;
	if (p->i < p->n && p->s[p->i] == '0')
		p->i++;
	else if (!digits(p))
		return jerr(p, MS_EPARSE, "bad number");
	if (p->i < p->n && p->s[p->i] == '.') {
		p->i++;
		is_int = false;
		if (!digits(p))
			return jerr(p, MS_EPARSE, "bad number");
	}
	if (p->i < p->n && (p->s[p->i] == 'e' || p->s[p->i] == 'E')) {
		p->i++;
		is_int = false;
		if (p->i < p->n && (p->s[p->i] == '+' || p->s[p->i] == '-'))
			p->i++;
		if (!digits(p))
			return jerr(p, MS_EPARSE, "bad number");
	}
	if (p->i - start > VF_JSON_MAX_NUMBER)
		return jerr(p, MS_ETOOLARGE, "number too long");
	if (!is_int ||
	    !exact_int(p->s + start, p->i - start, canon, sizeof(canon))) {
		ms_buf_reset(&p->num);
		rc = ms_buf_add(&p->num, p->s + start, p->i - start);
		if (rc)
			return jerr(p, rc, "number too long");
		d = strtod(ms_buf_str(&p->num), NULL);
		if (isinf(d) || isnan(d))
			return jerr(p, MS_EPARSE, "number out of range");
		/* 2^63: every integral double below it converts exactly */
		if (d == floor(d) && fabs(d) < 9223372036854775808.0)
			snprintf(canon, sizeof(canon), "%" PRId64, (int64_t)d);
		else
			snprintf(canon, sizeof(canon), "%.17g", d);
	}
	*off = p->text.len;
	*len = strlen(canon);
	return text_add(p, canon, *len);
}

static int literal(struct jp *p, size_t *idx)
{
	static const struct {
		const char *w;
		enum jtype t;
	} lits[] = {{"true", J_TRUE}, {"false", J_FALSE}, {"null", J_NULL}};
	size_t k, wl;

	for (k = 0; k < 3; k++) {
		wl = strlen(lits[k].w);
		if (p->n - p->i >= wl && !memcmp(p->s + p->i, lits[k].w, wl)) {
			p->i += wl;
			return new_node(p, lits[k].t, idx);
		}
	}
	return jerr(p, MS_EPARSE, "unexpected character");
}

static int value(struct jp *p, unsigned int depth, size_t *idx);

/* At '[' or '{': the members, linked in order under node <self>. */
static int container(struct jp *p, unsigned int depth, size_t self)
{
	bool obj = p->v[self].type == J_OBJ;
	char close = obj ? '}' : ']';
	size_t last = J_NONE, child, koff = 0, klen = 0;
	int rc;

	if (depth >= VF_JSON_MAX_DEPTH)
		return jerr(p, MS_ETOOLARGE, "nested too deep");
	p->i++;
	skip_ws(p);
	if (p->i < p->n && p->s[p->i] == close) {
		p->i++;
		return 0;
	}
	for (;;) {
		skip_ws(p);
		if (obj) {
			if (p->i >= p->n || p->s[p->i] != '"')
				return jerr(p, MS_EPARSE, "expected a key");
			rc = string(p, &koff, &klen);
			if (rc)
				return rc;
			skip_ws(p);
			if (p->i >= p->n || p->s[p->i] != ':')
				return jerr(p, MS_EPARSE, "expected ':'");
			p->i++;
		}
		rc = value(p, depth + 1, &child);
		if (rc)
			return rc;
		p->v[child].key_off = koff;
		p->v[child].key_len = klen;
		if (last == J_NONE)
			p->v[self].child = child;
		else
			p->v[last].next = child;
		last = child;
		p->v[self].count++;
		skip_ws(p);
		if (p->i < p->n && p->s[p->i] == ',') {
			p->i++;
			continue;
		}
		if (p->i < p->n && p->s[p->i] == close) {
			p->i++;
			return 0;
		}
		return jerr(p, MS_EPARSE,
			    obj ? "expected ',' or '}'"
				: "expected ',' or ']'");
	}
}

static int value(struct jp *p, unsigned int depth, size_t *idx)
{
	unsigned char c;
	size_t off, len;
	int rc;

	skip_ws(p);
	if (p->i >= p->n)
		return jerr(p, MS_EPARSE, "unexpected end");
	c = p->s[p->i];
	if (c == '{' || c == '[') {
		rc = new_node(p, c == '{' ? J_OBJ : J_ARR, idx);
		return rc ? rc : container(p, depth, *idx);
	}
	if (c == '"' || c == '-' || (c >= '0' && c <= '9')) {
		rc = c == '"' ? string(p, &off, &len) : number(p, &off, &len);
		rc = rc ? rc : new_node(p, c == '"' ? J_STR : J_NUM, idx);
		if (!rc) {
			p->v[*idx].off = off;
			p->v[*idx].len = len;
		}
		return rc;
	}
	return literal(p, idx);
}

/* ---- writing ------------------------------------------------------------ */

static int put_string(struct ms_buf *out, const char *s, size_t n)
{
	size_t i, run = 0;
	int rc = ms_buf_addc(out, '"');

	for (i = 0; !rc && i < n; i++) {
		unsigned char c = (unsigned char)s[i];

		if (c >= 0x20 && c != '"' && c != '\\')
			continue;
		rc = ms_buf_add(out, s + run, i - run);
		if (!rc && c < 0x20)
			rc = ms_buf_addf(out, "\\u%04x", c);
		else if (!rc)
			rc = ms_buf_addf(out, "\\%c", c);
		run = i + 1;
	}
	rc = rc ? rc : ms_buf_add(out, s + run, n - run);
	return rc ? rc : ms_buf_addc(out, '"');
}

struct jmember {
	const char *key;
	size_t klen, pos, idx;
};

static int cmp_member(const void *a, const void *b)
{
	const struct jmember *x = a, *y = b;
	size_t n = x->klen < y->klen ? x->klen : y->klen;
	int c = memcmp(x->key, y->key, n);

	if (c)
		return c;
	if (x->klen != y->klen)
		return x->klen < y->klen ? -1 : 1;
	return x->pos < y->pos ? -1 : x->pos > y->pos;
}

static int write_node(const struct jp *p, size_t idx, struct ms_buf *out);

static int write_object(const struct jp *p, const struct jnode *nd,
			struct ms_buf *out)
{
	struct jmember *m = calloc(nd->count + 1, sizeof(*m));
	const char *text = ms_buf_str(&p->text);
	size_t k = 0, c, i;
	bool first = true;
	int rc;

	if (!m)
		return MS_ENOMEM;
	for (c = nd->child; c != J_NONE; c = p->v[c].next, k++)
		m[k] = (struct jmember){.key = text + p->v[c].key_off,
					.klen = p->v[c].key_len,
					.pos = k,
					.idx = c};
	qsort(m, k, sizeof(*m), cmp_member);
	rc = ms_buf_addc(out, '{');
	for (i = 0; !rc && i < k; i++) {
		/* of equal keys (adjacent, in document order) the last wins */
		if (i + 1 < k && m[i].klen == m[i + 1].klen &&
		    !memcmp(m[i].key, m[i + 1].key, m[i].klen))
			continue;
		if (!first)
			rc = ms_buf_addc(out, ',');
		first = false;
		rc = rc ? rc : put_string(out, m[i].key, m[i].klen);
		rc = rc ? rc : ms_buf_addc(out, ':');
		rc = rc ? rc : write_node(p, m[i].idx, out);
	}
	free(m);
	return rc ? rc : ms_buf_addc(out, '}');
}

/* Recursion follows the parsed depth, bounded by VF_JSON_MAX_DEPTH. */
static int write_node(const struct jp *p, size_t idx, struct ms_buf *out)
{
	const struct jnode *nd = &p->v[idx];
	const char *text = ms_buf_str(&p->text);
	size_t c;
	int rc = 0;

	switch (nd->type) {
	case J_NULL:
		return ms_buf_addstr(out, "null");
	case J_FALSE:
		return ms_buf_addstr(out, "false");
	case J_TRUE:
		return ms_buf_addstr(out, "true");
	case J_NUM:
		return ms_buf_add(out, text + nd->off, nd->len);
	case J_STR:
		return put_string(out, text + nd->off, nd->len);
	case J_OBJ:
		return write_object(p, nd, out);
	case J_ARR:
		break;
	}
	rc = ms_buf_addc(out, '[');
	for (c = nd->child; !rc && c != J_NONE; c = p->v[c].next) {
		if (c != nd->child)
			rc = ms_buf_addc(out, ',');
		rc = rc ? rc : write_node(p, c, out);
	}
	return rc ? rc : ms_buf_addc(out, ']');
}

int vf_json_canon(const char *s, size_t len, struct ms_buf *out,
		  struct ms_err *err)
{
	struct jp p = {.s = (const unsigned char *)s, .n = len, .err = err};
	size_t root = 0;
	int rc;

	ms_buf_init(&p.text, VF_JSON_MAX_MEM);
	ms_buf_init(&p.num, VF_JSON_MAX_NUMBER + 1);
	rc = value(&p, 0, &root);
	if (!rc) {
		skip_ws(&p);
		if (p.i < p.n)
			rc = jerr(&p, MS_EPARSE, "text after the document");
	}
	if (!rc) {
		rc = write_node(&p, root, out);
		if (rc)
			rc = MS_ERR(err, rc, "JSON: canonical form: %s",
				    ms_strerror(rc));
	}
	free(p.v);
	ms_buf_free(&p.text);
	ms_buf_free(&p.num);
	return rc;
}
