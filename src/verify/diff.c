/* STUB (replaced by the row-level diff): see verify_int.h. */
#include "verify/verify_int.h"

void vf_diffs_free(struct vf_diffs *d, size_t ncols)
{
	(void)d;
	(void)ncols;
}

int vf_diff_range(struct vf_run *r, struct vf_table *t, struct ms_db *src,
		  struct ms_db *tgt, const char *lo, const char *hi,
		  struct vf_diffs *out, struct ms_err *err)
{
	(void)r;
	(void)t;
	(void)src;
	(void)tgt;
	(void)lo;
	(void)hi;
	(void)out;
	return MS_ERR(err, MS_EUNSUPPORTED, "row-level diff: not built yet");
}
