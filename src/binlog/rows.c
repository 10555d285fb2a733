/* Placeholder until the rows decoder lands (issue 3, in progress). */
#include "binlog/binlog_int.h"

int bl_rows_decode(struct ms_bl_decoder *d, struct ms_arena *a,
		   unsigned int type, const uint8_t *body, size_t len,
		   struct ms_bl_rows *out, struct ms_err *err)
{
	return MS_ERR(err, MS_EUNSUPPORTED, "rows events not built yet");
}
