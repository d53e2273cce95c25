# ficus: the control plane for strangling a monolith.
#
#   make            build ./ficus (installs missing Debian packages first)
#   make check      build and run every test
#   make demo       build and run ficus on the demo plan
#   make install    PREFIX=/usr/local DESTDIR=
#   make V=1        show full command lines
#   make check-asan / check-valgrind   the suite under sanitizers / valgrind

PREFIX ?= /usr/local
BINDIR ?= $(PREFIX)/bin
MANDIR ?= $(PREFIX)/share/man
DATADIR ?= $(PREFIX)/share/ficus
BASHCOMPDIR ?= $(PREFIX)/share/bash-completion/completions
DESTDIR ?=

CC ?= cc
OPT ?= -O2 -g
BUILD ?= build
PKGS := sqlite3 libgit2 libcurl ncursesw libcjson zlib
TEST_PKGS := cmocka

WARN := -Wall -Wextra -Wshadow -Wformat=2 -Wno-format-nonliteral -Wmissing-prototypes -Wstrict-prototypes \
	-Wno-format-truncation -Wno-missing-field-initializers
ifneq ($(findstring clang,$(CC)),)
WARN := $(filter-out -Wno-format-truncation,$(WARN))
endif
ifeq ($(CI),true)
WARN += -Werror
endif
ifdef WERROR
WARN += -Werror
endif

ifeq ($(V),1)
Q :=
else
Q := @
endif

VERSION := $(shell cat VERSION 2>/dev/null || echo 0.1.0)

# Build and test dependencies from Debian (tools/deps.sh installs what is missing).
DEB_BUILD := build-essential pkg-config libsqlite3-dev libgit2-dev libcurl4-openssl-dev zlib1g-dev \
	libncurses-dev libcjson-dev
DEB_TEST := libcmocka-dev git tmux curl sqlite3 prometheus haproxy nginx libnginx-mod-http-lua clang libclang-rt-14-dev openssl \
	valgrind procps util-linux man-db python3

# Everything below needs the packages: resolve pkg-config lazily.  The
# libraries are linked the ordinary way, shared (ldd ./ficus lists them).
PKG_CFLAGS = $(shell pkg-config --cflags $(PKGS) 2>/dev/null)
PKG_LIBS = $(shell pkg-config --libs $(PKGS) 2>/dev/null) -lm -lpthread
CMOCKA_LIBS = $(shell pkg-config --libs $(TEST_PKGS) 2>/dev/null)

CPPFLAGS += -Icore -I$(BUILD)/gen -D_GNU_SOURCE -DFICUS_VERSION='"$(VERSION)"'
ALL_CFLAGS = -std=c11 $(OPT) $(WARN) $(CPPFLAGS) $(PKG_CFLAGS) $(CFLAGS) -MMD -MP
ALL_LDFLAGS = $(LDFLAGS)

