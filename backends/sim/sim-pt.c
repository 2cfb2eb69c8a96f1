/* SPDX-License-Identifier: MIT */
/* sim-pt.c: the simulated machine, its tables and the map/unmap/protect/fork
   operations on them. */
#include "config.h"
#include "sim-int.h"

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "xalloc.h"

#define MB(x)	((uint64_t)(x) << 20)

/* ---- machine ------------------------------------------------------------ */

/* Internal levels: the arch's, except the armv7-2l root (hardware slots). */
static void
geom_init(const struct arch *a, enum desc_family f, struct sim_geom *g)
{
	memset(g, 0, sizeof *g);
	g->nl = a->nlevels;
	for (unsigned li = 0; li < a->nlevels; li++) {
		const struct arch_level *al = &a->levels[li];
		struct sim_lv *lv = &g->lv[li];
		uint64_t bytes;

		lv->shift = al->shift;
		lv->entries = al->entries;
		bytes = (uint64_t)al->entries * al->entry_bytes;
		if (f == DF_ARMV7 && li == 0) {
			lv->shift = 20;
			lv->entries = 4096;
			bytes = 16384;
		} else if (f == DF_ARMV7) {
			bytes = 4096;	/* Linux + hardware tables in one page */
		}
		lv->span = UINT64_C(1) << lv->shift;
		while ((a->page_size << lv->order) < bytes)
			lv->order++;
		for (unsigned k = 0; k < al->nleaves; k++) {
			uint64_t n = al->leaves[k].size / lv->span;

			if (n <= 1)
				lv->leaf1 = true;
			else
				lv->grp = (unsigned)n;
		}
	}
}

/* Buddy orders and pageblock order the kernel uses for the arch. */
static void
machine_orders(const struct arch *a, enum desc_family f, unsigned *norders,
    unsigned *pb)
{
	*norders = a->page_shift == 16 ? 14 : a->page_shift == 14 ? 12 : 11;
	*pb = a->page_shift == 16 ? 13 : a->page_shift == 14 ? 11 : 9;
	if (f == DF_X86_32 || f == DF_ARMV7)
		*pb = 10;	/* 4 MiB PSE pages / no THP: MAX_PAGE_ORDER */
}

/* Where RAM starts on the usual boards of each family. */
static uint64_t
machine_ram_base(enum desc_family f)
{
	switch (f) {
	case DF_ARM64:
	case DF_ARM64_LPA2:	return UINT64_C(0x40000000);
	case DF_ARMV7:
	case DF_LPAE:	return UINT64_C(0x60000000);
	case DF_RISCV:	return UINT64_C(0x80000000);
	default:	return 0;
	}
}

/* Add one zone clipped to RAM; empty zones are skipped. */
static void
zone_add(struct sim_machine *m, const char *name, uint64_t lo, uint64_t hi,
    bool highmem)
{
	uint64_t s = lo > m->ram_base ? lo : m->ram_base;
	uint64_t e = hi < m->ram_base + m->ram_size ? hi : m->ram_base + m->ram_size;

	if (s >= e)
		return;
	buddy_add_zone(&m->buddy, name, s >> m->a->page_shift,
	    e >> m->a->page_shift, highmem);
}

/* Zones as the kernel lays them out for the family. */
static void
machine_zones(struct sim_machine *m)
{
	const uint64_t G4 = UINT64_C(1) << 32, END = UINT64_MAX;

	switch (m->fam) {
	case DF_X86_64:
		zone_add(m, "DMA", 0, MB(16), false);
		zone_add(m, "DMA32", MB(16), G4, false);
		zone_add(m, "Normal", G4, END, false);
		break;
	case DF_X86_32:
	case DF_X86_PAE:	/* lowmem ends at 896 MiB */
		zone_add(m, "DMA", 0, MB(16), false);
		zone_add(m, "Normal", MB(16), MB(896), false);
		zone_add(m, "HighMem", MB(896), END, true);
		break;
	case DF_ARM64:		/* ZONE_DMA up to 4 GiB without DT limits */
	case DF_ARM64_LPA2:
		zone_add(m, "DMA", 0, G4, false);
		zone_add(m, "Normal", G4, END, false);
		break;
	case DF_ARMV7:
	case DF_LPAE:		/* lowmem: 760 MiB below the vmalloc area */
		zone_add(m, "Normal", 0, m->ram_base + MB(760), false);
		zone_add(m, "HighMem", m->ram_base + MB(760), END, true);
		break;
	case DF_RISCV:
		zone_add(m, "DMA32", 0, G4, false);
		zone_add(m, "Normal", G4, END, false);
		break;
	}
}

/* Boot: reserve firmware and the kernel image, free the rest, and give a
   few max-order blocks at the top of each lowmem zone to Unmovable and
   Reclaimable (the kernel's early allocations). */
