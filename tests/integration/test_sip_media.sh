#!/usr/bin/env bash
# test_sip_media.sh: media through Strowger's RTP relay, with SIPp phones. The
# caller plays Debian SIPp's G.711 A-law recording (g711a.pcap) to the PBX and the
# callee, a SIPp UAS with -rtp_echo, sends every packet back: the counters of
# `rtp show stats` show each packet relayed both ways, copied when both phones
# speak PCMA and converted when the callee speaks PCMU. Then what the PBX refuses
# (G.729 alone, SRTP, broken SDP: 488 with a Warning), a late offer (our offer in
# the 200, the answer in the ACK, or no answer and a BYE), hold and resume by
# re-INVITE and UPDATE with the o= version moving only when our SDP changes, and,
# on a second PBX with two RTP port pairs, a call refused with 503 while they are
# taken, and a silent call hung up after settings.rtp.inactivity_timeout.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/lib_sipp.sh"

need_tools sipp python3

PCAP=/usr/share/sip-tester/g711a.pcap
if [ ! -r "$PCAP" ]; then
	echo "not ok - $PCAP is there (Debian's sip-tester package)"
	exit 1
fi

# pcap_rtp FILE [N OUT]: how many RTP packets FILE holds and the milliseconds from
# the first to the last ("236 7049"); with N and OUT, also writes the first N of
# them to OUT (a shorter recording).
pcap_rtp() {
	python3 - "$@" <<'EOF'
import struct, sys
data = open(sys.argv[1], 'rb').read()
end = '<' if data[:4] == b'\xd4\xc3\xb2\xa1' else '>'
link = struct.unpack(end + 'I', data[20:24])[0]
skip = {1: 14, 113: 16, 101: 0, 0: 4}[link]  # Ethernet, Linux SLL, raw IP, loopback
keep, off, n, times = [data[:24]], 24, 0, []
limit = int(sys.argv[2]) if len(sys.argv) > 3 else None
while off + 16 <= len(data):
    sec, usec, incl = struct.unpack(end + 'III', data[off:off + 12])
    rec, pkt = data[off:off + 16 + incl], data[off + 16:off + 16 + incl]
    off += 16 + incl
    ip = pkt[skip:]
    if len(ip) < 20 or ip[0] >> 4 != 4 or ip[9] != 17:
        continue
    rtp = ip[(ip[0] & 15) * 4 + 8:]
    if len(rtp) >= 12 and rtp[0] >> 6 == 2 and (rtp[1] & 0x7f) < 72:
        n += 1
        times.append(sec * 1000 + usec // 1000)
        if limit is not None and n <= limit:
            keep.append(rec)
if limit is not None:
    open(sys.argv[3], 'wb').write(b''.join(keep))
print(n, times[-1] - times[0] if times else 0)
EOF
}

# trace FILE KIND PATTERN: the first message SIPp's -trace_msg FILE shows as KIND
# (received or sent) whose first line matches PATTERN (a Python regex), CRs removed.
trace() {
	python3 - "$@" <<'EOF'
import re, sys
path, kind, pat = sys.argv[1:4]
text = open(path, errors='replace').read().replace('\r', '')
for block in re.split(r'^-{20,} .*\n', text, flags=re.M):
    head, _, msg = block.partition('\n\n')
    if kind in head and re.match(pat, msg.lstrip('\n')):
        print(msg.strip('\n'))
        break
EOF
}

# answers FILE: one line per response the phone received (retransmissions once):
# "CSEQ METHOD STATUS DIRECTION VERSION", DIRECTION and VERSION those of its SDP
# (no direction attribute is sendrecv; the o= version counted from the first
# answer's, "+0"; "-" without SDP) and "Warning: ..." when it has one.
answers() {
	python3 - "$1" <<'EOF'
import re, sys
text = open(sys.argv[1], errors='replace').read().replace('\r', '')
seen, first = set(), None
for block in re.split(r'^-{20,} .*\n', text, flags=re.M):
    head, _, msg = block.partition('\n\n')
    msg = msg.lstrip('\n')
    if 'received' not in head or not msg.startswith('SIP/2.0 '):
        continue
    status = msg.split()[1]
    cseq = re.search(r'^CSeq: *(\d+) +(\w+)', msg, re.M)
    if not cseq or status < '200' or (cseq.groups(), status) in seen:
        continue
    seen.add((cseq.groups(), status))
    line = f'{cseq.group(1)} {cseq.group(2)} {status}'
    o = re.search(r'^o=\S+ (\d+) (\d+) ', msg, re.M)
    if o:
        sid, ver = int(o.group(1)), int(o.group(2))
        first = first or (sid, ver)
        d = re.search(r'^a=(sendrecv|sendonly|recvonly|inactive)$', msg, re.M)
        line += f' {d.group(1) if d else "sendrecv"} ' + (
            f'+{ver - first[1]}' if sid == first[0] else 'new-session-id')
    else:
        line += ' - -'
    w = re.search(r'^Warning: .*', msg, re.M)
    print(line + (' ' + w.group(0) if w else ''))
EOF
}

# leg_stat USER COLUMN: from the last `rtp show stats` (OUT), a column of the
# session of USER's leg (2 name, 5 RxPkts, 7 TxPkts, 9 Lost, 11 Dropped, 12 Converted).
leg_stat() {
	awk -v u="SIP/$1-" -v c="$2" 'index($2, u) == 1 { print $c; exit }' <<<"$OUT"
}

# in_range PORT: one of the PBX's RTP ports.
in_range() {
	[ -n "$1" ] && [ "$1" -ge "$RTP_LO" ] && [ "$1" -le "$RTP_HI" ]
}

# A phone's media ports: SIPp binds its port (-mp) and that port + 2.
media_port() {
	local p
	while :; do
		p=$(free_ports 4)
		[[ " ${USED_MP:-} " == *" $p "* ]] && continue
		USED_MP="${USED_MP:-} $p $((p + 1)) $((p + 2)) $((p + 3))"
		echo "$p"
		return
	done
}

# rtp_range N: the first of N consecutive free ports, even, for settings.rtp: above
# the kernel's ephemeral ports (32768-60999), where no program's unbound socket
# lands and, unlike 20000-44999, no other test's PBX cycles through its RTP range.
rtp_range() {
	local p
	p=$(free_ports $(($1 + 1)) 61000 4400)
	echo $(((p + 1) / 2 * 2))
}

# The ports are picked once, but another program (another test's PBX cycling
# through its RTP range) may have taken one since. fresh VAR: picks the port in
# VAR anew if something holds it now (true then); fresh_mp VAR: a media port.
fresh() {
	local -n ref=$1
	port_used "$ref" || return 1
	ref=$(free_port)
}
fresh_mp() {
	local -n ref=$1
	port_used "$ref" || port_used $((ref + 2)) || return 1
	ref=$(media_port)
}

PORT=$(free_port)
CALLEE_PORT=$(free_port)
CALLER_PORT=$(free_port)
CALLER2_PORT=$(free_port)
CALLEE_MP=$(media_port)
CALLER_MP=$(media_port)
CALLER2_MP=$(media_port)
RTP_LO=$(rtp_range 40)
RTP_HI=$((RTP_LO + 39))

CFG=$TMP/media.lua
calls_config "$CFG" "listen = { \"udp:127.0.0.1:$PORT\" }, t1 = 200" 5 "" \
	"address = \"127.0.0.1\", rtp_start = $RTP_LO, rtp_end = $RTP_HI"
start_or_bail "$CFG"

# The callee: 1001 registered at CALLEE_PORT, answering with one codec.
register_callee() {
	sipp_run reg 127.0.0.1:"$PORT" -sf "$(scenario register.xml 1001 bob-pw)" -p "$CALLEE_PORT"
	expect_rc 0
}
callee_xml() { # PT NAME
	sed "s/ANSWER_PT/$1/g; s/ANSWER_NAME/$2/g" "$SIPP_DIR/media_uas.xml" >"$TMP/uas-$2.xml"
	echo "$TMP/uas-$2.xml"
}
start_callee() { # PT NAME [SIPP ARGS...]
	local xml
	xml=$(callee_xml "$1" "$2")
	shift 2
	fresh CALLEE_PORT && register_callee
	fresh_mp CALLEE_MP
	rm -f "$TMP/callee.msg"
	start_phone callee "$CALLEE_PORT" -sf "$xml" -mi 127.0.0.1 -mp "$CALLEE_MP" \
		-trace_msg -message_file "$TMP/callee.msg" "$@"
	CALLEE_PID=$PHONE_PID
}
# hang_up: the caller in the background hangs up now. Its scenario waits for an
# INFO, which the test sends itself: SIPp finds the call by its Call-ID
# ([call_id]: "1-PID@127.0.0.1", PID SIPp's own, the child of start_phone's timeout).
hang_up() {
	local pid
	pid=$(pgrep -P "$CALLER_PID" -x sipp) || {
		fail "the caller's SIPp is not there to hang up"
		return
	}
	local msg
	msg=$(printf '%s\r\n' "INFO sip:1000@127.0.0.1:$CALLER_PORT SIP/2.0" \
		"Via: SIP/2.0/UDP 127.0.0.1:9;branch=z9hG4bK-hangup-$pid" "From: <sip:test@127.0.0.1>;tag=test" \
		"To: <sip:1000@127.0.0.1>;tag=${pid}x1" "Call-ID: 1-$pid@127.0.0.1" "CSeq: 1 INFO" "Max-Forwards: 70" \
		"Content-Length: 0")
	# One datagram (the shell would write it a line at a time).
	python3 -c 'import socket, sys; socket.socket(socket.AF_INET, socket.SOCK_DGRAM).sendto(
		(sys.argv[1].rstrip() + "\r\n\r\n").encode(), ("127.0.0.1", int(sys.argv[2])))' "$msg" "$CALLER_PORT"
}

