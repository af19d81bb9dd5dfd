/*
 * sip_lex.h: the small lexical pieces of RFC 3261 §25 that every header parser shares:
 * character classes, linear white space, tokens, quoted strings and ";name=value"
 * parameter lists. Positions are indexes into (p, n); nothing here reads p[n] or
 * beyond. Inside a header value, CR and LF only appear in folded lines (the message
 * parser has already cut the value at its real end), so they count as white space.
 */
#ifndef SIP_LEX_H
#define SIP_LEX_H

#include "sip_pl.h"

/* Character classes as bits of one table lookup: the parser asks for every byte. */
enum {
	SIP_CC_ALNUM = 1 << 0,
	SIP_CC_DIGIT = 1 << 1,
	SIP_CC_HEX = 1 << 2,
	SIP_CC_WS = 1 << 3,	    /* SP, HTAB, CR, LF */
	SIP_CC_TOKEN = 1 << 4,	    /* alphanum / "-" / "." / "!" / "%" / "*" / "_" / "+" / "`" / "'" / "~" */
	SIP_CC_UNRESERVED = 1 << 5, /* alphanum / mark */
	SIP_CC_WORD = 1 << 6,	    /* the characters of a Call-ID word */
	/* URI parts (RFC 3261 §25.1), escapes aside: */
	SIP_CC_USER = 1 << 7,	  /* unreserved / user-unreserved */
	SIP_CC_PASSWORD = 1 << 8, /* unreserved / "&" / "=" / "+" / "$" / "," */
	SIP_CC_PARAM = 1 << 9,	  /* unreserved / param-unreserved */
	SIP_CC_HNV = 1 << 10,	  /* unreserved / hnv-unreserved */
	SIP_CC_HOST = 1 << 11,	  /* alphanum / "-" / "." (and "_", seen in real host names) */
};
extern const unsigned short sip_cclass[256];

static inline bool sip_is_alnum(unsigned char c) { return sip_cclass[c] & SIP_CC_ALNUM; }
static inline bool sip_is_digit(unsigned char c) { return sip_cclass[c] & SIP_CC_DIGIT; }
static inline bool sip_is_hex(unsigned char c) { return sip_cclass[c] & SIP_CC_HEX; }
static inline bool sip_is_ws(unsigned char c) { return sip_cclass[c] & SIP_CC_WS; }
static inline bool sip_is_token(unsigned char c) { return sip_cclass[c] & SIP_CC_TOKEN; }
static inline bool sip_is_unreserved(unsigned char c) { return sip_cclass[c] & SIP_CC_UNRESERVED; }
static inline bool sip_is_word(unsigned char c) { return sip_cclass[c] & SIP_CC_WORD; }

/* First index >= i that is not white space (n if none). */
size_t sip_lex_ws(const char *p, size_t i, size_t n);
/* First index >= i that is not a token character. */
size_t sip_lex_token(const char *p, size_t i, size_t n);
/*
 * A quoted-string starting at p[i] == '"'. On success *end is just past the closing
 * DQUOTE. -EINVAL if it is unterminated or holds a character qdtext does not allow.
 */
int sip_lex_quoted(const char *p, size_t i, size_t n, size_t *end);

/* One parameter: ";name", ";name=value" or ";name=\"quoted\"". For a quoted value,
 * val is the inside of the quotes with its quoted-pairs still raw (see
 * sip_pl_unquote). */
struct sip_param {
	struct sip_pl name;
	struct sip_pl val;
	bool has_val;
	bool quoted;
};

/*
 * Takes the next parameter off *iter. sep is the separator before each parameter
 * (';' for header parameters, ',' for auth-params); with need_sep false the first
 * parameter has none. White space is allowed around the separator and around '='.
 * Returns 1 with *out filled, 0 when only white space is left, -EINVAL on bad syntax
 * (an empty name, an empty value after '=', a stray character).
 */
int sip_lex_param(struct sip_pl *iter, char sep, bool need_sep, struct sip_param *out);

/* Checks a whole ";"-separated header parameter list: 0 or -EINVAL. */
int sip_params_check(const struct sip_pl *params);
/* Iterates a header parameter list: 1 (got one), 0 (end), -EINVAL. */
int sip_params_next(struct sip_pl *iter, struct sip_param *out);
/* Finds a header parameter by name (case-insensitive); false if absent. */
bool sip_params_find(const struct sip_pl *params, const char *name, struct sip_param *out);

#endif
