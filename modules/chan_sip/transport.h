/*
 * transport.h: chan_sip's sockets. Listeners come from settings.sip.listen
 * ("udp:127.0.0.1:5060", "tcp:[::1]:5060", "tls:127.0.0.1:5061"); UDP datagrams
 * and TCP or TLS stream messages (framed by Content-Length, RFC 3261 §18.3) are
 * handed whole to one receive callback with where they came from, so responses
 * can go back the way RFC 3261 §18.2.2 and RFC 3581 (rport) say. TCP and TLS
 * connections are kept and reused, closed after an idle time, and bounded in
 * number and buffer size; a TLS connection is a TCP one whose bytes go through
 * tls.c (handshake deadline, close_notify). Main thread only.
 *
 * Limits. A message's headers (start line to the empty line) may take
 * SIP_MAX_HEADER_BYTES: a datagram or stream message with more is handed over
 * marked too_large, for a 513. A stream message's body may take 1 MB, and the
 * whole message must arrive within the message timeout (SIP_MESSAGE_TIMEOUT_MS
 * unless set) of its first bytes, else the connection closes. After a stream
 * message is refused (too large, or not framing as SIP: the receiver answers 400
 * if it can), where the next one starts is unknown: the answer goes out with our
 * FIN (over TLS, close_notify first), and what the peer still sends is dropped
 * until it closes or the message timeout ends (closing at once would reset the
 * connection, answer and all).
 */
#ifndef CHAN_SIP_TRANSPORT_H
#define CHAN_SIP_TRANSPORT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

#include "sip_msg.h"

#define SIP_MAX_HEADER_BYTES 16384
#define SIP_MESSAGE_TIMEOUT_MS 10000

struct sg_cli;
struct sg_module;

enum sip_proto { SIP_PROTO_UDP, SIP_PROTO_TCP, SIP_PROTO_TLS };

struct sip_sockaddr {
	struct sockaddr_storage ss;
	socklen_t len;
};

struct sip_listener;
struct sip_conn;

/* One received message and its way back. */
struct sip_rx {
	enum sip_proto proto;
	struct sip_sockaddr src;	       /* the peer (source address and port) */
	struct sip_listener *listener; /* the socket it arrived on */
	struct sip_conn *conn;	       /* TCP/TLS connection, NULL for UDP */
	uint64_t conn_id;	       /* its id: a reply checks the connection is still that one */
	const char *data;
	size_t len;
	const struct sip_msg *msg; /* data parsed; valid during the callback */
	int parse_rc;		   /* what the parser said (0, or SIP_E*: see sip_msg.h) */
	bool too_large;		   /* headers over SIP_MAX_HEADER_BYTES: data and msg hold
				      the whole lines within the limit; refuse it (513) */
	unsigned waited_ms;	   /* a datagram: how long it waited in the socket buffer
				      before the loop read it (0 for TCP and TLS) */
};

typedef void (sip_rx_fn)(const struct sip_rx *rx, void *arg);

int sip_transport_init(struct sg_module *owner, sip_rx_fn *fn, void *arg);
/* Opens a listener from a spec "PROTO:HOST:PORT" (IPv6 hosts in brackets). */
int sip_transport_listen(const char *spec, char *err, size_t errlen);
/* Sends back on the way a message came: its TCP connection, or from its UDP socket
 * to `dst` (the address §18.2.2 picks). 0 or -errno. */
int sip_transport_reply(const struct sip_rx *rx, const struct sip_sockaddr *dst, const char *buf, size_t len);
void sip_transport_shutdown(void);
void sip_transport_show(struct sg_cli *cli);

/*
 * Sending requests (RFC 3261 §18.1.1). UDP goes out of the UDP listener of dst's
 * address family (one bound to loopback for a loopback dst, else one that is not),
 * so the peer's answers, and the rport it sees, come back to that listener. TCP
 * reuses an open connection to dst, inbound or outbound (§18.1.1 connection reuse;
 * a phone's own connection is the only way through its NAT), or opens one
 * without blocking: the bytes wait in the connection's bounded queue until the
 * connect completes (at most SIP_CONNECT_TIMEOUT_MS). TLS does the same, the
 * deadline covering the connect and the handshake, in which the server must
 * prove dst's address (settings.sip.tls_verify_peer). A failure after
 * sip_transport_send() returned (connect refused or timed out, a TLS handshake
 * failing, the peer closing or resetting with bytes still queued) is reported to the error handler with the
 * connection's id, once the connection is gone. UDP messages are sent as they
 * are, whatever their size: §18.1.1's switch to TCP above 1300 bytes is not
 * made, because the phones we send to mostly registered over UDP from behind a
 * NAT, where a new TCP connection cannot reach them; the message then relies on
 * IP fragmentation (up to the 65,535-byte datagram limit).
 */
