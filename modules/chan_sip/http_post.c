/* http_post.c: one bounded HTTP POST over a non-blocking TCP connection. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <strowger/loop.h>

#include "http_post.h"

#define RESP_MAX 1024 /* the status line is all we read */

struct sip_http {
	int fd;
	struct sg_io *io;
	struct sg_timer *timer;
	char *out; /* the request, written from `sent` on */
	size_t out_len, sent;
	char resp[RESP_MAX];
	size_t resp_len;
	sip_http_fn *fn;
	void *arg;
};

struct sip_http *sip_http_cancel(struct sip_http *h)
{
	if (!h)
		return NULL;
	sg_io_free(h->io);
	sg_timer_free(h->timer);
	if (h->fd >= 0)
		close(h->fd);
	free(h->out);
	free(h);
	return NULL;
}

/* Ends the request and tells its owner: the request is freed first, so fn may
 * do anything (even start another). */
static void finish(struct sip_http *h, unsigned status, const char *why)
{
	sip_http_fn *fn = h->fn;
	void *arg = h->arg;
	sip_http_cancel(h);
	fn(arg, status, why);
}

/* "HTTP/1.1 204 No Content\r\n": the code, or 0 when the line is not HTTP. */
static unsigned status_of(const char *line)
{
	unsigned major, minor, code;
	if (sscanf(line, "HTTP/%u.%u %3u", &major, &minor, &code) != 3 || code < 100 || code > 999)
		return 0;
	return code;
}

static void on_timeout(struct sg_timer *t, void *arg)
{
	(void)t;
	finish(arg, 0, "timed out");
}

static void on_io(struct sg_io *io, int fd, unsigned events, void *arg)
{
	(void)io;
	struct sip_http *h = arg;
	if (events & SG_IO_WRITE) {
		if (h->sent == 0) {
			int err = 0;
			socklen_t len = sizeof(err);
			if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len) || err) {
				finish(h, 0, strerror(err ? err : errno));
				return;
			}
		}
		ssize_t n = send(fd, h->out + h->sent, h->out_len - h->sent, MSG_NOSIGNAL);
		if (n < 0 && errno != EAGAIN && errno != EINTR) {
			finish(h, 0, strerror(errno));
			return;
		}
		if (n > 0)
			h->sent += (size_t)n;
		if (h->sent == h->out_len)
			sg_io_set_events(h->io, SG_IO_READ);
		return;
	}
	ssize_t n = recv(fd, h->resp + h->resp_len, sizeof(h->resp) - 1 - h->resp_len, 0);
	if (n < 0) {
		if (errno != EAGAIN && errno != EINTR)
			finish(h, 0, strerror(errno));
		return;
	}
	h->resp_len += (size_t)n;
	h->resp[h->resp_len] = '\0';
	if (n > 0 && !strchr(h->resp, '\n') && h->resp_len < sizeof(h->resp) - 1)
		return; /* the status line is not complete yet */
	unsigned code = status_of(h->resp);
	finish(h, code, code ? "" : n == 0 && !h->resp_len ? "closed without an answer" : "not an HTTP answer");
}

int sip_http_post(struct sg_module *owner, const struct sip_http_req *r, sip_http_fn *fn, void *arg,
		  struct sip_http **out)
{
	struct sip_http *h = calloc(1, sizeof(*h));
	if (!h)
		return -ENOMEM;
	h->fd = -1;
	h->fn = fn;
	h->arg = arg;
	int n = asprintf(&h->out,
			 "POST %s HTTP/1.1\r\nHost: %s\r\nUser-Agent: strowger\r\nContent-Type: %s\r\n"
			 "Content-Length: %zu\r\nConnection: close\r\n\r\n%.*s",
			 r->path, r->host, r->content_type, r->body_len, (int)r->body_len, r->body);
	int rc = -ENOMEM;
	if (n < 0) {
		h->out = NULL;
		goto fail;
	}
	h->out_len = (size_t)n;
	h->fd = socket(r->dst.ss.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (h->fd < 0) {
		rc = -errno;
		goto fail;
	}
	if (connect(h->fd, (const struct sockaddr *)&r->dst.ss, r->dst.len) && errno != EINPROGRESS) {
		rc = -errno;
		goto fail;
	}
	h->io = sg_io_watch(sg_loop_main(), owner, h->fd, SG_IO_WRITE, on_io, h);
	h->timer = sg_timer_start(sg_loop_main(), owner, r->timeout_ms, 0, on_timeout, h);
	rc = -ENOMEM;
	if (!h->io || !h->timer)
		goto fail;
	*out = h;
	return 0;
fail:
	sip_http_cancel(h);
	return rc;
}
