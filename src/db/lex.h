/* A small lexer over MySQL/MariaDB SQL text, shared by the copy's DDL
 * rewrite (SHOW CREATE output) and sync's statement classifier (binlog
 * QUERY text). It knows quotes and comments, nothing of the grammar:
 * white space, comments (slash-star, '#', "-- "), and the markers of
 * executable comments (slash-star-bang and MariaDB's slash-star-M-bang, each
 * with an optional version) are skipped, and the content of an executable
 * comment is lexed as code, the way the server that wrote it ran it.
 * Pure functions; they never read past the length given. */
#ifndef MS_DB_LEX_H
#define MS_DB_LEX_H

#include <stdbool.h>
#include <stddef.h>

#include "core/buf.h"
#include "core/err.h"

enum ms_lex_kind {
	MS_LEX_END = 0,
	MS_LEX_WORD,   /* unquoted identifier, keyword or number */
	MS_LEX_QIDENT, /* `backquoted` identifier */
	MS_LEX_STRING, /* 'string' or "string" */
	MS_LEX_PUNCT,  /* any other single byte */
};

struct ms_lex_tok {
	enum ms_lex_kind kind;
	size_t start, end; /* byte span in the text, quotes included */
};

/* Reads the token at *<pos> of <s> (<n> bytes), skipping white space and
 * comments, and moves *<pos> past it. Returns 0 (END at the end of the
 * text) or MS_EPARSE for an unterminated quote or comment. */
int ms_lex_next(const char *s, size_t n, size_t *pos,
		struct ms_lex_tok *tok) MS_WUR;

/* The same, counting in *<depth> the executable comments opened and not
 * yet closed (start at 0; more than 0 at END: one was never closed). */
int ms_lex_next_depth(const char *s, size_t n, size_t *pos,
		      struct ms_lex_tok *tok, unsigned *depth) MS_WUR;

/* True when token <t> of <s> is the word <kw> (case-insensitive). */
bool ms_lex_is(const char *s, const struct ms_lex_tok *t, const char *kw);

/* True when token <t> of <s> is the single byte <c> (a PUNCT token). */
bool ms_lex_punct(const char *s, const struct ms_lex_tok *t, char c);

/* True when <t> can be an identifier: a word, a backquoted name, or a
 * "double-quoted" string (an identifier under sql_mode ANSI_QUOTES, and
 * never valid where a name is expected otherwise). */
bool ms_lex_is_name(const char *s, const struct ms_lex_tok *t);

/* Appends the name token <t> (a word or a backquoted identifier, unescaped:
 * a doubled backquote is one) to <out>. MS_EPARSE for another kind of
 * token, or a buffer error. ms_lex_name_ansi also takes a "double-quoted"
 * name (ms_lex_is_name), a doubled double quote being one. */
int ms_lex_name(const char *s, const struct ms_lex_tok *t,
		struct ms_buf *out) MS_WUR;
int ms_lex_name_ansi(const char *s, const struct ms_lex_tok *t,
		     struct ms_buf *out) MS_WUR;

#endif
