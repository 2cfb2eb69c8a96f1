/* SPDX-License-Identifier: MIT */
/*
 * check_sim.c: the simulated backend.  Every expected index and descriptor
 * below is derived by hand from the architecture's bit layout (comments
 * show the arithmetic); the physical addresses come from the walk and only
 * the bits around them are checked against literal values.
 */
#include "config.h"

#include <check.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "desc.h"
#include "sim.h"
#include "zones.h"

/* A sim space or a failed test. */
static struct space *
mk(const char *arch, const char *scen, unsigned ram_mb)
{
	struct pts_err err;
	struct space *s = NULL;
	int rc = sim_space_new(arch, scen, ram_mb, &s, &err);

	ck_assert_msg(rc == 0, "%s/%s: %s", arch, scen, err.msg);
	return s;
}

/* Run one op. */
static int
op(struct space *s, enum space_op_kind kind, uint64_t va, uint64_t size,
    unsigned prot, bool user, const char *ps, struct space_op_result *res,
    struct pts_err *err)
{
	struct space_op o = { .kind = kind, .va = va, .size = size,
	    .prot = prot, .user = user, .page_size = ps, .global = !user };
	struct space_op_result tmp;

	return s->ops->op(s, &o, res ? res : &tmp, err);
}

/* Map that must succeed. */
static struct space_op_result
map_ok(struct space *s, uint64_t va, uint64_t size, unsigned prot, bool user,
    const char *ps)
{
	struct space_op_result r;
	struct pts_err err;
	int rc = op(s, SPACE_OP_MAP, va, size, prot, user, ps, &r, &err);

	ck_assert_msg(rc == 0, "map 0x%" PRIx64 ": %s", va, err.msg);
	return r;
}

/* Walk that must succeed. */
static struct pt_walk
walk(struct space *s, uint64_t va)
{
	struct pt_walk w;
	struct pts_err err;

	ck_assert_int_eq(s->ops->walk(s, va, &w, &err), 0);
	return w;
}

#define RW (SPACE_PROT_R | SPACE_PROT_W)

/* ---- walks on every arch --------------------------------------------------- */

enum tfmt { T_X86, T_X86_PAE, T_LONG, T_RISCV, T_ARMV7, T_A64, T_LPA2 };

struct wcase {
	const char *arch;
	uint64_t va;
	unsigned n;
	unsigned idx[5];
	uint64_t leaf;		/* entry = output address field | leaf */
	enum tfmt tf;
};

/*
 * A user read-write page, written once (dirty), per arch:
 *  x86 (4/5-level, PAE): P|RW|US|A|D = 0x067, NX = bit 63;
 *  x86-32: 0x067, no NX bit exists;
 *  arm64: page 0b11 | AP[1] 0x40 | SH 0x300 | AF 0x400 | nG 0x800 = 0xf43,
 *         DBM/WRITE 51, PXN 53, UXN 54, DIRTY 55 -> 0x00e8 << 48;
 *  LPAE: 0b11 | AttrIndx 7 (0x1c) | AP[1] 0x40 | SH | AF | nG = 0xf5f,
 *         XN 54, DIRTY 55 -> 0x00c0 << 48;
 *  RISC-V: V|R|W|U|A|D = 0xd7, PPN at bit 10;
 *  armv7-2l: Linux PTE VALID|YOUNG|WRITEALLOC(0x1c)|DIRTY|USER|XN|SHARED
 *         = 0x75f.
 * Indices: (va >> shift) & (entries - 1), e.g. x86_64-4l 0x7f1234567000:
 * >>39 = 0xfe = 254, >>30 & 511 = 0x48 = 72, >>21 & 511 = 0x1a2 = 418,
 * >>12 & 511 = 0x167 = 359.
 */
static const struct wcase wcases[] = {
	{ "x86_64-4l", 0x7f1234567000, 4, { 254, 72, 418, 359 },
	    0x8000000000000067, T_X86 },
	{ "x86_64-5l", 0x00ff123456789000, 5, { 255, 36, 209, 179, 393 },
	    0x8000000000000067, T_X86 },
	/* 0x4a5b6000 >> 22 = 0x129 = 297, >> 12 & 1023 = 0x1b6 = 438 */
	{ "x86-32", 0x4a5b6000, 2, { 297, 438 }, 0x067, T_X86 },
	/* >> 30 = 1, >> 21 & 511 = 0x52 = 82, >> 12 & 511 = 438 */
	{ "x86-pae", 0x4a5b6000, 3, { 1, 82, 438 }, 0x8000000000000067,
	    T_X86_PAE },
	{ "arm64-4k-39", 0x5555550000, 3, { 341, 170, 336 },
	    0x00e8000000000f43, T_A64 },
	{ "arm64-4k-48", 0xaaaabbbb0000, 4, { 341, 170, 477, 432 },
	    0x00e8000000000f43, T_A64 },
	{ "arm64-16k-47", 0x555555550000, 3, { 1365, 682, 1364 },
	    0x00e8000000000f43, T_A64 },
	{ "arm64-16k-48", 0xaaaabbbb0000, 4, { 1, 682, 1373, 1772 },
	    0x00e8000000000f43, T_A64 },
	{ "arm64-64k-42", 0x2aabbbb0000, 2, { 5461, 7099 },
	    0x00e8000000000f43, T_A64 },
	{ "arm64-64k-48", 0xaaaabbbb0000, 3, { 42, 5461, 7099 },
	    0x00e8000000000f43, T_A64 },
	{ "arm64-64k-52", 0xaaaaabbbb0000, 3, { 682, 5461, 7099 },
	    0x00e8000000000f43, T_A64 },
	/* LPA2: no SH bits (TCR_EL1.DS = 1: bits 9:8 are OA[51:50]), so the
	   low bits are 0xc43; 0xaaaaabbbb0000 >> 48 = 0xa, >> 39 & 511 =
	   0x155, >> 30 & 511 = 0x0aa, >> 21 & 511 = 0x1dd, >> 12 & 511 =
	   0x1b0 */
	{ "arm64-4k-52", 0xaaaaabbbb0000, 5, { 10, 341, 170, 477, 432 },
	    0x00e8000000000c43, T_LPA2 },
	/* 16K/52: >> 47 = 0x15, >> 36 & 2047 = 0x2aa, >> 25 & 2047 = 0x55d,
	   >> 14 & 2047 = 0x6ec */
	{ "arm64-16k-52", 0xaaaaabbbb0000, 4, { 21, 682, 1373, 1772 },
	    0x00e8000000000c43, T_LPA2 },
	/* Linux pgd: >> 21 = 0x252 = 594; pte: >> 12 & 511 = 438 */
	{ "armv7-2l", 0x4a5b6000, 2, { 594, 438 }, 0x75f, T_ARMV7 },
	{ "armv7-lpae", 0x4a5b6000, 3, { 1, 82, 438 }, 0x00c0000000000f5f,
	    T_LONG },
	{ "riscv-sv39", 0x2aaaabc000, 3, { 170, 341, 188 }, 0xd7, T_RISCV },
	{ "riscv-sv48", 0x555555555000, 4, { 170, 341, 170, 341 }, 0xd7,
	    T_RISCV },
	{ "riscv-sv57", 0xaaaaaaaaaaa000, 5, { 170, 341, 170, 341, 170 },
	    0xd7, T_RISCV },
};

/* The table descriptor expected for a next-level table at pa. */
static uint64_t
table_desc(enum tfmt tf, unsigned step, uint64_t pa)
{
	switch (tf) {
	case T_X86_PAE:
		if (step == 0)
			return pa | 0x1;	/* PDPTE: only P */
		/* fall through */
	case T_X86:
		return pa | 0x067;	/* _PAGE_TABLE: P|RW|US|A|D */
	case T_LONG:
		return pa | 0x3;	/* LPAE table descriptor */
	case T_A64:
	case T_LPA2:	/* a user table: PXNTable, bit 59, as pmd_populate()
			   and p?d_populate() set it since v5.13
			   (arch/arm64/include/asm/pgalloc.h) */
		return pa | 0x3 | (UINT64_C(1) << 59);
	case T_RISCV:
		return (pa >> 12) << 10 | 0x1;	/* V only: non-leaf */
	case T_ARMV7:
		break;
	}
	return 0;
}

