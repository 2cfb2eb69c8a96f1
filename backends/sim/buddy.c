/* SPDX-License-Identifier: MIT */
/* buddy.c: the simulated buddy allocator (zones, orders, migrate types). */
#include "config.h"
#include "buddy.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "xalloc.h"

struct buddy_blk {
	uint64_t pfn;
	unsigned order;
	unsigned mt;
	struct buddy_blk *prev, *next;
};

/* mm/page_alloc.c fallbacks[]: where each type looks when its lists are empty. */
static const enum buddy_mt fallbacks[BUDDY_NMT][2] = {
	[BUDDY_UNMOVABLE] = { BUDDY_RECLAIMABLE, BUDDY_MOVABLE },
	[BUDDY_MOVABLE] = { BUDDY_RECLAIMABLE, BUDDY_UNMOVABLE },
	[BUDDY_RECLAIMABLE] = { BUDDY_UNMOVABLE, BUDDY_MOVABLE },
};

/* The /proc/pagetypeinfo name of a migrate type. */
const char *
buddy_mt_name(enum buddy_mt mt)
{
	static const char *const names[BUDDY_NMT] = {
		"Unmovable", "Movable", "Reclaimable" };

	return mt < BUDDY_NMT ? names[mt] : "?";
}

/* An allocator without zones. */
void
buddy_init(struct buddy *b, unsigned norders, unsigned pageblock_order)
{
	memset(b, 0, sizeof *b);
	b->norders = norders;
	b->pageblock_order = pageblock_order;
}

/* Add a zone; its pageblocks start Movable. */
void
buddy_add_zone(struct buddy *b, const char *name, uint64_t start_pfn,
    uint64_t end_pfn, bool highmem)
{
	struct buddy_zone *z = &b->zones[b->nzones++];
	uint64_t npb;

	memset(z, 0, sizeof *z);
	snprintf(z->name, sizeof z->name, "%s", name);
	z->highmem = highmem;
	z->start_pfn = start_pfn;
	z->end_pfn = end_pfn;
	npb = ((end_pfn - 1) >> b->pageblock_order) -
	    (start_pfn >> b->pageblock_order) + 1;
	z->pbtype = xmalloc(npb);
	memset(z->pbtype, BUDDY_MOVABLE, npb);
}

/* Index of the zone holding pfn, or -1. */
int
buddy_zone_of(const struct buddy *b, uint64_t pfn)
{
	for (unsigned i = 0; i < b->nzones; i++)
		if (pfn >= b->zones[i].start_pfn && pfn < b->zones[i].end_pfn)
			return (int)i;
	return -1;
}

/* Index of the pageblock holding pfn within zone z. */
static uint64_t
pb_index(const struct buddy *b, const struct buddy_zone *z, uint64_t pfn)
{
	return (pfn >> b->pageblock_order) - (z->start_pfn >> b->pageblock_order);
}

/* Put a block on the list of its pageblock's type. */
static void
blk_link(struct buddy *b, struct buddy_zone *z, struct buddy_blk *k)
{
	k->mt = z->pbtype[pb_index(b, z, k->pfn)];
	k->prev = NULL;
	k->next = z->list[k->order][k->mt];
	if (k->next)
		k->next->prev = k;
	z->list[k->order][k->mt] = k;
	z->nfree[k->order][k->mt]++;
}

/* Take a block off its list (it stays in the hash). */
static void
blk_unlink(struct buddy_zone *z, struct buddy_blk *k)
{
	if (k->prev)
		k->prev->next = k->next;
	else
		z->list[k->order][k->mt] = k->next;
	if (k->next)
		k->next->prev = k->prev;
	z->nfree[k->order][k->mt]--;
}

/* The free block whose first page is pfn, or NULL. */
static struct buddy_blk *
blk_find(const struct buddy *b, uint64_t pfn)
{
	uint64_t v;

	if (!simhash_get(&b->freeblk, pfn, &v))
		return NULL;
	return (struct buddy_blk *)(uintptr_t)v;
}

/* Add a free block to lists and hash. */
static void
blk_insert(struct buddy *b, struct buddy_zone *z, uint64_t pfn, unsigned order)
{
	struct buddy_blk *k = b->spare;

	if (k)
		b->spare = k->next;
	else
		k = xmalloc(sizeof *k);
	k->pfn = pfn;
	k->order = order;
	blk_link(b, z, k);
	simhash_put(&b->freeblk, pfn, (uint64_t)(uintptr_t)k);
}

/* Remove a free block from lists and hash; recycles the node. */
static void
blk_remove(struct buddy *b, struct buddy_zone *z, struct buddy_blk *k)
{
	blk_unlink(z, k);
	simhash_del(&b->freeblk, k->pfn);
	k->next = b->spare;
	b->spare = k;
}

