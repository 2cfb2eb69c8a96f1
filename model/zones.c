/* SPDX-License-Identifier: MIT */
/*
 * zones.c: zone and buddy-allocator state: freeing and the extfrag indices
 * (reading the /proc files is backends/ptdump/zones-proc.c).
 */
#include "config.h"

#include "zones.h"

#include <stdlib.h>
#include <string.h>

/* Free the zone array and leave the state empty. */
void
zones_release(struct zones_state *zs)
{
	if (zs == NULL)
		return;
	free(zs->zones);
	zs->zones = NULL;
	zs->nzones = 0;
}

/* The kernel's struct contig_page_info for one zone and one order. */
struct zones_contig {
	uint64_t free_pages;
	uint64_t free_blocks_total;
	uint64_t free_blocks_suitable;
};

/* Sum a zone's free lists as mm/vmstat.c fill_contig_page_info() does. */
static void
zones_contig_fill(const struct zone_state *z, unsigned orders,
    unsigned suitable, struct zones_contig *ci)
{
	unsigned k;

	memset(ci, 0, sizeof(*ci));
	for (k = 0; k < orders; k++) {
		uint64_t blocks = z->free_area[k];

		ci->free_blocks_total += blocks;
		ci->free_pages += blocks << k;
		if (k >= suitable)
			ci->free_blocks_suitable += blocks << (k - suitable);
	}
}

/* mm/vmstat.c unusable_free_index(): thousandths, 1000 when nothing free. */
static int64_t
zones_unusable_index(unsigned order, const struct zones_contig *ci)
{
	if (ci->free_pages == 0)
		return 1000;
	return (int64_t)((ci->free_pages -
	    (ci->free_blocks_suitable << order)) * 1000ULL / ci->free_pages);
}

/* mm/vmstat.c __fragmentation_index(): thousandths, -1000 if satisfiable. */
static int64_t
zones_frag_index(unsigned order, const struct zones_contig *ci)
{
	uint64_t requested = 1ULL << order;

	if (ci->free_blocks_total == 0)
		return 0;
	if (ci->free_blocks_suitable)
		return -1000;
	return 1000 - (int64_t)((1000 + ci->free_pages * 1000ULL / requested) /
	    ci->free_blocks_total);
}

/*
 * Fill unusable[] and frag_index[] of every zone for orders 0..orders-1.
 * The values are the kernel's integer thousandths divided by 1000, so they
 * print exactly as /sys/kernel/debug/extfrag/{unusable_index,extfrag_index}.
 */
void
zones_fill_frag(struct zones_state *zs)
{
	struct zones_contig ci;
	unsigned orders, k;
	size_t i;

	orders = zs->orders > ZONES_MAX_ORDERS ? ZONES_MAX_ORDERS : zs->orders;
	for (i = 0; i < zs->nzones; i++) {
		struct zone_state *z = &zs->zones[i];

		for (k = 0; k < ZONES_MAX_ORDERS; k++) {
			z->unusable[k] = 0;
			z->frag_index[k] = 0;
		}
		for (k = 0; k < orders; k++) {
			zones_contig_fill(z, orders, k, &ci);
			z->unusable[k] = zones_unusable_index(k, &ci) / 1000.0;
			z->frag_index[k] = zones_frag_index(k, &ci) / 1000.0;
		}
	}
}
