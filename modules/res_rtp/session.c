/*
 * session.c: sessions and relays as the main thread sees them: the rtp.h API,
 * reference counts, and the ops that carry each request to the session's worker.
 * Ops for one worker keep their order; when its queue is full they wait here and a
 * timer retries, so a release is never lost and never overtakes an earlier request.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>

#include <strowger/call.h>
#include <strowger/log.h>
#include <strowger/loop.h>
#include <strowger/module.h>

#include "media.h"

static struct media_session *sessions; /* live, newest first */
static unsigned next_id = 1;
static struct sg_timer *retry_timer;

struct media_session *media_session_ref(struct media_session *s)
{
	atomic_fetch_add_explicit(&s->refs, 1, memory_order_relaxed);
	return s;
}

void media_session_unref(struct media_session *s)
{
	if (atomic_fetch_sub_explicit(&s->refs, 1, memory_order_acq_rel) != 1)
		return;
	/* Only a session whose worker never took it still has its sockets here. */
	if (s->fd_rtp >= 0)
		media_ports_release(s->port, s->fd_rtp, s->fd_rtcp);
	/* The worker frees its contexts at detach; these are left only if it never ran. */
	media_srtp_free(s->srtp_tx);
	media_srtp_free(s->srtp_rx);
	explicit_bzero(s->sdp.keys, sizeof(s->sdp.keys));
	pthread_mutex_destroy(&s->lock);
	free(s);
}

void media_relay_unref(struct media_relay *r)
{
	if (atomic_fetch_sub_explicit(&r->refs, 1, memory_order_acq_rel) != 1)
		return;
	media_session_unref(r->leg[0]);
	media_session_unref(r->leg[1]);
	free(r);
}

/* --- ops --- */

static void retry_cb(struct sg_timer *t, void *arg)
{
	(void)t;
	(void)arg;
	media_ops_retry();
}

void media_op_post(struct media_worker *mw, struct media_op *op)
{
	op->next = NULL;
	if (!mw->out_head && sg_worker_post(mw->w, media_worker_run_op, op) == 0)
		return;
	if (mw->out_tail)
		mw->out_tail->next = op;
	else
		mw->out_head = op;
	mw->out_tail = op;
	if (!retry_timer)
		retry_timer = sg_timer_start(sg_loop_main(), media_self, 5, 0, retry_cb, NULL);
	else if (!sg_timer_pending(retry_timer))
		sg_timer_restart(retry_timer, 5);
}

/* Posts what waits for one worker; false when its queue is still full. */
static bool flush(struct media_worker *mw)
{
	while (mw->out_head) {
		struct media_op *op = mw->out_head;
		if (sg_worker_post(mw->w, media_worker_run_op, op) != 0)
			return false;
		mw->out_head = op->next;
		if (!mw->out_head)
			mw->out_tail = NULL;
	}
	return true;
}

void media_ops_retry(void)
{
	bool waiting = false;
	for (unsigned i = 0; i < media_workers_n(); i++)
		waiting |= !flush(media_worker_at(i));
	if (waiting && retry_timer)
		sg_timer_restart(retry_timer, 5);
}

void media_ops_flush_wait(void)
{
	for (unsigned i = 0; i < media_workers_n(); i++) {
		struct media_worker *mw = media_worker_at(i);
		while (!flush(mw))
			nanosleep(&(struct timespec){0, 1000000}, NULL);
	}
	retry_timer = sg_timer_free(retry_timer);
}

static struct media_op *new_op(enum media_op_kind kind, struct media_session *s, struct media_relay *r)
{
	struct media_op *op = calloc(1, sizeof(*op));
	if (!op)
		return NULL;
	op->kind = kind;
	op->s = s ? media_session_ref(s) : NULL;
	if (r) {
		atomic_fetch_add_explicit(&r->refs, 1, memory_order_relaxed);
		op->r = r;
	}
	return op;
}

struct media_op *media_op_new(enum media_op_kind kind, struct media_session *s)
{
	return new_op(kind, s, NULL);
}

/* --- the API --- */

/* A numeric address and a port into *out: 0 or -EINVAL. */
static int parse_addr(const char *text, uint16_t port, struct sockaddr_storage *out)
{
	memset(out, 0, sizeof(*out));
	struct sockaddr_in *a4 = (struct sockaddr_in *)out;
	struct sockaddr_in6 *a6 = (struct sockaddr_in6 *)out;
	if (text && inet_pton(AF_INET, text, &a4->sin_addr) == 1) {
		a4->sin_family = AF_INET;
		a4->sin_port = htons(port);
		return 0;
	}
	if (text && inet_pton(AF_INET6, text, &a6->sin6_addr) == 1) {
		a6->sin6_family = AF_INET6;
		a6->sin6_port = htons(port);
		return 0;
	}
	return -EINVAL;
}

