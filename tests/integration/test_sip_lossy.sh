#!/usr/bin/env bash
# test_sip_lossy.sh: SIP over a lossy network. SIPp drops a share of the packets it
# sends and receives (-lost PERCENT), on both phones, so every message of a
# REGISTER or a call is sometimes lost: the PBX must repeat its requests (Timers A
# and E) and its 2xx until the ACK, answer the phones' repeated requests from its
# transactions (and repeat its ACK for their repeated 2xx), and every registration
# and call must still complete. SIPp 3.6.1 has no seed option, so which packets go
# differs from run to run; the number of operations makes losses certain and the
# timers (T1 = 100 ms here and in the scenarios, SIPp's T2 500 ms) keep it short.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/lib_sipp.sh"

need_tools sipp

PORT=$(free_port)
CALLEE_PORT=$(free_port)
CALLER_PORT=$(free_port)
CALLS=20

CFG=$TMP/lossy.lua
calls_config "$CFG" "listen = { \"udp:127.0.0.1:$PORT\" }, t1 = 100" 20
start_or_bail "$CFG"

# lossy XML USER PASS: the scenario with its requests repeated from 100 ms (the
# PBX's T1) instead of 500 ms. SIPp's own -T2 500 caps a non-INVITE's repeats, so
# all ten (-max_retrans) fall within 4.2 s, inside the PBX's Timer J (64*T1 =
# 6.4 s), as a client's Timer F would have them: a REGISTER repeated later would
# be a new request, and its used nonce count a replay. (With -T2 1000 the last
# two came at 6.5 and 7.5 s.)
lossy() {
	local f
	f=$(scenario "$1" "$2" "$3")
	sed -i 's/retrans="500"/retrans="100"/' "$f"
	echo "$f"
}
LOSSY=(-T2 500 -max_retrans 10)

# successful OUTFILE: SIPp's count of successful calls on its final screen.
successful() {
	grep -E '^ +Successful call' "$1" 2>/dev/null | tail -n 1 | awk -F'|' '{gsub(/ /, "", $3); print $3}'
}

# counter TEXT: the number before TEXT in the last console output.
counter() {
	grep -oE "[0-9]+ $1" <<<"$OUT" | head -n 1 | cut -d' ' -f1
}

case_begin "$CALLS REGISTERs with digest auth, 20% of packets lost: all registered"
sipp_run reg 127.0.0.1:"$PORT" -sf "$(lossy register.xml 1001 bob-pw)" -p "$CALLEE_PORT" \
	-m "$CALLS" -l 1 -lost 20 "${LOSSY[@]}"
expect_rc 0
n=$(successful <(printf '%s\n' "$OUT"))
if [ "${n:-0}" != "$CALLS" ]; then
	fail "SIPp counted ${n:-no} successful registrations, not $CALLS"
	# Why the PBX challenged or refused a REGISTER it should have taken.
	context "$(grep -E 'authentication failed|registration not stored|REGISTER' "$PBX_LOG" | tail -n 5)"
fi
pbx "sip show registrations"
expect_out_re "^1001 +sip:1001@127.0.0.1:$CALLEE_PORT "
case_end

case_begin "the PBX answered the REGISTERs repeated for lost answers from its transactions"
pbx "sip show transactions"
absorbed=$(counter "requests absorbed")
[ "${absorbed:-0}" -gt 0 ] || fail "no repeated request was absorbed"
[ -z "$CASE_WHY" ] || _show_last
case_end

case_begin "$CALLS calls, both phones losing 15% of packets: every call completes"
mark_log
pbx "sip show transactions"
absorbed_before=$(counter "requests absorbed")
finals_before=$(counter "final responses")
start_phone callee "$CALLEE_PORT" -sf "$SIPP_DIR/uas_answer_lossy.xml" -m "$CALLS" -lost 15 "${LOSSY[@]}"
CALLEE_PID=$PHONE_PID
# Five calls a second, at most five at once.
sipp_run calls 127.0.0.1:"$PORT" -sf "$(lossy uac_call.xml 1000 alice-pw)" -s 1001 -p "$CALLER_PORT" \
	-m "$CALLS" -r 5 -l 5 -lost 15 "${LOSSY[@]}"
expect_rc 0
n=$(successful <(printf '%s\n' "$OUT"))
[ "${n:-0}" = "$CALLS" ] || fail "the caller SIPp counted ${n:-no} successful calls, not $CALLS"
phone_done "$CALLEE_PID" "$TMP/callee.out" "the callee SIPp"
n=$(successful "$TMP/callee.out")
[ "${n:-0}" = "$CALLS" ] || fail "the callee SIPp counted ${n:-no} successful calls, not $CALLS"
n=$(tail -n +"$((LOG_MARK + 1))" "$PBX_LOG" | grep -c "dial 1001 from 1000: answered")
[ "$n" = "$CALLS" ] || fail "the dialplan saw $n calls end with the caller's BYE, not $CALLS"
case_end

case_begin "the PBX repeated its own messages and absorbed the phones' repeats"
pbx "sip show transactions"
expect_out_re "^Retransmissions received: [0-9]+ requests absorbed, [0-9]+ final responses$"
absorbed=$(counter "requests absorbed")
finals=$(counter "final responses")
resent=$(counter "requests \\(Timers A and E\\)")
# Which repeats arrive is chance: a phone repeats its BYE when our 200 was lost (absorbed
# here), the callee its 2xx when our ACK was (answered by the dialog). Over 20 calls at
# 15 % loss, some of either comes (one kind alone is missing in a few runs in a hundred).
[ "${absorbed:-0}" -gt "${absorbed_before:-0}" ] || [ "${finals:-0}" -gt "${finals_before:-0}" ] ||
	fail "no repeated request was absorbed and no repeated final response came during the calls"
[ "${resent:-0}" -gt 0 ] || fail "the PBX never repeated an INVITE or BYE to the callee"
grep '^Retransmissions' <<<"$OUT" | sed 's/^/# /'
[ -z "$CASE_WHY" ] || _show_last
case_end

calls_all_gone 10

finish
