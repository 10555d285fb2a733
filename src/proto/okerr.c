/* OK, ERR and EOF packets. See proto.h. */
#include <string.h>

#include "proto/proto_int.h"

/* header, affected rows, insert id, status, warnings: 7 bytes at least */
#define OK_MIN_LEN 7

bool ms_proto_is_ok(const uint8_t *p, size_t len)
{
	return len >= OK_MIN_LEN && p[0] == 0x00;
}

bool ms_proto_is_eof(const uint8_t *p, size_t len, uint32_t caps)
{
	if (len < 1 || p[0] != 0xfe)
		return false;
	if (len < 9)
		return true;
	return (caps & MS_CLIENT_DEPRECATE_EOF) && len < MS_PROTO_MAX_FRAG;
}

bool ms_proto_is_err(const uint8_t *p, size_t len)
{
	return len >= 1 && p[0] == 0xff;
}

bool pr_ok_status(const uint8_t *p, size_t n, uint16_t *status)
{
	struct ms_rd r;
	uint8_t h;

	ms_rd_init(&r, p, n);
	h = ms_rd_u8(&r);
	(void)ms_rd_lenenc(&r, NULL);
	(void)ms_rd_lenenc(&r, NULL);
	*status = ms_rd_u16(&r);
	(void)ms_rd_u16(&r);
	return !r.bad && (h == 0x00 || h == 0xfe);
}

int ms_proto_ok_parse(const uint8_t *p, size_t n, uint32_t caps,
		      struct ms_ok *ok, struct ms_err *err)
{
	struct ms_rd r;

	memset(ok, 0, sizeof(*ok));
	ms_rd_init(&r, p, n);
	ok->header = ms_rd_u8(&r);
	if (r.bad || (ok->header != 0x00 && ok->header != 0xfe))
		return MS_ERR(err, MS_ECORRUPT,
			      "OK packet: header 0x%02x (0x00 or 0xfe "
			      "expected)",
			      ok->header);
	ok->affected_rows = ms_rd_lenenc(&r, NULL);
	ok->insert_id = ms_rd_lenenc(&r, NULL);
	if (caps & MS_CLIENT_PROTOCOL_41) {
		ok->status = ms_rd_u16(&r);
		ok->warnings = ms_rd_u16(&r);
	} else if (caps & MS_CLIENT_TRANSACTIONS) {
		ok->status = ms_rd_u16(&r);
	}
	if (r.bad)
		return MS_ERR(err, MS_ECORRUPT,
			      "OK packet: truncated before the status flags");
	ok->info.p = ok->state.p = r.p + r.off;
	if (!(caps & MS_CLIENT_SESSION_TRACK)) {
		ok->info.p = ms_rd_rest(&r, &ok->info.n);
		return 0;
	}
	if (ms_rd_left(&r))
		ok->info = pr_rd_lenview(&r);
	ok->state.p = r.p + r.off;
	if ((ok->status & MS_SERVER_SESSION_STATE_CHANGED) && ms_rd_left(&r))
		ok->state = pr_rd_lenview(&r);
	if (r.bad)
		return MS_ERR(err, MS_ECORRUPT,
			      "OK packet: info or session state truncated");
	return 0;
}

