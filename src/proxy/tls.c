/* TLS contexts for the proxy (OpenSSL 3): one server context for clients
 * (certificate chain and key), one client context for the backends (CA
 * verification, optional host name check, optional client certificate).
 * The per-connection side is in conn.c. */
#include "proxy/conn.h"
#include "proxy/tls_int.h"

#include <openssl/err.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int ms_tls_err(struct ms_err *err, int code, const char *what,
	       const char *fallback)
{
	char reasons[MS_ERR_MSG_MAX] = "";
	size_t len = 0;
	unsigned long e;

	while ((e = ERR_get_error()) != 0) {
		char one[256];

		ERR_error_string_n(e, one, sizeof(one));
		if (len + strlen(one) + 3 < sizeof(reasons)) {
			len += (size_t)snprintf(reasons + len,
						sizeof(reasons) - len, "%s%s",
						len ? "; " : "", one);
		}
	}
	return MS_ERR(err, code, "%s: %s", what,
		      len ? reasons : (fallback ? fallback : "unknown error"));
}

/* What both sides share: TLS 1.2 at least, partial writes from a buffer
 * that moves (ms_bq compacts), read-ahead to save a read per record. */
static SSL_CTX *ctx_new(const SSL_METHOD *method)
{
	SSL_CTX *ctx = SSL_CTX_new(method);

	if (!ctx)
		return NULL;
	if (!SSL_CTX_set_min_proto_version(ctx, TLS1_2_VERSION)) {
		SSL_CTX_free(ctx);
		return NULL;
	}
	SSL_CTX_set_mode(ctx, SSL_MODE_ENABLE_PARTIAL_WRITE |
				  SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER);
	SSL_CTX_set_read_ahead(ctx, 1);
	/* MySQL frames its own packets: a peer that drops the socket without
	 * close_notify has simply gone (a read EOF, not a TLS error). */
	SSL_CTX_set_options(ctx, SSL_OP_IGNORE_UNEXPECTED_EOF |
				     SSL_OP_NO_RENEGOTIATION);
	return ctx;
}

static int ctx_cert(SSL_CTX *ctx, const char *cert, const char *key,
		    struct ms_err *err)
{
	char what[600];

	if (SSL_CTX_use_certificate_chain_file(ctx, cert) != 1) {
		snprintf(what, sizeof(what), "TLS certificate %s", cert);
		return ms_tls_err(err, MS_ETLS, what, "cannot load");
	}
	if (SSL_CTX_use_PrivateKey_file(ctx, key, SSL_FILETYPE_PEM) != 1) {
		snprintf(what, sizeof(what), "TLS key %s", key);
		return ms_tls_err(err, MS_ETLS, what, "cannot load");
	}
	if (SSL_CTX_check_private_key(ctx) != 1) {
		snprintf(what, sizeof(what), "TLS key %s", key);
		return ms_tls_err(err, MS_ETLS, what,
				  "does not match the certificate");
	}
	return 0;
}

int ms_tls_server_new(const char *cert, const char *key, struct ms_tls **out,
		      struct ms_err *err)
{
	struct ms_tls *t;
	int rc;

	*out = NULL;
	if (!cert || !key)
		return MS_ERR(err, MS_ECONFIG,
			      "TLS: a server needs both a certificate and a "
			      "key");
	t = calloc(1, sizeof(*t));
	if (!t)
		return MS_ERR(err, MS_ENOMEM, "TLS: out of memory");
	t->server = true;
	t->ctx = ctx_new(TLS_server_method());
	if (!t->ctx) {
		free(t);
		return ms_tls_err(err, MS_ETLS, "TLS server context", NULL);
	}
	rc = ctx_cert(t->ctx, cert, key, err);
	if (rc) {
		ms_tls_free(t);
		return rc;
	}
	*out = t;
	return 0;
}

int ms_tls_client_new(const char *ca, bool verify, bool verify_name,
		      const char *cert, const char *key, struct ms_tls **out,
		      struct ms_err *err)
{
	struct ms_tls *t;
	char what[600];
	int rc;

	*out = NULL;
	if ((cert == NULL) != (key == NULL))
		return MS_ERR(err, MS_ECONFIG,
			      "TLS: a client certificate needs both a "
			      "certificate and a key");
	t = calloc(1, sizeof(*t));
	if (!t)
		return MS_ERR(err, MS_ENOMEM, "TLS: out of memory");
	t->verify = verify;
	t->verify_name = verify && verify_name;
	t->ctx = ctx_new(TLS_client_method());
	if (!t->ctx) {
		free(t);
		return ms_tls_err(err, MS_ETLS, "TLS client context", NULL);
	}
	if (verify) {
		SSL_CTX_set_verify(t->ctx, SSL_VERIFY_PEER, NULL);
		if (ca &&
		    SSL_CTX_load_verify_locations(t->ctx, ca, NULL) != 1) {
			snprintf(what, sizeof(what), "TLS CA file %s", ca);
			ms_tls_free(t);
			return ms_tls_err(err, MS_ETLS, what, "cannot load");
		}
		if (!ca && SSL_CTX_set_default_verify_paths(t->ctx) != 1) {
			ms_tls_free(t);
			return ms_tls_err(err, MS_ETLS, "TLS system CA store",
					  "cannot load");
		}
	} else {
		SSL_CTX_set_verify(t->ctx, SSL_VERIFY_NONE, NULL);
	}
	if (cert) {
		rc = ctx_cert(t->ctx, cert, key, err);
		if (rc) {
			ms_tls_free(t);
			return rc;
		}
	}
	*out = t;
	return 0;
}

void ms_tls_free(struct ms_tls *tls)
{
	if (!tls)
		return;
	SSL_CTX_free(tls->ctx);
	free(tls);
}
