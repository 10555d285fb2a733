/* Moving one chunk: rows streamed from the source result into LOAD DATA
 * LOCAL on the target (fed from memory, one row held at a time), or into
 * multi-row REPLACE statements when the target refuses LOCAL. See
 * docs/copy.md ("Loading"). */
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "copy/copy_int.h"
#include "core/log.h"

#define CP_ROW_MAX   ((size_t)2 << 30) /* one encoded row */
#define CP_STMT_SIZE ((size_t)8 << 20) /* target size of a REPLACE */

struct cp_feed {
	const struct cp_table *t;
	struct ms_db_stream *st;
	struct ms_buf row; /* the encoded row being sent */
	size_t off;	   /* bytes of it already sent */
	bool eof;
	uint64_t rows, bytes;
	struct ms_buf key; /* raw key values of the last row read */
	size_t keylen[MS_KEY_MAX_PARTS];
};

/* Bytes LOAD DATA's default format escapes (FIELDS ESCAPED BY '\\'). */
static const unsigned char cp_esc[256] = {
    [0] = '0', ['\t'] = 't', ['\n'] = 'n', ['\\'] = '\\'};

static int encode_field(struct ms_buf *b, const char *v, size_t len)
{
	size_t i, run = 0;
	int rc = 0;

	if (!v)
		return ms_buf_add(b, "\\N", 2);
	for (i = 0; !rc && i < len; i++) {
		unsigned char e = cp_esc[(unsigned char)v[i]];

		if (!e)
			continue;
		char two[2] = {'\\', (char)e};

		rc = ms_buf_add(b, v + run, i - run);
		if (!rc)
			rc = ms_buf_add(b, two, 2);
		run = i + 1;
	}
	return rc ? rc : ms_buf_add(b, v + run, len - run);
}

/* Reads the next row for either loader: returns 1 with the row, 0 at the
 * end, or an error naming the table. Counts rows and data bytes, and keeps
 * the raw key values (read after the data columns) of the last row; their
 * literals are built once per chunk by last_key. */
static int read_row(struct cp_feed *f, const char *const **vals,
		    const size_t **lens, struct ms_err *err)
{
	const struct cp_table *t = f->t;
	size_t i;
	int rc = ms_db_stream_next(f->st, vals, lens, err);

	if (rc < 0)
		return ms_err_prefix(err, "source table %s", t->src_q);
	if (rc == 0)
		return 0;
	for (i = 0; i < t->ncols; i++)
		f->bytes += (*vals)[i] ? (*lens)[i] : 0;
	ms_buf_reset(&f->key);
	for (i = 0; i < t->key.n; i++) {
		f->keylen[i] = (*lens)[t->ncols + i];
		if (!(*vals)[t->ncols + i] ||
		    ms_buf_add(&f->key, (*vals)[t->ncols + i], f->keylen[i]))
			return MS_ERR(err, MS_ECORRUPT,
				      "source table %s: key column %zu of "
				      "row %" PRIu64 " is NULL or too large",
				      t->src_q, i + 1, f->rows + 1);
	}
	f->rows++;
	return 1;
}

/* The key literals of the last row read into <out> (unchanged when no row
 * was read). */
static int last_key(const struct cp_feed *f, struct ms_buf *out)
{
	const char *vals[MS_KEY_MAX_PARTS];
	size_t i, off = 0;

	if (!f->rows || !f->t->key.n)
		return 0;
	for (i = 0; i < f->t->key.n; i++) {
		vals[i] = f->key.ptr ? f->key.ptr + off : "";
		off += f->keylen[i];
	}
	ms_buf_reset(out);
	return ms_key_literals(&f->t->key, vals, f->keylen, out);
}