static void
machine_boot(struct sim_machine *m)
{
	unsigned ps = m->a->page_shift;
	uint64_t fw = m->fam <= DF_X86_PAE ? MB(1) : m->fam == DF_RISCV ?
	    MB(2) : 0;
	uint64_t img_off = m->fam <= DF_X86_PAE && m->ram_size >= MB(64) ?
	    MB(16) : m->fam == DF_ARMV7 || m->fam == DF_LPAE ? 0 : MB(2);
	uint64_t img = m->ram_size / 8 > MB(16) ? MB(16) :
	    (m->ram_size / 8) & ~(MB(2) - 1);
	uint64_t base = m->ram_base >> ps, lo, hi, maxblk;

	if (img < MB(2))
		img = MB(2);
	if (img_off < fw)
		img_off = fw;
	m->kimage_pa = m->ram_base + img_off;
	m->kimage_size = img;
	lo = (m->ram_base + img_off) >> ps;
	hi = (m->ram_base + img_off + img) >> ps;
	buddy_add_reserved(&m->buddy, base, fw >> ps);
	buddy_add_memory(&m->buddy, base + (fw >> ps), lo - base - (fw >> ps));
	buddy_add_reserved(&m->buddy, lo, hi - lo);
	buddy_add_memory(&m->buddy, hi, base + (m->ram_size >> ps) - hi);
	maxblk = UINT64_C(1) << (m->buddy.norders - 1);
	for (unsigned i = 0; i < m->buddy.nzones; i++) {
		struct buddy_zone *z = &m->buddy.zones[i];
		uint64_t nblk = (z->end_pfn - z->start_pfn) / maxblk;
		uint64_t nu = nblk / 32 ? nblk / 32 : 1;
		uint64_t nr = nblk / 64 ? nblk / 64 : 1;

		if (z->highmem || nblk < 4)
			continue;
		buddy_set_type(&m->buddy, z->end_pfn - nu * maxblk, nu * maxblk,
		    BUDDY_UNMOVABLE);
		buddy_set_type(&m->buddy, z->end_pfn - (nu + nr) * maxblk,
		    nr * maxblk, BUDDY_RECLAIMABLE);
	}
	buddy_set_watermarks(&m->buddy, ps);
}

/* Boot a simulated machine: RAM, zones, reserved memory, buddy lists. */
int
simpt_machine_new(const struct arch *a, unsigned ram_mb,
    struct sim_machine **out, struct pts_err *err)
{
	struct sim_machine *m;
	unsigned norders, pb;
	enum desc_family f = desc_family_of(a);
	uint64_t base = machine_ram_base(f);

	if (ram_mb < 16 || ram_mb > 65536)
		return pts_errf(err, PTS_EINVAL, "bad_ram_mb",
		    "ram_mb must be between 16 and 65536 (MiB), not %u.",
		    ram_mb);
	if (a->pa_bits < 64 && base + MB(ram_mb) > (UINT64_C(1) << a->pa_bits))
		return pts_errf(err, PTS_EINVAL, "bad_ram_mb",
		    "%u MiB of RAM at 0x%" PRIx64 " does not fit the %u-bit "
		    "physical addresses of %s.", ram_mb, base, a->pa_bits,
		    a->id);
	m = xcalloc(1, sizeof *m);
	pthread_mutex_init(&m->lock, NULL);
	m->refs = 1;
	m->a = a;
	m->fam = f;
	m->ram_mb = ram_mb;
	m->ram_base = base;
	m->ram_size = MB(ram_mb);
	geom_init(a, f, &m->g);
	machine_orders(a, f, &norders, &pb);
	buddy_init(&m->buddy, norders, pb);
	machine_zones(m);
	machine_boot(m);
	*out = m;
	return 0;
}

/* Drop one reference to a machine; the last one frees it. */
void
simpt_machine_put(struct sim_machine *m)
{
	unsigned left;

	if (m == NULL)
		return;
	pthread_mutex_lock(&m->lock);
	left = --m->refs;
	pthread_mutex_unlock(&m->lock);
	if (left > 0)
		return;
	pthread_mutex_destroy(&m->lock);
	buddy_release(&m->buddy);
	simhash_release(&m->shared);
	free(m);
}

/* ---- addresses ----------------------------------------------------------- */

/* Which root (0 user, 1 arm64 kernel) translates va. */
unsigned
simpt_root_of(const struct sim_space *sp, uint64_t va)
{
	return sp->base.arch->split_roots && (va >> 63) ? 1 : 0;
}

/* The canonical VA of a linear address in table t's half. */
uint64_t
simpt_va(const struct sim_space *sp, const struct sim_table *t, uint64_t lin)
{
	return arch_lin_to_va(sp->base.arch, lin, t->kernel);
}

/* Slot of table t that covers the linear address lin. */
unsigned
simpt_index(const struct sim_space *sp, const struct sim_table *t,
    uint64_t lin)
{
	const struct sim_lv *lv = &sp->m->g.lv[t->L];

	return (unsigned)((lin >> lv->shift) & (lv->entries - 1));
}

