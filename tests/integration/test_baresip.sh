#!/usr/bin/env bash
# test_baresip.sh: two real softphones, baresip (Debian's baresip-core), register
# with Strowger over UDP and call each other by extension through it, as a person
# with two phones would: 1000 dials 1001, which answers by itself; each phone hears
# the other's tone through the PBX's RTP relay (each phone's SDP names a PBX port);
# the caller hangs up; then 1001 dials 1000 and the callee hangs up; then 1002,
# which speaks only PCMA, calls 1001, which speaks only PCMU, and the relay
# converts between them. Checked on the phones' logs, the recorded audio (sox) and
# the PBX's console and log.
#
# The phones are headless: no terminal, no sound card. ausine is the microphone
# (a sine tone per phone), ALSA's "null" device the speaker, and the sndfile
# filter records what each phone decodes to a WAV file. The test drives them with
# ctrl_tcp (JSON commands in netstrings on a TCP port of their own).
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/baresip.sh"

need_tools sox

PORT=$(free_ports 1)
RTP_LO=$(rtp_range 40)
RTP_HI=$((RTP_LO + 39))
CFG=$TMP/baresip.lua
cat >"$CFG" <<EOF
settings {
  modules = { "chan_sip" },
  log = { level = "${BARESIP_PBX_LOG:-info}" },
  -- Digest and qualify settings left at their defaults: what \`make run\` offers.
  sip = { listen = { "udp:127.0.0.1:$PORT" } },
  rtp = { address = "127.0.0.1", rtp_start = $RTP_LO, rtp_end = $RTP_HI },
}
users {
  ["1000"] = { name = "Alice", password = "alice-pw", context = "office" },
  ["1001"] = { name = "Bob", password = "bob-pw", context = "office" },
  ["1002"] = { name = "Carol", password = "carol-pw", context = "office" },
}
extensions = {
  office = {
    ["_10XX"] = function(call)
      -- Calls to 1000 are recorded, both sides mixed, in the data folder.
      local rec = call.to == "1000" and ("rec-" .. call.from .. ".wav") or nil
      local r = call:dial(call.to, { timeout = 10, record = rec })
      if r.recording then log.notice("recorded %s", r.recording) end
      log.notice("dial %s from %s: %s", call.to, call.from, r.status)
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
A_TONE=1000 # Hz, what 1000's microphone sends
B_TONE=440
C_TONE=600

# A call from phone CALLER (user FROM) to phone CALLEE (user TO), by extension:
# the callee answers by itself, the call is up on both phones and both PBX legs,
# and each phone receives RTP from the PBX, which relays it between two sessions.
call_case() {
	local caller=$1 from=$2 callee=$3 to=$4 cport=$5 eport=$6
	mark_log
	phone_mark "$caller" "$callee"
	expect_cmd "$caller" dial "$to"
	expect_phone "$callee" "call: answering call on line 1 from sip:$from@"
	expect_phone "$caller" "Call established: sip:$to@127.0.0.1:$PORT"
	expect_phone "$callee" "Call established: sip:$from@127.0.0.1:$PORT"
	expect_phone "$caller" "receiving from 127.0.0.1:"
	expect_phone "$callee" "receiving from 127.0.0.1:"
	expect_relayed "$caller"
	expect_relayed "$callee"
	expect_log "from '$from' to '$to' in context 'office'"
	pbx "sip show dialogs"
	expect_out_re "^SIP/$from-[0-9]+ +in +confirmed +127.0.0.1:$cport " \
		"^SIP/$to-[0-9]+ +out +confirmed +127.0.0.1:$eport "
	pbx "rtp show sessions"
	expect_out_re "^[0-9]+ +SIP/$from-[0-9]+ +[0-9]+ +127.0.0.1:[0-9]+ +127.0.0.1:[0-9]+ .*[0-9]+ +PCM" \
		"^[0-9]+ +SIP/$to-[0-9]+ +[0-9]+ +127.0.0.1:[0-9]+ +127.0.0.1:[0-9]+ .*[0-9]+ +PCM" "^2 sessions;"
}

# record_call A B: HEARD[A] and HEARD[B] name the files phones A and B record
# this call's audio in, once each holds a second of the other's.
declare -A HEARD
record_call() {
	HEARD[$1]=$(dec_wav "$1")
	HEARD[$2]=$(dec_wav "$2")
	poll_until 10 wav_holds "${HEARD[$1]}" 1 && poll_until 10 wav_holds "${HEARD[$2]}" 1 ||
		fail "the phones recorded less than a second of each other's audio"
}

# hangup_case WHO OTHER FROM TO STATUS: phone WHO hangs up; OTHER sees the call
# closed (BYE through the PBX); the dial of TO by FROM ends with STATUS.
hangup_case() {
	local who=$1 other=$2
	phone_mark "$who" "$other"
	mark_log
	expect_cmd "$who" hangup
	# baresip 1.0 prints "call: terminate call" when it sends its BYE; its later
	# "terminated (duration: ...)" line is sometimes never printed when the phone
	# was the callee (seen about once in ten runs under ASan, with the PBX having
	# answered the BYE), so the BYE is checked where it lands: the PBX's log.
	expect_phone "$who" "terminate call"
	expect_log "hung up by the far end (normal)"
	expect_phone_closed "$other"
	expect_log "dial $4 from $3: $5"
	pbx_until 5 "sip show dialogs" "0 dialogs" || fail "dialogs are left on the PBX"
	pbx "core show channels"
	expect_out "0 active channels"
	pbx_until 5 "rtp show sessions" "0 sessions;" || fail "RTP sessions are left on the PBX"
}

start_baresip a 1000 alice-pw "$A_PORT" "$A_TONE"
PHONE_CODECS=PCMU/8000/1 start_baresip b 1001 bob-pw "$B_PORT" "$B_TONE"
PHONE_CODECS=PCMA/8000/1 start_baresip c 1002 carol-pw "$C_PORT" "$C_TONE"

case_begin "three baresip phones register as 1000, 1001 and 1002 over UDP (digest auth)"
expect_phone a "1000@127.0.0.1: {0/UDP/v4} 200 OK" 10
expect_phone b "1001@127.0.0.1: {0/UDP/v4} 200 OK" 10
expect_phone c "1002@127.0.0.1: {0/UDP/v4} 200 OK" 10
for p in a b c; do expect_phone "$p" "baresip is ready." 10; done
pbx_until 5 "sip show registrations" "3 registrations"
expect_out_re "^1000 +sip:1000-[^ ]*@127.0.0.1:$A_PORT +[0-9]+ +UDP +127.0.0.1:$A_PORT .*baresip" \
	"^1001 +sip:1001-[^ ]*@127.0.0.1:$B_PORT +[0-9]+ +UDP +127.0.0.1:$B_PORT .*baresip"
case_end

case_begin "1000 dials 1001: 1001 answers by itself, the call is up on both phones and the PBX"
call_case a 1000 b 1001 "$A_PORT" "$B_PORT"
record_call a b
case_end

case_begin "1000 hangs up: 1001 sees the call closed, the PBX ends both legs"
hangup_case a b 1000 1001 answered
case_end

case_begin "each phone heard the other's tone, relayed by the PBX"
expect_tone "${HEARD[b]}" "$A_TONE"
expect_tone "${HEARD[a]}" "$B_TONE"
case_end

case_begin "1001 dials 1000: 1000 answers by itself, the call is up on both phones and the PBX"
call_case b 1001 a 1000 "$B_PORT" "$A_PORT"
record_call b a
case_end

case_begin "1000, the callee, hangs up: 1001 sees the call closed, the PBX ends both legs"
hangup_case a b 1001 1000 answered
expect_tone "${HEARD[b]}" "$A_TONE"
expect_tone "${HEARD[a]}" "$B_TONE"
case_end

case_begin "call:dial{record=...} keeps the conversation, both phones mixed, in the data folder"
expect_log "recorded $PBX_DATA/rec-1001.wav"
REC=$PBX_DATA/rec-1001.wav
if [ ! -f "$REC" ]; then
	fail "no $REC"
else
	secs=$(soxi -D "$REC")
	awk -v s="$secs" 'BEGIN { exit !(s >= 1.0) }' || fail "the recording lasts $secs s, not the call's second or more"
	hi=$(band_rms "$REC" 900 1100)
	lo=$(band_rms "$REC" 400 480)
	awk -v h="${hi:-0}" -v l="${lo:-0}" 'BEGIN { exit !(h > 0.03 && l > 0.03) }' ||
		fail "the recording does not hold both tones (RMS $hi at $A_TONE Hz, $lo at $B_TONE Hz)"
fi
case_end

case_begin "1002 (PCMA only) dials 1001 (PCMU only): the relay converts, both hear the tone"
call_case c 1002 b 1001 "$C_PORT" "$B_PORT"
record_call c b
pbx "rtp show sessions"
expect_out_re "SIP/1002-[0-9]+ .* PCMA/8000\$" "SIP/1001-[0-9]+ .* PCMU/8000\$"
pbx "rtp show stats"
expect_out_re "SIP/1002-[0-9]+ +[0-9]+ +[0-9]+ +[0-9]+ +[0-9]+ +[0-9]+ +[0-9]+ +[0-9-]+ +[0-9.]+ms +[0-9]+ +[1-9][0-9]* " \
	"SIP/1001-[0-9]+ +[0-9]+ +[0-9]+ +[0-9]+ +[0-9]+ +[0-9]+ +[0-9]+ +[0-9-]+ +[0-9.]+ms +[0-9]+ +[1-9][0-9]* "
hangup_case c b 1002 1001 answered
expect_tone "${HEARD[b]}" "$C_TONE"
expect_tone "${HEARD[c]}" "$B_TONE"
case_end

case_begin "the phones quit cleanly and unregister"
for p in a b c; do
	expect_cmd "$p" quit
	if ! wait_exit "${PHONE_PID[$p]}" 10; then
		fail "phone $p still runs 10 s after quit"
	elif [ "$EXIT_RC" != 0 ]; then
		fail "phone $p exited with status $EXIT_RC"
	fi
done
pbx_until 5 "sip show registrations" "0 registrations" || fail "registrations are left"
case_end

finish
