/* txn_client.c: client transactions (RFC 3261 §17.1, RFC 6026): send, retransmit, match, ACK, CANCEL. */
#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>


#include <strowger/cli.h>
#include <strowger/log.h>
#include <strowger/loop.h>

#include "random_pool.h"
#include "txn_client.h"

#define TAG "sip"
/* An accepted INVITE lingers 64*T1 (RFC 6026), so 1,000 calls a second keep some
 * 40,000 transactions open: enough buckets that a response finds its own in a
 * short chain. */
#define BUCKETS 65536
#define MAX_CTXNS SIP_CTXN_MAX
#define MSG_MAX 65536	/* a request as sent, Via included */
#define SYNTH_MAX 16384 /* a synthetic response: the request's Via/From/To/Call-ID/CSeq */
#define TIMER_D_MIN_MS 32000
#define MAX_FORWARDS "70"
#define COOKIE "z9hG4bK"

enum ctxn_state { CT_CALLING, CT_TRYING, CT_PROCEEDING, CT_COMPLETED, CT_ACCEPTED, CT_TERMINATED };

struct sip_ctxn {
	struct sip_ctxn *next; /* hash chain */
	unsigned bucket;
	unsigned refs;	       /* the table's, the TU's, and ours across callbacks */
	bool in_table, tu_ref;
	char method[32];       /* as in the CSeq: responses match on it */
	char branch[48];
	bool invite;
	enum ctxn_state state;
	enum sip_proto proto;
	struct sip_sockaddr dst;
	uint64_t conn_id;      /* TCP connection of the last send */
	char *msg;	       /* the request as sent */
	size_t len;
	char *ack;	       /* the ACK for a non-2xx final, once there is one */
	size_t ack_len;
	uint64_t interval;     /* Timer A/E's current value */
	struct sg_timer *retrans; /* Timer A / E (UDP only) */
	struct sg_timer *timer;	  /* B / F, D / K / M, and the wait after a CANCEL */
	sip_ctxn_fn *fn;	  /* NULL once abandoned or finished */
	void *arg;
	unsigned status;
	int error;
	bool cancel_wanted, cancel_sent;
	unsigned sends;
};

static struct sg_module *self;
static struct sip_timers T = {500, 4000, 5000};
static struct sip_ctxn *table[BUCKETS];
static unsigned count;
static unsigned long resent, finals_again; /* for sip_ctxn_retransmissions() */
static const char *const state_names[] = {"calling", "trying", "proceeding", "completed", "accepted",
					  "terminated"};
/* Scratch space: parsing our own requests, and synthetic responses. Deliveries
 * never nest (they start only from loop callbacks), so one of each is enough. */
static struct sip_msg scratch_req, scratch_resp;
static char synth_buf[SYNTH_MAX];

static void on_transport_error(uint64_t conn_id, int err);

void sip_ctxn_set_timers(const struct sip_timers *timers) { T = *timers; }
unsigned sip_ctxn_count(void) { return count; }

void sip_ctxn_retransmissions(unsigned long *requests_resent, unsigned long *finals_received_again)
{
	*requests_resent = resent;
	*finals_received_again = finals_again;
}
int sip_ctxn_error(const struct sip_ctxn *t) { return t->error; }
unsigned sip_ctxn_status(const struct sip_ctxn *t) { return t->status; }
const char *sip_ctxn_branch(const struct sip_ctxn *t) { return t->branch; }

int sip_ctxn_init(struct sg_module *owner, const struct sip_timers *timers)
{
	self = owner;
	T = *timers;
	sip_transport_set_error_fn(on_transport_error);
	return 0;
}

/* --- randomness: branches, Call-IDs, tags --- */

static int random_hex(char *out, size_t nbytes)
{
	static const char hex[] = "0123456789abcdef";
	unsigned char r[32];
	if (nbytes > sizeof(r) || sip_random(r, nbytes))
		return -EIO;
	for (size_t i = 0; i < nbytes; i++) {
		out[2 * i] = hex[r[i] >> 4];
		out[2 * i + 1] = hex[r[i] & 15];
	}
	out[2 * nbytes] = '\0';
	return 0;
}

