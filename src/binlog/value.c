/* Row-image values: one non-NULL column value in the binary form MySQL and
 * MariaDB write into rows events, decoded into struct ms_bl_value.
 *
 * Numbers stay binary (n.i, n.u, n.f, n.d). DECIMAL and temporal values are
 * rendered into the arena as the exact text MySQL prints, because that text
 * is what an applier sends back and it loses nothing. Strings, blobs, BIT,
 * GEOMETRY and VECTOR bytes are borrowed from the event: no copy.
 *
 * This runs once per column per row, at many times a server's write rate,
 * so nothing here calls malloc or snprintf on the success path: digits are
 * written by hand into one small arena allocation per rendered value.
 *
 * Integers: the binary form has no sign. A column whose table map says
 * UNSIGNED (optional metadata) gives n.u and is_unsigned; without that
 * metadata (is_unsigned -1) the value is read as signed and is_unsigned is
 * false, and the applier must reinterpret it from the target schema. */
#include <inttypes.h>
#include <string.h>

#include "binlog/binlog_int.h"

/* Longest temporal text the bit fields allow, with its NUL: DATETIME2
 * "10082-12-31 31:63:63.999999" (28 bytes); DATE "32767-15-31" and TIME2
 * "-1023:63:63.999999" are shorter. */
#define TEMPORAL_TEXT_MAX 32

#define DEC_MAX_PRECISION 65
#define DEC_MAX_SCALE	  30
#define DEC_DIGITS	  9 /* digits per 4-byte group */
/* The binary form of a legal (precision, scale) takes at most 30 bytes
 * (DECIMAL(65,30)); it is copied to undo the sign encoding. */
#define DEC_BIN_MAX 32

static const uint32_t pow10_tab[10] = {
    1, 10, 100, 1000, 10000, 100000, 1000000, 10000000, 100000000, 1000000000,
};

static int truncated(struct ms_err *err, const char *what, uint64_t need,
		     size_t left)
{
	return MS_ERR(err, MS_ECORRUPT,
		      "truncated %s value: needs %" PRIu64 " bytes, %zu left",
		      what, need, left);
}

static int no_room(struct ms_err *err, size_t n)
{
	return MS_ERR(err, MS_ETOOLARGE,
		      "arena full: no room for %zu bytes of value text", n);
}

/* Writes <x> in decimal, zero-padded to at least <width> digits (<= 20);
 * returns the end. */
static char *put_uint(char *s, uint64_t x, unsigned int width)
{
	char tmp[20];
	unsigned int n = 0;

	do {
		tmp[n++] = (char)('0' + x % 10);
		x /= 10;
	} while (x);
	while (n < width)
		tmp[n++] = '0';
	while (n)
		*s++ = tmp[--n];
	return s;
}

/* NUL-terminates the text [<start>, <end>) and makes it <v>'s value. */
static void set_text(struct ms_bl_value *v, uint8_t kind, char *start,
		     char *end)
{
	*end = '\0';
	v->kind = kind;
	v->p = (const uint8_t *)start;
	v->len = (size_t)(end - start);
}

static void set_bytes(struct ms_bl_value *v, uint8_t kind, const uint8_t *p,
		      size_t len, uint16_t charset)
{
	v->kind = kind;
	v->p = p;
	v->len = len;
	v->charset = charset;
}

/* ---- integers and floating point --------------------------------------- */

static int dec_int(const struct ms_bl_column *c, struct bl_cur *cur,
		   unsigned int n, const char *what, struct ms_bl_value *v,
		   struct ms_err *err)
{
	uint64_t u;

	if (!bl_uN(cur, n, &u))
		return truncated(err, what, n, bl_left(cur));
	v->kind = MS_BL_V_INT;
	if (c->is_unsigned == 1) {
		v->is_unsigned = true;
		v->n.u = u;
		return 0;
	}
	/* sign-extend from the top bit of the n-byte field */
	if (n < 8 && (u >> (8 * n - 1)) & 1)
		u |= ~(uint64_t)0 << (8 * n);
	v->n.u = u;
	return 0;
}

static int dec_year(struct bl_cur *cur, struct ms_bl_value *v,
		    struct ms_err *err)
{
	uint8_t b;

	if (!bl_u8(cur, &b))
		return truncated(err, "YEAR", 1, 0);
	v->kind = MS_BL_V_YEAR;
	/* stored as year - 1900, with 0 kept for the zero year */
	v->n.i = b ? 1900 + b : 0;
	return 0;
}

