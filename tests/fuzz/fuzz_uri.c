/* Fuzzes the endpoint URI parser. Besides "no crash, no leak", checks that
 * a parsed endpoint survives ms_endpoint_format -> ms_endpoint_parse
 * unchanged (minus the password), which exercises percent-encoding and
 * IPv6 brackets both ways, and that the display form does not depend on
 * the password. */
#include <stdlib.h>
#include <string.h>

#include "core/buf.h"
#include "core/log.h"
#include "core/uri.h"
#include "fuzz.h"

static int same(const char *a, const char *b)
{
	if (!a || !b)
		return a == b;
	return strcmp(a, b) == 0;
}

static void check_round_trip(const struct ms_endpoint *ep)
{
	struct ms_endpoint back;
	struct ms_buf b;

	ms_buf_init(&b, 4 * MS_URI_MAX);
	if (ms_endpoint_format(ep, &b) != 0)
		abort();
	if (b.len <= MS_URI_MAX) {
		if (ms_endpoint_parse(ms_buf_str(&b), &back, NULL) != 0)
			abort();
		if (!same(ep->user, back.user) || !same(ep->host, back.host) ||
		    !same(ep->db, back.db) || !same(ep->ssl_ca, back.ssl_ca) ||
		    !same(ep->ssl_cert, back.ssl_cert) ||
		    !same(ep->ssl_key, back.ssl_key) || ep->port != back.port ||
		    ep->ssl_mode != back.ssl_mode ||
		    ep->connect_timeout_s != back.connect_timeout_s ||
		    ep->read_timeout_s != back.read_timeout_s ||
		    ep->write_timeout_s != back.write_timeout_s ||
		    back.has_password)
			abort();
		ms_endpoint_free(&back);
	}
	ms_buf_free(&b);
}

/* The display form must not depend on the password at all. */
static void check_password_independent(struct ms_endpoint *ep)
{
	struct ms_buf a, b;
	char *saved = ep->password;
	bool had = ep->has_password;
	char other[] = "other-password";

	ms_buf_init(&a, 4 * MS_URI_MAX);
	ms_buf_init(&b, 4 * MS_URI_MAX);
	ep->password = other;
	ep->has_password = true;
	if (ms_endpoint_format(ep, &a) != 0)
		abort();
	ep->password = saved;
	ep->has_password = had;
	if (ms_endpoint_format(ep, &b) != 0)
		abort();
	if (strcmp(ms_buf_str(&a), ms_buf_str(&b)) != 0)
		abort();
	ms_buf_free(&a);
	ms_buf_free(&b);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct ms_endpoint ep;
	struct ms_err err;
	char *s = malloc(size + 1);

	if (!s)
		return 0;
	memcpy(s, data, size);
	s[size] = '\0';
	if (ms_endpoint_parse(s, &ep, &err) == 0) {
		/* without registered secrets the redactor leaves the display
		 * form alone, so it must parse back exactly */
		ms_log_secrets_clear();
		check_round_trip(&ep);
		check_password_independent(&ep);
		ms_endpoint_free(&ep);
	} else if (strncmp(err.msg, "uri: ", 5) != 0) {
		abort(); /* every error names its origin */
	}
	ms_log_secrets_clear();
	free(s);
	return 0;
}
