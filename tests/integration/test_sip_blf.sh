#!/usr/bin/env bash
# test_sip_blf.sh: presence and busy-lamp fields with real SIP peers. SIPp phones
# subscribe to the dialog package (RFC 4235) of the callee and of the caller of a
# real call through the PBX and see early, confirmed and terminated in turn
# (versions 0..3, direction and the other party right) and a presence fetch
# says "on the phone" meanwhile; PUBLISH (RFC 3903) with
# SIPp: 200 with SIP-ETag and Expires, refresh, modify, a stale tag 412, bad PIDF
# 400 with the reason, 415, 413, 423, 489, publishing for another user 403, too
# many publications 503, removal with Expires: 0, expiry; a presence subscriber
# sees the derived state (closed without a phone), the published one, back to
# derived on removal, and open once the user registers; unknown users 404, and
# with blf_any = false another user's lamp 403; two baresip phones, one
# publishing its status, the other watching it.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/lib_sipp.sh"

need_tools sipp

PORT=$(free_port)
CALLEE_PORT=$(free_port)
CALLER_PORT=$(free_port)
SUB1_PORT=$(free_port)
SUB2_PORT=$(free_port)
PUB_PORT=$(free_port)

CFG=$TMP/blf.lua
SIP_SETTINGS="listen = { \"udp:127.0.0.1:$PORT\" }, sub_min_expires = 3, t1 = 100"
calls_config "$CFG" "$SIP_SETTINGS" 10
start_or_bail "$CFG"

# watch NAME PORT WATCHER PASS USER DIRECTION REMOTE: a background dialog subscriber.
watch() {
	local f
	f=$(scenario sub_dialog.xml "$3" "$4")
	sed -i "s/DIRECTION/$6/g; s/REMOTE/$7/g" "$f"
	cp "$f" "$TMP/$1.xml"
	start_phone "$1" "$2" 127.0.0.1:"$PORT" -sf "$TMP/$1.xml" -s "$5"
}

case_begin "OPTIONS and 489 list the new packages; PUBLISH is allowed"
f=$(scenario sub_code.xml 1000 x 489)
sed -i "s/EVENT_LINE/Event: conference/; s/EXPIRES/300/; s/CHECK_HDR/Allow-Events/; s/CHECK_RE/message-summary, as-feature-event, dialog, presence/" "$f"
sipp_run bad_event 127.0.0.1:"$PORT" -sf "$f" -s 1000 -p "$SUB1_PORT"
expect_rc 0
case_end

case_begin "BLF: a call from 1000 to 1001 lights 1001's and 1000's keys: early, confirmed, terminated"
mark_log
sipp_run reg 127.0.0.1:"$PORT" -sf "$(scenario register.xml 1001 bob-pw)" -p "$CALLEE_PORT"
expect_rc 0
watch blf_callee "$SUB1_PORT" 1002 carol-pw 1001 recipient 1000
BLF1=$PHONE_PID
watch blf_caller "$SUB2_PORT" 1003 dave-pw 1000 initiator 1001
BLF2=$PHONE_PID
pbx_until 5 "sip show subscriptions" "2 subscriptions" || fail "the two subscriptions are not listed: $OUT"
expect_out_re "^dialog +1001 +1002 " "^dialog +1000 +1003 "
# The callee rings 1.5 s before answering; the caller talks 3 s.
sed 's/<pause milliseconds="100"\/>/<pause milliseconds="1500"\/>/' "$SIPP_DIR/uas_answer.xml" >"$TMP/uas_slow.xml"
start_phone callee "$CALLEE_PORT" -sf "$TMP/uas_slow.xml"
CALLEE=$PHONE_PID
sed 's/<pause milliseconds="300"\/>/<pause milliseconds="3000"\/>/' "$(scenario uac_call.xml 1000 alice-pw)" >"$TMP/uac_talk.xml"
start_phone caller "$CALLER_PORT" 127.0.0.1:"$PORT" -sf "$TMP/uac_talk.xml" -s 1001
CALLER=$PHONE_PID
pbx_until 5 "presence show 1001" " confirmed " || fail "presence show 1001 never listed a confirmed leg: $OUT"
expect_out_re "^1001 +open +derived " "leg +[0-9]+ +confirmed +recipient +sip:1000@"
# A presence fetch (Expires: 0) while the call is up: open, on the phone.
f=$(scenario sub_presence.xml 1002 carol-pw)
sed -i 's/Expires: 300/Expires: 0/; /MORE_BEGIN/,/MORE_END/d; s|CHECK1|.note.On the phone./note..*rpid:on-the-phone|' "$f"
sipp_run fetch_on_phone 127.0.0.1:"$PORT" -sf "$f" -s 1001 -p "$PUB_PORT"
expect_rc 0
phone_done "$CALLER" "$TMP/caller.out" "the caller"
phone_done "$CALLEE" "$TMP/callee.out" "the callee"
phone_done "$BLF1" "$TMP/blf_callee.out" "1002's BLF subscription to 1001"
phone_done "$BLF2" "$TMP/blf_caller.out" "1003's BLF subscription to 1000"
pbx_until 5 "sip show subscriptions" "0 subscriptions" || fail "subscriptions are left: $OUT"
case_end

