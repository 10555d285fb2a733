/* The applier's view of a target table (columns, how each is written, the
 * key, the statement heads), read once per table from information_schema,
 * and the applier session's settings. See apply.h. */
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "core/buf.h"
#include "db/quote.h"
#include "db/schema.h"
#include "sync/apply_int.h"

#define AP_SQL_MAX ((size_t)1 << 20)

static const struct {
	const char *name;
	uint8_t bits;
} ap_ints[] = {{"tinyint", 8}, {"smallint", 16}, {"mediumint", 24},
	       {"int", 32},    {"integer", 32},	 {"bigint", 64}};

static uint8_t int_bits(const char *dt)
{
	size_t i;

	for (i = 0; i < sizeof(ap_ints) / sizeof(ap_ints[0]); i++)
		if (!strcmp(dt, ap_ints[i].name))
			return ap_ints[i].bits;
	return 0;
}

static bool is_binary_type(const char *dt)
{
	return !strcmp(dt, "binary") || !strcmp(dt, "varbinary") ||
	       !strcmp(dt, "tinyblob") || !strcmp(dt, "blob") ||
	       !strcmp(dt, "mediumblob") || !strcmp(dt, "longblob");
}

/* The number in "type(N...)", or 0. */
static uint32_t type_len(const char *ct)
{
	const char *p = ct ? strchr(ct, '(') : NULL;
	unsigned long n;

	if (!p)
		return 0;
	n = strtoul(p + 1, NULL, 10);
	return n > 0xffffffffUL ? 0 : (uint32_t)n;
}

/* Members of "enum('a','it''s')" / "set(...)": quoted strings, quotes
 * doubled inside. 0 when the text is not in that form. */
static uint32_t count_members(const char *ct)
{
	const char *p = ct ? strchr(ct, '(') : NULL;
	uint32_t n = 0;

	if (!p)
		return 0;
	for (p++; *p == '\'';) {
		for (p++;; p++) {
			if (!*p)
				return 0;
			if (*p == '\'' && p[1] == '\'')
				p++;
			else if (*p == '\'')
				break;
		}
		n++;
		p++;
		if (*p == ',')
			p++;
		else if (*p == ')')
			return n;
		else
			return 0;
	}
	return 0;
}

static bool is_wide_charset(const char *cs)
{
	return !strcmp(cs, "ucs2") || !strcmp(cs, "utf16") ||
	       !strcmp(cs, "utf16le") || !strcmp(cs, "utf32");
}