int sip_new_call_id(char out[SIP_CALL_ID_SIZE]) { return random_hex(out, 16); }
int sip_new_tag(char out[SIP_TAG_SIZE]) { return random_hex(out, 12); }

uint32_t sip_new_cseq(void)
{
	unsigned char r[2] = {0, 0};
	if (sip_random(r, 2))
		return 1;
	return ((uint32_t)r[0] << 8 | r[1]) + 1;
}

/* §8.1.1.7: the magic cookie, then 128 random bits. */
static int new_branch(char out[48])
{
	memcpy(out, COOKIE, sizeof(COOKIE) - 1);
	return random_hex(out + sizeof(COOKIE) - 1, 16);
}

/* --- the table --- */

static unsigned hash(const char *branch, size_t blen, const char *method, size_t mlen)
{
	unsigned h = 2166136261u; /* FNV-1a; the branch without case, as it is compared */
	for (size_t i = 0; i < blen; i++)
		h = (h ^ (unsigned char)tolower((unsigned char)branch[i])) * 16777619u;
	h = (h ^ '|') * 16777619u;
	for (size_t i = 0; i < mlen; i++)
		h = (h ^ (unsigned char)method[i]) * 16777619u;
	return h % BUCKETS;
}

/* §17.1.3: the top Via branch (we make it, lower case; compared without case in
 * case something on the way changed that) and the CSeq method (so a CANCEL's
 * responses, which share the INVITE's branch, find the CANCEL). */
static struct sip_ctxn *lookup(const struct sip_pl *branch, const struct sip_pl *method)
{
	for (struct sip_ctxn *t = table[hash(branch->p, branch->l, method->p, method->l)]; t; t = t->next)
		if (sip_pl_caseeq_str(branch, t->branch) && sip_pl_eq_str(method, t->method))
			return t;
	return NULL;
}

static void unref(struct sip_ctxn *t)
{
	if (--t->refs)
		return;
	free(t->msg);
	free(t->ack);
	free(t);
}

/* Out of the table: no more timers, no more matching; drops the table's reference. */
static void terminate(struct sip_ctxn *t)
{
	if (!t->in_table)
		return;
	struct sip_ctxn **pp = &table[t->bucket];
	while (*pp && *pp != t)
		pp = &(*pp)->next;
	if (*pp)
		*pp = t->next;
	t->in_table = false;
	count--;
	t->state = CT_TERMINATED;
	t->retrans = sg_timer_free(t->retrans);
	t->timer = sg_timer_free(t->timer);
	unref(t);
}

/* Calls the TU. `last`: no call after this one. */
static void deliver(struct sip_ctxn *t, const struct sip_msg *resp, bool last)
{
	sip_ctxn_fn *fn = t->fn;
	t->status = resp->status;
	if (last)
		t->fn = NULL;
	if (!fn)
		return;
	t->refs++;
	fn(t, resp, t->arg);
	unref(t);
}

/* A final response made here from the request (408, 487, 503). */
static void deliver_synthetic(struct sip_ctxn *t, unsigned status, const char *reason)
{
	size_t len;
	t->status = status;
	if (!t->fn)
		return;
	struct sip_resp_opts o = {.status = status, .reason = reason};
	if (sip_msg_parse(&scratch_req, t->msg, t->len, SIP_DATAGRAM) != 0 ||
	    sip_print_response(synth_buf, sizeof(synth_buf), &len, &scratch_req, &o) != 0 ||
	    sip_msg_parse(&scratch_resp, synth_buf, len, SIP_DATAGRAM) != 0) {
		/* Cannot happen for a request we printed and parsed ourselves. */
		SG_ERROR(TAG, "cannot build the %u for %s transaction %s", status, t->method, t->branch);
		t->fn = NULL;
		return;
	}
	deliver(t, &scratch_resp, true);
}

