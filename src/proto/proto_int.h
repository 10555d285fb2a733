/* Internals of the protocol codec shared by its files (src/proto/). */
#ifndef MS_PROTO_PROTO_INT_H
#define MS_PROTO_PROTO_INT_H

#include "proto/proto.h"

/* Limits on what a peer may send in a handshake or COM_CHANGE_USER. */
#define PR_MAX_USER 256
#define PR_MAX_DB   256
#define PR_MAX_AUTH 1024

/* A NUL-terminated string that may also end at the end of the payload
 * (real clients and old servers omit the last NUL). Never sets <bad> for a
 * missing NUL; an already bad reader gives an empty view. */
struct ms_view pr_rd_nulstr_lenient(struct ms_rd *r);

/* The view of a length-encoded string (sets <bad> when it does not fit). */
struct ms_view pr_rd_lenview(struct ms_rd *r);

/* Status and header of the OK packet at <p> (<n> bytes available):
 * header, the two counters, status and warnings only (the info and state
 * are not read). Returns false when the bytes do not hold them. */
bool pr_ok_status(const uint8_t *p, size_t n, uint16_t *status);

/* Rolls <b> back to <len> bytes after a failed multi-part append. */
void pr_buf_truncate(struct ms_buf *b, size_t len);

#endif
