# mk/install.mk — what `make install` adds to bin/tcpsim and the scenarios: libtcpsim.a, the
# public headers, tcpsim.pc (for PREFIX) and the man pages; and the outsider's test of it all.
# Included by the Makefile after mk/lib.mk.
#   make install [PREFIX=/usr/local] [DESTDIR=]   the tcpsim.pc written says PREFIX

MAN_PAGES = man/tcpsim.1 man/tcpsim-scenario.5 man/libtcpsim.3
LIBDIR = $(PREFIX)/lib
INCLUDEDIR = $(PREFIX)/include
MANDIR = $(PREFIX)/share/man

.PHONY: install-lib install-man uninstall-lib install-shared
install: install-lib install-man $(if $(SHARED),install-shared)
uninstall: uninstall-lib

install-lib: $(LIB) $(PC)
	install -d $(DESTDIR)$(LIBDIR)/pkgconfig $(DESTDIR)$(INCLUDEDIR)/tcpsim
	install -m 644 $(LIB) $(DESTDIR)$(LIBDIR)/libtcpsim.a
	install -m 644 $(PC) $(DESTDIR)$(LIBDIR)/pkgconfig/tcpsim.pc
	install -m 644 $(PUBLIC_HEADERS) $(DESTDIR)$(INCLUDEDIR)/tcpsim/

# make install SHARED=1: libtcpsim.so too (built by make shared, -fPIC, in $(B)/pic)
install-shared: shared
	install -d $(DESTDIR)$(LIBDIR)
	install -m 755 $(PIC_B)/libtcpsim.so $(DESTDIR)$(LIBDIR)/$(SO_NAME)
	ln -sf $(SO_NAME) $(DESTDIR)$(LIBDIR)/libtcpsim.so

install-man:
	install -d $(DESTDIR)$(MANDIR)/man1 $(DESTDIR)$(MANDIR)/man3 $(DESTDIR)$(MANDIR)/man5
	install -m 644 man/tcpsim.1 $(DESTDIR)$(MANDIR)/man1/
	install -m 644 man/libtcpsim.3 $(DESTDIR)$(MANDIR)/man3/
	install -m 644 man/tcpsim-scenario.5 $(DESTDIR)$(MANDIR)/man5/

uninstall-lib:
	rm -f $(DESTDIR)$(LIBDIR)/libtcpsim.a $(DESTDIR)$(LIBDIR)/pkgconfig/tcpsim.pc \
	  $(DESTDIR)$(LIBDIR)/libtcpsim.so $(DESTDIR)$(LIBDIR)/$(SO_NAME)
	rm -rf $(DESTDIR)$(INCLUDEDIR)/tcpsim
	rm -f $(DESTDIR)$(MANDIR)/man1/tcpsim.1 $(DESTDIR)$(MANDIR)/man3/libtcpsim.3 \
	  $(DESTDIR)$(MANDIR)/man5/tcpsim-scenario.5

# The outsider's view: a fresh DESTDIR with PREFIX /opt/tcpsim-test, then the example built
# with nothing but pkg-config (PKG_CONFIG_LIBDIR: only the installed tcpsim.pc;
# PKG_CONFIG_SYSROOT_DIR maps its paths into the DESTDIR, as for a staged install) and run as
# one of the test binaries. tests/test_install.c then checks the installed tcpsim and man pages.
EXAMPLE_ROOT = $(abspath $(B)/example/root)
EXAMPLE_PREFIX = /opt/tcpsim-test
EXAMPLE_BIN = $(B)/example/echo/echo_test
$(EXAMPLE_BIN): $(LIB) $(B)/tcpsim $(PUBLIC_HEADERS) $(MAN_PAGES) mk/tcpsim.pc.in \
  $(wildcard tests/examples/echo/*) | test-deps
	$(msg) EXAMPLE $@
	$(Q)rm -rf $(B)/example && mkdir -p $(B)/example
	$(Q)$(MAKE) --no-print-directory install DESTDIR=$(EXAMPLE_ROOT) PREFIX=$(EXAMPLE_PREFIX) \
	  >$(B)/example/install.log || { cat $(B)/example/install.log; exit 1; }
	$(Q)cp -r tests/examples/echo $(B)/example/echo
	$(Q)PKG_CONFIG_LIBDIR=$(EXAMPLE_ROOT)$(EXAMPLE_PREFIX)/lib/pkgconfig \
	  PKG_CONFIG_SYSROOT_DIR=$(EXAMPLE_ROOT) $(MAKE) --no-print-directory -s -C $(B)/example/echo \
	  echo_test CFLAGS='$(COMMON_FLAGS) -Wall -Wextra -Werror'

TEST_BINS += $(EXAMPLE_BIN)
test valgrind-run: $(EXAMPLE_BIN)
export TCPSIM_INSTALL_ROOT = $(EXAMPLE_ROOT)
export TCPSIM_INSTALL_PREFIX = $(EXAMPLE_PREFIX)

# man pages are rendered by the tests (man -l), the example is built with pkg-config
TEST_PACKAGES += man-db groff-base pkgconf
