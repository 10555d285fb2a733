/* Leveled, one-line-per-event logging to stderr (or a chosen stream), as
 * key=value text or JSON. Every line, and everything printed through
 * ms_print_safe(), passes through the redactor: registered secrets (the
 * passwords myshift was given) are replaced by "***" before any byte leaves
 * the process. Thread-safe. */
#ifndef MS_CORE_LOG_H
#define MS_CORE_LOG_H

#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "core/buf.h"
#include "core/err.h"

enum ms_log_level {
	MS_LOG_ERROR = 0,
	MS_LOG_WARN,
	MS_LOG_INFO,
	MS_LOG_DEBUG,
	MS_LOG_TRACE,
};

#define MS_LOG_SECRETS_MAX 16

/* Sets the most verbose level printed (default MS_LOG_WARN). */
void ms_log_set_level(enum ms_log_level level);
enum ms_log_level ms_log_get_level(void);

/* Parses "error|warn|info|debug|trace" into <out>. Returns 0 or MS_EINVAL. */
int ms_log_level_parse(const char *s, enum ms_log_level *out) MS_WUR;

/* Where log lines go (default stderr); <f> is borrowed and must outlive use. */
void ms_log_set_stream(FILE *f);

/* JSON lines instead of key=value text. */
void ms_log_set_json(bool json);

/* Registers a secret to redact from all output; <secret> is copied. Empty
 * strings are ignored. Returns 0, MS_ENOMEM or MS_ETOOLARGE (table full). */
int ms_log_secret_add(const char *secret) MS_WUR;

/* Forgets every registered secret (tests). */
void ms_log_secrets_clear(void);

/* Appends <in> to <out> with every registered secret replaced by "***".
 * Returns 0 or a buffer error. */
int ms_redact(const char *in, struct ms_buf *out) MS_WUR;

/* Redacts the C string in <s> (a buffer of <size> bytes) in place, cutting
 * it short if the "***" make it longer than the buffer. Used for messages
 * that are kept (error records) rather than printed. */
void ms_redact_inplace(char *s, size_t size);

/* Logs one event. <component> names the subsystem ("db", "check", ...);
 * <fmt> renders the event's key=value pairs, e.g. "event=connect host=%s".
 * Newlines in the rendered text are escaped so one event is one line. */
void ms_log(enum ms_log_level level, const char *component, const char *fmt,
	    ...) MS_PRINTF(3, 4);

#define MS_LOG_ERROR(comp, ...) ms_log(MS_LOG_ERROR, comp, __VA_ARGS__)
#define MS_LOG_WARN(comp, ...)	ms_log(MS_LOG_WARN, comp, __VA_ARGS__)
#define MS_LOG_INFO(comp, ...)	ms_log(MS_LOG_INFO, comp, __VA_ARGS__)
#define MS_LOG_DEBUG(comp, ...) ms_log(MS_LOG_DEBUG, comp, __VA_ARGS__)

/* printf to <f> through the redactor: the way commands print human or JSON
 * output, so no password can reach stdout either. */
void ms_print_safe(FILE *f, const char *fmt, ...) MS_PRINTF(2, 3);

/* A count for progress lines: "9999", "12.3k", "45.6M". */
void ms_human_count(char *buf, size_t size, uint64_t n);

#endif