CORE_SRC := $(sort $(wildcard core/*.c))
CLI_SRC := $(sort $(wildcard cli/*.c))
TUI_SRC := $(sort $(wildcard tui/*.c))
MIGRATIONS := $(sort $(wildcard migrations/*.sql))
UNIT_SRC := $(sort $(wildcard tests/unit/test_*.c))

CORE_OBJ := $(CORE_SRC:%.c=$(BUILD)/%.o) $(BUILD)/gen/migrations.o
CLI_OBJ := $(CLI_SRC:%.c=$(BUILD)/%.o) $(TUI_SRC:%.c=$(BUILD)/%.o)
UNIT_BIN := $(UNIT_SRC:tests/unit/%.c=$(BUILD)/tests/%)
LIB := $(BUILD)/libficus.a

.PHONY: all deps deps-test build check demo-plan check-unit check-cli demo install uninstall clean \
	check-asan check-valgrind bench fuzz fuzz-bins check-fuzz torture torture-concurrent

all: deps
	$(Q)$(MAKE) --no-print-directory build

deps:
	$(Q)tools/deps.sh $(DEB_BUILD)

deps-test:
	$(Q)tools/deps.sh $(DEB_BUILD) $(DEB_TEST)

# The binary: ./ficus for the default build, $(BUILD)/ficus for variants.
ifeq ($(BUILD),build)
BIN ?= ficus
else
BIN ?= $(BUILD)/ficus
endif

build: $(BIN)

$(BIN): $(CLI_OBJ) $(LIB)
	@echo "  LINK    $@"
	$(Q)$(CC) $(ALL_LDFLAGS) -o $@ $(CLI_OBJ) $(LIB) $(PKG_LIBS)

$(LIB): $(CORE_OBJ)
	@echo "  AR      $@"
	$(Q)rm -f $@ && ar rcs $@ $^

$(BUILD)/%.o: %.c
	@mkdir -p $(dir $@)
	@echo "  CC      $<"
	$(Q)$(CC) $(ALL_CFLAGS) -c -o $@ $<

# the list of migrations, rewritten only when it changes: a removed or
# renamed migration regenerates migrations.c too (a wildcard prerequisite
# alone only notices new and newer files)
$(BUILD)/gen/migrations.list: FORCE
	@mkdir -p $(dir $@)
	@echo '$(MIGRATIONS)' | cmp -s - $@ || echo '$(MIGRATIONS)' >$@

FORCE:

$(BUILD)/gen/migrations.c: $(MIGRATIONS) $(BUILD)/gen/migrations.list tools/embed-migrations.sh
	@mkdir -p $(dir $@)
	@echo "  GEN     $@"
	$(Q)tools/embed-migrations.sh $@ $(MIGRATIONS)

$(BUILD)/gen/migrations.o: $(BUILD)/gen/migrations.c
	@echo "  CC      $<"
	$(Q)$(CC) $(ALL_CFLAGS) -c -o $@ $<

$(BUILD)/tests/%: $(BUILD)/tests/unit/%.o $(LIB)
	@echo "  LINK    $@"
	$(Q)$(CC) $(ALL_LDFLAGS) -o $@ $< $(LIB) $(PKG_LIBS) $(CMOCKA_LIBS)

unit-bins: $(UNIT_BIN)

check: deps-test
	$(Q)$(MAKE) --no-print-directory build unit-bins fuzz-bins
	$(Q)tests/run.sh

check-unit: deps-test
	$(Q)$(MAKE) --no-print-directory build unit-bins
	$(Q)tests/run.sh unit

check-cli: deps-test
	$(Q)$(MAKE) --no-print-directory build unit-bins
	$(Q)tests/run.sh cli

# The whole suite under AddressSanitizer + UndefinedBehaviorSanitizer (leaks
# too; tests/lsan.supp lists the libraries' process-lifetime allocations).
# The bounded torture runs are shorter here (15 kills, 8 x 8 writes): the
# plain suite and make torture / torture-concurrent run the long ones.
check-asan: deps-test
	$(Q)$(MAKE) --no-print-directory BUILD=build-asan \
		OPT="-O1 -g -fsanitize=address,undefined -fno-sanitize-recover=undefined -fno-omit-frame-pointer" \
		LDFLAGS="-fsanitize=address,undefined" build unit-bins
	$(Q)FICUS_BIN=$(CURDIR)/build-asan/ficus BUILD=build-asan FICUS_ASAN=1 \
		FICUS_TORTURE_KILLS=$${FICUS_TORTURE_KILLS:-15} FICUS_CONC_OPS=$${FICUS_CONC_OPS:-8} \
		ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1 \
		LSAN_OPTIONS=suppressions=$(CURDIR)/tests/lsan.supp:print_suppressions=0 \
		tests/run.sh unit cli integration tui

# valgrind: every unit test, and the CLI tests named in VALGRIND_CLI with
# each ficus process under valgrind (the whole CLI suite would take an hour).
VALGRIND_CLI ?= t0001* t0017* t0020* t0015*
check-valgrind: deps-test
	$(Q)$(MAKE) --no-print-directory build unit-bins
	$(Q)FICUS_VALGRIND=1 tests/run.sh unit
	$(Q)for t in $(VALGRIND_CLI); do \
		FICUS_VALGRIND=1 FICUS_TEST_FILTER="$$t" tests/run.sh cli || exit 1; \
	done

# Fuzzing (libFuzzer): a short run of every target is part of make check;
# make fuzz FUZZ_SECONDS=600 runs each for longer.
FUZZ_SRC := $(sort $(wildcard tests/fuzz/fuzz_*.c))
FUZZ_FLAGS := -fsanitize=fuzzer-no-link,address,undefined -fno-omit-frame-pointer
FUZZ_SECONDS ?= 600

fuzz-bins: deps-test
	$(Q)$(MAKE) --no-print-directory BUILD=build-fuzz CC=clang OPT="-O1 -g $(FUZZ_FLAGS)" \
		CI= WERROR= build-fuzz/libficus.a
	$(Q)mkdir -p build-fuzz/bin
	$(Q)for f in $(FUZZ_SRC); do \
		n=$$(basename $$f .c); \
		clang -std=c11 -O1 -g -fsanitize=fuzzer,address,undefined -fno-omit-frame-pointer \
			$(CPPFLAGS) $(PKG_CFLAGS) -o build-fuzz/bin/$$n $$f build-fuzz/libficus.a $(PKG_LIBS) || exit 1; \
	done

fuzz: fuzz-bins
	$(Q)tests/fuzz/run.sh $(FUZZ_SECONDS)

check-fuzz: fuzz-bins
	$(Q)tests/fuzz/run.sh $${FUZZ_SECONDS_CHECK:-10}

# Crash torture with many kills (a bounded run is part of make check).
TORTURE_KILLS ?= 1000
torture: all
	$(Q)FICUS=$(CURDIR)/ficus FICUS_SRC=$(CURDIR) tests/torture/crash.sh $(TORTURE_KILLS) $${SEED:-$$$$}

torture-concurrent: all
	$(Q)FICUS=$(CURDIR)/ficus FICUS_SRC=$(CURDIR) tests/torture/concurrent.sh 8 200

# The live demo: nginx + Lua as the router, traffic over many tenants, the
# dashboard.  make demo-plan only creates and shows the demo plan.
DEB_DEMO := nginx libnginx-mod-http-lua curl prometheus
demo: all
	$(Q)tools/deps.sh $(DEB_DEMO)
	$(Q)tools/live-demo.sh

demo-plan: all
	$(Q)tools/demo.sh

install: all
	install -d $(DESTDIR)$(BINDIR) $(DESTDIR)$(MANDIR)/man1 $(DESTDIR)$(MANDIR)/man5 \
		$(DESTDIR)$(MANDIR)/man7 $(DESTDIR)$(BASHCOMPDIR) $(DESTDIR)$(DATADIR)
	install -m 755 ficus $(DESTDIR)$(BINDIR)/ficus
	for f in man/*.1; do [ -e "$$f" ] && install -m 644 $$f $(DESTDIR)$(MANDIR)/man1/ || true; done
	for f in man/*.5; do [ -e "$$f" ] && install -m 644 $$f $(DESTDIR)$(MANDIR)/man5/ || true; done
	for f in man/*.7; do [ -e "$$f" ] && install -m 644 $$f $(DESTDIR)$(MANDIR)/man7/ || true; done
	[ -e contrib/completion/ficus.bash ] && install -m 644 contrib/completion/ficus.bash $(DESTDIR)$(BASHCOMPDIR)/ficus || true
	[ -d contrib ] && cp -R contrib $(DESTDIR)$(DATADIR)/ || true

uninstall:
	rm -f $(DESTDIR)$(BINDIR)/ficus $(DESTDIR)$(BASHCOMPDIR)/ficus
	rm -f $(patsubst man/%,$(DESTDIR)$(MANDIR)/man1/%,$(wildcard man/*.1))
	rm -f $(patsubst man/%,$(DESTDIR)$(MANDIR)/man5/%,$(wildcard man/*.5))
	rm -f $(patsubst man/%,$(DESTDIR)$(MANDIR)/man7/%,$(wildcard man/*.7))
	rm -rf $(DESTDIR)$(DATADIR)

clean:
	rm -rf build build-asan build-fuzz ficus bench/cache

-include $(shell find $(BUILD) -name '*.d' 2>/dev/null)

# ---- benchmarks (bench/; not part of make check: no timed tests) ----
#   make bench        generate (or reuse, bench/cache/) the plans and print the table
#   make bench-gen    only generate the cached plans
#   make bench-smoke  the generator at tiny scale, checked with ficus verify and git fsck
BENCH_BINS := $(BUILD)/bench/gen $(BUILD)/bench/flagd $(BUILD)/bench/tm $(BUILD)/bench/curlfloor $(BUILD)/bench/floor

.PHONY: bench-bins bench-gen bench-smoke

bench-bins: $(BENCH_BINS)

$(BUILD)/bench/gen: bench/gen.c $(LIB)
	@mkdir -p $(dir $@)
	@echo "  LINK    $@"
	$(Q)$(CC) $(ALL_CFLAGS) $(ALL_LDFLAGS) -o $@ $< $(LIB) $(PKG_LIBS)

$(BUILD)/bench/flagd: bench/flagd.c
	@mkdir -p $(dir $@)
	@echo "  LINK    $@"
	$(Q)$(CC) $(ALL_CFLAGS) $(ALL_LDFLAGS) -o $@ $<

$(BUILD)/bench/tm: bench/tm.c
	@mkdir -p $(dir $@)
	@echo "  LINK    $@"
	$(Q)$(CC) $(ALL_CFLAGS) $(ALL_LDFLAGS) -o $@ $<

# linked to libcurl as a user's program would be: the floor under a push
$(BUILD)/bench/curlfloor: bench/curlfloor.c
	@mkdir -p $(dir $@)
	@echo "  LINK    $@"
	$(Q)$(CC) $(ALL_CFLAGS) $(shell pkg-config --cflags libcurl) $(ALL_LDFLAGS) -o $@ $< $(shell pkg-config --libs libcurl)

# SPEC 8's floor: the libraries ficus links, libgit2 and libcurl initialised, the plan's index read
$(BUILD)/bench/floor: bench/floor.c
	@mkdir -p $(dir $@)
	@echo "  LINK    $@"
	$(Q)$(CC) $(ALL_CFLAGS) $(ALL_LDFLAGS) -o $@ $< $(PKG_LIBS)

bench: deps-test
	$(Q)$(MAKE) --no-print-directory build bench-bins
	$(Q)BUILD=$(BUILD) bench/run.sh

bench-gen: deps
	$(Q)$(MAKE) --no-print-directory build bench-bins
	$(Q)BUILD=$(BUILD) bench/run.sh --gen-only

bench-smoke: deps-test
	$(Q)$(MAKE) --no-print-directory build
	$(Q)FICUS_TEST_FILTER='t008*' tests/run.sh cli
