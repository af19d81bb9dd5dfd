#!/usr/bin/env bash
# test_rtp_relay.sh: res_rtp in the real strowger binary, driven through its API by
# the rtp_test module (tests/modules/rtp_test.c) and fed real RTP on 127.0.0.1 by
# rtp_phones.py: two sessions bridged into a relay carry a G.711 tone both ways
# (payload, SSRC rewrite, continuous seq/ts, latching, strangers refused, RTCP,
# counters). Then here: the inactivity timeout reported to the owner, the port range
# exhausted and given back (a port busy in another program skipped), settings
# refused with file:line, and res_rtp unloaded while packets still arrive. About 15 s.
. "$(dirname "$0")/lib.sh"

command -v python3 >/dev/null || { echo "not ok - setup: python3 not found"; exit 1; }

# A port range of our own for this run; taken ports are skipped anyway.
BASE=$((30000 + ($$ % 500) * 20))
CFG=$TMP/rtp.lua
write_config() { # write_config RTP_START RTP_END
	cat >"$CFG" <<EOF
settings {
  modules = { "rtp_test" },
  log = { level = "info" },
  media = { workers = 2 },
  rtp = { address = "127.0.0.1", rtp_start = $1, rtp_end = $2, inactivity_timeout = 2, rtcp_interval = 1 },
}
extensions = {}
EOF
}
write_config "$BASE" $((BASE + 19))
start_or_bail "$CFG"

case_begin "res_rtp loads with rtp_test and offers the rtp service"
pbx "core show services"
expect_rc 0
# The version the header says (rtp.h's SG_RTP_API_VERSION), not a copy of it.
RTP_API=$(sed -n 's/^#define SG_RTP_API_VERSION \([0-9]*\)u$/\1/p' "$ROOT/include/strowger/rtp.h")
expect_out_re "^rtp +$RTP_API +res_rtp\$"
expect_log "loaded res_rtp"
expect_log "RTP on 127.0.0.1, ports $BASE-$((BASE + 19)), symmetric latching, inactivity timeout 2 s, RTCP every 1 s"
case_end

# The phones' cases print their own ok / not ok lines.
timeout 60 python3 "$(dirname "$0")/rtp_phones.py" "$STROWGER" "$PBX_SOCK"
PY_RC=$?
[ "$PY_RC" = 0 ] || FAILED=$((FAILED + 1))
mark_log

case_begin "no RTP on bridged sessions for 2 s: the owner hears of it for each leg"
# rtp_phones.py ends with a and b bridged again, and silent.
expect_log "notice[rtptest] a: RTP timeout" 6
expect_log "notice[rtptest] b: RTP timeout" 6
expect_log "(a): no RTP for 2 s"
case_end

case_begin "a session's own timeout: 1 s for a, none for b (a call on hold)"
mark_log
pbx "rtptest timeout a 1"
expect_rc 0
pbx "rtptest timeout b 0"
expect_rc 0
expect_log "notice[rtptest] a: RTP timeout" 3
sleep 1.5
log_has "[rtptest] b: RTP timeout" && fail "b timed out with its timeout off"
pbx "rtptest timeout a 86401"
expect_rc 1
expect_out "set_timeout: Invalid argument"
case_end

case_begin "release gives the ports back"
pbx "rtptest release a"
pbx "rtptest release b"
pbx "rtp show sessions"
expect_out "0 sessions; 0 of 10 port pairs in use ($BASE-$((BASE + 19)))"
case_end

case_begin "a pair busy in another program is skipped; an exhausted range fails with a clear log line"
mark_log
write_config "$BASE" $((BASE + 5)) # three pairs: BASE, BASE+2, BASE+4
pbx "dialplan reload"
expect_rc 0
# Another program holds BASE+2.
python3 -c '
import socket, sys, time
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); s.bind(("127.0.0.1", int(sys.argv[1])))
print("bound", flush=True); time.sleep(20)' $((BASE + 2)) >"$TMP/holder.out" 2>&1 &
HOLDER=$!
PIDS+=("$HOLDER")
poll_until 5 grep -q bound "$TMP/holder.out" || fail "the port holder did not start"
got=""
for n in c d e; do
	pbx "rtptest new $n"
	got="$got $(awk '{print $2}' <<<"$OUT")"
done
expect_rc 1
expect_out "session_new: Cannot assign requested address"
# Where the cursor stands decides the order; both free pairs, never the busy one.
case $got in
" $BASE $((BASE + 4)) Cannot" | " $((BASE + 4)) $BASE Cannot") ;;
*) fail "ports:$got (expected $BASE and $((BASE + 4)) in some order, then none)" ;;
esac
expect_log "no free RTP port pair in $BASE-$((BASE + 5)) (2 held by Strowger, 1 busy in other programs)"
pc=$(awk '{print $1}' <<<"$got")
pbx "rtptest release c"
pbx "rtptest new e"
expect_rc 0
expect_out "e $pc"
kill "$HOLDER" 2>/dev/null
wait "$HOLDER" 2>/dev/null
case_end

case_begin "bad rtp settings are refused with file:line; a bad reload keeps the old ones"
cat >"$TMP/bad.lua" <<EOF
settings {
  modules = { "res_rtp" },
  rtp = { rtp_start = 20000, rtp_end = 20000 },
}
EOF
run_strowger -n -c "$TMP/bad.lua" -M "$MODS"
expect_rc 0 # -n checks keys and types; values are the module's at load
run_strowger -c "$TMP/bad.lua" -M "$MODS" -D "$TMP/bad-var"
expect_rc 1
expect_out "rtp_start (20000) must be below rtp_end (20000)" "bad.lua:1"
sed -i 's/rtp_start = 20000, rtp_end = 20000/addres = "x"/' "$TMP/bad.lua"
run_strowger -n -c "$TMP/bad.lua" -M "$MODS"
expect_rc 1
expect_out "settings.rtp.addres: unknown key (did you mean 'address'?)"
mark_log
sed -i "s/rtp_start = $BASE, rtp_end = $((BASE + 5))/address = \"nowhere\"/" "$CFG"
pbx "dialplan reload"
expect_log 'settings.rtp.address = "nowhere": write a numeric IPv4 or IPv6 address'
pbx "rtptest new f"
expect_rc 0
expect_out "f $((BASE + 2))" # the old range: the pair the other program gave back
write_config "$BASE" $((BASE + 19))
pbx "dialplan reload"
case_end

case_begin "res_rtp unloads while RTP still arrives, and loads again"
pbx "rtptest new g"
pg=$(awk '{print $2}' <<<"$OUT")
pbx "rtptest remote g 127.0.0.1 9"
python3 -c '
import socket, struct, sys, time
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
end = time.time() + 3
seq = 0
while time.time() < end:
    s.sendto(struct.pack("!BBHII", 0x80, 0, seq & 0xFFFF, seq * 160 & 0xFFFFFFFF, 7) + bytes(160), ("127.0.0.1", int(sys.argv[1])))
    seq += 1
    time.sleep(0.001)' "$pg" &
BLAST=$!
PIDS+=("$BLAST")
sleep 0.5
mark_log
pbx "module unload rtp_test"
expect_rc 0
pbx "module unload res_rtp"
expect_rc 0
expect_log "unloaded res_rtp"
pbx "rtp show sessions"
expect_rc 1
pbx "module load rtp_test"
expect_rc 0
expect_out "loaded rtp_test"
pbx "rtptest new h"
expect_rc 0
wait "$BLAST" 2>/dev/null
pbx "rtp show sessions"
expect_out "1 session;"
case_end

finish
