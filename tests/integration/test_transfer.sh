#!/usr/bin/env bash
# test_transfer.sh: blind transfer with real phones (baresip's "transfer" sends a
# REFER, RFC 3515). Alice (1000) calls Bob (1001); Bob transfers Alice to Carol
# (1002), who rings for two seconds before answering: Alice hears ringback (not
# silence) meanwhile, Bob's leg is released, Carol sees Alice as the caller, and
# Alice and Carol hear each other's tone. Then the caller transfers the callee;
# a transfer to an extension that does not exist (NOTIFY 404, the call goes on);
# one the dialplan's on_transfer refuses (403) or re-routes; and one whose
# target is not there (the transferee comes back to the transferor, who still
# waits). After each, the console shows no channel left over.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/baresip.sh"

need_tools sox

PORT=$(free_ports 1)
RTP_LO=$(rtp_range 40)
RTP_HI=$((RTP_LO + 39))
CFG=$TMP/transfer.lua
cat >"$CFG" <<EOF
settings {
  modules = { "chan_sip" },
  log = { level = "info" },
  sip = { listen = { "udp:127.0.0.1:$PORT" } },
  rtp = { address = "127.0.0.1", rtp_start = $RTP_LO, rtp_end = $RTP_HI },
}
users {
  ["1000"] = { name = "Alice", password = "alice-pw", context = "office" },
  ["1001"] = { name = "Bob", password = "bob-pw", context = "office" },
  ["1002"] = { name = "Carol", password = "carol-pw", context = "office" },
  ["1003"] = { name = "Dave", password = "dave-pw", context = "office" },
}
extensions = {
  office = {
    ["_10XX"] = function(call)
      call.on_transfer = function(c, t)
        log.notice("on_transfer: %s by the %s to %s", t.kind, t.by, t.to)
        if t.to == "1009" then return false end
        if t.to == "1008" then return "1002" end
        if t.to == "1007" then error("no transfers to the lab") end
      end
      local r = call:dial(call.to, { timeout = 10 })
      log.notice("dial %s from %s: %s%s", call.to, call.from, r.status,
                 call.referred_by and (" referred by " .. call.referred_by) or "")
      if r.status ~= "answered" then call:hangup(r.cause) end
    end,
  },
}
EOF
start_or_bail "$CFG"

A_PORT=$(free_ports 3)
B_PORT=$(free_ports 3)
while ! apart "$B_PORT" "$A_PORT"; do B_PORT=$(free_ports 3); done
C_PORT=$(free_ports 3)
while ! apart "$C_PORT" "$A_PORT" "$B_PORT"; do C_PORT=$(free_ports 3); done
A_TONE=1000
B_TONE=800
C_TONE=600

start_baresip a 1000 alice-pw "$A_PORT" "$A_TONE"
start_baresip b 1001 bob-pw "$B_PORT" "$B_TONE"
PHONE_ANSWER=manual start_baresip c 1002 carol-pw "$C_PORT" "$C_TONE"

# loud A B: A is well above B (and above a floor): the band A measured is there.
loud() {
	awk -v a="${1:-0}" -v b="${2:-0}" 'BEGIN { exit !(a > 0.02 && a > 3 * b) }'
}

# call A (user FROM) to B (user TO), answered, each phone receiving from the PBX.
call_up() {
	local caller=$1 from=$2 callee=$3 to=$4
	mark_log
	phone_mark "$caller" "$callee"
	expect_cmd "$caller" dial "$to"
	expect_phone "$callee" "Call established: sip:$from@127.0.0.1:$PORT"
	expect_phone "$caller" "Call established: sip:$to@127.0.0.1:$PORT"
	expect_phone "$caller" "receiving from 127.0.0.1:"
	expect_phone "$callee" "receiving from 127.0.0.1:"
}

case_begin "three baresip phones register"
for p in a b c; do expect_phone "$p" "baresip is ready." 10; done
pbx_until 5 "sip show registrations" "3 registrations" || fail "the phones did not register"
case_end

