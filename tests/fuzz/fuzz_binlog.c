/* Fuzzes the binlog decoder end to end. An input that starts with the
 * binlog magic is a file image (the seed corpus is made of small binlogs
 * the sandbox wrote); any other input is a stream of events after an
 * assumed FORMAT_DESCRIPTION, MySQL 8.0 or MariaDB 10.11 by the first
 * byte, so mutations reach event bodies without a valid FDE first.
 * Checksums are not verified (they would stop every mutation at the CRC).
 * Besides "no crash, no leak, no out-of-bounds read", every decoded event
 * must render as valid JSON. */
#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#include "binlog/binlog.h"
#include "core/buf.h"
#include "fuzz.h"

static void render_and_check(const struct ms_bl_event *ev)
{
	struct ms_buf b;
	json_t *j;

	ms_buf_init(&b, (size_t)64 << 20);
	if (ms_bl_event_json(ev, &b) == 0) {
		j = json_loadb(b.ptr, b.len,
			       JSON_DECODE_ANY | JSON_ALLOW_NUL |
				   JSON_DECODE_INT_AS_REAL,
			       NULL);
		if (!j)
			abort(); /* the renderer wrote invalid JSON (integers
				  * are read as reals: jansson refuses u64 above
				  * i64) */
		json_decref(j);
	}
	ms_buf_free(&b);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	bool image = size >= 4 && memcmp(data, MS_BL_MAGIC, 4) == 0;
	struct ms_bl_options o;
	struct ms_bl_decoder *d;
	struct ms_arena a;
	struct ms_bl_event ev;
	struct ms_err err;
	const uint8_t *e;
	size_t elen;
	uint64_t pos = 0, off;
	int rc;

	ms_bl_options_default(&o);
	o.verify_checksum = false;
	if (!image) {
		if (size < 1)
			return 0;
		o.assume_version =
		    data[0] & 1 ? "10.11.6-MariaDB-log" : "8.0.36";
		data++;
		size--;
	}
	d = ms_bl_decoder_new(&o);
	if (!d)
		return 0;
	ms_arena_init(&a, (size_t)256 << 20);
	for (;;) {
		rc = image
			 ? ms_bl_next(data, size, &pos, &e, &elen, &err)
			 : ms_bl_next_event(data, size, &pos, &e, &elen, &err);
		if (rc <= 0)
			break;
		off = (uint64_t)(e - data);
		ms_arena_reset(&a);
		rc = ms_bl_decode(d, &a, e, elen, off, &ev, &err);
		if (rc == 0) {
			render_and_check(&ev);
		} else if (strncmp(err.msg, "binlog: event at ", 17) != 0) {
			abort(); /* every error names the event offset */
		}
	}
	ms_arena_free(&a);
	ms_bl_decoder_free(d);
	return 0;
}
