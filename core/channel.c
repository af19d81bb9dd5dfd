/* channel.c: channels, the technology registry, and the notifications from techs. */
#include <errno.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <strowger/bridge.h>
#include <strowger/call.h>
#include <strowger/cli.h>
#include <strowger/log.h>
#include <strowger/loop.h>
#include <strowger/module.h>
#include <strowger/workers.h>

#include "channel_priv.h"
#include "devstate_priv.h"
#include "list.h"
#include "registry.h"

struct sg_channel {
	struct sg_list_node node;
	atomic_uint refs;
	char name[96];
	const struct sg_chan_tech *tech;
	struct sg_module *owner; /* the technology's module, held in use */
	void *pvt;
	struct sg_rtp_session *rtp;
	enum sg_chan_state state;
	enum sg_cause cause;
	int code; /* the technology's code for the end (sg_chan_set_code) */
	struct sg_call *call;
	struct sg_bridge *bridge;
	sg_chan_observer_fn *observer;
	void *observer_data;
	uint64_t created_ms;
	bool held;		   /* the far end holds (sg_chan_hold) */
	struct hold_music *music;  /* music on hold playing to this leg (hold.c) */
	struct sg_moh_pos moh_pos; /* where the call's music stopped (its caller's leg) */
};

static struct sg_list channels;
static bool channels_ready;
static struct sg_owned_set techs;
static unsigned serial;

static const char *const state_names[] = {"down", "ring", "ringing", "progress", "up", "gone"};
static const char *const cause_names[] = {"normal", "busy", "noanswer", "unavailable", "rejected",
					  "notfound", "cancelled", "congestion", "failure", "shutdown"};

const char *sg_chan_state_name(enum sg_chan_state s)
{
	return (unsigned)s < sizeof(state_names) / sizeof(*state_names) ? state_names[s] : "?";
}

const char *sg_cause_name(enum sg_cause c)
{
	return (unsigned)c < sizeof(cause_names) / sizeof(*cause_names) ? cause_names[c] : "?";
}

int sg_cause_parse(const char *name)
{
	for (size_t i = 0; name && i < sizeof(cause_names) / sizeof(*cause_names); i++)
		if (!strcmp(name, cause_names[i]))
			return (int)i;
	return -1;
}

int sg_chan_tech_register(struct sg_module *owner, const struct sg_chan_tech *tech)
{
	if (!tech || !tech->name || !tech->hangup)
		return -EINVAL;
	if (sg_chan_tech_find(tech->name))
		return -EEXIST;
	int rc = sg_owned_add(&techs, tech, owner);
	if (!rc)
		SG_INFO("core", "channel technology %s registered by %s", tech->name, sg_module_name(owner));
	return rc;
}

void sg_chan_tech_unregister(const struct sg_chan_tech *tech) { sg_owned_remove(&techs, tech); }
unsigned sg_chan_tech_purge_owner(struct sg_module *owner) { return sg_owned_purge(&techs, owner); }

const struct sg_chan_tech *sg_chan_tech_find(const char *name)
{
	for (size_t i = 0; i < techs.n; i++) {
		const struct sg_chan_tech *t = techs.v[i].item;
		if (!strcasecmp(t->name, name))
			return t;
	}
	return NULL;
}

void sg_chan_techs_show(struct sg_cli *cli)
{
	sg_cli_printf(cli, "%-10s %-16s %s\n", "Tech", "Module", "Description");
	for (size_t i = 0; i < techs.n; i++) {
		const struct sg_chan_tech *t = techs.v[i].item;
		sg_cli_printf(cli, "%-10s %-16s %s\n", t->name, sg_module_name(techs.v[i].owner),
			      t->description ? t->description : "");
	}
}

struct sg_channel *sg_chan_new(const struct sg_chan_tech *tech, const char *label, void *pvt)
{
	if (!channels_ready) {
		sg_list_init(&channels);
		channels_ready = true;
	}
	struct sg_channel *ch = calloc(1, sizeof(*ch));
	if (!ch)
		return NULL;
	atomic_init(&ch->refs, 1);
	ch->tech = tech;
	ch->pvt = pvt;
	ch->owner = sg_owned_owner(&techs, tech);
	ch->created_ms = sg_loop_now_ms(sg_loop_main());
	snprintf(ch->name, sizeof(ch->name), "%s/%.40s-%06u", tech->name, label ? label : "", ++serial);
	sg_module_ref(ch->owner);
	sg_list_append(&channels, &ch->node);
	return ch;
}

