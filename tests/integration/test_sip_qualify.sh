#!/usr/bin/env bash
# test_sip_qualify.sh: client transactions and qualify (NAT keep-alive) against
# SIPp. SIPp registers as a phone (digest auth), then answers the PBX's OPTIONS
# only on their retransmission (Timer E); the contact shows reachable with a round
# trip; once SIPp is gone, three unanswered qualifies make it unreachable (logged
# once, still registered) and a console qualify ends in a logged 408 (Timer F).
# Then: reachable again, TCP qualifies over the phone's own connection (and a 503
# once it is gone), CRLF keep-alives, and a bad keepalive setting. T1 is 50 ms and
# the qualify interval 1 s, so it all fits in about 15 s. The SIPp scenarios are
# written into the test's temp dir.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/lib_sipp.sh"

need_tools sipp sipsak socat

PORT=$(free_port)
SP=$(free_port)  # SIPp as the UDP phone
SP2=$(free_port) # SIPp as the TCP phone
LP=$(free_port)  # SIPp's port as a third phone, then socat's

write_config() { # write_config KEEPALIVE
	cat >"$CFG" <<EOF
settings {
  modules = { "chan_sip" },
  log = { level = "info" },
  sip = { listen = { "udp:127.0.0.1:$PORT", "tcp:127.0.0.1:$PORT" }, realm = "test.strowger",
          auth_algorithms = { "MD5" }, t1 = 50, qualify = 1, keepalive = "$1" },
}
users {
  ["1000"] = { name = "Alice", password = "alice-pw", context = "office" },
  ["1001"] = { name = "Bob", password = "bob-pw", context = "office" },
  ["1002"] = { name = "Carol", password = "carol-pw", context = "office" },
}
extensions = { office = { ["100"] = function(call) call:hangup() end } }
EOF
}
CFG=$TMP/sip.lua
write_config options

# --- SIPp scenarios ---

# A phone registering (401, then digest credentials, then 200) and staying up for
# PAUSE ms; requests the PBX sends it meanwhile go to the out-of-call scenario.
reg_scenario() { # reg_scenario FILE USER PASSWORD PAUSE
	{
		echo '<?xml version="1.0" encoding="ISO-8859-1" ?>'
		echo '<scenario name="register">'
		register_msg 1 "$2" ""
		echo '  <recv response="401" auth="true"/>'
		register_msg 2 "$2" "[authentication username=$2 password=$3]"
		echo '  <recv response="200"/>'
		echo "  <pause milliseconds=\"$4\"/>"
		echo '</scenario>'
	} >"$1"
}
register_msg() { # register_msg CSEQ USER AUTHLINE
	cat <<EOF
  <send retrans="500"><![CDATA[
      REGISTER sip:[remote_ip]:[remote_port] SIP/2.0
      Via: SIP/2.0/[transport] [local_ip]:[local_port];branch=[branch]
      From: <sip:$2@[remote_ip]:[remote_port]>;tag=[pid]SIPpTag00[call_number]
      To: <sip:$2@[remote_ip]:[remote_port]>
      Call-ID: [call_id]
      CSeq: $1 REGISTER
      Contact: <sip:$2@[local_ip]:[local_port];transport=[transport]>${3:+
      $3}
      Max-Forwards: 70
      Expires: 300
      User-Agent: SIPp phone
      Content-Length: 0

  ]]></send>
EOF
}

# Answers OPTIONS with 200: on its second arrival only (DROP=1), or at once.
options_scenario() { # options_scenario FILE DROP
	cat >"$1" <<EOF
<?xml version="1.0" encoding="ISO-8859-1" ?>
<scenario name="answer OPTIONS">
  <recv request="OPTIONS"/>
  $([ "$2" = 1 ] && echo '<recv request="OPTIONS"/>')
  <send><![CDATA[
      SIP/2.0 200 OK
      [last_Via:]
      [last_From:]
      [last_To:];tag=[pid]SIPpTag01[call_number]
      [last_Call-ID:]
      [last_CSeq:]
      Content-Length: 0

  ]]></send>
</scenario>
EOF
}

reg_scenario "$TMP/reg1000.xml" 1000 alice-pw 3000
reg_scenario "$TMP/reg1001.xml" 1001 bob-pw 1500
reg_scenario "$TMP/reg1002.xml" 1002 carol-pw 0
options_scenario "$TMP/ooc_drop_first.xml" 1
options_scenario "$TMP/uas_options.xml" 0

