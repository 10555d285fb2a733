/* STUB (replaced by repair): see verify_int.h. */
#include "verify/verify_int.h"

int vf_repair(struct vf_run *r, struct vf_table *t, struct ms_db *src,
	      struct ms_db *tgt, struct vf_diffs *d, uint64_t *rows,
	      struct ms_err *err)
{
	(void)r;
	(void)t;
	(void)src;
	(void)tgt;
	(void)d;
	(void)rows;
	return MS_ERR(err, MS_EUNSUPPORTED, "repair: not built yet");
}
