/* Statement digests: a COM_QUERY text with its literals replaced by '?',
 * for metrics and logs that must never show a value. See proto.h. */
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "db/lex.h"
#include "proto/proto_int.h"

/* Upper-cased in a digest; any other word is kept as written. Sorted. */
static const char *const keywords[] = {
    "ADD",
    "ALL",
    "ALTER",
    "ANALYZE",
    "AND",
    "AS",
    "ASC",
    "AUTOCOMMIT",
    "BEGIN",
    "BETWEEN",
    "BINARY",
    "BY",
    "CALL",
    "CASE",
    "CAST",
    "CHARSET",
    "COLLATE",
    "COLUMN",
    "COMMIT",
    "CONNECTION",
    "CONVERT",
    "COUNT",
    "CREATE",
    "CROSS",
    "DATABASE",
    "DEALLOCATE",
    "DEFAULT",
    "DELETE",
    "DESC",
    "DESCRIBE",
    "DISTINCT",
    "DIV",
    "DO",
    "DROP",
    "DUPLICATE",
    "ELSE",
    "END",
    "ESCAPE",
    "EXCEPT",
    "EXECUTE",
    "EXISTS",
    "EXPLAIN",
    "FALSE",
    "FLUSH",
    "FOR",
    "FORCE",
    "FROM",
    "FULL",
    "GLOBAL",
    "GRANT",
    "GROUP",
    "HAVING",
    "IF",
    "IGNORE",
    "IN",
    "INDEX",
    "INNER",
    "INSERT",
    "INTERSECT",
    "INTERVAL",
    "INTO",
    "IS",
    "ISOLATION",
    "JOIN",
    "KEY",
    "KILL",
    "LEFT",
    "LEVEL",
    "LIKE",
    "LIMIT",
    "LOCK",
    "MOD",
    "MODE",
    "NAMES",
    "NATURAL",
    "NOT",
    "NULL",
    "OFFSET",
    "ON",
    "OR",
    "ORDER",
    "OUTER",
    "OVER",
    "PARTITION",
    "PREPARE",
    "PRIMARY",
    "QUERY",
    "READ",
    "REGEXP",
    "RELEASE",
    "RENAME",
    "REPEATABLE",
    "REPLACE",
    "RETURNING",
    "REVOKE",
    "RIGHT",
    "RLIKE",
    "ROLLBACK",
    "ROW",
    "ROWS",
    "SAVEPOINT",
    "SELECT",
    "SESSION",
    "SET",
    "SHARE",
    "SHOW",
    "START",
    "STATUS",
    "STRAIGHT_JOIN",
    "TABLE",
    "TABLES",
    "TEMPORARY",
    "THEN",
    "TO",
    "TRANSACTION",
    "TRUE",
    "TRUNCATE",
    "UNION",
    "UNIQUE",
    "UNLOCK",
    "UPDATE",
    "USE",
    "USING",
    "VALUE",
    "VALUES",
    "VARIABLES",
    "VIEW",
    "WHEN",
    "WHERE",
    "WINDOW",
    "WITH",
    "WORK",
    "WRITE",
    "XA",
    "XOR",
};

struct dg {
	const char *s;
	size_t n;
	struct ms_buf *out;
	size_t room;	       /* bytes the digest may still take */
	size_t last;	       /* end of the previous token in the text */
	enum ms_lex_kind prev; /* kind of the previous token */
	bool started, full;
	int rc;
};

static int kw_cmp(const void *a, const void *b)
{
	return strcasecmp(a, *(const char *const *)b);
}

static bool is_keyword(const char *s, const struct ms_lex_tok *t)
{
	char w[32];
	size_t len = t->end - t->start;

	if (len >= sizeof(w))
		return false;
	memcpy(w, s + t->start, len);
	w[len] = '\0';
	return bsearch(w, keywords, sizeof(keywords) / sizeof(keywords[0]),
		       sizeof(keywords[0]), kw_cmp) != NULL;
}

/* Appends <k> bytes, cut to the room left (never inside a UTF-8
 * sequence); after a cut nothing more is written. */
static void dg_put(struct dg *d, const char *p, size_t k)
{
	if (d->full || d->rc)
		return;
	if (k > d->room) {
		k = d->room;
		while (k > 0 && ((unsigned char)p[k] & 0xc0) == 0x80)
			k--;
		d->full = true;
	}
	d->rc = ms_buf_add(d->out, p, k);
	d->room -= k;
}

/* Starts a token at <start>: one space when white space or a comment
 * separated it from the previous token. */
static void dg_gap(struct dg *d, size_t start)
{
	if (d->started && start > d->last)
		dg_put(d, " ", 1);
	d->started = true;
}

static bool all_digits(const char *p, size_t k)
{
	size_t i;

	if (k == 0)
		return false;
	for (i = 0; i < k; i++)
		if (p[i] < '0' || p[i] > '9')
			return false;
	return true;
}

static bool hex_digits(const char *p, size_t k)
{
	size_t i;

	for (i = 0; i < k; i++)
		if (!strchr("0123456789abcdefABCDEF", p[i]) || !p[i])
			return false;
	return k > 0;
}

/* 0: not a number; 1: a whole number word (123, 1e5, 0x1f, 0b101); 2: a
 * mantissa waiting for a signed exponent (1e in 1e-5). */
