/*
 * chan_sip.c: the SIP channel module: config, the receive path (parse, answer
 * malformed requests with a 400 naming the fault, hand the rest to the transaction
 * layer) and the request dispatcher. What is built so far: UDP, TCP and TLS
 * transports on IPv4 and IPv6, server transactions, OPTIONS, and the registrar
 * with digest authentication and stored registrations, client transactions,
 * qualify (OPTIONS or CRLF keep-alives to registered contacts) and calls (INVITE
 * as a B2BUA); see the README's status table.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include <strowger/cli.h>
#include <strowger/config.h>
#include <strowger/log.h>
#include <strowger/module.h>
#include <strowger/users.h>

#include "admission.h"
#include "auth.h"
#include "dialog.h"
#include "dialog_priv.h"
#include "guard.h"
#include "location.h"
#include "publish.h"
#include "message.h"
#include "push.h"
#include "qualify.h"
#include "registrar.h"
#include "sip_msg.h"
#include "sip_print.h"
#include "sub_pkg.h"
#include "subscribe.h"
#include "tls.h"
#include "transport.h"
#include "txn.h"
#include "txn_client.h"

#define TAG "sip"
#define ALLOW "INVITE, ACK, CANCEL, BYE, OPTIONS, REGISTER, PRACK, UPDATE, INFO, REFER, SUBSCRIBE, NOTIFY, PUBLISH, MESSAGE"

static struct sg_module *self;
static unsigned long dropped_responses, bad_requests, unreadable;
static unsigned long requests_absorbed; /* retransmitted requests a server transaction took */
static bool tls_listening; /* a tls: listener is open: a reload must keep a certificate */

/* Option-tags a Require may name (RFC 3262 100rel, RFC 4028 timer). */
static const char *const supported_ext[] = {"100rel", "timer", NULL};

/* A stateless answer, for requests that never reach a transaction. */
static void reply_stateless(const struct sip_rx *rx, const struct sip_msg *m, unsigned status,
			    const char *reason, const struct sip_hdr_out *h, size_t nh)
{
	/* Room for every header a request may carry (the transport caps them at 16 KB),
	 * so even a refused oversized request gets its answer. */
	static char buf[32768];
	size_t len;
	struct sip_sockaddr dst;
	/* §8.2.6.2 wants a To tag, and §8.2.7 the same one for every copy of the
	 * request: it is derived from what identifies the request. */
	char tag[24];
	uint64_t hv = sip_hash(m->call_id.p, m->call_id.l) ^ (sip_hash(m->from.tag.p, m->from.tag.l) * 31) ^
		      (sip_hash(m->via.branch.p, m->via.branch.l) * 131) ^ m->cseq;
	snprintf(tag, sizeof(tag), "sl%016llx", (unsigned long long)hv);
	struct sip_resp_opts o = {.status = status, .reason = reason, .hdrs = h, .nhdrs = nh, .to_tag = tag};
	if (sip_print_response(buf, sizeof(buf), &len, m, &o))
		return;
	sip_response_dest(rx, m, &dst);
	sip_transport_reply(rx, &dst, buf, len);
}

static void handle_options(struct sip_stxn *t)
{
	struct sip_hdr_out h[] = {{"Allow", ALLOW}, {"Accept", "application/sdp"}, {"Allow-Events", sip_sub_allow_events()},
				  {"Supported", SIP_DLG_SUPPORTED}};
	struct sip_resp_opts o = {.status = 200, .hdrs = h, .nhdrs = 4};
	sip_stxn_respond(t, &o);
}