/* Free one aligned block, merging upwards with free buddies in the zone. */
static void
free_one(struct buddy *b, struct buddy_zone *z, uint64_t pfn, unsigned order)
{
	z->free_pages += 1ull << order;
	while (order + 1 < b->norders) {
		uint64_t bp = pfn ^ (1ull << order);
		struct buddy_blk *k;

		if (bp < z->start_pfn || bp + (1ull << order) > z->end_pfn)
			break;
		k = blk_find(b, bp);
		if (k == NULL || k->order != order)
			break;
		blk_remove(b, z, k);
		pfn &= ~(1ull << order);
		order++;
	}
	blk_insert(b, z, pfn, order);
}

/* Largest order a chunk at pfn of at most n pages can have. */
static unsigned
chunk_order(const struct buddy *b, uint64_t pfn, uint64_t n)
{
	unsigned o = 0;

	while (o + 1 < b->norders && (pfn & ((2ull << o) - 1)) == 0 &&
	    (2ull << o) <= n)
		o++;
	return o;
}

/* Free a run of pages in maximal aligned blocks. */
void
buddy_free_range(struct buddy *b, uint64_t pfn, uint64_t n)
{
	while (n > 0) {
		int zi = buddy_zone_of(b, pfn);
		unsigned o = chunk_order(b, pfn, n);

		if (zi < 0)
			abort();	/* a page outside every zone: a sim bug */
		if (pfn + (1ull << o) > b->zones[zi].end_pfn)
			o = 0;
		free_one(b, &b->zones[zi], pfn, o);
		pfn += 1ull << o;
		n -= 1ull << o;
	}
}

/* Hand boot memory to the allocator. */
void
buddy_add_memory(struct buddy *b, uint64_t pfn, uint64_t n)
{
	for (uint64_t p = pfn; p < pfn + n; ) {
		int zi = buddy_zone_of(b, p);
		uint64_t end = b->zones[zi].end_pfn < pfn + n ?
		    b->zones[zi].end_pfn : pfn + n;

		b->zones[zi].present += end - p;
		b->zones[zi].managed += end - p;
		buddy_free_range(b, p, end - p);
		p = end;
	}
}

/* Count reserved pages as present but not managed. */
void
buddy_add_reserved(struct buddy *b, uint64_t pfn, uint64_t n)
{
	for (uint64_t p = pfn; p < pfn + n; p++) {
		int zi = buddy_zone_of(b, p);

		if (zi >= 0)
			b->zones[zi].present++;
	}
}

/* Change one pageblock's type and move the free blocks starting in it. */
static void
pb_set(struct buddy *b, unsigned zi, uint64_t pb, uint8_t mt, bool journal)
{
	struct buddy_zone *z = &b->zones[zi];
	uint64_t first, pfn, end;

	if (z->pbtype[pb] == mt)
		return;
	if (journal && b->journaling) {
		b->journal = xgrow(b->journal, &b->capjournal, b->njournal + 1,
		    sizeof *b->journal);
		b->journal[b->njournal++] = (struct buddy_journal_ent){ zi, pb,
		    z->pbtype[pb] };
	}
	z->pbtype[pb] = mt;
	first = ((z->start_pfn >> b->pageblock_order) + pb) << b->pageblock_order;
	end = first + (1ull << b->pageblock_order);
	for (pfn = first; pfn < end; ) {
		struct buddy_blk *k = blk_find(b, pfn);

		if (k == NULL) {
			pfn++;
			continue;
		}
		blk_unlink(z, k);
		blk_link(b, z, k);
		pfn += 1ull << k->order;
	}
}

/* Set the migrate type of the pageblocks of a range. */
void
buddy_set_type(struct buddy *b, uint64_t pfn, uint64_t n, enum buddy_mt mt)
{
	uint64_t step = 1ull << b->pageblock_order;

	for (uint64_t p = pfn & ~(step - 1); p < pfn + n; p += step) {
		int zi = buddy_zone_of(b, p);

		if (zi >= 0)
			pb_set(b, (unsigned)zi, pb_index(b, &b->zones[zi], p), mt,
			    true);
	}
}

/* Split a taken block of order high down to low, freeing upper halves. */
static void
expand(struct buddy *b, struct buddy_zone *z, uint64_t pfn, unsigned low,
    unsigned high)
{
	while (high > low) {
		high--;
		blk_insert(b, z, pfn + (1ull << high), high);
	}
}

/* Take the first block of order >= order from the mt lists of zone z. */
static int
take_own(struct buddy *b, struct buddy_zone *z, unsigned order, unsigned mt,
    uint64_t *pfn)
{
	for (unsigned o = order; o < b->norders; o++) {
		struct buddy_blk *k = z->list[o][mt];

		if (k == NULL)
			continue;
		*pfn = k->pfn;
		blk_remove(b, z, k);
		expand(b, z, *pfn, order, o);
		return 0;
	}
	return -1;
}

