#!/usr/bin/env bash
# test_hold.sh: hold and music on hold, with real phones. baresip 1000 (Alice)
# calls baresip 1001 (Bob) through the PBX; Alice holds (baresip's `hold`: a
# re-INVITE with a=sendonly): Bob's recording holds the music of
# sounds/moh/default (the melody's notes, not Alice's tone); Alice resumes and
# each hears the other's tone again; a second hold goes on with the music where
# the first stopped. The on_hold hook sees each hold and may answer false (no
# music: Bob hears nothing from the PBX) or another class (a class with no folder
# is said once in the log, and the call goes on). Alice holds while she listens
# to a playback (no other party): the playback waits and ends later.
# call:dial{music=...} plays the music to the caller while a phone rings, and
# stops it when the phone answers. SIPp phones
# check the SDP answers (sendonly, inactive, c=0.0.0.0, a codec change with a
# hold, garbage SDP 488 with a Warning), a hold before the call is answered, and
# re-INVITE glare (491 both ways, then our retry). The PBX runs from the source
# tree with the default settings.rtp.sounds_dir ("sounds"), as `make run` does.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/lib_sipp.sh"
. "$(dirname "$0")/baresip.sh"

need_tools sox sipp

PORT=$(free_ports 1)
RTP_LO=$(rtp_range 40)
RTP_HI=$((RTP_LO + 39))
# A 6 s tone for the playback a caller holds in the middle of.
sox -n -r 8000 -c 1 -b 16 "$TMP/tone500.wav" synth 6 sine 500 vol 0.5
CFG=$TMP/hold.lua
cat >"$CFG" <<EOF
settings {
  modules = { "chan_sip" },
  log = { level = "info" },
  sip = { listen = { "udp:127.0.0.1:$PORT" }, qualify = 0, t1 = 200 },
  rtp = { address = "127.0.0.1", rtp_start = $RTP_LO, rtp_end = $RTP_HI },
}
users {
  ["1000"] = { name = "Alice", password = "alice-pw", context = "office" },
  ["1001"] = { name = "Bob", password = "bob-pw", context = "office" },
  ["1002"] = { name = "Carol", password = "carol-pw", context = "office" },
  ["1003"] = { name = "Dave", password = "dave-pw", context = "office", media = "direct" },
}
-- 10XX: a plain call; 11XX: the hook says false (no music); 12XX: the hook picks
-- the class "alt" (no such folder); 13XX: direct media; 8XXX: music while the
-- dial searches; 7000: a playback, alone.
local function hooked(mode)
  return function(call)
    call.on_hold = function(c, info)
      log.notice("on_hold: held=%s by=%s channel=%s music=%s", tostring(info.held), info.by,
                 info.channel, info.music)
      if mode == "none" then return false end
      if mode == "alt" then return "alt" end
    end
    local target = "10" .. call.to:sub(3)
    local r = call:dial(target, { timeout = 10, direct_media = mode == "direct" or nil,
                                  music = mode == "music" and "default" or nil })
    log.notice("dial %s from %s: %s, ended by %s", target, call.from, r.status, tostring(r.ended_by))
    if r.status ~= "answered" then call:hangup(r.cause) end
  end
end
extensions = {
  office = {
    ["_10XX"] = hooked("default"),
    ["_11XX"] = hooked("none"),
    ["_12XX"] = hooked("alt"),
    ["_13XX"] = hooked("direct"),
    ["_80XX"] = hooked("music"),
    ["7000"] = function(call)
      call:answer()
      local r = call:playback("$TMP/tone500.wav")
      log.notice("playback: %s %.1f", r.status, r.seconds)
      call:hangup()
    end,
  },
}
EOF
# The default sounds_dir, "sounds", is relative: the PBX runs where make run does.
cd "$ROOT" || exit 1
start_or_bail "$CFG"

A_TONE=1000
B_TONE=440
NOTES="523 587 659 784 440 392"

