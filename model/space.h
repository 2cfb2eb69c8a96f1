/* SPDX-License-Identifier: MIT */
/*
 * space.h: the backend interface.  An address space (simulated, a live
 * process, a kernel ptdump) is a struct space whose ops the server calls.
 * Each backend embeds struct space first in its own struct (htop's
 * Machine, OpenSMTPD's table backends).
 *
 * Locking: the server holds the space's lock around every op, so backends
 * need no locks of their own for per-space state.
 *
 * Every op returns 0 or a negative PTS_E* code with err filled in.  A NULL op
 * means the space does not support it (the server answers PTS_ENOTSUP).
 */
#ifndef PTS_SPACE_H
#define PTS_SPACE_H

#include <stdbool.h>
#include <stdint.h>

#include "arch.h"
#include "err.h"
#include "pt.h"
#include "region.h"
#include "zones.h"

struct space;
struct history;
struct hstate;

/* Protection bits of simulator ops. */
#define SPACE_PROT_R 1u
#define SPACE_PROT_W 2u
#define SPACE_PROT_X 4u

enum space_op_kind { SPACE_OP_MAP, SPACE_OP_UNMAP, SPACE_OP_PROTECT,
    SPACE_OP_FORK };

struct space_op {
	enum space_op_kind kind;
	uint64_t va, size;
	unsigned prot;		/* SPACE_PROT_* (map, protect) */
	bool user;		/* map: user-accessible (default true) */
	const char *page_size;	/* map: API leaf name ("4k", "2m") or "auto" */
	const char *memtype;	/* map: "normal" (default), "device", "nocache" */
	bool global;		/* map: global entry (default: !user) */
};

struct space_op_result {
	uint64_t generation;
	uint64_t tables_allocated, tables_freed;
	uint64_t pages_allocated, pages_freed;	/* data pages */
	struct space *forked;	/* fork: the new space, owned by the caller */
};

/* Kind-specific fields of the space object.  A dotted key ("kernel.vm_pte_kb")
   becomes a nested object in JSON. */
enum info_type { INFO_STR, INFO_U64, INFO_HEX, INFO_BOOL, INFO_NULL };

struct info_field {
	char key[40];
	enum info_type type;
	uint64_t u;
	char s[200];
};

#define SPACE_INFO_MAX 48
struct space_info {
	unsigned n;
	struct info_field f[SPACE_INFO_MAX];
};

void space_info_str(struct space_info *, const char *key, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
void space_info_u64(struct space_info *, const char *key, uint64_t);
void space_info_hex(struct space_info *, const char *key, uint64_t);
void space_info_bool(struct space_info *, const char *key, bool);
void space_info_null(struct space_info *, const char *key);

struct space_ops {
	const char *kind;	/* "sim", "process", "kernel", "ptdump" */
	/* Tree of the table at (level, va) to depth levels of children; depth 0
	   gives the node with stats only.  A table that does not exist is
	   PTS_ENOENT "no_such_table"; a folded or unknown level PTS_EINVAL. */
	int (*tree)(struct space *, enum pt_level, uint64_t va, unsigned depth,
	    struct pt_node **out, struct pts_err *);
	int (*walk)(struct space *, uint64_t va, struct pt_walk *out,
	    struct pts_err *);
	int (*ranges)(struct space *, struct pt_ranges *out, struct pts_err *);
	/* Lazy backends (vm) only: the root table covering va and the tables
	   held below it as far as they have been read, reading nothing, into
	   st as items (its root item and entries, model/hstate.h
	   HS_PARTIAL).  prev, when not NULL, is a state of this space taken
	   when read_serial was prev_serial: a table whose view has not
	   changed since may give prev's items (shared).  The history keeps
	   such spaces' generations as far as they were read
	   (model/history.h). */
	int (*capture_read)(struct space *, uint64_t va,
	    const struct hstate *prev, uint64_t prev_serial, struct hstate *st,
	    struct pts_err *);
	/* Regions with their spans, accounted (region.h): a process's VMAs;
	   space_regions_by_ranges for spaces without VMAs. */
	int (*regions)(struct space *, struct regions *out, struct pts_err *);
	int (*zones)(struct space *, struct zones_state *out, struct pts_err *);
	/* Re-read the source; bump generation only when something changed.
	   PTS_EGONE when the process has exited. */
	int (*refresh)(struct space *, struct pts_err *);
	int (*op)(struct space *, const struct space_op *,
	    struct space_op_result *, struct pts_err *);
	void (*info)(struct space *, struct space_info *);
	void (*free)(struct space *);
};

struct space {
	const struct space_ops *ops;
	const struct arch *arch;
	uint64_t generation;	/* bumps on every change */
	bool live;		/* shows real machine state: physical addresses
				   are hidden unless --show-physical */
	char label[64];		/* for people: "x86_64-4l process", "bash" */
	bool linear_known;	/* phys_offset is known: __va() can be shown */
	uint64_t phys_offset;	/* the PA the linear map starts at
				   (PAGE_OFFSET maps it): PHYS_OFFSET on arm,
				   memstart_addr on arm64, phys_ram_base on
				   RISC-V, 0 on x86 */
	uint64_t read_serial;	/* lazy backends: moves whenever what
				   capture_read would give changes */
	/* Set by the server for a lazy backend: a refresh calls it (when set)
	   just before it changes or drops a table it had read, so that the
	   history can take what the ending generation showed. */
	void (*before_change)(void *arg);
	void *before_change_arg;
	struct history *history; /* a backend's own history (recordings),
				   owned by the backend; NULL: the server
				   keeps one (model/history.h) */
};

/* __va(pa): the linear-map VA of pa, or false when unknown or outside. */
bool space_linear_va(const struct space *, uint64_t pa, uint64_t *va);

void space_free(struct space *);

/* A regions op for spaces without VMAs: regions_from_ranges() over the
   space's ranges op. */
int space_regions_by_ranges(struct space *, struct regions *out,
    struct pts_err *);

#endif
