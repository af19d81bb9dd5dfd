/* message_store.c: per-user message logs with persisted sequence numbers (see message_store.h). */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <strowger/cli.h>
#include <strowger/log.h>
#include <strowger/store.h>

#include "message_store.h"
#include "sip_pl.h"

#define TAG "sip"

/*
 * Keys: "USER/00000000000000000042" for a message (zero-padded, so the store's
 * key order is sequence order) and "USER/last" for the last number given, which
 * sorts after every message of the user. A message's value is
 * "SEQ DELIVERED TIME\nFROM\nCONTENT-TYPE\n" followed by the body bytes.
 */
struct box {
	char user[64];
	uint64_t last;
	struct sip_im *head, *tail;
	size_t count, pending;
	struct box *next;
};

static struct sg_store *store;
static struct box *boxes;
static unsigned history = 100;

void sip_imstore_set_history(unsigned max) { history = max ? max : 1; }

static struct box *box_find(const char *user, bool create)
{
	for (struct box *b = boxes; b; b = b->next)
		if (!strcmp(b->user, user))
			return b;
	if (!create || strlen(user) >= sizeof(boxes->user))
		return NULL;
	struct box *b = calloc(1, sizeof(*b));
	if (!b)
		return NULL;
	sip_strcpy(b->user, sizeof(b->user), user);
	b->next = boxes;
	boxes = b;
	return b;
}

static void msg_key(const char *user, uint64_t seq, char *key, size_t len)
{
	snprintf(key, len, "%s/%020" PRIu64, user, seq);
}

static int persist_last(const struct box *b)
{
	char key[96], val[32];
	if (!store)
		return 0;
	snprintf(key, sizeof(key), "%s/last", b->user);
	int n = snprintf(val, sizeof(val), "%" PRIu64, b->last);
	return sg_store_put(store, key, val, (size_t)n);
}

static int persist_msg(const char *user, const struct sip_im *m)
{
	char key[96], head[300];
	if (!store)
		return 0;
	msg_key(user, m->seq, key, sizeof(key));
	int n = snprintf(head, sizeof(head), "%" PRIu64 " %d %lld\n%s\n%s\n", m->seq, m->delivered,
			 (long long)m->time, m->from, m->ctype);
	char *val = malloc((size_t)n + m->len);
	if (!val)
		return -ENOMEM;
	memcpy(val, head, (size_t)n);
	memcpy(val + n, m->body, m->len);
	int rc = sg_store_put(store, key, val, (size_t)n + m->len);
	free(val);
	return rc;
}

static void msg_free(struct sip_im *m)
{
	if (m)
		free(m->body);
	free(m);
}

/* Removes the box's oldest delivered message: pending ones are never pushed out
 * (sip_imstore_add refuses a new message instead). */
static void drop_oldest(struct box *b)
{
	struct sip_im **pp = &b->head, *prev = NULL;
	while (*pp && !(*pp)->delivered) {
		prev = *pp;
		pp = &(*pp)->next;
	}
	struct sip_im *m = *pp;
	if (!m)
		return;
	char key[96];
	*pp = m->next;
	if (b->tail == m)
		b->tail = prev;
	b->count--;
	msg_key(b->user, m->seq, key, sizeof(key));
	if (store)
		sg_store_del(store, key);
	msg_free(m);
}

static struct sip_im *msg_new(const char *from, const char *ctype, const void *body, size_t len)
{
	struct sip_im *m = calloc(1, sizeof(*m));
	if (!m || !(m->body = malloc(len + 1))) {
		free(m);
		return NULL;
	}
	memcpy(m->body, body, len);
	m->body[len] = '\0'; /* for logs and the console; the length says where it ends */
	m->len = len;
	sip_strcpy(m->from, sizeof(m->from), from);
	sip_strcpy(m->ctype, sizeof(m->ctype), ctype);
	return m;
}

