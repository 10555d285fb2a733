/* Placeholder until the table map decoder lands (issue 3, in progress). */
#include "binlog/binlog_int.h"

int bl_table_map_decode(struct ms_bl_decoder *d, const uint8_t *body,
			size_t len, const struct ms_bl_table_map **out,
			struct ms_err *err)
{
	return MS_ERR(err, MS_EUNSUPPORTED, "TABLE_MAP not built yet");
}
