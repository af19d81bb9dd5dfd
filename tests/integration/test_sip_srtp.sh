#!/usr/bin/env bash
# test_sip_srtp.sh: SRTP (SDES, RFC 4568) on calls whose SIP runs over TLS, with
# real phones: two baresip phones register over TLS, one offering RTP/SAVP
# (mediaenc=srtp-mand), one "best effort" (mediaenc=srtp: RTP/AVP with a=crypto),
# and call each other through the PBX; each hears the other's tone (sox), the PBX
# reports both legs as SRTP with no authentication failure, and plain RTP sent to
# an SRTP leg's port is dropped and counted as an authentication failure. A UDP
# baresip calling a TLS one gets a call whose UDP leg is plain RTP and whose TLS
# leg is SRTP, the relay decrypting on one side and encrypting on the other.
# SIPp phones (UDP, or TCP through socat to the PBX's TLS listener, since Debian's
# SIPp has no TLS) check the offer/answer rules: an SRTP offer over UDP is refused
# (no keys in clear-text SDP), over TLS it is answered RTP/SAVP with our own key,
# a crypto line with an MKI gets 488 with a Warning, settings.rtp.srtp = "require"
# refuses plain RTP and "off" refuses SRTP.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/lib_sipp.sh"
. "$(dirname "$0")/baresip.sh"

need_tools sipp socat openssl sox
[ -f /usr/lib/baresip/modules/srtp.so ] || {
	echo "not ok - baresip's srtp module (/usr/lib/baresip/modules/srtp.so) is missing"
	exit 1
}

PORT=$(free_port)        # UDP
TLS_PORT=$(free_port)    # TLS
RELAY_PORT=$(free_port)  # socat: TCP in, TLS to the PBX
CALLER_PORT=$(free_port) # SIPp
RTP_LO=$(rtp_range 40)
RTP_HI=$((RTP_LO + 39))

# --- a CA and the PBX's certificate ---
if ! openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 2 -subj "/CN=SRTP test CA" \
	-keyout "$TMP/ca.key" -out "$TMP/ca.pem" 2>/dev/null ||
	! openssl req -new -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -subj "/CN=strowger.test" \
		-keyout "$TMP/pbx.key" -out "$TMP/pbx.csr" 2>/dev/null ||
	! openssl x509 -req -in "$TMP/pbx.csr" -CA "$TMP/ca.pem" -CAkey "$TMP/ca.key" -set_serial 1 -days 2 \
		-extfile <(echo "subjectAltName=IP:127.0.0.1") -out "$TMP/pbx.pem" 2>/dev/null; then
	echo "not ok - openssl makes the test certificates"
	exit 1
fi

CFG=$TMP/srtp.lua
write_config() { # write_config SRTP_MODE
	cat >"$CFG" <<EOF
settings {
  modules = { "chan_sip" },
  log = { level = "info" },
  sip = { listen = { "udp:127.0.0.1:$PORT", "tls:127.0.0.1:$TLS_PORT" }, qualify = 0,
          tls_cert = "$TMP/pbx.pem", tls_key = "$TMP/pbx.key", tls_ca = "$TMP/ca.pem" },
  rtp = { address = "127.0.0.1", rtp_start = $RTP_LO, rtp_end = $RTP_HI, srtp = "$1" },
}
users {
  ["1000"] = { name = "Alice", password = "alice-pw", context = "office" },
  ["1002"] = { name = "Carol", password = "carol-pw", context = "office" },
  ["1003"] = { name = "Dave", password = "dave-pw", context = "office" },
  ["1004"] = { name = "Erin", password = "erin-pw", context = "office" },
}
extensions = {
  office = {
    ["2000"] = function(call) call:answer(); call:sleep(10) end,
    ["_10XX"] = function(call)
      local r = call:dial(call.to, { timeout = 10 })
      log.notice("dial %s from %s: %s", call.to, call.from, r.status)
      if r.status ~= "answered" then call:hangup(r.cause) end
    end,
  },
}
EOF
}
write_config tls
start_or_bail "$CFG"

