/*
 * guard.c: per-source rate limits and bans (guard.h). Sources live in one fixed
 * open-addressed table keyed by the address bytes; a lookup probes at most
 * PROBE slots, and a new source takes the first free one or evicts the least
 * recently seen unbanned source among them, so a flood of spoofed addresses
 * cannot grow memory or push out a ban. Buckets refill lazily on each message.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <strowger/cli.h>
#include <strowger/config.h>
#include <strowger/log.h>
#include <strowger/loop.h>
#include <strowger/workers.h>

#include "addr_count.h"
#include "dialog.h"
#include "guard.h"
#include "txn.h"

#define TAG "sip"
#define PROBE 16
#define NOTE_EVERY_MS 60000 /* a source over a rate is logged at most this often */

struct src {
	bool used;
	uint8_t fam; /* 4 or 6 */
	uint8_t addr[16];
	double tokens, invite_tokens;
	uint64_t seen_ms, fail_start_ms, banned_until_ms;
	uint64_t noted_ms[3]; /* over the message rate, over the INVITE rate (or calls), over the transactions: last logged */
	unsigned fails;
	unsigned long dropped;
	char why[96];
};

struct net {
	uint8_t fam, prefix;
	uint8_t addr[16];
};

static struct src *table;
static struct net trusted[GUARD_MAX_TRUSTED];
static size_t ntrusted;
static struct sip_guard_cfg cfg = {.enabled = true, .requests_per_s = 100, .request_burst = 400,
				   .invites_per_s = 20, .invite_burst = 40, .auth_failures = 10,
				   .auth_window_s = 60, .ban_s = 600};
static unsigned long banned_total, dropped_rate, dropped_banned, overload_refused;
/* 1 s: UDP phones have retransmitted twice by then, and a loaded (or sanitized)
 * PBX can pause a few hundred ms without being overloaded. */
static unsigned overload_ms = 1000;
static unsigned calls_per_source = 100;
static unsigned long refused_calls;
/* 5,000: a NAT'd office or a trunk with hundreds of calls an hour stays far
 * below (a finished transaction lingers 32 s); one source cannot take the
 * table's 300,000. */
static unsigned txns_per_source = 5000;
static unsigned long refused_txns;
static uint64_t overload_noted_ms[2]; /* last logged: the loop behind, the media workers behind */

static uint64_t now_ms(void) { return sg_loop_now_ms(sg_loop_main()); }

/* The address of a socket address, as family and bytes (addr_count.h; a family
 * that is neither counts as IPv4, as the zero bytes do). */
static void key_of(const struct sip_sockaddr *a, uint8_t *fam, uint8_t addr[16])
{
	uint8_t f = sip_addr_bytes(a, addr);
	*fam = f ? f : 4;
}

static int parse_addr(const char *text, uint8_t *fam, uint8_t addr[16])
{
	memset(addr, 0, 16);
	if (inet_pton(AF_INET, text, addr) == 1) {
		*fam = 4;
		return 0;
	}
	if (inet_pton(AF_INET6, text, addr) == 1) {
		*fam = 6;
		return 0;
	}
	return -EINVAL;
}

static const char *addr_str(uint8_t fam, const uint8_t addr[16], char *out, size_t size)
{
	return inet_ntop(fam == 4 ? AF_INET : AF_INET6, addr, out, (socklen_t)size) ? out : "?";
}

static int parse_net(const char *text, struct net *n)
{
	char buf[64];
	snprintf(buf, sizeof(buf), "%s", text);
	char *slash = strchr(buf, '/');
	long prefix = -1;
	if (slash) {
		char *end;
		*slash = '\0';
		prefix = strtol(slash + 1, &end, 10);
		if (!slash[1] || *end)
			return -EINVAL;
	}
	if (parse_addr(buf, &n->fam, n->addr))
		return -EINVAL;
	long max = n->fam == 4 ? 32 : 128;
	if (prefix < 0)
		prefix = max;
	if (prefix > max)
		return -EINVAL;
	n->prefix = (uint8_t)prefix;
	return 0;
}

static bool in_net(const struct net *n, uint8_t fam, const uint8_t addr[16])
{
	if (n->fam != fam)
		return false;
	unsigned full = n->prefix / 8, rest = n->prefix % 8;
	if (memcmp(n->addr, addr, full))
		return false;
	if (!rest)
		return true;
	uint8_t mask = (uint8_t)(0xff << (8 - rest));
	return (n->addr[full] & mask) == (addr[full] & mask);
}

