/* message.c: MESSAGE (RFC 3428) between users: routing, delivery, offline store and sync (see message.h). */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <strowger/cli.h>
#include <strowger/dialplan.h>
#include <strowger/log.h>
#include <strowger/users.h>

#include "auth.h"
#include "location.h"
#include "message.h"
#include "message_store.h"
#include "sip_print.h"
#include "txn_client.h"

#define TAG "sip"
#define SYNC_HDR "X-Strowger-Sync"
#define SEQ_HDR "X-Strowger-Seq"

static unsigned max_size = 8192;

void sip_message_set_limits(unsigned size, unsigned history)
{
	max_size = size;
	sip_imstore_set_history(history);
}

/* --- delivery --- */

/*
 * A job sends a user's messages one at a time, waiting for the answers before
 * the next, so that phones see them in sequence order. A flush job sends the
 * pending ones to every registered contact; a sync job sends every stored one
 * after a number to one contact. A message is delivered on the first 2xx.
 */
struct job {
	char user[64];
	bool sync;
	char contact[512]; /* sync: the contact it serves */
	uint64_t cursor;   /* the last number dealt with */
	uint64_t seq;	   /* the message out now */
	unsigned out;	   /* its transactions still unanswered */
	bool ok;	   /* one of them got a 2xx */
	bool refused;	   /* one of them got a real error response (not a timeout) */
	bool again;	   /* flush: a REGISTER came meanwhile: retry what failed */
	/* sync: the flush job's message that was on its way to this contact when the
	 * sync began; the sync waits for its answer rather than send it twice. */
	uint64_t flush_seq;
	bool flush_pending, flush_ok, blocked;
	struct sip_ctxn *tx[SIP_LOC_MAX_PER_AOR];
	char dst[SIP_LOC_MAX_PER_AOR][512]; /* the contact each went to, for the log */
	struct job *next;
};

static struct job *jobs;

static void job_free(struct job *j)
{
	for (struct job **pp = &jobs; *pp; pp = &(*pp)->next)
		if (*pp == j) {
			*pp = j->next;
			break;
		}
	for (size_t i = 0; i < SIP_LOC_MAX_PER_AOR; i++)
		if (j->tx[i])
			sip_ctxn_abandon(j->tx[i]);
	free(j);
}

static struct job *job_find(const char *user, bool sync, const char *contact)
{
	for (struct job *j = jobs; j; j = j->next)
		if (j->sync == sync && !strcmp(j->user, user) && (!sync || !strcmp(j->contact, contact)))
			return j;
	return NULL;
}

/* A sync job serves this contact: flush jobs leave it alone (sync covers it). */
static bool synced_contact(const char *user, const char *contact)
{
	return job_find(user, true, contact) != NULL;
}

static void step(struct job *j);

/*
 * The flush job j has its answer from `contact` (ok: a 2xx; false also when the
 * answer will never be known): a sync of that contact waiting for it goes on,
 * skipping the message when the contact took it.
 */
static void settle_sync(struct job *j, const char *contact, bool ok)
{
	struct job *s = j->sync ? NULL : job_find(j->user, true, contact);
	if (!s || !s->flush_pending || s->flush_seq != j->seq)
		return;
	s->flush_pending = false;
	s->flush_ok = ok;
	if (s->blocked) {
		s->blocked = false;
		step(s);
	}
}

