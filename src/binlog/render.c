/* Renders decoded events as JSON lines (`myshift binlog dump`) and the
 * text of USER_VAR values. The value mapping is in docs/binlog.md. */
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "binlog/binlog_int.h"
#include "core/buf.h"

/* ---- numbers ----------------------------------------------------------- */

/* The shortest %g form that reads back as the same double. */
static void fmt_double(double v, char out[32])
{
	for (int prec = 15; prec <= 17; prec++) {
		snprintf(out, 32, "%.*g", prec, v);
		if (strtod(out, NULL) == v)
			return;
	}
}

static void fmt_float(float v, char out[32])
{
	for (int prec = 6; prec <= 9; prec++) {
		snprintf(out, 32, "%.*g", prec, (double)v);
		if (strtof(out, NULL) == v)
			return;
	}
}

int bl_user_var_text(struct ms_bl_user_var *u, struct ms_arena *a,
		     struct ms_err *err)
{
	const uint8_t *p = u->value.p;
	size_t n = u->value.len;
	char num[32];
	size_t used, tl;

	switch (u->type) {
	case 0: /* STRING_RESULT: raw bytes in u->charset */
		u->text = ms_arena_strndup(a, p, n);
		break;
	case 1: /* REAL_RESULT */
		if (n != 8)
			return MS_ERR(err, MS_ECORRUPT,
				      "USER_VAR REAL value has %zu bytes", n);
		{
			uint64_t bits = bl_le64(p);
			double d;

			memcpy(&d, &bits, sizeof(d));
			fmt_double(d, num);
		}
		u->text = ms_arena_strndup(a, num, strlen(num));
		break;
	case 2: /* INT_RESULT */
		if (n != 8)
			return MS_ERR(err, MS_ECORRUPT,
				      "USER_VAR INT value has %zu bytes", n);
		if (u->is_unsigned)
			snprintf(num, sizeof(num), "%" PRIu64, bl_le64(p));
		else
			snprintf(num, sizeof(num), "%" PRId64,
				 (int64_t)bl_le64(p));
		u->text = ms_arena_strndup(a, num, strlen(num));
		break;
	case 4: /* DECIMAL_RESULT: precision, scale, binary decimal */
		if (n < 2)
			return MS_ERR(err, MS_ECORRUPT,
				      "USER_VAR DECIMAL value has %zu bytes",
				      n);
		return bl_decimal_text(p + 2, n - 2, p[0], p[1], a, &u->text,
				       &tl, &used, err);
	default:
		return MS_ERR(err, MS_ECORRUPT, "USER_VAR type %u is unknown",
			      u->type);
	}
	return u->text ? 0 : MS_ERR(err, MS_ETOOLARGE, "out of memory");
}

/* ---- JSON writer ------------------------------------------------------- */

/* Accumulates the first failure so the rendering code reads straight. */
struct jw {
	struct ms_buf *b;
	int rc;
};

static void jraw(struct jw *w, const void *p, size_t n)
{
	if (!w->rc)
		w->rc = ms_buf_add(w->b, p, n);
}

static void jstr0(struct jw *w, const char *s)
{
	jraw(w, s, strlen(s));
}

static void jkey(struct jw *w, const char *k)
{
	jraw(w, ",\"", 2);
	jstr0(w, k);
	jraw(w, "\":", 2);
}

/* A JSON string of bytes known to be valid UTF-8. */
static void jstring(struct jw *w, const void *vp, size_t n)
{
	static const char hex[] = "0123456789abcdef";
	const uint8_t *p = vp;
	size_t run = 0;

	jraw(w, "\"", 1);
	for (size_t i = 0; i < n; i++) {
		uint8_t c = p[i];
		char esc[6] = {'\\', 'u', '0', '0', hex[c >> 4], hex[c & 15]};

		if (c >= 0x20 && c != '"' && c != '\\')
			continue;
		jraw(w, p + run, i - run);
		run = i + 1;
		if (c == '"' || c == '\\') {
			char e[2] = {'\\', (char)c};

			jraw(w, e, 2);
		} else if (c == '\n') {
			jraw(w, "\\n", 2);
		} else if (c == '\t') {
			jraw(w, "\\t", 2);
		} else if (c == '\r') {
			jraw(w, "\\r", 2);
		} else {
			jraw(w, esc, 6);
		}
	}
	jraw(w, p + run, n - run);
	jraw(w, "\"", 1);
}

