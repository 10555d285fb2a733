/* Prepared-statement packets (COM_STMT_EXECUTE, statement ids) and
 * COM_CHANGE_USER. See proto.h. */
#include <string.h>

#include "proto/proto_int.h"

int ms_proto_exec_parse(const uint8_t *p, size_t n, uint16_t num_params,
			struct ms_exec *e, struct ms_err *err)
{
	struct ms_rd r;
	size_t tlen = (size_t)num_params * 2;

	memset(e, 0, sizeof(*e));
	ms_rd_init(&r, p, n);
	if (ms_rd_u8(&r) != MS_COM_STMT_EXECUTE)
		return MS_ERR(err, MS_ECORRUPT,
			      "COM_STMT_EXECUTE: not an execute packet");
	e->stmt_id = ms_rd_u32(&r);
	e->flags = ms_rd_u8(&r);
	(void)ms_rd_u32(&r); /* iteration count, always 1 */
	if (r.bad)
		return MS_ERR(err, MS_ECORRUPT,
			      "COM_STMT_EXECUTE: %zu bytes, shorter than its "
			      "fixed part",
			      n);
	e->types.p = r.p + r.off;
	e->types_off = r.off;
	if (num_params == 0)
		return 0;
	(void)ms_rd_bytes(&r, ((size_t)num_params + 7) / 8);
	e->types_off = r.off;
	e->new_params = ms_rd_u8(&r) != 0;
	if (r.bad)
		return MS_ERR(err, MS_ECORRUPT,
			      "COM_STMT_EXECUTE: statement %u with %u "
			      "parameters: null bitmap or bound flag "
			      "truncated",
			      e->stmt_id, num_params);
	if (!e->new_params)
		return 0;
	e->types.p = ms_rd_bytes(&r, tlen);
	if (r.bad)
		return MS_ERR(err, MS_ECORRUPT,
			      "COM_STMT_EXECUTE: statement %u: parameter types "
			      "truncated (%zu bytes expected)",
			      e->stmt_id, tlen);
	e->types.n = tlen;
	return 0;
}

int ms_proto_exec_with_types(struct ms_buf *out, const uint8_t *p, size_t n,
			     const struct ms_exec *e, const uint8_t *types,
			     uint16_t num_params)
{
	size_t tlen = (size_t)num_params * 2;
	size_t start = out->len, rest;
	int rc;

	if (num_params == 0)
		return ms_buf_add(out, p, n);
	rest = e->types_off + 1 + (e->new_params ? tlen : 0);
	if (rest > n || (e->new_params && e->types.n != tlen))
		return MS_EINVAL;
	rc = ms_buf_add(out, p, e->types_off);
	if (!rc)
		rc = ms_wr_u8(out, 1);
	if (!rc)
		rc = ms_buf_add(out, types, tlen);
	if (!rc)
		rc = ms_buf_add(out, p + rest, n - rest);
	if (rc)
		pr_buf_truncate(out, start);
	return rc;
}

uint32_t ms_proto_stmt_id(const uint8_t *p)
{
	return (uint32_t)p[1] | (uint32_t)p[2] << 8 | (uint32_t)p[3] << 16 |
	       (uint32_t)p[4] << 24;
}

void ms_proto_stmt_id_set(uint8_t *p, uint32_t id)
{
	p[1] = (uint8_t)id;
	p[2] = (uint8_t)(id >> 8);
	p[3] = (uint8_t)(id >> 16);
	p[4] = (uint8_t)(id >> 24);
}

static int cu_limits(const struct ms_change_user *c, struct ms_err *err)
{
	if (c->user.n > PR_MAX_USER)
		return MS_ERR(err, MS_ECORRUPT,
			      "COM_CHANGE_USER: user name of %zu bytes is "
			      "oversized (limit %d)",
			      c->user.n, PR_MAX_USER);
	if (c->auth.n > PR_MAX_AUTH)
		return MS_ERR(err, MS_ECORRUPT,
			      "COM_CHANGE_USER: auth response of %zu bytes is "
			      "oversized (limit %d)",
			      c->auth.n, PR_MAX_AUTH);
	if (c->db.n > PR_MAX_DB)
		return MS_ERR(err, MS_ECORRUPT,
			      "COM_CHANGE_USER: schema name of %zu bytes is "
			      "oversized (limit %d)",
			      c->db.n, PR_MAX_DB);
	if (c->plugin.n > 255)
		return MS_ERR(err, MS_ECORRUPT,
			      "COM_CHANGE_USER: auth plugin name of %zu bytes "
			      "is oversized",
			      c->plugin.n);
	return 0;
}

int ms_proto_change_user_parse(const uint8_t *p, size_t n, uint32_t caps,
			       struct ms_change_user *c, struct ms_err *err)
{
	struct ms_rd r;
	size_t k;

	memset(c, 0, sizeof(*c));
	if (n == 0)
		return MS_ERR(err, MS_ECORRUPT,
			      "COM_CHANGE_USER: empty packet");
	ms_rd_init(&r, p, n);
	c->user = pr_rd_nulstr_lenient(&r);
	c->auth.p = c->db.p = c->plugin.p = c->attrs.p = r.p + r.off;
	c->auth.n = c->db.n = c->plugin.n = c->attrs.n = 0;
	if (ms_rd_left(&r) && (caps & MS_CLIENT_SECURE_CONNECTION)) {
		k = ms_rd_u8(&r);
		c->auth.p = ms_rd_bytes(&r, k);
		c->auth.n = k;
	} else if (ms_rd_left(&r)) {
		c->auth = pr_rd_nulstr_lenient(&r);
	}
	if (r.bad)
		return MS_ERR(err, MS_ECORRUPT,
			      "COM_CHANGE_USER: auth response truncated");
	c->db = pr_rd_nulstr_lenient(&r);
	if (ms_rd_left(&r) >= 2)
		c->charset = ms_rd_u16(&r);
	if ((caps & MS_CLIENT_PLUGIN_AUTH) && ms_rd_left(&r))
		c->plugin = pr_rd_nulstr_lenient(&r);
	if ((caps & MS_CLIENT_CONNECT_ATTRS) && ms_rd_left(&r)) {
		c->attrs = pr_rd_lenview(&r);
		if (r.bad)
			return MS_ERR(err, MS_ECORRUPT,
				      "COM_CHANGE_USER: connection attributes "
				      "truncated");
	}
	return cu_limits(c, err);
}
