#!/usr/bin/env bash
# test_sip_subscribe.sh: SUBSCRIBE/NOTIFY (RFC 6665) with the message-summary
# package (RFC 3842) against SIPp subscribers: digest auth, the first NOTIFY with
# the lamp off, `mwi set` lighting it (Voice-Message: 2/1), refresh, Expires: 0
# with a final NOTIFY, a fetch (Expires: 0) over TCP, 489 for an unknown or missing Event (with Allow-Events),
# 423 with Min-Expires, a subscriber answering NOTIFY 481 or never answering
# dropped, expiry without refresh (terminated;reason=timeout), a storm of
# SUBSCRIBEs from one user bounded by the per-user limit, unsolicited NOTIFY to a
# registered phone (mwi_unsolicited), and baresip's mwi module lighting its lamp.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/lib_sipp.sh"

need_tools sipp

PORT=$(free_port)
PHONE_PORT=$(free_port)

CFG=$TMP/subscribe.lua
calls_config "$CFG" "listen = { \"udp:127.0.0.1:$PORT\", \"tcp:127.0.0.1:$PORT\" }, sub_min_expires = 3, max_subscriptions_per_user = 5, mwi_unsolicited = true, t1 = 100" 20
start_or_bail "$CFG"

# refused NAME EVENT_LINE EXPIRES CODE HEADER REGEX: one SUBSCRIBE refused before
# authentication, with HEADER matching REGEX in the answer. EVENT_LINE "" leaves
# the Event header out.
refused() {
	local f
	f=$(scenario sub_code.xml 1000 x "$4")
	if [ -n "$2" ]; then
		sed -i "s/EVENT_LINE/$2/" "$f"
	else
		sed -i "/EVENT_LINE/d" "$f"
	fi
	sed -i "s/EXPIRES/$3/; s/CHECK_HDR/$5/; s/CHECK_RE/$6/" "$f"
	sipp_run "$1" 127.0.0.1:"$PORT" -sf "$f" -s 1000 -p "$PHONE_PORT"
}

# no_sub_of BOX: `sip show subscriptions` lists none of BOX's.
no_sub_of() {
	pbx "sip show subscriptions"
	! grep -qE "^message-summary +$1 " <<<"$OUT"
}

case_begin "an unknown event package gets 489 Bad Event with Allow-Events: message-summary"
refused bad_event "Event: conference" 300 489 Allow-Events message-summary
expect_rc 0
case_end

case_begin "a SUBSCRIBE without an Event header gets 489 with Allow-Events"
refused no_event "" 300 489 Allow-Events message-summary
expect_rc 0
case_end

case_begin "Expires under sub_min_expires gets 423 with Min-Expires: 3"
refused too_short "Event: message-summary" 1 423 Min-Expires "^ *3\$"
expect_rc 0
case_end

case_begin "subscribe (401, then 200), NOTIFY lamp off; mwi set lights it (2/1); refresh; Expires: 0 ends it"
mark_log
pbx "mwi show 1000"
expect_out_re "^1000 +0 +0 +never set"
start_phone mwi "$PHONE_PORT" 127.0.0.1:"$PORT" -sf "$(scenario sub_mwi.xml 1000 alice-pw)" -s 1000
expect_log "1000 watches message-summary of 1000" 10
pbx_until 5 "sip show subscriptions" "1 subscription " || fail "no subscription listed: $OUT"
expect_out_re "^message-summary +1000 +1000 +"
pbx "mwi set 1000 2 1"
expect_rc 0
phone_done "$PHONE_PID" "$TMP/mwi.out" "the subscriber"
pbx "mwi show 1000"
expect_out_re "^1000 +2 +1 +lamp on"
expect_log "message-summary of 1000 for 1000: unsubscribed"
pbx_until 5 "sip show subscriptions" "0 subscriptions" || fail "the subscription outlived Expires: 0: $OUT"
case_end

case_begin "over TCP, Expires: 0 is a fetch: 200, one NOTIFY with the state (2/1), terminated at once"
mark_log
f=$(scenario sub_answer.xml 1000 alice-pw 200)
sed -i 's|<ereg regexp="active;expires=EXPIRES"|<ereg regexp="Voice-Message: 2/1" search_in="msg" check_it="true" assign_to="s1"/><ereg regexp="terminated;reason=timeout"|' "$f"
sed -i "s/EXPIRES/0/g; /TAIL_BEGIN/,/TAIL_END/d" "$f"
sipp_run fetch 127.0.0.1:"$PORT" -t t1 -sf "$f" -s 1000 -p "$(free_port)"
expect_rc 0
expect_log "1000 watches message-summary of 1000 from 127.0.0.1:"
pbx "sip show subscriptions"
expect_out "0 subscriptions"
case_end

