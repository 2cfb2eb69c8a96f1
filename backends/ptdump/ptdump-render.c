/* SPDX-License-Identifier: MIT */
/*
 * ptdump-render.c: print any space's ranges the way the kernel's ptdump
 * does for the arch's family: x86 (dump_pagetables.c), arm64 (also used
 * for armv7) and riscv.  x86 and arm64 print the holes between ranges,
 * split by level the way a walk over minimal tables meets them; riscv
 * omits holes and prints the physical address column.
 */
#include "config.h"

#include "ptdump.h"
#include "ptdump-int.h"

#include <ctype.h>
#include <inttypes.h>
#include <string.h>

/* Renderer state: the format, the last marker printed. */
struct pr_state {
	const struct arch *a;
	enum ptdump_fmt fmt;
	const char *marker;
	struct strbuf *out;
	/* a pending hole run, merged while the level stays the same */
	bool hole;
	uint64_t hole_start, hole_end;
	unsigned hole_li;
};

/* The name printed for a level: x86 lowercase, others uppercase; leaves
   on x86 and riscv take the deepest folded level below (where the
   kernel's walker finds them). */
static void
pr_level(const struct pr_state *st, unsigned li, bool leaf, char name[4])
{
	const struct arch *a = st->a;
	int lv = a->levels[li].level;

	if (leaf && st->fmt != PTDUMP_FMT_ARM64)
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
		if (r)
			ptdump_attrs_encode(st->fmt, r->flags, block, st->out);
		else
			strbuf_adds(st->out, "                              ");
		strbuf_addf(st->out, "%s\n", name);
		return;
	}
	strbuf_adds(st->out, name);
	if (r)
		ptdump_attrs_encode(st->fmt, r->flags, block, st->out);
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

/* Add one hole chunk, merging with the pending run at the same level. */
static void
pr_hole_chunk(struct pr_state *st, uint64_t start, uint64_t end, unsigned li)
{
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
   fits, as a walk over the fewest tables meets them. */
static void
pr_hole(struct pr_state *st, uint64_t first, uint64_t last)
{
	const struct arch *a = st->a;

	while (first <= last) {
		unsigned li = a->nlevels - 1;
		uint64_t span;

		for (unsigned k = 0; k < a->nlevels; k++) {
			span = arch_entry_span(a, k);
			if ((first & (span - 1)) == 0 && span - 1 <= last - first) {
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

/* Print a marker line when the range's section changes. */
static void
pr_marker(struct pr_state *st, const struct pt_range *r)
{
	if (r->marker == NULL || (st->marker && strcmp(st->marker,
	    r->marker) == 0))
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

/* Render ranges in the ptdump style of a's family. */
void
ptdump_render(const struct arch *a, const struct pt_ranges *rs,
    struct strbuf *out)
{
	struct pr_state st = { .a = a, .fmt = ptdump_fmt_of_arch(a),
	    .out = out };
	bool holes = st.fmt != PTDUMP_FMT_RISCV;
	uint64_t hf = 0, hl = 0, cur = 0;

	for (size_t i = 0; i < rs->n; i++) {
		const struct pt_range *r = &rs->v[i];
		int li = arch_level_pos(a, r->level);
		uint64_t f, l;

		if (li < 0)
			continue;
		pr_half(a, r->start, &f, &l);
		if (holes && (i == 0 || f != hf)) {
			if (i > 0 && cur != 0 && cur - 1 < hl)
				pr_hole(&st, cur, hl);
			hf = f;
			hl = l;
			cur = f;
		}
		if (holes && r->start > cur)
			pr_hole(&st, cur, r->start - 1);
		pr_hole_flush(&st);
		pr_marker(&st, r);
		pr_line(&st, r->start, r->end, (unsigned)li, r);
		cur = r->end;
	}
	if (holes && rs->n > 0 && cur != 0 && cur - 1 < hl)
		pr_hole(&st, cur, hl);
	pr_hole_flush(&st);
}
