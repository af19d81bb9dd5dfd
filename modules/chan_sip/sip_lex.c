/* sip_lex.c: character classes, white space, tokens, quoted strings and parameters. */
#include <errno.h>

#include "sip_lex.h"

/* True if c is one of the (non-NUL) characters of set. */
static bool in_set(unsigned char c, const char *set)
{
	return c != 0 && strchr(set, c) != NULL;
}

bool sip_is_alnum(unsigned char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
}

bool sip_is_digit(unsigned char c)
{
	return c >= '0' && c <= '9';
}

bool sip_is_hex(unsigned char c)
{
	return sip_is_digit(c) || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}

bool sip_is_ws(unsigned char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

bool sip_is_token(unsigned char c)
{
	return sip_is_alnum(c) || in_set(c, "-.!%*_+`'~");
}

bool sip_is_unreserved(unsigned char c)
{
	return sip_is_alnum(c) || in_set(c, "-_.!~*'()");
}

bool sip_is_word(unsigned char c)
{
	return sip_is_alnum(c) || in_set(c, "-.!%*_+`'~()<>:\\\"/[]?{}");
}

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
