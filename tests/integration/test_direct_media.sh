#!/usr/bin/env bash
# test_direct_media.sh: direct media with two baresip phones whose users chose
# media = "direct". 1000 dials 1001; once both answered, the PBX re-INVITEs each
# phone with the other phone's RTP address (RFC 3261 §14), so each receives RTP
# from the other phone's port, not the PBX's range; both still hear each other's
# tone, the PBX relays next to nothing after the switch, and says "direct" on its
# console; either side can hang up. Then 1002, which speaks only PCMA, calls 1001,
# which speaks only PCMU: the relay must convert, so the call stays relayed and
# the log says why.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/baresip.sh"

need_tools sox

PORT=$(free_ports 1)
RTP_LO=$(rtp_range 40)
RTP_HI=$((RTP_LO + 39))
CFG=$TMP/direct.lua
cat >"$CFG" <<EOF2
settings {
  modules = { "chan_sip" },
  log = { level = "${BARESIP_PBX_LOG:-info}" },
  sip = { listen = { "udp:127.0.0.1:$PORT" } },
  -- Short: a direct call must outlive it (no RTP reaches the PBX then).
  rtp = { address = "127.0.0.1", rtp_start = $RTP_LO, rtp_end = $RTP_HI, inactivity_timeout = 3 },
}
users {
  ["1000"] = { name = "Alice", password = "alice-pw", context = "office", media = "direct" },
  ["1001"] = { name = "Bob", password = "bob-pw", context = "office", media = "direct" },
  ["1002"] = { name = "Carol", password = "carol-pw", context = "office", media = "direct" },
}
extensions = {
  office = {
    ["_10XX"] = function(call)
      local r = call:dial(call.to, { timeout = 10 })
      log.notice("dial %s from %s: %s", call.to, call.from, r.status)
      if r.status ~= "answered" then call:hangup(r.cause) end
    end,
  },
}
EOF2
start_or_bail "$CFG"

A_PORT=$(free_ports 3)
B_PORT=$(free_ports 3)
while ! apart "$B_PORT" "$A_PORT"; do B_PORT=$(free_ports 3); done
C_PORT=$(free_ports 3)
while ! apart "$C_PORT" "$A_PORT" "$B_PORT"; do C_PORT=$(free_ports 3); done
A_TONE=1000
B_TONE=440
C_TONE=600

start_baresip a 1000 alice-pw "$A_PORT" "$A_TONE"
PHONE_CODECS=PCMU/8000/1 start_baresip b 1001 bob-pw "$B_PORT" "$B_TONE"
PHONE_CODECS=PCMA/8000/1 start_baresip c 1002 carol-pw "$C_PORT" "$C_TONE"

# sdp_port USER: the RTP port USER's phone gave in its SDP, as the PBX's session
# for its leg shows it (the Remote column of `rtp show sessions`).
sdp_port() {
	pbx "rtp show sessions"
	sed -n "s/^[0-9]* *SIP\/$1-[0-9]* *[0-9]* *[0-9.:]* *127\.0\.0\.1:\([0-9]*\).*/\1/p" <<<"$OUT" | head -n 1
}

# last_source NAME: the port the phone's RTP last came from: baresip says so on
# the stream's first packet ("receiving from"), and when the source changes
# ("SSRC changed ... bytes from"), as when a few relayed packets came first.
last_source() {
	tail -n +"$((${PHONE_MARK[$1]} + 1))" "$TMP/$1.log" |
		sed -n 's/.*\(receiving\|bytes\) from 127\.0\.0\.1:\([0-9]*\).*/\2/p' | tail -n 1
}
_source_is() { [ "$(last_source "$1")" = "$2" ]; }

# expect_from NAME PORT: the phone now receives RTP from 127.0.0.1:PORT.
expect_from() {
	poll_until 5 _source_is "$1" "$2" ||
		fail "phone $1 receives RTP from port $(last_source "$1"), not from the other phone's port $2"
}

# rx_total: RxPkts of every session, summed (`rtp show stats`).
rx_total() {
	pbx "rtp show stats"
	awk '$2 ~ /^SIP\// { n += $5 } END { print n + 0 }' <<<"$OUT"
}

declare -A HEARD

# expect_log_re REGEX: like expect_log, for an extended regular expression.
log_re() { tail -n +"$((LOG_MARK + 1))" "$PBX_LOG" 2>/dev/null | grep -qE -- "$1"; }
expect_log_re() { poll_until 5 log_re "$1" || fail "the log has no line matching '$1'"; }

