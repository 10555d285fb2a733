/* MySQL binary JSON (sql-common/json_binary.cc) rendered as the text MySQL
 * prints for a JSON column, and the JSON diff list of a PARTIAL_UPDATE_ROWS
 * after-image (sql/json_diff.cc).
 *
 * The renderer follows offsets only, so bytes between values (left behind
 * by in-place partial updates) are never read. Every offset and size is
 * checked against its container, nesting is limited as in MySQL, and the
 * text is capped: containers may share offsets, and a small document could
 * otherwise expand exponentially. The text grows in one arena buffer that
 * moves to a buffer twice as large when full; nothing is allocated per
 * value. */
#include <inttypes.h>
#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "binlog/binlog_int.h"

#define JSONB_MAX_DEPTH 100 /* MySQL's JSON_DOCUMENT_MAX_DEPTH */
/* Real documents render to at most ~6 bytes of text per byte (a control
 * character becomes \u00XX); more than this means shared offsets. */
#define JSONB_TEXT_FACTOR 64
#define JSONB_TEXT_SLACK  ((size_t)1 << 20)

enum {
	JB_SMALL_OBJECT = 0x0,
	JB_LARGE_OBJECT = 0x1,
	JB_SMALL_ARRAY = 0x2,
	JB_LARGE_ARRAY = 0x3,
	JB_LITERAL = 0x4,
	JB_INT16 = 0x5,
	JB_UINT16 = 0x6,
	JB_INT32 = 0x7,
	JB_UINT32 = 0x8,
	JB_INT64 = 0x9,
	JB_UINT64 = 0xa,
	JB_DOUBLE = 0xb,
	JB_STRING = 0xc,
	JB_OPAQUE = 0xf,
};

static const char *const jb_names[] = {
    "small object", "large object", "small array", "large array",
    "literal",	    "int16",	    "uint16",	   "int32",
    "uint32",	    "int64",	    "uint64",	   "double",
};
static const uint8_t jb_scalar_size[] = {
    [JB_LITERAL] = 1, [JB_INT16] = 2, [JB_UINT16] = 2, [JB_INT32] = 4,
    [JB_UINT32] = 4,  [JB_INT64] = 8, [JB_UINT64] = 8, [JB_DOUBLE] = 8,
};

/* One rendering: the document (offsets in messages are relative to it) and
 * the text, <len> bytes at <out> in a buffer of <size> bytes. */
struct jr {
	const uint8_t *doc;
	size_t doclen;
	struct ms_arena *a;
	char *out;
	size_t len, size;
	size_t cap; /* most bytes of text allowed */
	struct ms_err *err;
};

static size_t jr_off(const struct jr *r, const uint8_t *p)
{
	return (size_t)(p - r->doc);
}

/* Most text allowed for a document of <len> bytes. */
static size_t text_cap(size_t len)
{
	if (len > (SIZE_MAX / 2 - JSONB_TEXT_SLACK) / JSONB_TEXT_FACTOR)
		return SIZE_MAX / 2;
	return len * JSONB_TEXT_FACTOR + JSONB_TEXT_SLACK;
}

/* Makes room for <n> more bytes and the final NUL. */
static int jr_room(struct jr *r, size_t n)
{
	size_t need, size;
	char *p;

	if (n > r->cap - r->len)
		return MS_ERR(r->err, MS_ECORRUPT,
			      "JSON text of a %zu-byte document exceeds %zu "
			      "bytes: its containers share values",
			      r->doclen, r->cap);
	need = r->len + n + 1;
	if (need <= r->size)
		return 0;
	size = r->size > need / 2 ? r->size * 2 : need;
	if (size > r->cap + 1)
		size = r->cap + 1;
	p = ms_arena_alloc(r->a, size);
	if (!p && size > need)
		p = ms_arena_alloc(r->a, size = need);
	if (!p)
		return MS_ERR(r->err, MS_ETOOLARGE,
			      "no room in the arena for %zu bytes of JSON text",
			      need);
	if (r->len)
		memcpy(p, r->out, r->len);
	r->out = p;
	r->size = size;
	return 0;
}

