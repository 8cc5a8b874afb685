/* pkt_cli — `tcpsim run|check file.pkt`: packetdrill-style scripts from the command line.
 *
 * cli.c hands a run/check command to pkt_cli_main when one of its arguments ends in ".pkt".
 * Every script is parsed before anything runs (bad input: file:line:col on stderr, exit 2,
 * nothing written); each then runs into <out>/<id>/ (timeline.txt, timeline.jsonl,
 * capture.pcap, states.dot, states.svg), written as <out>/.<id>.tmp and renamed when complete.
 * Options: --out DIR, --seed N, --strict / --lenient (the options policy, pkt_run.h). Exit
 * codes as everywhere: 0 every script passed, 1 a mismatch, 2 bad input or usage. */
#ifndef TCPSIM_PKT_CLI_H
#define TCPSIM_PKT_CLI_H

#include <stdbool.h>

/* True when argv (argv[1] is the command) is run/check with a .pkt argument. */
bool pkt_cli_handles(int argc, char **argv);
int pkt_cli_main(int argc, char **argv);

#endif
