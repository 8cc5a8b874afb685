# tcpsim — build, run the scenario catalog, test.
#   make            fetch lwIP if missing, build, run every scenario into out/
#   make test       build and run the test suite
#   make V=1        show full commands;  make STACKS=4  build four lwIP instances (default 2)
#   make install / uninstall   (PREFIX, DESTDIR)
#   make lint       reject wall-clock and libc randomness in sim/ and lwip-port/
#   make test-asan  tests and catalog built with ASan+UBSan (build/asan)
#   make test-valgrind   tests under valgrind memcheck
#   make determinism     -O0, -O2 and sanitizer builds give byte-identical catalog outputs
#   make fuzz-pkt   fuzz the packetdrill-script reader (FUZZ_SECONDS)
#   make linux      the catalog on the real kernel vs docs/linux/ (root; skips otherwise);
#                   make linux-record measures it three times and stores the signatures
#   make swarm      random scenarios (SWARM_SEEDS) checked under ASan+UBSan (docs/swarm.md)
#   make screenshots     out/screenshots/<id>-report.png, <id>-ladder.png (headless chromium)
#   make B=DIR      build into DIR instead of build/ (variants side by side; lwIP's source is
#                   fetched once into build/lwip)

# Every core by default (the machines this runs on have two); `make -jN` on the command line
# still decides. The recipes order their work by prerequisites only, so any -j is safe. Only the
# top-level make sets it: sub-makes share its job slots.
ifeq ($(MAKELEVEL),0)
MAKEFLAGS += -j$(shell nproc 2>/dev/null || echo 1)
endif
PREFIX ?= /usr/local
include mk/lwipopts.mk   # LWIPOPTS=file: B defaults to build-<hash>
B ?= build
DESTDIR ?=
CC ?= cc
LD ?= ld
OBJCOPY ?= objcopy
STACKS ?= 2
CFLAGS ?= -O2 -g
DEPFLAGS = -MD -MP
WARN = -Wall -Wextra -Wshadow -Wstrict-prototypes -Wmissing-prototypes -Wno-unused-parameter
LWIPDIR = build/lwip/src
LWIP_WARN = -Wall -Wno-address -Wno-unused-but-set-variable
# -fno-common: every lwIP global gets a real definition inside its instance's .bss
COMMON_FLAGS = -fno-common $(CFLAGS) $(EXTRA_CFLAGS)
SIM_STD = -std=gnu11
# lwIP and the port build as strict C11: glibc then leaves out <sys/select.h>, so lwIP defines
# its own fd_set, sized for MEMP_NUM_NETCONN sockets (the libc one stops at 1024).
PORT_STD = -std=c11
# -iquote: sim/sched.h must not shadow the libc <sched.h>
PORT_INC = -Ilwip-port -I$(LWIPDIR)/include -iquote sim
SIM_INC = -iquote sim -iquote linux -iquote lwip-port -DTCPSIM_SHARE='"$(PREFIX)/share/tcpsim"'
LDLIBS = $(EXTRA_LDFLAGS) -lpcap -ljansson -lm -lwiretap -lwsutil -lglib-2.0
# sim/trace_pcapng.c writes through Wireshark's libwiretap (its headers want glib's); expanded
# when the rule runs, after `deps` has installed them
WIRETAP_CFLAGS = -isystem /usr/include/wireshark $(shell pkg-config --cflags glib-2.0 | sed 's/-I/-isystem /g')
CMOCKA_LIBS = -lcmocka

ifeq ($(V),1)
Q =
msg = @:
else
Q = @
msg = @printf '  %-7s %s\n'
endif

.SECONDARY:
.PHONY: all catalog bench docs test deps test-deps golden lint clean distclean install uninstall check-lwip
.PHONY: test-asan test-valgrind valgrind-run determinism linux linux-record swarm
.PHONY: check browser-deps screenshots
.DEFAULT_GOAL := all
all: catalog

# ---- lwIP from Debian, unmodified (lwip-port/fetch-lwip.sh) ----
NEED_LWIP := $(filter-out clean distclean lint deps,$(or $(MAKECMDGOALS),all))
ifneq ($(NEED_LWIP),)
include $(LWIPDIR)/Filelists.mk
endif
$(LWIPDIR)/Filelists.mk:
	$(msg) FETCH "lwIP 2.1.3 (Debian source package)"
	$(Q)sh lwip-port/fetch-lwip.sh build/lwip

