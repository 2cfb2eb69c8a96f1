/* SPDX-License-Identifier: MIT */
/*
 * check_ptdump.c: parsing the three kernel ptdump layouts, the space built
 * from a dump (tree, walk, ranges), rendering and round trips, and every
 * kind of bad input.  Expected values are read off the fixture text by
 * hand (comments show the arithmetic).
 */
#include "config.h"

#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "ptdump.h"
#include "ptdump-int.h"
#include "strbuf.h"

#define P (PTF_PRESENT | PTF_READ)

/* Read a fixture file; the caller releases sb. */
static void
fixture(const char *name, struct strbuf *sb)
{
	char path[4096];
	const char *src = getenv("PTS_SRCDIR");
	struct pts_err err = { 0 };

	if (src == NULL)
		src = getenv("srcdir");
	snprintf(path, sizeof path, "%s/tests/fixtures/ptdump/%s",
	    src ? src : ".", name);
	ck_assert_msg(strbuf_read_file(sb, path, 0, &err) == 0, "%s",
	    err.msg);
}

/* Parse a fixture into d, failing the test on error. */
static void
parse_fixture(const char *name, const char *arch, struct ptdump_dump *d)
{
	struct strbuf sb = STRBUF_INIT;
	struct pts_err err = { 0 };

	fixture(name, &sb);
	memset(d, 0, sizeof *d);
	ck_assert_msg(ptdump_dump_parse(sb.buf, sb.len, arch, d, &err) == 0,
	    "%s: %s", name, err.msg);
	strbuf_release(&sb);
}

/* Check one range. */
static void
ck_range(const struct pt_range *r, uint64_t start, uint64_t end,
    enum pt_level lv, uint32_t flags, const char *attrs, const char *marker)
{
	ck_assert_msg(r->start == start && r->end == end, "range %#lx-%#lx, "
	    "expected %#lx-%#lx", (unsigned long)r->start,
	    (unsigned long)r->end, (unsigned long)start, (unsigned long)end);
	ck_assert_int_eq(r->level, lv);
	ck_assert_msg(r->flags == flags, "flags %#x, expected %#x at %#lx",
	    r->flags, flags, (unsigned long)start);
	ck_assert_str_eq(r->attrs, attrs);
	if (marker)
		ck_assert_str_eq(r->marker, marker);
}

START_TEST(test_x86_fixture)
{
	struct ptdump_dump d;
	const struct pt_range *v;

	parse_fixture("x86_64-kernel.txt", NULL, &d);
	v = d.ranges.v;
	ck_assert_str_eq(d.arch->id, "x86_64-4l");
	ck_assert(d.guessed);
	ck_assert_int_eq(d.fmt, PTDUMP_FMT_X86);
	ck_assert_uint_eq(d.nlines, 79);
	ck_assert_uint_eq(d.ranges.n, 28);	/* 65 range lines - 37 holes */
	ck_assert_uint_eq(d.nholes, 37);
	ck_assert_uint_eq(d.skipped, 28);
	ck_assert_uint_eq(d.nmarkers, 13);
	ck_assert_uint_eq(d.nwarnings, 0);
	/* marker lag: the first direct-map range sits under "LDT remap" */
	ck_range(&v[0], 0xffff888000000000, 0xffff888000200000, PT_PTE,
	    P | PTF_WRITE | PTF_GLOBAL, "RW GLB NX", "LDT remap");
	ck_assert_uint_eq(v[0].pages, 512);
	ck_assert_uint_eq(v[0].pa, PT_UNKNOWN);
	ck_range(&v[1], 0xffff888000200000, 0xffff888001000000, PT_PMD,
	    P | PTF_WRITE | PTF_GLOBAL, "RW PSE GLB NX", "Low Kernel Mapping");
	ck_range(&v[5], 0xffff888100000000, 0xffff888140000000, PT_PUD,
	    P | PTF_WRITE | PTF_GLOBAL, "RW PSE GLB NX", NULL);
	ck_assert_uint_eq(v[5].pages, 262144);
	ck_range(&v[7], 0xffffc90000005000, 0xffffc90000007000, PT_PTE,
	    P | PTF_WRITE | PTF_GLOBAL | PTF_NOCACHE, "RW PCD GLB NX",
	    "vmalloc() Area");
	ck_range(&v[21], 0xffffffff81000000, 0xffffffff82200000, PT_PMD,
	    P | PTF_GLOBAL | PTF_EXEC, "ro PSE GLB x", "High Kernel Mapping");
	ck_range(&v[27], 0xffffffffff5fb000, 0xffffffffff5fc000, PT_PTE,
	    P | PTF_WRITE | PTF_GLOBAL | PTF_NOCACHE, "RW PWT PCD GLB NX",
	    "Fixmap Area");
	ptdump_dump_release(&d);
}
END_TEST

START_TEST(test_arm64_fixture)
{
	struct ptdump_dump d;
	const struct pt_range *v;
	const uint32_t kdata = P | PTF_WRITE | PTF_GLOBAL | PTF_ACCESSED |
	    PTF_PXN;

	parse_fixture("arm64-kernel_page_tables.txt", NULL, &d);
	v = d.ranges.v;
	ck_assert_str_eq(d.arch->id, "arm64-4k-48");
	ck_assert_uint_eq(d.nlines, 56);
	ck_assert_uint_eq(d.ranges.n, 17);	/* 44 range lines - 27 holes */
	ck_assert_uint_eq(d.nholes, 27);
	ck_assert_uint_eq(d.nmarkers, 12);
	ck_range(&v[0], 0xffff000000000000, 0xffff000000200000, PT_PTE,
	    kdata | PTF_CONT, "RW NX SHD AF CON UXN MEM/NORMAL",
	    "Linear Mapping start");
	/* 0x7f7ff000 - 0x2600000 = 0x7d1ff000 = 2050044K */
	ck_assert_uint_eq(v[2].pages, 512511);
	/* "F": valid bit clear: neither present nor readable */
	ck_range(&v[3], 0xffff00007f7ff000, 0xffff00007f800000, PT_PTE,
	    PTF_INVALID | PTF_WRITE | PTF_GLOBAL | PTF_ACCESSED | PTF_PXN,
	    "F RW NX SHD AF UXN MEM/NORMAL", NULL);
	ck_range(&v[6], 0xffff80007a4e0000, 0xffff80007a4f0000, PT_PTE,
	    P | PTF_GLOBAL | PTF_ACCESSED | PTF_EXEC,
	    "ro x SHD AF UXN MEM/NORMAL", "Modules start");
	ck_range(&v[9], 0xffff800080000000, 0xffff800081200000, PT_PMD,
	    P | PTF_GLOBAL | PTF_ACCESSED | PTF_EXEC,
	    "ro x SHD AF BLK UXN MEM/NORMAL", "vmalloc() area");
	ck_range(&v[13], 0xffff800082020000, 0xffff800082021000, PT_PTE,
	    kdata | PTF_DEVICE, "RW NX SHD AF UXN DEVICE/nGnRE", NULL);
	ck_range(&v[16], 0xfffffc0000000000, 0xfffffc0004000000, PT_PMD,
	    kdata, "RW NX SHD AF BLK UXN MEM/NORMAL", "vmemmap start");
	ptdump_dump_release(&d);
}
END_TEST