struct sg_channel *sg_chan_ref(struct sg_channel *ch)
{
	if (ch)
		atomic_fetch_add(&ch->refs, 1);
	return ch;
}

static void destroy(void *arg)
{
	struct sg_channel *ch = arg;
	sg_moh_forget(ch);
	sg_devstate_chan_freed(ch);
	sg_list_remove_from(&channels, &ch->node);
	if (ch->tech->destroy)
		ch->tech->destroy(ch->pvt);
	sg_module_unref(ch->owner);
	free(ch);
}

struct sg_channel *sg_chan_unref(struct sg_channel *ch)
{
	if (!ch || atomic_fetch_sub(&ch->refs, 1) != 1)
		return NULL;
	/* Channels are listed on the main thread: a worker's last reference sends the
	 * destruction there. */
	if (sg_worker_self() && sg_main_post(destroy, ch) == 0)
		return NULL;
	destroy(ch);
	return NULL;
}

const char *sg_chan_name(const struct sg_channel *ch) { return ch->name; }
void *sg_chan_pvt(const struct sg_channel *ch) { return ch->pvt; }
struct sg_rtp_session *sg_chan_rtp(const struct sg_channel *ch) { return ch->rtp; }
void sg_chan_set_rtp(struct sg_channel *ch, struct sg_rtp_session *s) { ch->rtp = s; }
const struct sg_chan_tech *sg_chan_tech(const struct sg_channel *ch) { return ch->tech; }
enum sg_chan_state sg_chan_state(const struct sg_channel *ch) { return ch->state; }
void sg_chan_set_code(struct sg_channel *ch, int code) { ch->code = code; }
int sg_chan_code(const struct sg_channel *ch) { return ch->code; }
enum sg_cause sg_chan_cause(const struct sg_channel *ch) { return ch->cause; }
struct sg_call *sg_chan_call(const struct sg_channel *ch) { return ch->call; }
struct sg_bridge *sg_chan_bridge(const struct sg_channel *ch) { return ch->bridge; }
void sg_chan_set_call(struct sg_channel *ch, struct sg_call *call) { ch->call = call; }
struct sg_moh_pos *sg_chan_moh_pos(struct sg_channel *ch) { return &ch->moh_pos; }
struct hold_music *sg_chan_music(const struct sg_channel *ch) { return ch->music; }
void sg_chan_set_music(struct sg_channel *ch, struct hold_music *m) { ch->music = m; }
bool sg_chan_held(const struct sg_channel *ch) { return ch->held; }

void sg_chan_set_bridge(struct sg_channel *ch, struct sg_bridge *br)
{
	bool left = ch->bridge && !br;
	ch->bridge = br;
	if (left)
		sg_moh_unbridged(ch);
}

uint64_t sg_chan_age_ms(const struct sg_channel *ch)
{
	return sg_loop_now_ms(sg_loop_main()) - ch->created_ms;
}

void sg_chan_set_observer(struct sg_channel *ch, sg_chan_observer_fn *fn, void *data)
{
	ch->observer = fn;
	ch->observer_data = data;
}

bool sg_chan_observed_by(const struct sg_channel *ch, sg_chan_observer_fn *fn, const void *data)
{
	return ch->observer == fn && ch->observer_data == data;
}

void sg_chan_observer(const struct sg_channel *ch, sg_chan_observer_fn **fn, void **data)
{
	*fn = ch->observer;
	*data = ch->observer_data;
}

struct sg_channel *sg_chan_find(const char *name)
{
	struct sg_list_node *it;
	if (!channels_ready)
		return NULL;
	sg_list_foreach(&channels, it) {
		struct sg_channel *ch = sg_container_of(it, struct sg_channel, node);
		if (!strcmp(ch->name, name) && ch->state != SG_CHAN_GONE)
			return ch;
	}
	return NULL;
}