case_begin "a BLF subscription to an unknown user gets 404"
sed '/<recv response="200">/,$d' "$(scenario sub_dialog.xml 1002 carol-pw)" >"$TMP/sub_404.xml"
printf '  <recv response="404"/>\n</scenario>\n' >>"$TMP/sub_404.xml"
sipp_run blf_404 127.0.0.1:"$PORT" -sf "$TMP/sub_404.xml" -s 1099 -p "$SUB1_PORT"
expect_rc 0
case_end

# pub_file NAME CODE CHECK_RE EXPIRES [IF_MATCH [BODY_FILE [EVENT [USER PASS]]]]:
# writes $TMP/pub_NAME.xml, one PUBLISH (after a 401 unless CODE comes before
# authentication) that must get CODE and match CHECK_RE.
pub_file() {
	local name=$1 code=$2 re=$3 exp=$4 ifm=${5:-} body=${6:-} ev=${7:-presence} user=${8:-1002} pass=${9:-carol-pw}
	local f
	f=$(scenario pub.xml "$user" "$pass" "$code")
	sed -i "s|CHECK_RE|$re|; s/EXPIRES/$exp/g; s/EVENT_LINE/Event: $ev/" "$f"
	if [ -n "$ifm" ]; then sed -i "s/IFMATCH_LINE/SIP-If-Match: $ifm/" "$f"; else sed -i "/IFMATCH_LINE/d" "$f"; fi
	if [ -n "$body" ]; then
		sed -i "s|CTYPE_LINE|Content-Type: application/pidf+xml|" "$f"
		awk -v file="$body" '$0 == "BODY" { while ((getline l < file) > 0) print l; close(file); next } { print }' "$f" >"$f.tmp"
	else
		sed "/CTYPE_LINE/d; /^BODY\$/d" "$f" >"$f.tmp"
	fi
	mv "$f.tmp" "$f"
	case $code in 423 | 489 | 413) sed -i '/AUTH_BEGIN/,/AUTH_END/d' "$f" ;; esac
	mv "$f" "$TMP/pub_$name.xml"
}

# publish NAME ... [SERVICE]: pub_file's arguments, then runs it toward SERVICE
# (the publishing user by default).
publish() {
	pub_file "$@"
	sipp_run "pub_$1" 127.0.0.1:"$PORT" -sf "$TMP/pub_$1.xml" -s "${10:-${8:-1002}}" -p "$PUB_PORT"
}

# pidf FILE NOTE [BASIC [TUPLE_ID]]: a PIDF document for 1002 with one tuple.
pidf() {
	cat >"$1" <<XML
<?xml version="1.0" encoding="UTF-8"?>
<presence xmlns="urn:ietf:params:xml:ns:pidf" xmlns:dm="urn:ietf:params:xml:ns:pidf:data-model" entity="sip:1002@127.0.0.1">
  <tuple id="${4:-desk}">
    <status><basic>${3:-open}</basic></status>
    <note>$2</note>
  </tuple>
  <dm:person id="p1"/>
</presence>
XML
}

# etag USER: the entity tag of USER's first publication, from the console.
etag() {
	pbx "presence show $1"
	awk '$1 == "published" { print $2; exit }' <<<"$OUT"
}

pidf "$TMP/fishing.xml" "Gone fishing"
pidf "$TMP/back.xml" "Back soon"
printf '<?xml version="1.0"?>\n<presence xmlns="urn:ietf:params:xml:ns:pidf" entity="sip:1002@127.0.0.1">\n<tuple id="a"><status><basic>open</basic></status></tuple>\n</presnce>\n' >"$TMP/broken.xml"
printf '<?xml version="1.0"?>\n<note>not presence</note>\n' >"$TMP/notpidf.xml"
{
	printf '<?xml version="1.0"?>\n<presence xmlns="urn:ietf:params:xml:ns:pidf" entity="sip:1002@127.0.0.1">\n'
	for i in $(seq 1 120); do printf '<tuple id="t%d"><status><basic>open</basic></status></tuple>\n' "$i"; done
	printf '</presence>\n'
} >"$TMP/huge.xml"

