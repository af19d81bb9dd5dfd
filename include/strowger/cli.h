/*
 * cli.h: console commands. The console (`strowger -r`, `strowger -x "cmd"`) sends a
 * line; the core splits it into words (double quotes group words) and runs the
 * registered command whose words are the longest prefix of the line. A command is a
 * const table entry: its words ("module load"), a usage line, a one-line summary for
 * `help`, and a handler that prints with sg_cli_printf() and returns SG_CLI_OK,
 * SG_CLI_FAIL (it printed why) or SG_CLI_USAGE (the core prints the usage line). The
 * exit status of `strowger -x` is the handler's result. Modules register their own
 * tables with an owner, removed automatically on unload. Main thread only.
 */
#ifndef STROWGER_CLI_H
#define STROWGER_CLI_H

#include "common.h"

struct sg_cli;

enum sg_cli_result { SG_CLI_OK = 0, SG_CLI_FAIL = 1, SG_CLI_USAGE = 2 };

struct sg_cli_command {
	const char *words;   /* "core show channels" */
	const char *usage;   /* "core show channels [verbose]" */
	const char *summary; /* "List active channels" */
	/* argv[0..argc) are the words after the command's own words. */
	enum sg_cli_result (*handler)(struct sg_cli *cli, int argc, const char *const *argv);
};

SG_API void sg_cli_printf(struct sg_cli *cli, const char *fmt, ...) SG_PRINTF(2, 3);
/* Registers `n` commands; the table must outlive the registration. 0 or -errno
 * (-EEXIST when a command with the same words exists). */
SG_API int sg_cli_register(struct sg_module *owner, const struct sg_cli_command *cmds, size_t n);
SG_API void sg_cli_unregister(const struct sg_cli_command *cmds, size_t n);

#endif
