/* SQL text lexer: see lex.h. */
#include "db/lex.h"

#include <string.h>
#include <strings.h>

static bool word_byte(unsigned char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	       (c >= '0' && c <= '9') || c == '_' || c == '$' || c >= 0x80;
}

static bool space_byte(unsigned char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' ||
	       c == '\v';
}

/* Length of the opening marker of an executable comment at <i>
 * (slash-star-bang or slash-star-M-bang, then version digits), or 0. */
static size_t exec_comment_open(const char *s, size_t n, size_t i)
{
	size_t j;

	if (i + 2 >= n || s[i] != '/' || s[i + 1] != '*')
		return 0;
	if (s[i + 2] == '!')
		j = i + 3;
	else if (i + 3 < n && s[i + 2] == 'M' && s[i + 3] == '!')
		j = i + 4;
	else
		return 0;
	while (j < n && s[j] >= '0' && s[j] <= '9')
		j++;
	return j - i;
}

/* True when a "--" at <i> opens a comment: MySQL wants white space or a
 * control byte (or the end of the text) after the two dashes. */
static bool dash_comment(const char *s, size_t n, size_t i)
{
	if (i + 1 >= n || s[i] != '-' || s[i + 1] != '-')
		return false;
	return i + 2 == n || space_byte((unsigned char)s[i + 2]) ||
	       (unsigned char)s[i + 2] < 0x20;
}

/* Skips white space and comments from <i>; returns the new position, or
 * n + 1 for an unterminated comment. *<depth> counts the executable
 * comments open. */
static size_t skip_space(const char *s, size_t n, size_t i, unsigned *depth)
{
	size_t open;

	for (;;) {
		if (i < n && space_byte((unsigned char)s[i])) {
			i++;
		} else if (i + 1 < n && s[i] == '*' && s[i + 1] == '/') {
			i += 2; /* end of an executable comment */
			if (*depth)
				--*depth;
		} else if ((open = exec_comment_open(s, n, i)) != 0) {
			i += open;
			++*depth;
		} else if (i + 1 < n && s[i] == '/' && s[i + 1] == '*') {
			for (i += 2; i + 1 < n; i++)
				if (s[i] == '*' && s[i + 1] == '/')
					break;
			if (i + 1 >= n)
				return n + 1;
			i += 2;
		} else if ((i < n && s[i] == '#') || dash_comment(s, n, i)) {
			while (i < n && s[i] != '\n')
				i++;
		} else {
			return i;
		}
	}
}

/* Position after the quoted token opening at <i>, or n + 1 when it is not
 * terminated. Strings honour backslash escapes and doubled quotes;
 * backquoted names only doubled backquotes. */
static size_t skip_quoted(const char *s, size_t n, size_t i)
{
	char q = s[i];

	for (i++; i < n; i++) {
		if (s[i] == '\\' && q != '`') {
			i++;
		} else if (s[i] == q) {
			if (i + 1 < n && s[i + 1] == q)
				i++;
			else
				return i + 1;
		}
	}
	return n + 1;
}

int ms_lex_next(const char *s, size_t n, size_t *pos, struct ms_lex_tok *tok)
{
	unsigned depth = 0;

	return ms_lex_next_depth(s, n, pos, tok, &depth);
}

int ms_lex_next_depth(const char *s, size_t n, size_t *pos,
		      struct ms_lex_tok *tok, unsigned *depth)
{
	size_t i = skip_space(s, n, *pos, depth);

	if (i > n)
		return MS_EPARSE;
	tok->start = i;
	if (i == n) {
		tok->kind = MS_LEX_END;
	} else if (s[i] == '`' || s[i] == '\'' || s[i] == '"') {
		tok->kind = s[i] == '`' ? MS_LEX_QIDENT : MS_LEX_STRING;
		i = skip_quoted(s, n, i);
		if (i > n)
			return MS_EPARSE;
	} else if (word_byte((unsigned char)s[i])) {
		tok->kind = MS_LEX_WORD;
		while (i < n && word_byte((unsigned char)s[i]))
			i++;
	} else {
		tok->kind = MS_LEX_PUNCT;
		i++;
	}
	tok->end = i;
	*pos = i;
	return 0;
}

bool ms_lex_is(const char *s, const struct ms_lex_tok *t, const char *kw)
{
	size_t len = strlen(kw);

	return t->kind == MS_LEX_WORD && t->end - t->start == len &&
	       strncasecmp(s + t->start, kw, len) == 0;
}

bool ms_lex_punct(const char *s, const struct ms_lex_tok *t, char c)
{
	return t->kind == MS_LEX_PUNCT && s[t->start] == c;
}

bool ms_lex_is_name(const char *s, const struct ms_lex_tok *t)
{
	return t->kind == MS_LEX_WORD || t->kind == MS_LEX_QIDENT ||
	       (t->kind == MS_LEX_STRING && s[t->start] == '"');
}

/* Appends the quoted token <t> without its quotes, a doubled quote being
 * one. */
static int add_unquoted(const char *s, const struct ms_lex_tok *t,
			struct ms_buf *out)
{
	char q = s[t->start];
	size_t i;
	int rc = 0;

	for (i = t->start + 1; rc == 0 && i + 1 < t->end; i++) {
		rc = ms_buf_addc(out, s[i]);
		if (s[i] == q)
			i++;
	}
	return rc;
}

int ms_lex_name(const char *s, const struct ms_lex_tok *t, struct ms_buf *out)
{
	if (t->kind == MS_LEX_WORD)
		return ms_buf_add(out, s + t->start, t->end - t->start);
	if (t->kind != MS_LEX_QIDENT)
		return MS_EPARSE;
	return add_unquoted(s, t, out);
}

int ms_lex_name_ansi(const char *s, const struct ms_lex_tok *t,
		     struct ms_buf *out)
{
	if (t->kind == MS_LEX_STRING && s[t->start] == '"')
		return add_unquoted(s, t, out);
	return ms_lex_name(s, t, out);
}
