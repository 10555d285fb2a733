/* Precondition 6 of a switch (objects.h): the recorded triggers and events
 * can be created on the target, and dropped / disabled on the source and
 * recreated there at failback. Privileges are read from SHOW GRANTS
 * (check/grants.h): global and schema grants count; table-level TRIGGER
 * grants and roles that are granted but not active do not. */
#include <stdlib.h>
#include <string.h>

#include "check/grants.h"
#include "cutover/objects.h"
#include "cutover/objects_int.h"

/* MariaDB 11.0.1 took SET USER out of SUPER. */
#define MARIADB_SUPER_SPLIT 110001

struct side {
	const char *name; /* "target", "source" */
	struct ms_db *db;
	struct ms_grants grants;
	char *user; /* CURRENT_USER(), user@host */
	bool set_user;
	bool trigger_super; /* binlog on, functions not trusted, no SUPER */
};

/* Sets s->trigger_super: with log_bin on and
 * log_bin_trust_function_creators off, CREATE TRIGGER needs SUPER. */
static int read_trust(struct side *s, struct ms_err *err)
{
	struct ms_db_result *r = NULL;
	const char *bin, *trust;
	int rc = ms_db_query(s->db,
			     "SELECT @@GLOBAL.log_bin, "
			     "@@GLOBAL.log_bin_trust_function_creators",
			     &r, err);

	if (rc)
		return ms_err_prefix(err, "reading the %s's log_bin", s->name);
	bin = ms_db_result_get(r, 0, 0);
	trust = ms_db_result_get(r, 0, 1);
	s->trigger_super = bin && strcmp(bin, "1") == 0 && trust &&
			   strcmp(trust, "0") == 0 &&
			   !ms_grants_has(&s->grants, "SUPER", NULL);
	ms_db_result_free(r);
	return 0;
}

static int read_side(struct side *s, struct ms_err *err)
{
	struct ms_db_result *r = NULL;
	size_t i;
	int rc;

	rc = ms_db_query_value(s->db, "SELECT CURRENT_USER()", &s->user, err);
	if (rc == 0)
		rc = ms_db_query(s->db, "SHOW GRANTS", &r, err);
	for (i = 0; rc == 0 && i < ms_db_result_nrows(r); i++) {
		const char *line = ms_db_result_get(r, i, 0);

		rc = line ? ms_grants_add_line(&s->grants, line) : 0;
		if (rc)
			rc = MS_ERR(err, rc, "SHOW GRANTS: too many lines");
	}
	ms_db_result_free(r);
	if (rc)
		return ms_err_prefix(err, "reading the %s user's privileges",
				     s->name);
	/* Creating an object whose definer is another account. */
	if (ms_db_is_mariadb(s->db))
		s->set_user =
		    ms_grants_has(&s->grants, "SET USER", NULL) ||
		    (ms_db_server_version_num(s->db) < MARIADB_SUPER_SPLIT &&
		     ms_grants_has(&s->grants, "SUPER", NULL));
	else
		s->set_user =
		    ms_grants_has(&s->grants, "SET_USER_ID", NULL) ||
		    ms_grants_has(&s->grants, "SET_ANY_DEFINER", NULL) ||
		    ms_grants_has(&s->grants, "SUPER", NULL);
	return read_trust(s, err);
}

static int problem(json_t *problems, const struct ms_buf *b, struct ms_err *err)
{
	if (json_array_append_new(problems, json_string(ms_buf_str(b))))
		return MS_ERR(err, MS_ENOMEM, "out of memory");
	return 0;
}

/* What each side does with an object, for the messages: with the
 * privilege, and with the definer. */
struct uses {
	const char *priv, *definer;
};

static const struct uses target_uses = {"create it", "create it"};
static const struct uses source_trigger_uses = {
    "drop it at cutover and recreate it at failback",
    "recreate it at failback"};
static const struct uses source_event_uses = {
    "disable it at cutover and re-enable it at failback",
    "disable and re-enable it"};

/* The checks of <o> on one side: the privilege on <schema>, and the
 * definer. */
