#!/usr/bin/env bash
# test_crash_safety.sh: kill -9 right after the phones were told they are
# registered loses none of them (the registrar answers 200 only once the store has
# committed the binding); the restarted PBX lists every one and calls reach them;
# a registration removed before the kill stays removed. (Voicemail, stored
# messages and users' features are killed the same way in test_voicemail,
# test_sip_message and test_sip_features.)
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/lib_sipp.sh"

need_tools sipp

PORT=$(free_port)
CFG=$TMP/crash.lua
calls_config "$CFG" "listen = { \"udp:127.0.0.1:$PORT\" }" 3
start_or_bail "$CFG"

declare -A PASS=([1000]=alice-pw [1001]=bob-pw [1002]=carol-pw [1003]=dave-pw)
declare -A PHONE_PORTS

case_begin "four phones register (200 each), then the PBX is killed with SIGKILL at once"
for u in 1000 1001 1002 1003; do
	PHONE_PORTS[$u]=$(free_port)
	f=$(scenario register_code.xml "$u" "${PASS[$u]}" 200)
	sed -i "s/EXPIRES/3600/g" "$f"
	sipp_run "reg_$u" 127.0.0.1:"$PORT" -sf "$f" -p "${PHONE_PORTS[$u]}"
	expect_rc 0
done
# 1003 changes its mind: removed (Expires: 0), then the kill.
f=$(scenario register_code.xml 1003 dave-pw 200)
sed -i "s/EXPIRES/0/g" "$f"
sipp_run unreg_1003 127.0.0.1:"$PORT" -sf "$f" -p "${PHONE_PORTS[1003]}"
expect_rc 0
{ kill -KILL "$PBX_PID"; wait "$PBX_PID"; } 2>/dev/null
case_end

case_begin "after the restart every registration the phones were told about is there; the removed one is not"
if start_pbx "$CFG"; then
	pbx "sip show registrations"
	for u in 1000 1001 1002; do
		expect_out_re "^$u +sip:$u@127.0.0.1:${PHONE_PORTS[$u]} "
	done
	grep -qE "^1003 " <<<"$OUT" && fail "1003's removal was lost: $OUT"
else
	fail "the PBX did not start again"
fi
case_end

case_begin "a call reaches a phone registered before the kill"
start_phone callee "${PHONE_PORTS[1001]}" -sf "$SIPP_DIR/uas_answer.xml"
CALLEE_PID=$PHONE_PID
sipp_run call 127.0.0.1:"$PORT" -sf "$(scenario uac_call.xml 1000 alice-pw)" -s 1001 -p "$(free_port)"
expect_rc 0
phone_done "$CALLEE_PID" "$TMP/callee.out" "the callee"
case_end

finish