static void append(struct box *b, struct sip_im *m)
{
	if (b->tail)
		b->tail->next = m;
	else
		b->head = m;
	b->tail = m;
	b->count++;
	if (!m->delivered)
		b->pending++;
}

/* One stored row: a message (restored in key order, which is sequence order) or
 * a user's last number. Rows that do not parse are skipped and logged. */
static void restore(const char *key, const void *val, size_t len, void *arg)
{
	(void)arg;
	char user[64];
	const char *slash = strrchr(key, '/');
	if (!slash || (size_t)(slash - key) >= sizeof(user) || slash == key)
		goto bad;
	memcpy(user, key, (size_t)(slash - key));
	user[slash - key] = '\0';
	struct box *b = box_find(user, true);
	if (!b)
		return;
	const char *v = val, *end = v + len;
	if (!strcmp(slash + 1, "last")) {
		char num[32];
		if (len == 0 || len >= sizeof(num))
			goto bad;
		memcpy(num, v, len);
		num[len] = '\0';
		uint64_t last = strtoull(num, NULL, 10);
		if (last > b->last)
			b->last = last;
		return;
	}
	/* The head's three lines, then the body. */
	const char *nl[3], *p = v;
	for (int i = 0; i < 3; i++) {
		nl[i] = memchr(p, '\n', (size_t)(end - p));
		if (!nl[i])
			goto bad;
		p = nl[i] + 1;
	}
	unsigned long long seq;
	int delivered;
	long long when;
	char head[64], from[64], ctype[128];
	size_t hl = (size_t)(nl[0] - v), fl = (size_t)(nl[1] - nl[0] - 1), cl = (size_t)(nl[2] - nl[1] - 1);
	if (hl >= sizeof(head) || fl >= sizeof(from) || cl >= sizeof(ctype))
		goto bad;
	memcpy(head, v, hl);
	head[hl] = '\0';
	memcpy(from, nl[0] + 1, fl);
	from[fl] = '\0';
	memcpy(ctype, nl[1] + 1, cl);
	ctype[cl] = '\0';
	if (sscanf(head, "%llu %d %lld", &seq, &delivered, &when) != 3 || !seq)
		goto bad;
	struct sip_im *m = msg_new(from, ctype, p, (size_t)(end - p));
	if (!m)
		return;
	m->seq = seq;
	m->delivered = delivered != 0;
	m->time = when;
	if (b->tail && b->tail->seq >= seq) {
		msg_free(m);
		goto bad;
	}
	append(b, m);
	/* Should the counter row have been lost, never give a number out twice. */
	if (seq > b->last)
		b->last = seq;
	return;
bad:
	SG_WARNING(TAG, "stored message row '%s' is unreadable; skipped", key);
}

int sip_imstore_init(struct sg_module *self)
{
	int rc = sg_store_open(self, "sip_messages", &store);
	if (rc) {
		SG_ERROR(TAG, "messages cannot be stored (%s): they will not survive a restart", strerror(-rc));
		store = NULL;
		return 0;
	}
	sg_store_load(store, restore, NULL);
	size_t n = 0, pending = 0;
	for (struct box *b = boxes; b; b = b->next) {
		n += b->count;
		pending += b->pending;
	}
	if (n)
		SG_NOTICE(TAG, "restored %zu stored message%s (%zu pending)", n, n == 1 ? "" : "s", pending);
	return 0;
}

void sip_imstore_shutdown(void)
{
	if (store)
		sg_store_close(store);
	store = NULL;
	while (boxes) {
		struct box *b = boxes;
		boxes = b->next;
		while (b->head) {
			struct sip_im *m = b->head;
			b->head = m->next;
			msg_free(m);
		}
		free(b);
	}
}

