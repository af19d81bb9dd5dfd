#!/usr/bin/env bash
# test_sip_session_timer.sh: session timers (RFC 4028) with SIPp phones on both
# legs of a call. With the default settings (min_se 90) a Session-Expires of 60
# gets 422 with Min-SE: 90. Then, with settings.sip.min_se and session_expires
# at 10 s (reloaded): a caller that makes the PBX the refresher and a callee that
# does the same both get the PBX's UPDATE refresh within the interval (a caller
# without UPDATE in its Allow gets a re-INVITE instead); a caller
# that takes the refresher's part but never refreshes has its call ended by the
# PBX's BYE before the interval runs out, and the log says why.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/lib_sipp.sh"

need_tools sipp

PORT=$(free_port)
CALLEE_PORT=$(free_port)
CALLER_PORT=$(free_port)

CFG=$TMP/st.lua
calls_config "$CFG" "listen = { \"udp:127.0.0.1:$PORT\" }, t1 = 200" 10
start_or_bail "$CFG"

case_begin "Session-Expires: 60 under the default Min-SE (90): 422 with Min-SE: 90"
mark_log
sipp_run small 127.0.0.1:"$PORT" -sf "$(scenario st_uac_422.xml 1000 alice-pw)" -s 1001 -p "$CALLER_PORT"
expect_rc 0
[ "$RC" = 0 ] || context "$OUT"
expect_log "Session-Expires 60 under our Min-SE 90: 422"
case_end

case_begin "settings.sip.min_se and session_expires lowered to 10 s by a reload"
calls_config "$CFG" "listen = { \"udp:127.0.0.1:$PORT\" }, t1 = 200, min_se = 10, session_expires = 10" 10
pbx "dialplan reload"
expect_rc 0
sipp_run reg 127.0.0.1:"$PORT" -sf "$(scenario register.xml 1001 bob-pw)" -p "$CALLEE_PORT"
expect_rc 0
case_end

# call CALLEE_XML CALLER_XML NAME: a call from SIPp 1000 (the caller scenario)
# to SIPp 1001 (the callee scenario); TOOK is how long the caller ran, in ms.
call() {
	start_phone callee "$CALLEE_PORT" -sf "$SIPP_DIR/$1"
	local callee=$PHONE_PID start
	start=$(now_ms)
	sipp_run "$3" 127.0.0.1:"$PORT" -sf "$(scenario "$2" 1000 alice-pw)" -s 1001 -p "$CALLER_PORT"
	expect_rc 0
	[ "$RC" = 0 ] || context "$OUT"
	TOOK=$(($(now_ms) - start))
	phone_done "$callee" "$TMP/callee.out" "the callee SIPp ($1)"
}

case_begin "the PBX refreshes both legs with UPDATE at half the interval"
mark_log
call st_uas_refresh.xml st_uac_refresh.xml refresh
# The refresh comes at 5 s (half of 10): not at once, and before the interval ends.
[ "$TOOK" -ge 4500 ] && [ "$TOOK" -lt 10000 ] || fail "the refresh came after $TOOK ms (5000 expected)"
expect_log "SIP/1000-000001: session refresh (UPDATE, every 10 s)"
expect_log "SIP/1001-000002: session refresh (UPDATE, every 10 s)"
case_end

case_begin "a caller without UPDATE is refreshed with a re-INVITE"
mark_log
call uas_answer.xml st_uac_reinvite.xml reinvite
expect_log "session refresh (re-INVITE, every 10 s)"
case_end

case_begin "a caller that should refresh and does not: BYE before the interval ends, logged"
mark_log
call uas_answer.xml st_uac_silent.xml silent
# 10 s less min(32, 10/3): the BYE comes about 7 s after the answer.
[ "$TOOK" -ge 6000 ] && [ "$TOOK" -lt 10000 ] || fail "the BYE came after $TOOK ms (about 7000 expected)"
expect_log "no session refresh from the phone within 10 s (RFC 4028); hanging up"
case_end

calls_all_gone
finish
