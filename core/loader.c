/* loader.c: the module loader: ABI check, dependencies, ownership, in-use refusal. */
#include <dlfcn.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <strowger/log.h>

#include "config_priv.h"
#include "list.h"
#include "loader.h"
#include "loop_priv.h"
#include "registry.h"

struct sg_module {
	struct sg_list_node node;
	char *name;
	char *path;
	void *dl;
	const struct sg_module_info *info;
	unsigned use_count;
	bool loading; /* on the dependency path being loaded: detects cycles */
};

static struct sg_list modules; /* in load order */
/* Sections of modules checked but not loaded (strowger -n). */
static char checked_sections[32][64];
static size_t nchecked;
static char module_dir[PATH_MAX];

#define MAX_DEPTH 16

void sg_loader_init(const char *dir)
{
	sg_list_init(&modules);
	snprintf(module_dir, sizeof(module_dir), "%s", dir);
}

const char *sg_loader_dir(void) { return module_dir; }
size_t sg_loader_count(void) { return modules.count; }
const char *sg_module_name(const struct sg_module *m) { return m ? m->name : "core"; }
unsigned sg_module_use_count(const struct sg_module *m) { return m ? m->use_count : 0; }

void sg_module_ref(struct sg_module *m)
{
	if (m)
		m->use_count++;
}

void sg_module_unref(struct sg_module *m)
{
	if (m && m->use_count > 0)
		m->use_count--;
}

struct sg_module *sg_loader_find(const char *name)
{
	struct sg_list_node *it;
	sg_list_foreach(&modules, it) {
		struct sg_module *m = sg_container_of(it, struct sg_module, node);
		if (!strcmp(m->name, name))
			return m;
	}
	return NULL;
}

bool sg_loader_claims_section(const char *section)
{
	for (size_t i = 0; i < nchecked; i++)
		if (!strcmp(checked_sections[i], section))
			return true;
	struct sg_list_node *it;
	sg_list_foreach(&modules, it) {
		struct sg_module *m = sg_container_of(it, struct sg_module, node);
		if (m->info->config_section && !strcmp(m->info->config_section, section))
			return true;
	}
	return false;
}

