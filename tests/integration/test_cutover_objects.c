/* Integration test for src/cutover/objects*.c on the sandbox: a source
 * schema with two triggers (one created under character_set_client latin1
 * with a non-ASCII literal, one under sql_mode PIPES_AS_CONCAT) and two
 * events (one enabled, in time zone Europe/Paris; one disabled), all with
 * the definer myshift@%; `myshift copy` records them; then the precondition
 * check, the switch to the target, its repetition and crash-resume, the
 * switch back, and the binlogs of both servers. The sequence shares the
 * servers' state: the tests run in order. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "it.h"
#include "core/buf.h"
#include "cutover/objects.h"
#include "db/db.h"

#define SCH  "it_co_shop"
#define CTL  "_it_co_ctl"
#define WEAK "it_co_weak"

static struct ms_db *src_admin, *tgt_admin, *src, *tgt;
/* log_bin_trust_function_creators before the test, per server. */
static char *trust_src, *trust_tgt;

/* The source's own definitions before anything moved. */
static char *orig_trigger[2], *orig_trigger_ctx[2], *orig_event[2],
    *orig_event_is[2];
static const char *const triggers[] = {"orders_bi", "orders_au"};
static const char *const events[] = {"ev_on", "ev_off"};

static void exec_ok(struct ms_db *db, const char *sql)
{
	struct ms_err err;

	if (ms_db_exec(db, sql, &err))
		fail_msg("%s: %s", sql, err.msg);
}

/* The first column of the first row (caller frees; NULL for no row). */
static char *value(struct ms_db *db, const char *fmt, ...) MS_PRINTF(2, 3);

static char *value(struct ms_db *db, const char *fmt, ...)
{
	struct ms_buf q;
	struct ms_err err;
	char *v = NULL;
	va_list ap;

	ms_buf_init(&q, 65536);
	va_start(ap, fmt);
	if (ms_buf_vaddf(&q, fmt, ap))
		fail_msg("query too long");
	va_end(ap);
	if (ms_db_query_value(db, ms_buf_str(&q), &v, &err))
		fail_msg("%s: %s", ms_buf_str(&q), err.msg);
	ms_buf_free(&q);
	return v;
}

static void assert_value(const char *expected, char *got, const char *what)
{
	if (!got || strcmp(expected, got) != 0)
		fail_msg("%s: expected \"%s\", got \"%s\"", what, expected,
			 got ? got : "(null)");
	free(got);
}

static void assert_has(const char *hay, const char *needle)
{
	if (!hay || !strstr(hay, needle))
		fail_msg("expected \"%s\" in:\n%s", needle,
			 hay ? hay : "(null)");
}

/* SHOW CREATE TRIGGER / EVENT <SCH>.<name> on <db>: the columns that
 * define the object, joined with '|' (caller frees). With <body> false
 * the statement itself is left out (the session context only). */
static char *show_create(struct ms_db *db, bool trigger, const char *name,
			 bool body)
{
	static const char *const tcols[] = {"sql_mode",
					    "SQL Original Statement",
					    "character_set_client",
					    "collation_connection",
					    "Database Collation",
					    NULL};
	static const char *const ecols[] = {"sql_mode",
					    "time_zone",
					    "Create Event",
					    "character_set_client",
					    "collation_connection",
					    "Database Collation",
					    NULL};
	const char *const *c = trigger ? tcols : ecols;
	struct ms_db_result *r = NULL;
	struct ms_buf q, out;
	struct ms_err err;

	ms_buf_init(&q, 1024);
	ms_buf_init(&out, 1 << 20);
	assert_int_equal(ms_buf_addf(&q, "SHOW CREATE %s " SCH ".%s",
				     trigger ? "TRIGGER" : "EVENT", name),
			 0);
	if (ms_db_query(db, ms_buf_str(&q), &r, &err))
		fail_msg("%s: %s", ms_buf_str(&q), err.msg);
	for (; *c; c++) {
		int col = ms_db_result_col(r, *c);
		const char *v = ms_db_result_get(r, 0, (size_t)col);

		assert_true(col >= 0);
		if (!body && (strcmp(*c, "SQL Original Statement") == 0 ||
			      strcmp(*c, "Create Event") == 0))
			continue;
		assert_int_equal(ms_buf_addf(&out, "%s|", v ? v : "NULL"), 0);
	}
	ms_db_result_free(r);
	ms_buf_free(&q);
	return ms_buf_take(&out);
}