static int jr_put(struct jr *r, const void *s, size_t n)
{
	int rc = jr_room(r, n);

	if (rc)
		return rc;
	memcpy(r->out + r->len, s, n);
	r->len += n;
	return 0;
}

#define jr_lit(r, s) jr_put((r), (s), sizeof(s) - 1)

static int put_u64(struct jr *r, uint64_t v, bool neg)
{
	char buf[21];
	size_t i = sizeof(buf);

	do {
		buf[--i] = (char)('0' + v % 10);
		v /= 10;
	} while (v);
	if (neg)
		buf[--i] = '-';
	return jr_put(r, buf + i, sizeof(buf) - i);
}

static int put_i64(struct jr *r, int64_t v)
{
	return put_u64(r, v < 0 ? 0 - (uint64_t)v : (uint64_t)v, v < 0);
}

/* ---- strings ----------------------------------------------------------- */

/* Length of the UTF-8 sequence at <s> (<n> bytes left, s[0] >= 0x80), or 0
 * when it is ill-formed: overlong, a surrogate, above U+10FFFF or cut. */
static size_t utf8_seq(const uint8_t *s, size_t n)
{
	uint8_t lo = 0x80, hi = 0xbf;
	size_t len, i;

	if (s[0] < 0xc2 || s[0] > 0xf4)
		return 0;
	len = s[0] < 0xe0 ? 2 : s[0] < 0xf0 ? 3 : 4;
	if (s[0] == 0xe0)
		lo = 0xa0;
	else if (s[0] == 0xed)
		hi = 0x9f;
	else if (s[0] == 0xf0)
		lo = 0x90;
	else if (s[0] == 0xf4)
		hi = 0x8f;
	if (n < len || s[1] < lo || s[1] > hi)
		return 0;
	for (i = 2; i < len; i++)
		if ((s[i] & 0xc0) != 0x80)
			return 0;
	return len;
}

bool bl_utf8_valid(const uint8_t *s, size_t n)
{
	size_t i = 0, k;

	while (i < n) {
		if (s[i] < 0x80) {
			i++;
			continue;
		}
		k = utf8_seq(s + i, n - i);
		if (!k)
			return false;
		i += k;
	}
	return true;
}

/* MySQL's escapes (json_dom.cc escape_character): the short forms where
 * JSON has one, \u00xx (lower-case hex) for other control characters. */
static int put_escape(struct jr *r, uint8_t c)
{
	static const char hex[] = "0123456789abcdef";
	static const char shortcut[] = "\"\"\\\\\bb\ff\nn\rr\tt"; /* pairs */
	char e[6] = {'\\', 'u', '0', '0', hex[c >> 4], hex[c & 15]};
	size_t i;

	for (i = 0; i < sizeof(shortcut) - 1; i += 2) {
		if ((uint8_t)shortcut[i] == c) {
			e[1] = shortcut[i + 1];
			return jr_put(r, e, 2);
		}
	}
	return jr_put(r, e, 6);
}

/* Appends <s> (<n> bytes of the document) as a quoted JSON string. MySQL
 * stores JSON strings as utf8mb4, so ill-formed UTF-8 means corruption
 * (and would not be JSON text). Unescaped runs are copied at once. */
static int put_string(struct jr *r, const uint8_t *s, size_t n)
{
	size_t i = 0, start = 0, k;
	int rc = jr_lit(r, "\"");

	while (!rc && i < n) {
		if (s[i] >= 0x80) {
			k = utf8_seq(s + i, n - i);
			if (!k)
				return MS_ERR(r->err, MS_ECORRUPT,
					      "invalid UTF-8 in JSON string "
					      "at offset %zu",
					      jr_off(r, s + i));
			i += k;
		} else if (s[i] < 0x20 || s[i] == '"' || s[i] == '\\') {
			rc = jr_put(r, s + start, i - start);
			if (!rc)
				rc = put_escape(r, s[i]);
			start = ++i;
		} else {
			i++;
		}
	}
	if (!rc)
		rc = jr_put(r, s + start, n - start);
	return rc ? rc : jr_lit(r, "\"");
}

