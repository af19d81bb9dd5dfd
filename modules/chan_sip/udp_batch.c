/* udp_batch.c: datagrams sent together through sendmmsg (see udp_batch.h). */
#include <errno.h>
#include <string.h>
#include <sys/socket.h>

#include <strowger/log.h>

#include "udp_batch.h"

#define TAG "sip"
#define BATCH_MSGS 32
#define BATCH_BYTES 65536

static bool active;
static int batch_fd = -1;
static unsigned n;
static size_t used;
static char data[BATCH_BYTES];
static struct sip_sockaddr dsts[BATCH_MSGS];
static struct iovec iov[BATCH_MSGS];
static struct mmsghdr mm[BATCH_MSGS];
static unsigned long dropped;

unsigned long sip_udp_send_dropped(void) { return dropped; }

static void flush(void)
{
	unsigned done = 0;
	while (done < n) {
		int k = sendmmsg(batch_fd, mm + done, n - done, MSG_DONTWAIT);
		if (k < 0) {
			/* The datagram at done failed (a full socket buffer, an unreachable
			 * network): it is lost like a datagram dropped on the way, and the
			 * transaction layer's retransmissions cover it. */
			char a[64];
			SG_DEBUG(TAG, "cannot send to %s: %s", sip_sockaddr_str(&dsts[done], a, sizeof(a)), strerror(errno));
			if (errno == EAGAIN || errno == EWOULDBLOCK || errno == ENOBUFS)
				dropped++;
			k = 1;
		}
		done += (unsigned)k;
	}
	n = 0;
	used = 0;
}

void sip_udp_batch_begin(void) { active = true; }

void sip_udp_batch_end(void)
{
	if (n)
		flush();
	active = false;
}

int sip_udp_send(int fd, const struct sip_sockaddr *dst, const char *buf, size_t len)
{
	if (active && n && (n == BATCH_MSGS || fd != batch_fd || used + len > BATCH_BYTES))
		flush();
	if (!active || len > BATCH_BYTES) {
		ssize_t sent = sendto(fd, buf, len, MSG_DONTWAIT, (const struct sockaddr *)&dst->ss, dst->len);
		if (sent == (ssize_t)len)
			return 0;
		if (sent < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == ENOBUFS)) {
			dropped++;
			return 0;
		}
		return sent < 0 ? -errno : -EMSGSIZE;
	}
	batch_fd = fd;
	memcpy(data + used, buf, len);
	dsts[n] = *dst;
	iov[n] = (struct iovec){data + used, len};
	mm[n] = (struct mmsghdr){.msg_hdr = {.msg_name = &dsts[n].ss, .msg_namelen = dsts[n].len, .msg_iov = &iov[n],
					     .msg_iovlen = 1}};
	used += len;
	n++;
	return 0;
}
