/* txn.c: server transactions (RFC 3261 §17.2): matching, retransmission, timers. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <arpa/inet.h>

#include <strowger/cli.h>
#include <strowger/log.h>
#include <strowger/loop.h>

#include "txn.h"

#define TAG "sip"
#define BUCKETS 1024
#define MAX_TXNS 20000 /* beyond this new requests get 503: memory stays bounded */
#define RESP_MAX 16384

enum stxn_state { ST_TRYING, ST_PROCEEDING, ST_COMPLETED, ST_CONFIRMED, ST_TERMINATED };

struct sip_stxn {
	struct sip_stxn *next;
	unsigned bucket;
	char key[320];
	bool invite;
	enum stxn_state state;
	struct sip_rx rx;	 /* the reply path (data points at our own copy) */
	struct sip_sockaddr dst; /* where responses go */
	char *req_copy;
	struct sip_msg req;
	char *resp;
	size_t resp_len;
	unsigned status;
	struct sg_timer *retrans; /* Timer G */
	uint64_t retrans_ms;
	struct sg_timer *end;	  /* Timers H, I, J and the 2xx linger */
	void (*gone)(struct sip_stxn *t, void *arg);
	void *gone_arg;
};

static struct sg_module *self;
static struct sip_timers T = {500, 4000, 5000};
static struct sip_stxn *table[BUCKETS];
static unsigned count;
static const char *const state_names[] = {"trying", "proceeding", "completed", "confirmed", "terminated"};

void sip_txn_set_timers(const struct sip_timers *timers) { T = *timers; }
const struct sip_timers *sip_txn_timers(void) { return &T; }
unsigned sip_stxn_count(void) { return count; }
const struct sip_msg *sip_stxn_request(const struct sip_stxn *t) { return &t->req; }
const struct sip_rx *sip_stxn_rx(const struct sip_stxn *t) { return &t->rx; }

int sip_txn_init(struct sg_module *owner, const struct sip_timers *timers)
{
	self = owner;
	T = *timers;
	return 0;
}

static unsigned hash(const char *s)
{
	unsigned h = 2166136261u; /* FNV-1a */
	for (; *s; s++)
		h = (h ^ (unsigned char)*s) * 16777619u;
	return h % BUCKETS;
}

/* §17.2.3: branch + sent-by + method for RFC 3261 branches (ACK matches INVITE);
 * otherwise the RFC 2543 tuple of Request-URI, From tag, Call-ID, CSeq and Via. */
static void make_key(const struct sip_msg *m, enum sip_method method, char *key, size_t len)
{
	const struct sip_via *v = &m->via;
	if (sip_via_rfc3261_branch(v))
		snprintf(key, len, "%.*s|%.*s:%u|%s", (int)v->branch.l, v->branch.p, (int)v->host.l,
			 v->host.p, v->port, sip_method_name(method));
	else
		snprintf(key, len, "2543|%.*s|%.*s|%.*s|%u|%.*s:%u|%s", (int)m->ruri_pl.l, m->ruri_pl.p,
			 (int)m->from.tag.l, m->from.tag.p, (int)m->call_id.l, m->call_id.p, m->cseq,
			 (int)v->host.l, v->host.p, v->port, sip_method_name(method));
}

static struct sip_stxn *lookup(const char *key)
{
	for (struct sip_stxn *t = table[hash(key)]; t; t = t->next)
		if (!strcmp(t->key, key))
			return t;
	return NULL;
}

static void destroy(struct sip_stxn *t)
{
	struct sip_stxn **pp = &table[t->bucket];
	while (*pp && *pp != t)
		pp = &(*pp)->next;
	if (*pp)
		*pp = t->next;
	count--;
	if (t->gone)
		t->gone(t, t->gone_arg);
	sg_timer_free(t->retrans);
	sg_timer_free(t->end);
	free(t->req_copy);
	free(t->resp);
	free(t);
}