static bool is_trusted(uint8_t fam, const uint8_t addr[16])
{
	for (size_t i = 0; i < ntrusted; i++)
		if (in_net(&trusted[i], fam, addr))
			return true;
	return false;
}

bool sip_guard_trusted(const struct sip_sockaddr *src)
{
	uint8_t fam, addr[16];
	key_of(src, &fam, addr);
	return is_trusted(fam, addr);
}

static size_t hash(uint8_t fam, const uint8_t addr[16])
{
	uint64_t h = 1469598103934665603ull ^ fam; /* FNV-1a */
	for (int i = 0; i < 16; i++)
		h = (h ^ addr[i]) * 1099511628211ull;
	return (size_t)(h % GUARD_SLOTS);
}

static bool banned(const struct src *s, uint64_t now) { return s->banned_until_ms > now; }

/* The source's slot: found, or a new one (create); NULL when every probed slot
 * holds a ban (or create is false and it is not there). */
static struct src *lookup(uint8_t fam, const uint8_t addr[16], bool create, uint64_t now)
{
	if (!table)
		return NULL;
	size_t h = hash(fam, addr);
	struct src *victim = NULL;
	for (size_t i = 0; i < PROBE; i++) {
		struct src *s = &table[(h + i) % GUARD_SLOTS];
		if (s->used && s->fam == fam && !memcmp(s->addr, addr, 16))
			return s;
		if (!s->used) {
			if (!victim || victim->used)
				victim = s;
		} else if (!banned(s, now) && (!victim || (victim->used && s->seen_ms < victim->seen_ms))) {
			victim = s;
		}
	}
	if (!create || !victim)
		return NULL;
	*victim = (struct src){.used = true, .fam = fam, .tokens = cfg.request_burst,
			       .invite_tokens = cfg.invite_burst, .seen_ms = now};
	memcpy(victim->addr, addr, 16);
	return victim;
}

static void refill(struct src *s, uint64_t now)
{
	double dt = (double)(now - s->seen_ms) / 1000.0;
	s->tokens += dt * cfg.requests_per_s;
	if (s->tokens > cfg.request_burst)
		s->tokens = cfg.request_burst;
	s->invite_tokens += dt * cfg.invites_per_s;
	if (s->invite_tokens > cfg.invite_burst)
		s->invite_tokens = cfg.invite_burst;
	s->seen_ms = now;
}

static void note_drop(struct src *s, uint64_t now, bool invite, const char *what, double rate)
{
	s->dropped++;
	dropped_rate++;
	if (s->noted_ms[invite] && now - s->noted_ms[invite] < NOTE_EVERY_MS)
		return;
	s->noted_ms[invite] = now;
	char a[64];
	SG_NOTICE(TAG, "%s is over the %s rate (%g/s): dropping its excess (%lu so far)",
		  addr_str(s->fam, s->addr, a, sizeof(a)), what, rate, s->dropped);
}

bool sip_guard_admit(const struct sip_sockaddr *src, bool new_invite)
{
	if (!cfg.enabled)
		return true;
	uint8_t fam, addr[16];
	key_of(src, &fam, addr);
	if (is_trusted(fam, addr))
		return true;
	uint64_t now = now_ms();
	struct src *s = lookup(fam, addr, true, now);
	if (!s)
		return true; /* the table is full of bans around it: let the rest decide */
	if (banned(s, now)) {
		s->dropped++;
		dropped_banned++;
		return false;
	}
	refill(s, now);
	if (s->tokens < 1) {
		note_drop(s, now, false, "request", cfg.requests_per_s);
		return false;
	}
	if (new_invite && s->invite_tokens < 1) {
		note_drop(s, now, true, "new call (INVITE)", cfg.invites_per_s);
		return false;
	}
	s->tokens -= 1;
	if (new_invite)
		s->invite_tokens -= 1;
	return true;
}

/* A refusal over a per-source limit, logged once a minute per source and kind
 * (noted_ms[slot]): "ADDR has LIMIT WHAT (SETTING): new ones get 503". */
