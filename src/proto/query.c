/* The COM_QUERY classifier: what the proxy must know about a statement
 * text (session state it creates, whether it only reads), found with the
 * shared lexer (db/lex.h) so that quotes and comments never mislead it.
 * See proto.h and docs/proto.md. */
#include <string.h>

#include "db/lex.h"
#include "proto/proto_int.h"

#define Q_SAVED 6 /* leading tokens of a statement kept for its keywords */

/* A lexer cursor with one-token look-ahead. */
struct qcur {
	const char *s;
	size_t n;
	size_t pos;
	bool failed; /* an unterminated quote or comment */
};

static void q_next(struct qcur *c, struct ms_lex_tok *t)
{
	if (c->failed || ms_lex_next(c->s, c->n, &c->pos, t)) {
		c->failed = true;
		t->kind = MS_LEX_END;
		t->start = t->end = c->n;
	}
}

/* The token after <t> (and the one after that with <k> = 2). */
static void q_peek(const struct qcur *c, const struct ms_lex_tok *t, unsigned k,
		   struct ms_lex_tok *out)
{
	size_t pos = t->end;

	while (k--)
		if (ms_lex_next(c->s, c->n, &pos, out)) {
			out->kind = MS_LEX_END;
			out->start = out->end = c->n;
			return;
		}
}

/* What one statement shows while it is read. */
struct qstmt {
	struct ms_lex_tok tok[Q_SAVED]; /* first words (leading '(' skipped) */
	size_t ntok; /* tokens seen, leading '(' not counted */
	unsigned flags;
	bool writes;   /* something that makes it not read-only */
	bool into;     /* INTO seen: a user variable after it is assigned */
	bool dml_word; /* UPDATE, DELETE, INSERT or REPLACE seen */
};

static bool is_word(const struct qcur *c, const struct ms_lex_tok *t,
		    const char *kw)
{
	return ms_lex_is(c->s, t, kw);
}

static bool is_punct(const struct qcur *c, const struct ms_lex_tok *t, char p)
{
	return ms_lex_punct(c->s, t, p);
}

/* Functions whose call makes a SELECT unsafe to run twice or elsewhere. */
static bool writing_function(const struct qcur *c, const struct ms_lex_tok *t)
{
	static const char *const names[] = {
	    "GET_LOCK",
	    "RELEASE_LOCK",
	    "RELEASE_ALL_LOCKS",
	    "SLEEP",
	    "BENCHMARK",
	    "MASTER_POS_WAIT",
	    "SOURCE_POS_WAIT",
	    "MASTER_GTID_WAIT",
	    "NEXTVAL",
	    "SETVAL",
	    "LASTVAL",
	    "LOAD_FILE",
	    "WAIT_FOR_EXECUTED_GTID_SET",
	    "WAIT_UNTIL_SQL_THREAD_AFTER_GTIDS",
	};
	size_t i;

	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (is_word(c, t, names[i]))
			return true;
	return false;
}

/* <t> is '@' opening a user variable: not part of "@@", and a name follows
 * right after it. */
static bool user_var_at(const struct qcur *c, const struct ms_lex_tok *prev,
			const struct ms_lex_tok *t)
{
	struct ms_lex_tok nx;

	if (!is_punct(c, t, '@'))
		return false;
	if (prev && is_punct(c, prev, '@') && prev->end == t->start)
		return false;
	q_peek(c, t, 1, &nx);
	return nx.start == t->end && nx.kind != MS_LEX_END &&
	       nx.kind != MS_LEX_PUNCT;
}

/* Looks at token <t> of the statement (with <prev>, may be NULL). */
static void scan_token(const struct qcur *c, struct qstmt *st,
		       const struct ms_lex_tok *prev,
		       const struct ms_lex_tok *t)
{
	struct ms_lex_tok nx, nx2;

	if (t->kind == MS_LEX_PUNCT && user_var_at(c, prev, t)) {
		q_peek(c, t, 2, &nx);
		q_peek(c, t, 3, &nx2);
		if (st->into || (st->ntok && is_word(c, &st->tok[0], "SET")) ||
		    (is_punct(c, &nx, ':') && is_punct(c, &nx2, '='))) {
			st->flags |= MS_Q_USER_VAR;
			st->writes = true;
		}
		return;
	}
	if (t->kind != MS_LEX_WORD)
		return;
	q_peek(c, t, 1, &nx);
	if (is_punct(c, &nx, '(')) {
		if (is_word(c, t, "GET_LOCK"))
			st->flags |= MS_Q_GET_LOCK;
		else if (is_word(c, t, "RELEASE_ALL_LOCKS"))
			st->flags |= MS_Q_RELEASE_ALL;
		if (writing_function(c, t))
			st->writes = true;
		q_peek(c, t, 2, &nx2);
		if (is_word(c, t, "LAST_INSERT_ID") && !is_punct(c, &nx2, ')'))
			st->writes = true;
	} else if (is_word(c, t, "INTO")) {
		st->into = true;
		st->writes = true;
	} else if (is_word(c, t, "FOR") &&
		   (is_word(c, &nx, "UPDATE") || is_word(c, &nx, "SHARE"))) {
		st->writes = true;
	} else if (is_word(c, t, "LOCK") && is_word(c, &nx, "IN")) {
		st->writes = true;
	} else if (is_word(c, t, "NEXT") && is_word(c, &nx, "VALUE")) {
		st->writes = true;
	}
	if (is_word(c, t, "UPDATE") || is_word(c, t, "DELETE") ||
	    is_word(c, t, "INSERT") || is_word(c, t, "REPLACE"))
		st->dml_word = true;
}