# The caller, 1000: caller_ports (a foreground sipp_run at CALLER_PORT), or in
# the background: start_caller NAME XML [SIPP ARGS...]
caller_ports() {
	fresh CALLER_PORT
	fresh_mp CALLER_MP
}
start_caller() {
	local name=$1 xml=$2
	shift 2
	caller_ports
	rm -f "$TMP/$name.msg"
	start_phone "$name" "$CALLER_PORT" 127.0.0.1:"$PORT" -sf "$xml" -s 1001 -mi 127.0.0.1 -mp "$CALLER_MP" \
		-trace_msg -message_file "$TMP/$name.msg" "$@"
	CALLER_PID=$PHONE_PID
}

case_begin "the callee (1001) registers"
register_callee
case_end

read -r NPKTS PLAY_MS < <(pcap_rtp "$PCAP")

# relay_settled N: `rtp show stats` shows N packets from the caller relayed to the
# callee and everything the callee echoed relayed back.
relay_settled() {
	pbx "rtp show stats"
	[ "$(leg_stat 1000 5)" = "$1" ] && [ "$(leg_stat 1001 7)" = "$1" ] &&
		[ "$(leg_stat 1001 5)" = "$(leg_stat 1000 7)" ] && [ "$(leg_stat 1001 5)" -ge $(($1 * 95 / 100)) ] 2>/dev/null
}
# both_ways: packets have gone both ways through the relay (the echo is back).
both_ways() {
	pbx "rtp show stats"
	[ "$(leg_stat 1000 5)" -gt 0 ] 2>/dev/null && [ "$(leg_stat 1000 7)" -gt 0 ]
}

