/* sip_uri.c: parses sip:, sips:, tel: and other-scheme URIs into views (RFC 3261 §19.1). */
#include <arpa/inet.h>
#include <errno.h>

#include "sip_lex.h"
#include "sip_uri.h"

static bool in_set(unsigned char c, const char *set)
{
	return c != 0 && strchr(set, c) != NULL;
}

/* user = 1*( unreserved / escaped / user-unreserved ) */
static bool is_user(unsigned char c) { return sip_cclass[c] & SIP_CC_USER; }

/* password = *( unreserved / escaped / "&" / "=" / "+" / "$" / "," ) */
static bool is_password(unsigned char c) { return sip_cclass[c] & SIP_CC_PASSWORD; }

/* paramchar = param-unreserved / unreserved / escaped */
static bool is_paramchar(unsigned char c) { return sip_cclass[c] & SIP_CC_PARAM; }

/* hname / hvalue characters: hnv-unreserved / unreserved / escaped */
static bool is_hnvchar(unsigned char c) { return sip_cclass[c] & SIP_CC_HNV; }

/*
 * Checks that p[i, end) holds only characters accepted by ok() or valid %XX escapes.
 * Empty is accepted; callers check emptiness themselves.
 */
static bool span_ok(const char *p, size_t i, size_t end, bool (*ok)(unsigned char))
{
	for (; i < end; i++) {
		unsigned char c = (unsigned char)p[i];
		if (c == '%') {
			if (i + 2 >= end || !sip_is_hex((unsigned char)p[i + 1]) ||
			    !sip_is_hex((unsigned char)p[i + 2]))
				return false;
			i += 2;
		} else if (!ok(c)) {
			return false;
		}
	}
	return true;
}

static size_t find_char(const char *p, size_t i, size_t n, char c)
{
	const char *f = i < n ? memchr(p + i, c, n - i) : NULL;
	return f ? (size_t)(f - p) : n;
}

int sip_port_parse(const struct sip_pl *pl, uint16_t *port)
{
	uint32_t v;
	if (sip_pl_u32(pl, 65535, &v) || v == 0)
		return -EINVAL;
	*port = (uint16_t)v;
	return 0;
}

/* Dotted quad with each part 0..255 and 1-3 digits. */
static bool is_ipv4(const char *p, size_t n)
{
	size_t parts = 0, digits = 0;
	unsigned v = 0;

	for (size_t i = 0; i <= n; i++) {
		if (i == n || p[i] == '.') {
			if (digits == 0 || v > 255)
				return false;
			parts++;
			digits = 0;
			v = 0;
		} else if (sip_is_digit((unsigned char)p[i]) && digits < 3) {
			v = v * 10 + (unsigned)(p[i] - '0');
			digits++;
		} else {
			return false;
		}
	}
	return parts == 4;
}

static bool is_ipv6(const char *p, size_t n)
{
	char tmp[INET6_ADDRSTRLEN + 1];
	unsigned char bin[16];

	if (n == 0 || n >= sizeof(tmp))
		return false;
	memcpy(tmp, p, n);
	tmp[n] = '\0';
	return inet_pton(AF_INET6, tmp, bin) == 1;
}

/* '_' is not in the RFC 3261 grammar but common in real host names: be liberal. */
static bool is_hostchar(unsigned char c) { return sip_cclass[c] & SIP_CC_HOST; }

int sip_host_scan(const char *p, size_t i, size_t n, size_t *end, struct sip_pl *host,
		  enum sip_host_type *type)
{
	if (i >= n)
		return -EINVAL;
	if (p[i] == '[') {
		size_t close = find_char(p, i + 1, n, ']');
		if (close == n || !is_ipv6(p + i + 1, close - i - 1))
			return -EINVAL;
		*host = sip_pl_make(p + i + 1, close - i - 1);
		*type = SIP_HOST_IPV6;
		*end = close + 1;
		return 0;
	}

