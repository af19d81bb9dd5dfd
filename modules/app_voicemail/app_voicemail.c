/*
 * app_voicemail.c: voicemail. Adds call:voicemail(box, opts) (leave a message),
 * call:voicemail_main(box, opts) (the mailbox menu of *97 / *98), the Lua library
 * voicemail.counts()/exists(), and the console commands `voicemail show boxes` and
 * `voicemail show messages BOX`. The call flows are Lua (vm_flow.c) over res_rtp's
 * media methods; the mailboxes, the index and MWI are C (vm_box.c).
 * docs/voicemail.md is the admin's guide.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <strowger/cli.h>
#include <strowger/config.h>
#include <strowger/dialplan.h>
#include <strowger/log.h>
#include <strowger/module.h>
#include <strowger/mwi.h>

#include "vm_box.h"
#include "vm_flow.h"
#include "vm_mail.h"
#include "vm_wav.h"

#define TAG "voicemail"

static struct sg_module *self;

static struct vm_box *check_box(lua_State *L, int idx)
{
	const char *id = luaL_checkstring(L, idx);
	struct vm_box *b = vm_box_find(id);
	if (!b)
		luaL_error(L, "voicemail: no box '%s'", id);
	return b;
}

/* --- the private table the flows call (vm.*) --- */

static int l_settings(lua_State *L)
{
	lua_createtable(L, 0, 5);
	lua_pushinteger(L, vm_cfg.max_seconds);
	lua_setfield(L, -2, "max_seconds");
	lua_pushnumber(L, vm_cfg.silence);
	lua_setfield(L, -2, "silence");
	lua_pushboolean(L, vm_cfg.review);
	lua_setfield(L, -2, "review");
	lua_pushinteger(L, vm_cfg.pin_tries);
	lua_setfield(L, -2, "pin_tries");
	return 1;
}

static int l_exists(lua_State *L)
{
	lua_pushboolean(L, lua_type(L, 1) == LUA_TSTRING && vm_box_find(lua_tostring(L, 1)));
	return 1;
}

/* The box's own greeting of this kind when it is a readable WAV, else nil. */
static int l_greeting(lua_State *L)
{
	struct vm_box *b = check_box(L, 1);
	char path[1024], why[128];
	double secs;
	vm_greeting_path(b, luaL_checkstring(L, 2), path, sizeof(path));
	if (access(path, F_OK) != 0)
		return 0;
	if (vm_wav_seconds(path, &secs, why, sizeof(why)) < 0) {
		SG_WARNING(TAG, "box %s: greeting %s is unusable (%s): playing the default", b->id, path, why);
		return 0;
	}
	lua_pushstring(L, path);
	return 1;
}

static int l_greeting_path(lua_State *L)
{
	struct vm_box *b = check_box(L, 1);
	const char *kind = luaL_checkstring(L, 2);
	luaL_argcheck(L, !strcmp(kind, "busy") || !strcmp(kind, "unavail"), 2, "busy or unavail");
	char path[1024];
	vm_greeting_path(b, kind, path, sizeof(path));
	lua_pushstring(L, path);
	return 1;
}

/* vm.begin(box, caller, name) -> num, tmp path | nil, "full"|"disk" */
static int l_begin(lua_State *L)
{
	struct vm_box *b = check_box(L, 1);
	unsigned num;
	const char *why;
	if (vm_msg_begin(b, luaL_optstring(L, 2, "unknown"), luaL_optstring(L, 3, ""), &num, &why)) {
		lua_pushnil(L);
		lua_pushstring(L, why ? why : "error");
		return 2;
	}
	char path[1024];
	vm_msg_path(b, VM_TMP, num, path, sizeof(path));
	lua_pushinteger(L, num);
	lua_pushstring(L, path);
	return 2;
}

/* vm.no_room(box, caller) -> nil, or "full"|"disk" */
static int l_no_room(lua_State *L)
{
	const char *why = vm_box_no_room(check_box(L, 1), luaL_optstring(L, 2, "unknown"));
	if (!why)
		return 0;
	lua_pushstring(L, why);
	return 1;
}

