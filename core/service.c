/* service.c: named, versioned API tables that modules offer each other (service.h). */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <strowger/cli.h>
#include <strowger/module.h>
#include <strowger/service.h>

#include "service_priv.h"

struct service {
	char *name;
	unsigned version;
	const void *api;
	struct sg_module *owner;
};

/* A handful at most: a plain array searched by name. */
static struct service *services;
static size_t nservices;

static struct service *find(const char *name)
{
	for (size_t i = 0; i < nservices; i++)
		if (!strcmp(services[i].name, name))
			return &services[i];
	return NULL;
}

int sg_service_register(struct sg_module *owner, const char *name, unsigned version, const void *api)
{
	if (!name || !*name || !api)
		return -EINVAL;
	if (find(name))
		return -EEXIST;
	struct service *v = realloc(services, (nservices + 1) * sizeof(*v));
	if (!v)
		return -ENOMEM;
	services = v;
	char *copy = strdup(name);
	if (!copy)
		return -ENOMEM;
	services[nservices++] = (struct service){copy, version, api, owner};
	return 0;
}

static void remove_at(size_t i)
{
	free(services[i].name);
	memmove(&services[i], &services[i + 1], (nservices - i - 1) * sizeof(*services));
	if (--nservices == 0) {
		free(services);
		services = NULL;
	}
}

void sg_service_unregister(const char *name)
{
	struct service *s = name ? find(name) : NULL;
	if (s)
		remove_at((size_t)(s - services));
}

const void *sg_service_get(const char *name, unsigned version)
{
	struct service *s = name ? find(name) : NULL;
	return s && s->version == version ? s->api : NULL;
}

unsigned sg_service_version(const char *name)
{
	struct service *s = name ? find(name) : NULL;
	return s ? s->version : 0;
}

unsigned sg_service_purge_owner(struct sg_module *owner)
{
	unsigned n = 0;
	for (size_t i = nservices; i-- > 0;)
		if (services[i].owner == owner) {
			remove_at(i);
			n++;
		}
	return n;
}

void sg_services_show(struct sg_cli *cli)
{
	sg_cli_printf(cli, "%-16s %-8s %s\n", "Service", "Version", "Module");
	for (size_t i = 0; i < nservices; i++)
		sg_cli_printf(cli, "%-16s %-8u %s\n", services[i].name, services[i].version,
			      sg_module_name(services[i].owner));
	sg_cli_printf(cli, "%zu service%s\n", nservices, nservices == 1 ? "" : "s");
}