case_begin "another user may not watch 1000's box (403)"
f=$(scenario sub_code.xml 1001 bob-pw 401)
sed -i "s/EVENT_LINE/Event: message-summary/; s/EXPIRES/300/; s/CHECK_HDR/WWW-Authenticate/; s/CHECK_RE/Digest/" "$f"
sipp_run other_box 127.0.0.1:"$PORT" -sf "$f" -s 1000 -p "$PHONE_PORT"
expect_rc 0
f=$(scenario sub_answer.xml 1001 bob-pw 200)
sed -i "s/EXPIRES/300/g; s/<recv response=\"200\"\/>/<recv response=\"403\"\/>/" "$f"
sed -i '/<recv request="NOTIFY">/,$d' "$f"
echo '</scenario>' >>"$f"
sipp_run other_box_auth 127.0.0.1:"$PORT" -sf "$f" -s 1000 -p "$PHONE_PORT"
expect_rc 0
pbx "sip show subscriptions"
expect_out "0 subscriptions"
case_end

# dropped NAME ANSWER CUT WHY [SECONDS]: 1002 subscribes and answers its first
# NOTIFY with ANSWER (sub_answer.xml cut by the sed command CUT); the PBX must
# log "ends: NOTIFY answered WHY" and list no subscription.
dropped() {
	local f
	mark_log
	f=$(scenario sub_answer.xml 1002 carol-pw "$2")
	sed -i "s/EXPIRES/300/g; $3" "$f"
	grep -q '</scenario>' "$f" || echo '<Reference variables="s1"/></scenario>' >>"$f"
	sipp_run "$1" 127.0.0.1:"$PORT" -sf "$f" -s 1002 -p "$PHONE_PORT"
	expect_rc 0
	expect_log "message-summary of 1002 for 1002 ends: NOTIFY answered $4" "${5:-5}"
	pbx_until 5 "sip show subscriptions" "0 subscriptions" || fail "the subscription is still listed: $OUT"
}

case_begin "a subscriber answering NOTIFY with 481 is dropped"
dropped notify_481 481 "/TAIL_BEGIN/,/TAIL_END/d" 481
case_end

case_begin "a subscriber that never answers NOTIFY is dropped when the NOTIFY times out"
# t1 = 100 ms: Timer F gives up after 6.4 s.
dropped notify_lost 200 '/ANSWER_BEGIN/,$d' "408 (no answer)" 10
case_end

case_begin "a subscription not refreshed expires: final NOTIFY terminated;reason=timeout"
mark_log
f=$(scenario sub_answer.xml 1003 dave-pw 200)
sed -i "s/EXPIRES/3/g" "$f"
start_phone expire "$PHONE_PORT" 127.0.0.1:"$PORT" -sf "$f" -s 1003
pbx_until 5 "sip show subscriptions" "1 subscription " || fail "no subscription listed: $OUT"
phone_done "$PHONE_PID" "$TMP/expire.out" "the subscriber"
expect_log "message-summary of 1003 for 1003 expired"
pbx "sip show subscriptions"
expect_out "0 subscriptions"
case_end

case_begin "a storm of 15 SUBSCRIBEs from one user: 5 kept, the rest refused with 503 and logged"
mark_log
sipp_run storm 127.0.0.1:"$PORT" -sf "$(scenario sub_storm.xml 1001 bob-pw)" -s 1001 -p "$PHONE_PORT" -m 15 -r 30 -l 15
expect_rc 0
pbx "sip show subscriptions"
expect_out "5 subscriptions" "10 refused"
n=$(tail -n +"$((LOG_MARK + 1))" "$PBX_LOG" | grep -c "refused: too many subscriptions for this user")
[ "$n" = 10 ] || fail "$n refusals logged, expected 10"
pbx "core show version"
expect_rc 0
case_end

case_begin "a reload that removes user 1001 ends its subscriptions (terminated;reason=rejected)"
mark_log
sed -i '/\["1001"\]/d' "$CFG"
pbx "dialplan reload"
expect_rc 0
expect_log "message-summary of 1001 for 1001 ends: no such user since the reload" 5
poll_until 5 no_sub_of 1001 || fail "1001's subscriptions are left: $OUT"
case_end