static int check_side(const struct side *s, const struct ms_co_obj *o,
		      const char *schema, const struct uses *u,
		      json_t *problems, struct ms_err *err)
{
	const char *priv = o->trigger ? "TRIGGER" : "EVENT";
	struct ms_buf msg, definer;
	int rc = 0, drc;

	ms_buf_init(&msg, 4096);
	ms_buf_init(&definer, 1024);
	if (!ms_grants_has(&s->grants, priv, schema)) {
		rc =
		    ms_buf_addf(&msg,
				"%s %s.%s: the %s user %s has no %s privilege "
				"on %s (needed to %s)",
				ms_co_kind(o), o->tschema, o->name, s->name,
				s->user ? s->user : "?", priv, schema, u->priv);
		rc = rc ? MS_ERR(err, rc, "message too long")
			: problem(problems, &msg, err);
	}
	drc = o->sql ? ms_co_obj_definer(o->sql, o->trigger, &definer)
		     : MS_ENOTFOUND;
	if (rc == 0 && drc == 0 && !s->set_user &&
	    (!s->user || strcmp(ms_buf_str(&definer), s->user) != 0)) {
		ms_buf_reset(&msg);
		rc = ms_buf_addf(
		    &msg,
		    "%s %s.%s: its definer %s is not the %s user %s, who "
		    "needs SET USER (MariaDB) or SET_USER_ID / SUPER (MySQL) "
		    "to %s with that definer; definers are not rewritten "
		    "(--rewrite-definers is not done): grant it, or recreate "
		    "the %s on the source with DEFINER=%s",
		    ms_co_kind(o), o->tschema, o->name, ms_buf_str(&definer),
		    s->name, s->user ? s->user : "?", u->definer, ms_co_kind(o),
		    s->user ? s->user : "?");
		rc = rc ? MS_ERR(err, rc, "message too long")
			: problem(problems, &msg, err);
	}
	if (rc == 0 && o->trigger && s->trigger_super) {
		ms_buf_reset(&msg);
		rc = ms_buf_addf(
		    &msg,
		    "%s %s.%s: the %s binlogs with "
		    "log_bin_trust_function_creators=0, where creating a "
		    "trigger needs SUPER, which the %s user %s lacks (needed "
		    "to %s): set log_bin_trust_function_creators=1 there (on "
		    "Aurora in the DB cluster parameter group)",
		    ms_co_kind(o), o->tschema, o->name, s->name, s->name,
		    s->user ? s->user : "?", u->definer);
		rc = rc ? MS_ERR(err, rc, "message too long")
			: problem(problems, &msg, err);
	}
	ms_buf_free(&msg);
	ms_buf_free(&definer);
	return rc;
}

int ms_co_objects_check(struct ms_db *src, struct ms_db *tgt, const char *cs,
			const char *schema, json_t *problems,
			struct ms_err *err)
{
	struct side t = {.name = "target", .db = tgt};
	struct side s = {.name = "source", .db = src};
	struct ms_co_objs objs = {0};
	struct ms_err local_err;
	size_t i;
	int rc;

	err = err ? err : &local_err;
	if (!src || !tgt || !cs || !json_is_array(problems))
		return MS_ERR(err, MS_EINVAL,
			      "objects check: a connection, the control schema "
			      "or the problems array is missing");
	rc = ms_co_obj_load(tgt, cs, schema, &objs, err);
	if (rc || objs.n == 0)
		return rc;
	rc = read_side(&t, err);
	if (rc == 0)
		rc = read_side(&s, err);
	for (i = 0; rc == 0 && i < objs.n; i++) {
		const struct ms_co_obj *o = &objs.v[i];

		rc = check_side(&t, o, o->tschema, &target_uses, problems, err);
		if (rc == 0)
			rc = check_side(&s, o, o->sschema,
					o->trigger ? &source_trigger_uses
						   : &source_event_uses,
					problems, err);
	}
	ms_grants_free(&t.grants);
	ms_grants_free(&s.grants);
	free(t.user);
	free(s.user);
	ms_co_objs_free(&objs);
	return rc;
}
