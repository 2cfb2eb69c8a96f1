/* SPDX-License-Identifier: MIT */
/*
 * vm-tables.h: a guest's page tables, read lazily.  A table is read when a
 * request first needs it (a walk: the tables on its path; a tree: the
 * subtree it counts; ranges: everything) and kept until a refresh finds
 * its entries changed: a refresh reads again only the tables read so far,
 * and drops the subtrees under entries that changed.
 */
#ifndef PTS_VM_TABLES_H
#define PTS_VM_TABLES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "arch.h"
#include "desc.h"
#include "err.h"
#include "pt.h"

struct vm_table {
	unsigned li;
	bool kernel;		/* the half whose VAs it maps */
	bool full;		/* every table below is read; st counts them */
	uint32_t deny;		/* DESC_DENY_* of the table entries above */
	uint64_t pa, lin;	/* table address; first linear VA it spans */
	uint64_t *e;		/* entries as read */
	struct vm_table **kid;	/* NULL, or per entry its table once read */
	struct vm_table *up;	/* the table whose entry points here, or NULL */
	uint64_t stamp;		/* vt->clock when what its entries show last
				   changed (the entries, or a kid's head:
				   read, dropped, its counts) */
	struct pt_stats st;
};

/* Reads guest-physical memory (the guest RAM or the gdbstub). */
typedef int (*vm_read_fn)(void *ctx, uint64_t pa, void *buf, size_t n,
    struct pts_err *);

struct vm_tables {
	const struct arch *arch;
	enum desc_family fam;
	unsigned ntables;	/* tables held */
	uint64_t nread;		/* tables read since attach */
	uint64_t clock;		/* moves whenever what the tables held show
				   changes: one read, counted, changed or
				   dropped (vm_table.stamp) */
	vm_read_fn read;
	void *ctx;
	/* called with ctx before a recheck changes or drops what was read */
	void (*changing)(void *ctx);
};

/* What entry e of a table at level li is: table, leaf (block/page) or none. */
enum pt_kind vm_entry_kind(enum desc_family, const struct arch *, unsigned li,
    uint64_t e);

/* Read one table (a root: li 0, lin 0, deny 0). */
int vm_table_read(struct vm_tables *, uint64_t pa, unsigned li, uint64_t lin,
    bool kernel, uint32_t deny, struct vm_table **out, struct pts_err *);
/* The table entry i of t points to, read if not yet. */
int vm_table_kid(struct vm_tables *, struct vm_table *t, unsigned i,
    struct vm_table **out, struct pts_err *);
/* Read everything below t and count it (t->st). */
int vm_table_fill(struct vm_tables *, struct vm_table *t, struct pts_err *);
/* Read t and the tables held below it again; *changed when an entry
   differs (its subtree is dropped, to be read when asked). */
int vm_table_recheck(struct vm_tables *, struct vm_table *t, bool *changed,
    struct pts_err *);
/* *root replaced by the root table at pa (a new CR3/TTBR0/satp): the
   tables held under entries equal in both (the kernel half's, shared by
   every process) are kept and rechecked, the rest dropped. */
int vm_table_reroot(struct vm_tables *, struct vm_table **root, uint64_t pa,
    struct pts_err *);
void vm_table_free(struct vm_tables *, struct vm_table *t);

#endif
