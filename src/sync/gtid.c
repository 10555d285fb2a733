/* GTID state in both flavours: see gtid.h and docs/sync.md.
 *
 * MariaDB: one (domain, server_id, seq) per domain, kept sorted by domain.
 * MySQL: one entry per (uuid, tag) pair ("tsid"), kept sorted by uuid bytes
 * then tag ("" first), each holding sorted, disjoint, non-adjacent
 * half-open intervals [start, end) of GTID numbers 1..2^63-2. Parsing
 * builds a fresh state and swaps it in, so a malformed text leaves the
 * state as it was. */
#include "sync/gtid.h"

#include <ctype.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#define GTID_TAG_MAX  32
#define GTID_GNO_MAX  (INT64_MAX - 1) /* the largest GTID number */
#define GTID_SHOW_MAX 64	      /* bytes of bad input quoted in errors */

struct gtid_maria {
	uint32_t domain, server_id;
	uint64_t seq;
};

struct gtid_ival {
	int64_t start, end; /* [start, end) */
};

struct gtid_tsid {
	uint8_t uuid[16];
	char tag[GTID_TAG_MAX + 1]; /* "" when untagged; lower case */
	struct gtid_ival *iv;
	size_t n, alloc;
};

struct ms_gtid_state {
	enum ms_gtid_flavor flavor;
	struct gtid_maria *m;
	size_t nm, am;
	struct gtid_tsid *t;
	size_t nt, at;
};

struct ms_gtid_state *ms_gtid_new(enum ms_gtid_flavor f)
{
	struct ms_gtid_state *g = calloc(1, sizeof(*g));

	if (g)
		g->flavor = f;
	return g;
}

static void gtid_clear(struct ms_gtid_state *g)
{
	for (size_t i = 0; i < g->nt; i++)
		free(g->t[i].iv);
	free(g->t);
	free(g->m);
	g->t = NULL;
	g->m = NULL;
	g->nt = g->at = g->nm = g->am = 0;
}

void ms_gtid_free(struct ms_gtid_state *g)
{
	if (!g)
		return;
	gtid_clear(g);
	free(g);
}

enum ms_gtid_flavor ms_gtid_flavor(const struct ms_gtid_state *g)
{
	return g->flavor;
}

/* Grows <*arr> (elements of <size> bytes, <*alloc> allocated) to hold at
 * least <need>. Returns 0 or MS_ENOMEM. */
static int grow(void **arr, size_t *alloc, size_t need, size_t size)
{
	size_t n = *alloc ? *alloc : 4;
	void *p;

	if (need <= *alloc)
		return 0;
	while (n < need) {
		if (n > SIZE_MAX / 2 / size)
			return MS_ENOMEM;
		n *= 2;
	}
	p = realloc(*arr, n * size);
	if (!p)
		return MS_ENOMEM;
	*arr = p;
	*alloc = n;
	return 0;
}

/* ---- MariaDB ----------------------------------------------------------- */

/* Index of <domain>'s entry, or where it would go (*found false). */
static size_t maria_find(const struct ms_gtid_state *g, uint32_t domain,
			 bool *found)
{
	size_t lo = 0, hi = g->nm;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (g->m[mid].domain < domain)
			lo = mid + 1;
		else
			hi = mid;
	}
	*found = lo < g->nm && g->m[lo].domain == domain;
	return lo;
}

static int maria_set(struct ms_gtid_state *g, uint32_t domain,
		     uint32_t server_id, uint64_t seq, bool *dup)
{
	bool found;
	size_t i = maria_find(g, domain, &found);

	if (dup)
		*dup = found;
	if (!found) {
		if (grow((void **)&g->m, &g->am, g->nm + 1, sizeof(*g->m)))
			return MS_ENOMEM;
		memmove(&g->m[i + 1], &g->m[i], (g->nm - i) * sizeof(*g->m));
		g->nm++;
	}
	g->m[i].domain = domain;
	g->m[i].server_id = server_id;
	g->m[i].seq = seq;
	return 0;
}

int ms_gtid_add_mariadb(struct ms_gtid_state *g, uint32_t domain,
			uint32_t server_id, uint64_t seq)
{
	if (g->flavor == MS_GTID_NONE)
		g->flavor = MS_GTID_MARIADB;
	if (g->flavor != MS_GTID_MARIADB)
		return MS_EINVAL;
	return maria_set(g, domain, server_id, seq, NULL);
}

