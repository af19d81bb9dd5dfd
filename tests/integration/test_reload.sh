#!/usr/bin/env bash
# test_reload.sh: dialplan reload from the console and by SIGHUP: new extensions
# appear, a broken file is refused and the running dialplan stays, and a call in
# progress carries on across a reload.
. "$(dirname "$0")/lib.sh"

CFG=$TMP/reload.lua
# write_config VERSION [EXTRA-EXTENSIONS]: extension 100 always, 500 counts down 2 s
# and logs which version of the file it came from.
write_config() {
	cat >"$CFG" <<EOF
settings {
  modules = { "res_example", "chan_test" },
  log = { level = "info" },
}
extensions = {
  office = {
    ["100"] = function(call) call:answer(); call:hangup() end,
    ["500"] = function(call)
      call:answer()
      local r = call:countdown(2)
      log.notice("version $1 countdown %s after %d ticks", r.status, r.ticks or 0)
      call:hangup()
    end,
$2
  },
}
EOF
}

write_config 1 ""
start_or_bail "$CFG"

case_begin "dialplan show lists the extensions of the file"
pbx "dialplan show"
expect_rc 0
expect_out "dialplan $CFG (generation 1)" "[office]"
expect_out_re "^  100 +$CFG:7$" "^  500 +$CFG:8$"
expect_no_out "  200 "
case_end

case_begin "an added extension appears after dialplan reload"
write_config 2 '    ["200"] = function(call) call:answer(); call:hangup() end,'
mark_log
pbx "dialplan reload"
expect_rc 0
expect_out "dialplan reloaded: $CFG (generation 2, 0 users, 1 contexts)"
expect_log "notice[dialplan] reloaded $CFG (generation 2"
pbx "dialplan show"
expect_out "(generation 2)"
expect_out_re '^  200 ' '^  100 '
pbx "test call 200 alice office"
expect_rc 0
case_end

case_begin "dialplan show CONTEXT shows one context"
pbx "dialplan show office"
expect_rc 0
expect_out "[office]"
pbx "dialplan show nosuch"
expect_no_out "[office]"
case_end

case_begin "a broken file is refused with file:line and the running dialplan stays"
cat >"$CFG" <<'EOF'
settings {
  modules = { "res_example", "chan_test" },
}
extensions = {
  office = {
    ["300"] = function(call) call:hangup() end
    ["301"] = function(call) call:hangup() end,
  },
}
EOF
mark_log
pbx "dialplan reload"
expect_rc 1
expect_out "reload failed, the running dialplan stays: $CFG:7: '}' expected (to close '{' at line 5) near '['"
expect_lines 1
expect_log "reload failed, keeping the running dialplan: $CFG:7:"
pbx "dialplan show"
expect_out "(generation 2)"
expect_out_re '^  200 '
expect_no_out "300"
pbx "test call 200 alice office"
expect_rc 0
case_end

case_begin "a file with a bad setting is refused too"
printf 'settings { modules = { "res_example", "chan_test" }, log = { levle = "x" } }\n' >"$CFG"
pbx "dialplan reload"
expect_rc 1
expect_out "reload failed, the running dialplan stays: $CFG:1: settings.log.levle: unknown key (did you mean 'level'?)"
pbx "dialplan show"
expect_out "(generation 2)"
case_end

case_begin "SIGHUP reloads the fixed file"
write_config 3 '    ["200"] = function(call) call:hangup() end,
    ["300"] = function(call) call:hangup() end,'
mark_log
kill -HUP "$PBX_PID"
expect_log "notice[core] SIGHUP received: reloading the dialplan"
expect_log "notice[dialplan] reloaded $CFG (generation"
pbx "dialplan show"
expect_rc 0
expect_out_re '^  300 ' '^  200 '
pbx "core show uptime"
expect_out_re '^Last reload: [0-9] seconds? ago$'
case_end

case_begin "SIGHUP with a broken file keeps the running dialplan and the PBX"
printf 'settings {\nextensions = nil +\n' >"$CFG"
mark_log
kill -HUP "$PBX_PID"
expect_log "reload failed, keeping the running dialplan: $CFG:"
alive "$PBX_PID" || fail "the PBX died"
pbx "dialplan show"
expect_rc 0
expect_out_re '^  300 '
case_end

case_begin "a reload re-reads the settings (log level)"
write_config 4 ""
sed -i 's/level = "info"/level = "warning"/' "$CFG"
pbx "dialplan reload"
expect_rc 0
pbx "log level"
expect_out "log level: warning"
write_config 5 ""
pbx "dialplan reload"
expect_rc 0
pbx "log level"
expect_out "log level: info"
case_end

case_begin "a call in countdown keeps running across a reload, with its own code"
pbx "test call 500 alice office"
expect_rc 0
CH=$(head -n1 <<<"$OUT")
pbx_until 2 "test show" "$CH up: answer" || fail "the call was not answered"
write_config 6 ""
mark_log
pbx "dialplan reload"
expect_rc 0
kill -HUP "$PBX_PID"
expect_log "SIGHUP received"
pbx "core show calls"
expect_out_re '^C-[0-9]+ +alice +500 +office +waiting ' '^1 active call$'
pbx_until 5 "test history" "$CH: answer hangup:normal" || {
	fail "the call did not end normally"
	_show_last
}
expect_log "version 5 countdown ok after 2 ticks"
log_has "version 6 countdown" && fail "the running call switched to the new file's code"
case_end

case_begin "a new call after the reload runs the new code"
mark_log
pbx "test call 500 bob office"
expect_rc 0
expect_log "version 6 countdown ok after 2 ticks" 5
case_end

finish