/* Whether slot lin of table t maps user addresses. */
static bool
lin_is_user(const struct sim_space *sp, const struct sim_table *t,
    uint64_t lin)
{
	if (sp->base.arch->split_roots)
		return !t->kernel;
	return arch_va_is_user(sp->base.arch, simpt_va(sp, t, lin));
}

/* Output address of leaf slot i of t. */
uint64_t
simpt_slot_pa(const struct sim_space *sp, const struct sim_table *t,
    unsigned i)
{
	const struct sim_machine *m = sp->m;
	const struct sim_lv *lv = &m->g.lv[t->L];
	bool block = t->L + 1 < m->g.nl;
	uint64_t pa = desc_leaf_pa(m->fam, block, sim_e(t, i),
	    t->lx ? t->lx[i] : 0, m->a->page_shift);

	/* groups whose descriptors all hold the first address */
	if ((sim_at(t, i) & DA_GRP) && (m->fam == DF_RISCV ||
	    (m->fam == DF_ARMV7 && block)))
		pa += (uint64_t)(i & (lv->grp - 1)) * lv->span;
	return pa;
}

/* ---- counters ------------------------------------------------------------- */

/* Add to the subtree counters of t and its ancestors. */
static void
adjust(struct sim_table *t, int64_t present, int64_t tables, int64_t blocks)
{
	for (; t; t = t->parent) {
		t->present += (uint64_t)present;
		t->tables += (uint64_t)tables;
		t->blocks += (uint64_t)blocks;
	}
}

/* ---- tables ------------------------------------------------------------- */

/* A zeroed table from the buddy allocator (Unmovable), or NULL. */
static struct sim_table *
table_alloc(struct sim_space *sp, unsigned L, uint64_t lin, bool kernel)
{
	struct sim_machine *m = sp->m;
	const struct sim_lv *lv = &m->g.lv[L];
	struct sim_table *t;
	uint64_t pfn;

	if (buddy_alloc(&m->buddy, lv->order, BUDDY_UNMOVABLE, &pfn) != 0)
		return NULL;
	t = xcalloc(1, sizeof *t);
	t->entries = lv->entries;
	t->attrs.entries = (uint16_t)lv->entries;
	t->L = L;
	t->lin = lin;
	t->kernel = kernel;
	t->pa = pfn << m->a->page_shift;
	t->e_is32 = m->a->entry_bytes == 4;
	if (t->e_is32)
		t->e.e32 = xcalloc(lv->entries, sizeof *t->e.e32);
	else
		t->e.e64 = xcalloc(lv->entries, sizeof *t->e.e64);
	t->kids.entries = (uint16_t)lv->entries;
	if (m->fam == DF_ARMV7 && L == 1)
		t->lx = xcalloc(lv->entries, sizeof *t->lx);
	t->tables = 1;
	sp->table_pages += UINT64_C(1) << lv->order;
	sp->cnt.tables_allocated++;
	return t;
}

/* sim_attrs_live_fn of a table. */
static bool
slot_is_leaf(const void *t, unsigned i)
{
	return sim_is_leaf(t, i);
}

void
sim_at_set(struct sim_table *t, unsigned i, unsigned at)
{
	sim_attrs_set(&t->attrs, i, at, slot_is_leaf, t);
}

/* Return a table's page to the buddy and free its arrays. */
static void
table_release(struct sim_space *sp, struct sim_table *t)
{
	unsigned order = sp->m->g.lv[t->L].order;

	buddy_free_range(&sp->m->buddy, t->pa >> sp->m->a->page_shift,
	    UINT64_C(1) << order);
	sp->table_pages -= UINT64_C(1) << order;
	sp->cnt.tables_freed++;
	if (t->e_is32)
		free(t->e.e32);
	else
		free(t->e.e64);
	sim_attrs_clear(&t->attrs);
	sim_kids_free(&t->kids);
	free(t->lx);
	free(t);
}

/* Point slot i of t at child c (and, on armv7-2l, the empty sibling). */
static void
table_link(struct sim_space *sp, struct sim_table *t, unsigned i,
    struct sim_table *c)
{
	enum desc_family f = sp->m->fam;
	uint64_t lin = t->lin + (uint64_t)i * sp->m->g.lv[t->L].span;
	bool user = lin_is_user(sp, t, lin);

	sim_e_set(t, i, desc_encode_table(f, t->L, c->pa, user, i & 1));
	if (f == DF_X86_64 && desc_x86_kernpg_table(sp->base.arch, t->L,
	    simpt_va(sp, t, lin)))
		/* _KERNPG_TABLE: no US */
		sim_e_set(t, i, sim_e(t, i) & ~(uint64_t)0x004);
	if ((f == DF_ARM64 || f == DF_ARM64_LPA2) && !user &&
	    desc_arm64_linear_table(sp->base.arch, simpt_va(sp, t, lin),
	    sp->m->g.lv[t->L].span))
		sim_e_set(t, i, sim_e(t, i) | DESC_A64_TABLE_PXN);
	sim_kid_set(t, i, c);
	t->used++;
	if (f == DF_ARMV7 && sim_e(t, i ^ 1) == 0) {
		sim_e_set(t, i ^ 1, desc_encode_table(f, t->L, c->pa, user,
		    (i ^ 1) & 1));
		sim_kid_set(t, i ^ 1, c);
		t->used++;
	}
}