START_TEST(test_walk_every_arch)
{
	const struct wcase *c = &wcases[_i];
	struct space *s = mk(c->arch, "empty", 0);
	uint64_t page = s->arch->page_size, pa;
	struct pt_walk w;

	map_ok(s, c->va, page, RW, true, NULL);
	w = walk(s, c->va + 0x123);
	ck_assert(w.mapped);
	ck_assert_uint_eq(w.nsteps, c->n);
	ck_assert_uint_eq(w.page_size, page);
	pa = w.pa - 0x123;
	ck_assert_uint_eq(pa % page, 0);
	for (unsigned i = 0; i < c->n; i++) {
		ck_assert_msg(w.steps[i].index == c->idx[i],
		    "%s step %u: index %u, expected %u", c->arch, i,
		    w.steps[i].index, c->idx[i]);
		ck_assert_uint_eq(w.steps[i].entry_pa, w.steps[i].table_pa +
		    w.steps[i].index * (uint64_t)s->arch->levels[i].entry_bytes);
	}
	for (unsigned i = 0; i + 1 < c->n; i++) {
		ck_assert_int_eq(w.steps[i].kind, PT_KIND_TABLE);
		if (c->tf == T_ARMV7) {
			/* two hardware descriptors: the 1 KiB hardware tables
			   at +2048 and +3072 of the pte page, type 01, bit 4,
			   domain 1 (user) = 0x31 */
			uint64_t t = w.steps[i + 1].table_pa;

			ck_assert_uint_eq(w.steps[i].nhw, 2);
			ck_assert_uint_eq(w.steps[i].hw[0], (t + 2048) | 0x31);
			ck_assert_uint_eq(w.steps[i].hw[1], (t + 3072) | 0x31);
			continue;
		}
		ck_assert_msg(w.steps[i].entry == table_desc(c->tf, i,
		    w.steps[i + 1].table_pa), "%s step %u: 0x%" PRIx64,
		    c->arch, i, w.steps[i].entry);
	}
	ck_assert_int_eq(w.steps[c->n - 1].kind, PT_KIND_PAGE);
	if (c->tf == T_RISCV)
		ck_assert_uint_eq(w.steps[c->n - 1].entry,
		    (pa >> 12) << 10 | c->leaf);
	else
		ck_assert_msg(w.steps[c->n - 1].entry == (pa | c->leaf),
		    "%s leaf 0x%" PRIx64 " pa 0x%" PRIx64, c->arch,
		    w.steps[c->n - 1].entry, pa);
	if (c->tf == T_ARMV7) {
		/* cpu_v7_set_pte_ext: keep C,B and S of 0x75f (0x40c), add
		   AP0|small (0x12), nG (0x800), TEX[0] (0x40, Linux bit 4),
		   AP1 (0x20, user), XN (0x1); APX stays clear (dirty) */
		ck_assert_uint_eq(w.steps[1].nhw, 1);
		ck_assert_uint_eq(w.steps[1].hw[0], pa | 0xc7f);
	}
	ck_assert(w.steps[c->n - 1].flags & PTF_WRITE);
	ck_assert(w.steps[c->n - 1].flags & PTF_USER);
	ck_assert(!(w.steps[c->n - 1].flags & PTF_EXEC) ||
	    strcmp(c->arch, "x86-32") == 0);
	space_free(s);
}
END_TEST

/* ---- blocks, contiguous runs, kernel pages ------------------------------- */

START_TEST(test_x86_blocks_and_kernel)
{
	struct space *s = mk("x86_64-4l", "empty", 4096);
	struct pt_walk w;

	/* 2 MiB: PS (0x80) + 0x67 = 0xe7, NX */
	map_ok(s, 0x7f0000200000, 0x200000, RW, true, "2m");
	w = walk(s, 0x7f0000200000);
	ck_assert_uint_eq(w.nsteps, 3);
	ck_assert_int_eq(w.steps[2].kind, PT_KIND_BLOCK);
	ck_assert_uint_eq(w.steps[2].entry, (w.pa & ~0x1fffffull) |
	    0x80000000000000e7);
	ck_assert_uint_eq(w.pa % 0x200000, 0);
	/* 1 GiB: the same bits at the pud level */
	map_ok(s, 0x7f0040000000, 0x40000000, RW, true, "1g");
	w = walk(s, 0x7f0040000000);
	ck_assert_uint_eq(w.nsteps, 2);
	ck_assert_uint_eq(w.page_size, 0x40000000);
	ck_assert_uint_eq(w.steps[1].entry, w.pa | 0x80000000000000e7);
	/* kernel data: P|RW|A|D|G = 0x163 + NX; the tables above it are
	   _PAGE_TABLE, P|RW|US|A|D = 0x067: pgd_populate(), pud_populate()
	   and pmd_populate_kernel() write it for vmalloc's tables
	   (arch/x86/include/asm/pgalloc.h) */
	map_ok(s, 0xffffc90000000000, 0x1000, RW, false, "4k");
	w = walk(s, 0xffffc90000000000);
	ck_assert_uint_eq(w.steps[3].entry, w.pa | 0x8000000000000163);
	for (unsigned i = 0; i < 3; i++)
		ck_assert_uint_eq(w.steps[i].entry, w.steps[i + 1].table_pa |
		    0x067);
	ck_assert_uint_eq(w.steps[0].index, 402);	/* 0xffffc9.. >> 39 */
	space_free(s);
}
END_TEST

START_TEST(test_arm64_cont_and_blocks)
{
	struct space *s = mk("arm64-4k-48", "empty", 0);
	struct space_op_result r;
	struct pts_err err;
	struct pt_walk w;
	uint64_t base;

	/* 64k on 4K granule: 16 ptes with the contiguous bit 52 */
	map_ok(s, 0x10000, 0x10000, RW, true, "64k");
	w = walk(s, 0x10000);
	base = w.pa;
	ck_assert_uint_eq(base % 0x10000, 0);
	ck_assert_uint_eq(w.page_size, 0x10000);
	for (unsigned k = 0; k < 16; k++) {
		w = walk(s, 0x10000 + k * 0x1000);
		ck_assert_uint_eq(w.steps[3].entry, (base + k * 0x1000) |
		    0x00f8000000000f43);
		ck_assert(w.steps[3].flags & PTF_CONT);
	}
	/* unmapping one page unfolds the run: the others lose bit 52 */
	ck_assert_int_eq(op(s, SPACE_OP_UNMAP, 0x13000, 0x1000, 0, true, NULL,
	    &r, &err), 0);
	w = walk(s, 0x13000);
	ck_assert(!w.mapped);
	w = walk(s, 0x14000);
	ck_assert_uint_eq(w.steps[3].entry, (base + 0x4000) |
	    0x00e8000000000f43);
	ck_assert_uint_eq(w.page_size, 0x1000);
	/* 2 MiB block: bits 1:0 = 01, otherwise as a page: 0x..f41 */
	map_ok(s, 0x40000000, 0x200000, RW, true, "2m");
	w = walk(s, 0x40000000);
	ck_assert_int_eq(w.steps[2].kind, PT_KIND_BLOCK);
	ck_assert_uint_eq(w.steps[2].entry, w.pa | 0x00e8000000000f41);
	/* kernel page, PAGE_KERNEL: 0x0068000000000703 | pa (global: no nG) */
	map_ok(s, 0xffff800000000000, 0x1000, RW, false, "4k");
	w = walk(s, 0xffff800000000000);
	ck_assert_uint_eq(w.steps[3].entry, w.pa | 0x0068000000000703);
	/* user read-only executable text: PTE_RDONLY, PXN, no UXN */
	map_ok(s, 0x400000, 0x1000, SPACE_PROT_R | SPACE_PROT_X, true, "4k");
	w = walk(s, 0x400000);
	ck_assert_uint_eq(w.steps[3].entry, w.pa | 0x0020000000000fc3);
	space_free(s);
}
END_TEST

