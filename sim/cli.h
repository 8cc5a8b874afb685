/* cli — the tcpsim command line (contract in README.md and `tcpsim --help`: list, run, check,
 * all, explain, swarm; exit codes 0 success, 1 a scenario failed, 2 bad usage or input,
 * 3 simulator invariant broken, 4 a budget or a resource ran out). Owns the seed, the budgets
 * and the output directories; only this module prints and chooses exit codes. Commands and
 * options are tables in cli.c: adding one is one entry. */
#ifndef TCPSIM_CLI_H
#define TCPSIM_CLI_H

int cli_main(int argc, char **argv);

#endif
