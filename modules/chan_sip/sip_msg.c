/* sip_msg.c: frames, splits and validates one SIP message (see sip_msg.h). */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>

#include <strowger/common.h>

#include "sip_msg.h"

struct parse {
	struct sip_msg *msg;
	int err; /* the first error's result code; 0 while there is none */
};

/* Records the first fault only: its reason is what the 400 will say. */
static void fail(struct parse *ps, int code, const char *fmt, ...) SG_PRINTF(3, 4);
static void fail(struct parse *ps, int code, const char *fmt, ...)
{
	va_list ap;

	if (ps->err)
		return;
	ps->err = code;
	va_start(ap, fmt);
	vsnprintf(ps->msg->reason, sizeof(ps->msg->reason), fmt, ap);
	va_end(ap);
}

/* "Unterminated quoted string in From", or "Bad From" when there is no detail. */
static void fail_in(struct parse *ps, const char *why, const char *hdr)
{
	if (why)
		fail(ps, SIP_EBADREQ, "%s in %s", why, hdr);
	else
		fail(ps, SIP_EBADREQ, "Bad %s", hdr);
}

/*
 * The physical line starting at s: its text is [s, *eol) without CRLF (a bare LF is
 * accepted too), *next the start of the following line. A last line without LF runs
 * to n (only a datagram ends that way).
 */
static bool next_line(const char *p, size_t s, size_t n, size_t *eol, size_t *next)
{
	const char *lf = s < n ? memchr(p + s, '\n', n - s) : NULL;
	if (!lf)
		return false;
	size_t k = (size_t)(lf - p);
	*eol = (k > s && p[k - 1] == '\r') ? k - 1 : k;
	*next = k + 1;
	return true;
}

static void line_at(const char *p, size_t s, size_t n, size_t *eol, size_t *next)
{
	if (!next_line(p, s, n, eol, next)) {
		size_t e = n;
		if (e > s && p[e - 1] == '\r')
			e--;
		*eol = e;
		*next = n;
	}
}

/* SIP-Version = "SIP" "/" 1*DIGIT "." 1*DIGIT: 0 for 2.0, 1 for another version,
 * -1 when it is not a version at all. */
static int check_version(const struct sip_pl *v)
{
	struct sip_pl sip = sip_pl_make(v->p, 4);
	size_t i = 4, a, b;

	if (v->l < 7 || !sip_pl_caseeq_str(&sip, "SIP/"))
		return -1;
	for (a = i; i < v->l && sip_is_digit((unsigned char)v->p[i]); i++)
		;
	if (i == a || i == v->l || v->p[i] != '.')
		return -1;
	for (b = ++i; i < v->l && sip_is_digit((unsigned char)v->p[i]); i++)
		;
	if (i == b || i != v->l)
		return -1;
	return (v->l == 7 && v->p[4] == '2' && v->p[6] == '0') ? 0 : 1;
}

static void parse_request_line(struct parse *ps, const char *p, size_t n)
{
	struct sip_msg *msg = ps->msg;
	const char *why = NULL;

	msg->is_request = true;
	const char *sp = memchr(p, ' ', n);
	if (!sp) {
		fail(ps, SIP_EBADREQ, "Bad Request-Line");
		return;
	}
	size_t m = (size_t)(sp - p);
	msg->method_pl = sip_pl_make(p, m);
	msg->method = sip_method_lookup(&msg->method_pl);
	if (m == 0 || sip_lex_token(p, 0, m) != m) {
		fail(ps, SIP_EBADREQ, "Bad method");
		return;
	}

	/* Method SP Request-URI SP SIP-Version: exactly two single spaces. */
	size_t vs = n;
	while (vs > m + 1 && p[vs - 1] != ' ')
		vs--;
	if (vs == m + 1) {
		fail(ps, SIP_EBADREQ, "Bad Request-Line");
		return;
	}
	msg->version = sip_pl_make(p + vs, n - vs);
	msg->ruri_pl = sip_pl_make(p + m + 1, vs - 1 - (m + 1));
	if (msg->version.l == 0) {
		fail(ps, SIP_EBADREQ, "Trailing white space in Request-Line");
		return;
	}
	int v = check_version(&msg->version);
	if (v > 0) {
		fail(ps, SIP_EVERSION, "SIP Version Not Supported");
		return;
	}
	if (v < 0) {
		fail(ps, SIP_EBADREQ, "Bad SIP version");
		return;
	}

	const struct sip_pl *u = &msg->ruri_pl;
	if (u->l == 0 || u->p[0] == ' ' || u->p[u->l - 1] == ' ') {
		fail(ps, SIP_EBADREQ, "Extra white space in Request-Line");
		return;
	}
	for (size_t i = 0; i < u->l; i++) {
		if (sip_is_ws((unsigned char)u->p[i])) {
			fail(ps, SIP_EBADREQ, "White space in Request-URI");
			return;
		}
	}
	if (sip_uri_parse(&msg->ruri, u->p, u->l, &why)) {
		fail(ps, SIP_EBADREQ, "Bad Request-URI");
		return;
	}
	/* RFC 3261 §19.1.1: headers are not allowed in a Request-URI (RFC 4475 escruri). */
	if ((msg->ruri.scheme == SIP_URI_SIP || msg->ruri.scheme == SIP_URI_SIPS) &&
	    sip_pl_isset(&msg->ruri.headers))
		fail(ps, SIP_EBADREQ, "Bad Request-URI");
}