# --- helpers ---

# bg NAME COMMAND...: COMMAND in the background (bounded), output in $TMP/NAME.out.
bg() {
	local name=$1
	shift
	(cd "$TMP" && exec timeout 30 "$@" >"$TMP/$name.out" 2>&1 </dev/null) &
	PIDS+=("$!")
}
tcp_listening() { grep -q ":$(printf %04X "$1") 00000000:0000 0A" /proc/net/tcp; }
# relay_to_pbx: socat carries one TCP connection on RELAY_PORT over TLS to the PBX.
relay_to_pbx() {
	bg relay socat TCP-LISTEN:"$RELAY_PORT",bind=127.0.0.1,reuseaddr \
		OPENSSL:127.0.0.1:"$TLS_PORT",cafile="$TMP/ca.pem"
	poll_until 5 tcp_listening "$RELAY_PORT"
}

# offer NAME XML CODE BODY [over]: SIPp as 1000 calls 2000 with BODY as its offer
# and expects CODE; "tls" sends it through the relay (the PBX sees a TLS leg).
# RESP: the final response as SIPp received it.
offer() {
	local name=$1 xml=$TMP/uac_$1.xml
	printf '%s\n' "$4" >"$TMP/$name.sdp"
	sed -e "/^SDP_BODY\$/{r $TMP/$name.sdp" -e 'd}' "$(scenario "$2" 1000 alice-pw "$3")" >"$xml"
	mark_log
	local dest=127.0.0.1:$PORT args=()
	if [ "${5:-}" = tls ]; then
		relay_to_pbx
		dest=127.0.0.1:$RELAY_PORT
		args=(-t t1)
	fi
	sipp_run "$name" "$dest" "${args[@]}" -sf "$xml" -s 2000 -p "$CALLER_PORT" -trace_msg -message_file "$TMP/$name.msg"
	expect_rc 0
	RESP=$(tr -d '\r' <"$TMP/$name.msg" | awk -v code="SIP/2.0 $3 " '/message (sent|received)/ { keep = 0 } index($0, code) == 1 { keep = 1 } keep')
}

# refused NAME CODE BODY REASON [over]: the offer gets 488 with REASON in a
# Warning, and the log says why.
refused() {
	offer "$1" media_uac_offer.xml 488 "$2" "${4:-}"
	grep -qF "Warning: 305 strowger \"$3\"" <<<"$RESP" || {
		fail "no 488 with 'Warning: 305 strowger \"$3\"'"
		context "$RESP"
	}
	expect_log "call from 1000 refused: $3"
}

# expect_srtp_legs FROM TO: the two legs of the call are SRTP, nothing refused.
expect_srtp_legs() {
	pbx "rtp show sessions"
	local from=$1 to=$2
	expect_out_re "^ +SIP/$from-[0-9]+: SRTP AES_CM_128_HMAC_SHA1_(80|32), auth-failed 0, replayed 0\$" \
		"^ +SIP/$to-[0-9]+: SRTP AES_CM_128_HMAC_SHA1_(80|32), auth-failed 0, replayed 0\$" "^2 sessions;"
}

# call_up CALLER FROM CALLEE TO VIA: CALLER dials TO; both phones are in the call.
call_up() {
	mark_log
	phone_mark "$1" "$3"
	expect_cmd "$1" dial "$4"
	expect_phone "$3" "call: answering call on line 1 from sip:$2@"
	expect_phone "$1" "Call established: sip:$4@127.0.0.1:$5"
	expect_phone "$3" "Call established: sip:$2@127.0.0.1"
	expect_phone "$1" "receiving from 127.0.0.1:"
	expect_phone "$3" "receiving from 127.0.0.1:"
}