/* The child table of slot i, created when missing; NULL when out of RAM. */
static struct sim_table *
table_child(struct sim_space *sp, struct sim_table *t, unsigned i)
{
	const struct sim_geom *g = &sp->m->g;
	struct sim_table *c;
	uint64_t lin;

	if (sim_kid(t, i))
		return sim_kid(t, i);
	if (sp->m->fam == DF_ARMV7 && sim_kid(t, i ^ 1)) {
		c = sim_kid(t, i ^ 1);	/* the pte page of the pair exists */
		sim_e_set(t, i, desc_encode_table(sp->m->fam, 0, c->pa,
		    lin_is_user(sp, t, t->lin + (uint64_t)i * g->lv[0].span),
		    i & 1));
		sim_kid_set(t, i, c);
		t->used++;
		return c;
	}
	lin = t->lin + (uint64_t)i * g->lv[t->L].span;
	lin &= ~(((uint64_t)g->lv[t->L + 1].entries << g->lv[t->L + 1].shift) - 1);
	c = table_alloc(sp, t->L + 1, lin, t->kernel);
	if (c == NULL)
		return NULL;
	c->parent = t;
	c->pidx = sp->m->fam == DF_ARMV7 ? i & ~1u : i;
	table_link(sp, t, i, c);
	adjust(t, 0, 1, 0);
	return c;
}

/* Unlink an empty child table from every slot of t that points at it. */
static void
table_drop(struct sim_space *sp, struct sim_table *t, struct sim_table *c)
{
	unsigned first = c->pidx, n = sp->m->fam == DF_ARMV7 ? 2 : 1;

	for (unsigned k = first; k < first + n; k++)
		if (sim_kid(t, k) == c) {
			sim_kid_set(t, k, NULL);
			sim_e_set(t, k, 0);
			t->used--;
		}
	adjust(t, 0, -1, 0);
	table_release(sp, c);
}

/* ---- data pages ---------------------------------------------------------- */

/* Drop one mapping of [pfn, pfn+n): pages still mapped elsewhere (after a
   fork) lose a reference, the others go back to the buddy allocator. */
static void
data_put(struct sim_space *sp, uint64_t pfn, uint64_t n)
{
	struct sim_machine *m = sp->m;
	uint64_t run = pfn, v;

	sp->data_pages -= n;
	sp->cnt.pages_freed += n;
	if (m->shared.n == 0) {
		buddy_free_range(&m->buddy, pfn, n);
		return;
	}
	for (uint64_t p = pfn; p < pfn + n; p++) {
		if (!simhash_get(&m->shared, p, &v))
			continue;
		if (p > run)
			buddy_free_range(&m->buddy, run, p - run);
		run = p + 1;
		if (v > 1)
			simhash_put(&m->shared, p, v - 1);
		else
			simhash_del(&m->shared, p);
	}
	if (pfn + n > run)
		buddy_free_range(&m->buddy, run, pfn + n - run);
}

/* One more mapping of [pfn, pfn+n) (fork). */
static void
data_get(struct sim_space *sp, uint64_t pfn, uint64_t n)
{
	uint64_t v;

	for (uint64_t p = pfn; p < pfn + n; p++) {
		if (!simhash_get(&sp->m->shared, p, &v))
			v = 0;
		simhash_put(&sp->m->shared, p, v + 1);
	}
	sp->data_pages += n;
}

/* ---- leaves ------------------------------------------------------------- */

/* Write the descriptor of leaf slot i from its attributes and address. */
static void
leaf_encode(struct sim_space *sp, struct sim_table *t, unsigned i,
    unsigned at, uint64_t pa, uint64_t grp_pa)
{
	struct desc_leaf l = { .at = at, .pa = pa, .grp_pa = grp_pa,
	    .block = t->L + 1 < sp->m->g.nl };
	uint32_t lx = 0;

	sim_at_set(t, i, at);
	sim_e_set(t, i, desc_encode_leaf(sp->m->fam, &l, &lx));
	if (t->lx)
		t->lx[i] = lx;
}

/* Base pages one slot of level L maps. */
static uint64_t
slot_pages(const struct sim_space *sp, unsigned L)
{
	return sp->m->g.lv[L].span >> sp->m->a->page_shift;
}

/* armv7-2l: a slot that points at its pair's pte page only because the
   sibling needed it lets go of it before it becomes a leaf. */
static void
slot_unshare(struct sim_table *t, unsigned i)
{
	if (sim_kid(t, i)) {
		sim_kid_set(t, i, NULL);
		sim_e_set(t, i, 0);
		t->used--;
	}
}