case_begin "PUBLISH refusals before authentication: 489 for another package, 423 under sub_min_expires, 413 over 4096 bytes"
publish wrong_event 489 "Allow-Events: presence" 60 "" "$TMP/fishing.xml" dialog
expect_rc 0
publish too_short 423 "Min-Expires: 3" 1 "" "$TMP/fishing.xml"
expect_rc 0
publish huge 413 "413 Request Entity Too Large" 60 "" "$TMP/huge.xml"
expect_rc 0
case_end

case_begin "presence: a subscriber sees closed, the published note, a modification, closed again on removal, open on REGISTER"
mark_log
f=$(scenario sub_presence.xml 1001 bob-pw)
# (Regular expressions inside XML attributes: no < or >.)
sed -i 's|CHECK1|.basic.closed./basic.|; s|CHECK2|.basic.open./basic..*Gone fishing|; s|CHECK3|Back soon|' "$f"
sed -i 's|CHECK4|.basic.closed./basic..*.note.Offline./note.|; s|CHECK5|.basic.open./basic..*.note.Available./note.|' "$f"
start_phone presence "$SUB1_PORT" 127.0.0.1:"$PORT" -sf "$f" -s 1002
PRES=$PHONE_PID
pbx_until 5 "sip show subscriptions" "1 subscription " || fail "no subscription listed: $OUT"
expect_out_re "^presence +1002 +1001 "
publish initial 200 "SIP-ETag: [-A-Za-z0-9.]+.*Expires: 60" 60 "" "$TMP/fishing.xml"
expect_rc 0
expect_log "1002 published its presence"
E1=$(etag 1002)
[ -n "$E1" ] || fail "presence show lists no publication"
pbx "presence show 1002"
expect_out_re "^1002 +open +published " "published +$E1 +open "
case_end

case_begin "PUBLISH refresh (SIP-If-Match, no body): 200 with a new SIP-ETag; the old tag then gets 412"
publish refresh 200 "Expires: 120" 120 "$E1"
expect_rc 0
E2=$(etag 1002)
[ -n "$E2" ] && [ "$E2" != "$E1" ] || fail "the entity tag did not change: '$E1' then '$E2'"
publish stale 412 "412 Conditional Request Failed" 60 "$E1"
expect_rc 0
case_end

case_begin "bad PIDF: 400 with the parser's reason; not PIDF: 400; wrong type: 415; another user's presence: 403"
publish broken 400 "400 Bad PIDF: line [0-9]+: .*mismatch" 60 "" "$TMP/broken.xml"
expect_rc 0
publish notpidf 400 "400 Bad PIDF: the root is not a PIDF presence element" 60 "" "$TMP/notpidf.xml"
expect_rc 0
pub_file ctype 415 "Accept: application/pidf" 60 "" "$TMP/fishing.xml"
sed -i 's|Content-Type: application/pidf+xml|Content-Type: text/plain|' "$TMP/pub_ctype.xml"
sipp_run pub_ctype 127.0.0.1:"$PORT" -sf "$TMP/pub_ctype.xml" -s 1002 -p "$PUB_PORT"
expect_rc 0
publish other 403 "403 " 60 "" "$TMP/fishing.xml" presence 1001 bob-pw 1002
expect_rc 0
case_end

case_begin "PUBLISH modify (SIP-If-Match with a body), then remove (Expires: 0): the subscriber follows; removing again is 412"
publish modify 200 "SIP-ETag: " 60 "$E2" "$TMP/back.xml"
expect_rc 0
E3=$(etag 1002)
publish remove 200 "Expires: 0" 0 "$E3"
expect_rc 0
expect_log "1002 removed its presence publication $E3"
pbx "presence show 1002"
expect_out_re "^1002 +closed +derived +0 "
publish remove_again 412 "412 " 0 "$E3"
expect_rc 0
sipp_run reg2 127.0.0.1:"$PORT" -sf "$(scenario register.xml 1002 carol-pw)" -p "$PUB_PORT"
expect_rc 0
phone_done "$PRES" "$TMP/presence.out" "the presence subscriber"
pbx "presence show 1002"
expect_out_re "^1002 +open +derived +1 "
case_end

case_begin "publications are bounded (4 per user: the 5th gets 503) and expire; one of the same tuple replaces the older"
mark_log
for i in 1 2 3 4 5; do pidf "$TMP/dev$i.xml" "Device $i" open "dev$i"; done
for i in 1 2 3 4; do
	publish "many$i" 200 "SIP-ETag: " 8 "" "$TMP/dev$i.xml"
	expect_rc 0
