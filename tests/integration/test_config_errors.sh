#!/usr/bin/env bash
# test_config_errors.sh: a broken config stops strowger before it listens, with one
# line naming file:line and the cause; -n checks a config; the sample dialplan runs.
. "$(dirname "$0")/lib.sh"

N=0
# bad_config NAME LINE CAUSE CONFIG-TEXT: strowger must exit non-zero, create no
# socket, and print one line "strowger: FILE:LINE: ...CAUSE...".
bad_config() {
	local name=$1 line=$2 cause=$3 text=$4
	N=$((N + 1))
	local file=$TMP/bad$N.lua data=$TMP/data$N
	printf '%s\n' "$text" >"$file"
	case_begin "bad config: $name"
	run_strowger -c "$file" -M "$MODS" -D "$data"
	if [ "$RC" = 0 ] || [ "$RC" = 124 ] || [ "$RC" = 137 ]; then
		fail "exited $RC, expected a quick non-zero exit"
		_show_last
	fi
	[ -e "$data/strowger.ctl" ] && fail "it created the console socket"
	expect_lines 1
	expect_out "strowger: $file:$line: " "$cause"
	case_end
}

bad_config "unknown settings key, with did-you-mean" 3 \
	"settings.log.levle: unknown key (did you mean 'level'?)" \
	'-- a comment
-- another
settings {
  log = { levle = "info" },
}'

bad_config "unknown core setting, with did-you-mean" 1 \
	"settings.modlues: unknown setting (did you mean 'modules'?)" \
	'settings { modlues = { "res_example" } }'

bad_config "unknown key of a module section, with did-you-mean" 2 \
	"settings.example.greting: unknown key (did you mean 'greeting'?)" \
	'
settings { modules = { "res_example" }, example = { greting = "Hi" } }'

bad_config "wrong type" 1 \
	"settings.media.workers: expected an integer, got string" \
	'settings { media = { workers = "two" } }'

bad_config "wrong type in a module section" 1 \
	"settings.example.greeting: expected a string, got number" \
	'settings { modules = { "res_example" }, example = { greeting = 42 } }'

bad_config "Lua syntax error" 4 \
	"'}' expected (to close '{' at line 1) near 'x'" \
	'settings {
  log = { level = "info" }

x = = 1'

bad_config "Lua runtime error" 3 \
	"attempt to index a nil value (local 'x')" \
	'settings {}
local x = nil
x.y = 1'

bad_config "a listed module that does not exist" 2 \
	"module 'res_nosuch': no file $MODS/res_nosuch.so" \
	'
settings { modules = { "res_nosuch" } }'

# The modules listed before the bad one load and unload again: their log lines
# must not bury the one error line.
bad_config "a missing module listed after a good one" 1 \
	"module 'res_nosuch': no file $MODS/res_nosuch.so" \
	'settings { modules = { "res_example", "res_nosuch" } }'

bad_config "a listed module with a wrong ABI" 1 \
	"module 'bad_abi': built for module ABI" \
	'settings { modules = { "bad_abi" } }'

bad_config "an unknown section no module claims" 2 \
	"settings.frobnicate: unknown setting, and no loaded module reads a section of that name" \
	'
settings {
  frobnicate = { level = 3 },
}'

bad_config "a section whose module is not listed" 1 \
	"settings.example: unknown setting" \
	'settings { example = { greeting = "Hi" } }'

bad_config "bad log level" 2 \
	"settings.log.level: 'loud' is not a log level (error, warning, notice, info, debug)" \
	'
settings { log = { level = "loud" } }'

bad_config "a user with no password" 3 \
	"users['1000']: needs a password" \
	'settings {}

users { ["1000"] = { name = "Alice", context = "office" } }'

bad_config "bad extension pattern" 4 \
	"extensions.office['_1[5']: bad pattern: '[' without ']'" \
	'settings {}
extensions = {
  office = {
    ["_1[5"] = function(call) call:hangup() end,
  },
}'

case_begin "a missing config file is named"
run_strowger -c "$TMP/nosuch.lua" -M "$MODS" -D "$TMP/data-missing"
[ "$RC" != 0 ] || fail "exited 0"
expect_lines 1
expect_out "strowger: $TMP/nosuch.lua: cannot open the dialplan: No such file or directory"
[ -e "$TMP/data-missing/strowger.ctl" ] && fail "it created the console socket"
case_end

SAMPLE=$ROOT/dialplan/strowger.lua

