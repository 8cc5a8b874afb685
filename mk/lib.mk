# mk/lib.mk — libtcpsim: the simulator as a static library, its public headers and tcpsim.pc.
# Included by the Makefile (after the object lists). docs/library.md is the user's side.
#
# The library is every simulator object but main.o, plus the lwIP instances: one archive that a
# test links with `pkg-config --libs tcpsim`. The shared library is opt-in (make shared; make
# install SHARED=1): it needs every object, lwIP's too, compiled with -fPIC, so it is built as
# a variant in $(B)/pic. The relocatable instances work inside it (their globals are local to
# each instance object, and stack.c's power-on reset copies the instance's own .data/.bss
# wherever the DSO is loaded): make test-shared runs the example and the instance, OS and
# socket-layer tests against it.
#
# Public headers are include/tcpsim/*.h only (installed to $(PREFIX)/include/tcpsim/): they
# include nothing from sim/ or lwip-port/, so `-I$(PREFIX)/include` can shadow no libc header.

SIM_INC += -Iinclude

# FORCE must be phony: under the Makefile's bare `.SECONDARY:` a missing FORCE counts as an
# up-to-date intermediate, so $(B)/flags (and tcpsim.pc below) were never rewritten and a
# flags change rebuilt nothing.
.PHONY: FORCE
PUBLIC_HEADERS = $(wildcard include/tcpsim/*.h)
LIB = $(B)/libtcpsim.a
PC = $(B)/tcpsim.pc

$(LIB): $(ALL_OBJS)
	$(msg) AR $@
	$(Q)rm -f $@ && $(AR) rcs $@ $^

# the version is the one in <tcpsim/tcpsim.h> (tcpsim --version prints it too)
TCPSIM_VERSION := $(shell sed -n 's/^\#define TCPSIM_VERSION "\(.*\)"/\1/p' include/tcpsim/tcpsim.h)

# pkg-config file for the install PREFIX (rewritten only when its text changes)
$(PC): mk/tcpsim.pc.in FORCE
	@mkdir -p $(@D)
	@sed -e 's|@PREFIX@|$(PREFIX)|g' -e 's|@VERSION@|$(TCPSIM_VERSION)|g' mk/tcpsim.pc.in > $@.tmp
	@if cmp -s $@.tmp $@; then rm $@.tmp; else mv $@.tmp $@; echo '  GEN     $@'; fi

.PHONY: lib shared test-shared
lib: $(LIB) $(PC)

# Only meaningful when the objects are PIC (the $(B)/pic variant below).
SO_NAME = libtcpsim.so.0
$(B)/libtcpsim.so: $(ALL_OBJS)
	$(msg) LINK $@
	$(Q)$(CC) $(COMMON_FLAGS) -shared -Wl,-soname,$(SO_NAME) -o $@ $^ $(LDLIBS)
	$(Q)ln -sf libtcpsim.so $(@D)/$(SO_NAME)   # the name the programs ask the loader for

PIC_B = $(B)/pic
shared:
	$(Q)$(call variant,$(PIC_B),$(CFLAGS),$(EXTRA_CFLAGS) -fPIC) $(PIC_B)/libtcpsim.so

# The example and the tests that reach into the lwIP instances, linked with the shared library.
SHARED_TESTS = test_stack test_os test_posix test_graceful_close
test-shared: shared $(addprefix $(B)/tests/,$(addsuffix .o,$(SHARED_TESTS))) | test-deps
	@mkdir -p $(PIC_B)/shared-tests
	$(Q)ln -sf libtcpsim.so $(PIC_B)/$(SO_NAME)
	$(Q)for t in $(SHARED_TESTS); do \
	  $(CC) $(COMMON_FLAGS) -o $(PIC_B)/shared-tests/$$t $(B)/tests/$$t.o -L$(PIC_B) -ltcpsim \
	    $(LDLIBS) $(CMOCKA_LIBS) || exit 1; done
	$(Q)$(CC) $(COMMON_FLAGS) -Iinclude -o $(PIC_B)/shared-tests/echo_test \
	  tests/examples/echo/echo_test.c tests/examples/echo/echo.c -include tcpsim/posix.h \
	  -L$(PIC_B) -ltcpsim $(CMOCKA_LIBS)
	$(Q)LD_LIBRARY_PATH=$(PIC_B) V=$(V) JUNIT_DIR=$(PIC_B)/junit sh tests/run-tests.sh \
	  $(addprefix $(PIC_B)/shared-tests/,$(SHARED_TESTS) echo_test)

.PHONY: clean-lib
clean: clean-lib
clean-lib:
	rm -rf $(LIB) $(PC) $(B)/libtcpsim.so $(B)/example $(B)/junit $(B)/catalog.txt $(B)/lwipopts
