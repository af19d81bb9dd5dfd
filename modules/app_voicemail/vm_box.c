/*
 * vm_box.c: the mailboxes in memory, on disk and in the store. A message is the
 * file <data>/voicemail/<box>/<folder>/msgNNNN.wav plus one index row
 * "msg/<box>/<NNNN>" in the store namespace "voicemail" (folder, time, length,
 * caller). The file always moves first (rename, atomic) and the row follows, so
 * after a crash the file is the truth: vm_boxes_load() reconciles rows without a
 * file, files without a row and recordings left in tmp/, and logs each repair.
 */
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <time.h>
#include <unistd.h>

#include <strowger/config.h>
#include <strowger/log.h>
#include <strowger/loop.h>
#include <strowger/mwi.h>
#include <strowger/store.h>
#include <strowger/users.h>

#include "vm_box.h"
#include "vm_mail.h"
#include "vm_wav.h"

#define TAG "voicemail"
#define MAX_BOXES 10000

struct vm_settings vm_cfg;

static struct sg_module *self;
static struct sg_store *store;
static struct vm_box **boxes;
static size_t nboxes, capboxes;

static const char *const folder_names[] = {[VM_INBOX] = "INBOX", [VM_OLD] = "Old", [VM_TMP] = "tmp"};

static unsigned cfg_uint(const char *path, unsigned def, unsigned lo, unsigned hi)
{
	long long v;
	if (!sg_config_int(path, &v))
		return def;
	if (v < lo || v > hi) {
		SG_WARNING(TAG, "%s = %lld is out of range (%u to %u): using %u", path, v, lo, hi, def);
		return def;
	}
	return (unsigned)v;
}

void vm_read_config(void)
{
	vm_cfg.max_messages = cfg_uint("voicemail.max_messages", 100, 1, 9999);
	vm_cfg.max_seconds = cfg_uint("voicemail.max_seconds", 180, 5, 3600);
	vm_cfg.pin_tries = cfg_uint("voicemail.pin_tries", 3, 1, 10);
	vm_cfg.min_free_kb = (unsigned long long)cfg_uint("voicemail.min_free_mb", 10, 0, 1000000) * 1024;
	vm_cfg.min_seconds = 1;
	sg_config_number("voicemail.min_seconds", &vm_cfg.min_seconds);
	vm_cfg.silence = 5;
	sg_config_number("voicemail.silence", &vm_cfg.silence);
	vm_cfg.review = false;
	sg_config_bool("voicemail.review", &vm_cfg.review);
}

static void base_dir(char *out, size_t size)
{
	snprintf(out, size, "%s/voicemail", sg_config_data_dir());
}

static void box_dir(const struct vm_box *b, const char *sub, char *out, size_t size)
{
	snprintf(out, size, "%s/voicemail/%s%s%s", sg_config_data_dir(), b->id, sub ? "/" : "", sub ? sub : "");
}

void vm_msg_path(const struct vm_box *b, enum vm_folder f, unsigned num, char *out, size_t size)
{
	snprintf(out, size, "%s/voicemail/%s/%s/msg%04u.wav", sg_config_data_dir(), b->id, folder_names[f], num);
}

void vm_greeting_path(const struct vm_box *b, const char *kind, char *out, size_t size)
{
	snprintf(out, size, "%s/voicemail/%s/greetings/%s.wav", sg_config_data_dir(), b->id, kind);
}

bool vm_box_valid_id(const char *id)
{
	size_t len = strlen(id);
	if (!len || len >= VM_ID_MAX || id[0] == '.')
		return false;
	for (const char *p = id; *p; p++)
		if (!isalnum((unsigned char)*p) && *p != '_' && *p != '-' && *p != '.' && *p != '+')
			return false;
	return true;
}

struct vm_box *vm_box_find(const char *id)
{
	for (size_t i = 0; id && i < nboxes; i++)
		if (!strcmp(boxes[i]->id, id))
			return boxes[i];
	return NULL;
}

