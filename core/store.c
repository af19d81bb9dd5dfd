/* store.c: the store's write queue and writer thread, which batches writes into transactions. */
#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <strowger/log.h>
#include <strowger/loop.h>

#include "store_priv.h"

/*
 * One queue, one writer thread. Producers (any thread) append under `lock`, which
 * is only ever held for bookkeeping, never across disk I/O or logging, so the main
 * loop never waits on the disk. The writer takes up to batch_max writes once the
 * oldest has waited batch_ms (at once when a flush is waiting, when the batch is
 * full or at shutdown), applies them in one transaction with the lock released,
 * then accounts for them. A single FIFO applied in order keeps the order per key.
 * A write counts against the limits from sg_store_put until its batch is done, so
 * the limits bound the memory held. Every queued item gets a sequence number; a
 * flush waits until the writer has finished the one queued last.
 */

enum op_kind { OP_PUT, OP_DEL, OP_SYNC };

struct sg_store {
	atomic_uint refs; /* the handle, plus one per queued write */
	struct sg_module *owner;
	struct sg_store *next;
	char name[SG_STORE_NAME_MAX + 1];
};

struct op {
	struct op *next;
	enum op_kind kind;
	uint64_t seq, queued_ms;
	struct sg_store *st;    /* OP_PUT, OP_DEL */
	sg_store_done_fn *done; /* OP_SYNC; NULL once its owner unloaded */
	void *done_arg;
	struct sg_module *owner; /* OP_SYNC */
	struct op *snext;	 /* OP_SYNC: the list of syncs not yet reported */
	int err;                /* OP_SYNC: what done is told */
	size_t size;            /* key + NUL + value, counted against queue_bytes */
	size_t len;
	const char *key;
	const unsigned char *val;
	unsigned char data[];
};

#define DEFAULT_QUEUE_MAX 8192u
#define DEFAULT_QUEUE_BYTES (32u << 20)
#define DEFAULT_BATCH_MAX 512u
#define DEFAULT_BATCH_MS 5u
/* Waits before retrying a failed batch; after the last, the batch is dropped. */
static const unsigned retry_ms[] = {50, 250, 1000};

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t wake; /* the writer waits on it (monotonic clock) */
static pthread_cond_t done; /* flushes wait on it */
static pthread_once_t conds_once = PTHREAD_ONCE_INIT;
static struct sg_store_opts configured;

static struct {
	struct sg_store_opts o;
	const struct sg_store_backend *be;
	void *db;
	pthread_t thread;
	bool started;  /* the writer thread exists */
	bool running;  /* accepting writes */
	bool stopping; /* the writer drains and exits */
	struct op *head, **tail;
	size_t pending;     /* writes in the list, not yet taken by the writer */
	size_t depth, bytes; /* writes queued or in the batch being applied */
	uint64_t seq_queued, seq_done;
	unsigned urgent;    /* flushes waiting */
	int err;            /* first failure not yet reported by a flush or sync */
	struct sg_store *stores;
	unsigned nstores;
	uint64_t queued, committed, dropped, rejected, batches, failed_batches;
} S;

static void init_conds(void)
{
	pthread_condattr_t a;
	pthread_condattr_init(&a);
	pthread_condattr_setclock(&a, CLOCK_MONOTONIC);
	pthread_cond_init(&wake, &a);
	pthread_condattr_destroy(&a);
	pthread_cond_init(&done, NULL);
}

static uint64_t now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

static void store_unref(struct sg_store *st)
{
	if (atomic_fetch_sub(&st->refs, 1) == 1)
		free(st);
}

/* --- the writer thread --- */

/* Waits, lock held and the list not empty, until the oldest item is due. */
static void wait_window(void)
{
	while (!S.stopping && !S.urgent && S.pending < S.o.batch_max) {
		uint64_t due = S.head->queued_ms + S.o.batch_ms;
		if (now_ms() >= due)
			break;
		struct timespec ts = {.tv_sec = (time_t)(due / 1000), .tv_nsec = (long)(due % 1000) * 1000000};
		pthread_cond_timedwait(&wake, &lock, &ts);
	}
}

