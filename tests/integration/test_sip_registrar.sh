#!/usr/bin/env bash
# test_sip_registrar.sh: chan_sip against real SIP software: sipsak sends OPTIONS
# and REGISTER with digest authentication (RFC 3261 §10, §22), and raw datagrams
# (socat) carry malformed requests and the RFC 4475 torture messages. Checks what a
# phone sees (status lines) and what an admin sees (sip show registrations), and
# that registrations survive a restart.
. "$(dirname "$0")/lib.sh"

need_tools sipsak socat

# A port of our own: random in 20000-44999, re-drawn while something holds it.
PORT=$((20000 + RANDOM % 25000))
while (exec 3<>"/dev/tcp/127.0.0.1/$PORT") 2>/dev/null; do PORT=$((20000 + RANDOM % 25000)); done

CFG=$TMP/sip.lua
cat >"$CFG" <<EOF
settings {
  modules = { "chan_sip" },
  log = { level = "info" },
  sip = { listen = { "udp:127.0.0.1:$PORT", "tcp:127.0.0.1:$PORT" }, realm = "test.strowger",
          min_expires = 30 },
}
users {
  ["1000"] = { name = "Alice", password = "alice-pw", context = "office" },
  ["1001"] = { name = "Bob", password = "bob-pw", context = "office" },
}
extensions = { office = { ["100"] = function(call) call:hangup() end } }
EOF
start_or_bail "$CFG"

# send_udp FILE: sends the file as one datagram from the port its top Via names
# (5060 when it names none: without rport, RFC 3261 §18.2.2 answers there), and
# prints the answer's status line.
send_udp() {
	local vport
	vport=$(tr -d '\r' <"$1" | grep -m1 -iE '^(via|v)[ \t]*:' | grep -oE 'UDP[ \t]+[^;, ]+' |
		head -n 1 | grep -oE ':[0-9]+$' | tr -d :)
	timeout 5 socat -t 0.3 - "UDP:127.0.0.1:$PORT,sourceport=${vport:-5060},reuseaddr" <"$1" 2>/dev/null |
		head -n 1 | tr -d '\r'
}

# register USER PASSWORD CONTACT EXPIRES [sipsak options]: sets OUT and RC.
register() {
	local user=$1 pw=$2 contact=$3 exp=$4
	shift 4
	OUT=$(timeout 15 sipsak "$@" -U -C "$contact" -s "sip:$user@127.0.0.1:$PORT" -a "$pw" \
		-u "$user" -x "$exp" -vvv 2>&1)
	RC=$?
}

case_begin "the PBX listens on UDP and TCP"
pbx "sip show transports"
expect_rc 0
expect_out "UDP    127.0.0.1:$PORT" "TCP    127.0.0.1:$PORT"
case_end

case_begin "OPTIONS from sipsak gets 200 OK"
OUT=$(timeout 10 sipsak -s "sip:1000@127.0.0.1:$PORT" -vvv 2>&1)
RC=$?
expect_rc 0
expect_out "SIP/2.0 200 OK" "Allow: INVITE, ACK, CANCEL, BYE, OPTIONS, REGISTER"
case_end

case_begin "REGISTER with the right password: challenged, then 200 with the contact"
register 1000 alice-pw "sip:1000@127.0.0.1:5999" 300
expect_rc 0
expect_out "401 Unauthorized" 'realm="test.strowger"' "200 OK"
expect_out_re "Contact: <sip:1000@127.0.0.1:5999>;expires=(300|29[0-9])"
# By default one challenge, MD5: a second one (SHA-256) makes some phones refuse
# the whole 401 (test_baresip.sh registers such a phone).
expect_out_re '^WWW-Authenticate: Digest .*algorithm=MD5'
[ "$(grep -ci '^WWW-Authenticate:' <<<"$OUT")" = 1 ] || fail "the 401 holds more than one challenge"
pbx "sip show registrations"
expect_out_re "^1000 +sip:1000@127.0.0.1:5999 +(300|29[0-9]) +UDP"
case_end

case_begin "REGISTER over TCP works too"
register 1001 bob-pw "sip:1001@127.0.0.1:5998" 300 --transport=tcp
expect_rc 0
expect_out "200 OK"
pbx "sip show registrations"
expect_out_re "^1001 +sip:1001@127.0.0.1:5998 +[0-9]+ +TCP"
case_end

case_begin "a wrong password gets 403, and is logged"
mark_log
register 1000 wrong "sip:1000@127.0.0.1:5997" 300
[ "$RC" -ne 0 ] || fail "sipsak reported success with a wrong password"
expect_out "SIP/2.0 403 Forbidden"
expect_no_out "SIP/2.0 200 OK"
expect_log "authentication failed for '1000'"
pbx "sip show registrations"
expect_no_out "sip:1000@127.0.0.1:5997"  # the contact, not a source port that contains 5997
case_end

