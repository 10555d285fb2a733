#include "core/log.h"

#include <inttypes.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define LOG_LINE_MAX (64 * 1024)

static pthread_mutex_t log_lock = PTHREAD_MUTEX_INITIALIZER;
static enum ms_log_level log_level = MS_LOG_WARN;
static FILE *log_stream;
static bool log_json;
static char *secrets[MS_LOG_SECRETS_MAX];
static size_t nsecrets;

static const char *const level_names[] = {"error", "warn", "info", "debug",
					  "trace"};

void ms_log_set_level(enum ms_log_level level)
{
	log_level = level;
}

enum ms_log_level ms_log_get_level(void)
{
	return log_level;
}

int ms_log_level_parse(const char *s, enum ms_log_level *out)
{
	size_t i;

	for (i = 0; i < sizeof(level_names) / sizeof(level_names[0]); i++) {
		if (strcmp(s, level_names[i]) == 0) {
			*out = (enum ms_log_level)i;
			return 0;
		}
	}
	return MS_EINVAL;
}

void ms_log_set_stream(FILE *f)
{
	log_stream = f;
}

void ms_log_set_json(bool json)
{
	log_json = json;
}

int ms_log_secret_add(const char *secret)
{
	size_t i;
	char *copy;

	if (!secret || !*secret)
		return 0;
	pthread_mutex_lock(&log_lock);
	for (i = 0; i < nsecrets; i++) {
		if (strcmp(secrets[i], secret) == 0) {
			pthread_mutex_unlock(&log_lock);
			return 0;
		}
	}
	if (nsecrets == MS_LOG_SECRETS_MAX) {
		pthread_mutex_unlock(&log_lock);
		return MS_ETOOLARGE;
	}
	copy = strdup(secret);
	if (!copy) {
		pthread_mutex_unlock(&log_lock);
		return MS_ENOMEM;
	}
	secrets[nsecrets++] = copy;
	pthread_mutex_unlock(&log_lock);
	return 0;
}

void ms_log_secrets_clear(void)
{
	pthread_mutex_lock(&log_lock);
	while (nsecrets)
		free(secrets[--nsecrets]);
	pthread_mutex_unlock(&log_lock);
}

/* Caller holds log_lock. Finds the earliest, then longest, secret at or after
 * <p>; returns its position or NULL and sets *<len>. */
static const char *find_secret(const char *p, size_t *len)
{
	const char *best = NULL;
	size_t i;

	*len = 0;
	for (i = 0; i < nsecrets; i++) {
		const char *hit = strstr(p, secrets[i]);
		size_t n = strlen(secrets[i]);

		if (hit && (!best || hit < best || (hit == best && n > *len))) {
			best = hit;
			*len = n;
		}
	}
	return best;
}

static int redact_locked(const char *in, struct ms_buf *out)
{
	const char *p = in;
	const char *hit;
	size_t n;
	int rc;

	while ((hit = find_secret(p, &n)) != NULL) {
		rc = ms_buf_add(out, p, (size_t)(hit - p));
		if (!rc)
			rc = ms_buf_addstr(out, "***");
		if (rc)
			return rc;
		p = hit + n;
	}
	return ms_buf_addstr(out, p);
}

int ms_redact(const char *in, struct ms_buf *out)
{
	int rc;

	pthread_mutex_lock(&log_lock);
	rc = redact_locked(in, out);
	pthread_mutex_unlock(&log_lock);
	return rc;
}

void ms_redact_inplace(char *s, size_t size)
{
	struct ms_buf b;
	size_t n;

	if (!size)
		return;
	ms_buf_init(&b, 4 * size + 64);
	if (ms_redact(s, &b)) {
		/* Better no message than one that may hold a secret. */
		snprintf(s, size, "%s", "(message withheld: redaction failed)");
	} else {
		n = b.len < size - 1 ? b.len : size - 1;
		memcpy(s, ms_buf_str(&b), n);
		s[n] = '\0';
	}
	ms_buf_free(&b);
}

/* Appends <s> with newlines, tabs, quotes and backslashes escaped, so a log
 * event stays on one line and JSON stays valid. */
