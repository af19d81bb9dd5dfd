#!/usr/bin/env bash
# test_sip_wildcard.sh: a PBX listening on the wildcard address (udp:0.0.0.0) must
# still write a real address into the Via and Contact of the requests it sends:
# the source address the kernel routes to the phone from (here 127.0.0.1), found
# once per destination and remembered. All traffic stays on 127.0.0.1.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/lib_sipp.sh"

need_tools sipp socat

PORT=$(free_port)
CALLEE_PORT=$(free_port)
CALLER_PORT=$(free_port)

CFG=$TMP/wildcard.lua
calls_config "$CFG" "listen = { \"udp:0.0.0.0:$PORT\" }" 2
start_or_bail "$CFG"

case_begin "the callee registers through the wildcard listener"
sipp_run reg 127.0.0.1:"$PORT" -sf "$(scenario register.xml 1001 bob-pw)" -p "$CALLEE_PORT"
expect_rc 0
case_end

case_begin "two calls: each INVITE to the callee names 127.0.0.1 in its Via and Contact, never 0.0.0.0"
# The callee's port only records what arrives; the dial gives up after 2 s (480).
(exec timeout 15 socat -u "UDP-RECV:$CALLEE_PORT,bind=127.0.0.1,reuseaddr" "OPEN:$TMP/callee.bin,creat,append") &
SOCAT_PID=$!
PIDS+=("$SOCAT_PID")
poll_until 3 port_bound "$CALLEE_PORT" || fail "socat does not listen on $CALLEE_PORT"
for n in 1 2; do
	sipp_run "call$n" 127.0.0.1:"$PORT" -sf "$(scenario uac_fail.xml 1000 alice-pw 480)" -s 1001 -p "$CALLER_PORT"
	expect_rc 0
done
vias=$(grep -a '^Via: SIP/2.0/UDP ' "$TMP/callee.bin" | tr -d '\r' | sed 's/;.*//' | sort -u)
[ "$vias" = "Via: SIP/2.0/UDP 127.0.0.1:$PORT" ] || fail "the INVITEs' Vias were: $vias"
grep -a '^Contact:' "$TMP/callee.bin" | grep -vq "@127.0.0.1:$PORT" && fail "a Contact does not name 127.0.0.1:$PORT"
grep -aq '0\.0\.0\.0' "$TMP/callee.bin" && fail "0.0.0.0 was written into a request"
n=$(grep -ac '^INVITE ' "$TMP/callee.bin")
[ "$n" -ge 2 ] || fail "the callee got $n INVITEs, not 2 or more"
kill "$SOCAT_PID" 2>/dev/null
wait_exit "$SOCAT_PID" 5
case_end

calls_all_gone
finish