/* Ends a transaction that got no final response: the TU hears a synthetic one. */
static void fail(struct sip_ctxn *t, int err)
{
	char a[64], reason[96];
	t->error = err;
	t->refs++;
	terminate(t);
	sip_sockaddr_str(&t->dst, a, sizeof(a));
	if (err == -ETIMEDOUT) {
		SG_DEBUG(TAG, "%s to %s %s: no answer (Timer %s), 408", t->method, sip_proto_name(t->proto), a,
			 t->invite ? "B" : "F");
		deliver_synthetic(t, 408, NULL);
	} else if (err == -ECANCELED) {
		SG_DEBUG(TAG, "%s to %s %s: no final answer after CANCEL, 487", t->method,
			 sip_proto_name(t->proto), a);
		deliver_synthetic(t, 487, NULL);
	} else {
		SG_DEBUG(TAG, "%s to %s %s: transport error (%s), 503", t->method, sip_proto_name(t->proto), a,
			 strerror(-err));
		snprintf(reason, sizeof(reason), "Transport Error: %s", strerror(-err));
		deliver_synthetic(t, 503, reason);
	}
	unref(t);
}

static int transmit(struct sip_ctxn *t, const char *buf, size_t len)
{
	uint64_t id = 0;
	int rc = sip_transport_send(t->proto, &t->dst, buf, len, 0, &id);
	if (id)
		t->conn_id = id;
	t->sends++;
	/* A full UDP socket buffer is a lost datagram: retransmission covers it. */
	if (t->proto == SIP_PROTO_UDP && (rc == -EAGAIN || rc == -ENOBUFS))
		rc = 0;
	return rc;
}

/* Timer A (INVITE: doubling) and Timer E (non-INVITE: doubling up to T2, T2 once
 * a provisional response came). */
static void on_retrans(struct sg_timer *timer, void *arg)
{
	struct sip_ctxn *t = arg;
	SG_DEBUG(TAG, "retransmitting %s (branch %s), %u sent so far", t->method, t->branch, t->sends);
	int rc = transmit(t, t->msg, t->len);
	if (rc) {
		fail(t, rc);
		return;
	}
	resent++;
	if (t->invite)
		t->interval *= 2;
	else if (t->state == CT_PROCEEDING)
		t->interval = T.t2;
	else
		t->interval = t->interval * 2 < T.t2 ? t->interval * 2 : T.t2;
	sg_timer_restart(timer, t->interval);
}

/* Timers B, F (no final response), the CANCEL wait, and D, K, M (the end). */
static void on_timer(struct sg_timer *timer, void *arg)
{
	(void)timer;
	struct sip_ctxn *t = arg;
	if (t->state == CT_CALLING || t->state == CT_TRYING || t->state == CT_PROCEEDING)
		fail(t, t->cancel_sent ? -ECANCELED : -ETIMEDOUT);
	else
		terminate(t);
}

/* --- building requests --- */

struct wbuf {
	char *p;
	size_t size, len;
	bool full;
};

static void put_fmt(struct wbuf *b, const char *fmt, ...) SG_PRINTF(2, 3);
static void put_fmt(struct wbuf *b, const char *fmt, ...)
{
	va_list ap;
	if (b->full)
		return;
	va_start(ap, fmt);
	int n = vsnprintf(b->p + b->len, b->size - b->len, fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= b->size - b->len)
		b->full = true;
	else
		b->len += (size_t)n;
}

/* A header value as one line: the CR/LF of folds become spaces. */
static void put_hdr(struct wbuf *b, const char *name, const struct sip_pl *v)
{
	size_t start = b->len;
	put_fmt(b, "%s: %.*s\r\n", name, (int)v->l, v->p ? v->p : "");
	if (b->full)
		return;
	for (size_t i = start + strlen(name) + 2; i < b->len - 2; i++)
		if (b->p[i] == '\r' || b->p[i] == '\n')
			b->p[i] = ' ';
}