static void note_limit(uint8_t fam, const uint8_t addr[16], int slot, unsigned limit, const char *what)
{
	uint64_t now = now_ms();
	struct src *s = lookup(fam, addr, true, now);
	if (s && (!s->noted_ms[slot] || now - s->noted_ms[slot] >= NOTE_EVERY_MS)) {
		char a[64];
		s->noted_ms[slot] = now;
		SG_NOTICE(TAG, "%s has %u %s: new %s get 503", addr_str(fam, addr, a, sizeof(a)), limit, what,
			  slot == 1 ? "ones" : "requests");
	}
}

bool sip_guard_call_room(const struct sip_sockaddr *src)
{
	if (!cfg.enabled)
		return true;
	uint8_t fam, addr[16];
	key_of(src, &fam, addr);
	if (is_trusted(fam, addr) || sip_dlg_count_from(src) < calls_per_source)
		return true;
	refused_calls++;
	note_limit(fam, addr, 1, calls_per_source, "calls going (guard_calls_per_source)");
	return false;
}

bool sip_guard_txn_room(const struct sip_rx *rx)
{
	/* What ends a call (BYE, CANCEL) is never held back. */
	enum sip_method m = rx->msg ? rx->msg->method : SIP_METHOD_OTHER;
	if (!cfg.enabled || !txns_per_source || m == SIP_METHOD_BYE || m == SIP_METHOD_CANCEL ||
	    sip_stxn_count_from(&rx->src) < txns_per_source)
		return true;
	uint8_t fam, addr[16];
	key_of(&rx->src, &fam, addr);
	if (is_trusted(fam, addr))
		return true;
	refused_txns++;
	note_limit(fam, addr, 2, txns_per_source, "transactions open (guard_transactions_per_source)");
	return false;
}

bool sip_guard_past_overload_delay(unsigned waited_ms, bool needs_media)
{
	return overload_ms && (waited_ms > overload_ms || (needs_media && sg_workers_lag_ms() > overload_ms));
}

bool sip_guard_overloaded(unsigned waited_ms, bool needs_media)
{
	if (!sip_guard_past_overload_delay(waited_ms, needs_media))
		return false;
	unsigned media_lag = needs_media ? sg_workers_lag_ms() : 0;
	overload_refused++;
	uint64_t now = now_ms();
	bool loop = waited_ms > overload_ms;
	if (!overload_noted_ms[loop] || now - overload_noted_ms[loop] >= 10000) {
		overload_noted_ms[loop] = now;
		if (loop)
			SG_WARNING(TAG, "overloaded: a request waited %u ms to be read (overload_delay %u ms); new requests get 503 until the PBX catches up (%lu so far)",
				   waited_ms, overload_ms, overload_refused);
		else
			SG_WARNING(TAG, "overloaded: the media workers are %u ms behind (overload_delay %u ms); new calls get 503 until they catch up (%lu so far)",
				   media_lag, overload_ms, overload_refused);
	}
	return true;
}

static void ban(struct src *s, uint64_t now, unsigned seconds, const char *why)
{
	char a[64];
	s->banned_until_ms = now + (uint64_t)seconds * 1000;
	s->fails = 0;
	snprintf(s->why, sizeof(s->why), "%s", why);
	banned_total++;
	SG_NOTICE(TAG, "banned %s for %u s: %s", addr_str(s->fam, s->addr, a, sizeof(a)), seconds, why);
}

void sip_guard_auth_failed(const struct sip_sockaddr *src, const char *user)
{
	if (!cfg.enabled || !cfg.auth_failures)
		return;
	uint8_t fam, addr[16];
	key_of(src, &fam, addr);
	if (is_trusted(fam, addr))
		return;
	uint64_t now = now_ms();
	struct src *s = lookup(fam, addr, true, now);
	if (!s || banned(s, now))
		return;
	if (!s->fails || now - s->fail_start_ms > (uint64_t)cfg.auth_window_s * 1000) {
		s->fails = 0;
		s->fail_start_ms = now;
	}
	if (++s->fails >= cfg.auth_failures) {
		char why[96];
		snprintf(why, sizeof(why), "%u failed authentications in %u s (the last as '%.32s')", s->fails,
			 cfg.auth_window_s, user ? user : "?");
		ban(s, now, cfg.ban_s, why);
	}
}

int sip_guard_ban(const char *text, unsigned seconds)
{
	uint8_t fam, addr[16];
	if (parse_addr(text, &fam, addr))
		return -EINVAL;
	uint64_t now = now_ms();
	struct src *s = lookup(fam, addr, true, now);
	if (!s)
		return -ENOSPC;
	ban(s, now, seconds, "banned from the console");
	return 0;
}

