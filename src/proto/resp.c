/* The response state machine: follows a server's answer to one command,
 * packet by packet. See proto.h and docs/proto.md. */
#include <string.h>

#include "proto/proto_int.h"

enum {
	RS_FIRST,	  /* OK, ERR, LOCAL INFILE or a column count */
	RS_COLDEFS,	  /* <left> column definitions */
	RS_COLS_EOF,	  /* the EOF after them */
	RS_ROWS_FIRST,	  /* the first row (or a cursor's EOF) */
	RS_ROWS,	  /* rows until a terminator */
	RS_INFILE,	  /* the client is sending the file */
	RS_INFILE_RESULT, /* the OK or ERR after the file */
	RS_PREP_OK,	  /* the prepare OK or an ERR */
	RS_PREP_PARAMS,	  /* <left> parameter definitions */
	RS_PREP_PARAMS_EOF,
	RS_PREP_COLS, /* <left> column definitions */
	RS_PREP_COLS_EOF,
	RS_FIELDS, /* COM_FIELD_LIST definitions until EOF */
	RS_ONE,	   /* COM_STATISTICS: one string packet */
	RS_SIMPLE, /* OK, ERR (or EOF) */
	RS_DONE,
};

static const char *state_name(int s)
{
	static const char *const names[] = {
	    "first packet",
	    "column definitions",
	    "EOF after column definitions",
	    "first row",
	    "rows",
	    "local infile upload",
	    "result of local infile",
	    "prepare OK",
	    "parameter definitions",
	    "EOF after parameter definitions",
	    "column definitions",
	    "EOF after column definitions",
	    "field list",
	    "statistics",
	    "status",
	    "response complete",
	};

	return s >= 0 && s <= RS_DONE ? names[s] : "?";
}

static const char *com_name(uint8_t cmd)
{
	switch (cmd) {
	case MS_COM_QUERY:
		return "COM_QUERY";
	case MS_COM_FIELD_LIST:
		return "COM_FIELD_LIST";
	case MS_COM_STATISTICS:
		return "COM_STATISTICS";
	case MS_COM_STMT_PREPARE:
		return "COM_STMT_PREPARE";
	case MS_COM_STMT_EXECUTE:
		return "COM_STMT_EXECUTE";
	case MS_COM_STMT_FETCH:
		return "COM_STMT_FETCH";
	case MS_COM_CHANGE_USER:
		return "COM_CHANGE_USER";
	case MS_COM_PING:
		return "COM_PING";
	case MS_COM_INIT_DB:
		return "COM_INIT_DB";
	default:
		return "command";
	}
}

static int bad(struct ms_resp *r, const char *what, struct ms_err *err)
{
	return MS_ERR(err, MS_ECORRUPT, "%s (0x%02x) response, %s: %s",
		      com_name(r->cmd), r->cmd, state_name(r->state), what);
}

bool ms_proto_com_has_response(uint8_t cmd)
{
	return cmd != MS_COM_QUIT && cmd != MS_COM_STMT_CLOSE &&
	       cmd != MS_COM_STMT_SEND_LONG_DATA;
}

void ms_resp_start(struct ms_resp *r, uint8_t cmd, uint32_t caps)
{
	memset(r, 0, sizeof(*r));
	r->cmd = cmd;
	r->caps = caps;
	switch (cmd) {
	case MS_COM_QUERY:
	case MS_COM_STMT_EXECUTE:
	case 0x0a: /* COM_PROCESS_INFO: a result set, like a query */
		r->state = RS_FIRST;
		break;
	case MS_COM_STMT_FETCH:
		r->state = RS_ROWS;
		break;
	case MS_COM_STMT_PREPARE:
		r->state = RS_PREP_OK;
		break;
	case MS_COM_FIELD_LIST:
		r->state = RS_FIELDS;
		break;
	case MS_COM_STATISTICS:
		r->state = RS_ONE;
		break;
	default:
		r->state = RS_SIMPLE;
		break;
	}
	r->binary = cmd == MS_COM_STMT_EXECUTE || cmd == MS_COM_STMT_FETCH;
}

