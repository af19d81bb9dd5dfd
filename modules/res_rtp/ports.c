/*
 * ports.c: the RTP port pool. The main thread binds a pair when it creates a session
 * (so the port is known at once for the SDP); the worker that owns the session
 * closes it and gives the pair back. The set of held pairs is shared by both, under
 * a mutex held only for a bit flip. Only the main thread takes pairs (and moves the
 * cursor); workers only give them back.
 */
#include <errno.h>
#include <pthread.h>
#include <string.h>
#include <unistd.h>

#include <strowger/log.h>

#include "media.h"
#include "rtp_portset.h"

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static struct rtp_portset held;
static uint16_t range_first = 10000, range_last = 19998;

void media_ports_configure(uint16_t first, uint16_t last)
{
	pthread_mutex_lock(&lock);
	range_first = first;
	range_last = last;
	pthread_mutex_unlock(&lock);
}

void media_ports_usage(unsigned *used, uint16_t *first, uint16_t *last)
{
	pthread_mutex_lock(&lock);
	*used = held.used;
	*first = range_first;
	*last = range_last;
	pthread_mutex_unlock(&lock);
}

void media_ports_count(unsigned *used, unsigned *total)
{
	uint16_t first, last;
	media_ports_usage(used, &first, &last);
	*total = ((unsigned)last - first) / 2 + 1;
}

static int bind_one(const struct sockaddr *local, uint16_t port)
{
	int fd = socket(local->sa_family, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	struct sockaddr_storage a;
	memcpy(&a, local, rtp_addr_len(local));
	rtp_addr_set_port((struct sockaddr *)&a, port);
	if (bind(fd, (struct sockaddr *)&a, rtp_addr_len(local)) != 0) {
		int e = -errno;
		close(fd);
		return e;
	}
	return fd;
}

/* Both sockets of the pair at `port`, or -errno (-EADDRINUSE: try another pair). */
static int bind_pair(const struct sockaddr *local, uint16_t port, int *fd_rtp, int *fd_rtcp)
{
	int a = bind_one(local, port);
	if (a < 0)
		return a;
	int b = bind_one(local, (uint16_t)(port + 1));
	if (b < 0) {
		close(a);
		return b;
	}
	*fd_rtp = a;
	*fd_rtcp = b;
	return 0;
}

int media_ports_bind(const struct sockaddr *local, int *fd_rtp, int *fd_rtcp, uint16_t *port)
{
	pthread_mutex_lock(&lock);
	uint16_t first = range_first, last = range_last;
	uint32_t start = held.cursor;
	pthread_mutex_unlock(&lock);
	/* Each try starts from the same cursor and passes over the pairs found busy in
	 * other programs so far, so no pair is tried twice: one lap of the range. */
	unsigned busy = 0;
	for (;;) {
		pthread_mutex_lock(&lock);
		held.cursor = start;
		uint16_t p = rtp_portset_next(&held, first, last, busy);
		if (p)
			rtp_portset_take(&held, p);
		pthread_mutex_unlock(&lock);
		if (!p)
			break;
		int rc = bind_pair(local, p, fd_rtp, fd_rtcp);
		if (rc == 0) {
			*port = p;
			return 0;
		}
		pthread_mutex_lock(&lock);
		rtp_portset_give(&held, p);
		pthread_mutex_unlock(&lock);
		if (rc != -EADDRINUSE && rc != -EACCES)
			return rc; /* the address itself is wrong: no other port helps */
		busy++;
	}
	pthread_mutex_lock(&lock);
	unsigned used = held.used;
	pthread_mutex_unlock(&lock);
	SG_WARNING(TAG, "no free RTP port pair in %u-%u (%u held by Strowger, %u busy in other programs)", first,
		   last + 1, used, busy);
	return -EADDRNOTAVAIL;
}

void media_ports_release(uint16_t port, int fd_rtp, int fd_rtcp)
{
	if (fd_rtp >= 0)
		close(fd_rtp);
	if (fd_rtcp >= 0)
		close(fd_rtcp);
	pthread_mutex_lock(&lock);
	rtp_portset_give(&held, port);
	pthread_mutex_unlock(&lock);
}
