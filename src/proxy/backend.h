/* The backends a proxy routes to ("source", "target") and their health,
 * checked by a thread of its own with blocking libmariadb connections
 * (the event loop never blocks): every <interval_ms> it connects with
 * myshift's credentials if needed and runs SELECT 1 with a short timeout.
 * The loop reads <healthy> and friends without locks (atomics). */
#ifndef MS_PROXY_BACKEND_H
#define MS_PROXY_BACKEND_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

#include "core/err.h"
#include "core/uri.h"

#define MS_BACKEND_SOURCE 0
#define MS_BACKEND_TARGET 1
#define MS_BACKEND_MAX	  2

struct ms_tls;

struct ms_backend {
	int index;		      /* MS_BACKEND_* */
	const char *name;	      /* "source", "target" (static) */
	const struct ms_endpoint *ep; /* borrowed from the config */
	char addr[64];		      /* numeric address, resolved once */
	unsigned port;
	struct ms_tls *tls; /* owned; NULL when ssl-mode DISABLED */
	bool tls_required;  /* REQUIRED or VERIFY_*: no plain fallback */
	/* Health, written by the health thread. */
	atomic_bool healthy;
	atomic_uint_fast64_t checks;
	atomic_uint_fast64_t failures;
	atomic_uint_fast64_t last_ok_ms; /* ms_mono_us()/1000 of the last
					    success */
	char version[96];     /* server version of the first good check;
				 written once before ms_health_start returns */
	char last_error[256]; /* guarded by the health thread's mutex; read
				 with ms_health_last_error */
};

/* Prepares backend <b> from <ep> (borrowed): resolves the host to a numeric
 * address and builds the client TLS context from the ssl-* settings
 * (VERIFY_CA: ssl-ca required; VERIFY_IDENTITY: names checked too).
 * MS_ECONFIG/MS_ECONNECT/MS_ETLS naming the backend. */
int ms_backend_init(struct ms_backend *b, int index,
		    const struct ms_endpoint *ep, struct ms_err *err) MS_WUR;
void ms_backend_free(struct ms_backend *b);

struct ms_health;
/* Checks every backend in <bs> (<n>, borrowed, must outlive the thread)
 * once, blocking, then starts the thread. A source that fails the first
 * check is MS_ECONNECT (the proxy cannot start without it); a target that
 * fails is only marked unhealthy. */
int ms_health_start(struct ms_backend *bs, int n, unsigned interval_ms,
		    struct ms_health **out, struct ms_err *err) MS_WUR;
/* Copies backend <i>'s last error into <buf>. */
void ms_health_last_error(struct ms_health *h, int i, char *buf, size_t size);
void ms_health_stop(struct ms_health *h);

#endif
