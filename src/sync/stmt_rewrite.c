/* Statement rewrite for the target (stmt.h): every name mapped, fully
 * qualified and backquoted; DROP and RENAME lists cut to their selected
 * tables; anything that would cross the selection refused. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "db/quote.h"
#include "sync/stmt_int.h"

struct rw {
	const struct ms_stmt *st;
	const char *s;
	size_t n;	     /* effective end of the text */
	size_t from;	     /* after our own marker, when the text has one */
	bool *sel;	     /* per ref: selected */
	size_t *off;	     /* per selected ref: its target name in <names> */
	size_t *order;	     /* ref indexes by span */
	struct ms_buf names; /* target names, each NUL-terminated */
	struct ms_err *err;
};

/* "schema.table" (or "schema") of <r> for messages. */
static const char *label(const struct ms_stmt_ref *r, char *buf, size_t n)
{
	if (r->table)
		snprintf(buf, n, "%s.%s", r->schema, r->table);
	else
		snprintf(buf, n, "%s", r->schema);
	return buf;
}

static int cmp_start(const void *a, const void *b, const struct ms_stmt *st)
{
	size_t x = st->refs[*(const size_t *)a].start;
	size_t y = st->refs[*(const size_t *)b].start;

	return x < y ? -1 : x > y;
}

/* Refs are in text order but for ALTER's RENAMED_TO at index 1: an
 * insertion sort settles that in one pass, and checks the spans. */
static int sort_spans(struct rw *w)
{
	const struct ms_stmt *st = w->st;
	size_t i, j, k;

	for (i = 0; i < st->nrefs; i++) {
		const struct ms_stmt_ref *r = &st->refs[i];

		if (r->start < w->from || r->start > w->n ||
		    r->len > w->n - r->start)
			return MS_ERR(w->err, MS_EINVAL,
				      "statement rewrite: name %zu at "
				      "%zu+%zu is outside the %zu-byte text",
				      i, r->start, r->len, w->n);
		k = i;
		for (j = i; j > 0 && cmp_start(&k, &w->order[j - 1], st) < 0;
		     j--)
			w->order[j] = w->order[j - 1];
		w->order[j] = k;
	}
	for (i = 1; i < st->nrefs; i++) {
		const struct ms_stmt_ref *a = &st->refs[w->order[i - 1]];

		if (a->start + a->len > st->refs[w->order[i]].start)
			return MS_ERR(w->err, MS_EINVAL,
				      "statement rewrite: names overlap at %zu",
				      a->start);
	}
	return 0;
}

/* Maps every ref; fills sel[] and the quoted target names. */
static int map_all(struct rw *w, ms_stmt_map_fn map, void *ctx)
{
	const struct ms_stmt *st = w->st;
	struct ms_buf ts, tt;
	char lb[600];
	size_t i;
	int rc = 0;

	ms_buf_init(&ts, MS_IDENT_MAX_BYTES * 4);
	ms_buf_init(&tt, MS_IDENT_MAX_BYTES * 4);
	for (i = 0; rc == 0 && i < st->nrefs; i++) {
		const struct ms_stmt_ref *r = &st->refs[i];
		bool schema_only = r->role == MS_STMT_REF_SCHEMA_ONLY;

		if (!r->schema || (!schema_only && !r->table)) {
			rc = MS_ERR(w->err, MS_EINVAL,
				    "statement rewrite: name %zu has no "
				    "schema or table",
				    i);
			break;
		}
		if (!*r->schema) {
			rc = r->table ? MS_ERR(w->err, MS_EUNSUPPORTED,
					       "table %s: named without a "
					       "database, and the statement "
					       "ran without a default one",
					       r->table)
				      : MS_ERR(w->err, MS_EUNSUPPORTED,
					       "the statement names no "
					       "database and ran without a "
					       "default one");
			break;
		}
		ms_buf_reset(&ts);
		ms_buf_reset(&tt);
		rc = map(ctx, r->schema, schema_only ? NULL : r->table, &ts,
			 &tt);
		if (rc < 0) {
			rc = MS_ERR(w->err, rc, "%s: mapping to the target: %s",
				    label(r, lb, sizeof(lb)), ms_strerror(rc));
			break;
		}
		w->sel[i] = rc > 0;
		rc = 0;
		if (!w->sel[i])
			continue;
		w->off[i] = w->names.len;
		rc = schema_only
			 ? ms_quote_ident(&w->names, ms_buf_str(&ts))
			 : ms_quote_qualified(&w->names, ms_buf_str(&ts),
					      ms_buf_str(&tt));
		if (rc == 0)
			rc = ms_buf_addc(&w->names, '\0');
		if (rc)
			rc = MS_ERR(w->err, rc,
				    "%s: the target name '%s'.'%s' cannot be "
				    "quoted",
				    label(r, lb, sizeof(lb)), ms_buf_str(&ts),
				    ms_buf_str(&tt));
	}
	ms_buf_free(&ts);
	ms_buf_free(&tt);
	return rc;
}

