/* console.c: the console socket server: reads command lines, runs them, streams logs. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <strowger/log.h>
#include <strowger/loop.h>

#include "buf.h"
#include "cli_priv.h"
#include "console_priv.h"
#include "list.h"
#include "log_priv.h"

#define MAX_LINE 65536
#define MAX_BACKLOG (4u << 20) /* a client that reads nothing loses log lines past this */

struct client {
	struct sg_list_node node;
	int fd;
	struct sg_io *io;
	struct sg_buf in, out;
	bool events;
	bool closing;
};

static struct sg_list clients;
static int listen_fd = -1;
static struct sg_io *listen_io;
static char socket_path[sizeof(((struct sockaddr_un *)0)->sun_path)];

static void client_free(struct client *c)
{
	sg_list_remove_from(&clients, &c->node);
	sg_io_free(c->io);
	close(c->fd);
	sg_buf_free(&c->in);
	sg_buf_free(&c->out);
	free(c);
}

static void client_flush(struct client *c)
{
	while (c->out.len) {
		ssize_t n = send(c->fd, c->out.data, c->out.len, MSG_NOSIGNAL);
		if (n < 0 && (errno == EAGAIN || errno == EINTR))
			break;
		if (n <= 0) {
			c->closing = true;
			c->out.len = 0;
			break;
		}
		sg_buf_consume(&c->out, (size_t)n);
	}
	sg_io_set_events(c->io, SG_IO_READ | (c->out.len ? SG_IO_WRITE : 0));
}

/* Frames every line of `text` with the tag. */
static void client_send(struct client *c, char tag, const char *text)
{
	const char *p = text;
	while (*p) {
		const char *nl = strchr(p, '\n');
		size_t len = nl ? (size_t)(nl - p) : strlen(p);
		sg_buf_printf(&c->out, "%c %.*s\n", tag, (int)len, p);
		p += len + (nl ? 1 : 0);
	}
}

static void run_line(struct client *c, char *line)
{
	struct sg_buf out;
	sg_buf_init(&out);
	int status = SG_CLI_OK;
	if (line[0] == SG_CONSOLE_CTRL) {
		if (!strncmp(line + 1, "complete ", 9))
			sg_cli_complete(line + 10, &out);
		else if (!strcmp(line + 1, "events on"))
			c->events = true;
		else if (!strcmp(line + 1, "events off"))
			c->events = false;
		else
			status = SG_CLI_USAGE;
	} else {
		SG_DEBUG("console", "command: %s", line);
		status = sg_cli_run(line, &out);
	}
	client_send(c, 'o', sg_buf_str(&out));
	sg_buf_printf(&c->out, "e %d\n", status);
	sg_buf_free(&out);
}

static void client_read(struct client *c)
{
	char chunk[4096];
	ssize_t n = recv(c->fd, chunk, sizeof(chunk), 0);
	if (n < 0 && (errno == EAGAIN || errno == EINTR))
		return;
	if (n <= 0) {
		c->closing = true;
		return;
	}
	sg_buf_append(&c->in, chunk, (size_t)n);
	char *nl;
	while (!c->closing && (nl = memchr(c->in.data, '\n', c->in.len))) {
		*nl = '\0';
		size_t used = (size_t)(nl - c->in.data) + 1;
		if (nl > c->in.data && nl[-1] == '\r')
			nl[-1] = '\0';
		char *line = strdup(c->in.data);
		sg_buf_consume(&c->in, used);
		if (line)
			run_line(c, line);
		free(line);
	}
	if (c->in.len > MAX_LINE) {
		sg_buf_printf(&c->out, "o command line too long (over %d bytes)\ne %d\n", MAX_LINE,
			      SG_CLI_USAGE);
		c->closing = true;
	}
}

static void on_client(struct sg_io *io, int fd, unsigned events, void *arg)
{
	(void)io;
	(void)fd;
	struct client *c = arg;
	if (events & SG_IO_READ)
		client_read(c);
	/* A command such as `core stop now` may have torn the console down. */
	if (listen_fd < 0)
		return;
	client_flush(c);
	if (c->closing && !c->out.len)
		client_free(c);
}