static void dispatch(struct sip_stxn *t)
{
	const struct sip_msg *m = sip_stxn_request(t);
	switch (m->method) {
	case SIP_METHOD_OPTIONS:
		handle_options(t);
		break;
	case SIP_METHOD_REGISTER:
		sip_registrar_handle(t);
		break;
	case SIP_METHOD_INVITE:
		sip_dlg_invite(t);
		break;
	case SIP_METHOD_BYE:
		sip_dlg_bye(t);
		break;
	case SIP_METHOD_CANCEL:
		sip_dlg_cancel(t);
		break;
	case SIP_METHOD_UPDATE:
		sip_dlg_update(t);
		break;
	case SIP_METHOD_INFO:
		sip_dlg_info(t);
		break;
	case SIP_METHOD_PRACK:
		sip_dlg_prack(t);
		break;
	case SIP_METHOD_REFER:
		sip_refer(t);
		break;
	case SIP_METHOD_SUBSCRIBE:
		sip_sub_subscribe(t);
		break;
	case SIP_METHOD_NOTIFY:
		sip_sub_notify_in(t);
		break;
	case SIP_METHOD_PUBLISH:
		sip_publish(t);
		break;
	case SIP_METHOD_MESSAGE:
		sip_message_handle(t);
		break;
	default: {
		/* Known methods that are not built yet, and unknown ones (§8.2.1: 405 lists
		 * what we do allow). */
		struct sip_hdr_out h[] = {{"Allow", ALLOW}};
		struct sip_resp_opts o = {.status = m->method == SIP_METHOD_OTHER ? 405 : 501,
					  .reason = m->method == SIP_METHOD_OTHER ? NULL : "Not built yet",
					  .hdrs = h, .nhdrs = 1};
		sip_stxn_respond(t, &o);
	}
	}
}

