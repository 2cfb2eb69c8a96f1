/* SPDX-License-Identifier: MIT */
/*
 * ptdump-render.c: print any space's ranges the way the kernel's ptdump
 * does for the arch's family: x86 (dump_pagetables.c), arm64 (ptdump.c),
 * riscv (ptdump.c) and arm32 (arch/arm/mm/dump.c).  x86 and arm64 print
 * the holes between ranges, split by level the way a walk over minimal
 * tables meets them; riscv and arm32 print present ranges only (riscv with
 * the physical address column, arm32 with the domain).  Section markers
 * are printed at their own VAs, so a dump of holes and markers only keeps
 * them; tokens read from a dump of the same layout are printed as read.
 */
#include "config.h"

#include "ptdump.h"
#include "ptdump-int.h"

#include <ctype.h>
#include <inttypes.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "xalloc.h"

/* Renderer state: the format, the markers still to print. */
struct pr_state {
	const struct arch *a;
	enum ptdump_fmt fmt;
	const struct pt_ranges *rs;
	size_t next_marker;		/* rs->markers printed before this */
	const char *marker;		/* last r->marker printed (no list) */
	struct strbuf *out;
	/* a pending hole run, merged while the level stays the same */
	bool hole;
	uint64_t hole_start, hole_end;
	unsigned hole_li;
};

/* The name printed for a level: x86 lowercase, others uppercase; leaves
   on x86 and riscv take the deepest folded level below (where the
   kernel's walker finds them); arm32 names sections PGD on short
   descriptors (CONFIG_PGTABLE_LEVELS 2) and PMD on LPAE. */
static void
pr_level(const struct pr_state *st, unsigned li, bool leaf, char name[4])
{
	const struct arch *a = st->a;
	int lv = a->levels[li].level;

	if (leaf && (st->fmt == PTDUMP_FMT_X86 || st->fmt == PTDUMP_FMT_RISCV))
		while (lv + 1 < PT_NLEVELS && arch_is_folded(a,
		    (enum pt_level)(lv + 1)))
			lv++;
	memcpy(name, arch_level_name((enum pt_level)lv), 4);
	if (st->fmt != PTDUMP_FMT_X86)
		for (int i = 0; i < 3; i++)	/* "p4d" -> "P4D" */
			name[i] = (char)toupper((unsigned char)name[i]);
}

/* Print the address columns and the size with the kernel's units. */
static void
pr_addr_size(struct pr_state *st, uint64_t start, uint64_t end, uint64_t pa)
{
	static const char units[] = "BKMGTPE";
	const char *u = units;
	uint64_t size = end - start;

	if (st->a->va_bits <= 32 && st->fmt != PTDUMP_FMT_RISCV)
		strbuf_addf(st->out, "0x%08" PRIx64 "-0x%08" PRIx64 "   ",
		    start, end & 0xffffffffu);
	else
		strbuf_addf(st->out, "0x%016" PRIx64 "-0x%016" PRIx64 "   ",
		    start, end);
	if (st->fmt == PTDUMP_FMT_RISCV)
		strbuf_addf(st->out, " 0x%016" PRIx64 " ",
		    pa == PT_UNKNOWN ? 0 : pa);
	if (st->fmt != PTDUMP_FMT_X86) {
		size >>= 10;
		u++;
	}
	while (size != 0 && (size & 1023) == 0 && u[1] != '\0') {
		size >>= 10;
		u++;
	}
	strbuf_addf(st->out, "%9" PRIu64 "%c ", size, *u);
}

/* Whether the range's tokens are to be printed as the dump had them. */
static bool
pr_verbatim(const struct pt_range *r)
{
	return r->attrs_ptdump && r->attrs != NULL;
}

/* x86 attribute columns: the kernel's, or the dump's own tokens padded to
   the same 30 columns. */
