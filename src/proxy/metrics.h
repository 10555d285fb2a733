/* The proxy's counters and latency histograms, updated by the loop thread
 * only (plain integers), rendered in the Prometheus text format by the
 * admin endpoint /metrics. */
#ifndef MS_PROXY_METRICS_H
#define MS_PROXY_METRICS_H

#include <stdint.h>

#include "core/buf.h"
#include "core/err.h"

/* Bucket upper bounds in microseconds: 100us .. 10s, then +Inf. */
#define MS_HIST_BUCKETS 16

struct ms_hist {
	uint64_t counts[MS_HIST_BUCKETS + 1]; /* last: above the top bound */
	uint64_t count;
	uint64_t sum_us;
	uint64_t max_us;
};
void ms_hist_add(struct ms_hist *h, uint64_t us);
/* The value at quantile <q> (0..1) as a bucket upper bound in us (max_us
 * for the last bucket); 0 when empty. */
uint64_t ms_hist_quantile(const struct ms_hist *h, double q);

struct ms_metrics {
	uint64_t connections_total;   /* accepted */
	uint64_t connections_refused; /* over max_connections */
	uint64_t auth_failures;
	uint64_t client_errors;	   /* clients dropped for bad input */
	uint64_t queries_total[2]; /* per backend */
	uint64_t query_errors[2];  /* ERR packets sent to clients */
	uint64_t backend_connect_errors[2];
	uint64_t bytes_from_clients, bytes_to_clients;
	uint64_t sessions_moved, move_failures;
	uint64_t held_total;		 /* statements held by pause or move */
	uint64_t backend_logins[2];	 /* backend connections logged in */
	uint64_t prepared_total;	 /* opened by POST /prepare */
	uint64_t prepared_used;		 /* of those, taken by a move */
	uint64_t prepare_failures;	 /* of those, failed or closed */
	uint64_t sessions_ended;	 /* by POST /end */
	struct ms_hist query_latency[2]; /* command in to response out */
	struct ms_hist hold_latency;	 /* how long held statements waited */
};

/* Live values the loop passes in when rendering. */
struct ms_metrics_gauges {
	uint64_t connections_current;
	uint64_t sessions_per_backend[2];
	uint64_t held_sessions;
	uint64_t unmovable_sessions;
	uint64_t prepared_connections; /* prepared, no move has taken them */
	int backend_up[2];	       /* 1, 0, or -1 when not configured */
	uint64_t shadow_sampled, shadow_compared, shadow_mismatched,
	    shadow_dropped, shadow_errors;
};

/* Appends the Prometheus text exposition of <m> and <g> (names
 * myshift_proxy_*, label backend="source|target", histograms in seconds).
 */
int ms_metrics_render(const struct ms_metrics *m,
		      const struct ms_metrics_gauges *g,
		      struct ms_buf *out) MS_WUR;

#endif