static void notify(struct sg_channel *ch, enum sg_chan_event ev, int arg)
{
	if (ch->observer)
		ch->observer(ch, ev, arg, ch->observer_data);
}

int sg_chan_answer(struct sg_channel *ch)
{
	if (ch->state == SG_CHAN_GONE)
		return -ENOTCONN;
	if (ch->state == SG_CHAN_UP)
		return 0;
	if (!ch->tech->answer)
		return -ENOTSUP;
	int rc = ch->tech->answer(ch);
	if (!rc) {
		ch->state = SG_CHAN_UP;
		sg_devstate_chan_changed(ch);
	}
	return rc;
}

int sg_chan_indicate(struct sg_channel *ch, enum sg_indication ind)
{
	if (ch->state == SG_CHAN_GONE)
		return -ENOTCONN;
	if (!ch->tech->indicate)
		return -ENOTSUP;
	int rc = ch->tech->indicate(ch, ind);
	/* An incoming leg told of progress may carry early media (SIP: 183 with SDP). */
	if (rc == 0 && ind == SG_IND_PROGRESS && ch->state == SG_CHAN_RING) {
		ch->state = SG_CHAN_PROGRESS;
		sg_devstate_chan_changed(ch);
	}
	return rc;
}

int sg_chan_send_digit(struct sg_channel *ch, char digit, unsigned duration_ms)
{
	if (ch->state == SG_CHAN_GONE)
		return -ENOTCONN;
	if (!ch->tech->send_digit)
		return -ENOTSUP;
	return ch->tech->send_digit(ch, digit, duration_ms);
}

int sg_chan_direct_media(struct sg_channel *a, struct sg_channel *b, bool requested)
{
	if (a->state == SG_CHAN_GONE || b->state == SG_CHAN_GONE)
		return -ENOTCONN;
	if (a->tech != b->tech || !a->tech->direct_media)
		return -ENOTSUP;
	return a->tech->direct_media(a, b, requested);
}

static void gone(struct sg_channel *ch, enum sg_cause cause);

int sg_chan_redirect(struct sg_channel *ch, const char *const *targets, size_t n)
{
	if (ch->state == SG_CHAN_GONE)
		return -ENOTCONN;
	if (ch->state == SG_CHAN_UP)
		return -EISCONN;
	if (!ch->tech->redirect)
		return -ENOTSUP;
	int rc = ch->tech->redirect(ch, targets, n);
	if (rc == 0) {
		SG_INFO("core", "%s: redirected", ch->name);
		gone(ch, SG_CAUSE_NORMAL);
	}
	return rc;
}

/* Common end of a leg, whichever side ended it. */
static void gone(struct sg_channel *ch, enum sg_cause cause)
{
	ch->state = SG_CHAN_GONE;
	ch->cause = cause;
	sg_moh_forget(ch);
	sg_devstate_chan_changed(ch); /* busy lamps: the leg is over */
	if (ch->bridge)
		sg_bridge_chan_gone(ch->bridge, ch);
	sg_chan_ref(ch); /* the observer may drop the last other reference */
	notify(ch, SG_CHEV_HANGUP, (int)cause);
	sg_chan_unref(ch);
}

void sg_chan_notify_gone(struct sg_channel *ch)
{
	if (ch->state != SG_CHAN_GONE)
		return;
	sg_chan_ref(ch);
	notify(ch, SG_CHEV_HANGUP, (int)ch->cause);
	sg_chan_unref(ch);
}

void sg_chan_hangup(struct sg_channel *ch, enum sg_cause cause)
{
	if (ch->state == SG_CHAN_GONE)
		return;
	SG_INFO("core", "%s: hung up by the PBX (%s)", ch->name, sg_cause_name(cause));
	ch->tech->hangup(ch, cause);
	gone(ch, cause);
}

void sg_chan_remote_hangup(struct sg_channel *ch, enum sg_cause cause)
{
	if (ch->state == SG_CHAN_GONE)
		return;
	SG_INFO("core", "%s: hung up by the far end (%s)", ch->name, sg_cause_name(cause));
	gone(ch, cause);
}

