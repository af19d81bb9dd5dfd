/*
 * res_rtp.c: the media module: its settings (settings.rtp), the worker contexts its
 * sessions live on, the "rtp" service (rtp.h) and console commands, and an unload
 * that gets every worker out of the module's code before it goes.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <strowger/call.h>
#include <strowger/config.h>
#include <strowger/log.h>
#include <strowger/module.h>
#include <strowger/service.h>

#include "media.h"
#include "rtp_portset.h"

struct sg_module *media_self;
struct media_config media_cfg;
bool media_unloading;
char media_sounds_dir[512] = "sounds";

static struct media_worker *workers;
static unsigned nworkers;

unsigned media_workers_n(void) { return nworkers; }
struct media_worker *media_worker_at(unsigned i) { return &workers[i]; }

/* Workers start after modules load, so the contexts are made on first use. */
struct media_worker *media_worker_pick(void)
{
	if (!workers) {
		unsigned n = sg_workers_count();
		if (!n || !(workers = calloc(n, sizeof(*workers))))
			return NULL;
		for (unsigned i = 0; i < n; i++) {
			workers[i].w = sg_worker_get(i);
			workers[i].index = i;
		}
		nworkers = n;
	}
	struct sg_worker *w = sg_worker_pick();
	return w ? &workers[sg_worker_index(w)] : NULL;
}

/* --- unload: the workers' last task --- */

static pthread_mutex_t barrier_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t barrier_cond = PTHREAD_COND_INITIALIZER;
static unsigned barrier_done;

static void barrier_task(void *arg)
{
	media_worker_shutdown(arg);
	pthread_mutex_lock(&barrier_lock);
	barrier_done++;
	pthread_cond_signal(&barrier_cond);
	pthread_mutex_unlock(&barrier_lock);
}

/*
 * Releases what is left, lets every worker run its ops, then has each close what it
 * still holds and acknowledge. The main thread waits for them here (a few
 * milliseconds: workers never block), because the module's code must not run on any
 * thread once unload() returns.
 */
static void stop_workers(void)
{
	media_sessions_release_all();
	media_ops_flush_wait();
	barrier_done = 0;
	for (unsigned i = 0; i < nworkers; i++)
		while (sg_worker_post(workers[i].w, barrier_task, &workers[i]) == -EAGAIN)
			nanosleep(&(struct timespec){0, 1000000}, NULL);
	pthread_mutex_lock(&barrier_lock);
	while (barrier_done < nworkers)
		pthread_cond_wait(&barrier_cond, &barrier_lock);
	pthread_mutex_unlock(&barrier_lock);
	free(workers);
	workers = NULL;
	nworkers = 0;
}

/* --- settings --- */

static long long cfg_range(const char *path, long long def, long long min, long long max)
{
	long long v;
	if (!sg_config_int(path, &v))
		return def;
	if (v >= min && v <= max)
		return v;
	long long use = v < min ? min : max;
	SG_WARNING(TAG, "%s: settings.%s=%lld is outside %lld..%lld; using %lld", sg_config_where(), path, v, min, max,
		   use);
	return use;
}

/* Reads settings.rtp into *c: 0, or -EINVAL (logged with file:line). */
static int read_config(struct media_config *c)
{
	memset(c, 0, sizeof(*c));
	const char *addr = "0.0.0.0";
	sg_config_string("rtp.address", &addr);
	struct sockaddr_storage probe;
	if (media_parse_addr(addr, &probe)) {
		SG_ERROR(TAG, "%s: settings.rtp.address = \"%s\": write a numeric IPv4 or IPv6 address", sg_config_where(),
			 addr);
		return -EINVAL;
	}
	snprintf(c->address, sizeof(c->address), "%s", addr);
	long long lo = 10000, hi = 20000;
	lo = cfg_range("rtp.rtp_start", lo, 1024, 65534);
	hi = cfg_range("rtp.rtp_end", hi, 1025, 65535);
	if (lo >= hi || !rtp_portset_range((uint32_t)lo, (uint32_t)hi, &c->first, &c->last)) {
		SG_ERROR(TAG, "%s: settings.rtp: rtp_start (%lld) must be below rtp_end (%lld), with room for an even "
			      "RTP port and the RTCP port above it", sg_config_where(), lo, hi);
		return -EINVAL;
	}
	c->timeout_s = (unsigned)cfg_range("rtp.inactivity_timeout", 30, 0, 3600);
	c->symmetric = true;
	sg_config_bool("rtp.symmetric", &c->symmetric);
	c->rtcp_interval_s = (unsigned)cfg_range("rtp.rtcp_interval", 5, 0, 60);
	const char *sounds = "sounds";
	sg_config_string("rtp.sounds_dir", &sounds);
	snprintf(c->sounds_dir, sizeof(c->sounds_dir), "%s", sounds);
	const char *lang = "en";
	sg_config_string("rtp.language", &lang);
	if (!sg_language_valid(lang)) {
		SG_ERROR(TAG, "%s: settings.rtp.language = \"%s\": a language is letters, digits, '-' and '_' "
			      "(up to %d), the name of a folder of sounds_dir: \"en\", \"fr-ca\"",
			 sg_config_where(), lang, SG_LANGUAGE_MAX);
		return -EINVAL;
	}
	snprintf(c->language, sizeof(c->language), "%s", lang);
	const char *srtp = "tls";
	sg_config_string("rtp.srtp", &srtp);
	if (!strcmp(srtp, "tls")) {
		c->srtp = MEDIA_SRTP_TLS;
	} else if (!strcmp(srtp, "best_effort")) {
		c->srtp = MEDIA_SRTP_BEST_EFFORT;
	} else if (!strcmp(srtp, "off")) {
		c->srtp = MEDIA_SRTP_OFF;
	} else if (!strcmp(srtp, "require")) {
		c->srtp = MEDIA_SRTP_REQUIRE;
	} else {
		SG_ERROR(TAG, "%s: settings.rtp.srtp = \"%s\": write \"tls\" (SRTP on calls over TLS), "
			      "\"best_effort\", \"off\" or \"require\"", sg_config_where(), srtp);
		return -EINVAL;
	}
	return 0;
}

