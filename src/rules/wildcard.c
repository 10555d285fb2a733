/* DMS wildcard matching ('%', '_', '[...]') and the "schema.table" shortcut
 * splitter. Names are UTF-8: '_' and class members stand for one character
 * (code point), not one byte; bytes that are not valid UTF-8 count as one
 * character each. Matching is case-sensitive, as DMS documents. */
#include <stdint.h>
#include <string.h>

#include "rules/rules_int.h"

/* Decodes the character at <s> (non-empty) into <cp>; returns its length. */
static size_t u8_next(const char *s, uint32_t *cp)
{
	const unsigned char *u = (const unsigned char *)s;
	size_t n, i;
	uint32_t v;

	if (u[0] < 0x80) {
		*cp = u[0];
		return 1;
	}
	if (u[0] >= 0xc2 && u[0] < 0xe0)
		n = 2;
	else if (u[0] >= 0xe0 && u[0] < 0xf0)
		n = 3;
	else if (u[0] >= 0xf0 && u[0] < 0xf5)
		n = 4;
	else
		n = 0;
	v = n == 2 ? (u[0] & 0x1fu) : n == 3 ? (u[0] & 0x0fu) : (u[0] & 0x07u);
	for (i = 1; i < n; i++) {
		if ((u[i] & 0xc0) != 0x80) { /* also stops at NUL */
			n = 0;
			break;
		}
		v = (v << 6) | (u[i] & 0x3fu);
	}
	if (n == 0) {
		*cp = u[0];
		return 1;
	}
	*cp = v;
	return n;
}

/* Length of the class starting at <p> ('['), through its ']', or 0 when
 * there is no closing ']' (the '[' is then an ordinary character). A ']'
 * right after "[" or "[^" is a member. */
static size_t class_len(const char *p)
{
	const char *q = p + 1;

	if (*q == '^')
		q++;
	if (*q == ']')
		q++;
	q = strchr(q, ']');
	return q ? (size_t)(q - p) + 1 : 0;
}

/* Does the class <p> (<len> bytes, from class_len) hold <c>? */
static bool class_has(const char *p, size_t len, uint32_t c)
{
	const char *end = p + len - 1; /* the closing ']' */
	const char *q = p + 1;
	bool neg = false, hit = false;
	uint32_t lo, hi;

	if (*q == '^') {
		neg = true;
		q++;
	}
	while (q < end) {
		q += u8_next(q, &lo);
		hi = lo;
		if (q + 1 < end && *q == '-') {
			q++;
			q += u8_next(q, &hi);
		}
		if (c >= lo && c <= hi)
			hit = true;
	}
	return hit != neg;
}

/* If the pattern token at <p> (not '%', not empty) matches the character at
 * <n> (not empty), returns the token's length and stores the character's
 * in <nlen>; returns 0 otherwise. */
static size_t token_match(const char *p, const char *n, size_t *nlen)
{
	uint32_t pc, nc;
	size_t plen, clen;

	*nlen = u8_next(n, &nc);
	if (*p == '_')
		return 1;
	if (*p == '[' && (clen = class_len(p)) != 0)
		return class_has(p, clen, nc) ? clen : 0;
	plen = u8_next(p, &pc);
	return plen == *nlen && memcmp(p, n, plen) == 0 ? plen : 0;
}

bool ms_rules_wildcard_match(const char *pattern, const char *name)
{
	const char *p = pattern, *n = name;
	const char *star_p = NULL, *star_n = NULL;
	size_t plen, nlen;
	uint32_t cp;

	/* Classic single-backtrack matcher: every token but '%' consumes one
	 * character, so only the last '%' needs revisiting (linear memory,
	 * O(len(p) * len(n)) time, no recursion). */
	while (*n) {
		if (*p == '%') {
			while (*p == '%')
				p++;
			if (!*p)
				return true;
			star_p = p;
			star_n = n;
			continue;
		}
		if (*p && (plen = token_match(p, n, &nlen)) != 0) {
			p += plen;
			n += nlen;
			continue;
		}
		if (!star_p)
			return false;
		star_n += u8_next(star_n, &cp);
		n = star_n;
		p = star_p;
	}
	while (*p == '%')
		p++;
	return *p == '\0';
}

/* Reads one part of a shortcut at *<pp> into <out>; stops before the
 * splitting dot or at the end. */
static int split_part(const char **pp, const char *pattern, struct ms_buf *out,
		      struct ms_err *err)
{
	const char *p = *pp;
	size_t start = out->len;
	int rc;

	if (*p == '`') {
		for (p++;; p++) {
			if (*p == '\0')
				return MS_ERR(err, MS_EUSAGE,
					      "pattern '%s': unterminated "
					      "backquote",
					      pattern);
			if (*p == '`' && p[1] != '`')
				break;
			if (*p == '`')
				p++; /* "``" is one backquote */
			rc = ms_buf_addc(out, *p);
			if (rc)
				return rc;
		}
		p++;
		if (*p != '\0' && *p != '.')
			return MS_ERR(err, MS_EUSAGE,
				      "pattern '%s': unexpected '%c' after "
				      "closing backquote",
				      pattern, *p);
	} else {
		for (; *p && *p != '.'; p++) {
			if (*p == '`')
				return MS_ERR(err, MS_EUSAGE,
					      "pattern '%s': backquote inside "
					      "an unquoted name (quote the "
					      "whole part)",
					      pattern);
			rc = ms_buf_addc(out, *p);
			if (rc)
				return rc;
		}
	}
	if (out->len == start)
		return MS_ERR(err, MS_EUSAGE, "pattern '%s': empty name",
			      pattern);
	*pp = p;
	return 0;
}

int ms_rules_split_pattern(const char *pattern, struct ms_buf *schema,
			   struct ms_buf *table, struct ms_err *err)
{
	const char *p = pattern;
	int rc;

	if (!pattern || !*pattern)
		return MS_ERR(err, MS_EUSAGE, "empty table pattern");
	rc = split_part(&p, pattern, schema, err);
	if (rc)
		return rc;
	if (*p == '\0')
		return ms_buf_addc(table, '%');
	p++; /* the dot */
	rc = split_part(&p, pattern, table, err);
	if (rc)
		return rc;
	if (*p != '\0')
		return MS_ERR(err, MS_EUSAGE,
			      "pattern '%s': more than one dot (backquote a "
			      "name that holds a dot: `my.db`.t)",
			      pattern);
	return 0;
}
