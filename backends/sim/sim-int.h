/* SPDX-License-Identifier: MIT */
/*
 * sim-int.h: the simulator's internal structures, shared by sim*.c only.
 *
 * A machine (RAM, zones, buddy allocator) is shared by the spaces forked
 * from one another; each space owns its tables.  Tables are kept only for
 * table pages (entries, attributes, child pointers, subtree counters);
 * data pages are only numbers handed out by the buddy allocator.
 *
 * Internal geometry equals the arch's levels except on armv7-2l, where the
 * root is kept as the hardware sees it (4096 x 1 MiB slots, two per Linux
 * pgd entry) and both slots of a pair point at one 512-entry pte page.
 */
#ifndef PTS_SIM_INT_H
#define PTS_SIM_INT_H

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>

#include "buddy.h"
#include "desc.h"
#include "sim-attrs.h"
#include "sim-hash.h"
#include "sim-kids.h"
#include "space.h"

struct sim_lv {
	unsigned shift;		/* VA bits below one slot */
	unsigned entries;	/* slots in a table */
	uint64_t span;		/* bytes one slot maps */
	unsigned order;		/* buddy order of a table page */
	bool leaf1;		/* one slot may be a leaf */
	unsigned grp;		/* slots of the multi-entry leaf, 0 if none */
};

struct sim_geom {
	unsigned nl;
	struct sim_lv lv[PT_NLEVELS];
};

struct sim_machine {
	pthread_mutex_t lock;		/* spaces forked from one another share
					   the machine but not the server's
					   per-space lock */
	unsigned refs;
	const struct arch *a;
	enum desc_family fam;
	struct sim_geom g;
	unsigned ram_mb;
	uint64_t ram_base, ram_size;
	uint64_t kimage_pa, kimage_size;	/* reserved at boot */
	struct buddy buddy;
	struct simhash shared;		/* pfn -> extra mappings (fork) */
};

struct sim_table {
	struct sim_table *parent;
	unsigned pidx;		/* slot in the parent (armv7-2l: the even one) */
	unsigned L;		/* internal level */
	bool kernel;		/* under the TTBR1 root (arm64) */
	uint64_t lin;		/* first linear VA spanned */
	uint64_t pa;
	/* The descriptor of each slot (hardware value; sim_e()): 4 bytes
	   a slot on arches whose entries are 4 bytes, else 8. */
	union {
		uint64_t *e64;
		uint32_t *e32;
	} e;
	bool e_is32;
	uint32_t *lx;		/* armv7-2l pte tables: Linux PTEs */
	struct sim_attrs attrs;	/* DA_* per leaf slot (sim_at()) */
	unsigned entries;	/* slots */
	struct sim_kids kids;	/* child tables (sim_kid()) */
	unsigned used;		/* non-empty slots */
	uint64_t present;	/* base pages mapped under this table */
	uint64_t tables;	/* tables under it, itself included */
	uint64_t blocks;	/* leaf slots above the last level */
};

/* The descriptor of slot i of t. */
static inline uint64_t
sim_e(const struct sim_table *t, unsigned i)
{
	return t->e_is32 ? t->e.e32[i] : t->e.e64[i];
}

/* Set it (a 4-byte slot keeps the low 32 bits: all its arch has). */
static inline void
sim_e_set(struct sim_table *t, unsigned i, uint64_t v)
{
	if (t->e_is32)
		t->e.e32[i] = (uint32_t)v;
	else
		t->e.e64[i] = v;
}

/* The child table of slot i of t, or NULL (always on the last level). */
static inline struct sim_table *
sim_kid(const struct sim_table *t, unsigned i)
{
	return sim_kids_get(&t->kids, i);
}

static inline void
sim_kid_set(struct sim_table *t, unsigned i, struct sim_table *c)
{
	sim_kids_set(&t->kids, i, c);
}

/* Whether slot i of t is a leaf: a descriptor and no child table (a
   leaf's descriptor is never 0; an empty slot's always is). */
static inline bool
sim_is_leaf(const struct sim_table *t, unsigned i)
{
	return sim_e(t, i) != 0 && sim_kid(t, i) == NULL;
}