# start_sipp NAME SECONDS ARGS...: SIPp in the background, bounded by -m 1 (unless
# ARGS say otherwise) and -timeout; its output and message log in $TMP/NAME.*.
start_sipp() {
	local name=$1 secs=$2
	shift 2
	sipp -nostdin -i 127.0.0.1 -timeout "${secs}s" -trace_msg -message_file "$TMP/$name.msg" \
		"$@" >"$TMP/$name.out" 2>&1 </dev/null &
	SIPP_PID=$!
	PIDS+=("$SIPP_PID")
}

# pbx_until_re SECONDS CMD REGEX: repeats CMD until a line of its output matches.
pbx_until_re() {
	poll_until "$1" _pbx_has_re "$2" "$3"
}
_pbx_has_re() {
	pbx "$1"
	grep -qE -- "$2" <<<"$OUT"
}

start_or_bail "$CFG"

# --- UDP: register, qualify with a retransmission, lose the phone ---

case_begin "SIPp registers with digest authentication"
# -nr: no retransmission detection, so SIPp sees our retransmitted OPTIONS.
start_sipp phone1 10 -sf "$TMP/reg1000.xml" -oocsf "$TMP/ooc_drop_first.xml" -p "$SP" -m 1 -nr \
	"127.0.0.1:$PORT"
PHONE1=$SIPP_PID
pbx_until 5 "sip show registrations" "sip:1000@127.0.0.1:$SP"
expect_out_re "^1000 +sip:1000@127.0.0.1:$SP;transport=UDP +[0-9]+ +UDP +127.0.0.1:$SP "
case_end

case_begin "the contact is qualified: reachable, with a round-trip time"
pbx_until_re 4 "sip show registrations" "^1000 .* reachable "
expect_out_re "^1000 +sip:1000@127.0.0.1:$SP;transport=UDP .* reachable [0-9]+\.[0-9]ms +SIPp phone"
expect_log "1000 at sip:1000@127.0.0.1:$SP;transport=UDP is reachable"
case_end

case_begin "an OPTIONS the phone ignored is retransmitted with the same branch (Timer E)"
if wait_exit "$PHONE1" 8; then
	[ "$EXIT_RC" = 0 ] || fail "SIPp exited $EXIT_RC"
else
	fail "SIPp still runs"
fi
# Each received OPTIONS's top Via branch; a branch seen twice is a retransmission.
retrans=$(awk '/^OPTIONS / {o = 1; next} o && /^Via:/ {sub(/.*branch=/, ""); sub(/[;,].*/, ""); print; o = 0}' \
	"$TMP/phone1.msg" 2>/dev/null | tr -d '\r' | sort | uniq -d | head -n 1)
[ -n "$retrans" ] || fail "no OPTIONS reached SIPp twice"
[[ -z $retrans || $retrans =~ ^z9hG4bK[0-9a-f]{32}$ ]] ||
	fail "branch '$retrans' is not the magic cookie and 128 random bits"
grep -q "Via: SIP/2.0/UDP 127.0.0.1:$PORT;rport;branch=" "$TMP/phone1.msg" ||
	fail "our Via is not 'UDP 127.0.0.1:$PORT;rport'"
[ -z "$CASE_WHY" ] || context "$(head -c 3000 "$TMP/phone1.msg")"
case_end

case_begin "sip qualify USER answers at once; the results go to the log"
mark_log
t0=$(now_ms)
pbx "sip qualify 1000"
expect_rc 0
expect_out "qualifying 1 contact of 1000"
[ $(($(now_ms) - t0)) -lt 2500 ] || fail "'sip qualify' took $(($(now_ms) - t0)) ms: it waited for the answer"
case_end

case_begin "three qualifies unanswered: UNREACHABLE, logged, the contact kept"
expect_log "1000 at sip:1000@127.0.0.1:$SP;transport=UDP is unreachable: 3 qualifies in a row unanswered" 6
pbx "sip show registrations"
expect_out_re "^1000 +sip:1000@127.0.0.1:$SP;transport=UDP +[0-9]+ +UDP .* UNREACHABLE"
case_end