static int dec_float(struct bl_cur *cur, struct ms_bl_value *v,
		     struct ms_err *err)
{
	uint32_t bits;

	if (!bl_u32(cur, &bits))
		return truncated(err, "FLOAT", 4, bl_left(cur));
	v->kind = MS_BL_V_FLOAT;
	memcpy(&v->n.f, &bits, sizeof(v->n.f));
	return 0;
}

static int dec_double(struct bl_cur *cur, struct ms_bl_value *v,
		      struct ms_err *err)
{
	uint64_t bits;

	if (!bl_u64(cur, &bits))
		return truncated(err, "DOUBLE", 8, bl_left(cur));
	v->kind = MS_BL_V_DOUBLE;
	memcpy(&v->n.d, &bits, sizeof(v->n.d));
	return 0;
}

/* ---- NEWDECIMAL -------------------------------------------------------- */

/* Bytes holding a group of 0..9 leftover digits. */
static const uint8_t dig2bytes[10] = {0, 1, 1, 2, 2, 3, 3, 4, 4, 4};

static size_t dec_bin_size(unsigned int intg, unsigned int scale)
{
	return intg / DEC_DIGITS * 4 + dig2bytes[intg % DEC_DIGITS] +
	       scale / DEC_DIGITS * 4 + dig2bytes[scale % DEC_DIGITS];
}

/* Reads the next group of <ndig> digits (big-endian, sign already undone)
 * and refuses one with more digits than it may hold. */
static int dec_group(const uint8_t **p, unsigned int ndig, uint32_t *x,
		     struct ms_err *err)
{
	unsigned int nb = dig2bytes[ndig];

	*x = (uint32_t)bl_beN(*p, nb);
	*p += nb;
	if (*x >= pow10_tab[ndig])
		return MS_ERR(err, MS_ECORRUPT,
			      "bad DECIMAL digit group %" PRIu32
			      " (more than %u digits)",
			      *x, ndig);
	return 0;
}

/* Writes the integer part of the groups at <*p> without leading zeros
 * ("0" when it is zero); <*nonzero> says whether it was. */
static int dec_intpart(const uint8_t **p, unsigned int intg, char **s,
		       bool *nonzero, struct ms_err *err)
{
	unsigned int lead = intg % DEC_DIGITS, i;
	uint32_t x;
	int rc;

	*nonzero = false;
	for (i = 0; i < intg / DEC_DIGITS + (lead != 0); i++) {
		rc = dec_group(p, i == 0 && lead ? lead : DEC_DIGITS, &x, err);
		if (rc)
			return rc;
		if (*nonzero)
			*s = put_uint(*s, x, DEC_DIGITS);
		else if (x)
			*s = put_uint(*s, x, 1);
		*nonzero = *nonzero || x;
	}
	if (!*nonzero)
		*(*s)++ = '0';
	return 0;
}

/* Writes ".ddd" with exactly <scale> digits (nothing when 0). */
static int dec_fracpart(const uint8_t **p, unsigned int scale, char **s,
			struct ms_err *err)
{
	unsigned int left = scale, ndig;
	uint32_t x;
	int rc;

	if (!scale)
		return 0;
	*(*s)++ = '.';
	for (; left; left -= ndig) {
		ndig = left < DEC_DIGITS ? left : DEC_DIGITS;
		rc = dec_group(p, ndig, &x, err);
		if (rc)
			return rc;
		*s = put_uint(*s, x, ndig);
	}
	return 0;
}

static int dec_check(unsigned int precision, unsigned int scale,
		     struct ms_err *err)
{
	if (precision < 1 || precision > DEC_MAX_PRECISION)
		return MS_ERR(err, MS_ECORRUPT, "bad DECIMAL precision %u",
			      precision);
	if (scale > DEC_MAX_SCALE || scale > precision)
		return MS_ERR(err, MS_ECORRUPT,
			      "bad DECIMAL scale %u for precision %u", scale,
			      precision);
	return 0;
}

/* MySQL's binary decimal: groups of 9 digits in 4 big-endian bytes, the
 * leftover digits of the integer part first and of the fraction last in
 * dig2bytes[] bytes; the top bit of the first byte is set for a positive
 * number, and a negative one has every byte inverted. */
