/* Bodies of the events that are not table maps or rows: format description,
 * rotate, query, XID, GTIDs of both flavours, statement-replay variables,
 * heartbeats, XA, incidents, and the two compressed containers (MySQL
 * TRANSACTION_PAYLOAD, MariaDB zlib-compressed events). */
#include <stdio.h>
#include <string.h>
#include <zlib.h>
#include <zstd.h>

#include "binlog/binlog_int.h"

#define CORRUPT(err, ...) MS_ERR(err, MS_ECORRUPT, __VA_ARGS__)
#define TRUNC(err, what)  CORRUPT(err, "truncated %s", what)

static int nomem(struct ms_err *err)
{
	return MS_ERR(err, MS_ETOOLARGE,
		      "decoded event exceeds the memory limit");
}

static const char *adup(struct ms_arena *a, const void *p, size_t n)
{
	return ms_arena_strndup(a, p, n);
}

/* ---- format description -------------------------------------------- */

/* Parses "8.0.32-log" / "10.11.6-MariaDB-log" into a comparable number
 * (8.0.32 -> 80032). */
static unsigned long version_number(const char *v)
{
	unsigned long part[3] = {0, 0, 0};
	int i = 0;

	for (; *v && i < 3; v++) {
		if (*v >= '0' && *v <= '9') {
			if (part[i] < 1000)
				part[i] =
				    part[i] * 10 + (unsigned long)(*v - '0');
		} else if (*v == '.') {
			i++;
		} else {
			break;
		}
	}
	return part[0] * 10000 + part[1] * 100 + part[2];
}

/* Servers from MySQL 5.6.1 and MariaDB 5.3 end their FDE with a checksum
 * algorithm byte and 4 checksum bytes, whatever the algorithm. */
static bool fde_has_checksum(const char *version, enum ms_bl_flavor fl)
{
	unsigned long v = version_number(version);

	return fl == MS_BL_FLAVOR_MARIADB ? v >= 50300 : v >= 50601;
}

int bl_fde_decode(const uint8_t *body, size_t len, struct ms_bl_fde *f,
		  struct ms_err *err)
{
	const size_t fixed = 2 + 50 + 4 + 1;
	size_t nlen;

	memset(f, 0, sizeof(*f));
	if (len < fixed)
		return CORRUPT(err,
			       "FORMAT_DESCRIPTION body is %zu bytes, "
			       "less than the %zu fixed ones",
			       len, fixed);
	f->binlog_version = bl_le16(body);
	memcpy(f->server_version, body + 2, 50);
	f->server_version[50] = '\0';
	f->server_version[strnlen(f->server_version, 50)] = '\0';
	f->create_timestamp = bl_le32(body + 52);
	f->header_len = body[56];
	f->flavor = strstr(f->server_version, "MariaDB") ? MS_BL_FLAVOR_MARIADB
							 : MS_BL_FLAVOR_MYSQL;
	if (f->binlog_version != 4)
		return MS_ERR(err, MS_EUNSUPPORTED,
			      "binlog version %u (MySQL before 5.0) is not "
			      "supported",
			      f->binlog_version);
	if (f->header_len < MS_BL_HEADER_LEN)
		return CORRUPT(err,
			       "FORMAT_DESCRIPTION header length %u is "
			       "less than 19",
			       f->header_len);
	nlen = len - fixed;
	f->checksum = MS_BL_CHECKSUM_UNDEF;
	if (fde_has_checksum(f->server_version, f->flavor)) {
		if (nlen < 5)
			return CORRUPT(err, "FORMAT_DESCRIPTION too short for "
					    "its checksum algorithm");
		f->checksum = body[len - 5];
		nlen -= 5;
		if (f->checksum != MS_BL_CHECKSUM_OFF &&
		    f->checksum != MS_BL_CHECKSUM_CRC32)
			return MS_ERR(err, MS_EUNSUPPORTED,
				      "checksum algorithm %u is not supported",
				      f->checksum);
	}
	if (nlen > sizeof(f->post_header_len))
		nlen = sizeof(f->post_header_len);
	f->ntypes = (uint32_t)nlen;
	memcpy(f->post_header_len, body + fixed, nlen);
	return 0;
}

/* The post-header length the FDE declares for <type>, or <dflt>. */
static unsigned int post_header(const struct ms_bl_decoder *d,
				unsigned int type, unsigned int dflt)
{
	if (d->have_fde && type >= 1 && type <= d->fde.ntypes)
		return d->fde.post_header_len[type - 1];
	return dflt;
}

/* ---- QUERY ----------------------------------------------------------- */

/* Status variable codes (MySQL and MariaDB share 0-19; 128+ are
 * MariaDB's). */
enum {
	Q_FLAGS2 = 0,
	Q_SQL_MODE = 1,
	Q_CATALOG = 2,
	Q_AUTO_INCREMENT = 3,
	Q_CHARSET = 4,
	Q_TIME_ZONE = 5,
	Q_CATALOG_NZ = 6,
	Q_LC_TIME_NAMES = 7,
	Q_CHARSET_DATABASE = 8,
	Q_TABLE_MAP_FOR_UPDATE = 9,
	Q_MASTER_DATA_WRITTEN = 10,
	Q_INVOKER = 11,
	Q_UPDATED_DB_NAMES = 12,
	Q_MICROSECONDS = 13,
	Q_COMMIT_TS = 14,
	Q_COMMIT_TS2 = 15,
	Q_EXPLICIT_DEFAULTS_TS = 16,
	Q_DDL_LOGGED_WITH_XID = 17,
	Q_DEFAULT_COLLATION_UTF8MB4 = 18,
	Q_SQL_REQUIRE_PRIMARY_KEY = 19,
	Q_DEFAULT_TABLE_ENCRYPTION = 20,
	Q_MARIA_HRNOW = 128,
	Q_MARIA_XID = 129,
	Q_MARIA_GTID_FLAGS3 = 130,
	Q_MARIA_CHARACTER_SET_COLLATIONS = 131,
};