static void on_end(struct sg_timer *timer, void *arg)
{
	(void)timer;
	struct sip_stxn *t = arg;
	if (t->invite && t->state == ST_COMPLETED)
		SG_INFO(TAG, "no ACK for %u to INVITE %.*s (Timer H)", t->status, (int)t->req.call_id.l,
			t->req.call_id.p);
	destroy(t);
}

static void send_last(struct sip_stxn *t)
{
	int rc = sip_transport_reply(&t->rx, &t->dst, t->resp, t->resp_len);
	if (rc) {
		char a[64];
		SG_NOTICE(TAG, "cannot send %u to %s: %s", t->status, sip_sockaddr_str(&t->dst, a, sizeof(a)),
			  strerror(-rc));
	}
}

/* Timer G: a non-2xx final to INVITE over UDP repeats until the ACK. */
static void on_retrans(struct sg_timer *timer, void *arg)
{
	struct sip_stxn *t = arg;
	send_last(t);
	t->retrans_ms = t->retrans_ms * 2 < T.t2 ? t->retrans_ms * 2 : T.t2;
	sg_timer_restart(timer, t->retrans_ms);
}

void sip_response_dest(const struct sip_rx *rx, const struct sip_msg *req, struct sip_sockaddr *dst)
{
	*dst = rx->src;
	/* Without rport the reply goes to the source address but the Via's port. */
	if (rx->proto == SIP_PROTO_UDP && !req->via.rport) {
		uint16_t port = req->via.port ? req->via.port : 5060;
		if (dst->ss.ss_family == AF_INET)
			((struct sockaddr_in *)&dst->ss)->sin_port = htons(port);
		else
			((struct sockaddr_in6 *)&dst->ss)->sin6_port = htons(port);
	}
}

static struct sip_stxn *create(const struct sip_rx *rx, const struct sip_msg *msg, const char *key)
{
	struct sip_stxn *t = calloc(1, sizeof(*t));
	if (!t || !(t->req_copy = malloc(rx->len))) {
		free(t);
		return NULL;
	}
	/* The parsed request points into the receive buffer; keep our own copy and parse
	 * it again, so the views stay valid as long as the transaction. */
	memcpy(t->req_copy, rx->data, rx->len);
	if (sip_msg_parse(&t->req, t->req_copy, rx->len, SIP_DATAGRAM) != 0) {
		free(t->req_copy);
		free(t);
		return NULL;
	}
	(void)msg;
	snprintf(t->key, sizeof(t->key), "%s", key);
	t->invite = t->req.method == SIP_METHOD_INVITE;
	t->state = t->invite ? ST_PROCEEDING : ST_TRYING;
	t->rx = *rx;
	t->rx.data = t->req_copy;
	sip_response_dest(rx, &t->req, &t->dst);
	t->bucket = hash(key);
	t->next = table[t->bucket];
	table[t->bucket] = t;
	count++;
	return t;
}

enum sip_stxn_match sip_stxn_receive(const struct sip_rx *rx, const struct sip_msg *msg, struct sip_stxn **out)
{
	char key[320];
	enum sip_method m = msg->method == SIP_METHOD_ACK ? SIP_METHOD_INVITE : msg->method;
	make_key(msg, m, key, sizeof(key));
	struct sip_stxn *t = lookup(key);
	if (msg->method == SIP_METHOD_ACK) {
		if (!t)
			return SIP_STXN_ACK_2XX;
		if (t->state == ST_COMPLETED) {
			/* §17.2.1: the ACK ends the retransmissions; Timer I absorbs copies. */
			t->state = ST_CONFIRMED;
			t->retrans = sg_timer_free(t->retrans);
			sg_timer_restart(t->end, rx->proto == SIP_PROTO_UDP ? T.t4 : 0);
		}
		return SIP_STXN_ABSORBED;
	}
	if (t) {
		if (t->resp)
			send_last(t);
		return SIP_STXN_ABSORBED;
	}
	if (count >= MAX_TXNS) {
		SG_WARNING(TAG, "%u transactions open: refusing a new %s", count, sip_method_name(msg->method));
		return SIP_STXN_ERROR;
	}
	t = create(rx, msg, key);
	if (!t)
		return SIP_STXN_ERROR;
	*out = t;
	if (t->invite) {
		/* §17.2.1: answer 100 at once so the client stops retransmitting. */
		struct sip_resp_opts trying = {.status = 100};
		sip_stxn_respond(t, &trying);
	}
	return SIP_STXN_NEW;
}

