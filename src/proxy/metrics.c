/* Counters, latency histograms and their Prometheus text exposition (see
 * metrics.h and docs/proxy-admin.md for the names).
 *
 * Histogram buckets are fixed, in microseconds, on a 1-2.5-5 scale from
 * 100 us to 10 s: a query through the proxy on a LAN takes a few hundred
 * microseconds, a slow one seconds, and a held statement (pause, move)
 * waits milliseconds to seconds. Sixteen bounds keep ms_hist_add a short
 * scan that stops early for the common fast query. */
#include "proxy/metrics.h"

#include <math.h>
#include <stddef.h>
#include <stdio.h>

static const uint64_t hist_bounds_us[MS_HIST_BUCKETS] = {
    100,   250,	   500,	   1000,   2500,    5000,    10000,   25000,
    50000, 100000, 250000, 500000, 1000000, 2500000, 5000000, 10000000,
};

/* The same bounds as Prometheus "le" labels (seconds). */
static const char *const hist_le[MS_HIST_BUCKETS] = {
    "0.0001", "0.00025", "0.0005", "0.001", "0.0025", "0.005", "0.01", "0.025",
    "0.05",   "0.1",	 "0.25",   "0.5",   "1",      "2.5",   "5",    "10",
};

static const char *const backend_names[2] = {"source", "target"};

void ms_hist_add(struct ms_hist *h, uint64_t us)
{
	size_t i = 0;

	while (i < MS_HIST_BUCKETS && us > hist_bounds_us[i])
		i++;
	h->counts[i]++;
	h->count++;
	h->sum_us += us;
	if (us > h->max_us)
		h->max_us = us;
}

uint64_t ms_hist_quantile(const struct ms_hist *h, double q)
{
	uint64_t rank, seen = 0;

	if (!h->count)
		return 0;
	if (!(q > 0)) /* also NaN */
		q = 0;
	if (q > 1)
		q = 1;
	rank = (uint64_t)ceil(q * (double)h->count);
	if (rank < 1)
		rank = 1;
	for (size_t i = 0; i < MS_HIST_BUCKETS; i++) {
		seen += h->counts[i];
		if (seen >= rank)
			return hist_bounds_us[i] < h->max_us ? hist_bounds_us[i]
							     : h->max_us;
	}
	return h->max_us;
}

static int head(struct ms_buf *out, const char *name, const char *type,
		const char *help)
{
	return ms_buf_addf(out, "# HELP %s %s\n# TYPE %s %s\n", name, help,
			   name, type);
}

static int scalar(struct ms_buf *out, const char *name, const char *type,
		  const char *help, uint64_t v)
{
	int rc = head(out, name, type, help);

	if (rc)
		return rc;
	return ms_buf_addf(out, "%s %llu\n", name, (unsigned long long)v);
}

static int per_backend(struct ms_buf *out, const char *name, const char *type,
		       const char *help, const uint64_t v[2])
{
	int rc = head(out, name, type, help);

	for (int b = 0; !rc && b < 2; b++)
		rc = ms_buf_addf(out, "%s{backend=\"%s\"} %llu\n", name,
				 backend_names[b], (unsigned long long)v[b]);
	return rc;
}

/* One histogram's series; <label> is "" or `backend="source"`. */
static int hist_series(struct ms_buf *out, const char *name, const char *label,
		       const struct ms_hist *h)
{
	const char *sep = *label ? "," : "";
	unsigned long long sec = h->sum_us / 1000000,
			   frac = h->sum_us % 1000000;
	char braces[64] = "";
	uint64_t cum = 0;
	int rc = 0;

	if (*label)
		snprintf(braces, sizeof(braces), "{%s}", label);
	for (size_t i = 0; !rc && i < MS_HIST_BUCKETS; i++) {
		cum += h->counts[i];
		rc = ms_buf_addf(out, "%s_bucket{%s%sle=\"%s\"} %llu\n", name,
				 label, sep, hist_le[i],
				 (unsigned long long)cum);
	}
	if (!rc)
		rc = ms_buf_addf(out, "%s_bucket{%s%sle=\"+Inf\"} %llu\n", name,
				 label, sep, (unsigned long long)h->count);
	if (!rc)
		rc = ms_buf_addf(out, "%s_sum%s %llu.%06llu\n", name, braces,
				 sec, frac);
	if (!rc)
		rc = ms_buf_addf(out, "%s_count%s %llu\n", name, braces,
				 (unsigned long long)h->count);
	return rc;
}

/* The counters of what cutover drives: backend logins, prepared
 * connections, sessions ended. */
static int cutover_counters(const struct ms_metrics *m, struct ms_buf *out)
{
	int rc;

	rc = per_backend(out, "myshift_proxy_backend_logins_total", "counter",
			 "Backend connections logged in and set up, per "
			 "backend.",
			 m->backend_logins);
	if (!rc)
		rc = scalar(out, "myshift_proxy_prepared_total", "counter",
			    "Replacement connections opened by POST /prepare.",
			    m->prepared_total);
	if (!rc)
		rc = scalar(out, "myshift_proxy_prepared_used_total", "counter",
			    "Prepared connections a move took instead of "
			    "logging in.",
			    m->prepared_used);
	if (!rc)
		rc = scalar(out, "myshift_proxy_prepare_failures_total",
			    "counter",
			    "Prepared connections that failed or closed "
			    "before a move took them.",
			    m->prepare_failures);
	if (!rc)
		rc =
		    scalar(out, "myshift_proxy_sessions_ended_total", "counter",
			   "Sessions ended inside a transaction by POST /end.",
			   m->sessions_ended);
	return rc;
}

