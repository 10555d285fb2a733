/* Reads the lines of SHOW GRANTS into a set of privileges, so preflight can
 * name the privilege a user lacks. Pure: no I/O. Understands MySQL 5.7/8.x
 * and MariaDB 10.x/11.x output: global (ON *.*) and schema (ON `db`.*)
 * grants, ALL [PRIVILEGES], MariaDB's renamed privileges (REPLICATION CLIENT
 * is BINLOG MONITOR since 10.5), MySQL 8's dynamic privileges on their own
 * lines, and role grants (recorded by name, not expanded). Table, column and
 * routine grants are ignored: preflight only needs global and schema ones. */
#ifndef MS_CHECK_GRANTS_H
#define MS_CHECK_GRANTS_H

#include <stdbool.h>
#include <stddef.h>

#include "core/err.h"

#define MS_GRANTS_MAX_ENTRIES 4096

struct ms_grant {
	char *schema; /* NULL for global (*.*); unescaped schema name */
	char *
	    privilege; /* upper case, single spaces; "ALL" for ALL PRIVILEGES */
};

struct ms_grants {
	struct ms_grant *v; /* owned */
	size_t n;
	char **roles; /* owned; roles granted to the user */
	size_t nroles;
};

/* Adds the privileges of one SHOW GRANTS line (<line> borrowed). Lines it
 * does not understand are ignored (returns 0); MS_ETOOLARGE past
 * MS_GRANTS_MAX_ENTRIES, MS_ENOMEM. */
int ms_grants_add_line(struct ms_grants *g, const char *line) MS_WUR;

/* True when <priv> (e.g. "REPLICATION SLAVE") is granted globally, or, when
 * <schema> is not NULL, globally or on that schema. ALL covers everything
 * but GRANT OPTION; synonyms are honoured. */
bool ms_grants_has(const struct ms_grants *g, const char *priv,
		   const char *schema);

void ms_grants_free(struct ms_grants *g);

#endif