static int refuse(struct rw *w, const char *why, size_t a, size_t b)
{
	char la[600], lb[600];

	return MS_ERR(w->err, MS_EUNSUPPORTED, "%s %s %s",
		      label(&w->st->refs[a], la, sizeof(la)), why,
		      label(&w->st->refs[b], lb, sizeof(lb)));
}

enum plan { PLAN_NONE = 0, PLAN_ALL, PLAN_LIST };

/* RENAME TABLE pairs: both selected (kept), neither (left out), or one of
 * each (refused). */
static int plan_rename(struct rw *w)
{
	const struct ms_stmt *st = w->st;
	size_t i, kept = 0;

	if (st->nrefs % 2)
		return MS_ERR(w->err, MS_EINVAL,
			      "statement rewrite: RENAME TABLE with an odd "
			      "number of names");
	for (i = 0; i < st->nrefs; i += 2) {
		if (st->refs[i].role != MS_STMT_REF_TABLE ||
		    st->refs[i + 1].role != MS_STMT_REF_RENAMED_TO)
			return MS_ERR(w->err, MS_EINVAL,
				      "statement rewrite: RENAME TABLE names "
				      "out of pairs");
		if (w->sel[i] != w->sel[i + 1])
			return refuse(w,
				      w->sel[i]
					  ? "(selected) cannot be renamed "
					    "to the excluded"
					  : "(excluded) cannot be "
					    "renamed to the selected",
				      i, i + 1);
		kept += w->sel[i];
	}
	if (kept == 0)
		return PLAN_NONE;
	return kept * 2 == st->nrefs ? PLAN_ALL : PLAN_LIST;
}

/* Statements about refs[0]: nothing when it is excluded (unless it is
 * renamed into the selection), refused when another name is excluded. */
static int plan_one(struct rw *w)
{
	const struct ms_stmt *st = w->st;
	size_t i;

	if (!w->sel[0]) {
		for (i = 1; i < st->nrefs; i++)
			if (w->sel[i] &&
			    st->refs[i].role == MS_STMT_REF_RENAMED_TO)
				return refuse(w,
					      "(excluded) cannot be renamed "
					      "to the selected",
					      0, i);
		return PLAN_NONE;
	}
	for (i = 1; i < st->nrefs; i++) {
		if (w->sel[i])
			continue;
		if (st->refs[i].role == MS_STMT_REF_RENAMED_TO)
			return refuse(w,
				      "(selected) cannot be renamed to the "
				      "excluded",
				      0, i);
		return refuse(w, "refers to a table that is not selected:", 0,
			      i);
	}
	if (st->has_select) {
		char la[600];

		return MS_ERR(w->err, MS_EUNSUPPORTED,
			      "%s: CREATE TABLE ... SELECT in statement "
			      "format (the query would run on the target)",
			      label(&st->refs[0], la, sizeof(la)));
	}
	return PLAN_ALL;
}

static int plan(struct rw *w)
{
	const struct ms_stmt *st = w->st;
	size_t i, nsel = 0;

	switch (st->op) {
	case MS_STMT_OP_DROP_TABLE:
		for (i = 0; i < st->nrefs; i++)
			nsel += w->sel[i];
		if (nsel == 0)
			return PLAN_NONE;
		return nsel == st->nrefs ? PLAN_ALL : PLAN_LIST;
	case MS_STMT_OP_RENAME_TABLE:
		return plan_rename(w);
	default:
		return plan_one(w);
	}
}

