/* SPDX-License-Identifier: MIT */
/*
 * fuzz-zones.c: libFuzzer harness for the three /proc zone parsers.  The
 * first byte picks buddyinfo alone, or buddyinfo (a fixed VM sample) then
 * zoneinfo or pagetypeinfo from the input; the frag indices are then
 * computed and checked to lie in their ranges.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "zones-proc.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char buddy[] =
    "Node 0, zone      DMA      0      0      0      0      0      0      0"
    "      0      1      1      3 \n"
    "Node 0, zone   Normal    843    554    638    680    611    434    240"
    "    174    107     82    935 \n";

/* Abort when an index is outside what the kernel's formulas can give:
   unusable 0..1; fragmentation -1..1 (it goes below 0 when a zone has
   fewer free pages than the request, e.g. one free page and order 1). */
static void
fuzz_check_frag(const struct zones_state *zs)
{
	for (size_t i = 0; i < zs->nzones; i++)
		for (unsigned k = 0; k < zs->orders; k++) {
			double u = zs->zones[i].unusable[k];
			double f = zs->zones[i].frag_index[k];

			if (u < 0 || u > 1 || f < -1 || f > 1)
				abort();
		}
}

/* One input: byte 0 chooses the file kind, the rest is its text. */
int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct zones_state zs;
	const char *text = (const char *)data + 1;
	int r;

	if (size == 0)
		return 0;
	memset(&zs, 0, sizeof zs);
	switch (data[0] % 3) {
	case 0:
		r = zones_parse_buddyinfo(text, size - 1, &zs, NULL);
		break;
	case 1:
		r = zones_parse_buddyinfo(buddy, sizeof buddy - 1, &zs, NULL);
		if (r == 0)
			r = zones_parse_zoneinfo(text, size - 1, &zs, NULL);
		break;
	default:
		r = zones_parse_buddyinfo(buddy, sizeof buddy - 1, &zs, NULL);
		if (r == 0)
			r = zones_parse_pagetypeinfo(text, size - 1, &zs, NULL);
		break;
	}
	if (r == 0) {
		zones_fill_frag(&zs);
		fuzz_check_frag(&zs);
	}
	zones_release(&zs);
	return 0;
}