/* Parses the thread id of a KILL statement (saved tokens from 1). */
static void kill_stmt(const struct qcur *c, const struct qstmt *st,
		      struct ms_query_info *q)
{
	const struct ms_lex_tok *t;
	size_t i = 1, k;
	uint64_t id = 0;
	bool query = false;

	if (i < st->ntok && (is_word(c, &st->tok[i], "HARD") ||
			     is_word(c, &st->tok[i], "SOFT")))
		i++;
	if (i < st->ntok && is_word(c, &st->tok[i], "CONNECTION")) {
		i++;
	} else if (i < st->ntok && is_word(c, &st->tok[i], "QUERY")) {
		query = true;
		i++;
	}
	/* KILL QUERY ID <query id> and KILL USER <name> name no thread */
	if (i + 1 != st->ntok || i >= Q_SAVED)
		return;
	t = &st->tok[i];
	if (t->kind != MS_LEX_WORD || t->end - t->start > 20)
		return;
	for (k = t->start; k < t->end; k++) {
		if (c->s[k] < '0' || c->s[k] > '9')
			return;
		if (id > (UINT64_MAX - (uint64_t)(c->s[k] - '0')) / 10)
			return;
		id = id * 10 + (uint64_t)(c->s[k] - '0');
	}
	if (q->flags & MS_Q_KILL)
		return; /* the first KILL of a multi-statement is recorded */
	q->flags |= MS_Q_KILL;
	q->kill_id = id;
	q->kill_query = query;
	q->kill_id_off = t->start;
	q->kill_id_len = t->end - t->start;
}

/* Whether the statement, by its first words, only reads. */
static bool reads_only(const struct qcur *c, const struct qstmt *st)
{
	const struct ms_lex_tok *t = st->tok;

	if (is_word(c, &t[0], "SELECT") || is_word(c, &t[0], "SHOW") ||
	    is_word(c, &t[0], "DESC") || is_word(c, &t[0], "DESCRIBE"))
		return true;
	if (is_word(c, &t[0], "EXPLAIN"))
		return st->ntok > 1 && !is_word(c, &t[1], "ANALYZE");
	if (is_word(c, &t[0], "WITH"))
		return !st->dml_word;
	return false;
}

/* Classifies a finished statement by its first words. */
static void end_stmt(const struct qcur *c, struct qstmt *st,
		     struct ms_query_info *q, bool *all_ro)
{
	const struct ms_lex_tok *t = st->tok;
	size_t n = st->ntok < Q_SAVED ? st->ntok : Q_SAVED;

	if (n == 0)
		return;
	if (n >= 3 && is_word(c, &t[0], "CREATE") &&
	    (is_word(c, &t[1], "TEMPORARY") ||
	     (n >= 5 && is_word(c, &t[1], "OR") &&
	      is_word(c, &t[2], "REPLACE") && is_word(c, &t[3], "TEMPORARY"))))
		st->flags |= MS_Q_TEMP_TABLE;
	if (n >= 3 && is_word(c, &t[0], "DROP") &&
	    is_word(c, &t[1], "TEMPORARY"))
		st->flags |= MS_Q_DROP_TEMP;
	if (n >= 2 && is_word(c, &t[0], "LOCK") &&
	    (is_word(c, &t[1], "TABLES") || is_word(c, &t[1], "TABLE")))
		st->flags |= MS_Q_LOCK_TABLES;
	if (n >= 2 && is_word(c, &t[0], "UNLOCK") &&
	    (is_word(c, &t[1], "TABLES") || is_word(c, &t[1], "TABLE")))
		st->flags |= MS_Q_UNLOCK;
	if (is_word(c, &t[0], "KILL"))
		kill_stmt(c, st, q);
	if (is_word(c, &t[0], "PREPARE") || is_word(c, &t[0], "EXECUTE") ||
	    is_word(c, &t[0], "DEALLOCATE") ||
	    (n >= 2 && is_word(c, &t[0], "DROP") &&
	     is_word(c, &t[1], "PREPARE")))
		st->flags |= MS_Q_SQL_PREPARE;
	if (is_word(c, &t[0], "XA"))
		st->flags |= MS_Q_XA;
	if (st->writes || !reads_only(c, st))
		*all_ro = false;
	q->flags |= st->flags;
}

int ms_proto_query_classify(const char *sql, size_t n, struct ms_query_info *q)
{
	struct qcur c = {sql, n, 0, false};
	struct ms_lex_tok t, prev, nx;
	struct qstmt st;
	bool all_ro = true, any = false, have_prev = false;

	memset(q, 0, sizeof(*q));
	memset(&st, 0, sizeof(st));
	for (;;) {
		q_next(&c, &t);
		if (t.kind == MS_LEX_END || is_punct(&c, &t, ';')) {
			any |= st.ntok > 0;
			end_stmt(&c, &st, q, &all_ro);
			if (t.kind == MS_LEX_END)
				break;
			q_peek(&c, &t, 1, &nx);
			if (nx.kind != MS_LEX_END)
				q->flags |= MS_Q_MULTI;
			memset(&st, 0, sizeof(st));
			have_prev = false;
			continue;
		}
		if (st.ntok == 0 && is_punct(&c, &t, '('))
			continue;
		if (st.ntok < Q_SAVED)
			st.tok[st.ntok] = t;
		st.ntok++;
		scan_token(&c, &st, have_prev ? &prev : NULL, &t);
		prev = t;
		have_prev = true;
	}
	if (c.failed) {
		memset(q, 0, sizeof(*q));
		return 0;
	}
	if (any && all_ro)
		q->flags |= MS_Q_READONLY;
	return 0;
}
