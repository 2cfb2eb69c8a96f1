/* SPDX-License-Identifier: MIT */
/*
 * recording.h: recordings of a space's history in one SQLite file
 * (docs/recording.md has the schema): the writer `ptscope record` uses, and
 * the "recording" space that serves a file, whose history is the
 * recording's generations.
 */
#ifndef PTS_RECORDING_H
#define PTS_RECORDING_H

#include <stddef.h>

#include "err.h"
#include "history.h"
#include "space.h"

/* Schema version this ptscope writes and reads. */
#define RECORDING_VERSION 1

struct rec_meta {
	const char *arch;	/* arch id */
	const char *kind;	/* what was recorded: "process" */
	const char *label;	/* for people: "bash (pid 42)" */
	const char *command;	/* record -- CMD: the command line, or NULL */
	const char *comm;	/* process name, or NULL */
	int pid;		/* or 0 */
	unsigned interval_ms;
};

struct rec_writer;

/* Create FILE (it must not exist yet) with the schema and meta. */
int rec_create(const char *path, const struct rec_meta *,
    struct rec_writer **out, struct pts_err *);
/* Write the newest generation of h: its delta, or its whole state when it
   is the history's first generation.  One transaction per generation, so
   the file is complete after every call. */
int rec_write_generation(struct rec_writer *, const struct history *h,
    struct pts_err *);
/* Close the file (NULL is a no-op). */
int rec_close(struct rec_writer *, struct pts_err *);

/*
 * A space serving a recording: tree, walk and ranges of its last
 * generation, and space->history holding every generation it recorded.
 * A file that is not a ptscope recording, of another version, truncated or
 * corrupt is PTS_EINVAL "bad_recording" with a sentence saying which.
 */
int recording_open(const char *path, struct space **out, struct pts_err *);
/* The same from a copy of the file's bytes (an upload); name labels it. */
int recording_open_bytes(const void *buf, size_t len, const char *name,
    struct space **out, struct pts_err *);

#endif
