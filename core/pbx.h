/* pbx.h: process-wide state owned by main.c: start time, stopping, reloading. */
#ifndef SG_PBX_H
#define SG_PBX_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct sg_cli;

void sg_pbx_mark_started(void);
uint64_t sg_pbx_started_ms(void);
uint64_t sg_pbx_reloaded_ms(void);
/* Stops the loop now (calls hung up), or once no call is left. */
void sg_pbx_request_stop(bool graceful);
/* Reloads the dialplan file, then the modules' config; logs the outcome. 0 or -errno,
 * with the reason in err. */
int sg_pbx_reload(char *err, size_t errlen);
/* SIGHUP: reload, logging the outcome. */
void sg_pbx_on_sighup(int signo, void *arg);
/* Frees the graceful-stop timer. */
void sg_pbx_shutdown(void);
/* Registers the core's own console commands. */
int sg_core_commands_register(void);

#endif
