/* Fuzzes the GTID state parser (src/sync/gtid.c) in all three flavour
 * modes. Besides "no crash, no leak", checks that:
 *  - a parsed state formats to a text that parses back to the same text
 *    (the canonical form is a fixed point);
 *  - every error message names its origin ("GTID ...");
 *  - a MySQL set encodes for COM_BINLOG_DUMP_GTID, and the encoding's
 *    intervals are sorted, disjoint and not adjacent, and agree with
 *    ms_gtid_contains_mysql at and around each boundary. */
#include <stdlib.h>
#include <string.h>

#include "core/buf.h"
#include "sync/gtid.h"
#include "fuzz.h"

static uint64_t le64(const uint8_t *p)
{
	uint64_t v = 0;

	for (int i = 7; i >= 0; i--)
		v = v << 8 | p[i];
	return v;
}

/* Walks the encoding of <g> and checks it against contains. */
static void check_encoding(const struct ms_gtid_state *g)
{
	struct ms_buf b;
	const uint8_t *p, *end;
	uint64_t head, n;
	bool tagged;

	ms_buf_init(&b, (size_t)1 << 28);
	if (ms_gtid_encode_mysql(g, &b, NULL) != 0)
		abort();
	p = (const uint8_t *)b.ptr;
	end = p + b.len;
	head = le64(p);
	tagged = head >> 56 == 1;
	n = tagged ? (head >> 8) & 0xffffffffffffULL : head;
	p += 8;
	for (uint64_t i = 0; i < n; i++) {
		char tag[40] = "";
		const uint8_t *uuid = p;
		uint64_t ni;
		int64_t prev_end = 0;

		p += 16;
		if (tagged) {
			size_t tl = *p++ >> 1;

			if (tl > 32)
				abort();
			memcpy(tag, p, tl);
			tag[tl] = '\0';
			p += tl;
		}
		ni = le64(p);
		p += 8;
		if (ni == 0)
			abort(); /* empty entries are never encoded */
		for (uint64_t k = 0; k < ni; k++) {
			int64_t s = (int64_t)le64(p), e = (int64_t)le64(p + 8);

			p += 16;
			/* sorted, disjoint, not adjacent: else merged */
			if (s < 1 || e <= s || s <= prev_end)
				abort();
			if (!ms_gtid_contains_mysql(g, uuid, tag, s) ||
			    !ms_gtid_contains_mysql(g, uuid, tag, e - 1) ||
			    ms_gtid_contains_mysql(g, uuid, tag, e) ||
			    ms_gtid_contains_mysql(g, uuid, tag, s - 1))
				abort();
			prev_end = e;
		}
	}
	if (p != end)
		abort();
	ms_buf_free(&b);
}

static void one(enum ms_gtid_flavor f, const char *text)
{
	struct ms_gtid_state *g = ms_gtid_new(MS_GTID_NONE);
	struct ms_gtid_state *back = ms_gtid_new(MS_GTID_NONE);
	struct ms_buf a, b;
	struct ms_err err;

	if (!g || !back)
		abort();
	ms_buf_init(&a, (size_t)1 << 28);
	ms_buf_init(&b, (size_t)1 << 28);
	if (ms_gtid_parse(g, f, text, &err) == 0) {
		enum ms_gtid_flavor got = ms_gtid_flavor(g);

		if (ms_gtid_format(g, &a) != 0)
			abort();
		if (ms_gtid_parse(back, got, ms_buf_str(&a), NULL) != 0)
			abort();
		if (ms_gtid_format(back, &b) != 0 ||
		    strcmp(ms_buf_str(&a), ms_buf_str(&b)) != 0)
			abort();
		if (got == MS_GTID_MYSQL)
			check_encoding(g);
	} else if (strncmp(err.msg, "GTID", 4) != 0) {
		abort();
	}
	ms_buf_free(&a);
	ms_buf_free(&b);
	ms_gtid_free(g);
	ms_gtid_free(back);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *s = malloc(size + 1);

	if (!s)
		return 0;
	memcpy(s, data, size);
	s[size] = '\0';
	one(MS_GTID_NONE, s);
	one(MS_GTID_MARIADB, s);
	one(MS_GTID_MYSQL, s);
	free(s);
	return 0;
}
