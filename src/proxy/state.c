/* What a session carries that a new backend connection must be given
 * before the session can move to it: the schema and the session variables
 * (learnt from the backend's own session tracking, so SET NAMES, SET
 * autocommit, SET time_zone, ... need no parsing here), the prepared
 * statements with their parameter types, and the sticky reasons a session
 * cannot move at all. The replay is pipelined: COM_INIT_DB, one SET SESSION
 * of every variable, one COM_STMT_PREPARE per statement, sent together,
 * their answers absorbed in order. */
#include <stdlib.h>
#include <string.h>

#include "core/log.h"
#include "proxy/loop.h"
#include "proxy/proxy_int.h"

/* ---- variables ------------------------------------------------------------
 */

/* Variables session tracking reports that a session does not own: read
 * only (last_gtid), or one-shot values for the next statement. */
static const char *const SERVER_OWNED[] = {
    "last_gtid",   "insert_id",	     "rand_seed1", "rand_seed2",
    "gtid_seq_no", "last_insert_id", NULL,
};

const char *px_var_get(const struct px_session *s, const char *name)
{
	for (unsigned i = 0; i < s->nvars; i++)
		if (strcmp(s->vars[i].name, name) == 0)
			return s->vars[i].value;
	return NULL;
}

static char *dup_view(const struct ms_view *v)
{
	char *s = malloc(v->n + 1);

	if (s) {
		memcpy(s, v->p, v->n);
		s[v->n] = '\0';
	}
	return s;
}

static void var_set(struct px_session *s, const struct ms_view *name,
		    const struct ms_view *value)
{
	struct px_var *v = NULL;

	if (name->n == 0 || name->n > 64 || value->n > PX_VAR_VALUE_MAX ||
	    memchr(name->p, 0, name->n) || memchr(value->p, 0, value->n))
		return;
	/* The proxy's own tracking settings are not the client's, and what
	 * the server maintains itself (or uses once) is not replayed. */
	if (name->n > 14 && memcmp(name->p, "session_track_", 14) == 0)
		return;
	for (const char *const *k = SERVER_OWNED; *k; k++)
		if (strlen(*k) == name->n && memcmp(*k, name->p, name->n) == 0)
			return;
	for (unsigned i = 0; i < s->nvars; i++)
		if (strlen(s->vars[i].name) == name->n &&
		    memcmp(s->vars[i].name, name->p, name->n) == 0)
			v = &s->vars[i];
	if (!v) {
		if (s->nvars == PX_VARS_MAX)
			return;
		if (!s->vars) {
			s->vars = calloc(PX_VARS_MAX, sizeof(*s->vars));
			if (!s->vars)
				return;
		}
		v = &s->vars[s->nvars];
		v->name = dup_view(name);
		if (!v->name)
			return;
		s->nvars++;
	}
	char *val = dup_view(value);
	if (!val)
		return;
	free(v->value);
	v->value = val;
	v->seq = ++s->var_seq;
}

void px_state_track(struct px_session *s, const struct ms_ok *ok)
{
	struct ms_track t;
	struct ms_err err = {0};
	size_t off = 0;
	int rc;

	while ((rc = ms_proto_track_next(&ok->state, &off, &t, &err)) == 1) {
		if (t.type == MS_TRACK_SCHEMA && t.name.n <= PX_SCHEMA_MAX) {
			memcpy(s->schema, t.name.p, t.name.n);
			s->schema[t.name.n] = '\0';
		} else if (t.type == MS_TRACK_SYSTEM_VARIABLES) {
			var_set(s, &t.name, &t.value);
		}
	}
	if (rc < 0)
		MS_LOG_DEBUG("proxy",
			     "event=bad_session_state id=%u error=\"%s\"",
			     s->id, err.msg);
}

/* ---- statements -----------------------------------------------------------
 */

struct px_stmt *px_stmt_find(struct px_session *s, uint32_t id)
{
	for (unsigned i = 0; i < s->nstmts; i++)
		if (s->stmts[i].id == id)
			return &s->stmts[i];
	return NULL;
}

struct px_stmt *px_stmt_add(struct px_session *s)
{
	if (s->nstmts == PX_STMTS_MAX)
		return NULL;
	if (s->nstmts == s->astmts) {
		unsigned n = s->astmts ? s->astmts * 2 : 8;
		struct px_stmt *v = realloc(s->stmts, n * sizeof(*v));
		if (!v)
			return NULL;
		s->stmts = v;
		s->astmts = n;
	}
	struct px_stmt *st = &s->stmts[s->nstmts++];
	memset(st, 0, sizeof(*st));
	st->id = s->next_stmt_id++;
	if (s->next_stmt_id == 0)
		s->next_stmt_id = 1;
	return st;
}

