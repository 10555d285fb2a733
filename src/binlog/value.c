/* Placeholder until the value decoder lands (issue 3, in progress). */
#include "binlog/binlog_int.h"

int bl_value_decode(const struct ms_bl_column *c, const uint8_t *p,
		    size_t avail, struct ms_arena *a, struct ms_bl_value *v,
		    size_t *used, struct ms_err *err)
{
	return MS_ERR(err, MS_EUNSUPPORTED, "value decoding not built yet");
}

int bl_decimal_text(const uint8_t *p, size_t avail, unsigned int precision,
		    unsigned int scale, struct ms_arena *a, const char **text,
		    size_t *textlen, size_t *used, struct ms_err *err)
{
	return MS_ERR(err, MS_EUNSUPPORTED, "decimal decoding not built yet");
}
