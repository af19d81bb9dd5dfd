/* sip_lex.c: character classes, white space, tokens, quoted strings and parameters. */
#include <errno.h>

#include "sip_lex.h"

/* The table is built by the compiler from the grammar's definitions. */
#define IS_ALNUM(c) (((c) >= 'a' && (c) <= 'z') || ((c) >= 'A' && (c) <= 'Z') || ((c) >= '0' && (c) <= '9'))
#define IS_DIGIT(c) ((c) >= '0' && (c) <= '9')
#define IS_HEX(c) (IS_DIGIT(c) || ((c) >= 'a' && (c) <= 'f') || ((c) >= 'A' && (c) <= 'F'))
#define IS_WS(c) ((c) == ' ' || (c) == '\t' || (c) == '\r' || (c) == '\n')
#define IS_TOKEN_MARK(c)                                                                                      \
	((c) == '-' || (c) == '.' || (c) == '!' || (c) == '%' || (c) == '*' || (c) == '_' || (c) == '+' ||     \
	 (c) == '`' || (c) == '\'' || (c) == '~')
#define IS_MARK(c)                                                                                            \
	((c) == '-' || (c) == '_' || (c) == '.' || (c) == '!' || (c) == '~' || (c) == '*' || (c) == '\'' ||   \
	 (c) == '(' || (c) == ')')
#define IS_WORD_EXTRA(c)                                                                                      \
	((c) == '(' || (c) == ')' || (c) == '<' || (c) == '>' || (c) == ':' || (c) == '\\' || (c) == '"' ||  \
	 (c) == '/' || (c) == '[' || (c) == ']' || (c) == '?' || (c) == '{' || (c) == '}')
#define IS_UNRESERVED(c) (IS_ALNUM(c) || IS_MARK(c))
#define IS_USER(c)                                                                                            \
	(IS_UNRESERVED(c) || (c) == '&' || (c) == '=' || (c) == '+' || (c) == '$' || (c) == ',' || (c) == ';' || \
	 (c) == '?' || (c) == '/')
#define IS_PASSWORD(c) (IS_UNRESERVED(c) || (c) == '&' || (c) == '=' || (c) == '+' || (c) == '$' || (c) == ',')
#define IS_PARAM(c)                                                                                           \
	(IS_UNRESERVED(c) || (c) == '[' || (c) == ']' || (c) == '/' || (c) == ':' || (c) == '&' || (c) == '+' || \
	 (c) == '$')
#define IS_HNV(c)                                                                                             \
	(IS_UNRESERVED(c) || (c) == '[' || (c) == ']' || (c) == '/' || (c) == '?' || (c) == ':' || (c) == '+' || \
	 (c) == '$')
#define IS_HOST(c) (IS_ALNUM(c) || (c) == '-' || (c) == '.' || (c) == '_')
#define CLS(c)                                                                                                \
	((IS_ALNUM(c) ? SIP_CC_ALNUM : 0) | (IS_DIGIT(c) ? SIP_CC_DIGIT : 0) | (IS_HEX(c) ? SIP_CC_HEX : 0) |   \
	 (IS_WS(c) ? SIP_CC_WS : 0) | (IS_ALNUM(c) || IS_TOKEN_MARK(c) ? SIP_CC_TOKEN : 0) |                  \
	 (IS_UNRESERVED(c) ? SIP_CC_UNRESERVED : 0) |                                                         \
	 (IS_ALNUM(c) || IS_TOKEN_MARK(c) || IS_WORD_EXTRA(c) ? SIP_CC_WORD : 0) |                            \
	 (IS_USER(c) ? SIP_CC_USER : 0) | (IS_PASSWORD(c) ? SIP_CC_PASSWORD : 0) |                            \
	 (IS_PARAM(c) ? SIP_CC_PARAM : 0) | (IS_HNV(c) ? SIP_CC_HNV : 0) | (IS_HOST(c) ? SIP_CC_HOST : 0))
#define C4(i) CLS(i), CLS((i) + 1), CLS((i) + 2), CLS((i) + 3)
#define C16(i) C4(i), C4((i) + 4), C4((i) + 8), C4((i) + 12)
#define C64(i) C16(i), C16((i) + 16), C16((i) + 32), C16((i) + 48)

