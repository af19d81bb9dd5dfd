#!/usr/bin/env bash
# test_sip_guard.sh: abuse protection (settings.sip.guard*) against attacks driven
# with SIPp from ::1 while a legitimate phone uses 127.0.0.1 (the guard keys on the
# source address, so the two are told apart): an unknown user and a wrong password
# get the same answers (no user enumeration); password guessing is banned after
# guard_auth_failures (everything from the address then goes unanswered) while the
# legitimate phone registers; the ban is listed, lifted from the console, and ends
# by itself; an OPTIONS flood and an INVITE flood are cut to the configured rates
# (the excess dropped and counted) while the legitimate phone registers and calls;
# a trusted network is never banned; a bad guard_trusted entry stops the start
# with file:line.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/lib_sipp.sh"

need_tools sipp
if ! ip -6 addr show dev lo 2>/dev/null | grep -q '::1/128'; then
	echo "ok - skipped: no ::1 on this machine (the attacker's address)"
	exit 0
fi

PORT=$(free_port)
ATTACK_PORT=$(free_port)
PHONE_PORT=$(free_port)

CFG=$TMP/guard.lua
calls_config "$CFG" "listen = { \"udp:127.0.0.1:$PORT\", \"udp:[::1]:$PORT\" }, guard_requests_per_s = 20, guard_request_burst = 40, guard_invites_per_s = 2, guard_invite_burst = 4, guard_auth_failures = 5, guard_calls_per_source = 1, guard_ban_time = 4" 2
start_or_bail "$CFG"

# attack NAME SCENARIO USER PASS CODE [ARGS...]: one SIPp run from [::1].
attack() {
	local name=$1 f
	f=$(scenario "$2" "$3" "$4" "$5")
	sed -i "s/EXPIRES/60/g" "$f"
	shift 5
	sipp_run "$name" "[::1]:$PORT" -i ::1 -sf "$f" -p "$ATTACK_PORT" "$@"
}

# legit_register: 1001 registers from 127.0.0.1 (200).
legit_register() {
	sipp_run legit 127.0.0.1:"$PORT" -sf "$(scenario register_code.xml 1001 bob-pw 200 | sed_expires 60)" \
		-p "$PHONE_PORT"
	expect_rc 0
}
sed_expires() { read -r f; sed -i "s/EXPIRES/$1/g" "$f"; echo "$f"; }

case_begin "an unknown user and a wrong password get the same answers: 401, then 403 Forbidden"
attack unknown register_code.xml 4242 guess 403 -timeout 5
expect_rc 0
attack wrongpw register_code.xml 1000 guess 403 -timeout 5
expect_rc 0
case_end

case_begin "password guessing: the 5th failure in the window bans ::1; it then gets no answer at all"
mark_log
attack guess register_code.xml 1000 guess2 403 -m 3 -timeout 10
expect_rc 0
expect_log "banned ::1 for 4 s: 5 failed authentications in 60 s (the last as '1000')"
attack banned register_code.xml 1000 alice-pw 200 -timeout 2
[ "$RC" = 0 ] && fail "a banned address was answered"
case_end

case_begin "meanwhile the legitimate phone on 127.0.0.1 registers; sip show guard lists the ban"
legit_register
pbx "sip show guard"
expect_rc 0
expect_out_re "^::1 +[0-9]+s +0 +[0-9]+ +5 failed authentications"
expect_out "ban 4 s after 5 failed authentications in 60 s"
case_end

case_begin "the ban ends by itself after guard_ban_time; the right password then registers from ::1"
sleep 4.2
attack after_ban register_code.xml 1000 alice-pw 200 -timeout 5
expect_rc 0
case_end

case_begin "console: ban an address, unban it, refuse what is not an address"
pbx "sip guard ban ::1 300"
expect_rc 0
expect_out "::1 banned for 300 s."
attack console_banned register_code.xml 1000 alice-pw 200 -timeout 2
[ "$RC" = 0 ] && fail "a banned address was answered"
pbx "sip guard unban ::1"
expect_rc 0
attack console_unbanned register_code.xml 1000 alice-pw 200 -timeout 5
expect_rc 0
pbx "sip guard unban ::1"
expect_rc 1
expect_out "not banned"
pbx "sip guard ban example.com"
expect_rc 1
expect_out "Not an IP address."
case_end

case_begin "an OPTIONS flood (1500 at 1000/s) is cut to the rate: most dropped and counted; the phone still registers"
mark_log
attack flood options_flood.xml x x x -m 1500 -r 1000 -rp 1000 -timeout 20
legit_register
expect_log "::1 is over the request rate (20/s): dropping its excess"
pbx "sip show guard"
dropped=$(awk '$1 == "::1" { print $4 }' <<<"$OUT")
[ "${dropped:-0}" -ge 1200 ] || fail "only ${dropped:-0} of 1500 dropped: $OUT"
case_end

case_begin "a NOTIFY storm (600 at 1000/s, matching no subscription) is cut the same way; the phone still registers"
pbx "sip show guard"
before=$(awk '$1 == "::1" { print $4 }' <<<"$OUT")
attack notify_storm notify_flood.xml x x x -m 600 -r 1000 -rp 1000 -timeout 20
legit_register
pbx "sip show guard"
after=$(awk '$1 == "::1" { print $4 }' <<<"$OUT")
[ $(( ${after:-0} - ${before:-0} )) -ge 400 ] || fail "only $(( ${after:-0} - ${before:-0} )) of 600 NOTIFYs dropped: $OUT"
case_end

