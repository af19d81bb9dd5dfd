/*
 * sip_msg.h: parsing one SIP message (RFC 3261 §7, §20, §25) from a receive buffer.
 *
 * How the parser fits together
 * ----------------------------
 * The chan_sip parser is a set of pure files (libc only, no core calls) so the unit
 * tests link them directly:
 *   sip_pl      pointer + length views, comparisons, numbers, unescaping
 *   sip_lex     character classes, white space, tokens, quoted strings, ";params"
 *   sip_uri     sip:/sips:/tel:/other URIs; sip_uri_cmp: §19.1.4 comparison
 *   sip_hdr     header names, compact forms, which headers are lists / single
 *   sip_method  method names
 *   sip_addr    From/To/Contact/Route/Refer-To/... (name-addr / addr-spec)
 *   sip_via     Via;  sip_auth: Authorization & co;  sip_fields: CSeq, Call-ID,
 *               Content-Type, Event, Subscription-State, Replaces, RSeq/RAck, ...
 *   sip_msg     this file: framing, start line, header lines, validation
 *   sip_print   responses and requests into a caller buffer
 *
 * Nothing is copied or allocated. sip_msg_parse() fills a caller-owned struct sip_msg
 * whose fields are views (struct sip_pl) into the buffer, so the buffer must outlive
 * the message. The buffer is not NUL-terminated and may hold binary bodies; every scan
 * is bounded by its length.
 *
 * Header lines. Names compare case-insensitively and compact forms ("v", "i", "m",
 * "l", ...) map to the same id. A folded line (CRLF followed by SP/HTAB) is one
 * logical line: the value view then still contains the CRLF, which every value parser
 * treats as white space, and sip_print replaces by spaces when it copies the value.
 * A header whose grammar is a comma-separated list (sip_hdr_is_list: Via, Contact,
 * Route, Record-Route, Allow, Supported, Require, ...) is split into one sip_hdr per
 * element, never at a comma inside a quoted string or inside <...>; all other headers
 * (Authorization, WWW-Authenticate, Date, unknown ones, ...) keep their whole value.
 * Headers keep their order, so the Vias of several lines and of one line come out in
 * the order they were sent.
 *
 * Validated while parsing: the start line; Via, From, To, Call-ID, CSeq (number
 * < 2^31, method equal to the request's), Max-Forwards (0-255), Content-Length,
 * Content-Type, Contact, Route and Record-Route values; that From, To, Call-ID, CSeq,
 * Max-Forwards, Content-Length and Content-Type appear at most once; and that Via,
 * From, To, Call-ID and CSeq are present (Max-Forwards is optional for a UAS, RFC 3261
 * §8.2 and RFC 4475 inv2543). Everything else is parsed on demand by the sip_*_parse
 * functions from the stored values, so an odd Expires, Date or Subject never costs a
 * whole request: RFC 4475 asks for strictness only where a field is needed to answer.
 * A Date header is not interpreted (RFC 4475 baddate is accepted, the Date ignored).
 *
 * Framing. SIP_DATAGRAM: the buffer is one datagram. The body is Content-Length bytes
 * (the rest is ignored, RFC 4475 dblreq), or all that remains when Content-Length is
 * absent; a Content-Length larger than what remains is an error. A datagram that ends
 * before the empty line after the headers is taken as a message without a body.
 * SIP_STREAM: the buffer is the start of a TCP/TLS byte stream; leading CRLFs are
 * skipped (§7.5), the parser returns SIP_ENEED until the headers and Content-Length
 * bytes of body are all there, and msg->used then says how many bytes this message
 * took, so the next one starts at buf + used. Content-Length is required on streams.
 * After any error other than SIP_ENEED on a stream, framing cannot be trusted:
 * answer if you can, then close the connection. The parser sets no size limit: the
 * transport caps how much it buffers (a stream announcing a huge Content-Length would
 * otherwise be SIP_ENEED forever).
 *
 * Results. 0, or:
 *   SIP_ENEED      stream: incomplete; call again with more data (msg->used = 0)
 *   SIP_EKEEPALIVE only CRLFs (RFC 5626 keep-alive); msg->used says how many
 *   SIP_EBADREQ    malformed request: answer 400 with msg->reason as the phrase
 *   SIP_EMISSING   request without a mandatory header: 400 "Missing ..." likewise
 *   SIP_EVERSION   request with a SIP version other than 2.0: answer 505
 *   SIP_EBADRESP   malformed response (or one with a broadcast Via sent-by,
 *                  RFC 4475 bcast): drop it silently
 * On a request error the header lines are still split as far as possible, so when
 * sip_msg_can_reply() is true sip_print_response() can build the 400/505 answer.
 * A Request-URI of an unknown scheme is not an error: msg->ruri.scheme is
 * SIP_URI_OTHER and the UAS answers 416 (RFC 4475 unkscm, novelsc).
 */