int bl_decimal_text(const uint8_t *p, size_t avail, unsigned int precision,
		    unsigned int scale, struct ms_arena *a, const char **text,
		    size_t *textlen, size_t *used, struct ms_err *err)
{
	uint8_t bin[DEC_BIN_MAX];
	const uint8_t *q = bin;
	size_t size, i;
	bool neg, nonzero;
	char *buf, *s, *start;
	int rc;

	rc = dec_check(precision, scale, err);
	if (rc)
		return rc;
	size = dec_bin_size(precision - scale, scale);
	if (avail < size)
		return truncated(err, "DECIMAL", size, avail);
	neg = !(p[0] & 0x80);
	for (i = 0; i < size; i++)
		bin[i] = neg ? (uint8_t)~p[i] : p[i];
	bin[0] ^= 0x80;
	/* sign, digits, a "0" before the point when intg is 0, '.', NUL */
	buf = ms_arena_alloc(a, precision + 4);
	if (!buf)
		return no_room(err, precision + 4);
	s = buf + 1;
	rc = dec_intpart(&q, precision - scale, &s, &nonzero, err);
	if (!rc)
		rc = dec_fracpart(&q, scale, &s, err);
	if (rc)
		return rc;
	*s = '\0';
	start = buf + 1;
	/* MySQL drops the sign of a negative zero only when it has no
	 * fraction digits: "-0.00" but "0" (bin2decimal, decimal2string). */
	if (neg && (nonzero || scale))
		*--start = '-';
	*text = start;
	*textlen = (size_t)(s - start);
	*used = size;
	return 0;
}

static int dec_decimal(const struct ms_bl_column *c, struct bl_cur *cur,
		       struct ms_arena *a, struct ms_bl_value *v,
		       struct ms_err *err)
{
	const char *text;
	size_t len, used;
	int rc;

	rc = bl_decimal_text(cur->p, bl_left(cur), c->meta >> 8, c->meta & 0xff,
			     a, &text, &len, &used, err);
	if (rc)
		return rc;
	cur->p += used;
	v->kind = MS_BL_V_DECIMAL;
	v->p = (const uint8_t *)text;
	v->len = len;
	return 0;
}

/* ---- temporal ---------------------------------------------------------- */

char *bl_temporal_str(char *s, const struct bl_tparts *t, unsigned int parts,
		      unsigned int fsp)
{
	if (parts & BL_TP_DATE) {
		s = put_uint(s, t->year, 4);
		*s++ = '-';
		s = put_uint(s, t->month, 2);
		*s++ = '-';
		s = put_uint(s, t->day, 2);
		if (parts & BL_TP_TIME)
			*s++ = ' ';
	}
	if (parts & BL_TP_TIME) {
		if (t->neg)
			*s++ = '-';
		s = put_uint(s, t->hour, 2);
		*s++ = ':';
		s = put_uint(s, t->min, 2);
		*s++ = ':';
		s = put_uint(s, t->sec, 2);
		if (fsp) {
			*s++ = '.';
			s = put_uint(s, t->usec / pow10_tab[6 - fsp], fsp);
		}
	}
	return s;
}

/* Makes the text of <t> <v>'s value, in the arena. */
static int put_temporal(struct ms_bl_value *v, struct ms_arena *a, uint8_t kind,
			const struct bl_tparts *t, unsigned int parts,
			unsigned int fsp, struct ms_err *err)
{
	char *buf = ms_arena_alloc(a, TEMPORAL_TEXT_MAX);

	if (!buf)
		return no_room(err, TEMPORAL_TEXT_MAX);
	set_text(v, kind, buf, bl_temporal_str(buf, t, parts, fsp));
	return 0;
}

/* Takes the <base> bytes of a TIME2/DATETIME2/TIMESTAMP2 integer part and
 * the (fsp + 1) / 2 bytes of its fraction. */
static int take_fsp(const struct ms_bl_column *c, struct bl_cur *cur,
		    size_t base, const char *what, const uint8_t **p,
		    struct ms_err *err)
{
	size_t n = base + (c->meta + 1) / 2;

	if (c->meta > 6)
		return MS_ERR(err, MS_ECORRUPT, "bad %s fsp %u", what,
			      (unsigned int)c->meta);
	if (!bl_take(cur, n, p))
		return truncated(err, what, n, bl_left(cur));
	return 0;
}

/* The fraction after a DATETIME2/TIMESTAMP2 integer part: (fsp + 1) / 2
 * big-endian bytes counting 1/100, 1/10000 or 1/1000000 seconds. */
