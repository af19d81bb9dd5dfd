#!/usr/bin/env bash
# test_media_apps.sh: the dialplan's own media with a real softphone (baresip):
# call:playback() sends a WAV to the caller (the phone's recording of the call holds
# it: a 440 Hz tone of the file's length), call:record() writes what the caller says
# to a WAV in the data folder (the phone's 1 kHz tone, cut at max=), and
# call:read_digits() collects digits the phone sends as RFC 4733 telephone-event
# while a prompt plays; a sound file that does not exist is an error value, not a
# failure of the call. Digits sent by SIP INFO (SIPp) reach call:read_digits too.
# Prompts by language: a bare name is looked up in sounds_dir/<call.language>/
# first (the caller's users{} language by default, or what the dialplan sets),
# then en/; a missing name in a list is skipped and logged once.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/lib_sipp.sh"
. "$(dirname "$0")/baresip.sh"

need_tools sox sipp

PORT=$(free_ports 1)
RTP_LO=$(rtp_range 20)
CFG=$TMP/apps.lua
sox -n -r 16000 -c 1 -b 16 "$TMP/tone440.wav" synth 2.0 sine 440 vol 0.5
# "hello" in French is 880 Hz, in English 440 Hz; "tail" (660 Hz) exists in English only.
mkdir -p "$TMP/fr" "$TMP/en"
sox -n -r 8000 -c 1 -b 16 "$TMP/fr/hello.wav" synth 1.0 sine 880 vol 0.5
sox -n -r 8000 -c 1 -b 16 "$TMP/en/hello.wav" synth 1.0 sine 440 vol 0.5
sox -n -r 8000 -c 1 -b 16 "$TMP/en/tail.wav" synth 1.0 sine 660 vol 0.5
cat >"$CFG" <<EOF
settings {
  modules = { "chan_sip" },
  log = { level = "info" },
  sip = { listen = { "udp:127.0.0.1:$PORT" } },
  rtp = { address = "127.0.0.1", rtp_start = $RTP_LO, rtp_end = $((RTP_LO + 19)), sounds_dir = "$TMP" },
}
users {
  ["1000"] = { name = "Alice", password = "alice-pw", context = "office", language = "fr" },
}
extensions = {
  office = {
    ["700"] = function(call)
      local r = call:playback("tone440")
      log.notice("playback: %s %.1f", r.status, r.seconds)
    end,
    ["701"] = function(call)
      local r = call:record("msg1.wav", { beep = true, max = 3 })
      log.notice("record: %s %.1f %s", r.status, r.seconds, r.path)
    end,
    ["702"] = function(call)
      local r = call:read_digits{ max = 3, timeout = 8, prompt = "$TMP/tone440.wav" }
      log.notice("read_digits: %s %s %s", r.status, r.digits, r.reason)
      local m = call:playback("no-such-prompt")
      log.notice("missing: %s (%s)", m.status, m.error)
      local t = call:read_digits{ max = 2, timeout = 0.5 }
      log.notice("nothing typed: %s '%s'", t.status, t.digits)
    end,
    ["704"] = function(call)
      log.notice("language: %s", tostring(call.language))
      for pass = 1, 2 do
        local r = call:playback({ "hello", "gone-a", "tail" })
        log.notice("list %d: %s %.0f s skipped=%s", pass, r.status, r.seconds, tostring(r.skipped))
      end
      local ok, err = pcall(function() call.language = "../en" end)
      log.notice("bad language: %s %s", tostring(ok), tostring(err))
      call.language = "en"
      local r = call:playback({ "hello" })
      log.notice("english: %s %.0f s %s", r.status, r.seconds, call.language)
      local all = call:playback({ "gone-a", "gone-b" })
      log.notice("all missing: %s (%s)", all.status, tostring(all.error))
    end,
    ["703"] = function(call)
      call:answer()
      local r = call:read_digits{ max = 2, timeout = 5 }
      log.notice("INFO digits: %s %s", r.status, r.digits)
    end,
  },
}
EOF
start_or_bail "$CFG"

A_PORT=$(free_ports 3)
start_baresip a 1000 alice-pw "$A_PORT" 1000

dec_wav() {
	tail -n +"$((${PHONE_MARK[a]} + 1))" "$TMP/a.log" | sed -n 's/^sndfile: dumping decode audio to //p' | tail -n 1
}

# tone_of WAV [TRIM]: "HZ RMS" of the file, after TRIM (sox syntax) if given.
tone_of() {
	sox "$1" -n ${2:+trim $2} stat 2>&1 | awk '/^Rough +frequency:/ { f = $3 } /^RMS +amplitude:/ { r = $3 } END { print f, r }'
}

# near A B TOLERANCE: |A - B| <= TOLERANCE (decimals allowed).
near() {
	awk -v a="$1" -v b="$2" -v t="$3" 'BEGIN { d = a - b; if (d < 0) d = -d; exit !(d <= t) }'
}