START_TEST(test_riscv_napot_and_armv7_sections)
{
	struct space *s = mk("riscv-sv39", "empty", 0);
	struct space *v = mk("armv7-2l", "empty", 0);
	struct pt_walk w;
	uint64_t base, ppn;

	/* NAPOT 64 KiB: N (bit 63), ppn[3:0] = 1000 in all 16 entries */
	map_ok(s, 0x100000, 0x10000, RW, true, "64k");
	w = walk(s, 0x100000);
	base = w.pa;
	ppn = ((base >> 12) & ~0xfull) | 0x8;
	for (unsigned k = 0; k < 16; k++) {
		w = walk(s, 0x100000 + k * 0x1000);
		ck_assert_uint_eq(w.steps[2].entry, (1ull << 63) | ppn << 10 |
		    0xd7);
		ck_assert_uint_eq(w.pa, base + k * 0x1000);
	}
	/* kernel RW: V|R|W|A|D|G = 0xe7 */
	map_ok(s, 0xffffffc600000000, 0x1000, RW, false, "4k");
	w = walk(s, 0xffffffc600000000);
	ck_assert_uint_eq(w.steps[2].entry, (w.pa >> 12) << 10 | 0xe7);
	/* armv7 64 KiB large page: 16 second-level descriptors, type 01,
	   C,B (0xc), AP=11 (0x30), S|nG (0xc00), TEX[0] at 12 (0x1000), XN at
	   15 (0x8000), base 31:16 = 0x9c3d | base; Linux PTEs per 4K page */
	map_ok(v, 0x200000, 0x10000, RW, true, "64k");
	base = walk(v, 0x200000).pa;
	ck_assert_uint_eq(base % 0x10000, 0);
	for (unsigned k = 0; k < 16; k++) {
		w = walk(v, 0x200000 + k * 0x1000);
		ck_assert_uint_eq(w.steps[1].hw[0], base | 0x9c3d);
		ck_assert_uint_eq(w.steps[1].entry, (base + k * 0x1000) | 0x75f);
		ck_assert(w.steps[1].flags & PTF_CONT);
	}
	/* armv7 kernel section, not executable: 0b10 | B,C (0xc) | XN 0x10 |
	   AP=01 (0x400) | TEX[0] 0x1000 | S 0x10000 = 0x1141e */
	map_ok(v, 0xc0000000, 0x100000, RW, false, "1m");
	w = walk(v, 0xc0000000);
	ck_assert_uint_eq(w.nsteps, 1);
	ck_assert_uint_eq(w.steps[0].index, 0x600);	/* 0xc0000000 >> 21 */
	ck_assert_uint_eq(w.steps[0].hw[0], w.pa | 0x1141e);
	ck_assert_uint_eq(w.steps[0].hw[1], 0);
	ck_assert(w.steps[0].flags & PTF_SECTION);
	space_free(s);
	space_free(v);
}
END_TEST

START_TEST(test_x86_32_pse)
{
	struct space *s = mk("x86-32", "empty", 0);
	struct pt_walk w;

	/* 4 MiB PSE page: P|RW|US|A|D|PS = 0xe7, 4-byte entry, no NX */
	map_ok(s, 0x08000000, 0x400000, RW, true, "4m");
	w = walk(s, 0x08000000);
	ck_assert_uint_eq(w.nsteps, 1);
	ck_assert_uint_eq(w.steps[0].index, 32);	/* 0x08000000 >> 22 */
	ck_assert_uint_eq(w.steps[0].entry, w.pa | 0xe7);
	ck_assert_uint_eq(w.steps[0].entry >> 32, 0);
	space_free(s);
}
END_TEST

/* ---- table counts, restoration ---------------------------------------------- */

/* Whether two zone states have equal free lists. */
static bool
zones_equal(const struct zones_state *a, const struct zones_state *b)
{
	if (a->nzones != b->nzones)
		return false;
	for (size_t i = 0; i < a->nzones; i++) {
		const struct zone_state *x = &a->zones[i], *y = &b->zones[i];

		if (x->free_pages != y->free_pages ||
		    memcmp(x->free_area, y->free_area, sizeof x->free_area))
			return false;
		for (unsigned m = 0; m < x->nmigrate; m++)
			if (memcmp(x->migrate[m].free, y->migrate[m].free,
			    sizeof x->migrate[m].free))
				return false;
	}
	return true;
}

START_TEST(test_table_counts_and_restore)
{
	struct space *s = mk("x86_64-4l", "empty", 0);
	struct zones_state before, after;
	struct space_op_result r;
	struct pts_err err;
	struct pt_node *n;

	ck_assert_int_eq(s->ops->zones(s, &before, &err), 0);
	/* the first 4K page needs a pud, a pmd and a pte table */
	r = map_ok(s, 0x7f0000000000, 0x1000, RW, true, "4k");
	ck_assert_uint_eq(r.tables_allocated, 3);
	ck_assert_uint_eq(r.pages_allocated, 1);
	/* the next page in the same pte table needs none */
	r = map_ok(s, 0x7f0000001000, 0x1000, RW, true, "4k");
	ck_assert_uint_eq(r.tables_allocated, 0);
	/* a 2M block in the same pmd table: none; in a new pud slot: pmd */
	r = map_ok(s, 0x7f0000200000, 0x200000, RW, true, "2m");
	ck_assert_uint_eq(r.tables_allocated, 0);
	r = map_ok(s, 0x7f0040000000, 0x200000, RW, true, "2m");
	ck_assert_uint_eq(r.tables_allocated, 1);
	ck_assert_int_eq(s->ops->tree(s, PT_PGD, 0, 0, &n, &err), 0);
	ck_assert_uint_eq(n->stats.tables, 5);	/* pgd pud pmd pte pmd */
	ck_assert_uint_eq(n->stats.present_pages, 2 + 512 + 512);
	ck_assert_uint_eq(n->stats.blocks, 2);
	ck_assert(!n->expanded);
	pt_node_free(n);
	/* unmap everything: all 4 tables below the root go back */
	ck_assert_int_eq(op(s, SPACE_OP_UNMAP, 0x7f0000000000, 0x40200000, 0,
	    true, NULL, &r, &err), 0);
	ck_assert_uint_eq(r.tables_freed, 4);
	ck_assert_uint_eq(r.pages_freed, 2 + 512 + 512);
	ck_assert_int_eq(s->ops->zones(s, &after, &err), 0);
	ck_assert(zones_equal(&before, &after));
	zones_release(&before);
	zones_release(&after);
	space_free(s);
}
END_TEST

START_TEST(test_block_split)
{
	struct space *s = mk("x86_64-4l", "empty", 0);
	struct space_op_result r;
	struct pts_err err;
	struct pt_walk w;
	struct pt_node *n;
	uint64_t bpa;

	map_ok(s, 0x600000, 0x200000, RW, true, "2m");
	bpa = walk(s, 0x600000).pa;
	/* unmapping one 4K page in the block splits it into a pte table */
	ck_assert_int_eq(op(s, SPACE_OP_UNMAP, 0x601000, 0x1000, 0, true, NULL,
	    &r, &err), 0);
	ck_assert_uint_eq(r.tables_allocated, 1);
	ck_assert_uint_eq(r.pages_freed, 1);
	w = walk(s, 0x601000);
	ck_assert(!w.mapped);
	ck_assert_int_eq(w.steps[3].kind, PT_KIND_NONE);
	w = walk(s, 0x7ff000);
	ck_assert_int_eq(w.steps[3].kind, PT_KIND_PAGE);
	ck_assert_uint_eq(w.pa, bpa + 0x1ff000);
	ck_assert_uint_eq(w.steps[3].entry, w.pa | 0x8000000000000067);
	ck_assert_int_eq(s->ops->tree(s, PT_PTE, 0x600000, 1, &n, &err), 0);
	ck_assert_uint_eq(n->nchildren, 511);
	ck_assert_uint_eq(n->stats.present_pages, 511);
	pt_node_free(n);
	/* protect of part of a block splits it too: read-only page 0x025 */
	map_ok(s, 0xa00000, 0x200000, RW, true, "2m");
	ck_assert_int_eq(op(s, SPACE_OP_PROTECT, 0xa00000, 0x1000,
	    SPACE_PROT_R, true, NULL, &r, &err), 0);
	ck_assert_uint_eq(r.tables_allocated, 1);
	w = walk(s, 0xa00000);
	ck_assert_uint_eq(w.steps[3].entry, w.pa | 0x8000000000000065);
	ck_assert(!(w.steps[3].flags & PTF_WRITE));
	w = walk(s, 0xa01000);
	ck_assert(w.steps[3].flags & PTF_WRITE);
	space_free(s);
}
END_TEST

START_TEST(test_auto)
{
	struct space *s = mk("x86_64-4l", "empty", 4096);
	struct pt_walk w;

	/* 1G-aligned va, 1G + 2M + 4K: a 1G block, a 2M block, a 4K page */
	map_ok(s, 0x7f0000000000, 0x40201000, RW, true, "auto");
	ck_assert_uint_eq(walk(s, 0x7f0000000000).page_size, 0x40000000);
	ck_assert_uint_eq(walk(s, 0x7f0040000000).page_size, 0x200000);
	w = walk(s, 0x7f0040200000);
	ck_assert_uint_eq(w.page_size, 0x1000);
	/* an unaligned start gets pages until 2M alignment */
	map_ok(s, 0x7e00001ff000, 0x201000, RW, true, "auto");
	ck_assert_uint_eq(walk(s, 0x7e00001ff000).page_size, 0x1000);
	ck_assert_uint_eq(walk(s, 0x7e0000200000).page_size, 0x200000);
	space_free(s);
}
END_TEST

