/*
 * sip_auth.h: Authorization, Proxy-Authorization, WWW-Authenticate,
 * Proxy-Authenticate and Authentication-Info values (RFC 3261 §20.7, §25.1):
 *
 *   Digest username="bob", realm="example.com", nonce="ea9c8e88", uri="sip:x", ...
 *   NoOneKnowsThisScheme opaque-data=here
 *
 * An auth-scheme token followed by comma-separated name=value auth-params, each value
 * a token or a quoted-string (returned without its quotes, quoted-pairs raw: resolve
 * them with sip_pl_unquote()). These values are never split at commas by the message
 * parser. Unknown schemes parse like Digest, so the UAS can answer 401 for them.
 * Authentication-Info has no scheme: parse it with sip_auth_params_parse().
 */
#ifndef SIP_AUTH_H
#define SIP_AUTH_H

#include "sip_lex.h"

struct sip_auth {
	struct sip_pl scheme; /* "Digest" */
	struct sip_pl params; /* the auth-params as written; unset if none */
};

/* 0 or -EINVAL. */
int sip_auth_parse(const struct sip_pl *val, struct sip_auth *auth);
/* A bare auth-param list (Authentication-Info). 0 or -EINVAL. */
int sip_auth_params_parse(const struct sip_pl *val, struct sip_auth *auth);
/* Iterates auth->params; *iter starts as auth->params. 1, 0 (end) or -EINVAL. */
int sip_auth_param_next(struct sip_pl *iter, struct sip_param *out);
/* Finds an auth-param by name (case-insensitive): "realm", "nonce", "qop", ... */
bool sip_auth_param(const struct sip_auth *auth, const char *name, struct sip_param *out);

#endif
