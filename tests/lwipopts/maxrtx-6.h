/* A user's lwIP configuration for the option-regression test (tests/option-regressions.sh):
 * tcpsim's defaults with one timing option changed: data is retransmitted 6
 * times before lwIP gives up, not 12.
 * The catalog scenarios whose stories depend on it must fail `tcpsim check`. */
#include "../../lwip-port/lwipopts.h"

#undef TCP_MAXRTX
#define TCP_MAXRTX 6