static bool valid_name(const char *name)
{
	if (!*name || strlen(name) > 64)
		return false;
	for (const char *p = name; *p; p++)
		if (!(*p == '_' || *p == '-' || (*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
		      (*p >= '0' && *p <= '9')))
			return false;
	return true;
}

/* dlopen()s the file and checks its description. On success *dl and *info are set. */
static int open_module(const char *name, char *path, size_t pathlen, void **dl,
		       const struct sg_module_info **info, char *err, size_t errlen)
{
	if (!valid_name(name)) {
		snprintf(err, errlen, "'%s' is not a module name (letters, digits, '_' and '-')", name);
		return -EINVAL;
	}
	snprintf(path, pathlen, "%s/%s.so", module_dir, name);
	if (access(path, R_OK) != 0) {
		snprintf(err, errlen, "module '%s': no file %s (%s)", name, path, strerror(errno));
		return -ENOENT;
	}
	void *h = dlopen(path, RTLD_NOW | RTLD_LOCAL);
	if (!h) {
		snprintf(err, errlen, "module '%s': cannot load %s: %s", name, path, dlerror());
		return -ENOEXEC;
	}
	const struct sg_module_info *mi = dlsym(h, SG_MODULE_SYMBOL);
	if (!mi) {
		snprintf(err, errlen, "module '%s': %s exports no '%s' (not a Strowger module)", name,
			 path, SG_MODULE_SYMBOL);
		dlclose(h);
		return -ENOEXEC;
	}
	if (mi->abi_version != SG_MODULE_ABI_VERSION || mi->info_size != sizeof(*mi)) {
		snprintf(err, errlen,
			 "module '%s': built for module ABI %u (description size %u), this strowger "
			 "has ABI %u (size %zu): rebuild the module against these headers",
			 name, mi->abi_version, mi->info_size, SG_MODULE_ABI_VERSION, sizeof(*mi));
		dlclose(h);
		return -EPROTO;
	}
	if (!mi->name || strcmp(mi->name, name) != 0 || !mi->load) {
		snprintf(err, errlen, "module '%s': %s describes itself as '%s'%s", name, path,
			 mi->name ? mi->name : "(no name)", mi->load ? "" : " and has no load function");
		dlclose(h);
		return -EINVAL;
	}
	*dl = h;
	*info = mi;
	return 0;
}

int sg_loader_check(const char *name, char *err, size_t errlen)
{
	char path[PATH_MAX];
	void *dl;
	const struct sg_module_info *info;
	int rc = open_module(name, path, sizeof(path), &dl, &info, err, errlen);
	if (rc)
		return rc;
	if (info->config_section) {
		rc = sg_config_validate_section(info->config_section, info->config_keys, err, errlen);
		if (!rc && nchecked < sizeof(checked_sections) / sizeof(checked_sections[0]))
			snprintf(checked_sections[nchecked++], sizeof(checked_sections[0]), "%s",
				 info->config_section);
	}
	dlclose(dl);
	return rc;
}

static int load_one(const char *name, int depth, char *err, size_t errlen);

static int load_dependencies(struct sg_module *m, int depth, char *err, size_t errlen)
{
	if (!m->info->depends)
		return 0;
	for (const char *const *d = m->info->depends; *d; d++) {
		struct sg_module *dep = sg_loader_find(*d);
		if (dep && dep->loading) {
			snprintf(err, errlen, "module '%s': dependency cycle through '%s'", m->name, *d);
			return -ELOOP;
		}
		if (dep)
			continue;
		char sub[512];
		int rc = load_one(*d, depth + 1, sub, sizeof(sub));
		if (rc) {
			snprintf(err, errlen, "module '%s' needs '%s': %s", m->name, *d, sub);
			return rc;
		}
	}
	return 0;
}

static void free_module(struct sg_module *m)
{
	if (m->dl)
		dlclose(m->dl);
	free(m->name);
	free(m->path);
	free(m);
}

/* Removes whatever the module registered and did not remove itself. */
static void purge_owner(struct sg_module *m, bool warn)
{
	unsigned n = sg_registry_purge_owner(m) + sg_loop_purge_owner(sg_loop_main(), m);
	if (n && warn)
		SG_WARNING("loader", "module '%s' left %u registration%s behind; removed", m->name, n,
			   n == 1 ? "" : "s");
}

static int load_one(const char *name, int depth, char *err, size_t errlen)
{
	if (depth > MAX_DEPTH) {
		snprintf(err, errlen, "module '%s': dependencies nested too deep", name);
		return -ELOOP;
	}
	if (sg_loader_find(name)) {
		snprintf(err, errlen, "module '%s' is already loaded", name);
		return -EEXIST;
	}
	struct sg_module *m = calloc(1, sizeof(*m));
	char path[PATH_MAX];
	if (!m || !(m->name = strdup(name))) {
		free(m);
		snprintf(err, errlen, "out of memory");
		return -ENOMEM;
	}
	int rc = open_module(name, path, sizeof(path), &m->dl, &m->info, err, errlen);
	if (rc) {
		free_module(m);
		return rc;
	}
	m->path = strdup(path);
	m->loading = true;
	/* Listed before its dependencies load, so a cycle finds it; moved to the end
	 * once loaded, so the list stays in load order. */
	sg_list_append(&modules, &m->node);
	rc = load_dependencies(m, depth, err, errlen);
	if (!rc && m->info->config_section)
		rc = sg_config_validate_section(m->info->config_section, m->info->config_keys, err,
						errlen);
	if (!rc) {
		rc = m->info->load(m);
		if (rc)
			snprintf(err, errlen, "module '%s': load failed: %s", name, strerror(rc < 0 ? -rc : rc));
	}
	sg_list_remove_from(&modules, &m->node);
	m->loading = false;
	if (rc) {
		purge_owner(m, false);
		free_module(m);
		return rc < 0 ? rc : -rc;
	}
	sg_list_append(&modules, &m->node);
	SG_NOTICE("loader", "loaded %s: %s", m->name, m->info->description ? m->info->description : "");
	return 0;
}

int sg_loader_load(const char *name, char *err, size_t errlen)
{
	return load_one(name, 0, err, errlen);
}

/* The first loaded module that declares a dependency on m, or NULL. */
static struct sg_module *dependent_of(const struct sg_module *m)
{
	struct sg_list_node *it;
	sg_list_foreach(&modules, it) {
		struct sg_module *o = sg_container_of(it, struct sg_module, node);
		if (o->info->depends)
			for (const char *const *d = o->info->depends; *d; d++)
				if (!strcmp(*d, m->name))
					return o;
	}
	return NULL;
}

static void unload_module(struct sg_module *m)
{
	sg_list_remove_from(&modules, &m->node);
	if (m->info->unload)
		m->info->unload(m);
	/* Tasks the module's worker-side code posted to the main loop before unload()
	 * stopped it still point into the module: they run now, while its code is there. */
	sg_main_run_pending();
	/* Only at shutdown can a module go while still referenced. */
	if (m->use_count)
		SG_WARNING("loader", "%s unloaded with %u reference%s left", m->name, m->use_count,
			   m->use_count == 1 ? "" : "s");
	purge_owner(m, true);
	SG_NOTICE("loader", "unloaded %s", m->name);
	free_module(m);
}

int sg_loader_unload(const char *name, char *err, size_t errlen)
{
	struct sg_module *m = sg_loader_find(name);
	if (!m) {
		snprintf(err, errlen, "module '%s' is not loaded", name);
		return -ENOENT;
	}
	struct sg_module *dep = dependent_of(m);
	if (dep) {
		snprintf(err, errlen, "module '%s' is in use: '%s' depends on it (unload that first)",
			 name, dep->name);
		return -EBUSY;
	}
	if (m->use_count) {
		snprintf(err, errlen, "module '%s' is in use (%u reference%s: live calls or channels)",
			 name, m->use_count, m->use_count == 1 ? "" : "s");
		return -EBUSY;
	}
	unload_module(m);
	return 0;
}

int sg_loader_reload(const char *name, char *err, size_t errlen)
{
	struct sg_module *m = sg_loader_find(name);
	if (!m) {
		snprintf(err, errlen, "module '%s' is not loaded", name);
		return -ENOENT;
	}
	if (m->info->reload) {
		int rc = m->info->reload(m);
		if (rc)
			snprintf(err, errlen, "module '%s': reload failed: %s", name, strerror(-rc));
		return rc;
	}
	int rc = sg_loader_unload(name, err, errlen);
	return rc ? rc : sg_loader_load(name, err, errlen);
}

void sg_loader_reload_all(void)
{
	struct sg_list_node *it;
	sg_list_foreach(&modules, it) {
		struct sg_module *m = sg_container_of(it, struct sg_module, node);
		if (m->info->reload) {
			int rc = m->info->reload(m);
			if (rc)
				SG_ERROR("loader", "module '%s': reload failed: %s", m->name, strerror(-rc));
		}
	}
}

void sg_loader_unload_all(void)
{
	while (modules.count) {
		unload_module(sg_container_of(modules.head.prev, struct sg_module, node));
	}
}

void sg_loader_show(struct sg_cli *cli, const char *like)
{
	unsigned shown = 0;
	sg_cli_printf(cli, "%-20s %-5s %s\n", "Module", "Use", "Description");
	struct sg_list_node *it;
	sg_list_foreach(&modules, it) {
		struct sg_module *m = sg_container_of(it, struct sg_module, node);
		if (like && !strstr(m->name, like))
			continue;
		sg_cli_printf(cli, "%-20s %-5u %s\n", m->name, m->use_count,
			      m->info->description ? m->info->description : "");
		shown++;
	}
	sg_cli_printf(cli, "%u module%s loaded (from %s)\n", shown, shown == 1 ? "" : "s", module_dir);
}
