/*
 * store.h: durable key/value state for modules (registrations, stored messages,
 * the voicemail index). A module opens a namespace ("sip_registrations") and gets
 * a handle; keys are short strings, values opaque bytes the module serialises
 * itself (a short text line is usual). Writes are asynchronous: sg_store_put() and
 * sg_store_del() only queue the change (never touching the disk, so they are safe on
 * the main loop) and a writer thread commits the queue in batches, one transaction
 * every few milliseconds or every few hundred changes. Changes are applied in the
 * order they were queued, so the last write to a key wins. The queue is bounded: a
 * full queue returns -EAGAIN and the caller decides (retry later, or drop: the
 * state is usually refreshed anyway). A write committed survives the process being
 * killed; a crash loses at most what was still queued (docs/storage.md). Loading is
 * synchronous and meant for start-up and module load. The backend (SQLite in the
 * data directory by default) is the core's business: modules never see SQL.
 * Functions here may be called from any thread.
 */
#ifndef STROWGER_STORE_H
#define STROWGER_STORE_H

#include "common.h"

struct sg_store;

/* Namespace names: 1..SG_STORE_NAME_MAX of [a-z0-9_], starting with a letter. */
#define SG_STORE_NAME_MAX 63
/* Keys: non-empty NUL-terminated strings of at most this many bytes. */
#define SG_STORE_KEY_MAX 1024
/* Values: at most this many bytes (empty values are allowed). */
#define SG_STORE_VAL_MAX (1024 * 1024)

/* One row given to sg_store_load: key and val are valid only during the call. */
typedef void (sg_store_row_fn)(const char *key, const void *val, size_t len, void *arg);
/* Completion of sg_store_sync, run on the main loop: err is 0 or a negative errno. */
typedef void (sg_store_done_fn)(int err, void *arg);

/*
 * Opens the namespace `name` for `owner` (NULL for the core). A namespace has one
 * open handle at a time. Returns 0, -EINVAL (bad name), -EEXIST (already open),
 * -ENODEV (no store running) or -ENOMEM. Close it in unload(); the core closes any
 * a module forgot.
 */
SG_API int sg_store_open(struct sg_module *owner, const char *name, struct sg_store **out);
/* Closes the handle; writes already queued are still committed. NULL is harmless. */
SG_API void sg_store_close(struct sg_store *st);
SG_API const char *sg_store_name(const struct sg_store *st);

/*
 * Queue a write: put sets key to the `len` bytes at val, del removes key (removing
 * a missing key is not an error). 0, -EAGAIN (queue full: nothing was queued),
 * -EINVAL (empty key), -ENAMETOOLONG (key), -EMSGSIZE (value), -ENODEV, -ENOMEM.
 * The copy is taken before returning. Never blocks on the disk.
 */
SG_API int sg_store_put(struct sg_store *st, const char *key, const void *val, size_t len);
SG_API int sg_store_del(struct sg_store *st, const char *key);

/*
 * Calls fn for every key of the namespace, in key order, after waiting for the
 * writes queued so far to be committed (so it sees its own writes). Blocks on the
 * disk: call it at start-up or in load(), not while calls are running. fn must not
 * call sg_store_load. 0 or a negative errno.
 */
SG_API int sg_store_load(struct sg_store *st, sg_store_row_fn *fn, void *arg);

/*
 * Waits until every write queued so far (by anyone) is committed. Blocks: for
 * shutdown and tests, never on the main loop of a running PBX (use sg_store_sync).
 * Returns 0, or the first write error since a flush or sync last reported one (the
 * writes of a batch that failed are dropped, and the error was logged).
 */
SG_API int sg_store_flush(void);
/*
 * The main loop's flush: returns at once, and fn(err, arg) runs on the main loop
 * once every write queued before the call is committed, err as for sg_store_flush.
 * A module passes itself as owner: if it unloads first, fn is never called.
 * 0, -ENODEV or -ENOMEM (then fn is never called).
 */
SG_API int sg_store_sync(struct sg_module *owner, sg_store_done_fn *fn, void *arg);

#endif
