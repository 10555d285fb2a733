/* Statement classifier: the entry point, tokens and names, the statements
 * that are not table or schema DDL (stmt.h; DDL heads in stmt_ddl.c). */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "db/quote.h"
#include "sync/stmt_int.h"

size_t ms_stmt_text_len(const char *s, size_t len)
{
	while (len > 0 &&
	       (s[len - 1] == '\0' || s[len - 1] == ';' || s[len - 1] == ' ' ||
		s[len - 1] == '\t' || s[len - 1] == '\n' ||
		s[len - 1] == '\r' || s[len - 1] == '\f' || s[len - 1] == '\v'))
		len--;
	return len;
}

int stp_fail(struct stp *p, size_t at, const char *fmt, ...)
{
	char why[160], near[40];
	size_t i, k = 0;
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(why, sizeof(why), fmt, ap);
	va_end(ap);
	/* A short, printable excerpt of the text where it went wrong. */
	for (i = at; i < p->n && k + 1 < sizeof(near) - 3; i++) {
		unsigned char c = (unsigned char)p->s[i];

		near[k++] = c >= 0x20 && c < 0x7f && c != '"' ? (char)c : '.';
	}
	if (i < p->n) {
		memcpy(near + k, "...", 3);
		k += 3;
	}
	near[k] = '\0';
	return MS_ERR(p->err, MS_EPARSE,
		      "statement: %s (offset %zu, near \"%s\")", why, at, near);
}

int stp_next(struct stp *p, struct ms_lex_tok *t)
{
	size_t at = p->pos;

	if (ms_lex_next_depth(p->s, p->n, &p->pos, t, &p->depth))
		return stp_fail(p, at, "unterminated quote or comment");
	if (t->kind == MS_LEX_END && p->depth)
		return stp_fail(p, at, "unterminated executable comment");
	return 0;
}

void stp_peek(struct stp *p, struct ms_lex_tok *t)
{
	size_t pos = p->pos;

	p->peek_depth = p->depth;
	if (ms_lex_next_depth(p->s, p->n, &pos, t, &p->peek_depth)) {
		t->kind = MS_LEX_END;
		t->start = t->end = p->n;
	}
}

void stp_take(struct stp *p, const struct ms_lex_tok *t)
{
	p->pos = t->end;
	p->depth = p->peek_depth;
}

bool stp_accept(struct stp *p, const char *kw)
{
	struct ms_lex_tok t;

	stp_peek(p, &t);
	if (!ms_lex_is(p->s, &t, kw))
		return false;
	stp_take(p, &t);
	return true;
}

bool stp_accept_punct(struct stp *p, char c)
{
	struct ms_lex_tok t;

	stp_peek(p, &t);
	if (!ms_lex_punct(p->s, &t, c))
		return false;
	stp_take(p, &t);
	return true;
}

bool stp_accept_if(struct stp *p, bool not, int *rc)
{
	struct ms_lex_tok t;

	*rc = 0;
	stp_peek(p, &t);
	if (!ms_lex_is(p->s, &t, "IF"))
		return false;
	stp_take(p, &t);
	if ((not &&!stp_accept(p, "NOT")) || !stp_accept(p, "EXISTS"))
		*rc = stp_fail(p, t.start, "IF without %s",
			       not ? "NOT EXISTS" : "EXISTS");
	return *rc == 0;
}

int stp_skip_rest(struct stp *p)
{
	struct ms_lex_tok t;
	int rc;

	do {
		rc = stp_next(p, &t);
	} while (rc == 0 && t.kind != MS_LEX_END);
	return rc;
}

bool stp_skip_definer(struct stp *p)
{
	struct ms_lex_tok t;

	stp_peek(p, &t);
	if (!ms_lex_punct(p->s, &t, '='))
		return false;
	stp_take(p, &t);
	stp_peek(p, &t);
	if (t.kind == MS_LEX_END)
		return true;
	stp_take(p, &t); /* the user, or CURRENT_USER */
	stp_peek(p, &t);
	if (ms_lex_punct(p->s, &t, '(')) {
		stp_take(p, &t);
		stp_peek(p, &t);
		if (ms_lex_punct(p->s, &t, ')'))
			stp_take(p, &t);
		return true;
	}
	if (!ms_lex_punct(p->s, &t, '@'))
		return true;
	stp_take(p, &t);
	/* The host: a quoted name, or words and dots (127.0.0.1). */
	for (;;) {
		stp_peek(p, &t);
		if (t.kind == MS_LEX_END || ms_lex_punct(p->s, &t, '.'))
			return true;
		stp_take(p, &t);
		stp_peek(p, &t);
		if (!ms_lex_punct(p->s, &t, '.'))
			return true;
		stp_take(p, &t);
	}
}