START_TEST(test_fork_cow)
{
	struct space *s = mk("x86_64-4l", "empty", 0);
	struct space_op_result r;
	struct space *c;
	struct pts_err err;
	struct pt_walk wp, wc;
	uint64_t free0, free1;
	struct space_info si = { 0 };

	map_ok(s, 0x400000, 0x1000, RW, true, "4k");
	ck_assert_int_eq(op(s, SPACE_OP_FORK, 0, 0, 0, true, NULL, &r, &err),
	    0);
	c = r.forked;
	ck_assert_ptr_nonnull(c);
	ck_assert_uint_eq(r.tables_allocated, 4);	/* pgd pud pmd pte */
	wp = walk(s, 0x400000);
	wc = walk(c, 0x400000);
	/* same page, read-only in both: 0x067 without RW = 0x065 */
	ck_assert_uint_eq(wp.pa, wc.pa);
	ck_assert_uint_eq(wp.steps[3].entry, wp.pa | 0x8000000000000065);
	ck_assert_uint_eq(wc.steps[3].entry, wp.steps[3].entry);
	ck_assert(wp.steps[3].flags & PTF_COW);
	ck_assert(wc.steps[3].flags & PTF_COW);
	ck_assert_uint_ne(wp.steps[3].table_pa, wc.steps[3].table_pa);
	/* unmapping in the parent keeps the shared page allocated */
	s->ops->info(s, &si);
	ck_assert_int_eq(op(s, SPACE_OP_UNMAP, 0x400000, 0x1000, 0, true, NULL,
	    &r, &err), 0);
	ck_assert_uint_eq(r.tables_freed, 3);
	si.n = 0;
	s->ops->info(s, &si);
	free0 = 0;
	for (unsigned i = 0; i < si.n; i++)
		if (strcmp(si.f[i].key, "free_pages") == 0)
			free0 = si.f[i].u;
	ck_assert_int_eq(op(c, SPACE_OP_UNMAP, 0x400000, 0x1000, 0, true, NULL,
	    &r, &err), 0);
	si.n = 0;
	s->ops->info(s, &si);
	free1 = 0;
	for (unsigned i = 0; i < si.n; i++)
		if (strcmp(si.f[i].key, "free_pages") == 0)
			free1 = si.f[i].u;
	ck_assert_uint_eq(free1, free0 + 1 + 3);	/* the page + 3 tables */
	space_free(c);
	space_free(s);
}
END_TEST

START_TEST(test_enospc_rollback)
{
	struct space *s = mk("x86_64-4l", "empty", 16);
	struct zones_state before, after;
	struct pts_err err;
	struct pt_node *n;
	uint64_t gen = s->generation;

	map_ok(s, 0x400000, 0x1000, RW, true, "4k");
	gen = s->generation;
	ck_assert_int_eq(s->ops->zones(s, &before, &err), 0);
	/* 32 MiB of 4K pages cannot fit in 16 MiB */
	ck_assert_int_eq(op(s, SPACE_OP_MAP, 0x7f0000000000, 0x2000000, RW,
	    true, "4k", NULL, &err), PTS_ENOSPC);
	ck_assert_str_eq(err.id, "out_of_memory");
	ck_assert_int_eq(s->ops->zones(s, &after, &err), 0);
	ck_assert(zones_equal(&before, &after));
	ck_assert_uint_eq(s->generation, gen);
	ck_assert_int_eq(s->ops->tree(s, PT_PGD, 0, 0, &n, &err), 0);
	ck_assert_uint_eq(n->stats.tables, 4);
	ck_assert_uint_eq(n->stats.present_pages, 1);
	pt_node_free(n);
	zones_release(&before);
	zones_release(&after);
	space_free(s);
}
END_TEST

START_TEST(test_bad_input)
{
	struct space *s = mk("x86_64-4l", "empty", 0);
	struct space *t = NULL;
	struct pts_err err;
	struct pt_node *n;

	map_ok(s, 0x400000, 0x2000, RW, true, "4k");
#define BAD(call, want) do { ck_assert_int_eq((call), PTS_EINVAL); \
	ck_assert_str_eq(err.id, want); } while (0)
	BAD(op(s, SPACE_OP_MAP, 0x500800, 0x1000, RW, true, "4k", NULL, &err),
	    "unaligned");
	BAD(op(s, SPACE_OP_MAP, 0x500000, 0x1000, RW, true, "2m", NULL, &err),
	    "unaligned");
	BAD(op(s, SPACE_OP_MAP, 0x500000, 0, RW, true, "4k", NULL, &err),
	    "bad_size");
	BAD(op(s, SPACE_OP_MAP, 0x800000000000, 0x1000, RW, true, "4k", NULL,
	    &err), "bad_va");	/* non-canonical */
	BAD(op(s, SPACE_OP_MAP, 0xffff800000000000, 0x1000, RW, true, "4k",
	    NULL, &err), "bad_va");	/* user map in the kernel half */
	BAD(op(s, SPACE_OP_MAP, 0x401000, 0x2000, RW, true, "4k", NULL, &err),
	    "overlap");
	BAD(op(s, SPACE_OP_MAP, 0x500000, 0x1000, RW, true, "16k", NULL, &err),
	    "bad_page_size");
	BAD(op(s, SPACE_OP_MAP, 0x500000, 0x1000, SPACE_PROT_W, true, "4k",
	    NULL, &err), "bad_prot");
	BAD(op(s, SPACE_OP_UNMAP, 0x400000, 0x800, 0, true, NULL, NULL, &err),
	    "unaligned");
	BAD(s->ops->tree(s, PT_P4D, 0, 1, &n, &err), "bad_level");
	ck_assert_int_eq(s->ops->tree(s, PT_PTE, 0x7f0000000000, 1, &n, &err),
	    PTS_ENOENT);
	ck_assert_str_eq(err.id, "no_such_table");
	BAD(sim_space_new("vax", "empty", 0, &t, &err), "unknown_arch");
	BAD(sim_space_new("x86_64-4l", "nope", 0, &t, &err),
	    "unknown_scenario");
	BAD(sim_space_new("x86_64-4l", "empty", 8, &t, &err), "bad_ram_mb");
	ck_assert_ptr_null(t);
	ck_assert_uint_eq(s->generation, 2);	/* only the first map */
#undef BAD
	space_free(s);
}
END_TEST

START_TEST(test_scenarios_every_arch)
{
	const struct arch *a = arch_get((size_t)_i);

	for (unsigned k = 0; sim_scenarios[k]; k++) {
		struct space *s;

		/* boot is stepped by the server (test_boot_steps, t-405) */
		if (strcmp(sim_scenarios[k], "boot") == 0)
			continue;
		s = mk(a->id, sim_scenarios[k], 0);
		{
		struct pt_ranges r;
		struct pts_err err;
		struct pt_node *n;

		ck_assert_int_eq(s->ops->ranges(s, &r, &err), 0);
		if (strcmp(sim_scenarios[k], "empty") == 0)
			ck_assert_uint_eq(r.n, 0);
		else
			ck_assert_uint_ge(r.n, 6);
		for (size_t i = 1; i < r.n; i++)
			ck_assert(r.v[i].start >= r.v[i - 1].end);
		pt_ranges_release(&r);
		ck_assert_int_eq(s->ops->tree(s, PT_PGD, 0, 2, &n, &err), 0);
		ck_assert(n->expanded);
		pt_node_free(n);
		space_free(s);
		}
	}
}
END_TEST

/* The boot replay applied step by step: each step moves the generation by
   one and has a caption; the end state maps the linear map. */
START_TEST(test_boot_steps)
{
	static const char *const ids[] = { "arm64-4k-48", "x86_64-4l", "armv7-2l",
	    "riscv-sv39", "riscv-sv48" };

	for (unsigned i = 0; i < 5; i++) {
		struct space *s = mk(ids[i], "boot", 0);
		unsigned n = sim_boot_steps(s);
		struct pt_ranges r;
		struct pts_err err;
		char cap[SIM_BOOT_CAPTION_MAX];

		ck_assert_uint_ge(n, 4);
		for (unsigned k = 0; k < n; k++) {
			uint64_t g = s->generation;

			ck_assert_int_eq(sim_boot_step(s, k, cap, sizeof cap, &err), 0);
			ck_assert_uint_eq(s->generation, g + 1);
			ck_assert(strchr(cap, '(') != NULL);	/* names a function */
		}
		ck_assert_int_ne(sim_boot_step(s, n, cap, sizeof cap, &err), 0);
		ck_assert_int_eq(s->ops->ranges(s, &r, &err), 0);
		ck_assert_uint_ge(r.n, 2);
		pt_ranges_release(&r);
		space_free(s);
	}
}
END_TEST

