#!/usr/bin/env bash
# test_sip_message.sh: MESSAGE (RFC 3428) between users. SIPp: MESSAGE is in
# Allow (sipsak's OPTIONS); a MESSAGE without credentials is challenged (401),
# one over settings.sip.message_max_size gets 413, one for an unknown user 404;
# the dialplan's on_message refuses (488), sends to another user, and a failing,
# looping or nonsensical hook answers 500 with file:line in the log. Offline: a
# message for a user with no phone is stored, survives a restart, and reaches
# the phone once when it registers (a second REGISTER brings nothing); numbers
# go on after the restart. Sync: a phone that registers with X-Strowger-Sync: N,
# or sends a MESSAGE to itself with it, gets exactly the messages after N, in
# order, and a message already on its way when the sync begins comes once. Other
# content types pass as they are; the history bound refuses (480) and makes
# room. baresip: one phone sends a text to another through the PBX.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/lib_sipp.sh"

need_tools sipp sipsak

PORT=$(free_port)
PHONE_PORT=$(free_port)

CFG=$TMP/message.lua
calls_config "$CFG" "listen = { \"udp:127.0.0.1:$PORT\", \"tcp:127.0.0.1:$PORT\" }, message_max_size = 4000, message_history = 6, t1 = 100" 10
# The hook: a keyword is refused, messages for 1001 with "to carol" go to 1002,
# "boom" makes it fail.
cat >>"$CFG" <<'LUA'
function on_message(msg)
  if msg.body == "spam" then return { refuse = 488, reason = "No spam here" } end
  if msg.body == "boom" then error("boom from the hook") end
  if msg.body == "loop" then while true do end end
  if msg.body == "odd" then return 42 end
  if msg.to == "1001" and msg.body:find("to carol") then return { to = "1002" } end
  log.notice("on_message: %s (%s) to %s, %s: %s", msg.from, msg.from_name, msg.to, msg.content_type, msg.body)
end
LUA
start_or_bail "$CFG"

# send NAME FROM PASS TO TEXT CODE: an authenticated MESSAGE answered CODE.
send() {
	local f
	f=$(scenario msg_send.xml "$2" "$3" "$6")
	sed -i "s/BODY_TEXT/$5/" "$f"
	sipp_run "$1" 127.0.0.1:"$PORT" -sf "$f" -s "$4" -p "$PHONE_PORT"
}

# take NAME USER PASS SYNC PAUSE_MS: USER registers (X-Strowger-Sync: SYNC unless
# SYNC is "-") from its own port (U_PORT[USER]: a registered contact outlives
# the SIPp run, and messages for one user must not reach another's SIPp) and
# stays PAUSE_MS ms; GOT then lists what it was sent, one "seq=N body=TEXT" a
# line.
take() {
	local f
	f=$(scenario msg_register.xml "$2" "$3")
	sed -i "s/PAUSE_MS/$5/" "$f"
	if [ "$4" = - ]; then
		sed -i "/SYNC_LINE/d" "$f"
	else
		sed -i "s/SYNC_LINE/X-Strowger-Sync: $4/" "$f"
	fi
	ooc_run "$1" "$f" "${U_PORT[$2]}"
}

# sync_msg NAME USER PASS SYNC CODE PAUSE_MS [PORT]: USER asks for a sync with a
# MESSAGE to itself (from U_PORT[USER] unless PORT), expecting CODE; GOT as
# for take.
sync_msg() {
	local f
	f=$(scenario msg_sync.xml "$2" "$3" "$5")
	sed -i "s/SYNC_N/$4/; s/PAUSE_MS/$6/" "$f"
	ooc_run "$1" "$f" "${7:-${U_PORT[$2]}}"
}