static void on_rx(const struct sip_rx *rx, void *arg)
{
	(void)arg;
	const struct sip_msg *m = rx->msg;
	char src[64];
	int rc = rx->parse_rc;
	if (rc == SIP_EKEEPALIVE)
		return;
	/* Before anything else costs: a banned or flooding source is dropped here. */
	if (!sip_guard_admit(&rx->src, rc == 0 && m && m->is_request && m->method == SIP_METHOD_INVITE &&
						 !sip_pl_isset(&m->to.tag)))
		return;
	if (rx->too_large) {
		/* RFC 3261 §21.5.14; a stream is then drained and closed by the transport. */
		char reason[80];
		snprintf(reason, sizeof(reason), "Message Too Large: headers over %u bytes", SIP_MAX_HEADER_BYTES);
		SG_INFO(TAG, "%s message from %s refused: headers over %u bytes", sip_proto_name(rx->proto),
			sip_sockaddr_str(&rx->src, src, sizeof(src)), SIP_MAX_HEADER_BYTES);
		if (sip_msg_can_reply(m))
			reply_stateless(rx, m, 513, reason, NULL, 0);
		return;
	}
	if (rc) {
		unsigned status = sip_msg_error_status(rc);
		sip_sockaddr_str(&rx->src, src, sizeof(src));
		if (status && sip_msg_can_reply(m)) {
			bad_requests++;
			SG_INFO(TAG, "bad request from %s: %s", src, m->reason);
			reply_stateless(rx, m, status, m->reason, NULL, 0);
		} else {
			unreadable++;
			SG_DEBUG(TAG, "dropped an unreadable message from %s: %s", src, m->reason);
		}
		return;
	}
	if (!m->is_request) {
		/* Responses belong to client transactions; a stray one is dropped (§18.1.2). */
		if (!sip_ctxn_receive(rx, m))
			dropped_responses++;
		return;
	}
	if (m->method == SIP_METHOD_ACK && m->ruri.scheme == SIP_URI_OTHER)
		return;
	if (m->ruri.scheme == SIP_URI_OTHER) {
		reply_stateless(rx, m, 416, NULL, NULL, 0);
		return;
	}
	struct sip_pl unknown[8];
	size_t nu = sip_msg_unknown_tags(m, SIP_HDR_REQUIRE, supported_ext, unknown, 8);
	if (nu && m->method != SIP_METHOD_ACK && m->method != SIP_METHOD_CANCEL) {
		char list[512] = "";
		size_t off = 0;
		for (size_t i = 0; i < nu && i < 8; i++)
			off += (size_t)snprintf(list + off, sizeof(list) - off, "%s%.*s", i ? ", " : "",
						(int)unknown[i].l, unknown[i].p);
		struct sip_hdr_out h[] = {{"Unsupported", list}};
		reply_stateless(rx, m, 420, NULL, h, 1);
		return;
	}
	if (!sip_pl_isset(&m->to.tag) && m->method != SIP_METHOD_ACK && m->method != SIP_METHOD_CANCEL &&
	    sip_adm_shed(rx, m)) {
		/* Overload control: refused statelessly (§8.2.7), so a refused request
		 * costs no transaction; its retransmissions are refused again. */
		struct sip_hdr_out h[] = {{"Retry-After", "10"}};
		reply_stateless(rx, m, 503, "Overloaded", h, 1);
		return;
	}
	struct sip_stxn *t = NULL;
	switch (sip_stxn_receive(rx, m, &t)) {
	case SIP_STXN_NEW:
		if (!sip_pl_isset(&m->to.tag) && m->method != SIP_METHOD_CANCEL && sip_guard_overloaded(rx->waited_ms, m->method == SIP_METHOD_INVITE)) {
			/* The loop is behind: new work is refused at once, cheaply, so that
			 * phones retry later instead of timing out; dialogs go on. */
			struct sip_hdr_out h[] = {{"Retry-After", "5"}};
			struct sip_resp_opts o = {.status = 503, .reason = "Overloaded", .hdrs = h, .nhdrs = 1};
			sip_stxn_respond(t, &o);
		} else if (m->method == SIP_METHOD_INVITE && !sip_pl_isset(&m->to.tag) && !sip_guard_call_room(&rx->src)) {
			struct sip_hdr_out h[] = {{"Retry-After", "30"}};
			struct sip_resp_opts o = {.status = 503, .reason = "Too many calls from this address", .hdrs = h,
						  .nhdrs = 1};
			sip_stxn_respond(t, &o);
		} else {
			dispatch(t);
		}
		if (sip_stxn_settle(t))
			SG_WARNING(TAG, "out of memory keeping a %s request", sip_method_name(m->method));
		break;
	case SIP_STXN_REFUSED: {
		struct sip_hdr_out h[] = {{"Retry-After", "30"}};
		reply_stateless(rx, m, 503, "Too many transactions from this address", h, 1);
		break;
	}
	case SIP_STXN_ERROR: {
		struct sip_hdr_out h[] = {{"Retry-After", "5"}};
		if (m->method != SIP_METHOD_ACK)
			reply_stateless(rx, m, 503, "Overloaded", h, 1);
		break;
	}
	case SIP_STXN_ACK_2XX:
		sip_dlg_ack(m);
		break;
	case SIP_STXN_ABSORBED:
		if (m->method != SIP_METHOD_ACK)
			requests_absorbed++;
		break;
	}
}

/* --- console --- */

static enum sg_cli_result show_registrations(struct sg_cli *cli, int argc, const char *const *argv)
{
	(void)argv;
	if (argc)
		return SG_CLI_USAGE;
	sip_loc_show(cli);
	return SG_CLI_OK;
}

static enum sg_cli_result show_dialogs(struct sg_cli *cli, int argc, const char *const *argv)
{
	(void)argv;
	if (argc)
		return SG_CLI_USAGE;
	sip_dlg_show(cli);
	return SG_CLI_OK;
}