static int counters(const struct ms_metrics *m, struct ms_buf *out)
{
	int rc;

	rc = scalar(out, "myshift_proxy_connections_total", "counter",
		    "Client connections accepted.", m->connections_total);
	if (!rc)
		rc = scalar(out, "myshift_proxy_connections_refused_total",
			    "counter",
			    "Client connections refused over max_connections.",
			    m->connections_refused);
	if (!rc)
		rc = scalar(out, "myshift_proxy_auth_failures_total", "counter",
			    "Client logins refused.", m->auth_failures);
	if (!rc)
		rc = scalar(out, "myshift_proxy_client_errors_total", "counter",
			    "Clients dropped for bad input.", m->client_errors);
	if (!rc)
		rc = per_backend(out, "myshift_proxy_queries_total", "counter",
				 "Commands forwarded, per backend.",
				 m->queries_total);
	if (!rc)
		rc = per_backend(out, "myshift_proxy_query_errors_total",
				 "counter",
				 "ERR packets sent to clients, per backend.",
				 m->query_errors);
	if (!rc)
		rc = per_backend(
		    out, "myshift_proxy_backend_connect_errors_total",
		    "counter", "Failed backend connections or logins.",
		    m->backend_connect_errors);
	if (!rc)
		rc = scalar(out, "myshift_proxy_client_bytes_received_total",
			    "counter", "Bytes read from clients.",
			    m->bytes_from_clients);
	if (!rc)
		rc = scalar(out, "myshift_proxy_client_bytes_sent_total",
			    "counter", "Bytes written to clients.",
			    m->bytes_to_clients);
	if (!rc)
		rc = scalar(out, "myshift_proxy_sessions_moved_total",
			    "counter", "Sessions moved to another backend.",
			    m->sessions_moved);
	if (!rc)
		rc =
		    scalar(out, "myshift_proxy_move_failures_total", "counter",
			   "Sessions a move could not move.", m->move_failures);
	if (!rc)
		rc = scalar(out, "myshift_proxy_held_statements_total",
			    "counter", "Statements held by a pause or a move.",
			    m->held_total);
	if (!rc)
		rc = cutover_counters(m, out);
	return rc;
}

static int histograms(const struct ms_metrics *m, struct ms_buf *out)
{
	static const char *q = "myshift_proxy_query_duration_seconds";
	static const char *hd = "myshift_proxy_hold_duration_seconds";
	int rc;

	rc = head(out, q, "histogram",
		  "From a command's arrival to the end of its response.");
	if (!rc)
		rc = hist_series(out, q, "backend=\"source\"",
				 &m->query_latency[0]);
	if (!rc)
		rc = hist_series(out, q, "backend=\"target\"",
				 &m->query_latency[1]);
	if (!rc)
		rc = head(out, hd, "histogram",
			  "How long held statements waited.");
	if (!rc)
		rc = hist_series(out, hd, "", &m->hold_latency);
	return rc;
}

static int gauges(const struct ms_metrics_gauges *g, struct ms_buf *out)
{
	int rc;

	rc = scalar(out, "myshift_proxy_connections", "gauge",
		    "Client connections open.", g->connections_current);
	if (!rc)
		rc = per_backend(out, "myshift_proxy_sessions", "gauge",
				 "Client sessions, per backend.",
				 g->sessions_per_backend);
	if (!rc)
		rc = scalar(out, "myshift_proxy_held_sessions", "gauge",
			    "Sessions holding a statement now.",
			    g->held_sessions);
	if (!rc)
		rc = scalar(out, "myshift_proxy_unmovable_sessions", "gauge",
			    "Sessions whose state a move cannot replay.",
			    g->unmovable_sessions);
	if (!rc)
		rc = scalar(out, "myshift_proxy_prepared_connections", "gauge",
			    "Prepared connections no move has taken yet.",
			    g->prepared_connections);
	if (!rc)
		rc = head(out, "myshift_proxy_backend_up", "gauge",
			  "1 when the backend's health check passes "
			  "(absent when not configured).");
	for (int b = 0; !rc && b < 2; b++)
		if (g->backend_up[b] >= 0)
			rc = ms_buf_addf(
			    out,
			    "myshift_proxy_backend_up{backend=\"%s\"} %d\n",
			    backend_names[b], g->backend_up[b] ? 1 : 0);
	return rc;
}

static int shadow(const struct ms_metrics_gauges *g, struct ms_buf *out)
{
	int rc;

	rc = scalar(out, "myshift_proxy_shadow_sampled_total", "counter",
		    "Statements sampled for shadow reads.", g->shadow_sampled);
	if (!rc)
		rc = scalar(out, "myshift_proxy_shadow_compared_total",
			    "counter", "Shadow reads compared.",
			    g->shadow_compared);
	if (!rc)
		rc = scalar(out, "myshift_proxy_shadow_mismatched_total",
			    "counter", "Shadow reads whose results differed.",
			    g->shadow_mismatched);
	if (!rc)
		rc = scalar(out, "myshift_proxy_shadow_dropped_total",
			    "counter", "Shadow reads dropped (queue full).",
			    g->shadow_dropped);
	if (!rc)
		rc = scalar(out, "myshift_proxy_shadow_errors_total", "counter",
			    "Shadow reads that failed on the target.",
			    g->shadow_errors);
	return rc;
}

int ms_metrics_render(const struct ms_metrics *m,
		      const struct ms_metrics_gauges *g, struct ms_buf *out)
{
	int rc;

	rc = counters(m, out);
	if (!rc)
		rc = histograms(m, out);
	if (!rc)
		rc = gauges(g, out);
	if (!rc)
		rc = shadow(g, out);
	return rc;
}
