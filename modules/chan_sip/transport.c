/* transport.c: SIP over UDP, TCP and TLS: listeners, stream framing, connections
 * (TLS records are tls.c's: connections call it where they read and write). */
#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <strowger/cli.h>
#include <strowger/log.h>
#include <strowger/loop.h>

#include "tls.h"
#include "transport.h"
#include "udp_batch.h"

#define TAG "sip"
#define MAX_LISTENERS 16
#define MAX_CONNS 1024
#define MAX_HEADER_BYTES SIP_MAX_HEADER_BYTES
#define MAX_BODY_BYTES (1u << 20)
#define CONN_IDLE_MS (180 * 1000)
#define UDP_MAX 65535
#define UDP_BATCH 16
#define UDP_ROUNDS 4

struct sip_listener {
	enum sip_proto proto;
	struct sip_sockaddr addr;
	int fd;
	struct sg_io *io;
	char spec[96];
	uint32_t rx_dropped; /* UDP: the kernel's count of datagrams dropped (SO_RXQ_OVFL) */
};

struct sip_conn {
	enum sip_proto proto;
	int fd;
	struct sg_io *io;
	struct sip_tls *tls; /* TLS: the session the bytes go through; NULL for TCP */
	struct sip_listener *listener;
	struct sip_sockaddr peer;
	char *in;
	size_t in_len, in_cap;
	char *out;
	size_t out_len;
	uint64_t last_ms;
	bool closing;
	/* Outbound sending (sip_transport_send) */
	uint64_t id;		      /* reported with a failure; never 0 */
	bool outbound;		      /* we opened it */
	bool connecting;	      /* connect() in progress: out waits */
	int err;		      /* why a send failed: reported on close */
	/* Connect and TLS handshake deadline: a connection not ready by then goes. */
	struct sg_timer *setup_timer;
	struct sg_timer *msg_timer;   /* runs while a message is incomplete, or draining */
	bool draining;		      /* a message was refused: input is dropped until close */
};

static struct sg_module *self;
static sip_rx_fn *rx_fn;
static void *rx_arg;
static struct sip_listener listeners[MAX_LISTENERS];
static size_t nlisteners;
static struct sip_conn *conns[MAX_CONNS];
static size_t nconns;
static struct sg_timer *idle_timer;
/* Datagrams of one recvmmsg batch; pages never written to cost no memory. */
static char udp_bufs[UDP_BATCH][UDP_MAX + 1];
/* The message being delivered: one at a time on the main loop, too big for the stack. */
static struct sip_msg rx_msg;
static uint64_t next_conn_id = 1;
static sip_tx_error_fn *tx_error_fn;
static unsigned message_timeout_ms = SIP_MESSAGE_TIMEOUT_MS;
static struct sip_transport_stats stats;
/* How long the datagram being delivered waited in the socket buffer (0 for streams). */
static unsigned cur_waited_ms;

const char *sip_proto_name(enum sip_proto p)
{
	return p == SIP_PROTO_UDP ? "UDP" : p == SIP_PROTO_TCP ? "TCP" : "TLS";
}

/* The address alone, "127.0.0.1" / "::1" ("?" if neither family); returns buf. */
static char *host_str(const struct sip_sockaddr *a, char *buf, size_t len)
{
	const struct sockaddr_in *in = (const void *)&a->ss;
	const struct sockaddr_in6 *in6 = (const void *)&a->ss;
	int fam = a->ss.ss_family;
	const void *addr = fam == AF_INET ? (const void *)&in->sin_addr : (const void *)&in6->sin6_addr;
	if ((fam != AF_INET && fam != AF_INET6) || !inet_ntop(fam, addr, buf, (socklen_t)len))
		snprintf(buf, len, "?");
	return buf;
}

char *sip_sockaddr_str(const struct sip_sockaddr *a, char *buf, size_t len)
{
	const struct sockaddr_in *in = (const void *)&a->ss;
	const struct sockaddr_in6 *in6 = (const void *)&a->ss;
	/* IPv4 by hand: every Via and Contact the PBX writes goes through here. */
	if (a->ss.ss_family == AF_INET && len >= sizeof("255.255.255.255:65535")) {
		const unsigned char *b = (const unsigned char *)&in->sin_addr;
		char *p = buf;
		for (int i = 0; i < 4; i++) {
			p = sip_put_dec(p, b[i]);
			*p++ = i < 3 ? '.' : ':';
		}
		*sip_put_dec(p, ntohs(in->sin_port)) = '\0';
		return buf;
	}
	char host[INET6_ADDRSTRLEN];
	host_str(a, host, sizeof(host));
	if (a->ss.ss_family == AF_INET)
		snprintf(buf, len, "%s:%u", host, ntohs(in->sin_port));
	else if (a->ss.ss_family == AF_INET6)
		snprintf(buf, len, "[%s]:%u", host, ntohs(in6->sin6_port));
	else
		snprintf(buf, len, "?");
	return buf;
}

