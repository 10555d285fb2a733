#include "core/err.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

void ms_err_clear(struct ms_err *err)
{
	if (!err)
		return;
	memset(err, 0, sizeof(*err));
}

int ms_err_vset(struct ms_err *err, int code, const char *file, int line,
		const char *fmt, va_list ap)
{
	if (!err)
		return code;
	err->code = code;
	err->file = file;
	err->line = line;
	err->sql_errno = 0;
	err->sqlstate[0] = '\0';
	vsnprintf(err->msg, sizeof(err->msg), fmt, ap);
	return code;
}

int ms_err_set(struct ms_err *err, int code, const char *file, int line,
	       const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	ms_err_vset(err, code, file, line, fmt, ap);
	va_end(ap);
	return code;
}

int ms_err_prefix(struct ms_err *err, const char *fmt, ...)
{
	char old[MS_ERR_MSG_MAX];
	size_t n;
	va_list ap;

	if (!err)
		return MS_EINTERNAL;
	memcpy(old, err->msg, sizeof(old));
	va_start(ap, fmt);
	vsnprintf(err->msg, sizeof(err->msg), fmt, ap);
	va_end(ap);
	n = strlen(err->msg);
	if (n + 2 < sizeof(err->msg)) {
		memcpy(err->msg + n, ": ", 3);
		n += 2;
		size_t m = strlen(old);

		if (m > sizeof(err->msg) - n - 1)
			m = sizeof(err->msg) - n - 1;
		memcpy(err->msg + n, old, m);
		err->msg[n + m] = '\0';
	}
	return err->code;
}

const char *ms_err_name(int code)
{
	switch (code) {
	case MS_OK:
		return "MS_OK";
#define MS_ERR_NAME(name, val, exitc, msg)                                     \
	case MS_E##name:                                                       \
		return "MS_E" #name;
		MS_ERR_MAP(MS_ERR_NAME)
#undef MS_ERR_NAME
	}
	return "MS_E?";
}

const char *ms_strerror(int code)
{
	switch (code) {
	case MS_OK:
		return "success";
#define MS_ERR_STR(name, val, exitc, msg)                                      \
	case MS_E##name:                                                       \
		return msg;
		MS_ERR_MAP(MS_ERR_STR)
#undef MS_ERR_STR
	}
	return "unknown error";
}

int ms_err_exit_code(int code)
{
	switch (code) {
	case MS_OK:
		return 0;
#define MS_ERR_EXIT(name, val, exitc, msg)                                     \
	case MS_E##name:                                                       \
		return exitc;
		MS_ERR_MAP(MS_ERR_EXIT)
#undef MS_ERR_EXIT
	}
	return 3;
}