# ooc_run NAME SCENARIO PORT: SIPp from PORT, logging the MESSAGEs it is sent
# and answering each with ANSWER_CODE (200 unless set) ANSWER_MS ms later (0
# unless set).
ooc_run() {
	rm -f "$TMP/$1.log"
	sed "s/ANSWER_MS/${ANSWER_MS:-0}/; s/ANSWER_CODE/${ANSWER_CODE:-200}/" "$SIPP_DIR/msg_ooc.xml" \
		>"$TMP/msg_ooc.xml"
	sipp_run "$1" 127.0.0.1:"$PORT" -sf "$2" -p "$3" -oocsf "$TMP/msg_ooc.xml" -trace_logs \
		-log_file "$TMP/$1.log"
	GOT=$(grep -o 'seq=[0-9]* body=.*' "$TMP/$1.log" 2>/dev/null)
}

expect_got() {
	if [ "$GOT" != "$1" ]; then
		fail "the phone got: '${GOT//$'\n'/ | }', expected: '${1//$'\n'/ | }'"
	fi
}

case_begin "OPTIONS (sipsak) lists MESSAGE in Allow"
OUT=$(timeout 10 sipsak -s "sip:1000@127.0.0.1:$PORT" -vvv 2>&1)
RC=$?
expect_rc 0
expect_out "SIP/2.0 200 OK"
grep -qE "^Allow: .*MESSAGE" <<<"$OUT" || fail "no MESSAGE in Allow: $(grep Allow <<<"$OUT")"
case_end

case_begin "a MESSAGE without credentials is challenged: 401 with a Digest challenge"
f=$(scenario msg_code.xml 1000 x 401)
sed -i "s/BODY_TEXT/hello/; s/CHECK_HDR/WWW-Authenticate/; s/CHECK_RE/Digest/" "$f"
sipp_run challenge 127.0.0.1:"$PORT" -sf "$f" -s 1001 -p "$PHONE_PORT"
expect_rc 0
case_end

case_begin "a body over message_max_size (4000) gets 413, before any challenge"
f=$(scenario msg_code.xml 1000 x 413)
big=$(head -c 4500 /dev/zero | tr '\0' x)
sed -i "s/BODY_TEXT/$big/; s/CHECK_HDR/Content-Length/; s/CHECK_RE/0/" "$f"
sipp_run too_big 127.0.0.1:"$PORT" -sf "$f" -s 1001 -p "$PHONE_PORT"
expect_rc 0
pbx "message show"
expect_out "0 users with messages"
case_end

case_begin "a message for an unknown user gets 404"
send unknown 1000 alice-pw 1099 hello 404
expect_rc 0
case_end

case_begin "on_message refuses with its own code (488)"
send spam 1000 alice-pw 1001 spam 488
expect_rc 0
case_end

case_begin "on_message failing: 500, the error logged with file:line"
mark_log
send boom 1000 alice-pw 1001 boom 500
expect_rc 0
expect_log "on_message failed: $CFG:"
expect_log "boom from the hook"
case_end

case_begin "on_message looping forever is stopped by the instruction budget: 500, the PBX goes on"
mark_log
send loop 1000 alice-pw 1001 loop 500
expect_rc 0
expect_log "on_message failed: $CFG:"
expect_log "ran over its budget of"
pbx "core show version"
expect_rc 0
case_end

case_begin "on_message returning something it cannot mean: 500, logged"
mark_log
send odd 1000 alice-pw 1001 odd 500
expect_rc 0
expect_log "on_message returned number: return nothing (deliver)"
case_end

case_begin "offline: a message for 1003 (no phone) is accepted (202) and stored pending"
mark_log
send offline 1000 alice-pw 1003 "hello offline" 202
expect_rc 0
expect_log "on_message: 1000 (Alice) to 1003, text/plain;charset=utf-8: hello offline"
expect_log "message 1 for 1003 stored: no registered phone to take it"
pbx "message show 1003"
expect_out_re "^1 +pending .* 1000 +text/plain;charset=utf-8 +hello offline"
case_end

case_begin "on_message sends a message for 1001 to 1002 instead"
send redirect 1000 alice-pw 1001 "please forward to carol" 202
expect_rc 0
pbx "message show 1002"
expect_out_re "^1 +pending .* 1000 .* please forward to carol"
pbx "message show 1001"
expect_out "1001: 0 stored"
case_end

