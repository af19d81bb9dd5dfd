/*
 * rtp_test.c: a test module that drives res_rtp's API (rtp.h) from the console the
 * way chan_sip will: it depends on res_rtp, finds the "rtp" service in load(), and
 * names its sessions so a script can make, address, bridge and release them:
 *   rtptest new NAME [ADDR [NEAR]]   prints "NAME PORT" (NEAR: place next to it)
 *   rtptest remote NAME ADDR PORT [RTCP_PORT]
 *   rtptest bridge A B               rtptest unbridge A
 *   rtptest release NAME             rtptest stats NAME (key=value lines)
 *   rtptest timeout NAME SECONDS
 *   rtptest pairs N PORT0            N bridged pairs for a benchmark (bench/rtp_run):
 *                                    leg i's phones at 127.0.0.1:PORT0+4i and +4i+2;
 *                                    prints the two session ports of each pair
 *   rtptest release all
 * An inactivity timeout is logged as "rtptest: NAME: RTP timeout".
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <strowger/cli.h>
#include <strowger/log.h>
#include <strowger/module.h>
#include <strowger/rtp.h>

#define MAX_LEGS 4096

struct leg {
	char name[32];
	struct sg_rtp_session *s;
	struct sg_rtp_relay *relay; /* held by the first leg of a bridge */
};

static const struct sg_rtp_api *rtp;
static struct leg legs[MAX_LEGS];

static struct leg *find(const char *name)
{
	for (int i = 0; i < MAX_LEGS; i++)
		if (legs[i].s && !strcmp(legs[i].name, name))
			return &legs[i];
	return NULL;
}

static void on_event(struct sg_rtp_session *s, enum sg_rtp_event ev, char digit, void *arg)
{
	(void)s;
	struct leg *l = arg;
	if (ev == SG_RTP_EVENT_TIMEOUT)
		SG_NOTICE("rtptest", "%s: RTP timeout", l->name);
	else if (ev == SG_RTP_EVENT_DIGIT)
		SG_NOTICE("rtptest", "%s: digit %c", l->name, digit);
}

static enum sg_cli_result cmd_new(struct sg_cli *cli, int argc, const char *const *argv)
{
	if (argc < 1 || argc > 3)
		return SG_CLI_USAGE;
	struct leg *l = NULL, *near = argc == 3 ? find(argv[2]) : NULL;
	for (int i = 0; i < MAX_LEGS && !l; i++)
		if (!legs[i].s)
			l = &legs[i];
	if (!l || find(argv[0]) || (argc == 3 && !near)) {
		if (cli)
			sg_cli_printf(cli, "no room, a leg named %s exists, or no leg to be near\n", argv[0]);
		return SG_CLI_FAIL;
	}
	snprintf(l->name, sizeof(l->name), "%s", argv[0]);
	struct sg_rtp_session_opts o = {.name = l->name, .local_addr = argc >= 2 ? argv[1] : NULL,
					.near = near ? near->s : NULL, .on_event = on_event, .arg = l};
	int rc = rtp->session_new(&o, &l->s);
	if (rc) {
		l->s = NULL;
		if (cli)
			sg_cli_printf(cli, "session_new: %s\n", strerror(-rc));
		return SG_CLI_FAIL;
	}
	if (cli) /* NULL from rtptest pairs, which prints its own line */
		sg_cli_printf(cli, "%s %u\n", l->name, rtp->local_port(l->s));
	return SG_CLI_OK;
}

static enum sg_cli_result cmd_remote(struct sg_cli *cli, int argc, const char *const *argv)
{
	if (argc < 3 || argc > 4)
		return SG_CLI_USAGE;
	struct leg *l = find(argv[0]);
	if (!l)
		return SG_CLI_FAIL;
	int rc = rtp->set_remote(l->s, argv[1], (uint16_t)atoi(argv[2]), argc == 4 ? (uint16_t)atoi(argv[3]) : 0);
	if (rc)
		sg_cli_printf(cli, "set_remote: %s\n", strerror(-rc));
	return rc ? SG_CLI_FAIL : SG_CLI_OK;
}