case_begin "-n on the sample config prints 'configuration OK'"
run_strowger -n -c "$SAMPLE" -M "$MODS" -D "$TMP/data-n"
expect_rc 0
expect_out "configuration OK: $SAMPLE (11 users, 3 contexts, 3 modules)"
expect_lines 1
[ -e "$TMP/data-n/strowger.ctl" ] && fail "-n created the console socket"
case_end

case_begin "-n on a bad config exits 1 with the error"
printf 'settings {\n  log = { levle = "info" },\n}\n' >"$TMP/bad-n.lua"
run_strowger -n -c "$TMP/bad-n.lua" -M "$MODS"
expect_rc 1
expect_out "strowger: $TMP/bad-n.lua:1: settings.log.levle: unknown key (did you mean 'level'?)"
expect_lines 1
case_end

case_begin "-n checks the sections of the listed modules"
printf 'settings { modules = { "res_example" }, example = { greting = "x" } }\n' >"$TMP/bad-n2.lua"
run_strowger -n -c "$TMP/bad-n2.lua" -M "$MODS"
expect_rc 1
expect_out "settings.example.greting: unknown key (did you mean 'greeting'?)"
case_end

case_begin "-n names a listed module that does not exist"
printf 'settings { modules = { "res_nosuch" } }\n' >"$TMP/bad-n3.lua"
run_strowger -n -c "$TMP/bad-n3.lua" -M "$MODS"
expect_rc 1
expect_out "module 'res_nosuch': no file $MODS/res_nosuch.so"
case_end

case_begin "-n refuses a section no module claims"
printf 'settings { modules = { "res_example" }, frobnicate = {} }\n' >"$TMP/bad-n4.lua"
run_strowger -n -c "$TMP/bad-n4.lua" -M "$MODS"
expect_rc 1
expect_out "settings.frobnicate: unknown setting"
case_end

# --- the sample dialplan runs calls ---

# The sample listens on 5060; run a copy on a port of its own.
SIP_PORT=$((20000 + RANDOM % 25000))
sed "s/127\.0\.0\.1:5060/127.0.0.1:$SIP_PORT/g" "$SAMPLE" >"$TMP/sample.lua"
cp -R "$ROOT/dialplan/lib" "$TMP/lib" # the office library it requires
start_or_bail "$TMP/sample.lua"
pbx "module load chan_test"

case_begin "sample dialplan: *43 answers, then (a test leg has no audio to echo) hangs up after about 2 s"
[ "$RC" = 0 ] || fail "module load chan_test failed: $OUT"
t0=$(now_ms)
pbx "test call *43 1000 office"
expect_rc 0
expect_out_re '^Test/1000-[0-9]+$'
CH=$(head -n1 <<<"$OUT")
pbx_until 2 "test show" "$CH up: answer" || fail "the call was not answered"
pbx "core show calls"
expect_out_re "^C-[0-9]+ +1000 +\*43 +office +waiting +$TMP/sample.lua:[0-9]+$"
pbx_until 5 "test history" "$CH: answer hangup:normal" || {
	fail "no 'answer hangup:normal' in the test history"
	_show_last
}
t1=$(now_ms)
ms=$((t1 - t0))
[ "$ms" -ge 1800 ] && [ "$ms" -lt 4000 ] || fail "the call lasted $ms ms, expected about 2000"
grep -qF "1000 is testing the line" "$PBX_LOG" || fail "the log has no '1000 is testing the line'"
case_end

case_begin "sample dialplan: an office extension with no phone registered sends the caller to voicemail"
mark_log
pbx "test call 102 101 office"
expect_rc 0
CH=$(head -n1 <<<"$OUT")
# Voicemail answers; a test leg has no audio, so the greeting cannot play and
# the call ends.
pbx_until 5 "test history" "$CH: answer hangup:normal" || {
	fail "the caller was not answered by voicemail"
	_show_last
}
case_end

case_begin "sample dialplan: a caller with no user lands in 'default' and gets notfound"
mark_log
pbx "test call 5551234 stranger"
expect_rc 0
CH=$(head -n1 <<<"$OUT")
pbx_until 3 "test history" "$CH: hangup:notfound" || {
	fail "no 'hangup:notfound' in the test history"
	_show_last
}
expect_log "call from stranger to 5551234: no route in context 'default'"
case_end

case_begin "sample dialplan: a user's call uses the user's context"
pbx "test call *43 101"
expect_rc 0
pbx "core show calls"
expect_out_re '^C-[0-9]+ +101 +\*43 +office '
case_end

case_begin "sample dialplan: an extension not in the context is refused"
pbx "test call 999 1000 office"
expect_rc 1
expect_out "call not started: no such extension"
case_end

finish