static void on_response(struct sip_ctxn *t, const struct sip_msg *resp, void *arg)
{
	struct job *j = arg;
	if (resp->status < 200)
		return;
	const char *to = "?";
	for (size_t i = 0; i < SIP_LOC_MAX_PER_AOR; i++)
		if (j->tx[i] == t) {
			j->tx[i] = NULL;
			to = j->dst[i];
		}
	bool unanswered = sip_ctxn_error(t) != 0;
	sip_ctxn_abandon(t);
	settle_sync(j, to, resp->status < 300);
	if (resp->status < 300) {
		j->ok = true;
		SG_INFO(TAG, "message %" PRIu64 " for %s delivered to %s (%u)", j->seq, j->user, to, resp->status);
		/* Delivered: the next one goes now, not when a phone that is away has
		 * timed out. The other copies still go out; their answers are not
		 * awaited. */
		for (size_t i = 0; i < SIP_LOC_MAX_PER_AOR; i++)
			if (j->tx[i]) {
				sip_ctxn_abandon(j->tx[i]);
				j->tx[i] = NULL;
				settle_sync(j, j->dst[i], false);
			}
		j->out = 1;
	} else {
		j->refused |= !unanswered;
		SG_INFO(TAG, "message %" PRIu64 " for %s refused by %s (%u%s)", j->seq, j->user, to, resp->status,
			unanswered ? ", no answer" : "");
	}
	if (--j->out)
		return;
	if (j->ok) {
		sip_imstore_delivered(j->user, j->seq, false);
		j->cursor = j->seq;
		step(j);
		return;
	}
	if (j->refused) {
		/* A phone that answers but refuses this one (a type it does not take,
		 * say) must not hold back the rest: it stays pending, the next goes. */
		SG_INFO(TAG, "message %" PRIu64 " for %s refused by the phones; it stays pending, the next goes on",
			j->seq, j->user);
		j->cursor = j->seq;
		step(j);
		return;
	}
	if (!j->sync && j->again) {
		j->again = false;
		j->cursor = 0;
		step(j);
		return;
	}
	SG_INFO(TAG, "message %" PRIu64 " for %s: no phone took it; %s", j->seq, j->user,
		j->sync ? "the sync stops here" : "it stays pending until the next REGISTER");
	job_free(j);
}

/* Sends message m to one binding; 0 or -errno. */
static int send_to(struct job *j, size_t slot, const struct sip_im *m, const struct sip_binding *b)
{
	char call_id[SIP_CALL_ID_SIZE], tag[SIP_TAG_SIZE], host[64], from[300], to[120], cseq[32], seq[24],
		name[140] = "", date[48];
	struct sip_sockaddr local;
	if (sip_transport_local(b->proto, &b->src, &local) || sip_new_call_id(call_id) || sip_new_tag(tag))
		return -EIO;
	sip_sockaddr_str(&local, host, sizeof(host));
	const struct sg_user *u = sg_user_find(m->from);
	if (u && u->name) {
		sip_print_quoted(name, sizeof(name) - 1, u->name, strlen(u->name));
		strcat(name, " ");
	}
	snprintf(from, sizeof(from), "%s<sip:%s@%s>;tag=%s", name, m->from, host, tag);
	snprintf(to, sizeof(to), "<sip:%s@%s>", j->user, host);
	snprintf(cseq, sizeof(cseq), "%u MESSAGE", sip_new_cseq());
	snprintf(seq, sizeof(seq), "%" PRIu64, m->seq);
	/* When it was accepted (RFC 3261 §20.17): a stored message can arrive days later. */
	time_t when = (time_t)m->time;
	struct tm tm;
	strftime(date, sizeof(date), "%a, %d %b %Y %H:%M:%S GMT", gmtime_r(&when, &tm));
	struct sip_hdr_out h[] = {{"From", from}, {"To", to}, {"Call-ID", call_id}, {"CSeq", cseq},
				  {"Date", date}, {SEQ_HDR, seq}};
	struct sip_req_out r = {.method = "MESSAGE", .ruri = b->contact, .hdrs = h, .nhdrs = sizeof(h) / sizeof(h[0]),
				.content_type = m->ctype, .body = m->body, .body_len = m->len};
	struct sip_ctxn_req cr = {.proto = b->proto, .dst = b->src, .req = &r};
	sip_strcpy(j->dst[slot], sizeof(j->dst[slot]), b->contact);
	return sip_ctxn_send(&cr, on_response, j, &j->tx[slot]);
}

/* Sends the job's next message, or ends the job when there is none or nobody to
 * send it to. */
