/* diff_cmd — the `tcpsim diff A B` command: runs diff_runs (diff.h) and turns its result into
 * output and an exit code (0 same, 1 different, 2 bad input or usage). */
#ifndef TCPSIM_DIFF_CMD_H
#define TCPSIM_DIFF_CMD_H

/* argv[0] is "diff"; the rest are its arguments. */
int diff_cmd_main(int argc, char **argv);

#endif