/* The information_schema.EVENTS row of <SCH>.<name> but its STATUS and
 * times of change (caller frees; NULL: no such event). */
static char *event_is(struct ms_db *db, const char *name)
{
	return value(db,
		     "SELECT CONCAT_WS('|', DEFINER, TIME_ZONE, "
		     "EVENT_DEFINITION, INTERVAL_VALUE, INTERVAL_FIELD, "
		     "SQL_MODE, STARTS, ON_COMPLETION, CHARACTER_SET_CLIENT, "
		     "COLLATION_CONNECTION, DATABASE_COLLATION) FROM "
		     "information_schema.EVENTS WHERE EVENT_SCHEMA = '" SCH
		     "' AND EVENT_NAME = '%s'",
		     name);
}

static char *event_status(struct ms_db *db, const char *name)
{
	return value(db,
		     "SELECT STATUS FROM information_schema.EVENTS WHERE "
		     "EVENT_SCHEMA = '" SCH "' AND EVENT_NAME = '%s'",
		     name);
}

static char *count_triggers(struct ms_db *db)
{
	return value(db, "SELECT COUNT(*) FROM information_schema.TRIGGERS "
			 "WHERE TRIGGER_SCHEMA = '" SCH "'");
}

static char *count_events(struct ms_db *db)
{
	return value(db, "SELECT COUNT(*) FROM information_schema.EVENTS "
			 "WHERE EVENT_SCHEMA = '" SCH "'");
}

struct binpos {
	char file[256];
	uint64_t pos;
};

static void binlog_mark(struct ms_db *admin, struct binpos *p)
{
	struct ms_err err;

	if (ms_db_binlog_end(admin, p->file, sizeof(p->file), &p->pos, &err))
		fail_msg("binlog position: %s", err.msg);
}

/* The Query events of <admin>'s binlog after <p> that name one of our
 * triggers or events, one per line (caller frees). */
static char *binlog_queries(struct ms_db *admin, const struct binpos *p)
{
	struct ms_db_result *logs = NULL, *ev = NULL;
	struct ms_buf q, out;
	struct ms_err err;
	size_t i, k;

	ms_buf_init(&out, 1 << 20);
	if (ms_db_query(admin, "SHOW BINARY LOGS", &logs, &err))
		fail_msg("SHOW BINARY LOGS: %s", err.msg);
	for (i = 0; i < ms_db_result_nrows(logs); i++) {
		const char *f = ms_db_result_get(logs, i, 0);

		if (strcmp(f, p->file) < 0)
			continue;
		ms_buf_init(&q, 1024);
		assert_int_equal(
		    ms_buf_addf(&q, "SHOW BINLOG EVENTS IN '%s'", f), 0);
		if (strcmp(f, p->file) == 0)
			assert_int_equal(
			    ms_buf_addf(&q, " FROM %llu",
					(unsigned long long)p->pos),
			    0);
		if (ms_db_query(admin, ms_buf_str(&q), &ev, &err))
			fail_msg("%s: %s", ms_buf_str(&q), err.msg);
		for (k = 0; k < ms_db_result_nrows(ev); k++) {
			const char *type = ms_db_result_get(ev, k, 2);
			const char *info = ms_db_result_get(ev, k, 5);

			if (!type || strcmp(type, "Query") != 0 || !info ||
			    !(strstr(info, "orders_") || strstr(info, "ev_o")))
				continue;
			assert_int_equal(ms_buf_addf(&out, "%s\n", info), 0);
		}
		ms_db_result_free(ev);
		ms_buf_free(&q);
	}
	ms_db_result_free(logs);
	return ms_buf_take(&out);
}