/* Apply every boot step of s. */
static void
boot_all(struct space *s)
{
	unsigned n = sim_boot_steps(s);
	char cap[SIM_BOOT_CAPTION_MAX];
	struct pts_err err;

	for (unsigned k = 0; k < n; k++)
		ck_assert_int_eq(sim_boot_step(s, k, cap, sizeof cap, &err), 0);
}

/* RISC-V best_map_size() (arch/riscv/mm/init.c): PUD_SIZE only with
   pgtable_l4_enabled, so Sv39's linear map is 2 MiB leaves even where PA
   0xc0000000 and its VA are 1 GiB aligned; Sv48 takes the 1 GiB leaf.
   4 GiB of RAM from 0x80000000 (QEMU virt); the image at
   KERNEL_LINK_ADDR 0xffffffff80000000, loaded at 0x80200000. */
START_TEST(test_boot_riscv_leaves)
{
	struct space *s39 = mk("riscv-sv39", "boot", 4096);
	struct space *s48 = mk("riscv-sv48", "boot", 4096);
	struct pt_walk w;

	boot_all(s39);
	boot_all(s48);
	w = walk(s39, UINT64_C(0xffffffd600000000) + 0x40000000 + 0x1000);
	ck_assert_uint_eq(w.page_size, 0x200000);
	ck_assert_uint_eq(w.pa, 0xc0001000);
	w = walk(s48, UINT64_C(0xffffaf8000000000) + 0x40000000 + 0x1000);
	ck_assert_uint_eq(w.page_size, 0x40000000);
	ck_assert_uint_eq(w.pa, 0xc0001000);
	w = walk(s39, UINT64_C(0xffffffff80000000));
	ck_assert_uint_eq(w.pa, 0x80200000);
	ck_assert_uint_eq(w.page_size, 0x200000);
	space_free(s39);
	space_free(s48);
}
END_TEST

START_TEST(test_kernel_linear_map)
{
	struct space *s = mk("x86_64-4l", "kernel", 0);
	struct space *v = mk("armv7-2l", "kernel", 0);
	struct pt_walk w;

	/* 1 GiB of RAM at PA 0 maps as one 1G block at PAGE_OFFSET */
	w = walk(s, 0xffff888000000000 + 0x12345000);
	ck_assert_uint_eq(w.page_size, 0x40000000);
	ck_assert_uint_eq(w.pa, 0x12345000);
	ck_assert_uint_eq(w.steps[1].entry, 0x80000000000001e3);
	/* ARMv7 lowmem at 0xc0000000 from PA 0x60000000 in 1 MiB sections:
	   arch/arm/mm/mmu.c map_lowmem() -> create_mapping() ->
	   __map_init_section(); supersections only come from
	   create_36bit_mapping() for PAs above 4 GiB */
	w = walk(v, 0xc1000000);
	ck_assert_uint_eq(w.pa, 0x61000000);
	ck_assert_uint_eq(w.page_size, 0x100000);
	ck_assert(!(w.steps[0].flags & PTF_CONT));
	space_free(s);
	space_free(v);
}
END_TEST

/* ---- random operations ------------------------------------------------------ */

static uint64_t rnd_state;

/* xorshift64: a fixed sequence so failures reproduce. */
static uint64_t
rnd(void)
{
	rnd_state ^= rnd_state << 13;
	rnd_state ^= rnd_state >> 7;
	rnd_state ^= rnd_state << 17;
	return rnd_state;
}

/* Base pages in the ranges of a space. */
static uint64_t
range_pages(struct space *s)
{
	struct pt_ranges r;
	struct pts_err err;
	uint64_t n = 0;

	ck_assert_int_eq(s->ops->ranges(s, &r, &err), 0);
	for (size_t i = 0; i < r.n; i++)
		n += r.v[i].pages;
	pt_ranges_release(&r);
	return n;
}

/* present_pages of the root(s). */
static uint64_t
root_pages(struct space *s)
{
	struct pts_err err;
	struct pt_node *n;
	uint64_t v;

	ck_assert_int_eq(s->ops->tree(s, PT_PGD, 0, 0, &n, &err), 0);
	v = n->stats.present_pages;
	pt_node_free(n);
	if (s->arch->split_roots) {
		ck_assert_int_eq(s->ops->tree(s, PT_PGD, s->arch->kernel_first,
		    0, &n, &err), 0);
		v += n->stats.present_pages;
		pt_node_free(n);
	}
	return v;
}

/* One random map, unmap, protect or fork inside [base, base+region). */
static void
random_op(struct space *t, uint64_t base, uint64_t region,
    struct space **kids, unsigned *nk)
{
	const struct arch *a = t->arch;
	const struct arch_level *l = &a->levels[rnd() % a->nlevels];
	uint64_t P = a->page_size, unit = P;
	struct space_op o = { .user = true, .page_size = "auto" };
	struct space_op_result r;
	struct pts_err err;
	unsigned k = rnd() % 10;
	int rc;

	if (l->nleaves && rnd() % 2) {
		const struct arch_leaf *lf = &l->leaves[rnd() % l->nleaves];

		if (lf->size <= region / 4) {
			o.page_size = lf->name;
			unit = lf->size;
		}
	}
	o.prot = SPACE_PROT_R | (rnd() % 2 ? SPACE_PROT_W : 0) |
	    (rnd() % 2 ? SPACE_PROT_X : 0);
	o.size = unit * (1 + rnd() % 8);
	if (o.size > region / 4)
		o.size = unit;
	o.va = base + (rnd() % ((region - o.size) / unit)) * unit;
	o.kind = k < 5 ? SPACE_OP_MAP : k < 8 ? SPACE_OP_UNMAP : k < 9 ?
	    SPACE_OP_PROTECT : SPACE_OP_FORK;
	if (o.kind == SPACE_OP_UNMAP || o.kind == SPACE_OP_PROTECT) {
		o.va = base + (rnd() % (region / P)) * P;
		o.size = P * (1 + rnd() % 2000);
		if (o.va + o.size > base + region)
			o.size = base + region - o.va;
	}
	if (o.kind == SPACE_OP_FORK && *nk >= 4)
		return;
	rc = t->ops->op(t, &o, &r, &err);
	if (rc == 0 && o.kind == SPACE_OP_FORK)
		kids[(*nk)++] = r.forked;
	ck_assert_msg(rc == 0 || rc == PTS_ENOSPC || !strcmp(err.id, "overlap"),
	    "%s op %d: %s", a->id, o.kind, err.msg);
}

START_TEST(test_random_ops)
{
	const struct arch *a = arch_get((size_t)_i);
	struct space *s = mk(a->id, "empty", 512), *kids[4];
	uint64_t base = 0x40000000, region = 0x40000000;
	struct zones_state before, after;
	struct space_op_result r;
	struct pts_err err;
	unsigned nk = 0;

	if (a->user_last < base + region) {
		base = 0x10000000;
		region = 0x10000000;
	}
	rnd_state = 88172645463325252ull + _i;
	ck_assert_int_eq(s->ops->zones(s, &before, &err), 0);
	for (unsigned it = 0; it < 250; it++) {
		struct space *t = nk && rnd() % 3 == 0 ? kids[rnd() % nk] : s;

		random_op(t, base, region, kids, &nk);
		ck_assert_uint_eq(root_pages(t), range_pages(t));
	}
	for (unsigned i = 0; i < nk; i++)
		space_free(kids[i]);
	ck_assert_int_eq(op(s, SPACE_OP_UNMAP, base, region, 0, true, NULL, &r,
	    &err), 0);
	ck_assert_uint_eq(root_pages(s), 0);
	/* every page is back and merged as before (pageblocks stolen under
	   pressure may keep their new migrate type, as in the kernel) */
	ck_assert_int_eq(s->ops->zones(s, &after, &err), 0);
	ck_assert_uint_eq(before.nzones, after.nzones);
	for (size_t i = 0; i < before.nzones; i++) {
		ck_assert_uint_eq(before.zones[i].free_pages,
		    after.zones[i].free_pages);
		ck_assert_mem_eq(before.zones[i].free_area,
		    after.zones[i].free_area, sizeof before.zones[i].free_area);
	}
	zones_release(&before);
	zones_release(&after);
	space_free(s);
}
END_TEST

