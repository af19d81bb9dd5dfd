/* tls.c: SIP over TLS with OpenSSL 3: the context from settings.sip.tls_*, and the
 * non-blocking sessions transport.c runs its stream connections through. */
#include <arpa/inet.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>

#include <strowger/loop.h>

#include "tls.h"

/* TLS records carry at most 16 KiB: writing more at once only grows a retry. */
#define RECORD_MAX 16384

struct sip_tls {
	SSL *ssl;
	bool established;
	/* A fatal error happened: SSL_shutdown(3) must not be called any more. */
	bool dead;
	bool shut; /* our close_notify is sent */
	/* What the last handshake, read and write call waited for (SG_IO_*). */
	unsigned hs_want, rd_want, wr_want;
	char error[128];
};

/* The context in force and what the console says about it. */
static SSL_CTX *ctx;
static bool can_serve, verify_servers;
static unsigned handshake_ms = SIP_TLS_HANDSHAKE_MS;
static char summary[600];

/* An encrypted key would make OpenSSL prompt on the terminal: refuse it instead. */
static int no_passphrase(char *buf, int size, int rwflag, void *arg)
{
	(void)buf;
	(void)size;
	(void)rwflag;
	(void)arg;
	return -1;
}

/* The reason of the last OpenSSL error, and the error queue emptied. */
static const char *openssl_reason(char *buf, size_t len)
{
	unsigned long e = ERR_peek_last_error();
	const char *r = e ? ERR_reason_error_string(e) : NULL;
	if (r)
		snprintf(buf, len, "%s", r);
	else if (e)
		snprintf(buf, len, "OpenSSL error %lx", e);
	else
		snprintf(buf, len, "no reason given");
	ERR_clear_error();
	return buf;
}

/* A readable file (or, for dir_ok, directory) named by a setting; 0, 1 for a
 * directory, or -errno with err filled. */
static int check_path(const char *key, const char *path, bool dir_ok, char *err, size_t errlen)
{
	struct stat st;
	if (stat(path, &st) != 0 || access(path, R_OK) != 0) {
		int e = errno;
		snprintf(err, errlen, "settings.sip.%s \"%s\": %s", key, path, strerror(e));
		return -e;
	}
	if (S_ISDIR(st.st_mode) && !dir_ok) {
		snprintf(err, errlen, "settings.sip.%s \"%s\": is a directory, not a PEM file", key, path);
		return -EISDIR;
	}
	return S_ISDIR(st.st_mode) ? 1 : 0;
}

/* Loads our certificate chain and key into c; 0 or -errno with err filled. */
static int load_identity(SSL_CTX *c, const char *cert, const char *key, char *err, size_t errlen)
{
	char why[160];
	int rc;
	if ((rc = check_path("tls_cert", cert, false, err, errlen)) < 0 ||
	    (rc = check_path("tls_key", key, false, err, errlen)) < 0)
		return rc;
	if (SSL_CTX_use_certificate_chain_file(c, cert) != 1) {
		snprintf(err, errlen, "settings.sip.tls_cert \"%s\": not a usable PEM certificate (%s)", cert,
			 openssl_reason(why, sizeof(why)));
		return -EINVAL;
	}
	if (SSL_CTX_use_PrivateKey_file(c, key, SSL_FILETYPE_PEM) != 1) {
		unsigned long e = ERR_peek_last_error();
		if (ERR_GET_LIB(e) != ERR_LIB_X509 || ERR_GET_REASON(e) != X509_R_KEY_VALUES_MISMATCH) {
			/* No one is there to type a passphrase: an encrypted key fails here. */
			snprintf(err, errlen, "settings.sip.tls_key \"%s\": not a usable PEM private key, or an "
				 "encrypted one (%s)", key, openssl_reason(why, sizeof(why)));
			return -EINVAL;
		}
	}
	if (ERR_peek_last_error() || SSL_CTX_check_private_key(c) != 1) {
		ERR_clear_error();
		snprintf(err, errlen, "settings.sip.tls_key \"%s\" is not the key of tls_cert \"%s\"", key, cert);
		return -EINVAL;
	}
	return 0;
}

/* Trusted CAs from a PEM file or a c_rehash'ed directory, or the system's. */
static int load_trust(SSL_CTX *c, const char *ca, bool verify, char *err, size_t errlen)
{
	char why[160];
	if (!ca) {
		if (verify && SSL_CTX_set_default_verify_paths(c) != 1) {
			snprintf(err, errlen, "settings.sip.tls_verify_peer: the system's CA certificates cannot be "
				 "read (%s); set tls_ca", openssl_reason(why, sizeof(why)));
			return -EINVAL;
		}
		return 0;
	}
	int kind = check_path("tls_ca", ca, true, err, errlen);
	if (kind < 0)
		return kind;
	if (SSL_CTX_load_verify_locations(c, kind ? NULL : ca, kind ? ca : NULL) != 1) {
		snprintf(err, errlen, "settings.sip.tls_ca \"%s\": no CA certificate in it (%s)", ca,
			 openssl_reason(why, sizeof(why)));
		return -EINVAL;
	}
	return 0;
}