/* Every line of <queries> carries the marker. */
static void assert_all_marked(const char *queries)
{
	const char *line = queries, *nl;

	for (; *line; line = nl + 1) {
		char *one;

		nl = strchr(line, '\n');
		assert_non_null(nl);
		one = strndup(line, (size_t)(nl - line));
		assert_non_null(one);
		if (!strstr(one, MS_DB_MARKER))
			fail_msg("statement without the marker: %s", one);
		free(one);
	}
}

static void drop_all(void)
{
	exec_ok(src_admin, "DROP DATABASE IF EXISTS " SCH);
	exec_ok(tgt_admin, "DROP DATABASE IF EXISTS " SCH);
	exec_ok(tgt_admin, "DROP DATABASE IF EXISTS " CTL);
	exec_ok(tgt_admin, "DROP USER IF EXISTS '" WEAK "'@'%'");
}

static const char *const source_sql[] = {
    "CREATE DATABASE " SCH " CHARACTER SET utf8mb4",
    "USE " SCH,
    "CREATE TABLE orders (id int PRIMARY KEY, total decimal(10,2),"
    " note varchar(40))",
    "CREATE TABLE audit (id int AUTO_INCREMENT PRIMARY KEY, order_id int,"
    " what varchar(60))",
    /* A latin1 client: the literal is 'caf' + e-acute in latin1. */
    "SET NAMES latin1",
    "CREATE DEFINER=`myshift`@`%` TRIGGER orders_bi BEFORE INSERT ON orders"
    " FOR EACH ROW SET NEW.note = CONCAT('caf\xe9:', NEW.id)",
    "SET NAMES utf8mb4",
    /* || is concatenation only under PIPES_AS_CONCAT. */
    "SET SESSION sql_mode = 'PIPES_AS_CONCAT'",
    "CREATE DEFINER=`myshift`@`%` TRIGGER orders_au AFTER UPDATE ON orders"
    " FOR EACH ROW INSERT INTO audit (order_id, what)"
    " VALUES (NEW.id, 'total:' || NEW.total)",
    "SET SESSION sql_mode = DEFAULT",
    "SET SESSION time_zone = 'Europe/Paris'",
    "CREATE DEFINER=`myshift`@`%` EVENT ev_on ON SCHEDULE EVERY 1 DAY"
    " STARTS '2031-01-01 03:00:00' ENABLE DO DELETE FROM audit WHERE id < 0",
    "SET SESSION time_zone = '+00:00'",
    "CREATE DEFINER=`myshift`@`%` EVENT ev_off ON SCHEDULE EVERY 1 HOUR"
    " DISABLE DO DELETE FROM audit",
    "USE information_schema",
};

static void run_copy(void)
{
	const char *bin = it_env_or_skip("MYSHIFT_BIN");
	struct ms_buf cmd;
	int rc;

	ms_buf_init(&cmd, 4096);
	assert_int_equal(
	    ms_buf_addf(&cmd,
			"'%s' copy --source '%s' --target '%s' --include " SCH
			" --control-schema " CTL " --threads 1 --no-progress"
			" >/dev/null",
			bin, it_env_or_skip("MYSHIFT_SOURCE"),
			it_env_or_skip("MYSHIFT_TARGET")),
	    0);
	rc = system(ms_buf_str(&cmd));
	if (rc != 0)
		fail_msg("%s: exit status %d", ms_buf_str(&cmd), rc);
	ms_buf_free(&cmd);
}

static int setup(void **state)
{
	size_t i;

	(void)state;
	src_admin = it_connect("MYSHIFT_SOURCE_ADMIN", NULL, "source");
	tgt_admin = it_connect("MYSHIFT_TARGET_ADMIN", NULL, "target");
	src = it_connect("MYSHIFT_SOURCE", "MYSHIFT_SOURCE_PASSWORD", "source");
	tgt = it_connect("MYSHIFT_TARGET", "MYSHIFT_TARGET_PASSWORD", "target");
	drop_all();
	/* The sandbox binlogs: without SUPER, CREATE TRIGGER needs this. */
	trust_src =
	    value(src_admin, "SELECT @@GLOBAL.log_bin_trust_function_creators");
	trust_tgt =
	    value(tgt_admin, "SELECT @@GLOBAL.log_bin_trust_function_creators");
	exec_ok(src_admin, "SET GLOBAL log_bin_trust_function_creators = 1");
	exec_ok(tgt_admin, "SET GLOBAL log_bin_trust_function_creators = 1");
	for (i = 0; i < sizeof(source_sql) / sizeof(source_sql[0]); i++)
		exec_ok(src_admin, source_sql[i]);
	for (i = 0; i < 2; i++) {
		orig_trigger[i] =
		    show_create(src_admin, true, triggers[i], true);
		orig_trigger_ctx[i] =
		    show_create(src_admin, true, triggers[i], false);
		orig_event[i] = show_create(src_admin, false, events[i], true);
		orig_event_is[i] = event_is(src_admin, events[i]);
	}
	run_copy();
	return 0;
}