#define SIP_CONNECT_TIMEOUT_MS 10000

enum {
	SIP_TX_NO_CONNECT = 1u << 0, /* TCP, TLS: only over an open connection, else -ENOTCONN */
};

/*
 * Sends one message (or keep-alive) to dst. 0 when sent or queued, with *conn_id
 * (if not NULL) the TCP or TLS connection's id (0 for UDP); or -errno:
 * -EAFNOSUPPORT (no listener of dst's family), -ENOTCONN, -ENOBUFS (queue full),
 * -EMFILE (too many connections), -EAGAIN (UDP socket full: as good as lost),
 * or what sendto()/connect() said.
 */
int sip_transport_send(enum sip_proto proto, const struct sip_sockaddr *dst, const char *buf, size_t len,
		       unsigned flags, uint64_t *conn_id);
/*
 * The address a peer sees us at when we send to dst over proto, for a Via
 * sent-by or a Contact: the sending listener's address (for TCP and TLS, the
 * listener of that protocol, where the peer can connect back; else the UDP one's), a wildcard
 * listener address replaced by the local address of the route to dst.
 * 0 or -EAFNOSUPPORT.
 */
int sip_transport_local(enum sip_proto proto, const struct sip_sockaddr *dst, struct sip_sockaddr *out);
/* How long a TCP or TLS peer may take to send one whole message once it began (ms). */
void sip_transport_set_message_timeout(unsigned ms);

/* What the transport refused since start. */
struct sip_transport_stats {
	unsigned long too_large; /* messages with too long headers (or a stream body over 1 MB) */
	unsigned long stalled;	 /* connections closed: a message left unfinished */
	unsigned long unframed;	 /* connections closed: bytes that do not frame as SIP */
	/* UDP: datagrams the kernel dropped because a socket's buffer was full
	 * (SO_RXQ_OVFL), and the longest time a datagram waited in one before the loop
	 * read it since the last sip_transport_take_max_wait(). */
	unsigned long rx_dropped;
	unsigned long tx_dropped; /* UDP datagrams lost to a full send buffer */
	unsigned max_waited_ms;
};
void sip_transport_get_stats(struct sip_transport_stats *out);
/* The longest wait of a datagram since the last call (overload control's tick). */
unsigned sip_transport_take_max_wait(void);

/* Whether a TCP or TLS connection to dst is open (inbound or outbound) for sending. */
bool sip_transport_connected(enum sip_proto proto, const struct sip_sockaddr *dst);
/* Called (main loop) when an outbound message was lost with its TCP or TLS connection. */
typedef void (sip_tx_error_fn)(uint64_t conn_id, int err);
void sip_transport_set_error_fn(sip_tx_error_fn *fn);
/* Same family, address and port. */
bool sip_sockaddr_eq(const struct sip_sockaddr *a, const struct sip_sockaddr *b);
/* Same family and address, any port. */
bool sip_sockaddr_same_host(const struct sip_sockaddr *a, const struct sip_sockaddr *b);

const char *sip_proto_name(enum sip_proto p);
/* "127.0.0.1:5060" / "[::1]:5060" into buf; returns buf. */
char *sip_sockaddr_str(const struct sip_sockaddr *a, char *buf, size_t len);
/* Parses HOST:PORT / [V6]:PORT / HOST (port defaults to def_port). 0 or -EINVAL. */
int sip_sockaddr_parse(const char *text, unsigned def_port, struct sip_sockaddr *out);
/* The listener's local address as a peer would write it in a Via or Contact. */
const struct sip_sockaddr *sip_listener_addr(const struct sip_listener *l);
enum sip_proto sip_listener_proto(const struct sip_listener *l);

#endif
