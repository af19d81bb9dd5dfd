# Strowger: `make run` builds and starts the PBX, `make test` builds and tests it.
# Build outputs go to build/ (build-asan/ with SANITIZE=1); nothing lands in the tree.

ifeq ($(SANITIZE),1)
BUILD ?= build-asan
SAN_FLAGS = -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=undefined
else
BUILD ?= build
SAN_FLAGS =
endif

# configure writes config.mk; run it (installing Debian packages when root) if absent.
ifeq ($(filter help clean distclean,$(MAKECMDGOALS)),)
-include config.mk
endif

CC ?= cc
WERROR ?= -Werror
WARN = -Wall -Wextra $(WERROR) -Wshadow -Wstrict-prototypes -Wmissing-prototypes -Wno-unused-parameter -Wno-format-truncation
BASE_CFLAGS = -std=c17 -D_GNU_SOURCE -Iinclude $(OPTFLAGS) $(WARN) $(SAN_FLAGS) -fvisibility=hidden
DEPFLAGS = -MMD -MP
CORE_CFLAGS = $(BASE_CFLAGS) $(DEPFLAGS) $(LUA_CFLAGS) $(EVENT_CFLAGS) $(EDIT_CFLAGS) $(SQLITE_CFLAGS)
MOD_CFLAGS = $(BASE_CFLAGS) $(LUA_CFLAGS) -fPIC
CORE_LIBS = $(LUA_LIBS) $(EVENT_LIBS) $(EDIT_LIBS) $(SQLITE_LIBS) -ldl -lpthread -lm

