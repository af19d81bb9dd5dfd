/* sip_uri_cmp.c: URI equivalence per RFC 3261 §19.1.4 (and RFC 3966 §4 for tel:). */
#include <arpa/inet.h>

#include "sip_lex.h"
#include "sip_uri.h"

/* One character of a URI component, with its escape resolved. */
struct uchar {
	unsigned char c;
	bool escaped;
};

/* Reads the character at *i (a %XX escape counts as one) and advances *i. */
static struct uchar next_uchar(const struct sip_pl *pl, size_t *i)
{
	size_t k = *i;
	unsigned char c = (unsigned char)pl->p[k];

	if (c == '%' && k + 2 < pl->l) {
		int hi = sip_hexval((unsigned char)pl->p[k + 1]);
		int lo = sip_hexval((unsigned char)pl->p[k + 2]);
		if (hi >= 0 && lo >= 0) {
			*i = k + 3;
			return (struct uchar){ (unsigned char)(hi << 4 | lo), true };
		}
	}
	*i = k + 1;
	return (struct uchar){ c, false };
}

static unsigned char fold(unsigned char c)
{
	return (c >= 'A' && c <= 'Z') ? (unsigned char)(c + 32) : c;
}

/*
 * "Characters other than those in the reserved set are equivalent to their encoding":
 * %61 equals 'a', but an escaped reserved character ("%3B") is not the delimiter ';'.
 */
static bool esc_equal(const struct sip_pl *a, const struct sip_pl *b, bool nocase)
{
	size_t i = 0, j = 0;

	if (!a->p || !b->p)
		return !a->p && !b->p;
	while (i < a->l && j < b->l) {
		struct uchar x = next_uchar(a, &i);
		struct uchar y = next_uchar(b, &j);
		unsigned char cx = nocase ? fold(x.c) : x.c;
		unsigned char cy = nocase ? fold(y.c) : y.c;
		if (cx != cy)
			return false;
		if (x.escaped != y.escaped && x.c != 0 && strchr(";/?:@&=+$,", x.c))
			return false;
	}
	return i == a->l && j == b->l;
}

static bool host_equal(const struct sip_uri *a, const struct sip_uri *b)
{
	if (a->host_type != b->host_type)
		return false;
	if (a->host_type == SIP_HOST_IPV6) {
		char ta[INET6_ADDRSTRLEN + 1], tb[INET6_ADDRSTRLEN + 1];
		unsigned char ba[16], bb[16];
		if (a->host.l >= sizeof(ta) || b->host.l >= sizeof(tb))
			return false;
		sip_pl_strcpy(&a->host, ta, sizeof(ta));
		sip_pl_strcpy(&b->host, tb, sizeof(tb));
		if (inet_pton(AF_INET6, ta, ba) != 1 || inet_pton(AF_INET6, tb, bb) != 1)
			return false;
		return memcmp(ba, bb, sizeof(ba)) == 0;
	}
	return esc_equal(&a->host, &b->host, true);
}

/* Parameters that make two URIs differ even when present in only one of them. The
 * RFC's list names user, ttl, method and maddr; its own examples show transport
 * behaves the same way ("sip:bob@biloxi.com" vs ";transport=udp"). */
static bool param_must_match(const struct sip_pl *name)
{
	static const char *const names[] = { "user", "ttl", "method", "maddr", "transport" };
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (sip_pl_caseeq_str(name, names[i]))
			return true;
	return false;
}

typedef int (*iter_fn)(struct sip_pl *iter, struct sip_uri_param *out);

/* Whether list holds a parameter named like pa with an equal value; *named tells
 * whether it holds one of that name at all. Every entry is looked at, so a name
 * given twice (";m=1;m=2", "?h=1&h=2") still matches itself. */
static bool find_match(const struct sip_pl *list, iter_fn next, const struct sip_uri_param *pa,
		       bool value_nocase, bool *named)
{
	struct sip_pl it = *list;
	struct sip_uri_param prm;

	*named = false;
	while (next(&it, &prm) > 0) {
		if (!esc_equal(&prm.name, &pa->name, true))
			continue;
		*named = true;
		if (esc_equal(&prm.val, &pa->val, value_nocase))
			return true;
	}
	return false;
}

/* Every parameter of a that is also named in b has a same-valued twin there;
 * parameters only in a are ignored unless all_required or param_must_match says
 * otherwise. */
static bool params_subset(const struct sip_pl *a, const struct sip_pl *b, iter_fn next,
			  bool all_required, bool value_nocase)
{
	struct sip_pl it = *a;
	struct sip_uri_param pa;

	while (next(&it, &pa) > 0) {
		bool named;
		if (find_match(b, next, &pa, value_nocase, &named))
			continue;
		if (named || all_required || param_must_match(&pa.name))
			return false;
	}
	return true;
}

static bool is_visual(char c)
{
	return c == '-' || c == '.' || c == '(' || c == ')';
}

/* tel: numbers compare without their visual separators. */
static bool tel_number_equal(const struct sip_pl *a, const struct sip_pl *b)
{
	size_t i = 0, j = 0;

	for (;;) {
		while (i < a->l && is_visual(a->p[i]))
			i++;
		while (j < b->l && is_visual(b->p[j]))
			j++;
		if (i == a->l || j == b->l)
			return i == a->l && j == b->l;
		if (fold((unsigned char)a->p[i]) != fold((unsigned char)b->p[j]))
			return false;
		i++;
		j++;
	}
}

bool sip_uri_equal(const struct sip_uri *a, const struct sip_uri *b)
{
	if (a->scheme != b->scheme)
		return false;

	switch (a->scheme) {
	case SIP_URI_OTHER:
		return sip_pl_caseeq(&a->scheme_pl, &b->scheme_pl) && sip_pl_eq(&a->opaque, &b->opaque);
	case SIP_URI_TEL:
		return tel_number_equal(&a->user, &b->user) &&
		       params_subset(&a->params, &b->params, sip_uri_param_next, true, true) &&
		       params_subset(&b->params, &a->params, sip_uri_param_next, true, true);
	case SIP_URI_SIP:
	case SIP_URI_SIPS:
		break;
	}

	return esc_equal(&a->user, &b->user, false) &&
	       esc_equal(&a->password, &b->password, false) &&
	       host_equal(a, b) && a->port == b->port &&
	       params_subset(&a->params, &b->params, sip_uri_param_next, false, true) &&
	       params_subset(&b->params, &a->params, sip_uri_param_next, false, true) &&
	       params_subset(&a->headers, &b->headers, sip_uri_header_next, true, false) &&
	       params_subset(&b->headers, &a->headers, sip_uri_header_next, true, false);
}
