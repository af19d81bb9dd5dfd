#!/usr/bin/env bash
# test_sip_features.sh: phones' DND and forward keys in step with the PBX
# (as-feature-event, the core's features.h). A SIPp desk phone subscribes to its
# own features, presses DND and sets forwarding by SUBSCRIBE bodies, and hears the
# console's change by NOTIFY; calls to the user follow the state at once (DND:
# busy; forwarding: the call goes to the forward target); the state survives a
# dialplan reload, a restart and kill -9; *78/*79 in the dialplan and the console
# change the same state. Bad requests: another user's keys (403), a body naming
# another device (403), broken XML and missing elements (400), a wrong Content-Type
# (415), all logged, nothing changed.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/lib_sipp.sh"

need_tools sipp

PORT=$(free_port)
PHONE_PORT=$(free_port)
CALLER_PORT=$(free_port)

CFG_DIR=$TMP/office
mkdir -p "$CFG_DIR"
cp -R "$ROOT/dialplan/lib" "$CFG_DIR/lib"
CFG=$CFG_DIR/features.lua
cat >"$CFG" <<LUA
settings {
  modules = { "chan_sip" },
  log = { level = "info" },
  sip = { listen = { "udp:127.0.0.1:$PORT" }, qualify = 0, t1 = 100 },
}
users {
  ["1000"] = { name = "Alice", password = "alice-pw", context = "office" },
  ["1001"] = { name = "Bob", password = "bob-pw", context = "office" },
  ["1002"] = { name = "Carol", password = "carol-pw", context = "office",
               vars = { dnd = true, forward = { busy = "1003", timeout = 12 } } },
  ["1003"] = { name = "Dave", password = "dave-pw", context = "office" },
}
local dnd = require "dnd"
local forward = require "forward"
extensions = {
  office = {
    ["*78"] = function(call) dnd.feature(call, true) end,
    ["*79"] = function(call) dnd.feature(call, false) end,
    ["_10XX"] = function(call)
      local r = forward.ring(call, call.to, function(call, id)
        if dnd.active(id) then
          log.notice("%s is on do-not-disturb", id)
          return { status = "busy", cause = "busy" }
        end
        log.notice("ringing %s", id)
        return call:dial(id, { timeout = 2 })
      end)
      log.notice("call to %s: %s", call.to, r.status)
      call:hangup(r.cause)
    end,
  },
}
LUA
start_or_bail "$CFG"

# features_of USER REGEX...: the console's line for USER matches every REGEX.
features_of() {
	local u=$1
	shift
	pbx "features show $u"
	expect_rc 0
	expect_out_re "$@"
}

# call_code TO CODE: 1001 calls TO and gets the final response CODE.
call_code() {
	sipp_run "call_$1_$2" 127.0.0.1:"$PORT" -sf "$(scenario uac_fail.xml 1001 bob-pw "$2")" -s "$1" \
		-p "$CALLER_PORT"
	expect_rc 0
}

case_begin "users{} gives the starting state: console and pbx.features agree (1002: DND on, busy to 1003 after 12 s)"
features_of 1000 "^1000 +off +- +- +- +20 +users\{\}"
features_of 1002 "^1002 +on +- +1003 +- +12 +users\{\}"
case_end

case_begin "a call to a user on DND (from users{}) is not rung: busy, so its forward on busy applies"
mark_log
call_code 1000 480
expect_log "ringing 1000"
call_code 1002 480
expect_log "1002 is on do-not-disturb"
expect_log "1002 forwards (busy) to 1003"
expect_log "ringing 1003"
case_end

case_begin "a desk phone subscribes (401, 200, NOTIFY multipart with DND off, no forwards), presses DND, sets forwarding, hears the console"
mark_log
start_phone asfe "$PHONE_PORT" 127.0.0.1:"$PORT" -sf "$(scenario sub_asfe.xml 1000 alice-pw)" -s 1000
expect_log "1000 watches as-feature-event of 1000" 10
expect_log "do-not-disturb on for 1000 (by phone at 127.0.0.1:$PHONE_PORT)" 10
expect_log "forward always to 1002 for 1000 (by phone at 127.0.0.1:$PHONE_PORT)" 10
features_of 1000 "^1000 +on +1002 +- +- +20 +stored"
pbx "features dnd 1000 off"
expect_rc 0
phone_done "$PHONE_PID" "$TMP/asfe.out" "the desk phone"
expect_log "as-feature-event of 1000 for 1000: unsubscribed"
pbx "sip show subscriptions"
expect_out "0 subscriptions"
case_end

