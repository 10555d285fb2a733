/* The decoder: framing, the common header, checksums, the FORMAT_DESCRIPTION
 * state, and the names of types. Bodies are decoded in event.c, table maps
 * and rows in tablemap.c and rows.c. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#include "binlog/binlog_int.h"

#define CORRUPT(err, ...) MS_ERR(err, MS_ECORRUPT, __VA_ARGS__)

void ms_bl_options_default(struct ms_bl_options *o)
{
	memset(o, 0, sizeof(*o));
	o->verify_checksum = true;
	o->decode_rows = true;
	o->checksum_before_fde = MS_BL_CHECKSUM_UNDEF;
}

/* Before any FDE: a v4 one with MySQL 5.7's post-header lengths, which
 * every later version and MariaDB keep for the events that have one. */
static void default_fde(struct ms_bl_fde *f, const char *version)
{
	static const uint8_t phl[] = {56, 13, 0,  8,  0, 18, 0,	 4,  4,	 4,  4,
				      18, 0,  0,  95, 0, 4,  26, 8,  0,	 0,  0,
				      8,  8,  8,  2,  0, 0,  10, 10, 10, 42, 42,
				      0,  18, 52, 0,  0, 0,  0,	 0,  0};

	memset(f, 0, sizeof(*f));
	f->binlog_version = 4;
	snprintf(f->server_version, sizeof(f->server_version), "%s",
		 version ? version : "");
	f->header_len = MS_BL_HEADER_LEN;
	f->checksum = MS_BL_CHECKSUM_UNDEF;
	f->flavor = version && strstr(version, "MariaDB")
			? MS_BL_FLAVOR_MARIADB
			: MS_BL_FLAVOR_UNKNOWN;
	f->ntypes = sizeof(phl);
	memcpy(f->post_header_len, phl, sizeof(phl));
}

struct ms_bl_decoder *ms_bl_decoder_new(const struct ms_bl_options *o)
{
	struct ms_bl_decoder *d = calloc(1, sizeof(*d));

	if (!d)
		return NULL;
	if (o)
		d->opt = *o;
	else
		ms_bl_options_default(&d->opt);
	default_fde(&d->fde, d->opt.assume_version);
	d->have_fde = d->opt.assume_version != NULL;
	return d;
}

void ms_bl_decoder_free(struct ms_bl_decoder *d)
{
	if (!d)
		return;
	bl_tables_clear(d); /* frees the registry too */
	free(d);
}

const struct ms_bl_fde *ms_bl_decoder_fde(const struct ms_bl_decoder *d)
{
	return &d->fde;
}

void ms_bl_decoder_release_tables(struct ms_bl_decoder *d)
{
	bl_tables_clear(d);
}

static void read_header(const uint8_t *p, struct ms_bl_header *h)
{
	h->timestamp = bl_le32(p);
	h->type = p[4];
	h->server_id = bl_le32(p + 5);
	h->event_size = bl_le32(p + 9);
	h->log_pos = bl_le32(p + 13);
	h->flags = bl_le16(p + 17);
}

/* The server sets LOG_EVENT_BINLOG_IN_USE_F in the FDE of the file it is
 * writing after computing the checksum, and clears it on close: the
 * checksum is over the header with that flag clear. */
#define LOG_EVENT_BINLOG_IN_USE_F 0x0001

static int verify_crc(const uint8_t *buf, size_t len, bool fde,
		      struct ms_err *err)
{
	uint32_t stored = bl_le32(buf + len - MS_BL_CRC_LEN);
	uint32_t computed;
	uint8_t head[MS_BL_HEADER_LEN];

	if (fde && (buf[17] & LOG_EVENT_BINLOG_IN_USE_F)) {
		memcpy(head, buf, sizeof(head));
		head[17] &= (uint8_t)~LOG_EVENT_BINLOG_IN_USE_F;
		computed = (uint32_t)crc32(0L, head, sizeof(head));
		computed =
		    (uint32_t)crc32(computed, buf + sizeof(head),
				    (uInt)(len - sizeof(head) - MS_BL_CRC_LEN));
	} else {
		computed =
		    (uint32_t)crc32(0L, buf, (uInt)(len - MS_BL_CRC_LEN));
	}
	if (stored != computed)
		return CORRUPT(err,
			       "checksum mismatch: stored 0x%08x, "
			       "computed 0x%08x",
			       stored, computed);
	return 0;
}

/* Applies a FORMAT_DESCRIPTION: its own checksum comes from its content. */
static int apply_fde(struct ms_bl_decoder *d, const uint8_t *buf, size_t len,
		     struct ms_bl_event *ev, struct ms_err *err)
{
	struct ms_bl_fde f;
	int rc;

