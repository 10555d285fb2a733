/* Fuzzes the copy's target DDL rewrite: SHOW CREATE TABLE text (from the
 * network) split into elements by the quote-aware lexer and rebuilt, plus
 * the CREATE-statement head parser used for views, routines, triggers and
 * events. Besides "no crash, no leak", a rewrite that succeeds must start
 * with the target name. */
#include <stdlib.h>
#include <string.h>

#include "copy/ddl_int.h"
#include "fuzz.h"

static struct ms_column cols[] = {
    {.name = "id", .data_type = "int", .auto_increment = true},
    {.name = "b", .data_type = "varchar", .charset = "utf8mb4"},
    {.name = "c", .data_type = "int"},
};
static char *pk_cols[] = {"id"};
static char *k_cols[] = {"b"};
static struct ms_index idx[] = {
    {.name = "PRIMARY",
     .primary = true,
     .unique = true,
     .columns = pk_cols,
     .ncolumns = 1},
    {.name = "k", .columns = k_cols, .ncolumns = 1},
};
static struct ms_table tbl = {.schema = "s",
			      .name = "t",
			      .engine = "MyISAM",
			      .columns = cols,
			      .ncolumns = 3,
			      .indexes = idx,
			      .nindexes = 2};

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char *const kinds[] = {"TABLE", "VIEW", "PROCEDURE",
					    "TRIGGER", "EVENT"};
	struct ms_ddl_opts o = {.defer_indexes = true,
				.convert_myisam = size % 2 == 0};
	struct ms_ddl_table out;
	struct ms_ddl_head h;
	struct ms_err err;
	char *text = malloc(size + 1);
	size_t n;

	if (!text)
		return 0;
	memcpy(text, data, size);
	text[size] = '\0';
	n = strlen(text);
	memset(&out, 0, sizeof(out));
	if (ms_ddl_table_text(&tbl, text, n, "ts", "tt", &o, &out, &err) == 0) {
		if (strncmp(out.create_sql, "CREATE TABLE `ts`.`tt` (", 24))
			abort();
		ms_ddl_table_free(&out);
	}
	if (ms_ddl_parse_head(text, n, kinds[size % 5], &h) == 0 &&
	    (h.name_end > n || h.name_start > h.name_end))
		abort();
	free(text);
	return 0;
}
