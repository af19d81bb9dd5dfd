#!/usr/bin/env bash
# test_voicemail.sh: app_voicemail with real softphones (baresip). A caller leaves
# a 1 kHz message in box 1001 and hangs up: the WAV is in INBOX with the tone and
# the right length, the index and `voicemail show boxes` list it (with the
# message-waiting counts published for the phones' lamps, mwi.h, and a SIPp
# message-summary fetch through chan_sip says Voice-Message: 1/0, then 0/0). The box owner
# dials *97 (here 897), enters the PIN by RFC 4733 DTMF, hears the message (the
# tone is in what the phone received) and deletes it with 7: the box is empty and
# its counts are 0. Three wrong PINs hang up with a log line. kill -9 of the PBX
# during a recording leaves a consistent box after the restart (the partial
# recording is discarded and its index row removed: "not at all"), and a corrupt
# WAV in a box is skipped with a log line. A full box says so and records nothing.
# *98 (898) asks the box number, and its options record a greeting; the review
# menu (# then 2 re-records, 3 saves) keeps only the second take.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/lib_sipp.sh"
. "$(dirname "$0")/baresip.sh"

need_tools sox baresip sipp

PORT=$(free_ports 1)
RTP_LO=$(rtp_range 20)
CFG=$TMP/vm.lua
cat >"$CFG" <<EOF
settings {
  modules = { "chan_sip", "app_voicemail" },
  log = { level = "info" },
  sip = { listen = { "udp:127.0.0.1:$PORT" } },
  rtp = { address = "127.0.0.1", rtp_start = $RTP_LO, rtp_end = $((RTP_LO + 19)), sounds_dir = "$ROOT/sounds" },
  voicemail = { max_messages = 2, max_seconds = 20, silence = 10, boxes = { ["1001"] = { pin = "4242" } } },
}
users {
  ["1000"] = { name = "Alice", password = "alice-pw", context = "office" },
  ["1001"] = { name = "Bob", password = "bob-pw", context = "office" },
}
extensions = {
  office = {
    ["800"] = function(call)
      local r = call:voicemail("1001", { greeting = "unavail" })
      log.notice("vm result: %s %s", r.status, tostring(r.seconds))
    end,
    ["897"] = function(call)
      local r = call:voicemail_main(call.from)
      log.notice("vm main: %s", r.status)
    end,
    ["898"] = function(call)
      local r = call:voicemail_main()
      log.notice("vm any: %s %s", r.status, tostring(r.box))
    end,
    ["801"] = function(call)
      local r = call:voicemail("1000", { review = true })
      log.notice("vm review result: %s %s", r.status, tostring(r.id))
    end,
  },
}
EOF
start_or_bail "$CFG"

A_PORT=$(free_ports 3)
B_PORT=$(free_ports 3)
while ! apart "$B_PORT" "$A_PORT"; do B_PORT=$(free_ports 3); done
start_baresip a 1000 alice-pw "$A_PORT" 1000
start_baresip b 1001 bob-pw "$B_PORT" 400

BOX=$PBX_DATA/voicemail/1001

# near A B TOLERANCE: |A - B| <= TOLERANCE.
near() {
	awk -v a="$1" -v b="$2" -v t="$3" 'BEGIN { d = a - b; if (d < 0) d = -d; exit !(d <= t) }'
}

# tone_seconds WAV HZ: how many seconds of WAV, in 0.5 s windows, are a steady
# tone of about HZ (speech prompts are not).
tone_seconds() {
	local len i=0 n=0 f r
	[ -f "$1" ] || { echo 0; return; }
	len=$(soxi -D "$1")
	while awk -v i="$i" -v l="$len" 'BEGIN { exit !(i + 0.5 <= l) }'; do
		read -r f r <<<"$(sox "$1" -n trim "$i" 0.5 stat 2>&1 |
			awk '/^Rough +frequency:/ { f = $3 } /^RMS +amplitude:/ { r = $3 } END { print f, r }')"
		awk -v f="${f:-0}" -v r="${r:-0}" -v hz="$2" 'BEGIN { exit !(f > hz * 0.95 && f < hz * 1.05 && r > 0.05) }' &&
			n=$((n + 1))
		i=$(awk -v i="$i" 'BEGIN { print i + 0.5 }')
	done
	awk -v n="$n" 'BEGIN { print n / 2 }'
}

