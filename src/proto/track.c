/* Walking the session-state block of an OK packet. See proto.h. */
#include <string.h>

#include "proto/proto_int.h"

static const char *track_name(unsigned type)
{
	switch (type) {
	case MS_TRACK_SYSTEM_VARIABLES:
		return "system variable";
	case MS_TRACK_SCHEMA:
		return "schema";
	case MS_TRACK_STATE_CHANGE:
		return "state change";
	case MS_TRACK_GTIDS:
		return "GTIDs";
	case MS_TRACK_TRANSACTION_CHARACTERISTICS:
		return "transaction characteristics";
	case MS_TRACK_TRANSACTION_STATE:
		return "transaction state";
	default:
		return "unknown";
	}
}

/* Reads the data of one entry (<d>, borrowed) into <t> by its type. */
static void track_data(struct ms_rd *d, struct ms_track *t)
{
	switch (t->type) {
	case MS_TRACK_SYSTEM_VARIABLES:
		t->name = pr_rd_lenview(d);
		t->value = pr_rd_lenview(d);
		break;
	case MS_TRACK_SCHEMA:
		t->name = pr_rd_lenview(d);
		break;
	case MS_TRACK_GTIDS:
		(void)ms_rd_u8(d); /* encoding specification */
		t->value = pr_rd_lenview(d);
		break;
	case MS_TRACK_TRANSACTION_CHARACTERISTICS:
	case MS_TRACK_TRANSACTION_STATE:
		t->value = pr_rd_lenview(d);
		break;
	default: /* STATE_CHANGE ("1"), unknown types: the raw data */
		t->value.p = ms_rd_rest(d, &t->value.n);
		break;
	}
}

int ms_proto_track_next(const struct ms_view *state, size_t *off,
			struct ms_track *t, struct ms_err *err)
{
	struct ms_rd r, d;
	struct ms_view data;
	unsigned type;

	memset(t, 0, sizeof(*t));
	if (*off >= state->n)
		return 0;
	ms_rd_init(&r, state->p + *off, state->n - *off);
	type = ms_rd_u8(&r);
	data = pr_rd_lenview(&r);
	if (r.bad)
		return MS_ERR(err, MS_ECORRUPT,
			      "OK packet: session state entry (%s) at offset "
			      "%zu truncated",
			      track_name(type), *off);
	t->type = (enum ms_track_type)type;
	t->name.p = t->value.p = data.p;
	ms_rd_init(&d, data.p, data.n);
	track_data(&d, t);
	if (d.bad)
		return MS_ERR(err, MS_ECORRUPT,
			      "OK packet: session state entry (%s) at offset "
			      "%zu has malformed data",
			      track_name(type), *off);
	*off += r.off;
	return 1;
}