int sip_sockaddr_parse(const char *text, unsigned def_port, struct sip_sockaddr *out)
{
	char host[INET6_ADDRSTRLEN + 2];
	const char *port_s = NULL;
	memset(out, 0, sizeof(*out));
	if (text[0] == '[') {
		const char *close = strchr(text, ']');
		if (!close || (size_t)(close - text - 1) >= sizeof(host))
			return -EINVAL;
		memcpy(host, text + 1, (size_t)(close - text - 1));
		host[close - text - 1] = '\0';
		if (close[1] == ':')
			port_s = close + 2;
		else if (close[1])
			return -EINVAL;
	} else {
		const char *colon = strrchr(text, ':');
		size_t hl = colon ? (size_t)(colon - text) : strlen(text);
		if (hl >= sizeof(host) || (colon && strchr(text, ':') != colon))
			return -EINVAL;
		memcpy(host, text, hl);
		host[hl] = '\0';
		port_s = colon ? colon + 1 : NULL;
	}
	unsigned long port = def_port;
	if (port_s) {
		char *end;
		port = strtoul(port_s, &end, 10);
		if (!*port_s || *end || port == 0 || port > 65535)
			return -EINVAL;
	}
	struct sockaddr_in *in = (void *)&out->ss;
	struct sockaddr_in6 *in6 = (void *)&out->ss;
	if (inet_pton(AF_INET, host, &in->sin_addr) == 1) {
		in->sin_family = AF_INET;
		in->sin_port = htons((uint16_t)port);
		out->len = sizeof(*in);
	} else if (inet_pton(AF_INET6, host, &in6->sin6_addr) == 1) {
		in6->sin6_family = AF_INET6;
		in6->sin6_port = htons((uint16_t)port);
		out->len = sizeof(*in6);
	} else {
		/* Listening needs an address: names would need a resolver, and
		 * resolving must not block the loop. */
		return -EINVAL;
	}
	return 0;
}

const struct sip_sockaddr *sip_listener_addr(const struct sip_listener *l) { return &l->addr; }
enum sip_proto sip_listener_proto(const struct sip_listener *l) { return l->proto; }

static void deliver(enum sip_proto proto, struct sip_listener *l, struct sip_conn *c,
		    const struct sip_sockaddr *src, const char *data, size_t len, int parse_rc, bool too_large)
{
	struct sip_rx rx = {.proto = proto, .src = *src, .listener = l, .conn = c, .conn_id = c ? c->id : 0,
			    .data = data, .len = len, .msg = &rx_msg, .parse_rc = parse_rc, .too_large = too_large,
			    .waited_ms = c ? 0 : cur_waited_ms};
	rx_fn(&rx, rx_arg);
}

/* Whether the message at p (n bytes so far, leading CRLFs allowed) has more than
 * MAX_HEADER_BYTES before the empty line that ends its headers (a bare LF ends
 * lines too, as the parser allows). */
static bool headers_too_long(const char *p, size_t n)
{
	while (n && (*p == '\r' || *p == '\n')) {
		p++;
		n--;
	}
	if (n <= MAX_HEADER_BYTES)
		return false;
	const char *end = p + MAX_HEADER_BYTES;
	for (const char *q = p; (q = memchr(q, '\n', (size_t)(end - q))); q++) {
		size_t rest = n - (size_t)(q - p) - 1; /* after the LF: at least 1, as n > the limit */
		if (q[1] == '\n' || (q[1] == '\r' && rest > 1 && q[2] == '\n'))
			return false;
	}
	return true;
}

/* Hands over a message whose headers are too long, parsed as far as the whole
 * lines within the limit go and marked too_large: a request can still be
 * refused (513) with its Via, From, To, Call-ID and CSeq, if they come first. */
static void deliver_too_large(enum sip_proto proto, struct sip_listener *l, struct sip_conn *c,
			      const struct sip_sockaddr *src, const char *data)
{
	const char *lf = memrchr(data, '\n', MAX_HEADER_BYTES);
	size_t len = lf ? (size_t)(lf - data) + 1 : MAX_HEADER_BYTES;
	stats.too_large++;
	deliver(proto, l, c, src, data, len, sip_msg_parse(&rx_msg, data, len, SIP_DATAGRAM), true);
}

/* Milliseconds between the kernel's receive time of the datagram and now; on the
 * way, the socket's count of datagrams dropped for a full buffer (SO_RXQ_OVFL,
 * present once the socket has dropped any) goes into l->rx_dropped. */
static unsigned waited_ms(struct sip_listener *l, struct msghdr *h, const struct timespec *now)
{
	unsigned ms_out = 0;
	for (struct cmsghdr *c = CMSG_FIRSTHDR(h); c; c = CMSG_NXTHDR(h, c)) {
		if (c->cmsg_level != SOL_SOCKET)
			continue;
		if (c->cmsg_type == SO_RXQ_OVFL) {
			uint32_t dropped;
			memcpy(&dropped, CMSG_DATA(c), sizeof(dropped));
			l->rx_dropped = dropped;
			continue;
		}
		if (c->cmsg_type != SCM_TIMESTAMPNS)
			continue;
		struct timespec ts;
		memcpy(&ts, CMSG_DATA(c), sizeof(ts));
		long long ms = (long long)(now->tv_sec - ts.tv_sec) * 1000 + (now->tv_nsec - ts.tv_nsec) / 1000000;
		ms_out = ms > 0 ? (unsigned)(ms < 3600000 ? ms : 3600000) : 0;
	}
	return ms_out;
}

unsigned sip_transport_take_max_wait(void)
{
	unsigned ms = stats.max_waited_ms;
	stats.max_waited_ms = 0;
	return ms;
}