# mwi_fetch NEW/OLD: user 1001 fetches its box's message-summary (SUBSCRIBE with
# Expires: 0, chan_sip): the one NOTIFY must say Voice-Message: NEW/OLD.
mwi_fetch() {
	local f
	f=$(scenario sub_answer.xml 1001 bob-pw 200)
	sed -i "s|<ereg regexp=\"active;expires=EXPIRES\"|<ereg regexp=\"Voice-Message: $1\" search_in=\"msg\" check_it=\"true\" assign_to=\"s1\"/><ereg regexp=\"terminated;reason=timeout\"|" "$f"
	sed -i "s/EXPIRES/0/g; /TAIL_BEGIN/,/TAIL_END/d" "$f"
	sipp_run "fetch-${1//\//-}" 127.0.0.1:"$PORT" -sf "$f" -s 1001 -p "$(free_port)"
	expect_rc 0
}

# send_digits NAME DIGITS: the phone sends each digit as RFC 4733 telephone-event.
send_digits() {
	local d
	while read -r -n 1 d; do
		[ -n "$d" ] || continue
		expect_cmd "$1" sndcode "$d"
		sleep 0.25
		expect_cmd "$1" sndcode ""
		sleep 0.25
	done <<<"$2"
}

case_begin "both phones register"
expect_phone a "1000@127.0.0.1: {0/UDP/v4} 200 OK" 10
expect_phone b "1001@127.0.0.1: {0/UDP/v4} 200 OK" 10
pbx "voicemail show boxes"
expect_out_re "^1001 +0 +0 +0/0$"
case_end

case_begin "a caller leaves about 3 s of 1 kHz and hangs up: the message is saved and indexed"
mark_log
phone_mark a
expect_cmd a dial 800
expect_phone a "Call established"
expect_log "voicemail: box 1001: recording message 1 from 1000" 20
sleep 3.5 # the beep (about 0.5 s), then about 3 s of the phone's tone
expect_cmd a hangup
expect_log "box 1001: new message 1 from 1000 (Alice)" 10
MSG=$BOX/INBOX/msg0001.wav
if [ ! -f "$MSG" ]; then
	fail "no $MSG"
else
	secs=$(soxi -D "$MSG")
	# About 3 s after the beep, plus what the hang-up takes to arrive.
	awk -v s="$secs" 'BEGIN { exit !(s >= 2.5 && s <= 5) }' || fail "the message lasts $secs s, not about 3"
	logged=$(grep -F "box 1001: new message 1 from" "$PBX_LOG" | sed -n 's/.*, \([0-9.]*\) s$/\1/p')
	near "${logged:-0}" "$secs" 0.1 || fail "the index says ${logged:-?} s, the file holds $secs s"
	t=$(tone_seconds "$MSG" 1000)
	near "$t" "$secs" 0.6 || fail "the message holds $t s of 1 kHz, not its whole $secs s"
fi
ls "$BOX/tmp" | grep -q . && fail "files left in tmp/: $(ls "$BOX/tmp")"
pbx "voicemail show boxes"
expect_out_re "^1001 +1 +0 +1/0$"
pbx "voicemail show messages 1001"
expect_out_re "^1 +INBOX .* 1000 \\(Alice\\)"
mwi_fetch 1/0 # the lamp a phone subscribed to the box sees
case_end

