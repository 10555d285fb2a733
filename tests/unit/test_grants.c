/* Unit tests for the SHOW GRANTS reader used by preflight, on lines as
 * MySQL 5.7, MySQL 8 and MariaDB 10.11 print them. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "check/grants.h"

static void add_all(struct ms_grants *g, const char *const *lines)
{
	for (; *lines; lines++)
		assert_int_equal(ms_grants_add_line(g, *lines), 0);
}

static void mariadb_lines(void **state)
{
	static const char *const lines[] = {
	    "GRANT SELECT, RELOAD, PROCESS, SHOW DATABASES, LOCK TABLES, "
	    "REPLICATION SLAVE, BINLOG MONITOR, SHOW VIEW, EVENT, TRIGGER "
	    "ON *.* TO `myshift`@`%` IDENTIFIED BY PASSWORD "
	    "'*6458F9677BA1D30E3A1C55BF58CFD8CCED599BAA'",
	    "GRANT ALL PRIVILEGES ON `shop\\_db`.* TO `myshift`@`%`", NULL};
	struct ms_grants g = {0};

	(void)state;
	add_all(&g, lines);
	assert_true(ms_grants_has(&g, "SELECT", NULL));
	assert_true(ms_grants_has(&g, "REPLICATION SLAVE", NULL));
	/* MariaDB 10.5+ renamed REPLICATION CLIENT to BINLOG MONITOR. */
	assert_true(ms_grants_has(&g, "REPLICATION CLIENT", NULL));
	assert_false(ms_grants_has(&g, "INSERT", NULL));
	/* ALL on a schema covers that schema only; LIKE escapes removed. */
	assert_true(ms_grants_has(&g, "INSERT", "shop_db"));
	assert_false(ms_grants_has(&g, "INSERT", "other"));
	assert_false(ms_grants_has(&g, "GRANT OPTION", "shop_db"));
	ms_grants_free(&g);
}

static void mysql8_lines(void **state)
{
	static const char *const lines[] = {
	    "GRANT SELECT, RELOAD, REPLICATION SLAVE, REPLICATION CLIENT "
	    "ON *.* TO `repl`@`10.%`",
	    "GRANT BACKUP_ADMIN,REPLICATION_SLAVE_ADMIN ON *.* TO "
	    "`repl`@`10.%`",
	    "GRANT SELECT (`id`, `name`), INSERT ON `app`.`t` TO "
	    "`repl`@`10.%`",
	    "GRANT EXECUTE ON PROCEDURE `app`.`p` TO `repl`@`10.%`",
	    "GRANT `reporting`@`%`,`dba`@`%` TO `repl`@`10.%`",
	    "GRANT PROXY ON ''@'' TO 'root'@'localhost' WITH GRANT OPTION",
	    "REVOKE nonsense",
	    NULL};
	struct ms_grants g = {0};

	(void)state;
	add_all(&g, lines);
	assert_true(ms_grants_has(&g, "RELOAD", NULL));
	assert_true(ms_grants_has(&g, "BACKUP_ADMIN", NULL));
	assert_true(ms_grants_has(&g, "REPLICATION_SLAVE_ADMIN", NULL));
	/* Table, column and routine grants are not global or schema ones. */
	assert_false(ms_grants_has(&g, "INSERT", "app"));
	assert_false(ms_grants_has(&g, "EXECUTE", NULL));
	assert_int_equal(g.nroles, 1);
	assert_string_equal(g.roles[0], "`reporting`@`%`,`dba`@`%`");
	ms_grants_free(&g);
}

static void all_privileges_global(void **state)
{
	struct ms_grants g = {0};

	(void)state;
	assert_int_equal(
	    ms_grants_add_line(&g, "GRANT ALL PRIVILEGES ON *.* TO "
				   "`root`@`localhost` WITH GRANT OPTION"),
	    0);
	assert_true(ms_grants_has(&g, "REPLICATION SLAVE", NULL));
	assert_true(ms_grants_has(&g, "SELECT", "any"));
	ms_grants_free(&g);
}

static void odd_names_and_spacing(void **state)
{
	struct ms_grants g = {0};

	(void)state;
	/* A schema named with a backtick, " ON " and a comma inside. */
	assert_int_equal(ms_grants_add_line(&g,
					    "GRANT  select ,  create   view ON "
					    "`we``ird ON ,db`.* TO `u`@`%`"),
			 0);
	assert_true(ms_grants_has(&g, "SELECT", "we`ird ON ,db"));
	assert_true(ms_grants_has(&g, "CREATE VIEW", "we`ird ON ,db"));
	assert_false(ms_grants_has(&g, "SELECT", NULL));
	/* Truncated or garbage lines are ignored, not crashes. */
	assert_int_equal(ms_grants_add_line(&g, "GRANT "), 0);
	assert_int_equal(ms_grants_add_line(&g, "GRANT SELECT ON `x"), 0);
	assert_int_equal(ms_grants_add_line(&g, "GRANT SELECT ON "), 0);
	assert_int_equal(g.n, 2);
	ms_grants_free(&g);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(mariadb_lines),
	    cmocka_unit_test(mysql8_lines),
	    cmocka_unit_test(all_privileges_global),
	    cmocka_unit_test(odd_names_and_spacing),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
