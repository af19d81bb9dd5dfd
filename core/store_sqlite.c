/* store_sqlite.c: the default store backend: one SQLite file, DATA_DIR/strowger.db, in WAL mode. */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <strowger/log.h>

#include "store_priv.h"

/*
 * Two connections: `w` belongs to the writer thread (batches), `r` serves loads
 * under `rlock`; WAL lets a load read while a batch is being written. With WAL and
 * synchronous=NORMAL a commit is durable once COMMIT returns as far as the process
 * is concerned (kill -9 loses nothing committed); only a power failure or OS crash
 * can roll back the most recent commits, never corrupt the file. All rows live in
 * one table keyed by (namespace, key), so a namespace needs no DDL.
 */

#define DB_FILE "strowger.db"
#define SCHEMA_VERSION 1
#define BUSY_TIMEOUT_MS 5000

struct sqlite_db {
	char path[PATH_MAX];
	sqlite3 *w;
	sqlite3_stmt *begin, *commit, *put, *del;
	sqlite3 *r;
	sqlite3_stmt *load;
	pthread_mutex_t rlock;
};

/* Schema steps: migrations[v - 1] takes a database from version v - 1 to v. */
static const char *const migrations[SCHEMA_VERSION] = {
	"CREATE TABLE kv ("
	" ns TEXT NOT NULL,"
	" key TEXT NOT NULL,"
	" val BLOB NOT NULL,"
	" PRIMARY KEY (ns, key)"
	") WITHOUT ROWID",
};

static int errno_of(int code)
{
	switch (code & 0xff) {
	case SQLITE_OK: return 0;
	case SQLITE_NOMEM: return -ENOMEM;
	case SQLITE_FULL: return -ENOSPC;
	case SQLITE_READONLY: return -EROFS;
	case SQLITE_PERM:
	case SQLITE_AUTH: return -EACCES;
	case SQLITE_BUSY:
	case SQLITE_LOCKED: return -EBUSY;
	case SQLITE_TOOBIG: return -EMSGSIZE;
	case SQLITE_CANTOPEN: return -ENOENT;
	case SQLITE_CORRUPT:
	case SQLITE_NOTADB: return -EILSEQ;
	default: return -EIO;
	}
}

/* Formats "PATH: WHAT: SQLite's message" into err (or logs it when err is NULL)
 * and returns the matching negative errno. */
static int fail(struct sqlite_db *d, sqlite3 *c, const char *what, char *err, size_t errlen)
{
	int code = c ? sqlite3_extended_errcode(c) : SQLITE_CANTOPEN;
	const char *msg = c ? sqlite3_errmsg(c) : "out of memory";
	if (err)
		snprintf(err, errlen, "%s: %s: %s", d->path, what, msg);
	else
		SG_ERROR("store", "%s: %s: %s", d->path, what, msg);
	return errno_of(code);
}

/* Runs one statement to completion; a row it returns is ignored. */
static int step_once(sqlite3_stmt *s)
{
	int rc;
	while ((rc = sqlite3_step(s)) == SQLITE_ROW)
		;
	sqlite3_reset(s);
	return rc == SQLITE_DONE ? SQLITE_OK : rc;
}

static int exec(sqlite3 *c, const char *sql)
{
	return sqlite3_exec(c, sql, NULL, NULL, NULL);
}

static int open_conn(struct sqlite_db *d, sqlite3 **out, char *err, size_t errlen)
{
	int rc = sqlite3_open_v2(d->path, out, SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX, NULL);
	if (rc != SQLITE_OK)
		return fail(d, *out, "cannot open", err, errlen);
	sqlite3_extended_result_codes(*out, 1);
	sqlite3_busy_timeout(*out, BUSY_TIMEOUT_MS);
	return 0;
}

