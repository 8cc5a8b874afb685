/* cli — the tcpsim command line (contract in docs/: list, run, all, --help; exit codes
 * 0 success, 1 a scenario failed, 2 bad usage, 3 simulator invariant broken). Owns the seed and
 * the output directories; only this module prints and chooses exit codes. */
#ifndef TCPSIM_CLI_H
#define TCPSIM_CLI_H

int cli_main(int argc, char **argv);

#endif
