/* A user's lwIP configuration for the option-regression test (tests/option-regressions.sh):
 * tcpsim's defaults with one timing option changed: TIME_WAIT (2 * TCP_MSL)
 * lasts 60 s instead of 120 s.
 * The catalog scenarios whose stories depend on it must fail `tcpsim check`. */
#include "../../lwip-port/lwipopts.h"

#undef TCP_MSL
#define TCP_MSL 30000UL
