#!/usr/bin/env bash
# test_sip_limits.sh: bad input and size limits. Requests whose headers run past
# the 16 KB limit get "513 Message Too Large" naming it, over UDP and over TCP
# (100 KB of headers); more than 256 header fields get "400 Too many header
# fields"; a TCP peer that sends half a request and stalls is closed once the
# message timeout (1 s here) has passed; a TCP peer spewing garbage is closed; the
# console counts each refusal; the PBX still registers phones afterwards, and its
# memory (VmRSS) stays bounded through it all.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/lib_sipp.sh"

need_tools sipsak socat
# Under ASan freed buffers wait in a quarantine that counts in VmRSS: keep it small.
export ASAN_OPTIONS="$ASAN_OPTIONS:quarantine_size_mb=1"

PORT=$(free_port)
SRC=$(free_port) # where the raw UDP requests come from (their Via says so)

CFG=$TMP/limits.lua
calls_config "$CFG" "listen = { \"udp:127.0.0.1:$PORT\", \"tcp:127.0.0.1:$PORT\" }, message_timeout = 1" 5
start_or_bail "$CFG"

# request PROTO HEADERS SIZE: a REGISTER from 127.0.0.1:$SRC with HEADERS extra
# header fields of SIZE bytes each, between its Contact and Content-Length.
request() {
	local pad i
	pad=$(head -c "$3" /dev/zero | tr '\0' a)
	printf 'REGISTER sip:127.0.0.1 SIP/2.0\r\nVia: SIP/2.0/%s 127.0.0.1:%s;branch=z9hG4bK-%s%s;rport\r\n' \
		"$1" "$SRC" "$RANDOM" "$RANDOM"
	printf 'From: <sip:1000@127.0.0.1>;tag=big\r\nTo: <sip:1000@127.0.0.1>\r\nCall-ID: big-%s@test\r\n' "$RANDOM"
	printf 'CSeq: 1 REGISTER\r\nContact: <sip:1000@127.0.0.1:%s>\r\n' "$SRC"
	for ((i = 0; i < $2; i++)); do
		printf 'X-Pad-%d: %s\r\n' "$i" "$pad"
	done
	printf 'Max-Forwards: 70\r\nContent-Length: 0\r\n\r\n'
}

# send_udp FILE / send_tcp FILE: the first line of the PBX's answer. socat's -b
# keeps a big request in one datagram; over TCP socat half-closes after the
# request and reads until the PBX closes (or 1 s).
send_udp() {
	timeout 5 socat -b 65536 -t 0.5 - "UDP:127.0.0.1:$PORT,sourceport=$SRC,reuseaddr" <"$1" 2>/dev/null |
		head -n 1 | tr -d '\r'
}
send_tcp() {
	timeout 5 socat -t 1 - "TCP:127.0.0.1:$PORT" <"$1" 2>/dev/null | head -n 1 | tr -d '\r'
}

rss_kb() { awk '/^VmRSS:/ {print $2}' "/proc/$PBX_PID/status"; }

# stat TEXT: the number before TEXT in 'sip show transports'.
stat() {
	pbx "sip show transports"
	grep -oE "[0-9]+ $1" <<<"$OUT" | head -n 1 | cut -d' ' -f1
}

no_connections() { _pbx_has "sip show transports" "0 TCP connections"; }

case_begin "a REGISTER over UDP and TCP is answered (the PBX before any abuse)"
request UDP 0 0 >"$TMP/small.sip"
OUT=$(send_udp "$TMP/small.sip")
expect_out "SIP/2.0 401 Unauthorized"
request TCP 0 0 >"$TMP/small-tcp.sip"
OUT=$(send_tcp "$TMP/small-tcp.sip")
expect_out "SIP/2.0 401 Unauthorized"
RSS_BEFORE=$(rss_kb)
case_end

case_begin "UDP: more than 256 header fields get 400 naming the fault"
request UDP 300 10 >"$TMP/many.sip"
OUT=$(send_udp "$TMP/many.sip")
expect_out "SIP/2.0 400 Too many header fields"
case_end

case_begin "UDP: a 20 KB header field gets 513 naming the limit"
request UDP 1 20000 >"$TMP/huge.sip"
OUT=$(send_udp "$TMP/huge.sip")
expect_out "SIP/2.0 513 Message Too Large: headers over 16384 bytes"
expect_log "UDP message from 127.0.0.1:$SRC refused: headers over 16384 bytes"
case_end