static int number_word(const char *s, const struct ms_lex_tok *t)
{
	const char *p = s + t->start;
	size_t k = t->end - t->start, i = 0;

	if (k > 2 && p[0] == '0' && (p[1] == 'x' || p[1] == 'X'))
		return hex_digits(p + 2, k - 2);
	if (k > 2 && p[0] == '0' && (p[1] == 'b' || p[1] == 'B')) {
		for (i = 2; i < k; i++)
			if (p[i] != '0' && p[i] != '1')
				return 0;
		return 1;
	}
	while (i < k && p[i] >= '0' && p[i] <= '9')
		i++;
	if (i == 0)
		return 0;
	if (i == k)
		return 1;
	if (p[i] != 'e' && p[i] != 'E')
		return 0;
	if (i + 1 == k)
		return 2;
	return all_digits(p + i + 1, k - i - 1) ? 1 : 0;
}

/* The token right after <t> when it touches it, else END. */
static void adjacent(const struct dg *d, const struct ms_lex_tok *t,
		     struct ms_lex_tok *nx)
{
	size_t pos = t->end;

	if (ms_lex_next(d->s, d->n, &pos, nx) || nx->start != t->end)
		nx->kind = MS_LEX_END;
}

/* Consumes the rest of a number whose first word is <t> (fraction and
 * signed exponent); returns the end of the literal. */
static size_t number_end(const struct dg *d, struct ms_lex_tok t, int kind)
{
	struct ms_lex_tok nx, nx2;

	if (kind == 1 && all_digits(d->s + t.start, t.end - t.start)) {
		adjacent(d, &t, &nx);
		if (ms_lex_punct(d->s, &nx, '.')) {
			t = nx;
			adjacent(d, &t, &nx);
			kind =
			    nx.kind == MS_LEX_WORD ? number_word(d->s, &nx) : 0;
			if (kind)
				t = nx;
		}
	}
	if (kind == 2) {
		adjacent(d, &t, &nx);
		if (ms_lex_punct(d->s, &nx, '-') ||
		    ms_lex_punct(d->s, &nx, '+')) {
			adjacent(d, &nx, &nx2);
			if (nx2.kind == MS_LEX_WORD &&
			    all_digits(d->s + nx2.start, nx2.end - nx2.start))
				t = nx2;
		}
	}
	return t.end;
}

/* A keyword, upper case (keywords are short ASCII words). */
static void dg_upper(struct dg *d, const struct ms_lex_tok *t)
{
	char w[32];
	size_t i, len = t->end - t->start;

	for (i = 0; i < len; i++) {
		w[i] = d->s[t->start + i];
		if (w[i] >= 'a' && w[i] <= 'z')
			w[i] = (char)(w[i] - 'a' + 'A');
	}
	dg_put(d, w, len);
}

static void dg_token(struct dg *d, const struct ms_lex_tok *t, size_t *pos)
{
	struct ms_lex_tok nx;
	int num;

	dg_gap(d, t->start);
	if (t->kind == MS_LEX_STRING) {
		dg_put(d, "?", 1);
	} else if (t->kind == MS_LEX_WORD &&
		   (num = number_word(d->s, t)) != 0) {
		*pos = number_end(d, *t, num);
		dg_put(d, "?", 1);
	} else if (t->kind == MS_LEX_WORD && is_keyword(d->s, t)) {
		dg_upper(d, t);
	} else if (t->kind == MS_LEX_WORD) {
		adjacent(d, t, &nx);
		if (nx.kind == MS_LEX_STRING && t->end - t->start == 1 &&
		    strchr("xXbBnN", d->s[t->start])) {
			*pos = nx.end; /* X'0f', B'01', N'text' */
			dg_put(d, "?", 1);
		} else {
			dg_put(d, d->s + t->start, t->end - t->start);
		}
	} else if (t->kind == MS_LEX_PUNCT && ms_lex_punct(d->s, t, '.')) {
		adjacent(d, t, &nx);
		if (nx.kind == MS_LEX_WORD && all_digits(d->s + nx.start, 1) &&
		    !(t->start == d->last &&
		      (d->prev == MS_LEX_WORD || d->prev == MS_LEX_QIDENT))) {
			*pos = number_end(d, nx, number_word(d->s, &nx));
			dg_put(d, "?", 1);
		} else {
			dg_put(d, ".", 1);
		}
	} else {
		dg_put(d, d->s + t->start, t->end - t->start);
	}
}

int ms_proto_digest(const char *sql, size_t n, size_t max, struct ms_buf *out)
{
	struct dg d = {sql, n, out, max, 0, MS_LEX_END, false, false, 0};
	struct ms_lex_tok t;
	size_t pos = 0;

	while (!d.full && !d.rc) {
		if (ms_lex_next(sql, n, &pos, &t)) {
			/* an unterminated quote or comment: its content could
			 * hold a value, so it stays hidden */
			dg_gap(&d, d.last < n ? d.last + 1 : n);
			dg_put(&d, "?", 1);
			break;
		}
		if (t.kind == MS_LEX_END)
			break;
		dg_token(&d, &t, &pos);
		d.last = pos;
		d.prev = t.kind;
	}
	return d.rc;
}
