/* txn.c: server transactions (RFC 3261 §17.2): matching, retransmission, timers. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <arpa/inet.h>

#include <strowger/cli.h>
#include <strowger/log.h>
#include <strowger/loop.h>

#include "addr_count.h"
#include "txn.h"

#define TAG "sip"
#define MIN_BUCKETS 4096u
#define MAX_BUCKETS (1u << 20)
/* SIP_STXN_MAX (txn.h) bounds memory. A completed non-INVITE transaction lingers
 * 64*T1 (32 s) holding its last response (about 1 KB in all), so it admits 8,000
 * transactions a second: 4,000 authenticated registrations. */
#define MAX_TXNS SIP_STXN_MAX
#define RESP_MAX 16384
#define KEY_MAX 320
/* §17.2.1: 100 Trying is needed only when the TU will not answer within 200 ms. An
 * INVITE that is challenged, refused or rung at once never needs one: that saves a
 * datagram (and its kernel time) on most INVITEs. */
#define TRYING_DELAY_MS 100

enum stxn_state { ST_TRYING, ST_PROCEEDING, ST_COMPLETED, ST_CONFIRMED, ST_TERMINATED };

/*
 * Every transaction that has sent its final response waits a fixed time before it
 * goes (Timers H, I, J, the 2xx linger, or 0 on reliable transports). Waits of one
 * length end in the order they began, so each length is a FIFO list with one timer
 * armed for its head: cheaper than a timer per transaction at thousands a second.
 * (After a reload changes T1 a list may briefly hold later deadlines before earlier
 * ones; those then wait for the ones ahead of them, never less than their due.)
 */
enum linger_kind { LINGER_64T1, LINGER_T4, LINGER_NOW, LINGER_KINDS };

struct linger_q {
	struct sip_stxn *head, *tail;
	struct sg_timer *timer;
};

struct sip_stxn {
	struct sip_stxn *next;		/* hash chain */
	struct sip_stxn *lprev, *lnext; /* linger list */
	struct linger_q *lq;		/* the list it waits in, or NULL */
	uint64_t expire_ms;
	uint64_t hash;
	bool invite;
	bool settled; /* sip_stxn_settle ran: req is ours or gone */
	bool counted; /* counted in by_host under rx.src */
	enum sip_method method;
	enum stxn_state state;
	struct sip_rx rx;	 /* the reply path; data and msg only while req is held */
	struct sip_sockaddr dst; /* where responses go */
	/* The request: borrowed from the transport while it is being dispatched; then,
	 * if no final response was sent yet, our own copy parsed again; else NULL. */
	const struct sip_msg *req;
	struct sip_msg *req_own;
	char *req_copy;
	char *resp;
	size_t resp_len;
	unsigned status;
	struct sg_timer *retrans; /* Timer G */
	struct sg_timer *trying;  /* sends 100 if the INVITE is still unanswered */
	uint64_t retrans_ms;
	void (*gone)(struct sip_stxn *t, void *arg);
	void *gone_arg;
	unsigned short key_len, call_id_len;
	char key[]; /* the match key, then the Call-ID (for the console) */
};

static struct sg_module *self;
static struct sip_timers T = {500, 4000, 5000};
static struct sip_stxn **table;
static unsigned nbuckets;
static unsigned count;
static unsigned long finals_resent; /* Timer G repeats, for the console */
static struct linger_q lingers[LINGER_KINDS];
/* Open transactions per source host, and who may open more. */
static struct sip_addr_count by_host = {.with_port = false};
static sip_stxn_admit_fn *admit;

void sip_stxn_set_admit(sip_stxn_admit_fn *fn) { admit = fn; }
unsigned sip_stxn_count_from(const struct sip_sockaddr *src) { return sip_addr_count_get(&by_host, src); }

static const char *const state_names[] = {"trying", "proceeding", "completed", "confirmed", "terminated"};

void sip_txn_set_timers(const struct sip_timers *timers) { T = *timers; }
const struct sip_timers *sip_txn_timers(void) { return &T; }
unsigned sip_stxn_count(void) { return count; }
unsigned long sip_stxn_finals_resent(void) { return finals_resent; }
const struct sip_msg *sip_stxn_request(const struct sip_stxn *t) { return t->req; }
const struct sip_rx *sip_stxn_rx(const struct sip_stxn *t) { return &t->rx; }

const char *sip_stxn_response(const struct sip_stxn *t, size_t *len)
{
	*len = t->resp_len;
	return t->resp;
}