size_t vm_box_count(void) { return nboxes; }
struct vm_box *vm_box_at(size_t i) { return i < nboxes ? boxes[i] : NULL; }

static int box_cmp(const void *a, const void *b)
{
	const struct vm_box *x = *(struct vm_box *const *)a, *y = *(struct vm_box *const *)b;
	/* Numeric boxes in numeric order, then the others by name. */
	size_t lx = strlen(x->id), ly = strlen(y->id);
	if (lx != ly && isdigit((unsigned char)x->id[0]) && isdigit((unsigned char)y->id[0]))
		return lx < ly ? -1 : 1;
	return strcmp(x->id, y->id);
}

static struct vm_box *box_add(const char *id)
{
	struct vm_box *b = vm_box_find(id);
	if (b || !vm_box_valid_id(id))
		return b;
	if (nboxes >= MAX_BOXES)
		return NULL;
	if (nboxes == capboxes) {
		size_t cap = capboxes ? capboxes * 2 : 32;
		struct vm_box **nb = realloc(boxes, cap * sizeof(*nb));
		if (!nb)
			return NULL;
		boxes = nb;
		capboxes = cap;
	}
	if (!(b = calloc(1, sizeof(*b))))
		return NULL;
	snprintf(b->id, sizeof(b->id), "%s", id);
	b->next_num = 1;
	boxes[nboxes++] = b;
	return b;
}

void vm_box_counts(const struct vm_box *b, unsigned *new_msgs, unsigned *old_msgs)
{
	*new_msgs = *old_msgs = 0;
	for (size_t i = 0; i < b->n; i++)
		(*(b->msgs[i].folder == VM_INBOX ? new_msgs : old_msgs))++;
}

static void publish(const struct vm_box *b)
{
	unsigned n, o;
	vm_box_counts(b, &n, &o);
	if (sg_mwi_set(b->id, n, o))
		SG_WARNING(TAG, "box %s: cannot publish message-waiting counts", b->id);
}

struct vm_msg *vm_msg_find(struct vm_box *b, unsigned num)
{
	for (size_t i = 0; i < b->n; i++)
		if (b->msgs[i].num == num)
			return &b->msgs[i];
	return NULL;
}

/* Inserts in number order (a copy of m); the stored entry, or NULL. */
static struct vm_msg *msg_insert(struct vm_box *b, const struct vm_msg *m)
{
	if (b->n == b->cap) {
		size_t cap = b->cap ? b->cap * 2 : 16;
		struct vm_msg *nm = realloc(b->msgs, cap * sizeof(*nm));
		if (!nm)
			return NULL;
		b->msgs = nm;
		b->cap = cap;
	}
	size_t i = b->n;
	while (i > 0 && b->msgs[i - 1].num > m->num)
		i--;
	memmove(&b->msgs[i + 1], &b->msgs[i], (b->n - i) * sizeof(*m));
	b->msgs[i] = *m;
	b->n++;
	if (m->num >= b->next_num)
		b->next_num = m->num + 1;
	return &b->msgs[i];
}

static void msg_remove(struct vm_box *b, struct vm_msg *m)
{
	size_t i = (size_t)(m - b->msgs);
	memmove(&b->msgs[i], &b->msgs[i + 1], (b->n - i - 1) * sizeof(*m));
	b->n--;
}

/* --- the index rows --- */

static void clean_field(char *dst, size_t size, const char *src)
{
	size_t j = 0;
	for (const char *p = src ? src : ""; *p && j + 1 < size; p++)
		dst[j++] = (*p == '\t' || *p == '\n' || *p == '\r') ? ' ' : *p;
	dst[j] = '\0';
}

static void row_key(const struct vm_box *b, unsigned num, char *out, size_t size)
{
	snprintf(out, size, "msg/%s/%04u", b->id, num);
}