int media_parse_addr(const char *text, struct sockaddr_storage *out)
{
	return parse_addr(text, 0, out);
}

/* SSRC and the first sequence number and timestamp: random (RFC 3550 §5.1). */
static void random_start(uint32_t *ssrc, uint16_t *seq, uint32_t *ts)
{
	uint32_t r[3];
	if (getrandom(r, sizeof(r), GRND_NONBLOCK) != (ssize_t)sizeof(r)) {
		struct timespec now;
		clock_gettime(CLOCK_MONOTONIC, &now);
		r[0] = (uint32_t)now.tv_nsec ^ (uint32_t)(uintptr_t)ssrc;
		r[1] = r[0] * 2654435761u;
		r[2] = r[1] * 2654435761u;
	}
	*ssrc = r[0];
	*seq = (uint16_t)r[1];
	*ts = r[2];
}

static struct media_session *session_alloc(const struct sg_rtp_session_opts *o, struct media_worker *mw)
{
	struct media_session *s = calloc(1, sizeof(*s));
	if (!s)
		return NULL;
	atomic_init(&s->refs, 1); /* the caller's handle */
	s->id = next_id++;
	snprintf(s->name, sizeof(s->name), "%s", o->name && *o->name ? o->name : "rtp");
	s->mw = mw;
	s->on_event = o->on_event;
	s->arg = o->arg;
	s->timeout_ms = media_cfg.timeout_s * 1000u;
	s->rtcp_interval_ms = media_cfg.rtcp_interval_s * 1000u;
	s->fd_rtp = s->fd_rtcp = -1;
	s->clock_rate = s->tx_clock_rate = 8000;
	pthread_mutex_init(&s->lock, NULL);
	rtp_latch_init(&s->latch, media_cfg.symmetric);
	uint32_t ssrc, ts;
	uint16_t seq;
	random_start(&ssrc, &seq, &ts);
	rtp_rewrite_init(&s->rw, ssrc, seq, ts);
	return s;
}

/* The address our SDP's c= gives: the bound one, or when that is a wildcard the
 * caller's hint (the address the peer reaches the PBX at). 0 or -EINVAL. */
static int sdp_addr_for(const char *hint, const struct sockaddr_storage *bound, char *out, size_t size)
{
	const void *ip = bound->ss_family == AF_INET6 ? (const void *)&((const struct sockaddr_in6 *)bound)->sin6_addr
						       : (const void *)&((const struct sockaddr_in *)bound)->sin_addr;
	if (!inet_ntop(bound->ss_family, ip, out, (socklen_t)size))
		return -EINVAL;
	if (strcmp(out, "0.0.0.0") && strcmp(out, "::"))
		return 0;
	struct sockaddr_storage a;
	if (!hint || parse_addr(hint, 0, &a) || a.ss_family != bound->ss_family)
		return -EINVAL;
	snprintf(out, size, "%s", hint);
	return 0;
}