static void parse_status_line(struct parse *ps, const char *p, size_t n)
{
	struct sip_msg *msg = ps->msg;
	const char *sp = memchr(p, ' ', n);

	msg->is_request = false;
	size_t vl = sp ? (size_t)(sp - p) : n;
	msg->version = sip_pl_make(p, vl);
	if (check_version(&msg->version) != 0) {
		fail(ps, SIP_EBADRESP, "Bad SIP version");
		return;
	}
	size_t i = vl + 1, d = i;
	while (d < n && sip_is_digit((unsigned char)p[d]))
		d++;
	if (!sp || d - i != 3 || (d < n && p[d] != ' ')) {
		fail(ps, SIP_EBADRESP, "Bad status code");
		return;
	}
	msg->status = (unsigned)(p[i] - '0') * 100 + (unsigned)(p[i + 1] - '0') * 10 +
		      (unsigned)(p[i + 2] - '0');
	if (msg->status < 100 || msg->status > 699) {
		fail(ps, SIP_EBADRESP, "Bad status code");
		return;
	}
	/* Reason-Phrase may be empty, and the SP before it missing altogether. */
	msg->status_phrase = d < n ? sip_pl_make(p + d + 1, n - d - 1) : sip_pl_make(p + n, 0);
}

static void store(struct parse *ps, enum sip_hdr_id id, struct sip_pl name, struct sip_pl val)
{
	struct sip_msg *msg = ps->msg;

	if (msg->nhdrs == SIP_MSG_MAX_HDRS) {
		fail(ps, SIP_EBADREQ, "Too many header fields");
		return;
	}
	msg->hdrs[msg->nhdrs++] = (struct sip_hdr){ id, name, val };
}

/* Headers whose values the parser validates: an empty list element is an error. */
static bool strict_list(enum sip_hdr_id id)
{
	return id == SIP_HDR_VIA || id == SIP_HDR_CONTACT || id == SIP_HDR_ROUTE ||
	       id == SIP_HDR_RECORD_ROUTE;
}

/*
 * Splits a list header at commas that are outside quoted strings and <...>; a URI in
 * brackets or a quoted display name may hold commas of its own.
 */
static void split_list(struct parse *ps, enum sip_hdr_id id, struct sip_pl name, struct sip_pl v)
{
	bool quoted = false, angle = false;
	size_t s = 0;

	if (v.l == 0) {
		store(ps, id, name, v);
		return;
	}
	for (size_t i = 0; i <= v.l; i++) {
		if (i < v.l) {
			char c = v.p[i];
			if (quoted) {
				if (c == '\\' && i + 1 < v.l)
					i++;
				else if (c == '"')
					quoted = false;
				continue;
			}
			if (c == '"')
				quoted = true;
			else if (c == '<')
				angle = true;
			else if (c == '>')
				angle = false;
			if (c != ',' || angle)
				continue;
		}
		struct sip_pl el = sip_pl_trim(sip_pl_make(v.p + s, (i < v.l ? i : v.l) - s));
		if (el.l)
			store(ps, id, name, el);
		else if (strict_list(id))
			fail(ps, SIP_EBADREQ, "Empty element in %s", sip_hdr_name(id));
		s = i + 1;
	}
}