/* Where the generated-by-server comment starts in <s>[<a>, <b>) when it
 * is a comment of its own after the last token there, or <b>. Its end
 * goes to *<end>. */
static size_t find_generated(const struct rw *w, size_t a, size_t b,
			     size_t *end)
{
	static const char gen[] = MS_STMT_GENERATED;
	const char *s = w->s;
	size_t k = sizeof(gen) - 1, i = a, pos = a, j;
	struct ms_lex_tok t;

	while (ms_lex_next(s, b, &pos, &t) == 0 && t.kind != MS_LEX_END)
		i = t.end;
	while (i < b) {
		if (s[i] == ' ' || s[i] == '\t' || s[i] == '\n' ||
		    s[i] == '\r') {
			i++;
		} else if (i + 2 < b && s[i] == '/' && s[i + 1] == '*' &&
			   s[i + 2] != '!' && s[i + 2] != 'M') {
			for (j = i + 2; j + 1 < b; j++)
				if (s[j] == '*' && s[j + 1] == '/')
					break;
			if (j + 1 >= b)
				return b;
			if (j + 2 - i == k && memcmp(s + i, gen, k) == 0) {
				*end = j + 2;
				return i;
			}
			i = j + 2;
		} else {
			return b;
		}
	}
	return b;
}

/* Appends a target name; a blank keeps it from touching a backquote of
 * the text before it (`a``b` would be one name). */
static int add_name(struct ms_buf *out, const char *name)
{
	int rc = 0;

	if (out->len && out->ptr[out->len - 1] == '`')
		rc = ms_buf_addc(out, ' ');
	return rc ? rc : ms_buf_addstr(out, name);
}

/* Appends <n> bytes of text after a name, a blank first when the text
 * starts with a backquote. */
static int add_after(struct ms_buf *out, const char *p, size_t n)
{
	int rc = 0;

	if (n && p[0] == '`')
		rc = ms_buf_addc(out, ' ');
	return rc ? rc : ms_buf_add(out, p, n);
}

/* Appends <s>[<a>, <b>), leaving out the generated-by-server comment
 * (and the blank before it) when <drop_generated>. */
static int add_tail(struct rw *w, struct ms_buf *out, size_t a, size_t b,
		    bool drop_generated)
{
	size_t g = b, gend = b;
	int rc;

	if (drop_generated)
		g = find_generated(w, a, b, &gend);
	if (g == b)
		return add_after(out, w->s + a, b - a);
	rc = add_after(out, w->s + a,
		       (g > a && w->s[g - 1] == ' ') ? g - 1 - a : g - a);
	return rc ? rc : ms_buf_add(out, w->s + gend, b - gend);
}

/* Where the text to copy ends: before a trailing START TRANSACTION clause
 * (and the blanks before it) when the statement has one. */
static size_t text_end(struct rw *w)
{
	struct ms_lex_tok t, prev1, prev2;
	size_t pos = w->from, end = w->n;

	if (!w->st->start_transaction)
		return end;
	if (w->st->nrefs) {
		const struct ms_stmt_ref *r =
		    &w->st->refs[w->order[w->st->nrefs - 1]];

		pos = r->start + r->len;
	}
	memset(&prev1, 0, sizeof(prev1));
	prev2 = prev1;
	while (ms_lex_next(w->s, w->n, &pos, &t) == 0 && t.kind != MS_LEX_END) {
		prev2 = prev1;
		prev1 = t;
	}
	if (ms_lex_is(w->s, &prev2, "START") &&
	    ms_lex_is(w->s, &prev1, "TRANSACTION")) {
		end = prev2.start;
		while (end > w->from &&
		       (w->s[end - 1] == ' ' || w->s[end - 1] == '\n' ||
			w->s[end - 1] == '\t' || w->s[end - 1] == '\r'))
			end--;
	}
	return end;
}