static enum sg_cli_result cmd_bridge(struct sg_cli *cli, int argc, const char *const *argv)
{
	if (argc != 2)
		return SG_CLI_USAGE;
	struct leg *a = find(argv[0]), *b = find(argv[1]);
	if (!a || !b)
		return SG_CLI_FAIL;
	int rc = rtp->bridge(a->s, b->s, &a->relay);
	if (rc)
		sg_cli_printf(cli, "bridge: %s\n", strerror(-rc));
	return rc ? SG_CLI_FAIL : SG_CLI_OK;
}

static enum sg_cli_result cmd_unbridge(struct sg_cli *cli, int argc, const char *const *argv)
{
	(void)cli;
	if (argc != 1)
		return SG_CLI_USAGE;
	struct leg *a = find(argv[0]);
	if (!a || !a->relay)
		return SG_CLI_FAIL;
	rtp->unbridge(a->relay);
	a->relay = NULL;
	return SG_CLI_OK;
}

static enum sg_cli_result cmd_timeout(struct sg_cli *cli, int argc, const char *const *argv)
{
	if (argc != 2)
		return SG_CLI_USAGE;
	struct leg *l = find(argv[0]);
	if (!l)
		return SG_CLI_FAIL;
	int rc = rtp->set_timeout(l->s, (unsigned)atoi(argv[1]));
	if (rc)
		sg_cli_printf(cli, "set_timeout: %s\n", strerror(-rc));
	return rc ? SG_CLI_FAIL : SG_CLI_OK;
}

static void drop(struct leg *l)
{
	if (l->relay)
		rtp->unbridge(l->relay);
	rtp->release(l->s);
	memset(l, 0, sizeof(*l));
}

static enum sg_cli_result cmd_release(struct sg_cli *cli, int argc, const char *const *argv)
{
	(void)cli;
	if (argc != 1)
		return SG_CLI_USAGE;
	struct leg *l = find(argv[0]);
	if (!l)
		return SG_CLI_FAIL;
	drop(l);
	return SG_CLI_OK;
}

static enum sg_cli_result cmd_stats(struct sg_cli *cli, int argc, const char *const *argv)
{
	if (argc != 1)
		return SG_CLI_USAGE;
	struct leg *l = find(argv[0]);
	struct sg_rtp_stats st;
	if (!l || rtp->stats(l->s, &st))
		return SG_CLI_FAIL;
	sg_cli_printf(cli,
		      "local=%s\nremote=%s\nlatched=%d\nbridged=%d\nworker=%u\nssrc_in=%u\nssrc_out=%u\n"
		      "rx_packets=%llu\nrx_bytes=%llu\ntx_packets=%llu\ntx_bytes=%llu\nrx_malformed=%llu\n"
		      "rx_refused=%llu\nlost=%lld\njitter_ms=%.2f\nsource_switches=%u\nrelatches=%u\n"
		      "rtcp_rx=%llu\nrtcp_tx=%llu\nhave_report=%d\nremote_lost=%d\nremote_jitter_ms=%.2f\nrtt_ms=%.1f\n",
		      st.local, st.remote, st.latched, st.bridged, st.worker, st.ssrc_in, st.ssrc_out,
		      (unsigned long long)st.rx_packets, (unsigned long long)st.rx_bytes,
		      (unsigned long long)st.tx_packets, (unsigned long long)st.tx_bytes,
		      (unsigned long long)st.rx_malformed, (unsigned long long)st.rx_refused, (long long)st.lost,
		      st.jitter_ms, st.source_switches, st.relatches, (unsigned long long)st.rtcp_rx,
		      (unsigned long long)st.rtcp_tx, st.have_report, st.remote_lost, st.remote_jitter_ms, st.rtt_ms);
	return SG_CLI_OK;
}