static void on_udp(struct sg_io *io, int fd, unsigned events, void *arg)
{
	(void)io;
	(void)events;
	struct sip_listener *l = arg;
	struct mmsghdr mm[UDP_BATCH];
	struct iovec iov[UDP_BATCH];
	struct sip_sockaddr src[UDP_BATCH];
	/* The kernel's receive time of each datagram (SO_TIMESTAMPNS): how far the
	 * loop is behind, for the overload check (sip_rx.waited_ms). */
	static char ctl[UDP_BATCH][CMSG_SPACE(sizeof(struct timespec)) + CMSG_SPACE(sizeof(uint32_t))];
	/* recvmmsg takes what is queued in one system call, and a short batch means the
	 * socket is drained, so no call ends in EAGAIN. A bounded number of batches per
	 * wake-up keeps one busy socket from starving the loop. */
	sip_udp_batch_begin();
	for (int round = 0; round < UDP_ROUNDS; round++) {
		for (int i = 0; i < UDP_BATCH; i++) {
			iov[i] = (struct iovec){udp_bufs[i], UDP_MAX};
			mm[i] = (struct mmsghdr){.msg_hdr = {.msg_name = &src[i].ss, .msg_namelen = sizeof(src[i].ss),
							     .msg_iov = &iov[i], .msg_iovlen = 1,
							     .msg_control = ctl[i], .msg_controllen = sizeof(ctl[i])}};
		}
		int got = recvmmsg(fd, mm, UDP_BATCH, MSG_DONTWAIT, NULL);
		if (got <= 0)
			break;
		struct timespec now;
		clock_gettime(CLOCK_REALTIME, &now);
		for (int i = 0; i < got; i++) {
			char *buf = udp_bufs[i];
			size_t n = mm[i].msg_len;
			buf[n] = '\0';
			src[i].len = mm[i].msg_hdr.msg_namelen;
			cur_waited_ms = waited_ms(l, &mm[i].msg_hdr, &now);
			if (cur_waited_ms > stats.max_waited_ms)
				stats.max_waited_ms = cur_waited_ms;
			/* Keep-alive pings (RFC 5626 CRLF) carry no message. */
			if (n <= 4 && strspn(buf, "\r\n") >= n)
				continue;
			if (headers_too_long(buf, n)) {
				deliver_too_large(SIP_PROTO_UDP, l, NULL, &src[i], buf);
				continue;
			}
			int rc = sip_msg_parse(&rx_msg, buf, n, SIP_DATAGRAM);
			if (rc == SIP_EKEEPALIVE)
				continue;
			deliver(SIP_PROTO_UDP, l, NULL, &src[i], buf, n, rc, false);
		}
		if (got < UDP_BATCH)
			break;
	}
	cur_waited_ms = 0;
	sip_udp_batch_end();
}

/* Frees a connection. err (or the send error it met, or ECONNRESET when bytes
 * were still queued) says that outbound messages were lost: the error handler
 * hears of it once the connection is gone, so it may send again at once. */
static void conn_close(struct sip_conn *c, int err)
{
	uint64_t id = c->id;
	if (!err)
		err = c->err;
	if (!err && (c->out_len || c->connecting))
		err = ECONNRESET;
	for (size_t i = 0; i < nconns; i++)
		if (conns[i] == c) {
			conns[i] = conns[--nconns];
			break;
		}
	if (err && c->outbound) {
		char a[64];
		SG_DEBUG(TAG, "%s connection to %s failed: %s", sip_proto_name(c->proto),
			 sip_sockaddr_str(&c->peer, a, sizeof(a)), strerror(err));
	}
	sg_timer_free(c->setup_timer);
	sg_timer_free(c->msg_timer);
	sg_io_free(c->io);
	sip_tls_free(c->tls); /* close_notify first, while the socket is open */
	close(c->fd);
	free(c->in);
	free(c->out);
	free(c);
	if (err && tx_error_fn)
		tx_error_fn(id, err);
}

/* The stream's bytes in and out: the socket's for TCP, through the session for
 * TLS. Bytes moved, 0 at the peer's end (recv), -EAGAIN, or -errno. */
static ssize_t conn_send(struct sip_conn *c, const char *buf, size_t len)
{
	if (c->tls)
		return sip_tls_write(c->tls, buf, len);
	ssize_t n = send(c->fd, buf, len, MSG_NOSIGNAL | MSG_DONTWAIT);
	return n >= 0 ? n : errno == EAGAIN || errno == EINTR ? -EAGAIN : -errno;
}

static ssize_t conn_recv(struct sip_conn *c, char *buf, size_t len)
{
	if (c->tls)
		return sip_tls_read(c->tls, buf, len);
	ssize_t n = recv(c->fd, buf, len, MSG_DONTWAIT);
	return n >= 0 ? n : errno == EAGAIN || errno == EINTR ? -EAGAIN : -errno;
}

/* Waits for what the connection needs next: the connect to finish (writable),
 * what TLS asks for, or input and room for queued output. */
static void conn_watch(struct sip_conn *c)
{
	unsigned ev;
	if (c->connecting)
		ev = SG_IO_WRITE;
	else if (c->tls)
		ev = sip_tls_events(c->tls, c->out_len > 0);
	else
		ev = SG_IO_READ | (c->out_len ? SG_IO_WRITE : 0);
	sg_io_set_events(c->io, ev);
}

static void conn_flush(struct sip_conn *c)
{
	/* Queued bytes wait for the connect and, over TLS, the handshake. */
	bool ready = !c->connecting && (!c->tls || sip_tls_established(c->tls));
	while (ready && c->out_len) {
		ssize_t n = conn_send(c, c->out, c->out_len);
		if (n == -EAGAIN)
			break;
		if (n <= 0) {
			c->err = n < 0 ? (int)-n : EPIPE;
			c->closing = true;
			c->out_len = 0;
			break;
		}
		memmove(c->out, c->out + n, c->out_len - (size_t)n);
		c->out_len -= (size_t)n;
	}
	conn_watch(c);
}

