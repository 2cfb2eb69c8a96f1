/* SPDX-License-Identifier: MIT */
/* cli.h: the server-less commands for scripts: dump, walk, zones, arches.
   They print the same JSON as the API; exit 0 ok, 1 runtime error, 2 usage. */
#ifndef PTS_CLI_H
#define PTS_CLI_H

int cli_dump(int argc, char **argv);
int cli_walk(int argc, char **argv);
int cli_zones(int argc, char **argv);
int cli_arches(int argc, char **argv);

#endif
