/* http_post.c: one bounded HTTP POST over a non-blocking TCP connection, or
 * over TLS on it when the request carries a context. */
#include <arpa/inet.h>
#include <errno.h>
#include <limits.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>

#include <strowger/loop.h>

#include "http_post.h"

#define RESP_MAX 1024 /* the status line is all we read */

enum http_state { CONNECTING, HANDSHAKE, WRITING, READING };

struct sip_http {
	int fd;
	enum http_state state;
	struct sg_io *io;
	struct sg_timer *timer;
	SSL *ssl; /* NULL for plain HTTP */
	char *out; /* the request, written from `sent` on */
	size_t out_len, sent;
	char resp[RESP_MAX];
	size_t resp_len;
	char why[160]; /* why a TLS call failed */
	sip_http_fn *fn;
	void *arg;
};

struct sip_http *sip_http_cancel(struct sip_http *h)
{
	if (!h)
		return NULL;
	sg_io_free(h->io);
	sg_timer_free(h->timer);
	SSL_free(h->ssl); /* drops its reference to the context too */
	if (h->fd >= 0)
		close(h->fd);
	free(h->out);
	free(h);
	return NULL;
}

/* Ends the request and tells its owner: the request is freed first, so fn may
 * do anything (even start another); `why` may point into it, hence the copy. */
static void finish(struct sip_http *h, unsigned status, const char *why)
{
	sip_http_fn *fn = h->fn;
	void *arg = h->arg;
	char reason[sizeof(h->why)];
	snprintf(reason, sizeof(reason), "%s", why);
	sip_http_cancel(h);
	fn(arg, status, reason);
}

/* "HTTP/1.1 204 No Content\r\n": the code, or 0 when the line is not HTTP. */
static unsigned status_of(const char *line)
{
	unsigned major, minor, code;
	if (sscanf(line, "HTTP/%u.%u %3u", &major, &minor, &code) != 3 || code < 100 || code > 999)
		return 0;
	return code;
}

static void on_timeout(struct sg_timer *t, void *arg)
{
	(void)t;
	struct sip_http *h = arg;
	finish(h, 0, h->state == HANDSHAKE ? "timed out in the TLS handshake" : "timed out");
}

/* What a failed SSL_* call (rc <= 0) means: -EAGAIN with the io now watching
 * for what OpenSSL waits for, 0 for the peer's end, or -EPROTO with h->why set.
 * A failed verification names its cause (X509_verify_cert_error_string). */
static int tls_result(struct sip_http *h, int rc, int saved_errno)
{
	int e = SSL_get_error(h->ssl, rc);
	if (e == SSL_ERROR_WANT_READ || e == SSL_ERROR_WANT_WRITE) {
		sg_io_set_events(h->io, e == SSL_ERROR_WANT_READ ? SG_IO_READ : SG_IO_WRITE);
		return -EAGAIN;
	}
	unsigned long err = ERR_peek_last_error();
	long v = SSL_get_verify_result(h->ssl);
	const char *r = err ? ERR_reason_error_string(err) : NULL;
	rc = -EPROTO;
	if (h->state == HANDSHAKE && v != X509_V_OK)
		snprintf(h->why, sizeof(h->why), "certificate verify failed: %s", X509_verify_cert_error_string(v));
	else if (e == SSL_ERROR_ZERO_RETURN || (e == SSL_ERROR_SYSCALL && !saved_errno && !err) ||
		 (ERR_GET_LIB(err) == ERR_LIB_SSL && ERR_GET_REASON(err) == SSL_R_UNEXPECTED_EOF_WHILE_READING))
		rc = 0; /* many servers close without close_notify: an end, not a fault */
	else if (e == SSL_ERROR_SYSCALL && saved_errno)
		snprintf(h->why, sizeof(h->why), "%s", strerror(saved_errno));
	else
		snprintf(h->why, sizeof(h->why), "TLS: %s", r ? r : "no reason given");
	ERR_clear_error();
	return rc;
}

/* The TLS session on the connected socket, verifying the server's certificate
 * against the address we connected to (the webhook's host is numeric, so
 * there is no name to check, and no SNI: RFC 6066 keeps it for names). */
static int tls_start(struct sip_http *h, SSL_CTX *ctx, const struct sip_sockaddr *dst)
{
	char ip[INET6_ADDRSTRLEN];
	const void *a = dst->ss.ss_family == AF_INET6 ? (const void *)&((const struct sockaddr_in6 *)&dst->ss)->sin6_addr
						       : (const void *)&((const struct sockaddr_in *)&dst->ss)->sin_addr;
	if (!inet_ntop(dst->ss.ss_family, a, ip, sizeof(ip)))
		return -EAFNOSUPPORT;
	if (!(h->ssl = SSL_new(ctx)) || SSL_set_fd(h->ssl, h->fd) != 1 ||
	    X509_VERIFY_PARAM_set1_ip_asc(SSL_get0_param(h->ssl), ip) != 1) {
		ERR_clear_error();
		return -ENOMEM;
	}
	/* Whatever the context says, an unverified webhook would get the push token. */
	SSL_set_verify(h->ssl, SSL_VERIFY_PEER, NULL);
	SSL_set_connect_state(h->ssl);
	return 0;
}

/* Writes what is left of the request: >0, -EAGAIN (the io waits), or -errno
 * with h->why set. */