static void
pr_attrs_x86(struct pr_state *st, const struct pt_range *r, bool block)
{
	size_t before = st->out->len;

	if (r == NULL) {
		strbuf_adds(st->out, "                              ");
		return;
	}
	if (!pr_verbatim(r)) {
		ptdump_attrs_encode(st->fmt, r->flags, block, st->out);
		return;
	}
	strbuf_adds(st->out, r->attrs);
	do
		strbuf_addc(st->out, ' ');
	while (st->out->len - before < 30);
}

/* riscv tokens as dump_prot() in arch/riscv/mm/ptdump.c lays them out:
   " %s" per field, the MT and RSW fields six wide (their clear string
   is "  ..  ", their set ones "MT(IO)", "RSW(2)"), so a current dump's
   ".   ..     ..   D A G" comes back with its columns.  Kernels before
   the 2023 RSW/PBMT/NAPOT series printed 8 one-character fields after a
   software-bits field whose clear string was three blanks
   ("PTE     . A"). */
static void
pr_attrs_riscv(struct pr_state *st, const char *attrs)
{
	size_t field = 0, ntok = 1;

	for (const char *p = attrs; *p; p++)
		ntok += *p == ' ';
	if (ntok == 8)
		strbuf_adds(st->out, "    ");
	for (const char *p = attrs; *p; field++) {
		size_t n = strcspn(p, " ");
		bool wide = ntok == 11 && (field == 1 || field == 2);

		if (wide && n == 2 && memcmp(p, "..", 2) == 0)
			strbuf_adds(st->out, "   ..  ");
		else if (wide && n < 6)
			strbuf_addf(st->out, " %-6.*s", (int)n, p);
		else
			strbuf_addf(st->out, " %.*s", (int)n, p);
		p += n;
		p += *p == ' ';
	}
}

/* Print one line: a range (flags) or a hole. */
static void
pr_line(struct pr_state *st, uint64_t start, uint64_t end, unsigned li,
    const struct pt_range *r)
{
	char name[4];
	bool block = li + 1 < st->a->nlevels;

	pr_level(st, li, r != NULL, name);
	pr_addr_size(st, start, end, r ? r->pa : PT_UNKNOWN);
	if (st->fmt == PTDUMP_FMT_X86) {
		pr_attrs_x86(st, r, block);
		strbuf_addf(st->out, "%s\n", name);
		return;
	}
	strbuf_adds(st->out, name);
	if (r && pr_verbatim(r) && st->fmt == PTDUMP_FMT_RISCV) {
		pr_attrs_riscv(st, r->attrs);
	} else if (r && pr_verbatim(r)) {
		if (r->attrs[0] != '\0')
			strbuf_addf(st->out, " %s", r->attrs);
	} else if (r && st->fmt == PTDUMP_FMT_ARM32) {
		ptdump_attrs_encode_arm32(st->a->entry_bytes == 8, r->flags,
		    block, st->out);
	} else if (r) {
		size_t at = st->out->len;
		char *shd;

		ptdump_attrs_encode(st->fmt, r->flags, block, st->out);
		/* FEAT_LPA2: PTE_MAYBE_SHARED is 0 (pgtable-prot.h), the
		   kernel prints no SHD */
		if (st->fmt == PTDUMP_FMT_ARM64 && st->a->pa_bits == 52 &&
		    st->a->page_shift != 16 &&
		    (shd = strstr(st->out->buf + at, " SHD")) != NULL)
			memset(shd, ' ', 4);
	}
	strbuf_addc(st->out, '\n');
}

/* Print the pending hole run, if any. */
static void
pr_hole_flush(struct pr_state *st)
{
	if (st->hole)
		pr_line(st, st->hole_start, st->hole_end, st->hole_li, NULL);
	st->hole = false;
}

/* Print the markers of the list at or below va (all when va is 0 and
   last is set: the end of the text). */
