/* SPDX-License-Identifier: MIT */
/* ptdump.h: kernel page-table dumps (debugfs or uploaded text). */
#ifndef PTS_PTDUMP_H
#define PTS_PTDUMP_H

#include <stddef.h>

#include "pt.h"
#include "space.h"
#include "strbuf.h"

/*
 * Parse a dump in the x86_64, arm64 or riscv format into a space.  arch_id
 * may be NULL to guess it from the text.  A malformed dump is PTS_EINVAL
 * "bad_ptdump" whose message names the line number and what was expected.
 */
int ptdump_parse(const char *text, size_t len, const char *arch_id,
    struct space **out, struct pts_err *err);

/* Render ranges in the ptdump style of a's family; parsing the result again
   yields the same ranges. */
void ptdump_render(const struct arch *a, const struct pt_ranges *r,
    struct strbuf *out);

/*
 * The same text piece by piece: a writer of r (which the caller keeps
 * unchanged and alive until ptdump_writer_free), and a step that appends
 * to out until it holds at least want bytes or the text ends (1: more to
 * come, 0: the text is complete).  The pieces joined are exactly
 * ptdump_render's text.
 */
struct ptdump_writer;
struct ptdump_writer *ptdump_writer_new(const struct arch *a,
    const struct pt_ranges *r);
int ptdump_writer_fill(struct ptdump_writer *, struct strbuf *out,
    size_t want);
void ptdump_writer_free(struct ptdump_writer *);

/* Kernel dumps offered by debugfs on this machine. */
struct ptdump_source {
	char id[16];		/* space id: "kernel", "kernel-user", "efi" */
	char path[128];
};

/*
 * Find readable debugfs dumps (mounting debugfs when root and unmounted).
 * Returns the count (0..max); when 0, why says why in a sentence.
 */
int ptdump_debugfs_probe(struct ptdump_source *src, int max, char *why,
    size_t whylen);

/* A live space read from a debugfs dump; refresh re-reads it. */
int ptdump_debugfs_space(const struct ptdump_source *src, struct space **out,
    struct pts_err *err);

#endif