int sip_txn_init(struct sg_module *owner, const struct sip_timers *timers)
{
	self = owner;
	T = *timers;
	nbuckets = MIN_BUCKETS;
	table = calloc(nbuckets, sizeof(*table));
	return table ? 0 : -ENOMEM;
}

static size_t put(char *key, size_t off, const char *p, size_t n)
{
	if (off >= KEY_MAX - 1)
		return off;
	size_t room = KEY_MAX - 1 - off;
	if (n > room)
		n = room;
	if (n)
		memcpy(key + off, p, n); /* p may be NULL for an empty view */
	return off + n;
}

static size_t put_pl(char *key, size_t off, struct sip_pl pl) { return put(key, off, pl.p, pl.l); }

/* §17.2.3: branch + sent-by + method for RFC 3261 branches (ACK matches INVITE);
 * otherwise the RFC 2543 tuple of Request-URI, From tag, Call-ID, CSeq and Via.
 * Returns the key's length (it is not NUL-terminated). */
static size_t make_key(const struct sip_msg *m, enum sip_method method, char key[KEY_MAX])
{
	const struct sip_via *v = &m->via;
	char num[32];
	size_t off = 0;
	if (!sip_via_rfc3261_branch(v)) {
		int n = snprintf(key, KEY_MAX, "2543|%.*s|%.*s|%.*s|%u|", (int)m->ruri_pl.l, m->ruri_pl.p,
				 (int)m->from.tag.l, m->from.tag.p, (int)m->call_id.l, m->call_id.p, m->cseq);
		off = n < 0 ? 0 : (size_t)n < KEY_MAX ? (size_t)n : KEY_MAX - 1;
	}
	/* Built by hand: this runs for every request, and snprintf was a hot spot. */
	off = put_pl(key, off, v->branch);
	off = put(key, off, "|", 1);
	off = put_pl(key, off, v->host);
	int n = snprintf(num, sizeof(num), ":%u|", v->port);
	off = put(key, off, num, (size_t)n);
	const char *mn = sip_method_name(method);
	return put(key, off, mn, strlen(mn));
}

static struct sip_stxn *lookup(const char *key, size_t len, uint64_t h)
{
	for (struct sip_stxn *t = table[h & (nbuckets - 1)]; t; t = t->next)
		if (t->hash == h && t->key_len == len && !memcmp(t->key, key, len))
			return t;
	return NULL;
}

/* Doubles the table when the chains grow longer than one on average. */
static void maybe_grow(void)
{
	if (count < nbuckets || nbuckets >= MAX_BUCKETS)
		return;
	unsigned n = nbuckets * 2;
	struct sip_stxn **nt = calloc(n, sizeof(*nt));
	if (!nt)
		return; /* longer chains, still correct */
	for (unsigned i = 0; i < nbuckets; i++)
		for (struct sip_stxn *t = table[i], *next; t; t = next) {
			next = t->next;
			t->next = nt[t->hash & (n - 1)];
			nt[t->hash & (n - 1)] = t;
		}
	free(table);
	table = nt;
	nbuckets = n;
}

static void drop_request(struct sip_stxn *t)
{
	free(t->req_own);
	free(t->req_copy);
	t->req = t->req_own = NULL;
	t->req_copy = NULL;
	t->rx.data = NULL;
	t->rx.len = 0;
	t->rx.msg = NULL;
}

static void linger_unlink(struct sip_stxn *t)
{
	struct linger_q *q = t->lq;
	if (!q)
		return;
	*(t->lprev ? &t->lprev->lnext : &q->head) = t->lnext;
	*(t->lnext ? &t->lnext->lprev : &q->tail) = t->lprev;
	t->lprev = t->lnext = NULL;
	t->lq = NULL;
}

static void destroy(struct sip_stxn *t)
{
	struct sip_stxn **pp = &table[t->hash & (nbuckets - 1)];
	while (*pp && *pp != t)
		pp = &(*pp)->next;
	if (*pp)
		*pp = t->next;
	count--;
	if (t->counted)
		sip_addr_count_del(&by_host, &t->rx.src);
	linger_unlink(t);
	if (t->gone)
		t->gone(t, t->gone_arg);
	sg_timer_free(t->retrans);
	sg_timer_free(t->trying);
	drop_request(t);
	free(t->resp);
	free(t);
}

