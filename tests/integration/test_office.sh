#!/usr/bin/env bash
# test_office.sh: the sample office dialplan (dialplan/strowger.lua and its
# library, dialplan/lib) with real softphones (baresip): find-me for the
# reception (100) reaching its second step when the desk phone does not answer in
# time; the mobile of that step hearing "press 1 to accept" (its recording holds
# the prompt), pressing 1 by RFC 4733 and being connected to the caller (each
# hears the other's tone); a mobile that answers but never presses 1 hung up, the
# caller ending in the reception's voicemail (app_voicemail; so does a call to 101 on
# do-not-disturb); the main number from the trunk
# choosing a menu option by DTMF (a wrong key first) and reaching the sales ring
# group; after hours, "our office is closed"; do-not-disturb by *78/*79. The
# sample file runs as make run starts it, and a copy with this test's ports, short
# find-me steps and chosen office hours runs the calls.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/baresip.sh"

need_tools sox

case_begin "the sample dialplan is valid as make run loads it"
run_strowger -n -c "$ROOT/dialplan/strowger.lua" -M "$MODS" -D "$TMP/data-n"
expect_rc 0
expect_out "configuration OK: $ROOT/dialplan/strowger.lua (11 users, 3 contexts, 3 modules)"
case_end

# The real binary on the untouched sample, when its port is free (make run's).
case_begin "strowger starts on the untouched sample and knows the office's users"
if port_used 5060; then
	echo "# port 5060 is in use here: the sample was only checked with -n"
else
	if start_pbx "$ROOT/dialplan/strowger.lua" -D "$TMP/sample-var"; then
		pbx "core show users"
		expect_out_re "^100 +Reception +office" "^109 +Ivan +office" "^trunk +Provider +from-trunk"
		expect_out "11 users"
		pbx "dialplan show"
		kill -INT "$PBX_PID"
		wait_exit "$PBX_PID" 10 && [ "$EXIT_RC" = 0 ] || fail "it did not stop cleanly ($EXIT_RC)"
	else
		fail "it did not start"
	fi
fi
case_end

PORT=$(free_ports 1)
RTP_LO=$(rtp_range 40)
RTP_HI=$((RTP_LO + 39))
ports=()
pick() { # a phone's three ports, apart from the other phones'
	local p
	p=$(free_ports 3)
	while ! apart "$p" "${ports[@]+"${ports[@]}"}" || [ "$p" -le "$PORT" -a $((PORT - p)) -lt 3 ]; do
		p=$(free_ports 3)
	done
	ports+=("$p")
	echo "$p"
}
CALLER_PORT=$(pick)
DESK_PORT=$(pick)
MOBILE_PORT=$(pick)
SALES_PORT=$(pick)
TRUNK_PORT=$(pick)

# The test's copy: its ports, find-me steps of 3 s and 12 s (15 s and 20 s in the
# sample), the office open around the clock (set_hours changes that).
OFFICE=$TMP/office
mkdir -p "$OFFICE"
cp -R "$ROOT/dialplan/lib" "$OFFICE/lib"
sed -e "s|listen = { \"udp:127.0.0.1:5060\", \"tcp:127.0.0.1:5060\" }|listen = { \"udp:127.0.0.1:$PORT\" }, qualify = 0|" \
	-e "s|  media = { workers = 0 },|&\n  rtp = { address = \"127.0.0.1\", rtp_start = $RTP_LO, rtp_end = $RTP_HI, sounds_dir = \"$ROOT/sounds\" },|" \
	-e "s|  log = { level = \"notice\" },|  log = { level = \"info\" },|" \
	-e "s|sip:100@127.0.0.1:5099|sip:106@127.0.0.1:$MOBILE_PORT|" \
	-e 's|{ "100", timeout = 15 },|{ "100", timeout = 3 },|' \
	-e 's|confirm = true }, timeout = 20 },|confirm = true }, timeout = 12 },|' \
	-e 's|days = "mon-fri", from = "08:30", to = "18:00",|days = "", from = "00:00", to = "24:00",|' \
	"$ROOT/dialplan/strowger.lua" >"$OFFICE/strowger.lua"