void px_stmt_remove(struct px_session *s, uint32_t id)
{
	for (unsigned i = 0; i < s->nstmts; i++) {
		if (s->stmts[i].id != id)
			continue;
		if (s->cmd_stmt == &s->stmts[i])
			s->cmd_stmt = NULL;
		free(s->stmts[i].sql);
		free(s->stmts[i].types);
		s->stmts[i] = s->stmts[--s->nstmts];
		return;
	}
}

static void stmts_free(struct px_session *s)
{
	for (unsigned i = 0; i < s->nstmts; i++) {
		free(s->stmts[i].sql);
		free(s->stmts[i].types);
	}
	s->nstmts = 0;
	s->cmd_stmt = NULL;
}

/* What COM_RESET_CONNECTION and COM_CHANGE_USER leave: the schema only. */
void px_state_reset(struct px_session *s)
{
	for (unsigned i = 0; i < s->nvars; i++) {
		free(s->vars[i].name);
		free(s->vars[i].value);
	}
	s->nvars = 0;
	stmts_free(s);
	s->unmovable = 0;
}

void px_state_free(struct px_session *s)
{
	px_state_reset(s);
	free(s->vars);
	s->vars = NULL;
	free(s->stmts);
	s->stmts = NULL;
	s->astmts = 0;
}

/* ---- movability -----------------------------------------------------------
 */

const char *px_unmovable_reason(const struct px_session *s)
{
	if (s->unmovable & PX_U_TEMP_TABLE)
		return "temporary tables";
	if (s->unmovable & PX_U_GET_LOCK)
		return "GET_LOCK locks";
	if (s->unmovable & PX_U_LOCK_TABLES)
		return "LOCK TABLES";
	if (s->unmovable & PX_U_USER_VAR)
		return "user variables";
	if (s->unmovable & PX_U_SQL_PREPARE)
		return "SQL-level PREPARE";
	if (s->unmovable & PX_U_XA)
		return "XA transaction";
	return NULL;
}

bool px_at_boundary(const struct px_session *s)
{
	if (s->phase != PX_C_READY || s->in_frag)
		return false;
	if (s->status & MS_SERVER_STATUS_IN_TRANS)
		return false;
	for (unsigned i = 0; i < s->nstmts; i++)
		if (s->stmts[i].cursor || s->stmts[i].long_data)
			return false;
	return true;
}

/* ---- replay ---------------------------------------------------------------
 */

static bool is_number(const char *v)
{
	const char *p = v;

	if (*p == '-')
		p++;
	if (!*p)
		return false;
	bool dot = false;
	for (; *p; p++) {
		if (*p == '.' && !dot && p[1])
			dot = true;
		else if (*p < '0' || *p > '9')
			return false;
	}
	return true;
}

/* Appends the value of a session variable as SQL. Backslashes would read
 * differently under NO_BACKSLASH_ESCAPES, so such values go as hex. */
static int add_value(struct ms_buf *b, const char *name, const char *v)
{
	if (!*v && strcmp(name, "character_set_results") == 0)
		return ms_buf_addstr(b, "NULL");
	if (is_number(v))
		return ms_buf_addstr(b, v);
	if (strchr(v, '\\')) {
		int rc = ms_buf_addstr(b, "X'");
		if (!rc)
			rc = ms_buf_addhex(b, v, strlen(v));
		return rc ? rc : ms_buf_addc(b, '\'');
	}
	int rc = ms_buf_addc(b, '\'');
	for (const char *p = v; !rc && *p; p++)
		rc = *p == '\'' ? ms_buf_addstr(b, "''") : ms_buf_addc(b, *p);
	return rc ? rc : ms_buf_addc(b, '\'');
}

static int cmp_seq(const void *a, const void *b)
{
	const struct px_var *x = *(const struct px_var *const *)a;
	const struct px_var *y = *(const struct px_var *const *)b;

	return x->seq < y->seq ? -1 : x->seq > y->seq;
}

/* "SET SESSION a=..., b=..." in the order the variables last changed
 * (collation_connection after character_set_connection, as SET NAMES
 * left them). */
static int build_set(struct px_session *s, struct ms_buf *q)
{
	struct px_var *order[PX_VARS_MAX];
	int rc;

	for (unsigned i = 0; i < s->nvars; i++)
		order[i] = &s->vars[i];
	qsort(order, s->nvars, sizeof(order[0]), cmp_seq);
	rc = ms_buf_addc(q, MS_COM_QUERY);
	if (!rc)
		rc = ms_buf_addstr(q, "SET SESSION ");
	for (unsigned i = 0; !rc && i < s->nvars; i++) {
		rc = ms_buf_addf(q, "%s`%s`=", i ? ", " : "", order[i]->name);
		if (!rc)
			rc = add_value(q, order[i]->name, order[i]->value);
	}
	return rc;
}

/* The replay steps, in the order they were sent: [INIT_DB] [SET] PREPARE*.
 * Returns the command of step <pos>. */
static uint8_t step_cmd(const struct px_bconn *nb, unsigned pos)
{
	if (nb->replay_initdb && pos == 0)
		return MS_COM_INIT_DB;
	pos -= nb->replay_initdb;
	if (nb->replay_set && pos == 0)
		return MS_COM_QUERY;
	return MS_COM_STMT_PREPARE;
}