# check_counters N CONVERT: after a recording of N packets was played, `rtp show
# stats` (OUT) shows each relayed both ways, copied (CONVERT "no") or converted.
check_counters() {
	local n=$1 convert=$2 crx ctx erx etx
	crx=$(leg_stat 1000 5) ctx=$(leg_stat 1000 7) erx=$(leg_stat 1001 5) etx=$(leg_stat 1001 7)
	context "$OUT"
	[ "$crx" = "$n" ] || fail "the caller's leg received $crx packets, the recording has $n"
	[ "$etx" = "$crx" ] || fail "the callee's leg sent $etx packets, its caller's leg received $crx"
	[ -n "$erx" ] && [ "$erx" -ge $((n * 95 / 100)) ] || fail "the callee's leg received $erx echoed packets of $n"
	[ "$ctx" = "$erx" ] || fail "the caller's leg sent $ctx packets back, its callee's leg received $erx"
	[ "$(leg_stat 1000 9)$(leg_stat 1001 9)" = 00 ] || fail "packets were lost on loopback"
	[ "$(leg_stat 1000 11)$(leg_stat 1001 11)" = 00 ] || fail "packets were dropped"
	if [ "$convert" = no ]; then
		[ "$(leg_stat 1000 12)$(leg_stat 1001 12)" = 00 ] || fail "packets were converted between equal codecs"
	else
		# Each leg counts what it sent converted: A-law to the callee, µ-law back.
		[ "$(leg_stat 1001 12)" = "$etx" ] || fail "$(leg_stat 1001 12) of $etx packets to the callee were converted"
		[ "$(leg_stat 1000 12)" = "$ctx" ] || fail "$(leg_stat 1000 12) of $ctx packets to the caller were converted"
	fi
}