static void jcstr(struct jw *w, const char *s)
{
	if (!s) {
		jstr0(w, "null");
		return;
	}
	if (bl_utf8_valid((const uint8_t *)s, strlen(s)))
		jstring(w, s, strlen(s));
	else
		jstr0(w, "\"?\"");
}

static void jhex(struct jw *w, const uint8_t *p, size_t n)
{
	static const char hex[] = "0123456789abcdef";
	char buf[128];
	size_t k = 0;

	jraw(w, "\"", 1);
	for (size_t i = 0; i < n; i++) {
		buf[k++] = hex[p[i] >> 4];
		buf[k++] = hex[p[i] & 15];
		if (k == sizeof(buf)) {
			jraw(w, buf, k);
			k = 0;
		}
	}
	jraw(w, buf, k);
	jraw(w, "\"", 1);
}

static void jfmt(struct jw *w, const char *fmt, ...) MS_PRINTF(2, 3);
static void jfmt(struct jw *w, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	if (!w->rc)
		w->rc = ms_buf_vaddf(w->b, fmt, ap);
	va_end(ap);
}

static void jkey_u64(struct jw *w, const char *k, uint64_t v)
{
	jkey(w, k);
	jfmt(w, "%" PRIu64, v);
}

static void jkey_str(struct jw *w, const char *k, const char *s)
{
	jkey(w, k);
	jcstr(w, s);
}

/* Bytes as a string when they are text, else {"hex": "..."}. */
static void jbytes(struct jw *w, const uint8_t *p, size_t n, uint16_t cs)
{
	if (cs != MS_BL_COLLATION_BINARY && bl_utf8_valid(p, n)) {
		jstring(w, p, n);
		return;
	}
	jraw(w, "{\"hex\":", 7);
	jhex(w, p, n);
	jraw(w, "}", 1);
}

/* ---- values ----------------------------------------------------------- */

static void jvalue(struct jw *w, const struct ms_bl_value *v)
{
	char num[32];

	switch (v->kind) {
	case MS_BL_V_ABSENT:
	case MS_BL_V_NULL:
		jstr0(w, "null");
		break;
	case MS_BL_V_INT:
		if (v->is_unsigned)
			jfmt(w, "%" PRIu64, v->n.u);
		else
			jfmt(w, "%" PRId64, v->n.i);
		break;
	case MS_BL_V_YEAR:
		jfmt(w, "%" PRId64, v->n.i);
		break;
	case MS_BL_V_FLOAT:
	case MS_BL_V_DOUBLE:
		if (v->kind == MS_BL_V_FLOAT)
			fmt_float(v->n.f, num);
		else
			fmt_double(v->n.d, num);
		/* inf and nan are not JSON numbers */
		if (isfinite(v->kind == MS_BL_V_FLOAT ? (double)v->n.f
						      : v->n.d))
			jstr0(w, num);
		else
			jstring(w, num, strlen(num));
		break;
	case MS_BL_V_DECIMAL:
	case MS_BL_V_DATE:
	case MS_BL_V_TIME:
	case MS_BL_V_DATETIME:
	case MS_BL_V_TIMESTAMP:
		jstring(w, v->p, v->len);
		break;
	case MS_BL_V_ENUM:
	case MS_BL_V_SET:
		if (v->p && bl_utf8_valid(v->p, v->len))
			jstring(w, v->p, v->len);
		else
			jfmt(w, "%" PRIu64, v->n.u);
		break;
	case MS_BL_V_STRING:
	case MS_BL_V_BLOB:
		jbytes(w, v->p, v->len, v->charset);
		break;
	case MS_BL_V_BIT:
		jfmt(w, "%" PRIu64, v->n.u);
		break;
	case MS_BL_V_JSON:
		/* canonical JSON text: embedded as JSON */
		jraw(w, v->p, v->len);
		break;
	case MS_BL_V_JSON_DIFF: {
		static const char *const ops[] = {"replace", "insert",
						  "remove"};

		jraw(w, "{\"json_diff\":[", 14);
		for (uint32_t i = 0; i < v->ndiffs; i++) {
			const struct ms_bl_json_diff *d = &v->diffs[i];

			jstr0(w, i ? ",{\"op\":\"" : "{\"op\":\"");
			jstr0(w, d->op <= MS_BL_JSON_REMOVE ? ops[d->op] : "?");
			jraw(w, "\",\"path\":", 9);
			jbytes(w, d->path.p, d->path.len, 0);
			if (d->value) {
				jraw(w, ",\"value\":", 9);
				jraw(w, d->value, d->value_len);
			}
			jraw(w, "}", 1);
		}
		jraw(w, "]}", 2);
		break;
	}
	case MS_BL_V_GEOMETRY:
		jfmt(w, "{\"srid\":%" PRIu64 ",\"wkb\":", v->n.u);
		jhex(w, v->p, v->len);
		jraw(w, "}", 1);
		break;
	case MS_BL_V_VECTOR:
		jraw(w, "[", 1);
		for (size_t i = 0; i + 4 <= v->len; i += 4) {
			uint32_t bits = bl_le32(v->p + i);
			float f;

			memcpy(&f, &bits, sizeof(f));
			fmt_float(f, num);
			if (i)
				jraw(w, ",", 1);
			if (isfinite((double)f))
				jstr0(w, num);
			else
				jstring(w, num, strlen(num));
		}
		jraw(w, "]", 1);
		break;
	default:
		jstr0(w, "null");
	}
}