static int session_new(const struct sg_rtp_session_opts *o, struct sg_rtp_session **out)
{
	const struct media_session *near = (const struct media_session *)o->near;
	if (media_unloading || (near && near->released))
		return -EINVAL;
	struct media_worker *mw = near ? near->mw : media_worker_pick();
	if (!mw)
		return -ENODEV;
	struct sockaddr_storage local;
	const char *addr = o->local_addr ? o->local_addr : media_cfg.address;
	if (parse_addr(addr, 0, &local))
		return -EINVAL;
	struct media_session *s = session_alloc(o, mw);
	struct media_op *op = s ? new_op(OP_ATTACH, s, NULL) : NULL;
	if (!op) {
		if (s)
			media_session_unref(s);
		return -ENOMEM;
	}
	int rc = media_ports_bind((struct sockaddr *)&local, &s->fd_rtp, &s->fd_rtcp, &s->port);
	if (rc) {
		media_session_unref(op->s);
		free(op);
		media_session_unref(s);
		return rc;
	}
	s->family = local.ss_family;
	s->sdp.secure = o->secure;
	/* Without one, the SDP calls refuse: a session for the console alone needs none. */
	if (sdp_addr_for(o->sdp_addr_hint, &local, s->sdp.addr, sizeof(s->sdp.addr)))
		s->sdp.addr[0] = '\0';
	s->sdp.ver.id = s->sdp.ver.version = (uint64_t)time(NULL) * 1000u + s->id % 1000u;
	rtp_addr_set_port((struct sockaddr *)&local, s->port);
	rtp_addr_str((struct sockaddr *)&local, s->local, sizeof(s->local));
	struct sg_rtp_stats *st = &s->live;
	snprintf(st->name, sizeof(st->name), "%s", s->name);
	snprintf(st->local, sizeof(st->local), "%s", s->local);
	snprintf(st->remote, sizeof(st->remote), "-");
	st->worker = mw->index;
	st->ssrc_out = s->rw.ssrc_out;
	st->rtt_ms = -1;
	s->pub = s->live;

	s->main_next = sessions;
	s->main_prev = &sessions;
	if (sessions)
		sessions->main_prev = &s->main_next;
	sessions = s;
	sg_module_ref(media_self);
	sg_worker_load_add(mw->w, 1);
	media_op_post(mw, op);
	SG_DEBUG(TAG, "session %u (%s): %s on worker %u", s->id, s->name, s->local, mw->index);
	*out = (struct sg_rtp_session *)s;
	return 0;
}

static uint16_t local_port(const struct sg_rtp_session *hs)
{
	return ((const struct media_session *)hs)->port;
}

static int set_remote(struct sg_rtp_session *hs, const char *addr, uint16_t rtp_port, uint16_t rtcp_port)
{
	return media_set_remote((struct media_session *)hs, addr, rtp_port, rtcp_port);
}

int media_set_remote(struct media_session *s, const char *addr, uint16_t rtp_port, uint16_t rtcp_port)
{
	struct sockaddr_storage rtp, rtcp;
	if (s->released || rtp_port == 0 || parse_addr(addr, rtp_port, &rtp) ||
	    parse_addr(addr, rtcp_port ? rtcp_port : (uint16_t)(rtp_port + 1), &rtcp))
		return -EINVAL;
	if (rtp.ss_family != s->family)
		return -EAFNOSUPPORT;
	struct media_op *op = new_op(OP_REMOTE, s, NULL);
	if (!op)
		return -ENOMEM;
	op->rtp = rtp;
	op->rtcp = rtcp;
	media_op_post(s->mw, op);
	return 0;
}

/* Stops relaying on the main thread's side and tells the worker. */
static void relay_stop(struct media_relay *r)
{
	r->linked = false;
	r->leg[0]->relay = NULL;
	r->leg[1]->relay = NULL;
	struct media_op *op = new_op(OP_UNLINK, NULL, r);
	if (op) {
		media_op_post(r->leg[0]->mw, op);
		return;
	}
	/* Out of memory for the op: the worker still unlinks when either leg leaves. */
	SG_ERROR(TAG, "out of memory stopping a relay");
}

static int bridge(struct sg_rtp_session *ha, struct sg_rtp_session *hb, struct sg_rtp_relay **out)
{
	struct media_session *a = (struct media_session *)ha, *b = (struct media_session *)hb;
	if (!a || !b || a == b || a->released || b->released)
		return -EINVAL;
	if (a->relay || b->relay)
		return -EBUSY;
	if (a->mw != b->mw)
		return -EXDEV;
	struct media_relay *r = calloc(1, sizeof(*r));
	if (!r)
		return -ENOMEM;
	atomic_init(&r->refs, 1); /* the caller's handle */
	r->leg[0] = media_session_ref(a);
	r->leg[1] = media_session_ref(b);
	struct media_op *op = new_op(OP_LINK, NULL, r);
	if (!op) {
		media_relay_unref(r);
		return -ENOMEM;
	}
	r->linked = true;
	a->relay = b->relay = r;
	media_op_post(a->mw, op);
	SG_DEBUG(TAG, "relay %s (%u) <-> %s (%u)", a->name, a->id, b->name, b->id);
	*out = (struct sg_rtp_relay *)r;
	return 0;
}

static void unbridge(struct sg_rtp_relay *hr)
{
	struct media_relay *r = (struct media_relay *)hr;
	if (!r)
		return;
	if (r->linked)
		relay_stop(r);
	media_relay_unref(r);
}