LWIP_SRCS = $(COREFILES) $(CORE4FILES) $(APIFILES)
PORT_SRCS = lwip-port/sys_arch.c lwip-port/stack.c lwip-port/observe.c lwip-port/chksum.c \
            lwip-port/hugepages.c
LWIP_OBJS = $(patsubst $(LWIPDIR)/%.c,$(B)/lwip-obj/%.o,$(LWIP_SRCS))
PORT_OBJS = $(patsubst lwip-port/%.c,$(B)/port-obj/%.o,$(PORT_SRCS))

# flags changes trigger rebuilds: every object depends on a file holding the flags
FLAGS_NOW = $(CC) $(COMMON_FLAGS) $(WARN) $(LWIP_WARN) $(LDLIBS) STACKS=$(STACKS)
$(B)/flags: FORCE
	@mkdir -p $(B)
	@echo '$(FLAGS_NOW)' | cmp -s - $@ || echo '$(FLAGS_NOW)' > $@
FORCE:

$(B)/lwip-obj/%.o: $(LWIPDIR)/%.c lwip-port/lwipopts.h $(B)/flags
	@mkdir -p $(@D)
	$(msg) CC $<
	$(Q)$(CC) $(PORT_STD) $(COMMON_FLAGS) $(LWIP_WARN) $(DEPFLAGS) $(PORT_INC) -c $< -o $@

$(B)/port-obj/%.o: lwip-port/%.c $(B)/flags
	@mkdir -p $(@D)
	$(msg) CC $<
	$(Q)$(CC) $(PORT_STD) $(COMMON_FLAGS) $(WARN) $(DEPFLAGS) $(PORT_INC) -c $< -o $@

# One relocatable object per instance; only lwip_stack_<n> stays global (lwip-port/README.md).
$(B)/stack.o: $(LWIP_OBJS) $(PORT_OBJS) lwip-port/instance.ld
	$(msg) LD $@
	$(Q)$(LD) -r -T lwip-port/instance.ld -o $@ $(LWIP_OBJS) $(PORT_OBJS)

$(B)/stack_%.o: $(B)/stack.o
	$(msg) OBJCOPY $@
	$(Q)$(OBJCOPY) --keep-global-symbol=tcpsim_stack $< $@.tmp
	$(Q)$(OBJCOPY) --redefine-sym tcpsim_stack=lwip_stack_$* $@.tmp $@
	$(Q)rm -f $@.tmp

# The small instance family (lwip-port/README.md, "Instance families"): the same sources with
# -DTCPSIM_SMALL_FAMILY (every pool sized for 64 connections), as lwip_small_stack_<n>.
SMALL_FAMILY = -DTCPSIM_SMALL_FAMILY
SMALL_LWIP_OBJS = $(patsubst $(LWIPDIR)/%.c,$(B)/small-obj/lwip/%.o,$(LWIP_SRCS))
SMALL_PORT_OBJS = $(patsubst lwip-port/%.c,$(B)/small-obj/port/%.o,$(PORT_SRCS))

$(B)/small-obj/lwip/%.o: $(LWIPDIR)/%.c lwip-port/lwipopts.h $(B)/flags
	@mkdir -p $(@D)
	$(msg) CC "$< (small)"
	$(Q)$(CC) $(PORT_STD) $(COMMON_FLAGS) $(SMALL_FAMILY) $(LWIP_WARN) $(DEPFLAGS) $(PORT_INC) -c $< -o $@

$(B)/small-obj/port/%.o: lwip-port/%.c $(B)/flags
	@mkdir -p $(@D)
	$(msg) CC "$< (small)"
	$(Q)$(CC) $(PORT_STD) $(COMMON_FLAGS) $(SMALL_FAMILY) $(WARN) $(DEPFLAGS) $(PORT_INC) -c $< -o $@

$(B)/stack-small.o: $(SMALL_LWIP_OBJS) $(SMALL_PORT_OBJS) lwip-port/instance.ld
	$(msg) LD $@
	$(Q)$(LD) -r -T lwip-port/instance.ld -o $@ $(SMALL_LWIP_OBJS) $(SMALL_PORT_OBJS)