int ms_bl_value_json(const struct ms_bl_value *v, struct ms_buf *out)
{
	struct jw w = {out, 0};

	jvalue(&w, v);
	return w.rc;
}

/* ---- events ------------------------------------------------------------ */

static void jgtid(struct jw *w, const struct ms_bl_gtid *g)
{
	char uuid[37];

	if (g->mariadb) {
		jkey(w, "gtid");
		jfmt(w, "\"%" PRIu32 "-%" PRIu32 "-%" PRIu64 "\"", g->domain_id,
		     g->server_id, g->seq_no);
		jkey_u64(w, "gtid_flags", g->flags);
		if (g->flags & MS_BL_MARIA_FL_GROUP_COMMIT_ID)
			jkey_u64(w, "commit_id", g->commit_id);
		return;
	}
	ms_bl_uuid_str(g->uuid, uuid);
	jkey(w, "gtid");
	if (g->tag)
		jfmt(w, "\"%s:%s:%" PRId64 "\"", uuid, g->tag, g->gno);
	else
		jfmt(w, "\"%s:%" PRId64 "\"", uuid, g->gno);
	jkey_u64(w, "gtid_flags", g->flags);
	if (g->has_logical_clock) {
		jkey(w, "last_committed");
		jfmt(w, "%" PRId64, g->last_committed);
		jkey(w, "sequence_number");
		jfmt(w, "%" PRId64, g->sequence_number);
	}
	if (g->has_commit_ts) {
		jkey_u64(w, "immediate_commit_us", g->immediate_commit_us);
		jkey_u64(w, "original_commit_us", g->original_commit_us);
		jkey_u64(w, "transaction_length", g->transaction_length);
		jkey_u64(w, "immediate_server_version",
			 g->immediate_server_version);
		jkey_u64(w, "original_server_version",
			 g->original_server_version);
	}
}

