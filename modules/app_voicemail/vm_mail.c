/*
 * vm_mail.c: voicemail to e-mail (vm_mail.h). A small SMTP client (RFC 5321) on
 * the main loop: a non-blocking TCP connection to the relay, one command at a
 * time (no pipelining), each reply awaited with a timeout, the body streamed as
 * the socket takes it: MIME headers and a text part, then the WAV in base64
 * (RFC 2045) read from an open descriptor in small chunks, so a message moved or
 * deleted meanwhile is still sent and no read ever holds the loop long. The relay
 * is a numeric address (no DNS lookup, which would block); no TLS, no AUTH: a
 * local relay (Postfix, an office smarthost on the LAN) is expected.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <strowger/config.h>
#include <strowger/log.h>
#include <strowger/loop.h>

#include "vm_mail.h"

#define TAG "voicemail"
#define QUEUE_MAX 16
#define ADDR_MAX 128
#define B64_LINE 57	/* bytes per base64 line of 76 characters */
#define B64_LINES 64	/* lines per chunk read from the file */

struct mail_config {
	bool on;
	struct sockaddr_storage relay;
	socklen_t relay_len;
	char relay_text[80];
	char from[ADDR_MAX];
	char helo[64];
	unsigned timeout_s;
};

struct mail {
	struct mail *next;
	char box[VM_ID_MAX], to[ADDR_MAX];
	unsigned num;
	char caller[VM_FIELD_MAX], name[VM_FIELD_MAX];
	long long time;
	double seconds;
	FILE *wav; /* opened when queued: the message may move to Old meanwhile */
};

enum step { S_IDLE, S_CONNECT, S_GREETING, S_EHLO, S_MAIL, S_RCPT, S_DATA, S_BODY, S_QUIT };
static const char *const step_names[] = {"idle", "connect", "greeting", "EHLO", "MAIL FROM", "RCPT TO",
					 "DATA", "the message", "QUIT"};

static struct sg_module *owner;
static struct mail_config cfg;
static struct mail *head, *tail;
static size_t queued;

/* The one connection: the mail being sent and where it is. */
static struct {
	enum step step;
	int fd;
	struct sg_io *io;
	struct sg_timer *timer; /* the reply timeout; at 0 ms in S_IDLE: start the next mail */
	struct mail *m;
	char in[1024];
	size_t nin;
	char *out;
	size_t nout, off, cap;
	int part; /* the body: 0 headers to write, 1 attachment, 2 all written */
	char boundary[48];
} c = {.fd = -1};

/* An address we put between < > in SMTP and in headers: printable ASCII, no
 * space or specials, one '@' inside. */
static bool address_ok(const char *a)
{
	size_t n = strlen(a);
	const char *at = strchr(a, '@');
	if (n < 3 || n >= ADDR_MAX || !at || at == a || !at[1] || strchr(at + 1, '@'))
		return false;
	for (const char *p = a; *p; p++)
		if (*p <= ' ' || *p >= 127 || strchr("<>()[],;:\"\\", *p))
			return false;
	return true;
}

/* "127.0.0.1:25", "[::1]:2525" or an address alone (port 25): 0 or -EINVAL. */
static int parse_relay(const char *s, struct sockaddr_storage *ss, socklen_t *len)
{
	char host[64];
	const char *port = NULL;
	if (*s == '[') {
		const char *e = strchr(s, ']');
		if (!e || (size_t)(e - s - 1) >= sizeof(host))
			return -EINVAL;
		snprintf(host, sizeof(host), "%.*s", (int)(e - s - 1), s + 1);
		port = e[1] == ':' ? e + 2 : e[1] ? "" : NULL;
	} else {
		const char *colon = strchr(s, ':');
		if (colon && strchr(colon + 1, ':'))
			colon = NULL; /* a bare IPv6 address */
		snprintf(host, sizeof(host), "%.*s", colon ? (int)(colon - s) : (int)strlen(s), s);
		port = colon ? colon + 1 : NULL;
	}
	char *end = NULL;
	long p = port ? strtol(port, &end, 10) : 25;
	if ((port && (!*port || *end)) || p < 1 || p > 65535)
		return -EINVAL;
	memset(ss, 0, sizeof(*ss));
	struct sockaddr_in *v4 = (struct sockaddr_in *)ss;
	struct sockaddr_in6 *v6 = (struct sockaddr_in6 *)ss;
	if (inet_pton(AF_INET, host, &v4->sin_addr) == 1) {
		v4->sin_family = AF_INET;
		v4->sin_port = htons((uint16_t)p);
		*len = sizeof(*v4);
	} else if (inet_pton(AF_INET6, host, &v6->sin6_addr) == 1) {
		v6->sin6_family = AF_INET6;
		v6->sin6_port = htons((uint16_t)p);
		*len = sizeof(*v6);
	} else
		return -EINVAL;
	return 0;
}

