/* main.c: the command line, start-up in a safe order, signals, and clean shutdown. */
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <strowger/log.h>
#include <strowger/loop.h>
#include <strowger/module.h>
#include <strowger/users.h>

#include "../config.h"
#include "call_priv.h"
#include "channel_priv.h"
#include "cli_priv.h"
#include "console_priv.h"
#include "dp_priv.h"
#include "loader.h"
#include "devstate_priv.h"
#include "features_priv.h"
#include "mwi_priv.h"
#include "outbound_priv.h"
#include "log_priv.h"
#include "loop_priv.h"
#include "pbx.h"
#include "store_priv.h"
#include "workers_priv.h"

struct options {
	const char *config;
	const char *module_dir;
	const char *data_dir;
	const char *socket;
	const char *command;
	bool check;
	bool remote;
};


static void usage(FILE *f)
{
	fprintf(f,
		"Usage: strowger [OPTIONS]            run the PBX in the foreground\n"
		"       strowger -r [-s SOCKET]       attach a console to a running PBX\n"
		"       strowger -x \"COMMAND\"         run one console command and exit\n"
		"       strowger -n [-c FILE]         check the config and dialplan, then exit\n"
		"\n"
		"  -c FILE    the Lua entry file (default %s)\n"
		"  -M DIR     where modules are (default: settings.module_path or %s)\n"
		"  -D DIR     data directory (default: settings.data_dir or %s)\n"
		"  -s PATH    console socket (default: settings.console.socket or DATA_DIR/strowger.ctl)\n"
		"  -V         print the version\n"
		"  -h         this help\n",
		SG_DEFAULT_CONFIG, SG_DEFAULT_MODULE_DIR, SG_DEFAULT_DATA_DIR);
}

/* Makes a command-line path absolute, so it survives a chdir and reads well in logs. */
static void absolute(const char *in, char *out, size_t len)
{
	char cwd[PATH_MAX];
	if (in[0] == '/' || !getcwd(cwd, sizeof(cwd)))
		snprintf(out, len, "%s", in);
	else
		snprintf(out, len, "%s/%s", cwd, strcmp(in, ".") ? in : "");
}

static int mkdir_p(const char *path)
{
	char tmp[PATH_MAX];
	snprintf(tmp, sizeof(tmp), "%s", path);
	for (char *p = tmp + 1; *p; p++) {
		if (*p != '/')
			continue;
		*p = '\0';
		if (mkdir(tmp, 0755) != 0 && errno != EEXIST)
			return -errno;
		*p = '/';
	}
	if (mkdir(tmp, 0750) != 0 && errno != EEXIST)
		return -errno;
	return 0;
}

static void apply_overrides(const struct options *o, struct sg_core_settings *s)
{
	if (o->data_dir) {
		absolute(o->data_dir, s->data_dir, sizeof(s->data_dir));
		/* The socket follows the data directory unless named on its own. */
		snprintf(s->console_socket, sizeof(s->console_socket), "%s/strowger.ctl", s->data_dir);
	}
	if (o->module_dir)
		absolute(o->module_dir, s->module_path, sizeof(s->module_path));
	if (o->socket)
		absolute(o->socket, s->console_socket, sizeof(s->console_socket));
}

/* Where the console socket is, for -r and -x: -s, else what the config says. */
static int client_socket(const struct options *o, char *out, size_t len)
{
	if (o->socket) {
		snprintf(out, len, "%s", o->socket);
		return 0;
	}
	struct sg_core_settings s = {0};
	char err[1024];
	snprintf(s.data_dir, sizeof(s.data_dir), "%s", SG_DEFAULT_DATA_DIR);
	snprintf(s.console_socket, sizeof(s.console_socket), "%s/strowger.ctl", SG_DEFAULT_DATA_DIR);
	const char *file = o->config ? o->config : SG_DEFAULT_CONFIG;
	if ((o->config || access(file, R_OK) == 0) && !o->data_dir) {
		sg_log_to_stderr(false);
		if (sg_dp_init(0) == 0) {
			struct dp_gen *g = sg_dp_load(file, false, &s, err, sizeof(err));
			sg_dp_gen_unref(g);
			sg_dp_shutdown();
			if (!g) {
				fprintf(stderr, "strowger: %s\n", err);
				return -EINVAL;
			}
		}
	}
	apply_overrides(o, &s);
	snprintf(out, len, "%s", s.console_socket);
	return 0;
}

/* Users' stored features (DND, forwards) are read before any module runs. */
static int features_start(char *err, size_t errlen)
{
	int rc = sg_features_init();
	if (rc)
		snprintf(err, errlen, "cannot open the stored features: %s", strerror(-rc));
	return rc;
}

static void on_stop_signal(int signo, void *arg)
{
	(void)arg;
	SG_NOTICE("core", "%s received: stopping%s", signo == SIGINT ? "SIGINT" : "SIGTERM",
		  signo == SIGTERM ? " once calls end" : "");
	sg_pbx_request_stop(signo == SIGTERM);
}

/* Loads (or, for -n, only checks) the modules the config lists. */
static int load_modules(bool check_only, char *err, size_t errlen)
{
	size_t n = sg_config_list_len("modules");
	for (size_t i = 0; i < n; i++) {
		const char *name = sg_config_list_get("modules", i);
		char why[768];
		int rc = check_only ? sg_loader_check(name, why, sizeof(why)) : sg_loader_load(name, why, sizeof(why));
		if (rc && rc != -EEXIST) { /* EEXIST: already pulled in as a dependency */
			snprintf(err, errlen, "%s: settings.modules: %s", sg_config_where(), why);
			return rc;
		}
	}
	return 0;
}

