/* Control requests and the handover set (sync.h). Placeholder until the
 * implementation lands: refuses, so nothing pretends to work. */
#include "sync/sync.h"

int ms_sync_request_stop_db(struct ms_db *apply_db, const char *cs,
			    bool reverse, struct ms_err *err)
{
	(void)apply_db, (void)cs, (void)reverse;
	return MS_ERR(err, MS_EUNSUPPORTED, "sync requests: not built yet");
}

int ms_sync_clear_request(struct ms_db *apply_db, const char *cs, bool reverse,
			  struct ms_err *err)
{
	(void)apply_db, (void)cs, (void)reverse;
	return MS_ERR(err, MS_EUNSUPPORTED, "sync requests: not built yet");
}

int ms_sync_handover_create(struct ms_db *target, const char *cs,
			    struct ms_err *err)
{
	(void)target, (void)cs;
	return MS_ERR(err, MS_EUNSUPPORTED, "handover: not built yet");
}