START_TEST(test_armv7_pair_section_and_table)
{
	struct space *s = mk("armv7-2l", "empty", 0), *c;
	struct space_op_result r;
	struct pts_err err;
	struct pt_walk w;

	/* a page in the odd 1 MiB half: Linux populates both hardware
	   descriptors of the pair with the two halves of one pte page */
	map_ok(s, 0x100000, 0x1000, RW, true, "4k");
	w = walk(s, 0x100000);
	ck_assert_uint_eq(w.steps[0].hw[0], (w.steps[1].table_pa + 2048) | 0x31);
	/* the even half can still become a section; the pte page stays */
	map_ok(s, 0x0, 0x100000, RW, true, "1m");
	w = walk(s, 0x0);
	ck_assert_int_eq(w.steps[0].kind, PT_KIND_BLOCK);
	/* user RW section: 0b10 | C,B 0xc | XN 0x10 | AP=11 0xc00 |
	   TEX[0] 0x1000 | S 0x10000 | nG 0x20000 = 0x31c1e */
	ck_assert_uint_eq(w.steps[0].hw[0], w.pa | 0x31c1e);
	ck_assert_uint_eq(root_pages(s), 256 + 1);
	ck_assert_uint_eq(range_pages(s), 256 + 1);
	ck_assert_int_eq(op(s, SPACE_OP_FORK, 0, 0, 0, true, NULL, &r, &err),
	    0);
	c = r.forked;
	ck_assert_uint_eq(root_pages(c), 256 + 1);
	ck_assert_uint_eq(range_pages(c), 256 + 1);
	ck_assert_int_eq(walk(c, 0x0).steps[0].kind, PT_KIND_BLOCK);
	ck_assert_int_eq(walk(c, 0x100000).steps[1].kind, PT_KIND_PAGE);
	/* unmapping the page frees the pte page in each space */
	ck_assert_int_eq(op(c, SPACE_OP_UNMAP, 0x100000, 0x1000, 0, true, NULL,
	    &r, &err), 0);
	ck_assert_uint_eq(r.tables_freed, 1);
	ck_assert_uint_eq(root_pages(c), 256);
	space_free(c);
	space_free(s);
}
END_TEST

/*
 * The kernel scenario's linear map on every arch: PAGE_OFFSET + 0x2123000
 * (past the kernel image, which 32-bit kernels map inside the linear map)
 * must reach RAM base + 0x2123000 through a kernel RW, non-executable,
 * global leaf of the size Linux uses there.  Attribute bits:
 *  x86: P|RW|A|D|PS|G = 0x1e3 (+ NX 63 except x86-32);
 *  arm64 block: 0b01 | SH 0x300 | AF 0x400 = 0x701, high 16 bits
 *       WRITE(51) PXN(53) UXN(54) = 0x0068, + CONT(52) = 0x0078 when the
 *       leaf is a contiguous run (1 GiB on 16K);
 *  LPAE block: 0b01 | AttrIndx 7 (0x1c) | SH | AF = 0x71d, XN(54) and
 *       L_PMD_SECT_DIRTY(55) = 0x00c0 (pgprot_kernel is dirty);
 *  armv7-2l 1 MiB section: 0b10 | C,B | XN | AP=01 | TEX[0] | S
 *       = 0x1141e (bits 19:0 of each hardware descriptor);
 *  RISC-V: V|R|W|A|D|G = 0xe7; Sv39 in 2 MiB megapages, Sv48/Sv57 in
 *       1 GiB gigapages (best_map_size(), arch/riscv/mm/init.c, 6.4+).
 */
struct kcase {
	const char *arch;
	uint64_t ram_base, page_size;
	uint64_t low, high;	/* entry & low_mask, entry >> 48 */
	uint64_t low_mask;
};

static const struct kcase kcases[] = {
	{ "x86_64-4l", 0, 0x40000000, 0x1e3, 0x8000, 0xfff },
	{ "x86_64-5l", 0, 0x40000000, 0x1e3, 0x8000, 0xfff },
	{ "x86-32", 0, 0x400000, 0x1e3, 0, 0xfff },
	{ "x86-pae", 0, 0x200000, 0x1e3, 0x8000, 0xfff },
	{ "arm64-4k-39", 0x40000000, 0x40000000, 0x701, 0x0068, 0xfff },
	{ "arm64-4k-48", 0x40000000, 0x40000000, 0x701, 0x0068, 0xfff },
	{ "arm64-16k-47", 0x40000000, 0x40000000, 0x701, 0x0078, 0x3fff },
	{ "arm64-16k-48", 0x40000000, 0x40000000, 0x701, 0x0078, 0x3fff },
	{ "arm64-64k-42", 0x40000000, 0x20000000, 0x701, 0x0068, 0xffff },
	{ "arm64-64k-48", 0x40000000, 0x20000000, 0x701, 0x0068, 0xffff },
	{ "arm64-64k-52", 0x40000000, 0x20000000, 0x701, 0x0068, 0xffff },
	/* LPA2: no SH (bits 9:8 = OA[51:50] = 0 below 2^50): 0b01 | AF */
	{ "arm64-4k-52", 0x40000000, 0x40000000, 0x401, 0x0068, 0xfff },
	{ "arm64-16k-52", 0x40000000, 0x40000000, 0x401, 0x0078, 0x3fff },
	{ "armv7-2l", 0x60000000, 0x100000, 0x1141e, 0, 0xfffff },
	{ "armv7-lpae", 0x60000000, 0x200000, 0x71d, 0x00c0, 0xfff },
	{ "riscv-sv39", 0x80000000, 0x200000, 0xe7, 0, 0x3ff },
	{ "riscv-sv48", 0x80000000, 0x40000000, 0xe7, 0, 0x3ff },
	{ "riscv-sv57", 0x80000000, 0x40000000, 0xe7, 0, 0x3ff },
};

/* arm64 KIMAGE_VADDR = MODULES_END = _PAGE_END(VA_BITS_MIN) + SZ_2G
   (arch/arm64/include/asm/memory.h, 6.x; VA_BITS_MIN = min(VA_BITS, 48)):
   the first byte of the kernel image's text */
static uint64_t
kimage_text_va(const struct space *s)
{
	unsigned min_bits = s->arch->va_bits > 48 ? 48 : s->arch->va_bits;

	return -(UINT64_C(1) << (min_bits - 1)) + (UINT64_C(2) << 30);
}

START_TEST(test_kernel_scenario_every_arch)
{
	const struct kcase *k = &kcases[_i];
	struct space *s = mk(k->arch, "kernel", 0);
	struct pt_walk w = walk(s, s->arch->page_offset + 0x2123000);
	const struct pt_walk_step *st = &w.steps[w.nsteps - 1];
	uint64_t e = st->nhw == 2 ? st->hw[0] : st->entry;

	ck_assert(w.mapped);
	ck_assert_uint_eq(w.pa, k->ram_base + 0x2123000);
	ck_assert_uint_eq(w.page_size, k->page_size);
	ck_assert_int_eq(st->kind, PT_KIND_BLOCK);
	ck_assert_msg((e & k->low_mask) == k->low && e >> 48 == k->high,
	    "%s: entry 0x%" PRIx64, k->arch, e);
	ck_assert(st->flags & PTF_WRITE);
	ck_assert(st->flags & PTF_GLOBAL);
	ck_assert(!(st->flags & PTF_USER));
	ck_assert(!(st->flags & PTF_EXEC) || strcmp(k->arch, "x86-32") == 0);
	/* arm64 linear-map tables: UXNTable (bit 60) and PXNTable (59):
	   map_mem() passes NO_EXEC_MAPPINGS, and alloc_init_pud() /
	   alloc_init_cont_pmd() / alloc_init_cont_pte() (arch/arm64/mm/mmu.c,
	   v5.13+) then add P?D_TABLE_PXN to the P?D_TABLE_UXN of init_mm */
	for (unsigned i = 0; i + 1 < w.nsteps &&
	    strncmp(k->arch, "arm64", 5) == 0; i++)
		ck_assert_msg((w.steps[i].entry >> 59 & 3) == 3,
		    "%s step %u: 0x%" PRIx64, k->arch, i, w.steps[i].entry);
	/* ... the kernel image's tables (map_kernel_segment(), flags 0):
	   UXNTable only, so its text can run at EL1; with 4 KiB pages and
	   52-bit VA its pgd entry (0xffff000000000000, 2^48 bytes) spans the
	   top of the linear map too, and is the image's: paging_init() maps
	   the image before the linear map */
	if (strncmp(k->arch, "arm64", 5) == 0) {
		struct pt_walk wt = walk(s, kimage_text_va(s));

		ck_assert(wt.mapped);
		ck_assert(wt.steps[wt.nsteps - 1].flags & PTF_EXEC);
		for (unsigned i = 0; i + 1 < wt.nsteps; i++)
			ck_assert_msg((wt.steps[i].entry >> 59 & 3) == 2,
			    "%s image step %u: 0x%" PRIx64, k->arch, i,
			    wt.steps[i].entry);
	}
	space_free(s);
}
END_TEST

