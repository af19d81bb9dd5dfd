/*
 * transport.h: chan_sip's sockets. Listeners come from settings.sip.listen
 * ("udp:127.0.0.1:5060", "tcp:[::1]:5060"); UDP datagrams and TCP stream messages
 * (framed by Content-Length, RFC 3261 §18.3) are handed whole to one receive
 * callback with where they came from, so responses can go back the way RFC 3261
 * §18.2.2 and RFC 3581 (rport) say. TCP connections are kept and reused, closed
 * after an idle time, and bounded in number and buffer size. Main thread only.
 */
#ifndef CHAN_SIP_TRANSPORT_H
#define CHAN_SIP_TRANSPORT_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/socket.h>

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
	const char *data;
	size_t len;
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

const char *sip_proto_name(enum sip_proto p);
/* "127.0.0.1:5060" / "[::1]:5060" into buf; returns buf. */
char *sip_sockaddr_str(const struct sip_sockaddr *a, char *buf, size_t len);
/* Parses HOST:PORT / [V6]:PORT / HOST (port defaults to def_port). 0 or -EINVAL. */
int sip_sockaddr_parse(const char *text, unsigned def_port, struct sip_sockaddr *out);
/* The listener's local address as a peer would write it in a Via or Contact. */
const struct sip_sockaddr *sip_listener_addr(const struct sip_listener *l);
enum sip_proto sip_listener_proto(const struct sip_listener *l);

#endif