static int conn_queue(struct sip_conn *c, const char *buf, size_t len)
{
	if (c->out_len + len > 4 * MAX_BODY_BYTES)
		return -ENOBUFS; /* a peer that reads nothing does not grow us forever */
	char *o = realloc(c->out, c->out_len + len);
	if (!o)
		return -ENOMEM;
	memcpy(o + c->out_len, buf, len);
	c->out = o;
	c->out_len += len;
	conn_flush(c);
	return 0;
}

static void on_msg_timeout(struct sg_timer *t, void *arg)
{
	(void)t;
	struct sip_conn *c = arg;
	char a[64];
	sip_sockaddr_str(&c->peer, a, sizeof(a));
	if (c->draining) {
		SG_DEBUG(TAG, "%s connection with %s closed after a refusal", sip_proto_name(c->proto), a);
	} else {
		SG_NOTICE(TAG, "%s peer %s left a message unfinished for %u ms (%zu bytes); closing",
			  sip_proto_name(c->proto), a, message_timeout_ms, c->in_len);
		stats.stalled++;
	}
	conn_close(c, 0);
}

static bool msg_timer_restart(struct sip_conn *c)
{
	if (c->msg_timer)
		sg_timer_restart(c->msg_timer, message_timeout_ms);
	else
		c->msg_timer = sg_timer_start(sg_loop_main(), self, message_timeout_ms, 0, on_msg_timeout, c);
	return c->msg_timer != NULL;
}

/*
 * After a refusal the stream cannot be trusted: what the peer still sends is read
 * and dropped, our answer goes out followed by our FIN, and the connection closes
 * when the peer closes it or the message timeout ends. Closing at once would
 * answer the peer's unread bytes with a RST, which can destroy our answer before
 * the peer reads it. False when the connection must close now.
 */
static bool conn_drain(struct sip_conn *c)
{
	c->draining = true;
	c->in_len = 0;
	if (!c->out_len) {
		/* Over TLS our end is a close_notify: a bare FIN would read as truncation. */
		if (c->tls)
			sip_tls_close_notify(c->tls);
		shutdown(c->fd, SHUT_WR);
	}
	return msg_timer_restart(c) && !c->closing;
}

/* A message must arrive whole within message_timeout_ms of its first bytes: a
 * peer that sends part of one and stalls, or trickles it in, must not hold a
 * connection and its buffer until the idle sweep. The deadline starts with the
 * first bytes of a message (new_message: the one before it just completed). */
static void conn_deadline(struct sip_conn *c, bool new_message)
{
	if (!c->in_len)
		c->msg_timer = sg_timer_free(c->msg_timer);
	else if (new_message || !c->msg_timer)
		msg_timer_restart(c);
}

/* Splits the stream into messages with the parser's stream framing (RFC 3261
 * §18.3: Content-Length) and hands each over parsed; false when the connection
 * must close. */
static bool conn_frame(struct sip_conn *c)
{
	if (c->draining) {
		c->in_len = 0;
		return true;
	}
	size_t off = 0;
	while (off < c->in_len && !c->closing) {
		const char *start = c->in + off;
		size_t avail = c->in_len - off;
		/* Checked before parsing: headers that arrive whole in one read are
		 * too long all the same. */
		if (headers_too_long(start, avail)) {
			deliver_too_large(c->proto, c->listener, c, &c->peer, start);
			return conn_drain(c); /* where the message ends is anyone's guess */
		}
		int rc = sip_msg_parse(&rx_msg, start, avail, SIP_STREAM);
		if (rc == SIP_ENEED) {
			/* A peer that never finishes a message must not grow us forever. */
			if (avail > MAX_HEADER_BYTES + MAX_BODY_BYTES) {
				SG_WARNING(TAG, "%s peer sent an endless message (%zu bytes); closing",
					   sip_proto_name(c->proto), avail);
				stats.too_large++;
				return conn_drain(c);
			}
			break;
		}
		if (rc == SIP_EKEEPALIVE) {
			/* RFC 5626 §4.4.1: a double-CRLF ping gets a CRLF pong. */
			if (rx_msg.used >= 4)
				conn_queue(c, "\r\n", 2);
			off += rx_msg.used;
			continue;
		}
		size_t used = rc == 0 ? rx_msg.used : avail;
		deliver(c->proto, c->listener, c, &c->peer, start, used, rc, false);
		if (rc != 0) {
			stats.unframed++;
			return conn_drain(c); /* after a framing error the stream cannot be trusted */
		}
		off += used;
	}
	memmove(c->in, c->in + off, c->in_len - off);
	c->in_len -= off;
	conn_deadline(c, off > 0);
	return !c->closing;
}

/* An outbound connect finished (the socket became writable): did it work? */
static bool conn_connected(struct sip_conn *c)
{
	int soerr = 0;
	socklen_t sl = sizeof(soerr);
	if (getsockopt(c->fd, SOL_SOCKET, SO_ERROR, &soerr, &sl) != 0)
		soerr = errno;
	if (soerr) {
		conn_close(c, soerr);
		return false;
	}
	c->connecting = false;
	if (!c->tls) /* else the deadline holds on through the handshake */
		c->setup_timer = sg_timer_free(c->setup_timer);
	c->last_ms = sg_loop_now_ms(sg_loop_main());
	return true;
}