case_begin "the stored message survives a restart"
kill -INT "$PBX_PID"
wait_exit "$PBX_PID" 10 || fail "strowger did not stop"
start_or_bail "$CFG"
expect_log "restored 2 stored messages (2 pending)"
pbx "message show 1003"
expect_out_re "^1 +pending .* hello offline"
case_end

declare -A U_PORT=([1002]=$(free_port) [1003]=$(free_port))
case_begin "1003 registers: it gets the stored message once, and it is marked delivered"
mark_log
take offline_reg 1003 dave-pw - 1500
expect_rc 0
expect_got "seq=1 body=hello offline"
expect_log "message 1 for 1003 delivered to sip:1003@127.0.0.1:${U_PORT[1003]} (200)"
pbx "message show 1003"
expect_out_re "^1 +delivered .* hello offline"
expect_out "1003: 1 stored, 0 pending, last seq 1"
case_end

case_begin "a second REGISTER brings nothing again"
take offline_again 1003 dave-pw - 1000
expect_rc 0
expect_got ""
case_end

case_begin "numbers are never reused: the next message for 1003 after the restart is 2"
send after 1000 alice-pw 1003 "second one" 202
expect_rc 0
pbx "message show 1003"
expect_out "last seq 2"
case_end

# Message 2 is on its way to 1003's registered contact, where no SIPp listens
# now (retransmitted for 64*T1 = 6.4 s). The phone that comes back answers each
# MESSAGE a second late, so the sync its REGISTER asks for begins while message
# 2 is still unanswered: the sync must wait for that answer, not send it again.
case_begin "a sync meeting a message already on its way to that phone: each message once"
mark_log
pbx "message send 1000 1003 racing"
expect_out "message 3 for 1003 accepted"
ANSWER_MS=1000 take race 1003 dave-pw 1 5000
expect_rc 0
expect_got $'seq=2 body=second one\nseq=3 body=racing'
expect_log "message 2 for 1003 is on its way to sip:1003@127.0.0.1:${U_PORT[1003]} already: the sync waits"
pbx "message show 1003"
expect_out "1003: 3 stored, 0 pending, last seq 3"
case_end

# 1002 holds message 1 (the redirected one); four more make 1..5.
case_begin "sync: 1002 with last seen 3 gets exactly 4 and 5, in order"
for i in 2 3 4 5; do
	send "m$i" 1001 bob-pw 1002 "text $i" 202
	expect_rc 0
done
pbx "message show 1002"
expect_out "1002: 5 stored, 5 pending, last seq 5"
take sync3 1002 carol-pw 3 1500
expect_rc 0
expect_got $'seq=4 body=text 4\nseq=5 body=text 5'
pbx "message show 1002"
expect_out "1002: 5 stored, 0 pending, last seq 5"
case_end

case_begin "sync: last seen 0 gets the whole history 1..5; last seen 5 gets nothing"
take sync0 1002 carol-pw 0 1500
expect_rc 0
expect_got $'seq=1 body=please forward to carol\nseq=2 body=text 2\nseq=3 body=text 3\nseq=4 body=text 4\nseq=5 body=text 5'
take sync5 1002 carol-pw 5 800
expect_rc 0
expect_got ""
case_end

case_begin "sync without a REGISTER: a MESSAGE to oneself with X-Strowger-Sync: 2 gets 200, then 3..5"
sync_msg sync_msg 1002 carol-pw 2 200 1500
expect_rc 0
expect_got $'seq=3 body=text 3\nseq=4 body=text 4\nseq=5 body=text 5'
case_end

case_begin "a sync MESSAGE from an address with no registration of the user gets 480"
sync_msg sync_nowhere 1001 bob-pw 0 480 10 "$PHONE_PORT"
expect_rc 0
expect_got ""
case_end

case_begin "a body of another type is passed on with its Content-Type"
f=$(scenario msg_send.xml 1001 bob-pw 202)
sed -i 's|text/plain;charset=utf-8|application/vnd.strowger-test+json|; s/BODY_TEXT/{"n":6}/' "$f"
sipp_run json 127.0.0.1:"$PORT" -sf "$f" -s 1002 -p "$PHONE_PORT"
expect_rc 0
pbx "message show 1002"
expect_out_re '^6 +pending .* 1001 +application/vnd.strowger-test\+json +\{"n":6\}'
case_end

