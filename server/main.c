/* SPDX-License-Identifier: MIT */
/* main.c: the ptscope binary: one command per verb. */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "record.h"
#include "server.h"

static const char usage[] =
"usage: ptscope COMMAND [OPTIONS]\n"
"\n"
"commands:\n"
"  serve    run the daemon: HTTP API + viewer, WebSocket stream\n"
"  dump     print a space's page-table tree (or ptdump text) as JSON\n"
"  walk     walk one virtual address through a space's tables\n"
"  zones    print the machine's zones and buddy free lists\n"
"  arches   print the page-table geometry of every architecture\n"
"  record   record a process's page tables over time into a file\n"
"\n"
"  ptscope COMMAND --help    options of a command\n"
"  ptscope --version\n";

static const struct {
	const char *name;
	int (*run)(int, char **);
} commands[] = {
	{ "serve", server_main },
	{ "dump", cli_dump },
	{ "walk", cli_walk },
	{ "zones", cli_zones },
	{ "arches", cli_arches },
	{ "record", cli_record },
};

int
main(int argc, char **argv)
{
	if (argc < 2) {
		fputs(usage, stderr);
		return 2;
	}
	if (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h") ||
	    !strcmp(argv[1], "help")) {
		fputs(usage, stdout);
		return 0;
	}
	if (!strcmp(argv[1], "--version") || !strcmp(argv[1], "-V")) {
		printf("%s %s\n", PACKAGE_NAME, PACKAGE_VERSION);
		return 0;
	}
	for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++)
		if (!strcmp(argv[1], commands[i].name))
			return commands[i].run(argc - 1, argv + 1);
	fprintf(stderr, "ptscope: unknown command '%s'\n%s", argv[1], usage);
	return 2;
}