void ms_resp_infile_sent(struct ms_resp *r)
{
	if (r->state == RS_INFILE)
		r->state = RS_INFILE_RESULT;
}

/* An ERR packet ends the response. */
static int on_err(struct ms_resp *r)
{
	r->err = true;
	r->state = RS_DONE;
	return MS_RESP_DONE;
}

/* Reads the status of a terminator (0xfe) or an OK (0x00): a 5-byte EOF,
 * or an OK packet (an OK-terminator under DEPRECATE_EOF is at least 7). */
static int read_status(struct ms_resp *r, const uint8_t *p, size_t n,
		       uint32_t len, struct ms_err *err)
{
	if (p[0] == 0xfe && len < 7) {
		if (n < 5 || len < 5)
			return bad(r, "EOF packet truncated", err);
		r->status = ms_proto_eof_status(p, n);
	} else {
		if (!pr_ok_status(p, n, &r->status))
			return bad(r, "OK packet truncated", err);
		r->ok = true;
	}
	r->status_seen = true;
	return 0;
}

/* An OK or a terminator: the end, or the next result when the status says
 * more results exist. */
static int on_end(struct ms_resp *r, const uint8_t *p, size_t n, uint32_t len,
		  struct ms_err *err)
{
	int rc = read_status(r, p, n, len, err);

	if (rc)
		return rc;
	if ((r->status & MS_SERVER_MORE_RESULTS_EXISTS) &&
	    r->cmd != MS_COM_STMT_FETCH) {
		r->state = RS_FIRST;
		return MS_RESP_MORE;
	}
	r->state = RS_DONE;
	return MS_RESP_DONE;
}

static int on_first(struct ms_resp *r, const uint8_t *p, size_t n, uint32_t len,
		    struct ms_err *err)
{
	struct ms_rd rd;
	uint64_t cols;

	if (p[0] == 0x00)
		return on_end(r, p, n, len, err);
	if (p[0] == 0xff)
		return on_err(r);
	if (p[0] == 0xfb) {
		if (r->cmd != MS_COM_QUERY)
			return bad(r, "LOCAL INFILE request", err);
		r->state = RS_INFILE;
		return MS_RESP_INFILE;
	}
	ms_rd_init(&rd, p, n);
	cols = ms_rd_lenenc(&rd, NULL);
	if (rd.bad || rd.off != len)
		return bad(r, "malformed column count", err);
	if (cols == 0 || cols > 0xffff)
		return bad(r, "column count out of range", err);
	r->columns = cols;
	r->left = cols;
	r->state = RS_COLDEFS;
	return MS_RESP_MORE;
}

/* After the last definition of a result set: its EOF or the rows. */
static int after_coldefs(struct ms_resp *r)
{
	r->state =
	    r->caps & MS_CLIENT_DEPRECATE_EOF ? RS_ROWS_FIRST : RS_COLS_EOF;
	return MS_RESP_MORE;
}

/* A terminator that may be the EOF of an EXECUTE that opened a cursor. */
static int on_cursor_eof(struct ms_resp *r, const uint8_t *p, size_t n,
			 uint32_t len, struct ms_err *err)
{
	int rc = read_status(r, p, n, len, err);

	if (rc)
		return rc;
	if (r->cmd == MS_COM_STMT_EXECUTE &&
	    (r->status & MS_SERVER_STATUS_CURSOR_EXISTS)) {
		r->cursor = true;
		r->state = RS_DONE;
		return MS_RESP_DONE;
	}
	return -1; /* not a cursor: the caller goes on */
}

static int on_row(struct ms_resp *r, const uint8_t *p, size_t n, uint32_t len,
		  struct ms_err *err)
{
	int rc;

