/* Proxy backends and their health thread (src/proxy/backend.c, health.c)
 * against the sandbox: address resolution, the TLS context per ssl-mode,
 * the greeting version, a source that is down refusing the start, a
 * target that is down marked so with its error, and recovery. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "it.h"
#include "core/log.h"
#include "core/uri.h"
#include "db/db.h"
#include "proxy/backend.h"

static void parse(struct ms_endpoint *ep, const char *uri)
{
	struct ms_err err;

	memset(ep, 0, sizeof(*ep));
	if (ms_endpoint_parse(uri, ep, &err))
		fail_msg("%s: %s", uri, err.msg);
}

/* The sandbox's source or target URI with <query> appended and the
 * password from the environment. */
static void sandbox_ep(struct ms_endpoint *ep, const char *role,
		       const char *query)
{
	char uri[1024], env[64], pwenv[64];
	struct ms_err err;

	snprintf(env, sizeof(env), "MYSHIFT_%s", role);
	snprintf(pwenv, sizeof(pwenv), "MYSHIFT_%s_PASSWORD", role);
	snprintf(uri, sizeof(uri), "%s%s", it_env_or_skip(env), query);
	parse(ep, uri);
	assert_int_equal(ms_endpoint_resolve_password(ep, pwenv, NULL, &err),
			 0);
}

static void init_tls_modes(void **state)
{
	char q[512];
	struct ms_endpoint ep;
	struct ms_backend b;
	struct ms_err err;

	(void)state;
	sandbox_ep(&ep, "SOURCE", "");
	assert_int_equal(ms_backend_init(&b, MS_BACKEND_SOURCE, &ep, &err), 0);
	assert_string_equal(b.name, "source");
	assert_string_equal(b.addr, "127.0.0.1");
	assert_int_equal(b.port, ep.port);
	assert_non_null(b.tls); /* PREFERRED */
	assert_false(b.tls_required);
	assert_false(atomic_load(&b.healthy));
	ms_backend_free(&b);
	ms_endpoint_free(&ep);

	sandbox_ep(&ep, "TARGET", "?ssl-mode=DISABLED");
	assert_int_equal(ms_backend_init(&b, MS_BACKEND_TARGET, &ep, &err), 0);
	assert_string_equal(b.name, "target");
	assert_null(b.tls);
	assert_false(b.tls_required);
	ms_backend_free(&b);
	ms_endpoint_free(&ep);

	sandbox_ep(&ep, "TARGET", "?ssl-mode=REQUIRED");
	assert_int_equal(ms_backend_init(&b, MS_BACKEND_TARGET, &ep, &err), 0);
	assert_non_null(b.tls);
	assert_true(b.tls_required);
	ms_backend_free(&b);
	ms_endpoint_free(&ep);

	sandbox_ep(&ep, "TARGET", "?ssl-mode=VERIFY_CA");
	assert_int_equal(ms_backend_init(&b, MS_BACKEND_TARGET, &ep, &err),
			 MS_ECONFIG);
	assert_non_null(strstr(err.msg, "backend target"));
	assert_non_null(strstr(err.msg, "ssl-ca"));
	ms_endpoint_free(&ep);

	snprintf(q, sizeof(q), "?ssl-mode=VERIFY_IDENTITY&ssl-ca=%s",
		 it_env_or_skip("MYSHIFT_SANDBOX_CA"));
	sandbox_ep(&ep, "TARGET", q);
	assert_int_equal(ms_backend_init(&b, MS_BACKEND_TARGET, &ep, &err), 0);
	assert_non_null(b.tls);
	assert_true(b.tls_required);
	ms_backend_free(&b);
	ms_endpoint_free(&ep);

	snprintf(q, sizeof(q),
		 "?ssl-mode=VERIFY_CA&ssl-ca=/nonexistent/ca.pem");
	sandbox_ep(&ep, "TARGET", q);
	assert_int_equal(ms_backend_init(&b, MS_BACKEND_TARGET, &ep, &err),
			 MS_ETLS);
	assert_non_null(strstr(err.msg, "/nonexistent/ca.pem"));
	ms_endpoint_free(&ep);

	parse(&ep, "mysql://u@localhost:3306");
	assert_int_equal(ms_backend_init(&b, MS_BACKEND_SOURCE, &ep, &err), 0);
	assert_true(!strcmp(b.addr, "127.0.0.1") || !strcmp(b.addr, "::1"));
	ms_backend_free(&b);
	ms_endpoint_free(&ep);

	parse(&ep, "mysql://u@no-such-host.invalid");
	assert_int_equal(ms_backend_init(&b, MS_BACKEND_SOURCE, &ep, &err),
			 MS_ECONNECT);
	assert_non_null(strstr(err.msg, "no-such-host.invalid"));
	ms_endpoint_free(&ep);
}

