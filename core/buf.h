/* buf.h: a growable byte buffer for building output and framing messages. */
#ifndef SG_BUF_H
#define SG_BUF_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>

struct sg_buf {
	char *data;
	size_t len, cap;
	bool failed; /* an allocation failed: contents are truncated */
};

void sg_buf_init(struct sg_buf *b);
void sg_buf_free(struct sg_buf *b);
void sg_buf_append(struct sg_buf *b, const void *data, size_t len);
void sg_buf_printf(struct sg_buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void sg_buf_vprintf(struct sg_buf *b, const char *fmt, va_list ap);
/* Drops the first n bytes. */
void sg_buf_consume(struct sg_buf *b, size_t n);
/* NUL-terminated view of the contents (always valid, "" when empty). */
const char *sg_buf_str(struct sg_buf *b);

#endif