for want in "udp:127.0.0.1:$PORT" "rtp_start = $RTP_LO" "sip:106@127.0.0.1:$MOBILE_PORT" 'timeout = 3 }' \
	'timeout = 12 }' 'to = "24:00"'; do
	grep -qF -- "$want" "$OFFICE/strowger.lua" || { echo "not ok - the test's copy of the sample lacks '$want'"; exit 1; }
done
start_or_bail "$OFFICE/strowger.lua"

CALLER_TONE=600
DESK_TONE=800
MOBILE_TONE=1000
SALES_TONE=1200
start_baresip caller 107 office-107 "$CALLER_PORT" "$CALLER_TONE"
start_baresip mobile 106 office-106 "$MOBILE_PORT" "$MOBILE_TONE"
start_baresip sales 101 office-101 "$SALES_PORT" "$SALES_TONE"
start_baresip trunk trunk trunk-secret "$TRUNK_PORT" 440
# The desk phone rings but nobody picks it up: baresip without auto-answer.
PHONE_ANSWER=manual start_baresip desk 100 office-100 "$DESK_PORT" "$DESK_TONE"

# heard_at NAME TRIM...: sets HZ and RMS to what phone NAME received in its call
# (sox's rough frequency and RMS, after sox's trim arguments); fails the case
# when the phone recorded nothing.
heard_at() {
	local wav
	HZ=0 RMS=0
	wav=$(dec_wav "$1")
	if [ -z "$wav" ] || [ ! -f "$wav" ]; then
		fail "phone $1 recorded nothing"
		return
	fi
	read -r HZ RMS <<<"$(sox "$wav" -n trim "${@:2}" stat 2>&1 |
		awk '/^Rough +frequency:/ { f = $3 } /^RMS +amplitude:/ { r = $3 } END { print f + 0, r + 0 }')"
}
# heard NAME HZ: the phone's recording of its call ends with a tone of about HZ.
heard() {
	heard_at "$1" -1.0
	awk -v f="$HZ" -v hz="$2" -v r="$RMS" 'BEGIN { exit !(f > hz * 0.9 && f < hz * 1.1 && r > 0.05) }' ||
		fail "phone $1 last heard $HZ Hz at RMS $RMS, not the other phone's $2 Hz"
}
# speech NAME FROM LEN [NOT_HZ]: the phone's recording holds a prompt there:
# sound, and not the tone of the phone at the other end (NOT_HZ).
speech() {
	heard_at "$1" "$2" "$3"
	awk -v r="$RMS" 'BEGIN { exit !(r > 0.02) }' || fail "phone $1 heard silence (RMS $RMS) where a prompt plays"
	[ -n "${4:-}" ] && awk -v f="$HZ" -v hz="$4" 'BEGIN { exit !(f > hz * 0.95 && f < hz * 1.05) }' &&
		fail "phone $1 heard the other phone's $4 Hz tone where a prompt plays"
	context "phone $1 heard $HZ Hz at RMS $RMS from $2 s for $3 s"
}

case_begin "the phones register"
for p in caller mobile sales trunk desk; do
	expect_phone "$p" "{0/UDP/v4} 200 OK" 10
done
case_end

case_begin "find-me: the desk does not answer in 3 s; step 2 rings desk and mobile, the mobile presses 1 and is connected"
mark_log
phone_mark caller desk mobile
expect_cmd caller dial 100
expect_log "find-me for 100: 2 step(s)"
expect_phone desk "Incoming call from" 5
expect_log "dial step 2 of 2" 8
expect_phone mobile "Call established" 5
expect_log "answered; waiting 10 s for it to press 1"
sleep 2.5 # the mobile hears the prompt meanwhile; the caller still hears ringing
if tail -n +"$((PHONE_MARK[caller] + 1))" "$TMP/caller.log" | grep -q "Call established"; then
	fail "the caller was connected before the mobile accepted"
fi
speech mobile 0.3 1.5 "$CALLER_TONE"
expect_cmd mobile sndcode 1
sleep 0.3
expect_cmd mobile sndcode ""
expect_log "accepted the call"
expect_phone caller "Call established" 5
grep -qE "SIP/uri-[0-9]+ answered$" <(tail -n +"$((LOG_MARK + 1))" "$PBX_LOG") || fail "the mobile's leg (a URI) did not win"
sleep 2
expect_cmd caller hangup
expect_phone_closed mobile
heard caller "$MOBILE_TONE"
heard mobile "$CALLER_TONE"
log_has "did not accept" && fail "a leg was counted as not accepting"
case_end