START_TEST(test_riscv_fixture)
{
	struct ptdump_dump d;
	const struct pt_range *v;
	const uint32_t rw = PTF_PRESENT | PTF_READ | PTF_WRITE | PTF_GLOBAL |
	    PTF_ACCESSED | PTF_DIRTY;

	parse_fixture("riscv64-kernel_page_tables.txt", NULL, &d);
	v = d.ranges.v;
	ck_assert_str_eq(d.arch->id, "riscv-sv39");
	ck_assert_uint_eq(d.nlines, 35);
	ck_assert_uint_eq(d.ranges.n, 24);
	ck_assert_uint_eq(d.nholes, 0);
	ck_assert_uint_eq(d.nmarkers, 11);
	ck_range(&v[0], 0xffffffc4fea00000, 0xffffffc4fee00000, PT_PMD, rw,
	    ". .. .. D A G . . W R V", "Fixmap start");
	ck_assert_uint_eq(v[0].pa, 0x17f800000);
	ck_range(&v[1], 0xffffffc4ff000000, 0xffffffc4ff010000, PT_PTE,
	    rw | PTF_DEVICE | PTF_NOCACHE, ". MT(IO) .. D A G . . W R V",
	    "PCI I/O start");
	ck_range(&v[7], 0xffffffc600040000, 0xffffffc600140000, PT_PTE,
	    rw | PTF_NOCACHE, ". MT(NC) .. D A G . . W R V", NULL);
	/* Sv39 has no pud table: the kernel prints 1 GiB leaves as PUD,
	   which are entries of our pgd */
	ck_range(&v[13], 0xffffffd640000000, 0xffffffd700000000, PT_PGD, rw,
	    ". .. .. D A G . . W R V", "Linear mapping");
	ck_assert_uint_eq(v[13].pa, 0xc0000000);
	ck_range(&v[20], 0xffffffff80000000, 0xffffffff80e00000, PT_PMD,
	    (rw & ~(uint32_t)PTF_WRITE) | PTF_EXEC, ". .. .. D A G . X . R V",
	    "Kernel mapping");
	ptdump_dump_release(&d);
}
END_TEST

/* Check that parse(render(in)) gives in's ranges back. */
static void
ck_round_trip(const struct arch *a, const struct pt_ranges *in)
{
	struct strbuf sb = STRBUF_INIT;
	struct ptdump_dump d = { 0 };
	struct pts_err err = { 0 };
	uint32_t mask = ptdump_attrs_mask(ptdump_fmt_of_arch(a));

	ptdump_render(a, in, &sb);
	ck_assert_msg(ptdump_dump_parse(sb.buf, sb.len, a->id, &d, &err) == 0,
	    "%s: %s\n%s", a->id, err.msg, sb.buf);
	ck_assert_uint_eq(d.ranges.n, in->n);
	for (size_t i = 0; i < in->n; i++) {
		const struct pt_range *x = &in->v[i], *y = &d.ranges.v[i];

		ck_assert_msg(x->start == y->start && x->end == y->end &&
		    x->level == y->level && (x->flags & mask) == y->flags,
		    "%s range %zu: %#lx-%#lx lvl %d flags %#x became "
		    "%#lx-%#lx lvl %d flags %#x", a->id, i,
		    (unsigned long)x->start, (unsigned long)x->end, x->level,
		    x->flags & mask, (unsigned long)y->start,
		    (unsigned long)y->end, y->level, y->flags);
		if (x->pa != PT_UNKNOWN && d.fmt == PTDUMP_FMT_RISCV)
			ck_assert_uint_eq(x->pa, y->pa);
		if (x->marker)
			ck_assert_str_eq(x->marker, y->marker);
		/* tokens read from a dump come back as they were */
		if (x->attrs_ptdump)
			ck_assert_str_eq(x->attrs, y->attrs);
	}
	/* every marker, in order, at its VA (ranges that carry their own
	   r->marker only come back with a list) */
	if (in->nmarkers > 0)
		ck_assert_uint_eq(d.ranges.nmarkers, in->nmarkers);
	for (size_t i = 0; i < in->nmarkers; i++) {
		ck_assert_str_eq(d.ranges.markers[i].name, in->markers[i].name);
		ck_assert_uint_eq(d.ranges.markers[i].va, in->markers[i].va);
	}
	ptdump_dump_release(&d);
	strbuf_release(&sb);
}

/* The text with runs of blanks squeezed to one space. */
static char *
squeeze(const char *t)
{
	char *o = strdup(t), *w = o;

	for (const char *p = t; *p; p++)
		if (!(*p == ' ' && (w == o || w[-1] == ' ' || w[-1] == '\n' ||
		    p[1] == '\n')))
			*w++ = *p;
	*w = '\0';
	return o;
}

START_TEST(test_fixture_round_trip)
{
	static const char *const names[] = { "x86_64-kernel.txt",
	    "arm64-kernel_page_tables.txt", "riscv64-kernel_page_tables.txt",
	    "x86_64-5l-kernel.txt", "riscv64-sv48-kernel_page_tables.txt",
	    "arm64-4k-52-lpa2-pwndbg3285.txt",
	    "armv7-2l-efi_page_tables-lkml.txt",
	    "arm64-4k-48-linear-bbml2-blocks-lkml.txt",
	    "arm64-4k-48-linear-bbml2-ptes-lkml.txt",
	    "riscv-sv39-rsw-lkml.txt" };
	struct ptdump_dump d;

	for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
		parse_fixture(names[i], NULL, &d);
		ck_round_trip(d.arch, &d.ranges);
		ptdump_dump_release(&d);
	}
}
END_TEST

