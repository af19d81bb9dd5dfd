#!/usr/bin/env bash
# test_sip_overload.sh: overload control (settings.sip.overload_control,
# overload_cpu; modules/chan_sip/admission.c). The test module loop_burn keeps the
# main loop busy, as a flood would, without depending on a flood's timing; while
# it burns, a new request from an address no phone registered from gets
# 503 Overloaded with Retry-After at once (no challenge, no 100 Trying), while a
# phone that registered from its address registers again and calls, and a trusted
# address is served; once the loop is calm again everyone is served. An address
# over guard_transactions_per_source gets 503 without a transaction being made. A
# bad overload_cpu stops the start with file:line.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/lib_sipp.sh"

need_tools sipp

PORT=$(free_port)
PHONE_PORT=$(free_port)
HAVE_V6=
ip -6 addr show dev lo 2>/dev/null | grep -q '::1/128' && HAVE_V6=1

LISTEN="\"udp:127.0.0.1:$PORT\""
[ -n "$HAVE_V6" ] && LISTEN="$LISTEN, \"udp:[::1]:$PORT\""
CFG=$TMP/overload.lua
# overload_cpu 30: the burnt loop is well past it even on a machine whose other
# work takes much of the loop's core (the loop's CPU time is measured).
# guard_invites_per_s 1000: the flood below meets overload control, not the guard.
calls_config "$CFG" "listen = { $LISTEN }, overload_cpu = 30, guard_invites_per_s = 1000, guard_trusted = { \"::1\" }" 2
# The first cases run with guard_transactions_per_source = 10 and ::1 untrusted.
sed 's/guard_trusted = { "::1" }/guard_transactions_per_source = 10/' "$CFG" >"$TMP/overload_txn.lua"
start_or_bail "$TMP/overload_txn.lua"

# register_from PORT USER PASS CODE: one REGISTER (digest) from PORT.
register_from() {
	local f
	f=$(scenario register_code.xml "$2" "$3" "$4")
	sed -i "s/EXPIRES/120/g" "$f"
	sipp_run "reg-$2-$4" 127.0.0.1:"$PORT" -sf "$f" -p "$1"
}

if [ -n "$HAVE_V6" ]; then
	case_begin "guard_transactions_per_source = 10: ::1 opening 30 OPTIONS at once gets 503 past 10; a phone on 127.0.0.1 registers"
	mark_log
	sipp_run txn_flood "[::1]:$PORT" -i ::1 -sf "$SIPP_DIR/options_flood.xml" -p "$(free_port)" -m 30 -r 100 -rp 1000 -timeout 10
	expect_log "::1 has 10 transactions open (guard_transactions_per_source): new requests get 503"
	pbx "sip show guard"
	expect_out_re "; (1[5-9]|20) requests refused over 10 open transactions per address"
	register_from "$(free_port)" 1000 alice-pw 200
	expect_rc 0
	case_end
fi

case_begin "the settings reloaded (::1 trusted, guard_transactions_per_source 5000 by default)"
cp "$CFG" "$TMP/overload_txn.lua"
pbx "dialplan reload"
expect_rc 0
pbx "sip show guard"
expect_out "over 5000 open transactions per address"
case_end

case_begin "calm: sip show overload says nothing is refused; an unregistered phone calls (480: 1003 is not registered)"
pbx "sip show overload"
expect_rc 0
expect_out "overload control: on, not refusing"
sipp_run calm 127.0.0.1:"$PORT" -sf "$(scenario uac_fail.xml 1002 carol-pw 480)" -s 1003 -p "$(free_port)"
expect_rc 0
case_end

case_begin "1001 registers from its phone's address"
register_from "$PHONE_PORT" 1001 bob-pw 200
expect_rc 0
pbx "sip show overload"
expect_out "$(( HAVE_V6 ? 2 : 1 )) registered addresses" # with 1000's, from the first case
case_end

