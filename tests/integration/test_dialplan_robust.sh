#!/usr/bin/env bash
# test_dialplan_robust.sh: the dialplan going wrong, or changing, under calls in
# progress, with SIPp phones. `dialplan reload` during a bridged call: the call
# goes on (RTP still relayed both ways, its BYE still ends both legs, the code
# after its dial is the old generation's) while a new call runs the new file. A
# runaway Lua loop in an answered call ends that call (the caller gets BYE, the
# log names file:line) while another call carries on. A Lua error after a dial
# returned hangs the caller up with BYE and logs file:line. After each case no
# channel and no call is left.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/lib_sipp.sh"

need_tools sipp

PCAP=/usr/share/sip-tester/g711a.pcap
if [ ! -r "$PCAP" ]; then
	echo "not ok - $PCAP is there (Debian's sip-tester package)"
	exit 1
fi

PORT=$(free_port)
CALLEE_PORT=$(free_port)
CALLER_PORT=$(free_port)
CALLER2_PORT=$(free_port)
# Media ports: SIPp binds -mp and -mp + 2; RTP above the ephemeral ports.
CALLEE_MP=$(free_ports 4)
CALLER_MP=$(free_ports 4)
RTP_LO=$(($(free_ports 41 61000 4400) / 2 * 2 + 2))

CFG=$TMP/robust.lua
# write_config GEN: the dialplan, marked with its generation.
write_config() {
	cat >"$CFG" <<EOF
settings {
  modules = { "chan_sip" },
  log = { level = "info" },
  sip = { listen = { "udp:127.0.0.1:$PORT" }, t1 = 200, qualify = 0 },
  rtp = { address = "127.0.0.1", rtp_start = $RTP_LO, rtp_end = $((RTP_LO + 39)) },
}
users {
  ["1000"] = { name = "Alice", password = "alice-pw", context = "office" },
  ["1001"] = { name = "Bob", password = "bob-pw", context = "office" },
}
extensions = {
  office = {
    ["_10XX"] = function(call)
      local r = call:dial(call.to, { timeout = 10 })
      log.notice("gen $1: dial %s from %s: %s", call.to, call.from, r.status)
      if r.status ~= "answered" then call:hangup(r.cause) end
    end,
    ["7001"] = function(call)
      call:answer()
      log.notice("looping now")
      while true do end -- RUNAWAY
    end,
    ["7002"] = function(call)
      local r = call:dial("1001", { timeout = 5 })
      log.notice("after the dial: %s (%s)", r.status, tostring(r.ended_by))
      local missing = nil
      return missing.field -- BROKEN
    end,
  },
}
EOF
}
write_config 1
start_or_bail "$CFG"

# line_of MARK: the config's line holding MARK.
line_of() { grep -n -- "$1" "$CFG" | cut -d: -f1; }

# nothing_left: no channel, no call, no RTP session (a case of its own each time).
nothing_left() {
	case_begin "$1: no channel and no call is left"
	pbx_until 5 "core show channels" "0 active channels" || fail "channels are left: $OUT"
	pbx_until 5 "core show calls" "0 active calls" || fail "calls are left: $OUT"
	pbx_until 5 "sip show dialogs" "0 dialogs" || fail "dialogs are left: $OUT"
	case_end
}

# rx USER: packets the PBX received on USER's leg, from `rtp show stats`.
rx() {
	pbx "rtp show stats"
	awk -v u="SIP/$1-" 'index($2, u) == 1 { print $5; exit }' <<<"$OUT"
}

# flowing USER: the count of rx USER goes up within 2 s.
flowing() {
	local before after
	before=$(rx "$1")
	[ -n "$before" ] || return 1
	poll_until 2 _rx_above "$1" "$before"
}
_rx_above() {
	local now
	now=$(rx "$1")
	[ -n "$now" ] && [ "$now" -gt "$2" ]
}

