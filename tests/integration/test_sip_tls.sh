#!/usr/bin/env bash
# test_sip_tls.sh: SIP over TLS with real peers on loopback, against a throwaway CA
# made here with the openssl CLI. Debian's SIPp 3.6.1 is built without TLS (`sipp -t
# l1`: "To use a TLS transport you must compile SIPp with OpenSSL") and sipsak's
# GnuTLS handshake fails, so SIPp phones speak TCP to socat, which carries their
# bytes over TLS and checks the PBX's certificate against the CA: a TLS phone
# registers (digest: 401, then 200) and is called from a UDP phone over its own
# connection, a TLS phone calls a UDP phone, and a sips: dial opens a TLS client
# connection to a SIPp phone behind a TLS socat (one whose certificate the CA did
# not sign is refused). baresip, which does TLS itself, is a real TLS phone:
# registering, calling and called by a baresip on UDP. `openssl s_client` carries
# hand-written OPTIONS over IPv4
# and IPv6 and garbage after the handshake (400 or close, close_notify, the PBX
# serving on); a peer that never handshakes is dropped after the timeout; renewed
# certificates come in on reload; broken TLS settings stop the PBX with FILE:LINE.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/lib_sipp.sh"
. "$(dirname "$0")/baresip.sh"

need_tools sipp socat openssl

PORT=$(free_port)        # UDP
TLS_PORT=$(free_port)    # TLS on 127.0.0.1 (and ::1)
BOB_PORT=$(free_port)    # SIPp as the UDP phone 1001
ALICE_PORT=$(free_port)  # SIPp as 1000, the caller (UDP, or TCP to the relay)
CAROL_PORT=$(free_port)  # SIPp as the TLS phone 1002 (TCP to the relay)
RELAY_PORT=$(free_port)  # socat: TCP in, TLS to the PBX
SERVER_PORT=$(free_port) # socat: TLS in (a certificate of the CA), TCP to SIPp
ROGUE_PORT=$(free_port)  # socat: TLS in (a self-signed certificate)
UAS_PORT=$(free_port)    # SIPp behind those two, on TCP

# IPv6 loopback, where the machine has it.
V6=
grep -q '^00000000000000000000000000000001 ' /proc/net/if_inet6 2>/dev/null && V6=1

# --- certificates: a CA, the PBX's (127.0.0.1 and ::1), a stranger's ---

selfsigned() { # selfsigned NAME CN [SAN]
	openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 2 -subj "/CN=$2" \
		${3:+-addext "subjectAltName=$3"} -keyout "$TMP/$1.key" -out "$TMP/$1.pem" 2>/dev/null
}
signed() { # signed NAME CN SAN: a certificate of the test CA
	openssl req -new -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -subj "/CN=$2" \
		-keyout "$TMP/$1.key" -out "$TMP/$1.csr" 2>/dev/null &&
		openssl x509 -req -in "$TMP/$1.csr" -CA "$TMP/ca.pem" -CAkey "$TMP/ca.key" -set_serial "$RANDOM" \
			-days 2 -extfile <(echo "subjectAltName=$3") -out "$TMP/$1.pem" 2>/dev/null
}
if ! selfsigned ca "Strowger test CA" || ! signed pbx "strowger.test" "IP:127.0.0.1,IP:::1" ||
	! signed renewed "renewed.strowger.test" "IP:127.0.0.1,IP:::1" || ! selfsigned rogue 127.0.0.1 "IP:127.0.0.1"; then
	echo "not ok - openssl makes the test certificates"
	exit 1
fi

