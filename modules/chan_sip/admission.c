/*
 * admission.c: overload control (admission.h). A tick every TICK_MS reads the
 * load signals. Two controllers each move a share `shed` of new requests from
 * unknown addresses that get 503: the loop's (CPU, datagram wait, kernel drops,
 * transaction tables) for every new request, the media's (worker lag) for new
 * INVITEs only, since nothing else needs media. A share goes up by RAISE for
 * every tick once its signal has lasted SUSTAIN_TICKS (one long pause, a reload
 * or a burst of TLS handshakes, is not overload) and down by a factor LOWER for
 * every calm tick (between hot and calm it holds), so it settles where the PBX
 * keeps up, and phones are served again within about a second once the overload
 * is over. Which requests go is decided by an accumulator rather than at random:
 * at 30 % exactly three in ten are refused. Apart from that, the last tenth of a
 * large RTP port pool is kept for registered phones.
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <time.h>

#include <strowger/cli.h>
#include <strowger/config.h>
#include <strowger/log.h>
#include <strowger/loop.h>
#include <strowger/rtp.h>
#include <strowger/workers.h>

#include "admission.h"
#include "guard.h"
#include "location.h"
#include "txn.h"
#include "txn_client.h"

#define TAG "sip"
#define TICK_MS 100
#define SUSTAIN_TICKS 3
#define RAISE 0.1
#define LOWER 0.7
#define SHED_MIN 0.02 /* below this, shedding is over */
/* Open transactions (of SIP_STXN_MAX and SIP_CTXN_MAX) that count as overload;
 * media workers this far behind; the datagram wait is a fifth of overload_delay. */
#define TXNS_HIGH_PCT 80
#define MEDIA_LAG_MS 100
/* Port reserve: in a pool of at least RESERVE_MIN_PAIRS, the last RESERVE_PCT
 * are for registered phones (a smaller pool is a lab set-up: no reserve). */
#define RESERVE_MIN_PAIRS 100
#define RESERVE_PCT 10
#define NOTE_EVERY_MS 10000

enum { CTL_LOOP, CTL_MEDIA, CTLS };

struct ctl {
	const char *what; /* "new requests", "new calls" */
	double shed, acc;
	unsigned hot_ticks;
	char cause[128];
	uint64_t since_ms, noted_ms;
	unsigned long episode; /* refused since shedding began */
};

struct load {
	unsigned cpu_pct;      /* main loop's CPU use over the last ticks (smoothed) */
	unsigned waited_ms;    /* longest datagram wait in the last tick */
	unsigned long dropped; /* datagrams the kernel dropped in the last tick */
	unsigned media_lag_ms;
	unsigned txns, ctxns; /* open server and client transactions */
};

static bool enabled = true;
static unsigned cpu_limit = 90;	  /* percent of one core */
static unsigned wait_limit = 200; /* ms; overload_delay / 5 */
static struct sg_timer *ticker;
static struct load now_load;
static double cpu_avg;
static uint64_t last_wall_ns, last_cpu_ns;
static unsigned long last_dropped;
static struct ctl ctls[CTLS] = {{.what = "new requests"}, {.what = "new calls"}};
static unsigned long refused_total, refused_ports, admitted_priority;

