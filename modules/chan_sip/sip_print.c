/* sip_print.c: writes responses and requests into caller buffers. */
#include <errno.h>
#include <stdio.h>

#include <strowger/common.h>

#include "sip_print.h"

/* An output buffer that remembers overflowing instead of failing each call. */
struct wbuf {
	char *p;
	size_t size;
	size_t len;
	bool full;
};

static void put(struct wbuf *b, const void *s, size_t n)
{
	if (b->full || n > b->size - b->len) {
		b->full = true;
		return;
	}
	if (n)
		memcpy(b->p + b->len, s, n);
	b->len += n;
}

static void put_str(struct wbuf *b, const char *s)
{
	put(b, s, strlen(s));
}

/* A number in decimal: vsnprintf showed in profiles. */
static void put_uint(struct wbuf *b, size_t v)
{
	char tmp[24];
	put(b, tmp, (size_t)(sip_put_dec(tmp, v) - tmp));
}

/* A received value without its folds: each run of CR/LF and white space after it
 * becomes one SP, so a copied header is a single line. */
static void put_unfolded(struct wbuf *b, const struct sip_pl *v)
{
	size_t i = 0;

	while (i < v->l) {
		size_t s = i;
		while (i < v->l && v->p[i] != '\r' && v->p[i] != '\n')
			i++;
		put(b, v->p + s, i - s);
		if (i == v->l)
			break;
		while (i < v->l && sip_is_ws((unsigned char)v->p[i]))
			i++;
		/* Drop the space a fold left before itself, if any, to print exactly one. */
		if (b->len && !b->full && (b->p[b->len - 1] == ' ' || b->p[b->len - 1] == '\t'))
			continue;
		put(b, " ", 1);
	}
}

static void put_copied(struct wbuf *b, const char *name, const struct sip_hdr *h)
{
	put_str(b, name);
	put(b, ": ", 2);
	put_unfolded(b, &h->val);
	put(b, "\r\n", 2);
}

static bool safe_value(const char *s)
{
	return s && !strpbrk(s, "\r\n");
}

static bool token_str(const char *s)
{
	size_t n = s ? strlen(s) : 0;
	return n > 0 && sip_lex_token(s, 0, n) == n;
}

static int check_hdrs(const struct sip_hdr_out *hdrs, size_t n)
{
	if (n && !hdrs)
		return -EINVAL;
	for (size_t i = 0; i < n; i++)
		if (!token_str(hdrs[i].name) || !safe_value(hdrs[i].value))
			return -EINVAL;
	return 0;
}

/* Caller headers, Content-Type, Content-Length, the empty line and the body. */
static void put_tail(struct wbuf *b, const struct sip_hdr_out *hdrs, size_t nhdrs,
		     const char *ctype, const void *body, size_t body_len)
{
	for (size_t i = 0; i < nhdrs; i++) {
		put_str(b, hdrs[i].name);
		put(b, ": ", 2);
		put_str(b, hdrs[i].value);
		put(b, "\r\n", 2);
	}
	if (body_len) {
		put_str(b, "Content-Type: ");
		put_str(b, ctype);
		put(b, "\r\n", 2);
	}
	put_str(b, "Content-Length: ");
	put_uint(b, body_len);
	put(b, "\r\n\r\n", 4);
	put(b, body, body_len);
}

static int finish(struct wbuf *b, size_t *outlen)
{
	if (b->full)
		return -ENOSPC;
	if (b->len < b->size)
		b->p[b->len] = '\0';
	if (outlen)
		*outlen = b->len;
	return 0;
}

static int check_body(const char *ctype, const void *body, size_t body_len)
{
	if (body_len && (!body || !safe_value(ctype) || !ctype[0]))
		return -EINVAL;
	return 0;
}

