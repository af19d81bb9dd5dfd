/* service_priv.h: removing a module's services, and listing them (core only). */
#ifndef SG_SERVICE_PRIV_H
#define SG_SERVICE_PRIV_H

struct sg_cli;
struct sg_module;

unsigned sg_service_purge_owner(struct sg_module *owner);
void sg_services_show(struct sg_cli *cli);

#endif
