# tests/integration/lib.sh: shared helpers for the integration tests. Source it
# from a test_*.sh script; it runs real strowger processes against a temp dir.
#
#   start_pbx CONFIG [ARGS...]  start strowger in the background (-c CONFIG -M $MODS
#                               -D $PBX_DATA ARGS); sets PBX_PID, PBX_LOG, PBX_SOCK
#   pbx CMD                     run one console command; sets OUT (stdout+stderr), RC
#   run_strowger ARGS...        run strowger in the foreground (bounded); sets OUT, RC
#   refused_start CONFIG RE     strowger refuses to start on CONFIG, saying RE
#   wait_log TEXT [SECONDS]     poll the log (after the last mark_log) for TEXT
#   wait_exit PID [SECONDS]     wait for a process to end; sets EXIT_RC
#   case_begin NAME ... case_end  one test case; expect_* record why it failed
#   need_tools TOOL...          end the script (one failed case) unless each is on PATH
#   free_ports N [LOW SPAN]     the first of N consecutive ports nothing holds
#
# Each case prints "ok - NAME" or "not ok - NAME: why" plus "#" lines of context.
# KEEP_TMP=1 keeps the temp dir (configs, PBX and phone logs) and prints its path.
# End a script with finish: it stops what still runs, adds a case for clean exits
# and sanitizer reports in the PBX logs, and exits 1 if any case failed.