bool ms_gtid_contains_mariadb(const struct ms_gtid_state *g, uint32_t domain,
			      uint64_t seq)
{
	bool found;
	size_t i;

	if (g->flavor != MS_GTID_MARIADB)
		return false;
	i = maria_find(g, domain, &found);
	return found && seq <= g->m[i].seq;
}

/* ---- MySQL ------------------------------------------------------------- */

static int tsid_cmp(const uint8_t *uuid, const char *tag,
		    const struct gtid_tsid *t)
{
	int c = memcmp(uuid, t->uuid, 16);

	return c ? c : strcmp(tag, t->tag);
}

/* Index of the (uuid, tag) entry, or where it would go (*found false).
 * <tag> is lower case, "" for untagged. */
static size_t tsid_find(const struct ms_gtid_state *g, const uint8_t *uuid,
			const char *tag, bool *found)
{
	size_t lo = 0, hi = g->nt;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (tsid_cmp(uuid, tag, &g->t[mid]) > 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	*found = lo < g->nt && tsid_cmp(uuid, tag, &g->t[lo]) == 0;
	return lo;
}

static struct gtid_tsid *tsid_get(struct ms_gtid_state *g, const uint8_t *uuid,
				  const char *tag)
{
	bool found;
	size_t i = tsid_find(g, uuid, tag, &found);
	struct gtid_tsid *t;

	if (found)
		return &g->t[i];
	if (grow((void **)&g->t, &g->at, g->nt + 1, sizeof(*g->t)))
		return NULL;
	memmove(&g->t[i + 1], &g->t[i], (g->nt - i) * sizeof(*g->t));
	g->nt++;
	t = &g->t[i];
	memset(t, 0, sizeof(*t));
	memcpy(t->uuid, uuid, 16);
	memcpy(t->tag, tag, strlen(tag) + 1);
	return t;
}

/* First interval whose end is >= <start> (one that may touch or overlap
 * [start, ...)), or t->n. */
static size_t ival_lower(const struct gtid_tsid *t, int64_t start)
{
	size_t lo = 0, hi = t->n;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (t->iv[mid].end < start)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

/* Adds [start, end) to <t>, merging what overlaps or touches it. */
static int ival_add(struct gtid_tsid *t, int64_t start, int64_t end)
{
	size_t i, j;

	/* the usual case: the next GTID of the last interval */
	if (t->n && t->iv[t->n - 1].end == start) {
		t->iv[t->n - 1].end = end;
		return 0;
	}
	i = ival_lower(t, start);
	j = i;
	while (j < t->n && t->iv[j].start <= end)
		j++;
	if (j > i) { /* merge iv[i..j) into one */
		if (t->iv[i].start > start)
			t->iv[i].start = start;
		if (t->iv[j - 1].end > end)
			end = t->iv[j - 1].end;
		t->iv[i].end = end;
		memmove(&t->iv[i + 1], &t->iv[j], (t->n - j) * sizeof(*t->iv));
		t->n -= j - i - 1;
		return 0;
	}
	if (grow((void **)&t->iv, &t->alloc, t->n + 1, sizeof(*t->iv)))
		return MS_ENOMEM;
	memmove(&t->iv[i + 1], &t->iv[i], (t->n - i) * sizeof(*t->iv));
	t->iv[i].start = start;
	t->iv[i].end = end;
	t->n++;
	return 0;
}

static bool tag_char(char c, bool first)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' ||
	       (!first && c >= '0' && c <= '9');
}

/* Copies a valid tag of <n> bytes into <out> in lower case. */
static bool tag_norm(const char *s, size_t n, char *out)
{
	if (n < 1 || n > GTID_TAG_MAX)
		return false;
	for (size_t i = 0; i < n; i++) {
		if (!tag_char(s[i], i == 0))
			return false;
		out[i] = (char)tolower((unsigned char)s[i]);
	}
	out[n] = '\0';
	return true;
}

int ms_gtid_add_mysql(struct ms_gtid_state *g, const uint8_t uuid[16],
		      const char *tag, int64_t gno)
{
	char norm[GTID_TAG_MAX + 1] = "";
	struct gtid_tsid *t;

	if (g->flavor == MS_GTID_NONE)
		g->flavor = MS_GTID_MYSQL;
	if (g->flavor != MS_GTID_MYSQL || gno < 1 || gno > GTID_GNO_MAX)
		return MS_EINVAL;
	if (tag && *tag && !tag_norm(tag, strlen(tag), norm))
		return MS_EINVAL;
	t = tsid_get(g, uuid, norm);
	if (!t)
		return MS_ENOMEM;
	return ival_add(t, gno, gno + 1);
}

bool ms_gtid_contains_mysql(const struct ms_gtid_state *g,
			    const uint8_t uuid[16], const char *tag,
			    int64_t gno)
{
	char norm[GTID_TAG_MAX + 1] = "";
	const struct gtid_tsid *t;
	bool found;
	size_t i;

	if (g->flavor != MS_GTID_MYSQL || gno < 1 || gno > GTID_GNO_MAX)
		return false;
	if (tag && *tag && !tag_norm(tag, strlen(tag), norm))
		return false;
	i = tsid_find(g, uuid, norm, &found);
	if (!found)
		return false;
	t = &g->t[i];
	/* the first interval ending after gno holds it if it starts early */
	i = ival_lower(t, gno + 1);
	return i < t->n && t->iv[i].start <= gno && gno < t->iv[i].end;
}

/* ---- parsing ----------------------------------------------------------- */

static bool is_ws(char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

/* [s, e) with surrounding whitespace removed. */
static void trim(const char **s, const char **e)
{
	while (*s < *e && is_ws(**s))
		(*s)++;
	while (*e > *s && is_ws((*e)[-1]))
		(*e)--;
}

/* Parses the decimal number filling [s, e) exactly; false on anything
 * else or when it exceeds <max>. */
static bool parse_num(const char *s, const char *e, uint64_t max, uint64_t *out)
{
	uint64_t v = 0;

	if (s == e)
		return false;
	for (; s < e; s++) {
		unsigned int d;

		if (*s < '0' || *s > '9')
			return false;
		d = (unsigned int)(*s - '0');
		if (v > (max - d) / 10)
			return false;
		v = v * 10 + d;
	}
	*out = v;
	return true;
}

/* How much of [s, e) an error message quotes. */
static int show_len(const char *s, const char *e)
{
	return (int)(e - s > GTID_SHOW_MAX ? GTID_SHOW_MAX : e - s);
}

static const char *find_char(const char *s, const char *e, char c)
{
	const char *p = memchr(s, c, (size_t)(e - s));

	return p ? p : e;
}

/* One MariaDB entry "domain-server-seq" in [s, e). */
static int parse_maria_entry(struct ms_gtid_state *g, const char *s,
			     const char *e, struct ms_err *err)
{
	const char *d1 = find_char(s, e, '-'), *d2;
	uint64_t domain, server, seq;
	int len = show_len(s, e);
	bool dup;

	d2 = d1 < e ? find_char(d1 + 1, e, '-') : e;
	if (d1 == e || d2 == e)
		return MS_ERR(err, MS_EPARSE,
			      "GTID '%.*s': expected "
			      "domain-server_id-sequence",
			      len, s);
	if (!parse_num(s, d1, UINT32_MAX, &domain))
		return MS_ERR(err, MS_EPARSE, "GTID '%.*s': bad domain id", len,
			      s);
	if (!parse_num(d1 + 1, d2, UINT32_MAX, &server))
		return MS_ERR(err, MS_EPARSE, "GTID '%.*s': bad server id", len,
			      s);
	if (!parse_num(d2 + 1, e, UINT64_MAX, &seq))
		return MS_ERR(err, MS_EPARSE,
			      "GTID '%.*s': bad sequence number", len, s);
	if (maria_set(g, (uint32_t)domain, (uint32_t)server, seq, &dup))
		return MS_ERR(err, MS_ENOMEM, "GTID list: out of memory");
	if (dup)
		return MS_ERR(err, MS_EPARSE,
			      "GTID '%.*s': domain %" PRIu64
			      " appears twice in the list",
			      len, s, domain);
	return 0;
}

static int parse_uuid(const char *s, const char *e, uint8_t *out)
{
	size_t n = 0;

	if (e - s != 36)
		return -1;
	for (int i = 0; i < 36; i++) {
		char c = s[i];
		int v;

		if (i == 8 || i == 13 || i == 18 || i == 23) {
			if (c != '-')
				return -1;
			continue;
		}
		if (c >= '0' && c <= '9')
			v = c - '0';
		else if (c >= 'a' && c <= 'f')
			v = c - 'a' + 10;
		else if (c >= 'A' && c <= 'F')
			v = c - 'A' + 10;
		else
			return -1;
		if (n % 2 == 0)
			out[n / 2] = (uint8_t)(v << 4);
		else
			out[n / 2] |= (uint8_t)v;
		n++;
	}
	return 0;
}

/* One interval "a" or "a-b" in [s, e) into <t>. */
static int parse_interval(struct gtid_tsid *t, const char *s, const char *e,
			  const char *whole, int wlen, struct ms_err *err)
{
	const char *dash = find_char(s, e, '-');
	uint64_t a, b;
	int len = show_len(s, e);

	if (!parse_num(s, dash, GTID_GNO_MAX, &a) ||
	    (dash < e && !parse_num(dash + 1, e, GTID_GNO_MAX, &b)))
		return MS_ERR(err, MS_EPARSE,
			      "GTID set '%.*s': bad interval '%.*s'", wlen,
			      whole, len, s);
	if (dash == e)
		b = a;
	if (a < 1 || b < a)
		return MS_ERR(err, MS_EPARSE,
			      "GTID set '%.*s': bad interval '%.*s' (numbers "
			      "start at 1, the end is not below the start)",
			      wlen, whole, len, s);
	if (ival_add(t, (int64_t)a, (int64_t)b + 1))
		return MS_ERR(err, MS_ENOMEM, "GTID set: out of memory");
	return 0;
}

/* One "uuid:interval[:interval...][:tag:interval...]" in [s, e): the
 * intervals before any tag are untagged, the ones after a tag belong to
 * it. A UUID or tag must be followed by at least one interval. */
static int parse_uuid_set(struct ms_gtid_state *g, const char *s, const char *e,
			  struct ms_err *err)
{
	int wlen = show_len(s, e);
	const char *p = find_char(s, e, ':'), *q = s, *qe = p;
	struct gtid_tsid *t = NULL;
	bool pending = false; /* a tag waits for its first interval */
	bool any = false;     /* an interval was seen */
	uint8_t uuid[16];
	int rc;

	trim(&q, &qe);
	if (parse_uuid(q, qe, uuid))
		return MS_ERR(err, MS_EPARSE,
			      "GTID set '%.*s': bad UUID '%.*s'", wlen, s,
			      show_len(q, qe), q);
	while (p < e) {
		const char *a = p + 1, *b = find_char(a, e, ':');

		p = b;
		trim(&a, &b);
		if (a < b && tag_char(*a, true)) {
			char tag[GTID_TAG_MAX + 1];

			if (!tag_norm(a, (size_t)(b - a), tag))
				return MS_ERR(err, MS_EPARSE,
					      "GTID set '%.*s': bad tag '%.*s' "
					      "(a letter or '_', then "
					      "letters, digits or '_', at "
					      "most 32)",
					      wlen, s, show_len(a, b), a);
			if (pending)
				return MS_ERR(err, MS_EPARSE,
					      "GTID set '%.*s': tag '%.*s' "
					      "follows a tag without an "
					      "interval",
					      wlen, s, show_len(a, b), a);
			t = tsid_get(g, uuid, tag);
			if (!t)
				return MS_ERR(err, MS_ENOMEM,
					      "GTID set: out of memory");
			pending = true;
			continue;
		}
		if (!t && !(t = tsid_get(g, uuid, "")))
			return MS_ERR(err, MS_ENOMEM,
				      "GTID set: out of memory");
		rc = parse_interval(t, a, b, s, wlen, err);
		if (rc)
			return rc;
		pending = false;
		any = true;
	}
	if (pending || !any)
		return MS_ERR(err, MS_EPARSE,
			      "GTID set '%.*s': a UUID or tag without an "
			      "interval",
			      wlen, s);
	return 0;
}

/* Splits [s, e) at commas and runs <one> on each trimmed element. */
static int parse_list(struct ms_gtid_state *g, const char *s, const char *e,
		      int (*one)(struct ms_gtid_state *, const char *,
				 const char *, struct ms_err *),
		      struct ms_err *err)
{
	const char *start = s;

	for (;;) {
		const char *c = find_char(s, e, ','), *a = s, *b = c;
		int rc;

		trim(&a, &b);
		if (a == b)
			return MS_ERR(err, MS_EPARSE,
				      "GTID list: empty element at offset %zu",
				      (size_t)(a - start));
		rc = one(g, a, b, err);
		if (rc)
			return rc;
		if (c == e)
			return 0;
		s = c + 1;
	}
}

int ms_gtid_parse(struct ms_gtid_state *g, enum ms_gtid_flavor flavor,
		  const char *text, struct ms_err *err)
{
	struct ms_gtid_state fresh = {0};
	const char *s = text, *e = text + strlen(text);
	int rc;

	trim(&s, &e);
	if (flavor == MS_GTID_NONE)
		flavor = s == e			    ? g->flavor
			 : find_char(s, e, ':') < e ? MS_GTID_MYSQL
						    : MS_GTID_MARIADB;
	fresh.flavor = flavor;
	if (s < e) {
		if (flavor == MS_GTID_NONE)
			return MS_ERR(err, MS_EINVAL, "GTID: no flavour given");
		rc = parse_list(&fresh, s, e,
				flavor == MS_GTID_MYSQL ? parse_uuid_set
							: parse_maria_entry,
				err);
		if (rc) {
			gtid_clear(&fresh);
			return rc;
		}
	}
	gtid_clear(g);
	*g = fresh;
	return 0;
}

/* ---- formatting and encoding
 * ------------------------------------------- */

static int add_uuid(struct ms_buf *out, const uint8_t *u)
{
	static const char hex[] = "0123456789abcdef";
	char s[37];
	size_t n = 0;

	for (int i = 0; i < 16; i++) {
		if (i == 4 || i == 6 || i == 8 || i == 10)
			s[n++] = '-';
		s[n++] = hex[u[i] >> 4];
		s[n++] = hex[u[i] & 15];
	}
	s[n] = '\0';
	return ms_buf_add(out, s, n);
}

static int format_mysql(const struct ms_gtid_state *g, struct ms_buf *out)
{
	int rc = 0;

	for (size_t i = 0; i < g->nt && !rc; i++) {
		const struct gtid_tsid *t = &g->t[i];
		bool same = i > 0 && memcmp(g->t[i - 1].uuid, t->uuid, 16) == 0;

		if (t->n == 0)
			continue;
		if (!same) {
			if (i > 0)
				rc = ms_buf_addc(out, ',');
			if (!rc)
				rc = add_uuid(out, t->uuid);
		}
		if (!rc && t->tag[0])
			rc = ms_buf_addf(out, ":%s", t->tag);
		for (size_t k = 0; k < t->n && !rc; k++) {
			int64_t a = t->iv[k].start, b = t->iv[k].end - 1;

			rc = a == b ? ms_buf_addf(out, ":%" PRId64, a)
				    : ms_buf_addf(out, ":%" PRId64 "-%" PRId64,
						  a, b);
		}
	}
	return rc;
}

int ms_gtid_format(const struct ms_gtid_state *g, struct ms_buf *out)
{
	int rc = 0;

	if (g->flavor == MS_GTID_MYSQL)
		return format_mysql(g, out);
	for (size_t i = 0; i < g->nm && !rc; i++)
		rc = ms_buf_addf(out, "%s%" PRIu32 "-%" PRIu32 "-%" PRIu64,
				 i ? "," : "", g->m[i].domain,
				 g->m[i].server_id, g->m[i].seq);
	return rc;
}

static int add_le64(struct ms_buf *out, uint64_t v)
{
	uint8_t b[8];

	for (int i = 0; i < 8; i++)
		b[i] = (uint8_t)(v >> (8 * i));
	return ms_buf_add(out, b, 8);
}

int ms_gtid_encode_mysql(const struct ms_gtid_state *g, struct ms_buf *out,
			 struct ms_err *err)
{
	bool tagged = false;
	uint64_t n = 0;
	int rc;

	if (g->flavor == MS_GTID_MARIADB)
		return MS_ERR(err, MS_EINVAL,
			      "GTID: a MariaDB GTID list has no MySQL "
			      "encoding");
	for (size_t i = 0; i < g->nt; i++) {
		if (g->t[i].n)
			n++;
		if (g->t[i].n && g->t[i].tag[0])
			tagged = true;
	}
	/* 8.3+ tagged format: the format byte (1) at both ends of the
	 * count word, the count in between; untagged: the plain count.
	 */
	rc = add_le64(out, tagged ? (1ULL << 56) | (n << 8) | 1 : n);
	for (size_t i = 0; i < g->nt && !rc; i++) {
		const struct gtid_tsid *t = &g->t[i];
		size_t tl = strlen(t->tag);

		if (t->n == 0)
			continue;
		rc = ms_buf_add(out, t->uuid, 16);
		/* the tag: its length as a one-byte
		 * serialization-library integer (len << 1, 32 at most),
		 * then its bytes */
		if (!rc && tagged)
			rc = ms_buf_addc(out, (char)(tl << 1));
		if (!rc && tagged && tl)
			rc = ms_buf_add(out, t->tag, tl);
		if (!rc)
			rc = add_le64(out, t->n);
		for (size_t k = 0; k < t->n && !rc; k++) {
			rc = add_le64(out, (uint64_t)t->iv[k].start);
			if (!rc)
				rc = add_le64(out, (uint64_t)t->iv[k].end);
		}
	}
	if (rc)
		return MS_ERR(err, rc, "GTID: cannot encode the set: %s",
			      ms_strerror(rc));
	return 0;
}