case_begin "1000 (PCMA) calls 1001 (PCMA): g711a.pcap ($NPKTS RTP packets) goes through the relay and its echo comes back, copied"
[ "$NPKTS" -gt 100 ] || fail "g711a.pcap holds $NPKTS RTP packets"
mark_log
start_callee 8 PCMA -rtp_echo
sed "s#PCAP_FILE#$PCAP#" "$(scenario media_uac_play.xml 1000 alice-pw)" >"$TMP/uac_play.xml"
start_caller play "$TMP/uac_play.xml"
# While the recording plays, packets go both ways...
poll_until 5 both_ways || fail "no RTP went both ways through the relay while the recording played"
during=$(leg_stat 1000 5)
[ -n "$during" ] && [ "$during" -lt "$NPKTS" ] || fail "the counters moved only once the recording was over ($during)"
pbx "rtp show sessions"
expect_out_re "^[0-9]+ +SIP/1000-[0-9]+ +[0-9]+ +127\.0\.0\.1:[0-9]+ +127\.0\.0\.1:$CALLER_MP \(latched\) +[0-9]+ +PCMA/8000\$" \
	"^[0-9]+ +SIP/1001-[0-9]+ +[0-9]+ +127\.0\.0\.1:[0-9]+ +127\.0\.0\.1:$CALLEE_MP \(latched\) +[0-9]+ +PCMA/8000\$" \
	"^2 sessions; 2 of 20 port pairs in use \($RTP_LO-$RTP_HI\)"
# ...and once it is over, every packet went through, each way.
poll_until $((PLAY_MS / 1000 + 4)) relay_settled "$NPKTS" || fail "the counters did not settle"
check_counters "$NPKTS" no
leg=$(leg_stat 1000 2)
pbx "core show channel $leg"
expect_out_re "RTP: +127\.0\.0\.1:[0-9]+ <-> 127\.0\.0\.1:$CALLER_MP \(latched\), PCMA/8000, relayed" \
	"Media: +received $NPKTS packets \(0 lost, jitter [0-9.]+ ms\), sent [0-9]+ \(0 converted\)"
hang_up
phone_done "$CALLER_PID" "$TMP/play.out" "the caller SIPp"
phone_done "$CALLEE_PID" "$TMP/callee.out" "the callee SIPp"
# The SDP each phone saw: PCMA at a PBX port, the callee offered PCMA first.
ans=$(trace "$TMP/play.msg" received "SIP/2.0 200 OK[^\n]*\n(.*\n)*CSeq: 2 INVITE")
grep -q "^c=IN IP4 127.0.0.1$" <<<"$ans" || fail "the caller's 200 has no c=IN IP4 127.0.0.1"
port=$(sed -n 's/^m=audio \([0-9]*\) RTP\/AVP 8$/\1/p' <<<"$ans")
in_range "$port" || fail "the caller's 200 does not answer PCMA alone at a PBX port: $(grep '^m=' <<<"$ans")"
offer=$(trace "$TMP/callee.msg" received "INVITE ")
grep -qE "^m=audio [0-9]+ RTP/AVP 8 0 101$" <<<"$offer" ||
	fail "the callee's INVITE does not offer PCMA, PCMU, telephone-event: $(grep '^m=' <<<"$offer")"
expect_log "dial 1001 from 1000: answered"
pbx "rtp show sessions"
expect_out "0 sessions; 0 of 20 port pairs in use"
case_end

