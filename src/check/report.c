/* The check report: items, counts and the text and JSON renderings. */
#include "check/check.h"

#include <jansson.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "core/buf.h"
#include "core/log.h"

static const char *const status_names[] = {"PASS", "WARN", "FAIL"};

const char *ms_check_status_name(enum ms_check_status status)
{
	return status_names[status];
}

int ms_check_add(struct ms_check_report *rep, const char *side,
		 const char *name, enum ms_check_status status, const char *fix,
		 const char *fmt, ...)
{
	struct ms_check_item *v, *it;
	struct ms_buf msg;
	va_list ap;
	int rc;

	ms_buf_init(&msg, 64 * 1024);
	va_start(ap, fmt);
	rc = ms_buf_vaddf(&msg, fmt, ap);
	va_end(ap);
	if (rc) {
		ms_buf_free(&msg);
		return MS_ENOMEM;
	}
	v = realloc(rep->items, (rep->n + 1) * sizeof(*v));
	if (!v) {
		ms_buf_free(&msg);
		return MS_ENOMEM;
	}
	rep->items = v;
	it = &v[rep->n];
	it->side = side;
	it->status = status;
	it->name = strdup(name);
	it->message = ms_buf_take(&msg);
	it->fix = fix && status != MS_CHECK_PASS ? strdup(fix) : NULL;
	if (!it->name || !it->message ||
	    (fix && status != MS_CHECK_PASS && !it->fix)) {
		free(it->name);
		free(it->message);
		free(it->fix);
		return MS_ENOMEM;
	}
	rep->n++;
	return 0;
}

size_t ms_check_count(const struct ms_check_report *rep,
		      enum ms_check_status status)
{
	size_t i, n = 0;

	for (i = 0; i < rep->n; i++)
		n += rep->items[i].status == status;
	return n;
}

void ms_check_print_text(const struct ms_check_report *rep,
			 const char *source_uri, const char *target_uri,
			 FILE *f)
{
	static const char *const sides[] = {"source", "target", "both"};
	size_t s, i, fails = ms_check_count(rep, MS_CHECK_FAIL);

	ms_print_safe(
	    f, "myshift check\n  source  %s  %s\n  target  %s  %s\n",
	    source_uri, rep->source_version ? rep->source_version : "?",
	    target_uri, rep->target_version ? rep->target_version : "?");
	for (s = 0; s < 3; s++) {
		ms_print_safe(f, "\n%s\n",
			      s == 2 ? "source and target" : sides[s]);
		for (i = 0; i < rep->n; i++) {
			const struct ms_check_item *it = &rep->items[i];

			if (strcmp(it->side, sides[s]) != 0)
				continue;
			ms_print_safe(f, "  %s  %-24s %s%s%s\n",
				      status_names[it->status], it->name,
				      it->message, it->fix ? "; fix: " : "",
				      it->fix ? it->fix : "");
		}
	}
	ms_print_safe(
	    f, "\nresult: %s: %zu failed, %zu warnings, %zu passed%s\n",
	    fails ? "FAIL" : "OK", fails, ms_check_count(rep, MS_CHECK_WARN),
	    ms_check_count(rep, MS_CHECK_PASS),
	    fails ? "; fix the FAIL items before a migration starts"
		  : "; a migration can start");
}

static json_t *endpoint_json(const char *uri, const char *version)
{
	return json_pack("{s:s, s:s?}", "uri", uri, "version", version);
}

static json_t *items_json(const struct ms_check_report *rep)
{
	json_t *arr = json_array();
	size_t i;

	for (i = 0; arr && i < rep->n; i++) {
		const struct ms_check_item *it = &rep->items[i];
		json_t *o = json_pack("{s:s, s:s, s:s, s:s, s:s?}", "side",
				      it->side, "name", it->name, "status",
				      status_names[it->status], "message",
				      it->message, "fix", it->fix);

		if (!o || json_array_append_new(arr, o)) {
			json_decref(arr);
			return NULL;
		}
	}
	return arr;
}

int ms_check_print_json(const struct ms_check_report *rep,
			const char *source_uri, const char *target_uri, FILE *f)
{
	json_t *root;
	char *text;

	root =
	    json_pack("{s:b, s:o, s:o, s:{s:I, s:I, s:I}, s:o}", "ok",
		      ms_check_count(rep, MS_CHECK_FAIL) == 0, "source",
		      endpoint_json(source_uri, rep->source_version), "target",
		      endpoint_json(target_uri, rep->target_version), "summary",
		      "pass", (json_int_t)ms_check_count(rep, MS_CHECK_PASS),
		      "warn", (json_int_t)ms_check_count(rep, MS_CHECK_WARN),
		      "fail", (json_int_t)ms_check_count(rep, MS_CHECK_FAIL),
		      "checks", items_json(rep));
	if (!root)
		return MS_ENOMEM;
	text = json_dumps(root, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
	json_decref(root);
	if (!text)
		return MS_ENOMEM;
	ms_print_safe(f, "%s\n", text);
	free(text);
	return 0;
}

void ms_check_report_free(struct ms_check_report *rep)
{
	size_t i;

	for (i = 0; i < rep->n; i++) {
		free(rep->items[i].name);
		free(rep->items[i].message);
		free(rep->items[i].fix);
	}
	free(rep->items);
	free(rep->source_version);
	free(rep->target_version);
	memset(rep, 0, sizeof(*rep));
}