/* One logical header line (folds included): name, colon, value. */
static void add_header(struct parse *ps, const char *p, size_t n)
{
	size_t i = sip_lex_token(p, 0, n), k = i;

	while (k < n && (p[k] == ' ' || p[k] == '\t'))
		k++;
	if (i == 0 || k == n || p[k] != ':') {
		fail(ps, SIP_EBADREQ, "Malformed header line");
		return;
	}
	struct sip_pl name = sip_pl_make(p, i);
	struct sip_pl val = sip_pl_trim(sip_pl_make(p + k + 1, n - k - 1));
	enum sip_hdr_id id = sip_hdr_lookup(&name);
	if (sip_hdr_is_list(id))
		split_list(ps, id, name, val);
	else
		store(ps, id, name, val);
}

/* Splits [s, end) into the start line and logical header lines. */
static void parse_lines(struct parse *ps, const char *buf, size_t s, size_t end)
{
	size_t eol, next;

	line_at(buf, s, end, &eol, &next);
	if (eol - s >= 4 && sip_pl_caseeq_str(&(struct sip_pl){ buf + s, 4 }, "SIP/"))
		parse_status_line(ps, buf + s, eol - s);
	else
		parse_request_line(ps, buf + s, eol - s);

	size_t pos = next;
	while (pos < end) {
		line_at(buf, pos, end, &eol, &next);
		if (buf[pos] == ' ' || buf[pos] == '\t') {
			/* Only possible right after the start line, which cannot fold. */
			fail(ps, SIP_EBADREQ, "Malformed header line");
			pos = next;
			continue;
		}
		size_t hs = pos, he = eol;
		pos = next;
		while (pos < end && (buf[pos] == ' ' || buf[pos] == '\t')) {
			line_at(buf, pos, end, &eol, &next);
			he = eol;
			pos = next;
		}
		add_header(ps, buf + hs, he - hs);
	}
}

/*
 * Content-Length decides where the message ends. Returns SIP_ENEED when a stream does
 * not hold the whole body yet, else 0 with body and used set.
 */
static int frame_body(struct parse *ps, const char *buf, size_t len, size_t body_start,
		      enum sip_framing framing)
{
	struct sip_msg *msg = ps->msg;
	const struct sip_hdr *cl = sip_msg_hdr(msg, SIP_HDR_CONTENT_LENGTH, NULL);
	size_t avail = len - body_start;
	bool ok = false;

	if (cl && sip_msg_hdr(msg, SIP_HDR_CONTENT_LENGTH, cl)) {
		fail(ps, SIP_EBADREQ, "Multiple Content-Length header fields");
	} else if (cl) {
		if (sip_number_parse(&cl->val, UINT32_MAX, &msg->clen))
			fail(ps, SIP_EBADREQ, "Bad Content-Length");
		else
			ok = msg->has_clen = true;
	}

	if (framing == SIP_STREAM) {
		if (ok && msg->clen > avail)
			return SIP_ENEED;
		if (!cl)
			fail(ps, SIP_EBADREQ, "Missing Content-Length");
		size_t bl = ok ? msg->clen : 0;
		msg->body = sip_pl_make(buf + body_start, bl);
		msg->used = body_start + bl;
		return 0;
	}

	msg->used = len;
	if (ok && msg->clen > avail) {
		fail(ps, SIP_EBADREQ, "Bad Content-Length");
		ok = false;
	}
	msg->body = sip_pl_make(buf + body_start, ok ? msg->clen : avail);
	return 0;
}

static bool is_broadcast(const struct sip_via *via)
{
	return via->host_type == SIP_HOST_IPV4 && sip_pl_eq_str(&via->host, "255.255.255.255");
}