static int add_escaped(struct ms_buf *b, const char *s, bool json)
{
	int rc = 0;

	for (; *s && !rc; s++) {
		unsigned char c = (unsigned char)*s;

		if (c == '\n')
			rc = ms_buf_addstr(b, "\\n");
		else if (c == '\r')
			rc = ms_buf_addstr(b, "\\r");
		else if (c == '\t')
			rc = ms_buf_addstr(b, "\\t");
		else if (json && (c == '"' || c == '\\'))
			rc = ms_buf_addf(b, "\\%c", c);
		else if (json && c < 0x20)
			rc = ms_buf_addf(b, "\\u%04x", c);
		else
			rc = ms_buf_addc(b, (char)c);
	}
	return rc;
}

static void format_time(char *out, size_t n)
{
	struct timespec ts;
	struct tm tm;

	clock_gettime(CLOCK_REALTIME, &ts);
	gmtime_r(&ts.tv_sec, &tm);
	snprintf(out, n, "%04d-%02d-%02dT%02d:%02d:%02d.%03ldZ",
		 tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour,
		 tm.tm_min, tm.tm_sec, ts.tv_nsec / 1000000L);
}

void ms_log(enum ms_log_level level, const char *component, const char *fmt,
	    ...)
{
	struct ms_buf raw, clean, line;
	char when[40];
	va_list ap;
	int rc;

	if (level > log_level)
		return;
	ms_buf_init(&raw, LOG_LINE_MAX);
	ms_buf_init(&clean, LOG_LINE_MAX);
	ms_buf_init(&line, LOG_LINE_MAX);
	va_start(ap, fmt);
	rc = ms_buf_vaddf(&raw, fmt, ap);
	va_end(ap);
	format_time(when, sizeof(when));
	pthread_mutex_lock(&log_lock);
	if (!rc)
		rc = redact_locked(ms_buf_str(&raw), &clean);
	if (log_json && !rc) {
		rc = ms_buf_addf(&line,
				 "{\"ts\":\"%s\",\"level\":\"%s\","
				 "\"component\":\"%s\",\"event\":\"",
				 when, level_names[level], component);
		if (!rc)
			rc = add_escaped(&line, ms_buf_str(&clean), true);
		if (!rc)
			rc = ms_buf_addstr(&line, "\"}");
	} else if (!rc) {
		rc = ms_buf_addf(&line, "%s level=%s component=%s ", when,
				 level_names[level], component);
		if (!rc)
			rc = add_escaped(&line, ms_buf_str(&clean), false);
	}
	if (rc) {
		fprintf(log_stream ? log_stream : stderr,
			"%s level=error component=log event=log_line_dropped "
			"reason=\"%s\"\n",
			when, ms_strerror(rc));
	} else {
		fprintf(log_stream ? log_stream : stderr, "%s\n",
			ms_buf_str(&line));
	}
	fflush(log_stream ? log_stream : stderr);
	pthread_mutex_unlock(&log_lock);
	ms_buf_free(&raw);
	ms_buf_free(&clean);
	ms_buf_free(&line);
}

void ms_print_safe(FILE *f, const char *fmt, ...)
{
	struct ms_buf raw, clean;
	va_list ap;
	int rc;

	ms_buf_init(&raw, 16 * 1024 * 1024);
	ms_buf_init(&clean, 16 * 1024 * 1024);
	va_start(ap, fmt);
	rc = ms_buf_vaddf(&raw, fmt, ap);
	va_end(ap);
	if (!rc)
		rc = ms_redact(ms_buf_str(&raw), &clean);
	if (!rc)
		fputs(ms_buf_str(&clean), f);
	else
		fprintf(f, "(output dropped: %s)\n", ms_strerror(rc));
	ms_buf_free(&raw);
	ms_buf_free(&clean);
}

void ms_human_count(char *buf, size_t size, uint64_t n)
{
	if (n >= 10000000)
		snprintf(buf, size, "%.1fM", (double)n / 1e6);
	else if (n >= 10000)
		snprintf(buf, size, "%.1fk", (double)n / 1e3);
	else
		snprintf(buf, size, "%" PRIu64, n);
}