CORE_SRC = $(filter-out core/main.c,$(wildcard core/*.c))
CORE_OBJ = $(CORE_SRC:%.c=$(BUILD)/%.o)
# A folder modules/NAME/ is a loadable module once it holds NAME.c, the file that
# declares it (SG_MODULE_DEFINE); until then it is a set of pure files that only the
# unit tests and fuzz targets compile (modules/res_rtp, issue 4, starts that way).
MODULES = $(foreach d,$(notdir $(wildcard modules/*)),$(if $(wildcard modules/$(d)/$(d).c),$(d)))
MODULE_SO = $(MODULES:%=$(BUILD)/modules/%.so)
TEST_MODULES = $(basename $(notdir $(wildcard tests/modules/*.c)))
TEST_MODULE_SO = $(TEST_MODULES:%=$(BUILD)/tests/modules/%.so)
UNIT_TESTS = $(basename $(notdir $(wildcard tests/unit/test_*.c)))
UNIT_BIN = $(UNIT_TESTS:%=$(BUILD)/tests/unit/%)
LUA_RUNNER = $(BUILD)/tests/lua/run_lua_tests

.PHONY: all run console test bench install uninstall clean distclean help check-config sounds

all: $(BUILD)/strowger $(MODULE_SO)

config.mk config.h: configure
	@if [ "$$(id -u)" = 0 ]; then ./configure --install-deps; else ./configure; fi

$(BUILD)/libstrowger.a: $(CORE_OBJ)
	@mkdir -p $(@D)
	rm -f $@ && ar rcs $@ $^

$(BUILD)/core/%.o: core/%.c config.h
	@mkdir -p $(@D)
	$(CC) $(CORE_CFLAGS) -c $< -o $@

# -rdynamic exports the core's SG_API symbols so modules resolve them at dlopen.
$(BUILD)/strowger: $(BUILD)/core/main.o $(BUILD)/libstrowger.a
	$(CC) $(SAN_FLAGS) -rdynamic -o $@ $(BUILD)/core/main.o -Wl,--whole-archive $(BUILD)/libstrowger.a -Wl,--no-whole-archive $(CORE_LIBS)

# One module per folder: modules/NAME/*.c -> $(BUILD)/modules/NAME.so
.SECONDEXPANSION:
PUBLIC_HEADERS = $(wildcard include/strowger/*.h)
$(BUILD)/modules/%.so: $$(wildcard modules/%/*.c) $$(wildcard modules/%/*.h) $(PUBLIC_HEADERS) config.h
	@mkdir -p $(@D)
	$(CC) $(MOD_CFLAGS) -shared -o $@ $(filter %.c,$^) $(MOD_LIBS)

# Libraries a module needs beyond what the strowger binary already links.
$(BUILD)/modules/chan_sip.so: MOD_LIBS = $(SSL_LIBS) $(XML_LIBS)
$(BUILD)/modules/chan_sip.so: MOD_CFLAGS += $(XML_CFLAGS)
$(BUILD)/modules/res_rtp.so: MOD_LIBS = $(SNDFILE_LIBS) $(SRTP_LIBS) $(SSL_LIBS) -lm
$(BUILD)/modules/res_rtp.so: MOD_CFLAGS += $(SNDFILE_CFLAGS) $(SRTP_CFLAGS) $(SSL_CFLAGS)

$(BUILD)/tests/modules/%.so: tests/modules/%.c $(PUBLIC_HEADERS) config.h
	@mkdir -p $(@D)
	$(CC) $(MOD_CFLAGS) -shared -o $@ $<

TEST_SUPPORT_OBJ = $(BUILD)/tests/support/chan_test.o

$(BUILD)/tests/support/%.o: tests/support/%.c config.h
	@mkdir -p $(@D)
	$(CC) $(CORE_CFLAGS) -Icore -c $< -o $@

$(BUILD)/tests/unit/%: tests/unit/%.c $(BUILD)/libstrowger.a $(TEST_SUPPORT_OBJ)
	@mkdir -p $(@D)
	$(CC) $(CORE_CFLAGS) -Icore $(CMOCKA_CFLAGS) -rdynamic -o $@ $< $(TEST_SUPPORT_OBJ) -Wl,--whole-archive $(BUILD)/libstrowger.a -Wl,--no-whole-archive $(CMOCKA_LIBS) $(CORE_LIBS)

# SIP unit tests also compile chan_sip's pure parts (sip_*.c: no core calls).
SIP_PURE_SRC = $(wildcard modules/chan_sip/sip_*.c)
$(BUILD)/tests/unit/test_sip_%: tests/unit/test_sip_%.c $(SIP_PURE_SRC) $(wildcard modules/chan_sip/*.h)
	@mkdir -p $(@D)
	$(CC) $(CORE_CFLAGS) -Imodules/chan_sip $(CMOCKA_CFLAGS) -o $@ $< $(SIP_PURE_SRC) $(CMOCKA_LIBS) $(CORE_LIBS) $(SSL_LIBS)

# res_rtp's pure parts (libc only, no core calls), compiled into their unit tests the
# same way: a file is pure when its name starts with one of RTP_PURE_PREFIXES (SDP:
# sdp_*.c; codecs: g711*.c; RTP/RTCP packets, sequence tracking, rewriting, latching,
# the port set: rtp_*.c, rtcp_*.c; playback and recording building blocks: audio_*.c,
# which may use libsndfile and libm too), and test_<prefix>*.c tests link them. A new
# pure part adds its prefix here; a file that calls the core must not start with one.
# Every such test links all the pure files, hence libsndfile for each.
RTP_PURE_PREFIXES = sdp_ g711 rtp_ rtcp_ audio_
RTP_PURE_SRC = $(wildcard $(foreach p,$(RTP_PURE_PREFIXES),modules/res_rtp/$(p)*.c))
RTP_UNIT_BIN = $(filter $(foreach p,$(RTP_PURE_PREFIXES),$(BUILD)/tests/unit/test_$(p)%),$(UNIT_BIN))
$(RTP_UNIT_BIN): $(BUILD)/tests/unit/%: tests/unit/%.c $(RTP_PURE_SRC) $(wildcard modules/res_rtp/*.h)
	@mkdir -p $(@D)
	$(CC) $(CORE_CFLAGS) -Imodules/res_rtp $(CMOCKA_CFLAGS) $(SNDFILE_CFLAGS) -o $@ $< $(RTP_PURE_SRC) $(CMOCKA_LIBS) $(SNDFILE_LIBS) -lm

# The presence documents: chan_sip's dialog-info writer and PIDF (libxml2).
PRESENCE_DOC_SRC = modules/chan_sip/dialog_info.c modules/chan_sip/pidf.c
$(BUILD)/tests/unit/test_presence_docs: tests/unit/test_presence_docs.c $(PRESENCE_DOC_SRC) $(wildcard modules/chan_sip/*.h) $(BUILD)/libstrowger.a
	@mkdir -p $(@D)
	$(CC) $(CORE_CFLAGS) -Imodules/chan_sip $(XML_CFLAGS) $(CMOCKA_CFLAGS) -rdynamic -o $@ $< $(PRESENCE_DOC_SRC) -Wl,--whole-archive $(BUILD)/libstrowger.a -Wl,--no-whole-archive $(CMOCKA_LIBS) $(XML_LIBS) $(CORE_LIBS)

# tls.c calls nothing of the core either (it takes SG_IO_* from loop.h): its test
# links it alone, with OpenSSL.
$(BUILD)/tests/unit/test_sip_tls: tests/unit/test_sip_tls.c modules/chan_sip/tls.c $(wildcard modules/chan_sip/*.h)
	@mkdir -p $(@D)
	$(CC) $(CORE_CFLAGS) -Imodules/chan_sip $(CMOCKA_CFLAGS) -o $@ $< modules/chan_sip/tls.c $(CMOCKA_LIBS) $(SSL_LIBS)

# srtp.c (libsrtp2 contexts, no core calls): its test links it with libsrtp2 and
# the pure SDP files (the keys travel as a=crypto).
$(BUILD)/tests/unit/test_srtp: tests/unit/test_srtp.c modules/res_rtp/srtp.c $(RTP_PURE_SRC) $(wildcard modules/res_rtp/*.h)
	@mkdir -p $(@D)
	$(CC) $(CORE_CFLAGS) -Imodules/res_rtp $(CMOCKA_CFLAGS) $(SRTP_CFLAGS) $(SNDFILE_CFLAGS) -o $@ $< modules/res_rtp/srtp.c $(RTP_PURE_SRC) $(CMOCKA_LIBS) $(SRTP_LIBS) $(SNDFILE_LIBS) -lm

# asfe_xml.c (as-feature-event bodies) needs only libxml2.
$(BUILD)/tests/unit/test_asfe_xml: tests/unit/test_asfe_xml.c modules/chan_sip/asfe_xml.c $(wildcard modules/chan_sip/*.h)
	@mkdir -p $(@D)
	$(CC) $(CORE_CFLAGS) -Imodules/chan_sip $(XML_CFLAGS) $(CMOCKA_CFLAGS) -o $@ $< modules/chan_sip/asfe_xml.c $(CMOCKA_LIBS) $(XML_LIBS)

$(LUA_RUNNER): tests/lua/run_lua_tests.c $(BUILD)/libstrowger.a $(TEST_SUPPORT_OBJ)
	@mkdir -p $(@D)
	$(CC) $(CORE_CFLAGS) -Icore -rdynamic -o $@ $< $(TEST_SUPPORT_OBJ) -Wl,--whole-archive $(BUILD)/libstrowger.a -Wl,--no-whole-archive $(CORE_LIBS)

# Every public header must compile on its own (a module may include just one).
HEADER_STAMPS = $(patsubst include/strowger/%.h,$(BUILD)/headers/%.ok,$(wildcard include/strowger/*.h))
$(BUILD)/headers/%.ok: include/strowger/%.h
	@mkdir -p $(@D)
	@echo '#include <strowger/$*.h>' | $(CC) $(MOD_CFLAGS) -fsyntax-only -x c - && touch $@

# Everything the test suite runs.
test-build: all $(HEADER_STAMPS) $(TEST_MODULE_SO) $(UNIT_BIN) $(LUA_RUNNER)

run: all
	@mkdir -p var
	$(BUILD)/strowger -c dialplan/strowger.lua -M $(BUILD)/modules -D var

console: all
	$(BUILD)/strowger -r -D var

check-config: all
	$(BUILD)/strowger -n -c dialplan/strowger.lua -M $(BUILD)/modules -D var

# VALGRIND=1: the integration suite with every strowger under valgrind (memcheck):
# any error or definite leak fails the test that started it.
test: test-build
	@BUILD=$(BUILD) SANITIZE=$(SANITIZE) VALGRIND=$(VALGRIND) tests/run $(if $(filter 1,$(VALGRIND)),integration)

bench: $(BUILD)/bench/sip_parse $(BUILD)/bench/rtp_load $(TEST_MODULE_SO)
	@$(BUILD)/bench/sip_parse
	@bench/run
	@bench/rtp_run
	@bench/media_run

# The phones of the RTP relay benchmarks (bench/rtp_run, bench/media_run).
$(BUILD)/bench/rtp_load: bench/rtp_load.c
	@mkdir -p $(dir $@)
	$(CC) $(BASE_CFLAGS) -o $@ $<

$(BUILD)/bench/sip_parse: bench/sip_parse.c $(SIP_PURE_SRC) $(wildcard modules/chan_sip/*.h)
	@mkdir -p $(dir $@)
	$(CC) $(CORE_CFLAGS) -Imodules/chan_sip -o $@ $< $(SIP_PURE_SRC) $(CORE_LIBS) $(SSL_LIBS)

fuzz:
	@tests/fuzz/run

# The committed sounds are made by scripts (sox, espeak-ng): `make sounds` makes
# them again, every sounds/gen/*.sh in name order.
sounds:
	@set -e; for g in sounds/gen/*.sh; do echo "$$g"; bash "$$g"; done

DESTDIR ?=
install: all
	install -d $(DESTDIR)$(PREFIX)/bin $(DESTDIR)$(LIBDIR)/strowger/modules \
		$(DESTDIR)$(PREFIX)/include/strowger $(DESTDIR)$(SYSCONFDIR)/strowger \
		$(DESTDIR)$(DATADIR)/strowger/lua $(DESTDIR)$(LOCALSTATEDIR)/lib/strowger
	install -m 755 $(BUILD)/strowger $(DESTDIR)$(PREFIX)/bin/strowger
	install -m 644 $(MODULE_SO) $(DESTDIR)$(LIBDIR)/strowger/modules/
	install -m 644 include/strowger/*.h $(DESTDIR)$(PREFIX)/include/strowger/
	@# An admin's edited config is never overwritten.
	[ -e $(DESTDIR)$(SYSCONFDIR)/strowger/strowger.lua ] || \
		install -m 640 dialplan/strowger.lua $(DESTDIR)$(SYSCONFDIR)/strowger/strowger.lua
	if [ -d dialplan/lib ]; then cp -R dialplan/lib/. $(DESTDIR)$(DATADIR)/strowger/lua/; fi
	if [ -n "$$(ls sounds 2>/dev/null | grep -v README)" ]; then cp -R sounds $(DESTDIR)$(DATADIR)/strowger/; fi

uninstall:
	rm -f $(DESTDIR)$(PREFIX)/bin/strowger
	rm -rf $(DESTDIR)$(LIBDIR)/strowger $(DESTDIR)$(PREFIX)/include/strowger $(DESTDIR)$(DATADIR)/strowger

clean:
	rm -rf build build-asan

distclean: clean
	rm -f config.mk config.h
	rm -rf var

help:
	@echo "make run        build, then start the PBX on dialplan/strowger.lua (Ctrl-C stops it)"
	@echo "make console    attach a console to the PBX that 'make run' started"
	@echo "make test       build and run every test (SANITIZE=1 for ASan+UBSan, VALGRIND=1: integration under valgrind)"
	@echo "make check-config  check dialplan/strowger.lua without starting"
	@echo "make install    install under PREFIX (see ./configure --help), honours DESTDIR"
	@echo "make bench      run the benchmarks"
	@echo "make sounds     make the sounds again (music on hold, prompts) with sounds/gen/*.sh"

-include $(wildcard $(BUILD)/core/*.d $(BUILD)/tests/*/*.d)
