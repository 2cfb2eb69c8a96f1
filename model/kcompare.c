/* SPDX-License-Identifier: MIT */
/* kcompare.c: kernel layout facts and their differences (kcompare.h). */
#include "config.h"
#include "kcompare.h"

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#define MAX_OFFSETS	256
#define AD_BITS		(PTF_ACCESSED | PTF_DIRTY)

static bool
in_kernel(const struct arch *a, const struct pt_range *r)
{
	return r->start >= a->kernel_first;
}

static uint64_t
range_bytes(const struct pt_range *r)
{
	return r->end - r->start;	/* end 0 (2^64) wraps right */
}

/* The VA - PA offset mapping the most kernel bytes: the linear map's. */
static uint64_t
linear_offset(const struct arch *a, const struct pt_ranges *rs)
{
	uint64_t off[MAX_OFFSETS], bytes[MAX_OFFSETS], best = 0, most = 0;
	unsigned n = 0;

	for (size_t i = 0; i < rs->n; i++) {
		const struct pt_range *r = &rs->v[i];
		uint64_t d = r->start - r->pa;
		unsigned k;

		if (!in_kernel(a, r) || r->pa == PT_UNKNOWN)
			continue;
		for (k = 0; k < n && off[k] != d; k++)
			;
		if (k == n && n == MAX_OFFSETS)
			continue;
		if (k == n) {
			off[n] = d;
			bytes[n++] = 0;
		}
		bytes[k] += range_bytes(r);
	}
	for (unsigned k = 0; k < n; k++)
		if (bytes[k] > most) {
			most = bytes[k];
			best = off[k];
		}
	return best;
}

static void
add_set(struct kfacts *f, uint32_t flags, uint64_t bytes)
{
	unsigned k;

	for (k = 0; k < f->nsets && f->set[k].flags != flags; k++)
		;
	if (k == f->nsets) {
		if (f->nsets == KF_MAX_SETS)
			return;
		f->set[f->nsets].flags = flags;
		f->set[f->nsets++].bytes = 0;
	}
	f->set[k].bytes += bytes;
}

static void
add_slot(struct kfacts *f, const struct arch *a, uint64_t va)
{
	unsigned sh = a->levels[0].shift;
	uint64_t base = va >> sh << sh;

	if (f->nslots && f->slot_va[f->nslots - 1] >> sh == va >> sh)
		return;
	if (f->nslots < KF_MAX_SLOTS)
		f->slot_va[f->nslots++] = base > va ? va : base;
}

/* A descriptor's bits other than its output address. */
static uint64_t
non_address_bits(const struct arch *a, uint64_t e)
{
	uint64_t addr = !strcmp(a->family, "riscv") ?
	    ((UINT64_C(1) << 54) - 1) & ~((UINT64_C(1) << 10) - 1) :
	    ((UINT64_C(1) << 48) - 1) & ~((UINT64_C(1) << 12) - 1);

	return e & ~addr;
}

int
kfacts_of(struct space *s, struct kfacts *f, struct pts_err *err)
{
	const struct arch *a = s->arch;
	struct pt_ranges rs = { 0 };
	uint64_t d;
	int r;

	memset(f, 0, sizeof *f);
	if ((r = s->ops->ranges(s, &rs, err)) < 0)
		return r;
	d = linear_offset(a, &rs);
	f->linear_va = UINT64_MAX;
	for (size_t i = 0; i < rs.n; i++) {
		const struct pt_range *x = &rs.v[i];

		if (!in_kernel(a, x))
			continue;
		add_slot(f, a, x->start);
		add_set(f, x->flags & ~AD_BITS, range_bytes(x));
		if (x->pa == PT_UNKNOWN || x->start - x->pa != d)
			continue;
		if (x->start < f->linear_va) {
			f->linear_va = x->start;
			f->linear_pa = x->pa;
		}
		f->linear_bytes += range_bytes(x);
		f->level_bytes[x->level] += range_bytes(x);
	}
	pt_ranges_release(&rs);
	if (f->linear_va == UINT64_MAX)
		return pts_errf(err, PTS_ENOENT, "no_linear_map",
		    "The space's kernel half maps nothing.");
	if ((r = s->ops->walk(s, f->linear_va, &f->walk, err)) < 0)
		return r;
	for (unsigned i = 0; i < f->walk.nsteps; i++)
		f->bits[i] = non_address_bits(a, f->walk.steps[i].entry);
	return 0;
}

/* ---- differences ---------------------------------------------------------- */

static struct kdiff *
diff_add(struct kdiffs *o, const char *what)
{
	struct kdiff *d;

	if (o->n == KD_MAX)
		return NULL;
	d = &o->d[o->n++];
	memset(d, 0, sizeof *d);
	snprintf(d->what, sizeof d->what, "%s", what);
	return d;
}