int sip_print_response(char *out, size_t size, size_t *outlen, const struct sip_msg *req,
		       const struct sip_resp_opts *o)
{
	struct wbuf b = { out, size, 0, false };
	char reason[128];
	const struct sip_hdr *h;

	if (!out || !req || !o || o->status < 100 || o->status > 699 || !req->is_request ||
	    check_hdrs(o->hdrs, o->nhdrs) || check_body(o->content_type, o->body, o->body_len) ||
	    (o->to_tag && !token_str(o->to_tag)))
		return -EINVAL;

	const char *phrase = o->reason ? o->reason : sip_status_phrase(o->status);
	sip_print_reason(reason, sizeof(reason), phrase, strlen(phrase));
	put(&b, "SIP/2.0 ", 8);
	put_uint(&b, o->status); /* 100-699: three digits */
	put(&b, " ", 1);
	put_str(&b, reason);
	put(&b, "\r\n", 2);

	for (h = sip_msg_hdr(req, SIP_HDR_VIA, NULL); h; h = sip_msg_hdr(req, SIP_HDR_VIA, h))
		put_copied(&b, "Via", h);
	if ((h = sip_msg_hdr(req, SIP_HDR_FROM, NULL)))
		put_copied(&b, "From", h);
	if ((h = sip_msg_hdr(req, SIP_HDR_TO, NULL))) {
		put_str(&b, "To: ");
		put_unfolded(&b, &h->val);
		if (o->to_tag && !sip_pl_isset(&req->to.tag)) {
			put_str(&b, ";tag=");
			put_str(&b, o->to_tag);
		}
		put(&b, "\r\n", 2);
	}
	if ((h = sip_msg_hdr(req, SIP_HDR_CALL_ID, NULL)))
		put_copied(&b, "Call-ID", h);
	if ((h = sip_msg_hdr(req, SIP_HDR_CSEQ, NULL)))
		put_copied(&b, "CSeq", h);
	/* §8.2.6.1: a 100 echoes the request's Timestamp. */
	if (o->status == 100 && (h = sip_msg_hdr(req, SIP_HDR_TIMESTAMP, NULL)))
		put_copied(&b, "Timestamp", h);

	put_tail(&b, o->hdrs, o->nhdrs, o->content_type, o->body, o->body_len);
	return finish(&b, outlen);
}

int sip_print_request(char *out, size_t size, size_t *outlen, const struct sip_req_out *r)
{
	struct wbuf b = { out, size, 0, false };

	if (!out || !r || !token_str(r->method) || !r->ruri || !r->ruri[0] ||
	    strpbrk(r->ruri, " \t\r\n") || check_hdrs(r->hdrs, r->nhdrs) ||
	    check_body(r->content_type, r->body, r->body_len))
		return -EINVAL;

	put_str(&b, r->method);
	put(&b, " ", 1);
	put_str(&b, r->ruri);
	put_str(&b, " SIP/2.0\r\n");
	put_tail(&b, r->hdrs, r->nhdrs, r->content_type, r->body, r->body_len);
	return finish(&b, outlen);
}

/* Length of the well-formed UTF-8 sequence at s (lead byte >= 0x80), 0 if none. */
static size_t utf8_len(const unsigned char *s, size_t n)
{
	size_t len;

	if (s[0] >= 0xc2 && s[0] <= 0xdf)
		len = 2;
	else if (s[0] >= 0xe0 && s[0] <= 0xef)
		len = 3;
	else if (s[0] >= 0xf0 && s[0] <= 0xf4)
		len = 4;
	else
		return 0;
	if (len > n)
		return 0;
	for (size_t i = 1; i < len; i++)
		if ((s[i] & 0xc0) != 0x80)
			return 0;
	return len;
}

size_t sip_print_reason(char *out, size_t size, const char *in, size_t len)
{
	static const char hex[] = "0123456789ABCDEF";
	size_t o = 0;

	if (size == 0)
		return 0;
	for (size_t i = 0; i < len && in;) {
		unsigned char c = (unsigned char)in[i];
		size_t n = 1;
		bool keep;

		if (c >= 0x80) {
			n = utf8_len((const unsigned char *)in + i, len - i);
			keep = n > 0;
			if (!n)
				n = 1;
		} else {
			keep = sip_is_unreserved(c) || c == ' ' || c == '\t' ||
			       (c != 0 && strchr(";/?:@&=+$,", c));
		}
		size_t need = keep ? n : 3;
		if (o + need >= size)
			break;
		if (keep) {
			memcpy(out + o, in + i, n);
		} else {
			out[o] = '%';
			out[o + 1] = hex[c >> 4];
			out[o + 2] = hex[c & 15];
		}
		o += need;
		i += n;
	}
	out[o] = '\0';
	return o;
}

