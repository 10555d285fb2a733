/* Fuzzes sync's statement classifier and DDL rewrite (src/sync/stmt*.c):
 * QUERY text from a binlog is network input. Parses the bytes (from a
 * buffer of exactly their length), checks that every ref lies inside the
 * text, that refs do not overlap and come in text order (but for ALTER
 * TABLE's RENAMED_TO, always refs[1]), then rewrites them with a mapping
 * that renames everything into names that need quoting and leaves some
 * tables out. A rewrite that succeeds starts with the marker and parses
 * back to a statement of the same kind and op. */
#include <stdlib.h>
#include <string.h>

#include "core/arena.h"
#include "core/buf.h"
#include "fuzz.h"
#include "sync/stmt.h"

/* Every schema gets "s`" in front and every table "t." (quoting needed);
 * tables whose name starts with 'x' are excluded, "boom" fails. */
static int fuzz_map(void *ctx, const char *schema, const char *table,
		    struct ms_buf *os, struct ms_buf *ot)
{
	(void)ctx;
	if (table && table[0] == 'x')
		return 0;
	if (table && strcmp(table, "boom") == 0)
		return MS_EIO;
	if (ms_buf_addstr(os, "s`") || ms_buf_addstr(os, schema))
		return MS_ETOOLARGE;
	if (table && (ms_buf_addstr(ot, "t.") || ms_buf_addstr(ot, table)))
		return MS_ETOOLARGE;
	return 1;
}

static void check_refs(const struct ms_stmt *st, size_t size)
{
	size_t i, prev_end = 0;

	for (i = 0; i < st->nrefs; i++) {
		const struct ms_stmt_ref *r = &st->refs[i];

		if (r->start > size || r->len > size - r->start || !r->schema)
			abort();
		if (r->role != MS_STMT_REF_SCHEMA_ONLY && !r->table)
			abort();
		if (r->role == MS_STMT_REF_RENAMED_TO &&
		    st->op == MS_STMT_OP_ALTER_TABLE) {
			if (i != 1 ||
			    r->start < st->refs[0].start + st->refs[0].len)
				abort();
			continue; /* may come after later refs in the text */
		}
		if (r->start < prev_end)
			abort();
		prev_end = r->start + r->len;
	}
}

static void check_rewrite(const struct ms_stmt *st, const char *text,
			  size_t size)
{
	size_t mlen = strlen(MS_STMT_MARKER);
	struct ms_arena a;
	struct ms_stmt back;
	struct ms_buf out;
	struct ms_err err;
	int rc;

	ms_buf_init(&out, (size_t)64 << 20);
	rc = ms_stmt_rewrite(st, text, size, fuzz_map, NULL, &out, &err);
	if (rc < 0 && rc != MS_EUNSUPPORTED && rc != MS_EIO &&
	    rc != MS_ETOOLARGE && rc != MS_EINVAL)
		abort();
	if (rc != 1 && out.len != 0)
		abort();
	if (rc == 1) {
		if (out.len < mlen || memcmp(out.ptr, MS_STMT_MARKER, mlen))
			abort();
		ms_arena_init(&a, (size_t)64 << 20);
		if (ms_stmt_parse(out.ptr, out.len, "", &a, &back, &err) != 0 ||
		    back.kind != st->kind || back.op != st->op || !back.marked)
			abort();
		ms_arena_free(&a);
	}
	ms_buf_free(&out);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct ms_arena a;
	struct ms_stmt st;
	struct ms_err err;
	char *text = malloc(size ? size : 1);
	int rc;

	if (!text)
		return 0;
	memcpy(text, data, size);
	ms_arena_init(&a, (size_t)1 << 20);
	rc = ms_stmt_parse(text, size, size % 7 ? "fz" : "", &a, &st, &err);
	if (rc == 0) {
		check_refs(&st, size);
		check_rewrite(&st, text, size);
	} else if ((rc != MS_EPARSE && rc != MS_ETOOLARGE) ||
		   st.kind != MS_STMT_UNKNOWN || st.nrefs != 0) {
		abort();
	}
	ms_arena_free(&a);
	free(text);
	return 0;
}
