/* SPDX-License-Identifier: MIT */
/*
 * ptdump-int.h: what the ptdump modules share among themselves (parser,
 * attribute codec, space, renderer, debugfs).  Not part of the backend
 * interface: the server uses ptdump.h only.
 */
#ifndef PTS_PTDUMP_INT_H
#define PTS_PTDUMP_INT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "arch.h"
#include "err.h"
#include "pt.h"
#include "ptdump.h"
#include "space.h"
#include "strbuf.h"

/* Largest text ptdump_parse() accepts (PTS_E2BIG above it). */
#define PTDUMP_MAX_TEXT (64u << 20)

/* The layouts: x86 (arch/x86/mm/dump_pagetables.c), arm64
   (arch/arm64/mm/ptdump.c), riscv (arch/riscv/mm/ptdump.c) and arm32
   (arch/arm/mm/dump.c: 8-digit addresses, optional level name, the domain
   on short descriptors, memory types, present ranges only). */
enum ptdump_fmt { PTDUMP_FMT_NONE = 0, PTDUMP_FMT_X86, PTDUMP_FMT_ARM64,
    PTDUMP_FMT_RISCV, PTDUMP_FMT_ARM32 };

/* A parsed dump: the leaf ranges (holes left out) and what was seen. */
struct ptdump_dump {
	enum ptdump_fmt fmt;
	const struct arch *arch;
	bool guessed;			/* arch guessed from the text */
	struct pt_ranges ranges;	/* non-empty lines, ascending */
	size_t nlines;			/* lines of text */
	size_t nholes;			/* hole lines (x86, arm64) */
	uint64_t skipped;		/* "... N entries skipped ..." total */
	unsigned nmarkers;
	struct strbuf markers;		/* marker names joined by ", " */
	unsigned nwarnings;
	char warning[200];		/* the first warning */
};

/* Name of a format: "x86", "arm64", "riscv", "arm32". */
const char *ptdump_fmt_name(enum ptdump_fmt);

/* Parse text into d (zeroed by the caller); d is released on failure. */
int ptdump_dump_parse(const char *text, size_t len, const char *arch_id,
    struct ptdump_dump *d, struct pts_err *err);
void ptdump_dump_release(struct ptdump_dump *d);

/* The format an arch family prints. */
enum ptdump_fmt ptdump_fmt_of_arch(const struct arch *a);

/*
 * Decode the attribute tokens of one line (space-separated) into PTF_*
 * flags; *unknown receives the first token the format does not know, or
 * NULL.
 */
uint32_t ptdump_attrs_decode(enum ptdump_fmt, const char *attrs,
    const char **unknown, size_t *unknown_len);

/* Adjust decoded flags to the arch (armv7 in the arm64 layout: no PXN). */
uint32_t ptdump_flags_for_arch(const struct arch *a, uint32_t flags);

/* Append the attribute columns for flags in the kernel's layout; block:
   a leaf above the last level (x86 PSE, arm64 BLK). */
void ptdump_attrs_encode(enum ptdump_fmt, uint32_t flags, bool block,
    struct strbuf *out);

/* arm32 (arch/arm/mm/dump.c): the domain (short descriptors only) and
   the section or pte bits for flags; section: a first/second-level
   section (PGD on armv7-2l, PMD on LPAE). */
void ptdump_attrs_encode_arm32(bool lpae, uint32_t flags, bool section,
    struct strbuf *out);

/* Whether a token is an arm32 memory type ("MEM/...", "DEV/...", "SO/..."),
   which only pte lines carry. */
bool ptdump_arm32_is_mt(const char *tok, size_t n);

/* The PTF_* flags a format can express (round trips keep these). */
uint32_t ptdump_attrs_mask(enum ptdump_fmt);

/* A space over a parsed dump; takes d's contents.  kernel: kind "kernel"
   with refresh re-reading path. */
struct space *ptdump_space_new(struct ptdump_dump *d, bool kernel,
    const char *path);

/* The smallest leaf a level holds (its entry span when it lists none):
   ranges at that level start and end on this boundary.  Differs from the
   entry span on armv7-2l, whose 2 MiB pgd entries hold 1 MiB sections. */
uint64_t ptdump_leaf_align(const struct arch *a, unsigned li);

/* ptdump_debugfs_probe() below another directory than /sys/kernel/debug
   (tests); never mounts anything. */
int ptdump_debugfs_probe_at(const char *root, struct ptdump_source *src,
    int max, char *why, size_t whylen);

#endif
