# tests/integration/lib_sipp.sh: helpers for the tests that drive Strowger with
# SIPp phones. Source it after lib.sh.
#
#   free_port                     a random port in 20000-44999 that nothing holds
#   scenario XML USER PASS [CODE] a copy of tests/integration/sipp/XML with the user,
#                                 password and expected status written in
#   sipp_run NAME ARGS...         one bounded SIPp run in the foreground; sets RC, OUT
#   start_phone NAME PORT ARGS... SIPp in the background on PORT (ready once bound);
#                                 sets PHONE_PID, output in $TMP/NAME.out
#   phone_done PID OUTFILE WHO    the background SIPp ran its scenario through, exit 0
#   calls_config FILE SIP TIMEOUT [EXTENSIONS [RTP]]
#                                 a PBX config for calls between SIPp phones
#   calls_all_gone [SECONDS]      a case: no channel, call or dialog is left

SIPP_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")/sipp" && pwd)

free_port() {
	local p
	while :; do
		p=$((20000 + RANDOM % 25000))
		ss -Hltun 2>/dev/null | awk '{print $5}' | grep -qE "[:.]$p\$" && continue
		(exec 3<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null && continue
		echo "$p"
		return
	done
}

# SIPp cannot nest [field0] in [authentication]: the user and password are
# written into a copy of the scenario instead.
scenario() {
	local out="$TMP/$(basename "$1" .xml)-$2-${4:-x}.xml"
	sed "s/AUTH_USER/$2/g; s/AUTH_PASS/$3/g; s/EXPECT_CODE/${4:-}/g" "$SIPP_DIR/$1" >"$out"
	echo "$out"
}

# -m 1 and -timeout 20 unless ARGS say otherwise (SIPp takes the last one).
sipp_run() {
	local name=$1
	shift
	LAST_CMD="sipp ($name)"
	CMD_SEQ=$((CMD_SEQ + 1))
	OUT=$(cd "$TMP" && timeout 40 sipp -nostdin -i 127.0.0.1 -m 1 -timeout 20 -timeout_error \
		-trace_err -error_file "$TMP/$name.err" "$@" 2>&1)
	RC=$?
	[ -f "$TMP/$name.err" ] && OUT="$OUT"$'\n'"$(cat "$TMP/$name.err")"
}

# port_bound PORT: a UDP socket or a listening TCP socket holds it (/proc lists
# ports in hex; state 0A is LISTEN).
port_bound() {
	local hex
	hex=$(printf ':%04X ' "$1")
	grep -q "$hex" /proc/net/udp || grep -qE "^ *[0-9]+: [0-9A-F]+$hex[0-9A-F:]+ 0A " /proc/net/tcp
}

start_phone() {
	local name=$1 port=$2
	shift 2
	(cd "$TMP" && exec timeout 40 sipp -nostdin -i 127.0.0.1 -p "$port" -m 1 -timeout 30 \
		-trace_err -error_file "$TMP/$name.err" "$@" >"$TMP/$name.out" 2>&1) &
	PHONE_PID=$!
	PIDS+=("$PHONE_PID")
	poll_until 5 port_bound "$port"
}

phone_done() {
	if ! wait_exit "$1" 15; then
		fail "$3 did not finish"
	elif [ "${EXIT_RC:-1}" != 0 ]; then
		fail "$3 failed ($EXIT_RC)"
		context "$(cat "$2" "${2%.out}.err" 2>/dev/null | tail -n 30)"
	fi
}

# calls_config FILE SIP TIMEOUT [EXTENSIONS [RTP]]: chan_sip with SIP as the body
# of settings.sip (qualify off: SIPp phones answer only what their scenario expects)
# and RTP, if given, as the body of settings.rtp,
# users 1000-1003 (Alice, Bob, Carol, Dave; passwords alice-pw...), and in context
# office EXTENSIONS (Lua table entries) and _10XX, which dials the user called for
# TIMEOUT seconds, logs "dial TO from FROM: STATUS (CAUSE)" and hangs up with the
# dial's cause.
calls_config() {
	local rtp=
	[ -n "${5:-}" ] && rtp="rtp = { $5 },"
	cat >"$1" <<EOF
settings {
  modules = { "chan_sip" },
  log = { level = "info" },
  sip = { $2, qualify = 0 },
  $rtp
}
users {
  ["1000"] = { name = "Alice", password = "alice-pw", context = "office" },
  ["1001"] = { name = "Bob", password = "bob-pw", context = "office" },
  ["1002"] = { name = "Carol", password = "carol-pw", context = "office" },
  ["1003"] = { name = "Dave", password = "dave-pw", context = "office" },
}
extensions = {
  office = {
    ${4:-}
    ["_10XX"] = function(call)
      local r = call:dial(call.to, { timeout = $3 })
      log.notice("dial %s from %s: %s (%s)", call.to, call.from, r.status, r.cause)
      if r.status ~= "answered" then call:hangup(r.cause) end
    end,
  },
}
EOF
}

# calls_all_gone [SECONDS]: the case "nothing is left behind": no SIP dialog
# (they may take SECONDS to go, 5 by default), no channel, no call.
calls_all_gone() {
	case_begin "nothing is left behind"
	pbx_until "${1:-5}" "sip show dialogs" "0 dialogs" || fail "dialogs are left: $OUT"
	pbx "core show channels"
	expect_out "0 active channels"
	pbx "core show calls"
	expect_out "0 active calls"
	case_end
}

# call_going CALLEE_PORT USER PASS TO TALK_MS [CALLER_PORT]: a call that lasts:
# a SIPp callee answering on CALLEE_PORT (registered there as TO beforehand), and
# USER calling TO and talking TALK_MS before its BYE; returns once the PBX lists
# the call as confirmed. Sets CALLEE_PID and CALLER_PID (wait with phone_done).
call_going() {
	local f
	start_phone callee "$1" -sf "$SIPP_DIR/uas_answer.xml"
	CALLEE_PID=$PHONE_PID
	f=$(scenario uac_call.xml "$2" "$3")
	sed -i "s/<pause milliseconds=\"300\"\/>/<pause milliseconds=\"$5\"\/>/" "$f"
	start_phone caller "${6:-$(free_port)}" 127.0.0.1:"$PORT" -sf "$f" -s "$4"
	CALLER_PID=$PHONE_PID
	pbx_until 10 "sip show dialogs" "confirmed" || fail "the call was not answered: $OUT"
}