static void
flags_text(uint32_t fl, char *buf, size_t n)
{
	size_t len = 0;

	buf[0] = '\0';
	for (unsigned b = 0; b < PTF_NR && len + 1 < n; b++)
		if ((fl & 1u << b) && pt_flag_name(1u << b))
			len += (size_t)snprintf(buf + len, n - len, "%s%s",
			    len ? " " : "", pt_flag_name(1u << b));
}

/* Bytes of the linear map leaves above the base page. */
static uint64_t
block_bytes(const struct arch *a, const struct kfacts *f)
{
	return f->linear_bytes - f->level_bytes[a->levels[a->nlevels - 1].level];
}

static void
why_linear_base(const struct arch *a, struct kdiff *d)
{
	if (!strcmp(a->family, "x86_64"))
		snprintf(d->why, sizeof d->why, "CONFIG_RANDOMIZE_MEMORY (KASLR) "
		    "moves page_offset_base at every boot; with nokaslr it is "
		    "the simulator's 0x%" PRIx64 ".", a->page_offset);
	else if (!strcmp(a->family, "arm64"))
		snprintf(d->why, sizeof d->why, "arm64 KASLR randomizes the "
		    "linear map's start (memstart_addr) unless nokaslr; the "
		    "PA side is the RAM base (virt: 0x40000000).");
}

static void
why_blocks(const struct arch *a, const struct kfacts *g,
    const struct kfacts *s, struct kdiff *d)
{
	if (!strcmp(a->family, "arm64") && block_bytes(a, g) <
	    block_bytes(a, s))
		snprintf(d->why, sizeof d->why, "The guest maps its linear map "
		    "with pages where the simulator uses blocks: Debian's arm64 "
		    "kernel is built with CONFIG_RODATA_FULL_DEFAULT_ENABLED "
		    "(rodata=full: NO_BLOCK_MAPPINGS); rodata=off gives blocks.");
	else if (!strcmp(a->family, "x86_64"))
		snprintf(d->why, sizeof d->why, "The kernel splits direct-map "
		    "blocks into pages where parts need other attributes "
		    "(the kernel image's alias, set_memory_ro/nx, the first "
		    "MiB, holes): the simulator maps RAM with blocks only.");
}

static void
compare_linear(const struct arch *a, const struct kfacts *g,
    const struct kfacts *s, struct kdiffs *o)
{
	struct kdiff *d;

	if (g->linear_va != s->linear_va && (d = diff_add(o,
	    "linear_map.va")) != NULL) {
		snprintf(d->guest, sizeof d->guest, "0x%" PRIx64, g->linear_va);
		snprintf(d->sim, sizeof d->sim, "0x%" PRIx64, s->linear_va);
		why_linear_base(a, d);
	}
	if (g->linear_pa != s->linear_pa && (d = diff_add(o,
	    "linear_map.pa")) != NULL) {
		snprintf(d->guest, sizeof d->guest, "0x%" PRIx64, g->linear_pa);
		snprintf(d->sim, sizeof d->sim, "0x%" PRIx64, s->linear_pa);
	}
	if (g->linear_bytes != s->linear_bytes && (d = diff_add(o,
	    "linear_map.bytes")) != NULL) {
		snprintf(d->guest, sizeof d->guest, "0x%" PRIx64,
		    g->linear_bytes);
		snprintf(d->sim, sizeof d->sim, "0x%" PRIx64, s->linear_bytes);
		snprintf(d->why, sizeof d->why, "The guest's firmware keeps "
		    "holes and reserved ranges out of its direct map (e820 / "
		    "device tree memory map); the simulator maps all its RAM.");
	}
	for (unsigned li = 0; li < a->nlevels; li++) {
		enum pt_level l = a->levels[li].level;
		char what[48];

		if (g->level_bytes[l] == s->level_bytes[l])
			continue;
		snprintf(what, sizeof what, "linear_map.%s_bytes",
		    arch_level_name(l));
		if ((d = diff_add(o, what)) == NULL)
			return;
		snprintf(d->guest, sizeof d->guest, "0x%" PRIx64,
		    g->level_bytes[l]);
		snprintf(d->sim, sizeof d->sim, "0x%" PRIx64, s->level_bytes[l]);
		why_blocks(a, g, s, d);
	}
}

static bool
has_slot(const struct kfacts *f, uint64_t va)
{
	for (unsigned i = 0; i < f->nslots; i++)
		if (f->slot_va[i] == va)
			return true;
	return false;
}

/* Why a kernel region's base is on one side only, where it is known
   (x86_64: Documentation/arch/x86/x86_64/mm.rst). */