case_begin "an INVITE flood (60 at 100/s) is cut to guard_invites_per_s; a legitimate call goes through"
pbx "sip guard unban all"
mark_log
attack invites invite_flood.xml x x x -m 60 -r 100 -rp 1000 -timeout 20
expect_log "::1 is over the new call (INVITE) rate (2/s): dropping its excess"
sipp_run legit_call 127.0.0.1:"$PORT" -sf "$(scenario uac_fail.xml 1001 bob-pw 480)" -s 1002 -p "$PHONE_PORT"
expect_rc 0
case_end

case_begin "the loop stalls (SIGSTOP 3 s): a SUBSCRIBE that waited gets 503 Overloaded with Retry-After; the call's BYE still ends it"
CALLEE_PORT=$(free_port)
CALLER_PORT=$(free_port)
sipp_run reg_callee 127.0.0.1:"$PORT" -sf "$(scenario register.xml 1001 bob-pw)" -p "$CALLEE_PORT"
expect_rc 0
call_going "$CALLEE_PORT" 1000 alice-pw 1001 1500 "$CALLER_PORT"
mark_log
kill -STOP "$PBX_PID"
f=$(scenario sub_code.xml 1000 x 503)
sed -i "s/EVENT_LINE/Event: message-summary/; s/EXPIRES/300/; s/CHECK_HDR/Retry-After/; s/CHECK_RE/^ *5\$/" "$f"
start_phone late "$(free_port)" 127.0.0.1:"$PORT" -sf "$f" -s 1000
LATE_PID=$PHONE_PID
sleep 3
kill -CONT "$PBX_PID"
phone_done "$LATE_PID" "$TMP/late.out" "the SUBSCRIBE sent while the PBX was stalled"
phone_done "$CALLER_PID" "$TMP/caller.out" "the caller (its BYE waited too, and ended the call)"
phone_done "$CALLEE_PID" "$TMP/callee.out" "the callee"
expect_log "overloaded: a request waited"
pbx "sip show guard"
expect_out_re "[1-9][0-9]* new requests refused overloaded \(503, overload_delay 1000 ms\)"
legit_register
case_end

case_begin "a media worker falls behind (stalled 3 s): a new call gets 503 Overloaded; once it catches up calls go through"
pbx "module load worker_stall"
expect_rc 0
mark_log
pbx "worker stall 3000"
expect_rc 0
sleep 1.5 # more than overload_delay (1 s) behind by now
sipp_run media_behind 127.0.0.1:"$PORT" -sf "$(scenario uac_refused.xml 1002 carol-pw 503)" -s 1003 -p "$(free_port)"
expect_rc 0
expect_log "overloaded: the media workers are"
# the stall ends at 3 s; then overload control, which held new calls from
# unregistered addresses back while the worker was behind, lets them in within 1-2 s
sleep 4
sipp_run media_caught_up 127.0.0.1:"$PORT" -sf "$(scenario uac_fail.xml 1002 carol-pw 480)" -s 1003 -p "$(free_port)"
expect_rc 0
case_end

case_begin "guard_calls_per_source = 1: a second call from the same address while one is going gets 503; later it goes through"
call_going "$CALLEE_PORT" 1000 alice-pw 1001 2500 "$CALLER_PORT"
mark_log
sipp_run second 127.0.0.1:"$PORT" -sf "$(scenario uac_refused.xml 1002 carol-pw 503)" -s 1003 -p "$(free_port)"
expect_rc 0
expect_log "127.0.0.1 has 1 calls going (guard_calls_per_source): new ones get 503"
phone_done "$CALLER_PID" "$TMP/caller.out" "the first call"
phone_done "$CALLEE_PID" "$TMP/callee.out" "the callee"
sipp_run after 127.0.0.1:"$PORT" -sf "$(scenario uac_fail.xml 1002 carol-pw 480)" -s 1003 -p "$(free_port)"
expect_rc 0
case_end

case_begin "a trusted network is never banned"
CFG2=$TMP/guard_trusted.lua
sed 's/guard_ban_time = 4/guard_ban_time = 4, guard_trusted = { "::1\/128", "10.0.0.0\/8" }/' "$CFG" >"$CFG2"
cp "$CFG2" "$CFG"
pbx "dialplan reload"
expect_rc 0
mark_log
attack trusted_guess register_code.xml 1000 guess3 403 -m 6 -timeout 10
expect_rc 0
log_has "banned ::1" && fail "a trusted address was banned"
attack trusted_ok register_code.xml 1000 alice-pw 200 -timeout 5
expect_rc 0
pbx "sip show guard"
expect_out "trusted: ::1/128 10.0.0.0/8"
case_end

case_begin "a bad guard_trusted entry refuses the start with file:line"
BAD=$TMP/guard_bad.lua
sed "s/guard_trusted = { [^}]* }/guard_trusted = { \"10.0.0.0\/33\" }/; s/:$PORT/:$(free_port)/g" "$CFG2" >"$BAD"
refused_start "$BAD" "guard_bad.lua:[0-9]+: settings.sip.guard_trusted: '10.0.0.0/33' is not an address or ADDRESS/PREFIX"
case_end

finish