	if (p[0] == 0xff)
		return on_err(r);
	if (ms_proto_is_eof(p, len, r->caps)) {
		if (r->state == RS_ROWS_FIRST) {
			rc = on_cursor_eof(r, p, n, len, err);
			if (rc != -1)
				return rc;
			r->ok = false;
		}
		return on_end(r, p, n, len, err);
	}
	if (r->binary && p[0] != 0x00)
		return bad(r, "binary row without its 0x00 header", err);
	r->rows++;
	r->state = RS_ROWS;
	return MS_RESP_MORE;
}

/* Counts down column or parameter definitions; <next> follows them. */
static int on_def(struct ms_resp *r, const uint8_t *p, struct ms_err *err)
{
	if (p[0] == 0xff)
		return on_err(r);
	if (p[0] == 0xfe)
		return bad(r, "EOF before the last definition", err);
	if (r->left == 0)
		return bad(r, "unexpected definition", err);
	r->left--;
	return MS_RESP_MORE;
}

/* The next state of a prepare response after its parameter definitions
 * (and their EOF). */
static int prep_cols(struct ms_resp *r)
{
	if (r->num_columns == 0) {
		r->state = RS_DONE;
		return MS_RESP_DONE;
	}
	r->left = r->num_columns;
	r->state = RS_PREP_COLS;
	return MS_RESP_MORE;
}

static int on_prepare_ok(struct ms_resp *r, const uint8_t *p, size_t n,
			 uint32_t len, struct ms_err *err)
{
	struct ms_rd rd;

	if (p[0] == 0xff)
		return on_err(r);
	ms_rd_init(&rd, p, n < len ? n : len);
	if (ms_rd_u8(&rd) != 0x00)
		return bad(r, "neither a prepare OK nor an ERR", err);
	r->stmt_id = ms_rd_u32(&rd);
	r->num_columns = ms_rd_u16(&rd);
	r->num_params = ms_rd_u16(&rd);
	if (rd.bad)
		return bad(r, "prepare OK truncated", err);
	/* not <ok>: a prepare OK is not an OK packet ms_proto_ok_parse
	 * reads */
	r->columns = r->num_columns;
	if (r->num_params == 0)
		return prep_cols(r);
	r->left = r->num_params;
	r->state = RS_PREP_PARAMS;
	return MS_RESP_MORE;
}

static int on_eof_only(struct ms_resp *r, const uint8_t *p, size_t n,
		       uint32_t len, struct ms_err *err)
{
	int rc;

	if (p[0] == 0xff)
		return on_err(r);
	if (!ms_proto_is_eof(p, len, r->caps))
		return bad(r, "EOF packet expected", err);
	rc = read_status(r, p, n, len, err);
	r->ok = false;
	return rc;
}

static int feed_prepare(struct ms_resp *r, const uint8_t *p, size_t n,
			uint32_t len, struct ms_err *err)
{
	bool eof = !(r->caps & MS_CLIENT_DEPRECATE_EOF);
	int rc;

	switch (r->state) {
	case RS_PREP_OK:
		return on_prepare_ok(r, p, n, len, err);
	case RS_PREP_PARAMS:
		rc = on_def(r, p, err);
		if (rc != MS_RESP_MORE || r->left)
			return rc;
		if (eof) {
			r->state = RS_PREP_PARAMS_EOF;
			return MS_RESP_MORE;
		}
		return prep_cols(r);
	case RS_PREP_PARAMS_EOF:
		rc = on_eof_only(r, p, n, len, err);
		if (rc || r->err)
			return rc ? rc : MS_RESP_DONE;
		return prep_cols(r);
	case RS_PREP_COLS:
		rc = on_def(r, p, err);
		if (rc != MS_RESP_MORE || r->left)
			return rc;
		if (!eof) {
			r->state = RS_DONE;
			return MS_RESP_DONE;
		}
		r->state = RS_PREP_COLS_EOF;
		return MS_RESP_MORE;
	default: /* RS_PREP_COLS_EOF */
		rc = on_eof_only(r, p, n, len, err);
		if (rc || r->err)
			return rc ? rc : MS_RESP_DONE;
		r->state = RS_DONE;
		return MS_RESP_DONE;
	}
}

