#!/usr/bin/env bash
# test_sip_prack.sh: reliable provisional responses (RFC 3262), UPDATE in an early
# dialog (RFC 3311) and INFO packages between the phones of a call (RFC 6086),
# with SIPp phones on both sides of the PBX:
#   - a caller saying Supported: 100rel gets a reliable 180 (Require: 100rel,
#     RSeq) sent again while it does not PRACK; a PRACK naming another CSeq gets
#     481, the right one 200, and the call goes on; never PRACKed, it ends in 504;
#   - a 183 with SDP sent reliably holds back the 200 until its PRACK;
#   - after a PRACKed 183 with SDP, an UPDATE with a new offer is answered (200
#     with SDP) before the call is answered;
#   - a callee sending a reliable 183 gets our PRACK (RAck), once, even when it
#     sends the 183 again;
#   - an INFO with an Info-Package the other phone announced (Recv-Info) reaches
#     it with its body, its 200 comes back; another package gets 469; a legacy
#     INFO (no Info-Package, not DTMF) is passed on as it is.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/lib_sipp.sh"

need_tools sipp

PORT=$(free_port)
CALLEE_PORT=$(free_port)
CALLER_PORT=$(free_port)

CFG=$TMP/prack.lua
calls_config "$CFG" "listen = { \"udp:127.0.0.1:$PORT\" }, t1 = 200" 10 '
    ["7100"] = function(call) call:ringing(); call:sleep(1.5); call:answer(); call:sleep(10) end,
    ["7101"] = function(call) call:progress(); call:answer(); call:sleep(10) end,
    ["7102"] = function(call) call:progress(); call:sleep(1.5); call:answer(); call:sleep(10) end,
    ["7103"] = function(call) call:ringing(); call:sleep(30) end,'
start_or_bail "$CFG"

case_begin "a caller with 100rel: reliable 180 with RSeq, sent again until the PRACK; wrong RAck 481, PRACK 200"
mark_log
sipp_run ring 127.0.0.1:"$PORT" -sf "$(scenario prack_uac_ring.xml 1000 alice-pw)" -s 7100 -p "$CALLER_PORT" \
	-trace_msg -message_file "$TMP/ring.msg"
expect_rc 0
[ "$RC" = 0 ] || context "$OUT"
# Every 180 the caller got carries the same RSeq: the first and its copies.
n180=$(grep -c "^SIP/2.0 180" "$TMP/ring.msg")
nrseq=$(grep -i "^RSeq:" "$TMP/ring.msg" | sort -u | wc -l)
[ "$n180" -ge 2 ] || fail "the unacknowledged 180 was not sent again ($n180 copies)"
[ "$nrseq" = 1 ] || fail "the 180's copies carry $nrseq different RSeqs"
grep -qi "^Require: 100rel" "$TMP/ring.msg" || fail "no Require: 100rel in the 180"
expect_log "matches no unacknowledged response: 481"
case_end

case_begin "a caller that never PRACKs the reliable 180: 504 after 64*T1 (12.8 s here)"
mark_log
sipp_run noprack 127.0.0.1:"$PORT" -sf "$(scenario prack_uac_noprack.xml 1000 alice-pw)" -s 7103 -p "$CALLER_PORT" \
	-trace_msg -message_file "$TMP/noprack.msg"
expect_rc 0
[ "$RC" = 0 ] || context "$OUT"
n180=$(grep -c "^SIP/2.0 180" "$TMP/noprack.msg")
[ "$n180" -ge 5 ] || fail "the 180 came $n180 times (T1 doubling over 64*T1: 7)"
expect_log "no PRACK for our reliable provisional response; refusing the call"
case_end

case_begin "a reliable 183 with SDP: the 200 to the INVITE waits for its PRACK"
sipp_run wait 127.0.0.1:"$PORT" -sf "$(scenario prack_uac_wait.xml 1000 alice-pw)" -s 7101 -p "$CALLER_PORT"
expect_rc 0
[ "$RC" = 0 ] || context "$OUT"
case_end

case_begin "an UPDATE with SDP in the early dialog (after the PRACKed 183): 200 with the SDP answer"
mark_log
sipp_run update 127.0.0.1:"$PORT" -sf "$(scenario prack_uac_update.xml 1000 alice-pw)" -s 7102 -p "$CALLER_PORT"
expect_rc 0
[ "$RC" = 0 ] || context "$OUT"
case_end

case_begin "the callee registers"
sipp_run reg 127.0.0.1:"$PORT" -sf "$(scenario register.xml 1001 bob-pw)" -p "$CALLEE_PORT"
expect_rc 0
case_end

case_begin "a callee's reliable 183 gets our PRACK, once; the call is answered"
mark_log
start_phone callee "$CALLEE_PORT" -sf "$SIPP_DIR/prack_uas_183.xml"
CALLEE_PID=$PHONE_PID
# uac_call.xml, also taking the 183 the PBX passes on (early media).
sed 's|<recv response="180" optional="true"/>|&\n  <recv response="183" optional="true"/>|' \
	"$(scenario uac_call.xml 1000 alice-pw)" >"$TMP/uac_183.xml"
sipp_run call183 127.0.0.1:"$PORT" -sf "$TMP/uac_183.xml" -s 1001 -p "$CALLER_PORT"
expect_rc 0
[ "$RC" = 0 ] || context "$OUT"
phone_done "$CALLEE_PID" "$TMP/callee.out" "the callee SIPp (reliable 183)"
expect_log "dial 1001 from 1000: answered"
case_end

case_begin "INFO with an announced Info-Package reaches the other phone; an unannounced one gets 469; legacy INFO passes"
mark_log
start_phone callee "$CALLEE_PORT" -sf "$SIPP_DIR/info_uas.xml"
CALLEE_PID=$PHONE_PID
sipp_run info 127.0.0.1:"$PORT" -sf "$(scenario info_uac.xml 1000 alice-pw)" -s 1001 -p "$CALLER_PORT"
expect_rc 0
[ "$RC" = 0 ] || context "$OUT"
phone_done "$CALLEE_PID" "$TMP/callee.out" "the callee SIPp (INFO)"
expect_log "INFO package x-strowger-test passed on"
expect_log "INFO package x-other: the other phone did not announce it: 469"
case_end

calls_all_gone
finish