$(B)/small-stack_%.o: $(B)/stack-small.o
	$(msg) OBJCOPY $@
	$(Q)$(OBJCOPY) --keep-global-symbol=tcpsim_stack $< $@.tmp
	$(Q)$(OBJCOPY) --redefine-sym tcpsim_stack=lwip_small_stack_$* $@.tmp $@
	$(Q)rm -f $@.tmp

STACK_IDS = $(shell seq 0 $$(($(STACKS) - 1)))
STACK_OBJS = $(foreach i,$(STACK_IDS),$(B)/stack_$(i).o) \
  $(foreach i,$(STACK_IDS),$(B)/small-stack_$(i).o)

$(B)/stacks.c: $(B)/flags Makefile
	$(msg) GEN $@
	$(Q){ echo '/* generated by make: the lwIP instances linked into this build */'; \
	  echo '#include "stack.h"'; \
	  for i in $(STACK_IDS); do echo "extern const struct lwip_stack lwip_stack_$$i;"; done; \
	  for i in $(STACK_IDS); do echo "extern const struct lwip_stack lwip_small_stack_$$i;"; done; \
	  printf 'const struct lwip_stack *const stack_instances[] = {'; \
	  for i in $(STACK_IDS); do printf ' &lwip_stack_%s,' $$i; done; echo ' };'; \
	  printf 'const struct lwip_stack *const stack_small_instances[] = {'; \
	  for i in $(STACK_IDS); do printf ' &lwip_small_stack_%s,' $$i; done; echo ' };'; \
	  echo 'const unsigned stack_instance_count = $(STACKS);'; } > $@

