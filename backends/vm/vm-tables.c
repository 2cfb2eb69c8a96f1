/* SPDX-License-Identifier: MIT */
/* vm-tables.c: a guest's page tables, read lazily (see vm-tables.h). */
#include "config.h"
#include "vm-tables.h"

#include <stdlib.h>
#include <string.h>

#include "xalloc.h"

#define VM_MAX_TABLES	65536	/* a bound against corrupt or cyclic tables */

enum pt_kind
vm_entry_kind(enum desc_family f, const struct arch *a, unsigned li,
    uint64_t e)
{
	bool last = li + 1 == a->nlevels;
	bool can_block = a->levels[li].block_size != 0;

	switch (f) {
	case DF_X86_64:
		if (!(e & 1))
			return PT_KIND_NONE;
		if (last)
			return PT_KIND_PAGE;
		return (can_block && (e & 0x80)) ? PT_KIND_BLOCK :
		    PT_KIND_TABLE;
	case DF_RISCV:
		if (!(e & 1))
			return PT_KIND_NONE;
		if (e & 0xe)		/* R, W or X: a leaf */
			return last ? PT_KIND_PAGE : PT_KIND_BLOCK;
		return last ? PT_KIND_NONE : PT_KIND_TABLE;
	default:			/* arm64 */
		if ((e & 3) == 3)
			return last ? PT_KIND_PAGE : PT_KIND_TABLE;
		if ((e & 3) == 1 && !last && can_block)
			return PT_KIND_BLOCK;
		return PT_KIND_NONE;
	}
}

/* What t shows changed, and so did its head in the tables above it (the
   head is in their entries' view: read or not, its counts). */
static void
touch(struct vm_tables *vt, struct vm_table *t)
{
	vt->clock++;
	for (; t; t = t->up)
		t->stamp = vt->clock;
}

static size_t
table_bytes(const struct vm_tables *vt, unsigned li)
{
	return (size_t)vt->arch->levels[li].entries * 8;
}

int
vm_table_read(struct vm_tables *vt, uint64_t pa, unsigned li, uint64_t lin,
    bool kernel, uint32_t deny, struct vm_table **out, struct pts_err *err)
{
	struct vm_table *t;
	int r;

	if (vt->ntables >= VM_MAX_TABLES)
		return pts_errf(err, PTS_EIO, "too_many_tables",
		    "The guest's tables reach more than %u tables; they are "
		    "corrupt or the registers were read mid-switch.",
		    VM_MAX_TABLES);
	t = xcalloc(1, sizeof *t);
	t->li = li;
	t->pa = pa;
	t->lin = lin;
	t->kernel = kernel;
	t->deny = deny;
	t->e = xcalloc(vt->arch->levels[li].entries, sizeof *t->e);
	if ((r = vt->read(vt->ctx, pa, t->e, table_bytes(vt, li), err)) < 0) {
		free(t->e);
		free(t);
		return r;
	}
	vt->ntables++;
	vt->nread++;
	vt->clock++;
	t->stamp = vt->clock;
	*out = t;
	return 0;
}

int
vm_table_kid(struct vm_tables *vt, struct vm_table *t, unsigned i,
    struct vm_table **out, struct pts_err *err)
{
	const struct arch_level *al = &vt->arch->levels[t->li];
	uint64_t e = t->e[i];
	int r;

	if (t->kid == NULL)
		t->kid = xcalloc(al->entries, sizeof *t->kid);
	if (t->kid[i] == NULL) {
		r = vm_table_read(vt, desc_table_pa(vt->fam, e,
		    vt->arch->page_shift), t->li + 1,
		    t->lin + ((uint64_t)i << al->shift), t->kernel,
		    t->deny | desc_table_denies(vt->fam, e), &t->kid[i], err);
		if (r < 0)
			return r;
		t->kid[i]->up = t;
		touch(vt, t);	/* entry i now shows a table read */
	}
	*out = t->kid[i];
	return 0;
}