static void step(struct job *j)
{
	for (;;) {
		const struct sip_im *m = sip_imstore_next(j->user, j->cursor, !j->sync);
		if (!m) {
			if (!j->sync && j->again) {
				j->again = false;
				j->cursor = 0;
				continue;
			}
			break;
		}
		if (j->sync && j->flush_seq && m->seq == j->flush_seq) {
			if (j->flush_pending) {
				SG_INFO(TAG, "message %" PRIu64 " for %s is on its way to %s already: the sync waits "
					"for its answer", m->seq, j->user, j->contact);
				j->blocked = true; /* on_response of the flush steps it on */
				return;
			}
			if (j->flush_ok) {
				j->cursor = m->seq; /* the flush brought it to this contact */
				continue;
			}
		}
		const struct sip_binding *b[SIP_LOC_MAX_PER_AOR];
		size_t n = 0;
		if (j->sync) {
			b[0] = sip_loc_find(j->user, j->contact);
			n = b[0] != NULL;
		} else {
			n = sip_loc_lookup(j->user, b, SIP_LOC_MAX_PER_AOR);
		}
		j->seq = m->seq;
		j->ok = j->refused = false;
		j->out = 0;
		size_t skipped = 0;
		for (size_t i = 0; i < n; i++) {
			if (!j->sync && synced_contact(j->user, b[i]->contact)) {
				skipped++;
				continue;
			}
			int rc = send_to(j, i, m, b[i]);
			if (rc)
				SG_WARNING(TAG, "message %" PRIu64 " for %s not sent to %s: %s", m->seq, j->user,
					   b[i]->contact, strerror(-rc));
			else
				j->out++;
		}
		if (j->out)
			return;
		if (!j->sync && skipped)
			SG_INFO(TAG, "message %" PRIu64 " for %s: left to the sync of its phone under way", m->seq,
				j->user);
		else if (!j->sync)
			SG_INFO(TAG, "message %" PRIu64 " for %s stored: no registered phone to take it", m->seq,
				j->user);
		break;
	}
	job_free(j);
}

static struct job *job_new(const char *user, bool sync, const char *contact, uint64_t cursor)
{
	struct job *j = calloc(1, sizeof(*j));
	if (!j) {
		SG_WARNING(TAG, "out of memory sending %s's messages", user);
		return NULL;
	}
	sip_strcpy(j->user, sizeof(j->user), user);
	j->sync = sync;
	if (contact)
		sip_strcpy(j->contact, sizeof(j->contact), contact);
	j->cursor = cursor;
	j->next = jobs;
	jobs = j;
	return j;
}

/* Sends user's pending messages, unless that is under way already. */
static void flush(const char *user)
{
	struct job *j = job_find(user, false, NULL);
	if (j) {
		j->again = true;
		return;
	}
	if ((j = job_new(user, false, NULL, 0)))
		step(j);
}

/* Starts (or restarts) a sync of each contact from after `last`; every message up
 * to `last` counts as delivered: the phone has seen it. */
static void start_sync(const char *aor, const char *const *contacts, size_t n, uint64_t last)
{
	sip_imstore_delivered(aor, last, true);
	for (size_t i = 0; i < n; i++) {
		struct job *j = job_find(aor, true, contacts[i]);
		if (j)
			job_free(j); /* a new sync replaces one under way */
		SG_INFO(TAG, "%s syncs %s from message %" PRIu64 " (last %" PRIu64 ")", aor, contacts[i], last + 1,
			sip_imstore_last(aor, NULL, NULL));
		if (!(j = job_new(aor, true, contacts[i], last)))
			continue;
		const struct job *f = job_find(aor, false, NULL);
		for (size_t k = 0; f && k < SIP_LOC_MAX_PER_AOR; k++)
			if (f->tx[k] && !strcmp(f->dst[k], contacts[i])) {
				j->flush_seq = f->seq;
				j->flush_pending = true;
			}
		step(j);
	}
}