case_begin "the loop is kept busy: overload control starts refusing new requests from unregistered addresses, and logs why"
pbx "module load loop_burn"
expect_rc 0
mark_log
pbx "loop burn 95 30"
expect_rc 0
pbx_until 10 "sip show overload" "refusing 100% of new requests" || fail "not refusing: $OUT"
expect_log "overload: the main loop is"
case_end

case_begin "an unregistered phone's INVITE gets 503 Overloaded with Retry-After at once; so does a new phone's REGISTER"
sipp_run refused 127.0.0.1:"$PORT" -sf "$(scenario uac_refused_retry.xml 1002 carol-pw 503)" -s 1003 -p "$(free_port)"
expect_rc 0
register_from "$(free_port)" 1002 carol-pw 503
# register_code.xml expects a 401 first: the 503 makes it fail; the refusal is
# checked in SIPp's own error output.
out_has "503 Overloaded" || fail "the REGISTER was not refused with 503 Overloaded: $OUT"
case_end

case_begin "an INVITE flood from an address no phone registered from (100 at 100/s) meanwhile: at least 90 get 503 Overloaded"
pbx "sip show overload"
before=$(sed -n 's/.*; \([0-9]*\) new requests refused (503 Overloaded).*/\1/p' <<<"$OUT")
# invite_flood.xml expects a 401: the 503s make SIPp fail, which is the point.
sipp_run flood 127.0.0.1:"$PORT" -sf "$SIPP_DIR/invite_flood.xml" -p "$(free_port)" -m 100 -r 100 -rp 1000 -timeout 10
pbx "sip show overload"
after=$(sed -n 's/.*; \([0-9]*\) new requests refused (503 Overloaded).*/\1/p' <<<"$OUT")
[ $(( ${after:-0} - ${before:-0} )) -ge 90 ] || fail "only $(( ${after:-0} - ${before:-0} )) of 100 refused: $OUT"
case_end

case_begin "the registered phone registers again and calls from its address (401, then 480 for 1003)"
register_from "$PHONE_PORT" 1001 bob-pw 200
expect_rc 0
sipp_run registered_call 127.0.0.1:"$PORT" -sf "$(scenario uac_fail.xml 1001 bob-pw 480)" -s 1003 -p "$PHONE_PORT"
expect_rc 0
case_end

if [ -n "$HAVE_V6" ]; then
	case_begin "a trusted address (::1) is served: its call gets 401, then 480"
	sipp_run trusted "[::1]:$PORT" -i ::1 -sf "$(scenario uac_fail.xml 1002 carol-pw 480)" -s 1003 -p "$(free_port)"
	expect_rc 0
	case_end
fi

case_begin "sip show overload counts the refusals and the requests let through"
pbx "sip show overload"
expect_out_re "; [1-9][0-9]* new requests refused \(503 Overloaded\), 0 of them for the RTP port reserve; [1-9][0-9]* from registered or trusted addresses let through"
expect_out "main loop"
case_end

case_begin "the loop is calm again: refusals stop within seconds (logged) and an unregistered phone calls"
mark_log
pbx "loop burn 0 0"
expect_rc 0
pbx_until 10 "sip show overload" "not refusing" || fail "still refusing: $OUT"
expect_log "overload over after"
sipp_run after 127.0.0.1:"$PORT" -sf "$(scenario uac_fail.xml 1002 carol-pw 480)" -s 1003 -p "$(free_port)"
expect_rc 0
case_end

calls_all_gone

case_begin "overload_cpu = 150 refuses the start with file:line"
BAD=$TMP/overload_bad.lua
sed "s/overload_cpu = 30/overload_cpu = 150/; s/:$PORT/:$(free_port)/g" "$CFG" >"$BAD"
refused_start "$BAD" "overload_bad.lua:[0-9]+: settings.sip.overload_cpu: 150 is not a percentage between 10 and 100"
case_end

finish
