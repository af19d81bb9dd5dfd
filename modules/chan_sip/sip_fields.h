/*
 * sip_fields.h: parsers for the smaller header values: CSeq, Call-ID, Max-Forwards,
 * Content-Length, Content-Type, Expires-style numbers, option-tag lists (Require,
 * Proxy-Require, Supported), Event, Subscription-State (RFC 6665), Replaces
 * (RFC 3891) and RSeq/RAck (RFC 3262). Each takes one header value (as the message
 * parser stores it) and returns 0 or a negative errno code; nothing is copied.
 */
#ifndef SIP_FIELDS_H
#define SIP_FIELDS_H

#include "sip_lex.h"
#include "sip_method.h"

/* RFC 3261 §8.1.1.5: the CSeq number must be less than 2^31. */
#define SIP_CSEQ_MAX 2147483647u

/* CSeq = 1*DIGIT LWS Method. -EINVAL or -ERANGE (number too large). */
int sip_cseq_parse(const struct sip_pl *val, uint32_t *num, struct sip_pl *method);
/* callid = word [ "@" word ]. 0 or -EINVAL. */
int sip_callid_check(const struct sip_pl *val);
/* delta-seconds style numbers: 1*DIGIT no larger than max. -EINVAL or -ERANGE. */
int sip_number_parse(const struct sip_pl *val, uint32_t max, uint32_t *out);

struct sip_ctype {
	struct sip_pl type;    /* "application" */
	struct sip_pl subtype; /* "sdp" */
	struct sip_pl params;  /* ";charset=utf-8"; unset if none */
};
/* media-type = m-type SLASH m-subtype *(SEMI m-parameter). 0 or -EINVAL. */
int sip_ctype_parse(const struct sip_pl *val, struct sip_ctype *ct);
/* type/subtype compared case-insensitively: sip_ctype_is(&ct, "application", "sdp"). */
bool sip_ctype_is(const struct sip_ctype *ct, const char *type, const char *subtype);

/* A single token (an option-tag, an Allow method): 0 or -EINVAL. */
int sip_token_check(const struct sip_pl *val);

struct sip_event {
	struct sip_pl package; /* "presence", "refer", "message-summary" */
	struct sip_pl id;      /* the id parameter, unset if none */
	struct sip_pl params;
};
int sip_event_parse(const struct sip_pl *val, struct sip_event *ev);

struct sip_substate {
	struct sip_pl state;  /* "active", "pending", "terminated", or an extension */
	struct sip_pl reason; /* unset if none */
	int64_t expires;      /* -1 if absent */
	int64_t retry_after;  /* -1 if absent */
	struct sip_pl params;
};
int sip_substate_parse(const struct sip_pl *val, struct sip_substate *ss);

struct sip_replaces {
	struct sip_pl call_id;
	struct sip_pl to_tag;
	struct sip_pl from_tag;
	bool early_only;
	struct sip_pl params;
};
/* Replaces = callid *(SEMI replaces-param); to-tag and from-tag are required. */
int sip_replaces_parse(const struct sip_pl *val, struct sip_replaces *rp);

/* RSeq = 1*DIGIT (1..2^31-1). */
int sip_rseq_parse(const struct sip_pl *val, uint32_t *rseq);
/* RAck = response-num LWS CSeq-num LWS Method. */
int sip_rack_parse(const struct sip_pl *val, uint32_t *rseq, uint32_t *cseq, struct sip_pl *method);

#endif