void vm_mail_config(struct sg_module *m)
{
	owner = m;
	struct mail_config n = {.timeout_s = 30};
	const char *relay = NULL, *from = "voicemail@localhost", *helo = "strowger";
	long long t;
	if (!sg_config_string("voicemail.smtp.relay", &relay)) {
		cfg = n; /* off */
		return;
	}
	sg_config_string("voicemail.smtp.from", &from);
	sg_config_string("voicemail.smtp.helo", &helo);
	if (sg_config_int("voicemail.smtp.timeout", &t)) {
		if (t >= 1 && t <= 600)
			n.timeout_s = (unsigned)t;
		else
			SG_WARNING(TAG, "voicemail.smtp.timeout = %lld: from 1 to 600 s; using 30", t);
	}
	if (parse_relay(relay, &n.relay, &n.relay_len)) {
		SG_ERROR(TAG, "voicemail.smtp.relay = \"%s\": write a numeric address and port (\"127.0.0.1:25\", "
			      "\"[::1]:25\"); no mail is sent", relay);
		cfg = n;
		return;
	}
	if (!address_ok(from)) {
		SG_ERROR(TAG, "voicemail.smtp.from = \"%s\" is not a plain mail address; no mail is sent", from);
		cfg = n;
		return;
	}
	for (const char *p = helo; *p; p++)
		if (*p <= ' ' || *p >= 127) {
			SG_WARNING(TAG, "voicemail.smtp.helo = \"%s\": one word of printable ASCII; using strowger", helo);
			helo = "strowger";
			break;
		}
	snprintf(n.relay_text, sizeof(n.relay_text), "%s", relay);
	snprintf(n.from, sizeof(n.from), "%s", from);
	snprintf(n.helo, sizeof(n.helo), "%s", helo);
	n.on = true;
	cfg = n;
}

static void mail_free(struct mail *m)
{
	if (!m)
		return;
	if (m->wav)
		fclose(m->wav);
	free(m);
}

/* Text we put in a header or the text part: printable ASCII only (no CR/LF to
 * inject headers with; other bytes become '?', rather than RFC 2047 encoding). */
static void ascii(char *dst, size_t size, const char *src)
{
	size_t j = 0;
	for (const char *p = src; *p && j + 1 < size; p++)
		dst[j++] = (*p >= ' ' && *p < 127) ? *p : '?';
	dst[j] = '\0';
}

static int out_add(const char *s, size_t n)
{
	if (c.nout + n > c.cap) {
		size_t cap = c.cap ? c.cap : 8192;
		while (cap < c.nout + n)
			cap *= 2;
		char *o = realloc(c.out, cap);
		if (!o)
			return -ENOMEM;
		c.out = o;
		c.cap = cap;
	}
	memcpy(c.out + c.nout, s, n);
	c.nout += n;
	return 0;
}

static int out_printf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static int out_printf(const char *fmt, ...)
{
	char buf[2048];
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= sizeof(buf))
		return -EINVAL;
	return out_add(buf, (size_t)n);
}

