#!/usr/bin/env bash
# test_sip_tcp_calls.sh: calls over TCP, with SIPp phones (-t t1): a TCP phone
# calls a UDP one; a UDP phone and a TCP phone call a TCP phone that is still
# connected (the INVITE goes over the phone's own connection, the only way
# through a NAT); a TCP phone whose connection closed after it registered is
# reached on a new connection to the address its Contact names (RFC 3261 §18.1.1),
# not the port it connected from; and when nothing answers there, the dial fails
# "unavailable", the caller gets 480 and the log says why.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/lib_sipp.sh"

need_tools sipp

PORT=$(free_port)
CALLER_PORT=$(free_port)
UDP_PHONE=$(free_port)     # 1001, registered over UDP
TCP_PHONE=$(free_port)     # 1002, registered over TCP and still connected
TCP_FROM=$(free_port)      # 1003 registers over TCP from this port...
TCP_CONTACT=$(free_port)   # ...and names this one in its Contact

CFG=$TMP/tcp.lua
calls_config "$CFG" "listen = { \"udp:127.0.0.1:$PORT\", \"tcp:127.0.0.1:$PORT\" }, t1 = 200" 10
start_or_bail "$CFG"

# tcp_register USER PASS CONTACT_PORT STAY_MS: register.xml with a TCP Contact on
# CONTACT_PORT, staying connected STAY_MS after the 200.
tcp_register() {
	local out="$TMP/reg-tcp-$1-$3.xml"
	sed -e "s/\[local_port\]>/$3;transport=[transport]>/" \
		-e "s#</scenario>#  <pause milliseconds=\"$4\"/>\n</scenario>#" "$(scenario register.xml "$1" "$2")" >"$out"
	echo "$out"
}

CALL_SF=$(scenario uac_call.xml 1000 alice-pw)

case_begin "a TCP phone calls a UDP phone: answered, ACK, BYE"
sipp_run reg-udp 127.0.0.1:"$PORT" -sf "$(scenario register.xml 1001 bob-pw)" -p "$UDP_PHONE"
expect_rc 0
mark_log
start_phone udp-callee "$UDP_PHONE" -sf "$SIPP_DIR/uas_answer.xml"
sipp_run tcp-caller 127.0.0.1:"$PORT" -t t1 -sf "$CALL_SF" -s 1001 -p "$CALLER_PORT"
expect_rc 0
phone_done "$PHONE_PID" "$TMP/udp-callee.out" "the UDP callee"
expect_log "dial 1001 from 1000: answered"
case_end

case_begin "a TCP phone still connected is called over its own connection (UDP caller)"
# The phone registers and stays; INVITEs to it are out of its scenario (-oocsf).
start_phone tcp-phone "$TCP_PHONE" -t t1 127.0.0.1:"$PORT" -sf "$(tcp_register 1002 carol-pw '[local_port]' 6000)" \
	-oocsf "$SIPP_DIR/uas_answer.xml"
TCP_PHONE_PID=$PHONE_PID
pbx_until 5 "sip show registrations" "sip:1002@" || fail "1002 did not register"
expect_out_re "^1002 +sip:1002@127.0.0.1:$TCP_PHONE;transport=TCP +[0-9]+ +TCP +127.0.0.1:$TCP_PHONE "
mark_log
sipp_run udp-caller 127.0.0.1:"$PORT" -sf "$CALL_SF" -s 1002 -p "$CALLER_PORT"
expect_rc 0
expect_log "dial 1002 from 1000: answered"
pbx "sip show transports"
expect_out "TCP from 127.0.0.1:$TCP_PHONE"
expect_no_out "TCP to "
case_end

case_begin "both legs TCP: a TCP phone calls the connected TCP phone"
mark_log
sipp_run tcp-caller2 127.0.0.1:"$PORT" -t t1 -sf "$CALL_SF" -s 1002 -p "$CALLER_PORT"
expect_rc 0
expect_log "dial 1002 from 1000: answered"
phone_done "$TCP_PHONE_PID" "$TMP/tcp-phone.out" "the connected TCP phone"
case_end

case_begin "a TCP phone whose connection closed is called on a new connection to its Contact"
sipp_run reg-tcp 127.0.0.1:"$PORT" -t t1 -sf "$(tcp_register 1003 dave-pw "$TCP_CONTACT" 0)" -p "$TCP_FROM"
expect_rc 0
pbx "sip show registrations"
expect_out_re "^1003 +sip:1003@127.0.0.1:$TCP_CONTACT;transport=TCP +[0-9]+ +TCP +127.0.0.1:$TCP_FROM "
poll_until 3 _pbx_has "sip show transports" "0 TCP connections" || fail "the registration connection stays open"
mark_log
start_phone contact-callee "$TCP_CONTACT" -t t1 -sf "$SIPP_DIR/uas_answer.xml"
sipp_run udp-caller2 127.0.0.1:"$PORT" -sf "$CALL_SF" -s 1003 -p "$CALLER_PORT"
expect_rc 0
phone_done "$PHONE_PID" "$TMP/contact-callee.out" "the phone listening at its Contact"
expect_log "dial 1003 from 1000: answered"
case_end

case_begin "nothing listens at the Contact: the dial is unavailable, the caller gets 480, the log says why"
mark_log
sipp_run unreachable 127.0.0.1:"$PORT" -sf "$(scenario uac_fail.xml 1000 alice-pw 480)" -s 1003 -p "$CALLER_PORT"
expect_rc 0
expect_log "cannot reach sip:1003@127.0.0.1:$TCP_CONTACT;transport=TCP over TCP: Connection refused"
expect_log "dial 1003 from 1000: unavailable"
case_end

calls_all_gone

finish