done
publish many5 503 "503 Too many publications" 8 "" "$TMP/dev5.xml"
expect_rc 0
expect_log "PUBLISH presence of 1002 refused: too many publications for this user"
wait_log "presence publication" 10
poll_until 10 eval '[ -z "$(etag 1002)" ]' || fail "publications did not expire: $OUT"
n=$(tail -n +"$((LOG_MARK + 1))" "$PBX_LOG" | grep -c "presence publication .* of 1002 expired")
[ "$n" = 4 ] || fail "$n expiries logged, expected 4"
publish same1 200 "SIP-ETag: " 60 "" "$TMP/fishing.xml"
expect_rc 0
E1=$(etag 1002)
publish same2 200 "SIP-ETag: " 60 "" "$TMP/back.xml"
expect_rc 0
expect_log "1002: a new publication of the same tuples replaces $E1"
pbx "presence show 1002"
expect_out_re "^1002 +open +published +1 +0 +1\$"
publish same_gone 412 "412 " 60 "$E1"
expect_rc 0
publish same_remove 200 "Expires: 0" 0 "$(etag 1002)"
expect_rc 0
case_end

# Debian's baresip 1.0 with its presence module: the account's pubint makes it
# PUBLISH its status (presence_online / presence_offline on its console), and a
# contact marked presence=p2p is watched with SUBSCRIBE, its status shown by the
# `contacts` command.
. "$(dirname "$0")/baresip.sh"

# contact_shows PHONE STATUS: the phone's contact list shows Alice with STATUS.
contact_shows() {
	phone_cmd "$1" contacts && grep -q "m$2.*Alice <sip:1000@" <<<"$OUT"
}

case_begin "baresip: Alice's phone publishes, Bob's phone watches it: Online, Offline, Online, and Offline when it quits"
mark_log
A_PORT=$(free_ports 3)
B_PORT=$(free_ports 3 46000 4000)
# Alice watches nobody (without a file, baresip writes a template whose
# example contacts it would try to reach on quitting).
mkdir -p "$TMP/alice" "$TMP/bob"
: >"$TMP/alice/contacts"
echo "\"Alice\" <sip:1000@127.0.0.1:$PORT>;presence=p2p" >"$TMP/bob/contacts"
PHONE_MODULES="module			contact.so
module_app		presence.so" PHONE_ACCOUNT="pubint=60" start_baresip alice 1000 alice-pw "$A_PORT" 440
PHONE_MODULES="module			contact.so
module_app		presence.so" start_baresip bob 1001 bob-pw "$B_PORT" 660
expect_log "1000 published its presence" 10
expect_log "1001 watches presence of 1000 from 127.0.0.1:$B_PORT" 10
poll_until 10 contact_shows bob Online || fail "Bob's phone does not show Alice online: $OUT"
pbx "presence show 1000"
expect_out_re "^1000 +open +published +1 "
expect_cmd alice presence_offline
poll_until 10 contact_shows bob Offline || fail "Bob's phone does not show Alice offline: $OUT"
pbx "presence show 1000"
expect_out_re "^1000 +closed +published +1 "
expect_cmd alice presence_online
poll_until 10 contact_shows bob Online || fail "Bob's phone does not show Alice online again: $OUT"
expect_cmd alice quit
expect_log "1000 removed its presence publication" 10
wait_exit "${PHONE_PID[alice]}" 10 || fail "Alice's phone still runs 10 s after quit"
poll_until 10 contact_shows bob Offline || fail "Bob's phone still shows Alice online after she quit: $OUT"
# baresip 1.0 sometimes sends its first two PUBLISHes at once, both initial:
# the second, of the same tuple, replaces the first, so nothing stale is left.
pbx "presence show 1000"
expect_out_re "^1000 +closed +derived +0 "
expect_cmd bob quit
wait_exit "${PHONE_PID[bob]}" 10 || fail "Bob's phone still runs 10 s after quit"
pbx_until 5 "sip show subscriptions" "0 subscriptions" || fail "Bob's subscription is left: $OUT"
case_end

case_begin "blf_any = false: 1002 may not watch 1001 (403) after a reload"
sed -i "s/sub_min_expires = 3,/sub_min_expires = 3, blf_any = false,/" "$CFG"
pbx "dialplan reload"
expect_rc 0
sed '/<recv response="200">/,$d' "$(scenario sub_dialog.xml 1002 carol-pw)" >"$TMP/sub_403.xml"
printf '  <recv response="403"/>\n</scenario>\n' >>"$TMP/sub_403.xml"
sipp_run blf_403 127.0.0.1:"$PORT" -sf "$TMP/sub_403.xml" -s 1001 -p "$SUB1_PORT"
expect_rc 0
case_end

calls_all_gone
finish