/* The DA_* attributes of slot i of t (0: empty or a table). */
static inline unsigned
sim_at(const struct sim_table *t, unsigned i)
{
	return sim_is_leaf(t, i) ? sim_attrs_get(&t->attrs, i) : 0;
}

/* Set them for slot i, about to be a leaf (its descriptor is written
   right after).  A slot that stops being one needs nothing: its
   descriptor goes to 0 or it gets a child (sim_is_leaf()). */
void sim_at_set(struct sim_table *t, unsigned i, unsigned at);

#define SIM_MAX_MARKERS 24	/* x86_64's address_markers[] has 17 */
struct sim_marker {
	uint64_t va;
	char name[40];
};

struct sim_space {
	struct space base;
	struct sim_machine *m;
	const char *linux_layout;	/* the Linux version and config the
					   scenario's layout follows, or NULL */
	uint64_t kimage_va;		/* kernel scenario: KIMAGE_VADDR (where
					   the image is mapped), else 0 */
	bool memblock;			/* boot replay before memblock_free_all():
					   the zones show no free memory */
	struct sim_table *root[2];	/* [1]: arm64 kernel half (TTBR1) */
	char scenario[16];
	uint64_t data_pages;		/* owned base pages mapped here */
	uint64_t table_pages;		/* pages holding this space's tables */
	unsigned nmarkers;
	struct sim_marker markers[SIM_MAX_MARKERS];
	struct space_op_result cnt;	/* counters of the running op */
};

/* sim-pt.c: tables and operations */
int	simpt_machine_new(const struct arch *, unsigned ram_mb,
	    struct sim_machine **, struct pts_err *);
void	simpt_machine_put(struct sim_machine *);
int	simpt_space_init(struct sim_space *, struct pts_err *);
void	simpt_space_teardown(struct sim_space *);
/* map [lin..) in the half of root r: pa PT_UNKNOWN allocates data pages;
   leaf NULL = "auto". */
int	simpt_map(struct sim_space *, unsigned r, uint64_t lin, uint64_t size,
	    const struct arch_leaf *leaf, unsigned at, uint64_t pa,
	    struct pts_err *);
int	simpt_unmap(struct sim_space *, unsigned r, uint64_t lin, uint64_t size,
	    struct pts_err *);
int	simpt_protect(struct sim_space *, unsigned r, uint64_t lin,
	    uint64_t size, unsigned prot, struct pts_err *);
bool	simpt_range_used(struct sim_space *, unsigned r, uint64_t lin,
	    uint64_t size);
int	simpt_fork(struct sim_space *, struct sim_space *child,
	    struct pts_err *);
/* Root index for a VA, linear VA and back. */
unsigned simpt_root_of(const struct sim_space *, uint64_t va);
uint64_t simpt_va(const struct sim_space *, const struct sim_table *,
	    uint64_t lin);
/* Index of lin in table t. */
unsigned simpt_index(const struct sim_space *, const struct sim_table *,
	    uint64_t lin);
/* Output address of slot i of t (a leaf). */
uint64_t simpt_slot_pa(const struct sim_space *, const struct sim_table *,
	    unsigned i);

/* sim-view.c: trees, walks, ranges */
int	simview_tree(struct sim_space *, enum pt_level, uint64_t va,
	    unsigned depth, struct pt_node **, struct pts_err *);
int	simview_walk(struct sim_space *, uint64_t va, struct pt_walk *,
	    struct pts_err *);
int	simview_ranges(struct sim_space *, struct pt_ranges *,
	    struct pts_err *);

/* sim-scenario.c */
int	simscen_apply(struct sim_space *, const char *name, struct pts_err *);
bool	simscen_known(const char *name);
/* Exported for the boot replay (sim-boot.c): a map as scenarios map (leaf
   NULL: automatic sizes), and a layout marker. */
int	simscen_map(struct sim_space *, uint64_t va, uint64_t size, unsigned at,
	    const struct arch_leaf *leaf, uint64_t pa, struct pts_err *);
void	simscen_marker(struct sim_space *, uint64_t va, const char *name);

/* sim-boot.c: the "boot" scenario, stepped by the server. */
int	simboot_begin(struct sim_space *, struct pts_err *);
unsigned simboot_steps(struct sim_space *);
int	simboot_apply(struct sim_space *, unsigned k, char *caption, size_t n,
	    struct pts_err *);

#endif
