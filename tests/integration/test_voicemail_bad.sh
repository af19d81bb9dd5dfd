#!/usr/bin/env bash
# test_voicemail_bad.sh: app_voicemail against bad input and bad conditions, with
# real peers. A full disk (min_free_mb above what the disk has free): the caller
# (baresip) hears "the mailbox is full" and goodbye, no beep, the log says why,
# nothing is saved, and after a reload with room the next caller leaves a message.
# The keys come as RFC 4733 telephone-event from a SIPp caller that plays a pcap
# this script writes: *98 with a box that does not exist (three tries, then
# goodbye); a PIN changed through the menu (0, 3, twice the new PIN) opens the box
# at once and after a restart, the old one no longer does; a flood of 300 digits in
# 1.2 s during the *97 menu is bounded (res_rtp keeps the last 32: the menu runs
# through them and ends when told), the message survives, and the next call works.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/lib_sipp.sh"
. "$(dirname "$0")/baresip.sh"

need_tools sox baresip sipp python3

PORT=$(free_ports 1)
RTP_LO=$(rtp_range 20)
CFG=$TMP/vm.lua
mkdir -p "$TMP/var"
# More than the disk of the data folder has free: no message can be recorded.
FREE_MB=$(df -Pm "$TMP/var" | awk 'NR == 2 { print $4 }')
TOO_MUCH=$((FREE_MB + 1000))

# write_config MIN_FREE_MB
write_config() {
	cat >"$CFG" <<EOF
settings {
  modules = { "chan_sip", "app_voicemail" },
  log = { level = "info" },
  sip = { listen = { "udp:127.0.0.1:$PORT" } },
  rtp = { address = "127.0.0.1", rtp_start = $RTP_LO, rtp_end = $((RTP_LO + 19)), sounds_dir = "$ROOT/sounds" },
  voicemail = { min_free_mb = $1, max_seconds = 20, silence = 10, boxes = { ["1001"] = { pin = "4242" } } },
}
users {
  ["1000"] = { name = "Alice", password = "alice-pw", context = "office" },
  ["1001"] = { name = "Bob", password = "bob-pw", context = "office" },
}
extensions = {
  office = {
    ["800"] = function(call)
      local r = call:voicemail("1001")
      log.notice("vm result: %s %s", r.status, tostring(r.reason))
    end,
    ["897"] = function(call)
      local r = call:voicemail_main(call.from)
      log.notice("vm main: %s", r.status)
    end,
    ["898"] = function(call)
      local r = call:voicemail_main()
      log.notice("vm any: %s %s", r.status, tostring(r.box))
    end,
  },
}
EOF
}
write_config "$TOO_MUCH"
start_or_bail "$CFG"

BOX=$PBX_DATA/voicemail/1001

