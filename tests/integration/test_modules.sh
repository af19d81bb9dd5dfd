#!/usr/bin/env bash
# test_modules.sh: loading, unloading and reloading modules from the console:
# ABI refusal, missing files, dependencies, a failing load, and a module in use.
. "$(dirname "$0")/lib.sh"

CFG=$TMP/modules.lua
write_config() { # GREETING
	cat >"$CFG" <<EOF
settings {
  modules = { "res_example" },
  log = { level = "info" },
  example = { greeting = "$1" },
}
extensions = {
  office = {
    ["500"] = function(call)
      call:answer()
      local r = call:countdown(5)
      log.notice("countdown ended: %s", r.status)
      call:hangup()
    end,
  },
}
EOF
}
write_config Hello
start_or_bail "$CFG"

pbx "core show version"
ABI=$(grep -oE 'module ABI [0-9]+' <<<"$OUT" | grep -oE '[0-9]+')

case_begin "the configured res_example is loaded at start"
pbx "module show"
expect_rc 0
expect_out_re '^res_example +0 +Example module: greetings and a countdown$' '^1 module loaded'
expect_log "loaded res_example: Example module"
case_end

case_begin "example hello Bob uses settings.example.greeting"
pbx "example hello Bob"
expect_rc 0
expect_out "Hello, Bob!"
expect_lines 1
case_end

case_begin "module unload res_example removes its commands"
mark_log
pbx "module unload res_example"
expect_rc 0
expect_out "unloaded res_example"
expect_log "notice[loader] unloaded res_example"
pbx "module show"
expect_no_out "res_example"
pbx "example hello Bob"
expect_rc 1
expect_out "no such command 'example hello Bob'"
case_end

case_begin "module unload of a module not loaded fails"
pbx "module unload res_example"
expect_rc 1
expect_out "module 'res_example' is not loaded"
case_end

case_begin "module load res_example brings it back"
pbx "module load res_example"
expect_rc 0
expect_out "loaded res_example"
pbx "example hello Bob"
expect_rc 0
expect_out "Hello, Bob!"
case_end

case_begin "module load of a loaded module fails"
pbx "module load res_example"
expect_rc 1
expect_out "module 'res_example' is already loaded"
case_end

case_begin "module load bad_abi fails naming both ABI versions"
pbx "module load bad_abi"
expect_rc 1
expect_out "module 'bad_abi': built for module ABI $((ABI + 41))" "this strowger has ABI $ABI" \
	"rebuild the module"
pbx "module show"
expect_no_out "bad_abi"
case_end

case_begin "module load nosuch fails naming the missing file"
pbx "module load nosuch"
expect_rc 1
expect_out "module 'nosuch': no file $MODS/nosuch.so (No such file or directory)"
case_end

case_begin "module load refuses a name that is a path"
pbx "module load ../modules/res_example"
expect_rc 1
expect_out "is not a module name"
case_end

case_begin "module load dep_user loads dep_base first"
mark_log
pbx "module load dep_user"
expect_rc 0
expect_out "loaded dep_user"
expect_log "dep_user load"
base=$(log_line "notice[dep_base] dep_base load")
user=$(log_line "notice[dep_user] dep_user load")
if [ "$base" = 0 ]; then
	fail "the log has no 'dep_base load'"
elif [ "$base" -ge "$user" ]; then
	fail "dep_base loaded (log line $base) after dep_user (line $user)"
fi
pbx "module show"
expect_out_re '^dep_base ' '^dep_user '
case_end

case_begin "module unload dep_base is refused naming dep_user"
pbx "module unload dep_base"
expect_rc 1
expect_out "module 'dep_base' is in use: 'dep_user' depends on it"
pbx "module show"
expect_out_re '^dep_base '
case_end

case_begin "unloading dep_user, then dep_base, works"
mark_log
pbx "module unload dep_user"
expect_rc 0
pbx "module unload dep_base"
expect_rc 0
expect_log "dep_base unload"
user=$(log_line "dep_user unload")
base=$(log_line "dep_base unload")
[ "$user" -gt 0 ] && [ "$user" -lt "$base" ] || fail "dep_user did not unload before dep_base (lines $user, $base)"
case_end

case_begin "module load fail_load fails and leaves no command behind"
pbx "module load fail_load"
expect_rc 1
expect_out "module 'fail_load': load failed"
pbx "ghost"
expect_rc 1
expect_out "no such command 'ghost'"
pbx "help"
expect_no_out "ghost"
pbx "module show"
expect_no_out "fail_load"
case_end

case_begin "module load chan_test"
pbx "module load chan_test"
expect_rc 0
expect_out "loaded chan_test"
pbx "core show technologies"
expect_out_re '^Test +chan_test'
case_end

case_begin "a module in use (a call in countdown) cannot be unloaded until the call ends"
t0=$(now_ms)
pbx "test call 500 alice office"
expect_rc 0
expect_out_re '^Test/alice-[0-9]+$'
CH=$(head -n1 <<<"$OUT")
pbx "example show"
expect_out "countdowns running: 1"
pbx "module unload res_example"
expect_rc 1
expect_out "module 'res_example' is in use (1 reference: live calls or channels)"
pbx "module show"
expect_out_re '^res_example +1 '
pbx "example hello Bob"
expect_rc 0 # still loaded and working
pbx "test hangup $CH"
expect_rc 0
pbx_until 3 "core show calls" "0 active calls" || fail "the call did not end after test hangup"
pbx "module unload res_example"
expect_rc 0
expect_out "unloaded res_example"
t1=$(now_ms)
[ $((t1 - t0)) -lt 4000 ] || fail "took $((t1 - t0)) ms: the hangup did not cut the 5 s countdown short"
# The wait ends early and call:countdown() tells the dialplan why.
expect_log "countdown ended: hangup"
case_end

case_begin "module load res_example again after the call"
pbx "module load res_example"
expect_rc 0
pbx "example show"
expect_out "countdowns running: 0"
case_end

case_begin "module reload res_example"
mark_log
pbx "module reload res_example"
expect_rc 0
expect_out "reloaded res_example"
expect_log "config re-read, greeting \"Hello\""
pbx "example hello Bob"
expect_out "Hello, Bob!"
case_end

case_begin "a new greeting reaches res_example through dialplan reload"
write_config Howdy
pbx "dialplan reload"
expect_rc 0
pbx "module reload res_example"
expect_rc 0
pbx "example hello Bob"
expect_rc 0
expect_out "Howdy, Bob!"
case_end

case_begin "module reload of a module not loaded fails"
pbx "module reload nosuch"
expect_rc 1
expect_out "module 'nosuch' is not loaded"
case_end

case_begin "a module reload without a reload hook unloads and loads it"
mark_log
pbx "module reload dep_base"
expect_rc 1
pbx "module load dep_base"
expect_rc 0
pbx "module reload dep_base"
expect_rc 0
expect_out "reloaded dep_base"
expect_log "dep_base unload"
expect_log "loaded dep_base"
case_end

finish