# heard CALLER CALLEE FROM TO CTONE ETONE: the phones record a second of each
# other, CALLER hangs up, and each heard the other's tone.
heard() {
	local a b
	a=$(dec_wav "$1")
	b=$(dec_wav "$2")
	poll_until 10 wav_holds "$a" 1 && poll_until 10 wav_holds "$b" 1 ||
		fail "the phones recorded less than a second of each other's audio"
	phone_mark "$1" "$2"
	expect_cmd "$1" hangup
	expect_phone_closed "$2"
	expect_log "dial $4 from $3: answered"
	pbx_until 5 "rtp show sessions" "0 sessions;" || fail "RTP sessions are left on the PBX"
	expect_tone "$b" "$5"
	expect_tone "$a" "$6"
}

# --- baresip phones ---

C_PORT=$(free_ports 3)
D_PORT=$(free_ports 3)
while ! apart "$D_PORT" "$C_PORT"; do D_PORT=$(free_ports 3); done
E_PORT=$(free_ports 3)
while ! apart "$E_PORT" "$C_PORT" "$D_PORT"; do E_PORT=$(free_ports 3); done
C_TONE=1000
D_TONE=440
E_TONE=600
TLS_REG="127.0.0.1:$TLS_PORT;transport=tls"
PHONE_MODULES="module srtp.so" PHONE_CA=$TMP/ca.pem PHONE_ACCOUNT="mediaenc=srtp-mand" \
	start_baresip carol 1002 carol-pw "$C_PORT" "$C_TONE" "$TLS_REG"
PHONE_MODULES="module srtp.so" PHONE_CA=$TMP/ca.pem PHONE_ACCOUNT="mediaenc=srtp" \
	start_baresip dave 1003 dave-pw "$D_PORT" "$D_TONE" "$TLS_REG"
start_baresip erin 1004 erin-pw "$E_PORT" "$E_TONE"

case_begin "baresip phones register: two over TLS with SRTP, one over UDP"
expect_phone carol "1002@127.0.0.1: {0/TLS/v4} 200 OK" 10
expect_phone dave "1003@127.0.0.1: {0/TLS/v4} 200 OK" 10
expect_phone erin "1004@127.0.0.1: {0/UDP/v4} 200 OK" 10
for p in carol dave erin; do expect_phone "$p" "baresip is ready." 10; done
case_end

case_begin "1002 (RTP/SAVP) calls 1003 over TLS: both legs SRTP, each hears the other"
call_up carol 1002 dave 1003 "$TLS_PORT"
expect_phone carol "srtp: audio: SRTP is Enabled (cryptosuite=AES_CM_128_HMAC_SHA1_"
expect_phone dave "srtp: audio: SRTP is Enabled (cryptosuite=AES_CM_128_HMAC_SHA1_"
expect_srtp_legs 1002 1003
expect_log "SRTP AES_CM_128_HMAC_SHA1_"
# Plain RTP (a PCMU packet) sent to an SRTP leg's port: authentication fails, dropped.
port=$(pbx "rtp show sessions" >/dev/null; sed -n "s/^[0-9]* *SIP\/1003-[0-9]* *[0-9]* *127\.0\.0\.1:\([0-9]*\) .*/\1/p" <<<"$OUT" | head -1)
if [ -z "$port" ]; then
	fail "no RTP port for 1003's leg in rtp show sessions"
else
	for i in 1 2 3; do
		printf '\x80\x00\x00\x0%s\x00\x00\x00\xa0\x12\x34\x56\x78%0160d' "$i" 0 >/dev/udp/127.0.0.1/"$port"
	done
	pbx_until 5 "rtp show sessions" "auth-failed 3," || fail "3 plain RTP packets were not counted as authentication failures"
	expect_log "SRTP authentication failed for"
fi
heard carol dave 1002 1003 "$C_TONE" "$D_TONE"
case_end

case_begin "1003 (RTP/AVP with a=crypto, best effort) calls 1002: SRTP both ways again"
call_up dave 1003 carol 1002 "$TLS_PORT"
expect_phone carol "srtp: audio: SRTP is Enabled (cryptosuite=AES_CM_128_HMAC_SHA1_"
expect_phone dave "srtp: audio: SRTP is Enabled (cryptosuite=AES_CM_128_HMAC_SHA1_"
expect_srtp_legs 1003 1002
heard dave carol 1003 1002 "$D_TONE" "$C_TONE"
case_end