/*
 * The ACK for a non-2xx final (§17.1.1.3) or a CANCEL (§9.1) of the request t
 * sent: same Request-URI, top Via (so the same branch), Route, From, Call-ID and
 * CSeq number; To from the response for an ACK, from the request for a CANCEL.
 */
static int build_ack_cancel(struct sip_ctxn *t, const char *method, const struct sip_msg *resp,
			    char **out, size_t *outlen)
{
	struct sip_msg *req = &scratch_req;
	if (sip_msg_parse(req, t->msg, t->len, SIP_DATAGRAM) != 0)
		return -EINVAL;
	const struct sip_hdr *via = sip_msg_hdr(req, SIP_HDR_VIA, NULL);
	const struct sip_hdr *from = sip_msg_hdr(req, SIP_HDR_FROM, NULL);
	const struct sip_hdr *to = sip_msg_hdr(resp ? resp : req, SIP_HDR_TO, NULL);
	const struct sip_hdr *cid = sip_msg_hdr(req, SIP_HDR_CALL_ID, NULL);
	if (!via || !from || !to || !cid)
		return -EINVAL;
	struct wbuf b = {malloc(t->len + 1024), t->len + 1024, 0, false};
	if (!b.p)
		return -ENOMEM;
	put_fmt(&b, "%s %.*s SIP/2.0\r\n", method, SIP_PL_ARGS(req->ruri_pl));
	put_hdr(&b, "Via", &via->val);
	put_fmt(&b, "Max-Forwards: " MAX_FORWARDS "\r\n");
	for (const struct sip_hdr *h = NULL; (h = sip_msg_hdr(req, SIP_HDR_ROUTE, h));)
		put_hdr(&b, "Route", &h->val);
	put_hdr(&b, "From", &from->val);
	put_hdr(&b, "To", &to->val);
	put_hdr(&b, "Call-ID", &cid->val);
	put_fmt(&b, "CSeq: %u %s\r\nContent-Length: 0\r\n\r\n", req->cseq, method);
	if (b.full) {
		free(b.p);
		return -ENOSPC;
	}
	*out = b.p;
	*outlen = b.len;
	return 0;
}

static bool has_hdr(const struct sip_req_out *r, const char *name, char compact)
{
	for (size_t i = 0; i < r->nhdrs; i++)
		if (!r->hdrs[i].name || !strcasecmp(r->hdrs[i].name, name) ||
		    (compact && r->hdrs[i].name[0] && !r->hdrs[i].name[1] &&
		     (r->hdrs[i].name[0] | 0x20) == compact))
			return true;
	return false;
}

/* Prints the TU's request with our Via first (and Max-Forwards if missing). */
static int build_request(const struct sip_ctxn_req *r, const char *branch, char **out, size_t *outlen)
{
	struct sip_sockaddr local;
	char host[64], via[160];
	const struct sip_req_out *q = r->req;
	int rc = sip_transport_local(r->proto, &r->dst, &local);
	if (rc)
		return rc;
	snprintf(via, sizeof(via), "SIP/2.0/%s %s;rport;branch=%s", sip_proto_name(r->proto),
		 sip_sockaddr_str(&local, host, sizeof(host)), branch);
	bool maxf = has_hdr(q, "Max-Forwards", 0);
	size_t n = q->nhdrs + 1 + !maxf;
	struct sip_hdr_out *h = malloc(n * sizeof(*h));
	/* Printed aside, then kept at its exact size: a transaction keeps its request
	 * for retransmissions, and a 64 KB block each cost page faults at load. */
	static char scratch[MSG_MAX];
	if (!h)
		return -ENOMEM;
	h[0] = (struct sip_hdr_out){"Via", via};
	if (!maxf)
		h[1] = (struct sip_hdr_out){"Max-Forwards", MAX_FORWARDS};
	if (q->nhdrs)
		memcpy(h + 1 + !maxf, q->hdrs, q->nhdrs * sizeof(*h));
	struct sip_req_out full = *q;
	full.hdrs = h;
	full.nhdrs = n;
	rc = sip_print_request(scratch, MSG_MAX, outlen, &full);
	free(h);
	if (rc)
		return rc;
	if (!(*out = malloc(*outlen + 1)))
		return -ENOMEM;
	memcpy(*out, scratch, *outlen);
	(*out)[*outlen] = '\0';
	return 0;
}

