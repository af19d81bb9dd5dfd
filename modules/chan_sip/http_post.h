/*
 * http_post.h: a small HTTP/1.1 client on the main loop, for push.c's webhook:
 * one POST per request to a numeric address (no DNS on the loop), non-blocking
 * connect, the request written, the status line read, the connection closed.
 * Bounded by a timeout; no TLS, no redirects, no keep-alive. Main thread only.
 */
#ifndef CHAN_SIP_HTTP_POST_H
#define CHAN_SIP_HTTP_POST_H

#include "transport.h"

struct sg_module;
struct sip_http;

/* The outcome, once: status is the HTTP status code, or 0 when none came, with
 * `why` saying what went wrong ("connection refused", "timed out", ...). The
 * request is gone when this runs. */
typedef void sip_http_fn(void *arg, unsigned status, const char *why);

struct sip_http_req {
	struct sip_sockaddr dst;
	const char *host; /* the Host header: the URL's host[:port] as written */
	const char *path;
	const char *content_type;
	const char *body;
	size_t body_len;
	unsigned timeout_ms;
};

/* Starts a POST; 0 with *out set (fn runs later, never from here), or -errno with
 * nothing started. */
int sip_http_post(struct sg_module *owner, const struct sip_http_req *r, sip_http_fn *fn, void *arg,
		  struct sip_http **out);
/* Drops a request in flight without calling its fn; returns NULL. */
struct sip_http *sip_http_cancel(struct sip_http *h);

#endif
