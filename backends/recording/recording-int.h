/* SPDX-License-Identifier: MIT */
/* recording-int.h: the schema shared by the writer and the reader. */
#ifndef PTS_RECORDING_INT_H
#define PTS_RECORDING_INT_H

/*
 * One row per version of an item (model/hstate.h): valid from generation
 * born up to (not including) died, NULL while it lasted to the end.  data
 * holds the item's record (struct hrec_entry or hrec_range, little-endian,
 * then its strings); the other columns repeat it for people and queries.
 */
/* How long a write or a read waits for another process's lock on the
   file (a recording read while it is being recorded). */
#define REC_BUSY_MS 10000

#define REC_SCHEMA \
"CREATE TABLE ptscope_recording (version INTEGER NOT NULL, tool TEXT NOT NULL);\n" \
"CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);\n" \
"CREATE TABLE generations (generation INTEGER PRIMARY KEY,\n" \
"    time TEXT NOT NULL, time_ms INTEGER NOT NULL, caption TEXT,\n" \
"    changes INTEGER NOT NULL);\n" \
"CREATE TABLE items (id INTEGER PRIMARY KEY, list INTEGER NOT NULL,\n" \
"    key INTEGER NOT NULL, sub INTEGER NOT NULL, born INTEGER NOT NULL,\n" \
"    died INTEGER, level TEXT, va TEXT, kind TEXT, flags TEXT,\n" \
"    pages INTEGER, name TEXT, data BLOB NOT NULL);\n" \
"CREATE INDEX items_live ON items (list, key, sub) WHERE died IS NULL;\n"

#endif