int sip_tls_configure(const struct sip_tls_settings *s, char *err, size_t errlen)
{
	const char *minv = s->min_version ? s->min_version : "1.2";
	int version = !strcmp(minv, "1.2") ? TLS1_2_VERSION : !strcmp(minv, "1.3") ? TLS1_3_VERSION : 0;
	if (!version) {
		snprintf(err, errlen, "settings.sip.tls_min_version = \"%s\": write \"1.2\" or \"1.3\"", minv);
		return -EINVAL;
	}
	if (!s->cert && s->need_cert) {
		snprintf(err, errlen, "settings.sip.tls_cert: not set, and a TLS listener is open and needs it; "
			 "keeping the certificate in force");
		return -EINVAL;
	}
	if (!s->cert != !s->key) {
		snprintf(err, errlen, "settings.sip.%s is set without %s: a certificate needs its key",
			 s->cert ? "tls_cert" : "tls_key", s->cert ? "tls_key" : "tls_cert");
		return -EINVAL;
	}
	bool verify = s->verify_peer < 0 ? s->ca != NULL : s->verify_peer != 0;
	SSL_CTX *c = SSL_CTX_new(TLS_method());
	if (!c) {
		ERR_clear_error();
		snprintf(err, errlen, "TLS: out of memory");
		return -ENOMEM;
	}
	SSL_CTX_set_min_proto_version(c, version);
	/* Renegotiation is an attack surface SIP never needs; compression leaks (CRIME). */
	SSL_CTX_set_options(c, SSL_OP_NO_RENEGOTIATION | SSL_OP_NO_COMPRESSION | SSL_OP_CIPHER_SERVER_PREFERENCE);
	/* transport.c writes from a queue that may move (realloc) and grow between
	 * retries, and takes partial writes; idle connections give their buffers back. */
	SSL_CTX_set_mode(c, SSL_MODE_ENABLE_PARTIAL_WRITE | SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER |
				    SSL_MODE_RELEASE_BUFFERS);
	SSL_CTX_set_default_passwd_cb(c, no_passphrase);
	int rc = 0;
	if (s->cert)
		rc = load_identity(c, s->cert, s->key, err, errlen);
	if (!rc)
		rc = load_trust(c, s->ca, verify, err, errlen);
	if (rc) {
		SSL_CTX_free(c);
		return rc;
	}
	SSL_CTX_free(ctx); /* sessions still open hold their own reference */
	ctx = c;
	can_serve = s->cert != NULL;
	verify_servers = verify;
	handshake_ms = s->handshake_ms ? s->handshake_ms : SIP_TLS_HANDSHAKE_MS;
	snprintf(summary, sizeof(summary), "TLS: certificate %s; minimum TLS %s; servers we connect to %s%s; "
		 "handshake timeout %u ms", s->cert ? s->cert : "none (no TLS listener possible)", minv,
		 verify ? "verified against " : "NOT verified", verify ? (s->ca ? s->ca : "the system's CAs") : "",
		 handshake_ms);
	return 0;
}

bool sip_tls_can_serve(void) { return ctx && can_serve; }
unsigned sip_tls_handshake_ms(void) { return handshake_ms; }

const char *sip_tls_summary(char *buf, size_t len)
{
	snprintf(buf, len, "%s", ctx ? summary : "TLS: not configured");
	return buf;
}

void sip_tls_shutdown(void)
{
	SSL_CTX_free(ctx);
	ctx = NULL;
	can_serve = verify_servers = false;
}

/* The identity the server's certificate must prove: an IP address in its
 * subjectAltName, or a host name (also sent as SNI, which RFC 6066 keeps for names). */
static int set_peer_identity(SSL *ssl, const char *host)
{
	unsigned char addr[sizeof(struct in6_addr)];
	bool is_ip = inet_pton(AF_INET, host, addr) == 1 || inet_pton(AF_INET6, host, addr) == 1;
	if (!is_ip && SSL_set_tlsext_host_name(ssl, host) != 1)
		return -EINVAL;
	if (!verify_servers)
		return 0;
	SSL_set_verify(ssl, SSL_VERIFY_PEER, NULL);
	if (is_ip)
		return X509_VERIFY_PARAM_set1_ip_asc(SSL_get0_param(ssl), host) == 1 ? 0 : -EINVAL;
	return SSL_set1_host(ssl, host) == 1 ? 0 : -EINVAL;
}

/* OpenSSL writes to fd with write(2), not send(MSG_NOSIGNAL): the core ignores
 * SIGPIPE (core/main.c), so a peer gone mid-write is EPIPE, not our end. */
struct sip_tls *sip_tls_new(int fd, bool client, const char *host)
{
	if (!ctx || (!client && !can_serve))
		return NULL;
	struct sip_tls *t = calloc(1, sizeof(*t));
	if (!t || !(t->ssl = SSL_new(ctx)) || SSL_set_fd(t->ssl, fd) != 1 ||
	    (client && host && set_peer_identity(t->ssl, host) != 0)) {
		ERR_clear_error();
		if (t)
			SSL_free(t->ssl);
		free(t);
		return NULL;
	}
	if (client)
		SSL_set_connect_state(t->ssl);
	else
		SSL_set_accept_state(t->ssl);
	return t;
}

