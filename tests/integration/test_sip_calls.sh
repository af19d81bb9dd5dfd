#!/usr/bin/env bash
# test_sip_calls.sh: calls through Strowger as a B2BUA, with SIPp as both phones:
# the callee registers (digest auth) and answers, the caller authenticates its
# INVITE, the dialplan dials the callee, the call is answered, ACKed and hung up
# with BYE by either phone; a busy callee gives the caller 486, an unregistered
# user 480, an unknown one 404, a missing extension 404.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/lib_sipp.sh"

need_tools sipp

PORT=$(free_port)
CALLEE_PORT=$(free_port)
CALLER_PORT=$(free_port)

CFG=$TMP/calls.lua
calls_config "$CFG" "listen = { \"udp:127.0.0.1:$PORT\" }, t1 = 200" 5 \
	'["2001"] = function(call) call:redirect({ "sip:1001@127.0.0.1:5999", "sip:1001@127.0.0.1:5998" }) end,'
start_or_bail "$CFG"

# A callee phone: SIPp as a UAS on CALLEE_PORT in the background.
start_callee() {
	start_phone callee "$CALLEE_PORT" -sf "$1"
	CALLEE_PID=$PHONE_PID
}

case_begin "the callee registers with SIPp (digest auth)"
sipp_run reg 127.0.0.1:"$PORT" -sf "$(scenario register.xml 1001 bob-pw)" -p "$CALLEE_PORT"
expect_rc 0
pbx "sip show registrations"
expect_out_re "^1001 +sip:1001@127.0.0.1:$CALLEE_PORT "
case_end

case_begin "1000 calls 1001: ringing, answered, ACK, BYE, on both legs"
mark_log
start_callee "$SIPP_DIR/uas_answer.xml"
sipp_run call 127.0.0.1:"$PORT" -sf "$(scenario uac_call.xml 1000 alice-pw)" -s 1001 -p "$CALLER_PORT"
expect_rc 0
phone_done "$CALLEE_PID" "$TMP/callee.out" "the callee SIPp"
# The caller hung up first: its dial ends "answered" (ended by the caller), the callee got BYE.
expect_log "call C-000001: SIP/1001-000002 answered"
expect_log "dial 1001 from 1000: answered"
pbx "core show channels"
expect_out "0 active channels"
case_end

case_begin "the callee hangs up: its BYE is answered and the PBX sends BYE to the caller"
mark_log
start_callee "$SIPP_DIR/uas_hangup.xml"
# uac_call.xml up to its talk pause, then the PBX's BYE answered with 200.
sed '/<pause milliseconds="300"\/>/,$d' "$(scenario uac_call.xml 1000 alice-pw)" >"$TMP/uac_hungup.xml"
cat >>"$TMP/uac_hungup.xml" <<'XML'
  <recv request="BYE"/>
  <send><![CDATA[
SIP/2.0 200 OK
[last_Via:]
[last_From:]
[last_To:]
[last_Call-ID:]
[last_CSeq:]
Content-Length: 0

]]></send>
</scenario>
XML
sipp_run hungup 127.0.0.1:"$PORT" -sf "$TMP/uac_hungup.xml" -s 1001 -p "$CALLER_PORT"
expect_rc 0
phone_done "$CALLEE_PID" "$TMP/callee.out" "the callee SIPp (hanging up)"
# The dial returns "answered" (its callee ended the call), then the caller leg goes.
expect_log "dial 1001 from 1000: answered"
tail -n +"$((LOG_MARK + 1))" "$PBX_LOG" | grep -qE "SIP/1001-[0-9]+: hung up by the far end" ||
	fail "the log does not say the callee hung up"
pbx "sip show dialogs"
expect_out "0 dialogs"
case_end

case_begin "a busy callee: the caller gets 486"
mark_log
start_callee "$SIPP_DIR/uas_busy.xml"
sipp_run busy 127.0.0.1:"$PORT" -sf "$(scenario uac_fail.xml 1000 alice-pw 486)" -s 1001 -p "$CALLER_PORT"
expect_rc 0
wait_exit "$CALLEE_PID" 10
expect_log "dial 1001 from 1000: busy"
case_end

case_begin "the caller gives up while the callee rings: CANCEL reaches both legs (487)"
mark_log
start_callee "$SIPP_DIR/uas_ring.xml"
sipp_run cancel 127.0.0.1:"$PORT" -sf "$(scenario uac_cancel.xml 1000 alice-pw)" -s 1001 -p "$CALLER_PORT"
expect_rc 0
phone_done "$CALLEE_PID" "$TMP/callee.out" "the callee SIPp"
expect_log "dial 1001 from 1000: cancelled"
case_end