/* The users of the config and how many phones each has registered. */
static enum sg_cli_result show_users(struct sg_cli *cli, int argc, const char *const *argv)
{
	(void)argv;
	if (argc)
		return SG_CLI_USAGE;
	sg_cli_printf(cli, "%-12s %-24s %-8s %s\n", "User", "Name", "Phones", "Auth");
	for (size_t i = 0; i < sg_users_count(); i++) {
		const struct sg_user *u = sg_user_at(i);
		const struct sip_binding *b[SIP_LOC_MAX_PER_AOR];
		size_t n = sip_loc_lookup(u->id, b, SIP_LOC_MAX_PER_AOR);
		sg_cli_printf(cli, "%-12s %-24s %-8zu %s\n", u->id, u->name ? u->name : "-", n,
			      u->password ? "password" : "ha1");
	}
	return SG_CLI_OK;
}

static enum sg_cli_result show_subscriptions(struct sg_cli *cli, int argc, const char *const *argv)
{
	(void)argv;
	if (argc)
		return SG_CLI_USAGE;
	sip_sub_show(cli);
	return SG_CLI_OK;
}

static enum sg_cli_result show_transactions(struct sg_cli *cli, int argc, const char *const *argv)
{
	(void)argv;
	if (argc)
		return SG_CLI_USAGE;
	sip_txn_show(cli);
	sip_ctxn_show(cli);
	unsigned long resent, finals_again;
	sip_ctxn_retransmissions(&resent, &finals_again);
	sg_cli_printf(cli, "Retransmissions received: %lu requests absorbed, %lu final responses\n",
		      requests_absorbed, finals_again);
	sg_cli_printf(cli,
		      "Retransmissions sent: %lu requests (Timers A and E), %lu 2xx to INVITE, %lu other finals to INVITE (Timer G)\n",
		      resent, sip_dlg_2xx_resent(), sip_stxn_finals_resent());
	return SG_CLI_OK;
}

static enum sg_cli_result qualify_user(struct sg_cli *cli, int argc, const char *const *argv)
{
	if (argc != 1)
		return SG_CLI_USAGE;
	size_t n = sip_qualify_user(argv[0]);
	if (!n) {
		sg_cli_printf(cli, "%s has no registered contacts\n", argv[0]);
		return SG_CLI_FAIL;
	}
	sg_cli_printf(cli, "qualifying %zu contact%s of %s; the results go to the log\n", n, n == 1 ? "" : "s",
		      argv[0]);
	return SG_CLI_OK;
}

static enum sg_cli_result show_push(struct sg_cli *cli, int argc, const char *const *argv)
{
	(void)argv;
	if (argc)
		return SG_CLI_USAGE;
	sip_push_show(cli);
	return SG_CLI_OK;
}

static enum sg_cli_result show_transports(struct sg_cli *cli, int argc, const char *const *argv)
{
	(void)argv;
	if (argc)
		return SG_CLI_USAGE;
	sip_transport_show(cli);
	sg_cli_printf(cli, "realm: %s; %lu bad requests answered, %lu stray responses dropped\n",
		      sip_auth_realm(), bad_requests, dropped_responses);
	struct sip_transport_stats st;
	sip_transport_get_stats(&st);
	sg_cli_printf(cli, "refused: %lu messages too large, %lu unreadable; TCP connections closed: %lu stalled "
		      "mid-message, %lu not framing as SIP\n", st.too_large, unreadable, st.stalled, st.unframed);
	sg_cli_printf(cli, "UDP datagrams lost to full socket buffers: %lu received, %lu sent\n", st.rx_dropped,
		      st.tx_dropped);
	return SG_CLI_OK;
}

static enum sg_cli_result show_overload(struct sg_cli *cli, int argc, const char *const *argv)
{
	(void)argv;
	if (argc)
		return SG_CLI_USAGE;
	sip_adm_show(cli);
	return SG_CLI_OK;
}

