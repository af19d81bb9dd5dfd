/* store_priv.h: starting the store, its limits, and the backend interface (core only). */
#ifndef SG_STORE_PRIV_H
#define SG_STORE_PRIV_H

#include <strowger/store.h>

/*
 * A storage backend. store.c owns the queue and the writer thread; a backend only
 * moves rows. Thread rules: open and close run on the thread calling sg_store_init
 * and sg_store_shutdown; begin, put, del, commit and rollback run on the writer
 * thread only, one batch at a time (begin, put/del..., commit or rollback); load may
 * run on any thread at the same time as a batch, and the backend serialises loads.
 * Every function returns 0 or a negative errno and logs its own failures (tag
 * "store", naming the database and the backend's message), except open, which
 * puts its message in err for sg_store_init to report. A key is unique within
 * its namespace `ns`; val may be empty but is never NULL.
 */
struct sg_store_backend {
	const char *name;
	/* Opens (creating when absent) the database under data_dir. On failure err
	 * holds a one-line message naming the file and the cause. */
	int (*open)(const char *data_dir, void **db, char *err, size_t errlen);
	void (*close)(void *db);
	int (*begin)(void *db);
	int (*put)(void *db, const char *ns, const char *key, const void *val, size_t len);
	int (*del)(void *db, const char *ns, const char *key);
	int (*commit)(void *db);
	void (*rollback)(void *db);
	int (*load)(void *db, const char *ns, sg_store_row_fn *fn, void *arg);
	/* Where the data lives, for logs and `show store` ("/var/lib/strowger/strowger.db"). */
	const char *(*where)(void *db);
};

extern const struct sg_store_backend sg_store_sqlite;

/* Tunables; a zero field means its default (shown). */
struct sg_store_opts {
	const struct sg_store_backend *backend; /* &sg_store_sqlite */
	size_t queue_max;   /* writes queued or being committed: 8192 */
	size_t queue_bytes; /* bytes of keys and values in those: 32 MiB */
	unsigned batch_max; /* writes per transaction: 512 */
	unsigned batch_ms;  /* longest a write waits before its batch starts: 5 */
};

/* Sets the tunables used by the next sg_store_init (NULL: the defaults). */
void sg_store_configure(const struct sg_store_opts *opts);
/* Opens DATA_DIR/strowger.db (or the configured backend's equivalent) and starts
 * the writer thread. 0, or a negative errno with a message in err. */
int sg_store_init(const char *data_dir, char *err, size_t errlen);
/* Commits everything queued, stops the writer, closes the database and any
 * namespace still open (logging each one). Harmless when not started. */
void sg_store_shutdown(void);
/* Closes the namespaces `owner` left open (module unload); returns how many. */
unsigned sg_store_purge_owner(struct sg_module *owner);

struct sg_store_stats {
	const char *backend, *where;
	bool running;
	unsigned namespaces;
	size_t depth, depth_bytes; /* queued or being committed */
	uint64_t queued, committed, dropped, rejected, batches, failed_batches;
};
void sg_store_get_stats(struct sg_store_stats *out);

#endif
