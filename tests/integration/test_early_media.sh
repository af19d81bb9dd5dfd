#!/usr/bin/env bash
# test_early_media.sh: call:progress() opens early media (183 with our SDP
# answer), so the dialplan plays to a caller it has not answered: baresip calls,
# gets 183 with SDP, hears the played tone before the call is answered, then the
# 200 (with the same SDP) and a second tone. A call whose INVITE has no SDP
# (late offer, SIPp) gets a plain 183, and its playback answers first as before.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/baresip.sh"
. "$(dirname "$0")/lib_sipp.sh"

need_tools sox

PORT=$(free_ports 1)
RTP_LO=$(rtp_range 20)
RTP_HI=$((RTP_LO + 19))
sox -n -r 8000 -c 1 -b 16 "$TMP/early.wav" synth 2 sine 440 vol 0.5
sox -n -r 8000 -c 1 -b 16 "$TMP/after.wav" synth 2 sine 800 vol 0.5
CFG=$TMP/early.lua
cat >"$CFG" <<EOF
settings {
  modules = { "chan_sip" },
  log = { level = "info" },
  sip = { listen = { "udp:127.0.0.1:$PORT" } },
  rtp = { address = "127.0.0.1", rtp_start = $RTP_LO, rtp_end = $RTP_HI },
}
users {
  ["1000"] = { name = "Alice", password = "alice-pw", context = "office" },
}
extensions = {
  office = {
    ["710"] = function(call)
      call:progress()
      local r = call:playback("$TMP/early.wav")
      log.notice("early playback: %s, state %s", r.status, call.state)
      call:answer()
      r = call:playback("$TMP/after.wav")
      log.notice("after answer: %s, state %s", r.status, call.state)
    end,
    ["711"] = function(call)
      call:progress()
      call:sleep(0.2)
      call:answer()
      call:sleep(0.5) -- the ACK brings the caller's answer to our offer
      local r = call:playback("$TMP/after.wav")
      log.notice("late offer playback: %s, state %s", r.status, call.state)
    end,
  },
}
EOF
start_or_bail "$CFG"

A_PORT=$(free_ports 3)
start_baresip a 1000 alice-pw "$A_PORT" 1000

case_begin "the phone registers"
expect_phone a "baresip is ready." 10
pbx_until 5 "sip show registrations" "1 registration" || fail "the phone did not register"
case_end

case_begin "call:progress(): 183 with SDP, the caller hears the prompt before the answer, then the 200"
mark_log
phone_mark a
expect_cmd a dial 710
expect_phone a "183 Session Progress (application/sdp)"
expect_log "early playback: done, state progress" 10
expect_phone a "Call established: sip:710@127.0.0.1:$PORT"
expect_log "after answer: done, state up" 10
expect_phone_closed a
WAV=$(dec_wav a)
if [ -z "$WAV" ] || [ ! -f "$WAV" ]; then
	fail "the phone recorded nothing"
else
	early=$(band_rms "$WAV" 400 480)
	later=$(band_rms "$WAV" 760 840)
	awk -v e="${early:-0}" -v l="${later:-0}" 'BEGIN { exit !(e > 0.05 && l > 0.05) }' ||
		fail "the caller did not hear both tones (440 Hz before the answer: RMS ${early:-none}; 800 Hz after: RMS ${later:-none})"
fi
pbx_until 5 "core show channels" "0 active channels" || fail "channels are left"
case_end

case_begin "an INVITE without SDP (late offer) gets a 183 without SDP; the call goes on as before"
mark_log
sipp_run late 127.0.0.1:"$PORT" -sf "$(scenario uac_late_offer_progress.xml 1000 alice-pw)" -s 711 -p "$(free_port)"
expect_rc 0
expect_log "late offer playback: done, state up" 10
case_end

case_begin "the phone quits"
expect_cmd a quit
wait_exit "${PHONE_PID[a]}" 10 || fail "the phone still runs 10 s after quit"
case_end

finish