/* A length-prefixed string status variable (1-byte length). */
static bool status_str(struct bl_cur *c, struct ms_arena *a, const char **out,
		       bool *nomem_out)
{
	uint8_t n;
	const uint8_t *p;

	if (!bl_u8(c, &n) || !bl_take(c, n, &p))
		return false;
	*out = adup(a, p, n);
	if (!*out)
		*nomem_out = true;
	return true;
}

/* Skips the db names list of Q_UPDATED_DB_NAMES: a count (254 = too many
 * to list) and that many NUL-terminated names. */
static bool skip_db_names(struct bl_cur *c)
{
	uint8_t n;

	if (!bl_u8(c, &n))
		return false;
	if (n == 254)
		return true;
	for (unsigned int i = 0; i < n; i++) {
		const uint8_t *z = memchr(c->p, 0, bl_left(c));

		if (!z)
			return false;
		c->p = z + 1;
	}
	return true;
}

/* Reads one status variable. Returns 1 when read, 0 when the code is
 * unknown (parsing must stop: its length is not known), -1 when
 * truncated. */
static int status_var(struct bl_cur *c, uint8_t code, struct ms_bl_query *q,
		      struct ms_arena *a, bool *oom)
{
	uint64_t v = 0;
	uint16_t x = 0, y = 0;
	uint8_t b;
	bool ok;

	switch (code) {
	case Q_FLAGS2:
		ok = bl_uN(c, 4, &v);
		q->flags2 = (uint32_t)v;
		q->has_flags2 = ok;
		break;
	case Q_SQL_MODE:
		ok = bl_u64(c, &q->sql_mode);
		q->has_sql_mode = ok;
		break;
	case Q_CATALOG:
		ok = status_str(c, a, &q->catalog, oom) && bl_skip(c, 1);
		break;
	case Q_CATALOG_NZ:
		ok = status_str(c, a, &q->catalog, oom);
		break;
	case Q_AUTO_INCREMENT:
		ok = bl_u16(c, &x) && bl_u16(c, &y);
		q->auto_increment_increment = x;
		q->auto_increment_offset = y;
		q->has_auto_increment = ok;
		break;
	case Q_CHARSET:
		ok = bl_u16(c, &q->charset_client) &&
		     bl_u16(c, &q->collation_connection) &&
		     bl_u16(c, &q->collation_server);
		q->has_charset = ok;
		break;
	case Q_TIME_ZONE:
		ok = status_str(c, a, &q->time_zone, oom);
		q->has_time_zone = ok;
		break;
	case Q_LC_TIME_NAMES:
		ok = bl_u16(c, &q->lc_time_names);
		q->has_lc_time_names = ok;
		break;
	case Q_CHARSET_DATABASE:
		ok = bl_u16(c, &q->charset_database);
		q->has_charset_database = ok;
		break;
	case Q_TABLE_MAP_FOR_UPDATE:
		ok = bl_skip(c, 8);
		q->has_table_map_for_update = ok;
		break;
	case Q_MASTER_DATA_WRITTEN:
		ok = bl_skip(c, 4);
		break;
	case Q_INVOKER:
		ok = bl_u8(c, &b) && bl_skip(c, b) && bl_u8(c, &b) &&
		     bl_skip(c, b);
		break;
	case Q_UPDATED_DB_NAMES:
		ok = skip_db_names(c);
		break;
	case Q_MICROSECONDS:
	case Q_MARIA_HRNOW:
		ok = bl_skip(c, 3);
		break;
	case Q_COMMIT_TS2:
		ok = bl_skip(c, 8);
		break;
	case Q_EXPLICIT_DEFAULTS_TS:
	case Q_SQL_REQUIRE_PRIMARY_KEY:
	case Q_DEFAULT_TABLE_ENCRYPTION:
	case Q_MARIA_GTID_FLAGS3:
		ok = bl_skip(c, 1);
		break;
	case Q_DDL_LOGGED_WITH_XID:
	case Q_MARIA_XID:
		ok = bl_u64(c, &q->ddl_xid);
		q->has_ddl_xid = ok;
		break;
	case Q_DEFAULT_COLLATION_UTF8MB4:
		ok = bl_u16(c, &q->default_collation_for_utf8mb4);
		q->has_default_collation = ok;
		break;
	case Q_MARIA_CHARACTER_SET_COLLATIONS:
		ok = bl_u8(c, &b) && bl_skip(c, (size_t)b * 4);
		break;
	default:
		return 0;
	}
	return ok ? 1 : -1;
}

static int query_decode(const struct ms_bl_decoder *d, struct ms_arena *a,
			unsigned int type, const uint8_t *body, size_t len,
			struct ms_bl_query *q, struct ms_err *err)
{
	unsigned int phl = post_header(d, MS_BL_QUERY, 13);
	struct bl_cur c, sv;
	uint16_t svlen = 0;
	uint8_t dblen, code;
	const uint8_t *p, *db;
	bool oom = false;
	int rc;

