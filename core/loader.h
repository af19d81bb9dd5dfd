/* loader.h: loading, unloading and listing modules (core only). */
#ifndef SG_LOADER_H
#define SG_LOADER_H

#include <strowger/cli.h>
#include <strowger/module.h>

void sg_loader_init(const char *module_dir);
/* Loads a module and, first, any dependency it declares. On failure writes a
 * one-line reason into err. 0 or -errno (-EEXIST when already loaded). */
int sg_loader_load(const char *name, char *err, size_t errlen);
/* -EBUSY with the reason in err when the module is in use. */
int sg_loader_unload(const char *name, char *err, size_t errlen);
int sg_loader_reload(const char *name, char *err, size_t errlen);
/* Opens the module file and checks ABI and config section without loading it
 * (`strowger -n`). */
int sg_loader_check(const char *name, char *err, size_t errlen);
/* Calls the reload hook of every loaded module that has one (after a config reload). */
void sg_loader_reload_all(void);
/* Unloads everything in reverse load order, in use or not (shutdown). */
void sg_loader_unload_all(void);
struct sg_module *sg_loader_find(const char *name);
bool sg_loader_claims_section(const char *section);
const char *sg_loader_dir(void);
void sg_loader_show(struct sg_cli *cli, const char *like);
size_t sg_loader_count(void);

#endif
