/* STUB (replaced by the engine): see verify_int.h. */
#include "verify/verify_int.h"

int vf_control_create(struct ms_db *db, const char *cs, struct ms_err *err)
{
	(void)db;
	(void)cs;
	(void)err;
	return 0;
}

int vf_control_create_repairs(struct ms_db *db, const char *cs,
			      struct ms_err *err)
{
	(void)db;
	(void)cs;
	(void)err;
	return 0;
}