/* Commands answered by one OK or ERR (an EOF from old servers for
 * COM_SET_OPTION and COM_DEBUG). COM_CHANGE_USER may get an
 * AuthSwitchRequest (0xfe) or AuthMoreData (0x01) instead: the response
 * is then over for this machine, with <auth_switch> set. */
static int feed_simple(struct ms_resp *r, const uint8_t *p, size_t n,
		       uint32_t len, struct ms_err *err)
{
	int rc;

	if (p[0] == 0xff)
		return on_err(r);
	if (r->cmd == MS_COM_CHANGE_USER && (p[0] == 0xfe || p[0] == 0x01)) {
		r->auth_switch = true;
		r->state = RS_DONE;
		return MS_RESP_DONE;
	}
	if (p[0] != 0x00 && !ms_proto_is_eof(p, len, r->caps))
		return bad(r, "neither OK, ERR nor EOF", err);
	rc = read_status(r, p, n, len, err);
	if (rc)
		return rc;
	r->state = RS_DONE;
	return MS_RESP_DONE;
}

static int feed_fields(struct ms_resp *r, const uint8_t *p, size_t n,
		       uint32_t len, struct ms_err *err)
{
	int rc;

	if (p[0] == 0xff)
		return on_err(r);
	if (ms_proto_is_eof(p, len, r->caps)) {
		rc = read_status(r, p, n, len, err);
		if (rc)
			return rc;
		r->state = RS_DONE;
		return MS_RESP_DONE;
	}
	r->columns++;
	return MS_RESP_MORE;
}

static int feed_result(struct ms_resp *r, const uint8_t *p, size_t n,
		       uint32_t len, struct ms_err *err)
{
	int rc;

	switch (r->state) {
	case RS_FIRST:
		return on_first(r, p, n, len, err);
	case RS_COLDEFS:
		rc = on_def(r, p, err);
		return rc == MS_RESP_MORE && r->left == 0 ? after_coldefs(r)
							  : rc;
	case RS_COLS_EOF:
		rc = on_eof_only(r, p, n, len, err);
		if (rc || r->err)
			return rc ? rc : MS_RESP_DONE;
		if (r->cmd == MS_COM_STMT_EXECUTE &&
		    (r->status & MS_SERVER_STATUS_CURSOR_EXISTS)) {
			r->cursor = true;
			r->state = RS_DONE;
			return MS_RESP_DONE;
		}
		r->state = RS_ROWS;
		return MS_RESP_MORE;
	case RS_ROWS_FIRST:
	case RS_ROWS:
		return on_row(r, p, n, len, err);
	case RS_INFILE:
		return bad(r, "server packet during the file upload", err);
	default: /* RS_INFILE_RESULT */
		if (p[0] == 0xff)
			return on_err(r);
		if (p[0] != 0x00)
			return bad(r, "neither OK nor ERR", err);
		return on_end(r, p, n, len, err);
	}
}

int ms_resp_feed(struct ms_resp *r, const uint8_t *p, size_t avail,
		 uint32_t len, struct ms_err *err)
{
	size_t n = avail < len ? avail : len;

	if (r->state == RS_DONE)
		return bad(r, "packet after the end of the response", err);
	r->ok = false;
	if (len == 0 || n == 0)
		return bad(
		    r, len ? "no bytes of the packet given" : "empty packet",
		    err);
	switch (r->state) {
	case RS_PREP_OK:
	case RS_PREP_PARAMS:
	case RS_PREP_PARAMS_EOF:
	case RS_PREP_COLS:
	case RS_PREP_COLS_EOF:
		return feed_prepare(r, p, n, len, err);
	case RS_FIELDS:
		return feed_fields(r, p, n, len, err);
	case RS_ONE:
		if (p[0] == 0xff)
			return on_err(r);
		r->state = RS_DONE;
		return MS_RESP_DONE;
	case RS_SIMPLE:
		return feed_simple(r, p, n, len, err);
	default:
		return feed_result(r, p, n, len, err);
	}
}