/* Reads the variable-length length of strings and opaque values: 7 bits a
 * byte, low bits first, at most 5 bytes and 32 bits. */
static int read_varlen(struct jr *r, const uint8_t *p, size_t avail,
		       uint32_t *len, size_t *used)
{
	uint64_t v = 0;
	size_t i;

	for (i = 0; i < 5 && i < avail; i++) {
		v |= (uint64_t)(p[i] & 0x7f) << (7 * i);
		if (p[i] & 0x80)
			continue;
		if (v > UINT32_MAX)
			break;
		*len = (uint32_t)v;
		*used = i + 1;
		return 0;
	}
	return MS_ERR(r->err, MS_ECORRUPT, "bad JSON length at offset %zu: %s",
		      jr_off(r, p),
		      i == 5	  ? "longer than 5 bytes"
		      : i < avail ? "above 32 bits"
				  : "truncated");
}

static int render_string(struct jr *r, const uint8_t *p, size_t avail)
{
	uint32_t n;
	size_t used;
	int rc = read_varlen(r, p, avail, &n, &used);

	if (rc)
		return rc;
	if (n > avail - used)
		return MS_ERR(
		    r->err, MS_ECORRUPT,
		    "truncated JSON string at offset %zu: needs %" PRIu32
		    " bytes, %zu left",
		    jr_off(r, p), n, avail - used);
	return put_string(r, p + used, n);
}

/* ---- numbers ----------------------------------------------------------- */

/* Splits "d.ddde+XX" from printf into digits and the decimal point
 * position; skipping the point whatever the locale prints for it. */
static int split_digits(const char *buf, char *dig, int *decpt)
{
	int n = 0;

	for (; *buf && *buf != 'e'; buf++)
		if (*buf >= '0' && *buf <= '9')
			dig[n++] = *buf;
	*decpt = *buf ? (int)strtol(buf + 1, NULL, 10) + 1 : 1;
	return n;
}

/* Adds one unit in the last place of the <n> digits and keeps them when
 * that reads back as <x>. */
static bool next_up_reads_back(double x, char *dig, int n, int *decpt)
{
	char up[24], buf[48];
	int i, dp = *decpt;

	memcpy(up, dig, (size_t)n);
	for (i = n - 1; i >= 0 && up[i] == '9'; i--)
		up[i] = '0';
	if (i < 0) {
		up[0] = '1';
		dp++;
	} else {
		up[i]++;
	}
	/* an integer mantissa needs no decimal point, in any locale */
	snprintf(buf, sizeof(buf), "%.*se%d", n, up, dp - n);
	if (strtod(buf, NULL) != x)
		return false;
	memcpy(dig, up, (size_t)n);
	*decpt = dp;
	return true;
}

/* The significant digits of <x> (finite, >= 0) in the shortest form that
 * reads back as <x>, as dtoa mode 0 gives them (MySQL's my_gcvt), with
 * <*decpt> such that x = 0.DIGITS * 10^decpt. Normal doubles need 15 to 17
 * digits: fewer than 16 always round correctly, and at an exact power of
 * two the closest 16 digits may fall in the narrower gap below while the
 * next ones up read back. Subnormals can need as few as one. */
static int shortest_digits(double x, char *dig, int *decpt)
{
	char buf[48];
	uint64_t bits;
	int prec, n = 0;

	memcpy(&bits, &x, sizeof(bits));
	for (prec = bits >> 52 ? 15 : 1; prec <= 17; prec++) {
		snprintf(buf, sizeof(buf), "%.*e", prec - 1, x);
		n = split_digits(buf, dig, decpt);
		if (strtod(buf, NULL) == x || prec == 17)
			break;
		if (prec == 16 && !(bits & 0xfffffffffffffULL) &&
		    next_up_reads_back(x, dig, n, decpt))
			break;
	}
	while (n > 1 && dig[n - 1] == '0')
		n--;
	return n;
}