case_begin "TCP: 100 KB of headers get 513 naming the limit, then the connection closes"
request TCP 100 1000 >"$TMP/big.sip"
OUT=$(send_tcp "$TMP/big.sip")
expect_out "SIP/2.0 513 Message Too Large: headers over 16384 bytes"
poll_until 4 no_connections || fail "the connection stays open"
n=$(stat "messages too large")
[ "${n:-0}" -ge 2 ] || fail "'sip show transports' counts ${n:-no} messages too large, not 2"
case_end

case_begin "TCP: a peer that sends half a request and stalls is closed after the message timeout"
mark_log
head -c 100 "$TMP/small-tcp.sip" >"$TMP/half.sip"
# The connection is bash's own (/dev/tcp), held open and silent after 100 bytes.
exec 5<>"/dev/tcp/127.0.0.1/$PORT"
cat "$TMP/half.sip" >&5
t0=$(now_ms)
poll_until 3 _pbx_has "sip show transports" "1 TCP connection" || fail "the connection was not seen"
poll_until 5 no_connections || fail "the stalled connection is still open after 5 s"
elapsed=$(($(now_ms) - t0))
[ "$elapsed" -ge 900 ] || fail "closed after $elapsed ms, before the 1 s timeout"
exec 5>&-
expect_log "left a message unfinished for 1000 ms (100 bytes); closing"
n=$(stat "stalled")
[ "${n:-0}" = 1 ] || fail "'sip show transports' counts ${n:-no} stalled connections, not 1"
case_end

case_begin "TCP: a peer spewing garbage is closed, and counted"
# Endless random bytes: refused (no header end within the limit, or no SIP at
# all), then read and dropped until the message timeout closes the connection.
t0=$(now_ms)
timeout 10 socat -u OPEN:/dev/urandom "TCP:127.0.0.1:$PORT" >/dev/null 2>&1
rc=$?
[ "$rc" != 124 ] || fail "the garbage connection was still open after 10 s"
[ $(($(now_ms) - t0)) -lt 5000 ] || fail "closing the garbage connection took $(($(now_ms) - t0)) ms"
# A line of garbage and the empty line: no SIP start line at all.
(printf 'garbage, not SIP\r\n\r\n'; sleep 1) | timeout 5 socat -t 1 - "TCP:127.0.0.1:$PORT" >/dev/null 2>&1
poll_until 4 no_connections || fail "a garbage connection stays open"
n=$(stat "not framing as SIP")
[ "${n:-0}" -ge 1 ] || fail "'sip show transports' counts ${n:-no} connections not framing as SIP"
expect_out_re "^refused: [0-9]+ messages too large, [0-9]+ unreadable; TCP connections closed: 1 stalled mid-message, [0-9]+ not framing as SIP$"
case_end

case_begin "after all that the PBX registers phones over UDP and TCP"
for transport in udp tcp; do
	OUT=$(timeout 15 sipsak -U -C "sip:1000@127.0.0.1:5999" -s "sip:1000@127.0.0.1:$PORT" -a alice-pw -u 1000 \
		-x 300 --transport="$transport" -vvv 2>&1)
	grep -q "200 OK" <<<"$OUT" || fail "sipsak over $transport got no 200"
done
pbx "sip show registrations"
expect_out_re "^1000 +sip:1000@127.0.0.1:5999 "
case_end

case_begin "memory stays bounded: VmRSS grows by less than 8 MB through the abuse"
# Fifty more 100 KB requests over TCP and 20 KB ones over UDP, sent without
# waiting for the answers.
for ((i = 0; i < 50; i++)); do
	timeout 5 socat -u - "TCP:127.0.0.1:$PORT" <"$TMP/big.sip" 2>/dev/null
	timeout 5 socat -u -b 65536 - "UDP:127.0.0.1:$PORT,sourceport=$SRC,reuseaddr" <"$TMP/huge.sip" 2>/dev/null
done
poll_until 4 no_connections || fail "connections stay open"
RSS_AFTER=$(rss_kb)
grow=$((RSS_AFTER - RSS_BEFORE))
[ "$grow" -lt 8192 ] || fail "VmRSS grew from $RSS_BEFORE kB to $RSS_AFTER kB"
echo "# VmRSS $RSS_BEFORE kB before, $RSS_AFTER kB after"
case_end

finish
