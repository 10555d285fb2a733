/* Decoder throughput for bench/binlog-decode: loads binlog files into
 * memory, decodes every event of them with full row decoding (checksums
 * verified, every value rendered, the arena reset per event) and repeats
 * the whole set until at least --min-seconds of decoding were timed.
 *
 *   binlog_decode [--min-seconds S] FILE...
 *
 * Prints key=value lines: files, bytes, events, rows, values (per pass),
 * passes, seconds (decoding only: loading is not timed), and the rates. */
#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "binlog/binlog.h"
#include "core/arena.h"
#include "core/err.h"

#define ARENA_CAP ((size_t)1 << 30)

struct image {
	const char *path;
	uint8_t *buf;
	size_t size;
};

struct totals {
	uint64_t bytes, events, rows, values;
	uint64_t sum; /* folds decoded values in, so nothing is optimised out */
};

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static int load(const char *path, struct image *im)
{
	FILE *f = fopen(path, "rb");
	long n;

	if (!f) {
		fprintf(stderr, "binlog_decode: %s: %s\n", path,
			strerror(errno));
		return -1;
	}
	if (fseek(f, 0, SEEK_END) != 0 || (n = ftell(f)) < 0 ||
	    fseek(f, 0, SEEK_SET) != 0) {
		fprintf(stderr, "binlog_decode: %s: cannot size\n", path);
		fclose(f);
		return -1;
	}
	im->path = path;
	im->size = (size_t)n;
	im->buf = malloc(im->size ? im->size : 1);
	if (!im->buf || fread(im->buf, 1, im->size, f) != im->size) {
		fprintf(stderr, "binlog_decode: %s: cannot read\n", path);
		fclose(f);
		return -1;
	}
	fclose(f);
	return 0;
}

static void fold_image(struct totals *t, const struct ms_bl_value *v,
		       uint32_t ncols)
{
	for (uint32_t c = 0; c < ncols; c++) {
		t->sum += v[c].kind + v[c].len + v[c].n.u;
		t->values++;
	}
}

static void fold_rows(struct totals *t, const struct ms_bl_rows *r)
{
	uint32_t ncols = r->tm ? r->tm->ncols : 0;

	t->rows += r->nrows;
	for (uint32_t k = 0; k < r->nrows; k++) {
		if (r->rows[k].before)
			fold_image(t, r->rows[k].before, ncols);
		if (r->rows[k].after)
			fold_image(t, r->rows[k].after, ncols);
	}
}

/* Decodes every event of <im> with a fresh decoder. */
static int decode_image(const struct image *im, struct ms_arena *a,
			struct totals *t)
{
	struct ms_bl_options o;
	struct ms_bl_decoder *d;
	struct ms_bl_event ev;
	struct ms_err err;
	const uint8_t *p;
	size_t len;
	uint64_t pos = 0;
	int rc;

	ms_bl_options_default(&o);
	d = ms_bl_decoder_new(&o);
	if (!d)
		return MS_ENOMEM;
	while ((rc = ms_bl_next(im->buf, im->size, &pos, &p, &len, &err)) ==
	       1) {
		rc = ms_bl_decode(d, a, p, len, (uint64_t)(p - im->buf), &ev,
				  &err);
		if (rc)
			break;
		t->events++;
		if (ev.kind == MS_BL_K_ROWS)
			fold_rows(t, &ev.u.rows);
		ms_arena_reset(a);
	}
	ms_bl_decoder_free(d);
	if (rc < 0) {
		fprintf(stderr, "binlog_decode: %s: %s\n", im->path, err.msg);
		return rc;
	}
	t->bytes += im->size;
	return 0;
}

static int decode_all(const struct image *ims, int n, struct ms_arena *a,
		      struct totals *t)
{
	for (int k = 0; k < n; k++)
		if (decode_image(&ims[k], a, t))
			return -1;
	return 0;
}

static int usage(void)
{
	fprintf(stderr, "usage: binlog_decode [--min-seconds S] FILE...\n");
	return 2;
}

int main(int argc, char **argv)
{
	double min_s = 3.0, t0, secs;
	struct totals pass = {0}, all = {0};
	struct image *ims;
	struct ms_arena a;
	int first = 1, n, passes = 0;

	if (argc > 2 && strcmp(argv[1], "--min-seconds") == 0) {
		min_s = strtod(argv[2], NULL);
		first = 3;
	}
	n = argc - first;
	if (n < 1 || min_s <= 0)
		return usage();
	ims = calloc((size_t)n, sizeof(*ims));
	if (!ims)
		return 1;
	for (int k = 0; k < n; k++)
		if (load(argv[first + k], &ims[k]))
			return 1;
	ms_arena_init(&a, ARENA_CAP);
	/* One untimed pass counts the work and warms the caches. */
	if (decode_all(ims, n, &a, &pass))
		return 1;
	t0 = now();
	do {
		if (decode_all(ims, n, &a, &all))
			return 1;
		passes++;
		secs = now() - t0;
	} while (secs < min_s);
	printf("files=%d\nbytes=%llu\nevents=%llu\nrows=%llu\nvalues=%llu\n"
	       "passes=%d\nseconds=%.3f\nmb_per_s=%.1f\nevents_per_s=%.0f\n"
	       "checksum=%llu\n",
	       n, (unsigned long long)pass.bytes,
	       (unsigned long long)pass.events, (unsigned long long)pass.rows,
	       (unsigned long long)pass.values, passes, secs,
	       (double)all.bytes / 1e6 / secs, (double)all.events / secs,
	       (unsigned long long)all.sum);
	ms_arena_free(&a);
	for (int k = 0; k < n; k++)
		free(ims[k].buf);
	free(ims);
	return 0;
}
