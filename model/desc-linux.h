/* SPDX-License-Identifier: MIT */
/*
 * desc-linux.h: what Linux's generic page-table helpers say about one
 * entry: p?d_none(), p?d_present(), p?d_bad(), p?d_leaf(), and the populate
 * call that writes a table entry, per arch as Linux 6.x defines them
 * (arch/{x86,arm64,arm,riscv}/include/asm/pgtable*.h and pgalloc.h).
 *
 * A learner sees, at each step of a walk, the very tests the kernel's own
 * walkers (walk_page_range, follow_page, ptdump) make on that entry.
 */
#ifndef PTS_DESC_LINUX_H
#define PTS_DESC_LINUX_H

#include <stdbool.h>
#include <stdint.h>

#include "arch.h"

struct desc_linux_test {
	char name[16];		/* "pmd_bad" */
	bool value;
	char rule[120];		/* how the kernel computes it, for people */
};

struct desc_linux {
	unsigned n;
	struct desc_linux_test t[4];	/* none, present, bad, leaf */
	char populate[200];	/* table entries: the call that wrote it */
	const char *source;	/* the header the rules come from */
};

/*
 * The helpers' answers for word, an entry of levels[li] of arch a; user:
 * the entry belongs to a user address space (selects pmd_populate vs
 * pmd_populate_kernel and the table XN bits arm64 sets).
 */
void desc_linux_eval(const struct arch *a, unsigned li, uint64_t word,
    bool user, struct desc_linux *out);

#endif
