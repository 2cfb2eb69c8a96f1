/* SPDX-License-Identifier: MIT */
/*
 * desc-fields.h: a descriptor word split into the fields its architecture
 * manual names (Intel SDM vol. 3 §4.5, Arm ARM D8.3 and B3.5, the RISC-V
 * privileged spec §4.4) plus the software bits Linux gives meaning to.
 *
 * The fields partition the word: every bit belongs to exactly one field
 * (ignored, reserved and software bits included), so OR-ing value << lo of
 * every field gives the word back.  This is what the viewer's entry panel
 * and each walk step show a learner.
 */
#ifndef PTS_DESC_FIELDS_H
#define PTS_DESC_FIELDS_H

#include <stdbool.h>
#include <stdint.h>

#include "arch.h"

#define DESC_MAX_FIELDS 40

/* Which word of an entry: the hardware descriptor, or (armv7-2l pte level
   only) the Linux PTE kept beside it in the same page. */
enum desc_word { DESC_WORD_HW = 0, DESC_WORD_LINUX };

struct desc_field {
	const char *name;	/* the manual's name: "AttrIndx", "PS", "PPN" */
	unsigned lo, width;	/* bits lo .. lo+width-1 */
	uint64_t value;		/* the field's bits, shifted down */
	int pa_lo;		/* an address field: value holds the PA bits
				   from pa_lo up; -1 for other fields */
	char meaning[120];	/* what this value means, for people */
};

struct desc_fields {
	const char *format;	/* "arm64 table descriptor", "x86 PTE", ... */
	unsigned bits;		/* word size: 32 or 64 */
	bool valid;		/* the hardware would use it */
	bool table;		/* points at a next-level table */
	uint64_t next_pa;	/* table: next table's PA; leaf: output PA;
				   UINT64_MAX when neither */
	unsigned n;
	struct desc_field f[DESC_MAX_FIELDS];
};

/*
 * Split word, an entry of levels[li] of arch a, into fields.  On armv7-2l
 * a pgd entry is two first-level descriptors: pass one of them.
 */
void desc_fields_decode(const struct arch *a, unsigned li, uint64_t word,
    enum desc_word which, struct desc_fields *out);

/* OR of value << lo over the fields: the word again. */
uint64_t desc_fields_assemble(const struct desc_fields *);

#endif