/* Copies the name token <t> (unescaped) into the arena. */
static int name_part(struct stp *p, const struct ms_lex_tok *t, char **out)
{
	struct ms_buf b;
	int rc;

	ms_buf_init(&b, MS_IDENT_MAX_BYTES + 4);
	rc = ms_lex_name_ansi(p->s, t, &b);
	if (rc == MS_ETOOLARGE || (rc == 0 && b.len > MS_IDENT_MAX_BYTES))
		rc = stp_fail(p, t->start, "name longer than %d bytes",
			      MS_IDENT_MAX_BYTES);
	else if (rc == 0 && b.len == 0)
		rc = stp_fail(p, t->start, "empty name");
	else if (rc)
		rc = MS_ERR(p->err, rc, "statement: copying a name");
	if (rc == 0) {
		*out = ms_arena_strndup(p->a, b.ptr, b.len);
		if (!*out)
			rc = MS_ERR(p->err, MS_ETOOLARGE,
				    "statement: arena full (names)");
	}
	ms_buf_free(&b);
	return rc;
}

static struct ms_stmt_ref *new_ref(struct stp *p)
{
	struct ms_stmt *st = p->st;
	struct ms_stmt_ref *grown;

	if (st->nrefs == p->cap) {
		size_t cap = p->cap ? p->cap * 2 : 4;

		grown = ms_arena_calloc(p->a, cap, sizeof(*grown));
		if (!grown) {
			MS_ERR(p->err, MS_ETOOLARGE,
			       "statement: arena full after %zu names",
			       st->nrefs);
			return NULL;
		}
		if (st->nrefs)
			memcpy(grown, st->refs, st->nrefs * sizeof(*grown));
		st->refs = grown;
		p->cap = cap;
	}
	memset(&st->refs[st->nrefs], 0, sizeof(st->refs[0]));
	return &st->refs[st->nrefs++];
}

/* Where a one-part name goes: a table-like object in the default schema,
 * a schema (database statements), an object owned by the default schema
 * (routines: the ref keeps only the schema). */
enum name_mode { NAME_TABLE, NAME_SCHEMA, NAME_OWNER };

static int read_ref(struct stp *p, enum ms_stmt_role role, enum name_mode m,
		    const char *what)
{
	struct ms_lex_tok t, dot;
	struct ms_stmt_ref *r;
	char *first, *second = NULL;
	size_t start, end;
	int rc;

	rc = stp_next(p, &t);
	if (rc)
		return rc;
	if (!ms_lex_is_name(p->s, &t))
		return stp_fail(p, t.start, "%s missing", what);
	start = t.start;
	end = t.end;
	rc = name_part(p, &t, &first);
	stp_peek(p, &dot);
	if (rc == 0 && m != NAME_SCHEMA && ms_lex_punct(p->s, &dot, '.')) {
		stp_take(p, &dot);
		rc = stp_next(p, &t);
		if (rc == 0 && !ms_lex_is_name(p->s, &t))
			rc = stp_fail(p, t.start, "%s: name missing after '.'",
				      what);
		if (rc == 0)
			rc = name_part(p, &t, &second);
		end = t.end;
	}
	if (rc)
		return rc;
	r = new_ref(p);
	if (!r)
		return MS_ETOOLARGE;
	r->role = role;
	r->start = start;
	r->len = end - start;
	if (m == NAME_SCHEMA) {
		r->schema = first;
	} else if (second) {
		r->schema = first;
		r->table = m == NAME_OWNER ? NULL : second;
	} else {
		r->schema = p->defschema;
		r->table = m == NAME_OWNER ? NULL : first;
	}
	return 0;
}

int stp_ref(struct stp *p, enum ms_stmt_role role, const char *what)
{
	if (role == MS_STMT_REF_SCHEMA_ONLY)
		return read_ref(p, role, NAME_SCHEMA, what);
	return read_ref(p, role, NAME_TABLE, what);
}

int stp_owner_ref(struct stp *p, const char *what)
{
	return read_ref(p, MS_STMT_REF_SCHEMA_ONLY, NAME_OWNER, what);
}

int stp_ref_implicit(struct stp *p, size_t at)
{
	struct ms_stmt_ref *r = new_ref(p);

	if (!r)
		return MS_ETOOLARGE;
	r->role = MS_STMT_REF_SCHEMA_ONLY;
	r->schema = p->defschema;
	r->start = at;
	r->len = 0;
	return 0;
}

/* ---- statements that are not table or schema DDL ------------------- */

static int set_kind(struct stp *p, enum ms_stmt_kind k)
{
	p->st->kind = k;
	return 0;
}

/* INSERT/REPLACE/UPDATE/DELETE/LOAD: the first target table, best
 * effort (refs stay empty when the head is not the simple form). */