set -u

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
BUILD=${BUILD:-build}
STROWGER=${STROWGER:-$ROOT/$BUILD/strowger}
MODULE_DIR=${MODULE_DIR:-$ROOT/$BUILD/modules}
TEST_MODULE_DIR=${TEST_MODULE_DIR:-$ROOT/$BUILD/tests/modules}
case $STROWGER in /*) ;; *) STROWGER=$ROOT/$STROWGER ;; esac
case $MODULE_DIR in /*) ;; *) MODULE_DIR=$ROOT/$MODULE_DIR ;; esac
case $TEST_MODULE_DIR in /*) ;; *) TEST_MODULE_DIR=$ROOT/$TEST_MODULE_DIR ;; esac

# Sanitizer builds: report leaks and errors as a failing exit status, never hang.
export ASAN_OPTIONS=${ASAN_OPTIONS:-abort_on_error=0:detect_leaks=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1}

FAILED=0
PIDS=()
TMP=$(mktemp -d "${TMPDIR:-/tmp}/strowger-it.XXXXXX") || exit 1

# True while PID runs (a zombie counts as gone).
alive() {
	local st
	[ -r "/proc/$1/stat" ] || return 1
	st=$(sed 's/^.*) //' "/proc/$1/stat" 2>/dev/null | cut -c1) || return 1
	[ -n "$st" ] && [ "$st" != Z ] && [ "$st" != X ]
}

dead() { ! alive "$1"; }

cleanup() {
	local p i
	for p in "${PIDS[@]+"${PIDS[@]}"}"; do
		alive "$p" || continue
		kill -INT "$p" 2>/dev/null
		for ((i = 0; i < 40; i++)); do
			alive "$p" || break
			sleep 0.05
		done
		alive "$p" && kill -KILL "$p" 2>/dev/null
	done
	for p in "${PIDS[@]+"${PIDS[@]}"}"; do
		wait "$p" 2>/dev/null
	done
	[ -n "${SCRIPT_PID:-}" ] && kill -KILL "$SCRIPT_PID" 2>/dev/null && wait "$SCRIPT_PID" 2>/dev/null
	[ -n "${KEEP_TMP:-}" ] && echo "# kept $TMP" >&2 || rm -rf "$TMP"
}
trap 'cleanup 2>/dev/null' EXIT
trap 'exit 130' INT TERM

if [ ! -x "$STROWGER" ]; then
	echo "not ok - setup: no strowger binary at $STROWGER (run make test-build)"
	exit 1
fi

# One module directory holding the real modules and the test modules.
MODS=$TMP/modules
mkdir -p "$MODS"
for so in "$MODULE_DIR"/*.so "$TEST_MODULE_DIR"/*.so; do
	[ -e "$so" ] && ln -sf "$so" "$MODS/"
done

need_tools() {
	local t
	for t in "$@"; do
		if ! command -v "$t" >/dev/null; then
			echo "not ok - $t is installed (./configure --install-deps installs it)"
			exit 1
		fi
	done
}

# port_used PORT: something holds PORT, TCP or UDP, v4 or v6 (/proc/net lists
# local addresses as HEXIP:HEXPORT in the second column).
port_used() {
	awk '{ print $2 }' /proc/net/tcp /proc/net/udp /proc/net/tcp6 /proc/net/udp6 2>/dev/null |
		grep -qi ":$(printf '%04X' "$1")\$"
}

# free_ports N [LOW SPAN]: the first of N consecutive ports that nothing holds,
# from LOW to LOW + SPAN (20000 and 25000 by default).
free_ports() {
	local base i
	while :; do
		base=$((${2:-20000} + RANDOM % ${3:-25000}))
		for ((i = 0; i < $1; i++)); do
			port_used $((base + i)) && continue 2
		done
		echo "$base"
		return
	done
}

# --- test cases ---

CASE=
CASE_WHY=
CASE_CTX=

case_begin() {
	CASE=$1
	CASE_WHY=
	CASE_CTX=
	SHOWN_SEQ=-1
}

# fail WHY: records a reason (the first one is shown on the "not ok" line).
fail() {
	if [ -z "$CASE_WHY" ]; then
		CASE_WHY=$1
	else
		CASE_WHY="$CASE_WHY; $1"
	fi
}

# context TEXT: output shown under a failing case.
context() {
	CASE_CTX="$CASE_CTX$1"$'\n'
}

case_end() {
	if [ -z "$CASE_WHY" ]; then
		echo "ok - $CASE"
	else
		echo "not ok - $CASE: $CASE_WHY"
		FAILED=$((FAILED + 1))
		[ -n "$CASE_CTX" ] && printf '%s' "$CASE_CTX" | sed 's/^/#   /'
		if [ -n "${PBX_LOG:-}" ] && [ -f "$PBX_LOG" ]; then
			echo "#   --- last lines of $(basename "$PBX_LOG") ---"
			tail -n 8 "$PBX_LOG" | sed 's/^/#   /'
		fi
	fi
	CASE=
}

SANITIZER_RE='ERROR: (Address|Leak|Thread|Memory)Sanitizer|runtime error: |SUMMARY: (Address|Undefined)'

# VALGRIND=1 (make test VALGRIND=1): every strowger a test starts runs under
# valgrind's memcheck, its report in $TMP/vg-PID.log; finish fails the test on any
# error or definite leak. SLOW stretches the start and stop waits to match.
VG=()
SLOW=1
if [ "${VALGRIND:-0}" = 1 ]; then
	VG=(valgrind --quiet --error-exitcode=99 --leak-check=full --show-leak-kinds=definite
		--errors-for-leak-kinds=definite --track-origins=no --num-callers=30
		"--log-file=$TMP/vg-%p.log")
	SLOW=6
fi

# finish: stops what still runs (SIGINT, a clean stop), checks that those exits
# were clean and that no PBX log holds a sanitizer report, then exits 1 if any
# case failed.
finish() {
	local p log
	case_begin "every strowger left running stops cleanly, with no sanitizer report"
	for p in "${PIDS[@]+"${PIDS[@]}"}"; do
		alive "$p" || continue
		kill -INT "$p" 2>/dev/null
		if wait_exit "$p" $((10 * SLOW)); then
			[ "$EXIT_RC" = 0 ] || fail "pid $p exited $EXIT_RC on SIGINT"
		else
			fail "pid $p still runs 10 s after SIGINT"
		fi
	done
	for log in "$TMP"/pbx-*.log; do
		[ -f "$log" ] || continue
		if grep -qE "$SANITIZER_RE" "$log"; then
			fail "sanitizer report in $(basename "$log")"
			context "$(grep -E -A12 "$SANITIZER_RE" "$log" | head -40)"
		fi
	done
	for log in "$TMP"/vg-*.log; do
		[ -s "$log" ] || continue
		fail "valgrind report in $(basename "$log")"
		context "$(head -60 "$log")"
	done
	PBX_LOG=
	case_end
	[ "$FAILED" -eq 0 ]
	exit $?
}

# A client or foreground run that printed a sanitizer report fails the case.
_check_sanitizer() {
	if grep -qE "$SANITIZER_RE" <<<"$OUT"; then
		fail "sanitizer report from '$LAST_CMD'"
		_show_last
	fi
}

# Checks on the last command (OUT/RC set by pbx or run_strowger).
LAST_CMD=

CMD_SEQ=0
SHOWN_SEQ=-1
_show_last() {
	[ "$SHOWN_SEQ" = "$CMD_SEQ" ] && return
	SHOWN_SEQ=$CMD_SEQ
	context "\$ $LAST_CMD  (exit $RC)"
	context "$OUT"
}

expect_rc() {
	if [ "$RC" != "$1" ]; then
		fail "'$LAST_CMD' exited $RC, expected $1"
		_show_last
	fi
}

# expect_out TEXT...: each TEXT (a fixed string) is in the output.
expect_out() {
	local t
	for t in "$@"; do
		if ! grep -qF -- "$t" <<<"$OUT"; then
			fail "'$LAST_CMD' printed no '$t'"
			_show_last
		fi
	done
}

# expect_out_re REGEX...: each extended regex matches a line of the output.
expect_out_re() {
	local t
	for t in "$@"; do
		if ! grep -qE -- "$t" <<<"$OUT"; then
			fail "'$LAST_CMD' printed nothing matching /$t/"
			_show_last
		fi
	done
}

expect_no_out() {
	local t
	for t in "$@"; do
		if grep -qF -- "$t" <<<"$OUT"; then
			fail "'$LAST_CMD' printed '$t', which it should not"
			_show_last
		fi
	done
}

# expect_lines N: the output has exactly N lines.
expect_lines() {
	local n
	n=$(printf '%s' "$OUT" | grep -c '')
	if [ "$n" != "$1" ]; then
		fail "'$LAST_CMD' printed $n lines, expected $1"
		_show_last
	fi
}

# --- running strowger ---

PBX_PID=
PBX_LOG=
PBX_SOCK=
PBX_DATA=
OUT=
RC=0

# poll_until SECONDS COMMAND...: runs COMMAND every 50 ms until it succeeds.
poll_until() {
	local end
	end=$(($(now_ms) + $(awk -v s="$1" 'BEGIN { print int(s * 1000) }')))
	shift
	while :; do
		"$@" && return 0
		[ "$(now_ms)" -ge "$end" ] && return 1
		sleep 0.05
	done
}

now_ms() { echo $(($(date +%s%N) / 1000000)); }

# start_pbx CONFIG [ARGS...]: -D defaults to $TMP/var; a -D or -s among ARGS is
# honoured when finding the socket. Returns 1 (log on stderr) if it does not answer.
start_pbx() {
	local config=$1
	shift
	local data=$TMP/var sock='' a prev=''
	for a in "$@"; do
		case $prev in
		-D) data=$a ;;
		-s) sock=$a ;;
		esac
		prev=$a
	done
	case $data in /*) ;; *) data=$PWD/$data ;; esac
	[ -z "$sock" ] && sock=$data/strowger.ctl
	PBX_DATA=$data
	PBX_SOCK=$sock
	PBX_LOG=$TMP/pbx-$((${#PIDS[@]} + 1)).log
	"${VG[@]}" "$STROWGER" -c "$config" -M "$MODS" -D "$data" "$@" >"$PBX_LOG" 2>&1 &
	PBX_PID=$!
	PIDS+=("$PBX_PID")
	LOG_MARK=0
	local end=$(($(now_ms) + 10000 * SLOW))
	while [ "$(now_ms)" -lt "$end" ]; do
		if ! alive "$PBX_PID"; then
			wait "$PBX_PID" 2>/dev/null
			echo "# strowger exited (status $?) at start:" >&2
			sed 's/^/#   /' "$PBX_LOG" >&2
			return 1
		fi
		if "$STROWGER" -s "$PBX_SOCK" -x "core show version" >/dev/null 2>&1; then
			return 0
		fi
		sleep 0.05
	done
	echo "# strowger did not answer on $PBX_SOCK within 10 s:" >&2
	sed 's/^/#   /' "$PBX_LOG" >&2
	return 1
}

# start_or_bail CONFIG [ARGS...]: start_pbx, or report the case and end the script.
start_or_bail() {
	if ! start_pbx "$@"; then
		echo "not ok - start strowger with $(basename "$1"): it did not come up"
		exit 1
	fi
}

# pbx CMD: one console command against the running PBX.
pbx() {
	LAST_CMD="strowger -x \"$1\""
	CMD_SEQ=$((CMD_SEQ + 1))
	OUT=$(timeout 10 "$STROWGER" -s "$PBX_SOCK" -x "$1" 2>&1)
	RC=$?
	_check_sanitizer
}

# run_strowger ARGS...: strowger in the foreground, at most 15 s.
run_strowger() {
	local shown="$*"
	LAST_CMD="strowger ${shown//$TMP\//}" # paths in the temp dir read short
	CMD_SEQ=$((CMD_SEQ + 1))
	OUT=$(timeout 15 "$STROWGER" "$@" 2>&1)
	RC=$?
	_check_sanitizer
}

# refused_start CONFIG PATTERN: strowger must refuse to start on CONFIG (a file
# in $TMP) and say why matching PATTERN (grep -E), e.g. "bad.lua:[0-9]+: ...".
refused_start() {
	local name
	name=$(basename "$1" .lua)
	run_strowger -c "$1" -M "$MODS" -D "$TMP/$name-var" -s "$TMP/$name.ctl"
	if [ "$RC" = 0 ]; then
		fail "it started on $name.lua"
	elif ! grep -qE -- "$2" <<<"$OUT"; then
		fail "no reason matching /$2/: $OUT"
	fi
}

# mark_log: later wait_log / log_has calls only look at lines written after this.
LOG_MARK=0
mark_log() {
	LOG_MARK=$(complete_lines "$PBX_LOG")
}

# complete_lines FILE: the lines FILE ends so far (its newlines). A line still being
# written is not one of them: a mark that counted it would hide the rest of it,
# as when baresip writes a colour reset before a message on the same line.
complete_lines() {
	local n
	n=$(wc -l <"$1" 2>/dev/null) || n=0
	echo "${n:-0}"
}

log_has() {
	tail -n +"$((LOG_MARK + 1))" "$PBX_LOG" 2>/dev/null | grep -qF -- "$1"
}

# wait_log TEXT [SECONDS]: true once the log (after the mark) holds TEXT.
wait_log() {
	poll_until "${2:-5}" log_has "$1"
}

# expect_log TEXT [SECONDS]
expect_log() {
	if ! wait_log "$1" "${2:-5}"; then
		fail "the log has no '$1'"
	fi
}

# log_line TEXT: the number of the first log line holding TEXT (0 if none).
log_line() {
	local n
	n=$(grep -nF -- "$1" "$PBX_LOG" | head -n1 | cut -d: -f1)
	echo "${n:-0}"
}

# wait_exit PID [SECONDS]: waits for the process; EXIT_RC is its status, or
# "running" if it did not end in time.
wait_exit() {
	local pid=$1
	if poll_until "${2:-5}" dead "$pid"; then
		wait "$pid" 2>/dev/null
		EXIT_RC=$?
		return 0
	fi
	EXIT_RC=running
	return 1
}

# out_has TEXT: after a pbx command, does its output hold TEXT?
out_has() {
	grep -qF -- "$1" <<<"$OUT"
}

# pbx_until SECONDS CMD TEXT: repeats CMD until its output holds TEXT.
pbx_until() {
	local limit=$1 cmd=$2 text=$3
	poll_until "$limit" _pbx_has "$cmd" "$text"
}
_pbx_has() {
	pbx "$1"
	out_has "$2"
}