/* MySQL's text form, closed intervals: "uuid:1-13:tag:1-2,uuid2:5". */
static void jgtid_set(struct jw *w, const struct ms_bl_gtid_set *s)
{
	char uuid[37];

	jkey(w, "gtid_set");
	jraw(w, "\"", 1);
	for (uint32_t i = 0; i < s->nsids; i++) {
		const struct ms_bl_gtid_sid *sid = &s->sids[i];
		bool same =
		    i && memcmp(sid->uuid, s->sids[i - 1].uuid, 16) == 0;

		ms_bl_uuid_str(sid->uuid, uuid);
		if (!same)
			jfmt(w, "%s%s", i ? "," : "", uuid);
		if (sid->tag)
			jfmt(w, ":%s", sid->tag);
		for (uint32_t k = 0; k < sid->nintervals; k++) {
			int64_t lo = sid->intervals[k].start;
			int64_t hi = sid->intervals[k].end - 1;

			if (hi > lo)
				jfmt(w, ":%" PRId64 "-%" PRId64, lo, hi);
			else
				jfmt(w, ":%" PRId64, lo);
		}
	}
	jraw(w, "\"", 1);
}

static void jquery(struct jw *w, const struct ms_bl_query *q)
{
	jkey_str(w, "schema", q->schema);
	jkey(w, "sql");
	jbytes(w, q->sql.p, q->sql.len, 0);
	jkey_u64(w, "thread_id", q->thread_id);
	jkey_u64(w, "exec_time", q->exec_time);
	jkey_u64(w, "error_code", q->error_code);
	if (q->compressed)
		jstr0(w, ",\"compressed\":true");
	if (q->has_sql_mode)
		jkey_u64(w, "sql_mode", q->sql_mode);
	if (q->has_charset) {
		jkey_u64(w, "charset_client", q->charset_client);
		jkey_u64(w, "collation_connection", q->collation_connection);
		jkey_u64(w, "collation_server", q->collation_server);
	}
	if (q->has_time_zone)
		jkey_str(w, "time_zone", q->time_zone);
	if (q->has_auto_increment) {
		jkey_u64(w, "auto_increment_increment",
			 q->auto_increment_increment);
		jkey_u64(w, "auto_increment_offset", q->auto_increment_offset);
	}
	if (q->has_charset_database)
		jkey_u64(w, "charset_database", q->charset_database);
	if (q->has_default_collation)
		jkey_u64(w, "default_collation_for_utf8mb4",
			 q->default_collation_for_utf8mb4);
	if (q->has_ddl_xid)
		jkey_u64(w, "ddl_xid", q->ddl_xid);
}

static void jcolumn(struct jw *w, const struct ms_bl_column *c, uint32_t i)
{
	const char *tn = ms_bl_coltype_name(c->type);

	jraw(w, i ? ",{\"name\":" : "{\"name\":", i ? 9 : 8);
	jcstr(w, c->name);
	jkey(w, "type");
	if (tn)
		jstring(w, tn, strlen(tn));
	else
		jfmt(w, "%u", c->type);
	jkey_u64(w, "meta", c->meta);
	jkey(w, "nullable");
	jstr0(w, c->nullable ? "true" : "false");
	if (c->is_unsigned >= 0) {
		jkey(w, "unsigned");
		jstr0(w, c->is_unsigned ? "true" : "false");
	}
	if (c->charset)
		jkey_u64(w, "charset", c->charset);
	if (c->pk)
		jstr0(w, ",\"pk\":true");
	if (c->visible == 0)
		jstr0(w, ",\"visible\":false");
	if (c->nstrings) {
		jkey(w, "values");
		jraw(w, "[", 1);
		for (uint32_t k = 0; k < c->nstrings; k++) {
			if (k)
				jraw(w, ",", 1);
			jbytes(w, c->strings[k].p, c->strings[k].len, 0);
		}
		jraw(w, "]", 1);
	}
	jraw(w, "}", 1);
}

static void jtable_map(struct jw *w, const struct ms_bl_table_map *tm)
{
	jkey_u64(w, "table_id", tm->table_id);
	jkey_str(w, "schema", tm->schema);
	jkey_str(w, "table", tm->table);
	jkey(w, "columns");
	jraw(w, "[", 1);
	for (uint32_t i = 0; i < tm->ncols; i++)
		jcolumn(w, &tm->cols[i], i);
	jraw(w, "]", 1);
}

/* An image as an object keyed by column name ("@N", 1-based, when the
 * binlog has no names); absent columns are left out. */
