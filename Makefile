# Meine Versorgung — build, test, run. See README.md.
CC      ?= gcc
PKGS    := libmariadb libsodium libcjson
OPT     ?= -O2 -g
SAN     ?=
CFLAGS  ?=
CFLAGS  += $(OPT) $(SAN)
CFLAGS  += -std=gnu11 -D_GNU_SOURCE -Wall -Wextra -Werror -Wformat=2 -Wformat-nonliteral -Wshadow -Wvla-larger-than=65536 \
           -D_FORTIFY_SOURCE=2 -fstack-protector-strong -fPIE \
           $(shell pkg-config --cflags $(PKGS))
LDFLAGS += -pie -Wl,-z,relro,-z,now $(SAN)
LDLIBS  := $(shell pkg-config --libs $(PKGS)) -lfcgi -lesmtp -lssl -lcrypto -pthread

BUILD   := build
BIN     := $(BUILD)/meineversorgung
# pure modules (no FastCGI, no database): unit-tested and fuzzed
PURE    := util log config html http secret policy router dienstzeit meldung abrecord
SRCS    := $(wildcard fcgi/*.c)
OBJS    := $(SRCS:fcgi/%.c=$(BUILD)/%.o)

PREFIX  ?= /usr/local
DESTDIR ?=

DEB_DIR := $(BUILD)/deb

.PHONY: deb deb-test deps test-browser test-asan all asan check test test-unit test-http run stop fuzz install clean bench bench-ab bench-meldungen bench-kasse-nachrichten bench-kasse-meldungen test-cluster

all: $(BIN)

$(BUILD)/%.o: fcgi/%.c fcgi/*.h | $(BUILD)
	@echo "  CC      $<"
	@$(CC) $(CFLAGS) -c -o $@ $<

$(BIN): $(OBJS)
	@echo "  LD      $@"
	@$(CC) $(CFLAGS) $(LDFLAGS) -o $@ $^ $(LDLIBS)

$(BUILD):
	mkdir -p $(BUILD)

# ASan + UBSan build of the same binary (build/asan/meineversorgung)
asan:
	$(MAKE) BUILD=build/asan OPT="-O1 -g" \
	        SAN="-fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=undefined -DMV_ARENA_DEBUG" all

# Static checks: every printf-like function carries a format attribute and -Wformat-nonliteral
# turns any non-literal format into an error; h_raw only ever takes string literals.
check: $(BIN)
	@bash scripts/check-static

# Unit tests of the pure C parts
UNIT_SRCS := $(PURE:%=fcgi/%.c)
$(BUILD)/unit_tests: tests/unit/unit_tests.c tests/unit/unit_meldung.c $(UNIT_SRCS) fcgi/*.h | $(BUILD)
	@echo "  CC      $@"
	@$(CC) $(CFLAGS) -Ifcgi -o $@ tests/unit/unit_tests.c $(UNIT_SRCS) $(shell pkg-config --libs libsodium libcjson) -lm

# db_load's LOCAL INFILE handler against a real server (run by tests/http/test_ab_stream.py)
$(BUILD)/db_stream: tests/unit/db_stream.c $(filter-out $(BUILD)/main.o,$(OBJS))
	@echo "  LD      $@"
	@$(CC) $(CFLAGS) -Ifcgi $(LDFLAGS) -o $@ $^ $(LDLIBS)

test-unit: $(BUILD)/unit_tests
	$(BUILD)/unit_tests

# Missing Debian packages (apt-get as root; otherwise the one command to run is printed)
deps:
	@bash scripts/install-deps

# Everything: unit tests, static checks, short fuzz runs, HTTP tests against a throwaway stack
test: deps
	@$(MAKE) --no-print-directory all $(BUILD)/unit_tests
	@bash scripts/run-tests

# The whole suite (unit, HTTP, browser, TLS) against the ASan + UBSan build; any sanitizer
# report of any process fails it (reports in build/asan-reports/)
test-asan: deps
	@$(MAKE) --no-print-directory all
	@bash scripts/test-asan

# Only the browser suite (Chromium + axe + html-validate) against a throwaway stack;
# screenshots of failing tests in tests/artifacts/
test-browser: deps
	@$(MAKE) --no-print-directory all
	@bash scripts/test-stack node tests/browser/run.mjs

# The multi-host proof (README "Scaling out"): 3 Galera nodes, 2 app hosts, 1 nginx on loopback;
# alternating-host flows, cross-host races, a node killed during 30 s of load. Not part of `make test`.
test-cluster: deps
	@$(MAKE) --no-print-directory all
	@python3 scripts/cluster-proof

run: deps
	@$(MAKE) --no-print-directory all
	@bash scripts/run-dev

stop:
	@bash scripts/stack down

fuzz:
	@bash scripts/fuzz $(FUZZ_SECONDS)

# the documented long run: FUZZ_RUNS executions per driver, one driver at a time, at low priority
.PHONY: fuzz-long
fuzz-long:
	@FUZZ_RUNS=$(or $(FUZZ_RUNS),10000000) nice -n 19 bash scripts/fuzz

# Performance figures, each a ratio against a baseline measured in the same run (README "Benchmarks");
# table in build/bench.txt
bench: all
	@bash scripts/bench

# only the Anspruchsberechtigte part (issue 12: import vs LOAD DATA, pages vs floors, scale)
bench-ab: all
	@MV_BENCH_ONLY=ab bash scripts/bench

# only the Beamtenformulare part (issue 13): list and Meldung vs floors, scale, submission CPU
bench-meldungen: all
	@MV_BENCH_ONLY=meldungen bash scripts/bench

# only the fund's inbox (issue 14): /kasse/nachrichten over 1,000,000 messages vs floors, scale
bench-kasse-nachrichten: all
	@MV_BENCH_ONLY=kasse_nachrichten bash scripts/bench
# the Kasse's queue of Meldungen only (issue 14)
bench-kasse-meldungen: all
	@MV_BENCH_ONLY=kasse_meldungen bash scripts/bench

install: all
	install -d $(DESTDIR)$(PREFIX)/sbin $(DESTDIR)$(PREFIX)/share/meineversorgung
	install -m 0755 $(BIN) $(DESTDIR)$(PREFIX)/sbin/meineversorgung
	cp -R html sql $(DESTDIR)$(PREFIX)/share/meineversorgung/
	install -d $(DESTDIR)$(PREFIX)/share/meineversorgung/nginx $(DESTDIR)$(PREFIX)/share/meineversorgung/systemd
	install -m 0644 nginx/*.in $(DESTDIR)$(PREFIX)/share/meineversorgung/nginx/
	install -m 0644 scripts/systemd/* $(DESTDIR)$(PREFIX)/share/meineversorgung/systemd/
	install -m 0755 scripts/mvctl $(DESTDIR)$(PREFIX)/share/meineversorgung/mvctl

# The Debian package (debian/): dpkg-buildpackage on a clean copy of the tracked tree in
# build/deb/src, the .deb and lintian's report in build/deb/ (README "Operations")
deb:
	@bash scripts/install-deps --deb
	@bash scripts/build-deb $(DEB_DIR)

# The package in a clean Debian 12 chroot: install against MariaDB, log in through nginx, remove, purge
deb-test: deb
	@bash scripts/deb-test $(DEB_DIR)

clean:
	rm -rf build