static void restore_trust(struct ms_db *db, char *saved)
{
	struct ms_buf q;

	ms_buf_init(&q, 256);
	if (ms_buf_addf(&q, "SET GLOBAL log_bin_trust_function_creators = %s",
			saved && strcmp(saved, "1") == 0 ? "1" : "0") == 0)
		exec_ok(db, ms_buf_str(&q));
	ms_buf_free(&q);
	free(saved);
}

static int teardown(void **state)
{
	size_t i;

	(void)state;
	drop_all();
	restore_trust(src_admin, trust_src);
	restore_trust(tgt_admin, trust_tgt);
	for (i = 0; i < 2; i++) {
		free(orig_trigger[i]);
		free(orig_trigger_ctx[i]);
		free(orig_event[i]);
		free(orig_event_is[i]);
	}
	ms_db_close(src);
	ms_db_close(tgt);
	ms_db_close(src_admin);
	ms_db_close(tgt_admin);
	return 0;
}

static void copy_recorded_them(void **state)
{
	(void)state;
	assert_value("4",
		     value(tgt, "SELECT COUNT(*) FROM " CTL ".deferred_objects"
				" WHERE target_schema = '" SCH
				"' AND created_at IS NULL"),
		     "deferred objects recorded");
	assert_value("0", count_triggers(tgt), "triggers on the target");
}

/* A session on the target as the weak user (no TRIGGER, no EVENT). */
static struct ms_db *connect_weak(void)
{
	struct ms_endpoint ep;
	struct ms_db_opts o = {.role = "target", .utc = true};
	struct ms_db *db;
	struct ms_err err;

	exec_ok(tgt_admin,
		"CREATE USER '" WEAK "'@'%' IDENTIFIED BY 'weak-Pw-7'");
	exec_ok(tgt_admin,
		"GRANT SELECT, INSERT, UPDATE, DELETE, CREATE ON " SCH
		".* TO '" WEAK "'@'%'");
	exec_ok(tgt_admin, "GRANT ALL ON " CTL ".* TO '" WEAK "'@'%'");
	it_endpoint(&ep, "MYSHIFT_TARGET", NULL);
	free(ep.user);
	free(ep.password);
	ep.user = strdup(WEAK);
	ep.password = strdup("weak-Pw-7");
	ep.has_password = true;
	if (ms_db_connect(&ep, &o, &db, &err))
		fail_msg("connect as " WEAK ": %s", err.msg);
	ms_endpoint_free(&ep);
	return db;
}

static bool has_problem(const json_t *problems, const char *prefix)
{
	size_t i;
	json_t *p;

	json_array_foreach(problems, i, p)
	{
		if (strncmp(json_string_value(p), prefix, strlen(prefix)) == 0)
			return true;
	}
	return false;
}

