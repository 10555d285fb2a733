/* The row applier (apply.h). Work in progress: stubs. */
#include <stdlib.h>

#include "sync/apply.h"

int ms_ap_table_load(struct ms_db *tgt, const char *schema, const char *table,
		     struct ms_ap_table **out, struct ms_err *err)
{
	*out = NULL;
	return MS_ERR(err, MS_EUNSUPPORTED, "sync: applier not built yet");
}

void ms_ap_table_free(struct ms_ap_table *t)
{
	free(t);
}

int ms_ap_session_setup(struct ms_db *tgt, struct ms_err *err)
{
	return MS_ERR(err, MS_EUNSUPPORTED, "sync: applier not built yet");
}

struct ms_ap_batch {
	int unused;
};

struct ms_ap_batch *ms_ap_batch_new(void)
{
	return calloc(1, sizeof(struct ms_ap_batch));
}

void ms_ap_batch_free(struct ms_ap_batch *b)
{
	free(b);
}

int ms_ap_batch_add(struct ms_ap_batch *b, struct ms_db *tgt,
		    const struct ms_ap_table *t, const struct ms_bl_rows *rows,
		    struct ms_err *err)
{
	return MS_ERR(err, MS_EUNSUPPORTED, "sync: applier not built yet");
}

size_t ms_ap_batch_changes(const struct ms_ap_batch *b)
{
	return 0;
}

size_t ms_ap_batch_bytes(const struct ms_ap_batch *b)
{
	return 0;
}

int ms_ap_batch_flush(struct ms_ap_batch *b, struct ms_db *tgt,
		      size_t max_stmt_bytes, uint64_t *statements,
		      struct ms_err *err)
{
	return MS_ERR(err, MS_EUNSUPPORTED, "sync: applier not built yet");
}

void ms_ap_batch_reset(struct ms_ap_batch *b)
{
}
