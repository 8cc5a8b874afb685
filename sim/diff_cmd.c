/* diff_cmd — see diff_cmd.h. */
#include "diff_cmd.h"

#include "diff.h"

#include <stdio.h>
#include <string.h>

static const char usage[] =
    "usage: tcpsim diff <before> <now>\n"
    "  each an output folder (out/<id>: timeline.jsonl, capture.pcap) or a timeline.jsonl;\n"
    "  explains every difference in the scenario's terms, ignoring a constant time shift\n"
    "exit codes: 0 the same, 1 different, 2 bad input or usage\n";

int diff_cmd_main(int argc, char **argv)
{
    if (argc == 2 && (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0)) {
        fputs(usage, stdout);
        return 0;
    }
    if (argc != 3 || argv[1][0] == '-' || argv[2][0] == '-') {
        fprintf(stderr, "tcpsim diff: expects two runs, got %d argument%s\n%s", argc - 1,
                argc == 2 ? "" : "s", usage);
        return 2;
    }
    char err[4400];
    enum diff_result r = diff_runs(argv[1], argv[2], stdout, err, sizeof err);
    switch (r) {
    case DIFF_SAME: return 0;
    case DIFF_DIFFERENT: return 1;
    case DIFF_BAD_INPUT:
    case DIFF_RESULT_COUNT: break;
    }
    fprintf(stderr, "tcpsim diff: %s\n", err);
    return 2;
}
