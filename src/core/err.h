/* Error model: negative errno-style codes generated from one X-macro, plus an
 * optional detail record (message, MySQL errno/SQLSTATE, where it was raised).
 * A function that can fail returns int: 0 on success, a negative MS_E* code on
 * failure, and fills <err> when the caller passed one (NULL is allowed). */
#ifndef MS_CORE_ERR_H
#define MS_CORE_ERR_H

#include <stdarg.h>
#include <stddef.h>

#if defined(__GNUC__)
#define MS_WUR		     __attribute__((warn_unused_result))
#define MS_PRINTF(fmt, args) __attribute__((format(printf, fmt, args)))
#else
#define MS_WUR
#define MS_PRINTF(fmt, args)
#endif

/* XX(name, value, exit code class, message). The exit class follows DESIGN.md:
 * 2 usage or configuration error, 3 runtime failure. */
#define MS_ERR_MAP(XX)                                                         \
	XX(NOMEM, -1, 3, "out of memory")                                      \
	XX(INVAL, -2, 2, "invalid argument")                                   \
	XX(USAGE, -3, 2, "usage error")                                        \
	XX(CONFIG, -4, 2, "configuration error")                               \
	XX(PARSE, -5, 2, "parse error")                                        \
	XX(TOOLARGE, -6, 2, "input exceeds limit")                             \
	XX(IO, -7, 3, "i/o error")                                             \
	XX(CONNECT, -8, 3, "cannot connect")                                   \
	XX(AUTH, -9, 3, "access denied")                                       \
	XX(TLS, -10, 3, "TLS error")                                           \
	XX(TIMEOUT, -11, 3, "timed out")                                       \
	XX(SQL, -12, 3, "SQL error")                                           \
	XX(NOTFOUND, -13, 3, "not found")                                      \
	XX(UNSUPPORTED, -14, 2, "unsupported")                                 \
	XX(CORRUPT, -15, 3, "corrupt input")                                   \
	XX(INTERNAL, -16, 3, "internal error")                                 \
	XX(REFUSED, -17, 1, "refused")

enum ms_errcode {
	MS_OK = 0,
#define MS_ERR_ENUM(name, val, exitc, msg) MS_E##name = (val),
	MS_ERR_MAP(MS_ERR_ENUM)
#undef MS_ERR_ENUM
};

#define MS_ERR_MSG_MAX 512

/* Detail of the last failure. Owned by the caller, usually on the stack. */
struct ms_err {
	int code;		  /* MS_E*, 0 when nothing failed */
	unsigned int sql_errno;	  /* server or client errno, 0 if none */
	char sqlstate[6];	  /* "" if none */
	const char *file;	  /* source file that raised it (static) */
	int line;		  /* source line that raised it */
	char msg[MS_ERR_MSG_MAX]; /* human message, never holds a password */
};

/* Resets <err> to "no error". <err> may be NULL. */
void ms_err_clear(struct ms_err *err);

/* Records <code> and a printf-style message in <err> (may be NULL) together
 * with <file>:<line>. Returns <code> so callers can write
 * `return MS_ERR(err, MS_EINVAL, "...")`. */
int ms_err_set(struct ms_err *err, int code, const char *file, int line,
	       const char *fmt, ...) MS_PRINTF(5, 6);

/* The same with a va_list. */
int ms_err_vset(struct ms_err *err, int code, const char *file, int line,
		const char *fmt, va_list ap) MS_PRINTF(5, 0);

#define MS_ERR(err, code, ...)                                                 \
	ms_err_set((err), (code), __FILE__, __LINE__, __VA_ARGS__)

/* Prefixes the message already in <err> with printf-style context, e.g. the
 * table or file being processed. Keeps the code and origin. Returns err->code
 * (or MS_EINTERNAL when <err> is NULL). */
int ms_err_prefix(struct ms_err *err, const char *fmt, ...) MS_PRINTF(2, 3);

/* Static strings for a code: "MS_ECONNECT" and "cannot connect". Unknown codes
 * give "MS_E?" and "unknown error". */
const char *ms_err_name(int code);
const char *ms_strerror(int code);

/* Process exit code for a failure code: 2 (usage/config) or 3 (runtime).
 * 0 for MS_OK. */
int ms_err_exit_code(int code);

#endif