case_begin "the same INVITE arriving twice on two branches: the copy gets 482, the call goes on"
mark_log
start_callee "$SIPP_DIR/uas_ring.xml"
sipp_run merged 127.0.0.1:"$PORT" -sf "$(scenario uac_merged.xml 1000 alice-pw)" -s 1001 -p "$CALLER_PORT"
expect_rc 0
phone_done "$CALLEE_PID" "$TMP/callee.out" "the callee SIPp"
expect_log "dial 1001 from 1000: cancelled"
case_end

case_begin "no answer within the dial timeout: the callee is cancelled, the caller gets 480"
mark_log
start_callee "$SIPP_DIR/uas_ring.xml"
sipp_run noanswer 127.0.0.1:"$PORT" -sf "$(scenario uac_fail.xml 1000 alice-pw 480)" -s 1001 -p "$CALLER_PORT"
expect_rc 0
phone_done "$CALLEE_PID" "$TMP/callee.out" "the callee SIPp (expecting CANCEL)"
expect_log "dial 1001 from 1000: noanswer"
case_end

case_begin "call:redirect answers 302 with the contacts (redirect server)"
sipp_run redirect 127.0.0.1:"$PORT" -sf "$(scenario uac_fail.xml 1000 alice-pw 302)" -s 2001 -p "$CALLER_PORT" \
	-trace_msg -message_file "$TMP/redirect.msg"
expect_rc 0
grep -q "Contact: <sip:1001@127.0.0.1:5999>" "$TMP/redirect.msg" || fail "no first Contact in the 302"
grep -q "Contact: <sip:1001@127.0.0.1:5998>" "$TMP/redirect.msg" || fail "no second Contact in the 302"
case_end

case_begin "a user with no registered phone: 480"
sipp_run unavail 127.0.0.1:"$PORT" -sf "$(scenario uac_fail.xml 1000 alice-pw 480)" -s 1002 -p "$CALLER_PORT"
expect_rc 0
case_end

case_begin "an unknown user: 404"
sipp_run unknown 127.0.0.1:"$PORT" -sf "$(scenario uac_fail.xml 1000 alice-pw 404)" -s 1099 -p "$CALLER_PORT"
expect_rc 0
case_end

case_begin "an extension the dialplan does not have: 404"
sipp_run noext 127.0.0.1:"$PORT" -sf "$(scenario uac_fail.xml 1000 alice-pw 404)" -s 2000 -p "$CALLER_PORT"
expect_rc 0
case_end

case_begin "forking: 1001 on two phones, one answers, the other is cancelled"
SECOND_PORT=$(free_port)
sipp_run reg2 127.0.0.1:"$PORT" -sf "$(scenario register.xml 1001 bob-pw)" -p "$SECOND_PORT"
expect_rc 0
pbx "sip show users"
expect_out_re "^1001 +Bob +2 "
mark_log
start_callee "$SIPP_DIR/uas_ring.xml"
RINGER_PID=$CALLEE_PID
start_phone second "$SECOND_PORT" -sf "$SIPP_DIR/uas_answer.xml"
ANSWER_PID=$PHONE_PID
sipp_run fork 127.0.0.1:"$PORT" -sf "$(scenario uac_call.xml 1000 alice-pw)" -s 1001 -p "$CALLER_PORT"
expect_rc 0
phone_done "$RINGER_PID" "$TMP/callee.out" "the ringing phone (expecting CANCEL)"
phone_done "$ANSWER_PID" "$TMP/second.out" "the answering phone"
case_end

calls_all_gone

case_begin "stopping the PBX (SIGINT) during a call ends both legs and exits cleanly"
start_callee "$SIPP_DIR/uas_answer.xml"
sed 's/<pause milliseconds="300"\/>/<pause milliseconds="8000"\/>/' "$(scenario uac_call.xml 1000 alice-pw)" >"$TMP/uac_long.xml"
start_phone long "$CALLER_PORT" 127.0.0.1:"$PORT" -sf "$TMP/uac_long.xml" -s 1001
pbx_until 5 "sip show dialogs" "confirmed" || fail "the call was not set up"
kill -INT "$PBX_PID"
wait_exit "$PBX_PID" 10 || fail "strowger did not stop"
[ "${EXIT_RC:-1}" = 0 ] || fail "strowger exited with status $EXIT_RC"
grep -qE "SIP/1001-[0-9]+: hung up by the PBX" "$PBX_LOG" || {
	fail "the callee leg was not hung up"
	context "$(grep -E "SIP/|stopping" "$PBX_LOG" | tail -6)"
}
case_end

finish