/* --- starting transactions --- */

/* Enters a transaction for the printed message msg (taken over) and sends it. */
static int start(enum sip_proto proto, const struct sip_sockaddr *dst, char *msg, size_t len,
		 const char *branch, const char *method, sip_ctxn_fn *fn, void *arg, struct sip_ctxn **out)
{
	struct sip_ctxn *t = calloc(1, sizeof(*t));
	if (!t) {
		free(msg);
		return -ENOMEM;
	}
	snprintf(t->branch, sizeof(t->branch), "%s", branch);
	snprintf(t->method, sizeof(t->method), "%s", method);
	t->invite = !strcmp(method, "INVITE");
	t->state = t->invite ? CT_CALLING : CT_TRYING;
	t->proto = proto;
	t->dst = *dst;
	t->msg = msg;
	t->len = len;
	t->fn = fn;
	t->arg = arg;
	t->refs = 1;
	t->timer = sg_timer_start(sg_loop_main(), self, 64ull * T.t1, 0, on_timer, t); /* B / F */
	if (proto == SIP_PROTO_UDP) {
		t->interval = T.t1;
		t->retrans = sg_timer_start(sg_loop_main(), self, T.t1, 0, on_retrans, t); /* A / E */
	}
	if (!t->timer || (proto == SIP_PROTO_UDP && !t->retrans)) {
		sg_timer_free(t->timer);
		sg_timer_free(t->retrans);
		free(msg);
		free(t);
		return -ENOMEM;
	}
	t->bucket = hash(t->branch, strlen(t->branch), t->method, strlen(t->method));
	t->next = table[t->bucket];
	table[t->bucket] = t;
	t->in_table = true;
	count++;
	int rc = transmit(t, msg, len);
	if (rc) {
		t->fn = NULL;
		terminate(t);
		return rc;
	}
	if (sg_log_enabled(SG_LOG_DEBUG, TAG)) {
		char a[64];
		const char *eol = memchr(msg, '\r', len);
		SG_DEBUG(TAG, "sent %.*s to %s %s (branch %s)", (int)(eol ? eol - msg : 0), msg,
			 sip_proto_name(proto), sip_sockaddr_str(dst, a, sizeof(a)), t->branch);
	}
	if (out) {
		t->refs++;
		t->tu_ref = true;
		*out = t;
	}
	return 0;
}

int sip_ctxn_send(const struct sip_ctxn_req *r, sip_ctxn_fn *fn, void *arg, struct sip_ctxn **out)
{
	char branch[48], *msg = NULL;
	size_t len;
	if (out)
		*out = NULL;
	if (!r || !r->req || !r->req->method)
		return -EINVAL;
	if (r->proto != SIP_PROTO_UDP && r->proto != SIP_PROTO_TCP && r->proto != SIP_PROTO_TLS)
		return -EPROTONOSUPPORT;
	/* ACK is not a transaction (§17.1); CANCEL goes through sip_ctxn_cancel. */
	if (!strcmp(r->req->method, "ACK") || !strcmp(r->req->method, "CANCEL") ||
	    strlen(r->req->method) >= sizeof(((struct sip_ctxn *)0)->method) || (r->req->nhdrs && !r->req->hdrs) ||
	    has_hdr(r->req, "Via", 'v') || has_hdr(r->req, "Content-Length", 'l'))
		return -EINVAL;
	if (count >= MAX_CTXNS)
		return -EAGAIN;
	int rc = new_branch(branch);
	if (rc || (rc = build_request(r, branch, &msg, &len)))
		return rc;
	/* What the peer will parse: it must be a valid request with a From tag (§8.1.1.3). */
	if (sip_msg_parse(&scratch_req, msg, len, SIP_DATAGRAM) != 0 || !sip_pl_isset(&scratch_req.from.tag) ||
	    !scratch_req.from.tag.l) {
		SG_DEBUG(TAG, "refusing to send a malformed %s: %s", r->req->method,
			 scratch_req.reason[0] ? scratch_req.reason : "From has no tag");
		free(msg);
		return -EINVAL;
	}
	return start(r->proto, &r->dst, msg, len, branch, r->req->method, fn, arg, out);
}