	rc = bl_fde_decode(buf + MS_BL_HEADER_LEN, len - MS_BL_HEADER_LEN, &f,
			   err);
	if (rc)
		return rc;
	if (f.checksum == MS_BL_CHECKSUM_CRC32 && d->opt.verify_checksum) {
		rc = verify_crc(buf, len, true, err);
		if (rc)
			return rc;
	}
	d->fde = f;
	d->have_fde = true;
	ev->u.fde = f;
	ev->body.p = buf + MS_BL_HEADER_LEN;
	ev->body.len = len - MS_BL_HEADER_LEN -
		       (f.checksum == MS_BL_CHECKSUM_UNDEF ? 0 : 5);
	return 0;
}

static int decode_event(struct ms_bl_decoder *d, struct ms_arena *a,
			const uint8_t *buf, size_t len, struct ms_bl_event *ev,
			struct ms_err *err)
{
	unsigned int hlen = d->fde.header_len;
	uint8_t alg;
	int rc;

	if (len < MS_BL_HEADER_LEN)
		return CORRUPT(err,
			       "%zu bytes cannot hold the 19-byte "
			       "header",
			       len);
	read_header(buf, &ev->h);
	if (ev->h.event_size != len)
		return CORRUPT(err, "header says %u bytes, the event has %zu",
			       ev->h.event_size, len);
	if (ev->h.type == MS_BL_FORMAT_DESCRIPTION) {
		ev->kind = MS_BL_K_FDE;
		return apply_fde(d, buf, len, ev, err);
	}
	alg = d->have_fde ? d->fde.checksum : d->opt.checksum_before_fde;
	if (d->depth > 0)
		alg = MS_BL_CHECKSUM_OFF; /* inside a TRANSACTION_PAYLOAD */
	if (alg == MS_BL_CHECKSUM_CRC32) {
		if (len < (size_t)hlen + MS_BL_CRC_LEN)
			return CORRUPT(err,
				       "%zu bytes cannot hold the header "
				       "and the checksum",
				       len);
		if (d->opt.verify_checksum) {
			rc = verify_crc(buf, len, false, err);
			if (rc)
				return rc;
		}
		len -= MS_BL_CRC_LEN;
	}
	if (len < hlen)
		return CORRUPT(err, "%zu bytes cannot hold the %u-byte header",
			       len, hlen);
	ev->body.p = buf + hlen;
	ev->body.len = len - hlen;
	return bl_event_body(d, a, ev, err);
}

int ms_bl_decode(struct ms_bl_decoder *d, struct ms_arena *a,
		 const uint8_t *buf, size_t len, uint64_t offset,
		 struct ms_bl_event *ev, struct ms_err *err)
{
	const char *name;
	int rc;

	memset(ev, 0, sizeof(*ev));
	ev->offset = offset;
	rc = decode_event(d, a, buf, len, ev, err);
	if (!rc)
		return 0;
	name = len >= MS_BL_HEADER_LEN ? ms_bl_type_name(buf[4]) : NULL;
	if (name)
		ms_err_prefix(err, "binlog: event at %llu (%s)",
			      (unsigned long long)offset, name);
	else if (len >= MS_BL_HEADER_LEN)
		ms_err_prefix(err, "binlog: event at %llu (type %u)",
			      (unsigned long long)offset, buf[4]);
	else
		ms_err_prefix(err, "binlog: event at %llu",
			      (unsigned long long)offset);
	return rc;
}

int ms_bl_next_event(const uint8_t *buf, size_t size, uint64_t *pos,
		     const uint8_t **ev, size_t *evlen, struct ms_err *err)
{
	uint64_t left;
	uint32_t esize;
	const char *name;

	if (*pos >= size)
		return 0;
	left = size - *pos;
	if (left < MS_BL_HEADER_LEN)
		return CORRUPT(err,
			       "truncated event header at %llu: %llu bytes "
			       "left of 19",
			       (unsigned long long)*pos,
			       (unsigned long long)left);
	esize = bl_le32(buf + *pos + 9);
	name = ms_bl_type_name(buf[*pos + 4]);
	if (esize < MS_BL_HEADER_LEN)
		return CORRUPT(err,
			       "event at %llu (%s) has size %u, less than its "
			       "header",
			       (unsigned long long)*pos, name ? name : "?",
			       esize);
	if (esize > left)
		return CORRUPT(err,
			       "truncated event at %llu (%s): size %u, %llu "
			       "bytes left",
			       (unsigned long long)*pos, name ? name : "?",
			       esize, (unsigned long long)left);
	*ev = buf + *pos;
	*evlen = esize;
	*pos += esize;
	return 1;
}

int ms_bl_next(const uint8_t *file, size_t size, uint64_t *pos,
	       const uint8_t **ev, size_t *evlen, struct ms_err *err)
{
	int rc;

	if (*pos == 0) {
		if (size < MS_BL_MAGIC_LEN ||
		    memcmp(file, MS_BL_MAGIC, MS_BL_MAGIC_LEN) != 0)
			return CORRUPT(err, "binlog: bad magic: not a binary "
					    "log file");
		*pos = MS_BL_MAGIC_LEN;
	}
	rc = ms_bl_next_event(file, size, pos, ev, evlen, err);
	if (rc < 0)
		ms_err_prefix(err, "binlog");
	return rc;
}