/* Checks the headers every message needs, in the order they were sent. */
static void validate(struct parse *ps)
{
	struct sip_msg *msg = ps->msg;
	bool seen[SIP_HDR_COUNT] = { false };
	size_t contacts = 0;
	bool star = false;

	for (size_t i = 0; i < msg->nhdrs; i++) {
		const struct sip_hdr *h = &msg->hdrs[i];
		const char *why = NULL;
		struct sip_addr a;
		uint32_t mf;

		if (sip_hdr_is_single(h->id) && seen[h->id]) {
			fail(ps, SIP_EBADREQ, "Multiple %s header fields", sip_hdr_name(h->id));
			continue;
		}
		switch (h->id) {
		case SIP_HDR_VIA: {
			struct sip_via via;
			if (sip_via_parse(&via, &h->val, &why)) {
				fail_in(ps, why, "Via");
				break;
			}
			if (!seen[h->id])
				msg->via = via;
			/* RFC 4475 bcast: a response routed back through a broadcast sent-by
			 * would be sent to every host; never act on one. */
			if (!msg->is_request && is_broadcast(&via))
				fail(ps, SIP_EBADRESP, "Broadcast address in Via");
			break;
		}
		case SIP_HDR_FROM:
			if (sip_addr_parse(&msg->from, &h->val, 0, &why))
				fail_in(ps, why, "From");
			break;
		case SIP_HDR_TO:
			if (sip_addr_parse(&msg->to, &h->val, 0, &why))
				fail_in(ps, why, "To");
			break;
		case SIP_HDR_CALL_ID:
			if (sip_callid_check(&h->val))
				fail(ps, SIP_EBADREQ, "Bad Call-ID");
			else
				msg->call_id = h->val;
			break;
		case SIP_HDR_CSEQ:
			if (sip_cseq_parse(&h->val, &msg->cseq, &msg->cseq_method_pl))
				fail(ps, SIP_EBADREQ, "Bad CSeq");
			else
				msg->cseq_method = sip_method_lookup(&msg->cseq_method_pl);
			break;
		case SIP_HDR_MAX_FORWARDS:
			if (sip_number_parse(&h->val, 255, &mf))
				fail(ps, SIP_EBADREQ, "Bad Max-Forwards");
			else
				msg->max_forwards = (int)mf;
			break;
		case SIP_HDR_CONTENT_TYPE:
			if (sip_ctype_parse(&h->val, &msg->ctype))
				fail(ps, SIP_EBADREQ, "Bad Content-Type");
			else
				msg->has_ctype = true;
			break;
		case SIP_HDR_CONTACT:
			if (sip_addr_parse(&a, &h->val, SIP_ADDR_STAR, &why)) {
				fail_in(ps, why, "Contact");
				break;
			}
			contacts++;
			star = star || a.star;
			break;
		case SIP_HDR_ROUTE:
		case SIP_HDR_RECORD_ROUTE:
			if (sip_addr_parse(&a, &h->val, SIP_ADDR_NEED_ANGLE, &why))
				fail_in(ps, why, sip_hdr_name(h->id));
			break;
		default:
			break;
		}
		seen[h->id] = true;
	}
	if (star && contacts > 1)
		fail(ps, SIP_EBADREQ, "Contact * must be alone");

	static const enum sip_hdr_id needed[] = { SIP_HDR_VIA, SIP_HDR_FROM, SIP_HDR_TO,
						  SIP_HDR_CALL_ID, SIP_HDR_CSEQ };
	for (size_t i = 0; i < sizeof(needed) / sizeof(needed[0]); i++)
		if (!seen[needed[i]])
			fail(ps, SIP_EMISSING, "Missing %s header", sip_hdr_name(needed[i]));

	if (msg->is_request && seen[SIP_HDR_CSEQ] && msg->cseq_method_pl.p &&
	    !sip_pl_eq(&msg->cseq_method_pl, &msg->method_pl))
		fail(ps, SIP_EBADREQ, "CSeq method does not match the request");
}

int sip_msg_parse(struct sip_msg *msg, const char *buf, size_t len, enum sip_framing framing)
{
	struct parse ps = { .msg = msg };
	size_t start = 0, pos, eol, next, hdr_end = 0, body_start = 0;
	bool complete = false;

	memset(msg, 0, offsetof(struct sip_msg, hdrs));
	msg->max_forwards = -1;
	if (!buf)
		len = 0;

	/* CRLFs before the start line are ignored (§7.5); only CRLFs is a keep-alive. */
	while (start < len && (buf[start] == '\r' || buf[start] == '\n'))
		start++;
	if (start == len) {
		if (len == 0 && framing == SIP_STREAM)
			return SIP_ENEED;
		msg->used = len;
		return SIP_EKEEPALIVE;
	}

	/* Find the empty line that ends the headers before parsing anything, so a
	 * stream that trickles in is scanned cheaply until it is complete. */
	for (pos = start; next_line(buf, pos, len, &eol, &next); pos = next) {
		if (eol == pos) {
			hdr_end = pos;
			body_start = next;
			complete = true;
			break;
		}
	}
	if (!complete) {
		if (framing == SIP_STREAM)
			return SIP_ENEED;
		hdr_end = body_start = len;
	}

	parse_lines(&ps, buf, start, hdr_end);
	if (frame_body(&ps, buf, len, body_start, framing) == SIP_ENEED) {
		msg->reason[0] = '\0';
		msg->used = 0;
		return SIP_ENEED;
	}
	validate(&ps);

	if (!ps.err)
		return 0;
	return msg->is_request ? ps.err : SIP_EBADRESP;
}

