#!/usr/bin/env bash
# test_sip_push.sh: push wake-up (RFC 8599) with real peers. SIPp registers 1001
# with pn-provider/pn-prid/pn-param in its Contact; the 200 carries Feature-Caps
# +sip.pns. 1000 calls 1001 (SIPp): the PBX POSTs the call as JSON to a webhook
# (a Python HTTP receiver written here) and holds the INVITE; 1001 re-registers
# from a new port with the same pn-prid and the INVITE goes there and is
# answered. Without a re-REGISTER the INVITE goes to the registered contact after
# sip.push.timeout; with the webhook down or refusing it goes at once; a caller
# who gives up while the leg is held leaves no INVITE behind; push bindings
# survive a restart; bad push settings stop the start with file:line.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/lib_sipp.sh"

need_tools sipp python3

PORT=$(free_port)
HOOK_PORT=$(free_port)
OLD_PORT=$(free_port)
NEW_PORT=$(free_port)
CALLER_PORT=$(free_port)
PRID=740f4707bebcf74f9b7c25d48e3358945f6aa01da5ddb387462c7eaf61bb78ad
WAIT=3 # sip.push.timeout

# The webhook: records each POST (path, then the body) in $TMP/hook.log.
cat >"$TMP/hook.py" <<'PY'
import http.server, signal, sys
port, out = int(sys.argv[1]), sys.argv[2]
status = int(sys.argv[3]) if len(sys.argv) > 3 else 200
signal.signal(signal.SIGINT, lambda *a: sys.exit(0))
signal.signal(signal.SIGTERM, lambda *a: sys.exit(0))
class Hook(http.server.BaseHTTPRequestHandler):
    def do_POST(self):
        body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
        with open(out, "ab") as f:
            f.write(self.path.encode() + b" " + self.headers.get("Content-Type", "").encode() + b" " + body + b"\n")
        self.send_response(status)
        self.send_header("Content-Length", "0")
        self.end_headers()
    def log_message(self, *a):
        pass
http.server.HTTPServer.allow_reuse_address = True
http.server.HTTPServer(("127.0.0.1", port), Hook).serve_forever()
PY
start_hook() { # start_hook [STATUS]: the receiver answers STATUS (200)
	timeout 120 python3 "$TMP/hook.py" "$HOOK_PORT" "$TMP/hook.log" "${1:-200}" &
	HOOK_PID=$!
	PIDS+=("$HOOK_PID")
	poll_until 5 port_bound "$HOOK_PORT" || fail "the webhook receiver did not start"
}
stop_hook() {
	kill -TERM "$HOOK_PID" 2>/dev/null
	wait_exit "$HOOK_PID" 5
}
hook_posts() { if [ -f "$TMP/hook.log" ]; then grep -c '' "$TMP/hook.log"; else echo 0; fi; }
hook_has() { [ "$(hook_posts)" -ge "$1" ]; }

# hook_json N KEY=VALUE...: the N-th POST went to /push as JSON with these fields.
hook_json() {
	local n=$1
	shift
	python3 - "$TMP/hook.log" "$n" "$@" <<'PY' || fail "webhook POST $n: $(sed -n "${n}p" "$TMP/hook.log")"
import json, sys
line = open(sys.argv[1], "rb").read().decode().splitlines()[int(sys.argv[2]) - 1]
path, ctype, body = line.split(" ", 2)
assert path == "/push" and ctype == "application/json", (path, ctype)
j = json.loads(body)
for kv in sys.argv[3:]:
    k, v = kv.split("=", 1)
    assert j.get(k) == v, (k, j.get(k), v)
assert j.get("call_id"), "no call_id"
PY
}

# udp_sink PORT SECONDS: records every datagram reaching PORT in $TMP/sink-PORT.
udp_sink() {
	timeout $(($2 + 5)) python3 -c '
import socket, sys, time
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind(("127.0.0.1", int(sys.argv[1])))
s.settimeout(0.2)
end = time.time() + float(sys.argv[2])
with open(sys.argv[3], "ab") as f:
    while time.time() < end:
        try:
            f.write(s.recv(65535) + b"\n----\n"); f.flush()
        except socket.timeout:
            pass
' "$1" "$2" "$TMP/sink-$1" &
	SINK_PID=$!
	PIDS+=("$SINK_PID")
	poll_until 5 port_bound "$1"
}

