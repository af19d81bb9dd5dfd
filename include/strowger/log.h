/*
 * log.h: levelled, tagged logging. Every line carries a level (error, warning,
 * notice, info, debug) and a tag naming the subsystem or module that wrote it
 * ("core", "loader", "dialplan", "sip", ...). The threshold is global with optional
 * per-tag overrides, set from the config (`log = {level=, tags=}`) or at run time with
 * the console command `log level`. Lines go to stderr and/or a file and to every
 * attached console. Safe to call from any thread; a line is written whole.
 */
#ifndef STROWGER_LOG_H
#define STROWGER_LOG_H

#include <stdarg.h>
#include "common.h"

enum sg_log_level {
	SG_LOG_ERROR = 0,
	SG_LOG_WARNING,
	SG_LOG_NOTICE,
	SG_LOG_INFO,
	SG_LOG_DEBUG,
};

SG_API void sg_log(enum sg_log_level level, const char *tag, const char *fmt, ...) SG_PRINTF(3, 4);
SG_API void sg_logv(enum sg_log_level level, const char *tag, const char *fmt, va_list ap);
/* True when a line of this level and tag would be written: guard costly formatting. */
SG_API bool sg_log_enabled(enum sg_log_level level, const char *tag);
/* "error", "warning", ...; NULL for an out-of-range level. */
SG_API const char *sg_log_level_name(enum sg_log_level level);
/* Parses a level name (case-insensitive, "warn" accepted); -1 when unknown. */
SG_API int sg_log_level_parse(const char *name);

#define SG_ERROR(tag, ...) sg_log(SG_LOG_ERROR, tag, __VA_ARGS__)
#define SG_WARNING(tag, ...) sg_log(SG_LOG_WARNING, tag, __VA_ARGS__)
#define SG_NOTICE(tag, ...) sg_log(SG_LOG_NOTICE, tag, __VA_ARGS__)
#define SG_INFO(tag, ...) sg_log(SG_LOG_INFO, tag, __VA_ARGS__)
#define SG_DEBUG(tag, ...) \
	do { if (sg_log_enabled(SG_LOG_DEBUG, tag)) sg_log(SG_LOG_DEBUG, tag, __VA_ARGS__); } while (0)

#endif