static unsigned check_num(lua_State *L, int idx)
{
	lua_Integer n = luaL_checkinteger(L, idx);
	luaL_argcheck(L, n > 0 && n < 100000000, idx, "a message number");
	return (unsigned)n;
}

static int l_commit(lua_State *L)
{
	struct vm_box *b = check_box(L, 1);
	double secs;
	lua_pushstring(L, vm_msg_commit(b, check_num(L, 2), &secs));
	lua_pushnumber(L, secs);
	return 2;
}

static int l_discard(lua_State *L)
{
	vm_msg_discard(check_box(L, 1), check_num(L, 2));
	return 0;
}

static int l_pin(lua_State *L)
{
	const char *pin = vm_box_pin(check_box(L, 1), lua_type(L, 2) == LUA_TSTRING ? lua_tostring(L, 2) : NULL);
	if (!pin)
		return 0;
	lua_pushstring(L, pin);
	return 1;
}

static int l_set_pin(lua_State *L)
{
	lua_pushboolean(L, vm_box_set_pin(check_box(L, 1), luaL_checkstring(L, 2)) == 0);
	return 1;
}

static const char *folder_name(enum vm_folder f)
{
	return f == VM_INBOX ? "INBOX" : f == VM_OLD ? "Old" : "tmp";
}

/* vm.list(box): the messages, new ones first, each {num, folder, path, caller,
 * name, time, seconds}. */
static int l_list(lua_State *L)
{
	struct vm_box *b = check_box(L, 1);
	lua_createtable(L, (int)b->n, 0);
	lua_Integer k = 1;
	for (int pass = 0; pass < 2; pass++)
		for (size_t i = 0; i < b->n; i++) {
			const struct vm_msg *m = &b->msgs[i];
			if ((m->folder == VM_INBOX) != (pass == 0))
				continue;
			char path[1024];
			vm_msg_path(b, m->folder, m->num, path, sizeof(path));
			lua_createtable(L, 0, 7);
			lua_pushinteger(L, m->num);
			lua_setfield(L, -2, "num");
			lua_pushstring(L, folder_name(m->folder));
			lua_setfield(L, -2, "folder");
			lua_pushstring(L, path);
			lua_setfield(L, -2, "path");
			lua_pushstring(L, m->caller);
			lua_setfield(L, -2, "caller");
			lua_pushstring(L, m->name);
			lua_setfield(L, -2, "name");
			lua_pushinteger(L, m->time);
			lua_setfield(L, -2, "time");
			lua_pushnumber(L, m->seconds);
			lua_setfield(L, -2, "seconds");
			lua_rawseti(L, -2, k++);
		}
	return 1;
}

static int l_move_old(lua_State *L)
{
	lua_pushboolean(L, vm_msg_move_old(check_box(L, 1), check_num(L, 2)) == 0);
	return 1;
}

static int l_delete(lua_State *L)
{
	lua_pushboolean(L, vm_msg_delete(check_box(L, 1), check_num(L, 2)) == 0);
	return 1;
}

/* voicemail.counts(box) -> new, old (nil for an unknown box). */
static int l_counts(lua_State *L)
{
	struct vm_box *b = vm_box_find(luaL_checkstring(L, 1));
	if (!b)
		return 0;
	unsigned n, o;
	vm_box_counts(b, &n, &o);
	lua_pushinteger(L, n);
	lua_pushinteger(L, o);
	return 2;
}

/* A flow holds the module while it runs: its coroutine calls these functions
 * between waits that belong to res_rtp. The <close> variable releases it, also
 * when the call ends mid-flow (the core closes the coroutine). */
struct hold {
	bool held;
};

static int hold_release(lua_State *L)
{
	struct hold *h = lua_touserdata(L, 1);
	if (h && h->held) {
		h->held = false;
		sg_module_unref(self);
	}
	return 0;
}

