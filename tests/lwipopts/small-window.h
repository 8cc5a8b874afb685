/* A user's lwIP configuration for make LWIPOPTS=tests/lwipopts/small-window.h (and the
 * example of docs/lwipopts.md): tcpsim's defaults with a receive window and send buffer of one
 * segment, and the default TIME_WAIT halved. Everything else is lwip-port/lwipopts.h's. */
#include "../../lwip-port/lwipopts.h"

#undef TCP_WND
#define TCP_WND                 (1 * TCP_MSS)
#undef TCP_SND_BUF
#define TCP_SND_BUF             (2 * TCP_MSS)
#undef TCP_SND_QUEUELEN
#define TCP_SND_QUEUELEN        ((4 * (TCP_SND_BUF) + (TCP_MSS - 1)) / (TCP_MSS))
#define TCP_MSL                 30000UL