static void row_put(const struct vm_box *b, const struct vm_msg *m)
{
	char key[128], val[512];
	row_key(b, m->num, key, sizeof(key));
	int len = snprintf(val, sizeof(val), "folder=%s\ttime=%lld\tseconds=%.2f\tcaller=%s\tname=%s",
			   folder_names[m->folder], m->time, m->seconds, m->caller, m->name);
	int rc = sg_store_put(store, key, val, (size_t)len);
	if (rc)
		SG_WARNING(TAG, "box %s: cannot index message %u (%s): the next start indexes it from its file",
			b->id, m->num, strerror(-rc));
}

static void row_del(const struct vm_box *b, unsigned num)
{
	char key[128];
	row_key(b, num, key, sizeof(key));
	int rc = sg_store_del(store, key);
	if (rc)
		SG_WARNING(TAG, "box %s: cannot remove the index of message %u (%s)", b->id, num, strerror(-rc));
}

static bool row_parse(const char *val, size_t len, struct vm_msg *m)
{
	char buf[512];
	if (len >= sizeof(buf))
		return false;
	memcpy(buf, val, len);
	buf[len] = '\0';
	int folder = -1;
	char *save = NULL;
	for (char *f = strtok_r(buf, "\t", &save); f; f = strtok_r(NULL, "\t", &save)) {
		char *eq = strchr(f, '=');
		if (!eq)
			continue;
		*eq++ = '\0';
		if (!strcmp(f, "folder")) {
			for (int i = 0; i < 3; i++)
				if (!strcmp(eq, folder_names[i]))
					folder = i;
		} else if (!strcmp(f, "time"))
			m->time = strtoll(eq, NULL, 10);
		else if (!strcmp(f, "seconds"))
			m->seconds = strtod(eq, NULL);
		else if (!strcmp(f, "caller"))
			snprintf(m->caller, sizeof(m->caller), "%s", eq);
		else if (!strcmp(f, "name"))
			snprintf(m->name, sizeof(m->name), "%s", eq);
	}
	m->folder = (enum vm_folder)folder;
	return folder >= 0;
}

/* --- loading and reconciling --- */

/* Index rows read at load, before they are matched with files. */
struct row {
	char box[VM_ID_MAX];
	struct vm_msg m;
	bool matched;
};
static struct row *rows;
static size_t nrows, caprows;

static void load_row(const char *key, const void *val, size_t len, void *arg)
{
	(void)arg;
	if (!strncmp(key, "pin/", 4)) {
		struct vm_box *b = box_add(key + 4);
		if (b && len < sizeof(b->pin)) {
			memcpy(b->pin, val, len);
			b->pin[len] = '\0';
		}
		return;
	}
	const char *slash = strncmp(key, "msg/", 4) ? NULL : strrchr(key + 4, '/');
	struct row r = {0};
	if (!slash || (size_t)(slash - key - 4) >= sizeof(r.box) || !row_parse(val, len, &r.m)) {
		SG_WARNING(TAG, "index: ignoring a malformed row '%s'", key);
		return;
	}
	memcpy(r.box, key + 4, (size_t)(slash - key - 4));
	r.m.num = (unsigned)strtoul(slash + 1, NULL, 10);
	if (nrows == caprows) {
		size_t cap = caprows ? caprows * 2 : 64;
		struct row *nr = realloc(rows, cap * sizeof(*nr));
		if (!nr)
			return;
		rows = nr;
		caprows = cap;
	}
	rows[nrows++] = r;
	box_add(r.box);
}

static struct row *row_for(const struct vm_box *b, unsigned num)
{
	for (size_t i = 0; i < nrows; i++)
		if (!rows[i].matched && rows[i].m.num == num && !strcmp(rows[i].box, b->id))
			return &rows[i];
	return NULL;
}

/* msgNNNN.wav -> NNNN; 0 for any other name. */
static unsigned msg_num(const char *name)
{
	unsigned num;
	int end = 0;
	if (sscanf(name, "msg%u.wav%n", &num, &end) == 1 && end > 0 && name[end] == '\0' && num > 0)
		return num;
	return 0;
}