/* Present-only layouts (arm32, riscv) print no holes: rendering a parsed
   dump gives the kernel's own text back, blanks aside. */
START_TEST(test_fixture_text_round_trip)
{
	static const char *const names[] = {
	    "armv7-2l-efi_page_tables-lkml.txt",
	    "riscv64-kernel_page_tables.txt",
	    "riscv64-sv48-kernel_page_tables.txt", "riscv-sv39-rsw-lkml.txt" };

	for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
		struct strbuf in = STRBUF_INIT, out = STRBUF_INIT;
		struct ptdump_dump d;
		char *a, *b;

		fixture(names[i], &in);
		parse_fixture(names[i], NULL, &d);
		ptdump_render(d.arch, &d.ranges, &out);
		a = squeeze(in.buf);
		b = squeeze(out.buf);
		ck_assert_msg(strcmp(a, b) == 0, "%s:\n%s\n---\n%s", names[i],
		    a, b);
		free(a);
		free(b);
		ptdump_dump_release(&d);
		strbuf_release(&in);
		strbuf_release(&out);
	}
}
END_TEST

/*
 * A real arm32 dump (efi_page_tables, Linux 6.1-era arch/arm/mm/dump.c):
 * note_page() prints "%9lu%c %s" with the level name (PGD for sections
 * with CONFIG_PGTABLE_LEVELS 2, PTE for pages), then get_domain_name()'s
 * "KERNEL "/"IO     ", then dump_prot(): pte_bits[] USR/ro/RW, NX/"x ",
 * SHD and one L_PTE_MT_* name; section_bits[] have no memory type.
 * Only present ranges are printed (the 0x20195000-0x201a5000 gap).
 */
START_TEST(test_arm32_fixture)
{
	struct ptdump_dump d;
	const struct pt_range *v;

	parse_fixture("armv7-2l-efi_page_tables-lkml.txt", NULL, &d);
	v = d.ranges.v;
	ck_assert(d.guessed);
	ck_assert_str_eq(d.arch->id, "armv7-2l");
	ck_assert_int_eq(d.fmt, PTDUMP_FMT_ARM32);
	ck_assert_uint_eq(d.nlines, 22);
	ck_assert_uint_eq(d.ranges.n, 20);
	ck_assert_uint_eq(d.nholes, 0);
	ck_assert_uint_eq(d.nwarnings, 0);
	ck_assert_uint_eq(d.ranges.nmarkers, 2);
	ck_assert_str_eq(d.ranges.markers[0].name, "UEFI runtime start");
	ck_assert_uint_eq(d.ranges.markers[0].va, 0x20005000);
	/* the end marker follows the last line: at its end */
	ck_assert_str_eq(d.ranges.markers[1].name, "UEFI runtime end");
	ck_assert_uint_eq(d.ranges.markers[1].va, 0x24401000);
	/* 0x20112000 - 0x20005000 = 0x10d000 = 1076K */
	ck_range(&v[0], 0x20005000, 0x20112000, PT_PTE, P | PTF_WRITE,
	    "KERNEL RW NX SHD MEM/CACHED/WBWA", "UEFI runtime start");
	ck_assert_uint_eq(v[0].pages, 269);
	ck_range(&v[1], 0x20112000, 0x20114000, PT_PTE, P | PTF_EXEC,
	    "KERNEL ro x SHD MEM/CACHED/WBWA", NULL);
	/* 64M of 1 MiB sections, first-level entries: pgd */
	ck_range(&v[18], 0x20400000, 0x24400000, PT_PGD, P | PTF_WRITE,
	    "IO RW NX SHD", NULL);
	ck_range(&v[19], 0x24400000, 0x24401000, PT_PTE,
	    P | PTF_WRITE | PTF_DEVICE | PTF_NOCACHE,
	    "IO RW NX SHD DEV/SHARED", NULL);
	ptdump_dump_release(&d);
}
END_TEST

/* Older kernels printed no level name and no domain (v4.x dump.c): a line
   with a memory type is a pte, one without is a section; LPAE names its
   sections PMD. */
START_TEST(test_arm32_old_and_lpae)
{
	const char *old = "---[ Kernel Mapping ]---\n"
	    "0xc0000000-0xc0100000           1M     RW NX SHD\n"
	    "0xc0100000-0xc0900000           8M     ro x  SHD\n"
	    "0xffff0000-0xffff1000           4K USR ro x  SHD MEM/CACHED/WBWA\n";
	const char *lpae = "0xc0000000-0xc0200000           2M PMD     RW NX SHD\n"
	    "0xc0200000-0xc0201000           4K PTE     RW NX SHD "
	    "MEM/CACHED/WBWA\n";
	struct ptdump_dump d = { 0 };
	struct pts_err err = { 0 };

	ck_assert_msg(ptdump_dump_parse(old, strlen(old), NULL, &d, &err) == 0,
	    "%s", err.msg);
	ck_assert_str_eq(d.arch->id, "armv7-2l");	/* 1 MiB section */
	ck_assert_uint_eq(d.ranges.n, 3);
	ck_assert_int_eq(d.ranges.v[0].level, PT_PGD);
	ck_assert_int_eq(d.ranges.v[1].flags, P | PTF_EXEC);
	ck_assert_int_eq(d.ranges.v[2].level, PT_PTE);
	ck_assert_int_eq(d.ranges.v[2].flags, P | PTF_USER | PTF_EXEC);
	ptdump_dump_release(&d);
	memset(&d, 0, sizeof d);
	ck_assert_msg(ptdump_dump_parse(lpae, strlen(lpae), NULL, &d, &err) ==
	    0, "%s", err.msg);
	ck_assert_str_eq(d.arch->id, "armv7-lpae");
	ck_assert_int_eq(d.ranges.v[0].level, PT_PMD);
	ptdump_dump_release(&d);
}
END_TEST

/* An x86_64 5-level dump of holes and markers only (a kernel whose walk
   met no present entry in the part shown): the render keeps every marker,
   in order, and is not empty. */