static int stats(const struct sg_rtp_session *hs, struct sg_rtp_stats *out)
{
	struct media_session *s = (struct media_session *)hs;
	if (s->released)
		return -EINVAL;
	pthread_mutex_lock(&s->lock);
	*out = s->pub;
	pthread_mutex_unlock(&s->lock);
	out->direct = s->sdp.direct;
	return 0;
}

static int set_timeout(struct sg_rtp_session *hs, unsigned seconds)
{
	struct media_session *s = (struct media_session *)hs;
	if (s->released || seconds > 86400)
		return -EINVAL;
	struct media_op *op = new_op(OP_TIMEOUT, s, NULL);
	if (!op)
		return -ENOMEM;
	op->timeout_ms = seconds * 1000u;
	media_op_post(s->mw, op);
	return 0;
}

static void release(struct sg_rtp_session *hs)
{
	struct media_session *s = (struct media_session *)hs;
	if (!s || s->released)
		return;
	if (s->relay)
		relay_stop(s->relay);
	s->released = true;
	s->play_dropped = s->play_id;
	s->rec_done = NULL;
	s->digit_hook = NULL;
	media_sdp_free(s);
	*s->main_prev = s->main_next;
	if (s->main_next)
		s->main_next->main_prev = s->main_prev;
	struct media_op *op = new_op(OP_DETACH, s, NULL);
	if (op)
		media_op_post(s->mw, op);
	else
		SG_ERROR(TAG, "session %u (%s): out of memory releasing it; its ports stay held", s->id, s->name);
	sg_module_unref(media_self);
	media_session_unref(s);
}

/* --- media the PBX makes (play.c and record.c do the work on the worker) --- */

static unsigned next_media_id;

static char *dup_str(const char *s)
{
	return s ? strdup(s) : NULL;
}

static struct media_play *new_play(const struct sg_rtp_play_opts *o)
{
	struct media_play *p = calloc(1, sizeof(*p));
	if (!p)
		return NULL;
	p->loop = o->loop;
	p->beep = o->beep;
	p->ringback = o->ringback && !o->beep;
	p->stop_digits = media_digit_set(o->stop_digits);
	if (o->beep || p->ringback)
		return p;
	p->next = o->start_file;
	p->seek_ms = o->start_ms;
	snprintf(p->language, sizeof(p->language), "%s", o->language ? o->language : media_cfg.language);
	if (o->moh_class) {
		/* The folder is listed on the worker (media_play_start), as files open there. */
		size_t n = strlen(media_sounds_dir) + strlen(o->moh_class) + 6;
		if ((p->moh_dir = malloc(n)))
			snprintf(p->moh_dir, n, "%s/moh/%s", media_sounds_dir, o->moh_class);
		else {
			free(p);
			return NULL;
		}
		p->loop = true;
		return p;
	}
	if (!(p->files = calloc(o->nfiles, sizeof(*p->files)))) {
		free(p);
		return NULL;
	}
	for (; p->nfiles < o->nfiles; p->nfiles++)
		if (!(p->files[p->nfiles] = dup_str(o->files[p->nfiles]))) {
			media_play_free(p);
			return NULL;
		}
	return p;
}

static int post_play(struct media_session *s, struct media_play *p)
{
	struct media_op *op = new_op(OP_PLAY, s, NULL);
	if (!op) {
		media_play_free(p);
		return -ENOMEM;
	}
	op->play = p;
	media_op_post(s->mw, op);
	return 0;
}

int media_play(struct sg_rtp_session *hs, const struct sg_rtp_play_opts *o, sg_rtp_done_fn *done, void *arg)
{
	struct media_session *s = (struct media_session *)hs;
	bool tone = o && (o->beep || o->ringback);
	if (s->released || !o || (!tone && !o->moh_class && (!o->files || !o->nfiles)))
		return -EINVAL;
	if (!tone && o->moh_class && (!*o->moh_class || o->moh_class[0] == '.' || strchr(o->moh_class, '/') ||
				      strlen(o->moh_class) > 64))
		return -EINVAL;
	for (size_t i = 0; !tone && !o->moh_class && i < o->nfiles; i++)
		if (!o->files[i] || !*o->files[i])
			return -EINVAL;
	if (o->language && !sg_language_valid(o->language))
		return -EINVAL; /* it becomes part of a path */
	if (!s->sdp.negotiated)
		return -EINVAL;
	struct media_play *p = new_play(o);
	if (!p)
		return -ENOMEM;
	p->id = ++next_media_id;
	p->done = done;
	p->done_arg = arg;
	int rc = post_play(s, p);
	if (rc)
		return rc;
	s->play_id = next_media_id;
	s->playing = true;
	return 0;
}