# has_ringback WAV: some quarter second of WAV is the PBX's 425 Hz ringback (the
# phone's recording is not in real time, so every window is looked at).
has_ringback() {
	local secs t f
	secs=$(soxi -D "$1")
	for t in $(awk -v e="$secs" 'BEGIN { for (t = 0; t + 0.25 <= e; t += 0.25) print t }'); do
		f=$(sox "$1" -n trim "$t" 0.25 stat 2>&1 | awk '/^Rough +frequency:/ { f = $3 } /^RMS +amplitude:/ { r = $3 } END { if (r > 0.05) print f }')
		[ -n "$f" ] && [ "$f" -ge 400 ] && [ "$f" -le 450 ] && return 0
	done
	return 1
}

case_begin "Bob, the callee, transfers Alice to Carol: REFER 202, NOTIFY 100/180/200, Bob released"
call_up a 1000 b 1001
A_WAV=$(dec_wav a)
phone_mark a b c
mark_log
expect_cmd b transfer "sip:1002@127.0.0.1:$PORT"
expect_log "REFER to 1002"
expect_log "on_transfer: blind by the callee to 1002"
expect_log "to '1002' in context 'office'"
# Carol rings; Alice, whose call is up, hears the PBX's ringback meanwhile.
expect_phone c "Incoming call from: Alice sip:1000@127.0.0.1:$PORT"
expect_log "transfer rings: NOTIFY 180"
sleep 2
phone_mark c
expect_cmd c accept
expect_phone c "Call established: sip:1000@127.0.0.1:$PORT"
expect_log "transfer done: NOTIFY 200"
expect_log "is released"
expect_phone_ended b
C_WAV=$(dec_wav c)
poll_until 10 wav_holds "$C_WAV" 2 || fail "Carol recorded less than two seconds of Alice"
pbx "sip show dialogs"
expect_out_re "^SIP/1000-[0-9]+ +in +confirmed" "^SIP/1002-[0-9]+ +out +confirmed" "^2 dialogs"
case_end

case_begin "Alice hangs up: Carol's call ends, nothing is left over"
phone_mark a c
expect_cmd a hangup
expect_phone_closed c
expect_log "dial 1002 from 1000: answered referred by <sip:1001@127.0.0.1>"
no_leftovers
case_end

case_begin "after the transfer Alice heard ringback while Carol rang, then Carol; Carol heard Alice"
expect_tone "$C_WAV" "$A_TONE"
end=$(soxi -D "$A_WAV")
last=$(awk -v e="$end" 'BEGIN { print e - 1 }')
c_band=$(band_rms "$A_WAV" 560 640 "$last")
b_band=$(band_rms "$A_WAV" 760 840 "$last")
loud "$c_band" "$b_band" || fail "the end of Alice's recording is not Carol's $C_TONE Hz (RMS $c_band, Bob's band $b_band)"
has_ringback "$A_WAV" || fail "no 425 Hz ringback in Alice's audio while Carol rang"
case_end

case_begin "Alice, the caller, transfers Bob to Carol: Carol sees Bob (1001) calling, Alice is released"
call_up a 1000 b 1001
phone_mark a b c
mark_log
expect_cmd a transfer "sip:1002@127.0.0.1:$PORT"
expect_log "on_transfer: blind by the caller to 1002"
expect_phone c "Incoming call from:  sip:1001@127.0.0.1:$PORT"
sleep 1 # as above: Alice's phone takes the 202 and NOTIFYs first
phone_mark c
expect_cmd c accept
expect_phone c "Call established: sip:1001@127.0.0.1:$PORT"
expect_log "transfer done: NOTIFY 200"
expect_log "is released"
expect_phone_ended a
C_WAV=$(dec_wav c)
poll_until 10 wav_holds "$C_WAV" 1 || fail "Carol recorded less than a second of Bob"
phone_mark b c
expect_cmd c hangup
expect_phone_closed b
no_leftovers
expect_tone "$C_WAV" "$B_TONE"
case_end