START_TEST(test_holes_and_markers_only)
{
	const char *t = "---[ User Space ]---\n"
	    "0x0000000000000000-0x0100000000000000          64P"
	    "                               pgd\n"
	    "---[ Kernel Space ]---\n"
	    "0xff00000000000000-0xff10000000000000           4P"
	    "                               pgd\n"
	    "---[ LDT remap ]---\n"
	    "0xff10000000000000-0xff11000000000000         256T"
	    "                               pgd\n"
	    "---[ Low Kernel Mapping ]---\n"
	    "0xff11000000000000-0xff12000000000000         256T"
	    "                               pgd\n";
	struct ptdump_dump d = { 0 };
	struct pts_err err = { 0 };
	struct strbuf sb = STRBUF_INIT;
	const char *p;

	ck_assert_msg(ptdump_dump_parse(t, strlen(t), "x86_64-5l", &d, &err) ==
	    0, "%s", err.msg);
	ck_assert_uint_eq(d.ranges.n, 0);
	ck_assert_uint_eq(d.ranges.nmarkers, 4);
	ck_assert_uint_eq(d.ranges.markers[3].va, 0xff11000000000000);
	ptdump_render(d.arch, &d.ranges, &sb);
	ck_assert_uint_gt(sb.len, 0);
	p = strstr(sb.buf, "---[ User Space ]---\n0x0000000000000000-");
	ck_assert_ptr_nonnull(p);
	p = strstr(p, "---[ Kernel Space ]---\n0xff00000000000000-");
	ck_assert_ptr_nonnull(p);
	p = strstr(p, "---[ LDT remap ]---\n0xff10000000000000-");
	ck_assert_ptr_nonnull(p);
	ck_assert_ptr_nonnull(strstr(p, "---[ Low Kernel Mapping ]---\n"
	    "0xff11000000000000-"));
	ck_round_trip(d.arch, &d.ranges);
	ptdump_dump_release(&d);
	strbuf_release(&sb);
}
END_TEST

/* Append a synthetic range. */
static void
add(struct pt_ranges *rs, uint64_t start, uint64_t end, enum pt_level lv,
    uint32_t flags, uint64_t pa, const char *marker)
{
	struct pt_range *r = pt_ranges_add(rs, NULL);

	r->start = start;
	r->end = end;
	r->level = lv;
	r->flags = flags;
	r->pa = pa;
	r->pages = (end - start) >> 12;
	r->marker = marker ? strdup(marker) : NULL;
}

START_TEST(test_synthetic_round_trip)
{
	struct pt_ranges rs = { 0 };
	const uint32_t urw = P | PTF_USER | PTF_WRITE | PTF_ACCESSED |
	    PTF_DIRTY | PTF_ANON;
	const uint32_t urx = P | PTF_USER | PTF_EXEC | PTF_ACCESSED;

	/* user text, heap, a THP, a 1 GiB page, then kernel ranges */
	add(&rs, 0x400000, 0x401000, PT_PTE, urx, 0x1234000, "User Space");
	add(&rs, 0x401000, 0x403000, PT_PTE, urw, 0x2000000, NULL);
	add(&rs, 0x7f0000200000, 0x7f0000400000, PT_PMD, urw | PTF_THP,
	    0x40000000, NULL);
	add(&rs, 0x7f0040000000, 0x7f0080000000, PT_PUD, urw, 0x80000000,
	    NULL);
	add(&rs, 0x7ffffffde000, 0x7ffffffff000, PT_PTE, urw, 0x3000000, NULL);
	ck_round_trip(arch_find("x86_64-4l"), &rs);
	ck_round_trip(arch_find("arm64-4k-48"), &rs);
	ck_round_trip(arch_find("riscv-sv48"), &rs);
	add(&rs, 0xffffffff81000000, 0xffffffff81200000, PT_PMD,
	    P | PTF_GLOBAL | PTF_EXEC, 0x1000000, "Kernel");
	add(&rs, 0xfffffffffff00000, 0, PT_PTE, P | PTF_GLOBAL | PTF_WRITE |
	    PTF_NOCACHE, 0x1000000, NULL);
	ck_round_trip(arch_find("x86_64-4l"), &rs);
	ck_round_trip(arch_find("riscv-sv48"), &rs);
	pt_ranges_release(&rs);
}
END_TEST

START_TEST(test_round_trip_32bit)
{
	struct pt_ranges rs = { 0 };
	struct strbuf sb = STRBUF_INIT;

	/* a 4 MiB x86-32 page (the kernel names it pmd: pgd's level below
	   is folded) and a page at the very top: 32-bit dumps print the
	   end of the last range as 0x00000000 */
	add(&rs, 0xc0000000, 0xc0400000, PT_PGD, P | PTF_WRITE | PTF_GLOBAL,
	    PT_UNKNOWN, NULL);
	add(&rs, 0xfffff000, 0x100000000, PT_PTE, P | PTF_GLOBAL, PT_UNKNOWN,
	    NULL);
	ck_round_trip(arch_find("x86-32"), &rs);
	ptdump_render(arch_find("x86-32"), &rs, &sb);
	ck_assert_ptr_nonnull(strstr(sb.buf, "0xc0000000-0xc0400000   "
	    "        4M     RW         PSE     GLB NX pmd\n"));
	ck_assert_ptr_nonnull(strstr(sb.buf, "0xfffff000-0x00000000   "));
	pt_ranges_release(&rs);
	strbuf_release(&sb);
	/* armv7-2l: a 1 MiB section is half of a 2 MiB pgd entry */
	add(&rs, 0xb6b00000, 0xb6c00000, PT_PGD, P | PTF_USER | PTF_WRITE,
	    PT_UNKNOWN, NULL);
	ck_round_trip(arch_find("armv7-2l"), &rs);
	pt_ranges_release(&rs);
}
END_TEST

START_TEST(test_render_x86_line)
{
	struct pt_ranges rs = { 0 };
	struct strbuf sb = STRBUF_INIT;

	add(&rs, 0xffffffff81000000, 0xffffffff82200000, PT_PMD,
	    P | PTF_GLOBAL | PTF_EXEC, PT_UNKNOWN, "High Kernel Mapping");
	ptdump_render(arch_find("x86_64-4l"), &rs, &sb);
	/* the exact line of the fixture, column for column */
	ck_assert_ptr_nonnull(strstr(sb.buf, "---[ High Kernel Mapping ]---\n"
	    "0xffffffff81000000-0xffffffff82200000          18M     ro"
	    "         PSE     GLB x  pmd\n"));
	/* the holes around it: the rest of the 2 MiB-aligned tail to 2^64 */
	ck_assert_ptr_nonnull(strstr(sb.buf, "0xffffffffc0000000-"
	    "0x0000000000000000           1G                               "
	    "pud\n"));
	pt_ranges_release(&rs);
	strbuf_release(&sb);
}
END_TEST