const unsigned short sip_cclass[256] = {C64(0), C64(64), C64(128), C64(192)};

size_t sip_lex_ws(const char *p, size_t i, size_t n)
{
	while (i < n && sip_is_ws((unsigned char)p[i]))
		i++;
	return i;
}

size_t sip_lex_token(const char *p, size_t i, size_t n)
{
	while (i < n && sip_is_token((unsigned char)p[i]))
		i++;
	return i;
}

int sip_lex_quoted(const char *p, size_t i, size_t n, size_t *end)
{
	if (i >= n || p[i] != '"')
		return -EINVAL;
	for (i++; i < n; i++) {
		unsigned char c = (unsigned char)p[i];
		if (c == '"') {
			*end = i + 1;
			return 0;
		}
		if (c == '\\') {
			/* quoted-pair: any octet up to 0x7F except CR and LF */
			if (i + 1 >= n)
				return -EINVAL;
			unsigned char e = (unsigned char)p[i + 1];
			if (e > 0x7f || e == '\r' || e == '\n')
				return -EINVAL;
			i++;
			continue;
		}
		/* qdtext: LWS, %x21, %x23-5B, %x5D-7E, UTF8-NONASCII */
		if (!(sip_is_ws(c) || c == 0x21 || (c >= 0x23 && c <= 0x7e) || c >= 0x80))
			return -EINVAL;
	}
	return -EINVAL;
}

/* gen-value = token / host / quoted-string; a host may be an IPv6 reference. */
static bool is_genvalue(unsigned char c)
{
	return sip_is_token(c) || c == ':' || c == '[' || c == ']';
}

int sip_lex_param(struct sip_pl *iter, char sep, bool need_sep, struct sip_param *out)
{
	const char *p = iter->p;
	size_t n = iter->l;
	size_t i = sip_lex_ws(p, 0, n);

	if (i == n)
		return 0;
	if (need_sep) {
		if (p[i] != sep)
			return -EINVAL;
		i = sip_lex_ws(p, i + 1, n);
	}
	size_t ns = i;
	i = sip_lex_token(p, i, n);
	if (i == ns)
		return -EINVAL;
	*out = (struct sip_param){ .name = sip_pl_make(p + ns, i - ns) };

	size_t j = sip_lex_ws(p, i, n);
	if (j < n && p[j] == '=') {
		j = sip_lex_ws(p, j + 1, n);
		if (j < n && p[j] == '"') {
			size_t end;
			if (sip_lex_quoted(p, j, n, &end))
				return -EINVAL;
			out->val = sip_pl_make(p + j + 1, end - j - 2);
			out->quoted = true;
			i = end;
		} else {
			size_t vs = j;
			while (j < n && is_genvalue((unsigned char)p[j]))
				j++;
			if (j == vs)
				return -EINVAL;
			out->val = sip_pl_make(p + vs, j - vs);
			i = j;
		}
		out->has_val = true;
	}
	/* What follows must be white space, then the next separator or the end. */
	j = sip_lex_ws(p, i, n);
	if (j < n && p[j] != sep)
		return -EINVAL;
	iter->p = p + i;
	iter->l = n - i;
	return 1;
}

int sip_params_next(struct sip_pl *iter, struct sip_param *out)
{
	return sip_lex_param(iter, ';', true, out);
}

int sip_params_check(const struct sip_pl *params)
{
	struct sip_pl it = *params;
	struct sip_param prm;
	int r;

	if (!it.p)
		return 0;
	while ((r = sip_params_next(&it, &prm)) > 0)
		;
	return r;
}

bool sip_params_find(const struct sip_pl *params, const char *name, struct sip_param *out)
{
	struct sip_pl it = *params;
	struct sip_param prm;

	if (!it.p)
		return false;
	while (sip_params_next(&it, &prm) > 0) {
		if (sip_pl_caseeq_str(&prm.name, name)) {
			if (out)
				*out = prm;
			return true;
		}
	}
	return false;
}
