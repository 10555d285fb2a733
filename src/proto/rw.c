/* Packet framing and the bounds-checked field reader and writers: see
 * proto.h. */
#include <string.h>

#include "proto/proto_int.h"

void ms_proto_hdr_read(const uint8_t *p, uint32_t *len, uint8_t *seq)
{
	*len = (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16;
	*seq = p[3];
}

void ms_proto_hdr_write(uint8_t *p, uint32_t len, uint8_t seq)
{
	p[0] = (uint8_t)len;
	p[1] = (uint8_t)(len >> 8);
	p[2] = (uint8_t)(len >> 16);
	p[3] = seq;
}

void pr_buf_truncate(struct ms_buf *b, size_t len)
{
	if (b->len > len) {
		b->len = len;
		b->ptr[len] = '\0';
	}
}

int ms_proto_packet_add(struct ms_buf *out, uint8_t seq, const void *payload,
			size_t n, uint8_t *next_seq)
{
	const uint8_t *p = payload;
	size_t start = out->len;
	uint8_t hdr[MS_PROTO_HDR];
	size_t frag;
	int rc;

	/* A payload of exactly k * 0xffffff bytes ends with an empty
	 * fragment, so the loop runs once more than n / 0xffffff. */
	for (;;) {
		frag = n < MS_PROTO_MAX_FRAG ? n : MS_PROTO_MAX_FRAG;
		ms_proto_hdr_write(hdr, (uint32_t)frag, seq++);
		rc = ms_buf_add(out, hdr, sizeof(hdr));
		if (!rc)
			rc = ms_buf_add(out, p, frag);
		if (rc) {
			pr_buf_truncate(out, start);
			return rc;
		}
		p += frag;
		n -= frag;
		if (frag < MS_PROTO_MAX_FRAG)
			break;
	}
	if (next_seq)
		*next_seq = seq;
	return 0;
}

/* ---- reader ---- */

static const uint8_t empty_view[1];

void ms_rd_init(struct ms_rd *r, const void *p, size_t n)
{
	r->p = p ? p : empty_view;
	r->n = p ? n : 0;
	r->off = 0;
	r->bad = false;
}

size_t ms_rd_left(const struct ms_rd *r)
{
	return r->bad ? 0 : r->n - r->off;
}

/* The next <k> bytes, or NULL (and <bad> set) when fewer are left. */
static const uint8_t *take(struct ms_rd *r, size_t k)
{
	const uint8_t *p;

	if (r->bad || r->n - r->off < k) {
		r->bad = true;
		return NULL;
	}
	p = r->p + r->off;
	r->off += k;
	return p;
}

static uint64_t le(const uint8_t *p, unsigned k)
{
	uint64_t v = 0;

	while (k--)
		v = v << 8 | p[k];
	return v;
}

uint8_t ms_rd_u8(struct ms_rd *r)
{
	const uint8_t *p = take(r, 1);

	return p ? p[0] : 0;
}

uint16_t ms_rd_u16(struct ms_rd *r)
{
	const uint8_t *p = take(r, 2);

	return p ? (uint16_t)le(p, 2) : 0;
}

uint32_t ms_rd_u24(struct ms_rd *r)
{
	const uint8_t *p = take(r, 3);

	return p ? (uint32_t)le(p, 3) : 0;
}

uint32_t ms_rd_u32(struct ms_rd *r)
{
	const uint8_t *p = take(r, 4);

	return p ? (uint32_t)le(p, 4) : 0;
}

uint64_t ms_rd_u64(struct ms_rd *r)
{
	const uint8_t *p = take(r, 8);

	return p ? le(p, 8) : 0;
}

uint64_t ms_rd_lenenc(struct ms_rd *r, bool *null)
{
	uint8_t b = ms_rd_u8(r);

	if (null)
		*null = false;
	if (r->bad)
		return 0;
	if (b < 0xfb)
		return b;
	switch (b) {
	case 0xfb:
		if (null)
			*null = true;
		else
			r->bad = true;
		return 0;
	case 0xfc:
		return ms_rd_u16(r);
	case 0xfd:
		return ms_rd_u24(r);
	case 0xfe:
		return ms_rd_u64(r);
	default:
		r->bad = true;
		return 0;
	}
}

const uint8_t *ms_rd_bytes(struct ms_rd *r, size_t n)
{
	return take(r, n);
}

const uint8_t *ms_rd_nulstr(struct ms_rd *r, size_t *len)
{
	const uint8_t *s, *nul;

	*len = 0;
	if (r->bad)
		return empty_view;
	s = r->p + r->off;
	nul = memchr(s, 0, r->n - r->off);
	if (!nul) {
		r->bad = true;
		return empty_view;
	}
	*len = (size_t)(nul - s);
	r->off += *len + 1;
	return s;
}

const uint8_t *ms_rd_lenstr(struct ms_rd *r, size_t *len)
{
	uint64_t k = ms_rd_lenenc(r, NULL);
	const uint8_t *p;

	*len = 0;
	if (r->bad)
		return empty_view;
	if (k > r->n - r->off) {
		r->bad = true;
		return empty_view;
	}
	p = take(r, (size_t)k);
	*len = (size_t)k;
	return p;
}

const uint8_t *ms_rd_rest(struct ms_rd *r, size_t *len)
{
	const uint8_t *p;

	*len = 0;
	if (r->bad)
		return empty_view;
	p = r->p + r->off;
	*len = r->n - r->off;
	r->off = r->n;
	return p;
}

struct ms_view pr_rd_nulstr_lenient(struct ms_rd *r)
{
	struct ms_view v;

	if (r->bad || r->off == r->n) {
		v.p = empty_view;
		v.n = 0;
		return v;
	}
	v.p = r->p + r->off;
	if (memchr(v.p, 0, r->n - r->off))
		v.p = ms_rd_nulstr(r, &v.n);
	else
		v.p = ms_rd_rest(r, &v.n);
	return v;
}

struct ms_view pr_rd_lenview(struct ms_rd *r)
{
	struct ms_view v;

	v.p = ms_rd_lenstr(r, &v.n);
	return v;
}

/* ---- writers ---- */

static int put_le(struct ms_buf *b, uint64_t v, unsigned k)
{
	uint8_t t[8];
	unsigned i;

	for (i = 0; i < k; i++)
		t[i] = (uint8_t)(v >> (8 * i));
	return ms_buf_add(b, t, k);
}

int ms_wr_u8(struct ms_buf *b, uint8_t v)
{
	return ms_buf_add(b, &v, 1);
}

int ms_wr_u16(struct ms_buf *b, uint16_t v)
{
	return put_le(b, v, 2);
}

int ms_wr_u24(struct ms_buf *b, uint32_t v)
{
	return put_le(b, v, 3);
}

int ms_wr_u32(struct ms_buf *b, uint32_t v)
{
	return put_le(b, v, 4);
}

int ms_wr_u64(struct ms_buf *b, uint64_t v)
{
	return put_le(b, v, 8);
}

int ms_wr_lenenc(struct ms_buf *b, uint64_t v)
{
	uint8_t t[9];
	unsigned k, i;

	if (v < 0xfb) {
		t[0] = (uint8_t)v;
		return ms_buf_add(b, t, 1);
	}
	if (v <= 0xffff) {
		t[0] = 0xfc;
		k = 2;
	} else if (v <= 0xffffff) {
		t[0] = 0xfd;
		k = 3;
	} else {
		t[0] = 0xfe;
		k = 8;
	}
	for (i = 0; i < k; i++)
		t[1 + i] = (uint8_t)(v >> (8 * i));
	return ms_buf_add(b, t, 1 + k);
}

int ms_wr_lenstr(struct ms_buf *b, const void *p, size_t n)
{
	size_t start = b->len;
	int rc = ms_wr_lenenc(b, n);

	if (!rc)
		rc = ms_buf_add(b, p, n);
	if (rc)
		pr_buf_truncate(b, start);
	return rc;
}

int ms_wr_nulstr(struct ms_buf *b, const char *s)
{
	return ms_buf_add(b, s, strlen(s) + 1);
}