static struct px_stmt *step_stmt(struct px_session *s,
				 const struct px_bconn *nb, unsigned pos)
{
	unsigned i = pos - nb->replay_initdb - nb->replay_set;

	return i < s->nstmts ? &s->stmts[i] : NULL;
}

static void swap(struct px_session *s);

int px_state_replay(struct px_session *s, struct px_bconn *nb)
{
	struct ms_buf q;
	int rc = 0;

	ms_buf_init(&q, 1024 * 1024);
	nb->replay_initdb = strcmp(nb->db, s->schema) != 0 && s->schema[0];
	nb->replay_set = s->nvars > 0;
	nb->replay_pos = 0;
	nb->absorb = nb->replay_initdb + nb->replay_set + s->nstmts;
	if (nb->replay_initdb) {
		rc = ms_buf_addc(&q, MS_COM_INIT_DB);
		if (!rc)
			rc = ms_buf_addstr(&q, s->schema);
		if (!rc)
			rc = px_queue_packet(&nb->c.out, 0, q.ptr, q.len, NULL);
		ms_buf_reset(&q);
	}
	if (!rc && nb->replay_set) {
		rc = build_set(s, &q);
		if (!rc)
			rc = px_queue_packet(&nb->c.out, 0, q.ptr, q.len, NULL);
		ms_buf_reset(&q);
	}
	for (unsigned i = 0; !rc && i < s->nstmts; i++) {
		rc = ms_buf_addc(&q, MS_COM_STMT_PREPARE);
		if (!rc)
			rc = ms_buf_add(&q, s->stmts[i].sql,
					s->stmts[i].sql_len);
		if (!rc)
			rc = px_queue_packet(&nb->c.out, 0, q.ptr, q.len, NULL);
		ms_buf_reset(&q);
	}
	ms_buf_free(&q);
	if (rc)
		return rc;
	nb->phase = PX_B_REPLAY;
	if (nb->absorb)
		ms_resp_start(&nb->resp, step_cmd(nb, 0), nb->caps);
	else
		swap(s);
	return 0;
}

/* The new connection takes over: statements get their new ids, the old
 * connection is closed, and what was held goes on. */
static void swap(struct px_session *s)
{
	struct px_bconn *old = s->b;

	for (unsigned i = 0; i < s->nstmts; i++) {
		s->stmts[i].backend_id = s->stmts[i].replay_id;
		s->stmts[i].types_on_backend = false;
	}
	s->b = s->nb;
	s->nb = NULL;
	s->b->phase = PX_B_READY;
	px_bconn_quit(old);
	MS_LOG_INFO("proxy",
		    "event=session_moved id=%u backend=%s thread=%u vars=%u "
		    "statements=%u",
		    s->id, s->b->be->name, s->b->thread_id, s->nvars,
		    s->nstmts);
	px_move_session_done(s, true, NULL);
}

static void replay_fail(struct px_session *s, struct px_bconn *nb,
			const char *why)
{
	char msg[512];

	snprintf(msg, sizeof(msg), "replay on %s failed: %s", nb->be->name,
		 why);
	s->nb = NULL;
	px_bconn_free(nb);
	px_move_session_done(s, false, msg);
}

void px_state_replay_packet(struct px_session *s, struct px_bconn *nb,
			    const uint8_t *p, size_t n, uint32_t len)
{
	struct ms_err err = {0};
	int ev = ms_resp_feed(&nb->resp, p, n, len, &err);

	if (ev < 0) {
		replay_fail(s, nb, err.msg);
		return;
	}
	if (ev != MS_RESP_DONE)
		return;
	uint8_t cmd = step_cmd(nb, nb->replay_pos);
	if (nb->resp.err) {
		struct ms_errpkt e = {0};
		char why[400];
		if (ms_proto_err_parse(p, n, &e, &err) == 0)
			snprintf(why, sizeof(why), "%s: %.*s",
				 cmd == MS_COM_STMT_PREPARE ? "PREPARE"
				 : cmd == MS_COM_QUERY	    ? "SET SESSION"
							    : "INIT_DB",
				 (int)e.msg.n, (const char *)e.msg.p);
		else
			snprintf(why, sizeof(why), "error");
		replay_fail(s, nb, why);
		return;
	}
	if (cmd == MS_COM_STMT_PREPARE) {
		struct px_stmt *st = step_stmt(s, nb, nb->replay_pos);
		if (!st || nb->resp.num_params != st->num_params) {
			replay_fail(s, nb, "a statement prepared differently");
			return;
		}
		st->replay_id = nb->resp.stmt_id;
	}
	nb->replay_pos++;
	if (--nb->absorb) {
		ms_resp_start(&nb->resp, step_cmd(nb, nb->replay_pos),
			      nb->caps);
		return;
	}
	swap(s);
}