static void
pr_markers_upto(struct pr_state *st, uint64_t va, bool all)
{
	const struct pt_ranges *rs = st->rs;

	while (st->next_marker < rs->nmarkers &&
	    (all || rs->markers[st->next_marker].va <= va)) {
		pr_hole_flush(st);
		strbuf_addf(st->out, "---[ %s ]---\n",
		    rs->markers[st->next_marker].name);
		st->next_marker++;
	}
}

/* The VA of the next marker still to print above va, or 0 when none. */
static uint64_t
pr_next_marker_above(const struct pr_state *st, uint64_t va)
{
	const struct pt_ranges *rs = st->rs;

	for (size_t i = st->next_marker; i < rs->nmarkers; i++)
		if (rs->markers[i].va > va)
			return rs->markers[i].va;
	return 0;
}

/* Add one hole chunk, merging with the pending run at the same level. */
static void
pr_hole_chunk(struct pr_state *st, uint64_t start, uint64_t end, unsigned li)
{
	pr_markers_upto(st, start, false);
	if (st->hole && st->hole_li == li && st->hole_end == start) {
		st->hole_end = end;
		return;
	}
	pr_hole_flush(st);
	st->hole = true;
	st->hole_start = start;
	st->hole_end = end;
	st->hole_li = li;
}

/* The hole [first, last] split into entries of the highest level that
   fits, as a walk over the fewest tables meets them, and at markers. */
static void
pr_hole(struct pr_state *st, uint64_t first, uint64_t last)
{
	const struct arch *a = st->a;

	while (first <= last) {
		uint64_t stop = pr_next_marker_above(st, first);
		unsigned li = a->nlevels - 1;
		uint64_t span;

		if (stop == 0 || stop - 1 > last)
			stop = last + 1;	/* 0 at the top of the space */
		for (unsigned k = 0; k < a->nlevels; k++) {
			span = arch_entry_span(a, k);
			if ((first & (span - 1)) == 0 &&
			    span - 1 <= stop - 1 - first) {
				li = k;
				break;
			}
		}
		span = arch_entry_span(a, li);
		pr_hole_chunk(st, first, first + span, li);
		if (first + span == 0 || first + span - 1 >= last)
			break;
		first += span;
	}
}

/* Print a range's own marker when the ranges carry no marker list. */
static void
pr_range_marker(struct pr_state *st, const struct pt_range *r)
{
	if (st->rs->nmarkers > 0 || r->marker == NULL || (st->marker &&
	    strcmp(st->marker, r->marker) == 0))
		return;
	pr_hole_flush(st);
	strbuf_addf(st->out, "---[ %s ]---\n", r->marker);
	st->marker = r->marker;
}

/* Bounds of the half (user or kernel) va lies in. */
static void
pr_half(const struct arch *a, uint64_t va, uint64_t *first, uint64_t *last)
{
	if (arch_va_is_kernel(a, va)) {
		*first = a->kernel_first;
		*last = a->kernel_last;
	} else {
		*first = a->user_first;
		*last = a->user_last;
	}
}

/* Whether anything (a range or a marker) lies in [first, last]. */
static bool
pr_half_used(const struct pt_ranges *rs, uint64_t first, uint64_t last)
{
	for (size_t i = 0; i < rs->n; i++)
		if (rs->v[i].start >= first && rs->v[i].start <= last)
			return true;
	for (size_t i = 0; i < rs->nmarkers; i++)
		if (rs->markers[i].va >= first && rs->markers[i].va <= last)
			return true;
	return false;
}

/*
 * The renderer as a writer: each step prints one range (with the holes
 * and markers before it) or closes a half, so that a long text can be
 * produced piece by piece (ptdump_writer_fill) in exactly the order the
 * whole text has.
 */
struct ptdump_writer {
	struct pr_state st;
	bool holes;		/* x86 and arm64: holes between ranges */
	size_t i;		/* the next range */
	unsigned h;		/* the half being written (holes: 0 user,
				   1 kernel, 2 done with both) */
	bool in_half, reached_top, done;
	uint64_t first, last, cur;	/* the half's bounds, the VA printed
					   up to */
};

