/* console.c: `rtp show sessions` and `rtp show stats`, from the counters the workers publish. */
#include <stdio.h>

#include <strowger/cli.h>

#include "media.h"

static void snapshot(struct media_session *s, struct sg_rtp_stats *st)
{
	pthread_mutex_lock(&s->lock);
	*st = s->pub;
	pthread_mutex_unlock(&s->lock);
}

static enum sg_cli_result show_sessions(struct sg_cli *cli, int argc, const char *const *argv)
{
	(void)argv;
	if (argc)
		return SG_CLI_USAGE;
	unsigned n = 0, used;
	uint16_t first, last;
	sg_cli_printf(cli, "%-5s %-20s %-6s %-24s %-30s %-6s %s\n", "Id", "Name", "Worker", "Local", "Remote", "Relay",
		      "Codec");
	for (struct media_session *s = media_sessions_first(); s; s = s->main_next, n++) {
		struct sg_rtp_stats st;
		snapshot(s, &st);
		char remote[80];
		snprintf(remote, sizeof(remote), "%s%s", st.remote, st.latched ? " (latched)" : "");
		struct media_session *peer = NULL;
		if (s->relay)
			peer = s->relay->leg[0] == s ? s->relay->leg[1] : s->relay->leg[0];
		char relay[16] = "-";
		if (s->sdp.direct)
			snprintf(relay, sizeof(relay), "direct");
		else if (peer)
			snprintf(relay, sizeof(relay), "%u", peer->id);
		sg_cli_printf(cli, "%-5u %-20s %-6u %-24s %-30s %-6s %s\n", s->id, s->name, st.worker, st.local, remote,
			      relay, st.codec[0] ? st.codec : "-");
		/* An SRTP session gets a line of its own below (plain RTP ones keep the
		 * one line scripts read): its suite and what it dropped. */
		if (st.srtp[0])
			sg_cli_printf(cli, "      %s: SRTP %s, auth-failed %llu, replayed %llu\n", s->name, st.srtp,
				      (unsigned long long)st.srtp_auth_failed, (unsigned long long)st.srtp_replayed);
	}
	media_ports_usage(&used, &first, &last);
	sg_cli_printf(cli, "%u session%s; %u of %u port pairs in use (%u-%u)\n", n, n == 1 ? "" : "s", used,
		      ((unsigned)last - first) / 2 + 1, first, last + 1);
	return SG_CLI_OK;
}

static enum sg_cli_result show_stats(struct sg_cli *cli, int argc, const char *const *argv)
{
	(void)argv;
	if (argc)
		return SG_CLI_USAGE;
	unsigned n = 0;
	sg_cli_printf(cli, "%-5s %-16s %-6s %-6s %9s %11s %9s %11s %6s %9s %8s %9s %9s %-22s\n", "Id", "Name", "Local",
		      "Worker", "RxPkts", "RxBytes", "TxPkts", "TxBytes", "Lost", "Jitter", "Dropped", "Converted", "RTCP",
		      "Peer report");
	for (struct media_session *s = media_sessions_first(); s; s = s->main_next, n++) {
		struct sg_rtp_stats st;
		snapshot(s, &st);
		char rtcp[24], report[48] = "-";
		snprintf(rtcp, sizeof(rtcp), "%llu/%llu", (unsigned long long)st.rtcp_rx, (unsigned long long)st.rtcp_tx);
		if (st.have_report) {
			if (st.rtt_ms >= 0)
				snprintf(report, sizeof(report), "lost %d %.1fms rtt %.1fms", st.remote_lost,
					 st.remote_jitter_ms, st.rtt_ms);
			else
				snprintf(report, sizeof(report), "lost %d %.1fms", st.remote_lost, st.remote_jitter_ms);
		}
		sg_cli_printf(cli, "%-5u %-16s %-6u %-6u %9llu %11llu %9llu %11llu %6lld %7.1fms %8llu %9llu %9s %s\n", s->id,
			      s->name, s->port, st.worker, (unsigned long long)st.rx_packets,
			      (unsigned long long)st.rx_bytes, (unsigned long long)st.tx_packets,
			      (unsigned long long)st.tx_bytes, (long long)st.lost, st.jitter_ms,
			      (unsigned long long)(st.rx_malformed + st.rx_refused + st.rx_unknown_pt +
						   st.srtp_auth_failed + st.srtp_replayed),
			      (unsigned long long)st.tx_converted, rtcp, report);
	}
	sg_cli_printf(cli, "%u session%s\n", n, n == 1 ? "" : "s");
	return SG_CLI_OK;
}

static const struct sg_cli_command commands[] = {
	{"rtp show sessions", "rtp show sessions", "Media sessions: ports, peer address, worker, relay", show_sessions},
	{"rtp show stats", "rtp show stats", "Media sessions: packets, bytes, loss, jitter, RTCP", show_stats},
};

int media_console_register(struct sg_module *m)
{
	return sg_cli_register(m, commands, sizeof(commands) / sizeof(commands[0]));
}

void media_console_unregister(void)
{
	sg_cli_unregister(commands, sizeof(commands) / sizeof(commands[0]));
}
