/*
 * sip_uri.h: sip:, sips: and tel: URIs (RFC 3261 §19.1, RFC 3966) parsed into views.
 *
 *   sip:user:password@host:port;uri-parameters?headers
 *   tel:+1-201-555-0123;ext=1234;phone-context=example.com
 *
 * Escapes (%XX) are kept raw in every view; sip_pl_unescape() resolves them into a
 * caller buffer. A URI of any other scheme ("http:", "urn:", "nobodyKnowsThis:") is
 * not an error: it parses with scheme SIP_URI_OTHER and the rest in `opaque`, so a
 * UAS can answer 416 (Unsupported URI Scheme) instead of 400.
 */
#ifndef SIP_URI_H
#define SIP_URI_H

#include "sip_pl.h"

enum sip_uri_scheme {
	SIP_URI_SIP,
	SIP_URI_SIPS,
	SIP_URI_TEL,
	SIP_URI_OTHER, /* syntactically an absoluteURI, scheme unknown to us */
};

enum sip_host_type {
	SIP_HOST_NONE, /* tel: and unknown schemes */
	SIP_HOST_NAME,
	SIP_HOST_IPV4,
	SIP_HOST_IPV6, /* host holds the address without its brackets */
};

struct sip_uri {
	enum sip_uri_scheme scheme;
	struct sip_pl scheme_pl; /* as written: "sip", "SIP", "nobodyKnowsThisScheme" */
	struct sip_pl user;	 /* sip/sips user, or the tel: number; unset if none */
	struct sip_pl password;	 /* unset if none */
	struct sip_pl host;
	enum sip_host_type host_type;
	uint16_t port;		 /* 0 when absent */
	struct sip_pl params;	 /* ";a=b;lr", leading ';' included; unset if none */
	struct sip_pl headers;	 /* "h=v&h2=v2" without the '?'; unset if none */
	struct sip_pl opaque;	 /* SIP_URI_OTHER: everything after "scheme:" */
	struct sip_pl whole;	 /* the whole URI text */
};

/* One "name[=value]" of the parameter or header part. */
struct sip_uri_param {
	struct sip_pl name;
	struct sip_pl val; /* unset when the parameter has no '=' */
};

/*
 * Parses exactly len bytes (no surrounding white space or <>). 0, or -EINVAL with
 * *why (if not NULL) set to a short static description of the fault.
 */
int sip_uri_parse(struct sip_uri *uri, const char *p, size_t len, const char **why);

/* Iterates uri->params: 1 with *out filled, 0 at the end. */
int sip_uri_param_next(struct sip_pl *iter, struct sip_uri_param *out);
/* Finds a URI parameter by name (case-insensitive: "transport", "user", "lr",
 * "maddr", "ttl", "method", ...). */
bool sip_uri_param(const struct sip_uri *uri, const char *name, struct sip_uri_param *out);
/* Iterates uri->headers ("?h=v&h2=v2"): 1 with *out filled, 0 at the end. */
int sip_uri_header_next(struct sip_pl *iter, struct sip_uri_param *out);

/*
 * Scans a host (hostname, IPv4 address, or "[IPv6]") starting at p[i]. On success
 * *end is just past it, *host the address (brackets stripped) and *type its kind.
 * -EINVAL if there is none or it is malformed.
 */
int sip_host_scan(const char *p, size_t i, size_t n, size_t *end, struct sip_pl *host,
		  enum sip_host_type *type);
/* A port: 1*DIGIT in 1..65535. 0 or -EINVAL. */
int sip_port_parse(const struct sip_pl *pl, uint16_t *port);

/*
 * RFC 3261 §19.1.4 comparison of two parsed URIs: true when equivalent. For sip/sips:
 * same scheme; user and password compared case-sensitively, host case-insensitively
 * (IPv6 by value); ports must both be absent or equal; parameters present in both must
 * match; user, ttl, method, maddr and transport must not be present in only one;
 * headers must be the same set. Escapes of unreserved characters equal the characters
 * themselves. tel: compares the number without visual separators and the parameters
 * as sets; other schemes compare byte for byte (scheme case-insensitively).
 */
bool sip_uri_equal(const struct sip_uri *a, const struct sip_uri *b);

#endif