U_PORT[1000]=$(free_port)
case_begin "history is bounded (message_history = 6): a 7th pending message gets 480"
for i in 1 2 3 4 5 6; do
	pbx "message send 1001 1000 note $i"
	expect_out "message $i for 1000 accepted"
done
send full 1001 bob-pw 1000 "one more" 480
expect_rc 0
pbx "message send 1001 1000 again"
expect_out "not accepted (480)"
case_end

case_begin "delivered messages make room: after a sync the oldest is dropped for a new one"
take sync_full 1000 alice-pw 3 1500
expect_rc 0
expect_got $'seq=4 body=note 4\nseq=5 body=note 5\nseq=6 body=note 6'
pbx "message send 1001 1000 seven"
expect_out "message 7 for 1000 accepted"
pbx "message show 1000"
expect_out "1000: 6 stored"
expect_no_out "note 1"
expect_out_re "^2 +delivered .* note 2"
expect_out_re "^7 +pending .* seven"
case_end

U_PORT[1001]=$(free_port)
case_begin "a phone refusing a message (415) does not hold back the next; both stay pending"
mark_log
pbx "message send 1000 1001 first"
expect_out "message 1 for 1001 accepted"
pbx "message send 1000 1001 second"
expect_out "message 2 for 1001 accepted"
ANSWER_CODE=415 take refuser 1001 bob-pw - 1500
expect_rc 0
expect_got $'seq=1 body=first\nseq=2 body=second'
expect_log "message 1 for 1001 refused by the phones; it stays pending, the next goes on"
pbx "message show 1001"
expect_out "1001: 2 stored, 2 pending"
case_end

# baresip 1.0 sends MESSAGE with its contact module ("message" to the current
# contact: the only one in its contacts file) and shows a MESSAGE it receives on
# its UI only; cons.so is a UI on a TCP port, which we read.
. "$(dirname "$0")/baresip.sh"
A_PORT=$(free_ports 3)
B_PORT=$(free_ports 3)
while ! apart "$B_PORT" "$A_PORT"; do B_PORT=$(free_ports 3); done
CONS_PORT=$(free_port)
mkdir -p "$TMP/alice"
echo "\"Bob\" <sip:1001@127.0.0.1:$PORT>" >"$TMP/alice/contacts"
PHONE_MODULES="module_app contact.so" start_baresip alice 1000 alice-pw "$A_PORT" 1000
PHONE_MODULES="module cons.so
cons_listen 127.0.0.1:$CONS_PORT" start_baresip bob 1001 bob-pw "$B_PORT" 440

case_begin "baresip 1000 sends a text to baresip 1001 through the PBX, which shows it"
pbx_until 10 "sip show registrations" "1000-" || fail "alice did not register: $OUT"
pbx_until 10 "sip show registrations" "1001-" || fail "bob did not register: $OUT"
poll_until 5 port_bound "$CONS_PORT" || fail "bob's console is not listening"
exec {cons_fd}<>"/dev/tcp/127.0.0.1/$CONS_PORT"
cat <&"$cons_fd" >"$TMP/bob.cons" &
PIDS+=("$!")
mark_log
expect_cmd alice message "hello from a real phone"
expect_log "on_message: 1000 (Alice) to 1001, text/plain: hello from a real phone"
expect_log "for 1001 delivered to sip:1001-"
poll_until 5 grep -q 'sip:1000@127.0.0.1:[0-9]*: "hello from a real phone"' "$TMP/bob.cons" ||
	fail "bob's console shows: $(tr -d '\r' <"$TMP/bob.cons")"
exec {cons_fd}>&-
case_end

case_begin "the phones quit"
for p in alice bob; do
	expect_cmd "$p" quit
	wait_exit "${PHONE_PID[$p]}" 10 || fail "phone $p still runs 10 s after quit"
done
case_end

finish
