/* console_priv.h: the console's UNIX socket server and its client (core only). */
#ifndef SG_CONSOLE_PRIV_H
#define SG_CONSOLE_PRIV_H

#include <stddef.h>
#include <sys/types.h>

/*
 * Wire protocol, one line each way, so `socat` is a usable debug client:
 *   client -> server: a command line; "\001complete LINE" asks for completions;
 *                     "\001events on|off" turns live log lines on or off.
 *   server -> client: "o TEXT" an output line, "l TEXT" a log line,
 *                     "e STATUS" the end of one command's output.
 */
#define SG_CONSOLE_CTRL '\001'

/* Binds the socket (refusing when another instance answers on it). 0 or -errno
 * with a one-line reason in err. */
int sg_console_start(const char *path, mode_t mode, char *err, size_t errlen);
void sg_console_stop(void);
unsigned sg_console_clients(void);

/* The client side: `strowger -x CMD` and `strowger -r`. Returns the exit status. */
int sg_console_run_command(const char *path, const char *command);
int sg_console_interactive(const char *path);

#endif
