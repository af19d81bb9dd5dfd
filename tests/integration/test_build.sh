#!/usr/bin/env bash
# test_build.sh: what an admin meets before the PBX runs: ./configure's help and
# its message naming the Debian packages that are missing, and `make install`
# into a staging directory (DESTDIR) giving a binary, modules, headers and a
# config that work together.
. "$(dirname "$0")/lib.sh"

case_begin "./configure --help lists the usual options"
OUT=$(cd "$ROOT" && ./configure --help 2>&1)
RC=$?
expect_rc 0
expect_out "--prefix=DIR" "--sysconfdir=DIR" "--localstatedir=DIR" "--enable-debug" "--install-deps"
case_end

case_begin "./configure refuses an unknown option"
OUT=$(cd "$ROOT" && ./configure --frobnicate 2>&1)
RC=$?
expect_rc 2
expect_out "configure: unknown option '--frobnicate'"
case_end

case_begin "./configure names the Debian package of a missing library"
# A pkg-config that knows every library but cmocka; configure stops before it
# writes anything, so the tree's config.mk is untouched.
mkdir -p "$TMP/bin"
real=$(command -v pkg-config)
printf '#!/bin/sh\nfor a in "$@"; do [ "$a" = cmocka ] && exit 1; done\nexec %s "$@"\n' "$real" >"$TMP/bin/pkg-config"
chmod +x "$TMP/bin/pkg-config"
before=$(cksum <"$ROOT/config.mk")
OUT=$(cd "$ROOT" && PATH="$TMP/bin:$PATH" ./configure 2>&1)
RC=$?
expect_rc 1
expect_out "configure: missing Debian packages: libcmocka-dev" "sudo ./configure --install-deps"
[ "$(cksum <"$ROOT/config.mk")" = "$before" ] || fail "config.mk changed"
case_end

case_begin "make install DESTDIR=... stages a working PBX"
STAGE=$TMP/stage
OUT=$(make -C "$ROOT" -s install BUILD="$BUILD" SANITIZE="${SANITIZE:-}" DESTDIR="$STAGE" 2>&1)
RC=$?
expect_rc 0
prefix=$(sed -n 's/^PREFIX = //p' "$ROOT/config.mk")
libdir=$(sed -n 's/^LIBDIR = //p' "$ROOT/config.mk")
sysconf=$(sed -n 's/^SYSCONFDIR = //p' "$ROOT/config.mk")
for f in "$prefix/bin/strowger" "$libdir/strowger/modules/chan_sip.so" \
	"$libdir/strowger/modules/res_example.so" "$prefix/include/strowger/module.h" \
	"$sysconf/strowger/strowger.lua"; do
	[ -e "$STAGE$f" ] || fail "missing $f"
done
# The sample requires the office library, which the installed binary looks for in
# DATADIR/strowger/lua: staged under DESTDIR here, so it is shown beside the config.
datadir=$(sed -n 's/^DATADIR = //p' "$ROOT/config.mk")
[ -f "$STAGE$datadir/strowger/lua/findme.lua" ] || fail "the office library is not installed in $datadir/strowger/lua"
ln -sfn "$STAGE$datadir/strowger/lua" "$STAGE$sysconf/strowger/lib"
OUT=$("$STAGE$prefix/bin/strowger" -n -c "$STAGE$sysconf/strowger/strowger.lua" \
	-M "$STAGE$libdir/strowger/modules" -D "$TMP/stage-data" 2>&1)
RC=$?
expect_rc 0
expect_out "configuration OK"
case_end

case_begin "make install keeps an admin's edited config"
echo "-- edited by the admin" >>"$STAGE$sysconf/strowger/strowger.lua"
OUT=$(make -C "$ROOT" -s install BUILD="$BUILD" SANITIZE="${SANITIZE:-}" DESTDIR="$STAGE" 2>&1)
RC=$?
expect_rc 0
grep -q "edited by the admin" "$STAGE$sysconf/strowger/strowger.lua" || fail "the config was overwritten"
case_end

finish
