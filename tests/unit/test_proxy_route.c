/* Unit tests for proxy routes: spec grammar and its errors, wildcard
 * patterns, first-match order and the implied default route. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <string.h>

#include "proxy/backend.h"
#include "proxy/route.h"

static void patterns(void **state)
{
	(void)state;
	assert_true(ms_pattern_match("abc", "abc"));
	assert_false(ms_pattern_match("abc", "abd"));
	assert_false(ms_pattern_match("abc", "ab"));
	assert_false(ms_pattern_match("ab", "abc"));
	assert_true(ms_pattern_match("%", ""));
	assert_true(ms_pattern_match("%", "anything"));
	assert_true(ms_pattern_match("app_%", "app_1"));
	assert_true(ms_pattern_match("app_%", "appX"));
	assert_false(ms_pattern_match("app_%", "app"));
	assert_true(ms_pattern_match("app\\_%", "app_1"));
	assert_false(ms_pattern_match("app\\_%", "appX1"));
	assert_true(ms_pattern_match("a\\%b", "a%b"));
	assert_false(ms_pattern_match("a\\%b", "axb"));
	assert_true(ms_pattern_match("%tenant%", "my_tenant_42"));
	assert_true(ms_pattern_match("%a%b%c", "xxaybbzzc"));
	assert_false(ms_pattern_match("%a%b%c", "xxaybbzz"));
	assert_true(ms_pattern_match("t%%_", "tx"));
	assert_false(ms_pattern_match("t%%_", "t"));
	/* Byte for byte: case matters. */
	assert_false(ms_pattern_match("App", "app"));
	assert_true(ms_pattern_match("a\\", "a\\"));
	assert_false(ms_pattern_match(NULL, "a"));
}

static void parse_and_match(void **state)
{
	const char *specs[] = {
	    "billing user=billing% backend=target",
	    "tenants schema=tenant\\_% backend=target",
	    "  reports\tuser=rep  schema=r%   backend=source ",
	    NULL,
	};
	struct ms_routes rs;
	struct ms_err err;
	struct ms_route *r;

	(void)state;
	assert_int_equal(ms_routes_parse(specs, true, &rs, &err), 0);
	assert_int_equal(rs.n, 4);
	assert_string_equal(rs.v[3].name, "default");
	assert_int_equal(rs.v[3].backend, MS_BACKEND_SOURCE);
	assert_string_equal(rs.v[2].name, "reports");
	assert_string_equal(rs.v[2].user, "rep");
	assert_string_equal(rs.v[2].schema, "r%");

	r = ms_routes_match(&rs, "billing_app", "");
	assert_string_equal(r->name, "billing");
	assert_int_equal(r->backend, MS_BACKEND_TARGET);
	r = ms_routes_match(&rs, "billing_app", "tenant_1");
	assert_string_equal(r->name, "billing"); /* first match wins */
	r = ms_routes_match(&rs, "web", "tenant_1");
	assert_string_equal(r->name, "tenants");
	r = ms_routes_match(&rs, "web", "tenantX1");
	assert_string_equal(r->name, "default");
	r = ms_routes_match(&rs, "rep", "reporting");
	assert_string_equal(r->name, "reports");
	r = ms_routes_match(&rs, "rep", "");
	assert_string_equal(r->name, "default");
	r = ms_routes_match(&rs, NULL, NULL);
	assert_string_equal(r->name, "default");
	assert_ptr_equal(ms_routes_find(&rs, "tenants"), &rs.v[1]);
	assert_null(ms_routes_find(&rs, "nope"));
	ms_routes_free(&rs);
	assert_null(rs.v);
}

static void no_specs_is_default_only(void **state)
{
	struct ms_routes rs;
	struct ms_err err;

	(void)state;
	assert_int_equal(ms_routes_parse(NULL, false, &rs, &err), 0);
	assert_int_equal(rs.n, 1);
	assert_string_equal(ms_routes_match(&rs, "u", "s")->name, "default");
	ms_routes_free(&rs);
}

static void named_default_kept_last(void **state)
{
	const char *specs[] = {"default backend=target",
			       "app user=app backend=source", NULL};
	struct ms_routes rs;
	struct ms_err err;

	(void)state;
	assert_int_equal(ms_routes_parse(specs, true, &rs, &err), 0);
	assert_int_equal(rs.n, 2);
	assert_string_equal(rs.v[0].name, "app");
	assert_string_equal(rs.v[1].name, "default");
	assert_int_equal(rs.v[1].backend, MS_BACKEND_TARGET);
	assert_string_equal(ms_routes_match(&rs, "app", "")->name, "app");
	assert_string_equal(ms_routes_match(&rs, "x", "")->name, "default");
	ms_routes_free(&rs);
}

static void expect_error(const char *spec, bool target, const char *needle)
{
	const char *specs[] = {"ok backend=source", spec, NULL};
	struct ms_routes rs;
	struct ms_err err;

	ms_err_clear(&err);
	assert_int_equal(ms_routes_parse(specs, target, &rs, &err), MS_ECONFIG);
	if (!strstr(err.msg, needle) || !strstr(err.msg, spec))
		fail_msg("'%s': message '%s' lacks '%s' or the spec", spec,
			 err.msg, needle);
	assert_null(rs.v);
}

static void errors(void **state)
{
	char longname[MS_ROUTE_NAME_MAX + 20], longpat[MS_ROUTE_PAT_MAX + 40];

	(void)state;
	expect_error("r1 user=a", true, "missing backend");
	expect_error("r1 backend=replica", true, "unknown backend 'replica'");
	expect_error("r1 backend=target", false, "no target");
	expect_error("r1 host=x backend=source", true, "unknown key 'host'");
	expect_error("r1 user backend=source", true, "unknown key 'user'");
	expect_error("r1 user= backend=source", true, "empty user=");
	expect_error("r1 user=a user=b backend=source", true, "given twice");
	expect_error("ok backend=target", true, "used twice");
	expect_error("user=a backend=source", true, "name comes first");
	expect_error("r/1 backend=source", true, "may hold only");
	expect_error("   ", true, "no name");
	expect_error("default user=a backend=source", true, "every session");
	memset(longname, 'n', sizeof(longname) - 1);
	longname[sizeof(longname) - 1] = '\0';
	expect_error(longname, true, "longer than");
	snprintf(longpat, sizeof(longpat), "r2 backend=source schema=%0*d",
		 MS_ROUTE_PAT_MAX + 1, 7);
	expect_error(longpat, true, "longer than 128");
	{
		const char *two[] = {"default backend=source",
				     "default backend=target", NULL};
		struct ms_routes rs;
		struct ms_err err;

		assert_int_equal(ms_routes_parse(two, true, &rs, &err),
				 MS_ECONFIG);
		assert_non_null(strstr(err.msg, "used twice"));
	}
}

static void backend_names(void **state)
{
	(void)state;
	assert_int_equal(ms_backend_parse("source"), MS_BACKEND_SOURCE);
	assert_int_equal(ms_backend_parse("target"), MS_BACKEND_TARGET);
	assert_int_equal(ms_backend_parse("Target"), -1);
	assert_int_equal(ms_backend_parse(""), -1);
	assert_int_equal(ms_backend_parse(NULL), -1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(patterns),
	    cmocka_unit_test(parse_and_match),
	    cmocka_unit_test(no_specs_is_default_only),
	    cmocka_unit_test(named_default_kept_last),
	    cmocka_unit_test(errors),
	    cmocka_unit_test(backend_names),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
