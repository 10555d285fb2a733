/* STUB (replaced by the engine): see verify.h. */
#include <stdlib.h>
#include <string.h>

#include "verify/verify_int.h"

bool ms_verify_differences_remain(const struct ms_verify_result *res)
{
	const struct ms_verify_counts *c =
	    res->repair_done ? &res->after : &res->found;

	return res->schema_differences || c->mismatched_chunks || c->missing_on_target ||
	       c->extra_on_target || c->different;
}

int ms_verify_run(const struct ms_verify_opts *opts,
		  struct ms_verify_result *res, struct ms_err *err)
{
	(void)opts;
	(void)res;
	return MS_ERR(err, MS_EUNSUPPORTED, "verify: not built yet");
}

void ms_verify_result_free(struct ms_verify_result *res)
{
	(void)res;
}

void ms_verify_request_stop(void)
{
}

int ms_verify_last(struct ms_db *db, const char *cs,
		   struct ms_verify_result *res, bool *clean, char *finished_at,
		   size_t finished_at_len, struct ms_err *err)
{
	(void)db;
	(void)cs;
	(void)res;
	(void)clean;
	(void)finished_at;
	(void)finished_at_len;
	return MS_ERR(err, MS_ENOTFOUND, "no verify run recorded");
}