int sip_stxn_respond(struct sip_stxn *t, const struct sip_resp_opts *o)
{
	if (t->state >= ST_COMPLETED || (t->status >= 200))
		return -EALREADY;
	/* Printed into one scratch buffer, kept at its exact size: a transaction
	 * lingers for 64*T1, and thousands of them should not each hold 16 KB. */
	static char scratch[RESP_MAX];
	size_t len;
	int rc = sip_print_response(scratch, RESP_MAX, &len, &t->req, o);
	if (rc)
		return rc;
	char *buf = malloc(len);
	if (!buf)
		return -ENOMEM;
	memcpy(buf, scratch, len);
	free(t->resp);
	t->resp = buf;
	t->resp_len = len;
	t->status = o->status;
	send_last(t);
	bool udp = t->rx.proto == SIP_PROTO_UDP;
	if (o->status < 200) {
		if (!t->invite)
			t->state = ST_PROCEEDING;
		return 0;
	}
	t->end = sg_timer_start(sg_loop_main(), self, 0, 0, on_end, t);
	if (!t->end)
		return -ENOMEM;
	if (t->invite && o->status < 300) {
		/* 2xx retransmission belongs to the dialog layer (§13.3.1.4); linger
		 * 64*T1 so INVITE retransmissions are still absorbed (RFC 6026). */
		t->state = ST_TERMINATED;
		sg_timer_restart(t->end, 64ull * T.t1);
	} else if (t->invite) {
		t->state = ST_COMPLETED;
		sg_timer_restart(t->end, 64ull * T.t1); /* Timer H */
		if (udp) {
			t->retrans_ms = T.t1;
			t->retrans = sg_timer_start(sg_loop_main(), self, T.t1, 0, on_retrans, t);
		}
	} else {
		t->state = ST_COMPLETED;
		sg_timer_restart(t->end, udp ? 64ull * T.t1 : 0); /* Timer J */
	}
	return 0;
}

struct sip_stxn *sip_stxn_find_invite(const struct sip_msg *cancel)
{
	char key[320];
	make_key(cancel, SIP_METHOD_INVITE, key, sizeof(key));
	return lookup(key);
}

void sip_stxn_set_owner(struct sip_stxn *t, void (*gone)(struct sip_stxn *t, void *arg), void *arg)
{
	t->gone = gone;
	t->gone_arg = arg;
}

void sip_txn_shutdown(void)
{
	for (unsigned i = 0; i < BUCKETS; i++)
		while (table[i])
			destroy(table[i]);
}

void sip_txn_show(struct sg_cli *cli)
{
	char a[64];
	sg_cli_printf(cli, "%-10s %-11s %-6s %-24s %s\n", "Method", "State", "Last", "Peer", "Call-ID");
	for (unsigned i = 0; i < BUCKETS; i++)
		for (struct sip_stxn *t = table[i]; t; t = t->next)
			sg_cli_printf(cli, "%-10s %-11s %-6u %-24s %.*s\n", sip_method_name(t->req.method),
				      state_names[t->state], t->status, sip_sockaddr_str(&t->dst, a, sizeof(a)),
				      (int)t->req.call_id.l, t->req.call_id.p);
	sg_cli_printf(cli, "%u server transaction%s\n", count, count == 1 ? "" : "s");
}