/* Detaches up to batch_max writes, and the syncs queued among them. Lock held. */
static struct op *take_batch(size_t *nwrites)
{
	struct op *batch = S.head, **pp = &S.head;
	size_t n = 0;
	while (*pp) {
		if ((*pp)->kind != OP_SYNC) {
			if (n == S.o.batch_max)
				break;
			n++;
		}
		pp = &(*pp)->next;
	}
	S.head = *pp;
	*pp = NULL;
	if (!S.head)
		S.tail = &S.head;
	S.pending -= n;
	*nwrites = n;
	return batch;
}

static int apply_once(struct op *batch)
{
	int rc = S.be->begin(S.db);
	for (struct op *op = batch; op && !rc; op = op->next) {
		if (op->kind == OP_PUT)
			rc = S.be->put(S.db, op->st->name, op->key, op->val, op->len);
		else if (op->kind == OP_DEL)
			rc = S.be->del(S.db, op->st->name, op->key);
	}
	if (!rc)
		rc = S.be->commit(S.db);
	if (rc)
		S.be->rollback(S.db);
	return rc;
}

/* One transaction for the batch, retried a few times (the disk may come back). */
static int apply(struct op *batch, size_t nwrites)
{
	if (nwrites == 0)
		return 0;
	for (size_t attempt = 0;; attempt++) {
		int rc = apply_once(batch);
		if (rc == 0)
			return 0;
		if (attempt == sizeof(retry_ms) / sizeof(retry_ms[0])) {
			SG_ERROR("store", "%s: dropped %zu write%s after %zu attempts: %s", S.be->where(S.db),
				 nwrites, nwrites == 1 ? "" : "s", attempt + 1, strerror(-rc));
			return rc;
		}
		usleep(retry_ms[attempt] * 1000u);
	}
}

/* Accounts for a finished batch and wakes the flushes it satisfies. Lock held. */
static void finish(struct op *batch, size_t nwrites, int rc)
{
	for (struct op *op = batch; op; op = op->next) {
		if (op->kind != OP_SYNC) {
			S.depth--;
			S.bytes -= op->size;
		}
		S.seq_done = op->seq;
	}
	if (nwrites) {
		S.batches++;
		if (rc) {
			S.failed_batches++;
			S.dropped += nwrites;
			if (!S.err)
				S.err = rc;
		} else {
			S.committed += nwrites;
		}
	}
	for (struct op *op = batch; op; op = op->next) {
		if (op->kind == OP_SYNC) {
			op->err = S.err;
			S.err = 0;
		}
	}
	pthread_cond_broadcast(&done);
}

/* Syncs not yet reported (under lock): a module that unloads first has its
 * callbacks cleared here, so none runs into unloaded code. */
static struct op *syncs;

/* Takes op off the list of syncs (under lock); returns its callback, if any. */
static sg_store_done_fn *unlist(struct op *op)
{
	pthread_mutex_lock(&lock);
	for (struct op **pp = &syncs; *pp; pp = &(*pp)->snext)
		if (*pp == op) {
			*pp = op->snext;
			break;
		}
	sg_store_done_fn *fn = op->done;
	pthread_mutex_unlock(&lock);
	return fn;
}

static void run_done(void *arg)
{
	struct op *op = arg;
	sg_store_done_fn *fn = unlist(op);
	if (fn)
		fn(op->err, op->done_arg);
	free(op);
}

/* Hands a sync's completion to the main loop (whose queue is bounded). */
static void post_done(struct op *op)
{
	int rc;
	for (unsigned tries = 0; (rc = sg_main_post(run_done, op)) == -EAGAIN && tries < 2000; tries++)
		usleep(1000);
	if (rc) {
		SG_ERROR("store", "cannot report a sync to the main loop: %s", strerror(-rc));
		unlist(op);
		free(op);
	}
}