	size_t s = i;
	bool alpha = false;
	while (i < n && is_hostchar((unsigned char)p[i])) {
		if (!sip_is_digit((unsigned char)p[i]) && p[i] != '.')
			alpha = true;
		i++;
	}
	if (i == s)
		return -EINVAL;
	if (!alpha) {
		/* All digits and dots: an IPv4 address or nothing (a top label starts
		 * with a letter). */
		if (!is_ipv4(p + s, i - s))
			return -EINVAL;
		*type = SIP_HOST_IPV4;
	} else {
		/* No empty labels, except that a trailing dot is allowed. */
		if (p[s] == '.')
			return -EINVAL;
		for (size_t k = s + 1; k < i; k++)
			if (p[k] == '.' && p[k - 1] == '.')
				return -EINVAL;
		*type = SIP_HOST_NAME;
	}
	*host = sip_pl_make(p + s, i - s);
	*end = i;
	return 0;
}

/* ";name[=value]" repeated, each name non-empty, up to end. */
static bool params_ok(const char *p, size_t i, size_t end)
{
	while (i < end) {
		if (p[i] != ';')
			return false;
		size_t next = find_char(p, i + 1, end, ';');
		size_t eq = find_char(p, i + 1, next, '=');
		if (eq == i + 1 || !span_ok(p, i + 1, eq, is_paramchar))
			return false;
		if (eq < next && (eq + 1 == next || !span_ok(p, eq + 1, next, is_paramchar)))
			return false;
		i = next;
	}
	return true;
}

/* "hname=hvalue" separated by '&'; hvalue may be empty. */
static bool headers_ok(const char *p, size_t i, size_t end)
{
	if (i == end)
		return false;
	for (;;) {
		size_t next = find_char(p, i, end, '&');
		size_t eq = find_char(p, i, next, '=');
		if (eq == i || eq == next || !span_ok(p, i, eq, is_hnvchar) ||
		    !span_ok(p, eq + 1, next, is_hnvchar))
			return false;
		if (next == end)
			return true;
		i = next + 1;
	}
}

/* sip/sips after the "scheme:"; p[s, n). */
static int parse_sip(struct sip_uri *uri, const char *p, size_t s, size_t n, const char **why)
{
	size_t i = s;
	/* '@' cannot appear unescaped in a host, a parameter or a header, so the first
	 * one ends the userinfo, even when the user part holds '?', ';' or ','. */
	size_t at = find_char(p, s, n, '@');

	if (at < n) {
		size_t colon = find_char(p, s, at, ':');
		if (colon == s || !span_ok(p, s, colon, is_user)) {
			*why = "Bad user part in URI";
			return -EINVAL;
		}
		uri->user = sip_pl_make(p + s, colon - s);
		if (colon < at) {
			if (!span_ok(p, colon + 1, at, is_password)) {
				*why = "Bad password in URI";
				return -EINVAL;
			}
			uri->password = sip_pl_make(p + colon + 1, at - colon - 1);
		}
		i = at + 1;
	}

	if (sip_host_scan(p, i, n, &i, &uri->host, &uri->host_type)) {
		*why = "Bad host in URI";
		return -EINVAL;
	}
	if (i < n && p[i] == ':') {
		size_t ps = i + 1;
		i = ps;
		while (i < n && sip_is_digit((unsigned char)p[i]))
			i++;
		struct sip_pl port = sip_pl_make(p + ps, i - ps);
		if (sip_port_parse(&port, &uri->port)) {
			*why = "Bad port in URI";
			return -EINVAL;
		}
	}
	if (i < n && p[i] == ';') {
		size_t q = find_char(p, i, n, '?');
		if (!params_ok(p, i, q)) {
			*why = "Bad URI parameter";
			return -EINVAL;
		}
		uri->params = sip_pl_make(p + i, q - i);
		i = q;
	}
	if (i < n && p[i] == '?') {
		if (!headers_ok(p, i + 1, n)) {
			*why = "Bad URI header";
			return -EINVAL;
		}
		uri->headers = sip_pl_make(p + i + 1, n - i - 1);
		i = n;
	}
	if (i != n) {
		*why = "Bad character in URI";
		return -EINVAL;
	}
	return 0;
}