# raw_from WAV SAMPLE SECONDS: that stretch of a phone's recording (8 kHz 16-bit
# mono, still being written: its header's length is not final) as a WAV.
raw_from() {
	local out=$TMP/seg-$RANDOM.wav
	tail -c +"$((44 + 2 * $2 + 1))" "$1" | head -c "$((16000 * $3))" |
		sox -t raw -r 8000 -e signed -b 16 -c 1 - "$out"
	echo "$out"
}
# samples WAV: how many samples the recording holds by now.
samples() { echo $((($(stat -c %s "$1") - 44) / 2)); }
band() { # WAV HZ: RMS within 20 Hz of HZ
	sox "$1" -n sinc "$(($2 - 20))-$(($2 + 20))" stat 2>&1 | awk '/^RMS +amplitude:/ { print $3 }'
}
# expect_music WAV: the melody's notes are there (three at least, clearly), and
# not the holding phone's tone.
expect_music() {
	local n=0 f r got="" tone
	for f in $NOTES; do
		r=$(band "$1" "$f")
		got="$got $f:$r"
		awk -v r="${r:-0}" 'BEGIN { exit !(r > 0.01) }' && n=$((n + 1))
	done
	tone=$(band "$1" "$A_TONE")
	[ "$n" -ge 3 ] || fail "the held phone heard no music: band RMS$got"
	awk -v r="${tone:-0}" 'BEGIN { exit !(r < 0.01) }' ||
		fail "the held phone still heard the holding phone's $A_TONE Hz tone (RMS $tone)"
}
# expect_quiet WAV: neither music nor the other phone's tone.
expect_quiet() {
	local rms
	rms=$(sox "$1" -n stat 2>&1 | awk '/^RMS +amplitude:/ { print $3 }')
	awk -v r="${rms:-1}" 'BEGIN { exit !(r < 0.01) }' || fail "the held phone heard something (RMS $rms)"
}
# expect_band WAV HZ: a tone of HZ is clearly there.
expect_band() {
	local r
	r=$(band "$1" "$2")
	awk -v r="${r:-0}" 'BEGIN { exit !(r > 0.05) }' || fail "no $2 Hz tone in what the phone heard (RMS $r)"
}
no_leftovers() {
	pbx_until 5 "sip show dialogs" "0 dialogs" || fail "dialogs are left: $OUT"
	pbx_until 5 "core show channels" "0 active channels" || fail "channels are left: $OUT"
	pbx_until 5 "rtp show sessions" "0 sessions;" || fail "RTP sessions are left: $OUT"
}

A_PORT=$(free_ports 3)
B_PORT=$(free_ports 3)
while ! apart "$B_PORT" "$A_PORT"; do B_PORT=$(free_ports 3); done
start_baresip a 1000 alice-pw "$A_PORT" "$A_TONE"
start_baresip b 1001 bob-pw "$B_PORT" "$B_TONE"

case_begin "two baresip phones register as 1000 and 1001"
expect_phone a "1000@127.0.0.1: {0/UDP/v4} 200 OK" 10
expect_phone b "1001@127.0.0.1: {0/UDP/v4} 200 OK" 10
for p in a b; do expect_phone "$p" "baresip is ready." 10; done
pbx_until 5 "sip show registrations" "2 registrations"
case_end

# place EXT: Alice dials EXT, which reaches Bob; both record what they hear.
declare -A HEARD
place() {
	mark_log
	phone_mark a b
	expect_cmd a dial "$1"
	expect_phone b "Call established" 10
	expect_phone a "Call established" 10
	HEARD[a]=$(dec_wav a)
	HEARD[b]=$(dec_wav b)
	poll_until 10 wav_holds "${HEARD[b]}" 1 || fail "Bob recorded nothing"
}
# segment SECONDS: after half a second to settle, the next SECONDS of Bob's
# recording (and Alice's) are cut out as SEG_B (SEG_A).
SEG_A= SEG_B=
segment() {
	local from_b from_a
	sleep 0.5 # the switch to settle in the jitter buffers
	from_b=$(samples "${HEARD[b]}")
	from_a=$(samples "${HEARD[a]}")
	sleep "$1"
	SEG_B=$(raw_from "${HEARD[b]}" "$from_b" "$1")
	SEG_A=$(raw_from "${HEARD[a]}" "$from_a" "$1")
	return 0
}
hang_up_a() {
	mark_log
	phone_mark a b
	expect_cmd a hangup
	expect_phone_closed b
	no_leftovers
}