unsigned sip_msg_error_status(int err)
{
	switch (err) {
	case SIP_EBADREQ:
	case SIP_EMISSING:
		return 400;
	case SIP_EVERSION:
		return 505;
	default:
		return 0;
	}
}

bool sip_msg_can_reply(const struct sip_msg *msg)
{
	return msg->is_request && sip_msg_hdr(msg, SIP_HDR_VIA, NULL) != NULL;
}

const struct sip_hdr *sip_msg_hdr(const struct sip_msg *msg, enum sip_hdr_id id,
				  const struct sip_hdr *prev)
{
	size_t i = prev ? (size_t)(prev - msg->hdrs) + 1 : 0;
	for (; i < msg->nhdrs; i++)
		if (msg->hdrs[i].id == id)
			return &msg->hdrs[i];
	return NULL;
}

const struct sip_hdr *sip_msg_hdr_by_name(const struct sip_msg *msg, const char *name,
					  const struct sip_hdr *prev)
{
	struct sip_pl n = sip_pl_of(name);
	enum sip_hdr_id id = sip_hdr_lookup(&n);
	size_t i = prev ? (size_t)(prev - msg->hdrs) + 1 : 0;

	if (id != SIP_HDR_OTHER)
		return sip_msg_hdr(msg, id, prev);
	for (; i < msg->nhdrs; i++)
		if (msg->hdrs[i].id == SIP_HDR_OTHER && sip_pl_caseeq(&msg->hdrs[i].name, &n))
			return &msg->hdrs[i];
	return NULL;
}

size_t sip_msg_hdr_count(const struct sip_msg *msg, enum sip_hdr_id id)
{
	size_t c = 0;
	for (size_t i = 0; i < msg->nhdrs; i++)
		c += msg->hdrs[i].id == id;
	return c;
}

int sip_msg_single(const struct sip_msg *msg, enum sip_hdr_id id, const struct sip_hdr **out)
{
	const struct sip_hdr *h = sip_msg_hdr(msg, id, NULL);
	if (!h)
		return -ENOENT;
	if (sip_msg_hdr(msg, id, h))
		return -EEXIST;
	*out = h;
	return 0;
}

int sip_msg_addr(const struct sip_msg *msg, enum sip_hdr_id id, struct sip_addr *out)
{
	const struct sip_hdr *h;
	int err = sip_msg_single(msg, id, &h);
	if (err)
		return err;
	return sip_addr_parse(out, &h->val, 0, NULL);
}

int sip_msg_expires(const struct sip_msg *msg, uint32_t *secs)
{
	const struct sip_hdr *h;
	int err = sip_msg_single(msg, SIP_HDR_EXPIRES, &h);
	if (err)
		return err == -EEXIST ? -EINVAL : err;
	return sip_number_parse(&h->val, UINT32_MAX, secs);
}

bool sip_msg_has_tag(const struct sip_msg *msg, enum sip_hdr_id id, const char *tag)
{
	for (const struct sip_hdr *h = sip_msg_hdr(msg, id, NULL); h; h = sip_msg_hdr(msg, id, h))
		if (sip_pl_caseeq_str(&h->val, tag))
			return true;
	return false;
}

size_t sip_msg_unknown_tags(const struct sip_msg *msg, enum sip_hdr_id id,
			    const char *const *known, struct sip_pl *out, size_t max)
{
	size_t count = 0;

	for (const struct sip_hdr *h = sip_msg_hdr(msg, id, NULL); h; h = sip_msg_hdr(msg, id, h)) {
		bool found = false;
		for (size_t k = 0; known && known[k] && !found; k++)
			found = sip_pl_caseeq_str(&h->val, known[k]);
		if (found || h->val.l == 0)
			continue;
		if (count < max)
			out[count] = h->val;
		count++;
	}
	return count;
}