/* Drives a TLS handshake; true once it is done, false while it is not or when
 * it failed (the connection is then gone). */
static bool conn_handshake(struct sip_conn *c)
{
	char a[64], d[96];
	int rc = sip_tls_handshake(c->tls);
	if (rc == -EAGAIN) {
		conn_watch(c);
		return false;
	}
	sip_sockaddr_str(&c->peer, a, sizeof(a));
	if (rc) {
		/* A server we call that fails is the admin's business; a stranger's
		 * failed attempt at our port is not worth more than info. */
		if (c->outbound)
			SG_NOTICE(TAG, "TLS handshake with %s failed: %s", a, sip_tls_error(c->tls));
		else
			SG_INFO(TAG, "TLS handshake from %s failed: %s", a, sip_tls_error(c->tls));
		conn_close(c, -rc);
		return false;
	}
	c->setup_timer = sg_timer_free(c->setup_timer);
	c->last_ms = sg_loop_now_ms(sg_loop_main());
	SG_DEBUG(TAG, "TLS %s %s: %s", c->outbound ? "to" : "from", a, sip_tls_describe(c->tls, d, sizeof(d)));
	return true;
}

/* Reads what arrived and frames it; false when the connection is gone. */
static bool conn_read(struct sip_conn *c)
{
	do {
		if (c->in_cap - c->in_len < 4096) {
			size_t cap = c->in_cap ? c->in_cap * 2 : 8192;
			char *in = realloc(c->in, cap + 1);
			if (!in) {
				conn_close(c, ENOMEM);
				return false;
			}
			c->in = in;
			c->in_cap = cap;
		}
		ssize_t n = conn_recv(c, c->in + c->in_len, c->in_cap - c->in_len);
		if (n == -EAGAIN)
			return true;
		if (n <= 0) {
			if (n == -EPROTO) {
				char a[64];
				SG_INFO(TAG, "TLS connection with %s failed: %s", sip_sockaddr_str(&c->peer, a, sizeof(a)),
					sip_tls_error(c->tls));
			}
			conn_close(c, n < 0 ? (int)-n : 0);
			return false;
		}
		c->in_len += (size_t)n;
		c->last_ms = sg_loop_now_ms(sg_loop_main());
		if (!conn_frame(c)) {
			conn_close(c, 0);
			return false;
		}
		/* TLS may hold decrypted bytes that the socket will not signal again. */
	} while (c->tls && sip_tls_pending(c->tls));
	return true;
}

static void on_conn(struct sg_io *io, int fd, unsigned events, void *arg)
{
	(void)io;
	(void)fd;
	struct sip_conn *c = arg;
	if (c->connecting) {
		if (!(events & SG_IO_WRITE) || !conn_connected(c))
			return;
		events = SG_IO_WRITE;
	}
	if (c->tls && !sip_tls_established(c->tls) && !conn_handshake(c))
		return;
	/* TLS reads on any readiness: a read may have been waiting to write. */
	if (((events & SG_IO_READ) || c->tls) && !conn_read(c))
		return;
	conn_flush(c);
	if (c->closing && !c->out_len)
		conn_close(c, 0);
}

static void on_setup_timeout(struct sg_timer *t, void *arg)
{
	(void)t;
	struct sip_conn *c = arg;
	if (c->tls && !c->connecting) {
		char a[64];
		SG_INFO(TAG, "TLS handshake %s %s timed out; closing", c->outbound ? "with" : "from",
			sip_sockaddr_str(&c->peer, a, sizeof(a)));
	}
	conn_close(c, ETIMEDOUT);
}

/*
 * A new connection entry around fd: accepted, or ours (outbound), then maybe
 * still connecting. Over TLS it gets its session (a client one verifying the
 * peer's address when outbound) and a deadline for the handshake; outbound, one
 * deadline covers the connect and the handshake.
 */
static struct sip_conn *conn_new(enum sip_proto proto, int fd, struct sip_listener *l,
				 const struct sip_sockaddr *peer, bool outbound, bool connecting)
{
	struct sip_conn *c = calloc(1, sizeof(*c));
	if (!c)
		return NULL;
	*c = (struct sip_conn){.proto = proto, .fd = fd, .listener = l, .peer = *peer,
			       .last_ms = sg_loop_now_ms(sg_loop_main()), .id = next_conn_id++,
			       .outbound = outbound, .connecting = connecting};
	char host[INET6_ADDRSTRLEN];
	if (proto == SIP_PROTO_TLS && !(c->tls = sip_tls_new(fd, outbound, host_str(peer, host, sizeof(host)))))
		goto fail;
	if ((connecting || c->tls) &&
	    !(c->setup_timer = sg_timer_start(sg_loop_main(), self, outbound ? SIP_CONNECT_TIMEOUT_MS
									    : sip_tls_handshake_ms(),
					      0, on_setup_timeout, c)))
		goto fail;
	c->io = sg_io_watch(sg_loop_main(), self, fd, SG_IO_READ, on_conn, c);
	if (!c->io)
		goto fail;
	conn_watch(c);
	conns[nconns++] = c;
	return c;
fail:
	sg_timer_free(c->setup_timer);
	sip_tls_free(c->tls);
	free(c);
	return NULL;
}