case_begin "*97: the owner enters the PIN by DTMF, hears the message, deletes it with 7"
mark_log
phone_mark b
expect_cmd b dial 897
expect_phone b "Call established"
sleep 1
send_digits b "4242#"
expect_log "voicemail: 1001 opened box 1001" 10
send_digits b 1
expect_log "voicemail: box 1001: message 1 played (done)" 20
send_digits b 7
expect_log "box 1001: message 1 deleted" 10
sleep 2 # "message deleted", "no more messages", back in the main menu
send_digits b "*"
expect_log "vm main: ok" 15
expect_phone_closed b
t=$(tone_seconds "$(dec_wav b)" 1000)
awk -v t="$t" 'BEGIN { exit !(t >= 2) }' || fail "the owner heard $t s of the 1 kHz message, not about 3"
[ -e "$MSG" ] && fail "$MSG is still there"
pbx "voicemail show boxes"
expect_out_re "^1001 +0 +0 +0/0$"
pbx "voicemail show messages 1001"
expect_out "0 new, 0 old"
mwi_fetch 0/0
case_end

case_begin "three wrong PINs: the menu says goodbye, hangs up and logs it"
mark_log
phone_mark b
expect_cmd b dial 897
expect_phone b "Call established"
sleep 1
for try in 1 2 3; do
	send_digits b "1111#"
	sleep 1.5 # "wrong password", then the prompt again
done
expect_log "voicemail: box 1001: 3 wrong PINs from 1001: hanging up" 15
expect_log "vm main: denied" 10
expect_phone_closed b
case_end

case_begin "kill -9 during a recording: after the restart the box is consistent, the partial message is gone"
mark_log
phone_mark a
expect_cmd a dial 800
expect_phone a "Call established"
expect_log "voicemail: box 1001: recording message 2 from 1000" 20
sleep 2
{ kill -KILL "$PBX_PID"; wait "$PBX_PID"; } 2>/dev/null
phone_cmd a hangup
ls "$BOX/tmp" | grep -q '\.tmp$' || fail "no partial recording was left to reconcile: $(ls "$BOX/tmp")"
# A corrupt file in the box, found at the restart.
head -c 5000 /dev/urandom >"$BOX/INBOX/msg0050.wav"
if start_pbx "$CFG"; then
	expect_log "box 1001: discarding msg0002.wav" 5
	expect_log "box 1001: index row for message 2 has no file" 5
	expect_log "box 1001: skipping INBOX/msg0050.wav: not a RIFF/WAVE file" 5
	ls "$BOX/tmp" | grep -q . && fail "files left in tmp/ after the restart: $(ls "$BOX/tmp")"
	pbx "voicemail show boxes"
	expect_out_re "^1001 +0 +0 +0/0$"
else
	fail "the PBX did not start again"
fi
case_end

# baresip quits by itself after 120 s (baresip.sh): fresh phones for the rest.
case_begin "two fresh phones register with the restarted PBX"
# The old ones may be stuck on a transaction with the killed PBX: quit, or kill.
for p in a b; do
	phone_cmd "$p" quit
	wait_exit "${PHONE_PID[$p]}" 5 || { kill -KILL "${PHONE_PID[$p]}"; wait "${PHONE_PID[$p]}"; } 2>/dev/null
done
C_PORT=$(free_ports 3)
while ! apart "$C_PORT" "$A_PORT" "$B_PORT"; do C_PORT=$(free_ports 3); done
D_PORT=$(free_ports 3)
while ! apart "$D_PORT" "$A_PORT" "$B_PORT" "$C_PORT"; do D_PORT=$(free_ports 3); done
start_baresip c 1000 alice-pw "$C_PORT" 1000
start_baresip d 1001 bob-pw "$D_PORT" 400
expect_phone c "1000@127.0.0.1: {0/UDP/v4} 200 OK" 10
expect_phone d "1001@127.0.0.1: {0/UDP/v4} 200 OK" 10
case_end

case_begin "after the restart a new message gets a fresh number and is saved"
mark_log
phone_mark c
sleep 1
expect_cmd c dial 800
expect_phone c "Call established"
expect_log "voicemail: box 1001: recording message 51 from 1000" 20
sleep 2.5
expect_cmd c hangup
expect_log "box 1001: new message 51 from 1000" 10
pbx "voicemail show boxes"
expect_out_re "^1001 +1 +0 +1/0$"
case_end

