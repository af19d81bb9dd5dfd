/*
 * sip_print.h: writing SIP messages into a caller buffer (no allocation).
 *
 * sip_print_response() answers a parsed request per RFC 3261 §8.2.6: it copies every
 * Via (in order), From, To, Call-ID and CSeq from the request, adds a To tag when
 * asked and the request's To has none, then the caller's headers, Content-Type when
 * there is a body, and always Content-Length. Copied values lose their folds (each
 * CRLF + white space run becomes one SP). sip_print_request() does the same from
 * parts. Caller-supplied header values must not contain CR or LF (no header injection).
 *
 * Both return 0 with *outlen set, -ENOSPC if out is too small, or -EINVAL for bad
 * input. When there is room, out is also NUL-terminated (not counted in *outlen).
 */
#ifndef SIP_PRINT_H
#define SIP_PRINT_H

#include "sip_msg.h"

/* One header line to print: "name: value". */
struct sip_hdr_out {
	const char *name;
	const char *value;
};

struct sip_resp_opts {
	unsigned status;		/* 100..699 */
	const char *reason;		/* NULL: the standard phrase; made safe with
					   sip_print_reason() */
	const char *to_tag;		/* added to To if it has no tag; NULL: none */
	const struct sip_hdr_out *hdrs; /* extra headers, in order */
	size_t nhdrs;
	const char *content_type; /* required when body_len > 0 */
	const void *body;
	size_t body_len;
};

int sip_print_response(char *out, size_t size, size_t *outlen, const struct sip_msg *req,
		       const struct sip_resp_opts *o);

struct sip_req_out {
	const char *method; /* a token: "INVITE" */
	const char *ruri;   /* printed as given; no white space */
	const struct sip_hdr_out *hdrs;
	size_t nhdrs;
	const char *content_type;
	const void *body;
	size_t body_len;
};

int sip_print_request(char *out, size_t size, size_t *outlen, const struct sip_req_out *r);

/*
 * Makes text safe as a Reason-Phrase: reserved and unreserved characters, SP, HTAB
 * and well-formed UTF-8 are kept; anything else (CR, LF, other controls, '%', '"',
 * '<', stray bytes...) becomes a %XX escape. Writes a NUL-terminated string,
 * truncated without cutting an escape or a UTF-8 sequence; returns its length.
 */
size_t sip_print_reason(char *out, size_t size, const char *in, size_t len);
/*
 * Writes text as a quoted-string (display names, Reason header text): DQUOTE, '\'
 * before '"' and '\', controls replaced by SP, DQUOTE. NUL-terminated; truncation
 * keeps the closing quote. Returns its length (0 if size < 3).
 */
size_t sip_print_quoted(char *out, size_t size, const char *in, size_t len);

/* The standard phrase for a status code ("Not Found"), or a class default. */
const char *sip_status_phrase(unsigned status);

/* One-line description for logs and console: "INVITE sip:bob@x (Call-ID abc, CSeq 1
 * INVITE)" or "200 OK (Call-ID abc, CSeq 1 INVITE)". Returns snprintf's result. */
int sip_print_summary(char *out, size_t size, const struct sip_msg *msg);

#endif