static void jimage(struct jw *w, const struct ms_bl_table_map *tm,
		   const struct ms_bl_value *img, uint32_t ncols)
{
	bool first = true;

	jraw(w, "{", 1);
	for (uint32_t i = 0; i < ncols; i++) {
		if (img[i].kind == MS_BL_V_ABSENT)
			continue;
		if (!first)
			jraw(w, ",", 1);
		first = false;
		if (i < tm->ncols && tm->cols[i].name)
			jcstr(w, tm->cols[i].name);
		else
			jfmt(w, "\"@%u\"", i + 1);
		jraw(w, ":", 1);
		jvalue(w, &img[i]);
	}
	jraw(w, "}", 1);
}

static void jrows(struct jw *w, const struct ms_bl_rows *r)
{
	static const char *const ops[] = {"?", "write", "update", "delete",
					  "partial_update"};

	jkey_u64(w, "table_id", r->table_id);
	if (r->tm) {
		jkey_str(w, "schema", r->tm->schema);
		jkey_str(w, "table", r->tm->table);
	}
	jkey_str(w, "op",
		 r->op <= MS_BL_ROWS_PARTIAL_UPDATE ? ops[r->op] : "?");
	jkey_u64(w, "rows_flags", r->flags);
	if (r->compressed)
		jstr0(w, ",\"compressed\":true");
	if (r->partition_id >= 0)
		jkey_u64(w, "partition_id", (uint64_t)r->partition_id);
	jkey_u64(w, "nrows", r->nrows);
	if (!r->rows || !r->tm)
		return;
	jkey(w, "rows");
	jraw(w, "[", 1);
	for (uint32_t i = 0; i < r->nrows; i++) {
		jraw(w, i ? ",{" : "{", i ? 2 : 1);
		if (r->rows[i].before) {
			jraw(w, "\"before\":", 9);
			jimage(w, r->tm, r->rows[i].before, r->ncols);
		}
		if (r->rows[i].after) {
			jstr0(w,
			      r->rows[i].before ? ",\"after\":" : "\"after\":");
			jimage(w, r->tm, r->rows[i].after, r->ncols);
		}
		jraw(w, "}", 1);
	}
	jraw(w, "]", 1);
}

static void jevent(struct jw *w, const struct ms_bl_event *ev);