int sip_guard_unban(const char *text)
{
	uint64_t now = now_ms();
	char a[64];
	if (!strcmp(text, "all")) {
		for (size_t i = 0; table && i < GUARD_SLOTS; i++)
			if (table[i].used && banned(&table[i], now)) {
				table[i].banned_until_ms = 0;
				SG_NOTICE(TAG, "ban of %s lifted from the console",
					  addr_str(table[i].fam, table[i].addr, a, sizeof(a)));
			}
		return 0;
	}
	uint8_t fam, addr[16];
	if (parse_addr(text, &fam, addr))
		return -EINVAL;
	struct src *s = lookup(fam, addr, false, now);
	if (!s || !banned(s, now))
		return -ENOENT;
	s->banned_until_ms = 0;
	s->fails = 0;
	SG_NOTICE(TAG, "ban of %s lifted from the console", text);
	return 0;
}

void sip_guard_show(struct sg_cli *cli)
{
	uint64_t now = now_ms();
	size_t used = 0, nbanned = 0;
	sg_cli_printf(cli, "%-40s %-9s %-8s %-9s %s\n", "Source", "Banned", "Failures", "Dropped", "Why");
	for (size_t i = 0; table && i < GUARD_SLOTS; i++) {
		const struct src *s = &table[i];
		if (!s->used)
			continue;
		used++;
		bool b = banned(s, now);
		nbanned += b;
		if (!b && !s->fails && !s->dropped)
			continue;
		char a[64], left[16] = "-";
		if (b)
			snprintf(left, sizeof(left), "%llus", (unsigned long long)((s->banned_until_ms - now + 999) / 1000));
		sg_cli_printf(cli, "%-40s %-9s %-8u %-9lu %s\n", addr_str(s->fam, s->addr, a, sizeof(a)), left, s->fails,
			      s->dropped, b ? s->why : "");
	}
	sg_cli_printf(cli, "%zu source%s tracked, %zu banned; %lu bans, %lu messages dropped over a rate, %lu from banned sources; %lu new requests refused overloaded (503, overload_delay %u ms); %lu calls refused over %u per address; %lu requests refused over %u open transactions per address\n",
		      used, used == 1 ? "" : "s", nbanned, banned_total, dropped_rate, dropped_banned, overload_refused,
		      overload_ms, refused_calls, calls_per_source, refused_txns, txns_per_source);
	if (!cfg.enabled) {
		sg_cli_printf(cli, "guard off (settings.sip.guard = false)\n");
		return;
	}
	sg_cli_printf(cli, "limits per source: %g messages/s (burst %g), %g new calls/s (burst %g); ban %u s after %u failed authentications in %u s; trusted:",
		      cfg.requests_per_s, cfg.request_burst, cfg.invites_per_s, cfg.invite_burst, cfg.ban_s,
		      cfg.auth_failures, cfg.auth_window_s);
	for (size_t i = 0; i < ntrusted; i++) {
		char a[64];
		sg_cli_printf(cli, " %s/%u", addr_str(trusted[i].fam, trusted[i].addr, a, sizeof(a)), trusted[i].prefix);
	}
	sg_cli_printf(cli, "%s\n", ntrusted ? "" : " none");
}

int sip_guard_configure(const struct sip_guard_cfg *c, char *err, size_t errlen)
{
	struct net nets[GUARD_MAX_TRUSTED];
	for (size_t i = 0; i < c->ntrusted; i++)
		if (parse_net(c->trusted[i], &nets[i])) {
			snprintf(err, errlen, "settings.sip.guard_trusted: '%s' is not an address or ADDRESS/PREFIX",
				 c->trusted[i]);
			return -EINVAL;
		}
	memcpy(trusted, nets, c->ntrusted * sizeof(nets[0]));
	ntrusted = c->ntrusted;
	cfg = *c;
	cfg.ntrusted = 0; /* the strings are the config's: only the parsed nets are kept */
	return 0;
}

/* --- settings and console --- */

static double cfg_num(const char *path, double def, double min, double max)
{
	double v;
	return sg_config_number(path, &v) && v >= min && v <= max ? v : def;
}

