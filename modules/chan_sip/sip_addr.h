/*
 * sip_addr.h: header values of the form ( name-addr / addr-spec ) *( SEMI param ):
 * From, To, Contact, Route, Record-Route, Refer-To, Referred-By, Reply-To, Path,
 * P-Asserted-Identity... (RFC 3261 §20.10, §25.1).
 *
 *   "Alice Smith" <sip:alice@example.com;transport=tcp>;tag=1928
 *   Alice <sip:alice@example.com>;expires=60
 *   sip:alice@example.com;tag=1928          (addr-spec: ";tag" belongs to the header)
 *
 * In the addr-spec form, parameters after the URI bind to the header, not the URI, and
 * a URI containing '?' or ',' (or ';' in its user part) must be in <>, so an addr-spec
 * with URI headers is refused (RFC 4475 regbadct). No white space is allowed just inside
 * < and > (RFC 4475 badaspec). A token display name is one or more tokens separated by
 * white space (RFC 4475 baddn: "Bell, Alexander" must be quoted).
 */
#ifndef SIP_ADDR_H
#define SIP_ADDR_H

#include "sip_lex.h"
#include "sip_uri.h"

enum {
	SIP_ADDR_STAR = 1 << 0,	      /* accept Contact's "*" */
	SIP_ADDR_NEED_ANGLE = 1 << 1, /* name-addr only (Route, Record-Route, Path) */
};

struct sip_addr {
	struct sip_pl dname; /* display name: inside the quotes (quoted-pairs raw), or the
				tokens as written; unset when there is none */
	bool dname_quoted;
	bool angle;	     /* name-addr form: the URI was in <> */
	bool star;	     /* Contact: * (nothing else is set) */
	struct sip_pl uri_pl;
	struct sip_uri uri;
	struct sip_pl params; /* header parameters (";tag=x;expires=60"); unset if none */
	struct sip_pl tag;    /* value of the tag parameter; unset if none */
};

/* Parses one value. 0 or -EINVAL with *why (if not NULL) a short static reason. */
int sip_addr_parse(struct sip_addr *a, const struct sip_pl *val, unsigned flags, const char **why);

/* Contact "expires" parameter: 0, -ENOENT (absent), -ERANGE (over 2^32-1: treat it as
 * absent, per RFC 4475 scalar02), -EINVAL. */
int sip_addr_expires(const struct sip_addr *a, uint32_t *secs);
/* Contact "q" parameter in thousandths (q=0.5 gives 500): 0, -ENOENT, -EINVAL. */
int sip_addr_q(const struct sip_addr *a, unsigned *q1000);

#endif