case_begin "NOTIFY outside any subscription gets 481"
f=$TMP/stray_notify.xml
sed 's/SUBSCRIBE/NOTIFY/g; s/^Contact:.*$/Subscription-State: active/' "$(scenario sub_code.xml 1000 x 481)" >"$f"
sed -i "s/EVENT_LINE/Event: message-summary/; s/^Expires: EXPIRES$/X-Test: 1/; s/CHECK_HDR/CSeq/; s/CHECK_RE/NOTIFY/" "$f"
# (a port of its own, like the next case)
sipp_run stray 127.0.0.1:"$PORT" -sf "$f" -s 1000 -p "$(free_port)"
expect_rc 0
case_end

case_begin "mwi_unsolicited: a registered phone that never subscribed gets the NOTIFY out of dialog"
mark_log
# A port of its own: final NOTIFYs to the storm's subscriptions may still be
# retransmitted to $PHONE_PORT.
U_PORT=$(free_port)
f=$(scenario register_code.xml 1003 dave-pw 200)
sed -i "s/EXPIRES/300/g" "$f"
sipp_run reg_1003 127.0.0.1:"$PORT" -sf "$f" -p "$U_PORT"
expect_rc 0
start_phone unsolicited "$U_PORT" -sf "$(scenario sub_unsolicited.xml 1003 x 4.2)"
pbx "mwi set 1003 4 2"
phone_done "$PHONE_PID" "$TMP/unsolicited.out" "the registered phone"
expect_log "message-summary of 1003: unsolicited NOTIFY to sip:1003@127.0.0.1:$U_PORT"
case_end

# baresip 1.0's mwi module subscribes to message-summary once registered and
# prints each NOTIFY's body: its lamp follows the console. Debian's baresip 1.0
# sometimes spins in that module (printing "mwi: subscribing" thousands of times
# and answering nothing, whether or not its SUBSCRIBE reached us: round 4 of a
# probe spun before sending any), so a phone that spins is killed and the round
# run again with a fresh one, up to four times.
. "$(dirname "$0")/baresip.sh"

spun() { [ "$(grep -c "mwi: subscribing" "$TMP/$1.log")" -gt 1 ]; }

# lamp_round NAME: one phone through the lamp sequence (failures recorded).
lamp_round() {
	local name=$1
	B_PORT=$(free_ports 3)
	PHONE_MODULES="module_app		mwi.so" start_baresip "$name" 1002 carol-pw "$B_PORT" 440
	expect_phone "$name" "1002@127.0.0.1: {0/UDP/v4} 200 OK" 10
	spun "$name" && return
	expect_log "1002 watches message-summary of 1002 from 127.0.0.1:$B_PORT" 10
	expect_phone "$name" "Messages-Waiting: no" 10
	spun "$name" && return
	phone_mark "$name"
	pbx "mwi set 1002 3 0"
	expect_phone "$name" "Messages-Waiting: yes" 10
	expect_phone "$name" "Voice-Message: 3/0" 5
	phone_mark "$name"
	pbx "mwi set 1002 0 3"
	expect_phone "$name" "Voice-Message: 0/3" 10
	expect_phone "$name" "Messages-Waiting: no" 5
}

case_begin "baresip subscribes to its mailbox once registered; mwi set lights its lamp, and clears it"
for try in 1 2 3 4; do
	mark_log
	pbx "mwi set 1002 0 0"
	BS=bs$try
	lamp_round "$BS"
	spun "$BS" || break
	context "baresip ($BS) spun in its mwi module; a fresh phone tries again"
	kill -KILL "${PHONE_PID[$BS]}" 2>/dev/null
	wait "${PHONE_PID[$BS]}" 2>/dev/null
	[ "$try" = 4 ] || CASE_WHY=
done
# It subscribed: no unsolicited NOTIFY on top (phones killed above may get some).
grep -qE "message-summary of 1002: unsolicited NOTIFY to sip:[^ ]*@127\.0\.0\.1:$B_PORT\$" "$PBX_LOG" &&
	fail "the subscribed phone got an unsolicited NOTIFY too"
case_end

# sub_from PORT: `sip show subscriptions` lists one from 127.0.0.1:PORT.
sub_from() {
	pbx "sip show subscriptions"
	grep -qF " 127.0.0.1:$1 " <<<"$OUT"
}

case_begin "baresip quits: its subscription ends with it"
mark_log
expect_cmd "$BS" quit
if ! wait_exit "${PHONE_PID[$BS]}" 10; then
	fail "the phone still runs 10 s after quit"
fi
poll_until 5 eval '! sub_from "$B_PORT"' || fail "its subscription is left: $OUT"
expect_log "message-summary of 1002 for 1002: unsubscribed"
case_end

finish