case_begin "1000 (PCMA) calls 1001 (PCMU alone): the relay converts A-law to µ-law and back"
SHORT=$TMP/g711a-short.pcap
pcap_rtp "$PCAP" 60 "$SHORT" >/dev/null
read -r nshort _ < <(pcap_rtp "$SHORT")
[ "$nshort" = 60 ] || fail "could not cut g711a.pcap to 60 packets"
start_callee 0 PCMU -rtp_echo
sed "s#PCAP_FILE#$SHORT#" "$(scenario media_uac_play.xml 1000 alice-pw)" >"$TMP/uac_short.xml"
start_caller convert "$TMP/uac_short.xml"
poll_until 6 relay_settled 60 || fail "the counters did not settle"
check_counters 60 yes
pbx "rtp show sessions"
expect_out_re "^[0-9]+ +SIP/1000-[0-9]+ .* PCMA/8000\$" "^[0-9]+ +SIP/1001-[0-9]+ .* PCMU/8000\$"
hang_up
phone_done "$CALLER_PID" "$TMP/convert.out" "the caller SIPp"
phone_done "$CALLEE_PID" "$TMP/callee.out" "the callee SIPp"
ans=$(trace "$TMP/convert.msg" received "SIP/2.0 200 OK[^\n]*\n(.*\n)*CSeq: 2 INVITE")
grep -qE "^m=audio [0-9]+ RTP/AVP 8$" <<<"$ans" || fail "the caller was not answered PCMA: $(grep '^m=' <<<"$ans")"
case_end

# refused NAME BODY REASON: 1000 calls 1001 offering BODY; 488 with REASON.
refused() {
	local name=$1 body=$2 reason=$3 xml=$TMP/uac_$1.xml
	printf '%s\n' "$body" >"$TMP/$name.sdp"
	sed -e "/^SDP_BODY\$/{r $TMP/$name.sdp" -e 'd}' "$(scenario media_uac_offer.xml 1000 alice-pw 488)" >"$xml"
	mark_log
	caller_ports
	sipp_run "$name" 127.0.0.1:"$PORT" -sf "$xml" -s 1001 -p "$CALLER_PORT" -trace_msg -message_file "$TMP/$name.msg"
	expect_rc 0
	local resp
	resp=$(trace "$TMP/$name.msg" received "SIP/2.0 488 Not Acceptable Here")
	grep -qF "Warning: 305 strowger \"$reason\"" <<<"$resp" || {
		fail "no 488 with 'Warning: 305 strowger \"$reason\"'"
		context "$resp"
	}
	tail -n +"$((LOG_MARK + 1))" "$PBX_LOG" | grep -qE "SIP/1000-[0-9]+: call from 1000 refused: $reason" ||
		fail "the log does not say the call was refused for '$reason'"
	log_has "dial 1001" && fail "the refused call reached the dialplan"
}

SDP_HEAD=$'v=0\no=caller 1 1 IN IP4 127.0.0.1\ns=-\nc=IN IP4 127.0.0.1\nt=0 0'

case_begin "an offer of G.729 alone: 488 with Warning: 305 strowger \"no common codec\""
refused g729 "$SDP_HEAD"$'\nm=audio 30000 RTP/AVP 18\na=rtpmap:18 G729/8000' "no common codec"
case_end

case_begin "an SRTP offer (RTP/SAVP) over UDP: 488, SRTP needs SIP over TLS"
refused srtp "$SDP_HEAD"$'\nm=audio 30000 RTP/SAVP 0\na=crypto:1 AES_CM_128_HMAC_SHA1_80 inline:WVNfX19zZW1jdGwgKCkgewkyMjA7fQp9CnVubGVz' \
	"SRTP needs SIP over TLS: no keys in clear-text SDP"
case_end

case_begin "an SDP without its v= line: 488 with the reason"
refused nov "${SDP_HEAD#v=0$'\n'}"$'\nm=audio 30000 RTP/AVP 0' "SDP does not start with v=0"
case_end

case_begin "a body that is no SDP at all: 488 with the reason"
refused garbage "hello, this is not a session description" "malformed SDP line"
case_end

case_begin "after the refusals nothing is held, and a call goes through"
pbx "rtp show sessions"
expect_out "0 sessions; 0 of 20 port pairs in use"
pbx "core show channels"
expect_out "0 active channels"
start_callee 0 PCMU
caller_ports
sipp_run after 127.0.0.1:"$PORT" -sf "$(scenario uac_call.xml 1000 alice-pw)" -s 1001 -p "$CALLER_PORT" -mp "$CALLER_MP"
expect_rc 0
phone_done "$CALLEE_PID" "$TMP/callee.out" "the callee SIPp"
case_end