static int frac_usec(const uint8_t *p, unsigned int fsp, const char *what,
		     uint32_t *usec, struct ms_err *err)
{
	static const uint32_t unit[4] = {0, 10000, 100, 1};
	unsigned int nb = (fsp + 1) / 2;

	*usec = nb ? (uint32_t)bl_beN(p, nb) * unit[nb] : 0;
	if (*usec >= 1000000)
		return MS_ERR(err, MS_ECORRUPT, "bad %s fraction %" PRIu32,
			      what, *usec);
	return 0;
}

/* Days since 1970-01-01 to a proleptic Gregorian date (the civil-from-days
 * method: count in 400-year eras that start on March 1st). */
static void civil_date(int64_t days, struct bl_tparts *t)
{
	int64_t z = days + 719468, era = z / 146097;
	uint32_t doe = (uint32_t)(z - era * 146097);
	uint32_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	uint32_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	uint32_t mp = (5 * doy + 2) / 153;

	t->day = doy - (153 * mp + 2) / 5 + 1;
	t->month = mp < 10 ? mp + 3 : mp - 9;
	t->year = (uint32_t)(yoe + era * 400 + (t->month <= 2));
}

/* TIMESTAMP text is UTC. MySQL stores the zero timestamp
 * ("0000-00-00 00:00:00") as 0 seconds, which is below the type's range
 * (1970-01-01 00:00:01 UTC), so 0.0 renders as the zero timestamp. */
static int put_timestamp(struct ms_bl_value *v, struct ms_arena *a,
			 uint32_t sec, uint32_t usec, unsigned int fsp,
			 struct ms_err *err)
{
	struct bl_tparts t = {0};

	v->n.ts.sec = sec;
	v->n.ts.usec = usec;
	if (sec || usec) {
		civil_date(sec / 86400, &t);
		t.hour = sec % 86400 / 3600;
		t.min = sec % 3600 / 60;
		t.sec = sec % 60;
		t.usec = usec;
	}
	return put_temporal(v, a, MS_BL_V_TIMESTAMP, &t,
			    BL_TP_DATE | BL_TP_TIME, fsp, err);
}

static int dec_timestamp(struct bl_cur *cur, struct ms_arena *a,
			 struct ms_bl_value *v, struct ms_err *err)
{
	uint32_t sec;

	if (!bl_u32(cur, &sec))
		return truncated(err, "TIMESTAMP", 4, bl_left(cur));
	return put_timestamp(v, a, sec, 0, 0, err);
}

static int dec_timestamp2(const struct ms_bl_column *c, struct bl_cur *cur,
			  struct ms_arena *a, struct ms_bl_value *v,
			  struct ms_err *err)
{
	const uint8_t *p;
	uint32_t usec;
	int rc;

	rc = take_fsp(c, cur, 4, "TIMESTAMP2", &p, err);
	if (rc)
		return rc;
	rc = frac_usec(p + 4, c->meta, "TIMESTAMP2", &usec, err);
	if (rc)
		return rc;
	return put_timestamp(v, a, (uint32_t)bl_beN(p, 4), usec, c->meta, err);
}

/* DATE and NEWDATE: 3 little-endian bytes, day:5 month:4 year:15. */
static int dec_date(struct bl_cur *cur, struct ms_arena *a,
		    struct ms_bl_value *v, struct ms_err *err)
{
	struct bl_tparts t = {0};
	uint64_t x;

	if (!bl_uN(cur, 3, &x))
		return truncated(err, "DATE", 3, bl_left(cur));
	t.day = (uint32_t)(x & 31);
	t.month = (uint32_t)(x >> 5 & 15);
	t.year = (uint32_t)(x >> 9);
	return put_temporal(v, a, MS_BL_V_DATE, &t, BL_TP_DATE, 0, err);
}

/* Old TIME (before 5.6.4): 3 little-endian bytes, signed, [-]HHMMSS. */
static int dec_time(struct bl_cur *cur, struct ms_arena *a,
		    struct ms_bl_value *v, struct ms_err *err)
{
	struct bl_tparts t = {0};
	uint64_t x;
	uint32_t hms;

	if (!bl_uN(cur, 3, &x))
		return truncated(err, "TIME", 3, bl_left(cur));
	t.neg = x & 0x800000;
	hms = (uint32_t)(t.neg ? 0x1000000 - x : x);
	t.hour = hms / 10000;
	t.min = hms / 100 % 100;
	t.sec = hms % 100;
	return put_temporal(v, a, MS_BL_V_TIME, &t, BL_TP_TIME, 0, err);
}

