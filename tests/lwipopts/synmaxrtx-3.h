/* A user's lwIP configuration for the option-regression test (tests/option-regressions.sh):
 * tcpsim's defaults with one timing option changed: a SYN is retransmitted 3
 * times before connect gives up, not 6.
 * The catalog scenarios whose stories depend on it must fail `tcpsim check`. */
#include "../../lwip-port/lwipopts.h"

#undef TCP_SYNMAXRTX
#define TCP_SYNMAXRTX 3
