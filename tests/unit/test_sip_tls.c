/* test_sip_tls.c: chan_sip's TLS layer (tls.c) on its own: settings refused with
 * the cause, and two non-blocking sessions over a socketpair: handshake, a large
 * write through a small socket buffer (WANT_WRITE, partial writes, the events to
 * wait for), peer verification by address, close_notify. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509v3.h>

#include <strowger/loop.h>

#include "tls.h"

static char dir[64], cert[96], key[96], other_key[96];

/* A self-signed P-256 certificate for 127.0.0.1 (it is its own CA here). */
static void make_identity(void)
{
	EVP_PKEY *pk = EVP_EC_gen("P-256"), *pk2 = EVP_EC_gen("P-256");
	X509 *x = X509_new();
	assert_non_null(pk);
	assert_non_null(pk2);
	assert_non_null(x);
	X509_set_version(x, 2);
	ASN1_INTEGER_set(X509_get_serialNumber(x), 1);
	X509_gmtime_adj(X509_getm_notBefore(x), -60);
	X509_gmtime_adj(X509_getm_notAfter(x), 3600);
	X509_set_pubkey(x, pk);
	X509_NAME *name = X509_get_subject_name(x);
	X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC, (const unsigned char *)"127.0.0.1", -1, -1, 0);
	X509_set_issuer_name(x, name);
	X509V3_CTX v3;
	X509V3_set_ctx_nodb(&v3);
	X509V3_set_ctx(&v3, x, x, NULL, NULL, 0);
	const char *exts[][2] = {{"subjectAltName", "IP:127.0.0.1"}, {"basicConstraints", "critical,CA:TRUE"}};
	for (size_t i = 0; i < 2; i++) {
		X509_EXTENSION *e = X509V3_EXT_conf(NULL, &v3, exts[i][0], exts[i][1]);
		assert_non_null(e);
		X509_add_ext(x, e, -1);
		X509_EXTENSION_free(e);
	}
	assert_true(X509_sign(x, pk, EVP_sha256()) > 0);
	FILE *f = fopen(cert, "w");
	assert_non_null(f);
	PEM_write_X509(f, x);
	fclose(f);
	f = fopen(key, "w");
	assert_non_null(f);
	PEM_write_PrivateKey(f, pk, NULL, NULL, 0, NULL, NULL);
	fclose(f);
	f = fopen(other_key, "w");
	assert_non_null(f);
	PEM_write_PrivateKey(f, pk2, NULL, NULL, 0, NULL, NULL);
	fclose(f);
	X509_free(x);
	EVP_PKEY_free(pk);
	EVP_PKEY_free(pk2);
}

static int setup(void **state)
{
	(void)state;
	snprintf(dir, sizeof(dir), "/tmp/strowger-tls.XXXXXX");
	if (!mkdtemp(dir))
		return -1;
	snprintf(cert, sizeof(cert), "%s/cert.pem", dir);
	snprintf(key, sizeof(key), "%s/key.pem", dir);
	snprintf(other_key, sizeof(other_key), "%s/other.pem", dir);
	make_identity();
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	sip_tls_shutdown();
	unlink(cert);
	unlink(key);
	unlink(other_key);
	rmdir(dir);
	return 0;
}

#define assert_contains(hay, needle)                                                          \
	do {                                                                                  \
		const char *h_ = (hay);                                                       \
		if (!strstr(h_, (needle)))                                                    \
			fail_msg("expected \"%s\" to contain \"%s\"", h_, (needle));            \
	} while (0)

static int configure(const char *c, const char *k, const char *ca, int verify, const char *minv, char *err)
{
	struct sip_tls_settings s = {.cert = c, .key = k, .ca = ca, .verify_peer = verify, .min_version = minv,
				     .handshake_ms = 5000};
	return sip_tls_configure(&s, err, 512);
}