static void shutdown_all(void)
{
	sg_pbx_shutdown();
	sg_console_stop();
	sg_calls_refuse_new(true);
	sg_dp_calls_end_all(SG_CAUSE_SHUTDOWN);
	sg_chans_hangup_all(SG_CAUSE_SHUTDOWN);
	sg_main_run_pending(); /* releases modules deferred to the next loop turn */
	sg_loader_unload_all();
	sg_features_shutdown();
	sg_outbound_shutdown();
	sg_store_shutdown(); /* after the modules: their last writes are flushed */
	sg_workers_stop();
	sg_cli_shutdown();
	sg_dp_shutdown();
	sg_mwi_shutdown();
	sg_devstate_shutdown();
	sg_main_loop_shutdown();
	sg_log_shutdown();
}

static int run_pbx(const struct options *o)
{
	char err[1024];
	struct sg_core_settings s;
	const char *file = o->config ? o->config : SG_DEFAULT_CONFIG;

	sg_log_init();
	if (sg_main_loop_init() || sg_dp_init(0)) {
		fprintf(stderr, "strowger: out of memory at start\n");
		return 1;
	}
	struct dp_gen *g = sg_dp_load(file, false, &s, err, sizeof(err));
	if (!g) {
		fprintf(stderr, "strowger: %s\n", err);
		sg_dp_shutdown();
		sg_main_loop_shutdown();
		return 1;
	}
	apply_overrides(o, &s);
	sg_dp_activate(g);
	sg_dp_set_memory_cap((size_t)s.max_memory_mb << 20);
	sg_core_settings_set(&s);
	sg_config_apply_runtime(&s);
	sg_log_to_stderr(s.log_stderr);
	sg_loader_init(s.module_path);
	sg_core_commands_register();
	sg_features_commands_register();

	int rc = 1;
	if (o->check) {
		if (load_modules(true, err, sizeof(err)) ||
		    sg_config_check_sections(sg_dp_state(), g, err, sizeof(err))) {
			fprintf(stderr, "strowger: %s\n", err);
		} else {
			printf("configuration OK: %s (%zu users, %zu contexts, %zu modules)\n", file,
			       g->nusers, g->ncontexts, sg_config_list_len("modules"));
			rc = 0;
		}
		goto out;
	}
	if (s.log_file[0] && sg_log_to_file(s.log_file)) {
		fprintf(stderr, "strowger: %s: cannot open log file %s: %s\n", g->where, s.log_file,
			strerror(errno));
		goto out;
	}
	int e = mkdir_p(s.data_dir);
	if (e) {
		fprintf(stderr, "strowger: cannot create data directory %s: %s\n", s.data_dir, strerror(-e));
		goto out;
	}
	/* The socket first: a second instance must stop before any module runs. */
	if (sg_console_start(s.console_socket, s.console_mode, err, sizeof(err)) ||
	    sg_store_init(s.data_dir, err, sizeof(err)) || features_start(err, sizeof(err))) {
		fprintf(stderr, "strowger: %s\n", err);
		goto out;
	}
	/* Check every listed module before loading any, so a bad one refuses the start
	 * without the others' load() running for nothing. */
	if (load_modules(true, err, sizeof(err)) || load_modules(false, err, sizeof(err)) ||
	    sg_config_check_sections(sg_dp_state(), g, err, sizeof(err))) {
		fprintf(stderr, "strowger: %s\n", err);
		goto out;
	}
	if ((e = sg_workers_start(s.media_workers, s.media_queue))) {
		fprintf(stderr, "strowger: cannot start media workers: %s\n", strerror(-e));
		goto out;
	}
	signal(SIGPIPE, SIG_IGN);
	sg_loop_on_signal(sg_loop_main(), SIGINT, on_stop_signal, NULL);
	sg_loop_on_signal(sg_loop_main(), SIGTERM, on_stop_signal, NULL);
	sg_loop_on_signal(sg_loop_main(), SIGHUP, sg_pbx_on_sighup, NULL);
	sg_pbx_mark_started();
	SG_NOTICE("core", "Strowger %s ready: dialplan %s, %zu users, %zu modules; console %s", SG_VERSION,
		  file, g->nusers, sg_loader_count(), s.console_socket);
	sg_loop_run(sg_loop_main());
	SG_NOTICE("core", "stopping: %u call%s, %u channel%s to end", sg_calls_active(),
		  sg_calls_active() == 1 ? "" : "s", sg_chans_active(), sg_chans_active() == 1 ? "" : "s");
	rc = 0;
out:
	shutdown_all();
	if (!o->check && rc == 0)
		fprintf(stderr, "strowger: stopped\n");
	return rc;
}

int main(int argc, char **argv)
{
	struct options o = {0};
	int c;
	while ((c = getopt(argc, argv, "c:M:D:s:x:rnVh")) != -1) {
		switch (c) {
		case 'c': o.config = optarg; break;
		case 'M': o.module_dir = optarg; break;
		case 'D': o.data_dir = optarg; break;
		case 's': o.socket = optarg; break;
		case 'x': o.command = optarg; break;
		case 'r': o.remote = true; break;
		case 'n': o.check = true; break;
		case 'V': printf("Strowger %s\n", SG_VERSION); return 0;
		case 'h': usage(stdout); return 0;
		default: usage(stderr); return 2;
		}
	}
	if (optind < argc) {
		fprintf(stderr, "strowger: unexpected argument '%s' (see strowger -h)\n", argv[optind]);
		return 2;
	}
	if (o.command || o.remote) {
		char path[PATH_MAX];
		if (client_socket(&o, path, sizeof(path)))
			return 3;
		return o.command ? sg_console_run_command(path, o.command) : sg_console_interactive(path);
	}
	return run_pbx(&o);
}