# direct_call CALLER FROM CALLEE TO: the call comes up, and goes direct.
direct_call() {
	local caller=$1 from=$2 callee=$3 to=$4 cport eport
	mark_log
	phone_mark "$caller" "$callee"
	expect_cmd "$caller" dial "$to"
	expect_phone "$caller" "Call established: sip:$to@127.0.0.1:$PORT"
	expect_phone "$callee" "Call established: sip:$from@127.0.0.1:$PORT"
	expect_log_re "SIP/$from-[0-9]+ <-> SIP/$to-[0-9]+: direct media: re-INVITE both phones"
	expect_log_re "SIP/$from-[0-9]+: media direct: the phone sends PCMU/8000 to the other phone"
	expect_log_re "SIP/$to-[0-9]+: media direct: the phone sends PCMU/8000 to the other phone"
	cport=$(sdp_port "$from")
	eport=$(sdp_port "$to")
	expect_from "$caller" "$eport"
	expect_from "$callee" "$cport"
	pbx "rtp show sessions"
	expect_out_re "^[0-9]+ +SIP/$from-[0-9]+ .* direct +PCMU/8000\$" "^[0-9]+ +SIP/$to-[0-9]+ .* direct +PCMU/8000\$"
	pbx "core show channels"
	local ch
	ch=$(grep -o "SIP/$from-[0-9]*" <<<"$OUT" | head -n 1)
	pbx "core show channel $ch"
	expect_out "direct (phone to phone)"
	HEARD[$caller]=$(dec_wav "$caller")
	HEARD[$callee]=$(dec_wav "$callee")
}

# relayed_nothing: over four seconds (longer than the inactivity timeout), the
# PBX takes (almost) no RTP, and the call is still up.
relayed_nothing() {
	local before after
	before=$(rx_total)
	sleep 4
	after=$(rx_total)
	[ $((after - before)) -le 10 ] || fail "the PBX still took $((after - before)) RTP packets in 4 s of direct media"
	pbx "core show channels"
	expect_out "2 active channels"
}

hangup_direct() {
	local who=$1 other=$2
	phone_mark "$who" "$other"
	mark_log
	expect_cmd "$who" hangup
	expect_log "hung up by the far end (normal)"
	expect_phone_closed "$other"
	expect_log "dial $4 from $3: $5"
	pbx_until 5 "sip show dialogs" "0 dialogs" || fail "dialogs are left on the PBX"
	pbx_until 5 "rtp show sessions" "0 sessions;" || fail "RTP sessions are left on the PBX"
}

case_begin "three baresip phones register (users with media = \"direct\")"
expect_phone a "1000@127.0.0.1: {0/UDP/v4} 200 OK" 10
expect_phone b "1001@127.0.0.1: {0/UDP/v4} 200 OK" 10
expect_phone c "1002@127.0.0.1: {0/UDP/v4} 200 OK" 10
for p in a b c; do expect_phone "$p" "baresip is ready." 10; done
pbx_until 5 "sip show registrations" "3 registrations"
case_end

case_begin "1000 dials 1001: both answered, each phone is re-INVITEd to the other, RTP flows phone to phone"
direct_call a 1000 b 1001
case_end

case_begin "while direct the PBX relays next to nothing, and its inactivity timeout does not end the call"
relayed_nothing
poll_until 10 wav_holds "${HEARD[a]}" 2 && poll_until 10 wav_holds "${HEARD[b]}" 2 ||
	fail "the phones recorded less than two seconds of each other's audio"
case_end

case_begin "1001, the callee, hangs up a direct call: 1000 sees it closed; both heard each other's tone"
hangup_direct b a 1000 1001 answered
expect_tone "${HEARD[b]}" "$A_TONE"
expect_tone "${HEARD[a]}" "$B_TONE"
case_end

case_begin "1001 dials 1000, direct again; 1001, the caller, hangs up"
direct_call b 1001 a 1000
relayed_nothing
hangup_direct b a 1001 1000 answered
expect_tone "${HEARD[b]}" "$A_TONE"
expect_tone "${HEARD[a]}" "$B_TONE"
case_end

case_begin "1002 (PCMA only) dials 1001 (PCMU only): the relay converts, so the call stays relayed and the log says why"
mark_log
phone_mark c b
expect_cmd c dial 1001
expect_phone c "Call established: sip:1001@127.0.0.1:$PORT"
expect_phone b "Call established: sip:1002@127.0.0.1:$PORT"
expect_log_re "SIP/1002-[0-9]+ <-> SIP/1001-[0-9]+: media stays relayed through the PBX: the legs use different codecs \\(PCMA/8000 and PCMU/8000\\): the relay converts"
expect_phone c "receiving from 127.0.0.1:"
expect_phone b "receiving from 127.0.0.1:"
expect_relayed c
expect_relayed b
HEARD[c]=$(dec_wav c)
HEARD[b]=$(dec_wav b)
poll_until 10 wav_holds "${HEARD[c]}" 1 && poll_until 10 wav_holds "${HEARD[b]}" 1 ||
	fail "the phones recorded less than a second of each other's audio"
log_has "re-INVITE" && fail "the PBX sent a re-INVITE for a call it must relay"
hangup_direct c b 1002 1001 answered
expect_tone "${HEARD[b]}" "$C_TONE"
expect_tone "${HEARD[c]}" "$B_TONE"
case_end

case_begin "the phones quit cleanly"
for p in a b c; do
	expect_cmd "$p" quit
	wait_exit "${PHONE_PID[$p]}" 10 || fail "phone $p still runs 10 s after quit"
done
case_end

finish
