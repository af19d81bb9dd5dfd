#!/usr/bin/env bash
# test_dial_strategies.sh: call:dial's strategies with real SIP phones. SIPp
# phones register as users 1001-1003 (1004 never registers) and act out a
# callee each: answering, answering late, ringing until cancelled, busy. The
# caller (user 1000) is SIPp too. Cases: ring-all (the first to answer wins,
# the other phone is CANCELled and answers 487), a sequential hunt (an
# unregistered and a busy target move on at once; a ringing one after its
# timeout), find-me steps (step 2 answers: the result says step 2), a
# target's own ring time, total=, the caller ID the callee sees in From,
# the dialplan branching on the status (the caller's final response),
# call:progress() (183, without SDP for an INVITE without one; early media with
# SDP is test_early_media.sh's) and call.headers
# (routing on a custom X- header and reading User-Agent).
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/lib_sipp.sh"

need_tools sipp python3

PORT=$(free_port)
CALLER_PORT=$(free_port)
declare -A PHONE_PORT=([1001]=$(free_port) [1002]=$(free_port) [1003]=$(free_port))
declare -A PASSWORD=([1001]=bob-pw [1002]=carol-pw [1003]=dave-pw)

CFG=$TMP/dial.lua
# Each extension dials one way and logs the result's fields; an unanswered
# dial hangs the caller up with its cause unless the extension says otherwise.
cat >"$CFG" <<EOF
settings {
  modules = { "chan_sip" },
  log = { level = "info" },
  sip = { listen = { "udp:127.0.0.1:$PORT" }, t1 = 200, qualify = 0 },
}
users {
  ["1000"] = { name = "Alice", password = "alice-pw", context = "office" },
  ["1001"] = { name = "Bob", password = "bob-pw", context = "office" },
  ["1002"] = { name = "Carol", password = "carol-pw", context = "office" },
  ["1003"] = { name = "Dave", password = "dave-pw", context = "office" },
  ["1004"] = { name = "Eve", password = "eve-pw", context = "office" },
}

local function report(call, r)
  log.notice("result %s: status=%s cause=%s tried=%s step=%s channel=%s ended_by=%s", call.to,
             r.status, r.cause, r.tried, tostring(r.step), tostring(r.channel), tostring(r.ended_by))
  return r
end

local function dial(...)
  local args = table.pack(...)
  return function(call)
    local r = report(call, call:dial(table.unpack(args, 1, args.n)))
    if r.status ~= "answered" then call:hangup(r.cause) end
  end
end

