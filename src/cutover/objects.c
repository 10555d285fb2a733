/* Triggers and events at a switch (objects.h). Placeholder until the
 * implementation lands: refuses, so nothing pretends to work. */
#include "cutover/objects.h"

int ms_co_objects_check(struct ms_db *src, struct ms_db *tgt, const char *cs,
			const char *schema, json_t *problems,
			struct ms_err *err)
{
	(void)src, (void)tgt, (void)cs, (void)schema, (void)problems;
	return MS_ERR(err, MS_EUNSUPPORTED, "objects: not built yet");
}

int ms_co_objects_to_target(struct ms_db *src, struct ms_db *tgt,
			    const char *cs, const char *schema, uint64_t run_id,
			    struct ms_co_objects_result *res,
			    struct ms_err *err)
{
	(void)src, (void)tgt, (void)cs, (void)schema, (void)run_id, (void)res;
	return MS_ERR(err, MS_EUNSUPPORTED, "objects: not built yet");
}

int ms_co_objects_to_source(struct ms_db *src, struct ms_db *tgt,
			    const char *cs, const char *schema, uint64_t run_id,
			    struct ms_co_objects_result *res,
			    struct ms_err *err)
{
	(void)src, (void)tgt, (void)cs, (void)schema, (void)run_id, (void)res;
	return MS_ERR(err, MS_EUNSUPPORTED, "objects: not built yet");
}