/* A space over a fixture. */
static struct space *
fixture_space(const char *name)
{
	struct strbuf sb = STRBUF_INIT;
	struct pts_err err = { 0 };
	struct space *s = NULL;

	fixture(name, &sb);
	ck_assert_msg(ptdump_parse(sb.buf, sb.len, NULL, &s, &err) == 0, "%s",
	    err.msg);
	strbuf_release(&sb);
	ck_assert_str_eq(s->ops->kind, "ptdump");
	ck_assert(!s->live);
	return s;
}

START_TEST(test_tree_x86)
{
	struct space *s = fixture_space("x86_64-kernel.txt");
	struct pt_node *n = NULL;
	struct pts_err err = { 0 };
	static const unsigned idx[] = { 273, 402, 468, 508, 510, 511 };

	ck_assert_int_eq(s->ops->tree(s, PT_PGD, 0, 1, &n, &err), 0);
	ck_assert(n->expanded);
	ck_assert_uint_eq(n->table_pa, PT_UNKNOWN);
	/* pgd indices: (va >> 39) & 511 of 0xffff888..., 0xffffc9...,
	   0xffffea..., 0xfffffe..., 0xffffff46..., 0xffffffff8... */
	ck_assert_uint_eq(n->nchildren, 6);
	for (int i = 0; i < 6; i++) {
		ck_assert_uint_eq(n->children[i].index, idx[i]);
		ck_assert_int_eq(n->children[i].kind, PT_KIND_TABLE);
		ck_assert_uint_eq(n->children[i].entry, PT_UNKNOWN);
		ck_assert(!n->children[i].table->expanded);
	}
	ck_assert_uint_eq(n->children[0].va, 0xffff888000000000);
	/* sum of the pages of the 28 ranges */
	ck_assert_uint_eq(n->stats.present_pages, 1073184);
	/* pmd leaves in 2 MiB units plus the one 1 GiB pud leaf */
	ck_assert_uint_eq(n->stats.blocks, 1583);
	/* 1 pgd + 6 pud + 9 pmd + 7 pte tables */
	ck_assert_uint_eq(n->stats.tables, 23);
	pt_node_free(n);

	ck_assert_int_eq(s->ops->tree(s, PT_PMD, 0xffff888000123000, 1, &n,
	    &err), 0);
	ck_assert_uint_eq(n->va, 0xffff888000000000);
	ck_assert_uint_eq(n->nchildren, 512);
	ck_assert_int_eq(n->children[0].kind, PT_KIND_TABLE);
	ck_assert_int_eq(n->children[1].kind, PT_KIND_BLOCK);
	ck_assert_uint_eq(n->children[1].size, 0x200000);
	ck_assert_str_eq(n->children[1].attrs, "RW PSE GLB NX");
	ck_assert_uint_eq(n->stats.present_pages, 262144);
	ck_assert_uint_eq(n->stats.tables, 2);
	pt_node_free(n);

	/* a pmd leaf covers it: there is no pte table */
	ck_assert_int_eq(s->ops->tree(s, PT_PTE, 0xffff888000400000, 0, &n,
	    &err), PTS_ENOENT);
	ck_assert_str_eq(err.id, "no_such_table");
	ck_assert_int_eq(s->ops->tree(s, PT_P4D, 0, 0, &n, &err), PTS_EINVAL);
	space_free(s);
}
END_TEST

START_TEST(test_walk)
{
	struct space *s = fixture_space("x86_64-kernel.txt");
	struct pt_walk w;
	struct pts_err err = { 0 };

	ck_assert_int_eq(s->ops->walk(s, 0xffff888000001000, &w, &err), 0);
	ck_assert(w.mapped);
	ck_assert_uint_eq(w.nsteps, 4);
	ck_assert_int_eq(w.steps[0].kind, PT_KIND_TABLE);
	ck_assert_int_eq(w.steps[3].kind, PT_KIND_PAGE);
	ck_assert_uint_eq(w.steps[3].index, 1);
	ck_assert_uint_eq(w.page_size, 4096);
	ck_assert_uint_eq(w.pa, PT_UNKNOWN);
	ck_assert_int_eq(s->ops->walk(s, 0xffff888000400000, &w, &err), 0);
	ck_assert_uint_eq(w.nsteps, 3);
	ck_assert_int_eq(w.steps[2].kind, PT_KIND_BLOCK);
	ck_assert_uint_eq(w.page_size, 0x200000);
	/* the 1 GiB hole at pud level after the first 3 GiB */
	ck_assert_int_eq(s->ops->walk(s, 0xffff8880c0000000, &w, &err), 0);
	ck_assert(!w.mapped);
	ck_assert_uint_eq(w.nsteps, 2);
	ck_assert_int_eq(w.steps[1].kind, PT_KIND_NONE);
	ck_assert_int_eq(s->ops->walk(s, 0x1000, &w, &err), 0);
	ck_assert_uint_eq(w.nsteps, 1);
	ck_assert_int_eq(s->ops->walk(s, 0x0000900000000000, &w, &err),
	    PTS_EINVAL);
	space_free(s);

	s = fixture_space("riscv64-kernel_page_tables.txt");
	ck_assert_int_eq(s->ops->walk(s, 0xffffffd640001000, &w, &err), 0);
	ck_assert(w.mapped);
	ck_assert_uint_eq(w.nsteps, 1);
	ck_assert_uint_eq(w.page_size, 0x40000000);
	ck_assert_uint_eq(w.pa, 0xc0001000);
	space_free(s);
}
END_TEST

START_TEST(test_arm64_root)
{
	struct space *s = fixture_space("arm64-kernel_page_tables.txt");
	struct pt_node *n = NULL;
	struct pt_ranges rs = { 0 };
	struct pts_err err = { 0 };

	/* pgd:0x0 of a kernel-only dump is the TTBR1 root */
	ck_assert_int_eq(s->ops->tree(s, PT_PGD, 0, 1, &n, &err), 0);
	ck_assert_uint_eq(n->va, 0xffff000000000000);
	/* pgd indices 0 (linear map), 256 (modules, vmalloc), 503
	   (0xfffffb8..., fixmap and PCI I/O) and 504 (vmemmap) */
	ck_assert_uint_eq(n->nchildren, 4);
	ck_assert_uint_eq(n->children[1].index, 256);
	ck_assert_uint_eq(n->children[3].index, 504);
	pt_node_free(n);
	ck_assert_int_eq(s->ops->ranges(s, &rs, &err), 0);
	ck_assert_uint_eq(rs.n, 17);
	ck_assert_str_eq(rs.v[3].attrs, "F RW NX SHD AF UXN MEM/NORMAL");
	pt_ranges_release(&rs);
	space_free(s);
}
END_TEST