static void test_settings_refused(void **state)
{
	(void)state;
	char err[512], missing[128];
	snprintf(missing, sizeof(missing), "%s/nosuch.pem", dir);
	assert_int_equal(configure(missing, key, NULL, -1, NULL, err), -ENOENT);
	assert_contains(err, "settings.sip.tls_cert \"");
	assert_contains(err, "nosuch.pem\": No such file or directory");
	assert_int_equal(configure(cert, NULL, NULL, -1, NULL, err), -EINVAL);
	assert_contains(err, "tls_cert is set without tls_key");
	assert_int_equal(configure(cert, other_key, NULL, -1, NULL, err), -EINVAL);
	assert_contains(err, "is not the key of tls_cert");
	assert_int_equal(configure(key, key, NULL, -1, NULL, err), -EINVAL);
	assert_contains(err, "not a usable PEM certificate");
	assert_int_equal(configure(NULL, NULL, NULL, -1, "1.1", err), -EINVAL);
	assert_contains(err, "settings.sip.tls_min_version = \"1.1\": write \"1.2\" or \"1.3\"");
	assert_int_equal(configure(NULL, NULL, dir, -1, NULL, err), 0); /* a CA directory is fine */

	/* A good context stays in force when the next settings are refused. */
	assert_int_equal(configure(cert, key, NULL, -1, NULL, err), 0);
	assert_true(sip_tls_can_serve());
	struct sip_tls_settings s = {.verify_peer = -1, .need_cert = true};
	assert_int_equal(sip_tls_configure(&s, err, sizeof(err)), -EINVAL);
	assert_contains(err, "a TLS listener is open and needs it");
	assert_true(sip_tls_can_serve());
	char sum[600];
	assert_contains(sip_tls_summary(sum, sizeof(sum)), "servers we connect to NOT verified");
}

/* Two sessions on a non-blocking socketpair with small buffers. */
struct pair {
	int fd[2];
	struct sip_tls *client, *server;
};

static void pair_open(struct pair *p, const char *host)
{
	assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK, 0, p->fd), 0);
	int small = 4096;
	for (int i = 0; i < 2; i++) {
		setsockopt(p->fd[i], SOL_SOCKET, SO_SNDBUF, &small, sizeof(small));
		setsockopt(p->fd[i], SOL_SOCKET, SO_RCVBUF, &small, sizeof(small));
	}
	p->client = sip_tls_new(p->fd[0], true, host);
	p->server = sip_tls_new(p->fd[1], false, NULL);
	assert_non_null(p->client);
	assert_non_null(p->server);
}

static void pair_close(struct pair *p)
{
	sip_tls_free(p->client);
	sip_tls_free(p->server);
	close(p->fd[0]);
	close(p->fd[1]);
}

/* Alternates the two handshakes until both finish or one fails. */
static int pair_handshake(struct pair *p)
{
	for (int turn = 0; turn < 100; turn++) {
		int c = sip_tls_handshake(p->client), s = sip_tls_handshake(p->server);
		if (c == 0 && s == 0)
			return 0;
		if ((c && c != -EAGAIN) || (s && s != -EAGAIN))
			return c && c != -EAGAIN ? c : s;
		/* Waiting, each side asks for something to wait for. */
		assert_true(c == 0 || (sip_tls_events(p->client, false) & (SG_IO_READ | SG_IO_WRITE)));
		assert_true(s == 0 || (sip_tls_events(p->server, false) & (SG_IO_READ | SG_IO_WRITE)));
	}
	return -ETIMEDOUT;
}