/* RFC 5322 date, in UTC and English whatever the locale. */
static void mail_date(long long t, char *out, size_t size)
{
	static const char *const days[] = {"Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"};
	static const char *const months[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
					     "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
	time_t tt = (time_t)t;
	struct tm tm;
	gmtime_r(&tt, &tm);
	snprintf(out, size, "%s, %02d %s %04d %02d:%02d:%02d +0000", days[tm.tm_wday], tm.tm_mday,
		 months[tm.tm_mon], tm.tm_year + 1900, tm.tm_hour, tm.tm_min, tm.tm_sec);
}

static int body_headers(const struct mail *m)
{
	char date[64], caller[VM_FIELD_MAX], name[VM_FIELD_MAX], who[2 * VM_FIELD_MAX + 4];
	mail_date(m->time, date, sizeof(date));
	ascii(caller, sizeof(caller), m->caller);
	ascii(name, sizeof(name), m->name);
	snprintf(who, sizeof(who), "%s%s%s%s", caller, name[0] ? " (" : "", name, name[0] ? ")" : "");
	snprintf(c.boundary, sizeof(c.boundary), "strowger-vm-%lld-%u-%d", m->time, m->num, (int)getpid());
	return out_printf("From: <%s>\r\nTo: <%s>\r\nSubject: New voicemail from %s in box %s\r\nDate: %s\r\n"
			  "Message-ID: <vm.%s.%u.%lld.%d@%s>\r\nMIME-Version: 1.0\r\n"
			  "Content-Type: multipart/mixed; boundary=\"%s\"\r\n\r\n",
			  cfg.from, m->to, who, m->box, date, m->box, m->num, m->time, (int)getpid(), cfg.helo,
			  c.boundary) ||
	       out_printf("--%s\r\nContent-Type: text/plain; charset=us-ascii\r\n\r\n"
			  "A new voicemail message is in box %s.\r\n\r\nFrom:     %s\r\nReceived: %s\r\n"
			  "Length:   %.1f s\r\nMessage:  %u\r\n\r\n",
			  c.boundary, m->box, who, date, m->seconds, m->num) ||
	       out_printf("--%s\r\nContent-Type: audio/wav; name=\"msg%04u.wav\"\r\n"
			  "Content-Transfer-Encoding: base64\r\n"
			  "Content-Disposition: attachment; filename=\"msg%04u.wav\"\r\n\r\n",
			  c.boundary, m->num, m->num);
}

/* The next chunk of the attachment in base64 lines; 1 at the end of the file. */
static int body_chunk(struct mail *m)
{
	static const char b64[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
	unsigned char in[B64_LINE * B64_LINES];
	size_t n = fread(in, 1, sizeof(in), m->wav);
	if (n == 0)
		return ferror(m->wav) ? -EIO : 1;
	char line[80];
	for (size_t i = 0; i < n; i += B64_LINE) {
		size_t len = n - i < B64_LINE ? n - i : B64_LINE, k = 0;
		for (size_t j = 0; j < len; j += 3) {
			unsigned v = (unsigned)in[i + j] << 16 | (j + 1 < len ? (unsigned)in[i + j + 1] << 8 : 0) |
				     (j + 2 < len ? in[i + j + 2] : 0);
			line[k++] = b64[v >> 18 & 63];
			line[k++] = b64[v >> 12 & 63];
			line[k++] = j + 1 < len ? b64[v >> 6 & 63] : '=';
			line[k++] = j + 2 < len ? b64[v & 63] : '=';
		}
		line[k++] = '\r';
		line[k++] = '\n';
		if (out_add(line, k))
			return -ENOMEM;
	}
	return 0;
}

/* Refills the output while the body is being written: 0, or -errno. */
static int body_fill(void)
{
	if (c.part == 0) {
		c.part = 1;
		return body_headers(c.m);
	}
	int rc = body_chunk(c.m);
	if (rc < 0)
		return rc;
	if (rc == 1) {
		c.part = 2;
		return out_printf("--%s--\r\n.\r\n", c.boundary); /* base64 never starts a line with '.' */
	}
	return 0;
}

static void conn_close(void)
{
	c.io = sg_io_free(c.io);
	if (c.fd >= 0)
		close(c.fd);
	c.fd = -1;
	c.nin = c.nout = c.off = 0;
	c.part = 0;
	mail_free(c.m);
	c.m = NULL;
	c.step = S_IDLE;
	/* The next mail starts from the timer, outside this connection's callbacks. */
	if (c.timer && head)
		sg_timer_restart(c.timer, 0);
	else if (c.timer)
		sg_timer_stop(c.timer);
}

static void fail(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void fail(const char *fmt, ...)
{
	char why[300];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(why, sizeof(why), fmt, ap);
	va_end(ap);
	SG_ERROR(TAG, "box %s: message %u not e-mailed to %s through %s: %s (the message stays in the box)",
		 c.m->box, c.m->num, c.m->to, cfg.relay_text, why);
	conn_close();
}

static void want(unsigned events)
{
	if (c.io)
		sg_io_set_events(c.io, events);
}

/* Writes what is pending (and, in the body, what comes next) until the socket
 * is full: 0, or -1 after failing the mail. */
static int flush(void)
{
	for (;;) {
		if (c.off == c.nout) {
			c.off = c.nout = 0;
			if (c.step != S_BODY || c.part == 2)
				break;
			int rc = body_fill();
			if (rc) {
				fail("cannot read the message's WAV: %s", strerror(-rc));
				return -1;
			}
			continue;
		}
		ssize_t n = send(c.fd, c.out + c.off, c.nout - c.off, MSG_NOSIGNAL);
		if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
			want(SG_IO_READ | SG_IO_WRITE);
			return 0;
		}
		if (n < 0) {
			fail("sending %s: %s", step_names[c.step], strerror(errno));
			return -1;
		}
		c.off += (size_t)n;
	}
	want(SG_IO_READ);
	return 0;
}

static int command(enum step next, const char *fmt, const char *arg)
{
	c.step = next;
	if (out_printf(fmt, arg)) {
		fail("out of memory");
		return -1;
	}
	return flush();
}

/* A complete reply (its last line): moves the dialogue on. */
static void reply(int code, const char *line)
{
	enum step s = c.step;
	bool ok = (s == S_GREETING && code == 220) || (s == S_EHLO && code == 250) || (s == S_MAIL && code == 250) ||
		  (s == S_RCPT && (code == 250 || code == 251)) || (s == S_DATA && code == 354) ||
		  (s == S_BODY && code == 250) || s == S_QUIT;
	if (!ok) {
		fail("the relay answered %s with \"%s\"", step_names[s], line);
		return;
	}
	sg_timer_restart(c.timer, cfg.timeout_s * 1000u);
	switch (s) {
	case S_GREETING: command(S_EHLO, "EHLO %s\r\n", cfg.helo); break;
	case S_EHLO: command(S_MAIL, "MAIL FROM:<%s>\r\n", cfg.from); break;
	case S_MAIL: command(S_RCPT, "RCPT TO:<%s>\r\n", c.m->to); break;
	case S_RCPT: command(S_DATA, "DATA\r\n%s", ""); break;
	case S_DATA:
		c.step = S_BODY;
		flush();
		break;
	case S_BODY:
		SG_NOTICE(TAG, "box %s: message %u e-mailed to %s (%s)", c.m->box, c.m->num, c.m->to, line);
		command(S_QUIT, "QUIT\r\n%s", "");
		break;
	default: conn_close(); break;
	}
}

/* Splits what arrived into lines; a reply ends with a line "NNN text" (not "NNN-"). */
static void on_read(void)
{
	ssize_t n = recv(c.fd, c.in + c.nin, sizeof(c.in) - 1 - c.nin, 0);
	if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR))
		return;
	if (n <= 0) {
		if (c.step == S_QUIT)
			conn_close();
		else
			fail("the relay closed the connection during %s%s%s", step_names[c.step], n ? ": " : "",
			     n ? strerror(errno) : "");
		return;
	}
	c.nin += (size_t)n;
	char *eol;
	while (c.m && (eol = memchr(c.in, '\n', c.nin))) {
		size_t len = (size_t)(eol - c.in) + 1;
		char line[sizeof(c.in)];
		memcpy(line, c.in, len);
		line[len - 1] = '\0';
		if (len > 1 && line[len - 2] == '\r')
			line[len - 2] = '\0';
		memmove(c.in, c.in + len, c.nin - len);
		c.nin -= len;
		bool digits = line[0] >= '2' && line[0] <= '5' && line[1] >= '0' && line[1] <= '9' && line[2] >= '0' &&
			      line[2] <= '9';
		if (!digits) {
			char shown[80];
			ascii(shown, sizeof(shown), line);
			fail("not an SMTP reply: \"%s\"", shown);
			return;
		}
		if (line[3] == '-')
			continue; /* a line of a multi-line reply */
		char shown[200];
		ascii(shown, sizeof(shown), line);
		reply(atoi(line), shown);
	}
	if (c.m && c.nin == sizeof(c.in) - 1)
		fail("a reply line longer than %zu bytes", sizeof(c.in) - 1);
}