/* my_gcvt's choice for a double column of JSON: fixed notation for
 * 1e-15 <= |x| < 1e15 (and a few larger values with a fraction), else
 * "1.5e-20"; json_dom.cc then adds ".0" to a fixed form with no point. */
static size_t format_double(double x, char *out)
{
	char dig[24];
	int decpt, n = shortest_digits(fabs(x), dig, &decpt);
	size_t k = 0;

	if (signbit(x))
		out[k++] = '-';
	if (decpt < -14 || (decpt > 15 && n <= decpt)) {
		out[k++] = dig[0];
		if (n > 1) {
			out[k++] = '.';
			memcpy(out + k, dig + 1, (size_t)n - 1);
			k += (size_t)n - 1;
		}
		return k + (size_t)snprintf(out + k, 8, "e%d", decpt - 1);
	}
	if (decpt <= 0) {
		out[k++] = '0';
		out[k++] = '.';
		memset(out + k, '0', (size_t)-decpt);
		k += (size_t)-decpt;
		memcpy(out + k, dig, (size_t)n);
		return k + (size_t)n;
	}
	if (decpt < n) {
		memcpy(out + k, dig, (size_t)decpt);
		k += (size_t)decpt;
		out[k++] = '.';
		memcpy(out + k, dig + decpt, (size_t)(n - decpt));
		return k + (size_t)(n - decpt);
	}
	memcpy(out + k, dig, (size_t)n);
	memset(out + k + n, '0', (size_t)(decpt - n));
	k += (size_t)decpt;
	memcpy(out + k, ".0", 2);
	return k + 2;
}

static int put_double(struct jr *r, const uint8_t *p)
{
	uint64_t bits = bl_le64(p);
	char buf[48];
	double x;

	memcpy(&x, &bits, sizeof(x));
	if (!isfinite(x))
		return MS_ERR(r->err, MS_ECORRUPT,
			      "JSON double at offset %zu is not finite",
			      jr_off(r, p));
	return jr_put(r, buf, format_double(x, buf));
}

/* A scalar of <type> (literal .. double) whose bytes at <p> were checked. */
static int render_number(struct jr *r, uint8_t type, const uint8_t *p)
{
	switch (type) {
	case JB_LITERAL:
		if (p[0] == 0)
			return jr_lit(r, "null");
		if (p[0] == 1)
			return jr_lit(r, "true");
		if (p[0] == 2)
			return jr_lit(r, "false");
		return MS_ERR(r->err, MS_ECORRUPT,
			      "bad JSON literal 0x%02x at offset %zu", p[0],
			      jr_off(r, p));
	case JB_INT16:
		return put_i64(r, (int16_t)bl_le16(p));
	case JB_UINT16:
		return put_u64(r, bl_le16(p), false);
	case JB_INT32:
		return put_i64(r, (int32_t)bl_le32(p));
	case JB_UINT32:
		return put_u64(r, bl_le32(p), false);
	case JB_INT64:
		return put_i64(r, (int64_t)bl_le64(p));
	case JB_UINT64:
		return put_u64(r, bl_le64(p), false);
	}
	return put_double(r, p);
}

/* ---- opaque values ----------------------------------------------------- */

/* "base64:typeNN:..." with MySQL's base64_encode, which starts a new line
 * every 76 characters; the newline is escaped like any in a string. */
