/* console_client.c: `strowger -x CMD` and the interactive `strowger -r` console. */
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <editline/readline.h>

#include "buf.h"
#include "console_priv.h"

static int connect_console(const char *path)
{
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	if (strlen(path) >= sizeof(sa.sun_path)) {
		fprintf(stderr, "strowger: console socket path too long: %s\n", path);
		return -1;
	}
	memcpy(sa.sun_path, path, strlen(path) + 1);
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd >= 0 && connect(fd, (struct sockaddr *)&sa, sizeof(sa)) == 0)
		return fd;
	fprintf(stderr, "strowger: cannot reach the PBX on %s: %s (is it running? try -s PATH)\n", path,
		strerror(errno));
	if (fd >= 0)
		close(fd);
	return -1;
}

static int send_line(int fd, const char *line)
{
	size_t len = strlen(line);
	char *msg = malloc(len + 2);
	if (!msg)
		return -1;
	memcpy(msg, line, len);
	msg[len] = '\n';
	size_t off = 0;
	while (off < len + 1) {
		ssize_t n = send(fd, msg + off, len + 1 - off, MSG_NOSIGNAL);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			free(msg);
			return -1;
		}
		off += (size_t)n;
	}
	free(msg);
	return 0;
}

/* Reads framed lines into `in`; returns the next complete one (without "\n"),
 * which stays valid until the next call, or NULL at end of stream. */
static char *next_line(int fd, struct sg_buf *in, size_t *consumed)
{
	sg_buf_consume(in, *consumed);
	*consumed = 0;
	for (;;) {
		char *nl = in->len ? memchr(in->data, '\n', in->len) : NULL;
		if (nl) {
			*nl = '\0';
			*consumed = (size_t)(nl - in->data) + 1;
			return in->data;
		}
		char chunk[4096];
		ssize_t n = recv(fd, chunk, sizeof(chunk), 0);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return NULL;
		sg_buf_append(in, chunk, (size_t)n);
	}
}

/* Prints one command's output until its end frame; log frames go to stderr-free
 * stdout only when `show_logs`. Returns the status, or -1 if the PBX went away. */
static int read_reply(int fd, struct sg_buf *in, size_t *consumed, FILE *out, bool show_logs)
{
	char *line;
	while ((line = next_line(fd, in, consumed)) != NULL) {
		if (line[0] == 'e' && line[1] == ' ')
			return atoi(line + 2);
		if (line[0] == 'o' && line[1] == ' ')
			fprintf(out, "%s\n", line + 2);
		else if (line[0] == 'l' && line[1] == ' ' && show_logs)
			fprintf(out, "%s\n", line + 2);
	}
	return -1;
}

int sg_console_run_command(const char *path, const char *command)
{
	int fd = connect_console(path);
	if (fd < 0)
		return 3;
	struct sg_buf in;
	size_t consumed = 0;
	sg_buf_init(&in);
	int status = send_line(fd, command) ? -1 : read_reply(fd, &in, &consumed, stdout, false);
	sg_buf_free(&in);
	close(fd);
	if (status < 0) {
		fprintf(stderr, "strowger: the PBX closed the console before answering\n");
		return 3;
	}
	return status;
}

/* --- interactive --- */

static int console_fd = -1;
static struct sg_buf console_in;
static size_t console_consumed;
static bool quit;

static void print_log_line(const char *text)
{
	/* Clear the prompt line, print, and let libedit draw the prompt again. */
	printf("\r\033[K%s\n", text);
	rl_forced_update_display();
}

/* Reads frames that are already waiting: log lines while the user types. */
static bool pump_logs(void)
{
	char chunk[4096];
	ssize_t n = recv(console_fd, chunk, sizeof(chunk), MSG_DONTWAIT);
	if (n == 0 || (n < 0 && errno != EAGAIN && errno != EINTR))
		return false;
	if (n > 0)
		sg_buf_append(&console_in, chunk, (size_t)n);
	char *nl;
	while (console_in.len && (nl = memchr(console_in.data, '\n', console_in.len))) {
		*nl = '\0';
		if (console_in.data[0] == 'l' && console_in.data[1] == ' ')
			print_log_line(console_in.data + 2);
		sg_buf_consume(&console_in, (size_t)(nl - console_in.data) + 1);
	}
	return true;
}