void sg_chan_ringing(struct sg_channel *ch)
{
	if (ch->state == SG_CHAN_GONE || ch->state == SG_CHAN_UP)
		return;
	ch->state = SG_CHAN_RINGING;
	sg_devstate_chan_changed(ch);
	notify(ch, SG_CHEV_RINGING, 0);
}

void sg_chan_progress(struct sg_channel *ch)
{
	if (ch->state == SG_CHAN_GONE || ch->state == SG_CHAN_UP)
		return;
	ch->state = SG_CHAN_PROGRESS;
	sg_devstate_chan_changed(ch);
	notify(ch, SG_CHEV_PROGRESS, 0);
}

void sg_chan_answered(struct sg_channel *ch)
{
	if (ch->state == SG_CHAN_GONE || ch->state == SG_CHAN_UP)
		return;
	ch->state = SG_CHAN_UP;
	sg_devstate_chan_changed(ch);
	notify(ch, SG_CHEV_ANSWERED, 0);
}

void sg_chan_hold(struct sg_channel *ch, bool on)
{
	if (ch->state == SG_CHAN_GONE || ch->held == on)
		return;
	ch->held = on;
	sg_hold_changed(ch, on);
}

void sg_chan_digit(struct sg_channel *ch, char digit)
{
	if (ch->state != SG_CHAN_GONE)
		notify(ch, SG_CHEV_DIGIT, digit);
}

unsigned sg_chans_active(void)
{
	unsigned n = 0;
	struct sg_list_node *it;
	if (!channels_ready)
		return 0;
	sg_list_foreach(&channels, it)
		n += sg_container_of(it, struct sg_channel, node)->state != SG_CHAN_GONE;
	return n;
}

void sg_chans_show(struct sg_cli *cli)
{
	sg_cli_printf(cli, "%-32s %-9s %-8s %s\n", "Channel", "State", "Age", "Call");
	struct sg_list_node *it;
	if (channels_ready)
		sg_list_foreach(&channels, it) {
			struct sg_channel *ch = sg_container_of(it, struct sg_channel, node);
			if (ch->state == SG_CHAN_GONE)
				continue;
			sg_cli_printf(cli, "%-32s %-9s %-8.1f %s\n", ch->name, sg_chan_state_name(ch->state),
				      (double)sg_chan_age_ms(ch) / 1000.0, ch->call ? sg_call_id(ch->call) : "-");
		}
	unsigned n = sg_chans_active();
	sg_cli_printf(cli, "%u active channel%s\n", n, n == 1 ? "" : "s");
}

int sg_chan_show_one(struct sg_cli *cli, const char *name)
{
	struct sg_channel *ch = sg_chan_find(name);
	if (!ch)
		return -ENOENT;
	sg_cli_printf(cli, "Channel:    %s\nTechnology: %s (%s)\nState:      %s\nAge:        %.1f s\n",
		      ch->name, ch->tech->name, sg_module_name(ch->owner), sg_chan_state_name(ch->state),
		      (double)sg_chan_age_ms(ch) / 1000.0);
	sg_cli_printf(cli, "Call:       %s\nBridged to: %s\n", ch->call ? sg_call_id(ch->call) : "-",
		      ch->bridge && sg_bridge_peer(ch->bridge, ch) ? sg_chan_name(sg_bridge_peer(ch->bridge, ch)) : "-");
	if (ch->tech->show)
		ch->tech->show(ch, cli);
	return 0;
}

void sg_chans_hangup_all(enum sg_cause cause)
{
	if (!channels_ready)
		return;
	/* Hanging one up can release others (its call's legs): start over each time. */
	for (;;) {
		struct sg_channel *live = NULL;
		struct sg_list_node *it;
		sg_list_foreach(&channels, it) {
			struct sg_channel *ch = sg_container_of(it, struct sg_channel, node);
			if (ch->state != SG_CHAN_GONE) {
				live = ch;
				break;
			}
		}
		if (!live)
			return;
		sg_chan_ref(live);
		sg_chan_hangup(live, cause);
		sg_chan_unref(live);
	}
}

void sg_chan_set_ring(struct sg_channel *ch)
{
	if (ch->state == SG_CHAN_DOWN) {
		ch->state = SG_CHAN_RING;
		sg_devstate_chan_changed(ch);
	}
}