/* Old DATETIME (before 5.6.4): 8 little-endian bytes, YYYYMMDDHHMMSS. */
static int dec_datetime(struct bl_cur *cur, struct ms_arena *a,
			struct ms_bl_value *v, struct ms_err *err)
{
	struct bl_tparts t = {0};
	uint64_t x, ymd;
	uint32_t hms;

	if (!bl_u64(cur, &x))
		return truncated(err, "DATETIME", 8, bl_left(cur));
	if (x > UINT64_C(99991231235959))
		return MS_ERR(err, MS_ECORRUPT, "bad DATETIME value %" PRIu64,
			      x);
	ymd = x / 1000000;
	hms = (uint32_t)(x % 1000000);
	t.year = (uint32_t)(ymd / 10000);
	t.month = (uint32_t)(ymd / 100 % 100);
	t.day = (uint32_t)(ymd % 100);
	t.hour = hms / 10000;
	t.min = hms / 100 % 100;
	t.sec = hms % 100;
	return put_temporal(v, a, MS_BL_V_DATETIME, &t, BL_TP_DATE | BL_TP_TIME,
			    0, err);
}

/* DATETIME2: 5 big-endian bytes offset by 2^39 holding year*13+month:17
 * day:5 hour:5 minute:6 second:6, then the fraction. A clear top bit
 * would be a negative datetime, which MySQL never writes. */
static int dec_datetime2(const struct ms_bl_column *c, struct bl_cur *cur,
			 struct ms_arena *a, struct ms_bl_value *v,
			 struct ms_err *err)
{
	struct bl_tparts t = {0};
	const uint8_t *p;
	uint64_t x, ym;
	int rc;

	rc = take_fsp(c, cur, 5, "DATETIME2", &p, err);
	if (rc)
		return rc;
	x = bl_beN(p, 5);
	if (!(x & UINT64_C(0x8000000000)))
		return MS_ERR(err, MS_ECORRUPT,
			      "bad DATETIME2 value: negative datetime");
	x -= UINT64_C(0x8000000000);
	rc = frac_usec(p + 5, c->meta, "DATETIME2", &t.usec, err);
	if (rc)
		return rc;
	ym = x >> 22;
	t.year = (uint32_t)(ym / 13);
	t.month = (uint32_t)(ym % 13);
	t.day = (uint32_t)(x >> 17 & 31);
	t.hour = (uint32_t)(x >> 12 & 31);
	t.min = (uint32_t)(x >> 6 & 63);
	t.sec = (uint32_t)(x & 63);
	return put_temporal(v, a, MS_BL_V_DATETIME, &t, BL_TP_DATE | BL_TP_TIME,
			    c->meta, err);
}

/* TIME2 as MySQL's packed time: (hour:10 minute:6 second:6) << 24 plus
 * microseconds, negated as a whole for a negative time. The binary form
 * stores the integer part offset by 2^23 and, for fsp 1-4, the fraction as
 * a separate unsigned field; a negative time with a fraction keeps the
 * integer part one lower and the fraction as its complement, which is
 * undone here (my_time_packed_from_binary). */
static int64_t time2_packed(const uint8_t *p, unsigned int fsp)
{
	int64_t ip = (int64_t)bl_beN(p, 3) - 0x800000, frac;

	switch ((fsp + 1) / 2) {
	case 1:
		frac = p[3];
		if (ip < 0 && frac) {
			ip++;
			frac -= 0x100;
		}
		return ip * 0x1000000 + frac * 10000;
	case 2:
		frac = (int64_t)bl_beN(p + 3, 2);
		if (ip < 0 && frac) {
			ip++;
			frac -= 0x10000;
		}
		return ip * 0x1000000 + frac * 100;
	case 3:
		return (int64_t)bl_beN(p, 6) - INT64_C(0x800000000000);
	default:
		return ip * 0x1000000;
	}
}

static int dec_time2(const struct ms_bl_column *c, struct bl_cur *cur,
		     struct ms_arena *a, struct ms_bl_value *v,
		     struct ms_err *err)
{
	struct bl_tparts t = {0};
	const uint8_t *p;
	int64_t packed;
	uint64_t hms;
	int rc;