/*
 * The LPA2 codec with an output address above 2^50: OA[49:12] stay in
 * place, OA[51:50] go to bits 9:8 (pgtable-hwdef.h PTE_ADDR_HIGH
 * 0x3 << 8, PTE_ADDR_HIGH_SHIFT 42), and the same holds for tables.
 */
START_TEST(test_lpa2_codec)
{
	const struct arch *a = arch_find("arm64-4k-52");
	enum desc_family f = desc_family_of(a);
	uint64_t pa = UINT64_C(0xc123456789000);	/* bits 51, 50 set */
	struct desc_leaf l = { .at = DA_R | DA_W | DA_USER | DA_DIRTY,
	    .pa = pa, .grp_pa = pa };
	uint64_t e = desc_encode_leaf(f, &l, NULL), t;

	ck_assert_int_eq(f, DF_ARM64_LPA2);
	ck_assert_int_eq(desc_family_of(arch_find("arm64-16k-52")),
	    DF_ARM64_LPA2);
	ck_assert_int_eq(desc_family_of(arch_find("arm64-64k-52")), DF_ARM64);
	/* 0x0123456789000 in 49:12, 0b11 in 9:8, page 0b11, AP[1], AF, nG */
	ck_assert_uint_eq(e & UINT64_C(0x3fffffffffff), UINT64_C(0x123456789f43));
	ck_assert_uint_eq(desc_leaf_pa(f, false, e, 0, 12), pa);
	t = desc_encode_table(f, 1, pa, false, 0);
	ck_assert_uint_eq(t, UINT64_C(0x1000123456789303));	/* UXNTable */
	ck_assert_uint_eq(desc_table_pa(f, t, 12), pa);
	/* 16K granule: OA[49:14] in place, bits 13:10 are attributes */
	l.pa = l.grp_pa = pa & ~UINT64_C(0x3fff);
	e = desc_encode_leaf(f, &l, NULL);
	ck_assert_uint_eq(desc_leaf_pa(f, false, e, 0, 14), l.pa);
}
END_TEST

/* The flags of the leaf va walks to (which must be mapped). */
static uint32_t
leaf_flags_at(struct space *s, uint64_t va, uint64_t *entry)
{
	struct pt_walk w = walk(s, va);

	ck_assert_msg(w.mapped, "%s: 0x%" PRIx64 " not mapped", s->arch->id, va);
	if (entry)
		*entry = w.steps[w.nsteps - 1].entry;
	return w.steps[w.nsteps - 1].flags;
}

/*
 * Kernel scenario layouts as Linux builds them:
 *  - 32-bit kernels map their image inside the linear map with text
 *    read-only and executable (CONFIG_STRICT_KERNEL_RWX: arch/arm/mm/init.c
 *    section_perm ro_perms[], arch/x86/mm/init_32.c mark_rodata_ro());
 *    x86 loads it at LOAD_PHYSICAL_ADDR = CONFIG_PHYSICAL_START 16 MiB;
 *  - ARM's vectors page is user readable and executable (MT_HIGH_VECTORS:
 *    L_PTE_USER | L_PTE_RDONLY, the kuser helpers, arch/arm/mm/mmu.c), the
 *    stubs page above it kernel only (MT_LOW_VECTORS);
 *  - LPAE read-only entries carry L_PTE_RDONLY (bit 58) and AP[2] (bit 7),
 *    kernel RW ones L_PTE_DIRTY (bit 55) and no AP[2]
 *    (arch/arm/include/asm/pgtable-3level.h, proc-v7-3level.S);
 *  - x86_64 vsyscall page at VSYSCALL_ADDR 0xffffffffff600000, user
 *    read-only NX (PAGE_KERNEL_VVAR with vsyscall=emulate), and the one
 *    _KERNPG_TABLE (0x063) link of head_64.S, level3_kernel_pgt[510];
 *  - RISC-V vmalloc and fixmap from Documentation/arch/riscv/vm-layout.rst.
 */
START_TEST(test_kernel_layouts)
{
	struct space *s;
	uint64_t e;
	uint32_t f;
	struct pt_walk w;

	s = mk("x86-pae", "kernel", 0);
	f = leaf_flags_at(s, 0xc0000000 + 0x1000000 + 0x123000, NULL);
	ck_assert((f & PTF_EXEC) && !(f & PTF_WRITE));
	f = leaf_flags_at(s, 0xc0000000 + 0x1000000 + 0x800000, NULL);
	ck_assert(!(f & PTF_EXEC) && (f & PTF_WRITE));
	space_free(s);

	s = mk("armv7-2l", "kernel", 0);
	w = walk(s, 0xc0123000);
	ck_assert_uint_eq(w.page_size, 0x100000);
	f = w.steps[w.nsteps - 1].flags;
	ck_assert((f & PTF_EXEC) && !(f & PTF_WRITE));
	f = leaf_flags_at(s, 0xffff0000, NULL);
	ck_assert((f & PTF_USER) && (f & PTF_EXEC) && !(f & PTF_WRITE));
	f = leaf_flags_at(s, 0xffff1000, NULL);
	ck_assert(!(f & PTF_USER) && (f & PTF_EXEC) && !(f & PTF_WRITE));
	space_free(s);

	s = mk("armv7-lpae", "kernel", 0);
	f = leaf_flags_at(s, 0xc0123000, &e);
	ck_assert((f & PTF_EXEC) && !(f & PTF_WRITE));
	ck_assert_uint_eq(e >> 58 & 1, 1);	/* L_PMD_SECT_RDONLY */
	ck_assert_uint_eq(e >> 7 & 1, 1);	/* AP[2] */
	f = leaf_flags_at(s, 0xc0a00000, &e);
	ck_assert((f & PTF_WRITE) && !(f & PTF_EXEC));
	ck_assert_uint_eq(e >> 55 & 1, 1);	/* L_PMD_SECT_DIRTY */
	ck_assert_uint_eq(e >> 7 & 1, 0);
	ck_assert_uint_eq(e >> 58 & 1, 0);
	f = leaf_flags_at(s, 0xffff0000, &e);	/* a pte: L_PTE_RDONLY */
	ck_assert((f & PTF_USER) && (f & PTF_EXEC) && !(f & PTF_WRITE));
	ck_assert_uint_eq(e >> 58 & 1, 1);
	space_free(s);

	s = mk("x86_64-4l", "kernel", 0);
	f = leaf_flags_at(s, 0xffffffffff600000, &e);
	ck_assert((f & PTF_USER) && (f & PTF_GLOBAL) && !(f & PTF_WRITE) &&
	    !(f & PTF_EXEC));
	/* PAGE_KERNEL_VVAR = __PAGE_KERNEL_RO | _PAGE_USER
	   (arch/x86/include/asm/pgtable_types.h): P|US|A|D|G = 0x165, NX */
	ck_assert_uint_eq(e & 0xfff, 0x165);
	ck_assert_uint_eq(e >> 63, 1);
	w = walk(s, 0xffffffff81000000);
	ck_assert_uint_eq(w.steps[0].entry & 0xfff, 0x067);	/* pgd 511 */
	ck_assert_uint_eq(w.steps[1].entry & 0xfff, 0x063);	/* pud 510 */
	ck_assert_uint_eq(w.steps[0].index, 511);
	ck_assert_uint_eq(w.steps[1].index, 510);
	w = walk(s, 0xffffffffff600000);	/* pud 511: _PAGE_TABLE */
	ck_assert_uint_eq(w.steps[1].index, 511);
	ck_assert_uint_eq(w.steps[1].entry & 0xfff, 0x067);
	space_free(s);

	s = mk("riscv-sv48", "kernel", 0);
	(void)leaf_flags_at(s, 0xffff8f8000000000, NULL);	/* vmalloc */
	f = leaf_flags_at(s, 0xffff8d7ffea00000, NULL);		/* fixmap */
	ck_assert(f & PTF_DEVICE);
	space_free(s);
	s = mk("riscv-sv57", "kernel", 0);
	(void)leaf_flags_at(s, 0xff20000000000000, NULL);
	f = leaf_flags_at(s, 0xff1bfffffea00000, NULL);
	ck_assert(f & PTF_DEVICE);
	space_free(s);
}
END_TEST

