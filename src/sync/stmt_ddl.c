/* Statement classifier: the heads of CREATE, ALTER, DROP, RENAME and
 * TRUNCATE (stmt_int.h). Table and schema DDL are read to their end (names
 * must be there, quotes closed); other DDL only as far as its names, best
 * effort. */
#include <string.h>

#include "sync/stmt_int.h"

/* What follows CREATE/ALTER/DROP and its options. */
enum obj {
	OBJ_NONE = 0,
	OBJ_TABLE,
	OBJ_INDEX,
	OBJ_DB,
	OBJ_TABLELIKE, /* VIEW, SEQUENCE: names among the tables */
	OBJ_TRIGGER,
	OBJ_OWNED,  /* PROCEDURE, FUNCTION, EVENT, PACKAGE [BODY] */
	OBJ_GLOBAL, /* USER, ROLE, SERVER, TABLESPACE, ... */
};

static enum obj object_kind(struct stp *p, const struct ms_lex_tok *t)
{
	static const char *const tablelike[] = {"VIEW", "SEQUENCE", NULL};
	static const char *const owned[] = {"PROCEDURE", "FUNCTION", "EVENT",
					    "PACKAGE", NULL};
	static const char *const global[] = {
	    "USER",	"ROLE",	     "SERVER",	 "TABLESPACE", "LOGFILE",
	    "RESOURCE", "UNDO",	     "INSTANCE", "REFERENCE",  "SYNONYM",
	    "PREPARE",	"DATABASES", NULL};

	if (ms_lex_is(p->s, t, "TABLE") || ms_lex_is(p->s, t, "TABLES"))
		return OBJ_TABLE;
	if (ms_lex_is(p->s, t, "INDEX"))
		return OBJ_INDEX;
	if (ms_lex_is(p->s, t, "DATABASE") || ms_lex_is(p->s, t, "SCHEMA"))
		return OBJ_DB;
	if (ms_lex_is(p->s, t, "TRIGGER"))
		return OBJ_TRIGGER;
	if (stp_word_in(p, t, tablelike))
		return OBJ_TABLELIKE;
	if (stp_word_in(p, t, owned))
		return OBJ_OWNED;
	if (stp_word_in(p, t, global))
		return OBJ_GLOBAL;
	return OBJ_NONE;
}

/* Reads the options between CREATE/ALTER/DROP and the object word (OR
 * REPLACE, TEMPORARY, ALGORITHM=, DEFINER=, SQL SECURITY, ONLINE, UNIQUE,
 * ...) and the object word itself (into <kw>). STP_GIVE_UP for anything
 * else. */
static int head(struct stp *p, enum obj *kind, struct ms_lex_tok *kw)
{
	static const char *const opts[] = {
	    "OR",     "REPLACE",     "ONLINE",	       "OFFLINE",
	    "UNIQUE", "FULLTEXT",    "SPATIAL",	       "AGGREGATE",
	    "IGNORE", "EDITIONABLE", "NONEDITIONABLE", NULL};
	size_t guard;
	int rc;

	for (guard = 0; guard < 32; guard++) {
		rc = stp_next(p, kw);
		if (rc)
			return rc;
		*kind = object_kind(p, kw);
		if (*kind != OBJ_NONE)
			return 0;
		if (ms_lex_is(p->s, kw, "TEMPORARY")) {
			p->st->temporary = true;
		} else if (ms_lex_is(p->s, kw, "ALGORITHM") ||
			   ms_lex_is(p->s, kw, "SQL")) {
			/* ALGORITHM = x, SQL SECURITY x */
			if (!stp_accept_punct(p, '='))
				(void)stp_accept(p, "SECURITY");
			rc = stp_next(p, kw);
			if (rc)
				return rc;
		} else if (ms_lex_is(p->s, kw, "DEFINER")) {
			if (!stp_skip_definer(p))
				return STP_GIVE_UP;
		} else if (!stp_word_in(p, kw, opts)) {
			return STP_GIVE_UP;
		}
	}
	return STP_GIVE_UP;
}

static int expect_end(struct stp *p, const char *after)
{
	struct ms_lex_tok t;
	int rc = stp_next(p, &t);

	if (rc == 0 && t.kind != MS_LEX_END)
		rc = stp_fail(p, t.start, "unexpected text after %s", after);
	return rc;
}