static void on_accept(struct sg_io *io, int fd, unsigned events, void *arg)
{
	(void)io;
	(void)events;
	struct sip_listener *l = arg;
	struct sip_sockaddr peer = {.len = sizeof(peer.ss)};
	int cfd = accept4(fd, (struct sockaddr *)&peer.ss, &peer.len, SOCK_NONBLOCK | SOCK_CLOEXEC);
	if (cfd < 0)
		return;
	if (nconns == MAX_CONNS) {
		SG_WARNING(TAG, "%d TCP and TLS connections open; refusing another", MAX_CONNS);
		close(cfd);
		return;
	}
	if (!conn_new(l->proto, cfd, l, &peer, false, false))
		close(cfd);
}

static void idle_sweep(struct sg_timer *t, void *arg)
{
	(void)t;
	(void)arg;
	uint64_t now = sg_loop_now_ms(sg_loop_main());
	for (size_t i = nconns; i-- > 0;)
		if (now - conns[i]->last_ms > CONN_IDLE_MS && !conns[i]->out_len && !conns[i]->connecting)
			conn_close(conns[i], 0);
}

int sip_transport_init(struct sg_module *owner, sip_rx_fn *fn, void *arg)
{
	self = owner;
	rx_fn = fn;
	rx_arg = arg;
	idle_timer = sg_timer_start(sg_loop_main(), owner, 30000, 30000, idle_sweep, NULL);
	return idle_timer ? 0 : -ENOMEM;
}

int sip_transport_listen(const char *spec, char *err, size_t errlen)
{
	enum sip_proto proto;
	const char *rest;
	if (!strncasecmp(spec, "udp:", 4)) {
		proto = SIP_PROTO_UDP;
	} else if (!strncasecmp(spec, "tcp:", 4)) {
		proto = SIP_PROTO_TCP;
	} else if (!strncasecmp(spec, "tls:", 4)) {
		proto = SIP_PROTO_TLS;
	} else {
		snprintf(err, errlen, "listen \"%s\": write udp:HOST:PORT, tcp:HOST:PORT or tls:HOST:PORT", spec);
		return -EINVAL;
	}
	rest = spec + 4;
	if (proto == SIP_PROTO_TLS && !sip_tls_can_serve()) {
		snprintf(err, errlen, "listen \"%s\": a TLS listener needs a certificate: set settings.sip.tls_cert "
			 "and tls_key (PEM files)", spec);
		return -EINVAL;
	}
	if (nlisteners == MAX_LISTENERS) {
		snprintf(err, errlen, "listen \"%s\": at most %d listeners", spec, MAX_LISTENERS);
		return -ENOSPC;
	}
	struct sip_listener *l = &listeners[nlisteners];
	*l = (struct sip_listener){.proto = proto, .fd = -1};
	snprintf(l->spec, sizeof(l->spec), "%s", spec);
	if (sip_sockaddr_parse(rest, proto == SIP_PROTO_TLS ? 5061 : 5060, &l->addr)) {
		snprintf(err, errlen, "listen \"%s\": not an IP address and port", spec);
		return -EINVAL;
	}
	int fam = l->addr.ss.ss_family;
	int fd = socket(fam, (proto == SIP_PROTO_UDP ? SOCK_DGRAM : SOCK_STREAM) | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	int one = 1;
	if (fd < 0)
		goto fail;
	if (proto != SIP_PROTO_UDP)
		setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	else
	{
		setsockopt(fd, SOL_SOCKET, SO_TIMESTAMPNS, &one, sizeof(one));
		setsockopt(fd, SOL_SOCKET, SO_RXQ_OVFL, &one, sizeof(one));
		/* Room for a burst (the kernel caps it at net.core.rmem_max/wmem_max): a
		 * datagram that waits is seen (waited_ms) and costs less than a dropped
		 * one, which the peer retransmits. */
		int bytes = 1 << 20;
		setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &bytes, sizeof(bytes));
		setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &bytes, sizeof(bytes));
	}
	if (fam == AF_INET6)
		setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof(one));
	if (bind(fd, (struct sockaddr *)&l->addr.ss, l->addr.len) != 0)
		goto fail;
	if (proto != SIP_PROTO_UDP && listen(fd, 128) != 0)
		goto fail;
	/* Port 0 means "any": read back the one the kernel chose (tests use it). */
	l->addr.len = sizeof(l->addr.ss);
	getsockname(fd, (struct sockaddr *)&l->addr.ss, &l->addr.len);
	l->fd = fd;
	l->io = sg_io_watch(sg_loop_main(), self, fd, SG_IO_READ, proto == SIP_PROTO_UDP ? on_udp : on_accept, l);
	if (!l->io) {
		errno = ENOMEM;
		goto fail;
	}
	nlisteners++;
	char a[64];
	SG_NOTICE(TAG, "listening on %s %s", sip_proto_name(proto), sip_sockaddr_str(&l->addr, a, sizeof(a)));
	return 0;
fail:;
	int e = errno;
	snprintf(err, errlen, "listen \"%s\": %s", spec, strerror(e));
	if (fd >= 0)
		close(fd);
	return -e;
}

int sip_transport_reply(const struct sip_rx *rx, const struct sip_sockaddr *dst, const char *buf, size_t len)
{
	if (rx->conn) {
		/* By id too: a freed connection's memory may hold a new one by now. */
		for (size_t i = 0; i < nconns; i++)
			if (conns[i] == rx->conn && conns[i]->id == rx->conn_id)
				return conn_queue(rx->conn, buf, len);
		return -ENOTCONN; /* the connection closed since: §18.2.2 would open a new one */
	}
	return sip_udp_send(rx->listener->fd, dst, buf, len);
}