/* Brings the schema to SCHEMA_VERSION in one transaction; refuses a newer one. */
static int migrate(struct sqlite_db *d, char *err, size_t errlen)
{
	sqlite3 *c = d->w;
	sqlite3_stmt *s = NULL;
	int version = 0, rc;
	if (exec(c, "BEGIN IMMEDIATE") != SQLITE_OK)
		return fail(d, c, "cannot start the schema check", err, errlen);
	if (exec(c, "CREATE TABLE IF NOT EXISTS schema_version (version INTEGER NOT NULL)") != SQLITE_OK ||
	    sqlite3_prepare_v2(c, "SELECT max(version) FROM schema_version", -1, &s, NULL) != SQLITE_OK) {
		rc = fail(d, c, "cannot read the schema version", err, errlen);
		goto out;
	}
	if (sqlite3_step(s) == SQLITE_ROW)
		version = sqlite3_column_int(s, 0);
	sqlite3_finalize(s);
	if (version > SCHEMA_VERSION) {
		snprintf(err, errlen, "%s: schema version %d is newer than this Strowger's (%d)", d->path,
			 version, SCHEMA_VERSION);
		rc = -EPROTO;
		goto out;
	}
	for (int v = version + 1; v <= SCHEMA_VERSION; v++) {
		char sql[128];
		snprintf(sql, sizeof(sql), "DELETE FROM schema_version; INSERT INTO schema_version VALUES (%d)", v);
		if (exec(c, migrations[v - 1]) != SQLITE_OK || exec(c, sql) != SQLITE_OK) {
			char what[64];
			snprintf(what, sizeof(what), "cannot upgrade the schema to version %d", v);
			rc = fail(d, c, what, err, errlen);
			goto out;
		}
	}
	if (exec(c, "COMMIT") != SQLITE_OK) {
		rc = fail(d, c, "cannot commit the schema", err, errlen);
		goto out;
	}
	return 0;
out:
	exec(c, "ROLLBACK");
	return rc;
}

static void db_close(void *p)
{
	struct sqlite_db *d = p;
	if (!d)
		return;
	sqlite3_finalize(d->begin);
	sqlite3_finalize(d->commit);
	sqlite3_finalize(d->put);
	sqlite3_finalize(d->del);
	sqlite3_finalize(d->load);
	/* The last connection to close checkpoints the WAL into the database. */
	sqlite3_close_v2(d->r);
	sqlite3_close_v2(d->w);
	pthread_mutex_destroy(&d->rlock);
	free(d);
}

static int db_open(const char *data_dir, void **out, char *err, size_t errlen)
{
	struct stat sb;
	*out = NULL;
	if (stat(data_dir, &sb) != 0) {
		int e = errno;
		snprintf(err, errlen, "data directory %s: %s", data_dir, strerror(e));
		return -e;
	}
	if (!S_ISDIR(sb.st_mode)) {
		snprintf(err, errlen, "data directory %s: %s", data_dir, strerror(ENOTDIR));
		return -ENOTDIR;
	}
	if (!sqlite3_threadsafe()) {
		snprintf(err, errlen, "SQLite %s was built without thread support", sqlite3_libversion());
		return -ENOTSUP;
	}
	struct sqlite_db *d = calloc(1, sizeof(*d));
	if (!d) {
		snprintf(err, errlen, "store: out of memory");
		return -ENOMEM;
	}
	pthread_mutex_init(&d->rlock, NULL);
	int rc;
	if ((size_t)snprintf(d->path, sizeof(d->path), "%s/%s", data_dir, DB_FILE) >= sizeof(d->path)) {
		snprintf(err, errlen, "data directory %s: %s", data_dir, strerror(ENAMETOOLONG));
		rc = -ENAMETOOLONG;
		goto fail;
	}
	/* Create the file ourselves so it is not world-readable; SQLite gives the -wal
	 * and -shm files the same mode. */
	int fd = open(d->path, O_RDWR | O_CREAT | O_CLOEXEC, 0640);
	if (fd < 0) {
		rc = -errno;
		snprintf(err, errlen, "%s: %s", d->path, strerror(-rc));
		goto fail;
	}
	close(fd);

	if ((rc = open_conn(d, &d->w, err, errlen)))
		goto fail;
	/* journal_mode answers with the mode it is in: anything but "wal" is a refusal. */
	sqlite3_stmt *s = NULL;
	bool wal = false;
	if (sqlite3_prepare_v2(d->w, "PRAGMA journal_mode=WAL", -1, &s, NULL) == SQLITE_OK &&
	    sqlite3_step(s) == SQLITE_ROW) {
		const unsigned char *mode = sqlite3_column_text(s, 0);
		wal = mode && strcmp((const char *)mode, "wal") == 0;
	}
	sqlite3_finalize(s);
	if (!wal) {
		if (sqlite3_errcode(d->w) != SQLITE_OK) {
			rc = fail(d, d->w, "cannot use WAL mode", err, errlen);
		} else {
			snprintf(err, errlen, "%s: cannot use WAL mode (file system refused it)", d->path);
			rc = -EIO;
		}
		goto fail;
	}
	if (exec(d->w, "PRAGMA synchronous=NORMAL") != SQLITE_OK) {
		rc = fail(d, d->w, "cannot set synchronous=NORMAL", err, errlen);
		goto fail;
	}
	if ((rc = migrate(d, err, errlen)))
		goto fail;
	if (sqlite3_prepare_v2(d->w, "BEGIN IMMEDIATE", -1, &d->begin, NULL) != SQLITE_OK ||
	    sqlite3_prepare_v2(d->w, "COMMIT", -1, &d->commit, NULL) != SQLITE_OK ||
	    sqlite3_prepare_v2(d->w, "INSERT OR REPLACE INTO kv (ns, key, val) VALUES (?1, ?2, ?3)", -1, &d->put,
			       NULL) != SQLITE_OK ||
	    sqlite3_prepare_v2(d->w, "DELETE FROM kv WHERE ns = ?1 AND key = ?2", -1, &d->del, NULL) != SQLITE_OK) {
		rc = fail(d, d->w, "cannot prepare statements", err, errlen);
		goto fail;
	}
	if ((rc = open_conn(d, &d->r, err, errlen)))
		goto fail;
	if (exec(d->r, "PRAGMA query_only=1") != SQLITE_OK ||
	    sqlite3_prepare_v2(d->r, "SELECT key, val FROM kv WHERE ns = ?1 ORDER BY key", -1, &d->load, NULL) !=
		    SQLITE_OK) {
		rc = fail(d, d->r, "cannot prepare statements", err, errlen);
		goto fail;
	}
	*out = d;
	return 0;
fail:
	db_close(d);
	return rc;
}

