/* cli_priv.h: running console command lines (core only). */
#ifndef SG_CLI_PRIV_H
#define SG_CLI_PRIV_H

#include <strowger/cli.h>

#include "buf.h"

#define SG_CLI_MAX_WORDS 64

/* Splits a line into words: blanks separate, double quotes group, backslash escapes
 * inside quotes. Returns the word count, or -1 with *error set. Words point into
 * `scratch`, which must be at least strlen(line)+1 bytes. */
int sg_cli_split(const char *line, char *scratch, const char **words, int max, const char **error);
/* Runs one command line, appending its output to `out`. */
enum sg_cli_result sg_cli_run(const char *line, struct sg_buf *out);
/* Lists the words that can follow `line` (for tab completion), one per line. */
void sg_cli_complete(const char *line, struct sg_buf *out);
unsigned sg_cli_purge_owner(struct sg_module *owner);
void sg_cli_shutdown(void);

#endif
