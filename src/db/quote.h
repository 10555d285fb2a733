/* Identifier quoting that is safe for any name: backticks, with embedded
 * backticks doubled, so unicode, reserved words, spaces and dots all survive.
 * Pure functions; no connection needed. */
#ifndef MS_DB_QUOTE_H
#define MS_DB_QUOTE_H

#include "core/buf.h"
#include "core/err.h"

/* MySQL identifiers are at most 64 characters; names from the server are
 * trusted to respect that, but quoting refuses a NUL-free name longer than
 * this many bytes and the empty name. */
#define MS_IDENT_MAX_BYTES 256

/* Appends `name` to <out>. MS_EINVAL for an empty or over-long name. */
int ms_quote_ident(struct ms_buf *out, const char *name) MS_WUR;

/* Appends `schema`.`table`. */
int ms_quote_qualified(struct ms_buf *out, const char *schema,
		       const char *table) MS_WUR;

#endif