static void check_reports_missing_privileges(void **state)
{
	json_t *problems = json_array();
	struct ms_db *weak;
	struct ms_err err;
	char *dump;

	(void)state;
	if (ms_co_objects_check(src, tgt, CTL, SCH, problems, &err))
		fail_msg("check: %s", err.msg);
	dump = json_dumps(problems, 0);
	if (json_array_size(problems) != 0)
		fail_msg("problems with privileged users: %s", dump);
	free(dump);
	/* Triggers need SUPER on a binlogged server that does not trust
	 * function creators. */
	exec_ok(tgt_admin, "SET GLOBAL log_bin_trust_function_creators = 0");
	if (ms_co_objects_check(src, tgt, CTL, SCH, problems, &err))
		fail_msg("check: %s", err.msg);
	exec_ok(tgt_admin, "SET GLOBAL log_bin_trust_function_creators = 1");
	dump = json_dumps(problems, JSON_INDENT(1));
	if (json_array_size(problems) != 2 ||
	    !has_problem(problems, "trigger " SCH ".orders_bi: the target "
				   "binlogs with "
				   "log_bin_trust_function_creators=0"))
		fail_msg("unexpected problems: %s", dump);
	free(dump);
	json_array_clear(problems);
	weak = connect_weak();
	if (ms_co_objects_check(src, weak, CTL, NULL, problems, &err))
		fail_msg("check: %s", err.msg);
	dump = json_dumps(problems, JSON_INDENT(1));
	/* 4 objects: each lacks its privilege and has another definer. */
	if (json_array_size(problems) != 8 ||
	    !has_problem(problems,
			 "trigger " SCH ".orders_bi: the target user " WEAK
			 "@% has no TRIGGER privilege on " SCH) ||
	    !has_problem(problems,
			 "trigger " SCH ".orders_au: its definer "
			 "myshift@% is not the target user " WEAK "@%") ||
	    !has_problem(problems, "event " SCH ".ev_on: the target user " WEAK
				   "@% has no EVENT privilege on " SCH))
		fail_msg("unexpected problems: %s", dump);
	assert_has(dump, "--rewrite-definers is not done");
	free(dump);
	json_decref(problems);

	/* The switch itself fails naming the object, and changes nothing on
	 * the source (the journal rows it saved are reused below). */
	assert_int_equal(
	    ms_co_objects_to_target(src, weak, CTL, SCH, 1, NULL, &err),
	    MS_ESQL);
	assert_has(err.msg, "trigger " SCH ".orders_au on the target: ");
	assert_has(err.msg, "denied");
	assert_value("2", count_triggers(src_admin), "source triggers kept");
	ms_db_close(weak);
}

static void to_target_moves_them(void **state)
{
	struct ms_co_objects_result res;
	struct binpos tpos, spos;
	struct ms_err err;
	char *q;
	size_t i;

	(void)state;
	binlog_mark(tgt_admin, &tpos);
	binlog_mark(src_admin, &spos);
	if (ms_co_objects_to_target(src, tgt, CTL, SCH, 2, &res, &err))
		fail_msg("to_target: %s", err.msg);
	assert_int_equal(res.triggers, 2);
	assert_int_equal(res.events, 2);
	assert_int_equal(res.dropped, 2);
	assert_int_equal(res.disabled, 1);
	assert_value("2", count_triggers(tgt_admin), "target triggers");
	assert_value("0", count_triggers(src_admin), "source triggers");
	assert_value("ENABLED", event_status(tgt_admin, "ev_on"),
		     "target ev_on");
	assert_value("DISABLED", event_status(tgt_admin, "ev_off"),
		     "target ev_off");
	assert_value("DISABLED", event_status(src_admin, "ev_on"),
		     "source ev_on");
	assert_value("DISABLED", event_status(src_admin, "ev_off"),
		     "source ev_off");
	for (i = 0; i < 2; i++) {
		/* Same context as on the source; events identical. */
		assert_value(orig_trigger_ctx[i],
			     show_create(tgt_admin, true, triggers[i], false),
			     "target trigger context");
		assert_value(orig_event_is[i], event_is(tgt_admin, events[i]),
			     "target event definition");
		/* Disabling on the source kept its definer and context. */
		assert_value(orig_event_is[i], event_is(src_admin, events[i]),
			     "source event definition");
	}
	assert_value(orig_event[0],
		     show_create(tgt_admin, false, "ev_on", true),
		     "target SHOW CREATE EVENT");

	/* The triggers fire on the target, in their own context. */
	exec_ok(tgt, "INSERT INTO " SCH ".orders (id, total) VALUES (1, 10)");
	exec_ok(tgt, "UPDATE " SCH ".orders SET total = 12.5 WHERE id = 1");
	assert_value("636166C3A93A31",
		     value(tgt, "SELECT HEX(note) FROM " SCH ".orders"),
		     "note set by orders_bi (utf8mb4 of 'caf\xc3\xa9:1')");
	assert_value("total:12.50",
		     value(tgt, "SELECT GROUP_CONCAT(what) FROM " SCH ".audit"),
		     "audit row written by orders_au");

	assert_value("4",
		     value(tgt, "SELECT COUNT(*) FROM " CTL ".deferred_objects"
				" WHERE created_at IS NOT NULL"),
		     "deferred objects marked created");
	assert_value("4",
		     value(tgt, "SELECT COUNT(*) FROM " CTL ".cutover_objects"
				" WHERE state = 'moved' AND run_id = 2"),
		     "journal rows moved");

	/* Both binlogs: every statement on our objects carries the marker
	 * (for CREATE TRIGGER / EVENT after the kind word: the server
	 * rewrites what comes before it). */
	q = binlog_queries(tgt_admin, &tpos);
	assert_all_marked(q);
	assert_has(q, "TRIGGER " MS_DB_MARKER "`" SCH "`.`orders_bi`");
	assert_has(q, "TRIGGER " MS_DB_MARKER "`" SCH "`.`orders_au`");
	assert_has(q, "EVENT " MS_DB_MARKER "`" SCH "`.`ev_on`");
	assert_has(q, "EVENT " MS_DB_MARKER "`" SCH "`.`ev_off`");
	free(q);
	q = binlog_queries(src_admin, &spos);
	assert_all_marked(q);
	assert_has(q,
		   MS_DB_MARKER "DROP TRIGGER IF EXISTS `" SCH "`.`orders_bi`");
	assert_has(q, MS_DB_MARKER "ALTER DEFINER=`myshift`@`%` EVENT");
	free(q);
}