/* Parse text expecting code; returns the message. */
static const char *
bad(const char *text, size_t len, const char *arch, int code,
    const char *id)
{
	static struct pts_err err;
	struct space *s = NULL;

	memset(&err, 0, sizeof err);
	ck_assert_int_eq(ptdump_parse(text, len, arch, &s, &err), code);
	ck_assert_ptr_null(s);
	ck_assert_str_eq(err.id, id);
	return err.msg;
}

#define BAD(text, needle) \
	ck_assert_msg(strstr(bad(text, strlen(text), NULL, PTS_EINVAL, \
	    "bad_ptdump"), needle) != NULL, "message lacks '%s'", needle)

#define L1 "0xffff888000000000-0xffff888000200000           2M     RW" \
	"                 GLB NX pte\n"

START_TEST(test_bad_input)
{
	char *big;

	bad("", 0, NULL, PTS_EINVAL, "empty_ptdump");
	bad(" \n\n", 3, NULL, PTS_EINVAL, "empty_ptdump");
	BAD("---[ A ]---\n", "line 2: expected at least one range");
	BAD(L1 "0xffff888000200000-", "line 2: expected '-0x");
	BAD(L1 "0xffff888000200000-0xffff888000400000", "line 2: expected a "
	    "size");
	BAD("0xffff888000000000-0xffff888000200000  2Q  RW NX pte\n",
	    "line 1: unknown size unit 'Q'");
	BAD("0xffff888000000000-0xffff888000200000  3M  RW NX pte\n",
	    "line 1: expected the size of");
	BAD("0xffff888000000000-0xffff888000200000  1M  RW NX pte\n",
	    "line 1: expected the size of");
	/* the kernel prints both addresses of a line at one width (note_page()
	   "0x%0*lx-0x%0*lx"): an 8-digit end 0 after a 16-digit start is not
	   a 32-bit dump's 2^32 */
	BAD("0x00000000fffff000-0x00000000  4K  RW NX pte\n",
	    "line 1: expected the size of 0xfffff000-0x0");
	/* the kernel prints a range once it has ended (note_page(),
	   mm/ptdump.c): never one of 0 bytes */
	BAD(L1 "0xffff888000200000-0xffff888000200000  0K  RW NX pte\n",
	    "line 2: expected the size of");
	BAD(L1 L1, "line 2: expected a range starting at or above "
	    "0xffff888000200000");
	BAD("0xffff888000001000-0xffff888000201000  2M  RW PSE NX pmd\n",
	    "line 1: expected a pmd range to start and end on a 0x200000");
	BAD("0xffff888000000000-0xffff888000200000  2M  RW NX pgx\n",
	    "line 1: expected a level name");
	BAD(L1 "0xffff888000200000-0xffff888000400000  2M PTE RW\n",
	    "line 2: expected a range line in the x86 layout");
	BAD(L1 "hello\n", "line 2: expected a range line");
	BAD(L1 "---[ x\n", "line 2: expected a section marker");
	BAD(L1 "... many entries skipped ...\n", "line 2: expected '... N");
	BAD("\x7f" "ELF\x01\x02\n", "line 1: expected text, found the byte "
	    "0x7f");
	ck_assert_ptr_nonnull(strstr(bad(L1 "\0" L1, sizeof(L1 L1), NULL,
	    PTS_EINVAL, "bad_ptdump"), "line 2: expected text, found the byte "
	    "0x00"));
	BAD("0xffffffffffe00000-0x0000000000000000  2M  RW NX pmd\n"
	    "0x0000000000000000-0x0000000000200000  2M  RW NX pmd\n",
	    "line 2: expected no range after line 1");
	/* non-canonical with 48 bits: valid only when 5-level is guessed */
	ck_assert_ptr_nonnull(strstr(bad("0x0000900000000000-0x0000900000001000"
	    "  4K  RW NX pte\n", 53, "x86_64-4l", PTS_EINVAL, "bad_ptdump"),
	    "line 1: expected addresses inside"));
	ck_assert_ptr_nonnull(strstr(bad(L1, strlen(L1), "arm64-4k-48",
	    PTS_EINVAL, "bad_ptdump"), "x86 ptdump layout, which arch "
	    "arm64-4k-48"));
	bad(L1, strlen(L1), "vax", PTS_EINVAL, "unknown_arch");
	big = malloc(PTDUMP_MAX_TEXT + 1);
	memset(big, ' ', PTDUMP_MAX_TEXT + 1);
	bad(big, PTDUMP_MAX_TEXT + 1, NULL, PTS_E2BIG, "ptdump_too_large");
	free(big);
}
END_TEST

START_TEST(test_unknown_token)
{
	const char *t = "0xffff888000000000-0xffff888000200000  2M  RW FOO GLB"
	    " NX pte\n";
	struct ptdump_dump d = { 0 };
	struct pts_err err = { 0 };

	ck_assert_int_eq(ptdump_dump_parse(t, strlen(t), NULL, &d, &err), 0);
	ck_assert_uint_eq(d.nwarnings, 1);
	ck_assert_str_eq(d.warning, "line 1: unknown attribute token 'FOO' "
	    "(kept)");
	ck_assert_str_eq(d.ranges.v[0].attrs, "RW FOO GLB NX");
	ck_assert_uint_eq(d.ranges.v[0].flags, P | PTF_WRITE | PTF_GLOBAL);
	ptdump_dump_release(&d);
}
END_TEST

/*
 * A real FEAT_LPA2 dump (pwndbg issue #3285, QEMU -cpu max, 4K pages,
 * 52-bit VA): the linear map starts at -(1 << 52) = 0xfff0000000000000
 * (arch/arm64/include/asm/memory.h _PAGE_OFFSET(VA_BITS)), there is a P4D
 * level (5 levels: ARM64_HW_PGTABLE_LEVELS(52) = (52 - 4) / 9 = 5 in
 * pgtable-hwdef.h) and no SHD token (PTE_MAYBE_SHARED is 0 with LPA2,
 * pgtable-prot.h).
 */