	rc = take_fsp(c, cur, 3, "TIME2", &p, err);
	if (rc)
		return rc;
	packed = time2_packed(p, c->meta);
	t.neg = packed < 0;
	if (t.neg)
		packed = -packed;
	t.usec = (uint32_t)(packed & 0xffffff);
	if (t.usec >= 1000000)
		return MS_ERR(err, MS_ECORRUPT, "bad TIME2 fraction %" PRIu32,
			      t.usec);
	hms = (uint64_t)packed >> 24;
	t.hour = (uint32_t)(hms >> 12 & 1023);
	t.min = (uint32_t)(hms >> 6 & 63);
	t.sec = (uint32_t)(hms & 63);
	return put_temporal(v, a, MS_BL_V_TIME, &t, BL_TP_TIME, c->meta, err);
}

/* ---- strings and byte values ------------------------------------------- */

/* <lb> (1..4) little-endian length bytes, then that many bytes. */
static int take_prefixed(struct bl_cur *cur, unsigned int lb, const char *what,
			 const uint8_t **data, size_t *len, struct ms_err *err)
{
	uint64_t n;

	if (lb < 1 || lb > 4)
		return MS_ERR(err, MS_ECORRUPT, "bad %s length size %u", what,
			      lb);
	if (!bl_uN(cur, lb, &n))
		return truncated(err, what, lb, bl_left(cur));
	if (!bl_take(cur, (size_t)n, data))
		return truncated(err, what, lb + n, lb + bl_left(cur));
	*len = (size_t)n;
	return 0;
}

static int dec_prefixed(const struct ms_bl_column *c, struct bl_cur *cur,
			unsigned int lb, uint8_t kind, const char *what,
			struct ms_bl_value *v, struct ms_err *err)
{
	const uint8_t *data;
	size_t len;
	int rc;

	rc = take_prefixed(cur, lb, what, &data, &len, err);
	if (rc)
		return rc;
	set_bytes(v, kind, data, len, c->charset);
	return 0;
}

/* CHAR/BINARY: the table map folds bits 8-9 of the maximum byte length,
 * inverted, into bits 4-5 of the real-type byte (a real type always has
 * both set), so CHAR columns longer than 255 bytes (utf8mb4 CHAR(64) and
 * up) are told apart and use a 2-byte length. */
static int dec_char(const struct ms_bl_column *c, struct bl_cur *cur,
		    struct ms_bl_value *v, struct ms_err *err)
{
	unsigned int hi = c->meta >> 8, maxlen = c->meta & 0xff;

	if ((hi & 0x30) != 0x30)
		maxlen |= ((hi & 0x30) ^ 0x30) << 4;
	return dec_prefixed(c, cur, maxlen > 255 ? 2 : 1, MS_BL_V_STRING,
			    "STRING", v, err);
}

/* ENUM: the 1-based index in 1 or 2 bytes (0 is the '' error value). */
static int dec_enum(const struct ms_bl_column *c, struct bl_cur *cur,
		    struct ms_arena *a, struct ms_bl_value *v,
		    struct ms_err *err)
{
	unsigned int n = c->meta & 0xff;
	const struct ms_bl_bytes *name;
	uint64_t idx;
	char *s;

	if (n != 1 && n != 2)
		return MS_ERR(err, MS_ECORRUPT, "bad ENUM pack length %u", n);
	if (!bl_uN(cur, n, &idx))
		return truncated(err, "ENUM", n, bl_left(cur));
	v->kind = MS_BL_V_ENUM;
	v->n.u = idx;
	v->charset = c->charset;
	if (!c->nstrings || !c->strings)
		return 0;
	if (idx > c->nstrings)
		return MS_ERR(err, MS_ECORRUPT,
			      "ENUM index %" PRIu64 " out of range (%" PRIu32
			      " values)",
			      idx, c->nstrings);
	name = idx ? &c->strings[idx - 1] : NULL;
	s = ms_arena_strndup(a, name ? name->p : NULL, name ? name->len : 0);
	if (!s)
		return no_room(err, name ? name->len + 1 : 1);
	set_text(v, MS_BL_V_ENUM, s, s + (name ? name->len : 0));
	return 0;
}

/* "a,b": the names of the bits set in <bits>, in member order. */
static int set_names(const struct ms_bl_column *c, uint64_t bits,
		     struct ms_arena *a, struct ms_bl_value *v,
		     struct ms_err *err)
{
	size_t total = 0;
	unsigned int i;
	char *buf, *s;