int sip_guard_load_config(char *err, size_t errlen)
{
	struct sip_guard_cfg c = {.enabled = true};
	sg_config_bool("sip.guard", &c.enabled);
	c.requests_per_s = cfg_num("sip.guard_requests_per_s", 100, 1, 1e6);
	c.request_burst = cfg_num("sip.guard_request_burst", c.requests_per_s * 4, 1, 1e7);
	c.invites_per_s = cfg_num("sip.guard_invites_per_s", 20, 0.01, 1e6);
	c.invite_burst = cfg_num("sip.guard_invite_burst", c.invites_per_s * 2, 1, 1e7);
	c.auth_failures = (unsigned)cfg_num("sip.guard_auth_failures", 10, 0, 1e6);
	c.auth_window_s = (unsigned)cfg_num("sip.guard_auth_window", 60, 1, 86400);
	c.ban_s = (unsigned)cfg_num("sip.guard_ban_time", 600, 1, 86400 * 30);
	overload_ms = (unsigned)cfg_num("sip.overload_delay", 1000, 0, 60000);
	calls_per_source = (unsigned)cfg_num("sip.guard_calls_per_source", 100, 1, 100000);
	txns_per_source = (unsigned)cfg_num("sip.guard_transactions_per_source", 5000, 0, SIP_STXN_MAX);
	size_t n = sg_config_list_len("sip.guard_trusted");
	if (n > GUARD_MAX_TRUSTED) {
		snprintf(err, errlen, "settings.sip.guard_trusted: at most %d networks", GUARD_MAX_TRUSTED);
		return -EINVAL;
	}
	for (size_t i = 0; i < n; i++)
		c.trusted[c.ntrusted++] = sg_config_list_get("sip.guard_trusted", i);
	return sip_guard_configure(&c, err, errlen);
}

static enum sg_cli_result show_guard(struct sg_cli *cli, int argc, const char *const *argv)
{
	(void)argv;
	if (argc)
		return SG_CLI_USAGE;
	sip_guard_show(cli);
	return SG_CLI_OK;
}

static enum sg_cli_result guard_ban(struct sg_cli *cli, int argc, const char *const *argv)
{
	unsigned long secs = cfg.ban_s;
	if (argc == 2) {
		char *end;
		secs = strtoul(argv[1], &end, 10);
		if (!*argv[1] || *end || !secs || secs > 86400 * 365)
			return SG_CLI_USAGE;
	}
	if (argc < 1 || argc > 2)
		return SG_CLI_USAGE;
	int rc = sip_guard_ban(argv[0], (unsigned)secs);
	if (rc)
		sg_cli_printf(cli, "%s\n", rc == -EINVAL ? "Not an IP address." : "No room in the table around it.");
	else
		sg_cli_printf(cli, "%s banned for %lu s.\n", argv[0], secs);
	return rc ? SG_CLI_FAIL : SG_CLI_OK;
}

static enum sg_cli_result guard_unban(struct sg_cli *cli, int argc, const char *const *argv)
{
	if (argc != 1)
		return SG_CLI_USAGE;
	int rc = sip_guard_unban(argv[0]);
	if (rc)
		sg_cli_printf(cli, "%s\n", rc == -EINVAL ? "Not an IP address (or all)." : "That address is not banned.");
	return rc ? SG_CLI_FAIL : SG_CLI_OK;
}

static const struct sg_cli_command commands[] = {
	{"sip show guard", "sip show guard", "Sources over a rate or banned, and the limits", show_guard},
	{"sip guard ban", "sip guard ban ADDRESS [SECONDS]", "Drop everything from an address for a while", guard_ban},
	{"sip guard unban", "sip guard unban ADDRESS|all", "Lift a ban (or every ban)", guard_unban},
};

int sip_guard_init(struct sg_module *m)
{
	table = calloc(GUARD_SLOTS, sizeof(*table));
	if (!table)
		return -ENOMEM;
	int rc = sg_cli_register(m, commands, sizeof(commands) / sizeof(commands[0]));
	if (rc)
		sip_guard_shutdown();
	return rc;
}

void sip_guard_shutdown(void)
{
	sg_cli_unregister(commands, sizeof(commands) / sizeof(commands[0]));
	free(table);
	table = NULL;
	banned_total = dropped_rate = dropped_banned = overload_refused = refused_calls = refused_txns = 0;
	overload_noted_ms[0] = overload_noted_ms[1] = 0;
}