# start_talk HOLD_MS: 1000 calls 1001 in the background; the caller plays the
# recording, hangs up (BYE) after HOLD_MS; the callee echoes the RTP it gets.
start_talk() {
	sed "s#ANSWER_PT#8#g; s#ANSWER_NAME#PCMA#g" "$SIPP_DIR/media_uas.xml" >"$TMP/uas_echo.xml"
	start_phone callee "$CALLEE_PORT" -sf "$TMP/uas_echo.xml" -mi 127.0.0.1 -mp "$CALLEE_MP" -rtp_echo
	CALLEE_PID=$PHONE_PID
	sed "s#PCAP_FILE#$PCAP#; s#<recv request=\"INFO\"/>#<pause milliseconds=\"$1\"/>#" \
		"$(scenario media_uac_play.xml 1000 alice-pw)" >"$TMP/uac_talk.xml"
	start_phone talk "$CALLER_PORT" 127.0.0.1:"$PORT" -sf "$TMP/uac_talk.xml" -s 1001 \
		-mi 127.0.0.1 -mp "$CALLER_MP"
	TALK_PID=$PHONE_PID
	pbx_until 5 "sip show dialogs" "confirmed" || fail "the call was not set up"
	poll_until 3 flowing 1000 || fail "no RTP came through the relay before the test began"
}

case_begin "1001 registers"
sipp_run reg 127.0.0.1:"$PORT" -sf "$(scenario register.xml 1001 bob-pw)" -p "$CALLEE_PORT"
expect_rc 0
case_end

case_begin "dialplan reload during a bridged call: RTP still relayed, its BYE still works, it keeps its code"
mark_log
start_talk 4000
write_config 2
pbx "dialplan reload"
expect_rc 0
flowing 1000 || fail "the caller's RTP stopped reaching the PBX after the reload"
flowing 1001 || fail "the callee's echo stopped reaching the PBX after the reload"
pbx "core show calls"
expect_out "1 active call"
phone_done "$TALK_PID" "$TMP/talk.out" "the caller (BYE after the reload)"
phone_done "$CALLEE_PID" "$TMP/callee.out" "the callee (BYE relayed)"
# The call started under generation 1 finishes with generation 1's code.
expect_log "gen 1: dial 1001 from 1000: answered"
log_has "gen 2: dial 1001 from 1000: answered" && fail "the old call ran the new code"
case_end

case_begin "after the reload a new call runs the new dialplan"
mark_log
start_phone callee "$CALLEE_PORT" -sf "$SIPP_DIR/uas_busy.xml"
CALLEE_PID=$PHONE_PID
sipp_run new 127.0.0.1:"$PORT" -sf "$(scenario uac_fail.xml 1000 alice-pw 486)" -s 1001 -p "$CALLER2_PORT"
expect_rc 0
phone_done "$CALLEE_PID" "$TMP/callee.out" "the busy callee"
expect_log "gen 2: dial 1001 from 1000: busy"
case_end

nothing_left "after the reload"

case_begin "a runaway loop ends its own call (BYE, file:line logged) while another call carries on"
mark_log
start_talk 5000
sipp_run loop 127.0.0.1:"$PORT" -sf "$(scenario dial_uac_bye.xml 1000 alice-pw)" -s 7001 -p "$CALLER2_PORT"
expect_rc 0
expect_log "looping now"
expect_log "robust.lua:$(line_of RUNAWAY): ran over its budget of"
# The other call is still up, and its media still flows both ways.
pbx "core show calls"
expect_out "1 active call"
flowing 1000 || fail "the other call's RTP stopped"
flowing 1001 || fail "the other call's echo stopped"
phone_done "$TALK_PID" "$TMP/talk.out" "the other call's caller (BYE at its end)"
phone_done "$CALLEE_PID" "$TMP/callee.out" "the other call's callee"
expect_log "gen 2: dial 1001 from 1000: answered"
case_end

nothing_left "after the runaway loop"

case_begin "a Lua error after the dial returned: the caller gets BYE, the log has file:line"
mark_log
start_phone callee "$CALLEE_PORT" -sf "$SIPP_DIR/dial_uas_bye.xml" -d 100
CALLEE_PID=$PHONE_PID
sipp_run broken 127.0.0.1:"$PORT" -sf "$(scenario dial_uac_bye.xml 1000 alice-pw)" -s 7002 -p "$CALLER2_PORT"
expect_rc 0
phone_done "$CALLEE_PID" "$TMP/callee.out" "the callee that hangs up"
expect_log "after the dial: answered (callee)"
expect_log "failed: $CFG:$(line_of BROKEN): attempt to index a nil value"
case_end

nothing_left "after the Lua error"

finish