static const struct sg_cli_command commands[] = {
	{"sip show registrations", "sip show registrations", "Registered contacts", show_registrations},
	{"sip show overload", "sip show overload", "Overload control: the load, and new requests refused", show_overload},
	{"sip show transactions", "sip show transactions", "Open server and client transactions", show_transactions},
	{"sip show dialogs", "sip show dialogs", "Calls in progress, leg by leg", show_dialogs},
	{"sip show subscriptions", "sip show subscriptions", "Event subscriptions (SUBSCRIBE) and their NOTIFYs",
	 show_subscriptions},
	{"sip show users", "sip show users", "Users and their registered phones", show_users},
	{"sip qualify", "sip qualify USER", "Send OPTIONS to a user's contacts now (results in the log)", qualify_user},
	{"sip show transports", "sip show transports", "Listening sockets and connections", show_transports},
	{"sip show push", "sip show push", "Push wake-up (RFC 8599): the webhook and the calls waiting for a phone",
	 show_push},
};

/* --- config --- */

static unsigned cfg_uint(const char *path, unsigned def, unsigned min, unsigned max)
{
	long long v;
	if (!sg_config_int(path, &v))
		return def;
	if (v < min || v > max) {
		SG_WARNING(TAG, "%s: settings.%s=%lld is outside %u..%u; using %u", sg_config_where(), path, v,
			   min, max, v < min ? min : max);
		return v < min ? min : max;
	}
	return (unsigned)v;
}

/* settings.sip.keepalive: 0, or -EINVAL (logged with file:line). */
static int cfg_keepalive(enum sip_keepalive *out)
{
	const char *ka = "options";
	sg_config_string("sip.keepalive", &ka);
	if (sip_keepalive_parse(ka, out) == 0)
		return 0;
	SG_ERROR(TAG, "%s: settings.sip.keepalive = \"%s\": write \"options\", \"crlf\" or \"off\"", sg_config_where(),
		 ka);
	return -EINVAL;
}

/* settings.sip.tls_*: builds the TLS context and puts it in place; 0, or -errno
 * (logged with file:line; the context in force, if any, stays). */
static int cfg_tls(void)
{
	struct sip_tls_settings s = {.verify_peer = -1, .need_cert = tls_listening};
	bool verify;
	sg_config_string("sip.tls_cert", &s.cert);
	sg_config_string("sip.tls_key", &s.key);
	sg_config_string("sip.tls_ca", &s.ca);
	sg_config_string("sip.tls_min_version", &s.min_version);
	if (sg_config_bool("sip.tls_verify_peer", &verify))
		s.verify_peer = verify;
	s.handshake_ms = cfg_uint("sip.tls_handshake_timeout", SIP_TLS_HANDSHAKE_MS, 100, 120000);
	char err[700];
	int rc = sip_tls_configure(&s, err, sizeof(err));
	if (rc)
		SG_ERROR(TAG, "%s: %s", sg_config_where(), err);
	return rc;
}

static void apply_config(void)
{
	struct sip_timers timers = {cfg_uint("sip.t1", 500, 50, 10000), cfg_uint("sip.t2", 4000, 500, 60000),
				    cfg_uint("sip.t4", 5000, 500, 60000)};
	sip_txn_set_timers(&timers);
	sip_ctxn_set_timers(&timers);
	enum sip_keepalive ka;
	if (cfg_keepalive(&ka) == 0) /* a bad value on reload keeps the old one */
		sip_qualify_configure(cfg_uint("sip.qualify", 60, 0, 86400), ka);
	struct sip_registrar_limits l = {cfg_uint("sip.min_expires", 60, 1, 3600),
					 cfg_uint("sip.max_expires", 7200, 60, 86400 * 7),
					 cfg_uint("sip.default_expires", 3600, 60, 86400)};
	sip_registrar_set_limits(&l);
	unsigned min_se = cfg_uint("sip.min_se", 90, 5, 86400);
	sip_st_configure(cfg_uint("sip.session_expires", 1800, 0, 86400), min_se);
	struct sip_sub_limits sl = {cfg_uint("sip.sub_min_expires", 60, 1, 3600),
				    cfg_uint("sip.sub_max_expires", 3600, 60, 86400),
				    cfg_uint("sip.max_subscriptions", 1000, 1, 100000),
				    cfg_uint("sip.max_subscriptions_per_user", 20, 1, 1000),
				    cfg_uint("sip.max_subscriptions_per_source", 200, 1, 100000)};
	sip_sub_set_limits(&sl);
	bool blf_any = true;
	sg_config_bool("sip.blf_any", &blf_any);
	sip_blf_configure(blf_any);
	bool any_box = false, unsolicited = false;
	sg_config_bool("sip.mwi_any_box", &any_box);
	sg_config_bool("sip.mwi_unsolicited", &unsolicited);
	sip_mwi_configure(any_box, unsolicited);
	unsigned message_s = cfg_uint("sip.message_timeout", SIP_MESSAGE_TIMEOUT_MS / 1000, 1, 600);
	sip_transport_set_message_timeout(message_s * 1000);
	sip_message_set_limits(cfg_uint("sip.message_max_size", 8192, 1, 60000),
			       cfg_uint("sip.message_history", 100, 1, 100000));
}