# ---- the simulator ----
SIM_SRCS = $(filter-out sim/main.c,$(wildcard sim/*.c))
# linux/: the Linux backend (real kernel, wall clock: outside sim/ and its lint)
LINUX_SRCS = $(wildcard linux/*.c)
SIM_OBJS = $(patsubst sim/%.c,$(B)/sim/%.o,$(SIM_SRCS)) $(B)/sim/stacks.o \
  $(patsubst linux/%.c,$(B)/linux/%.o,$(LINUX_SRCS))
ALL_OBJS = $(SIM_OBJS) $(STACK_OBJS)

$(B)/sim/%.o: sim/%.c $(B)/flags | deps
	@mkdir -p $(@D)
	$(msg) CC $<
	$(Q)$(CC) $(SIM_STD) $(COMMON_FLAGS) $(WARN) $(DEPFLAGS) $(SIM_INC) -c $< -o $@

$(B)/linux/%.o: linux/%.c $(B)/flags | deps
	@mkdir -p $(@D)
	$(msg) CC $<
	$(Q)$(CC) $(SIM_STD) $(COMMON_FLAGS) $(WARN) $(DEPFLAGS) $(SIM_INC) -c $< -o $@

$(B)/sim/trace_pcapng.o: SIM_INC += $(WIRETAP_CFLAGS)

$(B)/sim/stacks.o: $(B)/stacks.c
	@mkdir -p $(@D)
	$(Q)$(CC) $(SIM_STD) $(COMMON_FLAGS) $(SIM_INC) -c $< -o $@

$(B)/tcpsim: $(B)/sim/main.o $(ALL_OBJS)
	$(msg) LINK $@
	$(Q)$(CC) $(COMMON_FLAGS) -o $@ $^ $(LDLIBS)

# The catalog reruns only when the binary or a scenario changed, or out/ is gone (the stamp
# lives in out/); a failed run leaves no stamp. The summary is kept in $(B)/catalog.txt.
catalog: out/.catalog.stamp
out/.catalog.stamp: $(B)/tcpsim $(wildcard scenarios/*.scn scenarios/pkt/*.pkt) | deps
	$(Q)$(B)/tcpsim all --out out >$(B)/catalog.txt 2>&1; rc=$$?; cat $(B)/catalog.txt; \
	  test $$rc = 0 && $(B)/tcpsim check scenarios/pkt/*.pkt --out out/pkt && touch $@

# Speed is measured, never asserted (tests/bench/README.md): the catalog, bulk transfer against
# Linux loopback, N concurrent connections, start-up; min/median/max, a table, out/bench/.
# QUICK=1: fewer and smaller runs. CALLGRIND=1: instruction counts split lwIP/simulator/tracing.
# Scale runs above 4000 connections use the instance family built with TCPSIM_CONNS raised.
BENCH_PACKAGES = gnuplot-nox jq valgrind
SCALE_B = build/scale
SCALE_CONNS = 16448
$(B)/bench_driver: tests/bench/bench_driver.c $(ALL_OBJS)
	$(msg) LINK $@
	$(Q)$(CC) $(SIM_STD) $(COMMON_FLAGS) $(WARN) $(SIM_INC) -o $@ $< $(ALL_OBJS) $(LDLIBS) -lpthread
bench: $(B)/tcpsim $(B)/bench_driver | deps
	@sh lwip-port/ensure-deps.sh $(BENCH_PACKAGES)
	$(Q)$(call variant,$(SCALE_B),$(CFLAGS),$(EXTRA_CFLAGS) -DTCPSIM_CONNS=$(SCALE_CONNS)) \
	  $(SCALE_B)/bench_driver
	$(Q)TCPSIM=$(B)/tcpsim DRIVER=$(B)/bench_driver SCALE_DRIVER=$(SCALE_B)/bench_driver \
	  sh tests/bench/bench.sh

# docs/scenarios.md: the summary table of the catalog (a test checks it is current)
docs: $(B)/tcpsim | deps
	$(Q)$(B)/tcpsim all --out out --markdown docs/scenarios.md

# The catalog on the real kernel (docs/linux-backend.md): root, namespaces and tracefs, or it
# says why and skips. `make linux` compares with docs/linux/<uname -r>/; `make linux-record`
# runs the catalog three times and stores the signatures that were the same every time.
linux: $(B)/tcpsim | deps
	$(Q)sh tests/linux.sh $(B)/tcpsim check
linux-record: $(B)/tcpsim | deps
	$(Q)sh tests/linux.sh $(B)/tcpsim record

# ---- tests (cmocka): one binary per tests/test_*.c, linked with the same objects ----
TEST_SRCS = $(wildcard tests/test_*.c)
# The longest first, so that the runner's parallel jobs (tests/run-tests.sh) end together.
TEST_SLOW = test_captures test_catalog test_browser test_cli test_runaway test_golden
TEST_BINS = $(addprefix $(B)/tests/,$(TEST_SLOW)) \
  $(filter-out $(addprefix $(B)/tests/,$(TEST_SLOW)),$(patsubst tests/%.c,$(B)/tests/%,$(TEST_SRCS)))

$(B)/tests/%.o: tests/%.c $(B)/flags | deps
	@mkdir -p $(@D)
	$(msg) CC $<
	$(Q)$(CC) $(SIM_STD) $(COMMON_FLAGS) $(WARN) -Wno-missing-prototypes $(DEPFLAGS) $(SIM_INC) -iquote tests -c $< -o $@

$(B)/tests/%: $(B)/tests/%.o $(ALL_OBJS)
	$(msg) LINK $@
	$(Q)$(CC) $(COMMON_FLAGS) -o $@ $^ $(LDLIBS) $(CMOCKA_LIBS)

# The tests that run the command find it through $TCPSIM. The browser tests need chromium:
# installed here when missing; when it cannot be, they skip and say so.
test: $(TEST_BINS) $(B)/tcpsim | test-deps browser-deps
	$(Q)TCPSIM=$(B)/tcpsim V=$(V) JUNIT_DIR=$(B)/junit sh tests/run-tests.sh $(TEST_BINS)

check: test   # the GNU name

browser-deps:
	@sh lwip-port/ensure-deps.sh chromium || \
	  echo 'browser tests will be skipped: chromium could not be installed'

# out/screenshots/: each report (top of the page) and each ladder as PNG, to look at.
SHOT_SIZE = 1440,1600
screenshots: catalog browser-deps
	@mkdir -p out/screenshots
	$(Q)for d in out/*/report.html; do id=$$(basename $$(dirname $$d)); \
	  for page in report ladder; do f=out/$$id/$$page.html; [ $$page = ladder ] && f=out/$$id/ladder.svg; \
	    timeout 120 chromium --headless --no-sandbox --disable-gpu --hide-scrollbars \
	      --window-size=$(SHOT_SIZE) --screenshot=$(CURDIR)/out/screenshots/$$id-$$page.png \
	      file://$(CURDIR)/$$f >/dev/null 2>&1 || exit 1; done; \
	  echo "  SHOT    out/screenshots/$$id-report.png $$id-ladder.png"; done

# Rewrite the golden traces from the current build (review `git diff tests/golden` after).
# A folder tests/golden/<id>/ keeps the files it already has (a large scenario may keep only
# timeline.txt and states.dot); an empty one gets all of GOLDEN_FILES.
GOLDEN_FILES = timeline.txt timeline.jsonl capture.pcap states.dot
golden: $(B)/tcpsim
	$(Q)for d in tests/golden/*/; do id=$$(basename $$d); \
	  $(B)/tcpsim run $$id --out $(B)/golden >/dev/null || exit 1; \
	  files=$$(cd $$d && ls); [ -n "$$files" ] || files="$(GOLDEN_FILES)"; \
	  for f in $$files; do cp $(B)/golden/$$id/$$f $$d; done; \
	  echo "  GOLDEN  $$d"; done

# ---- quality gates ----
# A variant is this build with other flags in a directory of its own, made by a sub-make.
variant = $(MAKE) --no-print-directory B=$(1) CFLAGS='$(2)' EXTRA_CFLAGS='$(3)'
# -fno-sanitize-recover: undefined behaviour stops the program instead of printing and going on
SAN_FLAGS = -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=all
ASAN_B = build/asan
ASAN_MAKE = $(call variant,$(ASAN_B),-O1 -g,$(SAN_FLAGS))
# Stricter than ASan's defaults (use-after-return works: sched.c annotates its switches).
# Exit status 86 on any finding, so that an error in a tcpsim run by a test cannot pass for
# the status 1 or 2 the test expects.
ASAN_OPTS = detect_stack_use_after_return=1:strict_string_checks=1:check_initialization_order=1
asan_env = ASAN_OPTIONS=$(ASAN_OPTS)$(1):exitcode=86 UBSAN_OPTIONS=print_stacktrace=1:exitcode=86

# The test suite, then the whole catalog, everything (lwIP too) built with ASan and UBSan.
test-asan:
	$(Q)$(call asan_env) $(ASAN_MAKE) test
	@echo '  CATALOG $(ASAN_B)/tcpsim all --out $(ASAN_B)/out'
	$(Q)$(call asan_env) $(ASAN_B)/tcpsim all --out $(ASAN_B)/out >$(ASAN_B)/catalog.log 2>&1 \
	  || { cat $(ASAN_B)/catalog.log; exit 1; }
	@echo 'test-asan: ok'

# Errors and definite leaks fail memcheck (status 99); memory still reachable at exit does not. valgrind is
# installed before the build (build/valgrind, the default flags): sched.c registers its
# coroutine stacks with Valgrind only when <valgrind/valgrind.h> is there at compile time.
VALGRIND_B = build/valgrind
VALGRIND = valgrind -q --error-exitcode=99 --leak-check=full --show-leak-kinds=definite \
  --errors-for-leak-kinds=definite
# Memcheck over the test suite, and over the tcpsim command once per kind of input
# (tests/valgrind-cli.sh: the catalog, scripts, test scenarios, diff, swarm, a bad input),
# the two side by side. The tcpsim children of the suite's tests run without memcheck: they
# check verdicts, messages and output bytes, which the determinism gate shows do not depend on
# the build, and test-asan runs every one of them under ASan. Under memcheck they took most of
# CI's half hour (test_cli alone 460 s, test_runaway's quarter-million-event runs ten minutes
# each), for inputs valgrind-cli.sh already covers.
test-valgrind:
	@sh lwip-port/ensure-deps.sh valgrind
	$(Q)$(call variant,$(VALGRIND_B),$(CFLAGS),$(EXTRA_CFLAGS)) valgrind-run
valgrind-run: $(TEST_BINS) $(B)/tcpsim | test-deps
	@echo '  MEMCHECK tcpsim (tests/valgrind-cli.sh, beside the suite)'
	$(Q)sh tests/valgrind-cli.sh '$(VALGRIND)' $(B)/tcpsim $(B)/valgrind-cli >$(B)/valgrind-cli.log 2>&1 & \
	  cli=$$!; \
	  TCPSIM=$(B)/tcpsim TEST_RUNNER='$(VALGRIND)' sh tests/run-tests.sh $(TEST_BINS); suite=$$?; \
	  wait $$cli; clis=$$?; cat $(B)/valgrind-cli.log; \
	  test $$suite = 0 && test $$clis = 0
	@echo 'test-valgrind: ok'

# The catalog from -O2, -O0 and sanitizer builds, and twice from one, must be byte-identical;
# with other seeds every scenario must still pass (tests/determinism.sh). Memory errors and
# undefined behaviour fail it too; leaks are left to test-asan (they change no output).
DET_SEEDS = 2 12345
determinism: | deps
	$(Q)$(call variant,build/O2,-O2 -g) build/O2/tcpsim
	$(Q)$(call variant,build/O0,-O0 -g) build/O0/tcpsim
	$(Q)$(ASAN_MAKE) $(ASAN_B)/tcpsim
	$(Q)$(call asan_env,:detect_leaks=0) SEEDS='$(DET_SEEDS)' \
	  sh tests/determinism.sh build/determinism build/O2/tcpsim build/O0/tcpsim $(ASAN_B)/tcpsim

# Swarm testing (docs/swarm.md): random valid scenarios from a fixed seed range, run and checked
# under ASan+UBSan on every core; failures are written, shrunk and listed with their replay
# command. Measured: 1500 seeds cost 962 s of CPU (user + sys) in the ASan+UBSan build, so the
# default 600 seeds take about 3.2 minutes on 2 idle cores (plus the ASan build if not made yet).
SWARM_SEEDS ?= 1..600
swarm: | deps
	$(Q)$(ASAN_MAKE) $(ASAN_B)/tcpsim
	@echo '  SWARM   $(ASAN_B)/tcpsim swarm --seeds $(SWARM_SEEDS) --out $(ASAN_B)/swarm-out'
	$(Q)$(call asan_env) $(ASAN_B)/tcpsim swarm --seeds $(SWARM_SEEDS) --out $(ASAN_B)/swarm-out

# ---- what the build and the tests need from Debian ----
BUILD_PACKAGES = libcmocka-dev graphviz libpcap-dev libjansson-dev libwiretap-dev libwsutil-dev \
  libglib2.0-dev pkg-config
TEST_PACKAGES = $(BUILD_PACKAGES) tshark
deps:
	@sh lwip-port/ensure-deps.sh $(BUILD_PACKAGES)
test-deps:
	@sh lwip-port/ensure-deps.sh $(TEST_PACKAGES)

# String literals and // comments are blanked first: only code can call the wall clock.
LINT_FILES = sim/*.c sim/*.h lwip-port/*.c lwip-port/*.h lwip-port/arch/*.h
LINT_CALLS = (^|[^[:alnum:]_.])(time|gettimeofday|clock_gettime|rand|srand|random|srandom)[[:space:]]*\(
# Wall-clock timers are allowed in one file only, the CLI's watchdog: the wall-seconds budget and
# the progress tick (sim/cli_watchdog.h says why this cannot change an output). Documented
# exemption; everything else in sim/ and lwip-port/ must not arm timers.
LINT_WALL_EXEMPT = sim/cli_watchdog.c
LINT_TIMERS = (^|[^[:alnum:]_.])(alarm|setitimer|timer_create|timerfd_create|ualarm)[[:space:]]*\(
lint:
	$(Q)for f in $(LINT_FILES); do \
	  sed -E 's/"([^"\\]|\\.)*"/""/g; s://.*$$::' $$f | grep -nE '$(LINT_CALLS)' | sed "s|^|$$f:|"; \
	done | grep . && { echo 'lint: wall clock or libc randomness in sim/ or lwip-port/ (use sched_now_us / prng)'; exit 1; }; \
	for f in $(filter-out $(LINT_WALL_EXEMPT),$(wildcard $(LINT_FILES))); do \
	  sed -E 's/"([^"\\]|\\.)*"/""/g; s://.*$$::' $$f | grep -nE '$(LINT_TIMERS)' | sed "s|^|$$f:|"; \
	done | grep . && { echo 'lint: wall-clock timers outside $(LINT_WALL_EXEMPT) (the one place for the wall-seconds budget)'; exit 1; }; \
	echo 'lint: ok'

install: $(B)/tcpsim
	install -d $(DESTDIR)$(PREFIX)/bin $(DESTDIR)$(PREFIX)/share/tcpsim/scenarios
	install -m 755 $(B)/tcpsim $(DESTDIR)$(PREFIX)/bin/tcpsim
	install -m 644 scenarios/*.scn $(DESTDIR)$(PREFIX)/share/tcpsim/scenarios/
	install -d $(DESTDIR)$(PREFIX)/share/tcpsim/scenarios/linux
	install -m 644 scenarios/linux/*.sysctl $(DESTDIR)$(PREFIX)/share/tcpsim/scenarios/linux/
	install -m 644 scenarios/linux/*.ties $(DESTDIR)$(PREFIX)/share/tcpsim/scenarios/linux/
uninstall:
	rm -f $(DESTDIR)$(PREFIX)/bin/tcpsim
	rm -rf $(DESTDIR)$(PREFIX)/share/tcpsim

clean:
	rm -rf $(B)/sim $(B)/linux $(B)/tests $(B)/lwip-obj $(B)/port-obj $(B)/stack*.o $(B)/stacks.c \
	  $(B)/tcpsim $(B)/flags out
distclean:
	rm -rf build out

# only this build's own dependency files (build/ also holds the variant builds)
-include $(shell find $(addprefix $(B)/,sim linux tests lwip-obj port-obj small-obj) -name '*.d' 2>/dev/null)

# ---- fuzzing the scenario reader: make fuzz [FUZZ_SECONDS=60] ----
# clang's libFuzzer with ASan and UBSan over sim/scenario_parse.c and the little it links with.
# The corpus (build/fuzz/corpus) is seeded from scenarios/, tests/bad/ and tests/fuzz/seeds/ and
# keeps what earlier runs found; findings (crash-*, leak-*, timeout-*, oom-*) land in build/fuzz/
# and fail the target.
FUZZ_SECONDS ?= 60
FUZZ_CC ?= clang
# sim/sched.c (link.c needs it) defines a global sched_yield that would replace libc's, which
# libFuzzer calls: renamed in this build only.
FUZZ_FLAGS = -g -O1 -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=all \
  -Dsched_yield=sim_sched_yield
FUZZ_SRCS = tests/fuzz/fuzz_scenario_parse.c sim/scenario_parse.c sim/infile.c sim/link.c sim/packet.c \
  sim/prng.c sim/sched.c
.PHONY: fuzz
build/fuzz/scenario_parse: $(FUZZ_SRCS) $(wildcard sim/*.h) lwip-port/stack.h tests/fuzz/fuzz_check.h
	@mkdir -p $(@D)
	$(msg) FUZZCC $@
	$(Q)$(FUZZ_CC) $(SIM_STD) $(FUZZ_FLAGS) $(WARN) $(SIM_INC) -o $@ $(FUZZ_SRCS)

fuzz: build/fuzz/scenario_parse
	$(Q)sh tests/fuzz/seed-corpus.sh build/fuzz/corpus
	@echo '  FUZZ    $(FUZZ_SECONDS) s, log in build/fuzz/fuzz.log'
	$(Q)cd build/fuzz && ./scenario_parse -max_total_time=$(FUZZ_SECONDS) -max_len=8192 \
	  -timeout=10 -dict=../../tests/fuzz/scenario.dict -artifact_prefix=./ \
	  -print_final_stats=1 corpus >fuzz.log 2>&1; status=$$?; \
	  grep -E '^#[0-9]+[[:space:]]+DONE|^Done [0-9]+ runs|^stat::(number_of_executed|average_exec|peak_rss)' \
	    fuzz.log; \
	  findings=$$(ls crash-* leak-* timeout-* oom-* 2>/dev/null); \
	  for f in $$findings; do echo "  FINDING build/fuzz/$$f"; done; \
	  test $$status = 0 && test -z "$$findings"

# ---- fuzzing the packetdrill-script reader: make fuzz-pkt [FUZZ_SECONDS=60] ----
# The same, over sim/pkt_parse.c; corpus build/fuzz/pkt-corpus seeded from scenarios/pkt/,
# tests/bad-pkt/ and tests/pkt-linux/.
PKT_FUZZ_SRCS = tests/fuzz/fuzz_pkt_parse.c sim/pkt_parse.c sim/infile.c sim/trace.c sim/connmap.c \
  sim/packet.c sim/sched.c
.PHONY: fuzz-pkt
build/fuzz/pkt_parse: $(PKT_FUZZ_SRCS) $(wildcard sim/*.h) lwip-port/stack.h tests/fuzz/fuzz_check.h
	@mkdir -p $(@D)
	$(msg) FUZZCC $@
	$(Q)$(FUZZ_CC) $(SIM_STD) $(FUZZ_FLAGS) $(WARN) $(SIM_INC) -o $@ $(PKT_FUZZ_SRCS)

fuzz-pkt: build/fuzz/pkt_parse
	$(Q)mkdir -p build/fuzz/pkt-corpus build/fuzz/pkt-findings
	$(Q)for f in scenarios/pkt/*.pkt tests/bad-pkt/*.pkt tests/pkt-linux/*.pkt; do \
	  cp "$$f" "build/fuzz/pkt-corpus/seed-$$(printf '%s' "$$f" | tr '/' '_')"; done
	@echo '  FUZZ    $(FUZZ_SECONDS) s, log in build/fuzz/pkt-fuzz.log'
	$(Q)cd build/fuzz && ./pkt_parse -max_total_time=$(FUZZ_SECONDS) -max_len=8192 \
	  -timeout=10 -dict=../../tests/fuzz/pkt.dict -artifact_prefix=./pkt-findings/ \
	  -print_final_stats=1 pkt-corpus >pkt-fuzz.log 2>&1; status=$$?; \
	  grep -E '^Done [0-9]+ runs|^stat::(number_of_executed|average_exec|peak_rss)' pkt-fuzz.log; \
	  findings=$$(ls pkt-findings 2>/dev/null); \
	  for f in $$findings; do echo "  FINDING build/fuzz/pkt-findings/$$f"; done; \
	  test $$status = 0 && test -z "$$findings"

# ---- fuzzing parse-and-run: make fuzz-run [FUZZ_SECONDS=60] ----
# tests/fuzz/fuzz_scenario_run.c: what parses is run, with small budgets. The whole simulator
# and the lwIP instances are built with clang for it (build/fuzz-run, a variant build with
# libFuzzer's coverage and ASan+UBSan); findings land in build/fuzz-run/findings/.
FUZZ_RUN_B = build/fuzz-run
FUZZ_RUN_FLAGS = -fsanitize=fuzzer-no-link,address,undefined -fno-sanitize-recover=all
.PHONY: fuzz-run fuzz-run-objs
fuzz-run-objs: $(ALL_OBJS)
$(FUZZ_RUN_B)/scenario_run: tests/fuzz/fuzz_scenario_run.c FORCE | deps
	$(Q)$(MAKE) --no-print-directory B=$(FUZZ_RUN_B) CC=$(FUZZ_CC) CFLAGS='-g -O1' \
	  EXTRA_CFLAGS='$(FUZZ_RUN_FLAGS)' fuzz-run-objs
	$(msg) FUZZCC $@
	$(Q)$(FUZZ_CC) $(SIM_STD) -g -O1 -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=all \
	  $(WARN) $(SIM_INC) -o $@ $< $$(ls $(FUZZ_RUN_B)/sim/*.o | grep -v '/main\.o$$') \
	  $(FUZZ_RUN_B)/stack_*.o $(FUZZ_RUN_B)/small-stack_*.o $(LDLIBS)
fuzz-run: $(FUZZ_RUN_B)/scenario_run
	$(Q)sh tests/fuzz/seed-corpus.sh $(FUZZ_RUN_B)/corpus
	@mkdir -p $(FUZZ_RUN_B)/findings
	@echo '  FUZZ    $(FUZZ_SECONDS) s (parse and run), log in $(FUZZ_RUN_B)/fuzz.log'
	$(Q)cd $(FUZZ_RUN_B) && ./scenario_run -max_total_time=$(FUZZ_SECONDS) -max_len=8192 \
	  -timeout=30 -rss_limit_mb=4096 -dict=../../tests/fuzz/scenario.dict \
	  -artifact_prefix=findings/ -print_final_stats=1 corpus >fuzz.log 2>&1; status=$$?; \
	  grep -E '^Done [0-9]+ runs|^stat::(number_of_executed|average_exec|peak_rss)' fuzz.log; \
	  findings=$$(ls findings); for f in $$findings; do echo "  FINDING $(FUZZ_RUN_B)/findings/$$f"; done; \
	  test $$status = 0 && test -z "$$findings"

# ---- libtcpsim, install, conventions (mk/*.mk) ----
LWIPOPTS_RULES = 1
include mk/lib.mk mk/install.mk mk/lwipopts.mk mk/option-regressions.mk