size_t sip_print_quoted(char *out, size_t size, const char *in, size_t len)
{
	size_t o = 0;

	if (size < 3)
		return 0;
	out[o++] = '"';
	for (size_t i = 0; i < len && in; i++) {
		unsigned char c = (unsigned char)in[i];
		bool esc = c == '"' || c == '\\';
		if ((c < 0x20 && c != '\t') || c == 0x7f)
			c = ' ';
		/* Keep room for this character, its backslash, the closing quote and NUL. */
		if (o + (esc ? 2 : 1) + 2 > size)
			break;
		if (esc)
			out[o++] = '\\';
		out[o++] = (char)c;
	}
	out[o++] = '"';
	out[o] = '\0';
	return o;
}

const char *sip_status_phrase(unsigned status)
{
	static const struct {
		unsigned code;
		const char *phrase;
	} phrases[] = {
		{ 100, "Trying" }, { 180, "Ringing" }, { 181, "Call Is Being Forwarded" },
		{ 182, "Queued" }, { 183, "Session Progress" }, { 199, "Early Dialog Terminated" },
		{ 200, "OK" }, { 202, "Accepted" }, { 204, "No Notification" },
		{ 300, "Multiple Choices" }, { 301, "Moved Permanently" },
		{ 302, "Moved Temporarily" }, { 305, "Use Proxy" }, { 380, "Alternative Service" },
		{ 400, "Bad Request" }, { 401, "Unauthorized" }, { 402, "Payment Required" },
		{ 403, "Forbidden" }, { 404, "Not Found" }, { 405, "Method Not Allowed" },
		{ 406, "Not Acceptable" }, { 407, "Proxy Authentication Required" },
		{ 408, "Request Timeout" }, { 410, "Gone" }, { 412, "Conditional Request Failed" },
		{ 413, "Request Entity Too Large" }, { 414, "Request-URI Too Long" },
		{ 415, "Unsupported Media Type" }, { 416, "Unsupported URI Scheme" },
		{ 420, "Bad Extension" }, { 421, "Extension Required" },
		{ 422, "Session Interval Too Small" }, { 423, "Interval Too Brief" },
		{ 480, "Temporarily Unavailable" }, { 481, "Call/Transaction Does Not Exist" },
		{ 482, "Loop Detected" }, { 483, "Too Many Hops" }, { 484, "Address Incomplete" },
		{ 485, "Ambiguous" }, { 486, "Busy Here" }, { 487, "Request Terminated" },
		{ 488, "Not Acceptable Here" }, { 489, "Bad Event" }, { 491, "Request Pending" },
		{ 493, "Undecipherable" }, { 500, "Server Internal Error" },
		{ 501, "Not Implemented" }, { 502, "Bad Gateway" }, { 503, "Service Unavailable" },
		{ 504, "Server Time-out" }, { 505, "Version Not Supported" },
		{ 513, "Message Too Large" }, { 580, "Precondition Failure" },
		{ 600, "Busy Everywhere" }, { 603, "Decline" }, { 604, "Does Not Exist Anywhere" },
		{ 606, "Not Acceptable" },
	};
	static const char *const classes[] = { "Provisional", "OK", "Redirect", "Client Error",
					       "Server Error", "Global Failure" };

	for (size_t i = 0; i < sizeof(phrases) / sizeof(phrases[0]); i++)
		if (phrases[i].code == status)
			return phrases[i].phrase;
	if (status >= 100 && status <= 699)
		return classes[status / 100 - 1];
	return "Unknown";
}

/* printf's %.*s wants a valid pointer even for zero length. */
static struct sip_pl nz(struct sip_pl pl)
{
	return pl.p ? pl : SIP_PL("");
}

int sip_print_summary(char *out, size_t size, const struct sip_msg *msg)
{
	struct sip_pl cid = nz(msg->call_id), cm = nz(msg->cseq_method_pl);

	if (msg->is_request)
		return snprintf(out, size, "%.*s %.*s (Call-ID %.*s, CSeq %u %.*s)",
				SIP_PL_ARGS(nz(msg->method_pl)), SIP_PL_ARGS(nz(msg->ruri_pl)),
				SIP_PL_ARGS(cid), msg->cseq, SIP_PL_ARGS(cm));
	return snprintf(out, size, "%u %.*s (Call-ID %.*s, CSeq %u %.*s)", msg->status,
			SIP_PL_ARGS(nz(msg->status_phrase)), SIP_PL_ARGS(cid), msg->cseq,
			SIP_PL_ARGS(cm));
}