static void unload(struct sg_module *m);

static int load(struct sg_module *m)
{
	char err[512];
	int rc;
	self = m;
	const char *realm = "strowger";
	sg_config_string("sip.realm", &realm);
	struct sip_timers timers = {500, 4000, 5000};
	enum sip_keepalive ka;
	if ((rc = cfg_keepalive(&ka)))
		return rc;
	if ((rc = sip_auth_init(realm, cfg_uint("sip.nonce_lifetime", 300, 10, 86400))) ||
	    (rc = sip_txn_init(m, &timers)) || (rc = sip_transport_init(m, on_rx, NULL)) ||
	    (rc = sip_ctxn_init(m, &timers)) || (rc = sip_loc_init(m)) || (rc = sip_qualify_init(m)) ||
	    (rc = sip_dlg_init(m)) || (rc = sip_sub_init(m)) || (rc = sip_mwi_init(m)) ||
	    (rc = sip_asfe_init(m)) || (rc = sip_message_init(m)) || (rc = sip_guard_init(m)) ||
	    (rc = sip_adm_init(m)) || (rc = sip_dialog_pkg_init(m)) || (rc = sip_presence_init(m)) || (rc = cfg_tls()))
		goto fail;
	sip_stxn_set_admit(sip_guard_txn_room);
	if ((rc = sip_guard_load_config(err, sizeof(err))) || (rc = sip_adm_load_config(err, sizeof(err))) ||
	    (rc = sip_push_configure(m, err, sizeof(err)))) {
		SG_ERROR(TAG, "%s: %s", sg_config_where(), err);
		goto fail;
	}
	apply_config();
	size_t na = sg_config_list_len("sip.auth_algorithms");
	if (na) {
		const char *names[2] = {0};
		for (size_t i = 0; i < na && i < 2; i++)
			names[i] = sg_config_list_get("sip.auth_algorithms", i);
		if (na > 2 || (rc = sip_auth_set_algorithms(names, na))) {
			SG_ERROR(TAG, "%s: settings.sip.auth_algorithms: write { \"MD5\", \"SHA-256\" } (one or both)",
				 sg_config_where());
			rc = -EINVAL;
			goto fail;
		}
	}
	size_t n = sg_config_list_len("sip.listen");
	static const char *const defaults[] = {"udp:127.0.0.1:5060", "tcp:127.0.0.1:5060"};
	for (size_t i = 0; i < (n ? n : 2); i++) {
		const char *spec = n ? sg_config_list_get("sip.listen", i) : defaults[i];
		if ((rc = sip_transport_listen(spec, err, sizeof(err)))) {
			SG_ERROR(TAG, "%s: settings.sip.%s", sg_config_where(), err);
			goto fail;
		}
		if (!strncasecmp(spec, "tls:", 4))
			tls_listening = true;
	}
	if ((rc = sg_cli_register(m, commands, sizeof(commands) / sizeof(commands[0]))))
		goto fail;
	return 0;
fail:
	unload(m);
	return rc;
}