	memset(q, 0, sizeof(*q));
	if (phl < 11 || len < phl)
		return CORRUPT(err,
			       "QUERY post-header needs %u bytes, "
			       "the body has %zu",
			       phl < 11 ? 11 : phl, len);
	q->thread_id = bl_le32(body);
	q->exec_time = bl_le32(body + 4);
	dblen = body[8];
	q->error_code = bl_le16(body + 9);
	if (phl >= 13)
		svlen = bl_le16(body + 11);
	bl_cur_init(&c, body + phl, len - phl);
	if (!bl_take(&c, svlen, &p))
		return CORRUPT(err,
			       "QUERY status variables (%u bytes) run "
			       "past the event",
			       svlen);
	bl_cur_init(&sv, p, svlen);
	while (bl_u8(&sv, &code)) {
		rc = status_var(&sv, code, q, a, &oom);
		if (rc < 0)
			return CORRUPT(err,
				       "QUERY status variable %u is "
				       "truncated",
				       code);
		if (rc == 0)
			break; /* unknown: the rest cannot be parsed */
	}
	if (!bl_take(&c, dblen, &db) || !bl_skip(&c, 1))
		return TRUNC(err, "QUERY schema name");
	q->schema = adup(a, db, dblen);
	if (!q->schema || oom)
		return nomem(err);
	q->sql.p = c.p;
	q->sql.len = bl_left(&c);
	if (type == MS_BL_MARIA_QUERY_COMPRESSED) {
		q->compressed = true;
		rc = bl_maria_inflate(c.p, bl_left(&c), a, &q->sql.p,
				      &q->sql.len, err);
		if (rc)
			return ms_err_prefix(err, "QUERY text");
	}
	return 0;
}

/* ---- GTIDs --------------------------------------------------------- */

static int mysql_gtid_decode(const uint8_t *body, size_t len,
			     struct ms_bl_gtid *g, struct ms_err *err)
{
	struct bl_cur c;
	uint64_t v;
	uint8_t lt;

	bl_cur_init(&c, body, len);
	if (!bl_u8(&c, &g->flags) || bl_left(&c) < 24)
		return TRUNC(err, "GTID event");
	memcpy(g->uuid, c.p, 16);
	c.p += 16;
	(void)bl_u64(&c, &v);
	g->gno = (int64_t)v;
	/* 5.7.4+: logical clock; 8.0.1+: commit timestamps, length,
	 * server versions. Each part is present when bytes remain. */
	if (!bl_u8(&c, &lt) || lt != 2)
		return 0;
	if (!bl_u64(&c, &v))
		return TRUNC(err, "GTID last_committed");
	g->last_committed = (int64_t)v;
	if (!bl_u64(&c, &v))
		return TRUNC(err, "GTID sequence_number");
	g->sequence_number = (int64_t)v;
	g->has_logical_clock = true;
	if (bl_left(&c) < 7)
		return 0;
	(void)bl_uN(&c, 7, &v);
	g->has_commit_ts = true;
	g->immediate_commit_us = v & ~((uint64_t)1 << 55);
	g->original_commit_us = g->immediate_commit_us;
	if (v & ((uint64_t)1 << 55)) {
		if (!bl_uN(&c, 7, &g->original_commit_us))
			return TRUNC(err, "GTID original_commit_timestamp");
	}
	if (!bl_left(&c))
		return 0;
	if (!bl_packed(&c, &g->transaction_length))
		return TRUNC(err, "GTID transaction_length");
	if (bl_left(&c) < 4)
		return 0;
	(void)bl_uN(&c, 4, &v);
	g->immediate_server_version = (uint32_t)(v & 0x7fffffff);
	g->original_server_version = g->immediate_server_version;
	if (v & 0x80000000u) {
		if (!bl_uN(&c, 4, &v))
			return TRUNC(err, "GTID original_server_version");
		g->original_server_version = (uint32_t)v;
	}
	return 0;
}

/* MySQL serialization library integers (8.4+ tagged GTIDs): the number
 * of trailing one bits of the first byte is the count of extra bytes;
 * the little-endian value is shifted right by that count plus one. */
static bool ser_uint(struct bl_cur *c, uint64_t *v)
{
	unsigned int extra = 0;
	uint8_t b;

	if (bl_left(c) < 1)
		return false;
	b = c->p[0];
	while (extra < 8 && (b >> extra) & 1)
		extra++;
	if (bl_left(c) < 1 + (size_t)extra)
		return false;
	if (extra == 8)
		*v = bl_le64(c->p + 1);
	else
		*v = bl_leN(c->p, extra + 1) >> (extra + 1);
	c->p += 1 + extra;
	return true;
}

static bool ser_int(struct bl_cur *c, int64_t *v)
{
	uint64_t u;

	if (!ser_uint(c, &u))
		return false;
	*v = u & 1 ? -(int64_t)(u >> 1) - 1 : (int64_t)(u >> 1);
	return true;
}

/* A GTID tag as MySQL accepts it: a letter or '_', then letters, digits
 * or '_', at most 32 characters. Anything else is a corrupt event. */