static void release(struct op *batch)
{
	while (batch) {
		struct op *next = batch->next;
		if (batch->kind == OP_SYNC) {
			post_done(batch);
		} else {
			store_unref(batch->st);
			free(batch);
		}
		batch = next;
	}
}

static void *writer_main(void *arg)
{
	(void)arg;
	pthread_setname_np(pthread_self(), "sg-store");
	pthread_mutex_lock(&lock);
	for (;;) {
		while (!S.head && !S.stopping)
			pthread_cond_wait(&wake, &lock);
		if (!S.head)
			break;
		wait_window();
		size_t nwrites;
		struct op *batch = take_batch(&nwrites);
		pthread_mutex_unlock(&lock);
		int rc = apply(batch, nwrites);
		pthread_mutex_lock(&lock);
		finish(batch, nwrites, rc);
		pthread_mutex_unlock(&lock);
		release(batch);
		pthread_mutex_lock(&lock);
	}
	pthread_mutex_unlock(&lock);
	return NULL;
}

/* --- queueing --- */

/* Appends op (lock held), waking the writer when it may be waiting for it. */
static void append(struct op *op)
{
	bool was_empty = S.head == NULL;
	op->seq = ++S.seq_queued;
	op->queued_ms = now_ms();
	op->next = NULL;
	*S.tail = op;
	S.tail = &op->next;
	if (op->kind != OP_SYNC)
		S.pending++;
	if (was_empty || S.pending == S.o.batch_max)
		pthread_cond_signal(&wake);
}

static int queue_write(struct sg_store *st, enum op_kind kind, const char *key, const void *val, size_t len)
{
	if (!st || !key || (!val && len))
		return -EINVAL;
	size_t klen = strnlen(key, SG_STORE_KEY_MAX + 1);
	if (klen == 0)
		return -EINVAL;
	if (klen > SG_STORE_KEY_MAX)
		return -ENAMETOOLONG;
	if (len > SG_STORE_VAL_MAX)
		return -EMSGSIZE;
	size_t size = klen + 1 + len;
	struct op *op = malloc(sizeof(*op) + size);
	if (!op)
		return -ENOMEM;
	*op = (struct op){.kind = kind, .st = st, .size = size, .len = len};
	memcpy(op->data, key, klen + 1);
	if (len)
		memcpy(op->data + klen + 1, val, len);
	op->key = (const char *)op->data;
	op->val = op->data + klen + 1;

	int rc = 0;
	pthread_mutex_lock(&lock);
	if (!S.running) {
		rc = -ENODEV;
	} else if (S.depth >= S.o.queue_max || (S.depth && S.bytes + size > S.o.queue_bytes)) {
		/* An empty queue takes any one write, however large. */
		rc = -EAGAIN;
		S.rejected++;
	} else {
		atomic_fetch_add(&st->refs, 1);
		S.depth++;
		S.bytes += size;
		S.queued++;
		append(op);
	}
	pthread_mutex_unlock(&lock);
	if (rc)
		free(op);
	return rc;
}

int sg_store_put(struct sg_store *st, const char *key, const void *val, size_t len)
{
	return queue_write(st, OP_PUT, key, val, len);
}

int sg_store_del(struct sg_store *st, const char *key)
{
	return queue_write(st, OP_DEL, key, NULL, 0);
}

int sg_store_sync(struct sg_module *owner, sg_store_done_fn *fn, void *arg)
{
	if (!fn)
		return -EINVAL;
	struct op *op = calloc(1, sizeof(*op));
	if (!op)
		return -ENOMEM;
	op->kind = OP_SYNC;
	op->done = fn;
	op->done_arg = arg;
	op->owner = owner;
	int rc = 0;
	pthread_mutex_lock(&lock);
	if (S.running) {
		append(op);
		op->snext = syncs;
		syncs = op;
	} else {
		rc = -ENODEV;
	}
	pthread_mutex_unlock(&lock);
	if (rc)
		free(op);
	return rc;
}