case_begin "Bob holds Alice (music on hold), then transfers her to Carol: Alice ends up talking with Carol"
call_up a 1000 b 1001
A_WAV=$(dec_wav a)
mark_log
phone_mark a b c
expect_cmd b hold
expect_log "put on hold SIP/1000-"
expect_log "music on hold 'default' from file 1"
sleep 1
expect_cmd b transfer "sip:1002@127.0.0.1:$PORT"
expect_log "to '1002' in context 'office'"
expect_phone c "Incoming call from: Alice sip:1000@127.0.0.1:$PORT"
sleep 1
phone_mark c
expect_cmd c accept
expect_phone c "Call established: sip:1000@127.0.0.1:$PORT"
expect_log "transfer done: NOTIFY 200"
C_WAV=$(dec_wav c)
poll_until 10 wav_holds "$C_WAV" 2 || fail "Carol recorded less than two seconds of Alice"
sleep 1
phone_mark a c
expect_cmd a hangup
expect_phone_closed c
no_leftovers
expect_tone "$C_WAV" "$A_TONE"
end=$(soxi -D "$A_WAV")
last=$(awk -v e="$end" 'BEGIN { print e - 1 }')
c_band=$(band_rms "$A_WAV" 560 640 "$last")
awk -v c="${c_band:-0}" 'BEGIN { exit !(c > 0.05) }' || fail "after the held transfer Alice does not hear Carol (RMS ${c_band:-none})"
case_end

case_begin "a transfer to an extension that does not exist: 202, then NOTIFY 404; the PBX keeps the call"
call_up a 1000 b 1001
mark_log
phone_mark a b
expect_cmd b transfer "sip:1999@127.0.0.1:$PORT"
expect_log "no such extension in context 'office'"
expect_phone b "transfer failed: 404 Not Found"
# baresip 1.0 hangs up by itself when its transfer fails: the BYE is its own.
expect_log "SIP/1001-"
no_leftovers
case_end

case_begin "on_transfer refuses a transfer: REFER 403, the PBX keeps the call"
call_up a 1000 b 1001
mark_log
phone_mark a b
phone_cmd b transfer "sip:1009@127.0.0.1:$PORT"
expect_log "the dialplan refused the blind transfer"
expect_phone b "403 Transfer refused"
# baresip hangs up by itself when its transfer fails; else Bob hangs up now.
phone_cmd b hangup
expect_phone_ended a
no_leftovers
case_end

case_begin "a Lua error in on_transfer is logged with file:line; the transfer goes on as if no hook were set"
call_up a 1000 b 1001
mark_log
phone_mark a b
expect_cmd b transfer "sip:1007@127.0.0.1:$PORT"
expect_log "on_transfer failed: $CFG:"
expect_log "no transfers to the lab"
expect_log "to '1007' in context 'office'"
# 1007 is no user: the dial finds nothing to ring, the transferor hears 404.
expect_log "failed (notfound): back to the transferor"
expect_phone b "transfer failed: 404 Not Found"
phone_cmd b hangup
expect_phone_ended a
no_leftovers
case_end

case_begin "a transfer whose target is not registered fails: NOTIFY 480, Alice goes back to Bob"
call_up a 1000 b 1001
phone_mark a b
mark_log
expect_cmd b transfer "sip:1003@127.0.0.1:$PORT"
expect_log "to '1003' in context 'office'"
expect_log "failed (unavailable): back to the transferor"
expect_log "back in the call with SIP/1001-"
expect_phone b "transfer failed: 480 Temporarily Unavailable"
phone_cmd b hangup
expect_phone_ended a
no_leftovers
case_end

case_begin "on_transfer re-routes a transfer (1008 goes to Carol)"
call_up a 1000 b 1001
phone_mark c
mark_log
expect_cmd b transfer "sip:1008@127.0.0.1:$PORT"
expect_log "to '1002' in context 'office'"
expect_phone c "Incoming call from: Alice"
# Let Bob's phone take the 202 and the first NOTIFYs before the final one and
# the BYE (baresip 1.0 prints nothing about a BYE that beats its REFER's 202).
sleep 1
phone_mark c
expect_cmd c accept
expect_phone c "Call established: sip:1000@127.0.0.1:$PORT"
expect_phone_ended b
phone_mark a c
expect_cmd c hangup
expect_phone_closed a
no_leftovers
case_end

