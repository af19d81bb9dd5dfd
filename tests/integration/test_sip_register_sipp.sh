#!/usr/bin/env bash
# test_sip_register_sipp.sh: the registrar against SIPp phones (test_sip_registrar.sh
# does the same and more with sipsak): no credentials get a digest challenge (401),
# good ones 200, a wrong password 403; Expires: 0 removes the binding, and a short
# registration expires on its own.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/lib_sipp.sh"

need_tools sipp

PORT=$(free_port)
PHONE_PORT=$(free_port)

CFG=$TMP/register.lua
calls_config "$CFG" "listen = { \"udp:127.0.0.1:$PORT\" }, min_expires = 1" 20
start_or_bail "$CFG"

# reg NAME USER PASS EXPIRES CODE: one SIPp REGISTER with digest auth.
reg() {
	local f
	f=$(scenario register_code.xml "$2" "$3" "$5")
	sed -i "s/EXPIRES/$4/g" "$f"
	sipp_run "$1" 127.0.0.1:"$PORT" -sf "$f" -p "$PHONE_PORT"
}

case_begin "a REGISTER without credentials gets a digest challenge (401)"
sipp_run noauth 127.0.0.1:"$PORT" -sf "$(scenario register_noauth.xml 1000 x)" -p "$PHONE_PORT"
expect_rc 0
case_end

case_begin "good credentials: 200, and the binding is listed"
reg good 1000 alice-pw 300 200
expect_rc 0
pbx "sip show registrations"
expect_out_re "^1000 +sip:1000@127.0.0.1:$PHONE_PORT "
case_end

case_begin "a wrong password: 403, and no binding is added"
reg wrong 1001 not-bobs 300 403
expect_rc 0
pbx "sip show registrations"
expect_no_out "sip:1001@"
case_end

case_begin "Expires: 0 removes the binding"
reg remove 1000 alice-pw 0 200
expect_rc 0
pbx "sip show registrations"
expect_no_out "sip:1000@127.0.0.1:$PHONE_PORT"
case_end

case_begin "a 2-second registration expires on its own"
reg short 1002 carol-pw 2 200
expect_rc 0
pbx "sip show registrations"
expect_out "sip:1002@127.0.0.1:$PHONE_PORT"
# The location service sweeps every 5 s.
pbx_until 10 "sip show registrations" "0 registrations" || fail "the binding outlived its 2 s: $OUT"
case_end

finish
