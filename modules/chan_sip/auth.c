/* auth.c: challenging requests and checking their digest credentials. */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include <strowger/log.h>
#include <strowger/users.h>

#include "auth.h"
#include "guard.h"
#include "random_pool.h"
#include "sip_digest.h"

#define TAG "sip"

static struct sip_digest_server *server;
static char realm[128];
/* Offered in this order; clients take the first they support (RFC 7616 §3.7).
 * MD5 alone by default: see auth.h for the phones a second challenge breaks. */
static enum sip_digest_alg algs[2] = {SIP_DIGEST_ALG_MD5};
static size_t nalgs = 1;

int sip_auth_set_algorithms(const char *const *names, size_t n)
{
	enum sip_digest_alg next[2];
	if (n == 0 || n > 2)
		return -EINVAL;
	for (size_t i = 0; i < n; i++) {
		next[i] = sip_digest_alg_parse(names[i], strlen(names[i]));
		if (next[i] != SIP_DIGEST_ALG_MD5 && next[i] != SIP_DIGEST_ALG_SHA256)
			return -EINVAL;
		if (i && next[i] == next[0])
			return -EINVAL;
	}
	memcpy(algs, next, n * sizeof(*next));
	nalgs = n;
	return 0;
}

static uint64_t wall_ms(void)
{
	/* Phones see a nonce's timestamp: the wall clock's tells them nothing, where
	 * a monotonic one would tell the host's uptime. It can step back, which
	 * sip_digest's age check allows for. */
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

int sip_auth_init(const char *r, unsigned nonce_lifetime_s)
{
	snprintf(realm, sizeof(realm), "%s", r);
	struct sip_digest_config cfg = {.nonce_lifetime_ms = (uint64_t)nonce_lifetime_s * 1000u,
					.random = sip_random_cb};
	return sip_digest_server_new(&server, &cfg);
}

void sip_auth_shutdown(void)
{
	sip_digest_server_free(server);
	server = NULL;
	sip_digest_cleanup();
	sip_random_wipe();
}

const char *sip_auth_realm(void) { return realm; }

static void challenge(struct sip_stxn *t, bool stale)
{
	char values[2][512];
	struct sip_hdr_out h[2];
	char nonce[128];
	/* One nonce for every algorithm offered: the client answers one of them, and
	 * each nonce costs an HMAC. Both calls return a length or a negative errno. */
	int nrc = sip_digest_nonce_make(server, realm, wall_ms(), nonce, sizeof(nonce));
	for (size_t i = 0; i < nalgs; i++) {
		if (nrc < 0 || sip_digest_format_challenge(values[i], sizeof(values[i]), algs[i], realm, nonce,
							   NULL, stale) < 0) {
			struct sip_resp_opts err = {.status = 500, .reason = "Cannot make a challenge"};
			sip_stxn_respond(t, &err);
			return;
		}
		h[i] = (struct sip_hdr_out){"WWW-Authenticate", values[i]};
	}
	struct sip_resp_opts o = {.status = 401, .hdrs = h, .nhdrs = nalgs};
	sip_stxn_respond(t, &o);
}

const struct sg_user *sip_auth_check(struct sip_stxn *t)
{
	const struct sip_msg *req = sip_stxn_request(t);
	/* Credentials for another realm (a phone also registered elsewhere) are not ours. */
	for (const struct sip_hdr *h = NULL; (h = sip_msg_hdr(req, SIP_HDR_AUTHORIZATION, h));) {
		struct sip_digest_credentials cr;
		const char *why = NULL;
		if (sip_digest_parse_credentials(h->val.p, h->val.l, &cr, &why) != 0)
			continue;
		if (strcmp(cr.realm, realm))
			continue;
		const struct sg_user *u = sg_user_find(cr.username);
		struct sip_digest_secret secret = {0};
		if (u) {
			secret.password = u->password;
			/* A stored HA1 is only good for the realm it was made for. */
			if (u->realm && !strcmp(u->realm, realm)) {
				secret.ha1_md5 = u->ha1_md5;
				secret.ha1_sha256 = u->ha1_sha256;
			}
		}
		struct sip_digest_request rq = {.method = req->method_pl.p, .method_len = req->method_pl.l,
						.realm = realm, .secret = u ? &secret : NULL, .now_ms = wall_ms()};
		enum sip_digest_result r = sip_digest_verify(server, &cr, &rq, &why);
		if (r == SIP_DIGEST_OK) {
			/* §22.4 wants the credentials' uri to be the Request-URI; phones and
			 * tools often differ (a port left out, SIPp). The response is bound to
			 * the uri they hashed, and a nonce is good once per nc, so accept it
			 * and say so in the debug log, as Asterisk and Kamailio do. */
			if (strlen(cr.uri) != req->ruri_pl.l || memcmp(cr.uri, req->ruri_pl.p, req->ruri_pl.l))
				SG_DEBUG(TAG, "'%s' authenticated for uri %s, Request-URI %.*s", cr.username, cr.uri,
					 (int)req->ruri_pl.l, req->ruri_pl.p);
			return u;
		}
		if (r == SIP_DIGEST_STALE) {
			challenge(t, true);
			return NULL;
		}
		char src[64];
		SG_NOTICE(TAG, "authentication failed for '%s' from %s: %s", cr.username,
			  sip_sockaddr_str(&sip_stxn_rx(t)->src, src, sizeof(src)),
			  why ? why : sip_digest_result_name(r));
		if (r == SIP_DIGEST_BAD_RESPONSE) {
			sip_guard_auth_failed(&sip_stxn_rx(t)->src, cr.username);
			/* A wrong password and an unknown user look the same from outside. */
			struct sip_resp_opts o = {.status = 403, .reason = "Forbidden"};
			sip_stxn_respond(t, &o);
			return NULL;
		}
		break; /* a nonce not ours (say, from before a restart): challenge again */
	}
	challenge(t, false);
	return NULL;
}
