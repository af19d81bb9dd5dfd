# tests/integration/sipp.sh: helpers for the tests that drive SIPp phones. Source
# it after lib.sh.
#
#   free_port                  a random port in 20000-44999 nothing holds (UDP or TCP)
#   scenario XML USER PASS [CODE]
#                              a copy of tests/integration/sipp/XML with AUTH_USER,
#                              AUTH_PASS and EXPECT_CODE written in; prints its path
#   sipp_run NAME ARGS...      one bounded SIPp run in the foreground; sets RC, OUT
#   phone_done PID OUTFILE WHO fails the case unless that background SIPp exited 0

if ! command -v sipp >/dev/null; then
	echo "not ok - sipp is installed (./configure --install-deps installs sip-tester)"
	exit 1
fi
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

# SIPp cannot nest [field0] in [authentication], hence the copies.
scenario() {
	local out="$TMP/$(basename "$1" .xml)-$2-${4:-x}.xml"
	sed "s/AUTH_USER/$2/g; s/AUTH_PASS/$3/g; s/EXPECT_CODE/${4:-}/g" "$SIPP_DIR/$1" >"$out"
	echo "$out"
}

sipp_run() {
	local name=$1
	shift
	OUT=$(cd "$TMP" && timeout 30 sipp -nostdin -i 127.0.0.1 -m 1 -timeout 20 -timeout_error \
		-trace_err -error_file "$TMP/$name.err" "$@" 2>&1)
	RC=$?
	[ -f "$TMP/$name.err" ] && OUT="$OUT"$'\n'"$(cat "$TMP/$name.err")"
}

phone_done() {
	if ! wait_exit "$1" 10; then
		fail "$3 did not finish"
	elif [ "${EXIT_RC:-1}" != 0 ]; then
		fail "$3 failed ($EXIT_RC)"
		context "$(cat "$2")"
	fi
}