START_TEST(test_arm64_lpa2_fixture)
{
	struct ptdump_dump d;
	const struct pt_range *v;
	const uint32_t kdata = P | PTF_WRITE | PTF_GLOBAL | PTF_ACCESSED |
	    PTF_PXN;

	parse_fixture("arm64-4k-52-lpa2-pwndbg3285.txt", NULL, &d);
	v = d.ranges.v;
	ck_assert(d.guessed);
	ck_assert_str_eq(d.arch->id, "arm64-4k-52");
	ck_assert_uint_eq(d.nlines, 28);
	ck_assert_uint_eq(d.nholes, 10);	/* 27 range lines, 10 empty */
	ck_assert_uint_eq(d.ranges.n, 17);
	ck_assert_uint_eq(d.nwarnings, 0);
	/* MEM/NORMAL-TAGGED (MT_NORMAL_TAGGED, MTE) kept as printed */
	ck_range(&v[0], 0xfff0000000000000, 0xfff0000000210000, PT_PTE,
	    kdata, "RW NX AF UXN MEM/NORMAL-TAGGED", "Linear Mapping start");
	/* 0x210000 = 2112K: 528 pages */
	ck_assert_uint_eq(v[0].pages, 528);
	ck_range(&v[2], 0xfff0000000400000, 0xfff0000002200000, PT_PMD,
	    P | PTF_GLOBAL | PTF_ACCESSED | PTF_PXN,
	    "ro NX AF BLK UXN MEM/NORMAL", NULL);
	ck_range(&v[9], 0xffff800082da5000, 0xffff800082da6000, PT_PTE,
	    kdata | PTF_DEVICE, "RW NX AF UXN DEVICE/nGnRE", NULL);
	ptdump_dump_release(&d);
}
END_TEST

/*
 * Two real arm64 linear maps of one 12 GiB AmpereOne VM (lkml, BBML2
 * series): with large blocks, 4 GiB and 5 GiB runs of 1 GiB PUD blocks
 * ("BLK", pgtable-hwdef.h PUD_TYPE_SECT) and 960M of contiguous PMDs
 * ("CON BLK": 16 x 2M, CONT_PMD_SHIFT 4); repainted to ptes, one 5264452K
 * run of 4K pages.  Hand-read: 0x140000000 - 0x40000000 = 4G = 1048576
 * pages; 0x143a61000 - 0x2550000 = 0x141511000 = 5264452K.
 */
/* arch/riscv/mm/ptdump.c dump_prot(): RSW(n) for the two software bits
   (_PAGE_SOFT, 9:8), MT(IO) for Svpbmt IO (62:61 = 2); a real dump. */
START_TEST(test_riscv_rsw_fixture)
{
	struct ptdump_dump d;

	parse_fixture("riscv-sv39-rsw-lkml.txt", NULL, &d);
	ck_assert_str_eq(d.arch->id, "riscv-sv39");
	ck_assert_uint_eq(d.ranges.n, 6);
	ck_assert_uint_eq(d.nwarnings, 0);
	ck_assert_uint_eq(d.ranges.v[2].pa, 0x100d80000);
	ck_assert_str_eq(d.ranges.v[2].attrs, ". .. RSW(2) D A G . . W R V");
	ck_assert_uint_eq(d.ranges.v[1].flags & (PTF_DEVICE | PTF_NOCACHE),
	    PTF_DEVICE | PTF_NOCACHE);
	ptdump_dump_release(&d);
}
END_TEST

START_TEST(test_arm64_bbml2_fixtures)
{
	const uint32_t kdata = P | PTF_WRITE | PTF_GLOBAL | PTF_ACCESSED |
	    PTF_PXN;
	struct ptdump_dump d;

	parse_fixture("arm64-4k-48-linear-bbml2-blocks-lkml.txt", NULL, &d);
	ck_assert_str_eq(d.arch->id, "arm64-4k-48");
	ck_assert_uint_eq(d.ranges.n, 39);
	ck_assert_uint_eq(d.nholes, 2);
	ck_range(&d.ranges.v[7], 0xffff000004000000, 0xffff000040000000,
	    PT_PMD, kdata | PTF_CONT,
	    "RW NX SHD AF CON BLK UXN MEM/NORMAL-TAGGED", NULL);
	ck_range(&d.ranges.v[8], 0xffff000040000000, 0xffff000140000000,
	    PT_PUD, kdata, "RW NX SHD AF BLK UXN MEM/NORMAL-TAGGED", NULL);
	ck_assert_uint_eq(d.ranges.v[8].pages, 1048576);
	ck_assert_uint_eq(d.ranges.nmarkers, 2);
	ck_assert_str_eq(d.ranges.markers[1].name, "Linear Mapping end");
	ck_assert_uint_eq(d.ranges.markers[1].va, 0xffff800000000000);
	ptdump_dump_release(&d);
	parse_fixture("arm64-4k-48-linear-bbml2-ptes-lkml.txt", NULL, &d);
	ck_assert_str_eq(d.arch->id, "arm64-4k-48");
	ck_assert_uint_eq(d.ranges.n, 9);
	ck_range(&d.ranges.v[4], 0xffff000002550000, 0xffff000143a61000,
	    PT_PTE, kdata, "RW NX SHD AF UXN MEM/NORMAL-TAGGED", NULL);
	ck_assert_uint_eq(d.ranges.v[4].pages, 5264452 / 4);
	ptdump_dump_release(&d);
}
END_TEST

/* The guess reads the VA size off the lowest kernel address and the
   granule off the page and block boundaries (pgtable-hwdef.h). */
