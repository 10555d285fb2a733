/* The statement texts of src/cutover/objects_util.c: where the marker goes
 * in a CREATE TRIGGER / EVENT (and that it is not added twice), the ALTER
 * EVENT that keeps the definer, and reading the definer. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdlib.h>
#include <string.h>

#include "core/buf.h"
#include "cutover/objects_int.h"

#define M MS_DB_MARKER

static char *marked(const char *text, bool trigger, int want_rc)
{
	struct ms_buf b;

	ms_buf_init(&b, 1 << 16);
	assert_int_equal(ms_co_obj_marked_create(text, trigger, &b), want_rc);
	return ms_buf_take(&b);
}

static void marker_after_kind_word(void **state)
{
	static const char trg[] = "CREATE DEFINER=`a`@`%` TRIGGER `s`.`t` "
				  "BEFORE INSERT ON `s`.`o` FOR EACH ROW SET "
				  "NEW.x = 1";
	char *once, *twice;

	(void)state;
	once = marked(trg, true, 0);
	assert_string_equal(once, M "CREATE DEFINER=`a`@`%` TRIGGER " M
				    "`s`.`t` BEFORE INSERT ON `s`.`o` FOR "
				    "EACH ROW SET NEW.x = 1");
	/* The server's text after a round trip holds the marker already. */
	twice = marked(once + strlen(M), true, 0);
	assert_string_equal(twice, once);
	free(once);
	free(twice);
	once = marked("CREATE DEFINER=`a`@`%` EVENT `e` ON SCHEDULE EVERY 1 "
		      "DAY ON COMPLETION NOT PRESERVE ENABLE DO SELECT 1",
		      false, 0);
	assert_string_equal(once, M "CREATE DEFINER=`a`@`%` EVENT " M
				    "`e` ON SCHEDULE EVERY 1 DAY ON "
				    "COMPLETION NOT PRESERVE ENABLE DO "
				    "SELECT 1");
	free(once);
	free(marked("CREATE VIEW v AS SELECT 1", true, MS_EPARSE));
	free(marked(trg, false, MS_EPARSE));
}

static void alter_event_keeps_definer(void **state)
{
	struct ms_buf b;

	(void)state;
	ms_buf_init(&b, 4096);
	assert_int_equal(
	    ms_co_obj_alter_event("CREATE DEFINER=`root`@`localhost` EVENT "
				  "`e` ON SCHEDULE EVERY 1 DAY DO SELECT 1",
				  "s", "e`x", false, &b),
	    0);
	assert_string_equal(ms_buf_str(&b),
			    M "ALTER DEFINER=`root`@`localhost` EVENT " M
			      "`s`.`e``x` DISABLE");
	ms_buf_reset(&b);
	assert_int_equal(
	    ms_co_obj_alter_event(
		"CREATE EVENT e ON SCHEDULE EVERY 1 DAY DO SELECT 1", "s", "e",
		true, &b),
	    0);
	assert_string_equal(ms_buf_str(&b),
			    M "ALTER EVENT " M "`s`.`e` ENABLE");
	ms_buf_free(&b);
}

static void definer_forms(void **state)
{
	static const struct {
		const char *text;
		int rc;
		const char *want;
	} cases[] = {
	    {"CREATE DEFINER=`my``user`@`%` TRIGGER t BEFORE INSERT ON o FOR "
	     "EACH ROW SET NEW.x = 1",
	     0, "my`user@%"},
	    {"CREATE DEFINER='root'@'localhost' TRIGGER t BEFORE INSERT ON o "
	     "FOR EACH ROW SET NEW.x = 1",
	     0, "root@localhost"},
	    {"CREATE DEFINER=app@`10.0.0.1` TRIGGER t BEFORE INSERT ON o FOR "
	     "EACH ROW SET NEW.x = 1",
	     0, "app@10.0.0.1"},
	    {"CREATE DEFINER=CURRENT_USER TRIGGER t BEFORE INSERT ON o FOR "
	     "EACH ROW SET NEW.x = 1",
	     MS_ENOTFOUND, ""},
	    {"CREATE TRIGGER t BEFORE INSERT ON o FOR EACH ROW SET NEW.x = 1",
	     MS_ENOTFOUND, ""},
	    {"CREATE DEFINER=`r` TRIGGER t BEFORE INSERT ON o FOR EACH ROW "
	     "SET NEW.x = 1",
	     0, "r"},
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct ms_buf b;

		ms_buf_init(&b, 1024);
		assert_int_equal(ms_co_obj_definer(cases[i].text, true, &b),
				 cases[i].rc);
		assert_string_equal(ms_buf_str(&b), cases[i].want);
		ms_buf_free(&b);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(marker_after_kind_word),
	    cmocka_unit_test(alter_event_keeps_definer),
	    cmocka_unit_test(definer_forms),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
