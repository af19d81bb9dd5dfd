#!/usr/bin/env bash
# test_call_bridge.sh: call:bridge(other) with real phones: Alice calls 700 and
# is parked (her call object kept in a Lua table, her call waiting); Bob calls
# 701, which takes the parked call and bridges the two: each hears the other's
# tone through the PBX. Whoever hangs up first ends the conversation: when Bob
# (the bridging call) hangs up, Alice is released too; when Alice does, Bob's
# dialplan goes on. Retrieving with nothing parked, a parked caller who left, and
# bridging a call with itself are refused with a reason.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/baresip.sh"

need_tools sox

PORT=$(free_ports 1)
RTP_LO=$(rtp_range 40)
RTP_HI=$((RTP_LO + 39))
CFG=$TMP/bridge.lua
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
}
local parked = {}
extensions = {
  office = {
    ["700"] = function(call)                      -- park
      call:answer()
      parked[#parked + 1] = call
      local r = call:sleep(60)
      log.notice("parked %s: %s", call.id, r.status)
    end,
    ["701"] = function(call)                      -- take the first parked call
      local other = table.remove(parked, 1)
      if not other then
        log.notice("nothing parked")
        return call:hangup("notfound")
      end
      local r, why = call:bridge(other)
      if not r then
        log.notice("bridge refused: %s", why)
        return call:hangup("notfound")
      end
      log.notice("bridge: %s ended_by=%s with=%s", r.status, r.ended_by, r.with)
      call:hangup("busy")
    end,
    ["702"] = function(call)
      local ok, err = pcall(call.bridge, call, call)
      log.notice("self: %s", err)
      call:hangup("rejected")
    end,
  },
}
EOF
start_or_bail "$CFG"

A_PORT=$(free_ports 3)
B_PORT=$(free_ports 3)
while ! apart "$B_PORT" "$A_PORT"; do B_PORT=$(free_ports 3); done
A_TONE=1000
B_TONE=600
start_baresip a 1000 alice-pw "$A_PORT" "$A_TONE"
start_baresip b 1001 bob-pw "$B_PORT" "$B_TONE"

# park_and_take: Alice parks on 700, Bob takes her on 701; both talk.
park_and_take() {
	mark_log
	phone_mark a b
	expect_cmd a dial 700
	expect_phone a "Call established: sip:700@127.0.0.1:$PORT"
	expect_log "in context 'office'"
	A_WAV=$(dec_wav a)
	expect_cmd b dial 701
	expect_phone b "Call established: sip:701@127.0.0.1:$PORT"
	expect_log "talks with SIP/1000-"
	expect_log ": bridged"
	B_WAV=$(dec_wav b)
	poll_until 10 wav_holds "$B_WAV" 2 || fail "Bob recorded less than two seconds"
}

case_begin "two baresip phones register"
for p in a b; do expect_phone "$p" "baresip is ready." 10; done
pbx_until 5 "sip show registrations" "2 registrations" || fail "the phones did not register"
case_end

case_begin "Alice is parked, Bob takes her: they talk; Bob hangs up and Alice is released"
park_and_take
pbx "core show bridges"
expect_out_re "^SIP/1001-[0-9]+ +SIP/1000-[0-9]+ +rtp-relay"
phone_mark a b
expect_cmd b hangup
expect_phone_closed a
expect_log "bridge: done ended_by=caller with=C-"
no_leftovers
expect_tone "$B_WAV" "$A_TONE"
last=$(awk -v e="$(soxi -D "$A_WAV")" 'BEGIN { print e - 1 }')
b_band=$(band_rms "$A_WAV" 560 640 "$last")
awk -v r="${b_band:-0}" 'BEGIN { exit !(r > 0.05) }' || fail "Alice does not hear Bob at the end (RMS ${b_band:-none})"
case_end

case_begin "again, and Alice hangs up: Bob's call:bridge returns, his dialplan goes on (486)"
park_and_take
phone_mark a b
expect_cmd a hangup
expect_log "bridge: done ended_by=other with=C-"
expect_phone_closed b
no_leftovers
case_end

case_begin "nothing parked, a parked caller who left, a call bridged with itself: refused"
mark_log
phone_mark b
expect_cmd b dial 701
expect_log "nothing parked"
phone_mark a b
expect_cmd a dial 700
expect_phone a "Call established: sip:700@127.0.0.1:$PORT"
expect_cmd a hangup
expect_log ": hangup"
expect_cmd b dial 701
expect_log "bridge refused: the other call is over"
expect_cmd b dial 702
expect_log "self: "
expect_log "a call cannot be bridged with itself"
no_leftovers
case_end

case_begin "the phones quit"
for p in a b; do
	expect_cmd "$p" quit
	wait_exit "${PHONE_PID[$p]}" 10 || fail "phone $p still runs 10 s after quit"
done
case_end

finish