/* Reads and encodes the next row; sets f->eof at the end. */
static int feed_row(struct cp_feed *f, struct ms_err *err)
{
	const char *const *vals;
	const size_t *lens;
	size_t i;
	int rc = read_row(f, &vals, &lens, err);

	if (rc <= 0) {
		f->eof = rc == 0;
		return rc;
	}
	ms_buf_reset(&f->row);
	f->off = 0;
	rc = 0;
	for (i = 0; !rc && i < f->t->ncols; i++) {
		if (i)
			rc = ms_buf_addc(&f->row, '\t');
		if (!rc)
			rc = encode_field(&f->row, vals[i], lens[i]);
	}
	rc = rc ? rc : ms_buf_addc(&f->row, '\n');
	if (rc)
		return MS_ERR(err, rc,
			      "source table %s: row %" PRIu64 " of the chunk "
			      "is too large to send (%s)",
			      f->t->src_q, f->rows, ms_err_name(rc));
	return 0;
}

static int feed(void *ctx, char *buf, size_t size, size_t *len,
		struct ms_err *err)
{
	struct cp_feed *f = ctx;
	size_t n = 0, k;
	int rc;

	while (n < size) {
		if (f->off == f->row.len) {
			if (f->eof)
				break;
			rc = feed_row(f, err);
			if (rc)
				return rc;
			if (f->eof)
				break;
		}
		k = f->row.len - f->off;
		if (k > size - n)
			k = size - n;
		memcpy(buf + n, f->row.ptr + f->off, k);
		f->off += k;
		n += k;
	}
	*len = n;
	return 0;
}

/* True for the one warning that changes nothing: 1265 "Data truncated for
 * column 'c'" on an ENUM column. The source can hold only listed values and
 * '' (index 0, left by a non-strict insert); the target's definition is the
 * same, and writing '' by any means warns yet stores index 0 again. */
static bool harmless(const struct cp_table *t, const char *code,
		     const char *msg)
{
	const char *p = msg ? strstr(msg, "for column '") : NULL;
	const struct ms_column *c;
	char name[256];
	size_t n;

	if (!p || !code || strcmp(code, "1265"))
		return false;
	p += strlen("for column '");
	n = strcspn(p, "'");
	if (p[n] != '\'' || n >= sizeof(name))
		return false;
	memcpy(name, p, n);
	name[n] = '\0';
	c = ms_table_column(t->src, name);
	return c && !strcmp(c->data_type, "enum");
}

/* A load that warned may have changed data: unless every warning is
 * harmless (the session keeps up to 65535 of them), say how and stop. */
static int check_warnings(struct ms_db *tgt, const struct cp_table *t,
			  unsigned int nwarn, struct ms_err *err)
{
	struct ms_db_result *res = NULL;
	const char *msg = "(unavailable)";
	size_t i, n;
	int rc;

	if (!nwarn)
		return 0;
	rc = ms_db_query(tgt, "SHOW WARNINGS", &res, err);
	n = rc ? 0 : ms_db_result_nrows(res);
	for (i = 0; i < n; i++)
		if (!harmless(t, ms_db_result_get(res, i, 1),
			      ms_db_result_get(res, i, 2)))
			break;
	if (n && i == n && n == nwarn) {
		ms_db_result_free(res);
		return 0;
	}
	if (i < n)
		msg = ms_db_result_get(res, i, 2);
	MS_ERR(err, MS_ESQL,
	       "target table %s: the load gave %u warning(s), so values "
	       "would change; first: %s",
	       t->tgt_q, nwarn, msg ? msg : "(unavailable)");
	ms_db_result_free(res);
	return MS_ESQL;
}

static int load_data(struct cp_feed *f, struct ms_db *tgt, struct ms_err *err)
{
	const struct cp_table *t = f->t;
	unsigned int nwarn = 0;
	struct ms_buf q;
	int rc;

	ms_buf_init(&q, (size_t)64 << 20);
	rc = ms_buf_addf(&q,
			 "LOAD DATA LOCAL INFILE 'myshift-stream' REPLACE "
			 "INTO TABLE %s CHARACTER SET binary %s",
			 t->tgt_q, t->load_list);
	if (rc) {
		ms_buf_free(&q);
		return MS_ERR(err, rc, "target table %s: statement too long",
			      t->tgt_q);
	}
	rc = ms_db_load_local(tgt, ms_buf_str(&q), feed, f, NULL, &nwarn, err);
	ms_buf_free(&q);
	if (rc)
		return ms_err_prefix(err, "copying %s into %s", t->src_q,
				     t->tgt_q);
	return check_warnings(tgt, t, nwarn, err);
}

