/* sip_auth.c: credentials and challenges: an auth-scheme and its auth-params. */
#include <errno.h>

#include "sip_auth.h"

int sip_auth_param_next(struct sip_pl *iter, struct sip_param *out)
{
	/* Every parameter but the first follows a comma; the previous step left it. */
	size_t k = sip_lex_ws(iter->p, 0, iter->l);
	bool sep = k < iter->l && iter->p[k] == ',';
	return sip_lex_param(iter, ',', sep, out);
}

int sip_auth_params_parse(const struct sip_pl *val, struct sip_auth *auth)
{
	struct sip_pl v = sip_pl_trim(*val);
	struct sip_param prm;
	int r, count = 0;

	*auth = (struct sip_auth){ .params = v };
	if (!v.p)
		return -EINVAL;
	struct sip_pl it = v;
	while ((r = sip_lex_param(&it, ',', count > 0, &prm)) > 0) {
		/* auth-param = auth-param-name EQUAL ( token / quoted-string ) */
		if (!prm.has_val)
			return -EINVAL;
		count++;
	}
	return r;
}

int sip_auth_parse(const struct sip_pl *val, struct sip_auth *auth)
{
	struct sip_pl v = sip_pl_trim(*val);
	size_t i;

	*auth = (struct sip_auth){ 0 };
	if (!v.p || v.l == 0)
		return -EINVAL;
	i = sip_lex_token(v.p, 0, v.l);
	if (i == 0)
		return -EINVAL;
	struct sip_pl scheme = sip_pl_make(v.p, i);
	size_t k = sip_lex_ws(v.p, i, v.l);
	if (k == v.l) {
		auth->scheme = scheme;
		return 0;
	}
	if (k == i)
		return -EINVAL;
	struct sip_pl rest = sip_pl_make(v.p + k, v.l - k);
	if (sip_auth_params_parse(&rest, auth))
		return -EINVAL;
	auth->scheme = scheme;
	return 0;
}

bool sip_auth_param(const struct sip_auth *auth, const char *name, struct sip_param *out)
{
	struct sip_pl it = auth->params;
	struct sip_param prm;

	if (!it.p)
		return false;
	while (sip_auth_param_next(&it, &prm) > 0) {
		if (sip_pl_caseeq_str(&prm.name, name)) {
			if (out)
				*out = prm;
			return true;
		}
	}
	return false;
}