void sip_tls_close_notify(struct sip_tls *t)
{
	/* close_notify (RFC 8446 §6.1): one try; the peer's answer is not awaited. */
	if (t->established && !t->dead && !t->shut) {
		t->shut = true;
		ERR_clear_error();
		SSL_shutdown(t->ssl);
		ERR_clear_error();
	}
}

void sip_tls_free(struct sip_tls *t)
{
	if (!t)
		return;
	sip_tls_close_notify(t);
	SSL_free(t->ssl);
	free(t);
}

/* Records why a session failed, from the verification result or the error queue. */
static void note_error(struct sip_tls *t)
{
	long v = SSL_get_verify_result(t->ssl);
	char why[100];
	if (v != X509_V_OK && !t->established)
		snprintf(t->error, sizeof(t->error), "certificate verify failed: %s", X509_verify_cert_error_string(v));
	else
		snprintf(t->error, sizeof(t->error), "%s", openssl_reason(why, sizeof(why)));
	ERR_clear_error();
}

/* Maps a failed SSL_* call to -EAGAIN (with what it waits for in *want), 0 for
 * the peer's close (close_notify, or the socket's end), or -errno. */
static int io_result(struct sip_tls *t, int rc, int saved_errno, unsigned *want)
{
	switch (SSL_get_error(t->ssl, rc)) {
	case SSL_ERROR_WANT_READ:
		*want = SG_IO_READ;
		return -EAGAIN;
	case SSL_ERROR_WANT_WRITE:
		*want = SG_IO_WRITE;
		return -EAGAIN;
	case SSL_ERROR_ZERO_RETURN:
		return 0;
	case SSL_ERROR_SYSCALL:
		t->dead = true;
		snprintf(t->error, sizeof(t->error), "%s", saved_errno ? strerror(saved_errno) : "connection closed");
		ERR_clear_error();
		return saved_errno ? -saved_errno : 0;
	default:
		t->dead = true;
		/* Phones often close without close_notify: that is an end, not a fault. */
		unsigned long e = ERR_peek_last_error();
		if (ERR_GET_LIB(e) == ERR_LIB_SSL && ERR_GET_REASON(e) == SSL_R_UNEXPECTED_EOF_WHILE_READING &&
		    t->established) {
			ERR_clear_error();
			return 0;
		}
		note_error(t);
		return -EPROTO;
	}
}

int sip_tls_handshake(struct sip_tls *t)
{
	if (t->established)
		return 0;
	ERR_clear_error();
	errno = 0;
	int rc = SSL_do_handshake(t->ssl);
	if (rc == 1) {
		t->established = true;
		t->hs_want = 0;
		return 0;
	}
	rc = io_result(t, rc, errno, &t->hs_want);
	return rc == 0 ? -ECONNRESET : rc; /* an end in mid-handshake is a failure */
}

bool sip_tls_established(const struct sip_tls *t) { return t->established; }

ssize_t sip_tls_read(struct sip_tls *t, void *buf, size_t len)
{
	ERR_clear_error();
	errno = 0;
	int n = SSL_read(t->ssl, buf, len > INT_MAX ? INT_MAX : (int)len);
	if (n > 0) {
		t->rd_want = 0;
		return n;
	}
	return io_result(t, n, errno, &t->rd_want);
}

ssize_t sip_tls_write(struct sip_tls *t, const void *buf, size_t len)
{
	/* A retry after WANT_WRITE must offer at least what the first try did
	 * (SSL_write(3)); the queue only grows until written, and this cap is fixed. */
	if (len > RECORD_MAX)
		len = RECORD_MAX;
	ERR_clear_error();
	errno = 0;
	int n = SSL_write(t->ssl, buf, (int)len);
	if (n > 0) {
		t->wr_want = 0;
		return n;
	}
	int rc = io_result(t, n, errno, &t->wr_want);
	return rc == 0 ? -EPIPE : rc;
}

size_t sip_tls_pending(const struct sip_tls *t)
{
	int n = SSL_pending(t->ssl);
	return n > 0 ? (size_t)n : 0;
}

unsigned sip_tls_events(const struct sip_tls *t, bool have_output)
{
	if (!t->established)
		/* Not tried yet: any readiness starts it (a client writes first). */
		return t->hs_want ? t->hs_want : SG_IO_READ | SG_IO_WRITE;
	unsigned ev = SG_IO_READ;
	if (t->rd_want == SG_IO_WRITE)
		ev |= SG_IO_WRITE;
	/* A write that waits for the peer's bytes is retried after the next read. */
	if (have_output && t->wr_want != SG_IO_READ)
		ev |= SG_IO_WRITE;
	return ev;
}

const char *sip_tls_error(const struct sip_tls *t) { return t->error; }

const char *sip_tls_describe(const struct sip_tls *t, char *buf, size_t len)
{
	if (!t->established)
		snprintf(buf, len, "handshaking");
	else
		snprintf(buf, len, "%s %s", SSL_get_version(t->ssl), SSL_get_cipher_name(t->ssl));
	return buf;
}