case_begin "a late offer: the 200 offers PCMU, PCMA and telephone-event at a PBX port, the ACK answers, the call is relayed"
mark_log
start_callee 0 PCMU
start_caller late "$(scenario media_uac_late.xml 1000 alice-pw)"
two_legs='^[0-9]+ +SIP/1000-[0-9]+ +[0-9]+ +127\.0\.0\.1:[0-9]+ +127\.0\.0\.1:'"$CALLER_MP"' +[0-9]+ +PCMU/8000$'
legs_relayed() {
	pbx "rtp show sessions"
	grep -qE "$two_legs" <<<"$OUT" && grep -qE '^[0-9]+ +SIP/1001-[0-9]+ .* [0-9]+ +PCMU/8000$' <<<"$OUT"
}
poll_until 5 legs_relayed || {
	fail "rtp show sessions does not show both legs relayed with PCMU (the caller's at its port $CALLER_MP)"
	_show_last
}
hang_up
phone_done "$CALLER_PID" "$TMP/late.out" "the caller SIPp"
phone_done "$CALLEE_PID" "$TMP/callee.out" "the callee SIPp"
offer=$(trace "$TMP/late.msg" received "SIP/2.0 200 OK[^\n]*\n(.*\n)*CSeq: 2 INVITE")
context "$offer"
grep -q "^c=IN IP4 127.0.0.1$" <<<"$offer" || fail "the 200's offer has no c=IN IP4 127.0.0.1"
port=$(sed -n 's/^m=audio \([0-9]*\) RTP\/AVP .*/\1/p' <<<"$offer")
in_range "$port" || fail "the 200's offer names no PBX port ($port)"
grep -qE "^m=audio [0-9]+ RTP/AVP 0 8 101$" <<<"$offer" || fail "the 200 does not offer PCMU, PCMA, telephone-event"
for a in "a=rtpmap:0 PCMU/8000" "a=rtpmap:8 PCMA/8000" "a=rtpmap:101 telephone-event/8000" "a=fmtp:101 0-16"; do
	grep -qxF "$a" <<<"$offer" || fail "the 200's offer has no $a"
done
expect_log "dial 1001 from 1000: answered"
case_end

case_begin "a late offer whose ACK has no answer: the PBX hangs up with BYE on both legs"
mark_log
start_callee 0 PCMU
start_caller noanswer "$(scenario media_uac_late_noanswer.xml 1000 alice-pw)"
phone_done "$CALLER_PID" "$TMP/noanswer.out" "the caller SIPp (waiting for BYE)"
phone_done "$CALLEE_PID" "$TMP/callee.out" "the callee SIPp (waiting for BYE)"
tail -n +"$((LOG_MARK + 1))" "$PBX_LOG" | grep -qE "SIP/1000-[0-9]+: the ACK carries no SDP answer to our offer; hanging up" ||
	fail "the log does not say why the call ended"
case_end

case_begin "hold and resume: sendonly and c=0.0.0.0 answered recvonly, sendrecv again; o= version moves only with our SDP"
mark_log
start_callee 0 PCMU
start_caller hold "$(scenario media_uac_hold.xml 1000 alice-pw)"
phone_done "$CALLER_PID" "$TMP/hold.out" "the caller SIPp"
# The callee's scenario takes no re-INVITE: the other leg is not disturbed.
phone_done "$CALLEE_PID" "$TMP/callee.out" "the callee SIPp"
got=$(answers "$TMP/hold.msg" | grep -v ' 401 ')
bad_port=$(sed -n 's/.*\(Warning: 305 strowger "[^"]*"\).*/\1/p' <<<"$got")
want="2 INVITE 200 sendrecv +0
3 INVITE 200 recvonly +1
4 INVITE 200 recvonly +1
5 INVITE 200 recvonly +1
6 INVITE 200 sendrecv +2
7 UPDATE 200 sendrecv +2
8 INVITE 488 - - $bad_port
9 BYE 200 - -"
if [ "$got" != "$want" ]; then
	fail "the answers differ from RFC 3264's (CSeq, status, direction, o= version)"
	context "$(diff <(echo "$want") <(echo "$got") | sed 's/^</expected/; s/^>/got     /')"