/* [WAIT n | NOWAIT] (MariaDB) */
static void skip_wait(struct stp *p)
{
	struct ms_lex_tok t;

	if (stp_accept(p, "NOWAIT"))
		return;
	if (stp_accept(p, "WAIT")) {
		stp_peek(p, &t);
		if (t.kind == MS_LEX_WORD)
			stp_take(p, &t);
	}
}

/* ---- other DDL: names best effort ----------------------------------- */

enum other_mode {
	OTHER_NONE, /* users, grants, servers: no refs */
	OTHER_ONE,  /* one table-like name */
	OTHER_LIST, /* DROP VIEW/SEQUENCE a, b */
	OTHER_OWNER /* the schema of a routine, event or trigger name */
};

static int other(struct stp *p, enum other_mode m, bool not, bool package)
{
	struct ms_err *keep = p->err, scratch;
	int rc;

	p->st->kind = MS_STMT_OTHER_DDL;
	if (m == OTHER_NONE)
		return 0;
	p->err = &scratch;
	if (package)
		(void)stp_accept(p, "BODY");
	(void)stp_accept_if(p, not, &rc);
	if (rc == 0) {
		do {
			rc = m == OTHER_OWNER
				 ? stp_owner_ref(p, "name")
				 : stp_ref(p, MS_STMT_REF_TABLE, "name");
		} while (rc == 0 && m == OTHER_LIST &&
			 stp_accept_punct(p, ','));
	}
	if (rc)
		p->st->nrefs = 0;
	p->err = keep;
	return 0;
}

/* CREATE TRIGGER [IF NOT EXISTS] [db.]name {BEFORE|AFTER} event ON tbl:
 * the ref is the table (in the trigger's schema when only the trigger
 * name is qualified). */
static int create_trigger(struct stp *p)
{
	struct ms_err *keep = p->err, scratch;
	struct ms_stmt *st = p->st;
	struct ms_lex_tok t;
	size_t guard;
	int rc;

	st->kind = MS_STMT_OTHER_DDL;
	p->err = &scratch;
	(void)stp_accept_if(p, true, &rc);
	if (rc == 0)
		rc = stp_owner_ref(p, "trigger name");
	for (guard = 0; rc == 0 && guard < 16; guard++) {
		rc = stp_next(p, &t);
		if (rc == 0 && t.kind == MS_LEX_END)
			rc = MS_EPARSE;
		if (rc == 0 && ms_lex_is(p->s, &t, "ON"))
			break;
	}
	if (rc == 0 && guard == 16)
		rc = MS_EPARSE;
	if (rc == 0)
		rc = stp_ref(p, MS_STMT_REF_TABLE, "trigger table name");
	if (rc == 0) {
		if (st->refs[1].schema == p->defschema)
			st->refs[1].schema = st->refs[0].schema;
		st->refs[0] = st->refs[1];
		st->nrefs = 1;
	} else {
		st->nrefs = 0;
	}
	p->err = keep;
	return 0;
}

/* ---- CREATE/ALTER TABLE bodies -------------------------------------- */

/* UNION [=] (t1, t2, ...): the tables of a MERGE table. */
static int union_list(struct stp *p)
{
	struct ms_lex_tok t;
	int rc = 0;

	(void)stp_accept_punct(p, '=');
	if (!stp_accept_punct(p, '('))
		return 0;
	if (stp_accept_punct(p, ')'))
		return 0;
	do {
		rc = stp_ref(p, MS_STMT_REF_REFERENCED, "UNION table name");
	} while (rc == 0 && stp_accept_punct(p, ','));
	if (rc == 0) {
		stp_peek(p, &t);
		if (!stp_accept_punct(p, ')'))
			rc = stp_fail(p, t.start, "UNION list not closed");
	}
	return rc;
}

/* ALTER TABLE ... RENAME [TO|AS] name; not RENAME COLUMN/INDEX/KEY. The
 * new name goes to refs[1]. Two renames: STP_GIVE_UP. */