static void dml_target(struct stp *p, const struct ms_lex_tok *verb)
{
	static const char *const mods[] = {
	    "LOW_PRIORITY", "DELAYED",	  "HIGH_PRIORITY", "IGNORE",
	    "QUICK",	    "CONCURRENT", "LOCAL"};
	struct ms_err *keep = p->err, scratch;
	struct ms_lex_tok t;
	size_t i, guard;

	p->err = &scratch;
	if (ms_lex_is(p->s, verb, "LOAD")) {
		for (guard = 0; guard < 64; guard++) {
			if (stp_next(p, &t) || t.kind == MS_LEX_END)
				goto out;
			if (ms_lex_is(p->s, &t, "INTO") &&
			    stp_accept(p, "TABLE"))
				break;
		}
	} else {
		for (guard = 0; guard < 8; guard++) {
			for (i = 0; i < sizeof(mods) / sizeof(mods[0]); i++)
				if (stp_accept(p, mods[i]))
					break;
			if (i == sizeof(mods) / sizeof(mods[0]))
				break;
		}
		if (ms_lex_is(p->s, verb, "DELETE")) {
			if (!stp_accept(p, "FROM"))
				goto out;
		} else if (!ms_lex_is(p->s, verb, "UPDATE")) {
			(void)stp_accept(p, "INTO");
		}
	}
	if (stp_ref(p, MS_STMT_REF_TABLE, "table name"))
		p->st->nrefs = 0;
out:
	p->err = keep;
}

static int classify(struct stp *p, int depth);

/* SET ...: session settings, but SET PASSWORD and SET DEFAULT ROLE change
 * accounts, and MariaDB's SET STATEMENT ... FOR <statement> is the
 * statement. */
static int stp_set(struct stp *p, int depth)
{
	struct ms_lex_tok t;
	int paren = 0, rc;

	if (stp_accept(p, "PASSWORD") ||
	    (stp_accept(p, "DEFAULT") && stp_accept(p, "ROLE")))
		return set_kind(p, MS_STMT_OTHER_DDL);
	if (!stp_accept(p, "STATEMENT"))
		return set_kind(p, MS_STMT_IGNORABLE);
	if (depth > 0)
		return set_kind(p, MS_STMT_UNKNOWN);
	for (;;) {
		rc = stp_next(p, &t);
		if (rc)
			return rc;
		if (t.kind == MS_LEX_END)
			return stp_fail(p, t.start,
					"SET STATEMENT without FOR");
		if (ms_lex_punct(p->s, &t, '('))
			paren++;
		else if (ms_lex_punct(p->s, &t, ')') && paren > 0)
			paren--;
		else if (paren == 0 && ms_lex_is(p->s, &t, "FOR"))
			return classify(p, depth + 1);
	}
}

static int transaction_word(struct stp *p, const struct ms_lex_tok *t)
{
	struct ms_lex_tok n;

	if (ms_lex_is(p->s, t, "BEGIN")) {
		/* BEGIN [WORK]; BEGIN NOT ATOMIC is a compound statement */
		(void)stp_accept(p, "WORK");
		stp_peek(p, &n);
		return set_kind(p, n.kind == MS_LEX_END ? MS_STMT_BEGIN
							: MS_STMT_UNKNOWN);
	}
	if (ms_lex_is(p->s, t, "START"))
		return set_kind(p, stp_accept(p, "TRANSACTION")
				       ? MS_STMT_BEGIN
				       : MS_STMT_UNKNOWN);
	if (ms_lex_is(p->s, t, "COMMIT"))
		return set_kind(p, MS_STMT_COMMIT);
	if (ms_lex_is(p->s, t, "ROLLBACK"))
		return set_kind(p, MS_STMT_ROLLBACK);
	if (ms_lex_is(p->s, t, "SAVEPOINT"))
		return set_kind(p, MS_STMT_SAVEPOINT);
	if (ms_lex_is(p->s, t, "RELEASE"))
		return set_kind(p, stp_accept(p, "SAVEPOINT")
				       ? MS_STMT_SAVEPOINT
				       : MS_STMT_UNKNOWN);
	return set_kind(p, MS_STMT_XA);
}

bool stp_word_in(struct stp *p, const struct ms_lex_tok *t,
		 const char *const *words)
{
	for (; *words; words++)
		if (ms_lex_is(p->s, t, *words))
			return true;
	return false;
}

