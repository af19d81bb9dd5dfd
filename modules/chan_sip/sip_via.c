/* sip_via.c: parses one Via header value. */
#include <errno.h>

#include "sip_via.h"

static const char *const tp_names[] = {
	[SIP_TP_OTHER] = "", [SIP_TP_UDP] = "UDP", [SIP_TP_TCP] = "TCP", [SIP_TP_TLS] = "TLS",
	[SIP_TP_SCTP] = "SCTP", [SIP_TP_WS] = "WS", [SIP_TP_WSS] = "WSS",
};

enum sip_tp sip_tp_lookup(const struct sip_pl *name)
{
	for (size_t i = 1; i < sizeof(tp_names) / sizeof(tp_names[0]); i++)
		if (sip_pl_caseeq_str(name, tp_names[i]))
			return (enum sip_tp)i;
	return SIP_TP_OTHER;
}

const char *sip_tp_name(enum sip_tp tp)
{
	return (size_t)tp < sizeof(tp_names) / sizeof(tp_names[0]) ? tp_names[tp] : "";
}

bool sip_via_rfc3261_branch(const struct sip_via *via)
{
	return via->branch.l >= 7 && memcmp(via->branch.p, "z9hG4bK", 7) == 0;
}

static int bad(const char **why, const char *reason)
{
	*why = reason;
	return -EINVAL;
}

/* A token at p[*i] (after optional white space) into *out; false if empty. */
static bool take_token(const char *p, size_t *i, size_t n, struct sip_pl *out)
{
	size_t s = sip_lex_ws(p, *i, n);
	size_t e = sip_lex_token(p, s, n);
	if (e == s)
		return false;
	*out = sip_pl_make(p + s, e - s);
	*i = e;
	return true;
}

/* SLASH = SWS "/" SWS */
static bool take_slash(const char *p, size_t *i, size_t n)
{
	size_t k = sip_lex_ws(p, *i, n);
	if (k == n || p[k] != '/')
		return false;
	*i = k + 1;
	return true;
}

/* received = IPv4address / IPv6address (RFC 5118 notes some send it bracketed). */
static bool address_ok(const struct sip_pl *v)
{
	struct sip_pl host;
	enum sip_host_type type;
	size_t end;

	if (v->l && v->p[0] != '[') {
		/* Bare IPv6: bracket it in a scratch copy for the shared host scanner. */
		if (memchr(v->p, ':', v->l)) {
			char tmp[64];
			if (v->l + 2 > sizeof(tmp))
				return false;
			tmp[0] = '[';
			memcpy(tmp + 1, v->p, v->l);
			tmp[v->l + 1] = ']';
			return sip_host_scan(tmp, 0, v->l + 2, &end, &host, &type) == 0 &&
			       end == v->l + 2;
		}
	}
	return sip_host_scan(v->p, 0, v->l, &end, &host, &type) == 0 && end == v->l &&
	       type != SIP_HOST_NAME;
}

static int take_params(struct sip_via *via, const char **why)
{
	struct sip_pl it = via->params;
	struct sip_param prm;
	int r;

	while ((r = sip_params_next(&it, &prm)) > 0) {
		const struct sip_pl *v = &prm.val;
		if (sip_pl_caseeq_str(&prm.name, "branch")) {
			if (!prm.has_val || prm.quoted)
				return bad(why, "Bad branch");
			via->branch = *v;
		} else if (sip_pl_caseeq_str(&prm.name, "received")) {
			if (!prm.has_val || prm.quoted || !address_ok(v))
				return bad(why, "Bad received");
			via->received = *v;
		} else if (sip_pl_caseeq_str(&prm.name, "maddr")) {
			struct sip_pl host;
			enum sip_host_type type;
			size_t end;
			if (!prm.has_val || prm.quoted || sip_host_scan(v->p, 0, v->l, &end, &host, &type) ||
			    end != v->l)
				return bad(why, "Bad maddr");
			via->maddr = *v;
		} else if (sip_pl_caseeq_str(&prm.name, "ttl")) {
			uint32_t ttl;
			if (!prm.has_val || prm.quoted || sip_pl_u32(v, 255, &ttl))
				return bad(why, "Bad ttl");
			via->ttl = (int)ttl;
		} else if (sip_pl_caseeq_str(&prm.name, "rport")) {
			via->rport = true;
			if (prm.has_val && (prm.quoted || sip_port_parse(v, &via->rport_val)))
				return bad(why, "Bad rport");
		}
	}
	if (r < 0)
		return bad(why, "Bad parameter");
	return 0;
}

int sip_via_parse(struct sip_via *via, const struct sip_pl *val, const char **why)
{
	const char *dummy;
	struct sip_pl v = sip_pl_trim(*val);
	const char *p = v.p;
	size_t n = v.l, i = 0;

	if (!why)
		why = &dummy;
	*via = (struct sip_via){ .ttl = -1 };
	*why = NULL;
	if (!p || n == 0)
		return bad(why, "Empty value");

	/* sent-protocol = protocol-name SLASH protocol-version SLASH transport */
	if (!take_token(p, &i, n, &via->proto_name) || !take_slash(p, &i, n) ||
	    !take_token(p, &i, n, &via->proto_version) || !take_slash(p, &i, n) ||
	    !take_token(p, &i, n, &via->transport))
		return bad(why, "Bad sent-protocol");
	via->tp = sip_tp_lookup(&via->transport);

	/* LWS, then sent-by = host [ COLON port ] */
	size_t k = sip_lex_ws(p, i, n);
	if (k == i)
		return bad(why, "Bad sent-by");
	if (sip_host_scan(p, k, n, &i, &via->host, &via->host_type))
		return bad(why, "Bad sent-by host");
	k = sip_lex_ws(p, i, n);
	if (k < n && p[k] == ':') {
		size_t ps = sip_lex_ws(p, k + 1, n), pe = ps;
		while (pe < n && sip_is_digit((unsigned char)p[pe]))
			pe++;
		struct sip_pl port = sip_pl_make(p + ps, pe - ps);
		if (sip_port_parse(&port, &via->port))
			return bad(why, "Bad sent-by port");
		i = pe;
	}

	if (sip_lex_ws(p, i, n) < n) {
		via->params = sip_pl_make(p + i, n - i);
		if (take_params(via, why))
			return -EINVAL;
	}
	return 0;
}