case_begin "the phone's forwarding applies to the next call at once: 1000's call goes to 1002 (on DND, so to 1003)"
mark_log
call_code 1000 480
expect_log "1000 forwards (always) to 1002"
expect_log "1002 is on do-not-disturb"
expect_log "ringing 1003"
case_end

case_begin "*78 and *79 from the dialplan change the same state"
mark_log
sipp_run star78 127.0.0.1:"$PORT" -sf "$(scenario uac_call.xml 1003 dave-pw)" -s '*78' -p "$CALLER_PORT"
expect_log "do-not-disturb on for 1003 (by dialplan)" 10
features_of 1003 "^1003 +on +"
case_end

case_begin "the state survives a dialplan reload"
pbx "dialplan reload"
expect_rc 0
features_of 1000 "^1000 +off +1002 +- +- +20 +stored"
features_of 1003 "^1003 +on +"
case_end

case_begin "the state survives kill -9 and a restart; features reset returns to users{}"
sleep 0.5 # the store's writer commits within milliseconds
{ kill -KILL "$PBX_PID"; wait "$PBX_PID"; } 2>/dev/null
if start_pbx "$CFG"; then
	features_of 1000 "^1000 +off +1002 +- +- +20 +stored"
	features_of 1003 "^1003 +on +- +- +- +20 +stored"
	pbx "features reset 1000"
	expect_rc 0
	features_of 1000 "^1000 +off +- +- +- +20 +users\{\}"
else
	fail "the PBX did not start again"
fi
case_end

# refused NAME USER PASS BODY_TYPE BODY CODE: USER's SUBSCRIBE to 1000's
# features with that body gets CODE.
refused() {
	local f
	f=$(scenario sub_asfe_body.xml "$2" "$3" "$6")
	sed -i "s|BODY_TYPE|$4|; s|BODY_TEXT|$5|" "$f"
	sipp_run "$1" 127.0.0.1:"$PORT" -sf "$f" -s 1000 -p "$PHONE_PORT"
	expect_rc 0
}
NS='xmlns="http://www.ecma-international.org/standards/ecma-323/csta/ed3"'
DND="<SetDoNotDisturb $NS><device>1000</device><doNotDisturbOn>true</doNotDisturbOn></SetDoNotDisturb>"

case_begin "another user may not see or press 1000's keys (403)"
refused other 1001 bob-pw application/x-as-feature-event+xml "$DND" 403
features_of 1000 "^1000 +off "
case_end

case_begin "a body naming another device gets 403, logged"
mark_log
refused device 1000 alice-pw application/x-as-feature-event+xml "${DND/<device>1000/<device>1001}" 403
expect_log "refused: the body names device 1001"
features_of 1000 "^1000 +off "
case_end

case_begin "broken XML, a wrong root and a missing doNotDisturbOn get 400, logged with the reason"
mark_log
refused broken 1000 alice-pw application/x-as-feature-event+xml "<SetDoNotDisturb><device>1000" 400
expect_log "refused: Body is not well-formed XML"
refused root 1000 alice-pw application/x-as-feature-event+xml "<Hello/>" 400
expect_log "refused: Not SetDoNotDisturb or SetForwarding"
refused missing 1000 alice-pw application/x-as-feature-event+xml "<SetDoNotDisturb $NS><device>1000</device></SetDoNotDisturb>" 400
expect_log "refused: SetDoNotDisturb without doNotDisturbOn"
refused fwd 1000 alice-pw application/x-as-feature-event+xml "<SetForwarding><forwardingType>forwardSometimes</forwardingType><activateForward>true</activateForward></SetForwarding>" 400
expect_log "refused: forwardingType is not forwardImmediate, forwardBusy or forwardNoAns"
features_of 1000 "^1000 +off +- +- +- "
case_end


case_begin "a body of another type gets 415 with Accept"
refused ctype 1000 alice-pw text/plain "dnd on" 415
features_of 1000 "^1000 +off "
case_end

case_begin "console: features forward with a ring time, off, unknown user, bad destination"
pbx "features forward 1001 noanswer 1003 30"
expect_rc 0
expect_out_re "^1001 +off +- +- +1003 +30 +stored"
pbx "features forward 1001 noanswer off"
expect_rc 0
expect_out_re "^1001 +off +- +- +- +30 +stored"
pbx "features dnd 4242 on"
expect_rc 1
expect_out "No user '4242'."
pbx 'features forward 1001 busy "a b"'
expect_rc 1
expect_out "not a destination"
case_end

finish
