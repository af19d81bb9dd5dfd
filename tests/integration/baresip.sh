# tests/integration/baresip.sh: helpers for the tests that drive baresip phones
# (Debian's baresip-core), headless: ausine as the microphone, ALSA's "null"
# device as the speaker, the sndfile filter recording what each phone decodes,
# ctrl_tcp (JSON commands in netstrings) to drive them. Source it after lib.sh
# (whose free_ports gives the phones their ports).
# With PHONE_CODECS set (say "PCMA/8000/1"), a phone offers and takes only those;
# with PHONE_ANSWER=manual it rings until told to `accept`.
# PHONE_MODULES: more config lines for the phone ("module_app mwi.so").
# PHONE_ACCOUNT: more account parameters ("pubint=60").
#
#   rtp_range N                N free ports for the PBX's RTP, apart from $PORT
#   start_baresip NAME USER PASSWORD SIP_PORT TONE [REGISTRAR]
#                              a phone registering as USER, answering by itself
#   phone_mark NAME..., expect_phone NAME TEXT [SECONDS]
#                              wait for TEXT in the phone's log (after the mark)
#   expect_phone_closed NAME   wait for the phone to see its call ended by the peer
#   expect_phone_ended NAME    wait for the phone's call to be over, whoever ended it
#   no_leftovers               no channel, call, dialog or RTP session left on the PBX
#   phone_cmd / expect_cmd NAME COMMAND [PARAMS]
#                              one ctrl_tcp command (OUT: the answer)
#   apart PORT OTHER...        PORT's three ports (SIP, TLS, ctrl_tcp) overlap none
#   dec_wav NAME, wav_holds FILE SECONDS, expect_tone WAV HZ
#                              what a phone heard: its recording, and the tone in it
#   band_rms WAV LO HI [FROM]  the loudness of one band of a recording
#   expect_relayed NAME        the phone's RTP comes from the PBX's $RTP_LO-$RTP_HI

need_tools baresip

# rtp_range N: the first of N free ports for the PBX's RTP, above the kernel's
# ephemeral ports and every SIP port the tests pick (so never the PBX's $PORT,
# which nothing holds until the PBX starts).
rtp_range() {
	free_ports "$1" 61000 4400
}

declare -A PHONE_PID PHONE_CTL PHONE_MARK

# start_baresip NAME USER PASSWORD SIP_PORT TONE [REGISTRAR]: one baresip with its
# own config folder, registered as USER at REGISTRAR (HOST:PORT;transport=T;
# default: the PBX's UDP listener on $PORT), answering calls by itself. With
# PHONE_CA set, the phone checks TLS servers against that CA file.
start_baresip() {
	local name=$1 user=$2 pass=$3 port=$4 tone=$5 dir=$TMP/$1
	local registrar=${6:-127.0.0.1:$PORT;transport=udp}
	mkdir -p "$dir"
	# net_interface as an address: libre never takes a loopback interface's
	# address ("net_interface lo" fails with "Cannot assign requested address"),
	# and without it the phone would put its LAN address in Contact and SDP.
	# dns_server: the phone resolves nothing (every URI holds an address), and
	# should it try, the query stays on this machine. ausine makes 48 kHz stereo.
	cat >"$dir/config" <<EOF
poll_method		epoll
sip_listen		127.0.0.1:$port
net_interface		127.0.0.1
dns_server		127.0.0.1:53
audio_source		ausine,$tone
audio_player		alsa,null
ausrc_srate		48000
ausrc_channels		2
statmode_default	off
snd_path		$dir
ctrl_tcp_listen		127.0.0.1:$((port + 2))${PHONE_CA:+
sip_cafile		$PHONE_CA}
module_path		/usr/lib/baresip/modules
module			g711.so
module			ausine.so
module			alsa.so
module			sndfile.so
module_tmp		account.so
module_app		menu.so
module_app		ctrl_tcp.so${PHONE_MODULES:+
$PHONE_MODULES}
EOF
	echo "<sip:$user@$registrar>;auth_pass=$pass;answermode=${PHONE_ANSWER:-auto};regint=600${PHONE_CODECS:+;audio_codecs=$PHONE_CODECS}${PHONE_ACCOUNT:+;$PHONE_ACCOUNT}" >"$dir/accounts"
	# -t: the phone quits by itself should the test never get to tell it.
	baresip -f "$dir" -t 120 </dev/null >"$TMP/$name.log" 2>&1 &
	PHONE_PID[$name]=$!
	PIDS+=("$!")
	PHONE_CTL[$name]=$((port + 2))
	PHONE_MARK[$name]=0
}

# The phone helpers reuse lib.sh's log polling on the phone's log: bash's dynamic
# scoping hands the local PBX_LOG and LOG_MARK to wait_log and log_has.

# phone_mark NAME...: later phone_* checks look at lines written after this.
phone_mark() {
	local p
	for p in "$@"; do
		PHONE_MARK[$p]=$(complete_lines "$TMP/$p.log")
	done
}

# expect_phone NAME TEXT [SECONDS]: waits for TEXT in the phone's log.
expect_phone() {
	local PBX_LOG=$TMP/$1.log LOG_MARK=${PHONE_MARK[$1]}
	if ! wait_log "$2" "${3:-5}"; then
		fail "phone $1 did not print '$2'"
		context "--- $1's log since the last step ---"
		context "$(tail -n +"$((LOG_MARK + 1))" "$PBX_LOG" | tail -n 12 | sed 's/\x1b\[[0-9;]*m//g')"
	fi
}

