#!/usr/bin/env bash
# test_lifecycle.sh: one instance per socket, stopping (now, gracefully, SIGINT,
# SIGTERM) with and without calls, and starting again after a crash.
. "$(dirname "$0")/lib.sh"

CFG=$TMP/lifecycle.lua
cat >"$CFG" <<'EOF'
settings {
  modules = { "res_example", "chan_test" },
  log = { level = "info" },
}
extensions = {
  office = {
    ["502"] = function(call)
      call:answer()
      local r = call:countdown(2)
      log.notice("countdown %s", r.status)
      call:hangup()
    end,
    ["505"] = function(call)
      call:answer()
      call:countdown(5)
      call:hangup()
    end,
  },
}
EOF

# expect_stopped NAME-OF-WAY SECONDS: the PBX exits 0 in time, says "stopped",
# and removes its socket.
expect_stopped() {
	if ! wait_exit "$PBX_PID" "$2"; then
		fail "still running $2 s after $1"
		return
	fi
	[ "$EXIT_RC" = 0 ] || fail "exited with status $EXIT_RC after $1"
	[ -e "$PBX_SOCK" ] && fail "the socket $PBX_SOCK is still there"
	grep -qx "strowger: stopped" "$PBX_LOG" || fail "no 'strowger: stopped' in the log"
}

start_or_bail "$CFG"
FIRST_PID=$PBX_PID

case_begin "a second instance on the same data dir is refused"
run_strowger -c "$CFG" -M "$MODS" -D "$PBX_DATA"
[ "$RC" != 0 ] && [ "$RC" != 124 ] || fail "the second instance exited $RC"
expect_out "strowger: another strowger is already running on console socket $PBX_SOCK"
pbx "core show version"
expect_rc 0
expect_out "Strowger"
alive "$FIRST_PID" || fail "the first instance died"
case_end

# Modules open ports and files when they load; a duplicate must find out it is
# one before it runs any module's load().
case_begin "a refused second instance loads no module"
run_strowger -c "$CFG" -M "$MODS" -D "$PBX_DATA"
expect_out "already running"
expect_no_out "loaded res_example" "loaded chan_test"
case_end

case_begin "a second instance on the same socket (-s) is refused"
run_strowger -c "$CFG" -M "$MODS" -D "$TMP/other" -s "$PBX_SOCK"
[ "$RC" != 0 ] && [ "$RC" != 124 ] || fail "the second instance exited $RC"
expect_out "already running on console socket $PBX_SOCK"
pbx "core show uptime"
expect_rc 0
case_end

case_begin "core stop now exits 0 and removes the socket"
pbx "core stop now"
expect_rc 0
expect_out "stopping now"
expect_stopped "core stop now" 5
pbx "core show version"
expect_rc 3
expect_out "cannot reach the PBX"
case_end

case_begin "SIGINT stops cleanly"
start_or_bail "$CFG"
kill -INT "$PBX_PID"
expect_stopped SIGINT 5
grep -qF "notice[core] SIGINT received: stopping" "$PBX_LOG" || fail "no 'SIGINT received' in the log"
case_end

case_begin "SIGTERM with no call stops at once"
start_or_bail "$CFG"
kill -TERM "$PBX_PID"
expect_stopped SIGTERM 3
case_end

case_begin "SIGTERM waits for the call in progress, refuses new ones, then exits 0"
start_or_bail "$CFG"
pbx "test call 502 alice office"
expect_rc 0
t0=$(now_ms)
kill -TERM "$PBX_PID"
expect_log "SIGTERM received: stopping once calls end"
sleep 0.3
alive "$PBX_PID" || fail "it exited with the call still up"
pbx "core show calls"
expect_out "1 active call"
pbx "test call 502 bob office"
expect_rc 1
expect_out "call not started"
expect_stopped SIGTERM 6
ms=$(($(now_ms) - t0))
[ "$ms" -ge 1000 ] || fail "it exited after $ms ms, before the 2 s call could end"
grep -qF "countdown ok" "$PBX_LOG" || fail "the call did not finish its countdown"
grep -qF "stopping: 0 calls, 0 channels to end" "$PBX_LOG" || fail "no 'stopping: 0 calls' in the log"
case_end

case_begin "core stop gracefully waits for the call in progress, then exits 0"
start_or_bail "$CFG"
pbx "test call 502 alice office"
expect_rc 0
t0=$(now_ms)
pbx "core stop gracefully"
expect_rc 0
expect_out "stopping once 1 active call ends"
sleep 0.3
alive "$PBX_PID" || fail "it exited with the call still up"
expect_stopped "core stop gracefully" 6
ms=$(($(now_ms) - t0))
[ "$ms" -ge 1000 ] || fail "it exited after $ms ms, before the 2 s call could end"
grep -qF "countdown ok" "$PBX_LOG" || fail "the call did not finish its countdown"
case_end

case_begin "core stop gracefully with no call stops at once"
start_or_bail "$CFG"
pbx "core stop gracefully"
expect_rc 0
expect_stopped "core stop gracefully" 3
case_end

case_begin "after kill -9 the stale socket does not stop a new start"
start_or_bail "$CFG"
{ kill -KILL "$PBX_PID"; wait "$PBX_PID"; } 2>/dev/null
[ -S "$PBX_SOCK" ] || fail "no stale socket left to test with"
if start_pbx "$CFG"; then
	pbx "core show version"
	expect_rc 0
	pbx "core stop now"
	expect_stopped "core stop now" 5
else
	fail "strowger did not start over the stale socket"
fi
case_end

case_begin "core stop now hangs up a call in progress"
start_or_bail "$CFG"
pbx "test call 505 alice office"
expect_rc 0
CH=$(head -n1 <<<"$OUT")
t0=$(now_ms)
pbx "core stop now"
expect_rc 0
expect_stopped "core stop now" 3
ms=$(($(now_ms) - t0))
[ "$ms" -lt 3000 ] || fail "it took $ms ms: it waited for the call"
grep -qF "stopping: 1 call, 1 channel to end" "$PBX_LOG" || fail "no 'stopping: 1 call, 1 channel' in the log"
grep -qF "$CH: hung up by the PBX (shutdown)" "$PBX_LOG" || fail "no '$CH: hung up by the PBX (shutdown)' in the log"
case_end

case_begin "no strowger of this script is left running"
for p in "${PIDS[@]}"; do
	alive "$p" && fail "pid $p still runs"
done
case_end

finish