/* Fill n slots from i with a leaf of attributes at starting at pa. */
static void
leaf_set(struct sim_space *sp, struct sim_table *t, unsigned i, unsigned n,
    unsigned at, uint64_t pa)
{
	uint64_t span = sp->m->g.lv[t->L].span;
	bool block = t->L + 1 < sp->m->g.nl;

	at |= DA_LEAF | (n > 1 ? DA_GRP : 0);
	for (unsigned k = 0; k < n; k++) {
		slot_unshare(t, i + k);
		leaf_encode(sp, t, i + k, at, pa + k * span, pa);
	}
	t->used += n;
	adjust(t, (int64_t)(n * slot_pages(sp, t->L)), 0, block ? n : 0);
}

/* Clear leaf slot i, dropping its data pages when they were allocated. */
static void
leaf_clear(struct sim_space *sp, struct sim_table *t, unsigned i)
{
	uint64_t pages = slot_pages(sp, t->L);
	bool block = t->L + 1 < sp->m->g.nl;

	if (sim_at(t, i) & DA_OWNED)
		data_put(sp, simpt_slot_pa(sp, t, i) >> sp->m->a->page_shift,
		    pages);
	sim_e_set(t, i, 0);
	if (t->lx)
		t->lx[i] = 0;
	t->used--;
	adjust(t, -(int64_t)pages, 0, block ? -1 : 0);
}

/* Turn the group holding slot i into single entries (kernel "unfold"). */
static void
group_unfold(struct sim_space *sp, struct sim_table *t, unsigned i)
{
	unsigned n = sp->m->g.lv[t->L].grp, g0 = i & ~(n - 1);

	if (!(sim_at(t, i) & DA_GRP))
		return;
	for (unsigned k = g0; k < g0 + n; k++) {
		uint64_t pa = simpt_slot_pa(sp, t, k);

		leaf_encode(sp, t, k, sim_at(t, k) & ~DA_GRP, pa, pa);
	}
}

/* Replace block slot i by a table of smaller leaves mapping the same. */
static int
block_split(struct sim_space *sp, struct sim_table *t, unsigned i)
{
	const struct sim_geom *g = &sp->m->g;
	unsigned at, first, n;
	uint64_t pa, lin, pages = slot_pages(sp, t->L);
	struct sim_table *c;

	group_unfold(sp, t, i);
	at = sim_at(t, i) & ~(DA_LEAF | DA_GRP);
	pa = simpt_slot_pa(sp, t, i);
	lin = t->lin + (uint64_t)i * g->lv[t->L].span;
	/* take the leaf out without freeing its pages, then hang the table */
	sim_e_set(t, i, 0);
	t->used--;
	adjust(t, -(int64_t)pages, 0, -1);
	c = table_child(sp, t, i);
	if (c == NULL)
		abort();	/* callers check free pages first */
	first = simpt_index(sp, c, lin);
	n = (unsigned)(g->lv[t->L].span / g->lv[c->L].span);
	leaf_set(sp, c, first, 1, at, pa);
	for (unsigned k = 1; k < n; k++)
		leaf_set(sp, c, first + k, 1, at, pa + k * g->lv[c->L].span);
	return 0;
}

/* ---- map ---------------------------------------------------------------- */

/* Leaf (level, slots) for an arch leaf. */
static void
leaf_shape(const struct sim_space *sp, const struct arch_leaf *leaf,
    unsigned *L, unsigned *n)
{
	const struct sim_geom *g = &sp->m->g;

	for (unsigned k = g->nl; k-- > 0; )
		if (g->lv[k].span <= leaf->size &&
		    leaf->size % g->lv[k].span == 0 &&
		    (leaf->size == g->lv[k].span ? g->lv[k].leaf1 :
		    leaf->size == g->lv[k].span * g->lv[k].grp)) {
			*L = k;
			*n = (unsigned)(leaf->size / g->lv[k].span);
			return;
		}
	*L = g->nl - 1;
	*n = 1;
}

/* Install one leaf of n slots at level L for lin. */
static int
map_one(struct sim_space *sp, unsigned r, uint64_t lin, unsigned L,
    unsigned n, unsigned at, uint64_t pa)
{
	struct sim_table *t = sp->root[r];

	while (t->L < L) {
		t = table_child(sp, t, simpt_index(sp, t, lin));
		if (t == NULL)
			return -1;
	}
	leaf_set(sp, t, simpt_index(sp, t, lin), n, at, pa);
	return 0;
}

/* Allocate the data pages of one leaf of size bytes. */
static int
data_alloc(struct sim_space *sp, uint64_t size, unsigned at, uint64_t *pa)
{
	struct sim_machine *m = sp->m;
	uint64_t pfn, n = size >> m->a->page_shift;

	if (buddy_alloc_pages(&m->buddy, n, (at & DA_USER) ? BUDDY_MOVABLE :
	    BUDDY_UNMOVABLE, &pfn) != 0)
		return -1;
	*pa = pfn << m->a->page_shift;
	sp->data_pages += n;
	sp->cnt.pages_allocated += n;
	return 0;
}

