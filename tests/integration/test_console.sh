#!/usr/bin/env bash
# test_console.sh: the console as a user meets it: -x, exit statuses, help, usage
# lines, the core show commands, log levels, and the interactive -r console.
. "$(dirname "$0")/lib.sh"

CFG=$TMP/console.lua
cat >"$CFG" <<'EOF'
settings {
  modules = { "res_example", "chan_test" },
  data_dir = "var",                 -- next to this file: -x -c finds the socket
  log = { level = "notice" },
  example = { greeting = "Hello" },
}
users {
  ["1000"] = { name = "Alice", password = "alice-secret", context = "office" },
}
extensions = {
  office = { ["100"] = function(call) call:answer(); call:hangup() end },
}
EOF
start_or_bail "$CFG"

case_begin "core show version prints Strowger"
pbx "core show version"
expect_rc 0
expect_out_re '^Strowger [0-9]+\.[0-9]+\.[0-9]+ \(module ABI [0-9]+, Lua 5\.[0-9]'
case_end

case_begin "strowger -V prints the version without a PBX"
run_strowger -V
expect_rc 0
expect_out_re '^Strowger [0-9]+\.[0-9]+'
case_end

case_begin "help lists the core and module commands"
pbx "help"
expect_rc 0
expect_out "core show version" "core show channel NAME" "core stop gracefully|now" "module load NAME" \
	"module unload NAME" "dialplan reload" "log level [LEVEL [TAG]]" "example hello [NAME]" \
	"test call EXTEN [FROM [CONTEXT]]"
case_end

case_begin "help WORD lists only the commands that start with it"
pbx "help module"
expect_rc 0
expect_out "module load NAME" "module show [like TEXT]"
expect_no_out "dialplan reload" "core show version"
case_end

case_begin "an unknown command exits 1 with 'no such command'"
pbx "frobnicate the widgets"
expect_rc 1
expect_out "no such command 'frobnicate the widgets' (try 'help')"
case_end

case_begin "core show channel without a name exits 2 with its usage"
pbx "core show channel"
expect_rc 2
expect_out "usage: core show channel NAME"
case_end

case_begin "log level bogus exits 2 naming the levels and the usage"
pbx "log level bogus"
expect_rc 2
expect_out "'bogus' is not a level: error, warning, notice, info or debug" "usage: log level"
case_end

case_begin "an incomplete command exits 2 and lists how it goes on"
pbx "core show"
expect_rc 2
expect_out "incomplete command" "core show version" "core show uptime"
case_end

case_begin "core show channel NAME of no channel exits 1"
pbx "core show channel Test/nobody-000009"
expect_rc 1
expect_out "no channel named 'Test/nobody-000009'"
case_end

case_begin "core show uptime"
pbx "core show uptime"
expect_rc 0
expect_out_re '^System uptime: [0-9]+ seconds?$' '^Last reload: [0-9]+ seconds? ago$'
case_end

case_begin "core show channels (none)"
pbx "core show channels"
expect_rc 0
expect_out "0 active channels"
case_end

case_begin "core show calls (none)"
pbx "core show calls"
expect_rc 0
expect_out "0 active calls"
case_end

case_begin "core show modules lists the configured modules"
pbx "core show modules"
expect_rc 0
expect_out_re '^res_example +0 +Example module' '^chan_test +0 ' "^2 modules loaded \(from $MODS\)$"
case_end

case_begin "core show modules like TEXT filters"
pbx "core show modules like example"
expect_rc 0
expect_out "res_example" "1 module loaded"
expect_no_out "chan_test"
case_end

case_begin "core show settings shows the running paths"
pbx "core show settings"
expect_rc 0
expect_out "Dialplan file:    $CFG (generation 1)" "Data directory:   $TMP/var" \
	"Module directory: $MODS" "Console socket:   $PBX_SOCK (mode 0660" "Log level:        notice" \
	"Users:            1"
case_end

case_begin "the console socket has the default mode 0660"
mode=$(stat -c %a "$PBX_SOCK")
[ "$mode" = 660 ] || fail "mode $mode"
[ -S "$PBX_SOCK" ] || fail "$PBX_SOCK is not a socket"
case_end

case_begin "core show users"
pbx "core show users"
expect_rc 0
expect_out_re '^1000 +Alice +office +password$' '^1 user$'
expect_no_out "alice-secret"
case_end

case_begin "core show workers"
pbx "core show workers"
expect_rc 0
expect_out_re '^Worker +Sessions +Queued +Lag' '^0 +0 +[0-9]+ +[0-9]+ ms'
case_end

case_begin "core show bridges (none)"
pbx "core show bridges"
expect_rc 0
expect_out "0 active bridges"
case_end

case_begin "core show technologies lists the Test technology"
pbx "core show technologies"
expect_rc 0
expect_out_re '^Test +chan_test +Test phones'
case_end

case_begin "core show version with an extra word exits 2"
pbx "core show version please"
expect_rc 2
expect_out "usage: core show version"
case_end

