# mk/option-regressions.mk — make option-regressions: a changed lwIP timing option reads as a
# regression. Builds tcpsim once per tests/lwipopts/<name>.h below (make LWIPOPTS=..., into
# $(B)/opt-<name>), then tests/option-regressions.sh checks that `tcpsim check` fails on the
# catalog with the one-line failures of tests/lwipopts/<name>.check and that `tcpsim diff`
# explains each as tests/lwipopts/<name>.diff says. UPDATE=1 rewrites those files (review the
# diff, as with make golden). About a minute per option on 2 cores; part of CI (.ci/run).
OPTION_REGRESSIONS = msl-30s maxrtx-6 synmaxrtx-3

.PHONY: option-regressions
option-regressions: $(B)/tcpsim
	$(Q)for n in $(OPTION_REGRESSIONS); do \
	  $(MAKE) --no-print-directory LWIPOPTS=tests/lwipopts/$$n.h B=$(B)/opt-$$n \
	    $(B)/opt-$$n/tcpsim || exit 1; \
	done
	$(Q)UPDATE=$(UPDATE) sh tests/option-regressions.sh $(B)/tcpsim $(B) $(OPTION_REGRESSIONS)