static void mkdirs(const struct vm_box *b)
{
	char path[1024];
	base_dir(path, sizeof(path));
	mkdir(path, 0770);
	box_dir(b, NULL, path, sizeof(path));
	mkdir(path, 0770);
	for (int f = 0; f < 3; f++) {
		box_dir(b, folder_names[f], path, sizeof(path));
		mkdir(path, 0770);
	}
	box_dir(b, "greetings", path, sizeof(path));
	mkdir(path, 0770);
}

/* Files of one folder: index each message file, matching its row. */
static void scan_folder(struct vm_box *b, enum vm_folder f)
{
	char dir[1024];
	box_dir(b, folder_names[f], dir, sizeof(dir));
	DIR *d = opendir(dir);
	if (!d)
		return;
	struct dirent *e;
	while ((e = readdir(d))) {
		char path[1400];
		snprintf(path, sizeof(path), "%s/%s", dir, e->d_name);
		size_t len = strlen(e->d_name);
		if (f == VM_TMP && len > 4 && !strcmp(e->d_name + len - 4, ".tmp")) {
			/* res_rtp's name while writing: the PBX stopped mid-recording. */
			SG_WARNING(TAG, "box %s: discarding %s, a recording cut short by a stop of the PBX", b->id,
				e->d_name);
			unlink(path);
			continue;
		}
		unsigned num = msg_num(e->d_name);
		if (!num)
			continue;
		if (num >= b->next_num)
			b->next_num = num + 1;
		char why[128];
		struct vm_msg m = {.num = num, .folder = f};
		if (vm_wav_seconds(path, &m.seconds, why, sizeof(why)) < 0) {
			SG_WARNING(TAG, "box %s: skipping %s/%s: %s", b->id, folder_names[f], e->d_name, why);
			continue;
		}
		struct row *r = row_for(b, num);
		if (r) {
			r->matched = true;
			snprintf(m.caller, sizeof(m.caller), "%s", r->m.caller);
			snprintf(m.name, sizeof(m.name), "%s", r->m.name);
			m.time = r->m.time;
		} else {
			struct stat st;
			m.time = stat(path, &st) == 0 ? (long long)st.st_mtime : (long long)time(NULL);
			snprintf(m.caller, sizeof(m.caller), "unknown");
			SG_NOTICE(TAG, "box %s: %s/%s had no index row: indexed", b->id, folder_names[f], e->d_name);
		}
		if (f == VM_TMP) {
			/* A recording that finished but was never moved into INBOX. */
			char to[1024];
			vm_msg_path(b, VM_INBOX, num, to, sizeof(to));
			if (rename(path, to) < 0) {
				SG_WARNING(TAG, "box %s: cannot move %s to INBOX: %s", b->id, e->d_name, strerror(errno));
				continue;
			}
			SG_NOTICE(TAG, "box %s: recovered message %u, recorded before a stop of the PBX", b->id, num);
			m.folder = VM_INBOX;
		}
		if (!r || r->m.folder != m.folder || f == VM_TMP)
			row_put(b, &m);
		if (vm_msg_find(b, num)) {
			SG_WARNING(TAG, "box %s: message %u is in two folders: keeping one", b->id, num);
			continue;
		}
		msg_insert(b, &m);
	}
	closedir(d);
}

static void reconcile(struct vm_box *b)
{
	mkdirs(b);
	scan_folder(b, VM_TMP);
	scan_folder(b, VM_INBOX);
	scan_folder(b, VM_OLD);
	for (size_t i = 0; i < nrows; i++) {
		struct row *r = &rows[i];
		if (r->matched || strcmp(r->box, b->id))
			continue;
		r->matched = true;
		SG_NOTICE(TAG, "box %s: index row for message %u has no file (%s): removed", b->id, r->m.num,
			  r->m.folder == VM_TMP ? "a recording that never finished" : "deleted or lost");
		row_del(b, r->m.num);
	}
}