static void on_linger(struct sg_timer *timer, void *arg)
{
	struct linger_q *q = arg;
	uint64_t now = sg_loop_now_ms(sg_loop_main());
	while (q->head && q->head->expire_ms <= now) {
		struct sip_stxn *t = q->head;
		if (t->invite && t->state == ST_COMPLETED)
			SG_INFO(TAG, "no ACK for %u to INVITE %.*s (Timer H)", t->status, (int)t->call_id_len,
				t->key + t->key_len);
		destroy(t);
	}
	if (q->head)
		sg_timer_restart(timer, q->head->expire_ms - now);
}

/* Ends the transaction after the wait of its kind. */
static int linger(struct sip_stxn *t, enum linger_kind kind)
{
	struct linger_q *q = &lingers[kind];
	uint64_t wait = kind == LINGER_64T1 ? 64ull * T.t1 : kind == LINGER_T4 ? T.t4 : 0;
	if (!q->timer && !(q->timer = sg_timer_start(sg_loop_main(), self, wait, 0, on_linger, q)))
		return -ENOMEM;
	linger_unlink(t);
	t->expire_ms = sg_loop_now_ms(sg_loop_main()) + wait;
	t->lq = q;
	t->lprev = q->tail;
	*(q->tail ? &q->tail->lnext : &q->head) = t;
	q->tail = t;
	if (q->head == t)
		sg_timer_restart(q->timer, wait);
	return 0;
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
	finals_resent++;
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

static struct sip_stxn *create(const struct sip_rx *rx, const struct sip_msg *msg, const char *key,
			       size_t key_len, uint64_t h)
{
	size_t cid_len = msg->call_id.l < 128 ? msg->call_id.l : 128;
	struct sip_stxn *t = calloc(1, sizeof(*t) + key_len + cid_len);
	if (!t)
		return NULL;
	memcpy(t->key, key, key_len);
	memcpy(t->key + key_len, msg->call_id.p, cid_len);
	t->key_len = (unsigned short)key_len;
	t->call_id_len = (unsigned short)cid_len;
	t->hash = h;
	t->method = msg->method;
	t->invite = msg->method == SIP_METHOD_INVITE;
	t->state = t->invite ? ST_PROCEEDING : ST_TRYING;
	t->rx = *rx;
	t->req = msg;
	sip_response_dest(rx, msg, &t->dst);
	unsigned b = (unsigned)(h & (nbuckets - 1));
	t->next = table[b];
	table[b] = t;
	count++;
	t->counted = !sip_addr_count_add(&by_host, &rx->src);
	maybe_grow();
	return t;
}

static void send_trying(struct sip_stxn *t)
{
	struct sip_resp_opts trying = {.status = 100};
	if (!t->status)
		sip_stxn_respond(t, &trying);
}

bool sip_stxn_known(const struct sip_msg *msg)
{
	char key[KEY_MAX];
	size_t key_len = make_key(msg, msg->method, key);
	return lookup(key, key_len, sip_hash(key, key_len)) != NULL;
}

enum sip_stxn_match sip_stxn_receive(const struct sip_rx *rx, const struct sip_msg *msg, struct sip_stxn **out)
{
	char key[KEY_MAX];
	enum sip_method m = msg->method == SIP_METHOD_ACK ? SIP_METHOD_INVITE : msg->method;
	size_t key_len = make_key(msg, m, key);
	uint64_t h = sip_hash(key, key_len);
	struct sip_stxn *t = lookup(key, key_len, h);
	if (msg->method == SIP_METHOD_ACK) {
		if (!t)
			return SIP_STXN_ACK_2XX;
		if (t->state == ST_COMPLETED) {
			/* §17.2.1: the ACK ends the retransmissions; Timer I absorbs copies. */
			t->state = ST_CONFIRMED;
			t->retrans = sg_timer_free(t->retrans);
			linger(t, rx->proto == SIP_PROTO_UDP ? LINGER_T4 : LINGER_NOW);
		}
		return SIP_STXN_ABSORBED;
	}
	if (t) {
		if (t->resp)
			send_last(t);
		else if (t->invite)
			send_trying(t); /* the client retransmits: answer at once */
		return SIP_STXN_ABSORBED;
	}
	if (admit && !admit(rx))
		return SIP_STXN_REFUSED;
	if (count >= MAX_TXNS) {
		SG_WARNING(TAG, "%u transactions open: refusing a new %s", count, sip_method_name(msg->method));
		return SIP_STXN_ERROR;
	}
	t = create(rx, msg, key, key_len, h);
	if (!t)
		return SIP_STXN_ERROR;
	*out = t;
	return SIP_STXN_NEW;
}

static void on_trying(struct sg_timer *timer, void *arg)
{
	(void)timer;
	send_trying(arg);
}

int sip_stxn_settle(struct sip_stxn *t)
{
	if (t->settled)
		return 0;
	t->settled = true;
	if (t->status >= 200) {
		drop_request(t);
		return 0;
	}
	if (t->invite && !t->status &&
	    !(t->trying = sg_timer_start(sg_loop_main(), self, TRYING_DELAY_MS, 0, on_trying, t)))
		send_trying(t);
	/* Still to be answered (an INVITE in the dialplan): the parsed request points
	 * into the transport's buffer, so keep a copy and parse it again. */
	t->req_copy = malloc(t->rx.len);
	t->req_own = malloc(sizeof(*t->req_own));
	if (!t->req_copy || !t->req_own) {
		drop_request(t);
		return -ENOMEM;
	}
	memcpy(t->req_copy, t->rx.data, t->rx.len);
	if (sip_msg_parse(t->req_own, t->req_copy, t->rx.len, SIP_DATAGRAM) != 0) {
		drop_request(t);
		return -EINVAL;
	}
	t->req = t->req_own;
	t->rx.data = t->req_copy;
	t->rx.msg = t->req_own;
	return 0;
}

int sip_stxn_respond(struct sip_stxn *t, const struct sip_resp_opts *o)
{
	if (t->state >= ST_COMPLETED || (t->status >= 200))
		return -EALREADY;
	if (!t->req)
		return -ENOENT;
	/* Printed into one scratch buffer, kept at its exact size: a transaction
	 * lingers for 64*T1, and thousands of them should not each hold 16 KB. */
	static char scratch[RESP_MAX];
	size_t len;
	int rc = sip_print_response(scratch, RESP_MAX, &len, t->req, o);
	if (rc)
		return rc;
	char *buf = malloc(len);
	if (!buf)
		return -ENOMEM;
	memcpy(buf, scratch, len);
	t->trying = sg_timer_free(t->trying);
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
	if (t->settled)
		drop_request(t); /* nothing answers it again */
	if (t->invite && o->status < 300) {
		/* 2xx retransmission belongs to the dialog layer (§13.3.1.4); linger
		 * 64*T1 so INVITE retransmissions are still absorbed (RFC 6026). */
		t->state = ST_TERMINATED;
		return linger(t, LINGER_64T1);
	}
	t->state = ST_COMPLETED;
	if (t->invite && udp) {
		t->retrans_ms = T.t1;
		t->retrans = sg_timer_start(sg_loop_main(), self, T.t1, 0, on_retrans, t);
	}
	/* Timer H for INVITE; Timer J for non-INVITE (0 on reliable transports). */
	return linger(t, t->invite || udp ? LINGER_64T1 : LINGER_NOW);
}

struct sip_stxn *sip_stxn_find_invite(const struct sip_msg *cancel)
{
	char key[KEY_MAX];
	size_t len = make_key(cancel, SIP_METHOD_INVITE, key);
	return lookup(key, len, sip_hash(key, len));
}

void sip_stxn_set_owner(struct sip_stxn *t, void (*gone)(struct sip_stxn *t, void *arg), void *arg)
{
	t->gone = gone;
	t->gone_arg = arg;
}

void sip_txn_shutdown(void)
{
	for (unsigned i = 0; table && i < nbuckets; i++)
		while (table[i])
			destroy(table[i]);
	for (int k = 0; k < LINGER_KINDS; k++)
		lingers[k].timer = sg_timer_free(lingers[k].timer);
	free(table);
	table = NULL;
	nbuckets = 0;
	sip_addr_count_clear(&by_host);
	admit = NULL;
}

void sip_txn_show(struct sg_cli *cli)
{
	char a[64];
	sg_cli_printf(cli, "%-10s %-11s %-6s %-24s %s\n", "Method", "State", "Last", "Peer", "Call-ID");
	for (unsigned i = 0; i < nbuckets; i++)
		for (struct sip_stxn *t = table[i]; t; t = t->next)
			sg_cli_printf(cli, "%-10s %-11s %-6u %-24s %.*s\n", sip_method_name(t->method),
				      state_names[t->state], t->status, sip_sockaddr_str(&t->dst, a, sizeof(a)),
				      (int)t->call_id_len, t->key + t->key_len);
	sg_cli_printf(cli, "%u server transaction%s\n", count, count == 1 ? "" : "s");
}
