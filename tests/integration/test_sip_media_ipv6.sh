#!/usr/bin/env bash
# test_sip_media_ipv6.sh: a call between two SIPp phones on ::1, through a PBX
# whose SIP and RTP are on IPv6: every SDP the phones get says c=IN IP6 ::1 with a
# port of the PBX's range, the call is relayed, and it ends cleanly.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/lib_sipp.sh"

need_tools sipp
if ! ip -6 addr show dev lo 2>/dev/null | grep -q '::1/128'; then
	echo "ok - skipped: no ::1 on this machine"
	finish
fi

PORT=$(free_port)
CALLEE_PORT=$(free_port)
CALLER_PORT=$(free_port)
RTP_LO=$(free_ports 20 61000 4400)
CFG=$TMP/v6.lua
calls_config "$CFG" "listen = { \"udp:[::1]:$PORT\" }" 5 "" \
	"address = \"::1\", rtp_start = $RTP_LO, rtp_end = $((RTP_LO + 19))"
start_or_bail "$CFG"

# v6 SCENARIO USER PASS: the scenario with the phone's own SDP written for IPv6
# (SIPp's [media_ip] is the bare address, [local_ip] the bracketed one).
v6() {
	sed "s/AUTH_USER/$2/g; s/AUTH_PASS/$3/g; s/IN IP4 \[local_ip\]/IN IP6 [media_ip]/g" "$SIPP_DIR/$1" >"$TMP/v6-$1"
	echo "$TMP/v6-$1"
}

# sdp_ok FILE WHO: the SDP FILE's messages from the PBX carry is IPv6 at a PBX port.
sdp_ok() {
	local c m
	c=$(grep -a '^c=' "$1" | grep -avc 'c=IN IP6 ::1')
	m=$(grep -a '^m=audio' "$1" | awk -v lo="$RTP_LO" -v hi="$((RTP_LO + 19))" '$2 >= lo && $2 <= hi' | grep -c '')
	grep -aq '^c=IN IP6 ::1' "$1" || fail "$2 got no SDP with c=IN IP6 ::1"
	[ "$m" -ge 1 ] || fail "$2 got no m=audio line with a port of the PBX's $RTP_LO-$((RTP_LO + 19))"
	[ "$c" = 0 ] || fail "$2 saw a c= line that is not IN IP6 ::1"
}

case_begin "the callee registers over IPv6"
sipp_run reg "[::1]:$PORT" -i ::1 -sf "$(v6 register.xml 1001 bob-pw)" -p "$CALLEE_PORT"
expect_rc 0
pbx "sip show registrations"
expect_out_re "^1001 +sip:1001@\[::1\]:$CALLEE_PORT "
case_end

case_begin "a call over IPv6: each phone's SDP from the PBX is c=IN IP6 ::1 at a PBX port; relayed; ended"
mark_log
start_phone callee "$CALLEE_PORT" -i ::1 -sf "$(v6 uas_answer.xml x x)" -trace_msg -message_file "$TMP/callee.msg"
sipp_run call "[::1]:$PORT" -i ::1 -sf "$(v6 uac_call.xml 1000 alice-pw)" -s 1001 -p "$CALLER_PORT" \
	-trace_msg -message_file "$TMP/caller.msg"
expect_rc 0
phone_done "$PHONE_PID" "$TMP/callee.out" "the callee"
# What the PBX sent each phone: the INVITE to the callee, the 200 to the caller.
awk '/^INVITE /,/^-{5}/' "$TMP/callee.msg" >"$TMP/callee.sdp"
awk '/^SIP\/2.0 200/,/^-{5}/' "$TMP/caller.msg" >"$TMP/caller.sdp"
sdp_ok "$TMP/callee.sdp" "the callee"
sdp_ok "$TMP/caller.sdp" "the caller"
expect_log "dial 1001 from 1000: answered" # the caller ended the conversation
grep -qE "SIP/1001-[0-9]+ answered" "$PBX_LOG" || fail "the log does not say the callee answered"
case_end

calls_all_gone
finish