case_begin "a full box (max_messages = 2) tells the caller and logs it; nothing is recorded"
mark_log
phone_mark c
expect_cmd c dial 800
expect_phone c "Call established"
expect_log "voicemail: box 1001: recording message 52 from 1000" 20
sleep 2.5
expect_cmd c hangup
expect_log "box 1001: new message 52 from 1000" 10
mark_log
phone_mark c
expect_cmd c dial 800
expect_phone c "Call established"
expect_log "box 1001 is full (2 messages): 1000 cannot leave one" 20
expect_log "vm result: full" 10
expect_phone_closed c
log_has "recording message" && fail "a message was recorded in a full box"
pbx "voicemail show boxes"
expect_out_re "^1001 +2 +0 +2/0$"
case_end

case_begin "*98: any box by number; 9 saves a message (to Old), a played one turns old; 0, 1 records a greeting"
mark_log
phone_mark c
expect_cmd c dial 898
expect_phone c "Call established"
sleep 1
send_digits c "1001#"
sleep 0.5
send_digits c "4242#"
expect_log "voicemail: 1000 opened box 1001" 10
send_digits c 1
sleep 1.5 # "message 1", then 51 plays: 9 saves it, and 52 plays
send_digits c 9
expect_log "box 1001: message 51 moved to Old" 10
sleep 1.5
send_digits c "*" # back to the main menu: 52 was played, so it is old now too
expect_log "box 1001: message 52 moved to Old" 10
pbx "voicemail show boxes"
expect_out_re "^1001 +0 +2 +0/2$"
send_digits c 0
sleep 0.5
send_digits c 1
sleep 4 # "record your greeting after the tone", the beep, then 2 s of tone
send_digits c "#"
expect_log "voicemail: box 1001: new unavail greeting" 10
send_digits c "*"
sleep 0.5
send_digits c "*"
expect_log "vm any: ok 1001" 15
expect_phone_closed c
G=$BOX/greetings/unavail.wav
[ -f "$G" ] || fail "no $G"
t=$(tone_seconds "$G" 1000)
awk -v t="$t" 'BEGIN { exit !(t >= 1) }' || fail "the greeting holds $t s of the phone's 1 kHz"
case_end

case_begin "review: # ends the message, 2 records it again, 3 saves only the second take"
mark_log
phone_mark d
expect_cmd d dial 801
expect_phone d "Call established"
expect_log "voicemail: box 1000: recording message 1 from 1001" 20
sleep 2.5
send_digits d "#"
sleep 1
send_digits d 2
expect_log "voicemail: box 1000: recording message 2 from 1001" 20
sleep 2.5
send_digits d "#"
sleep 1
send_digits d 3
expect_log "box 1000: new message 2 from 1001 (Bob)" 10
expect_log "vm review result: saved 2" 10
expect_phone_closed d
[ -f "$PBX_DATA/voicemail/1000/INBOX/msg0002.wav" ] || fail "the second take is not in INBOX"
ls "$PBX_DATA/voicemail/1000/INBOX" "$PBX_DATA/voicemail/1000/tmp" | grep -q msg0001 && fail "the first take was kept"
pbx "voicemail show boxes"
expect_out_re "^1000 +1 +0 +1/0$"
case_end

case_begin "module unload and load, and a dialplan reload, keep every box as it was"
pbx "module unload app_voicemail"
expect_rc 0
pbx "voicemail show boxes"
[ "$RC" = 0 ] && fail "the console command survived the unload"
pbx "module load app_voicemail"
expect_rc 0
pbx "dialplan reload"
expect_rc 0
pbx "voicemail show boxes"
expect_out_re "^1000 +1 +0 +1/0$" "^1001 +0 +2 +0/2$"
pbx "voicemail show messages 1001"
expect_out_re "^51 +Old " "^52 +Old " "0 new, 2 old"
case_end

case_begin "the phones quit cleanly"
for p in c d; do
	phone_cmd "$p" quit
done
for p in c d; do
	wait_exit "${PHONE_PID[$p]}" 10 || fail "phone $p still runs"
done
case_end

finish
