/*
 * udp_batch.h: UDP datagrams sent while the transport handles one batch of received
 * ones leave together, in one sendmmsg call per socket, instead of one sendto each:
 * at thousands of messages a second the system calls themselves cost more than the
 * SIP work. Outside a batch a datagram is sent at once. A datagram queued in a batch
 * is reported sent; an error that sendmmsg meets later is logged. A full socket
 * buffer (EAGAIN, ENOBUFS) loses the datagram as the network would: it is counted
 * and reported sent, and the transaction layer's retransmissions cover it, instead
 * of a burst failing calls. Main thread only.
 */
#ifndef CHAN_SIP_UDP_BATCH_H
#define CHAN_SIP_UDP_BATCH_H

#include <stddef.h>

#include "transport.h"

void sip_udp_batch_begin(void);
/* Sends what was queued and ends the batch. */
void sip_udp_batch_end(void);
/* Sends (or queues) one datagram on fd. 0, or -errno when sent at once and it failed. */
int sip_udp_send(int fd, const struct sip_sockaddr *dst, const char *buf, size_t len);
/* Datagrams lost to a full socket buffer since the module loaded. */
unsigned long sip_udp_send_dropped(void);

#endif