static void health_both_up(void **state)
{
	struct ms_endpoint s, t;
	struct ms_backend bs[2];
	struct ms_health *h;
	struct ms_err err;
	char buf[256];
	uint64_t checks;

	(void)state;
	sandbox_ep(&s, "SOURCE", "");
	sandbox_ep(&t, "TARGET", "");
	assert_int_equal(ms_backend_init(&bs[0], MS_BACKEND_SOURCE, &s, &err),
			 0);
	assert_int_equal(ms_backend_init(&bs[1], MS_BACKEND_TARGET, &t, &err),
			 0);
	assert_int_equal(ms_health_start(bs, 2, 50, &h, &err), 0);
	assert_true(atomic_load(&bs[0].healthy));
	assert_true(atomic_load(&bs[1].healthy));
	/* The sandbox runs MariaDB 10: its greeting says 5.5.5-10.x. */
	if (strncmp(bs[0].version, "5.5.5-10.", 9) != 0 ||
	    !strstr(bs[0].version, "MariaDB"))
		fail_msg("source version '%s'", bs[0].version);
	assert_string_equal(bs[0].version, bs[1].version);
	assert_true(atomic_load(&bs[0].last_ok_ms) > 0);
	checks = atomic_load(&bs[1].checks);
	usleep(400000);
	assert_true(atomic_load(&bs[1].checks) >= checks + 3);
	assert_int_equal(atomic_load(&bs[1].failures), 0);
	ms_health_last_error(h, 1, buf, sizeof(buf));
	assert_string_equal(buf, "");
	ms_health_stop(h);
	ms_backend_free(&bs[0]);
	ms_backend_free(&bs[1]);
	ms_endpoint_free(&s);
	ms_endpoint_free(&t);
}

static void admin_exec(const char *sql)
{
	struct ms_endpoint ep;
	struct ms_db *db;
	struct ms_err err;

	parse(&ep, it_env_or_skip("MYSHIFT_TARGET_ADMIN"));
	if (ms_db_connect(&ep, NULL, &db, &err) || ms_db_exec(db, sql, &err))
		fail_msg("%s: %s", sql, err.msg);
	ms_db_close(db);
	ms_endpoint_free(&ep);
}

static void health_down_and_recovery(void **state)
{
	struct ms_endpoint s, t, dead;
	struct ms_backend bs[2];
	struct ms_health *h;
	struct ms_err err;
	char uri[512], buf[256];
	int i;

	(void)state;
	/* A target user whose password does not match yet. */
	admin_exec("DROP USER IF EXISTS 'px_health'@'%'");
	admin_exec("CREATE USER 'px_health'@'%' IDENTIFIED BY 'old-pw'");
	snprintf(uri, sizeof(uri), "mysql://px_health:new-pw@%s",
		 strchr(it_env_or_skip("MYSHIFT_TARGET"), '@') + 1);
	parse(&t, uri);
	sandbox_ep(&s, "SOURCE", "");
	assert_int_equal(ms_backend_init(&bs[0], MS_BACKEND_SOURCE, &s, &err),
			 0);
	assert_int_equal(ms_backend_init(&bs[1], MS_BACKEND_TARGET, &t, &err),
			 0);
	assert_int_equal(ms_health_start(bs, 2, 50, &h, &err), 0);
	assert_true(atomic_load(&bs[0].healthy));
	assert_false(atomic_load(&bs[1].healthy));
	assert_true(atomic_load(&bs[1].failures) >= 1);
	assert_string_equal(bs[1].version, "");
	ms_health_last_error(h, 1, buf, sizeof(buf));
	if (!strstr(buf, "px_health") || strstr(buf, "new-pw"))
		fail_msg("last error '%s'", buf);

	admin_exec("ALTER USER 'px_health'@'%' IDENTIFIED BY 'new-pw'");
	for (i = 0; i < 100 && !atomic_load(&bs[1].healthy); i++)
		usleep(20000);
	assert_true(atomic_load(&bs[1].healthy));
	ms_health_stop(h);
	ms_backend_free(&bs[0]);
	ms_backend_free(&bs[1]);
	ms_endpoint_free(&t);
	admin_exec("DROP USER IF EXISTS 'px_health'@'%'");

	/* A source nobody answers for: the proxy cannot start. */
	parse(&dead, "mysql://myshift:x@127.0.0.1:1");
	assert_int_equal(
	    ms_backend_init(&bs[0], MS_BACKEND_SOURCE, &dead, &err), 0);
	ms_err_clear(&err);
	assert_int_equal(ms_health_start(bs, 1, 50, &h, &err), MS_ECONNECT);
	assert_null(h);
	assert_non_null(strstr(err.msg, "backend source"));
	ms_backend_free(&bs[0]);
	ms_endpoint_free(&dead);
	ms_endpoint_free(&s);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(init_tls_modes),
	    cmocka_unit_test(health_both_up),
	    cmocka_unit_test(health_down_and_recovery),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