/* Map one step of an auto or fixed-size map; *done gets the bytes mapped. */
static int
map_step(struct sim_space *sp, unsigned r, uint64_t lin, uint64_t left,
    const struct arch_leaf *fixed, unsigned at, uint64_t pa, uint64_t *done)
{
	const struct arch *a = sp->base.arch;

	for (unsigned li = 0; li < a->nlevels; li++) {
		const struct arch_level *al = &a->levels[li];

		for (unsigned k = al->nleaves; k-- > 0; ) {
			const struct arch_leaf *lf = &al->leaves[k];
			uint64_t dpa = pa;
			unsigned L, n;

			if (fixed ? lf != fixed : (lin % lf->size || left <
			    lf->size || (pa != PT_UNKNOWN && pa % lf->size)))
				continue;
			if (pa == PT_UNKNOWN && data_alloc(sp, lf->size, at,
			    &dpa) != 0) {
				if (fixed)
					return -1;
				continue;	/* auto: try a smaller leaf */
			}
			leaf_shape(sp, lf, &L, &n);
			if (map_one(sp, r, lin, L, n, at | (pa == PT_UNKNOWN ?
			    DA_OWNED : 0), dpa) != 0) {
				if (pa == PT_UNKNOWN)
					data_put(sp, dpa >> a->page_shift,
					    lf->size >> a->page_shift);
				return -1;
			}
			*done = lf->size;
			return 0;
		}
	}
	return -1;
}

/* Map [lin, lin+size) with leaf (NULL: auto); all or nothing. */
int
simpt_map(struct sim_space *sp, unsigned r, uint64_t lin, uint64_t size,
    const struct arch_leaf *leaf, unsigned at, uint64_t pa, struct pts_err *err)
{
	uint64_t off = 0, done;

	buddy_mark(&sp->m->buddy);
	while (off < size) {
		if (map_step(sp, r, lin + off, size - off, leaf, at,
		    pa == PT_UNKNOWN ? pa : pa + off, &done) != 0) {
			/* the range was empty: clearing all of it also frees
			   the tables this failed step created */
			simpt_unmap(sp, r, lin, size, NULL);
			buddy_rollback(&sp->m->buddy);
			return pts_errf(err, PTS_ENOSPC, "out_of_memory",
			    "The simulated machine ran out of memory after "
			    "mapping 0x%" PRIx64 " of 0x%" PRIx64 " bytes; "
			    "nothing was changed.", off, size);
		}
		off += done;
	}
	buddy_commit(&sp->m->buddy);
	return 0;
}

/* ---- range walks ------------------------------------------------------------ */

typedef int (*leaf_fn)(struct sim_space *, struct sim_table *, unsigned slot,
    uint64_t s, uint64_t e, void *arg);

/* Visit the slots of t intersecting [s, e): fully covered leaves go to fn,
   partly covered blocks are split first, tables are descended. */
static int
range_visit(struct sim_space *sp, struct sim_table *t, uint64_t s, uint64_t e,
    leaf_fn fn, bool drop_empty, void *arg)
{
	const struct sim_lv *lv = &sp->m->g.lv[t->L];
	unsigned i0 = simpt_index(sp, t, s), i1 = simpt_index(sp, t, e - 1);

	for (unsigned i = i0; i <= i1; i++) {
		uint64_t ss = t->lin + (uint64_t)i * lv->span, se = ss + lv->span;
		uint64_t cs = s > ss ? s : ss, ce = e < se ? e : se;
		struct sim_table *c;

		if ((c = sim_kid(t, i)) != NULL) {
			const struct sim_lv *cl = &sp->m->g.lv[c->L];
			uint64_t pe = c->lin + ((uint64_t)cl->entries << cl->shift);

			if (i > i0 && sim_kid(t, i - 1) == c)
				continue;	/* armv7-2l: the pair's page is done */
			cs = s > c->lin ? s : c->lin;
			ce = e < pe ? e : pe;
			range_visit(sp, c, cs, ce, fn, drop_empty, arg);
			if (drop_empty && c->used == 0)
				table_drop(sp, t, c);
			continue;
		}
		if (!(sim_at(t, i) & DA_LEAF))
			continue;
		if (cs != ss || ce != se) {
			block_split(sp, t, i);
			i--;		/* revisit as a table */
			continue;
		}
		if (sim_at(t, i) & DA_GRP) {
			unsigned g0 = i & ~(lv->grp - 1);
			uint64_t gs = t->lin + (uint64_t)g0 * lv->span;

			if (gs < s || gs + lv->grp * lv->span > e)
				group_unfold(sp, t, i);
		}
		fn(sp, t, i, cs, ce, arg);
	}
	return 0;
}