static void to_target_again_changes_nothing(void **state)
{
	struct ms_co_objects_result res;
	struct ms_err err;

	(void)state;
	if (ms_co_objects_to_target(src, tgt, CTL, SCH, 3, &res, &err))
		fail_msg("to_target again: %s", err.msg);
	assert_int_equal(res.triggers + res.events + res.dropped + res.disabled,
			 0);
	assert_value("2", count_triggers(tgt_admin), "target triggers");
	assert_value("2", count_events(tgt_admin), "target events");
	assert_value("DISABLED", event_status(src_admin, "ev_on"),
		     "source ev_on");
}

static void to_target_resumes(void **state)
{
	struct ms_co_objects_result res;
	struct ms_err err;

	(void)state;
	/* A crash after the journal, before the source was changed: the
	 * event is enabled there again and its row is back to 'saved'. One
	 * trigger is gone from the target too. */
	exec_ok(tgt_admin, "DROP TRIGGER " SCH ".orders_au");
	exec_ok(src_admin,
		"ALTER DEFINER=`myshift`@`%` EVENT " SCH ".ev_on ENABLE");
	exec_ok(tgt, "UPDATE " CTL ".cutover_objects SET state = 'saved'"
		     " WHERE name = 'ev_on'");
	if (ms_co_objects_to_target(src, tgt, CTL, SCH, 4, &res, &err))
		fail_msg("to_target resumed: %s", err.msg);
	assert_int_equal(res.triggers, 1);
	assert_int_equal(res.events, 0);
	assert_int_equal(res.dropped, 0);
	assert_int_equal(res.disabled, 1);
	assert_value("1",
		     value(tgt_admin, "SELECT COUNT(*) FROM information_schema."
				      "TRIGGERS WHERE TRIGGER_SCHEMA = '" SCH
				      "' AND TRIGGER_NAME = 'orders_au'"),
		     "orders_au recreated");
	assert_value("DISABLED", event_status(src_admin, "ev_on"),
		     "source ev_on");
	/* The journal kept the status saved before the first disable. */
	assert_value("ENABLED",
		     value(tgt, "SELECT source_status FROM " CTL
				".cutover_objects WHERE name = 'ev_on'"),
		     "journaled status");
}