static int db_begin(void *p)
{
	struct sqlite_db *d = p;
	int rc = step_once(d->begin);
	return rc == SQLITE_OK ? 0 : fail(d, d->w, "cannot begin a batch", NULL, 0);
}

static int db_commit(void *p)
{
	struct sqlite_db *d = p;
	int rc = step_once(d->commit);
	return rc == SQLITE_OK ? 0 : fail(d, d->w, "cannot commit a batch", NULL, 0);
}

static void db_rollback(void *p)
{
	struct sqlite_db *d = p;
	sqlite3_reset(d->put);
	sqlite3_reset(d->del);
	if (!sqlite3_get_autocommit(d->w) && exec(d->w, "ROLLBACK") != SQLITE_OK)
		fail(d, d->w, "cannot roll back a batch", NULL, 0);
}

/* Values are bound SQLITE_STATIC: the queue keeps them until the batch is done. */
static int db_put(void *p, const char *ns, const char *key, const void *val, size_t len)
{
	struct sqlite_db *d = p;
	sqlite3_stmt *s = d->put;
	int rc = sqlite3_bind_text(s, 1, ns, -1, SQLITE_STATIC);
	if (rc == SQLITE_OK)
		rc = sqlite3_bind_text(s, 2, key, -1, SQLITE_STATIC);
	if (rc == SQLITE_OK)
		rc = sqlite3_bind_blob64(s, 3, len ? val : "", len, SQLITE_STATIC);
	if (rc == SQLITE_OK)
		rc = step_once(s);
	sqlite3_clear_bindings(s);
	return rc == SQLITE_OK ? 0 : fail(d, d->w, "cannot write", NULL, 0);
}

static int db_del(void *p, const char *ns, const char *key)
{
	struct sqlite_db *d = p;
	sqlite3_stmt *s = d->del;
	int rc = sqlite3_bind_text(s, 1, ns, -1, SQLITE_STATIC);
	if (rc == SQLITE_OK)
		rc = sqlite3_bind_text(s, 2, key, -1, SQLITE_STATIC);
	if (rc == SQLITE_OK)
		rc = step_once(s);
	sqlite3_clear_bindings(s);
	return rc == SQLITE_OK ? 0 : fail(d, d->w, "cannot delete", NULL, 0);
}

static int db_load(void *p, const char *ns, sg_store_row_fn *fn, void *arg)
{
	struct sqlite_db *d = p;
	sqlite3_stmt *s = d->load;
	int rc;
	pthread_mutex_lock(&d->rlock);
	rc = sqlite3_bind_text(s, 1, ns, -1, SQLITE_STATIC);
	while (rc == SQLITE_OK && (rc = sqlite3_step(s)) == SQLITE_ROW) {
		const char *key = (const char *)sqlite3_column_text(s, 0);
		const void *val = sqlite3_column_blob(s, 1);
		size_t len = (size_t)sqlite3_column_bytes(s, 1);
		if (key)
			fn(key, val ? val : "", len, arg);
		rc = SQLITE_OK;
	}
	int result = rc == SQLITE_DONE ? 0 : fail(d, d->r, "cannot load", NULL, 0);
	sqlite3_reset(s);
	sqlite3_clear_bindings(s);
	pthread_mutex_unlock(&d->rlock);
	return result;
}

static const char *db_where(void *p)
{
	struct sqlite_db *d = p;
	return d ? d->path : "(closed)";
}

const struct sg_store_backend sg_store_sqlite = {
	.name = "sqlite",
	.open = db_open,
	.close = db_close,
	.begin = db_begin,
	.put = db_put,
	.del = db_del,
	.commit = db_commit,
	.rollback = db_rollback,
	.load = db_load,
	.where = db_where,
};