static const char *tag_dup(struct ms_arena *a, const uint8_t *p, size_t n,
			   bool *bad)
{
	*bad = n < 1 || n > 32 || (p[0] >= '0' && p[0] <= '9');
	for (size_t i = 0; i < n && !*bad; i++) {
		uint8_t c = p[i];

		*bad = !((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
			 (c >= '0' && c <= '9') || c == '_');
	}
	return *bad ? NULL : adup(a, p, n);
}

static int tagged_field(struct bl_cur *c, uint64_t id, struct ms_bl_gtid *g,
			struct ms_arena *a, bool *seen_orig_ts,
			bool *seen_orig_ver)
{
	uint64_t v;
	int64_t s;
	const uint8_t *p;
	bool bad;

	switch (id) {
	case 0: /* flags */
		if (!ser_uint(c, &v))
			return -1;
		g->flags = (uint8_t)v;
		return 1;
	case 1: /* uuid: 16 serialized bytes */
		for (int i = 0; i < 16; i++) {
			if (!ser_uint(c, &v) || v > 255)
				return -1;
			g->uuid[i] = (uint8_t)v;
		}
		return 1;
	case 2:
		if (!ser_int(c, &g->gno))
			return -1;
		return 1;
	case 3:
		if (!ser_uint(c, &v) || v > 32 || !bl_take(c, (size_t)v, &p))
			return -1;
		g->tag = tag_dup(a, p, (size_t)v, &bad);
		return g->tag ? 1 : bad ? -1 : -2;
	case 4:
	case 5:
		if (!ser_int(c, &s))
			return -1;
		*(id == 4 ? &g->last_committed : &g->sequence_number) = s;
		g->has_logical_clock = true;
		return 1;
	case 6:
	case 7:
		if (!ser_uint(c, &v))
			return -1;
		*(id == 6 ? &g->immediate_commit_us : &g->original_commit_us) =
		    v;
		g->has_commit_ts = true;
		*seen_orig_ts |= id == 7;
		return 1;
	case 8:
		return ser_uint(c, &g->transaction_length) ? 1 : -1;
	case 9:
	case 10:
		if (!ser_uint(c, &v) || v > UINT32_MAX)
			return -1;
		*(id == 9 ? &g->immediate_server_version
			  : &g->original_server_version) = (uint32_t)v;
		*seen_orig_ver |= id == 10;
		return 1;
	case 11: /* commit group ticket */
		return ser_uint(c, &v) ? 1 : -1;
	default:
		return 0;
	}
}

static int tagged_gtid_decode(struct ms_arena *a, const uint8_t *body,
			      size_t len, struct ms_bl_gtid *g,
			      struct ms_err *err)
{
	bool seen_ts = false, seen_ver = false;
	uint64_t size, lnif, id;
	struct bl_cur c, f;
	uint8_t version;
	size_t head;
	int rc;

	bl_cur_init(&c, body, len);
	if (!bl_u8(&c, &version) || !ser_uint(&c, &size) ||
	    !ser_uint(&c, &lnif))
		return TRUNC(err, "tagged GTID envelope");
	if (version != 2)
		return MS_ERR(err, MS_EUNSUPPORTED,
			      "tagged GTID serialization version %u", version);
	head = (size_t)(c.p - body);
	if (size < head || size - head > bl_left(&c))
		return CORRUPT(err,
			       "tagged GTID declares %llu bytes, the "
			       "event has %zu",
			       (unsigned long long)size, len);
	bl_cur_init(&f, c.p, (size_t)size - head);
	while (bl_left(&f)) {
		if (!ser_uint(&f, &id))
			return TRUNC(err, "tagged GTID field id");
		rc = tagged_field(&f, id, g, a, &seen_ts, &seen_ver);
		if (rc == -2)
			return nomem(err);
		if (rc < 0)
			return CORRUPT(err,
				       "tagged GTID field %llu is "
				       "malformed",
				       (unsigned long long)id);
		if (rc == 0 && id <= lnif)
			return MS_ERR(err, MS_EUNSUPPORTED,
				      "tagged GTID has unknown field %llu "
				      "that may not be ignored",
				      (unsigned long long)id);
		if (rc == 0)
			break; /* ignorable, and its length is unknown */
	}
	if (!g->tag)
		return CORRUPT(err, "tagged GTID without a tag");
	if (!seen_ts)
		g->original_commit_us = g->immediate_commit_us;
	if (!seen_ver)
		g->original_server_version = g->immediate_server_version;
	return 0;
}

static int gtid_set_decode(struct ms_arena *a, const uint8_t *body, size_t len,
			   struct ms_bl_gtid_set *s, struct ms_err *err)
{
	struct bl_cur c;
	uint64_t head, n, ni, v;
	bool tagged;

	bl_cur_init(&c, body, len);
	if (!bl_u64(&c, &head))
		return TRUNC(err, "PREVIOUS_GTIDS count");
	/* 8.4+ tagged format: the format byte at both ends, n in between */
	tagged = head >> 56 == 1;
	n = tagged ? (head >> 8) & 0xffffffffffffULL : head;
	if (!tagged && head >> 56)
		return MS_ERR(err, MS_EUNSUPPORTED,
			      "PREVIOUS_GTIDS format %u is unknown",
			      (unsigned int)(head >> 56));
	/* each sid needs at least 24 bytes: bounds n before allocating */
	if (n > bl_left(&c) / 24)
		return CORRUPT(err,
			       "PREVIOUS_GTIDS claims %llu sids in %zu "
			       "bytes",
			       (unsigned long long)n, bl_left(&c));
	s->nsids = (uint32_t)n;
	s->sids = ms_arena_calloc(a, n ? n : 1, sizeof(*s->sids));
	if (!s->sids)
		return nomem(err);
	for (uint64_t i = 0; i < n; i++) {
		struct ms_bl_gtid_sid *sid = &s->sids[i];
		const uint8_t *p;

		if (!bl_take(&c, 16, &p))
			return TRUNC(err, "PREVIOUS_GTIDS uuid");
		memcpy(sid->uuid, p, 16);
		if (tagged) {
			bool bad;

			if (!ser_uint(&c, &v) || v > 32 ||
			    !bl_take(&c, (size_t)v, &p))
				return TRUNC(err, "PREVIOUS_GTIDS tag");
			if (v && !(sid->tag = tag_dup(a, p, (size_t)v, &bad)))
				return bad ? CORRUPT(err, "PREVIOUS_GTIDS tag "
							  "is not a valid tag")
					   : nomem(err);
		}
		if (!bl_u64(&c, &ni) || ni > bl_left(&c) / 16)
			return TRUNC(err, "PREVIOUS_GTIDS intervals");
		sid->nintervals = (uint32_t)ni;
		sid->intervals =
		    ms_arena_calloc(a, ni ? ni : 1, sizeof(*sid->intervals));
		if (!sid->intervals)
			return nomem(err);
		for (uint64_t k = 0; k < ni; k++) {
			uint64_t lo, hi;

			(void)bl_u64(&c, &lo);
			(void)bl_u64(&c, &hi);
			/* GNOs are 1..2^63-1; an interval is [start, end) */
			if (lo < 1 || hi <= lo || hi > (uint64_t)INT64_MAX)
				return CORRUPT(err,
					       "PREVIOUS_GTIDS interval "
					       "[%llu, %llu) is not valid",
					       (unsigned long long)lo,
					       (unsigned long long)hi);
			sid->intervals[k].start = (int64_t)lo;
			sid->intervals[k].end = (int64_t)hi;
		}
	}
	return 0;
}

static int maria_gtid_decode(const struct ms_bl_header *h, const uint8_t *body,
			     size_t len, struct ms_bl_gtid *g,
			     struct ms_err *err)
{
	struct bl_cur c;
	uint32_t fmt;
	uint8_t gl, bl;

	bl_cur_init(&c, body, len);
	g->mariadb = true;
	g->server_id = h->server_id;
	if (!bl_u64(&c, &g->seq_no) || !bl_u32(&c, &g->domain_id) ||
	    !bl_u8(&c, &g->flags))
		return TRUNC(err, "MariaDB GTID event");
	if (g->flags & MS_BL_MARIA_FL_GROUP_COMMIT_ID) {
		if (!bl_u64(&c, &g->commit_id))
			return TRUNC(err, "MariaDB GTID commit id");
	} else if (g->flags &
		   (MS_BL_MARIA_FL_PREPARED_XA | MS_BL_MARIA_FL_COMPLETED_XA)) {
		if (!bl_u32(&c, &fmt) || !bl_u8(&c, &gl) || !bl_u8(&c, &bl) ||
		    !bl_take(&c, (size_t)gl + bl, &g->xid.p))
			return TRUNC(err, "MariaDB GTID XA id");
		g->xid.len = (size_t)gl + bl;
		g->has_xa = true;
	}
	return 0;
}

static int gtid_list_decode(struct ms_arena *a, const uint8_t *body, size_t len,
			    struct ms_bl_gtid_list *l, struct ms_err *err)
{
	struct bl_cur c;
	uint32_t word;

	bl_cur_init(&c, body, len);
	if (!bl_u32(&c, &word))
		return TRUNC(err, "GTID_LIST count");
	l->count = word & 0x0fffffff;
	l->flags = (uint8_t)(word >> 28);
	if (l->count > bl_left(&c) / 16)
		return CORRUPT(err, "GTID_LIST claims %u GTIDs in %zu bytes",
			       l->count, bl_left(&c));
	l->gtids =
	    ms_arena_calloc(a, l->count ? l->count : 1, sizeof(*l->gtids));
	if (!l->gtids)
		return nomem(err);
	for (uint32_t i = 0; i < l->count; i++) {
		(void)bl_u32(&c, &l->gtids[i].domain_id);
		(void)bl_u32(&c, &l->gtids[i].server_id);
		(void)bl_u64(&c, &l->gtids[i].seq_no);
	}
	return 0;
}

/* ---- small events -------------------------------------------------- */

static int rotate_decode(const struct ms_bl_decoder *d, struct ms_arena *a,
			 const uint8_t *body, size_t len,
			 struct ms_bl_rotate *r, struct ms_err *err)
{
	unsigned int phl = post_header(d, MS_BL_ROTATE, 8);

	if (phl != 8 || len < 8)
		return TRUNC(err, "ROTATE position");
	r->position = bl_le64(body);
	r->name = adup(a, body + 8, len - 8);
	return r->name ? 0 : nomem(err);
}

/* MySQL 8.0.26+ HEARTBEAT_V2 and TRANSACTION_PAYLOAD headers: fields of
 * (type, length, value), all packed integers, ended by type 0. Returns the
 * value of a numeric field whose packed encoding must fill <length>. */
static bool tlv_number(struct bl_cur *c, uint64_t flen, uint64_t *v)
{
	const uint8_t *start = c->p;

	if (flen > bl_left(c))
		return false;
	if (!bl_packed(c, v) || (uint64_t)(c->p - start) != flen) {
		c->p = start;
		return false;
	}
	return true;
}

static int heartbeat_v2_decode(struct ms_arena *a, const uint8_t *body,
			       size_t len, struct ms_bl_heartbeat *hb,
			       struct ms_err *err)
{
	uint64_t type, flen;
	struct bl_cur c;
	const uint8_t *p;

	bl_cur_init(&c, body, len);
	while (bl_left(&c)) {
		if (!bl_packed(&c, &type))
			return TRUNC(err, "HEARTBEAT_V2 field type");
		if (type == 0)
			return 0;
		if (!bl_packed(&c, &flen) || flen > bl_left(&c))
			return TRUNC(err, "HEARTBEAT_V2 field");
		if (type == 1) {
			(void)bl_take(&c, (size_t)flen, &p);
			hb->log_name = adup(a, p, (size_t)flen);
			if (!hb->log_name)
				return nomem(err);
		} else if (type == 2) {
			if (!tlv_number(&c, flen, &hb->position))
				return CORRUPT(err,
					       "HEARTBEAT_V2 position is "
					       "not a %llu-byte integer",
					       (unsigned long long)flen);
		} else {
			return CORRUPT(err,
				       "HEARTBEAT_V2 field type %llu is "
				       "unknown",
				       (unsigned long long)type);
		}
	}
	return 0;
}

static int user_var_decode(struct ms_arena *a, const uint8_t *body, size_t len,
			   struct ms_bl_user_var *u, struct ms_err *err)
{
	struct bl_cur c;
	uint32_t nlen, vlen;
	const uint8_t *p;
	uint8_t isnull, flags;

	bl_cur_init(&c, body, len);
	if (!bl_u32(&c, &nlen) || !bl_take(&c, nlen, &p) || !bl_u8(&c, &isnull))
		return TRUNC(err, "USER_VAR name");
	u->name = adup(a, p, nlen);
	if (!u->name)
		return nomem(err);
	u->is_null = isnull != 0;
	if (u->is_null)
		return 0;
	if (!bl_u8(&c, &u->type) || !bl_u32(&c, &u->charset) ||
	    !bl_u32(&c, &vlen) || !bl_take(&c, vlen, &u->value.p))
		return TRUNC(err, "USER_VAR value");
	u->value.len = vlen;
	if (bl_u8(&c, &flags))
		u->is_unsigned = flags & 1;
	return bl_user_var_text(u, a, err);
}

static int xa_prepare_decode(const uint8_t *body, size_t len,
			     struct ms_bl_xa_prepare *x, struct ms_err *err)
{
	struct bl_cur c;
	uint8_t one;
	uint32_t fmt, gl, bql;

	bl_cur_init(&c, body, len);
	if (!bl_u8(&c, &one) || !bl_u32(&c, &fmt) || !bl_u32(&c, &gl) ||
	    !bl_u32(&c, &bql) || gl > 64 || bql > 64 ||
	    !bl_take(&c, gl, &x->gtrid.p) || !bl_take(&c, bql, &x->bqual.p))
		return TRUNC(err, "XA_PREPARE");
	x->one_phase = one != 0;
	x->format_id = (int32_t)fmt;
	x->gtrid.len = gl;
	x->bqual.len = bql;
	return 0;
}

/* ---- compressed containers ------------------------------------------ */

int bl_maria_inflate(const uint8_t *p, size_t len, struct ms_arena *a,
		     const uint8_t **out, size_t *outlen, struct ms_err *err)
{
	unsigned int n;
	uLongf dlen;
	uint64_t want;
	uint8_t *dst;
	int zrc;

	if (len < 1 || (p[0] & 0x80) == 0)
		return CORRUPT(err, "compressed data header byte is missing");
	n = p[0] & 0x07;
	if (n < 1 || n > 4 || len < 1 + (size_t)n)
		return CORRUPT(err,
			       "compressed data length field (%u bytes) "
			       "is malformed",
			       n);
	want = bl_beN(p + 1, n);
	if (want > MS_BL_EVENT_MAX)
		return CORRUPT(err, "compressed data claims %llu bytes",
			       (unsigned long long)want);
	dst = ms_arena_alloc(a, want ? want : 1);
	if (!dst)
		return nomem(err);
	dlen = (uLongf)want;
	zrc = uncompress(dst, &dlen, p + 1 + n, (uLong)(len - 1 - n));
	if (zrc != Z_OK || dlen != want)
		return CORRUPT(err,
			       "zlib data does not inflate to the %llu "
			       "bytes announced (%s)",
			       (unsigned long long)want,
			       zrc == Z_OK ? "size differs" : zError(zrc));
	*out = dst;
	*outlen = dlen;
	return 0;
}

enum {
	PAYLOAD_END = 0,
	PAYLOAD_SIZE = 1,
	PAYLOAD_CTYPE = 2,
	PAYLOAD_USIZE = 3
};
#define PAYLOAD_ZSTD 0
#define PAYLOAD_NONE 255

static int payload_header(struct bl_cur *c, struct ms_bl_payload *pl,
			  struct ms_err *err)
{
	uint64_t type, flen, v;

	pl->compression = PAYLOAD_NONE;
	for (;;) {
		if (!bl_packed(c, &type))
			return TRUNC(err, "TRANSACTION_PAYLOAD header");
		if (type == PAYLOAD_END)
			return 0;
		if (!bl_packed(c, &flen) || !tlv_number(c, flen, &v))
			return CORRUPT(err,
				       "TRANSACTION_PAYLOAD header field "
				       "%llu is malformed",
				       (unsigned long long)type);
		if (type == PAYLOAD_SIZE)
			pl->payload_size = v;
		else if (type == PAYLOAD_CTYPE)
			pl->compression = v;
		else if (type == PAYLOAD_USIZE)
			pl->uncompressed_size = v;
	}
}

static int payload_inflate(struct bl_cur *c, struct ms_bl_payload *pl,
			   struct ms_arena *a, const uint8_t **out,
			   size_t *outlen, struct ms_err *err)
{
	size_t got;
	uint8_t *dst;

	if (pl->payload_size != bl_left(c))
		return CORRUPT(err,
			       "TRANSACTION_PAYLOAD says %llu bytes, "
			       "%zu follow",
			       (unsigned long long)pl->payload_size,
			       bl_left(c));
	if (pl->compression == PAYLOAD_NONE) {
		*out = c->p;
		*outlen = bl_left(c);
		return 0;
	}
	if (pl->compression != PAYLOAD_ZSTD)
		return MS_ERR(err, MS_EUNSUPPORTED,
			      "TRANSACTION_PAYLOAD compression type %llu",
			      (unsigned long long)pl->compression);
	if (pl->uncompressed_size > MS_BL_EVENT_MAX)
		return CORRUPT(err,
			       "TRANSACTION_PAYLOAD claims %llu "
			       "uncompressed bytes",
			       (unsigned long long)pl->uncompressed_size);
	dst = ms_arena_alloc(
	    a, pl->uncompressed_size ? (size_t)pl->uncompressed_size : 1);
	if (!dst)
		return nomem(err);
	got = ZSTD_decompress(dst, (size_t)pl->uncompressed_size, c->p,
			      bl_left(c));
	if (ZSTD_isError(got))
		return CORRUPT(err, "TRANSACTION_PAYLOAD zstd data: %s",
			       ZSTD_getErrorName(got));
	if (got != pl->uncompressed_size)
		return CORRUPT(err,
			       "TRANSACTION_PAYLOAD inflates to %zu "
			       "bytes, not the %llu announced",
			       got, (unsigned long long)pl->uncompressed_size);
	*out = dst;
	*outlen = got;
	return 0;
}

/* Inner events carry no checksum; their log_pos is 0. */
static int payload_events(struct ms_bl_decoder *d, struct ms_arena *a,
			  const uint8_t *p, size_t len, uint64_t offset,
			  struct ms_bl_payload *pl, struct ms_err *err)
{
	size_t n = 0, cap = 8;
	uint64_t pos = 0, at;
	struct ms_bl_event *evs = ms_arena_calloc(a, cap, sizeof(*evs));
	const uint8_t *e;
	size_t elen;
	int rc;

	if (!evs)
		return nomem(err);
	d->depth++;
	for (;;) {
		at = pos;
		rc = ms_bl_next_event(p, len, &pos, &e, &elen, err);
		if (rc <= 0)
			break;
		if (n == cap) {
			struct ms_bl_event *bigger =
			    ms_arena_calloc(a, cap * 2, sizeof(*evs));

			if (!bigger) {
				rc = nomem(err);
				break;
			}
			memcpy(bigger, evs, cap * sizeof(*evs));
			evs = bigger;
			cap *= 2;
		}
		rc = ms_bl_decode(d, a, e, elen, offset, &evs[n], err);
		if (rc)
			break;
		n++;
	}
	d->depth--;
	pl->events = evs;
	pl->nevents = (uint32_t)n;
	if (rc < 0)
		ms_err_prefix(err, "inner event %zu at payload byte %llu",
			      n + 1, (unsigned long long)at);
	return rc < 0 ? rc : 0;
}

static int payload_decode(struct ms_bl_decoder *d, struct ms_arena *a,
			  const uint8_t *body, size_t len, uint64_t offset,
			  struct ms_bl_payload *pl, struct ms_err *err)
{
	const uint8_t *inner;
	size_t inlen;
	struct bl_cur c;
	int rc;

	if (d->depth > 0)
		return CORRUPT(err, "TRANSACTION_PAYLOAD nested in another");
	bl_cur_init(&c, body, len);
	rc = payload_header(&c, pl, err);
	if (!rc)
		rc = payload_inflate(&c, pl, a, &inner, &inlen, err);
	if (!rc)
		rc = payload_events(d, a, inner, inlen, offset, pl, err);
	return rc;
}

/* ---- dispatch ------------------------------------------------------ */

static void skip(struct ms_bl_event *ev, const char *why)
{
	ev->kind = MS_BL_K_SKIPPED;
	ev->skip_reason = why;
}

static int decode_rows_like(struct ms_bl_decoder *d, struct ms_arena *a,
			    struct ms_bl_event *ev, struct ms_err *err)
{
	const uint8_t *b = ev->body.p;
	size_t n = ev->body.len;

	if (ev->h.type == MS_BL_TABLE_MAP) {
		ev->kind = MS_BL_K_TABLE_MAP;
		return bl_table_map_decode(d, b, n, &ev->u.table_map, err);
	}
	ev->kind = MS_BL_K_ROWS;
	return bl_rows_decode(d, a, ev->h.type, b, n, &ev->u.rows, err);
}

int bl_event_body(struct ms_bl_decoder *d, struct ms_arena *a,
		  struct ms_bl_event *ev, struct ms_err *err)
{
	const uint8_t *b = ev->body.p;
	size_t n = ev->body.len;

	switch (ev->h.type) {
	case MS_BL_FORMAT_DESCRIPTION:
		ev->kind = MS_BL_K_FDE;
		return 0; /* decoded by the caller, which owns the state */
	case MS_BL_QUERY:
	case MS_BL_MARIA_QUERY_COMPRESSED:
		ev->kind = MS_BL_K_QUERY;
		return query_decode(d, a, ev->h.type, b, n, &ev->u.query, err);
	case MS_BL_ROTATE:
		ev->kind = MS_BL_K_ROTATE;
		return rotate_decode(d, a, b, n, &ev->u.rotate, err);
	case MS_BL_STOP:
		ev->kind = MS_BL_K_STOP;
		return 0;
	case MS_BL_XID:
		ev->kind = MS_BL_K_XID;
		if (n != 8)
			return CORRUPT(err, "XID body is %zu bytes, not 8", n);
		ev->u.xid = bl_le64(b);
		return 0;
	case MS_BL_GTID:
	case MS_BL_ANONYMOUS_GTID:
		ev->kind = MS_BL_K_GTID;
		return mysql_gtid_decode(b, n, &ev->u.gtid, err);
	case MS_BL_GTID_TAGGED:
		ev->kind = MS_BL_K_GTID;
		return tagged_gtid_decode(a, b, n, &ev->u.gtid, err);
	case MS_BL_MARIA_GTID:
		ev->kind = MS_BL_K_GTID;
		return maria_gtid_decode(&ev->h, b, n, &ev->u.gtid, err);
	case MS_BL_PREVIOUS_GTIDS:
		ev->kind = MS_BL_K_PREVIOUS_GTIDS;
		return gtid_set_decode(a, b, n, &ev->u.gtid_set, err);
	case MS_BL_MARIA_GTID_LIST:
		ev->kind = MS_BL_K_GTID_LIST;
		return gtid_list_decode(a, b, n, &ev->u.gtid_list, err);
	case MS_BL_MARIA_BINLOG_CHECKPOINT: {
		uint32_t flen = n >= 4 ? bl_le32(b) : 0;

		ev->kind = MS_BL_K_BINLOG_CHECKPOINT;
		if (n < 4 || flen > n - 4)
			return TRUNC(err, "BINLOG_CHECKPOINT file name");
		ev->u.checkpoint_file = adup(a, b + 4, flen);
		return ev->u.checkpoint_file ? 0 : nomem(err);
	}
	case MS_BL_MARIA_ANNOTATE_ROWS:
		ev->kind = MS_BL_K_ROWS_QUERY;
		ev->u.rows_query = ev->body;
		return 0;
	case MS_BL_ROWS_QUERY:
		/* a length byte (truncated at 255) precedes the full text */
		ev->kind = MS_BL_K_ROWS_QUERY;
		if (n < 1)
			return TRUNC(err, "ROWS_QUERY");
		ev->u.rows_query.p = b + 1;
		ev->u.rows_query.len = n - 1;
		return 0;
	case MS_BL_TRANSACTION_PAYLOAD:
		ev->kind = MS_BL_K_PAYLOAD;
		return payload_decode(d, a, b, n, ev->offset, &ev->u.payload,
				      err);
	case MS_BL_INTVAR:
		ev->kind = MS_BL_K_INTVAR;
		ev->statement_only = true;
		if (n < 9)
			return TRUNC(err, "INTVAR");
		ev->u.intvar.type = b[0];
		ev->u.intvar.value = bl_le64(b + 1);
		return 0;
	case MS_BL_RAND:
		ev->kind = MS_BL_K_RAND;
		ev->statement_only = true;
		if (n < 16)
			return TRUNC(err, "RAND");
		ev->u.rand.seed1 = bl_le64(b);
		ev->u.rand.seed2 = bl_le64(b + 8);
		return 0;
	case MS_BL_USER_VAR:
		ev->kind = MS_BL_K_USER_VAR;
		ev->statement_only = true;
		return user_var_decode(a, b, n, &ev->u.user_var, err);
	case MS_BL_HEARTBEAT:
		ev->kind = MS_BL_K_HEARTBEAT;
		ev->u.heartbeat.position = ev->h.log_pos;
		ev->u.heartbeat.log_name = adup(a, b, n);
		return ev->u.heartbeat.log_name ? 0 : nomem(err);
	case MS_BL_HEARTBEAT_V2:
		ev->kind = MS_BL_K_HEARTBEAT;
		return heartbeat_v2_decode(a, b, n, &ev->u.heartbeat, err);
	case MS_BL_XA_PREPARE:
		ev->kind = MS_BL_K_XA_PREPARE;
		return xa_prepare_decode(b, n, &ev->u.xa, err);
	case MS_BL_INCIDENT:
		ev->kind = MS_BL_K_INCIDENT;
		if (n < 3 || b[2] > n - 3)
			return TRUNC(err, "INCIDENT");
		ev->u.incident.type = bl_le16(b);
		ev->u.incident.message.p = b + 3;
		ev->u.incident.message.len = b[2];
		return 0;
	case MS_BL_PRE_GA_WRITE_ROWS:
	case MS_BL_PRE_GA_UPDATE_ROWS:
	case MS_BL_PRE_GA_DELETE_ROWS:
		/* MySQL 5.1.5-5.1.17 packed these in the server's record
		 * layout, which the binlog does not describe; 5.2 development
		 * builds reused the codes. An applier must stop on them. */
		skip(ev, "pre-GA rows event (MySQL 5.1.5-5.1.17): rows not "
			 "decoded");
		return 0;
	case MS_BL_TABLE_MAP:
	case MS_BL_WRITE_ROWS_V1:
	case MS_BL_UPDATE_ROWS_V1:
	case MS_BL_DELETE_ROWS_V1:
	case MS_BL_WRITE_ROWS:
	case MS_BL_UPDATE_ROWS:
	case MS_BL_DELETE_ROWS:
	case MS_BL_PARTIAL_UPDATE_ROWS:
	case MS_BL_MARIA_WRITE_ROWS_COMPRESSED_V1:
	case MS_BL_MARIA_UPDATE_ROWS_COMPRESSED_V1:
	case MS_BL_MARIA_DELETE_ROWS_COMPRESSED_V1:
	case MS_BL_MARIA_WRITE_ROWS_COMPRESSED:
	case MS_BL_MARIA_UPDATE_ROWS_COMPRESSED:
	case MS_BL_MARIA_DELETE_ROWS_COMPRESSED:
		return decode_rows_like(d, a, ev, err);
	case MS_BL_MARIA_START_ENCRYPTION:
		return MS_ERR(err, MS_EUNSUPPORTED,
			      "the binlog is encrypted (START_ENCRYPTION); "
			      "read it through the server instead");
	case MS_BL_LOAD:
	case MS_BL_CREATE_FILE:
	case MS_BL_APPEND_BLOCK:
	case MS_BL_EXEC_LOAD:
	case MS_BL_DELETE_FILE:
	case MS_BL_NEW_LOAD:
	case MS_BL_BEGIN_LOAD_QUERY:
	case MS_BL_EXECUTE_LOAD_QUERY:
		ev->statement_only = true;
		skip(ev, "statement-based LOAD DATA event");
		return 0;
	case MS_BL_START_V3:
		skip(ev, "START_V3 (binlog v1/v3) event");
		return 0;
	case MS_BL_TRANSACTION_CONTEXT:
	case MS_BL_VIEW_CHANGE:
		skip(ev, "group replication event");
		return 0;
	case MS_BL_IGNORABLE:
		skip(ev, "ignorable event");
		return 0;
	default:
		skip(ev, ev->h.flags & 0x0080 ? "unknown event marked ignorable"
					      : "unknown event type");
		return 0;
	}
}