/* The X-Strowger-Sync header's number: 0 (found), -ENOENT (none) or -EINVAL. */
static int sync_header(const struct sip_msg *req, uint64_t *last)
{
	const struct sip_hdr *h = sip_msg_hdr_by_name(req, SYNC_HDR, NULL);
	if (!h)
		return -ENOENT;
	char num[24], *end;
	if (h->val.l == 0 || h->val.l >= sizeof(num) || h->val.p[0] < '0' || h->val.p[0] > '9')
		return -EINVAL;
	sip_pl_strcpy(&h->val, num, sizeof(num));
	unsigned long long v = strtoull(num, &end, 10);
	if (*end)
		return -EINVAL;
	*last = v;
	return 0;
}

int sip_message_sync_of(const struct sip_msg *req, uint64_t *last)
{
	return sync_header(req, last);
}

void sip_message_registered(const struct sip_msg *req, const char *aor, const char *const *contacts, size_t n)
{
	uint64_t last = 0;
	int rc = sync_header(req, &last);
	sip_message_registered_sync(aor, contacts, n, rc, last);
}

void sip_message_registered_sync(const char *aor, const char *const *contacts, size_t n, int rc, uint64_t last)
{
	if (!n)
		return;
	if (rc == -EINVAL)
		SG_NOTICE(TAG, "%s: %s is no sequence number; sending what is pending instead", aor, SYNC_HDR);
	if (rc)
		flush(aor);
	else
		start_sync(aor, contacts, n, last);
}

/*
 * A MESSAGE from a user to itself with X-Strowger-Sync: the same sync without a
 * REGISTER, for the contacts the user registered from the request's address and
 * transport. 200 with the user's last number, or 480 when no contact of the
 * user was registered from there.
 */
static void sync_by_message(struct sip_stxn *t, const char *user, uint64_t last)
{
	const struct sip_rx *rx = sip_stxn_rx(t);
	const struct sip_binding *b[SIP_LOC_MAX_PER_AOR];
	const char *contacts[SIP_LOC_MAX_PER_AOR];
	size_t n = sip_loc_lookup(user, b, SIP_LOC_MAX_PER_AOR), nc = 0;
	for (size_t i = 0; i < n; i++)
		if (b[i]->proto == rx->proto && sip_sockaddr_eq(&b[i]->src, &rx->src))
			contacts[nc++] = b[i]->contact;
	if (!nc) {
		struct sip_resp_opts o = {.status = 480, .reason = "No contact registered from this address"};
		sip_stxn_respond(t, &o);
		return;
	}
	char seq[24];
	snprintf(seq, sizeof(seq), "%" PRIu64, sip_imstore_last(user, NULL, NULL));
	struct sip_hdr_out h[] = {{SEQ_HDR, seq}};
	struct sip_resp_opts o = {.status = 200, .hdrs = h, .nhdrs = 1};
	sip_stxn_respond(t, &o);
	/* After the 200, as for a REGISTER; the binding strings outlive the call (no
	 * registration changes in between). */
	start_sync(user, contacts, nc, last);
}

/* --- receiving MESSAGE --- */

static void answer(struct sip_stxn *t, unsigned status, const char *reason)
{
	struct sip_resp_opts o = {.status = status, .reason = reason};
	sip_stxn_respond(t, &o);
}

struct route {
	const struct sg_user *from;
	const char *to_id;
	const char *ctype;
	const struct sip_pl *body;
	char to[64];	     /* where it goes: the target, or the user the hook names */
	unsigned refuse;     /* the hook's refusal, 0 when it goes */
	char reason[96];
};

static int push_msg(lua_State *T, void *arg)
{
	const struct route *r = arg;
	lua_createtable(T, 0, 6);
	lua_pushstring(T, r->from->id);
	lua_setfield(T, -2, "from");
	lua_pushstring(T, r->from->name ? r->from->name : r->from->id);
	lua_setfield(T, -2, "from_name");
	lua_pushstring(T, r->to_id);
	lua_setfield(T, -2, "to");
	lua_pushlstring(T, r->body->p, r->body->l);
	lua_setfield(T, -2, "body");
	lua_pushstring(T, r->ctype);
	lua_setfield(T, -2, "content_type");
	lua_pushstring(T, r->from->context ? r->from->context : "");
	lua_setfield(T, -2, "context");
	return 1;
}

