/* main — tcpsim's entry point; everything is in cli.c so that tests can link the rest. */
#include "cli.h"

int main(int argc, char **argv) { return cli_main(argc, argv); }