/* <orig> (a show_create row) with the marker after "TRIGGER ": what
 * recreating it from the journal gives. */
static char *with_marker(const char *orig)
{
	const char *kw = strstr(orig, " TRIGGER ");
	struct ms_buf b;

	assert_non_null(kw);
	ms_buf_init(&b, 1 << 20);
	kw += strlen(" TRIGGER ");
	assert_int_equal(ms_buf_add(&b, orig, (size_t)(kw - orig)), 0);
	assert_int_equal(ms_buf_addstr(&b, MS_DB_MARKER), 0);
	assert_int_equal(ms_buf_addstr(&b, kw), 0);
	return ms_buf_take(&b);
}

static void assert_source_restored(void)
{
	char *want;
	size_t i;

	for (i = 0; i < 2; i++) {
		want = with_marker(orig_trigger[i]);
		assert_value(want,
			     show_create(src_admin, true, triggers[i], true),
			     "source trigger");
		free(want);
		assert_value(orig_event[i],
			     show_create(src_admin, false, events[i], true),
			     "source event");
		assert_value(orig_event_is[i], event_is(src_admin, events[i]),
			     "source event row");
	}
	assert_value("ENABLED", event_status(src_admin, "ev_on"), "ev_on");
	assert_value("DISABLED", event_status(src_admin, "ev_off"), "ev_off");
	assert_value("0", count_triggers(tgt_admin), "target triggers");
	assert_value("0", count_events(tgt_admin), "target events");
	assert_value("0",
		     value(tgt, "SELECT COUNT(*) FROM " CTL ".deferred_objects"
				" WHERE created_at IS NOT NULL"),
		     "deferred objects not created");
}

static void to_source_restores_them(void **state)
{
	struct ms_co_objects_result res;
	struct binpos spos;
	struct ms_err err;
	char *q;

	(void)state;
	binlog_mark(src_admin, &spos);
	if (ms_co_objects_to_source(src, tgt, CTL, SCH, 5, &res, &err))
		fail_msg("to_source: %s", err.msg);
	assert_int_equal(res.triggers, 2);
	assert_int_equal(res.events, 1);
	assert_int_equal(res.dropped, 2);
	assert_int_equal(res.disabled, 2);
	assert_source_restored();
	assert_value("4",
		     value(tgt, "SELECT COUNT(*) FROM " CTL ".cutover_objects"
				" WHERE state = 'returned'"),
		     "journal rows returned");
	q = binlog_queries(src_admin, &spos);
	assert_all_marked(q);
	assert_has(q, "TRIGGER " MS_DB_MARKER "orders_bi");
	free(q);
	/* Again: nothing left to do. */
	if (ms_co_objects_to_source(src, tgt, CTL, SCH, 6, &res, &err))
		fail_msg("to_source again: %s", err.msg);
	assert_int_equal(res.triggers + res.events + res.dropped + res.disabled,
			 0);
}

/* A second cutover journals the source anew (its text now holds the
 * marker once), and failback gives the same text back: no marker is
 * added twice. */
static void second_round_trip(void **state)
{
	struct ms_co_objects_result res;
	struct ms_err err;

	(void)state;
	if (ms_co_objects_to_target(src, tgt, CTL, SCH, 7, &res, &err))
		fail_msg("to_target: %s", err.msg);
	assert_int_equal(res.triggers, 2);
	assert_int_equal(res.disabled, 1);
	assert_value("0", count_triggers(src_admin), "source triggers");
	if (ms_co_objects_to_source(src, tgt, CTL, SCH, 8, &res, &err))
		fail_msg("to_source: %s", err.msg);
	assert_source_restored();
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(copy_recorded_them),
	    cmocka_unit_test(check_reports_missing_privileges),
	    cmocka_unit_test(to_target_moves_them),
	    cmocka_unit_test(to_target_again_changes_nothing),
	    cmocka_unit_test(to_target_resumes),
	    cmocka_unit_test(to_source_restores_them),
	    cmocka_unit_test(second_round_trip),
	};

	it_env_or_skip("MYSHIFT_SOURCE_ADMIN");
	return cmocka_run_group_tests(tests, setup, teardown);
}