#ifndef SIP_MSG_H
#define SIP_MSG_H

#include "sip_addr.h"
#include "sip_fields.h"
#include "sip_hdr.h"
#include "sip_method.h"
#include "sip_uri.h"
#include "sip_via.h"

/* Header values kept per message (list elements count one each). More is a 400. */
#define SIP_MSG_MAX_HDRS 256

enum sip_framing { SIP_DATAGRAM, SIP_STREAM };

enum {
	SIP_ENEED = -1,
	SIP_EKEEPALIVE = -2,
	SIP_EBADREQ = -3,
	SIP_EMISSING = -4,
	SIP_EVERSION = -5,
	SIP_EBADRESP = -6,
};

struct sip_hdr {
	enum sip_hdr_id id;
	struct sip_pl name; /* as written: "v", "Via", "ViA" */
	struct sip_pl val;  /* one value (one list element), trimmed; may hold folds */
};

struct sip_msg {
	bool is_request;
	struct sip_pl start_line;
	struct sip_pl version; /* "SIP/2.0" */

	/* Requests */
	enum sip_method method;
	struct sip_pl method_pl;
	struct sip_pl ruri_pl;
	struct sip_uri ruri;

	/* Responses */
	unsigned status;
	struct sip_pl status_phrase; /* may be empty; any UTF-8 */

	size_t nhdrs;

	/* Parsed on every message (valid when the parse returned 0). */
	struct sip_via via; /* the top Via */
	struct sip_addr from;
	struct sip_addr to;
	struct sip_pl call_id;
	uint32_t cseq;
	struct sip_pl cseq_method_pl;
	enum sip_method cseq_method;
	int max_forwards;	  /* -1 when absent */
	bool has_clen;
	uint32_t clen;
	bool has_ctype;
	struct sip_ctype ctype;

	struct sip_pl body; /* binary-safe; empty (not unset) when there is none */
	size_t used;	    /* bytes of the buffer this message took */
	char reason[96];    /* why it failed: a 400 reason phrase; "" on success */

	/* Last: the parser clears only what comes before (10 KB of it is here). */
	struct sip_hdr hdrs[SIP_MSG_MAX_HDRS];
};

/* Parses the message at the start of buf. See the comment above for the results. */
int sip_msg_parse(struct sip_msg *msg, const char *buf, size_t len, enum sip_framing framing);

/* The response an error calls for: 400, 505, or 0 (drop / not an error). */
unsigned sip_msg_error_status(int err);
/*
 * A request that can be answered: it has a Via (a response without one could never be
 * matched). Whatever of From, To, Call-ID and CSeq it has is copied. If the top Via
 * did not parse (msg->via.host unset), send the answer to the packet's source.
 */
bool sip_msg_can_reply(const struct sip_msg *msg);

/* The first header with this id after `prev` (NULL: from the start), or NULL. */
const struct sip_hdr *sip_msg_hdr(const struct sip_msg *msg, enum sip_hdr_id id,
				  const struct sip_hdr *prev);
/* Same by name (case-insensitive; known names and compact forms match their id). */
const struct sip_hdr *sip_msg_hdr_by_name(const struct sip_msg *msg, const char *name,
					  const struct sip_hdr *prev);
size_t sip_msg_hdr_count(const struct sip_msg *msg, enum sip_hdr_id id);

/*
 * The only instance of a header that may appear once: 0, -ENOENT (absent) or
 * -EEXIST (several).
 */
int sip_msg_single(const struct sip_msg *msg, enum sip_hdr_id id, const struct sip_hdr **out);

/* The only instance of an address header (Refer-To, Referred-By, Reply-To, ...)
 * parsed: 0, -ENOENT, -EEXIST (several), -EINVAL (malformed). */
int sip_msg_addr(const struct sip_msg *msg, enum sip_hdr_id id, struct sip_addr *out);
/* Expires header: 0, -ENOENT, -EINVAL, -ERANGE (more than 2^32-1: use the default). */
int sip_msg_expires(const struct sip_msg *msg, uint32_t *secs);
/* Whether an option-tag list header (Require, Proxy-Require, Supported, Unsupported,
 * Allow) holds tag (case-insensitive). */
bool sip_msg_has_tag(const struct sip_msg *msg, enum sip_hdr_id id, const char *tag);
/*
 * Collects the option-tags of Require (or Proxy-Require) that are not in `known`
 * (a NULL-terminated list), for a 420 Unsupported answer. Writes at most max views
 * into out and returns how many there are in all.
 */
size_t sip_msg_unknown_tags(const struct sip_msg *msg, enum sip_hdr_id id,
			    const char *const *known, struct sip_pl *out, size_t max);

#endif