# dtmf_pcap OUT START_MS:DIGITS:GAP_MS...: a pcap (Ethernet, IPv4, UDP) of RFC
# 4733 telephone-events (payload type 101), each group's digits GAP_MS apart from
# START_MS on: per digit a begin packet and, 40 ms later (or sooner when the gap
# is shorter), three end packets (§2.5.1.4). SIPp's play_pcap_audio sends them
# from its media port to the PBX's, with the pcap's timing.
dtmf_pcap() {
	python3 - "$@" <<'EOF'
import struct, sys
EVENTS = {c: i for i, c in enumerate('0123456789*#')}
out, groups = sys.argv[1], sys.argv[2:]
pkts = []  # (ms, payload)
for g in groups:
    start, digits, gap = g.split(':')
    t, gap = float(start), float(gap)
    for d in digits:
        dur = min(40.0, gap / 2)
        ts = int(t * 8) & 0xffffffff
        ev = EVENTS[d]
        pkts.append((t, True, ts, struct.pack('!BBH', ev, 10, 160)))
        for k in range(3):
            pkts.append((t + dur + k * 0.1, False, ts, struct.pack('!BBH', ev, 0x80 | 10, int(dur * 8) + 160)))
        t += gap
pkts.sort(key=lambda p: p[0])
recs = [struct.pack('<IHHiIII', 0xa1b2c3d4, 2, 4, 0, 0, 65535, 1)]
for seq, (ms, marker, ts, ev) in enumerate(pkts):
    rtp = struct.pack('!BBHII', 0x80, (0x80 if marker else 0) | 101, seq & 0xffff, ts, 0x4d17a11) + ev
    udp = struct.pack('!HHHH', 40000, 40002, 8 + len(rtp), 0) + rtp
    ip = struct.pack('!BBHHHBBH4s4s', 0x45, 0, 20 + len(udp), seq & 0xffff, 0, 64, 17, 0,
                     bytes([127, 0, 0, 1]), bytes([127, 0, 0, 1])) + udp
    frame = b'\0' * 12 + b'\x08\x00' + ip
    us = int(ms * 1000)
    recs.append(struct.pack('<IIII', us // 1000000, us % 1000000, len(frame), len(frame)) + frame)
open(out, 'wb').write(b''.join(recs))
EOF
}

# The caller: AUTH_USER calls [service] offering PCMU and telephone-event, plays
# PCAP_FILE's digits once the call is up, and waits for the PBX to hang up.
cat >"$TMP/vm_dtmf_uac.xml" <<'EOF'
<?xml version="1.0" encoding="ISO-8859-1" ?>
<scenario name="caller pressing keys">
  <send retrans="500"><![CDATA[
INVITE sip:[service]@[remote_ip]:[remote_port] SIP/2.0
Via: SIP/2.0/[transport] [local_ip]:[local_port];branch=[branch];rport
From: "Caller" <sip:AUTH_USER@[remote_ip]>;tag=[pid]p[call_number]
To: <sip:[service]@[remote_ip]>
Call-ID: [call_id]
CSeq: 1 INVITE
Contact: <sip:AUTH_USER@[local_ip]:[local_port]>
Max-Forwards: 70
Content-Length: 0

]]></send>
  <recv response="100" optional="true"/>
  <recv response="401" auth="true"/>
  <send><![CDATA[
ACK sip:[service]@[remote_ip]:[remote_port] SIP/2.0
[last_Via:]
[last_From:]
[last_To:]
[last_Call-ID:]
CSeq: 1 ACK
Max-Forwards: 70
Content-Length: 0

]]></send>
  <send retrans="500"><![CDATA[
INVITE sip:[service]@[remote_ip]:[remote_port] SIP/2.0
Via: SIP/2.0/[transport] [local_ip]:[local_port];branch=[branch];rport
From: "Caller" <sip:AUTH_USER@[remote_ip]>;tag=[pid]p[call_number]
To: <sip:[service]@[remote_ip]>
Call-ID: [call_id]
CSeq: 2 INVITE
Contact: <sip:AUTH_USER@[local_ip]:[local_port]>
[authentication username=AUTH_USER password=AUTH_PASS]
Max-Forwards: 70
Content-Type: application/sdp
Content-Length: [len]

v=0
o=caller 1 1 IN IP4 [media_ip]
s=-
c=IN IP4 [media_ip]
t=0 0
m=audio [media_port] RTP/AVP 0 101
a=rtpmap:0 PCMU/8000
a=rtpmap:101 telephone-event/8000
a=fmtp:101 0-15
]]></send>
  <recv response="100" optional="true"/>
  <recv response="180" optional="true"/>
  <recv response="200" rrs="true"/>
  <send><![CDATA[
ACK [next_url] SIP/2.0
Via: SIP/2.0/[transport] [local_ip]:[local_port];branch=[branch];rport
From: "Caller" <sip:AUTH_USER@[remote_ip]>;tag=[pid]p[call_number]
[last_To:]
Call-ID: [call_id]
CSeq: 2 ACK
Max-Forwards: 70
Content-Length: 0

]]></send>
  <nop>
    <action>
      <exec play_pcap_audio="PCAP_FILE"/>
    </action>
  </nop>
  <recv request="BYE"/>
  <send><![CDATA[
SIP/2.0 200 OK
[last_Via:]
[last_From:]
[last_To:]
[last_Call-ID:]
[last_CSeq:]
Content-Length: 0

]]></send>
</scenario>
EOF

# keys NAME USER PASS EXTEN GROUP...: USER calls EXTEN and presses the keys of
# the groups (dtmf_pcap's); the PBX must hang up within 40 s.
keys() {
	local name=$1 user=$2 pass=$3 exten=$4 xml
	shift 4
	dtmf_pcap "$TMP/$name.pcap" "$@"
	xml=$TMP/$name.xml
	sed "s/AUTH_USER/$user/g; s/AUTH_PASS/$pass/g; s|PCAP_FILE|$TMP/$name.pcap|" "$TMP/vm_dtmf_uac.xml" >"$xml"
	sipp_run "$name" 127.0.0.1:"$PORT" -sf "$xml" -s "$exten" -p "$(free_port)" -mi 127.0.0.1 \
		-mp "$(free_ports 4)" -timeout 40
	expect_rc 0
}

# wav_stats WAV HZ: "SOUND TONE": seconds of WAV that are not silence (40 ms
# windows above -40 dBFS), and of those, seconds that are a pure tone of HZ (a
# Goertzel filter at HZ holds more than 60 % of the window's energy: a beep is,
# speech that crosses zero about as often is not).
wav_stats() {
	python3 - "$1" "$2" <<'EOF'
import math, struct, sys, wave
w = wave.open(sys.argv[1])
rate, ch, width = w.getframerate(), w.getnchannels(), w.getsampwidth()
data = w.readframes(w.getnframes())
s = struct.unpack('<%dh' % (len(data) // 2), data[:len(data) // 2 * 2])[::ch] if width == 2 else ()
hz, n = float(sys.argv[2]), rate // 25
coef = 2 * math.cos(2 * math.pi * hz / rate)
loud = tone = 0
for i in range(0, len(s) - n + 1, n):
    blk = s[i:i + n]
    energy = sum(x * x for x in blk)
    if (energy / n) ** 0.5 <= 327:
        continue
    loud += 1
    q1 = q2 = 0.0
    for x in blk:
        q1, q2 = x + coef * q1 - q2, q1
    power = q1 * q1 + q2 * q2 - coef * q1 * q2
    if 2 * power / (n * energy) > 0.6:
        tone += 1
print(loud / 25, tone / 25)
EOF
}

A_PORT=$(free_ports 3)
start_baresip a 1000 alice-pw "$A_PORT" 1000

# leave N: the phone leaves message N (about 2 s of its tone) in box 1001.
leave() {
	mark_log
	phone_mark a
	expect_cmd a dial 800
	expect_phone a "Call established"
	expect_log "voicemail: box 1001: recording message $1 from 1000" 20
	sleep 2
	expect_cmd a hangup
	expect_log "box 1001: new message $1 from 1000 (Alice)" 10
}

case_begin "the phone registers; box 1001 is empty"
expect_phone a "1000@127.0.0.1: {0/UDP/v4} 200 OK" 10
pbx "voicemail show boxes"
expect_out_re "^1001 +0 +0 +0/0$"
case_end

case_begin "a full disk (min_free_mb $TOO_MUCH > $FREE_MB MB free): the caller hears the mailbox is full, no beep; logged; nothing saved"
mark_log
phone_mark a
expect_cmd a dial 800
expect_phone a "Call established"
expect_log "box 1001: less than $TOO_MUCH MB free on the disk: 1000 cannot leave a message" 10
expect_log "vm result: full disk" 10
expect_phone_closed a
log_has "recording message" && fail "a recording started on a full disk"
WAV=$(dec_wav a)
if [ -z "$WAV" ] || [ ! -f "$WAV" ]; then
	fail "the phone recorded nothing"
else
	# "The mailbox is full" (1.26 s) and "goodbye" (0.74 s): about 2 s of speech.
	read -r heard beep <<<"$(wav_stats "$WAV" 1000)"
	awk -v h="$heard" 'BEGIN { exit !(h >= 1.0 && h <= 3.0) }' || fail "the caller heard $heard s of sound, not the 2 s of the two prompts"
	[ "$beep" = 0 ] || [ "$beep" = 0.0 ] || fail "the caller heard $beep s of a 1 kHz beep"
fi
[ -z "$(find "$BOX" -type f 2>/dev/null)" ] || fail "files in the box: $(find "$BOX" -type f)"
pbx "voicemail show boxes"
expect_out_re "^1001 +0 +0 +0/0$"
case_end

case_begin "with room again (min_free_mb = 1, dialplan reload) the next caller leaves a message"
write_config 1
pbx "dialplan reload"
expect_rc 0
leave 1
[ -f "$BOX/INBOX/msg0001.wav" ] || fail "no INBOX/msg0001.wav"
# The beep the full disk left out is there now (the check above can see one).
read -r heard beep <<<"$(wav_stats "$(dec_wav a)" 1000)"
awk -v b="${beep:-0}" 'BEGIN { exit !(b > 0) }' || fail "this caller heard no beep either"
pbx "voicemail show boxes"
expect_out_re "^1001 +1 +0 +1/0$"
case_end

case_begin "*98 with a box that does not exist: three tries, each logged, then goodbye"
mark_log
keys nobox 1000 alice-pw 898 "1500:9999#:300" "3500:9998#:300" "5500:9997#:300"
expect_log "voicemail: 1000 asked for box 9999, which does not exist" 5
expect_log "voicemail: 1000 asked for box 9998, which does not exist" 5
expect_log "voicemail: 1000 asked for box 9997, which does not exist" 5
expect_log "vm any: nobox nil" 5
case_end

case_begin "the PIN changed through the menu (0, 3, new PIN twice) opens the box; the old one does not"
mark_log
keys newpin 1001 bob-pw 897 "1500:4242#035151#5151#**:300"
expect_log "voicemail: 1001 opened box 1001" 5
expect_log "box 1001: PIN changed by phone" 5
expect_log "vm main: ok" 5
mark_log
keys newpin-login 1001 bob-pw 897 "1500:5151#*:300"
expect_log "voicemail: 1001 opened box 1001" 5
expect_log "vm main: ok" 5
mark_log
keys oldpin 1001 bob-pw 897 "1500:4242#4242#4242#:700"
expect_log "voicemail: box 1001: 3 wrong PINs from 1001: hanging up" 5
expect_log "vm main: denied" 5
log_has "opened box 1001" && fail "the old PIN still opens the box"
case_end

case_begin "a flood of 300 digits in 1.2 s during the *97 menu: bounded, the call ends when told, the message stays"
mark_log
FLOOD=$(python3 -c 'print("1456" * 75)')
t0=$(now_ms)
keys flood 1001 bob-pw 897 "1500:5151#:300" "3500:$FLOOD:4" "7000:***:400"
elapsed=$(($(now_ms) - t0))
expect_log "voicemail: 1001 opened box 1001" 5
expect_log "vm main: ok" 5
# The flood reached the PBX: 1232 telephone-event packets (4 per digit).
got=$(tail -n +"$((LOG_MARK + 1))" "$PBX_LOG" | sed -n 's/.*SIP\/1001-.*received \([0-9]*\) packets.*/\1/p' | tail -n 1)
[ "${got:-0}" -ge 1200 ] || fail "the PBX received ${got:-no} packets of the 1232 the flood sent"
# The keys end at 8.2 s; a menu that worked through all 300 digits, prompt by
# prompt, would take minutes.
[ "$elapsed" -le 20000 ] || fail "the flooded call took $elapsed ms to end"
pbx "voicemail show boxes"
expect_out_re "^1001 +[01] +[01] +[01]/[01]$"
pbx "voicemail show messages 1001"
expect_out_re "^1 +(INBOX|Old) .* 1000 \\(Alice\\)"
pbx_until 5 "rtp show sessions" "0 sessions;" || fail "RTP sessions are left after the flood"
case_end

case_begin "the next call after the flood works: a caller leaves a message"
leave 2
case_end

case_begin "after a restart the PIN set by phone still opens the box (*98, box by number)"
{ kill -TERM "$PBX_PID"; wait "$PBX_PID"; } 2>/dev/null
if start_pbx "$CFG"; then
	mark_log
	keys restart-login 1000 alice-pw 898 "1500:1001#:300" "3500:5151#*:300"
	expect_log "voicemail: 1000 opened box 1001" 5
	expect_log "vm any: ok 1001" 5
	pbx "voicemail show messages 1001"
	expect_out_re "^1 +(INBOX|Old) " "^2 +INBOX "
else
	fail "the PBX did not start again"
fi
case_end

case_begin "the phone quits cleanly"
phone_cmd a quit
wait_exit "${PHONE_PID[a]}" 10 || fail "the phone still runs"
case_end

finish