case_begin "Alice calls Bob; each hears the other's tone"
place 1001
segment 2
expect_band "$SEG_B" "$A_TONE"
expect_band "$SEG_A" "$B_TONE"
case_end

case_begin "Alice holds (a=sendonly): the PBX answers recvonly, the hook sees it, Bob hears the music, not Alice"
mark_log
expect_cmd a hold
expect_log "on_hold: held=true by=caller channel=SIP/1000-"
expect_log "put on hold SIP/1001-"
expect_log "music on hold 'default' from file 1, 0.0 s"
segment 4
expect_music "$SEG_B"
case_end

# (Alice's own recording ends at her first hold: baresip 1.0 restarts its player
# then and its sndfile filter records no more, so only Bob's ear is checked.)
case_begin "Alice resumes (a=sendrecv): the music stops, the hook sees it, Bob hears Alice again"
mark_log
expect_cmd a resume
expect_log "on_hold: held=false by=caller"
expect_log "took off hold SIP/1001-"
expect_log "music on hold 'default' stopped at file 1, "
FIRST_STOP=$(tail -n +"$((LOG_MARK + 1))" "$PBX_LOG" | sed -n "s/.*music on hold 'default' stopped at file 1, \([0-9.]*\) s.*/\1/p" | head -n 1)
segment 2
expect_band "$SEG_B" "$A_TONE"
case_end

case_begin "a second hold goes on with the music where the first stopped"
mark_log
expect_cmd a hold
expect_log "music on hold 'default' from file 1, "
again=$(tail -n +"$((LOG_MARK + 1))" "$PBX_LOG" | sed -n "s/.*music on hold 'default' from file 1, \([0-9.]*\) s.*/\1/p" | head -n 1)
[ -n "$FIRST_STOP" ] && [ "$again" = "$FIRST_STOP" ] && awk -v s="$again" 'BEGIN { exit !(s >= 3) }' ||
	fail "the music started at ${again:-?} s, the first hold stopped it at ${FIRST_STOP:-?} s"
segment 2
expect_music "$SEG_B"
expect_cmd a resume
expect_log "took off hold SIP/1001-"
case_end

case_begin "Alice hangs up: nothing is left on the PBX"
hang_up_a
case_end

case_begin "on_hold returns false: no music, Bob hears nothing while held"
place 1101
mark_log
expect_cmd a hold
expect_log "on_hold: held=true by=caller"
expect_log "no music on hold (on_hold said false)"
segment 2
expect_quiet "$SEG_B"
log_has "music on hold 'default' from" && fail "music played although the hook said false"
mark_log
expect_cmd a resume
expect_log "took off hold SIP/1001-"
segment 2
expect_band "$SEG_B" "$A_TONE"
hang_up_a
case_end

case_begin "on_hold picks the class 'alt', which has no folder: said once in the log, the call goes on"
place 1201
mark_log
expect_cmd a hold
expect_log "music on hold 'alt' from file 1"
expect_log "no music on hold for class 'alt': music on hold: cannot read sounds/moh/alt"
expect_cmd a resume
expect_log "took off hold SIP/1001-"
expect_cmd a hold
expect_log "music on hold 'alt' from file 1"
sleep 1
n=$(tail -n +"$((LOG_MARK + 1))" "$PBX_LOG" | grep -c "no music on hold for class 'alt'")
[ "$n" = 1 ] || fail "the missing class was logged $n times, not once"
expect_cmd a resume
segment 2
expect_band "$SEG_B" "$A_TONE"
hang_up_a
case_end