static void on_cancel_response(struct sip_ctxn *c, const struct sip_msg *resp, void *arg)
{
	(void)arg;
	if (resp->status >= 200)
		SG_DEBUG(TAG, "CANCEL (branch %s) answered %u", c->branch, resp->status);
}

/* §9.1: CANCEL is its own non-INVITE transaction, with the INVITE's branch. */
static void send_cancel(struct sip_ctxn *t)
{
	char *msg;
	size_t len;
	t->cancel_sent = true;
	sg_timer_restart(t->timer, 64ull * T.t1); /* then consider the INVITE cancelled */
	int rc = build_ack_cancel(t, "CANCEL", NULL, &msg, &len);
	if (!rc)
		rc = start(t->proto, &t->dst, msg, len, t->branch, "CANCEL", on_cancel_response, NULL, NULL);
	if (rc)
		SG_WARNING(TAG, "cannot send CANCEL for INVITE %s: %s", t->branch, strerror(-rc));
}

int sip_ctxn_cancel(struct sip_ctxn *t)
{
	if (!t->invite)
		return -EINVAL;
	if (t->state == CT_CALLING) {
		t->cancel_wanted = true; /* §9.1: not before a provisional response */
		return 0;
	}
	if (t->state == CT_PROCEEDING) {
		if (!t->cancel_sent)
			send_cancel(t);
		return 0;
	}
	return -EALREADY;
}

void sip_ctxn_abandon(struct sip_ctxn *t)
{
	if (!t)
		return;
	t->fn = NULL;
	if (t->tu_ref) {
		t->tu_ref = false;
		unref(t);
	}
}

/* --- responses --- */

static void on_provisional(struct sip_ctxn *t, const struct sip_msg *m)
{
	switch (t->state) {
	case CT_CALLING:
		t->state = CT_PROCEEDING;
		t->retrans = sg_timer_free(t->retrans); /* no more Timer A */
		sg_timer_stop(t->timer);		/* Timer B only runs while calling */
		if (t->cancel_wanted)
			send_cancel(t);
		break;
	case CT_TRYING:
		t->state = CT_PROCEEDING; /* Timer E goes on, at T2 from its next firing */
		break;
	case CT_PROCEEDING:
		break;
	default:
		return; /* a late 1xx */
	}
	deliver(t, m, false);
}