static const char *srtp_mode_name(const struct media_config *c)
{
	static const char *const names[] = {"on TLS legs", "on TLS legs (best effort)", "off", "required"};
	return names[c->srtp];
}

static void apply_config(const struct media_config *c)
{
	media_cfg = *c;
	snprintf(media_sounds_dir, sizeof(media_sounds_dir), "%s", c->sounds_dir);
	media_ports_configure(c->first, c->last);
}

/* --- the module --- */

static int load(struct sg_module *m)
{
	media_self = m;
	media_unloading = false;
	struct media_config c;
	int rc = read_config(&c);
	if (rc)
		return rc;
	/* libsrtp's crypto kernel is global: made once here, before any worker uses it. */
	if (media_srtp_library_init()) {
		SG_ERROR(TAG, "libsrtp2 failed to start");
		return -EIO;
	}
	apply_config(&c);
	if ((rc = sg_service_register(m, SG_RTP_SERVICE, SG_RTP_API_VERSION, &media_api)) ||
	    (rc = media_console_register(m)) || (rc = media_bridge_register(m)) || (rc = media_dp_register(m)))
		return rc; /* the loader removes what was registered */
	SG_INFO(TAG, "RTP on %s, ports %u-%u, %s latching, inactivity timeout %u s, RTCP every %u s, SRTP %s",
		c.address, c.first, c.last + 1, c.symmetric ? "symmetric" : "no", c.timeout_s, c.rtcp_interval_s,
		srtp_mode_name(&c));
	return 0;
}

static void unload(struct sg_module *m)
{
	(void)m;
	media_unloading = true;
	media_bridge_unregister();
	stop_workers();
	media_console_unregister();
	sg_service_unregister(SG_RTP_SERVICE);
	media_srtp_library_shutdown(); /* the workers freed every context */
}

/* New settings apply to sessions made from now on; the port range at once. */
static int reload(struct sg_module *m)
{
	(void)m;
	struct media_config c;
	if (read_config(&c))
		return -EINVAL; /* the old settings stay */
	apply_config(&c);
	media_missing_forget(); /* a sound added since is looked for (and logged) again */
	return 0;
}

static const struct sg_config_key config_keys[] = {
	{"address", SG_CFG_STRING, "local address RTP sockets bind to (\"0.0.0.0\")"},
	{"rtp_start", SG_CFG_INT, "lowest RTP port (10000)"},
	{"rtp_end", SG_CFG_INT, "highest port, RTCP included (20000)"},
	{"inactivity_timeout", SG_CFG_INT, "seconds without RTP on a bridged session before it is reported; 0: never (30)"},
	{"symmetric", SG_CFG_BOOL, "learn the phone's address from its RTP (symmetric RTP, for NAT) (true)"},
	{"sounds_dir", SG_CFG_STRING, "where bare sound names are looked up (\"sounds\", the source tree's)"},
	{"language", SG_CFG_STRING, "prompts' language when the call has none: sounds_dir/<language>/ (\"en\")"},
	{"rtcp_interval", SG_CFG_INT, "seconds between RTCP reports, randomised by half; 0: none (5)"},
	{"srtp", SG_CFG_STRING, "SRTP (SDES): \"tls\" on legs over TLS, \"best_effort\" (offers RTP/AVP with keys), "
				"\"off\", or \"require\" (\"tls\")"},
	{NULL, 0, NULL},
};

SG_MODULE_DEFINE(.name = "res_rtp", .description = "RTP: sessions, relay, RTCP, SDP and G.711",
		 .config_section = "rtp", .config_keys = config_keys, .load = load, .unload = unload,
		 .reload = reload);