static void on_accept(struct sg_io *io, int fd, unsigned events, void *arg)
{
	(void)io;
	(void)events;
	(void)arg;
	int cfd = accept4(fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
	if (cfd < 0)
		return;
	struct client *c = calloc(1, sizeof(*c));
	if (!c) {
		close(cfd);
		return;
	}
	c->fd = cfd;
	c->io = sg_io_watch(sg_loop_main(), NULL, cfd, SG_IO_READ, on_client, c);
	if (!c->io) {
		close(cfd);
		free(c);
		return;
	}
	sg_list_append(&clients, &c->node);
}

/* Must not log: it runs inside the logger. */
static void log_sink(enum sg_log_level level, const char *line)
{
	(void)level;
	struct sg_list_node *it, *next;
	sg_list_foreach_safe(&clients, it, next) {
		struct client *c = sg_container_of(it, struct client, node);
		if (!c->events || c->closing || c->out.len > MAX_BACKLOG)
			continue;
		client_send(c, 'l', line);
		client_flush(c);
	}
}

int sg_console_start(const char *path, mode_t mode, char *err, size_t errlen)
{
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	sg_list_init(&clients);
	if (strlen(path) >= sizeof(sa.sun_path)) {
		snprintf(err, errlen, "console socket path too long (%zu bytes, max %zu): %s",
			 strlen(path), sizeof(sa.sun_path) - 1, path);
		return -ENAMETOOLONG;
	}
	memcpy(sa.sun_path, path, strlen(path) + 1);
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0) {
		snprintf(err, errlen, "console socket: %s", strerror(errno));
		return -errno;
	}
	/* A socket file that answers belongs to a running instance; one that refuses is
	 * left over from a crash and can go. */
	int probe = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (probe >= 0 && connect(probe, (struct sockaddr *)&sa, sizeof(sa)) == 0) {
		close(probe);
		close(fd);
		snprintf(err, errlen, "another strowger is already running on console socket %s", path);
		return -EADDRINUSE;
	}
	if (probe >= 0)
		close(probe);
	unlink(path);
	mode_t old = umask(0777 & ~mode);
	int rc = bind(fd, (struct sockaddr *)&sa, sizeof(sa));
	umask(old);
	if (rc != 0 || chmod(path, mode) != 0 || listen(fd, 16) != 0) {
		int e = errno;
		snprintf(err, errlen, "console socket %s: %s", path, strerror(e));
		close(fd);
		return -e;
	}
	listen_io = sg_io_watch(sg_loop_main(), NULL, fd, SG_IO_READ, on_accept, NULL);
	if (!listen_io) {
		close(fd);
		unlink(path);
		snprintf(err, errlen, "console socket: out of memory");
		return -ENOMEM;
	}
	listen_fd = fd;
	snprintf(socket_path, sizeof(socket_path), "%s", path);
	sg_log_set_sink(log_sink);
	return 0;
}

void sg_console_stop(void)
{
	if (listen_fd < 0)
		return;
	sg_log_set_sink(NULL);
	struct sg_list_node *it, *next;
	sg_list_foreach_safe(&clients, it, next) {
		struct client *c = sg_container_of(it, struct client, node);
		/* One last try to hand over what a client is owed, e.g. the reply to
		 * `core stop now`. */
		int fl = fcntl(c->fd, F_GETFL);
		fcntl(c->fd, F_SETFL, fl & ~O_NONBLOCK);
		if (c->out.len)
			(void)!send(c->fd, c->out.data, c->out.len, MSG_NOSIGNAL);
		client_free(c);
	}
	listen_io = sg_io_free(listen_io);
	close(listen_fd);
	listen_fd = -1;
	unlink(socket_path);
}

unsigned sg_console_clients(void) { return (unsigned)clients.count; }
