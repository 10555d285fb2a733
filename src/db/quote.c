/* Identifier quoting: see quote.h. */
#include "db/quote.h"

#include <string.h>

int ms_quote_ident(struct ms_buf *out, const char *name)
{
	size_t n, start, i;
	int rc;

	if (!out || !name)
		return MS_EINVAL;
	n = strnlen(name, MS_IDENT_MAX_BYTES + 1);
	if (n == 0 || n > MS_IDENT_MAX_BYTES)
		return MS_EINVAL;
	/* All or nothing: remember where we started so a cap failure midway
	 * leaves <out> as it was. */
	start = out->len;
	rc = ms_buf_addc(out, '`');
	for (i = 0; rc == 0 && i < n; i++) {
		if (name[i] == '`')
			rc = ms_buf_addc(out, '`');
		if (rc == 0)
			rc = ms_buf_addc(out, name[i]);
	}
	if (rc == 0)
		rc = ms_buf_addc(out, '`');
	if (rc) {
		out->len = start;
		if (out->ptr)
			out->ptr[start] = '\0';
	}
	return rc;
}

int ms_quote_qualified(struct ms_buf *out, const char *schema,
		       const char *table)
{
	size_t start;
	int rc;

	if (!out)
		return MS_EINVAL;
	start = out->len;
	rc = ms_quote_ident(out, schema);
	if (rc == 0)
		rc = ms_buf_addc(out, '.');
	if (rc == 0)
		rc = ms_quote_ident(out, table);
	if (rc) {
		out->len = start;
		if (out->ptr)
			out->ptr[start] = '\0';
	}
	return rc;
}