static void on_io(struct sg_io *io, int fd, unsigned events, void *arg)
{
	(void)io, (void)fd, (void)arg;
	if (c.step == S_CONNECT) {
		int err = 0;
		socklen_t len = sizeof(err);
		getsockopt(c.fd, SOL_SOCKET, SO_ERROR, &err, &len);
		if (err) {
			fail("cannot connect: %s", strerror(err));
			return;
		}
		c.step = S_GREETING;
		want(SG_IO_READ);
		return;
	}
	if ((events & SG_IO_WRITE) && flush())
		return;
	if ((events & SG_IO_READ) && c.m)
		on_read();
}

static void start_next(void)
{
	struct mail *m = head;
	if (!m || c.m)
		return;
	head = m->next;
	if (!head)
		tail = NULL;
	queued--;
	c.m = m;
	c.fd = socket(cfg.relay.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (c.fd < 0) {
		fail("socket: %s", strerror(errno));
		return;
	}
	if (connect(c.fd, (struct sockaddr *)&cfg.relay, cfg.relay_len) < 0 && errno != EINPROGRESS) {
		fail("cannot connect: %s", strerror(errno));
		return;
	}
	c.step = S_CONNECT;
	if (!(c.io = sg_io_watch(sg_loop_main(), owner, c.fd, SG_IO_WRITE, on_io, NULL))) {
		fail("out of memory");
		return;
	}
	sg_timer_restart(c.timer, cfg.timeout_s * 1000u);
}

static void on_timer(struct sg_timer *t, void *arg)
{
	(void)t, (void)arg;
	if (c.step == S_IDLE)
		start_next();
	else
		fail("no answer from the relay in %u s during %s", cfg.timeout_s, step_names[c.step]);
}

void vm_mail_saved(const struct vm_box *b, const struct vm_msg *m)
{
	char key[VM_ID_MAX + 32];
	const char *to = NULL;
	snprintf(key, sizeof(key), "voicemail.boxes.%s.email", b->id);
	if (!sg_config_string(key, &to) || !*to)
		return;
	if (!cfg.on) {
		SG_WARNING(TAG, "box %s: message %u not e-mailed to %s: no usable voicemail.smtp.relay", b->id, m->num,
			   to);
		return;
	}
	if (!address_ok(to)) {
		SG_ERROR(TAG, "box %s: %s = \"%s\" is not a plain mail address: message %u not e-mailed", b->id, key,
			 to, m->num);
		return;
	}
	if (queued >= QUEUE_MAX) {
		SG_ERROR(TAG, "box %s: message %u not e-mailed to %s: %d mails are already waiting for the relay",
			 b->id, m->num, to, QUEUE_MAX);
		return;
	}
	if (!c.timer && !(c.timer = sg_timer_start(sg_loop_main(), owner, 0, 0, on_timer, NULL))) {
		SG_ERROR(TAG, "box %s: message %u not e-mailed: out of memory", b->id, m->num);
		return;
	}
	char path[1024];
	vm_msg_path(b, m->folder, m->num, path, sizeof(path));
	struct mail *x = calloc(1, sizeof(*x));
	if (!x || !(x->wav = fopen(path, "rbe"))) {
		SG_ERROR(TAG, "box %s: message %u not e-mailed to %s: %s: %s", b->id, m->num, to, path,
			 x ? strerror(errno) : "out of memory");
		free(x);
		return;
	}
	snprintf(x->box, sizeof(x->box), "%s", b->id);
	snprintf(x->to, sizeof(x->to), "%s", to);
	snprintf(x->caller, sizeof(x->caller), "%s", m->caller);
	snprintf(x->name, sizeof(x->name), "%s", m->name);
	x->num = m->num;
	x->time = m->time;
	x->seconds = m->seconds;
	if (tail)
		tail->next = x;
	else
		head = x;
	tail = x;
	queued++;
	if (c.step == S_IDLE)
		sg_timer_restart(c.timer, 0);
}

void vm_mail_stop(void)
{
	if (c.m) {
		SG_WARNING(TAG, "box %s: message %u not e-mailed to %s: the module is unloading", c.m->box, c.m->num,
			   c.m->to);
	}
	while (head) {
		struct mail *m = head;
		head = m->next;
		SG_WARNING(TAG, "box %s: message %u not e-mailed to %s: the module is unloading", m->box, m->num,
			   m->to);
		mail_free(m);
	}
	tail = NULL;
	queued = 0;
	c.timer = sg_timer_free(c.timer);
	conn_close();
	free(c.out);
	c.out = NULL;
	c.cap = 0;
}