	for (i = 0; i < c->nstrings && i < 64; i++)
		if (bits >> i & 1)
			total += c->strings[i].len + 1;
	buf = ms_arena_alloc(a, total + 1);
	if (!buf)
		return no_room(err, total + 1);
	s = buf;
	for (i = 0; i < c->nstrings && i < 64; i++) {
		if (!(bits >> i & 1))
			continue;
		if (s != buf)
			*s++ = ',';
		if (c->strings[i].len)
			memcpy(s, c->strings[i].p, c->strings[i].len);
		s += c->strings[i].len;
	}
	set_text(v, MS_BL_V_SET, buf, s);
	return 0;
}

/* SET: a little-endian bitmask of 1..8 bytes, bit i = member i + 1. */
static int dec_set(const struct ms_bl_column *c, struct bl_cur *cur,
		   struct ms_arena *a, struct ms_bl_value *v,
		   struct ms_err *err)
{
	unsigned int n = c->meta & 0xff;
	uint64_t bits;

	if (n < 1 || n > 8)
		return MS_ERR(err, MS_ECORRUPT, "bad SET pack length %u", n);
	if (!bl_uN(cur, n, &bits))
		return truncated(err, "SET", n, bl_left(cur));
	v->kind = MS_BL_V_SET;
	v->n.u = bits;
	v->charset = c->charset;
	if (!c->nstrings || !c->strings)
		return 0;
	if (c->nstrings < 64 && bits >> c->nstrings)
		return MS_ERR(err, MS_ECORRUPT,
			      "SET bitmask 0x%" PRIx64
			      " has bits beyond its %" PRIu32 " members",
			      bits, c->nstrings);
	return set_names(c, bits, a, v, err);
}

/* BIT(M): meta is (M % 8) << 8 | M / 8; the value is big-endian in
 * M / 8 bytes plus one for the leftover bits. */
static int dec_bit(const struct ms_bl_column *c, struct bl_cur *cur,
		   struct ms_bl_value *v, struct ms_err *err)
{
	unsigned int rem = c->meta >> 8, n = (c->meta & 0xff) + (rem != 0);
	const uint8_t *p;

	if (rem > 7 || n < 1 || n > 8)
		return MS_ERR(err, MS_ECORRUPT, "bad BIT metadata 0x%04x",
			      (unsigned int)c->meta);
	if (!bl_take(cur, n, &p))
		return truncated(err, "BIT", n, bl_left(cur));
	set_bytes(v, MS_BL_V_BIT, p, n, c->charset);
	v->n.u = bl_beN(p, n);
	return 0;
}

/* GEOMETRY: a blob holding a 4-byte little-endian SRID and then WKB. MySQL
 * 5.x can store an empty value in a NOT NULL geometry column; that one is
 * kept as 0 bytes with SRID 0. */
static int dec_geometry(const struct ms_bl_column *c, struct bl_cur *cur,
			struct ms_bl_value *v, struct ms_err *err)
{
	const uint8_t *data;
	size_t len;
	int rc;

	rc = take_prefixed(cur, c->meta, "GEOMETRY", &data, &len, err);
	if (rc)
		return rc;
	if (len && len < 4)
		return MS_ERR(err, MS_ECORRUPT,
			      "GEOMETRY value of %zu bytes has no 4-byte SRID",
			      len);
	set_bytes(v, MS_BL_V_GEOMETRY, len ? data + 4 : data, len ? len - 4 : 0,
		  c->charset);
	v->n.u = len ? bl_le32(data) : 0;
	return 0;
}

static int dec_json(const struct ms_bl_column *c, struct bl_cur *cur,
		    struct ms_arena *a, struct ms_bl_value *v,
		    struct ms_err *err)
{
	const uint8_t *data;
	const char *text;
	size_t len, tlen;
	int rc;

	rc = take_prefixed(cur, c->meta, "JSON", &data, &len, err);
	if (!rc)
		rc = bl_jsonb_text(data, len, a, &text, &tlen, err);
	if (rc)
		return rc;
	v->kind = MS_BL_V_JSON;
	v->p = (const uint8_t *)text;
	v->len = tlen;
	v->charset = c->charset;
	return 0;
}

/* VECTOR (MySQL 9): a blob of float32 little-endian dimensions. */
static int dec_vector(const struct ms_bl_column *c, struct bl_cur *cur,
		      struct ms_bl_value *v, struct ms_err *err)
{
	int rc =
	    dec_prefixed(c, cur, c->meta, MS_BL_V_VECTOR, "VECTOR", v, err);