static void unload(struct sg_module *m)
{
	(void)m;
	sg_cli_unregister(commands, sizeof(commands) / sizeof(commands[0]));
	sip_mwi_shutdown();
	sip_message_shutdown(); /* gives back its client transactions */
	sip_asfe_shutdown();
	sip_sub_shutdown(); /* final NOTIFYs, while client transactions still go out */
	sip_presence_shutdown(); /* after: the final NOTIFYs wrote their bodies */
	sip_dialog_pkg_shutdown();
	sip_dlg_shutdown();
	sip_push_shutdown();
	sip_qualify_shutdown(); /* gives back its client transactions */
	sip_ctxn_shutdown();
	sip_txn_shutdown();
	sip_transport_shutdown();
	sip_tls_shutdown(); /* after the connections, whose sessions use it */
	tls_listening = false;
	sip_loc_shutdown();
	sip_auth_shutdown();
	sip_guard_shutdown();
	sip_adm_shutdown();
	sip_registrar_shutdown();
}

static int reload(struct sg_module *m)
{
	apply_config();
	char err[300];
	if (sip_guard_load_config(err, sizeof(err)))
		SG_ERROR(TAG, "%s: %s (the guard's settings in force stay)", sg_config_where(), err);
	if (sip_adm_load_config(err, sizeof(err)))
		SG_ERROR(TAG, "%s: %s (the overload settings in force stay)", sg_config_where(), err);
	if (sip_push_configure(m, err, sizeof(err)))
		SG_ERROR(TAG, "%s: %s (the push settings in force stay)", sg_config_where(), err);
	/* New certificates serve new connections (renewal without a restart); on an
	 * error the ones in force stay. */
	return cfg_tls();
}

