/* `myshift binlog dump FILE...`: decodes binlog files into JSON lines, one
 * event per line, with typed row values (docs/binlog.md). Like
 * `mariadb-binlog --verbose`, but machine-readable, and the same decoder
 * that sync uses. */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "binlog/binlog.h"
#include "cli/cli.h"
#include "core/buf.h"

const struct ms_optdef ms_binlog_optdefs[] = {
    {"args", MS_OPT_ARGS, "dump FILE...", "the subcommand and the files"},
    {"start-position", MS_OPT_VALUE, "N",
     "print events starting at byte offset N or later (default 4)"},
    {"stop-position", MS_OPT_VALUE, "N",
     "stop before the first event starting at offset N or later"},
    {"no-rows", MS_OPT_FLAG, NULL,
     "don't decode row values (row counts only; faster)"},
    {"no-verify-checksum", MS_OPT_FLAG, NULL, "don't verify CRC32 checksums"},
    MS_CLI_COMMON_OPTS,
    {NULL, 0, NULL, NULL},
};

/* Per-run totals, printed to stderr at the end. */
struct dump_stats {
	uint64_t events, rows, skipped;
};

struct dump {
	struct ms_bl_decoder *dec;
	struct ms_arena arena;
	struct ms_buf line;
	uint64_t start, stop;
	struct dump_stats st;
};

/* A read-only view of a whole file. */
struct mapped {
	const uint8_t *p;
	size_t size;
	void *map;
};

static int map_file(const char *path, struct mapped *m, struct ms_err *err)
{
	struct stat sb;
	int fd = open(path, O_RDONLY);

	memset(m, 0, sizeof(*m));
	if (fd < 0)
		return MS_ERR(err, MS_EIO, "%s: %s", path, strerror(errno));
	if (fstat(fd, &sb) != 0 || !S_ISREG(sb.st_mode)) {
		close(fd);
		return MS_ERR(err, MS_EIO, "%s: not a regular file", path);
	}
	m->size = (size_t)sb.st_size;
	if (m->size) {
		m->map = mmap(NULL, m->size, PROT_READ, MAP_PRIVATE, fd, 0);
		if (m->map == MAP_FAILED) {
			close(fd);
			return MS_ERR(err, MS_EIO, "%s: %s", path,
				      strerror(errno));
		}
		m->p = m->map;
	} else {
		m->p = (const uint8_t *)"";
	}
	close(fd);
	return 0;
}

static void unmap_file(struct mapped *m)
{
	if (m->map)
		munmap(m->map, m->size);
}

static void count(struct dump_stats *st, const struct ms_bl_event *ev)
{
	st->events++;
	if (ev->kind == MS_BL_K_SKIPPED)
		st->skipped++;
	if (ev->kind == MS_BL_K_ROWS)
		st->rows += ev->u.rows.nrows;
	if (ev->kind == MS_BL_K_PAYLOAD) {
		for (uint32_t i = 0; i < ev->u.payload.nevents; i++)
			count(st, &ev->u.payload.events[i]);
	}
}

/* Table maps are only needed until their statement ends. */
static bool ends_statement(const struct ms_bl_event *ev)
{
	if (ev->kind == MS_BL_K_PAYLOAD)
		return true;
	return ev->kind == MS_BL_K_ROWS &&
	       (ev->u.rows.flags & MS_BL_ROWS_F_STMT_END);
}

static int dump_one(struct dump *d, const uint8_t *p, size_t n, uint64_t off,
		    struct ms_err *err)
{
	struct ms_bl_event ev;
	int rc;

	ms_arena_reset(&d->arena);
	rc = ms_bl_decode(d->dec, &d->arena, p, n, off, &ev, err);
	if (rc)
		return rc;
	count(&d->st, &ev);
	/* the FDE and table maps are state: decode them even before
	 * --start-position, print only what is in range */
	if (off >= d->start) {
		ms_buf_reset(&d->line);
		rc = ms_bl_event_json(&ev, &d->line);
		if (rc)
			return MS_ERR(err, rc,
				      "event at %" PRIu64
				      " renders to more than %zu "
				      "bytes",
				      off, d->line.cap);
		fwrite(d->line.ptr, 1, d->line.len, stdout);
		fputc('\n', stdout);
	}
	if (ends_statement(&ev))
		ms_bl_decoder_release_tables(d->dec);
	return 0;
}

static int dump_file(struct dump *d, const char *path, struct ms_err *err)
{
	struct mapped m;
	uint64_t pos = 0, off;
	const uint8_t *ev;
	size_t evlen;
	int rc;

	rc = map_file(path, &m, err);
	if (rc)
		return rc;
	for (;;) {
		rc = ms_bl_next(m.p, m.size, &pos, &ev, &evlen, err);
		if (rc <= 0)
			break;
		off = (uint64_t)(ev - m.p);
		if (off >= d->stop)
			break;
		rc = dump_one(d, ev, evlen, off, err);
		if (rc)
			break;
	}
	unmap_file(&m);
	if (rc < 0)
		ms_err_prefix(err, "%s", path);
	return rc < 0 ? rc : 0;
}

static int read_positions(const struct ms_opts *opts, struct dump *d,
			  struct ms_err *err)
{
	unsigned long v;
	int rc;

	rc = ms_opts_uint(opts, "start-position", 0, ULONG_MAX, 0, &v, err);
	d->start = v;
	if (!rc)
		rc = ms_opts_uint(opts, "stop-position", 0, ULONG_MAX,
				  ULONG_MAX, &v, err);
	d->stop = v;
	return rc;
}

int ms_cmd_binlog(const struct ms_opts *opts)
{
	struct ms_bl_options bo;
	struct dump d = {0};
	const struct ms_optval *args;
	struct ms_err err;
	size_t nargs;
	int rc = 0;

	ms_err_clear(&err);
	args = ms_opts_list(opts, "args", &nargs);
	if (nargs < 1 || strcmp(args[0].value, "dump") != 0) {
		fprintf(stderr, "myshift binlog: usage: myshift binlog dump "
				"FILE... (see 'myshift binlog --help')\n");
		return MS_EXIT_USAGE;
	}
	if (nargs < 2) {
		fprintf(stderr, "myshift binlog dump: no file given\n");
		return MS_EXIT_USAGE;
	}
	if (read_positions(opts, &d, &err))
		return ms_cli_fail("binlog", &err);
	ms_bl_options_default(&bo);
	bo.verify_checksum = !ms_opts_flag(opts, "no-verify-checksum");
	bo.decode_rows = !ms_opts_flag(opts, "no-rows");
	d.dec = ms_bl_decoder_new(&bo);
	if (!d.dec) {
		fprintf(stderr, "myshift binlog: out of memory\n");
		return MS_EXIT_RUNTIME;
	}
	/* an event is at most 1 GiB; its decoded form a few times that */
	ms_arena_init(&d.arena, (size_t)4 << 30);
	ms_buf_init(&d.line, (size_t)8 << 30);
	for (size_t i = 1; i < nargs && !rc; i++)
		rc = dump_file(&d, args[i].value, &err);
	fflush(stdout);
	fprintf(stderr,
		"myshift binlog: %" PRIu64 " events, %" PRIu64 " rows, %" PRIu64
		" skipped (see \"skipped\" in the output)\n",
		d.st.events, d.st.rows, d.st.skipped);
	ms_buf_free(&d.line);
	ms_arena_free(&d.arena);
	ms_bl_decoder_free(d.dec);
	return rc ? ms_cli_fail("binlog dump", &err) : MS_EXIT_OK;
}