static int classify(struct stp *p, int depth)
{
	static const char *const trx[] = {"BEGIN",    "START",	   "COMMIT",
					  "ROLLBACK", "SAVEPOINT", "RELEASE",
					  "XA",	      NULL};
	static const char *const dml[] = {"INSERT", "REPLACE", "UPDATE",
					  "DELETE", NULL};
	static const char *const ignorable[] = {
	    "FLUSH", "ANALYZE", "OPTIMIZE", "REPAIR", "CHECK", "CHECKSUM",
	    "DO",    "USE",	"LOCK",	    "UNLOCK", "CACHE", NULL};
	static const char *const other[] = {"GRANT", "REVOKE", NULL};
	struct ms_lex_tok t;
	int rc = stp_next(p, &t);

	if (rc)
		return rc;
	if (t.kind == MS_LEX_END)
		return set_kind(p, MS_STMT_IGNORABLE); /* only comments */
	if (stp_word_in(p, &t, trx))
		return transaction_word(p, &t);
	if (stp_word_in(p, &t, dml)) {
		p->st->kind = MS_STMT_DML;
		dml_target(p, &t);
		return 0;
	}
	if (ms_lex_is(p->s, &t, "LOAD")) {
		if (stp_accept(p, "INDEX"))
			return set_kind(p, MS_STMT_IGNORABLE);
		p->st->kind = MS_STMT_DML;
		dml_target(p, &t);
		return 0;
	}
	if (ms_lex_is(p->s, &t, "SELECT") || ms_lex_is(p->s, &t, "WITH"))
		return set_kind(p, MS_STMT_DML); /* side effects: statement */
	if (ms_lex_is(p->s, &t, "SET"))
		return stp_set(p, depth);
	if (ms_lex_is(p->s, &t, "CREATE"))
		return stp_create(p);
	if (ms_lex_is(p->s, &t, "ALTER"))
		return stp_alter(p);
	if (ms_lex_is(p->s, &t, "DROP"))
		return stp_drop(p);
	if (ms_lex_is(p->s, &t, "RENAME"))
		return stp_rename(p);
	if (ms_lex_is(p->s, &t, "TRUNCATE"))
		return stp_truncate(p);
	if (stp_word_in(p, &t, ignorable))
		return set_kind(p, MS_STMT_IGNORABLE);
	if (stp_word_in(p, &t, other))
		return set_kind(p, MS_STMT_OTHER_DDL);
	return set_kind(p, MS_STMT_UNKNOWN);
}

/* The server rewrites the head of CREATE TRIGGER / CREATE EVENT before
 * binlogging it (DEFINER added), which drops a leading marker; cutover
 * therefore puts it right before the name (src/cutover/objects_util.c). */
static bool marked_create(const char *s, size_t n)
{
	static const char *const heads[] = {"TRIGGER " MS_STMT_MARKER,
					    "EVENT " MS_STMT_MARKER};
	size_t lim = n < 1024 ? n : 1024;

	if (lim < 7 || strncasecmp(s, "CREATE", 6))
		return false;
	for (size_t i = 0; i < 2; i++) {
		size_t hl = strlen(heads[i]);
		for (size_t k = 0; k + hl <= lim; k++)
			if (s[k] == heads[i][0] && !memcmp(s + k, heads[i], hl))
				return true;
	}
	return false;
}

int ms_stmt_parse(const char *sql, size_t len, const char *default_schema,
		  struct ms_arena *a, struct ms_stmt *out, struct ms_err *err)
{
	struct stp p;
	size_t mlen = strlen(MS_STMT_MARKER);
	int rc;

	memset(out, 0, sizeof(*out));
	if ((!sql && len) || !a)
		return MS_ERR(err, MS_EINVAL, "statement: no text or arena");
	if (len > MS_STMT_MAX_TEXT)
		return MS_ERR(err, MS_ETOOLARGE,
			      "statement: %zu bytes, more than the %zu bytes "
			      "read",
			      len, MS_STMT_MAX_TEXT);
	memset(&p, 0, sizeof(p));
	p.s = sql ? sql : "";
	p.n = ms_stmt_text_len(p.s, len);
	p.a = a;
	p.st = out;
	p.err = err;
	p.defschema =
	    ms_arena_strndup(a, default_schema ? default_schema : "",
			     default_schema ? strlen(default_schema) : 0);
	if (!p.defschema)
		return MS_ERR(err, MS_ETOOLARGE, "statement: arena full");
	out->marked = (p.n >= mlen && memcmp(p.s, MS_STMT_MARKER, mlen) == 0) ||
		      marked_create(p.s, p.n);
	rc = classify(&p, 0);
	if (rc == STP_GIVE_UP) {
		rc = 0;
		out->kind = MS_STMT_UNKNOWN;
		out->op = MS_STMT_OP_NONE;
		out->nrefs = 0;
	} else if (rc) {
		out->kind = MS_STMT_UNKNOWN;
		out->op = MS_STMT_OP_NONE;
		out->nrefs = 0;
	}
	return rc;
}