static void jbody(struct jw *w, const struct ms_bl_event *ev)
{
	const char *checksums[] = {"NONE", "CRC32"};

	switch (ev->kind) {
	case MS_BL_K_FDE:
		jkey_u64(w, "binlog_version", ev->u.fde.binlog_version);
		jkey_str(w, "server_version", ev->u.fde.server_version);
		jkey_str(w, "flavor",
			 ev->u.fde.flavor == MS_BL_FLAVOR_MARIADB ? "mariadb"
								  : "mysql");
		jkey_str(w, "checksum",
			 ev->u.fde.checksum <= 1 ? checksums[ev->u.fde.checksum]
						 : "UNDEF");
		break;
	case MS_BL_K_ROTATE:
		jkey_u64(w, "position", ev->u.rotate.position);
		jkey_str(w, "name", ev->u.rotate.name);
		break;
	case MS_BL_K_HEARTBEAT:
		jkey_str(w, "log_name", ev->u.heartbeat.log_name);
		jkey_u64(w, "position", ev->u.heartbeat.position);
		break;
	case MS_BL_K_QUERY:
		jquery(w, &ev->u.query);
		break;
	case MS_BL_K_XID:
		jkey_u64(w, "xid", ev->u.xid);
		break;
	case MS_BL_K_GTID:
		jgtid(w, &ev->u.gtid);
		break;
	case MS_BL_K_PREVIOUS_GTIDS:
		jgtid_set(w, &ev->u.gtid_set);
		break;
	case MS_BL_K_GTID_LIST:
		jkey(w, "gtid_list");
		jraw(w, "[", 1);
		for (uint32_t i = 0; i < ev->u.gtid_list.count; i++) {
			const struct ms_bl_maria_gtid *g =
			    &ev->u.gtid_list.gtids[i];

			jfmt(w, "%s\"%" PRIu32 "-%" PRIu32 "-%" PRIu64 "\"",
			     i ? "," : "", g->domain_id, g->server_id,
			     g->seq_no);
		}
		jraw(w, "]", 1);
		break;
	case MS_BL_K_BINLOG_CHECKPOINT:
		jkey_str(w, "file", ev->u.checkpoint_file);
		break;
	case MS_BL_K_TABLE_MAP:
		jtable_map(w, ev->u.table_map);
		break;
	case MS_BL_K_ROWS:
		jrows(w, &ev->u.rows);
		break;
	case MS_BL_K_ROWS_QUERY:
		jkey(w, "sql");
		jbytes(w, ev->u.rows_query.p, ev->u.rows_query.len, 0);
		break;
	case MS_BL_K_PAYLOAD:
		jkey_str(w, "compression",
			 ev->u.payload.compression == 0 ? "zstd" : "none");
		jkey_u64(w, "payload_size", ev->u.payload.payload_size);
		jkey_u64(w, "uncompressed_size",
			 ev->u.payload.uncompressed_size);
		jkey(w, "events");
		jraw(w, "[", 1);
		for (uint32_t i = 0; i < ev->u.payload.nevents; i++) {
			if (i)
				jraw(w, ",", 1);
			jevent(w, &ev->u.payload.events[i]);
		}
		jraw(w, "]", 1);
		break;
	case MS_BL_K_INTVAR:
		jkey_str(w, "var",
			 ev->u.intvar.type == 1 ? "LAST_INSERT_ID"
						: "INSERT_ID");
		jkey_u64(w, "value", ev->u.intvar.value);
		break;
	case MS_BL_K_RAND:
		jkey_u64(w, "seed1", ev->u.rand.seed1);
		jkey_u64(w, "seed2", ev->u.rand.seed2);
		break;
	case MS_BL_K_USER_VAR:
		jkey_str(w, "name", ev->u.user_var.name);
		jkey(w, "value");
		if (ev->u.user_var.is_null)
			jstr0(w, "null");
		else
			jbytes(w, (const uint8_t *)ev->u.user_var.text,
			       strlen(ev->u.user_var.text), 0);
		break;
	case MS_BL_K_XA_PREPARE:
		jkey(w, "one_phase");
		jstr0(w, ev->u.xa.one_phase ? "true" : "false");
		jkey(w, "format_id");
		jfmt(w, "%" PRId32, ev->u.xa.format_id);
		jkey(w, "gtrid");
		jbytes(w, ev->u.xa.gtrid.p, ev->u.xa.gtrid.len, 0);
		jkey(w, "bqual");
		jbytes(w, ev->u.xa.bqual.p, ev->u.xa.bqual.len, 0);
		break;
	case MS_BL_K_INCIDENT:
		jkey_u64(w, "incident", ev->u.incident.type);
		jkey(w, "message");
		jbytes(w, ev->u.incident.message.p, ev->u.incident.message.len,
		       0);
		break;
	case MS_BL_K_SKIPPED:
		jkey_str(w, "skipped", ev->skip_reason);
		break;
	default:
		break;
	}
}

static void jevent(struct jw *w, const struct ms_bl_event *ev)
{
	const char *name = ms_bl_type_name(ev->h.type);

	jfmt(w, "{\"offset\":%" PRIu64, ev->offset);
	jkey(w, "type");
	if (name)
		jstring(w, name, strlen(name));
	else
		jfmt(w, "%u", ev->h.type);
	jkey_u64(w, "timestamp", ev->h.timestamp);
	jkey_u64(w, "server_id", ev->h.server_id);
	jkey_u64(w, "size", ev->h.event_size);
	jkey_u64(w, "log_pos", ev->h.log_pos);
	jkey_u64(w, "flags", ev->h.flags);
	if (ev->statement_only)
		jstr0(w, ",\"statement_only\":true");
	jbody(w, ev);
	jraw(w, "}", 1);
}

int ms_bl_event_json(const struct ms_bl_event *ev, struct ms_buf *out)
{
	struct jw w = {out, 0};

	jevent(&w, ev);
	return w.rc;
}