case_begin "the phone registers"
expect_phone a "1000@127.0.0.1: {0/UDP/v4} 200 OK" 10
expect_phone a "baresip is ready." 10
case_end

case_begin "call:playback sends the WAV: the caller hears 2 s of 440 Hz, then the call ends"
mark_log
phone_mark a
expect_cmd a dial 700
expect_phone a "Call established"
expect_log "playback: done 2.0" 10
expect_phone_closed a
WAV=$(dec_wav)
if [ -z "$WAV" ] || [ ! -f "$WAV" ]; then
	fail "the phone recorded nothing"
else
	read -r f rms <<<"$(tone_of "$WAV")"
	near "$f" 440 44 && near "$rms" 0.3 0.25 || fail "the caller heard $f Hz at RMS $rms, not the 440 Hz file"
	secs=$(soxi -D "$WAV")
	near "$secs" 2.0 0.6 || fail "the caller's recording lasts $secs s, not about 2 s"
fi
case_end

case_begin "call:record keeps what the caller says: 3 s of its 1 kHz tone in the data folder (max=3)"
mark_log
phone_mark a
expect_cmd a dial 701
expect_phone a "Call established"
expect_log "record: max 3.0 $PBX_DATA/msg1.wav" 10
expect_phone_closed a
REC=$PBX_DATA/msg1.wav
if [ ! -f "$REC" ]; then
	fail "no $REC"
else
	[ "$(soxi -r "$REC")" = 8000 ] && [ "$(soxi -c "$REC")" = 1 ] || fail "$REC is not 8 kHz mono"
	secs=$(soxi -D "$REC")
	near "$secs" 3.0 0.05 || fail "the recording lasts $secs s, not 3"
	read -r f rms <<<"$(tone_of "$REC" "0.5")"
	near "$f" 1000 100 && near "$rms" 0.3 0.29 || fail "the recording holds $f Hz at RMS $rms, not the phone's 1 kHz"
	ls "$PBX_DATA" | grep -q '\.tmp$' && fail "a temporary recording file is left"
fi
case_end

case_begin "call:read_digits takes RFC 4733 digits during its prompt; a missing sound is an error value"
mark_log
phone_mark a
expect_cmd a dial 702
expect_phone a "Call established"
sleep 0.5
for d in 4 2 7; do
	expect_cmd a sndcode "$d"
	sleep 0.3
	expect_cmd a sndcode ""
	sleep 0.2
done
expect_log "read_digits: ok 427 max" 10
expect_log "missing: error (" 5
log_has "no-such-prompt" || fail "the error does not name the missing file"
expect_log "nothing typed: timeout ''" 5
expect_phone_closed a
case_end

case_begin "prompts by language: the user's fr/ first, en/ next; a missing name in a list is skipped, logged once"
mark_log
phone_mark a
expect_cmd a dial 704
expect_phone a "Call established"
expect_log "language: fr" 5
expect_log "list 1: done 2 s skipped=1" 10
expect_log "list 2: done 2 s skipped=1" 10
expect_log "bad language: false" 5
log_has "is not a language name" || fail "the bad language is not refused with a reason"
expect_log "english: done 1 s en" 10
expect_log "all missing: error (none of the 2 sounds could be opened; the last: cannot open $TMP/en/gone-b.wav" 5
expect_phone_closed a
n=$(tail -n +"$((LOG_MARK + 1))" "$PBX_LOG" | grep -c 'sound "gone-a" .*(logged once')
[ "$n" = 1 ] || fail "the missing sound gone-a is logged $n times, not once"
tail -n +"$((LOG_MARK + 1))" "$PBX_LOG" | grep -q 'sound "gone-b"' || fail "gone-b is not logged"
WAV=$(dec_wav)
if [ -z "$WAV" ] || [ ! -f "$WAV" ]; then
	fail "the phone recorded nothing"
else
	# 880 (fr/hello), 660 (en/tail), again, then 440 (en/hello): 1 s each.
	for seg in "0.2 0.6:880" "1.2 0.6:660" "2.2 0.6:880" "3.2 0.6:660" "4.2 0.6:440"; do
		read -r f rms <<<"$(tone_of "$WAV" "${seg%%:*}")"
		want=${seg##*:}
		near "$f" "$want" 60 && near "$rms" 0.3 0.25 ||
			fail "at ${seg%% *} s the caller heard $f Hz at RMS $rms, not $want Hz"
	done
fi
case_end

case_begin "digits by SIP INFO (dtmf-relay and dtmf) reach call:read_digits"
mark_log
sipp_run info 127.0.0.1:"$PORT" -sf "$(scenario uac_info_dtmf.xml 1000 alice-pw)" -s 703 -p "$(free_port)"
expect_rc 0
expect_log "INFO digits: ok 59"
case_end

case_begin "no RTP session is left"
pbx_until 5 "rtp show sessions" "0 sessions;" || fail "sessions are left"
case_end

case_begin "the phone quits cleanly"
expect_cmd a quit
wait_exit "${PHONE_PID[a]}" 10 || fail "the phone still runs"
case_end

finish
