/* pkt_cli — `tcpsim run|check file.pkt`: packetdrill-style scripts from the command line.
 *
 * cli.c's command table has a run|check entry for arguments that are .pkt scripts; it parses
 * the options (--out, --seed, --strict / --lenient: the options policy, pkt_run.h) like every
 * command's and hands the request here. Every script is parsed before anything runs (bad
 * input: file:line:col on stderr, exit 2, nothing written); each then runs into <out>/<id>/
 * (timeline.txt, timeline.jsonl, capture.pcap, states.dot, states.svg), written as
 * <out>/.<id>.tmp and renamed when complete. Exit codes as everywhere: 0 every script passed,
 * 1 a mismatch, 2 bad input or usage. */
#ifndef TCPSIM_PKT_CLI_H
#define TCPSIM_PKT_CLI_H

#include <stdbool.h>
#include <stdint.h>

/* Where usage errors about scripts send the reader. */
#define PKT_CLI_SEE "(see 'tcpsim --help' and docs/packetdrill.md)"

struct pkt_cli_request {
    bool check;                     /* check (several scripts) or run (one) */
    const char *out_dir;
    uint64_t seed;
    bool strict;                    /* --strict: TCP options compared too (pkt_run.h) */
    const char *const *files;
    int file_count;
};

/* Whether a command-line argument names a script (ends in ".pkt", not an option). */
bool pkt_cli_is_script(const char *arg);
int pkt_cli_run(const struct pkt_cli_request *req);

#endif
