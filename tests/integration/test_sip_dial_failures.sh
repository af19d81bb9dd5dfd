#!/usr/bin/env bash
# test_sip_dial_failures.sh: how call:dial ends when the callee fails, beyond what
# test_sip_calls.sh covers (busy 486, CANCEL 487, dial timeout, 302, unregistered,
# unknown, forking): a callee that declines (603) gives the dialplan status "busy"
# with cause "rejected" and the caller 603; a callee that never sends any response
# gets its INVITE repeated (Timer A) until Timer B (64*T1, 6.4 s here) ends the
# leg with a 408, which the dialplan sees as "noanswer" and the caller as 480.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/lib_sipp.sh"

need_tools sipp socat

PORT=$(free_port)
CALLEE_PORT=$(free_port)
CALLER_PORT=$(free_port)

CFG=$TMP/failures.lua
# The dial waits longer than Timer B, so that a silent callee ends by Timer B.
calls_config "$CFG" "listen = { \"udp:127.0.0.1:$PORT\" }, t1 = 100" 20
start_or_bail "$CFG"

case_begin "the callee registers"
sipp_run reg 127.0.0.1:"$PORT" -sf "$(scenario register.xml 1001 bob-pw)" -p "$CALLEE_PORT"
expect_rc 0
case_end

case_begin "the callee declines (603): the dialplan sees busy (rejected), the caller gets 603"
sed 's/486 Busy Here/603 Decline/' "$SIPP_DIR/uas_busy.xml" >"$TMP/uas_decline.xml"
mark_log
start_phone callee "$CALLEE_PORT" -sf "$TMP/uas_decline.xml"
sipp_run decline 127.0.0.1:"$PORT" -sf "$(scenario uac_fail.xml 1000 alice-pw 603)" -s 1001 -p "$CALLER_PORT"
expect_rc 0
phone_done "$PHONE_PID" "$TMP/callee.out" "the declining callee"
expect_log "SIP/1001-"
expect_log ": 603 Decline"
expect_log "dial 1001 from 1000: busy (rejected)"
case_end

case_begin "a callee that never answers: INVITE repeated until Timer B, 408, noanswer, the caller gets 480"
# Whatever reaches the callee's port is kept; nothing is answered.
(exec timeout 10 socat -u "UDP-RECV:$CALLEE_PORT,bind=127.0.0.1,reuseaddr" "OPEN:$TMP/silent.bin,creat,append") &
SILENT_PID=$!
PIDS+=("$SILENT_PID")
poll_until 3 port_bound "$CALLEE_PORT" || fail "socat does not listen on $CALLEE_PORT"
mark_log
t0=$(now_ms)
sipp_run silent 127.0.0.1:"$PORT" -sf "$(scenario uac_fail.xml 1000 alice-pw 480)" -s 1001 -p "$CALLER_PORT"
expect_rc 0
elapsed=$(($(now_ms) - t0))
[ "$elapsed" -ge 6000 ] || fail "the caller got its answer after $elapsed ms, before Timer B (6.4 s)"
expect_log ": 408 Request Timeout"
expect_log "dial 1001 from 1000: noanswer (noanswer)"
# Timer A: 0, 100, 300, 700, 1500, 3100 and 6300 ms, each the same INVITE.
n=$(grep -ac '^INVITE sip:1001@' "$TMP/silent.bin")
[ "$n" -ge 6 ] || fail "the silent callee got $n INVITEs, not at least 6 (Timer A)"
branches=$(grep -a '^Via:' "$TMP/silent.bin" | sed 's/.*branch=//' | tr -d '\r' | sort -u | grep -c '')
[ "$branches" = 1 ] || fail "the INVITEs carried $branches branches: they were not retransmissions"
grep -aq '^CANCEL ' "$TMP/silent.bin" && fail "a CANCEL went out although no provisional response came (§9.1)"
# The caller sent Max-Forwards: 70; the PBX forwards the call as one hop.
grep -aq '^Max-Forwards: 69' "$TMP/silent.bin" || fail "the callee's INVITE did not carry Max-Forwards: 69"
wait_exit "$SILENT_PID" 5
case_end

case_begin "an INVITE with no hops left (Max-Forwards: 0) gets 483 and starts no call"
mark_log
OUT=$(printf '%s\r\n' "INVITE sip:1001@127.0.0.1:$PORT SIP/2.0" \
	"Via: SIP/2.0/UDP 127.0.0.1:$CALLER_PORT;branch=z9hG4bK-hops-1;rport" \
	"From: <sip:1000@127.0.0.1>;tag=hops1" "To: <sip:1001@127.0.0.1>" "Call-ID: hops-1@127.0.0.1" \
	"CSeq: 1 INVITE" "Max-Forwards: 0" "Content-Length: 0" "" |
	timeout 5 socat -t 2 - "UDP:127.0.0.1:$PORT,bind=127.0.0.1:$CALLER_PORT" 2>&1)
expect_out "SIP/2.0 483 Too Many Hops"
log_has "dial 1001" && fail "the refused INVITE reached the dialplan"
case_end

calls_all_gone

finish