case_begin "Alice holds while a playback plays to her alone: it waits, then plays on to its end"
mark_log
phone_mark a
expect_cmd a dial 7000
expect_phone a "Call established" 10
t0=$(now_ms)
sleep 1.5
expect_cmd a hold
expect_log "put on hold the call; nobody else in it"
sleep 3
expect_cmd a resume
expect_log "took back the call; nobody else in it"
expect_log "playback: done 6." 10
t1=$(now_ms)
[ $((t1 - t0)) -ge 8500 ] || fail "the 6 s playback ended $((t1 - t0)) ms after it began, though held for 3 s"
expect_phone_closed a
no_leftovers
case_end

# --- SIPp phones: the SDP answers, a hold too early, glare ---

CALLEE_PORT=$(free_port)
CALLER_PORT=$(free_port)
MP=$(free_ports 8 30000 8000) # SIPp takes audio at a port and the one above, video 2 up

# sdp_answers FILE: one line per final response the SIPp phone received (a
# retransmission once): "CSEQ METHOD STATUS DIRECTION CODEC", DIRECTION as its
# SDP says (none: sendrecv), CODEC its first format's name ("-" without SDP),
# then "warning" when it carries a Warning.
sdp_answers() {
	python3 - "$1" <<'PY'
import re, sys
text = open(sys.argv[1], errors='replace').read().replace('\r', '')
seen = set()
for block in re.split(r'^-{20,} .*\n', text, flags=re.M):
    head, _, msg = block.partition('\n\n')
    msg = msg.lstrip('\n')
    if 'received' not in head or not msg.startswith('SIP/2.0 '):
        continue
    status = msg.split()[1]
    cseq = re.search(r'^CSeq: *(\d+) +(\w+)', msg, re.M)
    if not cseq or status < '200' or status == '401' or (cseq.groups(), status) in seen:
        continue
    seen.add((cseq.groups(), status))
    d = re.search(r'^a=(sendrecv|sendonly|recvonly|inactive)$', msg, re.M)
    m = re.search(r'^m=audio \d+ \S+ (\d+)', msg, re.M)
    codec = '-'
    if m:
        r = re.search(r'^a=rtpmap:%s ([^/]+)' % m.group(1), msg, re.M)
        codec = r.group(1) if r else m.group(1)
    line = f'{cseq.group(1)} {cseq.group(2)} {status} {(d.group(1) if d else "sendrecv") if m else "-"} {codec}'
    print(line + (' warning' if re.search(r'^Warning: 305 ', msg, re.M) else ''))
PY
}
callee() { # XML: 1002 registers at CALLEE_PORT, then runs XML in the background
	sipp_run reg 127.0.0.1:"$PORT" -sf "$(scenario register.xml 1002 carol-pw)" -p "$CALLEE_PORT"
	expect_rc 0
	rm -f "$TMP/callee.msg"
	start_phone callee "$CALLEE_PORT" -sf "$1" -mi 127.0.0.1 -mp "$MP" \
		-trace_msg -message_file "$TMP/callee.msg"
	CALLEE_PID=$PHONE_PID
}

caller() { # NAME XML: 1000 runs XML against 1002 (the callee) to the end
	rm -f "$TMP/$1.msg"
	sipp_run "$1" 127.0.0.1:"$PORT" -sf "$(scenario "$2" 1000 alice-pw)" -s 1002 -p "$CALLER_PORT" \
		-mi 127.0.0.1 -mp $((MP + 4)) -trace_msg -message_file "$TMP/$1.msg"
	expect_rc 0
	phone_done "$CALLEE_PID" "$TMP/callee.out" "the callee SIPp"
}