/* on_message's answer: nothing or true (deliver), false (refuse, 403), a user id
 * (deliver to that user), or {to = "1002"} / {refuse = 480, reason = "..."}. */
static int read_route(lua_State *T, int nres, void *arg)
{
	struct route *r = arg;
	int i = lua_gettop(T) - nres + 1;
	if (nres == 0 || lua_isnil(T, i) || (lua_isboolean(T, i) && lua_toboolean(T, i)))
		return 0;
	if (lua_isboolean(T, i)) {
		r->refuse = 403;
		return 0;
	}
	if (lua_type(T, i) == LUA_TSTRING) {
		sip_strcpy(r->to, sizeof(r->to), lua_tostring(T, i));
		return 0;
	}
	if (lua_type(T, i) == LUA_TTABLE) {
		if (lua_getfield(T, i, "refuse") != LUA_TNIL) {
			lua_Integer code = lua_tointeger(T, -1);
			if (!lua_isinteger(T, -1) || code < 400 || code > 699) {
				SG_ERROR("dialplan", "on_message: refuse = %s: give a status code 400-699",
					 luaL_tolstring(T, -1, NULL));
				return -1;
			}
			r->refuse = (unsigned)code;
			if (lua_getfield(T, i, "reason") == LUA_TSTRING)
				sip_strcpy(r->reason, sizeof(r->reason), lua_tostring(T, -1));
			return 0;
		}
		if (lua_getfield(T, i, "to") == LUA_TSTRING) {
			sip_strcpy(r->to, sizeof(r->to), lua_tostring(T, -1));
			return 0;
		}
	}
	SG_ERROR("dialplan", "on_message returned %s: return nothing (deliver), false (refuse), a user id, "
		 "{to = ID} or {refuse = CODE, reason = TEXT}", luaL_typename(T, i));
	return -1;
}

/* Stores the message for `to` and starts its delivery: 0, or the status to answer. */
static unsigned accept_for(const char *to, const char *from, const char *ctype, const void *body, size_t len)
{
	const struct sip_im *m;
	int rc = sip_imstore_add(to, from, ctype, body, len, &m);
	if (rc == -ENOSPC) {
		SG_NOTICE(TAG, "message from %s for %s refused: too many undelivered messages", from, to);
		return 480;
	}
	if (rc)
		return 500;
	SG_INFO(TAG, "message %" PRIu64 " for %s from %s accepted (%s, %zu bytes)", m->seq, to, from, ctype, len);
	flush(to);
	return 0;
}