static int emit_all(struct rw *w, struct ms_buf *out)
{
	const struct ms_stmt *st = w->st;
	size_t i, pos = w->from, end = text_end(w);
	int rc = 0;

	for (i = 0; rc == 0 && i < st->nrefs; i++) {
		const struct ms_stmt_ref *r = &st->refs[w->order[i]];

		rc = i ? add_after(out, w->s + pos, r->start - pos)
		       : ms_buf_add(out, w->s + pos, r->start - pos);
		if (rc == 0 && r->len == 0)
			rc = ms_buf_addc(out, ' ');
		if (rc == 0)
			rc = add_name(out, w->names.ptr + w->off[w->order[i]]);
		pos = r->start + r->len;
	}
	if (rc == 0 && end < pos)
		end = pos;
	return rc ? rc
		  : add_tail(w, out, pos, end, st->op == MS_STMT_OP_DROP_TABLE);
}

/* DROP TABLE / RENAME TABLE with some names left out: the head, the kept
 * names (pairs), the tail. */
static int emit_list(struct rw *w, struct ms_buf *out)
{
	const struct ms_stmt *st = w->st;
	const struct ms_stmt_ref *last = &st->refs[st->nrefs - 1];
	bool rename = st->op == MS_STMT_OP_RENAME_TABLE;
	size_t i, step = rename ? 2 : 1, n = 0;
	int rc = ms_buf_add(out, w->s + w->from, st->refs[0].start - w->from);

	for (i = 0; rc == 0 && i < st->nrefs; i += step) {
		if (!w->sel[i])
			continue;
		if (n++)
			rc = ms_buf_addstr(out, ", ");
		if (rc == 0)
			rc = add_name(out, w->names.ptr + w->off[i]);
		if (rc == 0 && rename)
			rc = ms_buf_addstr(out, " TO ");
		if (rc == 0 && rename)
			rc = add_name(out, w->names.ptr + w->off[i + 1]);
	}
	return rc ? rc
		  : add_tail(w, out, last->start + last->len, w->n, !rename);
}

int ms_stmt_rewrite(const struct ms_stmt *st, const char *sql, size_t len,
		    ms_stmt_map_fn map, void *ctx, struct ms_buf *out,
		    struct ms_err *err)
{
	size_t mlen = strlen(MS_STMT_MARKER);
	struct rw w;
	int rc, how;

	if (!st || !map || !out || (!sql && len))
		return MS_ERR(err, MS_EINVAL, "statement rewrite: no input");
	ms_buf_reset(out);
	if (st->kind != MS_STMT_TABLE_DDL && st->kind != MS_STMT_SCHEMA_DDL)
		return MS_ERR(err, MS_EUNSUPPORTED,
			      "statement rewrite: only table and database "
			      "DDL can be replayed");
	if (st->nrefs == 0)
		return MS_ERR(err, MS_EUNSUPPORTED,
			      "statement rewrite: the statement names no "
			      "table or database");
	memset(&w, 0, sizeof(w));
	w.st = st;
	w.s = sql ? sql : "";
	w.n = ms_stmt_text_len(w.s, len);
	w.from = st->marked && w.n >= mlen ? mlen : 0;
	w.err = err;
	ms_buf_init(&w.names, MS_STMT_MAX_TEXT);
	w.sel = calloc(st->nrefs, sizeof(*w.sel));
	w.off = calloc(st->nrefs, sizeof(*w.off));
	w.order = calloc(st->nrefs, sizeof(*w.order));
	if (!w.sel || !w.off || !w.order)
		rc = MS_ERR(err, MS_ENOMEM, "statement rewrite");
	else
		rc = sort_spans(&w);
	if (rc == 0)
		rc = map_all(&w, map, ctx);
	how = rc ? rc : plan(&w);
	if (how == PLAN_ALL || how == PLAN_LIST) {
		rc = ms_buf_addstr(out, MS_STMT_MARKER);
		if (rc == 0)
			rc = how == PLAN_ALL ? emit_all(&w, out)
					     : emit_list(&w, out);
		if (rc) {
			ms_buf_reset(out);
			rc = MS_ERR(err, rc,
				    "statement rewrite: the target "
				    "statement does not fit");
		} else {
			rc = 1;
		}
	} else {
		rc = how;
	}
	free(w.sel);
	free(w.off);
	free(w.order);
	ms_buf_free(&w.names);
	return rc;
}