/* The section names of a kernel scenario, in address order. */
static void
ck_markers(const char *arch, const char *const *names, size_t n)
{
	struct space *s = mk(arch, "kernel", 0);
	struct pt_ranges r;
	struct pts_err err;

	ck_assert_int_eq(s->ops->ranges(s, &r, &err), 0);
	ck_assert_msg(r.nmarkers == n, "%s: %zu markers", arch, r.nmarkers);
	for (size_t i = 0; i < n; i++)
		ck_assert_str_eq(r.markers[i].name, names[i]);
	pt_ranges_release(&r);
	space_free(s);
}

/* The names of each arch's address_markers[] (arch/x86/mm/
   dump_pagetables.c, arch/arm64/mm/ptdump.c, arch/riscv/mm/ptdump.c,
   arch/arm/mm/dump.c), without the KASAN entries. */
START_TEST(test_kernel_markers)
{
	static const char *const x86_64[] = { "User Space", "Kernel Space",
	    "LDT remap", "Low Kernel Mapping", "vmalloc() Area", "Vmemmap",
	    "CPU entry Area", "ESPfix Area", "EFI Runtime Services",
	    "High Kernel Mapping", "Modules", "End Modules", "Fixmap Area" };
	static const char *const x86_32[] = { "User Space", "Kernel Mapping",
	    "vmalloc() Area", "vmalloc() End", "Persistent kmap() Area",
	    "LDT remap", "CPU entry area", "Fixmap area" };
	static const char *const arm64[] = { "Linear Mapping start",
	    "Linear Mapping end", "Modules start", "Modules end",
	    "vmalloc() area", "vmalloc() end", "Fixmap start", "Fixmap end",
	    "PCI I/O start", "PCI I/O end", "vmemmap start", "vmemmap end" };
	static const char *const riscv[] = { "Fixmap start", "Fixmap end",
	    "PCI I/O start", "PCI I/O end", "vmemmap start", "vmemmap end",
	    "vmalloc() area", "vmalloc() end", "Linear mapping",
	    "Modules/BPF mapping", "Kernel mapping" };
	static const char *const arm[] = { "Modules", "Kernel Mapping",
	    "vmalloc() Area", "FDT Area", "Fixmap Area", "Vectors",
	    "Vectors End" };
#define N(a) (sizeof a / sizeof a[0])
	ck_markers("x86_64-4l", x86_64, N(x86_64));
	ck_markers("x86_64-5l", x86_64, N(x86_64));
	ck_markers("x86-pae", x86_32, N(x86_32));
	ck_markers("arm64-4k-48", arm64, N(arm64));
	ck_markers("arm64-4k-52", arm64, N(arm64));
	ck_markers("riscv-sv39", riscv, N(riscv));
	ck_markers("armv7-2l", arm, N(arm));
#undef N
}
END_TEST

START_TEST(test_full_ram_split_and_fork)
{
	struct space *s = mk("x86_64-4l", "empty", 16);
	struct zones_state before, after;
	struct space_op_result r;
	struct pts_err err;
	uint64_t va = 0x7f0000000000, blk = 0, gen;

	/* fill RAM: 2 MiB blocks while they fit, then single pages */
	while (op(s, SPACE_OP_MAP, va, 0x200000, RW, true, "2m", NULL,
	    &err) == 0) {
		blk = blk ? blk : va;
		va += 0x200000;
	}
	ck_assert_uint_ne(blk, 0);
	while (op(s, SPACE_OP_MAP, va, 0x1000, RW, true, "4k", NULL, &err) == 0)
		va += 0x1000;
	ck_assert_str_eq(err.id, "out_of_memory");
	gen = s->generation;
	ck_assert_int_eq(s->ops->zones(s, &before, &err), 0);
	/* a split needs a pte table: 507, nothing changes */
	ck_assert_int_eq(op(s, SPACE_OP_UNMAP, blk + 0x1000, 0x1000, 0, true,
	    NULL, &r, &err), PTS_ENOSPC);
	ck_assert_int_eq(op(s, SPACE_OP_PROTECT, blk, 0x1000, SPACE_PROT_R,
	    true, NULL, &r, &err), PTS_ENOSPC);
	/* so does a fork, whose tables cannot be copied */
	ck_assert_int_eq(op(s, SPACE_OP_FORK, 0, 0, 0, true, NULL, &r, &err),
	    PTS_ENOSPC);
	ck_assert_ptr_null(r.forked);
	ck_assert_int_eq(s->ops->zones(s, &after, &err), 0);
	ck_assert(zones_equal(&before, &after));
	ck_assert_uint_eq(s->generation, gen);
	ck_assert(walk(s, blk + 0x1000).mapped);
	ck_assert(walk(s, blk).steps[2].flags & PTF_WRITE);
	/* unmapping a whole block needs no table and frees 512 pages */
	ck_assert_int_eq(op(s, SPACE_OP_UNMAP, blk, 0x200000, 0, true, NULL,
	    &r, &err), 0);
	ck_assert_uint_eq(r.pages_freed, 512);
	zones_release(&before);
	zones_release(&after);
	space_free(s);
}
END_TEST

START_TEST(test_process_layout)
{
	struct space *s = mk("x86_64-4l", "process", 0);
	struct pt_walk w;

	/* the executable at 2/3 of 2^47 rounded down to 2 MiB: text rx */
	w = walk(s, 0x555555400000);
	ck_assert_uint_eq(w.steps[3].entry, w.pa | 0x025);
	/* heap 96 pages above it, rw */
	ck_assert(walk(s, 0x555555400000 + 96 * 4096).steps[3].flags &
	    PTF_WRITE);
	/* 32 stack pages ending two pages below 2^47; the gap below unmapped */
	ck_assert(walk(s, 0x7fffffffd000).mapped);
	ck_assert(walk(s, 0x7ffffffde000).mapped);
	ck_assert(!walk(s, 0x7ffffffdd000).mapped);
	ck_assert(!walk(s, 0x7fffffffe000).mapped);
	/* the THP region: one 2 MiB block */
	ck_assert_uint_eq(walk(s, 0x7ffff7800000).page_size, 0x200000);
	space_free(s);
}
END_TEST

static Suite *
sim_suite(void)
{
	Suite *s = suite_create("sim");
	TCase *tc = tcase_create("walks");

	tcase_add_test(tc, test_boot_steps);
	tcase_add_test(tc, test_boot_riscv_leaves);
	tcase_add_loop_test(tc, test_walk_every_arch, 0,
	    sizeof wcases / sizeof wcases[0]);
	tcase_add_test(tc, test_x86_blocks_and_kernel);
	tcase_add_test(tc, test_arm64_cont_and_blocks);
	tcase_add_test(tc, test_lpa2_codec);
	tcase_add_test(tc, test_riscv_napot_and_armv7_sections);
	tcase_add_test(tc, test_x86_32_pse);
	suite_add_tcase(s, tc);
	tc = tcase_create("ops");
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, test_table_counts_and_restore);
	tcase_add_test(tc, test_block_split);
	tcase_add_test(tc, test_auto);
	tcase_add_test(tc, test_fork_cow);
	tcase_add_test(tc, test_enospc_rollback);
	tcase_add_test(tc, test_full_ram_split_and_fork);
	tcase_add_test(tc, test_bad_input);
	suite_add_tcase(s, tc);
	tc = tcase_create("scenarios");
	tcase_set_timeout(tc, 60);
	tcase_add_loop_test(tc, test_scenarios_every_arch, 0, 16);
	tcase_add_test(tc, test_kernel_linear_map);
	tcase_add_test(tc, test_kernel_layouts);
	tcase_add_test(tc, test_kernel_markers);
	tcase_add_test(tc, test_process_layout);
	tcase_add_loop_test(tc, test_kernel_scenario_every_arch, 0,
	    sizeof kcases / sizeof kcases[0]);
	suite_add_tcase(s, tc);
	tc = tcase_create("random");
	tcase_set_timeout(tc, 120);
	tcase_add_loop_test(tc, test_random_ops, 0, 16);
	tcase_add_test(tc, test_armv7_pair_section_and_table);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	SRunner *sr = srunner_create(sim_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