case_begin "an unknown user gets the same answers as a wrong password"
register 9999 whatever "sip:9999@127.0.0.1:5996" 300
[ "$RC" -ne 0 ] || fail "an unknown user registered"
expect_out "401 Unauthorized" "403 Forbidden"
expect_no_out "404 "
case_end

case_begin "registering another user's AOR is forbidden"
OUT=$(timeout 15 sipsak -U -C "sip:1000@127.0.0.1:5995" -s "sip:1000@127.0.0.1:$PORT" \
	-a bob-pw -u 1001 -x 300 -vvv 2>&1)
expect_out "403"
case_end

case_begin "too short an Expires gets 423 with Min-Expires"
register 1000 alice-pw "sip:1000@127.0.0.1:5994" 5
expect_out "423" "Min-Expires: 30"
case_end

case_begin "a malformed request gets 400 naming the fault"
printf 'OPTIONS sip:1000@127.0.0.1 SIP/2.0\r\nVia: SIP/2.0/UDP 127.0.0.1:5993;branch=z9hG4bK-bad1\r\nFrom: <sip:x@127.0.0.1>;tag=1\r\nTo: <sip:1000@127.0.0.1>\r\nCall-ID: bad1@test\r\nCSeq: 1 INVITE\r\nMax-Forwards: 70\r\nContent-Length: 0\r\n\r\n' >"$TMP/bad1.sip"
OUT=$(send_udp "$TMP/bad1.sip")
expect_out_re "^SIP/2.0 400 .*CSeq"
case_end

case_begin "TCP: a message in two pieces is framed whole; garbage closes the connection"
printf -v MSG 'OPTIONS sip:1000@127.0.0.1 SIP/2.0\r\nVia: SIP/2.0/TCP 127.0.0.1:5992;branch=z9hG4bK-tcp1\r\nFrom: <sip:x@127.0.0.1>;tag=1\r\nTo: <sip:1000@127.0.0.1>\r\nCall-ID: tcp1@test\r\nCSeq: 1 OPTIONS\r\nMax-Forwards: 70\r\nContent-Length: 0\r\n\r\n'
OUT=$( (printf '%s' "${MSG:0:60}"; sleep 0.3; printf '%s' "${MSG:60}"; sleep 0.5) |
	timeout 5 socat -t 1 - "TCP:127.0.0.1:$PORT" 2>&1 | head -n 1 | tr -d '\r')
expect_out "SIP/2.0 200 OK"
OUT=$( (head -c 70000 /dev/zero | tr '\0' 'x'; sleep 0.5) | timeout 5 socat -t 2 - "TCP:127.0.0.1:$PORT" 2>&1)
pbx "sip show transports"
expect_rc 0
expect_out "0 TCP connections"
case_end

case_begin "every RFC 4475 torture message is answered sensibly and the PBX stays up"
TORTURE=${SIP_TORTURE_DIR:-$ROOT/../shared/torture}
if [ ! -r "$TORTURE/LIST" ]; then
	fail "no torture messages at $TORTURE"
else
	# Responses first: later, our non-2xx answers to the torture INVITEs are
	# retransmitted to port 5060 until ACKed (Timer G), and would be read here.
	while read -r name kind _; do
		first=$(send_udp "$TORTURE/$name")
		code=$(echo "$first" | awk '/^SIP\/2.0 [0-9][0-9][0-9]/ {print $2}')
		context "$name $kind -> ${code:-no answer}"
		case $kind in
		valid) [ "$code" = 400 ] && fail "$name (valid) got 400" ;;
		invalid)
			# baddate may be accepted with the Date ignored (RFC 4475 §3.1.2.12).
			case $name:$code in baddate.dat:100) ;; *:1* | *:2* | *:3*) fail "$name (invalid) got $code" ;; esac
			;;
		vresp | iresp) [ -n "$code" ] && fail "$name (a response) was answered with $code" ;;
		esac
	done < <(grep -vE '^#|^$' "$TORTURE/LIST" | awk '{print ($2 ~ /resp/ ? 0 : 1), $0}' | sort -s -k1,1 | cut -d' ' -f2-)
fi
pbx "core show version"
expect_rc 0
case_end

case_begin "registrations survive a restart"
kill -INT "$PBX_PID"
wait_exit "$PBX_PID" 10 || fail "strowger did not stop"
start_or_bail "$CFG"
pbx "sip show registrations"
expect_out_re "^1000 +sip:1000@127.0.0.1:5999 "
expect_out_re "^1001 +sip:1001@127.0.0.1:5998 "
case_end

case_begin "Contact * with Expires: 0 removes every binding"
register 1000 alice-pw "*" 0
pbx "sip show registrations"
expect_no_out "sip:1000@127.0.0.1:5999"
case_end

finish