static const struct sg_config_key config_keys[] = {
	{"listen", SG_CFG_STRING_LIST, "sockets: { \"udp:127.0.0.1:5060\", \"tcp:[::1]:5060\", \"tls:127.0.0.1:5061\" }"},
	{"realm", SG_CFG_STRING, "digest realm (default \"strowger\")"},
	{"auth_algorithms", SG_CFG_STRING_LIST, "digest challenges in order: { \"SHA-256\", \"MD5\" } (default { \"MD5\" })"},
	{"t1", SG_CFG_INT, "RFC 3261 T1 in ms (500)"},
	{"t2", SG_CFG_INT, "RFC 3261 T2 in ms (4000)"},
	{"t4", SG_CFG_INT, "RFC 3261 T4 in ms (5000)"},
	{"min_expires", SG_CFG_INT, "shortest registration accepted, seconds (60)"},
	{"max_expires", SG_CFG_INT, "longest registration granted, seconds (7200)"},
	{"default_expires", SG_CFG_INT, "registration time when the phone names none (3600)"},
	{"nonce_lifetime", SG_CFG_INT, "seconds a digest nonce stays fresh (300)"},
	{"qualify", SG_CFG_INT, "seconds between keep-alives to each registered contact; 0: none (60)"},
	{"keepalive", SG_CFG_STRING, "keep-alive to contacts: \"options\" (and track reachability), \"crlf\", \"off\""},
	{"message_timeout", SG_CFG_INT, "seconds a TCP or TLS peer has to finish a message it began; then it is closed (10)"},
	{"session_expires", SG_CFG_INT, "session timer (RFC 4028) we ask for on each call leg, seconds; 0: none (1800)"},
	{"min_se", SG_CFG_INT, "shortest session timer accepted, seconds; less gets 422 (90; at least 5)"},
	{"sub_min_expires", SG_CFG_INT, "shortest subscription (SUBSCRIBE) accepted, seconds; less gets 423 (60)"},
	{"sub_max_expires", SG_CFG_INT, "longest subscription granted, seconds (3600)"},
	{"max_subscriptions", SG_CFG_INT, "subscriptions kept in all; more get 503 (1000)"},
	{"max_subscriptions_per_user", SG_CFG_INT, "subscriptions one user may hold (20)"},
	{"max_subscriptions_per_source", SG_CFG_INT, "subscriptions from one IP address (200)"},
	{"mwi_any_box", SG_CFG_BOOL, "any user may watch any mailbox's lamp (message-summary); default: only its own"},
	{"blf_any", SG_CFG_BOOL, "any user may watch any user's calls (dialog, BLF) and presence (true); false: only its own"},
	{"mwi_unsolicited", SG_CFG_BOOL, "mailbox changes also NOTIFY the user's unsubscribed registered phones (false)"},
	{"message_max_size", SG_CFG_INT, "largest MESSAGE body accepted, bytes; more gets 413 (8192)"},
	{"message_history", SG_CFG_INT, "messages kept per user for delivery and sync (100); the oldest delivered go first"},
	{"tls_cert", SG_CFG_STRING, "our TLS certificate (chain), a PEM file; tls: listeners need it"},
	{"tls_key", SG_CFG_STRING, "the private key of tls_cert, a PEM file (not encrypted)"},
	{"tls_ca", SG_CFG_STRING, "trusted CAs (PEM file or hashed directory) for the TLS servers we connect to"},
	{"tls_verify_peer", SG_CFG_BOOL, "verify the TLS servers we connect to (default: on when tls_ca is set)"},
	{"tls_min_version", SG_CFG_STRING, "oldest TLS version accepted: \"1.2\" (default) or \"1.3\""},
	{"guard", SG_CFG_BOOL, "per-source rate limits and bans (true)"},
	{"guard_requests_per_s", SG_CFG_NUMBER, "messages per second from one IP address; the excess is dropped (100)"},
	{"guard_request_burst", SG_CFG_NUMBER, "messages one address may send at once (4 x guard_requests_per_s)"},
	{"guard_invites_per_s", SG_CFG_NUMBER, "new calls (INVITEs) per second from one address (20)"},
	{"guard_invite_burst", SG_CFG_NUMBER, "new calls one address may start at once (2 x guard_invites_per_s)"},
	{"guard_auth_failures", SG_CFG_INT, "failed authentications that ban an address; 0: never (10)"},
	{"guard_auth_window", SG_CFG_INT, "... within this many seconds (60)"},
	{"guard_ban_time", SG_CFG_INT, "seconds a ban lasts (600)"},
	{"overload_delay", SG_CFG_INT, "ms a datagram may wait before the loop reads it; past that, new requests get 503 (1000; 0: off)"},
	{"overload_control", SG_CFG_BOOL, "under load, new requests from unregistered addresses get 503 first (true)"},
	{"overload_cpu", SG_CFG_NUMBER, "main loop CPU use (% of a core) that counts as overload (90)"},
	{"guard_calls_per_source", SG_CFG_INT, "incoming calls going at once from one IP address; more get 503 (100)"},
	{"guard_transactions_per_source", SG_CFG_INT, "server transactions open at once from one IP address; more get 503 (5000; 0: no limit)"},
	{"guard_trusted", SG_CFG_STRING_LIST, "networks never limited or banned: { \"10.0.0.0/8\", \"::1\" }"},
	{"tls_handshake_timeout", SG_CFG_INT, "ms a TLS handshake may take before the connection is dropped (10000)"},
	{"push", SG_CFG_TABLE, "push wake-up (RFC 8599): { webhook = \"http://127.0.0.1:8088/push\", timeout = 10, providers = { \"apns\", \"fcm\" } }"},
	{NULL, 0, NULL},
};

static const char *const depends[] = {"res_rtp", NULL};

SG_MODULE_DEFINE(.name = "chan_sip", .depends = depends, .description = "SIP: transports, transactions, registrar",
		 .config_section = "sip", .config_keys = config_keys, .load = load, .unload = unload,
		 .reload = reload);