void sip_transport_shutdown(void)
{
	tx_error_fn = NULL; /* nobody is left to tell */
	while (nconns)
		conn_close(conns[nconns - 1], 0);
	for (size_t i = 0; i < nlisteners; i++) {
		sg_io_free(listeners[i].io);
		close(listeners[i].fd);
	}
	nlisteners = 0;
	idle_timer = sg_timer_free(idle_timer);
}

void sip_transport_show(struct sg_cli *cli)
{
	char a[64], d[600];
	size_t ntls = 0;
	sg_cli_printf(cli, "%-6s %-28s\n", "Proto", "Listening on");
	for (size_t i = 0; i < nlisteners; i++)
		sg_cli_printf(cli, "%-6s %-28s\n", sip_proto_name(listeners[i].proto),
			      sip_sockaddr_str(&listeners[i].addr, a, sizeof(a)));
	for (size_t i = 0; i < nconns; i++)
		ntls += conns[i]->tls != NULL;
	sg_cli_printf(cli, "%zu TCP connection%s, %zu TLS connection%s\n", nconns - ntls,
		      nconns - ntls == 1 ? "" : "s", ntls, ntls == 1 ? "" : "s");
	for (size_t i = 0; i < nconns; i++) {
		const struct sip_conn *c = conns[i];
		if (c->tls)
			sip_tls_describe(c->tls, d, sizeof(d));
		sg_cli_printf(cli, "  %s %s %s%s%s%s (%zu bytes queued)\n", sip_proto_name(c->proto),
			      c->outbound ? "to" : "from", sip_sockaddr_str(&c->peer, a, sizeof(a)),
			      c->connecting ? ", connecting" : "", c->tls && !c->connecting ? ", " : "",
			      c->tls && !c->connecting ? d : "", c->out_len);
	}
	sg_cli_printf(cli, "%s\n", sip_tls_summary(d, sizeof(d)));
}

/* --- outbound sending (RFC 3261 §18.1.1) --- */

void sip_transport_set_error_fn(sip_tx_error_fn *fn) { tx_error_fn = fn; }

bool sip_sockaddr_same_host(const struct sip_sockaddr *a, const struct sip_sockaddr *b)
{
	if (a->ss.ss_family != b->ss.ss_family)
		return false;
	if (a->ss.ss_family == AF_INET)
		return ((const struct sockaddr_in *)(const void *)&a->ss)->sin_addr.s_addr ==
		       ((const struct sockaddr_in *)(const void *)&b->ss)->sin_addr.s_addr;
	return a->ss.ss_family == AF_INET6 &&
	       !memcmp(&((const struct sockaddr_in6 *)(const void *)&a->ss)->sin6_addr,
		       &((const struct sockaddr_in6 *)(const void *)&b->ss)->sin6_addr, sizeof(struct in6_addr));
}

bool sip_sockaddr_eq(const struct sip_sockaddr *a, const struct sip_sockaddr *b)
{
	if (a->ss.ss_family != b->ss.ss_family)
		return false;
	if (a->ss.ss_family == AF_INET) {
		const struct sockaddr_in *x = (const void *)&a->ss, *y = (const void *)&b->ss;
		return x->sin_port == y->sin_port && x->sin_addr.s_addr == y->sin_addr.s_addr;
	}
	if (a->ss.ss_family == AF_INET6) {
		const struct sockaddr_in6 *x = (const void *)&a->ss, *y = (const void *)&b->ss;
		return x->sin6_port == y->sin6_port &&
		       !memcmp(&x->sin6_addr, &y->sin6_addr, sizeof(x->sin6_addr));
	}
	return false;
}

static bool is_loopback(const struct sip_sockaddr *a)
{
	if (a->ss.ss_family == AF_INET)
		return (ntohl(((const struct sockaddr_in *)(const void *)&a->ss)->sin_addr.s_addr) >> 24) == 127;
	return a->ss.ss_family == AF_INET6 &&
	       IN6_IS_ADDR_LOOPBACK(&((const struct sockaddr_in6 *)(const void *)&a->ss)->sin6_addr);
}

static bool is_wildcard(const struct sip_sockaddr *a)
{
	if (a->ss.ss_family == AF_INET)
		return ((const struct sockaddr_in *)(const void *)&a->ss)->sin_addr.s_addr == htonl(INADDR_ANY);
	return a->ss.ss_family == AF_INET6 &&
	       IN6_IS_ADDR_UNSPECIFIED(&((const struct sockaddr_in6 *)(const void *)&a->ss)->sin6_addr);
}

/* The listener to send from: dst's family; one bound to the same kind of address
 * (loopback or not) first, then a wildcard one, then any. */
static struct sip_listener *pick_listener(enum sip_proto proto, const struct sip_sockaddr *dst)
{
	struct sip_listener *best = NULL;
	int best_score = 0;
	for (size_t i = 0; i < nlisteners; i++) {
		struct sip_listener *l = &listeners[i];
		if (l->proto != proto || l->addr.ss.ss_family != dst->ss.ss_family)
			continue;
		int score = is_wildcard(&l->addr) ? 2 : is_loopback(&l->addr) == is_loopback(dst) ? 3 : 1;
		if (score > best_score) {
			best = l;
			best_score = score;
		}
	}
	return best;
}