/* Steal the largest block of a fallback type, claiming its pageblock(s). */
static int
take_fallback(struct buddy *b, unsigned zi, unsigned order, unsigned mt,
    uint64_t *pfn)
{
	struct buddy_zone *z = &b->zones[zi];

	for (unsigned o = b->norders; o-- > order; ) {
		for (unsigned f = 0; f < 2; f++) {
			struct buddy_blk *k = z->list[o][fallbacks[mt][f]];

			if (k == NULL)
				continue;
			*pfn = k->pfn;
			blk_remove(b, z, k);
			if (o >= b->pageblock_order || mt != BUDDY_MOVABLE)
				buddy_set_type(b, *pfn, 1ull << o, mt);
			expand(b, z, *pfn, order, o);
			return 0;
		}
	}
	return -1;
}

/* Zone indices in the order an allocation of type mt tries them. */
static unsigned
zonelist(const struct buddy *b, enum buddy_mt mt, unsigned *zl)
{
	unsigned n = 0;

	for (unsigned i = b->nzones; i-- > 0; ) {
		if (b->zones[i].highmem && mt != BUDDY_MOVABLE)
			continue;
		zl[n++] = i;
	}
	return n;
}

/* Allocate a block of 1 << order pages. */
int
buddy_alloc(struct buddy *b, unsigned order, enum buddy_mt mt, uint64_t *pfn)
{
	unsigned zl[BUDDY_MAX_ZONES], nz = zonelist(b, mt, zl);

	if (order >= b->norders)
		return -1;
	for (unsigned i = 0; i < nz; i++) {
		struct buddy_zone *z = &b->zones[zl[i]];

		if (z->free_pages < (1ull << order))
			continue;
		if (take_own(b, z, order, mt, pfn) == 0 ||
		    take_fallback(b, zl[i], order, mt, pfn) == 0) {
			z->free_pages -= 1ull << order;
			return 0;
		}
	}
	return -1;
}

/* True when [pfn, pfn+n) of zone z is made of free max-order blocks. */
static bool
range_free(const struct buddy *b, uint64_t pfn, uint64_t n)
{
	uint64_t step = 1ull << (b->norders - 1);

	for (uint64_t p = pfn; p < pfn + n; p += step) {
		struct buddy_blk *k = blk_find(b, p);

		if (k == NULL || k->order != b->norders - 1)
			return false;
	}
	return true;
}

/* Gigantic allocation: an aligned run of whole max-order blocks. */
static int
alloc_gigantic(struct buddy *b, uint64_t n, enum buddy_mt mt, uint64_t *pfn)
{
	unsigned zl[BUDDY_MAX_ZONES], nz = zonelist(b, mt, zl);
	uint64_t step = 1ull << (b->norders - 1);

	for (unsigned i = 0; i < nz; i++) {
		struct buddy_zone *z = &b->zones[zl[i]];
		uint64_t p = (z->start_pfn + n - 1) & ~(n - 1);

		for (; p + n <= z->end_pfn; p += n) {
			if (!range_free(b, p, n))
				continue;
			for (uint64_t q = p; q < p + n; q += step)
				blk_remove(b, z, blk_find(b, q));
			z->free_pages -= n;
			*pfn = p;
			return 0;
		}
	}
	return -1;
}

/* Allocate npages, gigantic sizes included. */
int
buddy_alloc_pages(struct buddy *b, uint64_t npages, enum buddy_mt mt,
    uint64_t *pfn)
{
	unsigned order = 0;

	while ((1ull << order) < npages)
		order++;
	if (order < b->norders)
		return buddy_alloc(b, order, mt, pfn);
	return alloc_gigantic(b, npages, mt, pfn);
}

/* Free pages in all zones. */
uint64_t
buddy_free_pages(const struct buddy *b)
{
	uint64_t n = 0;

	for (unsigned i = 0; i < b->nzones; i++)
		n += b->zones[i].free_pages;
	return n;
}

/* Whether a page lies in a free block. */
bool
buddy_is_free(const struct buddy *b, uint64_t pfn)
{
	int zi = buddy_zone_of(b, pfn);

	if (zi < 0)
		return false;
	for (unsigned o = 0; o < b->norders; o++) {
		struct buddy_blk *k = blk_find(b, pfn & ~((1ull << o) - 1));

		if (k && k->order >= o)
			return true;
	}
	return false;
}

/* Start journaling pageblock type changes. */
void
buddy_mark(struct buddy *b)
{
	b->journaling = true;
	b->njournal = 0;
}

