/* Placeholder until the binary JSON decoder lands (issue 3, in progress). */
#include "binlog/binlog_int.h"

int bl_jsonb_text(const uint8_t *p, size_t len, struct ms_arena *a,
		  const char **text, size_t *textlen, struct ms_err *err)
{
	return MS_ERR(err, MS_EUNSUPPORTED, "binary JSON not built yet");
}

int bl_json_diffs(const uint8_t *p, size_t len, struct ms_arena *a,
		  struct ms_bl_json_diff **diffs, uint32_t *ndiffs,
		  struct ms_err *err)
{
	return MS_ERR(err, MS_EUNSUPPORTED, "JSON diffs not built yet");
}
