/* SPDX-License-Identifier: MIT */
/*
 * procfs-maps.h: parsing /proc/PID/maps into a list of VMAs.
 *
 * Ownership: procfs_vmas_release() frees the names and the array.
 */
#ifndef PTS_PROCFS_MAPS_H
#define PTS_PROCFS_MAPS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "err.h"

/* One line of /proc/PID/maps, plus what the live backend learned about it. */
struct procfs_vma {
	uint64_t start, end;	/* [start, end), page-aligned */
	char perms[5];		/* "rw-p": r, w, x, then s (shared) or p */
	uint64_t offset;	/* file offset in bytes (0 for anonymous) */
	unsigned dev_major, dev_minor;
	uint64_t inode;		/* 0 for anonymous mappings */
	char *name;		/* path, "[heap]", "[stack]", ...; NULL when
				   unnamed; owned */
	bool deleted;		/* the path ended in " (deleted)" (kept in name) */
	uint64_t page_size;	/* hugetlb page size when known, else 0 */
	uint64_t present_pages;	/* base pages present (filled by the scan) */
	uint64_t swapped_pages;	/* swap entries, guard markers excluded */
};

struct procfs_vmas {
	size_t n, cap;
	struct procfs_vma *v;
};

/*
 * Parse one maps line (without or with its '\n') into *out.  The name keeps
 * interior and trailing-" (deleted)" text; an unnamed line (which the kernel
 * ends with a space) gives name NULL.  PTS_EINVAL "bad_maps_line" otherwise.
 */
int procfs_maps_parse_line(const char *line, struct procfs_vma *out,
    struct pts_err *err);

/* Parse a whole maps file's text; on failure *out is left empty. */
int procfs_maps_parse(const char *text, struct procfs_vmas *out,
    struct pts_err *err);

/* Index of the VMA containing va, or -1 (binary search; list sorted). */
long procfs_vmas_find(const struct procfs_vmas *, uint64_t va);

void procfs_vmas_release(struct procfs_vmas *);

#endif
