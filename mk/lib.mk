# mk/lib.mk — libtcpsim: the simulator as a static library, its public headers and tcpsim.pc.
# Included by the Makefile (after the object lists). docs/library.md is the user's side.
#
# The library is every simulator object but main.o, plus the lwIP instances: one archive that a
# test links with `pkg-config --libs tcpsim`. Static only: each lwIP instance is one relocatable
# object whose globals were made local by objcopy (lwip-port/README.md); a shared library would
# need all of lwIP and the port rebuilt with -fPIC and its reset (the .data/.bss snapshot of
# stack.c) checked inside a DSO, which is not done yet.
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

.PHONY: lib
lib: $(LIB) $(PC)