START_TEST(test_guess_arm64)
{
	static const struct { const char *text, *arch; } cases[] = {
		/* -(1 << 52), 16K pages, 32M block: 16K/52 */
		{ "0xfff0000000000000-0xfff0000002000000   32M PMD   RW NX AF"
		  "   BLK UXN    MEM/NORMAL\n"
		  "0xfff0000002000000-0xfff0000002004000   16K PTE   RW NX AF"
		  "   UXN    MEM/NORMAL\n", "arm64-16k-52" },
		/* -(1 << 52) with 64K pages: FEAT_LVA, 64K/52 */
		{ "0xfff0000000000000-0xfff0000000010000   64K PTE   RW NX SHD"
		  " AF   UXN    MEM/NORMAL\n", "arm64-64k-52" },
		/* -(1 << 39), 4K pages: 4K/39 */
		{ "0xffffff8000000000-0xffffff8000001000    4K PTE   RW NX SHD"
		  " AF   UXN    MEM/NORMAL\n", "arm64-4k-39" },
		/* -(1 << 48) with a 4K page: 4K/48 */
		{ "0xffff000000000000-0xffff000000001000    4K PTE   RW NX SHD"
		  " AF   UXN    MEM/NORMAL\n", "arm64-4k-48" },
	};

	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		struct ptdump_dump d = { 0 };
		struct pts_err err = { 0 };

		ck_assert_msg(ptdump_dump_parse(cases[i].text,
		    strlen(cases[i].text), NULL, &d, &err) == 0, "%s", err.msg);
		ck_assert_str_eq(d.arch->id, cases[i].arch);
		ptdump_dump_release(&d);
	}
}
END_TEST

START_TEST(test_guess)
{
	const char *t5 = "0xff11000000000000-0xff11000000001000  4K  RW NX pte\n";
	const char *sv48 = "0xffffaf8000000000-0xffffaf8000001000    "
	    "0x0000000080000000         4K PTE . .. .. D A G . . W R V\n";
	struct ptdump_dump d = { 0 };
	struct pts_err err = { 0 };

	ck_assert_int_eq(ptdump_dump_parse(t5, strlen(t5), NULL, &d, &err), 0);
	ck_assert_str_eq(d.arch->id, "x86_64-5l");
	ptdump_dump_release(&d);
	memset(&d, 0, sizeof d);
	ck_assert_int_eq(ptdump_dump_parse(sv48, strlen(sv48), NULL, &d, &err),
	    0);
	ck_assert_str_eq(d.arch->id, "riscv-sv48");
	ptdump_dump_release(&d);
}
END_TEST

/* Write text to dir/name. */
static void
write_file(const char *dir, const char *name, const char *text, size_t len)
{
	char path[4096];
	FILE *f;

	snprintf(path, sizeof path, "%s/%s", dir, name);
	ck_assert_ptr_nonnull(f = fopen(path, "w"));
	ck_assert_uint_eq(fwrite(text, 1, len, f), len);
	fclose(f);
}

START_TEST(test_debugfs)
{
	char dir[] = "/tmp/ptscope-debugfs-XXXXXX", sub[64], why[200];
	struct ptdump_source src[4];
	struct strbuf sb = STRBUF_INIT;
	struct pts_err err = { 0 };
	struct space *s = NULL;
	struct space_info si = { 0 };
	uint64_t gen;

	ck_assert_ptr_nonnull(mkdtemp(dir));
	ck_assert_int_eq(ptdump_debugfs_probe_at(dir, src, 4, why, sizeof why),
	    0);
	ck_assert_ptr_nonnull(strstr(why, "CONFIG_PTDUMP_DEBUGFS"));
	snprintf(sub, sizeof sub, "%s/page_tables", dir);
	ck_assert_int_eq(mkdir(sub, 0755), 0);
	fixture("x86_64-kernel.txt", &sb);
	write_file(sub, "kernel", sb.buf, sb.len);
	write_file(sub, "efi", L1, strlen(L1));
	ck_assert_int_eq(ptdump_debugfs_probe_at(dir, src, 4, why, sizeof why),
	    2);
	ck_assert_str_eq(src[0].id, "kernel");
	ck_assert_str_eq(src[1].id, "efi");
	ck_assert_int_eq(ptdump_debugfs_space(&src[0], &s, &err), 0);
	ck_assert_str_eq(s->ops->kind, "kernel");
	ck_assert(s->live);
	s->ops->info(s, &si);
	ck_assert_str_eq(si.f[0].key, "ptdump.format");
	ck_assert_str_eq(si.f[0].s, "x86");
	gen = s->generation;
	ck_assert_int_eq(s->ops->refresh(s, &err), 0);
	ck_assert_uint_eq(s->generation, gen);
	/* the kernel mapped something new: the space follows */
	write_file(sub, "kernel", L1, strlen(L1));
	ck_assert_int_eq(s->ops->refresh(s, &err), 0);
	ck_assert_uint_eq(s->generation, gen + 1);
	/* a broken re-read keeps the old ranges */
	write_file(sub, "kernel", "junk\n", 5);
	ck_assert_int_eq(s->ops->refresh(s, &err), PTS_EINVAL);
	ck_assert_uint_eq(s->generation, gen + 1);
	space_free(s);
	strbuf_release(&sb);
	snprintf(sub, sizeof sub, "rm -rf %s", dir);
	ck_assert_int_eq(system(sub), 0);
}
END_TEST

/* The ptdump suite. */
static Suite *
ptdump_suite(void)
{
	Suite *s = suite_create("ptdump");
	TCase *tc = tcase_create("parse");

	tcase_add_test(tc, test_x86_fixture);
	tcase_add_test(tc, test_arm64_fixture);
	tcase_add_test(tc, test_riscv_fixture);
	tcase_add_test(tc, test_bad_input);
	tcase_add_test(tc, test_unknown_token);
	tcase_add_test(tc, test_guess);
	tcase_add_test(tc, test_guess_arm64);
	tcase_add_test(tc, test_arm64_lpa2_fixture);
	tcase_add_test(tc, test_arm64_bbml2_fixtures);
	tcase_add_test(tc, test_riscv_rsw_fixture);
	suite_add_tcase(s, tc);
	tc = tcase_create("render");
	tcase_add_test(tc, test_fixture_round_trip);
	tcase_add_test(tc, test_fixture_text_round_trip);
	tcase_add_test(tc, test_arm32_fixture);
	tcase_add_test(tc, test_arm32_old_and_lpae);
	tcase_add_test(tc, test_holes_and_markers_only);
	tcase_add_test(tc, test_synthetic_round_trip);
	tcase_add_test(tc, test_round_trip_32bit);
	tcase_add_test(tc, test_render_x86_line);
	suite_add_tcase(s, tc);
	tc = tcase_create("space");
	tcase_add_test(tc, test_tree_x86);
	tcase_add_test(tc, test_walk);
	tcase_add_test(tc, test_arm64_root);
	tcase_add_test(tc, test_debugfs);
	suite_add_tcase(s, tc);
	return s;
}

/* Run the suite; exit status 0 when every test passed. */
int
main(void)
{
	SRunner *sr = srunner_create(ptdump_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