int sip_imstore_add(const char *user, const char *from, const char *ctype, const void *body, size_t len,
		    const struct sip_im **out)
{
	struct box *b = box_find(user, true);
	if (!b)
		return -ENOMEM;
	if (b->pending >= history)
		return -ENOSPC;
	struct sip_im *m = msg_new(from, ctype, body, len);
	if (!m)
		return -ENOMEM;
	m->seq = b->last + 1;
	m->time = (int64_t)time(NULL);
	/* The number is spent once its counter is queued, whatever happens next. */
	b->last = m->seq;
	int rc = persist_last(b);
	if (!rc)
		rc = persist_msg(user, m);
	if (rc) {
		SG_WARNING(TAG, "message for %s not stored: %s", user, strerror(-rc));
		msg_free(m);
		return rc;
	}
	/* Room: the oldest delivered go first; fewer than `history` are pending, so
	 * there is always one. */
	while (b->count >= history && b->count > b->pending)
		drop_oldest(b);
	append(b, m);
	*out = m;
	return 0;
}

const struct sip_im *sip_imstore_next(const char *user, uint64_t after, bool pending_only)
{
	struct box *b = box_find(user, false);
	for (struct sip_im *m = b ? b->head : NULL; m; m = m->next)
		if (m->seq > after && (!pending_only || !m->delivered))
			return m;
	return NULL;
}

void sip_imstore_delivered(const char *user, uint64_t seq, bool upto)
{
	struct box *b = box_find(user, false);
	for (struct sip_im *m = b ? b->head : NULL; m && m->seq <= seq; m = m->next) {
		if (m->delivered || (!upto && m->seq != seq))
			continue;
		m->delivered = true;
		b->pending--;
		int rc = persist_msg(user, m);
		if (rc)
			SG_WARNING(TAG, "message %" PRIu64 " for %s: delivery not saved: %s", m->seq, user,
				   strerror(-rc));
	}
}

uint64_t sip_imstore_last(const char *user, size_t *stored, size_t *pending)
{
	struct box *b = box_find(user, false);
	if (stored)
		*stored = b ? b->count : 0;
	if (pending)
		*pending = b ? b->pending : 0;
	return b ? b->last : 0;
}

/* The body on one line for the console: controls shown as '.', cut at 40 bytes. */
static void preview(const struct sip_im *m, char *out, size_t size)
{
	size_t n = 0;
	for (size_t i = 0; i < m->len && n + 4 < size && i < 40; i++)
		out[n++] = (unsigned char)m->body[i] < 0x20 || m->body[i] == 0x7f ? '.' : m->body[i];
	if (m->len > 40 && n + 4 < size)
		n += (size_t)snprintf(out + n, size - n, "...");
	out[n] = '\0';
}

void sip_imstore_show(struct sg_cli *cli, const char *user)
{
	if (!user) {
		size_t n = 0;
		sg_cli_printf(cli, "%-12s %-10s %-8s %s\n", "User", "Last seq", "Stored", "Pending");
		for (struct box *b = boxes; b; b = b->next, n++)
			sg_cli_printf(cli, "%-12s %-10" PRIu64 " %-8zu %zu\n", b->user, b->last, b->count, b->pending);
		sg_cli_printf(cli, "%zu user%s with messages (history: %u per user)\n", n, n == 1 ? "" : "s",
			      history);
		return;
	}
	struct box *b = box_find(user, false);
	sg_cli_printf(cli, "%-8s %-10s %-20s %-12s %-24s %s\n", "Seq", "State", "Accepted", "From", "Type", "Text");
	for (struct sip_im *m = b ? b->head : NULL; m; m = m->next) {
		char when[32], text[64];
		time_t t = (time_t)m->time;
		struct tm tm;
		strftime(when, sizeof(when), "%Y-%m-%d %H:%M:%S", gmtime_r(&t, &tm));
		preview(m, text, sizeof(text));
		sg_cli_printf(cli, "%-8" PRIu64 " %-10s %-20s %-12s %-24s %s\n", m->seq,
			      m->delivered ? "delivered" : "pending", when, m->from, m->ctype, text);
	}
	sg_cli_printf(cli, "%s: %zu stored, %zu pending, last seq %" PRIu64 "\n", user, b ? b->count : 0,
		      b ? b->pending : 0, b ? b->last : 0);
}