static void
why_region(const struct arch *a, uint64_t va, struct kdiff *d)
{
	if (strcmp(a->family, "x86_64") != 0)
		return;
	if (va == UINT64_C(0xfffffe0000000000))
		snprintf(d->why, sizeof d->why, "cpu_entry_area "
		    "(CPU_ENTRY_AREA_BASE): the simulator does not model it.");
	else if (va == UINT64_C(0xffffff0000000000))
		snprintf(d->why, sizeof d->why, "ESPFIX64's stacks "
		    "(ESPFIX_BASE_ADDR): the simulator does not model them.");
	else
		snprintf(d->why, sizeof d->why, "CONFIG_RANDOMIZE_MEMORY "
		    "(KASLR) puts the direct map, vmalloc and vmemmap at random "
		    "bases (page_offset_base, vmalloc_base, vmemmap_base); the "
		    "simulator uses the nokaslr ones.");
}

static void
slots_only_in(const struct arch *a, const struct kfacts *x,
    const struct kfacts *y, bool x_guest, struct kdiffs *o)
{
	struct kdiff *d;

	for (unsigned i = 0; i < x->nslots; i++) {
		if (has_slot(y, x->slot_va[i]) ||
		    (d = diff_add(o, "region_base")) == NULL)
			continue;
		snprintf(x_guest ? d->guest : d->sim, sizeof d->guest,
		    "0x%" PRIx64, x->slot_va[i]);
		snprintf(x_guest ? d->sim : d->guest, sizeof d->sim, "none");
		why_region(a, x->slot_va[i], d);
	}
}

static bool
has_set(const struct kfacts *f, uint32_t fl)
{
	for (unsigned i = 0; i < f->nsets; i++)
		if (f->set[i].flags == fl)
			return true;
	return false;
}

static void
compare_sets(const struct kfacts *a, const struct kfacts *b, bool a_guest,
    struct kdiffs *o)
{
	struct kdiff *d;

	for (unsigned i = 0; i < a->nsets; i++) {
		if (has_set(b, a->set[i].flags) ||
		    (d = diff_add(o, "leaf_flags")) == NULL)
			continue;
		flags_text(a->set[i].flags, a_guest ? d->guest : d->sim,
		    sizeof d->guest);
		snprintf(a_guest ? d->sim : d->guest, sizeof d->sim, "none");
	}
}

static void
bits_text(bool have, uint64_t bits, char *buf, size_t n)
{
	if (have)
		snprintf(buf, n, "0x%" PRIx64, bits);
	else
		snprintf(buf, n, "none");
}

/* Why a table entry's bits differ (arm64 table descriptors: APTable
   62:61, UXNTable 60, PXNTable 59). */
static void
why_walk_bits(const struct arch *a, uint64_t differ, struct kdiff *d)
{
	if (!strcmp(a->family, "arm64") && differ == UINT64_C(1) << 59)
		snprintf(d->why, sizeof d->why, "PXNTable (bit 59): Linux 6.x "
		    "maps the linear map with NO_EXEC_MAPPINGS, so its table "
		    "entries carry PXNTable as well as UXNTable (map_mem() in "
		    "arch/arm64/mm/mmu.c); the simulator sets UXNTable only.");
}

static void
compare_walk(const struct arch *a, const struct kfacts *g,
    const struct kfacts *s, struct kdiffs *o)
{
	unsigned n = g->walk.nsteps > s->walk.nsteps ? g->walk.nsteps :
	    s->walk.nsteps;

	for (unsigned i = 0; i < n; i++) {
		struct kdiff *d;
		char what[48];
		bool gi = i < g->walk.nsteps, si = i < s->walk.nsteps;

		if (gi && si && g->bits[i] == s->bits[i])
			continue;
		snprintf(what, sizeof what, "linear_map.walk.%s_bits",
		    arch_level_name(gi ? g->walk.steps[i].level :
		    s->walk.steps[i].level));
		if ((d = diff_add(o, what)) == NULL)
			return;
		bits_text(gi, g->bits[i], d->guest, sizeof d->guest);
		bits_text(si, s->bits[i], d->sim, sizeof d->sim);
		why_walk_bits(a, gi && si && i + 1 < g->walk.nsteps ? g->bits[i] ^
		    s->bits[i] : 0, d);
	}
}

void
kcompare(const struct arch *a, const struct kfacts *g, const struct kfacts *s,
    struct kdiffs *o)
{
	memset(o, 0, sizeof *o);
	compare_linear(a, g, s, o);
	slots_only_in(a, g, s, true, o);
	slots_only_in(a, s, g, false, o);
	compare_sets(g, s, true, o);
	compare_sets(s, g, false, o);
	compare_walk(a, g, s, o);
}