static int alter_rename(struct stp *p)
{
	static const char *const not_table[] = {"COLUMN", "INDEX", "KEY",
						"CONSTRAINT", NULL};
	struct ms_stmt *st = p->st;
	struct ms_stmt_ref r;
	struct ms_lex_tok t;
	size_t i;
	int rc;

	stp_peek(p, &t);
	if (stp_word_in(p, &t, not_table))
		return 0;
	if (!stp_accept(p, "TO"))
		(void)stp_accept(p, "AS");
	for (i = 1; i < st->nrefs; i++)
		if (st->refs[i].role == MS_STMT_REF_RENAMED_TO)
			return STP_GIVE_UP;
	rc = stp_ref(p, MS_STMT_REF_RENAMED_TO, "new table name");
	if (rc || st->nrefs <= 2)
		return rc;
	r = st->refs[st->nrefs - 1];
	memmove(&st->refs[2], &st->refs[1],
		(st->nrefs - 2) * sizeof(st->refs[0]));
	st->refs[1] = r;
	return 0;
}

/* A word at parenthesis depth 0 of a CREATE TABLE (<alter> false) or
 * ALTER TABLE body. */
static int body_word(struct stp *p, const struct ms_lex_tok *t, bool alter)
{
	struct ms_lex_tok n;
	unsigned depth;
	size_t save;

	if (ms_lex_is(p->s, t, "UNION") && !p->st->has_select)
		return union_list(p);
	if (alter) {
		if (ms_lex_is(p->s, t, "RENAME"))
			return alter_rename(p);
		/* EXCHANGE PARTITION p WITH TABLE t, CONVERT PARTITION p TO
		 * TABLE t, CONVERT TABLE t TO PARTITION p */
		if (ms_lex_is(p->s, t, "TABLE"))
			return stp_ref(p, MS_STMT_REF_REFERENCED, "table name");
		return 0;
	}
	if (ms_lex_is(p->s, t, "TABLE")) { /* CREATE TABLE t AS TABLE u */
		p->st->has_select = true;
	} else if (ms_lex_is(p->s, t, "START")) {
		save = p->pos;
		depth = p->depth;
		if (stp_accept(p, "TRANSACTION")) {
			stp_peek(p, &n);
			if (n.kind == MS_LEX_END) {
				p->st->start_transaction = true;
				return 0;
			}
		}
		p->pos = save;
		p->depth = depth;
	}
	return 0;
}

/* The rest of a CREATE/ALTER TABLE: every REFERENCES name, the clauses
 * body_word knows, and whether a query is there. */
static int scan_body(struct stp *p, bool alter)
{
	struct ms_lex_tok t;
	size_t depth = 0;
	int rc;

	for (;;) {
		rc = stp_next(p, &t);
		if (rc)
			return rc;
		if (t.kind == MS_LEX_END)
			return depth ? stp_fail(p, t.start, "'(' not closed")
				     : 0;
		if (t.kind == MS_LEX_PUNCT) {
			if (p->s[t.start] == '(')
				depth++;
			else if (p->s[t.start] == ')' && depth > 0)
				depth--;
			else if (p->s[t.start] == ';')
				return stp_fail(p, t.start,
						"more than one statement");
			continue;
		}
		if (t.kind != MS_LEX_WORD)
			continue;
		if (ms_lex_is(p->s, &t, "REFERENCES"))
			rc = stp_ref(p, MS_STMT_REF_REFERENCED,
				     "referenced table name");
		else if (!alter && ms_lex_is(p->s, &t, "SELECT"))
			p->st->has_select = true;
		else if (depth == 0)
			rc = body_word(p, &t, alter);
		if (rc)
			return rc;
	}
}

static int create_table(struct stp *p)
{
	struct ms_stmt *st = p->st;
	struct ms_lex_tok t;
	bool paren = false;
	unsigned depth;
	size_t save;
	int rc;

	st->kind = MS_STMT_TABLE_DDL;
	st->op = MS_STMT_OP_CREATE_TABLE;
	st->if_not_exists = stp_accept_if(p, true, &rc);
	if (rc == 0)
		rc = stp_ref(p, MS_STMT_REF_TABLE, "table name");
	if (rc)
		return rc;
	save = p->pos;
	depth = p->depth;
	if (stp_accept_punct(p, '('))
		paren = true;
	if (!stp_accept(p, "LIKE")) {
		p->pos = save;
		p->depth = depth;
		return scan_body(p, false);
	}
	st->op = MS_STMT_OP_CREATE_TABLE_LIKE;
	rc = stp_ref(p, MS_STMT_REF_REFERENCED, "LIKE table name");
	if (rc == 0 && paren) {
		stp_peek(p, &t);
		if (!stp_accept_punct(p, ')'))
			rc = stp_fail(p, t.start, "'(LIKE t' not closed");
	}
	return rc ? rc : expect_end(p, "CREATE TABLE ... LIKE");
}