CFG=$TMP/push.lua
calls_config "$CFG" "listen = { \"udp:127.0.0.1:$PORT\" }, t1 = 200,
  push = { webhook = \"http://127.0.0.1:$HOOK_PORT/push\", timeout = $WAIT, providers = { \"apns\", \"fcm\" } }" 15
start_or_bail "$CFG"
start_hook

push_scenario() { # push_scenario XML PROVIDER [CODE]
	local f
	f=$(scenario "$1" 1001 bob-pw "${3:-200}")
	sed -i "s/PN_PROVIDER/$2/g; s/PN_PRID/$PRID/g" "$f"
	echo "$f"
}

case_begin "a REGISTER with pn-provider/pn-prid: 200 with the Contact and Feature-Caps +sip.pns"
sipp_run reg "127.0.0.1:$PORT" -sf "$(push_scenario push_register.xml apns)" -p "$OLD_PORT" \
	-trace_msg -message_file "$TMP/reg.msg"
expect_rc 0
grep -q '^Feature-Caps: \*;+sip.pns="apns"' "$TMP/reg.msg" || fail "no Feature-Caps +sip.pns=\"apns\" in the 200"
grep -q "^Contact: <sip:1001@127.0.0.1:$OLD_PORT;pn-provider=apns;pn-prid=$PRID;pn-param=ABCD1234.com.example.voip>;expires=" \
	"$TMP/reg.msg" || fail "the 200 does not list the push contact"
pbx "sip show registrations"
expect_out_re "^1001 +sip:1001@127.0.0.1:$OLD_PORT;pn-provider=apns" "push: apns, prid ${PRID:0:24}\.\.\., param ABCD1234"
case_end

case_begin "a push service not in sip.push.providers: 555"
sipp_run reg555 "127.0.0.1:$PORT" -sf "$(push_scenario push_register.xml webpush 555)" -p "$CALLER_PORT"
expect_rc 0
pbx "sip show registrations"
expect_out "1 registration"
case_end

case_begin "1000 calls 1001: the webhook gets the call, the INVITE waits for the phone"
mark_log
start_phone caller "$CALLER_PORT" "127.0.0.1:$PORT" -sf "$(scenario uac_call.xml 1000 alice-pw)" -s 1001
CALLER_PID=$PHONE_PID
poll_until 5 hook_has 1 || fail "no POST reached the webhook"
hook_json 1 user=1001 provider=apns prid="$PRID" param=ABCD1234.com.example.voip from=1000 reason=call
pbx "sip show push"
expect_out_re "^1001 +apns +${PRID:0:26} " "1 held leg"
expect_log "push: waking 1001 (apns)"
case_end

case_begin "1001 re-registers from a new port: the INVITE goes there, the call is answered"
start_phone woken "$NEW_PORT" "127.0.0.1:$PORT" -sf "$(push_scenario push_wake.xml apns)" \
	-oocsf "$SIPP_DIR/uas_answer.xml" -trace_msg -message_file "$TMP/woken.msg"
WOKEN_PID=$PHONE_PID
phone_done "$WOKEN_PID" "$TMP/woken.out" "the woken phone"
phone_done "$CALLER_PID" "$TMP/caller.out" "the caller"
expect_log "push: 1001 registered again after"
expect_log "dial 1001 from 1000: answered"
grep -q "^INVITE sip:1001@127.0.0.1:$NEW_PORT SIP/2.0" "$TMP/woken.msg" || fail "the INVITE did not reach the new port"
grep -E "^INVITE " "$TMP/woken.msg" | grep -q "pn-" && fail "the INVITE's Request-URI carries the push parameters"
log_has "did not register within" && fail "the leg waited for the timeout"
pbx "sip show registrations"
expect_out_re "^1001 +sip:1001@127.0.0.1:$NEW_PORT;pn-provider=apns" "1 registration"
expect_no_out "127.0.0.1:$OLD_PORT"
pbx "sip show push"
expect_out "0 held legs"
case_end

# call_registered NAME: 1000 calls 1001, whose phone at NEW_PORT (as registered)
# answers; sets ELAPSED (ms from the INVITE to the caller's end).
call_registered() {
	mark_log
	start_phone callee "$NEW_PORT" -sf "$SIPP_DIR/uas_answer.xml"
	CALLEE_PID=$PHONE_PID
	local t0
	t0=$(now_ms)
	sipp_run "$1" "127.0.0.1:$PORT" -sf "$(scenario uac_call.xml 1000 alice-pw)" -s 1001 -p "$CALLER_PORT"
	expect_rc 0
	phone_done "$CALLEE_PID" "$TMP/callee.out" "the registered phone"
	ELAPSED=$(($(now_ms) - t0))
	expect_log "dial 1001 from 1000: answered"
}

case_begin "no re-REGISTER: after sip.push.timeout the INVITE goes to the contact as registered"
call_registered late
[ "$ELAPSED" -ge $((WAIT * 1000)) ] || fail "the call was answered before the push timeout"
[ "$(hook_posts)" = 2 ] || fail "expected a second POST, the webhook has $(hook_posts)"
hook_json 2 user=1001 from=1000
expect_log "push: 1001 did not register within $WAIT s of the push"
case_end

case_begin "the webhook is down: logged with the reason, the INVITE goes at once"
stop_hook
call_registered down
[ "$ELAPSED" -lt $((WAIT * 1000)) ] || fail "the call waited for the push timeout"
expect_log "push: webhook http://127.0.0.1:$HOOK_PORT/push failed for 1001"
expect_log "Connection refused"
case_end

case_begin "the webhook answers 503: logged, the INVITE goes at once"
start_hook 503
call_registered refused
[ "$ELAPSED" -lt $((WAIT * 1000)) ] || fail "the call waited for the push timeout"
[ "$(hook_posts)" = 3 ] || fail "expected a third POST, the webhook has $(hook_posts)"
expect_log "push: webhook http://127.0.0.1:$HOOK_PORT/push failed for 1001"
expect_log "HTTP 503; calling its contact as registered now"
stop_hook
case_end

case_begin "the caller gives up while the leg is held: no INVITE reaches the phone later"
start_hook
mark_log
udp_sink "$NEW_PORT" $((WAIT + 2))
sipp_run cancel "127.0.0.1:$PORT" -sf "$(scenario push_uac_cancel.xml 1000 alice-pw)" -s 1001 -p "$CALLER_PORT"
expect_rc 0
[ "$(hook_posts)" = 4 ] || fail "expected a fourth POST, the webhook has $(hook_posts)"
expect_log "given up while waiting for the phone to wake; no INVITE goes"
expect_log "dial 1001 from 1000: cancelled"
pbx "sip show push"
expect_out "0 held legs"
wait_exit "$SINK_PID" $((WAIT + 5))
grep -q "INVITE" "$TMP/sink-$NEW_PORT" 2>/dev/null && fail "an INVITE reached the phone after the caller gave up"
log_has "did not register within" && fail "the timer of the given-up leg still fired"
case_end

calls_all_gone

case_begin "push bindings survive a restart"
stop_hook
kill -INT "$PBX_PID"
wait_exit "$PBX_PID" 10 || fail "strowger did not stop"
start_or_bail "$CFG"
pbx "sip show registrations"
expect_out_re "^1001 +sip:1001@127.0.0.1:$NEW_PORT;pn-provider=apns" "push: apns, prid ${PRID:0:24}\.\.\., param ABCD1234"
case_end

# bad_push WHAT SETTING EXPECTED: strowger refuses to start with push = { SETTING }.
bad_push() {
	case_begin "a bad push setting stops the start with file:line: $1"
	cat >"$TMP/bad.lua" <<LUA
settings {
  modules = { "chan_sip" },
  sip = { listen = { "udp:127.0.0.1:$(free_port)" }, push = { $2 } },
}
LUA
	run_strowger -c "$TMP/bad.lua" -M "$MODS" -D "$TMP/bad-var"
	[ "$RC" != 0 ] || fail "strowger started (exit $RC)"
	expect_out "bad.lua:1: settings.sip.push.$3"
	case_end
}
bad_push "a host name" 'webhook = "http://push.example.com:8088/push"' 'webhook = "http://push.example.com:8088/push": the host must be an IP address'
bad_push "https" 'webhook = "https://127.0.0.1/push"' 'webhook = "https://127.0.0.1/push": write "http://ADDRESS:PORT/PATH" (https is not built)'
bad_push "a zero timeout" 'webhook = "http://127.0.0.1:8088/", timeout = 0' 'timeout = 0: from 1 to 120 seconds'

finish