int media_record(struct sg_rtp_session *hs, const struct sg_rtp_record_opts *o, sg_rtp_done_fn *done, void *arg)
{
	struct media_session *s = (struct media_session *)hs;
	if (s->released || !o || !o->path || !*o->path || !s->sdp.negotiated)
		return -EINVAL;
	if (s->rec_done)
		return -EBUSY;
	struct media_rec *r = calloc(1, sizeof(*r));
	struct media_op *op = r ? new_op(OP_RECORD, s, NULL) : NULL;
	if (op)
		op->rec_path = dup_str(o->path);
	if (!op || !op->rec_path) {
		free(r);
		if (op) {
			media_session_unref(op->s);
			free(op);
		}
		return -ENOMEM;
	}
	r->id = ++next_media_id;
	r->stop_digits = media_digit_set(o->stop_digits);
	r->both = o->both;
	op->rec = r;
	op->max_ms = o->max_ms;
	op->silence_ms = o->silence_ms;
	if (o->beep) {
		struct media_play *p = new_play(&(struct sg_rtp_play_opts){.beep = true});
		if (p) {
			p->then_record = true;
			post_play(s, p);
		}
	}
	media_op_post(s->mw, op);
	s->rec_id = r->id;
	s->recording = true;
	s->rec_done = done;
	s->rec_arg = arg;
	return 0;
}

static void stop(struct sg_rtp_session *hs)
{
	struct media_session *s = (struct media_session *)hs;
	struct media_op *op = s->released ? NULL : new_op(OP_STOP, s, NULL);
	if (op)
		media_op_post(s->mw, op);
}

static void play_stop(struct sg_rtp_session *hs)
{
	struct media_session *s = (struct media_session *)hs;
	struct media_op *op = s->released ? NULL : new_op(OP_STOP, s, NULL);
	if (op) {
		op->play_only = true;
		media_op_post(s->mw, op);
	}
}

void media_cancel(struct sg_rtp_session *hs)
{
	struct media_session *s = (struct media_session *)hs;
	s->play_dropped = s->play_id;
	s->rec_done = NULL;
	stop(hs);
}

static int send_digit(struct sg_rtp_session *hs, char digit, unsigned duration_ms)
{
	struct media_session *s = (struct media_session *)hs;
	if (s->released || !media_digit_bit(digit))
		return -EINVAL;
	if (s->sdp.negotiated && !s->sdp.te)
		return -ENOTSUP;
	struct media_op *op = new_op(OP_DIGIT, s, NULL);
	if (!op)
		return -ENOMEM;
	op->digit = digit;
	op->duration_ms = duration_ms;
	media_op_post(s->mw, op);
	return 0;
}

static void digit_in(struct sg_rtp_session *hs, char digit)
{
	struct media_session *s = (struct media_session *)hs;
	struct media_op *op = s->released || !media_digit_bit(digit) ? NULL : new_op(OP_DIGIT_IN, s, NULL);
	if (!op)
		return;
	op->digit = digit;
	media_op_post(s->mw, op);
}

char media_take_digit(struct media_session *s)
{
	if (!s->ndigits)
		return 0;
	char d = s->digits[0];
	memmove(s->digits, s->digits + 1, --s->ndigits);
	return d;
}

struct media_session *media_sessions_first(void)
{
	return sessions;
}

void media_sessions_release_all(void)
{
	while (sessions) {
		struct media_session *s = sessions;
		SG_WARNING(TAG, "session %u (%s) still allocated at unload: released", s->id, s->name);
		release((struct sg_rtp_session *)s);
	}
}

const struct sg_rtp_api media_api = {
	.session_new = session_new,
	.local_port = local_port,
	.set_remote = set_remote,
	.bridge = bridge,
	.unbridge = unbridge,
	.stats = stats,
	.set_timeout = set_timeout,
	.remote_offer = media_remote_offer,
	.local_answer = media_local_answer,
	.local_offer = media_local_offer,
	.remote_answer = media_remote_answer,
	.direct_check = media_direct_check,
	.local_offer_for = media_local_offer_for,
	.offer_withdraw = media_offer_withdraw,
	.set_direct = media_set_direct,
	.play = media_play,
	.record = media_record,
	.stop = stop,
	.cancel = media_cancel,
	.play_stop = play_stop,
	.send_digit = send_digit,
	.digit_in = digit_in,
	.release = release,
	.ports_usage = media_ports_count,
};
