/* Identifier quoting that is safe for any name: backticks, with embedded
 * backticks doubled, so unicode, reserved words, spaces and dots all survive
 * (a dot inside a quoted name is part of the name, never a separator).
 * Pure functions; no connection needed. Names are bytes: no charset check is
 * made, the connection charset (utf8mb4) decides how the server reads them. */
#ifndef MS_DB_QUOTE_H
#define MS_DB_QUOTE_H

#include "core/buf.h"
#include "core/err.h"

/* MySQL identifiers are at most 64 characters (up to 256 bytes in utf8mb4);
 * quoting refuses the empty name and a name longer than this many bytes. */
#define MS_IDENT_MAX_BYTES 256

/* Appends `name` to <out> (<name> borrowed, NUL-terminated). Returns 0,
 * MS_EINVAL for a NULL, empty or over-long name, or a buffer error; on
 * failure <out> is left as it was. */
int ms_quote_ident(struct ms_buf *out, const char *name) MS_WUR;

/* Appends `schema`.`table`; same rules and errors as ms_quote_ident. */
int ms_quote_qualified(struct ms_buf *out, const char *schema,
		       const char *table) MS_WUR;

#endif