static void add_config_boxes(void)
{
	for (size_t i = 0; i < sg_users_count(); i++) {
		const struct sg_user *u = sg_user_at(i);
		if (u && !box_add(u->id) && vm_box_valid_id(u->id))
			SG_WARNING(TAG, "cannot add a box for user %s", u->id);
	}
	size_t n = sg_config_list_len("voicemail.extra_boxes");
	for (size_t i = 0; i < n; i++) {
		const char *id = sg_config_list_get("voicemail.extra_boxes", i);
		if (id && !box_add(id))
			SG_WARNING(TAG, "voicemail.extra_boxes: '%s' is not a valid box name", id);
	}
}

static void finish_new_boxes(size_t from)
{
	for (size_t i = from; i < nboxes; i++) {
		reconcile(boxes[i]);
		publish(boxes[i]);
	}
	qsort(boxes, nboxes, sizeof(*boxes), box_cmp);
}

int vm_boxes_load(struct sg_module *m)
{
	self = m;
	int rc = sg_store_open(m, "voicemail", &store);
	if (rc) {
		SG_ERROR(TAG, "cannot open the store: %s", strerror(-rc));
		return rc;
	}
	char base[1024];
	base_dir(base, sizeof(base));
	if (mkdir(base, 0770) < 0 && errno != EEXIST) {
		SG_ERROR(TAG, "cannot create %s: %s", base, strerror(errno));
		return -errno;
	}
	add_config_boxes();
	DIR *d = opendir(base);
	struct dirent *e;
	while (d && (e = readdir(d))) {
		char path[1400];
		struct stat st;
		snprintf(path, sizeof(path), "%s/%s", base, e->d_name);
		if (e->d_name[0] != '.' && stat(path, &st) == 0 && S_ISDIR(st.st_mode))
			box_add(e->d_name);
	}
	if (d)
		closedir(d);
	nrows = 0;
	if ((rc = sg_store_load(store, load_row, NULL))) {
		SG_ERROR(TAG, "cannot read the index: %s", strerror(-rc));
		return rc;
	}
	finish_new_boxes(0);
	free(rows);
	rows = NULL;
	nrows = caprows = 0;
	return 0;
}

void vm_boxes_refresh(void)
{
	size_t before = nboxes;
	add_config_boxes();
	finish_new_boxes(before);
}

static void pending_free_all(void);

void vm_boxes_unload(void)
{
	pending_free_all();
	for (size_t i = 0; i < nboxes; i++) {
		free(boxes[i]->msgs);
		free(boxes[i]);
	}
	free(boxes);
	boxes = NULL;
	nboxes = capboxes = 0;
	sg_store_close(store);
	store = NULL;
}

/* --- messages --- */

static void remember(const struct vm_box *b, unsigned num, const char *caller, const char *name);

static bool disk_low(const struct vm_box *b)
{
	char dir[1024];
	struct statvfs sv;
	box_dir(b, NULL, dir, sizeof(dir));
	if (statvfs(dir, &sv) < 0)
		return false;
	return (unsigned long long)sv.f_bavail * sv.f_frsize / 1024 < vm_cfg.min_free_kb;
}

const char *vm_box_no_room(struct vm_box *b, const char *caller)
{
	if (b->n >= vm_cfg.max_messages) {
		SG_NOTICE(TAG, "box %s is full (%zu messages): %s cannot leave one", b->id, b->n, caller);
		return "full";
	}
	mkdirs(b);
	if (disk_low(b)) {
		SG_ERROR(TAG, "box %s: less than %llu MB free on the disk: %s cannot leave a message", b->id,
			 vm_cfg.min_free_kb / 1024, caller);
		return "disk";
	}
	return NULL;
}

int vm_msg_begin(struct vm_box *b, const char *caller, const char *name, unsigned *num, const char **why)
{
	if ((*why = vm_box_no_room(b, caller)))
		return -ENOSPC;
	struct vm_msg m = {.num = b->next_num++, .folder = VM_TMP, .time = (long long)time(NULL)};
	clean_field(m.caller, sizeof(m.caller), caller);
	clean_field(m.name, sizeof(m.name), name);
	row_put(b, &m);
	remember(b, m.num, caller, name);
	*num = m.num;
	*why = NULL;
	return 0;
}

