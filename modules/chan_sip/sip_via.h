/*
 * sip_via.h: one Via value (RFC 3261 §20.42, §18.2.2; RFC 3581 rport):
 *
 *   SIP / 2.0 / UDP host.example.com:5060 ;branch=z9hG4bK776;received=192.0.2.1;rport
 *
 * White space is allowed around the slashes, the colon, ';' and '='. Unknown
 * transports ("SIP/2.0/UNKNOWN") are kept as written with SIP_TP_OTHER.
 */
#ifndef SIP_VIA_H
#define SIP_VIA_H

#include "sip_lex.h"
#include "sip_uri.h"

enum sip_tp {
	SIP_TP_OTHER = 0,
	SIP_TP_UDP,
	SIP_TP_TCP,
	SIP_TP_TLS,
	SIP_TP_SCTP,
	SIP_TP_WS,
	SIP_TP_WSS,
};

struct sip_via {
	struct sip_pl proto_name;    /* "SIP" */
	struct sip_pl proto_version; /* "2.0" */
	struct sip_pl transport;     /* "UDP", as written */
	enum sip_tp tp;
	struct sip_pl host; /* sent-by host; an IPv6 address without its brackets */
	enum sip_host_type host_type;
	uint16_t port;	    /* 0 when absent */
	struct sip_pl branch;	/* unset if absent */
	struct sip_pl received; /* unset if absent */
	struct sip_pl maddr;	/* unset if absent */
	int ttl;		/* -1 if absent */
	bool rport;		/* rport present, with or without a value */
	uint16_t rport_val;	/* its value, 0 if none */
	struct sip_pl params;	/* every parameter, ";..." as written; unset if none */
};

/* 0 or -EINVAL with *why (if not NULL) a short static reason. */
int sip_via_parse(struct sip_via *via, const struct sip_pl *val, const char **why);
/* "UDP" -> SIP_TP_UDP (case-insensitive). */
enum sip_tp sip_tp_lookup(const struct sip_pl *name);
/* "UDP", "TCP", ...; "" for SIP_TP_OTHER. */
const char *sip_tp_name(enum sip_tp tp);
/* RFC 3261 §8.1.1.7: the branch starts with the magic cookie "z9hG4bK". */
bool sip_via_rfc3261_branch(const struct sip_via *via);

#endif