fi
[ -n "$bad_port" ] || fail "the 488 to the bad re-INVITE has no Warning"
n=$(tail -n +"$((LOG_MARK + 1))" "$PBX_LOG" | grep -cE "SIP/1000-[0-9]+: session changed by the phone: PCMU/8000, on hold")
[ "$n" = 3 ] || fail "the log shows $n holds, not 3"
tail -n +"$((LOG_MARK + 1))" "$PBX_LOG" | grep -qE "SIP/1000-[0-9]+: SDP refused: " ||
	fail "the log does not show the refused re-INVITE"
expect_log "dial 1001 from 1000: answered"
case_end

calls_all_gone

# --- a second PBX: two RTP port pairs, then an inactivity timeout of 2 s ---

P=$(rtp_range 4)
PORT2=$(free_port)
CFG2=$TMP/media2.lua
rtp2() { # the settings.rtp of the second PBX, with its inactivity timeout
	calls_config "$CFG2" "listen = { \"udp:127.0.0.1:$PORT2\" }, t1 = 200" 5 "" \
		"address = \"127.0.0.1\", rtp_start = $P, rtp_end = $((P + 3)), inactivity_timeout = $1"
}
rtp2 30
start_or_bail "$CFG2" -D "$TMP/var2"
PORT=$PORT2

case_begin "second PBX: the callee registers"
register_callee
case_end

case_begin "both RTP port pairs taken by a call: another call gets 503, the log says why; after the hang-up calls work"
mark_log
start_callee 0 PCMU
start_caller busy "$(scenario media_uac_late.xml 1000 alice-pw)"
pbx_until 5 "rtp show sessions" "2 of 2 port pairs in use ($P-$((P + 3)))" || fail "the call does not hold both pairs: $OUT"
fresh CALLER2_PORT
fresh_mp CALLER2_MP
sipp_run noport 127.0.0.1:"$PORT" -sf "$(scenario uac_fail.xml 1000 alice-pw 503)" -s 1001 -p "$CALLER2_PORT" \
	-mp "$CALLER2_MP" -trace_msg -message_file "$TMP/noport.msg"
expect_rc 0
trace "$TMP/noport.msg" received "SIP/2.0 503" | grep -q "^SIP/2.0 503 No RTP port free" || fail "the 503 does not say 'No RTP port free'"
expect_log "no free RTP port pair in $P-$((P + 3)) (2 held by Strowger, 0 busy in other programs)"
tail -n +"$((LOG_MARK + 1))" "$PBX_LOG" | grep -qE "SIP/1000-[0-9]+: no RTP session: no free RTP port \(see settings.rtp\)" ||
	fail "the log does not name the refused call"
hang_up
phone_done "$CALLER_PID" "$TMP/busy.out" "the caller holding the ports"
phone_done "$CALLEE_PID" "$TMP/callee.out" "the callee SIPp"
pbx "rtp show sessions"
expect_out "0 sessions; 0 of 2 port pairs in use"
start_callee 0 PCMU
caller_ports
sipp_run again 127.0.0.1:"$PORT" -sf "$(scenario uac_call.xml 1000 alice-pw)" -s 1001 -p "$CALLER_PORT" -mp "$CALLER_MP"
expect_rc 0
phone_done "$CALLEE_PID" "$TMP/callee.out" "the callee SIPp"
case_end

case_begin "settings.rtp.inactivity_timeout = 2 (a reload): a call without RTP ends after 2 s with BYE to both phones"
rtp2 2
mark_log
pbx "dialplan reload"
expect_rc 0
start_callee 0 PCMU
t0=$(now_ms)
start_caller silent "$(scenario media_uac_silent.xml 1000 alice-pw)"
phone_done "$CALLER_PID" "$TMP/silent.out" "the caller SIPp (waiting for BYE)"
elapsed=$(($(now_ms) - t0))
phone_done "$CALLEE_PID" "$TMP/callee.out" "the callee SIPp (waiting for BYE)"
[ "$elapsed" -ge 2000 ] && [ "$elapsed" -le 8000 ] || fail "the call ended after $elapsed ms, not about 2 s"
expect_log "no RTP for 2 s"
tail -n +"$((LOG_MARK + 1))" "$PBX_LOG" |
	grep -qE "SIP/10(00|01)-[0-9]+: no RTP from the phone for settings.rtp.inactivity_timeout; hanging up" ||
	fail "the log does not say the call ended for want of RTP"
case_end

calls_all_gone

finish