/* After the index name: [USING|TYPE x] ON tbl ... */
static int index_table(struct stp *p)
{
	struct ms_lex_tok t;
	int rc;

	rc = stp_next(p, &t);
	if (rc == 0 && !ms_lex_is_name(p->s, &t))
		rc = stp_fail(p, t.start, "index name missing");
	while (rc == 0 && (stp_accept(p, "USING") || stp_accept(p, "TYPE")))
		rc = stp_next(p, &t);
	if (rc)
		return rc;
	stp_peek(p, &t);
	if (!stp_accept(p, "ON"))
		return stp_fail(p, t.start, "ON table missing");
	rc = stp_ref(p, MS_STMT_REF_TABLE, "table name");
	return rc ? rc : stp_skip_rest(p);
}

static int create_index(struct stp *p, bool create)
{
	struct ms_stmt *st = p->st;
	bool if_ = false;
	int rc;

	st->kind = MS_STMT_TABLE_DDL;
	st->op = create ? MS_STMT_OP_CREATE_INDEX : MS_STMT_OP_DROP_INDEX;
	if_ = stp_accept_if(p, create, &rc);
	if (create)
		st->if_not_exists = if_;
	else
		st->if_exists = if_;
	return rc ? rc : index_table(p);
}

/* ---- database statements -------------------------------------------- */

static int schema_ddl(struct stp *p, enum ms_stmt_op op)
{
	static const char *const opts[] = {"DEFAULT",	 "CHARACTER", "CHARSET",
					   "COLLATE",	 "COMMENT",   "READ",
					   "ENCRYPTION", NULL};
	struct ms_stmt *st = p->st;
	struct ms_lex_tok t;
	int rc = 0;

	st->kind = MS_STMT_SCHEMA_DDL;
	st->op = op;
	if (op == MS_STMT_OP_CREATE_DATABASE)
		st->if_not_exists = stp_accept_if(p, true, &rc);
	else if (op == MS_STMT_OP_DROP_DATABASE)
		st->if_exists = stp_accept_if(p, false, &rc);
	if (rc)
		return rc;
	stp_peek(p, &t);
	if (op == MS_STMT_OP_ALTER_DATABASE &&
	    (t.kind == MS_LEX_END || t.kind == MS_LEX_PUNCT ||
	     stp_word_in(p, &t, opts)))
		rc = stp_ref_implicit(p, p->pos);
	else
		rc = stp_ref(p, MS_STMT_REF_SCHEMA_ONLY, "database name");
	return rc ? rc : stp_skip_rest(p);
}

/* ---- the heads ------------------------------------------------------ */

int stp_create(struct stp *p)
{
	struct ms_lex_tok kw;
	enum obj k = OBJ_NONE;
	int rc = head(p, &k, &kw);

	if (rc)
		return rc;
	switch (k) {
	case OBJ_TABLE:
		return create_table(p);
	case OBJ_INDEX:
		return create_index(p, true);
	case OBJ_DB:
		return schema_ddl(p, MS_STMT_OP_CREATE_DATABASE);
	case OBJ_TABLELIKE:
		return other(p, OTHER_ONE, true, false);
	case OBJ_TRIGGER:
		return create_trigger(p);
	case OBJ_OWNED:
		return other(p, OTHER_OWNER, true,
			     ms_lex_is(p->s, &kw, "PACKAGE"));
	case OBJ_GLOBAL:
		return other(p, OTHER_NONE, true, false);
	default:
		return STP_GIVE_UP;
	}
}