/* A message whose file res_rtp has not put in place yet (the caller hung up). */
struct pending {
	struct pending *next;
	char box[VM_ID_MAX];
	struct vm_msg m;
	struct sg_timer *timer;
	unsigned tries;
};
static struct pending *pendings;
/* Who left each message being recorded (the store is write-only while running). */
struct started {
	struct started *next;
	char box[VM_ID_MAX];
	struct vm_msg m;
};
static struct started *starteds;

static void remember(const struct vm_box *b, unsigned num, const char *caller, const char *name)
{
	struct started *s = calloc(1, sizeof(*s));
	if (!s)
		return;
	snprintf(s->box, sizeof(s->box), "%s", b->id);
	s->m.num = num;
	s->m.time = (long long)time(NULL);
	clean_field(s->m.caller, sizeof(s->m.caller), caller);
	clean_field(s->m.name, sizeof(s->m.name), name);
	s->next = starteds;
	starteds = s;
}

/* Takes the remembered details of a message out of the list (into *m). */
static void recall(const struct vm_box *b, unsigned num, struct vm_msg *m)
{
	for (struct started **pp = &starteds; *pp; pp = &(*pp)->next) {
		struct started *s = *pp;
		if (s->m.num == num && !strcmp(s->box, b->id)) {
			*m = s->m;
			*pp = s->next;
			free(s);
			return;
		}
	}
	m->num = num;
	m->time = (long long)time(NULL);
	snprintf(m->caller, sizeof(m->caller), "unknown");
}

/* Moves the finished recording into INBOX and indexes it. */
static const char *commit_file(struct vm_box *b, struct vm_msg *m, const char *tmp)
{
	char why[128], to[1024];
	if (vm_wav_seconds(tmp, &m->seconds, why, sizeof(why)) < 0) {
		SG_ERROR(TAG, "box %s: message %u is unreadable (%s): dropped", b->id, m->num, why);
		unlink(tmp);
		row_del(b, m->num);
		return "error";
	}
	if (m->seconds < vm_cfg.min_seconds) {
		SG_INFO(TAG, "box %s: message %u from %s is %.1f s long: not kept", b->id, m->num, m->caller,
			m->seconds);
		unlink(tmp);
		row_del(b, m->num);
		return "empty";
	}
	vm_msg_path(b, VM_INBOX, m->num, to, sizeof(to));
	if (rename(tmp, to) < 0) {
		SG_ERROR(TAG, "box %s: cannot move message %u into INBOX: %s", b->id, m->num, strerror(errno));
		return "error";
	}
	m->folder = VM_INBOX;
	if (!msg_insert(b, m)) {
		SG_ERROR(TAG, "box %s: out of memory indexing message %u (indexed at the next start)", b->id,
			 m->num);
		return "error";
	}
	row_put(b, m);
	publish(b);
	SG_NOTICE(TAG, "box %s: new message %u from %s%s%s%s, %.1f s", b->id, m->num, m->caller,
		  m->name[0] ? " (" : "", m->name, m->name[0] ? ")" : "", m->seconds);
	vm_mail_saved(b, m);
	return "saved";
}

static void pending_done(struct pending *p)
{
	for (struct pending **pp = &pendings; *pp; pp = &(*pp)->next)
		if (*pp == p) {
			*pp = p->next;
			break;
		}
	sg_timer_free(p->timer);
	free(p);
}

/* The caller hung up while recording: res_rtp's worker renames the file shortly;
 * look for it every 100 ms for a few seconds. */
static void pending_tick(struct sg_timer *t, void *arg)
{
	(void)t;
	struct pending *p = arg;
	struct vm_box *b = vm_box_find(p->box);
	char tmp[1024];
	if (!b) {
		pending_done(p);
		return;
	}
	vm_msg_path(b, VM_TMP, p->m.num, tmp, sizeof(tmp));
	if (access(tmp, F_OK) == 0) {
		commit_file(b, &p->m, tmp);
		pending_done(p);
	} else if (++p->tries >= 100) {
		SG_WARNING(TAG, "box %s: message %u never appeared in tmp: the next start reconciles it", b->id,
			p->m.num);
		pending_done(p);
	}
}