/* Charset names are words: anything else is not pasted into SQL. */
static bool plain_word(const char *s)
{
	if (!*s)
		return false;
	for (; *s; s++)
		if (!((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') ||
		      (*s >= '0' && *s <= '9') || *s == '_'))
			return false;
	return true;
}

static int classify(struct ap_col *c, const struct ap_coldef *d)
{
	const char *dt = d->data_type ? d->data_type : "";
	const char *ct = d->column_type ? d->column_type : "";

	c->generated = d->generated;
	c->is_unsigned = strstr(ct, "unsigned") != NULL;
	if ((c->int_bits = int_bits(dt)) != 0)
		c->type = AP_C_INT;
	else if (!strcmp(dt, "enum") || !strcmp(dt, "set")) {
		c->type = dt[0] == 'e' ? AP_C_ENUM : AP_C_SET;
		c->members = count_members(ct);
	} else if (!strcmp(dt, "bit")) {
		c->type = AP_C_BIT;
		c->bits = type_len(ct);
	} else if (!strcmp(dt, "inet6") || !strcmp(dt, "uuid") ||
		   !strcmp(dt, "inet4")) {
		c->type = AP_C_FIXBIN;
		c->pad = dt[4] == '4' ? 4 : 16;
	} else if (is_binary_type(dt)) {
		c->type = AP_C_BINARY;
		if (!strcmp(dt, "binary"))
			c->pad = type_len(ct);
	} else if (d->charset && strcmp(d->charset, "binary") != 0) {
		if (!plain_word(d->charset))
			return MS_EUNSUPPORTED;
		c->type = AP_C_CHAR;
		c->wide = is_wide_charset(d->charset);
		if (!(c->charset = strdup(d->charset)))
			return MS_ENOMEM;
	} else if (d->charset) {
		c->type = AP_C_BINARY; /* CHAR(N) CHARACTER SET binary */
	}
	return 0;
}

void ms_ap_table_free(struct ms_ap_table *t)
{
	struct ap_meta *m;
	size_t i;

	if (!t)
		return;
	m = t->priv;
	if (m) {
		for (i = 0; m->cols && i < t->ncols; i++) {
			free(m->cols[i].name);
			free(m->cols[i].charset);
		}
		free(m->cols);
		free(m->qname);
		free(m->replace_head);
		free(m->delete_head);
		free(m);
	}
	free(t->schema);
	free(t->name);
	free(t);
}

static int find_col(const struct ms_ap_table *t, const char *name, size_t *i)
{
	const struct ap_meta *m = t->priv;

	for (*i = 0; *i < t->ncols; (*i)++)
		if (!strcmp(m->cols[*i].name, name))
			return 0;
	return MS_ENOTFOUND;
}

/* REPLACE INTO `s`.`t` (`a`,`b`) VALUES  and
 * DELETE FROM `s`.`t` WHERE (`k1`,`k2`) IN ( */
static int build_heads(struct ms_ap_table *t)
{
	struct ap_meta *m = t->priv;
	struct ms_buf b;
	size_t i, n = 0;
	int rc;

	ms_buf_init(&b, AP_SQL_MAX);
	rc = ms_buf_addf(&b, "REPLACE INTO %s (", m->qname);
	for (i = 0; !rc && i < t->ncols; i++) {
		if (m->cols[i].generated)
			continue;
		rc = n++ ? ms_buf_addc(&b, ',') : 0;
		rc = rc ? rc : ms_quote_ident(&b, m->cols[i].name);
	}
	if (!rc && n == 0)
		rc = MS_EUNSUPPORTED;
	rc = rc ? rc : ms_buf_addstr(&b, ") VALUES ");
	m->replace_len = b.len;
	if (!rc && !(m->replace_head = ms_buf_take(&b)))
		rc = MS_ENOMEM;
	rc = rc ? rc : ms_buf_addf(&b, "DELETE FROM %s WHERE ", m->qname);
	rc = rc || m->nkey == 1 ? rc : ms_buf_addc(&b, '(');
	for (i = 0; !rc && i < m->nkey; i++) {
		rc = i ? ms_buf_addc(&b, ',') : 0;
		rc = rc ? rc : ms_quote_ident(&b, m->cols[m->key[i]].name);
	}
	rc = rc || m->nkey == 1 ? rc : ms_buf_addc(&b, ')');
	rc = rc ? rc : ms_buf_addstr(&b, " IN (");
	m->delete_len = b.len;
	if (!rc && !(m->delete_head = ms_buf_take(&b)))
		rc = MS_ENOMEM;
	ms_buf_free(&b);
	return rc;
}

static int build_key(struct ms_ap_table *t, const char *const *key, size_t nkey,
		     struct ms_err *err)
{
	struct ap_meta *m = t->priv;
	size_t i;

	if (nkey == 0)
		return MS_ERR(err, MS_EUNSUPPORTED,
			      "sync: table %s has no primary key and no unique "
			      "NOT NULL key: sync needs a primary key or a "
			      "unique NOT NULL key to apply changes "
			      "idempotently",
			      m->qname);
	if (nkey > AP_MAX_KEY_PARTS)
		return MS_ERR(err, MS_EUNSUPPORTED,
			      "sync: table %s: key of %zu columns", m->qname,
			      nkey);
	m->nkey = nkey;
	m->int_key = true;
	for (i = 0; i < nkey; i++) {
		if (find_col(t, key[i], &m->key[i]))
			return MS_ERR(err, MS_EUNSUPPORTED,
				      "sync: table %s: key column %s is not "
				      "one of its columns",
				      m->qname, key[i]);
		if (m->cols[m->key[i]].type != AP_C_INT)
			m->int_key = false;
	}
	return 0;
}

int ap_table_build(const char *schema, const char *name,
		   const struct ap_coldef *cols, size_t ncols,
		   const char *const *key, size_t nkey,
		   struct ms_ap_table **out, struct ms_err *err)
{
	struct ms_ap_table *t = calloc(1, sizeof(*t));
	struct ap_meta *m = calloc(1, sizeof(*m));
	struct ms_buf q;
	size_t i;
	int rc = 0;

	*out = NULL;
	if (t) {
		t->priv = m;
		t->schema = strdup(schema);
		t->name = strdup(name);
	}
	if (!t || !m || !t->schema || !t->name ||
	    !(m->cols = calloc(ncols ? ncols : 1, sizeof(*m->cols)))) {
		ms_ap_table_free(t);
		if (!t)
			free(m);
		return MS_ERR(err, MS_ENOMEM, "sync: out of memory");
	}
	t->ncols = ncols;
	for (i = 0; !rc && i < ncols; i++) {
		m->cols[i].name = strdup(cols[i].name);
		rc = m->cols[i].name ? classify(&m->cols[i], &cols[i])
				     : MS_ENOMEM;
	}
	ms_buf_init(&q, AP_SQL_MAX);
	if (rc || (rc = ms_quote_qualified(&q, schema, name)) ||
	    !(m->qname = ms_buf_take(&q)))
		rc = MS_ERR(err, rc ? rc : MS_ENOMEM,
			    "sync: table %s.%s: cannot describe column %zu",
			    schema, name, i);
	ms_buf_free(&q);
	rc = rc ? rc : build_key(t, key, nkey, err);
	if (!rc && (rc = build_heads(t)))
		rc = MS_ERR(err, rc,
			    rc == MS_EUNSUPPORTED
				? "sync: table %s has only generated columns"
				: "sync: table %s: cannot build its statements",
			    m->qname);
	if (rc) {
		ms_ap_table_free(t);
		return rc;
	}
	*out = t;
	return 0;
}

/* ---- reading the target's metadata -------------------------------------- */

static bool extra_generated(const char *e)
{
	return e && (strstr(e, "STORED GENERATED") ||
		     strstr(e, "VIRTUAL GENERATED") ||
		     strstr(e, "PERSISTENT GENERATED") ||
		     !strcasecmp(e, "PERSISTENT") || !strcasecmp(e, "VIRTUAL"));
}

/* "SELECT ... WHERE TABLE_SCHEMA = 's' AND TABLE_NAME = 't'<tail>" */
static int meta_query(struct ms_db *db, const char *select, const char *schema,
		      const char *table, const char *tail,
		      struct ms_db_result **out, struct ms_err *err)
{
	struct ms_buf q;
	int rc;

	ms_buf_init(&q, AP_SQL_MAX);
	rc = ms_buf_addf(&q, "%s WHERE TABLE_SCHEMA = ", select);
	rc = rc ? rc : ms_db_quote_string(db, &q, schema, strlen(schema));
	rc = rc ? rc : ms_buf_addstr(&q, " AND TABLE_NAME = ");
	rc = rc ? rc : ms_db_quote_string(db, &q, table, strlen(table));
	rc = rc ? rc : ms_buf_addstr(&q, tail);
	if (rc)
		rc = MS_ERR(err, rc, "sync: cannot build a metadata query");
	else
		rc = ms_db_query(db, ms_buf_str(&q), out, err);
	ms_buf_free(&q);
	return rc;
}

static struct ms_index *index_named(struct ms_table *t, const char *name)
{
	size_t i;

	for (i = 0; i < t->nindexes; i++)
		if (!strcmp(t->indexes[i].name, name))
			return &t->indexes[i];
	return NULL;
}

/* Adds part <seq> (1-based) of an index to <t>, whose arrays are sized by
 * the STATISTICS row count (<max> parts at most). */
static int add_index_part(struct ms_table *t, const struct ms_db_result *r,
			  size_t row, size_t max)
{
	const char *name = ms_db_result_get(r, row, 0);
	const char *nonu = ms_db_result_get(r, row, 1);
	const char *seqs = ms_db_result_get(r, row, 2);
	const char *col = ms_db_result_get(r, row, 3);
	const char *sub = ms_db_result_get(r, row, 4);
	const char *nul = ms_db_result_get(r, row, 5);
	unsigned long seq = seqs ? strtoul(seqs, NULL, 10) : 0;
	struct ms_index *ix;

	if (!name || seq < 1 || seq > max)
		return MS_ECORRUPT;
	ix = index_named(t, name);
	if (!ix) {
		ix = &t->indexes[t->nindexes++];
		ix->name = (char *)name;
		ix->primary = !strcmp(name, "PRIMARY");
		ix->unique = nonu && !strcmp(nonu, "0");
		ix->columns = calloc(max, sizeof(*ix->columns));
		ix->sub_parts = calloc(max, sizeof(*ix->sub_parts));
		if (!ix->columns || !ix->sub_parts)
			return MS_ENOMEM;
	}
	if (ix->columns[seq - 1])
		return MS_ECORRUPT;
	ix->columns[seq - 1] = (char *)(col ? col : "");
	ix->sub_parts[seq - 1] = sub ? (unsigned int)strtoul(sub, NULL, 10) : 0;
	if (nul && !strcmp(nul, "YES"))
		ix->nullable = true;
	if (seq > ix->ncolumns)
		ix->ncolumns = seq;
	return 0;
}

/* The key copy chunks by (ms_table_chunk_key), from the STATISTICS rows
 * in <r> and the columns in <cr>. *<key> borrows from <r>. */
static int pick_key(const struct ms_db_result *cr, const struct ms_db_result *r,
		    const char ***key, size_t *nkey, struct ms_table *t)
{
	size_t i, j, n = ms_db_result_nrows(r);
	const struct ms_index *ix;
	int rc = 0;

	t->ncolumns = ms_db_result_nrows(cr);
	t->columns = calloc(t->ncolumns + 1, sizeof(*t->columns));
	t->indexes = calloc(n + 1, sizeof(*t->indexes));
	if (!t->columns || !t->indexes)
		return MS_ENOMEM;
	for (i = 0; i < t->ncolumns; i++) {
		const char *nul = ms_db_result_get(cr, i, 5);

		t->columns[i].name = (char *)ms_db_result_get(cr, i, 0);
		t->columns[i].nullable = nul && !strcmp(nul, "YES");
	}
	for (i = 0; !rc && i < n; i++)
		rc = add_index_part(t, r, i, n);
	for (i = 0; !rc && i < t->nindexes; i++)
		for (j = 0; j < t->indexes[i].ncolumns; j++)
			if (!t->indexes[i].columns[j])
				rc = MS_ECORRUPT;
	if (rc)
		return rc;
	/* ms_table_chunk_key wants the primary key first. */
	for (i = 1; i < t->nindexes; i++)
		if (t->indexes[i].primary) {
			struct ms_index pk = t->indexes[i];

			memmove(&t->indexes[1], &t->indexes[0], i * sizeof(pk));
			t->indexes[0] = pk;
		}
	ix = ms_table_chunk_key(t);
	*key = ix ? (const char **)ix->columns : NULL;
	*nkey = ix ? ix->ncolumns : 0;
	return 0;
}

static void free_scratch(struct ms_table *t)
{
	size_t i;

	for (i = 0; t->indexes && i < t->nindexes; i++) {
		free(t->indexes[i].columns);
		free(t->indexes[i].sub_parts);
	}
	free(t->indexes);
	free(t->columns);
}

static int load_from(const char *schema, const char *table,
		     const struct ms_db_result *cr,
		     const struct ms_db_result *ir, struct ms_ap_table **out,
		     struct ms_err *err)
{
	size_t i, n = ms_db_result_nrows(cr), nkey = 0;
	struct ap_coldef *defs = calloc(n + 1, sizeof(*defs));
	struct ms_table scratch;
	const char **key = NULL;
	int rc;

	memset(&scratch, 0, sizeof(scratch));
	if (!defs)
		return MS_ERR(err, MS_ENOMEM, "sync: out of memory");
	for (i = 0; i < n; i++) {
		defs[i].name = ms_db_result_get(cr, i, 0);
		defs[i].data_type = ms_db_result_get(cr, i, 1);
		defs[i].column_type = ms_db_result_get(cr, i, 2);
		defs[i].charset = ms_db_result_get(cr, i, 3);
		defs[i].generated = extra_generated(ms_db_result_get(cr, i, 4));
		if (!defs[i].name || !defs[i].data_type) {
			free(defs);
			return MS_ERR(err, MS_ECORRUPT,
				      "sync: table %s.%s: column %zu without a "
				      "name or type in information_schema",
				      schema, table, i + 1);
		}
	}
	rc = pick_key(cr, ir, &key, &nkey, &scratch);
	if (rc)
		rc = MS_ERR(err, rc,
			    "sync: table %s.%s: cannot read its keys from "
			    "information_schema.STATISTICS",
			    schema, table);
	else
		rc =
		    ap_table_build(schema, table, defs, n, key, nkey, out, err);
	free_scratch(&scratch);
	free(defs);
	return rc;
}

int ms_ap_table_load(struct ms_db *tgt, const char *schema, const char *table,
		     struct ms_ap_table **out, struct ms_err *err)
{
	struct ms_db_result *cr = NULL, *ir = NULL;
	int rc;

	*out = NULL;
	rc = meta_query(tgt,
			"SELECT COLUMN_NAME, DATA_TYPE, COLUMN_TYPE, "
			"CHARACTER_SET_NAME, EXTRA, IS_NULLABLE FROM "
			"information_schema.COLUMNS",
			schema, table, " ORDER BY ORDINAL_POSITION", &cr, err);
	if (!rc && ms_db_result_nrows(cr) == 0)
		rc = MS_ERR(err, MS_ENOTFOUND,
			    "sync: table %s.%s does not exist on the target",
			    schema, table);
	else if (!rc && ms_db_result_nrows(cr) > AP_MAX_COLUMNS)
		rc = MS_ERR(err, MS_EUNSUPPORTED,
			    "sync: table %s.%s has more than %d columns",
			    schema, table, AP_MAX_COLUMNS);
	/* No ORDER BY: the server's key order, as ms_schema_read keeps it. */
	rc = rc ? rc
		: meta_query(tgt,
			     "SELECT INDEX_NAME, NON_UNIQUE, SEQ_IN_INDEX, "
			     "COLUMN_NAME, SUB_PART, NULLABLE FROM "
			     "information_schema.STATISTICS",
			     schema, table, "", &ir, err);
	rc = rc ? rc : load_from(schema, table, cr, ir, out, err);
	ms_db_result_free(cr);
	ms_db_result_free(ir);
	return rc;
}

/* ---- the session -------------------------------------------------------- */

int ms_ap_session_setup(struct ms_db *tgt, struct ms_err *err)
{
	int rc;

	/* utf8mb4 for the lexer: no multibyte character of it holds 0x27
	 * or 0x5c, so every string literal ends where the applier meant. */
	rc = ms_db_exec(tgt, "SET NAMES utf8mb4", err);
	rc = rc ? rc
		: ms_db_exec(tgt,
			     "SET SESSION time_zone = '+00:00', "
			     "sql_mode = 'NO_AUTO_VALUE_ON_ZERO,"
			     "NO_ENGINE_SUBSTITUTION,ALLOW_INVALID_DATES', "
			     "foreign_key_checks = 0, autocommit = 0",
			     err);
	if (!rc)
		rc =
		    ms_db_exec(tgt,
			       ms_db_is_mariadb(tgt)
				   ? "SET SESSION check_constraint_checks = 0, "
				     "max_statement_time = 0"
				   : "SET SESSION max_execution_time = 0",
			       err);
	return rc ? ms_err_prefix(err, "sync: setting up the applier session")
		  : 0;
}