int stp_alter(struct stp *p)
{
	struct ms_stmt *st = p->st;
	struct ms_lex_tok kw;
	enum obj k = OBJ_NONE;
	int rc = head(p, &k, &kw);

	if (rc)
		return rc;
	switch (k) {
	case OBJ_TABLE:
		st->kind = MS_STMT_TABLE_DDL;
		st->op = MS_STMT_OP_ALTER_TABLE;
		st->if_exists = stp_accept_if(p, false, &rc);
		if (rc == 0)
			rc = stp_ref(p, MS_STMT_REF_TABLE, "table name");
		return rc ? rc : scan_body(p, true);
	case OBJ_DB:
		return schema_ddl(p, MS_STMT_OP_ALTER_DATABASE);
	case OBJ_TABLELIKE:
		return other(p, OTHER_ONE, false, false);
	case OBJ_OWNED:
		return other(p, OTHER_OWNER, false,
			     ms_lex_is(p->s, &kw, "PACKAGE"));
	case OBJ_GLOBAL:
		return other(p, OTHER_NONE, false, false);
	default:
		return STP_GIVE_UP;
	}
}

static int drop_table(struct stp *p)
{
	struct ms_stmt *st = p->st;
	int rc;

	st->kind = MS_STMT_TABLE_DDL;
	st->op = MS_STMT_OP_DROP_TABLE;
	st->if_exists = stp_accept_if(p, false, &rc);
	if (rc)
		return rc;
	do {
		rc = stp_ref(p, MS_STMT_REF_TABLE, "table name");
	} while (rc == 0 && stp_accept_punct(p, ','));
	for (;;) {
		if (rc)
			return rc;
		skip_wait(p);
		if (!stp_accept(p, "RESTRICT") && !stp_accept(p, "CASCADE"))
			break;
	}
	return expect_end(p, "the DROP TABLE list");
}

int stp_drop(struct stp *p)
{
	struct ms_lex_tok kw;
	enum obj k = OBJ_NONE;
	int rc = head(p, &k, &kw);

	if (rc)
		return rc;
	switch (k) {
	case OBJ_TABLE:
		return drop_table(p);
	case OBJ_INDEX:
		return create_index(p, false);
	case OBJ_DB:
		return schema_ddl(p, MS_STMT_OP_DROP_DATABASE);
	case OBJ_TABLELIKE:
		return other(p, OTHER_LIST, false, false);
	case OBJ_TRIGGER:
		return other(p, OTHER_OWNER, false, false);
	case OBJ_OWNED:
		return other(p, OTHER_OWNER, false,
			     ms_lex_is(p->s, &kw, "PACKAGE"));
	case OBJ_GLOBAL:
		return other(p, OTHER_NONE, false, false);
	default:
		return STP_GIVE_UP;
	}
}

int stp_rename(struct stp *p)
{
	struct ms_stmt *st = p->st;
	struct ms_lex_tok t;
	int rc;

	if (stp_accept(p, "USER"))
		return other(p, OTHER_NONE, false, false);
	if (!stp_accept(p, "TABLE") && !stp_accept(p, "TABLES"))
		return STP_GIVE_UP;
	st->kind = MS_STMT_TABLE_DDL;
	st->op = MS_STMT_OP_RENAME_TABLE;
	st->if_exists = stp_accept_if(p, false, &rc);
	if (rc)
		return rc;
	do {
		rc = stp_ref(p, MS_STMT_REF_TABLE, "table name");
		if (rc)
			return rc;
		skip_wait(p);
		stp_peek(p, &t);
		if (!stp_accept(p, "TO"))
			return stp_fail(p, t.start, "TO missing");
		rc = stp_ref(p, MS_STMT_REF_RENAMED_TO, "new table name");
	} while (rc == 0 && stp_accept_punct(p, ','));
	return rc ? rc : expect_end(p, "the RENAME TABLE list");
}

int stp_truncate(struct stp *p)
{
	struct ms_stmt *st = p->st;
	int rc;

	st->kind = MS_STMT_TABLE_DDL;
	st->op = MS_STMT_OP_TRUNCATE_TABLE;
	(void)stp_accept(p, "TABLE");
	rc = stp_ref(p, MS_STMT_REF_TABLE, "table name");
	if (rc)
		return rc;
	skip_wait(p);
	return expect_end(p, "TRUNCATE TABLE name");
}