static void test_handshake_and_large_write(void **state)
{
	(void)state;
	char err[512];
	assert_int_equal(configure(cert, key, cert, -1, "1.2", err), 0);
	struct pair p;
	pair_open(&p, "127.0.0.1");
	char d[96];
	assert_string_equal(sip_tls_describe(p.client, d, sizeof(d)), "handshaking");
	assert_int_equal(pair_handshake(&p), 0);
	assert_true(sip_tls_established(p.client));
	assert_contains(sip_tls_describe(p.server, d, sizeof(d)), "TLSv1.3 TLS_");

	/* 200 KB through 4 KB socket buffers: writes block and take part of what is
	 * offered; the writer then waits for writability, with the queue growing
	 * between tries as transport.c's does. */
	size_t total = 200000, sent = 0, got = 0;
	char *out = malloc(total), *in = malloc(total);
	assert_non_null(out);
	assert_non_null(in);
	for (size_t i = 0; i < total; i++)
		out[i] = (char)(i * 7 + i / 251);
	bool blocked = false;
	size_t offered = 1000;
	for (int turn = 0; turn < 10000 && got < total; turn++) {
		/* Write until the socket is full, then read what arrived. */
		while (sent < total) {
			offered += 3000;
			size_t len = (offered < total ? offered : total) - sent;
			ssize_t n = sip_tls_write(p.client, out + sent, len);
			if (n == -EAGAIN) {
				blocked = true;
				assert_true(sip_tls_events(p.client, true) & SG_IO_WRITE);
				break;
			}
			assert_true(n > 0 && (size_t)n <= len);
			sent += (size_t)n;
		}
		for (;;) {
			ssize_t n = sip_tls_read(p.server, in + got, total - got);
			if (n == -EAGAIN)
				break;
			assert_true(n > 0);
			got += (size_t)n;
		}
	}
	assert_true(blocked);
	assert_int_equal(got, total);
	assert_memory_equal(in, out, total);
	free(out);
	free(in);

	/* A record read in part leaves the rest decrypted, where no socket readiness
	 * would tell of it. */
	assert_int_equal(sip_tls_write(p.client, "0123456789abcdefghij", 20), 20);
	char part[5];
	assert_int_equal(sip_tls_read(p.server, part, sizeof(part)), 5);
	assert_int_equal(sip_tls_pending(p.server), 15);

	/* close_notify: the reader sees an orderly end. */
	sip_tls_free(p.client);
	p.client = NULL;
	char buf[16];
	assert_int_equal(sip_tls_read(p.server, buf, sizeof(buf)), 15);
	assert_int_equal(sip_tls_read(p.server, buf, sizeof(buf)), 0);
	pair_close(&p);
}

static void test_peer_verification(void **state)
{
	(void)state;
	char err[512];
	/* Our own self-signed certificate is the trusted CA: 127.0.0.1 passes ... */
	assert_int_equal(configure(cert, key, cert, -1, NULL, err), 0);
	struct pair p;
	pair_open(&p, "127.0.0.1");
	assert_int_equal(pair_handshake(&p), 0);
	pair_close(&p);
	/* ... another address does not, and says why. */
	pair_open(&p, "192.0.2.7");
	assert_int_equal(pair_handshake(&p), -EPROTO);
	assert_contains(sip_tls_error(p.client), "certificate verify failed: IP address mismatch");
	pair_close(&p);
	/* A name gets SNI and a name check. */
	pair_open(&p, "pbx.example.com");
	assert_int_equal(pair_handshake(&p), -EPROTO);
	assert_contains(sip_tls_error(p.client), "certificate verify failed: hostname mismatch");
	pair_close(&p);
	/* Without verification, anything goes (encrypted, not authenticated). */
	assert_int_equal(configure(cert, key, cert, 0, NULL, err), 0);
	pair_open(&p, "192.0.2.7");
	assert_int_equal(pair_handshake(&p), 0);
	pair_close(&p);
	/* TLS 1.3 only: still a handshake between two of ours. */
	assert_int_equal(configure(cert, key, NULL, -1, "1.3", err), 0);
	pair_open(&p, "127.0.0.1");
	assert_int_equal(pair_handshake(&p), 0);
	pair_close(&p);
}

static void test_server_needs_certificate(void **state)
{
	(void)state;
	char err[512];
	assert_int_equal(configure(NULL, NULL, NULL, -1, NULL, err), 0);
	assert_false(sip_tls_can_serve());
	int fd[2];
	assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK, 0, fd), 0);
	assert_null(sip_tls_new(fd[1], false, NULL));
	struct sip_tls *c = sip_tls_new(fd[0], true, "127.0.0.1");
	assert_non_null(c);
	/* The peer speaks no TLS: the handshake fails, the session says how. */
	assert_int_equal(sip_tls_handshake(c), -EAGAIN);
	char junk[] = "OPTIONS sip:x SIP/2.0\r\n\r\n";
	char hello[4096];
	assert_true(read(fd[1], hello, sizeof(hello)) > 0);
	assert_int_equal(write(fd[1], junk, sizeof(junk) - 1), (ssize_t)sizeof(junk) - 1);
	assert_int_equal(sip_tls_handshake(c), -EPROTO);
	assert_true(sip_tls_error(c)[0] != '\0');
	sip_tls_free(c);
	close(fd[0]);
	close(fd[1]);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_settings_refused),
		cmocka_unit_test(test_handshake_and_large_write),
		cmocka_unit_test(test_peer_verification),
		cmocka_unit_test(test_server_needs_certificate),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