int ms_proto_ok_encode(struct ms_buf *out, const struct ms_ok *ok,
		       uint32_t caps)
{
	bool track = (caps & MS_CLIENT_SESSION_TRACK) != 0;
	uint16_t status = ok->status;
	size_t start = out->len;
	int rc;

	if (!track)
		status &= (uint16_t)~MS_SERVER_SESSION_STATE_CHANGED;
	rc = ms_wr_u8(out, ok->header);
	if (!rc)
		rc = ms_wr_lenenc(out, ok->affected_rows);
	if (!rc)
		rc = ms_wr_lenenc(out, ok->insert_id);
	if (!rc && (caps & (MS_CLIENT_PROTOCOL_41 | MS_CLIENT_TRANSACTIONS)))
		rc = ms_wr_u16(out, status);
	if (!rc && (caps & MS_CLIENT_PROTOCOL_41))
		rc = ms_wr_u16(out, ok->warnings);
	if (!rc && !track)
		rc = ms_buf_add(out, ok->info.p, ok->info.n);
	if (!rc && track &&
	    (ok->info.n || (status & MS_SERVER_SESSION_STATE_CHANGED)))
		rc = ms_wr_lenstr(out, ok->info.p, ok->info.n);
	if (!rc && track && (status & MS_SERVER_SESSION_STATE_CHANGED))
		rc = ms_wr_lenstr(out, ok->state.p, ok->state.n);
	if (rc)
		pr_buf_truncate(out, start);
	return rc;
}

static bool sqlstate_ok(const uint8_t *s)
{
	int i;

	for (i = 0; i < 5; i++)
		if (!((s[i] >= '0' && s[i] <= '9') ||
		      (s[i] >= 'A' && s[i] <= 'Z') ||
		      (s[i] >= 'a' && s[i] <= 'z')))
			return false;
	return true;
}

int ms_proto_err_parse(const uint8_t *p, size_t n, struct ms_errpkt *e,
		       struct ms_err *err)
{
	struct ms_rd r;
	const uint8_t *st;

	memset(e, 0, sizeof(*e));
	memcpy(e->sqlstate, "HY000", 6);
	ms_rd_init(&r, p, n);
	if (ms_rd_u8(&r) != 0xff)
		return MS_ERR(err, MS_ECORRUPT,
			      "ERR packet: header is not 0xff");
	e->code = ms_rd_u16(&r);
	if (r.bad)
		return MS_ERR(err, MS_ECORRUPT,
			      "ERR packet: truncated error code");
	if (ms_rd_left(&r) && r.p[r.off] == '#') {
		(void)ms_rd_u8(&r);
		st = ms_rd_bytes(&r, 5);
		if (r.bad)
			return MS_ERR(err, MS_ECORRUPT,
				      "ERR packet: truncated SQLSTATE");
		if (!sqlstate_ok(st))
			return MS_ERR(err, MS_ECORRUPT,
				      "ERR packet: SQLSTATE is not 5 letters "
				      "or digits");
		memcpy(e->sqlstate, st, 5);
		e->sqlstate[5] = '\0';
	}
	e->msg.p = ms_rd_rest(&r, &e->msg.n);
	return 0;
}

int ms_proto_err_encode(struct ms_buf *out, uint16_t code, const char *sqlstate,
			const char *fmt, ...)
{
	size_t start = out->len;
	va_list ap;
	int rc;

	if (!sqlstate || strlen(sqlstate) != 5)
		sqlstate = "HY000";
	rc = ms_wr_u8(out, 0xff);
	if (!rc)
		rc = ms_wr_u16(out, code);
	if (!rc)
		rc = ms_buf_addc(out, '#');
	if (!rc)
		rc = ms_buf_add(out, sqlstate, 5);
	if (!rc) {
		va_start(ap, fmt);
		rc = ms_buf_vaddf(out, fmt, ap);
		va_end(ap);
	}
	if (rc)
		pr_buf_truncate(out, start);
	return rc;
}

int ms_proto_eof_encode(struct ms_buf *out, uint16_t warnings, uint16_t status)
{
	uint8_t t[5];

	t[0] = 0xfe;
	t[1] = (uint8_t)warnings;
	t[2] = (uint8_t)(warnings >> 8);
	t[3] = (uint8_t)status;
	t[4] = (uint8_t)(status >> 8);
	return ms_buf_add(out, t, sizeof(t));
}

uint16_t ms_proto_eof_status(const uint8_t *p, size_t n)
{
	if (n < 5 || p[0] != 0xfe)
		return 0;
	return (uint16_t)(p[3] | p[4] << 8);
}
