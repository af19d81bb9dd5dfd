/* log.c: levelled, tagged log lines to stderr, a file and the attached consoles. */
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/time.h>
#include <time.h>

#include <strowger/loop.h>
#include <strowger/workers.h>

#include "log_priv.h"

#define MAX_TAG_LEVELS 32
#define TAG_LEN 32

struct tag_level {
	char tag[TAG_LEN];
	int level;
};

static pthread_mutex_t log_lock = PTHREAD_MUTEX_INITIALIZER;
static enum sg_log_level threshold = SG_LOG_NOTICE;
static struct tag_level tag_levels[MAX_TAG_LEVELS];
static size_t tag_count;
static bool use_stderr = true;
static FILE *log_file;
static sg_log_sink_fn *sink;

static const char *const level_names[] = {"error", "warning", "notice", "info", "debug"};

const char *sg_log_level_name(enum sg_log_level level)
{
	if ((unsigned)level >= sizeof(level_names) / sizeof(level_names[0]))
		return NULL;
	return level_names[level];
}

int sg_log_level_parse(const char *name)
{
	if (!name)
		return -1;
	if (!strcasecmp(name, "warn"))
		return SG_LOG_WARNING;
	for (size_t i = 0; i < sizeof(level_names) / sizeof(level_names[0]); i++)
		if (!strcasecmp(name, level_names[i]))
			return (int)i;
	return -1;
}

void sg_log_init(void)
{
	pthread_mutex_lock(&log_lock);
	threshold = SG_LOG_NOTICE;
	tag_count = 0;
	use_stderr = true;
	pthread_mutex_unlock(&log_lock);
}

void sg_log_shutdown(void)
{
	sg_log_to_file(NULL);
	sg_log_set_sink(NULL);
}

void sg_log_set_level(enum sg_log_level level)
{
	pthread_mutex_lock(&log_lock);
	threshold = level;
	pthread_mutex_unlock(&log_lock);
}

enum sg_log_level sg_log_get_level(void)
{
	pthread_mutex_lock(&log_lock);
	enum sg_log_level l = threshold;
	pthread_mutex_unlock(&log_lock);
	return l;
}

int sg_log_set_tag_level(const char *tag, int level)
{
	int rc = 0;
	if (strlen(tag) >= TAG_LEN)
		return -ENAMETOOLONG;
	pthread_mutex_lock(&log_lock);
	size_t i;
	for (i = 0; i < tag_count; i++)
		if (!strcmp(tag_levels[i].tag, tag))
			break;
	if (level < 0) {
		if (i < tag_count)
			tag_levels[i] = tag_levels[--tag_count];
	} else if (i < tag_count) {
		tag_levels[i].level = level;
	} else if (tag_count == MAX_TAG_LEVELS) {
		rc = -ENOSPC;
	} else {
		snprintf(tag_levels[tag_count].tag, TAG_LEN, "%s", tag);
		tag_levels[tag_count++].level = level;
	}
	pthread_mutex_unlock(&log_lock);
	return rc;
}

void sg_log_each_tag(void (*fn)(const char *tag, enum sg_log_level level, void *arg), void *arg)
{
	struct tag_level copy[MAX_TAG_LEVELS];
	pthread_mutex_lock(&log_lock);
	size_t n = tag_count;
	memcpy(copy, tag_levels, n * sizeof(copy[0]));
	pthread_mutex_unlock(&log_lock);
	for (size_t i = 0; i < n; i++)
		fn(copy[i].tag, (enum sg_log_level)copy[i].level, arg);
}

void sg_log_to_stderr(bool on)
{
	pthread_mutex_lock(&log_lock);
	use_stderr = on;
	pthread_mutex_unlock(&log_lock);
}

int sg_log_to_file(const char *path)
{
	FILE *f = NULL;
	if (path) {
		f = fopen(path, "ae");
		if (!f)
			return -errno;
		setvbuf(f, NULL, _IOLBF, 0);
	}
	pthread_mutex_lock(&log_lock);
	FILE *old = log_file;
	log_file = f;
	pthread_mutex_unlock(&log_lock);
	if (old)
		fclose(old);
	return 0;
}

void sg_log_set_sink(sg_log_sink_fn *fn)
{
	pthread_mutex_lock(&log_lock);
	sink = fn;
	pthread_mutex_unlock(&log_lock);
}

/* Caller holds log_lock. */
static bool enabled_locked(enum sg_log_level level, const char *tag)
{
	for (size_t i = 0; i < tag_count; i++)
		if (tag && !strcmp(tag_levels[i].tag, tag))
			return (int)level <= tag_levels[i].level;
	return level <= threshold;
}

bool sg_log_enabled(enum sg_log_level level, const char *tag)
{
	pthread_mutex_lock(&log_lock);
	bool on = enabled_locked(level, tag);
	pthread_mutex_unlock(&log_lock);
	return on;
}

struct sink_line {
	enum sg_log_level level;
	char text[];
};

static void deliver_to_sink(void *arg)
{
	struct sink_line *l = arg;
	pthread_mutex_lock(&log_lock);
	sg_log_sink_fn *fn = sink;
	pthread_mutex_unlock(&log_lock);
	if (fn)
		fn(l->level, l->text);
	free(l);
}

void sg_logv(enum sg_log_level level, const char *tag, const char *fmt, va_list ap)
{
	char msg[2048];
	char line[2200];
	struct timeval tv;
	struct tm tm;

	if (!tag)
		tag = "core";
	if (!sg_log_enabled(level, tag))
		return;
	vsnprintf(msg, sizeof(msg), fmt, ap);
	gettimeofday(&tv, NULL);
	localtime_r(&tv.tv_sec, &tm);
	int n = snprintf(line, sizeof(line), "%04d-%02d-%02d %02d:%02d:%02d.%03ld %s[%s] %s",
			 tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min,
			 tm.tm_sec, (long)(tv.tv_usec / 1000), sg_log_level_name(level), tag, msg);
	if (n < 0)
		return;
	size_t len = (size_t)n < sizeof(line) ? (size_t)n : sizeof(line) - 1;

	pthread_mutex_lock(&log_lock);
	if (use_stderr)
		fprintf(stderr, "%s\n", line);
	if (log_file)
		fprintf(log_file, "%s\n", line);
	bool to_sink = sink != NULL;
	pthread_mutex_unlock(&log_lock);

	if (!to_sink)
		return;
	/* Consoles live on the main loop: a worker's line travels there by the queue,
	 * and is dropped for the consoles (not for stderr/file) if the queue is full. */
	struct sink_line *l = malloc(sizeof(*l) + len + 1);
	if (!l)
		return;
	l->level = level;
	memcpy(l->text, line, len + 1);
	if (sg_worker_self() == NULL) {
		deliver_to_sink(l);
	} else if (sg_main_post(deliver_to_sink, l) != 0) {
		free(l);
	}
}

void sg_log(enum sg_log_level level, const char *tag, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	sg_logv(level, tag, fmt, ap);
	va_end(ap);
}