/* Makes one bridged pair p<i>a/p<i>b whose phones are at a_port and a_port + 2. */
static int make_pair(struct sg_cli *cli, unsigned i, unsigned a_port)
{
	char name[2][32], port[2][8];
	for (int k = 0; k < 2; k++) {
		snprintf(name[k], sizeof(name[k]), "p%u%c", i, k ? 'b' : 'a');
		snprintf(port[k], sizeof(port[k]), "%u", a_port + 2u * (unsigned)k);
		const char *nv[] = {name[k], "127.0.0.1", name[0]};
		if (cmd_new(NULL, k ? 3 : 1, nv) != SG_CLI_OK)
			return -1;
		const char *rv[] = {name[k], "127.0.0.1", port[k]};
		if (cmd_remote(cli, 3, rv) != SG_CLI_OK)
			return -1;
	}
	const char *bv[] = {name[0], name[1]};
	if (cmd_bridge(cli, 2, bv) != SG_CLI_OK)
		return -1;
	sg_cli_printf(cli, "%u %u\n", rtp->local_port(find(name[0])->s), rtp->local_port(find(name[1])->s));
	return 0;
}

static enum sg_cli_result cmd_pairs(struct sg_cli *cli, int argc, const char *const *argv)
{
	if (argc != 2)
		return SG_CLI_USAGE;
	unsigned n = (unsigned)atoi(argv[0]), port0 = (unsigned)atoi(argv[1]);
	if (n == 0 || n > MAX_LEGS / 2 || port0 < 1024 || port0 + 4 * n > 65535)
		return SG_CLI_USAGE;
	for (unsigned i = 0; i < n; i++)
		if (make_pair(cli, i, port0 + 4 * i))
			return SG_CLI_FAIL;
	return SG_CLI_OK;
}

static void drop(struct leg *l);

static enum sg_cli_result cmd_release_all(struct sg_cli *cli, int argc, const char *const *argv)
{
	(void)argv;
	if (argc)
		return SG_CLI_USAGE;
	unsigned n = 0;
	for (int i = 0; i < MAX_LEGS; i++)
		if (legs[i].s) {
			drop(&legs[i]);
			n++;
		}
	sg_cli_printf(cli, "released %u\n", n);
	return SG_CLI_OK;
}

static const struct sg_cli_command commands[] = {
	{"rtptest new", "rtptest new NAME [ADDR [NEAR]]", "Allocate a media session", cmd_new},
	{"rtptest remote", "rtptest remote NAME ADDR PORT [RTCP_PORT]", "Set a session's peer", cmd_remote},
	{"rtptest bridge", "rtptest bridge A B", "Relay two sessions", cmd_bridge},
	{"rtptest unbridge", "rtptest unbridge A", "Stop the relay A started", cmd_unbridge},
	{"rtptest timeout", "rtptest timeout NAME SECONDS", "Set a session's inactivity timeout", cmd_timeout},
	{"rtptest release", "rtptest release NAME", "Release a session", cmd_release},
	{"rtptest release all", "rtptest release all", "Release every session", cmd_release_all},
	{"rtptest pairs", "rtptest pairs N PORT0", "N bridged pairs with phones from PORT0 (benchmarks)", cmd_pairs},
	{"rtptest stats", "rtptest stats NAME", "A session's counters", cmd_stats},
};

static const char *const depends[] = {"res_rtp", NULL};

static int load(struct sg_module *self)
{
	rtp = sg_rtp_api();
	if (!rtp)
		return -ENOENT;
	return sg_cli_register(self, commands, sizeof(commands) / sizeof(commands[0]));
}

static void unload(struct sg_module *self)
{
	(void)self;
	for (int i = 0; i < MAX_LEGS; i++)
		if (legs[i].s)
			drop(&legs[i]);
	sg_cli_unregister(commands, sizeof(commands) / sizeof(commands[0]));
}

SG_MODULE_DEFINE(.name = "rtp_test", .description = "test: drives res_rtp's API from the console",
		 .depends = depends, .load = load, .unload = unload);