case_begin "the console qualify ends in a logged 408 (Timer F), and unreachable is logged once"
expect_log "qualify 1000 sip:1000@127.0.0.1:$SP;transport=UDP (UDP 127.0.0.1:$SP): no answer: 408 Request Timeout" 6
n=$(grep -cF "1000 at sip:1000@127.0.0.1:$SP;transport=UDP is unreachable" "$PBX_LOG")
[ "$n" = 1 ] || fail "'is unreachable' logged $n times"
case_end

case_begin "the phone answers again: reachable again, logged"
mark_log
start_sipp phone1b 2 -sf "$TMP/uas_options.xml" -p "$SP" -m 50
expect_log "1000 at sip:1000@127.0.0.1:$SP;transport=UDP is reachable again" 4
pbx "sip show registrations"
expect_out_re "^1000 +sip:1000@127.0.0.1:$SP;transport=UDP .* reachable [0-9]+\.[0-9]ms"
wait_exit "$SIPP_PID" 6 || fail "SIPp did not stop"
case_end

case_begin "sip qualify of a user without contacts fails and says so"
pbx "sip qualify 1002"
expect_rc 1
expect_out "1002 has no registered contacts"
case_end

# --- TCP: the phone's own connection ---

case_begin "over TCP, qualifies reuse the connection the phone registered on"
start_sipp phone2 8 -sf "$TMP/reg1001.xml" -oocsf "$TMP/uas_options.xml" -t t1 -p "$SP2" -m 1 "127.0.0.1:$PORT"
PHONE2=$SIPP_PID
pbx_until 5 "sip show registrations" "sip:1001@"
pbx_until_re 4 "sip show registrations" "^1001 .* reachable "
expect_out_re "^1001 +sip:1001@127.0.0.1:$SP2;transport=TCP +[0-9]+ +TCP .* reachable [0-9]+\.[0-9]ms"
pbx "sip show transports"
expect_out "1 TCP connection" "TCP from 127.0.0.1:"
expect_no_out "TCP to "
case_end

case_begin "over TCP, a qualify of a phone that went away ends in a logged 503"
wait_exit "$PHONE2" 6 || fail "SIPp did not stop"
poll_until 3 _pbx_has "sip show transports" "0 TCP connections"
mark_log
pbx "sip qualify 1001"
expect_rc 0
expect_log "(TCP 127.0.0.1:" 4
expect_log "no answer: 503 Transport Error: Connection refused" 4
case_end

# --- CRLF keep-alives ---

case_begin "keepalive = \"crlf\" sends CRLFCRLF to where the phone registered from, no OPTIONS"
write_config crlf
pbx "dialplan reload"
expect_rc 0
start_sipp phone3 5 -sf "$TMP/reg1002.xml" -p "$LP" -m 1 "127.0.0.1:$PORT"
wait_exit "$SIPP_PID" 5 || fail "SIPp did not stop"
pbx "sip show registrations"
expect_out_re "^1002 +sip:1002@127.0.0.1:$LP;transport=UDP +[0-9]+ +UDP +127.0.0.1:$LP "
timeout 2 socat -u "UDP-RECV:$LP,bind=127.0.0.1,reuseaddr" "OPEN:$TMP/crlf.bin,creat,trunc" 2>/dev/null
got=$(od -An -c "$TMP/crlf.bin" 2>/dev/null | tr -s ' \n' ' ')
case "$got" in
" \r \n \r \n"*) ;;
*) fail "port $LP received '$got', not CRLFCRLF" ;;
esac
grep -q OPTIONS "$TMP/crlf.bin" 2>/dev/null && fail "an OPTIONS came in crlf mode"
case_end

case_begin "a bad keepalive setting is refused with file:line"
cat >"$TMP/bad.lua" <<EOF
settings {
  modules = { "chan_sip" },
  sip = { listen = { "udp:127.0.0.1:$(free_port)" }, keepalive = "sometimes" },
}
users { }
extensions = { }
EOF
run_strowger -c "$TMP/bad.lua" -M "$MODS" -D "$TMP/var-bad"
[ "$RC" != 0 ] || fail "strowger started with keepalive = \"sometimes\""
expect_out_re "bad\.lua:[0-9]+: settings\.sip\.keepalive = \"sometimes\": write \"options\", \"crlf\" or \"off\""
case_end

finish