case_begin "a SIPp phone holds every way: recvonly to sendonly and c=0.0.0.0, inactive to inactive, PCMA kept while held, 488 with a Warning for garbage, the call goes on"
mark_log
sed "s/ANSWER_PT/0/g; s/ANSWER_NAME/PCMU/g" "$SIPP_DIR/media_uas.xml" >"$TMP/uas-pcmu.xml"
callee "$TMP/uas-pcmu.xml"
caller uac hold_uac.xml
got=$(sdp_answers "$TMP/uac.msg")
want="2 INVITE 200 sendrecv PCMU
3 INVITE 200 recvonly PCMU
4 INVITE 200 sendrecv PCMU
5 INVITE 200 inactive PCMU
6 INVITE 200 recvonly PCMU
7 UPDATE 200 recvonly PCMA
8 INVITE 488 - - warning
9 INVITE 200 sendrecv PCMA
10 BYE 200 - -"
if [ "$got" != "$want" ]; then
	fail "the answers differ from RFC 3264's (CSeq, status, direction, codec)"
	context "$(diff <(echo "$want") <(echo "$got") | sed 's/^</expected/; s/^>/got     /')"
fi
held=$(tail -n +"$((LOG_MARK + 1))" "$PBX_LOG" | grep -c "SIP/1000-[0-9]* put on hold SIP/1002-")
back=$(tail -n +"$((LOG_MARK + 1))" "$PBX_LOG" | grep -c "SIP/1000-[0-9]* took off hold SIP/1002-")
[ "$held/$back" = "2/2" ] || fail "$held holds and $back resumes in the log, not 2 and 2 (a hold that stays one is no new hold)"
expect_log "session changed by the phone: PCMA/8000, on hold"
expect_log "SDP refused: "
no_leftovers
case_end

case_begin "an UPDATE that holds before the call is answered gets 500 with Retry-After; the call goes on"
mark_log
callee "$SIPP_DIR/hold_uas_slow.xml"
caller early hold_uac_early.xml
grep -q "^Retry-After: " "$TMP/early.msg" || fail "the 500 has no Retry-After"
expect_log "UPDATE with an offer before the call is answered: 500 (the call goes on ringing)"
no_leftovers
case_end

case_begin "glare: the phone's hold crosses the PBX's re-INVITE: 491 each way, the PBX tries again, then the hold is taken"
mark_log
phone_mark a
callee "$SIPP_DIR/hold_uas_glare.xml"
expect_cmd a dial 1302
phone_done "$CALLEE_PID" "$TMP/callee.out" "the callee SIPp"
expect_log "re-INVITE crossed the phone's own (491); again in"
expect_log "SIP/1002-"
grep -q "SIP/2.0 491" "$TMP/callee.msg" || fail "the phone got no 491"
expect_log "put on hold SIP/1000-"
expect_log "took off hold SIP/1000-"
expect_phone_closed a
no_leftovers
case_end

case_begin "call:dial{music=\"default\"}: Alice hears the music while 1002 rings, then the callee once it answers"
mark_log
phone_mark a
callee "$SIPP_DIR/hold_uas_slow.xml"
expect_cmd a dial 8002
expect_phone a "Call established" 10
expect_log "SIP/1000-"
expect_log "music on hold 'default' from file 1"
HEARD[a]=$(dec_wav a)
sleep 0.5
from=$(samples "${HEARD[a]}")
sleep 2
expect_music "$(raw_from "${HEARD[a]}" "$from" 2)"
expect_log "music on hold 'default' stopped at file 1" 5
expect_log "SIP/1002-"
expect_log "answered" 5
mark_log
phone_mark a
expect_cmd a hangup
phone_done "$CALLEE_PID" "$TMP/callee.out" "the callee SIPp"
expect_log "dial 1002 from 1000: answered, ended by caller"
no_leftovers
case_end

case_begin "the phones quit cleanly"
for p in a b; do
	expect_cmd "$p" quit
	wait_exit "${PHONE_PID[$p]}" 10 || fail "phone $p still runs 10 s after quit"
done
case_end

finish
