/* Backends: the numeric address resolved once at start (the event loop
 * must never call getaddrinfo) and the client TLS context its ssl-mode
 * asks for. Health checks are in health.c. */
#include <netdb.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>

#include "proxy/backend.h"
#include "proxy/conn.h"

static int resolve(struct ms_backend *b, struct ms_err *err)
{
	struct addrinfo hints, *res = NULL;
	int rc;

	memset(&hints, 0, sizeof(hints));
	hints.ai_family = AF_UNSPEC;
	hints.ai_socktype = SOCK_STREAM;
	rc = getaddrinfo(b->ep->host, NULL, &hints, &res);
	if (rc || !res)
		return MS_ERR(err, MS_ECONNECT,
			      "backend %s: cannot resolve host '%s': %s",
			      b->name, b->ep->host,
			      rc ? gai_strerror(rc) : "no address");
	rc = getnameinfo(res->ai_addr, res->ai_addrlen, b->addr,
			 sizeof(b->addr), NULL, 0, NI_NUMERICHOST);
	freeaddrinfo(res);
	if (rc)
		return MS_ERR(err, MS_ECONNECT,
			      "backend %s: cannot format the address of '%s': "
			      "%s",
			      b->name, b->ep->host, gai_strerror(rc));
	return 0;
}

/* The client TLS context ssl-mode asks for (MySQL's client semantics):
 * DISABLED none; PREFERRED and REQUIRED encrypt without checking the
 * certificate (PREFERRED falls back to plain when the server has no TLS);
 * VERIFY_CA checks the chain against ssl-ca; VERIFY_IDENTITY also the
 * host name (ssl-ca or, without it, the system store). */
static int tls_for(struct ms_backend *b, struct ms_err *err)
{
	const struct ms_endpoint *ep = b->ep;
	bool verify = false, names = false;
	int rc;

	switch (ep->ssl_mode) {
	case MS_SSL_DISABLED:
		return 0;
	case MS_SSL_PREFERRED:
		break;
	case MS_SSL_REQUIRED:
		b->tls_required = true;
		break;
	case MS_SSL_VERIFY_CA:
		if (!ep->ssl_ca)
			return MS_ERR(err, MS_ECONFIG,
				      "backend %s: ssl-mode=VERIFY_CA needs "
				      "ssl-ca",
				      b->name);
		b->tls_required = verify = true;
		break;
	case MS_SSL_VERIFY_IDENTITY:
		b->tls_required = verify = names = true;
		break;
	default:
		return MS_ERR(err, MS_ECONFIG, "backend %s: unknown ssl-mode",
			      b->name);
	}
	rc = ms_tls_client_new(verify ? ep->ssl_ca : NULL, verify, names,
			       ep->ssl_cert, ep->ssl_key, &b->tls, err);
	if (rc)
		ms_err_prefix(err, "backend %s", b->name);
	return rc;
}

int ms_backend_init(struct ms_backend *b, int index,
		    const struct ms_endpoint *ep, struct ms_err *err)
{
	int rc;

	memset(b, 0, sizeof(*b));
	b->index = index;
	b->name = index == MS_BACKEND_SOURCE ? "source" : "target";
	b->ep = ep;
	atomic_init(&b->healthy, false);
	atomic_init(&b->checks, 0);
	atomic_init(&b->failures, 0);
	atomic_init(&b->last_ok_ms, 0);
	if (index < 0 || index >= MS_BACKEND_MAX)
		return MS_ERR(err, MS_EINVAL, "backend index %d", index);
	if (!ep || !ep->host || !*ep->host)
		return MS_ERR(err, MS_ECONFIG, "backend %s: no host", b->name);
	b->port = ep->port ? ep->port : MS_DEFAULT_PORT;
	rc = resolve(b, err);
	rc = rc ? rc : tls_for(b, err);
	if (rc)
		ms_backend_free(b);
	return rc;
}

void ms_backend_free(struct ms_backend *b)
{
	if (!b)
		return;
	ms_tls_free(b->tls);
	b->tls = NULL;
}