# expect_phone_closed NAME: the phone saw the other side end its call (a BYE).
# baresip 1.0 says so either way, as timing has it: "session closed: Connection
# reset by peer", or only "Call with ... terminated (duration: ...)".
expect_phone_closed() {
	local PBX_LOG=$TMP/$1.log LOG_MARK=${PHONE_MARK[$1]}
	if ! poll_until 5 _log_has_either "session closed: Connection reset by peer" "terminated (duration:"; then
		fail "phone $1 did not see its call closed"
		context "--- $1's log since the last step ---"
		context "$(tail -n +"$((LOG_MARK + 1))" "$PBX_LOG" | tail -n 12 | sed 's/\x1b\[[0-9;]*m//g')"
	fi
}
_log_has_either() {
	log_has "$1" || log_has "$2"
}

# expect_phone_ended NAME: the phone's call is over, whichever side sent the BYE
# (a phone that hangs up itself on a final NOTIFY as the PBX releases it, say).
expect_phone_ended() {
	local PBX_LOG=$TMP/$1.log LOG_MARK=${PHONE_MARK[$1]}
	poll_until 10 _phone_call_ended || fail "phone $1's call did not end"
}
_phone_call_ended() {
	log_has "terminate call" || log_has "session closed" || log_has "terminated (duration:"
}

# no_leftovers: no channel, call, SIP dialog or RTP session is left on the PBX.
no_leftovers() {
	pbx_until 5 "core show channels" "0 active channels" || fail "channels are left on the PBX"
	pbx_until 5 "core show calls" "0 active calls" || fail "calls are left on the PBX"
	pbx_until 5 "sip show dialogs" "0 dialogs" || fail "dialogs are left on the PBX"
	pbx_until 5 "rtp show sessions" "0 sessions;" || fail "RTP sessions are left on the PBX"
}

# phone_cmd NAME COMMAND [PARAMS]: one ctrl_tcp command; true if the phone
# answered ok. Sets OUT to the answer. Event messages on the way are skipped.
phone_cmd() {
	local json="{\"command\":\"$2\",\"params\":\"${3:-}\",\"token\":\"t\"}" fd len msg
	local LC_ALL=C # netstring lengths count bytes, and so must read -N
	LAST_CMD="ctrl_tcp $1: $2 ${3:-}"
	CMD_SEQ=$((CMD_SEQ + 1))
	OUT="no answer on 127.0.0.1:${PHONE_CTL[$1]}"
	RC=1
	{ exec {fd}<>"/dev/tcp/127.0.0.1/${PHONE_CTL[$1]}"; } 2>/dev/null || return 1
	# A netstring: LENGTH:JSON,
	printf '%d:%s,' "${#json}" "$json" >&"$fd"
	while read -r -t 5 -d : -u "$fd" len && read -r -t 5 -N "$((len + 1))" -u "$fd" msg; do
		case $msg in
		*'"response":true'*)
			OUT=${msg%,}
			case $OUT in *'"ok":true'*) RC=0 ;; esac
			break
			;;
		esac
	done
	exec {fd}>&-
	[ "$RC" = 0 ]
}

expect_cmd() {
	if ! phone_cmd "$@"; then
		fail "'$LAST_CMD' failed"
		_show_last
	fi
}

# Each phone: SIP on UDP and TCP at its port, TLS at the port + 1 (baresip binds
# it whatever the account uses), ctrl_tcp at the port + 2.
apart() { # PORT OTHER...: PORT's three ports overlap none of the others'
	local p
	for p in "${@:2}"; do [ $(($1 - p)) -lt 3 ] && [ $((p - $1)) -lt 3 ] && return 1; done
	return 0
}
# dec_wav NAME: the file the phone records its current call's received audio in.
dec_wav() {
	tail -n +"$((${PHONE_MARK[$1]} + 1))" "$TMP/$1.log" | sed -n 's/^sndfile: dumping decode audio to //p' | tail -n 1
}

# wav_holds FILE SECONDS: FILE has that much 8 kHz 16-bit audio (after its header).
wav_holds() {
	[ -f "$1" ] && [ "$(stat -c %s "$1")" -ge $((44 + 16000 * $2)) ]
}

# expect_tone WAV HZ: the recording is a tone of about HZ (sox's rough
# frequency, within 10 %), loud enough to hear.
expect_tone() {
	local wav=$1 hz=$2 stat f rms
	if [ -z "$wav" ] || [ ! -f "$wav" ]; then
		fail "no recording of what the phone received"
		return
	fi
	stat=$(sox "$wav" -n stat 2>&1)
	f=$(awk '/^Rough +frequency:/ { print $3 }' <<<"$stat")
	rms=$(awk '/^RMS +amplitude:/ { print $3 }' <<<"$stat")
	if ! awk -v f="${f:-0}" -v hz="$hz" -v r="${rms:-0}" 'BEGIN { exit !(f > hz * 0.9 && f < hz * 1.1 && r > 0.05) }'; then
		fail "$(basename "$wav"): a tone of $f Hz at RMS $rms, expected about $hz Hz"
		context "$stat"
	fi
}

# band_rms WAV LO HI [FROM]: the RMS amplitude of WAV between LO and HI Hz (from
# FROM seconds on).
band_rms() {
	sox "$1" -n trim "${4:-0}" sinc "$2-$3" stat 2>&1 | awk '/^RMS +amplitude:/ { print $3 }'
}

# expect_relayed NAME: the phone's RTP comes from a port of the PBX's range.
expect_relayed() {
	local port
	port=$(tail -n +"$((${PHONE_MARK[$1]} + 1))" "$TMP/$1.log" |
		sed -n 's/.*receiving from 127\.0\.0\.1:\([0-9]*\).*/\1/p' | tail -n 1)
	if [ -z "$port" ] || [ "$port" -lt "$RTP_LO" ] || [ "$port" -gt "$RTP_HI" ]; then
		fail "phone $1 receives RTP from port ${port:-?}, not from the PBX's $RTP_LO-$RTP_HI"
	fi
}