case_begin "find-me: the mobile answers but never presses 1: hung up after 10 s, the caller reaches voicemail"
mark_log
phone_mark caller desk mobile
expect_cmd caller dial 100
expect_log "dial step 2 of 2" 8
expect_phone mobile "Call established" 5
expect_log "answered; waiting 10 s for it to press 1"
expect_log "did not accept the call (no digit in time)" 12
expect_phone_closed mobile
expect_log "100 is not available (noanswer)" 5
expect_phone caller "Call established" 5
expect_log "voicemail: box 100: recording message" 15
sleep 2 # past the beep: a message shorter than 1 s is not kept
expect_cmd caller hangup
expect_log "box 100: new message" 5
speech caller 0 1.5
case_end

case_begin "the main number from the trunk: a wrong key, then 1 reaches the sales ring group"
mark_log
phone_mark trunk sales
expect_cmd trunk dial 5551000
expect_phone trunk "Call established" 5
expect_log "from 'trunk' to '5551000' in context 'from-trunk'"
sleep 1
expect_cmd trunk sndcode 9
sleep 0.3
expect_cmd trunk sndcode ""
expect_log "ivr: trunk pressed 9, not an option (try 1 of 3)" 5
sleep 2 # "that is not a valid option", then the menu again
expect_cmd trunk sndcode 1
sleep 0.3
expect_cmd trunk sndcode ""
expect_log "ivr: trunk chose 1" 5
expect_phone sales "Call established" 5
sleep 2
expect_cmd trunk hangup
expect_phone_closed sales
heard sales 440
speech trunk 0.2 2.0 "$SALES_TONE"
case_end

case_begin "after hours: 'our office is closed', then 'not available', and the call ends"
sed -i 's|days = "", from = "00:00", to = "24:00",|days = "", from = "00:00", to = "00:00",|' "$OFFICE/strowger.lua"
pbx "dialplan reload"
expect_rc 0
mark_log
phone_mark trunk
expect_cmd trunk dial 5551000
expect_phone trunk "Call established" 5
expect_log "call from trunk outside office hours" 5
expect_log "office is not available (closed)" 10
expect_phone_closed trunk
WAV=$(dec_wav trunk)
if [ -n "$WAV" ] && [ -f "$WAV" ]; then
	secs=$(soxi -D "$WAV")
	# office-closed and not-available back to back, about 6 s of speech
	awk -v s="$secs" 'BEGIN { exit !(s > 5 && s < 10) }' || fail "the trunk's call lasted $secs s"
	speech trunk 0.5 4
else
	fail "the trunk recorded nothing"
fi
log_has "ivr:" && fail "the menu played after hours"
case_end

case_begin "do-not-disturb: *78 on, calls to 101 then go to voicemail; *79 off"
mark_log
phone_mark sales caller
expect_cmd sales dial "*78"
expect_log "do-not-disturb on for 101" 5
expect_phone_closed sales
expect_cmd caller dial 101
expect_log "101 is on do-not-disturb" 5
expect_log "101 is not available (busy)" 5
expect_log "voicemail: box 101: recording message" 15
sleep 2 # past the beep: a message shorter than 1 s is not kept
expect_cmd caller hangup
expect_log "box 101: new message" 5
tail -n +"$((PHONE_MARK[sales] + 1))" "$TMP/sales.log" | grep -q "Incoming call" && fail "101's phone rang"
phone_mark sales
expect_cmd sales dial "*79"
expect_log "do-not-disturb off for 101" 5
expect_phone_closed sales
case_end

case_begin "no call, channel or RTP session is left"
pbx_until 5 "core show channels" "0 active channels" || fail "channels are left: $OUT"
pbx_until 5 "rtp show sessions" "0 sessions;" || fail "sessions are left"
case_end

case_begin "the phones quit cleanly"
for p in caller mobile sales trunk desk; do
	phone_cmd "$p" quit
done
for p in caller mobile sales trunk desk; do
	wait_exit "${PHONE_PID[$p]}" 10 || fail "phone $p still runs"
done
case_end

finish