# ua MODE ARGS...: the scripted phone (xfer_ua.py) in the background; UA_PID.
ua() {
	python3 "$(dirname "$0")/xfer_ua.py" "$@" >"$TMP/ua.log" 2>&1 &
	UA_PID=$!
	PIDS+=("$UA_PID")
}
ua_done() {
	if ! wait_exit "$UA_PID" "${1:-20}" || [ "$EXIT_RC" != 0 ]; then
		fail "the scripted phone failed"
		context "$(cat "$TMP/ua.log")"
	fi
}

case_begin "attended transfer: Dave calls Alice and Carol, then REFERs with Replaces; Alice and Carol talk"
mark_log
phone_mark a c
ua attended "$PORT" 1003 dave-pw 1000 1002
expect_phone a "Call established: sip:1003@127.0.0.1:$PORT"
A_WAV=$(dec_wav a)
expect_phone c "Incoming call from: 1003 sip:1003@127.0.0.1:$PORT"
phone_mark c
expect_cmd c accept
expect_phone c "Call established: sip:1003@127.0.0.1:$PORT"
C_WAV=$(dec_wav c)
ua_done
expect_log "attended transfer: SIP/1000-"
expect_log "on_transfer: attended by the caller to SIP/1002-"
pbx "core show bridges"
expect_out_re "^SIP/1000-[0-9]+ +SIP/1002-[0-9]+ +rtp-relay" "^1 active bridge"
pbx "core show calls"
expect_out "0 active calls"
poll_until 10 wav_holds "$C_WAV" 2 || fail "Carol recorded less than two seconds"
sleep 1
phone_mark a c
expect_cmd a hangup
expect_phone_closed c
no_leftovers
end=$(soxi -D "$A_WAV")
last=$(awk -v e="$end" 'BEGIN { print e - 1 }')
c_band=$(band_rms "$A_WAV" 560 640 "$last")
a_band=$(band_rms "$C_WAV" 950 1050 "$(awk -v e="$(soxi -D "$C_WAV")" 'BEGIN { print e - 1 }')")
awk -v c="${c_band:-0}" -v a="${a_band:-0}" 'BEGIN { exit !(c > 0.05 && a > 0.05) }' ||
	fail "after the transfer Alice hears Carol at RMS ${c_band:-none}, Carol hears Alice at RMS ${a_band:-none}"
case_end

case_begin "INVITE with Replaces: Bob takes the place of Dave's leg in a call with Alice"
mark_log
phone_mark a
ua replaces "$PORT" 1003 dave-pw 1000 1001 bob-pw
ua_done
expect_log "replaces SIP/1003-"
expect_log "with Replaces names no call in progress here"
expect_phone_closed a
no_leftovers
case_end

case_begin "call pickup: Alice calls Dave, whose phone rings; Bob's phone picks up with INVITE + Replaces"
mark_log
phone_mark a
ua pickup "$PORT" 1003 dave-pw 1001 bob-pw
pbx_until 10 "sip show registrations" "4 registrations" || fail "the scripted phone did not register"
expect_cmd a dial 1003
ua_done
expect_log "picks up the call ringing at SIP/1003-"
expect_phone a "Call established: sip:1003@127.0.0.1:$PORT"
expect_phone_closed a
expect_log "dial 1003 from 1000: answered"
no_leftovers
case_end

case_begin "bad REFERs: outside a dialog (481), a Replaces naming no dialog (NOTIFY 481), an unknown extension (NOTIFY 404), no Refer-To (400); the call survives"
mark_log
ua refer-bad "$PORT" 1003 dave-pw 1000
ua_done
expect_log "REFER to the other party of a dialog we do not have"
no_leftovers
case_end

case_begin "the phones quit"
for p in a b c; do
	expect_cmd "$p" quit
	wait_exit "${PHONE_PID[$p]}" 10 || fail "phone $p still runs 10 s after quit"
done
case_end

finish