static int l_hold(lua_State *L)
{
	struct hold *h = lua_newuserdatauv(L, sizeof(*h), 0);
	h->held = true;
	sg_module_ref(self);
	lua_createtable(L, 0, 1);
	lua_pushcfunction(L, hold_release);
	lua_setfield(L, -2, "__close");
	lua_setmetatable(L, -2);
	return 1;
}

static const luaL_Reg private_funcs[] = {
	{"settings", l_settings},   {"exists", l_exists},	  {"greeting", l_greeting},
	{"greeting_path", l_greeting_path}, {"begin", l_begin}, {"no_room", l_no_room}, {"commit", l_commit},
	{"discard", l_discard},	    {"pin", l_pin},		  {"set_pin", l_set_pin},
	{"list", l_list},	    {"move_old", l_move_old},	  {"delete", l_delete},
	{"counts", l_counts},	    {"hold", l_hold},		  {NULL, NULL},
};

/* --- the call methods: run a flow inside the caller's coroutine --- */

/* Where the flow's results start: after call, box, opts and the flows table. */
#define FLOW_BASE 4

static int flow_k(lua_State *L, int status, lua_KContext ctx)
{
	(void)status;
	(void)ctx;
	return lua_gettop(L) - FLOW_BASE;
}

static int run_flow(lua_State *L, const char *fn)
{
	lua_settop(L, 3);
	if (luaL_loadbuffer(L, vm_flow_lua, strlen(vm_flow_lua), "=app_voicemail") != LUA_OK)
		return lua_error(L);
	luaL_newlib(L, private_funcs);
	lua_call(L, 1, 1);
	lua_getfield(L, FLOW_BASE, fn);
	for (int i = 1; i <= 3; i++)
		lua_pushvalue(L, i);
	/* The flow yields whenever it waits; flow_k returns its results then. */
	lua_callk(L, 3, LUA_MULTRET, 0, flow_k);
	return flow_k(L, LUA_OK, 0);
}

static void check_opts(lua_State *L, int idx)
{
	if (!lua_isnoneornil(L, idx))
		luaL_checktype(L, idx, LUA_TTABLE);
}

/* call:voicemail(box, {greeting = "unavail"|"busy", review = bool}) */
static int m_voicemail(lua_State *L)
{
	sg_dp_check_call(L, 1);
	luaL_checkstring(L, 2);
	lua_pushstring(L, lua_tostring(L, 2)); /* a number becomes its string */
	lua_replace(L, 2);
	check_opts(L, 3);
	return run_flow(L, "leave");
}

/* call:voicemail_main(box or nil, {pin = true}) */
static int m_voicemail_main(lua_State *L)
{
	sg_dp_check_call(L, 1);
	if (!lua_isnoneornil(L, 2)) {
		luaL_checkstring(L, 2);
		lua_pushstring(L, lua_tostring(L, 2));
		lua_replace(L, 2);
	}
	check_opts(L, 3);
	return run_flow(L, "main");
}

static const luaL_Reg call_methods[] = {
	{"voicemail", m_voicemail},
	{"voicemail_main", m_voicemail_main},
	{NULL, NULL},
};

static const luaL_Reg library[] = {{"counts", l_counts}, {"exists", l_exists}, {NULL, NULL}};

/* --- console --- */

static enum sg_cli_result cli_boxes(struct sg_cli *cli, int argc, const char *const *argv)
{
	(void)argv;
	if (argc)
		return SG_CLI_USAGE;
	/* MWI: what the core holds for the box (mwi.h), as phones' lamps are told. */
	sg_cli_printf(cli, "%-16s %5s %5s  %s\n", "Box", "New", "Old", "MWI new/old");
	for (size_t i = 0; i < vm_box_count(); i++) {
		const struct vm_box *b = vm_box_at(i);
		unsigned n, o, mn = 0, mo = 0;
		vm_box_counts(b, &n, &o);
		bool set = sg_mwi_get(b->id, &mn, &mo);
		sg_cli_printf(cli, "%-16s %5u %5u  %s%u/%u\n", b->id, n, o, set ? "" : "unset ", mn, mo);
	}
	sg_cli_printf(cli, "%zu boxes\n", vm_box_count());
	return SG_CLI_OK;
}