static int put_base64(struct jr *r, unsigned int ftype, const uint8_t *s,
		      size_t n)
{
	static const char tbl[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
				  "abcdefghijklmnopqrstuvwxyz0123456789+/";
	size_t groups = n / 3 + (n % 3 != 0), i, col;
	char *o;
	int rc = jr_room(r, groups * 4 + groups / 19 * 2 + 24);

	if (rc)
		return rc;
	o = r->out + r->len;
	o += snprintf(o, 24, "\"base64:type%u:", ftype);
	for (i = 0, col = 0; i < n; i += 3, col += 4) {
		uint32_t v = (uint32_t)s[i] << 16;

		if (col == 76) {
			*o++ = '\\';
			*o++ = 'n';
			col = 0;
		}
		if (i + 1 < n)
			v |= (uint32_t)s[i + 1] << 8;
		if (i + 2 < n)
			v |= s[i + 2];
		*o++ = tbl[v >> 18];
		*o++ = tbl[v >> 12 & 63];
		*o++ = i + 1 < n ? tbl[v >> 6 & 63] : '=';
		*o++ = i + 2 < n ? tbl[v & 63] : '=';
	}
	*o++ = '"';
	r->len = (size_t)(o - r->out);
	return 0;
}

/* DECIMAL: precision byte, scale byte, then the binary decimal, which
 * must fill the value exactly (Json_decimal::convert_from_binary). MySQL
 * prints it as a bare number. */
static int put_decimal(struct jr *r, const uint8_t *s, uint32_t n)
{
	const char *text;
	size_t textlen, used;
	int rc;

	if (n < 2)
		return MS_ERR(r->err, MS_ECORRUPT,
			      "JSON DECIMAL at offset %zu has %" PRIu32
			      " bytes, no room for precision and scale",
			      jr_off(r, s), n);
	rc = bl_decimal_text(s + 2, n - 2, s[0], s[1], r->a, &text, &textlen,
			     &used, r->err);
	if (rc) {
		if (r->err)
			ms_err_prefix(r->err, "JSON DECIMAL at offset %zu",
				      jr_off(r, s));
		return rc;
	}
	if (used != n - 2)
		return MS_ERR(r->err, MS_ECORRUPT,
			      "JSON DECIMAL(%u,%u) at offset %zu has %" PRIu32
			      " bytes, needs %zu",
			      s[0], s[1], jr_off(r, s), n - 2, used);
	return jr_put(r, text, textlen);
}

/* DATE, TIME, DATETIME and TIMESTAMP hold MySQL's packed 8-byte temporal
 * (my_time.cc TIME_to_longlong_*_packed); MySQL prints them quoted with
 * six fractional digits (my_TIME_to_str(t, 6)), DATE without a time.
 * Fields MySQL cannot have written are refused. */
static int put_temporal(struct jr *r, unsigned int ftype, const uint8_t *s,
			uint32_t n)
{
	int64_t v = n == 8 ? (int64_t)bl_le64(s) : 0;
	uint64_t u = v < 0 ? 0 - (uint64_t)v : (uint64_t)v;
	bool time = ftype == MS_BL_T_TIME;
	uint64_t hms = time ? u >> 24 : u >> 24 & 0x1ffff, ym = u >> 46;
	struct bl_tparts t = {.neg = v < 0,
			      .year = (uint32_t)(ym / 13),
			      .month = ym % 13,
			      .day = u >> 41 & 31,
			      .hour = (uint32_t)(hms >> 12 & 0x3ff),
			      .min = hms >> 6 & 63,
			      .sec = hms & 63,
			      .usec = u & 0xffffff};
	char buf[64], *end;

	if (n != 8 || hms >> 12 > (time ? 0x3ff : 23) || t.min > 59 ||
	    t.sec > 59 || t.usec > 999999 ||
	    (!time && (v < 0 || ym / 13 > 9999)))
		return MS_ERR(r->err, MS_ECORRUPT,
			      "bad JSON temporal (type %u, %" PRIu32
			      " bytes) at offset %zu",
			      ftype, n, jr_off(r, s));
	buf[0] = '"';
	end = bl_temporal_str(buf + 1, &t,
			      time		      ? BL_TP_TIME
			      : ftype == MS_BL_T_DATE ? BL_TP_DATE
						      : BL_TP_DATE | BL_TP_TIME,
			      ftype == MS_BL_T_DATE ? 0 : 6);
	*end++ = '"';
	return jr_put(r, buf, (size_t)(end - buf));
}

/* Opaque: MySQL field type byte, variable length, bytes. Rendered the way
 * Json_wrapper::to_string does; a VAR_STRING is a plain string there, and
 * falls back to base64 here when it is not UTF-8 (MySQL would print the
 * raw bytes, which is not JSON text). */
static int render_opaque(struct jr *r, const uint8_t *p, size_t avail)
{
	uint32_t n;
	size_t used;
	const uint8_t *s;
	int rc;

	if (avail < 1)
		return MS_ERR(r->err, MS_ECORRUPT,
			      "truncated JSON opaque value at offset %zu",
			      jr_off(r, p));
	rc = read_varlen(r, p + 1, avail - 1, &n, &used);
	if (rc)
		return rc;
	if (n > avail - 1 - used)
		return MS_ERR(r->err, MS_ECORRUPT,
			      "truncated JSON opaque value at offset %zu: "
			      "needs %" PRIu32 " bytes, %zu left",
			      jr_off(r, p), n, avail - 1 - used);
	s = p + 1 + used;
	switch (p[0]) {
	case MS_BL_T_NEWDECIMAL:
		return put_decimal(r, s, n);
	case MS_BL_T_DATE:
	case MS_BL_T_TIME:
	case MS_BL_T_DATETIME:
	case MS_BL_T_TIMESTAMP:
		return put_temporal(r, p[0], s, n);
	case MS_BL_T_VAR_STRING:
		if (bl_utf8_valid(s, n))
			return put_string(r, s, n);
		break;
	}
	return put_base64(r, p[0], s, n);
}

/* ---- containers -------------------------------------------------------- */

static int render_value(struct jr *r, uint8_t type, const uint8_t *p,
			size_t avail, int depth);

/* The layout of one object or array: <count> members, <size> bytes (as
 * far as the buffer goes), entries of <osz>-byte offsets. */
struct jb_box {
	const uint8_t *p;
	const char *what;
	bool large, obj;
	size_t osz;
	uint64_t count, size, header;
};

static int render_key(struct jr *r, const struct jb_box *b, uint64_t i)
{
	const uint8_t *e = b->p + 2 * b->osz + i * (b->osz + 2);
	uint64_t off = bl_leN(e, (unsigned int)b->osz);
	uint64_t len = bl_le16(e + b->osz);
	int rc;

	if (off < b->header || off > b->size || len > b->size - off)
		return MS_ERR(
		    r->err, MS_ECORRUPT,
		    "JSON %s at offset %zu: key %" PRIu64 " (%" PRIu64
		    " bytes at %" PRIu64 ") outside %" PRIu64 "..%" PRIu64,
		    b->what, jr_off(r, b->p), i, len, off, b->header, b->size);
	rc = put_string(r, b->p + off, (size_t)len);
	return rc ? rc : jr_lit(r, ": ");
}

static int render_entry(struct jr *r, const struct jb_box *b, uint64_t i,
			int depth)
{
	const uint8_t *e = b->p + 2 * b->osz +
			   b->count * (b->obj ? b->osz + 2 : 0) +
			   i * (1 + b->osz);
	uint8_t t = e[0];
	uint64_t off;

	/* small scalars sit in the entry itself (json_binary.cc
	 * inlined_type) */
	if (t == JB_LITERAL || t == JB_INT16 || t == JB_UINT16 ||
	    (b->large && (t == JB_INT32 || t == JB_UINT32)))
		return render_number(r, t, e + 1);
	off = bl_leN(e + 1, (unsigned int)b->osz);
	if (off < b->header || off >= b->size)
		return MS_ERR(r->err, MS_ECORRUPT,
			      "JSON %s at offset %zu: value %" PRIu64
			      " at %" PRIu64 " outside %" PRIu64 "..%" PRIu64,
			      b->what, jr_off(r, b->p), i, off, b->header,
			      b->size);
	return render_value(r, t, b->p + off, (size_t)(b->size - off), depth);
}

/* A size beyond the bytes at hand is cut to them rather than refused (MySQL
 * refuses it; vitess's corpus has such a document): every offset is then
 * checked against what is really there. */
static int open_box(struct jr *r, struct jb_box *b, uint8_t type,
		    const uint8_t *p, size_t avail)
{
	b->p = p;
	b->what = jb_names[type];
	b->large = type & 1;
	b->obj = type <= JB_LARGE_OBJECT;
	b->osz = b->large ? 4 : 2;
	if (avail < 2 * b->osz)
		return MS_ERR(r->err, MS_ECORRUPT,
			      "truncated JSON %s at offset %zu: needs %zu "
			      "bytes, %zu left",
			      b->what, jr_off(r, p), 2 * b->osz, avail);
	b->count = bl_leN(p, (unsigned int)b->osz);
	b->size = bl_leN(p + b->osz, (unsigned int)b->osz);
	if (b->size > avail)
		b->size = avail;
	b->header =
	    2 * b->osz + b->count * ((b->obj ? b->osz + 2 : 0) + 1 + b->osz);
	if (b->header > b->size)
		return MS_ERR(
		    r->err, MS_ECORRUPT,
		    "JSON %s at offset %zu: %" PRIu64 " members need %" PRIu64
		    " bytes, it has %" PRIu64,
		    b->what, jr_off(r, p), b->count, b->header, b->size);
	return 0;
}

static int render_container(struct jr *r, uint8_t type, const uint8_t *p,
			    size_t avail, int depth)
{
	struct jb_box b;
	uint64_t i;
	int rc;

	if (depth > JSONB_MAX_DEPTH)
		return MS_ERR(r->err, MS_ECORRUPT,
			      "JSON nested deeper than %d at offset %zu",
			      JSONB_MAX_DEPTH, jr_off(r, p));
	rc = open_box(r, &b, type, p, avail);
	if (!rc)
		rc = jr_put(r, b.obj ? "{" : "[", 1);
	for (i = 0; !rc && i < b.count; i++) {
		if (i)
			rc = jr_lit(r, ", ");
		if (!rc && b.obj)
			rc = render_key(r, &b, i);
		if (!rc)
			rc = render_entry(r, &b, i, depth);
	}
	return rc ? rc : jr_put(r, b.obj ? "}" : "]", 1);
}

/* The value of <type> at <p>, with <avail> bytes up to the end of its
 * container; <depth> containers enclose it. */
static int render_value(struct jr *r, uint8_t type, const uint8_t *p,
			size_t avail, int depth)
{
	switch (type) {
	case JB_SMALL_OBJECT:
	case JB_LARGE_OBJECT:
	case JB_SMALL_ARRAY:
	case JB_LARGE_ARRAY:
		return render_container(r, type, p, avail, depth + 1);
	case JB_STRING:
		return render_string(r, p, avail);
	case JB_OPAQUE:
		return render_opaque(r, p, avail);
	}
	if (type < JB_LITERAL || type > JB_DOUBLE)
		return MS_ERR(r->err, MS_ECORRUPT,
			      "unknown JSON value type 0x%02x at offset %zu",
			      type, jr_off(r, p));
	if (avail < jb_scalar_size[type])
		return MS_ERR(
		    r->err, MS_ECORRUPT,
		    "truncated JSON %s at offset %zu: needs %u bytes, "
		    "%zu left",
		    jb_names[type], jr_off(r, p), jb_scalar_size[type], avail);
	return render_number(r, type, p);
}

/* Renders the document <p> (<len> bytes) with at most <cap> bytes of text
 * into <a>. */
static int render(const uint8_t *p, size_t len, struct ms_arena *a, size_t cap,
		  const char **text, size_t *textlen, struct ms_err *err)
{
	struct jr r = {.doc = p, .doclen = len, .a = a, .cap = cap, .err = err};
	size_t guess = len > cap / 2 ? cap : len * 2 + 16;
	int rc = jr_room(&r, guess < cap ? guess : cap);

	if (!rc && len == 0) /* MySQL reads an empty document as null */
		rc = jr_lit(&r, "null");
	else if (!rc)
		rc = render_value(&r, p[0], p + 1, len - 1, 0);
	if (rc)
		return rc;
	r.out[r.len] = '\0';
	*text = r.out;
	*textlen = r.len;
	return 0;
}

int bl_jsonb_text(const uint8_t *p, size_t len, struct ms_arena *a,
		  const char **text, size_t *textlen, struct ms_err *err)
{
	return render(p, len, a, text_cap(len), text, textlen, err);
}

/* ---- partial update diffs ---------------------------------------------- */

static int take_packed(struct bl_cur *c, uint32_t i, const char *what,
		       struct ms_bl_bytes *out, struct ms_err *err)
{
	uint64_t n;

	if (!bl_packed(c, &n))
		return MS_ERR(err, MS_ECORRUPT,
			      "JSON diff %" PRIu32 ": bad %s length", i, what);
	if (n > bl_left(c))
		return MS_ERR(err, MS_ECORRUPT,
			      "JSON diff %" PRIu32 ": %s needs %" PRIu64
			      " bytes, %zu left",
			      i, what, n, bl_left(c));
	out->p = c->p;
	out->len = (size_t)n;
	c->p += n;
	return 0;
}

/* Diff <i> at <c> (json_diff.cc read_json_diff): operation byte, packed
 * path length, path, and for REPLACE and INSERT a packed value length and
 * a binary JSON value, returned in <val>. */
static int next_diff(struct bl_cur *c, uint32_t i, struct ms_bl_json_diff *d,
		     struct ms_bl_bytes *val, struct ms_err *err)
{
	uint8_t op = 0;
	int rc;

	if (!bl_u8(c, &op) || op > MS_BL_JSON_REMOVE)
		return MS_ERR(err, MS_ECORRUPT,
			      "JSON diff %" PRIu32 ": bad operation %u", i, op);
	d->op = (enum ms_bl_json_op)op;
	rc = take_packed(c, i, "path", &d->path, err);
	if (rc)
		return rc;
	if (d->path.len == 0 || d->path.p[0] != '$')
		return MS_ERR(err, MS_ECORRUPT,
			      "JSON diff %" PRIu32 ": path does not start "
			      "with '$'",
			      i);
	val->p = NULL;
	val->len = 0;
	if (op == MS_BL_JSON_REMOVE)
		return 0;
	return take_packed(c, i, "value", val, err);
}

/* Two passes: count and check the diffs, then fill an array of that size
 * and render each value. All values share one text budget. */
int bl_json_diffs(const uint8_t *p, size_t len, struct ms_arena *a,
		  struct ms_bl_json_diff **diffs, uint32_t *ndiffs,
		  struct ms_err *err)
{
	struct ms_bl_json_diff d, *out;
	struct ms_bl_bytes val;
	struct bl_cur c;
	size_t budget = text_cap(len);
	uint32_t n = 0, i;
	int rc;

	*diffs = NULL;
	*ndiffs = 0;
	for (bl_cur_init(&c, p, len); bl_left(&c); n++) {
		rc = next_diff(&c, n, &d, &val, err);
		if (rc)
			return rc;
	}
	if (n == 0)
		return 0;
	out = ms_arena_calloc(a, n, sizeof(*out));
	if (!out)
		return MS_ERR(err, MS_ETOOLARGE,
			      "no room in the arena for %" PRIu32 " JSON diffs",
			      n);
	bl_cur_init(&c, p, len);
	for (i = 0; i < n; i++) {
		rc = next_diff(&c, i, &out[i], &val, err);
		if (rc)
			return rc;
		if (out[i].op == MS_BL_JSON_REMOVE)
			continue;
		rc = render(val.p, val.len, a, budget, &out[i].value,
			    &out[i].value_len, err);
		if (rc) {
			if (err)
				ms_err_prefix(err, "JSON diff %" PRIu32, i);
			return rc;
		}
		budget -= out[i].value_len;
	}
	*diffs = out;
	*ndiffs = n;
	return 0;
}