/* Table pages a split at boundary b may need (0 when b ends no block). */
static uint64_t
splits_needed(struct sim_space *sp, unsigned r, uint64_t b)
{
	const struct sim_geom *g = &sp->m->g;
	struct sim_table *t = sp->root[r];
	uint64_t n = 0;

	for (;;) {
		unsigned i = simpt_index(sp, t, b);

		if (sim_kid(t, i)) {
			t = sim_kid(t, i);
			continue;
		}
		if (!(sim_at(t, i) & DA_LEAF))
			return 0;
		for (unsigned L = t->L; L + 1 < g->nl; L++)
			if (b % g->lv[L].span)
				n++;
		return n;
	}
}

/* PTS_ENOSPC unless the splits at both ends of [lin, lin+size) can get
   their tables (order-0 pages from the lowmem zones). */
static int
check_splits(struct sim_space *sp, unsigned r, uint64_t lin, uint64_t size,
    struct pts_err *err)
{
	const struct buddy *b = &sp->m->buddy;
	uint64_t need = splits_needed(sp, r, lin), have = 0;

	if (lin + size < ((uint64_t)sp->m->g.lv[0].entries << sp->m->g.lv[0].shift))
		need += splits_needed(sp, r, lin + size);
	for (unsigned i = 0; i < b->nzones; i++)
		if (!b->zones[i].highmem)
			have += b->zones[i].free_pages;
	if (need > have)
		return pts_errf(err, PTS_ENOSPC, "out_of_memory",
		    "Splitting the blocks at the ends of the range needs %"
		    PRIu64 " page-table pages but only %" PRIu64 " pages are "
		    "free; nothing was changed.", need, have);
	return 0;
}

/* leaf_fn: clear a leaf. */
static int
unmap_leaf(struct sim_space *sp, struct sim_table *t, unsigned i, uint64_t s,
    uint64_t e, void *arg)
{
	leaf_clear(sp, t, i);
	return 0;
}

/* Unmap [lin, lin+size), splitting blocks at the ends and freeing empty tables. */
int
simpt_unmap(struct sim_space *sp, unsigned r, uint64_t lin, uint64_t size,
    struct pts_err *err)
{
	int rc = check_splits(sp, r, lin, size, err);

	if (rc)
		return rc;
	return range_visit(sp, sp->root[r], lin, lin + size, unmap_leaf, true,
	    NULL);
}

/* leaf_fn: give a leaf new permissions. */
static int
protect_leaf(struct sim_space *sp, struct sim_table *t, unsigned i,
    uint64_t s, uint64_t e, void *arg)
{
	unsigned prot = *(unsigned *)arg, at = sim_at(t, i);
	uint64_t pa = simpt_slot_pa(sp, t, i);
	unsigned n = sp->m->g.lv[t->L].grp;

	at = (at & ~(DA_R | DA_W | DA_X)) | prot;
	leaf_encode(sp, t, i, at, pa, (at & DA_GRP) ? pa - (uint64_t)(i & (n - 1)) *
	    sp->m->g.lv[t->L].span : pa);
	return 0;
}

/* Give the leaves of [lin, lin+size) new permissions, splitting at the ends. */
int
simpt_protect(struct sim_space *sp, unsigned r, uint64_t lin, uint64_t size,
    unsigned prot, struct pts_err *err)
{
	int rc = check_splits(sp, r, lin, size, err);

	if (rc)
		return rc;
	return range_visit(sp, sp->root[r], lin, lin + size, protect_leaf,
	    false, &prot);
}

/* Whether any leaf lies in [s, e) under t. */
static bool
table_used(struct sim_space *sp, struct sim_table *t, uint64_t s, uint64_t e)
{
	const struct sim_lv *lv = &sp->m->g.lv[t->L];
	unsigned i0 = simpt_index(sp, t, s), i1 = simpt_index(sp, t, e - 1);

	for (unsigned i = i0; i <= i1; i++) {
		uint64_t ss = t->lin + (uint64_t)i * lv->span, se = ss + lv->span;

		if (sim_at(t, i) & DA_LEAF)
			return true;
		if (sim_kid(t, i) && table_used(sp, sim_kid(t, i),
		    s > ss ? s : ss, e < se ? e : se))
			return true;
	}
	return false;
}

/* Whether anything is mapped in [lin, lin+size). */
bool
simpt_range_used(struct sim_space *sp, unsigned r, uint64_t lin, uint64_t size)
{
	return table_used(sp, sp->root[r], lin, lin + size);
}

/* ---- spaces ------------------------------------------------------------- */

/* Allocate the root table(s) of a space. */
int
simpt_space_init(struct sim_space *sp, struct pts_err *err)
{
	unsigned nroots = sp->base.arch->split_roots ? 2 : 1;

	for (unsigned r = 0; r < nroots; r++) {
		sp->root[r] = table_alloc(sp, 0, 0, r == 1);
		if (sp->root[r] == NULL) {
			simpt_space_teardown(sp);
			return pts_errf(err, PTS_ENOSPC, "out_of_memory",
			    "The simulated machine has no free page for a root "
			    "page table.");
		}
	}
	return 0;
}