static uint16_t *port_of(struct sip_sockaddr *a)
{
	return a->ss.ss_family == AF_INET ? &((struct sockaddr_in *)(void *)&a->ss)->sin_port
					  : &((struct sockaddr_in6 *)(void *)&a->ss)->sin6_port;
}

/*
 * The source address the kernel routes to a destination from, for listeners on a
 * wildcard address. Finding it costs four system calls (a UDP socket connected and
 * asked its name), and every request the PBX sends needs it for its Via and
 * Contact, so answers are kept for a while per destination address (ports aside).
 */
#define ROUTE_CACHE 64
#define ROUTE_TTL_MS 30000

struct route {
	struct sip_sockaddr dst, src; /* ports zeroed */
	uint64_t until_ms;
};
static struct route routes[ROUTE_CACHE];
static unsigned route_next;

static int route_source(const struct sip_sockaddr *dst, struct sip_sockaddr *src)
{
	struct sip_sockaddr key = *dst;
	*port_of(&key) = 0;
	uint64_t now = sg_loop_now_ms(sg_loop_main());
	for (unsigned i = 0; i < ROUTE_CACHE; i++)
		if (routes[i].until_ms > now && sip_sockaddr_eq(&routes[i].dst, &key)) {
			*src = routes[i].src;
			return 0;
		}
	/* Connecting a UDP socket sends nothing; it only picks the route. */
	struct sip_sockaddr s = {.len = sizeof(s.ss)};
	int fd = socket(dst->ss.ss_family, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	int rc = fd >= 0 && connect(fd, (const struct sockaddr *)&dst->ss, dst->len) == 0 &&
			 getsockname(fd, (struct sockaddr *)&s.ss, &s.len) == 0
		     ? 0
		     : -errno;
	if (fd >= 0)
		close(fd);
	if (rc)
		return rc;
	*port_of(&s) = 0;
	routes[route_next] = (struct route){key, s, now + ROUTE_TTL_MS};
	route_next = (route_next + 1) % ROUTE_CACHE;
	*src = s;
	return 0;
}

int sip_transport_local(enum sip_proto proto, const struct sip_sockaddr *dst, struct sip_sockaddr *out)
{
	struct sip_listener *l = pick_listener(proto, dst);
	if (!l && proto != SIP_PROTO_UDP)
		l = pick_listener(SIP_PROTO_UDP, dst);
	if (!l)
		return -EAFNOSUPPORT;
	*out = l->addr;
	struct sip_sockaddr s;
	if (is_wildcard(out) && route_source(dst, &s) == 0) {
		uint16_t port = *port_of(out);
		*out = s;
		*port_of(out) = port;
	}
	return 0;
}

static struct sip_conn *conn_find(enum sip_proto proto, const struct sip_sockaddr *dst)
{
	for (size_t i = 0; i < nconns; i++)
		if (conns[i]->proto == proto && !conns[i]->closing && !conns[i]->draining &&
		    sip_sockaddr_eq(&conns[i]->peer, dst))
			return conns[i];
	return NULL;
}

void sip_transport_set_message_timeout(unsigned ms) { message_timeout_ms = ms; }

void sip_transport_get_stats(struct sip_transport_stats *out)
{
	*out = stats;
	out->tx_dropped = sip_udp_send_dropped();
	for (size_t i = 0; i < nlisteners; i++)
		out->rx_dropped += listeners[i].rx_dropped;
}

bool sip_transport_connected(enum sip_proto proto, const struct sip_sockaddr *dst)
{
	return conn_find(proto, dst) != NULL;
}

/* Opens a TCP or TLS connection to dst without blocking. */
static int conn_open(enum sip_proto proto, const struct sip_sockaddr *dst, struct sip_conn **out)
{
	if (nconns == MAX_CONNS)
		return -EMFILE;
	int fam = dst->ss.ss_family;
	if (fam != AF_INET && fam != AF_INET6)
		return -EAFNOSUPPORT;
	int fd = socket(fam, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	bool connecting = false;
	if (connect(fd, (const struct sockaddr *)&dst->ss, dst->len) != 0) {
		int e = errno;
		if (e != EINPROGRESS) {
			close(fd);
			return -e;
		}
		connecting = true;
	}
	struct sip_conn *c = conn_new(proto, fd, pick_listener(proto, dst), dst, true, connecting);
	if (!c) {
		close(fd);
		return -ENOMEM;
	}
	char a[64];
	SG_DEBUG(TAG, "%s connection to %s %s", sip_proto_name(proto), sip_sockaddr_str(dst, a, sizeof(a)),
		 connecting ? "in progress" : "open");
	*out = c;
	return 0;
}

int sip_transport_send(enum sip_proto proto, const struct sip_sockaddr *dst, const char *buf, size_t len,
		       unsigned flags, uint64_t *conn_id)
{
	if (conn_id)
		*conn_id = 0;
	if (proto == SIP_PROTO_UDP) {
		struct sip_listener *l = pick_listener(SIP_PROTO_UDP, dst);
		if (!l)
			return -EAFNOSUPPORT;
		return sip_udp_send(l->fd, dst, buf, len);
	}
	struct sip_conn *c = conn_find(proto, dst);
	if (!c) {
		if (flags & SIP_TX_NO_CONNECT)
			return -ENOTCONN;
		int rc = conn_open(proto, dst, &c);
		if (rc)
			return rc;
	}
	uint64_t id = c->id;
	int rc = conn_queue(c, buf, len);
	if (rc == 0 && conn_id)
		*conn_id = id;
	return rc;
}