case_begin "1004 over UDP calls 1003 over TLS: RTP on one leg, SRTP on the other, the relay converts"
call_up erin 1004 dave 1003 "$PORT"
expect_phone dave "srtp: audio: SRTP is Enabled (cryptosuite=AES_CM_128_HMAC_SHA1_"
pbx "rtp show sessions"
expect_out_re "^ +SIP/1003-[0-9]+: SRTP AES_CM_128_HMAC_SHA1_(80|32), auth-failed 0, replayed 0\$" "^2 sessions;"
grep -qE "SIP/1004-[0-9]+: SRTP" <<<"$OUT" && fail "the UDP leg is listed as SRTP"
heard erin dave 1004 1003 "$E_TONE" "$D_TONE"
case_end

# --- offer/answer rules, with SIPp ---

SDP_HEAD=$'v=0\no=caller 1 1 IN IP4 127.0.0.1\ns=-\nc=IN IP4 127.0.0.1\nt=0 0'
KEY=WVNfX19zZW1jdGwgKCkgewkyMjA7fQp9CnVubGVz
SAVP="$SDP_HEAD"$'\nm=audio 30000 RTP/SAVP 0\na=crypto:1 AES_CM_128_HMAC_SHA1_80 inline:'"$KEY"
PLAIN="$SDP_HEAD"$'\nm=audio 30000 RTP/AVP 0 8'

case_begin "an SRTP offer over UDP: 488, no keys in clear-text SDP"
refused savp_udp "$SAVP" "SRTP needs SIP over TLS: no keys in clear-text SDP"
case_end

case_begin "an SRTP offer over TLS: answered RTP/SAVP with the PBX's own key"
offer savp_tls srtp_uac_call.xml 200 "$SAVP" tls
if ! grep -qE "^m=audio [0-9]+ RTP/SAVP 0" <<<"$RESP" ||
	! grep -qE "^a=crypto:1 AES_CM_128_HMAC_SHA1_80 inline:[A-Za-z0-9+/]{40}$" <<<"$RESP"; then
	fail "the 200 does not answer RTP/SAVP with a crypto line of tag 1"
	context "$RESP"
fi
grep -qF "$KEY" <<<"$RESP" && fail "the answer repeats the caller's key"
case_end

case_begin "an SRTP offer over TLS whose crypto line has an MKI: 488 with the reason"
refused mki "$SAVP|2^20|1:4" "MKI in a=crypto is not supported" tls
case_end

case_begin "settings.rtp.srtp = \"require\": a plain RTP offer gets 488"
write_config require
pbx "dialplan reload"
refused plain_require "$PLAIN" "SRTP is required and needs SIP over TLS"
offer savp_require srtp_uac_call.xml 200 "$SAVP" tls
grep -qE "^m=audio [0-9]+ RTP/SAVP 0" <<<"$RESP" || fail "SRTP over TLS is not answered with require"
case_end

case_begin "settings.rtp.srtp = \"off\": an SRTP offer over TLS gets 488"
write_config off
pbx "dialplan reload"
refused savp_off "$SAVP" "SRTP is disabled by settings.rtp.srtp" tls
case_end

case_begin "settings.rtp.srtp = \"best_effort\": 1002 calls 1003, offered RTP/AVP with a=crypto, SRTP both ways"
write_config best_effort
pbx "dialplan reload"
call_up carol 1002 dave 1003 "$TLS_PORT"
expect_phone dave "srtp: audio: SRTP is Enabled (cryptosuite=AES_CM_128_HMAC_SHA1_"
expect_srtp_legs 1002 1003
heard carol dave 1002 1003 "$C_TONE" "$D_TONE"
case_end

case_begin "the phones quit; nothing is left on the PBX"
for p in carol dave erin; do
	expect_cmd "$p" quit
	wait_exit "${PHONE_PID[$p]}" 10 || fail "phone $p still runs 10 s after quit"
done
no_leftovers
case_end

finish