static void pending_free_all(void)
{
	while (pendings)
		pending_done(pendings);
	while (starteds) {
		struct started *s = starteds;
		starteds = s->next;
		free(s);
	}
}

const char *vm_msg_commit(struct vm_box *b, unsigned num, double *seconds)
{
	char tmp[1024];
	struct vm_msg m = {0};
	recall(b, num, &m);
	*seconds = 0;
	vm_msg_path(b, VM_TMP, num, tmp, sizeof(tmp));
	if (access(tmp, F_OK) == 0) {
		const char *st = commit_file(b, &m, tmp);
		*seconds = m.seconds;
		return st;
	}
	struct pending *p = calloc(1, sizeof(*p));
	if (!p || !(p->timer = sg_timer_start(sg_loop_main(), self, 100, 100, pending_tick, p))) {
		free(p);
		SG_WARNING(TAG, "box %s: message %u is not in place yet: the next start reconciles it", b->id, num);
		return "error";
	}
	snprintf(p->box, sizeof(p->box), "%s", b->id);
	p->m = m;
	p->next = pendings;
	pendings = p;
	return "pending";
}

void vm_msg_discard(struct vm_box *b, unsigned num)
{
	char tmp[1024];
	struct vm_msg m;
	recall(b, num, &m);
	vm_msg_path(b, VM_TMP, num, tmp, sizeof(tmp));
	unlink(tmp);
	row_del(b, num);
}

int vm_msg_move_old(struct vm_box *b, unsigned num)
{
	struct vm_msg *m = vm_msg_find(b, num);
	if (!m)
		return -ENOENT;
	if (m->folder == VM_OLD)
		return 0;
	char from[1024], to[1024];
	vm_msg_path(b, VM_INBOX, num, from, sizeof(from));
	vm_msg_path(b, VM_OLD, num, to, sizeof(to));
	if (rename(from, to) < 0) {
		int err = errno;
		SG_ERROR(TAG, "box %s: cannot move message %u to Old: %s", b->id, num, strerror(err));
		return -err;
	}
	m->folder = VM_OLD;
	row_put(b, m);
	publish(b);
	SG_INFO(TAG, "box %s: message %u moved to Old", b->id, num);
	return 0;
}

int vm_msg_delete(struct vm_box *b, unsigned num)
{
	struct vm_msg *m = vm_msg_find(b, num);
	if (!m)
		return -ENOENT;
	char path[1024];
	vm_msg_path(b, m->folder, num, path, sizeof(path));
	if (unlink(path) < 0 && errno != ENOENT) {
		int err = errno;
		SG_ERROR(TAG, "box %s: cannot delete message %u: %s", b->id, num, strerror(err));
		return -err;
	}
	msg_remove(b, m);
	row_del(b, num);
	publish(b);
	SG_INFO(TAG, "box %s: message %u deleted", b->id, num);
	return 0;
}

const char *vm_box_pin(const struct vm_box *b, const char *fallback)
{
	if (b->pin[0])
		return b->pin;
	char path[128];
	const char *pin;
	snprintf(path, sizeof(path), "voicemail.boxes.%s.pin", b->id);
	if (sg_config_string(path, &pin) && *pin)
		return pin;
	return fallback && *fallback ? fallback : NULL;
}

int vm_box_set_pin(struct vm_box *b, const char *pin)
{
	char key[128];
	if (strlen(pin) >= sizeof(b->pin))
		return -EINVAL;
	snprintf(key, sizeof(key), "pin/%s", b->id);
	int rc = sg_store_put(store, key, pin, strlen(pin));
	if (rc)
		return rc;
	snprintf(b->pin, sizeof(b->pin), "%s", pin);
	SG_NOTICE(TAG, "box %s: PIN changed by phone", b->id);
	return 0;
}
