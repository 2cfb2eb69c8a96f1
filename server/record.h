/* SPDX-License-Identifier: MIT */
/* record.h: `ptscope record`: a process's page tables over time, into a
   recording (SQLite, docs/recording.md).  Exit 0 ok, 1 runtime error,
   2 usage. */
#ifndef PTS_RECORD_H
#define PTS_RECORD_H

int cli_record(int argc, char **argv);

#endif