/* Undo the journaled pageblock type changes. */
void
buddy_rollback(struct buddy *b)
{
	while (b->njournal > 0) {
		struct buddy_journal_ent *j = &b->journal[--b->njournal];

		pb_set(b, j->zone, j->pb, j->old, false);
	}
	b->journaling = false;
}

/* Forget the journal. */
void
buddy_commit(struct buddy *b)
{
	b->njournal = 0;
	b->journaling = false;
}

/* Integer square root (mm's int_sqrt()). */
static uint64_t
isqrt(uint64_t x)
{
	uint64_t r = 0;

	while ((r + 1) * (r + 1) <= x)
		r++;
	return r;
}

/* Compute min/low/high watermarks of every zone. */
void
buddy_set_watermarks(struct buddy *b, unsigned page_shift)
{
	uint64_t lowmem = 0, min_kb, min_pages;

	for (unsigned i = 0; i < b->nzones; i++)
		if (!b->zones[i].highmem)
			lowmem += b->zones[i].managed;
	/* calculate_min_free_kbytes(): sqrt(lowmem_kbytes * 16), 128..262144 */
	min_kb = isqrt((lowmem << page_shift >> 10) * 16);
	min_kb = min_kb < 128 ? 128 : min_kb > 262144 ? 262144 : min_kb;
	min_pages = (min_kb << 10) >> page_shift;
	for (unsigned i = 0; i < b->nzones; i++) {
		struct buddy_zone *z = &b->zones[i];
		uint64_t min, tmp;

		if (z->highmem) {	/* __setup_per_zone_wmarks() */
			min = z->managed / 1024;
			min = min < 32 ? 32 : min > 128 ? 128 : min;
		} else {
			min = lowmem ? min_pages * z->managed / lowmem : 0;
		}
		/* watermark_scale_factor 10: managed * 10 / 10000 */
		tmp = z->managed * 10 / 10000;
		if (min / 4 > tmp)
			tmp = min / 4;
		z->wmark_min = min;
		z->wmark_low = min + tmp;
		z->wmark_high = min + 2 * tmp;
	}
}

/* One zone's state in the zones.h form. */
static void
fill_zone(const struct buddy *b, const struct buddy_zone *z,
    struct zone_state *s)
{
	uint64_t npb = ((z->end_pfn - 1) >> b->pageblock_order) -
	    (z->start_pfn >> b->pageblock_order) + 1;

	memset(s, 0, sizeof *s);
	snprintf(s->name, sizeof s->name, "%s", z->name);
	s->free_pages = z->free_pages;
	s->managed_pages = z->managed;
	s->present_pages = z->present;
	s->spanned_pages = z->end_pfn - z->start_pfn;
	s->start_pfn = z->start_pfn;
	s->wmark_min = z->wmark_min;
	s->wmark_low = z->wmark_low;
	s->wmark_high = z->wmark_high;
	s->has_details = true;
	s->nmigrate = BUDDY_NMT;
	for (unsigned m = 0; m < BUDDY_NMT; m++)
		snprintf(s->migrate[m].name, sizeof s->migrate[m].name, "%s",
		    buddy_mt_name(m));
	for (unsigned o = 0; o < b->norders; o++)
		for (unsigned m = 0; m < BUDDY_NMT; m++) {
			s->free_area[o] += z->nfree[o][m];
			s->migrate[m].free[o] = z->nfree[o][m];
		}
	for (uint64_t i = 0; i < npb; i++)
		s->migrate[z->pbtype[i]].blocks++;
}

/* Describe the allocator as a zones_state. */
void
buddy_fill_zones(const struct buddy *b, struct zones_state *st)
{
	memset(st, 0, sizeof *st);
	snprintf(st->source, sizeof st->source, "sim");
	st->orders = b->norders;
	st->pageblock_order = b->pageblock_order;
	st->has_migrate = true;
	st->zones = xcalloc(b->nzones ? b->nzones : 1, sizeof *st->zones);
	for (unsigned i = 0; i < b->nzones; i++) {
		if (b->zones[i].present == 0)
			continue;
		fill_zone(b, &b->zones[i], &st->zones[st->nzones++]);
	}
}

/* Free all list nodes and arrays. */
void
buddy_release(struct buddy *b)
{
	for (unsigned i = 0; i < b->nzones; i++) {
		struct buddy_zone *z = &b->zones[i];

		for (unsigned o = 0; o < b->norders; o++)
			for (unsigned m = 0; m < BUDDY_NMT; m++)
				while (z->list[o][m])
					blk_remove(b, z, z->list[o][m]);
		free(z->pbtype);
	}
	while (b->spare) {
		struct buddy_blk *k = b->spare;

		b->spare = k->next;
		free(k);
	}
	simhash_release(&b->freeblk);
	free(b->journal);
	memset(b, 0, sizeof *b);
}
