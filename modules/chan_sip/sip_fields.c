/* sip_fields.c: CSeq, Call-ID, numbers, Content-Type, Event, Subscription-State, ... */
#include <errno.h>

#include "sip_fields.h"

/* Splits "a LWS b" style values: the run of chars accepted by ok() at *i. */
static struct sip_pl take(const char *p, size_t *i, size_t n, bool (*ok)(unsigned char))
{
	size_t s = sip_lex_ws(p, *i, n), e = s;
	while (e < n && ok((unsigned char)p[e]))
		e++;
	*i = e;
	return sip_pl_make(p + s, e - s);
}

int sip_number_parse(const struct sip_pl *val, uint32_t max, uint32_t *out)
{
	struct sip_pl v = sip_pl_trim(*val);
	return sip_pl_u32(&v, max, out);
}

int sip_cseq_parse(const struct sip_pl *val, uint32_t *num, struct sip_pl *method)
{
	const char *p = val->p;
	size_t n = val->l, i = 0;

	struct sip_pl digits = take(p, &i, n, sip_is_digit);
	size_t k = sip_lex_ws(p, i, n);
	if (digits.l == 0 || k == i)
		return -EINVAL;
	i = k;
	*method = take(p, &i, n, sip_is_token);
	if (method->l == 0 || sip_lex_ws(p, i, n) != n)
		return -EINVAL;
	return sip_pl_u32(&digits, SIP_CSEQ_MAX, num);
}

int sip_callid_check(const struct sip_pl *val)
{
	struct sip_pl v = sip_pl_trim(*val);
	size_t at = 0, ats = 0;

	if (!v.p || v.l == 0)
		return -EINVAL;
	for (size_t i = 0; i < v.l; i++) {
		unsigned char c = (unsigned char)v.p[i];
		if (c == '@') {
			ats++;
			at = i;
		} else if (!sip_is_word(c)) {
			return -EINVAL;
		}
	}
	/* word "@" word: at most one '@', with a word on each side. */
	if (ats > 1 || (ats == 1 && (at == 0 || at == v.l - 1)))
		return -EINVAL;
	return 0;
}

int sip_token_check(const struct sip_pl *val)
{
	struct sip_pl v = sip_pl_trim(*val);
	if (!v.p || v.l == 0 || sip_lex_token(v.p, 0, v.l) != v.l)
		return -EINVAL;
	return 0;
}

int sip_ctype_parse(const struct sip_pl *val, struct sip_ctype *ct)
{
	struct sip_pl v = sip_pl_trim(*val);
	const char *p = v.p;
	size_t n = v.l, i = 0;

	*ct = (struct sip_ctype){ 0 };
	if (!p)
		return -EINVAL;
	ct->type = take(p, &i, n, sip_is_token);
	i = sip_lex_ws(p, i, n);
	if (ct->type.l == 0 || i == n || p[i] != '/')
		return -EINVAL;
	i++;
	ct->subtype = take(p, &i, n, sip_is_token);
	if (ct->subtype.l == 0)
		return -EINVAL;
	if (sip_lex_ws(p, i, n) < n) {
		ct->params = sip_pl_make(p + i, n - i);
		if (sip_params_check(&ct->params))
			return -EINVAL;
	}
	return 0;
}

bool sip_ctype_is(const struct sip_ctype *ct, const char *type, const char *subtype)
{
	return sip_pl_caseeq_str(&ct->type, type) && sip_pl_caseeq_str(&ct->subtype, subtype);
}

/* token, then optional parameters: shared by Event and Subscription-State. */
static int token_params(const struct sip_pl *val, bool (*ok)(unsigned char), struct sip_pl *tok,
			struct sip_pl *params)
{
	struct sip_pl v = sip_pl_trim(*val);
	size_t i = 0;

	if (!v.p)
		return -EINVAL;
	*tok = take(v.p, &i, v.l, ok);
	*params = (struct sip_pl){ 0 };
	if (tok->l == 0)
		return -EINVAL;
	if (sip_lex_ws(v.p, i, v.l) < v.l) {
		*params = sip_pl_make(v.p + i, v.l - i);
		if (sip_params_check(params))
			return -EINVAL;
	}
	return 0;
}

int sip_event_parse(const struct sip_pl *val, struct sip_event *ev)
{
	struct sip_param prm;

	*ev = (struct sip_event){ 0 };
	/* event-type = event-package *( "." event-template ): token characters */
	if (token_params(val, sip_is_token, &ev->package, &ev->params))
		return -EINVAL;
	if (sip_params_find(&ev->params, "id", &prm)) {
		if (!prm.has_val)
			return -EINVAL;
		ev->id = prm.val;
	}
	return 0;
}

int sip_substate_parse(const struct sip_pl *val, struct sip_substate *ss)
{
	struct sip_param prm;
	uint32_t v;

	*ss = (struct sip_substate){ .expires = -1, .retry_after = -1 };
	if (token_params(val, sip_is_token, &ss->state, &ss->params))
		return -EINVAL;
	if (sip_params_find(&ss->params, "reason", &prm)) {
		if (!prm.has_val)
			return -EINVAL;
		ss->reason = prm.val;
	}
	if (sip_params_find(&ss->params, "expires", &prm)) {
		if (!prm.has_val || sip_pl_u32(&prm.val, UINT32_MAX, &v))
			return -EINVAL;
		ss->expires = v;
	}
	if (sip_params_find(&ss->params, "retry-after", &prm)) {
		if (!prm.has_val || sip_pl_u32(&prm.val, UINT32_MAX, &v))
			return -EINVAL;
		ss->retry_after = v;
	}
	return 0;
}

static bool callid_char(unsigned char c)
{
	return sip_is_word(c) || c == '@';
}

int sip_replaces_parse(const struct sip_pl *val, struct sip_replaces *rp)
{
	struct sip_param prm;

	*rp = (struct sip_replaces){ 0 };
	if (token_params(val, callid_char, &rp->call_id, &rp->params) ||
	    sip_callid_check(&rp->call_id))
		return -EINVAL;
	if (!sip_params_find(&rp->params, "to-tag", &prm) || !prm.has_val)
		return -EINVAL;
	rp->to_tag = prm.val;
	if (!sip_params_find(&rp->params, "from-tag", &prm) || !prm.has_val)
		return -EINVAL;
	rp->from_tag = prm.val;
	rp->early_only = sip_params_find(&rp->params, "early-only", NULL);
	return 0;
}

int sip_rseq_parse(const struct sip_pl *val, uint32_t *rseq)
{
	int err = sip_number_parse(val, SIP_CSEQ_MAX, rseq);
	if (err)
		return err;
	return *rseq == 0 ? -EINVAL : 0;
}

int sip_rack_parse(const struct sip_pl *val, uint32_t *rseq, uint32_t *cseq, struct sip_pl *method)
{
	const char *p = val->p;
	size_t n = val->l, i = 0;

	struct sip_pl r = take(p, &i, n, sip_is_digit);
	size_t k = sip_lex_ws(p, i, n);
	if (r.l == 0 || k == i)
		return -EINVAL;
	int err = sip_pl_u32(&r, SIP_CSEQ_MAX, rseq);
	if (err)
		return err;
	struct sip_pl rest = sip_pl_make(p + k, n - k);
	return sip_cseq_parse(&rest, cseq, method);
}
