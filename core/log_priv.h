/* log_priv.h: the core's side of logging: outputs, thresholds, the console sink. */
#ifndef SG_LOG_PRIV_H
#define SG_LOG_PRIV_H

#include <strowger/log.h>

/* Called on the main thread with each finished line (no trailing newline). */
typedef void (sg_log_sink_fn)(enum sg_log_level level, const char *line);

void sg_log_init(void);
void sg_log_shutdown(void);
void sg_log_set_level(enum sg_log_level level);
enum sg_log_level sg_log_get_level(void);
/* Per-tag threshold; level -1 removes the override. -ENOSPC when the table is full. */
int sg_log_set_tag_level(const char *tag, int level);
/* Calls fn for each tag override. */
void sg_log_each_tag(void (*fn)(const char *tag, enum sg_log_level level, void *arg), void *arg);
void sg_log_to_stderr(bool on);
/* Opens (appends) a log file, replacing any previous one; NULL closes it. 0 or -errno. */
int sg_log_to_file(const char *path);
void sg_log_set_sink(sg_log_sink_fn *fn);

#endif