int
vm_table_fill(struct vm_tables *vt, struct vm_table *t, struct pts_err *err)
{
	const struct arch *a = vt->arch;
	const struct arch_level *al = &a->levels[t->li];
	int r;

	if (t->full)
		return 0;
	memset(&t->st, 0, sizeof t->st);
	t->st.tables = 1;
	for (unsigned i = 0; i < al->entries; i++) {
		enum pt_kind k = vm_entry_kind(vt->fam, a, t->li, t->e[i]);
		struct vm_table *kid;

		if (k == PT_KIND_NONE)
			continue;
		if (k != PT_KIND_TABLE) {
			t->st.present_pages += (UINT64_C(1) << al->shift) >>
			    a->page_shift;
			if (k == PT_KIND_BLOCK)
				t->st.blocks++;
			continue;
		}
		if ((r = vm_table_kid(vt, t, i, &kid, err)) < 0 ||
		    (r = vm_table_fill(vt, kid, err)) < 0)
			return r;
		t->st.present_pages += kid->st.present_pages;
		t->st.tables += kid->st.tables;
		t->st.blocks += kid->st.blocks;
	}
	t->full = true;
	touch(vt, t);		/* its counts are known */
	return 0;
}

int
vm_table_recheck(struct vm_tables *vt, struct vm_table *t, bool *changed,
    struct pts_err *err)
{
	unsigned n = vt->arch->levels[t->li].entries;
	uint64_t *now = xcalloc(n, sizeof *now);
	bool below = false;
	int r;

	if ((r = vt->read(vt->ctx, t->pa, now, table_bytes(vt, t->li),
	    err)) < 0) {
		free(now);
		return r;
	}
	vt->nread++;
	for (unsigned i = 0; i < n; i++) {
		if (now[i] == t->e[i])
			continue;
		if (!below && vt->changing)
			vt->changing(vt->ctx);
		below = true;
		if (t->kid && t->kid[i]) {
			vm_table_free(vt, t->kid[i]);
			t->kid[i] = NULL;
		}
	}
	memcpy(t->e, now, n * sizeof *now);
	free(now);
	for (unsigned i = 0; t->kid && i < n; i++) {
		bool c = false;

		if (t->kid[i] &&
		    (r = vm_table_recheck(vt, t->kid[i], &c, err)) < 0)
			return r;
		below |= c;
	}
	if (below) {
		t->full = false;
		touch(vt, t);
		*changed = true;
	}
	return 0;
}

int
vm_table_reroot(struct vm_tables *vt, struct vm_table **root, uint64_t pa,
    struct pts_err *err)
{
	struct vm_table *old = *root, *t;
	unsigned n = vt->arch->levels[0].entries;
	bool c = false;
	int r;

	if (vt->changing)
		vt->changing(vt->ctx);
	if ((r = vm_table_read(vt, pa, 0, 0, old->kernel, 0, &t, err)) < 0)
		return r;
	for (unsigned i = 0; old->kid && i < n; i++) {
		if (old->kid[i] == NULL || old->e[i] != t->e[i])
			continue;
		if (t->kid == NULL)
			t->kid = xcalloc(n, sizeof *t->kid);
		t->kid[i] = old->kid[i];	/* the same table, shared */
		t->kid[i]->up = t;
		old->kid[i] = NULL;
	}
	vm_table_free(vt, old);
	*root = t;
	for (unsigned i = 0; t->kid && i < n && r == 0; i++)
		if (t->kid[i])
			r = vm_table_recheck(vt, t->kid[i], &c, err);
	return r;
}

void
vm_table_free(struct vm_tables *vt, struct vm_table *t)
{
	if (t == NULL)
		return;
	if (t->kid)
		for (unsigned i = 0; i < vt->arch->levels[t->li].entries; i++)
			vm_table_free(vt, t->kid[i]);
	vt->ntables--;
	free(t->e);
	free(t->kid);
	free(t);
}