static int add_value(struct ms_db *tgt, struct ms_buf *q, enum cp_val kind,
		     const char *v, size_t len)
{
	int rc;

	if (!v)
		return ms_buf_add(q, "NULL", 4);
	if (kind == CP_VAL_NUM)
		return ms_buf_add(q, v, len);
	rc = ms_buf_addstr(q, kind == CP_VAL_UTF8 ? "_utf8mb4" : "_binary");
	return rc ? rc : ms_db_quote_string(tgt, q, v, len);
}

static int insert_flush(struct ms_db *tgt, const struct cp_table *t,
			struct ms_buf *q, struct ms_err *err)
{
	unsigned int nwarn;
	int rc;

	if (!q->len)
		return 0;
	rc = ms_db_exec(tgt, ms_buf_str(q), err);
	ms_buf_reset(q);
	if (rc)
		return ms_err_prefix(err, "copying %s into %s", t->src_q,
				     t->tgt_q);
	nwarn = ms_db_warning_count(tgt);
	return check_warnings(tgt, t, nwarn, err);
}

static int insert_row(struct cp_feed *f, struct ms_db *tgt, struct ms_buf *q,
		      const char *const *vals, const size_t *lens)
{
	const struct cp_table *t = f->t;
	size_t i;
	int rc = 0;

	if (!q->len)
		rc = ms_buf_addf(q, "REPLACE INTO %s %s VALUES ", t->tgt_q,
				 t->insert_list);
	else
		rc = ms_buf_addc(q, ',');
	for (i = 0; !rc && i < t->ncols; i++) {
		rc = ms_buf_addc(q, i ? ',' : '(');
		if (!rc)
			rc = add_value(tgt, q, t->vals[i], vals[i], lens[i]);
	}
	return rc ? rc : ms_buf_addc(q, ')');
}

static int insert_rows(struct cp_feed *f, struct ms_db *tgt, struct ms_err *err)
{
	const char *const *vals;
	const size_t *lens;
	struct ms_buf q;
	int rc;

	ms_buf_init(&q, CP_ROW_MAX);
	/* The source result stays open while the target runs each statement:
	 * they are different connections. */
	while ((rc = read_row(f, &vals, &lens, err)) == 1) {
		rc = insert_row(f, tgt, &q, vals, lens);
		if (rc) {
			rc = MS_ERR(err, rc,
				    "source table %s: row %" PRIu64 " is too "
				    "large to send (%s)",
				    f->t->src_q, f->rows, ms_err_name(rc));
			break;
		}
		if (q.len >= CP_STMT_SIZE &&
		    (rc = insert_flush(tgt, f->t, &q, err)))
			break;
	}
	if (rc == 0)
		rc = insert_flush(tgt, f->t, &q, err);
	ms_buf_free(&q);
	return rc;
}

int cp_load_chunk(struct cp_run *r, const struct cp_table *t, struct ms_db *src,
		  struct ms_db *tgt, const char *select, uint64_t *rows,
		  uint64_t *bytes, struct ms_buf *last, struct ms_err *err)
{
	struct cp_feed f = {.t = t};
	int rc;

	ms_buf_init(&f.row, CP_ROW_MAX);
	ms_buf_init(&f.key, CP_ROW_MAX);
	rc = ms_db_stream_open(src, select, &f.st, err);
	if (rc) {
		ms_buf_free(&f.row);
		return ms_err_prefix(err, "source table %s", t->src_q);
	}
	if (r->use_load_data)
		rc = load_data(&f, tgt, err);
	else
		rc = insert_rows(&f, tgt, err);
	if (!rc && last_key(&f, last))
		rc = MS_ERR(err, MS_ENOMEM, "source table %s: out of memory",
			    t->src_q);
	ms_db_stream_close(f.st);
	ms_buf_free(&f.row);
	ms_buf_free(&f.key);
	*rows = f.rows;
	*bytes = f.bytes;
	return rc;
}