static uint64_t clock_ns(clockid_t id)
{
	struct timespec ts;
	clock_gettime(id, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static void measure(void)
{
	struct load *l = &now_load;
	uint64_t wall = clock_ns(CLOCK_MONOTONIC), cpu = clock_ns(CLOCK_THREAD_CPUTIME_ID);
	if (last_wall_ns && wall > last_wall_ns) {
		double busy = (double)(cpu - last_cpu_ns) / (double)(wall - last_wall_ns);
		cpu_avg = 0.6 * cpu_avg + 0.4 * (busy > 1 ? 1 : busy);
	}
	last_wall_ns = wall;
	last_cpu_ns = cpu;
	l->cpu_pct = (unsigned)(cpu_avg * 100 + 0.5);
	l->waited_ms = sip_transport_take_max_wait();
	struct sip_transport_stats st;
	sip_transport_get_stats(&st);
	l->dropped = st.rx_dropped >= last_dropped ? st.rx_dropped - last_dropped : st.rx_dropped;
	last_dropped = st.rx_dropped;
	l->media_lag_ms = sg_workers_lag_ms();
	l->txns = sip_stxn_count();
	l->ctxns = sip_ctxn_count();
}

/* The loop's signals: true with the first one over its limit in why; calm when
 * all are well below. */
static bool loop_hot(char *why, size_t len, bool *calm)
{
	const struct load *l = &now_load;
	bool txns_high = l->txns * 100ull >= (unsigned long long)SIP_STXN_MAX * TXNS_HIGH_PCT ||
			 l->ctxns * 100ull >= (unsigned long long)SIP_CTXN_MAX * TXNS_HIGH_PCT;
	*calm = l->cpu_pct + 15 < cpu_limit && l->waited_ms * 2 < wait_limit && !l->dropped && !txns_high;
	if (l->dropped)
		snprintf(why, len, "the kernel dropped %lu datagrams (socket buffer full)", l->dropped);
	else if (l->waited_ms >= wait_limit)
		snprintf(why, len, "a datagram waited %u ms to be read", l->waited_ms);
	else if (l->cpu_pct >= cpu_limit)
		snprintf(why, len, "the main loop is %u%% busy (overload_cpu %u%%)", l->cpu_pct, cpu_limit);
	else if (txns_high)
		snprintf(why, len, "%u server and %u client transactions are open", l->txns, l->ctxns);
	else
		return false;
	return true;
}

static bool media_hot(char *why, size_t len, bool *calm)
{
	unsigned lag = now_load.media_lag_ms;
	*calm = lag * 2 < MEDIA_LAG_MS;
	if (lag < MEDIA_LAG_MS)
		return false;
	snprintf(why, len, "media workers are %u ms behind", lag);
	return true;
}

static void steer(struct ctl *c, bool hot, bool calm, const char *why, uint64_t now)
{
	c->hot_ticks = hot ? c->hot_ticks + 1 : 0;
	if (!enabled)
		return;
	if (c->hot_ticks >= SUSTAIN_TICKS) {
		if (c->shed == 0) {
			c->since_ms = c->noted_ms = now;
			c->episode = 0;
			SG_WARNING(TAG, "overload: %s; %s from unregistered addresses get 503 until the PBX catches up", why,
				   c->what);
		}
		snprintf(c->cause, sizeof(c->cause), "%s", why);
		c->shed = c->shed + RAISE < 1 ? c->shed + RAISE : 1;
	} else if (calm && c->shed > 0) {
		c->shed = c->shed * LOWER >= SHED_MIN ? c->shed * LOWER : 0;
		if (c->shed == 0) {
			c->acc = 0;
			SG_NOTICE(TAG, "overload over after %.1f s: %lu %s refused with 503",
				  (double)(now - c->since_ms) / 1000, c->episode, c->what);
		}
	}
	if (c->shed > 0 && now - c->noted_ms >= NOTE_EVERY_MS) {
		c->noted_ms = now;
		SG_NOTICE(TAG, "overload: refusing %.0f%% of %s from unregistered addresses (%s); %lu refused so far",
			  c->shed * 100, c->what, c->cause, c->episode);
	}
}

static void tick(struct sg_timer *t, void *arg)
{
	(void)t;
	(void)arg;
	char why[128];
	bool calm, hot;
	uint64_t now = sg_loop_now_ms(sg_loop_main());
	measure();
	hot = loop_hot(why, sizeof(why), &calm);
	steer(&ctls[CTL_LOOP], hot, calm, why, now);
	hot = media_hot(why, sizeof(why), &calm);
	steer(&ctls[CTL_MEDIA], hot, calm, why, now);
}

static bool take(struct ctl *c)
{
	if (c->shed <= 0)
		return false;
	c->acc += c->shed;
	if (c->acc < 1)
		return false;
	c->acc -= 1;
	c->episode++;
	return true;
}

/* Whether the pool is down to the reserve kept for registered phones. */
static bool ports_reserved(void)
{
	const struct sg_rtp_api *rtp = sg_rtp_api();
	unsigned used = 0, total = 0;
	if (rtp)
		rtp->ports_usage(&used, &total);
	return total >= RESERVE_MIN_PAIRS && (total - used) * 100 < total * RESERVE_PCT;
}

bool sip_adm_shed(const struct sip_rx *rx, const struct sip_msg *m)
{
	bool invite = m->method == SIP_METHOD_INVITE;
	bool busy = ctls[CTL_LOOP].shed > 0 || (invite && ctls[CTL_MEDIA].shed > 0);
	if (!enabled || (!busy && !invite))
		return false;
	bool reserve = invite && ports_reserved();
	if (!busy && !reserve)
		return false;
	/* Past overload_delay every new request is refused by guard.c, which says so. */
	if (sip_guard_past_overload_delay(rx->waited_ms, invite))
		return false;
	if (sip_loc_registered_source(&rx->src) || sip_guard_trusted(&rx->src)) {
		admitted_priority++;
		return false;
	}
	if (sip_stxn_known(m))
		return false;
	bool refuse = reserve || take(&ctls[CTL_LOOP]) || (invite && take(&ctls[CTL_MEDIA]));
	if (refuse) {
		refused_total++;
		refused_ports += reserve;
	}
	return refuse;
}

void sip_adm_show(struct sg_cli *cli)
{
	const struct load *l = &now_load;
	uint64_t now = sg_loop_now_ms(sg_loop_main());
	bool any = false;
	if (!enabled)
		sg_cli_printf(cli, "overload control: off (settings.sip.overload_control)\n");
	for (int i = 0; enabled && i < CTLS; i++) {
		const struct ctl *c = &ctls[i];
		if (c->shed <= 0)
			continue;
		any = true;
		sg_cli_printf(cli, "overload control: refusing %.0f%% of %s from unregistered addresses for %.1f s (%s)\n",
			      c->shed * 100, c->what, (double)(now - c->since_ms) / 1000, c->cause);
	}
	if (enabled && !any)
		sg_cli_printf(cli, "overload control: on, not refusing\n");
	const struct sg_rtp_api *rtp = sg_rtp_api();
	unsigned used = 0, total = 0;
	if (rtp)
		rtp->ports_usage(&used, &total);
	sg_cli_printf(cli, "load: main loop %u%% busy (limit %u%%), longest datagram wait %u ms (limit %u ms), "
		      "%lu datagrams dropped by the kernel, media workers %u ms behind (limit %u ms), "
		      "RTP port pairs %u of %u, transactions open: %u server, %u client\n",
		      l->cpu_pct, cpu_limit, l->waited_ms, wait_limit, l->dropped, l->media_lag_ms, MEDIA_LAG_MS, used,
		      total, l->txns, l->ctxns);
	sg_cli_printf(cli, "%zu registered addresses; %lu new requests refused (503 Overloaded), %lu of them for the "
		      "RTP port reserve; %lu from registered or trusted addresses let through\n",
		      sip_loc_source_count(), refused_total, refused_ports, admitted_priority);
}

int sip_adm_load_config(char *err, size_t errlen)
{
	bool on = true;
	double cpu = 90, delay = 1000;
	sg_config_bool("sip.overload_control", &on);
	if (sg_config_number("sip.overload_cpu", &cpu) && (cpu < 10 || cpu > 100)) {
		snprintf(err, errlen, "settings.sip.overload_cpu: %g is not a percentage between 10 and 100", cpu);
		return -EINVAL;
	}
	sg_config_number("sip.overload_delay", &delay);
	enabled = on;
	cpu_limit = (unsigned)cpu;
	wait_limit = delay >= 50 && delay <= 60000 ? (unsigned)delay / 5 : 200;
	for (int i = 0; !enabled && i < CTLS; i++)
		ctls[i].shed = ctls[i].acc = ctls[i].hot_ticks = 0;
	return 0;
}

int sip_adm_init(struct sg_module *m)
{
	ticker = sg_timer_start(sg_loop_main(), m, TICK_MS, TICK_MS, tick, NULL);
	return ticker ? 0 : -ENOMEM;
}

void sip_adm_shutdown(void)
{
	ticker = sg_timer_free(ticker);
	for (int i = 0; i < CTLS; i++)
		ctls[i] = (struct ctl){.what = ctls[i].what};
	cpu_avg = 0;
	last_wall_ns = last_cpu_ns = 0;
	last_dropped = refused_total = refused_ports = admitted_priority = 0;
	now_load = (struct load){0};
}