	if (rc)
		return rc;
	if (v->len % 4)
		return MS_ERR(err, MS_ECORRUPT,
			      "VECTOR value of %zu bytes is not a whole "
			      "number of float32s",
			      v->len);
	return 0;
}

static int unsupported(unsigned int type, struct ms_err *err)
{
	const char *name = ms_bl_coltype_name(type);

	if (type == MS_BL_T_DECIMAL)
		return MS_ERR(
		    err, MS_EUNSUPPORTED,
		    "column type 0 (DECIMAL) cannot be decoded: "
		    "MySQL's pre-5.0 decimal format is not supported");
	return MS_ERR(err, MS_EUNSUPPORTED,
		      "column type %u (%s) cannot be decoded", type,
		      name ? name : "unknown");
}

static int dec_temporal(const struct ms_bl_column *c, struct bl_cur *cur,
			struct ms_arena *a, struct ms_bl_value *v,
			struct ms_err *err)
{
	switch (c->type) {
	case MS_BL_T_DATE:
	case MS_BL_T_NEWDATE:
		return dec_date(cur, a, v, err);
	case MS_BL_T_TIME:
		return dec_time(cur, a, v, err);
	case MS_BL_T_TIME2:
		return dec_time2(c, cur, a, v, err);
	case MS_BL_T_DATETIME:
		return dec_datetime(cur, a, v, err);
	case MS_BL_T_DATETIME2:
		return dec_datetime2(c, cur, a, v, err);
	case MS_BL_T_TIMESTAMP:
		return dec_timestamp(cur, a, v, err);
	case MS_BL_T_TIMESTAMP2:
		return dec_timestamp2(c, cur, a, v, err);
	default:
		return unsupported(c->type, err);
	}
}

static int dec_any(const struct ms_bl_column *c, struct bl_cur *cur,
		   struct ms_arena *a, struct ms_bl_value *v,
		   struct ms_err *err)
{
	switch (c->type) {
	case MS_BL_T_TINY:
		return dec_int(c, cur, 1, "TINY", v, err);
	case MS_BL_T_SHORT:
		return dec_int(c, cur, 2, "SHORT", v, err);
	case MS_BL_T_INT24:
		return dec_int(c, cur, 3, "INT24", v, err);
	case MS_BL_T_LONG:
		return dec_int(c, cur, 4, "LONG", v, err);
	case MS_BL_T_LONGLONG:
		return dec_int(c, cur, 8, "LONGLONG", v, err);
	case MS_BL_T_YEAR:
		return dec_year(cur, v, err);
	case MS_BL_T_FLOAT:
		return dec_float(cur, v, err);
	case MS_BL_T_DOUBLE:
		return dec_double(cur, v, err);
	case MS_BL_T_NEWDECIMAL:
		return dec_decimal(c, cur, a, v, err);
	case MS_BL_T_VARCHAR:
	case MS_BL_T_VAR_STRING:
		return dec_prefixed(c, cur, c->meta < 256 ? 1 : 2,
				    MS_BL_V_STRING, "VARCHAR", v, err);
	case MS_BL_T_STRING:
		return dec_char(c, cur, v, err);
	case MS_BL_T_ENUM:
		return dec_enum(c, cur, a, v, err);
	case MS_BL_T_SET:
		return dec_set(c, cur, a, v, err);
	case MS_BL_T_BIT:
		return dec_bit(c, cur, v, err);
	case MS_BL_T_TINY_BLOB:
	case MS_BL_T_MEDIUM_BLOB:
	case MS_BL_T_LONG_BLOB:
	case MS_BL_T_BLOB:
		return dec_prefixed(c, cur, c->meta, MS_BL_V_BLOB, "BLOB", v,
				    err);
	case MS_BL_T_GEOMETRY:
		return dec_geometry(c, cur, v, err);
	case MS_BL_T_JSON:
		return dec_json(c, cur, a, v, err);
	case MS_BL_T_VECTOR:
		return dec_vector(c, cur, v, err);
	default:
		return dec_temporal(c, cur, a, v, err);
	}
}

int bl_value_decode(const struct ms_bl_column *c, const uint8_t *p,
		    size_t avail, struct ms_arena *a, struct ms_bl_value *v,
		    size_t *used, struct ms_err *err)
{
	struct bl_cur cur;
	int rc;

	memset(v, 0, sizeof(*v));
	bl_cur_init(&cur, p, avail);
	rc = dec_any(c, &cur, a, v, err);
	if (rc)
		return rc;
	*used = (size_t)(cur.p - p);
	return 0;
}