CFG=$TMP/tls.lua
write_config() { # write_config CERT
	cat >"$CFG" <<EOF
settings {
  modules = { "chan_sip" },
  log = { level = "info" },
  -- No qualify OPTIONS: SIPp phones answer only what their scenario expects.
  sip = { listen = { "udp:127.0.0.1:$PORT", "tls:127.0.0.1:$TLS_PORT"${V6:+, \"tls:[::1]:$TLS_PORT\"} },
          t1 = 200, qualify = 0, tls_cert = "$1", tls_key = "$TMP/pbx.key", tls_ca = "$TMP/ca.pem",
          tls_handshake_timeout = 1000 },
  -- These TLS phones (SIPp, baresip without its srtp module) have no SRTP: the
  -- PBX's offers carry keys under RTP/AVP, which they answer with plain RTP.
  rtp = { srtp = "best_effort" },
}
users {
  ["1000"] = { name = "Alice", password = "alice-pw", context = "office" },
  ["1001"] = { name = "Bob", password = "bob-pw", context = "office" },
  ["1002"] = { name = "Carol", password = "carol-pw", context = "office" },
  ["1003"] = { name = "Dave", password = "dave-pw", context = "office" },
  ["1004"] = { name = "Erin", password = "erin-pw", context = "office" },
}
local function dial(call, dest)
  local r = call:dial(dest, { timeout = 5 })
  log.notice("dial %s from %s: %s", dest, call.from, r.status)
  if r.status ~= "answered" then call:hangup(r.cause) end
end
extensions = {
  office = {
    ["3000"] = function(call) dial(call, "sips:server@127.0.0.1:$SERVER_PORT") end,
    ["3001"] = function(call) dial(call, "sip:rogue@127.0.0.1:$ROGUE_PORT;transport=tls") end,
    ["_10XX"] = function(call) dial(call, call.to) end,
  },
}
EOF
}
write_config "$TMP/pbx.pem"
start_or_bail "$CFG"

# --- helpers ---

# request FILE METHOD [CSEQ]: a hand-written request, as a TLS phone would send it.
request() {
	printf '%s sip:1000@127.0.0.1 SIP/2.0\r\nVia: SIP/2.0/TLS 127.0.0.1:5999;branch=z9hG4bK-%s\r\n%s\r\n' \
		"$2" "$RANDOM$RANDOM" "Max-Forwards: 70" >"$1"
	printf 'From: <sip:tester@127.0.0.1>;tag=%s\r\nTo: <sip:1000@127.0.0.1>\r\nCall-ID: %s@tls.test\r\n' \
		"$RANDOM" "$RANDOM$RANDOM" >>"$1"
	printf 'CSeq: %s\r\nContent-Length: 0\r\n\r\n' "${3:-1 $2}" >>"$1"
}

# tls_send HOST PORT FILE [s_client options]: FILE over TLS with openssl s_client,
# which checks the PBX's certificate for HOST against the test CA and leaves 1 s
# after sending (end of input). OUT: what came back; RC: s_client's status.
tls_send() {
	LAST_CMD="openssl s_client -connect $1:$2 < $(basename "$3")"
	CMD_SEQ=$((CMD_SEQ + 1))
	local host=$1
	[[ $1 == *:* ]] && host="[$1]"
	OUT=$({ cat "$3"; sleep 1; } | timeout 10 openssl s_client -quiet -no_ign_eof -connect "$host:$2" \
		-CAfile "$TMP/ca.pem" -verify_return_error -verify_ip "$1" "${@:4}" 2>&1)
	RC=$?
}

# tcp_listening PORT: something listens on 127.0.0.1:PORT (/proc/net/tcp is hex).
tcp_listening() {
	grep -q ":$(printf %04X "$1") 00000000:0000 0A" /proc/net/tcp
}

# bg NAME COMMAND...: runs COMMAND in the background (bounded), output in
# $TMP/NAME.out; BG_PID is its pid.
bg() {
	local name=$1
	shift
	(cd "$TMP" && exec timeout 30 "$@" >"$TMP/$name.out" 2>&1 </dev/null) &
	BG_PID=$!
	PIDS+=("$BG_PID")
}

# relay_to_pbx: socat takes one TCP connection on RELAY_PORT over TLS to the PBX,
# verifying its certificate against the CA.
relay_to_pbx() {
	bg relay socat TCP-LISTEN:"$RELAY_PORT",bind=127.0.0.1,reuseaddr \
		OPENSSL:127.0.0.1:"$TLS_PORT",cafile="$TMP/ca.pem"
	poll_until 5 tcp_listening "$RELAY_PORT"
}

# tls_server PORT CERT: socat takes one TLS connection on PORT with CERT and
# carries it to SIPp on UAS_PORT over TCP.
tls_server() {
	bg "server-$1" socat OPENSSL-LISTEN:"$1",bind=127.0.0.1,reuseaddr,cert="$TMP/$2.pem",key="$TMP/$2.key",verify=0 \
		TCP:127.0.0.1:"$UAS_PORT"
	poll_until 5 tcp_listening "$1"
}

# msg_has NAME TEXT: SIPp's message log NAME.msg holds TEXT.
msg_has() {
	if ! grep -qF -- "$2" "$TMP/$1.msg" 2>/dev/null; then
		fail "SIPp ($1) saw no '$2'"
		context "$(grep -aE '^(INVITE|BYE|ACK|REGISTER|SIP/2.0|Via|Contact)' "$TMP/$1.msg" 2>/dev/null | head -20)"
	fi
}

# --- listening ---

case_begin "the PBX listens on TLS (IPv4${V6:+ and IPv6}) and shows its TLS settings"
pbx "sip show transports"
expect_out "UDP    127.0.0.1:$PORT" "TLS    127.0.0.1:$TLS_PORT" "0 TLS connections" \
	"TLS: certificate $TMP/pbx.pem; minimum TLS 1.2; servers we connect to verified against $TMP/ca.pem"
[ -n "$V6" ] && expect_out "TLS    [::1]:$TLS_PORT"
case_end

case_begin "OPTIONS over TLS (s_client, certificate checked): 200 with Allow"
request "$TMP/options.req" OPTIONS
tls_send 127.0.0.1 "$TLS_PORT" "$TMP/options.req"
expect_rc 0
expect_out "SIP/2.0 200 OK" "Allow: INVITE, ACK, CANCEL, BYE, OPTIONS, REGISTER" "Via: SIP/2.0/TLS 127.0.0.1:5999"
case_end

if [ -n "$V6" ]; then
	case_begin "OPTIONS over TLS on IPv6 ([::1]): 200"
	tls_send ::1 "$TLS_PORT" "$TMP/options.req"
	expect_rc 0
	expect_out "SIP/2.0 200 OK"
	case_end
fi

# --- phones over TLS ---

case_begin "a TLS phone registers (SIPp through socat; digest: 401, then 200), bound to its connection"
relay_to_pbx
# Carol stays up 5 s after registering: the PBX's INVITE and BYE, which carry
# new Call-IDs, go to the out-of-call scenario (the answering phone).
sed 's|</scenario>|<pause milliseconds="5000"/></scenario>|' "$(scenario register.xml 1002 carol-pw)" >"$TMP/reg_wait.xml"
bg carol sipp -nostdin -i 127.0.0.1 -t t1 -p "$CAROL_PORT" -m 1 -timeout 20 -sf "$TMP/reg_wait.xml" \
	-oocsf "$SIPP_DIR/uas_answer.xml" -trace_msg -message_file "$TMP/carol.msg" 127.0.0.1:"$RELAY_PORT"
CAROL_PID=$BG_PID
pbx_until 5 "sip show registrations" "sip:1002@127.0.0.1:$CAROL_PORT"
expect_out_re "^1002 +sip:1002@127.0.0.1:$CAROL_PORT +[0-9]+ +TLS +127.0.0.1:[0-9]+ "
msg_has carol "SIP/2.0 401 Unauthorized"
msg_has carol "SIP/2.0 200 OK"
pbx "sip show transports"
expect_out "0 TCP connections, 1 TLS connection"
expect_out_re "^  TLS from 127.0.0.1:[0-9]+, TLSv1\.3 TLS_[A-Z0-9_]+ \(0 bytes queued\)"
case_end

case_begin "a UDP phone calls the TLS phone: INVITE and BYE over the phone's own connection"
mark_log
sipp_run to_tls 127.0.0.1:"$PORT" -sf "$(scenario uac_call.xml 1000 alice-pw)" -s 1002 -p "$ALICE_PORT"
expect_rc 0
expect_log "dial 1002 from 1000: answered"
msg_has carol "INVITE sip:1002@127.0.0.1:$CAROL_PORT SIP/2.0"
msg_has carol "Via: SIP/2.0/TLS 127.0.0.1:$TLS_PORT;"
msg_has carol "Contact: <sip:strowger@127.0.0.1:$TLS_PORT;transport=tls>"
msg_has carol "BYE sip:callee@127.0.0.1:$CAROL_PORT SIP/2.0"
phone_done "$CAROL_PID" "$TMP/carol.out" "the TLS phone"
case_end

case_begin "a TLS phone calls a UDP phone"
sipp_run reg_bob 127.0.0.1:"$PORT" -sf "$(scenario register.xml 1001 bob-pw)" -p "$BOB_PORT"
expect_rc 0
bg bob sipp -nostdin -i 127.0.0.1 -p "$BOB_PORT" -m 1 -timeout 20 -sf "$SIPP_DIR/uas_answer.xml"
BOB_PID=$BG_PID
poll_until 5 grep -q "$(printf ':%04X ' "$BOB_PORT")" /proc/net/udp
relay_to_pbx
mark_log
sipp_run from_tls 127.0.0.1:"$RELAY_PORT" -t t1 -sf "$(scenario uac_call.xml 1000 alice-pw)" -s 1001 \
	-p "$ALICE_PORT" -trace_msg -message_file "$TMP/alice.msg"
expect_rc 0
phone_done "$BOB_PID" "$TMP/bob.out" "the UDP phone"
expect_log "dial 1001 from 1000: answered"
msg_has alice "Contact: <sip:strowger@127.0.0.1:$TLS_PORT;transport=tls>"
case_end

case_begin "a sips: target: the PBX opens a TLS connection, checks the server's certificate, calls over it"
tls_server "$SERVER_PORT" pbx
bg uas sipp -nostdin -i 127.0.0.1 -t t1 -p "$UAS_PORT" -m 1 -timeout 20 -sf "$SIPP_DIR/uas_answer.xml" \
	-trace_msg -message_file "$TMP/uas.msg"
UAS_PID=$BG_PID
poll_until 5 tcp_listening "$UAS_PORT"
mark_log
sipp_run sips 127.0.0.1:"$PORT" -sf "$(scenario uac_call.xml 1000 alice-pw)" -s 3000 -p "$ALICE_PORT"
expect_rc 0
phone_done "$UAS_PID" "$TMP/uas.out" "the SIPp phone behind the TLS server"
expect_log "dial sips:server@127.0.0.1:$SERVER_PORT from 1000: answered"
msg_has uas "INVITE sips:server@127.0.0.1:$SERVER_PORT SIP/2.0"
msg_has uas "Via: SIP/2.0/TLS 127.0.0.1:$TLS_PORT;"
msg_has uas "Contact: <sips:strowger@127.0.0.1:$TLS_PORT>"
case_end

case_begin "a TLS server whose certificate the CA did not sign is refused; the caller gets 480"
tls_server "$ROGUE_PORT" rogue
mark_log
sipp_run rogue 127.0.0.1:"$PORT" -sf "$(scenario uac_fail.xml 1000 alice-pw 480)" -s 3001 -p "$ALICE_PORT"
expect_rc 0
expect_log "TLS handshake with 127.0.0.1:$ROGUE_PORT failed: certificate verify failed: self-signed certificate"
expect_log "dial sip:rogue@127.0.0.1:$ROGUE_PORT;transport=tls from 1000: unavailable"
case_end

# --- baresip: a real phone doing TLS ---

# Each baresip takes three ports: SIP (UDP, TCP), its TLS listener, ctrl_tcp.
D_PORT=$(free_ports 3)
E_PORT=$(free_ports 3)
while [ $((D_PORT - E_PORT)) -lt 3 ] && [ $((E_PORT - D_PORT)) -lt 3 ]; do E_PORT=$(free_ports 3); done
PHONE_CA=$TMP/ca.pem start_baresip dave 1003 dave-pw "$D_PORT" 440 "127.0.0.1:$TLS_PORT;transport=tls"
start_baresip erin 1004 erin-pw "$E_PORT" 1000

# reg_gone USER: no binding of USER is left.
reg_gone() {
	pbx "sip show registrations"
	! out_has "sip:$1-"
}

case_begin "baresip registers over TLS, checking the PBX's certificate against the CA"
expect_phone dave "1003@127.0.0.1: {0/TLS/v4} 200 OK" 10
expect_phone erin "1004@127.0.0.1: {0/UDP/v4} 200 OK" 10
expect_phone dave "baresip is ready." 10
expect_phone erin "baresip is ready." 10
pbx_until 5 "sip show registrations" "sip:1003-"
expect_out_re "^1003 +sip:1003-[^ ]*@127.0.0.1:$((D_PORT + 1));transport=tls +[0-9]+ +TLS +127.0.0.1:[0-9]+ .*baresip"
case_end

case_begin "a UDP baresip calls the TLS baresip, which answers over its own connection"
mark_log
phone_mark dave erin
expect_cmd erin dial 1003
expect_phone dave "call: answering call on line 1 from sip:1004@"
expect_phone erin "Call established: sip:1003@127.0.0.1:$PORT"
expect_phone dave "Call established: sip:1004@127.0.0.1"
pbx "sip show dialogs"
expect_out_re "^SIP/1004-[0-9]+ +in +confirmed +127.0.0.1:$E_PORT " "^SIP/1003-[0-9]+ +out +confirmed +127.0.0.1:"
pbx "sip show transports"
expect_out "1 TLS connection"
phone_mark dave erin
expect_cmd erin hangup
expect_phone_closed dave # the PBX's BYE, over TLS
expect_log "dial 1003 from 1004: answered"
case_end

case_begin "the TLS baresip calls the UDP baresip; the callee hangs up"
mark_log
phone_mark dave erin
expect_cmd dave dial 1004
expect_phone erin "call: answering call on line 1 from sip:1003@"
expect_phone dave "Call established: sip:1004@127.0.0.1:$TLS_PORT"
phone_mark dave erin
expect_cmd erin hangup
expect_phone_closed dave # the PBX's BYE, over TLS
expect_log "dial 1004 from 1003: answered"
pbx_until 5 "sip show dialogs" "0 dialogs" || fail "dialogs are left on the PBX"
case_end

case_begin "the baresip phones quit and unregister (the TLS one over its connection)"
for p in dave erin; do
	expect_cmd "$p" quit
	wait_exit "${PHONE_PID[$p]}" 10 || fail "phone $p still runs 10 s after quit"
done
poll_until 5 reg_gone 1003 || fail "1003 is still registered"
poll_until 5 reg_gone 1004 || fail "1004 is still registered"
case_end

# --- misbehaving peers ---

case_begin "a bad request after the handshake: 400, then the connection is closed with close_notify"
request "$TMP/bad.req" OPTIONS "nonsense"
tls_send 127.0.0.1 "$TLS_PORT" "$TMP/bad.req" -msg
expect_out "SIP/2.0 400 Bad CSeq" "<<< TLS 1.3, Alert [length 0002], warning close_notify"
case_end

case_begin "garbage after the handshake: the connection is closed at once; the PBX serves on"
printf 'this is no SIP at all\r\n\r\n' >"$TMP/garbage.req"
start=$(now_ms)
timeout 10 openssl s_client -quiet -connect 127.0.0.1:"$TLS_PORT" -CAfile "$TMP/ca.pem" \
	< <(cat "$TMP/garbage.req"; sleep 3) >/dev/null 2>&1
took=$(($(now_ms) - start))
[ "$took" -lt 2500 ] || fail "the connection stayed open ${took} ms"
tls_send 127.0.0.1 "$TLS_PORT" "$TMP/options.req"
expect_out "SIP/2.0 200 OK"
pbx_until 3 "sip show transports" "0 TCP connections, 0 TLS connections" || fail "connections left open"
case_end

case_begin "plain SIP sent to the TLS port fails the handshake, logged"
mark_log
timeout 5 socat -t 1 - TCP:127.0.0.1:"$TLS_PORT" <"$TMP/options.req" >/dev/null 2>&1
expect_log "TLS handshake from 127.0.0.1:"
log_has "failed:" || fail "the log does not say the handshake failed"
case_end

case_begin "a peer that never starts the handshake is dropped after tls_handshake_timeout (1 s)"
mark_log
exec 7<>"/dev/tcp/127.0.0.1/$TLS_PORT"
pbx "sip show transports"
expect_out_re "^  TLS from 127.0.0.1:[0-9]+, handshaking "
expect_log "timed out; closing" 4
read -r -t 3 -u 7 && fail "the PBX sent something instead of closing"
exec 7<&-
pbx "sip show transports"
expect_out "0 TLS connections"
case_end

# --- reload ---

case_begin "a reload brings in a renewed certificate for new connections"
cp "$TMP/renewed.pem" "$TMP/pbx.pem"
cp "$TMP/renewed.key" "$TMP/pbx.key"
pbx "dialplan reload"
expect_rc 0
tls_send 127.0.0.1 "$TLS_PORT" "$TMP/options.req" -showcerts
expect_out "SIP/2.0 200 OK" "CN = renewed.strowger.test"
case_end

case_begin "a reload with a missing certificate keeps the one in force"
write_config "$TMP/gone.pem"
mark_log
pbx "dialplan reload"
expect_log "settings.sip.tls_cert \"$TMP/gone.pem\": No such file or directory"
tls_send 127.0.0.1 "$TLS_PORT" "$TMP/options.req"
expect_out "SIP/2.0 200 OK"
case_end

# --- broken settings stop the PBX before it listens ---

N=0
# bad_tls NAME CAUSE SIP-SETTINGS: the PBX refuses to start with FILE:1: CAUSE.
bad_tls() {
	N=$((N + 1))
	local file=$TMP/bad$N.lua data=$TMP/bad-data$N
	printf 'settings { modules = { "chan_sip" }, sip = { %s } }\n' "$3" >"$file"
	case_begin "bad TLS settings: $1"
	run_strowger -c "$file" -M "$MODS" -D "$data"
	if [ "$RC" = 0 ] || [ "$RC" = 124 ]; then
		fail "exited $RC, expected a quick failure"
		_show_last
	fi
	[ -e "$data/strowger.ctl" ] && fail "it created the console socket"
	expect_out "$file:1: $2"
	case_end
}
LP=$(free_port)
L="listen = { \"tls:127.0.0.1:$LP\" }"
bad_tls "a tls: listener without a certificate" \
	"settings.sip.listen \"tls:127.0.0.1:$LP\": a TLS listener needs a certificate: set settings.sip.tls_cert and tls_key (PEM files)" \
	"$L"
bad_tls "a certificate file that is not there" \
	"settings.sip.tls_cert \"$TMP/nosuch.pem\": No such file or directory" \
	"$L, tls_cert = \"$TMP/nosuch.pem\", tls_key = \"$TMP/pbx.key\""
bad_tls "a key that is not the certificate's" \
	"settings.sip.tls_key \"$TMP/rogue.key\" is not the key of tls_cert \"$TMP/pbx.pem\"" \
	"$L, tls_cert = \"$TMP/pbx.pem\", tls_key = \"$TMP/rogue.key\""
bad_tls "a certificate without its key" \
	"settings.sip.tls_cert is set without tls_key: a certificate needs its key" \
	"$L, tls_cert = \"$TMP/pbx.pem\""
openssl pkey -in "$TMP/pbx.key" -aes256 -passout pass:secret -out "$TMP/encrypted.key" 2>/dev/null
bad_tls "an encrypted key (nobody can type its passphrase)" \
	"settings.sip.tls_key \"$TMP/encrypted.key\": not a usable PEM private key, or an encrypted one" \
	"$L, tls_cert = \"$TMP/pbx.pem\", tls_key = \"$TMP/encrypted.key\""
bad_tls "a file that is no certificate" \
	"settings.sip.tls_cert \"$CFG\": not a usable PEM certificate" \
	"$L, tls_cert = \"$CFG\", tls_key = \"$TMP/pbx.key\""
bad_tls "an unknown tls_min_version" \
	"settings.sip.tls_min_version = \"1.1\": write \"1.2\" or \"1.3\"" \
	"tls_min_version = \"1.1\""
bad_tls "tls_verify_peer of the wrong type" \
	"settings.sip.tls_verify_peer: expected true or false, got string" \
	"tls_verify_peer = \"yes\""

finish