static enum sg_cli_result cli_messages(struct sg_cli *cli, int argc, const char *const *argv)
{
	if (argc != 1)
		return SG_CLI_USAGE;
	struct vm_box *b = vm_box_find(argv[0]);
	if (!b) {
		sg_cli_printf(cli, "No box '%s'\n", argv[0]);
		return SG_CLI_FAIL;
	}
	sg_cli_printf(cli, "%-6s %-6s %-19s %7s  %s\n", "Msg", "Folder", "Received", "Seconds", "Caller");
	for (size_t i = 0; i < b->n; i++) {
		const struct vm_msg *m = &b->msgs[i];
		char when[32];
		time_t t = (time_t)m->time;
		struct tm tm;
		strftime(when, sizeof(when), "%Y-%m-%d %H:%M:%S", localtime_r(&t, &tm));
		sg_cli_printf(cli, "%-6u %-6s %-19s %7.1f  %s%s%s%s\n", m->num, folder_name(m->folder), when,
			      m->seconds, m->caller, m->name[0] ? " (" : "", m->name, m->name[0] ? ")" : "");
	}
	unsigned n, o;
	vm_box_counts(b, &n, &o);
	sg_cli_printf(cli, "%u new, %u old\n", n, o);
	return SG_CLI_OK;
}

static const struct sg_cli_command commands[] = {
	{"voicemail show boxes", "voicemail show boxes", "List the voicemail boxes with new and old counts",
	 cli_boxes},
	{"voicemail show messages", "voicemail show messages BOX", "List the messages of a voicemail box",
	 cli_messages},
};

static int load(struct sg_module *m)
{
	int rc;
	self = m;
	vm_read_config();
	vm_mail_config(m);
	if ((rc = vm_boxes_load(m)) || (rc = sg_cli_register(m, commands, sizeof(commands) / sizeof(commands[0]))) ||
	    (rc = sg_dp_add_library(m, "voicemail", library)) || (rc = sg_dp_add_call_methods(m, call_methods))) {
		vm_boxes_unload();
		return rc;
	}
	SG_INFO(TAG, "ready: %zu boxes", vm_box_count());
	return 0;
}

static void unload(struct sg_module *m)
{
	(void)m;
	sg_cli_unregister(commands, sizeof(commands) / sizeof(commands[0]));
	vm_mail_stop();
	vm_boxes_unload();
}

static int reload(struct sg_module *m)
{
	vm_read_config();
	vm_mail_config(m);
	vm_boxes_refresh();
	return 0;
}

static const char *const depends[] = {"res_rtp", NULL};

static const struct sg_config_key config_keys[] = {
	{"max_messages", SG_CFG_INT, "messages a box holds (INBOX and Old), 100"},
	{"max_seconds", SG_CFG_INT, "longest message in seconds, 180"},
	{"min_seconds", SG_CFG_NUMBER, "shorter messages are not kept, 1"},
	{"silence", SG_CFG_NUMBER, "seconds of silence that end a message, 5"},
	{"review", SG_CFG_BOOL, "offer 1 listen / 2 re-record / 3 save after recording, false"},
	{"pin_tries", SG_CFG_INT, "wrong PINs before the menu hangs up, 3"},
	{"min_free_mb", SG_CFG_INT, "no recording when the disk has less free, 10"},
	{"boxes", SG_CFG_TABLE, "per box: { [\"100\"] = { pin = \"1234\", email = \"bob@example.com\" } }"},
	{"smtp", SG_CFG_TABLE, "voicemail to e-mail: { relay = \"127.0.0.1:25\", from = \"pbx@example.com\", timeout = 30 }"},
	{"extra_boxes", SG_CFG_STRING_LIST, "boxes that are not users (a group's box)"},
	{NULL, 0, NULL},
};

SG_MODULE_DEFINE(.name = "app_voicemail", .description = "Voicemail: messages, mailbox menu, MWI counts",
		 .depends = depends, .config_section = "voicemail", .config_keys = config_keys, .load = load,
		 .unload = unload, .reload = reload);
