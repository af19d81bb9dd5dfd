/* sip_addr.c: name-addr / addr-spec header values (From, To, Contact, Route, ...). */
#include <errno.h>

#include "sip_addr.h"

static int bad(const char **why, const char *reason)
{
	*why = reason;
	return -EINVAL;
}

/*
 * Index of the '<' that opens a name-addr, or n if the value is an addr-spec. A '<'
 * inside a quoted string (a quoted parameter value) does not count.
 */
static size_t find_laquot(const char *p, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		if (p[i] == '<')
			return i;
		if (p[i] == '"') {
			size_t end;
			if (sip_lex_quoted(p, i, n, &end))
				return n;
			i = end - 1;
		}
	}
	return n;
}

/*
 * display-name = *(token LWS) / quoted-string, here the unquoted form. Phones often
 * send UTF-8 names unquoted; octets >= 0x80 cannot be confused with SIP syntax, so we
 * let them pass. Separators (',', '"', ';', ...) are refused (RFC 4475 baddn).
 */
static bool token_dname_ok(const char *p, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)p[i];
		if (!sip_is_token(c) && !sip_is_ws(c) && c < 0x80)
			return false;
	}
	return true;
}

static int parse_uri(struct sip_addr *a, const char *p, size_t n, const char **why)
{
	const char *uwhy = NULL;
	a->uri_pl = sip_pl_make(p, n);
	if (n == 0)
		return bad(why, "Empty URI");
	if (sip_uri_parse(&a->uri, p, n, &uwhy))
		return bad(why, uwhy ? uwhy : "Bad URI");
	return 0;
}

int sip_addr_parse(struct sip_addr *a, const struct sip_pl *val, unsigned flags, const char **why)
{
	const char *dummy;
	struct sip_pl v = sip_pl_trim(*val);
	const char *p = v.p;
	size_t n = v.l, i;

	if (!why)
		why = &dummy;
	*a = (struct sip_addr){ 0 };
	*why = NULL;
	if (!p || n == 0)
		return bad(why, "Empty value");

	if ((flags & SIP_ADDR_STAR) && n == 1 && p[0] == '*') {
		a->star = true;
		return 0;
	}

	if (p[0] == '"') {
		size_t end;
		if (sip_lex_quoted(p, 0, n, &end))
			return bad(why, "Unterminated quoted string");
		a->dname = sip_pl_make(p + 1, end - 2);
		a->dname_quoted = true;
		i = sip_lex_ws(p, end, n);
		if (i == n || p[i] != '<')
			return bad(why, "Missing URI after display name");
	} else {
		i = find_laquot(p, n);
		if (i < n) {
			struct sip_pl dn = sip_pl_trim(sip_pl_make(p, i));
			if (!token_dname_ok(dn.p, dn.l))
				return bad(why, "Bad display name");
			if (dn.l)
				a->dname = dn;
		}
	}

	if (i < n) {
		/* name-addr: "<" addr-spec ">", nothing else inside the brackets. */
		const char *gt = memchr(p + i + 1, '>', n - i - 1);
		if (!gt)
			return bad(why, "Unterminated angle bracket");
		size_t us = i + 1, ue = (size_t)(gt - p);
		if (ue > us && (sip_is_ws((unsigned char)p[us]) || sip_is_ws((unsigned char)p[ue - 1])))
			return bad(why, "White space inside angle brackets");
		if (parse_uri(a, p + us, ue - us, why))
			return -EINVAL;
		a->angle = true;
		i = ue + 1;
	} else {
		if (flags & SIP_ADDR_NEED_ANGLE)
			return bad(why, "URI must be in angle brackets");
		/* addr-spec: the URI ends at white space or at the first ';', whose
		 * parameters belong to the header. */
		size_t ue = 0;
		while (ue < n && p[ue] != ';' && !sip_is_ws((unsigned char)p[ue]))
			ue++;
		if (memchr(p, '?', ue) || memchr(p, ',', ue))
			return bad(why, "URI with ? or , must be in angle brackets");
		if (parse_uri(a, p, ue, why))
			return -EINVAL;
		i = ue;
	}

	struct sip_pl rest = sip_pl_make(p + i, n - i);
	if (sip_pl_trim(rest).l) {
		if (sip_params_check(&rest))
			return bad(why, "Bad parameter");
		a->params = rest;
		struct sip_param tag;
		if (sip_params_find(&rest, "tag", &tag)) {
			if (!tag.has_val || tag.quoted)
				return bad(why, "Bad tag");
			a->tag = tag.val;
		}
	}
	return 0;
}

int sip_addr_expires(const struct sip_addr *a, uint32_t *secs)
{
	struct sip_param prm;
	if (!sip_params_find(&a->params, "expires", &prm))
		return -ENOENT;
	if (!prm.has_val || prm.quoted)
		return -EINVAL;
	return sip_pl_u32(&prm.val, UINT32_MAX, secs);
}

int sip_addr_q(const struct sip_addr *a, unsigned *q1000)
{
	struct sip_param prm;
	if (!sip_params_find(&a->params, "q", &prm))
		return -ENOENT;
	/* qvalue = ( "0" [ "." 0*3DIGIT ] ) / ( "1" [ "." 0*3("0") ] ) */
	const char *p = prm.val.p;
	size_t n = prm.val.l;
	if (!prm.has_val || prm.quoted || n == 0 || n > 5 || (p[0] != '0' && p[0] != '1'))
		return -EINVAL;
	unsigned v = (unsigned)(p[0] - '0') * 1000, scale = 100;
	if (n > 1) {
		if (p[1] != '.')
			return -EINVAL;
		for (size_t i = 2; i < n; i++, scale /= 10) {
			if (!sip_is_digit((unsigned char)p[i]))
				return -EINVAL;
			v += (unsigned)(p[i] - '0') * scale;
		}
	}
	if (v > 1000)
		return -EINVAL;
	*q1000 = v;
	return 0;
}
