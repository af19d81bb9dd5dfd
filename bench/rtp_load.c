/*
 * rtp_load.c: the phones of the RTP relay benchmarks (bench/rtp_run,
 * bench/media_run). For N calls it binds phone A of call i at 127.0.0.1:PORT0+4i
 * and phone B at PORT0+4i+2 (or where the kernel picks, when another program holds
 * that port: the relay latches onto the phone's source), reads from standard input
 * the two relay ports of each call ("a_port b_port" lines, as `rtptest pairs`
 * prints them), and for SECONDS sends one 172-byte G.711 packet every 20 ms from
 * every phone to its leg of the relay (100 packets a second per call): PCMU
 * silence, or PCMA with a fifth argument of 8. It reads whatever the relay sends
 * back, between send rounds even when it is behind. Prints one line:
 *   sent=S received=R late=L seconds=T
 * where "late" counts send rounds that started more than 5 ms behind the clock (the
 * generator could not keep up) and T the seconds of sending (500 ms of reading for
 * what is still on its way follow, and count in R). Before
 * that, one warm-up round (a packet from every phone, then 200 ms of reading) is
 * left out of the counts: a relay leg sends to its phone's SDP address until the
 * phone's first packet arrives (latching, SIP calls in bench/media_run), so that
 * round's first packet may be lost. Single-threaded, non-blocking, epoll.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define PTIME_US 20000
#define PAYLOAD 160

struct phone {
	int fd;
	struct sockaddr_in relay;
	uint16_t seq;
	uint32_t ts, ssrc;
};

static uint64_t now_us(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000u + (uint64_t)ts.tv_nsec / 1000u;
}

/* Binds a phone at 127.0.0.1:port, or at a port the kernel picks when another
 * program holds that one (the relay latches onto wherever the phone sends from). */
static int bind_phone(uint16_t port)
{
	int fd = socket(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK, 0);
	struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons(port), .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
	if (fd >= 0) {
		if (bind(fd, (struct sockaddr *)&a, sizeof(a)) == 0)
			return fd;
		a.sin_port = 0;
		if (errno == EADDRINUSE && bind(fd, (struct sockaddr *)&a, sizeof(a)) == 0)
			return fd;
	}
	fprintf(stderr, "rtp_load: bind 127.0.0.1:%u: %s\n", port, strerror(errno));
	exit(1);
}

static uint8_t pt; /* 0: PCMU, 8: PCMA */

static void send_one(struct phone *p)
{
	uint8_t pkt[12 + PAYLOAD];
	pkt[0] = 0x80;
	pkt[1] = pt;
	pkt[2] = (uint8_t)(p->seq >> 8);
	pkt[3] = (uint8_t)p->seq;
	uint32_t ts = htonl(p->ts), ssrc = htonl(p->ssrc);
	memcpy(pkt + 4, &ts, 4);
	memcpy(pkt + 8, &ssrc, 4);
	memset(pkt + 12, pt == 8 ? 0xD5 : 0xFF, PAYLOAD); /* silence */
	sendto(p->fd, pkt, sizeof(pkt), 0, (struct sockaddr *)&p->relay, sizeof(p->relay));
	p->seq++;
	p->ts += PAYLOAD;
}

/* Reads whatever arrives for `us` microseconds; returns the datagrams read. */
static unsigned long long drain(int ep, const struct phone *ph, struct epoll_event *evs, uint64_t us, uint8_t *buf,
				size_t size)
{
	unsigned long long got = 0;
	uint64_t stop = now_us() + us;
	for (uint64_t t = now_us(); t < stop; t = now_us()) {
		int n = epoll_wait(ep, evs, 256, (int)((stop - t) / 1000) + 1);
		for (int k = 0; k < n; k++)
			while (recv(ph[evs[k].data.u32].fd, buf, size, 0) > 0)
				got++;
	}
	return got;
}

int main(int argc, char **argv)
{
	if (argc != 4 && !(argc == 5 && (!strcmp(argv[4], "0") || !strcmp(argv[4], "8")))) {
		fprintf(stderr, "usage: rtp_load CALLS PORT0 SECONDS [0|8] < relay-ports\n");
		return 2;
	}
	pt = argc == 5 ? (uint8_t)atoi(argv[4]) : 0;
	unsigned calls = (unsigned)atoi(argv[1]), port0 = (unsigned)atoi(argv[2]);
	double seconds = atof(argv[3]);
	struct phone *ph = calloc(2 * (size_t)calls, sizeof(*ph));
	int ep = epoll_create1(0);
	if (!ph || ep < 0)
		return 1;
	for (unsigned i = 0; i < 2 * calls; i++) {
		unsigned relay_port; /* a line per call: A's relay port, then B's */
		if (scanf("%u", &relay_port) != 1) {
			fprintf(stderr, "rtp_load: expected %u lines of two relay ports\n", calls);
			return 1;
		}
		ph[i].fd = bind_phone((uint16_t)(port0 + 2 * i));
		ph[i].relay = (struct sockaddr_in){.sin_family = AF_INET, .sin_port = htons((uint16_t)relay_port),
						   .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
		ph[i].ssrc = 0x10000000u + i;
		ph[i].seq = (uint16_t)(i * 7);
		struct epoll_event ev = {.events = EPOLLIN, .data.u32 = i};
		epoll_ctl(ep, EPOLL_CTL_ADD, ph[i].fd, &ev);
	}
	uint8_t buf[2048];
	struct epoll_event evs[256];
	for (unsigned i = 0; i < 2 * calls; i++)
		send_one(&ph[i]);
	drain(ep, ph, evs, 200000, buf, sizeof(buf));
	uint64_t start = now_us(), end = start + (uint64_t)(seconds * 1e6), next = start;
	unsigned long long sent = 0, received = 0, late = 0;
	for (;;) {
		uint64_t t = now_us();
		if (t >= end)
			break;
		if (t >= next) {
			if (t - next > 5000)
				late++;
			for (unsigned i = 0; i < 2 * calls; i++)
				send_one(&ph[i]);
			sent += 2 * calls;
			next += PTIME_US;
			t = now_us();
		}
		/* Read between rounds even when behind, so the phones' buffers never fill. */
		int n = epoll_wait(ep, evs, 256, t < next ? (int)((next - t) / 1000) : 0);
		for (int k = 0; k < n; k++)
			while (recv(ph[evs[k].data.u32].fd, buf, sizeof(buf), 0) > 0)
				received++;
	}
	double sending = (double)(now_us() - start) / 1e6;
	/* What is still on its way: 500 ms more of reading (a relay that fell behind
	 * drains its sockets' backlog). */
	received += drain(ep, ph, evs, 500000, buf, sizeof(buf));
	printf("sent=%llu received=%llu late=%llu seconds=%.2f\n", sent, received, late, sending);
	for (unsigned i = 0; i < 2 * calls; i++)
		close(ph[i].fd);
	close(ep);
	free(ph);
	return 0;
}
