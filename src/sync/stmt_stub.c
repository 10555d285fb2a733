/* TEMPORARY link stub so the tree links while src/sync/stmt.c is written.
 * Whoever adds the real ms_stmt_parse / ms_stmt_rewrite deletes this file
 * (git rm src/sync/stmt_stub.c) in the same commit. */
#include "sync/stmt.h"

int ms_stmt_parse(const char *sql, size_t len, const char *default_schema,
		  struct ms_arena *a, struct ms_stmt *out, struct ms_err *err)
{
	(void)sql;
	(void)len;
	(void)default_schema;
	(void)a;
	(void)out;
	return MS_ERR(err, MS_EUNSUPPORTED, "statement parser not built yet");
}

int ms_stmt_rewrite(const struct ms_stmt *st, const char *sql, size_t len,
		    ms_stmt_map_fn map, void *ctx, struct ms_buf *out,
		    struct ms_err *err)
{
	(void)st;
	(void)sql;
	(void)len;
	(void)map;
	(void)ctx;
	(void)out;
	return MS_ERR(err, MS_EUNSUPPORTED, "statement rewriter not built yet");
}