/* RFC 3966: "+" 1*phonedigit (global) or 1*phonedigit-hex (local), then parameters. */
static int parse_tel(struct sip_uri *uri, const char *p, size_t s, size_t n, const char **why)
{
	size_t semi = find_char(p, s, n, ';');
	size_t i = s;
	bool global = i < semi && p[i] == '+';
	size_t digits = 0;

	if (global)
		i++;
	for (; i < semi; i++) {
		unsigned char c = (unsigned char)p[i];
		if (in_set(c, "-.()"))
			continue; /* visual separators */
		if (sip_is_digit(c) || (!global && (sip_is_hex(c) || c == '*' || c == '#')))
			digits++;
		else
			break;
	}
	if (i != semi || digits == 0) {
		*why = "Bad number in tel URI";
		return -EINVAL;
	}
	uri->user = sip_pl_make(p + s, semi - s);
	if (semi < n) {
		if (!params_ok(p, semi, n)) {
			*why = "Bad tel URI parameter";
			return -EINVAL;
		}
		uri->params = sip_pl_make(p + semi, n - semi);
	}
	return 0;
}

int sip_uri_parse(struct sip_uri *uri, const char *p, size_t len, const char **why)
{
	const char *dummy;
	size_t i = 0;

	if (!why)
		why = &dummy;
	*uri = (struct sip_uri){ .whole = sip_pl_make(p, len) };
	*why = NULL;

	/* scheme = ALPHA *( ALPHA / DIGIT / "+" / "-" / "." ) */
	if (len == 0 || !sip_is_alnum((unsigned char)p[0]) || sip_is_digit((unsigned char)p[0])) {
		*why = "Bad URI scheme";
		return -EINVAL;
	}
	while (i < len && (sip_is_alnum((unsigned char)p[i]) || in_set((unsigned char)p[i], "+-.")))
		i++;
	if (i == len || p[i] != ':' || i + 1 == len) {
		*why = "Bad URI scheme";
		return -EINVAL;
	}
	uri->scheme_pl = sip_pl_make(p, i);
	i++;

	if (sip_pl_caseeq_str(&uri->scheme_pl, "sip")) {
		uri->scheme = SIP_URI_SIP;
		return parse_sip(uri, p, i, len, why);
	}
	if (sip_pl_caseeq_str(&uri->scheme_pl, "sips")) {
		uri->scheme = SIP_URI_SIPS;
		return parse_sip(uri, p, i, len, why);
	}
	if (sip_pl_caseeq_str(&uri->scheme_pl, "tel")) {
		uri->scheme = SIP_URI_TEL;
		return parse_tel(uri, p, i, len, why);
	}

	/* Another scheme: we only check it is one printable, unbroken piece. */
	uri->scheme = SIP_URI_OTHER;
	for (size_t k = i; k < len; k++) {
		unsigned char c = (unsigned char)p[k];
		if (c <= 0x20 || c >= 0x7f || in_set(c, "<>\"")) {
			*why = "Bad character in URI";
			return -EINVAL;
		}
	}
	uri->opaque = sip_pl_make(p + i, len - i);
	return 0;
}

/* The next "name[=value]" of a list separated by sep (";" params, "&" headers). */
static int list_next(struct sip_pl *iter, struct sip_uri_param *out, char sep)
{
	const char *p = iter->p;
	size_t n = iter->l;

	if (!p || n == 0)
		return 0;
	size_t i = p[0] == sep ? 1 : 0;
	size_t next = find_char(p, i, n, sep);
	size_t eq = find_char(p, i, next, '=');
	out->name = sip_pl_make(p + i, eq - i);
	out->val = eq < next ? sip_pl_make(p + eq + 1, next - eq - 1) : (struct sip_pl){ 0 };
	iter->p = p + next;
	iter->l = n - next;
	return 1;
}

int sip_uri_param_next(struct sip_pl *iter, struct sip_uri_param *out)
{
	return list_next(iter, out, ';');
}

bool sip_uri_param(const struct sip_uri *uri, const char *name, struct sip_uri_param *out)
{
	struct sip_pl it = uri->params;
	struct sip_uri_param prm;

	while (sip_uri_param_next(&it, &prm) > 0) {
		if (sip_pl_caseeq_str(&prm.name, name)) {
			if (out)
				*out = prm;
			return true;
		}
	}
	return false;
}

int sip_uri_header_next(struct sip_pl *iter, struct sip_uri_param *out)
{
	return list_next(iter, out, '&');
}
