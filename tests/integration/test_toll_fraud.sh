#!/usr/bin/env bash
# test_toll_fraud.sh: users{} outbound rules, the core's toll-fraud guard, with
# SIPp callers: a number outside `allow` or inside `deny` gets 403 before any
# dialplan code runs (logged); max_calls refuses a second call while one is going;
# max_per_hour refuses the call over the limit with a warning; pbx.may_dial asks
# the same question from Lua; mistakes in the rules stop the start with file:line.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/lib_sipp.sh"

need_tools sipp

PORT=$(free_port)
CALLER_PORT=$(free_port)
CALLEE_PORT=$(free_port)

CFG=$TMP/tollfraud.lua
write_cfg() {
	cat >"$CFG" <<LUA
settings {
  modules = { "chan_sip" },
  log = { level = "info" },
  sip = { listen = { "udp:127.0.0.1:$PORT" }, qualify = 0 },
}
users {
  ["1000"] = { name = "Alice", password = "alice-pw", context = "office",
               outbound = { allow = { "_10XX", "_9NXX.", "*55" }, deny = { "_9900." }, max_per_hour = 3 } },
  ["1001"] = { name = "Bob", password = "bob-pw", context = "office" },
  ["1002"] = { name = "Carol", password = "carol-pw", context = "office", outbound = { max_calls = 1 $1 } },
}
extensions = {
  office = {
    ["*55"] = function(call)
      local ok, why = pbx.may_dial("1000", "0049301234")
      log.notice("may 1000 dial 0049301234? %s (%s)", tostring(ok), why or "")
      log.notice("may 1000 dial 1001? %s", tostring(pbx.may_dial("1000", "1001")))
      call:hangup("unavailable")
    end,
    ["_10XX"] = function(call)
      local r = call:dial(call.to, { timeout = 3 })
      log.notice("dial %s from %s: %s", call.to, call.from, r.status)
      if r.status ~= "answered" then call:hangup(r.cause) end
    end,
    ["_X."] = function(call)
      log.notice("outbound call from %s to %s reached the dialplan", call.from, call.to)
      call:hangup("unavailable")
    end,
  },
}
LUA
}
write_cfg ""
start_or_bail "$CFG"

# call FROM PASS TO CODE: FROM calls TO and gets CODE.
call() {
	sipp_run "call_$1_$3_$4" 127.0.0.1:"$PORT" -sf "$(scenario uac_fail.xml "$1" "$2" "$4")" -s "$3" \
		-p "$CALLER_PORT"
	expect_rc 0
}

case_begin "an allowed number reaches the dialplan (1000 -> 1001, 480: not registered)"
mark_log
call 1000 alice-pw 1001 480
expect_log "dial 1001 from 1000: "
case_end

case_begin "a number outside allow gets 403 before any dialplan code runs; logged"
mark_log
call 1000 alice-pw 0049301234 403
expect_log "refused: '1000' may not dial '0049301234' (users{} outbound)"
log_has "reached the dialplan" && fail "the dialplan ran for a refused call"
case_end

case_begin "a number inside deny gets 403 even though allow matches it"
mark_log
call 1000 alice-pw 99001234 403
expect_log "refused: '1000' may not dial '99001234'"
call 1000 alice-pw 8001234 403
case_end

case_begin "pbx.may_dial asks the same question from Lua"
mark_log
call 1000 alice-pw '*55' 480
expect_log "may 1000 dial 0049301234? false ('1000' may not dial '0049301234' (users{} outbound))"
expect_log "may 1000 dial 1001? true"
case_end

case_begin "max_per_hour: the 4th call within the hour gets 403 Too many calls this hour, with a warning"
mark_log
# Counted so far: 1001 and *55 (refusals by pattern do not count).
call 1000 alice-pw 9223456 480
expect_log "outbound call from 1000 to 9223456 reached the dialplan"
call 1000 alice-pw 9223457 403
expect_log "'1000' started 3 calls in the last hour (outbound.max_per_hour): possible toll fraud"
grep -q "warning\[core\].*possible toll fraud" "$PBX_LOG" || fail "not logged as a warning"
case_end

case_begin "unrestricted users are not limited (1001 calls anything)"
call 1001 bob-pw 0049301234 480
case_end

case_begin "max_calls = 1: a second call while the first is going gets 403 Too many calls at once"
sipp_run reg 127.0.0.1:"$PORT" -sf "$(scenario register.xml 1001 bob-pw)" -p "$CALLEE_PORT"
expect_rc 0
call_going "$CALLEE_PORT" 1002 carol-pw 1001 3000
mark_log
call 1002 carol-pw 1003 403
expect_log "'1002' already has 1 call going (outbound.max_calls)"
phone_done "$CALLER_PID" "$TMP/caller.out" "the first call"
phone_done "$CALLEE_PID" "$TMP/callee.out" "the callee"
call 1002 carol-pw 1003 404
case_end

case_begin "mistakes in outbound stop the start with file:line"
write_cfg ', maxcalls = 2'
run_strowger -n -c "$CFG" -M "$MODS"
[ "$RC" != 0 ] || fail "a wrong key was accepted"
expect_out_re "tollfraud.lua:[0-9]+: users\['1002'\].outbound.maxcalls: unknown key \(did you mean 'max_calls'\?\)"
write_cfg ', allow = { "_1[" }'
run_strowger -n -c "$CFG" -M "$MODS"
[ "$RC" != 0 ] || fail "a broken pattern was accepted"
expect_out_re "tollfraud.lua:[0-9]+: users\['1002'\].outbound.allow\[1\]: "
write_cfg ', max_per_hour = 0'
run_strowger -n -c "$CFG" -M "$MODS"
[ "$RC" != 0 ] || fail "max_per_hour = 0 was accepted"
expect_out "users['1002'].outbound.max_per_hour: expected a whole number from 1 to 10000"
case_end

finish