case_begin "log level debug, then log level shows debug"
pbx "log level debug"
expect_rc 0
expect_out "log level: debug"
pbx "log level"
expect_rc 0
expect_out "log level: debug"
# The new level applies at once: console commands are logged at debug.
mark_log
pbx "core show uptime"
expect_log "debug[console] command: core show uptime"
case_end

case_begin "log level LEVEL TAG sets a tag, log level lists it, reset clears it"
pbx "log level notice"
expect_rc 0
pbx "log level debug example"
expect_rc 0
expect_out "log level for example: debug"
pbx "log level"
expect_rc 0
expect_out "log level: notice"
expect_out_re '^  example +debug$'
pbx "log level reset example"
expect_rc 0
expect_out "tag example follows the global level again"
pbx "log level"
expect_no_out "example"
case_end

case_begin "a quoted argument reaches the command as one word"
pbx 'example hello "Mary Ann"'
expect_rc 0
expect_out "Hello, Mary Ann!"
case_end

case_begin "an unterminated quote exits 2"
pbx 'example hello "Mary'
expect_rc 2
expect_out "cannot read the command: unterminated quote"
case_end

case_begin "-x -c CONFIG finds the socket from the config"
run_strowger -c "$CFG" -x "core show version"
expect_rc 0
expect_out "Strowger"
case_end

case_begin "-x where nothing listens exits 3 with a clear message"
run_strowger -s "$TMP/nothing-here.ctl" -x "core show version"
expect_rc 3
expect_out "strowger: cannot reach the PBX on $TMP/nothing-here.ctl: No such file or directory (is it running? try -s PATH)"
expect_lines 1
case_end

case_begin "-x with -D of an idle data dir exits 3 naming its socket"
mkdir -p "$TMP/idle"
run_strowger -D "$TMP/idle" -x "core show version"
expect_rc 3
expect_out "cannot reach the PBX on $TMP/idle/strowger.ctl"
case_end

case_begin "-x on a socket file nobody listens on exits 3 (connection refused)"
# A UNIX socket bound then abandoned, as after a crash.
if command -v python3 >/dev/null; then
	python3 -c 'import socket,sys; s=socket.socket(socket.AF_UNIX); s.bind(sys.argv[1])' "$TMP/stale.ctl"
	run_strowger -s "$TMP/stale.ctl" -x "core show version"
	expect_rc 3
	expect_out "cannot reach the PBX on $TMP/stale.ctl: Connection refused"
else
	echo "# python3 missing: bound-but-dead socket not checked"
fi
case_end

# The interactive console wants a terminal: `script` gives it one. Commands are
# typed only once the prompt is there, and each step is polled, bounded.
case_begin "strowger -r: type 'core show version' and 'quit'"
if ! command -v script >/dev/null; then
	fail "util-linux 'script' is not installed: cannot give strowger -r a terminal"
	case_end
	finish
fi
IN=$TMP/console.in
TTY_OUT=$TMP/console.out
mkfifo "$IN"
: >"$TTY_OUT"
script -qec "$STROWGER -r -s $PBX_SOCK" /dev/null <"$IN" >"$TTY_OUT" 2>&1 &
SCRIPT_PID=$!
exec 7>"$IN"
tty_has() { grep -qF -- "$1" "$TTY_OUT"; }
if ! poll_until 10 tty_has "strowger> "; then
	fail "no prompt from strowger -r"
else
	pbx "log level debug" # so the console also streams the command's log line
	printf 'core show version\r' >&7
	poll_until 10 tty_has "Strowger 0" || poll_until 10 tty_has "(module ABI" ||
		fail "'core show version' printed no version"
	printf 'quit\r' >&7
fi
if wait_exit "$SCRIPT_PID" 10; then
	[ "$EXIT_RC" = 0 ] || fail "strowger -r exited $EXIT_RC after quit"
else
	fail "strowger -r still runs 10 s after 'quit'"
	kill -KILL "$SCRIPT_PID" 2>/dev/null
	wait "$SCRIPT_PID" 2>/dev/null
fi
exec 7>&-
SCRIPT_PID=
tty_has "Connected to Strowger on $PBX_SOCK" || fail "no 'Connected to Strowger' banner"
tty_has "debug[console] command: core show version" || fail "the console streamed no log line"
tty_has "$(grep -o 'Strowger [^ ]* (module ABI[^)]*)' <<<"$("$STROWGER" -s "$PBX_SOCK" -x 'core show version')")" ||
	fail "the version line differs from -x's"
[ -n "$CASE_WHY" ] && context "$(tr -d '\r' <"$TTY_OUT")"
pbx "core show version"
[ "$RC" = 0 ] || fail "the PBX stopped answering after the console quit"
pbx "log level notice"
case_end

case_begin "strowger -r where nothing listens exits 3"
run_strowger -r -s "$TMP/nothing-here.ctl"
expect_rc 3
expect_out "cannot reach the PBX on $TMP/nothing-here.ctl"
case_end

finish