/* Waits until everything queued before the call is done; optionally takes the error. */
static int wait_done(bool take_err)
{
	int rc = 0;
	pthread_mutex_lock(&lock);
	if (!S.running) {
		rc = -ENODEV;
	} else if (pthread_equal(pthread_self(), S.thread)) {
		rc = -EDEADLK;
	} else {
		uint64_t target = S.seq_queued;
		S.urgent++;
		pthread_cond_signal(&wake);
		while (S.seq_done < target)
			pthread_cond_wait(&done, &lock);
		S.urgent--;
		if (take_err) {
			rc = S.err;
			S.err = 0;
		}
	}
	pthread_mutex_unlock(&lock);
	return rc;
}

int sg_store_flush(void)
{
	return wait_done(true);
}

int sg_store_load(struct sg_store *st, sg_store_row_fn *fn, void *arg)
{
	if (!st || !fn)
		return -EINVAL;
	int rc = wait_done(false);
	return rc ? rc : S.be->load(S.db, st->name, fn, arg);
}

/* --- namespaces --- */

static bool valid_name(const char *name)
{
	if (!name || !(name[0] >= 'a' && name[0] <= 'z'))
		return false;
	size_t i = 0;
	for (; name[i]; i++) {
		char c = name[i];
		if (i >= SG_STORE_NAME_MAX || !((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_'))
			return false;
	}
	return true;
}

/* Removes st from the open list; lock held. False when it was not there. */
static bool unlink_store(struct sg_store *st)
{
	for (struct sg_store **pp = &S.stores; *pp; pp = &(*pp)->next) {
		if (*pp == st) {
			*pp = st->next;
			S.nstores--;
			return true;
		}
	}
	return false;
}

int sg_store_open(struct sg_module *owner, const char *name, struct sg_store **out)
{
	if (!out)
		return -EINVAL;
	*out = NULL;
	if (!valid_name(name))
		return -EINVAL;
	struct sg_store *st = calloc(1, sizeof(*st));
	if (!st)
		return -ENOMEM;
	atomic_init(&st->refs, 1);
	st->owner = owner;
	snprintf(st->name, sizeof(st->name), "%s", name);

	int rc = 0;
	pthread_mutex_lock(&lock);
	if (!S.running)
		rc = -ENODEV;
	for (struct sg_store *o = S.stores; o && !rc; o = o->next)
		if (strcmp(o->name, name) == 0)
			rc = -EEXIST;
	if (!rc) {
		st->next = S.stores;
		S.stores = st;
		S.nstores++;
	}
	pthread_mutex_unlock(&lock);
	if (rc) {
		free(st);
		return rc;
	}
	*out = st;
	return 0;
}

void sg_store_close(struct sg_store *st)
{
	if (!st)
		return;
	pthread_mutex_lock(&lock);
	bool was_open = unlink_store(st);
	pthread_mutex_unlock(&lock);
	if (was_open)
		store_unref(st);
}

const char *sg_store_name(const struct sg_store *st)
{
	return st ? st->name : NULL;
}

unsigned sg_store_purge_owner(struct sg_module *owner)
{
	struct sg_store *gone = NULL;
	unsigned n = 0;
	pthread_mutex_lock(&lock);
	for (struct op *op = syncs; op; op = op->snext)
		if (op->owner == owner && owner)
			op->done = NULL;
	for (struct sg_store **pp = &S.stores; *pp;) {
		struct sg_store *st = *pp;
		if (st->owner == owner) {
			*pp = st->next;
			S.nstores--;
			st->next = gone;
			gone = st;
			n++;
		} else {
			pp = &st->next;
		}
	}
	pthread_mutex_unlock(&lock);
	while (gone) {
		struct sg_store *next = gone->next;
		SG_WARNING("store", "namespace %s was left open by its module: closed", gone->name);
		store_unref(gone);
		gone = next;
	}
	return n;
}

/* --- start and stop --- */

void sg_store_configure(const struct sg_store_opts *opts)
{
	pthread_mutex_lock(&lock);
	configured = opts ? *opts : (struct sg_store_opts){0};
	pthread_mutex_unlock(&lock);
}

int sg_store_init(const char *data_dir, char *err, size_t errlen)
{
	pthread_once(&conds_once, init_conds);
	if (!data_dir || !*data_dir) {
		snprintf(err, errlen, "store: no data directory");
		return -EINVAL;
	}
	pthread_mutex_lock(&lock);
	bool busy = S.started;
	struct sg_store_opts o = configured;
	pthread_mutex_unlock(&lock);
	if (busy) {
		snprintf(err, errlen, "store: already started");
		return -EALREADY;
	}
	if (!o.backend)
		o.backend = &sg_store_sqlite;
	if (!o.queue_max)
		o.queue_max = DEFAULT_QUEUE_MAX;
	if (!o.queue_bytes)
		o.queue_bytes = DEFAULT_QUEUE_BYTES;
	if (!o.batch_max)
		o.batch_max = DEFAULT_BATCH_MAX;
	if (!o.batch_ms)
		o.batch_ms = DEFAULT_BATCH_MS;

	void *db = NULL;
	int rc = o.backend->open(data_dir, &db, err, errlen);
	if (rc) {
		SG_ERROR("store", "%s", err);
		return rc;
	}
	pthread_mutex_lock(&lock);
	memset(&S, 0, sizeof(S));
	S.o = o;
	S.be = o.backend;
	S.db = db;
	S.tail = &S.head;
	S.running = true;
	rc = pthread_create(&S.thread, NULL, writer_main, NULL);
	S.started = rc == 0;
	S.running = rc == 0;
	pthread_mutex_unlock(&lock);
	if (rc) {
		snprintf(err, errlen, "store: cannot start the writer thread: %s", strerror(rc));
		SG_ERROR("store", "%s", err);
		o.backend->close(db);
		return -rc;
	}
	SG_INFO("store", "%s: %s, batches of up to %u writes every %u ms, queue of %zu", o.backend->where(db),
		o.backend->name, o.batch_max, o.batch_ms, o.queue_max);
	return 0;
}

void sg_store_shutdown(void)
{
	pthread_mutex_lock(&lock);
	if (!S.started) {
		pthread_mutex_unlock(&lock);
		return;
	}
	S.running = false;
	S.stopping = true;
	pthread_cond_signal(&wake);
	pthread_mutex_unlock(&lock);
	/* The writer commits what is queued before it exits. */
	pthread_join(S.thread, NULL);

	pthread_mutex_lock(&lock);
	struct sg_store *left = S.stores;
	S.stores = NULL;
	S.nstores = 0;
	S.started = false;
	pthread_mutex_unlock(&lock);
	while (left) {
		struct sg_store *next = left->next;
		SG_WARNING("store", "namespace %s still open at shutdown: closed", left->name);
		store_unref(left);
		left = next;
	}
	SG_INFO("store", "%s closed: %llu writes committed in %llu batches, %llu dropped", S.be->where(S.db),
		(unsigned long long)S.committed, (unsigned long long)S.batches, (unsigned long long)S.dropped);
	S.be->close(S.db);
	pthread_mutex_lock(&lock);
	S.be = NULL;
	S.db = NULL;
	pthread_mutex_unlock(&lock);
}

void sg_store_get_stats(struct sg_store_stats *out)
{
	pthread_mutex_lock(&lock);
	*out = (struct sg_store_stats){
		.backend = S.be ? S.be->name : NULL,
		.where = S.be ? S.be->where(S.db) : NULL,
		.running = S.running,
		.namespaces = S.nstores,
		.depth = S.depth,
		.depth_bytes = S.bytes,
		.queued = S.queued,
		.committed = S.committed,
		.dropped = S.dropped,
		.rejected = S.rejected,
		.batches = S.batches,
		.failed_batches = S.failed_batches,
	};
	pthread_mutex_unlock(&lock);
}