static ssize_t conn_write(struct sip_http *h)
{
	size_t left = h->out_len - h->sent;
	if (!h->ssl) {
		ssize_t n = send(h->fd, h->out + h->sent, left, MSG_NOSIGNAL);
		if (n >= 0 || errno == EAGAIN || errno == EINTR)
			return n > 0 ? n : -EAGAIN;
		int e = errno;
		snprintf(h->why, sizeof(h->why), "%s", strerror(e));
		return -e;
	}
	/* A retry after WANT_* repeats the same call on the same buffer (SSL_write(3)). */
	ERR_clear_error();
	errno = 0;
	int n = SSL_write(h->ssl, h->out + h->sent, left > INT_MAX ? INT_MAX : (int)left);
	if (n > 0)
		return n;
	int rc = tls_result(h, n, errno);
	if (rc == 0)
		snprintf(h->why, sizeof(h->why), "closed before the request was sent");
	return rc == 0 ? -EPIPE : rc;
}

/* Reads into resp: >0, 0 at the peer's end, -EAGAIN, or -errno with h->why set. */
static ssize_t conn_read(struct sip_http *h)
{
	char *to = h->resp + h->resp_len;
	size_t room = sizeof(h->resp) - 1 - h->resp_len;
	if (!h->ssl) {
		ssize_t n = recv(h->fd, to, room, 0);
		if (n >= 0)
			return n;
		if (errno == EAGAIN || errno == EINTR)
			return -EAGAIN;
		int e = errno;
		snprintf(h->why, sizeof(h->why), "%s", strerror(e));
		return -e;
	}
	ERR_clear_error();
	errno = 0;
	int n = SSL_read(h->ssl, to, (int)room);
	return n > 0 ? n : tls_result(h, n, errno);
}

/* Moves the request on as far as it goes without waiting. */
static void step(struct sip_http *h)
{
	if (h->state == HANDSHAKE) {
		ERR_clear_error();
		errno = 0;
		int rc = SSL_do_handshake(h->ssl);
		if (rc != 1) {
			rc = tls_result(h, rc, errno);
			if (rc != -EAGAIN)
				finish(h, 0, rc == 0 ? "closed in the TLS handshake" : h->why);
			return;
		}
		h->state = WRITING;
	}
	if (h->state == WRITING) {
		while (h->sent < h->out_len) {
			ssize_t n = conn_write(h);
			if (n == -EAGAIN) {
				if (!h->ssl)
					sg_io_set_events(h->io, SG_IO_WRITE);
				return;
			}
			if (n < 0) {
				finish(h, 0, h->why);
				return;
			}
			h->sent += (size_t)n;
		}
		h->state = READING;
		sg_io_set_events(h->io, SG_IO_READ);
	}
	for (;;) {
		ssize_t n = conn_read(h);
		if (n == -EAGAIN)
			return;
		if (n < 0) {
			finish(h, 0, h->why);
			return;
		}
		h->resp_len += (size_t)n;
		h->resp[h->resp_len] = '\0';
		if (n > 0 && !strchr(h->resp, '\n') && h->resp_len < sizeof(h->resp) - 1)
			continue; /* the status line is not complete yet */
		unsigned code = status_of(h->resp);
		if (code && h->ssl) {
			/* close_notify (RFC 8446 §6.1): one try, the answer not awaited. */
			SSL_shutdown(h->ssl);
			ERR_clear_error();
		}
		finish(h, code,
		       code ? "" : n == 0 && !h->resp_len ? "closed without an answer" : "not an HTTP answer");
		return;
	}
}

/* The connect's end: the socket's error, then TLS or the request. */
static void on_io(struct sg_io *io, int fd, unsigned events, void *arg)
{
	(void)io;
	(void)events;
	struct sip_http *h = arg;
	if (h->state == CONNECTING) {
		int err = 0;
		socklen_t len = sizeof(err);
		if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len) || err) {
			finish(h, 0, strerror(err ? err : errno));
			return;
		}
		h->state = h->ssl ? HANDSHAKE : WRITING;
	}
	step(h);
}

int sip_http_post(struct sg_module *owner, const struct sip_http_req *r, sip_http_fn *fn, void *arg,
		  struct sip_http **out)
{
	struct sip_http *h = calloc(1, sizeof(*h));
	if (!h)
		return -ENOMEM;
	h->fd = -1;
	h->fn = fn;
	h->arg = arg;
	int n = asprintf(&h->out,
			 "POST %s HTTP/1.1\r\nHost: %s\r\nUser-Agent: strowger\r\nContent-Type: %s\r\n"
			 "Content-Length: %zu\r\nConnection: close\r\n\r\n%.*s",
			 r->path, r->host, r->content_type, r->body_len, (int)r->body_len, r->body);
	int rc = -ENOMEM;
	if (n < 0) {
		h->out = NULL;
		goto fail;
	}
	h->out_len = (size_t)n;
	h->fd = socket(r->dst.ss.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (h->fd < 0) {
		rc = -errno;
		goto fail;
	}
	if (r->tls && (rc = tls_start(h, r->tls, &r->dst)))
		goto fail;
	if (connect(h->fd, (const struct sockaddr *)&r->dst.ss, r->dst.len) && errno != EINPROGRESS) {
		rc = -errno;
		goto fail;
	}
	/* Writable once the connect ends, either way; SO_ERROR says which. */
	h->io = sg_io_watch(sg_loop_main(), owner, h->fd, SG_IO_WRITE, on_io, h);
	h->timer = sg_timer_start(sg_loop_main(), owner, r->timeout_ms, 0, on_timeout, h);
	rc = -ENOMEM;
	if (!h->io || !h->timer)
		goto fail;
	*out = h;
	return 0;
fail:
	sip_http_cancel(h);
	return rc;
}
