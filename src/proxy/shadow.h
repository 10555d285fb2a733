/* Shadow reads: a sample of read-only statements run outside transactions
 * is also run on the target by a thread of its own (blocking libmariadb,
 * myshift's target credentials), and its result compared with what the
 * client got, by row count and a checksum of the text-protocol row
 * packets (CRC-32 chained over each row's payload, the way the loop
 * computes it while forwarding). The client's answer is forwarded before
 * the shadow runs, so it never changes and never waits; when the queue is
 * full the sample is dropped and counted. Mismatches are counted and
 * logged with the statement digest and the sync lag at that moment. */
#ifndef MS_PROXY_SHADOW_H
#define MS_PROXY_SHADOW_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/err.h"
#include "core/uri.h"

struct ms_shadow_opts {
	const struct ms_endpoint *target; /* borrowed */
	const struct ms_endpoint *source; /* for the lag; may be NULL */
	const char *control_schema;	  /* sync_state lives here */
	double rate;			  /* 0..1 */
	unsigned queue;			  /* max waiting samples */
};

struct ms_shadow_stats {
	uint64_t sampled, compared, matched, mismatched, dropped, errors;
};

/* What the client got, and the session context to run it the same way. */
struct ms_shadow_sample {
	const char *sql; /* borrowed; copied by submit */
	size_t sql_len;
	const char *schema;    /* "" for none */
	const char *charset;   /* character_set_results, e.g. "utf8mb4" */
	const char *time_zone; /* "" = server default */
	const char *sql_mode;  /* NULL = server default */
	uint64_t columns, rows;
	uint32_t crc;
};

struct ms_shadow;
int ms_shadow_start(const struct ms_shadow_opts *o, struct ms_shadow **out,
		    struct ms_err *err) MS_WUR;
/* True for the statements the sample should take (rate-based, cheap). */
bool ms_shadow_want(struct ms_shadow *s);
/* Queues a copy of <x>; never blocks. */
void ms_shadow_submit(struct ms_shadow *s, const struct ms_shadow_sample *x);
void ms_shadow_stats(struct ms_shadow *s, struct ms_shadow_stats *out);
void ms_shadow_stop(struct ms_shadow *s);

/* The checksum both sides use: start with 0, chain each row payload. */
uint32_t ms_shadow_crc(uint32_t crc, const void *p, size_t n);

#endif