static char *completion_words;
static char *complete_next(const char *text, int state)
{
	static char *cursor;
	(void)text;
	if (!state)
		cursor = completion_words;
	if (!cursor || !*cursor)
		return NULL;
	char *nl = strchr(cursor, '\n');
	size_t len = nl ? (size_t)(nl - cursor) : strlen(cursor);
	char *word = strndup(cursor, len);
	cursor += len + (nl ? 1 : 0);
	return word;
}

static char **complete(const char *text, int start, int end)
{
	(void)start;
	char req[4200];
	snprintf(req, sizeof(req), "%ccomplete %.*s", SG_CONSOLE_CTRL, end, rl_line_buffer);
	free(completion_words);
	completion_words = NULL;
	if (send_line(console_fd, req))
		return NULL;
	struct sg_buf words;
	sg_buf_init(&words);
	char *line;
	while ((line = next_line(console_fd, &console_in, &console_consumed)) != NULL) {
		if (line[0] == 'e')
			break;
		if (line[0] == 'o' && line[1] == ' ')
			sg_buf_printf(&words, "%s\n", line + 2);
	}
	sg_buf_consume(&console_in, console_consumed);
	console_consumed = 0;
	completion_words = words.data;
	rl_attempted_completion_over = 1;
	return rl_completion_matches(text, complete_next);
}

static void on_line(char *line)
{
	if (!line) { /* Ctrl-D */
		printf("\n");
		quit = true;
		return;
	}
	char *p = line;
	while (*p == ' ')
		p++;
	if (!strcmp(p, "quit") || !strcmp(p, "exit")) {
		quit = true;
	} else if (*p) {
		add_history(p);
		if (send_line(console_fd, p) ||
		    read_reply(console_fd, &console_in, &console_consumed, stdout, true) < 0) {
			fprintf(stderr, "strowger: the PBX went away\n");
			quit = true;
		}
		sg_buf_consume(&console_in, console_consumed);
		console_consumed = 0;
	}
	free(line);
}

/* Commands piped in (`strowger -r < script`): one per line, no line editing. */
static int run_piped(void)
{
	char *line = NULL;
	size_t cap = 0;
	int status = 0;
	while (!quit && getline(&line, &cap, stdin) > 0) {
		line[strcspn(line, "\r\n")] = '\0';
		char *p = line + strspn(line, " \t");
		if (!strcmp(p, "quit") || !strcmp(p, "exit"))
			break;
		if (!*p)
			continue;
		if (send_line(console_fd, p) ||
		    (status = read_reply(console_fd, &console_in, &console_consumed, stdout, false)) < 0) {
			fprintf(stderr, "strowger: the PBX went away\n");
			status = 3;
			break;
		}
		sg_buf_consume(&console_in, console_consumed);
		console_consumed = 0;
	}
	free(line);
	sg_buf_free(&console_in);
	close(console_fd);
	return status;
}

int sg_console_interactive(const char *path)
{
	console_fd = connect_console(path);
	if (console_fd < 0)
		return 3;
	sg_buf_init(&console_in);
	if (!isatty(0))
		return run_piped();
	char events[32];
	snprintf(events, sizeof(events), "%cevents on", SG_CONSOLE_CTRL);
	if (send_line(console_fd, events) ||
	    read_reply(console_fd, &console_in, &console_consumed, stdout, true) < 0) {
		fprintf(stderr, "strowger: the PBX closed the console\n");
		return 3;
	}
	printf("Connected to Strowger on %s. 'help' lists commands, Tab completes, 'quit' leaves.\n", path);
	rl_attempted_completion_function = complete;
	rl_callback_handler_install("strowger> ", on_line);
	while (!quit) {
		struct pollfd fds[2] = {{.fd = 0, .events = POLLIN}, {.fd = console_fd, .events = POLLIN}};
		if (poll(fds, 2, -1) < 0) {
			if (errno == EINTR)
				continue;
			break;
		}
		if (fds[1].revents & (POLLIN | POLLHUP)) {
			if (!pump_logs()) {
				printf("\r\033[Kstrowger: the PBX closed the console\n");
				break;
			}
		}
		if (fds[0].revents & (POLLIN | POLLHUP))
			rl_callback_read_char();
	}
	rl_callback_handler_remove();
	free(completion_words);
	sg_buf_free(&console_in);
	close(console_fd);
	return 0;
}
