/*
 * tls.h: SIP over TLS (RFC 3261 §26.2.1, RFC 5630's sips:) with OpenSSL 3, as a
 * layer under transport.c's stream connections: transport.c keeps the sockets,
 * framing, limits, idle timeout and connection reuse, and calls here to turn a
 * TCP connection's bytes into TLS records and back. Sockets are non-blocking: every
 * call returns at once, -EAGAIN when OpenSSL must wait for the socket, and
 * sip_tls_events() says which readiness (read, write or both, as TLS may need to
 * write while reading and read while writing) the connection must wait for.
 *
 * One context serves both roles. As a server it presents settings.sip.tls_cert and
 * tls_key and asks phones for no certificate (they authenticate with digest). As a
 * client (requests to a sips: URI or ;transport=tls with no open connection) it
 * verifies the server's chain against tls_ca (or the system's CAs) and its
 * identity (the IP address in the certificate's subjectAltName, or the host name,
 * which is then also sent as SNI) when tls_verify_peer is on. Main thread only.
 */
#ifndef CHAN_SIP_TLS_H
#define CHAN_SIP_TLS_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

struct sip_tls;

#define SIP_TLS_HANDSHAKE_MS 10000

/* settings.sip.tls_*, as read from the config (NULL / -1: not set). */
struct sip_tls_settings {
	const char *cert;	 /* PEM certificate (chain), ours */
	const char *key;	 /* PEM private key of cert */
	const char *ca;		 /* PEM file or hashed directory of trusted CAs */
	int verify_peer;	 /* verify the servers we connect to: 1, 0, or -1 for "when ca is set" */
	const char *min_version; /* "1.2" (default) or "1.3" */
	unsigned handshake_ms;	 /* a handshake not done by then is dropped */
	bool need_cert;		 /* a TLS listener is open: refuse settings without a certificate */
};

/*
 * Builds a new context from s and, when it is whole, puts it in place of the
 * current one (connections open keep the one they started with). 0, or -errno
 * with err naming the setting and the cause ("settings.sip.tls_cert
 * \"/etc/x.pem\": No such file or directory").
 */
int sip_tls_configure(const struct sip_tls_settings *s, char *err, size_t errlen);
/* Whether the context has a certificate and key, so a TLS listener can serve. */
bool sip_tls_can_serve(void);
unsigned sip_tls_handshake_ms(void);
void sip_tls_shutdown(void);

/*
 * A TLS session on a connected (or connecting) socket: the server side of an
 * accepted connection, or the client side of one we open to host (an address in
 * text form, or a name). NULL when out of memory or not configured.
 */
struct sip_tls *sip_tls_new(int fd, bool client, const char *host);
/* Sends close_notify, once, when the session is in a state to (best effort,
 * never waits); the session may still read what the peer sends after it. */
void sip_tls_close_notify(struct sip_tls *t);
/* Sends close_notify if not done yet and frees the session; the caller closes
 * the socket. */
void sip_tls_free(struct sip_tls *t);

/* Drives the handshake: 0 when done, -EAGAIN to wait, else -errno (EPROTO:
 * TLS failed; sip_tls_error() says how). */
int sip_tls_handshake(struct sip_tls *t);
bool sip_tls_established(const struct sip_tls *t);
/* Like recv()/send(): bytes moved, 0 when the peer closed (read), -EAGAIN, or
 * -errno. A write may take fewer bytes than offered. */
ssize_t sip_tls_read(struct sip_tls *t, void *buf, size_t len);
ssize_t sip_tls_write(struct sip_tls *t, const void *buf, size_t len);
/* Bytes already decrypted and waiting: the socket will not signal them. */
size_t sip_tls_pending(const struct sip_tls *t);
/* SG_IO_READ / SG_IO_WRITE the connection must wait for, given whether bytes
 * wait to be written. */
unsigned sip_tls_events(const struct sip_tls *t, bool have_output);
/* Why the session failed ("certificate verify failed: unable to get local
 * issuer certificate", "wrong version number"), or "" while it has not. */
const char *sip_tls_error(const struct sip_tls *t);
/* "TLSv1.3 TLS_AES_256_GCM_SHA384", or "handshaking". */
const char *sip_tls_describe(const struct sip_tls *t, char *buf, size_t len);
/* One line about the settings in force, for `sip show transports`. */
const char *sip_tls_summary(char *buf, size_t len);

#endif