extensions = {
  office = {
    ["2001"] = dial{ "1001", "1002", timeout = 10 },
    ["2002"] = dial{ "1004", "1001", "1002", strategy = "sequential", timeout = 3 },
    ["2004"] = dial{ steps = { { "1001", timeout = 1.5 }, { "1002", "1003" } }, timeout = 10 },
    ["2005"] = dial{ { "1001", timeout = 1 }, "1002", timeout = 10 },
    ["2006"] = dial({ "1001", "1002" }, { strategy = "sequential", timeout = 10, total = 2 }),
    ["2007"] = dial("1001", { caller_id = { number = "100", name = "Reception" }, timeout = 5 }),
    ["2017"] = dial("1001", { caller_id = { name = "Sales" }, timeout = 5 }),
    ["2027"] = dial("1001", { timeout = 5 }),
    ["2037"] = dial("1001", { caller_id = { name = "" }, timeout = 5 }),
    ["2008"] = function(call)
      local r = report(call, call:dial("1001", { timeout = 1 }))
      if r.status == "busy" then
        call:hangup("rejected")
      elseif r.status == "noanswer" then
        call:hangup("congestion")
      end
    end,
    ["2009"] = function(call)
      log.notice("progress: %s", tostring(call:progress()))
      call:sleep(0.3)
      call:hangup("busy")
    end,
    ["2010"] = function(call)
      local h = call.headers
      log.notice("headers: ua=%s route=%s tag=%s tags=%s via=%d", h["user-agent"], h["X-Route-Key"],
                 h["x-tag"], table.concat(h.all("x-tag"), ","), #h.all("via"))
      if h["x-route-key"] == "gold" then call:hangup("busy") else call:hangup("notfound") end
    end,
  },
}
EOF
start_or_bail "$CFG"

# phone USER XML [SIPP ARGS...]: USER's registered phone acts out XML once, its
# messages traced to $TMP/USER.msg; sets PID_<USER>.
phone() {
	local user=$1 xml=$2
	shift 2
	rm -f "$TMP/$user.msg"
	start_phone "$user" "${PHONE_PORT[$user]}" -sf "$xml" -trace_msg -message_file "$TMP/$user.msg" "$@"
	printf -v "PID_$user" %s "$PHONE_PID"
}

# call EXTEN XML [CODE]: the caller (1000) runs XML (dial_uac_bye.xml, uac_call.xml,
# or uac_fail.xml expecting CODE) against EXTEN in the foreground; ELAPSED is how long it took (ms).
call() {
	local t0
	t0=$(now_ms)
	sipp_run "call-$1" 127.0.0.1:"$PORT" -sf "$(scenario "$2" 1000 alice-pw "${3:-}")" -s "$1" \
		-p "$CALLER_PORT" -trace_msg -message_file "$TMP/caller.msg"
	ELAPSED=$(($(now_ms) - t0))
}

# cancelled USER: USER's phone was CANCELled while ringing and answered 487.
cancelled() {
	grep -q "^CANCEL sip:" "$TMP/$1.msg" 2>/dev/null || fail "phone $1 got no CANCEL"
	grep -q "^SIP/2.0 487 Request Terminated" "$TMP/$1.msg" 2>/dev/null || fail "phone $1 sent no 487"
}

# between LOW HIGH: ELAPSED (ms) lies in [LOW, HIGH].
between() {
	[ "$ELAPSED" -ge "$1" ] && [ "$ELAPSED" -le "$2" ] ||
		fail "the call took $ELAPSED ms, not between $1 and $2"
}

case_begin "users 1001, 1002 and 1003 register a phone each (1004 does not)"
for u in 1001 1002 1003; do
	sipp_run "reg-$u" 127.0.0.1:"$PORT" -sf "$(scenario register.xml "$u" "${PASSWORD[$u]}")" -p "${PHONE_PORT[$u]}"
	expect_rc 0
done
pbx "sip show registrations"
for u in 1001 1002 1003; do
	expect_out_re "^$u +sip:$u@127.0.0.1:${PHONE_PORT[$u]} "
done
case_end

case_begin "ring-all: 1001 and 1002 ring at once, 1001 answers (and hangs up), 1002 is CANCELled (487)"
mark_log
phone 1001 "$SIPP_DIR/dial_uas_bye.xml" -d 1000
phone 1002 "$SIPP_DIR/uas_ring.xml"
call 2001 dial_uac_bye.xml
expect_rc 0
phone_done "$PID_1001" "$TMP/1001.out" "the answering phone"
phone_done "$PID_1002" "$TMP/1002.out" "the ringing phone (expecting CANCEL)"
cancelled 1002
# 1002 rang (180) before 1001 answered: both rang at once.
grep -q "^SIP/2.0 180 Ringing" "$TMP/1002.msg" || fail "1002 did not ring"
expect_log "result 2001: status=answered cause=normal tried=2 step=1 channel=SIP/1001-"
expect_log "ended_by=callee"
log_has "dial step" && fail "ring-all went in steps"
case_end

case_begin "ring-all, the caller hangs up the answered call: answered, ended by the caller, with who and how long"
mark_log
phone 1001 "$SIPP_DIR/uas_answer.xml"
phone 1002 "$SIPP_DIR/uas_ring.xml"
call 2001 uac_call.xml
expect_rc 0
phone_done "$PID_1001" "$TMP/1001.out" "the answering phone (BYE from the PBX)"
phone_done "$PID_1002" "$TMP/1002.out" "the ringing phone (expecting CANCEL)"
cancelled 1002
# The dial says what it got to; the next wait then ends the call (hang-up wins).
expect_log "result 2001: status=answered cause=normal tried=2 step=1 channel=SIP/1001-"
expect_log "ended_by=caller"
case_end

case_begin "sequential: 1004 (not registered) and 1001 (busy) are passed at once, 1002 answers"
mark_log
phone 1001 "$SIPP_DIR/uas_busy.xml"
phone 1002 "$SIPP_DIR/dial_uas_bye.xml" -d 100
call 2002 dial_uac_bye.xml
expect_rc 0
phone_done "$PID_1001" "$TMP/1001.out" "the busy phone"
phone_done "$PID_1002" "$TMP/1002.out" "the answering phone"
# Each target rings up to 3 s: well under that, nobody waited for one.
between 0 2500
expect_log "'1004' has nothing to ring (unavailable)"
expect_log "dial step 3 of 3"
expect_log "result 2002: status=answered cause=normal tried=3 step=3 channel=SIP/1002-"
case_end

case_begin "sequential: 1001 rings out after its 3 s, then 1002 answers"
mark_log
phone 1001 "$SIPP_DIR/uas_ring.xml"
phone 1002 "$SIPP_DIR/dial_uas_bye.xml" -d 100
call 2002 dial_uac_bye.xml
expect_rc 0
phone_done "$PID_1001" "$TMP/1001.out" "the ringing phone (expecting CANCEL)"
phone_done "$PID_1002" "$TMP/1002.out" "the answering phone"
cancelled 1001
between 3000 6000
expect_log "result 2002: status=answered cause=normal tried=3 step=3 channel=SIP/1002-"
case_end

case_begin "find-me: step 1 (1001) rings its 1.5 s, step 2 rings 1002 and 1003, 1003 answers: step 2"
mark_log
phone 1001 "$SIPP_DIR/uas_ring.xml"
phone 1002 "$SIPP_DIR/uas_ring.xml"
phone 1003 "$SIPP_DIR/dial_uas_bye.xml" -d 500
call 2004 dial_uac_bye.xml
expect_rc 0
phone_done "$PID_1001" "$TMP/1001.out" "step 1's phone (expecting CANCEL)"
phone_done "$PID_1002" "$TMP/1002.out" "step 2's phone that loses (expecting CANCEL)"
phone_done "$PID_1003" "$TMP/1003.out" "step 2's phone that answers"
cancelled 1001
cancelled 1002
between 1500 5000
expect_log "dial step 2 of 2"
expect_log "result 2004: status=answered cause=normal tried=3 step=2 channel=SIP/1003-"
# Step 2 began once step 1's leg had rung out, and no earlier.
[ "$(log_line "dial step 2 of 2")" -gt "$(log_line "dial step 1 of 2")" ] || fail "the steps ran out of order"
case_end

case_begin "a target's own timeout: 1001 (1 s) is cancelled while 1002 rings on and answers at 2.5 s"
mark_log
phone 1001 "$SIPP_DIR/uas_ring.xml"
phone 1002 "$SIPP_DIR/dial_uas_bye.xml" -d 2500
t0=$(now_ms)
start_phone caller "$CALLER_PORT" 127.0.0.1:"$PORT" -sf "$(scenario dial_uac_bye.xml 1000 alice-pw)" -s 2005
CALLER_PID=$PHONE_PID
wait_exit "$PID_1001" 5 || fail "1001 was not cancelled"
ELAPSED=$(($(now_ms) - t0))
between 800 2300
alive "$CALLER_PID" || fail "the call ended with 1001's leg"
phone_done "$CALLER_PID" "$TMP/caller.out" "the caller"
phone_done "$PID_1002" "$TMP/1002.out" "the late answering phone"
cancelled 1001
expect_log "result 2005: status=answered cause=normal tried=2 step=1 channel=SIP/1002-"
case_end

case_begin "total=2: the hunt stops at 2 s while 1001 rings; 1002 never rings; the caller gets 480"
mark_log
phone 1001 "$SIPP_DIR/uas_ring.xml"
call 2006 uac_fail.xml 480
expect_rc 0
phone_done "$PID_1001" "$TMP/1001.out" "the ringing phone (expecting CANCEL)"
cancelled 1001
between 1800 4000
expect_log "result 2006: status=noanswer cause=noanswer tried=1 step=nil channel=nil ended_by=timeout"
log_has "dial step 2 of 2" && fail "the second step started after total= was up"
case_end

# cid EXTEN REGEXP WHAT: the callee's From must match REGEXP (dial_uas_cid.xml:
# "." for a double quote; sed drops backslashes: [.] for a dot).
cid() {
	sed "s#FROM_RE#$2#" "$SIPP_DIR/dial_uas_cid.xml" >"$TMP/uas_cid.xml"
	phone 1001 "$TMP/uas_cid.xml"
	call "$1" uac_fail.xml 486
	expect_rc 0
	phone_done "$PID_1001" "$TMP/1001.out" "the callee checking $3"
	context "$(grep -m1 '^From:' "$TMP/1001.msg" 2>/dev/null)"
}

case_begin "caller_id = {number = \"100\", name = \"Reception\"}: the callee's From shows them"
cid 2007 '^ *.Reception. .sip:100@127[.]0[.]0[.]1[>;:]' 'From: "Reception" <sip:100@...>'
case_end

case_begin "caller_id = {name = \"Sales\"}: the name changes, the number stays the caller's"
cid 2017 '^ *.Sales. .sip:1000@127[.]0[.]0[.]1[>;:]' 'From: "Sales" <sip:1000@...>'
case_end

case_begin "caller_id = {name = \"\"}: the callee's From has no display name"
cid 2037 '^ *.sip:1000@127[.]0[.]0[.]1[>;:]' 'From: <sip:1000@...>'
case_end

case_begin "no caller_id: the callee sees the caller's user and name"
cid 2027 '^ *.Alice. .sip:1000@127[.]0[.]0[.]1[>;:]' 'From: "Alice" <sip:1000@...>'
case_end

case_begin "branching on the status: busy -> the dialplan hangs up \"rejected\": the caller gets 603"
mark_log
phone 1001 "$SIPP_DIR/uas_busy.xml"
call 2008 uac_fail.xml 603
expect_rc 0
phone_done "$PID_1001" "$TMP/1001.out" "the busy phone"
expect_log "result 2008: status=busy cause=busy tried=1"
case_end

case_begin "branching on the status: noanswer -> \"congestion\": the caller gets 503"
mark_log
phone 1001 "$SIPP_DIR/uas_ring.xml"
call 2008 uac_fail.xml 503
expect_rc 0
phone_done "$PID_1001" "$TMP/1001.out" "the ringing phone (expecting CANCEL)"
cancelled 1001
expect_log "result 2008: status=noanswer cause=noanswer tried=1"
case_end

case_begin "call:progress() on an INVITE without SDP: 183 Session Progress without SDP (nothing to answer yet), then 486"
mark_log
sed 's#<recv response="180" optional="true"/>#<recv response="183"/>#' "$(scenario uac_fail.xml 1000 alice-pw 486)" \
	>"$TMP/uac_progress.xml"
sipp_run progress 127.0.0.1:"$PORT" -sf "$TMP/uac_progress.xml" -s 2009 -p "$CALLER_PORT" \
	-trace_msg -message_file "$TMP/progress.msg"
expect_rc 0
expect_log "progress: true"
python3 - "$TMP/progress.msg" <<'PY' || fail "the 183 is not as expected"
import re, sys
text = open(sys.argv[1], errors='replace').read().replace('\r', '')
msgs = [b.partition('\n\n')[2].lstrip('\n') for b in re.split(r'^-{20,} .*\n', text, flags=re.M)]
p = [m for m in msgs if m.startswith('SIP/2.0 183 ')]
if not p:
    sys.exit("no 183 received")
if not re.search(r'^Content-Length: *0$', p[0], re.M) or re.search(r'^Content-Type:', p[0], re.M):
    sys.exit("the 183 carries a body:\n" + p[0])
if not re.search(r'^To: .*;tag=', p[0], re.M):
    sys.exit("the 183 has no To tag")
PY
case_end

# headers KEY CODE: the caller sends X-Route-Key: KEY, two X-Tag lines and a
# User-Agent; the dialplan routes on the key.
headers() {
	sed "s#^Max-Forwards: 70\$#&\nUser-Agent: Dptests-Phone/1.0\nX-Route-Key: $1\nX-Tag: one\nX-Tag: two#" \
		"$(scenario uac_fail.xml 1000 alice-pw "$2")" >"$TMP/uac_headers.xml"
	sipp_run "headers-$1" 127.0.0.1:"$PORT" -sf "$TMP/uac_headers.xml" -s 2010 -p "$CALLER_PORT"
	expect_rc 0
}

case_begin "call.headers: routed on X-Route-Key: gold (486), User-Agent and repeated X-Tag read"
mark_log
headers gold 486
expect_log "headers: ua=Dptests-Phone/1.0 route=gold tag=one tags=one,two via=1"
case_end

case_begin "call.headers: another X-Route-Key goes elsewhere (404)"
mark_log
headers silver 404
expect_log "headers: ua=Dptests-Phone/1.0 route=silver tag=one tags=one,two via=1"
case_end

calls_all_gone

finish