static void on_final(struct sip_ctxn *t, const struct sip_msg *m)
{
	bool udp = t->proto == SIP_PROTO_UDP;
	bool active = t->state == CT_CALLING || t->state == CT_TRYING || t->state == CT_PROCEEDING;
	if (!active)
		finals_again++; /* the peer missed our ACK, or a copy crossed it */
	if (t->invite && m->status < 300) {
		if (active) {
			/* RFC 6026: accepted; the TU ACKs, and hears of every further 2xx. */
			t->state = CT_ACCEPTED;
			t->retrans = sg_timer_free(t->retrans);
			/* Never sent again, nor CANCELled: only the branch matches now. */
			free(t->msg);
			t->msg = NULL;
			t->len = 0;
			sg_timer_restart(t->timer, 64ull * T.t1); /* Timer M */
		}
		if (active || t->state == CT_ACCEPTED)
			deliver(t, m, false);
		return;
	}
	if (t->invite) {
		if (active) {
			t->state = CT_COMPLETED;
			t->retrans = sg_timer_free(t->retrans);
			uint64_t d = 64ull * T.t1 > TIMER_D_MIN_MS ? 64ull * T.t1 : TIMER_D_MIN_MS;
			sg_timer_restart(t->timer, udp ? d : 0); /* Timer D */
			int rc = build_ack_cancel(t, "ACK", m, &t->ack, &t->ack_len);
			if (rc)
				SG_WARNING(TAG, "cannot build the ACK for %u (branch %s): %s", m->status, t->branch,
					   strerror(-rc));
		}
		if (t->state == CT_COMPLETED && t->ack) {
			int rc = transmit(t, t->ack, t->ack_len);
			if (rc)
				SG_DEBUG(TAG, "cannot send the ACK (branch %s): %s", t->branch, strerror(-rc));
		}
		if (active)
			deliver(t, m, true);
		return; /* a 300-699 after a 2xx (accepted) is dropped, RFC 6026 */
	}
	if (active) {
		t->state = CT_COMPLETED;
		t->retrans = sg_timer_free(t->retrans);
		sg_timer_restart(t->timer, udp ? T.t4 : 0); /* Timer K */
		deliver(t, m, true);
	}
}

bool sip_ctxn_receive(const struct sip_rx *rx, const struct sip_msg *m)
{
	(void)rx;
	if (m->is_request || !sip_pl_isset(&m->via.branch))
		return false;
	struct sip_ctxn *t = lookup(&m->via.branch, &m->cseq_method_pl);
	if (!t)
		return false;
	if (sip_msg_hdr_count(m, SIP_HDR_VIA) != 1) {
		SG_DEBUG(TAG, "dropped a %u with several Vias (branch %s)", m->status, t->branch);
		return true; /* §8.1.3.3 */
	}
	t->refs++;
	if (m->status < 200)
		on_provisional(t, m);
	else
		on_final(t, m);
	unref(t);
	return true;
}

/* A TCP connection died with our bytes unsent: its transactions fail (§17.1.4). */
static void on_transport_error(uint64_t conn_id, int err)
{
	struct sip_ctxn **hit = NULL;
	size_t n = 0, cap = 0;
	for (unsigned i = 0; i < BUCKETS; i++)
		for (struct sip_ctxn *t = table[i]; t; t = t->next) {
			if (t->conn_id != conn_id ||
			    (t->state != CT_CALLING && t->state != CT_TRYING && t->state != CT_PROCEEDING))
				continue;
			if (n == cap) {
				size_t ncap = cap ? cap * 2 : 16;
				struct sip_ctxn **v = realloc(hit, ncap * sizeof(*v));
				if (!v)
					break;
				hit = v;
				cap = ncap;
			}
			t->refs++;
			hit[n++] = t;
		}
	/* Callbacks may start or end other transactions: collect first, then fail. */
	for (size_t i = 0; i < n; i++) {
		if (hit[i]->in_table)
			fail(hit[i], -err);
		unref(hit[i]);
	}
	free(hit);
}

void sip_ctxn_shutdown(void)
{
	sip_transport_set_error_fn(NULL);
	for (unsigned i = 0; i < BUCKETS; i++)
		while (table[i]) {
			table[i]->fn = NULL;
			terminate(table[i]);
		}
}

void sip_ctxn_show(struct sg_cli *cli)
{
	char a[64];
	sg_cli_printf(cli, "%-10s %-11s %-6s %-5s %-24s %s\n", "Method", "State", "Last", "Proto", "Peer", "Branch");
	for (unsigned i = 0; i < BUCKETS; i++)
		for (struct sip_ctxn *t = table[i]; t; t = t->next)
			sg_cli_printf(cli, "%-10s %-11s %-6u %-5s %-24s %s\n", t->method, state_names[t->state],
				      t->status, sip_proto_name(t->proto), sip_sockaddr_str(&t->dst, a, sizeof(a)),
				      t->branch);
	sg_cli_printf(cli, "%u client transaction%s\n", count, count == 1 ? "" : "s");
}