/* Free every leaf and table under t, then t itself. */
static void
table_teardown(struct sim_space *sp, struct sim_table *t)
{
	unsigned n = sp->m->g.lv[t->L].entries;

	for (unsigned i = 0; i < n; i++) {
		if (sim_kid(t, i)) {
			struct sim_table *c = sim_kid(t, i);

			if (sp->m->fam == DF_ARMV7 && (i & 1) &&
			    sim_kid(t, i - 1) == c)
				continue;
			table_teardown(sp, c);
			/* an emptied slot has no descriptor (sim_is_leaf()) */
			if (sp->m->fam == DF_ARMV7 && sim_kid(t, i ^ 1) == c) {
				sim_kid_set(t, i ^ 1, NULL);
				sim_e_set(t, i ^ 1, 0);
			}
			sim_kid_set(t, i, NULL);
			sim_e_set(t, i, 0);
		} else if (sim_at(t, i) & DA_OWNED) {
			data_put(sp, simpt_slot_pa(sp, t, i) >>
			    sp->m->a->page_shift, slot_pages(sp, t->L));
		}
	}
	table_release(sp, t);
}

/* Free every table and owned page of a space. */
void
simpt_space_teardown(struct sim_space *sp)
{
	for (unsigned r = 0; r < 2; r++)
		if (sp->root[r]) {
			table_teardown(sp, sp->root[r]);
			sp->root[r] = NULL;
		}
}

/* ---- fork ---------------------------------------------------------------- */

/* Copy table src into dst (same level and span): tables are duplicated,
   owned writable leaves become copy-on-write in the copy. */
static int
table_copy(struct sim_space *sp, struct sim_space *ch, struct sim_table *src,
    struct sim_table *dst)
{
	unsigned n = sp->m->g.lv[src->L].entries;

	for (unsigned i = 0; i < n; i++) {
		struct sim_table *c;

		if (sim_kid(src, i)) {
			if (sim_kid(dst, i))
				continue;	/* armv7-2l pair already done */
			c = table_child(ch, dst, i);
			if (c == NULL ||
			    table_copy(sp, ch, sim_kid(src, i), c) != 0)
				return -1;
			continue;
		}
		if (!(sim_at(src, i) & DA_LEAF))
			continue;
		slot_unshare(dst, i);
		sim_e_set(dst, i, sim_e(src, i));
		sim_at_set(dst, i, sim_at(src, i));
		if (src->lx)
			dst->lx[i] = src->lx[i];
		dst->used++;
		adjust(dst, (int64_t)slot_pages(sp, src->L), 0,
		    src->L + 1 < sp->m->g.nl ? 1 : 0);
		if (sim_at(src, i) & DA_OWNED)
			data_get(ch, simpt_slot_pa(sp, src, i) >>
			    sp->m->a->page_shift, slot_pages(sp, src->L));
	}
	return 0;
}

/* Write-protect every owned writable leaf under t (both sides of a fork). */
static void
table_cow(struct sim_space *sp, struct sim_table *t)
{
	const struct sim_lv *lv = &sp->m->g.lv[t->L];

	for (unsigned i = 0; i < lv->entries; i++) {
		unsigned at = sim_at(t, i);
		uint64_t pa;

		if (sim_kid(t, i)) {
			if (!(sp->m->fam == DF_ARMV7 && (i & 1) &&
			    sim_kid(t, i - 1) == sim_kid(t, i)))
				table_cow(sp, sim_kid(t, i));
			continue;
		}
		if (!(at & DA_LEAF) || !(at & DA_OWNED) || !(at & DA_W) ||
		    (at & DA_COW))
			continue;
		pa = simpt_slot_pa(sp, t, i);
		leaf_encode(sp, t, i, at | DA_COW, pa, (at & DA_GRP) ?
		    pa - (uint64_t)(i & (lv->grp - 1)) * lv->span : pa);
	}
}

/* Copy sp's tables into ch and make owned writable pages copy-on-write in both. */
int
simpt_fork(struct sim_space *sp, struct sim_space *ch, struct pts_err *err)
{
	int rc;

	buddy_mark(&sp->m->buddy);
	rc = simpt_space_init(ch, err);
	for (unsigned r = 0; rc == 0 && r < 2; r++)
		if (sp->root[r] && table_copy(sp, ch, sp->root[r],
		    ch->root[r]) != 0)
			rc = -1;
	if (rc != 0) {
		simpt_space_teardown(ch);
		buddy_rollback(&sp->m->buddy);
		return pts_errf(err, PTS_ENOSPC, "out_of_memory",
		    "The simulated machine has too few free pages to copy "
		    "the page tables; nothing was changed.");
	}
	buddy_commit(&sp->m->buddy);
	for (unsigned r = 0; r < 2; r++)
		if (sp->root[r]) {
			table_cow(sp, sp->root[r]);
			table_cow(ch, ch->root[r]);
		}
	return 0;
}