/* One range of a half (x86 and arm64), the hole before it first. */
static void
pr_range_in_half(struct ptdump_writer *w, const struct pt_range *r)
{
	struct pr_state *st = &w->st;
	int li = arch_level_pos(st->a, r->level);

	if (li < 0)
		return;
	if (r->start > w->cur)
		pr_hole(st, w->cur, r->start - 1);
	pr_markers_upto(st, r->start, false);
	pr_hole_flush(st);
	pr_range_marker(st, r);
	pr_line(st, r->start, r->end, (unsigned)li, r);
	w->cur = r->end;
	w->reached_top = w->cur == 0;
}

/* x86 and arm64: each used half from its first to its last byte, holes
   between the ranges.  One step: start a half, print its next range, or
   end it with the hole after its last range. */
static void
pr_step_with_holes(struct ptdump_writer *w)
{
	struct pr_state *st = &w->st;
	const struct arch *a = st->a;
	const struct pt_ranges *rs = st->rs;
	uint64_t f, l;

	if (!w->in_half) {
		w->first = w->h == 0 ? a->user_first : a->kernel_first;
		w->last = w->h == 0 ? a->user_last : a->kernel_last;
		if (!pr_half_used(rs, w->first, w->last)) {
			w->h++;
			return;
		}
		w->cur = w->first;
		w->reached_top = false;
		w->in_half = true;
		return;
	}
	if (w->i < rs->n) {
		pr_half(a, rs->v[w->i].start, &f, &l);
		if (f == w->first) {
			pr_range_in_half(w, &rs->v[w->i++]);
			return;
		}
	}
	if (!w->reached_top && w->cur <= w->last)
		pr_hole(st, w->cur, w->last);
	pr_hole_flush(st);
	w->in_half = false;
	w->h++;
}

/* riscv and arm32: the present ranges only, one a step. */
static void
pr_step_present_only(struct ptdump_writer *w)
{
	struct pr_state *st = &w->st;
	const struct pt_range *r = &st->rs->v[w->i++];
	int li = arch_level_pos(st->a, r->level);

	if (li < 0)
		return;
	pr_markers_upto(st, r->start, false);
	pr_range_marker(st, r);
	pr_line(st, r->start, r->end, (unsigned)li, r);
}

struct ptdump_writer *
ptdump_writer_new(const struct arch *a, const struct pt_ranges *rs)
{
	struct ptdump_writer *w = xcalloc(1, sizeof *w);

	w->st = (struct pr_state){ .a = a, .fmt = ptdump_fmt_of_arch(a),
	    .rs = rs };
	w->holes = w->st.fmt == PTDUMP_FMT_X86 ||
	    w->st.fmt == PTDUMP_FMT_ARM64;
	return w;
}

int
ptdump_writer_fill(struct ptdump_writer *w, struct strbuf *out, size_t want)
{
	w->st.out = out;
	while (!w->done && out->len < want) {
		if (w->holes ? w->h < 2 : w->i < w->st.rs->n) {
			if (w->holes)
				pr_step_with_holes(w);
			else
				pr_step_present_only(w);
			continue;
		}
		pr_markers_upto(&w->st, 0, true);
		w->done = true;
	}
	w->st.out = NULL;
	return w->done ? 0 : 1;
}

void
ptdump_writer_free(struct ptdump_writer *w)
{
	free(w);
}

/* Render ranges in the ptdump style of a's family. */
void
ptdump_render(const struct arch *a, const struct pt_ranges *rs,
    struct strbuf *out)
{
	struct ptdump_writer *w = ptdump_writer_new(a, rs);

	(void)ptdump_writer_fill(w, out, SIZE_MAX);
	ptdump_writer_free(w);
}