void sip_message_handle(struct sip_stxn *t)
{
	const struct sip_msg *req = sip_stxn_request(t);
	char target[64], ctype[128], why[96];
	size_t len;
	/* The size first: a body over the limit is refused whoever sent it. */
	if (req->body.l > max_size) {
		snprintf(why, sizeof(why), "Request Entity Too Large: over %u bytes", max_size);
		answer(t, 413, why);
		return;
	}
	const struct sg_user *u = sip_auth_check(t);
	if (!u)
		return;
	if (!sip_pl_isset(&req->ruri.user) || sip_pl_unescape(&req->ruri.user, target, sizeof(target), &len) ||
	    !len) {
		answer(t, 404, NULL);
		return;
	}
	target[len] = '\0';
	uint64_t last;
	int src = sync_header(req, &last);
	if (src != -ENOENT && !strcmp(target, u->id)) {
		if (src)
			answer(t, 400, "Bad " SYNC_HDR);
		else
			sync_by_message(t, u->id, last);
		return;
	}
	if (!req->has_ctype || req->body.l == 0) {
		answer(t, 400, req->body.l ? "MESSAGE without Content-Type" : "MESSAGE without a body");
		return;
	}
	const struct sip_hdr *ch = sip_msg_hdr(req, SIP_HDR_CONTENT_TYPE, NULL);
	if (!ch || ch->val.l >= sizeof(ctype)) {
		answer(t, 400, "Content-Type too long");
		return;
	}
	sip_pl_strcpy(&ch->val, ctype, sizeof(ctype));
	if (!sg_user_find(target)) {
		SG_INFO(TAG, "message from %s for unknown user '%s' refused", u->id, target);
		answer(t, 404, NULL);
		return;
	}
	struct route r = {.from = u, .to_id = target, .ctype = ctype, .body = &req->body};
	sip_strcpy(r.to, sizeof(r.to), target);
	int hrc = sg_dp_run_global("on_message", push_msg, read_route, &r);
	if (hrc < 0) {
		/* A broken hook refuses rather than bypass whatever policy it holds. */
		answer(t, 500, "on_message failed");
		return;
	}
	if (r.refuse) {
		SG_INFO(TAG, "message from %s for %s refused by on_message (%u)", u->id, target, r.refuse);
		answer(t, r.refuse, r.reason[0] ? r.reason : NULL);
		return;
	}
	if (strcmp(r.to, target)) {
		if (!sg_user_find(r.to)) {
			SG_WARNING(TAG, "on_message sent a message for %s to unknown user '%s'", target, r.to);
			answer(t, 404, NULL);
			return;
		}
		SG_INFO(TAG, "on_message sends the message from %s for %s to %s", u->id, target, r.to);
	}
	unsigned status = accept_for(r.to, u->id, ctype, req->body.p, req->body.l);
	/* 202, not 200: the PBX took the message for delivery (it may be stored for a
	 * phone that is off), not the phone (RFC 3428 §7). */
	answer(t, status ? status : 202, status == 480 ? "Too many messages waiting" : NULL);
}

/* --- console --- */

static enum sg_cli_result cli_show(struct sg_cli *cli, int argc, const char *const *argv)
{
	if (argc > 1)
		return SG_CLI_USAGE;
	sip_imstore_show(cli, argc ? argv[0] : NULL);
	return SG_CLI_OK;
}

static enum sg_cli_result cli_send(struct sg_cli *cli, int argc, const char *const *argv)
{
	if (argc < 3)
		return SG_CLI_USAGE;
	char text[4096];
	size_t n = 0;
	for (int i = 2; i < argc; i++)
		n += (size_t)snprintf(text + n, sizeof(text) - n, "%s%s", i > 2 ? " " : "", argv[i]);
	if (n >= sizeof(text) || n > max_size) {
		sg_cli_printf(cli, "the text is over %u bytes\n", max_size);
		return SG_CLI_FAIL;
	}
	for (int i = 0; i < 2; i++)
		if (!sg_user_find(argv[i])) {
			sg_cli_printf(cli, "no user %s\n", argv[i]);
			return SG_CLI_FAIL;
		}
	unsigned status = accept_for(argv[1], argv[0], "text/plain;charset=utf-8", text, n);
	if (status) {
		sg_cli_printf(cli, "not accepted (%u)\n", status);
		return SG_CLI_FAIL;
	}
	sg_cli_printf(cli, "message %" PRIu64 " for %s accepted\n", sip_imstore_last(argv[1], NULL, NULL), argv[1]);
	return SG_CLI_OK;
}

static const struct sg_cli_command commands[] = {
	{"message show", "message show [USER]", "Stored instant messages (MESSAGE): per user, or one user's",
	 cli_show},
	{"message send", "message send FROM TO TEXT...", "Send a text message from one user to another", cli_send},
};

int sip_message_init(struct sg_module *m)
{
	int rc = sip_imstore_init(m);
	if (!rc)
		rc = sg_cli_register(m, commands, sizeof(commands) / sizeof(commands[0]));
	return rc;
}

void sip_message_shutdown(void)
{
	sg_cli_unregister(commands, sizeof(commands) / sizeof(commands[0]));
	while (jobs)
		job_free(jobs);
	sip_imstore_shutdown();
}
